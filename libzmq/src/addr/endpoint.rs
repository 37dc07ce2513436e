//! The `Endpoint` enum.

use super::{
    AddrParseError, EpgmAddr, InprocAddr, IpcAddr, PgmAddr, TcpAddr, UdpAddr,
};
use crate::serde_enum::{self, SerdeEnum};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

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

const NAME: &str = "Endpoint";
const VARIANTS: &[&str] = &["tcp", "udp", "inproc", "pgm", "epgm", "ipc"];

impl SerdeEnum for Endpoint {
    const NAME: &'static str = NAME;
    const VARIANTS: &'static [&'static str] = VARIANTS;

    fn unit_variant(_index: usize) -> Option<Self> {
        None
    }

    fn deserialize_variant<'de, D>(
        index: usize,
        deserializer: D,
    ) -> Result<Self, D::Error>
    where
        D: Deserializer<'de>,
    {
        match index {
            0 => TcpAddr::deserialize(deserializer).map(Endpoint::Tcp),
            1 => UdpAddr::deserialize(deserializer).map(Endpoint::Udp),
            2 => InprocAddr::deserialize(deserializer).map(Endpoint::Inproc),
            3 => PgmAddr::deserialize(deserializer).map(Endpoint::Pgm),
            4 => EpgmAddr::deserialize(deserializer).map(Endpoint::Epgm),
            5 => IpcAddr::deserialize(deserializer).map(Endpoint::Ipc),
            _ => {
                Err(serde::de::Error::custom("invalid Endpoint variant index"))
            }
        }
    }
}

impl Serialize for Endpoint {
    fn serialize<S>(&self, serializer: S) -> Result<S::Ok, S::Error>
    where
        S: Serializer,
    {
        use serde_enum::serialize_newtype as newtype;
        match self {
            Endpoint::Tcp(addr) => {
                newtype(serializer, NAME, 0, VARIANTS[0], addr)
            }
            Endpoint::Udp(addr) => {
                newtype(serializer, NAME, 1, VARIANTS[1], addr)
            }
            Endpoint::Inproc(addr) => {
                newtype(serializer, NAME, 2, VARIANTS[2], addr)
            }
            Endpoint::Pgm(addr) => {
                newtype(serializer, NAME, 3, VARIANTS[3], addr)
            }
            Endpoint::Epgm(addr) => {
                newtype(serializer, NAME, 4, VARIANTS[4], addr)
            }
            Endpoint::Ipc(addr) => {
                newtype(serializer, NAME, 5, VARIANTS[5], addr)
            }
        }
    }
}

impl<'de> Deserialize<'de> for Endpoint {
    fn deserialize<D>(deserializer: D) -> Result<Self, D::Error>
    where
        D: Deserializer<'de>,
    {
        serde_enum::deserialize(deserializer)
    }
}
