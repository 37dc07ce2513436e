//! CURVE sessions: the deterministic vectors of spec §2.4 on the wire, handshakes between
//! two sessions, and every way a raw or tampering peer can break the handshake or traffic.

use x25519_dalek::StaticSecret;

use super::*;
use crate::mechanism::curve::crypto::{
    long_nonce, short_nonce, BoxKey, TAG_LEN,
};
use crate::mechanism::curve::tests::{
    key, message_frame, unhex, CLIENT_PUBLIC, CLIENT_SECRET, HELLO_BOX,
    HELLO_MESSAGE_BOX, PING_MESSAGE_BOX, SERVER_PUBLIC, SERVER_SECRET,
};
use crate::mechanism::curve::{CurveClient, CurveServer};
use crate::mechanism::{curve_keypair, curve_public_key};

/// Long-term keys of one test setup.
struct Keys {
    server_secret: [u8; 32],
    server_public: [u8; 32],
    client_secret: [u8; 32],
    client_public: [u8; 32],
}

impl Keys {
    fn random() -> Keys {
        let (server_public, server_secret) = curve_keypair();
        let (client_public, client_secret) = curve_keypair();
        Keys {
            server_secret,
            server_public,
            client_secret,
            client_public,
        }
    }

    /// libzmq's test keys (spec §2.4).
    fn vectors() -> Keys {
        Keys {
            server_secret: key(SERVER_SECRET),
            server_public: key(SERVER_PUBLIC),
            client_secret: key(CLIENT_SECRET),
            client_public: key(CLIENT_PUBLIC),
        }
    }

    fn client_config(&self, socket_type: SocketType) -> SessionConfig {
        let mut cfg = config(socket_type);
        cfg.mechanism = Arc::new(MechanismConfig::CurveClient {
            server_public: self.server_public,
            public: self.client_public,
            secret: self.client_secret,
        });
        cfg
    }

    fn server_config(&self, socket_type: SocketType) -> SessionConfig {
        let mut cfg = config(socket_type);
        cfg.mechanism = Arc::new(MechanismConfig::CurveServer {
            secret: self.server_secret,
        });
        cfg
    }

    fn client(&self, socket_type: SocketType) -> Session {
        Session::new(self.client_config(socket_type), Instant::now())
    }

    fn server(&self, socket_type: SocketType) -> Session {
        Session::new(self.server_config(socket_type), Instant::now())
    }
}

fn curve_greeting() -> Vec<u8> {
    greeting(3, 1, b"CURVE")
}

fn allow(mechanism: &'static str, credentials: &[Bytes]) -> Result<(), u16> {
    assert_eq!(mechanism, "CURVE");
    assert_eq!(credentials.len(), 1);
    assert_eq!(credentials[0].len(), 32);
    Ok(())
}

fn no_tamper(_: &mut BytesMut, _: bool) {}

/// Runs a full handshake between `client` and `server`.
fn handshake(
    client: &mut Session,
    server: &mut Session,
    chunk: usize,
) -> (Side, Side) {
    drive(client, server, chunk, &mut allow, &mut no_tamper)
}

/// A client and a server that completed the handshake.
fn ready_pair(
    keys: &Keys,
    client_type: SocketType,
    server_type: SocketType,
) -> (Session, Session) {
    let mut client = keys.client(client_type);
    let mut server = keys.server(server_type);
    let (c, s) = handshake(&mut client, &mut server, usize::MAX);
    assert_eq!((c.error, s.error), (None, None));
    assert!(client.is_ready() && server.is_ready());
    (client, server)
}

// ---------------------------------------------------------------------------------------
// Deterministic vectors on the wire

#[test]
fn deterministic_transcript() {
    let keys = Keys::vectors();
    // The client pair doubles as C'/c', the server pair as S'/s' (spec §2.4 vectors).
    let client_mech = CurveClient::new(
        &keys.server_public,
        &keys.client_public,
        &keys.client_secret,
    )
    .with_transient(keys.client_secret);
    let server_mech = CurveServer::new(&keys.server_secret)
        .with_transient(keys.server_secret);
    let mut client = Session::with_mechanism(
        keys.client_config(SocketType::Client),
        Box::new(client_mech),
        Instant::now(),
    );
    let mut server = Session::with_mechanism(
        keys.server_config(SocketType::Server),
        Box::new(server_mech),
        Instant::now(),
    );

    let greeting_out = transmit(&mut client);
    assert_eq!(greeting_out, curve_greeting());
    assert_eq!(transmit(&mut server)[32], 1, "server: as-server 1");

    // HELLO.
    assert_eq!(feed(&mut client, &curve_greeting()).unwrap(), vec![]);
    let hello = transmit(&mut client);
    let mut expected = vec![0x04, 0xc8, 0x05];
    expected.extend_from_slice(b"HELLO\x01\x00");
    expected.extend_from_slice(&[0u8; 72]);
    expected.extend_from_slice(&keys.client_public);
    expected.extend_from_slice(&1u64.to_be_bytes());
    expected.extend_from_slice(&unhex(HELLO_BOX));
    assert_eq!(hello, expected);

    // WELCOME (random parts), INITIATE, READY: sizes as captured from libzmq.
    let mut input = curve_greeting();
    input.extend_from_slice(&hello);
    assert_eq!(feed(&mut server, &input).unwrap(), vec![]);
    let welcome = transmit(&mut server);
    assert_eq!(&welcome[..10], b"\x04\xa8\x07WELCOME");
    assert_eq!(welcome.len(), 2 + 168);
    assert_eq!(feed(&mut client, &welcome).unwrap(), vec![]);
    let initiate = transmit(&mut client);
    assert_eq!(&initiate[..9], &[0x06, 0, 0, 0, 0, 0, 0, 0x01, 0x17]);
    assert_eq!(initiate.len(), 9 + 279);
    assert_eq!(&initiate[9..18], b"\x08INITIATE");
    assert_eq!(&initiate[9 + 105..9 + 113], &2u64.to_be_bytes());
    assert_eq!(
        feed(&mut server, &initiate).unwrap(),
        vec![Event::AuthRequest {
            mechanism: "CURVE",
            credentials: vec![Bytes::copy_from_slice(&keys.client_public)]
        }]
    );
    assert!(!server.has_transmit());
    server.auth_reply(Ok(()));
    let ready = transmit(&mut server);
    assert_eq!(&ready[..8], b"\x04\x34\x05READY");
    assert_eq!(&ready[8..16], &1u64.to_be_bytes());
    assert_eq!(ready.len(), 2 + 52);
    assert_eq!(server.decode(&mut BytesMut::new()), Ok(Some(Event::Ready)));
    assert_eq!(feed(&mut client, &ready).unwrap(), vec![Event::Ready]);

    // The first MESSAGE (nonce 3) and an encrypted PING (nonce 4): spec §2.4 boxes.
    assert_eq!(client.message_header(5, false), None);
    let mut wire = BytesMut::new();
    client.encode_frame(b"hello", false, &mut wire);
    assert_eq!(&wire[..], message_frame(3, &unhex(HELLO_MESSAGE_BOX)));
    client.send_ping(15);
    let ping = transmit(&mut client);
    assert_eq!(ping, message_frame(4, &unhex(PING_MESSAGE_BOX)));
    wire.extend_from_slice(&ping);
    assert_eq!(
        feed(&mut server, &wire).unwrap(),
        vec![
            Event::Message {
                data: Bytes::from_static(b"hello"),
                group: None
            },
            Event::Ping {
                ttl_deciseconds: 15
            }
        ]
    );
    // The PONG is a 38-byte MESSAGE with the server's nonce 2.
    let pong = transmit(&mut server);
    assert_eq!(&pong[..10], b"\x00\x26\x07MESSAGE");
    assert_eq!(&pong[10..18], &2u64.to_be_bytes());
    assert_eq!(feed(&mut client, &pong).unwrap(), vec![Event::Pong]);
}

// ---------------------------------------------------------------------------------------
// Handshakes between two sessions

#[test]
fn handshake_both_orders_all_at_once_and_byte_by_byte() {
    let keys = Keys::random();
    for chunk in [usize::MAX, 1, 13] {
        for (client_type, server_type) in [
            (SocketType::Client, SocketType::Server),
            (SocketType::Server, SocketType::Client),
        ] {
            let mut client = keys.client(client_type);
            let mut server = keys.server(server_type);
            assert_eq!(client.message_header(1, false), None);
            assert_eq!(server.message_header(1, false), None);
            let (c, s) = handshake(&mut client, &mut server, chunk);
            assert_eq!((c.error, s.error), (None, None));
            assert_eq!(c.events, vec![Event::Ready]);
            assert_eq!(
                s.events,
                vec![
                    Event::AuthRequest {
                        mechanism: "CURVE",
                        credentials: vec![Bytes::copy_from_slice(
                            &keys.client_public
                        )]
                    },
                    Event::Ready
                ]
            );
            assert_eq!(client.peer().unwrap().socket_type, Some(server_type));
            assert_eq!(server.peer().unwrap().socket_type, Some(client_type));
            traffic_both_ways(&mut client, &mut server);
        }
    }
}

fn traffic_both_ways(a: &mut Session, b: &mut Session) {
    one_way(a, b);
    one_way(b, a);
}

fn one_way(from: &mut Session, to: &mut Session) {
    {
        for len in [0usize, 5, 222, 223, 300, 70_000] {
            let body: Vec<u8> = (0..len).map(|i| (i * 7) as u8).collect();
            let mut wire = BytesMut::new();
            // A multipart message (MORE inside the box) is discarded whole by these
            // single-part socket types; the next message arrives.
            from.encode_frame(b"first", true, &mut wire);
            from.encode_frame(b"second", false, &mut wire);
            from.encode_message(&body, None, &mut wire);
            // Outer frames are data frames without MORE.
            assert_eq!(wire[0], 0x00);
            assert_eq!(
                feed(to, &wire).unwrap(),
                vec![Event::Message {
                    data: Bytes::from(body),
                    group: None
                }]
            );
        }
        from.send_ping(20);
        let ping = transmit(from);
        assert_eq!(ping.len(), 2 + 40);
        assert_eq!(
            feed(to, &ping).unwrap(),
            vec![Event::Ping {
                ttl_deciseconds: 20
            }]
        );
        let pong = transmit(to);
        assert_eq!(pong.len(), 2 + 38);
        assert_eq!(feed(from, &pong).unwrap(), vec![Event::Pong]);
    }
}

#[test]
fn join_leave_inside_messages() {
    let keys = Keys::random();
    let mut dish = keys.client(SocketType::Dish);
    let mut radio = keys.server(SocketType::Radio);
    // Deferred until the handshake completes, then encrypted.
    dish.send_join(b"Movies");
    let (d, r) = handshake(&mut dish, &mut radio, usize::MAX);
    assert_eq!((d.error, r.error), (None, None));
    assert_eq!(
        r.events.last(),
        Some(&Event::Join(Bytes::from_static(b"Movies")))
    );
    dish.send_leave(b"Movies");
    let leave = transmit(&mut dish);
    assert_eq!(leave.len(), 2 + 33 + 12);
    assert!(!leave.windows(6).any(|w| w == b"Movies"));
    assert_eq!(
        feed(&mut radio, &leave).unwrap(),
        vec![Event::Leave(Bytes::from_static(b"Movies"))]
    );
}

#[test]
fn server_always_authenticates_and_can_deny() {
    let keys = Keys::random();
    let mut client = keys.client(SocketType::Client);
    let mut server = keys.server(SocketType::Server);
    let mut asked = 0;
    let (c, s) = drive(
        &mut client,
        &mut server,
        usize::MAX,
        &mut |_, creds| {
            asked += 1;
            assert_eq!(creds, [&keys.client_public[..]]);
            Err(400)
        },
        &mut no_tamper,
    );
    assert_eq!(asked, 1);
    assert_eq!(s.error, Some(ProtocolError::AuthFailed { status: 400 }));
    assert_eq!(c.error, Some(ProtocolError::PeerError("400".into())));
}

#[test]
fn denial_error_is_in_clear() {
    let keys = Keys::random();
    let (mut client, mut server) = (
        keys.client(SocketType::Client),
        keys.server(SocketType::Server),
    );
    let _ = (transmit(&mut client), transmit(&mut server));
    feed(&mut client, &curve_greeting()).unwrap();
    let mut input = curve_greeting();
    input.extend_from_slice(&transmit(&mut client));
    feed(&mut server, &input).unwrap();
    feed(&mut client, &transmit(&mut server)).unwrap();
    let events = feed(&mut server, &transmit(&mut client)).unwrap();
    assert!(matches!(events[..], [Event::AuthRequest { .. }]));
    server.auth_reply(Err(500));
    assert_eq!(transmit(&mut server), b"\x04\x0a\x05ERROR\x03500");
    // 300: nothing at all.
    let (mut client, mut server) = (
        keys.client(SocketType::Client),
        keys.server(SocketType::Server),
    );
    let (_, s) = drive(
        &mut client,
        &mut server,
        usize::MAX,
        &mut |_, _| Err(300),
        &mut no_tamper,
    );
    assert_eq!(s.error, Some(ProtocolError::AuthFailed { status: 300 }));
    assert!(!client.is_ready());
}

// ---------------------------------------------------------------------------------------
// Raw peers

/// A scripted CURVE client with known transient keys.
struct RawClient {
    keys: Keys,
    transient: StaticSecret,
    transient_public: [u8; 32],
}

impl RawClient {
    fn new(keys: Keys) -> RawClient {
        let (transient_public, transient) = curve_keypair();
        RawClient {
            keys,
            transient: StaticSecret::from(transient),
            transient_public,
        }
    }

    /// A HELLO command body with the given version and total size.
    fn hello_body(&self, version: [u8; 2], size: usize) -> Vec<u8> {
        let mut body = b"\x05HELLO".to_vec();
        body.extend_from_slice(&version);
        body.extend_from_slice(&[0u8; 72]);
        body.extend_from_slice(&self.transient_public);
        body.extend_from_slice(&1u64.to_be_bytes());
        let mut signature = [0u8; TAG_LEN + 64];
        BoxKey::new(&self.keys.server_public, &self.transient)
            .unwrap()
            .seal_in_place(
                &short_nonce(b"CurveZMQHELLO---", 1),
                &mut signature,
            );
        body.extend_from_slice(&signature);
        body.resize(size, 0);
        body
    }

    /// A server session that accepted our HELLO, and its WELCOME body.
    fn server_after_hello(&self) -> (Session, Vec<u8>) {
        let mut server = self.keys.server(SocketType::Server);
        let _ = transmit(&mut server);
        let mut input = curve_greeting();
        input.extend_from_slice(&frame_bytes(&self.hello_body([1, 0], 200)));
        assert_eq!(feed(&mut server, &input).unwrap(), vec![]);
        let welcome = transmit(&mut server);
        (server, welcome[2..].to_vec())
    }

    /// S' and the cookie from a WELCOME body.
    fn open_welcome(&self, welcome: &[u8]) -> ([u8; 32], Vec<u8>) {
        let text = BoxKey::new(&self.keys.server_public, &self.transient)
            .unwrap()
            .open(
                &long_nonce(b"WELCOME-", &welcome[8..24]),
                &welcome[24..],
                "w",
            )
            .unwrap();
        (text[..32].try_into().unwrap(), text[32..].to_vec())
    }

    /// An INITIATE frame: `vouch_keys` = (C', S) inside the vouch, `vouch_secret` signs it.
    fn initiate(
        &self,
        server_transient: &[u8; 32],
        cookie: &[u8],
        vouch_keys: ([u8; 32], [u8; 32]),
        vouch_secret: &[u8; 32],
        metadata: &[u8],
    ) -> Vec<u8> {
        let mut vouch = vec![0u8; TAG_LEN];
        vouch.extend_from_slice(&vouch_keys.0);
        vouch.extend_from_slice(&vouch_keys.1);
        BoxKey::new(server_transient, &StaticSecret::from(*vouch_secret))
            .unwrap()
            .seal_in_place(&long_nonce(b"VOUCH---", &[7u8; 16]), &mut vouch);
        let mut boxed = vec![0u8; TAG_LEN];
        boxed.extend_from_slice(&curve_public_key(vouch_secret));
        boxed.extend_from_slice(&[7u8; 16]);
        boxed.extend_from_slice(&vouch);
        boxed.extend_from_slice(metadata);
        BoxKey::new(server_transient, &self.transient)
            .unwrap()
            .seal_in_place(&short_nonce(b"CurveZMQINITIATE", 2), &mut boxed);
        let mut body = b"\x08INITIATE".to_vec();
        body.extend_from_slice(cookie);
        body.extend_from_slice(&2u64.to_be_bytes());
        body.extend_from_slice(&boxed);
        frame_bytes(&body)
    }

    /// The vouch an honest client sends.
    fn honest_vouch(&self) -> ([u8; 32], [u8; 32]) {
        (self.transient_public, self.keys.server_public)
    }
}

/// A command frame with a short or long header.
fn frame_bytes(body: &[u8]) -> Vec<u8> {
    let mut out = BytesMut::new();
    crate::frame::encode_frame(false, true, body, &mut out);
    out.to_vec()
}

const CLIENT_METADATA: &[u8] = b"\x0bSocket-Type\x00\x00\x00\x06CLIENT";

#[test]
fn raw_client_happy_path() {
    let raw = RawClient::new(Keys::random());
    let (mut server, welcome) = raw.server_after_hello();
    let (server_transient, cookie) = raw.open_welcome(&welcome);
    let initiate = raw.initiate(
        &server_transient,
        &cookie,
        raw.honest_vouch(),
        &raw.keys.client_secret,
        CLIENT_METADATA,
    );
    assert_eq!(initiate.len(), 9 + 279);
    let events = feed(&mut server, &initiate).unwrap();
    assert!(matches!(&events[..], [Event::AuthRequest { .. }]));
    server.auth_reply(Ok(()));
    assert_eq!(server.decode(&mut BytesMut::new()), Ok(Some(Event::Ready)));
}

#[test]
fn hello_size_and_version() {
    let raw = RawClient::new(Keys::random());
    let malformed = ProtocolError::MalformedCommand;
    let cases = [
        ([1, 0], 199, malformed("CURVE HELLO is not 200 bytes")),
        // Refused from its header.
        (
            [1, 0],
            201,
            ProtocolError::FrameTooLarge {
                size: 201,
                max: 200,
            },
        ),
        ([1, 1], 200, malformed("CURVE HELLO version is not 1.0")),
        ([0, 0], 200, malformed("CURVE HELLO version is not 1.0")),
        ([2, 0], 200, malformed("CURVE HELLO version is not 1.0")),
    ];
    for (version, size, error) in cases {
        let mut server = raw.keys.server(SocketType::Server);
        let _ = transmit(&mut server);
        let mut input = curve_greeting();
        input.extend_from_slice(&frame_bytes(&raw.hello_body(version, size)));
        assert_eq!(feed(&mut server, &input), Err(error));
        assert!(!server.has_transmit(), "no ERROR");
    }
    // Low-order C'.
    let mut server = raw.keys.server(SocketType::Server);
    let _ = transmit(&mut server);
    let mut body = raw.hello_body([1, 0], 200);
    body[80..112].fill(0);
    let mut input = curve_greeting();
    input.extend_from_slice(&frame_bytes(&body));
    assert_eq!(
        feed(&mut server, &input),
        Err(ProtocolError::Crypto("public key of low order"))
    );
    assert!(!server.has_transmit());
}

#[test]
fn wrong_server_key() {
    let keys = Keys::random();
    let mut client = keys.client(SocketType::Client);
    let mut server = Keys::random().server(SocketType::Server);
    let (c, s) = handshake(&mut client, &mut server, usize::MAX);
    assert_eq!(
        s.error,
        Some(ProtocolError::Crypto("HELLO box did not open"))
    );
    // The server sent nothing but its greeting: the client just waits (the engine sees EOF).
    assert_eq!((c.error, c.events), (None, vec![]));
}

#[test]
fn initiate_failures() {
    let raw = RawClient::new(Keys::random());
    let (_, stranger) = curve_keypair();
    let (stranger_public, _) = curve_keypair();
    // (what to change, expected error)
    type Mutate = fn(&RawClient, &[u8; 32], &mut Vec<u8>, &[u8; 32]) -> Vec<u8>;
    let cases: [(Mutate, ProtocolError); 5] = [
        (
            // Corrupted cookie.
            |raw, st, cookie, _| {
                cookie[40] ^= 1;
                raw.initiate(
                    st,
                    cookie,
                    raw.honest_vouch(),
                    &raw.keys.client_secret,
                    CLIENT_METADATA,
                )
            },
            ProtocolError::Crypto("INITIATE cookie did not open"),
        ),
        (
            // Corrupted box.
            |raw, st, cookie, _| {
                let mut f = raw.initiate(
                    st,
                    cookie,
                    raw.honest_vouch(),
                    &raw.keys.client_secret,
                    CLIENT_METADATA,
                );
                let last = f.len() - 1;
                f[last] ^= 1;
                f
            },
            ProtocolError::Crypto("INITIATE box did not open"),
        ),
        (
            // Vouch naming another C'.
            |raw, st, cookie, other| {
                raw.initiate(
                    st,
                    cookie,
                    (*other, raw.keys.server_public),
                    &raw.keys.client_secret,
                    CLIENT_METADATA,
                )
            },
            ProtocolError::Crypto(
                "vouch is not for the client's transient key",
            ),
        ),
        (
            // Vouch naming another server.
            |raw, st, cookie, other| {
                raw.initiate(
                    st,
                    cookie,
                    (raw.transient_public, *other),
                    &raw.keys.client_secret,
                    CLIENT_METADATA,
                )
            },
            ProtocolError::Crypto("vouch is not for this server"),
        ),
        (
            // Truncated: 256 bytes.
            |raw, st, cookie, _| {
                let f = raw.initiate(
                    st,
                    cookie,
                    raw.honest_vouch(),
                    &raw.keys.client_secret,
                    b"",
                );
                let mut body = f[9..].to_vec();
                assert_eq!(body.len(), 257);
                body.pop();
                frame_bytes(&body)
            },
            ProtocolError::MalformedCommand(
                "CURVE INITIATE shorter than 257 bytes",
            ),
        ),
    ];
    for (mutate, error) in cases {
        let (mut server, welcome) = raw.server_after_hello();
        let (server_transient, mut cookie) = raw.open_welcome(&welcome);
        let initiate =
            mutate(&raw, &server_transient, &mut cookie, &stranger_public);
        assert_eq!(feed(&mut server, &initiate), Err(error));
        assert!(!server.has_transmit(), "no ERROR");
    }
    // A vouch signed with a key other than the C inside the box.
    let (mut server, welcome) = raw.server_after_hello();
    let (server_transient, cookie) = raw.open_welcome(&welcome);
    let mut initiate = raw.initiate(
        &server_transient,
        &cookie,
        raw.honest_vouch(),
        &stranger,
        CLIENT_METADATA,
    );
    // Re-seal the box with the honest C but the stranger's vouch.
    let body_start = 9 + 9 + 96 + 8; // long frame header
    let mut text = BoxKey::new(&server_transient, &raw.transient)
        .unwrap()
        .open(
            &short_nonce(b"CurveZMQINITIATE", 2),
            &initiate[body_start..],
            "i",
        )
        .unwrap();
    text[..32].copy_from_slice(&raw.keys.client_public);
    let mut boxed = vec![0u8; TAG_LEN];
    boxed.extend_from_slice(&text);
    BoxKey::new(&server_transient, &raw.transient)
        .unwrap()
        .seal_in_place(&short_nonce(b"CurveZMQINITIATE", 2), &mut boxed);
    initiate.truncate(body_start);
    initiate.extend_from_slice(&boxed);
    assert_eq!(
        feed(&mut server, &initiate),
        Err(ProtocolError::Crypto("vouch did not open"))
    );
}

#[test]
fn cookie_from_another_connection() {
    let raw = RawClient::new(Keys::random());
    let (_, welcome_a) = raw.server_after_hello();
    let (mut server_b, welcome_b) = raw.server_after_hello();
    let (_, cookie_a) = raw.open_welcome(&welcome_a);
    let (transient_b, _) = raw.open_welcome(&welcome_b);
    let initiate = raw.initiate(
        &transient_b,
        &cookie_a,
        raw.honest_vouch(),
        &raw.keys.client_secret,
        CLIENT_METADATA,
    );
    assert_eq!(
        feed(&mut server_b, &initiate),
        Err(ProtocolError::Crypto("INITIATE cookie did not open"))
    );
}

#[test]
fn second_initiate_is_rejected() {
    let raw = RawClient::new(Keys::random());
    let (mut server, welcome) = raw.server_after_hello();
    let (server_transient, cookie) = raw.open_welcome(&welcome);
    let initiate = raw.initiate(
        &server_transient,
        &cookie,
        raw.honest_vouch(),
        &raw.keys.client_secret,
        CLIENT_METADATA,
    );
    feed(&mut server, &initiate).unwrap();
    // While the authentication request is outstanding only an ERROR fits.
    assert_eq!(
        feed(&mut server, &initiate),
        Err(ProtocolError::FrameTooLarge {
            size: 279,
            max: 262
        })
    );
}

#[test]
fn initiate_metadata_is_parsed_only_after_auth_allows() {
    let raw = RawClient::new(Keys::random());
    let bad: [(&[u8], ProtocolError); 3] = [
        (
            b"\x0bSocket-Type\x00\x00\x00\x06DEALER",
            ProtocolError::IncompatibleSocketType {
                ours: SocketType::Server,
                peer: "DEALER".into(),
            },
        ),
        (
            b"\x0bSocket",
            ProtocolError::MalformedMetadata("truncated property name"),
        ),
        (
            &[0u8; 5 * 1000],
            ProtocolError::MalformedMetadata("empty property name"),
        ),
    ];
    for (metadata, error) in bad {
        for allow in [true, false] {
            let (mut server, welcome) = raw.server_after_hello();
            let (server_transient, cookie) = raw.open_welcome(&welcome);
            let initiate = raw.initiate(
                &server_transient,
                &cookie,
                raw.honest_vouch(),
                &raw.keys.client_secret,
                metadata,
            );
            // The auth request comes first, whatever the metadata holds.
            let events = feed(&mut server, &initiate).unwrap();
            assert!(
                matches!(&events[..], [Event::AuthRequest { .. }]),
                "{events:?}"
            );
            if allow {
                server.auth_reply(Ok(()));
                assert_eq!(
                    server.decode(&mut BytesMut::new()),
                    Err(error.clone())
                );
                assert!(!server.has_transmit(), "no READY");
            } else {
                // A denied client never gets its metadata parsed.
                server.auth_reply(Err(400));
                assert_eq!(
                    server.decode(&mut BytesMut::new()),
                    Err(ProtocolError::AuthFailed { status: 400 })
                );
            }
        }
    }
}

/// A client that sent HELLO, with the server's transcript so far.
fn client_and_welcome() -> (Session, Vec<u8>, Session) {
    let keys = Keys::random();
    let (mut client, mut server) = (
        keys.client(SocketType::Client),
        keys.server(SocketType::Server),
    );
    let _ = (transmit(&mut client), transmit(&mut server));
    feed(&mut client, &curve_greeting()).unwrap();
    let mut input = curve_greeting();
    input.extend_from_slice(&transmit(&mut client));
    feed(&mut server, &input).unwrap();
    let welcome = transmit(&mut server);
    (client, welcome, server)
}

#[test]
fn client_rejects_bad_welcome_and_ready() {
    // 167 bytes; corrupted box.
    let (mut client, welcome, _) = client_and_welcome();
    let mut short = welcome[2..].to_vec();
    short.pop();
    assert_eq!(
        feed(&mut client, &frame_bytes(&short)),
        Err(ProtocolError::MalformedCommand(
            "CURVE WELCOME is not 168 bytes"
        ))
    );
    let (mut client, mut welcome, _) = client_and_welcome();
    welcome[100] ^= 1;
    assert_eq!(
        feed(&mut client, &welcome),
        Err(ProtocolError::Crypto("WELCOME box did not open"))
    );
    // READY: too short, corrupted.
    let (mut client, welcome, mut server) = client_and_welcome();
    feed(&mut client, &welcome).unwrap();
    feed(&mut server, &transmit(&mut client)).unwrap();
    server.auth_reply(Ok(()));
    let ready = transmit(&mut server);
    let mut bad = ready.clone();
    bad[20] ^= 1;
    assert_eq!(
        feed(&mut client, &bad),
        Err(ProtocolError::Crypto("READY box did not open"))
    );
    let (mut client, welcome, _) = client_and_welcome();
    feed(&mut client, &welcome).unwrap();
    assert_eq!(
        feed(&mut client, &frame_bytes(&ready[2..31])),
        Err(ProtocolError::MalformedCommand(
            "CURVE READY shorter than 30 bytes"
        ))
    );
    // A HELLO to a client, a MESSAGE during the handshake.
    let (mut client, _, _) = client_and_welcome();
    let raw = RawClient::new(Keys::random());
    assert_eq!(
        feed(&mut client, &frame_bytes(&raw.hello_body([1, 0], 200))),
        Err(ProtocolError::FrameTooLarge {
            size: 200,
            max: 168
        })
    );
    let (mut client, _, _) = client_and_welcome();
    assert_eq!(
        feed(&mut client, &message_frame(1, &[0u8; 17])),
        Err(ProtocolError::DataBeforeReady)
    );
}

// ---------------------------------------------------------------------------------------
// Traffic

/// Four client MESSAGE frames (nonces 3, 4, 5, 6) for a ready server.
fn four_messages() -> (Session, Vec<Vec<u8>>) {
    let (mut client, server) =
        ready_pair(&Keys::random(), SocketType::Client, SocketType::Server);
    let frames = (0..4u8)
        .map(|i| {
            let mut out = BytesMut::new();
            client.encode_frame(&[i], false, &mut out);
            assert_eq!(&out[10..18], &u64::from(i + 3).to_be_bytes());
            out.to_vec()
        })
        .collect();
    (server, frames)
}

fn msg(byte: u8) -> Event {
    Event::Message {
        data: Bytes::copy_from_slice(&[byte]),
        group: None,
    }
}

#[test]
fn replayed_and_reordered_messages_are_rejected() {
    let (mut server, frames) = four_messages();
    assert_eq!(feed(&mut server, &frames[0]).unwrap(), vec![msg(0)]);
    assert_eq!(
        feed(&mut server, &frames[0]),
        Err(ProtocolError::InvalidNonce { nonce: 3, last: 3 })
    );
    assert!(!server.is_ready());

    let (mut server, frames) = four_messages();
    // A gap is fine, going back is not.
    assert_eq!(feed(&mut server, &frames[2]).unwrap(), vec![msg(2)]);
    assert_eq!(
        feed(&mut server, &frames[1]),
        Err(ProtocolError::InvalidNonce { nonce: 4, last: 5 })
    );

    let (mut server, frames) = four_messages();
    assert_eq!(feed(&mut server, &frames[0]).unwrap(), vec![msg(0)]);
    assert_eq!(feed(&mut server, &frames[3]).unwrap(), vec![msg(3)]);
}

#[test]
fn tampered_short_and_plain_frames_are_rejected() {
    let (mut server, frames) = four_messages();
    let mut bad = frames[0].clone();
    bad[25] ^= 0x40;
    assert_eq!(
        feed(&mut server, &bad),
        Err(ProtocolError::Crypto("MESSAGE box did not open"))
    );
    let (mut server, frames) = four_messages();
    let mut short = vec![0x00, 32];
    short.extend_from_slice(&frames[0][2..34]);
    assert_eq!(
        feed(&mut server, &short),
        Err(ProtocolError::MalformedCommand(
            "CURVE MESSAGE shorter than 33 bytes"
        ))
    );
    // Unencrypted traffic after a CURVE handshake.
    let (mut server, _) = four_messages();
    assert_eq!(
        feed(&mut server, b"\x04\x07\x04PING\x00\x0f"),
        Err(ProtocolError::UnexpectedCommand("PING".into()))
    );
    let (mut server, _) = four_messages();
    assert!(feed(&mut server, b"\x00\x05hello").is_err());
    // The outer COMMAND flag is tolerated.
    let (mut server, frames) = four_messages();
    let mut flagged = frames[0].clone();
    flagged[0] = 0x04;
    assert_eq!(feed(&mut server, &flagged).unwrap(), vec![msg(0)]);
}

#[test]
fn max_msg_size_applies_to_the_encrypted_frame() {
    let keys = Keys::random();
    let mut client = keys.client(SocketType::Client);
    let mut cfg = keys.server_config(SocketType::Server);
    cfg.max_msg_size = Some(300);
    let mut server = Session::new(cfg, Instant::now());
    let (c, s) = handshake(&mut client, &mut server, usize::MAX);
    assert_eq!((c.error, s.error), (None, None));
    let mut wire = BytesMut::new();
    client.encode_frame(&[1u8; 267], false, &mut wire);
    assert_eq!(feed(&mut server, &wire).unwrap().len(), 1);
    let mut wire = BytesMut::new();
    client.encode_frame(&[1u8; 268], false, &mut wire);
    assert_eq!(
        feed(&mut server, &wire),
        Err(ProtocolError::FrameTooLarge {
            size: 301,
            max: 300
        })
    );
}

#[test]
fn nothing_is_encoded_before_the_handshake() {
    let keys = Keys::random();
    let mut client = keys.client(SocketType::Client);
    let mut out = BytesMut::new();
    client.encode_frame(b"early", false, &mut out);
    assert!(out.is_empty());
}

// ---------------------------------------------------------------------------------------
// Role and mechanism mix-ups

#[test]
fn two_servers_stall_two_clients_fail() {
    let keys = Keys::random();
    let mut a = keys.server(SocketType::Client);
    let mut b = keys.server(SocketType::Server);
    let (sa, sb) = handshake(&mut a, &mut b, usize::MAX);
    assert_eq!((sa.error, sb.error), (None, None));
    assert!(sa.events.is_empty() && sb.events.is_empty());

    let mut a = keys.client(SocketType::Client);
    let mut b = keys.client(SocketType::Server);
    let (sa, sb) = handshake(&mut a, &mut b, usize::MAX);
    // A client expects a 168-byte WELCOME: the 200-byte HELLO is refused from its header.
    let too_large = ProtocolError::FrameTooLarge {
        size: 200,
        max: 168,
    };
    assert_eq!(sa.error, Some(too_large.clone()));
    assert_eq!(sb.error, Some(too_large));
}

#[test]
fn mechanism_mismatch_null_vs_curve() {
    let keys = Keys::random();
    for curve_side in [
        keys.client(SocketType::Client),
        keys.server(SocketType::Client),
    ] {
        let mut a = curve_side;
        let mut b = Session::new(config(SocketType::Server), Instant::now());
        let (sa, sb) = handshake(&mut a, &mut b, usize::MAX);
        assert_eq!(
            sa.error,
            Some(ProtocolError::MechanismMismatch {
                ours: "CURVE".into(),
                peer: "NULL".into()
            })
        );
        assert_eq!(
            sb.error,
            Some(ProtocolError::MechanismMismatch {
                ours: "NULL".into(),
                peer: "CURVE".into()
            })
        );
    }
}

#[test]
fn incompatible_socket_types() {
    let keys = Keys::random();
    let mut client = keys.client(SocketType::Client);
    let mut server = keys.server(SocketType::Gather);
    let (_, s) = handshake(&mut client, &mut server, usize::MAX);
    assert!(matches!(
        s.error,
        Some(ProtocolError::IncompatibleSocketType { .. })
    ));
    let mut client = keys.client(SocketType::Scatter);
    let mut server = keys.server(SocketType::Server);
    let (c, s) = handshake(&mut client, &mut server, usize::MAX);
    assert!(matches!(
        s.error,
        Some(ProtocolError::IncompatibleSocketType { .. })
    ));
    assert_eq!(c.error, None);
}

#[test]
fn invalid_client_config() {
    let keys = Keys::random();
    let mut cfg = keys.client_config(SocketType::Client);
    cfg.mechanism = Arc::new(MechanismConfig::CurveClient {
        server_public: keys.server_public,
        public: keys.server_public,
        secret: keys.client_secret,
    });
    let mut client = Session::new(cfg, Instant::now());
    assert!(matches!(
        feed(&mut client, &curve_greeting()),
        Err(ProtocolError::InvalidConfig(_))
    ));
    // A low-order server key: HELLO cannot be made.
    let mut cfg = keys.client_config(SocketType::Client);
    cfg.mechanism = Arc::new(MechanismConfig::CurveClient {
        server_public: [0; 32],
        public: keys.client_public,
        secret: keys.client_secret,
    });
    let mut client = Session::new(cfg, Instant::now());
    let _ = transmit(&mut client);
    assert_eq!(
        feed(&mut client, &curve_greeting()),
        Err(ProtocolError::Crypto("public key of low order"))
    );
    assert!(!client.has_transmit());
}

// ---------------------------------------------------------------------------------------
// Issue 17: limits and strictness before the client is authenticated

/// A long command header declaring `size` bytes, without a body.
fn long_header(size: u64) -> Vec<u8> {
    let mut h = vec![0x06];
    h.extend_from_slice(&size.to_be_bytes());
    h
}

#[test]
fn oversized_hello_refused_from_its_header() {
    let keys = Keys::random();
    for size in [201u64, 64 << 20, u64::MAX >> 1] {
        let mut server = keys.server(SocketType::Server);
        assert_eq!(feed(&mut server, &curve_greeting()).unwrap(), vec![]);
        let mut input = BytesMut::from(&long_header(size)[..]);
        let capacity = input.capacity();
        assert_eq!(
            server.decode(&mut input),
            Err(ProtocolError::FrameTooLarge { size, max: 200 })
        );
        assert_eq!(input.len(), 9, "only the header was looked at");
        assert_eq!(input.capacity(), capacity, "nothing reserved");
    }
    // The same for a client waiting for WELCOME (168 bytes).
    let mut client = keys.client(SocketType::Client);
    let mut input = BytesMut::from(&curve_greeting()[..]);
    input.extend_from_slice(&long_header(169));
    assert_eq!(
        client.decode(&mut input),
        Err(ProtocolError::FrameTooLarge {
            size: 169,
            max: 168
        })
    );
}

#[test]
fn oversized_initiate_refused_from_its_header() {
    let raw = RawClient::new(Keys::random());
    let (mut server, _) = raw.server_after_hello();
    let max = 257 + DEFAULT_MAX_HANDSHAKE_METADATA as u64;
    let mut input = BytesMut::from(&long_header(max + 1)[..]);
    assert_eq!(
        server.decode(&mut input),
        Err(ProtocolError::FrameTooLarge { size: max + 1, max })
    );
    // The largest allowed INITIATE is accepted from its header.
    let (mut server, _) = raw.server_after_hello();
    let mut input = BytesMut::from(&long_header(max)[..]);
    assert_eq!(server.decode(&mut input), Ok(None));
}

#[test]
fn hello_padding_and_signature_must_be_zero() {
    let raw = RawClient::new(Keys::random());
    // Padding.
    let mut server = raw.keys.server(SocketType::Server);
    let mut body = raw.hello_body([1, 0], 200);
    body[8 + 71] = 1;
    let mut input = curve_greeting();
    input.extend_from_slice(&frame_bytes(&body));
    assert_eq!(
        feed(&mut server, &input),
        Err(ProtocolError::MalformedCommand(
            "CURVE HELLO padding is not zero"
        ))
    );
    // A signature box that opens but does not hold 64 zero bytes.
    let mut server = raw.keys.server(SocketType::Server);
    let _ = transmit(&mut server);
    let mut body = raw.hello_body([1, 0], 200);
    let mut signature = [0u8; TAG_LEN + 64];
    signature[TAG_LEN + 63] = 1;
    BoxKey::new(&raw.keys.server_public, &raw.transient)
        .unwrap()
        .seal_in_place(&short_nonce(b"CurveZMQHELLO---", 1), &mut signature);
    body[120..].copy_from_slice(&signature);
    let mut input = curve_greeting();
    input.extend_from_slice(&frame_bytes(&body));
    assert_eq!(
        feed(&mut server, &input),
        Err(ProtocolError::Crypto(
            "HELLO signature is not 64 zero bytes"
        ))
    );
    assert!(!server.has_transmit(), "no WELCOME, no ERROR");
}
