//! `config::CtxConfig`: the serializable options of a [`Ctx`].

use crate::ctx::{Ctx, CtxHandle};
use crate::error::Error;
use serde::{Deserialize, Serialize};

/// The options of a [`Ctx`], serializable with serde.
///
/// Both options are optional: an unset option keeps the ctx's current value
/// (for a new ctx, the default: 1 I/O thread, 1023 sockets). An unknown field
/// is rejected with an error that names it.
///
/// | Field | Type | Meaning |
/// |---|---|---|
/// | `io_threads` | integer or null | number of background I/O threads (see [`Ctx::set_io_threads`]) |
/// | `max_sockets` | integer or null | most sockets the ctx may hold at once (see [`Ctx::set_max_sockets`]) |
///
/// [`CtxBuilder`](crate::CtxBuilder) is the chainable form of the same options.
///
/// # Example
/// ```
/// use libzmq::{config::CtxConfig, Ctx};
///
/// let config: CtxConfig = serde_yaml::from_str("
/// io_threads: 2
/// max_sockets: 64
/// ")?;
/// assert_eq!(config.io_threads(), Some(2));
/// assert_eq!(config.max_sockets(), Some(64));
///
/// // A new ctx with these options...
/// let ctx = config.build()?;
/// assert_eq!(ctx.io_threads(), 2);
/// assert_eq!(ctx.max_sockets(), 64);
///
/// // ...or applied to an existing one: only the options that are set change.
/// let other = Ctx::new();
/// let mut config = CtxConfig::new();
/// config.set_max_sockets(Some(100));
/// config.apply(other.handle())?;
/// assert_eq!(other.io_threads(), 1);
/// assert_eq!(other.max_sockets(), 100);
///
/// // Unknown options are errors.
/// assert!(serde_yaml::from_str::<CtxConfig>("io_thread: 2").is_err());
/// # Ok::<(), anyhow::Error>(())
/// ```
#[derive(
    Debug, Default, Clone, PartialEq, Eq, Hash, Serialize, Deserialize,
)]
#[serde(deny_unknown_fields)]
pub struct CtxConfig {
    #[serde(default)]
    io_threads: Option<i32>,
    #[serde(default)]
    max_sockets: Option<i32>,
}

impl CtxConfig {
    /// A config with no option set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Builds a new [`Ctx`] and applies the options that are set.
    ///
    /// # Returned Errors
    /// * [`InvalidInput`](crate::ErrorKind::InvalidInput): an option has an
    ///   invalid value (see [`Ctx::set_io_threads`] and
    ///   [`Ctx::set_max_sockets`]).
    pub fn build(&self) -> Result<Ctx, Error> {
        let ctx = Ctx::new();
        self.apply(ctx.handle())?;
        Ok(ctx)
    }

    /// Applies the options that are set to the ctx of `handle`; the unset
    /// ones are left unchanged.
    ///
    /// # Returned Errors
    /// * [`InvalidCtx`](crate::ErrorKind::InvalidCtx): the ctx is shut down
    ///   or dropped.
    /// * [`InvalidInput`](crate::ErrorKind::InvalidInput): an option has an
    ///   invalid value, or `io_threads` changes after the ctx started its
    ///   I/O threads.
    pub fn apply(&self, handle: CtxHandle) -> Result<(), Error> {
        if let Some(value) = self.io_threads {
            handle.set_io_threads(value)?;
        }
        if let Some(value) = self.max_sockets {
            handle.set_max_sockets(value)?;
        }
        Ok(())
    }

    /// The number of I/O threads to set, if any.
    pub fn io_threads(&self) -> Option<i32> {
        self.io_threads
    }

    /// Sets (or, with `None`, unsets) the number of I/O threads.
    pub fn set_io_threads(&mut self, value: Option<i32>) {
        self.io_threads = value;
    }

    /// The maximum number of sockets to set, if any.
    ///
    /// (The libzmq 0.2 crate took `&mut self` here; `&self` is enough.)
    pub fn max_sockets(&self) -> Option<i32> {
        self.max_sockets
    }

    /// Sets (or, with `None`, unsets) the maximum number of sockets.
    pub fn set_max_sockets(&mut self, value: Option<i32>) {
        self.max_sockets = value;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn serde_round_trip() {
        let mut config = CtxConfig::new();
        assert_eq!(
            serde_yaml::to_string(&config).unwrap(),
            "io_threads: null\nmax_sockets: null\n"
        );
        config.set_io_threads(Some(3));
        let yaml = serde_yaml::to_string(&config).unwrap();
        assert_eq!(serde_yaml::from_str::<CtxConfig>(&yaml).unwrap(), config);
        assert_eq!(
            serde_yaml::from_str::<CtxConfig>("{}").unwrap(),
            CtxConfig::new()
        );
        let json = serde_json::to_string(&config).unwrap();
        assert_eq!(json, r#"{"io_threads":3,"max_sockets":null}"#);
        assert_eq!(serde_json::from_str::<CtxConfig>(&json).unwrap(), config);
    }

    #[test]
    fn unknown_field_is_rejected() {
        let err =
            serde_yaml::from_str::<CtxConfig>("max_socket: 3").unwrap_err();
        assert!(err.to_string().contains("max_socket"), "{err}");
    }

    #[test]
    fn apply_sets_only_what_is_set() {
        let ctx = Ctx::new();
        ctx.set_max_sockets(10).unwrap();
        let mut config = CtxConfig::new();
        config.set_io_threads(Some(0));
        config.apply(ctx.handle()).unwrap();
        assert_eq!(ctx.io_threads(), 0);
        assert_eq!(ctx.max_sockets(), 10);
    }

    #[test]
    fn invalid_values_and_dead_ctx() {
        let mut config = CtxConfig::new();
        config.set_max_sockets(Some(0));
        assert_eq!(
            config.build().unwrap_err().kind(),
            ErrorKind::InvalidInput("invalid value")
        );
        let ctx = Ctx::new();
        let handle = ctx.handle();
        drop(ctx);
        config.set_max_sockets(Some(5));
        assert_eq!(
            config.apply(handle).unwrap_err().kind(),
            ErrorKind::InvalidCtx
        );
    }
}
