//! The typed events a [`Monitor`](super::Monitor) receives.

use crate::addr::Endpoint;
use crate::peer_info::PeerInfo;
use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// One thing that happened to one endpoint of a socket.
///
/// `time` is wall-clock time ([`SystemTime`]), taken when the event
/// happened (on the I/O thread for connection events), so that an event
/// log can be compared with other logs; it is not monotonic.
///
/// `Display` prints one log line: the endpoint and what happened.
#[derive(Debug, Clone)]
pub struct Event {
    /// The bind or connect the event concerns (for a bind to a wildcard
    /// such as `tcp://127.0.0.1:*`, the resolved address).
    pub endpoint: Endpoint,
    /// When it happened.
    pub time: SystemTime,
    /// What happened.
    pub kind: EventKind,
}

/// What happened. New kinds may be added.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum EventKind {
    /// A bind succeeded: the socket listens on the endpoint.
    Listening,
    /// A bind failed (the call returned this error too).
    BindFailed {
        /// Why.
        reason: String,
    },
    /// A listener accepted a connection; its handshake starts.
    Accepted {
        /// The peer's TCP address (`None` over IPC).
        peer: Option<SocketAddr>,
    },
    /// A listener could not accept a connection (e.g. out of file
    /// descriptors); it tries again on the next one.
    AcceptFailed {
        /// Why.
        reason: String,
    },
    /// A connect is in progress (the connection is not up yet).
    ConnectDelayed,
    /// A connect failed or a connection ended: the next attempt is in
    /// `interval`.
    ConnectRetried {
        /// How long until the next attempt.
        interval: Duration,
    },
    /// A connect succeeded: the connection is up and its handshake starts.
    Connected {
        /// The peer's TCP address (`None` over IPC).
        peer: Option<SocketAddr>,
    },
    /// The ZMTP handshake of a connection completed: messages flow.
    HandshakeSucceeded {
        /// Who is on the other side: address, mechanism, user id (PLAIN
        /// user name, CURVE public key), socket type.
        peer: Arc<PeerInfo>,
    },
    /// The ZMTP handshake of a connection failed; the connection is closed.
    HandshakeFailed {
        /// Why.
        reason: HandshakeFailure,
    },
    /// A connection whose handshake completed ended.
    Disconnected {
        /// Why.
        reason: DisconnectReason,
    },
    /// A listener, or a connect that reconnects, stopped for good: the
    /// socket was closed, the endpoint unbound or disconnected, or a
    /// connect gave up after a protocol error.
    Closed,
    /// [`unbind`](crate::prelude::Socket::unbind) (or `disconnect` of a
    /// bound endpoint) released the endpoint.
    Unbound,
}

/// Why a handshake failed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum HandshakeFailure {
    /// The peer broke the protocol (bad greeting, malformed command,
    /// mechanism mismatch, CURVE box that does not open — e.g. a client
    /// that uses the wrong server key).
    Protocol(String),
    /// Our auth registry denied the peer, with this ZAP status code (400:
    /// denied; 300: temporary failure; 500: internal error).
    AuthDenied {
        /// The ZAP status code.
        status: u16,
    },
    /// The peer refused us with an `ERROR` command (e.g. it denied our
    /// credentials), with its reason.
    PeerError(String),
    /// The peer's socket type cannot talk to ours.
    WrongSocketType {
        /// The socket type the peer announced.
        peer: String,
    },
    /// The handshake did not complete within the handshake interval.
    Timeout,
    /// The peer closed the connection, or it failed, during the handshake.
    Closed(String),
}

/// Why a connection ended.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DisconnectReason {
    /// The peer closed the connection.
    PeerClosed,
    /// Nothing arrived within the heartbeat timeout (or the peer's TTL).
    HeartbeatTimeout,
    /// The peer broke the protocol.
    Protocol(String),
    /// The connection failed (e.g. reset by the peer).
    Io(String),
    /// This socket closed it (close, unbind, disconnect, linger end).
    Local,
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.endpoint.to_zmq_string(), self.kind)
    }
}

/// `" {word} {addr}"`, or nothing without an address.
fn addr_text(word: &str, peer: &Option<SocketAddr>) -> String {
    peer.map_or_else(String::new, |addr| format!(" {word} {addr}"))
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EventKind::Listening => f.write_str("listening"),
            EventKind::BindFailed { reason } => {
                write!(f, "bind failed: {reason}")
            }
            EventKind::Accepted { peer } => {
                write!(f, "accepted{}", addr_text("from", peer))
            }
            EventKind::AcceptFailed { reason } => {
                write!(f, "accept failed: {reason}")
            }
            EventKind::ConnectDelayed => f.write_str("connect delayed"),
            EventKind::ConnectRetried { interval } => {
                write!(f, "connect retried in {interval:?}")
            }
            EventKind::Connected { peer } => {
                write!(f, "connected{}", addr_text("to", peer))
            }
            EventKind::HandshakeSucceeded { peer } => {
                write!(f, "handshake succeeded ({}", peer.mechanism())?;
                if let Some(kind) = peer.socket_type() {
                    write!(f, ", {kind}")?;
                }
                if let Some(user) = peer.user_id() {
                    write!(f, ", user {user}")?;
                }
                if let Some(addr) = peer.addr() {
                    write!(f, ", {addr}")?;
                }
                f.write_str(")")
            }
            EventKind::HandshakeFailed { reason } => {
                write!(f, "handshake failed: {reason}")
            }
            EventKind::Disconnected { reason } => {
                write!(f, "disconnected: {reason}")
            }
            EventKind::Closed => f.write_str("closed"),
            EventKind::Unbound => f.write_str("unbound"),
        }
    }
}

impl fmt::Display for HandshakeFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HandshakeFailure::Protocol(why) => {
                write!(f, "protocol error: {why}")
            }
            HandshakeFailure::AuthDenied { status } => {
                write!(f, "authentication denied ({status})")
            }
            HandshakeFailure::PeerError(why) => {
                write!(f, "refused by the peer: {why}")
            }
            HandshakeFailure::WrongSocketType { peer } => {
                write!(f, "incompatible peer socket type {peer}")
            }
            HandshakeFailure::Timeout => f.write_str("timed out"),
            HandshakeFailure::Closed(why) => {
                write!(f, "connection closed: {why}")
            }
        }
    }
}

impl fmt::Display for DisconnectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DisconnectReason::PeerClosed => f.write_str("closed by the peer"),
            DisconnectReason::HeartbeatTimeout => {
                f.write_str("heartbeat timeout")
            }
            DisconnectReason::Protocol(why) => {
                write!(f, "protocol error: {why}")
            }
            DisconnectReason::Io(why) => write!(f, "I/O error: {why}"),
            DisconnectReason::Local => f.write_str("closed by this socket"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TcpAddr;

    #[test]
    fn display_is_one_log_line() {
        let endpoint: Endpoint =
            TcpAddr::try_from("127.0.0.1:5555").unwrap().into();
        let event = |kind| Event {
            endpoint: endpoint.clone(),
            time: SystemTime::now(),
            kind,
        };
        let text = event(EventKind::HandshakeFailed {
            reason: HandshakeFailure::AuthDenied { status: 400 },
        })
        .to_string();
        assert_eq!(
            text,
            "tcp://127.0.0.1:5555 handshake failed: authentication denied (400)"
        );
        let peer = Some("10.0.0.1:1234".parse().unwrap());
        assert_eq!(
            event(EventKind::Connected { peer }).kind.to_string(),
            "connected to 10.0.0.1:1234"
        );
        let props: [(&[u8], &[u8]); 1] = [(b"Socket-Type", b"CLIENT")];
        let info =
            PeerInfo::new(None, "PLAIN", Some("ann".into()), props.into_iter());
        let kind = EventKind::HandshakeSucceeded {
            peer: Arc::new(info),
        };
        assert_eq!(
            kind.to_string(),
            "handshake succeeded (PLAIN, CLIENT, user ann)"
        );
        assert!(!event(EventKind::Closed).to_string().contains('\n'));
    }
}
