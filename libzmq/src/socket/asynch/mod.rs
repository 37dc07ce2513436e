//! Async sending and receiving, for any runtime.
//!
//! Each blocking call has an async twin named after it with an `_async`
//! suffix, so the pairing reads at a glance:
//!
//! | blocking | async | future |
//! |---|---|---|
//! | [`send`](SendMsg::send) | [`send_async`](AsyncSendMsg::send_async) | [`SendFuture`] |
//! | [`recv`](RecvMsg::recv) | [`recv_async`](AsyncRecvMsg::recv_async) | [`RecvFuture`] |
//! | [`recv_msg`](RecvMsg::recv_msg) | [`recv_msg_async`](AsyncRecvMsg::recv_msg_async) | [`RecvMsgFuture`] |
//! | [`Server::route`](crate::Server::route) | [`Server::route_async`](crate::Server::route_async) | [`SendFuture`] |
//! | [`send_multipart`](SendMultipart::send_multipart) | [`send_multipart_async`](AsyncSendMultipart::send_multipart_async) | [`SendMultipartFuture`] |
//! | [`recv_multipart`](RecvMultipart::recv_multipart) | [`recv_multipart_async`](AsyncRecvMultipart::recv_multipart_async) | [`RecvMultipartFuture`] |
//!
//! They live in the extension traits [`AsyncSendMsg`], [`AsyncRecvMsg`],
//! [`AsyncSendMultipart`] and [`AsyncRecvMultipart`] (in the prelude),
//! implemented for every type that implements the matching blocking trait,
//! so a new socket type has them as soon as it has the blocking calls. With
//! the `futures` feature (default) a socket also becomes a `Stream`
//! ([`into_stream`](AsyncRecvMsg::into_stream),
//! [`into_multipart_stream`](AsyncRecvMultipart::into_multipart_stream)) or
//! a `Sink` ([`into_sink`](AsyncSendMsg::into_sink),
//! [`into_multipart_sink`](AsyncSendMultipart::into_multipart_sink)).
//!
//! There is no runtime inside: a pending future registers its task's waker
//! with the socket's signal, which the pipes and the ctx already fire for
//! the blocking calls. The futures resolve like their blocking twins: the
//! socket's send/receive timeout gives `WouldBlock` (a shared timer thread,
//! started on first use with a finite timeout, wakes the task), the ctx's
//! shutdown gives `InvalidCtx`, and every other error is the same.
//! All of them are cancellation safe (see each future). Blocking and async
//! calls can be mixed on one socket, and many tasks can await clones of it.

mod future;
#[cfg(feature = "futures")]
mod stream;
mod wait;

pub use future::{
    RecvFuture, RecvMsgFuture, RecvMultipartFuture, SendFuture,
    SendMultipartFuture,
};
#[cfg(feature = "futures")]
pub use stream::{MsgSink, MsgStream, MultipartSink, MultipartStream};

use super::multipart::{into_parts, RecvMultipart, SendMultipart};
use super::traits::{RecvMsg, SendMsg};
use crate::msg::{Msg, RoutingId};
use crate::Server;

/// The async twins of [`SendMsg`]'s calls, on every socket that sends.
///
/// ```
/// use libzmq::{prelude::*, *};
///
/// let addr = InprocAddr::new_unique();
/// let server = ServerBuilder::new().bind(&addr).build()?;
/// let client = ClientBuilder::new().connect(&addr).build()?;
///
/// futures::executor::block_on(async {
///     client.send_async("ping").await?;
///     let request = server.recv_msg_async().await?;
///     server.route_async("pong", request.routing_id().unwrap()).await?;
///     assert_eq!(client.recv_msg_async().await?.to_str()?, "pong");
///     Ok::<(), anyhow::Error>(())
/// })?;
/// # Ok::<(), anyhow::Error>(())
/// ```
pub trait AsyncSendMsg: SendMsg {
    /// The async [`send`](SendMsg::send): queues a message, waiting (without
    /// a thread) while the socket is mute or every peer's queue is at its
    /// high water mark, up to the send timeout (then `WouldBlock`). On any
    /// error the message is handed back inside the error. Dropping the
    /// future before it is ready never queues the message.
    ///
    /// ```
    /// use libzmq::{prelude::*, *};
    /// use std::time::Duration;
    ///
    /// let client = Client::new()?;
    /// client.set_send_timeout(Some(Duration::from_millis(10)))?;
    /// // No peer: the client is mute, and the timeout ends the wait.
    /// let mut err = futures::executor::block_on(client.send_async("msg")).unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::WouldBlock);
    /// assert_eq!(err.take().unwrap().to_str(), Ok("msg"));
    /// # Ok::<(), anyhow::Error>(())
    /// ```
    fn send_async<M>(&self, msg: M) -> SendFuture<'_>
    where
        M: Into<Msg>,
    {
        SendFuture::new(&self.raw_socket().core, msg.into())
    }

    /// This socket as a `futures` `Sink` of messages (see [`MsgSink`]).
    /// Clone the socket first to keep using it beside the sink.
    #[cfg(feature = "futures")]
    fn into_sink(self) -> MsgSink<Self>
    where
        Self: Sized,
    {
        MsgSink::new(self)
    }
}

impl<T: SendMsg + ?Sized> AsyncSendMsg for T {}

/// The async twins of [`RecvMsg`]'s calls, on every socket that receives.
///
/// ```
/// use libzmq::{prelude::*, *};
///
/// let addr = InprocAddr::new_unique();
/// let gather = GatherBuilder::new().bind(&addr).build()?;
/// let scatter = ScatterBuilder::new().connect(&addr).build()?;
///
/// let mut msg = Msg::new();
/// futures::executor::block_on(async {
///     scatter.send_async("job").await?;
///     gather.recv_async(&mut msg).await?;
///     Ok::<(), anyhow::Error>(())
/// })?;
/// assert_eq!(msg.to_str()?, "job");
/// # Ok::<(), anyhow::Error>(())
/// ```
pub trait AsyncRecvMsg: RecvMsg {
    /// The async [`recv`](RecvMsg::recv): receives into `msg` (replacing its
    /// contents and properties), waiting up to the receive timeout (then
    /// `WouldBlock`). `msg` is left unchanged on error or if the future is
    /// dropped before it is ready; no message is lost then.
    fn recv_async<'a>(&'a self, msg: &'a mut Msg) -> RecvFuture<'a> {
        RecvFuture::new(&self.raw_socket().core, msg)
    }

    /// The async [`recv_msg`](RecvMsg::recv_msg): receives a new message,
    /// waiting up to the receive timeout (then `WouldBlock`). Dropping the
    /// future before it is ready loses no message.
    ///
    /// ```
    /// use libzmq::{prelude::*, *};
    /// use std::time::Duration;
    ///
    /// let client = Client::new()?;
    /// client.set_recv_timeout(Some(Duration::from_millis(10)))?;
    /// let err = futures::executor::block_on(client.recv_msg_async()).unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::WouldBlock);
    /// # Ok::<(), anyhow::Error>(())
    /// ```
    fn recv_msg_async(&self) -> RecvMsgFuture<'_> {
        RecvMsgFuture::new(&self.raw_socket().core)
    }

    /// This socket as a `futures` `Stream` of messages (see [`MsgStream`]).
    /// Clone the socket first to keep using it beside the stream.
    #[cfg(feature = "futures")]
    fn into_stream(self) -> MsgStream<Self>
    where
        Self: Sized,
    {
        MsgStream::new(self)
    }
}

impl<T: RecvMsg + ?Sized> AsyncRecvMsg for T {}

/// The async twins of [`SendMultipart`]'s calls (classic socket types).
///
/// ```
/// use libzmq::{prelude::*, *};
///
/// let addr = InprocAddr::new_unique();
/// let push = PushBuilder::new().bind(&addr).build()?;
/// let pull = PullBuilder::new().connect(&addr).build()?;
///
/// futures::executor::block_on(async {
///     push.send_multipart_async(["key", "value"]).await?;
///     let parts = pull.recv_multipart_async().await?;
///     assert_eq!(parts, vec![Msg::from("key"), Msg::from("value")]);
///     Ok::<(), anyhow::Error>(())
/// })?;
/// # Ok::<(), anyhow::Error>(())
/// ```
pub trait AsyncSendMultipart: SendMultipart {
    /// The async [`send_multipart`](SendMultipart::send_multipart): sends one
    /// message made of `parts` (at least one frame), whole, waiting like
    /// [`send_async`](AsyncSendMsg::send_async). On error every frame is
    /// handed back inside the error; dropping the future before it is ready
    /// never queues any of them.
    fn send_multipart_async<I, M>(&self, parts: I) -> SendMultipartFuture<'_>
    where
        I: IntoIterator<Item = M>,
        M: Into<Msg>,
    {
        SendMultipartFuture::new(&self.raw_socket().core, into_parts(parts))
    }

    /// This socket as a `futures` `Sink` of multipart messages (see
    /// [`MultipartSink`]).
    #[cfg(feature = "futures")]
    fn into_multipart_sink(self) -> MultipartSink<Self>
    where
        Self: Sized,
    {
        MultipartSink::new(self)
    }
}

impl<T: SendMultipart + ?Sized> AsyncSendMultipart for T {}

/// The async twins of [`RecvMultipart`]'s calls (classic socket types).
pub trait AsyncRecvMultipart: RecvMultipart {
    /// The async [`recv_multipart`](RecvMultipart::recv_multipart): receives
    /// one whole message as its frames, waiting up to the receive timeout.
    /// Dropping the future before it is ready loses no frame.
    fn recv_multipart_async(&self) -> RecvMultipartFuture<'_> {
        RecvMultipartFuture::new(&self.raw_socket().core)
    }

    /// This socket as a `futures` `Stream` of multipart messages (see
    /// [`MultipartStream`]).
    #[cfg(feature = "futures")]
    fn into_multipart_stream(self) -> MultipartStream<Self>
    where
        Self: Sized,
    {
        MultipartStream::new(self)
    }
}

impl<T: RecvMultipart + ?Sized> AsyncRecvMultipart for T {}

impl Server {
    /// The async [`route`](Server::route): sends `msg` to the peer `id`,
    /// waiting (without a thread) up to the send timeout while its queue is
    /// full. Same as setting the routing id and calling
    /// [`send_async`](AsyncSendMsg::send_async); cancellation safe as it is.
    ///
    /// ```
    /// use libzmq::{prelude::*, *};
    ///
    /// let addr = InprocAddr::new_unique();
    /// let server = ServerBuilder::new().bind(&addr).build()?;
    /// let client = ClientBuilder::new().connect(&addr).build()?;
    /// client.send("hi")?;
    /// let id = server.recv_msg()?.routing_id().unwrap();
    /// futures::executor::block_on(server.route_async("hello", id))?;
    /// assert_eq!(client.recv_msg()?.to_str()?, "hello");
    /// # Ok::<(), anyhow::Error>(())
    /// ```
    pub fn route_async<M>(&self, msg: M, id: RoutingId) -> SendFuture<'_>
    where
        M: Into<Msg>,
    {
        let mut msg = msg.into();
        msg.set_routing_id(id);
        self.send_async(msg)
    }
}
