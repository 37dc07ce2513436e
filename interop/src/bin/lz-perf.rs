//! `lz-perf`: throughput / latency of the real C libzmq 4.3.5 alone
//! (DRAFT CLIENT → SERVER), for side-by-side comparison with the Rust
//! implementation (`rs-perf` takes the same arguments and prints the same
//! format). See `interop::perf` for the methodology.
//!
//! ```text
//! lz-perf thr <tcp|inproc|ipc> <size> <count>   # prints msg/s and MB/s
//! lz-perf lat <tcp|inproc|ipc> <size> <count>   # prints mean RTT in µs
//! lz-perf compare [--quick] [options]           # ours, C libzmq and OMQ.rs side by side
//! ```

use std::process::ExitCode;

use interop::perf::{cli, Implementation};

fn main() -> ExitCode {
    cli::main("lz-perf", Implementation::Libzmq)
}
