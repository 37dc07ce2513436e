//! The `zmq` command-line tool (crate `libzmq-cli`) against the real C
//! libzmq 4.3.5: `zmq send` / `zmq recv` with a libzmq GATHER / SCATTER,
//! `zmq req` / `zmq serve` with a libzmq SERVER / CLIENT, and CURVE with a
//! libzmq client and a key pair from `zmq keygen`.
//!
//! The binary is the one cargo built for `libzmq-cli` in the same target
//! directory (`cargo test --workspace` builds it; alone, run
//! `cargo test -p libzmq-cli -p interop`). Every process and every libzmq
//! call is bounded in time; all endpoints are free ports or fresh IPC paths.

use interop::lz::{self, Socket as LzSocket};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc::channel;
use std::time::Duration;

/// Upper bound of every libzmq call and of every `zmq` process.
const TIMEOUT_MS: i32 = 10_000;
const STEP: Duration = Duration::from_secs(20);

/// The `zmq` binary next to this test's own directory (`target/<profile>`).
fn zmq_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("the test knows its path");
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("tests run from target/<profile>/deps");
    let binary =
        profile_dir.join(format!("zmq{}", std::env::consts::EXE_SUFFIX));
    assert!(
        binary.exists(),
        "{} is missing: build it with `cargo build -p libzmq-cli` (or run \
         `cargo test -p libzmq-cli -p interop`)",
        binary.display()
    );
    binary
}

/// Starts `zmq args…`; with `input`, writes it to stdin and closes it.
fn spawn(args: &[&str], input: Option<&[u8]>) -> Child {
    let mut child = Command::new(zmq_binary())
        .args(args)
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("zmq starts");
    if let Some(input) = input {
        let mut stdin = child.stdin.take().expect("piped stdin");
        stdin.write_all(input).expect("zmq reads its stdin");
    }
    child
}

/// The first line `zmq … --print-endpoint` writes on stderr.
fn printed_endpoint(child: &mut Child) -> String {
    let stderr = child.stderr.take().expect("piped stderr");
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stderr).read_line(&mut line);
        let _ = tx.send(line);
    });
    match rx.recv_timeout(STEP) {
        Ok(line) if !line.is_empty() => line.trim().to_owned(),
        _ => {
            let _ = child.kill();
            panic!("zmq printed no endpoint within {STEP:?}");
        }
    }
}

/// Starts `zmq command… -b tcp://127.0.0.1:* --print-endpoint -n count
/// --timeout 15s extra…`; returns it and the endpoint it bound.
fn spawn_bound(
    command: &[&str],
    count: &str,
    extra: &[&str],
) -> (Child, String) {
    let bound = [
        "-b",
        "tcp://127.0.0.1:*",
        "--print-endpoint",
        "-n",
        count,
        "--timeout",
        "15s",
    ];
    let mut child = spawn(&[command, &bound, extra].concat(), None);
    let endpoint = printed_endpoint(&mut child);
    (child, endpoint)
}

/// Waits up to [`STEP`] for `child` to exit, killing it otherwise.
fn finish(mut child: Child) -> Output {
    let (tx, rx) = channel();
    let mut stdout = child.stdout.take().expect("piped stdout");
    std::thread::spawn(move || {
        let mut all = Vec::new();
        let _ = stdout.read_to_end(&mut all);
        let _ = tx.send(all);
    });
    let stdout = match rx.recv_timeout(STEP) {
        Ok(stdout) => stdout,
        Err(_) => {
            let _ = child.kill();
            let _ = child.wait();
            panic!("zmq did not finish within {STEP:?}");
        }
    };
    let mut stderr = Vec::new();
    if let Some(mut err) = child.stderr.take() {
        let _ = err.read_to_end(&mut stderr);
    }
    let status = child.wait().expect("zmq is waited for");
    Output {
        status,
        stdout,
        stderr,
    }
}

fn assert_success(output: &Output) {
    assert!(
        output.status.success(),
        "{:?}: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A libzmq socket of `kind` with bounded send and receive.
fn lz_socket(ctx: &lz::Ctx, kind: i32) -> LzSocket {
    let socket = LzSocket::new(ctx, kind).unwrap();
    socket.set_sndtimeo(TIMEOUT_MS).unwrap();
    socket.set_rcvtimeo(TIMEOUT_MS).unwrap();
    socket
}

#[test]
fn zmq_send_to_a_libzmq_gather_over_tcp_and_ipc() {
    let ctx = lz::Ctx::new();
    for transport in ["tcp://127.0.0.1:*", "ipc://*"] {
        let gather = lz_socket(&ctx, lz::GATHER);
        gather.bind(transport).unwrap();
        let endpoint = gather.last_endpoint();
        let send = spawn(
            &["send", "-t", "scatter", "-c", &endpoint],
            Some(b"one\ntwo\n"),
        );
        assert_eq!(gather.recv().unwrap().data, b"one");
        assert_eq!(gather.recv().unwrap().data, b"two");
        assert_success(&finish(send));
    }
}

#[test]
fn zmq_recv_from_a_libzmq_scatter() {
    let ctx = lz::Ctx::new();
    let (recv, endpoint) =
        spawn_bound(&["recv", "-t", "gather"], "2", &["--hex"]);
    let scatter = lz_socket(&ctx, lz::SCATTER);
    scatter.connect(&endpoint).unwrap();
    scatter.send(b"\x00binary\xff").unwrap();
    scatter.send(b"").unwrap();
    let output = finish(recv);
    assert_success(&output);
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "0062696e617279ff\n\n"
    );
}

#[test]
fn zmq_req_to_a_libzmq_server() {
    let ctx = lz::Ctx::new();
    let server = lz_socket(&ctx, lz::SERVER);
    server.bind("ipc://*").unwrap();
    let endpoint = server.last_endpoint();
    let req =
        spawn(&["req", "-c", &endpoint, "--timeout", "15s", "ping"], None);
    let request = server.recv().unwrap();
    assert_eq!(request.data, b"ping");
    server.send_routed(b"pong", request.routing_id).unwrap();
    let output = finish(req);
    assert_success(&output);
    assert_eq!(output.stdout, b"pong\n");
}

#[test]
fn zmq_serve_answers_a_libzmq_client() {
    let ctx = lz::Ctx::new();
    let (serve, endpoint) = spawn_bound(&["serve"], "1", &["--exec", "rev"]);
    let client = lz_socket(&ctx, lz::CLIENT);
    client.connect(&endpoint).unwrap();
    client.send(b"stressed").unwrap();
    assert_eq!(client.recv().unwrap().data, b"desserts");
    assert_success(&finish(serve));
}

#[test]
fn zmq_recv_as_curve_server_for_a_libzmq_client() {
    let dir = std::env::temp_dir()
        .join(format!("zmq-cli-interop-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let prefix = dir.join("server");
    let keygen = Command::new(zmq_binary())
        .args(["keygen", "--force", "--out"])
        .arg(&prefix)
        .output()
        .unwrap();
    assert_success(&keygen);
    let server_public =
        String::from_utf8(keygen.stdout).unwrap().trim().to_owned();

    let secret_arg = format!("@{}.key", prefix.display());
    let (recv, endpoint) = spawn_bound(
        &["recv", "-t", "gather"],
        "1",
        &["--curve-secret-key", &secret_arg],
    );
    let ctx = lz::Ctx::new();
    let scatter = lz_socket(&ctx, lz::SCATTER);
    let (public, secret) = lz::curve_keypair();
    scatter.set_curve_serverkey(&server_public).unwrap();
    scatter.set_curve_publickey(&public).unwrap();
    scatter.set_curve_secretkey(&secret).unwrap();
    scatter.connect(&endpoint).unwrap();
    scatter.send(b"sealed by libzmq").unwrap();
    let output = finish(recv);
    let _ = std::fs::remove_dir_all(&dir);
    assert_success(&output);
    assert_eq!(output.stdout, b"sealed by libzmq\n");
}
