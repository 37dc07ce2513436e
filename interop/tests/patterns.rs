//! Interop of OUR Scatter/Gather and Radio/Dish with the real C libzmq 4.3.5
//! over TCP, with either side binding:
//!
//! * SCATTER → GATHER, both ways: 1000 messages (4..=303 bytes, across the
//!   short/long frame boundary) arrive complete and in order.
//! * RADIO → DISH, both ways: joins made before and after connecting reach
//!   the RADIO; only joined groups arrive (exact match: no prefixes, no case
//!   folding), including an 18-character group, a 255-character one and the
//!   empty group; after a leave the group stops, after a rejoin it resumes.
//! * Our Dish rejoins a new libzmq RADIO bound on the same port after the
//!   first one was closed, without a new join call (and a libzmq DISH does
//!   the same with our Radio).
//! * Incompatible pairs (our Client / libzmq GATHER, libzmq CLIENT / our
//!   Gather, our Radio / libzmq CLIENT) deliver nothing either way, and all
//!   sockets stay usable with compatible peers.
//!
//! Our Radio has no heartbeat option at all, which is what a libzmq DISH
//! needs (libzmq bug #3551, spec zmtp.md §1.11).

mod common;

use common::*;

/// Messages per SCATTER → GATHER run.
const COUNT: usize = 1000;

/// Message `i` of a SCATTER → GATHER run: 4..=303 bytes.
fn sg_msg(i: usize) -> Vec<u8> {
    numbered(i, i % 300)
}

/// The two ways a pair can be set up.
#[derive(Clone, Copy, Debug)]
enum Binds {
    /// Our socket binds, libzmq's connects.
    Ours,
    /// libzmq's socket binds, ours connects.
    Theirs,
}

// ---------------------------------------------------------------------------
// SCATTER → GATHER
// ---------------------------------------------------------------------------

/// Sends [`COUNT`] messages with `send` while `recv` checks them in order.
fn scatter_gather_run(
    label: &str,
    send: impl FnOnce() + Send,
    recv: impl Fn() -> Vec<u8>,
) {
    std::thread::scope(|s| {
        s.spawn(send);
        for i in 0..COUNT {
            let got = recv();
            assert!(
                got == sg_msg(i),
                "{label}: message {i}: got {} bytes starting {:02x?}",
                got.len(),
                &got[..got.len().min(8)]
            );
        }
    });
}

fn rs_scatter_to_lz_gather(binds: Binds) {
    let ctx = Ctx::new();
    let lz_ctx = lz::Ctx::new();
    let scatter = rs_scatter(&ctx);
    let gather = lz_socket(&lz_ctx, lz::GATHER);
    match binds {
        Binds::Ours => gather.connect(&rs_bind(&scatter)).unwrap(),
        Binds::Theirs => scatter.connect(lz_bind(&gather)).unwrap(),
    }
    let label = format!("our Scatter → libzmq GATHER, {binds:?} bind");
    scatter_gather_run(
        &label,
        || {
            for i in 0..COUNT {
                scatter.send(sg_msg(i)).unwrap();
            }
        },
        || {
            let m = gather.recv().unwrap();
            assert_eq!((m.routing_id, &m.group), (0, &None));
            m.data
        },
    );
    lz_gets_nothing(&label, &gather);
}

fn lz_scatter_to_rs_gather(binds: Binds) {
    let ctx = Ctx::new();
    let lz_ctx = lz::Ctx::new();
    let scatter = lz_socket(&lz_ctx, lz::SCATTER);
    let gather = rs_gather(&ctx);
    match binds {
        Binds::Ours => scatter.connect(&rs_bind(&gather)).unwrap(),
        Binds::Theirs => gather.connect(lz_bind(&scatter)).unwrap(),
    }
    let label = format!("libzmq SCATTER → our Gather, {binds:?} bind");
    scatter_gather_run(
        &label,
        || {
            for i in 0..COUNT {
                scatter.send(&sg_msg(i)).unwrap();
            }
        },
        || {
            let m = gather.recv_msg().unwrap();
            assert_eq!(m.routing_id(), None);
            assert!(m.group().is_none());
            m.as_bytes().to_vec()
        },
    );
    rs_gets_nothing(&label, &gather);
}

#[test]
fn rs_scatter_binds_lz_gather_connects() {
    rs_scatter_to_lz_gather(Binds::Ours);
}

#[test]
fn lz_gather_binds_rs_scatter_connects() {
    rs_scatter_to_lz_gather(Binds::Theirs);
}

#[test]
fn rs_gather_binds_lz_scatter_connects() {
    lz_scatter_to_rs_gather(Binds::Ours);
}

#[test]
fn lz_scatter_binds_rs_gather_connects() {
    lz_scatter_to_rs_gather(Binds::Theirs);
}

// ---------------------------------------------------------------------------
// RADIO → DISH
// ---------------------------------------------------------------------------

/// 18 characters: libzmq keeps groups of up to 14 bytes inline in a
/// message and allocates longer ones (`msg_t::set_group`).
const GROUP_18: &str = "0123456789ABCDEFGH";
/// The longest group libzmq keeps inline.
const GROUP_14: &str = "fourteen-chars";

/// The longest group (255 bytes).
fn group_255() -> String {
    "g".repeat(255)
}

/// What a RADIO → DISH pair goes through, whichever end is whose.
/// `dish` joined `weather` and `""` before connecting.
fn radio_dish_groups(label: &str, radio: &dyn RadioEnd, dish: &dyn DishEnd) {
    let long = group_255();
    // JOINs sent at the handshake...
    wait_joined(radio, dish, "weather");
    wait_joined(radio, dish, "");
    // ... and live ones.
    dish.join(GROUP_14);
    dish.join(GROUP_18);
    dish.join(&long);
    wait_joined(radio, dish, GROUP_14);
    wait_joined(radio, dish, GROUP_18);
    wait_joined(radio, dish, &long);

    let big = payload(1, 100_000);
    let sent: Vec<(&str, Vec<u8>)> = vec![
        ("sport", b"unjoined".to_vec()),
        ("weather", b"sunny".to_vec()),
        ("weathe", b"prefix".to_vec()),
        ("weatherX", b"longer".to_vec()),
        ("Weather", b"case".to_vec()),
        (GROUP_14, b"fourteen".to_vec()),
        ("fourteen-chars-", b"fifteen".to_vec()),
        (GROUP_18, b"eighteen".to_vec()),
        (&GROUP_18[..17], b"seventeen".to_vec()),
        ("", b"empty group".to_vec()),
        ("", Vec::new()),
        (&long, b"longest group".to_vec()),
        (&long[..254], b"254".to_vec()),
        ("weather", big.clone()),
        (" ", b"space".to_vec()),
        ("weather", b"done".to_vec()),
    ];
    for (g, data) in &sent {
        radio.transmit(data, g);
    }
    let joined = ["weather", GROUP_14, GROUP_18, "", long.as_str()];
    for (g, data) in sent.iter().filter(|(g, _)| joined.contains(g)) {
        let (got_group, got) = dish.recv();
        assert_eq!(&got_group, g, "{label}");
        assert!(&got == data, "{label}: {g:?}: got {} bytes", got.len());
    }
    assert_eq!(dish.recv_within(NOTHING_WAIT), None, "{label}");

    // Leave: the group stops, the others go on; rejoin: it resumes.
    dish.leave("weather");
    check_left(radio, dish, "weather", "");
    dish.leave(GROUP_18);
    check_left(radio, dish, GROUP_18, &long);
    dish.join("weather");
    wait_joined(radio, dish, "weather");
    radio.transmit(b"no longer joined", GROUP_18);
    radio.transmit(b"back", "weather");
    assert_eq!(dish.recv(), ("weather".into(), b"back".to_vec()), "{label}");
}

#[test]
fn rs_radio_binds_lz_dish_connects() {
    let ctx = Ctx::new();
    let lz_ctx = lz::Ctx::new();
    let radio = rs_radio(&ctx);
    let dish = lz_socket(&lz_ctx, lz::DISH);
    dish.join("weather").unwrap();
    dish.join("").unwrap();
    dish.connect(&rs_bind(&radio)).unwrap();
    radio_dish_groups("our Radio (bound) ← libzmq DISH", &radio, &dish);
}

#[test]
fn lz_dish_binds_rs_radio_connects() {
    let ctx = Ctx::new();
    let lz_ctx = lz::Ctx::new();
    let dish = lz_socket(&lz_ctx, lz::DISH);
    dish.join("weather").unwrap();
    dish.join("").unwrap();
    let radio = rs_radio(&ctx);
    radio.connect(lz_bind(&dish)).unwrap();
    radio_dish_groups("our Radio → libzmq DISH (bound)", &radio, &dish);
}

#[test]
fn lz_radio_binds_rs_dish_connects() {
    let ctx = Ctx::new();
    let lz_ctx = lz::Ctx::new();
    let radio = lz_socket(&lz_ctx, lz::RADIO);
    let dish = rs_dish(&ctx);
    dish.join(group("weather")).unwrap();
    dish.join(group("")).unwrap();
    dish.connect(lz_bind(&radio)).unwrap();
    radio_dish_groups("libzmq RADIO (bound) ← our Dish", &radio, &dish);
    lz_radio_ungrouped_is_empty_group(&radio, &dish);
}

#[test]
fn rs_dish_binds_lz_radio_connects() {
    let ctx = Ctx::new();
    let lz_ctx = lz::Ctx::new();
    let dish = rs_dish(&ctx);
    dish.join(group("weather")).unwrap();
    dish.join(group("")).unwrap();
    let radio = lz_socket(&lz_ctx, lz::RADIO);
    radio.connect(&rs_bind(&dish)).unwrap();
    radio_dish_groups("libzmq RADIO → our Dish (bound)", &radio, &dish);
    lz_radio_ungrouped_is_empty_group(&radio, &dish);
}

/// A libzmq RADIO message whose group was never set goes to group `""`
/// (our Radio refuses such a message instead).
fn lz_radio_ungrouped_is_empty_group(radio: &LzSocket, dish: &Dish) {
    radio.send(b"no group set").unwrap();
    let m = dish.recv_msg().unwrap();
    assert_eq!(m.as_bytes(), b"no group set");
    assert_eq!(m.group().unwrap(), "");
}

// ---------------------------------------------------------------------------
// Rejoin after the RADIO is replaced
// ---------------------------------------------------------------------------

/// Binds `endpoint`, retrying while the previous owner's listener is still
/// being released (libzmq closes sockets asynchronously).
fn lz_rebind(socket: &LzSocket, endpoint: &str) {
    eventually(&format!("rebind {endpoint}"), || {
        match socket.bind(endpoint) {
            Ok(()) => Some(()),
            Err(lz::EADDRINUSE) => None,
            Err(e) => panic!("bind {endpoint}: {}", lz::strerror(e)),
        }
    });
}

#[test]
fn rs_dish_rejoins_a_new_lz_radio_on_the_same_port() {
    let ctx = Ctx::new();
    let lz_ctx = lz::Ctx::new();
    let radio = lz_socket(&lz_ctx, lz::RADIO);
    let endpoint = lz_bind(&radio);
    let lz_endpoint = to_lz_endpoint(&endpoint);
    let dish = rs_dish(&ctx);
    dish.join(group("g")).unwrap();
    dish.join(group(GROUP_18)).unwrap();
    dish.connect(&endpoint).unwrap();
    wait_joined(&radio, &dish, "g");
    wait_joined(&radio, &dish, GROUP_18);

    drop(radio);
    let radio = lz_socket(&lz_ctx, lz::RADIO);
    lz_rebind(&radio, &lz_endpoint);
    // No join call: our Dish re-sends its JOINs on the new connection.
    wait_joined(&radio, &dish, "g");
    wait_joined(&radio, &dish, GROUP_18);
    radio.transmit(b"other", "h");
    radio.transmit(b"after", "g");
    assert_eq!(DishEnd::recv(&dish), ("g".into(), b"after".to_vec()));
    assert_eq!(dish.joined(), [group("g"), group(GROUP_18)]);
}

#[test]
fn lz_dish_rejoins_a_new_rs_radio_on_the_same_port() {
    let ctx = Ctx::new();
    let lz_ctx = lz::Ctx::new();
    let radio = rs_radio(&ctx);
    let lz_endpoint = rs_bind(&radio);
    let endpoint = radio.last_endpoint().unwrap();
    let dish = lz_socket(&lz_ctx, lz::DISH);
    dish.join("g").unwrap();
    dish.connect(&lz_endpoint).unwrap();
    wait_joined(&radio, &dish, "g");

    drop(radio);
    let radio = rs_radio(&ctx);
    eventually("rebind our Radio", || match radio.bind(&endpoint) {
        Ok(()) => Some(()),
        Err(e) if e.kind() == ErrorKind::AddrInUse => None,
        Err(e) => panic!("bind {endpoint:?}: {e}"),
    });
    wait_joined(&radio, &dish, "g");
    RadioEnd::transmit(&radio, b"after", "g");
    assert_eq!(DishEnd::recv(&dish), ("g".into(), b"after".to_vec()));
}

// ---------------------------------------------------------------------------
// Incompatible pairs
// ---------------------------------------------------------------------------

/// Our Client and a libzmq GATHER, either side binding: our Client's
/// messages never reach the GATHER, a bound Client never gets a peer out of
/// it, and afterwards both work with compatible peers.
#[test]
fn rs_client_and_lz_gather_exchange_nothing() {
    let ctx = Ctx::new();
    let lz_ctx = lz::Ctx::new();

    // Our Client binds, the GATHER connects.
    let bound_client = rs_client(&ctx);
    let bound_ep = rs_bind(&bound_client);
    let gather_a = lz_socket(&lz_ctx, lz::GATHER);
    gather_a.connect(&bound_ep).unwrap();

    // The GATHER binds, our Client connects (its queue exists from connect).
    let gather_b = lz_socket(&lz_ctx, lz::GATHER);
    let gather_b_ep = lz_bind(&gather_b);
    let client = rs_client(&ctx);
    client.connect(&gather_b_ep).unwrap();
    client.try_send("from our Client").unwrap();

    // The bounded "nothing arrives" wait.
    lz_gets_nothing("our Client (bound) ← libzmq GATHER", &gather_a);
    lz_gets_nothing("our Client → libzmq GATHER (bound)", &gather_b);
    assert_eq!(
        bound_client.try_send("anyone?").unwrap_err().kind(),
        ErrorKind::WouldBlock,
        "a bound Client got a peer out of a GATHER"
    );
    rs_gets_nothing("our Client (bound)", &bound_client);

    // Everyone still works with a compatible peer.
    let server = lz_socket(&lz_ctx, lz::SERVER);
    server.connect(&bound_ep).unwrap();
    bounce_rs_client_lz_server("bound Client", &bound_client, &server, b"hi");

    let scatter = rs_scatter(&ctx);
    scatter.connect(&gather_b_ep).unwrap();
    scatter.send("from our Scatter").unwrap();
    assert_eq!(gather_b.recv().unwrap().data, b"from our Scatter");

    client.disconnect(&gather_b_ep).unwrap();
    let server = lz_socket(&lz_ctx, lz::SERVER);
    client.connect(lz_bind(&server)).unwrap();
    bounce_rs_client_lz_server("connecting Client", &client, &server, b"hi");
    lz_gets_nothing("libzmq GATHER (bound)", &gather_b);
}

/// A libzmq CLIENT and our Gather, either side binding: nothing reaches our
/// Gather, and afterwards both work with compatible peers.
#[test]
fn lz_client_and_rs_gather_exchange_nothing() {
    let ctx = Ctx::new();
    let lz_ctx = lz::Ctx::new();

    // Our Gather binds, the CLIENT connects and queues a message.
    let bound_gather = rs_gather(&ctx);
    let bound_ep = rs_bind(&bound_gather);
    let client_a = lz_socket(&lz_ctx, lz::CLIENT);
    client_a.connect(&bound_ep).unwrap();
    client_a
        .send_msg(
            &mut lz::Msg::from_slice(b"from libzmq CLIENT"),
            lz::DONTWAIT,
        )
        .unwrap();

    // The CLIENT binds (no peer, so it cannot queue), our Gather connects.
    let client_b = lz_socket(&lz_ctx, lz::CLIENT);
    let client_b_ep = lz_bind(&client_b);
    let gather = rs_gather(&ctx);
    gather.connect(&client_b_ep).unwrap();

    rs_gets_nothing("our Gather (bound) ← libzmq CLIENT", &bound_gather);
    rs_gets_nothing("our Gather → libzmq CLIENT (bound)", &gather);
    assert_eq!(
        client_b
            .send_msg(&mut lz::Msg::from_slice(b"x"), lz::DONTWAIT)
            .unwrap_err(),
        lz::EAGAIN,
        "a bound libzmq CLIENT got a peer out of our Gather"
    );
    lz_gets_nothing("libzmq CLIENT (bound)", &client_b);

    // Our Gathers still work.
    let scatter = lz_socket(&lz_ctx, lz::SCATTER);
    scatter.connect(&bound_ep).unwrap();
    scatter.send(b"from libzmq SCATTER").unwrap();
    assert_eq!(
        bound_gather.recv_msg().unwrap().as_bytes(),
        b"from libzmq SCATTER"
    );
    let scatter = lz_socket(&lz_ctx, lz::SCATTER);
    gather.connect(lz_bind(&scatter)).unwrap();
    scatter.send(b"to the connecting Gather").unwrap();
    assert_eq!(
        gather.recv_msg().unwrap().as_bytes(),
        b"to the connecting Gather"
    );

    // The libzmq CLIENTs still work.
    let server = rs_server(&ctx);
    server.connect(&client_b_ep).unwrap();
    bounce_lz_client_rs_server("bound CLIENT", &client_b, &server, b"hi");
    let _ = client_a.disconnect(&bound_ep);
    let server = rs_server(&ctx);
    client_a.connect(&rs_bind(&server)).unwrap();
    bounce_lz_client_rs_server("connecting CLIENT", &client_a, &server, b"hi");
    rs_gets_nothing("our Gather (bound)", &bound_gather);
}

/// Our Radio and a libzmq CLIENT, either side binding: nothing goes either
/// way, and afterwards both work with compatible peers.
#[test]
fn rs_radio_and_lz_client_exchange_nothing() {
    let ctx = Ctx::new();
    let lz_ctx = lz::Ctx::new();

    // Our Radio binds, the CLIENT connects.
    let bound_radio = rs_radio(&ctx);
    let bound_ep = rs_bind(&bound_radio);
    let client_a = lz_socket(&lz_ctx, lz::CLIENT);
    client_a.connect(&bound_ep).unwrap();
    client_a
        .send_msg(
            &mut lz::Msg::from_slice(b"from libzmq CLIENT"),
            lz::DONTWAIT,
        )
        .unwrap();

    // The CLIENT binds, our Radio connects.
    let client_b = lz_socket(&lz_ctx, lz::CLIENT);
    let client_b_ep = lz_bind(&client_b);
    let radio = rs_radio(&ctx);
    radio.connect(&client_b_ep).unwrap();

    for r in [&bound_radio, &radio] {
        // A CLIENT cannot join; nothing may go out, even to group "".
        for g in ["", "g"] {
            RadioEnd::transmit(r, b"from our Radio", g);
        }
    }
    lz_gets_nothing("our Radio (bound) ← libzmq CLIENT", &client_a);
    lz_gets_nothing("our Radio → libzmq CLIENT (bound)", &client_b);

    // Our Radios still work with libzmq DISHes.
    let dish = lz_socket(&lz_ctx, lz::DISH);
    dish.join("g").unwrap();
    dish.connect(&bound_ep).unwrap();
    wait_joined(&bound_radio, &dish, "g");
    let dish = lz_socket(&lz_ctx, lz::DISH);
    dish.join("g").unwrap();
    radio.connect(lz_bind(&dish)).unwrap();
    wait_joined(&radio, &dish, "g");

    // The libzmq CLIENTs still work with our Servers.
    let server = rs_server(&ctx);
    server.connect(&client_b_ep).unwrap();
    bounce_lz_client_rs_server("bound CLIENT", &client_b, &server, b"hi");
    let _ = client_a.disconnect(&bound_ep);
    let server = rs_server(&ctx);
    client_a.connect(&rs_bind(&server)).unwrap();
    bounce_lz_client_rs_server("connecting CLIENT", &client_a, &server, b"hi");
}
