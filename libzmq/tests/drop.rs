//! Dropping a socket loses nothing it need not lose: with the default linger
//! of 0, what `send`/`route` accepted for a peer whose connection is up is
//! still written out; only what would have to wait is discarded. And a
//! dropped socket never blocks its thread.

mod common;

use common::*;
use libzmq::{addr::Endpoint, prelude::*, *};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn server_at(ctx: &Ctx, endpoint: Endpoint) -> Server {
    ServerBuilder::new()
        .bind(endpoint)
        .recv_timeout(TIMEOUT)
        .send_timeout(TIMEOUT)
        .with_ctx(ctx.handle())
        .unwrap()
}

/// The shape of most ØMQ servers: receive, reply, exit.
fn reply_then_drop(transport: &str, rounds: usize) {
    let ctx = ctx();
    for round in 0..rounds {
        let server = server_at(&ctx, endpoint(transport));
        let client = client_to(&ctx, &server.last_endpoint().unwrap());
        client.send(format!("request {round}")).unwrap();
        let request = server.recv_msg().unwrap();
        let id = request.routing_id().unwrap();
        server.route(format!("reply {round}"), id).unwrap();
        drop(server);
        let reply = client.recv_msg().unwrap_or_else(|err| {
            panic!("{transport}: reply {round} lost: {err}")
        });
        assert_eq!(reply.to_str().unwrap(), format!("reply {round}"));
    }
}

#[test]
fn reply_then_drop_over_tcp() {
    reply_then_drop("tcp", 1000);
}

#[test]
fn reply_then_drop_over_ipc() {
    reply_then_drop("ipc", 1000);
}

#[test]
fn reply_then_drop_over_inproc() {
    reply_then_drop("inproc", 1000);
}

/// A worker that sends its results and exits at once.
#[test]
fn burst_then_drop_delivers_everything() {
    let ctx = ctx();
    for transport in ["tcp", "ipc", "inproc"] {
        let server = server_at(&ctx, endpoint(transport));
        let endpoint = server.last_endpoint().unwrap();
        for round in 0..50 {
            let client = client_to(&ctx, &endpoint);
            client.send("hello").unwrap();
            server.recv_msg().unwrap(); // the connection is up
            for i in 0..10 {
                client.send(format!("{round}.{i}")).unwrap();
            }
            drop(client);
            for i in 0..10 {
                let msg = server.recv_msg().unwrap_or_else(|err| {
                    panic!("{transport}: {round}.{i} lost: {err}")
                });
                assert_eq!(msg.to_str().unwrap(), format!("{round}.{i}"));
            }
        }
    }
}

#[test]
fn scatter_then_drop_delivers_everything() {
    let ctx = ctx();
    for transport in ["tcp", "ipc", "inproc"] {
        let gather = GatherBuilder::new()
            .bind(endpoint(transport))
            .recv_timeout(TIMEOUT)
            .with_ctx(ctx.handle())
            .unwrap();
        let endpoint = gather.last_endpoint().unwrap();
        for round in 0..20 {
            let scatter = ScatterBuilder::new()
                .connect(&endpoint)
                .send_timeout(TIMEOUT)
                .with_ctx(ctx.handle())
                .unwrap();
            scatter.send("hello").unwrap();
            gather.recv_msg().unwrap(); // the connection is up
            for i in 0..100 {
                scatter.send(format!("{round}.{i}")).unwrap();
            }
            drop(scatter);
            for i in 0..100 {
                let msg = gather.recv_msg().unwrap_or_else(|err| {
                    panic!("{transport}: {round}.{i} lost: {err}")
                });
                assert_eq!(msg.to_str().unwrap(), format!("{round}.{i}"));
            }
        }
    }
}

fn unreachable_client(ctx: &Ctx, linger: Duration) -> Client {
    let addr = free_port();
    let client = ClientBuilder::new()
        .connect(addr)
        .linger(linger)
        .with_ctx(ctx.handle())
        .unwrap();
    for i in 0..100 {
        client.try_send(format!("{i}")).unwrap();
    }
    client
}

#[test]
fn drop_with_unreachable_peer_returns_at_once() {
    let ctx = ctx();
    let client = unreachable_client(&ctx, Duration::ZERO);
    let start = Instant::now();
    drop(client);
    drop(ctx);
    let took = start.elapsed();
    assert!(
        took < Duration::from_secs(2),
        "socket and ctx drop: {took:?}"
    );
}

#[test]
fn drop_with_unreachable_peer_waits_at_most_the_linger() {
    let ctx = ctx();
    let client = unreachable_client(&ctx, Duration::from_millis(300));
    let start = Instant::now();
    drop(client);
    let socket_drop = start.elapsed();
    drop(ctx); // the ctx waits for what lingers, up to the linger
    let ctx_drop = start.elapsed();
    assert!(socket_drop < Duration::from_secs(2), "{socket_drop:?}");
    assert!(ctx_drop < Duration::from_secs(3), "{ctx_drop:?}");
}

/// A peer that accepts the TCP connection but never speaks ZMTP: the
/// handshake never completes, and the linger still bounds the drop (not the
/// 30 s handshake timeout).
#[test]
fn drop_with_a_silent_peer_waits_at_most_the_linger() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let accepted =
        std::thread::spawn(move || listener.accept().map(|(s, _)| s));
    let ctx = ctx();
    let addr: TcpAddr = format!("127.0.0.1:{port}").try_into().unwrap();
    let scatter = ScatterBuilder::new()
        .connect(addr)
        .linger(Duration::from_millis(300))
        .with_ctx(ctx.handle())
        .unwrap();
    scatter.try_send("x").unwrap();
    let _silent = accepted.join().unwrap().unwrap();
    let start = Instant::now();
    drop(scatter);
    drop(ctx);
    let took = start.elapsed();
    assert!(took < Duration::from_secs(3), "ctx drop: {took:?}");
}

/// Busy threads that keep every core loaded until dropped.
struct Load {
    stop: Arc<AtomicBool>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl Load {
    fn start(threads: usize) -> Load {
        let stop = Arc::new(AtomicBool::new(false));
        let threads = (0..threads)
            .map(|_| {
                let stop = stop.clone();
                std::thread::spawn(move || {
                    let deadline = Instant::now() + Duration::from_secs(60);
                    let mut x = 0u64;
                    while !stop.load(Ordering::Relaxed)
                        && Instant::now() < deadline
                    {
                        x = std::hint::black_box(x.wrapping_mul(31) + 7);
                    }
                })
            })
            .collect();
        Load { stop, threads }
    }
}

impl Drop for Load {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

/// The Server at an address is replaced; a message sent right after the new
/// one is bound reaches it, even on a loaded machine (the old connection's
/// engine must not write it into the dead connection).
#[test]
fn send_after_server_replaced_reaches_the_new_one_under_load() {
    let _load = Load::start(4);
    let ctx = ctx();
    let first = server_at(&ctx, endpoint("tcp"));
    let endpoint = first.last_endpoint().unwrap();
    let client = client_to(&ctx, &endpoint);
    client.send("hello").unwrap();
    first.recv_msg().unwrap();
    let mut current = first;
    for round in 0..20 {
        drop(current);
        current = server_at(&ctx, endpoint.clone());
        client.send(format!("after replace {round}")).unwrap();
        let msg = current
            .recv_msg()
            .unwrap_or_else(|err| panic!("round {round}: message lost: {err}"));
        assert_eq!(msg.to_str().unwrap(), format!("after replace {round}"));
    }
}
