//! Helpers shared by the interop test files (`patterns`, `transports`,
//! `security`, `heartbeats`): socket set-up with bounded timeouts on both
//! implementations, endpoint conversion, unique IPC names, and the bounded
//! probe loops that Radio/Dish needs (JOINs travel asynchronously, UDP has no
//! handshake at all).
//!
//! Every blocking call in these tests is bounded: libzmq sockets get
//! [`TIMEOUT_MS`] as SNDTIMEO/RCVTIMEO, ours [`TIMEOUT`] as send/receive
//! timeouts. The only sleeps are the probe loops below (bounded by
//! [`PROBE_DEADLINE`]) and "nothing arrives" checks of [`NOTHING_WAIT`].
#![allow(dead_code)]

pub mod classic;
pub mod pyzmq;
pub mod scenarios;

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

pub use interop::lz::{self, Socket as LzSocket};
pub use libzmq::{addr::Endpoint, prelude::*, *};

/// Upper bound of every blocking send/receive, on both implementations.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// [`TIMEOUT`] for libzmq (milliseconds).
pub const TIMEOUT_MS: i32 = 10_000;
/// How long "nothing arrives" is observed.
pub const NOTHING_WAIT: Duration = Duration::from_millis(300);
/// Upper bound of a probe loop (join propagation, UDP start-up, reconnect).
pub const PROBE_DEADLINE: Duration = Duration::from_secs(5);
/// How long one probe waits for its answer.
pub const PROBE_WAIT: Duration = Duration::from_millis(20);

pub const TCP_ANY: &str = "tcp://127.0.0.1:*";

// ---------------------------------------------------------------------------
// Sockets
// ---------------------------------------------------------------------------

/// A libzmq socket of `kind` with the [`TIMEOUT`]s (linger 0).
pub fn lz_socket(ctx: &lz::Ctx, kind: i32) -> LzSocket {
    let s = LzSocket::new(ctx, kind).unwrap();
    s.set_sndtimeo(TIMEOUT_MS).unwrap();
    s.set_rcvtimeo(TIMEOUT_MS).unwrap();
    s
}

pub fn rs_client(ctx: &Ctx) -> Client {
    ClientBuilder::new()
        .send_timeout(TIMEOUT)
        .recv_timeout(TIMEOUT)
        .with_ctx(ctx.handle())
        .unwrap()
}

pub fn rs_server(ctx: &Ctx) -> Server {
    ServerBuilder::new()
        .send_timeout(TIMEOUT)
        .recv_timeout(TIMEOUT)
        .with_ctx(ctx.handle())
        .unwrap()
}

pub fn rs_scatter(ctx: &Ctx) -> Scatter {
    ScatterBuilder::new()
        .send_timeout(TIMEOUT)
        .with_ctx(ctx.handle())
        .unwrap()
}

pub fn rs_gather(ctx: &Ctx) -> Gather {
    GatherBuilder::new()
        .recv_timeout(TIMEOUT)
        .with_ctx(ctx.handle())
        .unwrap()
}

/// Our Radio. It has no heartbeat option, which is what a libzmq DISH needs
/// (libzmq bug #3551: any PING kills a libzmq DISH connection).
pub fn rs_radio(ctx: &Ctx) -> Radio {
    RadioBuilder::new()
        .send_timeout(TIMEOUT)
        .with_ctx(ctx.handle())
        .unwrap()
}

pub fn rs_dish(ctx: &Ctx) -> Dish {
    DishBuilder::new()
        .recv_timeout(TIMEOUT)
        .with_ctx(ctx.handle())
        .unwrap()
}

pub fn group(name: &str) -> Group {
    Group::try_from(name).unwrap()
}

// ---------------------------------------------------------------------------
// Endpoints
// ---------------------------------------------------------------------------

pub fn rs_tcp_any() -> TcpAddr {
    TcpAddr::try_from("127.0.0.1:*").unwrap()
}

/// Our endpoint as a libzmq endpoint string.
pub fn to_lz_endpoint(endpoint: &Endpoint) -> String {
    match endpoint {
        Endpoint::Tcp(addr) => format!("tcp://{addr}"),
        Endpoint::Ipc(addr) => format!("ipc://{addr}"),
        Endpoint::Udp(addr) => format!("udp://{addr}"),
        other => panic!("no libzmq form for {other:?}"),
    }
}

/// A libzmq endpoint string as our endpoint.
pub fn to_rs_endpoint(endpoint: &str) -> Endpoint {
    if let Some(host) = endpoint.strip_prefix("tcp://") {
        TcpAddr::try_from(host).unwrap().into()
    } else if let Some(path) = endpoint.strip_prefix("ipc://") {
        IpcAddr::try_from(path).unwrap().into()
    } else if let Some(host) = endpoint.strip_prefix("udp://") {
        UdpAddr::try_from(host).unwrap().into()
    } else {
        panic!("unsupported endpoint: {endpoint}")
    }
}

/// Binds our socket to `endpoint` and returns the libzmq endpoint string of
/// what was actually bound.
pub fn rs_bind_to(
    socket: &impl libzmq::prelude::Socket,
    endpoint: impl Into<Endpoint>,
) -> String {
    socket.bind(endpoint).unwrap();
    let bound = to_lz_endpoint(&socket.last_endpoint().unwrap());
    assert!(!bound.ends_with('*') && !bound.ends_with(":0"), "{bound}");
    bound
}

/// Binds our socket on an ephemeral loopback TCP port.
pub fn rs_bind(socket: &impl libzmq::prelude::Socket) -> String {
    rs_bind_to(socket, rs_tcp_any())
}

/// Binds a libzmq socket to `endpoint` and returns our endpoint of what was
/// actually bound.
pub fn lz_bind_to(socket: &LzSocket, endpoint: &str) -> Endpoint {
    socket.bind(endpoint).unwrap_or_else(|e| {
        panic!("libzmq bind {endpoint}: {}", lz::strerror(e))
    });
    let bound = socket.last_endpoint();
    assert!(!bound.ends_with('*'), "{bound}");
    to_rs_endpoint(&bound)
}

/// Binds a libzmq socket on an ephemeral loopback TCP port.
pub fn lz_bind(socket: &LzSocket) -> Endpoint {
    lz_bind_to(socket, TCP_ANY)
}

/// A name no other test (or test process) uses.
pub fn unique_name(prefix: &str) -> String {
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!(
        "{prefix}-{}-{}-{nanos:x}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// A fresh IPC path in the temporary directory (nothing exists there).
pub fn ipc_path() -> String {
    let path = std::env::temp_dir().join(unique_name("interop"));
    let path = path.to_str().unwrap().to_owned();
    assert!(path.len() <= 107, "{path}");
    path
}

/// A fresh name in the Linux abstract namespace (`@name`).
pub fn ipc_abstract() -> String {
    format!("@{}", unique_name("interop"))
}

/// A loopback TCP port nobody listens on (bound then released).
pub fn free_tcp_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A loopback UDP port nobody is bound to (bound then released).
pub fn free_udp_port() -> u16 {
    std::net::UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

// ---------------------------------------------------------------------------
// Payloads and checks
// ---------------------------------------------------------------------------

/// Message `i` of a sequence: its index (u32 big-endian), then `extra`
/// bytes derived from it.
pub fn numbered(i: usize, extra: usize) -> Vec<u8> {
    let mut v = (i as u32).to_be_bytes().to_vec();
    v.extend((0..extra).map(|j| (i * 7 + j) as u8));
    v
}

/// Deterministic payload of `len` bytes, salted by `seed`.
pub fn payload(seed: usize, len: usize) -> Vec<u8> {
    (0..len).map(|j| (seed * 31 + j * 7) as u8).collect()
}

/// Runs `f` until it returns `Some` or [`PROBE_DEADLINE`] passes.
pub fn eventually<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + PROBE_DEADLINE;
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < deadline, "{what}: gave up");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Our socket received nothing (bounded by [`NOTHING_WAIT`]).
pub fn rs_gets_nothing(label: &str, socket: &impl RecvMsg) {
    socket.set_recv_timeout(Some(NOTHING_WAIT)).unwrap();
    let got = socket.recv_msg();
    socket.set_recv_timeout(Some(TIMEOUT)).unwrap();
    match got {
        Err(e) => assert_eq!(e.kind(), ErrorKind::WouldBlock, "{label}"),
        Ok(m) => panic!("{label}: received {:?}", m.as_bytes()),
    }
}

/// The libzmq socket received nothing (bounded by [`NOTHING_WAIT`]).
pub fn lz_gets_nothing(label: &str, socket: &LzSocket) {
    socket
        .set_rcvtimeo(NOTHING_WAIT.as_millis() as i32)
        .unwrap();
    let got = socket.recv();
    socket.set_rcvtimeo(TIMEOUT_MS).unwrap();
    match got {
        Err(e) => assert_eq!(e, lz::EAGAIN, "{label}: {}", lz::strerror(e)),
        Ok(m) => panic!("{label}: received {m:?}"),
    }
}

/// The bounded "nothing arrives" wait, once for several sockets: follow it
/// with [`rs_has_nothing`] / [`lz_has_nothing`].
pub fn settle() {
    std::thread::sleep(NOTHING_WAIT);
}

/// Nothing is queued on our socket (no waiting: see [`settle`]).
pub fn rs_has_nothing(label: &str, socket: &impl RecvMsg) {
    match socket.try_recv_msg() {
        Err(e) => assert_eq!(e.kind(), ErrorKind::WouldBlock, "{label}"),
        Ok(m) => panic!("{label}: received {:?}", m.as_bytes()),
    }
}

/// Nothing is queued on the libzmq socket (no waiting: see [`settle`]).
pub fn lz_has_nothing(label: &str, socket: &LzSocket) {
    match socket.try_recv() {
        Err(e) => assert_eq!(e, lz::EAGAIN, "{label}: {}", lz::strerror(e)),
        Ok(m) => panic!("{label}: received {m:?}"),
    }
}

/// Our Client and a libzmq SERVER exchange a request and a reply; returns
/// the routing id the SERVER saw.
pub fn bounce_rs_client_lz_server(
    label: &str,
    client: &Client,
    server: &LzSocket,
    data: &[u8],
) -> u32 {
    client.send(data).unwrap();
    let m = server.recv().unwrap_or_else(|e| {
        panic!("{label}: libzmq SERVER recv: {}", lz::strerror(e))
    });
    assert_eq!(m.data, data, "{label}");
    assert_ne!(m.routing_id, 0, "{label}");
    server.send_routed(&m.data, m.routing_id).unwrap();
    let back = client
        .recv_msg()
        .unwrap_or_else(|e| panic!("{label}: our Client recv: {e}"));
    assert_eq!(back.as_bytes(), data, "{label}");
    m.routing_id
}

/// A libzmq CLIENT and our Server exchange a request and a reply; returns
/// the routing id our Server saw.
pub fn bounce_lz_client_rs_server(
    label: &str,
    client: &LzSocket,
    server: &Server,
    data: &[u8],
) -> RoutingId {
    client.send(data).unwrap_or_else(|e| {
        panic!("{label}: libzmq CLIENT send: {}", lz::strerror(e))
    });
    let m = server
        .recv_msg()
        .unwrap_or_else(|e| panic!("{label}: our Server recv: {e}"));
    assert_eq!(m.as_bytes(), data, "{label}");
    let id = m.routing_id().expect("our Server stamps a routing id");
    server.route(m.as_bytes(), id).unwrap();
    let back = client.recv().unwrap_or_else(|e| {
        panic!("{label}: libzmq CLIENT recv: {}", lz::strerror(e))
    });
    assert_eq!(back.data, data, "{label}");
    id
}

// ---------------------------------------------------------------------------
// Radio/Dish, either implementation on either end
// ---------------------------------------------------------------------------

/// The RADIO end of a pair, ours or libzmq's.
pub trait RadioEnd {
    fn transmit(&self, data: &[u8], group: &str);
}

/// The DISH end of a pair, ours or libzmq's.
pub trait DishEnd {
    fn join(&self, group: &str);
    fn leave(&self, group: &str);
    /// One message `(group, body)` if it arrives within `wait`.
    fn recv_within(&self, wait: Duration) -> Option<(String, Vec<u8>)>;
    /// One message, which must arrive within [`TIMEOUT`].
    fn recv(&self) -> (String, Vec<u8>) {
        self.recv_within(TIMEOUT).expect("DISH: nothing arrived")
    }
}

impl RadioEnd for Radio {
    fn transmit(&self, data: &[u8], g: &str) {
        Radio::transmit(self, data, group(g)).unwrap();
    }
}

impl RadioEnd for LzSocket {
    fn transmit(&self, data: &[u8], g: &str) {
        self.send_group(data, g).unwrap_or_else(|e| {
            panic!("libzmq RADIO send: {}", lz::strerror(e))
        });
    }
}

impl DishEnd for Dish {
    fn join(&self, g: &str) {
        Dish::join(self, group(g)).unwrap();
    }
    fn leave(&self, g: &str) {
        Dish::leave(self, group(g)).unwrap();
    }
    fn recv_within(&self, wait: Duration) -> Option<(String, Vec<u8>)> {
        self.set_recv_timeout(Some(wait)).unwrap();
        match self.recv_msg() {
            Ok(m) => {
                let g = m.group().expect("a Dish message has a group");
                Some((g.to_str().unwrap().to_owned(), m.as_bytes().to_vec()))
            }
            Err(e) => {
                assert_eq!(e.kind(), ErrorKind::WouldBlock, "our Dish");
                None
            }
        }
    }
}

impl DishEnd for LzSocket {
    fn join(&self, g: &str) {
        LzSocket::join(self, g).unwrap();
    }
    fn leave(&self, g: &str) {
        LzSocket::leave(self, g).unwrap();
    }
    fn recv_within(&self, wait: Duration) -> Option<(String, Vec<u8>)> {
        self.set_rcvtimeo(wait.as_millis() as i32).unwrap();
        match LzSocket::recv(self) {
            // The wrapper reports the empty group as `None`.
            Ok(m) => Some((m.group.unwrap_or_default(), m.data)),
            Err(e) => {
                assert_eq!(e, lz::EAGAIN, "libzmq DISH: {}", lz::strerror(e));
                None
            }
        }
    }
}

/// Sends probes to `g` until the DISH gets one (its JOIN reached the RADIO,
/// or the UDP path is up), then drains the probes up to a marker so the
/// caller starts clean. Returns how many probes it took.
pub fn wait_joined(radio: &dyn RadioEnd, dish: &dyn DishEnd, g: &str) -> usize {
    let deadline = Instant::now() + PROBE_DEADLINE;
    let mut probes = 0;
    loop {
        radio.transmit(b"probe", g);
        probes += 1;
        if let Some((got, data)) = dish.recv_within(PROBE_WAIT) {
            assert_eq!((got.as_str(), data.as_slice()), (g, &b"probe"[..]));
            break;
        }
        assert!(
            Instant::now() < deadline,
            "join of {g:?} never reached the RADIO ({probes} probes)"
        );
    }
    radio.transmit(b"end of probes", g);
    loop {
        let (got, data) = dish.recv();
        assert_eq!(got, g);
        match data.as_slice() {
            b"end of probes" => return probes,
            b"probe" => {}
            other => panic!("unexpected {other:?} while draining probes"),
        }
    }
}

/// After `dish.leave(left)`: messages to `left` no longer arrive, those to
/// `still` do. (Both DISHes also filter on receipt, so this holds at once,
/// whether or not the LEAVE has reached the RADIO yet.)
pub fn check_left(
    radio: &dyn RadioEnd,
    dish: &dyn DishEnd,
    left: &str,
    still: &str,
) {
    radio.transmit(b"left", left);
    radio.transmit(b"marker", still);
    assert_eq!(dish.recv(), (still.to_owned(), b"marker".to_vec()));
}

// ---------------------------------------------------------------------------
// A counting TCP proxy
// ---------------------------------------------------------------------------

/// A TCP proxy in front of a loopback endpoint that counts the connections
/// made through it, to observe reconnections neither API reports. Stops
/// (and cuts every connection) when dropped.
pub struct Proxy {
    endpoint: String,
    accepted: std::sync::Arc<AtomicU64>,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    streams: std::sync::Arc<std::sync::Mutex<Vec<std::net::TcpStream>>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Proxy {
    /// A proxy to `target` (`tcp://127.0.0.1:port`).
    pub fn new(target: &str) -> Self {
        use std::net::{TcpListener, TcpStream};
        use std::sync::{atomic::AtomicBool, Arc, Mutex};
        let target: std::net::SocketAddr =
            target.strip_prefix("tcp://").unwrap().parse().unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let endpoint = format!("tcp://{}", listener.local_addr().unwrap());
        let accepted = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let streams = Arc::new(Mutex::new(Vec::<TcpStream>::new()));
        let thread = {
            let (accepted, stop, streams) =
                (accepted.clone(), stop.clone(), streams.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    let inbound = match listener.accept() {
                        Ok((s, _)) => s,
                        Err(e)
                            if e.kind() == std::io::ErrorKind::WouldBlock =>
                        {
                            // Polling the stop flag, not synchronisation.
                            std::thread::sleep(Duration::from_millis(5));
                            continue;
                        }
                        Err(e) => panic!("proxy accept: {e}"),
                    };
                    accepted.fetch_add(1, Ordering::SeqCst);
                    inbound.set_nonblocking(false).unwrap();
                    let Ok(outbound) =
                        TcpStream::connect_timeout(&target, TIMEOUT)
                    else {
                        continue; // drops `inbound`: the peer sees a reset
                    };
                    let mut all = streams.lock().unwrap();
                    for (from, to) in
                        [(&inbound, &outbound), (&outbound, &inbound)]
                    {
                        let (mut from, mut to) = (
                            from.try_clone().unwrap(),
                            to.try_clone().unwrap(),
                        );
                        std::thread::spawn(move || {
                            let _ = std::io::copy(&mut from, &mut to);
                            let _ = to.shutdown(std::net::Shutdown::Write);
                        });
                    }
                    all.extend([inbound, outbound]);
                }
            })
        };
        Proxy {
            endpoint,
            accepted,
            stop,
            streams,
            thread: Some(thread),
        }
    }

    /// Where to connect instead of the target (`tcp://127.0.0.1:port`).
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> u64 {
        self.accepted.load(Ordering::SeqCst)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        for s in self.streams.lock().unwrap().iter() {
            let _ = s.shutdown(std::net::Shutdown::Both);
        }
    }
}
