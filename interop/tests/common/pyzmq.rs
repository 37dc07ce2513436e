//! pyzmq sockets as [`Ends`] of the shared scenarios: one Python peer
//! process (`interop::pyzmq::PyPeer`) per test, its sockets named.

use super::classic::*;
use super::scenarios::XPubEnd;
use super::*;
use interop::pyzmq::{PyError, PyPeer, PyZmq};
use std::cell::RefCell;
use std::path::Path;

/// The venv (made on first use under the tests' `CARGO_TARGET_TMPDIR`).
pub fn pyzmq() -> PyZmq {
    PyZmq::ensure(Path::new(env!("CARGO_TARGET_TMPDIR")))
        .unwrap_or_else(|e| panic!("{e}"))
}

/// A new Python peer process.
pub fn py_peer() -> RefCell<PyPeer> {
    RefCell::new(PyPeer::spawn(&pyzmq()).unwrap_or_else(|e| panic!("{e}")))
}

/// Panics with the peer's error.
pub fn ok<T>(what: &str, result: Result<T, PyError>) -> T {
    result.unwrap_or_else(|e| panic!("{what}: {e}"))
}

/// A pyzmq socket `name` of type `kind` in `peer`.
pub struct PySocket<'a> {
    peer: &'a RefCell<PyPeer>,
    name: String,
    kind: &'static str,
}

impl<'a> PySocket<'a> {
    /// Makes the socket.
    pub fn new(
        peer: &'a RefCell<PyPeer>,
        name: &str,
        kind: &'static str,
    ) -> Self {
        ok("socket", peer.borrow_mut().socket(name, kind));
        PySocket {
            peer,
            name: name.to_owned(),
            kind,
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn set_int(&self, option: &str, value: i64) {
        ok(
            option,
            self.peer.borrow_mut().set_int(&self.name, option, value),
        );
    }

    pub fn set_bytes(&self, option: &str, value: &[u8]) {
        ok(
            option,
            self.peer.borrow_mut().set_bytes(&self.name, option, value),
        );
    }

    /// Binds to `endpoint`; the endpoint bound.
    pub fn bind(&self, endpoint: &str) -> String {
        ok("bind", self.peer.borrow_mut().bind(&self.name, endpoint))
    }

    pub fn connect(&self, endpoint: &str) {
        ok(
            "connect",
            self.peer.borrow_mut().connect(&self.name, endpoint),
        );
    }

    /// `send_multipart`, its error kept.
    pub fn try_send(&self, parts: &[&[u8]]) -> Result<(), PyError> {
        self.peer.borrow_mut().send(&self.name, parts)
    }
}

impl Ends for PySocket<'_> {
    fn who(&self) -> &'static str {
        "pyzmq"
    }
    fn send_frames(&self, parts: &[&[u8]]) {
        ok("send", self.try_send(parts));
    }
    fn recv_within(&self, wait: Duration) -> Option<Vec<Vec<u8>>> {
        self.set_int("RCVTIMEO", wait.as_millis() as i64);
        let got = self.peer.borrow_mut().recv(&self.name);
        self.set_int("RCVTIMEO", TIMEOUT.as_millis() as i64);
        match got {
            Ok(parts) => Some(parts),
            Err(e) if e.failed_name() == Some("EAGAIN") => None,
            Err(e) => panic!("pyzmq recv: {e}"),
        }
    }
}

impl Subscriber for PySocket<'_> {
    fn subscribe_to(&self, prefix: &[u8]) {
        match self.kind {
            "XSUB" => self.send_frames(&[&subscription_msg(true, prefix)]),
            _ => self.set_bytes("SUBSCRIBE", prefix),
        }
    }
    fn unsubscribe_from(&self, prefix: &[u8]) {
        match self.kind {
            "XSUB" => self.send_frames(&[&subscription_msg(false, prefix)]),
            _ => self.set_bytes("UNSUBSCRIBE", prefix),
        }
    }
}

impl XPubEnd for PySocket<'_> {
    fn verbose(&self, on: bool) {
        self.set_int("XPUB_VERBOSE", on as i64);
    }
    fn verboser(&self, on: bool) {
        self.set_int("XPUB_VERBOSER", on as i64);
    }
}

/// Connects our socket and a pyzmq one over `transport`, the one `binds`
/// names binding.
pub fn py_link(
    binds: Binds,
    transport: Transport,
    ours: &impl libzmq::prelude::Socket,
    theirs: &PySocket,
) {
    match binds {
        Binds::Ours => theirs.connect(&rs_bind_to(ours, transport.rs_addr())),
        Binds::Theirs => {
            let endpoint = theirs.bind(&transport.lz_addr());
            ours.connect(to_rs_endpoint(&endpoint)).unwrap();
        }
    }
}
