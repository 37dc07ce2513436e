//! The futures of the async calls. Each holds a borrow of the socket, its
//! message (for a send) and its [`Wait`]; dropping one forgets its
//! registrations. The public futures are thin typed shells over two private
//! ones, [`SendParts`] and [`RecvParts`], which work on whole messages.

use super::wait::Wait;
use crate::error::{Error, ErrorKind};
use crate::msg::Msg;
use crate::socket::blocking::one_frame_error;
use crate::socket::core::SocketCore;
use crate::socket::multipart::frames_error;
use crate::socket::parts::Parts;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Sends one whole message; done once its message is gone (sent, or handed
/// back in an error).
#[derive(Debug)]
struct SendParts<'a> {
    core: &'a SocketCore,
    parts: Option<Parts>,
    wait: Wait,
}

impl<'a> SendParts<'a> {
    fn new(core: &'a SocketCore, parts: Option<Parts>) -> Self {
        SendParts {
            core,
            parts,
            wait: Wait::default(),
        }
    }

    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error<Parts>>> {
        self.core
            .poll_send_parts(cx, &mut self.parts, &mut self.wait)
    }

    #[cfg(feature = "futures")]
    fn is_terminated(&self) -> bool {
        self.parts.is_none()
    }
}

impl Drop for SendParts<'_> {
    fn drop(&mut self) {
        self.wait.finish(self.core);
    }
}

/// Receives one whole message.
#[derive(Debug)]
struct RecvParts<'a> {
    core: &'a SocketCore,
    wait: Wait,
    done: bool,
}

impl<'a> RecvParts<'a> {
    fn new(core: &'a SocketCore) -> Self {
        RecvParts {
            core,
            wait: Wait::default(),
            done: false,
        }
    }

    /// The common case without the general path's layers: a one-frame
    /// message ready (see `SocketCore::recv_fast`).
    #[inline]
    fn poll_fast(&mut self) -> Option<Msg> {
        let mut msg = Msg::new();
        self.poll_fast_into(&mut msg).then_some(msg)
    }

    /// [`RecvParts::poll_fast`] into `out` (replaced only when it returns
    /// `true`).
    #[inline]
    fn poll_fast_into(&mut self, out: &mut Msg) -> bool {
        if self.done || !self.core.recv_fast_into(&mut self.wait, out) {
            return false;
        }
        self.done = true;
        true
    }

    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<Result<Parts, Error>> {
        if self.done {
            return Poll::Ready(Err(Error::new(ErrorKind::InvalidInput(
                "receive future polled after completion",
            ))));
        }
        let polled = self.core.poll_recv_parts(cx, &mut self.wait);
        self.done = polled.is_ready();
        polled
    }
}

impl Drop for RecvParts<'_> {
    fn drop(&mut self) {
        self.wait.finish(self.core);
    }
}

/// The future of [`send_async`](super::AsyncSendMsg::send_async) and
/// [`Server::route_async`](crate::Server::route_async): resolves like
/// [`send`](crate::prelude::SendMsg::send) returns.
///
/// Cancellation safe: dropping it before it is ready leaves the socket as if
/// `send` had never been called — the message is either queued whole (the
/// future was ready) or never taken, and is then dropped with the future.
#[derive(Debug)]
#[must_use = "futures do nothing unless awaited or polled"]
pub struct SendFuture<'a> {
    /// The message until the first poll, which tries the common case (a
    /// peer with room) without the general path's layers.
    first: Option<Msg>,
    /// The general path, which gets the message if that fails.
    send: SendParts<'a>,
}

impl<'a> SendFuture<'a> {
    pub(crate) fn new(core: &'a SocketCore, msg: Msg) -> Self {
        SendFuture {
            first: Some(msg),
            send: SendParts::new(core, None),
        }
    }
}

impl Future for SendFuture<'_> {
    type Output = Result<(), Error<Msg>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if let Some(msg) = &mut this.first {
            if this.send.core.try_send_fast(msg) {
                this.first = None;
                return Poll::Ready(Ok(()));
            }
            this.send.parts = this.first.take().map(Parts::One);
        }
        this.send.poll(cx).map_err(one_frame_error)
    }
}

/// The future of
/// [`send_multipart_async`](super::AsyncSendMultipart::send_multipart_async):
/// resolves like [`send_multipart`](crate::prelude::SendMultipart::send_multipart)
/// returns (every frame handed back on error).
///
/// Cancellation safe, as [`SendFuture`]: the frames are queued whole or not
/// at all.
#[derive(Debug)]
#[must_use = "futures do nothing unless awaited or polled"]
pub struct SendMultipartFuture<'a> {
    send: SendParts<'a>,
    /// The frames were refused before any attempt (no frame at all).
    refused: Option<Error<Vec<Msg>>>,
}

impl<'a> SendMultipartFuture<'a> {
    pub(crate) fn new(
        core: &'a SocketCore,
        parts: Result<Parts, Error<Vec<Msg>>>,
    ) -> Self {
        match parts {
            Ok(parts) => SendMultipartFuture {
                send: SendParts::new(core, Some(parts)),
                refused: None,
            },
            Err(err) => SendMultipartFuture {
                send: SendParts::new(core, None),
                refused: Some(err),
            },
        }
    }
}

impl Future for SendMultipartFuture<'_> {
    type Output = Result<(), Error<Vec<Msg>>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if let Some(err) = this.refused.take() {
            return Poll::Ready(Err(err));
        }
        this.send.poll(cx).map_err(frames_error)
    }
}

/// The future of [`recv_msg_async`](super::AsyncRecvMsg::recv_msg_async):
/// resolves like [`recv_msg`](crate::prelude::RecvMsg::recv_msg) returns.
///
/// Cancellation safe: a message is taken from the socket only in the poll
/// that returns it, so dropping the future before it is ready loses nothing
/// (the message stays queued for the next receiver).
#[derive(Debug)]
#[must_use = "futures do nothing unless awaited or polled"]
pub struct RecvMsgFuture<'a>(RecvParts<'a>);

impl<'a> RecvMsgFuture<'a> {
    pub(crate) fn new(core: &'a SocketCore) -> Self {
        RecvMsgFuture(RecvParts::new(core))
    }
}

impl Future for RecvMsgFuture<'_> {
    type Output = Result<Msg, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let recv = &mut self.get_mut().0;
        if let Some(msg) = recv.poll_fast() {
            return Poll::Ready(Ok(msg));
        }
        let core = recv.core;
        recv.poll(cx).map(|done| core.one_frame(done?))
    }
}

/// The future of [`recv_async`](super::AsyncRecvMsg::recv_async): receives
/// into a `Msg` like [`recv`](crate::prelude::RecvMsg::recv), which is left
/// unchanged on error or when the future is dropped before it is ready.
/// Cancellation safe, as [`RecvMsgFuture`].
#[derive(Debug)]
#[must_use = "futures do nothing unless awaited or polled"]
pub struct RecvFuture<'a> {
    inner: RecvMsgFuture<'a>,
    msg: &'a mut Msg,
}

impl<'a> RecvFuture<'a> {
    pub(crate) fn new(core: &'a SocketCore, msg: &'a mut Msg) -> Self {
        RecvFuture {
            inner: RecvMsgFuture::new(core),
            msg,
        }
    }
}

impl Future for RecvFuture<'_> {
    type Output = Result<(), Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if this.inner.0.poll_fast_into(this.msg) {
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut this.inner)
            .poll(cx)
            .map_ok(|received| *this.msg = received)
    }
}

/// The future of
/// [`recv_multipart_async`](super::AsyncRecvMultipart::recv_multipart_async):
/// resolves like [`recv_multipart`](crate::prelude::RecvMultipart::recv_multipart)
/// returns. Cancellation safe, as [`RecvMsgFuture`]: the frames of a
/// message are taken together, in the poll that returns them.
#[derive(Debug)]
#[must_use = "futures do nothing unless awaited or polled"]
pub struct RecvMultipartFuture<'a>(RecvParts<'a>);

impl<'a> RecvMultipartFuture<'a> {
    pub(crate) fn new(core: &'a SocketCore) -> Self {
        RecvMultipartFuture(RecvParts::new(core))
    }
}

impl Future for RecvMultipartFuture<'_> {
    type Output = Result<Vec<Msg>, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.get_mut().0.poll(cx).map_ok(Parts::into_vec)
    }
}

#[cfg(feature = "futures")]
mod fused {
    use super::*;
    use futures_core::future::FusedFuture;

    /// Done once it resolved (then `select!` no longer polls it).
    impl FusedFuture for SendFuture<'_> {
        fn is_terminated(&self) -> bool {
            self.first.is_none() && self.send.is_terminated()
        }
    }

    /// Done once it resolved (then `select!` no longer polls it).
    impl FusedFuture for SendMultipartFuture<'_> {
        fn is_terminated(&self) -> bool {
            self.refused.is_none() && self.send.is_terminated()
        }
    }

    /// Done once it resolved (then `select!` no longer polls it).
    impl FusedFuture for RecvMsgFuture<'_> {
        fn is_terminated(&self) -> bool {
            self.0.done
        }
    }

    /// Done once it resolved (then `select!` no longer polls it).
    impl FusedFuture for RecvFuture<'_> {
        fn is_terminated(&self) -> bool {
            self.inner.0.done
        }
    }

    /// Done once it resolved (then `select!` no longer polls it).
    impl FusedFuture for RecvMultipartFuture<'_> {
        fn is_terminated(&self) -> bool {
            self.0.done
        }
    }
}
