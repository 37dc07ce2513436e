//! How a caller waits for a socket to become ready.
//!
//! A [`Signal`] is a generation counter plus a condition variable. Anything that
//! may make a blocked operation succeed (a pipe becoming readable or writable, a
//! peer attaching or going away, the ctx shutting down) calls [`Signal::notify`].
//! A waiter reads the generation, retries its operation, and only sleeps if the
//! generation has not moved since — so no wake-up is ever lost, and a notify with
//! nobody waiting costs one atomic increment (no lock, no syscall).
//!
//! Async tasks wait the same way with a [`Waker`] instead of a thread: a
//! future retries, registers its waker ([`Signal::register_waker`]), which
//! returns the generation of that moment, and is pending only if it has not
//! moved. Whether tasks are registered is the lowest bit of the generation
//! word itself: a notify learns it from its own increment (no extra access),
//! and as registering sets it with a read-modify-write of the same word, of
//! a notify and a registration one always sees the other (the two RMWs are
//! ordered), so no wake-up is lost with acquire/release alone. A notify that
//! sees the bit takes every registered waker and wakes them outside the
//! lock.
//!
//! A task that gives up at a deadline (its socket has a finite timeout)
//! registers with [`Signal::register_waker_until`]: the signal keeps one
//! *alarm* in the [timer](crate::timer) for all its tasks, which wakes every
//! registered task when it rings. A task whose deadline is not sooner than
//! the alarm's relies on it (the alarm is read and set under the waker
//! list's lock, which the ringing alarm takes too, so a task registered
//! before it rings is woken, and one registered after sees that there is no
//! alarm and sets one); a woken task whose deadline has not passed
//! registers again. With the same timeout for every call, the timer is
//! touched once per timeout period instead of twice per wait.

use crate::sync::AtomicU64;
use crate::waker_list::{WakerList, WakerSlot};
use parking_lot::{Condvar, Mutex};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Weak};
use std::task::{Wake, Waker};
use std::time::{Duration, Instant};

/// Something that wants to hear when a [`Signal`] fires (e.g. a poller).
pub(crate) trait Listener: Send + Sync {
    /// Called after the signal's generation moved, under the signal's
    /// listener lock: it must not block nor touch the signal.
    fn signalled(&self);
}

/// The flag bit of the generation word: tasks are registered.
const HAS_WAKERS: u64 = 1;
/// What a notify adds to the generation word (the counter is above the flag).
const GENERATION_STEP: u64 = 2;

/// The readiness signal of one socket.
#[derive(Default)]
pub(crate) struct Signal {
    /// The generation counter times 2, plus [`HAS_WAKERS`].
    generation: AtomicU64,
    waiters: AtomicUsize,
    lock: Mutex<()>,
    cond: Condvar,
    listeners: Mutex<Vec<(u64, Arc<dyn Listener>)>>,
    has_listeners: std::sync::atomic::AtomicBool,
    wakers: crate::sync::Mutex<WakerList>,
    /// The round of `wakers`, readable without its lock.
    waker_round: AtomicU64,
}

impl std::fmt::Debug for Signal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signal")
            .field("generation", &self.generation())
            .finish()
    }
}

impl Signal {
    pub(crate) fn new() -> Arc<Signal> {
        Arc::new(Signal::default())
    }

    /// The current generation; pass it to [`Signal::wait`].
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(SeqCst) >> 1
    }

    /// Whether tasks are registered (the flag bit of the generation word).
    #[cfg(test)]
    fn has_wakers(&self) -> bool {
        self.generation.load(SeqCst) & HAS_WAKERS != 0
    }

    /// Wakes every waiter (and listener) whose generation is older.
    pub(crate) fn notify(&self) {
        let before = self.generation.fetch_add(GENERATION_STEP, SeqCst);
        if self.waiters.load(SeqCst) > 0 {
            let _guard = self.lock.lock();
            self.cond.notify_all();
        }
        if self.has_listeners.load(SeqCst) {
            // Listeners only flip an atomic and maybe write an eventfd, so
            // they are called under the lock (no allocation per notify).
            for (_, listener) in self.listeners.lock().iter() {
                listener.signalled();
            }
        }
        if before & HAS_WAKERS != 0 {
            self.wake_tasks();
        }
    }

    /// Takes every registered waker and wakes them, outside the lock (a
    /// waker may run code that registers again).
    #[cold]
    fn wake_tasks(&self) {
        let taken = {
            let mut list = self.wakers.lock();
            self.generation.fetch_and(!HAS_WAKERS, SeqCst);
            list.take_all(&self.waker_round)
        };
        taken.wake();
    }

    /// Registers a task's waker until the next notify (or
    /// [`Signal::forget_waker`]) and returns the generation at that moment:
    /// the caller compares it with the one it read before its attempt, and
    /// retries if it moved. Registering again before a notify updates the
    /// same entry.
    #[must_use = "the generation tells whether to retry"]
    pub(crate) fn register_waker(
        &self,
        waker: &Waker,
        slot: &mut Option<WakerSlot>,
    ) -> u64 {
        let mut list = self.wakers.lock();
        list.register(waker, slot);
        self.generation.fetch_or(HAS_WAKERS, SeqCst) >> 1
    }

    /// [`Signal::register_waker`] for a task that gives up at `deadline`:
    /// also makes sure the signal's tasks are woken by then, with a new
    /// alarm only when none is set or the one set rings later (see the
    /// module doc).
    #[must_use = "the generation tells whether to retry"]
    pub(crate) fn register_waker_until(
        self: &Arc<Self>,
        waker: &Waker,
        slot: &mut Option<WakerSlot>,
        deadline: Instant,
    ) -> u64 {
        let (generation, new_alarm) = {
            let mut list = self.wakers.lock();
            list.register(waker, slot);
            let new_alarm = list.set_alarm(deadline);
            (self.generation.fetch_or(HAS_WAKERS, SeqCst) >> 1, new_alarm)
        };
        if new_alarm {
            let alarm = Alarm {
                signal: Arc::downgrade(self),
                at: deadline,
            };
            crate::timer::wake_at(deadline, Waker::from(Arc::new(alarm)));
        }
        generation
    }

    /// The alarm set for `at` rang: if it is still the signal's alarm,
    /// takes every registered waker and wakes them (each task sees whether
    /// its own deadline passed; the others register again).
    #[cold]
    fn alarm_rang(&self, at: Instant) {
        let taken = {
            let mut list = self.wakers.lock();
            if !list.ring(at) {
                return;
            }
            self.generation.fetch_and(!HAS_WAKERS, SeqCst);
            list.take_all(&self.waker_round)
        };
        taken.wake();
    }

    /// Removes a registration (a future done or dropped). Free when there
    /// is none (inlined) or a notify already took it.
    #[inline]
    pub(crate) fn forget_waker(&self, slot: &mut Option<WakerSlot>) {
        if let Some(taken) = slot.take() {
            self.forget_slot(taken);
        }
    }

    fn forget_slot(&self, taken: WakerSlot) {
        if WakerList::is_stale(taken, &self.waker_round) {
            return;
        }
        let mut list = self.wakers.lock();
        list.remove(taken);
        if list.is_empty() {
            self.generation.fetch_and(!HAS_WAKERS, SeqCst);
        }
    }

    /// Registers the caller as a waiter. While the returned guard lives,
    /// notifications take the slow path that wakes sleepers.
    pub(crate) fn register(&self) -> WaitGuard<'_> {
        self.waiters.fetch_add(1, SeqCst);
        WaitGuard { signal: self }
    }

    /// Adds a listener, identified by `key` for [`Signal::remove_listener`].
    pub(crate) fn add_listener(&self, key: u64, listener: Arc<dyn Listener>) {
        let mut listeners = self.listeners.lock();
        listeners.push((key, listener));
        self.has_listeners.store(true, SeqCst);
    }

    /// Removes the listeners registered under `key`.
    pub(crate) fn remove_listener(&self, key: u64) {
        let mut listeners = self.listeners.lock();
        listeners.retain(|(k, _)| *k != key);
        self.has_listeners.store(!listeners.is_empty(), SeqCst);
    }
}

/// The waker of a signal's alarm, held by the timer until it rings; it
/// does not keep the socket alive.
struct Alarm {
    signal: Weak<Signal>,
    at: Instant,
}

impl Wake for Alarm {
    fn wake(self: Arc<Self>) {
        if let Some(signal) = self.signal.upgrade() {
            signal.alarm_rang(self.at);
        }
    }
}

/// Proof that the caller is registered as a waiter of a [`Signal`].
pub(crate) struct WaitGuard<'a> {
    signal: &'a Signal,
}

impl WaitGuard<'_> {
    /// Sleeps until the generation differs from `seen` or `deadline` passes.
    /// Returns `false` on timeout.
    /// With `spin`, watches the generation for a short while first (see
    /// [`SPIN`]; the caller checks [`may_spin`]).
    pub(crate) fn wait(
        &self,
        seen: u64,
        deadline: Option<Instant>,
        spin: bool,
    ) -> bool {
        let signal = self.signal;
        if spin && spin_until_moved(signal, seen) {
            return true;
        }
        let mut guard = signal.lock.lock();
        while signal.generation() == seen {
            match deadline {
                None => signal.cond.wait(&mut guard),
                Some(deadline) => {
                    if signal.cond.wait_until(&mut guard, deadline).timed_out()
                    {
                        return signal.generation() != seen;
                    }
                }
            }
        }
        true
    }
}

/// How long a waiter watches the generation before it sleeps. A thread put
/// to sleep takes tens of microseconds to wake on an idle CPU (a futex wake,
/// the CPU leaving its idle state); a peer answering at once (a round trip,
/// a stream that momentarily ran dry) usually does so within a few.
pub(crate) const SPIN: Duration = Duration::from_micros(20);

/// Watches the generation for up to [`SPIN`] while it equals `seen`;
/// `true` if it moved.
fn spin_until_moved(signal: &Signal, seen: u64) -> bool {
    let start = Instant::now();
    loop {
        for _ in 0..64 {
            if signal.generation() != seen {
                return true;
            }
            std::hint::spin_loop();
        }
        if start.elapsed() >= SPIN {
            return false;
        }
    }
}

/// Whether a waiting thread may spin at all: only when it may run on more
/// than one CPU (on one, the notifier would need this very CPU). Its
/// affinity mask, read again when the last reading is older than 10 ms (a
/// mask can change at any time; until the next reading a thread at worst
/// spins in vain, or sleeps at once).
pub(crate) fn may_spin() -> bool {
    use std::cell::Cell;
    const FRESH: Duration = Duration::from_millis(10);
    thread_local! {
        static READ: Cell<Option<(Instant, bool)>> = const { Cell::new(None) };
    }
    let now = Instant::now();
    READ.with(|read| match read.get() {
        Some((at, several)) if now.duration_since(at) < FRESH => several,
        _ => {
            let several = affinity_has_several_cpus();
            read.set(Some((now, several)));
            several
        }
    })
}

/// Whether the calling thread's affinity mask holds more than one CPU.
fn affinity_has_several_cpus() -> bool {
    // SAFETY: a zeroed cpu_set_t is a valid empty set.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    // SAFETY: sched_getaffinity writes at most `size_of::<cpu_set_t>()`
    // bytes into `set`, which is that large.
    let got = unsafe {
        libc::sched_getaffinity(
            0,
            std::mem::size_of::<libc::cpu_set_t>(),
            &mut set,
        )
    };
    // SAFETY: `set` is an initialised cpu_set_t.
    got == 0 && unsafe { libc::CPU_COUNT(&set) } > 1
}

impl Drop for WaitGuard<'_> {
    fn drop(&mut self) {
        self.signal.waiters.fetch_sub(1, SeqCst);
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn wait_returns_when_notified_from_another_thread() {
        for spin in [false, true] {
            let signal = Signal::new();
            let guard = signal.register();
            let seen = signal.generation();
            let other = signal.clone();
            let handle = std::thread::spawn(move || other.notify());
            assert!(guard.wait(
                seen,
                Some(Instant::now() + Duration::from_secs(10)),
                spin
            ));
            handle.join().unwrap();
        }
    }

    #[test]
    fn wait_times_out_without_notification() {
        for spin in [false, true] {
            let signal = Signal::new();
            let guard = signal.register();
            let seen = signal.generation();
            let start = Instant::now();
            assert!(!guard.wait(
                seen,
                Some(start + Duration::from_millis(20)),
                spin
            ));
            assert!(start.elapsed() >= Duration::from_millis(20));
        }
    }

    #[test]
    fn a_spin_sees_a_moved_generation_and_gives_up_when_not() {
        let signal = Signal::new();
        let seen = signal.generation();
        signal.notify();
        assert!(spin_until_moved(&signal, seen));
        let seen = signal.generation();
        let start = Instant::now();
        assert!(!spin_until_moved(&signal, seen));
        // Bounded: a spin that never ended would hang here.
        assert!(start.elapsed() < Duration::from_secs(5));
    }

    use std::sync::atomic::AtomicBool;

    struct Flag(AtomicBool);
    impl std::task::Wake for Flag {
        fn wake(self: Arc<Self>) {
            self.0.store(true, SeqCst);
        }
    }

    #[test]
    fn notify_wakes_registered_task_once() {
        let signal = Signal::new();
        let flag = Arc::new(Flag(AtomicBool::new(false)));
        let waker = Waker::from(flag.clone());
        let mut slot = None;
        let _ = signal.register_waker(&waker, &mut slot);
        signal.notify();
        assert!(flag.0.swap(false, SeqCst));
        // Taken by the notify: the next one wakes nobody.
        signal.notify();
        assert!(!flag.0.load(SeqCst));
        assert!(!signal.has_wakers());
        signal.forget_waker(&mut slot);
        assert!(slot.is_none());
    }

    #[test]
    fn forgotten_waker_is_not_woken() {
        let signal = Signal::new();
        let flag = Arc::new(Flag(AtomicBool::new(false)));
        let mut slot = None;
        let _ = signal.register_waker(&Waker::from(flag.clone()), &mut slot);
        signal.forget_waker(&mut slot);
        assert!(!signal.has_wakers());
        signal.notify();
        assert!(!flag.0.load(SeqCst));
    }

    /// Sends its index on a channel when woken.
    struct Sends(parking_lot::Mutex<std::sync::mpsc::Sender<usize>>, usize);
    impl std::task::Wake for Sends {
        fn wake(self: Arc<Self>) {
            let _ = self.0.lock().send(self.1);
        }
    }

    fn sending_wakers(
        n: usize,
    ) -> (Vec<Waker>, std::sync::mpsc::Receiver<usize>) {
        let (tx, rx) = std::sync::mpsc::channel();
        let wakers = (0..n)
            .map(|i| {
                Waker::from(Arc::new(Sends(
                    parking_lot::Mutex::new(tx.clone()),
                    i,
                )))
            })
            .collect();
        (wakers, rx)
    }

    #[test]
    fn alarm_wakes_the_tasks_registered_before_it_rings() {
        let signal = Signal::new();
        let (wakers, woken) = sending_wakers(3);
        let mut slots = [None, None, None];
        let soon = Instant::now() + Duration::from_millis(30);
        let later = soon + Duration::from_secs(3600);
        let _ = signal.register_waker_until(&wakers[0], &mut slots[0], soon);
        // A later deadline relies on the same alarm; a task without a
        // deadline is woken too.
        let _ = signal.register_waker_until(&wakers[1], &mut slots[1], later);
        let _ = signal.register_waker(&wakers[2], &mut slots[2]);
        let mut got: Vec<usize> = (0..3)
            .map(|_| woken.recv_timeout(Duration::from_secs(10)).expect("rung"))
            .collect();
        got.sort();
        assert_eq!(got, [0, 1, 2]);
        assert!(Instant::now() >= soon);
        assert!(!signal.has_wakers());
        // Rung: the next deadline sets a new alarm.
        assert!(signal.wakers.lock().set_alarm(later));
    }

    #[test]
    fn alarm_of_a_dropped_signal_rings_for_nothing() {
        let (wakers, woken) = sending_wakers(2);
        let soon = Instant::now() + Duration::from_millis(5);
        let signal = Signal::new();
        let mut slot = None;
        let _ = signal.register_waker_until(&wakers[0], &mut slot, soon);
        // The alarm holds the signal weakly: dropping it drops its tasks.
        drop(signal);
        // A later alarm (of another signal) rings after the first one.
        let other = Signal::new();
        let mut other_slot = None;
        let _ = other.register_waker_until(
            &wakers[1],
            &mut other_slot,
            soon + Duration::from_millis(1),
        );
        assert_eq!(woken.recv_timeout(Duration::from_secs(10)), Ok(1));
        assert!(woken.try_recv().is_err());
    }

    #[test]
    fn notification_before_wait_is_not_lost() {
        let signal = Signal::new();
        let guard = signal.register();
        let seen = signal.generation();
        signal.notify();
        // Would block forever if the notification were lost.
        assert!(guard.wait(seen, None, false));
    }
}

/// loom's model of the waker path: a task registering while another thread
/// makes it ready and notifies. A lost wake-up leaves the task waiting
/// forever, which loom reports as a deadlock.
#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use loom::sync::atomic::AtomicBool as Ready;
    use loom::sync::Notify;

    struct Task(Notify);

    impl std::task::Wake for Task {
        fn wake(self: Arc<Self>) {
            self.0.notify();
        }
    }

    /// What a future does: attempt, register, re-check, then wait for its
    /// waker; returns once `ready` was seen.
    fn wait_for(signal: &Signal, ready: &Ready) {
        let task = Arc::new(Task(Notify::new()));
        let waker = Waker::from(task.clone());
        let mut slot = None;
        loop {
            let seen = signal.generation();
            if ready.load(SeqCst) {
                break;
            }
            if signal.register_waker(&waker, &mut slot) == seen {
                task.0.wait();
            }
        }
        signal.forget_waker(&mut slot);
    }

    #[test]
    fn loom_no_lost_wake_up_between_attempt_and_registration() {
        loom::model(|| {
            let signal = Arc::new(Signal::default());
            let ready = Arc::new(Ready::new(false));
            let notifier = {
                let (signal, ready) = (signal.clone(), ready.clone());
                loom::thread::spawn(move || {
                    ready.store(true, SeqCst);
                    signal.notify();
                })
            };
            wait_for(&signal, &ready);
            notifier.join().unwrap();
        });
    }

    #[test]
    fn loom_two_tasks_and_a_notify_all_finish() {
        // Three threads: bounded preemptions keep the search to seconds.
        let mut model = loom::model::Builder::new();
        model.preemption_bound = Some(2);
        model.check(|| {
            let signal = Arc::new(Signal::default());
            let ready = Arc::new(Ready::new(false));
            let other = {
                let (signal, ready) = (signal.clone(), ready.clone());
                loom::thread::spawn(move || wait_for(&signal, &ready))
            };
            let notifier = {
                let (signal, ready) = (signal.clone(), ready.clone());
                loom::thread::spawn(move || {
                    ready.store(true, SeqCst);
                    signal.notify();
                })
            };
            wait_for(&signal, &ready);
            other.join().unwrap();
            notifier.join().unwrap();
            // Every registration was taken or forgotten.
            assert!(signal.wakers.lock().is_empty());
            assert!(!signal.has_wakers());
        });
    }
}
