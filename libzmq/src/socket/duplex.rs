//! The configuration shared by the two bidirectional sockets, Client and
//! Server: endpoints, send and receive options, heartbeat.

use super::config::{HeartbeatingConfig, RecvConfig, SendConfig, SocketConfig, DEFAULT_HWM};
use super::traits::{Heartbeating, RecvMsg, SendMsg, Socket};
use crate::addr::Endpoint;
use crate::error::Error;
use crate::{Heartbeat, Period};
use serde::{Deserialize, Serialize};

/// The options of a Client or Server.
#[derive(Debug, Default, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "DuplexWire", into = "DuplexWire")]
pub(crate) struct DuplexConfig {
    pub(crate) socket: SocketConfig,
    pub(crate) send: SendConfig,
    pub(crate) recv: RecvConfig,
    pub(crate) heartbeat: HeartbeatingConfig,
}

impl DuplexConfig {
    /// Applies the options in libzmq-rs order: send, recv, heartbeat, then
    /// connect and bind.
    pub(crate) fn apply<S: Socket + SendMsg + RecvMsg + Heartbeating>(
        &self,
        socket: &S,
    ) -> Result<(), Error> {
        self.send.apply(socket)?;
        self.recv.apply(socket)?;
        self.heartbeat.apply(socket)?;
        self.socket.apply(socket)
    }
}

/// The flat serde form: the field names of the libzmq 0.2 configs.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct DuplexWire {
    #[serde(default)]
    connect: Option<Vec<Endpoint>>,
    #[serde(default)]
    bind: Option<Vec<Endpoint>>,
    #[serde(default)]
    heartbeat: Option<Heartbeat>,
    #[serde(default, alias = "send_high_water_mark")]
    send_hwm: Option<i32>,
    #[serde(default)]
    send_timeout: Period,
    #[serde(default, alias = "recv_high_water_mark")]
    recv_hwm: Option<i32>,
    #[serde(default)]
    recv_timeout: Period,
}

/// Checks a high water mark read from a config.
pub(crate) fn wire_hwm(field: &str, value: Option<i32>) -> Result<i32, String> {
    match value {
        None => Ok(DEFAULT_HWM),
        Some(hwm) if hwm < 0 => Err(format!(
            "{field}: high water mark cannot be negative (got {hwm})"
        )),
        Some(hwm) => Ok(hwm),
    }
}

/// Checks a heartbeat read from a config.
pub(crate) fn wire_heartbeat(value: Option<Heartbeat>) -> Result<HeartbeatingConfig, String> {
    if let Some(heartbeat) = &value {
        super::traits::check_heartbeat(heartbeat).map_err(|err| format!("heartbeat: {err}"))?;
    }
    Ok(HeartbeatingConfig { heartbeat: value })
}

impl TryFrom<DuplexWire> for DuplexConfig {
    type Error = String;

    fn try_from(wire: DuplexWire) -> Result<Self, String> {
        Ok(DuplexConfig {
            socket: SocketConfig {
                connect: wire.connect,
                bind: wire.bind,
            },
            send: SendConfig {
                send_hwm: wire_hwm("send_hwm", wire.send_hwm)?,
                send_timeout: wire.send_timeout,
            },
            recv: RecvConfig {
                recv_hwm: wire_hwm("recv_hwm", wire.recv_hwm)?,
                recv_timeout: wire.recv_timeout,
            },
            heartbeat: wire_heartbeat(wire.heartbeat)?,
        })
    }
}

impl From<DuplexConfig> for DuplexWire {
    fn from(config: DuplexConfig) -> Self {
        DuplexWire {
            connect: config.socket.connect,
            bind: config.socket.bind,
            heartbeat: config.heartbeat.heartbeat,
            send_hwm: Some(config.send.send_hwm),
            send_timeout: config.send.send_timeout,
            recv_hwm: Some(config.recv.recv_hwm),
            recv_timeout: config.recv.recv_timeout,
        }
    }
}

/// Declares `$config` (a serde config) and `$builder` for the duplex socket
/// type `$socket`, with their traits.
macro_rules! duplex_config {
    ($socket:ident, $config:ident, $builder:ident) => {
        #[doc = concat!("The configuration of a [`", stringify!($socket), "`], serializable with serde.")]
        ///
        /// Fields (all optional): `connect`, `bind` (lists of endpoints such as
        /// `tcp: "127.0.0.1:*"`), `heartbeat`, `send_hwm`, `send_timeout`,
        /// `recv_hwm`, `recv_timeout`. Unknown fields are rejected, except
        /// `send_high_water_mark`/`recv_high_water_mark`, aliases of the HWMs.
        #[derive(Debug, Default, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $config {
            inner: $crate::socket::duplex::DuplexConfig,
        }

        impl $config {
            /// A config with every option at its default.
            pub fn new() -> Self {
                Self::default()
            }

            /// Builds the socket in the global ctx.
            pub fn build(&self) -> Result<$socket, $crate::Error> {
                self.with_ctx($crate::Ctx::global())
            }

            /// Builds the socket in the ctx of `handle`.
            pub fn with_ctx(&self, handle: $crate::CtxHandle) -> Result<$socket, $crate::Error> {
                let socket = $socket::with_ctx(handle)?;
                self.apply(&socket)?;
                Ok(socket)
            }

            /// Applies this configuration to an existing socket.
            pub fn apply(&self, socket: &$socket) -> Result<(), $crate::Error> {
                self.inner.apply(socket)
            }
        }

        #[doc = concat!("Builds a [`", stringify!($socket), "`]; see the `Build*` traits of the prelude.")]
        #[derive(Debug, Default, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $builder {
            inner: $config,
        }

        impl $builder {
            /// A builder with every option at its default.
            pub fn new() -> Self {
                Self::default()
            }

            /// Builds the socket in the global ctx.
            pub fn build(&self) -> Result<$socket, $crate::Error> {
                self.inner.build()
            }

            /// Builds the socket in the ctx of `handle`.
            pub fn with_ctx(&self, handle: $crate::CtxHandle) -> Result<$socket, $crate::Error> {
                self.inner.with_ctx(handle)
            }
        }

        impl From<$config> for $builder {
            fn from(inner: $config) -> Self {
                $builder { inner }
            }
        }

        impl $crate::socket::traits::private::Sealed for $config {}
        impl $crate::socket::traits::private::Sealed for $builder {}
        $crate::socket::get_config!($config, GetSocketConfig, socket_config, socket_config_mut, $crate::socket::config::SocketConfig, inner.socket);
        $crate::socket::get_config!($config, GetSendConfig, send_config, send_config_mut, $crate::socket::config::SendConfig, inner.send);
        $crate::socket::get_config!($config, GetRecvConfig, recv_config, recv_config_mut, $crate::socket::config::RecvConfig, inner.recv);
        $crate::socket::get_config!($config, GetHeartbeatingConfig, heartbeat_config, heartbeat_config_mut, $crate::socket::config::HeartbeatingConfig, inner.heartbeat);
        $crate::socket::get_config!($builder, GetSocketConfig, socket_config, socket_config_mut, $crate::socket::config::SocketConfig, inner.inner.socket);
        $crate::socket::get_config!($builder, GetSendConfig, send_config, send_config_mut, $crate::socket::config::SendConfig, inner.inner.send);
        $crate::socket::get_config!($builder, GetRecvConfig, recv_config, recv_config_mut, $crate::socket::config::RecvConfig, inner.inner.recv);
        $crate::socket::get_config!($builder, GetHeartbeatingConfig, heartbeat_config, heartbeat_config_mut, $crate::socket::config::HeartbeatingConfig, inner.inner.heartbeat);
        impl $crate::socket::config::ConfigureSocket for $config {}
        impl $crate::socket::config::ConfigureSend for $config {}
        impl $crate::socket::config::ConfigureRecv for $config {}
        impl $crate::socket::config::ConfigureHeartbeating for $config {}
        impl $crate::socket::config::BuildSocket for $builder {}
        impl $crate::socket::config::BuildSend for $builder {}
        impl $crate::socket::config::BuildRecv for $builder {}
        impl $crate::socket::config::BuildHeartbeating for $builder {}
    };
}
pub(crate) use duplex_config;
