//! REQ, REP, DEALER and ROUTER between OUR sockets and the real C libzmq
//! 4.3.5, with either side binding, over TCP and IPC:
//!
//! * REQ ↔ REP, both ways: requests and replies of one frame, several
//!   frames, empty frames and 70 kB, in strict alternation.
//! * REQ → ROUTER, both ways: the ROUTER sees `[routing id, "", body...]`;
//!   a REQ with a routing id is seen by it, one without gets a generated
//!   5-byte id starting with 0; replies routed by id reach the right REQ.
//! * DEALER → REP, both ways: the REP gets the body after the delimiter and
//!   puts the whole envelope (extra routing frames included) back on its
//!   reply.
//! * DEALER ↔ ROUTER, both ways: routing ids (set with `ZMQ_ROUTING_ID` on
//!   a libzmq DEALER, with `set_routing_id` on ours) and generated ones,
//!   multipart messages both ways, replies routed by id.
//! * ROUTER mandatory: our ROUTER fails with `HostUnreachable` for an
//!   unknown id and once the libzmq DEALER is gone; a libzmq mandatory
//!   ROUTER routes to our DEALER's id.
//! * Probe: a DEALER with `probe_router` makes the other side's ROUTER
//!   receive `[id, ""]` on connect, both ways.
//! * REQ correlate + relaxed: a second request before the reply, answered
//!   by the other side's REP; only the reply to the second one is taken.

mod common;

use common::classic::*;
use common::scenarios::*;
use common::*;

// ---------------------------------------------------------------------------
// REQ ↔ REP
// ---------------------------------------------------------------------------

fn rs_req_lz_rep(binds: Binds, transport: Transport) {
    let (ctx, lz_ctx) = (Ctx::new(), lz::Ctx::new());
    let req = rs_req(&ctx);
    let rep = lz_classic(&lz_ctx, lz::REP);
    link(binds, transport, &req, &rep);
    let label = format!("our Req, libzmq REP, {binds:?} bind, {transport:?}");
    req_rep_run(&label, &req, &rep);
}

fn lz_req_rs_rep(binds: Binds, transport: Transport) {
    let (ctx, lz_ctx) = (Ctx::new(), lz::Ctx::new());
    let req = lz_classic(&lz_ctx, lz::REQ);
    let rep = rs_rep(&ctx);
    link(binds, transport, &rep, &req);
    let label = format!("libzmq REQ, our Rep, {binds:?} bind, {transport:?}");
    req_rep_run(&label, &req, &rep);
}

// ---------------------------------------------------------------------------
// REQ / DEALER → ROUTER
// ---------------------------------------------------------------------------

fn rs_reqs_lz_router(binds: Binds, transport: Transport) {
    let (ctx, lz_ctx) = (Ctx::new(), lz::Ctx::new());
    let router = lz_classic(&lz_ctx, lz::ROUTER);
    let named = rs_req(&ctx);
    named.set_routing_id(Some(NAMED)).unwrap();
    let anonymous = rs_req(&ctx);
    link(binds, transport, &named, &router);
    link(binds, transport, &anonymous, &router);
    let label =
        format!("our Reqs, libzmq ROUTER, {binds:?} bind, {transport:?}");
    // The REQs add the delimiter.
    router_run(&label, &router, &named, &anonymous, &[b""]);
}

fn lz_reqs_rs_router(binds: Binds, transport: Transport) {
    let (ctx, lz_ctx) = (Ctx::new(), lz::Ctx::new());
    let router = rs_router(&ctx);
    let named = lz_classic(&lz_ctx, lz::REQ);
    named.set_routing_id(NAMED).unwrap();
    let anonymous = lz_classic(&lz_ctx, lz::REQ);
    link(binds, transport, &router, &named);
    link(binds, transport, &router, &anonymous);
    let label =
        format!("libzmq REQs, our Router, {binds:?} bind, {transport:?}");
    router_run(&label, &router, &named, &anonymous, &[b""]);
}

fn rs_dealers_lz_router(binds: Binds, transport: Transport) {
    let (ctx, lz_ctx) = (Ctx::new(), lz::Ctx::new());
    let router = lz_classic(&lz_ctx, lz::ROUTER);
    let named = rs_dealer(&ctx);
    named.set_routing_id(Some(NAMED)).unwrap();
    let anonymous = rs_dealer(&ctx);
    link(binds, transport, &named, &router);
    link(binds, transport, &anonymous, &router);
    let label =
        format!("our Dealers, libzmq ROUTER, {binds:?} bind, {transport:?}");
    router_run(&label, &router, &named, &anonymous, &[]);
}

fn lz_dealers_rs_router(binds: Binds, transport: Transport) {
    let (ctx, lz_ctx) = (Ctx::new(), lz::Ctx::new());
    let router = rs_router(&ctx);
    let named = lz_classic(&lz_ctx, lz::DEALER);
    named.set_routing_id(NAMED).unwrap();
    let anonymous = lz_classic(&lz_ctx, lz::DEALER);
    link(binds, transport, &router, &named);
    link(binds, transport, &router, &anonymous);
    let label =
        format!("libzmq DEALERs, our Router, {binds:?} bind, {transport:?}");
    router_run(&label, &router, &named, &anonymous, &[]);
}

// ---------------------------------------------------------------------------
// DEALER → REP
// ---------------------------------------------------------------------------

fn rs_dealer_lz_rep(binds: Binds, transport: Transport) {
    let (ctx, lz_ctx) = (Ctx::new(), lz::Ctx::new());
    let dealer = rs_dealer(&ctx);
    let rep = lz_classic(&lz_ctx, lz::REP);
    link(binds, transport, &dealer, &rep);
    let label =
        format!("our Dealer, libzmq REP, {binds:?} bind, {transport:?}");
    dealer_rep_run(&label, &dealer, &rep);
}

fn lz_dealer_rs_rep(binds: Binds, transport: Transport) {
    let (ctx, lz_ctx) = (Ctx::new(), lz::Ctx::new());
    let dealer = lz_classic(&lz_ctx, lz::DEALER);
    let rep = rs_rep(&ctx);
    link(binds, transport, &rep, &dealer);
    let label =
        format!("libzmq DEALER, our Rep, {binds:?} bind, {transport:?}");
    dealer_rep_run(&label, &dealer, &rep);
}

classic_matrix! {
    rs_req_lz_rep: rs_req_lz_rep_tcp_rs_binds, rs_req_lz_rep_tcp_lz_binds,
        rs_req_lz_rep_ipc_rs_binds, rs_req_lz_rep_ipc_lz_binds;
    lz_req_rs_rep: lz_req_rs_rep_tcp_rs_binds, lz_req_rs_rep_tcp_lz_binds,
        lz_req_rs_rep_ipc_rs_binds, lz_req_rs_rep_ipc_lz_binds;
    rs_reqs_lz_router: rs_reqs_lz_router_tcp_rs_binds, rs_reqs_lz_router_tcp_lz_binds,
        rs_reqs_lz_router_ipc_rs_binds, rs_reqs_lz_router_ipc_lz_binds;
    lz_reqs_rs_router: lz_reqs_rs_router_tcp_rs_binds, lz_reqs_rs_router_tcp_lz_binds,
        lz_reqs_rs_router_ipc_rs_binds, lz_reqs_rs_router_ipc_lz_binds;
    rs_dealers_lz_router: rs_dealers_lz_router_tcp_rs_binds, rs_dealers_lz_router_tcp_lz_binds,
        rs_dealers_lz_router_ipc_rs_binds, rs_dealers_lz_router_ipc_lz_binds;
    lz_dealers_rs_router: lz_dealers_rs_router_tcp_rs_binds, lz_dealers_rs_router_tcp_lz_binds,
        lz_dealers_rs_router_ipc_rs_binds, lz_dealers_rs_router_ipc_lz_binds;
    rs_dealer_lz_rep: rs_dealer_lz_rep_tcp_rs_binds, rs_dealer_lz_rep_tcp_lz_binds,
        rs_dealer_lz_rep_ipc_rs_binds, rs_dealer_lz_rep_ipc_lz_binds;
    lz_dealer_rs_rep: lz_dealer_rs_rep_tcp_rs_binds, lz_dealer_rs_rep_tcp_lz_binds,
        lz_dealer_rs_rep_ipc_rs_binds, lz_dealer_rs_rep_ipc_lz_binds;
}

// ---------------------------------------------------------------------------
// ROUTER mandatory
// ---------------------------------------------------------------------------

#[test]
fn rs_router_mandatory_with_lz_dealer() {
    let (ctx, lz_ctx) = (Ctx::new(), lz::Ctx::new());
    let router = rs_router(&ctx);
    router.set_mandatory(true).unwrap();
    let dealer = lz_classic(&lz_ctx, lz::DEALER);
    dealer.set_routing_id(NAMED).unwrap();
    link(Binds::Ours, Transport::Tcp, &router, &dealer);

    let err = router.send_multipart(["nobody", "hi"]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::HostUnreachable);
    assert_eq!(err.get().map(Vec::len), Some(2), "the message comes back");

    dealer.send_frames(&[b"hello"]);
    assert_eq!(router.recv_frames(), frames(&[NAMED, b"hello"]));
    router.send_frames(&[NAMED, b"back", b""]);
    assert_eq!(dealer.recv_frames(), frames(&[&b"back"[..], b""]));

    // Once the DEALER is gone, its id is unreachable.
    drop(dealer);
    let kind = eventually("the DEALER's id forgotten", || {
        match router.send_multipart([NAMED, b"late"]) {
            Ok(()) => None,
            Err(e) => Some(e.kind()),
        }
    });
    assert_eq!(kind, ErrorKind::HostUnreachable);
}

#[test]
fn lz_router_mandatory_routes_to_rs_dealer() {
    let (ctx, lz_ctx) = (Ctx::new(), lz::Ctx::new());
    let router = lz_classic(&lz_ctx, lz::ROUTER);
    router.set_router_mandatory(true).unwrap();
    let dealer = rs_dealer(&ctx);
    dealer.set_routing_id(Some(NAMED)).unwrap();
    link(Binds::Theirs, Transport::Tcp, &dealer, &router);

    dealer.send_frames(&[b"hello"]);
    assert_eq!(router.recv_frames(), frames(&[NAMED, b"hello"]));
    router.send_frames(&[NAMED, b"back"]);
    assert_eq!(dealer.recv_frames(), frames(&[b"back"]));
    assert_eq!(
        router.send_multipart(&[&b"nobody"[..], b"hi"], 0),
        Err(lz::EHOSTUNREACH)
    );
}

// ---------------------------------------------------------------------------
// probe_router
// ---------------------------------------------------------------------------

#[test]
fn rs_dealer_probes_lz_router() {
    let (ctx, lz_ctx) = (Ctx::new(), lz::Ctx::new());
    let router = lz_classic(&lz_ctx, lz::ROUTER);
    let dealer = rs_dealer(&ctx);
    dealer.set_routing_id(Some(NAMED)).unwrap();
    dealer.set_probe_router(true).unwrap();
    link(Binds::Theirs, Transport::Tcp, &dealer, &router);
    assert_eq!(router.recv_frames(), frames(&[NAMED, b""]));
    router.send_frames(&[NAMED, b"seen"]);
    assert_eq!(dealer.recv_frames(), frames(&[b"seen"]));
}

#[test]
fn lz_dealer_probes_rs_router() {
    let (ctx, lz_ctx) = (Ctx::new(), lz::Ctx::new());
    let router = rs_router(&ctx);
    let dealer = lz_classic(&lz_ctx, lz::DEALER);
    dealer.set_routing_id(NAMED).unwrap();
    dealer.set_probe_router(true).unwrap();
    link(Binds::Ours, Transport::Tcp, &router, &dealer);
    assert_eq!(router.recv_frames(), frames(&[NAMED, b""]));
    router.send_frames(&[NAMED, b"seen"]);
    assert_eq!(dealer.recv_frames(), frames(&[b"seen"]));
}

// ---------------------------------------------------------------------------
// REQ correlate + relaxed
// ---------------------------------------------------------------------------

/// A second request before the reply to the first: the REP answers both,
/// the REQ takes only the reply to the second.
fn relaxed_run(label: &str, req: &dyn Ends, rep: &dyn Ends) {
    req.send_frames(&[b"one"]);
    assert_eq!(rep.recv_frames(), frames(&[b"one"]), "{label}");
    req.send_frames(&[b"two"]);
    rep.send_frames(&[b"reply to one"]);
    assert_eq!(rep.recv_frames(), frames(&[b"two"]), "{label}");
    rep.send_frames(&[b"reply to two"]);
    assert_eq!(req.recv_frames(), frames(&[b"reply to two"]), "{label}");
    // The reply to "one" was dropped: the next request gets its own.
    req.send_frames(&[b"three"]);
    assert_eq!(rep.recv_frames(), frames(&[b"three"]), "{label}");
    rep.send_frames(&[b"reply to three"]);
    assert_eq!(req.recv_frames(), frames(&[b"reply to three"]), "{label}");
}

#[test]
fn rs_req_relaxed_lz_rep() {
    let (ctx, lz_ctx) = (Ctx::new(), lz::Ctx::new());
    let req = rs_req(&ctx);
    req.set_correlate(true).unwrap();
    req.set_relaxed(true).unwrap();
    let rep = lz_classic(&lz_ctx, lz::REP);
    link(Binds::Ours, Transport::Tcp, &req, &rep);
    relaxed_run("our relaxed Req, libzmq REP", &req, &rep);
}

#[test]
fn lz_req_relaxed_rs_rep() {
    let (ctx, lz_ctx) = (Ctx::new(), lz::Ctx::new());
    let req = lz_classic(&lz_ctx, lz::REQ);
    req.set_req_correlate(true).unwrap();
    req.set_req_relaxed(true).unwrap();
    let rep = rs_rep(&ctx);
    link(Binds::Ours, Transport::Tcp, &rep, &req);
    relaxed_run("libzmq relaxed REQ, our Rep", &req, &rep);
}

// ---------------------------------------------------------------------------
// ROUTER handover, DEALER ↔ DEALER
// ---------------------------------------------------------------------------

/// Two libzmq DEALERs announce the same routing id to our ROUTER: with
/// handover the second takes it over, without it the second is refused.
fn handover_run(handover: bool) {
    let (ctx, lz_ctx) = (Ctx::new(), lz::Ctx::new());
    let router = rs_router(&ctx);
    router.set_handover(handover).unwrap();
    let endpoint = rs_bind(&router);
    let first = lz_classic(&lz_ctx, lz::DEALER);
    first.set_routing_id(NAMED).unwrap();
    first.connect(&endpoint).unwrap();
    first.send_frames(&[b"first"]);
    assert_eq!(router.recv_frames(), frames(&[NAMED, b"first"]));

    let second = lz_classic(&lz_ctx, lz::DEALER);
    second.set_routing_id(NAMED).unwrap();
    second.connect(&endpoint).unwrap();
    second.send_frames(&[b"second"]);
    let label = format!("handover {handover}");
    if handover {
        assert_eq!(
            router.recv_frames(),
            frames(&[NAMED, b"second"]),
            "{label}"
        );
    } else {
        router.gets_nothing(&label);
    }
    router.send_frames(&[NAMED, b"to the holder"]);
    let (holder, other) = if handover {
        (&second, &first)
    } else {
        (&first, &second)
    };
    assert_eq!(holder.recv_frames(), frames(&[b"to the holder"]), "{label}");
    other.gets_nothing(&label);
}

#[test]
fn rs_router_handover_lz_dealers() {
    handover_run(true);
}

#[test]
fn rs_router_refuses_duplicate_lz_dealer() {
    handover_run(false);
}

#[test]
fn dealer_to_dealer_both_ways() {
    for binds in [Binds::Ours, Binds::Theirs] {
        let (ctx, lz_ctx) = (Ctx::new(), lz::Ctx::new());
        let ours = rs_dealer(&ctx);
        let theirs = lz_classic(&lz_ctx, lz::DEALER);
        link(binds, Transport::Tcp, &ours, &theirs);
        for (from, to) in
            [(&ours as &dyn Ends, &theirs as &dyn Ends), (&theirs, &ours)]
        {
            from.send_frames(&[b"", from.who().as_bytes(), b""]);
            let want = frames(&[&b""[..], from.who().as_bytes(), b""]);
            assert_eq!(to.recv_frames(), want, "{binds:?}");
        }
    }
}

// ---------------------------------------------------------------------------
// ROUTER ↔ ROUTER, heartbeats
// ---------------------------------------------------------------------------

/// Our ROUTER connects to a libzmq ROUTER: it learns the bound ROUTER's
/// routing id from its READY and can route to it once connected.
#[test]
fn rs_router_connects_to_lz_router() {
    let (ctx, lz_ctx) = (Ctx::new(), lz::Ctx::new());
    let server = lz_classic(&lz_ctx, lz::ROUTER);
    server.set_routing_id(b"server").unwrap();
    let client = rs_router(&ctx);
    client.set_routing_id(Some(b"client")).unwrap();
    client.set_mandatory(true).unwrap();
    link(Binds::Theirs, Transport::Tcp, &client, &server);
    eventually("the server's id known", || {
        match client.send_multipart([&b"server"[..], b"hello"]) {
            Ok(()) => Some(()),
            Err(e) => {
                assert_eq!(e.kind(), ErrorKind::HostUnreachable);
                None
            }
        }
    });
    assert_eq!(server.recv_frames(), frames(&[&b"client"[..], b"hello"]));
    server.send_frames(&[b"client", b"back"]);
    assert_eq!(client.recv_frames(), frames(&[&b"server"[..], b"back"]));
}

/// Heartbeats well within the timeout keep an idle DEALER ↔ ROUTER
/// connection: after several timeouts' worth of idleness the ROUTER still
/// sees the same generated routing id (a new connection would get a new
/// one).
fn heartbeat_run(label: &str, router: &dyn Ends, dealer: &dyn Ends) {
    dealer.send_frames(&[b"before"]);
    let first = router.recv_frames();
    std::thread::sleep(HEARTBEAT_TIMEOUT * 4);
    dealer.send_frames(&[b"after"]);
    let second = router.recv_frames();
    assert_eq!(first[0], second[0], "{label}: the connection was replaced");
    assert_eq!(second[1], b"after", "{label}");
    router.send_frames(&[&second[0], b"still here"]);
    assert_eq!(dealer.recv_frames(), frames(&[b"still here"]), "{label}");
}

const HEARTBEAT_IVL: std::time::Duration = std::time::Duration::from_millis(30);
const HEARTBEAT_TIMEOUT: std::time::Duration =
    std::time::Duration::from_millis(150);

fn rs_heartbeat() -> Heartbeat {
    Heartbeat::new(HEARTBEAT_IVL).add_timeout(HEARTBEAT_TIMEOUT)
}

fn lz_heartbeat(socket: &lz::ClassicSocket) {
    socket
        .set_heartbeat_ivl(HEARTBEAT_IVL.as_millis() as i32)
        .unwrap();
    socket
        .set_heartbeat_timeout(HEARTBEAT_TIMEOUT.as_millis() as i32)
        .unwrap();
}

#[test]
fn heartbeats_rs_dealer_lz_router() {
    let (ctx, lz_ctx) = (Ctx::new(), lz::Ctx::new());
    let router = lz_classic(&lz_ctx, lz::ROUTER);
    lz_heartbeat(&router);
    let dealer = rs_dealer(&ctx);
    dealer.set_heartbeat(Some(rs_heartbeat())).unwrap();
    link(Binds::Theirs, Transport::Tcp, &dealer, &router);
    heartbeat_run("our Dealer, libzmq ROUTER", &router, &dealer);
}

#[test]
fn heartbeats_lz_dealer_rs_router() {
    let (ctx, lz_ctx) = (Ctx::new(), lz::Ctx::new());
    let router = rs_router(&ctx);
    router.set_heartbeat(Some(rs_heartbeat())).unwrap();
    let dealer = lz_classic(&lz_ctx, lz::DEALER);
    lz_heartbeat(&dealer);
    link(Binds::Ours, Transport::Tcp, &router, &dealer);
    heartbeat_run("libzmq DEALER, our Router", &router, &dealer);
}

/// A libzmq DEALER that comes back with the same routing id after its
/// first connection closed gets it (no handover needed once the old peer
/// is gone), and our ROUTER routes to the new one. As with libzmq's
/// ROUTER, a connection that comes while the old one is still attached is
/// refused and closed, and the DEALER reconnects: it probes until through.
#[test]
fn rs_router_takes_back_id_of_departed_lz_dealer() {
    let (ctx, lz_ctx) = (Ctx::new(), lz::Ctx::new());
    let router = rs_router(&ctx);
    let endpoint = rs_bind(&router);
    let first = lz_classic(&lz_ctx, lz::DEALER);
    first.set_routing_id(NAMED).unwrap();
    first.connect(&endpoint).unwrap();
    first.send_frames(&[b"first"]);
    assert_eq!(router.recv_frames(), frames(&[NAMED, b"first"]));
    drop(first);

    let second = lz_classic(&lz_ctx, lz::DEALER);
    second.set_routing_id(NAMED).unwrap();
    second.connect(&endpoint).unwrap();
    let got = eventually("the second DEALER through", || {
        second.send_frames(&[b"second"]);
        router.recv_within(PROBE_WAIT)
    });
    assert_eq!(got, frames(&[NAMED, b"second"]));
    // Probes sent after the first one through.
    while let Some(m) = router.recv_within(NOTHING_WAIT) {
        assert_eq!(m, frames(&[NAMED, b"second"]));
    }
    router.send_frames(&[NAMED, b"to the second"]);
    assert_eq!(second.recv_frames(), frames(&[b"to the second"]));
}

/// Our REQ connects before the libzmq REP binds: the request waits in its
/// pipe and goes out once the REP is there.
#[test]
fn rs_req_connects_before_lz_rep_binds() {
    let (ctx, lz_ctx) = (Ctx::new(), lz::Ctx::new());
    let endpoint = format!("tcp://127.0.0.1:{}", free_tcp_port());
    let req = rs_req(&ctx);
    req.connect(to_rs_endpoint(&endpoint)).unwrap();
    rs_send(&req, &[b"early"]);
    let rep = lz_classic(&lz_ctx, lz::REP);
    rep.bind(&endpoint).unwrap();
    assert_eq!(rep.recv_frames(), frames(&[b"early"]));
    rep.send_frames(&[b"late"]);
    assert_eq!(req.recv_frames(), frames(&[b"late"]));
}
