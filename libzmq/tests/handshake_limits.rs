//! Issue 17 end to end: peers that never authenticate cannot make a running
//! Server allocate much more than they send.
//!
//! Raw TCP peers attack NULL, PLAIN and CURVE servers: a READY declaring
//! 64 MiB (and a real attempt at sending it, made of empty-name properties),
//! oversized PLAIN and CURVE HELLOs, a handshake frame trickled byte by byte,
//! 20 connections at once. Meanwhile a good Client keeps exchanging messages
//! with the NULL server. The process's peak memory (VmHWM) must stay within a
//! few MB plus twice what the attackers managed to send.
//!
//! Everything runs inside one `#[test]` so that no other test of this binary
//! allocates while the peak is measured. Every blocking call has a timeout.

use libzmq::{addr::Endpoint, auth::*, prelude::*, *};
use std::io::{ErrorKind as IoErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

/// Upper bound for any single blocking call.
const TIMEOUT: Duration = Duration::from_secs(10);
/// Connections per attack, all at once.
const CONNECTIONS: usize = 20;
/// Memory the server may use beyond twice what the attackers sent (read
/// buffers of the attacked connections, thread stacks, allocator slack).
const SLACK: u64 = 8 << 20;
/// The attackers write from this shared buffer (their own memory must not
/// count against the server).
static ZEROS: [u8; 16 * 1024] = [0; 16 * 1024];

/// `VmHWM` (peak resident set) of this process, in bytes.
fn peak_rss() -> u64 {
    status_kib("VmHWM:") * 1024
}

fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status
        .lines()
        .find(|l| l.starts_with(field))
        .unwrap_or_else(|| panic!("{field} missing from /proc/self/status"));
    line[field.len()..]
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .unwrap()
}

fn socket_addr(endpoint: &Endpoint) -> SocketAddr {
    match endpoint {
        Endpoint::Tcp(addr) => addr.to_string().parse().unwrap(),
        other => panic!("not tcp: {other:?}"),
    }
}

fn bind(ctx: &Ctx, mechanism: Mechanism) -> (Server, Endpoint) {
    let addr: TcpAddr = "127.0.0.1:*".try_into().unwrap();
    let server = ServerBuilder::new()
        .mechanism(mechanism)
        .bind(addr)
        .recv_timeout(TIMEOUT)
        .send_timeout(TIMEOUT)
        .with_ctx(ctx.handle())
        .unwrap();
    let endpoint = server.last_endpoint().unwrap();
    (server, endpoint)
}

/// A ZMTP 3.1 greeting for `mechanism`.
fn greeting(mechanism: &[u8]) -> Vec<u8> {
    let mut bytes = vec![0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 3, 1];
    bytes.extend_from_slice(mechanism);
    bytes.resize(64, 0);
    bytes
}

/// A long command frame header declaring `size` bytes.
fn command_header(size: u64) -> Vec<u8> {
    let mut header = vec![0x06];
    header.extend_from_slice(&size.to_be_bytes());
    header
}

/// What one attacker does once connected; returns the bytes it wrote.
#[derive(Clone, Copy, Debug)]
enum Attack {
    /// NULL greeting, then a READY declaring `declared` bytes and as much of
    /// its body as the server takes, up to `body` bytes (zeros: 5-byte
    /// properties with empty names and values).
    ReadyBomb { declared: u64, body: u64 },
    /// The mechanism's greeting, then a HELLO declaring `declared` bytes and
    /// up to 64 KiB of body.
    BigHello {
        mechanism: &'static [u8],
        declared: u64,
    },
    /// NULL greeting, then the largest READY the server allows, written one
    /// byte per `write` for its first `bytes` bytes; then the peer goes away.
    Trickle { bytes: usize },
}

/// Writes `n` bytes (zeros) or fewer if the server closes first.
fn write_zeros(stream: &mut TcpStream, n: u64, sent: &AtomicU64) {
    let mut left = n;
    while left > 0 {
        let chunk = left.min(ZEROS.len() as u64) as usize;
        match stream.write(&ZEROS[..chunk]) {
            Ok(0) | Err(_) => return,
            Ok(written) => {
                sent.fetch_add(written as u64, Ordering::Relaxed);
                left -= written as u64;
            }
        }
    }
}

fn write_all(stream: &mut TcpStream, bytes: &[u8], sent: &AtomicU64) -> bool {
    match stream.write_all(bytes) {
        Ok(()) => {
            sent.fetch_add(bytes.len() as u64, Ordering::Relaxed);
            true
        }
        Err(_) => false,
    }
}

/// Waits until the server closes the connection (or resets it).
fn assert_closed_by_server(stream: &mut TcpStream, attack: Attack) {
    let mut buf = [0u8; 1024];
    let deadline = Instant::now() + TIMEOUT;
    loop {
        assert!(Instant::now() < deadline, "{attack:?}: never closed");
        match stream.read(&mut buf) {
            Ok(0) => return,
            Ok(_) => continue,
            Err(err)
                if matches!(
                    err.kind(),
                    IoErrorKind::ConnectionReset | IoErrorKind::BrokenPipe
                ) =>
            {
                return
            }
            Err(err) => panic!("{attack:?}: connection not closed: {err}"),
        }
    }
}

fn attack_once(addr: SocketAddr, attack: Attack, sent: &AtomicU64) {
    let mut stream = TcpStream::connect_timeout(&addr, TIMEOUT).unwrap();
    stream.set_read_timeout(Some(TIMEOUT)).unwrap();
    stream.set_write_timeout(Some(TIMEOUT)).unwrap();
    stream.set_nodelay(true).unwrap();
    match attack {
        Attack::ReadyBomb { declared, body } => {
            if write_all(&mut stream, &greeting(b"NULL"), sent)
                && write_all(&mut stream, &command_header(declared), sent)
                && write_all(&mut stream, b"\x05READY", sent)
            {
                write_zeros(&mut stream, body, sent);
            }
            assert_closed_by_server(&mut stream, attack);
        }
        Attack::BigHello {
            mechanism,
            declared,
        } => {
            if write_all(&mut stream, &greeting(mechanism), sent)
                && write_all(&mut stream, &command_header(declared), sent)
                && write_all(&mut stream, b"\x05HELLO", sent)
            {
                write_zeros(&mut stream, 64 * 1024, sent);
            }
            assert_closed_by_server(&mut stream, attack);
        }
        Attack::Trickle { bytes } => {
            let declared = 6 + 64 * 1024;
            let mut frame = command_header(declared);
            frame.extend_from_slice(b"\x05READY");
            frame.extend_from_slice(b"\x0bSocket-Type\x00\x00\x00\x06CLIENT");
            frame.extend_from_slice(b"\x05X-Pad");
            let pad = declared - 6 - 22 - 10;
            frame.extend_from_slice(&(pad as u32).to_be_bytes());
            frame.resize(bytes, b'p');
            if !write_all(&mut stream, &greeting(b"NULL"), sent) {
                return;
            }
            for byte in frame.chunks(1) {
                if !write_all(&mut stream, byte, sent) {
                    return;
                }
            }
            // The attacker gives up; the server must let the connection go.
        }
    }
}

/// Runs `attack` from `CONNECTIONS` threads at once; returns the bytes sent.
fn attack_all(endpoint: &Endpoint, attack: Attack) -> u64 {
    let addr = socket_addr(endpoint);
    let sent = Arc::new(AtomicU64::new(0));
    let threads: Vec<_> = (0..CONNECTIONS)
        .map(|_| {
            let sent = sent.clone();
            thread::Builder::new()
                .stack_size(64 * 1024)
                .spawn(move || attack_once(addr, attack, &sent))
                .unwrap()
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    sent.load(Ordering::Relaxed)
}

/// A good client exchanging request/reply with `server` until `stop`.
fn good_traffic(
    server: Server,
    client: Client,
    stop: Arc<AtomicBool>,
) -> thread::JoinHandle<u64> {
    thread::spawn(move || {
        let mut exchanged = 0u64;
        while !stop.load(Ordering::Relaxed) {
            let request = exchanged.to_be_bytes();
            client.send(request.to_vec()).unwrap();
            let msg = server.recv_msg().unwrap();
            assert_eq!(msg.as_bytes(), request);
            server
                .route(msg.as_bytes().to_vec(), msg.routing_id().unwrap())
                .unwrap();
            assert_eq!(client.recv_msg().unwrap().as_bytes(), request);
            exchanged += 1;
        }
        exchanged
    })
}

#[test]
fn hostile_handshakes_cost_at_most_what_they_send() {
    let ctx = Ctx::new();
    // PLAIN and CURVE servers with registries that know nobody.
    let _auth = AuthBuilder::new()
        .plain_registry(Vec::<PlainClientCreds>::new())
        .curve_registry(Vec::<CurvePublicKey>::new())
        .with_ctx(ctx.handle())
        .unwrap();
    let (null_server, null_endpoint) = bind(&ctx, Mechanism::Null);
    let (_plain_server, plain_endpoint) = bind(&ctx, Mechanism::PlainServer);
    let server_cert = CurveCert::new_unique();
    let (_curve_server, curve_endpoint) =
        bind(&ctx, CurveServerCreds::new(server_cert.secret()).into());
    let client = ClientBuilder::new()
        .connect(&null_endpoint)
        .recv_timeout(TIMEOUT)
        .send_timeout(TIMEOUT)
        .with_ctx(ctx.handle())
        .unwrap();
    client.send("warm-up").unwrap();
    let msg = null_server.recv_msg().unwrap();
    null_server.route("ok", msg.routing_id().unwrap()).unwrap();
    assert_eq!(client.recv_msg().unwrap().to_str(), Ok("ok"));

    let stop = Arc::new(AtomicBool::new(false));
    let traffic = good_traffic(null_server, client, stop.clone());
    let baseline = peak_rss();
    let resident_before = status_kib("VmRSS:") * 1024;

    let attacks: [(&Endpoint, Attack); 6] = [
        // One peer really tries to push the whole 64 MiB READY bomb.
        (
            &null_endpoint,
            Attack::ReadyBomb {
                declared: 64 << 20,
                body: 64 << 20,
            },
        ),
        (
            &null_endpoint,
            Attack::ReadyBomb {
                declared: 64 << 20,
                body: 1 << 20,
            },
        ),
        (
            &plain_endpoint,
            Attack::BigHello {
                mechanism: b"PLAIN",
                declared: 519,
            },
        ),
        (
            &plain_endpoint,
            Attack::BigHello {
                mechanism: b"PLAIN",
                declared: 64 << 20,
            },
        ),
        (
            &curve_endpoint,
            Attack::BigHello {
                mechanism: b"CURVE",
                declared: 64 << 20,
            },
        ),
        (&null_endpoint, Attack::Trickle { bytes: 2000 }),
    ];
    let mut sent_total = 0;
    for (i, (endpoint, attack)) in attacks.into_iter().enumerate() {
        let sent = if i == 0 {
            let sent = AtomicU64::new(0);
            attack_once(socket_addr(endpoint), attack, &sent);
            sent.load(Ordering::Relaxed)
        } else {
            attack_all(endpoint, attack)
        };
        sent_total += sent;
        let grown = peak_rss().saturating_sub(baseline);
        eprintln!("{attack:?}: sent {sent}, peak grew by {grown} bytes");
        assert!(
            grown <= SLACK + 2 * sent_total,
            "{attack:?}: peak memory grew by {grown} bytes; attackers sent \
             {sent_total} bytes in total"
        );
    }

    stop.store(true, Ordering::Relaxed);
    let exchanged = traffic.join().unwrap();
    assert!(exchanged > 0, "the good client was starved");

    // Every hostile connection was closed: what they cost is given back
    // (the resident set returns near where it started).
    let resident = || status_kib("VmRSS:") * 1024;
    let deadline = Instant::now() + TIMEOUT;
    while resident() > resident_before + SLACK && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(20));
    }
    assert!(
        resident() <= resident_before + SLACK,
        "resident memory stayed at {} bytes (was {resident_before})",
        resident()
    );
}
