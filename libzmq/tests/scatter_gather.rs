//! Scatter/Gather over inproc, TCP and IPC: round-robin out, strict
//! fair-queue in, blocking when mute, bounded buffering.

mod common;

use common::*;
use libzmq::{prelude::*, *};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn gather_on(ctx: &Ctx, transport: &str) -> (Gather, libzmq::addr::Endpoint) {
    let gather = GatherBuilder::new()
        .bind(endpoint(transport))
        .recv_timeout(TIMEOUT)
        .with_ctx(ctx.handle())
        .unwrap();
    let bound = gather.last_endpoint().unwrap();
    (gather, bound)
}

#[test]
fn round_robin_to_two_gathers() {
    for transport in TRANSPORTS {
        let ctx = ctx();
        let scatter = ScatterBuilder::new()
            .bind(endpoint(transport))
            .send_timeout(TIMEOUT)
            .with_ctx(ctx.handle())
            .unwrap();
        let bound = scatter.last_endpoint().unwrap();
        let one = GatherBuilder::new()
            .connect(&bound)
            .recv_timeout(TIMEOUT)
            .with_ctx(ctx.handle())
            .unwrap();
        let two = GatherBuilder::new()
            .connect(&bound)
            .recv_timeout(TIMEOUT)
            .with_ctx(ctx.handle())
            .unwrap();
        if transport != "inproc" {
            // Accepted connections join the round-robin once their handshake is done.
            assert!(eventually(|| {
                scatter.send("probe").unwrap();
                one.try_recv_msg().is_ok() && two.try_recv_msg().is_ok()
            }));
            while one.try_recv_msg().is_ok() || two.try_recv_msg().is_ok() {}
            // Drain whatever probes are still in flight.
            scatter.send("end").unwrap();
            scatter.send("end").unwrap();
            for g in [&one, &two] {
                while g.recv_msg().unwrap().as_bytes() != b"end" {}
            }
        }
        for i in 0..10 {
            scatter.send(format!("{i}")).unwrap();
        }
        let a: Vec<String> = (0..5)
            .map(|_| one.recv_msg().unwrap().to_str().unwrap().to_owned())
            .collect();
        let b: Vec<String> = (0..5)
            .map(|_| two.recv_msg().unwrap().to_str().unwrap().to_owned())
            .collect();
        let (even, odd) = if a[0] == "0" { (a, b) } else { (b, a) };
        assert_eq!(even, ["0", "2", "4", "6", "8"], "{transport}");
        assert_eq!(odd, ["1", "3", "5", "7", "9"], "{transport}");
    }
}

#[test]
fn gather_fair_queues_with_strict_rotation() {
    let ctx = ctx();
    let addr = inproc();
    let gather = GatherBuilder::new()
        .bind(&addr)
        .recv_hwm(1)
        .with_ctx(ctx.handle())
        .unwrap();
    let a = ScatterBuilder::new()
        .connect(&addr)
        .with_ctx(ctx.handle())
        .unwrap();
    let b = ScatterBuilder::new()
        .connect(&addr)
        .with_ctx(ctx.handle())
        .unwrap();
    for _ in 0..100 {
        a.try_send("a").unwrap();
        b.try_send("b").unwrap();
    }
    for _ in 0..100 {
        assert_eq!(gather.try_recv_msg().unwrap().to_str(), Ok("a"));
        assert_eq!(gather.try_recv_msg().unwrap().to_str(), Ok("b"));
    }
}

#[test]
fn every_transport_carries_messages() {
    for transport in TRANSPORTS.into_iter().chain(["ipc-abstract"]) {
        let ctx = ctx();
        let (gather, bound) = gather_on(&ctx, transport);
        let scatter = ScatterBuilder::new()
            .connect(&bound)
            .send_timeout(TIMEOUT)
            .with_ctx(ctx.handle())
            .unwrap();
        for i in 0..1000u32 {
            scatter
                .send(payload(i as usize, (i % 600) as usize))
                .unwrap();
        }
        for i in 0..1000usize {
            assert_eq!(
                gather.recv_msg().unwrap().as_bytes(),
                payload(i, i % 600).as_slice(),
                "{transport}"
            );
        }
    }
}

#[test]
fn mute_scatter_blocks() {
    let ctx = ctx();
    let scatter = Scatter::with_ctx(ctx.handle()).unwrap();
    assert_eq!(
        scatter.try_send("x").unwrap_err().kind(),
        ErrorKind::WouldBlock
    );
    scatter
        .set_send_timeout(Some(Duration::from_millis(250)))
        .unwrap();
    let start = Instant::now();
    assert_eq!(scatter.send("x").unwrap_err().kind(), ErrorKind::WouldBlock);
    assert!(start.elapsed() >= Duration::from_millis(240));
}

#[test]
fn default_inproc_capacity_is_both_hwms() {
    let ctx = ctx();
    let addr = inproc();
    let _gather = GatherBuilder::new()
        .bind(&addr)
        .with_ctx(ctx.handle())
        .unwrap();
    let scatter = ScatterBuilder::new()
        .connect(&addr)
        .with_ctx(ctx.handle())
        .unwrap();
    let mut sent = 0;
    while scatter.try_send("x").is_ok() {
        sent += 1;
    }
    assert_eq!(sent, 2000);
}

/// A million small messages from two senders: none lost, none reordered per
/// sender, and the queue between a sender and the gather never holds more
/// than its two high water marks.
#[test]
fn million_messages_in_order_within_hwm() {
    const PER_SENDER: u32 = 500_000;
    const HWM: i32 = 100;
    let ctx = ctx();
    let addr = inproc();
    let gather = GatherBuilder::new()
        .bind(&addr)
        .recv_hwm(HWM)
        .recv_timeout(TIMEOUT)
        .with_ctx(ctx.handle())
        .unwrap();
    let sent: Arc<[AtomicUsize; 2]> =
        Arc::new([AtomicUsize::new(0), AtomicUsize::new(0)]);
    let senders: Vec<_> = (0..2u8)
        .map(|who| {
            let scatter = ScatterBuilder::new()
                .connect(&addr)
                .send_hwm(HWM)
                .send_timeout(TIMEOUT)
                .with_ctx(ctx.handle())
                .unwrap();
            let sent = sent.clone();
            std::thread::spawn(move || {
                for seq in 0..PER_SENDER {
                    let mut bytes = seq.to_be_bytes().to_vec();
                    bytes.push(who);
                    scatter.send(bytes).unwrap();
                    sent[who as usize]
                        .store(seq as usize + 1, Ordering::SeqCst);
                }
                scatter
            })
        })
        .collect();
    let mut next = [0u32; 2];
    for _ in 0..2 * PER_SENDER {
        let msg = gather.recv_msg().unwrap();
        let bytes = msg.as_bytes();
        let who = bytes[4] as usize;
        let seq = u32::from_be_bytes(bytes[..4].try_into().unwrap());
        assert_eq!(seq, next[who], "sender {who} lost or reordered a message");
        next[who] += 1;
        let in_flight = sent[who]
            .load(Ordering::SeqCst)
            .saturating_sub(next[who] as usize);
        assert!(
            in_flight <= 2 * HWM as usize,
            "{in_flight} messages queued past the HWMs"
        );
    }
    for sender in senders {
        drop(sender.join().unwrap());
    }
}

/// A gather that does not read makes the scatter block, after a bounded
/// amount of buffering (HWMs plus the kernel's socket buffers over TCP).
#[test]
fn slow_gather_bounds_buffering() {
    for transport in ["tcp", "ipc"] {
        let ctx = ctx();
        let (_gather, bound) = gather_on(&ctx, transport);
        let scatter = ScatterBuilder::new()
            .connect(&bound)
            .send_hwm(10)
            .with_ctx(ctx.handle())
            .unwrap();
        let chunk = vec![0u8; 1024];
        let mut sent = 0usize;
        let deadline = Instant::now() + TIMEOUT;
        // Keep sending until the scatter stays blocked for 200 ms.
        loop {
            match scatter.try_send(chunk.as_slice()) {
                Ok(()) => sent += 1,
                Err(_) => {
                    scatter
                        .set_send_timeout(Some(Duration::from_millis(200)))
                        .unwrap();
                    if scatter.send(chunk.as_slice()).is_err() {
                        break;
                    }
                    sent += 1;
                }
            }
            assert!(
                Instant::now() < deadline,
                "{transport}: the scatter never blocked"
            );
            assert!(
                sent < 100_000,
                "{transport}: unbounded buffering ({sent} messages)"
            );
        }
        assert!(sent >= 10, "{transport}: sent {sent}");
    }
}

#[test]
fn incompatible_socket_type_gets_nothing_over_tcp() {
    let ctx = ctx();
    let (gather, bound) = gather_on(&ctx, "tcp");
    gather
        .set_recv_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    let client = ClientBuilder::new()
        .connect(&bound)
        .with_ctx(ctx.handle())
        .unwrap();
    client.try_send("wrong peer").unwrap();
    assert_eq!(gather.recv_msg().unwrap_err().kind(), ErrorKind::WouldBlock);
}

#[test]
fn ipc_socket_file_is_removed_on_unbind_and_drop() {
    let ctx = ctx();
    let path = std::env::temp_dir()
        .join(format!("libzmq-test-{}.ipc", InprocAddr::new_unique()));
    let addr = IpcAddr::new(path.to_string_lossy().into_owned()).unwrap();
    let gather = GatherBuilder::new()
        .bind(&addr)
        .with_ctx(ctx.handle())
        .unwrap();
    assert!(path.exists());
    gather.unbind(&addr).unwrap();
    assert!(!path.exists(), "unbind leaves the socket file");
    gather.bind(&addr).unwrap();
    assert!(path.exists());
    drop(gather);
    assert!(!path.exists(), "drop leaves the socket file");
    // A second socket can bind the path again, and ipc://* resolves to a real path.
    let wildcard = GatherBuilder::new()
        .bind(IpcAddr::new("*").unwrap())
        .with_ctx(ctx.handle())
        .unwrap();
    match wildcard.last_endpoint().unwrap() {
        libzmq::addr::Endpoint::Ipc(bound) => {
            assert!(std::path::Path::new(bound.as_str()).exists())
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        wildcard
            .unbind(IpcAddr::new("*").unwrap())
            .unwrap_err()
            .kind(),
        ErrorKind::NotFound(_)
    ));
}
