//! Interop of OUR `Client`/`Server` with the real C libzmq 4.3.5 CLIENT/SERVER
//! over TCP (and IPC), in both directions and with either side binding:
//!
//! | test (and `…_bulk`; `ipc_…` over IPC) | CLIENT | SERVER | binds |
//! |---|---|---|---|
//! | `rs_client_connects_to_lz_server` | ours | libzmq | SERVER |
//! | `lz_server_connects_to_rs_client` | ours | libzmq | CLIENT |
//! | `lz_client_connects_to_rs_server` | libzmq | ours | SERVER |
//! | `rs_server_connects_to_lz_client` | libzmq | ours | CLIENT |
//!
//! Each pairing does request/reply with routing ids (the server replies to
//! the id it received, the client sees none, an unknown id is unreachable);
//! its `…_bulk` twin then sends 10 000 messages each way at the same time
//! (sizes 0, 1, 254, 255, 256 B and 64 KiB in turn, a 4 MiB message every
//! 1000th), every one checked byte for byte and in order. (These found a bug
//! in our write queue, where small frames could overtake large bodies once
//! more than 63 chunks were queued; fixed, with a unit test in
//! `libzmq/src/io/write_queue.rs`.)
//!
//! Also: a SERVER routes to the right one of two CLIENTs of the other
//! implementation; incompatible socket types (libzmq SCATTER/GATHER/RADIO/
//! DISH against our Client/Server) exchange nothing and leave our socket
//! usable; messages queued by a connecting side before the peer binds arrive.
//!
//! Every blocking call is bounded ([`TIMEOUT`] on all sockets). The only
//! sleep is the bounded "nothing arrives" wait ([`NOTHING_WAIT`]).

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use interop::lz::{self, Socket as LzSocket};
use libzmq::{addr::Endpoint, prelude::*, *};

/// Upper bound of every blocking send/receive, on both implementations.
const TIMEOUT: Duration = Duration::from_secs(10);
/// [`TIMEOUT`] for libzmq (milliseconds).
const TIMEOUT_MS: i32 = 10_000;
/// How long "nothing arrives" is observed.
const NOTHING_WAIT: Duration = Duration::from_millis(300);

/// Messages sent each way by the bulk exchange.
const BULK: usize = 10_000;
/// Sizes cycled through: empty, tiny, both sides of the short/long frame
/// boundary (255 is the largest short frame) and 64 KiB.
const SIZES: [usize; 6] = [0, 1, 254, 255, 256, 64 * 1024];
/// Every 1000th message is this large.
const BIG: usize = 4 * 1024 * 1024;

const TCP_ANY: &str = "tcp://127.0.0.1:*";

// ---------------------------------------------------------------------------
// Deterministic payloads
// ---------------------------------------------------------------------------

/// Which way a message travels (salts its pattern, so the two directions of
/// the bulk exchange never carry the same bytes).
#[derive(Clone, Copy)]
enum Dir {
    ToServer = 0,
    ToClient = 1,
}

/// Size of bulk message `i`.
fn bulk_size(i: usize) -> usize {
    if i % 1000 == 999 {
        BIG
    } else {
        SIZES[i % SIZES.len()]
    }
}

/// Pseudo-random bytes the payloads are cut from (xorshift, fixed seed).
fn pattern_source() -> &'static [u8] {
    static SOURCE: OnceLock<Vec<u8>> = OnceLock::new();
    SOURCE.get_or_init(|| {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut v = Vec::with_capacity(BIG + 8192);
        while v.len() < BIG + 8192 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            v.extend_from_slice(&x.to_le_bytes());
        }
        v
    })
}

/// The payload of message `i` going `dir`: `len` bytes of the pattern source
/// starting at an offset derived from `i` and `dir` (consecutive messages and
/// the two directions never start at the same offset within 4096 messages).
fn payload(dir: Dir, i: usize, len: usize) -> &'static [u8] {
    let offset = (i * 131 + dir as usize * 2053) % 8191;
    &pattern_source()[offset..offset + len]
}

fn bulk_payload(dir: Dir, i: usize) -> &'static [u8] {
    payload(dir, i, bulk_size(i))
}

/// Asserts that `got` is bulk message `i` going `dir`, without dumping
/// megabytes on failure.
fn check_bulk(label: &str, dir: Dir, i: usize, got: &[u8]) {
    let want = bulk_payload(dir, i);
    if got == want {
        return;
    }
    let differ = |(a, b): (&u8, &u8)| a != b;
    let first_diff = got.iter().zip(want).position(differ);
    let last_diff = got.iter().zip(want).rposition(differ);
    // Another message of the sequence (lost, duplicated, reordered) rather
    // than damaged bytes?
    let same_as = (0..BULK).find(|&j| bulk_payload(dir, j) == got);
    panic!(
        "{label}: message {i} ({}) differs: got {} bytes (equal to message {same_as:?}), \
         want {} bytes; bytes {first_diff:?}..={last_diff:?} differ; got starts {:02x?}",
        match dir {
            Dir::ToServer => "client→server",
            Dir::ToClient => "server→client",
        },
        got.len(),
        want.len(),
        &got[..got.len().min(16)],
    );
}

// ---------------------------------------------------------------------------
// Both implementations behind one interface
// ---------------------------------------------------------------------------

/// The CLIENT end of a pair, ours or libzmq's.
trait ClientEnd: Sync {
    fn send(&self, data: &[u8]);
    /// Receives one message and checks it carries no routing id.
    fn recv(&self) -> Vec<u8>;
}

/// The SERVER end of a pair, ours or libzmq's.
trait ServerEnd: Sync {
    /// Receives one message with the routing id of its sender.
    fn recv(&self) -> (Vec<u8>, u32);
    fn route(&self, data: &[u8], routing_id: u32);
    /// Checks that sending to `routing_id` fails as unreachable.
    fn route_unreachable(&self, routing_id: u32);
}

struct RsClient(Client);
struct RsServer(Server);
struct LzClient(LzSocket);
struct LzServer(LzSocket);

impl ClientEnd for RsClient {
    fn send(&self, data: &[u8]) {
        if let Err(e) = self.0.send(data) {
            panic!("our Client: send of {} bytes: {}", data.len(), e.kind());
        }
    }
    fn recv(&self) -> Vec<u8> {
        let msg = self
            .0
            .recv_msg()
            .unwrap_or_else(|e| panic!("our Client: recv: {}", e.kind()));
        assert_eq!(msg.routing_id(), None, "a Client sees no routing id");
        msg.as_bytes().to_vec()
    }
}

impl ServerEnd for RsServer {
    fn recv(&self) -> (Vec<u8>, u32) {
        let msg = self
            .0
            .recv_msg()
            .unwrap_or_else(|e| panic!("our Server: recv: {}", e.kind()));
        let id = msg
            .routing_id()
            .expect("our Server stamps a routing id on every message");
        (msg.as_bytes().to_vec(), id.0)
    }
    fn route(&self, data: &[u8], routing_id: u32) {
        if let Err(e) = self.0.route(data, RoutingId(routing_id)) {
            panic!(
                "our Server: route of {} bytes to {routing_id}: {}",
                data.len(),
                e.kind()
            );
        }
    }
    fn route_unreachable(&self, routing_id: u32) {
        let err = self.0.route("nobody", RoutingId(routing_id)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::HostUnreachable, "our Server");
    }
}

impl ClientEnd for LzClient {
    fn send(&self, data: &[u8]) {
        if let Err(e) = self.0.send(data) {
            panic!(
                "libzmq CLIENT: send of {} bytes: {}",
                data.len(),
                lz::strerror(e)
            );
        }
    }
    fn recv(&self) -> Vec<u8> {
        let msg = self.0.recv().unwrap_or_else(|e| {
            panic!("libzmq CLIENT: recv: {}", lz::strerror(e))
        });
        assert_eq!(msg.routing_id, 0, "a CLIENT sees no routing id");
        msg.data
    }
}

impl ServerEnd for LzServer {
    fn recv(&self) -> (Vec<u8>, u32) {
        let msg = self.0.recv().unwrap_or_else(|e| {
            panic!("libzmq SERVER: recv: {}", lz::strerror(e))
        });
        (msg.data, msg.routing_id)
    }
    fn route(&self, data: &[u8], routing_id: u32) {
        if let Err(e) = self.0.send_routed(data, routing_id) {
            panic!(
                "libzmq SERVER: send of {} bytes to {routing_id}: {}",
                data.len(),
                lz::strerror(e)
            );
        }
    }
    fn route_unreachable(&self, routing_id: u32) {
        let err = self.0.send_routed(b"nobody", routing_id).unwrap_err();
        assert_eq!(err, lz::EHOSTUNREACH, "libzmq SERVER");
    }
}

// ---------------------------------------------------------------------------
// Socket set-up
// ---------------------------------------------------------------------------

/// The stream transports both implementations have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Transport {
    Tcp,
    Ipc,
}

fn rs_tcp_any() -> TcpAddr {
    TcpAddr::try_from("127.0.0.1:*").unwrap()
}

/// Our endpoint as a libzmq endpoint string.
fn to_lz_endpoint(endpoint: &Endpoint) -> String {
    match endpoint {
        Endpoint::Tcp(addr) => format!("tcp://{addr}"),
        Endpoint::Ipc(addr) => format!("ipc://{addr}"),
        other => panic!("not a stream endpoint: {other:?}"),
    }
}

/// A libzmq endpoint string as our endpoint.
fn to_rs_endpoint(endpoint: &str) -> Endpoint {
    if let Some(host) = endpoint.strip_prefix("tcp://") {
        TcpAddr::try_from(host).unwrap().into()
    } else if let Some(path) = endpoint.strip_prefix("ipc://") {
        IpcAddr::try_from(path).unwrap().into()
    } else {
        panic!("not a stream endpoint: {endpoint}")
    }
}

fn rs_client(ctx: &Ctx) -> Client {
    ClientBuilder::new()
        .send_timeout(TIMEOUT)
        .recv_timeout(TIMEOUT)
        .with_ctx(ctx.handle())
        .unwrap()
}

fn rs_server(ctx: &Ctx) -> Server {
    ServerBuilder::new()
        .send_timeout(TIMEOUT)
        .recv_timeout(TIMEOUT)
        .with_ctx(ctx.handle())
        .unwrap()
}

/// A libzmq socket of `kind` with the [`TIMEOUT`]s (linger 0).
fn lz_socket(ctx: &lz::Ctx, kind: i32) -> LzSocket {
    let s = LzSocket::new(ctx, kind).unwrap();
    s.set_sndtimeo(TIMEOUT_MS).unwrap();
    s.set_rcvtimeo(TIMEOUT_MS).unwrap();
    s
}

/// Binds our socket on an ephemeral loopback port (TCP) or a fresh path
/// (IPC); returns the libzmq endpoint string of what was actually bound.
fn rs_bind_on(
    socket: &impl libzmq::prelude::Socket,
    transport: Transport,
) -> String {
    match transport {
        Transport::Tcp => socket.bind(rs_tcp_any()).unwrap(),
        Transport::Ipc => socket.bind(IpcAddr::try_from("*").unwrap()).unwrap(),
    }
    let lz_ep = to_lz_endpoint(&socket.last_endpoint().unwrap());
    assert!(!lz_ep.ends_with('*') && !lz_ep.ends_with(":0"), "{lz_ep}");
    lz_ep
}

/// [`rs_bind_on`] over TCP.
fn rs_bind(socket: &impl libzmq::prelude::Socket) -> String {
    rs_bind_on(socket, Transport::Tcp)
}

/// Binds a libzmq socket on an ephemeral loopback port (TCP) or a fresh
/// path (IPC); returns our endpoint of what was actually bound.
fn lz_bind_on(socket: &LzSocket, transport: Transport) -> Endpoint {
    socket
        .bind(match transport {
            Transport::Tcp => TCP_ANY,
            Transport::Ipc => "ipc://*",
        })
        .unwrap();
    let endpoint = socket.last_endpoint();
    assert!(!endpoint.ends_with('*'), "{endpoint}");
    to_rs_endpoint(&endpoint)
}

/// [`lz_bind_on`] over TCP.
fn lz_bind(socket: &LzSocket) -> Endpoint {
    lz_bind_on(socket, Transport::Tcp)
}

// ---------------------------------------------------------------------------
// The four pairings and what every pair goes through
// ---------------------------------------------------------------------------

/// Who is who, and who binds.
#[derive(Clone, Copy, Debug)]
enum Pairing {
    /// Our Client connects to a bound libzmq SERVER.
    RsClientConnectsToLzServer,
    /// A libzmq SERVER connects to our bound Client.
    LzServerConnectsToRsClient,
    /// A libzmq CLIENT connects to our bound Server.
    LzClientConnectsToRsServer,
    /// Our Server connects to a bound libzmq CLIENT.
    RsServerConnectsToLzClient,
}

/// A connected pair. Fields drop in order: sockets first, then our context
/// (whose drop waits for its sockets).
struct Pair {
    label: String,
    client: Box<dyn ClientEnd>,
    server: Box<dyn ServerEnd>,
    _ctx: Ctx,
}

impl Pairing {
    fn connect(self, transport: Transport) -> Pair {
        let ctx = Ctx::new();
        let lz_ctx = lz::Ctx::new();
        let (label, client, server): (
            _,
            Box<dyn ClientEnd>,
            Box<dyn ServerEnd>,
        ) = match self {
            Pairing::RsClientConnectsToLzServer => {
                let server = lz_socket(&lz_ctx, lz::SERVER);
                let client = rs_client(&ctx);
                client.connect(lz_bind_on(&server, transport)).unwrap();
                (
                    "our Client → libzmq SERVER (bound)",
                    Box::new(RsClient(client)),
                    Box::new(LzServer(server)),
                )
            }
            Pairing::LzServerConnectsToRsClient => {
                let client = rs_client(&ctx);
                let server = lz_socket(&lz_ctx, lz::SERVER);
                server.connect(&rs_bind_on(&client, transport)).unwrap();
                (
                    "our Client (bound) ← libzmq SERVER",
                    Box::new(RsClient(client)),
                    Box::new(LzServer(server)),
                )
            }
            Pairing::LzClientConnectsToRsServer => {
                let server = rs_server(&ctx);
                let client = lz_socket(&lz_ctx, lz::CLIENT);
                client.connect(&rs_bind_on(&server, transport)).unwrap();
                (
                    "libzmq CLIENT → our Server (bound)",
                    Box::new(LzClient(client)),
                    Box::new(RsServer(server)),
                )
            }
            Pairing::RsServerConnectsToLzClient => {
                let client = lz_socket(&lz_ctx, lz::CLIENT);
                let server = rs_server(&ctx);
                server.connect(lz_bind_on(&client, transport)).unwrap();
                (
                    "libzmq CLIENT (bound) ← our Server",
                    Box::new(LzClient(client)),
                    Box::new(RsServer(server)),
                )
            }
        };
        Pair {
            label: format!("{label} over {transport:?}"),
            client,
            server,
            _ctx: ctx,
        }
    }
}

/// Request/reply: the server replies with the routing id it received, the
/// client sees no routing id; the id stays the same on the same connection.
/// Returns the client's routing id.
fn request_reply(pair: &Pair) -> u32 {
    let (label, client, server) =
        (pair.label.as_str(), &*pair.client, &*pair.server);
    client.send(b"request 1");
    let (request, id) = server.recv();
    assert_eq!(request, b"request 1", "{label}");
    assert_ne!(
        id, 0,
        "{label}: a SERVER message carries a nonzero routing id"
    );
    server.route(b"reply 1", id);
    assert_eq!(client.recv(), b"reply 1", "{label}");
    client.send(b"request 2");
    let (request, id2) = server.recv();
    assert_eq!(
        (request.as_slice(), id2),
        (&b"request 2"[..], id),
        "{label}"
    );
    server.route(b"reply 2", id);
    assert_eq!(client.recv(), b"reply 2", "{label}");
    // An unknown routing id is refused, and the connection is unaffected.
    server.route_unreachable(id.wrapping_add(12345).max(1));
    client.send(b"request 3");
    assert_eq!(server.recv(), (b"request 3".to_vec(), id), "{label}");
    id
}

/// [`BULK`] messages each way at the same time, every one checked byte for
/// byte and in order; then one more request/reply.
fn bulk(pair: &Pair, id: u32) {
    let (label, client, server) =
        (pair.label.as_str(), &*pair.client, &*pair.server);
    let start = Instant::now();
    std::thread::scope(|s| {
        s.spawn(|| {
            for i in 0..BULK {
                client.send(bulk_payload(Dir::ToServer, i));
            }
        });
        s.spawn(|| {
            for i in 0..BULK {
                server.route(bulk_payload(Dir::ToClient, i), id);
            }
        });
        s.spawn(|| {
            for i in 0..BULK {
                let (data, from) = server.recv();
                assert_eq!(
                    from, id,
                    "{label}: message {i} from another routing id"
                );
                check_bulk(label, Dir::ToServer, i, &data);
            }
        });
        for i in 0..BULK {
            check_bulk(label, Dir::ToClient, i, &client.recv());
        }
    });
    client.send(b"done?");
    let (last, from) = server.recv();
    assert_eq!((last.as_slice(), from), (&b"done?"[..], id), "{label}");
    server.route(b"done.", id);
    assert_eq!(client.recv(), b"done.", "{label}");
    eprintln!("{label}: bulk exchange took {:.2?}", start.elapsed());
}

macro_rules! pairing_tests {
    ($($pairing:ident, $transport:ident: $rr:ident, $bulk:ident;)*) => {$(
        #[test]
        fn $rr() {
            let pair = Pairing::$pairing.connect(Transport::$transport);
            request_reply(&pair);
        }

        #[test]
        fn $bulk() {
            let pair = Pairing::$pairing.connect(Transport::$transport);
            let id = request_reply(&pair);
            bulk(&pair, id);
        }
    )*};
}

pairing_tests! {
    RsClientConnectsToLzServer, Tcp: rs_client_connects_to_lz_server, rs_client_connects_to_lz_server_bulk;
    LzServerConnectsToRsClient, Tcp: lz_server_connects_to_rs_client, lz_server_connects_to_rs_client_bulk;
    LzClientConnectsToRsServer, Tcp: lz_client_connects_to_rs_server, lz_client_connects_to_rs_server_bulk;
    RsServerConnectsToLzClient, Tcp: rs_server_connects_to_lz_client, rs_server_connects_to_lz_client_bulk;
    RsClientConnectsToLzServer, Ipc: ipc_rs_client_connects_to_lz_server, ipc_rs_client_connects_to_lz_server_bulk;
    LzServerConnectsToRsClient, Ipc: ipc_lz_server_connects_to_rs_client, ipc_lz_server_connects_to_rs_client_bulk;
    LzClientConnectsToRsServer, Ipc: ipc_lz_client_connects_to_rs_server, ipc_lz_client_connects_to_rs_server_bulk;
    RsServerConnectsToLzClient, Ipc: ipc_rs_server_connects_to_lz_client, ipc_rs_server_connects_to_lz_client_bulk;
}

/// A SERVER with two CLIENTs of the other implementation routes each reply
/// to the right one (distinct routing ids), with either side binding.
#[test]
fn server_routes_to_the_right_one_of_two_clients() {
    let ctx = Ctx::new();
    let lz_ctx = lz::Ctx::new();

    // A bound libzmq SERVER; our first Client connects, our second one is
    // bound and the SERVER connects to it.
    let lz_server = lz_socket(&lz_ctx, lz::SERVER);
    let a = rs_client(&ctx);
    a.connect(lz_bind(&lz_server)).unwrap();
    let b = rs_client(&ctx);
    lz_server.connect(&rs_bind(&b)).unwrap();
    let clients: [Box<dyn ClientEnd>; 2] =
        [Box::new(RsClient(a)), Box::new(RsClient(b))];
    two_clients(
        "libzmq SERVER, two of our Clients",
        &LzServer(lz_server),
        &clients,
    );

    // Our bound Server; the first libzmq CLIENT connects, the second one is
    // bound and our Server connects to it.
    let rs = rs_server(&ctx);
    let a = lz_socket(&lz_ctx, lz::CLIENT);
    a.connect(&rs_bind(&rs)).unwrap();
    let b = lz_socket(&lz_ctx, lz::CLIENT);
    rs.connect(lz_bind(&b)).unwrap();
    let clients: [Box<dyn ClientEnd>; 2] =
        [Box::new(LzClient(a)), Box::new(LzClient(b))];
    two_clients("our Server, two libzmq CLIENTs", &RsServer(rs), &clients);
}

fn two_clients(
    label: &str,
    server: &dyn ServerEnd,
    clients: &[Box<dyn ClientEnd>; 2],
) {
    let mut ids = [0u32; 2];
    for round in 0..3u8 {
        for (n, client) in clients.iter().enumerate() {
            client.send(&[n as u8, round]);
        }
        let mut seen = [false; 2];
        for _ in 0..2 {
            let (data, id) = server.recv();
            assert_eq!((data.len(), data[1]), (2, round), "{label}");
            let n = usize::from(data[0]);
            assert!(
                !seen[n],
                "{label}: two messages from client {n} in round {round}"
            );
            seen[n] = true;
            if round == 0 {
                ids[n] = id;
            } else {
                assert_eq!(
                    id, ids[n],
                    "{label}: routing id of client {n} changed"
                );
            }
        }
        assert_ne!(ids[0], ids[1], "{label}: two clients, one routing id");
        // Replies in the opposite order.
        for n in [1, 0] {
            server.route(&[b'r', n as u8, round], ids[n]);
        }
        for (n, client) in clients.iter().enumerate() {
            assert_eq!(client.recv(), [b'r', n as u8, round], "{label}");
        }
    }
}

// ---------------------------------------------------------------------------
// Incompatible socket types
// ---------------------------------------------------------------------------

fn lz_type_name(kind: i32) -> &'static str {
    match kind {
        lz::GATHER => "GATHER",
        lz::SCATTER => "SCATTER",
        lz::RADIO => "RADIO",
        lz::DISH => "DISH",
        lz::CLIENT => "CLIENT",
        lz::SERVER => "SERVER",
        _ => "?",
    }
}

/// Our side of an incompatible pair.
enum Ours {
    Client(Client),
    Server(Server),
}

impl Ours {
    fn name(&self) -> &'static str {
        match self {
            Ours::Client(_) => "our Client",
            Ours::Server(_) => "our Server",
        }
    }
    fn bind(&self) -> String {
        match self {
            Ours::Client(s) => rs_bind(s),
            Ours::Server(s) => rs_bind(s),
        }
    }
    fn connect(&self, addr: Endpoint) {
        match self {
            Ours::Client(s) => s.connect(addr).unwrap(),
            Ours::Server(s) => s.connect(addr).unwrap(),
        }
    }
    fn try_recv(&self) -> Result<Msg, ErrorKind> {
        match self {
            Ours::Client(s) => s.try_recv_msg(),
            Ours::Server(s) => s.try_recv_msg(),
        }
        .map_err(|e| e.kind())
    }
}

/// One incompatible pair, set up and poked.
struct Refused {
    label: String,
    ours: Ours,
    ours_bound: bool,
    theirs: LzSocket,
}

/// Every libzmq draft type that is not our partner, against our Client and
/// Server, with either side binding: nothing is ever delivered either way.
/// (libzmq refuses the pairing too, so this shows that the two
/// implementations agree on refusing, and that a refused peer leaves our
/// socket usable.)
#[test]
fn incompatible_socket_types_exchange_nothing() {
    let ctx = Ctx::new();
    let lz_ctx = lz::Ctx::new();
    let mut pairs = Vec::new();
    for our_kind in ["Client", "Server"] {
        for kind in [lz::GATHER, lz::SCATTER, lz::RADIO, lz::DISH] {
            for ours_bound in [true, false] {
                let ours = if our_kind == "Client" {
                    Ours::Client(rs_client(&ctx))
                } else {
                    Ours::Server(rs_server(&ctx))
                };
                let theirs = lz_socket(&lz_ctx, kind);
                if kind == lz::DISH {
                    theirs.join("g").unwrap();
                }
                if ours_bound {
                    let endpoint = ours.bind();
                    theirs.connect(&endpoint).unwrap();
                } else {
                    let addr = lz_bind(&theirs);
                    ours.connect(addr);
                }
                let label = format!(
                    "{} {} libzmq {}",
                    ours.name(),
                    if ours_bound { "(bound) ←" } else { "→" },
                    lz_type_name(kind)
                );
                pairs.push(Refused {
                    label,
                    ours,
                    ours_bound,
                    theirs,
                });
            }
        }
    }

    // Everyone who can send tries to, without blocking.
    for p in &pairs {
        if let Ours::Client(c) = &p.ours {
            match c.try_send("from our Client") {
                // Connected: the queue to the endpoint exists from connect on.
                Ok(()) => assert!(
                    !p.ours_bound,
                    "{}: a bound Client had a peer",
                    p.label
                ),
                // Bound: no peer (yet, and never: see below).
                Err(e) => {
                    assert_eq!(e.kind(), ErrorKind::WouldBlock, "{}", p.label)
                }
            }
        }
        match p.theirs.kind() {
            lz::SCATTER => match p.theirs.send_msg(
                &mut lz::Msg::from_slice(b"from libzmq SCATTER"),
                lz::DONTWAIT,
            ) {
                Ok(()) => assert!(p.ours_bound, "{}", p.label),
                Err(e) => assert_eq!(e, lz::EAGAIN, "{}", p.label),
            },
            lz::RADIO => {
                p.theirs.send_group(b"from libzmq RADIO", "g").unwrap()
            }
            _ => {}
        }
    }

    // The bounded "nothing arrives" wait: plenty for a loopback handshake.
    std::thread::sleep(NOTHING_WAIT);

    for p in &pairs {
        assert_eq!(
            p.ours.try_recv().map(|m| m.as_bytes().to_vec()),
            Err(ErrorKind::WouldBlock),
            "{}: our side received something",
            p.label
        );
        if matches!(p.theirs.kind(), lz::GATHER | lz::DISH) {
            assert_eq!(
                p.theirs.try_recv().map(|m| m.data),
                Err(lz::EAGAIN),
                "{}: libzmq received something",
                p.label
            );
        }
        // A bound Client never got a peer out of the refused connection.
        if let (Ours::Client(c), true) = (&p.ours, p.ours_bound) {
            assert_eq!(
                c.try_send("still nobody?").unwrap_err().kind(),
                ErrorKind::WouldBlock,
                "{}: the refused peer was attached",
                p.label
            );
        }
    }

    // Our bound sockets still work: a compatible libzmq peer connects to the
    // very same endpoint and a request/reply goes through.
    for p in &pairs {
        if !p.ours_bound {
            continue;
        }
        let label = format!("{}, then a compatible peer", p.label);
        match &p.ours {
            Ours::Client(c) => {
                let c = RsClient(c.clone());
                let server = lz_socket(&lz_ctx, lz::SERVER);
                server
                    .connect(&to_lz_endpoint(&c.0.last_endpoint().unwrap()))
                    .unwrap();
                // The earlier try_sends all failed, so nothing stale is queued.
                c.send(b"hello");
                let server = LzServer(server);
                let (data, id) = server.recv();
                assert_eq!(data, b"hello", "{label}");
                server.route(b"hi", id);
                assert_eq!(c.recv(), b"hi", "{label}");
            }
            Ours::Server(s) => {
                let s = RsServer(s.clone());
                let client = lz_socket(&lz_ctx, lz::CLIENT);
                client
                    .connect(&to_lz_endpoint(&s.0.last_endpoint().unwrap()))
                    .unwrap();
                let client = LzClient(client);
                client.send(b"hello");
                let (data, id) = s.recv();
                assert_eq!(data, b"hello", "{label}");
                s.route(b"hi", id);
                assert_eq!(client.recv(), b"hi", "{label}");
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Connect before bind
// ---------------------------------------------------------------------------

/// A loopback port nobody listens on (bound then released).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Our Client queues while nothing listens; a libzmq SERVER that binds later
/// gets everything, in order (our reconnect loop against a libzmq listener).
#[test]
fn rs_client_queues_until_lz_server_binds() {
    let ctx = Ctx::new();
    let lz_ctx = lz::Ctx::new();
    let port = free_port();
    let client = rs_client(&ctx);
    client
        .connect(
            TcpAddr::try_from(format!("127.0.0.1:{port}").as_str()).unwrap(),
        )
        .unwrap();
    for text in ["foobar", "baz", "buzz"] {
        client.try_send(text).unwrap();
    }
    let server = lz_socket(&lz_ctx, lz::SERVER);
    server.bind(&format!("tcp://127.0.0.1:{port}")).unwrap();
    let server = LzServer(server);
    let mut id = 0;
    for text in ["foobar", "baz", "buzz"] {
        let (data, from) = server.recv();
        assert_eq!(data, text.as_bytes());
        id = from;
    }
    server.route(b"late", id);
    assert_eq!(RsClient(client).recv(), b"late");
}

/// The mirror image: a libzmq CLIENT queues, our Server binds later.
#[test]
fn lz_client_queues_until_rs_server_binds() {
    let ctx = Ctx::new();
    let lz_ctx = lz::Ctx::new();
    let port = free_port();
    let client = lz_socket(&lz_ctx, lz::CLIENT);
    client.connect(&format!("tcp://127.0.0.1:{port}")).unwrap();
    for text in ["foobar", "baz", "buzz"] {
        client
            .send_msg(&mut lz::Msg::from_slice(text.as_bytes()), lz::DONTWAIT)
            .unwrap();
    }
    let server = rs_server(&ctx);
    server
        .bind(TcpAddr::try_from(format!("127.0.0.1:{port}").as_str()).unwrap())
        .unwrap();
    let server = RsServer(server);
    let mut id = 0;
    for text in ["foobar", "baz", "buzz"] {
        let (data, from) = server.recv();
        assert_eq!(data, text.as_bytes());
        id = from;
    }
    server.route(b"late", id);
    assert_eq!(LzClient(client).recv(), b"late");
}
