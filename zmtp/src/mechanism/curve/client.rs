//! CURVE client: HELLO → (WELCOME) → INITIATE → (READY).

use bytes::{BufMut, Bytes, BytesMut};
use x25519_dalek::StaticSecret;

use super::crypto::{
    long_nonce, public_key, random, short_nonce, BoxKey, KEY_LEN, TAG_LEN,
};
use super::{
    key_at, nonce_at, Channel, Curve, Role, COOKIE_LEN, HELLO_LEN,
    MIN_READY_LEN, WELCOME, WELCOME_LEN,
};
use crate::command::READY;
use crate::error::{escape, ProtocolError};
use crate::mechanism::{
    accept_metadata, ready_or_error, Handshake, MAX_ERROR_BODY,
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

/// CURVE client handshake state (our transient key c' lives in the [`Channel`] from
/// `start` until `WELCOME` is processed).
pub(crate) struct Client {
    state: State,
    /// S.
    server_public: [u8; KEY_LEN],
    /// C.
    public: [u8; KEY_LEN],
    /// c.
    secret: StaticSecret,
    /// C'.
    transient_public: [u8; KEY_LEN],
    /// Box key between c' and S (HELLO and WELCOME), until `WELCOME` is processed.
    hello_key: Option<BoxKey>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.state.fmt(f)
    }
}

impl Curve<Client> {
    pub(crate) fn new(
        server_public: &[u8; KEY_LEN],
        public: &[u8; KEY_LEN],
        secret: &[u8; KEY_LEN],
    ) -> Curve<Client> {
        let client = Client {
            state: State::Start,
            server_public: *server_public,
            public: *public,
            secret: StaticSecret::from(*secret),
            transient_public: [0; KEY_LEN],
            hello_key: None,
        };
        Curve::with_role(client, true)
    }
}

impl Client {
    /// WELCOME: learn S' and the cookie, answer with INITIATE.
    fn on_welcome(
        &mut self,
        body: &[u8],
        channel: &mut Channel,
        hs: &mut Handshake<'_>,
    ) -> Result<(), ProtocolError> {
        if body.len() != WELCOME_LEN {
            return Err(ProtocolError::MalformedCommand(
                "CURVE WELCOME is not 168 bytes",
            ));
        }
        let (Some(hello_key), Some(transient)) =
            (self.hello_key.take(), channel.transient.take())
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
        channel.set_key(BoxKey::new(&server_transient, &transient)?);

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
        channel.send_boxed(
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
        channel: &mut Channel,
        hs: &mut Handshake<'_>,
    ) -> Result<(), ProtocolError> {
        if body.len() < MIN_READY_LEN {
            return Err(ProtocolError::MalformedCommand(
                "CURVE READY shorter than 30 bytes",
            ));
        }
        let n = nonce_at(body, 6);
        let text = channel.key()?.open(
            &short_nonce(b"CurveZMQREADY---", n),
            &body[14..],
            "READY box did not open",
        )?;
        channel.peer_nonce = n;
        accept_metadata(&Bytes::from(text), hs)?;
        self.state = State::Ready;
        Ok(())
    }
}

impl Role for Client {
    const NAME: &'static str = "CurveClient";
    const COMMANDS: &'static [&'static [u8]] = &[WELCOME, READY];

    fn start(
        &mut self,
        channel: &mut Channel,
        hs: &mut Handshake<'_>,
    ) -> Result<(), ProtocolError> {
        let transient = channel.transient()?;
        self.transient_public = public_key(transient);
        let hello_key = BoxKey::new(&self.server_public, transient)?;
        let n = channel.take_nonce()?;
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
        self.hello_key = Some(hello_key);
        self.state = State::ExpectWelcome;
        Ok(())
    }

    fn on_command(
        &mut self,
        name: &[u8],
        body: &[u8],
        channel: &mut Channel,
        hs: &mut Handshake<'_>,
    ) -> Result<(), ProtocolError> {
        match (self.state, name) {
            (State::ExpectWelcome, WELCOME) => {
                self.on_welcome(body, channel, hs)
            }
            (State::ExpectReady, READY) => self.on_ready(body, channel, hs),
            _ => Err(ProtocolError::UnexpectedCommand(escape(name))),
        }
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
}
