//! Asynchronous polling: wait until one of several sockets or file
//! descriptors is ready.
//!
//! See the [`Poller`] documentation to get started.
//!
//! # How it works
//!
//! Polling is *level-triggered*: every call reports each registered item that
//! is ready at that moment, whether or not it was reported before.
//!
//! A call first asks each registered socket whether it is ready. When nothing
//! is, the calling thread sleeps in the OS's `poll` on the registered file
//! descriptors plus one internal wake-up descriptor (an `eventfd` on Linux, a
//! pipe elsewhere). Every socket added to a poller tells it when its readiness
//! may have changed (a message arrived, a queue has room again, a peer came or
//! went, the ctx was shut down); the poller writes to its wake-up descriptor
//! only while a thread is actually asleep in it, so a busy socket costs an
//! idle poller nothing but an atomic swap. There is no busy loop and no
//! wake-up is lost: the poller arms the wake-up *before* it checks the
//! sockets, and then sleeps.

use crate::error::{Error, ErrorKind};
use crate::signal::{Listener, Signal};
use crate::socket::core::{RawSocket, SocketCore};
use crate::socket::traits::GetRawSocket;
use crate::Period;

use bitflags::bitflags;

use std::fmt;
use std::os::raw::c_short;
use std::os::unix::io::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::SeqCst};
use std::sync::{Arc, Weak};
use std::time::Instant;

bitflags! {
    /// The condition that makes the [`Poller`] report an [`Event`] for a
    /// registered item.
    ///
    /// The flags combine with `|`. The module also exports them as the
    /// constants [`EMPTY`], [`READABLE`] and [`WRITABLE`].
    ///
    /// # Example
    /// ```
    /// use libzmq::poll::*;
    ///
    /// // Report the item when it is readable, writable, or both.
    /// let either = READABLE | WRITABLE;
    /// assert!(either.contains(READABLE));
    /// assert!(either.contains(WRITABLE));
    /// assert_eq!(READABLE.bits(), 1);
    /// assert_eq!(WRITABLE.bits(), 2);
    /// ```
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub struct Trigger: c_short {
        /// Never trigger.
        const EMPTY = 0;
        /// Trigger an [`Event`] on read readiness.
        ///
        /// For a socket of this crate, at least one message can be received
        /// without blocking. For a file descriptor, at least one byte can be
        /// read without blocking (or urgent data is pending, see
        /// [`Event::is_priority`]).
        const READABLE = 1;
        /// Trigger an [`Event`] on write readiness.
        ///
        /// For a socket of this crate, at least one message can be sent
        /// without blocking (a [`Server`](crate::Server) always can try: its
        /// sends only block on a peer whose queue is full). For a file
        /// descriptor, at least one byte can be written without blocking.
        const WRITABLE = 2;
    }
}

/// Never trigger an [`Event`]: the item stays registered but is not reported.
pub const EMPTY: Trigger = Trigger::EMPTY;
/// Trigger an [`Event`] on read readiness (see [`Trigger::READABLE`]).
pub const READABLE: Trigger = Trigger::READABLE;
/// Trigger an [`Event`] on write readiness (see [`Trigger::WRITABLE`]).
pub const WRITABLE: Trigger = Trigger::WRITABLE;

bitflags! {
    /// What an event reports (libzmq's `ZMQ_POLL*` values).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    struct Cause: c_short {
        const READABLE = 1;
        const WRITABLE = 2;
        const ERROR = 4;
        const PRIORITY = 8;
    }
}

/// The user's tag for an item registered in a [`Poller`]: each [`Event`]
/// carries the `PollId` the item was added with.
///
/// ```
/// use libzmq::poll::PollId;
///
/// let id: PollId = 7.into();
/// assert_eq!(id, PollId(7));
/// let raw: usize = id.into();
/// assert_eq!(raw, 7);
/// ```
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PollId(pub usize);

impl From<usize> for PollId {
    fn from(value: usize) -> PollId {
        PollId(value)
    }
}

impl From<PollId> for usize {
    fn from(id: PollId) -> usize {
        id.0
    }
}

/// Something a [`Poller`] can watch: a socket of this crate or a raw file
/// descriptor.
///
/// Every socket type converts from a reference (`&server`), and so does any
/// `T: AsRawFd` (a `TcpListener`, a `UnixStream`, ...).
///
/// # Example
/// ```
/// use libzmq::{poll::*, Server};
/// use std::net::TcpListener;
///
/// let mut poller = Poller::new();
///
/// // The poller can poll sockets...
/// let server = Server::new()?;
/// poller.add(&server, PollId(0), READABLE)?;
///
/// // ...as well as any type that implements `AsRawFd`.
/// let tcp_listener = TcpListener::bind("127.0.0.1:0")?;
/// poller.add(&tcp_listener, PollId(1), READABLE | WRITABLE)?;
/// # Ok::<(), anyhow::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pollable<'a> {
    /// A socket of this crate.
    Socket(&'a RawSocket),
    /// A file descriptor.
    Fd(RawFd),
}

impl<'a, T> From<&'a T> for Pollable<'a>
where
    T: AsRawFd,
{
    fn from(entity: &'a T) -> Self {
        Pollable::Fd(entity.as_raw_fd())
    }
}

/// Makes socket types pollable: `From<&Socket> for Pollable`.
///
/// (A blanket impl over `GetRawSocket` would overlap with the one over
/// `AsRawFd`, hence one impl per type.)
macro_rules! pollable_sockets {
    ($($socket:ty),* $(,)?) => {
        $(
            impl<'a> From<&'a $socket> for Pollable<'a> {
                fn from(socket: &'a $socket) -> Self {
                    Pollable::Socket(socket.raw_socket())
                }
            }
        )*
    };
}

// Every public socket type of the crate is pollable: list new socket types
// here (`SocketType` is deliberately not pollable).
pollable_sockets!(
    crate::Client,
    crate::Server,
    crate::Radio,
    crate::Dish,
    crate::Scatter,
    crate::Gather,
    crate::Pair,
    crate::Pub,
    crate::Sub,
    crate::XPub,
    crate::XSub,
    crate::Push,
    crate::Pull,
    crate::Req,
    crate::Rep,
    crate::Dealer,
    crate::Router,
);

/// An event reported by a [`Poller`]: which item ([`id`](Event::id)) and why.
#[derive(Copy, Clone, Eq, PartialEq, Hash, Debug)]
pub struct Event {
    cause: Cause,
    id: PollId,
}

impl Event {
    /// The item is ready for reading.
    pub fn is_readable(&self) -> bool {
        self.cause.contains(Cause::READABLE)
    }

    /// The item is ready for writing.
    pub fn is_writable(&self) -> bool {
        self.cause.contains(Cause::WRITABLE)
    }

    /// An error or hang-up condition was reported (`POLLERR`, `POLLHUP` or
    /// `POLLNVAL`).
    ///
    /// Only file descriptors report this.
    pub fn is_error(&self) -> bool {
        self.cause.contains(Cause::ERROR)
    }

    /// There is urgent data to read (`POLLPRI`); it is watched along with
    /// [`READABLE`].
    ///
    /// Only file descriptors report this.
    pub fn is_priority(&self) -> bool {
        self.cause.contains(Cause::PRIORITY)
    }

    /// The [`PollId`] the item was registered with.
    pub fn id(&self) -> PollId {
        self.id
    }

    fn is_empty(&self) -> bool {
        self.cause.is_empty()
    }
}

/// The events reported by one call to [`Poller::poll`] or
/// [`Poller::try_poll`], which clear it and fill it again.
///
/// Iterating (by reference or by value) yields each [`Event`] by value, and
/// never an empty one (an event always has a reason).
#[derive(Default, Clone, Eq, PartialEq, Hash, Debug)]
pub struct Events {
    inner: Vec<Event>,
}

impl Events {
    /// An empty event vector.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty event vector with room for `capacity` events. The poller
    /// grows it as needed anyway.
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            inner: Vec::with_capacity(capacity),
        }
    }

    /// How many events fit without reallocating.
    pub fn capacity(&self) -> usize {
        self.inner.capacity()
    }

    /// Whether there are no events.
    pub fn is_empty(&self) -> bool {
        self.inner.iter().all(Event::is_empty)
    }

    /// An iterator over the events.
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            inner: self.inner.iter(),
        }
    }

    /// Removes every event.
    pub fn clear(&mut self) {
        self.inner.clear();
    }
}

impl<'a> IntoIterator for &'a Events {
    type Item = Event;
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl IntoIterator for Events {
    type Item = Event;
    type IntoIter = IntoIter;

    fn into_iter(self) -> IntoIter {
        IntoIter {
            inner: self.inner.into_iter(),
        }
    }
}

/// An iterator over the [`Event`]s of borrowed [`Events`]. It never yields an
/// empty event.
#[derive(Clone, Debug)]
pub struct Iter<'a> {
    inner: std::slice::Iter<'a, Event>,
}

impl Iterator for Iter<'_> {
    type Item = Event;

    fn next(&mut self) -> Option<Event> {
        self.inner.find(|event| !event.is_empty()).copied()
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, self.inner.size_hint().1)
    }
}

impl std::iter::FusedIterator for Iter<'_> {}

/// An iterator over the [`Event`]s of owned [`Events`]. It never yields an
/// empty event (unlike the original crate's, which did).
#[derive(Clone, Debug)]
pub struct IntoIter {
    inner: std::vec::IntoIter<Event>,
}

impl Iterator for IntoIter {
    type Item = Event;

    fn next(&mut self) -> Option<Event> {
        self.inner.find(|event| !event.is_empty())
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, self.inner.size_hint().1)
    }
}

impl std::iter::FusedIterator for IntoIter {}

// ---- the wake-up descriptor ---------------------------------------------------

/// The poller's wake-up descriptor, written by the sockets' signals while
/// the poller is asleep.
struct Waker {
    /// Read end (the eventfd itself on Linux).
    read: OwnedFd,
    /// Write end of the pipe on other systems.
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    write: OwnedFd,
    /// Set by the poller before it checks readiness and sleeps; the first
    /// signal swaps it off and writes.
    armed: AtomicBool,
}

fn last_os_error() -> std::io::Error {
    std::io::Error::last_os_error()
}

impl Waker {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    fn new() -> std::io::Result<Waker> {
        // SAFETY: plain syscall; the returned fd is checked and then owned.
        let fd =
            unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) };
        if fd < 0 {
            return Err(last_os_error());
        }
        Ok(Waker {
            // SAFETY: `fd` is a fresh descriptor that nothing else owns.
            read: unsafe { OwnedFd::from_raw_fd(fd) },
            armed: AtomicBool::new(false),
        })
    }

    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    fn new() -> std::io::Result<Waker> {
        let mut fds = [0 as libc::c_int; 2];
        // SAFETY: `fds` has room for the two descriptors.
        if unsafe { libc::pipe(fds.as_mut_ptr()) } < 0 {
            return Err(last_os_error());
        }
        // SAFETY: fresh descriptors that nothing else owns.
        let (read, write) = unsafe {
            (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1]))
        };
        for fd in [&read, &write] {
            let fd = fd.as_raw_fd();
            // SAFETY: fcntl on descriptors we own.
            let ok = unsafe {
                let flags = libc::fcntl(fd, libc::F_GETFL);
                flags >= 0
                    && libc::fcntl(fd, libc::F_SETFL, flags | libc::O_NONBLOCK)
                        >= 0
                    && libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) >= 0
            };
            if !ok {
                return Err(last_os_error());
            }
        }
        Ok(Waker {
            read,
            write,
            armed: AtomicBool::new(false),
        })
    }

    fn read_fd(&self) -> RawFd {
        self.read.as_raw_fd()
    }

    /// Makes the descriptor readable (a no-op if it already is).
    fn wake(&self) {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        let (fd, buf) = (self.read.as_raw_fd(), 1u64.to_ne_bytes());
        #[cfg(not(any(target_os = "linux", target_os = "android")))]
        let (fd, buf) = (self.write.as_raw_fd(), [1u8]);
        loop {
            // SAFETY: writes `buf` to a descriptor we own.
            let rc = unsafe { libc::write(fd, buf.as_ptr().cast(), buf.len()) };
            // A full eventfd counter or pipe (EAGAIN) is already readable.
            if rc >= 0
                || last_os_error().kind() != std::io::ErrorKind::Interrupted
            {
                return;
            }
        }
    }

    /// Makes the descriptor unreadable again.
    fn drain(&self) {
        let mut buf = [0u8; 64];
        loop {
            // SAFETY: reads into `buf`, which is large enough for an eventfd
            // counter, from a non-blocking descriptor we own.
            let rc = unsafe {
                libc::read(self.read_fd(), buf.as_mut_ptr().cast(), buf.len())
            };
            if rc < 0
                && last_os_error().kind() == std::io::ErrorKind::Interrupted
            {
                continue;
            }
            // An eventfd is reset by one read; a pipe may need more.
            if cfg!(any(target_os = "linux", target_os = "android"))
                || rc < buf.len() as isize
            {
                return;
            }
        }
    }
}

impl Listener for Waker {
    fn signalled(&self) {
        if self.armed.swap(false, SeqCst) {
            self.wake();
        }
    }
}

// ---- the poller -------------------------------------------------------------

static NEXT_POLLER_KEY: AtomicU64 = AtomicU64::new(1);

/// A registered socket. The poller does not keep the socket alive: once the
/// user drops it, it is never reported again.
struct SocketItem {
    core: Weak<SocketCore>,
    signal: Arc<Signal>,
}

enum Target {
    Socket(SocketItem),
    Fd(RawFd),
}

struct Item {
    target: Target,
    id: PollId,
    trigger: Trigger,
}

/// What woke a blocking wait up.
enum Wait {
    /// Some item is ready (`events` is filled).
    Ready,
    /// Nothing is ready yet.
    Nothing,
}

/// A mechanism for input/output events multiplexing in a level-triggered
/// fashion: it waits until one of its registered sockets or file descriptors
/// is ready.
///
/// Items are registered with [`add`](Poller::add), with a [`PollId`] of the
/// user's choice and a [`Trigger`] condition. [`poll`](Poller::poll) blocks
/// until at least one item meets its condition (or the timeout passes), and
/// reports every item that does in an [`Events`]. Polling is level-triggered:
/// an item is reported on every call as long as it is ready, e.g. as long as a
/// socket has an unread message.
///
/// A `Poller` is `Send` (and `Sync`): it owns its state and has no thread
/// affinity, so it can be moved to another thread. Its methods take
/// `&mut self`, so one thread polls it at a time.
///
/// # Example
/// ```
/// use libzmq::{prelude::*, *, poll::*};
///
/// // We initialize our sockets and connect them to each other.
/// let addr: TcpAddr = "127.0.0.1:*".try_into()?;
///
/// let server = Server::new()?;
/// server.bind(addr)?;
///
/// let bound = server.last_endpoint()?;
///
/// let client = Client::new()?;
/// client.connect(&bound)?;
///
/// // We create our poller instance.
/// let mut poller = Poller::new();
/// poller.add(&server, PollId(0), READABLE)?;
/// poller.add(&client, PollId(1), READABLE)?;
///
/// // Initialize the client.
/// client.send("ping")?;
///
/// let mut events = Events::new();
///
/// // Now the client and the server send messages back and forth.
/// for _ in 0..100 {
///     // Wait indefinitely until at least one event is detected.
///     poller.poll(&mut events, Period::Infinite)?;
///     // Iterate over the detected events. Every event is non-empty, so
///     // there is no spurious wake-up to guard against.
///     for event in &events {
///         assert!(event.is_readable());
///         match event.id() {
///             // The server has a request: echo it (the message keeps its
///             // routing id, so `send` routes it back to the client).
///             PollId(0) => {
///                 let msg = server.recv_msg()?;
///                 assert_eq!("ping", msg.to_str()?);
///                 server.send(msg)?;
///             }
///             // The client has the echo: send it again.
///             PollId(1) => {
///                 let msg = client.recv_msg()?;
///                 assert_eq!("ping", msg.to_str()?);
///                 client.send(msg)?;
///             }
///             _ => unreachable!(),
///         }
///     }
/// }
/// # Ok::<(), anyhow::Error>(())
/// ```
pub struct Poller {
    key: u64,
    waker: Arc<Waker>,
    items: Vec<Item>,
    /// Scratch space for `libc::poll`: the fds, then the wake-up fd.
    pollfds: Vec<libc::pollfd>,
    /// For each entry of `pollfds` but the last, the index of its item.
    fd_items: Vec<usize>,
    /// Scratch space: what each item reports in the current round.
    causes: Vec<Cause>,
}

impl fmt::Debug for Poller {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Items<'a>(&'a [Item]);
        impl fmt::Debug for Items<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_list()
                    .entries(self.0.iter().map(|item| {
                        let target = match &item.target {
                            Target::Socket(socket) => {
                                match socket.core.upgrade() {
                                    Some(core) => format!("socket {}", core.id),
                                    None => "closed socket".to_owned(),
                                }
                            }
                            Target::Fd(fd) => format!("fd {fd}"),
                        };
                        (item.id, target, item.trigger)
                    }))
                    .finish()
            }
        }
        f.debug_struct("Poller")
            .field("key", &self.key)
            .field("items", &Items(&self.items))
            .finish()
    }
}

/// Two pollers are equal only if they are the same poller.
impl PartialEq for Poller {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}

impl Eq for Poller {}

impl Default for Poller {
    fn default() -> Self {
        Self::new()
    }
}

fn invalid_input(msg: &'static str) -> Error {
    Error::new(ErrorKind::InvalidInput(msg))
}

/// The socket behind `raw`, whether it is still open or not.
fn same_socket(item: &Item, raw: &RawSocket) -> bool {
    match &item.target {
        Target::Socket(socket) => {
            std::ptr::eq(socket.core.as_ptr(), Arc::as_ptr(&raw.core))
        }
        Target::Fd(_) => false,
    }
}

fn same_fd(item: &Item, fd: RawFd) -> bool {
    matches!(item.target, Target::Fd(own) if own == fd)
}

/// The `libc::poll` events watched for a trigger.
fn poll_events(trigger: Trigger) -> c_short {
    let mut events = 0;
    if trigger.contains(Trigger::READABLE) {
        events |= libc::POLLIN | libc::POLLPRI;
    }
    if trigger.contains(Trigger::WRITABLE) {
        events |= libc::POLLOUT;
    }
    events
}

/// The event cause for the `revents` of a file descriptor.
fn fd_cause(revents: c_short) -> Cause {
    let mut cause = Cause::empty();
    if revents & libc::POLLIN != 0 {
        cause |= Cause::READABLE;
    }
    if revents & libc::POLLOUT != 0 {
        cause |= Cause::WRITABLE;
    }
    if revents & libc::POLLPRI != 0 {
        cause |= Cause::PRIORITY;
    }
    if revents & (libc::POLLERR | libc::POLLHUP | libc::POLLNVAL) != 0 {
        cause |= Cause::ERROR;
    }
    cause
}

/// The readiness of a socket for `trigger`. Checking also arms the wake-up of
/// the pipes that are not ready, so their next change signals the socket.
fn socket_cause(core: &SocketCore, trigger: Trigger) -> Cause {
    let mut cause = Cause::empty();
    if trigger.contains(Trigger::READABLE) && core.is_readable() {
        cause |= Cause::READABLE;
    }
    if trigger.contains(Trigger::WRITABLE) && core.is_writable() {
        cause |= Cause::WRITABLE;
    }
    cause
}

/// Milliseconds for `libc::poll` until `deadline`, rounded up so that a
/// timeout never fires early (`-1` = no deadline).
fn poll_timeout_ms(deadline: Option<Instant>) -> libc::c_int {
    match deadline {
        None => -1,
        Some(deadline) => {
            let left = deadline.saturating_duration_since(Instant::now());
            let ms = left.as_nanos().div_ceil(1_000_000);
            ms.min(libc::c_int::MAX as u128) as libc::c_int
        }
    }
}

impl Poller {
    /// A new poller with nothing registered.
    ///
    /// # Panics
    /// If the OS cannot create the poller's wake-up descriptor (out of file
    /// descriptors).
    ///
    /// ```
    /// use libzmq::poll::*;
    ///
    /// let mut poller = Poller::new();
    /// let mut events = Events::new();
    /// // Nothing registered, nothing ready.
    /// assert!(poller.try_poll(&mut events).is_err());
    /// assert!(events.is_empty());
    /// ```
    pub fn new() -> Self {
        let waker = Waker::new()
            .unwrap_or_else(|err| panic!("cannot create a poller: {err}"));
        Poller {
            key: NEXT_POLLER_KEY.fetch_add(1, SeqCst),
            waker: Arc::new(waker),
            items: Vec::new(),
            pollfds: Vec::new(),
            fd_items: Vec::new(),
            causes: Vec::new(),
        }
    }

    /// Registers a socket or a file descriptor, reported with `id` when it
    /// meets `trigger`.
    ///
    /// # Returned Errors
    /// * [`InvalidInput`](ErrorKind::InvalidInput): the item is already
    ///   registered ("cannot add socket twice", "cannot add fd twice"), or the
    ///   fd is negative ("specified fd was the retired fd").
    ///
    /// # Example
    /// ```
    /// use libzmq::{poll::*, ErrorKind, Server};
    ///
    /// let server = Server::new()?;
    ///
    /// let mut poller = Poller::new();
    ///
    /// poller.add(&server, PollId(0), EMPTY)?;
    /// let err = poller.add(&server, PollId(1), EMPTY).unwrap_err();
    ///
    /// match err.kind() {
    ///     ErrorKind::InvalidInput(msg) => assert_eq!(msg, "cannot add socket twice"),
    ///     _ => panic!("unexpected error"),
    /// }
    /// # Ok::<(), anyhow::Error>(())
    /// ```
    pub fn add<'a, P>(
        &mut self,
        pollable: P,
        id: PollId,
        trigger: Trigger,
    ) -> Result<(), Error>
    where
        P: Into<Pollable<'a>>,
    {
        let target = match pollable.into() {
            Pollable::Socket(raw) => {
                if self.items.iter().any(|item| same_socket(item, raw)) {
                    return Err(invalid_input("cannot add socket twice"));
                }
                let signal = raw.core.signal.clone();
                signal.add_listener(self.key, self.waker.clone());
                Target::Socket(SocketItem {
                    core: Arc::downgrade(&raw.core),
                    signal,
                })
            }
            Pollable::Fd(fd) => {
                if fd < 0 {
                    return Err(invalid_input(
                        "specified fd was the retired fd",
                    ));
                }
                if self.items.iter().any(|item| same_fd(item, fd)) {
                    return Err(invalid_input("cannot add fd twice"));
                }
                Target::Fd(fd)
            }
        };
        self.items.push(Item {
            target,
            id,
            trigger,
        });
        Ok(())
    }

    /// Unregisters a socket or a file descriptor.
    ///
    /// # Returned Errors
    /// * [`InvalidInput`](ErrorKind::InvalidInput): the item is not registered
    ///   ("cannot remove absent socket", "cannot remove absent fd"), or the fd
    ///   is negative ("specified fd was the retired fd").
    ///
    /// # Example
    /// ```
    /// use libzmq::{poll::*, ErrorKind, Server};
    ///
    /// let server = Server::new()?;
    /// let mut poller = Poller::new();
    ///
    /// poller.add(&server, PollId(0), EMPTY)?;
    /// poller.remove(&server)?;
    ///
    /// let err = poller.remove(&server).unwrap_err();
    /// match err.kind() {
    ///     ErrorKind::InvalidInput(msg) => assert_eq!(msg, "cannot remove absent socket"),
    ///     _ => panic!("unexpected error"),
    /// }
    /// # Ok::<(), anyhow::Error>(())
    /// ```
    pub fn remove<'a, P>(&mut self, pollable: P) -> Result<(), Error>
    where
        P: Into<Pollable<'a>>,
    {
        let index = match pollable.into() {
            Pollable::Socket(raw) => self
                .items
                .iter()
                .position(|item| same_socket(item, raw))
                .ok_or_else(|| invalid_input("cannot remove absent socket"))?,
            Pollable::Fd(fd) => {
                if fd < 0 {
                    return Err(invalid_input(
                        "specified fd was the retired fd",
                    ));
                }
                self.items
                    .iter()
                    .position(|item| same_fd(item, fd))
                    .ok_or_else(|| invalid_input("cannot remove absent fd"))?
            }
        };
        let item = self.items.remove(index);
        if let Target::Socket(socket) = item.target {
            socket.signal.remove_listener(self.key);
        }
        Ok(())
    }

    /// Changes the [`Trigger`] of a registered socket or file descriptor.
    ///
    /// # Returned Errors
    /// * [`InvalidInput`](ErrorKind::InvalidInput): the item is not registered
    ///   ("cannot modify absent socket", "cannot modify absent fd"), or the fd
    ///   is negative ("specified fd is the retired fd").
    ///
    /// # Example
    /// ```
    /// use libzmq::{poll::*, ErrorKind, Server};
    ///
    /// let server = Server::new()?;
    /// let mut poller = Poller::new();
    /// let mut events = Events::new();
    ///
    /// poller.add(&server, PollId(0), EMPTY)?;
    /// assert!(poller.try_poll(&mut events).is_err());
    ///
    /// // A server can always try to send.
    /// poller.modify(&server, WRITABLE)?;
    /// poller.try_poll(&mut events)?;
    /// assert!(events.iter().all(|event| event.is_writable()));
    ///
    /// let other = Server::new()?;
    /// let err = poller.modify(&other, READABLE).unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::InvalidInput("cannot modify absent socket"));
    /// # Ok::<(), anyhow::Error>(())
    /// ```
    pub fn modify<'a, P>(
        &mut self,
        pollable: P,
        trigger: Trigger,
    ) -> Result<(), Error>
    where
        P: Into<Pollable<'a>>,
    {
        let item = match pollable.into() {
            Pollable::Socket(raw) => self
                .items
                .iter_mut()
                .find(|item| same_socket(item, raw))
                .ok_or_else(|| invalid_input("cannot modify absent socket"))?,
            Pollable::Fd(fd) => {
                if fd < 0 {
                    return Err(invalid_input(
                        "specified fd is the retired fd",
                    ));
                }
                self.items
                    .iter_mut()
                    .find(|item| same_fd(item, fd))
                    .ok_or_else(|| invalid_input("cannot modify absent fd"))?
            }
        };
        item.trigger = trigger;
        Ok(())
    }

    /// Reports the items that are ready now, without blocking.
    ///
    /// `events` is cleared, then filled with one [`Event`] per ready item.
    ///
    /// # Returned Errors
    /// * [`WouldBlock`](ErrorKind::WouldBlock): nothing is ready (`events` is
    ///   then empty).
    /// * [`InvalidCtx`](ErrorKind::InvalidCtx): the ctx of a registered socket
    ///   was shut down or dropped.
    /// * [`Interrupted`](ErrorKind::Interrupted): a signal interrupted the
    ///   OS's `poll`.
    ///
    /// # Example
    /// ```
    /// use libzmq::{prelude::*, *, poll::*};
    ///
    /// let addr = InprocAddr::new_unique();
    /// let server = ServerBuilder::new().bind(&addr).build()?;
    /// let client = ClientBuilder::new().connect(&addr).build()?;
    ///
    /// let mut poller = Poller::new();
    /// poller.add(&server, PollId(0), READABLE)?;
    /// let mut events = Events::new();
    ///
    /// let err = poller.try_poll(&mut events).unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::WouldBlock);
    /// assert!(events.is_empty());
    ///
    /// client.send("hello")?;
    /// poller.try_poll(&mut events)?;
    /// let event = events.iter().next().unwrap();
    /// assert_eq!(event.id(), PollId(0));
    /// assert!(event.is_readable());
    /// # Ok::<(), anyhow::Error>(())
    /// ```
    pub fn try_poll(&mut self, events: &mut Events) -> Result<(), Error> {
        self.wait(events, Some(Instant::now()))
    }

    /// Waits until at least one item is ready, or `timeout` passes
    /// (`Period::Infinite` waits forever), and reports the ready items.
    ///
    /// `events` is cleared, then filled with one [`Event`] per ready item.
    /// A `Period::Finite` of zero behaves like [`try_poll`](Poller::try_poll).
    ///
    /// # Returned Errors
    /// * [`WouldBlock`](ErrorKind::WouldBlock): the timeout passed with
    ///   nothing ready (`events` is then empty).
    /// * [`InvalidCtx`](ErrorKind::InvalidCtx): the ctx of a registered socket
    ///   is shut down or dropped; a blocked call wakes up with it.
    /// * [`Interrupted`](ErrorKind::Interrupted): a signal interrupted the
    ///   OS's `poll`.
    /// * [`InvalidInput`](ErrorKind::InvalidInput): the timeout exceeds
    ///   `i64::MAX` milliseconds ("ms in timeout must be less than i64::MAX"),
    ///   or nothing is registered and the timeout is infinite ("cannot poll
    ///   forever with nothing registered"), which could never return.
    ///
    /// # Example
    /// ```
    /// use libzmq::{prelude::*, *, poll::*};
    /// use std::time::Duration;
    ///
    /// let addr = InprocAddr::new_unique();
    /// let server = ServerBuilder::new().bind(&addr).build()?;
    /// let client = ClientBuilder::new().connect(&addr).build()?;
    ///
    /// let mut poller = Poller::new();
    /// poller.add(&client, PollId(1), READABLE)?;
    /// let mut events = Events::new();
    ///
    /// // Nothing to read yet: the poll times out.
    /// let timeout = Period::Finite(Duration::from_millis(10));
    /// let err = poller.poll(&mut events, timeout).unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::WouldBlock);
    ///
    /// // A reply from another thread wakes the poller up.
    /// client.send("ping")?;
    /// let replier = std::thread::spawn(move || -> Result<(), Error<Msg>> {
    ///     let request = server.recv_msg().map_err(Error::cast)?;
    ///     server.route("pong", request.routing_id().unwrap())
    /// });
    /// poller.poll(&mut events, Period::Infinite)?;
    /// assert_eq!(events.iter().next().map(|e| e.id()), Some(PollId(1)));
    /// assert_eq!(client.recv_msg()?.to_str()?, "pong");
    /// replier.join().unwrap()?;
    /// # Ok::<(), anyhow::Error>(())
    /// ```
    pub fn poll(
        &mut self,
        events: &mut Events,
        timeout: Period,
    ) -> Result<(), Error> {
        let deadline = match timeout {
            Period::Infinite => None,
            Period::Finite(duration) => {
                if duration.as_millis() > i64::MAX as u128 {
                    events.clear();
                    return Err(invalid_input(
                        "ms in timeout must be less than i64::MAX",
                    ));
                }
                // A deadline beyond what `Instant` can represent is forever.
                Instant::now().checked_add(duration)
            }
        };
        if deadline.is_none() && self.items.is_empty() {
            events.clear();
            return Err(invalid_input(
                "cannot poll forever with nothing registered",
            ));
        }
        self.wait(events, deadline)
    }

    /// The polling loop: arm the wake-up, check the sockets, sleep in
    /// `libc::poll` on the fds and the wake-up fd, and start over after a
    /// wake-up that found nothing ready.
    fn wait(
        &mut self,
        events: &mut Events,
        deadline: Option<Instant>,
    ) -> Result<(), Error> {
        self.build_pollfds();
        loop {
            events.clear();
            self.waker.armed.store(true, SeqCst);
            let outcome = self.wait_once(events, deadline);
            self.waker.armed.store(false, SeqCst);
            match outcome {
                Ok(Wait::Ready) => return Ok(()),
                Ok(Wait::Nothing) => {
                    let timed_out = match deadline {
                        Some(deadline) => Instant::now() >= deadline,
                        None => false,
                    };
                    if timed_out {
                        return Err(Error::new(ErrorKind::WouldBlock));
                    }
                }
                Err(err) => {
                    events.clear();
                    return Err(err);
                }
            }
        }
    }

    /// Fills `pollfds` with the fds to watch, and the wake-up fd last.
    fn build_pollfds(&mut self) {
        self.pollfds.clear();
        self.fd_items.clear();
        for (index, item) in self.items.iter().enumerate() {
            if let Target::Fd(fd) = item.target {
                if !item.trigger.is_empty() {
                    self.pollfds.push(libc::pollfd {
                        fd,
                        events: poll_events(item.trigger),
                        revents: 0,
                    });
                    self.fd_items.push(index);
                }
            }
        }
        self.pollfds.push(libc::pollfd {
            fd: self.waker.read_fd(),
            events: libc::POLLIN,
            revents: 0,
        });
    }

    /// Checks the sockets, then sleeps (not at all if a socket is ready)
    /// until an fd is ready, the wake-up fd is written, or the deadline.
    /// Fills `events` in registration order.
    fn wait_once(
        &mut self,
        events: &mut Events,
        deadline: Option<Instant>,
    ) -> Result<Wait, Error> {
        self.causes.clear();
        self.causes.resize(self.items.len(), Cause::empty());
        let mut sockets_ready = self.check_sockets()?;
        let timeout_ms = if sockets_ready {
            0
        } else {
            poll_timeout_ms(deadline)
        };
        for pollfd in &mut self.pollfds {
            pollfd.revents = 0;
        }
        // SAFETY: `pollfds` is a valid array of `len` pollfd structs.
        let rc = unsafe {
            libc::poll(
                self.pollfds.as_mut_ptr(),
                self.pollfds.len() as libc::nfds_t,
                timeout_ms,
            )
        };
        if rc < 0 {
            let err = last_os_error();
            if err.kind() == std::io::ErrorKind::Interrupted {
                return Err(Error::new(ErrorKind::Interrupted));
            }
            // Only EFAULT/EINVAL/ENOMEM remain: a broken invariant or an
            // exhausted system (the binding's policy is to panic).
            panic!("poll failed: {err}");
        }
        let (fds, wake) = self.pollfds.split_at(self.pollfds.len() - 1);
        let woken = wake[0].revents != 0;
        let mut fds_ready = false;
        for (&index, pollfd) in self.fd_items.iter().zip(fds) {
            let cause = fd_cause(pollfd.revents);
            fds_ready |= !cause.is_empty();
            self.causes[index] = cause;
        }
        if woken {
            self.waker.drain();
            if fds_ready && !sockets_ready {
                // A socket may have become ready while we slept: report it too.
                sockets_ready = self.check_sockets()?;
            }
        }
        if !fds_ready && !sockets_ready {
            return Ok(Wait::Nothing);
        }
        events.inner.extend(
            self.items
                .iter()
                .zip(&self.causes)
                .filter(|(_, cause)| !cause.is_empty())
                .map(|(item, &cause)| Event { cause, id: item.id }),
        );
        Ok(Wait::Ready)
    }

    /// Records in `causes` the readiness of each socket; fails with
    /// `InvalidCtx` if the ctx of a socket is gone. Returns whether any socket
    /// is ready.
    fn check_sockets(&mut self) -> Result<bool, Error> {
        let mut ready = false;
        for (item, slot) in self.items.iter().zip(&mut self.causes) {
            let Target::Socket(socket) = &item.target else {
                continue;
            };
            // A socket the user dropped is never ready again.
            let Some(core) = socket.core.upgrade() else {
                continue;
            };
            if core.ctx.is_terminated() {
                return Err(Error::new(ErrorKind::InvalidCtx));
            }
            *slot = socket_cause(&core, item.trigger);
            ready |= !slot.is_empty();
        }
        Ok(ready)
    }
}

impl Drop for Poller {
    fn drop(&mut self) {
        for item in &self.items {
            if let Target::Socket(socket) = &item.target {
                socket.signal.remove_listener(self.key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn test_trigger() {
        assert_eq!(READABLE.bits(), 1);
        assert_eq!(WRITABLE.bits(), 2);
        assert_eq!(EMPTY.bits(), 0);
        assert_eq!(libc::POLLIN, 1);
        // The trigger bits are libzmq's ZMQ_POLLIN/ZMQ_POLLOUT; they map to the
        // OS's POLLIN/POLLOUT when an fd is polled.
        assert_eq!(poll_events(READABLE) & libc::POLLIN, libc::POLLIN);
        assert_eq!(poll_events(WRITABLE), libc::POLLOUT);
        assert_eq!(poll_events(EMPTY), 0);
    }

    #[test]
    fn fd_causes_map_to_event_flags() {
        let event = |revents| Event {
            cause: fd_cause(revents),
            id: PollId(0),
        };
        let e = event(libc::POLLIN);
        assert!(
            e.is_readable()
                && !e.is_writable()
                && !e.is_error()
                && !e.is_priority()
        );
        let e = event(libc::POLLOUT);
        assert!(e.is_writable() && !e.is_readable());
        let e = event(libc::POLLPRI);
        assert!(e.is_priority());
        for revents in [libc::POLLERR, libc::POLLHUP, libc::POLLNVAL] {
            assert!(event(revents).is_error());
        }
        assert!(event(0).is_empty());
    }

    #[test]
    fn both_iterators_skip_empty_events() {
        let empty = Event {
            cause: Cause::empty(),
            id: PollId(0),
        };
        let full = Event {
            cause: Cause::READABLE,
            id: PollId(1),
        };
        let events = Events {
            inner: vec![empty, full, empty, full, empty],
        };
        assert!(!events.is_empty());
        assert_eq!(events.iter().count(), 2);
        assert!(events.iter().all(|e| e.id() == PollId(1)));
        assert_eq!((&events).into_iter().count(), 2);
        let owned: Vec<Event> = events.clone().into_iter().collect();
        assert_eq!(owned, vec![full, full]);

        let only_empty = Events {
            inner: vec![empty, empty],
        };
        assert!(only_empty.is_empty());
        assert_eq!(only_empty.iter().count(), 0);
        assert_eq!(only_empty.into_iter().count(), 0);
    }

    #[test]
    fn timeout_rounds_up() {
        assert_eq!(poll_timeout_ms(None), -1);
        let deadline = Instant::now() + Duration::from_micros(1500);
        let ms = poll_timeout_ms(Some(deadline));
        assert!((1..=2).contains(&ms), "{ms}");
        assert_eq!(poll_timeout_ms(Some(Instant::now())), 0);
    }

    #[test]
    fn waker_is_written_only_when_armed() {
        let waker = Waker::new().unwrap();
        let readable = |waker: &Waker| {
            let mut pollfd = libc::pollfd {
                fd: waker.read_fd(),
                events: libc::POLLIN,
                revents: 0,
            };
            // SAFETY: one valid pollfd.
            unsafe { libc::poll(&mut pollfd, 1, 0) == 1 }
        };
        waker.signalled();
        assert!(!readable(&waker));
        waker.armed.store(true, SeqCst);
        waker.signalled();
        assert!(readable(&waker));
        // Disarmed by the first signal.
        assert!(!waker.armed.load(SeqCst));
        waker.drain();
        assert!(!readable(&waker));
    }

    #[test]
    fn listener_is_removed_with_the_item_and_the_poller() {
        let server = crate::Server::new().unwrap();
        let mut poller = Poller::new();
        let waker = poller.waker.clone();
        // Each registration on a socket's signal holds one reference.
        let listeners = |waker: &Arc<Waker>| Arc::strong_count(waker) - 2;
        poller.add(&server, PollId(0), READABLE).unwrap();
        assert_eq!(listeners(&waker), 1);
        poller.remove(&server).unwrap();
        assert_eq!(listeners(&waker), 0);
        poller.add(&server, PollId(0), READABLE).unwrap();
        let client = crate::Client::new().unwrap();
        poller.add(&client, PollId(1), WRITABLE).unwrap();
        assert_eq!(listeners(&waker), 2);
        drop(poller);
        // Only `waker` is left.
        assert_eq!(Arc::strong_count(&waker), 1);
    }
}
