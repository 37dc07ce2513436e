//! The deadlines of async sends and receives.
//!
//! A blocking call sleeps on its socket's condvar with a deadline; a future
//! has no thread to sleep, so something must wake it when its socket's
//! timeout passes. That is this module: one process-wide thread, started
//! the first time a future waits with a finite timeout, sleeping until the
//! earliest deadline of an ordered map of `(deadline, id) → Waker`. A future
//! that completes before its deadline removes its entry. With no timeout set
//! (the default) nothing here is touched, and the thread is never started.

use parking_lot::{Condvar, Mutex};
use std::collections::BTreeMap;
use std::sync::OnceLock;
use std::task::Waker;
use std::time::Instant;

/// A future's entry in the timer: its key and the waker it holds (kept so
/// a poll with the same waker needs no lock).
#[derive(Debug)]
pub(crate) struct TimerEntry {
    key: (Instant, u64),
    waker: Waker,
}

/// What the timer thread is doing, so that a new deadline wakes it only
/// when it would otherwise sleep past it.
#[derive(Default, Clone, Copy)]
enum Sleep {
    /// Working (or not started): it looks at the map before sleeping.
    #[default]
    Awake,
    Until(Instant),
    Forever,
}

#[derive(Default)]
struct Deadlines {
    wakers: BTreeMap<(Instant, u64), Waker>,
    next_id: u64,
    sleep: Sleep,
    /// Whether the thread runs (or could not be started: then a future still
    /// sees its deadline pass whenever it is polled, but nothing wakes it).
    started: bool,
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

/// Makes sure `waker` is woken at `deadline`: adds `entry`, or updates it
/// when the task's waker changed.
pub(crate) fn wake_at(
    deadline: Instant,
    waker: &Waker,
    entry: &mut Option<TimerEntry>,
) {
    if let Some(old) = entry {
        if old.key.0 == deadline && old.waker.will_wake(waker) {
            return;
        }
    }
    let timer = timer();
    let mut deadlines = timer.deadlines.lock();
    if let Some(old) = entry.take() {
        deadlines.wakers.remove(&old.key);
    }
    if !deadlines.started {
        deadlines.started = true;
        start_thread();
    }
    deadlines.next_id += 1;
    let key = (deadline, deadlines.next_id);
    deadlines.wakers.insert(key, waker.clone());
    *entry = Some(TimerEntry {
        key,
        waker: waker.clone(),
    });
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
    timer().deadlines.lock().wakers.remove(&entry.key);
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
        while let Some(entry) = deadlines.wakers.first_entry() {
            if entry.key().0 > now {
                break;
            }
            due.push(entry.remove());
        }
        if !due.is_empty() {
            // A waker may run code that schedules again.
            drop(deadlines);
            due.into_iter().for_each(Waker::wake);
            deadlines = timer.deadlines.lock();
            continue;
        }
        // Entries removed since do not change the sleep: at worst the
        // thread wakes once at a deadline that is gone.
        match deadlines.wakers.first_key_value() {
            Some((&(next, _), _)) => {
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

    struct Send(Mutex<mpsc::Sender<Instant>>);
    impl Wake for Send {
        fn wake(self: Arc<Self>) {
            let _ = self.0.lock().send(Instant::now());
        }
    }

    fn channel_waker() -> (Waker, mpsc::Receiver<Instant>) {
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
        let early_at = early.recv_timeout(limit).unwrap();
        let late_at = late.recv_timeout(limit).unwrap();
        assert!(early_at >= start + Duration::from_millis(20));
        assert!(late_at >= start + Duration::from_millis(60));
        assert!(early_at <= late_at);
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
        let key = entry.as_ref().unwrap().key;
        wake_at(deadline, &waker, &mut entry);
        assert_eq!(entry.as_ref().unwrap().key, key);
        woken.recv_timeout(Duration::from_secs(10)).unwrap();
        assert!(woken.recv_timeout(Duration::from_millis(50)).is_err());
    }
}
