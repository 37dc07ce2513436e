//! Connection life: linger, maximum message size, handshake timeout,
//! reconnect policy, queued messages surviving a reconnect.

mod common;

use common::*;
use libzmq::{prelude::*, *};
use std::io::Read;
use std::time::{Duration, Instant};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[test]
fn linger_delivers_queued_messages_after_drop() {
    let ctx = ctx();
    let addr = free_port();
    let client = ClientBuilder::new()
        .connect(&addr)
        .linger(ms(5000))
        .with_ctx(ctx.handle())
        .unwrap();
    assert_eq!(client.linger().unwrap(), Period::Finite(ms(5000)));
    for i in 0..10 {
        client.try_send(format!("{i}")).unwrap();
    }
    drop(client);
    let server = ServerBuilder::new()
        .bind(&addr)
        .recv_timeout(TIMEOUT)
        .with_ctx(ctx.handle())
        .unwrap();
    for i in 0..10 {
        assert_eq!(
            server.recv_msg().unwrap().to_str().unwrap(),
            format!("{i}")
        );
    }
}

#[test]
fn default_linger_discards_on_drop() {
    let ctx = ctx();
    let addr = free_port();
    let client = ClientBuilder::new()
        .connect(&addr)
        .with_ctx(ctx.handle())
        .unwrap();
    assert_eq!(client.linger().unwrap(), Period::Finite(Duration::ZERO));
    client.try_send("lost").unwrap();
    drop(client);
    let server = ServerBuilder::new()
        .bind(&addr)
        .recv_timeout(ms(300))
        .with_ctx(ctx.handle())
        .unwrap();
    assert_eq!(server.recv_msg().unwrap_err().kind(), ErrorKind::WouldBlock);
}

#[test]
fn linger_is_bounded() {
    let ctx = ctx();
    let addr = free_port(); // nobody ever listens there
    let client = ClientBuilder::new()
        .connect(&addr)
        .linger(ms(200))
        .with_ctx(ctx.handle())
        .unwrap();
    client.try_send("never delivered").unwrap();
    drop(client);
    let start = Instant::now();
    drop(ctx); // waits for what lingers, at most the linger
    assert!(start.elapsed() < ms(3000), "{:?}", start.elapsed());
}

#[test]
fn oversized_message_drops_the_connection() {
    let ctx = ctx();
    // Like every connection option, the limit is read at bind/connect time.
    let addr: TcpAddr = "127.0.0.1:*".try_into().unwrap();
    let server = ServerBuilder::new()
        .max_msg_size(64)
        .bind(addr)
        .recv_timeout(TIMEOUT)
        .with_ctx(ctx.handle())
        .unwrap();
    assert_eq!(server.max_msg_size().unwrap(), Some(64));
    let client = client_to(&ctx, &server.last_endpoint().unwrap());
    client.send(vec![1u8; 64]).unwrap();
    assert_eq!(server.recv_msg().unwrap().len(), 64);
    client.send(vec![2u8; 65]).unwrap();
    // The server drops that connection; the client reconnects and later
    // messages arrive, the oversized one never does.
    assert!(eventually(|| {
        client.send("small").unwrap();
        server.try_recv_msg().is_ok_and(|m| {
            assert_ne!(m.len(), 65);
            m.as_bytes() == b"small"
        })
    }));
}

#[test]
fn default_max_msg_size_is_256_mib() {
    let ctx = ctx();
    let client = Client::with_ctx(ctx.handle()).unwrap();
    assert_eq!(client.max_msg_size().unwrap(), Some(256 * 1024 * 1024));
    client.set_max_msg_size(None).unwrap();
    assert_eq!(client.max_msg_size().unwrap(), None);
}

#[test]
fn silent_connection_is_dropped_at_the_handshake_timeout() {
    let ctx = ctx();
    let addr: TcpAddr = "127.0.0.1:*".try_into().unwrap();
    let server = ServerBuilder::new()
        .handshake_interval(ms(200))
        .bind(addr)
        .with_ctx(ctx.handle())
        .unwrap();
    let mut stream = raw_connect(&server.last_endpoint().unwrap());
    let start = Instant::now();
    let mut greeting = [0u8; 64];
    stream.read_exact(&mut greeting).unwrap(); // ours arrives at once
    assert_closed(&mut stream);
    assert!(start.elapsed() >= ms(150), "{:?}", start.elapsed());
}

/// Accepts and closes connections, recording when each attempt came.
fn attempt_times(
    listener: std::net::TcpListener,
    count: usize,
) -> Vec<Instant> {
    listener.set_nonblocking(false).unwrap();
    (0..count)
        .map(|_| {
            let (stream, _) = listener.accept().unwrap();
            drop(stream);
            Instant::now()
        })
        .collect()
}

#[test]
fn reconnect_interval_with_jitter_and_with_backoff() {
    let ctx = ctx();
    // Constant interval 100 ms plus up to 100 ms of jitter.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = TcpAddr::new(listener.local_addr().unwrap());
    let _client = ClientBuilder::new()
        .connect(&addr)
        .reconnect_interval(ms(100))
        .with_ctx(ctx.handle())
        .unwrap();
    let times = attempt_times(listener, 4);
    for pair in times.windows(2) {
        let gap = pair[1] - pair[0];
        assert!(gap >= ms(95), "gap {gap:?}");
    }
    // Exponential backoff: 100, 200, 400 ms.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = TcpAddr::new(listener.local_addr().unwrap());
    let _client = ClientBuilder::new()
        .connect(&addr)
        .reconnect_interval(ms(100))
        .reconnect_interval_max(ms(400))
        .with_ctx(ctx.handle())
        .unwrap();
    let times = attempt_times(listener, 4);
    let gaps: Vec<Duration> = times.windows(2).map(|p| p[1] - p[0]).collect();
    assert!(
        gaps[0] >= ms(95) && gaps[1] >= ms(190) && gaps[2] >= ms(380),
        "{gaps:?}"
    );
}

#[test]
fn reconnect_can_be_disabled() {
    let ctx = ctx();
    let addr = free_port();
    let server = ServerBuilder::new()
        .bind(&addr)
        .recv_timeout(TIMEOUT)
        .with_ctx(ctx.handle())
        .unwrap();
    let client = ClientBuilder::new()
        .connect(&addr)
        .with_ctx(ctx.handle())
        .unwrap();
    client.set_reconnect_interval(Period::Infinite).unwrap();
    assert_eq!(client.reconnect_interval().unwrap(), Period::Infinite);
    // Only endpoints connected afterwards use the new value.
    let late = Client::with_ctx(ctx.handle()).unwrap();
    late.set_reconnect_interval(Period::Infinite).unwrap();
    late.connect(&addr).unwrap();
    late.send("hello").unwrap();
    client.send("hello").unwrap();
    server.recv_msg().unwrap();
    server.recv_msg().unwrap();
    drop(server);
    let server = ServerBuilder::new()
        .bind(&addr)
        .recv_timeout(ms(500))
        .with_ctx(ctx.handle())
        .unwrap();
    let _ = late.try_send("after");
    assert_eq!(server.recv_msg().unwrap_err().kind(), ErrorKind::WouldBlock);
}

#[test]
fn queued_messages_survive_a_reconnect() {
    let ctx = ctx();
    let addr = free_port();
    let server = ServerBuilder::new()
        .bind(&addr)
        .recv_timeout(TIMEOUT)
        .with_ctx(ctx.handle())
        .unwrap();
    let client = client_to(&ctx, &addr.clone().into());
    client.send("first").unwrap();
    assert_eq!(server.recv_msg().unwrap().to_str(), Ok("first"));
    drop(server);
    // The server is gone: the message waits in the client's queue (the
    // client's I/O thread handles the close, which came first, before the
    // wake-up for the message, so it does not write into the dead
    // connection).
    client.try_send("queued while down").unwrap();
    let server = ServerBuilder::new()
        .bind(&addr)
        .recv_timeout(TIMEOUT)
        .with_ctx(ctx.handle())
        .unwrap();
    assert_eq!(server.recv_msg().unwrap().to_str(), Ok("queued while down"));
}

#[test]
fn unbind_frees_the_port_at_once() {
    let ctx = ctx();
    let (server, endpoint) = tcp_server(&ctx);
    server.unbind(&endpoint).unwrap();
    let other = Server::with_ctx(ctx.handle()).unwrap();
    other.bind(&endpoint).unwrap();
}

#[test]
fn connection_options_in_configs() {
    use libzmq::config::ClientConfig;
    let yaml = "linger: 2s\nmax_msg_size: 1024\nreconnect_interval: 50ms\nreconnect_interval_max: 1s\nhandshake_interval: 5s\n";
    let config: ClientConfig = serde_yaml::from_str(yaml).unwrap();
    let ctx = ctx();
    let client = config.with_ctx(ctx.handle()).unwrap();
    assert_eq!(client.linger().unwrap(), Period::Finite(ms(2000)));
    assert_eq!(client.max_msg_size().unwrap(), Some(1024));
    assert_eq!(client.reconnect_interval().unwrap(), Period::Finite(ms(50)));
    assert_eq!(client.reconnect_interval_max().unwrap(), Some(ms(1000)));
    assert_eq!(
        client.handshake_interval().unwrap(),
        Period::Finite(ms(5000))
    );
    let back: ClientConfig =
        serde_yaml::from_str(&serde_yaml::to_string(&config).unwrap()).unwrap();
    assert_eq!(back, config);
    // A default config still writes only the libzmq 0.2 fields.
    let default = serde_yaml::to_string(&ClientConfig::new()).unwrap();
    assert!(!default.contains("linger"), "{default}");
}

#[test]
fn connect_timeout_abandons_a_hanging_connect() {
    let ctx = ctx();
    let client = Client::with_ctx(ctx.handle()).unwrap();
    assert_eq!(client.connect_timeout().unwrap(), Period::Infinite);
    client.set_connect_timeout(Some(ms(100))).unwrap();
    assert_eq!(client.connect_timeout().unwrap(), Period::Finite(ms(100)));
    // A listener whose backlog is full leaves new connects hanging (SYNs
    // are dropped); the connecter must give up and retry instead of waiting
    // for the system's timeout. Whether this host drops the SYNs or not,
    // the connect must not error and the socket must stay usable.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = TcpAddr::new(listener.local_addr().unwrap());
    client.connect(&addr).unwrap();
    client.try_send("queued").unwrap();
    drop(listener);
    let server = ServerBuilder::new()
        .bind(&addr)
        .recv_timeout(TIMEOUT)
        .with_ctx(ctx.handle())
        .unwrap();
    assert_eq!(server.recv_msg().unwrap().to_str(), Ok("queued"));
}
