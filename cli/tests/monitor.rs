//! `zmq monitor`: the events of a socket as a live log.

mod common;

use common::{fails_after, spawn_bound, unused_tcp_endpoint, Running, STEP};

#[test]
fn a_server_logs_a_client_coming_and_going() {
    let (monitor, endpoint) = spawn_bound(&[
        "monitor",
        "-t",
        "server",
        "-b",
        "tcp://127.0.0.1:*",
        "--print-endpoint",
        "-n",
        "4",
        "--timeout",
        "15s",
    ]);
    let sender =
        Running::spawn(&["send", "-t", "client", "-c", &endpoint, "hello"]);
    sender.finish(STEP).success();
    let log = monitor.finish(STEP).success().stdout_text();
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(lines.len(), 4, "{log}");
    for (line, what) in lines.iter().zip([
        "listening",
        "accepted from 127.0.0.1:",
        "handshake succeeded (NULL, CLIENT",
        "disconnected",
    ]) {
        // RFC 3339 time, the endpoint, the event.
        assert!(
            line.starts_with("20") && line.contains("Z tcp://127.0.0.1:"),
            "{line}"
        );
        assert!(
            line.contains(&endpoint) && line.contains(what),
            "{what} in {line}"
        );
    }
}

#[test]
fn a_client_logs_its_retries_and_a_silent_log_times_out() {
    let endpoint = unused_tcp_endpoint();
    let out = common::zmq()
        .args([
            "monitor",
            "-t",
            "client",
            "-c",
            &endpoint,
            "-n",
            "2",
            "--timeout",
            "10s",
        ])
        .assert()
        .success();
    let log = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(
        log.contains("connect delayed") || log.contains("connect retried"),
        "{log}"
    );

    let log = fails_after(
        &[
            "monitor",
            "-t",
            "gather",
            "-b",
            "ipc://*",
            "-n",
            "2",
            "--timeout",
            "300ms",
        ],
        3,
        "no event within 300ms (1 seen)",
    );
    assert_eq!(log.lines().count(), 1, "{log}");
}
