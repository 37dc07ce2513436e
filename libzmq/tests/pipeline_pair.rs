//! PUSH/PULL and PAIR over inproc, TCP and IPC, and the multipart
//! guarantees every classic type shares: a message is delivered whole,
//! never interleaved with another thread's, never lost by `recv_msg`.

mod common;

use common::*;
use libzmq::{addr::Endpoint, prelude::*, *};
use std::time::Duration;

fn pull_on(ctx: &Ctx, transport: &str) -> (Pull, Endpoint) {
    let pull = PullBuilder::new()
        .bind(endpoint(transport))
        .recv_timeout(TIMEOUT)
        .with_ctx(ctx.handle())
        .unwrap();
    let bound = pull.last_endpoint().unwrap();
    (pull, bound)
}

fn push_to(ctx: &Ctx, endpoint: &Endpoint) -> Push {
    PushBuilder::new()
        .connect(endpoint)
        .send_timeout(TIMEOUT)
        .with_ctx(ctx.handle())
        .unwrap()
}

fn texts(parts: &[Msg]) -> Vec<&str> {
    parts.iter().map(|m| m.to_str().unwrap()).collect()
}

#[test]
fn push_pull_multipart_over_every_transport() {
    for transport in TRANSPORTS {
        let ctx = ctx();
        let (pull, bound) = pull_on(&ctx, transport);
        let push = push_to(&ctx, &bound);
        push.send_multipart(["header", "", "body"]).unwrap();
        push.send("single").unwrap();
        let big = vec![7u8; 300_000];
        push.send_multipart([Msg::from("big"), Msg::from(big.clone())])
            .unwrap();
        assert_eq!(
            texts(&pull.recv_multipart().unwrap()),
            ["header", "", "body"],
            "{transport}"
        );
        assert_eq!(pull.recv_msg().unwrap().to_str().unwrap(), "single");
        let parts = pull.recv_multipart().unwrap();
        assert_eq!(parts[1].as_bytes(), &big[..], "{transport}");
    }
}

#[test]
fn pull_fair_queues_and_push_round_robins() {
    for transport in TRANSPORTS {
        let ctx = ctx();
        let (pull, bound) = pull_on(&ctx, transport);
        let pushes: Vec<Push> = (0..3).map(|_| push_to(&ctx, &bound)).collect();
        for (i, push) in pushes.iter().enumerate() {
            for j in 0..4 {
                push.send(format!("{i}-{j}")).unwrap();
            }
        }
        let mut got: Vec<String> = (0..12)
            .map(|_| pull.recv_msg().unwrap().to_str().unwrap().to_owned())
            .collect();
        // Per sender in order.
        for i in 0..3 {
            let own: Vec<&String> = got
                .iter()
                .filter(|m| m.starts_with(&format!("{i}-")))
                .collect();
            let expected: Vec<String> =
                (0..4).map(|j| format!("{i}-{j}")).collect();
            assert_eq!(own, expected.iter().collect::<Vec<_>>(), "{transport}");
        }
        got.sort();
        assert_eq!(got.len(), 12);
    }

    // Round-robin over two PULLs that are both connected (inproc: at once).
    let ctx = ctx();
    let addr = inproc();
    let push = PushBuilder::new()
        .bind(&addr)
        .with_ctx(ctx.handle())
        .unwrap();
    let pulls: Vec<Pull> = (0..2)
        .map(|_| {
            PullBuilder::new()
                .connect(&addr)
                .recv_timeout(TIMEOUT)
                .with_ctx(ctx.handle())
                .unwrap()
        })
        .collect();
    for i in 0..6 {
        push.send_multipart([format!("{i}"), "x".to_owned()])
            .unwrap();
    }
    for (n, pull) in pulls.iter().enumerate() {
        for k in 0..3 {
            let parts = pull.recv_multipart().unwrap();
            assert_eq!(parts[0].to_str().unwrap(), format!("{}", n + 2 * k));
        }
    }
}

#[test]
fn threads_never_interleave_frames() {
    const THREADS: usize = 4;
    const MESSAGES: usize = 500;
    for transport in ["inproc", "tcp"] {
        let ctx = ctx();
        let (pull, bound) = pull_on(&ctx, transport);
        let push = push_to(&ctx, &bound);
        // Both receivers stop on this timeout once everything is in.
        pull.set_recv_timeout(Some(Duration::from_secs(2))).unwrap();
        std::thread::scope(|scope| {
            for t in 0..THREADS {
                let push = push.clone();
                scope.spawn(move || {
                    for i in 0..MESSAGES {
                        let frames = (0..3).map(|f| format!("{t}:{i}:{f}"));
                        push.send_multipart(frames).unwrap();
                    }
                });
            }
            // Two receiving threads on the same socket.
            let receivers: Vec<_> = (0..2)
                .map(|_| {
                    let pull = pull.clone();
                    scope.spawn(move || {
                        let mut got = Vec::new();
                        while let Ok(parts) = pull.recv_multipart() {
                            got.push(texts(&parts).join(" "));
                            if got.len() == THREADS * MESSAGES {
                                break;
                            }
                        }
                        got
                    })
                })
                .collect();
            let mut all = Vec::new();
            for receiver in receivers {
                all.extend(receiver.join().unwrap());
            }
            assert_eq!(all.len(), THREADS * MESSAGES, "{transport}");
            for message in &all {
                let frames: Vec<&str> = message.split(' ').collect();
                let (t, i) = {
                    let head: Vec<&str> = frames[0].split(':').collect();
                    (head[0], head[1])
                };
                let expected: Vec<String> =
                    (0..3).map(|f| format!("{t}:{i}:{f}")).collect();
                assert_eq!(frames, expected, "{transport}: split message");
            }
        });
    }
}

#[test]
fn recv_msg_never_loses_a_multipart_message() {
    let ctx = ctx();
    let (pull, bound) = pull_on(&ctx, "inproc");
    let push = push_to(&ctx, &bound);
    push.send_multipart(["a", "b"]).unwrap();
    push.send("c").unwrap();
    let err = pull.recv_msg().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Multipart);
    // Still there, whole, for recv_multipart; then the next one.
    assert_eq!(
        pull.try_recv_msg().unwrap_err().kind(),
        ErrorKind::Multipart
    );
    assert_eq!(texts(&pull.recv_multipart().unwrap()), ["a", "b"]);
    assert_eq!(pull.recv_msg().unwrap().to_str().unwrap(), "c");
}

#[test]
fn empty_multipart_is_refused() {
    let push = Push::new().unwrap();
    let err = push.send_multipart(Vec::<Msg>::new()).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::InvalidInput(_)));
}

#[test]
fn hwm_counts_whole_messages_and_push_blocks() {
    let ctx = ctx();
    let addr = inproc();
    let push = PushBuilder::new()
        .bind(&addr)
        .send_hwm(2)
        .send_timeout(Duration::from_millis(50))
        .with_ctx(ctx.handle())
        .unwrap();
    let pull = PullBuilder::new()
        .connect(&addr)
        .recv_hwm(1)
        .recv_timeout(TIMEOUT)
        .with_ctx(ctx.handle())
        .unwrap();
    // send HWM 2 + receive HWM 1: three messages of five frames each.
    for i in 0..3 {
        let frames = (0..5).map(|f| format!("{i}.{f}"));
        push.try_send_multipart(frames).unwrap();
    }
    let mut err = push.send_multipart(["x", "y"]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::WouldBlock);
    assert_eq!(err.take().unwrap().len(), 2, "handed back whole");
    for i in 0..3 {
        assert_eq!(
            pull.recv_multipart().unwrap()[4].to_str().unwrap(),
            format!("{i}.4")
        );
    }
    push.send_multipart(["x", "y"]).unwrap();
}

#[test]
fn pair_talks_both_ways_and_refuses_a_second_peer() {
    for transport in TRANSPORTS {
        let ctx = ctx();
        let left = PairBuilder::new()
            .bind(endpoint(transport))
            .recv_timeout(TIMEOUT)
            .send_timeout(TIMEOUT)
            .with_ctx(ctx.handle())
            .unwrap();
        let bound = left.last_endpoint().unwrap();
        let right = PairBuilder::new()
            .connect(&bound)
            .recv_timeout(TIMEOUT)
            .send_timeout(TIMEOUT)
            .with_ctx(ctx.handle())
            .unwrap();
        right.send_multipart(["ping", "1"]).unwrap();
        assert_eq!(texts(&left.recv_multipart().unwrap()), ["ping", "1"]);
        left.send("pong").unwrap();
        assert_eq!(right.recv_msg().unwrap().to_str().unwrap(), "pong");

        // A third PAIR is refused: nothing `left` sends reaches it.
        let third = PairBuilder::new()
            .connect(&bound)
            .recv_timeout(Duration::from_millis(200))
            .with_ctx(ctx.handle())
            .unwrap();
        for i in 0..5 {
            left.send(format!("{i}")).unwrap();
        }
        for i in 0..5 {
            assert_eq!(
                right.recv_msg().unwrap().to_str().unwrap(),
                format!("{i}")
            );
        }
        assert_eq!(
            third.recv_msg().unwrap_err().kind(),
            ErrorKind::WouldBlock,
            "{transport}"
        );
    }
}
