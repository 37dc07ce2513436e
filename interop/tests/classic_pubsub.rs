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
use common::scenarios::*;
use common::*;

// ---------------------------------------------------------------------------
// PUB → SUB / XSUB
// ---------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------
// Reconnection
// ---------------------------------------------------------------------------

/// A libzmq PUB bound to `endpoint` (retried while the port is still
/// held by the previous one).
fn lz_pub_at(lz_ctx: &lz::Ctx, endpoint: &str) -> lz::ClassicSocket {
    let publisher = lz_classic(lz_ctx, lz::PUB);
    eventually("bind again", || publisher.bind(endpoint).ok());
    publisher
}

#[test]
fn rs_sub_resubscribes_to_restarted_lz_pub() {
    let (ctx, lz_ctx) = (Ctx::new(), lz::Ctx::new());
    let endpoint = format!("tcp://127.0.0.1:{}", free_tcp_port());
    let sub = rs_sub(&ctx);
    sub.subscribe("A").unwrap();
    let first = lz_pub_at(&lz_ctx, &endpoint);
    sub.connect(to_rs_endpoint(&endpoint)).unwrap();
    wait_subscribed("first PUB", &first, &sub, b"A/probe");
    drop(first);
    // No new subscribe call: our Sub sends its subscriptions again.
    let second = lz_pub_at(&lz_ctx, &endpoint);
    wait_subscribed("restarted PUB", &second, &sub, b"A/probe");
    second.send_frames(&[b"B/not subscribed"]);
    second.send_frames(&[b"A/after", b"restart"]);
    assert_eq!(sub.recv_frames(), frames(&[&b"A/after"[..], b"restart"]));
}

#[test]
fn lz_sub_resubscribes_to_restarted_rs_pub() {
    let (ctx, lz_ctx) = (Ctx::new(), lz::Ctx::new());
    let addr =
        TcpAddr::try_from(format!("127.0.0.1:{}", free_tcp_port())).unwrap();
    let sub = lz_classic(&lz_ctx, lz::SUB);
    sub.subscribe(b"A").unwrap();
    let first = rs_pub(&ctx);
    first.bind(&addr).unwrap();
    sub.connect(&format!("tcp://{addr}")).unwrap();
    wait_subscribed("first Pub", &first, &sub, b"A/probe");
    drop(first);
    let second = rs_pub(&ctx);
    eventually("bind again", || second.bind(&addr).ok());
    wait_subscribed("restarted Pub", &second, &sub, b"A/probe");
}

// ---------------------------------------------------------------------------
// XSUB/XPUB forwarder
// ---------------------------------------------------------------------------

/// libzmq PUB → our XSub | proxy | our XPub → libzmq SUB: subscriptions
/// travel up through the proxy, messages down.
#[test]
fn lz_pub_through_rs_forwarder_to_lz_sub() {
    let (proxy_ctx, lz_ctx) = (Ctx::new(), lz::Ctx::new());
    let publisher = lz_classic(&lz_ctx, lz::PUB);
    let xsub = rs_xsub(&proxy_ctx);
    link(Binds::Theirs, Transport::Tcp, &xsub, &publisher);
    let xpub = rs_xpub(&proxy_ctx);
    let sub = lz_classic(&lz_ctx, lz::SUB);
    link(Binds::Ours, Transport::Tcp, &xpub, &sub);
    let forwarder = std::thread::spawn(move || libzmq::proxy(xsub, xpub));

    let label = "libzmq PUB, our forwarder, libzmq SUB";
    sub.subscribe(b"news").unwrap();
    wait_subscribed(label, &publisher, &sub, b"news/probe");
    publisher.send_frames(&[b"sport", b"1"]);
    publisher.send_frames(&[b"news/today", b"", b"2"]);
    assert_eq!(
        sub.recv_frames(),
        frames(&[&b"news/today"[..], b"", b"2"]),
        "{label}"
    );
    sub.subscribe(b"other").unwrap();
    wait_subscribed(label, &publisher, &sub, b"other/probe");
    sub.unsubscribe(b"news").unwrap();
    wait_unsubscribed(label, &publisher, &sub, b"news/x", b"other/marker");

    proxy_ctx.shutdown();
    let stopped = forwarder.join().unwrap().unwrap_err();
    assert_eq!(stopped.kind(), ErrorKind::InvalidCtx);
}

// ---------------------------------------------------------------------------
// A slow subscriber
// ---------------------------------------------------------------------------

/// Our PUB never blocks on a libzmq SUB that does not read: past the HWMs
/// (and the socket buffers) messages are dropped, whole, and what arrives
/// is in order.
#[test]
fn rs_pub_drops_whole_messages_for_slow_lz_sub() {
    let (ctx, lz_ctx) = (Ctx::new(), lz::Ctx::new());
    let publisher = rs_pub(&ctx);
    publisher.set_send_hwm(10).unwrap();
    let sub = lz_classic(&lz_ctx, lz::SUB);
    sub.set_rcvhwm(10).unwrap();
    sub.subscribe(b"").unwrap();
    link(Binds::Ours, Transport::Tcp, &publisher, &sub);
    wait_subscribed("slow SUB", &publisher, &sub, b"probe");

    const SENT: u32 = 20_000;
    let body = payload(9, 1000);
    let started = std::time::Instant::now();
    for i in 0..SENT {
        rs_send(&publisher, &[&i.to_be_bytes(), &body]);
    }
    // Blocking even once would have cost a send timeout.
    assert!(started.elapsed() < TIMEOUT, "{:?}", started.elapsed());
    let mut last = None;
    let mut count = 0;
    while let Some(m) = sub.recv_within(NOTHING_WAIT) {
        assert_eq!(m.len(), 2, "a whole message");
        assert!(m[1] == body);
        let i = u32::from_be_bytes(m[0].as_slice().try_into().unwrap());
        assert!(last.is_none_or(|last| i > last), "{i} after {last:?}");
        last = Some(i);
        count += 1;
    }
    assert!(count > 0 && count < SENT, "{count} of {SENT} arrived");
}

/// Our SUB subscribes and connects before the libzmq PUB binds: its first
/// connection carries the subscriptions.
#[test]
fn rs_sub_connects_before_lz_pub_binds() {
    let (ctx, lz_ctx) = (Ctx::new(), lz::Ctx::new());
    let endpoint = format!("tcp://127.0.0.1:{}", free_tcp_port());
    let sub = rs_sub(&ctx);
    sub.subscribe("A").unwrap();
    sub.connect(to_rs_endpoint(&endpoint)).unwrap();
    let publisher = lz_pub_at(&lz_ctx, &endpoint);
    wait_subscribed("PUB bound late", &publisher, &sub, b"A/probe");
}
