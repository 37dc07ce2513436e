//! The side-by-side compare tool (`rs-perf compare`, `lz-perf compare`):
//! ours, C libzmq 4.3.5 and OMQ.rs measured in one process run, rounds
//! alternated A/B/C, C/B/A, …, in two modes (pinned to one CPU, and free),
//! written as a Markdown table (`BENCHMARKS.md`) and an SVG chart of
//! messages/s against message size (`docs/throughput.svg`).
//!
//! ```text
//! rs-perf compare [--quick] [--rounds N] [--secs S] [--mode both|pinned|free]
//!                 [--set core|classic|all|async] [--sizes B,B,..] [--idle N,N,..]
//!                 [--subs N,N,..] [--fanout N] [--only TEXT]
//!                 [--out FILE.md] [--section NAME] [--svg FILE.svg] [--note TEXT]
//! ```
//!
//! `--set`: the cases of issue #11 (`core`), of the classic types of issue
//! #12 (`classic`), or both (`all`, the default); or ours async against
//! ours blocking (`async`, issue #13: [`async_cases`], written as a section
//! of `BENCHMARKS-async.md` unless `--out`/`--section` say otherwise);
//! `--sizes`: the
//! Scatter→Gather TCP sweep (default 32 B … 1 MiB, 9 sizes); `--idle`: the
//! idle-client counts (default 1, 1000, 10000); `--subs`: the SUB counts of
//! the PUB→SUB cases (default 1, 100); `--fanout`: the SUBs of the fan-out
//! case (default 1000; `--quick`: 100); `--only`: keep the cases whose name
//! contains TEXT; `--note`: a line put at the top of the Markdown;
//! `--section NAME`: write the report as the section NAME of the `--out`
//! file (between `<!-- compare section: NAME -->` markers, replacing the
//! section of that name or appended), keeping the rest of the file. Full
//! run (the defaults): about 25–30 minutes on 2 cores.
//!
//! Cases of `core`: Scatter→Gather TCP over the sweep, Scatter→Gather
//! inproc 32 B, Client→Server TCP 32 B, CURVE Client→Server TCP 1 KiB,
//! round trips Client/Server TCP and inproc 32 B (p50), requests
//! Client→Server TCP 32 B from 8 clients (each on its own thread, or
//! OMQ.rs task, in strict request → reply loops to one echoing Server;
//! requests/s of all together, no goal: see [`super::requests`]), and a
//! Server with N idle clients (one Client streams 32 B; N more connected
//! C libzmq CLIENTs, in child processes `<tool> idle-clients ENDPOINT`,
//! said hello once and stay silent). Cases of `classic` ([`classic_cases`]):
//! PUSH→PULL TCP 32 B, 1 KiB, 64 KiB and inproc 32 B (like Scatter→Gather);
//! PUB→SUB TCP and inproc 32 B with 1 and 100 SUBs that all get every
//! message; and the fan-out: a PUB's send rate with 1 SUB and with 1000
//! SUBs each on its own prefix, every message matching one SUB (see
//! [`super::pubsub`] for the setup, the HWMs and what is timed). Goals of
//! issues #11 and #12 (ours / C libzmq; the fan-out: ours with 1000 SUBs ≥
//! 0.5× ours with 1) are checked in the table.
//!
//! The `async` set measures ours only, with [`ASYNC_CONTENDERS`]: the
//! blocking calls, then the async calls on tokio current-thread, tokio
//! multi-thread and smol (see [`super::rust_async`]), on Scatter→Gather TCP
//! 32 B and 1 KiB and inproc 32 B, and round trips Client/Server TCP and
//! inproc 32 B; its table gives each one's figure and, per runtime, the cost
//! async / blocking (time per message or round trip), with the goal of #13
//! (≤ 1.1) on the current-thread runtime. Rounds, alternation, modes and
//! medians are those of the other sets.
//!
//! * every case is measured with every implementation on pairs connected
//!   once per case and mode; each round runs each implementation for about
//!   `--secs` (message count calibrated from a short first run and from the
//!   previous round), in the order ours, C, OMQ on even rounds and the
//!   reverse on odd rounds;
//! * a round's ratio is ours / other of that round's figures (msgs/s, or
//!   p50 round-trip time); the table gives each implementation's median and
//!   the median ratio with its min–max;
//! * CPU time per message: `getrusage(RUSAGE_SELF)` user + sys over the
//!   round, divided by its messages (all threads of the process);
//! * pinned: the main thread is bound to one CPU with `sched_setaffinity`
//!   before the case's sockets (and their threads, which inherit it) exist;
//!   free: the process's original CPU set;
//! * `RLIMIT_NOFILE` is raised as far as allowed (to `fs.nr_open` as root
//!   with `CAP_SYS_RESOURCE`, else to the hard limit); the Server side of
//!   every idle connection is a descriptor here, so N is capped to the limit
//!   less a reserve (the cap is printed and written), and when the three
//!   implementations' setups do not fit at once, each round connects its
//!   setup afresh (marked ¹ in the table).
//!
//! Defaults: 9 rounds of 0.5 s, both modes, writes `BENCHMARKS.md` and
//! `docs/throughput.svg` in the current directory (the chart only when the
//! run has the sweep). `--quick`: 1 round of 0.1 s, a 3-size sweep, 1 and
//! 100 idle clients and a fan-out to 100 SUBs, writes nothing unless
//! `--out`/`--svg` are given (the table is always printed on stdout).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use libzmq::{Gather, Pull, Push, Scatter};

use super::lz_classic::{LzPubSub, LzPushPull};
use super::omq::{OmqPair, OmqPubSub, OmqRequests};
use super::pubsub::{Fan, Plan};
use super::requests;
use super::rust::{RsPair, RsPubSub, RsRequests};
use super::rust_async::{RsAsyncPair, Runtime};
use super::{
    Implementation, LatencyStats, LzPair, LzRequests, PerfError, Transport,
};

/// The implementations, in table order (ours first: ratios are ours / other).
pub const IMPLEMENTATIONS: [Implementation; 3] = [
    Implementation::Rust,
    Implementation::Libzmq,
    Implementation::Omq,
];

/// Who a case measures: an implementation (the `core` and `classic` sets),
/// or ours through its async calls on a runtime (the `async` set, against
/// ours blocking: [`Contender::Impl`] of [`Implementation::Rust`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Contender {
    Impl(Implementation),
    Async(Runtime),
}

impl Contender {
    /// Its name in progress lines and tables.
    pub fn name(self) -> &'static str {
        match self {
            Contender::Impl(Implementation::Rust) => "ours",
            Contender::Impl(Implementation::Libzmq) => "C libzmq",
            Contender::Impl(Implementation::Omq) => "OMQ.rs",
            Contender::Async(runtime) => runtime.name(),
        }
    }
}

/// The contenders of the `core` and `classic` sets, in
/// [`IMPLEMENTATIONS`] order.
pub const IMPL_CONTENDERS: [Contender; 3] = [
    Contender::Impl(IMPLEMENTATIONS[0]),
    Contender::Impl(IMPLEMENTATIONS[1]),
    Contender::Impl(IMPLEMENTATIONS[2]),
];

/// The contenders of the `async` set: ours blocking first (the ratios are
/// against it), then ours async on each [`Runtime`].
pub const ASYNC_CONTENDERS: [Contender; 4] = [
    Contender::Impl(Implementation::Rust),
    Contender::Async(Runtime::ALL[0]),
    Contender::Async(Runtime::ALL[1]),
    Contender::Async(Runtime::ALL[2]),
];

/// Message sizes of the throughput sweep (the chart).
pub const SWEEP_SIZES: [usize; 9] = [
    32,
    128,
    512,
    1024,
    4096,
    16 * 1024,
    64 * 1024,
    256 * 1024,
    1024 * 1024,
];

/// Numbers of idle clients of the "Server with N idle clients" cases.
pub const IDLE_CLIENTS: [usize; 3] = [1, 1000, 10_000];

/// What a case measures.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    /// Scatter → Gather throughput.
    ScatterGather { transport: Transport, size: usize },
    /// Client → Server throughput (over CURVE if `curve`), with `idle` more
    /// clients connected to the Server that said hello once.
    ClientServer {
        transport: Transport,
        size: usize,
        curve: bool,
        idle: usize,
    },
    /// Client → Server (echo) → Client round trips; the figure is the p50.
    RoundTrip { transport: Transport, size: usize },
    /// `clients` Clients, each on its own thread (OMQ.rs: task), making
    /// strict request → reply loops to one Server that echoes each request;
    /// the figure is requests per second, all Clients together (see
    /// [`super::requests`]).
    Requests {
        transport: Transport,
        size: usize,
        clients: usize,
    },
    /// PUSH → PULL throughput (the classic peer of Scatter → Gather).
    PushPull { transport: Transport, size: usize },
    /// One PUB and `subs` SUBs subscribed as `fan` says; the figure is
    /// messages published per second (see [`super::pubsub`] for what is
    /// timed).
    PubSub {
        transport: Transport,
        size: usize,
        subs: usize,
        fan: Fan,
    },
}

/// A goal of issue #11 or #12: ours / C libzmq at least (`AtLeast`) or at
/// most (`AtMost`) this; or (`OfOneSub`) ours at least this fraction of
/// ours in the same case with a single SUB (the fan-out goal of #12).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Goal {
    AtLeast(f64),
    AtMost(f64),
    OfOneSub(f64),
}

impl Goal {
    fn met(self, ratio: f64) -> bool {
        match self {
            Goal::AtLeast(g) | Goal::OfOneSub(g) => ratio >= g,
            Goal::AtMost(g) => ratio <= g,
        }
    }
}

impl std::fmt::Display for Goal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Goal::AtLeast(g) => write!(f, "≥ {g}×"),
            Goal::AtMost(g) => write!(f, "≤ {g}×"),
            Goal::OfOneSub(g) => write!(f, "ours ≥ {g}× ours with 1 SUB"),
        }
    }
}

/// One line of the table.
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    pub name: String,
    pub kind: Kind,
    pub goal: Option<Goal>,
}

/// A human size: `32 B`, `1 KiB`, `64 KiB`, `1 MiB`.
pub fn size_name(size: usize) -> String {
    if size >= 1 << 20 && size.is_multiple_of(1 << 20) {
        format!("{} MiB", size >> 20)
    } else if size >= 1 << 10 && size.is_multiple_of(1 << 10) {
        format!("{} KiB", size >> 10)
    } else {
        format!("{size} B")
    }
}

fn transport_name(t: Transport) -> &'static str {
    match t {
        Transport::Tcp => "TCP",
        Transport::Inproc => "inproc",
        Transport::Ipc => "IPC",
    }
}

/// The cases: the Scatter→Gather TCP sweep over `sizes`, then inproc,
/// Client→Server, CURVE, the round trips, the requests of
/// [`requests::CLIENTS`] Clients (no goal: it guards the many-client
/// request/reply path against regressions), and the idle-client Servers.
pub fn cases(sizes: &[usize], idle: &[usize]) -> Vec<Case> {
    let tcp = Transport::Tcp;
    let mut v: Vec<Case> = sizes
        .iter()
        .map(|&size| Case {
            name: format!("Scatter→Gather TCP {}", size_name(size)),
            kind: Kind::ScatterGather {
                transport: tcp,
                size,
            },
            goal: matches!(size, 32 | 1024 | 65536)
                .then_some(Goal::AtLeast(1.5)),
        })
        .collect();
    let cs = |size, curve, idle| Kind::ClientServer {
        transport: tcp,
        size,
        curve,
        idle,
    };
    v.push(Case {
        name: "Scatter→Gather inproc 32 B".into(),
        kind: Kind::ScatterGather {
            transport: Transport::Inproc,
            size: 32,
        },
        goal: Some(Goal::AtLeast(2.0)),
    });
    v.push(Case {
        name: "Client→Server TCP 32 B".into(),
        kind: cs(32, false, 0),
        goal: Some(Goal::AtLeast(1.5)),
    });
    v.push(Case {
        name: "CURVE Client→Server TCP 1 KiB".into(),
        kind: cs(1024, true, 0),
        goal: Some(Goal::AtLeast(1.2)),
    });
    for (transport, goal) in [(tcp, 0.7), (Transport::Inproc, 0.5)] {
        v.push(Case {
            name: format!(
                "Round trip Client/Server {} 32 B (p50)",
                transport_name(transport)
            ),
            kind: Kind::RoundTrip {
                transport,
                size: 32,
            },
            goal: Some(Goal::AtMost(goal)),
        });
    }
    v.push(Case {
        name: format!(
            "Requests Client→Server TCP 32 B, {} clients",
            requests::CLIENTS
        ),
        kind: Kind::Requests {
            transport: tcp,
            size: 32,
            clients: requests::CLIENTS,
        },
        goal: None,
    });
    for &n in idle {
        v.push(Case {
            name: format!(
                "Server with {n} idle client{}, TCP 32 B",
                if n == 1 { "" } else { "s" }
            ),
            kind: cs(32, false, n),
            goal: (n == 1000).then_some(Goal::AtLeast(1.5)),
        });
    }
    v
}

/// Message sizes of the PUSH → PULL TCP cases.
pub const PUSH_PULL_SIZES: [usize; 3] = [32, 1024, 64 * 1024];

/// SUB counts of the PUB → SUB cases (every SUB gets every message).
pub const PUB_SUB_SUBS: [usize; 2] = [1, 100];

/// SUBs of the fan-out case (each its own prefix), against 1 SUB.
pub const FAN_OUT_SUBS: usize = 1000;

/// The issue #11 goal for a transport and size, ours / C libzmq: TCP 32 B,
/// 1 KiB and 64 KiB ≥ 1.5×, inproc 32 B ≥ 2×.
fn throughput_goal(transport: Transport, size: usize) -> Option<Goal> {
    match (transport, size) {
        (Transport::Tcp, 32 | 1024 | 65536) => Some(Goal::AtLeast(1.5)),
        (Transport::Inproc, 32) => Some(Goal::AtLeast(2.0)),
        _ => None,
    }
}

fn subs_name(n: usize) -> String {
    format!("{n} SUB{}", if n == 1 { "" } else { "s" })
}

/// The cases of the classic types (issue #12): PUSH → PULL over TCP at
/// [`PUSH_PULL_SIZES`] and inproc 32 B; PUB → SUB 32 B with each of `subs`
/// SUBs subscribed to everything, TCP and inproc; and the fan-out: a PUB's
/// send rate with 1 SUB and with `fan_out` SUBs each on its own prefix,
/// TCP and inproc, 32 B.
pub fn classic_cases(subs: &[usize], fan_out: usize) -> Vec<Case> {
    let (tcp, inproc) = (Transport::Tcp, Transport::Inproc);
    let mut v: Vec<Case> = PUSH_PULL_SIZES
        .iter()
        .map(|&size| (tcp, size))
        .chain([(inproc, 32)])
        .map(|(transport, size)| Case {
            name: format!(
                "PUSH→PULL {} {}",
                transport_name(transport),
                size_name(size)
            ),
            kind: Kind::PushPull { transport, size },
            goal: throughput_goal(transport, size),
        })
        .collect();
    for transport in [tcp, inproc] {
        for &n in subs {
            v.push(Case {
                name: format!(
                    "PUB→SUB {} 32 B, {} (all get all)",
                    transport_name(transport),
                    subs_name(n)
                ),
                kind: Kind::PubSub {
                    transport,
                    size: 32,
                    subs: n,
                    fan: Fan::All,
                },
                goal: throughput_goal(transport, 32),
            });
        }
    }
    for transport in [tcp, inproc] {
        let mut counts = vec![1, fan_out];
        counts.dedup();
        for n in counts {
            v.push(Case {
                name: format!(
                    "PUB send rate {} 32 B, {} on own prefixes",
                    transport_name(transport),
                    subs_name(n)
                ),
                kind: Kind::PubSub {
                    transport,
                    size: 32,
                    subs: n,
                    fan: Fan::OwnPrefix,
                },
                goal: (n > 1).then_some(Goal::OfOneSub(0.5)),
            });
        }
    }
    v
}

/// The section `--set classic` writes in the `--out` file unless
/// `--section` names another.
pub const CLASSIC_SECTION: &str =
    "Classic socket types: PUSH/PULL and PUB/SUB (issue 12)";

/// The goal of issue #13: the async path costs at most 10 % more time per
/// message (or round trip) than the blocking one.
pub const ASYNC_GOAL: Goal = Goal::AtMost(1.1);

/// The cases of the `async` set (issue #13), the shapes of [`cases`]:
/// Scatter→Gather TCP 32 B and 1 KiB and inproc 32 B, round trips
/// Client/Server TCP and inproc 32 B (p50); each measured with
/// [`ASYNC_CONTENDERS`]. The goal applies to the async / blocking cost
/// (time per message or round trip).
pub fn async_cases() -> Vec<Case> {
    let (tcp, inproc) = (Transport::Tcp, Transport::Inproc);
    let mut v: Vec<Case> = [(tcp, 32), (tcp, 1024), (inproc, 32)]
        .into_iter()
        .map(|(transport, size)| Case {
            name: format!(
                "Scatter→Gather {} {}",
                transport_name(transport),
                size_name(size)
            ),
            kind: Kind::ScatterGather { transport, size },
            goal: Some(ASYNC_GOAL),
        })
        .collect();
    for transport in [tcp, inproc] {
        v.push(Case {
            name: format!(
                "Round trip Client/Server {} 32 B (p50)",
                transport_name(transport)
            ),
            kind: Kind::RoundTrip {
                transport,
                size: 32,
            },
            goal: Some(ASYNC_GOAL),
        });
    }
    v
}

/// The section `--set async` writes in the `--out` file unless `--section`
/// names another.
pub const ASYNC_SECTION: &str = "Async against blocking (issue 13)";

/// The file `--set async` writes unless `--out` names another.
pub const ASYNC_OUT: &str = "BENCHMARKS-async.md";

/// Which cases a run has: those of issue #11 (`core`), those of the
/// classic types (`classic`, see [`classic_cases`]), both (`all`), or ours
/// async against ours blocking (`async`, see [`async_cases`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseSet {
    Core,
    Classic,
    All,
    Async,
}

/// Pinned to one CPU, or free.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Pinned,
    Free,
}

impl std::fmt::Display for Mode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Mode::Pinned => "pinned to 1 CPU",
            Mode::Free => "free",
        })
    }
}

/// The tool's settings (see the module doc for the command line).
#[derive(Debug, Clone)]
pub struct Settings {
    pub rounds: usize,
    pub secs: f64,
    pub modes: Vec<Mode>,
    pub sizes: Vec<usize>,
    pub idle: Vec<usize>,
    /// Which cases run.
    pub set: CaseSet,
    /// SUB counts of the PUB → SUB cases.
    pub subs: Vec<usize>,
    /// SUBs of the fan-out case.
    pub fan_out: usize,
    /// Write the report as this section of `out` (replacing the section of
    /// that name, or appended), not as the whole file.
    pub section: Option<String>,
    /// Keep only the cases whose name contains this.
    pub only: Option<String>,
    pub out: Option<PathBuf>,
    pub svg: Option<PathBuf>,
    /// A line put at the top of the Markdown (e.g. "preliminary").
    pub note: Option<String>,
    /// The command line, for the report.
    pub command: String,
    /// `RLIMIT_NOFILE` in force (set by [`main`]).
    pub fd_limit: u64,
}

/// `a` as one shell word.
fn shell_quote(a: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_.,/=:".contains(c);
    if !a.is_empty() && a.chars().all(plain) {
        a.to_string()
    } else {
        format!("'{}'", a.replace('\'', "'\\''"))
    }
}

/// Parses `compare`'s arguments (after `compare`).
pub fn parse_args(program: &str, args: &[String]) -> Result<Settings, String> {
    let quick = args.iter().any(|a| a == "--quick" || a == "quick");
    let mut s = Settings {
        rounds: if quick { 1 } else { 9 },
        secs: if quick { 0.1 } else { 0.5 },
        modes: vec![Mode::Pinned, Mode::Free],
        sizes: if quick {
            vec![32, 1024, 65536]
        } else {
            SWEEP_SIZES.to_vec()
        },
        idle: if quick {
            vec![1, 100]
        } else {
            IDLE_CLIENTS.to_vec()
        },
        set: CaseSet::All,
        subs: PUB_SUB_SUBS.to_vec(),
        fan_out: if quick { 100 } else { FAN_OUT_SUBS },
        section: None,
        only: None,
        out: (!quick).then(|| PathBuf::from("BENCHMARKS.md")),
        svg: (!quick).then(|| PathBuf::from("docs/throughput.svg")),
        note: None,
        command: format!(
            "cargo run --release -p interop --bin {program} -- compare {}",
            args.iter()
                .map(|a| shell_quote(a))
                .collect::<Vec<_>>()
                .join(" ")
        )
        .trim_end()
        .to_string(),
        fd_limit: 1024,
    };
    // Given ones replace the defaults after the loop (those of `--set`).
    let (mut out, mut svg) = (None, None);
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = |what: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{what} needs a value"))
        };
        let bad = |what: &str, v: &str| format!("invalid {what}: {v:?}");
        match a.as_str() {
            "--quick" | "quick" => {}
            "--rounds" => {
                let v = value(a)?;
                s.rounds = v.parse().map_err(|_| bad(a, &v))?;
            }
            "--secs" => {
                let v = value(a)?;
                s.secs = v.parse().map_err(|_| bad(a, &v))?;
            }
            "--mode" => {
                s.modes = match value(a)?.as_str() {
                    "both" => vec![Mode::Pinned, Mode::Free],
                    "pinned" => vec![Mode::Pinned],
                    "free" => vec![Mode::Free],
                    v => return Err(bad(a, v)),
                }
            }
            "--set" => {
                s.set = match value(a)?.as_str() {
                    "core" => CaseSet::Core,
                    "classic" => CaseSet::Classic,
                    "all" => CaseSet::All,
                    "async" => CaseSet::Async,
                    v => return Err(bad(a, v)),
                }
            }
            "--fanout" => {
                let v = value(a)?;
                s.fan_out = v.parse().map_err(|_| bad(a, &v))?;
            }
            "--section" => s.section = Some(value(a)?),
            "--idle" | "--sizes" | "--subs" => {
                let v = value(a)?;
                let list = v
                    .split(',')
                    .map(|n| n.trim().parse::<usize>())
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|_| bad(a, &v))?;
                match a.as_str() {
                    "--idle" => s.idle = list,
                    "--subs" => s.subs = list,
                    _ => s.sizes = list,
                }
            }
            "--only" => s.only = Some(value(a)?),
            "--out" => out = Some(value(a)?.into()),
            "--svg" => svg = Some(value(a)?.into()),
            "--note" => s.note = Some(value(a)?),
            other => return Err(format!("unknown compare option {other:?}")),
        }
    }
    if s.rounds == 0 || s.secs <= 0.0 || s.sizes.contains(&0) {
        return Err("rounds, secs and sizes must be > 0".into());
    }
    if s.set == CaseSet::Classic && s.section.is_none() {
        s.section = Some(CLASSIC_SECTION.to_string());
    }
    if s.set == CaseSet::Async {
        // Its own file, as a section of it; no sweep, so no chart.
        s.section.get_or_insert_with(|| ASYNC_SECTION.to_string());
        s.out = s.out.as_ref().map(|_| PathBuf::from(ASYNC_OUT));
        s.svg = None;
    }
    s.out = out.or(s.out);
    s.svg = svg.or(s.svg);
    if s.subs.contains(&0) || s.fan_out == 0 {
        return Err("SUB counts must be > 0".into());
    }
    if s.section
        .as_ref()
        .is_some_and(|n| n.is_empty() || n.contains("--"))
    {
        return Err("--section needs a name without \"--\"".into());
    }
    Ok(s)
}

/// One connected setup of one implementation for one case.
enum Subject {
    Lz(LzPair),
    Rs(RsPair),
    RsScatterGather(RsPair<Gather, Scatter>),
    Omq(Box<OmqPair>),
    LzPushPull(LzPushPull),
    RsPushPull(RsPair<Pull, Push>),
    LzPubSub(LzPubSub),
    RsPubSub(RsPubSub),
    OmqPubSub(Box<OmqPubSub>),
    LzRequests(LzRequests),
    RsRequests(RsRequests),
    OmqRequests(Box<OmqRequests>),
    RsAsync(RsAsyncPair),
    RsAsyncScatterGather(RsAsyncPair<Gather, Scatter>),
}

impl Subject {
    fn new(contender: Contender, kind: Kind) -> Result<Self, PerfError> {
        match contender {
            Contender::Impl(implementation) => {
                Self::implementation(implementation, kind)
            }
            Contender::Async(runtime) => Self::ours_async(runtime, kind),
        }
    }

    /// Ours through the async calls: the Scatter→Gather, Client→Server
    /// (no CURVE, no idle clients) and round-trip shapes (not the
    /// many-client requests, nor the classic types).
    fn ours_async(runtime: Runtime, kind: Kind) -> Result<Self, PerfError> {
        Ok(match kind {
            Kind::ScatterGather { transport, .. } => {
                Subject::RsAsyncScatterGather(RsAsyncPair::scatter_gather(
                    transport, runtime,
                )?)
            }
            Kind::ClientServer {
                transport,
                curve: false,
                idle: 0,
                ..
            }
            | Kind::RoundTrip { transport, .. } => {
                Subject::RsAsync(RsAsyncPair::new(transport, runtime)?)
            }
            _ => return Err(PerfError::new("no async measure of this case")),
        })
    }

    fn implementation(
        implementation: Implementation,
        kind: Kind,
    ) -> Result<Self, PerfError> {
        use Implementation as I;
        Ok(match (kind, implementation) {
            (Kind::ScatterGather { transport, .. }, I::Libzmq) => {
                Subject::Lz(LzPair::scatter_gather(transport)?)
            }
            (Kind::ScatterGather { transport, .. }, I::Rust) => {
                Subject::RsScatterGather(RsPair::scatter_gather(transport)?)
            }
            (Kind::ScatterGather { transport, .. }, I::Omq) => {
                Subject::Omq(Box::new(OmqPair::scatter_gather(transport)?))
            }
            (
                Kind::ClientServer {
                    transport, curve, ..
                },
                implementation,
            ) => match (implementation, curve) {
                (I::Libzmq, false) => Subject::Lz(LzPair::new(transport)?),
                (I::Libzmq, true) => Subject::Lz(LzPair::new_curve(transport)?),
                (I::Rust, false) => Subject::Rs(RsPair::new(transport)?),
                (I::Rust, true) => Subject::Rs(RsPair::new_curve(transport)?),
                (I::Omq, false) => {
                    Subject::Omq(Box::new(OmqPair::new(transport)?))
                }
                (I::Omq, true) => {
                    Subject::Omq(Box::new(OmqPair::new_curve(transport)?))
                }
            },
            (Kind::RoundTrip { transport, .. }, I::Libzmq) => {
                Subject::Lz(LzPair::new(transport)?)
            }
            (Kind::RoundTrip { transport, .. }, I::Rust) => {
                Subject::Rs(RsPair::new(transport)?)
            }
            (Kind::RoundTrip { transport, .. }, I::Omq) => {
                Subject::Omq(Box::new(OmqPair::new(transport)?))
            }
            (Kind::PushPull { transport, .. }, I::Libzmq) => {
                Subject::LzPushPull(LzPushPull::new(transport)?)
            }
            (Kind::PushPull { transport, .. }, I::Rust) => {
                Subject::RsPushPull(RsPair::push_pull(transport)?)
            }
            (Kind::PushPull { transport, .. }, I::Omq) => {
                Subject::Omq(Box::new(OmqPair::push_pull(transport)?))
            }
            (
                Kind::PubSub {
                    transport,
                    subs,
                    fan,
                    ..
                },
                implementation,
            ) => {
                let plan = Plan::new(subs, fan)?;
                match implementation {
                    I::Libzmq => {
                        Subject::LzPubSub(LzPubSub::new(transport, plan)?)
                    }
                    I::Rust => {
                        Subject::RsPubSub(RsPubSub::new(transport, plan)?)
                    }
                    I::Omq => Subject::OmqPubSub(Box::new(OmqPubSub::new(
                        transport, plan,
                    )?)),
                }
            }
            (
                Kind::Requests {
                    transport, clients, ..
                },
                implementation,
            ) => match implementation {
                I::Libzmq => {
                    Subject::LzRequests(LzRequests::new(transport, clients)?)
                }
                I::Rust => {
                    Subject::RsRequests(RsRequests::new(transport, clients)?)
                }
                I::Omq => Subject::OmqRequests(Box::new(OmqRequests::new(
                    transport, clients,
                )?)),
            },
        })
    }

    /// The receiver's TCP endpoint (for idle clients).
    fn tcp_endpoint(&self) -> Result<String, PerfError> {
        let endpoint = match self {
            Subject::Lz(p) => Some(p.endpoint()),
            Subject::Rs(p) => p.tcp_endpoint()?,
            Subject::RsScatterGather(p) => p.tcp_endpoint()?,
            Subject::Omq(p) => Some(p.endpoint().to_string()),
            _ => None,
        };
        endpoint
            .ok_or_else(|| PerfError::new("idle clients need a TCP receiver"))
    }

    fn recv_any(&self, k: usize) -> Result<(), PerfError> {
        match self {
            Subject::Lz(p) => p.recv_any(k),
            Subject::Rs(p) => p.recv_any(k),
            Subject::RsScatterGather(p) => p.recv_any(k),
            Subject::Omq(p) => p.recv_any(k),
            _ => Err(PerfError::new("no idle clients for this case")),
        }
    }

    /// Throughput, or for PUB/SUB the publishing time (see
    /// [`super::pubsub`]), or for requests the time until the last reply
    /// (see [`super::requests`]).
    fn throughput(
        &mut self,
        size: usize,
        count: u64,
    ) -> Result<Duration, PerfError> {
        match self {
            Subject::Lz(p) => p.throughput(size, count),
            Subject::Rs(p) => p.throughput(size, count),
            Subject::RsScatterGather(p) => p.throughput(size, count),
            Subject::Omq(p) => p.throughput(size, count),
            Subject::LzPushPull(p) => p.throughput(size, count),
            Subject::RsPushPull(p) => p.throughput(size, count),
            Subject::LzPubSub(p) => p.publish(size, count),
            Subject::RsPubSub(p) => p.publish(size, count),
            Subject::OmqPubSub(p) => p.publish(size, count),
            Subject::LzRequests(p) => p.requests(size, count),
            Subject::RsRequests(p) => p.requests(size, count),
            Subject::OmqRequests(p) => p.requests(size, count),
            Subject::RsAsync(p) => p.throughput(size, count),
            Subject::RsAsyncScatterGather(p) => p.throughput(size, count),
        }
    }

    fn round_trips(
        &self,
        size: usize,
        count: u64,
    ) -> Result<Vec<Duration>, PerfError> {
        match self {
            Subject::Lz(p) => p.round_trips(size, count),
            Subject::Rs(p) => p.round_trips(size, count),
            Subject::Omq(p) => p.round_trips(size, count),
            Subject::RsAsync(p) => p.round_trips(size, count),
            _ => Err(PerfError::new("no round trips in this case")),
        }
    }
}

/// Idle clients connected at once: each batch's hellos are received before
/// the next batch connects (OMQ.rs admits few pending handshakes per
/// listener; with a thousand clients connecting at once some hellos never
/// arrived).
const IDLE_BATCH: usize = 16;

/// Idle clients per child process: a C libzmq CLIENT costs two
/// descriptors there (its mailbox and its connection).
pub const IDLE_PER_CHILD: usize = 4000;

/// `n` C libzmq CLIENTs in child processes (`<tool> idle-clients ENDPOINT`,
/// see [`idle_clients_child`]; at most [`IDLE_PER_CHILD`] each), connected
/// to a receiver, each of which said hello once and stays silent. In
/// children so that both ends of 10 000 connections need not fit one
/// process's descriptor limit; C libzmq so that every implementation's Server
/// faces the same clients. Dropping it ends the children.
pub struct IdleClients {
    children: Vec<(std::process::Child, Option<std::process::ChildStdin>)>,
}

impl IdleClients {
    /// Starts the children and connects `n` clients to `subject`'s
    /// receiver, in batches.
    fn connect(subject: &Subject, n: usize) -> Result<Self, PerfError> {
        use std::io::Write;
        use std::process::{Command, Stdio};
        let fail = |op: &'static str| {
            move |e: std::io::Error| PerfError {
                op,
                errno: 0,
                detail: Some(e.to_string()),
            }
        };
        let endpoint = subject.tcp_endpoint()?;
        let exe = std::env::current_exe().map_err(fail("current_exe"))?;
        let mut idle = IdleClients {
            children: Vec::new(),
        };
        let mut done = 0;
        while done < n {
            if done % IDLE_PER_CHILD == 0 {
                let mut child = Command::new(&exe)
                    .args(["idle-clients", &endpoint])
                    .stdin(Stdio::piped())
                    .stdout(Stdio::null())
                    .spawn()
                    .map_err(fail("spawn idle-clients"))?;
                let stdin = child.stdin.take();
                idle.children.push((child, stdin));
            }
            let batch = IDLE_BATCH
                .min(n - done)
                .min(IDLE_PER_CHILD - done % IDLE_PER_CHILD);
            let (_, stdin) = idle.children.last_mut().expect("a child");
            let stdin = stdin.as_mut().expect("child stdin");
            writeln!(stdin, "{batch}")
                .and_then(|()| stdin.flush())
                .map_err(fail("write to idle-clients"))?;
            subject.recv_any(batch)?;
            done += batch;
        }
        Ok(idle)
    }
}

impl Drop for IdleClients {
    fn drop(&mut self) {
        // EOF on its stdin ends a child.
        for (_, stdin) in &mut self.children {
            drop(stdin.take());
        }
        for (child, _) in &mut self.children {
            let _ = child.wait();
        }
    }
}

/// The child of [`IdleClients`]: for each line `k` on stdin, connects `k` more
/// C libzmq CLIENTs to `endpoint`, each sending `hello`; at EOF, exits.
pub fn idle_clients_child(endpoint: &str) -> Result<(), String> {
    use std::io::BufRead;
    let limit = raise_fd_limit();
    let ctx = crate::lz::Ctx::new();
    ctx.set(crate::ffi::ZMQ_MAX_SOCKETS, limit.min(1 << 20) as i32)
        .map_err(|e| {
            format!("set ZMQ_MAX_SOCKETS: {}", crate::lz::strerror(e))
        })?;
    let mut clients = Vec::new();
    for line in std::io::stdin().lock().lines() {
        let line = line.map_err(|e| e.to_string())?;
        let k: usize = line
            .trim()
            .parse()
            .map_err(|_| format!("bad count {line:?}"))?;
        for _ in 0..k {
            let c = crate::lz::Socket::client(&ctx).map_err(|e| {
                format!("create CLIENT: {}", crate::lz::strerror(e))
            })?;
            c.set_sndtimeo(super::TIMEOUT_MS)
                .map_err(crate::lz::strerror)?;
            c.connect(endpoint).map_err(|e| {
                format!("connect {endpoint}: {}", crate::lz::strerror(e))
            })?;
            c.send(b"hello").map_err(|e| {
                format!("send hello: {}", crate::lz::strerror(e))
            })?;
            clients.push(c);
        }
    }
    drop(clients);
    Ok(())
}

/// A connected pair and, for an idle-client case, its idle clients.
struct Setup {
    // Drops first: the idle clients go before their Server.
    _idle: Option<IdleClients>,
    subject: Subject,
}

impl Setup {
    fn new(contender: Contender, kind: Kind) -> Result<Self, PerfError> {
        let subject = Subject::new(contender, kind)?;
        let idle = match kind {
            Kind::ClientServer { idle, .. } if idle > 0 => {
                Some(IdleClients::connect(&subject, idle)?)
            }
            _ => None,
        };
        Ok(Setup {
            _idle: idle,
            subject,
        })
    }
}

/// One implementation's figure in one round.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    /// Messages per second (throughput) or p50 round-trip time in µs.
    pub value: f64,
    /// Process CPU time (user + sys) per message (per round trip), µs.
    pub cpu_us: f64,
    /// Messages (round trips) in the round.
    pub count: u64,
    /// Time the round measured (receiver side, or the sum of round trips).
    pub elapsed: Duration,
}

fn cpu_time() -> Duration {
    // SAFETY: getrusage only writes the zero-initialised struct we pass.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    let tv = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec as u64)
            + Duration::from_micros(t.tv_usec as u64)
    };
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

fn measure(
    subject: &mut Subject,
    kind: Kind,
    count: u64,
) -> Result<Sample, PerfError> {
    let cpu0 = cpu_time();
    let (value, elapsed) = match kind {
        Kind::ScatterGather { size, .. }
        | Kind::ClientServer { size, .. }
        | Kind::PushPull { size, .. }
        | Kind::PubSub { size, .. }
        | Kind::Requests { size, .. } => {
            let elapsed = subject.throughput(size, count)?;
            (count as f64 / elapsed.as_secs_f64().max(1e-9), elapsed)
        }
        Kind::RoundTrip { transport, size } => {
            let samples = subject.round_trips(size, count)?;
            let stats = LatencyStats::new(
                Implementation::Rust,
                transport,
                size,
                &samples,
            );
            (stats.p50_rtt_us, stats.elapsed)
        }
    };
    let cpu = cpu_time().saturating_sub(cpu0);
    Ok(Sample {
        value,
        cpu_us: cpu.as_secs_f64() * 1e6 / count as f64,
        count,
        elapsed,
    })
}

/// The count that should take `secs` at the rate of `sample`.
fn next_count(sample: &Sample, secs: f64) -> u64 {
    let per_sec = sample.count as f64 / sample.elapsed.as_secs_f64().max(1e-9);
    ((per_sec * secs * 1.05) as u64).clamp(10, 1 << 32)
}

/// A short first run that sets the count of the first round.
fn calibrate(
    subject: &mut Subject,
    kind: Kind,
    secs: f64,
) -> Result<u64, PerfError> {
    let mut count = 64;
    loop {
        let s = measure(subject, kind, count)?;
        if s.elapsed.as_secs_f64() >= (secs / 10.0).min(0.05)
            || count >= 1 << 30
        {
            return Ok(next_count(&s, secs));
        }
        count *= 4;
    }
}

/// One case's samples, per contender (in `contenders` order), or why it
/// could not run.
#[derive(Debug, Clone)]
pub struct CaseResult {
    pub case: Case,
    /// [`IMPL_CONTENDERS`] or [`ASYNC_CONTENDERS`].
    pub contenders: Vec<Contender>,
    pub samples: Vec<Result<Vec<Sample>, String>>,
    /// What setting up each contender's pair (and idle clients) added.
    pub footprints: Vec<(Contender, Footprint)>,
    /// Each round connected its setup afresh (the three did not fit the
    /// descriptor limit at once).
    pub reconnected: bool,
}

impl CaseResult {
    /// Whether it compares the implementations (not async / blocking).
    fn of_implementations(&self) -> bool {
        self.contenders == IMPL_CONTENDERS
    }
}

/// All cases of one mode.
#[derive(Debug, Clone)]
pub struct ModeResult {
    pub mode: Mode,
    pub cases: Vec<CaseResult>,
}

/// Saved CPU set of the process, restored for the free mode.
fn affinity() -> libc::cpu_set_t {
    // SAFETY: sched_getaffinity writes at most `size_of::<cpu_set_t>()`
    // bytes into the zeroed set.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::sched_getaffinity(
            0,
            std::mem::size_of::<libc::cpu_set_t>(),
            &mut set,
        );
        set
    }
}

fn set_affinity(set: &libc::cpu_set_t) -> Result<(), PerfError> {
    // SAFETY: `set` is a valid cpu_set_t of the size passed.
    let rc = unsafe {
        libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), set)
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(PerfError::new("sched_setaffinity"))
    }
}

/// The first CPU of `set`, alone.
fn first_cpu(set: &libc::cpu_set_t) -> (usize, libc::cpu_set_t) {
    let cpu = (0..libc::CPU_SETSIZE as usize)
        // SAFETY: cpu < CPU_SETSIZE.
        .find(|&c| unsafe { libc::CPU_ISSET(c, set) })
        .unwrap_or(0);
    // SAFETY: zeroed is a valid empty set; cpu < CPU_SETSIZE.
    let one = unsafe {
        let mut one: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpu, &mut one);
        one
    };
    (cpu, one)
}

/// Raises `RLIMIT_NOFILE` as far as allowed (as root, the hard limit too, up
/// to `fs.nr_open`); returns the soft limit in force.
pub fn raise_fd_limit() -> u64 {
    let nr_open = std::fs::read_to_string("/proc/sys/fs/nr_open")
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok())
        .unwrap_or(0);
    // SAFETY: getrlimit/setrlimit read and write the struct we pass.
    unsafe {
        let mut lim: libc::rlimit = std::mem::zeroed();
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim);
        let want = nr_open.max(lim.rlim_max as u64);
        let raised = libc::rlimit {
            rlim_cur: want as libc::rlim_t,
            rlim_max: want as libc::rlim_t,
        };
        if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) != 0 {
            let soft = libc::rlimit {
                rlim_cur: lim.rlim_max,
                rlim_max: lim.rlim_max,
            };
            libc::setrlimit(libc::RLIMIT_NOFILE, &soft);
        }
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim);
        lim.rlim_cur as u64
    }
}

/// Descriptors kept free for everything but the idle clients' connections.
const FD_RESERVE: u64 = 1024;

/// The idle-client count that fits `fd_limit`: the Server side of every
/// idle connection is in this process (the clients are in a child), one
/// implementation at a time at least.
pub fn idle_cap(fd_limit: u64) -> usize {
    fd_limit.saturating_sub(FD_RESERVE) as usize
}

/// Whether the three implementations' setups of `case` fit in this
/// process's descriptors at once; if not, each round connects its
/// implementation's setup afresh and closes it after.
fn all_fit(case: &Case, fd_limit: u64) -> bool {
    match case.kind {
        Kind::ClientServer { idle, .. } => {
            IMPLEMENTATIONS.len() as u64 * (idle as u64 + 64) + FD_RESERVE
                <= fd_limit
        }
        // A SUB costs up to 3 descriptors here (C libzmq: its mailbox and
        // both ends of its TCP connection).
        Kind::PubSub { subs, .. } => {
            IMPLEMENTATIONS.len() as u64 * (3 * subs as u64 + 64) + FD_RESERVE
                <= fd_limit
        }
        _ => true,
    }
}

/// Runs every case in every mode (progress on stderr) and returns the
/// results; `settings.idle` must already be capped.
pub fn run(settings: &Settings) -> Result<Vec<ModeResult>, PerfError> {
    let core = match settings.set {
        CaseSet::Core | CaseSet::All => cases(&settings.sizes, &settings.idle),
        CaseSet::Classic | CaseSet::Async => Vec::new(),
    };
    let classic = match settings.set {
        CaseSet::Classic | CaseSet::All => {
            classic_cases(&settings.subs, settings.fan_out)
        }
        CaseSet::Core | CaseSet::Async => Vec::new(),
    };
    let contenders: &[Contender] = match settings.set {
        CaseSet::Async => &ASYNC_CONTENDERS,
        _ => &IMPL_CONTENDERS,
    };
    let asynch = match settings.set {
        CaseSet::Async => async_cases(),
        _ => Vec::new(),
    };
    let cases: Vec<Case> = core
        .into_iter()
        .chain(classic)
        .chain(asynch)
        .filter(|c| {
            settings
                .only
                .as_ref()
                .is_none_or(|o| c.name.contains(o.as_str()))
        })
        .collect();
    let all = affinity();
    let (cpu, one) = first_cpu(&all);
    let started = Instant::now();
    let mut results = Vec::new();
    for &mode in &settings.modes {
        match mode {
            Mode::Pinned => set_affinity(&one)?,
            Mode::Free => set_affinity(&all)?,
        }
        let label = match mode {
            Mode::Pinned => format!("pinned to CPU {cpu}"),
            Mode::Free => "free".to_string(),
        };
        let mut mode_result = ModeResult {
            mode,
            cases: Vec::new(),
        };
        for (i, case) in cases.iter().enumerate() {
            let progress = |j, line: String| {
                let t = started.elapsed().as_secs();
                eprintln!(
                    "[{:02}:{:02} {label}] case {}/{} {}: round {j}/{}: {line}",
                    t / 60,
                    t % 60,
                    i + 1,
                    cases.len(),
                    case.name,
                    settings.rounds
                )
            };
            mode_result
                .cases
                .push(run_case(settings, case, contenders, progress));
        }
        results.push(mode_result);
    }
    set_affinity(&all)?;
    Ok(results)
}

/// Measures `case` with each of `contenders`, rounds alternated.
fn run_case(
    settings: &Settings,
    case: &Case,
    contenders: &[Contender],
    progress: impl Fn(usize, String),
) -> CaseResult {
    let n = contenders.len();
    let reconnect = !all_fit(case, settings.fd_limit);
    let mut footprints = Vec::new();
    // Per contender: its setup (None between rounds when `reconnect`)
    // and the message count of its next round; or why it failed.
    let mut slots: Vec<Result<(Option<Setup>, u64), String>> = contenders
        .iter()
        .map(|&who| {
            progress(0, format!("setting up {}", who.name()));
            let before = Footprint::now();
            let mut s =
                Setup::new(who, case.kind).map_err(|e| e.to_string())?;
            let grown = Footprint::now().minus(before);
            footprints.push((who, grown));
            progress(
                0,
                format!(
                    "{} set up: +{} descriptors, +{} KiB RSS",
                    who.name(),
                    grown.fds,
                    grown.rss_kib
                ),
            );
            let count = calibrate(&mut s.subject, case.kind, settings.secs)
                .map_err(|e| e.to_string())?;
            Ok(((!reconnect).then_some(s), count))
        })
        .collect();
    let mut samples: Vec<Result<Vec<Sample>, String>> = slots
        .iter()
        .map(|s| match s {
            Ok(_) => Ok(Vec::new()),
            Err(e) => Err(e.clone()),
        })
        .collect();
    for round in 0..settings.rounds {
        let order: Vec<usize> = if round % 2 == 0 {
            (0..n).collect()
        } else {
            (0..n).rev().collect()
        };
        let mut line = String::new();
        for idx in order {
            let Ok((setup, count)) = &mut slots[idx] else {
                continue;
            };
            let measured =
                match setup {
                    Some(s) => measure(&mut s.subject, case.kind, *count),
                    None => Setup::new(contenders[idx], case.kind).and_then(
                        |mut s| measure(&mut s.subject, case.kind, *count),
                    ),
                };
            match measured {
                Ok(s) => {
                    *count = next_count(&s, settings.secs);
                    let _ = write!(
                        line,
                        "{} {}  ",
                        contenders[idx].name(),
                        figure(case.kind, s.value)
                    );
                    if let Ok(v) = &mut samples[idx] {
                        v.push(s);
                    }
                }
                Err(e) => {
                    samples[idx] = Err(e.to_string());
                    slots[idx] = Err(e.to_string());
                }
            }
        }
        progress(round + 1, line);
    }
    CaseResult {
        case: case.clone(),
        contenders: contenders.to_vec(),
        samples,
        footprints,
        reconnected: reconnect,
    }
}

/// Open descriptors and resident memory of the process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Footprint {
    pub fds: i64,
    pub rss_kib: i64,
}

impl Footprint {
    fn now() -> Self {
        let fds =
            std::fs::read_dir("/proc/self/fd").map_or(0, |d| d.count() as i64);
        let rss_kib = first_line_of("/proc/self/status", "VmRSS")
            .and_then(|v| v.trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0);
        Footprint { fds, rss_kib }
    }

    fn minus(self, before: Footprint) -> Footprint {
        Footprint {
            fds: self.fds - before.fds,
            rss_kib: self.rss_kib - before.rss_kib,
        }
    }
}

fn is_latency(kind: Kind) -> bool {
    matches!(kind, Kind::RoundTrip { .. })
}

/// `3.62 M msg/s`, `451 k msg/s`, `12.3 µs`.
pub fn figure(kind: Kind, value: f64) -> String {
    if is_latency(kind) {
        format!("{value:.1} µs")
    } else if value >= 1e6 {
        format!("{:.2} M/s", value / 1e6)
    } else if value >= 1e3 {
        format!("{:.1} k/s", value / 1e3)
    } else {
        format!("{value:.0} /s")
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Median, min and max of the per-round ratios a / b.
pub fn ratio(a: &[Sample], b: &[Sample]) -> Option<(f64, f64, f64)> {
    let r: Vec<f64> = a.iter().zip(b).map(|(a, b)| a.value / b.value).collect();
    if r.is_empty() {
        return None;
    }
    let min = r.iter().copied().fold(f64::INFINITY, f64::min);
    let max = r.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    Some((median(r), min, max))
}

/// The median figure of an implementation's samples.
pub fn median_value(s: &[Sample]) -> f64 {
    median(s.iter().map(|s| s.value).collect())
}

fn ratio_cell(r: Option<(f64, f64, f64)>) -> String {
    match r {
        Some((m, lo, hi)) => {
            // Two decimals, or three significant digits below 0.1.
            let f = |x: f64| {
                if x >= 0.1 || x == 0.0 {
                    format!("{x:.2}")
                } else {
                    let decimals = (2.0 - x.log10().floor()) as usize;
                    format!("{x:.decimals$}")
                }
            };
            format!("{}× ({}–{})", f(m), f(lo), f(hi))
        }
        None => "—".into(),
    }
}

/// Ours in PUB/SUB case `c` over ours in the same case with a single SUB
/// (medians), if both ran.
fn one_sub_ratio(mode: &ModeResult, c: &CaseResult) -> Option<f64> {
    let Kind::PubSub {
        transport,
        size,
        fan,
        ..
    } = c.case.kind
    else {
        return None;
    };
    let one = Kind::PubSub {
        transport,
        size,
        subs: 1,
        fan,
    };
    let ours = |c: &CaseResult| match &c.samples[0] {
        Ok(v) if !v.is_empty() => Some(median_value(v)),
        _ => None,
    };
    let base = mode.cases.iter().find(|b| b.case.kind == one)?;
    Some(ours(c)? / ours(base)?)
}

/// A contender's median figure in case `c` (or why there is none).
fn figure_cell(c: &CaseResult, i: usize) -> String {
    match &c.samples[i] {
        Ok(v) if !v.is_empty() => figure(c.case.kind, median_value(v)),
        Ok(_) => "—".into(),
        Err(e) => format!("failed: {e}"),
    }
}

/// The median CPU µs per message of every contender of `c`, `a / b / …`.
fn cpu_cells(c: &CaseResult) -> String {
    let cpu: Vec<String> = c
        .samples
        .iter()
        .map(|s| match s {
            Ok(v) if !v.is_empty() => {
                format!("{:.2}", median(v.iter().map(|s| s.cpu_us).collect()))
            }
            _ => "—".into(),
        })
        .collect();
    cpu.join(" / ")
}

/// `goal ✓` or `goal ✗` for the median ratio `m`.
fn goal_cell(g: Goal, m: f64) -> String {
    format!("{g} {}", if g.met(m) { "✓" } else { "✗" })
}

/// The Markdown table of one mode: the implementations' cases, then the
/// async ones (each in its own table).
pub fn table(mode: &ModeResult) -> String {
    let mut t = String::new();
    let _ = writeln!(t, "### {}\n", mode.mode);
    let (impls, asynch): (Vec<&CaseResult>, Vec<&CaseResult>) =
        mode.cases.iter().partition(|c| c.of_implementations());
    if !impls.is_empty() {
        t.push_str(&implementations_table(mode, &impls));
    }
    if !asynch.is_empty() {
        if !impls.is_empty() {
            t.push('\n');
        }
        t.push_str(&async_table(&asynch));
    }
    t
}

/// The table of ours async against ours blocking: each figure, and per
/// runtime the cost async / blocking (time per message or round trip:
/// blocking / async msgs/s, async / blocking p50), median (min–max) of the
/// rounds; the goal of #13 on the current-thread runtime (the blocking
/// topology, a thread per loop).
fn async_table(cases: &[&CaseResult]) -> String {
    let mut t = String::new();
    let names: Vec<&str> = ASYNC_CONTENDERS.iter().map(|c| c.name()).collect();
    let _ = writeln!(
        t,
        "| case | blocking | {} | cost / blocking | goal | {} | cost / blocking | {} | cost / blocking | CPU µs per msg ({}) |",
        names[1],
        names[2],
        names[3],
        ["blocking", "tokio CT", "tokio MT", "smol"].join(" / ")
    );
    let _ = writeln!(t, "|---|---:|---:|---:|---|---:|---:|---:|---:|---|");
    for c in cases {
        let ok = |i: usize| c.samples[i].as_ref().ok().map(|v| v.as_slice());
        let cost = |i: usize| {
            let (blocking, asynch) = (ok(0)?, ok(i)?);
            if is_latency(c.case.kind) {
                ratio(asynch, blocking)
            } else {
                ratio(blocking, asynch)
            }
        };
        let goal = match (c.case.goal, cost(1)) {
            (Some(g), Some((m, ..))) => goal_cell(g, m),
            (Some(g), None) => g.to_string(),
            (None, _) => String::new(),
        };
        let _ = writeln!(
            t,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            c.case.name,
            figure_cell(c, 0),
            figure_cell(c, 1),
            ratio_cell(cost(1)),
            goal,
            figure_cell(c, 2),
            ratio_cell(cost(2)),
            figure_cell(c, 3),
            ratio_cell(cost(3)),
            cpu_cells(c)
        );
    }
    t
}

/// The table of ours against C libzmq and OMQ.rs.
fn implementations_table(mode: &ModeResult, cases: &[&CaseResult]) -> String {
    let mut t = String::new();
    let _ = writeln!(
        t,
        "| case | ours | C libzmq 4.3.5 | OMQ.rs | ours / C libzmq | goal | ours / OMQ.rs | CPU µs per msg (ours / C / OMQ) |"
    );
    let _ = writeln!(t, "|---|---:|---:|---:|---:|---|---:|---|");
    for &c in cases {
        let ok = |i: usize| c.samples[i].as_ref().ok().map(|v| v.as_slice());
        let r = |i: usize| ok(0).zip(ok(i)).and_then(|(a, b)| ratio(a, b));
        let goal = match (c.case.goal, r(1)) {
            (Some(g @ Goal::OfOneSub(_)), _) => match one_sub_ratio(mode, c) {
                Some(m) => {
                    format!("{g}: {m:.2}× {}", if g.met(m) { "✓" } else { "✗" })
                }
                None => g.to_string(),
            },
            (Some(g), Some((m, ..))) => goal_cell(g, m),
            (Some(g), None) => g.to_string(),
            (None, _) => String::new(),
        };
        let name = if c.reconnected {
            format!("{} ¹", c.case.name)
        } else {
            c.case.name.clone()
        };
        let _ = writeln!(
            t,
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            name,
            figure_cell(c, 0),
            figure_cell(c, 1),
            figure_cell(c, 2),
            ratio_cell(r(1)),
            goal,
            ratio_cell(r(2)),
            cpu_cells(c)
        );
    }
    if cases.iter().any(|c| c.reconnected) {
        let _ = writeln!(
            t,
            "\n¹ the three setups did not fit the descriptor limit at once: each round connected its implementation's Server and idle clients afresh (still alternated)."
        );
    }
    if cases
        .iter()
        .any(|c| matches!(c.case.kind, Kind::PubSub { .. }))
    {
        let _ = writeln!(
            t,
            "\nPUB→SUB: SUBs subscribed and probed before timing (the PUB publishes probes until every SUB got one, then an end message each SUB reads up to); nothing dropped: ours and C libzmq with the PUB's send HWM and the SUBs' receive HWMs 0 (unlimited), OMQ.rs (no unlimited queues) with `xpub_nodrop` on its PUB. One receiver thread polls all SUBs (ours: `Poller`, C: `zmq_poll`; OMQ.rs: a task per SUB). \"All get all\": messages/s published, timed from the first send until every SUB has every message. \"Send rate\": SUB `i` subscribes to its own prefix (`0042`), message `j` goes to SUB `j mod N`; timed on the PUB from the first send to the return of the last; ours and C libzmq take the messages after that (their SUBs' I/O threads still read meanwhile), OMQ.rs's receiver tasks meanwhile (its queues are bounded); every message is checked to arrive. Goal of #12: ours with 1000 SUBs at least 0.5× ours with 1 SUB (medians)."
        );
    }
    if cases
        .iter()
        .any(|c| matches!(c.case.kind, Kind::Requests { .. }))
    {
        let _ = writeln!(
            t,
            "\nRequests: one Server echoing every request to its sender on a thread of its own (OMQ.rs: a task), N Clients each on its own thread (OMQ.rs: a task on the same 2-worker runtime) in strict request → reply loops, a round's requests split evenly over them; connections up (one request each) before timing; requests/s of all Clients together, from the start signal until the last Client got its last reply; every reply checked."
        );
    }
    let has_idle = cases.iter().any(
        |c| matches!(c.case.kind, Kind::ClientServer { idle, .. } if idle > 0),
    );
    let _ = has_idle && writeln!(
        t,
        "\nIdle clients: C libzmq CLIENTs in child processes ({IDLE_PER_CHILD} at most each), each said hello once (connected {IDLE_BATCH} at a time)."
    )
    .is_ok();
    t
}

fn first_line_of(path: &str, key: &str) -> Option<String> {
    std::fs::read_to_string(path).ok()?.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        (k.trim() == key).then(|| v.trim().to_string())
    })
}

fn now_utc() -> String {
    std::process::Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|| "unknown date".into())
}

/// The whole `BENCHMARKS.md`.
pub fn markdown(
    settings: &Settings,
    results: &[ModeResult],
    capped: Option<(usize, u64)>,
) -> String {
    let mut t = String::new();
    match &settings.section {
        Some(name) => {
            let _ = writeln!(t, "## {name}\n");
        }
        None if settings.set == CaseSet::Async => {
            let _ = writeln!(t, "# Benchmarks: async against blocking\n");
        }
        None => {
            let _ =
                writeln!(t, "# Benchmarks: ours vs C libzmq 4.3.5 vs OMQ.rs\n");
        }
    }
    if let Some(note) = &settings.note {
        let _ = writeln!(t, "> **{note}**\n");
    }
    let nproc = std::thread::available_parallelism().map_or(0, |n| n.get());
    let cpu = first_line_of("/proc/cpuinfo", "model name")
        .unwrap_or_else(|| "unknown CPU".into());
    let _ = writeln!(t, "- machine: {nproc} CPUs (`nproc`), {cpu}");
    let _ = writeln!(t, "- date: {}", now_utc());
    let _ = writeln!(t, "- command: `{}`", settings.command);
    if settings.set == CaseSet::Async {
        async_method(&mut t, settings);
    } else {
        implementations_method(&mut t, settings);
    }
    if let Some((n, limit)) = capped {
        let _ = writeln!(
            t,
            "- **idle clients capped at {n}**: RLIMIT_NOFILE is {limit} here (the hard limit; raising it failed), and the Server's side of every idle connection is a descriptor of this process"
        );
    }
    if has_sweep(results) {
        let _ = writeln!(t, "\nChart: [docs/throughput.svg](docs/throughput.svg) (Scatter→Gather TCP, messages/s against message size).\n");
    } else {
        t.push('\n');
    }
    for m in results {
        t.push_str(&table(m));
        t.push('\n');
    }
    t.push_str(&idle_footprints(results));
    t
}

/// The method lines of the implementations' sets.
fn implementations_method(t: &mut String, settings: &Settings) {
    let _ = writeln!(
        t,
        "- method: {} round(s) of ≥ {} s per case and implementation, alternated (ours, C, OMQ; then OMQ, C, ours; …) in one process; medians; a ratio is ours / other per round, median (min–max). Throughput in messages/s (higher is better), round trips as p50 (lower is better). CPU: `getrusage(RUSAGE_SELF)` user + sys per message (per round trip), all threads.",
        settings.rounds, settings.secs
    );
    let _ = writeln!(
        t,
        "- implementations: ours = the `libzmq` crate of this repository; C libzmq = {}; OMQ.rs = crate `omq-tokio` 0.33 on a tokio runtime with 2 workers (send and receive as two tasks).",
        crate::LIBZMQ_BUILD_INFO
    );
    let _ = writeln!(
        t,
        "- shape: both ends in this process; ours and C: a context per side (TCP), one for inproc, sender on the main thread, receiver on a second thread; default HWMs (PUB→SUB: see the note under the tables); a fresh zero-filled message per send. Modes: pinned = every thread on one CPU (`sched_setaffinity`), free = all CPUs."
    );
}

/// The method lines of the `async` set.
fn async_method(t: &mut String, settings: &Settings) {
    let _ = writeln!(
        t,
        "- method: {} round(s) of ≥ {} s per case and contender, alternated (blocking, tokio current-thread, tokio multi-thread, smol; then the reverse; …) in one process; medians. Cost / blocking: the time per message (throughput) or per round trip (p50) of async over that of blocking, per round, median (min–max); goal of issue #13: ≤ 1.1 (async at most 10 % dearer) on the current-thread runtime. CPU: `getrusage(RUSAGE_SELF)` user + sys per message (per round trip), all threads, the I/O threads included. The machine is shared with other jobs: the times are noisy, the ratios of alternated rounds much less so.",
        settings.rounds, settings.secs
    );
    let _ = writeln!(
        t,
        "- contenders: ours (the `libzmq` crate of this repository) with the blocking calls (`send`, `recv`), and with the async ones (`send_async`, `recv_async`) on tokio current-thread (a thread per loop, each with its own runtime: the blocking topology), tokio multi-thread (both loops as tasks of one runtime with 2 workers) and smol (`smol::block_on`, a thread per loop); see `interop::perf::rust_async`."
    );
    let _ = writeln!(
        t,
        "- shape: the pairs of the implementations' table (a context per side for TCP, one for inproc, default HWMs, a fresh zero-filled message per send), the same pair type for blocking and async. Modes: pinned = every thread on one CPU (`sched_setaffinity`), free = all CPUs."
    );
}

/// Descriptors and memory per idle client (the setup's growth divided by
/// the number of idle clients), first mode only.
fn idle_footprints(results: &[ModeResult]) -> String {
    let mut t = String::new();
    let Some(mode) = results.first() else {
        return t;
    };
    for c in &mode.cases {
        let Kind::ClientServer { idle, .. } = c.case.kind else {
            continue;
        };
        if idle < 100 {
            continue;
        }
        if t.is_empty() {
            let _ = writeln!(
                t,
                "### Cost of an idle client (setup growth / N, {})\n",
                mode.mode
            );
            let _ = writeln!(t, "| N | implementation | descriptors per client | RSS KiB per client |");
            let _ = writeln!(t, "|---:|---|---:|---:|");
        }
        for (imp, f) in &c.footprints {
            let _ = writeln!(
                t,
                "| {idle} | {} | {:.2} | {:.1} |",
                imp.name(),
                f.fds as f64 / idle as f64,
                f.rss_kib as f64 / idle as f64
            );
        }
    }
    t
}

/// Whether any mode has a point of the Scatter→Gather TCP sweep (what the
/// chart shows).
fn has_sweep(results: &[ModeResult]) -> bool {
    results.iter().any(|m| {
        (0..IMPL_CONTENDERS.len()).any(|i| !sweep_points(m, i).is_empty())
    })
}

/// Marks the start of section `name` in a Markdown file.
fn section_begin(name: &str) -> String {
    format!("<!-- compare section: {name} -->")
}

/// Marks the end of section `name` in a Markdown file.
fn section_end(name: &str) -> String {
    format!("<!-- end of compare section: {name} -->")
}

/// `doc` with `text` as its section `name`: the section of that name
/// replaced, or appended if there is none.
pub fn with_section(doc: &str, name: &str, text: &str) -> String {
    let (begin, end) = (section_begin(name), section_end(name));
    let block = format!("{begin}\n{}\n{end}\n", text.trim());
    match (doc.find(&begin), doc.find(&end)) {
        (Some(b), Some(e)) if e > b => {
            let rest = doc[e + end.len()..].trim_start_matches('\n');
            let sep = if rest.is_empty() { "" } else { "\n" };
            format!("{}{block}{sep}{rest}", &doc[..b])
        }
        _ if doc.trim().is_empty() => block,
        _ => format!("{}\n\n{block}", doc.trim_end()),
    }
}

/// The sweep points of one implementation in one mode: (size, msgs/s).
fn sweep_points(mode: &ModeResult, imp: usize) -> Vec<(f64, f64)> {
    mode.cases
        .iter()
        .filter(|c| c.of_implementations())
        .filter_map(|c| match (c.case.kind, &c.samples[imp]) {
            (
                Kind::ScatterGather {
                    transport: Transport::Tcp,
                    size,
                },
                Ok(v),
            ) if !v.is_empty() => Some((size as f64, median_value(v))),
            _ => None,
        })
        .collect()
}

/// The SVG chart: one panel per mode, messages/s against message size (log
/// scales), one line per implementation.
pub fn chart(results: &[ModeResult], path: &Path) -> Result<(), String> {
    use plotters::prelude::*;
    let err = |e: &dyn std::fmt::Display| e.to_string();
    let width = 520 * results.len().max(1) as u32;
    let root = SVGBackend::new(path, (width, 420)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let panels = root.split_evenly((1, results.len().max(1)));
    let colors = [
        RGBColor(200, 60, 20),
        RGBColor(40, 90, 200),
        RGBColor(30, 150, 60),
    ];
    for (panel, mode) in panels.iter().zip(results) {
        let series: Vec<Vec<(f64, f64)>> = (0..IMPL_CONTENDERS.len())
            .map(|i| sweep_points(mode, i))
            .collect();
        let all = series.iter().flatten();
        let (x_lo, x_hi) = all
            .clone()
            .fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.0), b.max(p.0)));
        let (y_lo, y_hi) = all
            .fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.1), b.max(p.1)));
        if x_lo > x_hi {
            continue;
        }
        let mut chart = ChartBuilder::on(panel)
            .caption(
                format!("Scatter→Gather TCP, {}", mode.mode),
                ("sans-serif", 18),
            )
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(64)
            .build_cartesian_2d(
                (x_lo * 0.8..x_hi * 1.25).log_scale(),
                (y_lo * 0.5..y_hi * 2.0).log_scale(),
            )
            .map_err(|e| err(&e))?;
        chart
            .configure_mesh()
            .x_desc("message size (bytes)")
            .y_desc("messages/s")
            .x_label_formatter(&|&x| match x {
                x if x >= 1e6 => format!("{:.0} MB", x / 1e6),
                x if x >= 1e3 => format!("{:.0} kB", x / 1e3),
                x => format!("{x:.0} B"),
            })
            .y_label_formatter(&|y| {
                figure(
                    Kind::ScatterGather {
                        transport: Transport::Tcp,
                        size: 0,
                    },
                    *y,
                )
                .trim_end_matches("/s")
                .trim()
                .to_string()
            })
            .draw()
            .map_err(|e| err(&e))?;
        for (i, pts) in series.iter().enumerate() {
            if pts.is_empty() {
                continue;
            }
            let color = colors[i];
            chart
                .draw_series(LineSeries::new(
                    pts.iter().copied(),
                    color.stroke_width(2),
                ))
                .map_err(|e| err(&e))?
                .label(IMPL_CONTENDERS[i].name())
                .legend(move |(x, y)| {
                    PathElement::new(
                        vec![(x, y), (x + 18, y)],
                        color.stroke_width(2),
                    )
                });
            chart
                .draw_series(
                    pts.iter().map(|&p| Circle::new(p, 3, color.filled())),
                )
                .map_err(|e| err(&e))?;
        }
        chart
            .configure_series_labels()
            .border_style(BLACK)
            .background_style(WHITE.mix(0.8))
            .position(SeriesLabelPosition::UpperRight)
            .draw()
            .map_err(|e| err(&e))?;
    }
    root.present().map_err(|e| err(&e))?;
    Ok(())
}

/// `compare`: parses `args`, runs, prints the table on stdout, writes the
/// files.
pub fn main(program: &str, args: &[String]) -> Result<(), String> {
    let mut settings = parse_args(program, args)?;
    let limit = raise_fd_limit();
    settings.fd_limit = limit;
    let cap = idle_cap(limit);
    let mut capped = None;
    for n in &mut settings.idle {
        if *n > cap {
            eprintln!("{program}: {n} idle clients capped at {cap} (RLIMIT_NOFILE {limit})");
            *n = cap;
            capped = Some((cap, limit));
        }
    }
    settings.idle.dedup();
    eprintln!("{program} compare: C side {}", crate::LIBZMQ_BUILD_INFO);
    let started = Instant::now();
    let results = run(&settings).map_err(|e| e.to_string())?;
    let md = markdown(&settings, &results, capped);
    println!("{md}");
    if let Some(out) = &settings.out {
        let text = match &settings.section {
            Some(name) => {
                let doc = std::fs::read_to_string(out).unwrap_or_default();
                with_section(&doc, name, &md)
            }
            None => md,
        };
        write_file(out, text.as_bytes())?;
        eprintln!("{program}: wrote {}", out.display());
    }
    if settings.svg.is_some() && !has_sweep(&results) {
        eprintln!("{program}: no Scatter→Gather TCP sweep in this run, chart not written");
    } else if let Some(svg) = &settings.svg {
        if let Some(dir) = svg.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        chart(&results, svg)?;
        eprintln!("{program}: wrote {}", svg.display());
    }
    eprintln!(
        "{program} compare: {:.0} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn write_file(path: &Path, data: &[u8]) -> Result<(), String> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    std::fs::write(path, data).map_err(|e| format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(value: f64) -> Sample {
        Sample {
            value,
            cpu_us: 1.0,
            count: 10,
            elapsed: Duration::from_millis(500),
        }
    }

    #[test]
    fn ratios_are_per_round_with_min_and_max() {
        let ours = [sample(2.0), sample(3.0), sample(8.0)];
        let c = [sample(1.0), sample(1.0), sample(2.0)];
        assert_eq!(ratio(&ours, &c), Some((3.0, 2.0, 4.0)));
        assert_eq!(ratio(&[], &c), None);
        assert_eq!(ratio_cell(ratio(&ours, &c)), "3.00× (2.00–4.00)");
        assert_eq!(
            ratio_cell(Some((0.00123, 0.001, 0.05))),
            "0.00123× (0.00100–0.0500)"
        );
        assert_eq!(median_value(&[sample(1.0), sample(5.0)]), 3.0);
    }

    #[test]
    fn settings_and_cases() {
        let full = parse_args("rs-perf", &[]).unwrap();
        assert_eq!((full.rounds, full.secs), (9, 0.5));
        assert_eq!(full.modes, [Mode::Pinned, Mode::Free]);
        assert_eq!(full.out.as_deref(), Some(Path::new("BENCHMARKS.md")));
        let names: Vec<String> = cases(&full.sizes, &full.idle)
            .into_iter()
            .map(|c| c.name)
            .collect();
        for want in [
            "Scatter→Gather TCP 32 B",
            "Scatter→Gather TCP 1 MiB",
            "Scatter→Gather inproc 32 B",
            "Client→Server TCP 32 B",
            "CURVE Client→Server TCP 1 KiB",
            "Round trip Client/Server TCP 32 B (p50)",
            "Round trip Client/Server inproc 32 B (p50)",
            "Requests Client→Server TCP 32 B, 8 clients",
            "Server with 1 idle client, TCP 32 B",
            "Server with 10000 idle clients, TCP 32 B",
        ] {
            assert!(
                names.iter().any(|n| n == want),
                "{want} missing: {names:?}"
            );
        }
        // The sweep, inproc, Client→Server, CURVE, 2 round trips, the
        // requests, the idle clients; the requests right after the round
        // trips, with no goal.
        let core = cases(&full.sizes, &full.idle);
        assert_eq!(core.len(), SWEEP_SIZES.len() + 5 + 1 + IDLE_CLIENTS.len());
        let at = |name: &str| names.iter().position(|n| n == name).unwrap();
        let requests = at("Requests Client→Server TCP 32 B, 8 clients");
        assert_eq!(
            requests,
            at("Round trip Client/Server inproc 32 B (p50)") + 1
        );
        assert_eq!(
            core[requests].kind,
            Kind::Requests {
                transport: Transport::Tcp,
                size: 32,
                clients: requests::CLIENTS,
            }
        );
        assert_eq!(core[requests].goal, None);
        let args: Vec<String> = [
            "--quick", "--mode", "free", "--idle", "5,7", "--note", "it's",
        ]
        .map(String::from)
        .to_vec();
        let quick = parse_args("rs-perf", &args).unwrap();
        assert_eq!((quick.rounds, quick.secs), (1, 0.1));
        assert_eq!((quick.modes, quick.idle), (vec![Mode::Free], vec![5, 7]));
        assert_eq!(quick.out, None);
        assert!(quick.command.ends_with("--idle 5,7 --note 'it'\\''s'"));
        assert!(parse_args("rs-perf", &["--bogus".into()]).is_err());
    }

    #[test]
    fn classic_settings_and_cases() {
        let args: Vec<String> =
            ["--set", "classic", "--subs", "2,5", "--fanout", "30"]
                .map(String::from)
                .to_vec();
        let s = parse_args("rs-perf", &args).unwrap();
        assert_eq!(s.set, CaseSet::Classic);
        assert_eq!((s.subs, s.fan_out), (vec![2, 5], 30));
        assert_eq!(s.section.as_deref(), Some(CLASSIC_SECTION));
        assert!(parse_args("rs-perf", &["--subs".into(), "0".into()]).is_err());
        assert!(parse_args("rs-perf", &["--set".into(), "x".into()]).is_err());
        let quick = parse_args("rs-perf", &["--quick".into()]).unwrap();
        assert_eq!((quick.set, quick.fan_out), (CaseSet::All, 100));

        let cases = classic_cases(&[1, 100], 1000);
        let goal = |name: &str| {
            cases
                .iter()
                .find(|c| c.name == name)
                .unwrap_or_else(|| panic!("no {name:?}"))
                .goal
        };
        assert_eq!(goal("PUSH→PULL TCP 64 KiB"), Some(Goal::AtLeast(1.5)));
        assert_eq!(goal("PUSH→PULL inproc 32 B"), Some(Goal::AtLeast(2.0)));
        assert_eq!(
            goal("PUB→SUB TCP 32 B, 100 SUBs (all get all)"),
            Some(Goal::AtLeast(1.5))
        );
        assert_eq!(
            goal("PUB send rate inproc 32 B, 1000 SUBs on own prefixes"),
            Some(Goal::OfOneSub(0.5))
        );
        assert_eq!(goal("PUB send rate TCP 32 B, 1 SUB on own prefixes"), None);
        assert_eq!(cases.len(), 4 + 4 + 4);
    }

    #[test]
    fn async_settings_and_cases() {
        let full =
            parse_args("rs-perf", &["--set".into(), "async".into()]).unwrap();
        assert_eq!(full.set, CaseSet::Async);
        assert_eq!(full.out.as_deref(), Some(Path::new(ASYNC_OUT)));
        assert_eq!(full.section.as_deref(), Some(ASYNC_SECTION));
        assert_eq!(full.svg, None);
        let args: Vec<String> = ["--quick", "--set", "async", "--out", "x.md"]
            .map(String::from)
            .to_vec();
        let quick = parse_args("rs-perf", &args).unwrap();
        assert_eq!(quick.out.as_deref(), Some(Path::new("x.md")));
        let args: Vec<String> = ["--out", "y.md", "--set", "async"]
            .map(String::from)
            .to_vec();
        let given = parse_args("rs-perf", &args).unwrap();
        assert_eq!(given.out.as_deref(), Some(Path::new("y.md")));
        let core = parse_args("rs-perf", &["--quick".into()]).unwrap();
        assert_eq!((core.out, core.section), (None, None));

        let cases = async_cases();
        let names: Vec<&str> = cases.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "Scatter→Gather TCP 32 B",
                "Scatter→Gather TCP 1 KiB",
                "Scatter→Gather inproc 32 B",
                "Round trip Client/Server TCP 32 B (p50)",
                "Round trip Client/Server inproc 32 B (p50)",
            ]
        );
        assert!(cases.iter().all(|c| c.goal == Some(ASYNC_GOAL)));
        // The async contenders set up every async case; not CURVE, nor the
        // many-client requests.
        assert!(Subject::ours_async(
            Runtime::Smol,
            Kind::ClientServer {
                transport: Transport::Inproc,
                size: 32,
                curve: true,
                idle: 0,
            }
        )
        .is_err());
        let requests = Kind::Requests {
            transport: Transport::Tcp,
            size: 32,
            clients: 2,
        };
        assert!(
            Subject::ours_async(Runtime::TokioCurrentThread, requests).is_err()
        );
        assert!(cases.iter().all(|c| c.kind != requests));
    }

    /// The cost is time per message async / blocking: the inverse ratio of
    /// msgs/s for throughput, the ratio of p50s for round trips.
    #[test]
    fn async_table_gives_the_cost_against_blocking() {
        let result = |kind, values: [f64; 4]| CaseResult {
            case: Case {
                name: "case".into(),
                kind,
                goal: Some(ASYNC_GOAL),
            },
            contenders: ASYNC_CONTENDERS.to_vec(),
            samples: values.iter().map(|&v| Ok(vec![sample(v)])).collect(),
            footprints: Vec::new(),
            reconnected: false,
        };
        let (tcp, size) = (Transport::Tcp, 32);
        let thr = result(
            Kind::ScatterGather {
                transport: tcp,
                size,
            },
            [2e6, 1e6, 2e6, 4e6],
        );
        let rtt = result(
            Kind::RoundTrip {
                transport: tcp,
                size,
            },
            [10.0, 10.5, 30.0, 5.0],
        );
        let text = async_table(&[&thr, &rtt]);
        let rows: Vec<&str> = text.lines().skip(2).collect();
        assert_eq!(rows.len(), 2, "{text}");
        assert!(
            rows[0].contains("| 2.00× (2.00–2.00) | ≤ 1.1× ✗ |")
                && rows[0].contains("| 1.00× (1.00–1.00) |")
                && rows[0].contains("| 0.50× (0.50–0.50) |"),
            "{text}"
        );
        assert!(
            rows[1].contains("| 1.05× (1.05–1.05) | ≤ 1.1× ✓ |")
                && rows[1].contains("| 3.00× (3.00–3.00) |"),
            "{text}"
        );
        let mode = ModeResult {
            mode: Mode::Free,
            cases: vec![thr, rtt],
        };
        // Not the implementations' table, and not the chart's points.
        assert!(!table(&mode).contains("C libzmq 4.3.5"));
        assert!(sweep_points(&mode, 0).is_empty());
    }

    #[test]
    fn sections_are_replaced_or_appended() {
        let doc = with_section("# Title\n\nbody\n", "A", "## A\n\nfirst");
        assert_eq!(
            doc,
            "# Title\n\nbody\n\n<!-- compare section: A -->\n## A\n\nfirst\n<!-- end of compare section: A -->\n"
        );
        let doc = with_section(&doc, "B", "## B");
        let doc = with_section(&doc, "A", "## A\n\nsecond");
        assert!(doc.starts_with(
            "# Title\n\nbody\n\n<!-- compare section: A -->\n## A\n\nsecond\n"
        ));
        assert!(!doc.contains("first"));
        assert!(doc.ends_with("## B\n<!-- end of compare section: B -->\n"));
        assert_eq!(doc.matches("compare section: A").count(), 2);
        assert!(with_section("", "A", "x").starts_with("<!-- compare"));
    }

    /// Every implementation sets up and measures every classic case (a few
    /// SUBs, a few messages; the figures of a debug build mean nothing).
    #[test]
    fn classic_cases_run_for_every_implementation() {
        for case in classic_cases(&[1, 3], 5) {
            for imp in IMPL_CONTENDERS {
                let what = format!("{} with {}", case.name, imp.name());
                let mut setup = Setup::new(imp, case.kind)
                    .unwrap_or_else(|e| panic!("{what}: {e}"));
                for count in [1, 7, 50] {
                    let s = measure(&mut setup.subject, case.kind, count)
                        .unwrap_or_else(|e| panic!("{what}: {e}"));
                    assert!(s.value > 0.0 && s.count == count, "{what}");
                }
            }
        }
    }

    /// Every implementation sets up and measures the requests case (8
    /// clients; fewer requests than clients too), and refuses no clients.
    #[test]
    fn requests_run_for_every_implementation() {
        let case = cases(&[], &[])
            .into_iter()
            .find(|c| matches!(c.kind, Kind::Requests { .. }))
            .expect("a requests case");
        for imp in IMPL_CONTENDERS {
            let what = format!("{} with {}", case.name, imp.name());
            let mut setup = Setup::new(imp, case.kind)
                .unwrap_or_else(|e| panic!("{what}: {e}"));
            for count in [1, 7, 8, 50] {
                let s = measure(&mut setup.subject, case.kind, count)
                    .unwrap_or_else(|e| panic!("{what}: {e}"));
                assert!(s.value > 0.0 && s.count == count, "{what}");
            }
            let none = Kind::Requests {
                transport: Transport::Tcp,
                size: 32,
                clients: 0,
            };
            assert!(Subject::new(imp, none).is_err(), "{what}");
        }
    }

    #[test]
    fn idle_clients_fit_the_descriptor_limit() {
        assert_eq!(idle_cap(20_000), 18_976);
        let case = |idle| Case {
            name: String::new(),
            kind: Kind::ClientServer {
                transport: Transport::Tcp,
                size: 32,
                curve: false,
                idle,
            },
            goal: None,
        };
        assert!(all_fit(&case(1000), 20_000));
        assert!(!all_fit(&case(10_000), 20_000));
        assert_eq!(size_name(65536), "64 KiB");
        assert_eq!(size_name(1 << 20), "1 MiB");
        assert_eq!(size_name(100), "100 B");
    }
}
