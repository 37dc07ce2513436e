//! The loop of one I/O thread: a `mio::Poll`, a waker, a timer heap, and a slab
//! of listeners, pending connects and engines.

use super::connecter::Connecter;
use super::engine::{CloseReason, Engine, Origin};
use super::stream::{Listener as StreamListener, Stream};
use super::udp::UdpEngine;
use super::Linger;
use super::{Command, EndpointKey, EngineNotify, EngineOptions, IoShared};
use crate::monitor::EventKind;
use crate::pipe::Pipe;
use mio::event::Source;
use mio::{Events, Interest, Poll, Token};
use parking_lot::Mutex;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::Arc;
use std::time::{Duration, Instant};

const WAKER: Token = Token(0);

/// A listener of a `bind`: accepted connections get engines.
struct Listener {
    listener: StreamListener,
    key: EndpointKey,
    options: EngineOptions,
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.options.tap.emit(|| EventKind::Closed);
    }
}

/// A connect in progress (the stream is not writable yet).
struct Connecting {
    stream: Stream,
    key: EndpointKey,
}

enum Entry {
    Listener(Box<Listener>),
    Connecting(Connecting),
    Engine(Box<Engine>),
    Udp(Box<UdpEngine>),
}

impl Entry {
    fn key(&self) -> EndpointKey {
        match self {
            Entry::Listener(l) => l.key,
            Entry::Connecting(c) => c.key,
            Entry::Engine(e) => e.key,
            Entry::Udp(u) => u.key,
        }
    }

    fn socket_id(&self) -> u64 {
        self.key().socket_id
    }

    /// The I/O source the entry is registered with.
    fn source(&mut self) -> &mut dyn Source {
        match self {
            Entry::Listener(l) => &mut l.listener,
            Entry::Connecting(c) => &mut c.stream,
            Entry::Engine(e) => &mut e.stream,
            Entry::Udp(u) => &mut u.socket,
        }
    }
}

#[derive(Default)]
struct Slot {
    generation: u64,
    entry: Option<Entry>,
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
            let timeout = self.fire_timers();
            // A linger that just ended may have closed the last of it (a
            // stale timer, such as a handshake deadline, must not keep a
            // stopping thread asleep).
            if self.stopping && self.is_idle() {
                return;
            }

            self.shared.awake.store(false, SeqCst);
            // The engines woken so far are taken before the poll (a wake
            // from now on writes the waker, which ends the next poll).
            std::mem::swap(&mut ready, &mut *self.shared.ready.lock());
            let busy =
                !self.shared.commands.lock().is_empty() || !ready.is_empty();
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
            // Stream events first: an engine that a pipe woke must have seen
            // its peer's close before it takes messages off the pipe, or it
            // would write them into a dead connection. The poll began after
            // every engine of `ready` was woken, so a close that arrived
            // before a wake-up is among its events (the engine reads no
            // stream of its own to find out).
            loop {
                self.on_events(&events);
                if events.iter().count() < events.capacity() {
                    break;
                }
                // A full batch: more may wait in the kernel.
                if self.poll.poll(&mut events, Some(Duration::ZERO)).is_err() {
                    break;
                }
            }
            for (slot, generation) in ready.drain(..) {
                self.run_engine(slot, generation);
            }
        }
    }

    fn on_events(&mut self, events: &Events) {
        for event in events.iter() {
            if event.token() == WAKER {
                continue;
            }
            let slot = event.token().0 - 1;
            let closed = event.is_read_closed() || event.is_error();
            self.on_event(slot, event.is_readable(), closed);
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

    /// Takes a slot for `source` and registers it for `interest`; on failure
    /// the slot is released and `what` logged.
    fn register(
        &mut self,
        source: &mut dyn Source,
        interest: Interest,
        what: &str,
    ) -> Option<(usize, u64)> {
        let (slot, generation) = self.allocate();
        let registry = self.poll.registry();
        match source.register(registry, token_of(slot), interest) {
            Ok(()) => Some((slot, generation)),
            Err(err) => {
                log::error!("cannot watch {what}: {err}");
                self.release(slot);
                None
            }
        }
    }

    // ---- commands --------------------------------------------------------------

    fn handle_command(&mut self, command: Command) {
        match command {
            Command::Listen {
                listener,
                key,
                options,
            } => {
                let mut listener = listener.into_listener();
                let Some((slot, _)) = self.register(
                    &mut listener,
                    Interest::READABLE,
                    "listener",
                ) else {
                    return;
                };
                self.slots[slot].entry =
                    Some(Entry::Listener(Box::new(Listener {
                        listener,
                        key,
                        options,
                    })));
            }
            Command::Connect {
                addr,
                key,
                pipes,
                options,
            } => {
                self.connecters.insert(
                    key.endpoint_id,
                    Connecter {
                        addr,
                        key,
                        pipes,
                        options,
                        attempts: 0,
                        linger: None,
                    },
                );
                self.start_connect(key.endpoint_id);
            }
            Command::CloseEndpoint { key, done } => {
                self.connecters.remove(&key.endpoint_id);
                self.close_where(|entry| entry.key() == key);
                if let Some(done) = done {
                    done.complete();
                }
            }
            Command::CloseSocket {
                socket_id,
                done,
                linger,
            } => {
                self.start_linger(socket_id, linger);
                if let Some(done) = done {
                    done.complete();
                }
            }
            Command::Udp {
                socket,
                key,
                out,
                inp,
                sending,
            } => {
                let mut socket = mio::net::UdpSocket::from_std(socket);
                let interest = Interest::READABLE | Interest::WRITABLE;
                let Some((slot, generation)) =
                    self.register(&mut socket, interest, "udp socket")
                else {
                    return;
                };
                let notify =
                    EngineNotify::new(self.shared.clone(), slot, generation);
                let engine =
                    UdpEngine::new(socket, key, out, inp, sending, notify);
                self.slots[slot].entry = Some(Entry::Udp(Box::new(engine)));
                self.run_engine(slot, generation);
            }
            Command::Stop => {
                // What lingers still gets its time; then the thread ends.
                self.stopping = true;
            }
        }
    }

    /// A socket closed: its listeners go now. Its connections write what it
    /// queued — without a linger as far as each connection takes it at once,
    /// else until the linger ends — and then close; its connecters keep
    /// trying while a linger lets them and they have something queued.
    fn start_linger(&mut self, socket_id: u64, linger: Linger) {
        self.close_where(|entry| {
            entry.socket_id() == socket_id
                && matches!(entry, Entry::Listener(_) | Entry::Udp(_))
        });
        let idle: Vec<u64> = self
            .connecters
            .iter_mut()
            .filter(|(_, c)| c.key.socket_id == socket_id)
            .filter_map(|(id, c)| {
                c.linger = Some(linger);
                (linger == Linger::Zero || !c.has_output()).then_some(*id)
            })
            .collect();
        for endpoint_id in idle {
            self.connecters.remove(&endpoint_id);
            self.close_where(|entry| matches!(entry, Entry::Connecting(c) if c.key.endpoint_id == endpoint_id));
        }
        for slot in 0..self.slots.len() {
            let generation = self.slots[slot].generation;
            let Some(Entry::Engine(engine)) = &mut self.slots[slot].entry
            else {
                continue;
            };
            if engine.key.socket_id != socket_id {
                continue;
            }
            if linger == Linger::Zero {
                engine.finish();
                if let Some(entry) = self.slots[slot].entry.take() {
                    self.drop_entry(slot, entry, None);
                }
            } else {
                engine.start_linger(linger.deadline());
                self.run_engine(slot, generation);
            }
        }
        if let Some(deadline) = linger.deadline() {
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

    fn on_event(&mut self, slot: usize, readable: bool, closed: bool) {
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
            Entry::Engine(mut engine) => {
                match engine.on_ready(readable, closed) {
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
            Entry::Udp(mut engine) => match engine.run() {
                Ok(()) => self.slots[slot].entry = Some(Entry::Udp(engine)),
                Err(_) => self.drop_entry(slot, Entry::Udp(engine), None),
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
            Some(Entry::Engine(mut engine)) => match engine.on_notify() {
                Ok(()) => {
                    self.slots[slot].entry = Some(Entry::Engine(engine));
                    self.schedule_engine(slot);
                }
                Err(reason) => {
                    self.drop_entry(slot, Entry::Engine(engine), Some(reason))
                }
            },
            Some(Entry::Udp(mut engine)) => {
                engine.clear_notify();
                match engine.run() {
                    Ok(()) => self.slots[slot].entry = Some(Entry::Udp(engine)),
                    Err(_) => self.drop_entry(slot, Entry::Udp(engine), None),
                }
            }
            other => self.slots[slot].entry = other,
        }
    }

    fn accept_all(&mut self, listener: &Listener) {
        loop {
            match listener.listener.accept() {
                Ok(stream) => {
                    if listener.options.inbox.is_closed() {
                        continue;
                    }
                    listener.options.tap.emit(|| EventKind::Accepted {
                        peer: stream.peer_addr(),
                    });
                    self.add_engine(
                        stream,
                        listener.key,
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
                    listener.options.tap.emit(|| EventKind::AcceptFailed {
                        reason: err.to_string(),
                    });
                    return;
                }
            }
        }
    }

    fn add_engine(
        &mut self,
        mut stream: Stream,
        key: EndpointKey,
        origin: Origin,
        options: &EngineOptions,
        preset: Option<(Arc<Pipe>, Arc<Pipe>)>,
    ) -> Option<usize> {
        let interest = Interest::READABLE | Interest::WRITABLE;
        let (slot, generation) =
            self.register(&mut stream, interest, "connection")?;
        let notify = EngineNotify::new(self.shared.clone(), slot, generation);
        let engine = Engine::new(stream, key, origin, options, notify, preset);
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
        let key = connecter.key;
        let connect_timeout = connecter.options.connect_timeout;
        let tap = connecter.options.tap.clone();
        let attempt = connecter.addr.start_connect();
        let mut stream = match attempt {
            Ok(stream) => stream,
            Err(err) => {
                log::debug!("connect to {} failed: {err}", connecter.addr);
                self.schedule_reconnect(endpoint_id);
                return;
            }
        };
        let Some((slot, generation)) =
            self.register(&mut stream, Interest::WRITABLE, "connect")
        else {
            self.schedule_reconnect(endpoint_id);
            return;
        };
        tap.emit(|| EventKind::ConnectDelayed);
        if let Some(timeout) = connect_timeout {
            let at = Instant::now() + timeout;
            self.timers.push(Reverse((
                at,
                TimerKind::ConnectTimeout { slot, generation },
            )));
        }
        self.slots[slot].entry =
            Some(Entry::Connecting(Connecting { stream, key }));
    }

    fn finish_connect(&mut self, slot: usize, mut connecting: Connecting) {
        let endpoint_id = connecting.key.endpoint_id;
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
        connecter.options.tap.emit(|| EventKind::Connected {
            peer: connecting.stream.peer_addr(),
        });
        let options = connecter.options.clone();
        let preset = connecter.pipes.clone();
        let linger = connecter.linger;
        let slot = self.add_engine(
            connecting.stream,
            connecting.key,
            Origin::Connected,
            &options,
            preset,
        );
        // The socket is already closed: this connection only delivers what it queued.
        if let (Some(slot), Some(linger)) = (slot, linger) {
            if let Some(Entry::Engine(engine)) = &mut self.slots[slot].entry {
                engine.start_linger(linger.deadline());
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
            self.schedule_reconnect(connecting.key.endpoint_id);
        }
    }

    fn schedule_reconnect(&mut self, endpoint_id: u64) {
        let Some(connecter) = self.connecters.get_mut(&endpoint_id) else {
            return;
        };
        match connecter.next_delay() {
            Some(delay) => {
                connecter
                    .options
                    .tap
                    .emit(|| EventKind::ConnectRetried { interval: delay });
                self.timers.push(Reverse((
                    Instant::now() + delay,
                    TimerKind::Reconnect { endpoint_id },
                )))
            }
            None => {
                // Reconnection disabled: the endpoint is done.
                if let Some(connecter) = self.connecters.remove(&endpoint_id) {
                    connecter.give_up();
                }
            }
        }
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
                    self.connecters.retain(|_, c| c.key.socket_id != socket_id);
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
        mut entry: Entry,
        reason: Option<CloseReason>,
    ) {
        let _ = self.poll.registry().deregister(entry.source());
        if let Entry::Engine(mut engine) = entry {
            if let Some(reason) = &reason {
                log::debug!("connection closed: {reason:?}");
            }
            // Pipes first: a monitor that sees the event finds the peer
            // gone (an `immediate` connect's or an accepted one's).
            engine.detach();
            engine.report_close(reason.as_ref());
            let endpoint_id = engine.key.endpoint_id;
            if engine.handshake_done() {
                // A completed handshake resets the reconnect backoff (as libzmq).
                if let Some(connecter) = self.connecters.get_mut(&endpoint_id) {
                    connecter.attempts = 0;
                }
            }
            match reason {
                Some(reason) if engine.origin == Origin::Connected => {
                    if !reason.is_terminal() {
                        self.schedule_reconnect(endpoint_id);
                    } else if let Some(connecter) =
                        self.connecters.remove(&endpoint_id)
                    {
                        connecter.give_up();
                    }
                }
                _ => {}
            }
        }
        self.release(slot);
    }
}
