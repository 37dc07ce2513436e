//! PUSH/PULL and PAIR between OUR sockets and the real C libzmq 4.3.5,
//! with either side binding, over TCP and IPC, and DEALER/ROUTER and
//! PUB/SUB over PLAIN and CURVE:
//!
//! * PUSH → PULL, both ways: 1000 messages of 1 to 3 frames (sizes across
//!   the short/long frame boundary, empty frames) arrive whole and in
//!   order, the sender running ahead in its own thread (HWM back-pressure).
//! * A PUSH connected to two PULLs alternates between them; a PULL with two
//!   PUSHes gets both streams, each in order.
//! * PAIR ↔ PAIR, both ways, multipart; a second libzmq PAIR connecting to
//!   our bound PAIR gets nothing through, the first one still does.
//! * PLAIN: our ROUTER (plain registry) with libzmq DEALERs, right and
//!   wrong password; a libzmq ROUTER (ZAP handler) with our DEALER.
//! * CURVE: our ROUTER with libzmq's key pair and a libzmq DEALER with our
//!   certificate; a libzmq ROUTER with our certificate and our DEALER;
//!   our PUB and a libzmq SUB.

mod common;

use common::classic::*;
use common::*;
use libzmq::auth::*;

// ---------------------------------------------------------------------------
// PUSH → PULL
// ---------------------------------------------------------------------------

/// Messages per PUSH → PULL run.
const COUNT: usize = 1000;

/// Message `i`: 1 to 3 frames, the first numbered.
fn pipeline_msg(i: usize) -> Vec<Vec<u8>> {
    let mut parts = vec![numbered(i, i % 300)];
    if i % 3 >= 1 {
        parts.push(Vec::new());
    }
    if i % 3 == 2 {
        parts.push(payload(i, 250 + i % 10));
    }
    parts
}

fn refs(parts: &[Vec<u8>]) -> Vec<&[u8]> {
    parts.iter().map(Vec::as_slice).collect()
}

/// `push` (moved to a thread) sends [`COUNT`] messages, `pull` checks them.
fn pipeline_run<P: Ends + Send>(label: &str, push: P, pull: &dyn Ends) {
    std::thread::scope(|s| {
        let sender = s.spawn(move || {
            for i in 0..COUNT {
                push.send_frames(&refs(&pipeline_msg(i)));
            }
            push
        });
        for i in 0..COUNT {
            let got = pull.recv_frames();
            assert!(got == pipeline_msg(i), "{label}: message {i}");
        }
        // The sender (linger 0) is closed only once everything was read.
        drop(sender.join().unwrap());
    });
    pull.gets_nothing(label);
}

fn rs_push_lz_pull(binds: Binds, transport: Transport) {
    let (ctx, lz_ctx) = (Ctx::new(), lz::Ctx::new());
    let push = rs_push(&ctx);
    let pull = lz_classic(&lz_ctx, lz::PULL);
    link(binds, transport, &push, &pull);
    let label =
        format!("our Push → libzmq PULL, {binds:?} bind, {transport:?}");
    pipeline_run(&label, &push, &pull);
}

fn lz_push_rs_pull(binds: Binds, transport: Transport) {
    let (ctx, lz_ctx) = (Ctx::new(), lz::Ctx::new());
    let push = lz_classic(&lz_ctx, lz::PUSH);
    let pull = rs_pull(&ctx);
    link(binds, transport, &pull, &push);
    let label =
        format!("libzmq PUSH → our Pull, {binds:?} bind, {transport:?}");
    pipeline_run(&label, push, &pull);
}

/// A PUSH connected to two PULLs (pipes made at connect) alternates.
fn round_robin_run(label: &str, push: &dyn Ends, pulls: [&dyn Ends; 2]) {
    for i in 0..20u8 {
        push.send_frames(&[&[i], b"task"]);
    }
    for i in 0..20u8 {
        let pull = pulls[usize::from(i % 2)];
        assert_eq!(pull.recv_frames(), frames(&[&[i][..], b"task"]), "{label}");
    }
    pulls[0].gets_nothing(label);
    pulls[1].gets_nothing(label);
}

#[test]
fn rs_push_round_robin_over_lz_pulls() {
    let (ctx, lz_ctx) = (Ctx::new(), lz::Ctx::new());
    let push = rs_push(&ctx);
    let pulls = [lz_classic(&lz_ctx, lz::PULL), lz_classic(&lz_ctx, lz::PULL)];
    for pull in &pulls {
        link(Binds::Theirs, Transport::Tcp, &push, pull);
    }
    round_robin_run("our Push, libzmq PULLs", &push, [&pulls[0], &pulls[1]]);
}

#[test]
fn lz_push_round_robin_over_rs_pulls() {
    let (ctx, lz_ctx) = (Ctx::new(), lz::Ctx::new());
    let push = lz_classic(&lz_ctx, lz::PUSH);
    let pulls = [rs_pull(&ctx), rs_pull(&ctx)];
    for pull in &pulls {
        link(Binds::Ours, Transport::Tcp, pull, &push);
    }
    round_robin_run("libzmq PUSH, our Pulls", &push, [&pulls[0], &pulls[1]]);
}

#[test]
fn rs_pull_fair_queues_lz_pushes() {
    let (ctx, lz_ctx) = (Ctx::new(), lz::Ctx::new());
    let pull = rs_pull(&ctx);
    let pushes = [lz_classic(&lz_ctx, lz::PUSH), lz_classic(&lz_ctx, lz::PUSH)];
    for push in &pushes {
        link(Binds::Ours, Transport::Tcp, &pull, push);
    }
    for i in 0..100u8 {
        for (n, push) in pushes.iter().enumerate() {
            push.send_frames(&[&[n as u8], &[i]]);
        }
    }
    let mut next = [0u8; 2];
    for _ in 0..200 {
        let got = pull.recv_frames();
        let n = usize::from(got[0][0]);
        assert_eq!(got, frames(&[&[n as u8][..], &[next[n]]]));
        next[n] += 1;
    }
    assert_eq!(next, [100, 100]);
    pull.gets_nothing("our Pull, libzmq PUSHes");
}

classic_matrix! {
    rs_push_lz_pull: rs_push_lz_pull_tcp_rs_binds, rs_push_lz_pull_tcp_lz_binds,
        rs_push_lz_pull_ipc_rs_binds, rs_push_lz_pull_ipc_lz_binds;
    lz_push_rs_pull: lz_push_rs_pull_tcp_rs_binds, lz_push_rs_pull_tcp_lz_binds,
        lz_push_rs_pull_ipc_rs_binds, lz_push_rs_pull_ipc_lz_binds;
    pair_run: pair_tcp_rs_binds, pair_tcp_lz_binds, pair_ipc_rs_binds,
        pair_ipc_lz_binds;
}

// ---------------------------------------------------------------------------
// PAIR
// ---------------------------------------------------------------------------

fn exchange(label: &str, a: &dyn Ends, b: &dyn Ends) {
    let big = payload(5, 70_000);
    for (from, to) in [(a, b), (b, a)] {
        let sent: Vec<&[u8]> = vec![from.who().as_bytes(), b"", &big];
        from.send_frames(&sent);
        assert_eq!(to.recv_frames(), frames(&sent), "{label}");
    }
}

fn pair_run(binds: Binds, transport: Transport) {
    let (ctx, lz_ctx) = (Ctx::new(), lz::Ctx::new());
    let ours = rs_pair(&ctx);
    let theirs = lz_classic(&lz_ctx, lz::PAIR);
    link(binds, transport, &ours, &theirs);
    let label = format!("PAIR, {binds:?} bind, {transport:?}");
    exchange(&label, &ours, &theirs);
}

#[test]
fn rs_pair_refuses_second_lz_pair() {
    let (ctx, lz_ctx) = (Ctx::new(), lz::Ctx::new());
    let ours = rs_pair(&ctx);
    let first = lz_classic(&lz_ctx, lz::PAIR);
    let endpoint = rs_bind(&ours);
    first.connect(&endpoint).unwrap();
    exchange("first PAIR", &ours, &first);

    let second = lz_classic(&lz_ctx, lz::PAIR);
    second.connect(&endpoint).unwrap();
    second.send_frames(&[b"intruder"]);
    ours.gets_nothing("second PAIR");
    exchange("first PAIR, again", &ours, &first);
}

// ---------------------------------------------------------------------------
// PLAIN
// ---------------------------------------------------------------------------

/// `dealer` sends, `router` answers by routing id; returns the message the
/// ROUTER received.
fn bounce(label: &str, router: &dyn Ends, dealer: &dyn Ends) -> Vec<Vec<u8>> {
    dealer.send_frames(&[b"secret", b"stuff"]);
    let got = router.recv_frames();
    assert_eq!(got[1..], frames(&[&b"secret"[..], b"stuff"])[..], "{label}");
    router.send_frames(&[&got[0], b"reply"]);
    assert_eq!(dealer.recv_frames(), frames(&[b"reply"]), "{label}");
    got
}

fn lz_dealer_plain(
    lz_ctx: &lz::Ctx,
    user: &str,
    password: &str,
) -> lz::ClassicSocket {
    let dealer = lz_classic(lz_ctx, lz::DEALER);
    dealer.set_plain_username(user).unwrap();
    dealer.set_plain_password(password).unwrap();
    dealer
}

fn plain_rs_router_lz_dealers(binds: Binds) {
    let (ctx, lz_ctx) = (Ctx::new(), lz::Ctx::new());
    let _auth = AuthBuilder::new()
        .plain_registry(PlainClientCreds::new("admin", "secret"))
        .with_ctx(ctx.handle())
        .unwrap();
    let router = rs_router(&ctx);
    router.set_mechanism(Mechanism::PlainServer).unwrap();
    let wrong = lz_dealer_plain(&lz_ctx, "admin", "guess");
    link(binds, Transport::Tcp, &router, &wrong);
    let _ = wrong.send_multipart(&[b"wrong password"], lz::DONTWAIT);
    let good = lz_dealer_plain(&lz_ctx, "admin", "secret");
    link(binds, Transport::Tcp, &router, &good);

    let label = format!("PLAIN, our Router, {binds:?} bind");
    good.send_frames(&[b"hello"]);
    let got = router.recv_multipart().unwrap();
    assert_eq!(got[1].as_bytes(), b"hello", "{label}");
    assert_eq!(got[1].user_id(), Some("admin"), "{label}");
    rs_send(&router, &[got[0].as_bytes(), b"welcome"]);
    assert_eq!(good.recv_frames(), frames(&[b"welcome"]), "{label}");
    bounce(&label, &router, &good);
    router.gets_nothing(&label);
}

fn plain_lz_router_rs_dealer(binds: Binds) {
    let (ctx, lz_ctx) = (Ctx::new(), lz::Ctx::new());
    let _zap = lz::ZapHandler::plain(&lz_ctx, "admin", "secret").unwrap();
    let router = lz_classic(&lz_ctx, lz::ROUTER);
    router.set_plain_server(true).unwrap();
    router.set_zap_domain("interop").unwrap();
    let wrong = rs_dealer(&ctx);
    wrong
        .set_mechanism(PlainClientCreds::new("admin", "guess"))
        .unwrap();
    link(binds, Transport::Tcp, &wrong, &router);
    let _ = wrong.try_send("wrong password");
    let good = rs_dealer(&ctx);
    good.set_mechanism(PlainClientCreds::new("admin", "secret"))
        .unwrap();
    link(binds, Transport::Tcp, &good, &router);

    let label = format!("PLAIN, libzmq ROUTER, {binds:?} bind");
    bounce(&label, &router, &good);
    router.gets_nothing(&label);
}

// ---------------------------------------------------------------------------
// CURVE
// ---------------------------------------------------------------------------

fn lz_curve_client(
    lz_ctx: &lz::Ctx,
    kind: i32,
    server_public: &str,
    cert: &CurveCert,
) -> lz::ClassicSocket {
    let socket = lz_classic(lz_ctx, kind);
    socket.set_curve_serverkey(server_public).unwrap();
    socket.set_curve_publickey(cert.public().as_str()).unwrap();
    socket.set_curve_secretkey(cert.secret().as_str()).unwrap();
    socket
}

/// Our CURVE ROUTER with a key pair made by libzmq; a libzmq DEALER with a
/// certificate made by us, in our curve registry.
fn curve_rs_router_lz_dealer(binds: Binds) {
    let (ctx, lz_ctx) = (Ctx::new(), lz::Ctx::new());
    let (server_public, server_secret) = lz::curve_keypair();
    let client = CurveCert::new_unique();
    let _auth = AuthBuilder::new()
        .curve_registry(client.public())
        .with_ctx(ctx.handle())
        .unwrap();
    let router = rs_router(&ctx);
    let secret = CurveSecretKey::new(server_secret.as_str()).unwrap();
    router.set_mechanism(CurveServerCreds::new(secret)).unwrap();
    let dealer = lz_curve_client(&lz_ctx, lz::DEALER, &server_public, &client);
    link(binds, Transport::Tcp, &router, &dealer);
    bounce(
        &format!("CURVE, our Router, {binds:?} bind"),
        &router,
        &dealer,
    );
}

/// A libzmq CURVE ROUTER with a certificate made by us, allowing our
/// DEALER's key (ZAP).
fn curve_lz_router_rs_dealer(binds: Binds) {
    let (ctx, lz_ctx) = (Ctx::new(), lz::Ctx::new());
    let server = CurveCert::new_unique();
    let client = CurveCert::new_unique();
    let _zap =
        lz::ZapHandler::curve(&lz_ctx, &[client.public().as_str()]).unwrap();
    let router = lz_classic(&lz_ctx, lz::ROUTER);
    router.set_curve_server(true).unwrap();
    router
        .set_curve_secretkey(server.secret().as_str())
        .unwrap();
    let dealer = rs_dealer(&ctx);
    let creds = CurveClientCreds::new(server.public()).add_cert(client);
    dealer.set_mechanism(creds).unwrap();
    link(binds, Transport::Tcp, &dealer, &router);
    bounce(
        &format!("CURVE, libzmq ROUTER, {binds:?} bind"),
        &router,
        &dealer,
    );
}

/// Our CURVE PUB and a libzmq CURVE SUB.
fn curve_rs_pub_lz_sub(binds: Binds) {
    let (ctx, lz_ctx) = (Ctx::new(), lz::Ctx::new());
    let _auth = AuthBuilder::new()
        .no_curve_auth()
        .with_ctx(ctx.handle())
        .unwrap();
    let server = CurveCert::new_unique();
    let publisher = rs_pub(&ctx);
    publisher
        .set_mechanism(CurveServerCreds::new(server.secret().clone()))
        .unwrap();
    let (public, secret) = lz::curve_keypair();
    let cert = cert_from_z85(&public, &secret);
    let sub =
        lz_curve_client(&lz_ctx, lz::SUB, server.public().as_str(), &cert);
    sub.subscribe(b"news").unwrap();
    link(binds, Transport::Tcp, &publisher, &sub);
    let label = format!("CURVE, our Pub, {binds:?} bind");
    wait_subscribed(&label, &publisher, &sub, b"news/probe");
    publisher.send_frames(&[b"news/today", b"", b"encrypted"]);
    publisher.send_frames(&[b"other"]);
    assert_eq!(
        sub.recv_frames(),
        frames(&[&b"news/today"[..], b"", b"encrypted"]),
        "{label}"
    );
    sub.gets_nothing(&label);
}

macro_rules! both_ways {
    ($($scenario:ident: $ours:ident, $theirs:ident;)*) => {$(
        #[test]
        fn $ours() {
            $scenario(Binds::Ours);
        }
        #[test]
        fn $theirs() {
            $scenario(Binds::Theirs);
        }
    )*};
}

both_ways! {
    plain_rs_router_lz_dealers: plain_rs_router_binds, plain_lz_dealers_bind;
    plain_lz_router_rs_dealer: plain_rs_dealers_bind, plain_lz_router_binds;
    curve_rs_router_lz_dealer: curve_rs_router_binds, curve_lz_dealer_binds;
    curve_lz_router_rs_dealer: curve_rs_dealer_binds, curve_lz_router_binds;
    curve_rs_pub_lz_sub: curve_rs_pub_binds, curve_lz_sub_binds;
}

/// Messages of many frames and of large frames, both ways.
#[test]
fn many_and_large_frames_both_ways() {
    let (ctx, lz_ctx) = (Ctx::new(), lz::Ctx::new());
    let ours = rs_pair(&ctx);
    let theirs = lz_classic(&lz_ctx, lz::PAIR);
    link(Binds::Ours, Transport::Ipc, &ours, &theirs);
    let many: Vec<Vec<u8>> = (0..300).map(|i| payload(i, i % 260)).collect();
    let large = vec![payload(1, 1 << 20), Vec::new(), payload(2, 300_000)];
    for message in [&many, &large] {
        for (from, to) in
            [(&ours as &dyn Ends, &theirs as &dyn Ends), (&theirs, &ours)]
        {
            from.send_frames(&refs(message));
            let got = to.recv_frames();
            assert!(
                &got == message,
                "{} → {}: {} frames",
                from.who(),
                to.who(),
                got.len()
            );
        }
    }
}

/// Our PUSH stops at the HWMs (and the socket buffers) of a libzmq PULL
/// that does not read — a send then waits out its timeout — loses
/// nothing, and goes on once the PULL has read.
#[test]
fn rs_push_waits_for_slow_lz_pull() {
    let (ctx, lz_ctx) = (Ctx::new(), lz::Ctx::new());
    let push = rs_push(&ctx);
    push.set_send_hwm(10).unwrap();
    let pull = lz_classic(&lz_ctx, lz::PULL);
    pull.set_rcvhwm(10).unwrap();
    link(Binds::Ours, Transport::Tcp, &push, &pull);
    // The first message waits for the connection.
    rs_send(&push, &[&0u32.to_be_bytes()]);

    push.set_send_timeout(Some(NOTHING_WAIT)).unwrap();
    let body = payload(4, 1000);
    let mut sent = 1u32;
    loop {
        match push.send_multipart([&sent.to_be_bytes()[..], &body]) {
            Ok(()) => sent += 1,
            Err(e) => {
                assert_eq!(e.kind(), ErrorKind::WouldBlock);
                break;
            }
        }
        assert!(sent < 1_000_000, "never full");
    }
    push.set_send_timeout(Some(TIMEOUT)).unwrap();
    assert!(sent > 20, "full after {sent} messages: more than the HWMs");
    assert_eq!(pull.recv_frames(), frames(&[0u32.to_be_bytes()]));
    for i in 1..sent {
        let got = pull.recv_frames();
        assert!(got == frames(&[&i.to_be_bytes()[..], &body]), "message {i}");
    }
    rs_send(&push, &[b"after"]);
    assert_eq!(pull.recv_frames(), frames(&[b"after"]));
}
