//! The sockets: a shared [`core`] (state and inbox, with [`blocking`],
//! [`endpoints`] and [`settings`] beside it),
//! routing strategies over the [`peers`], and one module per socket type.

pub(crate) mod asynch;
pub(crate) mod blocking;
pub(crate) mod classic;
pub(crate) mod client;
pub(crate) mod config;
pub(crate) mod config_type;
pub(crate) mod core;
pub(crate) mod dish;
pub(crate) mod endpoints;
pub(crate) mod gather;
pub(crate) mod multipart;
pub(crate) mod options;
pub(crate) mod pair;
pub(crate) mod parts;
pub(crate) mod peers;
pub(crate) mod pipeline;
pub(crate) mod publish;
pub(crate) mod radio;
pub(crate) mod request;
pub(crate) mod scatter;
pub(crate) mod server;
pub(crate) mod settings;
pub(crate) mod socket_type;
pub(crate) mod traits;
pub(crate) mod trie;

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

/// Declares a classic socket type `$name` of kind `$kind`: the struct, its
/// constructors, the `Socket` and `Heartbeating` traits, the message traits
/// listed, and its config and builder (with the option groups listed).
macro_rules! classic_socket {
    (
        $(#[$doc:meta])*
        $name:ident, $config:ident, $builder:ident, $kind:expr,
        groups: [$($group:ident),*],
        traits: [$($msg_trait:ident),*]
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name {
            inner: std::sync::Arc<$crate::socket::core::RawSocket>,
        }

        $crate::socket::define_socket!($name, $kind);
        impl $crate::socket::traits::Socket for $name {}
        impl $crate::socket::traits::Heartbeating for $name {}
        $(impl $msg_trait for $name {})*

        $crate::socket::options::socket_config!(
            $name, $config, $builder, $kind, [$($group),*]
        );
    };
}
pub(crate) use classic_socket;

/// `set_conflate` for the socket types that have libzmq's `ZMQ_CONFLATE`.
macro_rules! conflate_option {
    ($($name:ident),*) => {
        $(impl $name {
            /// Keeps only the newest message in each queue of the
            /// connections made from now on (`ZMQ_CONFLATE`): a new message
            /// replaces one not yet taken, and queues are never full. For
            /// one-frame messages (a multipart message is kept whole, but
            /// only the newest).
            pub fn set_conflate(&self, conflate: bool) -> Result<(), $crate::Error> {
                use $crate::socket::traits::GetRawSocket;
                let core = &self.raw_socket().core;
                core.ctx.check_alive()?;
                core.hwms.set_conflate(conflate);
                Ok(())
            }
        })*
    };
}
pub(crate) use conflate_option;

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
