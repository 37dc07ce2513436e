//! `zmq req` against `zmq serve`, and against a peer that never answers.

mod common;

use common::{assert_clean_error, Running, STEP};
use std::time::{Duration, Instant};

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
    let mut serve = Running::spawn(&args);
    let endpoint = serve.endpoint();
    (serve, endpoint)
}

#[test]
fn serve_echoes_over_tcp_and_ipc() {
    for transport in ["tcp://127.0.0.1:*", "ipc://*"] {
        let (serve, endpoint) = server(&["-n", "1"], transport);
        common::zmq()
            .args(["req", "-c", &endpoint, "ping"])
            .assert()
            .success()
            .stdout("ping\n");
        serve.finish(STEP).success();
    }
}

#[test]
fn serve_answers_with_a_command_one_request_per_line() {
    let (serve, endpoint) =
        server(&["-n", "2", "--exec", "tr a-z A-Z"], "tcp://127.0.0.1:*");
    common::zmq()
        .args(["req", "-c", &endpoint])
        .write_stdin("hello\nworld\n")
        .assert()
        .success()
        .stdout("HELLO\nWORLD\n");
    serve.finish(STEP).success();
}

#[test]
fn a_failing_command_sends_no_reply() {
    let (serve, endpoint) = server(&["--exec", "exit 7"], "ipc://*");
    let out = common::zmq()
        .args(["req", "-c", &endpoint, "--timeout", "500ms", "anyone?"])
        .assert()
        .code(3);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert_clean_error(&stderr, "no reply within 500ms");
    serve.stop();
}

#[test]
fn a_peer_that_never_answers_times_out() {
    // A server that receives the request and says nothing.
    let mut silent = Running::spawn(&[
        "recv",
        "-t",
        "server",
        "-b",
        "tcp://127.0.0.1:*",
        "--print-endpoint",
        "--timeout",
        "15s",
    ]);
    let endpoint = silent.endpoint();
    let start = Instant::now();
    let out = common::zmq()
        .args(["req", "-c", &endpoint, "--timeout", "700ms", "hello?"])
        .assert()
        .code(3);
    let elapsed = start.elapsed();
    assert!(elapsed >= Duration::from_millis(700), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(10), "{elapsed:?}");
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert_clean_error(
        &stderr,
        &format!("no reply within 700ms from {endpoint}"),
    );
    silent.stop();
}

#[test]
fn nobody_listening_times_out_too() {
    // A port that was free a moment ago: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let endpoint = format!("tcp://127.0.0.1:{port}");
    let out = common::zmq()
        .args(["req", "-c", &endpoint, "--timeout", "300ms", "hello?"])
        .assert()
        .code(3);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert_clean_error(&stderr, "no reply within 300ms");
}

#[test]
fn serve_with_curve() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("svc");
    common::zmq()
        .args(["keygen", "--out"])
        .arg(&prefix)
        .assert()
        .success();
    let (serve, endpoint) = server(
        &[
            "-n",
            "1",
            "--curve-secret-key",
            &format!("@{}.key", prefix.display()),
        ],
        "tcp://127.0.0.1:*",
    );
    common::zmq()
        .args(["req", "-c", &endpoint, "--curve-server-key"])
        .arg(format!("@{}.pub", prefix.display()))
        .arg("sealed")
        .assert()
        .success()
        .stdout("sealed\n");
    serve.finish(STEP).success();
}

#[test]
fn serve_gives_up_after_its_timeout() {
    let mut quiet = Running::spawn(&[
        "serve",
        "-b",
        "ipc://*",
        "--print-endpoint",
        "--timeout",
        "300ms",
    ]);
    quiet.endpoint();
    let out = quiet.finish(STEP);
    assert_eq!(out.status.code(), Some(3));
    assert_clean_error(&out.stderr, "no request within 300ms (0 answered)");
}

#[test]
fn rep_and_router_serve_req_and_dealer() {
    let (serve, endpoint) =
        server(&["-t", "rep", "-n", "1", "--exec", "tr a-z A-Z"], "ipc://*");
    common::zmq()
        .args(["req", "-t", "req", "-c", &endpoint, "strict"])
        .assert()
        .success()
        .stdout("STRICT\n");
    serve.finish(STEP).success();

    // A router keeps the envelope (routing id, delimiter) and answers the
    // body: to a req, and to a dealer with a two-part request.
    let (serve, endpoint) =
        server(&["-t", "router", "-n", "2"], "tcp://127.0.0.1:*");
    common::zmq()
        .args(["req", "-t", "req", "-c", &endpoint, "via req"])
        .assert()
        .success()
        .stdout("via req\n");
    common::zmq()
        .args(["req", "-t", "dealer", "-c", &endpoint, "two", "parts"])
        .assert()
        .success()
        .stdout("two\tparts\n");
    serve.finish(STEP).success();
}
