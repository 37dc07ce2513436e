//! Address and endpoint types.
//!
//! An [`Endpoint`] is a rendez-vous address for a given transport:
//! [`TcpAddr`], [`UdpAddr`], [`InprocAddr`], [`PgmAddr`] and [`EpgmAddr`].
//! This module holds the building blocks of these addresses.
//!
//! # Syntax
//! * A [`Hostname`] is made of ASCII alphanumeric chars, `-` and `.`
//!   (e.g. `localhost`, `eth0`, `example.com`).
//! * A [`Port`] is a number or `*` (a port assigned by the system).
//! * An [`Interface`] is an IP address, `*` (all interfaces, i.e.
//!   `0.0.0.0`) or a hostname.
//! * A [`SocketAddr`] is `interface:port`. IPv6 addresses are written
//!   inside brackets: `[::1]:5555`.
//! * A [`SrcAddr`] is a socket address or an interface.
//! * The network transports take `[src;]host`, where `host` is a socket
//!   address and the optional `src` is the source address to use.
//!
//! # Example
//! ```
//! use libzmq::{addr::*, TcpAddr};
//! use std::convert::TryInto;
//!
//! let addr: TcpAddr = "eth0;192.168.1.1:5555".try_into()?;
//! assert_eq!(addr.host().port(), Port::Specified(5555));
//! assert_eq!(addr.src(), Some(&"eth0".parse::<SrcAddr>()?));
//! assert_eq!(addr.to_string(), "eth0;192.168.1.1:5555");
//! #
//! # Ok::<(), anyhow::Error>(())
//! ```

mod endpoint;
mod ipc;
mod socket;

pub use endpoint::Endpoint;
pub use ipc::{IpcAddr, IPC_MAX_SIZE};
pub use socket::{
    EpgmAddr, InprocAddr, PgmAddr, TcpAddr, UdpAddr, INPROC_MAX_SIZE,
};

use serde::{de, Deserializer, Serializer};
use thiserror::Error;

use std::{
    fmt,
    marker::PhantomData,
    net::{self, IpAddr, Ipv4Addr, Ipv6Addr},
    option,
    str::FromStr,
    vec,
};

/// An error that occurred while parsing an address.
///
/// # Example
/// ```
/// use libzmq::TcpAddr;
///
/// let err = "127.0.0.1:http".parse::<TcpAddr>().unwrap_err();
/// assert_eq!(err.msg(), "invalid port number");
/// assert_eq!(err.to_string(), "cannot parse address : invalid port number");
/// ```
#[derive(Debug, Error, Copy, Clone, PartialEq, Eq, Hash)]
#[error("cannot parse address : {msg}")]
pub struct AddrParseError {
    msg: &'static str,
}

impl AddrParseError {
    pub(crate) fn new(msg: &'static str) -> Self {
        Self { msg }
    }

    /// Returns the reason of the error.
    pub fn msg(&self) -> &'static str {
        self.msg
    }
}

/// Implements `TryFrom<String | &String | &str>` through `FromStr`.
macro_rules! impl_try_from_str {
    ($ty:ty) => {
        impl ::std::convert::TryFrom<String> for $ty {
            type Error = $crate::addr::AddrParseError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                s.parse()
            }
        }

        impl<'a> ::std::convert::TryFrom<&'a String> for $ty {
            type Error = $crate::addr::AddrParseError;
            fn try_from(s: &'a String) -> Result<Self, Self::Error> {
                s.parse()
            }
        }

        impl<'a> ::std::convert::TryFrom<&'a str> for $ty {
            type Error = $crate::addr::AddrParseError;
            fn try_from(s: &'a str) -> Result<Self, Self::Error> {
                s.parse()
            }
        }
    };
}

/// Implements `Serialize` through `Display` and `Deserialize` through
/// `FromStr`.
macro_rules! impl_serde_display_from_str {
    ($ty:ty, $expecting:expr) => {
        impl ::serde::Serialize for $ty {
            fn serialize<S>(&self, serializer: S) -> Result<S::Ok, S::Error>
            where
                S: ::serde::Serializer,
            {
                $crate::addr::serialize_display(self, serializer)
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $ty {
            fn deserialize<D>(deserializer: D) -> Result<Self, D::Error>
            where
                D: ::serde::Deserializer<'de>,
            {
                $crate::addr::deserialize_from_str(deserializer, $expecting)
            }
        }
    };
}

pub(crate) use impl_serde_display_from_str;
pub(crate) use impl_try_from_str;

pub(crate) fn serialize_display<T, S>(
    value: &T,
    serializer: S,
) -> Result<S::Ok, S::Error>
where
    T: fmt::Display,
    S: Serializer,
{
    serializer.collect_str(value)
}

pub(crate) fn deserialize_from_str<'de, T, D>(
    deserializer: D,
    expecting: &'static str,
) -> Result<T, D::Error>
where
    T: FromStr,
    T::Err: fmt::Display,
    D: Deserializer<'de>,
{
    struct FromStrVisitor<T>(&'static str, PhantomData<T>);

    impl<'de, T> de::Visitor<'de> for FromStrVisitor<T>
    where
        T: FromStr,
        T::Err: fmt::Display,
    {
        type Value = T;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.0)
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
            v.parse().map_err(E::custom)
        }

        fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
            self.visit_str(&v.to_string())
        }

        fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
            self.visit_str(&v.to_string())
        }
    }

    deserializer.deserialize_str(FromStrVisitor(expecting, PhantomData))
}

/// The maximum length of a hostname, in bytes.
const HOSTNAME_MAX_SIZE: usize = 253;

/// A hostname or a network interface name, such as `localhost`, `eth0` or
/// `example.com`.
///
/// A hostname is non-empty, has at most 253 bytes, and is made of ASCII
/// alphanumeric chars, `-` and `.`, with no empty label (it cannot start
/// with a `.` nor contain `..`; a single trailing `.` is allowed).
///
/// # Example
/// ```
/// use libzmq::addr::Hostname;
///
/// let hostname = Hostname::new("server-name")?;
/// assert_eq!(hostname.as_str(), "server-name");
/// assert!(Hostname::new("eth0").is_ok());
/// assert!(Hostname::new("localhost").is_ok());
/// assert!(Hostname::new("example.com").is_ok());
///
/// assert!(Hostname::new("").is_err());
/// assert!(Hostname::new("no space").is_err());
/// #
/// # Ok::<(), anyhow::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Hostname {
    name: String,
}

impl Hostname {
    /// Creates a hostname, checking its syntax.
    pub fn new<S>(name: S) -> Result<Self, AddrParseError>
    where
        S: Into<String>,
    {
        let name = name.into();
        if name.is_empty() {
            return Err(AddrParseError::new("empty hostname"));
        }
        if !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
        {
            return Err(AddrParseError::new("hostname contains illegal char"));
        }
        let without_root = name.strip_suffix('.').unwrap_or(&name);
        if without_root.is_empty() || without_root.split('.').any(str::is_empty)
        {
            return Err(AddrParseError::new("hostname contains empty label"));
        }
        if name.len() > HOSTNAME_MAX_SIZE {
            return Err(AddrParseError::new(
                "hostname cannot exceed 253 chars",
            ));
        }
        Ok(Self { name })
    }

    /// Returns the hostname as a `&str`.
    pub fn as_str(&self) -> &str {
        &self.name
    }
}

impl fmt::Display for Hostname {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

impl FromStr for Hostname {
    type Err = AddrParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

impl_try_from_str!(Hostname);
impl_serde_display_from_str!(Hostname, "a hostname");

/// A port number, or `*` for a port assigned by the system.
///
/// # Example
/// ```
/// use libzmq::addr::Port;
///
/// let port: Port = "*".parse()?;
/// assert!(port.is_unspecified());
///
/// let port: Port = "3000".parse()?;
/// assert_eq!(port, Port::Specified(3000));
/// assert_eq!(port.to_string(), "3000");
/// #
/// # Ok::<(), anyhow::Error>(())
/// ```
#[derive(Debug, Copy, Clone, PartialEq, Eq, Hash)]
pub enum Port {
    /// A specific port number.
    Specified(u16),
    /// A port to be assigned by the system (written `*`).
    Unspecified,
}

impl Port {
    /// Returns `true` for a specific port number.
    pub fn is_specified(self) -> bool {
        matches!(self, Port::Specified(_))
    }

    /// Returns `true` for a system-assigned port (`*`).
    pub fn is_unspecified(self) -> bool {
        !self.is_specified()
    }
}

impl fmt::Display for Port {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Port::Specified(port) => write!(f, "{}", port),
            Port::Unspecified => f.write_str("*"),
        }
    }
}

impl FromStr for Port {
    type Err = AddrParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "" => Err(AddrParseError::new("empty port")),
            "*" => Ok(Port::Unspecified),
            _ if s.bytes().all(|b| b.is_ascii_digit()) => s
                .parse()
                .map(Port::Specified)
                .map_err(|_| AddrParseError::new("invalid port number")),
            _ => Err(AddrParseError::new("invalid port number")),
        }
    }
}

impl_try_from_str!(Port);
impl_serde_display_from_str!(Port, "a port number or `*`");

/// A network interface: an IP address or a hostname.
///
/// When parsing, an IP address is tried first, then a hostname. `*`
/// stands for all IPv4 interfaces and is parsed as
/// `Interface::Ip(0.0.0.0)`. An IPv6 address may be written inside
/// brackets (`[::1]`).
///
/// # Example
/// ```
/// use libzmq::addr::Interface;
/// use std::net::{IpAddr, Ipv4Addr};
///
/// let interface: Interface = "0.0.0.0".parse()?;
/// assert_eq!(interface, Interface::Ip(IpAddr::V4(Ipv4Addr::UNSPECIFIED)));
/// assert_eq!("*".parse::<Interface>()?, interface);
///
/// let interface: Interface = "eth0".parse()?;
/// assert!(matches!(interface, Interface::Hostname(_)));
/// #
/// # Ok::<(), anyhow::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Interface {
    /// An IP address.
    Ip(IpAddr),
    /// A hostname or an interface name.
    Hostname(Hostname),
}

impl Interface {
    /// Parses an interface that is not inside brackets.
    fn parse_bare(s: &str) -> Result<Self, AddrParseError> {
        if s.is_empty() {
            return Err(AddrParseError::new("empty interface"));
        }
        if s == "*" {
            return Ok(Interface::Ip(IpAddr::V4(Ipv4Addr::UNSPECIFIED)));
        }
        if let Ok(ip) = s.parse::<IpAddr>() {
            return Ok(Interface::Ip(ip));
        }
        Hostname::new(s).map(Interface::Hostname)
    }

    /// Writes the interface, with IPv6 addresses inside brackets.
    fn fmt_bracketed(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Interface::Ip(IpAddr::V6(ip)) => write!(f, "[{}]", ip),
            other => fmt::Display::fmt(other, f),
        }
    }
}

impl fmt::Display for Interface {
    /// IPv6 addresses are written without brackets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Interface::Ip(ip) => fmt::Display::fmt(ip, f),
            Interface::Hostname(name) => fmt::Display::fmt(name, f),
        }
    }
}

impl FromStr for Interface {
    type Err = AddrParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
            Some(inner) => Self::parse_bare(inner),
            None => Self::parse_bare(s),
        }
    }
}

impl From<IpAddr> for Interface {
    fn from(ip: IpAddr) -> Self {
        Interface::Ip(ip)
    }
}

impl From<Hostname> for Interface {
    fn from(name: Hostname) -> Self {
        Interface::Hostname(name)
    }
}

impl_try_from_str!(Interface);
impl_serde_display_from_str!(Interface, "an IP address or a hostname");

/// A socket address: an [`Interface`] and a [`Port`], written
/// `interface:port` (`[ipv6]:port` for IPv6 addresses).
///
/// # Example
/// ```
/// use libzmq::addr::{Port, SocketAddr};
///
/// let addr: SocketAddr = "127.0.0.1:3000".parse()?;
/// assert_eq!(addr.port(), Port::Specified(3000));
///
/// let addr: SocketAddr = "[::1]:*".parse()?;
/// assert!(addr.port().is_unspecified());
/// assert_eq!(addr.to_string(), "[::1]:*");
/// #
/// # Ok::<(), anyhow::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SocketAddr {
    interface: Interface,
    port: Port,
}

impl SocketAddr {
    /// Creates a socket address from its parts.
    pub fn new(interface: Interface, port: Port) -> Self {
        Self { interface, port }
    }

    /// Returns the interface.
    pub fn interface(&self) -> &Interface {
        &self.interface
    }

    /// Returns the port.
    pub fn port(&self) -> Port {
        self.port
    }
}

impl fmt::Display for SocketAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.interface.fmt_bracketed(f)?;
        write!(f, ":{}", self.port)
    }
}

impl FromStr for SocketAddr {
    type Err = AddrParseError;
    /// Splits at the last `:`. The interface may be an IPv6 address inside
    /// brackets; an IPv6 address without brackets (`::1:5555`) is also
    /// accepted, as libzmq does.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let pos = s
            .rfind(':')
            .ok_or_else(|| AddrParseError::new("invalid addr format"))?;
        let interface = s[..pos].parse()?;
        let port = s[pos + 1..].parse()?;
        Ok(Self { interface, port })
    }
}

impl From<net::SocketAddr> for SocketAddr {
    fn from(addr: net::SocketAddr) -> Self {
        Self {
            interface: Interface::Ip(addr.ip()),
            port: Port::Specified(addr.port()),
        }
    }
}

impl<'a> From<&'a net::SocketAddr> for SocketAddr {
    fn from(addr: &'a net::SocketAddr) -> Self {
        Self::from(*addr)
    }
}

impl<'a> From<&'a SocketAddr> for SocketAddr {
    fn from(addr: &'a SocketAddr) -> Self {
        addr.clone()
    }
}

impl_try_from_str!(SocketAddr);
impl_serde_display_from_str!(SocketAddr, "a socket address `interface:port`");

/// A source address: a [`SocketAddr`] or an [`Interface`].
///
/// When parsing, a socket address is tried first, then an interface.
///
/// # Example
/// ```
/// use libzmq::addr::{SocketAddr, SrcAddr};
///
/// let src: SrcAddr = "192.168.1.17:*".parse()?;
/// assert!(matches!(src, SrcAddr::Socket(_)));
///
/// let src: SrcAddr = "eth0".parse()?;
/// assert!(matches!(src, SrcAddr::Interface(_)));
/// #
/// # Ok::<(), anyhow::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SrcAddr {
    /// A socket address (interface and port).
    Socket(SocketAddr),
    /// An interface (any port).
    Interface(Interface),
}

impl fmt::Display for SrcAddr {
    /// IPv6 addresses are written inside brackets, so that the output
    /// parses back to the same value.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SrcAddr::Socket(addr) => fmt::Display::fmt(addr, f),
            SrcAddr::Interface(interface) => interface.fmt_bracketed(f),
        }
    }
}

impl FromStr for SrcAddr {
    type Err = AddrParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.parse::<SocketAddr>() {
            Ok(addr) => Ok(SrcAddr::Socket(addr)),
            Err(socket_err) => match s.parse::<Interface>() {
                Ok(interface) => Ok(SrcAddr::Interface(interface)),
                // Report the socket address error when the input looks
                // like one.
                Err(_) if s.contains(':') => Err(socket_err),
                Err(err) => Err(err),
            },
        }
    }
}

impl From<SocketAddr> for SrcAddr {
    fn from(addr: SocketAddr) -> Self {
        SrcAddr::Socket(addr)
    }
}

impl<'a> From<&'a SocketAddr> for SrcAddr {
    fn from(addr: &'a SocketAddr) -> Self {
        SrcAddr::Socket(addr.clone())
    }
}

impl<'a> From<&'a SrcAddr> for SrcAddr {
    fn from(addr: &'a SrcAddr) -> Self {
        addr.clone()
    }
}

impl_try_from_str!(SrcAddr);
impl_serde_display_from_str!(SrcAddr, "a source address");

/// A collection of IP addresses, used to give one or several addresses
/// to a function.
///
/// # Example
/// ```
/// use libzmq::addr::IntoIpAddrs;
/// use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
///
/// fn count<I: IntoIpAddrs>(ips: I) -> usize {
///     ips.into_ip_addrs().count()
/// }
///
/// let v4 = Ipv4Addr::LOCALHOST;
/// assert_eq!(count(v4), 1);
/// assert_eq!(count(&v4), 1);
/// assert_eq!(count(Ipv6Addr::LOCALHOST), 1);
/// assert_eq!(count(vec![v4, v4]), 2);
/// let ips: &[IpAddr] = &[IpAddr::V4(v4), IpAddr::V6(Ipv6Addr::LOCALHOST)];
/// assert_eq!(count(ips), 2);
/// ```
pub trait IntoIpAddrs {
    /// The iterator over the addresses.
    type IntoIter: Iterator<Item = IpAddr>;

    /// Returns an iterator over the addresses.
    fn into_ip_addrs(self) -> Self::IntoIter;
}

impl IntoIpAddrs for IpAddr {
    type IntoIter = option::IntoIter<IpAddr>;
    fn into_ip_addrs(self) -> Self::IntoIter {
        Some(self).into_iter()
    }
}

impl IntoIpAddrs for Ipv4Addr {
    type IntoIter = option::IntoIter<IpAddr>;
    fn into_ip_addrs(self) -> Self::IntoIter {
        Some(IpAddr::V4(self)).into_iter()
    }
}

impl IntoIpAddrs for Ipv6Addr {
    type IntoIter = option::IntoIter<IpAddr>;
    fn into_ip_addrs(self) -> Self::IntoIter {
        Some(IpAddr::V6(self)).into_iter()
    }
}

impl<'a> IntoIpAddrs for &'a [IpAddr] {
    type IntoIter = std::iter::Cloned<std::slice::Iter<'a, IpAddr>>;
    fn into_ip_addrs(self) -> Self::IntoIter {
        self.iter().cloned()
    }
}

impl<T> IntoIpAddrs for &T
where
    T: IntoIpAddrs + Clone,
{
    type IntoIter = T::IntoIter;
    fn into_ip_addrs(self) -> Self::IntoIter {
        self.clone().into_ip_addrs()
    }
}

impl<E> IntoIpAddrs for Vec<E>
where
    E: Into<IpAddr>,
{
    type IntoIter = std::iter::Map<vec::IntoIter<E>, fn(E) -> IpAddr>;
    fn into_ip_addrs(self) -> Self::IntoIter {
        self.into_iter().map(Into::into as fn(E) -> IpAddr)
    }
}

#[cfg(test)]
mod tests;
