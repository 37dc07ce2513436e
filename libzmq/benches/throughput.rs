//! Client→Server throughput (TCP and inproc; 32 B, 1 KiB, 64 KiB) and
//! Client↔Server round-trip latency. Run with `cargo bench -p libzmq`.
//! The side-by-side comparison with C libzmq is `cargo bench -p interop`.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use libzmq::{addr::Endpoint, prelude::*, *};
use std::time::{Duration, Instant};

const SIZES: [usize; 3] = [32, 1024, 64 * 1024];
/// Messages per measured batch.
const BATCH: u64 = 2_000;

fn pair(ctx: &Ctx, tcp: bool) -> (Client, Server) {
    let endpoint: Endpoint = if tcp {
        TcpAddr::try_from("127.0.0.1:*").unwrap().into()
    } else {
        InprocAddr::new_unique().into()
    };
    let server = ServerBuilder::new()
        .bind(endpoint)
        .with_ctx(ctx.handle())
        .unwrap();
    let client = ClientBuilder::new()
        .connect(server.last_endpoint().unwrap())
        .with_ctx(ctx.handle())
        .unwrap();
    // Make sure the connection is up before measuring.
    client.send("hello").unwrap();
    server.recv_msg().unwrap();
    (client, server)
}

fn throughput(c: &mut Criterion) {
    let ctx = Ctx::new();
    let mut group = c.benchmark_group("client-server throughput");
    group
        .measurement_time(Duration::from_secs(3))
        .sample_size(20);
    for tcp in [true, false] {
        let transport = if tcp { "tcp" } else { "inproc" };
        for size in SIZES {
            let (client, server) = pair(&ctx, tcp);
            let payload = vec![7u8; size];
            group.throughput(Throughput::Elements(BATCH));
            group.bench_with_input(BenchmarkId::new(transport, size), &size, |b, _| {
                b.iter_custom(|iters| {
                    let count = iters * BATCH;
                    let sender = {
                        let client = client.clone();
                        let payload = payload.clone();
                        std::thread::spawn(move || {
                            for _ in 0..count {
                                client.send(payload.as_slice()).unwrap();
                            }
                        })
                    };
                    let start = Instant::now();
                    let mut msg = Msg::new();
                    for _ in 0..count {
                        server.recv(&mut msg).unwrap();
                    }
                    let elapsed = start.elapsed();
                    sender.join().unwrap();
                    elapsed
                })
            });
        }
    }
    group.finish();
}

fn latency(c: &mut Criterion) {
    let ctx = Ctx::new();
    let mut group = c.benchmark_group("client-server round trip");
    group.measurement_time(Duration::from_secs(3));
    for tcp in [true, false] {
        let transport = if tcp { "tcp" } else { "inproc" };
        let (client, server) = pair(&ctx, tcp);
        let echo = {
            let server = server.clone();
            std::thread::spawn(move || {
                while let Ok(msg) = server.recv_msg() {
                    if server.send(msg).is_err() {
                        break;
                    }
                }
            })
        };
        group.bench_function(BenchmarkId::new(transport, 32), |b| {
            let payload = [1u8; 32];
            b.iter(|| {
                client.send(&payload[..]).unwrap();
                client.recv_msg().unwrap()
            })
        });
        drop(server);
        drop(client);
        // The echo thread stops when the ctx shuts down below.
        let _ = echo;
    }
    ctx.shutdown();
    group.finish();
}

criterion_group!(benches, throughput, latency);
criterion_main!(benches);
