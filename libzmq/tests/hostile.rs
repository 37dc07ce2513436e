//! Peers that misbehave on the wire are disconnected; the socket keeps
//! serving its good peers and loses nothing.

mod common;

use common::*;
use libzmq::{addr::Endpoint, prelude::*, *};
use std::io::{Read, Write};

/// Runs `attack` against a server while a good client keeps doing request/reply.
fn survives(attack: impl FnOnce(&Endpoint)) {
    let ctx = ctx();
    let (server, endpoint) = tcp_server(&ctx);
    let client = client_to(&ctx, &endpoint);
    let exchange = |n: u32| {
        client.send(n.to_be_bytes().to_vec()).unwrap();
        let msg = server.recv_msg().unwrap();
        assert_eq!(msg.as_bytes(), n.to_be_bytes());
        server
            .route(n.to_be_bytes().to_vec(), msg.routing_id().unwrap())
            .unwrap();
        assert_eq!(client.recv_msg().unwrap().as_bytes(), n.to_be_bytes());
    };
    exchange(1);
    attack(&endpoint);
    exchange(2);
}

#[test]
fn garbage_instead_of_greeting_is_dropped() {
    survives(|endpoint| {
        let mut stream = raw_connect(endpoint);
        stream
            .write_all(b"GET / HTTP/1.1\r\nHost: example\r\n\r\n")
            .unwrap();
        assert_closed(&mut stream);
    });
}

#[test]
fn random_bytes_are_dropped() {
    survives(|endpoint| {
        let mut stream = raw_connect(endpoint);
        let noise: Vec<u8> = (0..10_000u32)
            .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8 | 1)
            .collect();
        let _ = stream.write_all(&noise);
        assert_closed(&mut stream);
    });
}

#[test]
fn old_protocol_version_is_dropped() {
    survives(|endpoint| {
        let mut stream = raw_connect(endpoint);
        let mut old = greeting();
        old[10] = 2; // ZMTP 2.0
        stream.write_all(&old).unwrap();
        assert_closed(&mut stream);
    });
}

#[test]
fn wrong_socket_type_is_dropped() {
    survives(|endpoint| {
        let mut stream = raw_connect(endpoint);
        stream.write_all(&greeting()).unwrap();
        stream.write_all(&ready("DEALER")).unwrap();
        assert_closed(&mut stream);
    });
}

#[test]
fn huge_frame_is_dropped_without_allocating() {
    survives(|endpoint| {
        let mut stream = raw_connect(endpoint);
        stream.write_all(&greeting()).unwrap();
        stream.write_all(&ready("CLIENT")).unwrap();
        // A long frame declaring 2^63 bytes.
        let mut frame = vec![0x02];
        frame.extend_from_slice(&(1u64 << 63).to_be_bytes());
        stream.write_all(&frame).unwrap();
        assert_closed(&mut stream);
    });
}

#[test]
fn data_before_handshake_is_dropped() {
    survives(|endpoint| {
        let mut stream = raw_connect(endpoint);
        stream.write_all(&greeting()).unwrap();
        stream
            .write_all(&[0x00, 0x05, b'h', b'e', b'l', b'l', b'o'])
            .unwrap();
        assert_closed(&mut stream);
    });
}

#[test]
fn truncated_frame_then_close_is_harmless() {
    survives(|endpoint| {
        let mut stream = raw_connect(endpoint);
        stream.write_all(&greeting()).unwrap();
        stream.write_all(&ready("CLIENT")).unwrap();
        stream.write_all(&[0x02, 0, 0, 0]).unwrap(); // half a long header
        drop(stream);
    });
}

#[test]
fn raw_client_speaking_correctly_is_served() {
    let ctx = ctx();
    let (server, endpoint) = tcp_server(&ctx);
    let mut stream = raw_connect(&endpoint);
    stream.write_all(&greeting()).unwrap();
    stream.write_all(&ready("CLIENT")).unwrap();
    stream
        .write_all(&[0x00, 0x05, b'h', b'e', b'l', b'l', b'o'])
        .unwrap();
    let msg = server.recv_msg().unwrap();
    assert_eq!(msg.to_str(), Ok("hello"));
    server.route("world", msg.routing_id().unwrap()).unwrap();
    // Greeting (64) + READY from SERVER (30) + "world" frame (7).
    let mut reply = vec![0u8; 64 + 30 + 7];
    stream.read_exact(&mut reply).unwrap();
    assert_eq!(reply[0], 0xff);
    assert_eq!(&reply[64..66], &[0x04, 0x1c]);
    assert_eq!(&reply[88..94], b"SERVER");
    assert_eq!(&reply[94..], &[0x00, 0x05, b'w', b'o', b'r', b'l', b'd']);
}

#[test]
fn multipart_input_is_discarded_by_server() {
    let ctx = ctx();
    let (server, endpoint) = tcp_server(&ctx);
    let mut stream = raw_connect(&endpoint);
    stream.write_all(&greeting()).unwrap();
    stream.write_all(&ready("CLIENT")).unwrap();
    stream
        .write_all(&[0x01, 5, b'p', b'a', b'r', b't', b'1'])
        .unwrap();
    stream
        .write_all(&[0x00, 5, b'p', b'a', b'r', b't', b'2'])
        .unwrap();
    stream
        .write_all(&[0x00, 6, b's', b'i', b'n', b'g', b'l', b'e'])
        .unwrap();
    stream
        .write_all(&[0x00, 5, b'l', b'a', b't', b'e', b'r'])
        .unwrap();
    assert_eq!(server.recv_msg().unwrap().to_str(), Ok("single"));
    assert_eq!(server.recv_msg().unwrap().to_str(), Ok("later"));
}

#[test]
fn malformed_ready_metadata_is_dropped() {
    survives(|endpoint| {
        let mut stream = raw_connect(endpoint);
        stream.write_all(&greeting()).unwrap();
        // READY whose property claims 1000 bytes of value in a 30-byte body.
        let mut body = vec![5];
        body.extend_from_slice(b"READY");
        body.push(11);
        body.extend_from_slice(b"Socket-Type");
        body.extend_from_slice(&1000u32.to_be_bytes());
        body.extend_from_slice(b"CLIENT");
        stream.write_all(&[0x04, body.len() as u8]).unwrap();
        stream.write_all(&body).unwrap();
        assert_closed(&mut stream);
    });
}

#[test]
fn oversized_ready_is_dropped() {
    let ctx = ctx();
    let addr: TcpAddr = "127.0.0.1:*".try_into().unwrap();
    let server = ServerBuilder::new()
        .max_msg_size(1024)
        .bind(addr)
        .with_ctx(ctx.handle())
        .unwrap();
    let mut stream = raw_connect(&server.last_endpoint().unwrap());
    stream.write_all(&greeting()).unwrap();
    // A READY command frame of 100 KB: larger than the maximum message size.
    let mut frame = vec![0x06];
    frame.extend_from_slice(&100_000u64.to_be_bytes());
    stream.write_all(&frame).unwrap();
    assert_closed(&mut stream);
}

#[test]
fn unknown_command_after_handshake_is_ignored() {
    let ctx = ctx();
    let (server, endpoint) = tcp_server(&ctx);
    let mut stream = raw_handshake(&endpoint, "CLIENT", "SERVER");
    let mut unknown = vec![0x04, 0x09, 0x06];
    unknown.extend_from_slice(b"FOOBAR");
    unknown.extend_from_slice(b"xy");
    stream.write_all(&unknown).unwrap();
    stream
        .write_all(&[0x00, 0x05, b'a', b'f', b't', b'e', b'r'])
        .unwrap();
    assert_eq!(server.recv_msg().unwrap().to_str(), Ok("after"));
}

/// Every attack in turn, while a good client keeps doing request/reply: it
/// loses nothing and sees every reply in order.
#[test]
fn good_client_is_unaffected_by_all_attacks() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    let ctx = ctx();
    let (server, endpoint) = tcp_server(&ctx);
    let echo = {
        let server = server.clone();
        std::thread::spawn(move || {
            while let Ok(msg) = server.recv_msg() {
                let id = msg.routing_id().unwrap();
                if server.route(msg, id).is_err() {
                    break;
                }
            }
        })
    };
    let stop = Arc::new(AtomicBool::new(false));
    let good = {
        let client = client_to(&ctx, &endpoint);
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut n = 0u32;
            while !stop.load(Ordering::SeqCst) {
                client.send(n.to_be_bytes().to_vec()).unwrap();
                assert_eq!(
                    client.recv_msg().unwrap().as_bytes(),
                    n.to_be_bytes(),
                    "reply {n}"
                );
                n += 1;
            }
            n
        })
    };
    let attacks: Vec<Vec<u8>> = vec![
        b"GET / HTTP/1.1\r\n\r\n".to_vec(),
        [greeting(), vec![0x02, 0x80, 0, 0, 0, 0, 0, 0, 0]].concat(),
        [greeting(), ready("DEALER")].concat(),
        [greeting(), vec![0x00, 0x03, b'b', b'a', b'd']].concat(),
        [greeting(), ready("CLIENT"), vec![0x02, 0, 0, 0]].concat(),
        (0..5000u32)
            .map(|i| (i.wrapping_mul(2654435761) >> 7) as u8)
            .collect(),
    ];
    for attack in attacks {
        let mut stream = raw_connect(&endpoint);
        let _ = stream.write_all(&attack);
        drop(stream);
    }
    // Let the good client keep going past the attacks a little.
    let start = std::time::Instant::now();
    while start.elapsed() < std::time::Duration::from_millis(300) {
        std::thread::yield_now();
    }
    stop.store(true, Ordering::SeqCst);
    let exchanged = good.join().unwrap();
    assert!(exchanged > 0);
    ctx.shutdown();
    echo.join().unwrap();
}
