//! PUB/SUB and XPUB/XSUB between OUR sockets and the real C libzmq 4.3.5,
//! with either side binding, over TCP and IPC:
//!
//! * PUB → SUB and PUB → XSUB, both ways: prefix subscriptions (a binary
//!   one too), only matching messages arrive, whole (multipart, a 70 kB
//!   frame, empty frames), in order; subscriptions are counted (two
//!   subscribes need two unsubscribes); after an unsubscription the prefix
//!   stops, the others go on.
//! * XPUB ← SUB + XSUB, both ways: the XPUB receives `0x01 prefix` for the
//!   first subscription to a prefix and `0x00 prefix` when its last
//!   subscriber leaves it; with verbose every subscription, with verboser
//!   every unsubscription too; a message an XSUB sends upstream reaches the
//!   XPUB's application whole; the XPUB's messages reach the subscribers
//!   that match.
//! * The XPUB welcome message reaches a new subscriber, both ways.
//!
//! Subscriptions travel asynchronously: the tests publish probes until one
//! arrives (`wait_subscribed`), and check "not reported" by a later
//! subscription on the same connection arriving first.

mod common;

use common::classic::*;
use common::*;
use interop::lz::ClassicSocket;
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------
// PUB → SUB / XSUB
// ---------------------------------------------------------------------------

/// What a publisher and a subscriber go through, whichever is whose.
fn publish_run(label: &str, publisher: &dyn Ends, sub: &dyn Subscriber) {
    sub.subscribe_to(b"weather/");
    sub.subscribe_to(b"\x00bin");
    wait_subscribed(label, publisher, sub, b"weather/probe");
    wait_subscribed(label, publisher, sub, b"\x00bin-probe");

    let big = payload(7, 70_000);
    let sent: Vec<Vec<&[u8]>> = vec![
        vec![b"sport/rugby", b"x"],
        vec![b"weather/paris", b"21", b"C"],
        vec![b"weathe", b"too short"],
        vec![b"\x00binary", b""],
        vec![b"Weather/case"],
        vec![b"weather/", &big, b""],
        vec![b"\x01bin"],
        vec![b"", b"empty topic"],
        vec![b"weather/last"],
    ];
    for m in &sent {
        publisher.send_frames(m);
    }
    let matching = |m: &&Vec<&[u8]>| {
        m[0].starts_with(b"weather/") || m[0].starts_with(b"\x00bin")
    };
    for m in sent.iter().filter(matching) {
        let got = sub.recv_frames();
        assert!(
            got == frames(m),
            "{label}: {:?}: got {} frames",
            m[0],
            got.len()
        );
    }
    sub.gets_nothing(label);

    // Counted: two subscribes, one unsubscribe, still subscribed. The
    // subscription to "sync" that follows on the same connection proves a
    // wrongly sent cancellation would have arrived first.
    sub.subscribe_to(b"count");
    sub.subscribe_to(b"count");
    wait_subscribed(label, publisher, sub, b"count-probe");
    sub.unsubscribe_from(b"count");
    sub.subscribe_to(b"sync");
    wait_subscribed(label, publisher, sub, b"sync-probe");
    publisher.send_frames(&[b"count-1"]);
    assert_eq!(sub.recv_frames(), frames(&[b"count-1"]), "{label}");
    sub.unsubscribe_from(b"count");
    wait_unsubscribed(label, publisher, sub, b"count-2", b"sync/1");

    // Unsubscribe a prefix: it stops, the others go on.
    sub.unsubscribe_from(b"weather/");
    wait_unsubscribed(label, publisher, sub, b"weather/x", b"sync/2");
    publisher.send_frames(&[b"weather/y"]);
    publisher.send_frames(&[b"\x00bin-still", b"here"]);
    assert_eq!(
        sub.recv_frames(),
        frames(&[&b"\x00bin-still"[..], b"here"]),
        "{label}"
    );
    sub.gets_nothing(label);
}

fn rs_pub_lz_sub(binds: Binds, transport: Transport, kind: i32) {
    let ctx = Ctx::new();
    let lz_ctx = lz::Ctx::new();
    let publisher = rs_pub(&ctx);
    let sub = lz_classic(&lz_ctx, kind);
    link(binds, transport, &publisher, &sub);
    let label =
        format!("our Pub → libzmq {kind}, {binds:?} bind, {transport:?}");
    publish_run(&label, &publisher, &sub);
}

fn rs_pub_lz_sub_run(binds: Binds, transport: Transport) {
    rs_pub_lz_sub(binds, transport, lz::SUB);
}

fn rs_pub_lz_xsub_run(binds: Binds, transport: Transport) {
    rs_pub_lz_sub(binds, transport, lz::XSUB);
}

fn lz_pub_rs_sub_run(binds: Binds, transport: Transport) {
    let ctx = Ctx::new();
    let lz_ctx = lz::Ctx::new();
    let publisher = lz_classic(&lz_ctx, lz::PUB);
    let sub = rs_sub(&ctx);
    link(binds, transport, &sub, &publisher);
    let label = format!("libzmq PUB → our Sub, {binds:?} bind, {transport:?}");
    publish_run(&label, &publisher, &sub);
}

fn lz_pub_rs_xsub_run(binds: Binds, transport: Transport) {
    let ctx = Ctx::new();
    let lz_ctx = lz::Ctx::new();
    let publisher = lz_classic(&lz_ctx, lz::PUB);
    let sub = rs_xsub(&ctx);
    link(binds, transport, &sub, &publisher);
    let label = format!("libzmq PUB → our XSub, {binds:?} bind, {transport:?}");
    publish_run(&label, &publisher, &sub);
}

classic_matrix! {
    rs_pub_lz_sub_run: rs_pub_lz_sub_tcp_rs_binds, rs_pub_lz_sub_tcp_lz_binds,
        rs_pub_lz_sub_ipc_rs_binds, rs_pub_lz_sub_ipc_lz_binds;
    rs_pub_lz_xsub_run: rs_pub_lz_xsub_tcp_rs_binds, rs_pub_lz_xsub_tcp_lz_binds,
        rs_pub_lz_xsub_ipc_rs_binds, rs_pub_lz_xsub_ipc_lz_binds;
    lz_pub_rs_sub_run: lz_pub_rs_sub_tcp_rs_binds, lz_pub_rs_sub_tcp_lz_binds,
        lz_pub_rs_sub_ipc_rs_binds, lz_pub_rs_sub_ipc_lz_binds;
    lz_pub_rs_xsub_run: lz_pub_rs_xsub_tcp_rs_binds, lz_pub_rs_xsub_tcp_lz_binds,
        lz_pub_rs_xsub_ipc_rs_binds, lz_pub_rs_xsub_ipc_lz_binds;
}

// ---------------------------------------------------------------------------
// XPUB ← SUB + XSUB
// ---------------------------------------------------------------------------

/// An XPUB, ours or libzmq's.
trait XPubEnd: Ends {
    fn verbose(&self, on: bool);
    fn verboser(&self, on: bool);
}

impl XPubEnd for XPub {
    fn verbose(&self, on: bool) {
        self.set_verbose(on).unwrap();
    }
    fn verboser(&self, on: bool) {
        self.set_verboser(on).unwrap();
    }
}

impl XPubEnd for ClassicSocket {
    fn verbose(&self, on: bool) {
        self.set_xpub_verbose(on).unwrap();
    }
    fn verboser(&self, on: bool) {
        self.set_xpub_verboser(on).unwrap();
    }
}

/// The next message on `xpub` is the subscription message `flag prefix`.
/// Meanwhile the subscribers in `pumps` are kept busy: like libzmq's, our
/// sockets take in a peer that connected to them (and send it their
/// subscriptions) in their own calls, so a bound SUB must be used.
fn reported(
    label: &str,
    xpub: &dyn XPubEnd,
    pumps: &[&dyn Subscriber],
    subscribe: bool,
    prefix: &[u8],
) {
    let deadline = Instant::now() + TIMEOUT;
    let got = loop {
        if let Some(m) = xpub.recv_within(PROBE_WAIT) {
            break m;
        }
        for pump in pumps {
            if let Some(m) = pump.recv_within(Duration::from_millis(1)) {
                panic!("{label}: {} received {m:?}", pump.who());
            }
        }
        assert!(
            Instant::now() < deadline,
            "{label}: {prefix:?} not reported"
        );
    };
    assert_eq!(
        got,
        vec![subscription_msg(subscribe, prefix)],
        "{label}: {} {prefix:?}",
        if subscribe {
            "subscription"
        } else {
            "cancellation"
        }
    );
}

/// What an XPUB with a SUB (`sub`) and an XSUB (`xsub`) goes through.
fn xpub_run(
    label: &str,
    xpub: &dyn XPubEnd,
    sub: &dyn Subscriber,
    xsub: &dyn Subscriber,
) {
    // The first subscription to a prefix is reported, a second one (from
    // the other subscriber) is not: "B", later on the same connection,
    // comes next.
    sub.subscribe_to(b"A");
    reported(label, xpub, &[sub, xsub], true, b"A");
    xsub.subscribe_to(b"A");
    xsub.subscribe_to(b"B");
    reported(label, xpub, &[sub, xsub], true, b"B");
    // Only the last unsubscription is reported.
    sub.unsubscribe_from(b"A");
    xsub.unsubscribe_from(b"A");
    reported(label, xpub, &[sub, xsub], false, b"A");
    xpub.gets_nothing(label);

    // Messages go to the matching subscribers only.
    xpub.send_frames(&[b"B-news", b"", b"2"]);
    assert_eq!(
        xsub.recv_frames(),
        frames(&[&b"B-news"[..], b"", b"2"]),
        "{label}"
    );
    sub.gets_nothing(label);

    // An XSUB's other messages go upstream, whole.
    xsub.send_frames(&[b"hello", b"up", b""]);
    assert_eq!(
        xpub.recv_frames(),
        frames(&[&b"hello"[..], b"up", b""]),
        "{label}"
    );

    // Verbose: every subscription; not every unsubscription ("C" after
    // "B" on the same connection comes first).
    xpub.verbose(true);
    sub.subscribe_to(b"B");
    reported(label, xpub, &[sub, xsub], true, b"B");
    sub.unsubscribe_from(b"B");
    sub.subscribe_to(b"C");
    reported(label, xpub, &[sub, xsub], true, b"C");
    // Verboser: every unsubscription too.
    xpub.verboser(true);
    sub.subscribe_to(b"B");
    reported(label, xpub, &[sub, xsub], true, b"B");
    sub.unsubscribe_from(b"B");
    reported(label, xpub, &[sub, xsub], false, b"B");
    xpub.gets_nothing(label);
}

fn rs_xpub_lz_subs(binds: Binds, transport: Transport) {
    let ctx = Ctx::new();
    let lz_ctx = lz::Ctx::new();
    let xpub = rs_xpub(&ctx);
    let sub = lz_classic(&lz_ctx, lz::SUB);
    let xsub = lz_classic(&lz_ctx, lz::XSUB);
    link(binds, transport, &xpub, &sub);
    link(binds, transport, &xpub, &xsub);
    let label =
        format!("our XPub, libzmq SUB and XSUB, {binds:?} bind, {transport:?}");
    xpub_run(&label, &xpub, &sub, &xsub);
}

fn lz_xpub_rs_subs(binds: Binds, transport: Transport) {
    let ctx = Ctx::new();
    let lz_ctx = lz::Ctx::new();
    let xpub = lz_classic(&lz_ctx, lz::XPUB);
    let sub = rs_sub(&ctx);
    let xsub = rs_xsub(&ctx);
    link(binds, transport, &sub, &xpub);
    link(binds, transport, &xsub, &xpub);
    let label =
        format!("libzmq XPUB, our Sub and XSub, {binds:?} bind, {transport:?}");
    xpub_run(&label, &xpub, &sub, &xsub);
}

classic_matrix! {
    rs_xpub_lz_subs: rs_xpub_lz_subs_tcp_rs_binds, rs_xpub_lz_subs_tcp_lz_binds,
        rs_xpub_lz_subs_ipc_rs_binds, rs_xpub_lz_subs_ipc_lz_binds;
    lz_xpub_rs_subs: lz_xpub_rs_subs_tcp_rs_binds, lz_xpub_rs_subs_tcp_lz_binds,
        lz_xpub_rs_subs_ipc_rs_binds, lz_xpub_rs_subs_ipc_lz_binds;
}

// ---------------------------------------------------------------------------
// Welcome message
// ---------------------------------------------------------------------------

const WELCOME: &[u8] = b"W-welcome";

#[test]
fn rs_xpub_welcomes_lz_sub() {
    let ctx = Ctx::new();
    let lz_ctx = lz::Ctx::new();
    let xpub = rs_xpub(&ctx);
    xpub.set_welcome_msg(Some(WELCOME)).unwrap();
    let sub = lz_classic(&lz_ctx, lz::SUB);
    sub.subscribe(b"W").unwrap();
    link(Binds::Ours, Transport::Tcp, &xpub, &sub);
    // As in libzmq, a socket attaches its new peers in its own calls: the
    // XPUB reads the subscription first.
    reported("welcome", &xpub, &[], true, b"W");
    assert_eq!(sub.recv_frames(), frames(&[WELCOME]));
}

#[test]
fn lz_xpub_welcomes_rs_sub() {
    let ctx = Ctx::new();
    let lz_ctx = lz::Ctx::new();
    let xpub = lz_classic(&lz_ctx, lz::XPUB);
    xpub.set_xpub_welcome_msg(WELCOME).unwrap();
    let sub = rs_sub(&ctx);
    sub.subscribe("W").unwrap();
    link(Binds::Theirs, Transport::Tcp, &sub, &xpub);
    reported("welcome", &xpub, &[], true, b"W");
    assert_eq!(sub.recv_frames(), frames(&[WELCOME]));
}
