//! The heartbeat configuration of connection-oriented transports.

use crate::{
    error::{Error, ErrorKind},
    period::{duration_to_ms, Period},
};

use serde::{Deserialize, Serialize};

use std::time::Duration;

/// The maximum heartbeat TTL in milliseconds. ZMTP carries the TTL in
/// deciseconds in a `u16`.
pub(crate) const MAX_TTL_MS: u64 = 6_553_599;

/// Socket heartbeating configuration.
///
/// Heartbeating only applies to connection-oriented transports such as
/// TCP. When enabled, a `PING` is sent to each peer every `interval`.
///
/// * `timeout` is how long to wait, after sending a `PING`, for any
///   traffic from the peer before the connection is considered dead and
///   closed. When unset, it defaults to the `interval`.
/// * `ttl` is sent to the peer, which uses it as its own timeout for this
///   connection: if it receives no traffic for that long, it closes the
///   connection. It cannot exceed 6553599 ms.
///
/// Serialized as a map with the fields `interval` (a humantime string,
/// required), `timeout` and `ttl` (humantime strings, null or missing when
/// unset). Unknown fields are rejected.
///
/// # Example
/// ```
/// use libzmq::{Heartbeat, Period};
/// use std::time::Duration;
///
/// let duration = Duration::from_millis(300);
///
/// let hb = Heartbeat::new(duration)
///     .add_timeout(3 * duration)
///     .add_ttl(3 * duration);
///
/// assert_eq!(hb.interval(), duration);
/// assert_eq!(hb.timeout(), Period::Finite(3 * duration));
/// assert_eq!(hb.ttl(), Period::Finite(3 * duration));
///
/// let yaml = "interval: 300ms\ntimeout: 900ms\nttl: 900ms\n";
/// assert_eq!(serde_yaml::from_str::<Heartbeat>(yaml)?, hb);
/// #
/// # Ok::<(), anyhow::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Heartbeat {
    #[serde(with = "humantime_serde")]
    interval: Duration,
    #[serde(default)]
    timeout: Period,
    #[serde(default)]
    ttl: Period,
}

impl Heartbeat {
    /// Creates a heartbeat configuration with the given interval, and with
    /// an infinite (unset) timeout and ttl.
    pub fn new<D>(interval: D) -> Self
    where
        D: Into<Duration>,
    {
        Self {
            interval: interval.into(),
            timeout: Period::Infinite,
            ttl: Period::Infinite,
        }
    }

    /// Sets the timeout: how long to wait for traffic from the peer after
    /// sending a heartbeat before closing the connection.
    pub fn add_timeout<D>(mut self, timeout: D) -> Self
    where
        D: Into<Duration>,
    {
        self.timeout = Period::Finite(timeout.into());
        self
    }

    /// Sets the ttl: the timeout the peer should apply to this connection.
    ///
    /// A ttl above 6553599 ms is rejected when the heartbeat is applied to
    /// a socket.
    pub fn add_ttl<D>(mut self, ttl: D) -> Self
    where
        D: Into<Duration>,
    {
        self.ttl = Period::Finite(ttl.into());
        self
    }

    /// Returns the interval between heartbeats.
    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// Returns the timeout.
    pub fn timeout(&self) -> Period {
        self.timeout
    }

    /// Returns the ttl.
    pub fn ttl(&self) -> Period {
        self.ttl
    }

    /// Checks that the heartbeat can be applied to a socket: interval and
    /// timeout must fit `i32` milliseconds, the ttl must not exceed
    /// 6553599 ms.
    #[allow(dead_code)] // Used by the socket engine.
    pub(crate) fn validate(&self) -> Result<(), Error> {
        duration_to_ms(self.interval)?;
        if let Period::Finite(timeout) = self.timeout {
            duration_to_ms(timeout)?;
        }
        if let Period::Finite(ttl) = self.ttl {
            ttl_to_ms(ttl)?;
        }
        Ok(())
    }
}

impl<'a> From<&'a Heartbeat> for Heartbeat {
    fn from(hb: &'a Heartbeat) -> Self {
        hb.clone()
    }
}

/// Converts a heartbeat TTL into milliseconds, checking the 6553599 ms
/// limit.
#[allow(dead_code)] // Used by the socket engine.
pub(crate) fn ttl_to_ms(ttl: Duration) -> Result<u32, Error> {
    let ms = ttl.as_millis();
    if ms > u128::from(MAX_TTL_MS) {
        return Err(Error::new(ErrorKind::InvalidInput(
            "duration ms cannot exceed 6553599",
        )));
    }
    // Lossless: checked above.
    Ok(ms as u32)
}

/// Converts a heartbeat TTL into the deciseconds carried by a ZMTP `PING`
/// (rounded down), checking the 6553599 ms limit.
#[allow(dead_code)] // Used by the socket engine.
pub(crate) fn ttl_to_deciseconds(ttl: Duration) -> Result<u16, Error> {
    let ms = ttl_to_ms(ttl)?;
    // Lossless: 6553599 / 100 == u16::MAX.
    Ok((ms / 100) as u16)
}

impl Heartbeat {
    /// The heartbeat of a connection, in the protocol's terms, with
    /// libzmq's rules: an unset timeout is the interval, a zero timeout is
    /// none, a zero interval turns heartbeats off.
    pub(crate) fn to_zmtp(&self) -> Option<zmtp::Heartbeat> {
        let interval = self.interval();
        if interval.is_zero() {
            return None;
        }
        let timeout = match self.timeout() {
            Period::Infinite => Some(interval),
            Period::Finite(d) if d.is_zero() => None,
            Period::Finite(d) => Some(d),
        };
        let ttl_deciseconds = match self.ttl() {
            Period::Infinite => 0,
            Period::Finite(d) => {
                (d.as_millis() / 100).min(u128::from(u16::MAX)) as u16
            }
        };
        Some(zmtp::Heartbeat {
            interval,
            timeout,
            ttl_deciseconds,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(ms: u64) -> Duration {
        Duration::from_millis(ms)
    }

    #[test]
    fn builder() {
        let hb = Heartbeat::new(ms(100));
        assert_eq!(hb.interval(), ms(100));
        assert_eq!(hb.timeout(), Period::Infinite);
        assert_eq!(hb.ttl(), Period::Infinite);
        let hb = hb.add_timeout(ms(200)).add_ttl(ms(300));
        assert_eq!(hb.timeout(), Period::Finite(ms(200)));
        assert_eq!(hb.ttl(), Period::Finite(ms(300)));
        assert_eq!(Heartbeat::from(&hb), hb);
    }

    #[test]
    fn limits() {
        assert_eq!(ttl_to_ms(ms(6_553_599)).ok(), Some(6_553_599));
        assert_eq!(ttl_to_deciseconds(ms(6_553_599)).ok(), Some(u16::MAX));
        assert_eq!(ttl_to_deciseconds(ms(199)).ok(), Some(1));
        assert_eq!(ttl_to_deciseconds(ms(0)).ok(), Some(0));
        for bad in [ms(6_553_600), Duration::MAX] {
            let err = ttl_to_ms(bad).unwrap_err();
            assert_eq!(
                err.kind(),
                ErrorKind::InvalidInput("duration ms cannot exceed 6553599")
            );
            assert!(ttl_to_deciseconds(bad).is_err());
        }

        assert!(Heartbeat::new(ms(1)).validate().is_ok());
        let ok = Heartbeat::new(ms(1))
            .add_timeout(ms(i32::MAX as u64))
            .add_ttl(ms(6_553_599));
        assert!(ok.validate().is_ok());

        for bad in [
            Heartbeat::new(ms(i32::MAX as u64 + 1)),
            Heartbeat::new(ms(1)).add_timeout(Duration::MAX),
        ] {
            assert_eq!(
                bad.validate().unwrap_err().kind(),
                ErrorKind::InvalidInput(
                    "ms in duration cannot be greater than i32::MAX"
                )
            );
        }
        let err = Heartbeat::new(ms(1))
            .add_ttl(ms(6_553_600))
            .validate()
            .unwrap_err();
        assert_eq!(
            err.kind(),
            ErrorKind::InvalidInput("duration ms cannot exceed 6553599")
        );
    }

    #[test]
    fn yaml() {
        let hb = Heartbeat::new(ms(1000))
            .add_timeout(ms(3000))
            .add_ttl(ms(3000));
        let yaml = serde_yaml::to_string(&hb).unwrap();
        assert_eq!(yaml, "interval: 1s\ntimeout: 3s\nttl: 3s\n");
        assert_eq!(serde_yaml::from_str::<Heartbeat>(&yaml).unwrap(), hb);

        // The seed guide's format (indented).
        let guide =
            "heartbeat:\n    interval: 1s\n    timeout: 3s\n    ttl: 3s\n";
        #[derive(Debug, Deserialize)]
        struct Wrapper {
            heartbeat: Option<Heartbeat>,
        }
        let w: Wrapper = serde_yaml::from_str(guide).unwrap();
        assert_eq!(w.heartbeat, Some(hb));
        let w: Wrapper = serde_yaml::from_str("heartbeat: ~").unwrap();
        assert_eq!(w.heartbeat, None);

        let hb = Heartbeat::new(ms(300));
        let yaml = serde_yaml::to_string(&hb).unwrap();
        assert_eq!(yaml, "interval: 300ms\ntimeout: null\nttl: null\n");
        assert_eq!(serde_yaml::from_str::<Heartbeat>(&yaml).unwrap(), hb);
        assert_eq!(
            serde_yaml::from_str::<Heartbeat>("interval: 300ms").unwrap(),
            hb
        );
        let partial: Heartbeat =
            serde_yaml::from_str("interval: 1s\nttl: 2s").unwrap();
        assert_eq!(partial, Heartbeat::new(ms(1000)).add_ttl(ms(2000)));

        // Errors.
        assert!(serde_yaml::from_str::<Heartbeat>("timeout: 1s").is_err());
        assert!(serde_yaml::from_str::<Heartbeat>("interval: ~").is_err());
        assert!(serde_yaml::from_str::<Heartbeat>("interval: soon").is_err());
        let err = serde_yaml::from_str::<Heartbeat>("interval: 1s\nperiod: 2s")
            .unwrap_err();
        assert!(
            err.to_string().contains("unknown field `period`"),
            "{}",
            err
        );
    }

    #[test]
    fn json_and_toml() {
        let hb = Heartbeat::new(ms(1500)).add_timeout(ms(4500));
        let json = serde_json::to_string(&hb).unwrap();
        assert_eq!(
            json,
            r#"{"interval":"1s 500ms","timeout":"4s 500ms","ttl":null}"#
        );
        assert_eq!(serde_json::from_str::<Heartbeat>(&json).unwrap(), hb);
        assert_eq!(
            serde_json::from_str::<Heartbeat>(
                r#"{"interval":"1s 500ms","timeout":"4s 500ms"}"#
            )
            .unwrap(),
            hb
        );

        let text = toml::to_string(&hb).unwrap();
        assert_eq!(text, "interval = \"1s 500ms\"\ntimeout = \"4s 500ms\"\n");
        assert_eq!(toml::from_str::<Heartbeat>(&text).unwrap(), hb);
        let full = hb.clone().add_ttl(ms(10));
        let text = toml::to_string(&full).unwrap();
        assert_eq!(toml::from_str::<Heartbeat>(&text).unwrap(), full);
    }
}
