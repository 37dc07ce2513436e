//! The `Endpoint` enum.

use super::{
    AddrParseError, EpgmAddr, InprocAddr, IpcAddr, PgmAddr, TcpAddr, UdpAddr,
};
use crate::serde_enum::serde_enum;

use std::option;

/// A rendez-vous address for one of the supported transports.
///
/// | Transport | Address type | libzmq scheme |
/// |---|---|---|
/// | TCP, unicast | [`TcpAddr`](crate::TcpAddr) | `tcp://` |
/// | UDP, unicast or multicast (`Radio`/`Dish` only) | [`UdpAddr`](crate::UdpAddr) | `udp://` |
/// | In-process, inter-thread | [`InprocAddr`](crate::InprocAddr) | `inproc://` |
/// | PGM, multicast (unsupported by every socket type) | [`PgmAddr`](crate::PgmAddr) | `pgm://` |
/// | EPGM, multicast (unsupported by every socket type) | [`EpgmAddr`](crate::EpgmAddr) | `epgm://` |
///
/// # Serde
/// An endpoint is serialized as a single-key map whose key is the
/// transport, such as YAML `tcp: "127.0.0.1:*"` or JSON
/// `{"inproc": "name"}`. The externally tagged form of the format (serde_yaml
/// 0.9's `!tcp 127.0.0.1:*`) is also accepted.
///
/// # Note
/// This enum is non-exhaustive: new transports could be added.
///
/// # Example
/// ```
/// use libzmq::{addr::Endpoint, InprocAddr, TcpAddr};
/// use std::convert::TryInto;
///
/// let addr: TcpAddr = "127.0.0.1:*".try_into()?;
/// let endpoint = Endpoint::from(&addr);
/// assert!(endpoint.is_tcp());
/// assert_eq!(endpoint, Endpoint::Tcp(addr));
///
/// let endpoints: Vec<Endpoint> = serde_yaml::from_str(r#"
/// - tcp: "127.0.0.1:*"
/// - inproc: "test"
/// "#)?;
/// assert_eq!(endpoints[1], Endpoint::from(InprocAddr::new("test")?));
/// #
/// # Ok::<(), anyhow::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Endpoint {
    /// A TCP address.
    Tcp(TcpAddr),
    /// A UDP address.
    Udp(UdpAddr),
    /// An in-process address.
    Inproc(InprocAddr),
    /// A PGM address.
    Pgm(PgmAddr),
    /// An EPGM address.
    Epgm(EpgmAddr),
    /// An IPC (Unix domain socket) address.
    Ipc(IpcAddr),
}

impl Endpoint {
    /// Returns `true` if the endpoint is a TCP address.
    pub fn is_tcp(&self) -> bool {
        matches!(self, Endpoint::Tcp(_))
    }

    /// Returns `true` if the endpoint is a UDP address.
    pub fn is_udp(&self) -> bool {
        matches!(self, Endpoint::Udp(_))
    }

    /// Returns `true` if the endpoint is an inproc address.
    pub fn is_inproc(&self) -> bool {
        matches!(self, Endpoint::Inproc(_))
    }

    /// Returns `true` if the endpoint is a PGM address.
    pub fn is_pgm(&self) -> bool {
        matches!(self, Endpoint::Pgm(_))
    }

    /// Returns `true` if the endpoint is an IPC address.
    pub fn is_ipc(&self) -> bool {
        matches!(self, Endpoint::Ipc(_))
    }

    /// Returns `true` if the endpoint is an EPGM address.
    pub fn is_epgm(&self) -> bool {
        matches!(self, Endpoint::Epgm(_))
    }

    /// Returns `true` if the endpoint is an EPGM address.
    #[doc(hidden)]
    #[deprecated(since = "0.2.5", note = "please use `is_epgm` instead")]
    pub fn is_edpgm(&self) -> bool {
        self.is_epgm()
    }

    /// The libzmq-style string of the endpoint: `scheme://address`.
    pub(crate) fn to_zmq_string(&self) -> String {
        match self {
            Endpoint::Tcp(addr) => format!("tcp://{}", addr),
            Endpoint::Udp(addr) => format!("udp://{}", addr),
            Endpoint::Inproc(addr) => format!("inproc://{}", addr),
            Endpoint::Pgm(addr) => format!("pgm://{}", addr),
            Endpoint::Epgm(addr) => format!("epgm://{}", addr),
            Endpoint::Ipc(addr) => format!("ipc://{}", addr),
        }
    }

    /// Parses a libzmq-style endpoint string (`scheme://address`).
    #[allow(dead_code)] // Parses libzmq endpoint strings; used by tests so far.
    pub(crate) fn from_zmq_str(s: &str) -> Result<Endpoint, AddrParseError> {
        let (scheme, addr) = s
            .split_once("://")
            .ok_or_else(|| AddrParseError::new("missing transport scheme"))?;
        match scheme {
            "tcp" => addr.parse().map(Endpoint::Tcp),
            "udp" => addr.parse().map(Endpoint::Udp),
            "inproc" => addr.parse().map(Endpoint::Inproc),
            "pgm" => addr.parse().map(Endpoint::Pgm),
            "epgm" => addr.parse().map(Endpoint::Epgm),
            "ipc" => addr.parse().map(Endpoint::Ipc),
            _ => Err(AddrParseError::new("unsupported transport scheme")),
        }
    }
}

impl<'a> From<&'a Endpoint> for Endpoint {
    fn from(endpoint: &'a Endpoint) -> Self {
        endpoint.clone()
    }
}

impl AsRef<Endpoint> for Endpoint {
    fn as_ref(&self) -> &Endpoint {
        self
    }
}

impl IntoIterator for Endpoint {
    type Item = Endpoint;
    type IntoIter = option::IntoIter<Endpoint>;
    fn into_iter(self) -> Self::IntoIter {
        Some(self).into_iter()
    }
}

impl<'a> IntoIterator for &'a Endpoint {
    type Item = &'a Endpoint;
    type IntoIter = option::IntoIter<&'a Endpoint>;
    fn into_iter(self) -> Self::IntoIter {
        Some(self).into_iter()
    }
}

serde_enum!(Endpoint {
    0 => Tcp(TcpAddr) = "tcp",
    1 => Udp(UdpAddr) = "udp",
    2 => Inproc(InprocAddr) = "inproc",
    3 => Pgm(PgmAddr) = "pgm",
    4 => Epgm(EpgmAddr) = "epgm",
    5 => Ipc(IpcAddr) = "ipc",
});
