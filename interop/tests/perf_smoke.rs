//! The Rust side of `interop::perf` (used by `rs-perf` and the `compare`
//! bench) works on every transport, and a pair can be measured repeatedly.
//! (The libzmq side is covered by `libzmq_self::perf_functions_smoke`.)

use interop::perf::rust::{latency, throughput, RsPair};
use interop::perf::{Implementation, Transport};

#[test]
fn rust_perf_functions_smoke() {
    for t in [Transport::Tcp, Transport::Inproc, Transport::Ipc] {
        let s = throughput(t, 64, 2_000).unwrap();
        assert_eq!(s.implementation, Implementation::Rust);
        assert!(s.msgs_per_sec > 0.0, "{s}");
        let l = latency(t, 64, 100).unwrap();
        assert!(l.mean_rtt_us > 0.0 && l.min_rtt_us <= l.p99_rtt_us, "{l}");
        assert!(l.to_string().starts_with("rust libzmq lat"), "{l}");
    }
}

#[test]
fn rust_pair_is_reusable() {
    let pair = RsPair::new(Transport::Tcp).unwrap();
    for size in [32, 1024, 64 * 1024] {
        pair.throughput(size, 500).unwrap();
    }
    assert_eq!(pair.round_trips(32, 50).unwrap().len(), 50);
    assert_eq!(pair.round_trips(0, 1).unwrap().len(), 1);
}
