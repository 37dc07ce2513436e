//! Small safe wrapper over the real C libzmq, for tests and benchmarks.
//!
//! [`Socket`] is one of the DRAFT thread-safe types (SERVER, CLIENT, RADIO,
//! DISH, GATHER, SCATTER, PEER, CHANNEL), which is what makes it
//! `Send + Sync`; a [`ClassicSocket`] (`Socket<Classic>`) is one of the
//! eleven classic types (PAIR ... XSUB, multipart messages), `Send` only.
//!
//! Errors are raw errno values (`i32`, as returned by `zmq_errno()`); use
//! [`strerror`] to render them. Linux values of the common ones are exported
//! ([`EAGAIN`], [`EHOSTUNREACH`], ...).
//!
//! Defaults chosen for tests, which must never hang: every socket is created
//! with `ZMQ_LINGER = 0` and `ZMQ_SNDTIMEO = ZMQ_RCVTIMEO =`
//! [`DEFAULT_TIMEOUT_MS`]; override them with the setters.

use std::ffi::{CStr, CString};
use std::marker::PhantomData;
use std::os::raw::{c_char, c_int, c_void};
use std::ptr::NonNull;
use std::sync::Arc;

use crate::ffi;
pub use crate::zap::{ZapHandler, ZapRequest};

pub use crate::ffi::{
    EFSM, EMTHREAD, ENOCOMPATPROTO, ETERM, ZMQ_CHANNEL as CHANNEL,
    ZMQ_CLIENT as CLIENT, ZMQ_CURVE as CURVE, ZMQ_DISH as DISH,
    ZMQ_DONTWAIT as DONTWAIT, ZMQ_GATHER as GATHER, ZMQ_NULL as NULL,
    ZMQ_PEER as PEER, ZMQ_PLAIN as PLAIN, ZMQ_POLLIN as POLLIN,
    ZMQ_POLLOUT as POLLOUT, ZMQ_RADIO as RADIO, ZMQ_SCATTER as SCATTER,
    ZMQ_SERVER as SERVER,
};
/// The classic socket types and the multipart flag.
pub use crate::ffi::{
    ZMQ_DEALER as DEALER, ZMQ_PAIR as PAIR, ZMQ_PUB as PUB, ZMQ_PULL as PULL,
    ZMQ_PUSH as PUSH, ZMQ_REP as REP, ZMQ_REQ as REQ, ZMQ_ROUTER as ROUTER,
    ZMQ_SNDMORE as SNDMORE, ZMQ_SUB as SUB, ZMQ_XPUB as XPUB, ZMQ_XSUB as XSUB,
};

/// `errno` value returned by the wrapper on failure.
pub type Errno = i32;
/// Result type of the wrapper: the error is the libzmq errno.
pub type Result<T> = std::result::Result<T, Errno>;

/// Linux errno values libzmq commonly reports.
pub const EINTR: Errno = 4;
pub const EAGAIN: Errno = 11;
pub const EFAULT: Errno = 14;
pub const EINVAL: Errno = 22;
pub const EMSGSIZE: Errno = 90;
pub const ENOTSUP: Errno = 95;
pub const EADDRINUSE: Errno = 98;
pub const ENOTSOCK: Errno = 88;
pub const EHOSTUNREACH: Errno = 113;

/// Send/receive timeout applied to every new socket (milliseconds).
pub const DEFAULT_TIMEOUT_MS: i32 = 5_000;

fn last_errno() -> Errno {
    // SAFETY: zmq_errno only reads the calling thread's errno.
    unsafe { ffi::zmq_errno() }
}

fn check(rc: c_int) -> Result<()> {
    if rc == -1 {
        Err(last_errno())
    } else {
        Ok(())
    }
}

fn cstring(s: &str) -> Result<CString> {
    CString::new(s).map_err(|_| EINVAL)
}

/// Human readable message for a libzmq errno (`zmq_strerror`).
pub fn strerror(errno: Errno) -> String {
    // SAFETY: zmq_strerror returns a pointer to a static NUL-terminated string
    // (libzmq's own table or libc's strerror buffer) valid for this call.
    let p = unsafe { ffi::zmq_strerror(errno) };
    if p.is_null() {
        return format!("errno {errno}");
    }
    // SAFETY: non-null, NUL-terminated (see above); copied out immediately.
    unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
}

/// libzmq version `(major, minor, patch)`; `(4, 3, 5)` for this build.
pub fn version() -> (i32, i32, i32) {
    let (mut a, mut b, mut c) = (0, 0, 0);
    // SAFETY: three valid, writable c_int out-pointers.
    unsafe { ffi::zmq_version(&mut a, &mut b, &mut c) };
    (a, b, c)
}

/// `zmq_has(capability)`, e.g. `has("curve")`, `has("draft")`, `has("ipc")`.
pub fn has(capability: &str) -> bool {
    let Ok(c) = CString::new(capability) else {
        return false;
    };
    // SAFETY: c is a valid NUL-terminated string for the duration of the call.
    unsafe { ffi::zmq_has(c.as_ptr()) == 1 }
}

/// A fresh CURVE key pair as 40-character Z85 strings: `(public, secret)`.
///
/// Panics if libzmq was built without CURVE (never the case for this crate).
pub fn curve_keypair() -> (String, String) {
    let mut public = [0 as c_char; 41];
    let mut secret = [0 as c_char; 41];
    // SAFETY: both buffers are 41 bytes, the size zmq_curve_keypair writes
    // (40 Z85 chars + NUL).
    let rc = unsafe {
        ffi::zmq_curve_keypair(public.as_mut_ptr(), secret.as_mut_ptr())
    };
    assert_eq!(rc, 0, "zmq_curve_keypair: {}", strerror(last_errno()));
    (z85_buf_to_string(&public), z85_buf_to_string(&secret))
}

/// Derive the Z85 public key from a Z85 secret key (`zmq_curve_public`).
pub fn curve_public(secret_z85: &str) -> Result<String> {
    if secret_z85.len() != 40 {
        return Err(EINVAL);
    }
    let secret = cstring(secret_z85)?;
    let mut public = [0 as c_char; 41];
    // SAFETY: `public` has room for 40 chars + NUL; `secret` is a valid
    // 40-char NUL-terminated string.
    check(unsafe {
        ffi::zmq_curve_public(public.as_mut_ptr(), secret.as_ptr())
    })?;
    Ok(z85_buf_to_string(&public))
}

fn z85_buf_to_string(buf: &[c_char]) -> String {
    buf.iter()
        .take_while(|&&c| c != 0)
        .map(|&c| c as u8 as char)
        .collect()
}

/// Z85-encode `data` (length must be a multiple of 4).
pub fn z85_encode(data: &[u8]) -> Option<String> {
    if !data.len().is_multiple_of(4) {
        return None;
    }
    let mut out = vec![0 as c_char; data.len() / 4 * 5 + 1];
    // SAFETY: `out` holds size*5/4 + 1 bytes as zmq_z85_encode requires and
    // `data` is valid for `data.len()` bytes.
    let p = unsafe {
        ffi::zmq_z85_encode(out.as_mut_ptr(), data.as_ptr(), data.len())
    };
    if p.is_null() {
        None
    } else {
        Some(z85_buf_to_string(&out))
    }
}

/// Z85-decode `s` (length must be a multiple of 5).
pub fn z85_decode(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(5) {
        return None;
    }
    let c = CString::new(s).ok()?;
    let mut out = vec![0u8; s.len() / 5 * 4];
    // SAFETY: `out` holds strlen*4/5 bytes as zmq_z85_decode requires and `c`
    // is NUL-terminated.
    let p = unsafe { ffi::zmq_z85_decode(out.as_mut_ptr(), c.as_ptr()) };
    if p.is_null() {
        None
    } else {
        Some(out)
    }
}

// ---------------------------------------------------------------------------
// Context
// ---------------------------------------------------------------------------

struct CtxInner(NonNull<c_void>);

// SAFETY: a libzmq context is thread-safe; all zmq_ctx_* functions may be
// called from any thread concurrently.
unsafe impl Send for CtxInner {}
// SAFETY: see above.
unsafe impl Sync for CtxInner {}

impl Drop for CtxInner {
    fn drop(&mut self) {
        // Every Socket holds an Arc to us, so all sockets are closed by now
        // and zmq_ctx_term cannot block on them (sockets use linger 0 unless
        // told otherwise).
        loop {
            // SAFETY: the pointer came from zmq_ctx_new and is terminated
            // exactly once (retried only while interrupted).
            let rc = unsafe { ffi::zmq_ctx_term(self.0.as_ptr()) };
            if rc == 0 || last_errno() != EINTR {
                break;
            }
        }
    }
}

/// A libzmq context (`zmq_ctx_new`). Cheap to clone; terminated when the last
/// clone and the last socket created from it are dropped.
#[derive(Clone)]
pub struct Ctx(Arc<CtxInner>);

impl Ctx {
    /// `zmq_ctx_new()` with the default single I/O thread.
    pub fn new() -> Self {
        // SAFETY: zmq_ctx_new has no preconditions.
        let p = unsafe { ffi::zmq_ctx_new() };
        let p = NonNull::new(p).unwrap_or_else(|| {
            panic!("zmq_ctx_new: {}", strerror(last_errno()))
        });
        Ctx(Arc::new(CtxInner(p)))
    }

    /// A context with `n` I/O threads.
    pub fn with_io_threads(n: i32) -> Result<Self> {
        let ctx = Self::new();
        ctx.set(ffi::ZMQ_IO_THREADS, n)?;
        Ok(ctx)
    }

    /// `zmq_ctx_set`.
    pub fn set(&self, option: i32, value: i32) -> Result<()> {
        // SAFETY: the context pointer is live (owned by self).
        check(unsafe { ffi::zmq_ctx_set(self.raw(), option, value) })
    }

    /// `zmq_ctx_shutdown`: blocking calls on all sockets return `ETERM`.
    pub fn shutdown(&self) -> Result<()> {
        // SAFETY: the context pointer is live (owned by self).
        check(unsafe { ffi::zmq_ctx_shutdown(self.raw()) })
    }

    /// The raw `void *` context, for direct FFI use.
    pub fn raw(&self) -> *mut c_void {
        self.0 .0.as_ptr()
    }
}

impl Default for Ctx {
    fn default() -> Self {
        Self::new()
    }
}

// ---------------------------------------------------------------------------
// Messages
// ---------------------------------------------------------------------------

/// An owned `zmq_msg_t`, for zero-extra-copy send/receive loops.
pub struct Msg {
    raw: ffi::zmq_msg_t,
}

// SAFETY: a zmq_msg_t owns its buffer (shared buffers use atomic refcounts),
// so it can be moved to and closed on another thread.
unsafe impl Send for Msg {}

impl Msg {
    /// An empty message (`zmq_msg_init`).
    pub fn new() -> Self {
        let mut raw = ffi::zmq_msg_t { _opaque: [0; 64] };
        // SAFETY: `raw` is a properly aligned zmq_msg_t; zmq_msg_init cannot
        // fail.
        unsafe { ffi::zmq_msg_init(&mut raw) };
        Msg { raw }
    }

    /// A message of `size` zero bytes.
    pub fn with_size(size: usize) -> Self {
        // SAFETY: the payload is fully initialised right below, before any
        // read.
        let mut m = unsafe { Self::with_size_uninit(size) };
        m.data_mut_ptr_fill(0);
        m
    }

    /// A message of `size` bytes whose payload is left as `malloc` returned
    /// it (`zmq_msg_init_size`), like libzmq's own perf tools do.
    ///
    /// # Safety
    /// The payload must not be read ([`Msg::data`], [`Msg::data_mut`]) before
    /// it has been written through [`Msg::payload_ptr`]; sending it is fine.
    pub unsafe fn with_size_uninit(size: usize) -> Self {
        let mut raw = ffi::zmq_msg_t { _opaque: [0; 64] };
        // SAFETY: `raw` is a properly aligned zmq_msg_t. libzmq messages are
        // relocatable (libzmq itself moves them with plain assignment), so
        // moving `raw` into the struct afterwards is fine.
        let rc = unsafe { ffi::zmq_msg_init_size(&mut raw, size) };
        assert_eq!(rc, 0, "zmq_msg_init_size({size}): out of memory");
        Msg { raw }
    }

    /// The underlying `zmq_msg_t`, for direct FFI use.
    pub fn raw_mut(&mut self) -> *mut ffi::zmq_msg_t {
        &mut self.raw
    }

    /// Raw pointer to the payload (`zmq_msg_data`), valid for [`Msg::len`]
    /// bytes while the message is alive and not sent/received into.
    pub fn payload_ptr(&mut self) -> *mut u8 {
        // SAFETY: initialised message, exclusively borrowed.
        unsafe { ffi::zmq_msg_data(&mut self.raw) as *mut u8 }
    }

    fn data_mut_ptr_fill(&mut self, byte: u8) {
        let len = self.len();
        if len > 0 {
            // SAFETY: the payload pointer is valid for `len` writable bytes.
            unsafe { std::ptr::write_bytes(self.payload_ptr(), byte, len) };
        }
    }

    /// A message holding a copy of `data`.
    pub fn from_slice(data: &[u8]) -> Self {
        // SAFETY: the payload is fully overwritten before any read.
        let mut m = unsafe { Self::with_size_uninit(data.len()) };
        if !data.is_empty() {
            // SAFETY: the payload pointer is valid for data.len() writable
            // bytes and cannot overlap `data` (freshly allocated).
            unsafe {
                std::ptr::copy_nonoverlapping(
                    data.as_ptr(),
                    m.payload_ptr(),
                    data.len(),
                )
            };
        }
        m
    }

    fn ptr(&self) -> *mut ffi::zmq_msg_t {
        // libzmq's accessors take a non-const pointer even for reads; the
        // read-only ones used with this pointer (data, size, more,
        // routing_id, group) do not write through it.
        &self.raw as *const ffi::zmq_msg_t as *mut ffi::zmq_msg_t
    }

    /// Payload length.
    pub fn len(&self) -> usize {
        // SAFETY: self.raw is an initialised message.
        unsafe { ffi::zmq_msg_size(&self.raw) }
    }

    /// True if the payload is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Payload bytes.
    pub fn data(&self) -> &[u8] {
        let len = self.len();
        if len == 0 {
            return &[];
        }
        // SAFETY: initialised message; zmq_msg_data only reads the struct and
        // returns a pointer to `len` bytes that live as long as the message
        // is neither modified nor closed, which the `&self` borrow ensures.
        unsafe {
            std::slice::from_raw_parts(
                ffi::zmq_msg_data(self.ptr()) as *const u8,
                len,
            )
        }
    }

    /// Mutable payload bytes.
    pub fn data_mut(&mut self) -> &mut [u8] {
        let len = self.len();
        if len == 0 {
            return &mut [];
        }
        // SAFETY: as in `data`, and `&mut self` makes the access exclusive.
        unsafe {
            std::slice::from_raw_parts_mut(
                ffi::zmq_msg_data(&mut self.raw) as *mut u8,
                len,
            )
        }
    }

    /// Whether more frames of the same message follow (`zmq_msg_more`).
    pub fn more(&self) -> bool {
        // SAFETY: initialised message; zmq_msg_more only reads.
        unsafe { ffi::zmq_msg_more(self.ptr()) != 0 }
    }

    /// Routing id (SERVER: the peer it came from; 0 if none).
    pub fn routing_id(&self) -> u32 {
        // SAFETY: initialised message; zmq_msg_routing_id only reads.
        unsafe { ffi::zmq_msg_routing_id(self.ptr()) }
    }

    /// Set the routing id (SERVER: the peer to send to).
    pub fn set_routing_id(&mut self, routing_id: u32) -> Result<()> {
        // SAFETY: initialised message, exclusively borrowed.
        check(unsafe { ffi::zmq_msg_set_routing_id(&mut self.raw, routing_id) })
    }

    /// Group (RADIO/DISH), `None` if unset/empty.
    pub fn group(&self) -> Option<String> {
        // SAFETY: initialised message; zmq_msg_group only reads and returns a
        // NUL-terminated string stored in (or owned by) the message.
        let p = unsafe { ffi::zmq_msg_group(self.ptr()) };
        if p.is_null() {
            return None;
        }
        // SAFETY: non-null NUL-terminated string valid while self is
        // borrowed; copied out immediately.
        let s = unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned();
        (!s.is_empty()).then_some(s)
    }

    /// Set the group (RADIO/DISH), at most 255 bytes.
    pub fn set_group(&mut self, group: &str) -> Result<()> {
        let g = cstring(group)?;
        // SAFETY: initialised message, exclusively borrowed; `g` is a valid
        // NUL-terminated string (libzmq copies it).
        check(unsafe { ffi::zmq_msg_set_group(&mut self.raw, g.as_ptr()) })
    }
}

impl Default for Msg {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for Msg {
    fn drop(&mut self) {
        // SAFETY: the message is initialised (every constructor initialises
        // it, and libzmq leaves sent/received messages initialised) and
        // closed exactly once here.
        unsafe { ffi::zmq_msg_close(&mut self.raw) };
    }
}

/// A received message, copied out of libzmq.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LzMsg {
    pub data: Vec<u8>,
    /// Peer routing id (set on messages received by a SERVER), else 0.
    pub routing_id: u32,
    /// Group (set on messages received by a DISH), else `None`.
    pub group: Option<String>,
}

// ---------------------------------------------------------------------------
// Sockets
// ---------------------------------------------------------------------------

/// Whether libzmq implements `kind` as a thread-safe socket.
pub fn is_thread_safe_type(kind: i32) -> bool {
    matches!(
        kind,
        SERVER | CLIENT | RADIO | DISH | GATHER | SCATTER | PEER | CHANNEL
    )
}

/// Whether `kind` is one of the eleven classic types (PAIR to XSUB; not
/// STREAM).
pub fn is_classic_type(kind: i32) -> bool {
    (PAIR..=XSUB).contains(&kind)
}

mod sealed {
    pub trait Sealed {}
}

/// What a [`Socket`] may be shared as: [`ThreadSafe`] or [`Classic`].
pub trait Threading: sealed::Sealed {
    /// Whether a socket of `kind` has this threading.
    fn accepts(kind: i32) -> bool;
}

/// Marker of the DRAFT thread-safe types: `Socket<ThreadSafe>` is
/// `Send + Sync`.
#[derive(Debug)]
pub enum ThreadSafe {}

/// Marker of the classic types: `Socket<Classic>` is `Send` but not
/// `Sync` (libzmq lets such a socket move to another thread, with the
/// memory barrier a hand-over between threads implies, but never be used
/// by two at once).
#[derive(Debug)]
pub enum Classic {}

impl sealed::Sealed for ThreadSafe {}
impl sealed::Sealed for Classic {}

impl Threading for ThreadSafe {
    fn accepts(kind: i32) -> bool {
        is_thread_safe_type(kind)
    }
}

impl Threading for Classic {
    fn accepts(kind: i32) -> bool {
        is_classic_type(kind)
    }
}

/// A classic libzmq socket (PAIR, PUB, SUB, ... XSUB): see [`Socket::open`].
pub type ClassicSocket = Socket<Classic>;

/// A libzmq socket: by default of one of the DRAFT thread-safe types
/// ([`Socket::new`]), or a [`ClassicSocket`].
pub struct Socket<T: Threading = ThreadSafe> {
    raw: NonNull<c_void>,
    kind: i32,
    // Keeps the context alive until the socket is closed.
    _ctx: Arc<CtxInner>,
    _threading: PhantomData<T>,
}

// SAFETY: libzmq allows any socket to be used from another thread than the
// one that created it, given a full memory barrier between the two, which
// moving a value to another thread provides; a socket is closed once, by
// its owner.
unsafe impl<T: Threading> Send for Socket<T> {}
// SAFETY: only thread-safe socket types can be constructed as
// `Socket<ThreadSafe>` (checked in `Socket::new`); libzmq allows using
// those from several threads at once. Classic sockets are not `Sync`.
unsafe impl Sync for Socket<ThreadSafe> {}

impl<T: Threading> Drop for Socket<T> {
    fn drop(&mut self) {
        // SAFETY: the pointer came from zmq_socket and is closed exactly once;
        // `&mut self` guarantees no other thread is inside a call on it.
        unsafe { ffi::zmq_close(self.raw.as_ptr()) };
    }
}

impl<T: Threading> std::fmt::Debug for Socket<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Socket")
            .field("kind", &self.kind)
            .field("raw", &self.raw)
            .finish()
    }
}

impl<T: Threading> Socket<T> {
    /// `zmq_socket(ctx, kind)` for a `kind` of this threading (else
    /// `EINVAL`), with linger 0 and the [`DEFAULT_TIMEOUT_MS`] timeouts.
    fn create(ctx: &Ctx, kind: i32) -> Result<Self> {
        if !T::accepts(kind) {
            return Err(EINVAL);
        }
        // SAFETY: the context pointer is live (owned by ctx).
        let p = unsafe { ffi::zmq_socket(ctx.raw(), kind) };
        let raw = NonNull::new(p).ok_or_else(last_errno)?;
        let s = Socket {
            raw,
            kind,
            _ctx: Arc::clone(&ctx.0),
            _threading: PhantomData,
        };
        s.set_linger(0)?;
        s.set_sndtimeo(DEFAULT_TIMEOUT_MS)?;
        s.set_rcvtimeo(DEFAULT_TIMEOUT_MS)?;
        Ok(s)
    }
}

impl Socket<Classic> {
    /// `zmq_socket(ctx, kind)` for a classic `kind` ([`PAIR`] ...
    /// [`XSUB`]; else `EINVAL`), with linger 0 and the
    /// [`DEFAULT_TIMEOUT_MS`] timeouts.
    pub fn open(ctx: &Ctx, kind: i32) -> Result<Self> {
        Self::create(ctx, kind)
    }
}

impl Socket<ThreadSafe> {
    /// `zmq_socket(ctx, kind)`; `kind` must be a thread-safe type (else
    /// `EINVAL`). Applies linger 0 and the [`DEFAULT_TIMEOUT_MS`] timeouts.
    pub fn new(ctx: &Ctx, kind: i32) -> Result<Self> {
        Self::create(ctx, kind)
    }

    pub fn server(ctx: &Ctx) -> Result<Self> {
        Self::new(ctx, SERVER)
    }
    pub fn client(ctx: &Ctx) -> Result<Self> {
        Self::new(ctx, CLIENT)
    }
    pub fn radio(ctx: &Ctx) -> Result<Self> {
        Self::new(ctx, RADIO)
    }
    pub fn dish(ctx: &Ctx) -> Result<Self> {
        Self::new(ctx, DISH)
    }
    pub fn gather(ctx: &Ctx) -> Result<Self> {
        Self::new(ctx, GATHER)
    }
    pub fn scatter(ctx: &Ctx) -> Result<Self> {
        Self::new(ctx, SCATTER)
    }
}

impl<T: Threading> Socket<T> {
    /// The socket type (`ZMQ_SERVER`, ...).
    pub fn kind(&self) -> i32 {
        self.kind
    }

    /// The raw `void *` socket, for direct FFI use.
    pub fn raw(&self) -> *mut c_void {
        self.raw.as_ptr()
    }

    fn endpoint_call(
        &self,
        f: unsafe extern "C" fn(*mut c_void, *const c_char) -> c_int,
        endpoint: &str,
    ) -> Result<()> {
        let ep = cstring(endpoint)?;
        // SAFETY: live socket; `ep` is NUL-terminated and outlives the call;
        // `f` is one of zmq_bind/connect/unbind/disconnect.
        check(unsafe { f(self.raw(), ep.as_ptr()) })
    }

    pub fn bind(&self, endpoint: &str) -> Result<()> {
        self.endpoint_call(ffi::zmq_bind, endpoint)
    }
    pub fn connect(&self, endpoint: &str) -> Result<()> {
        self.endpoint_call(ffi::zmq_connect, endpoint)
    }
    pub fn unbind(&self, endpoint: &str) -> Result<()> {
        self.endpoint_call(ffi::zmq_unbind, endpoint)
    }
    pub fn disconnect(&self, endpoint: &str) -> Result<()> {
        self.endpoint_call(ffi::zmq_disconnect, endpoint)
    }

    /// `ZMQ_LAST_ENDPOINT`, e.g. `tcp://127.0.0.1:41234` after binding `:*`.
    pub fn last_endpoint(&self) -> String {
        let v = self
            .get_bytes(ffi::ZMQ_LAST_ENDPOINT, 1024)
            .unwrap_or_else(|e| panic!("ZMQ_LAST_ENDPOINT: {}", strerror(e)));
        let end = v.iter().position(|&b| b == 0).unwrap_or(v.len());
        String::from_utf8_lossy(&v[..end]).into_owned()
    }

    // ---- generic options --------------------------------------------------

    /// `zmq_setsockopt` with raw bytes.
    pub fn set_bytes(&self, option: i32, value: &[u8]) -> Result<()> {
        // SAFETY: live socket; `value` is valid for `value.len()` bytes and
        // libzmq copies it.
        check(unsafe {
            ffi::zmq_setsockopt(
                self.raw(),
                option,
                value.as_ptr() as *const c_void,
                value.len(),
            )
        })
    }

    /// `zmq_setsockopt` with an `int` value.
    pub fn set_int(&self, option: i32, value: i32) -> Result<()> {
        self.set_bytes(option, &value.to_ne_bytes())
    }

    /// `zmq_setsockopt` with an `int64_t` value.
    pub fn set_i64(&self, option: i32, value: i64) -> Result<()> {
        self.set_bytes(option, &value.to_ne_bytes())
    }

    /// `zmq_getsockopt` into a buffer of `max_len` bytes; returns the bytes
    /// libzmq wrote.
    pub fn get_bytes(&self, option: i32, max_len: usize) -> Result<Vec<u8>> {
        let mut buf = vec![0u8; max_len];
        let mut len = max_len;
        // SAFETY: live socket; `buf` is writable for `len` bytes and `len` is
        // a valid in/out pointer.
        check(unsafe {
            ffi::zmq_getsockopt(
                self.raw(),
                option,
                buf.as_mut_ptr() as *mut c_void,
                &mut len,
            )
        })?;
        buf.truncate(len);
        Ok(buf)
    }

    /// `zmq_getsockopt` for an `int` option.
    pub fn get_int(&self, option: i32) -> Result<i32> {
        let v = self.get_bytes(option, 4)?;
        let arr: [u8; 4] = v.as_slice().try_into().map_err(|_| EINVAL)?;
        Ok(i32::from_ne_bytes(arr))
    }

    /// `zmq_getsockopt` for an `int64_t` option.
    pub fn get_i64(&self, option: i32) -> Result<i64> {
        let v = self.get_bytes(option, 8)?;
        let arr: [u8; 8] = v.as_slice().try_into().map_err(|_| EINVAL)?;
        Ok(i64::from_ne_bytes(arr))
    }

    // ---- typed options ----------------------------------------------------

    pub fn set_sndtimeo(&self, ms: i32) -> Result<()> {
        self.set_int(ffi::ZMQ_SNDTIMEO, ms)
    }
    pub fn set_rcvtimeo(&self, ms: i32) -> Result<()> {
        self.set_int(ffi::ZMQ_RCVTIMEO, ms)
    }
    pub fn set_sndhwm(&self, hwm: i32) -> Result<()> {
        self.set_int(ffi::ZMQ_SNDHWM, hwm)
    }
    pub fn set_rcvhwm(&self, hwm: i32) -> Result<()> {
        self.set_int(ffi::ZMQ_RCVHWM, hwm)
    }
    pub fn set_linger(&self, ms: i32) -> Result<()> {
        self.set_int(ffi::ZMQ_LINGER, ms)
    }
    pub fn set_heartbeat_ivl(&self, ms: i32) -> Result<()> {
        self.set_int(ffi::ZMQ_HEARTBEAT_IVL, ms)
    }
    pub fn set_heartbeat_timeout(&self, ms: i32) -> Result<()> {
        self.set_int(ffi::ZMQ_HEARTBEAT_TIMEOUT, ms)
    }
    /// Remote TTL advertised in PINGs (libzmq rounds to deciseconds).
    pub fn set_heartbeat_ttl(&self, ms: i32) -> Result<()> {
        self.set_int(ffi::ZMQ_HEARTBEAT_TTL, ms)
    }
    pub fn set_maxmsgsize(&self, bytes: i64) -> Result<()> {
        self.set_i64(ffi::ZMQ_MAXMSGSIZE, bytes)
    }
    pub fn set_handshake_ivl(&self, ms: i32) -> Result<()> {
        self.set_int(ffi::ZMQ_HANDSHAKE_IVL, ms)
    }
    pub fn set_reconnect_ivl(&self, ms: i32) -> Result<()> {
        self.set_int(ffi::ZMQ_RECONNECT_IVL, ms)
    }
    pub fn set_immediate(&self, on: bool) -> Result<()> {
        self.set_int(ffi::ZMQ_IMMEDIATE, on as i32)
    }

    // ---- security ---------------------------------------------------------

    pub fn set_plain_server(&self, on: bool) -> Result<()> {
        self.set_int(ffi::ZMQ_PLAIN_SERVER, on as i32)
    }
    pub fn set_plain_username(&self, username: &str) -> Result<()> {
        self.set_bytes(ffi::ZMQ_PLAIN_USERNAME, username.as_bytes())
    }
    pub fn set_plain_password(&self, password: &str) -> Result<()> {
        self.set_bytes(ffi::ZMQ_PLAIN_PASSWORD, password.as_bytes())
    }
    pub fn set_curve_server(&self, on: bool) -> Result<()> {
        self.set_int(ffi::ZMQ_CURVE_SERVER, on as i32)
    }
    /// 40-character Z85 secret key.
    pub fn set_curve_secretkey(&self, z85: &str) -> Result<()> {
        self.set_z85_key(ffi::ZMQ_CURVE_SECRETKEY, z85)
    }
    /// 40-character Z85 public key.
    pub fn set_curve_publickey(&self, z85: &str) -> Result<()> {
        self.set_z85_key(ffi::ZMQ_CURVE_PUBLICKEY, z85)
    }
    /// 40-character Z85 public key of the server (client side).
    pub fn set_curve_serverkey(&self, z85: &str) -> Result<()> {
        self.set_z85_key(ffi::ZMQ_CURVE_SERVERKEY, z85)
    }
    fn set_z85_key(&self, option: i32, z85: &str) -> Result<()> {
        if z85.len() != 40 {
            return Err(EINVAL);
        }
        self.set_bytes(option, z85.as_bytes())
    }
    pub fn set_zap_domain(&self, domain: &str) -> Result<()> {
        self.set_bytes(ffi::ZMQ_ZAP_DOMAIN, domain.as_bytes())
    }
    /// `ZMQ_MECHANISM`: [`NULL`], [`PLAIN`] or [`CURVE`].
    pub fn mechanism(&self) -> Result<i32> {
        self.get_int(ffi::ZMQ_MECHANISM)
    }

    // ---- groups (DISH) ----------------------------------------------------

    pub fn join(&self, group: &str) -> Result<()> {
        let g = cstring(group)?;
        // SAFETY: live socket; `g` is NUL-terminated and libzmq copies it.
        check(unsafe { ffi::zmq_join(self.raw(), g.as_ptr()) })
    }
    pub fn leave(&self, group: &str) -> Result<()> {
        let g = cstring(group)?;
        // SAFETY: live socket; `g` is NUL-terminated and libzmq copies it.
        check(unsafe { ffi::zmq_leave(self.raw(), g.as_ptr()) })
    }

    // ---- send / receive ---------------------------------------------------

    /// `zmq_msg_send`. On success libzmq takes the payload and leaves `msg`
    /// empty; on failure `msg` is unchanged.
    pub fn send_msg(&self, msg: &mut Msg, flags: i32) -> Result<()> {
        // SAFETY: live socket; `msg.raw` is an initialised message exclusively
        // borrowed for the call.
        let rc = unsafe { ffi::zmq_msg_send(&mut msg.raw, self.raw(), flags) };
        if rc == -1 {
            Err(last_errno())
        } else {
            Ok(())
        }
    }

    /// `zmq_msg_recv` into `msg` (its previous content is released); returns
    /// the payload size.
    pub fn recv_msg(&self, msg: &mut Msg, flags: i32) -> Result<usize> {
        // SAFETY: live socket; `msg.raw` is an initialised message exclusively
        // borrowed for the call.
        let rc = unsafe { ffi::zmq_msg_recv(&mut msg.raw, self.raw(), flags) };
        if rc == -1 {
            Err(last_errno())
        } else {
            Ok(rc as usize)
        }
    }

    /// Send one message (CLIENT, SCATTER, ...). Blocks up to SNDTIMEO.
    pub fn send(&self, data: &[u8]) -> Result<()> {
        self.send_msg(&mut Msg::from_slice(data), 0)
    }

    /// Send one message to the peer `routing_id` (SERVER).
    pub fn send_routed(&self, data: &[u8], routing_id: u32) -> Result<()> {
        let mut m = Msg::from_slice(data);
        m.set_routing_id(routing_id)?;
        self.send_msg(&mut m, 0)
    }

    /// Send one message to `group` (RADIO).
    pub fn send_group(&self, data: &[u8], group: &str) -> Result<()> {
        let mut m = Msg::from_slice(data);
        m.set_group(group)?;
        self.send_msg(&mut m, 0)
    }

    /// Receive one message, blocking up to RCVTIMEO (`EAGAIN` on timeout).
    pub fn recv(&self) -> Result<LzMsg> {
        self.recv_with(0)
    }

    /// Receive one message without blocking (`EAGAIN` if none is queued).
    pub fn try_recv(&self) -> Result<LzMsg> {
        self.recv_with(DONTWAIT)
    }

    fn recv_with(&self, flags: i32) -> Result<LzMsg> {
        let mut m = Msg::new();
        self.recv_msg(&mut m, flags)?;
        Ok(LzMsg {
            data: m.data().to_vec(),
            routing_id: m.routing_id(),
            group: m.group(),
        })
    }

    // ---- multipart messages (classic types) --------------------------------

    /// Sends the frames of one message (`ZMQ_SNDMORE` on all but the last),
    /// each blocking up to SNDTIMEO; `flags` (e.g. [`DONTWAIT`]) apply to
    /// every frame. An empty `frames` sends nothing.
    pub fn send_multipart<F: AsRef<[u8]>>(
        &self,
        frames: &[F],
        flags: i32,
    ) -> Result<()> {
        for (i, frame) in frames.iter().enumerate() {
            let more = if i + 1 < frames.len() { SNDMORE } else { 0 };
            self.send_msg(&mut Msg::from_slice(frame.as_ref()), flags | more)?;
        }
        Ok(())
    }

    /// Receives every frame of the next message, blocking up to RCVTIMEO
    /// for the first one (`EAGAIN` on timeout); libzmq delivers the frames
    /// of a message together, so the others are there at once.
    pub fn recv_multipart(&self) -> Result<Vec<Vec<u8>>> {
        self.recv_multipart_with(0)
    }

    /// [`recv_multipart`](Socket::recv_multipart) without blocking
    /// (`EAGAIN` if no message is queued).
    pub fn try_recv_multipart(&self) -> Result<Vec<Vec<u8>>> {
        self.recv_multipart_with(DONTWAIT)
    }

    fn recv_multipart_with(&self, flags: i32) -> Result<Vec<Vec<u8>>> {
        let mut frames = Vec::new();
        let mut m = Msg::new();
        loop {
            // Only the first frame may be waited for.
            let flags = if frames.is_empty() { flags } else { DONTWAIT };
            self.recv_msg(&mut m, flags)?;
            frames.push(m.data().to_vec());
            if !m.more() {
                return Ok(frames);
            }
        }
    }

    // ---- classic options ---------------------------------------------------

    /// SUB: `ZMQ_SUBSCRIBE` to messages whose first frame starts with
    /// `prefix` (empty: all).
    pub fn subscribe(&self, prefix: &[u8]) -> Result<()> {
        self.set_bytes(ffi::ZMQ_SUBSCRIBE, prefix)
    }
    /// SUB: `ZMQ_UNSUBSCRIBE` one subscription to `prefix`.
    pub fn unsubscribe(&self, prefix: &[u8]) -> Result<()> {
        self.set_bytes(ffi::ZMQ_UNSUBSCRIBE, prefix)
    }
    /// REQ, DEALER, ROUTER: `ZMQ_ROUTING_ID` announced to the peers
    /// connected from now on.
    pub fn set_routing_id(&self, id: &[u8]) -> Result<()> {
        self.set_bytes(ffi::ZMQ_ROUTING_ID, id)
    }
    /// ROUTER: `ZMQ_ROUTER_MANDATORY`.
    pub fn set_router_mandatory(&self, on: bool) -> Result<()> {
        self.set_int(ffi::ZMQ_ROUTER_MANDATORY, on as i32)
    }
    /// ROUTER: `ZMQ_ROUTER_HANDOVER`.
    pub fn set_router_handover(&self, on: bool) -> Result<()> {
        self.set_int(ffi::ZMQ_ROUTER_HANDOVER, on as i32)
    }
    /// DEALER, ROUTER: `ZMQ_PROBE_ROUTER`.
    pub fn set_probe_router(&self, on: bool) -> Result<()> {
        self.set_int(ffi::ZMQ_PROBE_ROUTER, on as i32)
    }
    /// REQ: `ZMQ_REQ_CORRELATE`.
    pub fn set_req_correlate(&self, on: bool) -> Result<()> {
        self.set_int(ffi::ZMQ_REQ_CORRELATE, on as i32)
    }
    /// REQ: `ZMQ_REQ_RELAXED`.
    pub fn set_req_relaxed(&self, on: bool) -> Result<()> {
        self.set_int(ffi::ZMQ_REQ_RELAXED, on as i32)
    }
    /// XPUB: `ZMQ_XPUB_VERBOSE`.
    pub fn set_xpub_verbose(&self, on: bool) -> Result<()> {
        self.set_int(ffi::ZMQ_XPUB_VERBOSE, on as i32)
    }
    /// XPUB: `ZMQ_XPUB_VERBOSER`.
    pub fn set_xpub_verboser(&self, on: bool) -> Result<()> {
        self.set_int(ffi::ZMQ_XPUB_VERBOSER, on as i32)
    }
    /// XPUB: `ZMQ_XPUB_NODROP`.
    pub fn set_xpub_nodrop(&self, on: bool) -> Result<()> {
        self.set_int(ffi::ZMQ_XPUB_NODROP, on as i32)
    }
    /// XPUB: `ZMQ_XPUB_WELCOME_MSG`, sent to each new subscriber.
    pub fn set_xpub_welcome_msg(&self, welcome: &[u8]) -> Result<()> {
        self.set_bytes(ffi::ZMQ_XPUB_WELCOME_MSG, welcome)
    }

    /// `zmq_poll` on this socket alone; returns the ready events
    /// ([`POLLIN`] / [`POLLOUT`] bits), 0 on timeout. `timeout_ms < 0` waits
    /// forever.
    pub fn poll(&self, events: i16, timeout_ms: i64) -> Result<i16> {
        let mut item = ffi::zmq_pollitem_t {
            socket: self.raw(),
            fd: 0,
            events,
            revents: 0,
        };
        // SAFETY: one valid poll item referring to a live socket.
        let rc = unsafe {
            ffi::zmq_poll(&mut item, 1, timeout_ms as std::os::raw::c_long)
        };
        if rc == -1 {
            Err(last_errno())
        } else {
            Ok(item.revents)
        }
    }
}
