//! `rs-perf`: throughput / latency of OUR pure-Rust `libzmq` crate
//! (Client → Server), measured exactly like `lz-perf` measures C libzmq and
//! printed in the same format. See `interop::perf` for the methodology.
//!
//! ```text
//! rs-perf thr <tcp|inproc|ipc> <size> <count>   # prints msg/s and MB/s
//! rs-perf lat <tcp|inproc|ipc> <size> <count>   # prints mean RTT in µs
//! rs-perf compare [--quick] [options]           # ours, C libzmq and OMQ.rs side by side
//! ```
//!
//! Run it in release mode: `cargo run --release -p interop --bin rs-perf --
//! compare` (the full run: `BENCHMARKS.md` and `docs/throughput.svg`; see
//! `interop::perf::compare`), or `-- compare --quick` (a table on stdout).

use std::process::ExitCode;

use interop::perf::{cli, Implementation};

fn main() -> ExitCode {
    cli::main("rs-perf", Implementation::Rust)
}
