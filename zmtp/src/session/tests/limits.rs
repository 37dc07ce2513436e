//! Issue 17: what an unauthenticated peer can make a session spend, and secrets in `Debug`.

use super::*;

/// A long frame header (flags | LONG, u64be size) and nothing else.
fn header_only(flags: u8, size: u64) -> Vec<u8> {
    let mut h = vec![flags | 0x02];
    h.extend_from_slice(&size.to_be_bytes());
    h
}

/// Feeds `bytes` after the greeting and returns the error plus the input left over.
fn refused(s: &mut Session, bytes: &[u8]) -> (ProtocolError, BytesMut) {
    let mut input = BytesMut::from(bytes);
    let capacity = input.capacity();
    let error = loop {
        match s.decode(&mut input) {
            Ok(Some(_)) => {}
            Ok(None) => panic!("no error; waiting for more input"),
            Err(error) => break error,
        }
    };
    assert_eq!(input.capacity(), capacity, "nothing reserved for the body");
    (error, input)
}

#[test]
fn ready_bomb_refused_from_its_header() {
    // The 64 MiB READY of issue 17: only its 9-byte header is ever looked at.
    let mut s = after_greeting(SocketType::Server);
    let (error, input) = refused(&mut s, &header_only(0x04, 64 << 20));
    assert_eq!(
        error,
        ProtocolError::FrameTooLarge {
            size: 64 << 20,
            max: 6 + 64 * 1024
        }
    );
    assert_eq!(input.len(), 9, "header not even consumed");
    // Even with no max_msg_size (the default) and a data frame instead of a command.
    let mut s = after_greeting(SocketType::Client);
    let (error, _) = refused(&mut s, &header_only(0x00, u64::MAX >> 1));
    assert!(matches!(error, ProtocolError::FrameTooLarge { .. }));
}

#[test]
fn handshake_metadata_bound_is_configurable() {
    let mut cfg = config(SocketType::Server);
    cfg.max_handshake_metadata = 300;
    // 6 + 300 bytes: accepted (a READY with one 294-byte property).
    let mut ok = Session::new(cfg.clone(), Instant::now());
    feed(&mut ok, &null_greeting()).unwrap();
    let mut body = ready_body(&[(b"X-Pad", &[b'p'; 290])]);
    assert_eq!(body.len(), 306);
    let mut frame = header_only(0x04, 306);
    frame.extend_from_slice(&body);
    assert_eq!(feed(&mut ok, &frame).unwrap(), vec![Event::Ready]);
    // One byte more: refused from the header.
    let mut s = Session::new(cfg, Instant::now());
    feed(&mut s, &null_greeting()).unwrap();
    body.push(0);
    let (error, _) = refused(&mut s, &header_only(0x04, 307));
    assert_eq!(
        error,
        ProtocolError::FrameTooLarge {
            size: 307,
            max: 306
        }
    );
}

#[test]
fn after_the_handshake_max_msg_size_rules() {
    let mut cfg = config(SocketType::Server);
    cfg.max_handshake_metadata = 100;
    let mut s = ready_session_with(cfg, "CLIENT");
    // Unlimited by default: a 1 MiB message header is accepted, and only a window reserved.
    let mut input = BytesMut::from(&header_only(0x00, 1 << 20)[..]);
    assert_eq!(s.decode(&mut input), Ok(None));
    assert!(input.capacity() <= 2 * RESERVE_AHEAD);
}

#[test]
fn error_command_is_bounded() {
    // ERROR = 1 + 5 + 1 + 255 at most.
    let mut s = after_greeting(SocketType::Server);
    let mut body = b"\x05ERROR\xff".to_vec();
    body.extend_from_slice(&[b'e'; 255]);
    let mut frame = header_only(0x04, 262);
    frame.extend_from_slice(&body);
    assert!(matches!(
        feed(&mut s, &frame),
        Err(ProtocolError::PeerError(_))
    ));
    // While waiting for the authentication reply (READY received), only an ERROR fits.
    let mut cfg = config(SocketType::Server);
    cfg.authenticate = true;
    let mut s2 = Session::new(cfg, Instant::now());
    feed(&mut s2, &null_greeting()).unwrap();
    feed(&mut s2, &ready_frame("CLIENT")).unwrap();
    let (error, _) = refused(&mut s2, &header_only(0x04, 263));
    assert_eq!(
        error,
        ProtocolError::FrameTooLarge {
            size: 263,
            max: 262
        }
    );
}

fn plain_server() -> Session {
    let mut cfg = config(SocketType::Server);
    cfg.mechanism = Arc::new(MechanismConfig::PlainServer);
    let mut s = Session::new(cfg, Instant::now());
    feed(&mut s, &greeting(3, 1, b"PLAIN")).unwrap();
    s
}

#[test]
fn oversized_plain_hello_refused_from_its_header() {
    let mut s = plain_server();
    let (error, input) = refused(&mut s, &header_only(0x04, 519));
    assert_eq!(
        error,
        ProtocolError::FrameTooLarge {
            size: 519,
            max: 518
        }
    );
    assert_eq!(input.len(), 9);
    // The largest HELLO fits: its header is accepted and the body awaited.
    let mut s = plain_server();
    let mut input = BytesMut::from(&header_only(0x04, 518)[..]);
    assert_eq!(s.decode(&mut input), Ok(None));
    let mut body = b"\x05HELLO\xff".to_vec();
    body.extend_from_slice(&[b'u'; 255]);
    body.push(255);
    body.extend_from_slice(&[b'p'; 255]);
    input.extend_from_slice(&body);
    assert!(matches!(
        s.decode(&mut input),
        Ok(Some(Event::AuthRequest { .. }))
    ));
}

#[test]
fn plain_initiate_is_bounded_too() {
    let mut s = plain_server();
    let events = feed(&mut s, &command_frame(b"\x05HELLO\x01u\x01p")).unwrap();
    assert_eq!(events.len(), 1);
    s.auth_reply(Ok(()));
    assert_eq!(feed(&mut s, &[]).unwrap(), vec![]);
    let (error, _) = refused(&mut s, &header_only(0x04, 9 + 64 * 1024 + 1));
    assert_eq!(
        error,
        ProtocolError::FrameTooLarge {
            size: 9 + 64 * 1024 + 1,
            max: 9 + 64 * 1024
        }
    );
}

#[test]
fn trickled_handshake_frame_costs_only_what_arrived() {
    // A READY of 60 KiB (allowed) sent one byte at a time: the buffer grows with the bytes
    // that arrived (plus one bounded reserve), never with the declared size.
    let mut s = after_greeting(SocketType::Server);
    let body = ready_body(&[
        (b"Socket-Type", b"CLIENT"),
        (b"X-Pad", &[b'x'; 60 * 1024]),
    ]);
    let mut wire = header_only(0x04, body.len() as u64);
    wire.extend_from_slice(&body);
    let mut input = BytesMut::new();
    let mut events = Vec::new();
    for (i, &b) in wire.iter().enumerate() {
        input.extend_from_slice(&[b]);
        while let Some(e) = s.decode(&mut input).unwrap() {
            events.push(e);
        }
        assert!(
            input.capacity() <= 2 * (i + 1) + 2 * RESERVE_AHEAD,
            "{i}: {}",
            input.capacity()
        );
    }
    assert_eq!(events, vec![Event::Ready]);
}

#[test]
fn late_ready_is_ignored_without_decoding() {
    let mut s = ready_session(SocketType::Server, "CLIENT");
    // Broken metadata (empty names) and a wrong socket type: neither is looked at.
    let mut late =
        command_frame(&[b"\x05READY".as_slice(), &[0u8; 200]].concat());
    late.extend_from_slice(&ready_frame("DEALER"));
    late.extend_from_slice(b"\x00\x02ok");
    assert_eq!(
        feed(&mut s, &late).unwrap(),
        vec![Event::Message {
            data: Bytes::from_static(b"ok"),
            group: None
        }]
    );
    assert_eq!(s.peer().unwrap().socket_type, Some(SocketType::Client));
}

#[test]
fn null_denied_peer_metadata_is_never_parsed() {
    let mut cfg = config(SocketType::Server);
    cfg.authenticate = true;
    let mut broken = null_greeting();
    broken.extend_from_slice(&command_frame(
        &[b"\x05READY".as_slice(), &[0u8; 100]].concat(),
    ));
    // Denied: the auth failure is reported, not the broken metadata.
    let mut s = Session::new(cfg.clone(), Instant::now());
    let events = feed(&mut s, &broken).unwrap();
    assert!(matches!(&events[..], [Event::AuthRequest { .. }]));
    s.auth_reply(Err(400));
    assert_eq!(
        feed(&mut s, &[]),
        Err(ProtocolError::AuthFailed { status: 400 })
    );
    // Allowed: now the metadata is parsed, and fails.
    let mut s = Session::new(cfg, Instant::now());
    feed(&mut s, &broken).unwrap();
    s.auth_reply(Ok(()));
    assert_eq!(
        feed(&mut s, &[]),
        Err(ProtocolError::MalformedMetadata("empty property name"))
    );
}

#[test]
fn debug_never_prints_credentials() {
    let password = b"hunter2-secret";
    let mut cfg = config(SocketType::Client);
    cfg.mechanism = Arc::new(MechanismConfig::PlainClient {
        username: b"admin".to_vec(),
        password: password.to_vec(),
    });
    let text = |s: &str| {
        assert!(!s.contains("hunter2"), "{s}");
        // Neither as bytes printed in decimal or hex.
        assert!(!s.contains("104, 117, 110"), "{s}");
        assert!(!s.contains("68756e74"), "{s}");
    };
    text(&format!("{cfg:?}"));
    // A client that queued its HELLO (the password is in the transmit buffer).
    let mut client = Session::new(cfg, Instant::now());
    feed(&mut client, &greeting(3, 1, b"PLAIN")).unwrap();
    assert!(client.has_transmit());
    text(&format!("{client:?}"));
    text(&format!("{client:#?}"));
    // The server's auth request carries the password; its Debug does not print it.
    let mut server = plain_server();
    let mut hello = b"\x05HELLO\x05admin".to_vec();
    hello.push(password.len() as u8);
    hello.extend_from_slice(password);
    let events = feed(&mut server, &command_frame(&hello)).unwrap();
    let Event::AuthRequest { credentials, .. } = &events[0] else {
        panic!("{events:?}")
    };
    assert_eq!(&credentials[1][..], password);
    text(&format!("{events:?}"));
    text(&format!("{server:?}"));
    // CURVE secret keys.
    let (public, secret) = crate::curve_keypair();
    let secret_hex: String =
        secret.iter().map(|b| format!("{b:02x}")).collect();
    let mut cfg = config(SocketType::Client);
    cfg.mechanism = Arc::new(MechanismConfig::CurveClient {
        server_public: public,
        public,
        secret,
    });
    let curve = Session::new(cfg.clone(), Instant::now());
    let all = format!("{cfg:?} {curve:?} {curve:#?}");
    assert!(!all.contains(&secret_hex), "{all}");
    assert!(!all.contains(&format!("{secret:?}")), "{all}");
}

#[test]
fn mechanism_config_is_shared_not_copied() {
    let mut cfg = config(SocketType::Server);
    cfg.mechanism = Arc::new(MechanismConfig::CurveServer { secret: [7; 32] });
    let copy = cfg.clone();
    assert!(Arc::ptr_eq(&cfg.mechanism, &copy.mechanism));
    let _a = Session::new(cfg.clone(), Instant::now());
    let _b = Session::new(copy, Instant::now());
    // The sessions keep no reference: only `cfg` holds it now.
    assert_eq!(Arc::strong_count(&cfg.mechanism), 1);
}
