//! CURVE client: HELLO → (WELCOME) → INITIATE → (READY).

use std::fmt;

use bytes::{BufMut, BytesMut};
use x25519_dalek::StaticSecret;

use super::crypto::{
    long_nonce, public_key, random, random_secret, short_nonce, BoxKey,
    KEY_LEN, TAG_LEN,
};
use super::{
    key_at, nonce_at, take_nonce, Channel, COOKIE_LEN, HELLO_LEN,
    MIN_READY_LEN, WELCOME, WELCOME_LEN,
};
use crate::command::{ERROR, READY};
use crate::error::{escape, ProtocolError};
use crate::frame::Frame;
use crate::mechanism::{
    accept_metadata, handshake_command, peer_error, ready_or_error, Handshake,
    Mechanism, MAX_ERROR_BODY,
};

/// Client progress.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum State {
    /// `HELLO` not sent yet.
    Start,
    /// `HELLO` sent; waiting for `WELCOME`.
    ExpectWelcome,
    /// `INITIATE` sent; waiting for `READY`.
    ExpectReady,
    /// Handshake complete.
    Ready,
}

/// CURVE client state.
pub(crate) struct CurveClient {
    state: State,
    /// S.
    server_public: [u8; KEY_LEN],
    /// C.
    public: [u8; KEY_LEN],
    /// c.
    secret: StaticSecret,
    /// c', from `start` until `WELCOME` is processed (or preset by tests).
    transient: Option<StaticSecret>,
    /// C'.
    transient_public: [u8; KEY_LEN],
    /// Box key between c' and S (HELLO and WELCOME), until `WELCOME` is processed.
    hello_key: Option<BoxKey>,
    channel: Channel,
}

impl fmt::Debug for CurveClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CurveClient")
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

impl CurveClient {
    pub(crate) fn new(
        server_public: &[u8; KEY_LEN],
        public: &[u8; KEY_LEN],
        secret: &[u8; KEY_LEN],
    ) -> CurveClient {
        CurveClient {
            state: State::Start,
            server_public: *server_public,
            public: *public,
            secret: StaticSecret::from(*secret),
            transient: None,
            transient_public: [0; KEY_LEN],
            hello_key: None,
            channel: Channel::new(true),
        }
    }

    /// Uses a fixed transient key instead of a random one (deterministic test vectors).
    #[cfg(test)]
    pub(crate) fn with_transient(
        mut self,
        secret: [u8; KEY_LEN],
    ) -> CurveClient {
        self.transient = Some(StaticSecret::from(secret));
        self
    }

    /// WELCOME: learn S' and the cookie, answer with INITIATE.
    fn on_welcome(
        &mut self,
        body: &[u8],
        hs: &mut Handshake<'_>,
    ) -> Result<(), ProtocolError> {
        if body.len() != WELCOME_LEN {
            return Err(ProtocolError::MalformedCommand(
                "CURVE WELCOME is not 168 bytes",
            ));
        }
        let (Some(hello_key), Some(transient)) =
            (self.hello_key.take(), self.transient.take())
        else {
            return Err(ProtocolError::Crypto("no transient key"));
        };
        let text = hello_key.open(
            &long_nonce(b"WELCOME-", &body[8..24]),
            &body[24..],
            "WELCOME box did not open",
        )?;
        // S' ‖ cookie.
        let server_transient = key_at(&text, 0);
        let cookie = &text[KEY_LEN..KEY_LEN + COOKIE_LEN];
        self.channel.key = Some(BoxKey::new(&server_transient, &transient)?);

        // vouch = V ‖ Box[C' ‖ S](C→S').
        let vouch_nonce = random::<16>()?;
        let mut vouch = [0u8; TAG_LEN + 2 * KEY_LEN];
        vouch[TAG_LEN..TAG_LEN + KEY_LEN]
            .copy_from_slice(&self.transient_public);
        vouch[TAG_LEN + KEY_LEN..].copy_from_slice(&self.server_public);
        BoxKey::new(&server_transient, &self.secret)?
            .seal_in_place(&long_nonce(b"VOUCH---", &vouch_nonce), &mut vouch);

        // INITIATE = 08 "INITIATE" ‖ cookie ‖ N ‖ Box[C ‖ vouch ‖ metadata](C'→S').
        let mut boxed = BytesMut::with_capacity(
            TAG_LEN
                + KEY_LEN
                + vouch.len()
                + 16
                + hs.local_metadata.encoded_len(),
        );
        boxed.put_bytes(0, TAG_LEN);
        boxed.put_slice(&self.public);
        boxed.put_slice(&vouch_nonce);
        boxed.put_slice(&vouch);
        hs.local_metadata.encode(&mut boxed);
        let mut prefix = [0u8; 9 + COOKIE_LEN];
        prefix[..9].copy_from_slice(b"\x08INITIATE");
        prefix[9..].copy_from_slice(cookie);
        self.channel.send_boxed(
            &prefix,
            b"CurveZMQINITIATE",
            &mut boxed,
            hs.transmit,
        )?;
        self.state = State::ExpectReady;
        Ok(())
    }

    /// READY: the server's metadata; the handshake is complete.
    fn on_ready(
        &mut self,
        body: &[u8],
        hs: &mut Handshake<'_>,
    ) -> Result<(), ProtocolError> {
        if body.len() < MIN_READY_LEN {
            return Err(ProtocolError::MalformedCommand(
                "CURVE READY shorter than 30 bytes",
            ));
        }
        let n = nonce_at(body, 6);
        let text = self.channel.key()?.open(
            &short_nonce(b"CurveZMQREADY---", n),
            &body[14..],
            "READY box did not open",
        )?;
        self.channel.peer_nonce = n;
        accept_metadata(&bytes::Bytes::from(text), hs)?;
        self.state = State::Ready;
        Ok(())
    }
}

impl Mechanism for CurveClient {
    fn start(&mut self, hs: &mut Handshake<'_>) -> Result<(), ProtocolError> {
        let transient = match self.transient.take() {
            Some(preset) => preset,
            None => random_secret()?,
        };
        self.transient_public = public_key(&transient);
        let hello_key = BoxKey::new(&self.server_public, &transient)?;
        let n = take_nonce(&mut self.channel.next_nonce)
            .ok_or(ProtocolError::Crypto("short nonces exhausted"))?;
        let mut signature = [0u8; TAG_LEN + 64];
        hello_key.seal_in_place(
            &short_nonce(b"CurveZMQHELLO---", n),
            &mut signature,
        );
        hs.send_raw(&[
            b"\x05HELLO\x01\x00",
            &[0u8; 72],
            &self.transient_public,
            &n.to_be_bytes(),
            &signature,
        ]);
        debug_assert_eq!(8 + 72 + 32 + 8 + signature.len(), HELLO_LEN);
        self.transient = Some(transient);
        self.hello_key = Some(hello_key);
        self.state = State::ExpectWelcome;
        Ok(())
    }

    fn handle_frame(
        &mut self,
        frame: Frame,
        hs: &mut Handshake<'_>,
    ) -> Result<(), ProtocolError> {
        let (name, data) = handshake_command(&frame, &[WELCOME, READY, ERROR])?;
        match (self.state, name) {
            (_, ERROR) => Err(peer_error(&data)),
            (State::ExpectWelcome, WELCOME) => self.on_welcome(&frame.body, hs),
            (State::ExpectReady, READY) => self.on_ready(&frame.body, hs),
            _ => Err(ProtocolError::UnexpectedCommand(escape(name))),
        }
    }

    fn auth_reply(
        &mut self,
        _result: Result<(), u16>,
        _hs: &mut Handshake<'_>,
    ) -> Result<(), ProtocolError> {
        Ok(())
    }

    fn is_ready(&self) -> bool {
        self.state == State::Ready
    }

    fn max_frame_size(&self, max_metadata: u64) -> u64 {
        match self.state {
            // A CURVE server closes without ERROR when it rejects a HELLO.
            State::Start | State::ExpectWelcome => WELCOME_LEN as u64,
            // READY = name, nonce, tag (30 bytes) and the metadata; or an ERROR.
            State::ExpectReady => ready_or_error(
                max_metadata.saturating_add(MIN_READY_LEN as u64 - 6),
            ),
            State::Ready => MAX_ERROR_BODY,
        }
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
        if self.state == State::Ready {
            self.channel.encode_message(more, command, body, out);
        }
    }

    fn decode_frame(&mut self, frame: Frame) -> Result<Frame, ProtocolError> {
        self.channel.decode_message(frame)
    }
}
