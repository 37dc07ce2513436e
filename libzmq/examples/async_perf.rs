//! Async against blocking, on the same sockets and the same work: Client →
//! Server throughput and Client ↔ Server round trips, 32 B, over TCP and
//! inproc. Rounds alternate the modes (forward, then backward); the table
//! gives each mode's median over the rounds and the median of the per-round
//! ratios to blocking.
//!
//!     cargo run --release -p libzmq --example async_perf -- [--secs S] [--rounds N] [--only TEXT] [--out FILE [--append]]
//!
//! `--only TEXT` keeps the cases whose name contains TEXT; `--out FILE`
//! writes the table as Markdown, `--append` adds it
//! to the file instead (e.g. a pinned run under `taskset -c 1` after a free
//! one).
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
//! a round trip on the pinger, over all its trips (the mean, where the
//! compare tool gives the p50).
//!
//! The figures of `BENCHMARKS-async.md` come from the compare tool instead
//! (`cargo run --release -p interop --bin rs-perf -- compare --set async`:
//! the same comparison with the shapes, rounds and report of the other
//! benchmarks, and smol beside tokio); this example adds the modes it does
//! not have (no socket timeout, `futures::executor::block_on`).

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

/// What the median of a mode's rounds says: its figure, and its ratio to
/// blocking per round (median, min, max); the same for CPU time.
struct Stats {
    figure: f64,
    ratio: (f64, f64, f64),
    cpu_us: f64,
    cpu_ratio: (f64, f64, f64),
}

/// One case: its name and the stats of each mode, in [`MODES`] order.
struct Row {
    name: &'static str,
    is_rate: bool,
    modes: Vec<Stats>,
}

const CASES: [(&str, &str, Measure); 4] = [
    ("TCP throughput (msgs/s)", "tcp", throughput),
    ("inproc throughput (msgs/s)", "inproc", throughput),
    ("TCP round trip (µs)", "tcp", round_trips),
    ("inproc round trip (µs)", "inproc", round_trips),
];

const MODE_NAMES: [&str; 5] =
    ["blocking", "async", "async+tmo", "async pool", "async min"];

/// User + system CPU time of the whole process (every thread) so far.
fn cpu_time() -> Duration {
    // SAFETY: `getrusage` only writes the `rusage` it is given, which is a
    // plain C struct for which all-zero bytes are a valid value.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    let micros = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec as u64)
            + Duration::from_micros(t.tv_usec as u64)
    };
    micros(usage.ru_utime) + micros(usage.ru_stime)
}

/// The median, min and max of `values` (sorted in place).
fn spread(values: &mut [f64]) -> (f64, f64, f64) {
    let middle = median(values);
    (middle, values[0], values[values.len() - 1])
}

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
    let n = MODES.len();
    let (mut figures, mut ratios) = (vec![Vec::new(); n], vec![Vec::new(); n]);
    let (mut cpus, mut cpu_ratios) = (vec![Vec::new(); n], vec![Vec::new(); n]);
    for round in 0..rounds {
        let mut order: Vec<usize> = (0..n).collect();
        if round % 2 == 1 {
            order.reverse();
        }
        let mut this_round = vec![(0.0, 0.0); n];
        for i in order {
            let (client, server) = &pairs[i];
            let cpu_before = cpu_time();
            let took = measure(MODES[i], pool, client, server, count)?;
            let cpu = (cpu_time() - cpu_before).as_secs_f64() * 1e6;
            this_round[i] = (figure(count, took), cpu / count as f64);
        }
        for i in 0..n {
            figures[i].push(this_round[i].0);
            ratios[i].push(this_round[i].0 / this_round[0].0);
            cpus[i].push(this_round[i].1);
            cpu_ratios[i].push(this_round[i].1 / this_round[0].1);
        }
    }
    let modes = (0..n)
        .map(|i| Stats {
            figure: median(&mut figures[i]),
            ratio: spread(&mut ratios[i]),
            cpu_us: median(&mut cpus[i]),
            cpu_ratio: spread(&mut cpu_ratios[i]),
        })
        .collect();
    Ok(Row {
        name,
        is_rate,
        modes,
    })
}

impl Row {
    fn figure(&self, mode: usize) -> String {
        let value = self.modes[mode].figure;
        if self.is_rate {
            format!("{:.2} M", value / 1e6)
        } else {
            format!("{value:.2}")
        }
    }
}

fn ratio((m, lo, hi): (f64, f64, f64)) -> String {
    format!("{m:.2}× ({lo:.2}–{hi:.2})")
}

/// The Markdown header: what the tables measure.
fn markdown_header() -> String {
    let mut out = String::from("# Benchmarks: async against blocking\n\n");
    out += "Made by `cargo run --release -p libzmq --example async_perf -- \
            --out FILE` (free) and the same under \
            `taskset -c 1` with `--append` (pinned to one CPU); each table \
            says its command, date and load.\n\n";
    out += "- modes: blocking = a thread per loop; async = a thread per loop, \
            each on its own tokio current-thread runtime (same topology); \
            async+tmo = the same with a 60 s socket timeout (the timer path); \
            async pool = both loops as tasks of a 2-worker tokio runtime; \
            async min = a thread per loop in `futures::executor::block_on`.\n";
    out += "- method: rounds of about `--secs` per mode and case, modes \
            alternated (forward, then backward), 32 B messages; medians; a \
            ratio is mode / blocking per round, median (min–max). \
            Throughput: higher is better; round trip: lower is better. CPU: \
            user + system time of the process (all threads, the I/O thread \
            included) per message or round trip, from `getrusage`; it \
            depends much less on the machine's load than the times do. \
            Issue 13's goal: async at most 10 % slower than blocking.\n";
    out
}

/// One table of `rows`, with how it was made.
fn markdown(rows: &[Row], secs: f64, rounds: usize) -> String {
    let command: Vec<String> = std::env::args().skip(1).collect();
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load = load
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ");
    let date = std::process::Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    let mut out = format!(
        "\n## {}\n\n",
        if cpus == 1 { "pinned to 1 CPU" } else { "free" }
    );
    out += &format!(
        "- command: `cargo run --release -p libzmq --example async_perf -- {}`\n",
        command.join(" ")
    );
    out += &format!(
        "- {date}; {cpus} CPU(s) usable; {rounds} rounds of about {secs} s; \
         load average at the end of the run: {load}\n\n"
    );
    out += "| case, 32 B | mode | figure | / blocking | CPU µs | CPU / blocking |\n";
    out += "|---|---|---:|---:|---:|---:|\n";
    for row in rows {
        for (i, stats) in row.modes.iter().enumerate() {
            let (vs, cpu_vs) = if i == 0 {
                (String::new(), String::new())
            } else {
                (ratio(stats.ratio), ratio(stats.cpu_ratio))
            };
            out += &format!(
                "| {} | {} | {} | {vs} | {:.3} | {cpu_vs} |\n",
                if i == 0 { row.name } else { "" },
                MODE_NAMES[i],
                row.figure(i),
                stats.cpu_us,
            );
        }
    }
    out
}

fn main() -> Res<()> {
    let secs: f64 = arg("--secs", 0.3)?;
    let rounds: usize = arg("--rounds", 5)?;
    let only: String = arg("--only", String::new())?;
    let out: String = arg("--out", String::new())?;
    let append = std::env::args().any(|a| a == "--append");
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
            println!("{}", row.name);
            for (i, stats) in row.modes.iter().enumerate() {
                println!(
                    "  {:<10} {:>9} {:>24}   CPU {:>7.3} µs {:>24}",
                    MODE_NAMES[i],
                    row.figure(i),
                    ratio(stats.ratio),
                    stats.cpu_us,
                    ratio(stats.cpu_ratio)
                );
            }
            rows.push(row);
        }
    }
    if !out.is_empty() {
        let table = markdown(&rows, secs, rounds);
        if append {
            let mut file =
                std::fs::OpenOptions::new().append(true).open(&out)?;
            std::io::Write::write_all(&mut file, table.as_bytes())?;
        } else {
            std::fs::write(&out, markdown_header() + &table)?;
        }
        println!("written: {out}");
    }
    Ok(())
}
