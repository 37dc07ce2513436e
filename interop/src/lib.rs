//! Wire-compatibility harness against the **real C libzmq 4.3.5**.
//!
//! `build.rs` compiles libzmq 4.3.5 from the sources vendored in the
//! `zeromq-src` crate (DRAFT API on, CURVE through libsodium) and links it
//! statically into this crate, so tests and benchmarks can put a genuine
//! libzmq socket on one end of a connection and the pure-Rust implementation
//! on the other.
//!
//! * [`ffi`]: hand-written `extern "C"` declarations of the libzmq functions
//!   and constants we need (no bindgen).
//! * [`lz`]: a small safe wrapper ([`lz::Ctx`], [`lz::Socket`], [`lz::Msg`]).
//! * [`zap`]: a ZAP (RFC 27) handler for PLAIN/CURVE authentication tests.
//! * [`pyzmq`]: a venv with a pinned pyzmq, made on first use, and
//!   [`pyzmq::PyPeer`], pyzmq sockets in a Python process driven by the
//!   tests (`py/peer.py`).
//! * [`perf`]: throughput / latency measurements of C libzmq and, with the
//!   same method, of our pure-Rust `libzmq` crate ([`perf::rust`]), so the
//!   `lz-perf`/`rs-perf` binaries and `cargo bench -p interop` report both
//!   side by side; [`perf::compare`] is the compare tool (`rs-perf compare`:
//!   ours, C libzmq and OMQ.rs alternated, pinned and free, written to
//!   `BENCHMARKS.md` and `docs/throughput.svg`).
//!
//! The integration tests put our sockets against libzmq's in both
//! directions: the thread-safe types (`tests/client_server.rs`,
//! `tests/patterns.rs`, ...), the classic ones (`tests/classic_*.rs`), and
//! the classic ones against pyzmq (`tests/pyzmq_*.rs`).

#![deny(clippy::undocumented_unsafe_blocks)]

pub mod lz;
pub mod perf;
pub mod pyzmq;
pub mod record;
pub mod zap;

/// How the linked libzmq was built (set by `build.rs`), e.g. for bench
/// reports.
pub const LIBZMQ_BUILD_INFO: &str = env!("INTEROP_LIBZMQ_BUILD_INFO");

/// Raw libzmq 4.3.5 C API (subset), including the DRAFT functions.
///
/// Everything here is `unsafe` to call; use [`crate::lz`] instead.
#[allow(missing_docs)]
pub mod ffi {
    use std::os::raw::{c_char, c_int, c_long, c_short, c_void};

    /// `zmq_msg_t`: 64 opaque bytes, pointer-aligned (see zmq.h).
    #[repr(C, align(8))]
    pub struct zmq_msg_t {
        pub _opaque: [u8; 64],
    }

    /// `zmq_pollitem_t` (POSIX layout: `zmq_fd_t` is `int`).
    #[repr(C)]
    pub struct zmq_pollitem_t {
        pub socket: *mut c_void,
        pub fd: c_int,
        pub events: c_short,
        pub revents: c_short,
    }

    // ---- errors -----------------------------------------------------------
    pub const ZMQ_HAUSNUMERO: c_int = 156_384_712;
    pub const EFSM: c_int = ZMQ_HAUSNUMERO + 51;
    pub const ENOCOMPATPROTO: c_int = ZMQ_HAUSNUMERO + 52;
    pub const ETERM: c_int = ZMQ_HAUSNUMERO + 53;
    pub const EMTHREAD: c_int = ZMQ_HAUSNUMERO + 54;

    // ---- context options --------------------------------------------------
    pub const ZMQ_IO_THREADS: c_int = 1;
    pub const ZMQ_MAX_SOCKETS: c_int = 2;

    // ---- socket types -----------------------------------------------------
    pub const ZMQ_PAIR: c_int = 0;
    pub const ZMQ_PUB: c_int = 1;
    pub const ZMQ_SUB: c_int = 2;
    pub const ZMQ_REQ: c_int = 3;
    pub const ZMQ_REP: c_int = 4;
    pub const ZMQ_DEALER: c_int = 5;
    pub const ZMQ_ROUTER: c_int = 6;
    pub const ZMQ_PULL: c_int = 7;
    pub const ZMQ_PUSH: c_int = 8;
    pub const ZMQ_XPUB: c_int = 9;
    pub const ZMQ_XSUB: c_int = 10;
    pub const ZMQ_STREAM: c_int = 11;
    // DRAFT
    pub const ZMQ_SERVER: c_int = 12;
    pub const ZMQ_CLIENT: c_int = 13;
    pub const ZMQ_RADIO: c_int = 14;
    pub const ZMQ_DISH: c_int = 15;
    pub const ZMQ_GATHER: c_int = 16;
    pub const ZMQ_SCATTER: c_int = 17;
    pub const ZMQ_DGRAM: c_int = 18;
    pub const ZMQ_PEER: c_int = 19;
    pub const ZMQ_CHANNEL: c_int = 20;

    // ---- socket options ---------------------------------------------------
    pub const ZMQ_ROUTING_ID: c_int = 5;
    pub const ZMQ_SUBSCRIBE: c_int = 6;
    pub const ZMQ_UNSUBSCRIBE: c_int = 7;
    pub const ZMQ_SNDBUF: c_int = 11;
    pub const ZMQ_RCVBUF: c_int = 12;
    pub const ZMQ_RCVMORE: c_int = 13;
    pub const ZMQ_EVENTS: c_int = 15;
    pub const ZMQ_TYPE: c_int = 16;
    pub const ZMQ_LINGER: c_int = 17;
    pub const ZMQ_RECONNECT_IVL: c_int = 18;
    pub const ZMQ_RECONNECT_IVL_MAX: c_int = 21;
    pub const ZMQ_MAXMSGSIZE: c_int = 22;
    pub const ZMQ_SNDHWM: c_int = 23;
    pub const ZMQ_RCVHWM: c_int = 24;
    pub const ZMQ_RCVTIMEO: c_int = 27;
    pub const ZMQ_SNDTIMEO: c_int = 28;
    pub const ZMQ_LAST_ENDPOINT: c_int = 32;
    pub const ZMQ_ROUTER_MANDATORY: c_int = 33;
    pub const ZMQ_TCP_KEEPALIVE: c_int = 34;
    pub const ZMQ_IMMEDIATE: c_int = 39;
    pub const ZMQ_XPUB_VERBOSE: c_int = 40;
    pub const ZMQ_IPV6: c_int = 42;
    pub const ZMQ_MECHANISM: c_int = 43;
    pub const ZMQ_PLAIN_SERVER: c_int = 44;
    pub const ZMQ_PLAIN_USERNAME: c_int = 45;
    pub const ZMQ_PLAIN_PASSWORD: c_int = 46;
    pub const ZMQ_CURVE_SERVER: c_int = 47;
    pub const ZMQ_CURVE_PUBLICKEY: c_int = 48;
    pub const ZMQ_CURVE_SECRETKEY: c_int = 49;
    pub const ZMQ_CURVE_SERVERKEY: c_int = 50;
    pub const ZMQ_PROBE_ROUTER: c_int = 51;
    pub const ZMQ_REQ_CORRELATE: c_int = 52;
    pub const ZMQ_REQ_RELAXED: c_int = 53;
    pub const ZMQ_ZAP_DOMAIN: c_int = 55;
    pub const ZMQ_ROUTER_HANDOVER: c_int = 56;
    pub const ZMQ_HANDSHAKE_IVL: c_int = 66;
    pub const ZMQ_XPUB_NODROP: c_int = 69;
    pub const ZMQ_XPUB_WELCOME_MSG: c_int = 72;
    pub const ZMQ_HEARTBEAT_IVL: c_int = 75;
    pub const ZMQ_HEARTBEAT_TTL: c_int = 76;
    pub const ZMQ_HEARTBEAT_TIMEOUT: c_int = 77;
    pub const ZMQ_XPUB_VERBOSER: c_int = 78;
    pub const ZMQ_CONNECT_TIMEOUT: c_int = 79;
    // DRAFT
    pub const ZMQ_ZAP_ENFORCE_DOMAIN: c_int = 93;

    // ---- send/recv flags, security mechanisms, poll events ----------------
    pub const ZMQ_DONTWAIT: c_int = 1;
    pub const ZMQ_SNDMORE: c_int = 2;
    pub const ZMQ_NULL: c_int = 0;
    pub const ZMQ_PLAIN: c_int = 1;
    pub const ZMQ_CURVE: c_int = 2;
    pub const ZMQ_POLLIN: c_short = 1;
    pub const ZMQ_POLLOUT: c_short = 2;

    extern "C" {
        pub fn zmq_version(
            major: *mut c_int,
            minor: *mut c_int,
            patch: *mut c_int,
        );
        pub fn zmq_has(capability: *const c_char) -> c_int;
        pub fn zmq_errno() -> c_int;
        pub fn zmq_strerror(errnum: c_int) -> *const c_char;

        pub fn zmq_ctx_new() -> *mut c_void;
        pub fn zmq_ctx_term(context: *mut c_void) -> c_int;
        pub fn zmq_ctx_shutdown(context: *mut c_void) -> c_int;
        pub fn zmq_ctx_set(
            context: *mut c_void,
            option: c_int,
            optval: c_int,
        ) -> c_int;
        pub fn zmq_ctx_get(context: *mut c_void, option: c_int) -> c_int;

        pub fn zmq_socket(context: *mut c_void, type_: c_int) -> *mut c_void;
        pub fn zmq_close(s: *mut c_void) -> c_int;
        pub fn zmq_setsockopt(
            s: *mut c_void,
            option: c_int,
            optval: *const c_void,
            optvallen: usize,
        ) -> c_int;
        pub fn zmq_getsockopt(
            s: *mut c_void,
            option: c_int,
            optval: *mut c_void,
            optvallen: *mut usize,
        ) -> c_int;
        pub fn zmq_bind(s: *mut c_void, addr: *const c_char) -> c_int;
        pub fn zmq_connect(s: *mut c_void, addr: *const c_char) -> c_int;
        pub fn zmq_unbind(s: *mut c_void, addr: *const c_char) -> c_int;
        pub fn zmq_disconnect(s: *mut c_void, addr: *const c_char) -> c_int;
        pub fn zmq_send(
            s: *mut c_void,
            buf: *const c_void,
            len: usize,
            flags: c_int,
        ) -> c_int;
        pub fn zmq_recv(
            s: *mut c_void,
            buf: *mut c_void,
            len: usize,
            flags: c_int,
        ) -> c_int;

        pub fn zmq_msg_init(msg: *mut zmq_msg_t) -> c_int;
        pub fn zmq_msg_init_size(msg: *mut zmq_msg_t, size: usize) -> c_int;
        pub fn zmq_msg_data(msg: *mut zmq_msg_t) -> *mut c_void;
        pub fn zmq_msg_size(msg: *const zmq_msg_t) -> usize;
        pub fn zmq_msg_more(msg: *const zmq_msg_t) -> c_int;
        pub fn zmq_msg_close(msg: *mut zmq_msg_t) -> c_int;
        pub fn zmq_msg_send(
            msg: *mut zmq_msg_t,
            s: *mut c_void,
            flags: c_int,
        ) -> c_int;
        pub fn zmq_msg_recv(
            msg: *mut zmq_msg_t,
            s: *mut c_void,
            flags: c_int,
        ) -> c_int;
        // DRAFT
        pub fn zmq_msg_set_routing_id(
            msg: *mut zmq_msg_t,
            routing_id: u32,
        ) -> c_int;
        pub fn zmq_msg_routing_id(msg: *mut zmq_msg_t) -> u32;
        pub fn zmq_msg_set_group(
            msg: *mut zmq_msg_t,
            group: *const c_char,
        ) -> c_int;
        pub fn zmq_msg_group(msg: *mut zmq_msg_t) -> *const c_char;
        pub fn zmq_join(s: *mut c_void, group: *const c_char) -> c_int;
        pub fn zmq_leave(s: *mut c_void, group: *const c_char) -> c_int;

        pub fn zmq_poll(
            items: *mut zmq_pollitem_t,
            nitems: c_int,
            timeout: c_long,
        ) -> c_int;

        pub fn zmq_z85_encode(
            dest: *mut c_char,
            data: *const u8,
            size: usize,
        ) -> *mut c_char;
        pub fn zmq_z85_decode(dest: *mut u8, string: *const c_char) -> *mut u8;
        pub fn zmq_curve_keypair(
            z85_public_key: *mut c_char,
            z85_secret_key: *mut c_char,
        ) -> c_int;
        pub fn zmq_curve_public(
            z85_public_key: *mut c_char,
            z85_secret_key: *const c_char,
        ) -> c_int;
    }
}
