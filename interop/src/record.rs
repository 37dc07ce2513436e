//! Recording ZMTP traffic: a TCP relay on loopback that forwards a client's
//! connection to a server and keeps a copy of the bytes each way
//! ([`Recorder`]), a driver that runs real sessions between our crate and C
//! libzmq through it ([`sessions`]), and the shapes the fuzz targets take
//! ([`seeds`]). The `zmtp-record` binary puts them together; its output is
//! the `rec-*` seed corpora under `fuzz/corpus/`.

pub mod seeds;
pub mod sessions;

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

/// How long the relay waits for the server to accept its connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The bytes of one relayed connection, each direction in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Recording {
    /// What the connecting side (the client) sent.
    pub to_server: Vec<u8>,
    /// What the accepting side (the server) sent.
    pub to_client: Vec<u8>,
}

/// One direction's copy, kept up to a cap (the relay forwards everything).
struct Tape {
    bytes: Mutex<Vec<u8>>,
    cap: usize,
}

impl Tape {
    fn new(cap: usize) -> Arc<Self> {
        Arc::new(Tape {
            bytes: Mutex::new(Vec::new()),
            cap,
        })
    }

    fn record(&self, data: &[u8]) {
        let mut bytes =
            self.bytes.lock().unwrap_or_else(PoisonError::into_inner);
        let room = self.cap.saturating_sub(bytes.len());
        bytes.extend_from_slice(&data[..data.len().min(room)]);
    }

    fn take(&self) -> Vec<u8> {
        std::mem::take(
            &mut *self.bytes.lock().unwrap_or_else(PoisonError::into_inner),
        )
    }
}

/// A relayed connection: both sockets (to cut them) and the two pumps.
struct Conn {
    client: TcpStream,
    server: TcpStream,
    pumps: [JoinHandle<()>; 2],
    to_server: Arc<Tape>,
    to_client: Arc<Tape>,
}

/// A TCP relay on `127.0.0.1` (an ephemeral port) in front of a server:
/// every connection made to [`Recorder::endpoint`] is forwarded to the
/// server, and the bytes each way are recorded (up to a cap per direction).
/// [`Recorder::finish`] cuts the connections and returns what was recorded.
pub struct Recorder {
    endpoint: String,
    local: SocketAddr,
    stop: Arc<AtomicBool>,
    acceptor: Option<JoinHandle<()>>,
    conns: Arc<Mutex<Vec<Conn>>>,
}

impl Recorder {
    /// A relay to `target`, recording at most `cap` bytes each way of every
    /// connection.
    pub fn start(target: SocketAddr, cap: usize) -> io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let local = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let conns = Arc::new(Mutex::new(Vec::new()));
        let acceptor = {
            let (stop, conns) = (stop.clone(), conns.clone());
            std::thread::spawn(move || {
                accept_loop(&listener, target, cap, &stop, &conns)
            })
        };
        Ok(Recorder {
            endpoint: format!("tcp://{local}"),
            local,
            stop,
            acceptor: Some(acceptor),
            conns,
        })
    }

    /// A relay to a `tcp://host:port` endpoint (what `last_endpoint` gives).
    pub fn start_to(endpoint: &str, cap: usize) -> io::Result<Self> {
        let addr = endpoint
            .strip_prefix("tcp://")
            .and_then(|a| a.parse().ok())
            .ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("not a tcp://ip:port endpoint: {endpoint}"),
                )
            })?;
        Self::start(addr, cap)
    }

    /// Where clients connect: `tcp://127.0.0.1:port`.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// How many connections were relayed so far.
    pub fn connections(&self) -> usize {
        self.conns
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Stops accepting, cuts every relayed connection (both peers see it
    /// closed) and returns the recordings, in the order the connections
    /// were accepted.
    pub fn finish(mut self) -> Vec<Recording> {
        self.stop_accepting();
        let conns = std::mem::take(
            &mut *self.conns.lock().unwrap_or_else(PoisonError::into_inner),
        );
        conns
            .into_iter()
            .map(|conn| {
                // Unblocks both pumps' reads; they then return.
                let _ = conn.client.shutdown(Shutdown::Both);
                let _ = conn.server.shutdown(Shutdown::Both);
                for pump in conn.pumps {
                    let _ = pump.join();
                }
                Recording {
                    to_server: conn.to_server.take(),
                    to_client: conn.to_client.take(),
                }
            })
            .collect()
    }

    fn stop_accepting(&mut self) {
        if let Some(acceptor) = self.acceptor.take() {
            self.stop.store(true, Ordering::SeqCst);
            // Wakes the blocking accept, which then sees the flag.
            let _ = TcpStream::connect_timeout(&self.local, CONNECT_TIMEOUT);
            let _ = acceptor.join();
        }
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        self.stop_accepting();
        for conn in self
            .conns
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .drain(..)
        {
            let _ = conn.client.shutdown(Shutdown::Both);
            let _ = conn.server.shutdown(Shutdown::Both);
            for pump in conn.pumps {
                let _ = pump.join();
            }
        }
    }
}

fn accept_loop(
    listener: &TcpListener,
    target: SocketAddr,
    cap: usize,
    stop: &AtomicBool,
    conns: &Mutex<Vec<Conn>>,
) {
    while let Ok((client, _)) = listener.accept() {
        if stop.load(Ordering::SeqCst) {
            return;
        }
        // A server that is gone: the client sees its connection closed.
        let Ok(server) = TcpStream::connect_timeout(&target, CONNECT_TIMEOUT)
        else {
            continue;
        };
        let _ = client.set_nodelay(true);
        let _ = server.set_nodelay(true);
        let (to_server, to_client) = (Tape::new(cap), Tape::new(cap));
        let (Ok(c2), Ok(s2), Ok(c3), Ok(s3)) = (
            client.try_clone(),
            server.try_clone(),
            client.try_clone(),
            server.try_clone(),
        ) else {
            continue;
        };
        let pumps = [
            pump(c2, s2, to_server.clone()),
            pump(s3, c3, to_client.clone()),
        ];
        conns
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(Conn {
                client,
                server,
                pumps,
                to_server,
                to_client,
            });
    }
}

/// Copies `from` to `to`, recording on `tape`, until `from` ends or fails;
/// then half-closes `to` so the other peer sees the end too.
fn pump(
    mut from: TcpStream,
    mut to: TcpStream,
    tape: Arc<Tape>,
) -> JoinHandle<()> {
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            match from.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    tape.record(&buf[..n]);
                    if to.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => break,
            }
        }
        let _ = to.shutdown(Shutdown::Write);
    })
}
