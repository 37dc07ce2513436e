//! IPC specifics: binding and connecting Unix domain sockets, by path or (on
//! Linux) by abstract name.

use super::stream::{BoundListener, Stream};
use crate::addr::IpcAddr;
use crate::error::{Error, ErrorKind};
use std::io;
use std::os::unix::net::{SocketAddr, UnixListener};
use std::path::PathBuf;

fn socket_addr(addr: &str) -> io::Result<SocketAddr> {
    match addr.strip_prefix('@') {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        Some(name) => {
            #[cfg(target_os = "android")]
            use std::os::android::net::SocketAddrExt;
            #[cfg(target_os = "linux")]
            use std::os::linux::net::SocketAddrExt;
            SocketAddr::from_abstract_name(name.as_bytes())
        }
        #[cfg(not(any(target_os = "linux", target_os = "android")))]
        Some(_) => Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "abstract ipc names need Linux",
        )),
        None => SocketAddr::from_pathname(addr),
    }
}

/// A fresh path for `ipc://*`.
fn wildcard_path() -> PathBuf {
    std::env::temp_dir()
        .join(format!("zmq-{}.ipc", uuid::Uuid::new_v4().simple()))
}

/// Binds `addr`; returns the listener and the address actually bound.
pub(crate) fn bind(addr: &IpcAddr) -> Result<(BoundListener, IpcAddr), Error> {
    let (text, path) = if addr.is_wildcard() {
        let path = wildcard_path();
        (path.to_string_lossy().into_owned(), Some(path))
    } else if addr.is_abstract() {
        (addr.as_str().to_owned(), None)
    } else {
        (addr.as_str().to_owned(), Some(PathBuf::from(addr.as_str())))
    };
    let bound = IpcAddr::new(text.clone()).map_err(|_| {
        Error::new(ErrorKind::InvalidInput("ipc path too long"))
    })?;
    let target = socket_addr(&text).map_err(|_| {
        Error::new(ErrorKind::InvalidInput("invalid ipc address"))
    })?;
    let listener = match UnixListener::bind_addr(&target) {
        Ok(listener) => listener,
        Err(err)
            if err.kind() == io::ErrorKind::AddrInUse && path.is_some() =>
        {
            // A file left by a socket that is gone (libzmq rebinds such paths):
            // take it over only if nobody answers on it.
            if std::os::unix::net::UnixStream::connect_addr(&target).is_ok() {
                return Err(Error::new(ErrorKind::AddrInUse));
            }
            let _ = std::fs::remove_file(path.as_ref().expect("checked above"));
            UnixListener::bind_addr(&target).map_err(|err| bind_error(&err))?
        }
        Err(err) => return Err(bind_error(&err)),
    };
    listener
        .set_nonblocking(true)
        .map_err(|err| bind_error(&err))?;
    Ok((BoundListener::Unix { listener, path }, bound))
}

fn bind_error(err: &io::Error) -> Error {
    match err.kind() {
        io::ErrorKind::AddrInUse => Error::new(ErrorKind::AddrInUse),
        io::ErrorKind::PermissionDenied => {
            Error::new(ErrorKind::InvalidInput("permission denied"))
        }
        _ => Error::new(ErrorKind::AddrNotAvailable),
    }
}

/// Starts a non-blocking connect to `addr`.
pub(crate) fn start_connect(addr: &IpcAddr) -> io::Result<Stream> {
    let target = socket_addr(addr.as_str())?;
    mio::net::UnixStream::connect_addr(&target).map(Stream::Unix)
}
