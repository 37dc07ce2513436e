//! The async scenarios, written once and run under each runtime by
//! `async_tokio.rs` and `async_smol.rs` (through [`all_cases!`]). A case gets
//! the runtime's `spawn`; every await is bounded by a socket timeout.
#![allow(dead_code)]

use futures::future::{self, BoxFuture, Either};
use futures::{SinkExt, StreamExt};
use libzmq::{prelude::*, *};
use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::Poll;
use std::time::{Duration, Instant};

/// Upper bound for any single await in a case (the sockets' timeouts).
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// Runs a task on the runtime; the returned future ends with it (and
/// re-raises its panic).
pub type Spawn = fn(BoxFuture<'static, ()>) -> BoxFuture<'static, ()>;

/// A case: the whole scenario as one future.
pub type Case = fn(Spawn) -> BoxFuture<'static, ()>;

/// Defines one `#[test]` per case, each run by `$runner(case)`.
#[macro_export]
macro_rules! all_cases {
    ($runner:path) => {
        $crate::all_cases!(@each $runner,
            round_trip_inproc, round_trip_tcp, recv_into_msg,
            cancelled_recv_loses_nothing, cancelled_send_takes_nothing,
            hwm_back_pressure, recv_timeout, send_timeout_returns_msg,
            zero_timeout_is_immediate, shutdown_wakes_with_invalid_ctx,
            thousands_of_receivers, thousands_of_senders,
            mixed_blocking_and_async, stream_and_sink, select_stream_and_future,
            multipart_push_pull, req_rep_and_dealer_router, pub_sub_stream,
            futures_end_once);
    };
    (@each $runner:path, $($case:ident),+) => {
        $(
            #[test]
            fn $case() {
                $runner(async_common::$case);
            }
        )+
    };
}

fn inproc_pair(ctx: &Ctx, hwm: i32) -> (Scatter, Gather) {
    let addr = InprocAddr::new_unique();
    let gather = GatherBuilder::new()
        .bind(&addr)
        .recv_hwm(hwm)
        .recv_timeout(TIMEOUT)
        .with_ctx(ctx.handle())
        .unwrap();
    let scatter = ScatterBuilder::new()
        .connect(&addr)
        .send_hwm(hwm)
        .send_timeout(TIMEOUT)
        .with_ctx(ctx.handle())
        .unwrap();
    (scatter, gather)
}

fn tcp_pair(ctx: &Ctx) -> (Server, Client) {
    let addr: TcpAddr = "127.0.0.1:*".try_into().unwrap();
    let server = ServerBuilder::new()
        .bind(addr)
        .recv_timeout(TIMEOUT)
        .send_timeout(TIMEOUT)
        .with_ctx(ctx.handle())
        .unwrap();
    let client = ClientBuilder::new()
        .connect(server.last_endpoint().unwrap())
        .recv_timeout(TIMEOUT)
        .send_timeout(TIMEOUT)
        .with_ctx(ctx.handle())
        .unwrap();
    (server, client)
}

async fn request_reply(server: &Server, client: &Client, rounds: usize) {
    for i in 0..rounds {
        client.send_async(format!("ping {i}")).await.unwrap();
        let request = server.recv_msg_async().await.unwrap();
        assert_eq!(request.to_str().unwrap(), format!("ping {i}"));
        let id = request.routing_id().unwrap();
        server.route_async(format!("pong {i}"), id).await.unwrap();
        let reply = client.recv_msg_async().await.unwrap();
        assert_eq!(reply.to_str().unwrap(), format!("pong {i}"));
    }
}

/// Client/Server over inproc, the replies awaited before they are sent.
pub fn round_trip_inproc(spawn: Spawn) -> BoxFuture<'static, ()> {
    Box::pin(async move {
        let ctx = Ctx::new();
        let addr = InprocAddr::new_unique();
        let server = ServerBuilder::new()
            .bind(&addr)
            .recv_timeout(TIMEOUT)
            .with_ctx(ctx.handle())
            .unwrap();
        let client = ClientBuilder::new()
            .connect(&addr)
            .recv_timeout(TIMEOUT)
            .send_timeout(TIMEOUT)
            .with_ctx(ctx.handle())
            .unwrap();
        // The reply is awaited in another task before the request is sent.
        let waiting = client.clone();
        let reply = spawn(Box::pin(async move {
            let msg = waiting.recv_msg_async().await.unwrap();
            assert_eq!(msg.to_str().unwrap(), "first");
        }));
        let server_task = server.clone();
        let echo = spawn(Box::pin(async move {
            let msg = server_task.recv_msg_async().await.unwrap();
            let id = msg.routing_id().unwrap();
            server_task.route_async("first", id).await.unwrap();
        }));
        client.send_async("hello").await.unwrap();
        echo.await;
        reply.await;
        request_reply(&server, &client, 100).await;
    })
}

/// Client/Server over TCP: the wake-ups come from the I/O thread.
pub fn round_trip_tcp(_: Spawn) -> BoxFuture<'static, ()> {
    Box::pin(async move {
        let ctx = Ctx::new();
        let (server, client) = tcp_pair(&ctx);
        request_reply(&server, &client, 200).await;
    })
}

/// `recv_async` fills the given `Msg`, and leaves it alone on error.
pub fn recv_into_msg(_: Spawn) -> BoxFuture<'static, ()> {
    Box::pin(async move {
        let ctx = Ctx::new();
        let (scatter, gather) = inproc_pair(&ctx, 1000);
        let mut msg = Msg::from("untouched");
        gather.set_recv_timeout(Some(Duration::ZERO)).unwrap();
        let err = gather.recv_async(&mut msg).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::WouldBlock);
        assert_eq!(msg.to_str().unwrap(), "untouched");
        gather.set_recv_timeout(Some(TIMEOUT)).unwrap();
        scatter.send_async("filled").await.unwrap();
        gather.recv_async(&mut msg).await.unwrap();
        assert_eq!(msg.to_str().unwrap(), "filled");
    })
}

/// A future that is pending once, then ready: racing it against a
/// receive cancels the receive at every possible point.
async fn yield_once() {
    let mut yielded = false;
    future::poll_fn(|cx| {
        if yielded {
            Poll::Ready(())
        } else {
            yielded = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    })
    .await
}

/// Receives raced against a yield while another task sends: every message
/// arrives once, in order, although most receive futures are dropped.
pub fn cancelled_recv_loses_nothing(spawn: Spawn) -> BoxFuture<'static, ()> {
    Box::pin(async move {
        const COUNT: usize = 2000;
        let ctx = Ctx::new();
        let (scatter, gather) = inproc_pair(&ctx, 10);
        // A receive polled once, then dropped, before anything is sent.
        assert!(futures::poll!(gather.recv_msg_async()).is_pending());
        let sender = spawn(Box::pin(async move {
            for i in 0..COUNT {
                scatter.send_async(i.to_string()).await.unwrap();
                if i % 7 == 0 {
                    yield_once().await;
                }
            }
        }));
        let mut next = 0;
        let started = Instant::now();
        while next < COUNT {
            assert!(started.elapsed() < TIMEOUT, "stuck at {next}");
            let recv = gather.recv_msg_async();
            match future::select(recv, Box::pin(yield_once())).await {
                Either::Left((msg, _)) => {
                    assert_eq!(
                        msg.unwrap().to_str().unwrap(),
                        next.to_string()
                    );
                    next += 1;
                }
                // The receive future is dropped here, maybe registered.
                Either::Right(((), _dropped)) => {}
            }
        }
        sender.await;
        gather.set_recv_timeout(Some(Duration::ZERO)).unwrap();
        assert!(gather.try_recv_msg().is_err(), "nothing extra");
    })
}

/// A send future dropped while pending never queued its message; one that
/// completed did, exactly once.
pub fn cancelled_send_takes_nothing(_: Spawn) -> BoxFuture<'static, ()> {
    Box::pin(async move {
        let ctx = Ctx::new();
        let (scatter, gather) = inproc_pair(&ctx, 1);
        let mut queued = 0;
        while scatter.try_send(format!("{queued}")).is_ok() {
            queued += 1;
        }
        assert!(queued > 0);
        for _ in 0..3 {
            let mut send = scatter.send_async("dropped");
            assert!(futures::poll!(&mut send).is_pending());
            drop(send);
        }
        let late = scatter.send_async("late");
        let mut late = std::pin::pin!(late);
        assert!(futures::poll!(&mut late).is_pending());
        for i in 0..queued {
            let msg = gather.recv_msg_async().await.unwrap();
            assert_eq!(msg.to_str().unwrap(), i.to_string());
        }
        late.await.unwrap();
        assert_eq!(
            gather.recv_msg_async().await.unwrap().to_str().unwrap(),
            "late"
        );
        gather.set_recv_timeout(Some(Duration::ZERO)).unwrap();
        assert_eq!(
            gather.recv_msg_async().await.unwrap_err().kind(),
            ErrorKind::WouldBlock,
            "a dropped send queued its message"
        );
    })
}

/// A sender task against a pipe of one message over TCP: it is suspended
/// at the HWM and woken each time the receiver drains, many times over.
pub fn hwm_back_pressure(spawn: Spawn) -> BoxFuture<'static, ()> {
    Box::pin(async move {
        const COUNT: usize = 3000;
        let ctx = Ctx::new();
        let addr: TcpAddr = "127.0.0.1:*".try_into().unwrap();
        let gather = GatherBuilder::new()
            .bind(addr)
            .recv_hwm(1)
            .recv_timeout(TIMEOUT)
            .with_ctx(ctx.handle())
            .unwrap();
        let scatter = ScatterBuilder::new()
            .connect(gather.last_endpoint().unwrap())
            .send_hwm(1)
            .send_timeout(TIMEOUT)
            .with_ctx(ctx.handle())
            .unwrap();
        let suspended = Arc::new(AtomicUsize::new(0));
        let counter = suspended.clone();
        let sender = spawn(Box::pin(async move {
            for i in 0..COUNT {
                let mut send =
                    std::pin::pin!(scatter.send_async(i.to_string()));
                if futures::poll!(&mut send).is_pending() {
                    counter.fetch_add(1, SeqCst);
                    send.await.unwrap();
                }
            }
        }));
        for i in 0..COUNT {
            let msg = gather.recv_msg_async().await.unwrap();
            assert_eq!(msg.to_str().unwrap(), i.to_string());
        }
        sender.await;
        assert!(suspended.load(SeqCst) > 0, "the sender never waited");
    })
}

/// The receive timeout ends the wait with `WouldBlock`, woken by the timer.
pub fn recv_timeout(_: Spawn) -> BoxFuture<'static, ()> {
    Box::pin(async move {
        let ctx = Ctx::new();
        let (_scatter, gather) = inproc_pair(&ctx, 10);
        let timeout = Duration::from_millis(50);
        gather.set_recv_timeout(Some(timeout)).unwrap();
        for _ in 0..2 {
            let start = Instant::now();
            let err = gather.recv_msg_async().await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::WouldBlock);
            assert!(start.elapsed() >= timeout);
            assert!(start.elapsed() < TIMEOUT);
        }
        let mut stream = gather.clone().into_stream();
        let item = stream.next().await.unwrap();
        assert_eq!(item.unwrap_err().kind(), ErrorKind::WouldBlock);
    })
}

/// A mute Client's send times out and hands the message back.
pub fn send_timeout_returns_msg(_: Spawn) -> BoxFuture<'static, ()> {
    Box::pin(async move {
        let ctx = Ctx::new();
        let client = Client::with_ctx(ctx.handle()).unwrap();
        let timeout = Duration::from_millis(30);
        client.set_send_timeout(Some(timeout)).unwrap();
        let start = Instant::now();
        let mut err = client.send_async("kept").await.unwrap_err();
        assert!(start.elapsed() >= timeout);
        assert_eq!(err.kind(), ErrorKind::WouldBlock);
        assert_eq!(err.take().unwrap().to_str().unwrap(), "kept");
        let mut sink = client.into_sink();
        let mut err = sink.send("in sink").await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::WouldBlock);
        assert_eq!(err.take().unwrap().to_str().unwrap(), "in sink");
    })
}

/// Timeout 0 behaves like `try_send`/`try_recv`: never pending.
pub fn zero_timeout_is_immediate(_: Spawn) -> BoxFuture<'static, ()> {
    Box::pin(async move {
        let ctx = Ctx::new();
        let client = Client::with_ctx(ctx.handle()).unwrap();
        client.set_send_timeout(Some(Duration::ZERO)).unwrap();
        client.set_recv_timeout(Some(Duration::ZERO)).unwrap();
        let send = futures::poll!(client.send_async("x"));
        assert!(
            matches!(send, Poll::Ready(Err(e)) if e.kind() == ErrorKind::WouldBlock)
        );
        let recv = futures::poll!(client.recv_msg_async());
        assert!(
            matches!(recv, Poll::Ready(Err(e)) if e.kind() == ErrorKind::WouldBlock)
        );
    })
}

/// Shutting the ctx down wakes every pending future with `InvalidCtx`, and
/// ends the streams.
pub fn shutdown_wakes_with_invalid_ctx(spawn: Spawn) -> BoxFuture<'static, ()> {
    Box::pin(async move {
        let ctx = Ctx::new();
        let client = Client::with_ctx(ctx.handle()).unwrap();
        client.set_send_timeout(Some(TIMEOUT)).unwrap();
        let (_scatter, gather) = inproc_pair(&ctx, 10);
        let (started, mut pending) = futures::channel::mpsc::unbounded();
        let mut tasks = Vec::new();
        for _ in 0..10 {
            let (client, gather, started) =
                (client.clone(), gather.clone(), started.clone());
            tasks.push(spawn(Box::pin(async move {
                let mut send = client.send_async("never");
                let mut recv = gather.recv_msg_async();
                assert!(futures::poll!(&mut send).is_pending());
                assert!(futures::poll!(&mut recv).is_pending());
                started.unbounded_send(()).unwrap();
                let mut err = (&mut send).await.unwrap_err();
                assert_eq!(err.kind(), ErrorKind::InvalidCtx);
                assert_eq!(err.take().unwrap().to_str().unwrap(), "never");
                assert_eq!(
                    recv.await.unwrap_err().kind(),
                    ErrorKind::InvalidCtx
                );
                drop(send);
                let mut stream = gather.into_stream();
                let last = stream.next().await.unwrap();
                assert_eq!(last.unwrap_err().kind(), ErrorKind::InvalidCtx);
                assert!(stream.next().await.is_none());
            })));
        }
        // Every task registered before the shutdown.
        for _ in 0..tasks.len() {
            pending.next().await.unwrap();
        }
        ctx.shutdown();
        future::join_all(tasks).await;
        assert_eq!(
            client.send_async("after").await.unwrap_err().kind(),
            ErrorKind::InvalidCtx
        );
    })
}

/// Thousands of tasks await one cloned socket; each message goes to one.
pub fn thousands_of_receivers(spawn: Spawn) -> BoxFuture<'static, ()> {
    Box::pin(async move {
        const TASKS: usize = 3000;
        let ctx = Ctx::new();
        let (scatter, gather) = inproc_pair(&ctx, 0);
        let (tx, mut rx) = futures::channel::mpsc::unbounded();
        let mut tasks = Vec::new();
        for _ in 0..TASKS {
            let (gather, tx) = (gather.clone(), tx.clone());
            tasks.push(spawn(Box::pin(async move {
                let msg = gather.recv_msg_async().await.unwrap();
                tx.unbounded_send(msg.to_str().unwrap().to_owned()).unwrap();
            })));
        }
        for i in 0..TASKS {
            scatter.send_async(i.to_string()).await.unwrap();
        }
        let mut seen = HashSet::new();
        for _ in 0..TASKS {
            assert!(seen.insert(rx.next().await.unwrap()));
        }
        future::join_all(tasks).await;
        assert_eq!(seen.len(), TASKS);
    })
}

/// Thousands of tasks send through one cloned socket at a small HWM; all
/// their messages arrive.
pub fn thousands_of_senders(spawn: Spawn) -> BoxFuture<'static, ()> {
    Box::pin(async move {
        const TASKS: usize = 3000;
        let ctx = Ctx::new();
        let (scatter, gather) = inproc_pair(&ctx, 4);
        let tasks: Vec<_> = (0..TASKS)
            .map(|i| {
                let scatter = scatter.clone();
                spawn(Box::pin(async move {
                    scatter.send_async(i.to_string()).await.unwrap();
                }))
            })
            .collect();
        let mut seen = HashSet::new();
        for _ in 0..TASKS {
            let msg = gather.recv_msg_async().await.unwrap();
            assert!(
                seen.insert(msg.to_str().unwrap().parse::<usize>().unwrap())
            );
        }
        future::join_all(tasks).await;
        assert_eq!(seen.len(), TASKS);
    })
}

/// A thread's blocking calls and tasks' async calls on the same sockets.
pub fn mixed_blocking_and_async(spawn: Spawn) -> BoxFuture<'static, ()> {
    Box::pin(async move {
        const EACH: usize = 500;
        let ctx = Ctx::new();
        let (scatter, gather) = inproc_pair(&ctx, 2);
        let (blocking_scatter, blocking_gather) =
            (scatter.clone(), gather.clone());
        let received = Arc::new(AtomicUsize::new(0));
        let thread_count = received.clone();
        let (done_tx, done_rx) = futures::channel::oneshot::channel::<()>();
        let blocking = std::thread::spawn(move || {
            let _done = done_tx;
            for i in 0..EACH {
                blocking_scatter.send(format!("b{i}")).unwrap();
            }
            // Receives until it sees the end mark meant for it.
            loop {
                let msg = blocking_gather.recv_msg().unwrap();
                if msg.to_str().unwrap() == "end" {
                    return;
                }
                thread_count.fetch_add(1, SeqCst);
            }
        });
        let sender = spawn(Box::pin(async move {
            for i in 0..EACH {
                scatter.send_async(format!("a{i}")).await.unwrap();
            }
        }));
        let mut mine = 0;
        while mine + received.load(SeqCst) < 2 * EACH {
            let recv = gather.recv_msg_async();
            if let Either::Left((msg, _)) =
                future::select(recv, Box::pin(yield_once())).await
            {
                msg.unwrap();
                mine += 1;
            }
        }
        sender.await;
        // (The socket's timeout stays: a zero timeout set here raced with
        // the thread's next `recv_msg` when that began before the end
        // mark arrived — a `WouldBlock` the thread does not expect.)
        let sending = ScatterBuilder::new()
            .connect(gather.last_endpoint().unwrap())
            .with_ctx(ctx.handle())
            .unwrap();
        sending.send("end").unwrap();
        // The thread takes the end mark (within its receive timeout) and
        // ends, dropping its sender.
        let _ = done_rx.await;
        blocking.join().unwrap();
        assert_eq!(mine + received.load(SeqCst), 2 * EACH);
    })
}

/// `Sink::send_all` into a Scatter, `Stream` out of the Gather.
pub fn stream_and_sink(spawn: Spawn) -> BoxFuture<'static, ()> {
    Box::pin(async move {
        const COUNT: usize = 1000;
        let ctx = Ctx::new();
        let (scatter, gather) = inproc_pair(&ctx, 8);
        let sender = spawn(Box::pin(async move {
            let mut sink = scatter.into_sink();
            let mut items = futures::stream::iter(
                (0..COUNT).map(|i| Ok(Msg::from(i.to_string()))),
            );
            sink.send_all(&mut items).await.unwrap();
            SinkExt::<Msg>::close(&mut sink).await.unwrap();
        }));
        let received: Vec<usize> = gather
            .into_stream()
            .take(COUNT)
            .map(|msg| msg.unwrap().to_str().unwrap().parse::<usize>().unwrap())
            .collect()
            .await;
        assert_eq!(received, (0..COUNT).collect::<Vec<_>>());
        sender.await;
    })
}

/// `futures::select!` over a stream and a receive future of two sockets.
pub fn select_stream_and_future(_: Spawn) -> BoxFuture<'static, ()> {
    Box::pin(async move {
        let ctx = Ctx::new();
        let (scatter_a, gather_a) = inproc_pair(&ctx, 10);
        let (scatter_b, gather_b) = inproc_pair(&ctx, 10);
        let mut stream = gather_a.into_stream();
        scatter_b.send("from b").unwrap();
        let mut from_b = gather_b.recv_msg_async();
        futures::select! {
            _ = stream.next() => panic!("nothing was sent to a"),
            msg = from_b => assert_eq!(msg.unwrap().to_str().unwrap(), "from b"),
        }
        scatter_a.send("from a").unwrap();
        let mut idle = gather_b.recv_msg_async();
        futures::select! {
            msg = stream.next() => {
                assert_eq!(msg.unwrap().unwrap().to_str().unwrap(), "from a");
            }
            _ = idle => panic!("nothing more was sent to b"),
        }
    })
}

/// Multipart messages through PUSH/PULL: whole or not at all, kept for
/// `recv_multipart_async` when `recv_msg_async` cannot take them, and a
/// dropped receive loses no frame.
pub fn multipart_push_pull(_: Spawn) -> BoxFuture<'static, ()> {
    Box::pin(async move {
        let ctx = Ctx::new();
        let addr = InprocAddr::new_unique();
        let pull = PullBuilder::new()
            .bind(&addr)
            .recv_timeout(TIMEOUT)
            .with_ctx(ctx.handle())
            .unwrap();
        let push = PushBuilder::new()
            .connect(&addr)
            .send_timeout(TIMEOUT)
            .with_ctx(ctx.handle())
            .unwrap();
        assert!(futures::poll!(pull.recv_multipart_async()).is_pending());
        push.send_multipart_async(["key", "value"]).await.unwrap();
        let err = pull.recv_msg_async().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Multipart);
        let parts = pull.recv_multipart_async().await.unwrap();
        assert_eq!(parts, vec![Msg::from("key"), Msg::from("value")]);
        push.send_async("single").await.unwrap();
        let parts = pull.recv_multipart_async().await.unwrap();
        assert_eq!(parts, vec![Msg::from("single")]);
        let mut err = push
            .send_multipart_async(Vec::<Msg>::new())
            .await
            .unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::InvalidInput(_)));
        assert_eq!(err.take().unwrap(), Vec::<Msg>::new());

        // The same through a sink and a stream of multipart messages.
        let mut sink = push.clone().into_multipart_sink();
        let mut stream = pull.clone().into_multipart_stream();
        sink.send(vec!["a", "b", "c"]).await.unwrap();
        sink.send(vec!["d"]).await.unwrap();
        assert!(sink.send(Vec::<Msg>::new()).await.is_err());
        let first = stream.next().await.unwrap().unwrap();
        assert_eq!(first, vec![Msg::from("a"), Msg::from("b"), Msg::from("c")]);
        let second = stream.next().await.unwrap().unwrap();
        assert_eq!(second, vec![Msg::from("d")]);
    })
}

/// REQ/REP with the one-frame calls, DEALER/ROUTER with the multipart ones,
/// over TCP.
pub fn req_rep_and_dealer_router(_: Spawn) -> BoxFuture<'static, ()> {
    Box::pin(async move {
        let ctx = Ctx::new();
        let addr: TcpAddr = "127.0.0.1:*".try_into().unwrap();
        let rep = RepBuilder::new()
            .bind(addr)
            .recv_timeout(TIMEOUT)
            .send_timeout(TIMEOUT)
            .with_ctx(ctx.handle())
            .unwrap();
        let req = ReqBuilder::new()
            .connect(rep.last_endpoint().unwrap())
            .recv_timeout(TIMEOUT)
            .send_timeout(TIMEOUT)
            .with_ctx(ctx.handle())
            .unwrap();
        for i in 0..20 {
            req.send_async(format!("q{i}")).await.unwrap();
            let question = rep.recv_msg_async().await.unwrap();
            assert_eq!(question.to_str().unwrap(), format!("q{i}"));
            rep.send_async(format!("a{i}")).await.unwrap();
            let answer = req.recv_msg_async().await.unwrap();
            assert_eq!(answer.to_str().unwrap(), format!("a{i}"));
        }
        // The state machine's errors come through unchanged.
        let err = req.recv_msg_async().await.unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::WrongState(_)));

        let addr: TcpAddr = "127.0.0.1:*".try_into().unwrap();
        let router = RouterBuilder::new()
            .bind(addr)
            .recv_timeout(TIMEOUT)
            .send_timeout(TIMEOUT)
            .with_ctx(ctx.handle())
            .unwrap();
        let dealer = DealerBuilder::new()
            .connect(router.last_endpoint().unwrap())
            .recv_timeout(TIMEOUT)
            .send_timeout(TIMEOUT)
            .with_ctx(ctx.handle())
            .unwrap();
        dealer.send_multipart_async(["job", "1"]).await.unwrap();
        let mut parts = router.recv_multipart_async().await.unwrap();
        assert_eq!(parts.len(), 3, "routing id, then the frames");
        assert_eq!(parts[1..], [Msg::from("job"), Msg::from("1")]);
        parts[2] = Msg::from("done");
        router.send_multipart_async(parts).await.unwrap();
        let reply = dealer.recv_multipart_async().await.unwrap();
        assert_eq!(reply, vec![Msg::from("job"), Msg::from("done")]);
    })
}

/// A SUB's messages as a stream, PUB sending until the subscription has
/// reached it.
pub fn pub_sub_stream(spawn: Spawn) -> BoxFuture<'static, ()> {
    Box::pin(async move {
        let ctx = Ctx::new();
        let addr = InprocAddr::new_unique();
        let publisher = PubBuilder::new()
            .bind(&addr)
            .send_timeout(TIMEOUT)
            .with_ctx(ctx.handle())
            .unwrap();
        let sub = SubBuilder::new()
            .connect(&addr)
            .recv_timeout(TIMEOUT)
            .with_ctx(ctx.handle())
            .unwrap();
        sub.subscribe("news").unwrap();
        let (stop, mut stopped) = futures::channel::oneshot::channel::<()>();
        let ticker = spawn(Box::pin(async move {
            let started = Instant::now();
            while stopped.try_recv().unwrap().is_none() {
                assert!(started.elapsed() < TIMEOUT, "never received");
                publisher.send_async("other").await.unwrap();
                publisher.send_async("news!").await.unwrap();
                yield_once().await;
            }
        }));
        let mut stream = sub.into_stream();
        for _ in 0..3 {
            let msg = stream.next().await.unwrap().unwrap();
            assert_eq!(msg.to_str().unwrap(), "news!");
        }
        stop.send(()).unwrap();
        ticker.await;
    })
}

/// Send and receive futures end once, on the first poll when a peer has
/// room or a message is there and after a wait otherwise: `FusedFuture`
/// says so, and a poll after the end is an error, never a second send.
pub fn futures_end_once(_: Spawn) -> BoxFuture<'static, ()> {
    use futures::future::FusedFuture;
    Box::pin(async move {
        let ctx = Ctx::new();
        let (scatter, gather) = inproc_pair(&ctx, 1);
        let mut first = scatter.send_async("first");
        assert!(!first.is_terminated());
        assert!(matches!(futures::poll!(&mut first), Poll::Ready(Ok(()))));
        assert!(first.is_terminated());
        match futures::poll!(&mut first) {
            Poll::Ready(Err(err)) => {
                assert!(matches!(err.kind(), ErrorKind::InvalidInput(_)))
            }
            other => panic!("a second poll gave {other:?}"),
        }
        // Both pipes full: this one waits.
        while scatter.try_send("filler").is_ok() {}
        let mut waiting = scatter.send_async("waiting");
        assert!(futures::poll!(&mut waiting).is_pending());
        assert!(!waiting.is_terminated());
        let mut recv = gather.recv_msg_async();
        assert!(!recv.is_terminated());
        let msg = futures::poll!(&mut recv);
        assert!(
            matches!(&msg, Poll::Ready(Ok(m)) if m.to_str() == Ok("first"))
        );
        assert!(recv.is_terminated());
        let drain = async {
            loop {
                let msg = gather.recv_msg_async().await.unwrap();
                if msg.to_str() == Ok("waiting") {
                    break;
                }
            }
        };
        let (sent, ()) = futures::join!(&mut waiting, drain);
        sent.unwrap();
        assert!(waiting.is_terminated());
    })
}
