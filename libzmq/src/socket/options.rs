//! The serde configuration shared by the six socket types: one set of
//! fields, of which each socket type accepts (and writes) only its own.

use super::config::{
    HeartbeatingConfig, RecvConfig, SendConfig, SocketConfig, DEFAULT_HWM,
};
use super::core::SocketCore;
use super::traits::check_heartbeat;
use crate::addr::Endpoint;
use crate::error::Error;
use crate::{Group, Heartbeat, Period};
use serde::de::Error as _;
use serde::ser::SerializeStruct;
use serde::{Deserialize, Deserializer, Serializer};
use std::sync::Arc;
use zmtp::SocketType;

/// Which option groups a socket type has.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Capabilities {
    send: bool,
    recv: bool,
    heartbeat: bool,
}

pub(crate) fn capabilities(kind: SocketType) -> Capabilities {
    match kind {
        SocketType::Client | SocketType::Server => Capabilities {
            send: true,
            recv: true,
            heartbeat: true,
        },
        SocketType::Radio => Capabilities {
            send: true,
            recv: false,
            heartbeat: false,
        },
        SocketType::Dish => Capabilities {
            send: false,
            recv: true,
            heartbeat: false,
        },
        SocketType::Scatter | SocketType::Pub | SocketType::Push => {
            Capabilities {
                send: true,
                recv: false,
                heartbeat: true,
            }
        }
        SocketType::Pair
        | SocketType::XPub
        | SocketType::XSub
        | SocketType::Req
        | SocketType::Rep
        | SocketType::Dealer
        | SocketType::Router => Capabilities {
            send: true,
            recv: true,
            heartbeat: true,
        },
        _ => Capabilities {
            send: false,
            recv: true,
            heartbeat: true,
        },
    }
}

/// The options of one socket, as a config or builder holds them.
#[derive(Debug, Default, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Options {
    pub(crate) socket: SocketConfig,
    pub(crate) send: SendConfig,
    pub(crate) recv: RecvConfig,
    pub(crate) heartbeat: HeartbeatingConfig,
    /// Dish only.
    pub(crate) groups: Option<Vec<Group>>,
    /// Radio and XPUB.
    pub(crate) no_drop: Option<bool>,
    /// The options of the classic types.
    pub(crate) classic: ClassicConfig,
}

/// The options of the classic socket types in a config, each accepted by
/// the types that have it (see [`ClassicConfig::allowed`]).
#[derive(
    Debug, Default, Clone, PartialEq, Eq, Hash, serde::Serialize, Deserialize,
)]
#[serde(deny_unknown_fields)]
pub(crate) struct ClassicConfig {
    /// SUB, XSUB: topic prefixes (text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) subscribe: Option<Vec<String>>,
    /// REQ, DEALER, ROUTER: the routing id announced to peers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) routing_id: Option<String>,
    /// ROUTER.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) mandatory: Option<bool>,
    /// ROUTER.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) handover: Option<bool>,
    /// DEALER, ROUTER.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) probe_router: Option<bool>,
    /// REQ.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) correlate: Option<bool>,
    /// REQ.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) relaxed: Option<bool>,
    /// XPUB.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) verbose: Option<bool>,
    /// XPUB.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) verboser: Option<bool>,
    /// PUSH, PULL, PUB, SUB, DEALER.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) conflate: Option<bool>,
}

impl ClassicConfig {
    /// The fields that are set, with whether socket type `kind` has them.
    fn fields(&self, kind: SocketType) -> [(&'static str, bool, bool); 10] {
        use SocketType::*;
        let is = |kinds: &[SocketType]| kinds.contains(&kind);
        [
            ("subscribe", self.subscribe.is_some(), is(&[Sub, XSub])),
            (
                "routing_id",
                self.routing_id.is_some(),
                is(&[Req, Dealer, Router]),
            ),
            ("mandatory", self.mandatory.is_some(), is(&[Router])),
            ("handover", self.handover.is_some(), is(&[Router])),
            (
                "probe_router",
                self.probe_router.is_some(),
                is(&[Dealer, Router]),
            ),
            ("correlate", self.correlate.is_some(), is(&[Req])),
            ("relaxed", self.relaxed.is_some(), is(&[Req])),
            ("verbose", self.verbose.is_some(), is(&[XPub])),
            ("verboser", self.verboser.is_some(), is(&[XPub])),
            (
                "conflate",
                self.conflate.is_some(),
                is(&[Push, Pull, Pub, Sub, Dealer]),
            ),
        ]
    }

    /// Applies what is set to `socket` (before its connects and binds).
    fn apply(&self, socket: &Arc<SocketCore>) -> Result<(), Error> {
        if let Some(id) = &self.routing_id {
            socket.set_routing_id(Some(bytes::Bytes::copy_from_slice(
                id.as_bytes(),
            )))?;
        }
        if let Some(conflate) = self.conflate {
            socket.ctx.check_alive()?;
            socket.hwms.set_conflate(conflate);
        }
        socket.classic_options(|o| {
            let flags = [
                (&mut o.mandatory, self.mandatory),
                (&mut o.handover, self.handover),
                (&mut o.probe_router, self.probe_router),
                (&mut o.correlate, self.correlate),
                (&mut o.relaxed, self.relaxed),
                (&mut o.verbose, self.verbose),
                (&mut o.verboser, self.verboser),
            ];
            for (option, value) in flags {
                if let Some(value) = value {
                    *option = value;
                }
            }
            o.verbose |= o.verboser;
        })?;
        for prefix in self.subscribe.iter().flatten() {
            socket.subscribe(prefix.as_bytes())?;
        }
        Ok(())
    }
}

impl Options {
    /// Applies the options to `socket` of kind `kind`: no_drop (Radio), the
    /// groups (Dish), send, receive and heartbeat options, then connect and bind.
    pub(crate) fn apply(
        &self,
        socket: &Arc<SocketCore>,
        kind: SocketType,
    ) -> Result<(), Error> {
        let caps = capabilities(kind);
        if let Some(no_drop) = self.no_drop {
            match kind {
                SocketType::Radio => socket.set_no_drop(no_drop)?,
                SocketType::XPub => {
                    socket.classic_options(|o| o.no_drop = no_drop)?
                }
                _ => {}
            }
        }
        self.classic.apply(socket)?;
        if kind == SocketType::Dish {
            for group in self.groups.iter().flatten() {
                socket.join(group.clone())?;
            }
        }
        if caps.send {
            socket.set_send_hwm(self.send.send_hwm)?;
            socket.set_send_timeout(self.send.send_timeout)?;
        }
        if caps.recv {
            socket.set_recv_hwm(self.recv.recv_hwm)?;
            socket.set_recv_timeout(self.recv.recv_timeout)?;
        }
        if caps.heartbeat {
            socket.set_heartbeat(self.heartbeat.heartbeat.clone())?;
        }
        let connection = &self.socket;
        socket.update_options(|o| {
            if let Some(linger) = connection.linger {
                o.linger = linger;
            }
            if let Some(max) = connection.max_msg_size {
                o.max_msg_size = (max > 0).then_some(max);
            }
            if let Some(interval) = connection.reconnect_interval {
                o.reconnect_interval = interval.into();
            }
            if let Some(max) = connection.reconnect_interval_max {
                o.reconnect_interval_max = (!max.is_zero()).then_some(max);
            }
            if let Some(interval) = connection.handshake_interval {
                o.handshake_interval = interval.into();
            }
            if let Some(timeout) = connection.connect_timeout {
                o.connect_timeout = timeout.into();
            }
            if let Some(immediate) = connection.immediate {
                o.immediate = immediate;
            }
        })?;
        if let Some(mechanism) = &connection.mechanism {
            socket.set_mechanism(mechanism.clone())?;
        }
        for endpoint in self.socket.connect.iter().flatten() {
            socket.connect(endpoint.clone())?;
        }
        for endpoint in self.socket.bind.iter().flatten() {
            socket.bind(endpoint.clone())?;
        }
        Ok(())
    }

    /// Writes the fields of socket type `kind`, in the libzmq 0.2 order.
    pub(crate) fn serialize<S: Serializer>(
        &self,
        kind: SocketType,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        let caps = capabilities(kind);
        let count = 3
            + usize::from(caps.heartbeat)
            + 2 * usize::from(caps.send)
            + 2 * usize::from(caps.recv)
            + usize::from(
                kind == SocketType::Radio || kind == SocketType::Dish,
            );
        let connection = &self.socket;
        let extras = [
            connection.linger.is_some(),
            connection.max_msg_size.is_some(),
            connection.reconnect_interval.is_some(),
            connection.reconnect_interval_max.is_some(),
            connection.handshake_interval.is_some(),
            connection.connect_timeout.is_some(),
            connection.immediate.is_some(),
        ];
        let count = count
            + extras.iter().filter(|set| **set).count()
            + self.classic.fields(kind).iter().filter(|f| f.1).count()
            + usize::from(kind == SocketType::XPub && self.no_drop.is_some());
        let mut out = serializer.serialize_struct("Config", count)?;
        out.serialize_field("connect", &self.socket.connect)?;
        out.serialize_field("bind", &self.socket.bind)?;
        // The options added by this crate are written only when set, so a
        // default config reads the same as in libzmq 0.2.
        if let Some(linger) = &connection.linger {
            out.serialize_field("linger", linger)?;
        }
        if let Some(max) = &connection.max_msg_size {
            out.serialize_field("max_msg_size", max)?;
        }
        if let Some(interval) = &connection.reconnect_interval {
            out.serialize_field("reconnect_interval", interval)?;
        }
        if let Some(max) = &connection.reconnect_interval_max {
            out.serialize_field(
                "reconnect_interval_max",
                &humantime::format_duration(*max).to_string(),
            )?;
        }
        if let Some(interval) = &connection.handshake_interval {
            out.serialize_field("handshake_interval", interval)?;
        }
        if let Some(timeout) = &connection.connect_timeout {
            out.serialize_field("connect_timeout", timeout)?;
        }
        if let Some(immediate) = &connection.immediate {
            out.serialize_field("immediate", immediate)?;
        }
        if caps.heartbeat {
            out.serialize_field("heartbeat", &self.heartbeat.heartbeat)?;
        }
        if caps.send {
            out.serialize_field("send_hwm", &self.send.send_hwm)?;
            out.serialize_field("send_timeout", &self.send.send_timeout)?;
        }
        if kind == SocketType::Radio
            || (kind == SocketType::XPub && self.no_drop.is_some())
        {
            out.serialize_field("no_drop", &self.no_drop)?;
        }
        serialize_classic(&self.classic, &mut out)?;
        if caps.recv {
            out.serialize_field("recv_hwm", &self.recv.recv_hwm)?;
            out.serialize_field("recv_timeout", &self.recv.recv_timeout)?;
        }
        if kind == SocketType::Dish {
            out.serialize_field("groups", &self.groups)?;
        }
        out.serialize_field("mechanism", &connection.mechanism)?;
        out.end()
    }

    /// Reads the fields of socket type `kind`; a field of another socket type,
    /// an unknown field or an invalid value is an error that names the field.
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        kind: SocketType,
        deserializer: D,
    ) -> Result<Self, D::Error> {
        let wire = Wire::deserialize(deserializer)?;
        wire.into_options(kind).map_err(D::Error::custom)
    }
}

/// Every field any socket type has; all optional.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Wire {
    #[serde(default)]
    connect: Option<Vec<Endpoint>>,
    #[serde(default)]
    bind: Option<Vec<Endpoint>>,
    #[serde(default)]
    heartbeat: Option<Heartbeat>,
    #[serde(default, alias = "send_high_water_mark")]
    send_hwm: Option<i32>,
    #[serde(default)]
    send_timeout: Option<Period>,
    #[serde(default)]
    no_drop: Option<bool>,
    #[serde(default, alias = "recv_high_water_mark")]
    recv_hwm: Option<i32>,
    #[serde(default)]
    recv_timeout: Option<Period>,
    #[serde(default)]
    groups: Option<Vec<Group>>,
    #[serde(default)]
    linger: Option<Period>,
    #[serde(default)]
    max_msg_size: Option<u64>,
    #[serde(default)]
    reconnect_interval: Option<Period>,
    #[serde(default, with = "humantime_serde")]
    reconnect_interval_max: Option<std::time::Duration>,
    #[serde(default)]
    handshake_interval: Option<Period>,
    #[serde(default)]
    connect_timeout: Option<Period>,
    #[serde(default)]
    immediate: Option<bool>,
    #[serde(default)]
    mechanism: Option<crate::auth::Mechanism>,
    #[serde(flatten)]
    classic: ClassicConfig,
}

fn hwm(field: &str, value: Option<i32>) -> Result<i32, String> {
    match value {
        None => Ok(DEFAULT_HWM),
        Some(hwm) if hwm < 0 => Err(format!(
            "invalid value for `{field}`: a high water mark cannot be negative (got {hwm})"
        )),
        Some(hwm) => Ok(hwm),
    }
}

impl Wire {
    fn into_options(self, kind: SocketType) -> Result<Options, String> {
        let caps = capabilities(kind);
        let name = kind.as_str().to_lowercase();
        let refuse = |field: &str, present: bool, allowed: bool| {
            if present && !allowed {
                Err(format!(
                    "unknown field `{field}`: a {name} socket has no such option"
                ))
            } else {
                Ok(())
            }
        };
        refuse("heartbeat", self.heartbeat.is_some(), caps.heartbeat)?;
        refuse("send_hwm", self.send_hwm.is_some(), caps.send)?;
        refuse("send_timeout", self.send_timeout.is_some(), caps.send)?;
        refuse("recv_hwm", self.recv_hwm.is_some(), caps.recv)?;
        refuse("recv_timeout", self.recv_timeout.is_some(), caps.recv)?;
        let no_drop = matches!(kind, SocketType::Radio | SocketType::XPub);
        refuse("no_drop", self.no_drop.is_some(), no_drop)?;
        for (field, present, allowed) in self.classic.fields(kind) {
            refuse(field, present, allowed)?;
        }
        if let Some(id) = &self.classic.routing_id {
            if id.is_empty() || id.len() > 255 {
                return Err(
                    "invalid value for `routing_id`: 1 to 255 bytes".to_owned()
                );
            }
        }
        refuse("groups", self.groups.is_some(), kind == SocketType::Dish)?;
        if let Some(heartbeat) = &self.heartbeat {
            check_heartbeat(heartbeat).map_err(|err| {
                format!("invalid value for `heartbeat`: {err}")
            })?;
        }
        Ok(Options {
            socket: SocketConfig {
                connect: self.connect,
                bind: self.bind,
                linger: self.linger,
                max_msg_size: self.max_msg_size,
                reconnect_interval: self.reconnect_interval,
                reconnect_interval_max: self.reconnect_interval_max,
                handshake_interval: self.handshake_interval,
                connect_timeout: self.connect_timeout,
                immediate: self.immediate,
                mechanism: self.mechanism,
            },
            send: SendConfig {
                send_hwm: hwm("send_hwm", self.send_hwm)?,
                send_timeout: self.send_timeout.unwrap_or_default(),
            },
            recv: RecvConfig {
                recv_hwm: hwm("recv_hwm", self.recv_hwm)?,
                recv_timeout: self.recv_timeout.unwrap_or_default(),
            },
            heartbeat: HeartbeatingConfig {
                heartbeat: self.heartbeat,
            },
            groups: self.groups,
            no_drop: self.no_drop,
            classic: self.classic,
        })
    }
}

/// Writes the classic options that are set, in their declaration order.
fn serialize_classic<S: SerializeStruct>(
    classic: &ClassicConfig,
    out: &mut S,
) -> Result<(), S::Error> {
    macro_rules! fields {
        ($($field:ident),*) => {
            $(if let Some(value) = &classic.$field {
                out.serialize_field(stringify!($field), value)?;
            })*
        };
    }
    fields!(
        subscribe,
        routing_id,
        mandatory,
        handover,
        probe_router,
        correlate,
        relaxed,
        verbose,
        verboser,
        conflate
    );
    Ok(())
}

/// Declares `$config` (a serde config) and `$builder` for socket type
/// `$socket` of kind `$kind`, with the `Configure*`/`Build*` traits of its
/// option groups (`send`, `recv`, `heartbeat`).
macro_rules! socket_config {
    ($socket:ident, $config:ident, $builder:ident, $kind:expr, [$($group:ident),*]) => {
        #[doc = concat!("The configuration of a [`", stringify!($socket), "`], serializable with serde.")]
        ///
        /// Every field is optional and takes its default when missing; an
        /// unknown field, or an option this socket type does not have, is an
        /// error naming it (`send_high_water_mark` and `recv_high_water_mark`
        /// are accepted as aliases of `send_hwm` and `recv_hwm`).
        #[derive(Debug, Default, Clone, PartialEq, Eq, Hash)]
        pub struct $config {
            pub(crate) inner: $crate::socket::options::Options,
        }

        impl serde::Serialize for $config {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                self.inner.serialize($kind, serializer)
            }
        }

        impl<'de> serde::Deserialize<'de> for $config {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                $crate::socket::options::Options::deserialize($kind, deserializer).map(|inner| $config { inner })
            }
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
                use $crate::socket::traits::GetRawSocket;
                self.inner.apply(&socket.raw_socket().core, $kind)
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
        $crate::socket::get_config!($builder, GetSocketConfig, socket_config, socket_config_mut, $crate::socket::config::SocketConfig, inner.inner.socket);
        impl $crate::socket::config::ConfigureSocket for $config {}
        impl $crate::socket::config::BuildSocket for $builder {}
        $($crate::socket::options::config_group!($group, $config, $builder);)*
    };
}
pub(crate) use socket_config;

/// The traits of one option group for a config and its builder.
macro_rules! config_group {
    (send, $config:ty, $builder:ty) => {
        $crate::socket::get_config!(
            $config,
            GetSendConfig,
            send_config,
            send_config_mut,
            $crate::socket::config::SendConfig,
            inner.send
        );
        $crate::socket::get_config!(
            $builder,
            GetSendConfig,
            send_config,
            send_config_mut,
            $crate::socket::config::SendConfig,
            inner.inner.send
        );
        impl $crate::socket::config::ConfigureSend for $config {}
        impl $crate::socket::config::BuildSend for $builder {}
    };
    (recv, $config:ty, $builder:ty) => {
        $crate::socket::get_config!(
            $config,
            GetRecvConfig,
            recv_config,
            recv_config_mut,
            $crate::socket::config::RecvConfig,
            inner.recv
        );
        $crate::socket::get_config!(
            $builder,
            GetRecvConfig,
            recv_config,
            recv_config_mut,
            $crate::socket::config::RecvConfig,
            inner.inner.recv
        );
        impl $crate::socket::config::ConfigureRecv for $config {}
        impl $crate::socket::config::BuildRecv for $builder {}
    };
    (heartbeat, $config:ty, $builder:ty) => {
        $crate::socket::get_config!(
            $config,
            GetHeartbeatingConfig,
            heartbeat_config,
            heartbeat_config_mut,
            $crate::socket::config::HeartbeatingConfig,
            inner.heartbeat
        );
        $crate::socket::get_config!(
            $builder,
            GetHeartbeatingConfig,
            heartbeat_config,
            heartbeat_config_mut,
            $crate::socket::config::HeartbeatingConfig,
            inner.inner.heartbeat
        );
        impl $crate::socket::config::ConfigureHeartbeating for $config {}
        impl $crate::socket::config::BuildHeartbeating for $builder {}
    };
}
pub(crate) use config_group;
