//! Session tests: handshakes between two sessions and against scripted raw peers. All byte
//! vectors are written by hand from spec §1 (libzmq captures) and RFC 23/37.

use bytes::{BufMut, Bytes, BytesMut};

use super::*;
use crate::frame::RESERVE_AHEAD;

mod curve;
mod framing;
mod limits;
mod plain;
mod timers;

/// A greeting as a raw peer would send it.
fn greeting(major: u8, minor: u8, mechanism: &[u8]) -> Vec<u8> {
    let mut g = vec![0xff, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x7f, major, minor];
    let mut mech = [0u8; 20];
    mech[..mechanism.len()].copy_from_slice(mechanism);
    g.extend_from_slice(&mech);
    g.extend_from_slice(&[0u8; 32]);
    assert_eq!(g.len(), 64);
    g
}

fn null_greeting() -> Vec<u8> {
    greeting(3, 1, b"NULL")
}

/// A command frame with a short header.
fn command_frame(body: &[u8]) -> Vec<u8> {
    let mut f = vec![0x04, u8::try_from(body.len()).unwrap()];
    f.extend_from_slice(body);
    f
}

/// `READY` body with the given properties.
fn ready_body(props: &[(&[u8], &[u8])]) -> Vec<u8> {
    let mut b = b"\x05READY".to_vec();
    for (n, v) in props {
        b.push(u8::try_from(n.len()).unwrap());
        b.extend_from_slice(n);
        b.extend_from_slice(&u32::try_from(v.len()).unwrap().to_be_bytes());
        b.extend_from_slice(v);
    }
    b
}

/// The READY frame libzmq sends for `socket_type` (spec §1.6).
fn ready_frame(socket_type: &str) -> Vec<u8> {
    command_frame(&ready_body(&[(b"Socket-Type", socket_type.as_bytes())]))
}

fn config(socket_type: SocketType) -> SessionConfig {
    SessionConfig::new(socket_type)
}

fn transmit(s: &mut Session) -> Vec<u8> {
    let mut out = BytesMut::new();
    s.poll_transmit(&mut out);
    out.to_vec()
}

/// Feeds `bytes` to `s` at once and collects events until it needs more input.
fn feed(s: &mut Session, bytes: &[u8]) -> Result<Vec<Event>, ProtocolError> {
    let mut input = BytesMut::from(bytes);
    let mut events = Vec::new();
    while let Some(e) = s.decode(&mut input)? {
        events.push(e);
    }
    Ok(events)
}

/// A session (as `ours`) that completed the handshake with a raw peer of type `peer`.
fn ready_session(ours: SocketType, peer: &str) -> Session {
    ready_session_with(config(ours), peer)
}

fn ready_session_with(cfg: SessionConfig, peer: &str) -> Session {
    let mut s = Session::new(cfg, Instant::now());
    let mut input = null_greeting();
    input.extend_from_slice(&ready_frame(peer));
    assert_eq!(feed(&mut s, &input).unwrap(), vec![Event::Ready]);
    let _ = transmit(&mut s);
    s
}

/// Runs two sessions against each other, moving `chunk` bytes at a time, until both are
/// quiet. Returns the events of each side.
fn pump(
    a: &mut Session,
    b: &mut Session,
    chunk: usize,
) -> (Vec<Event>, Vec<Event>) {
    let (mut a_to_b, mut b_to_a) = (BytesMut::new(), BytesMut::new());
    let (mut a_in, mut b_in) = (BytesMut::new(), BytesMut::new());
    let (mut ea, mut eb) = (Vec::new(), Vec::new());
    loop {
        a.poll_transmit(&mut a_to_b);
        b.poll_transmit(&mut b_to_a);
        if a_to_b.is_empty() && b_to_a.is_empty() {
            return (ea, eb);
        }
        let n = chunk.min(a_to_b.len());
        b_in.extend_from_slice(&a_to_b.split_to(n));
        let n = chunk.min(b_to_a.len());
        a_in.extend_from_slice(&b_to_a.split_to(n));
        while let Some(e) = b.decode(&mut b_in).unwrap() {
            eb.push(e);
        }
        while let Some(e) = a.decode(&mut a_in).unwrap() {
            ea.push(e);
        }
    }
}

/// What one side saw in [`drive`].
#[derive(Debug, Default)]
struct Side {
    events: Vec<Event>,
    error: Option<ProtocolError>,
}

/// Answers an authentication request: `(mechanism, credentials)` → ZAP result.
type Authenticator<'a> =
    dyn FnMut(&'static str, &[Bytes]) -> Result<(), u16> + 'a;

/// Like [`pump`], but answers authentication requests with `auth(mechanism, credentials)`
/// and records errors instead of panicking (a failed side still transmits what it queued,
/// e.g. an `ERROR`). `tamper` may change the bytes moving from `a` to `b` and from `b` to
/// `a` (second argument: true for `a → b`).
fn drive(
    a: &mut Session,
    b: &mut Session,
    chunk: usize,
    auth: &mut Authenticator<'_>,
    tamper: &mut dyn FnMut(&mut BytesMut, bool),
) -> (Side, Side) {
    let (mut a_to_b, mut b_to_a) = (BytesMut::new(), BytesMut::new());
    let (mut a_in, mut b_in) = (BytesMut::new(), BytesMut::new());
    let (mut sa, mut sb) = (Side::default(), Side::default());
    loop {
        a.poll_transmit(&mut a_to_b);
        b.poll_transmit(&mut b_to_a);
        if a_to_b.is_empty() && b_to_a.is_empty() {
            return (sa, sb);
        }
        let mut moved = a_to_b.split_to(chunk.min(a_to_b.len()));
        tamper(&mut moved, true);
        b_in.extend_from_slice(&moved);
        let mut moved = b_to_a.split_to(chunk.min(b_to_a.len()));
        tamper(&mut moved, false);
        a_in.extend_from_slice(&moved);
        for (s, input, side) in
            [(&mut *b, &mut b_in, &mut sb), (&mut *a, &mut a_in, &mut sa)]
        {
            while side.error.is_none() {
                match s.decode(input) {
                    Ok(Some(Event::AuthRequest {
                        mechanism,
                        credentials,
                    })) => {
                        s.auth_reply(auth(mechanism, &credentials));
                        side.events.push(Event::AuthRequest {
                            mechanism,
                            credentials,
                        });
                    }
                    Ok(Some(e)) => side.events.push(e),
                    Ok(None) => break,
                    Err(e) => side.error = Some(e),
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Handshake between two sessions

#[test]
fn client_server_handshake_all_at_once() {
    let mut client = Session::new(config(SocketType::Client), Instant::now());
    let mut server = Session::new(config(SocketType::Server), Instant::now());
    assert!(client.has_transmit());
    let (ec, es) = pump(&mut client, &mut server, usize::MAX);
    assert_eq!(ec, vec![Event::Ready]);
    assert_eq!(es, vec![Event::Ready]);
    assert!(client.is_ready() && server.is_ready());
    assert!(!client.has_transmit());
    let peer = server.peer().unwrap();
    assert_eq!(peer.socket_type, Some(SocketType::Client));
    assert_eq!(peer.minor_version, 1);
    assert_eq!(peer.metadata.get("Socket-Type"), Some(&b"CLIENT"[..]));
    assert_eq!(client.peer().unwrap().socket_type, Some(SocketType::Server));

    // Traffic both ways.
    let mut wire = BytesMut::new();
    client.encode_frame(b"hello", false, &mut wire);
    assert_eq!(&wire[..], b"\x00\x05hello");
    assert_eq!(
        feed(&mut server, &wire).unwrap(),
        vec![Event::Message {
            data: Bytes::from_static(b"hello"),
            group: None
        }]
    );
    let mut wire = BytesMut::new();
    server.encode_frame(b"world", true, &mut wire);
    server.encode_frame(b"", false, &mut wire);
    assert_eq!(&wire[..], b"\x01\x05world\x00\x00");
    // A CLIENT discards multipart messages whole.
    assert_eq!(feed(&mut client, &wire).unwrap(), vec![]);
}

#[test]
fn client_server_handshake_byte_by_byte() {
    for (a, b) in [
        (SocketType::Client, SocketType::Server),
        (SocketType::Radio, SocketType::Dish),
        (SocketType::Scatter, SocketType::Gather),
    ] {
        let mut x = Session::new(config(a), Instant::now());
        let mut y = Session::new(config(b), Instant::now());
        let (ex, ey) = pump(&mut x, &mut y, 1);
        assert_eq!(ex, vec![Event::Ready]);
        assert_eq!(ey, vec![Event::Ready]);
        assert_eq!(x.peer().unwrap().socket_type, Some(b));
        assert_eq!(y.peer().unwrap().socket_type, Some(a));
    }
}

#[test]
fn wire_golden_bytes_client() {
    let mut client = Session::new(config(SocketType::Client), Instant::now());
    let sent = transmit(&mut client);
    // Greeting as libzmq sends it (spec §1.2, §1.12).
    assert_eq!(sent, null_greeting());
    // Our READY goes out only after the peer's greeting was accepted.
    assert!(!client.has_transmit());
    assert_eq!(feed(&mut client, &null_greeting()).unwrap(), vec![]);
    let ready = transmit(&mut client);
    let expected: &[u8] = &[
        0x04, 0x1c, 0x05, 0x52, 0x45, 0x41, 0x44, 0x59, 0x0b, 0x53, 0x6f, 0x63,
        0x6b, 0x65, 0x74, 0x2d, 0x54, 0x79, 0x70, 0x65, 0x00, 0x00, 0x00, 0x06,
        0x43, 0x4c, 0x49, 0x45, 0x4e, 0x54,
    ];
    assert_eq!(ready, expected);
    assert_eq!(
        feed(&mut client, &ready_frame("SERVER")).unwrap(),
        vec![Event::Ready]
    );
    // 300-byte message header.
    let (header, n) = client.message_header(300, false).unwrap();
    assert_eq!(&header[..n], &[0x02, 0, 0, 0, 0, 0, 0, 0x01, 0x2c]);
    let (header, n) = client.message_header(255, true).unwrap();
    assert_eq!(&header[..n], &[0x01, 0xff]);
    let (header, n) = client.message_header(256, false).unwrap();
    assert_eq!(&header[..n], &[0x02, 0, 0, 0, 0, 0, 0, 0x01, 0x00]);
    let mut out = BytesMut::new();
    client.encode_frame(&[0x78; 300], false, &mut out);
    assert_eq!(&out[..9], &[0x02, 0, 0, 0, 0, 0, 0, 0x01, 0x2c]);
    assert_eq!(out.len(), 309);
}

#[test]
fn ready_bytes_per_socket_type() {
    for (ours, peer, size) in [
        (SocketType::Server, "CLIENT", 0x1c),
        (SocketType::Radio, "DISH", 0x1b),
        (SocketType::Dish, "RADIO", 0x1a),
        (SocketType::Gather, "SCATTER", 0x1c),
        (SocketType::Scatter, "GATHER", 0x1d),
    ] {
        let mut s = Session::new(config(ours), Instant::now());
        let _ = transmit(&mut s);
        feed(&mut s, &null_greeting()).unwrap();
        let ready = transmit(&mut s);
        assert_eq!(ready, ready_frame(ours.as_str()));
        assert_eq!(ready[1], size, "{ours}");
        assert_eq!(
            feed(&mut s, &ready_frame(peer)).unwrap(),
            vec![Event::Ready]
        );
    }
}

#[test]
fn extra_metadata_follows_socket_type() {
    let mut cfg = config(SocketType::Client);
    cfg.metadata.insert("X-Hello", "World").unwrap();
    let mut s = Session::new(cfg, Instant::now());
    let _ = transmit(&mut s);
    feed(&mut s, &null_greeting()).unwrap();
    let ready = transmit(&mut s);
    assert_eq!(
        ready,
        command_frame(&ready_body(&[
            (b"Socket-Type", b"CLIENT"),
            (b"X-Hello", b"World")
        ]))
    );
    // And the peer sees it.
    let mut server = Session::new(config(SocketType::Server), Instant::now());
    let mut input = null_greeting();
    input.extend_from_slice(&ready);
    assert_eq!(feed(&mut server, &input).unwrap(), vec![Event::Ready]);
    assert_eq!(
        server.peer().unwrap().metadata.get("x-hello"),
        Some(&b"World"[..])
    );
}

#[test]
fn everything_in_one_read() {
    let mut s = Session::new(config(SocketType::Server), Instant::now());
    let mut input = null_greeting();
    input.extend_from_slice(&ready_frame("CLIENT"));
    input.extend_from_slice(b"\x00\x05hello");
    input.extend_from_slice(&command_frame(b"\x04PING\x00\x0f"));
    input.extend_from_slice(b"\x00\x00");
    assert_eq!(
        feed(&mut s, &input).unwrap(),
        vec![
            Event::Ready,
            Event::Message {
                data: Bytes::from_static(b"hello"),
                group: None
            },
            Event::Ping {
                ttl_deciseconds: 15
            },
            Event::Message {
                data: Bytes::new(),
                group: None
            },
        ]
    );
    let mut expected = null_greeting();
    expected.extend_from_slice(&ready_frame("SERVER"));
    expected.extend_from_slice(&[0x04, 0x05, 0x04, 0x50, 0x4f, 0x4e, 0x47]);
    assert_eq!(transmit(&mut s), expected);
}

#[test]
fn backpressure_leaves_input_untouched() {
    let mut s = ready_session(SocketType::Server, "CLIENT");
    let mut input = BytesMut::from(&b"\x00\x01a\x00\x01b\x00\x01c"[..]);
    assert!(matches!(
        s.decode(&mut input).unwrap(),
        Some(Event::Message { .. })
    ));
    assert_eq!(&input[..], b"\x00\x01b\x00\x01c");
    // The caller stops here; later it continues where it left.
    assert_eq!(
        s.decode(&mut input).unwrap(),
        Some(Event::Message {
            data: Bytes::from_static(b"b"),
            group: None
        })
    );
    assert_eq!(&input[..], b"\x00\x01c");
}

#[test]
fn poll_transmit_appends() {
    let mut s = Session::new(config(SocketType::Client), Instant::now());
    let mut out = BytesMut::from(&b"xy"[..]);
    s.poll_transmit(&mut out);
    assert_eq!(&out[..2], b"xy");
    assert_eq!(&out[2..], &null_greeting()[..]);
    assert!(!s.has_transmit());
    s.poll_transmit(&mut out);
    assert_eq!(out.len(), 66);
}

// ---------------------------------------------------------------------------------------
// Greeting

#[test]
fn greeting_in_pieces() {
    let mut s = Session::new(config(SocketType::Server), Instant::now());
    let g = null_greeting();
    let mut input = BytesMut::new();
    input.extend_from_slice(&g[..10]);
    assert_eq!(s.decode(&mut input), Ok(None));
    assert_eq!(input.len(), 10);
    assert_eq!(s.bytes_needed(&input), 54);
    input.extend_from_slice(&g[10..11]);
    assert_eq!(s.decode(&mut input), Ok(None));
    input.extend_from_slice(&g[11..]);
    assert_eq!(s.decode(&mut input), Ok(None));
    assert!(input.is_empty());
    assert_eq!(s.bytes_needed(&input), 2);
    input.extend_from_slice(&ready_frame("CLIENT"));
    assert_eq!(s.decode(&mut input), Ok(Some(Event::Ready)));
}

#[test]
fn peer_versions() {
    // 3.0 and 4.x are accepted.
    for (major, minor) in [(3, 0), (3, 1), (3, 7), (4, 0), (255, 255)] {
        let mut s = Session::new(config(SocketType::Dish), Instant::now());
        let mut input = greeting(major, minor, b"NULL");
        input.extend_from_slice(&ready_frame("RADIO"));
        assert_eq!(feed(&mut s, &input).unwrap(), vec![Event::Ready]);
        assert_eq!(s.peer().unwrap().minor_version, minor);
        // We always answer 3.1.
        assert_eq!(&transmit(&mut s)[10..12], &[3, 1]);
    }
    // 1.x / 2.x are rejected as soon as the major byte arrives.
    for major in [0u8, 1, 2] {
        let mut s = Session::new(config(SocketType::Dish), Instant::now());
        let g = greeting(major, 1, b"NULL");
        assert_eq!(feed(&mut s, &g[..10]), Ok(vec![]));
        assert_eq!(
            feed(&mut s, &g[..11]),
            Err(ProtocolError::UnsupportedVersion { major: Some(major) })
        );
    }
}

#[test]
fn unversioned_peers_rejected() {
    // ZMTP 1.0: identity frame "\x01\x00".
    let mut s = Session::new(config(SocketType::Server), Instant::now());
    assert_eq!(
        feed(&mut s, b"\x01\x00"),
        Err(ProtocolError::UnsupportedVersion { major: None })
    );
    // 0xFF but byte 9 without bit 0 (a long ZMTP 1.0 length).
    let mut s = Session::new(config(SocketType::Server), Instant::now());
    let mut g = null_greeting();
    g[9] = 0x00;
    assert_eq!(feed(&mut s, &g[..9]), Ok(vec![]));
    assert_eq!(
        feed(&mut s, &g[..10]),
        Err(ProtocolError::UnsupportedVersion { major: None })
    );
}

#[test]
fn http_rejected_after_first_byte() {
    let mut s = Session::new(config(SocketType::Server), Instant::now());
    let mut input = BytesMut::from(&b"G"[..]);
    assert_eq!(
        s.decode(&mut input),
        Err(ProtocolError::UnsupportedVersion { major: None })
    );
    // Sticky.
    let mut more = BytesMut::from(&b"ET / HTTP/1.1\r\n"[..]);
    assert_eq!(
        s.decode(&mut more),
        Err(ProtocolError::UnsupportedVersion { major: None })
    );
    assert!(!s.is_ready());
    assert_eq!(transmit(&mut s), null_greeting());
}

#[test]
fn padding_and_as_server_not_validated() {
    let mut g = null_greeting();
    g[1..9].copy_from_slice(&[9, 8, 7, 6, 5, 4, 3, 2]);
    g[9] = 0xff;
    g[32] = 1;
    g[40] = 0x55;
    let mut s = Session::new(config(SocketType::Server), Instant::now());
    g.extend_from_slice(&ready_frame("CLIENT"));
    assert_eq!(feed(&mut s, &g).unwrap(), vec![Event::Ready]);
}

#[test]
fn mechanism_mismatch() {
    for mech in [
        &b"PLAIN"[..],
        b"CURVE",
        b"null",
        b"NULL\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0X",
    ] {
        let mut s = Session::new(config(SocketType::Client), Instant::now());
        let _ = transmit(&mut s);
        let err = feed(&mut s, &greeting(3, 1, mech)).unwrap_err();
        assert!(
            matches!(&err, ProtocolError::MechanismMismatch { ours, .. } if ours == "NULL"),
            "{err:?}"
        );
        // No READY is sent to a peer with the wrong mechanism.
        assert!(!s.has_transmit());
    }
    let mut s = Session::new(config(SocketType::Client), Instant::now());
    assert_eq!(
        feed(&mut s, &greeting(3, 1, b"PLAIN")),
        Err(ProtocolError::MechanismMismatch {
            ours: "NULL".into(),
            peer: "PLAIN".into()
        })
    );
}

// ---------------------------------------------------------------------------------------
// READY validation

fn after_greeting(ours: SocketType) -> Session {
    let mut s = Session::new(config(ours), Instant::now());
    assert_eq!(feed(&mut s, &null_greeting()).unwrap(), vec![]);
    let _ = transmit(&mut s);
    s
}

#[test]
fn incompatible_socket_type() {
    let mut s = after_greeting(SocketType::Server);
    assert_eq!(
        feed(&mut s, &ready_frame("DEALER")),
        Err(ProtocolError::IncompatibleSocketType {
            ours: SocketType::Server,
            peer: "DEALER".into()
        })
    );
    assert!(!s.is_ready());
    assert!(s.peer().is_none());
    let mut s = after_greeting(SocketType::Client);
    assert!(matches!(
        feed(&mut s, &ready_frame("GATHER")),
        Err(ProtocolError::IncompatibleSocketType { .. })
    ));
    let mut s = after_greeting(SocketType::Client);
    assert!(matches!(
        feed(&mut s, &ready_frame("NOT-A-TYPE")),
        Err(ProtocolError::IncompatibleSocketType { .. })
    ));
}

#[test]
fn missing_socket_type_accepted() {
    let mut s = after_greeting(SocketType::Server);
    assert_eq!(
        feed(&mut s, &command_frame(b"\x05READY")).unwrap(),
        vec![Event::Ready]
    );
    let peer = s.peer().unwrap();
    assert_eq!(peer.socket_type, None);
    assert!(peer.metadata.is_empty());
}

#[test]
fn lowercase_socket_type_is_validated() {
    let mut s = after_greeting(SocketType::Client);
    let ready = command_frame(&ready_body(&[(b"socket-type", b"SERVER")]));
    assert_eq!(feed(&mut s, &ready).unwrap(), vec![Event::Ready]);
    assert_eq!(s.peer().unwrap().socket_type, Some(SocketType::Server));

    let mut s = after_greeting(SocketType::Client);
    let ready = command_frame(&ready_body(&[(b"socket-type", b"DEALER")]));
    assert!(matches!(
        feed(&mut s, &ready),
        Err(ProtocolError::IncompatibleSocketType { .. })
    ));
}

#[test]
fn ready_value_longer_than_body() {
    let mut s = after_greeting(SocketType::Server);
    let mut body = b"\x05READY\x0bSocket-Type\x00\x00\x00\x07".to_vec();
    body.extend_from_slice(b"CLIENT");
    assert_eq!(
        feed(&mut s, &command_frame(&body)),
        Err(ProtocolError::MalformedMetadata(
            "property value longer than the remaining data"
        ))
    );
}

#[test]
fn ready_with_trailing_bytes() {
    for trailing in [&b"\x00"[..], b"\x00\x00", b"\x05"] {
        let mut s = after_greeting(SocketType::Server);
        let mut body = ready_body(&[(b"Socket-Type", b"CLIENT")]);
        body.extend_from_slice(trailing);
        assert!(
            matches!(
                feed(&mut s, &command_frame(&body)),
                Err(ProtocolError::MalformedMetadata(_))
            ),
            "{trailing:?}"
        );
    }
}

#[test]
fn ready_with_empty_property_name() {
    // RFC 37: names are 1..255 characters (libzmq accepts empty ones; we do not).
    let mut s = after_greeting(SocketType::Server);
    let body = ready_body(&[(b"", b"x"), (b"Socket-Type", b"CLIENT")]);
    assert_eq!(
        feed(&mut s, &command_frame(&body)),
        Err(ProtocolError::MalformedMetadata("empty property name"))
    );
}

#[test]
fn ready_as_data_frame_accepted() {
    let mut s = after_greeting(SocketType::Server);
    let mut frame = ready_frame("CLIENT");
    frame[0] = 0x00;
    assert_eq!(feed(&mut s, &frame).unwrap(), vec![Event::Ready]);
}

#[test]
fn ready_with_lenient_flags() {
    // LONG encoding of the READY and MORE on it: libzmq accepts both.
    let mut s = after_greeting(SocketType::Server);
    let body = ready_body(&[(b"Socket-Type", b"CLIENT")]);
    let mut frame = vec![0x07];
    frame.extend_from_slice(&(body.len() as u64).to_be_bytes());
    frame.extend_from_slice(&body);
    assert_eq!(feed(&mut s, &frame).unwrap(), vec![Event::Ready]);
}

#[test]
fn data_frame_before_ready() {
    let mut s = after_greeting(SocketType::Server);
    assert_eq!(
        feed(&mut s, b"\x00\x05hello"),
        Err(ProtocolError::DataBeforeReady)
    );
    let mut s = after_greeting(SocketType::Server);
    assert_eq!(
        feed(&mut s, b"\x00\x00"),
        Err(ProtocolError::DataBeforeReady)
    );
    let mut s = after_greeting(SocketType::Server);
    assert_eq!(
        feed(&mut s, b"\x01\x05\x04PING"),
        Err(ProtocolError::DataBeforeReady)
    );
}

#[test]
fn command_name_longer_than_body_during_handshake() {
    let mut s = after_greeting(SocketType::Server);
    assert_eq!(
        feed(&mut s, &command_frame(b"\x09READY")),
        Err(ProtocolError::MalformedCommand(
            "command name longer than the frame"
        ))
    );
    let mut s = after_greeting(SocketType::Server);
    assert_eq!(
        feed(&mut s, &command_frame(b"")),
        Err(ProtocolError::MalformedCommand("empty command frame"))
    );
}

#[test]
fn unexpected_commands_during_handshake() {
    let mut s = after_greeting(SocketType::Server);
    assert_eq!(
        feed(&mut s, &command_frame(b"\x04PING\x00\x0f")),
        Err(ProtocolError::UnexpectedCommand("PING".into()))
    );
    let mut s = after_greeting(SocketType::Server);
    assert_eq!(
        feed(&mut s, &command_frame(b"\x06FOOBAR")),
        Err(ProtocolError::UnexpectedCommand("FOOBAR".into()))
    );
    // Names are case-sensitive.
    let mut s = after_greeting(SocketType::Server);
    assert_eq!(
        feed(&mut s, &command_frame(b"\x05ready")),
        Err(ProtocolError::UnexpectedCommand("ready".into()))
    );
    // Malformed ERROR during the handshake.
    let mut s = after_greeting(SocketType::Server);
    assert_eq!(
        feed(&mut s, &command_frame(b"\x05ERROR\x05ab")),
        Err(ProtocolError::MalformedCommand(
            "ERROR reason longer than the frame"
        ))
    );
}

#[test]
fn peer_error_received() {
    let mut s = after_greeting(SocketType::Client);
    assert_eq!(
        feed(
            &mut s,
            &[
                0x04, 0x0a, 0x05, 0x45, 0x52, 0x52, 0x4f, 0x52, 0x03, 0x34,
                0x30, 0x30
            ]
        ),
        Err(ProtocolError::PeerError("400".into()))
    );
    assert!(!s.is_ready());
    // ERROR as a data frame is still an ERROR.
    let mut s = after_greeting(SocketType::Client);
    assert_eq!(
        feed(&mut s, b"\x00\x07\x05ERROR\x00"),
        Err(ProtocolError::PeerError(String::new()))
    );
}

// ---------------------------------------------------------------------------------------
// Frame sizes

fn long_header(flags: u8, size: u64) -> Vec<u8> {
    let mut h = vec![flags | 0x02];
    h.extend_from_slice(&size.to_be_bytes());
    h
}

#[test]
fn huge_frames_rejected_without_allocating() {
    for size in [1u64 << 63, u64::MAX] {
        for max in [None, Some(64 << 20)] {
            for handshake in [true, false] {
                let mut cfg = config(SocketType::Server);
                cfg.max_msg_size = max;
                let mut s = if handshake {
                    let mut s = Session::new(cfg, Instant::now());
                    feed(&mut s, &null_greeting()).unwrap();
                    s
                } else {
                    ready_session_with(cfg, "CLIENT")
                };
                let mut input = BytesMut::from(&long_header(0, size)[..]);
                input.extend_from_slice(&[0u8; 32]);
                let cap = input.capacity();
                let err = s.decode(&mut input).unwrap_err();
                assert!(
                    matches!(err, ProtocolError::FrameTooLarge { size: s, .. } if s == size),
                    "{err:?}"
                );
                assert_eq!(input.capacity(), cap);
            }
        }
    }
}

#[test]
fn large_allowed_frame_reserves_only_a_window() {
    let mut s = ready_session(SocketType::Server, "CLIENT");
    let mut input = BytesMut::from(&long_header(0, 1 << 40)[..]);
    input.extend_from_slice(&[1u8; 1000]);
    assert_eq!(s.decode(&mut input), Ok(None));
    assert!(input.capacity() <= 2 * RESERVE_AHEAD);
    assert_eq!(s.bytes_needed(&input), (1usize << 40) - 1000);
}

#[test]
fn truncated_long_header() {
    let mut s = ready_session(SocketType::Server, "CLIENT");
    let mut input = BytesMut::from(&[0x02u8, 0, 0, 0, 0][..]);
    assert_eq!(s.decode(&mut input), Ok(None));
    assert_eq!(input.len(), 5);
    input.extend_from_slice(&[0, 0, 0, 1, b'x']);
    assert_eq!(
        s.decode(&mut input),
        Ok(Some(Event::Message {
            data: Bytes::from_static(b"x"),
            group: None
        }))
    );
}

#[test]
fn max_msg_size_boundary() {
    let mut cfg = config(SocketType::Server);
    cfg.max_msg_size = Some(64);
    let mut s = ready_session_with(cfg, "CLIENT");
    let mut msg = vec![0x00, 64];
    msg.extend_from_slice(&[7u8; 64]);
    assert_eq!(feed(&mut s, &msg).unwrap().len(), 1);
    let mut msg = vec![0x00, 65];
    msg.extend_from_slice(&[7u8; 65]);
    assert_eq!(
        feed(&mut s, &msg),
        Err(ProtocolError::FrameTooLarge { size: 65, max: 64 })
    );

    // Raised at runtime.
    let mut cfg = config(SocketType::Server);
    cfg.max_msg_size = Some(64);
    let mut s = ready_session_with(cfg, "CLIENT");
    s.set_max_msg_size(Some(65));
    assert_eq!(feed(&mut s, &msg).unwrap().len(), 1);
    s.set_max_msg_size(None);
    let mut big = long_header(0, 100_000);
    big.extend_from_slice(&vec![1u8; 100_000]);
    assert_eq!(feed(&mut s, &big).unwrap().len(), 1);
}

#[test]
fn max_msg_size_applies_after_the_handshake_only() {
    // Unlike libzmq, ZMQ_MAXMSGSIZE does not limit handshake commands (they have their own,
    // tighter limits): a 28-byte READY passes a limit of 20, a 21-byte message does not.
    let mut cfg = config(SocketType::Server);
    cfg.max_msg_size = Some(20);
    let mut s = Session::new(cfg, Instant::now());
    let mut input = null_greeting();
    input.extend_from_slice(&ready_frame("CLIENT"));
    assert_eq!(feed(&mut s, &input).unwrap(), vec![Event::Ready]);
    let mut msg = vec![0x00, 20];
    msg.extend_from_slice(&[b'm'; 20]);
    assert_eq!(feed(&mut s, &msg).unwrap().len(), 1);
    assert_eq!(
        feed(&mut s, &[0x00, 21]),
        Err(ProtocolError::FrameTooLarge { size: 21, max: 20 })
    );
}

// ---------------------------------------------------------------------------------------
// Traffic commands

#[test]
fn ping_pong() {
    let mut s = ready_session(SocketType::Client, "SERVER");
    assert_eq!(
        feed(
            &mut s,
            &[0x04, 0x07, 0x04, 0x50, 0x49, 0x4e, 0x47, 0x00, 0x0f]
        )
        .unwrap(),
        vec![Event::Ping {
            ttl_deciseconds: 15
        }]
    );
    assert_eq!(transmit(&mut s), [0x04, 0x05, 0x04, 0x50, 0x4f, 0x4e, 0x47]);

    // 3-byte context echoed.
    assert_eq!(
        feed(&mut s, b"\x04\x0a\x04PING\x00\x00LOL").unwrap(),
        vec![Event::Ping { ttl_deciseconds: 0 }]
    );
    assert_eq!(transmit(&mut s), b"\x04\x08\x04PONGLOL");

    // 58-byte context: first 16 bytes echoed.
    let context: Vec<u8> = (0u8..58).collect();
    let mut body = b"\x04PING\x00\x05".to_vec();
    body.extend_from_slice(&context);
    assert_eq!(
        feed(&mut s, &command_frame(&body)).unwrap(),
        vec![Event::Ping { ttl_deciseconds: 5 }]
    );
    let pong = transmit(&mut s);
    assert_eq!(&pong[..7], &[0x04, 0x15, 0x04, b'P', b'O', b'N', b'G']);
    assert_eq!(&pong[7..], &context[..16]);

    // PONG from the peer; MORE on a command is accepted.
    assert_eq!(
        feed(&mut s, b"\x05\x05\x04PONG").unwrap(),
        vec![Event::Pong]
    );

    // Our own PING.
    s.send_ping(15);
    assert_eq!(
        transmit(&mut s),
        [0x04, 0x07, 0x04, 0x50, 0x49, 0x4e, 0x47, 0x00, 0x0f]
    );
    s.send_ping(20);
    assert_eq!(transmit(&mut s), b"\x04\x07\x04PING\x00\x14");
}

#[test]
fn join_leave() {
    let mut dish = ready_session(SocketType::Dish, "RADIO");
    dish.send_join(b"Movies");
    dish.send_leave(b"Movies");
    assert_eq!(
        transmit(&mut dish),
        b"\x04\x0b\x04JOINMovies\x04\x0c\x05LEAVEMovies"
    );

    let mut radio = ready_session(SocketType::Radio, "DISH");
    let mut input =
        b"\x04\x0b\x04JOINMovies\x04\x05\x04JOIN\x04\x0c\x05LEAVEMovies"
            .to_vec();
    // Data frames from a DISH are read and dropped (a RADIO is send-only).
    input.extend_from_slice(b"\x00\x01x");
    assert_eq!(
        feed(&mut radio, &input).unwrap(),
        vec![
            Event::Join(Bytes::from_static(b"Movies")),
            Event::Join(Bytes::new()),
            Event::Leave(Bytes::from_static(b"Movies")),
        ]
    );
}

#[test]
fn subscribe_cancel_as_captured_from_libzmq() {
    // What C libzmq 4.3.5's SUB sends after subscribe("A"), subscribe(""),
    // unsubscribe("A").
    let mut sub = ready_session(SocketType::Sub, "PUB");
    sub.send_subscribe(b"A");
    sub.send_subscribe(b"");
    sub.send_cancel(b"A");
    let wire =
        b"\x04\x0b\x09SUBSCRIBEA\x04\x0a\x09SUBSCRIBE\x04\x08\x06CANCELA";
    assert_eq!(transmit(&mut sub), wire);

    // A PUB and an XPUB report them; other socket types ignore them.
    for ours in [SocketType::Pub, SocketType::XPub] {
        let mut publisher = ready_session(ours, "SUB");
        assert_eq!(
            feed(&mut publisher, wire).unwrap(),
            vec![
                Event::Subscribe(Bytes::from_static(b"A")),
                Event::Subscribe(Bytes::new()),
                Event::Cancel(Bytes::from_static(b"A")),
            ]
        );
    }
    let mut dealer = ready_session(SocketType::Dealer, "DEALER");
    assert_eq!(feed(&mut dealer, wire).unwrap(), vec![]);
}

#[test]
fn subscriptions_to_a_zmtp_3_0_peer_are_messages() {
    let mut sub = Session::new(config(SocketType::Sub), Instant::now());
    sub.send_subscribe(b"A");
    transmit(&mut sub);
    let mut input = greeting(3, 0, b"NULL");
    input.extend_from_slice(&ready_frame("PUB"));
    assert_eq!(feed(&mut sub, &input).unwrap(), vec![Event::Ready]);
    let out = transmit(&mut sub);
    // READY, then the deferred subscription as a data frame.
    assert!(out.ends_with(b"\x00\x02\x01A"), "{out:?}");
    sub.send_cancel(b"B");
    assert_eq!(transmit(&mut sub), b"\x00\x02\x00B");
}

#[test]
fn join_longer_than_255_is_a_protocol_error() {
    for name in [&b"JOIN"[..], b"LEAVE"] {
        let mut radio = ready_session(SocketType::Radio, "DISH");
        let mut body = vec![u8::try_from(name.len()).unwrap()];
        body.extend_from_slice(name);
        body.extend_from_slice(&[b'g'; 300]);
        let mut frame = long_header(0x04, body.len() as u64);
        frame.extend_from_slice(&body);
        assert!(matches!(
            feed(&mut radio, &frame),
            Err(ProtocolError::MalformedCommand(_))
        ));
        assert!(!radio.is_ready());
    }
}

#[test]
fn commands_deferred_until_ready() {
    let mut dish = Session::new(config(SocketType::Dish), Instant::now());
    dish.send_join(b"A");
    dish.send_join(b"B");
    dish.send_ping(3);
    assert_eq!(transmit(&mut dish), null_greeting());
    feed(&mut dish, &null_greeting()).unwrap();
    assert_eq!(transmit(&mut dish), ready_frame("DISH"));
    assert_eq!(
        feed(&mut dish, &ready_frame("RADIO")).unwrap(),
        vec![Event::Ready]
    );
    assert_eq!(
        transmit(&mut dish),
        b"\x04\x06\x04JOINA\x04\x06\x04JOINB\x04\x07\x04PING\x00\x03"
    );
}

#[test]
fn ignored_commands_after_handshake() {
    let mut s = ready_session(SocketType::Server, "CLIENT");
    let mut input = Vec::new();
    input.extend_from_slice(&command_frame(b"\x06FOOBARxyz")); // unknown
    input.extend_from_slice(&ready_frame("CLIENT")); // second READY
    input.extend_from_slice(&command_frame(b"\x05ERROR\x03500")); // late ERROR
    input.extend_from_slice(&command_frame(b"\x09SUBSCRIBEtopic"));
    input.extend_from_slice(&command_frame(b"\x06CANCELtopic"));
    input.extend_from_slice(&command_frame(b"\x00")); // empty name
    input.extend_from_slice(b"\x00\x05hello");
    assert_eq!(
        feed(&mut s, &input).unwrap(),
        vec![Event::Message {
            data: Bytes::from_static(b"hello"),
            group: None
        }]
    );
    assert!(!s.has_transmit());
    assert!(s.is_ready());
}

#[test]
fn malformed_commands_after_handshake_are_dropped() {
    let mut s = ready_session(SocketType::Server, "CLIENT");
    let mut input = Vec::new();
    input.extend_from_slice(&command_frame(b"\x09READY")); // name_len > body
    input.extend_from_slice(&command_frame(b"\xffPING")); // name_len > body
    input.extend_from_slice(&command_frame(b"")); // empty
    input.extend_from_slice(&command_frame(b"\x04PING\x00")); // TTL truncated
    input.extend_from_slice(&command_frame(b"\x05ERROR\x09x")); // bad ERROR
    input.extend_from_slice(&command_frame(b"\x05READY\x01")); // bad metadata
    input.extend_from_slice(b"\x00\x05hello");
    assert_eq!(
        feed(&mut s, &input).unwrap(),
        vec![Event::Message {
            data: Bytes::from_static(b"hello"),
            group: None
        }]
    );
    // No PONG for the malformed PING.
    assert!(!s.has_transmit());
}

#[test]
fn lenient_flags_after_handshake() {
    let mut s = ready_session(SocketType::Server, "CLIENT");
    let mut input = vec![0xf8, 0x01, b'a'];
    input.extend_from_slice(&long_header(0x00, 5));
    input.extend_from_slice(b"hello");
    input.extend_from_slice(b"\x05\x07\x04PING\x00\x00");
    assert_eq!(
        feed(&mut s, &input).unwrap(),
        vec![
            Event::Message {
                data: Bytes::from_static(b"a"),
                group: None
            },
            Event::Message {
                data: Bytes::from_static(b"hello"),
                group: None
            },
            Event::Ping { ttl_deciseconds: 0 },
        ]
    );
}

// ---------------------------------------------------------------------------------------
// Authentication

fn authenticating_server() -> Session {
    let mut cfg = config(SocketType::Server);
    cfg.authenticate = true;
    let mut s = Session::new(cfg, Instant::now());
    let _ = transmit(&mut s);
    assert_eq!(
        feed(&mut s, &null_greeting()).unwrap(),
        vec![Event::AuthRequest {
            mechanism: "NULL",
            credentials: vec![]
        }]
    );
    // READY is held back until the engine answers.
    assert!(!s.has_transmit());
    s
}

#[test]
fn auth_allowed() {
    let mut s = authenticating_server();
    // The peer's READY arrives before the answer.
    assert_eq!(feed(&mut s, &ready_frame("CLIENT")).unwrap(), vec![]);
    assert!(!s.is_ready());
    s.auth_reply(Ok(()));
    assert_eq!(transmit(&mut s), ready_frame("SERVER"));
    let mut empty = BytesMut::new();
    assert_eq!(s.decode(&mut empty), Ok(Some(Event::Ready)));
    assert!(s.is_ready());
    assert_eq!(s.peer().unwrap().socket_type, Some(SocketType::Client));
    // A second answer is ignored.
    s.auth_reply(Err(400));
    assert!(s.is_ready());
    assert!(!s.has_transmit());
}

#[test]
fn auth_allowed_before_peer_ready() {
    let mut s = authenticating_server();
    s.auth_reply(Ok(()));
    assert_eq!(transmit(&mut s), ready_frame("SERVER"));
    assert_eq!(s.decode(&mut BytesMut::new()), Ok(None));
    assert_eq!(
        feed(&mut s, &ready_frame("CLIENT")).unwrap(),
        vec![Event::Ready]
    );
}

#[test]
fn auth_denied() {
    for status in [400u16, 500] {
        let mut s = authenticating_server();
        s.auth_reply(Err(status));
        let expected = format!("\x04\x0a\x05ERROR\x03{status}");
        assert_eq!(transmit(&mut s), expected.as_bytes());
        assert_eq!(
            feed(&mut s, &ready_frame("CLIENT")),
            Err(ProtocolError::AuthFailed { status })
        );
        assert!(!s.is_ready());
    }
    // Golden bytes for 400.
    let mut s = authenticating_server();
    s.auth_reply(Err(400));
    assert_eq!(
        transmit(&mut s),
        [
            0x04, 0x0a, 0x05, 0x45, 0x52, 0x52, 0x4f, 0x52, 0x03, 0x34, 0x30,
            0x30
        ]
    );
}

#[test]
fn auth_temporary_failure_sends_nothing() {
    let mut s = authenticating_server();
    s.auth_reply(Err(300));
    assert!(!s.has_transmit());
    assert_eq!(
        s.decode(&mut BytesMut::new()),
        Err(ProtocolError::AuthFailed { status: 300 })
    );
}

#[test]
fn duplicate_ready_while_authenticating() {
    let mut s = authenticating_server();
    let mut input = ready_frame("CLIENT");
    input.extend_from_slice(&ready_frame("CLIENT"));
    assert_eq!(
        feed(&mut s, &input),
        Err(ProtocolError::UnexpectedCommand("READY".into()))
    );
}

#[test]
fn data_while_authenticating() {
    let mut s = authenticating_server();
    let mut input = ready_frame("CLIENT");
    input.extend_from_slice(b"\x00\x05hello");
    assert_eq!(feed(&mut s, &input), Err(ProtocolError::DataBeforeReady));
}

#[test]
fn auth_reply_without_request_is_ignored() {
    let mut s = Session::new(config(SocketType::Server), Instant::now());
    s.auth_reply(Err(400)); // still in the greeting stage
    feed(&mut s, &null_greeting()).unwrap();
    s.auth_reply(Err(400)); // NULL without authentication: nothing outstanding
    let mut expected = null_greeting();
    expected.extend_from_slice(&ready_frame("SERVER"));
    assert_eq!(transmit(&mut s), expected);
    assert_eq!(
        feed(&mut s, &ready_frame("CLIENT")).unwrap(),
        vec![Event::Ready]
    );
}

#[test]
fn errors_are_sticky() {
    let mut s = after_greeting(SocketType::Server);
    let err = feed(&mut s, &ready_frame("DEALER")).unwrap_err();
    let mut good = BytesMut::from(&ready_frame("CLIENT")[..]);
    assert_eq!(s.decode(&mut good), Err(err));
    assert_eq!(good.len(), ready_frame("CLIENT").len());
    s.send_ping(1);
    s.send_join(b"x");
    assert!(!s.has_transmit());
}

// ---------------------------------------------------------------------------------------
// Robustness

/// Tiny deterministic PRNG for the fuzz-ish test (no extra dependencies).
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: u64) -> usize {
        (self.next() % n) as usize
    }
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    let (mut total_events, mut total_errors) = (0usize, 0usize);
    for round in 0..3000 {
        let max = if round % 3 == 0 {
            None
        } else {
            Some(rng.next() % 4096)
        };
        let mut cfg = config(if round % 2 == 0 {
            SocketType::Server
        } else {
            SocketType::Radio
        });
        cfg.max_msg_size = max;
        cfg.authenticate = round % 5 == 0;
        let mut s = Session::new(cfg, Instant::now());
        let mut wire = null_greeting();
        // Sometimes start with a valid READY so traffic decoding is exercised too.
        if round % 4 != 0 {
            let peer = if round % 2 == 0 { "CLIENT" } else { "DISH" };
            wire.extend_from_slice(&ready_frame(peer));
        }
        let target = wire.len() + rng.below(600);
        while wire.len() < target {
            match rng.below(3) {
                // Random bytes, biased towards small values and command-name letters.
                0 => {
                    for _ in 0..rng.below(20) {
                        let b = match rng.below(4) {
                            0 => (rng.next() % 8) as u8,
                            1 => b"READYPINGPONGJOINLEAVEERROR"[rng.below(27)],
                            _ => rng.next() as u8,
                        };
                        wire.push(b);
                    }
                }
                // A well-framed command with a random (possibly broken) body.
                1 => {
                    let names: [&[u8]; 7] = [
                        b"PING", b"PONG", b"JOIN", b"LEAVE", b"READY",
                        b"ERROR", b"X",
                    ];
                    let name = names[rng.below(7)];
                    let mut body = vec![(name.len() + rng.below(2)) as u8];
                    body.extend_from_slice(name);
                    for _ in 0..rng.below(24) {
                        body.push(rng.next() as u8);
                    }
                    wire.push(0x04 | (rng.next() as u8 & 0xf9));
                    wire.push(body.len() as u8);
                    wire.extend_from_slice(&body);
                }
                // A well-framed data frame.
                _ => {
                    let len = rng.below(40);
                    wire.push(rng.next() as u8 & 0xf9 & !0x04);
                    wire.push(len as u8);
                    for _ in 0..len {
                        wire.push(rng.next() as u8);
                    }
                }
            }
        }
        let mut input = BytesMut::new();
        let mut pos = 0;
        let mut events = 0usize;
        'feed: while pos < wire.len() {
            let n = 1 + rng.below(64);
            let end = (pos + n).min(wire.len());
            input.extend_from_slice(&wire[pos..end]);
            pos = end;
            loop {
                match s.decode(&mut input) {
                    Ok(Some(Event::AuthRequest { .. })) => {
                        s.auth_reply(if rng.below(2) == 0 {
                            Ok(())
                        } else {
                            Err(400)
                        });
                    }
                    Ok(Some(_)) => events += 1,
                    Ok(None) => break,
                    Err(_) => {
                        total_errors += 1;
                        break 'feed;
                    }
                }
                if rng.below(8) == 0 {
                    let mut out = BytesMut::new();
                    s.poll_transmit(&mut out);
                }
            }
            // Growth is amortised (doubling), but never driven by declared sizes.
            assert!(input.capacity() <= 4 * (wire.len() + RESERVE_AHEAD));
        }
        assert!(events <= wire.len());
        total_events += events;
        let mut out = BytesMut::new();
        s.poll_transmit(&mut out);
    }
    // The input really exercised both the happy and the error paths.
    assert!(total_events > 2000, "{total_events}");
    assert!(total_errors > 1000, "{total_errors}");
}

/// PLAIN and CURVE client/server configurations with matching credentials.
fn secure_configs() -> [(MechanismConfig, MechanismConfig); 2] {
    let (server_public, server_secret) = crate::curve_keypair();
    let (public, secret) = crate::curve_keypair();
    [
        (
            MechanismConfig::PlainClient {
                username: b"admin".to_vec(),
                password: b"secret".to_vec(),
            },
            MechanismConfig::PlainServer,
        ),
        (
            MechanismConfig::CurveClient {
                server_public,
                public,
                secret,
            },
            MechanismConfig::CurveServer {
                secret: server_secret,
            },
        ),
    ]
}

fn with_mechanism(
    socket_type: SocketType,
    mechanism: &MechanismConfig,
) -> SessionConfig {
    let mut cfg = config(socket_type);
    cfg.mechanism = Arc::new(mechanism.clone());
    cfg
}

/// Brings `ours` (built from `pair.0` or `pair.1`) to where random input is most
/// interesting: past the peer's greeting and, half of the time, past the first valid
/// message of a real peer (HELLO for a server, WELCOME for a client).
fn open_with_real_peer(
    ours: &mut Session,
    server: bool,
    pair: &(MechanismConfig, MechanismConfig),
    valid: bool,
) {
    if server {
        let mut client = Session::new(
            with_mechanism(SocketType::Client, &pair.0),
            Instant::now(),
        );
        let mut wire = transmit(&mut client);
        feed(&mut client, &transmit(ours)).unwrap();
        if valid {
            wire.extend_from_slice(&transmit(&mut client));
        }
        while let Ok(Some(event)) = ours.decode(&mut BytesMut::from(&wire[..]))
        {
            assert!(matches!(event, Event::AuthRequest { .. }));
            ours.auth_reply(Ok(()));
            wire.clear();
        }
    } else {
        let mut server = Session::new(
            with_mechanism(SocketType::Server, &pair.1),
            Instant::now(),
        );
        feed(ours, &transmit(&mut server)).unwrap();
        if valid {
            if !feed(&mut server, &transmit(ours)).unwrap().is_empty() {
                server.auth_reply(Ok(()));
            }
            assert_eq!(feed(ours, &transmit(&mut server)).unwrap(), vec![]);
        }
    }
    let _ = transmit(ours);
}

#[test]
fn random_bytes_never_panic_plain_and_curve() {
    let mut rng = XorShift(0x0123_4567_89ab_cdef);
    let configs = secure_configs();
    let names: [&[u8]; 8] = [
        b"HELLO",
        b"WELCOME",
        b"INITIATE",
        b"READY",
        b"ERROR",
        b"MESSAGE",
        b"PING",
        b"\x5eRROR",
    ];
    // Sizes around every boundary of spec §2.3/§2.4.
    let sizes = [
        0usize, 1, 7, 8, 29, 30, 32, 33, 167, 168, 169, 199, 200, 201, 256,
        257, 300,
    ];
    let (mut errors, mut events) = (0usize, 0usize);
    for round in 0..400 {
        let pair = &configs[round % 2];
        let server = round % 4 >= 2;
        let mechanism = if server { &pair.1 } else { &pair.0 };
        let mut s = Session::new(
            with_mechanism(SocketType::Server, mechanism),
            Instant::now(),
        );
        open_with_real_peer(&mut s, server, pair, round % 8 >= 4);
        if round % 3 == 0 {
            s.set_max_msg_size(Some(rng.next() % 512));
        }
        let mut wire = Vec::new();
        for _ in 0..1 + rng.below(6) {
            let name = names[rng.below(8)];
            let mut body = vec![u8::try_from(name.len()).unwrap()];
            if name[0] == 0x5e {
                body.clear();
            }
            body.extend_from_slice(name);
            let size = sizes[rng.below(sizes.len() as u64)].max(body.len());
            while body.len() < size {
                body.push(match rng.below(3) {
                    0 => 0,
                    1 => 1,
                    _ => rng.next() as u8,
                });
            }
            let mut out = BytesMut::new();
            crate::frame::encode_frame(
                false,
                rng.below(4) != 0,
                &body,
                &mut out,
            );
            wire.extend_from_slice(&out);
        }
        let mut input = BytesMut::new();
        let mut pos = 0;
        'feed: while pos < wire.len() {
            let end = (pos + 1 + rng.below(100)).min(wire.len());
            input.extend_from_slice(&wire[pos..end]);
            pos = end;
            loop {
                match s.decode(&mut input) {
                    Ok(Some(Event::AuthRequest { .. })) => s.auth_reply(Ok(())),
                    Ok(Some(_)) => events += 1,
                    Ok(None) => break,
                    Err(_) => {
                        errors += 1;
                        break 'feed;
                    }
                }
            }
        }
        let _ = transmit(&mut s);
    }
    assert!(errors > 300, "{errors}");
    // Random frames sometimes complete a PLAIN handshake (e.g. an INITIATE without
    // metadata), never a CURVE one; either way they are mostly rejected.
    assert!(events < 40, "{events}");
}

#[test]
fn tampered_plain_and_curve_handshakes_never_panic() {
    let mut rng = XorShift(0x5eed_c0ff_ee00);
    let configs = secure_configs();
    let (mut completed, mut failed) = (0usize, 0usize);
    for round in 0..240 {
        let (client_mech, server_mech) = &configs[round % 2];
        let mut client = Session::new(
            with_mechanism(SocketType::Client, client_mech),
            Instant::now(),
        );
        let mut server = Session::new(
            with_mechanism(SocketType::Server, server_mech),
            Instant::now(),
        );
        // Up to three changes to the byte stream, or none at all (every fourth round).
        let mut budget = if round % 4 == 0 { 0 } else { 1 + rng.below(3) };
        let mut trng = XorShift(rng.next() | 1);
        let mut tamper = |bytes: &mut BytesMut, _to_server: bool| {
            if budget == 0 || bytes.is_empty() || trng.below(4) != 0 {
                return;
            }
            budget -= 1;
            let i = trng.below(bytes.len() as u64);
            match trng.below(3) {
                0 => bytes[i] ^= 1 << trng.below(8),
                1 => bytes.truncate(i),
                _ => {
                    let tail = bytes.split_off(i);
                    for _ in 0..1 + trng.below(40) {
                        bytes.put_u8(trng.next() as u8);
                    }
                    bytes.extend_from_slice(&tail);
                }
            }
        };
        let chunk = 1 + rng.below(400);
        let deny = round % 9 == 0;
        let (c, s) = drive(
            &mut client,
            &mut server,
            chunk,
            &mut |_, _| if deny { Err(400) } else { Ok(()) },
            &mut tamper,
        );
        if round % 4 == 0 {
            // Untouched streams always complete unless the authenticator says no.
            assert_eq!(
                c.error.is_none() && s.error.is_none(),
                !deny,
                "{c:?} {s:?}"
            );
        }
        if client.is_ready() && server.is_ready() {
            completed += 1;
            // Traffic through the same kind of damage.
            for _ in 0..4 {
                let len = rng.below(600);
                let body: Vec<u8> =
                    (0..len).map(|_| rng.next() as u8).collect();
                let mut wire = BytesMut::new();
                client.encode_frame(&body, false, &mut wire);
                tamper(&mut wire, true);
                match feed(&mut server, &wire) {
                    Ok(events) => assert!(events.len() <= 1),
                    Err(_) => break,
                }
            }
        } else if c.error.is_some() || s.error.is_some() {
            failed += 1;
        }
    }
    assert!(completed > 60, "{completed}");
    assert!(failed > 60, "{failed}");
}

#[test]
fn random_frames_between_two_sessions() {
    // Valid random traffic round-trips exactly (multipart framing: every frame is reported).
    let mut rng = XorShift(42);
    let mut client = Session::new(config(SocketType::Dealer), Instant::now());
    let mut server = Session::new(config(SocketType::Router), Instant::now());
    pump(&mut client, &mut server, 7);
    for _ in 0..200 {
        let len = match rng.below(3) {
            0 => rng.below(10),
            1 => 250 + rng.below(10),
            _ => rng.below(5000),
        };
        let body: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        let more = rng.below(2) == 0;
        let mut wire = BytesMut::new();
        if rng.below(2) == 0 {
            client.encode_frame(&body, more, &mut wire);
        } else {
            let (h, n) = client.message_header(body.len(), more).unwrap();
            wire.extend_from_slice(&h[..n]);
            wire.put_slice(&body);
        }
        let events = feed(&mut server, &wire).unwrap();
        assert_eq!(
            events,
            vec![Event::Frame {
                data: Bytes::from(body),
                more
            }]
        );
    }
}

#[test]
fn session_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<Session>();
    check::<Event>();
    check::<ProtocolError>();
}
