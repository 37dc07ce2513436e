//! What a [`Session`](crate::Session) reports to the engine.

use std::fmt;

use bytes::Bytes;

use crate::metadata::Metadata;
use crate::socket_type::SocketType;

/// One thing that happened on the connection, returned by
/// [`Session::decode`](crate::Session::decode).
///
/// `Debug` never prints credentials: an [`AuthRequest`](Event::AuthRequest) shows only the
/// length of each credential (a PLAIN password travels in it).
#[derive(Clone, PartialEq, Eq)]
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
    /// A whole message, for socket types with [`Framing::Single`] or [`Framing::Group`]
    /// (CLIENT, SERVER, GATHER, DISH, ...).
    ///
    /// [`Framing::Single`]: crate::Framing::Single
    /// [`Framing::Group`]: crate::Framing::Group
    Message {
        /// The body (zero-copy slice of the read buffer).
        data: Bytes,
        /// DISH: the RADIO group (0..=255 bytes, cut at its first NUL); `None` for other
        /// socket types.
        group: Option<Bytes>,
    },
    /// One data frame, for socket types with [`Framing::Multipart`] (the classic types):
    /// multi-frame messages arrive as several events, all but the last with `more` set.
    ///
    /// [`Framing::Multipart`]: crate::Framing::Multipart
    Frame {
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
    /// A DISH joined a group (RADIO side); the group is cut at its first NUL byte, as
    /// libzmq stores groups as C strings.
    Join(Bytes),
    /// A DISH left a group (RADIO side); cut at its first NUL byte like `Join`.
    Leave(Bytes),
    /// A subscriber's `SUBSCRIBE` command (ZMTP 3.1) with its topic prefix, reported to PUB
    /// and XPUB sessions only (others ignore it, like libzmq). ZMTP 3.0 peers subscribe with
    /// a data message `0x01 prefix` instead, which arrives as an ordinary [`Event::Frame`].
    Subscribe(Bytes),
    /// A subscriber's `CANCEL` command (ZMTP 3.1), reported like [`Event::Subscribe`]; the
    /// ZMTP 3.0 form is the data message `0x00 prefix`.
    Cancel(Bytes),
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::AuthRequest {
                mechanism,
                credentials,
            } => {
                let lengths: Vec<usize> =
                    credentials.iter().map(Bytes::len).collect();
                f.debug_struct("AuthRequest")
                    .field("mechanism", mechanism)
                    .field("credential_lengths", &lengths)
                    .finish()
            }
            Event::Ready => f.write_str("Ready"),
            Event::Message { data, group } => f
                .debug_struct("Message")
                .field("data", data)
                .field("group", group)
                .finish(),
            Event::Frame { data, more } => f
                .debug_struct("Frame")
                .field("data", data)
                .field("more", more)
                .finish(),
            Event::Ping { ttl_deciseconds } => f
                .debug_struct("Ping")
                .field("ttl_deciseconds", ttl_deciseconds)
                .finish(),
            Event::Pong => f.write_str("Pong"),
            Event::Join(group) => f.debug_tuple("Join").field(group).finish(),
            Event::Leave(group) => f.debug_tuple("Leave").field(group).finish(),
            Event::Subscribe(prefix) => {
                f.debug_tuple("Subscribe").field(prefix).finish()
            }
            Event::Cancel(prefix) => {
                f.debug_tuple("Cancel").field(prefix).finish()
            }
        }
    }
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
