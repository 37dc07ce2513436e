//! What our classic sockets put on the wire, byte for byte next to what C
//! libzmq 4.3.5 sends in the same situation (spec: classic.md, "Captured
//! from libzmq 4.3.5 over ZMTP 3.1"). Each socket connects to a bare TCP
//! listener that plays a ZMTP 3.1 NULL peer of a compatible type and
//! records the greeting, the READY metadata and the frames that follow.
//!
//! * The 64-byte greeting is the same.
//! * READY: the same properties for all eleven types (`Socket-Type`; an
//!   empty `Identity` for REQ, DEALER and ROUTER only).
//! * SUB: `subscribe("A")`, `subscribe("")`, `unsubscribe("A")` are the
//!   commands SUBSCRIBE `A`, SUBSCRIBE and CANCEL `A`.
//! * XSUB: the messages `\x01B` and `\x00B` go out as data frames.
//! * REQ: an empty delimiter with MORE, then the body; DEALER: the frames
//!   as given, MORE on all but the last.

mod common;

use common::classic::*;
use common::*;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Instant;

/// A flags byte and a body.
type Frame = (u8, Vec<u8>);

/// The READY properties, name → value, in the order sent.
type Properties = Vec<(String, Vec<u8>)>;

/// What a connecting socket sent to the fake peer.
#[derive(Debug, PartialEq, Eq)]
struct Capture {
    greeting: Vec<u8>,
    ready: Properties,
    frames: Vec<Frame>,
}

/// The fake peer's greeting: ZMTP 3.1, NULL, not as-server.
fn greeting() -> Vec<u8> {
    let mut g = vec![0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0x7f, 3, 1];
    let mut mechanism = b"NULL".to_vec();
    mechanism.resize(20, 0);
    g.extend(mechanism);
    g.resize(64, 0);
    g
}

/// A READY command with `Socket-Type` = `kind`.
fn ready(kind: &str) -> Vec<u8> {
    let mut body = b"\x05READY\x0bSocket-Type".to_vec();
    body.extend((kind.len() as u32).to_be_bytes());
    body.extend(kind.as_bytes());
    let mut frame = vec![0x04, body.len() as u8];
    frame.extend(body);
    frame
}

fn read_frame(stream: &mut TcpStream) -> Frame {
    let mut flags = [0u8];
    stream.read_exact(&mut flags).expect("a frame");
    let size = if flags[0] & 0x02 != 0 {
        let mut size = [0u8; 8];
        stream.read_exact(&mut size).unwrap();
        u64::from_be_bytes(size) as usize
    } else {
        let mut size = [0u8];
        stream.read_exact(&mut size).unwrap();
        usize::from(size[0])
    };
    let mut body = vec![0; size];
    stream.read_exact(&mut body).unwrap();
    (flags[0], body)
}

fn parse_ready((flags, body): Frame) -> Properties {
    assert_eq!(flags & 0x04, 0x04, "a command");
    assert!(body.starts_with(b"\x05READY"), "{body:?}");
    let mut rest = &body[6..];
    let mut properties = Vec::new();
    while !rest.is_empty() {
        let name_len = usize::from(rest[0]);
        let name = String::from_utf8(rest[1..1 + name_len].to_vec()).unwrap();
        rest = &rest[1 + name_len..];
        let value_len =
            u32::from_be_bytes(rest[..4].try_into().unwrap()) as usize;
        properties.push((name, rest[4..4 + value_len].to_vec()));
        rest = &rest[4 + value_len..];
    }
    properties
}

/// Accepts the one connection `connect` makes, plays a NULL peer of type
/// `peer_kind`, runs `act` once the handshake is through, and records
/// `count` frames after the READY.
fn capture(
    peer_kind: &str,
    count: usize,
    connect: impl FnOnce(&str),
    act: impl FnOnce(),
) -> Capture {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    connect(&format!("tcp://{}", listener.local_addr().unwrap()));
    let deadline = Instant::now() + TIMEOUT;
    let mut stream = loop {
        match listener.accept() {
            Ok((stream, _)) => break stream,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                assert!(Instant::now() < deadline, "no connection");
                std::thread::sleep(PROBE_WAIT);
            }
            Err(e) => panic!("accept: {e}"),
        }
    };
    stream.set_nonblocking(false).unwrap();
    stream.set_read_timeout(Some(TIMEOUT)).unwrap();
    stream.write_all(&greeting()).unwrap();
    stream.write_all(&ready(peer_kind)).unwrap();
    let mut their_greeting = vec![0; 64];
    stream.read_exact(&mut their_greeting).unwrap();
    let ready = parse_ready(read_frame(&mut stream));
    act();
    let frames = (0..count).map(|_| read_frame(&mut stream)).collect();
    Capture {
        greeting: their_greeting,
        ready,
        frames,
    }
}

/// Our socket's capture and libzmq's, for the same actions.
fn both<R: libzmq::prelude::Socket>(
    peer_kind: &str,
    count: usize,
    ours: R,
    act_ours: impl FnOnce(&R),
    theirs: lz::ClassicSocket,
    act_theirs: impl FnOnce(&lz::ClassicSocket),
) -> (Capture, Capture) {
    let rs = capture(
        peer_kind,
        count,
        |ep| ours.connect(to_rs_endpoint(ep)).unwrap(),
        || act_ours(&ours),
    );
    let lz = capture(
        peer_kind,
        count,
        |ep| theirs.connect(ep).unwrap(),
        || act_theirs(&theirs),
    );
    (rs, lz)
}

fn frame(flags: u8, body: &[u8]) -> Frame {
    (flags, body.to_vec())
}

#[test]
fn ready_of_every_type_as_libzmq() {
    let (ctx, lz_ctx) = (Ctx::new(), lz::Ctx::new());
    // (our socket, libzmq type, its name, a compatible peer type)
    macro_rules! check {
        ($($make:ident, $kind:expr, $name:literal, $peer:literal;)*) => {$(
            let (rs, lz) = both(
                $peer, 0, $make(&ctx), |_| {}, lz_classic(&lz_ctx, $kind), |_| {},
            );
            assert_eq!(rs.greeting, lz.greeting, "{}: greeting", $name);
            assert_eq!(rs.ready, lz.ready, "{}: READY", $name);
            let socket_type = &rs.ready[0];
            assert_eq!(socket_type, &("Socket-Type".to_owned(), $name.as_bytes().to_vec()));
        )*};
    }
    check! {
        rs_pair, lz::PAIR, "PAIR", "PAIR";
        rs_pub, lz::PUB, "PUB", "SUB";
        rs_sub, lz::SUB, "SUB", "PUB";
        rs_xpub, lz::XPUB, "XPUB", "SUB";
        rs_xsub, lz::XSUB, "XSUB", "PUB";
        rs_push, lz::PUSH, "PUSH", "PULL";
        rs_pull, lz::PULL, "PULL", "PUSH";
        rs_req, lz::REQ, "REQ", "REP";
        rs_rep, lz::REP, "REP", "REQ";
        rs_dealer, lz::DEALER, "DEALER", "ROUTER";
        rs_router, lz::ROUTER, "ROUTER", "DEALER";
    }
}

#[test]
fn sub_subscriptions_as_libzmq() {
    let (ctx, lz_ctx) = (Ctx::new(), lz::Ctx::new());
    let (rs, lz) = both(
        "PUB",
        3,
        rs_sub(&ctx),
        |s| {
            s.subscribe("A").unwrap();
            s.subscribe("").unwrap();
            s.unsubscribe("A").unwrap();
        },
        lz_classic(&lz_ctx, lz::SUB),
        |s| {
            s.subscribe(b"A").unwrap();
            s.subscribe(b"").unwrap();
            s.unsubscribe(b"A").unwrap();
        },
    );
    let spec = vec![
        frame(0x04, b"\x09SUBSCRIBEA"),
        frame(0x04, b"\x09SUBSCRIBE"),
        frame(0x04, b"\x06CANCELA"),
    ];
    assert_eq!(lz.frames, spec, "libzmq");
    assert_eq!(rs, lz);
}

/// Subscriptions are sent each time, a cancellation only for the last
/// count; an unknown prefix sends nothing.
#[test]
fn sub_counted_subscriptions_as_libzmq() {
    let (ctx, lz_ctx) = (Ctx::new(), lz::Ctx::new());
    let (rs, lz) = both(
        "PUB",
        4,
        rs_sub(&ctx),
        |s| {
            for subscribe in [true, true, false, false] {
                match subscribe {
                    true => s.subscribe("A").unwrap(),
                    false => s.unsubscribe("A").unwrap(),
                }
            }
            s.unsubscribe("Z").unwrap();
            s.subscribe("B").unwrap();
        },
        lz_classic(&lz_ctx, lz::SUB),
        |s| {
            for subscribe in [true, true, false, false] {
                match subscribe {
                    true => s.subscribe(b"A").unwrap(),
                    false => s.unsubscribe(b"A").unwrap(),
                }
            }
            s.unsubscribe(b"Z").unwrap();
            s.subscribe(b"B").unwrap();
        },
    );
    let spec = vec![
        frame(0x04, b"\x09SUBSCRIBEA"),
        frame(0x04, b"\x09SUBSCRIBEA"),
        frame(0x04, b"\x06CANCELA"),
        frame(0x04, b"\x09SUBSCRIBEB"),
    ];
    assert_eq!(lz.frames, spec, "libzmq");
    assert_eq!(rs, lz);
}

#[test]
fn xsub_subscription_messages_as_libzmq() {
    let (ctx, lz_ctx) = (Ctx::new(), lz::Ctx::new());
    let (rs, lz) = both(
        "PUB",
        2,
        rs_xsub(&ctx),
        |s| {
            rs_send(s, &[b"\x01B"]);
            rs_send(s, &[b"\x00B"]);
        },
        lz_classic(&lz_ctx, lz::XSUB),
        |s| {
            s.send_frames(&[b"\x01B"]);
            s.send_frames(&[b"\x00B"]);
        },
    );
    assert_eq!(
        lz.frames,
        vec![frame(0, b"\x01B"), frame(0, b"\x00B")],
        "libzmq"
    );
    assert_eq!(rs, lz);
}

#[test]
fn req_envelope_as_libzmq() {
    let (ctx, lz_ctx) = (Ctx::new(), lz::Ctx::new());
    let (rs, lz) = both(
        "REP",
        2,
        rs_req(&ctx),
        |s| rs_send(s, &[b"hi"]),
        lz_classic(&lz_ctx, lz::REQ),
        |s| s.send_frames(&[b"hi"]),
    );
    assert_eq!(lz.frames, vec![frame(1, b""), frame(0, b"hi")], "libzmq");
    assert_eq!(rs, lz);
}

#[test]
fn dealer_multipart_as_libzmq() {
    let (ctx, lz_ctx) = (Ctx::new(), lz::Ctx::new());
    let (rs, lz) = both(
        "ROUTER",
        2,
        rs_dealer(&ctx),
        |s| rs_send(s, &[b"a", b"b"]),
        lz_classic(&lz_ctx, lz::DEALER),
        |s| s.send_frames(&[b"a", b"b"]),
    );
    assert_eq!(lz.frames, vec![frame(1, b"a"), frame(0, b"b")], "libzmq");
    assert_eq!(rs, lz);
}
