//! The CURVE mechanism (RFC 25 / CurveZMQ RFC 26, spec §2.4).
//!
//! Keys: client long-term C/c, server long-term S/s, client transient C'/c', server
//! transient S'/s'. `Box[X](A→B)` is a NaCl box (16-byte tag ‖ ciphertext).
//!
//! ```text
//! C: HELLO     05 "HELLO" ‖ 01 00 ‖ 72×00 ‖ C' ‖ N ‖ Box[64×00](C'→S)            200 bytes
//! S: WELCOME   07 "WELCOME" ‖ L(16) ‖ Box[S' ‖ cookie](S→C')                   168 bytes
//!              cookie = K-nonce(16) ‖ SecretBox[C' ‖ s'](K)                      96 bytes
//! C: INITIATE  08 "INITIATE" ‖ cookie ‖ N ‖ Box[C ‖ vouch ‖ metadata](C'→S')  ≥ 257 bytes
//!              vouch = V(16) ‖ Box[C' ‖ S](C→S')                                 96 bytes
//! S: READY     05 "READY" ‖ N ‖ Box[metadata](S'→C')                          ≥ 30 bytes
//! *: MESSAGE   07 "MESSAGE" ‖ N ‖ Box[flags ‖ payload](sender'→receiver')     ≥ 33 bytes
//! S: ERROR     05 "ERROR" ‖ len ‖ reason                     (in clear, instead of READY)
//! ```
//!
//! Nonce prefixes: `CurveZMQHELLO---`, `WELCOME-`, `COOKIE--`, `CurveZMQINITIATE`,
//! `VOUCH---`, `CurveZMQREADY---`, `CurveZMQMESSAGEC` (client → server) and
//! `CurveZMQMESSAGES` (server → client); N is a u64be short nonce.
//!
//! As libzmq (spec §2.4): short nonces start at 1 and grow with every HELLO, INITIATE,
//! READY and MESSAGE sent; a received MESSAGE must carry a nonce strictly greater than any
//! nonce seen from the peer (gaps allowed). The inner flags byte carries MORE (bit 0) and
//! COMMAND (bit 1): after the handshake PING/PONG/JOIN/LEAVE travel inside MESSAGE too. The
//! outer frame of a MESSAGE is sent as a data frame (no COMMAND flag) and accepted with or
//! without it. Handshake failures before the client is identified (bad HELLO, bad INITIATE)
//! close the connection without `ERROR`; only a denial by the authenticator sends one.

mod client;
pub(crate) mod crypto;
mod poly;
mod salsa;
mod server;

use std::fmt;

use bytes::{Buf, BufMut, BytesMut};
use x25519_dalek::StaticSecret;

use self::crypto::{
    random_secret, short_nonce, BoxKey, PrefixedKey, KEY_LEN, TAG_LEN,
};
use super::{handshake_command, Handshake, Mechanism};
use crate::command;
use crate::error::{escape, ProtocolError};
use crate::frame::{self, Frame, FrameMut, MAX_HEADER_LEN};

/// The CURVE client mechanism.
pub(crate) type CurveClient = Curve<client::Client>;
/// The CURVE server mechanism.
pub(crate) type CurveServer = Curve<server::Server>;

/// Length of a CURVE (Curve25519) public or secret key.
pub const CURVE_KEY_LEN: usize = crypto::KEY_LEN;

/// `HELLO` command name.
const HELLO: &[u8] = b"HELLO";
/// `WELCOME` command name.
const WELCOME: &[u8] = b"WELCOME";
/// `INITIATE` command name.
const INITIATE: &[u8] = b"INITIATE";
/// `MESSAGE` command name.
const MESSAGE: &[u8] = b"MESSAGE";

/// Size of `HELLO`.
const HELLO_LEN: usize = 200;
/// Size of `WELCOME`.
const WELCOME_LEN: usize = 168;
/// Size of a cookie.
const COOKIE_LEN: usize = 96;
/// Size of a vouch.
const VOUCH_LEN: usize = 96;
/// Smallest `INITIATE` (no metadata).
const MIN_INITIATE_LEN: usize = 257;
/// Smallest `READY` (no metadata).
const MIN_READY_LEN: usize = 30;
/// Smallest `MESSAGE` (empty payload): name, nonce, tag, flags.
const MIN_MESSAGE_LEN: usize = 33;

/// Inner flags bit: more frames follow.
const FLAG_MORE: u8 = 0x01;
/// Inner flags bit: the payload is a command (libzmq extension of RFC 26).
const FLAG_COMMAND: u8 = 0x02;

/// The public key belonging to a CURVE secret key (Curve25519 scalar multiplication of the
/// base point, like libzmq's `zmq_curve_public`).
pub fn curve_public_key(secret: &[u8; KEY_LEN]) -> [u8; KEY_LEN] {
    crypto::public_key(&StaticSecret::from(*secret))
}

/// A new random CURVE key pair `(public, secret)` (like libzmq's `zmq_curve_keypair`).
///
/// # Panics
///
/// Only if the operating system's random number generator is unavailable.
pub fn curve_keypair() -> ([u8; KEY_LEN], [u8; KEY_LEN]) {
    let secret = StaticSecret::random_from_rng(rand_core::OsRng);
    (crypto::public_key(&secret), secret.to_bytes())
}

/// Reads the u64be short nonce at `offset` (the caller checked the length).
fn nonce_at(body: &[u8], offset: usize) -> u64 {
    let mut n = [0u8; 8];
    n.copy_from_slice(&body[offset..offset + 8]);
    u64::from_be_bytes(n)
}

/// A 32-byte key at `offset` (the caller checked the length).
fn key_at(bytes: &[u8], offset: usize) -> [u8; KEY_LEN] {
    let mut key = [0u8; KEY_LEN];
    key.copy_from_slice(&bytes[offset..offset + KEY_LEN]);
    key
}

/// Takes the next short nonce from a counter (`None` once exhausted).
fn take_nonce(next: &mut Option<u64>) -> Option<u64> {
    let n = (*next)?;
    *next = n.checked_add(1);
    Some(n)
}

/// What differs between the CURVE client and server: the handshake. Everything after it
/// (MESSAGE encryption, nonces) is the shared [`Channel`].
trait Role: fmt::Debug + Send + Sync {
    /// Name for `Debug`.
    const NAME: &'static str;
    /// The handshake commands this role may receive (`ERROR` aside).
    const COMMANDS: &'static [&'static [u8]];

    /// Begins the handshake.
    fn start(
        &mut self,
        _channel: &mut Channel,
        _hs: &mut Handshake<'_>,
    ) -> Result<(), ProtocolError> {
        Ok(())
    }

    /// Handles one of [`COMMANDS`](Role::COMMANDS); `body` is the whole frame body.
    fn on_command(
        &mut self,
        name: &[u8],
        body: &[u8],
        channel: &mut Channel,
        hs: &mut Handshake<'_>,
    ) -> Result<(), ProtocolError>;

    /// See [`Mechanism::awaiting_auth`].
    fn awaiting_auth(&self) -> bool {
        false
    }

    /// See [`Mechanism::auth_allowed`].
    fn auth_allowed(
        &mut self,
        _channel: &mut Channel,
        _hs: &mut Handshake<'_>,
    ) -> Result<(), ProtocolError> {
        Ok(())
    }

    /// See [`Mechanism::is_ready`].
    fn is_ready(&self) -> bool;

    /// See [`Mechanism::max_frame_size`].
    fn max_frame_size(&self, max_metadata: u64) -> u64;
}

/// A CURVE mechanism: the role's handshake, then the channel's MESSAGE traffic.
pub(crate) struct Curve<R> {
    role: R,
    channel: Channel,
}

impl<R> Curve<R> {
    fn with_role(role: R, client: bool) -> Curve<R> {
        Curve {
            role,
            channel: Channel::new(client),
        }
    }

    /// Uses a fixed transient key instead of a random one (deterministic test vectors).
    #[cfg(test)]
    pub(crate) fn with_transient(mut self, secret: [u8; KEY_LEN]) -> Curve<R> {
        self.channel.transient = Some(StaticSecret::from(secret));
        self
    }
}

impl<R: Role> fmt::Debug for Curve<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct(R::NAME)
            .field("state", &self.role)
            .finish_non_exhaustive()
    }
}

impl<R: Role> Mechanism for Curve<R> {
    fn start(&mut self, hs: &mut Handshake<'_>) -> Result<(), ProtocolError> {
        self.role.start(&mut self.channel, hs)
    }

    fn handle_frame(
        &mut self,
        frame: Frame,
        hs: &mut Handshake<'_>,
    ) -> Result<(), ProtocolError> {
        let (name, _) = handshake_command(&frame, R::COMMANDS)?;
        self.role
            .on_command(name, &frame.body, &mut self.channel, hs)
    }

    fn awaiting_auth(&self) -> bool {
        self.role.awaiting_auth()
    }

    fn auth_allowed(
        &mut self,
        hs: &mut Handshake<'_>,
    ) -> Result<(), ProtocolError> {
        self.role.auth_allowed(&mut self.channel, hs)
    }

    fn is_ready(&self) -> bool {
        self.role.is_ready()
    }

    fn max_frame_size(&self, max_metadata: u64) -> u64 {
        self.role.max_frame_size(max_metadata)
    }

    fn transforms_frames(&self) -> bool {
        true
    }

    fn encode_frame(
        &mut self,
        more: bool,
        command: bool,
        body: &[u8],
        out: &mut BytesMut,
    ) {
        if self.role.is_ready() {
            self.channel.encode_message(more, command, body, out);
        }
    }

    fn passes_frames_through(&self) -> bool {
        false
    }

    fn decode_frame(
        &mut self,
        frame: FrameMut,
    ) -> Result<Frame, ProtocolError> {
        self.channel.decode_message(frame)
    }
}

/// The session between the two transient keys: short nonces in both directions and, once
/// known, the precomputed key used for INITIATE, READY and MESSAGE.
struct Channel {
    /// Our transient secret key (c' or s'), from the moment it is made (or preset by tests)
    /// until the session key is derived from it.
    transient: Option<StaticSecret>,
    /// `crypto_box_beforenm(peer transient, our transient)`.
    key: Option<BoxKey>,
    /// That key for the MESSAGEs we send and those we receive (their nonce prefixes
    /// applied), set with it.
    messages: Option<(PrefixedKey, PrefixedKey)>,
    /// Our next short nonce; `None` once all 2^64 - 1 are used.
    next_nonce: Option<u64>,
    /// The last short nonce received from the peer.
    peer_nonce: u64,
    /// Nonce prefix of the MESSAGEs we send.
    send_prefix: &'static [u8; 16],
    /// Nonce prefix of the MESSAGEs we receive.
    recv_prefix: &'static [u8; 16],
}

impl Channel {
    fn new(client: bool) -> Channel {
        let (c2s, s2c) = (b"CurveZMQMESSAGEC", b"CurveZMQMESSAGES");
        Channel {
            transient: None,
            key: None,
            messages: None,
            next_nonce: Some(1),
            peer_nonce: 0,
            send_prefix: if client { c2s } else { s2c },
            recv_prefix: if client { s2c } else { c2s },
        }
    }

    /// Takes our next short nonce.
    fn take_nonce(&mut self) -> Result<u64, ProtocolError> {
        take_nonce(&mut self.next_nonce)
            .ok_or(ProtocolError::Crypto("short nonces exhausted"))
    }

    /// Our transient secret key, made now if there is none yet.
    fn transient(&mut self) -> Result<&StaticSecret, ProtocolError> {
        if self.transient.is_none() {
            self.transient = Some(random_secret()?);
        }
        self.transient
            .as_ref()
            .ok_or(ProtocolError::Crypto("no transient key"))
    }

    /// Sets the precomputed key (and the MESSAGE keys derived from it).
    fn set_key(&mut self, key: BoxKey) {
        self.messages = Some((
            key.prefixed(self.send_prefix),
            key.prefixed(self.recv_prefix),
        ));
        self.key = Some(key);
    }

    /// The precomputed key (always set once the handshake got far enough to use it).
    fn key(&self) -> Result<&BoxKey, ProtocolError> {
        self.key
            .as_ref()
            .ok_or(ProtocolError::Crypto("no session key"))
    }

    /// Queues a command whose body is `prefix ‖ N ‖ Box[plaintext](us→peer)` with nonce
    /// `nonce_prefix ‖ N`; `boxed` holds a 16-byte tag slot followed by the plaintext.
    fn send_boxed(
        &mut self,
        prefix: &[u8],
        nonce_prefix: &[u8; 16],
        boxed: &mut [u8],
        out: &mut BytesMut,
    ) -> Result<(), ProtocolError> {
        let n = self.take_nonce()?;
        self.key()?
            .seal_in_place(&short_nonce(nonce_prefix, n), boxed);
        super::send_raw(&[prefix, &n.to_be_bytes(), boxed], out);
        Ok(())
    }

    /// Appends one frame as a `MESSAGE` (outer frame without the COMMAND flag, like
    /// libzmq). Does nothing before the handshake or once the nonces are exhausted.
    fn encode_message(
        &mut self,
        more: bool,
        command: bool,
        body: &[u8],
        out: &mut BytesMut,
    ) {
        let Some((key, _)) = &self.messages else {
            return;
        };
        let Some(n) = take_nonce(&mut self.next_nonce) else {
            return;
        };
        let mut flags = 0;
        if more {
            flags |= FLAG_MORE;
        }
        if command {
            flags |= FLAG_COMMAND;
        }
        let len = body.len().saturating_add(MIN_MESSAGE_LEN);
        let mut header = [0u8; MAX_HEADER_LEN];
        let header_len = frame::encode_header(false, false, len, &mut header);
        out.reserve(header_len.saturating_add(len));
        out.put_slice(&header[..header_len]);
        out.put_u8(7);
        out.put_slice(MESSAGE);
        out.put_u64(n);
        let boxed = out.len();
        out.put_bytes(0, TAG_LEN);
        out.put_u8(flags);
        out.put_slice(body);
        key.seal_in_place(n, &mut out[boxed..]);
    }

    /// Checks, decrypts (in place, in the read buffer) and unwraps a received `MESSAGE`.
    fn decode_message(
        &mut self,
        frame: FrameMut,
    ) -> Result<Frame, ProtocolError> {
        let mut body = frame.body;
        let (name, _) = command::split_name(&body)?;
        if name != MESSAGE {
            return Err(ProtocolError::UnexpectedCommand(escape(name)));
        }
        if body.len() < MIN_MESSAGE_LEN {
            return Err(ProtocolError::MalformedCommand(
                "CURVE MESSAGE shorter than 33 bytes",
            ));
        }
        let n = nonce_at(&body, 8);
        if n <= self.peer_nonce {
            return Err(ProtocolError::InvalidNonce {
                nonce: n,
                last: self.peer_nonce,
            });
        }
        let Some((_, key)) = &self.messages else {
            return Err(ProtocolError::Crypto("no session key"));
        };
        key.open_in_place(n, &mut body[16..], "MESSAGE box did not open")?;
        // Name, nonce and tag; then the flags and the payload.
        body.advance(16 + TAG_LEN);
        let flags = body.first().copied().unwrap_or_default();
        if flags & !(FLAG_MORE | FLAG_COMMAND) != 0 {
            return Err(ProtocolError::MalformedCommand(
                "CURVE MESSAGE with reserved flag bits set",
            ));
        }
        self.peer_nonce = n;
        body.advance(1);
        Ok(Frame {
            more: flags & FLAG_MORE != 0,
            command: flags & FLAG_COMMAND != 0,
            body: body.freeze(),
        })
    }
}

#[cfg(test)]
pub(crate) mod tests;
