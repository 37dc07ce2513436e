//! Helpers shared by the integration tests. Every blocking call in a test is
//! bounded by the timeouts set here.
#![allow(dead_code)]

use libzmq::{addr::Endpoint, prelude::*, *};
use std::io::Read;
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// Upper bound for any single blocking call in a test.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// A fresh ctx per test keeps tests independent.
pub fn ctx() -> Ctx {
    Ctx::new()
}

/// A server bound on an ephemeral loopback port, with bounded timeouts.
pub fn tcp_server(ctx: &Ctx) -> (Server, Endpoint) {
    let addr: TcpAddr = "127.0.0.1:*".try_into().unwrap();
    let server = ServerBuilder::new()
        .bind(addr)
        .recv_timeout(TIMEOUT)
        .send_timeout(TIMEOUT)
        .with_ctx(ctx.handle())
        .unwrap();
    let endpoint = server.last_endpoint().unwrap();
    (server, endpoint)
}

/// A client connected to `endpoint`, with bounded timeouts.
pub fn client_to(ctx: &Ctx, endpoint: &Endpoint) -> Client {
    ClientBuilder::new()
        .connect(endpoint)
        .recv_timeout(TIMEOUT)
        .send_timeout(TIMEOUT)
        .with_ctx(ctx.handle())
        .unwrap()
}

/// A loopback TCP address where nobody listens (a port the OS just gave out
/// and took back).
pub fn free_port() -> TcpAddr {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    format!("127.0.0.1:{port}").try_into().unwrap()
}

/// A unique inproc endpoint.
pub fn inproc() -> Endpoint {
    InprocAddr::new_unique().into()
}

/// Polls `condition` until it holds or `TIMEOUT` passes.
pub fn eventually(mut condition: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + TIMEOUT;
    while Instant::now() < deadline {
        if condition() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    false
}

/// Deterministic payload for message `index` of length `len`.
pub fn payload(index: usize, len: usize) -> Vec<u8> {
    (0..len)
        .map(|j| (index.wrapping_mul(31).wrapping_add(j)) as u8)
        .collect()
}

/// The transports every pattern is tested over.
pub const TRANSPORTS: [&str; 3] = ["inproc", "tcp", "ipc"];

/// A bindable endpoint of `transport` (`tcp`: an ephemeral port; `ipc`: a
/// unique abstract name or a temporary path).
pub fn endpoint(transport: &str) -> Endpoint {
    match transport {
        "inproc" => inproc(),
        "tcp" => TcpAddr::try_from("127.0.0.1:*").unwrap().into(),
        "ipc" => IpcAddr::try_from("*").unwrap().into(),
        "ipc-abstract" => {
            IpcAddr::new(format!("@libzmq-test-{}", InprocAddr::new_unique()))
                .unwrap()
                .into()
        }
        other => panic!("unknown transport {other}"),
    }
}

// ---- a scripted raw ZMTP peer ------------------------------------------------

pub fn socket_addr(endpoint: &Endpoint) -> std::net::SocketAddr {
    match endpoint {
        Endpoint::Tcp(addr) => addr.to_string().parse().unwrap(),
        other => panic!("not tcp: {other:?}"),
    }
}

pub fn raw_connect(endpoint: &Endpoint) -> TcpStream {
    let stream = TcpStream::connect(socket_addr(endpoint)).unwrap();
    stream.set_read_timeout(Some(TIMEOUT)).unwrap();
    stream
}

/// A NULL greeting (ZMTP 3.1).
pub fn greeting() -> Vec<u8> {
    let mut bytes = vec![0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 3, 1];
    bytes.extend_from_slice(b"NULL");
    bytes.resize(64, 0);
    bytes
}

/// A READY command frame announcing `socket_type`.
pub fn ready(socket_type: &str) -> Vec<u8> {
    let mut body = vec![5];
    body.extend_from_slice(b"READY");
    body.push(11);
    body.extend_from_slice(b"Socket-Type");
    body.extend_from_slice(&(socket_type.len() as u32).to_be_bytes());
    body.extend_from_slice(socket_type.as_bytes());
    let mut frame = vec![0x04, body.len() as u8];
    frame.extend_from_slice(&body);
    frame
}

/// Reads until the peer closes the connection; panics if it does not within TIMEOUT.
pub fn assert_closed(stream: &mut TcpStream) {
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return,
            Ok(_) => continue,
            Err(err) if err.kind() == std::io::ErrorKind::ConnectionReset => {
                return
            }
            Err(err) => panic!("connection not closed: {err}"),
        }
    }
}

/// Completes a NULL handshake as `socket_type` and reads the peer's greeting
/// and READY (whose length depends on its socket type name).
pub fn raw_handshake(
    endpoint: &Endpoint,
    socket_type: &str,
    peer_type: &str,
) -> TcpStream {
    use std::io::Write;
    let mut stream = raw_connect(endpoint);
    stream.write_all(&greeting()).unwrap();
    stream.write_all(&ready(socket_type)).unwrap();
    let mut reply = vec![0u8; 64 + 24 + peer_type.len()];
    stream.read_exact(&mut reply).unwrap();
    assert_eq!(
        &reply[reply.len() - peer_type.len()..],
        peer_type.as_bytes()
    );
    stream
}
