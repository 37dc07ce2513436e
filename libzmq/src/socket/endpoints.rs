//! A socket's endpoints: `bind`, `connect`, `unbind`, `disconnect`, and
//! closing the socket when it is dropped.

use super::core::SocketCore;
use crate::addr::{Endpoint, InprocAddr, TcpAddr};
use crate::error::{Error, ErrorKind};
use crate::inproc::{InprocSocket, PeerPipes};
use crate::io::stream::BoundListener;
use crate::io::{self, Command, Completion, EndpointKey, Linger, PeerAddr};
use crate::monitor::EventKind;
use crate::pipe::Pipe;
use std::sync::atomic::{AtomicU64, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;
use zmtp::SocketType;

static NEXT_ENDPOINT_ID: AtomicU64 = AtomicU64::new(1);

/// How long closing waits for an I/O thread to release a listener.
const CLOSE_WAIT: Duration = Duration::from_secs(5);

pub(super) enum Transport {
    Stream { thread: usize },
    Inproc { name: String },
}

/// One bind or connect of a socket.
pub(super) struct EndpointRecord {
    id: u64,
    endpoint: Endpoint,
    bound: bool,
    transport: Transport,
}

impl SocketCore {
    fn key(&self, endpoint_id: u64) -> EndpointKey {
        EndpointKey {
            socket_id: self.id,
            endpoint_id,
        }
    }

    fn invalid_ctx<T>(&self) -> Result<T, Error> {
        Err(Error::new(ErrorKind::InvalidCtx))
    }

    fn record(
        &self,
        endpoint: Endpoint,
        bound: bool,
        id: u64,
        transport: Transport,
    ) {
        if bound {
            self.monitor.emit(&endpoint, || EventKind::Listening);
        }
        let mut state = self.state();
        state.last_endpoint = Some(endpoint.clone());
        state.endpoints.push(EndpointRecord {
            id,
            endpoint,
            bound,
            transport,
        });
    }

    /// This socket as the ctx's inproc table knows it.
    fn inproc_socket(&self) -> InprocSocket {
        InprocSocket {
            inbox: self.inbox.clone(),
            hwms: self.hwms.clone(),
            socket_id: self.id,
            routing_id: self.settings.lock().routing_id.clone(),
        }
    }

    /// Binds to `endpoint` now (an ephemeral TCP port or `ipc://*` is
    /// resolved); monitors hear that it listens, or why it failed.
    pub(crate) fn bind(&self, endpoint: Endpoint) -> Result<(), Error> {
        let requested = self.monitor.is_active().then(|| endpoint.clone());
        let result = self.bind_endpoint(endpoint);
        if let (Err(err), Some(requested)) = (&result, requested) {
            let reason = err.to_string();
            self.monitor
                .emit(&requested, || EventKind::BindFailed { reason });
        }
        result
    }

    fn bind_endpoint(&self, endpoint: Endpoint) -> Result<(), Error> {
        self.ctx.check_alive()?;
        let id = NEXT_ENDPOINT_ID.fetch_add(1, SeqCst);
        match endpoint {
            Endpoint::Tcp(addr) => {
                self.ctx.io_threads()?;
                let listener = io::tcp::bind(&addr)?;
                let local = listener
                    .local_addr()
                    .map_err(|_| Error::new(ErrorKind::AddrNotAvailable))?;
                let resolved = Endpoint::Tcp(TcpAddr::new(local));
                self.listen(BoundListener::Tcp(listener), resolved, id)
            }
            Endpoint::Ipc(addr) => {
                self.ctx.io_threads()?;
                let (listener, bound) = io::ipc::bind(&addr)?;
                self.listen(listener, Endpoint::Ipc(bound), id)
            }
            Endpoint::Udp(addr) if self.kind == SocketType::Dish => {
                self.ctx.io_threads()?;
                let (socket, bound) = io::udp::bind_receiver(&addr)?;
                let out = Pipe::new(None, None);
                let inp = Pipe::new(None, Some(self.hwms.recv()));
                self.open_udp(socket, out, inp, false, Endpoint::Udp(bound), id)
            }
            Endpoint::Inproc(addr) => {
                let waiting = self.ctx.inproc.lock().bind(
                    addr.as_str(),
                    &self.inproc_socket(),
                    id,
                )?;
                for PeerPipes { out, inp, peer } in waiting {
                    self.attach_pipes(out, inp, id, peer);
                }
                self.record_inproc(addr, true, id);
                Ok(())
            }
            _ => Err(Error::new(ErrorKind::InvalidInput(
                "transport incompatible",
            ))),
        }
    }

    fn record_inproc(&self, addr: InprocAddr, bound: bool, id: u64) {
        let name = addr.as_str().to_owned();
        self.record(
            Endpoint::Inproc(addr),
            bound,
            id,
            Transport::Inproc { name },
        );
    }

    /// Hands a bound listener to an I/O thread.
    fn listen(
        &self,
        listener: BoundListener,
        resolved: Endpoint,
        id: u64,
    ) -> Result<(), Error> {
        let threads = self.ctx.io_threads()?;
        let thread = threads.pick();
        let command = Command::Listen {
            listener,
            key: self.key(id),
            options: self.engine_options(&resolved),
        };
        // Recorded (and `Listening` emitted) before a connection can come.
        self.record(resolved, true, id, Transport::Stream { thread });
        threads.send(thread, command);
        Ok(())
    }

    /// Connects to `endpoint`. The pipe to it exists at once, so the socket
    /// can queue messages before the connection is up — except over TCP and
    /// IPC with `immediate`, where the peer joins when its handshake
    /// completed.
    pub(crate) fn connect(&self, endpoint: Endpoint) -> Result<(), Error> {
        self.ctx.check_alive()?;
        let id = NEXT_ENDPOINT_ID.fetch_add(1, SeqCst);
        match endpoint {
            Endpoint::Tcp(addr) => {
                if addr.host().port().is_unspecified() {
                    return Err(Error::new(ErrorKind::InvalidInput(
                        "cannot connect to an unspecified port",
                    )));
                }
                self.connect_stream(
                    PeerAddr::Tcp(addr.clone()),
                    Endpoint::Tcp(addr),
                    id,
                )
            }
            Endpoint::Ipc(addr) => {
                if addr.is_wildcard() {
                    return Err(Error::new(ErrorKind::InvalidInput(
                        "cannot connect to ipc://*",
                    )));
                }
                self.connect_stream(
                    PeerAddr::Ipc(addr.clone()),
                    Endpoint::Ipc(addr),
                    id,
                )
            }
            Endpoint::Udp(addr) if self.kind == SocketType::Radio => {
                self.ctx.io_threads()?;
                let socket = io::udp::open_sender(&addr)?;
                let out = Pipe::new(Some(self.hwms.send()), None);
                let inp = Pipe::new(None, None);
                self.open_udp(socket, out, inp, true, Endpoint::Udp(addr), id)
            }
            Endpoint::Inproc(addr) => {
                let PeerPipes { out, inp, peer } = self
                    .ctx
                    .inproc
                    .lock()
                    .connect(addr.as_str(), &self.inproc_socket(), id);
                if self.attach_pipes(out, inp, id, peer).is_none() {
                    return self.invalid_ctx();
                }
                self.record_inproc(addr, false, id);
                Ok(())
            }
            _ => Err(Error::new(ErrorKind::InvalidInput(
                "transport incompatible",
            ))),
        }
    }

    /// Adds the peer of a UDP socket and hands the socket to an I/O thread.
    fn open_udp(
        &self,
        socket: std::net::UdpSocket,
        out: Arc<Pipe>,
        inp: Arc<Pipe>,
        sending: bool,
        endpoint: Endpoint,
        id: u64,
    ) -> Result<(), Error> {
        let threads = self.ctx.io_threads()?;
        let Some(peer_id) =
            self.attach_pipes(out.clone(), inp.clone(), id, None)
        else {
            return self.invalid_ctx();
        };
        if sending {
            // No JOINs cross UDP: the destination gets every group.
            self.state().peers.set_all_groups(peer_id);
        }
        let thread = threads.pick();
        let command = Command::Udp {
            socket,
            key: self.key(id),
            out,
            inp,
            sending,
        };
        threads.send(thread, command);
        self.record(endpoint, !sending, id, Transport::Stream { thread });
        Ok(())
    }

    /// Creates the pipes of a stream connection (unless `immediate`: then
    /// each connection brings its own after its handshake) and hands its
    /// connecter to an I/O thread.
    fn connect_stream(
        &self,
        addr: PeerAddr,
        endpoint: Endpoint,
        id: u64,
    ) -> Result<(), Error> {
        let threads = self.ctx.io_threads()?;
        let pipes = if self.settings.lock().immediate {
            None
        } else {
            let (out, inp) = self.hwms.engine_pipes();
            if self
                .attach_pipes(out.clone(), inp.clone(), id, None)
                .is_none()
            {
                return self.invalid_ctx();
            }
            Some((out, inp))
        };
        let thread = threads.pick();
        let command = Command::Connect {
            addr,
            key: self.key(id),
            pipes,
            options: self.engine_options(&endpoint),
        };
        threads.send(thread, command);
        self.record(endpoint, false, id, Transport::Stream { thread });
        Ok(())
    }

    /// Stops the endpoint and drops the peers that came through it.
    fn close_endpoint(&self, record: EndpointRecord) {
        let peers = self.state().peers.take_endpoint(record.id);
        for peer in peers {
            peer.out.discard();
            peer.out.close_writer();
            peer.inp.close_reader();
        }
        match &record.transport {
            &Transport::Stream { thread } => {
                if let Some(threads) = self.ctx.running_io_threads() {
                    // Unbinding frees the address before returning.
                    let done = record.bound.then(Completion::new);
                    let command = Command::CloseEndpoint {
                        key: self.key(record.id),
                        done: done.clone(),
                    };
                    threads.send(thread, command);
                    if let Some(done) = done {
                        done.wait(CLOSE_WAIT);
                    }
                }
            }
            Transport::Inproc { name } => self.release_inproc(name, &record),
        }
        if record.bound {
            self.monitor.emit(&record.endpoint, || EventKind::Unbound);
        }
        self.signal.notify();
    }

    fn release_inproc(&self, name: &str, record: &EndpointRecord) {
        let mut table = self.ctx.inproc.lock();
        if record.bound {
            table.unbind(name, self.id);
        } else {
            table.cancel_pending(name, record.id);
        }
    }

    fn take_record(
        &self,
        endpoint: &Endpoint,
        bound_only: bool,
        missing: &'static str,
    ) -> Result<EndpointRecord, Error> {
        self.ctx.check_alive()?;
        let mut state = self.state();
        let wanted = endpoint.to_zmq_string();
        let index = state
            .endpoints
            .iter()
            .position(|r| {
                (r.bound || !bound_only) && r.endpoint.to_zmq_string() == wanted
            })
            .ok_or_else(|| Error::new(ErrorKind::NotFound(missing)))?;
        Ok(state.endpoints.remove(index))
    }

    /// Closes a bound endpoint and the connections accepted through it.
    pub(crate) fn unbind(&self, endpoint: Endpoint) -> Result<(), Error> {
        let record =
            self.take_record(&endpoint, true, "endpoint was not bound to")?;
        self.close_endpoint(record);
        Ok(())
    }

    /// Closes a connected endpoint (or, as libzmq allows, a bound one).
    pub(crate) fn disconnect(&self, endpoint: Endpoint) -> Result<(), Error> {
        let record =
            self.take_record(&endpoint, false, "endpoint was not in use")?;
        self.close_endpoint(record);
        Ok(())
    }

    pub(crate) fn last_endpoint(&self) -> Result<Endpoint, Error> {
        self.ctx.check_alive()?;
        self.state().last_endpoint.clone().ok_or_else(|| {
            Error::new(ErrorKind::NotFound(
                "no endpoint previously bound or connected to",
            ))
        })
    }

    /// The socket is dropped: its peers see their pipes close (what an
    /// engine already holds, or the I/O thread can write at once, still
    /// goes out; see [`Linger`]) and every endpoint is released.
    pub(super) fn close(&self) {
        for command in self.inbox.close() {
            command.abandon();
        }
        let (peers, endpoints) = {
            let mut state = self.state_for_close();
            state.closed = true;
            (state.peers.take_all(), std::mem::take(&mut state.endpoints))
        };
        for peer in peers {
            peer.out.close_writer();
            peer.inp.close_reader();
        }
        let linger = Linger::starting_now(self.options().linger.into());
        // Per I/O thread: whether we must wait for a listener to close.
        let mut threads_used: Vec<(usize, bool)> = Vec::new();
        for record in endpoints {
            match record.transport {
                Transport::Stream { thread } => {
                    match threads_used.iter_mut().find(|(t, _)| *t == thread) {
                        Some((_, wait)) => *wait |= record.bound,
                        None => threads_used.push((thread, record.bound)),
                    }
                }
                Transport::Inproc { ref name } => {
                    self.release_inproc(name, &record)
                }
            }
        }
        if let Some(threads) = self.ctx.running_io_threads() {
            for (thread, wait) in threads_used {
                // Dropping a socket frees its addresses before returning.
                let done = wait.then(Completion::new);
                threads.send(
                    thread,
                    Command::CloseSocket {
                        socket_id: self.id,
                        done: done.clone(),
                        linger,
                    },
                );
                if let Some(done) = done {
                    done.wait(CLOSE_WAIT);
                }
            }
        }
        self.ctx.unregister_socket(self.id);
    }
}
