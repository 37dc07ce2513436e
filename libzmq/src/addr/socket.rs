//! The per-transport address types.

use super::{
    impl_serde_display_from_str, impl_try_from_str, AddrParseError, Endpoint,
    SocketAddr, SrcAddr,
};

use std::{fmt, option, str::FromStr};

/// Defines an address type of the shape `[src;]host`.
macro_rules! network_addr {
    (
        $(#[$meta:meta])*
        $name:ident, $variant:ident, $expecting:expr
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub struct $name {
            src: Option<SrcAddr>,
            host: SocketAddr,
        }

        impl $name {
            /// Creates an address with the given host and no source
            /// address.
            pub fn new<H>(host: H) -> Self
            where
                H: Into<SocketAddr>,
            {
                Self {
                    src: None,
                    host: host.into(),
                }
            }

            /// Sets the source address, replacing any previous one.
            pub fn add_src<S>(mut self, src: S) -> Self
            where
                S: Into<SrcAddr>,
            {
                self.src = Some(src.into());
                self
            }

            /// Returns the host address.
            pub fn host(&self) -> &SocketAddr {
                &self.host
            }

            /// Returns the source address, if any.
            pub fn src(&self) -> Option<&SrcAddr> {
                self.src.as_ref()
            }
        }

        impl fmt::Display for $name {
            /// Writes `src;host`, or `host` without source address.
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                if let Some(src) = &self.src {
                    write!(f, "{};", src)?;
                }
                fmt::Display::fmt(&self.host, f)
            }
        }

        impl FromStr for $name {
            type Err = AddrParseError;
            /// Parses `[src;]host`: the text before the first `;` is the
            /// source address, the rest is the host.
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s.split_once(';') {
                    Some((src, host)) => Ok(Self {
                        src: Some(src.parse()?),
                        host: host.parse()?,
                    }),
                    None => Ok(Self {
                        src: None,
                        host: s.parse()?,
                    }),
                }
            }
        }

        impl From<SocketAddr> for $name {
            fn from(host: SocketAddr) -> Self {
                Self::new(host)
            }
        }

        impl<'a> From<&'a $name> for $name {
            fn from(addr: &'a $name) -> Self {
                addr.clone()
            }
        }

        impl IntoIterator for $name {
            type Item = $name;
            type IntoIter = option::IntoIter<$name>;
            fn into_iter(self) -> Self::IntoIter {
                Some(self).into_iter()
            }
        }

        impl<'a> IntoIterator for &'a $name {
            type Item = &'a $name;
            type IntoIter = option::IntoIter<&'a $name>;
            fn into_iter(self) -> Self::IntoIter {
                Some(self).into_iter()
            }
        }

        impl From<$name> for Endpoint {
            fn from(addr: $name) -> Endpoint {
                Endpoint::$variant(addr)
            }
        }

        impl<'a> From<&'a $name> for Endpoint {
            fn from(addr: &'a $name) -> Endpoint {
                Endpoint::$variant(addr.clone())
            }
        }

        impl_try_from_str!($name);
        impl_serde_display_from_str!($name, $expecting);
    };
}

network_addr! {
    /// A TCP address: `[src;]host`, where `host` is a
    /// [`SocketAddr`](crate::addr::SocketAddr) and the optional `src` a
    /// [`SrcAddr`](crate::addr::SrcAddr) to connect from.
    ///
    /// A port `*` asks the system for a free port when binding.
    ///
    /// # Example
    /// ```
    /// use libzmq::{addr::Endpoint, TcpAddr};
    /// use std::convert::TryInto;
    ///
    /// // Connecting using a IPv4 address and bind to `eth0` interface.
    /// let ipv4: TcpAddr = "eth0;192.168.1.1:5555".try_into()?;
    /// assert_eq!(ipv4.to_string(), "eth0;192.168.1.1:5555");
    ///
    /// // Connecting using a IPv6 address.
    /// let ipv6: TcpAddr = "[2001:db8::1]:8080".try_into()?;
    /// assert_eq!(ipv6.to_string(), "[2001:db8::1]:8080");
    ///
    /// // Binding to a port assigned by the system.
    /// let addr: TcpAddr = "127.0.0.1:*".try_into()?;
    /// assert!(addr.host().port().is_unspecified());
    ///
    /// // Hostnames with dots are fine.
    /// let named: TcpAddr = "example.com:80".try_into()?;
    ///
    /// assert!(Endpoint::from(named).is_tcp());
    /// #
    /// # Ok::<(), anyhow::Error>(())
    /// ```
    TcpAddr, Tcp, "a TCP address `[src;]host:port`"
}

network_addr! {
    /// A UDP address: `[src;]host`, where `host` is a
    /// [`SocketAddr`](crate::addr::SocketAddr) (unicast or multicast) and
    /// the optional `src` a [`SrcAddr`](crate::addr::SrcAddr).
    ///
    /// UDP is only supported by the `Radio` and `Dish` sockets.
    ///
    /// # Example
    /// ```
    /// use libzmq::{addr::{SocketAddr, SrcAddr}, UdpAddr};
    /// use std::convert::TryInto;
    ///
    /// // Multicast IPv4.
    /// let ipv4: UdpAddr = "239.0.0.1:5555".try_into()?;
    /// // Multicast IPv6 from the `eth0` interface.
    /// let ipv6: UdpAddr = "eth0;[ff02::1]:5555".try_into()?;
    /// assert_eq!(ipv6.to_string(), "eth0;[ff02::1]:5555");
    ///
    /// let host: SocketAddr = "localhost:5555".try_into()?;
    /// let src: SrcAddr = "eth0".try_into()?;
    /// let a = UdpAddr::new(&host).add_src(&src);
    /// let b = UdpAddr::new(host.clone()).add_src(&host);
    /// assert_eq!(a.host(), b.host());
    /// assert_eq!(a.src(), Some(&src));
    /// #
    /// # Ok::<(), anyhow::Error>(())
    /// ```
    UdpAddr, Udp, "a UDP address `[src;]host:port`"
}

network_addr! {
    /// A PGM (Pragmatic General Multicast) address: `[src;]host`, where
    /// `src` is the interface to use and `host` the multicast address.
    ///
    /// This type exists for source compatibility only: no socket type of
    /// this crate supports PGM, using it gives
    /// `InvalidInput("transport incompatible")`.
    ///
    /// # Example
    /// ```
    /// use libzmq::PgmAddr;
    /// use std::convert::TryInto;
    ///
    /// let addr: PgmAddr = "192.168.1.1;239.192.1.1:5555".try_into()?;
    /// assert!(addr.src().is_some());
    /// #
    /// # Ok::<(), anyhow::Error>(())
    /// ```
    PgmAddr, Pgm, "a PGM address `[src;]host:port`"
}

network_addr! {
    /// An EPGM (PGM encapsulated in UDP) address: `[src;]host`, where
    /// `src` is the interface to use and `host` the multicast address.
    ///
    /// This type exists for source compatibility only: no socket type of
    /// this crate supports EPGM, using it gives
    /// `InvalidInput("transport incompatible")`.
    ///
    /// # Example
    /// ```
    /// use libzmq::EpgmAddr;
    /// use std::convert::TryInto;
    ///
    /// let addr: EpgmAddr = "eth0;239.192.1.1:5555".try_into()?;
    /// assert!(addr.src().is_some());
    /// #
    /// # Ok::<(), anyhow::Error>(())
    /// ```
    EpgmAddr, Epgm, "an EPGM address `[src;]host:port`"
}

/// The maximum number of bytes of an [`InprocAddr`].
pub const INPROC_MAX_SIZE: usize = 256;

/// An address of the in-process (inter-thread) transport.
///
/// It is a non-empty name of at most [`INPROC_MAX_SIZE`] bytes, made of
/// any characters. Names are scoped by context: only sockets of the same
/// `Ctx` can reach each other.
///
/// # Example
/// ```
/// use libzmq::InprocAddr;
/// use std::convert::TryInto;
///
/// let addr: InprocAddr = "test".try_into()?;
/// assert_eq!(addr.as_str(), "test");
///
/// // Any character is allowed.
/// let addr: InprocAddr = "LKH*O&_[::O2134KG".try_into()?;
///
/// // A unique name, like a system-assigned port.
/// let unique = InprocAddr::new_unique();
/// assert_ne!(unique, InprocAddr::new_unique());
/// #
/// # Ok::<(), anyhow::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct InprocAddr {
    host: String,
}

impl InprocAddr {
    /// Creates an inproc address, checking its length.
    pub fn new<S>(host: S) -> Result<Self, AddrParseError>
    where
        S: Into<String>,
    {
        let host = host.into();
        if host.is_empty() {
            return Err(AddrParseError::new("empty host"));
        }
        if host.len() > INPROC_MAX_SIZE {
            return Err(AddrParseError::new(
                "host cannot exceed `INPROC_MAX_SIZE` chars",
            ));
        }
        Ok(Self { host })
    }

    /// Creates an address with a unique name (a random UUID v4).
    pub fn new_unique() -> Self {
        Self {
            host: uuid::Uuid::new_v4().to_string(),
        }
    }

    /// Returns the name as a `&str`.
    pub fn as_str(&self) -> &str {
        &self.host
    }
}

impl fmt::Display for InprocAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.host)
    }
}

impl FromStr for InprocAddr {
    type Err = AddrParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

impl<'a> From<&'a InprocAddr> for InprocAddr {
    fn from(addr: &'a InprocAddr) -> Self {
        addr.clone()
    }
}

impl IntoIterator for InprocAddr {
    type Item = InprocAddr;
    type IntoIter = option::IntoIter<InprocAddr>;
    fn into_iter(self) -> Self::IntoIter {
        Some(self).into_iter()
    }
}

impl<'a> IntoIterator for &'a InprocAddr {
    type Item = &'a InprocAddr;
    type IntoIter = option::IntoIter<&'a InprocAddr>;
    fn into_iter(self) -> Self::IntoIter {
        Some(self).into_iter()
    }
}

impl From<InprocAddr> for Endpoint {
    fn from(addr: InprocAddr) -> Endpoint {
        Endpoint::Inproc(addr)
    }
}

impl<'a> From<&'a InprocAddr> for Endpoint {
    fn from(addr: &'a InprocAddr) -> Endpoint {
        Endpoint::Inproc(addr.clone())
    }
}

impl_try_from_str!(InprocAddr);
impl_serde_display_from_str!(InprocAddr, "an inproc address");
