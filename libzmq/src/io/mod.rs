//! The I/O threads: each runs one [`reactor`](reactor) (a `mio::Poll`, a
//! waker and a timer heap) that drives TCP listeners, connecters with
//! reconnect, and one [`engine`](engine) per connection.
//!
//! Other threads talk to an I/O thread through [`Command`]s, and pipes wake an
//! engine through [`EngineNotify`], which only makes a syscall when the I/O
//! thread is actually asleep.

pub(crate) mod engine;
pub(crate) mod reactor;
pub(crate) mod tcp;
pub(crate) mod write_queue;

use crate::addr::TcpAddr;
use crate::pipe::{Notify, Pipe};
use crate::socket::core::{Kind, SocketCore};
use parking_lot::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Weak};
use std::thread::JoinHandle;
use std::time::Duration;

/// What an engine needs to know about its socket's options.
#[derive(Debug, Clone)]
pub(crate) struct EngineOptions {
    pub(crate) socket_type: Kind,
    pub(crate) max_msg_size: Option<u64>,
    pub(crate) handshake_interval: Option<Duration>,
    pub(crate) reconnect_interval: Option<Duration>,
    pub(crate) reconnect_interval_max: Option<Duration>,
}

/// A request to an I/O thread.
pub(crate) enum Command {
    /// Accept connections on this bound listener.
    Listen {
        listener: std::net::TcpListener,
        socket: Weak<SocketCore>,
        socket_id: u64,
        endpoint_id: u64,
        options: EngineOptions,
    },
    /// Keep a connection to `addr` up, through these (socket-side) pipes.
    Connect {
        addr: TcpAddr,
        socket: Weak<SocketCore>,
        socket_id: u64,
        endpoint_id: u64,
        out: Arc<Pipe>,
        inp: Arc<Pipe>,
        options: EngineOptions,
    },
    /// Stop a listener or connecter and its connections.
    CloseEndpoint { socket_id: u64, endpoint_id: u64 },
    /// Stop everything of a closed socket.
    CloseSocket { socket_id: u64 },
    /// Stop the thread.
    Stop,
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
    pub(crate) fn new(shared: Arc<IoShared>, token: usize, generation: u64) -> Arc<EngineNotify> {
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
    pub(crate) fn start(ctx_id: u64, count: usize) -> std::io::Result<IoThreads> {
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
