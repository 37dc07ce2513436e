//! The UDP transport of Radio/Dish, with libzmq's datagram layout:
//! `group_len:u8 ‖ group ‖ body`, one message per datagram, no handshake, no
//! security, no heartbeats. A Radio `connect`s to a unicast or multicast
//! destination; a Dish `bind`s (and joins the multicast group if the address
//! is one). Datagrams over 8192 bytes are not sent (libzmq's limit); a Dish
//! whose queue is full drops what arrives.

use super::{EndpointKey, EngineNotify};
use crate::addr::{Interface, Port, SrcAddr, UdpAddr};
use crate::error::{Error, ErrorKind};
use crate::group::Group;
use crate::msg::Msg;
use crate::pipe::{Notify, Pipe, PopError, PushError};
use socket2::{Domain, Protocol, Socket, Type};
use std::collections::VecDeque;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, ToSocketAddrs};
use std::sync::Arc;

/// The largest datagram libzmq sends or expects.
pub(crate) const MAX_DATAGRAM: usize = 8192;
/// Datagrams handled per turn before yielding to other connections.
const PER_TURN: usize = 256;

fn resolve(addr: &UdpAddr) -> io::Result<SocketAddr> {
    let host = addr.host();
    let port = match host.port() {
        Port::Specified(port) => port,
        Port::Unspecified => 0,
    };
    match host.interface() {
        Interface::Ip(ip) => Ok(SocketAddr::new(*ip, port)),
        Interface::Hostname(name) => (name.as_str(), port)
            .to_socket_addrs()?
            .min_by_key(|a| !a.is_ipv4())
            .ok_or_else(|| {
                io::Error::new(io::ErrorKind::NotFound, "no address for host")
            }),
    }
}

/// The local interface address named by a source (`eth0` names are looked up
/// as hostnames; an unknown one means "any").
fn interface_ip(src: Option<&SrcAddr>, v4: bool) -> Option<IpAddr> {
    let ip = match src? {
        SrcAddr::Interface(Interface::Ip(ip)) => Some(*ip),
        SrcAddr::Socket(addr) => match addr.interface() {
            Interface::Ip(ip) => Some(*ip),
            Interface::Hostname(_) => None,
        },
        SrcAddr::Interface(Interface::Hostname(name)) => (name.as_str(), 0)
            .to_socket_addrs()
            .ok()?
            .map(|a| a.ip())
            .find(|ip| ip.is_ipv4() == v4),
    };
    ip.filter(|ip| ip.is_ipv4() == v4)
}

fn unspecified(v4: bool) -> IpAddr {
    if v4 {
        IpAddr::V4(Ipv4Addr::UNSPECIFIED)
    } else {
        IpAddr::V6(Ipv6Addr::UNSPECIFIED)
    }
}

fn invalid(err: io::Error) -> Error {
    log::debug!("udp endpoint: {err}");
    Error::new(ErrorKind::InvalidInput("invalid udp address"))
}

/// A Radio's sending socket for `addr` (multicast: TTL 1, loopback on, as libzmq).
pub(crate) fn open_sender(
    addr: &UdpAddr,
) -> Result<std::net::UdpSocket, Error> {
    let target = resolve(addr).map_err(invalid)?;
    if target.port() == 0 {
        return Err(Error::new(ErrorKind::InvalidInput(
            "cannot connect to an unspecified port",
        )));
    }
    let v4 = target.is_ipv4();
    let socket = Socket::new(
        Domain::for_address(target),
        Type::DGRAM,
        Some(Protocol::UDP),
    )
    .map_err(invalid)?;
    let local = interface_ip(addr.src(), v4).unwrap_or_else(|| unspecified(v4));
    if target.ip().is_multicast() {
        match (target.ip(), local) {
            (IpAddr::V4(_), IpAddr::V4(iface)) => {
                socket.set_multicast_loop_v4(true).map_err(invalid)?;
                socket.set_multicast_ttl_v4(1).map_err(invalid)?;
                if !iface.is_unspecified() {
                    socket.set_multicast_if_v4(&iface).map_err(invalid)?;
                }
            }
            _ => {
                socket.set_multicast_loop_v6(true).map_err(invalid)?;
                socket.set_multicast_hops_v6(1).map_err(invalid)?;
            }
        }
        socket
            .bind(&SocketAddr::new(unspecified(v4), 0).into())
            .map_err(invalid)?;
    } else {
        socket
            .bind(&SocketAddr::new(local, 0).into())
            .map_err(invalid)?;
    }
    socket.connect(&target.into()).map_err(invalid)?;
    socket.set_nonblocking(true).map_err(invalid)?;
    Ok(socket.into())
}

/// A Dish's receiving socket for `addr`; returns it with the address bound.
pub(crate) fn bind_receiver(
    addr: &UdpAddr,
) -> Result<(std::net::UdpSocket, UdpAddr), Error> {
    let target =
        resolve(addr).map_err(|_| Error::new(ErrorKind::AddrNotAvailable))?;
    let v4 = target.is_ipv4();
    let socket = Socket::new(
        Domain::for_address(target),
        Type::DGRAM,
        Some(Protocol::UDP),
    )
    .map_err(invalid)?;
    socket.set_reuse_address(true).map_err(invalid)?;
    let multicast = target.ip().is_multicast();
    if multicast {
        socket.set_reuse_port(true).map_err(invalid)?;
        socket
            .bind(&SocketAddr::new(unspecified(v4), target.port()).into())
            .map_err(|err| bind_error(&err))?;
        match target.ip() {
            IpAddr::V4(group) => {
                let iface = match interface_ip(addr.src(), true) {
                    Some(IpAddr::V4(ip)) => ip,
                    _ => Ipv4Addr::UNSPECIFIED,
                };
                socket.join_multicast_v4(&group, &iface).map_err(invalid)?;
            }
            IpAddr::V6(group) => {
                socket.join_multicast_v6(&group, 0).map_err(invalid)?
            }
        }
    } else {
        socket
            .bind(&target.into())
            .map_err(|err| bind_error(&err))?;
    }
    socket.set_nonblocking(true).map_err(invalid)?;
    let socket: std::net::UdpSocket = socket.into();
    let port = socket.local_addr().map_err(invalid)?.port();
    let bound = format!("{}:{port}", host_text(addr))
        .parse::<UdpAddr>()
        .map_err(|_| {
            Error::new(ErrorKind::InvalidInput("invalid udp address"))
        })?;
    Ok((socket, bound))
}

/// The address as given, without its port.
fn host_text(addr: &UdpAddr) -> String {
    let text = addr.to_string();
    match text.rfind(':') {
        Some(colon) => text[..colon].to_owned(),
        None => text,
    }
}

fn bind_error(err: &io::Error) -> Error {
    match err.kind() {
        io::ErrorKind::AddrInUse => Error::new(ErrorKind::AddrInUse),
        _ => Error::new(ErrorKind::AddrNotAvailable),
    }
}

/// Parses a datagram; `None` for malformed ones (empty, or a group length
/// past the end), which are ignored as libzmq does.
pub(crate) fn decode(datagram: &[u8]) -> Option<Msg> {
    let (&len, rest) = datagram.split_first()?;
    let len = usize::from(len);
    if len > rest.len() {
        return None;
    }
    let (group, body) = rest.split_at(len);
    let end = group.iter().position(|&b| b == 0).unwrap_or(group.len());
    let mut msg = Msg::from(body);
    msg.set_group_raw(Some(Group::new(&group[..end]).ok()?));
    Some(msg)
}

/// Writes the datagram of `msg` into `out`; `false` if it is too large to send.
pub(crate) fn encode(msg: &Msg, out: &mut Vec<u8>) -> bool {
    let group = msg.group().map(|g| g.to_bytes()).unwrap_or_default();
    out.clear();
    if 1 + group.len() + msg.len() > MAX_DATAGRAM {
        return false;
    }
    out.push(group.len() as u8);
    out.extend_from_slice(group);
    out.extend_from_slice(msg.as_bytes());
    true
}

/// The socket closed the pipe of a UDP endpoint.
#[derive(Debug)]
pub(crate) struct SocketGone;

/// One UDP endpoint on an I/O thread: a Radio's destination (it reads `out`)
/// or a Dish's bound socket (it fills `inp`).
pub(crate) struct UdpEngine {
    pub(crate) socket: mio::net::UdpSocket,
    pub(crate) key: EndpointKey,
    out: Arc<Pipe>,
    inp: Arc<Pipe>,
    sending: bool,
    notify: Arc<EngineNotify>,
    batch: VecDeque<Msg>,
    datagram: Vec<u8>,
    /// A datagram the kernel could not take yet.
    pending: bool,
}

impl UdpEngine {
    pub(crate) fn new(
        socket: mio::net::UdpSocket,
        key: EndpointKey,
        out: Arc<Pipe>,
        inp: Arc<Pipe>,
        sending: bool,
        notify: Arc<EngineNotify>,
    ) -> UdpEngine {
        let as_notify: Arc<dyn Notify> = notify.clone();
        out.set_reader(Some(as_notify));
        UdpEngine {
            socket,
            key,
            out,
            inp,
            sending,
            notify,
            batch: VecDeque::new(),
            datagram: Vec::with_capacity(MAX_DATAGRAM),
            pending: false,
        }
    }

    pub(crate) fn clear_notify(&self) {
        self.notify.clear();
    }

    /// Does all the work there is. `Err(SocketGone)` when the socket side
    /// closed its pipe: the endpoint is done.
    pub(crate) fn run(&mut self) -> Result<(), SocketGone> {
        if self.sending {
            self.send_side()
        } else {
            self.recv_side()
        }
    }

    fn send_side(&mut self) -> Result<(), SocketGone> {
        for _ in 0..PER_TURN {
            if self.pending {
                match self.socket.send(&self.datagram) {
                    Ok(_) => self.pending = false,
                    Err(err) if err.kind() == io::ErrorKind::WouldBlock => {
                        return Ok(())
                    }
                    Err(err) => {
                        // E.g. ICMP port unreachable reported on a later send: drop it.
                        log::debug!("udp send failed: {err}");
                        self.pending = false;
                    }
                }
            }
            let Some(msg) = self.batch.pop_front() else {
                match self.out.pop_batch(&mut self.batch, 64, usize::MAX) {
                    Ok(0) => return Ok(()),
                    Ok(_) => continue,
                    Err(PopError::Closed) => return Err(SocketGone),
                    Err(PopError::Empty) => return Ok(()),
                }
            };
            self.pending = encode(&msg, &mut self.datagram);
        }
        self.notify.notify();
        Ok(())
    }

    fn recv_side(&mut self) -> Result<(), SocketGone> {
        // A Dish's JOIN/LEAVE have no meaning over UDP: drop them.
        loop {
            match self.out.pop() {
                Ok(_) => {}
                Err(PopError::Empty) => break,
                Err(PopError::Closed) => return Err(SocketGone),
            }
        }
        let mut buf = [0u8; 65536];
        for _ in 0..PER_TURN {
            match self.socket.recv(&mut buf) {
                Ok(len) => {
                    if let Some(msg) = decode(&buf[..len]) {
                        match self.inp.push(msg) {
                            Ok(()) | Err(PushError::Full(_)) => {}
                            Err(PushError::Closed(_)) => {
                                return Err(SocketGone)
                            }
                        }
                    }
                }
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => {
                    return Ok(())
                }
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(err) => {
                    log::debug!("udp receive failed: {err}");
                    return Ok(());
                }
            }
        }
        self.notify.notify();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datagram_layout_matches_libzmq() {
        let mut msg = Msg::from("Friends");
        msg.set_group(Group::try_from("TV").unwrap());
        let mut out = Vec::new();
        assert!(encode(&msg, &mut out));
        assert_eq!(out, b"\x02TVFriends");
        let mut empty = Msg::new();
        empty.set_group(Group::try_from("").unwrap());
        assert!(encode(&empty, &mut out));
        assert_eq!(out, [0]);
        let mut huge = Msg::from(vec![0u8; 9000]);
        huge.set_group(Group::try_from("g").unwrap());
        assert!(!encode(&huge, &mut out));
    }

    #[test]
    fn malformed_datagrams_are_ignored() {
        assert!(decode(&[]).is_none());
        assert!(decode(b"\x09TV").is_none());
        let msg = decode(b"\x02TV").unwrap();
        assert!(msg.is_empty());
        assert_eq!(msg.group().unwrap(), "TV");
        let msg = decode(b"\x00emptygrp").unwrap();
        assert_eq!(msg.group().unwrap(), "");
        assert_eq!(msg.as_bytes(), b"emptygrp");
    }
}
