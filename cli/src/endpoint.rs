//! Endpoints written the libzmq way: `scheme://address`.

use crate::error::{CliError, Result};
use libzmq::addr::Endpoint;

/// The transports the tool accepts, for the error message.
const SCHEMES: &str = "tcp://, ipc://, inproc:// or udp://";

/// Parses an endpoint such as `tcp://127.0.0.1:5555`, `ipc:///tmp/feed`,
/// `ipc://*`, `inproc://name` or `udp://239.0.0.1:5556`. `arg` names the
/// argument in the error message.
///
/// ```
/// # use libzmq_cli::endpoint::{parse, to_string};
/// let endpoint = parse("--connect", "tcp://127.0.0.1:5555")?;
/// assert!(endpoint.is_tcp());
/// assert_eq!(to_string(&endpoint), "tcp://127.0.0.1:5555");
/// assert!(parse("--bind", "127.0.0.1:5555").is_err());
/// # Ok::<(), libzmq_cli::error::CliError>(())
/// ```
pub fn parse(arg: &str, text: &str) -> Result<Endpoint> {
    let bad = |why: &str| CliError::usage(arg, format!("`{text}`: {why}"));
    let (scheme, address) = text
        .split_once("://")
        .ok_or_else(|| bad(&format!("an endpoint starts with {SCHEMES}")))?;
    let parsed = match scheme {
        "tcp" => address.parse().map(Endpoint::Tcp),
        "ipc" => address.parse().map(Endpoint::Ipc),
        "inproc" => address.parse().map(Endpoint::Inproc),
        "udp" => address.parse().map(Endpoint::Udp),
        "pgm" | "epgm" | "vmci" | "tipc" | "ws" | "wss" => {
            return Err(bad(&format!(
                "the {scheme} transport is not supported (use {SCHEMES})"
            )))
        }
        _ => {
            return Err(bad(&format!(
                "unknown transport `{scheme}` (use {SCHEMES})"
            )))
        }
    };
    parsed.map_err(|err| bad(err.msg()))
}

/// Parses each of `texts`, naming `arg` in the error.
pub fn parse_all(arg: &str, texts: &[String]) -> Result<Vec<Endpoint>> {
    texts.iter().map(|text| parse(arg, text)).collect()
}

/// Writes an endpoint the libzmq way, e.g. `tcp://127.0.0.1:41234`.
pub fn to_string(endpoint: &Endpoint) -> String {
    match endpoint {
        Endpoint::Tcp(addr) => format!("tcp://{addr}"),
        Endpoint::Ipc(addr) => format!("ipc://{addr}"),
        Endpoint::Inproc(addr) => format!("inproc://{addr}"),
        Endpoint::Udp(addr) => format!("udp://{addr}"),
        Endpoint::Pgm(addr) => format!("pgm://{addr}"),
        Endpoint::Epgm(addr) => format!("epgm://{addr}"),
        other => format!("{other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for text in [
            "tcp://127.0.0.1:5555",
            "tcp://127.0.0.1:*",
            "tcp://[::1]:5555",
            "ipc:///tmp/zmq-cli-test",
            "ipc://*",
            "ipc://@abstract",
            "inproc://some-name",
            "udp://239.0.0.1:5556",
        ] {
            assert_eq!(to_string(&parse("--bind", text).unwrap()), text);
        }
    }

    #[test]
    fn errors_name_the_argument_and_the_reason() {
        let err = parse("--connect", "tcp://127.0.0.1:http").unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid value for --connect: `tcp://127.0.0.1:http`: invalid port number"
        );
        let err = parse("--bind", "foo://x").unwrap_err().to_string();
        assert!(err.contains("unknown transport `foo`"), "{err}");
        let err = parse("--bind", "localhost:80").unwrap_err().to_string();
        assert!(err.contains("an endpoint starts with tcp://"), "{err}");
        let err = parse("--bind", "pgm://eth0;239.0.0.1:5555")
            .unwrap_err()
            .to_string();
        assert!(err.contains("not supported"), "{err}");
    }
}
