//! REQ/REP, DEALER/ROUTER over inproc, TCP and IPC: envelopes, strict
//! alternation, routing ids, `mandatory`, `correlate`/`relaxed`, and a
//! ROUTER/DEALER broker with `proxy`.

mod common;

use common::*;
use libzmq::{addr::Endpoint, prelude::*, *};
use std::time::Duration;

fn rep_on(ctx: &Ctx, transport: &str) -> (Rep, Endpoint) {
    let rep = RepBuilder::new()
        .bind(endpoint(transport))
        .recv_timeout(TIMEOUT)
        .send_timeout(TIMEOUT)
        .with_ctx(ctx.handle())
        .unwrap();
    let bound = rep.last_endpoint().unwrap();
    (rep, bound)
}

fn req_to(ctx: &Ctx, endpoint: &Endpoint) -> Req {
    ReqBuilder::new()
        .connect(endpoint)
        .recv_timeout(TIMEOUT)
        .send_timeout(TIMEOUT)
        .with_ctx(ctx.handle())
        .unwrap()
}

fn texts(parts: &[Msg]) -> Vec<&str> {
    parts.iter().map(|m| m.to_str().unwrap()).collect()
}

fn wrong_state<T: std::fmt::Debug>(result: Result<T, Error>) -> bool {
    matches!(result.unwrap_err().kind(), ErrorKind::WrongState(_))
}

#[test]
fn req_rep_round_trips_over_every_transport() {
    for transport in TRANSPORTS {
        let ctx = ctx();
        let (rep, bound) = rep_on(&ctx, transport);
        let req = req_to(&ctx, &bound);
        for i in 0..20 {
            req.send_multipart([format!("q{i}"), "two".to_owned()])
                .unwrap();
            assert_eq!(
                texts(&rep.recv_multipart().unwrap()),
                [format!("q{i}").as_str(), "two"]
            );
            rep.send(format!("a{i}")).unwrap();
            assert_eq!(
                req.recv_msg().unwrap().to_str().unwrap(),
                format!("a{i}")
            );
        }
    }
}

#[test]
fn strict_alternation_is_enforced() {
    let ctx = ctx();
    let (rep, bound) = rep_on(&ctx, "inproc");
    let req = req_to(&ctx, &bound);
    assert!(wrong_state(req.recv_msg()));
    assert!(wrong_state(
        rep.send("no request yet").map_err(|e| e.cast())
    ));
    req.send("1").unwrap();
    let mut err = req.send("2").unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::WrongState(_)));
    assert_eq!(err.take().unwrap().to_str().unwrap(), "2", "handed back");
    assert_eq!(rep.recv_msg().unwrap().to_str().unwrap(), "1");
    assert!(wrong_state(rep.recv_msg()));
    rep.send("r1").unwrap();
    assert_eq!(req.recv_msg().unwrap().to_str().unwrap(), "r1");
    req.send("3").unwrap();
}

#[test]
fn req_round_robins_and_takes_only_the_asked_peer_reply() {
    let ctx = ctx();
    let addr = inproc();
    let req = ReqBuilder::new()
        .bind(&addr)
        .recv_timeout(TIMEOUT)
        .with_ctx(ctx.handle())
        .unwrap();
    let reps: Vec<Rep> = (0..2)
        .map(|_| {
            RepBuilder::new()
                .connect(&addr)
                .recv_timeout(TIMEOUT)
                .with_ctx(ctx.handle())
                .unwrap()
        })
        .collect();
    for round in 0..4 {
        req.send(format!("{round}")).unwrap();
        let rep = &reps[round % 2];
        assert_eq!(
            rep.recv_msg().unwrap().to_str().unwrap(),
            format!("{round}")
        );
        rep.send(format!("from {}", round % 2)).unwrap();
        assert_eq!(
            req.recv_msg().unwrap().to_str().unwrap(),
            format!("from {}", round % 2)
        );
    }
}

#[test]
fn correlate_and_relaxed_drop_stale_replies() {
    let ctx = ctx();
    let addr = inproc();
    let router = RouterBuilder::new()
        .bind(&addr)
        .recv_timeout(TIMEOUT)
        .with_ctx(ctx.handle())
        .unwrap();
    let req = req_to(&ctx, &addr);
    req.set_correlate(true).unwrap();
    req.set_relaxed(true).unwrap();
    req.send("first").unwrap();
    let first = router.recv_multipart().unwrap();
    assert_eq!(first.len(), 4, "id, request id, delimiter, body");
    assert_eq!(first[1].len(), 4);
    assert!(first[2].is_empty());
    req.send("second").unwrap(); // relaxed: allowed
    let second = router.recv_multipart().unwrap();
    assert_ne!(first[1], second[1], "a new request id");
    // The stale reply is dropped, the current one taken.
    router
        .send_multipart([
            first[0].clone(),
            first[1].clone(),
            Msg::new(),
            "old".into(),
        ])
        .unwrap();
    router
        .send_multipart([
            second[0].clone(),
            second[1].clone(),
            Msg::new(),
            "new".into(),
        ])
        .unwrap();
    assert_eq!(req.recv_msg().unwrap().to_str().unwrap(), "new");
}

#[test]
fn dealer_router_routing_ids_over_every_transport() {
    for transport in TRANSPORTS {
        let ctx = ctx();
        let router = RouterBuilder::new()
            .bind(endpoint(transport))
            .recv_timeout(TIMEOUT)
            .with_ctx(ctx.handle())
            .unwrap();
        let bound = router.last_endpoint().unwrap();
        let named = Dealer::with_ctx(ctx.handle()).unwrap();
        named.set_routing_id(Some("worker-1")).unwrap();
        named.set_recv_timeout(Some(TIMEOUT)).unwrap();
        named.connect(&bound).unwrap();
        let anonymous = DealerBuilder::new()
            .connect(&bound)
            .recv_timeout(TIMEOUT)
            .with_ctx(ctx.handle())
            .unwrap();

        named.send_multipart(["hello", "named"]).unwrap();
        let got = router.recv_multipart().unwrap();
        assert_eq!(texts(&got), ["worker-1", "hello", "named"], "{transport}");
        anonymous.send("hello").unwrap();
        let got = router.recv_multipart().unwrap();
        let id = got[0].clone();
        assert_eq!(id.len(), 5, "generated: 0x00 + 4 bytes");
        assert_eq!(id.as_bytes()[0], 0);
        router.send_multipart([id, "back".into()]).unwrap();
        assert_eq!(anonymous.recv_msg().unwrap().to_str().unwrap(), "back");
        router.send_multipart(["worker-1", "to you"]).unwrap();
        assert_eq!(named.recv_msg().unwrap().to_str().unwrap(), "to you");
    }
}

#[test]
fn router_mandatory_and_silent_drop() {
    let ctx = ctx();
    let router = Router::with_ctx(ctx.handle()).unwrap();
    router.send_multipart(["nobody", "dropped"]).unwrap();
    router.set_mandatory(true).unwrap();
    let mut err = router.send_multipart(["nobody", "refused"]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::HostUnreachable);
    assert_eq!(texts(&err.take().unwrap()), ["nobody", "refused"]);
}

#[test]
fn probe_router_announces_a_dealer() {
    let ctx = ctx();
    let (router, bound) = {
        let router = RouterBuilder::new()
            .bind(endpoint("tcp"))
            .recv_timeout(TIMEOUT)
            .with_ctx(ctx.handle())
            .unwrap();
        let bound = router.last_endpoint().unwrap();
        (router, bound)
    };
    let dealer = Dealer::with_ctx(ctx.handle()).unwrap();
    dealer.set_probe_router(true).unwrap();
    dealer.set_routing_id(Some("probe")).unwrap();
    dealer.connect(&bound).unwrap();
    let got = router.recv_multipart().unwrap();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].to_str().unwrap(), "probe");
    assert!(got[1].is_empty());
}

#[test]
fn router_refuses_or_hands_over_a_routing_id_in_use() {
    for handover in [false, true] {
        let ctx = ctx();
        let router = RouterBuilder::new()
            .bind(endpoint("tcp"))
            .recv_timeout(Duration::from_millis(500))
            .with_ctx(ctx.handle())
            .unwrap();
        router.set_handover(handover).unwrap();
        let bound = router.last_endpoint().unwrap();
        let dealer = |name: &str| {
            let dealer = Dealer::with_ctx(ctx.handle()).unwrap();
            dealer.set_routing_id(Some("same")).unwrap();
            dealer
                .set_recv_timeout(Some(Duration::from_millis(500)))
                .unwrap();
            dealer.connect(&bound).unwrap();
            dealer.send(name).unwrap();
            dealer
        };
        let first = dealer("first");
        assert_eq!(
            router.recv_multipart().unwrap()[1].to_str().unwrap(),
            "first"
        );
        let second = dealer("second");
        if handover {
            assert_eq!(
                router.recv_multipart().unwrap()[1].to_str().unwrap(),
                "second"
            );
            router.send_multipart(["same", "to the new one"]).unwrap();
            assert_eq!(
                second.recv_msg().unwrap().to_str().unwrap(),
                "to the new one"
            );
            assert!(first.recv_msg().is_err());
        } else {
            // The second connection is refused: its message never arrives.
            assert!(router.recv_multipart().is_err());
            router.send_multipart(["same", "to the first"]).unwrap();
            assert_eq!(
                first.recv_msg().unwrap().to_str().unwrap(),
                "to the first"
            );
        }
    }
}

#[test]
fn broker_with_proxy_keeps_envelopes() {
    for transport in ["inproc", "tcp"] {
        let ctx = ctx();
        let frontend = RouterBuilder::new()
            .bind(endpoint(transport))
            .with_ctx(ctx.handle())
            .unwrap();
        let backend = DealerBuilder::new()
            .bind(endpoint(transport))
            .with_ctx(ctx.handle())
            .unwrap();
        let front_addr = frontend.last_endpoint().unwrap();
        let back_addr = backend.last_endpoint().unwrap();
        let broker = std::thread::spawn(move || proxy(frontend, backend));

        let workers: Vec<_> = (0..2)
            .map(|w| {
                let rep = RepBuilder::new()
                    .connect(&back_addr)
                    .recv_timeout(Duration::from_millis(500))
                    .with_ctx(ctx.handle())
                    .unwrap();
                std::thread::spawn(move || {
                    let mut served = 0;
                    while let Ok(request) = rep.recv_msg() {
                        let text = request.to_str().unwrap().to_owned();
                        rep.send(format!("{text} by {w}")).unwrap();
                        served += 1;
                    }
                    served
                })
            })
            .collect();
        let clients: Vec<_> = (0..3)
            .map(|c| {
                let req = req_to(&ctx, &front_addr);
                std::thread::spawn(move || {
                    for i in 0..10 {
                        let question = format!("c{c} q{i}");
                        req.send(question.as_str()).unwrap();
                        let answer = req.recv_msg().unwrap();
                        assert!(
                            answer.to_str().unwrap().starts_with(&question),
                            "{answer:?} is not the answer to {question}"
                        );
                    }
                })
            })
            .collect();
        for client in clients {
            client.join().unwrap();
        }
        let served: usize =
            workers.into_iter().map(|w| w.join().unwrap()).sum();
        assert_eq!(served, 30, "{transport}");
        ctx.shutdown();
        assert_eq!(
            broker.join().unwrap().unwrap_err().kind(),
            ErrorKind::InvalidCtx
        );
    }
}
