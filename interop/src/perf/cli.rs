//! The command line shared by `lz-perf` (C libzmq) and `rs-perf` (our Rust
//! crate): same arguments, same output format.
//!
//! ```text
//! <prog> thr <tcp|inproc|ipc> <size> <count>   # one throughput run
//! <prog> lat <tcp|inproc|ipc> <size> <count>   # one latency run
//! <prog> compare [--quick] [options]           # ours, C libzmq and OMQ.rs side by side
//!                                              # (see `perf::compare`)
//! ```

use std::process::ExitCode;

use super::{
    omq, rust, Implementation, LatencyStats, PerfError, ThroughputStats,
    Transport,
};

fn usage(program: &str) -> String {
    format!(
        "usage: {program} <thr|lat> <tcp|inproc|ipc> <size-bytes> <count>\n\
         \x20      {program} compare [--quick] [--rounds N] [--secs S] [--mode both|pinned|free]\n\
         \x20                [--set core|classic|all] [--idle N,..] [--sizes B,..] [--subs N,..] [--fanout N]\n\
         \x20                [--only TEXT] [--out FILE.md] [--section NAME] [--svg FILE.svg] [--note TEXT]\n\
         e.g.   {program} thr tcp 32 1000000\n\
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
