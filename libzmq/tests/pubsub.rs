//! PUB/SUB and XPUB/XSUB over inproc, TCP and IPC: prefix subscriptions,
//! counted unsubscriptions, subscriptions re-sent after a reconnection,
//! XPUB's subscription messages, dropping at the HWM.

mod common;

use common::*;
use libzmq::{addr::Endpoint, prelude::*, *};
use std::time::Duration;

fn pub_on(ctx: &Ctx, transport: &str) -> (Pub, Endpoint) {
    let publisher = PubBuilder::new()
        .bind(endpoint(transport))
        .with_ctx(ctx.handle())
        .unwrap();
    let bound = publisher.last_endpoint().unwrap();
    (publisher, bound)
}

fn sub_to(ctx: &Ctx, endpoint: &Endpoint) -> Sub {
    SubBuilder::new()
        .connect(endpoint)
        .recv_timeout(TIMEOUT)
        .with_ctx(ctx.handle())
        .unwrap()
}

/// Publishes `topic` probes until `sub` receives one (its subscription
/// reached the publisher), then drains the probes still in flight with a
/// final marker.
fn sync(publisher: &Pub, sub: &Sub, topic: &str) {
    assert!(eventually(|| {
        publisher.send(format!("{topic}probe")).unwrap();
        sub.try_recv_msg().is_ok()
    }));
    publisher.send(format!("{topic}sync-end")).unwrap();
    while !sub
        .recv_msg()
        .unwrap()
        .to_str()
        .unwrap()
        .ends_with("sync-end")
    {}
}

/// The XPUB's next message is `expected`.
fn next_is(xpub: &XPub, expected: &[u8], transport: &str) {
    assert_eq!(xpub.recv_msg().unwrap().as_bytes(), expected, "{transport}");
}

fn first_frame(parts: &[Msg]) -> String {
    parts[0].to_str().unwrap().to_owned()
}

#[test]
fn prefix_filtering_over_every_transport() {
    for transport in TRANSPORTS {
        let ctx = ctx();
        let (publisher, bound) = pub_on(&ctx, transport);
        let sub = sub_to(&ctx, &bound);
        sub.subscribe("weather/").unwrap();
        sync(&publisher, &sub, "weather/");

        publisher.send_multipart(["sports/rugby", "30-12"]).unwrap();
        publisher.send_multipart(["weather/paris", "21C"]).unwrap();
        publisher.send("weathe").unwrap(); // shorter than the prefix
        publisher.send_multipart(["weather/oslo", "-3C"]).unwrap();
        let got = sub.recv_multipart().unwrap();
        assert_eq!(first_frame(&got), "weather/paris", "{transport}");
        assert_eq!(got[1].to_str().unwrap(), "21C");
        assert_eq!(first_frame(&sub.recv_multipart().unwrap()), "weather/oslo");
    }
}

#[test]
fn unsubscriptions_are_counted() {
    let ctx = ctx();
    let (publisher, bound) = pub_on(&ctx, "tcp");
    let sub = sub_to(&ctx, &bound);
    sub.set_recv_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    sub.subscribe("A").unwrap();
    sub.subscribe("A").unwrap();
    sub.subscribe("B").unwrap();
    sync(&publisher, &sub, "B");
    sub.unsubscribe("A").unwrap(); // one left
    sub.unsubscribe("B").unwrap();
    sub.unsubscribe("never subscribed").unwrap();
    // Wait until the CANCEL of B is applied: B stops arriving, A still does.
    assert!(eventually(|| {
        publisher.send("B-late").unwrap();
        publisher.send("A-mark").unwrap();
        let first = sub.recv_msg().unwrap();
        first.as_bytes() == b"A-mark"
    }));
    sub.unsubscribe("A").unwrap();
    // Now nothing at all arrives (every subscription is cancelled).
    assert!(eventually(|| {
        publisher.send("A-after").unwrap();
        sub.recv_msg().is_err()
    }));
}

#[test]
fn everything_subscription_and_many_subscribers() {
    let ctx = ctx();
    let (publisher, bound) = pub_on(&ctx, "inproc");
    let subs: Vec<Sub> = (0..100)
        .map(|i| {
            let sub = sub_to(&ctx, &bound);
            sub.subscribe(format!("{i:03}")).unwrap();
            sub
        })
        .collect();
    let all = sub_to(&ctx, &bound);
    all.subscribe("").unwrap();
    // inproc subscriptions are in the pipes already.
    for i in 0..100 {
        publisher.send(format!("{i:03} news")).unwrap();
    }
    for (i, sub) in subs.iter().enumerate() {
        assert_eq!(
            sub.recv_msg().unwrap().to_str().unwrap(),
            format!("{i:03} news")
        );
        assert!(sub.try_recv_msg().is_err(), "only its own prefix");
    }
    for i in 0..100 {
        assert_eq!(
            all.recv_msg().unwrap().to_str().unwrap(),
            format!("{i:03} news")
        );
    }
}

/// A message matching several prefixes of one subscriber reaches it once;
/// one matching a single prefix goes only to that prefix's subscribers.
#[test]
fn overlapping_prefixes_deliver_one_copy_each() {
    let ctx = ctx();
    let (publisher, bound) = pub_on(&ctx, "inproc");
    let both = sub_to(&ctx, &bound);
    both.subscribe("A").unwrap();
    both.subscribe("AB").unwrap();
    let short = sub_to(&ctx, &bound);
    short.subscribe("A").unwrap();
    let long = sub_to(&ctx, &bound);
    long.subscribe("AB").unwrap();
    for topic in ["ABC", "AX", "B"] {
        publisher.send(topic).unwrap();
    }
    publisher.send("AB end").unwrap();
    let received = |sub: &Sub| {
        let mut seen = Vec::new();
        loop {
            let text = sub.recv_msg().unwrap().to_str().unwrap().to_owned();
            if text == "AB end" {
                return seen;
            }
            seen.push(text);
        }
    };
    assert_eq!(received(&both), ["ABC", "AX"]);
    assert_eq!(received(&short), ["ABC", "AX"]);
    assert_eq!(received(&long), ["ABC"]);
    for sub in [&both, &short, &long] {
        assert!(sub.try_recv_msg().is_err(), "one copy each");
    }
}

#[test]
fn pub_drops_at_hwm_and_never_blocks() {
    let ctx = ctx();
    let addr = inproc();
    let publisher = PubBuilder::new()
        .bind(&addr)
        .send_hwm(5)
        .with_ctx(ctx.handle())
        .unwrap();
    let sub = SubBuilder::new()
        .connect(&addr)
        .recv_hwm(5)
        .recv_timeout(Duration::from_millis(100))
        .with_ctx(ctx.handle())
        .unwrap();
    sub.subscribe("").unwrap();
    for i in 0..100 {
        publisher.try_send(format!("{i}")).unwrap();
    }
    let mut got = Vec::new();
    while let Ok(msg) = sub.recv_msg() {
        got.push(msg.to_str().unwrap().to_owned());
    }
    let expected: Vec<String> = (0..10).map(|i| format!("{i}")).collect();
    assert_eq!(got, expected, "the first 10 (both HWMs), the rest dropped");
}

#[test]
fn subscriptions_are_sent_again_after_a_reconnection() {
    let ctx = ctx();
    let (publisher, bound) = pub_on(&ctx, "tcp");
    let sub = sub_to(&ctx, &bound);
    sub.subscribe("x").unwrap();
    sync(&publisher, &sub, "x");
    drop(publisher);
    // A new publisher on the same port: the SUB reconnects and subscribes.
    let publisher = PubBuilder::new()
        .bind(&bound)
        .with_ctx(ctx.handle())
        .unwrap();
    sync(&publisher, &sub, "x");
    publisher.send("y-no").unwrap();
    publisher.send("x-yes").unwrap();
    assert_eq!(sub.recv_msg().unwrap().to_str().unwrap(), "x-yes");
}

#[test]
fn xpub_reports_subscriptions() {
    for transport in TRANSPORTS {
        let ctx = ctx();
        let xpub = XPubBuilder::new()
            .bind(endpoint(transport))
            .recv_timeout(TIMEOUT)
            .with_ctx(ctx.handle())
            .unwrap();
        let bound = xpub.last_endpoint().unwrap();
        let one = sub_to(&ctx, &bound);
        let two = sub_to(&ctx, &bound);
        one.subscribe("news").unwrap();
        next_is(&xpub, b"\x01news", transport);
        // A second subscriber to the same prefix is not reported (not verbose)...
        two.subscribe("news").unwrap();
        two.subscribe("zz").unwrap();
        next_is(&xpub, b"\x01zz", transport);
        // ...nor the first of two unsubscriptions; the last one is.
        one.unsubscribe("news").unwrap();
        two.unsubscribe("news").unwrap();
        next_is(&xpub, b"\x00news", transport);
        // A subscriber that leaves takes its subscriptions along.
        drop(two);
        next_is(&xpub, b"\x00zz", transport);
    }
}

#[test]
fn xpub_verbose_and_welcome_message() {
    let ctx = ctx();
    let addr = inproc();
    let xpub = XPubBuilder::new()
        .bind(&addr)
        .recv_timeout(TIMEOUT)
        .with_ctx(ctx.handle())
        .unwrap();
    xpub.set_verbose(true).unwrap();
    xpub.set_welcome_msg(Some("welcome")).unwrap();
    let sub = sub_to(&ctx, &addr);
    sub.subscribe("welcome").unwrap();
    sub.subscribe("welcome").unwrap();
    // The XPUB takes its new peer (and sends the welcome) on its next call,
    // as libzmq's XPUB does when it processes its commands.
    assert_eq!(xpub.recv_msg().unwrap().as_bytes(), b"\x01welcome");
    assert_eq!(
        xpub.recv_msg().unwrap().as_bytes(),
        b"\x01welcome",
        "verbose"
    );
    assert_eq!(sub.recv_msg().unwrap().to_str().unwrap(), "welcome");
}

#[test]
fn xpub_no_drop_waits_for_room() {
    let ctx = ctx();
    let addr = inproc();
    let xpub = XPubBuilder::new()
        .bind(&addr)
        .send_hwm(1)
        .send_timeout(Duration::from_millis(50))
        .with_ctx(ctx.handle())
        .unwrap();
    xpub.set_no_drop(true).unwrap();
    assert!(xpub.no_drop().unwrap());
    let sub = SubBuilder::new()
        .connect(&addr)
        .recv_hwm(1)
        .recv_timeout(TIMEOUT)
        .with_ctx(ctx.handle())
        .unwrap();
    sub.subscribe("").unwrap();
    xpub.send("1").unwrap();
    xpub.send("2").unwrap();
    let mut err = xpub.send("3").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::WouldBlock);
    assert_eq!(err.take().unwrap().to_str().unwrap(), "3");
    assert_eq!(sub.recv_msg().unwrap().to_str().unwrap(), "1");
    xpub.send("3").unwrap();
}

#[test]
fn xsub_subscribes_with_messages_and_forwards_others() {
    for transport in TRANSPORTS {
        let ctx = ctx();
        let xpub = XPubBuilder::new()
            .bind(endpoint(transport))
            .recv_timeout(TIMEOUT)
            .with_ctx(ctx.handle())
            .unwrap();
        let bound = xpub.last_endpoint().unwrap();
        let xsub = XSubBuilder::new()
            .connect(&bound)
            .recv_timeout(TIMEOUT)
            .with_ctx(ctx.handle())
            .unwrap();
        xsub.send(b"\x01A".as_slice()).unwrap();
        next_is(&xpub, b"\x01A", transport);
        xsub.send("upstream").unwrap();
        assert_eq!(xpub.recv_msg().unwrap().as_bytes(), b"upstream");
        xpub.send("B ignored").unwrap();
        xpub.send_multipart(["A kept", "2"]).unwrap();
        assert_eq!(first_frame(&xsub.recv_multipart().unwrap()), "A kept");
        xsub.send(b"\x00A".as_slice()).unwrap();
        assert_eq!(xpub.recv_msg().unwrap().as_bytes(), b"\x00A");
    }
}

#[test]
fn conflate_keeps_only_the_newest() {
    let ctx = ctx();
    let addr = inproc();
    let publisher = PubBuilder::new()
        .bind(&addr)
        .with_ctx(ctx.handle())
        .unwrap();
    let sub = Sub::with_ctx(ctx.handle()).unwrap();
    sub.set_conflate(true).unwrap();
    sub.set_recv_timeout(Some(TIMEOUT)).unwrap();
    sub.connect(&addr).unwrap();
    sub.subscribe("").unwrap();
    for i in 0..1000 {
        publisher.send(format!("{i}")).unwrap();
    }
    assert_eq!(sub.recv_msg().unwrap().to_str().unwrap(), "999");
    assert_eq!(
        sub.try_recv_msg().unwrap_err().kind(),
        ErrorKind::WouldBlock
    );

    // Over TCP (no HWM anywhere, so nothing is dropped but by conflation)
    // the newest always arrives, and older ones are skipped.
    let (publisher, bound) = pub_on(&ctx, "tcp");
    publisher.set_send_hwm(0).unwrap();
    let sub = Sub::with_ctx(ctx.handle()).unwrap();
    sub.set_recv_hwm(0).unwrap();
    sub.set_conflate(true).unwrap();
    sub.set_recv_timeout(Some(TIMEOUT)).unwrap();
    sub.connect(&bound).unwrap();
    sub.subscribe("").unwrap();
    sync(&publisher, &sub, "");
    for i in 0..10_000 {
        publisher.send(format!("{i}")).unwrap();
    }
    let mut received = 0;
    while sub.recv_msg().unwrap().to_str().unwrap() != "9999" {
        received += 1;
    }
    assert!(received < 9999, "nothing was conflated");
}
