//! Throughput / latency measurements (CLIENT → SERVER) of the real C libzmq,
//! and, in [`rust`], of our pure-Rust implementation with exactly the same
//! method, so both can be reported side by side from the same run on the
//! same machine (`lz-perf` / `rs-perf`, and `cargo bench -p interop`).
//!
//! Methodology (mirrors libzmq's `perf/local_thr`, `remote_thr`,
//! `local_lat`, `remote_lat`, with the DRAFT CLIENT/SERVER types):
//!
//! * both sockets live in this process, on two threads (the calling thread
//!   sends, a scoped thread receives/echoes);
//! * `tcp` / `ipc`: each side has its own context with one I/O thread (as two
//!   separate processes would); `inproc`: one shared context (required);
//! * default HWMs (1000); every message is a freshly allocated, zero-filled
//!   message of `size` bytes (libzmq: `zmq_msg_init_size` + `memset`; Rust:
//!   `Msg::with_size`, which zero-fills and has no uninitialised variant),
//!   received into a reused message. Both sides thus do the same work per
//!   message; libzmq's own `remote_thr` skips the `memset`, which only
//!   matters for large messages over inproc;
//! * a pair ([`LzPair`], [`rust::RsPair`]) is connected once and can be
//!   measured repeatedly; a first untimed round trip makes sure the
//!   connection is up;
//! * throughput is timed on the receiver from the first to the last message
//!   and reported as `count / elapsed` (like `local_thr`);
//! * latency: one untimed warm-up round trip, then `count` timed round trips
//!   CLIENT → SERVER (echo) → CLIENT.
//!
//! All blocking calls have a [`TIMEOUT_MS`] timeout, so a wedged run fails
//! instead of hanging.

use std::fmt;
use std::str::FromStr;
use std::time::{Duration, Instant};

use crate::lz::{self, Ctx, Msg, Socket};

/// The `throughput` and `latency` functions of a module: each measures one
/// fresh pair of type `$pair`.
macro_rules! fresh_pair_measures {
    ($pair:ident, $implementation:expr, $name:literal, $client:literal,
        $server:literal) => {
        #[doc = concat!(
            "Throughput of `count` messages of `size` bytes, ", $name, " ",
            $client, " → ", $server, ", on a fresh pair."
        )]
        pub fn throughput(
            transport: Transport,
            size: usize,
            count: u64,
        ) -> Result<ThroughputStats, PerfError> {
            check_count(count)?;
            let pair = $pair::new(transport)?;
            let elapsed = pair.throughput(size, count)?;
            Ok(ThroughputStats::new(
                $implementation,
                transport,
                size,
                count,
                elapsed,
            ))
        }

        #[doc = concat!(
            "Round-trip latency of `count` messages of `size` bytes, ", $name,
            " ", $client, " → ", $server, " (echo) → ", $client,
            ", on a fresh pair."
        )]
        pub fn latency(
            transport: Transport,
            size: usize,
            count: u64,
        ) -> Result<LatencyStats, PerfError> {
            check_count(count)?;
            let pair = $pair::new(transport)?;
            let samples = pair.round_trips(size, count)?;
            Ok(LatencyStats::new($implementation, transport, size, &samples))
        }
    };
}

/// The constructors `new`, `new_curve` and `scatter_gather` of a pair type
/// whose `connect(transport, curve, receiver_kind, sender_kind)` does the
/// work.
macro_rules! pair_constructors {
    ($server:expr, $client:expr, $gather:expr, $scatter:expr) => {
        /// Connects a SERVER/CLIENT pair and does one round trip.
        pub fn new(transport: Transport) -> Result<Self, PerfError> {
            Self::connect(transport, false, $server, $client)
        }

        /// The same over CURVE (any client key accepted).
        pub fn new_curve(transport: Transport) -> Result<Self, PerfError> {
            Self::connect(transport, true, $server, $client)
        }

        /// A GATHER bound and a SCATTER connected, one message through;
        /// only `throughput` applies.
        pub fn scatter_gather(transport: Transport) -> Result<Self, PerfError> {
            Self::connect(transport, false, $gather, $scatter)
        }
    };
}

pub mod cli;
pub mod compare;
pub mod lz_classic;
pub mod omq;
pub mod pubsub;
pub mod requests;
pub mod rust;
pub mod rust_async;

/// Send/receive timeout used by the perf runs (milliseconds).
pub const TIMEOUT_MS: i32 = 10_000;

/// Transport to measure over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// `tcp://127.0.0.1:*` (loopback).
    Tcp,
    /// `inproc://` (same context).
    Inproc,
    /// `ipc://*` (Unix domain socket in a temporary directory).
    Ipc,
}

impl FromStr for Transport {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "tcp" => Ok(Transport::Tcp),
            "inproc" => Ok(Transport::Inproc),
            "ipc" => Ok(Transport::Ipc),
            other => Err(format!(
                "unknown transport {other:?} (expected tcp, inproc or ipc)"
            )),
        }
    }
}

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Transport::Tcp => "tcp",
            Transport::Inproc => "inproc",
            Transport::Ipc => "ipc",
        })
    }
}

/// Which implementation was measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Implementation {
    /// The C libzmq linked into this crate.
    Libzmq,
    /// Our pure-Rust `libzmq` crate.
    Rust,
    /// OMQ.rs (crate `omq-tokio`), on a 2-worker tokio runtime.
    Omq,
}

impl fmt::Display for Implementation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Implementation::Libzmq => {
                let (a, b, c) = lz::version();
                write!(f, "libzmq {a}.{b}.{c}")
            }
            Implementation::Rust => f.write_str("rust libzmq"),
            Implementation::Omq => f.write_str("OMQ.rs (omq-tokio)"),
        }
    }
}

/// A failed call during a perf run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PerfError {
    /// What was being done.
    pub op: &'static str,
    /// libzmq errno (0 for failures without one, such as a size mismatch or
    /// an error of the Rust implementation).
    pub errno: i32,
    /// Extra detail (the Rust implementation's error), if any.
    pub detail: Option<String>,
}

impl PerfError {
    pub(crate) fn new(op: &'static str) -> Self {
        PerfError {
            op,
            errno: 0,
            detail: None,
        }
    }
}

impl fmt::Display for PerfError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.op)?;
        if self.errno != 0 {
            write!(f, ": {}", lz::strerror(self.errno))?;
        }
        if let Some(detail) = &self.detail {
            write!(f, ": {detail}")?;
        }
        Ok(())
    }
}

impl std::error::Error for PerfError {}

trait WithOp<T> {
    fn op(self, op: &'static str) -> Result<T, PerfError>;
}

impl<T> WithOp<T> for lz::Result<T> {
    fn op(self, op: &'static str) -> Result<T, PerfError> {
        self.map_err(|errno| PerfError {
            op,
            errno,
            detail: None,
        })
    }
}

/// Result of a throughput measurement.
#[derive(Debug, Clone, PartialEq)]
pub struct ThroughputStats {
    pub implementation: Implementation,
    pub transport: Transport,
    /// Message size in bytes.
    pub size: usize,
    /// Number of messages.
    pub count: u64,
    /// Receiver-side time from the first to the last message.
    pub elapsed: Duration,
    /// Messages per second.
    pub msgs_per_sec: f64,
    /// Payload megabytes (10^6 bytes) per second.
    pub mb_per_sec: f64,
}

impl ThroughputStats {
    /// Stats of `count` messages of `size` bytes received in `elapsed`.
    pub fn new(
        implementation: Implementation,
        transport: Transport,
        size: usize,
        count: u64,
        elapsed: Duration,
    ) -> Self {
        let secs = elapsed.as_secs_f64().max(1e-9);
        let msgs_per_sec = count as f64 / secs;
        ThroughputStats {
            implementation,
            transport,
            size,
            count,
            elapsed,
            msgs_per_sec,
            mb_per_sec: msgs_per_sec * size as f64 / 1e6,
        }
    }
}

impl fmt::Display for ThroughputStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} thr {} size={} count={}: {:.0} msg/s, {:.1} MB/s ({:.1} Mb/s), elapsed {:.3} s",
            self.implementation,
            self.transport,
            self.size,
            self.count,
            self.msgs_per_sec,
            self.mb_per_sec,
            self.mb_per_sec * 8.0,
            self.elapsed.as_secs_f64()
        )
    }
}

/// Result of a latency measurement.
#[derive(Debug, Clone, PartialEq)]
pub struct LatencyStats {
    pub implementation: Implementation,
    pub transport: Transport,
    /// Message size in bytes.
    pub size: usize,
    /// Number of timed round trips.
    pub count: u64,
    /// Total time of the timed round trips.
    pub elapsed: Duration,
    /// Mean round-trip time, microseconds.
    pub mean_rtt_us: f64,
    /// Median round-trip time, microseconds.
    pub p50_rtt_us: f64,
    /// 99th percentile round-trip time, microseconds.
    pub p99_rtt_us: f64,
    /// Minimum round-trip time, microseconds.
    pub min_rtt_us: f64,
    /// Maximum round-trip time, microseconds.
    pub max_rtt_us: f64,
}

impl LatencyStats {
    /// Stats of the round-trip `samples` (at least one) of `size` bytes.
    pub fn new(
        implementation: Implementation,
        transport: Transport,
        size: usize,
        samples: &[Duration],
    ) -> Self {
        assert!(!samples.is_empty(), "no latency samples");
        let mut us: Vec<f64> =
            samples.iter().map(|d| d.as_secs_f64() * 1e6).collect();
        let elapsed: Duration = samples.iter().sum();
        us.sort_by(|a, b| a.total_cmp(b));
        let pct = |p: f64| us[(((us.len() - 1) as f64) * p).round() as usize];
        LatencyStats {
            implementation,
            transport,
            size,
            count: samples.len() as u64,
            elapsed,
            mean_rtt_us: elapsed.as_secs_f64() * 1e6 / samples.len() as f64,
            p50_rtt_us: pct(0.50),
            p99_rtt_us: pct(0.99),
            min_rtt_us: us[0],
            max_rtt_us: us[us.len() - 1],
        }
    }

    /// Mean one-way latency (RTT / 2), the figure libzmq's `local_lat`
    /// prints.
    pub fn mean_one_way_us(&self) -> f64 {
        self.mean_rtt_us / 2.0
    }
}

impl fmt::Display for LatencyStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} lat {} size={} count={}: mean RTT {:.2} us (one-way {:.2} us), p50 {:.2} us, p99 {:.2} us, min {:.2} us, max {:.2} us",
            self.implementation,
            self.transport,
            self.size,
            self.count,
            self.mean_rtt_us,
            self.mean_one_way_us(),
            self.p50_rtt_us,
            self.p99_rtt_us,
            self.min_rtt_us,
            self.max_rtt_us
        )
    }
}

pub(crate) fn check_count(count: u64) -> Result<(), PerfError> {
    if count == 0 {
        Err(PerfError::new("count must be > 0"))
    } else {
        Ok(())
    }
}

pub(crate) fn check_size(got: usize, want: usize) -> Result<(), PerfError> {
    if got == want {
        Ok(())
    } else {
        Err(PerfError::new("received message of unexpected size"))
    }
}

/// A unique inproc name for a perf pair.
pub(crate) fn inproc_name(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    format!(
        "{prefix}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// The receiver-side time of `count` messages: `make_recv` makes, on a
/// receiver thread, the step that receives (and checks) one message, while
/// `send` sends one message from this thread, `count` times. The clock
/// starts at the first message received and stops at the last.
pub(crate) fn time_throughput<M, R, S>(
    count: u64,
    make_recv: M,
    mut send: S,
) -> Result<Duration, PerfError>
where
    M: FnOnce() -> R + Send,
    R: FnMut() -> Result<(), PerfError>,
    S: FnMut() -> Result<(), PerfError>,
{
    check_count(count)?;
    std::thread::scope(|s| {
        let rx = s.spawn(move || -> Result<Duration, PerfError> {
            let mut recv = make_recv();
            recv()?;
            let start = Instant::now();
            for _ in 1..count {
                recv()?;
            }
            Ok(start.elapsed())
        });
        let tx = (0..count).try_for_each(|_| send());
        let rx = rx.join().expect("receiver thread panicked");
        tx?;
        rx
    })
}

/// One untimed round trip, then `count` timed ones: `make_echo` makes, on an
/// echo thread, the step that receives one message and sends it back, while
/// `ping` sends one message from this thread and receives the reply; returns
/// each timed `ping`'s time.
pub(crate) fn time_round_trips<M, E, P>(
    count: u64,
    make_echo: M,
    mut ping: P,
) -> Result<Vec<Duration>, PerfError>
where
    M: FnOnce() -> E + Send,
    E: FnMut() -> Result<(), PerfError>,
    P: FnMut() -> Result<(), PerfError>,
{
    check_count(count)?;
    std::thread::scope(|s| {
        let echo = s.spawn(move || -> Result<(), PerfError> {
            let mut echo = make_echo();
            (0..=count).try_for_each(|_| echo())
        });
        let mut samples = Vec::with_capacity(count as usize);
        let pinged = (0..=count).try_for_each(|i| {
            let t0 = Instant::now();
            ping()?;
            if i > 0 {
                samples.push(t0.elapsed());
            }
            Ok(())
        });
        let echo = echo.join().expect("echo thread panicked");
        pinged?;
        echo?;
        Ok(samples)
    })
}

/// A bound C libzmq receiver (SERVER, or GATHER) and a connected sender
/// (CLIENT, or SCATTER), measured repeatedly.
pub struct LzPair {
    transport: Transport,
    // Fields drop in order: the sockets (linger 0) only go once nothing is
    // in flight any more, since every measurement waits for its last message.
    server: Socket,
    client: Socket,
}

/// CURVE: keys from `zmq_curve_keypair`, no ZAP handler, so every client
/// key is accepted.
impl LzPair {
    pair_constructors!(lz::SERVER, lz::CLIENT, lz::GATHER, lz::SCATTER);

    fn connect(
        transport: Transport,
        curve: bool,
        server_kind: i32,
        client_kind: i32,
    ) -> Result<Self, PerfError> {
        let (server_ctx, client_ctx) = lz_contexts(transport);
        let server = lz_socket(&server_ctx, server_kind, "create receiver")?;
        let client = lz_socket(&client_ctx, client_kind, "create sender")?;
        if curve {
            let (server_public, server_secret) = crate::lz::curve_keypair();
            let (client_public, client_secret) = crate::lz::curve_keypair();
            server.set_curve_server(true).op("set CURVE_SERVER")?;
            server
                .set_curve_secretkey(&server_secret)
                .op("set CURVE_SECRETKEY")?;
            client
                .set_curve_serverkey(&server_public)
                .op("set CURVE_SERVERKEY")?;
            client
                .set_curve_publickey(&client_public)
                .op("set CURVE_PUBLICKEY")?;
            client
                .set_curve_secretkey(&client_secret)
                .op("set CURVE_SECRETKEY")?;
        }
        server
            .bind(&lz_bind_endpoint(transport))
            .op("bind receiver")?;
        let ep = server.last_endpoint();
        client.connect(&ep).op("connect sender")?;
        let pair = LzPair {
            transport,
            server,
            client,
        };
        if server_kind == lz::SERVER {
            pair.round_trips(1, 1)?;
        } else {
            pair.throughput(1, 1)?;
        }
        Ok(pair)
    }

    /// The transport of this pair.
    pub fn transport(&self) -> Transport {
        self.transport
    }

    /// The endpoint the receiver is bound to (`tcp://127.0.0.1:PORT`).
    pub fn endpoint(&self) -> String {
        self.server.last_endpoint()
    }

    /// Receives `k` messages of any size and content on the receiver (the
    /// hellos of idle clients).
    pub fn recv_any(&self, k: usize) -> Result<(), PerfError> {
        let mut msg = Msg::new();
        for _ in 0..k {
            self.server.recv_msg(&mut msg, 0).op("receiver recv")?;
        }
        Ok(())
    }

    /// Sends `count` messages of `size` bytes sender → receiver; returns the
    /// receiver-side time from the first to the last message.
    pub fn throughput(
        &self,
        size: usize,
        count: u64,
    ) -> Result<Duration, PerfError> {
        let (server, client) = (&self.server, &self.client);
        let recv = move || {
            let mut msg = Msg::new();
            move || -> Result<(), PerfError> {
                let n = server.recv_msg(&mut msg, 0).op("receiver recv")?;
                check_size(n, size)
            }
        };
        let send = || -> Result<(), PerfError> {
            let mut msg = Msg::with_size(size);
            client.send_msg(&mut msg, 0).op("sender send")?;
            Ok(())
        };
        time_throughput(count, recv, send)
    }

    /// One untimed round trip, then `count` timed round trips of `size`
    /// bytes CLIENT → SERVER (echo) → CLIENT; returns each trip's time.
    pub fn round_trips(
        &self,
        size: usize,
        count: u64,
    ) -> Result<Vec<Duration>, PerfError> {
        let server = &self.server;
        let echo = move || lz_echo(server, size);
        time_round_trips(count, echo, lz_request(&self.client, size))
    }
}

/// The contexts of a setup's two sides: one each (TCP, IPC; each with one
/// I/O thread), or one shared (inproc).
fn lz_contexts(transport: Transport) -> (Ctx, Ctx) {
    match transport {
        Transport::Inproc => {
            let c = Ctx::new();
            (c.clone(), c)
        }
        Transport::Tcp | Transport::Ipc => (Ctx::new(), Ctx::new()),
    }
}

/// A fresh endpoint to bind (TCP: an ephemeral port).
fn lz_bind_endpoint(transport: Transport) -> String {
    match transport {
        Transport::Tcp => "tcp://127.0.0.1:*".to_string(),
        Transport::Ipc => "ipc://*".to_string(),
        Transport::Inproc => format!("inproc://{}", inproc_name("lz-perf")),
    }
}

/// A thread-safe C libzmq socket of `kind` with [`TIMEOUT_MS`] send and
/// receive timeouts; `op` names a failure to create it.
fn lz_socket(
    ctx: &Ctx,
    kind: i32,
    op: &'static str,
) -> Result<Socket, PerfError> {
    let s = Socket::new(ctx, kind).op(op)?;
    s.set_rcvtimeo(TIMEOUT_MS).op("set RCVTIMEO")?;
    s.set_sndtimeo(TIMEOUT_MS).op("set SNDTIMEO")?;
    Ok(s)
}

/// The SERVER's step of a round trip: receives one request of `size` bytes
/// and sends it back.
fn lz_echo(
    server: &Socket,
    size: usize,
) -> impl FnMut() -> Result<(), PerfError> + '_ {
    let mut msg = Msg::new();
    move || {
        let n = server.recv_msg(&mut msg, 0).op("SERVER recv")?;
        check_size(n, size)?;
        // The received message carries the CLIENT's routing id, so sending
        // it back routes it to that client.
        server.send_msg(&mut msg, 0).op("SERVER send")
    }
}

/// A CLIENT's step of a round trip: sends a fresh message of `size` bytes
/// and receives (and checks) the reply.
fn lz_request(
    client: &Socket,
    size: usize,
) -> impl FnMut() -> Result<(), PerfError> + '_ {
    let mut reply = Msg::new();
    move || {
        let mut msg = Msg::with_size(size);
        client.send_msg(&mut msg, 0).op("CLIENT send")?;
        let n = client.recv_msg(&mut reply, 0).op("CLIENT recv")?;
        check_size(n, size)
    }
}

/// A bound C libzmq SERVER and `clients` connected CLIENTs (a context per
/// side, or one shared for inproc), every connection up; measured
/// repeatedly (see [`requests`]).
pub struct LzRequests {
    // The sockets (linger 0) only go once nothing is in flight any more:
    // every round waits for its last reply.
    server: Socket,
    clients: Vec<Socket>,
}

impl LzRequests {
    /// Binds the SERVER, connects the CLIENTs and makes one request from
    /// each.
    pub fn new(
        transport: Transport,
        clients: usize,
    ) -> Result<Self, PerfError> {
        requests::check_clients(clients)?;
        let (server_ctx, client_ctx) = lz_contexts(transport);
        let server = lz_socket(&server_ctx, lz::SERVER, "create SERVER")?;
        server
            .bind(&lz_bind_endpoint(transport))
            .op("bind SERVER")?;
        let endpoint = server.last_endpoint();
        let clients = (0..clients)
            .map(|_| {
                let c = lz_socket(&client_ctx, lz::CLIENT, "create CLIENT")?;
                c.connect(&endpoint).op("connect CLIENT")?;
                Ok(c)
            })
            .collect::<Result<Vec<_>, PerfError>>()?;
        let this = LzRequests { server, clients };
        this.requests(1, this.clients.len() as u64)?;
        Ok(this)
    }

    /// `count` requests of `size` bytes, each CLIENT on its own thread, the
    /// SERVER echoing on another; returns the time until the last reply.
    pub fn requests(
        &self,
        size: usize,
        count: u64,
    ) -> Result<Duration, PerfError> {
        let (server, clients) = (&self.server, &self.clients);
        requests::time_requests(
            count,
            clients.len(),
            move || lz_echo(server, size),
            |i| lz_request(&clients[i], size),
        )
    }
}

fresh_pair_measures!(
    LzPair,
    Implementation::Libzmq,
    "C libzmq",
    "CLIENT",
    "SERVER"
);
