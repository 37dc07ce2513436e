//! `futures` [`Stream`] and [`Sink`] adapters over the sockets (cargo feature
//! `futures`, on by default), so `StreamExt`/`SinkExt` combinators and
//! `select!` work.

use super::wait::Wait;
use crate::error::{Error, ErrorKind};
use crate::msg::Msg;
use crate::socket::blocking::one_frame_error;
use crate::socket::core::SocketCore;
use crate::socket::parts::Parts;
use crate::socket::traits::{RecvMsg, SendMsg};
use futures_core::stream::{FusedStream, Stream};
use futures_sink::Sink;
use std::pin::Pin;
use std::task::{Context, Poll};

fn core_of<S: crate::socket::traits::GetRawSocket>(socket: &S) -> &SocketCore {
    &socket.raw_socket().core
}

/// The messages a socket receives, as a [`Stream`]: made by
/// [`into_stream`](super::AsyncRecvMsg::into_stream).
///
/// Each item is what [`recv_msg`](RecvMsg::recv_msg) would return: a
/// message, or `Err(WouldBlock)` when the receive timeout passed (the stream
/// goes on). When the ctx shuts down it yields `Err(InvalidCtx)` once and
/// then ends. Cancellation safe: dropping a pending `next()` loses nothing.
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
pub struct MsgStream<S: RecvMsg> {
    socket: S,
    wait: Wait,
    ended: bool,
}

impl<S: RecvMsg> MsgStream<S> {
    /// The stream of the messages `socket` receives.
    pub fn new(socket: S) -> Self {
        MsgStream {
            socket,
            wait: Wait::default(),
            ended: false,
        }
    }

    /// The socket.
    pub fn get_ref(&self) -> &S {
        &self.socket
    }
}

impl<S: RecvMsg + Unpin> Stream for MsgStream<S> {
    type Item = Result<Msg, Error>;

    fn poll_next(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.ended {
            return Poll::Ready(None);
        }
        let core = core_of(&this.socket);
        let polled = core.poll_recv_parts(cx, &mut this.wait);
        polled.map(|done| {
            let item = done.and_then(|parts| core.one_frame(parts));
            if let Err(err) = &item {
                this.ended = err.kind() == ErrorKind::InvalidCtx;
            }
            Some(item)
        })
    }
}

impl<S: RecvMsg + Unpin> FusedStream for MsgStream<S> {
    fn is_terminated(&self) -> bool {
        self.ended
    }
}

impl<S: RecvMsg> Drop for MsgStream<S> {
    fn drop(&mut self) {
        self.wait.finish(core_of(&self.socket));
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
pub struct MsgSink<S: SendMsg> {
    socket: S,
    pending: Option<Parts>,
    wait: Wait,
}

impl<S: SendMsg> MsgSink<S> {
    /// A sink that sends through `socket`.
    pub fn new(socket: S) -> Self {
        MsgSink {
            socket,
            pending: None,
            wait: Wait::default(),
        }
    }

    /// The socket.
    pub fn get_ref(&self) -> &S {
        &self.socket
    }

    fn poll_pending(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), Error<Msg>>> {
        if self.pending.is_none() {
            return Poll::Ready(Ok(()));
        }
        core_of(&self.socket)
            .poll_send_parts(cx, &mut self.pending, &mut self.wait)
            .map_err(one_frame_error)
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
        self.get_mut().poll_pending(cx)
    }

    fn start_send(self: Pin<&mut Self>, item: M) -> Result<(), Self::Error> {
        let this = self.get_mut();
        if this.pending.is_some() {
            return Err(Error::with_content(
                ErrorKind::InvalidInput("start_send without poll_ready"),
                item.into(),
            ));
        }
        this.pending = Some(Parts::One(item.into()));
        Ok(())
    }

    fn poll_flush(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), Self::Error>> {
        self.get_mut().poll_pending(cx)
    }

    fn poll_close(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), Self::Error>> {
        self.get_mut().poll_pending(cx)
    }
}

impl<S: SendMsg> Drop for MsgSink<S> {
    fn drop(&mut self) {
        self.wait.finish(core_of(&self.socket));
    }
}
