//! The blocking loop of `send` and `recv`: one non-blocking attempt, then
//! waits on the socket's signal until the attempt succeeds, the timeout
//! passes or the ctx shuts down (`InvalidCtx`).

use super::classic::{self, is_classic};
use super::core::SocketCore;
use super::parts::Parts;
use super::peers::SendFail;
use super::settings::deadline;
use crate::error::{Error, ErrorKind};
use crate::msg::Msg;
use std::sync::atomic::Ordering::SeqCst;
use zmtp::SocketType;

impl SocketCore {
    /// One attempt to send (blocking and async calls alike); counts what
    /// was sent.
    pub(super) fn try_send_once(
        &self,
        mut parts: Parts,
    ) -> Result<(), SendFail<Parts>> {
        forget_sender(&mut parts);
        let bytes = byte_len(&parts);
        // Counted under the state lock (see `counters`).
        let count = |()| self.counters.sent(bytes);
        let mut state = self.state();
        if is_classic(self.kind) {
            return classic::try_send(self.kind, &mut state, parts).map(count);
        }
        // The six single-frame types: their API sends one frame.
        let msg = match parts {
            Parts::One(msg) => msg,
            parts => {
                return Err(SendFail::Fatal(
                    ErrorKind::InvalidInput(
                        "this socket type sends one frame per message",
                    ),
                    parts,
                ))
            }
        };
        let sent = match self.kind {
            SocketType::Server => state.peers.send_routed(msg),
            SocketType::Radio => state
                .peers
                .send_fan_out(msg, self.no_drop.load(SeqCst))
                .map(|missed| self.counters.dropped(missed)),
            _ => {
                return state
                    .peers
                    .send_round_robin(Parts::One(msg))
                    .map(drop)
                    .map(count)
            }
        };
        sent.map(count).map_err(|fail| match fail {
            SendFail::Again(msg) => SendFail::Again(Parts::One(msg)),
            SendFail::Fatal(kind, msg) => {
                SendFail::Fatal(kind, Parts::One(msg))
            }
        })
    }

    /// One attempt to receive (blocking and async calls alike); counts
    /// what was received.
    pub(super) fn try_recv_once(&self) -> Result<Option<Parts>, ErrorKind> {
        let mut state = self.state();
        let state = &mut *state;
        if is_classic(self.kind) {
            // A message put back by `recv` (it had several frames) was
            // counted when it was first taken.
            let counted = state.classic.stash.is_some();
            return classic::try_recv(self.kind, state).inspect(|parts| {
                if let (Some(parts), false) = (parts, counted) {
                    self.counters.received(byte_len(parts));
                }
            });
        }
        let msg = match self.kind {
            SocketType::Dish => state.peers.recv_joined(&state.groups),
            kind => state.peers.recv_fair(kind == SocketType::Server),
        };
        if let Some(msg) = &msg {
            self.counters.received(msg.len());
        }
        Ok(msg.map(Parts::One))
    }

    /// Runs `attempt` until it succeeds, fails for good, the timeout
    /// (milliseconds, [`NO_TIMEOUT`](super::settings::NO_TIMEOUT) = none)
    /// passes or the ctx shuts down; `blocking: false` makes one attempt.
    /// `item` is what the attempt hands back when it must be retried.
    fn wait_for<T, R>(
        &self,
        timeout: u64,
        blocking: bool,
        item: T,
        mut attempt: impl FnMut(T) -> Result<R, SendFail<T>>,
    ) -> Result<R, Error<T>> {
        let mut item = item;
        let mut waiting = None;
        loop {
            let seen = self.signal.generation();
            if self.ctx.is_terminated() {
                return Err(Error::with_content(ErrorKind::InvalidCtx, item));
            }
            item = match attempt(item) {
                Ok(done) => return Ok(done),
                Err(SendFail::Fatal(kind, item)) => {
                    return Err(Error::with_content(kind, item))
                }
                Err(SendFail::Again(item)) => item,
            };
            if !blocking || timeout == 0 {
                return Err(Error::with_content(ErrorKind::WouldBlock, item));
            }
            let (waiter, until) = waiting.get_or_insert_with(|| {
                (self.signal.register(), deadline(timeout))
            });
            let spin = self.may_spin();
            if !waiter.wait(seen, *until, spin) {
                return Err(Error::with_content(ErrorKind::WouldBlock, item));
            }
        }
    }

    /// Whether a wait on this socket may spin before it sleeps (or, async,
    /// re-poll itself before it registers): every peer is an inproc socket
    /// and the thread may run on more than one CPU (checked first: a
    /// pinned thread does not take the state lock for it).
    pub(super) fn may_spin(&self) -> bool {
        crate::signal::may_spin() && self.state().peers.only_local()
    }

    /// Sends one whole message; `blocking` waits up to the send timeout.
    pub(crate) fn send_parts(
        &self,
        parts: Parts,
        blocking: bool,
    ) -> Result<(), Error<Parts>> {
        let timeout = self.send_timeout_ms.load(SeqCst);
        self.wait_for(timeout, blocking, parts, |parts| {
            self.try_send_once(parts)
        })
    }

    /// Receives one whole message; `blocking` waits up to the receive
    /// timeout.
    pub(crate) fn recv_parts(&self, blocking: bool) -> Result<Parts, Error> {
        let timeout = self.recv_timeout_ms.load(SeqCst);
        self.wait_for(timeout, blocking, (), |()| match self.try_recv_once() {
            Ok(Some(parts)) => Ok(parts),
            Ok(None) => Err(SendFail::Again(())),
            Err(kind) => Err(SendFail::Fatal(kind, ())),
        })
    }

    /// Sends a one-frame message; `blocking` waits up to the send timeout.
    pub(crate) fn send(
        &self,
        msg: Msg,
        blocking: bool,
    ) -> Result<(), Error<Msg>> {
        let mut msg = msg;
        if self.try_send_fast(&mut msg) {
            return Ok(());
        }
        self.send_parts(Parts::One(msg), blocking)
            .map_err(one_frame_error)
    }

    /// The common case of a send, without the general wait loop: a
    /// round-robin (Client, Scatter; PUSH, PAIR, DEALER with a one-frame
    /// message) or routed (Server) socket whose peer has room. `true`: the
    /// message was moved into a pipe (an empty one is left in `msg`);
    /// `false`: `msg` is untouched, for the general path (full, no peer,
    /// an error to report, a ctx that was shut down).
    #[inline]
    pub(super) fn try_send_fast(&self, msg: &mut Msg) -> bool {
        use SocketType::*;
        if !matches!(
            self.kind,
            Server | Client | Scatter | Push | Pair | Dealer | Pub | XPub
        ) || self.ctx.is_terminated()
        {
            return false;
        }
        msg.set_peer(None);
        let bytes = msg.len();
        let mut state = self.state();
        let sent = match self.kind {
            Server => state.peers.send_routed_from(msg).is_ok(),
            Pub | XPub => {
                classic::pubsub::publish(self.kind, &mut state, msg).is_ok()
            }
            _ => state.peers.send_round_robin(msg).is_ok(),
        };
        if sent {
            self.counters.sent(bytes);
        }
        sent
    }

    /// Receives a one-frame message; `blocking` waits up to the receive
    /// timeout. A message of several frames is kept for the next
    /// `recv_multipart` and is an [`ErrorKind::Multipart`] error here.
    pub(crate) fn recv(&self, blocking: bool) -> Result<Msg, Error> {
        if let Some(msg) = self.try_recv_fair() {
            return Ok(msg);
        }
        self.one_frame(self.recv_parts(blocking)?)
    }

    /// [`SocketCore::recv`] into `out`, which is left unchanged on error.
    /// The common case moves the message once, from the peer's batch
    /// straight into `out`.
    pub(crate) fn recv_into(
        &self,
        blocking: bool,
        out: &mut Msg,
    ) -> Result<(), Error> {
        if self.try_recv_fair_into(out) {
            return Ok(());
        }
        *out = self.recv(blocking)?;
        Ok(())
    }

    /// The common case of a receive, without the general wait loop: a
    /// fair-queued socket (Client, Server, Gather, Scatter's peers...;
    /// PULL, PAIR, DEALER, and SUB, XSUB with their subscription filter)
    /// with a one-frame message ready. `None`: anything
    /// else, for the general path to decide (including a ctx that was shut
    /// down). A classic message of several frames that it takes is kept
    /// for the general path (counted, as `try_recv_once` expects of a kept
    /// message).
    #[inline]
    pub(super) fn try_recv_fair(&self) -> Option<Msg> {
        let mut msg = Msg::new();
        self.try_recv_fair_into(&mut msg).then_some(msg)
    }

    /// [`SocketCore::try_recv_fair`] into `out` (replaced only when it
    /// returns `true`).
    #[inline]
    pub(super) fn try_recv_fair_into(&self, out: &mut Msg) -> bool {
        use SocketType::*;
        if self.ctx.is_terminated() {
            return false;
        }
        match self.kind {
            Pull | Pair | Dealer | Sub | XSub => {
                let mut state = self.state();
                let state = &mut *state;
                if state.classic.stash.is_some() {
                    return false;
                }
                let mut longer = None;
                let taken = match self.kind {
                    Sub | XSub => classic::pubsub::subscriber_recv_into(
                        state,
                        out,
                        &mut longer,
                    ),
                    _ => state
                        .peers
                        .pop_active_into(out, &mut longer, false, |_| true)
                        .is_some(),
                };
                if !taken {
                    return false;
                }
                match longer {
                    None => {
                        self.counters.received(out.len());
                        true
                    }
                    Some(parts) => {
                        self.counters.received(byte_len(&parts));
                        state.classic.stash = Some(parts);
                        false
                    }
                }
            }
            Dish => false,
            kind if is_classic(kind) => false,
            kind => {
                let stamp = kind == Server;
                if !self.state().peers.recv_fair_into(stamp, out) {
                    return false;
                }
                self.counters.received(out.len());
                true
            }
        }
    }

    /// The message of a one-frame receive: a message of several frames is
    /// kept for the next `recv_multipart` and is an
    /// [`ErrorKind::Multipart`] error.
    #[inline]
    pub(super) fn one_frame(&self, parts: Parts) -> Result<Msg, Error> {
        match parts {
            Parts::One(msg) => Ok(msg),
            parts => {
                self.state().classic.stash = Some(parts);
                Err(Error::new(ErrorKind::Multipart))
            }
        }
    }

    /// Whether a `recv` may succeed now (level-triggered: a SUB may then
    /// filter out what was queued, an XPUB may have had only repeated
    /// subscriptions to take).
    pub(crate) fn is_readable(&self) -> bool {
        let mut state = self.state();
        if state.classic.stash.is_some()
            || state.classic.publisher.has_pending()
        {
            return true;
        }
        state.peers.any_readable()
    }

    /// Whether a `send` would succeed now: always for the types that drop
    /// or route instead of waiting (Server, PUB, XPUB without `no_drop`,
    /// ROUTER without `mandatory`).
    pub(crate) fn is_writable(&self) -> bool {
        let state = self.state();
        let options = &state.classic.options;
        let never_waits = match self.kind {
            SocketType::Server | SocketType::Pub => true,
            SocketType::XPub => !options.no_drop,
            SocketType::Router => !options.mandatory,
            _ => false,
        };
        never_waits || state.peers.any_writable()
    }
}

/// The error of a one-frame send, with its message handed back.
pub(super) fn one_frame_error(mut err: Error<Parts>) -> Error<Msg> {
    let kind = err.kind();
    match err.take() {
        Some(Parts::One(msg)) => Error::with_content(kind, msg),
        _ => Error::new(kind),
    }
}

/// The bytes of all the frames of a message (for the counters).
#[inline]
fn byte_len(parts: &Parts) -> usize {
    match parts {
        Parts::One(msg) => msg.len(),
        Parts::Many(frames) => frames.iter().map(Msg::len).sum(),
    }
}

/// A received message forwarded as it is lets go of the description of
/// the peer it came from here, on the sending thread, rather than on the
/// I/O thread that will drop the message.
#[inline]
fn forget_sender(parts: &mut Parts) {
    match parts {
        Parts::One(msg) => msg.set_peer(None),
        Parts::Many(frames) => {
            frames.iter_mut().for_each(|frame| frame.set_peer(None))
        }
    }
}
