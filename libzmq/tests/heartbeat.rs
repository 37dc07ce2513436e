//! ZMTP 3.1 heartbeats: PING cadence and bytes, timeouts, the peer's TTL,
//! PONG replies, and what a dead peer means for a Server.

mod common;

use common::*;
use libzmq::{prelude::*, *};
use std::io::{Read, Write};
use std::time::{Duration, Instant};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn server_with(
    ctx: &Ctx,
    heartbeat: Option<Heartbeat>,
) -> (Server, libzmq::addr::Endpoint) {
    let addr: TcpAddr = "127.0.0.1:*".try_into().unwrap();
    let mut builder = ServerBuilder::new();
    builder.bind(addr).recv_timeout(TIMEOUT);
    if let Some(hb) = heartbeat {
        builder.heartbeat(hb);
    }
    let server = builder.with_ctx(ctx.handle()).unwrap();
    let endpoint = server.last_endpoint().unwrap();
    (server, endpoint)
}

/// Reads until the peer closes; returns how long that took.
fn time_until_closed(stream: &mut std::net::TcpStream) -> Duration {
    let start = Instant::now();
    assert_closed(stream);
    start.elapsed()
}

#[test]
fn silent_peer_is_dropped_after_interval_plus_timeout() {
    let ctx = ctx();
    let (_server, endpoint) = server_with(&ctx, Some(Heartbeat::new(ms(100))));
    let mut stream = raw_handshake(&endpoint, "CLIENT", "SERVER");
    let elapsed = time_until_closed(&mut stream);
    // A PING at 100 ms, nothing back, timeout (= interval) 100 ms later.
    assert!(elapsed >= ms(150) && elapsed < ms(2000), "{elapsed:?}");
}

#[test]
fn explicit_timeout_is_used() {
    let ctx = ctx();
    let hb = Heartbeat::new(ms(100)).add_timeout(ms(500));
    let (_server, endpoint) = server_with(&ctx, Some(hb));
    let mut stream = raw_handshake(&endpoint, "CLIENT", "SERVER");
    let elapsed = time_until_closed(&mut stream);
    assert!(elapsed >= ms(550) && elapsed < ms(3000), "{elapsed:?}");
}

#[test]
fn pings_carry_the_ttl_and_keep_their_cadence() {
    let ctx = ctx();
    let hb = Heartbeat::new(ms(100))
        .add_timeout(ms(5000))
        .add_ttl(ms(2000));
    let (_server, endpoint) = server_with(&ctx, Some(hb));
    let mut stream = raw_handshake(&endpoint, "CLIENT", "SERVER");
    let start = Instant::now();
    for _ in 0..3 {
        let mut ping = [0u8; 9];
        stream.read_exact(&mut ping).unwrap();
        assert_eq!(
            ping,
            [0x04, 0x07, 0x04, b'P', b'I', b'N', b'G', 0x00, 0x14]
        );
    }
    let elapsed = start.elapsed();
    assert!(elapsed >= ms(250), "3 pings in {elapsed:?}");
}

#[test]
fn any_traffic_keeps_the_connection() {
    let ctx = ctx();
    // A 400 ms heartbeat timeout against a message every 30 ms: a wide
    // margin for a busy machine.
    let (server, endpoint) = server_with(&ctx, Some(Heartbeat::new(ms(400))));
    let mut stream = raw_handshake(&endpoint, "CLIENT", "SERVER");
    // Never answer PINGs, but send a message every 30 ms for 1.6 s.
    let start = Instant::now();
    let mut sent = 0;
    while start.elapsed() < ms(1600) {
        stream.write_all(&[0x00, 0x01, b'x']).unwrap();
        sent += 1;
        std::thread::sleep(ms(30)); // the pacing is what is tested
    }
    for _ in 0..sent {
        assert_eq!(server.recv_msg().unwrap().as_bytes(), b"x");
    }
}

#[test]
fn ping_is_answered_and_ttl_honoured() {
    let ctx = ctx();
    let (_server, endpoint) = server_with(&ctx, None);
    let mut stream = raw_handshake(&endpoint, "CLIENT", "SERVER");
    // PING with TTL 5 (500 ms) and context "ctx".
    stream
        .write_all(&[
            0x04, 0x0a, 0x04, b'P', b'I', b'N', b'G', 0x00, 0x05, b'c', b't',
            b'x',
        ])
        .unwrap();
    let mut pong = [0u8; 10];
    stream.read_exact(&mut pong).unwrap();
    assert_eq!(
        pong,
        [0x04, 0x08, 0x04, b'P', b'O', b'N', b'G', b'c', b't', b'x']
    );
    let elapsed = time_until_closed(&mut stream);
    assert!(elapsed >= ms(400) && elapsed < ms(3000), "{elapsed:?}");
}

#[test]
fn ping_without_ttl_does_not_close() {
    let ctx = ctx();
    let (server, endpoint) = server_with(&ctx, None);
    let mut stream = raw_handshake(&endpoint, "CLIENT", "SERVER");
    stream
        .write_all(&[0x04, 0x07, 0x04, b'P', b'I', b'N', b'G', 0x00, 0x00])
        .unwrap();
    let mut pong = [0u8; 7];
    stream.read_exact(&mut pong).unwrap();
    assert_eq!(pong, [0x04, 0x05, 0x04, b'P', b'O', b'N', b'G']);
    std::thread::sleep(ms(300)); // nothing must happen meanwhile
    stream.write_all(&[0x00, 0x02, b'o', b'k']).unwrap();
    assert_eq!(server.recv_msg().unwrap().as_bytes(), b"ok");
}

#[test]
fn our_ttl_is_honoured_by_our_server() {
    // The client asks for a 100 ms TTL and pings every 250 ms: between pings
    // the server sees nothing for longer than the TTL and drops the connection.
    let ctx = ctx();
    let (server, endpoint) = server_with(&ctx, None);
    let hb = Heartbeat::new(ms(250)).add_ttl(ms(100));
    let client = ClientBuilder::new()
        .connect(&endpoint)
        .heartbeat(hb)
        .with_ctx(ctx.handle())
        .unwrap();
    client.send("hello").unwrap();
    let id = server.recv_msg().unwrap().routing_id().unwrap();
    assert!(eventually(|| server
        .route("x", id)
        .is_err_and(|e| e.kind() == ErrorKind::HostUnreachable)));
}

#[test]
fn both_sides_heartbeating_stay_connected() {
    let ctx = ctx();
    let hb = Heartbeat::new(ms(150)).add_timeout(ms(1000));
    let (server, endpoint) = server_with(&ctx, Some(hb.clone()));
    let client = ClientBuilder::new()
        .connect(&endpoint)
        .heartbeat(&hb)
        .recv_timeout(TIMEOUT)
        .with_ctx(ctx.handle())
        .unwrap();
    client.send("first").unwrap();
    let id = server.recv_msg().unwrap().routing_id().unwrap();
    std::thread::sleep(ms(1500)); // ten heartbeat intervals without data
    server.route("still there", id).unwrap();
    assert_eq!(client.recv_msg().unwrap().to_str(), Ok("still there"));
}

#[test]
fn scatter_and_gather_heartbeat_too() {
    let ctx = ctx();
    let hb = Heartbeat::new(ms(100));
    let gather = GatherBuilder::new()
        .bind(TcpAddr::try_from("127.0.0.1:*").unwrap())
        .heartbeat(&hb)
        .with_ctx(ctx.handle())
        .unwrap();
    let mut stream =
        raw_handshake(&gather.last_endpoint().unwrap(), "SCATTER", "GATHER");
    let elapsed = time_until_closed(&mut stream);
    assert!(elapsed < ms(2000), "{elapsed:?}");
    let scatter = ScatterBuilder::new()
        .heartbeat(&hb)
        .with_ctx(ctx.handle())
        .unwrap();
    assert_eq!(scatter.heartbeat(), Some(hb));
}

#[test]
fn ttl_limit_is_checked() {
    let ctx = ctx();
    let client = Client::with_ctx(ctx.handle()).unwrap();
    let ok = Heartbeat::new(ms(100)).add_ttl(ms(6_553_599));
    client.set_heartbeat(Some(ok)).unwrap();
    let too_long = Heartbeat::new(ms(100)).add_ttl(ms(6_553_600));
    match client.set_heartbeat(Some(too_long)).unwrap_err().kind() {
        ErrorKind::InvalidInput(msg) => {
            assert_eq!(msg, "duration ms cannot exceed 6553599")
        }
        other => panic!("{other:?}"),
    }
}
