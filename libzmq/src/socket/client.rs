//! The Client socket.

use super::core::RawSocket;
use super::define_socket;
use super::options::socket_config;
use super::traits::{Heartbeating, RecvMsg, SendMsg, Socket};
use std::sync::Arc;
use zmtp::SocketType;

/// The client side of the asynchronous request-reply pattern: it talks to
/// [`Server`](crate::Server)s.
///
/// Outgoing messages are round-robined over the connected servers that have
/// room; incoming ones are fair-queued. A Client with no peer (or whose every
/// peer is at its high water mark) is *mute*: `send` blocks, `try_send` gives
/// `WouldBlock`. Nothing is ever dropped. `connect` makes the queue to a server
/// at once, so messages can be sent before the connection is up.
///
/// Clones share the socket; every method takes `&self` and is thread-safe.
/// A reply goes to whichever thread calls `recv` first.
///
/// ```
/// use libzmq::{prelude::*, *};
///
/// let addr: TcpAddr = "127.0.0.1:*".try_into()?;
/// let server = ServerBuilder::new().bind(addr).build()?;
/// let bound = server.last_endpoint()?;
/// let client = ClientBuilder::new().connect(bound).build()?;
///
/// client.send("tell me something")?;
/// let msg = server.recv_msg()?;
/// let id = msg.routing_id().unwrap();
/// server.route("it takes time to become young", id)?;
/// server.route("and now you know", id)?;
///
/// assert_eq!(client.recv_msg()?.to_str()?, "it takes time to become young");
/// assert_eq!(client.recv_msg()?.to_str()?, "and now you know");
/// # Ok::<(), anyhow::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client {
    inner: Arc<RawSocket>,
}

define_socket!(Client, SocketType::Client);
impl Socket for Client {}
impl SendMsg for Client {}
impl RecvMsg for Client {}
impl Heartbeating for Client {}

socket_config!(
    Client,
    ClientConfig,
    ClientBuilder,
    SocketType::Client,
    [send, recv, heartbeat]
);
