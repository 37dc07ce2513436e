//! How a caller waits for a socket to become ready.
//!
//! A [`Signal`] is a generation counter plus a condition variable. Anything that
//! may make a blocked operation succeed (a pipe becoming readable or writable, a
//! peer attaching or going away, the ctx shutting down) calls [`Signal::notify`].
//! A waiter reads the generation, retries its operation, and only sleeps if the
//! generation has not moved since — so no wake-up is ever lost, and a notify with
//! nobody waiting costs one atomic increment (no lock, no syscall).

use parking_lot::{Condvar, Mutex};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
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
    has_listeners: std::sync::atomic::AtomicBool,
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
