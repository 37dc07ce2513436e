//! A live event log: a logger thread prints every event of a Server's
//! monitor while clients come and go — one talks, one uses a socket type
//! the Server cannot talk to, one just leaves — and the Server's counters
//! are printed at the end.
//!
//! `cargo run -p libzmq --example monitor`

use libzmq::monitor::{Event, EventKind, Monitor};
use libzmq::{prelude::*, *};
use std::thread;
use std::time::{Duration, Instant};

/// How long any step may take.
const TIMEOUT: Duration = Duration::from_secs(10);

/// One log line: the time (RFC 3339, UTC), then the event.
fn log_line(event: &Event) -> String {
    let time = humantime::format_rfc3339_millis(event.time);
    format!("{time} {event}")
}

/// Prints the events of `monitor` until it ends (the socket is gone);
/// returns the lines.
fn print_log(monitor: Monitor) -> Vec<String> {
    monitor
        .map(|event| {
            let line = log_line(&event);
            println!("{line}");
            line
        })
        .collect()
}

fn main() -> Result<(), anyhow::Error> {
    let ctx = Ctx::new();
    let server = ServerBuilder::new()
        .recv_timeout(TIMEOUT)
        .with_ctx(ctx.handle())?;
    // Created before the bind, so the log starts with `listening`.
    let monitor = server.monitor();
    let logger = thread::spawn(move || print_log(monitor));

    let addr: TcpAddr = "127.0.0.1:*".try_into()?;
    server.bind(addr)?;
    let endpoint = server.last_endpoint()?;

    // A client that talks: its handshake succeeds, its message arrives.
    let client = ClientBuilder::new()
        .connect(&endpoint)
        .send_timeout(TIMEOUT)
        .with_ctx(ctx.handle())?;
    client.send("hello")?;
    let msg = server.recv_msg()?;
    println!(
        "message {:?} from {} ({})",
        msg.to_str()?,
        msg.peer_address().unwrap_or("?"),
        msg.peer_socket_type().unwrap_or("?"),
    );

    // A socket type a Server cannot talk to: its handshake fails. A second
    // monitor, made first (a monitor sees the events after its creation),
    // watches for the failure; then both clients go.
    let watcher = server.monitor();
    let stranger = ScatterBuilder::new()
        .connect(&endpoint)
        .with_ctx(ctx.handle())?;

    let deadline = Instant::now() + TIMEOUT;
    while !matches!(
        watcher.recv_timeout(TIMEOUT).map(|e| e.kind),
        Some(EventKind::HandshakeFailed { .. })
    ) {
        assert!(Instant::now() < deadline, "no handshake failure");
    }
    drop(stranger);
    drop(client);
    while !matches!(
        watcher.recv_timeout(TIMEOUT).map(|e| e.kind),
        Some(EventKind::Disconnected { .. })
    ) {
        assert!(Instant::now() < deadline, "the client did not leave");
    }

    let counters = server.counters();
    println!("counters: {counters:?}");
    assert_eq!((counters.msgs_in, counters.bytes_in), (1, 5));

    // Dropping the server ends the log once its connections are gone.
    drop(server);
    let lines = logger.join().expect("the logger thread panicked");
    let expected = [
        "listening",
        "accepted",
        "handshake succeeded",
        "handshake failed",
        "disconnected",
        "closed",
    ];
    for kind in expected {
        assert!(
            lines.iter().any(|line| line.contains(kind)),
            "no {kind:?} in {lines:#?}"
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::main;

    #[test]
    fn main_runs() {
        main().unwrap();
    }
}
