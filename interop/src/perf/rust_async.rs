//! OUR crate through its async calls (issue 13), measured like
//! [`super::rust`] measures the blocking ones: the same pairs
//! ([`RsPair`], connected the same way), the same work per message (a fresh
//! zero-filled `Msg::with_size` per send, a reused receive message) and the
//! same timing points (throughput on the receiver from its first message to
//! its last; round trips one by one on the pinger after an untimed one).
//! Only the calls differ: `send_async`/`recv_async` awaited on a runtime.
//!
//! The runtimes ([`Runtime`]):
//! * tokio current-thread: a thread per loop (sender and receiver, or
//!   pinger and echo), each running its loop on its own current-thread
//!   runtime — the topology of the blocking measurement, so the difference
//!   is the cost of the async path itself;
//! * tokio multi-thread: both loops as tasks of one runtime with 2 workers
//!   (its scheduling included);
//! * smol: a thread per loop, each in `smol::block_on`.

use std::future::Future;
use std::time::{Duration, Instant};

use libzmq::{prelude::*, Msg};

use super::rust::{RsPair, WithOp};
use super::{check_count, check_size, PerfError, Transport};

/// The runtime the async loops run on (see the module doc).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Runtime {
    /// A tokio current-thread runtime per loop, a thread each.
    TokioCurrentThread,
    /// One tokio multi-thread runtime with 2 workers, a task per loop.
    TokioMultiThread,
    /// `smol::block_on` per loop, a thread each.
    Smol,
}

impl Runtime {
    /// Every runtime, in table order.
    pub const ALL: [Runtime; 3] = [
        Runtime::TokioCurrentThread,
        Runtime::TokioMultiThread,
        Runtime::Smol,
    ];

    /// Its name in tables and progress lines.
    pub fn name(self) -> &'static str {
        match self {
            Runtime::TokioCurrentThread => "tokio current-thread",
            Runtime::TokioMultiThread => "tokio multi-thread",
            Runtime::Smol => "smol",
        }
    }
}

/// Where the two loops of a measurement run: made once per pair, so a
/// measurement does not include building a runtime.
enum Executor {
    /// One runtime per loop: the background loop's, then the timed one's.
    TokioCurrentThread([tokio::runtime::Runtime; 2]),
    TokioMultiThread(tokio::runtime::Runtime),
    Smol,
}

fn runtime_error(e: std::io::Error) -> PerfError {
    PerfError {
        op: "build tokio runtime",
        errno: 0,
        detail: Some(e.to_string()),
    }
}

impl Executor {
    fn new(runtime: Runtime) -> Result<Self, PerfError> {
        use tokio::runtime::Builder;
        let current = || Builder::new_current_thread().build();
        Ok(match runtime {
            Runtime::TokioCurrentThread => Executor::TokioCurrentThread([
                current().map_err(runtime_error)?,
                current().map_err(runtime_error)?,
            ]),
            Runtime::TokioMultiThread => Executor::TokioMultiThread(
                Builder::new_multi_thread()
                    .worker_threads(2)
                    .build()
                    .map_err(runtime_error)?,
            ),
            Runtime::Smol => Executor::Smol,
        })
    }

    /// Runs `background` and `timed` at once, each as its own loop, and
    /// returns `timed`'s result (after `background` ended).
    fn run<B, T, V>(&self, background: B, timed: T) -> Result<V, PerfError>
    where
        B: Future<Output = Result<(), PerfError>> + Send + 'static,
        T: Future<Output = Result<V, PerfError>> + Send + 'static,
        V: Send + 'static,
    {
        let joined = |handle: std::thread::ScopedJoinHandle<'_, _>| {
            handle.join().expect("async loop thread panicked")
        };
        match self {
            Executor::TokioCurrentThread([other, own]) => {
                std::thread::scope(|s| {
                    let bg = s.spawn(|| other.block_on(background));
                    let v = own.block_on(timed);
                    let bg: Result<(), PerfError> = joined(bg);
                    bg.and(v)
                })
            }
            Executor::TokioMultiThread(rt) => rt.block_on(async {
                let bg = tokio::spawn(background);
                let v = tokio::spawn(timed).await;
                let bg = bg.await;
                let panicked = |_| PerfError::new("async task panicked");
                bg.map_err(panicked)?.and(v.map_err(panicked)?)
            }),
            Executor::Smol => std::thread::scope(|s| {
                let bg = s.spawn(|| smol::block_on(background));
                let v = smol::block_on(timed);
                let bg: Result<(), PerfError> = joined(bg);
                bg.and(v)
            }),
        }
    }
}

/// An [`RsPair`] measured through the async calls on a [`Runtime`].
pub struct RsAsyncPair<R = libzmq::Server, S = libzmq::Client> {
    // Drops first: no loop outlives its runtime.
    executor: Executor,
    pair: RsPair<R, S>,
}

impl RsAsyncPair<libzmq::Gather, libzmq::Scatter> {
    /// A `Gather` bound and a `Scatter` connected, as
    /// [`RsPair::scatter_gather`]; only `throughput` applies.
    pub fn scatter_gather(
        transport: Transport,
        runtime: Runtime,
    ) -> Result<Self, PerfError> {
        Ok(RsAsyncPair {
            executor: Executor::new(runtime)?,
            pair: RsPair::scatter_gather(transport)?,
        })
    }
}

impl RsAsyncPair {
    /// A `Server`/`Client` pair, as [`RsPair::new`].
    pub fn new(
        transport: Transport,
        runtime: Runtime,
    ) -> Result<Self, PerfError> {
        Ok(RsAsyncPair {
            executor: Executor::new(runtime)?,
            pair: RsPair::new(transport)?,
        })
    }

    /// One untimed round trip, then `count` timed ones of `size` bytes
    /// Client → Server (echo) → Client, all async; each trip's time.
    pub fn round_trips(
        &self,
        size: usize,
        count: u64,
    ) -> Result<Vec<Duration>, PerfError> {
        check_count(count)?;
        let server = self.pair.receiver().clone();
        let client = self.pair.sender().clone();
        let echo = async move {
            let mut msg = Msg::new();
            for _ in 0..=count {
                server.recv_async(&mut msg).await.op("Server recv")?;
                check_size(msg.len(), size)?;
                // It carries the Client's routing id: back to that client.
                let back = std::mem::take(&mut msg);
                server.send_async(back).await.op("Server send")?;
            }
            Ok(())
        };
        let ping = async move {
            let mut reply = Msg::new();
            let mut samples = Vec::with_capacity(count as usize);
            for i in 0..=count {
                let t0 = Instant::now();
                client
                    .send_async(Msg::with_size(size))
                    .await
                    .op("Client send")?;
                client.recv_async(&mut reply).await.op("Client recv")?;
                let took = t0.elapsed();
                check_size(reply.len(), size)?;
                if i > 0 {
                    samples.push(took);
                }
            }
            Ok(samples)
        };
        self.executor.run(echo, ping)
    }
}

impl<R, S> RsAsyncPair<R, S>
where
    R: RecvMsg + Socket + Clone + Send + Sync + 'static,
    S: SendMsg + Clone + Send + Sync + 'static,
{
    /// Sends `count` messages of `size` bytes sender → receiver, all async;
    /// the receiver-side time from the first to the last message.
    pub fn throughput(
        &self,
        size: usize,
        count: u64,
    ) -> Result<Duration, PerfError> {
        check_count(count)?;
        let receiver = self.pair.receiver().clone();
        let sender = self.pair.sender().clone();
        let send = async move {
            for _ in 0..count {
                sender
                    .send_async(Msg::with_size(size))
                    .await
                    .op("sender send")?;
            }
            Ok(())
        };
        let recv = async move {
            let mut msg = Msg::new();
            let mut start = None;
            for _ in 0..count {
                receiver.recv_async(&mut msg).await.op("receiver recv")?;
                check_size(msg.len(), size)?;
                start.get_or_insert_with(Instant::now);
            }
            Ok(start.map_or(Duration::ZERO, |t| t.elapsed()))
        };
        self.executor.run(send, recv)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every runtime moves messages both ways on both transports, and a
    /// pair is reusable (debug build: counts only, no timing claims).
    #[test]
    fn every_runtime_measures_throughput_and_round_trips() {
        for runtime in Runtime::ALL {
            for transport in [Transport::Tcp, Transport::Inproc] {
                let what = format!("{} over {transport:?}", runtime.name());
                let sg = RsAsyncPair::scatter_gather(transport, runtime)
                    .unwrap_or_else(|e| panic!("{what}: {e}"));
                for count in [1, 300] {
                    sg.throughput(32, count)
                        .unwrap_or_else(|e| panic!("{what}: {e}"));
                }
                let rt = RsAsyncPair::new(transport, runtime)
                    .unwrap_or_else(|e| panic!("{what}: {e}"));
                let trips = rt.round_trips(32, 40).unwrap();
                assert_eq!(trips.len(), 40, "{what}");
                assert!(trips.iter().all(|t| *t > Duration::ZERO), "{what}");
                assert!(rt.throughput(1024, 200).is_ok(), "{what}");
                assert!(rt.round_trips(32, 0).is_err(), "{what}");
            }
        }
    }
}
