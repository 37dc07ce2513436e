//! Security mechanisms: the handshake that follows the greeting (spec §2).
//!
//! Each mechanism is an internal state machine behind an internal `Mechanism` trait; the
//! [`Session`](crate::Session) drives it and the engine only sees the session. NULL is
//! implemented; PLAIN and CURVE will be further implementations (and further
//! [`MechanismConfig`] variants) without any change to the session's API.

mod null;

use std::collections::VecDeque;
use std::fmt::Debug;

use bytes::{Bytes, BytesMut};

use crate::command::Command;
use crate::error::{escape, ProtocolError};
use crate::event::Event;
use crate::frame::{self, Frame};
use crate::metadata::{Metadata, SOCKET_TYPE};
use crate::socket_type::SocketType;

/// The security mechanism of a session, with its role and credentials.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum MechanismConfig {
    /// No security (RFC 23 NULL).
    #[default]
    Null,
}

impl MechanismConfig {
    /// The name announced in the greeting (`"NULL"`, later `"PLAIN"` / `"CURVE"`).
    pub fn name(&self) -> &'static str {
        match self {
            MechanismConfig::Null => "NULL",
        }
    }

    /// The greeting's as-server flag: true only for a PLAIN or CURVE server.
    pub fn as_server(&self) -> bool {
        match self {
            MechanismConfig::Null => false,
        }
    }

    /// Creates the handshake state machine for one connection.
    pub(crate) fn build(&self, authenticate: bool) -> Box<dyn Mechanism> {
        match self {
            MechanismConfig::Null => Box::new(null::NullMechanism::new(authenticate)),
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
pub(crate) trait Mechanism: Debug + Send + Sync {
    /// Begins the handshake (e.g. queue our READY, or request authentication).
    fn start(&mut self, hs: &mut Handshake<'_>) -> Result<(), ProtocolError>;

    /// Handles one handshake frame (the COMMAND flag is not required, like libzmq).
    fn handle_frame(&mut self, frame: Frame, hs: &mut Handshake<'_>) -> Result<(), ProtocolError>;

    /// The engine's answer to an [`Event::AuthRequest`]. Called at most once per request;
    /// ignored when no request is outstanding.
    fn auth_reply(
        &mut self,
        result: Result<(), u16>,
        hs: &mut Handshake<'_>,
    ) -> Result<(), ProtocolError>;

    /// Whether the handshake is complete (our metadata sent, the peer's received).
    fn is_ready(&self) -> bool;

    /// Whether traffic frames are transformed (encrypted) by this mechanism.
    fn transforms_frames(&self) -> bool {
        false
    }

    /// Encodes one traffic frame.
    fn encode_frame(&mut self, more: bool, command: bool, body: &[u8], out: &mut BytesMut) {
        frame::encode_frame(more, command, body, out);
    }

    /// Decodes one traffic frame as read from the wire.
    fn decode_frame(&mut self, frame: Frame) -> Result<Frame, ProtocolError> {
        Ok(frame)
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

    /// Queues our `READY` command.
    pub(crate) fn send_ready(&mut self) {
        let ready = Command::Ready(self.local_metadata.clone());
        self.send(&ready);
    }

    /// Asks the engine to authenticate the peer.
    pub(crate) fn request_auth(&mut self, mechanism: &'static str, credentials: Vec<Bytes>) {
        self.events.push_back(Event::AuthRequest {
            mechanism,
            credentials,
        });
    }

    /// Validates and stores the peer's metadata.
    pub(crate) fn accept_peer_metadata(&mut self, metadata: Metadata) -> Result<(), ProtocolError> {
        let peer_type = check_peer_socket_type(self.socket_type, &metadata)?;
        *self.peer = Some((metadata, peer_type));
        Ok(())
    }
}

/// The metadata we send: `Socket-Type` followed by the application's properties.
pub(crate) fn local_metadata(socket_type: SocketType, extra: &Metadata) -> Metadata {
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
    }
}
