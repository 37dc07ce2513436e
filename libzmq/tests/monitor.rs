//! Monitor events of every kind, with their reasons, over TCP and IPC;
//! several monitors, the bounded queue, async use; the socket counters.

mod common;

use common::*;
use libzmq::monitor::{
    DisconnectReason, Event, EventKind, HandshakeFailure, Monitor,
};
use libzmq::{addr::Endpoint, auth::*, prelude::*, *};
use std::io::{Read, Write};
use std::time::{Duration, Instant};

const STREAM_TRANSPORTS: [&str; 2] = ["tcp", "ipc"];

/// Reads events until one satisfies `wanted`; panics with the events seen
/// when none does within `TIMEOUT`.
fn expect(monitor: &Monitor, wanted: impl Fn(&EventKind) -> bool) -> Event {
    let deadline = Instant::now() + TIMEOUT;
    let mut seen = Vec::new();
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match monitor.recv_timeout(left) {
            Some(event) if wanted(&event.kind) => return event,
            Some(event) => seen.push(event.to_string()),
            None => break,
        }
    }
    panic!("event not seen; got {seen:#?}");
}

fn server(ctx: &Ctx, mechanism: Mechanism) -> Server {
    ServerBuilder::new()
        .mechanism(mechanism)
        .recv_timeout(TIMEOUT)
        .send_timeout(TIMEOUT)
        .with_ctx(ctx.handle())
        .unwrap()
}

fn client(ctx: &Ctx, mechanism: Mechanism) -> Client {
    ClientBuilder::new()
        .mechanism(mechanism)
        .recv_timeout(TIMEOUT)
        .send_timeout(TIMEOUT)
        .with_ctx(ctx.handle())
        .unwrap()
}

/// A raw stream to a TCP or IPC endpoint, for peers scripted by hand.
enum Raw {
    Tcp(std::net::TcpStream),
    Unix(std::os::unix::net::UnixStream),
}

impl Raw {
    fn connect(endpoint: &Endpoint) -> Raw {
        match endpoint {
            Endpoint::Tcp(_) => Raw::Tcp(raw_connect(endpoint)),
            Endpoint::Ipc(addr) => {
                let path = addr.to_string();
                let stream = match path.strip_prefix('@') {
                    Some(name) => {
                        use std::os::linux::net::SocketAddrExt;
                        let addr =
                            std::os::unix::net::SocketAddr::from_abstract_name(
                                name,
                            )
                            .unwrap();
                        std::os::unix::net::UnixStream::connect_addr(&addr)
                    }
                    None => std::os::unix::net::UnixStream::connect(&path),
                };
                let stream = stream.unwrap();
                stream.set_read_timeout(Some(TIMEOUT)).unwrap();
                Raw::Unix(stream)
            }
            other => panic!("not a stream endpoint: {other:?}"),
        }
    }

    fn write(&mut self, bytes: &[u8]) {
        match self {
            Raw::Tcp(s) => s.write_all(bytes).unwrap(),
            Raw::Unix(s) => s.write_all(bytes).unwrap(),
        }
    }

    fn read_exact(&mut self, buf: &mut [u8]) {
        match self {
            Raw::Tcp(s) => s.read_exact(buf).unwrap(),
            Raw::Unix(s) => s.read_exact(buf).unwrap(),
        }
    }

    /// A NULL handshake as a CLIENT with a SERVER.
    fn handshake(endpoint: &Endpoint) -> Raw {
        let mut raw = Raw::connect(endpoint);
        raw.write(&greeting());
        raw.write(&ready("CLIENT"));
        let mut reply = vec![0u8; 64 + 24 + "SERVER".len()];
        raw.read_exact(&mut reply);
        raw
    }
}

#[test]
fn a_connection_from_listening_to_disconnected() {
    for transport in STREAM_TRANSPORTS {
        let ctx = ctx();
        let server = server(&ctx, Mechanism::Null);
        let server_events = server.monitor();
        server.bind(endpoint(transport)).unwrap();
        let bound = server.last_endpoint().unwrap();
        let listening =
            expect(&server_events, |k| matches!(k, EventKind::Listening));
        assert_eq!(listening.endpoint, bound);
        assert!(listening.time <= std::time::SystemTime::now());

        let client = client(&ctx, Mechanism::Null);
        let client_events = client.monitor();
        client.connect(&bound).unwrap();
        if transport == "tcp" {
            expect(&client_events, |k| matches!(k, EventKind::ConnectDelayed));
        }
        let connected = expect(&client_events, |k| {
            matches!(k, EventKind::Connected { .. })
        });
        assert_eq!(connected.endpoint, bound);
        let EventKind::Connected { peer } = connected.kind else {
            unreachable!()
        };
        assert_eq!(peer.is_some(), transport == "tcp");
        let done = expect(&client_events, |k| {
            matches!(k, EventKind::HandshakeSucceeded { .. })
        });
        let EventKind::HandshakeSucceeded { peer } = done.kind else {
            unreachable!()
        };
        assert_eq!(peer.socket_type(), Some("SERVER"));
        assert_eq!(peer.mechanism(), "NULL");

        let accepted =
            expect(&server_events, |k| matches!(k, EventKind::Accepted { .. }));
        assert_eq!(accepted.endpoint, bound);
        let done = expect(&server_events, |k| {
            matches!(k, EventKind::HandshakeSucceeded { .. })
        });
        let EventKind::HandshakeSucceeded { peer } = done.kind else {
            unreachable!()
        };
        assert_eq!(peer.socket_type(), Some("CLIENT"));
        assert_eq!(server.counters().connected_peers, 1);

        drop(client);
        let gone = expect(&server_events, |k| {
            matches!(k, EventKind::Disconnected { .. })
        });
        assert!(
            matches!(
                gone.kind,
                EventKind::Disconnected {
                    reason: DisconnectReason::PeerClosed
                }
            ),
            "{gone}"
        );
        assert!(eventually(|| server.counters().connected_peers == 0));
    }
}

#[test]
fn bind_failed_says_why() {
    let ctx = ctx();
    let first = server(&ctx, Mechanism::Null);
    first.bind(endpoint("tcp")).unwrap();
    let taken = first.last_endpoint().unwrap();
    let second = server(&ctx, Mechanism::Null);
    let events = second.monitor();
    assert!(second.bind(&taken).is_err());
    let failed = expect(&events, |k| matches!(k, EventKind::BindFailed { .. }));
    assert_eq!(failed.endpoint, taken);
    let EventKind::BindFailed { reason } = failed.kind else {
        unreachable!()
    };
    assert!(!reason.is_empty());
}

#[test]
fn connect_retried_with_the_next_interval() {
    let ctx = ctx();
    let client = ClientBuilder::new()
        .reconnect_interval(Duration::from_millis(20))
        .reconnect_interval_max(Duration::from_millis(80))
        .with_ctx(ctx.handle())
        .unwrap();
    let events = client.monitor();
    client.connect(free_port()).unwrap();
    let mut intervals = Vec::new();
    while intervals.len() < 4 {
        let event =
            expect(&events, |k| matches!(k, EventKind::ConnectRetried { .. }));
        let EventKind::ConnectRetried { interval } = event.kind else {
            unreachable!()
        };
        intervals.push(interval.as_millis());
    }
    assert_eq!(intervals, [20, 40, 80, 80], "backoff doubles up to the max");
    // Over IPC the connect fails at once: retried without a delayed connect.
    let path =
        std::env::temp_dir().join(format!("nobody-{}", std::process::id()));
    let ipc: IpcAddr = path.to_str().unwrap().try_into().unwrap();
    let ipc_client = client_with_interval(&ctx);
    let ipc_events = ipc_client.monitor();
    ipc_client.connect(&ipc).unwrap();
    let retried = expect(&ipc_events, |k| {
        matches!(k, EventKind::ConnectRetried { .. })
    });
    assert_eq!(retried.endpoint, Endpoint::from(ipc));
}

fn client_with_interval(ctx: &Ctx) -> Client {
    ClientBuilder::new()
        .reconnect_interval(Duration::from_millis(20))
        .with_ctx(ctx.handle())
        .unwrap()
}

#[test]
fn curve_client_with_the_wrong_server_key() {
    for transport in STREAM_TRANSPORTS {
        let ctx = ctx();
        let _auth = AuthBuilder::new()
            .no_curve_auth()
            .with_ctx(ctx.handle())
            .unwrap();
        let server_cert = CurveCert::new_unique();
        let server =
            server(&ctx, CurveServerCreds::new(server_cert.secret()).into());
        let server_events = server.monitor();
        server.bind(endpoint(transport)).unwrap();
        let impostor = CurveCert::new_unique();
        let client =
            client(&ctx, CurveClientCreds::new(impostor.public()).into());
        let client_events = client.monitor();
        client.connect(server.last_endpoint().unwrap()).unwrap();
        let failed = expect(&server_events, |k| {
            matches!(k, EventKind::HandshakeFailed { .. })
        });
        let EventKind::HandshakeFailed { reason } = failed.kind else {
            unreachable!()
        };
        match reason {
            HandshakeFailure::Protocol(why) => {
                assert!(why.contains("CURVE"), "{why}")
            }
            other => panic!("unexpected {other:?}"),
        }
        expect(&client_events, |k| {
            matches!(k, EventKind::HandshakeFailed { .. })
        });
        assert_eq!(server.counters().connected_peers, 0);
    }
}

#[test]
fn plain_user_denied_by_the_registry() {
    for transport in STREAM_TRANSPORTS {
        let ctx = ctx();
        let _auth = AuthBuilder::new()
            .plain_registry(PlainClientCreds::new("user", "right"))
            .with_ctx(ctx.handle())
            .unwrap();
        let server = server(&ctx, Mechanism::PlainServer);
        let server_events = server.monitor();
        server.bind(endpoint(transport)).unwrap();
        let client =
            client(&ctx, PlainClientCreds::new("user", "wrong").into());
        let client_events = client.monitor();
        client.connect(server.last_endpoint().unwrap()).unwrap();
        let failed = expect(&server_events, |k| {
            matches!(k, EventKind::HandshakeFailed { .. })
        });
        assert!(
            matches!(
                failed.kind,
                EventKind::HandshakeFailed {
                    reason: HandshakeFailure::AuthDenied { status: 400 }
                }
            ),
            "{failed}"
        );
        let refused = expect(&client_events, |k| {
            matches!(k, EventKind::HandshakeFailed { .. })
        });
        assert!(
            matches!(
                refused.kind,
                EventKind::HandshakeFailed {
                    reason: HandshakeFailure::PeerError(_)
                }
            ),
            "{refused}"
        );
        // A refused client gives the endpoint up, as libzmq.
        expect(&client_events, |k| matches!(k, EventKind::Closed));
    }
}

#[test]
fn incompatible_socket_type() {
    for transport in STREAM_TRANSPORTS {
        let ctx = ctx();
        let gather = GatherBuilder::new().with_ctx(ctx.handle()).unwrap();
        let events = gather.monitor();
        gather.bind(endpoint(transport)).unwrap();
        let client = client(&ctx, Mechanism::Null);
        client.connect(gather.last_endpoint().unwrap()).unwrap();
        let failed =
            expect(&events, |k| matches!(k, EventKind::HandshakeFailed { .. }));
        match failed.kind {
            EventKind::HandshakeFailed {
                reason: HandshakeFailure::WrongSocketType { peer },
            } => assert_eq!(peer, "CLIENT"),
            other => panic!("unexpected {other:?}"),
        }
    }
}

#[test]
fn silent_peer_times_the_handshake_out() {
    for transport in STREAM_TRANSPORTS {
        let ctx = ctx();
        let server = ServerBuilder::new()
            .handshake_interval(Duration::from_millis(100))
            .with_ctx(ctx.handle())
            .unwrap();
        let events = server.monitor();
        server.bind(endpoint(transport)).unwrap();
        let _silent = Raw::connect(&server.last_endpoint().unwrap());
        let failed =
            expect(&events, |k| matches!(k, EventKind::HandshakeFailed { .. }));
        assert!(
            matches!(
                failed.kind,
                EventKind::HandshakeFailed {
                    reason: HandshakeFailure::Timeout
                }
            ),
            "{failed}"
        );
    }
}

#[test]
fn peer_that_stops_answering_heartbeats() {
    for transport in STREAM_TRANSPORTS {
        let ctx = ctx();
        let server = ServerBuilder::new()
            .heartbeat(Heartbeat::new(Duration::from_millis(50)))
            .with_ctx(ctx.handle())
            .unwrap();
        let events = server.monitor();
        server.bind(endpoint(transport)).unwrap();
        let _silent = Raw::handshake(&server.last_endpoint().unwrap());
        expect(&events, |k| {
            matches!(k, EventKind::HandshakeSucceeded { .. })
        });
        let gone =
            expect(&events, |k| matches!(k, EventKind::Disconnected { .. }));
        assert!(
            matches!(
                gone.kind,
                EventKind::Disconnected {
                    reason: DisconnectReason::HeartbeatTimeout
                }
            ),
            "{gone}"
        );
    }
}

#[test]
fn protocol_error_after_the_handshake() {
    for transport in STREAM_TRANSPORTS {
        let ctx = ctx();
        let server = ServerBuilder::new()
            .max_msg_size(16)
            .with_ctx(ctx.handle())
            .unwrap();
        let events = server.monitor();
        server.bind(endpoint(transport)).unwrap();
        let mut raw = Raw::handshake(&server.last_endpoint().unwrap());
        // A message frame larger than the maximum.
        raw.write(&[0x00, 200]);
        let gone =
            expect(&events, |k| matches!(k, EventKind::Disconnected { .. }));
        assert!(
            matches!(
                gone.kind,
                EventKind::Disconnected {
                    reason: DisconnectReason::Protocol(_)
                }
            ),
            "{gone}"
        );
    }
}

#[test]
fn unbind_and_close() {
    for transport in STREAM_TRANSPORTS {
        let ctx = ctx();
        let server = server(&ctx, Mechanism::Null);
        let events = server.monitor();
        server.bind(endpoint(transport)).unwrap();
        let first = server.last_endpoint().unwrap();
        server.bind(endpoint(transport)).unwrap();
        let second = server.last_endpoint().unwrap();
        let client = client(&ctx, Mechanism::Null);
        client.connect(&first).unwrap();
        expect(&events, |k| {
            matches!(k, EventKind::HandshakeSucceeded { .. })
        });

        server.unbind(&first).unwrap();
        // The I/O thread closes the listener and its connections; the
        // unbind returns (`Unbound`) once the address is free.
        let mut kinds = Vec::new();
        while kinds.len() < 3 {
            let event = expect(&events, |_| true);
            assert_eq!(event.endpoint, first, "{event}");
            kinds.push(event.kind.to_string());
        }
        kinds.sort();
        assert_eq!(
            kinds,
            ["closed", "disconnected: closed by this socket", "unbound"]
        );

        drop(server);
        let closed = expect(&events, |k| matches!(k, EventKind::Closed));
        assert_eq!(closed.endpoint, second);
        // The socket is gone: the monitor ends.
        let deadline = Instant::now() + TIMEOUT;
        while !events.is_closed() && Instant::now() < deadline {
            let _ = events.recv_timeout(Duration::from_millis(50));
        }
        assert!(events.is_closed());
        assert!(events.try_iter().count() < 10);
        assert!(events.recv().is_none());
    }
}

#[test]
fn disconnect_closes_the_connecter() {
    let ctx = ctx();
    let server = server(&ctx, Mechanism::Null);
    server.bind(endpoint("tcp")).unwrap();
    let endpoint = server.last_endpoint().unwrap();
    let client = client(&ctx, Mechanism::Null);
    let events = client.monitor();
    client.connect(&endpoint).unwrap();
    expect(&events, |k| {
        matches!(k, EventKind::HandshakeSucceeded { .. })
    });
    client.disconnect(&endpoint).unwrap();
    expect(&events, |k| matches!(k, EventKind::Closed));
}

#[test]
fn several_monitors_and_a_full_queue() {
    let ctx = ctx();
    let server = server(&ctx, Mechanism::Null);
    let all = server.monitor();
    let tiny = server.monitor_with_capacity(2);
    let dropped_early = server.monitor();
    drop(dropped_early);
    for _ in 0..5 {
        server.bind(endpoint("tcp")).unwrap();
    }
    assert_eq!(all.len(), 5);
    assert_eq!(all.dropped(), 0);
    assert_eq!(tiny.capacity(), 2);
    assert_eq!(tiny.len(), 2);
    assert_eq!(tiny.dropped(), 3);
    // The two kept are the newest.
    let last = tiny.try_iter().last().unwrap();
    assert_eq!(last.endpoint, server.last_endpoint().unwrap());
    assert!(tiny.try_recv().is_none());
}

#[test]
fn monitor_as_an_iterator_and_from_async() {
    let ctx = ctx();
    let server = server(&ctx, Mechanism::Null);
    let mut events = server.monitor();
    server.bind(endpoint("tcp")).unwrap();
    let bound = server.last_endpoint().unwrap();
    let first = events.next().unwrap();
    assert_eq!(first.endpoint, bound);
    let waiter = std::thread::spawn(move || {
        let event = block_on(events.next_event());
        (event, events)
    });
    let client = client(&ctx, Mechanism::Null);
    client.connect(&bound).unwrap();
    let (event, events) = waiter.join().unwrap();
    assert!(matches!(event.unwrap().kind, EventKind::Accepted { .. }));
    drop(events);
}

/// A minimal executor: polls `future` on this thread, parking in between.
fn block_on<F: std::future::Future>(future: F) -> F::Output {
    use std::sync::Arc;
    use std::task::{Context, Poll, Wake, Waker};
    struct Unpark(std::thread::Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    let deadline = Instant::now() + TIMEOUT;
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        assert!(Instant::now() < deadline, "future not ready in time");
        std::thread::park_timeout(Duration::from_millis(100));
    }
}

#[test]
fn counters_count_messages_bytes_and_peers() {
    for transport in TRANSPORTS {
        let ctx = ctx();
        let server = server(&ctx, Mechanism::Null);
        server.bind(endpoint(transport)).unwrap();
        let client = client(&ctx, Mechanism::Null);
        client.connect(server.last_endpoint().unwrap()).unwrap();
        for i in 0..10usize {
            client.send(vec![0u8; i]).unwrap();
        }
        for _ in 0..10 {
            server.recv_msg().unwrap();
        }
        let c = client.counters();
        assert_eq!((c.msgs_out, c.bytes_out), (10, 45));
        let s = server.counters();
        assert_eq!((s.msgs_in, s.bytes_in), (10, 45));
        assert_eq!(s.dropped_at_hwm, 0);
        let peers = if transport == "inproc" { 0 } else { 1 };
        assert_eq!(s.connected_peers, peers, "{transport}");
        assert!(eventually(|| client.counters().connected_peers == peers));
    }
}

#[test]
fn radio_counts_what_a_slow_dish_missed() {
    let ctx = ctx();
    let radio = RadioBuilder::new().with_ctx(ctx.handle()).unwrap();
    radio.set_send_hwm(4).unwrap();
    radio.bind(endpoint("inproc")).unwrap();
    let dish = DishBuilder::new().with_ctx(ctx.handle()).unwrap();
    dish.set_recv_hwm(4).unwrap();
    let group: Group = "g".parse().unwrap();
    dish.join(group.clone()).unwrap();
    dish.connect(radio.last_endpoint().unwrap()).unwrap();
    let mut sent = 0;
    while radio.counters().dropped_at_hwm == 0 {
        let mut msg = Msg::from("x");
        msg.set_group(&group);
        radio.send(msg).unwrap();
        sent += 1;
        assert!(sent < 10_000, "nothing was ever dropped");
        if sent % 100 == 0 {
            std::thread::yield_now();
        }
    }
    let counters = radio.counters();
    assert_eq!(counters.msgs_out, sent);
    assert!(counters.dropped_at_hwm >= 1);
}

#[test]
fn classic_types_have_monitors_and_pub_counts_drops() {
    let ctx = ctx();
    let publisher = PubBuilder::new().with_ctx(ctx.handle()).unwrap();
    let events = publisher.monitor();
    publisher.set_send_hwm(4).unwrap();
    publisher.bind(endpoint("tcp")).unwrap();
    let subscriber = SubBuilder::new().with_ctx(ctx.handle()).unwrap();
    subscriber.set_recv_hwm(4).unwrap();
    subscriber.subscribe("").unwrap();
    subscriber
        .connect(publisher.last_endpoint().unwrap())
        .unwrap();
    let done = expect(&events, |k| {
        matches!(k, EventKind::HandshakeSucceeded { .. })
    });
    let EventKind::HandshakeSucceeded { peer } = done.kind else {
        unreachable!()
    };
    assert_eq!(peer.socket_type(), Some("SUB"));
    // The subscription reaches the publisher after the handshake: publish
    // until one arrives, then until the slow subscriber misses some.
    let mut sent = 0u64;
    let deadline = Instant::now() + TIMEOUT;
    subscriber
        .set_recv_timeout(Some(Duration::from_millis(10)))
        .unwrap();
    loop {
        publisher.send("warm-up").unwrap();
        sent += 1;
        if subscriber.recv_msg().is_ok() {
            break;
        }
        assert!(Instant::now() < deadline, "no subscription");
    }
    while publisher.counters().dropped_at_hwm == 0 {
        publisher.send("x").unwrap();
        sent += 1;
        assert!(Instant::now() < deadline, "nothing was ever dropped");
    }
    let counters = publisher.counters();
    assert_eq!(counters.msgs_out, sent);
    assert_eq!(counters.connected_peers, 1);
}

#[test]
fn a_multipart_message_counts_once() {
    let ctx = ctx();
    let addr = inproc();
    let receiver = PairBuilder::new()
        .bind(&addr)
        .recv_timeout(TIMEOUT)
        .with_ctx(ctx.handle())
        .unwrap();
    let sender = PairBuilder::new()
        .connect(&addr)
        .with_ctx(ctx.handle())
        .unwrap();
    sender.send_multipart(["ab", "cde"]).unwrap();
    // The one-frame API refuses it and keeps it for `recv_multipart`.
    assert_eq!(
        receiver.recv_msg().unwrap_err().kind(),
        ErrorKind::Multipart
    );
    assert_eq!(receiver.recv_multipart().unwrap().len(), 2);
    let (sent, received) = (sender.counters(), receiver.counters());
    assert_eq!((sent.msgs_out, sent.bytes_out), (1, 5));
    assert_eq!((received.msgs_in, received.bytes_in), (1, 5));
}
