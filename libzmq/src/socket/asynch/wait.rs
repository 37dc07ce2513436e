//! The async counterpart of the blocking loop: one non-blocking attempt,
//! then the task's waker registered with the socket's signal (for a finite
//! timeout, with its deadline: the signal's alarm in the
//! [timer](crate::timer) wakes it by then) until a notify, the deadline or
//! the ctx's shutdown.
//!
//! No wake-up is lost: the generation is read before the attempt, and
//! registering returns it again (see [`Signal`](crate::signal::Signal)); if
//! it moved, the attempt is retried instead of returning `Pending`.

use crate::error::{Error, ErrorKind};
use crate::msg::Msg;
use crate::socket::core::SocketCore;
use crate::socket::parts::Parts;
use crate::socket::peers::SendFail;
use crate::socket::settings::deadline;
use crate::waker_list::WakerSlot;
use std::sync::atomic::{AtomicU64, Ordering::SeqCst};
use std::task::{Context, Poll};
use std::time::Instant;

/// When the operation gives up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Limit {
    /// The socket's timeout is read at the first failed attempt, as the
    /// blocking calls do.
    Unread,
    /// Timeout 0: the first failed attempt is `WouldBlock`.
    Immediate,
    Never,
    At(Instant),
}

/// Why a wait ended without the operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stop {
    /// The socket's timeout passed: `WouldBlock`.
    Timeout,
    /// The ctx shut down: `InvalidCtx`.
    Shutdown,
}

impl Stop {
    fn kind(self) -> ErrorKind {
        match self {
            Stop::Timeout => ErrorKind::WouldBlock,
            Stop::Shutdown => ErrorKind::InvalidCtx,
        }
    }
}

/// Whether a wait re-polls itself before it registers (see [`Wait::poll`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Spin {
    /// Not decided yet (at the first failed attempt).
    Unchecked,
    /// Re-poll until then.
    Until(Instant),
    /// Register at once.
    Over,
}

/// The waiting state of one async send or receive at a time. Whoever holds
/// it calls [`Wait::finish`] when dropped.
#[derive(Debug)]
pub(crate) struct Wait {
    limit: Limit,
    spin: Spin,
    slot: Option<WakerSlot>,
}

impl Default for Wait {
    fn default() -> Self {
        Wait {
            limit: Limit::Unread,
            spin: Spin::Unchecked,
            slot: None,
        }
    }
}

impl Wait {
    /// Tries `attempt` until it reports the operation over (its outcome
    /// kept by the closure: no value travels through here, which keeps the
    /// hot path free of copies), registering the task between tries.
    /// `Ready(None)`: the attempt ended it; `Ready(Some(stop))`: the wait
    /// did. `timeout_ms` is the socket's send or receive timeout.
    fn poll(
        &mut self,
        core: &SocketCore,
        timeout_ms: &AtomicU64,
        cx: &mut Context<'_>,
        mut attempt: impl FnMut() -> bool,
    ) -> Poll<Option<Stop>> {
        let signal = &core.signal;
        loop {
            let seen = signal.generation();
            if core.ctx.is_terminated() {
                self.finish(core);
                return Poll::Ready(Some(Stop::Shutdown));
            }
            if attempt() {
                self.finish(core);
                return Poll::Ready(None);
            }
            let fresh = self.limit == Limit::Unread;
            if fresh {
                self.limit = match timeout_ms.load(SeqCst) {
                    0 => Limit::Immediate,
                    ms => deadline(ms).map_or(Limit::Never, Limit::At),
                };
            }
            let until = match self.limit {
                Limit::Never => None,
                // Just read as now plus at least 1 ms: not passed yet.
                Limit::At(at) if fresh || Instant::now() < at => Some(at),
                _ => {
                    self.finish(core);
                    return Poll::Ready(Some(Stop::Timeout));
                }
            };
            if self.spins(core) {
                // Polled again as soon as the executor has run what else
                // is ready: the async form of the blocking calls' spin.
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            let registered = match until {
                None => signal.register_waker(cx.waker(), &mut self.slot),
                Some(at) => {
                    signal.register_waker_until(cx.waker(), &mut self.slot, at)
                }
            };
            if registered == seen {
                return Poll::Pending;
            }
        }
    }

    /// Whether the task should be polled again at once instead of
    /// registering, as a blocking call spins before it sleeps (see
    /// [`crate::signal::may_spin`]): for at most [`crate::signal::SPIN`]
    /// from the first failed attempt, only when every peer is an inproc
    /// socket and the thread may run on more than one CPU. The executor
    /// runs its other ready tasks between the polls; with nothing else to
    /// do it polls this one again, for that short while.
    fn spins(&mut self, core: &SocketCore) -> bool {
        match self.spin {
            Spin::Unchecked => {
                let spin = core.may_spin();
                self.spin = if spin {
                    Spin::Until(Instant::now() + crate::signal::SPIN)
                } else {
                    Spin::Over
                };
                spin
            }
            Spin::Until(until) if Instant::now() < until => true,
            Spin::Until(_) => {
                self.spin = Spin::Over;
                false
            }
            Spin::Over => false,
        }
    }

    /// Forgets the registration, the deadline and the spin: ready for the
    /// next operation. Idempotent, and a few tests when nothing was
    /// registered. (The signal's alarm stays: it serves the next waits.)
    #[inline]
    pub(crate) fn finish(&mut self, core: &SocketCore) {
        core.signal.forget_waker(&mut self.slot);
        self.limit = Limit::Unread;
        self.spin = Spin::Unchecked;
    }
}

impl SocketCore {
    /// The common case of an async send, as the blocking `send` has it: a
    /// one-frame message that a peer has room for. `true`: sent (`parts`
    /// is empty and the wait finished); `false`: `parts` is as it was, for
    /// the general path.
    #[inline]
    pub(crate) fn send_fast(
        &self,
        parts: &mut Option<Parts>,
        wait: &mut Wait,
    ) -> bool {
        let msg = match parts.take() {
            Some(Parts::One(msg)) => msg,
            other => {
                *parts = other;
                return false;
            }
        };
        let mut msg = msg;
        if self.try_send_fast(&mut msg) {
            wait.finish(self);
            return true;
        }
        *parts = Some(Parts::One(msg));
        false
    }

    /// The common case of an async receive, as the blocking `recv` has it:
    /// a message ready on a fair-queued single-frame socket (the wait
    /// finished). `None`: for the general path.
    #[inline]
    pub(crate) fn recv_fast(&self, wait: &mut Wait) -> Option<Msg> {
        let mut msg = Msg::new();
        self.recv_fast_into(wait, &mut msg).then_some(msg)
    }

    /// [`SocketCore::recv_fast`] into `out` (replaced only when it returns
    /// `true`): the message is moved once, as by the blocking `recv`.
    #[inline]
    pub(crate) fn recv_fast_into(
        &self,
        wait: &mut Wait,
        out: &mut Msg,
    ) -> bool {
        if !self.try_recv_fair_into(out) {
            return false;
        }
        wait.finish(self);
        true
    }

    /// Polls sending `parts` (taken only when sent; handed back in the
    /// error otherwise, so the slot is empty once this is ready).
    pub(crate) fn poll_send_parts(
        &self,
        cx: &mut Context<'_>,
        parts: &mut Option<Parts>,
        wait: &mut Wait,
    ) -> Poll<Result<(), Error<Parts>>> {
        if parts.is_none() {
            return Poll::Ready(Err(Error::new(ErrorKind::InvalidInput(
                "send future polled after completion",
            ))));
        }
        if self.send_fast(parts, wait) {
            return Poll::Ready(Ok(()));
        }
        let mut fatal = None;
        let polled = wait.poll(self, &self.send_timeout_ms, cx, || {
            let Some(taken) = parts.take() else {
                return true;
            };
            match self.try_send_once(taken) {
                Ok(()) => true,
                Err(SendFail::Fatal(kind, back)) => {
                    fatal = Some(kind);
                    *parts = Some(back);
                    true
                }
                Err(SendFail::Again(back)) => {
                    *parts = Some(back);
                    false
                }
            }
        });
        let kind = match polled {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(None) => match fatal {
                None => return Poll::Ready(Ok(())),
                Some(kind) => kind,
            },
            Poll::Ready(Some(stop)) => stop.kind(),
        };
        Poll::Ready(Err(match parts.take() {
            Some(back) => Error::with_content(kind, back),
            None => Error::new(kind),
        }))
    }

    /// Polls receiving one whole message.
    pub(crate) fn poll_recv_parts(
        &self,
        cx: &mut Context<'_>,
        wait: &mut Wait,
    ) -> Poll<Result<Parts, Error>> {
        if let Some(msg) = self.recv_fast(wait) {
            return Poll::Ready(Ok(Parts::One(msg)));
        }
        let mut outcome = Ok(None);
        let polled = wait.poll(self, &self.recv_timeout_ms, cx, || {
            outcome = self.try_recv_once();
            !matches!(outcome, Ok(None))
        });
        match polled {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Some(stop)) => {
                Poll::Ready(Err(Error::new(stop.kind())))
            }
            Poll::Ready(None) => Poll::Ready(match outcome {
                Ok(Some(parts)) => Ok(parts),
                Err(kind) => Err(Error::new(kind)),
                // Not reached: the attempt ends the wait only with one.
                Ok(None) => Err(Error::new(ErrorKind::WouldBlock)),
            }),
        }
    }
}
