//! The connection state machine the engine drives: greeting, mechanism handshake, traffic.
//!
//! A [`Session`] never does I/O. The engine reads from the socket into a buffer and calls
//! [`Session::decode`] in a loop; it writes whatever [`Session::poll_transmit`] hands out, and
//! encodes outgoing messages with [`Session::encode_message`] or [`Session::message_header`].

use std::collections::VecDeque;

use bytes::{Buf, Bytes, BytesMut};

use crate::command::{self, Command};
use crate::error::ProtocolError;
use crate::event::{Event, PeerInfo};
use crate::frame::{self, Frame, FrameDecoder, MAX_HEADER_LEN};
use crate::greeting::{self, Greeting, GREETING_LEN};
use crate::mechanism::{self, Handshake, Mechanism, MechanismConfig};
use crate::metadata::Metadata;
use crate::socket_type::SocketType;

/// Everything a session needs to know about the local socket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionConfig {
    /// Our socket type (sent as `Socket-Type`, and the peer's is checked against it).
    pub socket_type: SocketType,
    /// Security mechanism and role.
    pub mechanism: MechanismConfig,
    /// Whether this side authenticates the peer (ZAP): the handshake then waits for
    /// [`Session::auth_reply`] after an [`Event::AuthRequest`].
    pub authenticate: bool,
    /// Largest accepted frame body (`ZMQ_MAXMSGSIZE`); applies to every frame, including
    /// handshake commands. `None` = unlimited.
    pub max_msg_size: Option<u64>,
    /// Application properties sent after `Socket-Type` in our `READY`.
    pub metadata: Metadata,
}

impl SessionConfig {
    /// NULL mechanism, no authentication, no size limit, no extra metadata.
    pub fn new(socket_type: SocketType) -> SessionConfig {
        SessionConfig {
            socket_type,
            mechanism: MechanismConfig::Null,
            authenticate: false,
            max_msg_size: None,
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

/// One ZMTP connection, sans I/O.
#[derive(Debug)]
pub struct Session {
    socket_type: SocketType,
    mechanism_name: &'static str,
    local_metadata: Metadata,
    mechanism: Box<dyn Mechanism>,
    decoder: FrameDecoder,
    stage: Stage,
    transmit: BytesMut,
    events: VecDeque<Event>,
    /// Commands requested before the handshake completed; sent right after it.
    deferred: Vec<Command>,
    peer_minor: u8,
    peer_pending: Option<(Metadata, Option<SocketType>)>,
    peer: Option<PeerInfo>,
    error: Option<ProtocolError>,
}

impl Session {
    /// Creates a session and queues our 64-byte greeting for transmission.
    ///
    /// An invalid mechanism configuration (see [`MechanismConfig::validate`]) makes the first
    /// [`decode`](Session::decode) fail with [`ProtocolError::InvalidConfig`].
    pub fn new(config: SessionConfig) -> Session {
        let mechanism = config.mechanism.build(config.authenticate);
        Session::with_mechanism(config, mechanism)
    }

    /// Creates a session around an already built mechanism state machine.
    pub(crate) fn with_mechanism(
        config: SessionConfig,
        mechanism: Box<dyn Mechanism>,
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
            stage: Stage::Greeting,
            transmit,
            events: VecDeque::new(),
            deferred: Vec::new(),
            peer_minor: 0,
            peer_pending: None,
            peer: None,
            error: config.mechanism.validate().err(),
        }
    }

    /// Consumes bytes from the front of `input` and returns at most one event; `Ok(None)`
    /// means more input is needed.
    ///
    /// Greeting and handshake bytes are consumed internally (replies are queued for
    /// [`poll_transmit`](Session::poll_transmit)). Call this in a loop until it returns
    /// `Ok(None)`; stopping early (backpressure) is fine, unconsumed bytes stay in `input`.
    /// After [`auth_reply`](Session::auth_reply) call it again even without new input: it
    /// returns the resulting [`Event::Ready`] or error.
    ///
    /// Errors are final: every later call returns the same error. Flush
    /// [`poll_transmit`](Session::poll_transmit) (it may hold an `ERROR` command), then close.
    /// A peer that is not speaking ZMTP 3.x is rejected as soon as its first byte arrives.
    pub fn decode(
        &mut self,
        input: &mut BytesMut,
    ) -> Result<Option<Event>, ProtocolError> {
        if let Some(error) = &self.error {
            return Err(error.clone());
        }
        let result = self.decode_inner(input);
        if let Err(error) = &result {
            self.error = Some(error.clone());
        }
        result
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
                    let Some(frame) = self.decoder.decode(input)? else {
                        return Ok(None);
                    };
                    let mut hs = Handshake {
                        socket_type: self.socket_type,
                        local_metadata: &self.local_metadata,
                        transmit: &mut self.transmit,
                        events: &mut self.events,
                        peer: &mut self.peer_pending,
                    };
                    self.mechanism.handle_frame(frame, &mut hs)?;
                    self.check_ready();
                }
                Stage::Ready => {
                    let Some(frame) = self.decoder.decode(input)? else {
                        return Ok(None);
                    };
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
        let mut hs = Handshake {
            socket_type: self.socket_type,
            local_metadata: &self.local_metadata,
            transmit: &mut self.transmit,
            events: &mut self.events,
            peer: &mut self.peer_pending,
        };
        self.mechanism.start(&mut hs)?;
        self.check_ready();
        Ok(true)
    }

    /// Moves to the ready stage once the mechanism says so.
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
        for command in std::mem::take(&mut self.deferred) {
            self.send_command(&command);
        }
        self.events.push_back(Event::Ready);
    }

    /// Interprets one frame after the handshake.
    fn traffic(
        &mut self,
        frame: Frame,
    ) -> Result<Option<Event>, ProtocolError> {
        if !frame.command {
            return Ok(Some(Event::Message {
                data: frame.body,
                more: frame.more,
            }));
        }
        match Command::parse(&frame.body) {
            Ok(Command::Ping { ttl, context }) => {
                self.send_command(&Command::Pong { context });
                Ok(Some(Event::Ping {
                    ttl_deciseconds: ttl,
                }))
            }
            Ok(Command::Pong { .. }) => Ok(Some(Event::Pong)),
            Ok(Command::Join(group)) => Ok(Some(Event::Join(group))),
            Ok(Command::Leave(group)) => Ok(Some(Event::Leave(group))),
            // A second READY, a late ERROR, SUBSCRIBE/CANCEL (not used by any socket type yet)
            // and unknown commands are ignored, like libzmq.
            Ok(_) => Ok(None),
            Err(error) => match command::split_name(&frame.body) {
                // libzmq's RADIO aborts on an oversized group; we close the connection.
                Ok((command::JOIN | command::LEAVE, _)) => Err(error),
                // Any other malformed command is dropped, like libzmq.
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
            self.send_command(&command);
        } else {
            self.deferred.push(command);
        }
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

    /// Appends one data frame to `out`. Only valid once [`is_ready`](Session::is_ready).
    ///
    /// With CURVE the frame is encrypted into a `MESSAGE`; before the handshake completes
    /// nothing is written then.
    pub fn encode_message(
        &mut self,
        body: &[u8],
        more: bool,
        out: &mut BytesMut,
    ) {
        self.mechanism.encode_frame(more, false, body, out);
    }

    /// The frame header for a data frame of `len` bytes whose body the caller writes itself
    /// (vectored write): `(header bytes, header length)`. `None` when the mechanism transforms
    /// frames (CURVE); use [`encode_message`](Session::encode_message) then.
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
    /// right after it.
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

    /// Answers an [`Event::AuthRequest`]: `Ok(())` allows the peer, `Err(status)` denies it
    /// with a ZAP status code (400, 500: an `ERROR` is queued; 3xx: nothing is sent). After a
    /// denial [`decode`](Session::decode) returns [`ProtocolError::AuthFailed`]. Ignored when no
    /// request is outstanding.
    pub fn auth_reply(&mut self, result: Result<(), u16>) {
        if self.error.is_some() || self.stage != Stage::Handshake {
            return;
        }
        let mut hs = Handshake {
            socket_type: self.socket_type,
            local_metadata: &self.local_metadata,
            transmit: &mut self.transmit,
            events: &mut self.events,
            peer: &mut self.peer_pending,
        };
        match self.mechanism.auth_reply(result, &mut hs) {
            Ok(()) => self.check_ready(),
            Err(error) => self.error = Some(error),
        }
    }

    /// Changes the maximum frame size (`ZMQ_MAXMSGSIZE`) from the next frame on.
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
