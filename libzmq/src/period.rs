//! The `Period` type and the duration limits of socket options.

use crate::error::{Error, ErrorKind};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use std::time::Duration;

/// A period of time that may be infinite.
///
/// It is used for timeouts: `Period::Infinite` means "wait forever".
///
/// Serialized as a [humantime](https://docs.rs/humantime) string such as
/// `"300ms"`, `"1s"` or `"1s 500ms"` for a finite period, and as null
/// for an infinite one. A missing field also deserializes to `Infinite`.
///
/// # Example
/// ```
/// use libzmq::Period;
/// use std::time::Duration;
///
/// let period = Period::Finite(Duration::from_millis(300));
/// assert_ne!(period, Period::Infinite);
/// assert_eq!(Period::default(), Period::Infinite);
/// ```
#[derive(Debug, Copy, Clone, PartialEq, Eq, Hash, Default)]
pub enum Period {
    /// An infinite period of time.
    #[default]
    Infinite,
    /// A finite period of time.
    Finite(Duration),
}

#[doc(hidden)]
impl From<Option<Duration>> for Period {
    fn from(option: Option<Duration>) -> Self {
        match option {
            None => Period::Infinite,
            Some(duration) => Period::Finite(duration),
        }
    }
}

#[doc(hidden)]
impl From<Period> for Option<Duration> {
    fn from(period: Period) -> Self {
        match period {
            Period::Infinite => None,
            Period::Finite(duration) => Some(duration),
        }
    }
}

impl Serialize for Period {
    fn serialize<S>(&self, serializer: S) -> Result<S::Ok, S::Error>
    where
        S: Serializer,
    {
        let option: Option<Duration> = (*self).into();
        humantime_serde::Serde::from(option).serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Period {
    fn deserialize<D>(deserializer: D) -> Result<Self, D::Error>
    where
        D: Deserializer<'de>,
    {
        let option = humantime_serde::Serde::<Option<Duration>>::deserialize(
            deserializer,
        )?;
        Ok(option.into_inner().into())
    }
}

const I32_MAX_MS: u128 = i32::MAX as u128;

/// Converts a duration into milliseconds that fit an `i32`, the unit of
/// timeouts and heartbeat intervals.
///
/// Sub-millisecond precision is truncated.
#[allow(dead_code)] // Used by the socket engine.
pub(crate) fn duration_to_ms(duration: Duration) -> Result<i32, Error> {
    let ms = duration.as_millis();
    if ms > I32_MAX_MS {
        return Err(Error::new(ErrorKind::InvalidInput(
            "ms in duration cannot be greater than i32::MAX",
        )));
    }
    // Lossless: checked above.
    Ok(ms as i32)
}

/// Converts a period into milliseconds that fit an `i32`, with `-1`
/// standing for `Infinite` (the libzmq convention).
#[allow(dead_code)] // Used by the socket engine.
pub(crate) fn period_to_ms(period: Period) -> Result<i32, Error> {
    match period {
        Period::Infinite => Ok(-1),
        Period::Finite(duration) => duration_to_ms(duration),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Wrapper {
        #[serde(default)]
        timeout: Period,
    }

    #[test]
    fn default_and_conversions() {
        assert_eq!(Period::default(), Period::Infinite);
        let d = Duration::from_millis(5);
        assert_eq!(Period::from(Some(d)), Period::Finite(d));
        assert_eq!(Period::from(None), Period::Infinite);
        assert_eq!(Option::<Duration>::from(Period::Finite(d)), Some(d));
        assert_eq!(Option::<Duration>::from(Period::Infinite), None);
    }

    #[test]
    fn ms_limits() {
        assert_eq!(duration_to_ms(Duration::from_millis(0)).ok(), Some(0));
        assert_eq!(duration_to_ms(Duration::from_micros(1999)).ok(), Some(1));
        assert_eq!(
            duration_to_ms(Duration::from_millis(i32::MAX as u64)).ok(),
            Some(i32::MAX)
        );
        for bad in [
            Duration::from_millis(i32::MAX as u64 + 1),
            Duration::from_secs(u64::MAX),
            Duration::MAX,
        ] {
            let err = duration_to_ms(bad).unwrap_err();
            assert_eq!(
                err.kind(),
                ErrorKind::InvalidInput(
                    "ms in duration cannot be greater than i32::MAX"
                )
            );
            assert_eq!(
                err.to_string(),
                "invalid input: ms in duration cannot be greater than i32::MAX"
            );
            assert!(period_to_ms(Period::Finite(bad)).is_err());
        }
        assert_eq!(period_to_ms(Period::Infinite).ok(), Some(-1));
        assert_eq!(
            period_to_ms(Period::Finite(Duration::from_secs(2))).ok(),
            Some(2000)
        );
    }

    #[test]
    fn yaml() {
        let w = Wrapper {
            timeout: Period::Finite(Duration::from_millis(300)),
        };
        let yaml = serde_yaml::to_string(&w).unwrap();
        assert_eq!(yaml, "timeout: 300ms\n");
        assert_eq!(serde_yaml::from_str::<Wrapper>(&yaml).unwrap(), w);

        let w = Wrapper {
            timeout: Period::Infinite,
        };
        let yaml = serde_yaml::to_string(&w).unwrap();
        assert_eq!(yaml, "timeout: null\n");
        assert_eq!(serde_yaml::from_str::<Wrapper>(&yaml).unwrap(), w);
        assert_eq!(serde_yaml::from_str::<Wrapper>("timeout: ~").unwrap(), w);
        assert_eq!(serde_yaml::from_str::<Wrapper>("{}").unwrap(), w);

        let parsed: Wrapper =
            serde_yaml::from_str("timeout: 1s 500ms").unwrap();
        assert_eq!(parsed.timeout, Period::Finite(Duration::from_millis(1500)));
        let parsed: Wrapper = serde_yaml::from_str("timeout: 5m").unwrap();
        assert_eq!(parsed.timeout, Period::Finite(Duration::from_secs(300)));
        assert!(serde_yaml::from_str::<Wrapper>("timeout: forever").is_err());
        assert!(serde_yaml::from_str::<Wrapper>("timeout: 12").is_err());
    }

    #[test]
    fn missing_field_without_serde_default() {
        #[derive(Debug, PartialEq, Deserialize)]
        struct NoDefault {
            timeout: Period,
        }
        let parsed: NoDefault = serde_yaml::from_str("{}").unwrap();
        assert_eq!(parsed.timeout, Period::Infinite);
        let parsed: NoDefault = serde_json::from_str("{}").unwrap();
        assert_eq!(parsed.timeout, Period::Infinite);
    }

    #[test]
    fn json() {
        let w = Wrapper {
            timeout: Period::Finite(Duration::from_secs(1)),
        };
        let json = serde_json::to_string(&w).unwrap();
        assert_eq!(json, r#"{"timeout":"1s"}"#);
        assert_eq!(serde_json::from_str::<Wrapper>(&json).unwrap(), w);
        let w = Wrapper {
            timeout: Period::Infinite,
        };
        let json = serde_json::to_string(&w).unwrap();
        assert_eq!(json, r#"{"timeout":null}"#);
        assert_eq!(serde_json::from_str::<Wrapper>(&json).unwrap(), w);
        assert_eq!(serde_json::from_str::<Wrapper>("{}").unwrap(), w);
    }

    #[test]
    fn toml() {
        let w = Wrapper {
            timeout: Period::Finite(Duration::from_millis(1500)),
        };
        let text = toml::to_string(&w).unwrap();
        assert_eq!(text, "timeout = \"1s 500ms\"\n");
        assert_eq!(toml::from_str::<Wrapper>(&text).unwrap(), w);
        // TOML has no null: an infinite period is an absent field.
        let w = Wrapper {
            timeout: Period::Infinite,
        };
        let text = toml::to_string(&w).unwrap();
        assert_eq!(toml::from_str::<Wrapper>(&text).unwrap(), w);
    }

    #[test]
    fn round_trips() {
        for ms in [0u64, 1, 999, 1000, 1001, 60_000, 3_600_000, 86_400_123] {
            let w = Wrapper {
                timeout: Period::Finite(Duration::from_millis(ms)),
            };
            let yaml = serde_yaml::to_string(&w).unwrap();
            assert_eq!(
                serde_yaml::from_str::<Wrapper>(&yaml).unwrap(),
                w,
                "{}",
                yaml
            );
            let json = serde_json::to_string(&w).unwrap();
            assert_eq!(
                serde_json::from_str::<Wrapper>(&json).unwrap(),
                w,
                "{}",
                json
            );
        }
    }
}
