//! The classic C libzmq sockets the compare tool measures (PUSH, PULL, PUB,
//! SUB), and the C libzmq side of the PUSH → PULL and PUB → SUB cases.
//!
//! [`crate::lz::Socket`] only opens the DRAFT thread-safe types; a classic
//! libzmq socket may move to another thread (moving it is the full memory
//! barrier libzmq asks for) but never be used by two threads at once, so
//! [`ClassicSocket`] is `Send` and not `Sync`, and the measurements hand
//! the receiving sockets to the receiver thread as `&mut`.

use std::ffi::CString;
use std::os::raw::{c_int, c_void};
use std::ptr::NonNull;
use std::time::Duration;

use crate::ffi;
use crate::lz::{self, Ctx, Msg};

use super::pubsub::{Plan, Publisher, Subscribers, Take};
use super::{
    check_size, inproc_name, time_throughput, PerfError, Transport, TIMEOUT_MS,
};

fn errno() -> i32 {
    // SAFETY: zmq_errno has no preconditions.
    unsafe { ffi::zmq_errno() }
}

fn check(op: &'static str, rc: c_int) -> Result<(), PerfError> {
    if rc == -1 {
        Err(PerfError {
            op,
            errno: errno(),
            detail: None,
        })
    } else {
        Ok(())
    }
}

/// A classic C libzmq socket (PUSH, PULL, PUB, SUB, ...) with linger 0 and
/// the perf timeouts.
pub struct ClassicSocket {
    raw: NonNull<c_void>,
    // Keeps the context alive until the socket is closed.
    _ctx: Ctx,
}

// SAFETY: libzmq lets a classic socket be used from another thread than
// the one that created it, given a full memory barrier between the two,
// which moving the value to the other thread provides. It is not `Sync`:
// two threads never use it at once.
unsafe impl Send for ClassicSocket {}

impl Drop for ClassicSocket {
    fn drop(&mut self) {
        // SAFETY: the pointer came from zmq_socket and is closed exactly
        // once; `&mut self` means no call on it is in progress.
        unsafe { ffi::zmq_close(self.raw.as_ptr()) };
    }
}

impl ClassicSocket {
    /// `zmq_socket(ctx, kind)` with linger 0 and [`TIMEOUT_MS`] send and
    /// receive timeouts.
    pub fn open(ctx: &Ctx, kind: i32) -> Result<Self, PerfError> {
        // SAFETY: the context pointer is live (owned by `ctx`).
        let p = unsafe { ffi::zmq_socket(ctx.raw(), kind) };
        let raw = NonNull::new(p).ok_or_else(|| PerfError {
            op: "zmq_socket",
            errno: errno(),
            detail: None,
        })?;
        let s = ClassicSocket {
            raw,
            _ctx: ctx.clone(),
        };
        s.set_int(ffi::ZMQ_LINGER, 0)?;
        s.set_int(ffi::ZMQ_SNDTIMEO, TIMEOUT_MS)?;
        s.set_int(ffi::ZMQ_RCVTIMEO, TIMEOUT_MS)?;
        Ok(s)
    }

    fn set_bytes(&self, option: i32, value: &[u8]) -> Result<(), PerfError> {
        // SAFETY: live socket; `value` is valid for its length.
        let rc = unsafe {
            ffi::zmq_setsockopt(
                self.raw.as_ptr(),
                option,
                value.as_ptr() as *const c_void,
                value.len(),
            )
        };
        check("zmq_setsockopt", rc)
    }

    /// `zmq_setsockopt` of an `int` option (`ZMQ_SNDHWM`, ...).
    pub fn set_int(&self, option: i32, value: i32) -> Result<(), PerfError> {
        self.set_bytes(option, &value.to_ne_bytes())
    }

    /// `ZMQ_SUBSCRIBE` (SUB).
    pub fn subscribe(&self, prefix: &[u8]) -> Result<(), PerfError> {
        self.set_bytes(ffi::ZMQ_SUBSCRIBE, prefix)
    }

    /// `zmq_bind`.
    pub fn bind(&self, endpoint: &str) -> Result<(), PerfError> {
        let ep = CString::new(endpoint)
            .map_err(|_| PerfError::new("endpoint with a NUL byte"))?;
        // SAFETY: live socket; `ep` is NUL-terminated and outlives the call.
        check("zmq_bind", unsafe {
            ffi::zmq_bind(self.raw.as_ptr(), ep.as_ptr())
        })
    }

    /// `zmq_connect`.
    pub fn connect(&self, endpoint: &str) -> Result<(), PerfError> {
        let ep = CString::new(endpoint)
            .map_err(|_| PerfError::new("endpoint with a NUL byte"))?;
        // SAFETY: live socket; `ep` is NUL-terminated and outlives the call.
        check("zmq_connect", unsafe {
            ffi::zmq_connect(self.raw.as_ptr(), ep.as_ptr())
        })
    }

    /// `ZMQ_LAST_ENDPOINT` (e.g. `tcp://127.0.0.1:41234` after binding `:*`).
    pub fn last_endpoint(&self) -> Result<String, PerfError> {
        let mut buf = vec![0u8; 1024];
        let mut len = buf.len();
        // SAFETY: live socket; `buf` has room for `len` bytes and `len` is
        // updated to the size written.
        let rc = unsafe {
            ffi::zmq_getsockopt(
                self.raw.as_ptr(),
                ffi::ZMQ_LAST_ENDPOINT,
                buf.as_mut_ptr() as *mut c_void,
                &mut len,
            )
        };
        check("ZMQ_LAST_ENDPOINT", rc)?;
        buf.truncate(len);
        while buf.last() == Some(&0) {
            buf.pop();
        }
        String::from_utf8(buf)
            .map_err(|_| PerfError::new("ZMQ_LAST_ENDPOINT not UTF-8"))
    }

    /// `zmq_msg_send` (libzmq takes the payload on success).
    pub fn send_msg(
        &mut self,
        msg: &mut Msg,
        flags: i32,
    ) -> Result<(), PerfError> {
        // SAFETY: live socket used by this thread only (`&mut self`);
        // `msg` is an initialised message exclusively borrowed.
        let rc = unsafe {
            ffi::zmq_msg_send(msg.raw_mut(), self.raw.as_ptr(), flags)
        };
        check("zmq_msg_send", rc)
    }

    /// `zmq_msg_recv` into `msg`; `Ok(false)` if [`lz::DONTWAIT`] was given
    /// and nothing is queued.
    pub fn recv_msg(
        &mut self,
        msg: &mut Msg,
        flags: i32,
    ) -> Result<bool, PerfError> {
        // SAFETY: live socket used by this thread only (`&mut self`);
        // `msg` is an initialised message exclusively borrowed.
        let rc = unsafe {
            ffi::zmq_msg_recv(msg.raw_mut(), self.raw.as_ptr(), flags)
        };
        if rc == -1 && errno() == lz::EAGAIN && flags & lz::DONTWAIT != 0 {
            return Ok(false);
        }
        check("zmq_msg_recv", rc).map(|()| true)
    }
}

/// One context per side (TCP, IPC) or one shared (inproc), and the
/// endpoint to bind; `sockets` is the most sockets a context will hold.
fn contexts(
    transport: Transport,
    sockets: usize,
) -> Result<(Ctx, Ctx, String), PerfError> {
    let (a, b) = match transport {
        Transport::Inproc => {
            let c = Ctx::new();
            (c.clone(), c)
        }
        Transport::Tcp | Transport::Ipc => (Ctx::new(), Ctx::new()),
    };
    for c in [&a, &b] {
        // libzmq's default is 1023 sockets per context.
        let max = (sockets + 64).max(1024).min(i32::MAX as usize) as i32;
        c.set(ffi::ZMQ_MAX_SOCKETS, max)
            .map_err(|errno| PerfError {
                op: "ZMQ_MAX_SOCKETS",
                errno,
                detail: None,
            })?;
    }
    let endpoint = match transport {
        Transport::Tcp => "tcp://127.0.0.1:*".to_string(),
        Transport::Ipc => "ipc://*".to_string(),
        Transport::Inproc => format!("inproc://{}", inproc_name("lz-classic")),
    };
    Ok((a, b, endpoint))
}

/// A bound C libzmq PULL and a connected PUSH, measured repeatedly.
pub struct LzPushPull {
    pull: ClassicSocket,
    push: ClassicSocket,
}

impl LzPushPull {
    /// A PULL bound and a PUSH connected (default HWMs), one message
    /// through.
    pub fn new(transport: Transport) -> Result<Self, PerfError> {
        let (pull_ctx, push_ctx, endpoint) = contexts(transport, 2)?;
        let pull = ClassicSocket::open(&pull_ctx, ffi::ZMQ_PULL)?;
        pull.bind(&endpoint)?;
        let push = ClassicSocket::open(&push_ctx, ffi::ZMQ_PUSH)?;
        push.connect(&pull.last_endpoint()?)?;
        let mut pair = LzPushPull { pull, push };
        pair.throughput(1, 1)?;
        Ok(pair)
    }

    /// Sends `count` fresh zero-filled messages of `size` bytes PUSH →
    /// PULL; returns the receiver-side time from the first to the last.
    pub fn throughput(
        &mut self,
        size: usize,
        count: u64,
    ) -> Result<Duration, PerfError> {
        let (pull, push) = (&mut self.pull, &mut self.push);
        let recv = move || {
            let mut msg = Msg::new();
            move || -> Result<(), PerfError> {
                pull.recv_msg(&mut msg, 0)?;
                check_size(msg.len(), size)
            }
        };
        let send = || push.send_msg(&mut Msg::with_size(size), 0);
        time_throughput(count, recv, send)
    }
}

/// The publisher side of [`LzPubSub`].
pub struct LzPub(ClassicSocket);

impl Publisher for LzPub {
    fn send_fresh(
        &mut self,
        size: usize,
        prefix: &[u8],
    ) -> Result<(), PerfError> {
        let mut msg = Msg::with_size(size);
        msg.data_mut()[..prefix.len()].copy_from_slice(prefix);
        self.0.send_msg(&mut msg, 0)
    }
}

/// The subscribers of [`LzPubSub`], polled together with `zmq_poll`.
pub struct LzSubs {
    subs: Vec<ClassicSocket>,
    items: Vec<ffi::zmq_pollitem_t>,
    msg: Msg,
}

// SAFETY: the poll items only point to the sockets owned alongside them,
// which are `Send`; they move together.
unsafe impl Send for LzSubs {}

impl Subscribers for LzSubs {
    fn len(&self) -> usize {
        self.subs.len()
    }

    fn drain(
        &mut self,
        timeout: Duration,
        take: &mut Take<'_>,
    ) -> Result<usize, PerfError> {
        if self.items.len() != self.subs.len() {
            self.items = self
                .subs
                .iter()
                .map(|s| ffi::zmq_pollitem_t {
                    socket: s.raw.as_ptr(),
                    fd: 0,
                    events: ffi::ZMQ_POLLIN,
                    revents: 0,
                })
                .collect();
        }
        // SAFETY: every item points to a live socket of `self.subs`, used
        // by this thread only (`&mut self`).
        let rc = unsafe {
            ffi::zmq_poll(
                self.items.as_mut_ptr(),
                self.items.len() as c_int,
                timeout.as_millis() as std::os::raw::c_long,
            )
        };
        check("zmq_poll", rc)?;
        let mut taken = 0;
        for (i, sub) in self.subs.iter_mut().enumerate() {
            if self.items[i].revents & ffi::ZMQ_POLLIN == 0 {
                continue;
            }
            while sub.recv_msg(&mut self.msg, lz::DONTWAIT)? {
                take(i, self.msg.data())?;
                taken += 1;
            }
        }
        Ok(taken)
    }
}

/// A bound C libzmq PUB and `plan.subs()` connected SUBs (send and receive
/// HWMs 0: unlimited, nothing dropped), subscriptions propagated; measured
/// repeatedly.
pub struct LzPubSub {
    plan: Plan,
    publisher: LzPub,
    subs: LzSubs,
}

impl LzPubSub {
    /// Binds the PUB, connects and subscribes the SUBs (in batches), and
    /// waits until each received a probe.
    pub fn new(transport: Transport, plan: Plan) -> Result<Self, PerfError> {
        let (pub_ctx, sub_ctx, endpoint) =
            contexts(transport, plan.subs() + 1)?;
        let publisher = ClassicSocket::open(&pub_ctx, ffi::ZMQ_PUB)?;
        publisher.set_int(ffi::ZMQ_SNDHWM, 0)?;
        publisher.bind(&endpoint)?;
        let endpoint = publisher.last_endpoint()?;
        let mut this = LzPubSub {
            plan,
            publisher: LzPub(publisher),
            subs: LzSubs {
                subs: Vec::with_capacity(plan.subs()),
                items: Vec::new(),
                msg: Msg::new(),
            },
        };
        plan.connect_in_batches(
            &mut this.publisher,
            &mut this.subs,
            |subs, i| {
                let sub = ClassicSocket::open(&sub_ctx, ffi::ZMQ_SUB)?;
                sub.set_int(ffi::ZMQ_RCVHWM, 0)?;
                sub.connect(&endpoint)?;
                sub.subscribe(&plan.topic(i))?;
                subs.subs.push(sub);
                Ok(())
            },
        )?;
        Ok(this)
    }

    /// Publishes `count` messages of `size` bytes (see
    /// [`Plan::measure`]).
    pub fn publish(
        &mut self,
        size: usize,
        count: u64,
    ) -> Result<Duration, PerfError> {
        self.plan
            .measure(&mut self.publisher, &mut self.subs, size, count)
    }
}
