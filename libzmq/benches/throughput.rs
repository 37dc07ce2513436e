//! Client→Server throughput (TCP and inproc; 32 B, 1 KiB, 64 KiB), the cost
//! of CURVE over TCP, and Client↔Server round-trip latency.
//! Run with `cargo bench -p libzmq`; the side-by-side comparison with C libzmq
//! is `cargo bench -p interop`.

use criterion::{
    criterion_group, criterion_main, BenchmarkId, Criterion, Throughput,
};
use libzmq::{addr::Endpoint, auth, prelude::*, *};
use std::time::{Duration, Instant};

const SIZES: [usize; 3] = [32, 1024, 64 * 1024];
/// Messages per measured batch.
const BATCH: u64 = 2_000;

/// A connected pair; with `curve`, over CURVE (no client authentication).
fn pair(ctx: &Ctx, tcp: bool, curve: bool) -> (Client, Server) {
    let endpoint: Endpoint = if tcp {
        TcpAddr::try_from("127.0.0.1:*").unwrap().into()
    } else {
        InprocAddr::new_unique().into()
    };
    let (server_mechanism, client_mechanism): (
        auth::Mechanism,
        auth::Mechanism,
    ) = if curve {
        let _ = auth::AuthBuilder::new()
            .no_curve_auth()
            .with_ctx(ctx.handle())
            .unwrap();
        let cert = auth::CurveCert::new_unique();
        (
            auth::CurveServerCreds::new(cert.secret()).into(),
            auth::CurveClientCreds::new(cert.public()).into(),
        )
    } else {
        (auth::Mechanism::Null, auth::Mechanism::Null)
    };
    let server = ServerBuilder::new()
        .mechanism(server_mechanism)
        .bind(endpoint)
        .with_ctx(ctx.handle())
        .unwrap();
    let client = ClientBuilder::new()
        .mechanism(client_mechanism)
        .connect(server.last_endpoint().unwrap())
        .with_ctx(ctx.handle())
        .unwrap();
    // Make sure the connection is up before measuring.
    client.send("hello").unwrap();
    server.recv_msg().unwrap();
    (client, server)
}

/// Receives `iters * BATCH` messages that another thread sends.
fn measure(
    b: &mut criterion::Bencher,
    client: &Client,
    server: &Server,
    payload: &[u8],
) {
    b.iter_custom(|iters| {
        let count = iters * BATCH;
        let sender = {
            let client = client.clone();
            let payload = payload.to_vec();
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
}

fn throughput(c: &mut Criterion) {
    let ctx = Ctx::new();
    let mut group = c.benchmark_group("client-server throughput");
    group
        .measurement_time(Duration::from_secs(3))
        .sample_size(20);
    group.throughput(Throughput::Elements(BATCH));
    for tcp in [true, false] {
        let transport = if tcp { "tcp" } else { "inproc" };
        for size in SIZES {
            let (client, server) = pair(&ctx, tcp, false);
            let payload = vec![7u8; size];
            group.bench_function(BenchmarkId::new(transport, size), |b| {
                measure(b, &client, &server, &payload)
            });
        }
    }
    group.finish();
}

/// TCP throughput of 1 KiB messages with and without CURVE encryption.
fn curve(c: &mut Criterion) {
    let ctx = Ctx::new();
    let mut group = c.benchmark_group("curve vs null throughput");
    group
        .measurement_time(Duration::from_secs(3))
        .sample_size(20);
    group.throughput(Throughput::Elements(BATCH));
    for (name, curve) in [("null", false), ("curve", true)] {
        let (client, server) = pair(&ctx, true, curve);
        let payload = vec![7u8; 1024];
        group.bench_function(BenchmarkId::new(name, 1024), |b| {
            measure(b, &client, &server, &payload)
        });
    }
    group.finish();
}

fn latency(c: &mut Criterion) {
    let ctx = Ctx::new();
    let mut group = c.benchmark_group("client-server round trip");
    group.measurement_time(Duration::from_secs(3));
    for tcp in [true, false] {
        let transport = if tcp { "tcp" } else { "inproc" };
        let (client, server) = pair(&ctx, tcp, false);
        let echo = std::thread::spawn(move || {
            while let Ok(msg) = server.recv_msg() {
                if server.send(msg).is_err() {
                    break;
                }
            }
        });
        group.bench_function(BenchmarkId::new(transport, 32), |b| {
            let payload = [1u8; 32];
            b.iter(|| {
                client.send(&payload[..]).unwrap();
                client.recv_msg().unwrap()
            })
        });
        drop(client);
        // The echo thread ends when the ctx shuts down below.
        drop(echo);
    }
    ctx.shutdown();
    group.finish();
}

criterion_group!(benches, throughput, curve, latency);
criterion_main!(benches);
