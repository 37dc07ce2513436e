//! The measurements of [`crate::perf`], with OUR pure-Rust `libzmq` crate on
//! both ends instead of C libzmq: same socket types, same contexts layout
//! (tcp: one context with one I/O thread per side; inproc: one shared
//! context), same default HWMs, a freshly allocated message per send
//! (`Msg::with_size`), a reused receive message, and the same timing points.
//!
//! `ipc` uses a fresh path in the temporary directory (`ipc://*`), like the
//! libzmq side.

use libzmq::auth::{
    AuthBuilder, CurveCert, CurveClientCreds, CurveServerCreds, Mechanism,
};
use std::time::Duration;

use libzmq::poll::{Events, PollId, Poller, READABLE};
use libzmq::{
    addr::Endpoint, prelude::*, Client, ClientBuilder, Ctx, ErrorKind, Gather,
    GatherBuilder, InprocAddr, IpcAddr, Msg, Period, Pub, PubBuilder, Pull,
    PullBuilder, Push, PushBuilder, Scatter, ScatterBuilder, Server,
    ServerBuilder, Sub, SubBuilder, TcpAddr,
};

use super::pubsub::{Plan, Publisher, Subscribers, Take};
use super::requests;
use super::{
    check_count, check_size, time_round_trips, time_throughput, Implementation,
    LatencyStats, PerfError, ThroughputStats, Transport, TIMEOUT_MS,
};

/// A `libzmq` result as a [`PerfError`] naming what was being done.
pub(super) trait WithOp<T> {
    fn op(self, op: &'static str) -> Result<T, PerfError>;
}

impl<T, C> WithOp<T> for Result<T, libzmq::Error<C>> {
    fn op(self, op: &'static str) -> Result<T, PerfError> {
        self.map_err(|e| PerfError {
            op,
            errno: 0,
            detail: Some(e.kind().to_string()),
        })
    }
}

/// A bound Rust receiver `R` (`Server`, or `Gather`) and a connected sender
/// `S` (`Client`, or `Scatter`), measured repeatedly.
pub struct RsPair<R = Server, S = Client> {
    transport: Transport,
    // Fields drop in order: sockets first (linger 0; every measurement waits
    // for its last message), then the contexts, whose drop waits for their
    // sockets to be gone.
    server: R,
    client: S,
    _ctxs: Vec<Ctx>,
}

/// The contexts of a pair (tcp/ipc: one per side; inproc: one shared) and
/// the endpoint to bind.
fn contexts_and_endpoint(
    transport: Transport,
) -> Result<(Vec<Ctx>, Endpoint), PerfError> {
    let ctxs = match transport {
        Transport::Inproc => vec![Ctx::new()],
        Transport::Tcp | Transport::Ipc => vec![Ctx::new(), Ctx::new()],
    };
    let parse_error = |e: libzmq::addr::AddrParseError| PerfError {
        op: "parse address",
        errno: 0,
        detail: Some(e.to_string()),
    };
    let endpoint: Endpoint = match transport {
        Transport::Tcp => TcpAddr::try_from("127.0.0.1:*")
            .map_err(parse_error)?
            .into(),
        Transport::Ipc => IpcAddr::try_from("*").map_err(parse_error)?.into(),
        Transport::Inproc => InprocAddr::new_unique().into(),
    };
    Ok((ctxs, endpoint))
}

const TIMEOUT: Duration = Duration::from_millis(TIMEOUT_MS as u64);

/// A constructor `$fn` of `RsPair<$recv, $send>`: a receiver bound with
/// `$recv_builder` and a sender connected with `$send_builder` (default
/// HWMs), one message through; only `throughput` applies.
macro_rules! one_way_pair {
    ($fn:ident, $recv:ident, $recv_builder:ident, $send:ident,
        $send_builder:ident) => {
        impl RsPair<$recv, $send> {
            #[doc = concat!(
                "A `", stringify!($recv), "` bound and a `",
                stringify!($send), "` connected, one message through; only ",
                "[`throughput`](RsPair::throughput) applies."
            )]
            pub fn $fn(transport: Transport) -> Result<Self, PerfError> {
                let (ctxs, endpoint) = contexts_and_endpoint(transport)?;
                let server = $recv_builder::new()
                    .bind(endpoint)
                    .recv_timeout(TIMEOUT)
                    .with_ctx(ctxs[0].handle())
                    .op("create and bind receiver")?;
                let client = $send_builder::new()
                    .connect(
                        server.last_endpoint().op("receiver last_endpoint")?,
                    )
                    .send_timeout(TIMEOUT)
                    .with_ctx(ctxs[ctxs.len() - 1].handle())
                    .op("create and connect sender")?;
                let pair = RsPair {
                    transport,
                    server,
                    client,
                    _ctxs: ctxs,
                };
                pair.throughput(1, 1)?;
                Ok(pair)
            }
        }
    };
}

one_way_pair!(
    scatter_gather,
    Gather,
    GatherBuilder,
    Scatter,
    ScatterBuilder
);
one_way_pair!(push_pull, Pull, PullBuilder, Push, PushBuilder);

impl<R: RecvMsg + Socket + Sync, S: SendMsg + Sync> RsPair<R, S> {
    /// The transport of this pair.
    pub fn transport(&self) -> Transport {
        self.transport
    }

    /// The bound receiver (the `Server`, or the `Gather`).
    pub fn receiver(&self) -> &R {
        &self.server
    }

    /// The connected sender (the `Client`, or the `Scatter`).
    pub fn sender(&self) -> &S {
        &self.client
    }

    /// Sends `count` messages of `size` bytes sender → receiver; returns the
    /// receiver-side time from the first to the last message.
    pub fn throughput(
        &self,
        size: usize,
        count: u64,
    ) -> Result<Duration, PerfError> {
        let (server, client) = (&self.server, &self.client);
        let recv = move || {
            let mut msg = Msg::new();
            move || -> Result<(), PerfError> {
                server.recv(&mut msg).op("receiver recv")?;
                check_size(msg.len(), size)
            }
        };
        let send = || -> Result<(), PerfError> {
            client.send(Msg::with_size(size)).op("sender send")?;
            Ok(())
        };
        time_throughput(count, recv, send)
    }

    /// Receives `k` messages of any size and content on the receiver (the
    /// hellos of idle clients).
    pub fn recv_any(&self, k: usize) -> Result<(), PerfError> {
        let mut msg = Msg::new();
        for _ in 0..k {
            self.server.recv(&mut msg).op("receiver recv")?;
        }
        Ok(())
    }

    /// The TCP endpoint the receiver is bound to (`tcp://HOST:PORT`), or
    /// `None` for other transports.
    pub fn tcp_endpoint(&self) -> Result<Option<String>, PerfError> {
        Ok(match self.server.last_endpoint().op("last_endpoint")? {
            Endpoint::Tcp(addr) => Some(format!("tcp://{addr}")),
            _ => None,
        })
    }
}

impl RsPair {
    /// Connects a `Server`/`Client` pair and does one round trip.
    pub fn new(transport: Transport) -> Result<Self, PerfError> {
        Self::connect(transport, false)
    }

    /// The same over CURVE (client keys not checked: `no_curve_auth`).
    pub fn new_curve(transport: Transport) -> Result<Self, PerfError> {
        Self::connect(transport, true)
    }

    fn connect(transport: Transport, curve: bool) -> Result<Self, PerfError> {
        let (ctxs, endpoint) = contexts_and_endpoint(transport)?;
        let (server_mechanism, client_mechanism): (Mechanism, Mechanism) =
            if curve {
                AuthBuilder::new()
                    .no_curve_auth()
                    .with_ctx(ctxs[0].handle())
                    .op("configure auth")?;
                let cert = CurveCert::new_unique();
                (
                    CurveServerCreds::new(cert.secret()).into(),
                    CurveClientCreds::new(cert.public()).into(),
                )
            } else {
                (Mechanism::Null, Mechanism::Null)
            };
        let server = bind_server(server_mechanism, endpoint, &ctxs[0])?;
        let client = connect_client(
            client_mechanism,
            server.last_endpoint().op("Server last_endpoint")?,
            &ctxs[ctxs.len() - 1],
        )?;
        let pair = RsPair {
            transport,
            server,
            client,
            _ctxs: ctxs,
        };
        pair.round_trips(1, 1)?;
        Ok(pair)
    }

    /// One untimed round trip, then `count` timed round trips of `size`
    /// bytes Client → Server (echo) → Client; returns each trip's time.
    pub fn round_trips(
        &self,
        size: usize,
        count: u64,
    ) -> Result<Vec<Duration>, PerfError> {
        let server = &self.server;
        let echo = move || echo(server, size);
        time_round_trips(count, echo, request(&self.client, size))
    }
}

/// A `Server` with `mechanism`, bound to `endpoint` in `ctx`, with the
/// perf timeouts.
fn bind_server(
    mechanism: Mechanism,
    endpoint: Endpoint,
    ctx: &Ctx,
) -> Result<Server, PerfError> {
    ServerBuilder::new()
        .mechanism(mechanism)
        .bind(endpoint)
        .send_timeout(TIMEOUT)
        .recv_timeout(TIMEOUT)
        .with_ctx(ctx.handle())
        .op("create and bind Server")
}

/// A `Client` with `mechanism`, connected to `endpoint` in `ctx`, with the
/// perf timeouts.
fn connect_client(
    mechanism: Mechanism,
    endpoint: Endpoint,
    ctx: &Ctx,
) -> Result<Client, PerfError> {
    ClientBuilder::new()
        .mechanism(mechanism)
        .connect(endpoint)
        .send_timeout(TIMEOUT)
        .recv_timeout(TIMEOUT)
        .with_ctx(ctx.handle())
        .op("create and connect Client")
}

/// The Server's step of a round trip: receives one request of `size` bytes
/// and sends it back.
fn echo(
    server: &Server,
    size: usize,
) -> impl FnMut() -> Result<(), PerfError> + '_ {
    let mut msg = Msg::new();
    move || {
        server.recv(&mut msg).op("Server recv")?;
        check_size(msg.len(), size)?;
        // The received message carries the Client's routing id, so sending
        // it back routes it to that client.
        server.send(std::mem::take(&mut msg)).op("Server send")
    }
}

/// A Client's step of a round trip: sends a fresh message of `size` bytes
/// and receives (and checks) the reply.
fn request(
    client: &Client,
    size: usize,
) -> impl FnMut() -> Result<(), PerfError> + '_ {
    let mut reply = Msg::new();
    move || {
        client.send(Msg::with_size(size)).op("Client send")?;
        client.recv(&mut reply).op("Client recv")?;
        check_size(reply.len(), size)
    }
}

/// A bound `Server` and `clients` connected `Client`s (contexts as for the
/// pairs: one per side, or one shared for inproc, each with one I/O
/// thread), every connection up; measured repeatedly (see
/// [`super::requests`]).
pub struct RsRequests {
    // Fields drop in order: the sockets first (every round waits for its
    // last reply), then the contexts.
    server: Server,
    clients: Vec<Client>,
    _ctxs: Vec<Ctx>,
}

impl RsRequests {
    /// Binds the `Server`, connects the `Client`s and makes one request
    /// from each.
    pub fn new(
        transport: Transport,
        clients: usize,
    ) -> Result<Self, PerfError> {
        requests::check_clients(clients)?;
        let (ctxs, endpoint) = contexts_and_endpoint(transport)?;
        let server = bind_server(Mechanism::Null, endpoint, &ctxs[0])?;
        let endpoint = server.last_endpoint().op("Server last_endpoint")?;
        let clients = (0..clients)
            .map(|_| {
                connect_client(
                    Mechanism::Null,
                    endpoint.clone(),
                    &ctxs[ctxs.len() - 1],
                )
            })
            .collect::<Result<Vec<_>, _>>()?;
        let this = RsRequests {
            server,
            clients,
            _ctxs: ctxs,
        };
        this.requests(1, this.clients.len() as u64)?;
        Ok(this)
    }

    /// `count` requests of `size` bytes, each `Client` on its own thread,
    /// the `Server` echoing on another; returns the time until the last
    /// reply.
    pub fn requests(
        &self,
        size: usize,
        count: u64,
    ) -> Result<Duration, PerfError> {
        let (server, clients) = (&self.server, &self.clients);
        requests::time_requests(
            count,
            clients.len(),
            move || echo(server, size),
            |i| request(&clients[i], size),
        )
    }
}

fresh_pair_measures!(RsPair, Implementation::Rust, "Rust", "Client", "Server");

/// The publisher side of [`RsPubSub`].
pub struct RsPub(Pub);

impl Publisher for RsPub {
    fn send_fresh(
        &mut self,
        size: usize,
        prefix: &[u8],
    ) -> Result<(), PerfError> {
        let mut msg = Msg::with_size(size);
        msg.as_bytes_mut()[..prefix.len()].copy_from_slice(prefix);
        self.0.send(msg).op("PUB send")
    }
}

/// The subscribers of [`RsPubSub`], polled together with a [`Poller`].
pub struct RsSubs {
    subs: Vec<Sub>,
    poller: Poller,
    events: Events,
    msg: Msg,
}

impl Subscribers for RsSubs {
    fn len(&self) -> usize {
        self.subs.len()
    }

    fn drain(
        &mut self,
        timeout: Duration,
        take: &mut Take<'_>,
    ) -> Result<usize, PerfError> {
        match self.poller.poll(&mut self.events, Period::Finite(timeout)) {
            Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(0),
            polled => polled.op("poll SUBs")?,
        }
        let mut taken = 0;
        for event in &self.events {
            let i = usize::from(event.id());
            let sub = &self.subs[i];
            loop {
                match sub.try_recv(&mut self.msg) {
                    Ok(()) => {
                        take(i, self.msg.as_bytes())?;
                        taken += 1;
                    }
                    Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                    Err(e) => return Err(e).op("SUB try_recv"),
                }
            }
        }
        Ok(taken)
    }
}

/// A bound `Pub` and `plan.subs()` connected `Sub`s (PUB send HWM and SUB
/// receive HWMs 0: unlimited, nothing dropped), subscriptions propagated;
/// measured repeatedly. Contexts as for the pairs: one per side (TCP, IPC)
/// or one shared (inproc), each with one I/O thread.
pub struct RsPubSub {
    plan: Plan,
    publisher: RsPub,
    subs: RsSubs,
    _ctxs: Vec<Ctx>,
}

impl RsPubSub {
    /// Binds the `Pub`, connects and subscribes the `Sub`s (in batches),
    /// and waits until each received a probe.
    pub fn new(transport: Transport, plan: Plan) -> Result<Self, PerfError> {
        let (ctxs, endpoint) = contexts_and_endpoint(transport)?;
        let publisher = PubBuilder::new()
            .bind(endpoint)
            .send_hwm(0)
            .send_timeout(TIMEOUT)
            .with_ctx(ctxs[0].handle())
            .op("create and bind Pub")?;
        let endpoint = publisher.last_endpoint().op("Pub last_endpoint")?;
        let sub_ctx = ctxs[ctxs.len() - 1].handle();
        let mut publisher = RsPub(publisher);
        let mut subs = RsSubs {
            subs: Vec::with_capacity(plan.subs()),
            poller: Poller::new(),
            events: Events::with_capacity(plan.subs()),
            msg: Msg::new(),
        };
        plan.connect_in_batches(&mut publisher, &mut subs, |subs, i| {
            let sub = SubBuilder::new()
                .connect(endpoint.clone())
                .recv_hwm(0)
                .recv_timeout(TIMEOUT)
                .with_ctx(sub_ctx)
                .op("create and connect Sub")?;
            sub.subscribe(plan.topic(i)).op("Sub subscribe")?;
            subs.poller
                .add(&sub, PollId(i), READABLE)
                .op("poller add")?;
            subs.subs.push(sub);
            Ok(())
        })?;
        Ok(RsPubSub {
            plan,
            publisher,
            subs,
            _ctxs: ctxs,
        })
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
