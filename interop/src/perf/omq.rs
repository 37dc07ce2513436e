//! The measurements of [`crate::perf`] with OMQ.rs (crate `omq-tokio`), the
//! pure-Rust ZeroMQ to beat, in the same program shape: a tokio runtime with
//! 2 worker threads runs OMQ's socket drivers and two tasks, one sending and
//! one receiving (or echoing); a freshly allocated message of `size` zero
//! bytes per send; the same timing points (receiver side, first to last
//! message; round trips timed on the client).
//!
//! Only the public API of `omq-tokio` is used (see its docs.rs page).

use std::future::Future;
use std::time::{Duration, Instant};

use omq_tokio::{Context, CurveKeypair, Message, Options, Socket, SocketType};

use super::pubsub::{Fan, Frame, Plan, CONNECT_BATCH, END, PROBE};
use super::requests;
use super::{
    check_count, check_size, inproc_name, Implementation, LatencyStats,
    PerfError, ThroughputStats, Transport,
};

/// A whole measurement (one round, or one batch of hellos) fails after this
/// instead of hanging: OMQ's calls take no timeout of their own, where ours
/// and C libzmq's sockets have `perf::TIMEOUT_MS` per call.
const RUN_TIMEOUT: Duration = Duration::from_secs(60);

/// The tokio runtime of a setup: 2 worker threads.
fn runtime() -> Result<tokio::runtime::Runtime, PerfError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| PerfError {
            op: "build tokio runtime",
            errno: 0,
            detail: Some(e.to_string()),
        })
}

/// A fresh endpoint to bind for `transport` (TCP: an ephemeral port).
fn bind_endpoint(transport: Transport) -> String {
    match transport {
        Transport::Tcp => "tcp://127.0.0.1:0".to_string(),
        Transport::Ipc => {
            let dir = std::env::temp_dir();
            format!("ipc://{}/{}.sock", dir.display(), inproc_name("omq"))
        }
        Transport::Inproc => format!("inproc://{}", inproc_name("omq")),
    }
}

/// `block_on` with [`RUN_TIMEOUT`]: `op` names the failure on timeout.
fn block_on<T>(
    rt: &tokio::runtime::Runtime,
    op: &'static str,
    f: impl Future<Output = Result<T, PerfError>>,
) -> Result<T, PerfError> {
    rt.block_on(async move {
        tokio::time::timeout(RUN_TIMEOUT, f)
            .await
            .unwrap_or(Err(PerfError::new(op)))
    })
}

fn omq_err(op: &'static str) -> impl FnOnce(omq_tokio::Error) -> PerfError {
    move |e| PerfError {
        op,
        errno: 0,
        detail: Some(e.to_string()),
    }
}

/// A bound OMQ receiver (SERVER, or GATHER) and a connected sender (CLIENT,
/// or SCATTER) on their own 2-worker tokio runtime, measured repeatedly.
pub struct OmqPair {
    transport: Transport,
    server: Socket,
    client: Socket,
    endpoint: String,
    _ctx: Context,
    rt: tokio::runtime::Runtime,
}

impl OmqPair {
    pair_constructors!(
        SocketType::Server,
        SocketType::Client,
        SocketType::Gather,
        SocketType::Scatter
    );

    /// A PULL bound and a PUSH connected (default options), one message
    /// through; only `throughput` applies.
    pub fn push_pull(transport: Transport) -> Result<Self, PerfError> {
        Self::connect(transport, false, SocketType::Pull, SocketType::Push)
    }

    fn connect(
        transport: Transport,
        curve: bool,
        server_kind: SocketType,
        client_kind: SocketType,
    ) -> Result<Self, PerfError> {
        let rt = runtime()?;
        let (server_options, client_options) = if curve {
            let server_keys = CurveKeypair::generate();
            let server_public = server_keys.public;
            (
                Options::default().curve_server(server_keys),
                Options::default()
                    .curve_client(CurveKeypair::generate(), server_public),
            )
        } else {
            (Options::default(), Options::default())
        };
        let bind_ep = bind_endpoint(transport);
        let (ctx, server, client, endpoint) = rt.block_on(async move {
            let ctx = Context::current();
            let server = ctx.socket(server_kind, server_options);
            let endpoint = server
                .bind(bind_ep.as_str())
                .await
                .map_err(omq_err("bind receiver"))?
                .to_string();
            let client = ctx.socket(client_kind, client_options);
            client
                .connect(endpoint.as_str())
                .await
                .map_err(omq_err("connect sender"))?;
            Ok::<_, PerfError>((ctx, server, client, endpoint))
        })?;
        let pair = OmqPair {
            transport,
            server,
            client,
            endpoint,
            _ctx: ctx,
            rt,
        };
        if server_kind == SocketType::Server {
            pair.round_trips(1, 1)?;
        } else {
            pair.throughput(1, 1)?;
        }
        Ok(pair)
    }

    /// The transport of this pair.
    pub fn transport(&self) -> Transport {
        self.transport
    }

    fn block_on<T>(
        &self,
        op: &'static str,
        f: impl Future<Output = Result<T, PerfError>>,
    ) -> Result<T, PerfError> {
        block_on(&self.rt, op, f)
    }

    /// The endpoint the receiver is bound to (`tcp://127.0.0.1:PORT`).
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Receives `k` messages of any size and content on the receiver (the
    /// hellos of idle clients).
    pub fn recv_any(&self, k: usize) -> Result<(), PerfError> {
        let server = &self.server;
        self.block_on("OMQ receiver recv timed out", async move {
            for _ in 0..k {
                server.recv().await.map_err(omq_err("receiver recv"))?;
            }
            Ok(())
        })
    }

    /// Sends `count` messages of `size` bytes sender → receiver; returns the
    /// receiver-side time from the first to the last message.
    pub fn throughput(
        &self,
        size: usize,
        count: u64,
    ) -> Result<Duration, PerfError> {
        check_count(count)?;
        let (server, client) = (self.server.clone(), self.client.clone());
        self.block_on("OMQ throughput timed out", async move {
            let rx = tokio::spawn(async move {
                let m =
                    server.recv().await.map_err(omq_err("receiver recv"))?;
                check_size(m.byte_len(), size)?;
                let start = Instant::now();
                for _ in 1..count {
                    let m = server
                        .recv()
                        .await
                        .map_err(omq_err("receiver recv"))?;
                    check_size(m.byte_len(), size)?;
                }
                Ok::<_, PerfError>(start.elapsed())
            });
            let tx = tokio::spawn(async move {
                for _ in 0..count {
                    client
                        .send(Message::single(vec![0u8; size]))
                        .await
                        .map_err(omq_err("sender send"))?;
                }
                Ok::<_, PerfError>(())
            });
            let tx = tx.await.expect("OMQ sender task panicked");
            let rx = rx.await.expect("OMQ receiver task panicked");
            tx?;
            rx
        })
    }

    /// One untimed round trip, then `count` timed round trips of `size`
    /// bytes CLIENT → SERVER (echo) → CLIENT; returns each trip's time.
    pub fn round_trips(
        &self,
        size: usize,
        count: u64,
    ) -> Result<Vec<Duration>, PerfError> {
        check_count(count)?;
        let (server, client) = (self.server.clone(), self.client.clone());
        self.block_on("OMQ round trips timed out", async move {
            let echo = tokio::spawn(echo(server, size, count + 1));
            let ping = tokio::spawn(async move {
                let mut samples = Vec::with_capacity(count as usize);
                for i in 0..=count {
                    let t0 = Instant::now();
                    request(&client, size).await?;
                    if i > 0 {
                        samples.push(t0.elapsed());
                    }
                }
                Ok::<_, PerfError>(samples)
            });
            let samples = ping.await.expect("OMQ client task panicked");
            let echo = echo.await.expect("OMQ echo task panicked");
            echo?;
            samples
        })
    }
}

/// The SERVER's side of `count` round trips: receives each request of
/// `size` bytes and sends it back to its sender.
async fn echo(
    server: Socket,
    size: usize,
    count: u64,
) -> Result<(), PerfError> {
    for _ in 0..count {
        let m = server.recv().await.map_err(omq_err("SERVER recv"))?;
        check_size(m.byte_len(), size)?;
        let routing_id = m.routing_id().ok_or_else(|| {
            PerfError::new("SERVER message without routing id")
        })?;
        server
            .send(m.with_routing_id(routing_id))
            .await
            .map_err(omq_err("SERVER send"))?;
    }
    Ok(())
}

/// A CLIENT's round trip: sends a fresh message of `size` bytes and
/// receives (and checks) the reply.
async fn request(client: &Socket, size: usize) -> Result<(), PerfError> {
    client
        .send(Message::single(vec![0u8; size]))
        .await
        .map_err(omq_err("CLIENT send"))?;
    let m = client.recv().await.map_err(omq_err("CLIENT recv"))?;
    check_size(m.byte_len(), size)
}

/// A bound OMQ SERVER and `clients` connected CLIENTs (default options) on
/// one 2-worker tokio runtime, every connection up; measured repeatedly
/// (see [`super::requests`]).
pub struct OmqRequests {
    server: Socket,
    clients: Vec<Socket>,
    _ctx: Context,
    rt: tokio::runtime::Runtime,
}

impl OmqRequests {
    /// Binds the SERVER, connects the CLIENTs and makes one request from
    /// each.
    pub fn new(
        transport: Transport,
        clients: usize,
    ) -> Result<Self, PerfError> {
        requests::check_clients(clients)?;
        let rt = runtime()?;
        let bind_ep = bind_endpoint(transport);
        let setup = async move {
            let ctx = Context::current();
            let server = ctx.socket(SocketType::Server, Options::default());
            let endpoint = server
                .bind(bind_ep.as_str())
                .await
                .map_err(omq_err("bind SERVER"))?
                .to_string();
            let mut sockets = Vec::with_capacity(clients);
            for _ in 0..clients {
                let client = ctx.socket(SocketType::Client, Options::default());
                client
                    .connect(endpoint.as_str())
                    .await
                    .map_err(omq_err("connect CLIENT"))?;
                sockets.push(client);
            }
            Ok::<_, PerfError>((ctx, server, sockets))
        };
        let (ctx, server, clients) =
            block_on(&rt, "OMQ requests setup timed out", setup)?;
        let this = OmqRequests {
            server,
            clients,
            _ctx: ctx,
            rt,
        };
        this.requests(1, this.clients.len() as u64)?;
        Ok(this)
    }

    /// `count` requests of `size` bytes, each CLIENT on its own task, the
    /// SERVER echoing on another; returns the time from spawning the
    /// CLIENT tasks until the last reply.
    pub fn requests(
        &self,
        size: usize,
        count: u64,
    ) -> Result<Duration, PerfError> {
        check_count(count)?;
        let (server, clients) = (self.server.clone(), self.clients.clone());
        block_on(&self.rt, "OMQ requests timed out", async move {
            // The SERVER's task ends with `None`, each CLIENT's with when it
            // got its last reply; the set's drop (on the first error, or on
            // the timeout) aborts the tasks still waiting.
            let mut tasks = tokio::task::JoinSet::new();
            tasks.spawn(async move {
                echo(server, size, count).await.map(|()| None)
            });
            let n = clients.len();
            let start = Instant::now();
            for (i, client) in clients.into_iter().enumerate() {
                tasks.spawn(async move {
                    for _ in 0..requests::share(i, n, count) {
                        request(&client, size).await?;
                    }
                    Ok(Some(Instant::now()))
                });
            }
            let mut ends = Vec::with_capacity(n);
            while let Some(done) = tasks.join_next().await {
                ends.extend(done.expect("OMQ requests task panicked")?);
            }
            Ok(requests::last_since(start, ends))
        })
    }
}

fresh_pair_measures!(
    OmqPair,
    Implementation::Omq,
    "OMQ.rs",
    "CLIENT",
    "SERVER"
);

/// The first frame of `m`, checked by `plan` as what SUB `i` received.
fn classify(plan: &Plan, i: usize, m: &Message) -> Result<Frame, PerfError> {
    let bytes = m
        .part_slice(0)
        .ok_or_else(|| PerfError::new("SUB got an empty message"))?;
    plan.classify(i, bytes)
}

/// A fresh message of `size` zero bytes that starts with `prefix`.
fn fresh(size: usize, prefix: &[u8]) -> Message {
    let mut v = vec![0u8; size];
    v[..prefix.len()].copy_from_slice(prefix);
    Message::single(v)
}

/// On one task per SUB of `range`, receives until a message `until` says
/// stop, each checked by `plan`; for every other message `skip` must hold.
async fn each_sub_until(
    plan: Plan,
    subs: &[Socket],
    range: std::ops::Range<usize>,
    until: Frame,
    skip: Option<Frame>,
) -> Result<(), PerfError> {
    let tasks: Vec<_> = range
        .map(|i| {
            let sub = subs[i].clone();
            tokio::spawn(async move {
                loop {
                    let m = sub.recv().await.map_err(omq_err("SUB recv"))?;
                    match classify(&plan, i, &m)? {
                        f if f == until => return Ok(()),
                        f if Some(f) == skip => {}
                        _ => {
                            return Err(PerfError::new(
                                "SUB got an unexpected message in the setup",
                            ))
                        }
                    }
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.expect("OMQ SUB task panicked")?;
    }
    Ok(())
}

/// A bound OMQ PUB (`xpub_nodrop`: it waits for room instead of dropping,
/// since its queues cannot be unlimited) and `plan.subs()` connected SUBs
/// (default options) on one 2-worker tokio runtime, subscriptions
/// propagated (see [`super::pubsub`]); measured repeatedly.
pub struct OmqPubSub {
    plan: Plan,
    publisher: Socket,
    subs: Vec<Socket>,
    _ctx: Context,
    rt: tokio::runtime::Runtime,
}

impl OmqPubSub {
    /// Binds the PUB, connects and subscribes the SUBs in batches, each
    /// probed until every SUB of it got a probe, then drains the probes.
    pub fn new(transport: Transport, plan: Plan) -> Result<Self, PerfError> {
        let rt = runtime()?;
        let bind_ep = bind_endpoint(transport);
        let setup = async move {
            let ctx = Context::current();
            let options = Options {
                xpub_nodrop: true,
                ..Options::default()
            };
            let publisher = ctx.socket(SocketType::Pub, options);
            let endpoint = publisher
                .bind(bind_ep.as_str())
                .await
                .map_err(omq_err("bind PUB"))?
                .to_string();
            let mut subs: Vec<Socket> = Vec::with_capacity(plan.subs());
            for start in (0..plan.subs()).step_by(CONNECT_BATCH) {
                let batch = start..(start + CONNECT_BATCH).min(plan.subs());
                for i in batch.clone() {
                    let sub = ctx.socket(SocketType::Sub, Options::default());
                    sub.connect(endpoint.as_str())
                        .await
                        .map_err(omq_err("connect SUB"))?;
                    sub.subscribe(plan.topic(i))
                        .await
                        .map_err(omq_err("SUB subscribe"))?;
                    subs.push(sub);
                }
                let probed = each_sub_until(
                    plan,
                    &subs,
                    batch.clone(),
                    Frame::Probe,
                    None,
                );
                let mut probed = std::pin::pin!(probed);
                loop {
                    let topics = match plan.fan() {
                        Fan::All => vec![Vec::new()],
                        Fan::OwnPrefix => {
                            batch.clone().map(|i| plan.topic(i)).collect()
                        }
                    };
                    for t in topics {
                        let probe = Plan::control(&t, PROBE);
                        publisher
                            .send(fresh(probe.len(), &probe))
                            .await
                            .map_err(omq_err("PUB send probe"))?;
                    }
                    let wait = Duration::from_millis(5);
                    if let Ok(done) =
                        tokio::time::timeout(wait, &mut probed).await
                    {
                        done?;
                        break;
                    }
                }
            }
            for t in plan.topics() {
                let end = Plan::control(&t, END);
                publisher
                    .send(fresh(end.len(), &end))
                    .await
                    .map_err(omq_err("PUB send end"))?;
            }
            each_sub_until(
                plan,
                &subs,
                0..plan.subs(),
                Frame::End,
                Some(Frame::Probe),
            )
            .await?;
            Ok::<_, PerfError>((ctx, publisher, subs))
        };
        let (ctx, publisher, subs) =
            block_on(&rt, "OMQ PUB/SUB setup timed out", setup)?;
        Ok(OmqPubSub {
            plan,
            publisher,
            subs,
            _ctx: ctx,
            rt,
        })
    }

    /// Publishes `count` fresh messages of `size` bytes from one task
    /// while a task per SUB takes its share; returns the time
    /// [`Plan::elapsed`] says.
    pub fn publish(
        &self,
        size: usize,
        count: u64,
    ) -> Result<Duration, PerfError> {
        check_count(count)?;
        let plan = self.plan;
        plan.check_message_size(size)?;
        let topics = plan.topics();
        let publisher = self.publisher.clone();
        let subs = self.subs.clone();
        block_on(&self.rt, "OMQ PUB/SUB round timed out", async move {
            let receivers: Vec<_> = subs
                .into_iter()
                .enumerate()
                .map(|(i, sub)| {
                    let n = plan.expected(i, count);
                    tokio::spawn(async move {
                        for _ in 0..n {
                            let m = sub
                                .recv()
                                .await
                                .map_err(omq_err("SUB recv"))?;
                            if classify(&plan, i, &m)? != Frame::Data {
                                return Err(PerfError::new(
                                    "SUB got a probe while measuring",
                                ));
                            }
                            check_size(m.byte_len(), size)?;
                        }
                        Ok::<_, PerfError>(Instant::now())
                    })
                })
                .collect();
            let sender = tokio::spawn(async move {
                let start = Instant::now();
                for j in 0..count {
                    publisher
                        .send(fresh(size, &topics[plan.target(j)]))
                        .await
                        .map_err(omq_err("PUB send"))?;
                }
                Ok::<_, PerfError>((start, Instant::now()))
            });
            let (start, sent_at) =
                sender.await.expect("OMQ PUB task panicked")?;
            let mut received_at = start;
            for r in receivers {
                received_at =
                    received_at.max(r.await.expect("OMQ SUB task panicked")?);
            }
            Ok(plan.elapsed(start, sent_at, received_at))
        })
    }
}
