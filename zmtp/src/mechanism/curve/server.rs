//! CURVE server: (HELLO) → WELCOME → (INITIATE) → authentication → READY or ERROR.
//!
//! The cookie key K is random per WELCOME and forgotten as soon as an INITIATE arrives, so a
//! cookie is good for one INITIATE on this connection only. The server also keeps C' and s'
//! and checks that the cookie holds exactly them. The vouch must name both the client's
//! transient key C' (as libzmq checks) and our long-term key S (libzmq does not check S; a
//! libzmq client always puts it there).
//!
//! The client is authorised before its metadata is looked at: the INITIATE metadata is kept
//! undecoded (a slice of the decrypted box, bounded by the session's metadata limit) while the
//! authentication request is outstanding, and only parsed once the engine allows the client.
//! A denied client never gets its metadata parsed.
//!
//! HELLO is checked more strictly than libzmq does: its 72 padding bytes and the 64 bytes in
//! its signature box must be zero.

use bytes::{BufMut, Bytes, BytesMut};
use subtle::ConstantTimeEq;
use x25519_dalek::StaticSecret;
use zeroize::Zeroizing;

use super::crypto::{
    long_nonce, public_key, random, short_nonce, BoxKey, KEY_LEN, TAG_LEN,
};
use super::{
    key_at, nonce_at, Channel, Curve, Role, COOKIE_LEN, HELLO, HELLO_LEN,
    INITIATE, MIN_INITIATE_LEN, VOUCH_LEN,
};
use crate::error::{escape, ProtocolError};
use crate::mechanism::{accept_metadata, Handshake, MAX_ERROR_BODY};

/// Server progress.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum State {
    /// Waiting for `HELLO`.
    ExpectHello,
    /// `WELCOME` sent; waiting for `INITIATE`.
    ExpectInitiate,
    /// Waiting for the engine's answer to the authentication request.
    AwaitingAuth,
    /// `READY` sent.
    Ready,
}

/// CURVE server handshake state (our transient key s' lives in the [`Channel`] from
/// WELCOME until INITIATE).
pub(crate) struct Server {
    state: State,
    /// s.
    secret: StaticSecret,
    /// S.
    public: [u8; KEY_LEN],
    /// C', from HELLO.
    client_transient: [u8; KEY_LEN],
    /// K, from WELCOME until INITIATE.
    cookie_key: Option<Zeroizing<[u8; KEY_LEN]>>,
    /// The client's metadata from INITIATE, undecoded until the client is allowed.
    pending_metadata: Option<Bytes>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.state.fmt(f)
    }
}

impl Curve<Server> {
    pub(crate) fn new(secret: &[u8; KEY_LEN]) -> Curve<Server> {
        let secret = StaticSecret::from(*secret);
        let server = Server {
            state: State::ExpectHello,
            public: public_key(&secret),
            secret,
            client_transient: [0; KEY_LEN],
            cookie_key: None,
            pending_metadata: None,
        };
        Curve::with_role(server, false)
    }
}

impl Server {
    /// HELLO: check it, answer with WELCOME.
    fn on_hello(
        &mut self,
        body: &[u8],
        channel: &mut Channel,
        hs: &mut Handshake<'_>,
    ) -> Result<(), ProtocolError> {
        if body.len() != HELLO_LEN {
            return Err(ProtocolError::MalformedCommand(
                "CURVE HELLO is not 200 bytes",
            ));
        }
        if body[6..8] != [1, 0] {
            return Err(ProtocolError::MalformedCommand(
                "CURVE HELLO version is not 1.0",
            ));
        }
        if body[8..80].iter().any(|&b| b != 0) {
            return Err(ProtocolError::MalformedCommand(
                "CURVE HELLO padding is not zero",
            ));
        }
        let client_transient = key_at(body, 80);
        let n = nonce_at(body, 112);
        let hello_key = BoxKey::new(&client_transient, &self.secret)?;
        // libzmq does not check the signature's content; we require its 64 zero bytes.
        let signature = hello_key.open(
            &short_nonce(b"CurveZMQHELLO---", n),
            &body[120..],
            "HELLO box did not open",
        )?;
        if signature.iter().any(|&b| b != 0) {
            return Err(ProtocolError::Crypto(
                "HELLO signature is not 64 zero bytes",
            ));
        }
        channel.peer_nonce = n;
        self.client_transient = client_transient;

        let transient = channel.transient()?;
        // cookie = K-nonce ‖ SecretBox[C' ‖ s'](K).
        let cookie_key = Zeroizing::new(random::<KEY_LEN>()?);
        let mut cookie = Zeroizing::new([0u8; COOKIE_LEN]);
        let cookie_nonce = random::<16>()?;
        cookie[..16].copy_from_slice(&cookie_nonce);
        cookie[16 + TAG_LEN..16 + TAG_LEN + KEY_LEN]
            .copy_from_slice(&client_transient);
        cookie[16 + TAG_LEN + KEY_LEN..].copy_from_slice(transient.as_bytes());
        BoxKey::symmetric(&cookie_key).seal_in_place(
            &long_nonce(b"COOKIE--", &cookie_nonce),
            &mut cookie[16..],
        );

        // WELCOME = 07 "WELCOME" ‖ L ‖ Box[S' ‖ cookie](S→C').
        let mut boxed = [0u8; TAG_LEN + KEY_LEN + COOKIE_LEN];
        boxed[TAG_LEN..TAG_LEN + KEY_LEN]
            .copy_from_slice(&public_key(transient));
        boxed[TAG_LEN + KEY_LEN..].copy_from_slice(&cookie[..]);
        let welcome_nonce = random::<16>()?;
        hello_key.seal_in_place(
            &long_nonce(b"WELCOME-", &welcome_nonce),
            &mut boxed,
        );
        hs.send_raw(&[b"\x07WELCOME", &welcome_nonce, &boxed]);

        self.cookie_key = Some(cookie_key);
        self.state = State::ExpectInitiate;
        Ok(())
    }

    /// INITIATE: check cookie and vouch, keep the metadata undecoded, ask the engine
    /// about C.
    fn on_initiate(
        &mut self,
        body: &[u8],
        channel: &mut Channel,
        hs: &mut Handshake<'_>,
    ) -> Result<(), ProtocolError> {
        if body.len() < MIN_INITIATE_LEN {
            return Err(ProtocolError::MalformedCommand(
                "CURVE INITIATE shorter than 257 bytes",
            ));
        }
        // Whatever happens, K and s' are forgotten here: one INITIATE per cookie.
        let (Some(cookie_key), Some(transient)) =
            (self.cookie_key.take(), channel.transient.take())
        else {
            return Err(ProtocolError::Crypto("no cookie key"));
        };
        let cookie = &body[9..9 + COOKIE_LEN];
        let cookie_text = Zeroizing::new(BoxKey::symmetric(&cookie_key).open(
            &long_nonce(b"COOKIE--", &cookie[..16]),
            &cookie[16..],
            "INITIATE cookie did not open",
        )?);
        let same_client = cookie_text[..KEY_LEN].ct_eq(&self.client_transient);
        let same_key = cookie_text[KEY_LEN..].ct_eq(transient.as_bytes());
        if !bool::from(same_client & same_key) {
            return Err(ProtocolError::Crypto(
                "INITIATE cookie is not for this connection",
            ));
        }

        let key = BoxKey::new(&self.client_transient, &transient)?;
        let offset = 9 + COOKIE_LEN;
        let n = nonce_at(body, offset);
        let text = key.open(
            &short_nonce(b"CurveZMQINITIATE", n),
            &body[offset + 8..],
            "INITIATE box did not open",
        )?;
        // C ‖ vouch ‖ metadata; at least 128 bytes because the box is at least 144.
        let client_public = key_at(&text, 0);
        let vouch = &text[KEY_LEN..KEY_LEN + VOUCH_LEN];
        let vouch_text = BoxKey::new(&client_public, &transient)?.open(
            &long_nonce(b"VOUCH---", &vouch[..16]),
            &vouch[16..],
            "vouch did not open",
        )?;
        if !bool::from(vouch_text[..KEY_LEN].ct_eq(&self.client_transient)) {
            return Err(ProtocolError::Crypto(
                "vouch is not for the client's transient key",
            ));
        }
        if !bool::from(vouch_text[KEY_LEN..].ct_eq(&self.public)) {
            return Err(ProtocolError::Crypto("vouch is not for this server"));
        }
        channel.peer_nonce = n;
        channel.set_key(key);
        self.pending_metadata =
            Some(Bytes::from(text).slice(KEY_LEN + VOUCH_LEN..));
        hs.request_auth("CURVE", vec![Bytes::copy_from_slice(&client_public)]);
        self.state = State::AwaitingAuth;
        Ok(())
    }
}

impl Role for Server {
    const NAME: &'static str = "CurveServer";
    const COMMANDS: &'static [&'static [u8]] = &[HELLO, INITIATE];

    fn on_command(
        &mut self,
        name: &[u8],
        body: &[u8],
        channel: &mut Channel,
        hs: &mut Handshake<'_>,
    ) -> Result<(), ProtocolError> {
        match (self.state, name) {
            (State::ExpectHello, HELLO) => self.on_hello(body, channel, hs),
            (State::ExpectInitiate, INITIATE) => {
                self.on_initiate(body, channel, hs)
            }
            _ => Err(ProtocolError::UnexpectedCommand(escape(name))),
        }
    }

    fn awaiting_auth(&self) -> bool {
        self.state == State::AwaitingAuth
    }

    fn auth_allowed(
        &mut self,
        channel: &mut Channel,
        hs: &mut Handshake<'_>,
    ) -> Result<(), ProtocolError> {
        let metadata = self.pending_metadata.take().unwrap_or_default();
        accept_metadata(&metadata, hs)?;
        // READY = 05 "READY" ‖ N ‖ Box[metadata](S'→C').
        let mut boxed =
            BytesMut::with_capacity(TAG_LEN + hs.local_metadata.encoded_len());
        boxed.put_bytes(0, TAG_LEN);
        hs.local_metadata.encode(&mut boxed);
        channel.send_boxed(
            b"\x05READY",
            b"CurveZMQREADY---",
            &mut boxed,
            hs.transmit,
        )?;
        self.state = State::Ready;
        Ok(())
    }

    fn is_ready(&self) -> bool {
        self.state == State::Ready
    }

    fn max_frame_size(&self, max_metadata: u64) -> u64 {
        match self.state {
            State::ExpectHello => HELLO_LEN as u64,
            State::ExpectInitiate => {
                max_metadata.saturating_add(MIN_INITIATE_LEN as u64)
            }
            State::AwaitingAuth | State::Ready => MAX_ERROR_BODY,
        }
    }
}
