//! Real sessions between our crate and C libzmq 4.3.5 through a
//! [`Recorder`]: NULL, PLAIN and CURVE; CLIENT/SERVER, DEALER/ROUTER,
//! PUB/SUB (with subscriptions) and RADIO/DISH (with joins); each with our
//! socket on either side. The server-type socket (SERVER, ROUTER, PUB,
//! RADIO) binds, its partner connects through the relay; every exchange is
//! confirmed by receipt before the relay is cut, so the recording holds the
//! whole conversation: handshake, multipart and empty frames, and a large
//! message (long frame headers).
//!
//! Every blocking call is bounded ([`TIMEOUT`], [`PROBE_DEADLINE`]); every
//! endpoint is an ephemeral loopback port.

use std::time::{Duration, Instant};

use libzmq::auth::{
    AuthBuilder, CurveCert, CurveClientCreds, CurvePublicKey, CurveSecretKey,
    CurveServerCreds, Mechanism, PlainClientCreds,
};
use libzmq::prelude::*;
use libzmq::{Ctx, Group, Msg, RoutingId, TcpAddr};

use super::{Recorder, Recording};
use crate::lz::{self, ClassicSocket, ZapHandler};

/// Upper bound of every send and receive.
pub const TIMEOUT: Duration = Duration::from_secs(5);
/// Upper bound of a probe loop (a subscription or a join reaching the
/// publisher).
pub const PROBE_DEADLINE: Duration = Duration::from_secs(5);
/// How long one probe waits for its answer.
const PROBE_WAIT: Duration = Duration::from_millis(20);
/// Bytes recorded each way at most.
const RECORD_CAP: usize = 1 << 20;
/// The large message: long frame headers (> 255 bytes), a few KiB.
pub const LARGE: usize = 3000;

/// Security mechanism of a session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mech {
    /// NULL.
    Null,
    /// PLAIN, user `admin`, password `secret`.
    Plain,
    /// CURVE, fresh keys for every run.
    Curve,
}

/// The pair of socket types of a session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pattern {
    /// CLIENT connects to SERVER.
    ClientServer,
    /// DEALER connects to ROUTER (multipart).
    DealerRouter,
    /// SUB connects to PUB and subscribes to two topics.
    PubSub,
    /// DISH connects to RADIO and joins two groups.
    RadioDish,
}

/// Which implementation has the server-type (binding) socket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// Our crate binds; C libzmq connects.
    Ours,
    /// C libzmq binds; our crate connects.
    Libzmq,
}

/// One session to record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Case {
    /// Mechanism.
    pub mech: Mech,
    /// Socket types.
    pub pattern: Pattern,
    /// Who binds (has the server-type socket).
    pub server: Side,
}

impl Case {
    /// A file-name friendly name: `null-client-server-lz-binds`.
    pub fn name(&self) -> String {
        let mech = match self.mech {
            Mech::Null => "null",
            Mech::Plain => "plain",
            Mech::Curve => "curve",
        };
        let pattern = match self.pattern {
            Pattern::ClientServer => "client-server",
            Pattern::DealerRouter => "dealer-router",
            Pattern::PubSub => "pub-sub",
            Pattern::RadioDish => "radio-dish",
        };
        let binds = match self.server {
            Side::Ours => "rs-binds",
            Side::Libzmq => "lz-binds",
        };
        format!("{mech}-{pattern}-{binds}")
    }
}

/// Every session the driver records: each pattern with NULL, CLIENT/SERVER
/// with PLAIN and CURVE too, each with either implementation binding.
pub fn all_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    let combos = [
        (Mech::Null, Pattern::ClientServer),
        (Mech::Null, Pattern::DealerRouter),
        (Mech::Null, Pattern::PubSub),
        (Mech::Null, Pattern::RadioDish),
        (Mech::Plain, Pattern::ClientServer),
        (Mech::Curve, Pattern::ClientServer),
    ];
    for (mech, pattern) in combos {
        for server in [Side::Ours, Side::Libzmq] {
            cases.push(Case {
                mech,
                pattern,
                server,
            });
        }
    }
    cases
}

/// What went wrong in a session.
pub type Error = String;
type Res<T> = Result<T, Error>;

fn lz_err<T>(what: &str, r: lz::Result<T>) -> Res<T> {
    r.map_err(|e| format!("libzmq {what}: {}", lz::strerror(e)))
}

fn rs_err<T, E: std::fmt::Display>(what: &str, r: Result<T, E>) -> Res<T> {
    r.map_err(|e| format!("ours {what}: {e}"))
}

/// Runs one session through a relay and returns what it recorded (the
/// first, and only expected, connection).
pub fn record(case: Case) -> Res<Recording> {
    let ctx = Ctx::new();
    let lz_ctx = lz::Ctx::new();
    let mut guards = Guards::default();
    let (server, client) = sockets(case, &ctx, &lz_ctx, &mut guards)?;
    let bound = server.bind()?;
    let recorder = Recorder::start_to(&bound, RECORD_CAP)
        .map_err(|e| format!("relay to {bound}: {e}"))?;
    client.connect(recorder.endpoint())?;
    exchange(case.pattern, &*server, &*client)?;
    let connections = recorder.connections();
    let mut recordings = recorder.finish();
    if recordings.is_empty() {
        return Err(format!(
            "{}: no connection went through the relay",
            case.name()
        ));
    }
    if connections > 1 {
        return Err(format!(
            "{}: {connections} connections (a reconnect)",
            case.name()
        ));
    }
    Ok(recordings.remove(0))
}

/// What must live as long as the session: our auth registry, libzmq's ZAP
/// handler.
#[derive(Default)]
struct Guards {
    _auth: Option<libzmq::auth::AuthClient>,
    _zap: Option<ZapHandler>,
}

// ---------------------------------------------------------------------------
// Either implementation's socket behind one trait
// ---------------------------------------------------------------------------

/// One end of a session. Messages are frames; a SERVER's are `[routing id
/// (u32 BE), data]`, a RADIO's and DISH's `[group, data]`.
trait End {
    fn bind(&self) -> Res<String>;
    fn connect(&self, endpoint: &str) -> Res<()>;
    fn send(&self, parts: &[&[u8]]) -> Res<()>;
    /// One message, if one arrives within `wait`.
    fn recv(&self, wait: Duration) -> Res<Option<Vec<Vec<u8>>>>;
    /// SUB: subscribe to a prefix; DISH: join a group.
    fn subscribe(&self, _topic: &str) -> Res<()> {
        Ok(())
    }
}

fn rs_bind(socket: &impl libzmq::prelude::Socket) -> Res<String> {
    let any = rs_err("address", TcpAddr::try_from("127.0.0.1:*"))?;
    rs_err("bind", socket.bind(any))?;
    match rs_err("last endpoint", socket.last_endpoint())? {
        libzmq::addr::Endpoint::Tcp(addr) => Ok(format!("tcp://{addr}")),
        other => Err(format!("bound to {other:?}")),
    }
}

fn rs_connect(
    socket: &impl libzmq::prelude::Socket,
    endpoint: &str,
) -> Res<()> {
    let host = endpoint.strip_prefix("tcp://").unwrap_or(endpoint);
    let addr = rs_err("address", TcpAddr::try_from(host))?;
    rs_err("connect", socket.connect(addr))
}

/// Our receive of a message (`None` on timeout).
fn rs_recv<T>(r: Result<T, libzmq::Error>) -> Res<Option<T>> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.kind() == libzmq::ErrorKind::WouldBlock => Ok(None),
        Err(e) => Err(format!("ours recv: {e}")),
    }
}

fn lz_recv<T>(r: lz::Result<T>) -> Res<Option<T>> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(lz::EAGAIN) => Ok(None),
        Err(e) => Err(format!("libzmq recv: {}", lz::strerror(e))),
    }
}

fn id_bytes(id: u32) -> Vec<u8> {
    id.to_be_bytes().to_vec()
}

fn id_of(bytes: &[u8]) -> Res<u32> {
    let b: [u8; 4] = bytes
        .try_into()
        .map_err(|_| format!("a routing id of {} bytes", bytes.len()))?;
    Ok(u32::from_be_bytes(b))
}

fn one<'a>(parts: &[&'a [u8]]) -> Res<&'a [u8]> {
    match parts {
        [data] => Ok(data),
        _ => Err(format!("{} parts where one is allowed", parts.len())),
    }
}

fn two<'a>(parts: &[&'a [u8]]) -> Res<(&'a [u8], &'a [u8])> {
    match parts {
        [a, b] => Ok((a, b)),
        _ => Err(format!("{} parts where two are needed", parts.len())),
    }
}

fn group(bytes: &[u8]) -> Res<Group> {
    let name = std::str::from_utf8(bytes).map_err(|e| format!("group: {e}"))?;
    rs_err("group", Group::try_from(name))
}

/// Our sockets: the receive timeout is set per call.
macro_rules! rs_common {
    () => {
        fn bind(&self) -> Res<String> {
            rs_bind(self)
        }
        fn connect(&self, endpoint: &str) -> Res<()> {
            rs_connect(self, endpoint)
        }
    };
}

impl End for libzmq::Client {
    rs_common!();
    fn send(&self, parts: &[&[u8]]) -> Res<()> {
        rs_err("send", SendMsg::send(self, one(parts)?))
    }
    fn recv(&self, wait: Duration) -> Res<Option<Vec<Vec<u8>>>> {
        rs_err("timeout", self.set_recv_timeout(Some(wait)))?;
        Ok(rs_recv(self.recv_msg())?.map(|m| vec![m.as_bytes().to_vec()]))
    }
}

impl End for libzmq::Server {
    rs_common!();
    fn send(&self, parts: &[&[u8]]) -> Res<()> {
        let (id, data) = two(parts)?;
        rs_err("route", self.route(data, RoutingId(id_of(id)?)))
    }
    fn recv(&self, wait: Duration) -> Res<Option<Vec<Vec<u8>>>> {
        rs_err("timeout", self.set_recv_timeout(Some(wait)))?;
        let Some(m) = rs_recv(self.recv_msg())? else {
            return Ok(None);
        };
        let id = m.routing_id().ok_or("our Server: no routing id")?;
        Ok(Some(vec![id_bytes(id.0), m.as_bytes().to_vec()]))
    }
}

impl End for libzmq::Radio {
    rs_common!();
    fn send(&self, parts: &[&[u8]]) -> Res<()> {
        let (g, data) = two(parts)?;
        rs_err("transmit", self.transmit(data, group(g)?))
    }
    fn recv(&self, _wait: Duration) -> Res<Option<Vec<Vec<u8>>>> {
        Err("a RADIO does not receive".into())
    }
}

impl End for libzmq::Dish {
    rs_common!();
    fn send(&self, _parts: &[&[u8]]) -> Res<()> {
        Err("a DISH does not send".into())
    }
    fn recv(&self, wait: Duration) -> Res<Option<Vec<Vec<u8>>>> {
        rs_err("timeout", self.set_recv_timeout(Some(wait)))?;
        let Some(m) = rs_recv(self.recv_msg())? else {
            return Ok(None);
        };
        let g = m.group().ok_or("our Dish: a message without a group")?;
        Ok(Some(vec![g.to_bytes().to_vec(), m.as_bytes().to_vec()]))
    }
    fn subscribe(&self, topic: &str) -> Res<()> {
        rs_err("join", self.join(group(topic.as_bytes())?))
    }
}

fn rs_send_parts(socket: &impl SendMultipart, parts: &[&[u8]]) -> Res<()> {
    let msgs: Vec<Msg> = parts.iter().map(|p| Msg::from(p.to_vec())).collect();
    rs_err("send", socket.send_multipart(msgs))
}

fn rs_recv_parts(
    socket: &impl RecvMultipart,
    wait: Duration,
) -> Res<Option<Vec<Vec<u8>>>> {
    rs_err("timeout", socket.set_recv_timeout(Some(wait)))?;
    Ok(rs_recv(socket.recv_multipart())?
        .map(|parts| parts.iter().map(|m| m.as_bytes().to_vec()).collect()))
}

/// Our classic sockets: multipart both ways.
macro_rules! rs_classic {
    ($($ty:ty),*) => {$(
        impl End for $ty {
            rs_common!();
            fn send(&self, parts: &[&[u8]]) -> Res<()> {
                rs_send_parts(self, parts)
            }
            fn recv(&self, wait: Duration) -> Res<Option<Vec<Vec<u8>>>> {
                rs_recv_parts(self, wait)
            }
        }
    )*};
}

rs_classic!(libzmq::Dealer, libzmq::Router);

impl End for libzmq::Pub {
    rs_common!();
    fn send(&self, parts: &[&[u8]]) -> Res<()> {
        rs_send_parts(self, parts)
    }
    fn recv(&self, _wait: Duration) -> Res<Option<Vec<Vec<u8>>>> {
        Err("a PUB does not receive".into())
    }
}

impl End for libzmq::Sub {
    rs_common!();
    fn send(&self, _parts: &[&[u8]]) -> Res<()> {
        Err("a SUB does not send".into())
    }
    fn recv(&self, wait: Duration) -> Res<Option<Vec<Vec<u8>>>> {
        rs_recv_parts(self, wait)
    }
    fn subscribe(&self, topic: &str) -> Res<()> {
        rs_err("subscribe", libzmq::Sub::subscribe(self, topic))
    }
}

fn lz_bind<T: lz::Threading>(socket: &lz::Socket<T>) -> Res<String> {
    lz_err("bind", socket.bind("tcp://127.0.0.1:*"))?;
    Ok(socket.last_endpoint())
}

impl End for lz::Socket {
    fn bind(&self) -> Res<String> {
        lz_bind(self)
    }
    fn connect(&self, endpoint: &str) -> Res<()> {
        lz_err("connect", lz::Socket::connect(self, endpoint))
    }
    fn send(&self, parts: &[&[u8]]) -> Res<()> {
        match self.kind() {
            lz::SERVER => {
                let (id, data) = two(parts)?;
                lz_err("send", self.send_routed(data, id_of(id)?))
            }
            lz::RADIO => {
                let (g, data) = two(parts)?;
                let g = std::str::from_utf8(g)
                    .map_err(|e| format!("group: {e}"))?;
                lz_err("send", self.send_group(data, g))
            }
            _ => lz_err("send", lz::Socket::send(self, one(parts)?)),
        }
    }
    fn recv(&self, wait: Duration) -> Res<Option<Vec<Vec<u8>>>> {
        lz_err("timeout", self.set_rcvtimeo(millis(wait)))?;
        let Some(m) = lz_recv(lz::Socket::recv(self))? else {
            return Ok(None);
        };
        Ok(Some(match self.kind() {
            lz::SERVER => vec![id_bytes(m.routing_id), m.data],
            lz::DISH => vec![m.group.unwrap_or_default().into_bytes(), m.data],
            _ => vec![m.data],
        }))
    }
    fn subscribe(&self, topic: &str) -> Res<()> {
        lz_err("join", self.join(topic))
    }
}

impl End for ClassicSocket {
    fn bind(&self) -> Res<String> {
        lz_bind(self)
    }
    fn connect(&self, endpoint: &str) -> Res<()> {
        lz_err("connect", lz::Socket::connect(self, endpoint))
    }
    fn send(&self, parts: &[&[u8]]) -> Res<()> {
        lz_err("send", self.send_multipart(parts, 0))
    }
    fn recv(&self, wait: Duration) -> Res<Option<Vec<Vec<u8>>>> {
        lz_err("timeout", self.set_rcvtimeo(millis(wait)))?;
        lz_recv(self.recv_multipart())
    }
    fn subscribe(&self, topic: &str) -> Res<()> {
        lz_err(
            "subscribe",
            lz::ClassicSocket::subscribe(self, topic.as_bytes()),
        )
    }
}

fn millis(d: Duration) -> i32 {
    i32::try_from(d.as_millis()).unwrap_or(i32::MAX)
}

// ---------------------------------------------------------------------------
// Set-up
// ---------------------------------------------------------------------------

type Pair = (Box<dyn End>, Box<dyn End>);

/// The (server-type, client-type) sockets of `case`, with its mechanism.
fn sockets(
    case: Case,
    ctx: &Ctx,
    lz_ctx: &lz::Ctx,
    guards: &mut Guards,
) -> Res<Pair> {
    let lz_thread_safe = |kind| -> Res<lz::Socket> {
        lz_err("socket", lz::Socket::new(lz_ctx, kind))
    };
    let lz_classic = |kind| -> Res<ClassicSocket> {
        lz_err("socket", ClassicSocket::open(lz_ctx, kind))
    };
    let h = || ctx.handle();
    Ok(match (case.pattern, case.server) {
        (Pattern::ClientServer, Side::Ours) => {
            let server = rs_err(
                "Server",
                libzmq::ServerBuilder::new()
                    .send_timeout(TIMEOUT)
                    .with_ctx(h()),
            )?;
            let client = lz_thread_safe(lz::CLIENT)?;
            secure_rs_server(case.mech, ctx, &server, &client, guards)?;
            (Box::new(server), Box::new(client))
        }
        (Pattern::ClientServer, Side::Libzmq) => {
            let server = lz_thread_safe(lz::SERVER)?;
            let client = rs_err(
                "Client",
                libzmq::ClientBuilder::new()
                    .send_timeout(TIMEOUT)
                    .with_ctx(h()),
            )?;
            secure_lz_server(case.mech, lz_ctx, &server, &client, guards)?;
            (Box::new(server), Box::new(client))
        }
        (Pattern::DealerRouter, Side::Ours) => (
            Box::new(rs_err(
                "Router",
                libzmq::RouterBuilder::new()
                    .send_timeout(TIMEOUT)
                    .with_ctx(h()),
            )?),
            Box::new(lz_classic(lz::DEALER)?),
        ),
        (Pattern::DealerRouter, Side::Libzmq) => (
            Box::new(lz_classic(lz::ROUTER)?),
            Box::new(rs_err(
                "Dealer",
                libzmq::DealerBuilder::new()
                    .send_timeout(TIMEOUT)
                    .with_ctx(h()),
            )?),
        ),
        (Pattern::PubSub, Side::Ours) => (
            Box::new(rs_err(
                "Pub",
                libzmq::PubBuilder::new()
                    .send_timeout(TIMEOUT)
                    .with_ctx(h()),
            )?),
            Box::new(lz_classic(lz::SUB)?),
        ),
        (Pattern::PubSub, Side::Libzmq) => (
            Box::new(lz_classic(lz::PUB)?),
            Box::new(rs_err("Sub", libzmq::SubBuilder::new().with_ctx(h()))?),
        ),
        (Pattern::RadioDish, Side::Ours) => (
            Box::new(rs_err(
                "Radio",
                libzmq::RadioBuilder::new()
                    .send_timeout(TIMEOUT)
                    .with_ctx(h()),
            )?),
            Box::new(lz_thread_safe(lz::DISH)?),
        ),
        (Pattern::RadioDish, Side::Libzmq) => (
            Box::new(lz_thread_safe(lz::RADIO)?),
            Box::new(rs_err("Dish", libzmq::DishBuilder::new().with_ctx(h()))?),
        ),
    })
}

/// Our SERVER with `mech`; the libzmq CLIENT with matching credentials.
fn secure_rs_server(
    mech: Mech,
    ctx: &Ctx,
    server: &libzmq::Server,
    client: &lz::Socket,
    guards: &mut Guards,
) -> Res<()> {
    match mech {
        Mech::Null => {}
        Mech::Plain => {
            guards._auth = Some(rs_err(
                "auth",
                AuthBuilder::new()
                    .plain_registry(libzmq::auth::PlainClientCreds::new(
                        "admin", "secret",
                    ))
                    .with_ctx(ctx.handle()),
            )?);
            rs_err("mechanism", server.set_mechanism(Mechanism::PlainServer))?;
            lz_err("username", client.set_plain_username("admin"))?;
            lz_err("password", client.set_plain_password("secret"))?;
        }
        Mech::Curve => {
            let (server_public, server_secret) = lz::curve_keypair();
            let secret = rs_err(
                "secret key",
                CurveSecretKey::new(server_secret.as_str()),
            )?;
            let client_cert = CurveCert::new_unique();
            guards._auth = Some(rs_err(
                "auth",
                AuthBuilder::new()
                    .curve_registry(client_cert.public())
                    .with_ctx(ctx.handle()),
            )?);
            rs_err(
                "mechanism",
                server.set_mechanism(CurveServerCreds::new(secret)),
            )?;
            lz_err("server key", client.set_curve_serverkey(&server_public))?;
            lz_err(
                "public key",
                client.set_curve_publickey(client_cert.public().as_str()),
            )?;
            lz_err(
                "secret key",
                client.set_curve_secretkey(client_cert.secret().as_str()),
            )?;
        }
    }
    Ok(())
}

/// A libzmq SERVER with `mech` (and a ZAP handler); our CLIENT with
/// matching credentials.
fn secure_lz_server(
    mech: Mech,
    lz_ctx: &lz::Ctx,
    server: &lz::Socket,
    client: &libzmq::Client,
    guards: &mut Guards,
) -> Res<()> {
    match mech {
        Mech::Null => {}
        Mech::Plain => {
            guards._zap = Some(lz_err(
                "ZAP",
                ZapHandler::plain(lz_ctx, "admin", "secret"),
            )?);
            lz_err("plain server", server.set_plain_server(true))?;
            lz_err("ZAP domain", server.set_zap_domain("record"))?;
            rs_err(
                "mechanism",
                client.set_mechanism(PlainClientCreds::new("admin", "secret")),
            )?;
        }
        Mech::Curve => {
            let server_cert = CurveCert::new_unique();
            let client_cert = CurveCert::new_unique();
            guards._zap = Some(lz_err(
                "ZAP",
                ZapHandler::curve(lz_ctx, &[client_cert.public().as_str()]),
            )?);
            lz_err("curve server", server.set_curve_server(true))?;
            lz_err(
                "secret key",
                server.set_curve_secretkey(server_cert.secret().as_str()),
            )?;
            let server_public: CurvePublicKey = server_cert.public().clone();
            rs_err(
                "mechanism",
                client.set_mechanism(
                    CurveClientCreds::new(&server_public).add_cert(client_cert),
                ),
            )?;
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Traffic
// ---------------------------------------------------------------------------

/// `len` deterministic bytes, salted by `seed`.
pub fn payload(seed: u8, len: usize) -> Vec<u8> {
    (0..len)
        .map(|j| seed.wrapping_mul(31).wrapping_add((j * 7) as u8))
        .collect()
}

fn expect(what: &str, got: Option<Vec<Vec<u8>>>, want: &[&[u8]]) -> Res<()> {
    let got = got
        .ok_or_else(|| format!("{what}: nothing arrived within {TIMEOUT:?}"))?;
    if got.iter().map(Vec::as_slice).eq(want.iter().copied()) {
        Ok(())
    } else {
        let sizes: Vec<usize> = got.iter().map(Vec::len).collect();
        Err(format!(
            "{what}: got parts of {sizes:?} bytes, not the ones sent"
        ))
    }
}

/// The conversation of `pattern`, each message checked on arrival.
fn exchange(pattern: Pattern, server: &dyn End, client: &dyn End) -> Res<()> {
    let large = payload(1, LARGE);
    match pattern {
        Pattern::ClientServer => {
            for data in [&b"hello"[..], b"", &large] {
                client.send(&[data])?;
                let got =
                    server.recv(TIMEOUT)?.ok_or("SERVER: nothing arrived")?;
                let [id, body] = &got[..] else {
                    return Err("SERVER: not [id, body]".into());
                };
                if body != data {
                    return Err("SERVER: the request differs".into());
                }
                server.send(&[id, body])?;
                expect("CLIENT", client.recv(TIMEOUT)?, &[data])?;
            }
        }
        Pattern::DealerRouter => {
            let messages: [&[&[u8]]; 3] = [
                &[b"one part"],
                &[b"part 1", b"", b"part 3"],
                &[b"large", &large],
            ];
            for parts in messages {
                client.send(parts)?;
                let got =
                    server.recv(TIMEOUT)?.ok_or("ROUTER: nothing arrived")?;
                let Some((id, body)) = got.split_first() else {
                    return Err("ROUTER: an empty message".into());
                };
                if !body.iter().map(Vec::as_slice).eq(parts.iter().copied()) {
                    return Err("ROUTER: the message differs".into());
                }
                let mut reply: Vec<&[u8]> = vec![id];
                reply.extend(parts.iter().rev());
                server.send(&reply)?;
                let back: Vec<&[u8]> = parts.iter().rev().copied().collect();
                expect("DEALER", client.recv(TIMEOUT)?, &back)?;
            }
        }
        Pattern::PubSub => {
            for topic in ["weather", "news"] {
                client.subscribe(topic)?;
            }
            for topic in [&b"weather"[..], b"news"] {
                wait_until_delivered(server, client, &[topic, b"probe"])?;
            }
            server.send(&[b"sports", b"not subscribed"])?;
            server.send(&[b"weather", b"sunny", b""])?;
            server.send(&[b"news", &large])?;
            expect("SUB", client.recv(TIMEOUT)?, &[b"weather", b"sunny", b""])?;
            expect("SUB", client.recv(TIMEOUT)?, &[b"news", &large])?;
        }
        Pattern::RadioDish => {
            for g in ["movies", "tv"] {
                client.subscribe(g)?;
            }
            for g in [&b"movies"[..], b"tv"] {
                wait_until_delivered(server, client, &[g, b"probe"])?;
            }
            server.send(&[b"sports", b"not joined"])?;
            server.send(&[b"movies", b"hello"])?;
            server.send(&[b"tv", &large])?;
            expect("DISH", client.recv(TIMEOUT)?, &[b"movies", b"hello"])?;
            expect("DISH", client.recv(TIMEOUT)?, &[b"tv", &large])?;
        }
    }
    Ok(())
}

/// Sends `probe` until the subscriber receives it (its subscription or
/// join reached the publisher), then a marker of the same topic, and skips
/// the probes queued before it: the subscriber then starts clean.
fn wait_until_delivered(
    publisher: &dyn End,
    sub: &dyn End,
    probe: &[&[u8]],
) -> Res<()> {
    let deadline = Instant::now() + PROBE_DEADLINE;
    loop {
        publisher.send(probe)?;
        if let Some(got) = sub.recv(PROBE_WAIT)? {
            if !got.iter().map(Vec::as_slice).eq(probe.iter().copied()) {
                return Err("a probe came back different".into());
            }
            break;
        }
        if Instant::now() >= deadline {
            return Err(format!(
                "the subscription to {:?} never arrived",
                probe[0]
            ));
        }
    }
    let marker: [&[u8]; 2] = [probe[0], b"end of probes"];
    publisher.send(&marker)?;
    loop {
        let got = sub.recv(TIMEOUT)?.ok_or("no marker after the probes")?;
        if got.iter().map(Vec::as_slice).eq(marker) {
            return Ok(());
        }
    }
}
