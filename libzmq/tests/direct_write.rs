//! A message sent to an idle TCP or IPC connection is written by the sending
//! thread itself; a stream of them goes through the pipe and the I/O thread.
//! Whichever path each message takes, every one arrives whole and in order,
//! with heartbeats and with PLAIN (written directly) and CURVE (never).

mod common;

use common::*;
use libzmq::{auth::*, prelude::*, *};
use std::time::Duration;

/// Sizes around the largest directly written body (8 KiB) and the small one.
const SIZES: [usize; 9] = [0, 1, 32, 255, 256, 8191, 8192, 8193, 70_000];

/// Single messages (each waits for its echo: the connection is idle when
/// the next one is sent), then bursts of every size, then single ones
/// again (`rounds` times): the echoes come back equal and in order.
fn single_and_bursts_in_order(client: &Client, server: &Server, rounds: usize) {
    let echo = |count: usize| {
        for _ in 0..count {
            let msg = server.recv_msg().unwrap();
            let id = msg.routing_id().unwrap();
            server.route(msg, id).unwrap();
        }
    };
    let mut index = 0;
    let mut expect = |client: &Client, sizes: &[usize], burst: bool| {
        let first = index;
        for &size in sizes {
            client.send(payload(index, size)).unwrap();
            if !burst {
                echo(1);
                let reply = client.recv_msg().unwrap();
                assert_eq!(reply.as_bytes(), payload(index, size).as_slice());
            }
            index += 1;
        }
        if burst {
            echo(sizes.len());
            for (offset, &size) in sizes.iter().enumerate() {
                let reply = client.recv_msg().unwrap();
                let want = payload(first + offset, size);
                assert_eq!(reply.as_bytes(), want.as_slice(), "#{offset}");
            }
        }
    };
    for _ in 0..rounds {
        expect(client, &SIZES, false);
        let burst: Vec<usize> =
            SIZES.iter().cycle().take(200).copied().collect();
        expect(client, &burst, true);
    }
    expect(client, &SIZES, false);
}

fn pair(
    ctx: &Ctx,
    transport: &str,
    server: Mechanism,
    client: Mechanism,
) -> (Client, Server) {
    // PINGs every 20 ms between the messages; a slow test machine must not
    // make the connections time out.
    let hb = Heartbeat::new(Duration::from_millis(20))
        .add_timeout(TIMEOUT)
        .add_ttl(TIMEOUT);
    let server = ServerBuilder::new()
        .mechanism(server)
        .heartbeat(&hb)
        .bind(endpoint(transport))
        .recv_timeout(TIMEOUT)
        .with_ctx(ctx.handle())
        .unwrap();
    let client = ClientBuilder::new()
        .mechanism(client)
        .heartbeat(&hb)
        .connect(server.last_endpoint().unwrap())
        .recv_timeout(TIMEOUT)
        .with_ctx(ctx.handle())
        .unwrap();
    (client, server)
}

#[test]
fn null_messages_arrive_whole_and_in_order_over_tcp_and_ipc() {
    for transport in ["tcp", "ipc"] {
        let ctx = ctx();
        let (client, server) =
            pair(&ctx, transport, Mechanism::Null, Mechanism::Null);
        single_and_bursts_in_order(&client, &server, 3);
    }
}

#[test]
fn plain_and_curve_messages_arrive_whole_and_in_order() {
    for transport in ["tcp", "ipc"] {
        let ctx = ctx();
        let creds = PlainClientCreds::new("user", "pwd");
        let _auth = AuthBuilder::new()
            .plain_registry(&creds)
            .no_curve_auth()
            .with_ctx(ctx.handle())
            .unwrap();
        let (client, server) =
            pair(&ctx, transport, Mechanism::PlainServer, creds.into());
        single_and_bursts_in_order(&client, &server, 3);
        let cert = CurveCert::new_unique();
        let (client, server) = pair(
            &ctx,
            transport,
            CurveServerCreds::new(cert.secret()).into(),
            CurveClientCreds::new(cert.public()).into(),
        );
        // (Few: CURVE is slow in the unoptimised test build.)
        single_and_bursts_in_order(&client, &server, 1);
    }
}

/// A message written directly is in the kernel when `send` returns: a
/// client dropped (with its ctx) right after it does not lose it, nor any
/// of the queued ones around it.
#[test]
fn messages_sent_just_before_the_drop_arrive() {
    let ctx = ctx();
    let server = ServerBuilder::new()
        .bind(endpoint("tcp"))
        .recv_timeout(TIMEOUT)
        .with_ctx(ctx.handle())
        .unwrap();
    let endpoint = server.last_endpoint().unwrap();
    for round in 0..20usize {
        let client_ctx = Ctx::new();
        let client = ClientBuilder::new()
            .connect(&endpoint)
            .recv_timeout(TIMEOUT)
            .with_ctx(client_ctx.handle())
            .unwrap();
        client.send(payload(round, 10)).unwrap();
        let hello = server.recv_msg().unwrap();
        assert_eq!(hello.as_bytes(), payload(round, 10).as_slice());
        server.route("go", hello.routing_id().unwrap()).unwrap();
        client.recv_msg().unwrap();
        // Idle now: the first is written directly, the others queued.
        for i in 0..3 {
            client.send(payload(round + i, 100)).unwrap();
        }
        drop(client);
        drop(client_ctx);
        for i in 0..3 {
            let msg = server.recv_msg().unwrap();
            assert_eq!(msg.as_bytes(), payload(round + i, 100).as_slice());
        }
    }
}
