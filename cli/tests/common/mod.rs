//! Helpers for the tests that drive the real `zmq` binary: every wait is
//! bounded, and every process is killed if a test fails.

#![allow(dead_code)] // Each test file uses a part of the helpers.

use assert_cmd::cargo::CommandCargoExt;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::Duration;

/// The longest any single step of a test may take.
pub const STEP: Duration = Duration::from_secs(20);

/// The longest a sender whose peer refused or stalled its handshake may
/// take to exit. Its linger should bound that, but a connection still in
/// its handshake when the ctx is dropped can keep it alive until the
/// handshake timeout (30 s): a library issue, reported.
pub const REFUSED: Duration = Duration::from_secs(45);

/// `zmq` as an `assert_cmd` command, killed after [`STEP`].
pub fn zmq() -> assert_cmd::Command {
    let mut cmd =
        assert_cmd::Command::cargo_bin("zmq").expect("the zmq binary is built");
    cmd.timeout(STEP);
    cmd
}

/// What a finished process left.
#[derive(Debug)]
pub struct Finished {
    pub status: ExitStatus,
    pub stdout: Vec<u8>,
    pub stderr: String,
}

impl Finished {
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// Asserts a success, showing stderr otherwise.
    pub fn success(self) -> Self {
        assert!(self.status.success(), "{:?}: {}", self.status, self.stderr);
        self
    }
}

/// A `zmq` process running in the background: its stderr comes line by
/// line (for the endpoints it prints), its stdout all at once at the end.
pub struct Running {
    args: Vec<String>,
    child: Child,
    stdout: Receiver<Vec<u8>>,
    stderr: Receiver<String>,
}

impl Running {
    /// Starts `zmq args…` with stdin closed.
    pub fn spawn(args: &[&str]) -> Self {
        Self::spawn_with_input(args, None)
    }

    /// Starts `zmq args…` and writes `input` to its stdin (then closes it).
    pub fn spawn_with_input(args: &[&str], input: Option<Vec<u8>>) -> Self {
        let mut command =
            Command::cargo_bin("zmq").expect("the zmq binary is built");
        command
            .args(args)
            .stdin(if input.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().expect("zmq starts");
        if let Some(input) = input {
            let mut stdin = child.stdin.take().expect("piped stdin");
            std::thread::spawn(move || {
                let _ = stdin.write_all(&input);
            });
        }
        let mut out = child.stdout.take().expect("piped stdout");
        let (stdout_tx, stdout) = channel();
        std::thread::spawn(move || {
            let mut all = Vec::new();
            let _ = out.read_to_end(&mut all);
            let _ = stdout_tx.send(all);
        });
        let err = child.stderr.take().expect("piped stderr");
        let (stderr_tx, stderr) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines() {
                let Ok(line) = line else { break };
                if stderr_tx.send(line).is_err() {
                    break;
                }
            }
        });
        Self {
            args: args.iter().map(|arg| arg.to_string()).collect(),
            child,
            stdout,
            stderr,
        }
    }

    /// The next line on stderr: the endpoint printed by `--print-endpoint`.
    pub fn endpoint(&mut self) -> String {
        match self.stderr.recv_timeout(STEP) {
            Ok(line) => line,
            Err(_) => {
                let _ = self.child.kill();
                let rest: Vec<String> = self.stderr.try_iter().collect();
                panic!(
                    "no endpoint printed by zmq {:?} within {STEP:?}: {rest:?}",
                    self.args
                );
            }
        }
    }

    /// Waits up to `within` for the process to end on its own.
    pub fn finish(mut self, within: Duration) -> Finished {
        let stdout = match self.stdout.recv_timeout(within) {
            Ok(stdout) => stdout,
            Err(_) => {
                let _ = self.child.kill();
                let _ = self.child.wait();
                let stderr: Vec<String> = self.stderr.try_iter().collect();
                panic!(
                    "zmq {:?} did not finish within {within:?}; stderr: {stderr:?}",
                    self.args
                );
            }
        };
        let status = self.child.wait().expect("zmq is waited for");
        let stderr: Vec<String> = self.stderr.iter().collect();
        Finished {
            status,
            stdout,
            stderr: stderr.join("\n"),
        }
    }

    /// Stops the process (e.g. a sender that repeats forever).
    pub fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Asserts that an error went to stderr as one clean line: no panic, no
/// backtrace.
pub fn assert_clean_error(stderr: &str, contains: &str) {
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(
        stderr.contains(contains),
        "expected `{contains}` in: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.contains("backtrace"), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
}

/// Runs `zmq args…`, expects exit status `code`, nothing on stdout and one
/// clean error line that contains `message`.
pub fn fails(args: &[&str], code: i32, message: &str) {
    let stdout = fails_after(args, code, message);
    assert!(stdout.is_empty(), "{stdout}");
}

/// [`fails`] for a command that may write something before it fails:
/// returns its stdout.
pub fn fails_after(args: &[&str], code: i32, message: &str) -> String {
    let out = zmq()
        .args(args)
        .env("RUST_BACKTRACE", "1")
        .assert()
        .code(code);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert_clean_error(&stderr, message);
    String::from_utf8_lossy(&out.get_output().stdout).into_owned()
}

/// Runs `zmq args…` to success and returns its stdout.
pub fn stdout_of(args: &[&str]) -> String {
    let out = zmq().args(args).assert().success();
    String::from_utf8_lossy(&out.get_output().stdout).into_owned()
}

/// Starts `zmq args…` (with `--print-endpoint`) and returns it with the
/// first endpoint it bound.
pub fn spawn_bound(args: &[&str]) -> (Running, String) {
    let mut running = Running::spawn(args);
    let endpoint = running.endpoint();
    (running, endpoint)
}

/// Starts `zmq recv -t kind -c endpoint --timeout 15s extra…`.
pub fn recv_from(kind: &str, endpoint: &str, extra: &[&str]) -> Running {
    let mut args = vec!["recv", "-t", kind, "-c", endpoint, "--timeout", "15s"];
    args.extend_from_slice(extra);
    Running::spawn(&args)
}

/// Starts `zmq send -t kind -c endpoint -n 0 --interval 10ms extra…`: a
/// sender that repeats its message until it is stopped (for the types that
/// drop what no peer wants yet).
pub fn repeat_to(kind: &str, endpoint: &str, extra: &[&str]) -> Running {
    let mut args = vec![
        "send",
        "-t",
        kind,
        "-c",
        endpoint,
        "-n",
        "0",
        "--interval",
        "10ms",
    ];
    args.extend_from_slice(extra);
    Running::spawn(&args)
}

/// Writes a CURVE key pair with `zmq keygen --out prefix`
/// (`prefix.key`, `prefix.pub`).
pub fn keygen(prefix: &std::path::Path) {
    zmq()
        .args(["keygen", "--out"])
        .arg(prefix)
        .assert()
        .success();
}

/// A TCP endpoint on a port that was free a moment ago: nothing listens
/// there.
pub fn unused_tcp_endpoint() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    format!("tcp://127.0.0.1:{port}")
}
