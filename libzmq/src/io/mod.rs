//! The I/O threads: each runs one [`reactor`](reactor) (a `mio::Poll`, a
//! waker and a timer heap) that drives TCP listeners, connecters with
//! reconnect, and one [`engine`](engine) per connection.
//!
//! Other threads talk to an I/O thread through [`Command`]s, and pipes wake an
//! engine through [`EngineNotify`], which only makes a syscall when the I/O
//! thread is actually asleep.

pub(crate) mod connecter;
pub(crate) mod direct;
pub(crate) mod engine;
pub(crate) mod ipc;
pub(crate) mod reactor;
pub(crate) mod stream;
pub(crate) mod tcp;
pub(crate) mod udp;
pub(crate) mod write_queue;

use crate::addr::{IpcAddr, TcpAddr};
use crate::inbox::Inbox;
use crate::pipe::{Hwms, Notify, Pipe};
use parking_lot::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use zmtp::SocketType;

/// Which socket, and which of its binds or connects, something belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct EndpointKey {
    pub(crate) socket_id: u64,
    pub(crate) endpoint_id: u64,
}

/// What a closed socket's connections do with what it queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Linger {
    /// Write what the connection takes now, without waiting; drop the rest.
    Zero,
    /// Keep writing until this deadline at most.
    Until(Instant),
    /// Keep writing until everything is written.
    Forever,
}

impl Linger {
    /// From the socket's linger option (`None`: infinite).
    pub(crate) fn starting_now(linger: Option<Duration>) -> Linger {
        match linger {
            Some(d) if d.is_zero() => Linger::Zero,
            Some(d) => Linger::Until(Instant::now() + d),
            None => Linger::Forever,
        }
    }

    /// The deadline, if the linger has one after zero.
    pub(crate) fn deadline(self) -> Option<Instant> {
        match self {
            Linger::Until(at) => Some(at),
            Linger::Zero | Linger::Forever => None,
        }
    }
}

/// What an engine needs to know about its socket.
#[derive(Debug, Clone)]
pub(crate) struct EngineOptions {
    pub(crate) socket_type: SocketType,
    /// Where the pipes of an accepted connection (or of an `immediate`
    /// connect's) are handed to the socket.
    pub(crate) inbox: Arc<Inbox>,
    /// The socket's high water marks, for the pipes engines make.
    pub(crate) hwms: Arc<Hwms>,
    pub(crate) max_msg_size: Option<u64>,
    pub(crate) handshake_interval: Option<Duration>,
    pub(crate) connect_timeout: Option<Duration>,
    pub(crate) heartbeat: Option<zmtp::Heartbeat>,
    /// Shared by every connection of the endpoint (secrets are not copied).
    pub(crate) mechanism: Arc<zmtp::MechanismConfig>,
    /// The ctx's auth registry (also used by connections of a closed, lingering socket).
    pub(crate) auth: Arc<crate::auth::AuthRegistry>,
    pub(crate) reconnect_interval: Option<Duration>,
    pub(crate) reconnect_interval_max: Option<Duration>,
    /// REQ, DEALER, ROUTER: the routing id announced as `Identity`.
    pub(crate) routing_id: Option<bytes::Bytes>,
    /// The endpoint's monitor events go here.
    pub(crate) tap: crate::monitor::hub::Tap,
    /// The socket's counters (connected peers).
    pub(crate) counters: Arc<crate::counters::CounterCells>,
}

/// The pipes a connecter keeps across connections: (socket → peer, peer →
/// socket).
pub(crate) type ConnectPipes = (Arc<Pipe>, Arc<Pipe>);

/// Where a connecter connects to.
#[derive(Debug, Clone)]
pub(crate) enum PeerAddr {
    Tcp(TcpAddr),
    Ipc(IpcAddr),
}

impl std::fmt::Display for PeerAddr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PeerAddr::Tcp(addr) => write!(f, "tcp://{addr}"),
            PeerAddr::Ipc(addr) => write!(f, "ipc://{addr}"),
        }
    }
}

impl PeerAddr {
    /// Starts a non-blocking connect (TCP: to the first address that takes it).
    pub(crate) fn start_connect(&self) -> std::io::Result<stream::Stream> {
        match self {
            PeerAddr::Tcp(addr) => {
                let mut last = None;
                for target in tcp::resolve(addr.host())? {
                    match tcp::start_connect(target, addr.src()) {
                        Ok(stream) => return Ok(stream::Stream::Tcp(stream)),
                        Err(err) => last = Some(err),
                    }
                }
                Err(last.unwrap_or_else(|| std::io::Error::other("no address")))
            }
            PeerAddr::Ipc(addr) => ipc::start_connect(addr),
        }
    }
}

/// A request to an I/O thread.
pub(crate) enum Command {
    /// Accept connections on this bound listener.
    Listen {
        listener: stream::BoundListener,
        key: EndpointKey,
        options: EngineOptions,
    },
    /// Keep a connection to `addr` up, through these (socket-side) pipes
    /// (`None`: `immediate`, each connection makes its own once its
    /// handshake completed, as an accepted one does).
    Connect {
        addr: PeerAddr,
        key: EndpointKey,
        pipes: Option<ConnectPipes>,
        options: EngineOptions,
    },
    /// Send (Radio) or receive (Dish) datagrams on this UDP socket.
    Udp {
        socket: std::net::UdpSocket,
        key: EndpointKey,
        out: Arc<Pipe>,
        inp: Arc<Pipe>,
        sending: bool,
    },
    /// Stop a listener or connecter and its connections.
    CloseEndpoint {
        key: EndpointKey,
        done: Option<Arc<Completion>>,
    },
    /// Stop everything of a closed socket.
    CloseSocket {
        socket_id: u64,
        done: Option<Arc<Completion>>,
        linger: Linger,
    },
    /// Stop the thread.
    Stop,
}

/// Lets a caller wait until an I/O thread has carried out a command (so that
/// `unbind` and closing a socket free its addresses before they return).
#[derive(Default)]
pub(crate) struct Completion {
    done: Mutex<bool>,
    cond: parking_lot::Condvar,
}

impl Completion {
    pub(crate) fn new() -> Arc<Completion> {
        Arc::new(Completion::default())
    }

    /// Marks the command done.
    pub(crate) fn complete(&self) {
        *self.done.lock() = true;
        self.cond.notify_all();
    }

    /// Waits until done, at most `timeout` (an I/O thread never takes long).
    pub(crate) fn wait(&self, timeout: Duration) {
        let mut done = self.done.lock();
        let deadline = std::time::Instant::now() + timeout;
        while !*done {
            if self.cond.wait_until(&mut done, deadline).timed_out() {
                log::warn!("I/O thread did not confirm a close in {timeout:?}");
                return;
            }
        }
    }
}

/// The part of an I/O thread that other threads touch.
pub(crate) struct IoShared {
    waker: mio::Waker,
    commands: Mutex<Vec<Command>>,
    ready: Mutex<Vec<(usize, u64)>>,
    awake: AtomicBool,
}

impl IoShared {
    /// Wakes the thread if it sleeps in `poll`.
    fn wake(&self) {
        if !self.awake.swap(true, SeqCst) {
            if let Err(err) = self.waker.wake() {
                log::error!("cannot wake I/O thread: {err}");
            }
        }
    }

    fn send(&self, command: Command) {
        self.commands.lock().push(command);
        self.wake();
    }
}

/// Wakes one engine (slot `token`, generation `generation`) of an I/O thread.
pub(crate) struct EngineNotify {
    shared: Arc<IoShared>,
    token: usize,
    generation: u64,
    queued: AtomicBool,
}

impl EngineNotify {
    pub(crate) fn new(
        shared: Arc<IoShared>,
        token: usize,
        generation: u64,
    ) -> Arc<EngineNotify> {
        Arc::new(EngineNotify {
            shared,
            token,
            generation,
            queued: AtomicBool::new(false),
        })
    }

    /// Called by the reactor before it runs the engine.
    pub(crate) fn clear(&self) {
        self.queued.store(false, SeqCst);
    }
}

impl Notify for EngineNotify {
    fn notify(&self) {
        if !self.queued.swap(true, SeqCst) {
            self.shared.ready.lock().push((self.token, self.generation));
            self.shared.wake();
        }
    }
}

/// One running I/O thread: what other threads share with it, and its handle.
type IoThread = (Arc<IoShared>, Mutex<Option<JoinHandle<()>>>);

/// The I/O threads of one ctx.
pub(crate) struct IoThreads {
    threads: Vec<IoThread>,
    next: AtomicUsize,
}

impl IoThreads {
    /// Starts `count` threads.
    pub(crate) fn start(
        ctx_id: u64,
        count: usize,
    ) -> std::io::Result<IoThreads> {
        let mut threads = Vec::with_capacity(count);
        for index in 0..count {
            let (reactor, shared) = reactor::Reactor::new()?;
            let handle = std::thread::Builder::new()
                .name(format!("zmq-io-{ctx_id}-{index}"))
                .spawn(move || reactor.run())?;
            threads.push((shared, Mutex::new(Some(handle))));
        }
        Ok(IoThreads {
            threads,
            next: AtomicUsize::new(0),
        })
    }

    /// Number of threads.
    pub(crate) fn len(&self) -> usize {
        self.threads.len()
    }

    /// The thread for a new endpoint (round-robin).
    pub(crate) fn pick(&self) -> usize {
        self.next.fetch_add(1, SeqCst) % self.threads.len()
    }

    /// Queues `command` for thread `index`.
    pub(crate) fn send(&self, index: usize, command: Command) {
        self.threads[index % self.threads.len()].0.send(command);
    }

    /// Stops and joins every thread.
    pub(crate) fn stop(&self) {
        for (shared, _) in &self.threads {
            shared.send(Command::Stop);
        }
        for (_, handle) in &self.threads {
            if let Some(handle) = handle.lock().take() {
                if handle.thread().id() != std::thread::current().id() {
                    let _ = handle.join();
                }
            }
        }
    }
}
