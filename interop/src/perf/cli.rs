//! The command line shared by `lz-perf` (C libzmq) and `rs-perf` (our Rust
//! crate): same arguments, same output format.
//!
//! ```text
//! <prog> thr <tcp|inproc|ipc> <size> <count>   # one throughput run
//! <prog> lat <tcp|inproc|ipc> <size> <count>   # one latency run
//! <prog> compare [quick]                       # both implementations, side by side
//! ```

use std::process::ExitCode;

use super::{
    rust, Implementation, LatencyStats, PerfError, ThroughputStats, Transport,
};

fn usage(program: &str) -> String {
    format!(
        "usage: {program} <thr|lat> <tcp|inproc|ipc> <size-bytes> <count>\n\
         \x20      {program} compare [quick]\n\
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
    }
}

/// Throughput runs of [`compare`]: transport, size, message count.
pub const COMPARE_THROUGHPUT: [(Transport, usize, u64); 6] = [
    (Transport::Tcp, 32, 2_000_000),
    (Transport::Tcp, 1024, 500_000),
    (Transport::Tcp, 65536, 20_000),
    (Transport::Inproc, 32, 2_000_000),
    (Transport::Inproc, 1024, 500_000),
    (Transport::Inproc, 65536, 20_000),
];

/// Latency runs of [`compare`]: transport, size, round trips.
pub const COMPARE_LATENCY: [(Transport, usize, u64); 2] = [
    (Transport::Tcp, 32, 50_000),
    (Transport::Inproc, 32, 50_000),
];

/// Runs the standard matrix with both implementations, one after the other
/// for each line, and prints a table. `scale` divides every count.
pub fn compare(scale: u64) -> Result<(), PerfError> {
    println!(
        "{:<24} {:>16} {:>16} {:>12}",
        "", "libzmq 4.3.5", "rust", "rust/libzmq"
    );
    for (transport, size, count) in COMPARE_THROUGHPUT {
        let count = (count / scale).max(1);
        let c = thr(Implementation::Libzmq, transport, size, count)?;
        let r = thr(Implementation::Rust, transport, size, count)?;
        println!(
            "{:<24} {:>10.0} msg/s {:>10.0} msg/s {:>12.2}",
            format!("thr {transport} {size} B x{count}"),
            c.msgs_per_sec,
            r.msgs_per_sec,
            r.msgs_per_sec / c.msgs_per_sec
        );
        println!(
            "{:<24} {:>11.1} MB/s {:>11.1} MB/s",
            "", c.mb_per_sec, r.mb_per_sec
        );
    }
    for (transport, size, count) in COMPARE_LATENCY {
        let count = (count / scale).max(1);
        let c = lat(Implementation::Libzmq, transport, size, count)?;
        let r = lat(Implementation::Rust, transport, size, count)?;
        println!(
            "{:<24} {:>10.2} us RTT {:>9.2} us RTT {:>12.2}",
            format!("lat {transport} {size} B x{count}"),
            c.mean_rtt_us,
            r.mean_rtt_us,
            r.mean_rtt_us / c.mean_rtt_us
        );
        println!(
            "{:<24} {:>10.2} us p99 {:>9.2} us p99",
            "", c.p99_rtt_us, r.p99_rtt_us
        );
    }
    Ok(())
}

fn run(
    program: &str,
    implementation: Implementation,
    args: &[String],
) -> Result<(), String> {
    match args {
        [mode] if mode == "compare" => compare(1).map_err(|e| e.to_string()),
        [mode, quick] if mode == "compare" && quick == "quick" => {
            compare(20).map_err(|e| e.to_string())
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
