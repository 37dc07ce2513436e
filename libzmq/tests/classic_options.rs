//! The classic types with what every socket has: PLAIN and CURVE with the
//! auth registry, heartbeats, the `Poller`, ctx shutdown, and the routing
//! ids of a user authenticated by CURVE.

mod common;

use common::*;
use libzmq::{auth::*, poll::*, prelude::*, *};
use std::time::Duration;

#[test]
fn req_rep_over_plain_and_curve() {
    for transport in ["tcp", "ipc"] {
        let ctx = ctx();
        let plain = PlainClientCreds::new("user", "pwd");
        let server_cert = CurveCert::new_unique();
        let client_cert = CurveCert::new_unique();
        let _auth = AuthBuilder::new()
            .plain_registry(&plain)
            .curve_registry(client_cert.public())
            .with_ctx(ctx.handle())
            .unwrap();
        let servers: [(Mechanism, Mechanism); 2] = [
            (Mechanism::PlainServer, plain.clone().into()),
            (
                CurveServerCreds::new(server_cert.secret()).into(),
                CurveClientCreds::new(server_cert.public())
                    .add_cert(client_cert.clone())
                    .into(),
            ),
        ];
        for (server_mechanism, client_mechanism) in servers {
            let rep = RepBuilder::new()
                .mechanism(server_mechanism)
                .bind(endpoint(transport))
                .recv_timeout(TIMEOUT)
                .with_ctx(ctx.handle())
                .unwrap();
            let req = ReqBuilder::new()
                .mechanism(client_mechanism)
                .connect(rep.last_endpoint().unwrap())
                .recv_timeout(TIMEOUT)
                .with_ctx(ctx.handle())
                .unwrap();
            req.send_multipart(["secret", "request"]).unwrap();
            let request = rep.recv_multipart().unwrap();
            assert_eq!(request[1].to_str().unwrap(), "request", "{transport}");
            rep.send("secret reply").unwrap();
            assert_eq!(
                req.recv_msg().unwrap().to_str().unwrap(),
                "secret reply"
            );
        }

        // A subscriber with an unknown key gets nothing from a CURVE PUB.
        let publisher = PubBuilder::new()
            .mechanism(CurveServerCreds::new(server_cert.secret()))
            .bind(endpoint(transport))
            .with_ctx(ctx.handle())
            .unwrap();
        let stranger = SubBuilder::new()
            .mechanism(CurveClientCreds::new(server_cert.public()))
            .connect(publisher.last_endpoint().unwrap())
            .recv_timeout(Duration::from_millis(300))
            .with_ctx(ctx.handle())
            .unwrap();
        stranger.subscribe("").unwrap();
        for _ in 0..20 {
            publisher.send("for members only").unwrap();
        }
        assert_eq!(
            stranger.recv_msg().unwrap_err().kind(),
            ErrorKind::WouldBlock
        );
    }
}

#[test]
fn heartbeats_keep_a_dealer_router_link_up() {
    let ctx = ctx();
    let heartbeat = Heartbeat::new(Duration::from_millis(50))
        .add_timeout(Duration::from_millis(500));
    let router = RouterBuilder::new()
        .bind(endpoint("tcp"))
        .heartbeat(&heartbeat)
        .recv_timeout(TIMEOUT)
        .with_ctx(ctx.handle())
        .unwrap();
    let dealer = DealerBuilder::new()
        .connect(router.last_endpoint().unwrap())
        .heartbeat(&heartbeat)
        .recv_timeout(TIMEOUT)
        .with_ctx(ctx.handle())
        .unwrap();
    dealer.send("before").unwrap();
    let id = router.recv_multipart().unwrap().swap_remove(0);
    // Several heartbeat periods of silence: the link stays up, same peer.
    std::thread::sleep(Duration::from_millis(400));
    dealer.send("after").unwrap();
    let parts = router.recv_multipart().unwrap();
    assert_eq!(parts[0], id, "same connection");
    router.send_multipart([id, "reply".into()]).unwrap();
    assert_eq!(dealer.recv_msg().unwrap().to_str().unwrap(), "reply");
}

#[test]
fn poller_sees_classic_sockets() {
    let ctx = ctx();
    let addr = inproc();
    let pull = PullBuilder::new()
        .bind(&addr)
        .with_ctx(ctx.handle())
        .unwrap();
    let push = PushBuilder::new()
        .connect(&addr)
        .with_ctx(ctx.handle())
        .unwrap();
    let xpub = XPubBuilder::new()
        .bind(inproc())
        .with_ctx(ctx.handle())
        .unwrap();
    let sub = SubBuilder::new()
        .connect(xpub.last_endpoint().unwrap())
        .with_ctx(ctx.handle())
        .unwrap();
    let mut poller = Poller::new();
    poller.add(&pull, PollId(1), READABLE).unwrap();
    poller.add(&xpub, PollId(2), READABLE).unwrap();
    let mut events = Events::new();
    poller
        .poll(&mut events, Period::Finite(Duration::ZERO))
        .unwrap_or(());
    assert!(events.iter().next().is_none(), "nothing yet");

    push.send_multipart(["a", "b"]).unwrap();
    sub.subscribe("x").unwrap();
    let mut seen = Vec::new();
    assert!(eventually(|| {
        poller.poll(&mut events, Period::Finite(TIMEOUT)).unwrap();
        seen.extend(events.iter().map(|e| e.id()));
        seen.contains(&PollId(1)) && seen.contains(&PollId(2))
    }));
    assert_eq!(pull.try_recv_multipart().unwrap().len(), 2);
    assert_eq!(xpub.try_recv_msg().unwrap().as_bytes(), b"\x01x");
}

#[test]
fn shutdown_unblocks_classic_calls() {
    let ctx = ctx();
    let rep = RepBuilder::new()
        .bind(inproc())
        .with_ctx(ctx.handle())
        .unwrap();
    let waiter =
        std::thread::spawn(move || rep.recv_multipart().unwrap_err().kind());
    let push = Push::with_ctx(ctx.handle()).unwrap();
    push.connect(inproc()).unwrap(); // nobody bound: mute... but queued
    ctx.shutdown();
    assert_eq!(waiter.join().unwrap(), ErrorKind::InvalidCtx);
    assert_eq!(push.send("x").unwrap_err().kind(), ErrorKind::InvalidCtx);
}
