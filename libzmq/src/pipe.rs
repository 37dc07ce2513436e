//! The pipe: a bounded, one-directional message queue between a socket and one
//! peer (an inproc socket or a connection engine on an I/O thread).
//!
//! A message is one or more frames (`Msg`s, all but the last with `more`
//! set). A writer always queues whole messages (one lock for all their
//! frames) and a reader takes them whole, so no reader ever sees half a
//! message, whatever threads share either end.
//!
//! Capacity is counted in messages: the writer's send high water mark plus the
//! reader's receive high water mark, whichever of the two take part (a TCP
//! out-pipe has only the socket's send HWM, an inproc pipe has both, as in
//! libzmq). A high water mark of 0 means "no limit".
//!
//! Each end has an optional [`Notify`] target. The pipe only notifies on state
//! transitions that the other end is actually waiting for — the reader when it
//! found the pipe empty and a message arrived, the writer when it found the pipe
//! full and the queue drained to the low water mark — so a busy pipe costs no
//! wake-ups at all.

use crate::io::direct::{Direct, Written};
use crate::msg::Msg;
use crate::sync::Mutex;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// Something to wake when a pipe changes state (a socket's signal, an engine).
pub(crate) trait Notify: Send + Sync {
    /// The pipe has something for this end (a message, room, or a closure).
    fn notify(&self);
}

impl Notify for crate::signal::Signal {
    fn notify(&self) {
        crate::signal::Signal::notify(self)
    }
}

/// Why a message could not be written.
#[derive(Debug)]
pub(crate) enum PushError<T = Msg> {
    /// The pipe holds as many messages as its high water marks allow.
    Full(T),
    /// The reader is gone for good.
    Closed(T),
}

impl<T> PushError<T> {
    /// The same error, dropping what it handed back.
    pub(crate) fn forget(self) -> PushError<()> {
        match self {
            PushError::Full(_) => PushError::Full(()),
            PushError::Closed(_) => PushError::Closed(()),
        }
    }
}

/// A message to queue: owned, or taken from where it lies.
trait IntoMsg {
    fn into_msg(self) -> Msg;
    fn peek(&self) -> &Msg;
}

impl IntoMsg for Msg {
    #[inline]
    fn into_msg(self) -> Msg {
        self
    }

    #[inline]
    fn peek(&self) -> &Msg {
        self
    }
}

impl IntoMsg for &mut Msg {
    #[inline]
    fn into_msg(self) -> Msg {
        std::mem::take(self)
    }

    #[inline]
    fn peek(&self) -> &Msg {
        self
    }
}

/// Why nothing could be read.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum PopError {
    /// Nothing queued right now.
    Empty,
    /// Nothing queued and the writer is gone for good.
    Closed,
}

struct State {
    queue: VecDeque<Msg>,
    /// Whole messages in `queue` (frames without `more`).
    msgs: usize,
    writer_hwm: Option<usize>,
    reader_hwm: Option<usize>,
    reader: Option<Arc<dyn Notify>>,
    writer: Option<Arc<dyn Notify>>,
    reader_waiting: bool,
    writer_waiting: bool,
    reader_closed: bool,
    writer_closed: bool,
    /// Keeps only the newest message (`conflate`): never full.
    conflate: bool,
    /// The write side of the connection reading this pipe, for messages
    /// written by the sender's thread while its engine is idle.
    direct: Option<Arc<Direct>>,
}

impl State {
    fn capacity(&self) -> usize {
        match (self.writer_hwm, self.reader_hwm) {
            (Some(0), _) | (_, Some(0)) | (None, None) => usize::MAX,
            (w, r) => w.unwrap_or(0).saturating_add(r.unwrap_or(0)),
        }
    }

    fn is_full(&self) -> bool {
        !self.conflate && self.msgs >= self.capacity()
    }

    /// Conflating: a new message replaces what is queued.
    fn make_room(&mut self) {
        if self.conflate {
            self.queue.clear();
            self.msgs = 0;
        }
    }

    /// The queue length at or below which a waiting writer is woken.
    fn low_water_mark(&self) -> usize {
        let capacity = self.capacity();
        capacity - (capacity / 2 + capacity % 2)
    }

    /// Writes the message `frames` straight into the idle connection that
    /// reads this pipe, if the pipe is empty and the connection lets us
    /// (see [`crate::io::direct`]). `Some(reader to wake)`: they are sent.
    #[cold]
    fn write_direct(
        &mut self,
        frames: &[Msg],
    ) -> Option<Option<Arc<dyn Notify>>> {
        let direct = self.direct.as_ref()?;
        if !self.queue.is_empty() || !self.reader_waiting {
            return None;
        }
        match direct.try_write(frames) {
            Written::Whole => Some(None),
            // The engine writes the rest.
            Written::Part => Some(self.reader_to_wake()),
            Written::Nothing => None,
        }
    }

    /// After the queue grew: the reader to wake, if it waits.
    fn reader_to_wake(&mut self) -> Option<Arc<dyn Notify>> {
        if self.reader_waiting {
            self.reader_waiting = false;
            self.reader.clone()
        } else {
            None
        }
    }

    /// After the queue shrank: the writer to wake, if it waits and may go on.
    fn writer_to_wake(&mut self) -> Option<Arc<dyn Notify>> {
        if self.writer_waiting && self.msgs <= self.low_water_mark() {
            self.writer_waiting = false;
            self.writer.clone()
        } else {
            None
        }
    }
}

/// The high water marks of one socket (in messages, 0 = no limit), read
/// whenever a pipe to it is made: by the socket itself, by an I/O thread for
/// an accepted connection, by an inproc peer.
#[derive(Debug)]
pub(crate) struct Hwms {
    send: AtomicUsize,
    recv: AtomicUsize,
    /// The pipes made from now on keep only the newest message.
    conflate: std::sync::atomic::AtomicBool,
}

impl Hwms {
    /// libzmq's defaults: 1000 each way.
    pub(crate) fn new() -> Arc<Hwms> {
        Arc::new(Hwms {
            send: AtomicUsize::new(1000),
            recv: AtomicUsize::new(1000),
            conflate: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// The send high water mark.
    pub(crate) fn send(&self) -> usize {
        self.send.load(Ordering::Relaxed)
    }

    /// The receive high water mark.
    pub(crate) fn recv(&self) -> usize {
        self.recv.load(Ordering::Relaxed)
    }

    /// Sets the send high water mark of the pipes made from now on.
    pub(crate) fn set_send(&self, value: usize) {
        self.send.store(value, Ordering::Relaxed)
    }

    /// Sets the receive high water mark of the pipes made from now on.
    pub(crate) fn set_recv(&self, value: usize) {
        self.recv.store(value, Ordering::Relaxed)
    }

    /// Whether the pipes made from now on conflate.
    pub(crate) fn conflate(&self) -> bool {
        self.conflate.load(Ordering::Relaxed)
    }

    /// Makes the pipes made from now on conflate (or not).
    pub(crate) fn set_conflate(&self, conflate: bool) {
        self.conflate.store(conflate, Ordering::Relaxed)
    }

    /// A new pipe with these capacities, conflating when set.
    pub(crate) fn pipe(
        &self,
        writer_hwm: Option<usize>,
        reader_hwm: Option<usize>,
        local: bool,
    ) -> Arc<Pipe> {
        let pipe = Pipe::with_ends(writer_hwm, reader_hwm, local);
        if self.conflate() {
            pipe.set_conflate();
        }
        pipe
    }

    /// The two pipes of a connection through an engine: (socket → peer,
    /// peer → socket). Only the socket's side counts towards their capacity.
    pub(crate) fn engine_pipes(&self) -> (Arc<Pipe>, Arc<Pipe>) {
        (
            self.pipe(Some(self.send()), None, false),
            self.pipe(None, Some(self.recv()), false),
        )
    }
}

/// A one-directional bounded message queue. See the module docs.
pub(crate) struct Pipe {
    state: Mutex<State>,
    /// Between two sockets of this process (inproc), not through an engine.
    local: bool,
}

impl std::fmt::Debug for Pipe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.state.lock();
        f.debug_struct("Pipe")
            .field("msgs", &state.msgs)
            .field("capacity", &state.capacity())
            .finish()
    }
}

fn wake(target: Option<Arc<dyn Notify>>) {
    if let Some(target) = target {
        target.notify();
    }
}

impl Pipe {
    /// A new open pipe. `writer_hwm`/`reader_hwm` are the high water marks of
    /// the ends that take part in the capacity (`None` for an end that does not).
    pub(crate) fn new(
        writer_hwm: Option<usize>,
        reader_hwm: Option<usize>,
    ) -> Arc<Pipe> {
        Pipe::with_ends(writer_hwm, reader_hwm, false)
    }

    /// A new open pipe between two sockets of this process (inproc).
    pub(crate) fn new_local(
        writer_hwm: Option<usize>,
        reader_hwm: Option<usize>,
    ) -> Arc<Pipe> {
        Pipe::with_ends(writer_hwm, reader_hwm, true)
    }

    fn with_ends(
        writer_hwm: Option<usize>,
        reader_hwm: Option<usize>,
        local: bool,
    ) -> Arc<Pipe> {
        Arc::new(Pipe {
            local,
            state: Mutex::new(State {
                queue: VecDeque::new(),
                msgs: 0,
                writer_hwm,
                reader_hwm,
                reader: None,
                writer: None,
                reader_waiting: true,
                writer_waiting: false,
                reader_closed: false,
                writer_closed: false,
                conflate: false,
                direct: None,
            }),
        })
    }

    /// Queues the one-frame message `msg` (its `more` flag must be clear)
    /// unless the pipe is full or its reader is gone.
    pub(crate) fn push(&self, msg: Msg) -> Result<(), PushError> {
        debug_assert!(!msg.more());
        self.push_checked(msg, true)
    }

    /// [`Pipe::push`] from where the message lies: on success it is moved
    /// into the pipe (an empty message is left in its place), on failure
    /// `msg` is untouched. The send path's one move of the message.
    pub(crate) fn push_from<'m>(
        &self,
        msg: &'m mut Msg,
    ) -> Result<(), PushError<&'m mut Msg>> {
        debug_assert!(!msg.more());
        self.push_checked(msg, true)
    }

    /// Queues a command even past the high water mark (subscriptions must
    /// never be lost, and there are only as many as the user makes).
    pub(crate) fn push_command(&self, msg: Msg) -> Result<(), PushError> {
        self.push_checked(msg, false)
    }

    /// Queues `msg` (handed back on failure). Generic so that an owned
    /// message is moved in without the empty one `push_from` leaves behind
    /// (a caller reading that back stalls on its fresh narrow stores).
    fn push_checked<M: IntoMsg>(
        &self,
        msg: M,
        limited: bool,
    ) -> Result<(), PushError<M>> {
        let to_wake = {
            let mut state = self.state.lock();
            if state.reader_closed {
                return Err(PushError::Closed(msg));
            }
            if limited && state.is_full() {
                state.writer_waiting = true;
                return Err(PushError::Full(msg));
            }
            if limited {
                if state.direct.is_some() {
                    let frames = std::slice::from_ref(msg.peek());
                    if let Some(to_wake) = state.write_direct(frames) {
                        drop(state);
                        drop(msg.into_msg());
                        wake(to_wake);
                        return Ok(());
                    }
                }
                state.make_room();
            }
            state.queue.push_back(msg.into_msg());
            state.msgs += 1;
            state.reader_to_wake()
        };
        wake(to_wake);
        Ok(())
    }

    /// Queues as many whole messages of `frames` as the capacity allows, in
    /// order, with one lock and at most one wake-up; what did not fit stays
    /// in `frames` (and the writer is woken when room frees up). `frames`
    /// holds whole messages only. `Err(())`: the reader is gone for good.
    pub(crate) fn push_many(
        &self,
        frames: &mut VecDeque<Msg>,
    ) -> Result<(), ()> {
        let to_wake = {
            let mut state = self.state.lock();
            if state.reader_closed {
                return Err(());
            }
            if state.conflate && !frames.is_empty() {
                // Only the newest whole message counts.
                let last_start =
                    frames.iter().rposition(|f| !f.more()).map_or(0, |last| {
                        frames
                            .iter()
                            .take(last)
                            .rposition(|f| !f.more())
                            .map_or(0, |p| p + 1)
                    });
                frames.drain(..last_start);
                state.make_room();
            }
            let room = state.capacity().saturating_sub(state.msgs);
            if frames.is_empty() {
                return Ok(());
            }
            if state.queue.is_empty() && frames.len() <= room {
                // All of it fits an empty queue: hand the whole buffer over
                // (the writer keeps the empty one) instead of moving each
                // message.
                state.msgs += frames.iter().filter(|f| !f.more()).count();
                std::mem::swap(&mut state.queue, frames);
            } else {
                let (count, whole) = whole_messages(frames, room);
                state.queue.extend(frames.drain(..count));
                state.msgs += whole;
                if !frames.is_empty() {
                    state.writer_waiting = true;
                }
                if count == 0 {
                    return Ok(());
                }
            }
            state.reader_to_wake()
        };
        wake(to_wake);
        Ok(())
    }

    /// Queues one whole message of several frames, atomically: all of it,
    /// or (full, closed) none of it, handed back.
    pub(crate) fn push_message(
        &self,
        frames: Vec<Msg>,
    ) -> Result<(), PushError<Vec<Msg>>> {
        let to_wake = {
            let mut state = self.state.lock();
            if state.reader_closed {
                return Err(PushError::Closed(frames));
            }
            if state.is_full() {
                state.writer_waiting = true;
                return Err(PushError::Full(frames));
            }
            if state.direct.is_some() {
                if let Some(to_wake) = state.write_direct(&frames) {
                    drop(state);
                    wake(to_wake);
                    return Ok(());
                }
            }
            state.make_room();
            state.queue.extend(frames);
            state.msgs += 1;
            state.reader_to_wake()
        };
        wake(to_wake);
        Ok(())
    }

    /// Takes the oldest frame (a whole one-frame message, or the first
    /// frame of a longer one: see [`Pipe::pop_message`]).
    pub(crate) fn pop(&self) -> Result<Msg, PopError> {
        let (msg, to_wake) = {
            let mut state = self.state.lock();
            match state.queue.pop_front() {
                Some(msg) => {
                    if !msg.more() {
                        state.msgs -= 1;
                    }
                    let to_wake = state.writer_to_wake();
                    (msg, to_wake)
                }
                None if state.writer_closed => return Err(PopError::Closed),
                None => {
                    state.reader_waiting = true;
                    return Err(PopError::Empty);
                }
            }
        };
        wake(to_wake);
        Ok(msg)
    }

    /// The reader's batched take: moves up to `max_msgs` whole messages
    /// (one when conflating, so that a later message still replaces what
    /// was not read) to the reader's own queue `out`, with one lock.
    ///
    /// The first message counts as read at once (the caller takes it now);
    /// the others stay counted towards the capacity until the reader calls
    /// [`Pipe::report_read`] with their number, so the pipe and the reader's
    /// queue together never hold more than the high water marks allow.
    /// Arms the reader notification only when nothing was there.
    pub(crate) fn take_batch(
        &self,
        out: &mut VecDeque<Msg>,
        max_msgs: usize,
    ) -> Result<usize, PopError> {
        let (moved, to_wake) = {
            let mut state = self.state.lock();
            if state.queue.is_empty() {
                if state.writer_closed {
                    return Err(PopError::Closed);
                }
                state.reader_waiting = true;
                return Err(PopError::Empty);
            }
            let max_msgs = if state.conflate { 1 } else { max_msgs.max(1) };
            let moved = if out.is_empty() && state.queue.len() <= max_msgs {
                // Everything, in one swap of buffers.
                std::mem::swap(&mut state.queue, out);
                out.iter().filter(|f| !f.more()).count()
            } else {
                let (frames, moved) = whole_messages(&state.queue, max_msgs);
                out.extend(state.queue.drain(..frames));
                moved
            };
            state.msgs -= 1;
            (moved, state.writer_to_wake())
        };
        wake(to_wake);
        Ok(moved)
    }

    /// The reader read `count` more messages of its batches (see
    /// [`Pipe::take_batch`]): their room goes back to the writer.
    pub(crate) fn report_read(&self, count: usize) {
        let to_wake = {
            let mut state = self.state.lock();
            state.msgs = state.msgs.saturating_sub(count);
            state.writer_to_wake()
        };
        wake(to_wake);
    }

    /// Moves up to `max` frames, and no more than `max_bytes` of bodies
    /// beyond the first message, to `out`; returns how many. Arms the reader
    /// notification when it leaves the pipe empty.
    pub(crate) fn pop_batch(
        &self,
        out: &mut VecDeque<Msg>,
        max: usize,
        max_bytes: usize,
    ) -> Result<usize, PopError> {
        let (count, to_wake) = {
            let mut state = self.state.lock();
            // At least one message, then as many as fit `max_bytes`.
            let mut bytes = 0;
            let count = state
                .queue
                .iter()
                .take(max)
                .take_while(|msg| {
                    let first = bytes == 0;
                    bytes += msg.len().max(1);
                    first || bytes <= max_bytes
                })
                .count();
            if count == 0 {
                if state.writer_closed {
                    return Err(PopError::Closed);
                }
                state.reader_waiting = true;
                return Ok(0);
            }
            let whole =
                state.queue.iter().take(count).filter(|m| !m.more()).count();
            state.msgs -= whole;
            if count == state.queue.len() && out.is_empty() {
                // All of it: swap the buffers rather than move each frame.
                std::mem::swap(&mut state.queue, out);
            } else {
                out.extend(state.queue.drain(..count));
            }
            if state.queue.is_empty() {
                state.reader_waiting = true;
            }
            (count, state.writer_to_wake())
        };
        wake(to_wake);
        Ok(count)
    }

    /// Whether a message can be read now. When not, the reader is marked as
    /// waiting, so the next message wakes it (a poller relies on this).
    pub(crate) fn is_readable(&self) -> bool {
        let mut state = self.state.lock();
        let readable = !state.queue.is_empty();
        if !readable {
            state.reader_waiting = true;
        }
        readable
    }

    /// Whether a message can be written now. When not, the writer is marked
    /// as waiting, so room freeing up wakes it.
    pub(crate) fn is_writable(&self) -> bool {
        let mut state = self.state.lock();
        let writable = !state.reader_closed && !state.is_full();
        if !writable && !state.reader_closed {
            state.writer_waiting = true;
        }
        writable
    }

    /// Whether the pipe joins two sockets of this process (inproc): its
    /// other end is a user's thread, not an I/O thread.
    pub(crate) fn is_local(&self) -> bool {
        self.local
    }

    /// Whether the reader is gone for good.
    pub(crate) fn is_reader_closed(&self) -> bool {
        self.state.lock().reader_closed
    }

    /// Whether the writer is gone and everything it wrote has been read.
    pub(crate) fn is_drained_and_closed(&self) -> bool {
        let state = self.state.lock();
        state.writer_closed && state.queue.is_empty()
    }

    /// Makes the pipe keep only the newest message (libzmq's `conflate`).
    pub(crate) fn set_conflate(&self) {
        self.state.lock().conflate = true;
    }

    /// Sets who to wake when a message arrives.
    pub(crate) fn set_reader(&self, reader: Option<Arc<dyn Notify>>) {
        let mut state = self.state.lock();
        state.reader = reader;
        state.reader_waiting = true;
    }

    /// Sets (or, with `None`, removes) the write side of the connection
    /// that reads this pipe, for direct writes (see [`crate::io::direct`]).
    pub(crate) fn set_direct(&self, direct: Option<Arc<Direct>>) {
        self.state.lock().direct = direct;
    }

    /// Sets who to wake when room frees up.
    pub(crate) fn set_writer(&self, writer: Option<Arc<dyn Notify>>) {
        self.state.lock().writer = writer;
    }

    /// Changes the writer-side high water mark (`None`: not part of the capacity).
    pub(crate) fn set_writer_hwm(&self, hwm: Option<usize>) {
        let to_wake = {
            let mut state = self.state.lock();
            state.writer_hwm = hwm;
            state.writer_to_wake()
        };
        wake(to_wake);
    }

    /// Changes the reader-side high water mark (`None`: not part of the capacity).
    pub(crate) fn set_reader_hwm(&self, hwm: Option<usize>) {
        let to_wake = {
            let mut state = self.state.lock();
            state.reader_hwm = hwm;
            state.writer_to_wake()
        };
        wake(to_wake);
    }

    /// The reader is gone for good: drop what is queued and tell the writer.
    pub(crate) fn close_reader(&self) {
        let (dropped, to_wake) = {
            let mut state = self.state.lock();
            state.reader_closed = true;
            state.reader = None;
            state.msgs = 0;
            (std::mem::take(&mut state.queue), state.writer.clone())
        };
        drop(dropped);
        wake(to_wake);
    }

    /// The writer is gone for good: the reader may drain what is queued.
    pub(crate) fn close_writer(&self) {
        let to_wake = {
            let mut state = self.state.lock();
            state.writer_closed = true;
            state.writer = None;
            state.reader_waiting = false;
            state.reader.clone()
        };
        wake(to_wake);
    }

    /// Drops every queued message (the writer stays open).
    pub(crate) fn discard(&self) {
        let (dropped, to_wake) = {
            let mut state = self.state.lock();
            let dropped = std::mem::take(&mut state.queue);
            state.msgs = 0;
            (dropped, state.writer_to_wake())
        };
        drop(dropped);
        wake(to_wake);
    }

    /// Number of queued messages.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.state.lock().msgs
    }
}

/// How many frames the first `max` whole messages of `frames` span, and
/// how many messages that is.
fn whole_messages(frames: &VecDeque<Msg>, max: usize) -> (usize, usize) {
    let mut count = 0;
    let mut whole = 0;
    for (index, frame) in frames.iter().enumerate() {
        if whole == max {
            break;
        }
        if !frame.more() {
            whole += 1;
            count = index + 1;
        }
    }
    (count, whole)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[derive(Default)]
    struct Counter(AtomicUsize);
    impl Notify for Counter {
        fn notify(&self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
    impl Counter {
        fn get(&self) -> usize {
            self.0.load(Ordering::SeqCst)
        }
    }

    #[test]
    fn a_taken_batch_counts_until_reported() {
        let pipe = Pipe::new(Some(2), Some(2));
        let writer = Arc::new(Counter::default());
        pipe.set_writer(Some(writer.clone()));
        for _ in 0..4 {
            pipe.push(Msg::new()).unwrap();
        }
        let mut batch = VecDeque::new();
        assert_eq!(pipe.take_batch(&mut batch, 64).unwrap(), 4);
        assert_eq!(batch.len(), 4);
        // The first is read; three still count.
        assert!(pipe.push(Msg::new()).is_ok());
        assert!(matches!(pipe.push(Msg::new()), Err(PushError::Full(_))));
        pipe.report_read(3);
        assert_eq!(writer.get(), 1, "the waiting writer was woken");
        assert_eq!(pipe.len(), 1);
        batch.clear();
        assert_eq!(pipe.take_batch(&mut batch, 64).unwrap(), 1);
        assert_eq!(pipe.take_batch(&mut batch, 64), Err(PopError::Empty));
        pipe.close_writer();
        assert_eq!(pipe.take_batch(&mut batch, 64), Err(PopError::Closed));
    }

    #[test]
    fn a_conflating_pipe_is_taken_one_message_at_a_time() {
        let pipe = Pipe::new(Some(1), Some(1));
        pipe.set_conflate();
        pipe.push(Msg::from("old")).unwrap();
        pipe.push(Msg::from("new")).unwrap();
        let mut batch = VecDeque::new();
        assert_eq!(pipe.take_batch(&mut batch, 64).unwrap(), 1);
        assert_eq!(batch.pop_front().unwrap().as_bytes(), b"new");
    }

    #[test]
    fn capacity_is_sum_of_participating_hwms() {
        let pipe = Pipe::new(Some(1), Some(1));
        assert!(pipe.push(Msg::new()).is_ok());
        assert!(pipe.push(Msg::new()).is_ok());
        assert!(matches!(pipe.push(Msg::new()), Err(PushError::Full(_))));
        let tcp_out = Pipe::new(Some(3), None);
        for _ in 0..3 {
            tcp_out.push(Msg::new()).unwrap();
        }
        assert!(matches!(tcp_out.push(Msg::new()), Err(PushError::Full(_))));
    }

    #[test]
    fn hwm_zero_means_unlimited() {
        let pipe = Pipe::new(Some(0), Some(5));
        for _ in 0..10_000 {
            pipe.push(Msg::new()).unwrap();
        }
        assert_eq!(pipe.len(), 10_000);
    }

    #[test]
    fn reader_notified_only_when_waiting() {
        let pipe = Pipe::new(Some(10), None);
        let reader = Arc::new(Counter::default());
        pipe.set_reader(Some(reader.clone()));
        pipe.push(Msg::from("a")).unwrap();
        pipe.push(Msg::from("b")).unwrap();
        assert_eq!(
            reader.get(),
            1,
            "only the empty -> non-empty transition wakes"
        );
        assert_eq!(pipe.pop().unwrap().as_bytes(), b"a");
        assert_eq!(pipe.pop().unwrap().as_bytes(), b"b");
        assert_eq!(pipe.pop().unwrap_err(), PopError::Empty);
        pipe.push(Msg::from("c")).unwrap();
        assert_eq!(reader.get(), 2);
    }

    #[test]
    fn writer_woken_at_low_water_mark() {
        let pipe = Pipe::new(Some(4), None);
        let writer = Arc::new(Counter::default());
        pipe.set_writer(Some(writer.clone()));
        for _ in 0..4 {
            pipe.push(Msg::new()).unwrap();
        }
        assert!(matches!(pipe.push(Msg::new()), Err(PushError::Full(_))));
        pipe.pop().unwrap();
        assert_eq!(writer.get(), 0, "3 queued is above the low water mark");
        pipe.pop().unwrap();
        assert_eq!(writer.get(), 1);
    }

    #[test]
    fn closed_writer_lets_reader_drain() {
        let pipe = Pipe::new(None, Some(10));
        pipe.push(Msg::from("x")).unwrap();
        pipe.close_writer();
        assert_eq!(pipe.pop().unwrap().as_bytes(), b"x");
        assert_eq!(pipe.pop().unwrap_err(), PopError::Closed);
        assert!(pipe.is_drained_and_closed());
    }

    #[test]
    fn closed_reader_refuses_and_returns_message() {
        let pipe = Pipe::new(Some(10), None);
        pipe.push(Msg::from("x")).unwrap();
        pipe.close_reader();
        match pipe.push(Msg::from("y")) {
            Err(PushError::Closed(msg)) => assert_eq!(msg.as_bytes(), b"y"),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn push_many_fills_to_capacity_with_one_wake_up() {
        let pipe = Pipe::new(None, Some(3));
        let reader = Arc::new(Counter::default());
        let writer = Arc::new(Counter::default());
        pipe.set_reader(Some(reader.clone()));
        pipe.set_writer(Some(writer.clone()));
        let mut msgs: VecDeque<Msg> =
            (0..5u8).map(|i| Msg::from(vec![i])).collect();
        pipe.push_many(&mut msgs).unwrap();
        assert_eq!(reader.get(), 1, "one wake-up for the whole batch");
        assert_eq!(msgs.len(), 2, "what did not fit stays with the writer");
        assert_eq!(pipe.pop().unwrap().as_bytes(), &[0]);
        assert_eq!(pipe.pop().unwrap().as_bytes(), &[1]);
        assert_eq!(writer.get(), 1, "room at the low water mark wakes it");
        pipe.push_many(&mut msgs).unwrap();
        assert!(msgs.is_empty());
        let got: Vec<u8> = std::iter::from_fn(|| pipe.pop().ok())
            .map(|m| m.as_bytes()[0])
            .collect();
        assert_eq!(got, vec![2, 3, 4]);
        pipe.close_reader();
        assert!(pipe.push_many(&mut VecDeque::from([Msg::new()])).is_err());
    }

    #[test]
    fn batch_pop_takes_in_order() {
        let pipe = Pipe::new(Some(100), None);
        for i in 0..10u8 {
            pipe.push(Msg::from(vec![i])).unwrap();
        }
        let mut out = VecDeque::new();
        assert_eq!(pipe.pop_batch(&mut out, 4, usize::MAX).unwrap(), 4);
        assert_eq!(pipe.pop_batch(&mut out, 100, usize::MAX).unwrap(), 6);
        let got: Vec<u8> = out.iter().map(|m| m.as_bytes()[0]).collect();
        assert_eq!(got, (0..10).collect::<Vec<_>>());
    }

    #[test]
    fn batch_pop_is_bounded_by_bytes() {
        let pipe = Pipe::new(Some(100), None);
        for _ in 0..10 {
            pipe.push(Msg::from(vec![0u8; 1000])).unwrap();
        }
        let mut out = VecDeque::new();
        assert_eq!(pipe.pop_batch(&mut out, 100, 2500).unwrap(), 2);
        assert_eq!(
            pipe.pop_batch(&mut out, 100, 10).unwrap(),
            1,
            "one at least"
        );
        assert_eq!(pipe.pop_batch(&mut out, 3, usize::MAX).unwrap(), 3);
    }

    #[test]
    fn raising_hwm_wakes_blocked_writer() {
        let pipe = Pipe::new(Some(1), None);
        let writer = Arc::new(Counter::default());
        pipe.set_writer(Some(writer.clone()));
        pipe.push(Msg::new()).unwrap();
        assert!(pipe.push(Msg::new()).is_err());
        pipe.set_writer_hwm(Some(10));
        assert_eq!(writer.get(), 1);
        pipe.push(Msg::new()).unwrap();
    }
}

/// loom's model of the two ends of a pipe on two threads: no wake-up is
/// ever lost (a lost one leaves a thread waiting forever, which loom reports
/// as a deadlock), and a multi-frame message is taken whole and in order.
#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use crate::socket::parts::Parts;

    struct Wake(loom::sync::Notify);

    impl Notify for Wake {
        fn notify(&self) {
            self.0.notify();
        }
    }

    fn wake() -> Arc<Wake> {
        Arc::new(Wake(loom::sync::Notify::new()))
    }

    #[test]
    fn loom_no_lost_wake_ups_at_the_hwm() {
        loom::model(|| {
            let pipe = Pipe::new(Some(1), None);
            let (reader, writer) = (wake(), wake());
            pipe.set_reader(Some(reader.clone()));
            pipe.set_writer(Some(writer.clone()));
            let sender = {
                let pipe = pipe.clone();
                loom::thread::spawn(move || {
                    for i in 0..2u8 {
                        let mut msg = Msg::from(vec![i]);
                        loop {
                            match pipe.push(msg) {
                                Ok(()) => break,
                                Err(PushError::Full(back)) => {
                                    msg = back;
                                    writer.0.wait();
                                }
                                Err(PushError::Closed(_)) => panic!("closed"),
                            }
                        }
                    }
                })
            };
            for i in 0..2u8 {
                loop {
                    match pipe.pop() {
                        Ok(msg) => {
                            assert_eq!(msg.as_bytes(), [i]);
                            break;
                        }
                        Err(PopError::Empty) => reader.0.wait(),
                        Err(PopError::Closed) => panic!("closed"),
                    }
                }
            }
            sender.join().unwrap();
        });
    }

    #[test]
    fn loom_multipart_is_taken_whole() {
        loom::model(|| {
            let pipe = Pipe::new(None, Some(2));
            let reader = wake();
            pipe.set_reader(Some(reader.clone()));
            let sender = {
                let pipe = pipe.clone();
                loom::thread::spawn(move || {
                    let frames = Parts::from_vec(vec!["a".into(), "b".into()]);
                    assert!(frames.push_to(&pipe).is_ok());
                    pipe.close_writer();
                })
            };
            let frames = loop {
                match Parts::pop_from(&pipe) {
                    Ok(parts) => break parts.into_vec(),
                    Err(PopError::Empty) => reader.0.wait(),
                    Err(PopError::Closed) => {
                        panic!("closed before the message")
                    }
                }
            };
            let bodies: Vec<&[u8]> = frames.iter().map(Msg::as_bytes).collect();
            assert_eq!(bodies, [&b"a"[..], b"b"]);
            sender.join().unwrap();
        });
    }
}
