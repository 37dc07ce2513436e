//! Observing a socket: typed events of its endpoints and connections.
//!
//! [`Socket::monitor`](crate::prelude::Socket::monitor) returns a
//! [`Monitor`], a receiver of [`Event`]s: listening, bind failed, accepted,
//! accept failed, connect delayed, connect retried, connected, handshake
//! succeeded (who the peer is) or failed (why), disconnected (why), closed,
//! unbound. Read it blocking (with or without a timeout), without waiting,
//! as an iterator, or from async code ([`Monitor::next_event`], or as a
//! `futures_core::Stream` with the default `futures` feature; no runtime
//! needed).
//!
//! Monitoring never slows the socket down nor blocks it: each monitor has a
//! bounded queue, and when nobody reads it the oldest events are dropped
//! and counted ([`Monitor::dropped`]). A socket without monitors does not
//! even build its events. A socket can have several monitors; each gets
//! every event emitted after it was created. A monitor ends (its iterator
//! stops, `recv` returns `None`) once the socket and all its connections
//! are gone and it read what was queued.
//!
//! # Example
//! ```
//! use libzmq::{monitor::EventKind, prelude::*, *};
//! use std::time::Duration;
//!
//! let server = Server::new()?;
//! let events = server.monitor();
//! let addr: TcpAddr = "127.0.0.1:*".try_into()?;
//! server.bind(addr)?;
//! let client = ClientBuilder::new().connect(server.last_endpoint()?).build()?;
//!
//! let timeout = Duration::from_secs(10);
//! assert!(matches!(events.recv_timeout(timeout).unwrap().kind, EventKind::Listening));
//! assert!(matches!(events.recv_timeout(timeout).unwrap().kind, EventKind::Accepted { .. }));
//! let event = events.recv_timeout(timeout).unwrap();
//! let EventKind::HandshakeSucceeded { peer } = &event.kind else {
//!     panic!("unexpected {event}");
//! };
//! assert_eq!(peer.socket_type(), Some("CLIENT"));
//! println!("{event}"); // tcp://127.0.0.1:..... handshake succeeded (NULL, CLIENT, ...)
//! # Ok::<(), anyhow::Error>(())
//! ```

mod event;
pub(crate) mod hub;

pub use event::{DisconnectReason, Event, EventKind, HandshakeFailure};

use hub::Queue;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// How many events a monitor keeps by default before it drops the oldest.
pub const DEFAULT_CAPACITY: usize = 1024;

/// A receiver of a socket's [`Event`]s. See the [module docs](self).
///
/// Iterating blocks for each event and ends when the socket is gone;
/// [`try_iter`](Monitor::try_iter) takes only what is queued.
pub struct Monitor {
    queue: Arc<Queue>,
}

impl std::fmt::Debug for Monitor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Monitor")
            .field("queued", &self.queue.len())
            .field("dropped", &self.dropped())
            .finish()
    }
}

impl Monitor {
    pub(crate) fn new(queue: Arc<Queue>) -> Monitor {
        Monitor { queue }
    }

    /// The next event, waiting as long as it takes. `None`: the socket and
    /// its connections are gone and every event was read.
    pub fn recv(&self) -> Option<Event> {
        self.queue.pop_until(None)
    }

    /// The next event, waiting at most `timeout`. `None`: nothing came in
    /// time, or the monitor ended ([`is_closed`](Monitor::is_closed)).
    pub fn recv_timeout(&self, timeout: Duration) -> Option<Event> {
        self.queue.pop_until(Instant::now().checked_add(timeout))
    }

    /// The next event if one is queued, without waiting.
    pub fn try_recv(&self) -> Option<Event> {
        self.queue.try_pop()
    }

    /// The queued events, without waiting.
    pub fn try_iter(&self) -> impl Iterator<Item = Event> + '_ {
        std::iter::from_fn(|| self.try_recv())
    }

    /// The next event, for async code: resolves to `None` when the monitor
    /// ended. Works with any executor (a waker is stored, no runtime is
    /// used). One task at a time should wait on a given monitor.
    pub fn next_event(&self) -> NextEvent<'_> {
        NextEvent { monitor: self }
    }

    /// How many events were dropped because this monitor's queue was full.
    pub fn dropped(&self) -> u64 {
        self.queue.dropped()
    }

    /// How many events are waiting.
    pub fn len(&self) -> usize {
        self.queue.len()
    }

    /// Whether no event is waiting.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many events the queue keeps before dropping the oldest.
    pub fn capacity(&self) -> usize {
        self.queue.capacity()
    }

    /// Whether the socket and its connections are gone (no more events
    /// will come; some may still be queued).
    pub fn is_closed(&self) -> bool {
        self.queue.is_closed()
    }
}

impl Iterator for Monitor {
    type Item = Event;

    /// Blocks for the next event; `None` once the monitor ended.
    fn next(&mut self) -> Option<Event> {
        self.recv()
    }
}

/// With the `futures` feature (on by default).
#[cfg(feature = "futures")]
impl futures_core::Stream for Monitor {
    type Item = Event;

    fn poll_next(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Event>> {
        self.queue.poll_pop(cx.waker())
    }
}

/// The future of [`Monitor::next_event`].
#[derive(Debug)]
#[must_use = "futures do nothing unless polled"]
pub struct NextEvent<'a> {
    monitor: &'a Monitor,
}

impl Future for NextEvent<'_> {
    type Output = Option<Event>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Event>> {
        self.monitor.queue.poll_pop(cx.waker())
    }
}

#[cfg(test)]
mod tests {
    use super::hub::MonitorHub;
    use super::*;
    use crate::InprocAddr;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::{Wake, Waker};

    struct CountWakes(AtomicUsize);

    impl Wake for CountWakes {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn next_event_is_woken_by_an_event_and_by_the_end() {
        let hub = MonitorHub::new();
        let monitor = Monitor::new(hub.subscribe(4));
        let wakes = Arc::new(CountWakes(AtomicUsize::new(0)));
        let waker = Waker::from(wakes.clone());
        let mut cx = Context::from_waker(&waker);
        let mut next = monitor.next_event();
        assert!(Pin::new(&mut next).poll(&mut cx).is_pending());
        let endpoint = InprocAddr::new_unique().into();
        hub.emit(&endpoint, || EventKind::Listening);
        assert_eq!(wakes.0.load(Ordering::SeqCst), 1);
        match Pin::new(&mut next).poll(&mut cx) {
            Poll::Ready(Some(event)) => {
                assert!(matches!(event.kind, EventKind::Listening))
            }
            other => panic!("unexpected {other:?}"),
        }
        let mut next = monitor.next_event();
        assert!(Pin::new(&mut next).poll(&mut cx).is_pending());
        drop(hub);
        assert_eq!(wakes.0.load(Ordering::SeqCst), 2);
        assert!(matches!(
            Pin::new(&mut next).poll(&mut cx),
            Poll::Ready(None)
        ));
    }

    #[cfg(feature = "futures")]
    #[test]
    fn stream_yields_the_events_then_ends() {
        use futures_core::Stream;
        let hub = MonitorHub::new();
        let mut monitor = Monitor::new(hub.subscribe(4));
        let wakes = Arc::new(CountWakes(AtomicUsize::new(0)));
        let waker = Waker::from(wakes.clone());
        let mut cx = Context::from_waker(&waker);
        assert!(Pin::new(&mut monitor).poll_next(&mut cx).is_pending());
        let endpoint = InprocAddr::new_unique().into();
        hub.emit(&endpoint, || EventKind::Unbound);
        assert_eq!(wakes.0.load(Ordering::SeqCst), 1);
        assert!(matches!(
            Pin::new(&mut monitor).poll_next(&mut cx),
            Poll::Ready(Some(Event {
                kind: EventKind::Unbound,
                ..
            }))
        ));
        drop(hub);
        assert!(matches!(
            Pin::new(&mut monitor).poll_next(&mut cx),
            Poll::Ready(None)
        ));
    }

    #[test]
    fn iterator_ends_with_the_socket() {
        let hub = MonitorHub::new();
        let monitor = Monitor::new(hub.subscribe(4));
        let endpoint = InprocAddr::new_unique().into();
        hub.emit(&endpoint, || EventKind::Listening);
        hub.emit(&endpoint, || EventKind::Unbound);
        assert_eq!(monitor.len(), 2);
        drop(hub);
        assert_eq!(monitor.count(), 2);
    }
}
