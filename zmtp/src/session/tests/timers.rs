//! Handshake deadline, heartbeats and the peer's TTL, driven by a fake clock: plain
//! `Instant` values advanced by hand, no sleeps.

use std::time::Duration;

use super::*;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn heartbeat_config(
    interval: u64,
    timeout: Option<u64>,
    ttl_deciseconds: u16,
) -> SessionConfig {
    let mut cfg = config(SocketType::Client);
    cfg.handshake_timeout = None;
    cfg.heartbeat = Some(Heartbeat {
        interval: ms(interval),
        timeout: timeout.map(ms),
        ttl_deciseconds,
    });
    cfg
}

fn feed_at(
    s: &mut Session,
    input: &mut BytesMut,
    bytes: &[u8],
    now: Instant,
) -> Result<Vec<Event>, ProtocolError> {
    input.extend_from_slice(bytes);
    let mut events = Vec::new();
    while let Some(e) = s.decode_at(input, now)? {
        events.push(e);
    }
    Ok(events)
}

/// A session whose handshake with a raw SERVER completed at `t0`, and its input buffer.
fn ready_at(cfg: SessionConfig, t0: Instant) -> (Session, BytesMut) {
    let mut s = Session::new(cfg, t0);
    let mut input = BytesMut::new();
    let mut wire = null_greeting();
    wire.extend_from_slice(&ready_frame("SERVER"));
    assert_eq!(
        feed_at(&mut s, &mut input, &wire, t0).unwrap(),
        vec![Event::Ready]
    );
    let _ = transmit(&mut s);
    (s, input)
}

const PING_TTL_0: &[u8] = b"\x04\x07\x04PING\x00\x00";
const PONG: &[u8] = b"\x04\x05\x04PONG";

#[test]
fn handshake_timeout_fires() {
    let t0 = Instant::now();
    let mut cfg = config(SocketType::Client);
    cfg.handshake_timeout = Some(ms(500));
    let mut s = Session::new(cfg, t0);
    assert_eq!(s.poll_timeout(), Some(t0 + ms(500)));
    // The greeting arrives; the deadline does not move.
    let mut input = BytesMut::new();
    feed_at(&mut s, &mut input, &null_greeting(), t0 + ms(100)).unwrap();
    assert_eq!(s.poll_timeout(), Some(t0 + ms(500)));
    assert_eq!(s.handle_timeout(t0 + ms(499)), Ok(()));
    assert_eq!(
        s.handle_timeout(t0 + ms(500)),
        Err(ProtocolError::HandshakeTimeout)
    );
    assert!(ProtocolError::HandshakeTimeout.is_timeout());
    // Final, like every error.
    assert_eq!(
        s.decode_at(&mut input, t0 + ms(501)),
        Err(ProtocolError::HandshakeTimeout)
    );
    assert_eq!(s.poll_timeout(), None);
}

#[test]
fn handshake_deadline_defaults_and_goes_away_when_ready() {
    let t0 = Instant::now();
    let s = Session::new(config(SocketType::Client), t0);
    assert_eq!(s.poll_timeout(), Some(t0 + DEFAULT_HANDSHAKE_TIMEOUT));
    let mut cfg = config(SocketType::Client);
    cfg.handshake_timeout = None;
    assert_eq!(Session::new(cfg, t0).poll_timeout(), None);
    let (mut s, _) = ready_at(config(SocketType::Client), t0);
    assert_eq!(s.poll_timeout(), None, "no heartbeat configured");
    assert_eq!(s.handle_timeout(t0 + ms(3_600_000)), Ok(()));
}

#[test]
fn no_ping_before_the_handshake() {
    let t0 = Instant::now();
    let mut s = Session::new(heartbeat_config(100, Some(100), 0), t0);
    let _ = transmit(&mut s);
    assert_eq!(s.poll_timeout(), None);
    for n in 1..20 {
        assert_eq!(s.handle_timeout(t0 + ms(100 * n)), Ok(()));
        assert!(!s.has_transmit());
    }
    // The handshake completes at 2 s: the first PING is due one interval later.
    let t1 = t0 + ms(2000);
    let mut input = BytesMut::new();
    let mut wire = null_greeting();
    wire.extend_from_slice(&ready_frame("SERVER"));
    feed_at(&mut s, &mut input, &wire, t1).unwrap();
    let _ = transmit(&mut s);
    assert_eq!(s.poll_timeout(), Some(t1 + ms(100)));
}

#[test]
fn ping_cadence_is_fixed() {
    let t0 = Instant::now();
    let (mut s, mut input) =
        ready_at(heartbeat_config(100, Some(1000), 15), t0);
    assert_eq!(s.poll_timeout(), Some(t0 + ms(100)));
    // Early: nothing.
    assert_eq!(s.handle_timeout(t0 + ms(99)), Ok(()));
    assert!(!s.has_transmit());
    // Due: one PING with our TTL; the next one an interval later.
    assert_eq!(s.handle_timeout(t0 + ms(100)), Ok(()));
    assert_eq!(transmit(&mut s), b"\x04\x07\x04PING\x00\x0f");
    assert_eq!(s.poll_timeout(), Some(t0 + ms(200)));
    // Calling again at the same time sends nothing more.
    assert_eq!(s.handle_timeout(t0 + ms(100)), Ok(()));
    assert!(!s.has_transmit());
    // Traffic does not delay PINGs (libzmq sends them whatever else happens).
    feed_at(&mut s, &mut input, PONG, t0 + ms(150)).unwrap();
    feed_at(&mut s, &mut input, b"\x00\x01x", t0 + ms(199)).unwrap();
    assert_eq!(s.poll_timeout(), Some(t0 + ms(200)));
    for n in 2..10 {
        let now = t0 + ms(100 * n);
        assert_eq!(s.handle_timeout(now), Ok(()));
        assert_eq!(transmit(&mut s), b"\x04\x07\x04PING\x00\x0f", "{n}");
        feed_at(&mut s, &mut input, PONG, now + ms(10)).unwrap();
    }
}

#[test]
fn ping_timeout_fires_only_without_traffic() {
    let t0 = Instant::now();
    // Silent peer: PINGs at 100, 200, 300; the timeout armed by the first fires at 350.
    let (mut s, _) = ready_at(heartbeat_config(100, Some(250), 0), t0);
    for n in 1..=3 {
        assert_eq!(s.handle_timeout(t0 + ms(100 * n)), Ok(()));
        assert_eq!(transmit(&mut s), PING_TTL_0);
    }
    assert_eq!(s.poll_timeout(), Some(t0 + ms(350)));
    assert_eq!(s.handle_timeout(t0 + ms(349)), Ok(()));
    assert_eq!(
        s.handle_timeout(t0 + ms(350)),
        Err(ProtocolError::HeartbeatTimeout)
    );
    assert_eq!(s.poll_timeout(), None);

    // Any traffic, not only a PONG, cancels the timeout; the next PING re-arms it.
    let (mut s, mut input) = ready_at(heartbeat_config(100, Some(250), 0), t0);
    assert_eq!(s.handle_timeout(t0 + ms(100)), Ok(()));
    feed_at(&mut s, &mut input, b"\x00\x02hi", t0 + ms(340)).unwrap();
    // The overdue PING goes out now; the cadence restarts from now, like the engine's.
    assert_eq!(s.handle_timeout(t0 + ms(350)), Ok(()));
    assert_eq!(s.poll_timeout(), Some(t0 + ms(450)));
    assert_eq!(s.handle_timeout(t0 + ms(450)), Ok(()));
    assert_eq!(s.poll_timeout(), Some(t0 + ms(550)));
    let _ = transmit(&mut s);
    // Bytes of a frame that is not complete yet count too (a large message arriving).
    let header = [0x02, 0, 0, 0, 0, 0, 1, 0, 0];
    feed_at(&mut s, &mut input, &header, t0 + ms(540)).unwrap();
    assert_eq!(s.handle_timeout(t0 + ms(550)), Ok(()));
    feed_at(&mut s, &mut input, &[1, 2, 3, 4], t0 + ms(790)).unwrap();
    assert_eq!(s.handle_timeout(t0 + ms(800)), Ok(()));
    feed_at(&mut s, &mut input, &[5; 30], t0 + ms(1040)).unwrap();
    assert_eq!(s.handle_timeout(t0 + ms(1050)), Ok(()));
    // Then silence: the timeout armed by the PING at 1050 fires at 1300.
    assert_eq!(s.handle_timeout(t0 + ms(1299)), Ok(()));
    assert_eq!(
        s.handle_timeout(t0 + ms(1300)),
        Err(ProtocolError::HeartbeatTimeout)
    );
}

#[test]
fn no_ping_timeout_when_disabled() {
    let t0 = Instant::now();
    let (mut s, _) = ready_at(heartbeat_config(100, None, 0), t0);
    for n in 1..=50 {
        assert_eq!(s.handle_timeout(t0 + ms(100 * n)), Ok(()));
        assert_eq!(s.poll_timeout(), Some(t0 + ms(100 * (n + 1))));
    }
    assert_eq!(transmit(&mut s).len(), 50 * PING_TTL_0.len());
}

#[test]
fn zero_interval_means_no_heartbeat() {
    let t0 = Instant::now();
    let (s, _) = ready_at(heartbeat_config(0, Some(100), 0), t0);
    assert_eq!(s.poll_timeout(), None);
}

#[test]
fn peer_ttl_is_honoured_and_cleared_by_traffic() {
    let t0 = Instant::now();
    // No heartbeat of our own: the peer's TTL applies anyway.
    let (mut s, mut input) = ready_at(config(SocketType::Client), t0);
    let t1 = t0 + ms(1000);
    let events =
        feed_at(&mut s, &mut input, b"\x04\x07\x04PING\x00\x05", t1).unwrap();
    assert_eq!(events, vec![Event::Ping { ttl_deciseconds: 5 }]);
    assert_eq!(transmit(&mut s), PONG);
    assert_eq!(s.poll_timeout(), Some(t1 + ms(500)));
    assert_eq!(s.handle_timeout(t1 + ms(499)), Ok(()));
    assert_eq!(
        s.handle_timeout(t1 + ms(500)),
        Err(ProtocolError::HeartbeatTimeout)
    );

    // Traffic before the deadline clears it; the next PING re-arms it.
    let (mut s, mut input) = ready_at(config(SocketType::Client), t0);
    feed_at(&mut s, &mut input, b"\x04\x07\x04PING\x00\x05", t1).unwrap();
    feed_at(&mut s, &mut input, b"\x00\x01x", t1 + ms(400)).unwrap();
    assert_eq!(s.poll_timeout(), None);
    assert_eq!(s.handle_timeout(t1 + ms(500)), Ok(()));
    let t2 = t1 + ms(2000);
    feed_at(&mut s, &mut input, b"\x04\x07\x04PING\x00\x0a", t2).unwrap();
    assert_eq!(s.poll_timeout(), Some(t2 + ms(1000)));
    // A PING with TTL 0 clears it and sets none.
    feed_at(&mut s, &mut input, PING_TTL_0, t2 + ms(10)).unwrap();
    assert_eq!(s.poll_timeout(), None);
}

#[test]
fn earliest_deadline_wins() {
    let t0 = Instant::now();
    let (mut s, mut input) =
        ready_at(heartbeat_config(1000, Some(5000), 0), t0);
    // The peer's TTL (300 ms) is earlier than our next PING (1 s).
    feed_at(&mut s, &mut input, b"\x04\x07\x04PING\x00\x03", t0 + ms(10))
        .unwrap();
    assert_eq!(s.poll_timeout(), Some(t0 + ms(310)));
    feed_at(&mut s, &mut input, PONG, t0 + ms(20)).unwrap();
    assert_eq!(s.poll_timeout(), Some(t0 + ms(1000)));
}

#[test]
fn pings_are_encrypted_with_curve() {
    // A CURVE client/server pair: the session's PING travels inside a MESSAGE.
    let t0 = Instant::now();
    let (server_public, server_secret) = crate::curve_keypair();
    let (public, secret) = crate::curve_keypair();
    let mut client_cfg = heartbeat_config(100, Some(300), 0);
    client_cfg.mechanism = Arc::new(MechanismConfig::CurveClient {
        server_public,
        public,
        secret,
    });
    let mut server_cfg = config(SocketType::Server);
    server_cfg.mechanism = Arc::new(MechanismConfig::CurveServer {
        secret: server_secret,
    });
    let mut client = Session::new(client_cfg, t0);
    let mut server = Session::new(server_cfg, t0);
    let (ca, sb) = drive(
        &mut client,
        &mut server,
        usize::MAX,
        &mut |_, _| Ok(()),
        &mut |_, _| {},
    );
    assert!(ca.events.contains(&Event::Ready), "{ca:?}");
    assert!(sb.events.contains(&Event::Ready), "{sb:?}");
    assert_eq!(client.handle_timeout(t0 + ms(100)), Ok(()));
    let mut wire = BytesMut::new();
    client.poll_transmit(&mut wire);
    assert_eq!(wire.len(), 2 + 40, "encrypted PING");
    assert_eq!(
        server.decode(&mut wire).unwrap(),
        Some(Event::Ping { ttl_deciseconds: 0 })
    );
}
