//! The engine: one per stream connection. It drives a `zmtp::Session` over a
//! non-blocking stream and moves messages between the stream and the two pipes
//! of its peer.
//!
//! Receive: one `read` into a buffer, the session decodes as many frames as
//! fit, whole messages go into the socket's pipe; when that pipe is full the
//! engine stops reading (TCP backpressure) until the socket drains it.
//! Send: a batch of messages comes off the socket's pipe, is encoded into one
//! write queue and goes out in one vectored write.

use super::direct::Direct;
use super::stream::Stream;
use super::write_queue::{WriteQueue, COPY_LIMIT};
use super::{EndpointKey, EngineNotify, EngineOptions};
use crate::auth::{AuthRegistry, AuthRequest};
use crate::counters::CounterCells;
use crate::group::Group;
use crate::inbox::{Inbox, SocketCommand};
use crate::monitor::hub::Tap;
use crate::monitor::{DisconnectReason, EventKind, HandshakeFailure};
use crate::msg::{Msg, PipeCommand, INLINE_MAX};
use crate::peer_info::PeerInfo;
use crate::pipe::{Hwms, Notify, Pipe, PopError};
use bytes::BytesMut;
use std::collections::VecDeque;
use std::io;
use std::os::fd::AsRawFd;
use std::sync::Arc;
use std::time::Instant;
use zmtp::{Event, ProtocolError, Session, SessionConfig, SocketType};

/// Bytes read per `read` call at most (more when a large frame is pending).
const READ_CHUNK: usize = 64 * 1024;
/// Bytes read per `read` call by a new connection: doubled (up to
/// [`READ_CHUNK`]) each time a read fills all it asked for, so a connection
/// that only said hello keeps a small buffer (a Server with 10 000 idle
/// clients held about 56 KiB more per client with a full-size buffer each).
const FIRST_READ: usize = 4 * 1024;
/// A frame at least this large whose rest does not fit the read buffer is
/// read into a buffer of its own (see [`Engine::prepare_read`]).
const LARGE_FRAME: usize = READ_CHUNK / 2;
/// Reads per turn before yielding to the other connections of the thread.
const READS_PER_TURN: usize = 16;
/// Stop taking messages off the pipe while this much output is queued.
const WRITE_HIGH: usize = 256 * 1024;
/// Decoded frames handed to the socket's pipe at once (at most).
const BATCH: usize = 256;
/// Most frames taken from the socket's pipe for one round of encoding (the
/// bytes are bounded by the write queue's room): enough for a whole queue
/// at the default HWM, which then moves by a swap of buffers.
const OUT_BATCH: usize = 4096;

/// Why a connection ended (logged through `Debug`).
#[derive(Debug)]
#[allow(dead_code)]
pub(crate) enum CloseReason {
    /// The peer closed the stream.
    Eof,
    /// A socket error.
    Io(io::Error),
    /// The peer broke the protocol, or we refused it.
    Protocol(ProtocolError),
    /// The handshake did not complete in time.
    HandshakeTimeout,
    /// Nothing arrived within the heartbeat timeout or the peer's TTL.
    HeartbeatTimeout,
    /// Our side of the pipes went away (socket closed, disconnect, unbind).
    PipeClosed,
}

impl CloseReason {
    /// Why a handshake failed, for the monitors (`None`: our side closed).
    fn handshake_failure(&self) -> Option<HandshakeFailure> {
        Some(match self {
            CloseReason::Eof => {
                HandshakeFailure::Closed("closed by the peer".into())
            }
            CloseReason::Io(err) => HandshakeFailure::Closed(err.to_string()),
            CloseReason::Protocol(ProtocolError::AuthFailed { status }) => {
                HandshakeFailure::AuthDenied { status: *status }
            }
            CloseReason::Protocol(ProtocolError::IncompatibleSocketType {
                peer,
                ..
            }) => HandshakeFailure::WrongSocketType { peer: peer.clone() },
            CloseReason::Protocol(ProtocolError::PeerError(why)) => {
                HandshakeFailure::PeerError(why.clone())
            }
            CloseReason::Protocol(err) => {
                HandshakeFailure::Protocol(err.to_string())
            }
            CloseReason::HandshakeTimeout | CloseReason::HeartbeatTimeout => {
                HandshakeFailure::Timeout
            }
            CloseReason::PipeClosed => return None,
        })
    }

    /// Why an established connection ended, for the monitors.
    fn disconnect_reason(&self) -> DisconnectReason {
        match self {
            CloseReason::Eof => DisconnectReason::PeerClosed,
            CloseReason::Io(err) => DisconnectReason::Io(err.to_string()),
            CloseReason::Protocol(err) => {
                DisconnectReason::Protocol(err.to_string())
            }
            CloseReason::HandshakeTimeout | CloseReason::HeartbeatTimeout => {
                DisconnectReason::HeartbeatTimeout
            }
            CloseReason::PipeClosed => DisconnectReason::Local,
        }
    }

    /// Whether a connecter should stop retrying (libzmq: a protocol error
    /// detected by the connecting side is terminal for the endpoint).
    pub(crate) fn is_terminal(&self) -> bool {
        matches!(self, CloseReason::Protocol(_) | CloseReason::PipeClosed)
    }
}

/// Where the connection came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    /// Accepted by a listener: the engine makes its pipes after the
    /// handshake and hands them to the socket through its inbox.
    Accepted,
    /// Made by a connecter, which reconnects when it ends. The connecter
    /// owns the pipes (they outlive the connection), except with
    /// `immediate`, where the engine makes them as an accepted one does.
    Connected,
}

struct Attached {
    out: Arc<Pipe>,
    inp: Arc<Pipe>,
    /// The engine made these pipes: they close with the connection (the
    /// socket forgets the peer once it read what arrived). Otherwise a
    /// connecter owns them and they wait for its next connection.
    owned: bool,
}

/// A group name from the wire (the session cut it at its first NUL and
/// checked its length).
fn wire_group(bytes: &[u8]) -> Option<Group> {
    Group::new(bytes).ok()
}

/// A subscription in its message form: `flag` (1 subscribe, 0 cancel), then
/// the prefix.
fn flagged(flag: u8, prefix: &[u8]) -> Msg {
    let mut body = Vec::with_capacity(1 + prefix.len());
    body.push(flag);
    body.extend_from_slice(prefix);
    Msg::from(body)
}

/// The properties our READY carries after `Socket-Type`: REQ, DEALER and
/// ROUTER announce their routing id as `Identity` (empty when unset), as
/// C libzmq does.
fn ready_properties(options: &EngineOptions) -> zmtp::Metadata {
    let mut metadata = zmtp::Metadata::new();
    if matches!(
        options.socket_type,
        SocketType::Req | SocketType::Dealer | SocketType::Router
    ) {
        let id = options.routing_id.clone().unwrap_or_default();
        // At most 255 bytes (checked by `set_routing_id`): always valid.
        let _ = metadata.insert("Identity", id);
    }
    metadata
}

/// Bytes a frame costs beyond its body when counted against the maximum
/// message size (the `Msg` and its queue slot).
const FRAME_COST: u64 = 64;

/// The frames of a multipart message being received. Its size (bodies plus
/// [`FRAME_COST`] a frame) is held to the maximum message size, so a peer
/// cannot grow one message without end.
struct Partial {
    frames: Vec<Msg>,
    cost: u64,
    limit: Option<u64>,
}

impl Partial {
    fn new(limit: Option<u64>) -> Partial {
        Partial {
            frames: Vec::new(),
            cost: 0,
            limit,
        }
    }

    fn add(&mut self, frame: Msg) -> Result<(), CloseReason> {
        self.cost = self.cost.saturating_add(frame.len() as u64 + FRAME_COST);
        if self
            .limit
            .is_some_and(|limit| self.cost > limit + FRAME_COST)
        {
            return Err(CloseReason::Protocol(
                ProtocolError::MalformedMessage(
                    "multipart message larger than the maximum message size",
                ),
            ));
        }
        self.frames.push(frame);
        Ok(())
    }

    fn is_empty(&self) -> bool {
        self.frames.is_empty()
    }

    /// The frames of the message just completed.
    fn take(&mut self) -> std::vec::Drain<'_, Msg> {
        self.cost = 0;
        self.frames.drain(..)
    }
}

/// One connection. See the module docs.
pub(crate) struct Engine {
    pub(crate) stream: Stream,
    pub(crate) key: EndpointKey,
    pub(crate) origin: Origin,
    /// Where the pipes the engine makes go (an accepted connection, an
    /// `immediate` connect), and a connecter's reconnections.
    inbox: Arc<Inbox>,
    hwms: Arc<Hwms>,
    kind: SocketType,
    session: Session,
    read_buf: BytesMut,
    /// Room made for the next read ([`FIRST_READ`] … [`READ_CHUNK`]).
    read_size: usize,
    /// The usual read buffer, put aside while a large frame's body is read
    /// into a buffer of its own (see [`Engine::prepare_read`]).
    parked_read_buf: Option<BytesMut>,
    write_queue: WriteQueue,
    notify: Arc<EngineNotify>,
    attached: Option<Attached>,
    /// Pipes handed over by a connecter, used once the handshake is done.
    preset: Option<(Arc<Pipe>, Arc<Pipe>)>,
    /// Messages decoded and not yet in the socket's pipe: pushed together
    /// (one lock, at most one wake-up per read); while the pipe is full they
    /// wait here and the engine stops reading.
    inbound: VecDeque<Msg>,
    /// The frames of a multipart message still arriving (classic types).
    partial: Partial,
    /// The kernel may hold more bytes (we stopped before `WouldBlock`).
    maybe_readable: bool,
    /// The peer's end is closed (a readiness event said so): the stream is
    /// read until it ends, since a short read may stop right before the end
    /// of the stream, which raises no further event.
    peer_closed: bool,
    batch: VecDeque<Msg>,
    /// The earliest deadline the reactor has a timer for.
    pub(crate) scheduled: Option<Instant>,
    auth: Arc<AuthRegistry>,
    /// Our mechanism (for the peer's user id when we are a CURVE client).
    mechanism: Arc<zmtp::MechanismConfig>,
    /// The identity our auth registry accepted (PLAIN user, CURVE key).
    user_id: Option<String>,
    /// Where the monitor events of the connection go.
    tap: Tap,
    counters: Arc<CounterCells>,
    /// The handshake completed and the connection was counted up.
    up: bool,
    /// The socket is closed: write what it queued, drop what arrives.
    lingering: bool,
    linger_at: Option<Instant>,
    /// The write side shared with senders while we are idle (see
    /// [`super::direct`]); `None` before the handshake, and for CURVE and
    /// Radio connections.
    direct: Option<Arc<Direct>>,
    /// Frames taken from the pipe since the write side was taken back.
    encoded: usize,
}

impl Engine {
    pub(crate) fn new(
        stream: Stream,
        key: EndpointKey,
        origin: Origin,
        options: &EngineOptions,
        notify: Arc<EngineNotify>,
        preset: Option<(Arc<Pipe>, Arc<Pipe>)>,
    ) -> Engine {
        let now = Instant::now();
        let config = SessionConfig {
            socket_type: options.socket_type,
            mechanism: options.mechanism.clone(),
            // Every socket authenticates NULL peers too (the IP rules of the
            // ctx's auth registry apply to both ends, as in the libzmq 0.2 crate).
            authenticate: true,
            max_msg_size: options.max_msg_size,
            max_handshake_metadata: zmtp::DEFAULT_MAX_HANDSHAKE_METADATA,
            handshake_timeout: options.handshake_interval,
            heartbeat: options.heartbeat,
            metadata: ready_properties(options),
        };
        let session = Session::new(config, now);
        Engine {
            stream,
            key,
            origin,
            inbox: options.inbox.clone(),
            hwms: options.hwms.clone(),
            kind: options.socket_type,
            session,
            read_buf: BytesMut::with_capacity(FIRST_READ),
            read_size: FIRST_READ,
            parked_read_buf: None,
            write_queue: WriteQueue::default(),
            notify,
            attached: None,
            preset,
            inbound: VecDeque::new(),
            partial: Partial::new(options.max_msg_size),
            maybe_readable: true,
            peer_closed: false,
            batch: VecDeque::new(),
            scheduled: None,
            lingering: false,
            linger_at: None,
            auth: options.auth.clone(),
            mechanism: options.mechanism.clone(),
            user_id: None,
            tap: options.tap.clone(),
            counters: options.counters.clone(),
            up: false,
            direct: None,
            encoded: 0,
        }
    }

    /// The connection is closed (`reason`: `None` when our side closed
    /// it): the monitors hear why, and the count of connected peers drops.
    pub(crate) fn report_close(&self, reason: Option<&CloseReason>) {
        if self.up {
            self.counters.connection_down();
            self.tap.emit(|| EventKind::Disconnected {
                reason: reason
                    .map_or(DisconnectReason::Local, |r| r.disconnect_reason()),
            });
        } else if let Some(failure) =
            reason.and_then(CloseReason::handshake_failure)
        {
            self.tap
                .emit(|| EventKind::HandshakeFailed { reason: failure });
        }
    }

    /// The socket was closed with a linger: finish writing its queued output,
    /// until `deadline` at most (`None`: no limit).
    pub(crate) fn start_linger(&mut self, deadline: Option<Instant>) {
        self.lingering = true;
        self.linger_at = deadline;
    }

    /// The socket was closed without a linger: write what it queued as far
    /// as the connection takes it now, without waiting, then the engine is
    /// done (the reactor closes it). Bytes the peer already sent are read
    /// and dropped first, so that closing sends a FIN, not a reset that
    /// would discard what we wrote.
    pub(crate) fn finish(&mut self) {
        self.lingering = true;
        if !self.session.is_ready() {
            return;
        }
        if let Err(reason) = self.write_side() {
            log::debug!("final flush stopped: {reason:?}");
        }
        let mut scratch = BytesMut::with_capacity(READ_CHUNK);
        for _ in 0..READS_PER_TURN {
            scratch.clear();
            match read_into(&self.stream, &mut scratch, READ_CHUNK) {
                Ok(count) if count > 0 => {}
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                _ => return,
            }
        }
    }

    /// Whether the ZMTP handshake completed.
    pub(crate) fn handshake_done(&self) -> bool {
        self.session.is_ready()
    }

    /// The earliest moment [`on_timer`](Engine::on_timer) has work.
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        [self.session.poll_timeout(), self.linger_at]
            .into_iter()
            .flatten()
            .min()
    }

    /// Handles the deadlines that passed: the linger ends, the session's
    /// handshake and heartbeat timeouts close the connection, a due PING
    /// is sent.
    pub(crate) fn on_timer(&mut self, now: Instant) -> Result<(), CloseReason> {
        if self.linger_at.is_some_and(|at| at <= now) {
            return Err(CloseReason::PipeClosed);
        }
        self.session.handle_timeout(now).map_err(|err| match err {
            ProtocolError::HandshakeTimeout => CloseReason::HandshakeTimeout,
            ProtocolError::HeartbeatTimeout => CloseReason::HeartbeatTimeout,
            other => CloseReason::Protocol(other),
        })?;
        self.write_side()
    }

    /// A pipe woke the engine: re-arm the wake-up and do the work. The
    /// stream is read only if it may hold more (a peer's close that came
    /// before the wake-up is a readiness event, which the reactor handles
    /// first, so messages queued after it wait for the next connection
    /// instead of being written into the dead one).
    pub(crate) fn on_notify(&mut self) -> Result<(), CloseReason> {
        self.notify.clear();
        self.run()
    }

    /// Called when the stream is readable and/or writable; `closed`: the
    /// event also said the peer's end is closed (or the stream failed).
    pub(crate) fn on_ready(
        &mut self,
        readable: bool,
        closed: bool,
    ) -> Result<(), CloseReason> {
        if readable || closed {
            self.maybe_readable = true;
        }
        self.peer_closed |= closed;
        self.run()
    }

    /// Does all the work there is: read, deliver, encode, write.
    pub(crate) fn run(&mut self) -> Result<(), CloseReason> {
        if let Err(reason) = self.read_side() {
            if matches!(reason, CloseReason::Protocol(_)) {
                self.flush_before_close();
            }
            return Err(reason);
        }
        self.write_side()
    }

    /// Best effort, without blocking: send what the session queued before a
    /// protocol failure — e.g. the ERROR that tells a refused peer not to
    /// retry (libzmq clients only stop reconnecting when they get it).
    fn flush_before_close(&mut self) {
        self.claim_write_side();
        if self.session.has_transmit() {
            self.session.poll_transmit(self.write_queue.tail());
        }
        while !self.write_queue.is_empty() {
            match self.write_queue.write_to(&mut self.stream) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    }

    fn read_side(&mut self) -> Result<(), CloseReason> {
        let mut reads = 0;
        loop {
            if !self.flush_inbound()? {
                return Ok(()); // the socket's pipe is full
            }
            // One clock read per read: every frame of it arrived then.
            let now = Instant::now();
            loop {
                // Small data frames are copied into their message straight
                // from the read buffer; everything else goes through events.
                // A one-frame message is built in place at the end of
                // `inbound` (moving a just-built `Msg` through return
                // values costs more than building it).
                let whole = self.partial.is_empty();
                let keep = !self.lingering && self.attached.is_some();
                let inbound = &mut self.inbound;
                let decoded = self.session.decode_small(
                    &mut self.read_buf,
                    INLINE_MAX,
                    |body, more| {
                        if more || !whole {
                            return Some((Msg::from(body), more));
                        }
                        if keep {
                            inbound.push_back(Msg::from(body));
                        }
                        None
                    },
                );
                if let Some(frame) = decoded {
                    if let Some((msg, more)) = frame {
                        self.on_frame(msg, more)?;
                    }
                    if self.inbound.len() >= BATCH && !self.flush_inbound()? {
                        return Ok(());
                    }
                    continue;
                }
                let event = self
                    .session
                    .decode_at(&mut self.read_buf, now)
                    .map_err(CloseReason::Protocol)?;
                let Some(event) = event else { break };
                self.handle(event)?;
                if self.inbound.len() >= BATCH && !self.flush_inbound()? {
                    return Ok(());
                }
            }
            if !self.flush_inbound()? {
                return Ok(());
            }
            if !self.maybe_readable {
                return Ok(());
            }
            if reads == READS_PER_TURN {
                // Let the other connections of this thread have a turn.
                self.notify.notify();
                return Ok(());
            }
            reads += 1;
            let limit = self.prepare_read();
            let asked =
                limit.min(self.read_buf.capacity() - self.read_buf.len());
            match read_into(&self.stream, &mut self.read_buf, limit) {
                Ok(0) => return Err(CloseReason::Eof),
                Ok(count) if count < asked && !self.peer_closed => {
                    // A short read emptied the kernel's queue: what arrives
                    // later raises a new edge (epoll is edge-triggered, for
                    // streams on every arrival), so asking again would only
                    // get `WouldBlock`. Not so for the end of the stream
                    // when it had come before the read (its event was the
                    // one that woke us: `peer_closed`).
                    self.maybe_readable = false
                }
                Ok(count) => {
                    if count == asked && self.read_size < READ_CHUNK {
                        // A full read: more is coming, read more at once.
                        self.read_size *= 2;
                    }
                }
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => {
                    self.maybe_readable = false
                }
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(err) => return Err(CloseReason::Io(err)),
            }
        }
    }

    /// Makes room for the next read; returns how many bytes to read.
    ///
    /// A large frame ([`LARGE_FRAME`]) whose rest does not fit the read
    /// buffer gets a buffer of its own, sized for its body (the bytes of it
    /// already read are moved there once), and no more than its rest is
    /// read (so no part of the next frame has to be moved later): the body
    /// becomes the message without another copy, and every message of one
    /// size takes an allocation of that size, which the allocator can hand
    /// out again. The usual read buffer is parked meanwhile; when it comes
    /// back, the next read takes at most one frame header, since the next
    /// frame is likely large too: its body then goes straight to its own
    /// buffer instead of being read into this one and moved.
    ///
    /// Never more room than what already arrived (what the buffer holds, or
    /// what waits in the kernel's receive queue, whichever is more): a
    /// declared size alone cannot make us allocate. On a fast link the
    /// whole body has usually arrived by then, so it is read in place at
    /// once; otherwise its buffer grows as the body comes.
    fn prepare_read(&mut self) -> usize {
        if self.read_buf.is_empty() {
            if let Some(parked) = self.parked_read_buf.take() {
                // The large frame is done.
                self.read_buf = parked;
                self.read_buf.reserve(READ_CHUNK);
                return zmtp::frame::MAX_HEADER_LEN;
            }
        }
        let needed = self.session.bytes_needed(&self.read_buf);
        let held = self.read_buf.len();
        let spare = self.read_buf.capacity() - held;
        let large = self.parked_read_buf.is_some()
            || (needed > spare && held.saturating_add(needed) >= LARGE_FRAME);
        if !large {
            self.read_buf.reserve(self.read_size);
            return usize::MAX; // as much as the spare capacity takes
        }
        let arrived = held.max(READ_CHUNK).max(queued_bytes(&self.stream));
        let room = needed.min(arrived);
        if spare < room {
            // Exactly the room allowed (no amortised doubling on top).
            let mut own = BytesMut::with_capacity(held + room);
            own.extend_from_slice(&self.read_buf);
            let mut before = std::mem::replace(&mut self.read_buf, own);
            if self.parked_read_buf.is_none() {
                before.clear();
                self.parked_read_buf = Some(before);
            }
        }
        room
    }

    fn handle(&mut self, event: Event) -> Result<(), CloseReason> {
        match event {
            Event::AuthRequest {
                mechanism,
                credentials,
            } => {
                let peer = self.stream.auth_peer();
                let request = AuthRequest::new(peer, mechanism, &credentials);
                let decision = self.auth.authorize(request);
                match &decision {
                    Ok(user_id) => {
                        self.user_id = user_id
                            .clone()
                            .or_else(|| curve_user_id(mechanism, &credentials))
                    }
                    Err(status) => log::debug!(
                        "{mechanism} peer {peer:?} refused with {status:?}"
                    ),
                }
                let decision =
                    decision.map(drop).map_err(|status| status as u16);
                self.session.auth_reply(decision);
            }
            Event::Ready => self.attach()?,
            Event::Message { data, group } => {
                let mut msg = Msg::received(data);
                if let Some(group) = group {
                    let group = wire_group(&group).ok_or(
                        CloseReason::Protocol(ProtocolError::MalformedMessage(
                            "invalid radio group",
                        )),
                    )?;
                    msg.set_group_raw(Some(group));
                }
                self.deliver(msg);
            }
            Event::Frame { data, more } => {
                self.on_frame(Msg::received(data), more)?
            }
            // Subscriptions reach a PUB/XPUB socket in their message form.
            Event::Subscribe(prefix) => self.deliver(flagged(1, &prefix)),
            Event::Cancel(prefix) => self.deliver(flagged(0, &prefix)),
            Event::Join(group) => {
                self.subscription(PipeCommand::Join, &group)?
            }
            Event::Leave(group) => {
                self.subscription(PipeCommand::Leave, &group)?
            }
            // The session answers PINGs and keeps the heartbeat deadlines.
            Event::Ping { .. } => {}
            Event::Pong => {}
        }
        Ok(())
    }

    /// One data frame of a message (`more`: others follow): a whole
    /// one-frame message goes to the socket, the frames of a longer one
    /// wait until its last one arrived.
    fn on_frame(
        &mut self,
        mut frame: Msg,
        more: bool,
    ) -> Result<(), CloseReason> {
        if !more && self.partial.is_empty() {
            // A one-frame message: no assembly.
            self.deliver(frame);
            return Ok(());
        }
        frame.set_more(more);
        self.partial.add(frame)?;
        if !more {
            let whole = self.partial.take();
            if !self.lingering && self.attached.is_some() {
                self.inbound.extend(whole);
            }
        }
        Ok(())
    }

    /// A Dish joined or left a group: tell our Radio (other sockets ignore it).
    fn subscription(
        &mut self,
        command: PipeCommand,
        group: &[u8],
    ) -> Result<(), CloseReason> {
        if self.kind != SocketType::Radio {
            return Ok(());
        }
        let (Some(attached), Some(group)) = (&self.attached, wire_group(group))
        else {
            return Ok(());
        };
        match attached.inp.push_command(Msg::command(command, group)) {
            Ok(()) => Ok(()),
            Err(_) => Err(CloseReason::PipeClosed),
        }
    }

    /// Queues a received message for the socket (dropped when the socket
    /// is closed or the connection has no pipes).
    fn deliver(&mut self, msg: Msg) {
        if !self.lingering && self.attached.is_some() {
            self.inbound.push_back(msg);
        }
    }

    /// Moves the decoded messages into the socket's pipe. `Ok(false)`: the
    /// pipe is full and some wait (stop reading until the socket drains it).
    fn flush_inbound(&mut self) -> Result<bool, CloseReason> {
        let Some(attached) = &self.attached else {
            self.inbound.clear();
            return Ok(true);
        };
        if self.inbound.is_empty() {
            return Ok(true);
        }
        match attached.inp.push_many(&mut self.inbound) {
            Ok(()) => Ok(self.inbound.is_empty()),
            Err(()) => Err(CloseReason::PipeClosed),
        }
    }

    /// What the handshake told about the peer, for the socket.
    fn peer_info(&self) -> PeerInfo {
        let (mechanism, our_user_id) = match &*self.mechanism {
            zmtp::MechanismConfig::Null => ("NULL", None),
            zmtp::MechanismConfig::PlainClient { .. }
            | zmtp::MechanismConfig::PlainServer => ("PLAIN", None),
            zmtp::MechanismConfig::CurveClient { server_public, .. } => {
                ("CURVE", Some(curve_key_text(server_public)))
            }
            zmtp::MechanismConfig::CurveServer { .. } => ("CURVE", None),
        };
        let user_id = self.user_id.clone().or(our_user_id);
        let properties = self
            .session
            .peer()
            .map(|peer| peer.metadata.iter().map(|(n, v)| (n, &v[..])));
        PeerInfo::new(
            self.stream.peer_addr(),
            mechanism,
            user_id,
            properties.into_iter().flatten(),
        )
    }

    /// The handshake is done: connect the pipes.
    fn attach(&mut self) -> Result<(), CloseReason> {
        let notify: Arc<dyn Notify> = self.notify.clone();
        let peer = Arc::new(self.peer_info());
        self.up = true;
        self.counters.connection_up();
        let owned = self.preset.is_none();
        let posted = match self.preset.take() {
            Some((out, inp)) => {
                if !self.lingering {
                    // A new connection: the socket learns who is there (a
                    // Dish re-sends its JOINs). A closed socket does not care.
                    let command = SocketCommand::Reconnected {
                        out: out.clone(),
                        peer: peer.clone(),
                    };
                    let _ = self.inbox.post(command);
                }
                Ok((out, inp))
            }
            None => {
                let (out, inp) = self.hwms.engine_pipes();
                // Wake the socket from the start: it may take the pipes from
                // its inbox after the first messages arrived.
                let socket: Arc<dyn Notify> = self.inbox.signal().clone();
                inp.set_reader(Some(socket.clone()));
                out.set_writer(Some(socket));
                let command = SocketCommand::Attach {
                    endpoint_id: self.key.endpoint_id,
                    out: out.clone(),
                    inp: inp.clone(),
                    peer: Some(peer.clone()),
                };
                match self.inbox.post(command) {
                    Ok(()) => Ok((out, inp)),
                    Err(command) => {
                        command.abandon();
                        Err(CloseReason::PipeClosed)
                    }
                }
            }
        };
        // After the post: a monitor that sees the event finds the peer in
        // the socket's next call (`immediate` relies on it).
        self.tap.emit(|| EventKind::HandshakeSucceeded { peer });
        let (out, inp) = posted?;
        out.set_reader(Some(notify.clone()));
        inp.set_writer(Some(notify));
        if self.kind != SocketType::Radio
            && self.session.message_header(0, false).is_some()
        {
            let direct = Arc::new(Direct::new(self.stream.as_raw_fd()));
            out.set_direct(Some(direct.clone()));
            self.direct = Some(direct);
        }
        self.attached = Some(Attached { out, inp, owned });
        Ok(())
    }

    fn write_side(&mut self) -> Result<(), CloseReason> {
        self.claim_write_side();
        loop {
            if self.session.has_transmit() {
                self.session.poll_transmit(self.write_queue.tail());
            }
            let mut closed = false;
            if self.write_queue.len() < WRITE_HIGH {
                closed = self.take_output()?;
            }
            if self.write_queue.is_empty() {
                // The socket is gone and everything it queued is written.
                if closed {
                    return Err(CloseReason::PipeClosed);
                }
                if let Some(direct) = &self.direct {
                    if !self.lingering {
                        direct.release(self.encoded == 0);
                    }
                }
                return Ok(());
            }
            match self.write_queue.write_to(&mut self.stream) {
                Ok(_) => {}
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => {
                    return Ok(())
                }
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(err) => return Err(CloseReason::Io(err)),
            }
        }
    }

    /// Takes the write side back from senders writing directly, with the
    /// rest of a partial direct write, before writing anything.
    fn claim_write_side(&mut self) {
        if let Some(direct) = &self.direct {
            direct.claim(&mut self.write_queue);
            self.encoded = 0;
        }
    }

    /// Moves a batch of messages from the socket's pipe into the write queue.
    /// Returns whether the pipe is closed and drained (the socket is gone).
    fn take_output(&mut self) -> Result<bool, CloseReason> {
        let Some(attached) = &self.attached else {
            return Ok(false);
        };
        let room = WRITE_HIGH.saturating_sub(self.write_queue.len());
        match attached.out.pop_batch(&mut self.batch, OUT_BATCH, room) {
            Ok(count) => self.encoded += count,
            Err(PopError::Empty) => {}
            Err(PopError::Closed) => return Ok(true),
        }
        // The messages are encoded where they lie (a small body is copied
        // from there), then dropped together.
        let mut batch = std::mem::take(&mut self.batch);
        for msg in batch.iter_mut() {
            match (msg.as_command(), msg.group()) {
                (Some(PipeCommand::Join), Some(group)) => {
                    self.session.send_join(group.to_bytes())
                }
                (Some(PipeCommand::Leave), Some(group)) => {
                    self.session.send_leave(group.to_bytes())
                }
                (Some(PipeCommand::Subscribe), _) => {
                    self.session.send_subscribe(msg.as_bytes())
                }
                (Some(PipeCommand::Cancel), _) => {
                    self.session.send_cancel(msg.as_bytes())
                }
                (Some(_), None) => {}
                (None, _) => {
                    if self.kind == SocketType::Radio {
                        let group = msg.take_group();
                        let group =
                            group.as_ref().map_or(&[][..], |g| g.as_bytes());
                        self.encode_slice(group, true);
                    }
                    self.encode_msg(msg);
                    continue;
                }
            }
            // Keep commands in order with the data around them.
            self.session.poll_transmit(self.write_queue.tail());
        }
        batch.clear();
        self.batch = batch;
        Ok(false)
    }

    /// Encodes one data frame (with its MORE flag): a large body is queued
    /// without a copy, a small one is copied next to its header.
    fn encode_msg(&mut self, msg: &mut Msg) {
        let more = msg.more();
        if msg.len() > COPY_LIMIT {
            if let Some((header, len)) =
                self.session.message_header(msg.len(), more)
            {
                let body = std::mem::take(msg).into_bytes();
                self.write_queue.push_frame(&header[..len], body);
                return;
            }
        }
        self.encode_slice(msg.as_bytes(), more);
    }

    /// Encodes one frame whose body is copied (CURVE encrypts every body).
    fn encode_slice(&mut self, body: &[u8], more: bool) {
        match self.session.message_header(body.len(), more) {
            Some((header, len)) => {
                self.write_queue.push_copied(&header[..len], body)
            }
            None => {
                self.session
                    .encode_frame(body, more, self.write_queue.tail())
            }
        }
    }

    /// Disconnects the engine from its pipes. Pipes the engine made (an
    /// accepted connection, an `immediate` connect) close: the socket sees
    /// the peer leave, and what it queued for the peer is dropped. A
    /// connecter's pipes stay open for its next connection.
    pub(crate) fn detach(&mut self) {
        let Some(Attached { out, inp, owned }) = self.attached.take() else {
            return;
        };
        out.set_direct(None);
        if let Some(direct) = self.direct.take() {
            direct.close();
        }
        if owned {
            out.close_reader();
            inp.close_writer();
        } else {
            out.set_reader(None);
            inp.set_writer(None);
        }
    }
}

impl Drop for Engine {
    /// Senders stop writing directly before the stream (a field, dropped
    /// after this) closes its descriptor.
    fn drop(&mut self) {
        if let Some(direct) = &self.direct {
            direct.close();
        }
    }
}

/// A CURVE peer's identity when the registry does not check keys: its
/// public key (the first credential) in Z85.
fn curve_user_id(
    mechanism: &str,
    credentials: &[bytes::Bytes],
) -> Option<String> {
    let key: &[u8; 32] = credentials.first()?.as_ref().try_into().ok()?;
    (mechanism == "CURVE").then(|| curve_key_text(key))
}

/// A CURVE public key in Z85.
fn curve_key_text(key: &[u8; 32]) -> String {
    crate::auth::CurvePublicKey::from_bytes(key)
        .as_str()
        .to_owned()
}

/// How many bytes wait in `stream`'s kernel receive queue (0 when the
/// kernel does not say).
fn queued_bytes(stream: &Stream) -> usize {
    let mut queued: libc::c_int = 0;
    // SAFETY: FIONREAD writes one `c_int` through the pointer, which points
    // to a live, writable `c_int`; the descriptor is owned by `stream`.
    let rc =
        unsafe { libc::ioctl(stream.as_raw_fd(), libc::FIONREAD, &mut queued) };
    if rc == 0 {
        usize::try_from(queued).unwrap_or(0)
    } else {
        0
    }
}

/// Reads at most `limit` bytes from `stream` into the spare capacity of
/// `buf`, without zeroing it first.
fn read_into(
    stream: &Stream,
    buf: &mut BytesMut,
    limit: usize,
) -> io::Result<usize> {
    let spare = buf.spare_capacity_mut();
    let len = limit.min(spare.len());
    let spare = &mut spare[..len];
    // SAFETY: `spare` is valid for writes of `spare.len()` bytes; read(2) writes at
    // most that many bytes into it and never reads from it.
    let count = unsafe {
        libc::read(stream.as_raw_fd(), spare.as_mut_ptr().cast(), spare.len())
    };
    if count < 0 {
        return Err(io::Error::last_os_error());
    }
    let count = count as usize;
    // SAFETY: the kernel initialised the first `count` bytes of the spare capacity.
    unsafe { buf.set_len(buf.len() + count) };
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signal::Signal;
    use std::io::{Read, Write};
    use std::os::unix::net::UnixStream as StdUnixStream;
    use std::time::Duration;

    /// An engine of `socket_type` on one end of a socketpair; the test plays
    /// the peer on the other end with a zmtp session of its own.
    struct Rig {
        engine: Engine,
        inbox: Arc<Inbox>,
        peer: StdUnixStream,
        peer_session: Session,
        peer_buf: BytesMut,
        _shared: Arc<super::super::IoShared>,
        theirs: SocketType,
    }

    fn options(socket_type: SocketType) -> EngineOptions {
        EngineOptions {
            socket_type,
            inbox: Inbox::new(Signal::new()),
            hwms: Hwms::new(),
            max_msg_size: Some(1024),
            handshake_interval: None,
            connect_timeout: None,
            heartbeat: None,
            mechanism: Arc::new(zmtp::MechanismConfig::Null),
            auth: Arc::new(AuthRegistry::default()),
            reconnect_interval: None,
            reconnect_interval_max: None,
            routing_id: None,
            tap: Tap::new(
                crate::monitor::hub::MonitorHub::new(),
                crate::InprocAddr::new_unique().into(),
            ),
            counters: CounterCells::new(),
        }
    }

    fn rig(ours: SocketType, theirs: SocketType) -> Rig {
        rig_with(ours, theirs, Some(1024))
    }

    fn rig_with(
        ours: SocketType,
        theirs: SocketType,
        max_msg_size: Option<u64>,
    ) -> Rig {
        let (mine, peer) = StdUnixStream::pair().unwrap();
        mine.set_nonblocking(true).unwrap();
        peer.set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let stream = Stream::Unix(mio::net::UnixStream::from_std(mine));
        let (_reactor, shared) = super::super::reactor::Reactor::new().unwrap();
        let notify = EngineNotify::new(shared.clone(), 0, 1);
        let options = EngineOptions {
            max_msg_size,
            ..options(ours)
        };
        let key = EndpointKey {
            socket_id: 1,
            endpoint_id: 2,
        };
        let engine =
            Engine::new(stream, key, Origin::Accepted, &options, notify, None);
        Rig {
            engine,
            inbox: options.inbox,
            peer,
            peer_session: Session::new(
                SessionConfig::new(theirs),
                std::time::Instant::now(),
            ),
            peer_buf: BytesMut::new(),
            _shared: shared,
            theirs,
        }
    }

    impl Rig {
        /// One data frame of `size` bytes of `fill`, as the peer sends it.
        fn frame(&self, size: usize, fill: u8) -> BytesMut {
            let (header, len) =
                self.peer_session.message_header(size, false).unwrap();
            let mut wire = BytesMut::from(&header[..len]);
            wire.extend(std::iter::repeat_n(fill, size));
            wire
        }

        /// The peer writes what its session queued.
        fn peer_flush(&mut self) {
            let mut out = BytesMut::new();
            self.peer_session.poll_transmit(&mut out);
            self.peer.write_all(&out).unwrap();
        }

        /// The peer reads until its session yields an event.
        fn peer_event(&mut self) -> Event {
            loop {
                if let Some(event) =
                    self.peer_session.decode(&mut self.peer_buf).unwrap()
                {
                    return event;
                }
                let mut chunk = [0u8; 4096];
                let n = self.peer.read(&mut chunk).unwrap();
                assert!(n > 0, "engine closed the stream");
                self.peer_buf.extend_from_slice(&chunk[..n]);
            }
        }

        /// Greetings both ways; the engine's READY reaches the peer, whose
        /// READY is written but not read yet.
        fn greet(&mut self) {
            self.engine.run().unwrap(); // our greeting
            self.peer_flush(); // theirs
            self.engine.on_ready(true, false).unwrap(); // our READY
            assert!(matches!(self.peer_event(), Event::Ready));
            self.peer_flush(); // their READY
        }

        /// Handshake, then the pipes the engine posted to the socket.
        fn connect(&mut self) -> (Arc<Pipe>, Arc<Pipe>) {
            self.greet();
            self.engine.on_ready(true, false).unwrap();
            assert!(self.engine.handshake_done());
            let mut commands = self.inbox.take();
            match commands.pop() {
                Some(SocketCommand::Attach {
                    endpoint_id: 2,
                    out,
                    inp,
                    peer: Some(peer),
                }) => {
                    assert_eq!(peer.socket_type(), Some(self.theirs.as_str()));
                    assert_eq!(peer.mechanism(), "NULL");
                    (out, inp)
                }
                _ => panic!("no attach posted"),
            }
        }
    }

    #[test]
    fn accepted_connection_posts_its_pipes_and_moves_messages() {
        let mut rig = rig(SocketType::Server, SocketType::Client);
        let (out, inp) = rig.connect();
        out.push(Msg::from("to peer")).unwrap();
        rig.engine.run().unwrap();
        match rig.peer_event() {
            Event::Message { data, group: None } => {
                assert_eq!(&data[..], b"to peer")
            }
            other => panic!("unexpected {other:?}"),
        }
        let mut body = BytesMut::new();
        let (header, len) = rig.peer_session.message_header(7, false).unwrap();
        body.extend_from_slice(&header[..len]);
        body.extend_from_slice(b"to sock");
        rig.peer.write_all(&body).unwrap();
        rig.engine.on_ready(true, false).unwrap();
        assert_eq!(inp.pop().unwrap().as_bytes(), b"to sock");
    }

    /// A short read stops reading until the next event, except when the
    /// event said the peer's end is closed: its last message and its end
    /// came together, and the end raises no event of its own afterwards.
    #[test]
    fn a_message_and_the_end_that_came_together_are_both_seen() {
        let mut rig = rig(SocketType::Server, SocketType::Client);
        let (_out, inp) = rig.connect();
        let mut body = BytesMut::new();
        let (header, len) = rig.peer_session.message_header(4, false).unwrap();
        body.extend_from_slice(&header[..len]);
        body.extend_from_slice(b"last");
        rig.peer.write_all(&body).unwrap();
        rig.peer.shutdown(std::net::Shutdown::Write).unwrap();
        assert!(matches!(
            rig.engine.on_ready(true, true),
            Err(CloseReason::Eof)
        ));
        assert_eq!(inp.pop().unwrap().as_bytes(), b"last");
    }

    #[test]
    fn multipart_messages_reach_the_pipe_whole_and_bounded() {
        let mut rig = rig(SocketType::Pull, SocketType::Push);
        let (_out, inp) = rig.connect();
        let mut wire = BytesMut::new();
        for (body, more) in [
            (&b"a"[..], true),
            (b"", true),
            (b"c", false),
            (b"one", false),
        ] {
            rig.peer_session.encode_frame(body, more, &mut wire);
        }
        rig.peer.write_all(&wire).unwrap();
        rig.engine.on_ready(true, false).unwrap();
        let frames = crate::socket::parts::Parts::pop_from(&inp)
            .unwrap()
            .into_vec();
        let bodies: Vec<&[u8]> = frames.iter().map(Msg::as_bytes).collect();
        assert_eq!(bodies, [&b"a"[..], b"", b"c"]);
        assert_eq!(inp.pop().unwrap().as_bytes(), b"one");

        // 20 frames of 100 bytes exceed the 1 KiB maximum message size.
        let mut wire = BytesMut::new();
        for i in 0..20 {
            rig.peer_session.encode_frame(&[7; 100], i < 19, &mut wire);
        }
        rig.peer.write_all(&wire).unwrap();
        assert!(matches!(
            rig.engine.on_ready(true, false),
            Err(CloseReason::Protocol(_))
        ));
        assert!(inp.pop().is_err(), "nothing of it was delivered");
    }

    #[test]
    fn closed_socket_refuses_the_attach_and_the_engine_closes() {
        let mut rig = rig(SocketType::Server, SocketType::Client);
        rig.inbox.close();
        rig.greet();
        assert!(matches!(
            rig.engine.on_ready(true, false),
            Err(CloseReason::PipeClosed)
        ));
    }

    #[test]
    fn leaving_closes_the_accepted_pipes() {
        let mut rig = rig(SocketType::Server, SocketType::Client);
        let (out, inp) = rig.connect();
        rig.engine.detach();
        assert!(out.is_reader_closed());
        assert_eq!(inp.pop().unwrap_err(), PopError::Closed);
    }

    fn expect_message(rig: &mut Rig, want: &[u8]) {
        match rig.peer_event() {
            Event::Message { data, .. } => assert_eq!(&data[..], want),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn an_idle_connection_is_written_by_the_sender_once_per_turn() {
        let mut rig = rig(SocketType::Server, SocketType::Client);
        let (out, _inp) = rig.connect();
        // Idle after the handshake: the sender writes, the engine is not
        // needed (nothing queued).
        out.push(Msg::from("direct")).unwrap();
        assert_eq!(out.len(), 0);
        expect_message(&mut rig, b"direct");
        // The credit is spent: the next one is queued for the engine.
        out.push(Msg::from("queued")).unwrap();
        assert_eq!(out.len(), 1);
        rig.engine.on_notify().unwrap();
        expect_message(&mut rig, b"queued");
        // The engine wrote a message in that turn (someone may be
        // streaming): no credit back, the next one is queued too.
        for i in 0..10u8 {
            out.push(Msg::from(vec![i; 3])).unwrap();
        }
        assert_eq!(out.len(), 10);
        rig.engine.on_notify().unwrap();
        for i in 0..10u8 {
            expect_message(&mut rig, &[i; 3]);
        }
        // A turn that wrote nothing from the pipe (the engine ran to read
        // the peer's message, say): the credit is back.
        rig.engine.on_ready(true, false).unwrap();
        out.push(Msg::from("direct again")).unwrap();
        assert_eq!(out.len(), 0);
        expect_message(&mut rig, b"direct again");
        // Not written directly: larger than the limit, commands.
        out.push(Msg::from(vec![7u8; super::super::direct::DIRECT_MAX + 1]))
            .unwrap();
        assert_eq!(out.len(), 1);
        rig.engine.on_notify().unwrap();
        expect_message(&mut rig, &[7u8; super::super::direct::DIRECT_MAX + 1]);
    }

    #[test]
    fn a_closed_engine_lets_nobody_write() {
        let mut rig = rig(SocketType::Server, SocketType::Client);
        let (out, _inp) = rig.connect();
        rig.engine.detach();
        // The pipe is closed for an accepted connection: refused, not written.
        assert!(out.push(Msg::from("late")).is_err());
        // An engine dropped without detaching (its I/O thread ended): the
        // pipe stays open, nobody writes to the closed descriptor, the
        // message waits in the pipe.
        let mut other = self::rig(SocketType::Client, SocketType::Server);
        let (out, _inp) = other.connect();
        drop(other.engine);
        out.push(Msg::from("not written")).unwrap();
        assert_eq!(out.len(), 1);
    }

    #[test]
    fn finish_writes_what_was_queued_before_the_close() {
        let mut rig = rig(SocketType::Server, SocketType::Client);
        let (out, _inp) = rig.connect();
        for i in 0..100u8 {
            out.push(Msg::from(vec![i; 10])).unwrap();
        }
        out.close_writer(); // the socket is dropped
        rig.engine.finish();
        for i in 0..100u8 {
            match rig.peer_event() {
                Event::Message { data, .. } => assert_eq!(data[0], i),
                other => panic!("unexpected {other:?}"),
            }
        }
    }

    #[test]
    fn garbage_is_a_protocol_error() {
        let mut rig = rig(SocketType::Server, SocketType::Client);
        rig.peer.write_all(b"GET / HTTP/1.1\r\n\r\n").unwrap();
        assert!(matches!(
            rig.engine.on_ready(true, false),
            Err(CloseReason::Protocol(_))
        ));
    }

    /// Large frames that arrive in pieces, between small ones: each body
    /// is read into a buffer of its own whose capacity stays within twice
    /// what arrived plus one read, the usual read buffer comes back
    /// after each, and every message arrives whole and in order.
    #[test]
    fn large_frames_get_their_own_bounded_buffer() {
        let mut rig = rig_with(SocketType::Pull, SocketType::Push, None);
        let (_out, inp) = rig.connect();
        let sizes = [300_000usize, 10, 70_000, 1, 200_000];
        let mut wire = BytesMut::new();
        for (i, &size) in sizes.iter().enumerate() {
            let (header, len) =
                rig.peer_session.message_header(size, false).unwrap();
            wire.extend_from_slice(&header[..len]);
            wire.extend((0..size).map(|at| (at * 7 + i) as u8));
        }
        let mut received = Vec::new();
        for (at, chunk) in wire.chunks(9_000).enumerate() {
            rig.peer.write_all(chunk).unwrap();
            rig.engine.on_ready(true, false).unwrap();
            let sent = (at + 1) * 9_000;
            let room = rig.engine.read_buf.capacity();
            assert!(room <= 2 * sent + READ_CHUNK, "{room} for {sent}");
            while let Ok(msg) = inp.pop() {
                received.push(msg);
            }
        }
        assert!(rig.engine.parked_read_buf.is_none());
        assert!(rig.engine.read_buf.capacity() >= READ_CHUNK);
        assert_eq!(received.len(), sizes.len());
        for (i, (msg, &size)) in received.iter().zip(&sizes).enumerate() {
            let body = msg.as_bytes();
            assert_eq!(body.len(), size);
            assert!(body
                .iter()
                .enumerate()
                .all(|(at, &b)| b == (at * 7 + i) as u8));
        }
    }

    /// A new connection reads little at first: its reads double while
    /// they come back full, up to [`READ_CHUNK`]; one that only said hello
    /// keeps a small buffer.
    #[test]
    fn reads_grow_from_small_while_they_come_back_full() {
        let mut rig = rig_with(SocketType::Pull, SocketType::Push, None);
        let (_out, inp) = rig.connect();
        assert!(rig.engine.read_buf.capacity() < READ_CHUNK / 4);
        // 60 frames of 2 000 bytes, all queued at once.
        let mut wire = Vec::new();
        for i in 0..60u8 {
            wire.extend_from_slice(&rig.frame(2000, i));
        }
        rig.peer.write_all(&wire).unwrap();
        let engine = &mut rig.engine;
        let mut reads = Vec::new();
        while reads.iter().sum::<usize>() < wire.len() {
            let limit = engine.prepare_read();
            let asked =
                limit.min(engine.read_buf.capacity() - engine.read_buf.len());
            let read =
                read_into(&engine.stream, &mut engine.read_buf, limit).unwrap();
            if read == asked && engine.read_size < READ_CHUNK {
                engine.read_size *= 2; // as `on_ready` does
            }
            while engine
                .session
                .decode(&mut engine.read_buf)
                .unwrap()
                .is_some()
            {}
            reads.push(read);
        }
        assert_eq!(reads[0], FIRST_READ, "{reads:?}");
        assert!(reads[1] > reads[0], "{reads:?}");
        assert_eq!(engine.read_size, READ_CHUNK, "{reads:?}");
        assert!(reads.len() < 10, "{reads:?}");
        drop(inp);
    }

    /// A large frame that is all there when its header is read takes one
    /// buffer of exactly its size.
    #[test]
    fn large_frame_that_has_arrived_is_read_in_place() {
        let mut rig = rig_with(SocketType::Pull, SocketType::Push, None);
        let (_out, inp) = rig.connect();
        let size = 150_000;
        let len = zmtp::frame::MAX_HEADER_LEN; // a long header
        let wire = rig.frame(size, 5);
        // Small enough for the socketpair's buffer: all of it is queued.
        rig.peer.write_all(&wire).unwrap();
        // The engine's steps, one at a time (a connection that has been
        // streaming: full-size reads): a first read takes the header and
        // the start of the body...
        let engine = &mut rig.engine;
        engine.read_size = READ_CHUNK;
        let limit = engine.prepare_read();
        let first = read_into(&engine.stream, &mut engine.read_buf, limit);
        assert_eq!(first.unwrap(), READ_CHUNK);
        assert!(engine
            .session
            .decode(&mut engine.read_buf)
            .unwrap()
            .is_none());
        // ...then the rest, all queued, gets room at once in a buffer whose
        // capacity is the body's size.
        let limit = engine.prepare_read();
        assert_eq!(limit, size + len - READ_CHUNK);
        assert!(engine.parked_read_buf.is_some());
        assert_eq!(engine.read_buf.capacity(), size);
        // The engine goes on from there.
        engine.on_ready(true, false).unwrap();
        let msg = inp.pop().unwrap();
        assert_eq!(msg.len(), size);
        assert!(msg.as_bytes().iter().all(|&b| b == 5));
        assert!(rig.engine.parked_read_buf.is_none());
    }

    /// After a large frame, the next read takes one header at most, so
    /// the body of a following large frame goes straight into a buffer of
    /// its own size (nothing of it read into the usual buffer and moved).
    #[test]
    fn large_frame_after_a_large_one_is_read_in_place() {
        let mut rig = rig_with(SocketType::Pull, SocketType::Push, None);
        let (_out, inp) = rig.connect();
        let size = 40_000;
        let mut wire = rig.frame(size, 1);
        wire.extend_from_slice(&rig.frame(size, 2));
        rig.peer.write_all(&wire).unwrap();
        let engine = &mut rig.engine;
        engine.read_size = READ_CHUNK; // streaming already: full-size reads
        let step = |engine: &mut Engine| {
            let limit = engine.prepare_read();
            let read = read_into(&engine.stream, &mut engine.read_buf, limit);
            let event = engine.session.decode(&mut engine.read_buf).unwrap();
            (limit, read.unwrap(), event)
        };
        // The first frame: read with the second's start behind it (64 KiB).
        let (_, read, event) = step(engine);
        assert_eq!(read, READ_CHUNK);
        assert!(matches!(event, Some(Event::Frame { .. })));
        // Its rest fits no more: the second frame's body gets its own.
        assert!(engine
            .session
            .decode(&mut engine.read_buf)
            .unwrap()
            .is_none());
        let (limit, _, event) = step(engine);
        assert_eq!(limit, 2 * (size + 9) - READ_CHUNK);
        assert!(matches!(event, Some(Event::Frame { .. })));
        // Back to the usual buffer: one header at most...
        let first = engine.prepare_read();
        assert_eq!(first, zmtp::frame::MAX_HEADER_LEN);
        assert!(engine.parked_read_buf.is_none());
        drop(inp);
    }

    /// Frames of one size, queued back to back: from the second one on,
    /// each is one header read and one body read into a buffer of exactly
    /// its size.
    #[test]
    fn stream_of_large_frames_is_read_in_place() {
        let mut rig = rig_with(SocketType::Pull, SocketType::Push, None);
        let (_out, inp) = rig.connect();
        let size = 40_000;
        for fill in 0..4u8 {
            let wire = rig.frame(size, fill);
            rig.peer.write_all(&wire).unwrap();
        }
        let engine = &mut rig.engine;
        let mut bodies = Vec::new();
        let mut exact = 0;
        while bodies.len() < 4 {
            let limit = engine.prepare_read();
            if engine.parked_read_buf.is_some()
                && engine.read_buf.capacity() == size
            {
                exact += 1;
            }
            read_into(&engine.stream, &mut engine.read_buf, limit).unwrap();
            while let Some(event) =
                engine.session.decode(&mut engine.read_buf).unwrap()
            {
                match event {
                    Event::Frame { data, .. } => bodies.push(data),
                    _ => panic!("not a data frame"),
                }
            }
        }
        for (fill, body) in bodies.iter().enumerate() {
            assert_eq!(body.len(), size);
            assert!(body.iter().all(|&b| b == fill as u8));
        }
        // The first frame came in the usual buffer; the others each in
        // a buffer of their size, after a header read.
        assert!(exact >= 2, "{exact} bodies read in place");
        drop(inp);
    }

    #[test]
    fn oversized_frame_is_a_protocol_error() {
        let mut rig = rig(SocketType::Server, SocketType::Client);
        let (_out, inp) = rig.connect();
        let (header, len) =
            rig.peer_session.message_header(4096, false).unwrap();
        rig.peer.write_all(&header[..len]).unwrap();
        assert!(matches!(
            rig.engine.on_ready(true, false),
            Err(CloseReason::Protocol(_))
        ));
        assert_eq!(inp.pop().unwrap_err(), PopError::Empty);
    }
}
