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
//! future retries, registers its waker ([`Signal::register_waker`]), then
//! checks the generation again (pending only if it has not moved). A notify
//! takes every registered waker and wakes them outside the lock; with no
//! task registered it costs one more atomic load.

use crate::waker_list::{WakerList, WakerSlot};
use parking_lot::{Condvar, Mutex};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::Waker;
use std::time::Instant;

/// Something that wants to hear when a [`Signal`] fires (e.g. a poller).
pub(crate) trait Listener: Send + Sync {
    /// Called after the signal's generation moved, under the signal's
    /// listener lock: it must not block nor touch the signal.
    fn signalled(&self);
}

/// The readiness signal of one socket.
#[derive(Default)]
pub(crate) struct Signal {
    generation: AtomicU64,
    waiters: AtomicUsize,
    lock: Mutex<()>,
    cond: Condvar,
    listeners: Mutex<Vec<(u64, Arc<dyn Listener>)>>,
    has_listeners: AtomicBool,
    wakers: Mutex<WakerList>,
    has_wakers: AtomicBool,
    /// The round of `wakers`, readable without its lock.
    waker_round: AtomicU64,
}

impl std::fmt::Debug for Signal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signal")
            .field("generation", &self.generation.load(SeqCst))
            .finish()
    }
}

impl Signal {
    pub(crate) fn new() -> Arc<Signal> {
        Arc::new(Signal::default())
    }

    /// The current generation; pass it to [`Signal::wait`].
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(SeqCst)
    }

    /// Wakes every waiter (and listener) whose generation is older.
    pub(crate) fn notify(&self) {
        self.generation.fetch_add(1, SeqCst);
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
        if self.has_wakers.load(SeqCst) {
            self.wake_tasks();
        }
    }

    /// Takes every registered waker and wakes them, outside the lock (a
    /// waker may run code that registers again).
    #[cold]
    fn wake_tasks(&self) {
        let taken = {
            let mut list = self.wakers.lock();
            self.has_wakers.store(false, SeqCst);
            list.take_all(&self.waker_round)
        };
        taken.wake();
    }

    /// Registers a task's waker until the next notify (or
    /// [`Signal::forget_waker`]). Registering again before that updates the
    /// same entry. The caller must then compare the generation with the one
    /// it read before its attempt, and retry if it moved.
    pub(crate) fn register_waker(
        &self,
        waker: &Waker,
        slot: &mut Option<WakerSlot>,
    ) {
        let mut list = self.wakers.lock();
        list.register(waker, slot);
        self.has_wakers.store(true, SeqCst);
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
            self.has_wakers.store(false, SeqCst);
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
        while signal.generation.load(SeqCst) == seen {
            match deadline {
                None => signal.cond.wait(&mut guard),
                Some(deadline) => {
                    if signal.cond.wait_until(&mut guard, deadline).timed_out()
                    {
                        return signal.generation.load(SeqCst) != seen;
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

#[cfg(test)]
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

    struct Flag(std::sync::atomic::AtomicBool);
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
        signal.register_waker(&waker, &mut slot);
        signal.notify();
        assert!(flag.0.swap(false, SeqCst));
        // Taken by the notify: the next one wakes nobody.
        signal.notify();
        assert!(!flag.0.load(SeqCst));
        assert!(!signal.has_wakers.load(SeqCst));
        signal.forget_waker(&mut slot);
        assert!(slot.is_none());
    }

    #[test]
    fn forgotten_waker_is_not_woken() {
        let signal = Signal::new();
        let flag = Arc::new(Flag(AtomicBool::new(false)));
        let mut slot = None;
        signal.register_waker(&Waker::from(flag.clone()), &mut slot);
        signal.forget_waker(&mut slot);
        assert!(!signal.has_wakers.load(SeqCst));
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
