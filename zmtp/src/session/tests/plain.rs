//! PLAIN sessions: handshakes between two sessions and against scripted raw peers (byte
//! vectors from spec §2.3).

use super::*;

fn plain_client(
    socket_type: SocketType,
    username: &[u8],
    password: &[u8],
) -> Session {
    let mut cfg = config(socket_type);
    cfg.mechanism = Arc::new(MechanismConfig::PlainClient {
        username: username.to_vec(),
        password: password.to_vec(),
    });
    Session::new(cfg, Instant::now())
}

fn plain_server(socket_type: SocketType) -> Session {
    let mut cfg = config(socket_type);
    cfg.mechanism = Arc::new(MechanismConfig::PlainServer);
    Session::new(cfg, Instant::now())
}

fn plain_greeting() -> Vec<u8> {
    greeting(3, 1, b"PLAIN")
}

/// Accepts `admin` / `secret` only; other credentials get 400.
fn check_admin(
    mechanism: &'static str,
    credentials: &[Bytes],
) -> Result<(), u16> {
    assert_eq!(mechanism, "PLAIN");
    if credentials == [&b"admin"[..], b"secret"] {
        Ok(())
    } else {
        Err(400)
    }
}

fn admin_request() -> Event {
    Event::AuthRequest {
        mechanism: "PLAIN",
        credentials: vec![
            Bytes::from_static(b"admin"),
            Bytes::from_static(b"secret"),
        ],
    }
}

const HELLO: &[u8] = b"\x04\x13\x05HELLO\x05admin\x06secret";
const WELCOME: &[u8] = b"\x04\x08\x07WELCOME";

fn initiate_frame(socket_type: &str) -> Vec<u8> {
    let mut body = b"\x08INITIATE\x0bSocket-Type\x00\x00\x00".to_vec();
    body.push(u8::try_from(socket_type.len()).unwrap());
    body.extend_from_slice(socket_type.as_bytes());
    command_frame(&body)
}

fn messages_both_ways(a: &mut Session, b: &mut Session) {
    one_way(a, b);
    one_way(b, a);
}

fn one_way(from: &mut Session, to: &mut Session) {
    {
        let big = vec![0x78u8; 300];
        let mut wire = BytesMut::new();
        from.encode_frame(b"part", true, &mut wire);
        from.encode_frame(b"end", false, &mut wire);
        from.encode_message(&big, None, &mut wire);
        assert_eq!(&wire[..6], b"\x01\x04part");
        assert_eq!(&wire[11..20], &[0x02, 0, 0, 0, 0, 0, 0, 0x01, 0x2c]);
        assert_eq!(
            feed(to, &wire).unwrap(),
            vec![Event::Message {
                data: Bytes::from(big),
                group: None
            }]
        );
        from.send_ping(15);
        let ping = transmit(from);
        assert_eq!(ping, b"\x04\x07\x04PING\x00\x0f");
        assert_eq!(
            feed(to, &ping).unwrap(),
            vec![Event::Ping {
                ttl_deciseconds: 15
            }]
        );
        let pong = transmit(to);
        assert_eq!(pong, b"\x04\x05\x04PONG");
        assert_eq!(feed(from, &pong).unwrap(), vec![Event::Pong]);
    }
}

#[test]
fn handshake_both_orders_all_at_once_and_byte_by_byte() {
    for chunk in [usize::MAX, 1, 7] {
        for (client_type, server_type) in [
            (SocketType::Client, SocketType::Server),
            (SocketType::Server, SocketType::Client),
        ] {
            let mut client = plain_client(client_type, b"admin", b"secret");
            let mut server = plain_server(server_type);
            let (c, s) = drive(
                &mut client,
                &mut server,
                chunk,
                &mut check_admin,
                &mut |_, _| {},
            );
            assert_eq!(c.error, None);
            assert_eq!(s.error, None);
            assert_eq!(c.events, vec![Event::Ready]);
            assert_eq!(s.events, vec![admin_request(), Event::Ready]);
            assert!(client.is_ready() && server.is_ready());
            assert_eq!(client.peer().unwrap().socket_type, Some(server_type));
            assert_eq!(server.peer().unwrap().socket_type, Some(client_type));
            assert!(client.message_header(10, false).is_some());
            messages_both_ways(&mut client, &mut server);
        }
    }
}

#[test]
fn wire_golden_bytes() {
    let mut client = plain_client(SocketType::Client, b"admin", b"secret");
    let greeting_out = transmit(&mut client);
    assert_eq!(greeting_out, plain_greeting());
    assert_eq!(greeting_out[32], 0, "client: as-server 0");
    assert_eq!(feed(&mut client, &plain_greeting()).unwrap(), vec![]);
    assert_eq!(transmit(&mut client), HELLO);
    assert_eq!(feed(&mut client, WELCOME).unwrap(), vec![]);
    assert_eq!(transmit(&mut client), initiate_frame("CLIENT"));
    assert_eq!(&initiate_frame("CLIENT")[..2], &[0x04, 0x1f]);
    assert_eq!(
        feed(&mut client, &ready_frame("SERVER")).unwrap(),
        vec![Event::Ready]
    );

    let mut server = plain_server(SocketType::Server);
    let greeting_out = transmit(&mut server);
    assert_eq!(&greeting_out[12..17], b"PLAIN");
    assert_eq!(greeting_out[32], 1, "server: as-server 1");
    let mut input = plain_greeting();
    input.extend_from_slice(HELLO);
    assert_eq!(feed(&mut server, &input).unwrap(), vec![admin_request()]);
    assert!(!server.has_transmit());
    server.auth_reply(Ok(()));
    assert_eq!(transmit(&mut server), WELCOME);
    assert_eq!(server.decode(&mut BytesMut::new()), Ok(None));
    assert_eq!(
        feed(&mut server, &initiate_frame("CLIENT")).unwrap(),
        vec![Event::Ready]
    );
    assert_eq!(transmit(&mut server), ready_frame("SERVER"));
}

#[test]
fn server_always_authenticates() {
    // `authenticate` is a NULL setting: a PLAIN server asks even when it is false.
    for authenticate in [false, true] {
        let mut cfg = config(SocketType::Server);
        cfg.mechanism = Arc::new(MechanismConfig::PlainServer);
        cfg.authenticate = authenticate;
        let mut server = Session::new(cfg, Instant::now());
        let mut input = plain_greeting();
        input.extend_from_slice(HELLO);
        assert_eq!(feed(&mut server, &input).unwrap(), vec![admin_request()]);
    }
}

#[test]
fn wrong_credentials() {
    let mut client = plain_client(SocketType::Client, b"admin", b"wrong");
    let mut server = plain_server(SocketType::Server);
    let (c, s) = drive(
        &mut client,
        &mut server,
        usize::MAX,
        &mut check_admin,
        &mut |_, _| {},
    );
    assert_eq!(s.error, Some(ProtocolError::AuthFailed { status: 400 }));
    assert_eq!(c.error, Some(ProtocolError::PeerError("400".into())));
    assert!(!client.is_ready() && !server.is_ready());

    // The ERROR on the wire.
    let mut server = plain_server(SocketType::Server);
    let mut input = plain_greeting();
    input.extend_from_slice(b"\x04\x12\x05HELLO\x05admin\x05wrong");
    let _ = transmit(&mut server);
    assert_eq!(feed(&mut server, &input).unwrap().len(), 1);
    server.auth_reply(Err(400));
    assert_eq!(transmit(&mut server), b"\x04\x0a\x05ERROR\x03400");
    assert_eq!(
        server.decode(&mut BytesMut::new()),
        Err(ProtocolError::AuthFailed { status: 400 })
    );
}

#[test]
fn temporary_failure_sends_nothing() {
    let mut server = plain_server(SocketType::Server);
    let mut input = plain_greeting();
    input.extend_from_slice(HELLO);
    let _ = transmit(&mut server);
    feed(&mut server, &input).unwrap();
    server.auth_reply(Err(300));
    assert!(!server.has_transmit());
    assert_eq!(
        server.decode(&mut BytesMut::new()),
        Err(ProtocolError::AuthFailed { status: 300 })
    );
}

/// A PLAIN client that sent HELLO to a raw peer.
fn client_after_hello() -> Session {
    let mut client = plain_client(SocketType::Client, b"admin", b"secret");
    assert_eq!(feed(&mut client, &plain_greeting()).unwrap(), vec![]);
    let _ = transmit(&mut client);
    client
}

#[test]
fn libzmq_broken_error_is_recognised() {
    // libzmq's PLAIN server: "\x05ERROR" compiled as 5e 'R' 'R' 'O' 'R'.
    let libzmq = [
        0x04, 0x09, 0x5e, 0x52, 0x52, 0x4f, 0x52, 0x03, 0x34, 0x30, 0x30,
    ];
    let mut client = client_after_hello();
    assert_eq!(
        feed(&mut client, &libzmq),
        Err(ProtocolError::PeerError("400".into()))
    );
    // Also while waiting for READY.
    let mut client = client_after_hello();
    feed(&mut client, WELCOME).unwrap();
    assert_eq!(
        feed(&mut client, b"\x04\x09\x5eRROR\x03500"),
        Err(ProtocolError::PeerError("500".into()))
    );
    // The correct form as well.
    let mut client = client_after_hello();
    assert_eq!(
        feed(&mut client, b"\x04\x0a\x05ERROR\x03400"),
        Err(ProtocolError::PeerError("400".into()))
    );
    // A truncated broken ERROR is still fatal.
    let mut client = client_after_hello();
    assert!(matches!(
        feed(&mut client, b"\x04\x07\x5eRROR\x05a"),
        Err(ProtocolError::MalformedCommand(_))
    ));
}

#[test]
fn client_rejects_bad_server_commands() {
    let cases: [(&[u8], ProtocolError); 5] = [
        (
            b"\x04\x09\x07WELCOMEx",
            ProtocolError::MalformedCommand("PLAIN WELCOME with trailing data"),
        ),
        (
            &ready_frame("SERVER"),
            ProtocolError::UnexpectedCommand("READY".into()),
        ),
        (HELLO, ProtocolError::UnexpectedCommand("HELLO".into())),
        (b"\x00\x05hello", ProtocolError::DataBeforeReady),
        (
            b"\x04\x01\x09",
            ProtocolError::MalformedCommand(
                "command name longer than the frame",
            ),
        ),
    ];
    for (input, error) in cases {
        let mut client = client_after_hello();
        assert_eq!(feed(&mut client, input), Err(error), "{input:?}");
    }
    // A second WELCOME, and a READY from an incompatible socket type.
    let mut client = client_after_hello();
    feed(&mut client, WELCOME).unwrap();
    assert_eq!(
        feed(&mut client, WELCOME),
        Err(ProtocolError::UnexpectedCommand("WELCOME".into()))
    );
    let mut client = client_after_hello();
    feed(&mut client, WELCOME).unwrap();
    assert!(matches!(
        feed(&mut client, &ready_frame("DEALER")),
        Err(ProtocolError::IncompatibleSocketType { .. })
    ));
    // WELCOME sent as a data frame is accepted (libzmq ignores the flag in handshakes).
    let mut client = client_after_hello();
    assert_eq!(feed(&mut client, b"\x00\x08\x07WELCOME").unwrap(), vec![]);
    assert_eq!(transmit(&mut client), initiate_frame("CLIENT"));
}

#[test]
fn server_rejects_bad_client_commands() {
    let cases: [(&[u8], ProtocolError); 6] = [
        (
            b"\x04\x13\x05HELLO\x05admin\x07secret",
            ProtocolError::MalformedCommand(
                "PLAIN HELLO password longer than the frame",
            ),
        ),
        (
            b"\x04\x14\x05HELLO\x05admin\x06secretX",
            ProtocolError::MalformedCommand("PLAIN HELLO with trailing data"),
        ),
        (
            &initiate_frame("CLIENT"),
            ProtocolError::UnexpectedCommand("INITIATE".into()),
        ),
        (
            &ready_frame("CLIENT"),
            ProtocolError::UnexpectedCommand("READY".into()),
        ),
        (b"\x00\x05hello", ProtocolError::DataBeforeReady),
        (
            b"\x04\x0a\x05ERROR\x03400",
            ProtocolError::PeerError("400".into()),
        ),
    ];
    for (input, error) in cases {
        let mut server = plain_server(SocketType::Server);
        feed(&mut server, &plain_greeting()).unwrap();
        assert_eq!(feed(&mut server, input), Err(error), "{input:?}");
        assert!(!server.has_transmit() || transmit(&mut server).len() == 64);
    }
    // INITIATE while the authenticator has not answered yet.
    let mut server = plain_server(SocketType::Server);
    let mut input = plain_greeting();
    input.extend_from_slice(HELLO);
    feed(&mut server, &input).unwrap();
    assert_eq!(
        feed(&mut server, &initiate_frame("CLIENT")),
        Err(ProtocolError::UnexpectedCommand("INITIATE".into()))
    );
    // INITIATE from an incompatible socket type: no READY is sent.
    let mut server = plain_server(SocketType::Server);
    feed(&mut server, &input).unwrap();
    server.auth_reply(Ok(()));
    let _ = transmit(&mut server);
    assert!(matches!(
        feed(&mut server, &initiate_frame("DEALER")),
        Err(ProtocolError::IncompatibleSocketType { .. })
    ));
    assert!(!server.has_transmit());
}

#[test]
fn credentials_sizes() {
    for (user, pass) in [(vec![], vec![]), (vec![b'u'; 255], vec![b'p'; 255])] {
        let mut client = plain_client(SocketType::Client, &user, &pass);
        let mut server = plain_server(SocketType::Server);
        let (c, s) = drive(
            &mut client,
            &mut server,
            usize::MAX,
            &mut |_, creds| {
                assert_eq!(creds, [&user[..], &pass[..]]);
                Ok(())
            },
            &mut |_, _| {},
        );
        assert_eq!((c.error, s.error), (None, None));
        assert!(client.is_ready() && server.is_ready());
    }
    let mut client = plain_client(SocketType::Client, &[b'u'; 256], b"");
    assert_eq!(transmit(&mut client), plain_greeting());
    assert_eq!(
        feed(&mut client, &plain_greeting()),
        Err(ProtocolError::InvalidConfig(
            "PLAIN user name longer than 255 bytes"
        ))
    );
    assert!(!client.has_transmit());
}

#[test]
fn two_servers_stall_two_clients_fail() {
    let mut a = plain_server(SocketType::Client);
    let mut b = plain_server(SocketType::Server);
    let (sa, sb) =
        drive(&mut a, &mut b, usize::MAX, &mut check_admin, &mut |_, _| {});
    assert_eq!((sa.error, sb.error), (None, None));
    assert!(sa.events.is_empty() && sb.events.is_empty());
    assert!(!a.is_ready() && !b.is_ready());

    let mut a = plain_client(SocketType::Client, b"admin", b"secret");
    let mut b = plain_client(SocketType::Server, b"admin", b"secret");
    let (sa, sb) =
        drive(&mut a, &mut b, usize::MAX, &mut check_admin, &mut |_, _| {});
    assert_eq!(
        sa.error,
        Some(ProtocolError::UnexpectedCommand("HELLO".into()))
    );
    assert_eq!(
        sb.error,
        Some(ProtocolError::UnexpectedCommand("HELLO".into()))
    );
}

#[test]
fn mechanism_mismatch_with_null() {
    let mut a = plain_client(SocketType::Client, b"admin", b"secret");
    let mut b = Session::new(config(SocketType::Server), Instant::now());
    let (sa, sb) =
        drive(&mut a, &mut b, usize::MAX, &mut check_admin, &mut |_, _| {});
    assert_eq!(
        sa.error,
        Some(ProtocolError::MechanismMismatch {
            ours: "PLAIN".into(),
            peer: "NULL".into()
        })
    );
    assert_eq!(
        sb.error,
        Some(ProtocolError::MechanismMismatch {
            ours: "NULL".into(),
            peer: "PLAIN".into()
        })
    );
}
