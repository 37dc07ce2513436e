//! A socket's command inbox: how the threads that are not the socket's callers
//! (the I/O threads, an inproc peer binding or connecting) hand it new peers
//! and news without calling into it.
//!
//! Posting is a short lock and a wake-up of the socket's [`Signal`]; the
//! socket takes the commands in its own calls (`send`, `recv`, readiness
//! checks, option changes), as C libzmq's sockets process their mailbox. A
//! closed inbox refuses commands and hands them back, so the poster knows the
//! socket is gone and closes the pipes it carried.

use crate::peer_info::PeerInfo;
use crate::pipe::Pipe;
use crate::signal::Signal;
use parking_lot::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// A command for a socket.
pub(crate) enum SocketCommand {
    /// A new peer, through endpoint `endpoint_id`: `out` carries what the
    /// socket sends to it, `inp` what it sends to the socket, `peer` what
    /// its handshake said about it (address, user id, socket type, routing
    /// id, `READY` properties; `None` over inproc, which has no handshake).
    Attach {
        endpoint_id: u64,
        out: Arc<Pipe>,
        inp: Arc<Pipe>,
        peer: Option<Arc<PeerInfo>>,
    },
    /// A connecter made a new connection for the pipes of `out`, to the
    /// peer `peer` describes: the socket's peer takes the new description,
    /// and a Dish drops what was queued for the old connection and re-sends
    /// its JOINs.
    Reconnected { out: Arc<Pipe>, peer: Arc<PeerInfo> },
}

#[derive(Default)]
struct Queue {
    commands: Vec<SocketCommand>,
    closed: bool,
}

/// The inbox of one socket. See the module docs.
pub(crate) struct Inbox {
    signal: Arc<Signal>,
    /// Whether `queue` may hold commands (lets the socket skip the lock).
    pending: AtomicBool,
    queue: Mutex<Queue>,
}

impl std::fmt::Debug for Inbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inbox")
            .field("closed", &self.is_closed())
            .finish()
    }
}

impl Inbox {
    /// An open inbox that wakes `signal` when a command arrives.
    pub(crate) fn new(signal: Arc<Signal>) -> Arc<Inbox> {
        Arc::new(Inbox {
            signal,
            pending: AtomicBool::new(false),
            queue: Mutex::new(Queue::default()),
        })
    }

    /// The socket's signal (the reader or writer to wake on its pipes).
    pub(crate) fn signal(&self) -> &Arc<Signal> {
        &self.signal
    }

    /// Queues `command` and wakes the socket; hands it back when the socket
    /// is closed.
    pub(crate) fn post(
        &self,
        command: SocketCommand,
    ) -> Result<(), SocketCommand> {
        {
            let mut queue = self.queue.lock();
            if queue.closed {
                return Err(command);
            }
            queue.commands.push(command);
            self.pending.store(true, Ordering::Release);
        }
        self.signal.notify();
        Ok(())
    }

    /// Takes the queued commands (none without a lock when nothing was posted).
    pub(crate) fn take(&self) -> Vec<SocketCommand> {
        if !self.has_pending() {
            return Vec::new();
        }
        let mut queue = self.queue.lock();
        self.pending.store(false, Ordering::Relaxed);
        std::mem::take(&mut queue.commands)
    }

    /// Whether commands may be waiting (one atomic load: the socket checks
    /// it on every call).
    #[inline]
    pub(crate) fn has_pending(&self) -> bool {
        self.pending.load(Ordering::Acquire)
    }

    /// Closes the inbox: later posts are refused. Returns what was queued.
    pub(crate) fn close(&self) -> Vec<SocketCommand> {
        let mut queue = self.queue.lock();
        queue.closed = true;
        self.pending.store(false, Ordering::Relaxed);
        std::mem::take(&mut queue.commands)
    }

    /// Whether the socket is closed.
    pub(crate) fn is_closed(&self) -> bool {
        self.queue.lock().closed
    }
}

impl SocketCommand {
    /// The socket is gone: release the pipes the command carried, so that
    /// the other end sees the peer leave.
    pub(crate) fn abandon(self) {
        match self {
            SocketCommand::Attach { out, inp, .. } => {
                out.close_writer();
                inp.close_reader();
            }
            SocketCommand::Reconnected { .. } => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peer() -> Arc<PeerInfo> {
        Arc::new(PeerInfo::new(None, "NULL", None, std::iter::empty()))
    }

    fn attach() -> SocketCommand {
        SocketCommand::Attach {
            endpoint_id: 7,
            out: Pipe::new(Some(1), None),
            inp: Pipe::new(None, Some(1)),
            peer: Some(peer()),
        }
    }

    #[test]
    fn post_wakes_and_take_drains_in_order() {
        let signal = Signal::new();
        let inbox = Inbox::new(signal.clone());
        assert!(inbox.take().is_empty());
        let before = signal.generation();
        assert!(inbox.post(attach()).is_ok());
        let reconnected = SocketCommand::Reconnected {
            out: Pipe::new(None, None),
            peer: peer(),
        };
        assert!(inbox.post(reconnected).is_ok());
        assert!(signal.generation() > before);
        let taken = inbox.take();
        assert!(matches!(
            taken.as_slice(),
            [
                SocketCommand::Attach { endpoint_id: 7, .. },
                SocketCommand::Reconnected { .. }
            ]
        ));
        assert!(inbox.take().is_empty());
    }

    #[test]
    fn closed_inbox_refuses_and_abandoned_pipes_close() {
        let inbox = Inbox::new(Signal::new());
        inbox.post(attach()).ok().unwrap();
        assert_eq!(inbox.close().len(), 1);
        assert!(inbox.is_closed());
        let Err(refused) = inbox.post(attach()) else {
            panic!("a closed inbox took a command");
        };
        let SocketCommand::Attach { out, inp, .. } = &refused else {
            unreachable!()
        };
        let (out, inp) = (out.clone(), inp.clone());
        refused.abandon();
        assert_eq!(out.pop().unwrap_err(), crate::pipe::PopError::Closed);
        assert!(matches!(
            inp.push(crate::Msg::new()),
            Err(crate::pipe::PushError::Closed(_))
        ));
    }
}
