//! The context: owner of the I/O threads, the inproc endpoint table and the
//! bookkeeping of its sockets.

use crate::error::{Error, ErrorKind};
use crate::inproc::InprocTable;
use crate::io::IoThreads;
use crate::signal::Signal;
use parking_lot::{Condvar, Mutex};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, Ordering::SeqCst};
use std::sync::{Arc, OnceLock, Weak};

/// Default number of I/O threads (as libzmq).
const DEFAULT_IO_THREADS: i32 = 1;
/// Default maximum number of sockets (as libzmq).
const DEFAULT_MAX_SOCKETS: i32 = 1023;
/// The largest value `max_sockets` accepts.
const SOCKET_LIMIT: i32 = 65535;

static NEXT_CTX_ID: AtomicU64 = AtomicU64::new(1);

fn registry() -> &'static Mutex<HashMap<u64, Weak<CtxInner>>> {
    static REGISTRY: OnceLock<Mutex<HashMap<u64, Weak<CtxInner>>>> =
        OnceLock::new();
    REGISTRY.get_or_init(Default::default)
}

#[derive(Default)]
struct SocketBook {
    signals: HashMap<u64, Weak<Signal>>,
}

/// The shared state of a ctx.
pub(crate) struct CtxInner {
    id: u64,
    io_threads: AtomicI32,
    max_sockets: AtomicI32,
    terminated: AtomicBool,
    sockets: Mutex<SocketBook>,
    sockets_gone: Condvar,
    io: Mutex<Option<Arc<IoThreads>>>,
    pub(crate) inproc: Mutex<InprocTable>,
    /// The authentication settings (ZAP handler state) of this ctx.
    pub(crate) auth: Arc<crate::auth::AuthRegistry>,
}

impl CtxInner {
    /// Whether `shutdown` was called or the owning `Ctx` dropped.
    pub(crate) fn is_terminated(&self) -> bool {
        self.terminated.load(SeqCst)
    }

    /// Fails with `InvalidCtx` once the ctx is terminated.
    pub(crate) fn check_alive(&self) -> Result<(), Error> {
        if self.is_terminated() {
            Err(Error::new(ErrorKind::InvalidCtx))
        } else {
            Ok(())
        }
    }

    /// Accounts for a new socket, whose `signal` is fired at shutdown.
    pub(crate) fn register_socket(
        &self,
        socket_id: u64,
        signal: &Arc<Signal>,
    ) -> Result<(), Error> {
        self.check_alive()?;
        let mut book = self.sockets.lock();
        let max = self.max_sockets.load(SeqCst).max(0) as usize;
        if book.signals.len() >= max {
            return Err(Error::new(ErrorKind::SocketLimit));
        }
        book.signals.insert(socket_id, Arc::downgrade(signal));
        Ok(())
    }

    /// Forgets a closed socket.
    pub(crate) fn unregister_socket(&self, socket_id: u64) {
        let mut book = self.sockets.lock();
        book.signals.remove(&socket_id);
        if book.signals.is_empty() {
            self.sockets_gone.notify_all();
        }
    }

    /// The I/O threads, started on first use.
    pub(crate) fn io_threads(&self) -> Result<Arc<IoThreads>, Error> {
        self.check_alive()?;
        let mut io = self.io.lock();
        if let Some(threads) = io.as_ref() {
            return Ok(threads.clone());
        }
        let count = self.io_threads.load(SeqCst);
        if count <= 0 {
            return Err(Error::new(ErrorKind::InvalidInput(
                "no I/O thread available: this ctx has io_threads = 0",
            )));
        }
        let threads = Arc::new(
            IoThreads::start(self.id, count as usize).map_err(|err| {
                log::error!("cannot start I/O threads: {err}");
                Error::new(ErrorKind::InvalidInput("cannot start I/O threads"))
            })?,
        );
        *io = Some(threads.clone());
        Ok(threads)
    }

    /// The I/O threads if they have been started.
    pub(crate) fn running_io_threads(&self) -> Option<Arc<IoThreads>> {
        self.io.lock().clone()
    }

    fn shutdown(&self) {
        if self.terminated.swap(true, SeqCst) {
            return;
        }
        let signals: Vec<Arc<Signal>> = self
            .sockets
            .lock()
            .signals
            .values()
            .filter_map(Weak::upgrade)
            .collect();
        for signal in signals {
            signal.notify();
        }
    }

    fn set_io_threads(&self, value: i32) -> Result<(), Error> {
        self.check_alive()?;
        if value < 0 {
            return Err(Error::new(ErrorKind::InvalidInput("invalid value")));
        }
        let io = self.io.lock();
        if let Some(threads) = io.as_ref() {
            if threads.len() as i32 != value {
                return Err(Error::new(ErrorKind::InvalidInput(
                    "io_threads cannot change once the I/O threads have started",
                )));
            }
        }
        self.io_threads.store(value, SeqCst);
        Ok(())
    }

    fn set_max_sockets(&self, value: i32) -> Result<(), Error> {
        self.check_alive()?;
        if !(1..=SOCKET_LIMIT).contains(&value) {
            return Err(Error::new(ErrorKind::InvalidInput("invalid value")));
        }
        self.max_sockets.store(value, SeqCst);
        Ok(())
    }
}

/// A ZeroMQ context: it owns the background I/O threads and the inproc
/// namespace, and every socket belongs to exactly one ctx.
///
/// Most programs use the process-wide [`Ctx::global`] ctx, which the socket
/// constructors (`Client::new()`, builders' `build()`) pick by default.
///
/// Dropping a `Ctx` shuts it down (every blocked call on its sockets returns
/// [`ErrorKind::InvalidCtx`]) and then waits until all of its sockets have been
/// dropped.
///
/// ```
/// use libzmq::{prelude::*, *};
///
/// let ctx = Ctx::new();
/// let server = Server::with_ctx(ctx.handle())?;
/// assert_eq!(server.ctx(), ctx.handle());
/// # Ok::<(), anyhow::Error>(())
/// ```
pub struct Ctx {
    inner: Arc<CtxInner>,
}

impl std::fmt::Debug for Ctx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ctx").field("id", &self.inner.id).finish()
    }
}

impl PartialEq for Ctx {
    fn eq(&self, other: &Self) -> bool {
        self.inner.id == other.inner.id
    }
}
impl Eq for Ctx {}

impl Default for Ctx {
    fn default() -> Self {
        Ctx::new()
    }
}

impl Ctx {
    /// A new ctx with the default options (1 I/O thread, 1023 sockets).
    pub fn new() -> Ctx {
        let id = NEXT_CTX_ID.fetch_add(1, SeqCst);
        let inner = Arc::new(CtxInner {
            id,
            io_threads: AtomicI32::new(DEFAULT_IO_THREADS),
            max_sockets: AtomicI32::new(DEFAULT_MAX_SOCKETS),
            terminated: AtomicBool::new(false),
            sockets: Mutex::new(SocketBook::default()),
            sockets_gone: Condvar::new(),
            io: Mutex::new(None),
            inproc: Mutex::new(InprocTable::default()),
            auth: Arc::default(),
        });
        registry().lock().insert(id, Arc::downgrade(&inner));
        Ctx { inner }
    }

    /// A copyable, non-owning handle to this ctx.
    pub fn handle(&self) -> CtxHandle {
        CtxHandle { id: self.inner.id }
    }

    /// The handle of the process-wide ctx, created on first use and never dropped.
    pub fn global() -> CtxHandle {
        static GLOBAL: OnceLock<Ctx> = OnceLock::new();
        GLOBAL.get_or_init(Ctx::new).handle()
    }

    /// Number of I/O threads (default 1).
    pub fn io_threads(&self) -> i32 {
        self.inner.io_threads.load(SeqCst)
    }

    /// Sets the number of I/O threads. It takes effect when the first TCP
    /// endpoint starts the threads; once they run, changing the number fails
    /// with `InvalidInput`.
    pub fn set_io_threads(&self, value: i32) -> Result<(), Error> {
        self.inner.set_io_threads(value)
    }

    /// Maximum number of sockets (default 1023).
    pub fn max_sockets(&self) -> i32 {
        self.inner.max_sockets.load(SeqCst)
    }

    /// Sets the maximum number of sockets; creating one more fails with
    /// `SocketLimit`. Must be in `1..=socket_limit()`.
    pub fn set_max_sockets(&self, value: i32) -> Result<(), Error> {
        self.inner.set_max_sockets(value)
    }

    /// The largest value `max_sockets` can take.
    pub fn socket_limit(&self) -> i32 {
        SOCKET_LIMIT
    }

    /// Shuts the ctx down: every blocking call in progress on its sockets
    /// returns `InvalidCtx`, and so does every later operation. The sockets
    /// must still be dropped.
    pub fn shutdown(&self) {
        self.inner.shutdown()
    }
}

impl Drop for Ctx {
    fn drop(&mut self) {
        self.inner.shutdown();
        registry().lock().remove(&self.inner.id);
        {
            let mut book = self.inner.sockets.lock();
            while !book.signals.is_empty() {
                self.inner.sockets_gone.wait(&mut book);
            }
        }
        if let Some(io) = self.inner.io.lock().take() {
            io.stop();
        }
    }
}

/// A copyable, non-owning reference to a [`Ctx`].
///
/// Operations through the handle of a dropped ctx fail with `InvalidCtx`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CtxHandle {
    id: u64,
}

impl CtxHandle {
    pub(crate) fn upgrade(self) -> Result<Arc<CtxInner>, Error> {
        registry()
            .lock()
            .get(&self.id)
            .and_then(Weak::upgrade)
            .ok_or_else(|| Error::new(ErrorKind::InvalidCtx))
    }

    /// Number of I/O threads (0 if the ctx is gone).
    pub fn io_threads(self) -> i32 {
        self.upgrade()
            .map(|c| c.io_threads.load(SeqCst))
            .unwrap_or(0)
    }

    /// See [`Ctx::set_io_threads`].
    pub fn set_io_threads(self, value: i32) -> Result<(), Error> {
        self.upgrade()?.set_io_threads(value)
    }

    /// Maximum number of sockets (0 if the ctx is gone).
    pub fn max_sockets(self) -> i32 {
        self.upgrade()
            .map(|c| c.max_sockets.load(SeqCst))
            .unwrap_or(0)
    }

    /// See [`Ctx::set_max_sockets`].
    pub fn set_max_sockets(self, value: i32) -> Result<(), Error> {
        self.upgrade()?.set_max_sockets(value)
    }

    /// See [`Ctx::shutdown`].
    pub fn shutdown(self) {
        if let Ok(inner) = self.upgrade() {
            inner.shutdown();
        }
    }
}

impl From<&Ctx> for CtxHandle {
    fn from(ctx: &Ctx) -> Self {
        ctx.handle()
    }
}

/// Builds a [`Ctx`] or applies options to an existing one.
///
/// It is the chainable form of [`CtxConfig`](crate::config::CtxConfig),
/// and it serializes the same way (`io_threads`, `max_sockets`).
///
/// ```
/// use libzmq::*;
///
/// let ctx = CtxBuilder::new().io_threads(2).build()?;
/// assert_eq!(ctx.io_threads(), 2);
/// # Ok::<(), anyhow::Error>(())
/// ```
///
/// Options can also be applied to an existing ctx, such as the global one:
///
/// ```
/// use libzmq::*;
///
/// CtxBuilder::new()
///     .io_threads(0)
///     .max_sockets(69)
///     .apply(Ctx::global())?;
///
/// assert_eq!(Ctx::global().io_threads(), 0);
/// assert_eq!(Ctx::global().max_sockets(), 69);
/// # Ok::<(), anyhow::Error>(())
/// ```
#[derive(
    Debug, Default, Clone, PartialEq, Eq, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct CtxBuilder {
    inner: crate::ctx_config::CtxConfig,
}

impl CtxBuilder {
    /// A builder with every option unset (the defaults apply).
    pub fn new() -> Self {
        Self::default()
    }

    /// Builds a new ctx with these options.
    pub fn build(&self) -> Result<Ctx, Error> {
        self.inner.build()
    }

    /// Applies the options that are set to an existing ctx.
    pub fn apply(&self, handle: CtxHandle) -> Result<(), Error> {
        self.inner.apply(handle)
    }

    /// Sets the number of I/O threads.
    pub fn io_threads(&mut self, value: i32) -> &mut Self {
        self.inner.set_io_threads(Some(value));
        self
    }

    /// Sets the maximum number of sockets.
    pub fn max_sockets(&mut self, value: i32) -> &mut Self {
        self.inner.set_max_sockets(Some(value));
        self
    }
}

impl From<crate::ctx_config::CtxConfig> for CtxBuilder {
    fn from(inner: crate::ctx_config::CtxConfig) -> Self {
        CtxBuilder { inner }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handle_of_dropped_ctx_is_invalid() {
        let ctx = Ctx::new();
        let handle = ctx.handle();
        assert!(handle.upgrade().is_ok());
        drop(ctx);
        assert_eq!(
            handle.upgrade().err().map(|e| e.kind()),
            Some(ErrorKind::InvalidCtx)
        );
    }

    #[test]
    fn options_validate() {
        let ctx = Ctx::new();
        assert_eq!(ctx.io_threads(), 1);
        assert_eq!(ctx.max_sockets(), 1023);
        ctx.set_io_threads(0).unwrap();
        assert_eq!(ctx.io_threads(), 0);
        assert!(ctx.set_io_threads(-1).is_err());
        ctx.set_max_sockets(420).unwrap();
        assert_eq!(ctx.handle().max_sockets(), 420);
        assert!(ctx.set_max_sockets(0).is_err());
        assert!(ctx.set_max_sockets(SOCKET_LIMIT + 1).is_err());
    }

    #[test]
    fn global_is_stable() {
        assert_eq!(Ctx::global(), Ctx::global());
    }
}
