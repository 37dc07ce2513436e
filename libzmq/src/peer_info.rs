//! What a socket knows about one connected peer: its address, the identity
//! the handshake authenticated, its socket type, its routing id and the raw
//! properties of its `READY`.
//!
//! The engine makes one [`PeerInfo`] per connection when the handshake
//! completes and hands it to the socket with the connection's pipes; the
//! socket's peer keeps it, and a received [`Msg`](crate::Msg) points to it
//! ([`Msg::peer_info`](crate::Msg::peer_info)), so asking a message who sent
//! it costs nothing to the messages nobody asks about.

use bytes::Bytes;
use std::fmt;
use std::net::SocketAddr;

/// The name of the synthesized property holding the peer's IP address.
pub(crate) const PEER_ADDRESS: &str = "Peer-Address";
/// The name of the synthesized property holding the authenticated user id.
pub(crate) const USER_ID: &str = "User-Id";
/// The name of the `READY` property holding the peer's socket type.
pub(crate) const SOCKET_TYPE: &str = "Socket-Type";
/// The name of the `READY` property holding the peer's routing id.
pub(crate) const IDENTITY: &str = "Identity";

/// One connected peer, as its handshake described it.
///
/// Available from a received message through
/// [`Msg::peer_info`](crate::Msg::peer_info) and its shortcuts.
///
/// # Example
/// ```
/// use libzmq::{prelude::*, *};
///
/// let addr: TcpAddr = "127.0.0.1:*".try_into()?;
/// let server = ServerBuilder::new().bind(addr).build()?;
/// let addr = server.last_endpoint()?;
/// let client = ClientBuilder::new().connect(addr).build()?;
/// client.send("hello")?;
/// let msg = server.recv_msg()?;
/// let peer = msg.peer_info().expect("received over TCP");
/// assert_eq!(peer.socket_type(), Some("CLIENT"));
/// assert_eq!(peer.mechanism(), "NULL");
/// assert_eq!(msg.peer_address(), Some("127.0.0.1"));
/// # Ok::<(), anyhow::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct PeerInfo {
    addr: Option<SocketAddr>,
    /// `addr`'s IP as text (the `Peer-Address` property).
    address: Option<String>,
    mechanism: &'static str,
    user_id: Option<String>,
    socket_type: Option<String>,
    routing_id: Option<Bytes>,
    properties: Vec<(String, Bytes)>,
}

impl PeerInfo {
    /// A peer described by its handshake. `properties` are the peer's
    /// `READY` properties (copied: they must not keep the read buffer of
    /// the connection alive).
    pub(crate) fn new<'a>(
        addr: Option<SocketAddr>,
        mechanism: &'static str,
        user_id: Option<String>,
        properties: impl Iterator<Item = (&'a [u8], &'a [u8])>,
    ) -> PeerInfo {
        let properties: Vec<(String, Bytes)> = properties
            .map(|(name, value)| {
                let name = String::from_utf8_lossy(name).into_owned();
                (name, Bytes::copy_from_slice(value))
            })
            .collect();
        let find = |wanted: &str| {
            properties
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(wanted))
                .map(|(_, value)| value.clone())
        };
        let socket_type =
            find(SOCKET_TYPE).map(|v| String::from_utf8_lossy(&v).into_owned());
        let routing_id = find(IDENTITY).filter(|id| !id.is_empty());
        PeerInfo {
            addr,
            address: addr.map(|a| a.ip().to_string()),
            mechanism,
            user_id,
            socket_type,
            routing_id,
            properties,
        }
    }

    /// The peer's TCP address (`None` over IPC and inproc).
    pub fn addr(&self) -> Option<SocketAddr> {
        self.addr
    }

    /// The peer's IP address as text, as C libzmq's `Peer-Address`
    /// property (`None` over IPC and inproc).
    pub fn peer_address(&self) -> Option<&str> {
        self.address.as_deref()
    }

    /// The security mechanism of the connection: `"NULL"`, `"PLAIN"` or
    /// `"CURVE"`.
    pub fn mechanism(&self) -> &'static str {
        self.mechanism
    }

    /// The identity the handshake authenticated: the PLAIN user name, or
    /// the peer's CURVE public key in Z85 (a CURVE client sees the server's
    /// key). `None` for NULL, and for a PLAIN client (it authenticates
    /// nobody).
    pub fn user_id(&self) -> Option<&str> {
        self.user_id.as_deref()
    }

    /// The socket type the peer announced (`"CLIENT"`, `"SERVER"`, ...).
    pub fn socket_type(&self) -> Option<&str> {
        self.socket_type.as_deref()
    }

    /// The routing id the peer announced in its `Identity` property (set
    /// by the classic socket types' routing id option), if not empty.
    pub fn routing_id(&self) -> Option<&Bytes> {
        self.routing_id.as_ref()
    }

    /// A property by name, ignoring ASCII case: `"Peer-Address"` and
    /// `"User-Id"` as in C libzmq, else the first `READY` property of that
    /// name (`"Socket-Type"`, `"Identity"`, or any the peer sent).
    pub fn property(&self, name: &str) -> Option<&[u8]> {
        if name.eq_ignore_ascii_case(PEER_ADDRESS) {
            return self.peer_address().map(str::as_bytes);
        }
        if name.eq_ignore_ascii_case(USER_ID) {
            return self.user_id().map(str::as_bytes);
        }
        self.properties
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, value)| &value[..])
    }

    /// Every property of the peer's `READY`, in the order it sent them.
    pub fn properties(&self) -> impl Iterator<Item = (&str, &[u8])> + '_ {
        self.properties.iter().map(|(n, v)| (n.as_str(), &v[..]))
    }
}

impl fmt::Debug for PeerInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PeerInfo")
            .field("addr", &self.addr)
            .field("mechanism", &self.mechanism)
            .field("user_id", &self.user_id)
            .field("socket_type", &self.socket_type)
            .field("routing_id", &self.routing_id)
            .field("properties", &self.properties.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info() -> PeerInfo {
        let props: [(&[u8], &[u8]); 3] = [
            (b"Socket-Type", b"DEALER"),
            (b"Identity", b"worker-1"),
            (b"X-Custom", b"\x00\x01"),
        ];
        PeerInfo::new(
            Some("10.1.2.3:4567".parse().unwrap()),
            "PLAIN",
            Some("admin".into()),
            props.into_iter(),
        )
    }

    #[test]
    fn synthesized_and_ready_properties() {
        let info = info();
        assert_eq!(info.peer_address(), Some("10.1.2.3"));
        assert_eq!(info.property("peer-address"), Some(&b"10.1.2.3"[..]));
        assert_eq!(info.property("USER-ID"), Some(&b"admin"[..]));
        assert_eq!(info.socket_type(), Some("DEALER"));
        assert_eq!(info.property("socket-type"), Some(&b"DEALER"[..]));
        assert_eq!(info.routing_id().unwrap(), &b"worker-1"[..]);
        assert_eq!(info.property("x-custom"), Some(&[0u8, 1][..]));
        assert_eq!(info.property("missing"), None);
        assert_eq!(info.properties().count(), 3);
        assert_eq!(info.mechanism(), "PLAIN");
    }

    #[test]
    fn empty_identity_is_no_routing_id() {
        let props: [(&[u8], &[u8]); 1] = [(b"Identity", b"")];
        let info = PeerInfo::new(None, "NULL", None, props.into_iter());
        assert!(info.routing_id().is_none());
        assert!(info.peer_address().is_none());
        assert!(info.socket_type().is_none());
    }

    #[test]
    fn debug_counts_the_properties() {
        let text = format!("{:?}", info());
        assert!(text.contains("admin"));
        assert!(text.contains("properties: 3"), "{text}");
        assert!(!text.contains("X-Custom"), "{text}");
    }
}
