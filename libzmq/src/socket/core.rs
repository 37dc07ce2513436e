//! The socket core shared by the six socket types: options, peers, endpoints,
//! and the blocking loop of `send`/`recv` with timeouts and ctx shutdown.

use super::peers::{Peer, PeerSet, SendFail};
use crate::addr::{Endpoint, InprocAddr, TcpAddr};
use crate::auth::Mechanism;
use crate::ctx::{CtxHandle, CtxInner};
use crate::error::{Error, ErrorKind};
use crate::group::{Group, GroupSlice};
use crate::io::stream::BoundListener;
use crate::io::{self, Command, EngineOptions};
use crate::io::{Completion, PeerAddr};
use crate::msg::{Msg, PipeCommand};
use crate::pipe::{Notify, Pipe};
use crate::signal::Signal;
use crate::Heartbeat;
use crate::Period;
use parking_lot::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::SeqCst};
use std::sync::Arc;
use std::time::{Duration, Instant};
pub(crate) use zmtp::SocketType as Kind;

static NEXT_SOCKET_ID: AtomicU64 = AtomicU64::new(1);
static NEXT_ENDPOINT_ID: AtomicU64 = AtomicU64::new(1);

/// A unique id for a bind or connect.
pub(crate) fn next_endpoint_id() -> u64 {
    NEXT_ENDPOINT_ID.fetch_add(1, SeqCst)
}

const NO_TIMEOUT: u64 = u64::MAX;
/// How long closing waits for an I/O thread to release a listener.
const CLOSE_WAIT: Duration = Duration::from_secs(5);

/// Options that are read when a connection or pipe is made.
#[derive(Debug, Clone)]
pub(crate) struct Options {
    pub(crate) send_hwm: i32,
    pub(crate) recv_hwm: i32,
    pub(crate) heartbeat: Option<Heartbeat>,
    pub(crate) reconnect_interval: Option<Duration>,
    pub(crate) reconnect_interval_max: Option<Duration>,
    pub(crate) handshake_interval: Option<Duration>,
    pub(crate) connect_timeout: Option<Duration>,
    pub(crate) max_msg_size: Option<u64>,
    pub(crate) linger: Period,
    pub(crate) mechanism: Mechanism,
}

/// The default largest message (frame) a peer may send: 256 MiB. libzmq has no
/// limit by default; we have one so that a peer cannot make us buffer
/// gigabytes. `set_max_msg_size(None)` lifts it.
pub(crate) const DEFAULT_MAX_MSG_SIZE: u64 = 256 * 1024 * 1024;

impl Default for Options {
    fn default() -> Self {
        Options {
            send_hwm: 1000,
            recv_hwm: 1000,
            heartbeat: None,
            reconnect_interval: Some(Duration::from_millis(100)),
            reconnect_interval_max: None,
            handshake_interval: Some(Duration::from_secs(30)),
            connect_timeout: None,
            max_msg_size: Some(DEFAULT_MAX_MSG_SIZE),
            linger: Period::Finite(Duration::ZERO),
            mechanism: Mechanism::Null,
        }
    }
}

/// A high water mark as a pipe capacity (0 = unlimited).
pub(crate) fn hwm(value: i32) -> usize {
    value.max(0) as usize
}

enum Transport {
    Stream { thread: usize },
    Inproc { name: String },
}

struct EndpointRecord {
    id: u64,
    endpoint: Endpoint,
    bound: bool,
    transport: Transport,
}

#[derive(Default)]
struct State {
    peers: PeerSet,
    endpoints: Vec<EndpointRecord>,
    last_endpoint: Option<Endpoint>,
    next_peer_id: u64,
    closed: bool,
    /// The groups a Dish joined, in join order.
    groups: Vec<Group>,
}

/// The shared core of a socket. See the module docs.
pub(crate) struct SocketCore {
    pub(crate) id: u64,
    pub(crate) kind: Kind,
    pub(crate) ctx: Arc<CtxInner>,
    ctx_handle: CtxHandle,
    pub(crate) signal: Arc<Signal>,
    state: Mutex<State>,
    options: Mutex<Options>,
    send_timeout_ms: AtomicU64,
    recv_timeout_ms: AtomicU64,
    no_drop: AtomicBool,
}

impl std::fmt::Debug for SocketCore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Socket")
            .field("type", &self.kind)
            .field("id", &self.id)
            .finish()
    }
}

fn timeout_to_ms(period: Period) -> u64 {
    match period {
        Period::Infinite => NO_TIMEOUT,
        Period::Finite(d) => {
            d.as_millis().min(u128::from(NO_TIMEOUT - 1)) as u64
        }
    }
}

fn ms_to_timeout(ms: u64) -> Period {
    if ms == NO_TIMEOUT {
        Period::Infinite
    } else {
        Period::Finite(Duration::from_millis(ms))
    }
}

fn deadline(ms: u64) -> Option<Instant> {
    (ms != NO_TIMEOUT).then(|| Instant::now() + Duration::from_millis(ms))
}

impl SocketCore {
    pub(crate) fn new(
        handle: CtxHandle,
        kind: Kind,
    ) -> Result<Arc<SocketCore>, Error> {
        let ctx = handle.upgrade()?;
        let id = NEXT_SOCKET_ID.fetch_add(1, SeqCst);
        let signal = Signal::new();
        ctx.register_socket(id, &signal)?;
        Ok(Arc::new(SocketCore {
            id,
            kind,
            ctx,
            ctx_handle: handle,
            signal,
            state: Mutex::new(State::default()),
            options: Mutex::new(Options::default()),
            send_timeout_ms: AtomicU64::new(NO_TIMEOUT),
            recv_timeout_ms: AtomicU64::new(NO_TIMEOUT),
            no_drop: AtomicBool::new(false),
        }))
    }

    pub(crate) fn ctx_handle(&self) -> CtxHandle {
        self.ctx_handle
    }

    fn invalid_ctx<T>(&self) -> Result<T, Error> {
        Err(Error::new(ErrorKind::InvalidCtx))
    }

    // ---- sending and receiving ------------------------------------------------

    fn try_send_once(&self, msg: Msg) -> Result<(), SendFail> {
        let mut state = self.state.lock();
        match self.kind {
            Kind::Server => state.peers.send_routed(msg),
            Kind::Radio => {
                state.peers.send_fan_out(msg, self.no_drop.load(SeqCst))
            }
            _ => state.peers.send_round_robin(msg),
        }
    }

    /// Sends one message; `blocking` waits up to the send timeout.
    pub(crate) fn send(
        &self,
        msg: Msg,
        blocking: bool,
    ) -> Result<(), Error<Msg>> {
        if self.ctx.is_terminated() {
            return Err(Error::with_content(ErrorKind::InvalidCtx, msg));
        }
        let mut msg = match self.try_send_once(msg) {
            Ok(()) => return Ok(()),
            Err(SendFail::Fatal(kind, msg)) => {
                return Err(Error::with_content(kind, msg))
            }
            Err(SendFail::Again(msg)) => msg,
        };
        let timeout = self.send_timeout_ms.load(SeqCst);
        if !blocking || timeout == 0 {
            return Err(Error::with_content(ErrorKind::WouldBlock, msg));
        }
        let deadline = deadline(timeout);
        let waiter = self.signal.register();
        loop {
            let seen = self.signal.generation();
            if self.ctx.is_terminated() {
                return Err(Error::with_content(ErrorKind::InvalidCtx, msg));
            }
            msg = match self.try_send_once(msg) {
                Ok(()) => return Ok(()),
                Err(SendFail::Fatal(kind, msg)) => {
                    return Err(Error::with_content(kind, msg))
                }
                Err(SendFail::Again(msg)) => msg,
            };
            if !waiter.wait(seen, deadline) {
                return Err(Error::with_content(ErrorKind::WouldBlock, msg));
            }
        }
    }

    fn try_recv_once(&self) -> Option<Msg> {
        let mut state = self.state.lock();
        let state = &mut *state;
        match self.kind {
            Kind::Dish => state.peers.recv_joined(&state.groups),
            kind => state.peers.recv_fair(kind == Kind::Server),
        }
    }

    // ---- groups (Dish) -------------------------------------------------------------

    /// Joins `group` and tells every peer.
    pub(crate) fn join(&self, group: Group) -> Result<(), Error> {
        self.ctx.check_alive()?;
        let mut state = self.state.lock();
        if state.groups.contains(&group) {
            return Err(Error::new(ErrorKind::InvalidInput(
                "cannot join group twice",
            )));
        }
        state.peers.broadcast_command(PipeCommand::Join, &group);
        state.groups.push(group);
        Ok(())
    }

    /// Leaves `group` and tells every peer.
    pub(crate) fn leave(&self, group: &GroupSlice) -> Result<(), Error> {
        self.ctx.check_alive()?;
        let mut state = self.state.lock();
        let Some(index) = state.groups.iter().position(|g| **g == *group)
        else {
            return Err(Error::new(ErrorKind::InvalidInput(
                "cannot leave a group that wasn't joined",
            )));
        };
        let group = state.groups.remove(index);
        state.peers.broadcast_command(PipeCommand::Leave, &group);
        Ok(())
    }

    /// The groups joined, in join order.
    pub(crate) fn joined(&self) -> Vec<Group> {
        self.state.lock().groups.clone()
    }

    /// A new connection of a Dish takes over `out`: what was queued for the
    /// old one is replaced by a JOIN of every group joined now.
    pub(crate) fn resend_joins(&self, out: &Pipe) {
        let state = self.state.lock();
        out.discard();
        for group in &state.groups {
            let _ = out
                .push_command(Msg::command(PipeCommand::Join, group.clone()));
        }
    }

    /// Radio: whether a matching peer at its HWM makes `send` wait instead of
    /// dropping its copy.
    pub(crate) fn set_no_drop(&self, value: bool) -> Result<(), Error> {
        self.ctx.check_alive()?;
        self.no_drop.store(value, SeqCst);
        Ok(())
    }

    pub(crate) fn no_drop(&self) -> Result<bool, Error> {
        self.ctx.check_alive()?;
        Ok(self.no_drop.load(SeqCst))
    }

    /// Receives one message; `blocking` waits up to the receive timeout.
    pub(crate) fn recv(&self, blocking: bool) -> Result<Msg, Error> {
        if self.ctx.is_terminated() {
            return self.invalid_ctx();
        }
        if let Some(msg) = self.try_recv_once() {
            return Ok(msg);
        }
        let timeout = self.recv_timeout_ms.load(SeqCst);
        if !blocking || timeout == 0 {
            return Err(Error::new(ErrorKind::WouldBlock));
        }
        let deadline = deadline(timeout);
        let waiter = self.signal.register();
        loop {
            let seen = self.signal.generation();
            if self.ctx.is_terminated() {
                return self.invalid_ctx();
            }
            if let Some(msg) = self.try_recv_once() {
                return Ok(msg);
            }
            if !waiter.wait(seen, deadline) {
                return Err(Error::new(ErrorKind::WouldBlock));
            }
        }
    }

    /// Whether a `recv` would succeed now.
    pub(crate) fn is_readable(&self) -> bool {
        self.state.lock().peers.any_readable()
    }

    /// Whether a `send` would succeed now (a Server can always try).
    pub(crate) fn is_writable(&self) -> bool {
        self.kind == Kind::Server || self.state.lock().peers.any_writable()
    }

    // ---- options -----------------------------------------------------------------

    pub(crate) fn options(&self) -> Options {
        self.options.lock().clone()
    }

    pub(crate) fn update_options(
        &self,
        change: impl FnOnce(&mut Options),
    ) -> Result<(), Error> {
        self.ctx.check_alive()?;
        change(&mut self.options.lock());
        Ok(())
    }

    /// Sets the security mechanism of the connections made from now on. A
    /// CURVE client without a certificate gets a fresh one.
    pub(crate) fn set_mechanism(
        &self,
        mechanism: Mechanism,
    ) -> Result<(), Error> {
        let mechanism = mechanism.with_client_cert();
        self.update_options(|o| {
            if o.mechanism != mechanism {
                o.mechanism = mechanism;
            }
        })
    }

    /// Sets the heartbeat for the connections made from now on.
    pub(crate) fn set_heartbeat(
        &self,
        maybe: Option<Heartbeat>,
    ) -> Result<(), Error> {
        if let Some(heartbeat) = &maybe {
            super::traits::check_heartbeat(heartbeat)?;
        }
        self.update_options(|o| o.heartbeat = maybe)
    }

    pub(crate) fn send_hwm(&self) -> Result<i32, Error> {
        self.ctx.check_alive()?;
        Ok(self.options.lock().send_hwm)
    }

    /// Sets the send HWM, also for the existing pipes (as libzmq).
    pub(crate) fn set_send_hwm(&self, value: i32) -> Result<(), Error> {
        check_hwm(value)?;
        self.update_options(|o| o.send_hwm = value)?;
        for peer in self.state.lock().peers.iter() {
            peer.out.set_writer_hwm(Some(hwm(value)));
        }
        Ok(())
    }

    pub(crate) fn recv_hwm(&self) -> Result<i32, Error> {
        self.ctx.check_alive()?;
        Ok(self.options.lock().recv_hwm)
    }

    /// Sets the receive HWM, also for the existing pipes (as libzmq).
    pub(crate) fn set_recv_hwm(&self, value: i32) -> Result<(), Error> {
        check_hwm(value)?;
        self.update_options(|o| o.recv_hwm = value)?;
        for peer in self.state.lock().peers.iter() {
            peer.inp.set_reader_hwm(Some(hwm(value)));
        }
        Ok(())
    }

    pub(crate) fn send_timeout(&self) -> Result<Period, Error> {
        self.ctx.check_alive()?;
        Ok(ms_to_timeout(self.send_timeout_ms.load(SeqCst)))
    }

    pub(crate) fn set_send_timeout(&self, period: Period) -> Result<(), Error> {
        self.ctx.check_alive()?;
        check_period_ms(period)?;
        self.send_timeout_ms.store(timeout_to_ms(period), SeqCst);
        Ok(())
    }

    pub(crate) fn recv_timeout(&self) -> Result<Period, Error> {
        self.ctx.check_alive()?;
        Ok(ms_to_timeout(self.recv_timeout_ms.load(SeqCst)))
    }

    pub(crate) fn set_recv_timeout(&self, period: Period) -> Result<(), Error> {
        self.ctx.check_alive()?;
        check_period_ms(period)?;
        self.recv_timeout_ms.store(timeout_to_ms(period), SeqCst);
        Ok(())
    }

    // ---- peers, as seen from engines and inproc ----------------------------------

    fn new_peer(
        &self,
        state: &mut State,
        out: Arc<Pipe>,
        inp: Arc<Pipe>,
        endpoint_id: u64,
        inproc: bool,
    ) -> u64 {
        state.next_peer_id += 1;
        let id = state.next_peer_id;
        if self.kind == Kind::Dish {
            for group in &state.groups {
                let _ = out.push_command(Msg::command(
                    PipeCommand::Join,
                    group.clone(),
                ));
            }
        }
        state
            .peers
            .attach(Peer::new(id, out, inp, endpoint_id, inproc));
        id
    }

    /// Adds a peer whose pipes already exist. Returns `None` if the socket is closed.
    pub(crate) fn attach_pipes(
        &self,
        out: Arc<Pipe>,
        inp: Arc<Pipe>,
        endpoint_id: u64,
        inproc: bool,
    ) -> Option<u64> {
        let mut state = self.state.lock();
        if state.closed {
            return None;
        }
        let signal: Arc<dyn Notify> = self.signal.clone();
        out.set_writer(Some(signal.clone()));
        inp.set_reader(Some(signal));
        let id = self.new_peer(&mut state, out, inp, endpoint_id, inproc);
        drop(state);
        self.signal.notify();
        Some(id)
    }

    /// Creates the pipes for a connection accepted on a listener once its
    /// handshake is done. Returns (peer id, socket→engine, engine→socket).
    pub(crate) fn attach_engine(
        &self,
        endpoint_id: u64,
        engine: Arc<dyn Notify>,
    ) -> Option<(u64, Arc<Pipe>, Arc<Pipe>)> {
        let options = self.options.lock().clone();
        let out = Pipe::new(Some(hwm(options.send_hwm)), None);
        let inp = Pipe::new(None, Some(hwm(options.recv_hwm)));
        out.set_reader(Some(engine.clone()));
        inp.set_writer(Some(engine));
        let id =
            self.attach_pipes(out.clone(), inp.clone(), endpoint_id, false)?;
        Some((id, out, inp))
    }

    /// The connection of a peer is gone.
    pub(crate) fn detach(&self, peer_id: u64) {
        self.state.lock().peers.detach(peer_id);
        self.signal.notify();
    }

    /// A connecter gave up: its peer leaves the socket (the endpoint stays
    /// listed, as in libzmq, until `disconnect`).
    pub(crate) fn detach_endpoint(&self, endpoint_id: u64) {
        let ids: Vec<u64> = {
            let state = self.state.lock();
            state
                .peers
                .iter()
                .filter(|p| p.endpoint_id == endpoint_id)
                .map(|p| p.id)
                .collect()
        };
        let mut state = self.state.lock();
        for id in ids {
            state.peers.detach(id);
        }
        drop(state);
        self.signal.notify();
    }

    // ---- endpoints ---------------------------------------------------------------

    fn engine_options(&self) -> EngineOptions {
        let options = self.options.lock();
        EngineOptions {
            socket_type: self.kind,
            max_msg_size: options.max_msg_size,
            handshake_interval: options.handshake_interval,
            connect_timeout: options.connect_timeout,
            heartbeat: options
                .heartbeat
                .as_ref()
                .and_then(crate::io::HeartbeatTimes::from_heartbeat),
            mechanism: options.mechanism.to_zmtp(),
            auth: self.ctx.auth.clone(),
            reconnect_interval: options.reconnect_interval,
            reconnect_interval_max: options.reconnect_interval_max,
        }
    }

    fn record(
        &self,
        endpoint: Endpoint,
        bound: bool,
        id: u64,
        transport: Transport,
    ) {
        let mut state = self.state.lock();
        state.last_endpoint = Some(endpoint.clone());
        state.endpoints.push(EndpointRecord {
            id,
            endpoint,
            bound,
            transport,
        });
    }

    /// Binds to `endpoint` now (an ephemeral TCP port or `ipc://*` is resolved).
    pub(crate) fn bind(
        self: &Arc<Self>,
        endpoint: Endpoint,
    ) -> Result<(), Error> {
        self.ctx.check_alive()?;
        let id = next_endpoint_id();
        match endpoint {
            Endpoint::Tcp(addr) => {
                self.ctx.io_threads()?;
                let listener = io::tcp::bind(&addr)?;
                let local = listener
                    .local_addr()
                    .map_err(|_| Error::new(ErrorKind::AddrNotAvailable))?;
                let resolved = Endpoint::Tcp(TcpAddr::new(local));
                self.listen(BoundListener::Tcp(listener), resolved, id)
            }
            Endpoint::Ipc(addr) => {
                self.ctx.io_threads()?;
                let (listener, bound) = io::ipc::bind(&addr)?;
                self.listen(listener, Endpoint::Ipc(bound), id)
            }
            Endpoint::Udp(addr) if self.kind == Kind::Dish => {
                self.ctx.io_threads()?;
                let (socket, bound) = io::udp::bind_receiver(&addr)?;
                let out = Pipe::new(None, None);
                let inp = Pipe::new(None, Some(hwm(self.options().recv_hwm)));
                self.open_udp(socket, out, inp, false, Endpoint::Udp(bound), id)
            }
            Endpoint::Inproc(addr) => {
                crate::inproc::bind(self, &addr, id)?;
                self.record_inproc(addr, true, id);
                Ok(())
            }
            _ => Err(Error::new(ErrorKind::InvalidInput(
                "transport incompatible",
            ))),
        }
    }

    fn record_inproc(&self, addr: InprocAddr, bound: bool, id: u64) {
        let name = addr.as_str().to_owned();
        self.record(
            Endpoint::Inproc(addr),
            bound,
            id,
            Transport::Inproc { name },
        );
    }

    /// Hands a bound listener to an I/O thread.
    fn listen(
        self: &Arc<Self>,
        listener: BoundListener,
        resolved: Endpoint,
        id: u64,
    ) -> Result<(), Error> {
        let threads = self.ctx.io_threads()?;
        let thread = threads.pick();
        let command = Command::Listen {
            listener,
            socket: Arc::downgrade(self),
            socket_id: self.id,
            endpoint_id: id,
            options: self.engine_options(),
        };
        threads.send(thread, command);
        self.record(resolved, true, id, Transport::Stream { thread });
        Ok(())
    }

    /// Connects to `endpoint`. The pipe to it exists at once, so the socket
    /// can queue messages before the connection is up.
    pub(crate) fn connect(
        self: &Arc<Self>,
        endpoint: Endpoint,
    ) -> Result<(), Error> {
        self.ctx.check_alive()?;
        let id = next_endpoint_id();
        match endpoint {
            Endpoint::Tcp(addr) => {
                if addr.host().port().is_unspecified() {
                    return Err(Error::new(ErrorKind::InvalidInput(
                        "cannot connect to an unspecified port",
                    )));
                }
                self.connect_stream(
                    PeerAddr::Tcp(addr.clone()),
                    Endpoint::Tcp(addr),
                    id,
                )
            }
            Endpoint::Ipc(addr) => {
                if addr.is_wildcard() {
                    return Err(Error::new(ErrorKind::InvalidInput(
                        "cannot connect to ipc://*",
                    )));
                }
                self.connect_stream(
                    PeerAddr::Ipc(addr.clone()),
                    Endpoint::Ipc(addr),
                    id,
                )
            }
            Endpoint::Udp(addr) if self.kind == Kind::Radio => {
                self.ctx.io_threads()?;
                let socket = io::udp::open_sender(&addr)?;
                let out = Pipe::new(Some(hwm(self.options().send_hwm)), None);
                let inp = Pipe::new(None, None);
                self.open_udp(socket, out, inp, true, Endpoint::Udp(addr), id)
            }
            Endpoint::Inproc(addr) => {
                crate::inproc::connect(self, &addr, id)?;
                self.record_inproc(addr, false, id);
                Ok(())
            }
            _ => Err(Error::new(ErrorKind::InvalidInput(
                "transport incompatible",
            ))),
        }
    }

    /// Adds the peer of a UDP socket and hands the socket to an I/O thread.
    fn open_udp(
        self: &Arc<Self>,
        socket: std::net::UdpSocket,
        out: Arc<Pipe>,
        inp: Arc<Pipe>,
        sending: bool,
        endpoint: Endpoint,
        id: u64,
    ) -> Result<(), Error> {
        let threads = self.ctx.io_threads()?;
        let Some(peer_id) =
            self.attach_pipes(out.clone(), inp.clone(), id, false)
        else {
            return self.invalid_ctx();
        };
        if sending {
            // No JOINs cross UDP: the destination gets every group.
            self.state.lock().peers.set_all_groups(peer_id);
        }
        let thread = threads.pick();
        let command = Command::Udp {
            socket,
            socket_id: self.id,
            endpoint_id: id,
            out,
            inp,
            sending,
        };
        threads.send(thread, command);
        self.record(endpoint, !sending, id, Transport::Stream { thread });
        Ok(())
    }

    /// Creates the pipes of a stream connection and hands its connecter to an I/O thread.
    fn connect_stream(
        self: &Arc<Self>,
        addr: PeerAddr,
        endpoint: Endpoint,
        id: u64,
    ) -> Result<(), Error> {
        let threads = self.ctx.io_threads()?;
        let options = self.options();
        let out = Pipe::new(Some(hwm(options.send_hwm)), None);
        let inp = Pipe::new(None, Some(hwm(options.recv_hwm)));
        if self
            .attach_pipes(out.clone(), inp.clone(), id, false)
            .is_none()
        {
            return self.invalid_ctx();
        }
        let thread = threads.pick();
        let command = Command::Connect {
            addr,
            socket: Arc::downgrade(self),
            socket_id: self.id,
            endpoint_id: id,
            out,
            inp,
            options: self.engine_options(),
        };
        threads.send(thread, command);
        self.record(endpoint, false, id, Transport::Stream { thread });
        Ok(())
    }

    /// Stops the endpoint `id` and drops the peers that came through it.
    fn close_endpoint(&self, record: EndpointRecord) {
        let peers = self.state.lock().peers.take_endpoint(record.id);
        for peer in peers {
            peer.out.discard();
            peer.out.close_writer();
            peer.inp.close_reader();
        }
        match &record.transport {
            &Transport::Stream { thread } => {
                if let Some(threads) = self.ctx.running_io_threads() {
                    // Unbinding frees the address before returning.
                    let done = record.bound.then(Completion::new);
                    let command = Command::CloseEndpoint {
                        socket_id: self.id,
                        endpoint_id: record.id,
                        done: done.clone(),
                    };
                    threads.send(thread, command);
                    if let Some(done) = done {
                        done.wait(CLOSE_WAIT);
                    }
                }
            }
            Transport::Inproc { name } => self.release_inproc(name, &record),
        }
        self.signal.notify();
    }

    fn release_inproc(&self, name: &str, record: &EndpointRecord) {
        let mut table = self.ctx.inproc.lock();
        if record.bound {
            table.unbind(name, self.id);
        } else {
            table.cancel_pending(name, record.id);
        }
    }

    fn take_record(
        &self,
        endpoint: &Endpoint,
        bound_only: bool,
        missing: &'static str,
    ) -> Result<EndpointRecord, Error> {
        self.ctx.check_alive()?;
        let mut state = self.state.lock();
        let wanted = endpoint.to_zmq_string();
        let index = state
            .endpoints
            .iter()
            .position(|r| {
                (r.bound || !bound_only) && r.endpoint.to_zmq_string() == wanted
            })
            .ok_or_else(|| Error::new(ErrorKind::NotFound(missing)))?;
        Ok(state.endpoints.remove(index))
    }

    /// Closes a bound endpoint and the connections accepted through it.
    pub(crate) fn unbind(&self, endpoint: Endpoint) -> Result<(), Error> {
        let record =
            self.take_record(&endpoint, true, "endpoint was not bound to")?;
        self.close_endpoint(record);
        Ok(())
    }

    /// Closes a connected endpoint (or, as libzmq allows, a bound one).
    pub(crate) fn disconnect(&self, endpoint: Endpoint) -> Result<(), Error> {
        let record =
            self.take_record(&endpoint, false, "endpoint was not in use")?;
        self.close_endpoint(record);
        Ok(())
    }

    pub(crate) fn last_endpoint(&self) -> Result<Endpoint, Error> {
        self.ctx.check_alive()?;
        self.state.lock().last_endpoint.clone().ok_or_else(|| {
            Error::new(ErrorKind::NotFound(
                "no endpoint previously bound or connected to",
            ))
        })
    }

    /// The socket is dropped: discard pending output (linger 0) and release
    /// every endpoint.
    fn close(&self) {
        let (peers, endpoints) = {
            let mut state = self.state.lock();
            state.closed = true;
            (state.peers.take_all(), std::mem::take(&mut state.endpoints))
        };
        let linger: Option<Duration> = self.options.lock().linger.into();
        for peer in peers {
            if !peer.inproc && linger == Some(Duration::ZERO) {
                peer.out.discard();
            }
            peer.out.close_writer();
            peer.inp.close_reader();
        }
        // Per I/O thread: whether we must wait for a listener to close.
        let mut threads_used: Vec<(usize, bool)> = Vec::new();
        for record in endpoints {
            match record.transport {
                Transport::Stream { thread } => {
                    match threads_used.iter_mut().find(|(t, _)| *t == thread) {
                        Some((_, wait)) => *wait |= record.bound,
                        None => threads_used.push((thread, record.bound)),
                    }
                }
                Transport::Inproc { ref name } => {
                    self.release_inproc(name, &record)
                }
            }
        }
        if let Some(threads) = self.ctx.running_io_threads() {
            for (thread, wait) in threads_used {
                // Dropping a socket frees its addresses before returning.
                let done = wait.then(Completion::new);
                threads.send(
                    thread,
                    Command::CloseSocket {
                        socket_id: self.id,
                        done: done.clone(),
                        linger,
                    },
                );
                if let Some(done) = done {
                    done.wait(CLOSE_WAIT);
                }
            }
        }
        self.ctx.unregister_socket(self.id);
    }
}

fn check_hwm(value: i32) -> Result<(), Error> {
    if value < 0 {
        Err(Error::new(ErrorKind::InvalidInput(
            "high water mark cannot be negative",
        )))
    } else {
        Ok(())
    }
}

fn check_period_ms(period: Period) -> Result<(), Error> {
    if let Period::Finite(d) = period {
        if d.as_millis() > i32::MAX as u128 {
            return Err(Error::new(ErrorKind::InvalidInput(
                "ms in duration cannot be greater than i32::MAX",
            )));
        }
    }
    Ok(())
}

/// The socket as the public types hold it: closing happens when the last
/// clone of the public socket is dropped.
#[doc(hidden)]
pub struct RawSocket {
    pub(crate) core: Arc<SocketCore>,
}

impl RawSocket {
    pub(crate) fn new(
        handle: CtxHandle,
        kind: Kind,
    ) -> Result<RawSocket, Error> {
        Ok(RawSocket {
            core: SocketCore::new(handle, kind)?,
        })
    }
}

impl std::fmt::Debug for RawSocket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.core.fmt(f)
    }
}

impl PartialEq for RawSocket {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.core, &other.core)
    }
}
impl Eq for RawSocket {}

impl Drop for RawSocket {
    fn drop(&mut self) {
        self.core.close();
    }
}
