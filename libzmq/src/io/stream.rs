//! The stream transports (TCP and IPC) behind one type, so the engine and the
//! reactor do not care which one a connection uses.

use crate::auth::AuthPeer;

use mio::event::Source;
use mio::{Interest, Registry, Token};
use std::io::{self, IoSlice, Read, Write};
use std::os::fd::{AsRawFd, RawFd};
use std::path::PathBuf;

/// A connected stream.
#[derive(Debug)]
pub(crate) enum Stream {
    Tcp(mio::net::TcpStream),
    Unix(mio::net::UnixStream),
}

/// A listening socket. An IPC listener bound to a path removes its socket
/// file when dropped.
#[derive(Debug)]
pub(crate) enum Listener {
    Tcp(mio::net::TcpListener),
    Unix {
        listener: mio::net::UnixListener,
        path: Option<PathBuf>,
    },
}

/// A bound listener on its way to an I/O thread (std types, not yet registered).
#[derive(Debug)]
pub(crate) enum BoundListener {
    Tcp(std::net::TcpListener),
    Unix {
        listener: std::os::unix::net::UnixListener,
        path: Option<PathBuf>,
    },
}

impl BoundListener {
    /// Converts to the non-blocking, registrable form.
    pub(crate) fn into_listener(self) -> Listener {
        match self {
            BoundListener::Tcp(listener) => {
                Listener::Tcp(mio::net::TcpListener::from_std(listener))
            }
            BoundListener::Unix { listener, path } => Listener::Unix {
                listener: mio::net::UnixListener::from_std(listener),
                path,
            },
        }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        if let Listener::Unix {
            path: Some(path), ..
        } = self
        {
            let _ = std::fs::remove_file(path);
        }
    }
}

impl Listener {
    /// Accepts one connection.
    pub(crate) fn accept(&self) -> io::Result<Stream> {
        match self {
            Listener::Tcp(listener) => {
                let (stream, _) = listener.accept()?;
                if let Err(err) = stream.set_nodelay(true) {
                    log::debug!("set_nodelay failed: {err}");
                }
                Ok(Stream::Tcp(stream))
            }
            Listener::Unix { listener, .. } => {
                listener.accept().map(|(stream, _)| Stream::Unix(stream))
            }
        }
    }
}

impl Stream {
    /// The peer for the auth registry's IP rules: a TCP peer whose address
    /// cannot be read is told apart from an IPC peer (which has none).
    pub(crate) fn auth_peer(&self) -> AuthPeer {
        match self {
            Stream::Tcp(s) => match s.peer_addr() {
                Ok(addr) => AuthPeer::Tcp(addr.ip()),
                Err(_) => AuthPeer::TcpUnknown,
            },
            Stream::Unix(_) => AuthPeer::Ipc,
        }
    }

    /// The peer's TCP address (`None` over IPC or when it cannot be read).
    pub(crate) fn peer_addr(&self) -> Option<std::net::SocketAddr> {
        match self {
            Stream::Tcp(s) => s.peer_addr().ok(),
            Stream::Unix(_) => None,
        }
    }

    /// The pending error of a non-blocking connect, or whether it is still in progress.
    pub(crate) fn connect_result(&self) -> io::Result<()> {
        let pending = match self {
            Stream::Tcp(s) => s.take_error(),
            Stream::Unix(s) => s.take_error(),
        };
        if let Some(err) = pending? {
            return Err(err);
        }
        match self {
            Stream::Tcp(s) => s.peer_addr().map(drop),
            Stream::Unix(s) => s.peer_addr().map(drop),
        }
    }
}

macro_rules! delegate {
    ($self:ident, $s:ident => $e:expr) => {
        match $self {
            Stream::Tcp($s) => $e,
            Stream::Unix($s) => $e,
        }
    };
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        delegate!(self, s => s.read(buf))
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        delegate!(self, s => s.write(buf))
    }
    fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        delegate!(self, s => s.write_vectored(bufs))
    }
    fn flush(&mut self) -> io::Result<()> {
        delegate!(self, s => s.flush())
    }
}

impl AsRawFd for Stream {
    fn as_raw_fd(&self) -> RawFd {
        delegate!(self, s => s.as_raw_fd())
    }
}

impl Source for Stream {
    fn register(
        &mut self,
        registry: &Registry,
        token: Token,
        interests: Interest,
    ) -> io::Result<()> {
        delegate!(self, s => s.register(registry, token, interests))
    }
    fn reregister(
        &mut self,
        registry: &Registry,
        token: Token,
        interests: Interest,
    ) -> io::Result<()> {
        delegate!(self, s => s.reregister(registry, token, interests))
    }
    fn deregister(&mut self, registry: &Registry) -> io::Result<()> {
        delegate!(self, s => s.deregister(registry))
    }
}

impl Source for Listener {
    fn register(
        &mut self,
        registry: &Registry,
        token: Token,
        interests: Interest,
    ) -> io::Result<()> {
        match self {
            Listener::Tcp(l) => l.register(registry, token, interests),
            Listener::Unix { listener, .. } => {
                listener.register(registry, token, interests)
            }
        }
    }
    fn reregister(
        &mut self,
        registry: &Registry,
        token: Token,
        interests: Interest,
    ) -> io::Result<()> {
        match self {
            Listener::Tcp(l) => l.reregister(registry, token, interests),
            Listener::Unix { listener, .. } => {
                listener.reregister(registry, token, interests)
            }
        }
    }
    fn deregister(&mut self, registry: &Registry) -> io::Result<()> {
        match self {
            Listener::Tcp(l) => l.deregister(registry),
            Listener::Unix { listener, .. } => listener.deregister(registry),
        }
    }
}
