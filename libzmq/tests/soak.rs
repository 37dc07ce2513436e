//! Soak: many clients connecting, exchanging and disconnecting in a loop
//! against one server, with peers killed mid-stream now and then. Ignored by
//! default; CI runs it for a short time:
//! `SOAK_SECS=20 cargo test -p libzmq --release --test soak -- --ignored`.

mod common;

use common::*;
use libzmq::{prelude::*, *};
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .map(|d| d.count())
        .unwrap_or(0)
}

fn resident_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .map(str::to_owned)
        })
        .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}

#[test]
#[ignore]
fn soak_many_clients_coming_and_going() {
    let seconds: u64 = std::env::var("SOAK_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    let ctx = ctx();
    let (server, endpoint) = tcp_server(&ctx);
    server
        .set_send_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let echo = {
        let server = server.clone();
        std::thread::spawn(move || {
            while let Ok(msg) = server.recv_msg() {
                let id = msg.routing_id().unwrap();
                // A client that left meanwhile is unreachable: drop the reply.
                match server.route(msg, id) {
                    Ok(()) => {}
                    Err(err)
                        if matches!(
                            err.kind(),
                            ErrorKind::HostUnreachable | ErrorKind::WouldBlock
                        ) => {}
                    Err(_) => break,
                }
            }
        })
    };
    // Warm up once so the baseline includes the I/O thread and its buffers.
    {
        let client = client_to(&ctx, &endpoint);
        client.send("warm up").unwrap();
        client.recv_msg().unwrap();
    }
    let fds_before = open_fds();
    let rss_before = resident_kib();
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let exchanges = Arc::new(AtomicU64::new(0));
    let workers: Vec<_> = (0..50u64)
        .map(|worker| {
            let endpoint = endpoint.clone();
            let handle = ctx.handle();
            let exchanges = exchanges.clone();
            std::thread::spawn(move || {
                let mut round = 0u64;
                while Instant::now() < deadline {
                    round += 1;
                    if round % 10 == 0 {
                        // A peer killed mid-stream: half a handshake and half a frame.
                        let mut raw = raw_connect(&endpoint);
                        let _ = raw.write_all(
                            &[greeting(), ready("CLIENT"), vec![0x02, 0, 0]]
                                .concat(),
                        );
                        continue;
                    }
                    let client = ClientBuilder::new()
                        .connect(&endpoint)
                        .recv_timeout(TIMEOUT)
                        .send_timeout(TIMEOUT)
                        .with_ctx(handle)
                        .unwrap();
                    for seq in 0..5u64 {
                        let request = [
                            worker.to_be_bytes(),
                            round.to_be_bytes(),
                            seq.to_be_bytes(),
                        ]
                        .concat();
                        client.send(request.clone()).unwrap();
                        let reply = client.recv_msg().unwrap();
                        assert_eq!(
                            reply.as_bytes(),
                            request.as_slice(),
                            "a reply went to the wrong client"
                        );
                        exchanges.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().expect("a client thread panicked");
    }
    // Closed connections are released by the I/O thread shortly after.
    assert!(
        eventually(|| open_fds() <= fds_before + 5),
        "file descriptors leaked: {} before, {} after",
        fds_before,
        open_fds()
    );
    let rss_after = resident_kib();
    eprintln!(
        "soak: {} exchanges in {seconds} s; fds {fds_before} -> {}; RSS {rss_before} KiB -> {rss_after} KiB",
        exchanges.load(Ordering::Relaxed),
        open_fds()
    );
    assert!(
        rss_after < rss_before * 2 + 64 * 1024,
        "memory grew from {rss_before} KiB to {rss_after} KiB"
    );
    ctx.shutdown();
    echo.join().unwrap();
}
