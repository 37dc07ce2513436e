//! The demo: Client→Server throughput and Client↔Server round-trip latency on
//! loopback, over TCP and inproc. `cargo run --release -p libzmq --example perf`
//! (add `-- quick` for a short run).

use libzmq::{addr::Endpoint, prelude::*, *};
use std::time::{Duration, Instant};

fn pair(ctx: &Ctx, transport: &str) -> Result<(Client, Server), Error> {
    let endpoint: Endpoint = match transport {
        "tcp" => TcpAddr::try_from("127.0.0.1:*")?.into(),
        _ => InprocAddr::new_unique().into(),
    };
    let timeout = Duration::from_secs(30);
    let server = ServerBuilder::new()
        .bind(endpoint)
        .recv_timeout(timeout)
        .with_ctx(ctx.handle())?;
    let client = ClientBuilder::new()
        .connect(server.last_endpoint()?)
        .recv_timeout(timeout)
        .send_timeout(timeout)
        .with_ctx(ctx.handle())?;
    client.send("hello").map_err(Error::cast)?;
    server.recv_msg()?;
    Ok((client, server))
}

/// Sends `count` messages of `size` bytes from a client thread; returns msgs/s.
fn throughput(
    ctx: &Ctx,
    transport: &str,
    size: usize,
    count: usize,
) -> Result<f64, anyhow::Error> {
    let (client, server) = pair(ctx, transport)?;
    let payload = vec![0x5au8; size];
    let start = Instant::now();
    // The thread hands the client back: dropping it early would discard what
    // is still queued (linger is 0 by default).
    let sender = std::thread::spawn(move || -> Result<Client, Error> {
        for _ in 0..count {
            client.send(payload.as_slice()).map_err(Error::cast)?;
        }
        Ok(client)
    });
    let mut msg = Msg::new();
    for _ in 0..count {
        server.recv(&mut msg)?;
        assert_eq!(msg.len(), size);
    }
    let elapsed = start.elapsed();
    drop(sender.join().expect("sender thread")?);
    Ok(count as f64 / elapsed.as_secs_f64())
}

/// Mean round-trip time of `count` 32-byte ping-pongs, in microseconds.
fn latency(
    ctx: &Ctx,
    transport: &str,
    count: usize,
) -> Result<f64, anyhow::Error> {
    let (client, server) = pair(ctx, transport)?;
    let echo = std::thread::spawn(move || -> Result<Server, Error> {
        for _ in 0..count {
            let msg = server.recv_msg()?;
            server.send(msg).map_err(Error::cast)?;
        }
        Ok(server)
    });
    let payload = [1u8; 32];
    let start = Instant::now();
    for _ in 0..count {
        client.send(&payload[..]).map_err(Error::cast::<()>)?;
        client.recv_msg()?;
    }
    let elapsed = start.elapsed();
    drop(echo.join().expect("echo thread")?);
    Ok(elapsed.as_secs_f64() * 1e6 / count as f64)
}

fn main() -> Result<(), anyhow::Error> {
    let quick = std::env::args().any(|a| a == "quick");
    let scale = if quick { 20 } else { 1 };
    let ctx = Ctx::new();
    println!(
        "{:<8} {:>8} {:>12} {:>14} {:>10}",
        "transport", "size", "messages", "msgs/s", "MB/s"
    );
    for transport in ["tcp", "inproc"] {
        for (size, count) in [(32, 2_000_000), (1024, 500_000), (65536, 20_000)]
        {
            let count = count / scale;
            let rate = throughput(&ctx, transport, size, count)?;
            println!(
                "{transport:<8} {size:>8} {count:>12} {rate:>14.0} {:>10.1}",
                rate * size as f64 / 1e6
            );
        }
    }
    for transport in ["tcp", "inproc"] {
        let count = 50_000 / scale;
        println!(
            "{transport:<8} round trip of 32 B: {:.1} µs (mean of {count})",
            latency(&ctx, transport, count)?
        );
    }
    Ok(())
}
