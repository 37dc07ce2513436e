//! Per-socket counters: connected peers, messages and bytes in and out,
//! messages dropped at the high water mark.
//!
//! The send and receive paths count while they hold the socket's state lock
//! (which serialises them anyway): a relaxed load and store, no locked
//! instruction. Each path has a cache line of its own, as do the I/O
//! threads (connections, counted with atomic adds), so a thread that sends
//! and one that receives never share one.
//! [`Socket::counters`](crate::prelude::Socket::counters) reads a snapshot.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;

/// A snapshot of a socket's counters, from
/// [`Socket::counters`](crate::prelude::Socket::counters).
///
/// The fields are read one by one: a snapshot taken while messages flow
/// may be a few messages apart between fields.
///
/// # Example
/// ```
/// use libzmq::{prelude::*, *};
///
/// let addr = InprocAddr::new_unique();
/// let server = ServerBuilder::new().bind(&addr).build()?;
/// let client = ClientBuilder::new().connect(&addr).build()?;
/// client.send("hello")?;
/// let _ = server.recv_msg()?;
///
/// assert_eq!(client.counters().msgs_out, 1);
/// assert_eq!(client.counters().bytes_out, 5);
/// assert_eq!(server.counters().msgs_in, 1);
/// # Ok::<(), anyhow::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Counters {
    /// TCP and IPC connections whose handshake completed and that are
    /// still up (inproc and UDP peers have no connection to count).
    pub connected_peers: u64,
    /// Messages received by the application (`recv`).
    pub msgs_in: u64,
    /// Bytes of those messages.
    pub bytes_in: u64,
    /// Messages the socket accepted to send (`send`).
    pub msgs_out: u64,
    /// Bytes of those messages.
    pub bytes_out: u64,
    /// Copies of messages a peer missed because it was at its high water
    /// mark (Radio, PUB: a send never waits for a slow subscriber).
    pub dropped_at_hwm: u64,
}

/// Messages and their bytes, on a cache line of their own.
#[derive(Default)]
#[repr(align(64))]
struct Flow {
    msgs: AtomicU64,
    bytes: AtomicU64,
    /// Sending side only: copies dropped at a peer's HWM.
    dropped: AtomicU64,
}

/// Adds `n` to a counter only written under the socket's state lock: the
/// lock orders the writers, so a plain load and store is exact.
#[inline]
fn bump(cell: &AtomicU64, n: u64) {
    cell.store(cell.load(Relaxed).wrapping_add(n), Relaxed);
}

impl Flow {
    #[inline]
    fn add(&self, bytes: usize) {
        bump(&self.msgs, 1);
        bump(&self.bytes, bytes as u64);
    }
}

/// Connections up and down, on a cache line of their own (written by the
/// I/O threads).
#[derive(Default)]
#[repr(align(64))]
struct Connections {
    up: AtomicU64,
    down: AtomicU64,
}

/// The live counters of one socket. See the module docs.
#[derive(Default)]
pub(crate) struct CounterCells {
    received: Flow,
    sent: Flow,
    connections: Connections,
}

impl std::fmt::Debug for CounterCells {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.snapshot().fmt(f)
    }
}

impl CounterCells {
    pub(crate) fn new() -> Arc<CounterCells> {
        Arc::new(CounterCells::default())
    }

    /// The application received a message of `bytes` bytes (called with
    /// the socket's state lock held).
    #[inline]
    pub(crate) fn received(&self, bytes: usize) {
        self.received.add(bytes);
    }

    /// The socket accepted a message of `bytes` bytes to send (called with
    /// the socket's state lock held).
    #[inline]
    pub(crate) fn sent(&self, bytes: usize) {
        self.sent.add(bytes);
    }

    /// `copies` copies of a message were dropped at a peer's HWM (called
    /// with the socket's state lock held).
    #[inline]
    pub(crate) fn dropped(&self, copies: usize) {
        if copies > 0 {
            bump(&self.sent.dropped, copies as u64);
        }
    }

    /// A connection's handshake completed.
    pub(crate) fn connection_up(&self) {
        self.connections.up.fetch_add(1, Relaxed);
    }

    /// A connection whose handshake completed ended.
    pub(crate) fn connection_down(&self) {
        self.connections.down.fetch_add(1, Relaxed);
    }

    pub(crate) fn snapshot(&self) -> Counters {
        // Ends are read first: a connection that comes and goes meanwhile
        // is not seen ending before it started.
        let down = self.connections.down.load(Relaxed);
        let up = self.connections.up.load(Relaxed);
        Counters {
            connected_peers: up.saturating_sub(down),
            msgs_in: self.received.msgs.load(Relaxed),
            bytes_in: self.received.bytes.load(Relaxed),
            msgs_out: self.sent.msgs.load(Relaxed),
            bytes_out: self.sent.bytes.load(Relaxed),
            dropped_at_hwm: self.sent.dropped.load(Relaxed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_snapshots() {
        let cells = CounterCells::new();
        cells.received(10);
        cells.received(5);
        cells.sent(3);
        cells.dropped(0);
        cells.dropped(2);
        cells.connection_up();
        cells.connection_up();
        cells.connection_down();
        let snapshot = cells.snapshot();
        assert_eq!(
            snapshot,
            Counters {
                connected_peers: 1,
                msgs_in: 2,
                bytes_in: 15,
                msgs_out: 1,
                bytes_out: 3,
                dropped_at_hwm: 2,
            }
        );
    }

    #[test]
    fn paths_do_not_share_cache_lines() {
        let cells = CounterCells::default();
        let line = |p: *const AtomicU64| p as usize / 64;
        let lines = [
            line(&cells.received.msgs),
            line(&cells.sent.msgs),
            line(&cells.connections.up),
        ];
        assert_ne!(lines[0], lines[1]);
        assert_ne!(lines[1], lines[2]);
        assert_ne!(lines[0], lines[2]);
        assert_eq!(line(&cells.sent.msgs), line(&cells.sent.dropped));
    }
}
