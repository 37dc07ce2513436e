//! Protocol errors: every way a peer (or a misused session) can break ZMTP.
//!
//! All of these are fatal for the connection they occur on: the engine closes that one
//! connection (after flushing whatever [`Session::poll_transmit`](crate::Session::poll_transmit)
//! still has, e.g. an `ERROR` command) and never panics.

use crate::socket_type::SocketType;

/// A violation of ZMTP detected while decoding input or driving the handshake.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
pub enum ProtocolError {
    /// The peer's greeting is not ZMTP 3.x: `major` is `None` for an unversioned peer (ZMTP 1.0,
    /// or not ZMTP at all, e.g. an HTTP request), otherwise the announced major version (< 3).
    #[error("unsupported ZMTP version: {}", describe_major(.major))]
    UnsupportedVersion {
        /// The announced major version, or `None` when the peer sent no versioned signature.
        major: Option<u8>,
    },
    /// [`Greeting::decode`](crate::Greeting::decode) was given fewer than 64 bytes.
    #[error("incomplete greeting: {len} of 64 bytes")]
    IncompleteGreeting {
        /// How many bytes were available.
        len: usize,
    },
    /// The peer announced another security mechanism (exact 20-byte comparison).
    #[error("security mechanism mismatch: we use {ours}, peer uses {peer}")]
    MechanismMismatch {
        /// Our mechanism name.
        ours: String,
        /// The peer's mechanism field, trailing NULs removed, non-printable bytes escaped.
        peer: String,
    },
    /// A frame declared a body larger than the configured maximum message size (or larger
    /// than what fits in memory when no maximum is configured).
    #[error("frame of {size} bytes exceeds the maximum of {max} bytes")]
    FrameTooLarge {
        /// The size declared in the frame header.
        size: u64,
        /// The limit it was checked against.
        max: u64,
    },
    /// A command frame whose body cannot be parsed.
    #[error("malformed command: {0}")]
    MalformedCommand(&'static str),
    /// A well-formed command that is not allowed at this point (e.g. a second `READY`).
    #[error("unexpected command: {0}")]
    UnexpectedCommand(String),
    /// Data frames that do not form a valid message for our socket type (e.g. a DISH
    /// receiving a RADIO message without its group frame).
    #[error("malformed message: {0}")]
    MalformedMessage(&'static str),
    /// A metadata block (in `READY`) that cannot be parsed.
    #[error("malformed metadata: {0}")]
    MalformedMetadata(&'static str),
    /// The peer's `Socket-Type` cannot talk to ours.
    #[error("incompatible socket types: we are {}, peer is {peer}", .ours.as_str())]
    IncompatibleSocketType {
        /// Our socket type.
        ours: SocketType,
        /// The peer's `Socket-Type` value (escaped if not printable ASCII).
        peer: String,
    },
    /// The peer sent an `ERROR` command during the handshake.
    #[error("peer reported an error: {0}")]
    PeerError(String),
    /// Our authenticator (ZAP) denied the peer; an `ERROR` was queued for it unless the
    /// status was a temporary failure (3xx).
    #[error("authentication failed with status {status}")]
    AuthFailed {
        /// The ZAP status code (e.g. 400, 500).
        status: u16,
    },
    /// The peer sent a data frame before the handshake completed.
    #[error("data frame received before the handshake completed")]
    DataBeforeReady,
    /// A CURVE box did not open (wrong key, tampered data), a key agreement produced no
    /// secret (low-order public key), a cookie or vouch did not match, or the system's
    /// random number generator failed.
    #[error("CURVE cryptographic failure: {0}")]
    Crypto(&'static str),
    /// A CURVE `MESSAGE` whose short nonce is not greater than the last one received from
    /// the peer (a replayed or reordered message).
    #[error(
        "CURVE nonce {nonce} is not greater than the previous nonce {last}"
    )]
    InvalidNonce {
        /// The nonce of the rejected message.
        nonce: u64,
        /// The last nonce accepted from the peer.
        last: u64,
    },
    /// The local [`MechanismConfig`](crate::MechanismConfig) cannot be used (e.g. a PLAIN
    /// user name longer than 255 bytes).
    #[error("invalid mechanism configuration: {0}")]
    InvalidConfig(&'static str),
    /// The handshake did not complete before
    /// [`SessionConfig::handshake_timeout`](crate::SessionConfig::handshake_timeout) (returned
    /// by [`Session::handle_timeout`](crate::Session::handle_timeout)).
    #[error("the handshake did not complete in time")]
    HandshakeTimeout,
    /// Nothing arrived within the heartbeat timeout after one of our PINGs, or within the
    /// time-to-live the peer announced in its PING (returned by
    /// [`Session::handle_timeout`](crate::Session::handle_timeout)).
    #[error("heartbeat timeout: the peer went silent")]
    HeartbeatTimeout,
}

impl ProtocolError {
    /// Whether this is one of the timer errors ([`HandshakeTimeout`](Self::HandshakeTimeout),
    /// [`HeartbeatTimeout`](Self::HeartbeatTimeout)) rather than a violation of the
    /// protocol: libzmq's connecting side reconnects after these.
    pub fn is_timeout(&self) -> bool {
        matches!(
            self,
            ProtocolError::HandshakeTimeout | ProtocolError::HeartbeatTimeout
        )
    }
}

fn describe_major(major: &Option<u8>) -> String {
    match major {
        None => "peer is not a versioned ZMTP peer".to_owned(),
        Some(m) => format!(
            "peer speaks ZMTP major version {m}, at least 3 is required"
        ),
    }
}

/// Renders peer-supplied bytes for an error message (lossless for printable ASCII).
pub(crate) fn escape(bytes: &[u8]) -> String {
    bytes.escape_ascii().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_readable() {
        let e = ProtocolError::UnsupportedVersion { major: None };
        assert_eq!(
            e.to_string(),
            "unsupported ZMTP version: peer is not a versioned ZMTP peer"
        );
        let e = ProtocolError::UnsupportedVersion { major: Some(2) };
        assert!(e.to_string().contains("major version 2"));
        let e = ProtocolError::IncompatibleSocketType {
            ours: SocketType::Server,
            peer: "DEALER".into(),
        };
        assert_eq!(
            e.to_string(),
            "incompatible socket types: we are SERVER, peer is DEALER"
        );
        let e = ProtocolError::FrameTooLarge { size: 65, max: 64 };
        assert_eq!(
            e.to_string(),
            "frame of 65 bytes exceeds the maximum of 64 bytes"
        );
        assert_eq!(escape(b"CURVE\0X"), "CURVE\\x00X");
        let e = ProtocolError::InvalidNonce { nonce: 3, last: 3 };
        assert_eq!(
            e.to_string(),
            "CURVE nonce 3 is not greater than the previous nonce 3"
        );
    }
}
