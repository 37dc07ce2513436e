//! pyzmq peers for the interop tests: a Python venv with a pinned pyzmq
//! (which bundles its own C libzmq), and [`PyPeer`], a Python process that
//! drives pyzmq sockets on command (`interop/py/peer.py`).
//!
//! [`PyZmq::ensure`] makes the venv on first use (`python3 -m venv`, then
//! `pip install pyzmq==`[`PYZMQ_VERSION`] from PyPI) under a directory the
//! caller chooses, e.g. the tests' `CARGO_TARGET_TMPDIR`, and reuses it
//! afterwards. An exclusive `flock` on a file beside it serialises the
//! test threads and processes that need it at the same time; a marker file
//! written last says the venv is complete, so a run interrupted halfway is
//! redone. Every child process is bounded in time and killed past it.
//!
//! ```no_run
//! use interop::pyzmq::{PyPeer, PyZmq};
//!
//! let python = PyZmq::ensure(std::path::Path::new("/tmp/pyzmq-venvs"))?;
//! let mut peer = PyPeer::spawn(&python)?;
//! peer.socket("pull", "PULL")?;
//! let endpoint = peer.bind("pull", "tcp://127.0.0.1:*")?;
//! // ... connect a PUSH to `endpoint`, send ...
//! let frames = peer.recv("pull")?;
//! peer.quit()?;
//! # Ok::<(), interop::pyzmq::PyError>(())
//! ```

use std::fs::{self, File};
use std::io::{BufRead, BufReader, Read, Write};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// The pyzmq release the tests run against (from PyPI; it bundles libzmq
/// 4.3.5).
pub const PYZMQ_VERSION: &str = "27.3.0";

/// The Python that makes the venv (the venv then has its own).
pub const SYSTEM_PYTHON: &str = "python3";

/// Upper bound of `python3 -m venv` plus `pip install`.
pub const INSTALL_TIMEOUT: Duration = Duration::from_secs(600);

/// Upper bound of one [`PyPeer`] command (pyzmq's own send/receive
/// timeouts are [`PEER_SOCKET_TIMEOUT_MS`], well below it).
pub const REPLY_TIMEOUT: Duration = Duration::from_secs(30);

/// Send/receive timeout of every pyzmq socket a [`PyPeer`] makes (ms).
pub const PEER_SOCKET_TIMEOUT_MS: u32 = 10_000;

/// A [`PyPeer`] process ends itself after this long, whatever happens.
pub const PEER_MAX_SECONDS: u32 = 180;

/// The peer script.
pub const PEER_SCRIPT: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/py/peer.py");

/// What went wrong with the venv or a peer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PyError {
    /// The venv could not be made or pyzmq not installed (the message says
    /// what ran and what it printed).
    Setup(String),
    /// The peer process failed, stopped, or did not answer in time.
    Peer(String),
    /// The peer ran the command and pyzmq failed it: the errno name
    /// (`EAGAIN`, `EFSM`, `EHOSTUNREACH`, ...) or the Python exception, and
    /// the detail.
    Failed(String, String),
}

impl PyError {
    /// The errno (or exception) name of a [`PyError::Failed`].
    pub fn failed_name(&self) -> Option<&str> {
        match self {
            PyError::Failed(name, _) => Some(name),
            _ => None,
        }
    }
}

impl std::fmt::Display for PyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PyError::Setup(m) => write!(f, "pyzmq setup: {m}"),
            PyError::Peer(m) => write!(f, "pyzmq peer: {m}"),
            PyError::Failed(name, detail) => {
                write!(f, "pyzmq: {name} ({})", detail.replace('_', " "))
            }
        }
    }
}

impl std::error::Error for PyError {}

// ---------------------------------------------------------------------------
// The venv
// ---------------------------------------------------------------------------

/// A venv's Python with pyzmq [`PYZMQ_VERSION`] importable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PyZmq {
    python: PathBuf,
}

impl PyZmq {
    /// The venv under `dir` (made on first use: see the module docs). Once
    /// per process; later calls return the first result.
    pub fn ensure(dir: &Path) -> Result<PyZmq, PyError> {
        static READY: OnceLock<Result<PyZmq, PyError>> = OnceLock::new();
        READY.get_or_init(|| Self::ensure_locked(dir)).clone()
    }

    /// The venv's Python.
    pub fn python(&self) -> &Path {
        &self.python
    }

    fn ensure_locked(dir: &Path) -> Result<PyZmq, PyError> {
        let setup = |what: &str, e: std::io::Error| {
            PyError::Setup(format!("{what} {}: {e}", dir.display()))
        };
        fs::create_dir_all(dir).map_err(|e| setup("mkdir", e))?;
        let venv = dir.join(format!("pyzmq-{PYZMQ_VERSION}"));
        let lock =
            File::create(dir.join(format!("pyzmq-{PYZMQ_VERSION}.lock")))
                .map_err(|e| setup("lock file in", e))?;
        let _guard =
            FileLock::exclusive(&lock).map_err(|e| setup("flock in", e))?;

        let marker = venv.join("interop-ready");
        let python = venv.join("bin").join("python");
        if !marker.exists() {
            install(&venv, &python).map_err(PyError::Setup)?;
        }
        let found = run(
            Command::new(&python).args([
                "-c",
                "import zmq; print(zmq.pyzmq_version(), zmq.zmq_version())",
            ]),
            Duration::from_secs(60),
        )
        .map_err(PyError::Setup)?;
        let want = format!("{PYZMQ_VERSION} 4.3.5");
        if found.trim() != want {
            // Not what we installed: redo it next time.
            let _ = fs::remove_file(&marker);
            return Err(PyError::Setup(format!(
                "{} has pyzmq/libzmq {:?}, not {want:?}",
                venv.display(),
                found.trim()
            )));
        }
        fs::write(&marker, &found).map_err(|e| setup("marker in", e))?;
        Ok(PyZmq { python })
    }
}

/// Makes the venv afresh and installs pyzmq in it.
fn install(venv: &Path, python: &Path) -> Result<(), String> {
    if venv.exists() {
        fs::remove_dir_all(venv)
            .map_err(|e| format!("rm -r {}: {e}", venv.display()))?;
    }
    let deadline = Instant::now() + INSTALL_TIMEOUT;
    run(
        Command::new(SYSTEM_PYTHON).arg("-m").arg("venv").arg(venv),
        INSTALL_TIMEOUT,
    )?;
    let pip = format!("pyzmq=={PYZMQ_VERSION}");
    run(
        Command::new(python).args([
            "-m",
            "pip",
            "install",
            "--disable-pip-version-check",
            "--no-input",
            "--quiet",
            &pip,
        ]),
        deadline.saturating_duration_since(Instant::now()),
    )
    .map_err(|e| {
        format!("could not install {pip} from PyPI (network?): {e}")
    })?;
    Ok(())
}

/// Runs `command` to its end within `timeout` (killed past it); its
/// stdout, or an error with what it printed.
fn run(command: &mut Command, timeout: Duration) -> Result<String, String> {
    let shown = format!("{command:?}");
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("{shown}: {e}"))?;
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let status = wait_within(&mut child, timeout);
    let output = |drained: std::thread::JoinHandle<String>| {
        drained.join().unwrap_or_default()
    };
    let (out, err) = (output(stdout), output(stderr));
    match status {
        Some(status) if status.success() => Ok(out),
        Some(status) => Err(format!("{shown}: {status}\n{out}{err}")),
        None => Err(format!("{shown}: killed after {timeout:?}\n{out}{err}")),
    }
}

/// Reads a child's pipe to its end in a thread.
fn drain<R: Read + Send + 'static>(
    pipe: Option<R>,
) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(mut pipe) = pipe {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            text = String::from_utf8_lossy(&bytes).into_owned();
        }
        text
    })
}

/// Waits for `child` up to `timeout`; kills (and reaps) it past that:
/// `None` then.
fn wait_within(child: &mut Child, timeout: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + timeout;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Some(status),
            Ok(None) if Instant::now() < deadline => {
                // std has no wait with a timeout: look again shortly.
                std::thread::sleep(Duration::from_millis(20));
            }
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        }
    }
}

/// An exclusive `flock(2)`, released on drop.
struct FileLock<'a>(&'a File);

impl<'a> FileLock<'a> {
    fn exclusive(file: &'a File) -> std::io::Result<Self> {
        loop {
            // SAFETY: flock on a file descriptor we own (borrowed for the
            // lock's lifetime); no memory is passed.
            let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) };
            if rc == 0 {
                return Ok(FileLock(file));
            }
            let err = std::io::Error::last_os_error();
            if err.kind() != std::io::ErrorKind::Interrupted {
                return Err(err);
            }
        }
    }
}

impl Drop for FileLock<'_> {
    fn drop(&mut self) {
        // SAFETY: unlocks the descriptor locked in `exclusive`, still open.
        unsafe { libc::flock(self.0.as_raw_fd(), libc::LOCK_UN) };
    }
}

// ---------------------------------------------------------------------------
// A peer
// ---------------------------------------------------------------------------

/// A frame as the peer script writes it: `x` and the bytes in hex.
pub fn encode_frame(frame: &[u8]) -> String {
    let mut word = String::with_capacity(1 + 2 * frame.len());
    word.push('x');
    for byte in frame {
        word.push_str(&format!("{byte:02x}"));
    }
    word
}

/// The bytes of a frame the peer script wrote (see [`encode_frame`]).
pub fn decode_frame(word: &str) -> Result<Vec<u8>, PyError> {
    let bad = || PyError::Peer(format!("not a frame: {word:?}"));
    let hex = word.strip_prefix('x').ok_or_else(bad)?;
    if hex.len() % 2 != 0 {
        return Err(bad());
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).map_err(|_| bad()))
        .collect()
}

/// A running `peer.py`: pyzmq sockets made, configured and used on
/// command, one command at a time, each answered within
/// [`REPLY_TIMEOUT`]. Dropping it kills the process.
pub struct PyPeer {
    child: Child,
    stdin: Option<ChildStdin>,
    replies: Receiver<String>,
    stderr: Arc<Mutex<String>>,
}

impl std::fmt::Debug for PyPeer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PyPeer")
            .field("pid", &self.child.id())
            .finish()
    }
}

impl PyPeer {
    /// Starts a peer with the venv's Python.
    pub fn spawn(python: &PyZmq) -> Result<PyPeer, PyError> {
        let mut child = Command::new(python.python())
            .arg(PEER_SCRIPT)
            .arg(format!("--timeout-ms={PEER_SOCKET_TIMEOUT_MS}"))
            .arg(format!("--max-seconds={PEER_MAX_SECONDS}"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| PyError::Peer(format!("spawn {PEER_SCRIPT}: {e}")))?;
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, replies) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stderr = Arc::new(Mutex::new(String::new()));
        let log = Arc::clone(&stderr);
        let pipe = child.stderr.take().expect("piped stderr");
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines() {
                let Ok(line) = line else { break };
                let mut log = log.lock().unwrap_or_else(|e| e.into_inner());
                log.push_str(&line);
                log.push('\n');
            }
        });
        Ok(PyPeer {
            child,
            stdin,
            replies,
            stderr,
        })
    }

    fn stderr_text(&self) -> String {
        self.stderr
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Sends one command line and returns the words of its reply after
    /// `ok`/`msg`; `err` replies are [`PyError::Failed`].
    pub fn call(&mut self, words: &[&str]) -> Result<Vec<String>, PyError> {
        let line = words.join(" ");
        let stdin = self
            .stdin
            .as_mut()
            .ok_or_else(|| PyError::Peer("the peer was told to quit".into()))?;
        if let Err(e) = writeln!(stdin, "{line}").and_then(|()| stdin.flush()) {
            return Err(PyError::Peer(format!(
                "write {line:?}: {e}; stderr:\n{}",
                self.stderr_text()
            )));
        }
        let reply = match self.replies.recv_timeout(REPLY_TIMEOUT) {
            Ok(reply) => reply,
            Err(e) => {
                let why = match e {
                    RecvTimeoutError::Timeout => "no reply in time",
                    RecvTimeoutError::Disconnected => "the peer exited",
                };
                // Let the stderr reader catch up with a traceback.
                let _ = self.child.kill();
                let _ = self.child.wait();
                return Err(PyError::Peer(format!(
                    "{line:?}: {why}; stderr:\n{}",
                    self.stderr_text()
                )));
            }
        };
        let mut reply = reply.split(' ').map(str::to_owned);
        match reply.next().as_deref() {
            Some("ok" | "msg") => Ok(reply.collect()),
            Some("err") => {
                let name = reply.next().unwrap_or_default();
                let detail: Vec<String> = reply.collect();
                Err(PyError::Failed(name, detail.join(" ")))
            }
            other => Err(PyError::Peer(format!(
                "{line:?}: unexpected reply {other:?}"
            ))),
        }
    }

    /// `(pyzmq version, libzmq version, CURVE available)`.
    pub fn version(&mut self) -> Result<(String, String, bool), PyError> {
        match self.call(&["version"])?.as_slice() {
            [pyzmq, libzmq, curve] => {
                Ok((pyzmq.clone(), libzmq.clone(), curve == "1"))
            }
            other => Err(PyError::Peer(format!("version: {other:?}"))),
        }
    }

    /// A socket `name` of pyzmq type `kind` (`"PUB"`, `"ROUTER"`, ...).
    pub fn socket(&mut self, name: &str, kind: &str) -> Result<(), PyError> {
        self.call(&["socket", name, kind]).map(drop)
    }

    /// `setsockopt(zmq.<option>, value)` with an integer.
    pub fn set_int(
        &mut self,
        name: &str,
        option: &str,
        value: i64,
    ) -> Result<(), PyError> {
        self.call(&["set", name, option, &value.to_string()])
            .map(drop)
    }

    /// `setsockopt(zmq.<option>, value)` with bytes.
    pub fn set_bytes(
        &mut self,
        name: &str,
        option: &str,
        value: &[u8],
    ) -> Result<(), PyError> {
        self.call(&["set", name, option, &encode_frame(value)])
            .map(drop)
    }

    /// Binds; returns the endpoint actually bound (`ZMQ_LAST_ENDPOINT`).
    pub fn bind(
        &mut self,
        name: &str,
        endpoint: &str,
    ) -> Result<String, PyError> {
        let words = self.call(&["bind", name, endpoint])?;
        words
            .into_iter()
            .next()
            .ok_or_else(|| PyError::Peer("bind: no endpoint".into()))
    }

    /// Connects.
    pub fn connect(
        &mut self,
        name: &str,
        endpoint: &str,
    ) -> Result<(), PyError> {
        self.call(&["connect", name, endpoint]).map(drop)
    }

    /// `send_multipart(frames)`.
    pub fn send<F: AsRef<[u8]>>(
        &mut self,
        name: &str,
        frames: &[F],
    ) -> Result<(), PyError> {
        let frames: Vec<String> =
            frames.iter().map(|f| encode_frame(f.as_ref())).collect();
        let mut words = vec!["send", name];
        words.extend(frames.iter().map(String::as_str));
        self.call(&words).map(drop)
    }

    /// `recv_multipart()`: the frames of one message.
    pub fn recv(&mut self, name: &str) -> Result<Vec<Vec<u8>>, PyError> {
        self.call(&["recv", name])?
            .iter()
            .map(|w| decode_frame(w))
            .collect()
    }

    /// Closes a socket.
    pub fn close(&mut self, name: &str) -> Result<(), PyError> {
        self.call(&["close", name]).map(drop)
    }

    /// `zmq.curve_keypair()`: `(public, secret)` in Z85.
    pub fn curve_keypair(&mut self) -> Result<(String, String), PyError> {
        match self.call(&["keypair"])?.as_slice() {
            [public, secret] => Ok((public.clone(), secret.clone())),
            other => Err(PyError::Peer(format!("keypair: {other:?}"))),
        }
    }

    /// `zmq.curve_public(secret)` in Z85.
    pub fn curve_public(&mut self, secret: &str) -> Result<String, PyError> {
        let words = self.call(&["public", secret])?;
        words
            .into_iter()
            .next()
            .ok_or_else(|| PyError::Peer("public: no key".into()))
    }

    /// A ZAP handler (pyzmq's `ThreadAuthenticator`) accepting only this
    /// PLAIN user.
    pub fn auth_plain(
        &mut self,
        user: &str,
        password: &str,
    ) -> Result<(), PyError> {
        self.call(&["auth", "plain", user, password]).map(drop)
    }

    /// A ZAP handler accepting only these CURVE client keys (Z85).
    pub fn auth_curve(&mut self, allowed: &[&str]) -> Result<(), PyError> {
        let mut words = vec!["auth", "curve"];
        words.extend_from_slice(allowed);
        self.call(&words).map(drop)
    }

    /// `zmq.proxy_steerable(front, back)` in a Python thread (stopped by
    /// [`quit`](PyPeer::quit)); the two sockets are the proxy's from now on.
    pub fn proxy(&mut self, front: &str, back: &str) -> Result<(), PyError> {
        self.call(&["proxy", front, back]).map(drop)
    }

    /// Stops the proxies, closes every socket and waits for the process to
    /// end cleanly.
    pub fn quit(mut self) -> Result<(), PyError> {
        self.call(&["quit"])?;
        drop(self.stdin.take());
        match wait_within(&mut self.child, REPLY_TIMEOUT) {
            Some(status) if status.success() => Ok(()),
            status => Err(PyError::Peer(format!(
                "quit: {status:?}; stderr:\n{}",
                self.stderr_text()
            ))),
        }
    }
}

impl Drop for PyPeer {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
