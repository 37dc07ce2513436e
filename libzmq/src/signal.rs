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

use crate::sync::AtomicU64;
use crate::waker_list::{WakerList, WakerSlot};
use parking_lot::{Condvar, Mutex};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::Waker;
use std::time::Instant;

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

/// Proof that the caller is registered as a waiter of a [`Signal`].
pub(crate) struct WaitGuard<'a> {
    signal: &'a Signal,
}

impl WaitGuard<'_> {
    /// Sleeps until the generation differs from `seen` or `deadline` passes.
    /// Returns `false` on timeout.
    pub(crate) fn wait(&self, seen: u64, deadline: Option<Instant>) -> bool {
        let signal = self.signal;
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
        let signal = Signal::new();
        let guard = signal.register();
        let seen = signal.generation();
        let other = signal.clone();
        let handle = std::thread::spawn(move || other.notify());
        assert!(
            guard.wait(seen, Some(Instant::now() + Duration::from_secs(10)))
        );
        handle.join().unwrap();
    }

    #[test]
    fn wait_times_out_without_notification() {
        let signal = Signal::new();
        let guard = signal.register();
        let seen = signal.generation();
        let start = Instant::now();
        assert!(!guard.wait(seen, Some(start + Duration::from_millis(20))));
        assert!(start.elapsed() >= Duration::from_millis(20));
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

    #[test]
    fn notification_before_wait_is_not_lost() {
        let signal = Signal::new();
        let guard = signal.register();
        let seen = signal.generation();
        signal.notify();
        // Would block forever if the notification were lost.
        assert!(guard.wait(seen, None));
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
