//! The poller: registration errors, level-triggered readiness of sockets and
//! fds, timeouts, wake-ups from other threads, ctx shutdown.
//!
//! Every blocking poll is bounded by `common::TIMEOUT`; the wake-up tests
//! check that the poll returned well before it.

mod common;

use common::*;
use libzmq::{poll::*, prelude::*, *};
use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::os::unix::net::UnixStream;
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

/// A blocking poll bounded by the test timeout.
fn bounded() -> Period {
    Period::Finite(TIMEOUT)
}

/// "Well before the timeout": a wake-up that took longer was missed.
const PROMPTLY: Duration = Duration::from_secs(5);

fn ids(events: &Events) -> Vec<PollId> {
    events.iter().map(|event| event.id()).collect()
}

fn invalid_input(err: Error) -> &'static str {
    match err.kind() {
        ErrorKind::InvalidInput(msg) => msg,
        other => panic!("expected InvalidInput, got {other:?}"),
    }
}

/// An inproc Server and a Client connected to it, in `ctx`.
fn inproc_pair(ctx: &Ctx) -> (Server, Client) {
    let endpoint = inproc();
    let server = ServerBuilder::new()
        .bind(&endpoint)
        .recv_timeout(TIMEOUT)
        .send_timeout(TIMEOUT)
        .with_ctx(ctx.handle())
        .unwrap();
    let client = client_to(ctx, &endpoint);
    (server, client)
}

#[test]
fn trigger_values_and_combinations() {
    assert_eq!(EMPTY.bits(), 0);
    assert_eq!(READABLE.bits(), 1);
    assert_eq!(WRITABLE.bits(), 2);
    assert_eq!(READABLE, Trigger::READABLE);
    let either = READABLE | WRITABLE;
    assert!(either.contains(READABLE) && either.contains(WRITABLE));
    assert_eq!(either.bits(), 3);
    assert!(EMPTY.is_empty());
    assert_eq!(PollId::from(3), PollId(3));
    assert_eq!(usize::from(PollId(3)), 3);
}

#[test]
fn poller_is_send() {
    fn is_send<T: Send>() {}
    is_send::<Poller>();
    // And it does work from another thread.
    let ctx = ctx();
    let (server, client) = inproc_pair(&ctx);
    let mut poller = Poller::new();
    poller.add(&server, PollId(0), READABLE).unwrap();
    client.send("hi").unwrap();
    let ids = thread::spawn(move || {
        let mut events = Events::new();
        poller.poll(&mut events, bounded()).unwrap();
        ids(&events)
    })
    .join()
    .unwrap();
    assert_eq!(ids, vec![PollId(0)]);
}

#[test]
fn poll_a_server_and_a_tcp_listener_fd() {
    let ctx = ctx();
    let (server, endpoint) = tcp_server(&ctx);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let mut poller = Poller::new();
    poller.add(&server, PollId(0), READABLE).unwrap();
    poller
        .add(&listener, PollId(1), READABLE | WRITABLE)
        .unwrap();

    let mut events = Events::new();
    let err = poller.try_poll(&mut events).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::WouldBlock);

    // A pending connection makes the listener readable.
    let _stream = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    poller.poll(&mut events, bounded()).unwrap();
    assert_eq!(ids(&events), vec![PollId(1)]);
    let event = events.iter().next().unwrap();
    assert!(event.is_readable());
    assert!(!event.is_error());

    // A request makes the server readable too, in registration order.
    let client = client_to(&ctx, &endpoint);
    client.send("hello").unwrap();
    let deadline = Instant::now() + TIMEOUT;
    loop {
        poller.poll(&mut events, bounded()).unwrap();
        if ids(&events) == vec![PollId(0), PollId(1)] {
            break;
        }
        assert!(Instant::now() < deadline, "server never became readable");
        // The listener is still readable (level-triggered), so wait for the
        // server alone to avoid spinning.
        poller.modify(&listener, EMPTY).unwrap();
        poller.poll(&mut events, bounded()).unwrap();
        poller.modify(&listener, READABLE).unwrap();
    }
    assert_eq!(server.recv_msg().unwrap().to_str(), Ok("hello"));
}

#[test]
fn ping_pong_through_one_poller() {
    for tcp in [false, true] {
        let ctx = ctx();
        let endpoint: addr::Endpoint = if tcp {
            TcpAddr::try_from("127.0.0.1:*").unwrap().into()
        } else {
            inproc()
        };
        let server = ServerBuilder::new()
            .bind(endpoint)
            .recv_timeout(TIMEOUT)
            .send_timeout(TIMEOUT)
            .with_ctx(ctx.handle())
            .unwrap();
        let bound = server.last_endpoint().unwrap();
        let client = client_to(&ctx, &bound);

        let mut poller = Poller::new();
        poller.add(&server, PollId(0), READABLE).unwrap();
        poller.add(&client, PollId(1), READABLE).unwrap();
        client.send("ping").unwrap();

        let mut events = Events::new();
        let (mut served, mut answered) = (0, 0);
        for _ in 0..100 {
            poller.poll(&mut events, bounded()).unwrap();
            assert!(!events.is_empty());
            for event in &events {
                assert!(event.is_readable());
                match event.id() {
                    PollId(0) => {
                        let msg = server.recv_msg().unwrap();
                        assert_eq!(msg.to_str(), Ok("ping"));
                        // The echo keeps the routing id, so it goes back.
                        server.send(msg).unwrap();
                        served += 1;
                    }
                    PollId(1) => {
                        let msg = client.recv_msg().unwrap();
                        assert_eq!(msg.to_str(), Ok("ping"));
                        client.send(msg).unwrap();
                        answered += 1;
                    }
                    _ => unreachable!(),
                }
            }
        }
        assert_eq!(served + answered, 100);
        assert!(served >= 50 && answered >= 49, "{served} {answered}");
    }
}

#[test]
fn registration_errors_have_the_exact_messages() {
    let ctx = ctx();
    let server = Server::with_ctx(ctx.handle()).unwrap();
    let other = Server::with_ctx(ctx.handle()).unwrap();
    let (a, _b) = UnixStream::pair().unwrap();
    let mut poller = Poller::new();

    // Sockets.
    poller.add(&server, PollId(0), EMPTY).unwrap();
    let err = poller.add(&server, PollId(1), EMPTY).unwrap_err();
    assert_eq!(invalid_input(err), "cannot add socket twice");
    // A clone is the same socket.
    let clone = server.clone();
    let err = poller.add(&clone, PollId(1), READABLE).unwrap_err();
    assert_eq!(invalid_input(err), "cannot add socket twice");
    let err = poller.modify(&other, READABLE).unwrap_err();
    assert_eq!(invalid_input(err), "cannot modify absent socket");
    poller.remove(&server).unwrap();
    let err = poller.remove(&server).unwrap_err();
    assert_eq!(invalid_input(err), "cannot remove absent socket");
    let err = poller.modify(&server, READABLE).unwrap_err();
    assert_eq!(invalid_input(err), "cannot modify absent socket");

    // Fds.
    poller.add(&a, PollId(2), READABLE).unwrap();
    let err = poller.add(&a, PollId(3), WRITABLE).unwrap_err();
    assert_eq!(invalid_input(err), "cannot add fd twice");
    poller.modify(&a, WRITABLE).unwrap();
    poller.remove(&a).unwrap();
    let err = poller.remove(&a).unwrap_err();
    assert_eq!(invalid_input(err), "cannot remove absent fd");
    let err = poller.modify(&a, READABLE).unwrap_err();
    assert_eq!(invalid_input(err), "cannot modify absent fd");

    // The retired fd (-1).
    let err = poller
        .add(Pollable::Fd(-1), PollId(4), READABLE)
        .unwrap_err();
    assert_eq!(invalid_input(err), "specified fd was the retired fd");
    let err = poller.remove(Pollable::Fd(-1)).unwrap_err();
    assert_eq!(invalid_input(err), "specified fd was the retired fd");
    let err = poller.modify(Pollable::Fd(-1), READABLE).unwrap_err();
    assert_eq!(invalid_input(err), "specified fd is the retired fd");

    // Re-adding after a removal works.
    poller.add(&server, PollId(0), WRITABLE).unwrap();
    let mut events = Events::new();
    poller.try_poll(&mut events).unwrap();
    assert_eq!(ids(&events), vec![PollId(0)]);
}

#[test]
fn timeout_too_large_is_invalid_input() {
    let mut poller = Poller::new();
    let server = Server::new().unwrap();
    poller.add(&server, PollId(0), READABLE).unwrap();
    let mut events = Events::new();
    let huge = Period::Finite(Duration::from_secs(u64::MAX));
    let err = poller.poll(&mut events, huge).unwrap_err();
    assert_eq!(
        invalid_input(err),
        "ms in timeout must be less than i64::MAX"
    );
}

#[test]
fn empty_poller() {
    let mut poller = Poller::new();
    let mut events = Events::new();
    let err = poller.try_poll(&mut events).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::WouldBlock);
    let err = poller
        .poll(&mut events, Period::Finite(Duration::from_millis(5)))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::WouldBlock);
    // Polling nothing forever could never return.
    let err = poller.poll(&mut events, Period::Infinite).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::InvalidInput(_)));
}

#[test]
fn try_poll_with_nothing_ready_would_block_and_clears_events() {
    let ctx = ctx();
    let (server, client) = inproc_pair(&ctx);
    let mut poller = Poller::new();
    poller.add(&server, PollId(0), READABLE).unwrap();
    poller.add(&client, PollId(1), READABLE).unwrap();
    let mut events = Events::new();

    client.send("x").unwrap();
    poller.try_poll(&mut events).unwrap();
    assert_eq!(ids(&events), vec![PollId(0)]);
    server.recv_msg().unwrap();

    // The previous events are gone.
    let err = poller.try_poll(&mut events).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::WouldBlock);
    assert!(events.is_empty());
    assert_eq!(events.iter().count(), 0);
}

#[test]
fn poll_times_out_after_the_timeout() {
    let ctx = ctx();
    let (server, _client) = inproc_pair(&ctx);
    let (a, _b) = UnixStream::pair().unwrap();
    let mut poller = Poller::new();
    poller.add(&server, PollId(0), READABLE).unwrap();
    poller.add(&a, PollId(1), READABLE).unwrap();
    let mut events = Events::new();
    let start = Instant::now();
    let err = poller
        .poll(&mut events, Period::Finite(Duration::from_millis(50)))
        .unwrap_err();
    let elapsed = start.elapsed();
    assert_eq!(err.kind(), ErrorKind::WouldBlock);
    assert!(events.is_empty());
    assert!(elapsed >= Duration::from_millis(50), "{elapsed:?}");
    assert!(elapsed < PROMPTLY, "{elapsed:?}");

    // A zero timeout is a try_poll.
    let err = poller
        .poll(&mut events, Period::Finite(Duration::ZERO))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::WouldBlock);
}

#[test]
fn a_send_from_another_thread_wakes_a_blocked_poll() {
    let ctx = ctx();
    let (server, client) = inproc_pair(&ctx);
    let mut poller = Poller::new();
    poller.add(&server, PollId(7), READABLE).unwrap();
    let mut events = Events::new();

    let sender = thread::spawn(move || {
        // Not a synchronisation: the poll must return whether it started
        // before or after this send; the pause makes "before" likely.
        thread::sleep(Duration::from_millis(50));
        client.send("wake up").unwrap();
        client
    });
    let start = Instant::now();
    poller.poll(&mut events, bounded()).unwrap();
    assert!(start.elapsed() < PROMPTLY, "{:?}", start.elapsed());
    assert_eq!(ids(&events), vec![PollId(7)]);
    assert_eq!(server.recv_msg().unwrap().to_str(), Ok("wake up"));
    let _client = sender.join().unwrap();
}

#[test]
fn a_send_over_tcp_wakes_a_blocked_poll() {
    let ctx = ctx();
    let (server, endpoint) = tcp_server(&ctx);
    let client = client_to(&ctx, &endpoint);
    let mut poller = Poller::new();
    poller.add(&server, PollId(0), READABLE).unwrap();
    let mut events = Events::new();
    let sender = thread::spawn(move || {
        client.send("over tcp").unwrap();
        client
    });
    let start = Instant::now();
    poller.poll(&mut events, bounded()).unwrap();
    assert!(start.elapsed() < PROMPTLY);
    assert_eq!(server.recv_msg().unwrap().to_str(), Ok("over tcp"));
    let _client = sender.join().unwrap();
}

/// Many rounds of "another thread sends while we poll", racing the arming
/// of the poller against the send: a lost wake-up would hang a round until
/// its timeout.
#[test]
fn no_lost_wake_ups() {
    const ROUNDS: usize = 500;
    let ctx = ctx();
    let (server, client) = inproc_pair(&ctx);
    let mut poller = Poller::new();
    poller.add(&server, PollId(0), READABLE).unwrap();
    let barrier = Arc::new(Barrier::new(2));
    let sender = {
        let barrier = barrier.clone();
        thread::spawn(move || {
            for round in 0..ROUNDS {
                barrier.wait();
                client.send(round.to_string().as_str()).unwrap();
            }
        })
    };
    let mut events = Events::new();
    let start = Instant::now();
    for round in 0..ROUNDS {
        barrier.wait();
        poller.poll(&mut events, bounded()).unwrap();
        assert_eq!(ids(&events), vec![PollId(0)]);
        let msg = server.try_recv_msg().unwrap();
        assert_eq!(msg.to_str(), Ok(round.to_string().as_str()));
    }
    assert!(start.elapsed() < PROMPTLY, "{:?}", start.elapsed());
    sender.join().unwrap();
}

#[test]
fn a_write_on_a_polled_fd_wakes_a_blocked_poll() {
    let (mut a, b) = UnixStream::pair().unwrap();
    let mut poller = Poller::new();
    poller.add(&b, PollId(3), READABLE).unwrap();
    let mut events = Events::new();
    let err = poller.try_poll(&mut events).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::WouldBlock);

    let writer = thread::spawn(move || {
        // Not a synchronisation (see above).
        thread::sleep(Duration::from_millis(50));
        a.write_all(b"x").unwrap();
        a
    });
    let start = Instant::now();
    poller.poll(&mut events, bounded()).unwrap();
    assert!(start.elapsed() < PROMPTLY);
    let event = events.iter().next().unwrap();
    assert_eq!(event.id(), PollId(3));
    assert!(event.is_readable());
    assert!(!event.is_writable() && !event.is_error() && !event.is_priority());
    let a = writer.join().unwrap();

    // The peer hanging up is reported as an error (and as readable: EOF).
    drop(a);
    poller.poll(&mut events, bounded()).unwrap();
    let event = events.iter().next().unwrap();
    assert!(event.is_readable());
    assert!(event.is_error());
}

#[test]
fn fds_and_sockets_together() {
    let ctx = ctx();
    let (server, client) = inproc_pair(&ctx);
    let (mut a, b) = UnixStream::pair().unwrap();
    let mut poller = Poller::new();
    poller.add(&b, PollId(0), READABLE).unwrap();
    poller.add(&server, PollId(1), READABLE).unwrap();
    poller.add(&a, PollId(2), WRITABLE).unwrap();
    let mut events = Events::new();

    // Only the unix socket `a` is writable.
    poller.try_poll(&mut events).unwrap();
    assert_eq!(ids(&events), vec![PollId(2)]);
    poller.modify(&a, EMPTY).unwrap();

    // A socket wake-up while only fds are otherwise watched.
    let sender = thread::spawn(move || {
        client.send("m").unwrap();
        client
    });
    poller.poll(&mut events, bounded()).unwrap();
    assert_eq!(ids(&events), vec![PollId(1)]);
    let _client = sender.join().unwrap();

    // Everything ready: reported in registration order.
    a.write_all(b"y").unwrap();
    poller.modify(&a, WRITABLE).unwrap();
    poller.poll(&mut events, bounded()).unwrap();
    assert_eq!(ids(&events), vec![PollId(0), PollId(1), PollId(2)]);
}

#[test]
fn ctx_shutdown_wakes_a_blocked_poll() {
    let ctx = ctx();
    let (server, _client) = inproc_pair(&ctx);
    let mut poller = Poller::new();
    poller.add(&server, PollId(0), READABLE).unwrap();
    let mut events = Events::new();
    let handle = ctx.handle();
    let stopper = thread::spawn(move || {
        // Not a synchronisation (see above).
        thread::sleep(Duration::from_millis(50));
        handle.shutdown();
    });
    let start = Instant::now();
    let err = poller.poll(&mut events, Period::Infinite).unwrap_err();
    assert!(start.elapsed() < PROMPTLY);
    assert_eq!(err.kind(), ErrorKind::InvalidCtx);
    assert!(events.is_empty());
    stopper.join().unwrap();

    // And every later poll fails the same way.
    let err = poller.try_poll(&mut events).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidCtx);
}

#[test]
fn polling_is_level_triggered() {
    let ctx = ctx();
    let (server, client) = inproc_pair(&ctx);
    let mut poller = Poller::new();
    poller.add(&server, PollId(0), READABLE).unwrap();
    client.send("a").unwrap();
    client.send("b").unwrap();
    let mut events = Events::new();
    for _ in 0..3 {
        poller.poll(&mut events, bounded()).unwrap();
        assert_eq!(ids(&events), vec![PollId(0)]);
    }
    server.recv_msg().unwrap();
    poller.try_poll(&mut events).unwrap();
    assert_eq!(ids(&events), vec![PollId(0)]);
    server.recv_msg().unwrap();
    let err = poller.try_poll(&mut events).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::WouldBlock);
}

#[test]
fn both_events_iterators_skip_empty_events() {
    let ctx = ctx();
    let (server, client) = inproc_pair(&ctx);
    let other = Server::with_ctx(ctx.handle()).unwrap();
    let (a, _b) = UnixStream::pair().unwrap();
    let mut poller = Poller::new();
    poller.add(&server, PollId(0), READABLE).unwrap();
    poller.add(&client, PollId(1), READABLE | WRITABLE).unwrap();
    poller.add(&other, PollId(2), EMPTY).unwrap();
    poller.add(&a, PollId(3), READABLE).unwrap();
    client.send("x").unwrap();
    let mut events = Events::with_capacity(8);
    assert!(events.capacity() >= 8);
    poller.poll(&mut events, bounded()).unwrap();

    let non_empty =
        |e: &Event| e.is_readable() || e.is_writable() || e.is_error();
    let by_ref: Vec<Event> = (&events).into_iter().collect();
    let by_iter: Vec<Event> = events.iter().collect();
    let by_value: Vec<Event> = events.clone().into_iter().collect();
    assert_eq!(by_ref, by_iter);
    assert_eq!(by_ref, by_value);
    assert!(by_value.iter().all(non_empty));
    let ids: Vec<PollId> = by_value.iter().map(Event::id).collect();
    assert_eq!(ids, vec![PollId(0), PollId(1)]);
    assert!(by_value[0].is_readable() && !by_value[0].is_writable());
    assert!(by_value[1].is_writable() && !by_value[1].is_readable());

    events.clear();
    assert!(events.is_empty());
    assert_eq!(events.into_iter().count(), 0);
}

#[test]
fn a_client_without_peer_is_not_writable_until_it_connects() {
    let ctx = ctx();
    let endpoint = inproc();
    let server = ServerBuilder::new()
        .bind(&endpoint)
        .with_ctx(ctx.handle())
        .unwrap();
    let client = Client::with_ctx(ctx.handle()).unwrap();
    let mut poller = Poller::new();
    poller.add(&client, PollId(0), WRITABLE).unwrap();
    poller.add(&server, PollId(1), EMPTY).unwrap();
    let mut events = Events::new();
    let err = poller.try_poll(&mut events).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::WouldBlock);

    // A connect from another thread wakes the blocked poll.
    let connector = {
        let client = client.clone();
        thread::spawn(move || client.connect(endpoint).unwrap())
    };
    let start = Instant::now();
    poller.poll(&mut events, bounded()).unwrap();
    assert!(start.elapsed() < PROMPTLY);
    assert_eq!(ids(&events), vec![PollId(0)]);
    assert!(events.iter().next().unwrap().is_writable());
    connector.join().unwrap();

    // A TCP connect also makes the client writable at once (it queues).
    let (_tcp_server, tcp_endpoint) = tcp_server(&ctx);
    let tcp_client = Client::with_ctx(ctx.handle()).unwrap();
    let mut poller = Poller::new();
    poller.add(&tcp_client, PollId(5), WRITABLE).unwrap();
    assert!(poller.try_poll(&mut events).is_err());
    tcp_client.connect(tcp_endpoint).unwrap();
    poller.try_poll(&mut events).unwrap();
    assert_eq!(ids(&events), vec![PollId(5)]);
}

#[test]
fn a_server_is_always_writable() {
    let ctx = ctx();
    let server = Server::with_ctx(ctx.handle()).unwrap();
    let mut poller = Poller::new();
    poller.add(&server, PollId(0), READABLE | WRITABLE).unwrap();
    let mut events = Events::new();
    poller.try_poll(&mut events).unwrap();
    let event = events.iter().next().unwrap();
    assert!(event.is_writable() && !event.is_readable());
}

#[test]
fn room_in_a_full_queue_wakes_a_writability_poll() {
    let ctx = ctx();
    let endpoint = inproc();
    let server = ServerBuilder::new()
        .bind(&endpoint)
        .recv_hwm(1)
        .recv_timeout(TIMEOUT)
        .with_ctx(ctx.handle())
        .unwrap();
    let client = ClientBuilder::new()
        .connect(&endpoint)
        .send_hwm(1)
        .with_ctx(ctx.handle())
        .unwrap();
    let mut sent = 0;
    while client.try_send("fill").is_ok() {
        sent += 1;
        assert!(sent < 10_000, "the queue never filled up");
    }
    let mut poller = Poller::new();
    poller.add(&client, PollId(0), WRITABLE).unwrap();
    let mut events = Events::new();
    let err = poller.try_poll(&mut events).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::WouldBlock);

    let reader = thread::spawn(move || {
        // Not a synchronisation (see above).
        thread::sleep(Duration::from_millis(50));
        server.recv_msg().unwrap();
        server
    });
    let start = Instant::now();
    poller.poll(&mut events, bounded()).unwrap();
    assert!(start.elapsed() < PROMPTLY);
    assert_eq!(ids(&events), vec![PollId(0)]);
    client.try_send("one more").unwrap();
    let _server = reader.join().unwrap();
}

#[test]
fn removed_and_dropped_items_are_not_reported() {
    let ctx = ctx();
    let (server, client) = inproc_pair(&ctx);
    let writable = Server::with_ctx(ctx.handle()).unwrap();
    let mut poller = Poller::new();
    poller.add(&server, PollId(0), READABLE).unwrap();
    poller.add(&writable, PollId(1), WRITABLE).unwrap();
    client.send("x").unwrap();
    let mut events = Events::new();
    poller.try_poll(&mut events).unwrap();
    assert_eq!(ids(&events), vec![PollId(0), PollId(1)]);

    poller.remove(&server).unwrap();
    poller.try_poll(&mut events).unwrap();
    assert_eq!(ids(&events), vec![PollId(1)]);

    // A socket dropped while registered is never reported again.
    drop(writable);
    let err = poller.try_poll(&mut events).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::WouldBlock);

    // Changing the trigger takes effect at once.
    poller.add(&server, PollId(0), EMPTY).unwrap();
    assert!(poller.try_poll(&mut events).is_err());
    poller.modify(&server, READABLE).unwrap();
    poller.try_poll(&mut events).unwrap();
    assert_eq!(ids(&events), vec![PollId(0)]);
}

#[test]
fn dropping_a_poller_releases_the_sockets() {
    // The ctx waits for its sockets on drop: the poller must not keep them.
    let ctx = ctx();
    let (server, client) = inproc_pair(&ctx);
    let mut poller = Poller::new();
    poller.add(&server, PollId(0), READABLE).unwrap();
    poller.add(&client, PollId(1), READABLE).unwrap();
    drop(server);
    drop(client);
    drop(ctx);
    // The poller outlives them and still works.
    let mut events = Events::new();
    assert!(poller.try_poll(&mut events).is_err());
    assert_eq!(poller, poller);
    assert_ne!(poller, Poller::new());
    assert!(format!("{poller:?}").contains("Poller"));
}

#[test]
fn several_pollers_on_one_socket() {
    let ctx = ctx();
    let (server, client) = inproc_pair(&ctx);
    let mut first = Poller::new();
    let mut second = Poller::new();
    first.add(&server, PollId(0), READABLE).unwrap();
    second.add(&server, PollId(1), READABLE).unwrap();
    let waiter = {
        let mut events = Events::new();
        thread::spawn(move || {
            second.poll(&mut events, bounded()).unwrap();
            ids(&events)
        })
    };
    let sender = thread::spawn(move || {
        client.send("both").unwrap();
        client
    });
    let mut events = Events::new();
    first.poll(&mut events, bounded()).unwrap();
    assert_eq!(ids(&events), vec![PollId(0)]);
    assert_eq!(waiter.join().unwrap(), vec![PollId(1)]);
    let _client = sender.join().unwrap();
    // Dropping one poller leaves the other working.
    drop(first);
    server.recv_msg().unwrap();
}

/// CPU time used by the calling thread.
#[cfg(target_os = "linux")]
fn thread_cpu_time() -> Duration {
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `usage` is a valid rusage to fill.
    assert_eq!(
        unsafe { libc::getrusage(libc::RUSAGE_THREAD, &mut usage) },
        0
    );
    let micros =
        |tv: libc::timeval| tv.tv_sec as u64 * 1_000_000 + tv.tv_usec as u64;
    Duration::from_micros(micros(usage.ru_utime) + micros(usage.ru_stime))
}

/// A poll waiting for a socket sleeps: it does not spin, even while the
/// watched sockets are busy with traffic it is not waiting for.
#[cfg(target_os = "linux")]
#[test]
fn a_blocked_poll_does_not_spin() {
    let ctx = ctx();
    let (server, client) = inproc_pair(&ctx);
    let mut poller = Poller::new();
    // The server is busy receiving, but we only wait for the client.
    poller.add(&client, PollId(0), READABLE).unwrap();
    poller.add(&server, PollId(1), EMPTY).unwrap();
    // Traffic on the server wakes the poller up (its signal fires), which
    // must then go back to sleep.
    let receiver = thread::spawn(move || {
        for _ in 0..200 {
            server.recv_msg().unwrap();
        }
        server
    });
    let sender = {
        let client = client.clone();
        thread::spawn(move || {
            for _ in 0..200 {
                client.send("noise").unwrap();
            }
        })
    };
    let mut events = Events::new();
    let cpu = thread_cpu_time();
    let start = Instant::now();
    let err = poller
        .poll(&mut events, Period::Finite(Duration::from_millis(300)))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::WouldBlock);
    assert!(start.elapsed() >= Duration::from_millis(300));
    let used = thread_cpu_time() - cpu;
    assert!(used < Duration::from_millis(100), "the poll spun: {used:?}");
    sender.join().unwrap();
    let _server = receiver.join().unwrap();
}
