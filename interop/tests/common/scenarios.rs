//! The scenarios both the C libzmq and the pyzmq tests run, on any
//! [`Ends`]: publish-subscribe (prefixes, counting, unsubscription), XPUB
//! subscription messages, REQ/REP, ROUTER routing ids and DEALER/REP
//! envelopes.

use super::classic::*;
use super::*;
use interop::lz::ClassicSocket;

// ---------------------------------------------------------------------------
// Publish-subscribe
// ---------------------------------------------------------------------------

/// What a publisher and a subscriber go through, whichever is whose.
pub fn publish_run(label: &str, publisher: &dyn Ends, sub: &dyn Subscriber) {
    sub.subscribe_to(b"weather/");
    sub.subscribe_to(b"\x00bin");
    wait_subscribed(label, publisher, sub, b"weather/probe");
    wait_subscribed(label, publisher, sub, b"\x00bin-probe");

    let big = payload(7, 70_000);
    let sent: Vec<Vec<&[u8]>> = vec![
        vec![b"sport/rugby", b"x"],
        vec![b"weather/paris", b"21", b"C"],
        vec![b"weathe", b"too short"],
        vec![b"\x00binary", b""],
        vec![b"Weather/case"],
        vec![b"weather/", &big, b""],
        vec![b"\x01bin"],
        vec![b"", b"empty topic"],
        vec![b"weather/last"],
    ];
    for m in &sent {
        publisher.send_frames(m);
    }
    let matching = |m: &&Vec<&[u8]>| {
        m[0].starts_with(b"weather/") || m[0].starts_with(b"\x00bin")
    };
    for m in sent.iter().filter(matching) {
        let got = sub.recv_frames();
        assert!(
            got == frames(m),
            "{label}: {:?}: got {} frames",
            m[0],
            got.len()
        );
    }
    sub.gets_nothing(label);

    // Counted: two subscribes, one unsubscribe, still subscribed. The
    // subscription to "sync" that follows on the same connection proves a
    // wrongly sent cancellation would have arrived first.
    sub.subscribe_to(b"count");
    sub.subscribe_to(b"count");
    wait_subscribed(label, publisher, sub, b"count-probe");
    sub.unsubscribe_from(b"count");
    sub.subscribe_to(b"sync");
    wait_subscribed(label, publisher, sub, b"sync-probe");
    publisher.send_frames(&[b"count-1"]);
    assert_eq!(sub.recv_frames(), frames(&[b"count-1"]), "{label}");
    sub.unsubscribe_from(b"count");
    wait_unsubscribed(label, publisher, sub, b"count-2", b"sync/1");

    // Unsubscribe a prefix: it stops, the others go on.
    sub.unsubscribe_from(b"weather/");
    wait_unsubscribed(label, publisher, sub, b"weather/x", b"sync/2");
    publisher.send_frames(&[b"weather/y"]);
    publisher.send_frames(&[b"\x00bin-still", b"here"]);
    assert_eq!(
        sub.recv_frames(),
        frames(&[&b"\x00bin-still"[..], b"here"]),
        "{label}"
    );
    sub.gets_nothing(label);
}

/// An XPUB, ours or libzmq's.
pub trait XPubEnd: Ends {
    fn verbose(&self, on: bool);
    fn verboser(&self, on: bool);
}

impl XPubEnd for XPub {
    fn verbose(&self, on: bool) {
        self.set_verbose(on).unwrap();
    }
    fn verboser(&self, on: bool) {
        self.set_verboser(on).unwrap();
    }
}

impl XPubEnd for ClassicSocket {
    fn verbose(&self, on: bool) {
        self.set_xpub_verbose(on).unwrap();
    }
    fn verboser(&self, on: bool) {
        self.set_xpub_verboser(on).unwrap();
    }
}

/// The next message on `xpub` is the subscription message `flag prefix`.
/// Meanwhile the subscribers in `pumps` are kept busy: like libzmq's, our
/// sockets take in a peer that connected to them (and send it their
/// subscriptions) in their own calls, so a bound SUB must be used.
pub fn reported(
    label: &str,
    xpub: &dyn XPubEnd,
    pumps: &[&dyn Subscriber],
    subscribe: bool,
    prefix: &[u8],
) {
    let deadline = Instant::now() + TIMEOUT;
    let got = loop {
        if let Some(m) = xpub.recv_within(PROBE_WAIT) {
            break m;
        }
        for pump in pumps {
            if let Some(m) = pump.recv_within(Duration::from_millis(1)) {
                panic!("{label}: {} received {m:?}", pump.who());
            }
        }
        assert!(
            Instant::now() < deadline,
            "{label}: {prefix:?} not reported"
        );
    };
    assert_eq!(
        got,
        vec![subscription_msg(subscribe, prefix)],
        "{label}: {} {prefix:?}",
        if subscribe {
            "subscription"
        } else {
            "cancellation"
        }
    );
}

/// What an XPUB with a SUB (`sub`) and an XSUB (`xsub`) goes through.
pub fn xpub_run(
    label: &str,
    xpub: &dyn XPubEnd,
    sub: &dyn Subscriber,
    xsub: &dyn Subscriber,
) {
    // The first subscription to a prefix is reported, a second one (from
    // the other subscriber) is not: "B", later on the same connection,
    // comes next.
    sub.subscribe_to(b"A");
    reported(label, xpub, &[sub, xsub], true, b"A");
    xsub.subscribe_to(b"A");
    xsub.subscribe_to(b"B");
    reported(label, xpub, &[sub, xsub], true, b"B");
    // Only the last unsubscription is reported.
    sub.unsubscribe_from(b"A");
    xsub.unsubscribe_from(b"A");
    reported(label, xpub, &[sub, xsub], false, b"A");
    xpub.gets_nothing(label);

    // Messages go to the matching subscribers only.
    xpub.send_frames(&[b"B-news", b"", b"2"]);
    assert_eq!(
        xsub.recv_frames(),
        frames(&[&b"B-news"[..], b"", b"2"]),
        "{label}"
    );
    sub.gets_nothing(label);

    // An XSUB's other messages go upstream, whole.
    xsub.send_frames(&[b"hello", b"up", b""]);
    assert_eq!(
        xpub.recv_frames(),
        frames(&[&b"hello"[..], b"up", b""]),
        "{label}"
    );

    // Verbose: every subscription; not every unsubscription ("C" after
    // "B" on the same connection comes first).
    xpub.verbose(true);
    sub.subscribe_to(b"B");
    reported(label, xpub, &[sub, xsub], true, b"B");
    sub.unsubscribe_from(b"B");
    sub.subscribe_to(b"C");
    reported(label, xpub, &[sub, xsub], true, b"C");
    // Verboser: every unsubscription too.
    xpub.verboser(true);
    sub.subscribe_to(b"B");
    reported(label, xpub, &[sub, xsub], true, b"B");
    sub.unsubscribe_from(b"B");
    reported(label, xpub, &[sub, xsub], false, b"B");
    xpub.gets_nothing(label);
}

// ---------------------------------------------------------------------------
// Request-reply
// ---------------------------------------------------------------------------

/// Requests and replies of several shapes, in strict alternation.
pub fn req_rep_run(label: &str, req: &dyn Ends, rep: &dyn Ends) {
    let big = payload(3, 70_000);
    let requests: Vec<Vec<&[u8]>> = vec![
        vec![b"hello"],
        vec![b"multi", b"part", b""],
        vec![&big],
        vec![b""],
    ];
    for (i, request) in requests.iter().enumerate() {
        req.send_frames(request);
        assert_eq!(rep.recv_frames(), frames(request), "{label}: request {i}");
        let n = format!("reply {i}");
        let reply: Vec<&[u8]> = vec![n.as_bytes(), b"", &big[..i * 100]];
        rep.send_frames(&reply);
        assert_eq!(req.recv_frames(), frames(&reply), "{label}: reply {i}");
    }
    // (A REQ cannot receive without a request: libzmq's EFSM.)
    rep.gets_nothing(label);
}

/// The routing id a named peer announces.
pub const NAMED: &[u8] = b"named-peer";

/// `router` receives one message from each of `named` (routing id
/// [`NAMED`]) and `anonymous` (generated id), sent with `envelope` frames
/// before the body, and answers each by its id. Returns the generated id.
pub fn router_run(
    label: &str,
    router: &dyn Ends,
    named: &dyn Ends,
    anonymous: &dyn Ends,
    envelope: &[&[u8]],
) -> Vec<u8> {
    let body: Vec<&[u8]> = vec![b"from", b"", b"two frames after the envelope"];
    for (who, peer) in [(&b"named"[..], named), (b"anonymous", anonymous)] {
        let mut sent = body.clone();
        sent[0] = who;
        peer.send_frames(&sent);
    }
    let mut ids = Vec::new();
    for _ in 0..2 {
        let got = router.recv_frames();
        let mut want = envelope.to_vec();
        want.extend_from_slice(&body);
        want[envelope.len()] = &got[1 + envelope.len()];
        assert_eq!(got[1..], frames(&want)[..], "{label}");
        ids.push((got[1 + envelope.len()].clone(), got[0].clone()));
    }
    ids.sort();
    let [(anonymous_who, generated), (named_who, named_id)] = &ids[..] else {
        unreachable!()
    };
    assert_eq!(
        (anonymous_who.as_slice(), named_who.as_slice()),
        (&b"anonymous"[..], &b"named"[..])
    );
    assert_eq!(named_id, NAMED, "{label}");
    assert_eq!(generated.len(), 5, "{label}: generated id {generated:?}");
    assert_eq!(generated[0], 0, "{label}: generated id {generated:?}");

    // Replies routed by id, the named one first.
    for (id, peer) in [(named_id, named), (generated, anonymous)] {
        if !envelope.is_empty() && peer.who().starts_with("our") {
            // Our REQ drops a reply without its delimiter. (libzmq's REQ
            // session takes it for a protocol error and drops the
            // connection, with the reply that follows.)
            router.send_frames(&[id, b"no delimiter"]);
        }
        let mut reply: Vec<&[u8]> = vec![id];
        reply.extend_from_slice(envelope);
        reply.extend_from_slice(&[b"reply to", id, b""]);
        router.send_frames(&reply);
        let mut want: Vec<&[u8]> = envelope.to_vec();
        want.extend_from_slice(&[b"reply to", id, b""]);
        // A REQ (the peers with an envelope) strips the delimiter it added.
        let want = if envelope.is_empty() {
            want
        } else {
            want[1..].to_vec()
        };
        assert_eq!(peer.recv_frames(), frames(&want), "{label}");
    }
    router.gets_nothing(label);
    generated.clone()
}

/// A DEALER talks to a REP by writing the envelope itself; the REP puts it
/// back, extra routing frames included, and drops malformed requests.
pub fn dealer_rep_run(label: &str, dealer: &dyn Ends, rep: &dyn Ends) {
    // Requests without a delimiter, or with nothing after it, are dropped.
    dealer.send_frames(&[b"no delimiter"]);
    dealer.send_frames(&[b"still", b"none"]);
    dealer.send_frames(&[b""]);
    for envelope in [&[&b""[..]][..], &[b"hop-1", b"hop-2", b""]] {
        let mut request = envelope.to_vec();
        request.extend_from_slice(&[b"job", b""]);
        dealer.send_frames(&request);
        assert_eq!(rep.recv_frames(), frames(&[&b"job"[..], b""]), "{label}");
        rep.send_frames(&[b"done", b"ok"]);
        let mut want = envelope.to_vec();
        want.extend_from_slice(&[b"done", b"ok"]);
        assert_eq!(dealer.recv_frames(), frames(&want), "{label}");
    }
    dealer.gets_nothing(label);
}
