//! `zmq monitor`: the events of a socket as a live log.

mod common;

use common::{assert_clean_error, Running, STEP};

#[test]
fn a_server_logs_a_client_coming_and_going() {
    let mut monitor = Running::spawn(&[
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
    let endpoint = monitor.endpoint();
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
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let endpoint = format!("tcp://127.0.0.1:{port}");
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

    let out = common::zmq()
        .args([
            "monitor",
            "-t",
            "gather",
            "-b",
            "ipc://*",
            "-n",
            "2",
            "--timeout",
            "300ms",
        ])
        .assert()
        .code(3);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert_clean_error(&stderr, "no event within 300ms (1 seen)");
}
