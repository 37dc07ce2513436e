//! Multipart messages: the prelude traits of the classic socket types.
//!
//! A message is one or more frames. It is sent and received whole: the
//! frames of one message are queued with one lock and taken with one, so
//! threads sharing a socket never interleave their frames, and a message is
//! never split. `send(msg)` sends a one-frame message. `recv_msg` returns a
//! one-frame message; when the next message has several frames it fails
//! with [`ErrorKind::Multipart`](crate::ErrorKind::Multipart) and leaves the
//! message for the next `recv_multipart`, so nothing is lost.

use super::parts::Parts;
use super::traits::{RecvMsg, SendMsg};
use crate::error::{Error, ErrorKind};
use crate::msg::Msg;

/// The message made of `parts`; none is `InvalidInput`.
pub(super) fn into_parts<I, M>(parts: I) -> Result<Parts, Error<Vec<Msg>>>
where
    I: IntoIterator<Item = M>,
    M: Into<Msg>,
{
    let frames: Vec<Msg> = parts.into_iter().map(Into::into).collect();
    if frames.is_empty() {
        return Err(Error::with_content(
            ErrorKind::InvalidInput("a message has at least one frame"),
            frames,
        ));
    }
    Ok(Parts::from_vec(frames))
}

fn send_parts<S: SendMsg + ?Sized>(
    socket: &S,
    parts: Parts,
    blocking: bool,
) -> Result<(), Error<Vec<Msg>>> {
    socket
        .raw_socket()
        .core
        .send_parts(parts, blocking)
        .map_err(frames_error)
}

/// The error of a multipart send, with its frames handed back.
pub(super) fn frames_error(mut err: Error<Parts>) -> Error<Vec<Msg>> {
    let kind = err.kind();
    match err.take() {
        Some(parts) => Error::with_content(kind, parts.into_vec()),
        None => Error::new(kind),
    }
}

/// Sending multipart messages (classic socket types).
pub trait SendMultipart: SendMsg {
    /// Sends one message made of `parts` (at least one frame), whole,
    /// blocking like [`send`](SendMsg::send) up to the send timeout. On
    /// error every frame is handed back inside the error, in order.
    ///
    /// ```
    /// use libzmq::{prelude::*, *};
    /// use std::time::Duration;
    ///
    /// let addr = InprocAddr::new_unique();
    /// let push = PushBuilder::new().bind(&addr).build()?;
    /// let pull = PullBuilder::new()
    ///     .connect(&addr)
    ///     .recv_timeout(Duration::from_secs(1))
    ///     .build()?;
    ///
    /// push.send_multipart(["key", "value"])?;
    /// let parts = pull.recv_multipart()?;
    /// assert_eq!(parts, vec![Msg::from("key"), Msg::from("value")]);
    /// # Ok::<(), anyhow::Error>(())
    /// ```
    fn send_multipart<I, M>(&self, parts: I) -> Result<(), Error<Vec<Msg>>>
    where
        I: IntoIterator<Item = M>,
        M: Into<Msg>,
    {
        send_parts(self, into_parts(parts)?, true)
    }

    /// Like [`send_multipart`](SendMultipart::send_multipart) but never
    /// blocks.
    fn try_send_multipart<I, M>(&self, parts: I) -> Result<(), Error<Vec<Msg>>>
    where
        I: IntoIterator<Item = M>,
        M: Into<Msg>,
    {
        send_parts(self, into_parts(parts)?, false)
    }
}

/// Receiving multipart messages (classic socket types).
pub trait RecvMultipart: RecvMsg {
    /// Receives one whole message as its frames, blocking up to the
    /// receive timeout.
    ///
    /// ```
    /// use libzmq::{prelude::*, *};
    /// use std::time::Duration;
    ///
    /// let addr = InprocAddr::new_unique();
    /// let push = PushBuilder::new().bind(&addr).build()?;
    /// let pull = PullBuilder::new()
    ///     .connect(&addr)
    ///     .recv_timeout(Duration::from_secs(1))
    ///     .build()?;
    ///
    /// push.send_multipart(["a", "b"])?;
    /// // `recv_msg` cannot return two frames: the message stays queued.
    /// assert_eq!(pull.recv_msg().unwrap_err().kind(), ErrorKind::Multipart);
    /// assert_eq!(pull.recv_multipart()?.len(), 2);
    /// # Ok::<(), anyhow::Error>(())
    /// ```
    fn recv_multipart(&self) -> Result<Vec<Msg>, Error> {
        Ok(self.raw_socket().core.recv_parts(true)?.into_vec())
    }

    /// Like [`recv_multipart`](RecvMultipart::recv_multipart) but never
    /// blocks.
    fn try_recv_multipart(&self) -> Result<Vec<Msg>, Error> {
        Ok(self.raw_socket().core.recv_parts(false)?.into_vec())
    }
}
