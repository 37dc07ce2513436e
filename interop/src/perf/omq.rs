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

use super::{
    check_count, check_size, inproc_name, Implementation, LatencyStats,
    PerfError, ThroughputStats, Transport,
};

/// A whole measurement (one round, or one batch of hellos) fails after this
/// instead of hanging: OMQ's calls take no timeout of their own, where ours
/// and C libzmq's sockets have `perf::TIMEOUT_MS` per call.
const RUN_TIMEOUT: Duration = Duration::from_secs(60);

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

    fn connect(
        transport: Transport,
        curve: bool,
        server_kind: SocketType,
        client_kind: SocketType,
    ) -> Result<Self, PerfError> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| PerfError {
                op: "build tokio runtime",
                errno: 0,
                detail: Some(e.to_string()),
            })?;
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
        let bind_ep = match transport {
            Transport::Tcp => "tcp://127.0.0.1:0".to_string(),
            Transport::Ipc => {
                let dir = std::env::temp_dir();
                format!("ipc://{}/{}.sock", dir.display(), inproc_name("omq"))
            }
            Transport::Inproc => format!("inproc://{}", inproc_name("omq")),
        };
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
        self.rt.block_on(async move {
            tokio::time::timeout(RUN_TIMEOUT, f)
                .await
                .unwrap_or(Err(PerfError::new(op)))
        })
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
            let echo = tokio::spawn(async move {
                for _ in 0..=count {
                    let m =
                        server.recv().await.map_err(omq_err("SERVER recv"))?;
                    check_size(m.byte_len(), size)?;
                    let routing_id = m.routing_id().ok_or_else(|| {
                        PerfError::new("SERVER message without routing id")
                    })?;
                    server
                        .send(m.with_routing_id(routing_id))
                        .await
                        .map_err(omq_err("SERVER send"))?;
                }
                Ok::<_, PerfError>(())
            });
            let ping = tokio::spawn(async move {
                let mut samples = Vec::with_capacity(count as usize);
                for i in 0..=count {
                    let t0 = Instant::now();
                    client
                        .send(Message::single(vec![0u8; size]))
                        .await
                        .map_err(omq_err("CLIENT send"))?;
                    let m =
                        client.recv().await.map_err(omq_err("CLIENT recv"))?;
                    check_size(m.byte_len(), size)?;
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

fresh_pair_measures!(
    OmqPair,
    Implementation::Omq,
    "OMQ.rs",
    "CLIENT",
    "SERVER"
);
