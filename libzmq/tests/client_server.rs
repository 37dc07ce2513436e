//! Client/Server over inproc and TCP: request/reply, routing ids, fan-in and
//! round-robin, high water marks, timeouts, shutdown.

mod common;

use common::*;
use libzmq::{addr::Endpoint, prelude::*, *};
use std::time::{Duration, Instant};

fn bounce(client: &Client, server: &Server) {
    client.send("ping").unwrap();
    let request = server.recv_msg().unwrap();
    assert_eq!(request.to_str(), Ok("ping"));
    let id = request.routing_id().expect("server stamps a routing id");
    server.route("pong", id).unwrap();
    let reply = client.recv_msg().unwrap();
    assert_eq!(reply.to_str(), Ok("pong"));
    assert_eq!(reply.routing_id(), None);
}

#[test]
fn request_reply_over_inproc() {
    let ctx = ctx();
    let endpoint = inproc();
    let server = ServerBuilder::new()
        .bind(&endpoint)
        .recv_timeout(TIMEOUT)
        .with_ctx(ctx.handle())
        .unwrap();
    let client = client_to(&ctx, &endpoint);
    bounce(&client, &server);
}

#[test]
fn request_reply_over_tcp() {
    let ctx = ctx();
    let (server, endpoint) = tcp_server(&ctx);
    let client = client_to(&ctx, &endpoint);
    bounce(&client, &server);
    bounce(&client, &server);
}

#[test]
fn last_endpoint_reports_the_real_port() {
    let ctx = ctx();
    let (_server, endpoint) = tcp_server(&ctx);
    match endpoint {
        Endpoint::Tcp(addr) => {
            assert!(addr.host().port().is_specified());
            assert_eq!(addr.to_string().split(':').next(), Some("127.0.0.1"));
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn connect_before_bind_over_inproc() {
    let ctx = ctx();
    let endpoint = inproc();
    let client = client_to(&ctx, &endpoint);
    client.send("early").unwrap();
    let server = ServerBuilder::new()
        .bind(&endpoint)
        .recv_timeout(TIMEOUT)
        .with_ctx(ctx.handle())
        .unwrap();
    let msg = server.recv_msg().unwrap();
    assert_eq!(msg.to_str(), Ok("early"));
    server.route("late", msg.routing_id().unwrap()).unwrap();
    assert_eq!(client.recv_msg().unwrap().to_str(), Ok("late"));
}

#[test]
fn connect_before_bind_over_tcp() {
    let ctx = ctx();
    // Find a free port, then release it so nothing listens there.
    let addr = free_port();
    let client = client_to(&ctx, &addr.clone().into());
    for text in ["foobar", "baz", "buzz"] {
        client.try_send(text).unwrap();
    }
    let server = ServerBuilder::new()
        .bind(addr)
        .recv_timeout(TIMEOUT)
        .with_ctx(ctx.handle())
        .unwrap();
    for text in ["foobar", "baz", "buzz"] {
        assert_eq!(server.recv_msg().unwrap().to_str(), Ok(text));
    }
}

#[test]
fn several_clients_get_their_own_replies() {
    let ctx = ctx();
    let (server, endpoint) = tcp_server(&ctx);
    let clients: Vec<Client> =
        (0..5).map(|_| client_to(&ctx, &endpoint)).collect();
    for (i, client) in clients.iter().enumerate() {
        client.send(format!("{i}")).unwrap();
    }
    for _ in 0..clients.len() {
        let msg = server.recv_msg().unwrap();
        let reply = format!("reply to {}", msg.to_str().unwrap());
        server.route(reply, msg.routing_id().unwrap()).unwrap();
    }
    for (i, client) in clients.iter().enumerate() {
        assert_eq!(
            client.recv_msg().unwrap().to_str().unwrap(),
            format!("reply to {i}")
        );
    }
}

#[test]
fn one_client_round_robins_over_servers() {
    let ctx = ctx();
    let (a, endpoint_a) = {
        let e = inproc();
        (
            ServerBuilder::new()
                .bind(&e)
                .recv_timeout(TIMEOUT)
                .with_ctx(ctx.handle())
                .unwrap(),
            e,
        )
    };
    let (b, endpoint_b) = {
        let e = inproc();
        (
            ServerBuilder::new()
                .bind(&e)
                .recv_timeout(TIMEOUT)
                .with_ctx(ctx.handle())
                .unwrap(),
            e,
        )
    };
    let client = ClientBuilder::new()
        .connect([endpoint_a, endpoint_b])
        .with_ctx(ctx.handle())
        .unwrap();
    for i in 0..4 {
        client.send(format!("m{i}")).unwrap();
    }
    assert_eq!(a.recv_msg().unwrap().to_str(), Ok("m0"));
    assert_eq!(a.recv_msg().unwrap().to_str(), Ok("m2"));
    assert_eq!(b.recv_msg().unwrap().to_str(), Ok("m1"));
    assert_eq!(b.recv_msg().unwrap().to_str(), Ok("m3"));
}

#[test]
fn one_client_round_robins_over_tcp_servers() {
    let ctx = ctx();
    let (a, endpoint_a) = tcp_server(&ctx);
    let (b, endpoint_b) = tcp_server(&ctx);
    let client = ClientBuilder::new()
        .connect([endpoint_a, endpoint_b])
        .with_ctx(ctx.handle())
        .unwrap();
    for i in 0..4 {
        client.send(format!("m{i}")).unwrap();
    }
    let from_a: Vec<String> = (0..2)
        .map(|_| a.recv_msg().unwrap().to_str().unwrap().to_owned())
        .collect();
    let from_b: Vec<String> = (0..2)
        .map(|_| b.recv_msg().unwrap().to_str().unwrap().to_owned())
        .collect();
    assert_eq!(from_a, ["m0", "m2"]);
    assert_eq!(from_b, ["m1", "m3"]);
}

#[test]
fn server_fair_queues_clients() {
    let ctx = ctx();
    let endpoint = inproc();
    let server = ServerBuilder::new()
        .bind(&endpoint)
        .recv_timeout(TIMEOUT)
        .with_ctx(ctx.handle())
        .unwrap();
    let a = client_to(&ctx, &endpoint);
    let b = client_to(&ctx, &endpoint);
    for i in 0..3 {
        a.send(format!("a{i}")).unwrap();
        b.send(format!("b{i}")).unwrap();
    }
    let got: Vec<String> = (0..6)
        .map(|_| server.recv_msg().unwrap().to_str().unwrap().to_owned())
        .collect();
    assert_ne!(
        got[0].as_bytes()[0],
        got[1].as_bytes()[0],
        "first two come from different clients"
    );
    let a_order: Vec<&String> =
        got.iter().filter(|s| s.starts_with('a')).collect();
    assert_eq!(a_order, ["a0", "a1", "a2"]);
}

#[test]
fn mute_client_would_block_and_hands_message_back() {
    let ctx = ctx();
    let client = Client::with_ctx(ctx.handle()).unwrap();
    let mut err = client.try_send("msg").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::WouldBlock);
    assert_eq!(err.take().unwrap().to_str(), Ok("msg"));

    client
        .set_send_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let start = Instant::now();
    let err = client.send("msg").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::WouldBlock);
    assert!(start.elapsed() >= Duration::from_millis(190));
}

#[test]
fn client_queues_up_to_hwm_for_an_endpoint_not_up() {
    let ctx = ctx();
    let addr = free_port();
    let client = ClientBuilder::new()
        .connect(addr.clone())
        .send_hwm(1000)
        .with_ctx(ctx.handle())
        .unwrap();
    for i in 0..1000u32 {
        client.try_send(i.to_be_bytes().to_vec()).unwrap();
    }
    let mut err = client.try_send("one too many").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::WouldBlock);
    assert_eq!(err.take().unwrap().to_str(), Ok("one too many"));
    let server = ServerBuilder::new()
        .bind(addr)
        .recv_timeout(TIMEOUT)
        .with_ctx(ctx.handle())
        .unwrap();
    for i in 0..1000u32 {
        assert_eq!(server.recv_msg().unwrap().as_bytes(), i.to_be_bytes());
    }
}

#[test]
fn server_per_peer_hwm_over_inproc() {
    let ctx = ctx();
    let endpoint = inproc();
    let server = ServerBuilder::new()
        .bind(&endpoint)
        .send_hwm(1)
        .recv_timeout(TIMEOUT)
        .with_ctx(ctx.handle())
        .unwrap();
    let client = ClientBuilder::new()
        .connect(&endpoint)
        .recv_hwm(1)
        .with_ctx(ctx.handle())
        .unwrap();
    client.send("hi").unwrap();
    let id = server.recv_msg().unwrap().routing_id().unwrap();
    server.try_route("1", id).unwrap();
    server.try_route("2", id).unwrap();
    let mut err = server.try_route("3", id).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::WouldBlock);
    assert_eq!(err.take().unwrap().to_str(), Ok("3"));

    server
        .set_send_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let start = Instant::now();
    assert_eq!(
        server.route("3", id).unwrap_err().kind(),
        ErrorKind::WouldBlock
    );
    assert!(start.elapsed() >= Duration::from_millis(190));
    assert_eq!(client.try_recv_msg().unwrap().to_str(), Ok("1"));
    assert_eq!(client.try_recv_msg().unwrap().to_str(), Ok("2"));
    assert_eq!(
        client.try_recv_msg().unwrap_err().kind(),
        ErrorKind::WouldBlock
    );
}

#[test]
fn hwm_zero_means_no_limit() {
    let ctx = ctx();
    let endpoint = inproc();
    let server = ServerBuilder::new()
        .bind(&endpoint)
        .recv_hwm(0)
        .recv_timeout(TIMEOUT)
        .with_ctx(ctx.handle())
        .unwrap();
    let client = ClientBuilder::new()
        .connect(&endpoint)
        .send_hwm(0)
        .with_ctx(ctx.handle())
        .unwrap();
    for _ in 0..10_000 {
        client.try_send("x").unwrap();
    }
    for _ in 0..10_000 {
        server.try_recv_msg().unwrap();
    }
}

#[test]
fn negative_hwm_is_invalid_input() {
    let ctx = ctx();
    let client = Client::with_ctx(ctx.handle()).unwrap();
    assert!(matches!(
        client.set_send_hwm(-1).unwrap_err().kind(),
        ErrorKind::InvalidInput(_)
    ));
    assert!(matches!(
        ClientBuilder::new()
            .recv_hwm(-5)
            .build()
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidInput(_)
    ));
}

#[test]
fn routing_id_errors() {
    let ctx = ctx();
    let endpoint = inproc();
    let server = ServerBuilder::new()
        .bind(&endpoint)
        .recv_timeout(TIMEOUT)
        .with_ctx(ctx.handle())
        .unwrap();
    let client = client_to(&ctx, &endpoint);

    // No peer at all.
    let mut err = server.route("x", RoutingId(1234)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::HostUnreachable);
    assert_eq!(err.take().unwrap().to_str(), Ok("x"));

    client.send("X").unwrap();
    let id = server.recv_msg().unwrap().routing_id().unwrap();
    assert_ne!(id.0, 0);
    // A message without a routing id.
    assert_eq!(
        server.send("no id").unwrap_err().kind(),
        ErrorKind::HostUnreachable
    );
    // An unknown routing id.
    let unknown = RoutingId(id.0.wrapping_add(12345));
    assert_eq!(
        server.route("x", unknown).unwrap_err().kind(),
        ErrorKind::HostUnreachable
    );
    server.route("ok", id).unwrap();
    assert_eq!(client.recv_msg().unwrap().to_str(), Ok("ok"));
}

#[test]
fn reconnecting_client_gets_a_new_routing_id_and_old_one_is_unreachable() {
    let ctx = ctx();
    let (server, endpoint) = tcp_server(&ctx);
    let first = client_to(&ctx, &endpoint);
    first.send("a").unwrap();
    let old_id = server.recv_msg().unwrap().routing_id().unwrap();
    drop(first);
    let second = client_to(&ctx, &endpoint);
    second.send("b").unwrap();
    let new_id = server.recv_msg().unwrap().routing_id().unwrap();
    assert_ne!(old_id, new_id);
    assert!(eventually(|| server
        .route("x", old_id)
        .is_err_and(|e| e.kind() == ErrorKind::HostUnreachable)));
    server.route("hello", new_id).unwrap();
    assert_eq!(second.recv_msg().unwrap().to_str(), Ok("hello"));
}

#[test]
fn recv_timeout_and_try_recv() {
    let ctx = ctx();
    let server = ServerBuilder::new()
        .bind(inproc())
        .with_ctx(ctx.handle())
        .unwrap();
    assert_eq!(
        server.try_recv_msg().unwrap_err().kind(),
        ErrorKind::WouldBlock
    );
    server
        .set_recv_timeout(Some(Duration::from_millis(250)))
        .unwrap();
    assert_eq!(
        server.recv_timeout().unwrap(),
        Period::Finite(Duration::from_millis(250))
    );
    let start = Instant::now();
    assert_eq!(server.recv_msg().unwrap_err().kind(), ErrorKind::WouldBlock);
    let elapsed = start.elapsed();
    assert!(elapsed >= Duration::from_millis(240), "{elapsed:?}");
}

#[test]
fn shutdown_wakes_blocked_callers_in_other_threads() {
    let ctx = ctx();
    let server = Server::with_ctx(ctx.handle()).unwrap();
    server.bind(inproc()).unwrap();
    let client = Client::with_ctx(ctx.handle()).unwrap();
    let receiver = {
        let server = server.clone();
        std::thread::spawn(move || server.recv_msg().unwrap_err().kind())
    };
    let sender = {
        let client = client.clone();
        std::thread::spawn(move || client.send("blocked").unwrap_err().kind())
    };
    std::thread::sleep(Duration::from_millis(50)); // let both block (no event to wait for)
    ctx.shutdown();
    assert_eq!(receiver.join().unwrap(), ErrorKind::InvalidCtx);
    assert_eq!(sender.join().unwrap(), ErrorKind::InvalidCtx);
    assert_eq!(
        Client::with_ctx(ctx.handle()).unwrap_err().kind(),
        ErrorKind::InvalidCtx
    );
    assert_eq!(
        server.bind(inproc()).unwrap_err().kind(),
        ErrorKind::InvalidCtx
    );
}

#[test]
fn socket_limit() {
    let ctx = ctx();
    ctx.set_max_sockets(2).unwrap();
    let _a = Client::with_ctx(ctx.handle()).unwrap();
    let _b = Client::with_ctx(ctx.handle()).unwrap();
    assert_eq!(
        Client::with_ctx(ctx.handle()).unwrap_err().kind(),
        ErrorKind::SocketLimit
    );
}

#[test]
fn clones_share_the_socket() {
    let ctx = ctx();
    let endpoint = inproc();
    let server = ServerBuilder::new()
        .bind(&endpoint)
        .recv_timeout(TIMEOUT)
        .with_ctx(ctx.handle())
        .unwrap();
    let client = client_to(&ctx, &endpoint);
    let clone = client.clone();
    assert_eq!(client, clone);
    drop(client);
    clone.send("still here").unwrap();
    assert_eq!(server.recv_msg().unwrap().to_str(), Ok("still here"));
}

#[test]
fn unbind_and_disconnect() {
    let ctx = ctx();
    let (server, endpoint) = tcp_server(&ctx);
    assert!(matches!(
        server.unbind(inproc()).unwrap_err().kind(),
        ErrorKind::NotFound(_)
    ));
    let wildcard: TcpAddr = "127.0.0.1:*".try_into().unwrap();
    assert!(matches!(
        server.unbind(wildcard).unwrap_err().kind(),
        ErrorKind::NotFound(_)
    ));
    let client = client_to(&ctx, &endpoint);
    bounce(&client, &server);
    server.unbind(endpoint.clone()).unwrap();
    assert!(matches!(
        server.unbind(endpoint.clone()).unwrap_err().kind(),
        ErrorKind::NotFound(_)
    ));
    client.disconnect(endpoint.clone()).unwrap();
    assert!(matches!(
        client.disconnect(endpoint).unwrap_err().kind(),
        ErrorKind::NotFound(_)
    ));
    assert_eq!(
        client.try_send("x").unwrap_err().kind(),
        ErrorKind::WouldBlock
    );
}

#[test]
fn disconnect_discards_both_queues() {
    let ctx = ctx();
    let (server, endpoint) = tcp_server(&ctx);
    server.set_recv_hwm(1).unwrap();
    let client = client_to(&ctx, &endpoint);
    bounce(&client, &server);
    client.disconnect(endpoint).unwrap();
    assert_eq!(
        client.try_recv_msg().unwrap_err().kind(),
        ErrorKind::WouldBlock
    );
    assert_eq!(
        client.try_send("x").unwrap_err().kind(),
        ErrorKind::WouldBlock
    );
}

#[test]
fn concurrent_senders_share_a_client() {
    let ctx = ctx();
    let (server, endpoint) = tcp_server(&ctx);
    let client = client_to(&ctx, &endpoint);
    let threads: Vec<_> = (0..2)
        .map(|_| {
            let client = client.clone();
            std::thread::spawn(move || {
                for _ in 0..15_000 {
                    client.send("0").unwrap();
                }
                client.send("1").unwrap();
            })
        })
        .collect();
    let (mut total, mut ends) = (0, 0);
    while ends < 2 {
        let msg = server.recv_msg().unwrap();
        total += 1;
        if msg.as_bytes() == b"1" {
            ends += 1;
        }
    }
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(total, 30_002);
}
