//! The configuration and builder traits of the prelude (`Configure*`,
//! `Build*`), and the option groups they operate on.

use super::traits::private::Sealed;
use crate::addr::Endpoint;
use crate::{Heartbeat, Period};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Default high water mark, as libzmq.
pub(crate) const DEFAULT_HWM: i32 = 1000;

/// Endpoints to connect to and bind to.
#[doc(hidden)]
#[derive(
    Debug, Default, Clone, PartialEq, Eq, Hash, Serialize, Deserialize,
)]
pub struct SocketConfig {
    pub(crate) connect: Option<Vec<Endpoint>>,
    pub(crate) bind: Option<Vec<Endpoint>>,
    pub(crate) linger: Option<Period>,
    pub(crate) max_msg_size: Option<u64>,
    pub(crate) reconnect_interval: Option<Period>,
    pub(crate) reconnect_interval_max: Option<Duration>,
    pub(crate) handshake_interval: Option<Period>,
    pub(crate) connect_timeout: Option<Period>,
    pub(crate) immediate: Option<bool>,
    pub(crate) mechanism: Option<crate::auth::Mechanism>,
}

/// Send options.
#[doc(hidden)]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SendConfig {
    pub(crate) send_hwm: i32,
    pub(crate) send_timeout: Period,
}

impl Default for SendConfig {
    fn default() -> Self {
        SendConfig {
            send_hwm: DEFAULT_HWM,
            send_timeout: Period::Infinite,
        }
    }
}

/// Receive options.
#[doc(hidden)]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RecvConfig {
    pub(crate) recv_hwm: i32,
    pub(crate) recv_timeout: Period,
}

impl Default for RecvConfig {
    fn default() -> Self {
        RecvConfig {
            recv_hwm: DEFAULT_HWM,
            recv_timeout: Period::Infinite,
        }
    }
}

/// Heartbeat options.
#[doc(hidden)]
#[derive(
    Debug, Default, Clone, PartialEq, Eq, Hash, Serialize, Deserialize,
)]
pub struct HeartbeatingConfig {
    pub(crate) heartbeat: Option<Heartbeat>,
}

/// Access to the endpoint options of a config or builder.
#[doc(hidden)]
pub trait GetSocketConfig: Sealed {
    #[doc(hidden)]
    fn socket_config(&self) -> &SocketConfig;
    #[doc(hidden)]
    fn socket_config_mut(&mut self) -> &mut SocketConfig;
}

/// Access to the send options of a config or builder.
#[doc(hidden)]
pub trait GetSendConfig: Sealed {
    #[doc(hidden)]
    fn send_config(&self) -> &SendConfig;
    #[doc(hidden)]
    fn send_config_mut(&mut self) -> &mut SendConfig;
}

/// Access to the receive options of a config or builder.
#[doc(hidden)]
pub trait GetRecvConfig: Sealed {
    #[doc(hidden)]
    fn recv_config(&self) -> &RecvConfig;
    #[doc(hidden)]
    fn recv_config_mut(&mut self) -> &mut RecvConfig;
}

/// Access to the heartbeat options of a config or builder.
#[doc(hidden)]
pub trait GetHeartbeatingConfig: Sealed {
    #[doc(hidden)]
    fn heartbeat_config(&self) -> &HeartbeatingConfig;
    #[doc(hidden)]
    fn heartbeat_config_mut(&mut self) -> &mut HeartbeatingConfig;
}

fn endpoints<I, E>(items: I) -> Vec<Endpoint>
where
    I: IntoIterator<Item = E>,
    E: Into<Endpoint>,
{
    items.into_iter().map(Into::into).collect()
}

/// Endpoint options of a config.
pub trait ConfigureSocket: GetSocketConfig {
    /// The endpoints to connect to.
    fn connect(&self) -> Option<&[Endpoint]> {
        self.socket_config().connect.as_deref()
    }

    /// Sets (replaces) the endpoints to connect to.
    fn set_connect<I, E>(&mut self, maybe: Option<I>)
    where
        I: IntoIterator<Item = E>,
        E: Into<Endpoint>,
    {
        self.socket_config_mut().connect = maybe.map(endpoints);
    }

    /// The security mechanism.
    fn mechanism(&self) -> Option<&crate::auth::Mechanism> {
        self.socket_config().mechanism.as_ref()
    }

    /// Sets the security mechanism.
    fn set_mechanism(&mut self, maybe: Option<crate::auth::Mechanism>) {
        self.socket_config_mut().mechanism = maybe;
    }

    /// The endpoints to bind to.
    fn bind(&self) -> Option<&[Endpoint]> {
        self.socket_config().bind.as_deref()
    }

    /// Sets (replaces) the endpoints to bind to.
    fn set_bind<I, E>(&mut self, maybe: Option<I>)
    where
        I: IntoIterator<Item = E>,
        E: Into<Endpoint>,
    {
        self.socket_config_mut().bind = maybe.map(endpoints);
    }
}

/// Send options of a config.
pub trait ConfigureSend: GetSendConfig {
    /// The send high water mark.
    fn send_hwm(&self) -> i32 {
        self.send_config().send_hwm
    }
    /// Sets the send high water mark.
    fn set_send_hwm(&mut self, hwm: i32) {
        self.send_config_mut().send_hwm = hwm;
    }
    /// The send timeout.
    fn send_timeout(&self) -> Period {
        self.send_config().send_timeout
    }
    /// Sets the send timeout.
    fn set_send_timeout(&mut self, period: Period) {
        self.send_config_mut().send_timeout = period;
    }
}

/// Receive options of a config.
pub trait ConfigureRecv: GetRecvConfig {
    /// The receive high water mark.
    fn recv_hwm(&self) -> i32 {
        self.recv_config().recv_hwm
    }
    /// Sets the receive high water mark.
    fn set_recv_hwm(&mut self, hwm: i32) {
        self.recv_config_mut().recv_hwm = hwm;
    }
    /// The receive timeout.
    fn recv_timeout(&self) -> Period {
        self.recv_config().recv_timeout
    }
    /// Sets the receive timeout.
    fn set_recv_timeout(&mut self, period: Period) {
        self.recv_config_mut().recv_timeout = period;
    }
}

/// Heartbeat options of a config.
pub trait ConfigureHeartbeating: GetHeartbeatingConfig {
    /// The heartbeat.
    fn heartbeat(&self) -> Option<&Heartbeat> {
        self.heartbeat_config().heartbeat.as_ref()
    }
    /// Sets the heartbeat.
    fn set_heartbeat(&mut self, maybe: Option<Heartbeat>) {
        self.heartbeat_config_mut().heartbeat = maybe;
    }
}

/// Endpoint options of a builder.
pub trait BuildSocket: GetSocketConfig + Sized {
    /// Adds endpoints to connect to (calls append, unlike the original crate
    /// where a second call replaced the first).
    fn connect<I, E>(&mut self, endpoints: I) -> &mut Self
    where
        I: IntoIterator<Item = E>,
        E: Into<Endpoint>,
    {
        let list = self
            .socket_config_mut()
            .connect
            .get_or_insert_with(Vec::new);
        list.extend(endpoints.into_iter().map(Into::into));
        self
    }

    /// Sets the security mechanism (applied before connecting and binding).
    fn mechanism<M>(&mut self, mechanism: M) -> &mut Self
    where
        M: Into<crate::auth::Mechanism>,
    {
        self.socket_config_mut().mechanism = Some(mechanism.into());
        self
    }

    /// Sets a finite [`linger`](crate::prelude::Socket::linger).
    fn linger(&mut self, linger: Duration) -> &mut Self {
        self.socket_config_mut().linger = Some(Period::Finite(linger));
        self
    }

    /// Sets [`max_msg_size`](crate::prelude::Socket::max_msg_size) (0: no limit).
    fn max_msg_size(&mut self, max: u64) -> &mut Self {
        self.socket_config_mut().max_msg_size = Some(max);
        self
    }

    /// Sets [`reconnect_interval`](crate::prelude::Socket::reconnect_interval).
    fn reconnect_interval(&mut self, interval: Duration) -> &mut Self {
        self.socket_config_mut().reconnect_interval =
            Some(Period::Finite(interval));
        self
    }

    /// Sets [`reconnect_interval_max`](crate::prelude::Socket::reconnect_interval_max).
    fn reconnect_interval_max(&mut self, max: Duration) -> &mut Self {
        self.socket_config_mut().reconnect_interval_max = Some(max);
        self
    }

    /// Sets [`handshake_interval`](crate::prelude::Socket::handshake_interval).
    fn handshake_interval(&mut self, interval: Duration) -> &mut Self {
        self.socket_config_mut().handshake_interval =
            Some(Period::Finite(interval));
        self
    }

    /// Sets [`connect_timeout`](crate::prelude::Socket::connect_timeout).
    fn connect_timeout(&mut self, timeout: Duration) -> &mut Self {
        self.socket_config_mut().connect_timeout =
            Some(Period::Finite(timeout));
        self
    }

    /// Sets [`immediate`](crate::prelude::Socket::immediate): TCP and IPC
    /// connects queue messages only to peers whose connection is up.
    fn immediate(&mut self, immediate: bool) -> &mut Self {
        self.socket_config_mut().immediate = Some(immediate);
        self
    }

    /// Adds endpoints to bind to (calls append).
    fn bind<I, E>(&mut self, endpoints: I) -> &mut Self
    where
        I: IntoIterator<Item = E>,
        E: Into<Endpoint>,
    {
        let list = self.socket_config_mut().bind.get_or_insert_with(Vec::new);
        list.extend(endpoints.into_iter().map(Into::into));
        self
    }
}

/// Send options of a builder.
pub trait BuildSend: GetSendConfig + Sized {
    /// Sets the send high water mark.
    fn send_hwm(&mut self, hwm: i32) -> &mut Self {
        self.send_config_mut().send_hwm = hwm;
        self
    }
    /// Sets a finite send timeout.
    fn send_timeout(&mut self, timeout: Duration) -> &mut Self {
        self.send_config_mut().send_timeout = Period::Finite(timeout);
        self
    }
}

/// Receive options of a builder.
pub trait BuildRecv: GetRecvConfig + Sized {
    /// Sets the receive high water mark.
    fn recv_hwm(&mut self, hwm: i32) -> &mut Self {
        self.recv_config_mut().recv_hwm = hwm;
        self
    }
    /// Sets a finite receive timeout.
    fn recv_timeout(&mut self, timeout: Duration) -> &mut Self {
        self.recv_config_mut().recv_timeout = Period::Finite(timeout);
        self
    }
}

/// Heartbeat options of a builder.
pub trait BuildHeartbeating: GetHeartbeatingConfig + Sized {
    /// Sets the heartbeat (a value or a `&Heartbeat`).
    fn heartbeat<H>(&mut self, heartbeat: H) -> &mut Self
    where
        H: Into<Heartbeat>,
    {
        self.heartbeat_config_mut().heartbeat = Some(heartbeat.into());
        self
    }
}
