//! The `AcceptFailed` monitor event: the process runs out of file
//! descriptors. Alone in its test binary, since it lowers the descriptor
//! limit of the whole process for a moment.

mod common;

use common::*;
use libzmq::monitor::EventKind;
use libzmq::{prelude::*, *};
use std::time::Instant;

/// The highest file descriptor open in this process.
fn highest_fd() -> u64 {
    std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse().ok())
        .max()
        .unwrap()
}

fn nofile_limit() -> libc::rlimit {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `limit` is a valid rlimit for getrlimit to fill in.
    assert_eq!(
        unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) },
        0
    );
    limit
}

fn set_nofile_limit(limit: &libc::rlimit) {
    // SAFETY: `limit` is a valid rlimit; lowering the soft limit, or
    // restoring it below the hard limit, needs no privilege.
    assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, limit) }, 0);
}

#[test]
fn accept_failed_when_out_of_file_descriptors() {
    let ctx = ctx();
    let server = ServerBuilder::new().with_ctx(ctx.handle()).unwrap();
    let events = server.monitor();
    server.bind(endpoint("tcp")).unwrap();
    let addr = socket_addr(&server.last_endpoint().unwrap());
    // The clients' descriptors exist before the limit drops: connecting
    // them needs none, accepting them does.
    let clients: Vec<socket2::Socket> = (0..2)
        .map(|_| {
            socket2::Socket::new(
                socket2::Domain::IPV4,
                socket2::Type::STREAM,
                None,
            )
            .unwrap()
        })
        .collect();
    let saved = nofile_limit();
    let lowered = libc::rlimit {
        rlim_cur: highest_fd() + 1,
        rlim_max: saved.rlim_max,
    };
    set_nofile_limit(&lowered);
    // Take the free descriptors below the limit too.
    let fillers: Vec<std::fs::File> =
        std::iter::from_fn(|| std::fs::File::open("/dev/null").ok()).collect();
    for client in &clients {
        client.connect(&addr.into()).unwrap();
    }
    let deadline = Instant::now() + TIMEOUT;
    let mut seen = Vec::new();
    let failed = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match events.recv_timeout(left) {
            Some(event) => match &event.kind {
                EventKind::AcceptFailed { reason } => break reason.clone(),
                _ => seen.push(event.to_string()),
            },
            None => {
                set_nofile_limit(&saved);
                panic!("no AcceptFailed; got {seen:#?}");
            }
        }
    };
    set_nofile_limit(&saved);
    drop(fillers);
    assert!(!failed.is_empty());
}
