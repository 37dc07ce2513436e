//! The deadlines of async sends and receives.
//!
//! A blocking call sleeps on its socket's condvar with a deadline; a future
//! has no thread to sleep, so something must wake it when its socket's
//! timeout passes. That is this module: one process-wide thread, started
//! the first time a future waits with a finite timeout, sleeping until the
//! earliest deadline and then waking that deadline's waker. With no timeout
//! set (the default) nothing here is touched, and the thread is never
//! started.
//!
//! A wait does not come here itself: its socket's [`Signal`] keeps one
//! *alarm* for all its waits (see [`Signal::register_waker_until`]), whose
//! waker wakes every task registered with the signal. A wait whose deadline
//! is not sooner than the alarm's adds nothing, so with a socket timeout
//! (the same for every call) the timer is touched about once per timeout
//! period, not once per wait, and an alarm is never removed: it rings at its
//! deadline, and if its socket is gone or a newer alarm replaced it, it
//! does nothing.
//!
//! [`Signal`]: crate::signal::Signal
//! [`Signal::register_waker_until`]: crate::signal::Signal::register_waker_until

use parking_lot::{Condvar, Mutex};
use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use std::sync::OnceLock;
use std::task::Waker;
use std::time::Instant;

/// What the timer thread is doing, so that a new deadline wakes it only
/// when it would otherwise sleep past it.
#[derive(Default, Clone, Copy)]
enum Sleep {
    /// Working (or not started): it looks at the heap before sleeping.
    #[default]
    Awake,
    Until(Instant),
    Forever,
}

/// A waker to wake at a deadline; ordered by the deadline, then by when
/// it was added.
struct Entry {
    deadline: Instant,
    seq: u64,
    waker: Waker,
}

impl Entry {
    fn key(&self) -> (Instant, u64) {
        (self.deadline, self.seq)
    }
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl Eq for Entry {}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Entry {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key().cmp(&other.key())
    }
}

#[derive(Default)]
struct Deadlines {
    heap: BinaryHeap<Reverse<Entry>>,
    next_seq: u64,
    sleep: Sleep,
    /// Whether the thread runs (or could not be started: then a future still
    /// sees its deadline pass whenever it is polled, but nothing wakes it).
    started: bool,
}

impl Deadlines {
    /// Takes the wakers due at `now`.
    fn take_due(&mut self, now: Instant) -> Vec<Waker> {
        let mut due = Vec::new();
        while self.heap.peek().is_some_and(|e| e.0.deadline <= now) {
            due.extend(self.heap.pop().map(|e| e.0.waker));
        }
        due
    }
}

#[derive(Default)]
struct Timer {
    deadlines: Mutex<Deadlines>,
    earlier: Condvar,
}

fn timer() -> &'static Timer {
    static TIMER: OnceLock<Timer> = OnceLock::new();
    TIMER.get_or_init(Timer::default)
}

/// Wakes `waker` at `deadline` (or soon after), once.
pub(crate) fn wake_at(deadline: Instant, waker: Waker) {
    let timer = timer();
    let mut deadlines = timer.deadlines.lock();
    if !deadlines.started {
        deadlines.started = true;
        start_thread();
    }
    deadlines.next_seq += 1;
    let seq = deadlines.next_seq;
    deadlines.heap.push(Reverse(Entry {
        deadline,
        seq,
        waker,
    }));
    // Most deadlines are later than the one the thread sleeps until (a
    // socket's timeout is the same for every call): no wake-up then.
    let sooner = match deadlines.sleep {
        Sleep::Awake => false,
        Sleep::Until(wake) => deadline < wake,
        Sleep::Forever => true,
    };
    if sooner {
        deadlines.sleep = Sleep::Awake;
        timer.earlier.notify_one();
    }
}

fn start_thread() {
    let spawned = std::thread::Builder::new()
        .name("libzmq-timer".into())
        .spawn(run);
    if let Err(err) = spawned {
        log::error!(
            "cannot start the timer thread of async calls ({err}): their \
             timeouts are only noticed when something else wakes them"
        );
    }
}

/// The timer thread: wakes the due entries, sleeps until the next one.
fn run() {
    let timer = timer();
    let mut deadlines = timer.deadlines.lock();
    loop {
        let due = deadlines.take_due(Instant::now());
        if !due.is_empty() {
            // A waker may run code that schedules again.
            drop(deadlines);
            due.into_iter().for_each(Waker::wake);
            deadlines = timer.deadlines.lock();
            continue;
        }
        match deadlines.heap.peek().map(|e| e.0.deadline) {
            Some(next) => {
                deadlines.sleep = Sleep::Until(next);
                timer.earlier.wait_until(&mut deadlines, next);
            }
            None => {
                deadlines.sleep = Sleep::Forever;
                timer.earlier.wait(&mut deadlines);
            }
        }
        deadlines.sleep = Sleep::Awake;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::sync::Arc;
    use std::task::Wake;
    use std::time::Duration;

    /// Counts every wake-up of the test wakers, in the order they happen.
    static WAKE_UPS: std::sync::atomic::AtomicUsize =
        std::sync::atomic::AtomicUsize::new(0);

    struct Send(Mutex<mpsc::Sender<(Instant, usize)>>);
    impl Wake for Send {
        fn wake(self: Arc<Self>) {
            let seq =
                WAKE_UPS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let _ = self.0.lock().send((Instant::now(), seq));
        }
    }

    fn channel_waker() -> (Waker, mpsc::Receiver<(Instant, usize)>) {
        let (tx, rx) = mpsc::channel();
        (Waker::from(Arc::new(Send(Mutex::new(tx)))), rx)
    }

    #[test]
    fn wakes_at_the_deadline_in_order_and_once() {
        let start = Instant::now();
        let (late_waker, late) = channel_waker();
        let (early_waker, early) = channel_waker();
        wake_at(start + Duration::from_millis(60), late_waker);
        wake_at(start + Duration::from_millis(20), early_waker);
        let limit = Duration::from_secs(10);
        let (early_at, early_seq) = early.recv_timeout(limit).unwrap();
        let (late_at, late_seq) = late.recv_timeout(limit).unwrap();
        assert!(early_at >= start + Duration::from_millis(20));
        assert!(late_at >= start + Duration::from_millis(60));
        // The order of the wake-ups (not of two clock readings, which a
        // virtual machine's clock may not keep across CPUs).
        assert!(early_seq < late_seq, "{early_seq} < {late_seq}");
        assert!(late.recv_timeout(Duration::from_millis(50)).is_err());
    }

    #[test]
    fn due_entries_are_taken_in_deadline_order() {
        let mut deadlines = Deadlines::default();
        let start = Instant::now();
        let mut rxs = Vec::new();
        for ms in [30, 10, 20, 10] {
            let (waker, rx) = channel_waker();
            deadlines.next_seq += 1;
            deadlines.heap.push(Reverse(Entry {
                deadline: start + Duration::from_millis(ms),
                seq: deadlines.next_seq,
                waker,
            }));
            rxs.push(rx);
        }
        assert!(deadlines.take_due(start).is_empty());
        let due = deadlines.take_due(start + Duration::from_millis(20));
        assert_eq!(due.len(), 3);
        due.into_iter().for_each(Waker::wake);
        for (rx, woken) in rxs.iter().zip([false, true, true, true]) {
            assert_eq!(rx.try_recv().is_ok(), woken);
        }
        assert_eq!(deadlines.heap.len(), 1);
    }
}
