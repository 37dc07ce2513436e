//! Volume: many messages of mixed sizes arrive complete, in order, uncorrupted.

mod common;

use common::*;
use libzmq::{prelude::*, *};

/// Sizes from 0 B to 1 MiB: mostly small, some medium, a few of 1 MiB.
fn size_of(index: usize) -> usize {
    match index {
        i if i % 1000 == 999 => 1 << 20,
        i if i % 100 == 50 => 64 * 1024 + (i % 7),
        i if i % 10 == 3 => 255 + (i % 3), // around the short/long frame boundary
        i => i % 300,
    }
}

fn run(tcp: bool) {
    const COUNT: usize = 100_000;
    let ctx = ctx();
    let (server, endpoint) = if tcp {
        tcp_server(&ctx)
    } else {
        let endpoint = inproc();
        let server = ServerBuilder::new()
            .bind(&endpoint)
            .recv_timeout(TIMEOUT)
            .with_ctx(ctx.handle())
            .unwrap();
        (server, endpoint)
    };
    let client = client_to(&ctx, &endpoint);
    let sender = std::thread::spawn(move || {
        for index in 0..COUNT {
            client.send(payload(index, size_of(index))).unwrap();
        }
        client
    });
    for index in 0..COUNT {
        let msg = server.recv_msg().unwrap();
        let expected_len = size_of(index);
        assert_eq!(msg.len(), expected_len, "message {index}");
        assert!(
            msg.as_bytes() == payload(index, expected_len).as_slice(),
            "message {index} corrupted"
        );
    }
    drop(sender.join().unwrap());
}

#[test]
fn mixed_sizes_over_tcp_arrive_complete_and_in_order() {
    run(true);
}

#[test]
fn mixed_sizes_over_inproc_arrive_complete_and_in_order() {
    run(false);
}

/// Alternating tiny and large messages sent as fast as possible queue many
/// large chunks behind small frames in one write queue (a bug once let the
/// small frames overtake the large ones).
#[test]
fn alternating_tiny_and_large_messages_over_tcp() {
    let ctx = ctx();
    let (server, endpoint) = tcp_server(&ctx);
    let client = client_to(&ctx, &endpoint);
    let messages: Vec<Vec<u8>> = (0..2000)
        .map(|i| payload(i, if i % 2 == 0 { 1 } else { 64 * 1024 }))
        .collect();
    let expected = messages.clone();
    let sender = std::thread::spawn(move || {
        for msg in messages {
            client.send(msg).unwrap();
        }
        client
    });
    for (index, want) in expected.iter().enumerate() {
        let msg = server.recv_msg().unwrap();
        assert!(
            msg.as_bytes() == want.as_slice(),
            "message {index} corrupted"
        );
    }
    drop(sender.join().unwrap());
}
