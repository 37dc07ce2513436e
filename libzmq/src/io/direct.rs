//! Direct writes: a socket's thread writes a message straight into the
//! connection when the connection's engine has nothing to write.
//!
//! Normally a message sent to a TCP or IPC peer goes into the peer's pipe,
//! and the engine on the I/O thread, woken for it, encodes and writes it: two
//! thread hops per message (the wake-up of the I/O thread, then the kernel's
//! wake-up of the peer). For a request answered by a reply, that wake-up is
//! most of the latency. So when the engine is idle — its pipe is empty and
//! it waits for it, everything it queued is written, and it gave the
//! connection's write side away ([`Direct::release`]) — the sending thread
//! encodes the frame itself and writes it with one `sendmsg`, under the
//! pipe's lock (so no other message can slip in front of it). The message is
//! then in the kernel when `send` returns, and the I/O thread never wakes.
//!
//! One direct write spends the connection's *credit*: the next message goes
//! through the pipe and wakes the engine, and the engine gives the credit
//! back only at the end of a turn in which it wrote nothing from the pipe
//! (it ran to read the peer's messages, or for a heartbeat). A thread
//! streaming messages thus stays on the batched path (one write for many
//! messages, and no syscall in the sending thread), while a request and its
//! reply — the reply read by the engine's turn that gives the credit back —
//! are written directly every time. (Giving it back after a turn that wrote
//! one message, tried first, let a fast engine on another CPU pop every
//! message alone and hand the credit back each time: a syscall in the
//! sending thread every few messages, a third less throughput at 32 B.)
//!
//! Only data messages of at most [`DIRECT_MAX`] bytes and 8 frames, on
//! connections whose mechanism does not transform frames (NULL, PLAIN: the
//! frame header does not depend on any state) and whose socket does not add
//! frames of its own (not Radio), and only when nothing waits to be read
//! (one `poll` that does not wait): waiting bytes or the end of the stream
//! mean the engine is about to run, and a message written after the peer
//! closed would be lost with the connection, where the engine, handling the
//! close first, keeps it in the pipe for the next connection. When the
//! kernel takes only part of the frame, the rest is kept here and the
//! engine, woken, writes it before anything else; when it takes none of
//! it, the message goes into the pipe as usual.
//!
//! The engine takes the write side back ([`Direct::claim`]) before it
//! writes anything (messages, heartbeats, subscriptions), and closes this
//! ([`Direct::close`]) before its stream is closed, so a direct write never
//! interleaves with the engine's bytes nor writes to a closed descriptor.

use super::write_queue::{WriteQueue, COPY_LIMIT};
use crate::msg::Msg;
use bytes::BytesMut;
use parking_lot::Mutex;
use std::io::{self, IoSlice};
use std::os::fd::RawFd;

/// The largest message (sum of its bodies) written directly (the rest of a
/// partial write is copied).
pub(crate) const DIRECT_MAX: usize = COPY_LIMIT;
/// The most frames a message written directly may have.
const DIRECT_FRAMES: usize = 8;

/// The write side of one connection, shared by its engine and the threads
/// sending to it. See the module docs.
#[derive(Debug)]
pub(crate) struct Direct {
    /// The connection's descriptor, owned by the engine's stream; valid
    /// while `closed` is false (the engine closes this first).
    fd: RawFd,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    /// The engine has nothing to write and lets senders write.
    idle: bool,
    /// A direct write is allowed (spent by one, given back by the engine).
    credit: bool,
    /// The engine is gone, or going: the descriptor may be closed.
    closed: bool,
    /// The part of a direct write that the kernel did not take.
    rest: BytesMut,
}

/// What [`Direct::try_write`] did with a message.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Written {
    /// All of it is in the kernel.
    Whole,
    /// Part of it is; the rest waits here for the engine, which must be woken.
    Part,
    /// None of it (not allowed now, or the kernel took nothing): queue it.
    Nothing,
}

impl Direct {
    /// The write side of the connection on `fd`, held by its engine.
    pub(crate) fn new(fd: RawFd) -> Direct {
        Direct {
            fd,
            state: Mutex::new(State {
                idle: false,
                credit: true,
                closed: false,
                rest: BytesMut::new(),
            }),
        }
    }

    /// Writes the message `frames` into the connection if the engine lets
    /// senders write. The caller holds the lock of the connection's
    /// out-pipe and found it empty with its reader (the engine) waiting; on
    /// [`Written::Whole`] and [`Written::Part`] the message is sent and the
    /// caller drops it.
    pub(crate) fn try_write(&self, frames: &[Msg]) -> Written {
        let eligible = !frames.is_empty()
            && frames.len() <= DIRECT_FRAMES
            && frames.iter().map(Msg::len).sum::<usize>() <= DIRECT_MAX
            && frames
                .iter()
                .all(|f| f.as_command().is_none() && f.group().is_none());
        if !eligible {
            return Written::Nothing;
        }
        // The engine holding the lock is taking the write side back.
        let Some(mut state) = self.state.try_lock() else {
            return Written::Nothing;
        };
        if !state.idle || !state.credit || state.closed {
            return Written::Nothing;
        }
        state.credit = false;
        if !is_quiet(self.fd) {
            // The engine has something to read first — maybe the peer's
            // close, and a message written now would be lost with the
            // connection, where the engine would keep it for the next one.
            return Written::Nothing;
        }
        let mut headers = [[0u8; zmtp::frame::MAX_HEADER_LEN]; DIRECT_FRAMES];
        let mut lens = [0usize; DIRECT_FRAMES];
        for (i, frame) in frames.iter().enumerate() {
            let more = i + 1 < frames.len();
            lens[i] = zmtp::frame::encode_header(
                more,
                false,
                frame.len(),
                &mut headers[i],
            );
        }
        let mut slices = [IoSlice::new(&[]); 2 * DIRECT_FRAMES];
        let mut count = 0;
        for (i, frame) in frames.iter().enumerate() {
            slices[count] = IoSlice::new(&headers[i][..lens[i]]);
            count += 1;
            if !frame.is_empty() {
                slices[count] = IoSlice::new(frame.as_bytes());
                count += 1;
            }
        }
        let slices = &slices[..count];
        let written = loop {
            match send_vectored(self.fd, slices) {
                Ok(written) => break written,
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                // Full, or broken: the engine finds out on its own write.
                Err(_) => break 0,
            }
        };
        let total: usize = slices.iter().map(|s| s.len()).sum();
        if written == 0 {
            Written::Nothing
        } else if written == total {
            Written::Whole
        } else {
            // The engine writes the rest before anything else.
            state.idle = false;
            let mut skip = written;
            for slice in slices {
                let taken = skip.min(slice.len());
                skip -= taken;
                state.rest.extend_from_slice(&slice[taken..]);
            }
            Written::Part
        }
    }

    /// The engine is about to write: senders stop writing, and the rest of
    /// a partial direct write goes first into `queue` (which is empty: the
    /// engine gave the write side away only with nothing left to write).
    pub(crate) fn claim(&self, queue: &mut WriteQueue) {
        let mut state = self.state.lock();
        state.idle = false;
        if !state.rest.is_empty() {
            let rest = state.rest.split();
            queue.push_copied(&[], &rest);
        }
    }

    /// The engine wrote everything and waits for its pipe: senders may
    /// write. `credit`: the engine wrote nothing from the pipe since it
    /// took the write side back (nobody is streaming).
    pub(crate) fn release(&self, credit: bool) {
        let mut state = self.state.lock();
        state.idle = true;
        state.credit |= credit;
    }

    /// The engine is closing the connection: no direct write from now on.
    pub(crate) fn close(&self) {
        let mut state = self.state.lock();
        state.closed = true;
        state.idle = false;
    }
}

/// Whether nothing waits to be read on `fd`: no data, no end of stream, no
/// error (one `poll` that does not wait).
fn is_quiet(fd: RawFd) -> bool {
    let mut poll = libc::pollfd {
        fd,
        events: libc::POLLIN | libc::POLLRDHUP,
        revents: 0,
    };
    // SAFETY: one valid `pollfd` for a count of 1; a zero timeout never
    // blocks; `fd` is open (see `send_vectored`).
    let ready = unsafe { libc::poll(&mut poll, 1, 0) };
    ready == 0
}

/// `slices` in one `sendmsg` (without SIGPIPE when the peer is gone,
/// without blocking); returns how many bytes the kernel took.
fn send_vectored(fd: RawFd, slices: &[IoSlice<'_>]) -> io::Result<usize> {
    // SAFETY: an all-zero `msghdr` is valid (no name, no control data).
    let mut message: libc::msghdr = unsafe { std::mem::zeroed() };
    // `IoSlice` is ABI-compatible with `iovec` on Unix (std's guarantee).
    message.msg_iov = slices.as_ptr().cast_mut().cast::<libc::iovec>();
    message.msg_iovlen = slices.len() as _;
    // SAFETY: `message` points to `slices.len()` iovecs over live buffers
    // that sendmsg only reads; `fd` is open (the caller checked `closed`
    // under the lock the engine takes before closing it).
    let sent = unsafe {
        libc::sendmsg(fd, &message, libc::MSG_NOSIGNAL | libc::MSG_DONTWAIT)
    };
    usize::try_from(sent).map_err(|_| io::Error::last_os_error())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::{TcpListener, TcpStream};
    use std::os::fd::AsRawFd;
    use std::os::unix::net::UnixStream;
    use std::time::{Duration, Instant};

    /// A connected loopback pair: (ours, non-blocking; the peer's).
    fn tcp_pair() -> (TcpStream, TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let ours = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (theirs, _) = listener.accept().unwrap();
        ours.set_nonblocking(true).unwrap();
        theirs
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        (ours, theirs)
    }

    /// The wire form of a one-frame message with `body`.
    fn frame(body: &[u8]) -> Vec<u8> {
        let mut header = [0u8; zmtp::frame::MAX_HEADER_LEN];
        let len =
            zmtp::frame::encode_header(false, false, body.len(), &mut header);
        [&header[..len], body].concat()
    }

    /// `try_write` of a one-frame message.
    fn write_one(direct: &Direct, msg: &Msg) -> Written {
        direct.try_write(std::slice::from_ref(msg))
    }

    fn read_exact(stream: &mut impl Read, len: usize) -> Vec<u8> {
        let mut bytes = vec![0; len];
        stream.read_exact(&mut bytes).unwrap();
        bytes
    }

    #[test]
    fn writes_only_when_released_and_with_credit() {
        let (ours, mut theirs) = tcp_pair();
        let direct = Direct::new(ours.as_raw_fd());
        let msg = Msg::from("hello");
        // Held by the engine until it releases it.
        assert_eq!(write_one(&direct, &msg), Written::Nothing);
        direct.release(true);
        assert_eq!(write_one(&direct, &msg), Written::Whole);
        assert_eq!(read_exact(&mut theirs, 7), frame(b"hello"));
        // Spent; a release after a stream does not give it back.
        assert_eq!(write_one(&direct, &msg), Written::Nothing);
        direct.release(false);
        assert_eq!(write_one(&direct, &msg), Written::Nothing);
        direct.release(true);
        // Only data messages up to the limits.
        let large = [
            Msg::from(vec![1u8; DIRECT_MAX / 2 + 1]),
            Msg::from(vec![1u8; DIRECT_MAX / 2]),
        ];
        let many: Vec<Msg> =
            (0..=DIRECT_FRAMES).map(|_| Msg::from("f")).collect();
        let command = [Msg::command(
            crate::msg::PipeCommand::Join,
            crate::group::Group::try_from("g").unwrap(),
        )];
        for refused in [&large[..], &many, &command, &[]] {
            assert_eq!(direct.try_write(refused), Written::Nothing);
        }
        let largest = Msg::from(vec![2u8; DIRECT_MAX]);
        assert_eq!(write_one(&direct, &largest), Written::Whole);
        let wire = frame(largest.as_bytes());
        assert_eq!(read_exact(&mut theirs, wire.len()), wire);
        // Several frames: each but the last with MORE.
        direct.release(true);
        let frames = [Msg::from("a"), Msg::new(), Msg::from("bc")];
        assert_eq!(direct.try_write(&frames), Written::Whole);
        assert_eq!(read_exact(&mut theirs, 9), b"\x01\x01a\x01\x00\x00\x02bc");
        // Claimed, then closed: nothing more.
        direct.release(true);
        direct.claim(&mut WriteQueue::default());
        assert_eq!(write_one(&direct, &msg), Written::Nothing);
        direct.release(true);
        direct.close();
        assert_eq!(write_one(&direct, &msg), Written::Nothing);
    }

    /// Bytes or the end of the stream waiting to be read: the engine goes
    /// first (the peer may be gone).
    #[test]
    fn waits_for_the_engine_when_something_is_to_be_read() {
        let (ours, mut theirs) = tcp_pair();
        let direct = Direct::new(ours.as_raw_fd());
        let msg = Msg::from("hello");
        theirs.write_all(b"x").unwrap();
        let mut poll = libc::pollfd {
            fd: ours.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd; waits at most 10 s.
        assert_eq!(unsafe { libc::poll(&mut poll, 1, 10_000) }, 1);
        direct.release(true);
        assert_eq!(write_one(&direct, &msg), Written::Nothing);
        (&ours).read_exact(&mut [0u8; 1]).unwrap();
        direct.release(true);
        assert_eq!(write_one(&direct, &msg), Written::Whole);
        theirs.shutdown(std::net::Shutdown::Write).unwrap();
        // SAFETY: as above.
        assert_eq!(unsafe { libc::poll(&mut poll, 1, 10_000) }, 1);
        direct.release(true);
        assert_eq!(write_one(&direct, &msg), Written::Nothing);
    }

    /// When the kernel takes part of a frame, the engine gets the rest
    /// first, and the peer reads the whole frame.
    #[test]
    fn the_rest_of_a_partial_write_goes_first_to_the_engine() {
        // A Unix stream with a small send buffer: the kernel sends a large
        // write in pieces and takes what fits.
        let (mut ours, mut theirs) = UnixStream::pair().unwrap();
        ours.set_nonblocking(true).unwrap();
        theirs
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let size: libc::c_int = 4096;
        // SAFETY: SO_SNDBUF reads one `c_int` from the pointer, which points
        // to a live `c_int`; the descriptor is open.
        let rc = unsafe {
            libc::setsockopt(
                ours.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_SNDBUF,
                (&size as *const libc::c_int).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            )
        };
        assert_eq!(rc, 0);
        let direct = Direct::new(ours.as_raw_fd());
        let msg = Msg::from(vec![9u8; DIRECT_MAX]);
        let wire = frame(msg.as_bytes());
        // Everything written, in order, and how much of it the peer read.
        let mut stream = Vec::new();
        let mut read = 0;
        // Fill the connection, then let the peer take a little at a time
        // until a direct write fits only in part.
        let chunk = [0xAAu8; 1000];
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut rest = loop {
            assert!(Instant::now() < deadline, "no partial write happened");
            loop {
                match ours.write(&chunk) {
                    Ok(count) => stream.extend_from_slice(&chunk[..count]),
                    Err(err) if err.kind() == io::ErrorKind::WouldBlock => {
                        break
                    }
                    Err(err) => panic!("{err}"),
                }
            }
            // Little by little, until the kernel takes some of a frame.
            let written = loop {
                let drained = read_exact(&mut theirs, 1000);
                assert_eq!(drained, stream[read..read + 1000]);
                read += 1000;
                direct.release(true);
                match write_one(&direct, &msg) {
                    Written::Nothing => {}
                    written => break written,
                }
            };
            if written == Written::Part {
                let mut queue = WriteQueue::default();
                direct.claim(&mut queue);
                break queue;
            }
            stream.extend_from_slice(&wire);
        };
        // What the kernel took, then the rest from the engine's queue.
        assert!(!rest.is_empty() && rest.len() < wire.len());
        stream.extend_from_slice(&wire);
        theirs.set_nonblocking(false).unwrap();
        let reader = std::thread::spawn(move || {
            let mut all = Vec::new();
            let mut buf = [0u8; 65536];
            while read + all.len() < stream.len() {
                let count = theirs.read(&mut buf).unwrap();
                assert!(count > 0);
                all.extend_from_slice(&buf[..count]);
            }
            assert!(all == stream[read..], "the stream is not in order");
        });
        ours.set_nonblocking(false).unwrap();
        while !rest.is_empty() {
            rest.write_to(&mut ours).unwrap();
        }
        reader.join().unwrap();
    }
}
