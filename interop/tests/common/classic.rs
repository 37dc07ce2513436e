//! Helpers for the classic socket types (`classic_*.rs`, `pyzmq_*.rs`):
//! our sockets with the bounded timeouts, either implementation's end of a
//! pair behind one trait ([`Ends`]), the binding side and the transport of
//! a run, and the probe loops subscriptions need (they travel
//! asynchronously).

use super::*;
use interop::lz::ClassicSocket;

/// Defines `fn $name(ctx) -> $ty`: our socket with [`TIMEOUT`] on each of
/// the listed timeouts (a socket that cannot send has no send timeout).
macro_rules! rs_sockets {
    ($($name:ident -> $ty:ident by $builder:ident [$($timeout:ident),*];)*) => {$(
        #[doc = concat!("Our `", stringify!($ty), "` with the bounded timeouts.")]
        pub fn $name(ctx: &Ctx) -> $ty {
            $builder::new()
                $(.$timeout(TIMEOUT))*
                .with_ctx(ctx.handle())
                .unwrap()
        }
    )*};
}

rs_sockets! {
    rs_pair -> Pair by PairBuilder [send_timeout, recv_timeout];
    rs_pub -> Pub by PubBuilder [send_timeout];
    rs_sub -> Sub by SubBuilder [recv_timeout];
    rs_xpub -> XPub by XPubBuilder [send_timeout, recv_timeout];
    rs_xsub -> XSub by XSubBuilder [send_timeout, recv_timeout];
    rs_push -> Push by PushBuilder [send_timeout];
    rs_pull -> Pull by PullBuilder [recv_timeout];
    rs_req -> Req by ReqBuilder [send_timeout, recv_timeout];
    rs_rep -> Rep by RepBuilder [send_timeout, recv_timeout];
    rs_dealer -> Dealer by DealerBuilder [send_timeout, recv_timeout];
    rs_router -> Router by RouterBuilder [send_timeout, recv_timeout];
}

/// A libzmq socket of a classic `kind` with the [`TIMEOUT`]s (linger 0).
pub fn lz_classic(ctx: &lz::Ctx, kind: i32) -> ClassicSocket {
    let s = ClassicSocket::open(ctx, kind).unwrap();
    s.set_sndtimeo(TIMEOUT_MS).unwrap();
    s.set_rcvtimeo(TIMEOUT_MS).unwrap();
    s
}

/// Our certificate of a key pair made elsewhere (libzmq, pyzmq), Z85: the
/// API builds one only from its serde form. Checks that the public key is
/// the secret key's.
pub fn cert_from_z85(public: &str, secret: &str) -> libzmq::auth::CurveCert {
    let derived = libzmq::auth::CurvePublicKey::from(
        &libzmq::auth::CurveSecretKey::new(secret).unwrap(),
    );
    assert_eq!(derived.as_str(), public, "the public key of the secret key");
    let json = serde_json::json!({ "public": public, "secret": secret });
    serde_json::from_value(json).unwrap()
}

/// Frames as owned byte vectors.
pub fn frames<F: AsRef<[u8]>>(parts: &[F]) -> Vec<Vec<u8>> {
    parts.iter().map(|p| p.as_ref().to_vec()).collect()
}

/// One end of a classic pair, ours or libzmq's: whole messages as frames.
pub trait Ends {
    /// What the failures say.
    fn who(&self) -> &'static str;
    /// Sends one message (panics on failure).
    fn send_frames(&self, parts: &[&[u8]]);
    /// One message if it arrives within `wait`.
    fn recv_within(&self, wait: Duration) -> Option<Vec<Vec<u8>>>;
    /// One message, which must arrive within [`TIMEOUT`].
    fn recv_frames(&self) -> Vec<Vec<u8>> {
        self.recv_within(TIMEOUT)
            .unwrap_or_else(|| panic!("{}: nothing arrived", self.who()))
    }
    /// Nothing arrives within [`NOTHING_WAIT`].
    fn gets_nothing(&self, label: &str) {
        if let Some(m) = self.recv_within(NOTHING_WAIT) {
            panic!("{label}: {} received {m:?}", self.who());
        }
    }
}

impl<T: Ends + ?Sized> Ends for &T {
    fn who(&self) -> &'static str {
        (**self).who()
    }
    fn send_frames(&self, parts: &[&[u8]]) {
        (**self).send_frames(parts)
    }
    fn recv_within(&self, wait: Duration) -> Option<Vec<Vec<u8>>> {
        (**self).recv_within(wait)
    }
}

impl Ends for ClassicSocket {
    fn who(&self) -> &'static str {
        "libzmq"
    }
    fn send_frames(&self, parts: &[&[u8]]) {
        self.send_multipart(parts, 0)
            .unwrap_or_else(|e| panic!("libzmq send: {}", lz::strerror(e)));
    }
    fn recv_within(&self, wait: Duration) -> Option<Vec<Vec<u8>>> {
        self.set_rcvtimeo(wait.as_millis() as i32).unwrap();
        let got = self.recv_multipart();
        self.set_rcvtimeo(TIMEOUT_MS).unwrap();
        match got {
            Ok(parts) => Some(parts),
            Err(lz::EAGAIN) => None,
            Err(e) => panic!("libzmq recv: {}", lz::strerror(e)),
        }
    }
}

/// Our receive with a `wait` long timeout, then [`TIMEOUT`] again.
pub fn rs_recv_within(
    socket: &impl RecvMultipart,
    wait: Duration,
) -> Option<Vec<Vec<u8>>> {
    socket.set_recv_timeout(Some(wait)).unwrap();
    let got = socket.recv_multipart();
    socket.set_recv_timeout(Some(TIMEOUT)).unwrap();
    match got {
        Ok(parts) => {
            Some(parts.iter().map(|m| m.as_bytes().to_vec()).collect())
        }
        Err(e) if e.kind() == ErrorKind::WouldBlock => None,
        Err(e) => panic!("our recv: {e}"),
    }
}

/// Our send of one message (panics on failure).
pub fn rs_send(socket: &impl SendMultipart, parts: &[&[u8]]) {
    let msgs: Vec<Msg> = parts.iter().map(|p| Msg::from(p.to_vec())).collect();
    socket
        .send_multipart(msgs)
        .unwrap_or_else(|e| panic!("our send: {e}"));
}

/// [`Ends`] for our sockets: `send` for those that can send, `recv` for
/// those that can receive, `both` for the others.
macro_rules! rs_ends {
    (@send) => {
        fn send_frames(&self, parts: &[&[u8]]) {
            rs_send(self, parts)
        }
    };
    (@recv) => {
        fn recv_within(&self, wait: Duration) -> Option<Vec<Vec<u8>>> {
            rs_recv_within(self, wait)
        }
    };
    (@cannot_send) => {
        fn send_frames(&self, _: &[&[u8]]) {
            panic!("this socket type cannot send")
        }
    };
    (@cannot_recv) => {
        fn recv_within(&self, _: Duration) -> Option<Vec<Vec<u8>>> {
            panic!("this socket type cannot receive")
        }
    };
    ($($ty:ident: $send:ident, $recv:ident;)*) => {$(
        impl Ends for $ty {
            fn who(&self) -> &'static str {
                concat!("our ", stringify!($ty))
            }
            rs_ends!(@$send);
            rs_ends!(@$recv);
        }
    )*};
}

rs_ends! {
    Pair: send, recv;
    Pub: send, cannot_recv;
    Sub: cannot_send, recv;
    XPub: send, recv;
    XSub: send, recv;
    Push: send, cannot_recv;
    Pull: cannot_send, recv;
    Req: send, recv;
    Rep: send, recv;
    Dealer: send, recv;
    Router: send, recv;
}

// ---------------------------------------------------------------------------
// Who binds, over what
// ---------------------------------------------------------------------------

/// Which side binds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Binds {
    /// Our socket binds, the other implementation's connects.
    Ours,
    /// The other implementation's socket binds, ours connects.
    Theirs,
}

/// The transport of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    Tcp,
    Ipc,
}

impl Transport {
    /// What to bind our socket to.
    pub fn rs_addr(self) -> Endpoint {
        match self {
            Transport::Tcp => rs_tcp_any().into(),
            Transport::Ipc => {
                IpcAddr::try_from(ipc_path().as_str()).unwrap().into()
            }
        }
    }

    /// What to bind a libzmq (or pyzmq) socket to.
    pub fn lz_addr(self) -> String {
        match self {
            Transport::Tcp => TCP_ANY.to_owned(),
            Transport::Ipc => format!("ipc://{}", ipc_path()),
        }
    }
}

/// Connects our socket and a libzmq one over `transport`, the one `binds`
/// names binding.
pub fn link(
    binds: Binds,
    transport: Transport,
    ours: &impl libzmq::prelude::Socket,
    theirs: &ClassicSocket,
) {
    match binds {
        Binds::Ours => {
            let endpoint = rs_bind_to(ours, transport.rs_addr());
            theirs.connect(&endpoint).unwrap();
        }
        Binds::Theirs => {
            theirs.bind(&transport.lz_addr()).unwrap();
            ours.connect(to_rs_endpoint(&theirs.last_endpoint()))
                .unwrap();
        }
    }
}

/// Four tests per scenario: both binding sides, over TCP and IPC.
#[allow(unused_macros)] // not every test file has classic scenarios
macro_rules! classic_matrix {
    ($($scenario:ident: $tcp_ours:ident, $tcp_theirs:ident, $ipc_ours:ident, $ipc_theirs:ident;)*) => {$(
        #[test]
        fn $tcp_ours() {
            $scenario(Binds::Ours, Transport::Tcp);
        }
        #[test]
        fn $tcp_theirs() {
            $scenario(Binds::Theirs, Transport::Tcp);
        }
        #[test]
        fn $ipc_ours() {
            $scenario(Binds::Ours, Transport::Ipc);
        }
        #[test]
        fn $ipc_theirs() {
            $scenario(Binds::Theirs, Transport::Ipc);
        }
    )*};
}
#[allow(unused_imports)]
pub(crate) use classic_matrix;

// ---------------------------------------------------------------------------
// Subscriptions
// ---------------------------------------------------------------------------

/// A subscriber, ours or libzmq's: SUB with its subscribe calls, XSUB with
/// subscription messages (`0x01 prefix`, `0x00 prefix`).
pub trait Subscriber: Ends {
    fn subscribe_to(&self, prefix: &[u8]);
    fn unsubscribe_from(&self, prefix: &[u8]);
}

/// A subscription as an XSUB message.
pub fn subscription_msg(subscribe: bool, prefix: &[u8]) -> Vec<u8> {
    [&[subscribe as u8][..], prefix].concat()
}

impl Subscriber for Sub {
    fn subscribe_to(&self, prefix: &[u8]) {
        self.subscribe(prefix).unwrap();
    }
    fn unsubscribe_from(&self, prefix: &[u8]) {
        self.unsubscribe(prefix).unwrap();
    }
}

impl Subscriber for XSub {
    fn subscribe_to(&self, prefix: &[u8]) {
        rs_send(self, &[&subscription_msg(true, prefix)]);
    }
    fn unsubscribe_from(&self, prefix: &[u8]) {
        rs_send(self, &[&subscription_msg(false, prefix)]);
    }
}

impl Subscriber for ClassicSocket {
    fn subscribe_to(&self, prefix: &[u8]) {
        match self.kind() {
            lz::XSUB => self.send_frames(&[&subscription_msg(true, prefix)]),
            _ => self.subscribe(prefix).unwrap(),
        }
    }
    fn unsubscribe_from(&self, prefix: &[u8]) {
        match self.kind() {
            lz::XSUB => self.send_frames(&[&subscription_msg(false, prefix)]),
            _ => self.unsubscribe(prefix).unwrap(),
        }
    }
}

/// Publishes `probe` until `sub` receives it (the subscription that makes
/// it match has reached the publisher), then skips the probes still
/// queued: the next message `sub` receives is the first one published
/// after this returns.
pub fn wait_subscribed(
    label: &str,
    publisher: &dyn Ends,
    sub: &dyn Ends,
    probe: &[u8],
) {
    let deadline = Instant::now() + PROBE_DEADLINE;
    loop {
        publisher.send_frames(&[probe]);
        if let Some(m) = sub.recv_within(PROBE_WAIT) {
            assert_eq!(m, vec![probe.to_vec()], "{label}: probe");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{label}: {probe:?} never matched"
        );
    }
    // Skip the probes sent before the first one arrived: a marker that
    // matches too ends them.
    let marker = [probe, b"/end"].concat();
    publisher.send_frames(&[&marker]);
    loop {
        let m = sub.recv_frames();
        if m == vec![marker.clone()] {
            return;
        }
        assert_eq!(m, vec![probe.to_vec()], "{label}: while draining");
    }
}

/// Publishes `gone` then `marker` (which must still match) until `sub`
/// receives the marker without `gone` before it: the unsubscription from
/// `gone` has reached the publisher.
pub fn wait_unsubscribed(
    label: &str,
    publisher: &dyn Ends,
    sub: &dyn Ends,
    gone: &[u8],
    marker: &[u8],
) {
    let deadline = Instant::now() + PROBE_DEADLINE;
    loop {
        publisher.send_frames(&[gone]);
        publisher.send_frames(&[marker]);
        let first = sub.recv_frames();
        if first == vec![marker.to_vec()] {
            return;
        }
        assert_eq!(first, vec![gone.to_vec()], "{label}");
        assert_eq!(sub.recv_frames(), vec![marker.to_vec()], "{label}");
        assert!(Instant::now() < deadline, "{label}: {gone:?} still matches");
        std::thread::sleep(PROBE_WAIT);
    }
}
