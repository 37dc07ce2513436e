//! The loop of one I/O thread: a `mio::Poll`, a waker, a timer heap, and a slab
//! of listeners, pending connects and engines.

use super::engine::{CloseReason, Engine, Origin};
use super::stream::{Listener as StreamListener, Stream};
use super::udp::UdpEngine;
use super::{Command, EngineNotify, EngineOptions, IoShared, PeerAddr};
use crate::pipe::Pipe;
use crate::socket::core::SocketCore;
use mio::{Events, Interest, Poll, Token};
use parking_lot::Mutex;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

const WAKER: Token = Token(0);

struct Listener {
    listener: StreamListener,
    socket: Weak<SocketCore>,
    socket_id: u64,
    endpoint_id: u64,
    options: EngineOptions,
}

struct Connecting {
    stream: Stream,
    socket_id: u64,
    endpoint_id: u64,
}

enum Entry {
    Listener(Box<Listener>),
    Connecting(Connecting),
    Engine(Box<Engine>),
    Udp(Box<UdpEngine>),
}

impl Entry {
    fn socket_id(&self) -> u64 {
        match self {
            Entry::Listener(l) => l.socket_id,
            Entry::Connecting(c) => c.socket_id,
            Entry::Engine(e) => e.socket_id,
            Entry::Udp(u) => u.socket_id,
        }
    }

    fn endpoint_id(&self) -> u64 {
        match self {
            Entry::Listener(l) => l.endpoint_id,
            Entry::Connecting(c) => c.endpoint_id,
            Entry::Engine(e) => e.endpoint_id,
            Entry::Udp(u) => u.endpoint_id,
        }
    }
}

#[derive(Default)]
struct Slot {
    generation: u64,
    entry: Option<Entry>,
}

/// A connecter: keeps one connection to `addr` up, reconnecting after failures.
struct Connecter {
    addr: PeerAddr,
    socket: Weak<SocketCore>,
    socket_id: u64,
    out: Arc<Pipe>,
    inp: Arc<Pipe>,
    options: EngineOptions,
    attempts: u32,
    /// The socket is closed and lingers until this deadline (`Some(None)`: no limit).
    linger: Option<Option<Instant>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum TimerKind {
    Reconnect { endpoint_id: u64 },
    Engine { slot: usize, generation: u64 },
    LingerEnd { socket_id: u64 },
    ConnectTimeout { slot: usize, generation: u64 },
}

/// The reactor of one I/O thread.
pub(crate) struct Reactor {
    poll: Poll,
    shared: Arc<IoShared>,
    slots: Vec<Slot>,
    free: Vec<usize>,
    connecters: HashMap<u64, Connecter>,
    timers: BinaryHeap<Reverse<(Instant, TimerKind)>>,
    /// The ctx is gone: run until what lingers is done.
    stopping: bool,
}

fn token_of(slot: usize) -> Token {
    Token(slot + 1)
}

impl Reactor {
    pub(crate) fn new() -> std::io::Result<(Reactor, Arc<IoShared>)> {
        let poll = Poll::new()?;
        let waker = mio::Waker::new(poll.registry(), WAKER)?;
        let shared = Arc::new(IoShared {
            waker,
            commands: Mutex::new(Vec::new()),
            ready: Mutex::new(Vec::new()),
            awake: AtomicBool::new(true),
        });
        let reactor = Reactor {
            poll,
            shared: shared.clone(),
            slots: Vec::new(),
            free: Vec::new(),
            connecters: HashMap::new(),
            timers: BinaryHeap::new(),
            stopping: false,
        };
        Ok((reactor, shared))
    }

    /// Runs until a `Stop` command.
    pub(crate) fn run(mut self) {
        let mut events = Events::with_capacity(256);
        let mut commands = Vec::new();
        let mut ready = Vec::new();
        loop {
            std::mem::swap(&mut commands, &mut *self.shared.commands.lock());
            for command in commands.drain(..) {
                self.handle_command(command);
            }
            if self.stopping && self.is_idle() {
                return;
            }
            std::mem::swap(&mut ready, &mut *self.shared.ready.lock());
            for (slot, generation) in ready.drain(..) {
                self.run_engine(slot, generation);
            }
            let timeout = self.fire_timers();

            self.shared.awake.store(false, SeqCst);
            let busy = !self.shared.commands.lock().is_empty()
                || !self.shared.ready.lock().is_empty();
            let timeout = if busy { Some(Duration::ZERO) } else { timeout };
            let polled = self.poll.poll(&mut events, timeout);
            self.shared.awake.store(true, SeqCst);
            if let Err(err) = polled {
                if err.kind() != std::io::ErrorKind::Interrupted {
                    log::error!("I/O thread poll failed: {err}");
                    self.close_all();
                    return;
                }
            }
            for event in events.iter() {
                if event.token() == WAKER {
                    continue;
                }
                let slot = event.token().0 - 1;
                let readable = event.is_readable()
                    || event.is_read_closed()
                    || event.is_error();
                self.on_event(slot, readable);
            }
        }
    }

    // ---- slots ---------------------------------------------------------------------

    fn allocate(&mut self) -> (usize, u64) {
        let slot = self.free.pop().unwrap_or_else(|| {
            self.slots.push(Slot::default());
            self.slots.len() - 1
        });
        self.slots[slot].generation += 1;
        (slot, self.slots[slot].generation)
    }

    fn release(&mut self, slot: usize) {
        self.slots[slot].entry = None;
        self.free.push(slot);
    }

    // ---- commands --------------------------------------------------------------

    fn handle_command(&mut self, command: Command) {
        match command {
            Command::Listen {
                listener,
                socket,
                socket_id,
                endpoint_id,
                options,
            } => {
                let mut listener = listener.into_listener();
                let (slot, _) = self.allocate();
                if let Err(err) = self.poll.registry().register(
                    &mut listener,
                    token_of(slot),
                    Interest::READABLE,
                ) {
                    log::error!("cannot watch listener: {err}");
                    self.release(slot);
                    return;
                }
                self.slots[slot].entry =
                    Some(Entry::Listener(Box::new(Listener {
                        listener,
                        socket,
                        socket_id,
                        endpoint_id,
                        options,
                    })));
            }
            Command::Connect {
                addr,
                socket,
                socket_id,
                endpoint_id,
                out,
                inp,
                options,
            } => {
                self.connecters.insert(
                    endpoint_id,
                    Connecter {
                        addr,
                        socket,
                        socket_id,
                        out,
                        inp,
                        options,
                        attempts: 0,
                        linger: None,
                    },
                );
                self.start_connect(endpoint_id);
            }
            Command::CloseEndpoint {
                socket_id,
                endpoint_id,
                done,
            } => {
                self.connecters.remove(&endpoint_id);
                self.close_where(|entry| {
                    entry.socket_id() == socket_id
                        && entry.endpoint_id() == endpoint_id
                });
                if let Some(done) = done {
                    done.complete();
                }
            }
            Command::CloseSocket {
                socket_id,
                done,
                linger,
            } => {
                if linger == Some(Duration::ZERO) {
                    self.connecters.retain(|_, c| c.socket_id != socket_id);
                    self.close_where(|entry| entry.socket_id() == socket_id);
                } else {
                    self.start_linger(socket_id, linger);
                }
                if let Some(done) = done {
                    done.complete();
                }
            }
            Command::Udp {
                socket,
                socket_id,
                endpoint_id,
                out,
                inp,
                sending,
            } => {
                let (slot, generation) = self.allocate();
                let notify =
                    EngineNotify::new(self.shared.clone(), slot, generation);
                let mut engine = UdpEngine::new(
                    socket,
                    socket_id,
                    endpoint_id,
                    out,
                    inp,
                    sending,
                    notify,
                );
                let interest = Interest::READABLE | Interest::WRITABLE;
                if let Err(err) = self.poll.registry().register(
                    &mut engine.socket,
                    token_of(slot),
                    interest,
                ) {
                    log::error!("cannot watch udp socket: {err}");
                    self.release(slot);
                    return;
                }
                self.slots[slot].entry = Some(Entry::Udp(Box::new(engine)));
                self.run_engine(slot, generation);
            }
            Command::Stop => {
                // What lingers still gets its time; then the thread ends.
                self.stopping = true;
            }
        }
    }

    /// A socket closed with a linger: its listeners go now; its connections
    /// write what is queued and then close; its connecters keep trying while
    /// they have something queued.
    fn start_linger(&mut self, socket_id: u64, linger: Option<Duration>) {
        let deadline = linger.map(|d| Instant::now() + d);
        self.close_where(|entry| {
            entry.socket_id() == socket_id
                && matches!(entry, Entry::Listener(_) | Entry::Udp(_))
        });
        let idle: Vec<u64> = self
            .connecters
            .iter_mut()
            .filter(|(_, c)| c.socket_id == socket_id)
            .filter_map(|(id, c)| {
                c.linger = Some(deadline);
                (!c.out.is_readable()).then_some(*id)
            })
            .collect();
        for endpoint_id in idle {
            self.connecters.remove(&endpoint_id);
            self.close_where(|entry| matches!(entry, Entry::Connecting(c) if c.endpoint_id == endpoint_id));
        }
        for slot in 0..self.slots.len() {
            let generation = self.slots[slot].generation;
            if let Some(Entry::Engine(engine)) = &mut self.slots[slot].entry {
                if engine.socket_id == socket_id {
                    engine.start_linger(deadline);
                    self.run_engine(slot, generation);
                }
            }
        }
        if let Some(deadline) = deadline {
            self.timers
                .push(Reverse((deadline, TimerKind::LingerEnd { socket_id })));
        }
    }

    /// Whether anything is left to do for closed sockets.
    fn is_idle(&self) -> bool {
        self.connecters.is_empty()
            && self.slots.iter().all(|s| s.entry.is_none())
    }

    fn close_where(&mut self, matches: impl Fn(&Entry) -> bool) {
        for slot in 0..self.slots.len() {
            if self.slots[slot].entry.as_ref().is_some_and(&matches) {
                if let Some(entry) = self.slots[slot].entry.take() {
                    self.drop_entry(slot, entry, None);
                }
            }
        }
    }

    fn close_all(&mut self) {
        self.connecters.clear();
        self.close_where(|_| true);
    }

    // ---- events ------------------------------------------------------------------

    fn on_event(&mut self, slot: usize, readable: bool) {
        let Some(entry) = self.slots.get_mut(slot).and_then(|s| s.entry.take())
        else {
            return;
        };
        match entry {
            Entry::Listener(listener) => {
                self.accept_all(&listener);
                self.slots[slot].entry = Some(Entry::Listener(listener));
            }
            Entry::Connecting(connecting) => {
                self.finish_connect(slot, connecting)
            }
            Entry::Engine(mut engine) => match engine.on_ready(readable) {
                Ok(()) => {
                    self.slots[slot].entry = Some(Entry::Engine(engine));
                    self.schedule_engine(slot);
                }
                Err(reason) => {
                    self.drop_entry(slot, Entry::Engine(engine), Some(reason))
                }
            },
            Entry::Udp(mut engine) => match engine.run() {
                Ok(()) => self.slots[slot].entry = Some(Entry::Udp(engine)),
                Err(()) => self.drop_entry(slot, Entry::Udp(engine), None),
            },
        }
    }

    fn run_engine(&mut self, slot: usize, generation: u64) {
        let Some(s) = self.slots.get_mut(slot) else {
            return;
        };
        if s.generation != generation {
            return;
        }
        match s.entry.take() {
            Some(Entry::Engine(mut engine)) => {
                engine.clear_notify();
                match engine.run() {
                    Ok(()) => {
                        self.slots[slot].entry = Some(Entry::Engine(engine));
                        self.schedule_engine(slot);
                    }
                    Err(reason) => self.drop_entry(
                        slot,
                        Entry::Engine(engine),
                        Some(reason),
                    ),
                }
            }
            Some(Entry::Udp(mut engine)) => {
                engine.clear_notify();
                match engine.run() {
                    Ok(()) => self.slots[slot].entry = Some(Entry::Udp(engine)),
                    Err(()) => self.drop_entry(slot, Entry::Udp(engine), None),
                }
            }
            other => self.slots[slot].entry = other,
        }
    }

    fn accept_all(&mut self, listener: &Listener) {
        loop {
            match listener.listener.accept() {
                Ok(stream) => {
                    if listener.socket.strong_count() == 0 {
                        continue;
                    }
                    self.add_engine(
                        stream,
                        listener.socket.clone(),
                        listener.socket_id,
                        listener.endpoint_id,
                        Origin::Accepted,
                        &listener.options.clone(),
                        None,
                    );
                }
                Err(err) if err.kind() == std::io::ErrorKind::WouldBlock => {
                    return
                }
                Err(err) if err.kind() == std::io::ErrorKind::Interrupted => {}
                Err(err) => {
                    // E.g. out of file descriptors: leave the rest in the backlog.
                    log::warn!("accept failed: {err}");
                    return;
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn add_engine(
        &mut self,
        mut stream: Stream,
        socket: Weak<SocketCore>,
        socket_id: u64,
        endpoint_id: u64,
        origin: Origin,
        options: &EngineOptions,
        preset: Option<(Arc<Pipe>, Arc<Pipe>)>,
    ) -> Option<usize> {
        let (slot, generation) = self.allocate();
        let interest = Interest::READABLE | Interest::WRITABLE;
        if let Err(err) =
            self.poll
                .registry()
                .register(&mut stream, token_of(slot), interest)
        {
            log::error!("cannot watch connection: {err}");
            self.release(slot);
            return None;
        }
        let notify = EngineNotify::new(self.shared.clone(), slot, generation);
        let engine = Engine::new(
            stream,
            socket,
            socket_id,
            endpoint_id,
            origin,
            options,
            notify,
            preset,
        );
        self.slots[slot].entry = Some(Entry::Engine(Box::new(engine)));
        // Send the greeting now.
        self.run_engine(slot, generation);
        Some(slot)
    }

    // ---- connecting ----------------------------------------------------------------

    fn start_connect(&mut self, endpoint_id: u64) {
        let Some(connecter) = self.connecters.get(&endpoint_id) else {
            return;
        };
        let socket_id = connecter.socket_id;
        let connect_timeout = connecter.options.connect_timeout;
        let attempt = connecter.addr.start_connect();
        let mut stream = match attempt {
            Ok(stream) => stream,
            Err(err) => {
                log::debug!("connect to {} failed: {err}", connecter.addr);
                self.schedule_reconnect(endpoint_id);
                return;
            }
        };
        let (slot, _) = self.allocate();
        if let Err(err) = self.poll.registry().register(
            &mut stream,
            token_of(slot),
            Interest::WRITABLE,
        ) {
            log::error!("cannot watch connect: {err}");
            self.release(slot);
            self.schedule_reconnect(endpoint_id);
            return;
        }
        if let Some(timeout) = connect_timeout {
            let generation = self.slots[slot].generation;
            let at = Instant::now() + timeout;
            self.timers.push(Reverse((
                at,
                TimerKind::ConnectTimeout { slot, generation },
            )));
        }
        self.slots[slot].entry = Some(Entry::Connecting(Connecting {
            stream,
            socket_id,
            endpoint_id,
        }));
    }

    fn finish_connect(&mut self, slot: usize, mut connecting: Connecting) {
        let endpoint_id = connecting.endpoint_id;
        let failed = connecting.stream.connect_result().err();
        if let Some(err) = failed {
            if err.kind() == std::io::ErrorKind::NotConnected {
                // Spurious wake-up: still connecting.
                self.slots[slot].entry = Some(Entry::Connecting(connecting));
                return;
            }
            log::debug!("connect failed: {err}");
            let _ = self.poll.registry().deregister(&mut connecting.stream);
            self.release(slot);
            self.schedule_reconnect(endpoint_id);
            return;
        }
        let _ = self.poll.registry().deregister(&mut connecting.stream);
        self.release(slot);
        let Some(connecter) = self.connecters.get_mut(&endpoint_id) else {
            return;
        };
        let socket = connecter.socket.clone();
        let socket_id = connecter.socket_id;
        let options = connecter.options.clone();
        let preset = Some((connecter.out.clone(), connecter.inp.clone()));
        let linger = connecter.linger;
        let slot = self.add_engine(
            connecting.stream,
            socket,
            socket_id,
            endpoint_id,
            Origin::Connected,
            &options,
            preset,
        );
        // The socket is already closed: this connection only delivers what it queued.
        if let (Some(slot), Some(deadline)) = (slot, linger) {
            if let Some(Entry::Engine(engine)) = &mut self.slots[slot].entry {
                engine.start_linger(deadline);
            }
        }
    }

    /// A connect took longer than its timeout: drop it and retry later.
    fn connect_timeout(&mut self, slot: usize, generation: u64) {
        let pending = self.slots.get(slot).is_some_and(|s| {
            s.generation == generation
                && matches!(s.entry, Some(Entry::Connecting(_)))
        });
        if !pending {
            return;
        }
        if let Some(Entry::Connecting(mut connecting)) =
            self.slots[slot].entry.take()
        {
            log::debug!("connect timed out");
            let _ = self.poll.registry().deregister(&mut connecting.stream);
            self.release(slot);
            self.schedule_reconnect(connecting.endpoint_id);
        }
    }

    fn schedule_reconnect(&mut self, endpoint_id: u64) {
        let Some(connecter) = self.connecters.get_mut(&endpoint_id) else {
            return;
        };
        let Some(interval) = connecter
            .options
            .reconnect_interval
            .filter(|d| !d.is_zero())
        else {
            // Reconnection disabled: the endpoint is done.
            if let Some(connecter) = self.connecters.remove(&endpoint_id) {
                give_up(&connecter, endpoint_id);
            }
            return;
        };
        let delay = match connecter
            .options
            .reconnect_interval_max
            .filter(|d| !d.is_zero())
        {
            None => {
                let jitter = rand::random::<u64>()
                    % (interval.as_millis().max(1) as u64);
                interval + Duration::from_millis(jitter)
            }
            Some(max) => {
                let factor = 1u32 << connecter.attempts.min(16);
                interval.saturating_mul(factor).min(max)
            }
        };
        connecter.attempts = connecter.attempts.saturating_add(1);
        self.timers.push(Reverse((
            Instant::now() + delay,
            TimerKind::Reconnect { endpoint_id },
        )));
    }

    // ---- timers --------------------------------------------------------------------

    /// Fires the due timers; returns how long until the next one.
    fn fire_timers(&mut self) -> Option<Duration> {
        let now = Instant::now();
        while let Some(Reverse((at, kind))) = self.timers.peek().copied() {
            if at > now {
                return Some(at - now);
            }
            self.timers.pop();
            match kind {
                TimerKind::Reconnect { endpoint_id } => {
                    self.start_connect(endpoint_id)
                }
                TimerKind::Engine { slot, generation } => {
                    self.engine_timer(slot, generation, now)
                }
                TimerKind::ConnectTimeout { slot, generation } => {
                    self.connect_timeout(slot, generation)
                }
                TimerKind::LingerEnd { socket_id } => {
                    self.connecters.retain(|_, c| c.socket_id != socket_id);
                    self.close_where(|entry| entry.socket_id() == socket_id);
                }
            }
        }
        None
    }

    /// Makes sure a timer runs at the engine's next deadline.
    fn schedule_engine(&mut self, slot: usize) {
        let generation = self.slots[slot].generation;
        if let Some(Entry::Engine(engine)) = &mut self.slots[slot].entry {
            if let Some(at) = engine.next_deadline() {
                if engine.scheduled.is_none_or(|scheduled| at < scheduled) {
                    engine.scheduled = Some(at);
                    self.timers.push(Reverse((
                        at,
                        TimerKind::Engine { slot, generation },
                    )));
                }
            }
        }
    }

    fn engine_timer(&mut self, slot: usize, generation: u64, now: Instant) {
        let Some(s) = self.slots.get_mut(slot) else {
            return;
        };
        if s.generation != generation {
            return;
        }
        let Some(Entry::Engine(mut engine)) = s.entry.take() else {
            return;
        };
        if engine.scheduled.is_some_and(|at| at <= now) {
            engine.scheduled = None;
        }
        match engine.on_timer(now) {
            Ok(()) => {
                self.slots[slot].entry = Some(Entry::Engine(engine));
                self.schedule_engine(slot);
            }
            Err(reason) => {
                self.drop_entry(slot, Entry::Engine(engine), Some(reason))
            }
        }
    }

    // ---- closing -----------------------------------------------------------------

    /// Closes an entry. `reason` is `None` when the socket asked for it.
    fn drop_entry(
        &mut self,
        slot: usize,
        entry: Entry,
        reason: Option<CloseReason>,
    ) {
        match entry {
            Entry::Listener(mut listener) => {
                let _ = self.poll.registry().deregister(&mut listener.listener);
            }
            Entry::Connecting(mut connecting) => {
                let _ = self.poll.registry().deregister(&mut connecting.stream);
            }
            Entry::Udp(mut engine) => {
                let _ = self.poll.registry().deregister(&mut engine.socket);
            }
            Entry::Engine(mut engine) => {
                let _ = self.poll.registry().deregister(&mut engine.stream);
                if let Some(reason) = &reason {
                    log::debug!("connection closed: {reason:?}");
                }
                engine.detach();
                if engine.handshake_done() {
                    // A completed handshake resets the reconnect backoff (as libzmq).
                    if let Some(connecter) =
                        self.connecters.get_mut(&engine.endpoint_id)
                    {
                        connecter.attempts = 0;
                    }
                }
                if engine.origin == Origin::Connected {
                    if let Some(reason) = reason {
                        if reason.is_terminal() {
                            if let Some(connecter) =
                                self.connecters.remove(&engine.endpoint_id)
                            {
                                give_up(&connecter, engine.endpoint_id);
                            }
                        } else {
                            self.schedule_reconnect(engine.endpoint_id);
                        }
                    }
                }
            }
        }
        self.release(slot);
    }
}

/// A connecter stops for good: its peer leaves the socket, as in libzmq where
/// the session (and its pipe) terminates.
fn give_up(connecter: &Connecter, endpoint_id: u64) {
    match connecter.socket.upgrade() {
        Some(socket) => socket.detach_endpoint(endpoint_id),
        None => {
            connecter.out.close_reader();
            connecter.inp.close_writer();
        }
    }
    log::debug!(
        "endpoint {endpoint_id} ({}) stopped reconnecting",
        connecter.addr
    );
}
