//! Async against blocking, on the same sockets and the same work: Client →
//! Server throughput and Client ↔ Server round trips, 32 B, over TCP and
//! inproc. Rounds alternate the modes (forward, then backward); the table
//! gives each mode's median over the rounds and the median of the per-round
//! ratios to blocking.
//!
//!     cargo run --release -p libzmq --example async_perf -- [--secs S] [--rounds N] [--only TEXT] [--out FILE]
//!
//! `--only TEXT` keeps the cases whose name contains TEXT; `--out FILE`
//! writes the table as Markdown (`BENCHMARKS-async.md`).
//!
//! Each measurement runs two loops (sender and receiver, or echo and
//! pinger):
//! * `blocking`: the blocking calls, one thread per loop;
//! * `async`: the async calls, one thread per loop, each running its loop on
//!   its own tokio current-thread runtime (the topology of `blocking`, so the
//!   difference is the cost of the async path itself);
//! * `async+tmo`: the same with a finite send/receive timeout (60 s, never
//!   reached), so every wait also registers with the timer;
//! * `async pool`: both loops as tasks of one tokio multi-thread runtime
//!   with 2 workers (the runtime's scheduling included);
//! * `async min`: a thread per loop, each in `futures::executor::block_on`,
//!   the smallest executor there is (it parks and unparks its thread): the
//!   cost of the async path with next to no runtime around it.
//!
//! Throughput is timed on the receiver from its first message to its last;
//! a round trip on the pinger, over all its trips.

use libzmq::{addr::Endpoint, prelude::*, *};
use std::future::Future;
use std::time::{Duration, Instant};

const SIZE: usize = 32;

/// How the two loops of a measurement run.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Mode {
    /// Threads and the blocking calls.
    Blocking,
    /// A current-thread runtime per loop, on its own thread.
    Async,
    /// The same with a finite timeout set on the sockets.
    AsyncTimeout,
    /// Both loops as tasks of one 2-worker multi-thread runtime.
    AsyncPool,
    /// A thread per loop, each in `futures::executor::block_on` (the
    /// smallest executor: park and unpark the thread).
    AsyncMinimal,
}

const MODES: [Mode; 5] = [
    Mode::Blocking,
    Mode::Async,
    Mode::AsyncTimeout,
    Mode::AsyncPool,
    Mode::AsyncMinimal,
];

type Res<T> = Result<T, anyhow::Error>;

fn pair(
    ctx: &Ctx,
    transport: &str,
    timeout: Option<Duration>,
) -> Result<(Client, Server), Error> {
    let endpoint: Endpoint = match transport {
        "tcp" => TcpAddr::try_from("127.0.0.1:*")?.into(),
        _ => InprocAddr::new_unique().into(),
    };
    let server = ServerBuilder::new().bind(endpoint).with_ctx(ctx.handle())?;
    let client = ClientBuilder::new()
        .connect(server.last_endpoint()?)
        .with_ctx(ctx.handle())?;
    client.set_send_timeout(timeout)?;
    client.set_recv_timeout(timeout)?;
    server.set_send_timeout(timeout)?;
    server.set_recv_timeout(timeout)?;
    client.send("hello").map_err(Error::cast)?;
    let hello = server.recv_msg()?;
    server.send(hello).map_err(Error::cast)?;
    client.recv_msg()?;
    Ok((client, server))
}

fn current_thread() -> Res<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread().build()?)
}

/// Runs `a` and `b` at once as `mode` says; returns `b`'s result.
fn run_async<A, B>(
    mode: Mode,
    pool: &tokio::runtime::Runtime,
    a: A,
    b: B,
) -> Res<Duration>
where
    A: Future<Output = Res<()>> + Send + 'static,
    B: Future<Output = Res<Duration>> + Send + 'static,
{
    if mode == Mode::AsyncPool {
        return pool.block_on(async move {
            let a = tokio::spawn(a);
            let b = tokio::spawn(b);
            let timed = b.await??;
            a.await??;
            Ok(timed)
        });
    }
    if mode == Mode::AsyncMinimal {
        let a = std::thread::spawn(move || futures::executor::block_on(a));
        let timed = futures::executor::block_on(b)?;
        a.join().expect("loop thread")?;
        return Ok(timed);
    }
    let other = current_thread()?;
    let a = std::thread::spawn(move || other.block_on(a));
    let timed = current_thread()?.block_on(b)?;
    a.join().expect("loop thread")?;
    Ok(timed)
}

/// Receives `count` messages; the time from the first to the last.
fn recv_blocking(server: &Server, count: u64) -> Res<Duration> {
    let mut msg = Msg::new();
    server.recv(&mut msg)?;
    let start = Instant::now();
    for _ in 1..count {
        server.recv(&mut msg)?;
    }
    Ok(start.elapsed())
}

async fn recv_async(server: Server, count: u64) -> Res<Duration> {
    let mut msg = Msg::new();
    server.recv_async(&mut msg).await?;
    let start = Instant::now();
    for _ in 1..count {
        server.recv_async(&mut msg).await?;
    }
    Ok(start.elapsed())
}

async fn send_async(client: Client, count: u64) -> Res<()> {
    for _ in 0..count {
        client.send_async(Msg::with_size(SIZE)).await?;
    }
    Ok(())
}

fn throughput(
    mode: Mode,
    pool: &tokio::runtime::Runtime,
    client: &Client,
    server: &Server,
    count: u64,
) -> Res<Duration> {
    let (client, server) = (client.clone(), server.clone());
    if mode != Mode::Blocking {
        return run_async(
            mode,
            pool,
            send_async(client, count),
            recv_async(server, count),
        );
    }
    let sender = std::thread::spawn(move || -> Res<()> {
        for _ in 0..count {
            client.send(Msg::with_size(SIZE))?;
        }
        Ok(())
    });
    let timed = recv_blocking(&server, count)?;
    sender.join().expect("sender thread")?;
    Ok(timed)
}

async fn echo_async(server: Server, count: u64) -> Res<()> {
    for _ in 0..count {
        let msg = server.recv_msg_async().await?;
        server.send_async(msg).await?;
    }
    Ok(())
}

async fn ping_async(client: Client, count: u64) -> Res<Duration> {
    let start = Instant::now();
    for _ in 0..count {
        client.send_async(Msg::with_size(SIZE)).await?;
        client.recv_msg_async().await?;
    }
    Ok(start.elapsed())
}

fn round_trips(
    mode: Mode,
    pool: &tokio::runtime::Runtime,
    client: &Client,
    server: &Server,
    count: u64,
) -> Res<Duration> {
    let (client, server) = (client.clone(), server.clone());
    if mode != Mode::Blocking {
        return run_async(
            mode,
            pool,
            echo_async(server, count),
            ping_async(client, count),
        );
    }
    let echo = std::thread::spawn(move || -> Res<()> {
        for _ in 0..count {
            let msg = server.recv_msg()?;
            server.send(msg)?;
        }
        Ok(())
    });
    let start = Instant::now();
    for _ in 0..count {
        client.send(Msg::with_size(SIZE))?;
        client.recv_msg()?;
    }
    let timed = start.elapsed();
    echo.join().expect("echo thread")?;
    Ok(timed)
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn arg<T: std::str::FromStr>(name: &str, default: T) -> Res<T>
where
    T::Err: std::error::Error + Send + Sync + 'static,
{
    let args: Vec<String> = std::env::args().collect();
    match args.iter().position(|a| a == name) {
        None => Ok(default),
        Some(at) => match args.get(at + 1) {
            Some(value) => Ok(value.parse()?),
            None => anyhow::bail!("{name} needs a value"),
        },
    }
}

type Measure =
    fn(Mode, &tokio::runtime::Runtime, &Client, &Server, u64) -> Res<Duration>;

/// One case's result: each mode's median figure, and the median (min, max)
/// of its per-round ratio to blocking.
struct Row {
    name: &'static str,
    medians: Vec<String>,
    ratios: Vec<(f64, f64, f64)>,
}

const CASES: [(&str, &str, Measure); 4] = [
    ("TCP throughput (msgs/s)", "tcp", throughput),
    ("inproc throughput (msgs/s)", "inproc", throughput),
    ("TCP round trip (µs)", "tcp", round_trips),
    ("inproc round trip (µs)", "inproc", round_trips),
];

fn measure_case(
    ctx: &Ctx,
    pool: &tokio::runtime::Runtime,
    (name, transport, measure): (&'static str, &str, Measure),
    secs: f64,
    rounds: usize,
) -> Res<Row> {
    let is_rate = name.contains("throughput");
    let figure = |count: u64, d: Duration| {
        if is_rate {
            count as f64 / d.as_secs_f64()
        } else {
            d.as_secs_f64() * 1e6 / count as f64
        }
    };
    let pairs = MODES
        .iter()
        .map(|&mode| {
            let timeout =
                (mode == Mode::AsyncTimeout).then_some(Duration::from_secs(60));
            pair(ctx, transport, timeout)
        })
        .collect::<Result<Vec<_>, _>>()?;
    // The count: from a short blocking run, for about `secs`.
    let probe = 5000;
    let took = measure(Mode::Blocking, pool, &pairs[0].0, &pairs[0].1, probe)?;
    let count = (secs / took.as_secs_f64() * probe as f64).max(1000.0) as u64;
    let mut figures = vec![Vec::new(); MODES.len()];
    let mut ratios = vec![Vec::new(); MODES.len()];
    for round in 0..rounds {
        let mut order: Vec<usize> = (0..MODES.len()).collect();
        if round % 2 == 1 {
            order.reverse();
        }
        let mut this_round = vec![0.0; MODES.len()];
        for i in order {
            let (client, server) = &pairs[i];
            let took = measure(MODES[i], pool, client, server, count)?;
            this_round[i] = figure(count, took);
        }
        for i in 0..MODES.len() {
            figures[i].push(this_round[i]);
            ratios[i].push(this_round[i] / this_round[0]);
        }
    }
    let shown = |v: f64| {
        if is_rate {
            format!("{:.2} M", v / 1e6)
        } else {
            format!("{v:.2}")
        }
    };
    Ok(Row {
        name,
        medians: figures.iter_mut().map(|f| shown(median(f))).collect(),
        ratios: ratios[1..]
            .iter_mut()
            .map(|r| {
                let m = median(r);
                (m, r[0], r[r.len() - 1])
            })
            .collect(),
    })
}

/// The Markdown report of `rows`.
fn markdown(rows: &[Row], secs: f64, rounds: usize) -> String {
    let command: Vec<String> = std::env::args().skip(1).collect();
    let mut out = String::from("# Benchmarks: async against blocking\n\n");
    out += &format!(
        "- command: `cargo run --release -p libzmq --example async_perf -- {}`\n",
        command.join(" ")
    );
    out += &format!(
        "- machine: {} CPUs; method: {rounds} rounds of about {secs} s per \
         mode and case, modes alternated (forward, then backward), 32 B \
         messages; medians; a ratio is mode / blocking per round, median \
         (min–max). Throughput: higher is better; round trip: lower is \
         better.\n",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    out += "- modes: blocking = a thread per loop; async = a thread per loop, \
            each on its own tokio current-thread runtime (same topology); \
            async+tmo = the same with a 60 s socket timeout (the timer path); \
            async pool = both loops as tasks of a 2-worker tokio runtime; \
            async min = a thread per loop in `futures::executor::block_on`. \
            Issue 13's goal: async at most 10 % slower than blocking.\n\n";
    out += "| case, 32 B | blocking | async | async+tmo | async pool | async min | async / blocking | async+tmo / blocking | pool / blocking | min / blocking |\n";
    out += "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
    for row in rows {
        let ratio =
            |(m, lo, hi): (f64, f64, f64)| format!("{m:.2}× ({lo:.2}–{hi:.2})");
        let ratios: Vec<String> =
            row.ratios.iter().map(|&r| ratio(r)).collect();
        out += &format!(
            "| {} | {} | {} |\n",
            row.name,
            row.medians.join(" | "),
            ratios.join(" | ")
        );
    }
    out
}

fn main() -> Res<()> {
    let secs: f64 = arg("--secs", 0.3)?;
    let rounds: usize = arg("--rounds", 5)?;
    let only: String = arg("--only", String::new())?;
    let out: String = arg("--out", String::new())?;
    if rounds == 0 || secs <= 0.0 {
        anyhow::bail!("--rounds and --secs must be positive");
    }
    let pool = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()?;
    let ctx = Ctx::new();
    let mut rows = Vec::new();
    for case in CASES {
        if case.0.contains(&only) {
            let row = measure_case(&ctx, &pool, case, secs, rounds)?;
            let mut line =
                format!("{:<28} blocking {:>9}", row.name, row.medians[0]);
            for (i, name) in
                ["async", "async+tmo", "pool", "min"].iter().enumerate()
            {
                line += &format!(
                    "  {name} {:>9} ({:.2}×)",
                    row.medians[i + 1],
                    row.ratios[i].0
                );
            }
            println!("{line}");
            rows.push(row);
        }
    }
    if !out.is_empty() {
        std::fs::write(&out, markdown(&rows, secs, rounds))?;
        println!("written: {out}");
    }
    Ok(())
}
