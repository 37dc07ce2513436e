//! The connection state machine the engine drives: greeting, mechanism handshake, traffic,
//! timers and message framing.
//!
//! A [`Session`] never does I/O and never reads a clock: time is passed in. The engine:
//!
//! 1. creates it with [`Session::new`]`(config, now)` when the connection is up;
//! 2. reads from the socket into a buffer and calls [`Session::decode_at`]`(buf, now)` in a
//!    loop until it returns `Ok(None)`, handling the [`Event`]s;
//! 3. writes whatever [`Session::poll_transmit`] hands out (greeting, handshake, PING/PONG,
//!    JOIN/LEAVE), then messages encoded with [`Session::encode_message`] (one whole message,
//!    with a RADIO group when there is one), [`Session::encode_frame`] (one frame of a
//!    multipart message) or [`Session::message_header`] (vectored writes);
//! 4. arms a timer for [`Session::poll_timeout`] and calls [`Session::handle_timeout`]`(now)`
//!    when it fires (then flushes [`Session::poll_transmit`]: a PING may be queued).
//!
//! Timers (`ZMQ_HANDSHAKE_IVL` and `ZMQ_HEARTBEAT_*`, spec §4.1 and §4.3):
//!
//! * the handshake must complete within [`SessionConfig::handshake_timeout`] of
//!   [`Session::new`], else [`ProtocolError::HandshakeTimeout`];
//! * with a [`Heartbeat`], once the handshake is complete a PING (carrying
//!   [`Heartbeat::ttl_deciseconds`]) is queued every [`Heartbeat::interval`], whatever else
//!   is going on; when a PING is sent and no timeout is running, one starts: if nothing at all
//!   arrives within [`Heartbeat::timeout`], [`ProtocolError::HeartbeatTimeout`];
//! * a PING from the peer with a TTL of `t` deciseconds (0 = none) starts a deadline of
//!   `t × 100 ms`: if nothing arrives before it, [`ProtocolError::HeartbeatTimeout`];
//! * traffic = any input byte: new bytes in the buffer passed to
//!   [`decode_at`](Session::decode_at) since the previous call, or a frame decoded from it.
//!   It cancels both the PING timeout and the peer's TTL deadline.
//!
//! Until the handshake is complete, a frame larger than the command the mechanism expects can
//! be is refused from its header, before any of its body is buffered: CURVE HELLO 200 bytes,
//! CURVE WELCOME 168, PLAIN HELLO ≤ 518, ERROR ≤ 262 (where an ERROR may come instead of a
//! smaller command, e.g. PLAIN's 8-byte WELCOME, the limit is 262), READY / INITIATE: their
//! fixed part plus [`SessionConfig::max_handshake_metadata`]. [`SessionConfig::max_msg_size`] applies to
//! frames after the handshake only. This is stricter than libzmq, which applies only
//! `ZMQ_MAXMSGSIZE` to handshake commands.

use std::collections::VecDeque;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::{Buf, Bytes, BytesMut};

use crate::command::{self, Command, MAX_GROUP_LEN};
use crate::error::ProtocolError;
use crate::event::{Event, PeerInfo};
use crate::frame::{self, Frame, FrameDecoder, MAX_HEADER_LEN};
use crate::framing::{Assembler, Framing};
use crate::greeting::{self, Greeting, GREETING_LEN};
use crate::mechanism::{self, Handshake, Mechanism, MechanismConfig};
use crate::metadata::Metadata;
use crate::socket_type::SocketType;

/// Default [`SessionConfig::handshake_timeout`]: 30 s, like libzmq's `ZMQ_HANDSHAKE_IVL`.
pub const DEFAULT_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(30);

/// Default [`SessionConfig::max_handshake_metadata`]: 64 KiB.
pub const DEFAULT_MAX_HANDSHAKE_METADATA: usize = 64 * 1024;

/// ZMTP 3.1 heartbeats (`ZMQ_HEARTBEAT_IVL`, `_TIMEOUT`, `_TTL`); see the module docs.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Heartbeat {
    /// A PING every `interval` once the handshake is complete. A zero interval turns
    /// heartbeats off (like `ZMQ_HEARTBEAT_IVL = 0`).
    pub interval: Duration,
    /// Close with [`ProtocolError::HeartbeatTimeout`] if nothing at all arrives within this
    /// long after a PING; `None` = never. libzmq's default is the interval.
    pub timeout: Option<Duration>,
    /// The time-to-live we put in our PINGs, in deciseconds (0 = none).
    pub ttl_deciseconds: u16,
}

impl Heartbeat {
    /// A PING every `interval`, timeout = `interval`, no TTL (libzmq's defaults).
    pub fn new(interval: Duration) -> Heartbeat {
        Heartbeat {
            interval,
            timeout: Some(interval),
            ttl_deciseconds: 0,
        }
    }
}

/// Everything a session needs to know about the local socket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionConfig {
    /// Our socket type (sent as `Socket-Type`, and the peer's is checked against it). It
    /// also chooses the [`Framing`] of messages.
    pub socket_type: SocketType,
    /// Security mechanism, role and credentials; shared by all connections of a socket
    /// (cloning the config clones the `Arc`, not the secrets).
    pub mechanism: Arc<MechanismConfig>,
    /// Whether this side authenticates the peer (ZAP): the handshake then waits for
    /// [`Session::auth_reply`] after an [`Event::AuthRequest`].
    pub authenticate: bool,
    /// Largest accepted frame body after the handshake (`ZMQ_MAXMSGSIZE`; with CURVE, the
    /// encrypted frame). `None` = unlimited. Handshake frames are bounded by their command's
    /// size instead (see [`max_handshake_metadata`](SessionConfig::max_handshake_metadata)).
    pub max_msg_size: Option<u64>,
    /// Largest metadata block accepted in the peer's `READY` / `INITIATE` during the
    /// handshake, in bytes (default [`DEFAULT_MAX_HANDSHAKE_METADATA`], 64 KiB). A larger
    /// frame is refused from its header with [`ProtocolError::FrameTooLarge`].
    pub max_handshake_metadata: usize,
    /// The handshake must complete within this long after [`Session::new`] (default
    /// [`DEFAULT_HANDSHAKE_TIMEOUT`], 30 s); `None` = no limit.
    pub handshake_timeout: Option<Duration>,
    /// Heartbeats (default `None`: no PINGs; the peer's PINGs are still answered and their
    /// TTL honoured).
    pub heartbeat: Option<Heartbeat>,
    /// Application properties sent after `Socket-Type` in our `READY`.
    pub metadata: Metadata,
}

impl SessionConfig {
    /// NULL mechanism, no authentication, no message size limit, 64 KiB of handshake
    /// metadata, a 30 s handshake timeout, no heartbeats, no extra metadata.
    pub fn new(socket_type: SocketType) -> SessionConfig {
        SessionConfig {
            socket_type,
            mechanism: Arc::new(MechanismConfig::Null),
            authenticate: false,
            max_msg_size: None,
            max_handshake_metadata: DEFAULT_MAX_HANDSHAKE_METADATA,
            handshake_timeout: Some(DEFAULT_HANDSHAKE_TIMEOUT),
            heartbeat: None,
            metadata: Metadata::new(),
        }
    }
}

/// Connection stage.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Stage {
    /// Waiting for the peer's 64-byte greeting.
    Greeting,
    /// Mechanism handshake in progress.
    Handshake,
    /// Handshake complete; traffic flows.
    Ready,
}

/// Deadlines; see the module docs.
#[derive(Clone, Debug)]
struct Timers {
    /// The latest time we were told.
    now: Instant,
    heartbeat: Option<Heartbeat>,
    handshake_at: Option<Instant>,
    next_ping_at: Option<Instant>,
    ping_timeout_at: Option<Instant>,
    ttl_at: Option<Instant>,
}

impl Timers {
    fn new(config: &SessionConfig, now: Instant) -> Timers {
        Timers {
            now,
            heartbeat: config.heartbeat.filter(|h| !h.interval.is_zero()),
            handshake_at: config
                .handshake_timeout
                .and_then(|t| now.checked_add(t)),
            next_ping_at: None,
            ping_timeout_at: None,
            ttl_at: None,
        }
    }

    /// Time only moves forward.
    fn advance(&mut self, now: Instant) {
        self.now = self.now.max(now);
    }

    /// Something arrived: the peer is alive.
    fn traffic(&mut self) {
        self.ping_timeout_at = None;
        self.ttl_at = None;
    }

    /// The handshake is complete: no more handshake deadline; PINGs start.
    fn ready(&mut self) {
        self.handshake_at = None;
        if let Some(heartbeat) = self.heartbeat {
            self.next_ping_at = self.now.checked_add(heartbeat.interval);
        }
    }

    /// The peer sent a PING with this TTL.
    fn peer_ping(&mut self, ttl_deciseconds: u16) {
        if ttl_deciseconds > 0 {
            let ttl = Duration::from_millis(u64::from(ttl_deciseconds) * 100);
            self.ttl_at = self.now.checked_add(ttl);
        }
    }

    fn earliest(&self) -> Option<Instant> {
        [
            self.handshake_at,
            self.next_ping_at,
            self.ping_timeout_at,
            self.ttl_at,
        ]
        .into_iter()
        .flatten()
        .min()
    }
}

/// One ZMTP connection, sans I/O.
///
/// `Debug` shows the state, not the bytes queued for transmission (they may hold a PLAIN
/// password) nor credentials.
pub struct Session {
    socket_type: SocketType,
    mechanism_name: &'static str,
    local_metadata: Metadata,
    mechanism: Box<dyn Mechanism>,
    decoder: FrameDecoder,
    max_handshake_metadata: u64,
    stage: Stage,
    transmit: BytesMut,
    events: VecDeque<Event>,
    /// Commands requested before the handshake completed; sent right after it.
    deferred: Vec<Command>,
    peer_minor: u8,
    peer_pending: Option<(Metadata, Option<SocketType>)>,
    peer: Option<PeerInfo>,
    assembler: Assembler,
    timers: Timers,
    /// Length of the input buffer when the previous `decode` returned (to notice new bytes).
    input_len: usize,
    error: Option<ProtocolError>,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("socket_type", &self.socket_type)
            .field("mechanism", &self.mechanism)
            .field("stage", &self.stage)
            .field("transmit_len", &self.transmit.len())
            .field("queued_events", &self.events.len())
            .field("peer", &self.peer)
            .field("timers", &self.timers)
            .field("error", &self.error)
            .finish_non_exhaustive()
    }
}

impl Session {
    /// Creates a session at time `now` and queues our 64-byte greeting for transmission.
    /// The handshake deadline counts from `now`.
    ///
    /// An invalid mechanism configuration (see [`MechanismConfig::validate`]) makes the first
    /// [`decode`](Session::decode) fail with [`ProtocolError::InvalidConfig`].
    pub fn new(config: SessionConfig, now: Instant) -> Session {
        let mechanism = config.mechanism.build(config.authenticate);
        Session::with_mechanism(config, mechanism, now)
    }

    /// Creates a session around an already built mechanism state machine.
    pub(crate) fn with_mechanism(
        config: SessionConfig,
        mechanism: Box<dyn Mechanism>,
        now: Instant,
    ) -> Session {
        let greeting = Greeting::new(
            config.mechanism.name(),
            config.mechanism.as_server(),
        );
        let mut transmit = BytesMut::with_capacity(256);
        transmit.extend_from_slice(&greeting.encode());
        Session {
            socket_type: config.socket_type,
            mechanism_name: config.mechanism.name(),
            local_metadata: mechanism::local_metadata(
                config.socket_type,
                &config.metadata,
            ),
            mechanism,
            decoder: FrameDecoder::new(config.max_msg_size),
            max_handshake_metadata: u64::try_from(
                config.max_handshake_metadata,
            )
            .unwrap_or(u64::MAX),
            stage: Stage::Greeting,
            transmit,
            events: VecDeque::new(),
            deferred: Vec::new(),
            peer_minor: 0,
            peer_pending: None,
            peer: None,
            assembler: Assembler::new(Framing::of(config.socket_type)),
            timers: Timers::new(&config, now),
            input_len: 0,
            error: config.mechanism.validate().err(),
        }
    }

    /// [`decode_at`](Session::decode_at) at the latest time the session was given (by
    /// [`new`](Session::new), `decode_at` or [`handle_timeout`](Session::handle_timeout)).
    pub fn decode(
        &mut self,
        input: &mut BytesMut,
    ) -> Result<Option<Event>, ProtocolError> {
        let now = self.timers.now;
        self.decode_at(input, now)
    }

    /// Consumes bytes from the front of `input`, received at `now`, and returns at most one
    /// event; `Ok(None)` means more input is needed.
    ///
    /// Pass the same buffer on every call (append what you read to it): bytes it gained since
    /// the previous call count as traffic for the heartbeat timers, even before they complete
    /// a frame. Greeting and handshake bytes are consumed internally (replies are queued for
    /// [`poll_transmit`](Session::poll_transmit)). Call this in a loop until it returns
    /// `Ok(None)`; stopping early (backpressure) is fine, unconsumed bytes stay in `input`.
    /// After [`auth_reply`](Session::auth_reply) call it again even without new input: it
    /// returns the resulting [`Event::Ready`] or error.
    ///
    /// Errors are final: every later call returns the same error. Flush
    /// [`poll_transmit`](Session::poll_transmit) (it may hold an `ERROR` command), then close.
    /// A peer that is not speaking ZMTP 3.x is rejected as soon as its first byte arrives.
    pub fn decode_at(
        &mut self,
        input: &mut BytesMut,
        now: Instant,
    ) -> Result<Option<Event>, ProtocolError> {
        if let Some(error) = &self.error {
            return Err(error.clone());
        }
        self.timers.advance(now);
        if input.len() > self.input_len {
            self.timers.traffic();
        }
        let result = self.decode_inner(input);
        self.input_len = input.len();
        if let Err(error) = &result {
            self.error = Some(error.clone());
        }
        result
    }

    /// The fast path of [`decode_at`](Session::decode_at) for small data frames, without
    /// splitting the input: when the next frame of `input` is a complete data frame of at
    /// most `max` bytes that `decode_at` would report unchanged ([`Event::Message`] without
    /// a group, or [`Event::Frame`]), consumes it and returns `take(body, more)` (`body` a
    /// slice of `input`). Otherwise consumes nothing and returns `None`: a command, a larger
    /// or incomplete frame, a mechanism that changes frames (CURVE), a Dish's group framing,
    /// a pending event or error, the handshake — everything is left to `decode_at`, which
    /// the caller then calls as usual.
    ///
    /// Calling it before each `decode_at` gives the same frames in the same order as
    /// `decode_at` alone.
    pub fn decode_small<R>(
        &mut self,
        input: &mut BytesMut,
        max: usize,
        take: impl FnOnce(&[u8], bool) -> R,
    ) -> Option<R> {
        if self.stage != Stage::Ready
            || self.error.is_some()
            || !self.events.is_empty()
            || !self.mechanism.passes_frames_through()
        {
            return None;
        }
        let (header_len, len, more) =
            self.decoder.peek_small_data(input, max)?;
        if !self.assembler.passes(more) {
            return None;
        }
        let result = take(&input[header_len..header_len + len], more);
        input.advance(header_len + len);
        self.timers.traffic();
        self.input_len = input.len();
        Some(result)
    }

    fn decode_inner(
        &mut self,
        input: &mut BytesMut,
    ) -> Result<Option<Event>, ProtocolError> {
        loop {
            if let Some(event) = self.events.pop_front() {
                return Ok(Some(event));
            }
            match self.stage {
                Stage::Greeting => {
                    if !self.receive_greeting(input)? {
                        return Ok(None);
                    }
                }
                Stage::Handshake => {
                    let limit = self
                        .mechanism
                        .max_frame_size(self.max_handshake_metadata);
                    let Some(frame) =
                        self.decoder.decode_limited(input, Some(limit))?
                    else {
                        return Ok(None);
                    };
                    self.timers.traffic();
                    self.run_mechanism(|m, hs| m.handle_frame(frame, hs))?;
                    self.check_ready();
                }
                Stage::Ready => {
                    let Some(frame) = self.decoder.decode_mut(input)? else {
                        return Ok(None);
                    };
                    self.timers.traffic();
                    let frame = self.mechanism.decode_frame(frame)?;
                    if let Some(event) = self.traffic(frame)? {
                        return Ok(Some(event));
                    }
                }
            }
        }
    }

    /// Handles the peer's greeting; `Ok(false)` = incomplete.
    fn receive_greeting(
        &mut self,
        input: &mut BytesMut,
    ) -> Result<bool, ProtocolError> {
        let seen = input.get(..GREETING_LEN).unwrap_or(input);
        greeting::check_prefix(seen)?;
        if seen.len() < GREETING_LEN {
            return Ok(false);
        }
        let peer = Greeting::decode(seen)?;
        input.advance(GREETING_LEN);
        if !peer.mechanism_is(self.mechanism_name) {
            return Err(ProtocolError::MechanismMismatch {
                ours: self.mechanism_name.to_owned(),
                peer: peer.mechanism_display(),
            });
        }
        self.peer_minor = peer.minor;
        self.stage = Stage::Handshake;
        self.run_mechanism(|m, hs| m.start(hs))?;
        self.check_ready();
        Ok(true)
    }

    /// Moves to the ready stage once the mechanism says so.
    /// Runs `f` on the mechanism with what it may touch during the handshake.
    fn run_mechanism<T>(
        &mut self,
        f: impl FnOnce(&mut dyn Mechanism, &mut Handshake<'_>) -> T,
    ) -> T {
        let mut hs = Handshake {
            socket_type: self.socket_type,
            local_metadata: &self.local_metadata,
            transmit: &mut self.transmit,
            events: &mut self.events,
            peer: &mut self.peer_pending,
        };
        f(&mut *self.mechanism, &mut hs)
    }

    fn check_ready(&mut self) {
        if self.stage != Stage::Handshake || !self.mechanism.is_ready() {
            return;
        }
        let (metadata, socket_type) =
            self.peer_pending.take().unwrap_or_default();
        self.peer = Some(PeerInfo {
            socket_type,
            metadata,
            minor_version: self.peer_minor,
        });
        self.stage = Stage::Ready;
        self.timers.ready();
        for command in std::mem::take(&mut self.deferred) {
            self.send_traffic_command(&command);
        }
        self.events.push_back(Event::Ready);
    }

    /// Interprets one frame after the handshake.
    ///
    /// Only PING, PONG, JOIN and LEAVE are parsed, and SUBSCRIBE/CANCEL by a PUB or XPUB.
    /// Any other command (a second `READY`, a late `ERROR`, unknown names) is ignored without
    /// being decoded, like libzmq, so a late `READY` costs nothing beyond its (size-limited)
    /// frame.
    fn traffic(
        &mut self,
        frame: Frame,
    ) -> Result<Option<Event>, ProtocolError> {
        if !frame.command {
            return self.assembler.on_frame(frame.body, frame.more);
        }
        let Ok((name, _)) = command::split_name(&frame.body) else {
            // A malformed command is dropped, like libzmq.
            return Ok(None);
        };
        let subscriptions =
            matches!(self.socket_type, SocketType::Pub | SocketType::XPub)
                && matches!(name, command::SUBSCRIBE | command::CANCEL);
        if !subscriptions
            && !matches!(
                name,
                command::PING | command::PONG | command::JOIN | command::LEAVE
            )
        {
            return Ok(None);
        }
        match Command::parse(&frame.body) {
            Ok(Command::Ping { ttl, context }) => {
                self.timers.peer_ping(ttl);
                self.send_command(&Command::Pong { context });
                Ok(Some(Event::Ping {
                    ttl_deciseconds: ttl,
                }))
            }
            Ok(Command::Pong { .. }) => Ok(Some(Event::Pong)),
            Ok(Command::Join(group)) => {
                Ok(Some(Event::Join(crate::framing::cut_at_nul(group))))
            }
            Ok(Command::Leave(group)) => {
                Ok(Some(Event::Leave(crate::framing::cut_at_nul(group))))
            }
            Ok(Command::Subscribe(prefix)) => {
                Ok(Some(Event::Subscribe(prefix)))
            }
            Ok(Command::Cancel(prefix)) => Ok(Some(Event::Cancel(prefix))),
            Ok(_) => Ok(None),
            Err(error) => match name {
                // libzmq's RADIO aborts on an oversized group; we close the connection.
                command::JOIN | command::LEAVE => Err(error),
                // A malformed PING is dropped, like libzmq.
                _ => Ok(None),
            },
        }
    }

    /// Queues a command frame (through the mechanism once traffic may be transformed).
    fn send_command(&mut self, command: &Command) {
        if self.mechanism.transforms_frames() {
            let mut body = BytesMut::with_capacity(command.body_len());
            command.encode_body(&mut body);
            self.mechanism
                .encode_frame(false, true, &body, &mut self.transmit);
        } else {
            command.encode(&mut self.transmit);
        }
    }

    /// Queues a traffic command now, or right after the handshake if it is not done yet.
    fn send_or_defer(&mut self, command: Command) {
        if self.error.is_some() {
            return;
        }
        if self.stage == Stage::Ready {
            self.send_traffic_command(&command);
        } else {
            self.deferred.push(command);
        }
    }

    /// Queues a command once ready. A ZMTP 3.0 peer has no SUBSCRIBE/CANCEL commands: it
    /// gets the message form, one data frame `0x01 prefix` / `0x00 prefix`.
    fn send_traffic_command(&mut self, command: &Command) {
        let legacy = match command {
            Command::Subscribe(prefix) if self.peer_minor == 0 => {
                Some((1, prefix))
            }
            Command::Cancel(prefix) if self.peer_minor == 0 => {
                Some((0, prefix))
            }
            _ => None,
        };
        match legacy {
            Some((flag, prefix)) => {
                let mut body = Vec::with_capacity(1 + prefix.len());
                body.push(flag);
                body.extend_from_slice(prefix);
                self.mechanism.encode_frame(
                    false,
                    false,
                    &body,
                    &mut self.transmit,
                );
            }
            None => self.send_command(command),
        }
    }

    /// The earliest moment [`handle_timeout`](Session::handle_timeout) has something to do
    /// (handshake deadline, next PING, PING timeout, the peer's TTL); `None` = no timer
    /// needed. Ask again after every call into the session: deadlines move.
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.error.is_some() {
            return None;
        }
        self.timers.earliest()
    }

    /// Handles the deadlines that passed at `now`.
    ///
    /// Returns [`ProtocolError::HandshakeTimeout`] if the handshake is not complete by its
    /// deadline, [`ProtocolError::HeartbeatTimeout`] if the PING timeout or the peer's TTL
    /// expired without traffic (close the connection then; the error is final, like any
    /// other). Otherwise queues a PING if one is due (flush
    /// [`poll_transmit`](Session::poll_transmit) afterwards). Calling it early or twice is
    /// harmless.
    pub fn handle_timeout(
        &mut self,
        now: Instant,
    ) -> Result<(), ProtocolError> {
        if let Some(error) = &self.error {
            return Err(error.clone());
        }
        self.timers.advance(now);
        let now = self.timers.now;
        let passed = |at: Option<Instant>| at.is_some_and(|at| at <= now);
        let t = &mut self.timers;
        let error = if passed(t.handshake_at) {
            Some(ProtocolError::HandshakeTimeout)
        } else if passed(t.ping_timeout_at) || passed(t.ttl_at) {
            Some(ProtocolError::HeartbeatTimeout)
        } else {
            None
        };
        if let Some(error) = error {
            self.error = Some(error.clone());
            return Err(error);
        }
        if let (true, Some(heartbeat)) = (passed(t.next_ping_at), t.heartbeat) {
            t.next_ping_at = now.checked_add(heartbeat.interval);
            if t.ping_timeout_at.is_none() {
                t.ping_timeout_at =
                    heartbeat.timeout.and_then(|d| now.checked_add(d));
            }
            self.send_command(&Command::Ping {
                ttl: heartbeat.ttl_deciseconds,
                context: Bytes::new(),
            });
        }
        Ok(())
    }

    /// Appends everything queued for transmission (greeting, handshake commands, PONGs,
    /// PINGs, JOINs, ...) to `out`. Call it before writing messages encoded with
    /// [`encode_message`](Session::encode_message), so the handshake goes out first.
    pub fn poll_transmit(&mut self, out: &mut BytesMut) {
        if out.is_empty() {
            std::mem::swap(out, &mut self.transmit);
        } else {
            out.extend_from_slice(&self.transmit);
            self.transmit.clear();
        }
    }

    /// Whether [`poll_transmit`](Session::poll_transmit) has anything to hand out.
    pub fn has_transmit(&self) -> bool {
        !self.transmit.is_empty()
    }

    /// Whether the handshake is complete.
    pub fn is_ready(&self) -> bool {
        self.stage == Stage::Ready && self.error.is_none()
    }

    /// What the handshake told us about the peer (`Some` once ready).
    pub fn peer(&self) -> Option<&PeerInfo> {
        self.peer.as_ref()
    }

    /// How received data frames are reported (from our socket type).
    pub fn framing(&self) -> Framing {
        Framing::of(self.socket_type)
    }

    /// Appends one whole message to `out`. Only valid once [`is_ready`](Session::is_ready).
    ///
    /// A RADIO writes two frames: the group (with MORE; `None` means the empty group `""`,
    /// as in libzmq; longer than 255 bytes is truncated, callers validate groups first), then
    /// the body. Every other socket type writes one frame and ignores `group`. With CURVE
    /// each frame is encrypted into a `MESSAGE`; before the handshake completes nothing is
    /// written then.
    pub fn encode_message(
        &mut self,
        body: &[u8],
        group: Option<&[u8]>,
        out: &mut BytesMut,
    ) {
        if self.socket_type == SocketType::Radio {
            let group = group.unwrap_or_default();
            let group = group.get(..MAX_GROUP_LEN).unwrap_or(group);
            self.mechanism.encode_frame(true, false, group, out);
        }
        self.mechanism.encode_frame(false, false, body, out);
    }

    /// Appends one data frame to `out` with the given MORE flag: a frame of a multipart
    /// message for the classic socket types, or a RADIO's group frame when the body is
    /// written with [`message_header`](Session::message_header). Only valid once
    /// [`is_ready`](Session::is_ready).
    pub fn encode_frame(
        &mut self,
        body: &[u8],
        more: bool,
        out: &mut BytesMut,
    ) {
        self.mechanism.encode_frame(more, false, body, out);
    }

    /// The frame header for a data frame of `len` bytes whose body the caller writes itself
    /// (vectored write): `(header bytes, header length)`. `None` when the mechanism transforms
    /// frames (CURVE); use [`encode_message`](Session::encode_message) then. A RADIO must
    /// write its group frame first ([`encode_frame`](Session::encode_frame) with MORE).
    pub fn message_header(
        &self,
        len: usize,
        more: bool,
    ) -> Option<([u8; 9], usize)> {
        if self.mechanism.transforms_frames() {
            return None;
        }
        let mut header = [0u8; MAX_HEADER_LEN];
        let n = frame::encode_header(more, false, len, &mut header);
        Some((header, n))
    }

    /// Queues a PING without context. Before the handshake completes it is held back and sent
    /// right after it. With [`SessionConfig::heartbeat`] set the session sends its PINGs
    /// itself (see [`handle_timeout`](Session::handle_timeout)); this is for extra ones.
    pub fn send_ping(&mut self, ttl_deciseconds: u16) {
        self.send_or_defer(Command::Ping {
            ttl: ttl_deciseconds,
            context: Bytes::new(),
        });
    }

    /// Queues a `JOIN` (DISH → RADIO). Groups longer than 255 bytes are truncated; callers
    /// validate them first. Held back until the handshake completes.
    pub fn send_join(&mut self, group: &[u8]) {
        self.send_or_defer(Command::Join(Bytes::copy_from_slice(group)));
    }

    /// Queues a `LEAVE` (DISH → RADIO). Same rules as [`send_join`](Session::send_join).
    pub fn send_leave(&mut self, group: &[u8]) {
        self.send_or_defer(Command::Leave(Bytes::copy_from_slice(group)));
    }

    /// Queues a subscription to messages starting with `prefix` (SUB → PUB/XPUB): a
    /// `SUBSCRIBE` command to a ZMTP 3.1 peer, the data message `0x01 prefix` to a ZMTP 3.0
    /// one (what C libzmq 4.3 sends). Held back until the handshake completes.
    pub fn send_subscribe(&mut self, prefix: &[u8]) {
        self.send_or_defer(Command::Subscribe(Bytes::copy_from_slice(prefix)));
    }

    /// Queues the cancellation of a subscription: `CANCEL`, or `0x00 prefix` to a ZMTP 3.0
    /// peer. Same rules as [`send_subscribe`](Session::send_subscribe).
    pub fn send_cancel(&mut self, prefix: &[u8]) {
        self.send_or_defer(Command::Cancel(Bytes::copy_from_slice(prefix)));
    }

    /// Answers an [`Event::AuthRequest`]: `Ok(())` allows the peer, `Err(status)` denies it
    /// with a ZAP status code (400, 500: an `ERROR` is queued; 3xx: nothing is sent). After a
    /// denial [`decode`](Session::decode) returns [`ProtocolError::AuthFailed`]. Ignored when no
    /// request is outstanding. The peer's metadata (NULL `READY`, CURVE `INITIATE`) is only
    /// parsed once the peer is allowed.
    pub fn auth_reply(&mut self, result: Result<(), u16>) {
        if self.error.is_some()
            || self.stage != Stage::Handshake
            || !self.mechanism.awaiting_auth()
        {
            return;
        }
        let outcome = self.run_mechanism(|m, hs| match result {
            Ok(()) => m.auth_allowed(hs),
            Err(status) => Err(mechanism::deny(status, hs)),
        });
        match outcome {
            Ok(()) => self.check_ready(),
            Err(error) => self.error = Some(error),
        }
    }

    /// Changes the maximum frame size after the handshake (`ZMQ_MAXMSGSIZE`) from the next
    /// frame on.
    pub fn set_max_msg_size(&mut self, max_msg_size: Option<u64>) {
        self.decoder.set_max_size(max_msg_size);
    }

    /// How many more input bytes complete the current frame (or greeting); a hint for sizing
    /// reads of large frames. Always at least 1.
    pub fn bytes_needed(&self, input: &BytesMut) -> usize {
        match self.stage {
            Stage::Greeting => GREETING_LEN.saturating_sub(input.len()).max(1),
            Stage::Handshake | Stage::Ready => self.decoder.bytes_needed(input),
        }
    }
}

#[cfg(test)]
mod tests;
