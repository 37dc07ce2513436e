//! The command line shared by `lz-perf` (C libzmq) and `rs-perf` (our Rust
//! crate): same arguments, same output format.
//!
//! ```text
//! <prog> thr <tcp|inproc|ipc> <size> <count>   # one throughput run
//! <prog> lat <tcp|inproc|ipc> <size> <count>   # one latency run
//! <prog> thr-async|lat-async <tokio-ct|tokio-mt|smol> <tcp|inproc|ipc> <size> <count>
//!                                              # the same through ours' async calls (rs-perf)
//! <prog> pubsub <tcp|inproc|ipc> <subs> <all|own> <size> <count>
//!                                              # one PUB→SUB run (see `perf::pubsub`)
//! <prog> compare [--quick] [options]           # ours, C libzmq and OMQ.rs side by side,
//!                                              # or ours async against blocking (--set async)
//!                                              # (see `perf::compare`)
//! ```

use std::process::ExitCode;

use super::lz_classic::LzPubSub;
use super::omq::OmqPubSub;
use super::pubsub::{Fan, Plan};
use super::rust::RsPubSub;
use super::rust_async::{RsAsyncPair, Runtime};
use super::{
    omq, rust, Implementation, LatencyStats, PerfError, ThroughputStats,
    Transport,
};

fn usage(program: &str) -> String {
    format!(
        "usage: {program} <thr|lat> <tcp|inproc|ipc> <size-bytes> <count>\n\
         \x20      {program} compare [--quick] [--rounds N] [--secs S] [--mode both|pinned|free]\n\
         \x20                [--set core|classic|all|async] [--idle N,..] [--sizes B,..] [--subs N,..] [--fanout N]\n\
         \x20                [--only TEXT] [--out FILE.md] [--section NAME] [--svg FILE.svg] [--note TEXT]\n\
         \x20      {program} <thr|lat>-async <tokio-ct|tokio-mt|smol> <tcp|inproc|ipc> <size-bytes> <count>\n\
         \x20      {program} pubsub <tcp|inproc|ipc> <subs> <all|own> <size-bytes> <count>\n\
         e.g.   {program} thr tcp 32 1000000\n\
         \x20      {program} pubsub tcp 1000 own 32 2000000\n\
         \x20      {program} lat tcp 32 20000"
    )
}

fn parse<T: std::str::FromStr>(what: &str, s: &str) -> Result<T, String> {
    s.parse().map_err(|_| format!("invalid {what}: {s:?}"))
}

fn thr(
    implementation: Implementation,
    transport: Transport,
    size: usize,
    count: u64,
) -> Result<ThroughputStats, PerfError> {
    match implementation {
        Implementation::Libzmq => super::throughput(transport, size, count),
        Implementation::Rust => rust::throughput(transport, size, count),
        Implementation::Omq => omq::throughput(transport, size, count),
    }
}

fn lat(
    implementation: Implementation,
    transport: Transport,
    size: usize,
    count: u64,
) -> Result<LatencyStats, PerfError> {
    match implementation {
        Implementation::Libzmq => super::latency(transport, size, count),
        Implementation::Rust => rust::latency(transport, size, count),
        Implementation::Omq => omq::latency(transport, size, count),
    }
}

/// One throughput (`thr`) or latency (`lat`) run of ours through the async
/// calls on `runtime`, on a fresh pair; printed like the blocking ones.
fn run_async(
    implementation: Implementation,
    what: &str,
    runtime: &str,
    [transport, size, count]: [&String; 3],
) -> Result<String, String> {
    if implementation != Implementation::Rust {
        return Err("the async runs measure ours: use rs-perf".into());
    }
    let runtime = match runtime {
        "tokio-ct" => Runtime::TokioCurrentThread,
        "tokio-mt" => Runtime::TokioMultiThread,
        "smol" => Runtime::Smol,
        other => {
            return Err(format!(
                "unknown runtime {other:?} (tokio-ct, tokio-mt or smol)"
            ))
        }
    };
    let transport: Transport = transport.parse()?;
    let (size, count): (usize, u64) =
        (parse("size", size)?, parse("count", count)?);
    let text = |e: PerfError| e.to_string();
    Ok(match what {
        "thr" => {
            let sg = RsAsyncPair::scatter_gather(transport, runtime);
            let elapsed = sg.and_then(|p| p.throughput(size, count));
            ThroughputStats::new(
                implementation,
                transport,
                size,
                count,
                elapsed.map_err(text)?,
            )
            .to_string()
        }
        _ => {
            let pair = RsAsyncPair::new(transport, runtime);
            let samples = pair.and_then(|p| p.round_trips(size, count));
            LatencyStats::new(
                implementation,
                transport,
                size,
                &samples.map_err(text)?,
            )
            .to_string()
        }
    } + &format!(" ({}, async)", runtime.name()))
}

/// One PUB→SUB measurement of `count` messages after the setup (see
/// [`super::pubsub`]): messages published per second.
fn pubsub(
    implementation: Implementation,
    transport: Transport,
    plan: Plan,
    size: usize,
    count: u64,
) -> Result<ThroughputStats, PerfError> {
    let elapsed = match implementation {
        Implementation::Libzmq => {
            LzPubSub::new(transport, plan)?.publish(size, count)?
        }
        Implementation::Rust => {
            RsPubSub::new(transport, plan)?.publish(size, count)?
        }
        Implementation::Omq => {
            OmqPubSub::new(transport, plan)?.publish(size, count)?
        }
    };
    Ok(ThroughputStats::new(
        implementation,
        transport,
        size,
        count,
        elapsed,
    ))
}

fn run(
    program: &str,
    implementation: Implementation,
    args: &[String],
) -> Result<(), String> {
    match args {
        [mode, rest @ ..] if mode == "compare" => {
            super::compare::main(program, rest)
        }
        [mode, endpoint] if mode == "idle-clients" => {
            super::compare::idle_clients_child(endpoint)
        }
        [mode, runtime, transport, size, count]
            if mode == "thr-async" || mode == "lat-async" =>
        {
            let what = mode.trim_end_matches("-async");
            let line = run_async(
                implementation,
                what,
                runtime,
                [transport, size, count],
            )?;
            println!("{line}");
            Ok(())
        }
        [mode, transport, subs, fan, size, count] if mode == "pubsub" => {
            let fan = match fan.as_str() {
                "all" => Fan::All,
                "own" => Fan::OwnPrefix,
                other => {
                    return Err(format!(
                        "unknown fan {other:?} (expected all or own)"
                    ))
                }
            };
            let plan = Plan::new(parse("subs", subs)?, fan)
                .map_err(|e| e.to_string())?;
            let s = pubsub(
                implementation,
                transport.parse()?,
                plan,
                parse("size", size)?,
                parse("count", count)?,
            )
            .map_err(|e| e.to_string())?;
            println!("{s} ({} SUBs, {fan:?})", plan.subs());
            Ok(())
        }
        [mode, transport, size, count] => {
            let transport: Transport = transport.parse()?;
            let size: usize = parse("size", size)?;
            let count: u64 = parse("count", count)?;
            match mode.as_str() {
                "thr" => {
                    let s = thr(implementation, transport, size, count)
                        .map_err(|e| e.to_string())?;
                    println!("{s}");
                }
                "lat" => {
                    let s = lat(implementation, transport, size, count)
                        .map_err(|e| e.to_string())?;
                    println!("{s}");
                }
                other => {
                    return Err(format!(
                        "unknown mode {other:?}\n{}",
                        usage(program)
                    ))
                }
            }
            Ok(())
        }
        _ => Err(usage(program)),
    }
}

/// `main` of the perf binaries: `program` names it in messages,
/// `implementation` is what `thr`/`lat` measure.
pub fn main(program: &str, implementation: Implementation) -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(program, implementation, &args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{program}: {e}");
            ExitCode::FAILURE
        }
    }
}
