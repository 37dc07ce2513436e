//! Security mechanisms: the handshake that follows the greeting (spec §2).
//!
//! Each mechanism is an internal state machine behind an internal `Mechanism` trait; the
//! [`Session`](crate::Session) drives it and the engine only sees the session:
//!
//! * NULL (RFC 23): no security, optional ZAP check of the peer;
//! * PLAIN (RFC 24): user name and password in clear text, checked by the server's ZAP
//!   handler;
//! * CURVE (RFC 25/26): CurveZMQ key exchange, client authentication by its long-term public
//!   key, and every frame encrypted after the handshake.
//!
//! PLAIN and CURVE servers always ask the engine to authenticate the client
//! ([`Event::AuthRequest`]); the `authenticate` flag of
//! [`SessionConfig`](crate::SessionConfig) only concerns NULL.

pub(crate) mod curve;
mod null;
pub(crate) mod plain;

use std::collections::VecDeque;
use std::fmt::{self, Debug};

use bytes::{BufMut, Bytes, BytesMut};

use crate::command::{self, Command};
use crate::error::{escape, ProtocolError};
use crate::event::Event;
use crate::frame::{self, Frame, FrameMut, MAX_HEADER_LEN};
use crate::metadata::{Metadata, SOCKET_TYPE};
use crate::socket_type::SocketType;

pub use curve::{curve_keypair, curve_public_key, CURVE_KEY_LEN};

/// Longest PLAIN user name or password (the wire format has a one-byte length).
pub const MAX_PLAIN_CREDENTIAL_LEN: usize = 255;

/// Largest `ERROR` command body: name (1 + 5) and a reason of at most 255 bytes (1 + 255).
pub(crate) const MAX_ERROR_BODY: u64 = 262;

/// Largest `READY` body (1 + 5 for the name) for `metadata` bytes of metadata, never below
/// [`MAX_ERROR_BODY`] (an `ERROR` may come instead).
pub(crate) fn ready_or_error(metadata: u64) -> u64 {
    metadata.saturating_add(6).max(MAX_ERROR_BODY)
}

/// The security mechanism of a session, with its role and credentials.
///
/// `Debug` does not print passwords or secret keys, and the password and secret keys are
/// wiped from memory when the value is dropped. Share one configuration between connections
/// through the `Arc` in [`SessionConfig::mechanism`](crate::SessionConfig::mechanism) rather
/// than cloning it: every clone is another copy of the secrets (wiped too, on drop).
#[derive(Clone, Default, PartialEq, Eq)]
pub enum MechanismConfig {
    /// No security (RFC 23 NULL).
    #[default]
    Null,
    /// PLAIN client (RFC 24): sends these credentials in clear text.
    PlainClient {
        /// User name, 0..=255 bytes.
        username: Vec<u8>,
        /// Password, 0..=255 bytes.
        password: Vec<u8>,
    },
    /// PLAIN server: asks the engine to check every client's user name and password.
    PlainServer,
    /// CURVE client (RFC 26) with its long-term key pair.
    CurveClient {
        /// The server's long-term public key.
        server_public: [u8; CURVE_KEY_LEN],
        /// Our long-term public key (must belong to `secret`).
        public: [u8; CURVE_KEY_LEN],
        /// Our long-term secret key.
        secret: [u8; CURVE_KEY_LEN],
    },
    /// CURVE server with its long-term secret key (the public key is derived from it).
    CurveServer {
        /// Our long-term secret key.
        secret: [u8; CURVE_KEY_LEN],
    },
}

impl Debug for MechanismConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const REDACTED: &str = "<redacted>";
        match self {
            MechanismConfig::Null => f.write_str("Null"),
            MechanismConfig::PlainClient { username, .. } => f
                .debug_struct("PlainClient")
                .field("username", &escape(username))
                .field("password", &REDACTED)
                .finish(),
            MechanismConfig::PlainServer => f.write_str("PlainServer"),
            MechanismConfig::CurveClient {
                server_public,
                public,
                ..
            } => f
                .debug_struct("CurveClient")
                .field("server_public", &hex(server_public))
                .field("public", &hex(public))
                .field("secret", &REDACTED)
                .finish(),
            MechanismConfig::CurveServer { secret } => f
                .debug_struct("CurveServer")
                .field("public", &hex(&curve_public_key(secret)))
                .field("secret", &REDACTED)
                .finish(),
        }
    }
}

impl Drop for MechanismConfig {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        match self {
            MechanismConfig::PlainClient { username, password } => {
                username.zeroize();
                password.zeroize();
            }
            MechanismConfig::CurveClient { secret, .. }
            | MechanismConfig::CurveServer { secret } => secret.zeroize(),
            MechanismConfig::Null | MechanismConfig::PlainServer => {}
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl MechanismConfig {
    /// The name announced in the greeting: `"NULL"`, `"PLAIN"` or `"CURVE"`.
    pub fn name(&self) -> &'static str {
        match self {
            MechanismConfig::Null => "NULL",
            MechanismConfig::PlainClient { .. }
            | MechanismConfig::PlainServer => "PLAIN",
            MechanismConfig::CurveClient { .. }
            | MechanismConfig::CurveServer { .. } => "CURVE",
        }
    }

    /// The greeting's as-server flag: true only for a PLAIN or CURVE server.
    pub fn as_server(&self) -> bool {
        matches!(
            self,
            MechanismConfig::PlainServer | MechanismConfig::CurveServer { .. }
        )
    }

    /// Checks that the configuration can be used: PLAIN credentials of at most 255 bytes
    /// each, and a CURVE client public key that belongs to its secret key. A
    /// [`Session`](crate::Session) built from an invalid configuration fails with this error
    /// on its first [`decode`](crate::Session::decode).
    pub fn validate(&self) -> Result<(), ProtocolError> {
        match self {
            MechanismConfig::PlainClient { username, password } => {
                if username.len() > MAX_PLAIN_CREDENTIAL_LEN {
                    return Err(ProtocolError::InvalidConfig(
                        "PLAIN user name longer than 255 bytes",
                    ));
                }
                if password.len() > MAX_PLAIN_CREDENTIAL_LEN {
                    return Err(ProtocolError::InvalidConfig(
                        "PLAIN password longer than 255 bytes",
                    ));
                }
                Ok(())
            }
            MechanismConfig::CurveClient { public, secret, .. } => {
                if !bool::from(subtle::ConstantTimeEq::ct_eq(
                    &curve_public_key(secret)[..],
                    &public[..],
                )) {
                    return Err(ProtocolError::InvalidConfig(
                        "CURVE public key does not belong to the secret key",
                    ));
                }
                Ok(())
            }
            MechanismConfig::Null
            | MechanismConfig::PlainServer
            | MechanismConfig::CurveServer { .. } => Ok(()),
        }
    }

    /// Creates the handshake state machine for one connection.
    pub(crate) fn build(&self, authenticate: bool) -> Box<dyn Mechanism> {
        match self {
            MechanismConfig::Null => {
                Box::new(null::NullMechanism::new(authenticate))
            }
            MechanismConfig::PlainClient { username, password } => {
                Box::new(plain::PlainClient::new(username, password))
            }
            MechanismConfig::PlainServer => Box::new(plain::PlainServer::new()),
            MechanismConfig::CurveClient {
                server_public,
                public,
                secret,
            } => {
                Box::new(curve::CurveClient::new(server_public, public, secret))
            }
            MechanismConfig::CurveServer { secret } => {
                Box::new(curve::CurveServer::new(secret))
            }
        }
    }
}

/// One connection's mechanism state machine.
///
/// The session calls [`start`](Mechanism::start) once the peer's greeting was accepted,
/// then [`handle_frame`](Mechanism::handle_frame) for every frame until
/// [`is_ready`](Mechanism::is_ready). After that, every frame goes through
/// [`decode_frame`](Mechanism::decode_frame) / [`encode_frame`](Mechanism::encode_frame),
/// which a mechanism that encrypts traffic (CURVE) overrides.
///
/// The engine's answer to an authentication request is handled by the session: a denial
/// queues `ERROR` (see [`deny`]) and ends the session, an approval calls
/// [`auth_allowed`](Mechanism::auth_allowed). Either only while
/// [`awaiting_auth`](Mechanism::awaiting_auth).
pub(crate) trait Mechanism: Debug + Send + Sync {
    /// Begins the handshake (e.g. queue our READY, or request authentication).
    fn start(&mut self, _hs: &mut Handshake<'_>) -> Result<(), ProtocolError> {
        Ok(())
    }

    /// Handles one handshake frame (the COMMAND flag is not required, like libzmq).
    fn handle_frame(
        &mut self,
        frame: Frame,
        hs: &mut Handshake<'_>,
    ) -> Result<(), ProtocolError>;

    /// Whether an [`Event::AuthRequest`] is outstanding.
    fn awaiting_auth(&self) -> bool {
        false
    }

    /// The engine allowed the peer (called at most once, while
    /// [`awaiting_auth`](Mechanism::awaiting_auth)).
    fn auth_allowed(
        &mut self,
        _hs: &mut Handshake<'_>,
    ) -> Result<(), ProtocolError> {
        Ok(())
    }

    /// Whether the handshake is complete (our metadata sent, the peer's received).
    fn is_ready(&self) -> bool;

    /// The largest frame body the mechanism can legitimately receive next, given the
    /// largest metadata block allowed (`max_metadata` bytes). The session refuses a larger
    /// frame from its header, before buffering any of its body.
    fn max_frame_size(&self, max_metadata: u64) -> u64;

    /// Whether traffic frames are transformed (encrypted) by this mechanism.
    fn transforms_frames(&self) -> bool {
        false
    }

    /// Encodes one traffic frame.
    fn encode_frame(
        &mut self,
        more: bool,
        command: bool,
        body: &[u8],
        out: &mut BytesMut,
    ) {
        frame::encode_frame(more, command, body, out);
    }

    /// Whether [`decode_frame`](Mechanism::decode_frame) hands every frame on unchanged
    /// (NULL, PLAIN): the session may then pass small bodies to the caller in place.
    fn passes_frames_through(&self) -> bool {
        true
    }

    /// Decodes one traffic frame as read from the wire; its body may be changed in place.
    fn decode_frame(
        &mut self,
        frame: FrameMut,
    ) -> Result<Frame, ProtocolError> {
        Ok(frame.freeze())
    }
}

/// What a mechanism may touch during the handshake.
pub(crate) struct Handshake<'a> {
    /// Our socket type (for validating the peer's).
    pub(crate) socket_type: SocketType,
    /// The metadata we announce (Socket-Type first).
    pub(crate) local_metadata: &'a Metadata,
    /// Bytes queued for transmission.
    pub(crate) transmit: &'a mut BytesMut,
    /// Events queued for the engine.
    pub(crate) events: &'a mut VecDeque<Event>,
    /// The peer's validated metadata and socket type, once received.
    pub(crate) peer: &'a mut Option<(Metadata, Option<SocketType>)>,
}

impl Handshake<'_> {
    /// Queues a handshake command frame.
    pub(crate) fn send(&mut self, command: &Command) {
        command.encode(self.transmit);
    }

    /// Queues a command frame whose body is the concatenation of `parts` (the first part
    /// starts with the name length and name).
    pub(crate) fn send_raw(&mut self, parts: &[&[u8]]) {
        send_raw(parts, self.transmit);
    }

    /// Queues a command frame made of `prefix` (name length and name, plus any fixed
    /// fields) followed by our metadata, e.g. PLAIN's `INITIATE` or `READY`.
    pub(crate) fn send_with_metadata(&mut self, prefix: &[u8]) {
        let len = prefix
            .len()
            .saturating_add(self.local_metadata.encoded_len());
        let mut header = [0u8; MAX_HEADER_LEN];
        let n = frame::encode_header(false, true, len, &mut header);
        self.transmit.reserve(n.saturating_add(len));
        self.transmit.put_slice(&header[..n]);
        self.transmit.put_slice(prefix);
        self.local_metadata.encode(self.transmit);
    }

    /// Queues our `READY` command.
    pub(crate) fn send_ready(&mut self) {
        let ready = Command::Ready(self.local_metadata.clone());
        self.send(&ready);
    }

    /// Asks the engine to authenticate the peer.
    pub(crate) fn request_auth(
        &mut self,
        mechanism: &'static str,
        credentials: Vec<Bytes>,
    ) {
        self.events.push_back(Event::AuthRequest {
            mechanism,
            credentials,
        });
    }

    /// Validates and stores the peer's metadata.
    pub(crate) fn accept_peer_metadata(
        &mut self,
        metadata: Metadata,
    ) -> Result<(), ProtocolError> {
        let peer_type = check_peer_socket_type(self.socket_type, &metadata)?;
        *self.peer = Some((metadata, peer_type));
        Ok(())
    }
}

/// Appends a command frame whose body is the concatenation of `parts`.
pub(crate) fn send_raw(parts: &[&[u8]], out: &mut BytesMut) {
    let len = parts.iter().fold(0usize, |n, p| n.saturating_add(p.len()));
    let mut header = [0u8; MAX_HEADER_LEN];
    let n = frame::encode_header(false, true, len, &mut header);
    out.reserve(n.saturating_add(len));
    out.put_slice(&header[..n]);
    for part in parts {
        out.put_slice(part);
    }
}

/// Splits a handshake frame into its command name and data; an `ERROR` command becomes the
/// error it carries (see [`peer_error`]).
///
/// libzmq hands every handshake frame to the mechanism whether or not it has the COMMAND
/// flag, so a data frame is accepted if it holds `ERROR` or one of the commands the mechanism
/// may receive (`names`); any other data frame is reported as data sent too early.
pub(crate) fn handshake_command<'a>(
    frame: &'a Frame,
    names: &[&[u8]],
) -> Result<(&'a [u8], Bytes), ProtocolError> {
    let split = command::split_name(&frame.body);
    if !frame.command
        && !matches!(split, Ok((name, _)) if name == command::ERROR || names.contains(&name))
    {
        return Err(ProtocolError::DataBeforeReady);
    }
    let (name, _) = split?;
    let data = frame.body.slice(1 + name.len()..);
    if name == command::ERROR {
        return Err(peer_error(&data));
    }
    Ok((name, data))
}

/// Parses the data of an `ERROR` command (`reason_len ‖ reason`, trailing bytes ignored)
/// into the error it means for us.
pub(crate) fn peer_error(data: &[u8]) -> ProtocolError {
    let reason = data
        .split_first()
        .and_then(|(&len, rest)| rest.get(..usize::from(len)));
    match reason {
        Some(reason) => ProtocolError::PeerError(escape(reason)),
        None if data.is_empty() => {
            ProtocolError::MalformedCommand("ERROR without a reason")
        }
        None => ProtocolError::MalformedCommand(
            "ERROR reason longer than the frame",
        ),
    }
}

/// Decodes the peer's metadata block (zero-copy) and validates its `Socket-Type`.
pub(crate) fn accept_metadata(
    data: &Bytes,
    hs: &mut Handshake<'_>,
) -> Result<(), ProtocolError> {
    hs.accept_peer_metadata(Metadata::decode_bytes(data)?)
}

/// Queues `ERROR` for a denied peer (except for a temporary failure, 3xx, like libzmq) and
/// returns the resulting error.
pub(crate) fn deny(status: u16, hs: &mut Handshake<'_>) -> ProtocolError {
    if !(300..400).contains(&status) {
        hs.send(&Command::Error(Bytes::from(status.to_string())));
    }
    ProtocolError::AuthFailed { status }
}

/// The metadata we send: `Socket-Type` followed by the application's properties.
pub(crate) fn local_metadata(
    socket_type: SocketType,
    extra: &Metadata,
) -> Metadata {
    let mut md = Metadata::new();
    // A short static name and value always fit.
    let _ = md.insert(SOCKET_TYPE, socket_type.as_str());
    for (name, value) in extra.iter() {
        let _ = md.insert(name, value.clone());
    }
    md
}

/// Checks the peer's `Socket-Type` (name matched ignoring case, value ignoring case).
/// A missing property is accepted, like libzmq.
pub(crate) fn check_peer_socket_type(
    ours: SocketType,
    metadata: &Metadata,
) -> Result<Option<SocketType>, ProtocolError> {
    let Some(value) = metadata.get(SOCKET_TYPE) else {
        return Ok(None);
    };
    match SocketType::from_name(value) {
        Some(peer) if ours.is_compatible(peer) => Ok(Some(peer)),
        _ => Err(ProtocolError::IncompatibleSocketType {
            ours,
            peer: escape(value),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn md(pairs: &[(&str, &'static str)]) -> Metadata {
        let mut md = Metadata::new();
        for (n, v) in pairs {
            md.insert(n, *v).unwrap();
        }
        md
    }

    #[test]
    fn socket_type_checks() {
        let s = SocketType::Server;
        assert_eq!(
            check_peer_socket_type(s, &md(&[("Socket-Type", "CLIENT")])),
            Ok(Some(SocketType::Client))
        );
        assert_eq!(
            check_peer_socket_type(s, &md(&[("socket-type", "client")])),
            Ok(Some(SocketType::Client))
        );
        assert_eq!(check_peer_socket_type(s, &md(&[])), Ok(None));
        assert_eq!(
            check_peer_socket_type(s, &md(&[("X-Other", "DEALER")])),
            Ok(None)
        );
        assert_eq!(
            check_peer_socket_type(s, &md(&[("Socket-Type", "DEALER")])),
            Err(ProtocolError::IncompatibleSocketType {
                ours: s,
                peer: "DEALER".into()
            })
        );
        assert_eq!(
            check_peer_socket_type(s, &md(&[("Socket-Type", "WHATEVER\n")])),
            Err(ProtocolError::IncompatibleSocketType {
                ours: s,
                peer: "WHATEVER\\n".into()
            })
        );
    }

    #[test]
    fn local_metadata_order() {
        let extra = md(&[("X-A", "1"), ("X-B", "2")]);
        let local = local_metadata(SocketType::Dish, &extra);
        let names: Vec<&[u8]> = local.iter().map(|(n, _)| n).collect();
        assert_eq!(names, vec![&b"Socket-Type"[..], b"X-A", b"X-B"]);
        assert_eq!(local.get("Socket-Type"), Some(&b"DISH"[..]));
    }

    #[test]
    fn config_names() {
        assert_eq!(MechanismConfig::default(), MechanismConfig::Null);
        assert_eq!(MechanismConfig::Null.name(), "NULL");
        assert!(!MechanismConfig::Null.as_server());
        let m = MechanismConfig::Null.build(false);
        assert!(!m.is_ready());
        assert!(!m.transforms_frames());

        let (public, secret) = curve_keypair();
        let (server_public, server_secret) = curve_keypair();
        let cases = [
            (plain_client(b"admin", b"secret"), "PLAIN", false, false),
            (MechanismConfig::PlainServer, "PLAIN", true, false),
            (
                MechanismConfig::CurveClient {
                    server_public,
                    public,
                    secret,
                },
                "CURVE",
                false,
                true,
            ),
            (
                MechanismConfig::CurveServer {
                    secret: server_secret,
                },
                "CURVE",
                true,
                true,
            ),
        ];
        for (config, name, server, transforms) in cases {
            assert_eq!(config.name(), name);
            assert_eq!(config.as_server(), server, "{config:?}");
            assert_eq!(config.validate(), Ok(()));
            let m = config.build(false);
            assert!(!m.is_ready());
            assert_eq!(m.transforms_frames(), transforms);
        }
    }

    fn plain_client(username: &[u8], password: &[u8]) -> MechanismConfig {
        MechanismConfig::PlainClient {
            username: username.to_vec(),
            password: password.to_vec(),
        }
    }

    #[test]
    fn config_validation() {
        assert_eq!(plain_client(&[b'u'; 255], &[b'p'; 255]).validate(), Ok(()));
        assert_eq!(plain_client(b"", b"").validate(), Ok(()));
        assert_eq!(
            plain_client(&[b'u'; 256], b"").validate(),
            Err(ProtocolError::InvalidConfig(
                "PLAIN user name longer than 255 bytes"
            ))
        );
        assert_eq!(
            plain_client(b"", &[b'p'; 256]).validate(),
            Err(ProtocolError::InvalidConfig(
                "PLAIN password longer than 255 bytes"
            ))
        );
        let (public, secret) = curve_keypair();
        let (other, _) = curve_keypair();
        let mismatched = MechanismConfig::CurveClient {
            server_public: other,
            public: other,
            secret,
        };
        assert!(matches!(
            mismatched.validate(),
            Err(ProtocolError::InvalidConfig(_))
        ));
        let good = MechanismConfig::CurveClient {
            server_public: other,
            public,
            secret,
        };
        assert_eq!(good.validate(), Ok(()));
    }

    #[test]
    fn debug_hides_secrets() {
        let plain = format!("{:?}", plain_client(b"admin", b"hunter2"));
        assert!(
            plain.contains("admin") && !plain.contains("hunter2"),
            "{plain}"
        );
        let secret = [0xabu8; 32];
        let curve = MechanismConfig::CurveClient {
            server_public: [0x11; 32],
            public: curve_public_key(&secret),
            secret,
        };
        let text =
            format!("{curve:?} {:?}", MechanismConfig::CurveServer { secret });
        assert!(!text.contains("abab"), "{text}");
        assert!(text.contains(&"11".repeat(32)), "{text}");
        assert!(text.contains(&hex(&curve_public_key(&secret))), "{text}");
    }

    #[test]
    fn error_command_data() {
        assert_eq!(
            peer_error(b"\x03400"),
            ProtocolError::PeerError("400".into())
        );
        assert_eq!(
            peer_error(b"\x03400xyz"),
            ProtocolError::PeerError("400".into())
        );
        assert_eq!(
            peer_error(b"\x00"),
            ProtocolError::PeerError(String::new())
        );
        assert!(matches!(
            peer_error(b""),
            ProtocolError::MalformedCommand(_)
        ));
        assert!(matches!(
            peer_error(b"\x0340"),
            ProtocolError::MalformedCommand(_)
        ));
    }
}
