//! What a [`Session`](crate::Session) reports to the engine.

use bytes::Bytes;

use crate::metadata::Metadata;
use crate::socket_type::SocketType;

/// One thing that happened on the connection, returned by
/// [`Session::decode`](crate::Session::decode).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// This side must authenticate the peer (e.g. ask the ZAP handler). Answer with
    /// [`Session::auth_reply`](crate::Session::auth_reply); the handshake does not complete
    /// before that.
    AuthRequest {
        /// Mechanism name for the ZAP request (`"NULL"`, `"PLAIN"`, `"CURVE"`).
        mechanism: &'static str,
        /// Mechanism credentials for the ZAP request (none for NULL).
        credentials: Vec<Bytes>,
    },
    /// The handshake completed; [`Session::peer`](crate::Session::peer) is now `Some`.
    Ready,
    /// A data frame. Multi-frame messages arrive as several events, all but the last with
    /// `more` set; assembling them is the engine's job.
    Message {
        /// The frame body (zero-copy slice of the read buffer).
        data: Bytes,
        /// Whether more frames of the same message follow.
        more: bool,
    },
    /// The peer sent a PING; the PONG (echoing at most 16 bytes of context) is already
    /// queued for transmission.
    Ping {
        /// The peer's time-to-live in deciseconds (0 = none).
        ttl_deciseconds: u16,
    },
    /// The peer answered one of our PINGs.
    Pong,
    /// A DISH joined a group (RADIO side).
    Join(Bytes),
    /// A DISH left a group (RADIO side).
    Leave(Bytes),
}

/// What the handshake told us about the peer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeerInfo {
    /// The peer's `Socket-Type`, or `None` if it did not announce one.
    pub socket_type: Option<SocketType>,
    /// All properties the peer sent (including `Socket-Type`).
    pub metadata: Metadata,
    /// The minor version from the peer's greeting (0 = ZMTP 3.0, 1 = 3.1).
    pub minor_version: u8,
}
