//! `immediate` (libzmq's `ZMQ_IMMEDIATE`): a TCP or IPC connect queues only
//! to a peer whose connection is up; without it (the default) a connect's
//! queue exists at once and keeps what was sent while the peer was away.

mod common;

use common::*;
use libzmq::monitor::{EventKind, Monitor};
use libzmq::{addr::Endpoint, config::*, prelude::*, *};
use std::time::{Duration, Instant};

/// The stream transports `immediate` applies to.
const STREAM_TRANSPORTS: [&str; 2] = ["tcp", "ipc"];

/// An address of `transport` that nobody listens on yet and that can be
/// bound again after its socket is dropped.
fn unbound(transport: &str) -> Endpoint {
    match transport {
        "tcp" => free_port().into(),
        "ipc" => endpoint("ipc-abstract"),
        other => panic!("not a stream transport: {other}"),
    }
}

/// Waits for the monitor event `wanted` about `endpoint`.
fn wait_for(
    monitor: &Monitor,
    endpoint: &Endpoint,
    wanted: impl Fn(&EventKind) -> bool,
) {
    let deadline = Instant::now() + TIMEOUT;
    let mut seen = Vec::new();
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match monitor.recv_timeout(left) {
            Some(event)
                if &event.endpoint == endpoint && wanted(&event.kind) =>
            {
                return
            }
            Some(event) => seen.push(event.to_string()),
            None => break,
        }
    }
    panic!("no such event for {endpoint:?}; got {seen:#?}");
}

fn handshake_done(kind: &EventKind) -> bool {
    matches!(kind, EventKind::HandshakeSucceeded { .. })
}

fn disconnected(kind: &EventKind) -> bool {
    matches!(kind, EventKind::Disconnected { .. })
}

fn pull_on(ctx: &Ctx, endpoint: &Endpoint) -> Pull {
    PullBuilder::new()
        .bind(endpoint)
        .recv_timeout(TIMEOUT)
        .with_ctx(ctx.handle())
        .unwrap()
}

fn push(ctx: &Ctx, immediate: bool) -> Push {
    PushBuilder::new()
        .immediate(immediate)
        .send_timeout(TIMEOUT)
        .with_ctx(ctx.handle())
        .unwrap()
}

fn text(msg: Msg) -> String {
    msg.to_str().unwrap().to_owned()
}

#[test]
fn push_sends_only_to_the_endpoint_that_is_up_then_round_robins() {
    for transport in STREAM_TRANSPORTS {
        let ctx = ctx();
        let live = pull_on(&ctx, &endpoint(transport));
        let live_at = live.last_endpoint().unwrap();
        let later_at = unbound(transport);
        let push = push(&ctx, true);
        assert!(push.immediate().unwrap());
        let events = push.monitor();
        push.connect(&later_at).unwrap();
        push.connect(&live_at).unwrap();
        // Every message reaches the peer that is up: none waits in a queue
        // of the one nobody bound.
        for i in 0..10 {
            push.send(format!("first-{i}")).unwrap();
        }
        for i in 0..10 {
            assert_eq!(text(live.recv_msg().unwrap()), format!("first-{i}"));
        }

        let later = pull_on(&ctx, &later_at);
        wait_for(&events, &later_at, handshake_done);
        for i in 0..10 {
            push.send(format!("second-{i}")).unwrap();
        }
        // Round robin over both peers: five each, in order per peer.
        let a: Vec<String> =
            (0..5).map(|_| text(live.recv_msg().unwrap())).collect();
        let b: Vec<String> =
            (0..5).map(|_| text(later.recv_msg().unwrap())).collect();
        let mut all: Vec<&String> = a.iter().chain(&b).collect();
        all.sort_by_key(|m| m[7..].parse::<u32>().unwrap());
        let expected: Vec<String> =
            (0..10).map(|i| format!("second-{i}")).collect();
        assert_eq!(all, expected.iter().collect::<Vec<_>>(), "{transport}");
        assert!(a.windows(2).all(|w| w[0] < w[1]), "{transport}: {a:?}");
        assert_eq!(
            live.try_recv_msg().unwrap_err().kind(),
            ErrorKind::WouldBlock
        );
    }
}

#[test]
fn without_immediate_a_message_waits_for_the_unbound_peer() {
    for transport in STREAM_TRANSPORTS {
        let ctx = ctx();
        let live = pull_on(&ctx, &endpoint(transport));
        let later_at = unbound(transport);
        let push = push(&ctx, false);
        assert!(!push.immediate().unwrap());
        push.connect(&later_at).unwrap();
        push.connect(live.last_endpoint().unwrap()).unwrap();
        // Both peers exist at once: the first message goes to the queue of
        // the endpoint nobody bound, the second to the live one.
        push.send("to-later").unwrap();
        push.send("to-live").unwrap();
        assert_eq!(text(live.recv_msg().unwrap()), "to-live");
        let later = pull_on(&ctx, &later_at);
        assert_eq!(text(later.recv_msg().unwrap()), "to-later", "{transport}");
        assert_eq!(
            live.try_recv_msg().unwrap_err().kind(),
            ErrorKind::WouldBlock
        );
    }
}

#[test]
fn no_connected_peer_blocks_like_no_peer() {
    for transport in STREAM_TRANSPORTS {
        let ctx = ctx();
        let push = push(&ctx, true);
        push.connect(unbound(transport)).unwrap();
        let err = push.try_send("x").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::WouldBlock, "{transport}");
        assert_eq!(err.get().unwrap().to_str().unwrap(), "x");
        push.set_send_timeout(Some(Duration::from_millis(100)))
            .unwrap();
        let started = Instant::now();
        let err = push.send("y").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::WouldBlock, "{transport}");
        assert!(started.elapsed() >= Duration::from_millis(100));

        // The seed types share the mechanism.
        let client = ClientBuilder::new()
            .immediate(true)
            .connect(unbound(transport))
            .with_ctx(ctx.handle())
            .unwrap();
        let err = client.try_send("x").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::WouldBlock, "{transport}");
        // Without immediate the queue takes it.
        let client = ClientBuilder::new()
            .connect(unbound(transport))
            .with_ctx(ctx.handle())
            .unwrap();
        client.try_send("x").unwrap();
    }
}

#[test]
fn a_peer_that_leaves_is_skipped_and_comes_back_after_a_rebind() {
    for transport in STREAM_TRANSPORTS {
        let ctx = ctx();
        let stays = pull_on(&ctx, &endpoint(transport));
        let leaves = pull_on(&ctx, &endpoint(transport));
        let leaves_at = leaves.last_endpoint().unwrap();
        let push = push(&ctx, true);
        let events = push.monitor();
        push.connect(stays.last_endpoint().unwrap()).unwrap();
        push.connect(&leaves_at).unwrap();
        wait_for(&events, &leaves_at, handshake_done);
        assert!(eventually(|| push.counters().connected_peers == 2));
        push.send("a").unwrap();
        push.send("b").unwrap();
        let got = [stays.recv_msg().unwrap(), leaves.recv_msg().unwrap()];
        assert_eq!(got.map(text).iter().filter(|m| *m == "a").count(), 1);

        drop(leaves);
        wait_for(&events, &leaves_at, disconnected);
        assert_eq!(push.counters().connected_peers, 1);
        for i in 0..10 {
            push.send(format!("after-{i}")).unwrap();
        }
        for i in 0..10 {
            assert_eq!(text(stays.recv_msg().unwrap()), format!("after-{i}"));
        }

        // Bound again at the same address: the connecter reconnects.
        let back = pull_on(&ctx, &leaves_at);
        wait_for(&events, &leaves_at, handshake_done);
        assert_eq!(push.counters().connected_peers, 2);
        push.send("c").unwrap();
        push.send("d").unwrap();
        let got = [stays.recv_msg().unwrap(), back.recv_msg().unwrap()];
        let mut got = got.map(text);
        got.sort();
        assert_eq!(got, ["c", "d"], "{transport}");
    }
}

/// Fills the queues towards a PULL that does not read, drops it, binds a
/// new one at its address and reports the first message it gets.
fn first_message_after_the_peer_came_back(
    transport: &str,
    immediate: bool,
) -> String {
    let ctx = ctx();
    let at = unbound(transport);
    let stalled = PullBuilder::new()
        .bind(&at)
        .recv_hwm(1)
        .with_ctx(ctx.handle())
        .unwrap();
    let push = PushBuilder::new()
        .immediate(immediate)
        .send_hwm(4)
        .send_timeout(TIMEOUT)
        .with_ctx(ctx.handle())
        .unwrap();
    let events = push.monitor();
    push.connect(&at).unwrap();
    wait_for(&events, &at, handshake_done);
    // Until the peer's queue, the kernel's buffers and the PULL are full.
    let body = vec![7u8; 64 * 1024];
    let mut sent = 0;
    let deadline = Instant::now() + TIMEOUT;
    loop {
        match push.try_send(Msg::from(body.clone())) {
            Ok(()) => sent += 1,
            Err(err) if err.kind() == ErrorKind::WouldBlock => {
                // The engine may still be taking messages off the queue.
                std::thread::sleep(Duration::from_millis(20));
                if push.try_send(Msg::from(body.clone())).is_err() {
                    break;
                }
                sent += 1;
            }
            Err(err) => panic!("{err}"),
        }
        assert!(Instant::now() < deadline, "never full after {sent}");
    }
    assert!(sent > 4);
    drop(stalled);
    wait_for(&events, &at, disconnected);
    if immediate {
        // The peer left with its queue: nothing to send to.
        let err = push.try_send("x").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::WouldBlock);
    }
    let back = pull_on(&ctx, &at);
    push.send("new").unwrap();
    let first = back.recv_msg().unwrap();
    if first.len() == body.len() {
        "old".to_owned()
    } else {
        text(first)
    }
}

#[test]
fn an_async_send_waits_for_the_first_connection() {
    use futures::FutureExt;
    for transport in STREAM_TRANSPORTS {
        let ctx = ctx();
        let at = unbound(transport);
        let push = push(&ctx, true);
        push.connect(&at).unwrap();
        let mut sending = Box::pin(push.send_async("waited"));
        assert!((&mut sending).now_or_never().is_none(), "{transport}");
        // The attach of the new connection wakes the future.
        let pull = pull_on(&ctx, &at);
        futures::executor::block_on(sending).unwrap();
        assert_eq!(text(pull.recv_msg().unwrap()), "waited");
    }
}

#[test]
fn what_was_queued_for_a_peer_that_left_is_dropped() {
    for transport in STREAM_TRANSPORTS {
        assert_eq!(
            first_message_after_the_peer_came_back(transport, true),
            "new",
            "{transport}"
        );
    }
}

#[test]
fn without_immediate_the_queue_waits_for_the_next_connection() {
    for transport in STREAM_TRANSPORTS {
        assert_eq!(
            first_message_after_the_peer_came_back(transport, false),
            "old",
            "{transport}"
        );
    }
}

#[test]
fn sub_resubscribes_and_dish_rejoins_after_reconnecting() {
    for transport in STREAM_TRANSPORTS {
        let ctx = ctx();
        let at = unbound(transport);
        let sub = SubBuilder::new()
            .immediate(true)
            .subscribe("a")
            .recv_timeout(TIMEOUT)
            .with_ctx(ctx.handle())
            .unwrap();
        let events = sub.monitor();
        sub.connect(&at).unwrap();
        for round in 0..2 {
            let publisher =
                PubBuilder::new().bind(&at).with_ctx(ctx.handle()).unwrap();
            wait_for(&events, &at, handshake_done);
            // The subscription arrives after the handshake: publish until
            // the SUB gets a message.
            let got = (0..1000).find_map(|_| {
                publisher.send("b-skipped").unwrap();
                publisher.send(format!("a-{round}")).unwrap();
                sub.try_recv_msg().ok().or_else(|| {
                    std::thread::sleep(Duration::from_millis(10));
                    sub.try_recv_msg().ok()
                })
            });
            assert_eq!(text(got.unwrap()), format!("a-{round}"), "{transport}");
            drop(publisher);
            wait_for(&events, &at, disconnected);
            while sub.try_recv_msg().is_ok() {}
        }

        let at = unbound(transport);
        let group = Group::try_from("g").unwrap();
        let dish = DishBuilder::new()
            .immediate(true)
            .join([group.clone()])
            .recv_timeout(TIMEOUT)
            .with_ctx(ctx.handle())
            .unwrap();
        let events = dish.monitor();
        dish.connect(&at).unwrap();
        for round in 0..2 {
            let radio = RadioBuilder::new()
                .bind(&at)
                .with_ctx(ctx.handle())
                .unwrap();
            wait_for(&events, &at, handshake_done);
            let got = (0..1000).find_map(|_| {
                radio.transmit(format!("g-{round}"), &group).unwrap();
                dish.try_recv_msg().ok().or_else(|| {
                    std::thread::sleep(Duration::from_millis(10));
                    dish.try_recv_msg().ok()
                })
            });
            assert_eq!(text(got.unwrap()), format!("g-{round}"), "{transport}");
            drop(radio);
            wait_for(&events, &at, disconnected);
            while dish.try_recv_msg().is_ok() {}
        }
    }
}

#[test]
fn pair_and_router_take_a_reconnected_peer_back() {
    for transport in STREAM_TRANSPORTS {
        let ctx = ctx();
        let at = unbound(transport);
        let pair = PairBuilder::new()
            .immediate(true)
            .recv_timeout(TIMEOUT)
            .send_timeout(TIMEOUT)
            .with_ctx(ctx.handle())
            .unwrap();
        let events = pair.monitor();
        pair.connect(&at).unwrap();
        for round in 0..2 {
            let other = PairBuilder::new()
                .bind(&at)
                .recv_timeout(TIMEOUT)
                .with_ctx(ctx.handle())
                .unwrap();
            other.send(format!("unread-{round}")).unwrap();
            pair.send(format!("ping-{round}")).unwrap();
            assert_eq!(
                text(other.recv_msg().unwrap()),
                format!("ping-{round}")
            );
            // The PAIR has not read what the old peer sent when it leaves:
            // the next one is still let in.
            drop(other);
            wait_for(&events, &at, disconnected);
        }
        assert_eq!(text(pair.recv_msg().unwrap()), "unread-0");
        assert_eq!(text(pair.recv_msg().unwrap()), "unread-1");

        // A connecting ROUTER gives the peer its routing id again after it
        // reconnects, although the old peer's message is still unread (that
        // one comes with a generated id, as after a handover).
        let at = unbound(transport);
        let router = RouterBuilder::new()
            .immediate(true)
            .recv_timeout(TIMEOUT)
            .send_timeout(TIMEOUT)
            .with_ctx(ctx.handle())
            .unwrap();
        router.set_mandatory(true).unwrap();
        let events = router.monitor();
        router.connect(&at).unwrap();
        for round in 0..2 {
            let dealer = DealerBuilder::new()
                .routing_id("worker")
                .bind(&at)
                .recv_timeout(TIMEOUT)
                .with_ctx(ctx.handle())
                .unwrap();
            wait_for(&events, &at, handshake_done);
            dealer.send(format!("hello-{round}")).unwrap();
            let deadline = Instant::now() + TIMEOUT;
            while let Err(err) = router.try_send_multipart(["worker", "job"]) {
                assert!(Instant::now() < deadline, "{err}");
                std::thread::sleep(Duration::from_millis(5));
            }
            assert_eq!(text(dealer.recv_msg().unwrap()), "job");
            drop(dealer);
            wait_for(&events, &at, disconnected);
        }
        let mut got: Vec<(Vec<u8>, String)> = (0..2)
            .map(|_| {
                let parts = router.recv_multipart().unwrap();
                (parts[0].as_bytes().to_vec(), text(parts[1].clone()))
            })
            .collect();
        got.sort_by(|a, b| a.1.cmp(&b.1));
        assert_eq!(got[0].1, "hello-0");
        assert_eq!(got[0].0[0], 0, "a generated id");
        assert_eq!(got[1], (b"worker".to_vec(), "hello-1".to_owned()));
    }
}

#[test]
fn inproc_ignores_immediate_as_libzmq() {
    let ctx = ctx();
    let at = inproc();
    let push = push(&ctx, true);
    push.connect(&at).unwrap();
    // No connection to wait for: the connect queues before the bind.
    push.try_send("early").unwrap();
    let pull = pull_on(&ctx, &at);
    assert_eq!(text(pull.recv_msg().unwrap()), "early");
}

#[test]
fn immediate_in_yaml_and_json_configs() {
    let ctx = ctx();
    let live = pull_on(&ctx, &endpoint("tcp"));
    let Endpoint::Tcp(live_at) = live.last_endpoint().unwrap() else {
        unreachable!()
    };
    let yaml = format!(
        "connect:\n  - tcp: \"{}\"\n  - tcp: \"{live_at}\"\nimmediate: true\nsend_timeout: 10s\n",
        free_port(),
    );
    let config: PushConfig = serde_yaml::from_str(&yaml).unwrap();
    let again: PushConfig =
        serde_yaml::from_str(&serde_yaml::to_string(&config).unwrap()).unwrap();
    assert_eq!(again, config);
    assert!(serde_yaml::to_string(&config)
        .unwrap()
        .contains("immediate: true"));
    let push = config.with_ctx(ctx.handle()).unwrap();
    assert!(push.immediate().unwrap());
    for i in 0..4 {
        push.send(format!("{i}")).unwrap();
    }
    for i in 0..4 {
        assert_eq!(text(live.recv_msg().unwrap()), format!("{i}"));
    }

    // Every type that connects has it; the default is written only when set.
    let client: ClientConfig =
        serde_json::from_str(r#"{"immediate": true}"#).unwrap();
    assert!(client.with_ctx(ctx.handle()).unwrap().immediate().unwrap());
    let dish: DishConfig =
        serde_json::from_str(r#"{"immediate": false}"#).unwrap();
    assert!(!dish.with_ctx(ctx.handle()).unwrap().immediate().unwrap());
    let text = serde_json::to_string(&ClientConfig::new()).unwrap();
    assert!(!text.contains("immediate"), "{text}");
    let toml_text = toml::to_string(&client).unwrap();
    assert_eq!(toml::from_str::<ClientConfig>(&toml_text).unwrap(), client);
    // Unknown keys stay refused.
    let err = serde_json::from_str::<ClientConfig>(r#"{"immediately": true}"#)
        .unwrap_err();
    assert!(err.to_string().contains("immediately"), "{err}");
    let err = serde_yaml::from_str::<ScatterConfig>("immediate: yes please\n")
        .unwrap_err();
    assert!(err.to_string().contains("immediate"), "{err}");
}

#[test]
fn setting_it_on_a_socket_applies_to_later_connects() {
    let ctx = ctx();
    let scatter = Scatter::with_ctx(ctx.handle()).unwrap();
    assert!(!scatter.immediate().unwrap());
    scatter.connect(unbound("tcp")).unwrap();
    // That connect made its queue at once.
    scatter.try_send("queued").unwrap();
    let gather = Gather::with_ctx(ctx.handle()).unwrap();
    gather.set_immediate(true).unwrap();
    assert!(gather.immediate().unwrap());
    let radio = Radio::with_ctx(ctx.handle()).unwrap();
    radio.set_immediate(true).unwrap();
    let server = Server::with_ctx(ctx.handle()).unwrap();
    server.set_immediate(true).unwrap();
    assert!(server.immediate().unwrap());
}
