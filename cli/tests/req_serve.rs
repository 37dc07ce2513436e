//! `zmq req` against `zmq serve`, and against a peer that never answers.

mod common;

use common::{
    assert_clean_error, fails, keygen, spawn_bound, unused_tcp_endpoint,
    Running, STEP,
};
use std::time::{Duration, Instant};

/// Starts `zmq serve` bound on `transport` (plus `extra`), returns it and
/// the endpoint it bound.
fn server(extra: &[&str], transport: &str) -> (Running, String) {
    let mut args = vec![
        "serve",
        "-b",
        transport,
        "--print-endpoint",
        "--timeout",
        "15s",
    ];
    args.extend_from_slice(extra);
    spawn_bound(&args)
}

/// Runs `zmq req args…` with `input` on stdin and expects `replies` on
/// stdout.
fn req(args: &[&str], input: &str, replies: &str) {
    common::zmq()
        .arg("req")
        .args(args)
        .write_stdin(input)
        .assert()
        .success()
        .stdout(replies.to_owned());
}

#[test]
fn serve_echoes_over_tcp_and_ipc() {
    for transport in ["tcp://127.0.0.1:*", "ipc://*"] {
        let (serve, endpoint) = server(&["-n", "1"], transport);
        req(&["-c", &endpoint, "ping"], "", "ping\n");
        serve.finish(STEP).success();
    }
}

#[test]
fn serve_answers_with_a_command_one_request_per_line() {
    let (serve, endpoint) =
        server(&["-n", "2", "--exec", "tr a-z A-Z"], "tcp://127.0.0.1:*");
    req(&["-c", &endpoint], "hello\nworld\n", "HELLO\nWORLD\n");
    serve.finish(STEP).success();
}

#[test]
fn a_failing_command_sends_no_reply() {
    let (serve, endpoint) = server(&["--exec", "exit 7"], "ipc://*");
    fails(
        &["req", "-c", &endpoint, "--timeout", "500ms", "anyone?"],
        3,
        "no reply within 500ms",
    );
    serve.stop();
}

#[test]
fn a_peer_that_never_answers_times_out() {
    // A server that receives the request and says nothing.
    let (silent, endpoint) = spawn_bound(&[
        "recv",
        "-t",
        "server",
        "-b",
        "tcp://127.0.0.1:*",
        "--print-endpoint",
        "--timeout",
        "15s",
    ]);
    let start = Instant::now();
    fails(
        &["req", "-c", &endpoint, "--timeout", "700ms", "hello?"],
        3,
        &format!("no reply within 700ms from {endpoint}"),
    );
    let elapsed = start.elapsed();
    assert!(elapsed >= Duration::from_millis(700), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(10), "{elapsed:?}");
    silent.stop();
}

#[test]
fn nobody_listening_times_out_too() {
    let endpoint = unused_tcp_endpoint();
    fails(
        &["req", "-c", &endpoint, "--timeout", "300ms", "hello?"],
        3,
        "no reply within 300ms",
    );
}

#[test]
fn serve_with_curve() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("svc");
    keygen(&prefix);
    let (serve, endpoint) = server(
        &[
            "-n",
            "1",
            "--curve-secret-key",
            &format!("@{}.key", prefix.display()),
        ],
        "tcp://127.0.0.1:*",
    );
    let server_key = format!("@{}.pub", prefix.display());
    req(
        &["-c", &endpoint, "--curve-server-key", &server_key, "sealed"],
        "",
        "sealed\n",
    );
    serve.finish(STEP).success();
}

#[test]
fn serve_gives_up_after_its_timeout() {
    let (quiet, _) = spawn_bound(&[
        "serve",
        "-b",
        "ipc://*",
        "--print-endpoint",
        "--timeout",
        "300ms",
    ]);
    let out = quiet.finish(STEP);
    assert_eq!(out.status.code(), Some(3));
    assert_clean_error(&out.stderr, "no request within 300ms (0 answered)");
}

#[test]
fn rep_and_router_serve_req_and_dealer() {
    let (serve, endpoint) =
        server(&["-t", "rep", "-n", "1", "--exec", "tr a-z A-Z"], "ipc://*");
    req(&["-t", "req", "-c", &endpoint, "strict"], "", "STRICT\n");
    serve.finish(STEP).success();

    // A router keeps the envelope (routing id, delimiter) and answers the
    // body: to a req, and to a dealer with a two-part request.
    let (serve, endpoint) =
        server(&["-t", "router", "-n", "2"], "tcp://127.0.0.1:*");
    req(&["-t", "req", "-c", &endpoint, "via req"], "", "via req\n");
    req(
        &["-t", "dealer", "-c", &endpoint, "two", "parts"],
        "",
        "two\tparts\n",
    );
    serve.finish(STEP).success();
}
