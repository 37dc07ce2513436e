//! C libzmq–only performance measurements (CLIENT → SERVER), so benchmarks
//! can report the real libzmq side by side with the Rust implementation in
//! the same run, on the same machine.
//!
//! Methodology (mirrors libzmq's `perf/local_thr`, `remote_thr`,
//! `local_lat`, `remote_lat`, with the DRAFT CLIENT/SERVER types):
//!
//! * both sockets live in this process, on two threads (the calling thread
//!   sends, a scoped thread receives/echoes);
//! * `tcp` / `ipc`: each side has its own context with one I/O thread (as two
//!   separate processes would); `inproc`: one shared context (required);
//! * default HWMs (1000), messages built with `zmq_msg_init_size` and sent
//!   with `zmq_msg_send`, received into a reused `zmq_msg_t`;
//! * throughput is timed on the receiver from the first to the last message
//!   and reported as `count / elapsed` (like `local_thr`);
//! * latency: one untimed warm-up round trip (connection set-up), then
//!   `count` timed round trips CLIENT → SERVER → CLIENT.
//!
//! All blocking calls have a [`TIMEOUT_MS`] timeout, so a wedged run fails
//! instead of hanging.

use std::fmt;
use std::str::FromStr;
use std::time::{Duration, Instant};

use crate::lz::{self, Ctx, Msg, Socket};

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

/// A failed libzmq call during a perf run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PerfError {
    /// What was being done.
    pub op: &'static str,
    /// libzmq errno (0 for non-errno failures such as a size mismatch).
    pub errno: i32,
}

impl fmt::Display for PerfError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.errno == 0 {
            write!(f, "{}", self.op)
        } else {
            write!(f, "{}: {}", self.op, lz::strerror(self.errno))
        }
    }
}

impl std::error::Error for PerfError {}

trait WithOp<T> {
    fn op(self, op: &'static str) -> Result<T, PerfError>;
}

impl<T> WithOp<T> for lz::Result<T> {
    fn op(self, op: &'static str) -> Result<T, PerfError> {
        self.map_err(|errno| PerfError { op, errno })
    }
}

/// Result of [`throughput`].
#[derive(Debug, Clone, PartialEq)]
pub struct ThroughputStats {
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

impl fmt::Display for ThroughputStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "libzmq {} thr {} size={} count={}: {:.0} msg/s, {:.1} MB/s ({:.1} Mb/s), elapsed {:.3} s",
            version_string(),
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

/// Result of [`latency`].
#[derive(Debug, Clone, PartialEq)]
pub struct LatencyStats {
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
            "libzmq {} lat {} size={} count={}: mean RTT {:.2} us (one-way {:.2} us), p50 {:.2} us, p99 {:.2} us, min {:.2} us, max {:.2} us",
            version_string(),
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

fn version_string() -> String {
    let (a, b, c) = lz::version();
    format!("{a}.{b}.{c}")
}

/// A bound SERVER and a connected CLIENT, plus the contexts keeping them.
struct Pair {
    server: Socket,
    client: Socket,
}

fn pair(transport: Transport) -> Result<Pair, PerfError> {
    let (server_ctx, client_ctx) = match transport {
        Transport::Inproc => {
            let c = Ctx::new();
            (c.clone(), c)
        }
        Transport::Tcp | Transport::Ipc => (Ctx::new(), Ctx::new()),
    };
    let server = Socket::server(&server_ctx).op("create SERVER")?;
    let client = Socket::client(&client_ctx).op("create CLIENT")?;
    for s in [&server, &client] {
        s.set_rcvtimeo(TIMEOUT_MS).op("set RCVTIMEO")?;
        s.set_sndtimeo(TIMEOUT_MS).op("set SNDTIMEO")?;
    }
    let bind_ep = match transport {
        Transport::Tcp => "tcp://127.0.0.1:*".to_string(),
        Transport::Ipc => "ipc://*".to_string(),
        Transport::Inproc => {
            use std::sync::atomic::{AtomicU64, Ordering};
            static N: AtomicU64 = AtomicU64::new(0);
            format!(
                "inproc://lz-perf-{}-{}",
                std::process::id(),
                N.fetch_add(1, Ordering::Relaxed)
            )
        }
    };
    server.bind(&bind_ep).op("bind SERVER")?;
    let ep = server.last_endpoint();
    client.connect(&ep).op("connect CLIENT")?;
    Ok(Pair { server, client })
}

fn check_size(got: usize, want: usize) -> Result<(), PerfError> {
    if got == want {
        Ok(())
    } else {
        Err(PerfError {
            op: "received message of unexpected size",
            errno: 0,
        })
    }
}

/// Throughput of `count` messages of `size` bytes, CLIENT → SERVER.
pub fn throughput(
    transport: Transport,
    size: usize,
    count: u64,
) -> Result<ThroughputStats, PerfError> {
    if count == 0 {
        return Err(PerfError {
            op: "count must be > 0",
            errno: 0,
        });
    }
    let Pair { server, client } = pair(transport)?;

    let elapsed = std::thread::scope(|s| {
        let rx = s.spawn(|| -> Result<Duration, PerfError> {
            let mut msg = Msg::new();
            let n = server.recv_msg(&mut msg, 0).op("SERVER recv")?;
            check_size(n, size)?;
            let start = Instant::now();
            for _ in 1..count {
                let n = server.recv_msg(&mut msg, 0).op("SERVER recv")?;
                check_size(n, size)?;
            }
            Ok(start.elapsed())
        });
        let tx: Result<(), PerfError> = (|| {
            for _ in 0..count {
                // SAFETY: the payload is never read, only sent.
                let mut msg = unsafe { Msg::with_size_uninit(size) };
                client.send_msg(&mut msg, 0).op("CLIENT send")?;
            }
            Ok(())
        })();
        let rx = rx.join().expect("receiver thread panicked");
        tx?;
        rx
    })?;
    // The client (linger 0) is only dropped now, after everything arrived.
    drop(client);
    drop(server);

    let secs = elapsed.as_secs_f64().max(1e-9);
    let msgs_per_sec = count as f64 / secs;
    Ok(ThroughputStats {
        transport,
        size,
        count,
        elapsed,
        msgs_per_sec,
        mb_per_sec: msgs_per_sec * size as f64 / 1e6,
    })
}

/// Round-trip latency of `count` messages of `size` bytes, CLIENT → SERVER
/// (echo) → CLIENT.
pub fn latency(transport: Transport, size: usize, count: u64) -> Result<LatencyStats, PerfError> {
    if count == 0 {
        return Err(PerfError {
            op: "count must be > 0",
            errno: 0,
        });
    }
    let Pair { server, client } = pair(transport)?;

    let samples = std::thread::scope(|s| {
        let echo = s.spawn(|| -> Result<(), PerfError> {
            let mut msg = Msg::new();
            // +1 for the warm-up round trip.
            for _ in 0..=count {
                let n = server.recv_msg(&mut msg, 0).op("SERVER recv")?;
                check_size(n, size)?;
                // The received message carries the CLIENT's routing id, so
                // sending it back routes it to that client.
                server.send_msg(&mut msg, 0).op("SERVER send")?;
            }
            Ok(())
        });
        let ping: Result<Vec<Duration>, PerfError> = (|| {
            let mut reply = Msg::new();
            let mut samples = Vec::with_capacity(count as usize);
            for i in 0..=count {
                let t0 = Instant::now();
                // SAFETY: the payload is never read, only sent.
                let mut msg = unsafe { Msg::with_size_uninit(size) };
                client.send_msg(&mut msg, 0).op("CLIENT send")?;
                let n = client.recv_msg(&mut reply, 0).op("CLIENT recv")?;
                check_size(n, size)?;
                if i > 0 {
                    samples.push(t0.elapsed());
                }
            }
            Ok(samples)
        })();
        let echo = echo.join().expect("echo thread panicked");
        let samples = ping?;
        echo?;
        Ok::<_, PerfError>(samples)
    })?;
    drop(client);
    drop(server);

    let mut us: Vec<f64> = samples.iter().map(|d| d.as_secs_f64() * 1e6).collect();
    let elapsed: Duration = samples.iter().sum();
    us.sort_by(|a, b| a.total_cmp(b));
    let pct = |p: f64| us[(((us.len() - 1) as f64) * p).round() as usize];
    Ok(LatencyStats {
        transport,
        size,
        count,
        elapsed,
        mean_rtt_us: elapsed.as_secs_f64() * 1e6 / count as f64,
        p50_rtt_us: pct(0.50),
        p99_rtt_us: pct(0.99),
        min_rtt_us: us[0],
        max_rtt_us: us[us.len() - 1],
    })
}
