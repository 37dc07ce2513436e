//! Sanity checks of the C libzmq build and of the `lz` wrapper, libzmq on
//! both ends (no Rust implementation involved).
//!
//! Every socket has 5 s send/receive timeouts (the `lz` default), so a broken
//! build fails instead of hanging.

use std::time::{Duration, Instant};

use interop::lz::{self, Ctx, Socket};

const TCP_ANY: &str = "tcp://127.0.0.1:*";

#[test]
fn version_and_capabilities() {
    assert_eq!(lz::version(), (4, 3, 5));
    assert!(lz::has("draft"), "libzmq built without the DRAFT API");
    assert!(lz::has("curve"), "libzmq built without CURVE");
    assert!(lz::has("ipc"));
}

#[test]
fn only_thread_safe_types_are_constructible() {
    let ctx = Ctx::new();
    assert_eq!(
        Socket::new(&ctx, interop::ffi::ZMQ_DEALER).unwrap_err(),
        lz::EINVAL
    );
    for kind in [
        lz::SERVER,
        lz::CLIENT,
        lz::RADIO,
        lz::DISH,
        lz::GATHER,
        lz::SCATTER,
    ] {
        let s = Socket::new(&ctx, kind).unwrap();
        assert_eq!(s.kind(), kind);
        assert_eq!(s.get_int(interop::ffi::ZMQ_TYPE).unwrap(), kind);
    }
}

#[test]
fn client_server_tcp_routing_ids() {
    let ctx = Ctx::new();
    let server = Socket::server(&ctx).unwrap();
    server.bind(TCP_ANY).unwrap();
    let ep = server.last_endpoint();
    assert!(ep.starts_with("tcp://127.0.0.1:"), "{ep}");
    assert!(!ep.ends_with(":*"), "{ep}");

    let a = Socket::client(&ctx).unwrap();
    let b = Socket::client(&ctx).unwrap();
    a.connect(&ep).unwrap();
    b.connect(&ep).unwrap();

    a.send(b"hello from a").unwrap();
    b.send(b"hello from b").unwrap();

    let mut ids = std::collections::HashMap::new();
    for _ in 0..2 {
        let m = server.recv().unwrap();
        assert_ne!(m.routing_id, 0, "SERVER messages carry a routing id");
        assert_eq!(m.group, None);
        ids.insert(m.data.clone(), m.routing_id);
    }
    let id_a = ids[&b"hello from a"[..]];
    let id_b = ids[&b"hello from b"[..]];
    assert_ne!(id_a, id_b);

    // Replies go to the right peer.
    server.send_routed(b"to b", id_b).unwrap();
    server.send_routed(b"to a", id_a).unwrap();
    let ra = a.recv().unwrap();
    let rb = b.recv().unwrap();
    assert_eq!(ra.data, b"to a");
    assert_eq!(rb.data, b"to b");
    assert_eq!(ra.routing_id, 0, "CLIENT messages have no routing id");

    // A second message from the same peer keeps its routing id.
    a.send(b"again").unwrap();
    let m = server.recv().unwrap();
    assert_eq!((m.data.as_slice(), m.routing_id), (&b"again"[..], id_a));

    // Empty and large messages.
    a.send(b"").unwrap();
    assert_eq!(server.recv().unwrap().data, b"");
    let big: Vec<u8> = (0..1_000_000u32).map(|i| i as u8).collect();
    b.send(&big).unwrap();
    let m = server.recv().unwrap();
    assert_eq!((m.data.len(), m.routing_id), (big.len(), id_b));
    assert!(m.data == big);

    // Unknown routing id.
    let unknown = id_a.wrapping_add(id_b).wrapping_add(1000);
    assert_eq!(
        server.send_routed(b"nobody", unknown).unwrap_err(),
        lz::EHOSTUNREACH
    );

    // Nothing left, and the timeout works.
    server.set_rcvtimeo(50).unwrap();
    assert_eq!(server.recv().unwrap_err(), lz::EAGAIN);
    assert_eq!(server.try_recv().unwrap_err(), lz::EAGAIN);
}

#[test]
fn client_server_inproc_and_ipc() {
    let ctx = Ctx::new();
    for bind in ["inproc://lz-self-client-server", "ipc://*"] {
        let server = Socket::server(&ctx).unwrap();
        server.bind(bind).unwrap();
        let client = Socket::client(&ctx).unwrap();
        client.connect(&server.last_endpoint()).unwrap();
        client.send(b"ping").unwrap();
        let m = server.recv().unwrap();
        assert_eq!(m.data, b"ping", "{bind}");
        server.send_routed(b"pong", m.routing_id).unwrap();
        assert_eq!(client.recv().unwrap().data, b"pong", "{bind}");
    }
}

#[test]
fn radio_dish_tcp_groups() {
    let ctx = Ctx::new();
    let radio = Socket::radio(&ctx).unwrap();
    radio.bind(TCP_ANY).unwrap();
    let dish = Socket::dish(&ctx).unwrap();
    dish.join("weather").unwrap();
    assert_eq!(dish.join("weather").unwrap_err(), lz::EINVAL);
    dish.connect(&radio.last_endpoint()).unwrap();

    // RADIO drops messages for groups nobody joined, and the JOIN travels
    // asynchronously after the handshake: probe until one gets through.
    dish.set_rcvtimeo(20).unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        radio.send_group(b"probe", "weather").unwrap();
        match dish.recv() {
            Ok(m) => {
                assert_eq!(m.data, b"probe");
                assert_eq!(m.group.as_deref(), Some("weather"));
                break;
            }
            Err(e) => assert_eq!(e, lz::EAGAIN),
        }
        assert!(Instant::now() < deadline, "DISH never received a message");
    }

    // Subscription established: other groups are filtered out.
    dish.set_rcvtimeo(lz::DEFAULT_TIMEOUT_MS).unwrap();
    radio.send_group(b"not for us", "sport").unwrap();
    radio.send_group(b"sunny", "weather").unwrap();
    loop {
        let m = dish.recv().unwrap();
        assert_eq!(m.group.as_deref(), Some("weather"));
        if m.data == b"probe" {
            continue; // surplus probes still queued
        }
        assert_eq!(m.data, b"sunny");
        break;
    }

    // Group names up to 255 bytes are valid; zmq_join rejects longer ones,
    // while zmq_msg_set_group silently truncates them to 255 (strnlen).
    let long = "g".repeat(255);
    dish.join(&long).unwrap();
    assert_eq!(dish.join(&"g".repeat(256)).unwrap_err(), lz::EINVAL);
    let mut m = lz::Msg::from_slice(b"x");
    m.set_group(&long).unwrap();
    assert_eq!(m.group().as_deref(), Some(long.as_str()));
    let mut m = lz::Msg::from_slice(b"x");
    m.set_group(&"g".repeat(256)).unwrap();
    assert_eq!(m.group().as_deref(), Some(long.as_str()));

    dish.leave("weather").unwrap();
    assert_eq!(dish.leave("weather").unwrap_err(), lz::EINVAL);
}

#[test]
fn scatter_gather_tcp() {
    let ctx = Ctx::new();
    let gather = Socket::gather(&ctx).unwrap();
    gather.bind(TCP_ANY).unwrap();
    let scatter = Socket::scatter(&ctx).unwrap();
    scatter.connect(&gather.last_endpoint()).unwrap();

    for i in 0..100u32 {
        scatter.send(&i.to_le_bytes()).unwrap();
    }
    for i in 0..100u32 {
        let m = gather.recv().unwrap();
        assert_eq!(m.data, i.to_le_bytes());
        assert_eq!((m.routing_id, m.group), (0, None));
    }
    // GATHER cannot send, SCATTER cannot receive.
    assert_eq!(gather.send(b"x").unwrap_err(), lz::ENOTSUP);
    assert_eq!(scatter.recv().unwrap_err(), lz::ENOTSUP);
}

#[test]
fn curve_keys_and_z85() {
    let (public, secret) = lz::curve_keypair();
    assert_eq!((public.len(), secret.len()), (40, 40));
    assert_eq!(lz::curve_public(&secret).unwrap(), public);
    let raw = lz::z85_decode(&public).unwrap();
    assert_eq!(raw.len(), 32);
    assert_eq!(lz::z85_encode(&raw).unwrap(), public);
    // The ZMTP spec's Z85 test vector.
    assert_eq!(
        lz::z85_encode(&[0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B])
            .unwrap(),
        "HelloWorld"
    );
}

#[test]
fn curve_client_server_tcp() {
    let ctx = Ctx::new();
    let (server_public, server_secret) = lz::curve_keypair();
    let (client_public, client_secret) = lz::curve_keypair();

    let server = Socket::server(&ctx).unwrap();
    server.set_curve_server(true).unwrap();
    server.set_curve_secretkey(&server_secret).unwrap();
    server.bind(TCP_ANY).unwrap();
    let ep = server.last_endpoint();
    assert_eq!(server.mechanism().unwrap(), lz::CURVE);

    let client = Socket::client(&ctx).unwrap();
    client.set_curve_serverkey(&server_public).unwrap();
    client.set_curve_publickey(&client_public).unwrap();
    client.set_curve_secretkey(&client_secret).unwrap();
    assert_eq!(client.mechanism().unwrap(), lz::CURVE);
    client.connect(&ep).unwrap();

    for i in 0..10u8 {
        client.send(&[i; 100]).unwrap();
        let m = server.recv().unwrap();
        assert_eq!(m.data, [i; 100]);
        server.send_routed(&[i + 1; 3], m.routing_id).unwrap();
        assert_eq!(client.recv().unwrap().data, [i + 1; 3]);
    }

    // A client that expects another server key never completes the
    // handshake, so nothing reaches the server. (Absence can only be checked
    // with a timeout.)
    let (other_public, _) = lz::curve_keypair();
    let intruder = Socket::client(&ctx).unwrap();
    intruder.set_curve_serverkey(&other_public).unwrap();
    intruder.set_curve_publickey(&client_public).unwrap();
    intruder.set_curve_secretkey(&client_secret).unwrap();
    intruder.connect(&ep).unwrap();
    intruder.send(b"let me in").unwrap();
    server.set_rcvtimeo(300).unwrap();
    assert_eq!(server.recv().unwrap_err(), lz::EAGAIN);

    // Bad key lengths are rejected locally.
    assert_eq!(client.set_curve_serverkey("short").unwrap_err(), lz::EINVAL);
}

#[test]
fn plain_client_server_tcp_with_zap() {
    let ctx = Ctx::new();
    // libzmq 4.3.5 PLAIN servers need a ZAP handler.
    let zap = lz::ZapHandler::plain(&ctx, "admin", "secret").unwrap();

    let server = Socket::server(&ctx).unwrap();
    server.set_plain_server(true).unwrap();
    server.set_zap_domain("interop").unwrap();
    server.bind(TCP_ANY).unwrap();
    assert_eq!(server.mechanism().unwrap(), lz::PLAIN);
    let ep = server.last_endpoint();

    let client = Socket::client(&ctx).unwrap();
    client.set_plain_username("admin").unwrap();
    client.set_plain_password("secret").unwrap();
    assert_eq!(client.mechanism().unwrap(), lz::PLAIN);
    client.connect(&ep).unwrap();

    client.send(b"hi").unwrap();
    let m = server.recv().unwrap();
    assert_eq!(m.data, b"hi");
    server.send_routed(b"ho", m.routing_id).unwrap();
    assert_eq!(client.recv().unwrap().data, b"ho");

    // Wrong password: rejected by ZAP, nothing arrives. (Absence can only
    // be checked with a timeout.)
    let intruder = Socket::client(&ctx).unwrap();
    intruder.set_plain_username("admin").unwrap();
    intruder.set_plain_password("guess").unwrap();
    intruder.connect(&ep).unwrap();
    intruder.send(b"let me in").unwrap();
    let reqs = zap.wait_requests(2, Duration::from_secs(5));
    assert_eq!(reqs.len(), 2, "{reqs:?}");
    server.set_rcvtimeo(300).unwrap();
    assert_eq!(server.recv().unwrap_err(), lz::EAGAIN);

    assert_eq!(reqs[0].domain, "interop");
    assert_eq!(reqs[0].address, "127.0.0.1");
    assert_eq!(reqs[0].plain(), Some((&b"admin"[..], &b"secret"[..])));
    assert_eq!(reqs[1].plain(), Some((&b"admin"[..], &b"guess"[..])));
}

#[test]
fn plain_without_zap_handler_fails() {
    let ctx = Ctx::new();
    let server = Socket::server(&ctx).unwrap();
    server.set_plain_server(true).unwrap();
    server.bind(TCP_ANY).unwrap();
    let client = Socket::client(&ctx).unwrap();
    client.set_plain_username("admin").unwrap();
    client.set_plain_password("secret").unwrap();
    client.connect(&server.last_endpoint()).unwrap();
    client.send(b"hi").unwrap();
    server.set_rcvtimeo(300).unwrap();
    assert_eq!(server.recv().unwrap_err(), lz::EAGAIN);
}

#[test]
fn curve_with_zap_allow_list() {
    let ctx = Ctx::new();
    let (server_public, server_secret) = lz::curve_keypair();
    let (good_public, good_secret) = lz::curve_keypair();
    let (bad_public, bad_secret) = lz::curve_keypair();
    let zap = lz::ZapHandler::curve(&ctx, &[&good_public]).unwrap();

    let server = Socket::server(&ctx).unwrap();
    server.set_curve_server(true).unwrap();
    server.set_curve_secretkey(&server_secret).unwrap();
    server.bind(TCP_ANY).unwrap();
    let ep = server.last_endpoint();

    let connect = |public: &str, secret: &str| {
        let c = Socket::client(&ctx).unwrap();
        c.set_curve_serverkey(&server_public).unwrap();
        c.set_curve_publickey(public).unwrap();
        c.set_curve_secretkey(secret).unwrap();
        c.connect(&ep).unwrap();
        c
    };
    let bad = connect(&bad_public, &bad_secret);
    bad.send(b"bad").unwrap();
    let good = connect(&good_public, &good_secret);
    good.send(b"good").unwrap();

    // The good client's message arrives; the bad one's never does.
    assert_eq!(server.recv().unwrap().data, b"good");
    let reqs = zap.wait_requests(2, Duration::from_secs(5));
    server.set_rcvtimeo(300).unwrap();
    assert_eq!(server.recv().unwrap_err(), lz::EAGAIN);

    let keys: Vec<_> =
        reqs.iter().map(|r| r.curve_public_z85().unwrap()).collect();
    assert!(keys.contains(&good_public) && keys.contains(&bad_public));
}

#[test]
fn heartbeats_and_limits() {
    let ctx = Ctx::new();
    let server = Socket::server(&ctx).unwrap();
    server.set_maxmsgsize(1000).unwrap();
    server.set_heartbeat_ivl(50).unwrap();
    server.set_heartbeat_timeout(500).unwrap();
    server.set_heartbeat_ttl(1000).unwrap();
    server.set_sndhwm(10).unwrap();
    server.set_rcvhwm(10).unwrap();
    server.bind(TCP_ANY).unwrap();

    let client = Socket::client(&ctx).unwrap();
    client.set_heartbeat_ivl(50).unwrap();
    client.set_heartbeat_timeout(500).unwrap();
    client.connect(&server.last_endpoint()).unwrap();

    client.send(&[1; 1000]).unwrap();
    let m = server.recv().unwrap();
    assert_eq!(m.data.len(), 1000);

    // Several heartbeat intervals pass while the connection stays up: a
    // reply still arrives on the same routing id. (The sleep is the subject
    // of the test, not synchronisation.)
    std::thread::sleep(Duration::from_millis(300));
    server.send_routed(b"still here", m.routing_id).unwrap();
    assert_eq!(client.recv().unwrap().data, b"still here");
    client.send(b"me too").unwrap();
    assert_eq!(server.recv().unwrap().routing_id, m.routing_id);
}

#[test]
fn sockets_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Socket>();
    assert_send_sync::<Ctx>();

    // A SERVER shared by two threads: one receives, the other sends.
    let ctx = Ctx::new();
    let server = Socket::server(&ctx).unwrap();
    server.bind("inproc://lz-self-shared").unwrap();
    let client = Socket::client(&ctx).unwrap();
    client.connect("inproc://lz-self-shared").unwrap();
    client.send(b"who").unwrap();
    let id = server.recv().unwrap().routing_id;
    std::thread::scope(|s| {
        s.spawn(|| {
            for i in 0..100u8 {
                server.send_routed(&[i], id).unwrap();
            }
        });
        s.spawn(|| {
            for i in 0..100u8 {
                client.send(&[i]).unwrap();
            }
            for _ in 0..100u8 {
                server.recv().unwrap();
            }
        });
    });
    for i in 0..100u8 {
        assert_eq!(client.recv().unwrap().data, [i]);
    }
}

#[test]
fn perf_functions_smoke() {
    use interop::perf::{latency, throughput, Transport};
    for t in [Transport::Tcp, Transport::Inproc, Transport::Ipc] {
        let s = throughput(t, 64, 2_000).unwrap();
        assert!(s.msgs_per_sec > 0.0, "{s}");
        let l = latency(t, 64, 100).unwrap();
        assert!(l.mean_rtt_us > 0.0 && l.min_rtt_us <= l.p99_rtt_us, "{l}");
    }
}
