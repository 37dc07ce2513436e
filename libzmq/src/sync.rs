//! The pipe's lock, swapped for loom's under `--cfg loom` so that loom's
//! model checker can explore every interleaving of the pipe's two ends
//! (`RUSTFLAGS="--cfg loom" cargo test -p libzmq --lib --release loom`).

#[cfg(not(loom))]
pub(crate) use parking_lot::Mutex;

/// loom's mutex with parking_lot's `lock` (no poisoning).
#[cfg(loom)]
#[derive(Debug)]
pub(crate) struct Mutex<T>(loom::sync::Mutex<T>);

#[cfg(loom)]
impl<T> Mutex<T> {
    pub(crate) fn new(value: T) -> Mutex<T> {
        Mutex(loom::sync::Mutex::new(value))
    }

    pub(crate) fn lock(&self) -> loom::sync::MutexGuard<'_, T> {
        self.0.lock().expect("a panicking thread held the lock")
    }
}
