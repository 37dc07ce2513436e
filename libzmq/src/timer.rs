//! The deadlines of async sends and receives.
//!
//! A blocking call sleeps on its socket's condvar with a deadline; a future
//! has no thread to sleep, so something must wake it when its socket's
//! timeout passes. That is this module: one process-wide thread, started
//! the first time a future waits with a finite timeout, sleeping until the
//! earliest deadline. A future that completes before its deadline removes
//! its entry. With no timeout set (the default) nothing here is touched,
//! and the thread is never started.
//!
//! The entries live in a slab (a future's [`TimerEntry`] is its index and a
//! stamp), ordered by a binary heap of `(deadline, index, stamp)`. Removing
//! an entry only empties its slot; its heap item goes stale and is skipped
//! when it comes up, and the heap is rebuilt from the live entries when the
//! stale ones outnumber them. Both keep their capacity, so a wait that ends
//! before its deadline allocates nothing.

use parking_lot::{Condvar, Mutex};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::OnceLock;
use std::task::Waker;
use std::time::Instant;

/// A future's entry in the timer: where it is, and the deadline and waker
/// it holds (kept so that a poll with the same ones needs no lock).
#[derive(Debug)]
pub(crate) struct TimerEntry {
    index: usize,
    stamp: u64,
    deadline: Instant,
    waker: Waker,
}

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

/// One slot of the slab: the stamp of its current (or last) entry.
#[derive(Default)]
struct Slot {
    stamp: u64,
    waker: Option<Waker>,
}

#[derive(Default)]
struct Deadlines {
    slots: Vec<Slot>,
    free: Vec<usize>,
    live: usize,
    heap: BinaryHeap<Reverse<(Instant, usize, u64)>>,
    next_stamp: u64,
    sleep: Sleep,
    /// Whether the thread runs (or could not be started: then a future still
    /// sees its deadline pass whenever it is polled, but nothing wakes it).
    started: bool,
}

impl Deadlines {
    fn insert(&mut self, deadline: Instant, waker: &Waker) -> TimerEntry {
        self.next_stamp += 1;
        let stamp = self.next_stamp;
        let index = self.free.pop().unwrap_or_else(|| {
            self.slots.push(Slot::default());
            self.slots.len() - 1
        });
        self.slots[index] = Slot {
            stamp,
            waker: Some(waker.clone()),
        };
        self.live += 1;
        self.heap.push(Reverse((deadline, index, stamp)));
        if self.heap.len() > 2 * self.live + 64 {
            self.compact();
        }
        TimerEntry {
            index,
            stamp,
            deadline,
            waker: waker.clone(),
        }
    }

    /// Takes the waker of the entry `(index, stamp)` if it is still there.
    fn take(&mut self, index: usize, stamp: u64) -> Option<Waker> {
        let slot = self.slots.get_mut(index)?;
        if slot.stamp != stamp {
            return None;
        }
        let waker = slot.waker.take()?;
        self.free.push(index);
        self.live -= 1;
        Some(waker)
    }

    /// Rebuilds the heap from the live entries only.
    fn compact(&mut self) {
        let slots = &self.slots;
        self.heap.retain(|Reverse((_, index, stamp))| {
            let slot = &slots[*index];
            slot.stamp == *stamp && slot.waker.is_some()
        });
    }

    /// The earliest live deadline, dropping the stale heap items before it.
    fn next_deadline(&mut self) -> Option<Instant> {
        while let Some(&Reverse((deadline, index, stamp))) = self.heap.peek() {
            let slot = &self.slots[index];
            if slot.stamp == stamp && slot.waker.is_some() {
                return Some(deadline);
            }
            self.heap.pop();
        }
        None
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

/// Makes sure `waker` is woken at `deadline`: adds `entry`, or replaces it
/// when the deadline or the task's waker changed.
pub(crate) fn wake_at(
    deadline: Instant,
    waker: &Waker,
    entry: &mut Option<TimerEntry>,
) {
    if let Some(old) = entry {
        if old.deadline == deadline && old.waker.will_wake(waker) {
            return;
        }
    }
    let timer = timer();
    let mut deadlines = timer.deadlines.lock();
    if let Some(old) = entry.take() {
        deadlines.take(old.index, old.stamp);
    }
    if !deadlines.started {
        deadlines.started = true;
        start_thread();
    }
    *entry = Some(deadlines.insert(deadline, waker));
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

/// Removes `entry` (its future completed or was dropped). Inlined: most
/// operations never had an entry.
#[inline]
pub(crate) fn cancel(entry: &mut Option<TimerEntry>) {
    if let Some(old) = entry.take() {
        remove(old);
    }
}

fn remove(entry: TimerEntry) {
    // The waker is dropped after the lock is released.
    let waker = timer().deadlines.lock().take(entry.index, entry.stamp);
    drop(waker);
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
        let now = Instant::now();
        let mut due = Vec::new();
        while let Some(Reverse((deadline, index, stamp))) =
            deadlines.heap.peek().copied()
        {
            if deadline > now {
                break;
            }
            deadlines.heap.pop();
            due.extend(deadlines.take(index, stamp));
        }
        if !due.is_empty() {
            // A waker may run code that schedules again.
            drop(deadlines);
            due.into_iter().for_each(Waker::wake);
            deadlines = timer.deadlines.lock();
            continue;
        }
        // Entries removed later do not change the sleep: at worst the
        // thread wakes once at a deadline that is gone.
        match deadlines.next_deadline() {
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
    fn wakes_at_the_deadline_in_order() {
        let start = Instant::now();
        let (late_waker, late) = channel_waker();
        let (early_waker, early) = channel_waker();
        let (mut a, mut b) = (None, None);
        wake_at(start + Duration::from_millis(60), &late_waker, &mut a);
        wake_at(start + Duration::from_millis(20), &early_waker, &mut b);
        let limit = Duration::from_secs(10);
        let (early_at, early_seq) = early.recv_timeout(limit).unwrap();
        let (late_at, late_seq) = late.recv_timeout(limit).unwrap();
        assert!(early_at >= start + Duration::from_millis(20));
        assert!(late_at >= start + Duration::from_millis(60));
        // The order of the wake-ups (not of two clock readings, which a
        // virtual machine's clock may not keep across CPUs).
        assert!(early_seq < late_seq, "{early_seq} < {late_seq}");
        // Fired entries are gone; cancelling them is harmless.
        cancel(&mut a);
        cancel(&mut b);
    }

    #[test]
    fn cancelled_entry_is_not_woken() {
        let (waker, woken) = channel_waker();
        let mut entry = None;
        wake_at(
            Instant::now() + Duration::from_millis(10),
            &waker,
            &mut entry,
        );
        cancel(&mut entry);
        assert!(entry.is_none());
        assert!(woken.recv_timeout(Duration::from_millis(100)).is_err());
    }

    #[test]
    fn same_waker_and_deadline_keeps_one_entry() {
        let (waker, woken) = channel_waker();
        let deadline = Instant::now() + Duration::from_millis(10);
        let mut entry = None;
        wake_at(deadline, &waker, &mut entry);
        let stamp = entry.as_ref().unwrap().stamp;
        wake_at(deadline, &waker, &mut entry);
        assert_eq!(entry.as_ref().unwrap().stamp, stamp);
        woken.recv_timeout(Duration::from_secs(10)).unwrap();
        assert!(woken.recv_timeout(Duration::from_millis(50)).is_err());
    }

    #[test]
    fn removed_entries_leave_no_garbage_behind() {
        let (waker, _woken) = channel_waker();
        let mut deadlines = Deadlines::default();
        let far = Instant::now() + Duration::from_secs(3600);
        for _ in 0..10_000 {
            let entry = deadlines.insert(far, &waker);
            assert!(deadlines.take(entry.index, entry.stamp).is_some());
            // Taken once only.
            assert!(deadlines.take(entry.index, entry.stamp).is_none());
        }
        assert_eq!(deadlines.live, 0);
        assert_eq!(deadlines.slots.len(), 1, "the slot is reused");
        assert!(deadlines.heap.len() <= 64 + 1, "stale items are compacted");
        assert_eq!(deadlines.next_deadline(), None);
    }
}
