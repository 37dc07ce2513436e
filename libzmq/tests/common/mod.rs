//! Helpers shared by the integration tests. Every blocking call in a test is
//! bounded by the timeouts set here.
#![allow(dead_code)]

use libzmq::{addr::Endpoint, prelude::*, *};
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
        "ipc-abstract" => IpcAddr::new(format!("@libzmq-test-{}", InprocAddr::new_unique()))
            .unwrap()
            .into(),
        other => panic!("unknown transport {other}"),
    }
}
