//! `futures` [`Stream`] and [`Sink`] adapters over the sockets (cargo feature
//! `futures`, on by default), so `StreamExt`/`SinkExt` combinators and
//! `select!` work. One-frame ([`MsgStream`], [`MsgSink`]) and multipart
//! ([`MultipartStream`], [`MultipartSink`]) adapters share [`Incoming`] and
//! [`Outgoing`], which work on whole messages.

use super::wait::Wait;
use crate::error::{Error, ErrorKind};
use crate::msg::Msg;
use crate::socket::blocking::one_frame_error;
use crate::socket::core::SocketCore;
use crate::socket::multipart::{
    frames_error, into_parts, RecvMultipart, SendMultipart,
};
use crate::socket::parts::Parts;
use crate::socket::traits::{GetRawSocket, RecvMsg, SendMsg};
use futures_core::stream::{FusedStream, Stream};
use futures_sink::Sink;
use std::pin::Pin;
use std::task::{Context, Poll};

/// The receiving side of a stream: whole messages until the ctx shuts down.
#[derive(Debug)]
struct Incoming<S: GetRawSocket> {
    socket: S,
    wait: Wait,
    ended: bool,
}

impl<S: GetRawSocket> Incoming<S> {
    fn new(socket: S) -> Self {
        Incoming {
            socket,
            wait: Wait::default(),
            ended: false,
        }
    }

    /// The next message, turned into an item by `item` (which may fail,
    /// e.g. a one-frame stream meeting a multipart message).
    fn poll_next<T>(
        &mut self,
        cx: &mut Context<'_>,
        item: impl FnOnce(&SocketCore, Parts) -> Result<T, Error>,
    ) -> Poll<Option<Result<T, Error>>> {
        if self.ended {
            return Poll::Ready(None);
        }
        let core = &self.socket.raw_socket().core;
        core.poll_recv_parts(cx, &mut self.wait).map(|done| {
            let next = done.and_then(|parts| item(core, parts));
            if let Err(err) = &next {
                self.ended = err.kind() == ErrorKind::InvalidCtx;
            }
            Some(next)
        })
    }
}

impl<S: GetRawSocket> Drop for Incoming<S> {
    fn drop(&mut self) {
        let core = &self.socket.raw_socket().core;
        self.wait.finish(core);
    }
}

/// The sending side of a sink: at most one whole message put aside.
#[derive(Debug)]
struct Outgoing<S: GetRawSocket> {
    socket: S,
    pending: Option<Parts>,
    wait: Wait,
}

impl<S: GetRawSocket> Outgoing<S> {
    fn new(socket: S) -> Self {
        Outgoing {
            socket,
            pending: None,
            wait: Wait::default(),
        }
    }

    /// Sends what was put aside, if anything.
    fn poll_pending(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), Error<Parts>>> {
        if self.pending.is_none() {
            return Poll::Ready(Ok(()));
        }
        let core = &self.socket.raw_socket().core;
        core.poll_send_parts(cx, &mut self.pending, &mut self.wait)
    }

    /// Puts `parts` aside; refused while something else is.
    fn start_send(&mut self, parts: Parts) -> Result<(), Error<Parts>> {
        if self.pending.is_some() {
            return Err(Error::with_content(
                ErrorKind::InvalidInput("start_send without poll_ready"),
                parts,
            ));
        }
        self.pending = Some(parts);
        Ok(())
    }
}

impl<S: GetRawSocket> Drop for Outgoing<S> {
    fn drop(&mut self) {
        let core = &self.socket.raw_socket().core;
        self.wait.finish(core);
    }
}

/// The messages a socket receives, as a [`Stream`]: made by
/// [`into_stream`](super::AsyncRecvMsg::into_stream).
///
/// Each item is what [`recv_msg`](RecvMsg::recv_msg) would return: a
/// message, or `Err(WouldBlock)` when the receive timeout passed (the stream
/// goes on). When the ctx shuts down it yields `Err(InvalidCtx)` once and
/// then ends. Cancellation safe: dropping a pending `next()` loses nothing.
/// A message of several frames (classic types) is an `Err(Multipart)` item
/// and stays queued, so every next item is that error too: use a
/// [`MultipartStream`] for sockets that receive them.
///
/// ```
/// use futures::StreamExt;
/// use libzmq::{prelude::*, *};
///
/// let addr = InprocAddr::new_unique();
/// let gather = GatherBuilder::new().bind(&addr).build()?;
/// let scatter = ScatterBuilder::new().connect(&addr).build()?;
/// for word in ["a", "b", "c"] {
///     scatter.send(word)?;
/// }
/// let words: Vec<String> = futures::executor::block_on(
///     gather
///         .into_stream()
///         .take(3)
///         .map(|msg| msg.unwrap().to_str().unwrap().to_owned())
///         .collect(),
/// );
/// assert_eq!(words, ["a", "b", "c"]);
/// # Ok::<(), anyhow::Error>(())
/// ```
#[derive(Debug)]
#[must_use = "streams do nothing unless polled"]
pub struct MsgStream<S: RecvMsg>(Incoming<S>);

impl<S: RecvMsg> MsgStream<S> {
    /// The stream of the messages `socket` receives.
    pub fn new(socket: S) -> Self {
        MsgStream(Incoming::new(socket))
    }

    /// The socket.
    pub fn get_ref(&self) -> &S {
        &self.0.socket
    }
}

impl<S: RecvMsg + Unpin> Stream for MsgStream<S> {
    type Item = Result<Msg, Error>;

    fn poll_next(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Self::Item>> {
        self.get_mut().0.poll_next(cx, SocketCore::one_frame)
    }
}

impl<S: RecvMsg + Unpin> FusedStream for MsgStream<S> {
    fn is_terminated(&self) -> bool {
        self.0.ended
    }
}

/// The messages a classic socket receives, each as its frames, as a
/// [`Stream`]: made by
/// [`into_multipart_stream`](super::AsyncRecvMultipart::into_multipart_stream).
/// Items, timeouts, shutdown and cancellation as [`MsgStream`].
///
/// ```
/// use futures::StreamExt;
/// use libzmq::{prelude::*, *};
///
/// let addr = InprocAddr::new_unique();
/// let pull = PullBuilder::new().bind(&addr).build()?;
/// let push = PushBuilder::new().connect(&addr).build()?;
/// push.send_multipart(["key", "value"])?;
/// let mut stream = pull.into_multipart_stream();
/// let parts = futures::executor::block_on(stream.next()).unwrap()?;
/// assert_eq!(parts, vec![Msg::from("key"), Msg::from("value")]);
/// # Ok::<(), anyhow::Error>(())
/// ```
#[derive(Debug)]
#[must_use = "streams do nothing unless polled"]
pub struct MultipartStream<S: RecvMultipart>(Incoming<S>);

impl<S: RecvMultipart> MultipartStream<S> {
    /// The stream of the messages `socket` receives.
    pub fn new(socket: S) -> Self {
        MultipartStream(Incoming::new(socket))
    }

    /// The socket.
    pub fn get_ref(&self) -> &S {
        &self.0.socket
    }
}

impl<S: RecvMultipart + Unpin> Stream for MultipartStream<S> {
    type Item = Result<Vec<Msg>, Error>;

    fn poll_next(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Self::Item>> {
        self.get_mut()
            .0
            .poll_next(cx, |_, parts| Ok(parts.into_vec()))
    }
}

impl<S: RecvMultipart + Unpin> FusedStream for MultipartStream<S> {
    fn is_terminated(&self) -> bool {
        self.0.ended
    }
}

/// A socket as a [`Sink`] of messages: made by
/// [`into_sink`](super::AsyncSendMsg::into_sink).
///
/// It holds at most one message: `start_send` puts it aside and the next
/// `poll_ready`, `poll_flush` or `poll_close` sends it as
/// [`send`](SendMsg::send) would (waiting while every peer is at its high
/// water mark, up to the send timeout). An error hands the message back
/// inside it. `SinkExt::send` and `send_all` flush, so nothing is left
/// aside; a message put aside by a bare `start_send` is dropped with the
/// sink if it was never flushed.
///
/// ```
/// use futures::SinkExt;
/// use libzmq::{prelude::*, *};
///
/// let addr = InprocAddr::new_unique();
/// let gather = GatherBuilder::new().bind(&addr).build()?;
/// let scatter = ScatterBuilder::new().connect(&addr).build()?;
/// let mut sink = scatter.into_sink();
/// futures::executor::block_on(sink.send("hello"))?;
/// assert_eq!(gather.recv_msg()?.to_str()?, "hello");
/// # Ok::<(), anyhow::Error>(())
/// ```
#[derive(Debug)]
#[must_use = "sinks do nothing unless polled"]
pub struct MsgSink<S: SendMsg>(Outgoing<S>);

impl<S: SendMsg> MsgSink<S> {
    /// A sink that sends through `socket`.
    pub fn new(socket: S) -> Self {
        MsgSink(Outgoing::new(socket))
    }

    /// The socket.
    pub fn get_ref(&self) -> &S {
        &self.0.socket
    }
}

impl<S, M> Sink<M> for MsgSink<S>
where
    S: SendMsg + Unpin,
    M: Into<Msg>,
{
    type Error = Error<Msg>;

    fn poll_ready(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), Self::Error>> {
        self.get_mut().0.poll_pending(cx).map_err(one_frame_error)
    }

    fn start_send(self: Pin<&mut Self>, item: M) -> Result<(), Self::Error> {
        let parts = Parts::One(item.into());
        self.get_mut().0.start_send(parts).map_err(one_frame_error)
    }

    fn poll_flush(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), Self::Error>> {
        <Self as Sink<M>>::poll_ready(self, cx)
    }

    fn poll_close(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), Self::Error>> {
        <Self as Sink<M>>::poll_ready(self, cx)
    }
}

/// A classic socket as a [`Sink`] of multipart messages (anything that
/// iterates over frames): made by
/// [`into_multipart_sink`](super::AsyncSendMultipart::into_multipart_sink).
/// It works as [`MsgSink`]; an error hands every frame back. A message of
/// no frame is refused by `start_send` with `InvalidInput`.
///
/// ```
/// use futures::SinkExt;
/// use libzmq::{prelude::*, *};
///
/// let addr = InprocAddr::new_unique();
/// let pull = PullBuilder::new().bind(&addr).build()?;
/// let push = PushBuilder::new().connect(&addr).build()?;
/// let mut sink = push.into_multipart_sink();
/// futures::executor::block_on(sink.send(["key", "value"]))?;
/// assert_eq!(pull.recv_multipart()?.len(), 2);
/// # Ok::<(), anyhow::Error>(())
/// ```
#[derive(Debug)]
#[must_use = "sinks do nothing unless polled"]
pub struct MultipartSink<S: SendMultipart>(Outgoing<S>);

impl<S: SendMultipart> MultipartSink<S> {
    /// A sink that sends through `socket`.
    pub fn new(socket: S) -> Self {
        MultipartSink(Outgoing::new(socket))
    }

    /// The socket.
    pub fn get_ref(&self) -> &S {
        &self.0.socket
    }
}

impl<S, I, M> Sink<I> for MultipartSink<S>
where
    S: SendMultipart + Unpin,
    I: IntoIterator<Item = M>,
    M: Into<Msg>,
{
    type Error = Error<Vec<Msg>>;

    fn poll_ready(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), Self::Error>> {
        self.get_mut().0.poll_pending(cx).map_err(frames_error)
    }

    fn start_send(self: Pin<&mut Self>, item: I) -> Result<(), Self::Error> {
        let parts = into_parts(item)?;
        self.get_mut().0.start_send(parts).map_err(frames_error)
    }

    fn poll_flush(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), Self::Error>> {
        <Self as Sink<I>>::poll_ready(self, cx)
    }

    fn poll_close(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), Self::Error>> {
        <Self as Sink<I>>::poll_ready(self, cx)
    }
}
