//! IPC (Unix domain socket) addresses.

use super::{AddrParseError, Endpoint};
use std::{fmt, option, str::FromStr};

/// The longest IPC path, in bytes (the size of `sun_path` on Linux, minus its NUL).
pub const IPC_MAX_SIZE: usize = 107;

/// The address of an IPC (Unix domain socket) endpoint, `ipc://` in libzmq.
///
/// Three forms:
/// * a filesystem path, e.g. `"/tmp/feeds/0"`: the socket file is created by
///   `bind` and removed again on `unbind` or when the socket is dropped;
/// * `"*"`, only for `bind`: a fresh path in the temporary directory
///   (`last_endpoint` tells which);
/// * `"@name"`, Linux only: a name in the abstract namespace (no file).
///
/// ```
/// use libzmq::{prelude::*, *};
///
/// let addr: IpcAddr = "@my-service".try_into()?;
/// assert!(addr.is_abstract());
/// let path: IpcAddr = "/tmp/my-service.ipc".try_into()?;
/// assert_eq!(path.as_str(), "/tmp/my-service.ipc");
/// assert!(IpcAddr::new("@").is_err());
/// # Ok::<(), anyhow::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IpcAddr {
    path: String,
}

impl IpcAddr {
    /// Checks and wraps an IPC address: not empty, at most
    /// [`IPC_MAX_SIZE`] bytes, no NUL byte, and `@` followed by a name.
    pub fn new<S>(path: S) -> Result<Self, AddrParseError>
    where
        S: Into<String>,
    {
        let path = path.into();
        if path.is_empty() {
            return Err(AddrParseError::new("empty path"));
        }
        if path.len() > IPC_MAX_SIZE {
            return Err(AddrParseError::new(
                "ipc path cannot exceed 107 bytes",
            ));
        }
        if path.contains('\0') {
            return Err(AddrParseError::new(
                "ipc path cannot contain a nul char",
            ));
        }
        if path == "@" {
            return Err(AddrParseError::new(
                "abstract ipc name cannot be empty",
            ));
        }
        Ok(Self { path })
    }

    /// The address as given.
    pub fn as_str(&self) -> &str {
        &self.path
    }

    /// Whether this is a name in the Linux abstract namespace (`@name`).
    pub fn is_abstract(&self) -> bool {
        self.path.starts_with('@')
    }

    /// Whether this is the `*` wildcard (a fresh temporary path on bind).
    pub fn is_wildcard(&self) -> bool {
        self.path == "*"
    }
}

impl fmt::Display for IpcAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.path)
    }
}

impl FromStr for IpcAddr {
    type Err = AddrParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

impl<'a> From<&'a IpcAddr> for IpcAddr {
    fn from(addr: &'a IpcAddr) -> Self {
        addr.clone()
    }
}

impl IntoIterator for IpcAddr {
    type Item = IpcAddr;
    type IntoIter = option::IntoIter<IpcAddr>;
    fn into_iter(self) -> Self::IntoIter {
        Some(self).into_iter()
    }
}

impl<'a> IntoIterator for &'a IpcAddr {
    type Item = &'a IpcAddr;
    type IntoIter = option::IntoIter<&'a IpcAddr>;
    fn into_iter(self) -> Self::IntoIter {
        Some(self).into_iter()
    }
}

impl From<IpcAddr> for Endpoint {
    fn from(addr: IpcAddr) -> Endpoint {
        Endpoint::Ipc(addr)
    }
}

impl<'a> From<&'a IpcAddr> for Endpoint {
    fn from(addr: &'a IpcAddr) -> Endpoint {
        Endpoint::Ipc(addr.clone())
    }
}

super::impl_try_from_str!(IpcAddr);
super::impl_serde_display_from_str!(IpcAddr, "an ipc address");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules() {
        assert!(IpcAddr::new("").is_err());
        assert!(IpcAddr::new("@").is_err());
        assert!(IpcAddr::new("a".repeat(107)).is_ok());
        assert_eq!(
            IpcAddr::new("a".repeat(108)).unwrap_err().msg(),
            "ipc path cannot exceed 107 bytes"
        );
        assert!(IpcAddr::new("a\0b").is_err());
        assert!(IpcAddr::new("*").unwrap().is_wildcard());
        assert!(IpcAddr::new("@x").unwrap().is_abstract());
    }

    #[test]
    fn zmq_string_round_trip() {
        for text in
            ["ipc:///tmp/x.ipc", "ipc://@abstract", "ipc://relative/path"]
        {
            let endpoint = Endpoint::from_zmq_str(text).unwrap();
            assert!(endpoint.is_ipc());
            assert_eq!(endpoint.to_zmq_string(), text);
        }
    }

    #[test]
    fn serde_forms() {
        let endpoint: Endpoint =
            serde_yaml::from_str("ipc: \"@name\"").unwrap();
        assert_eq!(endpoint, Endpoint::Ipc(IpcAddr::new("@name").unwrap()));
        let tagged: Endpoint = serde_yaml::from_str("!ipc /tmp/a").unwrap();
        assert_eq!(tagged, Endpoint::Ipc(IpcAddr::new("/tmp/a").unwrap()));
        let json = serde_json::to_string(&endpoint).unwrap();
        assert_eq!(json, r#"{"ipc":"@name"}"#);
    }
}
