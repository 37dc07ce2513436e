//! Writes the seed corpora under `corpus/<target>/seed-*` from the byte vectors of the RFCs
//! and of zmtp's own tests (greetings, READY, PING/PONG, ERROR, JOIN/LEAVE, PLAIN HELLO, Z85
//! keys, ...). Run from `fuzz/`: `cargo run --bin seeds` (no sanitizer needed).

use std::fs;
use std::path::Path;

use bytes::{Bytes, BytesMut};
use fuzz_util::session::{self, Mech};
use zmtp::frame::encode_frame;
use zmtp::{Command, Greeting, Metadata};

fn write(target: &str, name: &str, data: &[u8]) {
    let dir = Path::new("corpus").join(target);
    fs::create_dir_all(&dir).expect("create corpus dir");
    fs::write(dir.join(format!("seed-{name}")), data).expect("write seed");
}

fn with_mode(mode: u8, data: &[u8]) -> Vec<u8> {
    let mut v = vec![mode];
    v.extend_from_slice(data);
    v
}

fn ready(socket_type: &str) -> Command {
    let mut md = Metadata::new();
    md.insert("Socket-Type", socket_type.to_owned()).unwrap();
    Command::Ready(md)
}

fn body(cmd: &Command) -> Vec<u8> {
    let mut out = BytesMut::new();
    cmd.encode_body(&mut out);
    out.to_vec()
}

fn frame(cmd: &Command) -> Vec<u8> {
    let mut out = BytesMut::new();
    cmd.encode(&mut out);
    out.to_vec()
}

fn main() {
    // Greetings (spec §1.2): libzmq's NULL greeting, PLAIN as server, CURVE, ZMTP 3.0,
    // and rejected ones (ZMTP 2, HTTP).
    for (name, mech, server) in [
        ("null", "NULL", false),
        ("plain-server", "PLAIN", true),
        ("curve", "CURVE", false),
    ] {
        write("greeting", name, &Greeting::new(mech, server).encode());
    }
    let mut zmtp30 = Greeting::new("NULL", false).encode();
    zmtp30[11] = 0;
    write("greeting", "zmtp30", &zmtp30);
    let mut zmtp2 = Greeting::new("NULL", false).encode();
    zmtp2[10] = 2;
    write("greeting", "zmtp2", &zmtp2);
    write("greeting", "http", b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    write(
        "greeting",
        "signature",
        &[0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f],
    );

    // Commands (spec §1.5 / RFC 37): command bodies, mode byte 0 = wire bytes.
    let commands = [
        ("ready-server", ready("SERVER")),
        ("ready-client", ready("CLIENT")),
        ("ready-radio", ready("RADIO")),
        ("ready-dish", ready("DISH")),
        ("error-400", Command::Error(Bytes::from_static(b"400"))),
        (
            "ping",
            Command::Ping {
                ttl: 15,
                context: Bytes::new(),
            },
        ),
        (
            "ping-ctx",
            Command::Ping {
                ttl: 0,
                context: Bytes::from_static(b"LOL"),
            },
        ),
        (
            "pong",
            Command::Pong {
                context: Bytes::from_static(b"LOL"),
            },
        ),
        ("join", Command::Join(Bytes::from_static(b"Movies"))),
        ("leave", Command::Leave(Bytes::from_static(b"Movies"))),
        (
            "subscribe",
            Command::Subscribe(Bytes::from_static(b"topic")),
        ),
        ("cancel", Command::Cancel(Bytes::from_static(b"topic"))),
    ];
    for (name, cmd) in &commands {
        write("command", name, &with_mode(0, &body(cmd)));
    }
    // PLAIN (RFC 24) commands as unknown commands.
    write(
        "command",
        "plain-hello",
        &with_mode(0, b"\x05HELLO\x05admin\x06secret"),
    );
    write("command", "plain-welcome", &with_mode(0, b"\x07WELCOME"));
    write(
        "command",
        "plain-initiate",
        &with_mode(0, b"\x08INITIATE\x0bSocket-Type\x00\x00\x00\x06CLIENT"),
    );

    // Metadata: READY's property list.
    let mut md = Metadata::new();
    md.insert("Socket-Type", "SERVER").unwrap();
    md.insert("Identity", "").unwrap();
    md.insert("User-Id", "admin").unwrap();
    let mut out = BytesMut::new();
    md.encode(&mut out);
    write("metadata", "ready-props", &with_mode(0, &out));

    // Frames: a whole NULL handshake stream as seen by a client.
    let mut stream = Vec::new();
    stream.extend_from_slice(&frame(&ready("SERVER")));
    let mut data = BytesMut::new();
    encode_frame(true, false, b"hello", &mut data);
    encode_frame(false, false, &[0x78; 300], &mut data);
    stream.extend_from_slice(&data);
    write("frame", "ready-and-messages", &stream);
    write(
        "frame",
        "long-max",
        &[0x02, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
    );
    write("frame", "long-256", &[0x02, 0, 0, 0, 0, 0, 0, 0x01, 0x00]);

    // Z85 (RFC 32): "HelloWorld", libzmq's test keys; mode 1 = encode bytes.
    write("z85", "hello-world", &with_mode(0, b"HelloWorld"));
    write(
        "z85",
        "server-secret",
        &with_mode(0, b"JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6"),
    );
    write(
        "z85",
        "public-key",
        &with_mode(0, b"rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"),
    );
    write("z85", "max", &with_mode(0, b"%nSc0"));
    write(
        "z85",
        "encode",
        &with_mode(1, &[0x86, 0x4f, 0xd2, 0x6f, 0xb5, 0x59, 0xf7, 0x5b]),
    );

    // Addresses: selector byte + text.
    let addresses: [(u8, &str); 12] = [
        (0, "127.0.0.1:5555"),
        (0, "192.168.1.17:*;10.0.0.1:80"),
        (0, "[::1]:*"),
        (0, "localhost:3000"),
        (1, "239.0.0.1:5555"),
        (2, "eth0;239.192.1.1:5555"),
        (4, "/tmp/feeds/0"),
        (4, "@abstract"),
        (5, "test"),
        (9, "::1:5555"),
        (10, "eth0"),
        (10, "[fe80::1]"),
    ];
    for (i, (sel, text)) in addresses.iter().enumerate() {
        write(
            "address",
            &format!("{i}"),
            &with_mode(*sel, text.as_bytes()),
        );
    }

    // Configs: selector byte + text.
    let yaml: [(u8, &str); 8] = [
        (0, "connect:\n  - tcp: \"127.0.0.1:5555\"\nsend_timeout: 1s\nsend_hwm: 10\n"),
        (1, "bind:\n  - inproc: test\nheartbeat:\n  interval: 1s\n"),
        (6, "client:\n  connect:\n    - inproc: x\n"),
        (7, "- server:\n    bind:\n      - tcp: \"*:*\"\n- dish:\n    connect:\n      - udp: \"239.0.0.1:5555\"\n"),
        (8, "whitelist:\n  - 127.0.0.1\nplain_registry:\n  - username: admin\n    password: pw\n"),
        (0, "mechanism:\n  plain_client:\n    username: admin\n    password: pw\n"),
        (1, "mechanism:\n  curve_server:\n    secret: \"iaoRiIVA^VgV:f4a<@{8K{cP62cE:dh=4:oY+^l(\"\nmax_msg_size: 1024\n"),
        (9, "io_threads: 2\nmax_sockets: 10\n"),
    ];
    for (i, (sel, text)) in yaml.iter().enumerate() {
        write(
            "config_yaml",
            &format!("{i}"),
            &with_mode(*sel, text.as_bytes()),
        );
    }
    let json: [(u8, &str); 7] = [
        (
            0,
            r#"{"connect":[{"tcp":"127.0.0.1:5555"}],"send_timeout":"1s","send_hwm":10}"#,
        ),
        (
            1,
            r#"{"bind":[{"inproc":"test"}],"heartbeat":{"interval":"1s"}}"#,
        ),
        (6, r#"{"client":{"connect":[{"inproc":"x"}]}}"#),
        (7, r#"[{"radio":{"bind":[{"tcp":"*:*"}]}},{"gather":{}}]"#),
        (8, r#"{"whitelist":["127.0.0.1"],"curve_auth":true}"#),
        (0, r#"{"mechanism":"null","linger":"10ms","groups":["g"]}"#),
        (9, r#"{"io_threads":2,"max_sockets":10}"#),
    ];
    for (i, (sel, text)) in json.iter().enumerate() {
        write(
            "config_json",
            &format!("{i}"),
            &with_mode(*sel, text.as_bytes()),
        );
    }
    // Sessions: hand-written programs (see fuzz_util::session), and a NULL peer stream
    // taken from the RFC bytes (greeting + READY) as raw bytes (op 5).
    for (target, mech) in [
        ("session_null", Mech::Null),
        ("session_plain", Mech::Plain),
        ("session_curve", Mech::Curve),
    ] {
        for (name, program, _) in session::seed_programs(mech) {
            write(target, name, &program);
        }
    }
    let mut raw = vec![0u8, 0, 5, 64];
    raw.extend_from_slice(&Greeting::new("NULL", false).encode());
    let ready = frame(&ready("SERVER"));
    raw.push(5);
    raw.push(ready.len() as u8);
    raw.extend_from_slice(&ready);
    write("session_null", "rfc-greeting-ready", &raw);
    println!("seeds written under corpus/");
}
