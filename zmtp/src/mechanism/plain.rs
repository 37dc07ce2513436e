//! The PLAIN mechanism (RFC 24, spec §2.3): the client sends its user name and password in
//! clear text, the server's authenticator (ZAP) checks them.
//!
//! ```text
//! C: HELLO     05 "HELLO" ‖ ulen:u8 ‖ username ‖ plen:u8 ‖ password   (nothing after it)
//! S: WELCOME   07 "WELCOME"                                          (exactly 8 bytes)
//! C: INITIATE  08 "INITIATE" ‖ metadata
//! S: READY     05 "READY" ‖ metadata
//! S: ERROR     05 "ERROR" ‖ len:u8 ‖ reason      instead of WELCOME when the ZAP check fails
//! ```
//!
//! libzmq's PLAIN server writes the `ERROR` prefix as the C literal `"\x05ERROR"`, where the
//! hex escape swallows the `E`: its ERROR body starts `5e 52 52 4f 52` ("^RROR") with the
//! reason at offset 5. Our client accepts both forms; our server sends the correct one (a
//! libzmq client then fails with a protocol error instead of an authentication error, and
//! does not retry either way).

use std::fmt;

use bytes::Bytes;
use zeroize::Zeroizing;

use super::{
    accept_metadata, handshake_command, peer_error, ready_or_error, Handshake,
    Mechanism, MAX_ERROR_BODY,
};
use crate::command::READY;
use crate::error::{escape, ProtocolError};
use crate::frame::Frame;

/// `HELLO` command name.
const HELLO: &[u8] = b"HELLO";
/// `WELCOME` command name.
const WELCOME: &[u8] = b"WELCOME";
/// `INITIATE` command name.
const INITIATE: &[u8] = b"INITIATE";

/// Largest `HELLO` body: name (1 + 5), user name and password (1 + 255 each).
const MAX_HELLO_BODY: u64 = 518;
/// `WELCOME` body size.
const WELCOME_BODY: u64 = 8;
/// `INITIATE` name (1 + 8) in front of the metadata.
const INITIATE_PREFIX: u64 = 9;

/// Start of libzmq's malformed PLAIN `ERROR` body (`"\x05ERROR"` read by a C compiler).
const LIBZMQ_ERROR_PREFIX: &[u8] = b"\x5eRROR";

/// PLAIN client progress.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum ClientState {
    /// `HELLO` sent; waiting for `WELCOME` (or `ERROR`).
    ExpectWelcome,
    /// `INITIATE` sent; waiting for `READY` (or `ERROR`).
    ExpectReady,
    /// Handshake complete.
    Ready,
}

/// PLAIN client state.
pub(crate) struct PlainClient {
    state: ClientState,
    /// Forgotten (zeroized) once `HELLO` is queued.
    username: Zeroizing<Vec<u8>>,
    /// Forgotten (zeroized) once `HELLO` is queued.
    password: Zeroizing<Vec<u8>>,
}

impl fmt::Debug for PlainClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PlainClient")
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

impl PlainClient {
    pub(crate) fn new(username: &[u8], password: &[u8]) -> PlainClient {
        PlainClient {
            state: ClientState::ExpectWelcome,
            username: Zeroizing::new(username.to_vec()),
            password: Zeroizing::new(password.to_vec()),
        }
    }
}

impl Mechanism for PlainClient {
    fn start(&mut self, hs: &mut Handshake<'_>) -> Result<(), ProtocolError> {
        let too_long = ProtocolError::InvalidConfig(
            "PLAIN credential longer than 255 bytes",
        );
        let ulen =
            u8::try_from(self.username.len()).map_err(|_| too_long.clone())?;
        let plen = u8::try_from(self.password.len()).map_err(|_| too_long)?;
        hs.send_raw(&[
            b"\x05HELLO",
            &[ulen],
            &self.username,
            &[plen],
            &self.password,
        ]);
        self.username = Zeroizing::default();
        self.password = Zeroizing::default();
        Ok(())
    }

    fn handle_frame(
        &mut self,
        frame: Frame,
        hs: &mut Handshake<'_>,
    ) -> Result<(), ProtocolError> {
        if let Some(data) = frame.body.strip_prefix(LIBZMQ_ERROR_PREFIX) {
            return Err(peer_error(data));
        }
        let (name, data) = handshake_command(&frame, &[WELCOME, READY])?;
        match (self.state, name) {
            (ClientState::ExpectWelcome, WELCOME) => {
                if !data.is_empty() {
                    return Err(ProtocolError::MalformedCommand(
                        "PLAIN WELCOME with trailing data",
                    ));
                }
                hs.send_with_metadata(b"\x08INITIATE");
                self.state = ClientState::ExpectReady;
                Ok(())
            }
            (ClientState::ExpectReady, READY) => {
                accept_metadata(&data, hs)?;
                self.state = ClientState::Ready;
                Ok(())
            }
            _ => Err(ProtocolError::UnexpectedCommand(escape(name))),
        }
    }

    fn is_ready(&self) -> bool {
        self.state == ClientState::Ready
    }

    fn max_frame_size(&self, max_metadata: u64) -> u64 {
        match self.state {
            ClientState::ExpectWelcome => WELCOME_BODY.max(MAX_ERROR_BODY),
            ClientState::ExpectReady => ready_or_error(max_metadata),
            ClientState::Ready => MAX_ERROR_BODY,
        }
    }
}

/// PLAIN server progress.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum ServerState {
    /// Waiting for the client's `HELLO`.
    ExpectHello,
    /// Waiting for the engine's answer to the authentication request.
    AwaitingAuth,
    /// `WELCOME` sent; waiting for `INITIATE`.
    ExpectInitiate,
    /// Handshake complete.
    Ready,
}

/// PLAIN server state.
#[derive(Debug)]
pub(crate) struct PlainServer {
    state: ServerState,
}

impl PlainServer {
    pub(crate) fn new() -> PlainServer {
        PlainServer {
            state: ServerState::ExpectHello,
        }
    }
}

impl Mechanism for PlainServer {
    fn handle_frame(
        &mut self,
        frame: Frame,
        hs: &mut Handshake<'_>,
    ) -> Result<(), ProtocolError> {
        let (name, data) = handshake_command(&frame, &[HELLO, INITIATE])?;
        match (self.state, name) {
            (ServerState::ExpectHello, HELLO) => {
                let (username, password) = parse_hello(&data)?;
                hs.request_auth("PLAIN", vec![username, password]);
                self.state = ServerState::AwaitingAuth;
                Ok(())
            }
            (ServerState::ExpectInitiate, INITIATE) => {
                accept_metadata(&data, hs)?;
                hs.send_with_metadata(b"\x05READY");
                self.state = ServerState::Ready;
                Ok(())
            }
            _ => Err(ProtocolError::UnexpectedCommand(escape(name))),
        }
    }

    fn awaiting_auth(&self) -> bool {
        self.state == ServerState::AwaitingAuth
    }

    fn auth_allowed(
        &mut self,
        hs: &mut Handshake<'_>,
    ) -> Result<(), ProtocolError> {
        hs.send_raw(&[b"\x07WELCOME"]);
        self.state = ServerState::ExpectInitiate;
        Ok(())
    }

    fn is_ready(&self) -> bool {
        self.state == ServerState::Ready
    }

    fn max_frame_size(&self, max_metadata: u64) -> u64 {
        match self.state {
            ServerState::ExpectHello => MAX_HELLO_BODY,
            ServerState::ExpectInitiate => max_metadata
                .saturating_add(INITIATE_PREFIX)
                .max(MAX_ERROR_BODY),
            ServerState::AwaitingAuth | ServerState::Ready => MAX_ERROR_BODY,
        }
    }
}

/// Splits the data of a `HELLO` (after its name) into user name and password; nothing may
/// follow the password.
fn parse_hello(data: &Bytes) -> Result<(Bytes, Bytes), ProtocolError> {
    let field = |start: usize,
                 what: &'static str|
     -> Result<(Bytes, usize), ProtocolError> {
        let len = data
            .get(start)
            .map(|&len| usize::from(len))
            .ok_or(ProtocolError::MalformedCommand(what))?;
        let end = start + 1 + len;
        if end > data.len() {
            return Err(ProtocolError::MalformedCommand(what));
        }
        Ok((data.slice(start + 1..end), end))
    };
    let (username, end) =
        field(0, "PLAIN HELLO user name longer than the frame")?;
    let (password, end) =
        field(end, "PLAIN HELLO password longer than the frame")?;
    if end != data.len() {
        return Err(ProtocolError::MalformedCommand(
            "PLAIN HELLO with trailing data",
        ));
    }
    Ok((username, password))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hello(data: &[u8]) -> Result<(Bytes, Bytes), ProtocolError> {
        parse_hello(&Bytes::copy_from_slice(data))
    }

    #[test]
    fn hello_layout() {
        assert_eq!(
            hello(b"\x05admin\x06secret").unwrap(),
            (Bytes::from_static(b"admin"), Bytes::from_static(b"secret"))
        );
        assert_eq!(hello(b"\x00\x00").unwrap(), (Bytes::new(), Bytes::new()));
        let mut max = vec![255u8];
        max.extend_from_slice(&[b'u'; 255]);
        max.push(255);
        max.extend_from_slice(&[b'p'; 255]);
        let (u, p) = hello(&max).unwrap();
        assert_eq!((u.len(), p.len()), (255, 255));
    }

    #[test]
    fn hello_strict_sizes() {
        let cases: [(&[u8], &str); 6] = [
            (b"", "PLAIN HELLO user name longer than the frame"),
            (b"\x05admi", "PLAIN HELLO user name longer than the frame"),
            (b"\x05admin", "PLAIN HELLO password longer than the frame"),
            (
                b"\x05admin\x07secret",
                "PLAIN HELLO password longer than the frame",
            ),
            (b"\x05admin\x06secretX", "PLAIN HELLO with trailing data"),
            (b"\x00\x00\x00", "PLAIN HELLO with trailing data"),
        ];
        for (data, msg) in cases {
            assert_eq!(
                hello(data),
                Err(ProtocolError::MalformedCommand(msg)),
                "{data:?}"
            );
        }
    }

    #[test]
    fn client_debug_hides_credentials() {
        let c = PlainClient::new(b"admin", b"hunter2");
        let text = format!("{c:?}");
        assert!(!text.contains("hunter2") && !text.contains("104"), "{text}");
    }
}
