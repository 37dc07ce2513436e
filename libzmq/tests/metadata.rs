//! Peer metadata on received messages: address, user id (PLAIN user name,
//! CURVE key), socket type and `READY` properties, over TCP and IPC.

mod common;

use common::*;
use libzmq::{addr::Endpoint, auth::*, prelude::*, *};

fn server_on(ctx: &Ctx, transport: &str, mechanism: Mechanism) -> Server {
    ServerBuilder::new()
        .mechanism(mechanism)
        .bind(endpoint(transport))
        .recv_timeout(TIMEOUT)
        .send_timeout(TIMEOUT)
        .with_ctx(ctx.handle())
        .unwrap()
}

fn client(ctx: &Ctx, endpoint: &Endpoint, mechanism: Mechanism) -> Client {
    ClientBuilder::new()
        .mechanism(mechanism)
        .connect(endpoint)
        .recv_timeout(TIMEOUT)
        .send_timeout(TIMEOUT)
        .with_ctx(ctx.handle())
        .unwrap()
}

/// `client` sends `text`; the server receives it.
fn request(client: &Client, server: &Server, text: &str) -> Msg {
    client.send(text).unwrap();
    let msg = server.recv_msg().unwrap();
    assert_eq!(msg.to_str(), Ok(text));
    msg
}

#[test]
fn null_over_tcp_has_address_and_socket_type_but_no_user() {
    let ctx = ctx();
    let server = server_on(&ctx, "tcp", Mechanism::Null);
    let client =
        client(&ctx, &server.last_endpoint().unwrap(), Mechanism::Null);
    let msg = request(&client, &server, "hi");
    assert_eq!(msg.peer_address(), Some("127.0.0.1"));
    assert_eq!(msg.property("Peer-Address"), Some(&b"127.0.0.1"[..]));
    assert_eq!(msg.peer_socket_type(), Some("CLIENT"));
    assert_eq!(msg.property("socket-type"), Some(&b"CLIENT"[..]));
    assert_eq!(msg.user_id(), None);
    let info = msg.peer_info().unwrap();
    assert_eq!(info.mechanism(), "NULL");
    assert_eq!(info.addr().unwrap().ip().to_string(), "127.0.0.1");
    assert!(info.routing_id().is_none());
    // The reply carries the server's description to the client.
    server.route("ok", msg.routing_id().unwrap()).unwrap();
    let reply = client.recv_msg().unwrap();
    assert_eq!(reply.peer_socket_type(), Some("SERVER"));
    // A message built locally, or sent, has none.
    assert!(Msg::from("local").peer_info().is_none());
}

#[test]
fn ipc_has_no_peer_address() {
    let ctx = ctx();
    let server = server_on(&ctx, "ipc", Mechanism::Null);
    let client =
        client(&ctx, &server.last_endpoint().unwrap(), Mechanism::Null);
    let msg = request(&client, &server, "hi");
    assert_eq!(msg.peer_address(), None);
    assert_eq!(msg.peer_socket_type(), Some("CLIENT"));
}

#[test]
fn inproc_messages_have_no_peer_info() {
    let ctx = ctx();
    let server = server_on(&ctx, "inproc", Mechanism::Null);
    let client =
        client(&ctx, &server.last_endpoint().unwrap(), Mechanism::Null);
    assert!(request(&client, &server, "hi").peer_info().is_none());
}

#[test]
fn plain_user_name_is_the_user_id() {
    for transport in ["tcp", "ipc"] {
        let ctx = ctx();
        let alice = PlainClientCreds::new("alice", "a-pass");
        let bob = PlainClientCreds::new("bob", "b-pass");
        let _auth = AuthBuilder::new()
            .plain_registry(&alice)
            .plain_registry(&bob)
            .with_ctx(ctx.handle())
            .unwrap();
        let server = server_on(&ctx, transport, Mechanism::PlainServer);
        let endpoint = server.last_endpoint().unwrap();
        let a = client(&ctx, &endpoint, alice.into());
        let b = client(&ctx, &endpoint, bob.into());
        let from_a = request(&a, &server, "from a");
        let from_b = request(&b, &server, "from b");
        assert_eq!(from_a.user_id(), Some("alice"));
        assert_eq!(from_a.property("User-Id"), Some(&b"alice"[..]));
        assert_eq!(from_b.user_id(), Some("bob"));
        assert_eq!(from_a.peer_info().unwrap().mechanism(), "PLAIN");
        // The PLAIN client authenticated nobody.
        server.route("ok", from_a.routing_id().unwrap()).unwrap();
        assert_eq!(a.recv_msg().unwrap().user_id(), None);
    }
}

#[test]
fn server_tells_curve_clients_apart_by_key() {
    for transport in ["tcp", "ipc"] {
        let ctx = ctx();
        let server_cert = CurveCert::new_unique();
        let first = CurveCert::new_unique();
        let second = CurveCert::new_unique();
        let _auth = AuthBuilder::new()
            .curve_registry(vec![
                first.public().clone(),
                second.public().clone(),
            ])
            .with_ctx(ctx.handle())
            .unwrap();
        let server = server_on(
            &ctx,
            transport,
            CurveServerCreds::new(server_cert.secret()).into(),
        );
        let endpoint = server.last_endpoint().unwrap();
        let creds = |cert: &CurveCert| {
            CurveClientCreds::new(server_cert.public())
                .add_cert(cert.clone())
                .into()
        };
        let one = client(&ctx, &endpoint, creds(&first));
        let two = client(&ctx, &endpoint, creds(&second));
        for round in 0..3 {
            let (sender, cert) = if round % 2 == 0 {
                (&two, &second)
            } else {
                (&one, &first)
            };
            let msg = request(sender, &server, "who am i");
            assert_eq!(msg.user_id(), Some(cert.public().as_str()));
            assert_eq!(msg.peer_info().unwrap().mechanism(), "CURVE");
            // Answer the key, routed back to the same client.
            server
                .route(msg.user_id().unwrap(), msg.routing_id().unwrap())
                .unwrap();
            let reply = sender.recv_msg().unwrap();
            assert_eq!(reply.to_str(), Ok(cert.public().as_str()));
            // The client's user id of the server is the key it trusted.
            assert_eq!(reply.user_id(), Some(server_cert.public().as_str()));
        }
    }
}

#[test]
fn curve_without_curve_auth_still_names_the_key() {
    let ctx = ctx();
    let server_cert = CurveCert::new_unique();
    let client_cert = CurveCert::new_unique();
    let _auth = AuthBuilder::new()
        .no_curve_auth()
        .with_ctx(ctx.handle())
        .unwrap();
    let server = server_on(
        &ctx,
        "tcp",
        CurveServerCreds::new(server_cert.secret()).into(),
    );
    let creds = CurveClientCreds::new(server_cert.public())
        .add_cert(client_cert.clone());
    let client = client(&ctx, &server.last_endpoint().unwrap(), creds.into());
    let msg = request(&client, &server, "hi");
    assert_eq!(msg.user_id(), Some(client_cert.public().as_str()));
}

#[test]
fn router_sees_the_dealer_routing_id_and_type() {
    for transport in ["tcp", "ipc"] {
        let ctx = ctx();
        let router = RouterBuilder::new()
            .bind(endpoint(transport))
            .recv_timeout(TIMEOUT)
            .with_ctx(ctx.handle())
            .unwrap();
        let dealer = DealerBuilder::new()
            .send_timeout(TIMEOUT)
            .with_ctx(ctx.handle())
            .unwrap();
        dealer.set_routing_id(Some("worker-1")).unwrap();
        dealer.connect(router.last_endpoint().unwrap()).unwrap();
        dealer.send_multipart(["", "job"]).unwrap();
        let frames = router.recv_multipart().unwrap();
        assert_eq!(frames[0].as_bytes(), b"worker-1");
        // The frames the peer sent (not the routing id the ROUTER added).
        for frame in &frames[1..] {
            let info = frame.peer_info().expect("the frame knows its peer");
            assert_eq!(info.routing_id().unwrap(), &b"worker-1"[..]);
            assert_eq!(info.socket_type(), Some("DEALER"));
            assert_eq!(frame.property("Identity"), Some(&b"worker-1"[..]));
        }
    }
}

#[test]
fn a_forwarded_message_does_not_keep_the_first_sender() {
    let ctx = ctx();
    let server = server_on(&ctx, "tcp", Mechanism::Null);
    let client =
        client(&ctx, &server.last_endpoint().unwrap(), Mechanism::Null);
    let msg = request(&client, &server, "pass it on");
    assert_eq!(msg.peer_socket_type(), Some("CLIENT"));
    // Over inproc, the message itself moves to the other socket.
    let pull = PullBuilder::new()
        .bind(endpoint("inproc"))
        .recv_timeout(TIMEOUT)
        .with_ctx(ctx.handle())
        .unwrap();
    let push = PushBuilder::new()
        .connect(pull.last_endpoint().unwrap())
        .with_ctx(ctx.handle())
        .unwrap();
    push.send(msg).unwrap();
    let forwarded = pull.recv_msg().unwrap();
    assert_eq!(forwarded.to_str(), Ok("pass it on"));
    assert!(forwarded.peer_info().is_none());
}
