//! The sockets: a shared [`core`] (state and inbox, with [`blocking`],
//! [`endpoints`] and [`settings`] beside it),
//! routing strategies over the [`peers`], and one module per socket type.

pub(crate) mod blocking;
pub(crate) mod client;
pub(crate) mod config;
pub(crate) mod config_type;
pub(crate) mod core;
pub(crate) mod dish;
pub(crate) mod endpoints;
pub(crate) mod gather;
pub(crate) mod options;
pub(crate) mod peers;
pub(crate) mod radio;
pub(crate) mod scatter;
pub(crate) mod server;
pub(crate) mod settings;
pub(crate) mod socket_type;
pub(crate) mod traits;

/// Defines the constructors and the sealed raw-socket access of a socket type
/// `$name { inner: Arc<RawSocket> }` of kind `$kind`.
macro_rules! define_socket {
    ($name:ident, $kind:expr) => {
        impl $name {
            /// A new socket in the global ctx ([`Ctx::global`](crate::Ctx::global)).
            pub fn new() -> Result<Self, $crate::Error> {
                Self::with_ctx($crate::Ctx::global())
            }

            /// A new socket in the ctx of `handle`. Fails with `InvalidCtx` if
            /// that ctx is shut down or gone, `SocketLimit` past its `max_sockets`.
            pub fn with_ctx(
                handle: $crate::CtxHandle,
            ) -> Result<Self, $crate::Error> {
                let raw = $crate::socket::core::RawSocket::new(handle, $kind)?;
                Ok(Self {
                    inner: std::sync::Arc::new(raw),
                })
            }

            /// The ctx this socket belongs to.
            pub fn ctx(&self) -> $crate::CtxHandle {
                self.inner.core.ctx_handle()
            }
        }

        impl $crate::socket::traits::private::Sealed for $name {}

        impl $crate::socket::traits::GetRawSocket for $name {
            fn raw_socket(&self) -> &$crate::socket::core::RawSocket {
                &self.inner
            }
        }
    };
}
pub(crate) use define_socket;

/// Implements a `Get*Config` trait for a config or builder type by delegating
/// to one of its fields.
macro_rules! get_config {
    ($ty:ty, $trait:ident, $get:ident, $get_mut:ident, $config:ty, $($field:tt).+) => {
        impl $crate::socket::config::$trait for $ty {
            fn $get(&self) -> &$config {
                &self.$($field).+
            }
            fn $get_mut(&mut self) -> &mut $config {
                &mut self.$($field).+
            }
        }
    };
}
pub(crate) use get_config;
