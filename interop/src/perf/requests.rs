//! Many-client request/reply measurements, the same for the three
//! implementations: one Server and `n` Clients, each Client doing strict
//! request → reply loops.
//!
//! * **Setup.** The Server is bound (TCP: an ephemeral port) with its own
//!   context and I/O thread (OMQ.rs: its own 2-worker runtime, shared with
//!   the Clients); the Clients are connected from one other context (inproc:
//!   the same one); then one untimed request per Client, so every
//!   connection is up before anything is timed. Sockets persist across
//!   rounds.
//! * **A round.** `count` requests in all, split evenly over the Clients,
//!   the remainder to the first ones ([`share`]). The Server answers each
//!   request with the same bytes, routed back to its sender, on a thread of
//!   its own (OMQ.rs: a task); each Client sends a fresh zero-filled
//!   message of `size` bytes and waits for its reply (checked: `size`
//!   bytes) before the next, on a thread of its own (OMQ.rs: a task each).
//! * **Timing.** From the start signal (ours and C: once every Client
//!   thread is waiting at the [`Gate`]; OMQ.rs: when the Client tasks are
//!   spawned) until the last Client got its last reply; the figure is
//!   requests per second, `count / elapsed`.
//!
//! Every blocking call has a timeout (ours and C: [`TIMEOUT_MS`] per call;
//! OMQ.rs: one for the whole round), so a round fails instead of hanging.

use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use super::{check_count, PerfError, TIMEOUT_MS};

/// The Clients of the "Requests" case of the compare tool.
pub const CLIENTS: usize = 8;

const TIMEOUT: Duration = Duration::from_millis(TIMEOUT_MS as u64);

/// Checks that a setup has at least one Client.
pub fn check_clients(clients: usize) -> Result<(), PerfError> {
    if clients == 0 {
        Err(PerfError::new("a requests case needs a client"))
    } else {
        Ok(())
    }
}

/// The requests Client `i` of `clients` sends out of `count`: an even
/// split, the remainder to the first Clients.
pub fn share(i: usize, clients: usize, count: u64) -> u64 {
    let n = clients as u64;
    count / n + u64::from((i as u64) < count % n)
}

/// The start signal of a round's Client threads: each one says it is ready
/// and waits; the round's thread opens the gate once all are ready and
/// takes that as the start. Both waits have [`TIMEOUT_MS`].
#[derive(Debug, Default)]
pub struct Gate {
    /// Threads ready, and whether the gate is open.
    state: Mutex<(usize, bool)>,
    changed: Condvar,
}

impl Gate {
    /// A closed gate, nobody ready.
    pub fn new() -> Self {
        Self::default()
    }

    /// Says this thread is ready, then waits until the gate opens.
    pub fn wait(&self) -> Result<(), PerfError> {
        let mut state = self.state.lock().expect("gate poisoned");
        state.0 += 1;
        self.changed.notify_all();
        let (state, _) = self
            .changed
            .wait_timeout_while(state, TIMEOUT, |s| !s.1)
            .expect("gate poisoned");
        if !state.1 {
            return Err(PerfError::new("client waited too long for the start"));
        }
        Ok(())
    }

    /// Waits until `n` threads are ready, then opens the gate (also when
    /// they were not all ready in time: then an error, once the gate is
    /// open so that nobody waits on it any longer); returns when it opened.
    pub fn open_when_ready(&self, n: usize) -> Result<Instant, PerfError> {
        let state = self.state.lock().expect("gate poisoned");
        let (mut state, _) = self
            .changed
            .wait_timeout_while(state, TIMEOUT, |s| s.0 < n)
            .expect("gate poisoned");
        let start = Instant::now();
        state.1 = true;
        self.changed.notify_all();
        if state.0 < n {
            return Err(PerfError::new("client threads not ready in time"));
        }
        Ok(start)
    }
}

/// The time of `count` requests from `clients` Client threads: `make_echo`
/// makes, on a Server thread, the step that receives one request and sends
/// it back (called `count` times); `make_request(i)` makes, on Client
/// thread `i`, the step that sends one request and receives and checks its
/// reply (called [`share`] times). Timed from the [`Gate`] opening until
/// the last Client thread is done; every thread is joined before the first
/// error (the Client threads', the gate's, then the Server's) is returned.
pub(crate) fn time_requests<E, EF, R, RF>(
    count: u64,
    clients: usize,
    make_echo: E,
    make_request: R,
) -> Result<Duration, PerfError>
where
    E: FnOnce() -> EF + Send,
    EF: FnMut() -> Result<(), PerfError>,
    R: Fn(usize) -> RF + Sync,
    RF: FnMut() -> Result<(), PerfError>,
{
    check_count(count)?;
    check_clients(clients)?;
    let gate = Gate::new();
    std::thread::scope(|s| {
        let server = s.spawn(move || -> Result<(), PerfError> {
            let mut echo = make_echo();
            (0..count).try_for_each(|_| echo())
        });
        let (gate, make_request) = (&gate, &make_request);
        let threads: Vec<_> = (0..clients)
            .map(|i| {
                s.spawn(move || -> Result<Instant, PerfError> {
                    let mut request = make_request(i);
                    gate.wait()?;
                    (0..share(i, clients, count))
                        .try_for_each(|_| request())?;
                    Ok(Instant::now())
                })
            })
            .collect();
        let start = gate.open_when_ready(clients);
        let ends: Result<Vec<Instant>, PerfError> = threads
            .into_iter()
            .map(|t| t.join().expect("client thread panicked"))
            .collect();
        let server = server.join().expect("server thread panicked");
        let (ends, start) = (ends?, start?);
        server?;
        Ok(last_since(start, ends))
    })
}

/// The time from `start` to the latest of `ends` (zero if none is later).
pub fn last_since(
    start: Instant,
    ends: impl IntoIterator<Item = Instant>,
) -> Duration {
    ends.into_iter()
        .map(|end| end.saturating_duration_since(start))
        .max()
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};

    #[test]
    fn shares_split_evenly_with_the_remainder_first() {
        let shares: Vec<u64> = (0..8).map(|i| share(i, 8, 19)).collect();
        assert_eq!(shares, [3, 3, 3, 2, 2, 2, 2, 2]);
        assert_eq!((0..8).map(|i| share(i, 8, 19)).sum::<u64>(), 19);
        assert_eq!(share(0, 8, 1) + share(1, 8, 1), 1);
        assert!(check_clients(0).is_err());
    }

    /// The step counts match `count`, and a failing Client ends the round
    /// with its error, not a hang (the Server's wait times out too).
    #[test]
    fn every_request_is_made_and_errors_come_back() {
        let (echoed, requested) = (AtomicU64::new(0), AtomicU64::new(0));
        let elapsed = time_requests(
            19,
            8,
            || {
                || {
                    echoed.fetch_add(1, Ordering::Relaxed);
                    Ok(())
                }
            },
            |_| {
                || {
                    requested.fetch_add(1, Ordering::Relaxed);
                    Ok(())
                }
            },
        );
        assert!(elapsed.is_ok());
        assert_eq!(echoed.load(Ordering::Relaxed), 19);
        assert_eq!(requested.load(Ordering::Relaxed), 19);
        let failed = time_requests(
            4,
            2,
            || || Ok(()),
            |i| {
                move || match i {
                    0 => Err(PerfError::new("client 0 failed")),
                    _ => Ok(()),
                }
            },
        );
        assert_eq!(failed, Err(PerfError::new("client 0 failed")));
    }
}
