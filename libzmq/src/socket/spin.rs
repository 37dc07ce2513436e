//! When a blocking wait spins before it sleeps.
//!
//! A thread put to sleep takes tens of microseconds to wake on an idle CPU
//! (a futex wake, the CPU leaving its idle state — longer still for a
//! virtual CPU); a peer that answers at once does so within a few. So a
//! wait watches the socket's signal for a short while first, when the
//! thread may run on more than one CPU (on one, the thread that would wake
//! it needs this very CPU) and:
//!
//! - every peer is an inproc socket: up to [`signal::SPIN`] (20 µs), for
//!   sends and receives alike;
//! - or, with peers behind connections, the wait is a receive and the
//!   socket sent something since its previous receive wait — a request
//!   whose reply may come at once: up to [`REPLY_SPIN`]. After [`MISSES`]
//!   such spins in a row that were far from enough (the reply came more
//!   than [`FAR`] after the wait began), the next [`BACKOFF`] receive
//!   waits do not spin: a peer far away, or a slow one, is not worth the
//!   CPU. A reply that came soon after the spin ended does not count: a
//!   spin pays off only when both ends of a round trip spin (a sleeping
//!   thread answers late), so the two must get the chance to fall into
//!   step. A thread that only
//!   receives never spins on connections: streamed messages arrive through
//!   the I/O thread, which needs the CPU that the spin would hold.

use crate::counters::CounterCells;
use crate::signal;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering::Relaxed};
use std::time::Duration;

/// The longest spin of a receive waiting for a reply over a connection
/// (a loopback round trip through two I/O threads takes 20–30 µs when
/// nobody sleeps).
pub(crate) const REPLY_SPIN: Duration = Duration::from_micros(50);

/// Reply spins in a row that were far from enough before the spinning stops.
pub(crate) const MISSES: u32 = 2;

/// A wait that lasted longer than this after a reply spin was far from
/// enough for it.
pub(crate) const FAR: Duration = Duration::from_micros(400);

/// How many receive waits do not spin after [`MISSES`] far misses.
pub(crate) const BACKOFF: u32 = 16;

/// What a socket remembers to decide (see the module docs).
#[derive(Debug, Default)]
pub(crate) struct SpinPolicy {
    /// Messages the socket had sent at its last receive wait.
    sends_seen: AtomicU64,
    /// Reply spins in a row that were far from enough.
    misses: AtomicU32,
    /// Receive waits left that do not spin on connections.
    backoff: AtomicU32,
}

/// Which wait is asking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WaitFor {
    Send,
    Recv,
}

impl SpinPolicy {
    /// How long a wait may spin before it sleeps (`None`: not at all).
    /// `only_local` tells whether every peer is an inproc socket; it is
    /// called only when the thread may spin at all.
    pub(crate) fn budget(
        &self,
        wait: WaitFor,
        only_local: impl FnOnce() -> bool,
        counters: &CounterCells,
    ) -> Option<Duration> {
        if !signal::may_spin() {
            return None;
        }
        if only_local() {
            return Some(signal::SPIN);
        }
        if wait != WaitFor::Recv {
            return None;
        }
        let sent = counters.msgs_out();
        if self.sends_seen.swap(sent, Relaxed) == sent {
            return None; // nothing sent since the last receive wait
        }
        let backoff = self.backoff.load(Relaxed);
        if backoff > 0 {
            self.backoff.store(backoff - 1, Relaxed);
            return None;
        }
        Some(REPLY_SPIN)
    }

    /// A spin of `budget` ended: `waited` is `None` when what it waited
    /// for came meanwhile, else how long the whole wait took.
    pub(crate) fn spun(&self, budget: Duration, waited: Option<Duration>) {
        if budget != REPLY_SPIN {
            return;
        }
        match waited {
            None => self.misses.store(0, Relaxed),
            Some(waited) if waited > FAR => {
                let misses = self.misses.load(Relaxed) + 1;
                if misses >= MISSES {
                    self.misses.store(0, Relaxed);
                    self.backoff.store(BACKOFF, Relaxed);
                } else {
                    self.misses.store(misses, Relaxed);
                }
            }
            Some(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spins_for_a_reply_only_after_a_send_and_backs_off_when_in_vain() {
        if !signal::may_spin() {
            return; // one CPU: never spins (see `signal::may_spin`)
        }
        let policy = SpinPolicy::default();
        let counters = CounterCells::new();
        let remote = || false;
        assert_eq!(
            policy.budget(WaitFor::Recv, || true, &counters),
            Some(signal::SPIN)
        );
        assert_eq!(
            policy.budget(WaitFor::Send, || true, &counters),
            Some(signal::SPIN)
        );
        // Over connections: receives that follow a send only.
        assert_eq!(policy.budget(WaitFor::Recv, remote, &counters), None);
        assert_eq!(policy.budget(WaitFor::Send, remote, &counters), None);
        counters.sent(5);
        assert_eq!(
            policy.budget(WaitFor::Recv, remote, &counters),
            Some(REPLY_SPIN)
        );
        policy.spun(REPLY_SPIN, None);
        assert_eq!(policy.budget(WaitFor::Recv, remote, &counters), None);
        // Far misses in a row (a catch in between starts over; a near miss
        // does not count) stop the next BACKOFF waits after a send.
        let far = Some(FAR * 2);
        let near = Some(FAR / 2);
        for _ in 1..MISSES {
            policy.spun(REPLY_SPIN, far);
        }
        policy.spun(REPLY_SPIN, None);
        for _ in 1..MISSES {
            policy.spun(REPLY_SPIN, far);
            policy.spun(REPLY_SPIN, near);
        }
        counters.sent(5);
        assert_eq!(
            policy.budget(WaitFor::Recv, remote, &counters),
            Some(REPLY_SPIN)
        );
        policy.spun(REPLY_SPIN, far);
        for _ in 0..BACKOFF {
            counters.sent(5);
            assert_eq!(policy.budget(WaitFor::Recv, remote, &counters), None);
        }
        counters.sent(5);
        assert_eq!(
            policy.budget(WaitFor::Recv, remote, &counters),
            Some(REPLY_SPIN)
        );
    }
}
