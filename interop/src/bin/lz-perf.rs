//! `lz-perf`: throughput / latency of the real C libzmq 4.3.5 alone
//! (DRAFT CLIENT → SERVER), for side-by-side comparison with the Rust
//! implementation. See `interop::perf` for the methodology.
//!
//! ```text
//! lz-perf thr <tcp|inproc|ipc> <size> <count>   # prints msg/s and MB/s
//! lz-perf lat <tcp|inproc|ipc> <size> <count>   # prints mean RTT in µs
//! ```

use std::process::ExitCode;

use interop::perf::{self, Transport};

const USAGE: &str = "usage: lz-perf <thr|lat> <tcp|inproc|ipc> <size-bytes> <count>\n\
                     e.g.   lz-perf thr tcp 32 1000000\n\
                     \x20      lz-perf lat tcp 32 20000";

fn parse<T: std::str::FromStr>(what: &str, s: &str) -> Result<T, String> {
    s.parse().map_err(|_| format!("invalid {what}: {s:?}"))
}

fn run(args: &[String]) -> Result<(), String> {
    let [mode, transport, size, count] = args else {
        return Err(USAGE.to_string());
    };
    let transport: Transport = transport.parse()?;
    let size: usize = parse("size", size)?;
    let count: u64 = parse("count", count)?;
    match mode.as_str() {
        "thr" => {
            let s = perf::throughput(transport, size, count).map_err(|e| e.to_string())?;
            println!("{s}");
        }
        "lat" => {
            let s = perf::latency(transport, size, count).map_err(|e| e.to_string())?;
            println!("{s}");
        }
        other => return Err(format!("unknown mode {other:?}\n{USAGE}")),
    }
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("lz-perf: {e}");
            ExitCode::FAILURE
        }
    }
}
