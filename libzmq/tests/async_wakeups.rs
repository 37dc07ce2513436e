//! The wake-up path without a runtime: futures polled by hand with a waker
//! that records being woken, so each test sees exactly which event woke it.

use libzmq::{prelude::*, *};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Default)]
struct Count(AtomicUsize);

impl Wake for Count {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
}

fn counting_waker() -> (Arc<Count>, Waker) {
    let count = Arc::new(Count::default());
    (count.clone(), Waker::from(count))
}

fn poll<F: Future + Unpin>(future: &mut F, waker: &Waker) -> Poll<F::Output> {
    Pin::new(future).poll(&mut Context::from_waker(waker))
}

fn pair(hwm: i32) -> (Ctx, Scatter, Gather) {
    let ctx = Ctx::new();
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
    (ctx, scatter, gather)
}

#[test]
fn full_pipe_suspends_the_sender_and_draining_wakes_it() {
    let (_ctx, scatter, gather) = pair(1);
    let mut queued = 0;
    while scatter.try_send("fill").is_ok() {
        queued += 1;
    }
    let (woken, waker) = counting_waker();
    let mut send = scatter.send_async("next");
    assert!(poll(&mut send, &waker).is_pending());
    // Polling again while nothing changed registers nothing new.
    assert!(poll(&mut send, &waker).is_pending());
    assert_eq!(woken.0.load(SeqCst), 0);
    for _ in 0..queued {
        gather.recv_msg().unwrap();
    }
    assert_eq!(woken.0.load(SeqCst), 1, "draining wakes the sender once");
    assert!(matches!(poll(&mut send, &waker), Poll::Ready(Ok(()))));
    assert_eq!(gather.recv_msg().unwrap().to_str().unwrap(), "next");
}

#[test]
fn arriving_message_wakes_every_waiting_receiver() {
    let (_ctx, scatter, gather) = pair(10);
    let (woken, waker) = counting_waker();
    let mut first = gather.recv_msg_async();
    let mut second = gather.recv_msg_async();
    assert!(poll(&mut first, &waker).is_pending());
    assert!(poll(&mut second, &waker).is_pending());
    scatter.send("one").unwrap();
    assert_eq!(woken.0.load(SeqCst), 2);
    // One gets the message; the other registers again.
    assert!(matches!(poll(&mut first, &waker), Poll::Ready(Ok(_))));
    assert!(poll(&mut second, &waker).is_pending());
    scatter.send("two").unwrap();
    assert_eq!(woken.0.load(SeqCst), 3);
    let msg = match poll(&mut second, &waker) {
        Poll::Ready(result) => result.unwrap(),
        Poll::Pending => panic!("second receive still pending"),
    };
    assert_eq!(msg.to_str().unwrap(), "two");
}

#[test]
fn dropped_receiver_is_not_woken() {
    let (_ctx, scatter, gather) = pair(10);
    let (woken, waker) = counting_waker();
    let mut recv = gather.recv_msg_async();
    assert!(poll(&mut recv, &waker).is_pending());
    drop(recv);
    scatter.send("one").unwrap();
    assert_eq!(woken.0.load(SeqCst), 0);
    assert_eq!(gather.recv_msg().unwrap().to_str().unwrap(), "one");
}

#[test]
fn shutdown_wakes_pending_receiver() {
    let (ctx, _scatter, gather) = pair(10);
    let (woken, waker) = counting_waker();
    let mut recv = gather.recv_msg_async();
    assert!(poll(&mut recv, &waker).is_pending());
    ctx.shutdown();
    assert_eq!(woken.0.load(SeqCst), 1);
    match poll(&mut recv, &waker) {
        Poll::Ready(Err(err)) => assert_eq!(err.kind(), ErrorKind::InvalidCtx),
        other => panic!("expected InvalidCtx, got {other:?}"),
    }
    // Polled after completion: an error, not a panic.
    match poll(&mut recv, &waker) {
        Poll::Ready(Err(err)) => {
            assert!(matches!(err.kind(), ErrorKind::InvalidInput(_)))
        }
        other => panic!("expected InvalidInput, got {other:?}"),
    }
}

#[test]
fn timeout_wakes_from_the_timer_thread() {
    let (_ctx, _scatter, gather) = pair(10);
    gather
        .set_recv_timeout(Some(Duration::from_millis(20)))
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    struct Notify(std::sync::Mutex<std::sync::mpsc::Sender<()>>);
    impl Wake for Notify {
        fn wake(self: Arc<Self>) {
            let _ = self.0.lock().unwrap().send(());
        }
    }
    let waker = Waker::from(Arc::new(Notify(std::sync::Mutex::new(tx))));
    let mut recv = gather.recv_msg_async();
    assert!(poll(&mut recv, &waker).is_pending());
    rx.recv_timeout(TIMEOUT).expect("the timer woke the task");
    match poll(&mut recv, &waker) {
        Poll::Ready(Err(err)) => assert_eq!(err.kind(), ErrorKind::WouldBlock),
        other => panic!("expected WouldBlock, got {other:?}"),
    }
}
