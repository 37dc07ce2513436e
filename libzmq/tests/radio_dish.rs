//! Radio/Dish over inproc, TCP and IPC: exact group matching, joins and
//! leaves upstream, fan-out, lossy and no-drop sending, rejoin after reconnect.

mod common;

use common::*;
use libzmq::{addr::Endpoint, prelude::*, *};
use std::time::{Duration, Instant};

fn group(name: &str) -> Group {
    Group::try_from(name).unwrap()
}

/// Sends probes on `g` until `dish` gets one (its JOIN reached the radio),
/// then drains the probes so the test starts clean.
fn wait_joined(radio: &Radio, dish: &Dish, g: &Group) {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        radio.transmit("probe", g).unwrap();
        if dish.try_recv_msg().is_ok() {
            break;
        }
        assert!(Instant::now() < deadline, "join never reached the radio");
        std::thread::sleep(Duration::from_millis(2));
    }
    radio.transmit("end of probes", g).unwrap();
    while dish.recv_msg().unwrap().as_bytes() != b"end of probes" {}
}

fn pair(ctx: &Ctx, transport: &str, groups: &[&str]) -> (Radio, Dish) {
    let radio = RadioBuilder::new()
        .bind(endpoint(transport))
        .with_ctx(ctx.handle())
        .unwrap();
    let bound = radio.last_endpoint().unwrap();
    let dish = DishBuilder::new()
        .connect(&bound)
        .join(groups.iter().map(|g| group(g)))
        .recv_timeout(TIMEOUT)
        .with_ctx(ctx.handle())
        .unwrap();
    for g in groups {
        wait_joined(&radio, &dish, &group(g));
    }
    (radio, dish)
}

#[test]
fn exact_group_matching_on_every_transport() {
    for transport in TRANSPORTS {
        let ctx = ctx();
        let (radio, dish) = pair(&ctx, transport, &["Movies"]);
        radio.transmit("Friends", group("TV")).unwrap();
        radio.transmit("Godfather", group("Movies")).unwrap();
        radio.transmit("prefix", group("Movie")).unwrap();
        radio.transmit("longer", group("Movies2")).unwrap();
        radio.transmit("Alien", group("Movies")).unwrap();
        for body in ["Godfather", "Alien"] {
            let msg = dish.recv_msg().unwrap();
            assert_eq!(msg.to_str(), Ok(body), "{transport}");
            assert_eq!(msg.group().unwrap(), "Movies");
        }
        assert_eq!(
            dish.try_recv_msg().unwrap_err().kind(),
            ErrorKind::WouldBlock,
            "{transport}"
        );
    }
}

#[test]
fn join_and_leave_travel_upstream() {
    for transport in TRANSPORTS {
        let ctx = ctx();
        let (radio, dish) = pair(&ctx, transport, &["Movies"]);
        dish.join(group("TV")).unwrap();
        wait_joined(&radio, &dish, &group("TV"));
        radio.transmit("Friends", group("TV")).unwrap();
        assert_eq!(dish.recv_msg().unwrap().to_str(), Ok("Friends"));
        dish.leave(group("TV")).unwrap();
        // After the LEAVE, only Movies arrives: send TV repeatedly, then a
        // Movies marker; nothing but the marker may come once the leave landed.
        let deadline = Instant::now() + TIMEOUT;
        loop {
            radio.transmit("Friends", group("TV")).unwrap();
            radio.transmit("marker", group("Movies")).unwrap();
            let first = dish.recv_msg().unwrap();
            if first.to_str() == Ok("marker") {
                break;
            }
            assert_eq!(dish.recv_msg().unwrap().to_str(), Ok("marker"));
            assert!(
                Instant::now() < deadline,
                "{transport}: leave never reached the radio"
            );
        }
    }
}

#[test]
fn fan_out_to_three_dishes_with_different_groups() {
    for transport in TRANSPORTS {
        let ctx = ctx();
        let radio = RadioBuilder::new()
            .bind(endpoint(transport))
            .with_ctx(ctx.handle())
            .unwrap();
        let bound = radio.last_endpoint().unwrap();
        let dishes: Vec<(Dish, &str)> = [("a", "A"), ("b", "B"), ("both", "A")]
            .into_iter()
            .map(|(name, g)| {
                let dish = DishBuilder::new()
                    .connect(&bound)
                    .join(group(g))
                    .recv_timeout(TIMEOUT)
                    .with_ctx(ctx.handle())
                    .unwrap();
                if name == "both" {
                    dish.join(group("B")).unwrap();
                }
                (dish, name)
            })
            .collect();
        for (dish, _) in &dishes {
            for g in dish.joined() {
                wait_joined(&radio, dish, &g);
            }
        }
        // Probes for one dish reached the others too: drain them up to a
        // marker per joined group.
        radio.transmit("sync", group("A")).unwrap();
        radio.transmit("sync", group("B")).unwrap();
        for (dish, _) in &dishes {
            let mut markers = 0;
            while markers < dish.joined().len() {
                if dish.recv_msg().unwrap().as_bytes() == b"sync" {
                    markers += 1;
                }
            }
        }
        for i in 0..10 {
            radio.transmit(format!("A{i}"), group("A")).unwrap();
            radio.transmit(format!("B{i}"), group("B")).unwrap();
            radio.transmit(format!("C{i}"), group("C")).unwrap();
        }
        let take = |dish: &Dish, n: usize| -> Vec<String> {
            (0..n)
                .map(|_| dish.recv_msg().unwrap().to_str().unwrap().to_owned())
                .collect()
        };
        let a = take(&dishes[0].0, 10);
        let b = take(&dishes[1].0, 10);
        let both = take(&dishes[2].0, 20);
        assert!(a.iter().all(|m| m.starts_with('A')), "{transport}: {a:?}");
        assert!(b.iter().all(|m| m.starts_with('B')), "{transport}: {b:?}");
        assert_eq!(both.iter().filter(|m| m.starts_with('A')).count(), 10);
        assert_eq!(both.iter().filter(|m| m.starts_with('B')).count(), 10);
        for (dish, _) in &dishes {
            assert!(
                dish.try_recv_msg().is_err(),
                "{transport}: a dish got a group it did not join"
            );
        }
    }
}

#[test]
fn join_errors() {
    let ctx = ctx();
    let dish = Dish::with_ctx(ctx.handle()).unwrap();
    assert!(matches!(
        dish.leave(group("Movies")).unwrap_err().kind(),
        ErrorKind::InvalidInput(_)
    ));
    dish.join(group("Movies")).unwrap();
    match dish.join(group("Movies")).unwrap_err().kind() {
        ErrorKind::InvalidInput(msg) => {
            assert_eq!(msg, "cannot join group twice")
        }
        other => panic!("{other:?}"),
    }
    assert!(Group::new(vec![b'A'; 256]).is_err());
    dish.join(Group::new(vec![b'A'; 255]).unwrap()).unwrap();
    assert_eq!(dish.joined().len(), 2);
}

#[test]
fn long_group_over_tcp() {
    let ctx = ctx();
    let long = "0123456789ABCDEFGH".repeat(14); // 252 bytes
    let (radio, dish) = pair(&ctx, "tcp", &[&long]);
    radio.transmit("HELLO", group(&long)).unwrap();
    let msg = dish.recv_msg().unwrap();
    assert_eq!(msg.to_str(), Ok("HELLO"));
    assert_eq!(msg.group().unwrap(), long.as_str());
}

#[test]
fn message_without_group_goes_to_the_empty_group() {
    let ctx = ctx();
    for transport in ["tcp", "inproc"] {
        let (radio, dish) = pair(&ctx, transport, &["", "other"]);
        radio.send("no group").unwrap();
        let msg = dish.recv_msg().unwrap();
        assert_eq!(msg.to_str(), Ok("no group"), "{transport}");
        assert_eq!(msg.group().unwrap(), "", "{transport}");
    }
    // With no dish at all, a message is simply dropped.
    let radio = Radio::with_ctx(ctx.handle()).unwrap();
    radio.send("nobody").unwrap();
    radio.transmit("nobody", group("g")).unwrap();
}

#[test]
fn empty_group_is_a_normal_group() {
    let ctx = ctx();
    let (radio, dish) = pair(&ctx, "tcp", &[""]);
    radio.transmit("x", group("")).unwrap();
    let msg = dish.recv_msg().unwrap();
    assert_eq!(msg.to_str(), Ok("x"));
    assert_eq!(msg.group().unwrap(), "");
}

#[test]
fn radio_drops_at_hwm() {
    let ctx = ctx();
    let addr = inproc();
    let radio = RadioBuilder::new()
        .bind(&addr)
        .send_hwm(1)
        .with_ctx(ctx.handle())
        .unwrap();
    let dish = DishBuilder::new()
        .connect(&addr)
        .join(group("g"))
        .recv_hwm(1)
        .with_ctx(ctx.handle())
        .unwrap();
    for i in 0..10 {
        radio.try_transmit(format!("{i}"), group("g")).unwrap();
    }
    assert_eq!(dish.try_recv_msg().unwrap().to_str(), Ok("0"));
    assert_eq!(dish.try_recv_msg().unwrap().to_str(), Ok("1"));
    assert!(dish.try_recv_msg().is_err());
}

#[test]
fn radio_no_drop_blocks_at_hwm() {
    let ctx = ctx();
    let addr = inproc();
    let radio = RadioBuilder::new()
        .bind(&addr)
        .send_hwm(1)
        .no_drop()
        .with_ctx(ctx.handle())
        .unwrap();
    assert!(radio.no_drop().unwrap());
    let dish = DishBuilder::new()
        .connect(&addr)
        .join(group("g"))
        .recv_hwm(1)
        .with_ctx(ctx.handle())
        .unwrap();
    radio.try_transmit("1", group("g")).unwrap();
    radio.try_transmit("2", group("g")).unwrap();
    let mut err = radio.try_transmit("3", group("g")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::WouldBlock);
    assert_eq!(err.take().unwrap().to_str(), Ok("3"));
    radio
        .set_send_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    let start = Instant::now();
    assert_eq!(
        radio.transmit("3", group("g")).unwrap_err().kind(),
        ErrorKind::WouldBlock
    );
    assert!(start.elapsed() >= Duration::from_millis(290));
    dish.try_recv_msg().unwrap();
    dish.try_recv_msg().unwrap();
    radio.try_transmit("3", group("g")).unwrap();
    assert_eq!(dish.try_recv_msg().unwrap().to_str(), Ok("3"));
}

#[test]
fn dish_rejoins_after_reconnect() {
    let ctx = ctx();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr: TcpAddr = format!("127.0.0.1:{port}").try_into().unwrap();
    let radio = RadioBuilder::new()
        .bind(&addr)
        .with_ctx(ctx.handle())
        .unwrap();
    let dish = DishBuilder::new()
        .connect(&addr)
        .join(group("g"))
        .recv_timeout(TIMEOUT)
        .with_ctx(ctx.handle())
        .unwrap();
    wait_joined(&radio, &dish, &group("g"));
    drop(radio);
    let radio = RadioBuilder::new()
        .bind(&addr)
        .with_ctx(ctx.handle())
        .unwrap();
    // No join call: the dish re-sends its JOIN on the new connection.
    wait_joined(&radio, &dish, &group("g"));
    radio.transmit("after", group("g")).unwrap();
    assert_eq!(dish.recv_msg().unwrap().to_str(), Ok("after"));
}

#[test]
fn join_before_and_after_connect_over_inproc_is_visible_at_once() {
    let ctx = ctx();
    let addr = inproc();
    let radio = RadioBuilder::new()
        .bind(&addr)
        .with_ctx(ctx.handle())
        .unwrap();
    let dish = DishBuilder::new()
        .connect(&addr)
        .join(group("before"))
        .with_ctx(ctx.handle())
        .unwrap();
    dish.join(group("after")).unwrap();
    radio.transmit("1", group("before")).unwrap();
    radio.transmit("2", group("after")).unwrap();
    assert_eq!(dish.try_recv_msg().unwrap().to_str(), Ok("1"));
    assert_eq!(dish.try_recv_msg().unwrap().to_str(), Ok("2"));
}

#[test]
fn radio_dish_carry_large_messages() {
    let ctx = ctx();
    let (radio, dish) = pair(&ctx, "tcp", &["big"]);
    for size in [0usize, 255, 256, 70_000, 1 << 20] {
        radio.transmit(payload(size, size), group("big")).unwrap();
        assert_eq!(
            dish.recv_msg().unwrap().as_bytes(),
            payload(size, size).as_slice()
        );
    }
}

#[test]
fn radio_configs_round_trip() {
    use libzmq::config::*;
    let yaml = "bind:\n  - tcp: \"127.0.0.1:*\"\nsend_hwm: 5\nno_drop: true\n";
    let config: RadioConfig = serde_yaml::from_str(yaml).unwrap();
    assert!(config.no_drop());
    let back: RadioConfig =
        serde_yaml::from_str(&serde_yaml::to_string(&config).unwrap()).unwrap();
    assert_eq!(back, config);
    let dish: DishConfig =
        serde_yaml::from_str("groups: [\"a\", \"b\"]\nrecv_hwm: 3\n").unwrap();
    assert_eq!(dish.groups().unwrap().len(), 2);
    let err = serde_yaml::from_str::<DishConfig>("send_hwm: 3\n")
        .unwrap_err()
        .to_string();
    assert!(err.contains("send_hwm"), "{err}");
    let endpoint: Endpoint = serde_yaml::from_str("inproc: x").unwrap();
    assert!(endpoint.is_inproc());
}

#[test]
fn udp_unicast_radio_to_dish() {
    let ctx = ctx();
    let dish = DishBuilder::new()
        .bind(UdpAddr::try_from("127.0.0.1:*").unwrap())
        .join(group("TV"))
        .recv_timeout(TIMEOUT)
        .with_ctx(ctx.handle())
        .unwrap();
    let bound = match dish.last_endpoint().unwrap() {
        Endpoint::Udp(addr) => addr,
        other => panic!("{other:?}"),
    };
    assert!(bound.host().port().is_specified());
    let radio = RadioBuilder::new()
        .connect(&bound)
        .with_ctx(ctx.handle())
        .unwrap();
    // UDP is lossy and has no handshake; the first datagrams may race the
    // I/O thread's registration, so probe until one arrives.
    wait_joined(&radio, &dish, &group("TV"));
    radio.transmit("Friends", group("TV")).unwrap();
    radio.transmit("filtered", group("Movies")).unwrap();
    radio.transmit("Seinfeld", group("TV")).unwrap();
    for body in ["Friends", "Seinfeld"] {
        let msg = dish.recv_msg().unwrap();
        assert_eq!(msg.to_str(), Ok(body));
        assert_eq!(msg.group().unwrap(), "TV");
    }
    // Too large for one datagram: not sent, and the send still succeeds.
    radio.transmit(vec![0u8; 9000], group("TV")).unwrap();
    radio.transmit("after", group("TV")).unwrap();
    assert_eq!(dish.recv_msg().unwrap().to_str(), Ok("after"));
}

#[test]
fn udp_receiver_ignores_malformed_datagrams() {
    let ctx = ctx();
    let dish = DishBuilder::new()
        .bind(UdpAddr::try_from("127.0.0.1:*").unwrap())
        .join([group("TV"), group("")])
        .recv_timeout(TIMEOUT)
        .with_ctx(ctx.handle())
        .unwrap();
    let target = match dish.last_endpoint().unwrap() {
        Endpoint::Udp(addr) => addr.to_string(),
        other => panic!("{other:?}"),
    };
    let raw = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    for datagram in [
        &b"\x02XXnotjoined"[..],
        b"\x09TV",
        b"",
        b"\x02TVhello",
        b"\x00emptygrp",
        b"\x02TV",
    ] {
        raw.send_to(datagram, &target).unwrap();
    }
    let got: Vec<(String, Vec<u8>)> = (0..3)
        .map(|_| {
            let msg = dish.recv_msg().unwrap();
            (
                msg.group().unwrap().to_str().unwrap().to_owned(),
                msg.as_bytes().to_vec(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("TV".into(), b"hello".to_vec()),
            ("".into(), b"emptygrp".to_vec()),
            ("TV".into(), vec![])
        ]
    );
}

#[test]
fn udp_multicast_loopback() {
    let ctx = ctx();
    let port = std::net::UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr =
        UdpAddr::try_from(format!("239.255.77.{}:{port}", port % 250 + 1))
            .unwrap();
    let dish = match DishBuilder::new()
        .bind(&addr)
        .join(group("TV"))
        .recv_timeout(Duration::from_millis(200))
        .with_ctx(ctx.handle())
    {
        Ok(dish) => dish,
        Err(err) => {
            eprintln!(
                "skipped: this host cannot join multicast groups ({err})"
            );
            return;
        }
    };
    let radio = RadioBuilder::new()
        .connect(&addr)
        .with_ctx(ctx.handle())
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(2);
    while Instant::now() < deadline {
        radio.transmit("Friends", group("TV")).unwrap();
        if let Ok(msg) = dish.recv_msg() {
            assert_eq!(msg.to_str(), Ok("Friends"));
            return;
        }
    }
    eprintln!("skipped: multicast is not looped back on this host");
}

#[test]
fn udp_only_for_radio_connect_and_dish_bind() {
    let ctx = ctx();
    let udp = UdpAddr::try_from("127.0.0.1:5556").unwrap();
    let incompatible =
        |result: Result<(), Error>| match result.unwrap_err().kind() {
            ErrorKind::InvalidInput(msg) => {
                assert_eq!(msg, "transport incompatible")
            }
            other => panic!("{other:?}"),
        };
    incompatible(Radio::with_ctx(ctx.handle()).unwrap().bind(&udp));
    incompatible(Dish::with_ctx(ctx.handle()).unwrap().connect(&udp));
    incompatible(Client::with_ctx(ctx.handle()).unwrap().connect(&udp));
    incompatible(Server::with_ctx(ctx.handle()).unwrap().bind(&udp));
    incompatible(Scatter::with_ctx(ctx.handle()).unwrap().connect(&udp));
    incompatible(Gather::with_ctx(ctx.handle()).unwrap().bind(&udp));
    let pgm = PgmAddr::try_from("192.168.1.1;239.192.1.1:5555").unwrap();
    incompatible(Radio::with_ctx(ctx.handle()).unwrap().connect(pgm));
}
