//! The wake-up path without a runtime: futures polled by hand with a waker
//! that records being woken, so each test sees exactly which event woke it.
//!
//! A wait on a socket whose peers are all inproc first re-polls itself for
//! a few microseconds when its thread may run on several CPUs (the async
//! form of the blocking calls' spin). The tests of the registration path
//! pin their thread to one CPU, where no wait spins; the spin has tests of
//! its own at the end.

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

/// The CPUs the calling thread may run on.
fn cpus_allowed() -> usize {
    // SAFETY: a zeroed cpu_set_t is a valid empty set.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    // SAFETY: sched_getaffinity writes at most `size_of::<cpu_set_t>()`
    // bytes into `set`, which is that large.
    let got = unsafe {
        libc::sched_getaffinity(
            0,
            std::mem::size_of::<libc::cpu_set_t>(),
            &mut set,
        )
    };
    assert_eq!(got, 0, "sched_getaffinity");
    // SAFETY: `set` is an initialised cpu_set_t.
    unsafe { libc::CPU_COUNT(&set) as usize }
}

/// Binds the calling thread to the CPU it runs on: its waits do not spin.
fn pin_to_one_cpu() {
    // SAFETY: sched_getcpu has no preconditions.
    let cpu = unsafe { libc::sched_getcpu() }.max(0) as usize;
    // SAFETY: a zeroed cpu_set_t is a valid empty set.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    // SAFETY: CPU_SET writes the bit of `cpu` (< CPU_SETSIZE) into `set`.
    unsafe { libc::CPU_SET(cpu, &mut set) };
    // SAFETY: `set` is a valid cpu_set_t of the size passed.
    let set_ok = unsafe {
        libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set)
    };
    assert_eq!(set_ok, 0, "sched_setaffinity");
}

/// An inproc pair for the registration tests: the calling thread is
/// pinned to one CPU first (see the module docs).
fn pair(hwm: i32) -> (Ctx, Scatter, Gather) {
    pin_to_one_cpu();
    unpinned_pair(hwm)
}

fn unpinned_pair(hwm: i32) -> (Ctx, Scatter, Gather) {
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

/// A waker that sends its name on a channel when woken.
fn named_waker(
    name: &'static str,
    tx: &std::sync::mpsc::Sender<&'static str>,
) -> Waker {
    struct Named(
        std::sync::Mutex<std::sync::mpsc::Sender<&'static str>>,
        &'static str,
    );
    impl Wake for Named {
        fn wake(self: Arc<Self>) {
            let _ = self.0.lock().unwrap().send(self.1);
        }
    }
    Waker::from(Arc::new(Named(std::sync::Mutex::new(tx.clone()), name)))
}

/// Expects `Ready(Err(WouldBlock))`.
fn timed_out<F, T>(future: &mut F, waker: &Waker) -> bool
where
    F: Future<Output = Result<T, Error>> + Unpin,
{
    matches!(
        poll(future, waker),
        Poll::Ready(Err(err)) if err.kind() == ErrorKind::WouldBlock
    )
}

/// The socket's waits share one alarm in the timer: a wait whose deadline
/// is later relies on the sooner one's, is woken with it, waits again and
/// times out at its own deadline; a sooner deadline sets a sooner alarm.
#[test]
fn waits_with_different_deadlines_each_time_out_at_their_own() {
    let (_ctx, _scatter, gather) = pair(10);
    let (tx, rx) = std::sync::mpsc::channel();
    let (short, long) = (named_waker("short", &tx), named_waker("long", &tx));
    let started = std::time::Instant::now();
    let next = || rx.recv_timeout(TIMEOUT).expect("a wake-up");

    gather
        .set_recv_timeout(Some(Duration::from_millis(30)))
        .unwrap();
    let mut first = gather.recv_msg_async();
    assert!(poll(&mut first, &short).is_pending());
    gather
        .set_recv_timeout(Some(Duration::from_millis(600)))
        .unwrap();
    let mut second = gather.recv_msg_async();
    assert!(poll(&mut second, &long).is_pending());
    // The first alarm wakes both; only the first's deadline passed.
    let mut woken = [next(), next()];
    woken.sort();
    assert_eq!(woken, ["long", "short"]);
    assert!(started.elapsed() >= Duration::from_millis(30));
    assert!(timed_out(&mut first, &short));
    assert!(poll(&mut second, &long).is_pending());
    assert_eq!(next(), "long");
    assert!(started.elapsed() >= Duration::from_millis(600));
    assert!(timed_out(&mut second, &long));

    // The other way round: a sooner deadline after a later one.
    let started = std::time::Instant::now();
    gather
        .set_recv_timeout(Some(Duration::from_secs(3600)))
        .unwrap();
    let mut later = gather.recv_msg_async();
    assert!(poll(&mut later, &long).is_pending());
    gather
        .set_recv_timeout(Some(Duration::from_millis(20)))
        .unwrap();
    let mut sooner = gather.recv_msg_async();
    assert!(poll(&mut sooner, &short).is_pending());
    let mut woken = [next(), next()];
    woken.sort();
    assert_eq!(woken, ["long", "short"]);
    assert!(started.elapsed() >= Duration::from_millis(20));
    assert!(started.elapsed() < Duration::from_secs(3600));
    assert!(timed_out(&mut sooner, &short));
    assert!(poll(&mut later, &long).is_pending());
    drop(later);
}

/// Polls `future` until a poll leaves it pending without waking it (it
/// registered instead of re-polling itself); returns how many polls woke
/// it at once. Bounded by [`TIMEOUT`].
fn polls_until_registered<F: Future + Unpin>(
    future: &mut F,
    waker: &Waker,
    woken: &Count,
) -> usize {
    let started = std::time::Instant::now();
    let mut spins = 0;
    loop {
        let before = woken.0.load(SeqCst);
        assert!(poll(future, waker).is_pending());
        if woken.0.load(SeqCst) == before {
            return spins;
        }
        spins += 1;
        assert!(started.elapsed() < TIMEOUT, "the spin never ended");
    }
}

/// Between inproc sockets, on a thread that may use several CPUs, a wait
/// first has the task polled again at once, for a few microseconds, then
/// registers like any other; on one CPU it registers at once.
#[test]
fn an_inproc_wait_re_polls_briefly_before_it_registers() {
    let (_ctx, scatter, gather) = unpinned_pair(10);
    let spins_expected = cpus_allowed() > 1;
    let (woken, waker) = counting_waker();
    let mut recv = gather.recv_msg_async();
    let spins = polls_until_registered(&mut recv, &waker, &woken);
    assert_eq!(spins > 0, spins_expected, "{spins} self-wakes");
    // Registered now: the next message wakes it once.
    woken.0.store(0, SeqCst);
    scatter.send("one").unwrap();
    assert_eq!(woken.0.load(SeqCst), 1);
    match poll(&mut recv, &waker) {
        Poll::Ready(Ok(msg)) => assert_eq!(msg.to_str().unwrap(), "one"),
        other => panic!("expected the message, got {other:?}"),
    }
    // A message that comes during the spin is taken by a re-poll.
    let mut recv = gather.recv_msg_async();
    assert!(poll(&mut recv, &waker).is_pending());
    scatter.send("two").unwrap();
    match poll(&mut recv, &waker) {
        Poll::Ready(Ok(msg)) => assert_eq!(msg.to_str().unwrap(), "two"),
        other => panic!("expected the message, got {other:?}"),
    }
}

/// A peer behind an engine (TCP) is served by an I/O thread that a
/// spinning task would keep off the CPU: such a wait registers at once.
#[test]
fn a_wait_on_a_tcp_peer_registers_at_once() {
    let gather = GatherBuilder::new()
        .bind(TcpAddr::try_from("127.0.0.1:*").unwrap())
        .recv_timeout(TIMEOUT)
        .build()
        .unwrap();
    let scatter = ScatterBuilder::new()
        .connect(gather.last_endpoint().unwrap())
        .build()
        .unwrap();
    // Connected (a peer arriving during the polls would wake the task).
    scatter.send("hello").unwrap();
    assert_eq!(gather.recv_msg().unwrap().to_str().unwrap(), "hello");
    let (woken, waker) = counting_waker();
    let mut recv = gather.recv_msg_async();
    assert_eq!(polls_until_registered(&mut recv, &waker, &woken), 0);
}
