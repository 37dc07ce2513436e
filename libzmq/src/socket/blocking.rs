//! The blocking loop of `send` and `recv`: one non-blocking attempt, then
//! waits on the socket's signal until the attempt succeeds, the timeout
//! passes or the ctx shuts down (`InvalidCtx`).

use super::core::SocketCore;
use super::peers::SendFail;
use super::settings::deadline;
use crate::error::{Error, ErrorKind};
use crate::msg::Msg;
use std::sync::atomic::Ordering::SeqCst;
use zmtp::SocketType;

impl SocketCore {
    fn try_send_once(&self, msg: Msg) -> Result<(), SendFail> {
        let mut state = self.state();
        match self.kind {
            SocketType::Server => state.peers.send_routed(msg),
            SocketType::Radio => {
                state.peers.send_fan_out(msg, self.no_drop.load(SeqCst))
            }
            _ => state.peers.send_round_robin(msg),
        }
    }

    fn try_recv_once(&self) -> Option<Msg> {
        let mut state = self.state();
        let state = &mut *state;
        match self.kind {
            SocketType::Dish => state.peers.recv_joined(&state.groups),
            kind => state.peers.recv_fair(kind == SocketType::Server),
        }
    }

    /// Sends one message; `blocking` waits up to the send timeout.
    pub(crate) fn send(
        &self,
        msg: Msg,
        blocking: bool,
    ) -> Result<(), Error<Msg>> {
        let timeout = self.send_timeout_ms.load(SeqCst);
        let mut msg = msg;
        let mut waiting = None;
        loop {
            let seen = self.signal.generation();
            if self.ctx.is_terminated() {
                return Err(Error::with_content(ErrorKind::InvalidCtx, msg));
            }
            msg = match self.try_send_once(msg) {
                Ok(()) => return Ok(()),
                Err(SendFail::Fatal(kind, msg)) => {
                    return Err(Error::with_content(kind, msg))
                }
                Err(SendFail::Again(msg)) => msg,
            };
            if !blocking || timeout == 0 {
                return Err(Error::with_content(ErrorKind::WouldBlock, msg));
            }
            let (waiter, until) = waiting.get_or_insert_with(|| {
                (self.signal.register(), deadline(timeout))
            });
            if !waiter.wait(seen, *until) {
                return Err(Error::with_content(ErrorKind::WouldBlock, msg));
            }
        }
    }

    /// Receives one message; `blocking` waits up to the receive timeout.
    pub(crate) fn recv(&self, blocking: bool) -> Result<Msg, Error> {
        let timeout = self.recv_timeout_ms.load(SeqCst);
        let mut waiting = None;
        loop {
            let seen = self.signal.generation();
            if self.ctx.is_terminated() {
                return Err(Error::new(ErrorKind::InvalidCtx));
            }
            if let Some(msg) = self.try_recv_once() {
                return Ok(msg);
            }
            if !blocking || timeout == 0 {
                return Err(Error::new(ErrorKind::WouldBlock));
            }
            let (waiter, until) = waiting.get_or_insert_with(|| {
                (self.signal.register(), deadline(timeout))
            });
            if !waiter.wait(seen, *until) {
                return Err(Error::new(ErrorKind::WouldBlock));
            }
        }
    }

    /// Whether a `recv` would succeed now.
    pub(crate) fn is_readable(&self) -> bool {
        self.state().peers.any_readable()
    }

    /// Whether a `send` would succeed now (a Server can always try).
    pub(crate) fn is_writable(&self) -> bool {
        self.kind == SocketType::Server || self.state().peers.any_writable()
    }
}
