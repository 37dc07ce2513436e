//! TCP specifics: resolving addresses, binding listeners, starting
//! non-blocking connects.

use crate::addr::{Interface, Port, SocketAddr, SrcAddr, TcpAddr};
use crate::error::{Error, ErrorKind};
use socket2::{Domain, Protocol, Socket, Type};
use std::io;
use std::net::{IpAddr, Ipv4Addr, ToSocketAddrs};

/// libzmq's default listen backlog.
const BACKLOG: i32 = 100;

fn port_number(port: Port) -> u16 {
    match port {
        Port::Specified(port) => port,
        Port::Unspecified => 0,
    }
}

/// Resolves a host (IP, hostname or `*`) and port to socket addresses.
pub(crate) fn resolve(
    host: &SocketAddr,
) -> io::Result<Vec<std::net::SocketAddr>> {
    let port = port_number(host.port());
    match host.interface() {
        Interface::Ip(ip) => Ok(vec![std::net::SocketAddr::new(*ip, port)]),
        Interface::Hostname(name) => {
            let mut addrs: Vec<_> =
                (name.as_str(), port).to_socket_addrs()?.collect();
            // Prefer IPv4, as libzmq does without the IPV6 option.
            addrs.sort_by_key(|a| !a.is_ipv4());
            if addrs.is_empty() {
                return Err(io::Error::new(
                    io::ErrorKind::NotFound,
                    "no address for host",
                ));
            }
            Ok(addrs)
        }
    }
}

fn map_bind_error(err: &io::Error) -> Error {
    match err.kind() {
        io::ErrorKind::AddrInUse => Error::new(ErrorKind::AddrInUse),
        io::ErrorKind::AddrNotAvailable => {
            Error::new(ErrorKind::AddrNotAvailable)
        }
        io::ErrorKind::PermissionDenied => {
            Error::new(ErrorKind::InvalidInput("permission denied"))
        }
        // ENODEV, EADDRNOTAVAIL and anything else: not an address we can use.
        _ => Error::new(ErrorKind::AddrNotAvailable),
    }
}

/// Binds a listener for `addr` (SO_REUSEADDR, backlog 100, non-blocking).
pub(crate) fn bind(addr: &TcpAddr) -> Result<std::net::TcpListener, Error> {
    let addrs = resolve(addr.host())
        .map_err(|_| Error::new(ErrorKind::AddrNotAvailable))?;
    let mut last = Error::new(ErrorKind::AddrNotAvailable);
    for target in addrs {
        match bind_one(target) {
            Ok(listener) => return Ok(listener),
            Err(err) => last = map_bind_error(&err),
        }
    }
    Err(last)
}

fn bind_one(target: std::net::SocketAddr) -> io::Result<std::net::TcpListener> {
    let socket = Socket::new(
        Domain::for_address(target),
        Type::STREAM,
        Some(Protocol::TCP),
    )?;
    socket.set_reuse_address(true)?;
    socket.bind(&target.into())?;
    socket.listen(BACKLOG)?;
    socket.set_nonblocking(true)?;
    Ok(socket.into())
}

fn source_address(
    src: &SrcAddr,
    family_v4: bool,
) -> io::Result<Option<std::net::SocketAddr>> {
    let wildcard = if family_v4 {
        IpAddr::V4(Ipv4Addr::UNSPECIFIED)
    } else {
        IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED)
    };
    match src {
        SrcAddr::Socket(addr) => Ok(resolve(addr)?
            .into_iter()
            .find(|a| a.is_ipv4() == family_v4)),
        SrcAddr::Interface(Interface::Ip(ip)) => {
            Ok(Some(std::net::SocketAddr::new(*ip, 0)))
        }
        SrcAddr::Interface(Interface::Hostname(name)) => {
            let found = (name.as_str(), 0)
                .to_socket_addrs()?
                .find(|a| a.is_ipv4() == family_v4);
            Ok(found.or(Some(std::net::SocketAddr::new(wildcard, 0))))
        }
    }
}

/// Starts a non-blocking connect to `target` (optionally from `src`).
pub(crate) fn start_connect(
    target: std::net::SocketAddr,
    src: Option<&SrcAddr>,
) -> io::Result<mio::net::TcpStream> {
    let socket = Socket::new(
        Domain::for_address(target),
        Type::STREAM,
        Some(Protocol::TCP),
    )?;
    socket.set_nonblocking(true)?;
    socket.set_nodelay(true)?;
    if let Some(src) = src {
        if let Some(local) = source_address(src, target.is_ipv4())? {
            socket.bind(&local.into())?;
        }
    }
    match socket.connect(&target.into()) {
        Ok(()) => {}
        Err(err) if err.raw_os_error() == Some(libc::EINPROGRESS) => {}
        Err(err) => return Err(err),
    }
    Ok(mio::net::TcpStream::from_std(socket.into()))
}
