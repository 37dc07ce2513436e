//! The classic socket types between OUR sockets and pyzmq (the Python
//! binding, with its own bundled libzmq 4.3.5), pinned to
//! `interop::pyzmq::PYZMQ_VERSION` and installed from PyPI into a venv
//! under `target/tmp` on first use. The pyzmq sockets live in a Python
//! process per test (`interop/py/peer.py`) that the test drives line by
//! line, each command bounded in time.
//!
//! * PUB → SUB both ways, TCP and IPC, either side binding: prefixes,
//!   counting, unsubscription, multipart (the scenario the C libzmq tests
//!   run).
//! * XPUB with a SUB and an XSUB of the other side, both ways: subscription
//!   messages, verbose, verboser, upstream messages.
//! * REQ ↔ REP both ways, TCP and IPC; REQs and DEALERs → ROUTER both ways
//!   (routing ids set with `ROUTING_ID` / `set_routing_id`, generated ids);
//!   DEALER → REP envelopes both ways.
//! * REQ/REP envelopes through a ROUTER/DEALER proxy: our REQs and REP
//!   through pyzmq's `zmq.proxy_steerable` in a Python thread, and pyzmq
//!   REQs and a DEALER worker through our `proxy`.
//! * PUSH → PULL and PAIR both ways, multipart.
//! * PLAIN both ways (our plain registry; pyzmq's `ThreadAuthenticator`).
//! * CURVE with keys made by `zmq.curve_keypair()` used by our ROUTER, and
//!   certificates made by our `CurveCert::new_unique` used by a pyzmq
//!   ROUTER (and allowed by its authenticator).

mod common;

use common::classic::*;
use common::pyzmq::*;
use common::scenarios::*;
use common::*;
use interop::pyzmq::PyPeer;
use interop::pyzmq::PYZMQ_VERSION;
use libzmq::auth::*;
use std::cell::RefCell;

/// Ends the peer cleanly (its sockets closed, its proxies stopped); a
/// Python error would show here.
fn finish(peer: RefCell<PyPeer>) {
    ok("quit", peer.into_inner().quit());
}

#[test]
fn pyzmq_is_the_pinned_release() {
    let peer = py_peer();
    let version = ok("version", peer.borrow_mut().version());
    assert_eq!(
        version,
        (PYZMQ_VERSION.to_owned(), "4.3.5".to_owned(), true)
    );
    finish(peer);
}

// ---------------------------------------------------------------------------
// Publish-subscribe
// ---------------------------------------------------------------------------

fn rs_pub_py_sub(binds: Binds, transport: Transport) {
    let ctx = Ctx::new();
    let peer = py_peer();
    let publisher = rs_pub(&ctx);
    let sub = PySocket::new(&peer, "sub", "SUB");
    py_link(binds, transport, &publisher, &sub);
    let label = format!("our Pub → pyzmq SUB, {binds:?} bind, {transport:?}");
    publish_run(&label, &publisher, &sub);
    finish(peer);
}

fn py_pub_rs_sub(binds: Binds, transport: Transport) {
    let ctx = Ctx::new();
    let peer = py_peer();
    let publisher = PySocket::new(&peer, "pub", "PUB");
    let sub = rs_sub(&ctx);
    py_link(binds, transport, &sub, &publisher);
    let label = format!("pyzmq PUB → our Sub, {binds:?} bind, {transport:?}");
    publish_run(&label, &publisher, &sub);
    finish(peer);
}

fn rs_xpub_py_subs(binds: Binds, transport: Transport) {
    let ctx = Ctx::new();
    let peer = py_peer();
    let xpub = rs_xpub(&ctx);
    let sub = PySocket::new(&peer, "sub", "SUB");
    let xsub = PySocket::new(&peer, "xsub", "XSUB");
    py_link(binds, transport, &xpub, &sub);
    py_link(binds, transport, &xpub, &xsub);
    let label =
        format!("our XPub, pyzmq SUB and XSUB, {binds:?} bind, {transport:?}");
    xpub_run(&label, &xpub, &sub, &xsub);
    finish(peer);
}

fn py_xpub_rs_subs(binds: Binds, transport: Transport) {
    let ctx = Ctx::new();
    let peer = py_peer();
    let xpub = PySocket::new(&peer, "xpub", "XPUB");
    let sub = rs_sub(&ctx);
    let xsub = rs_xsub(&ctx);
    py_link(binds, transport, &sub, &xpub);
    py_link(binds, transport, &xsub, &xpub);
    let label =
        format!("pyzmq XPUB, our Sub and XSub, {binds:?} bind, {transport:?}");
    xpub_run(&label, &xpub, &sub, &xsub);
    finish(peer);
}

// ---------------------------------------------------------------------------
// Request-reply
// ---------------------------------------------------------------------------

fn rs_req_py_rep(binds: Binds, transport: Transport) {
    let ctx = Ctx::new();
    let peer = py_peer();
    let req = rs_req(&ctx);
    let rep = PySocket::new(&peer, "rep", "REP");
    py_link(binds, transport, &req, &rep);
    let label = format!("our Req, pyzmq REP, {binds:?} bind, {transport:?}");
    req_rep_run(&label, &req, &rep);
    finish(peer);
}

fn py_req_rs_rep(binds: Binds, transport: Transport) {
    let ctx = Ctx::new();
    let peer = py_peer();
    let req = PySocket::new(&peer, "req", "REQ");
    let rep = rs_rep(&ctx);
    py_link(binds, transport, &rep, &req);
    let label = format!("pyzmq REQ, our Rep, {binds:?} bind, {transport:?}");
    req_rep_run(&label, &req, &rep);
    finish(peer);
}

classic_matrix! {
    rs_pub_py_sub: rs_pub_py_sub_tcp_rs_binds, rs_pub_py_sub_tcp_py_binds,
        rs_pub_py_sub_ipc_rs_binds, rs_pub_py_sub_ipc_py_binds;
    py_pub_rs_sub: py_pub_rs_sub_tcp_rs_binds, py_pub_rs_sub_tcp_py_binds,
        py_pub_rs_sub_ipc_rs_binds, py_pub_rs_sub_ipc_py_binds;
    rs_xpub_py_subs: rs_xpub_py_subs_tcp_rs_binds, rs_xpub_py_subs_tcp_py_binds,
        rs_xpub_py_subs_ipc_rs_binds, rs_xpub_py_subs_ipc_py_binds;
    py_xpub_rs_subs: py_xpub_rs_subs_tcp_rs_binds, py_xpub_rs_subs_tcp_py_binds,
        py_xpub_rs_subs_ipc_rs_binds, py_xpub_rs_subs_ipc_py_binds;
    rs_req_py_rep: rs_req_py_rep_tcp_rs_binds, rs_req_py_rep_tcp_py_binds,
        rs_req_py_rep_ipc_rs_binds, rs_req_py_rep_ipc_py_binds;
    py_req_rs_rep: py_req_rs_rep_tcp_rs_binds, py_req_rs_rep_tcp_py_binds,
        py_req_rs_rep_ipc_rs_binds, py_req_rs_rep_ipc_py_binds;
}

/// Our REQs or DEALERs (`kind`) to a pyzmq ROUTER.
fn rs_peers_py_router(binds: Binds, req: bool) {
    let ctx = Ctx::new();
    let peer = py_peer();
    let router = PySocket::new(&peer, "router", "ROUTER");
    let label = format!(
        "our {}s, pyzmq ROUTER, {binds:?} bind",
        if req { "Req" } else { "Dealer" }
    );
    if req {
        let (named, anonymous) = (rs_req(&ctx), rs_req(&ctx));
        named.set_routing_id(Some(NAMED)).unwrap();
        py_link(binds, Transport::Tcp, &named, &router);
        py_link(binds, Transport::Tcp, &anonymous, &router);
        router_run(&label, &router, &named, &anonymous, &[b""]);
    } else {
        let (named, anonymous) = (rs_dealer(&ctx), rs_dealer(&ctx));
        named.set_routing_id(Some(NAMED)).unwrap();
        py_link(binds, Transport::Tcp, &named, &router);
        py_link(binds, Transport::Tcp, &anonymous, &router);
        router_run(&label, &router, &named, &anonymous, &[]);
    }
    finish(peer);
}

/// pyzmq REQs or DEALERs to our ROUTER.
fn py_peers_rs_router(binds: Binds, req: bool) {
    let ctx = Ctx::new();
    let peer = py_peer();
    let router = rs_router(&ctx);
    let kind = if req { "REQ" } else { "DEALER" };
    let named = PySocket::new(&peer, "named", kind);
    named.set_bytes("ROUTING_ID", NAMED);
    let anonymous = PySocket::new(&peer, "anonymous", kind);
    py_link(binds, Transport::Tcp, &router, &named);
    py_link(binds, Transport::Tcp, &router, &anonymous);
    let label = format!("pyzmq {kind}s, our Router, {binds:?} bind");
    let envelope: &[&[u8]] = if req { &[b""] } else { &[] };
    router_run(&label, &router, &named, &anonymous, envelope);
    finish(peer);
}

#[test]
fn rs_reqs_py_router() {
    rs_peers_py_router(Binds::Ours, true);
    rs_peers_py_router(Binds::Theirs, true);
}

#[test]
fn rs_dealers_py_router() {
    rs_peers_py_router(Binds::Ours, false);
    rs_peers_py_router(Binds::Theirs, false);
}

#[test]
fn py_reqs_rs_router() {
    py_peers_rs_router(Binds::Ours, true);
    py_peers_rs_router(Binds::Theirs, true);
}

#[test]
fn py_dealers_rs_router() {
    py_peers_rs_router(Binds::Ours, false);
    py_peers_rs_router(Binds::Theirs, false);
}

#[test]
fn rs_dealer_py_rep() {
    for binds in [Binds::Ours, Binds::Theirs] {
        let ctx = Ctx::new();
        let peer = py_peer();
        let dealer = rs_dealer(&ctx);
        let rep = PySocket::new(&peer, "rep", "REP");
        py_link(binds, Transport::Tcp, &dealer, &rep);
        dealer_rep_run(
            &format!("our Dealer, pyzmq REP, {binds:?}"),
            &dealer,
            &rep,
        );
        finish(peer);
    }
}

#[test]
fn py_dealer_rs_rep() {
    for binds in [Binds::Ours, Binds::Theirs] {
        let ctx = Ctx::new();
        let peer = py_peer();
        let dealer = PySocket::new(&peer, "dealer", "DEALER");
        let rep = rs_rep(&ctx);
        py_link(binds, Transport::Tcp, &rep, &dealer);
        dealer_rep_run(
            &format!("pyzmq DEALER, our Rep, {binds:?}"),
            &dealer,
            &rep,
        );
        finish(peer);
    }
}

// ---------------------------------------------------------------------------
// Through a ROUTER/DEALER proxy
// ---------------------------------------------------------------------------

/// One frame.
type Frame = Vec<u8>;

/// Two requests in flight through a broker to one worker; each reply gets
/// back to the REQ that asked. `worker_envelope` checks what the worker
/// received for each request (a REP sees the body only, a DEALER the
/// envelope too) and returns the reply to send.
fn broker_run(
    label: &str,
    reqs: [&dyn Ends; 2],
    worker: &dyn Ends,
    reply_to: &mut dyn FnMut(&[Frame]) -> Vec<Frame>,
) {
    reqs[0].send_frames(&[b"request", b"0"]);
    reqs[1].send_frames(&[b"request", b"1"]);
    for _ in 0..2 {
        let request = worker.recv_frames();
        let reply = reply_to(&request);
        worker
            .send_frames(&reply.iter().map(Vec::as_slice).collect::<Vec<_>>());
    }
    for (i, req) in reqs.iter().enumerate() {
        let body = format!("reply {i}");
        assert_eq!(
            req.recv_frames(),
            frames(&[body.as_bytes(), b""]),
            "{label}"
        );
    }
}

/// A REP's reply: `reply N` and an empty frame.
fn rep_reply(request: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let [word, n] = request else {
        panic!("request {request:?}")
    };
    assert_eq!(word, b"request");
    vec![[&b"reply "[..], n].concat(), Vec::new()]
}

#[test]
fn rs_req_rep_through_pyzmq_proxy() {
    let ctx = Ctx::new();
    let peer = py_peer();
    let front = PySocket::new(&peer, "front", "ROUTER");
    let back = PySocket::new(&peer, "back", "DEALER");
    let front_endpoint = to_rs_endpoint(&front.bind(TCP_ANY));
    let back_endpoint = to_rs_endpoint(&back.bind(TCP_ANY));
    ok("proxy", peer.borrow_mut().proxy(front.name(), back.name()));

    let reqs = [rs_req(&ctx), rs_req(&ctx)];
    reqs[0].set_routing_id(Some(NAMED)).unwrap();
    for req in &reqs {
        req.connect(&front_endpoint).unwrap();
    }
    let worker = rs_rep(&ctx);
    worker.connect(&back_endpoint).unwrap();
    broker_run(
        "our Reqs and Rep, pyzmq proxy",
        [&reqs[0], &reqs[1]],
        &worker,
        &mut rep_reply,
    );
    finish(peer);
}

#[test]
fn py_req_dealer_through_rs_proxy() {
    let proxy_ctx = Ctx::new();
    let front = rs_router(&proxy_ctx);
    let back = rs_dealer(&proxy_ctx);
    let front_endpoint = rs_bind(&front);
    let back_endpoint = rs_bind(&back);
    let broker = std::thread::spawn(move || libzmq::proxy(front, back));

    let peer = py_peer();
    let reqs = [
        PySocket::new(&peer, "named", "REQ"),
        PySocket::new(&peer, "anonymous", "REQ"),
    ];
    reqs[0].set_bytes("ROUTING_ID", NAMED);
    for req in &reqs {
        req.connect(&front_endpoint);
    }
    // A DEALER worker sees the envelope our ROUTER made: the REQ's routing
    // id, the REQ's delimiter, then the body.
    let worker = PySocket::new(&peer, "worker", "DEALER");
    worker.connect(&back_endpoint);
    let mut generated = None;
    broker_run(
        "pyzmq REQs and DEALER, our proxy",
        [&reqs[0], &reqs[1]],
        &worker,
        &mut |request| {
            let [id, delimiter, body @ ..] = request else {
                panic!("{request:?}")
            };
            assert!(delimiter.is_empty(), "{request:?}");
            if body[1] == b"0" {
                assert_eq!(id, NAMED);
            } else {
                assert_eq!((id.len(), id[0]), (5, 0), "generated id {id:?}");
                generated = Some(id.clone());
            }
            let mut reply = vec![id.clone(), Vec::new()];
            reply.extend(rep_reply(body));
            reply
        },
    );
    assert!(generated.is_some());
    finish(peer);
    proxy_ctx.shutdown();
    let stopped = broker.join().unwrap().unwrap_err();
    assert_eq!(stopped.kind(), ErrorKind::InvalidCtx);
}

// ---------------------------------------------------------------------------
// PUSH → PULL, PAIR
// ---------------------------------------------------------------------------

fn pipeline_msg(i: usize) -> Vec<Vec<u8>> {
    vec![numbered(i, i % 270), Vec::new(), payload(i, i % 3)]
}

fn push_pull_run(label: &str, push: &dyn Ends, pull: &dyn Ends) {
    for i in 0..200 {
        let m = pipeline_msg(i);
        push.send_frames(&m.iter().map(Vec::as_slice).collect::<Vec<_>>());
    }
    for i in 0..200 {
        assert!(
            pull.recv_frames() == pipeline_msg(i),
            "{label}: message {i}"
        );
    }
}

#[test]
fn push_pull_both_ways() {
    for binds in [Binds::Ours, Binds::Theirs] {
        let ctx = Ctx::new();
        let peer = py_peer();
        let push = rs_push(&ctx);
        let pull = PySocket::new(&peer, "pull", "PULL");
        py_link(binds, Transport::Tcp, &push, &pull);
        push_pull_run(
            &format!("our Push, pyzmq PULL, {binds:?}"),
            &push,
            &pull,
        );

        let push = PySocket::new(&peer, "push", "PUSH");
        let pull = rs_pull(&ctx);
        py_link(binds, Transport::Ipc, &pull, &push);
        push_pull_run(
            &format!("pyzmq PUSH, our Pull, {binds:?}"),
            &push,
            &pull,
        );
        finish(peer);
    }
}

#[test]
fn pair_both_ways() {
    for binds in [Binds::Ours, Binds::Theirs] {
        let ctx = Ctx::new();
        let peer = py_peer();
        let ours = rs_pair(&ctx);
        let theirs = PySocket::new(&peer, "pair", "PAIR");
        py_link(binds, Transport::Tcp, &ours, &theirs);
        for (from, to) in
            [(&ours as &dyn Ends, &theirs as &dyn Ends), (&theirs, &ours)]
        {
            from.send_frames(&[from.who().as_bytes(), b"", b"pair"]);
            assert_eq!(
                to.recv_frames(),
                frames(&[from.who().as_bytes(), b"", b"pair"])
            );
        }
        finish(peer);
    }
}

// ---------------------------------------------------------------------------
// PLAIN and CURVE
// ---------------------------------------------------------------------------

/// `dealer` sends, `router` answers by routing id.
fn bounce(label: &str, router: &dyn Ends, dealer: &dyn Ends) {
    dealer.send_frames(&[b"secret", b"stuff"]);
    let got = router.recv_frames();
    assert_eq!(got[1..], frames(&[&b"secret"[..], b"stuff"])[..], "{label}");
    router.send_frames(&[&got[0], b"reply"]);
    assert_eq!(dealer.recv_frames(), frames(&[b"reply"]), "{label}");
}

#[test]
fn plain_rs_router_py_dealers() {
    let ctx = Ctx::new();
    let _auth = AuthBuilder::new()
        .plain_registry(PlainClientCreds::new("admin", "secret"))
        .with_ctx(ctx.handle())
        .unwrap();
    let router = rs_router(&ctx);
    router.set_mechanism(Mechanism::PlainServer).unwrap();
    let endpoint = rs_bind(&router);
    let peer = py_peer();
    let wrong = PySocket::new(&peer, "wrong", "DEALER");
    wrong.set_bytes("PLAIN_USERNAME", b"admin");
    wrong.set_bytes("PLAIN_PASSWORD", b"guess");
    wrong.connect(&endpoint);
    wrong.send_frames(&[b"wrong password"]);
    let good = PySocket::new(&peer, "good", "DEALER");
    good.set_bytes("PLAIN_USERNAME", b"admin");
    good.set_bytes("PLAIN_PASSWORD", b"secret");
    good.connect(&endpoint);

    good.send_frames(&[b"hello"]);
    let got = router.recv_multipart().unwrap();
    assert_eq!(got[1].as_bytes(), b"hello");
    assert_eq!(got[1].user_id(), Some("admin"));
    bounce("PLAIN, our Router, pyzmq DEALER", &router, &good);
    router.gets_nothing("PLAIN, wrong password");
    finish(peer);
}

#[test]
fn plain_py_router_rs_dealer() {
    let ctx = Ctx::new();
    let peer = py_peer();
    ok("auth", peer.borrow_mut().auth_plain("admin", "secret"));
    let router = PySocket::new(&peer, "router", "ROUTER");
    router.set_int("PLAIN_SERVER", 1);
    let endpoint = to_rs_endpoint(&router.bind(TCP_ANY));
    let wrong = rs_dealer(&ctx);
    wrong
        .set_mechanism(PlainClientCreds::new("admin", "guess"))
        .unwrap();
    wrong.connect(&endpoint).unwrap();
    let _ = wrong.try_send("wrong password");
    let good = rs_dealer(&ctx);
    good.set_mechanism(PlainClientCreds::new("admin", "secret"))
        .unwrap();
    good.connect(&endpoint).unwrap();
    bounce("PLAIN, pyzmq ROUTER, our Dealer", &router, &good);
    router.gets_nothing("PLAIN, wrong password");
    finish(peer);
}

/// Keys made by `zmq.curve_keypair()` used by our ROUTER (server) and by
/// a pyzmq DEALER (client, in our curve registry).
#[test]
fn curve_keys_from_pyzmq_used_by_us() {
    let ctx = Ctx::new();
    let peer = py_peer();
    let (server_public, server_secret) =
        ok("keypair", peer.borrow_mut().curve_keypair());
    let (client_public, client_secret) =
        ok("keypair", peer.borrow_mut().curve_keypair());
    let server = cert_from_z85(&server_public, &server_secret);
    let _auth = AuthBuilder::new()
        .curve_registry(CurvePublicKey::new(client_public.as_str()).unwrap())
        .with_ctx(ctx.handle())
        .unwrap();
    let router = rs_router(&ctx);
    router
        .set_mechanism(CurveServerCreds::new(server.secret().clone()))
        .unwrap();
    let endpoint = rs_bind(&router);

    let dealer = PySocket::new(&peer, "dealer", "DEALER");
    dealer.set_bytes("CURVE_SERVERKEY", server_public.as_bytes());
    dealer.set_bytes("CURVE_PUBLICKEY", client_public.as_bytes());
    dealer.set_bytes("CURVE_SECRETKEY", client_secret.as_bytes());
    dealer.connect(&endpoint);
    bounce("CURVE, our Router, pyzmq DEALER", &router, &dealer);

    // A pyzmq key pair not in our registry gets nothing through.
    let (public, secret) = ok("keypair", peer.borrow_mut().curve_keypair());
    let stranger = PySocket::new(&peer, "stranger", "DEALER");
    stranger.set_bytes("CURVE_SERVERKEY", server_public.as_bytes());
    stranger.set_bytes("CURVE_PUBLICKEY", public.as_bytes());
    stranger.set_bytes("CURVE_SECRETKEY", secret.as_bytes());
    stranger.connect(&endpoint);
    stranger.send_frames(&[b"stranger"]);
    router.gets_nothing("CURVE, unregistered pyzmq key");
    finish(peer);
}

/// Certificates made by our `CurveCert::new_unique` used by a pyzmq ROUTER
/// (server) and our DEALER (client, allowed by pyzmq's authenticator).
#[test]
fn curve_certs_from_us_used_by_pyzmq() {
    let ctx = Ctx::new();
    let peer = py_peer();
    let server = CurveCert::new_unique();
    let client = CurveCert::new_unique();
    // pyzmq derives the same public keys.
    for cert in [&server, &client] {
        let public = ok(
            "public",
            peer.borrow_mut().curve_public(cert.secret().as_str()),
        );
        assert_eq!(public, cert.public().as_str());
    }
    ok(
        "auth",
        peer.borrow_mut().auth_curve(&[client.public().as_str()]),
    );
    let router = PySocket::new(&peer, "router", "ROUTER");
    router.set_int("CURVE_SERVER", 1);
    router.set_bytes("CURVE_SECRETKEY", server.secret().as_str().as_bytes());
    let endpoint = to_rs_endpoint(&router.bind(TCP_ANY));

    let stranger = rs_dealer(&ctx);
    stranger
        .set_mechanism(CurveClientCreds::new(server.public()))
        .unwrap();
    stranger.connect(&endpoint).unwrap();
    let _ = stranger.try_send("stranger");
    let dealer = rs_dealer(&ctx);
    dealer
        .set_mechanism(CurveClientCreds::new(server.public()).add_cert(client))
        .unwrap();
    dealer.connect(&endpoint).unwrap();
    bounce("CURVE, pyzmq ROUTER, our Dealer", &router, &dealer);
    router.gets_nothing("CURVE, key not allowed by pyzmq");
    finish(peer);
}

/// Our Pub → pyzmq XSUB | `zmq.proxy` | XPUB → our Sub: subscriptions
/// travel up through pyzmq's forwarder, messages down.
#[test]
fn rs_pub_through_pyzmq_forwarder_to_rs_sub() {
    let ctx = Ctx::new();
    let peer = py_peer();
    let xsub = PySocket::new(&peer, "xsub", "XSUB");
    let xpub = PySocket::new(&peer, "xpub", "XPUB");
    let upstream = to_rs_endpoint(&xsub.bind(TCP_ANY));
    let downstream = to_rs_endpoint(&xpub.bind(TCP_ANY));
    ok("proxy", peer.borrow_mut().proxy(xsub.name(), xpub.name()));

    let publisher = rs_pub(&ctx);
    publisher.connect(upstream).unwrap();
    let sub = rs_sub(&ctx);
    sub.connect(downstream).unwrap();
    let label = "our Pub, pyzmq forwarder, our Sub";
    sub.subscribe("news").unwrap();
    wait_subscribed(label, &publisher, &sub, b"news/probe");
    publisher.send_frames(&[b"sport", b"1"]);
    publisher.send_frames(&[b"news/today", b"", b"2"]);
    assert_eq!(
        sub.recv_frames(),
        frames(&[&b"news/today"[..], b"", b"2"]),
        "{label}"
    );
    sub.subscribe("other").unwrap();
    wait_subscribed(label, &publisher, &sub, b"other/probe");
    sub.unsubscribe("news").unwrap();
    wait_unsubscribed(label, &publisher, &sub, b"news/x", b"other/marker");
    finish(peer);
}
