//! Where a socket's events go: one [`MonitorHub`] per socket holds the
//! queues of its monitors; the socket and its I/O threads emit through it.
//!
//! Emitting first reads one atomic flag: with no monitor attached an event
//! is not even built. With monitors, the event is built once and cloned
//! into each bounded queue under that queue's short lock; a full queue
//! drops its oldest event and counts it, so emitting never waits for a
//! reader.

use super::event::{Event, EventKind};
use crate::addr::Endpoint;
use parking_lot::{Condvar, Mutex};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::task::Waker;
use std::time::{Instant, SystemTime};

/// The monitors of one socket. See the module docs.
#[derive(Default)]
pub(crate) struct MonitorHub {
    /// Whether `queues` may hold a live queue (checked before any work).
    active: AtomicBool,
    queues: Mutex<Vec<Weak<Queue>>>,
}

impl std::fmt::Debug for MonitorHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MonitorHub")
            .field("active", &self.is_active())
            .finish()
    }
}

impl MonitorHub {
    pub(crate) fn new() -> Arc<MonitorHub> {
        Arc::new(MonitorHub::default())
    }

    /// A new queue of at most `capacity` events that receives every event
    /// emitted from now on.
    pub(crate) fn subscribe(&self, capacity: usize) -> Arc<Queue> {
        let queue = Arc::new(Queue::new(capacity));
        let mut queues = self.queues.lock();
        queues.retain(|q| q.strong_count() > 0);
        queues.push(Arc::downgrade(&queue));
        self.active.store(true, Ordering::Release);
        queue
    }

    /// Whether any monitor may be listening.
    #[inline]
    pub(crate) fn is_active(&self) -> bool {
        self.active.load(Ordering::Acquire)
    }

    /// Emits the event `kind` builds, if any monitor listens (`kind` is
    /// not called otherwise).
    #[inline]
    pub(crate) fn emit(
        &self,
        endpoint: &Endpoint,
        kind: impl FnOnce() -> EventKind,
    ) {
        if self.is_active() {
            self.deliver(Event {
                endpoint: endpoint.clone(),
                time: SystemTime::now(),
                kind: kind(),
            });
        }
    }

    fn deliver(&self, event: Event) {
        let mut queues = self.queues.lock();
        queues.retain(|queue| match queue.upgrade() {
            Some(queue) => {
                queue.push(event.clone());
                true
            }
            None => false,
        });
        if queues.is_empty() {
            self.active.store(false, Ordering::Release);
        }
    }
}

impl Drop for MonitorHub {
    /// The socket and all its connections are gone: the monitors end once
    /// they have read what is queued.
    fn drop(&mut self) {
        for queue in self.queues.get_mut().drain(..) {
            if let Some(queue) = queue.upgrade() {
                queue.close();
            }
        }
    }
}

/// What emits the events of one endpoint: the socket's hub and the
/// endpoint's address (cloned into the endpoint's listener, connecter and
/// engines).
#[derive(Clone, Debug)]
pub(crate) struct Tap {
    hub: Arc<MonitorHub>,
    endpoint: Arc<Endpoint>,
}

impl Tap {
    pub(crate) fn new(hub: Arc<MonitorHub>, endpoint: Endpoint) -> Tap {
        Tap {
            hub,
            endpoint: Arc::new(endpoint),
        }
    }

    /// Emits the event `kind` builds, if any monitor listens.
    #[inline]
    pub(crate) fn emit(&self, kind: impl FnOnce() -> EventKind) {
        self.hub.emit(&self.endpoint, kind)
    }
}

/// The bounded queue of one monitor.
pub(crate) struct Queue {
    ring: Mutex<Ring>,
    cond: Condvar,
    capacity: usize,
}

struct Ring {
    events: VecDeque<Event>,
    dropped: u64,
    /// The socket is gone: no more events will come.
    closed: bool,
    /// The task waiting in `poll_next` / `next_event`.
    waker: Option<Waker>,
}

impl Queue {
    fn new(capacity: usize) -> Queue {
        let capacity = capacity.max(1);
        Queue {
            ring: Mutex::new(Ring {
                events: VecDeque::with_capacity(capacity.min(64)),
                dropped: 0,
                closed: false,
                waker: None,
            }),
            cond: Condvar::new(),
            capacity,
        }
    }

    /// Queues `event`, dropping the oldest one when full, and wakes the
    /// reader.
    fn push(&self, event: Event) {
        let waker = {
            let mut ring = self.ring.lock();
            if ring.events.len() == self.capacity {
                ring.events.pop_front();
                ring.dropped += 1;
            }
            ring.events.push_back(event);
            ring.waker.take()
        };
        self.wake(waker);
    }

    fn close(&self) {
        let waker = {
            let mut ring = self.ring.lock();
            ring.closed = true;
            ring.waker.take()
        };
        self.wake(waker);
    }

    fn wake(&self, waker: Option<Waker>) {
        self.cond.notify_all();
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// The oldest event, if one is queued.
    pub(crate) fn try_pop(&self) -> Option<Event> {
        self.ring.lock().events.pop_front()
    }

    /// The oldest event, waiting until `deadline` (`None`: no limit) for
    /// one. `None`: timed out, or closed and empty.
    pub(crate) fn pop_until(&self, deadline: Option<Instant>) -> Option<Event> {
        let mut ring = self.ring.lock();
        loop {
            if let Some(event) = ring.events.pop_front() {
                return Some(event);
            }
            if ring.closed {
                return None;
            }
            match deadline {
                Some(at) => {
                    if self.cond.wait_until(&mut ring, at).timed_out() {
                        return ring.events.pop_front();
                    }
                }
                None => self.cond.wait(&mut ring),
            }
        }
    }

    /// The oldest event, or `Ready(None)` when closed and empty; else
    /// `waker` is woken by the next event.
    pub(crate) fn poll_pop(
        &self,
        waker: &Waker,
    ) -> std::task::Poll<Option<Event>> {
        let mut ring = self.ring.lock();
        if let Some(event) = ring.events.pop_front() {
            return std::task::Poll::Ready(Some(event));
        }
        if ring.closed {
            return std::task::Poll::Ready(None);
        }
        if !ring.waker.as_ref().is_some_and(|w| w.will_wake(waker)) {
            ring.waker = Some(waker.clone());
        }
        std::task::Poll::Pending
    }

    /// Events dropped because the queue was full.
    pub(crate) fn dropped(&self) -> u64 {
        self.ring.lock().dropped
    }

    /// Events waiting.
    pub(crate) fn len(&self) -> usize {
        self.ring.lock().events.len()
    }

    /// Whether no more events will come (the queue may still hold some).
    pub(crate) fn is_closed(&self) -> bool {
        self.ring.lock().closed
    }

    pub(crate) fn capacity(&self) -> usize {
        self.capacity
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::InprocAddr;

    fn endpoint() -> Endpoint {
        InprocAddr::new_unique().into()
    }

    #[test]
    fn nothing_is_built_without_a_monitor() {
        let hub = MonitorHub::new();
        hub.emit(&endpoint(), || panic!("built an event nobody reads"));
        let queue = hub.subscribe(4);
        drop(queue);
        hub.emit(&endpoint(), || EventKind::Closed);
        assert!(!hub.is_active(), "a dropped monitor is forgotten");
        hub.emit(&endpoint(), || panic!("built an event nobody reads"));
    }

    #[test]
    fn full_queue_drops_the_oldest_and_counts() {
        let hub = MonitorHub::new();
        let queue = hub.subscribe(2);
        let other = hub.subscribe(8);
        let endpoint = endpoint();
        hub.emit(&endpoint, || EventKind::Listening);
        hub.emit(&endpoint, || EventKind::ConnectDelayed);
        hub.emit(&endpoint, || EventKind::Closed);
        assert_eq!(queue.dropped(), 1);
        assert_eq!(queue.len(), 2);
        assert!(matches!(
            queue.try_pop().unwrap().kind,
            EventKind::ConnectDelayed
        ));
        assert!(matches!(queue.try_pop().unwrap().kind, EventKind::Closed));
        assert!(queue.try_pop().is_none());
        assert_eq!(other.len(), 3, "each monitor gets every event");
        assert_eq!(other.dropped(), 0);
    }

    #[test]
    fn dropping_the_hub_ends_the_queues_after_their_events() {
        let hub = MonitorHub::new();
        let queue = hub.subscribe(4);
        hub.emit(&endpoint(), || EventKind::Unbound);
        let waiter = {
            let queue = queue.clone();
            std::thread::spawn(move || {
                let first = queue.pop_until(None).map(|e| e.kind);
                let second = queue.pop_until(None).map(|e| e.kind);
                (first, second)
            })
        };
        drop(hub);
        let (first, second) = waiter.join().unwrap();
        assert!(matches!(first, Some(EventKind::Unbound)));
        assert!(second.is_none());
        assert!(queue.is_closed());
    }

    #[test]
    fn pop_until_times_out() {
        let hub = MonitorHub::new();
        let queue = hub.subscribe(4);
        let at = Instant::now() + std::time::Duration::from_millis(20);
        assert!(queue.pop_until(Some(at)).is_none());
        assert!(Instant::now() >= at);
        assert!(!queue.is_closed());
    }
}
