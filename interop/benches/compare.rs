//! OUR Rust `libzmq` vs the real C libzmq 4.3.5, in the same run, with the
//! same sizes, counts and method (`interop::perf`):
//!
//! * `throughput/{tcp,inproc}/{32,1024,65536}/{rust,libzmq}`: Client →
//!   Server, messages per second (criterion reports elements/s);
//! * `latency/tcp/32/{rust,libzmq}`: Client → Server (echo) → Client round
//!   trip of 32 bytes.
//!
//! `cargo bench -p interop` (add `-- throughput/tcp` to filter). Without
//! criterion, with OMQ.rs too, alternated, pinned and free: the compare tool,
//! `cargo run --release -p interop --bin rs-perf -- compare [--quick]`.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use interop::perf::rust::RsPair;
use interop::perf::{LzPair, Transport};

/// Message sizes of the throughput benchmarks.
const SIZES: [usize; 3] = [32, 1024, 64 * 1024];
/// Messages per criterion iteration of a throughput benchmark.
const BATCH: u64 = 1_000;

/// Both implementations' pairs for one transport, connected once.
struct Pairs {
    rust: RsPair,
    libzmq: LzPair,
}

impl Pairs {
    fn new(transport: Transport) -> Pairs {
        Pairs {
            rust: RsPair::new(transport).expect("Rust pair"),
            libzmq: LzPair::new(transport).expect("libzmq pair"),
        }
    }
}

fn throughput(c: &mut Criterion) {
    eprintln!("C side: {}", interop::LIBZMQ_BUILD_INFO);
    for transport in [Transport::Tcp, Transport::Inproc] {
        let pairs = Pairs::new(transport);
        for size in SIZES {
            let mut group =
                c.benchmark_group(format!("throughput/{transport}/{size}"));
            group
                .throughput(Throughput::Elements(BATCH))
                .sample_size(10)
                .warm_up_time(Duration::from_secs(1))
                .measurement_time(Duration::from_secs(3));
            group.bench_function("rust", |b| {
                b.iter_custom(|iters| {
                    pairs.rust.throughput(size, iters * BATCH).unwrap_or_else(
                        |e| panic!("rust {transport} {size}: {e}"),
                    )
                })
            });
            group.bench_function("libzmq", |b| {
                b.iter_custom(|iters| {
                    pairs.libzmq.throughput(size, iters * BATCH).unwrap_or_else(
                        |e| panic!("libzmq {transport} {size}: {e}"),
                    )
                })
            });
            group.finish();
        }
    }
}

/// TCP throughput of 1 KiB messages without and with CURVE, both
/// implementations in the same run (`curve/tcp/1024/{null,curve}/{rust,libzmq}`).
fn curve(c: &mut Criterion) {
    let size = 1024;
    let transport = Transport::Tcp;
    let null = Pairs::new(transport);
    let curve = Pairs {
        rust: RsPair::new_curve(transport).expect("Rust CURVE pair"),
        libzmq: LzPair::new_curve(transport).expect("libzmq CURVE pair"),
    };
    for (name, pairs) in [("null", &null), ("curve", &curve)] {
        let mut group =
            c.benchmark_group(format!("curve/{transport}/{size}/{name}"));
        group
            .throughput(Throughput::Elements(BATCH))
            .sample_size(10)
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(3));
        group.bench_function("rust", |b| {
            b.iter_custom(|iters| {
                pairs.rust.throughput(size, iters * BATCH).expect("rust")
            })
        });
        group.bench_function("libzmq", |b| {
            b.iter_custom(|iters| {
                pairs
                    .libzmq
                    .throughput(size, iters * BATCH)
                    .expect("libzmq")
            })
        });
        group.finish();
    }
}

fn latency(c: &mut Criterion) {
    let transport = Transport::Tcp;
    let size = 32;
    let pairs = Pairs::new(transport);
    let mut group = c.benchmark_group(format!("latency/{transport}/{size}"));
    group
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    group.bench_function("rust", |b| {
        b.iter_custom(|iters| {
            pairs
                .rust
                .round_trips(size, iters)
                .unwrap_or_else(|e| panic!("rust latency: {e}"))
                .iter()
                .sum()
        })
    });
    group.bench_function("libzmq", |b| {
        b.iter_custom(|iters| {
            pairs
                .libzmq
                .round_trips(size, iters)
                .unwrap_or_else(|e| panic!("libzmq latency: {e}"))
                .iter()
                .sum()
        })
    });
    group.finish();
}

criterion_group!(benches, throughput, curve, latency);
criterion_main!(benches);
