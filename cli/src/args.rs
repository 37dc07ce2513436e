//! The arguments several commands share: where a socket binds or connects,
//! and parsers for durations and sizes.

use crate::endpoint;
use crate::error::{CliError, Result};
use crate::kind::SocketKind;
use crate::security::{Role, SecurityArgs};
use crate::socket::{AnySocket, Options};
use clap::Args;
use libzmq::monitor::Monitor;
use libzmq::CtxHandle;
use std::io::Write;
use std::time::Duration;

/// Where a socket binds and connects.
#[derive(Debug, Clone, Default, Args)]
pub struct EndpointArgs {
    /// Bind to ENDPOINT (repeat for more), e.g. tcp://127.0.0.1:5555,
    /// tcp://*:*, ipc:///tmp/feed, ipc://*, inproc://name, udp://…
    #[arg(short, long, value_name = "ENDPOINT")]
    pub bind: Vec<String>,

    /// Connect to ENDPOINT (repeat for more).
    #[arg(short, long, value_name = "ENDPOINT")]
    pub connect: Vec<String>,

    /// Print each endpoint bound, with the real port or path of a `*`, on
    /// stderr (one line each, before anything else is done).
    #[arg(long)]
    pub print_endpoint: bool,

    /// TCP and IPC connects queue messages only to a peer whose connection
    /// is up (libzmq's ZMQ_IMMEDIATE): a push to several endpoints skips
    /// the ones that are down.
    #[arg(long)]
    pub immediate: bool,
}

impl EndpointArgs {
    /// Opens a socket of `kind`, secures it, binds and connects it. `what`
    /// names the socket in errors when a command has several (e.g.
    /// "frontend"); the argument names get it as a prefix.
    pub fn open(
        &self,
        ctx: CtxHandle,
        kind: SocketKind,
        security: &SecurityArgs,
        options: Options,
    ) -> Result<AnySocket> {
        self.open_named(ctx, kind, security, options, "")
    }

    /// [`open`](Self::open) for a socket whose arguments are
    /// `--{prefix}bind` and `--{prefix}connect`.
    pub fn open_named(
        &self,
        ctx: CtxHandle,
        kind: SocketKind,
        security: &SecurityArgs,
        options: Options,
        prefix: &str,
    ) -> Result<AnySocket> {
        self.open_inner(ctx, kind, security, options, prefix, false)
            .map(|(socket, _)| socket)
    }

    /// [`open`](Self::open), with a monitor made before the first bind or
    /// connect, so that it sees every event (`zmq monitor`).
    pub fn open_monitored(
        &self,
        ctx: CtxHandle,
        kind: SocketKind,
        security: &SecurityArgs,
        options: Options,
    ) -> Result<(AnySocket, Monitor)> {
        let (socket, monitor) =
            self.open_inner(ctx, kind, security, options, "", true)?;
        let monitor = monitor
            .ok_or_else(|| CliError::runtime("the socket has no monitor"))?;
        Ok((socket, monitor))
    }

    fn open_inner(
        &self,
        ctx: CtxHandle,
        kind: SocketKind,
        security: &SecurityArgs,
        mut options: Options,
        prefix: &str,
        monitored: bool,
    ) -> Result<(AnySocket, Option<Monitor>)> {
        let binds =
            endpoint::parse_all(&format!("--{prefix}bind"), &self.bind)?;
        let connects =
            endpoint::parse_all(&format!("--{prefix}connect"), &self.connect)?;
        if binds.is_empty() && connects.is_empty() {
            return Err(CliError::conflict(format!(
                "give the {kind} socket an endpoint: --{prefix}bind ENDPOINT or \
                 --{prefix}connect ENDPOINT"
            )));
        }
        options.mechanism =
            security.mechanism(Role::of(binds.len(), connects.len()), ctx)?;
        options.immediate = self.immediate;
        let socket = AnySocket::open(ctx, kind, &options)?;
        let monitor = monitored.then(|| socket.monitor());
        for endpoint in &binds {
            let bound = socket.bind(endpoint)?;
            if self.print_endpoint {
                let mut stderr = std::io::stderr().lock();
                // Best effort: a closed stderr must not stop the command.
                let _ = writeln!(stderr, "{}", endpoint::to_string(&bound));
            }
        }
        for endpoint in &connects {
            socket.connect(endpoint)?;
        }
        Ok((socket, monitor))
    }
}

/// Parses a duration such as `500ms`, `5s` or `1m 30s` (clap value parser).
///
/// ```
/// # use libzmq_cli::args::parse_duration;
/// assert_eq!(parse_duration("1500ms"), Ok(std::time::Duration::from_millis(1500)));
/// assert!(parse_duration("soon").is_err());
/// ```
pub fn parse_duration(text: &str) -> std::result::Result<Duration, String> {
    humantime::parse_duration(text)
        .map_err(|err| format!("{err} (examples: 500ms, 5s, 1m)"))
}

/// Parses a byte size: a number with an optional `k`, `K`, `KiB`, `M`,
/// `MiB` suffix (powers of 1024) (clap value parser).
///
/// ```
/// # use libzmq_cli::args::parse_size;
/// assert_eq!(parse_size("64"), Ok(64));
/// assert_eq!(parse_size("4KiB"), Ok(4096));
/// assert_eq!(parse_size("1M"), Ok(1 << 20));
/// assert!(parse_size("big").is_err());
/// ```
pub fn parse_size(text: &str) -> std::result::Result<usize, String> {
    let digits = text.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let unit = &text[digits.len()..];
    let factor: usize = match unit {
        "" | "B" => 1,
        "k" | "K" | "KiB" | "kB" | "KB" => 1 << 10,
        "M" | "MiB" | "MB" => 1 << 20,
        _ => return Err(format!("unknown unit `{unit}` (use B, KiB or MiB)")),
    };
    digits
        .parse::<usize>()
        .ok()
        .and_then(|n| n.checked_mul(factor))
        .ok_or_else(|| {
            format!("`{text}` is not a size (examples: 32, 1KiB, 4M)")
        })
}

/// The groups of `--group` for a socket of `kind`: a Dish joins one or
/// more, a Radio sends to one (default: the empty group), the other types
/// have none.
///
/// ```
/// # use libzmq_cli::{args::groups, kind::SocketKind};
/// assert_eq!(groups(SocketKind::Dish, &["a".into(), "b".into()])?.len(), 2);
/// assert!(groups(SocketKind::Dish, &[]).is_err());
/// assert!(groups(SocketKind::Radio, &["a".into(), "b".into()]).is_err());
/// assert!(groups(SocketKind::Client, &["a".into()]).is_err());
/// # Ok::<(), libzmq_cli::error::CliError>(())
/// ```
pub fn groups(
    kind: SocketKind,
    names: &[String],
) -> Result<Vec<libzmq::Group>> {
    match (kind, names.len()) {
        (SocketKind::Dish, 0) => Err(CliError::conflict(
            "a dish receives only the groups it joins: give --group GROUP (repeat for more)",
        )),
        (SocketKind::Radio, n) if n > 1 => Err(CliError::usage(
            "--group",
            "a radio sends to one group (run one `zmq send` per group)",
        )),
        (SocketKind::Dish | SocketKind::Radio, _) => names
            .iter()
            .map(|name| {
                libzmq::Group::new(name.as_str())
                    .map_err(|err| CliError::usage("--group", format!("`{name}`: {err}")))
            })
            .collect(),
        (_, 0) => Ok(Vec::new()),
        (kind, _) => Err(CliError::conflict(format!(
            "--group is for radio and dish sockets, not {kind}"
        ))),
    }
}

/// The topic prefixes of `--subscribe` for a socket of `kind`: a Sub or
/// XSub subscribes to them, to everything (the empty prefix) by default;
/// the other types take none.
///
/// ```
/// # use libzmq_cli::{args::subscriptions, kind::SocketKind};
/// assert_eq!(subscriptions(SocketKind::Sub, &[])?, vec![Vec::<u8>::new()]);
/// assert_eq!(subscriptions(SocketKind::Sub, &["a".into()])?, vec![b"a".to_vec()]);
/// assert!(subscriptions(SocketKind::Pull, &["a".into()]).is_err());
/// # Ok::<(), libzmq_cli::error::CliError>(())
/// ```
pub fn subscriptions(
    kind: SocketKind,
    prefixes: &[String],
) -> Result<Vec<Vec<u8>>> {
    match kind {
        SocketKind::Sub | SocketKind::Xsub if prefixes.is_empty() => {
            Ok(vec![Vec::new()])
        }
        SocketKind::Sub | SocketKind::Xsub => {
            Ok(prefixes.iter().map(|p| p.as_bytes().to_vec()).collect())
        }
        _ if prefixes.is_empty() => Ok(Vec::new()),
        _ => Err(CliError::conflict(format!(
            "--subscribe is for sub and xsub sockets, not {kind}"
        ))),
    }
}
