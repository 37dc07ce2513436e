//! A Server with thousands of connected, idle clients: every connection is
//! accepted and handshaken, and a streaming client is received in full
//! while the others stay silent. The idle clients live in a child process
//! (this test binary run again), so that both ends fit the fd limit.

mod common;

use common::*;
use libzmq::{addr::Endpoint, prelude::*, *};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

const CHILD_ENV: &str = "LIBZMQ_TEST_IDLE_PEERS";

/// Raises the soft fd limit to the hard one; returns the new soft limit.
fn raise_fd_limit() -> u64 {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit only read and write `limit`, a valid,
    // initialised struct of the type they expect.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return 0;
        }
        limit.rlim_cur = limit.rlim_max;
        libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
    }
    limit.rlim_cur
}

fn resident_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// The child: `count` raw ZMTP CLIENT peers connect to `addr`, each says
/// "hello" once; then they stay connected and silent until stdin closes.
#[test]
#[ignore = "the idle peers of the many-peer tests, run in a child process"]
fn idle_peers_child() {
    let Ok(spec) = std::env::var(CHILD_ENV) else {
        return;
    };
    let (addr, count) = spec.split_once(' ').unwrap();
    let count: usize = count.parse().unwrap();
    raise_fd_limit();
    let mut hello = greeting();
    hello.extend_from_slice(&ready("CLIENT"));
    hello.extend_from_slice(&[0x00, 0x05]);
    hello.extend_from_slice(b"hello");
    // In windows smaller than the listen backlog (100, as libzmq): a full
    // backlog drops SYNs, and each retry costs a second.
    let mut streams: Vec<TcpStream> = Vec::with_capacity(count);
    while streams.len() < count {
        let window = (count - streams.len()).min(50);
        let start = streams.len();
        for _ in 0..window {
            let mut stream = TcpStream::connect(addr).unwrap();
            stream.set_read_timeout(Some(TIMEOUT)).unwrap();
            stream.write_all(&hello).unwrap();
            streams.push(stream);
        }
        for stream in &mut streams[start..] {
            let mut their_greeting = [0u8; 64];
            stream.read_exact(&mut their_greeting).unwrap();
        }
    }
    println!("connected {}", streams.len());
    std::io::stdout().flush().unwrap();
    let mut line = String::new();
    let _ = std::io::stdin().read_line(&mut line);
    drop(streams);
}

fn server_with_idle_peers(count: usize) {
    let limit = raise_fd_limit();
    assert!(
        limit as usize > count + 100,
        "fd limit {limit} is too low for {count} connections"
    );
    let ctx = ctx();
    let (server, endpoint) = tcp_server(&ctx);
    let Endpoint::Tcp(addr) = &endpoint else {
        unreachable!()
    };
    let before = resident_kib();
    let started = std::time::Instant::now();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--ignored", "--exact", "idle_peers_child", "--nocapture"])
        .env(CHILD_ENV, format!("{addr} {count}"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut ids = std::collections::HashSet::new();
    for _ in 0..count {
        let msg = server.recv_msg().unwrap();
        assert_eq!(msg.as_bytes(), b"hello");
        assert!(ids.insert(msg.routing_id().unwrap()), "ids are unique");
    }
    // The test harness of the child prints its own lines first.
    // (The pipe stays open until the child ends, or its last lines fail.)
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let connected = stdout
        .by_ref()
        .lines()
        .map_while(Result::ok)
        // (With --nocapture libtest may put "test idle_peers_child ... "
        // in front of it on the same line.)
        .find_map(|line| {
            line.find("connected ")
                .map(|at| line[at..].trim_end().to_owned())
        });
    assert_eq!(connected, Some(format!("connected {count}")));
    let per_connection =
        (resident_kib().saturating_sub(before)) * 1024 / count as u64;
    eprintln!(
        "{count} idle connections: ~{per_connection} bytes each, {:?}",
        started.elapsed()
    );

    // One more client streams while the others stay silent.
    let client = client_to(&ctx, &endpoint);
    let messages = 100_000;
    let sender = std::thread::spawn(move || {
        for i in 0..messages {
            client.send(format!("{i:08}")).unwrap();
        }
        client
    });
    let first = server.recv_msg().unwrap();
    let streamer = first.routing_id().unwrap();
    assert_eq!(first.to_str(), Ok("00000000"));
    for i in 1..messages {
        let msg = server.recv_msg().unwrap();
        assert_eq!(msg.routing_id(), Some(streamer));
        assert_eq!(msg.to_str().unwrap(), format!("{i:08}"));
    }
    let client = sender.join().unwrap();
    eprintln!("streamed after {:?}", started.elapsed());
    // Replies reach the streamer and an idle peer alike.
    server.route("done", streamer).unwrap();
    assert_eq!(client.recv_msg().unwrap().to_str(), Ok("done"));
    let idle = *ids.iter().next().unwrap();
    server.route("still there?", idle).unwrap();
    drop(child.stdin.take());
    std::io::copy(&mut stdout, &mut std::io::sink()).unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "idle peers: {status}");
    // The peers left: the Server forgets them.
    assert!(eventually(|| server
        .route("gone", idle)
        .is_err_and(|e| e.kind() == ErrorKind::HostUnreachable)));
}

#[test]
fn server_with_1000_idle_peers() {
    server_with_idle_peers(1000);
}

#[test]
fn server_with_10000_idle_peers() {
    server_with_idle_peers(10_000);
}
