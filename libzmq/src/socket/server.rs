//! The Server socket.

use super::core::RawSocket;
use super::define_socket;
use super::options::socket_config;
use super::traits::{GetRawSocket, Heartbeating, RecvMsg, SendMsg, Socket};
use crate::error::Error;
use crate::msg::{Msg, RoutingId};
use std::sync::Arc;
use zmtp::SocketType;

/// The server side of the asynchronous request-reply pattern: it talks to
/// [`Client`](crate::Client)s.
///
/// Every received message carries the [`RoutingId`] of the connection it came
/// from (a nonzero id, new for each connection); sending a message routes it
/// to the connection named by its routing id, which is removed before
/// delivery. An unset, unknown or gone id fails with `HostUnreachable`. If that
/// peer's queue is full, `send` blocks (up to the send timeout) and `try_send`
/// gives `WouldBlock`; nothing is dropped.
///
/// ```
/// use libzmq::{prelude::*, *};
///
/// let addr: TcpAddr = "127.0.0.1:*".try_into()?;
/// let server = ServerBuilder::new().bind(addr).build()?;
/// let client = ClientBuilder::new().connect(server.last_endpoint()?).build()?;
///
/// client.send("hello")?;
/// let request = server.recv_msg()?;
/// let id = request.routing_id().unwrap();
/// server.route("world", id)?;
///
/// let reply = client.recv_msg()?;
/// assert_eq!(reply.to_str()?, "world");
/// assert_eq!(reply.routing_id(), None);
/// # Ok::<(), anyhow::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Server {
    inner: Arc<RawSocket>,
}

define_socket!(Server, SocketType::Server);
impl Socket for Server {}
impl SendMsg for Server {}
impl RecvMsg for Server {}
impl Heartbeating for Server {}

impl Server {
    /// Sends `msg` to the peer `id`, blocking up to the send timeout if its
    /// queue is full. Same as setting the routing id and calling `send`.
    pub fn route<M>(&self, msg: M, id: RoutingId) -> Result<(), Error<Msg>>
    where
        M: Into<Msg>,
    {
        let mut msg = msg.into();
        msg.set_routing_id_raw(id.0);
        self.raw_socket().core.send(msg, true)
    }

    /// Like [`route`](Server::route) but never blocks.
    pub fn try_route<M>(&self, msg: M, id: RoutingId) -> Result<(), Error<Msg>>
    where
        M: Into<Msg>,
    {
        let mut msg = msg.into();
        msg.set_routing_id_raw(id.0);
        self.raw_socket().core.send(msg, false)
    }
}

socket_config!(
    Server,
    ServerConfig,
    ServerBuilder,
    SocketType::Server,
    [send, recv, heartbeat]
);
