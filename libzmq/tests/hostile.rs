//! Peers that misbehave on the wire are disconnected; the socket keeps
//! serving its good peers and loses nothing.

mod common;

use common::*;
use libzmq::{addr::Endpoint, prelude::*};
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
