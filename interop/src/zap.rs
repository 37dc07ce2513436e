//! A minimal ZAP (RFC 27) handler running inside a libzmq context.
//!
//! libzmq 4.3.5 PLAIN servers *require* a ZAP handler (without one the
//! handshake fails); CURVE servers use one when present (without one they
//! accept every client key). [`ZapHandler`] binds a REP socket to
//! `inproc://zeromq.zap.01` in the given context and answers each request
//! with the verdict of a user callback, recording the requests so tests can
//! assert on them.
//!
//! The handler thread blocks in `zmq_poll` (no timeout polling); dropping the
//! handler wakes it through an inproc PAIR control socket and joins it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::ffi;
use crate::lz::{self, ClassicSocket, Ctx, Result};

/// The fixed ZAP endpoint (RFC 27).
pub const ZAP_ENDPOINT: &str = "inproc://zeromq.zap.01";

/// One authentication request received by the handler.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZapRequest {
    /// `ZMQ_ZAP_DOMAIN` of the server socket.
    pub domain: String,
    /// Peer IP address.
    pub address: String,
    /// Routing id frame (usually empty).
    pub routing_id: Vec<u8>,
    /// `"NULL"`, `"PLAIN"` or `"CURVE"`.
    pub mechanism: String,
    /// PLAIN: `[username, password]`; CURVE: `[32-byte client public key]`.
    pub credentials: Vec<Vec<u8>>,
}

impl ZapRequest {
    /// PLAIN username/password, if this is a PLAIN request.
    pub fn plain(&self) -> Option<(&[u8], &[u8])> {
        match (self.mechanism.as_str(), self.credentials.as_slice()) {
            ("PLAIN", [u, p]) => Some((u, p)),
            _ => None,
        }
    }

    /// CURVE client public key as Z85, if this is a CURVE request.
    pub fn curve_public_z85(&self) -> Option<String> {
        match (self.mechanism.as_str(), self.credentials.as_slice()) {
            ("CURVE", [k]) if k.len() == 32 => lz::z85_encode(k),
            _ => None,
        }
    }
}

fn errno() -> i32 {
    // SAFETY: zmq_errno only reads the calling thread's errno.
    unsafe { ffi::zmq_errno() }
}

/// A running ZAP handler; stops when dropped. At most one per context.
pub struct ZapHandler {
    control: Option<ClassicSocket>,
    thread: Option<JoinHandle<()>>,
    requests: Arc<Log>,
}

#[derive(Default)]
struct Log {
    requests: Mutex<Vec<ZapRequest>>,
    changed: Condvar,
}

impl ZapHandler {
    /// Start a handler in `ctx` that accepts a request iff `authorize`
    /// returns true. Must be started before the server socket handshakes.
    pub fn start<F>(ctx: &Ctx, mut authorize: F) -> Result<Self>
    where
        F: FnMut(&ZapRequest) -> bool + Send + 'static,
    {
        static N: AtomicU64 = AtomicU64::new(0);
        let control_ep = format!(
            "inproc://lz-zap-control-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        );
        let rep = ClassicSocket::open(ctx, lz::REP)?;
        rep.bind(ZAP_ENDPOINT)?;
        let wake = ClassicSocket::open(ctx, lz::PAIR)?;
        wake.bind(&control_ep)?;
        let control = ClassicSocket::open(ctx, lz::PAIR)?;
        control.connect(&control_ep)?;

        let requests = Arc::new(Log::default());
        let log = Arc::clone(&requests);
        let thread = std::thread::Builder::new()
            .name("lz-zap".into())
            .spawn(move || {
                let (rep, wake) = (rep, wake);
                loop {
                    let mut items = [
                        ffi::zmq_pollitem_t {
                            socket: rep.raw(),
                            fd: 0,
                            events: ffi::ZMQ_POLLIN,
                            revents: 0,
                        },
                        ffi::zmq_pollitem_t {
                            socket: wake.raw(),
                            fd: 0,
                            events: ffi::ZMQ_POLLIN,
                            revents: 0,
                        },
                    ];
                    // SAFETY: two valid poll items on live sockets owned by
                    // this thread.
                    let rc =
                        unsafe { ffi::zmq_poll(items.as_mut_ptr(), 2, -1) };
                    if rc == -1 {
                        if errno() == lz::EINTR {
                            continue;
                        }
                        return;
                    }
                    if items[1].revents != 0 {
                        return;
                    }
                    if items[0].revents == 0 {
                        continue;
                    }
                    let Ok(frames) = rep.recv_multipart() else {
                        return;
                    };
                    let reply = handle(&frames, &mut authorize, &log);
                    let reply: Vec<&[u8]> =
                        reply.iter().map(|f| f.as_slice()).collect();
                    if rep.send_multipart(&reply, 0).is_err() {
                        return;
                    }
                }
            })
            .expect("spawn ZAP handler thread");
        Ok(ZapHandler {
            control: Some(control),
            thread: Some(thread),
            requests,
        })
    }

    /// Accept PLAIN clients with exactly this username/password, reject
    /// everything else.
    pub fn plain(ctx: &Ctx, username: &str, password: &str) -> Result<Self> {
        let (u, p) =
            (username.as_bytes().to_vec(), password.as_bytes().to_vec());
        Self::start(ctx, move |r| {
            r.plain().is_some_and(|(ru, rp)| {
                ru == u.as_slice() && rp == p.as_slice()
            })
        })
    }

    /// Accept CURVE clients whose public key (Z85) is in `allowed`.
    pub fn curve(ctx: &Ctx, allowed: &[&str]) -> Result<Self> {
        let allowed: Vec<String> =
            allowed.iter().map(|s| s.to_string()).collect();
        Self::start(ctx, move |r| {
            r.curve_public_z85().is_some_and(|k| allowed.contains(&k))
        })
    }

    /// Requests handled so far, in order.
    pub fn requests(&self) -> Vec<ZapRequest> {
        self.requests.requests.lock().unwrap().clone()
    }

    /// Wait until at least `n` requests have been handled (or `timeout`
    /// passed) and return all of them.
    pub fn wait_requests(
        &self,
        n: usize,
        timeout: Duration,
    ) -> Vec<ZapRequest> {
        let deadline = Instant::now() + timeout;
        let mut g = self.requests.requests.lock().unwrap();
        while g.len() < n {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            g = self.requests.changed.wait_timeout(g, left).unwrap().0;
        }
        g.clone()
    }
}

fn handle<F: FnMut(&ZapRequest) -> bool>(
    frames: &[Vec<u8>],
    authorize: &mut F,
    log: &Log,
) -> Vec<Vec<u8>> {
    let s = |b: &Vec<u8>| String::from_utf8_lossy(b).into_owned();
    // version, request id, domain, address, routing id, mechanism, creds...
    if frames.len() < 6 || frames[0] != b"1.0" {
        let id = frames.get(1).cloned().unwrap_or_default();
        return vec![
            b"1.0".to_vec(),
            id,
            b"500".to_vec(),
            b"Malformed request".to_vec(),
            Vec::new(),
            Vec::new(),
        ];
    }
    let req = ZapRequest {
        domain: s(&frames[2]),
        address: s(&frames[3]),
        routing_id: frames[4].clone(),
        mechanism: s(&frames[5]),
        credentials: frames[6..].to_vec(),
    };
    let ok = authorize(&req);
    let user_id = req
        .plain()
        .map(|(u, _)| u.to_vec())
        .or_else(|| req.curve_public_z85().map(String::into_bytes))
        .unwrap_or_default();
    log.requests.lock().unwrap().push(req);
    log.changed.notify_all();
    let (code, text): (&[u8], &[u8]) = if ok {
        (b"200", b"OK")
    } else {
        (b"400", b"Denied")
    };
    vec![
        b"1.0".to_vec(),
        frames[1].clone(),
        code.to_vec(),
        text.to_vec(),
        if ok { user_id } else { Vec::new() },
        Vec::new(),
    ]
}

impl Drop for ZapHandler {
    fn drop(&mut self) {
        if let Some(control) = self.control.take() {
            // Wake the handler; if this fails the thread is already gone.
            let _ = control.send_multipart(&[b"STOP"], 0);
            if let Some(t) = self.thread.take() {
                let _ = t.join();
            }
        }
    }
}
