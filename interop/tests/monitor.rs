//! Our monitor events and message metadata when the peer is the real C
//! libzmq 4.3.5:
//!
//! * a libzmq CURVE CLIENT on our Server: accepted, handshake succeeded with
//!   the client's key as user id, the same key on its messages, disconnected
//!   when it closes; one with the wrong server key: handshake failed;
//! * a libzmq PLAIN CLIENT with a wrong password: denied with status 400;
//! * our Client on a libzmq SERVER: connected, handshake succeeded (peer
//!   type SERVER), and when the SERVER closes, disconnected and retried.

mod common;

use common::*;
use libzmq::auth::*;
use libzmq::monitor::{
    DisconnectReason, Event, EventKind, HandshakeFailure, Monitor,
};

/// Reads events until one satisfies `wanted`; panics with what was seen.
fn expect(monitor: &Monitor, wanted: impl Fn(&EventKind) -> bool) -> Event {
    let deadline = std::time::Instant::now() + TIMEOUT;
    let mut seen = Vec::new();
    while let Some(left) =
        deadline.checked_duration_since(std::time::Instant::now())
    {
        match monitor.recv_timeout(left) {
            Some(event) if wanted(&event.kind) => return event,
            Some(event) => seen.push(event.to_string()),
            None => break,
        }
    }
    panic!("event not seen; got {seen:#?}");
}

fn lz_curve_client(
    lz_ctx: &lz::Ctx,
    server_public: &str,
    cert: &CurveCert,
) -> LzSocket {
    let client = lz_socket(lz_ctx, lz::CLIENT);
    client.set_curve_serverkey(server_public).unwrap();
    client.set_curve_publickey(cert.public().as_str()).unwrap();
    client.set_curve_secretkey(cert.secret().as_str()).unwrap();
    client
}

#[test]
fn lz_curve_client_as_our_server_sees_it() {
    let ctx = Ctx::new();
    let lz_ctx = lz::Ctx::new();
    let server_cert = CurveCert::new_unique();
    let client_cert = CurveCert::new_unique();
    let _auth = AuthBuilder::new()
        .curve_registry(client_cert.public())
        .with_ctx(ctx.handle())
        .unwrap();
    let server = rs_server(&ctx);
    server
        .set_mechanism(CurveServerCreds::new(server_cert.secret()))
        .unwrap();
    let events = server.monitor();
    let endpoint = rs_bind(&server);
    expect(&events, |k| matches!(k, EventKind::Listening));

    let client =
        lz_curve_client(&lz_ctx, server_cert.public().as_str(), &client_cert);
    client.connect(&endpoint).unwrap();
    let accepted = expect(&events, |k| matches!(k, EventKind::Accepted { .. }));
    let EventKind::Accepted { peer } = accepted.kind else {
        unreachable!()
    };
    assert!(peer.unwrap().ip().is_loopback());
    let done = expect(&events, |k| {
        matches!(k, EventKind::HandshakeSucceeded { .. })
    });
    let EventKind::HandshakeSucceeded { peer } = done.kind else {
        unreachable!()
    };
    assert_eq!(peer.mechanism(), "CURVE");
    assert_eq!(peer.socket_type(), Some("CLIENT"));
    assert_eq!(peer.user_id(), Some(client_cert.public().as_str()));

    client.send(b"from C").unwrap();
    let msg = server.recv_msg().unwrap();
    assert_eq!(msg.user_id(), Some(client_cert.public().as_str()));
    assert_eq!(msg.peer_address(), Some("127.0.0.1"));
    assert_eq!(msg.property("Socket-Type"), Some(&b"CLIENT"[..]));
    assert_eq!(server.counters().connected_peers, 1);

    // The wrong server key: our side cannot open the C client's HELLO.
    let stranger = lz_curve_client(
        &lz_ctx,
        CurveCert::new_unique().public().as_str(),
        &client_cert,
    );
    stranger.connect(&endpoint).unwrap();
    let failed =
        expect(&events, |k| matches!(k, EventKind::HandshakeFailed { .. }));
    assert!(
        matches!(
            &failed.kind,
            EventKind::HandshakeFailed {
                reason: HandshakeFailure::Protocol(why)
            } if why.contains("CURVE")
        ),
        "{failed}"
    );

    drop(client);
    let gone = expect(&events, |k| matches!(k, EventKind::Disconnected { .. }));
    assert!(
        matches!(
            gone.kind,
            EventKind::Disconnected {
                reason: DisconnectReason::PeerClosed
            }
        ),
        "{gone}"
    );
}

#[test]
fn lz_plain_client_with_a_wrong_password_is_denied() {
    let ctx = Ctx::new();
    let lz_ctx = lz::Ctx::new();
    let _auth = AuthBuilder::new()
        .plain_registry(PlainClientCreds::new("admin", "secret"))
        .with_ctx(ctx.handle())
        .unwrap();
    let server = rs_server(&ctx);
    server.set_mechanism(Mechanism::PlainServer).unwrap();
    let events = server.monitor();
    let endpoint = rs_bind(&server);
    let client = lz_socket(&lz_ctx, lz::CLIENT);
    client.set_plain_username("admin").unwrap();
    client.set_plain_password("guess").unwrap();
    client.connect(&endpoint).unwrap();
    let failed =
        expect(&events, |k| matches!(k, EventKind::HandshakeFailed { .. }));
    assert!(
        matches!(
            failed.kind,
            EventKind::HandshakeFailed {
                reason: HandshakeFailure::AuthDenied { status: 400 }
            }
        ),
        "{failed}"
    );
}

#[test]
fn our_client_on_a_lz_server() {
    let ctx = Ctx::new();
    let lz_ctx = lz::Ctx::new();
    let server = lz_socket(&lz_ctx, lz::SERVER);
    let endpoint = lz_bind(&server);
    let client = ClientBuilder::new()
        .reconnect_interval(std::time::Duration::from_millis(50))
        .send_timeout(TIMEOUT)
        .with_ctx(ctx.handle())
        .unwrap();
    let events = client.monitor();
    client.connect(&endpoint).unwrap();
    let connected =
        expect(&events, |k| matches!(k, EventKind::Connected { .. }));
    assert_eq!(connected.endpoint, endpoint);
    let done = expect(&events, |k| {
        matches!(k, EventKind::HandshakeSucceeded { .. })
    });
    let EventKind::HandshakeSucceeded { peer } = done.kind else {
        unreachable!()
    };
    assert_eq!(peer.socket_type(), Some("SERVER"));
    assert_eq!(peer.mechanism(), "NULL");
    assert_eq!(client.counters().connected_peers, 1);

    // Once the SERVER has read a message, it has read everything we sent
    // (our READY included): closed with unread bytes, its kernel would
    // reset the connection instead of closing it.
    client.send("bye").unwrap();
    assert_eq!(server.recv().unwrap().data, b"bye");
    drop(server);
    let gone = expect(&events, |k| matches!(k, EventKind::Disconnected { .. }));
    assert!(
        matches!(
            gone.kind,
            EventKind::Disconnected {
                reason: DisconnectReason::PeerClosed
            }
        ),
        "{gone}"
    );
    let retried =
        expect(&events, |k| matches!(k, EventKind::ConnectRetried { .. }));
    assert_eq!(retried.endpoint, endpoint);
    assert_eq!(client.counters().connected_peers, 0);
}
