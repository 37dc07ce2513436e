//! The options of a socket that are read when a connection is made (its
//! settings), its high water marks and timeouts, and their checks.

use super::core::SocketCore;
use crate::addr::Endpoint;
use crate::auth::Mechanism;
use crate::error::{Error, ErrorKind};
use crate::io::EngineOptions;
use crate::monitor::hub::Tap;
use crate::Heartbeat;
use crate::Period;
use std::sync::atomic::Ordering::SeqCst;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A timeout stored in an atomic: milliseconds, this value meaning "none".
pub(super) const NO_TIMEOUT: u64 = u64::MAX;

/// The default largest message (frame) a peer may send: 256 MiB. libzmq has no
/// limit by default; we have one so that a peer cannot make us buffer
/// gigabytes. `set_max_msg_size(None)` lifts it.
pub(crate) const DEFAULT_MAX_MSG_SIZE: u64 = 256 * 1024 * 1024;

/// The options read when a connection is made.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) heartbeat: Option<Heartbeat>,
    pub(crate) reconnect_interval: Option<Duration>,
    pub(crate) reconnect_interval_max: Option<Duration>,
    pub(crate) handshake_interval: Option<Duration>,
    pub(crate) connect_timeout: Option<Duration>,
    pub(crate) max_msg_size: Option<u64>,
    pub(crate) linger: Period,
    pub(crate) mechanism: Mechanism,
    /// REQ, DEALER, ROUTER: the `Identity` announced in READY.
    pub(crate) routing_id: Option<bytes::Bytes>,
    /// TCP and IPC connects: a peer is attached only once its handshake
    /// completed, and detached when its connection drops (`ZMQ_IMMEDIATE`).
    pub(crate) immediate: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            heartbeat: None,
            reconnect_interval: Some(Duration::from_millis(100)),
            reconnect_interval_max: None,
            handshake_interval: Some(Duration::from_secs(30)),
            connect_timeout: None,
            max_msg_size: Some(DEFAULT_MAX_MSG_SIZE),
            linger: Period::Finite(Duration::ZERO),
            mechanism: Mechanism::Null,
            routing_id: None,
            immediate: false,
        }
    }
}

pub(super) fn timeout_to_ms(period: Period) -> u64 {
    match period {
        Period::Infinite => NO_TIMEOUT,
        Period::Finite(d) => {
            d.as_millis().min(u128::from(NO_TIMEOUT - 1)) as u64
        }
    }
}

fn ms_to_timeout(ms: u64) -> Period {
    if ms == NO_TIMEOUT {
        Period::Infinite
    } else {
        Period::Finite(Duration::from_millis(ms))
    }
}

/// When a wait of `ms` milliseconds starting now ends (`None`: never).
pub(super) fn deadline(ms: u64) -> Option<Instant> {
    (ms != NO_TIMEOUT).then(|| Instant::now() + Duration::from_millis(ms))
}

fn check_hwm(value: i32) -> Result<usize, Error> {
    usize::try_from(value).map_err(|_| {
        Error::new(ErrorKind::InvalidInput(
            "high water mark cannot be negative",
        ))
    })
}

fn check_period_ms(period: Period) -> Result<(), Error> {
    if let Period::Finite(d) = period {
        if d.as_millis() > i32::MAX as u128 {
            return Err(Error::new(ErrorKind::InvalidInput(
                "ms in duration cannot be greater than i32::MAX",
            )));
        }
    }
    Ok(())
}

impl SocketCore {
    pub(crate) fn options(&self) -> Settings {
        self.settings.lock().clone()
    }

    pub(crate) fn update_options(
        &self,
        change: impl FnOnce(&mut Settings),
    ) -> Result<(), Error> {
        self.ctx.check_alive()?;
        change(&mut self.settings.lock());
        Ok(())
    }

    /// What the engines of a new bind or connect need to know.
    /// What the connections of `endpoint` need to know.
    pub(super) fn engine_options(&self, endpoint: &Endpoint) -> EngineOptions {
        let settings = self.settings.lock();
        EngineOptions {
            socket_type: self.kind,
            inbox: self.inbox.clone(),
            hwms: self.hwms.clone(),
            max_msg_size: settings.max_msg_size,
            handshake_interval: settings.handshake_interval,
            connect_timeout: settings.connect_timeout,
            heartbeat: settings.heartbeat.as_ref().and_then(|h| h.to_zmtp()),
            mechanism: Arc::new(settings.mechanism.to_zmtp()),
            auth: self.ctx.auth.clone(),
            reconnect_interval: settings.reconnect_interval,
            reconnect_interval_max: settings.reconnect_interval_max,
            routing_id: settings.routing_id.clone(),
            tap: Tap::new(self.monitor.clone(), endpoint.clone()),
            counters: self.counters.clone(),
        }
    }

    /// Sets the security mechanism of the connections made from now on. A
    /// CURVE client without a certificate gets a fresh one.
    pub(crate) fn set_mechanism(
        &self,
        mechanism: Mechanism,
    ) -> Result<(), Error> {
        let mechanism = mechanism.with_client_cert();
        self.update_options(|o| {
            if o.mechanism != mechanism {
                o.mechanism = mechanism;
            }
        })
    }

    /// REQ, DEALER, ROUTER: the routing id announced by the connections made
    /// from now on: 1 to 255 bytes, not starting with a zero byte (those are
    /// generated ids).
    pub(crate) fn set_routing_id(
        &self,
        id: Option<bytes::Bytes>,
    ) -> Result<(), Error> {
        if let Some(id) = &id {
            if id.is_empty() || id.len() > 255 || id[0] == 0 {
                return Err(Error::new(ErrorKind::InvalidInput(
                    "a routing id has 1 to 255 bytes and does not start with 0",
                )));
            }
        }
        self.update_options(|o| o.routing_id = id)
    }

    /// Sets the heartbeat for the connections made from now on.
    pub(crate) fn set_heartbeat(
        &self,
        maybe: Option<Heartbeat>,
    ) -> Result<(), Error> {
        if let Some(heartbeat) = &maybe {
            super::traits::check_heartbeat(heartbeat)?;
        }
        self.update_options(|o| o.heartbeat = maybe)
    }

    pub(crate) fn send_hwm(&self) -> Result<i32, Error> {
        self.ctx.check_alive()?;
        Ok(self.hwms.send() as i32)
    }

    /// Sets the send HWM, also for the existing pipes (as libzmq).
    pub(crate) fn set_send_hwm(&self, value: i32) -> Result<(), Error> {
        let hwm = check_hwm(value)?;
        self.ctx.check_alive()?;
        self.hwms.set_send(hwm);
        for peer in self.state().peers.iter() {
            peer.out.set_writer_hwm(Some(hwm));
        }
        Ok(())
    }

    pub(crate) fn recv_hwm(&self) -> Result<i32, Error> {
        self.ctx.check_alive()?;
        Ok(self.hwms.recv() as i32)
    }

    /// Sets the receive HWM, also for the existing pipes (as libzmq).
    pub(crate) fn set_recv_hwm(&self, value: i32) -> Result<(), Error> {
        let hwm = check_hwm(value)?;
        self.ctx.check_alive()?;
        self.hwms.set_recv(hwm);
        for peer in self.state().peers.iter() {
            peer.inp.set_reader_hwm(Some(hwm));
        }
        Ok(())
    }

    pub(crate) fn send_timeout(&self) -> Result<Period, Error> {
        self.ctx.check_alive()?;
        Ok(ms_to_timeout(self.send_timeout_ms.load(SeqCst)))
    }

    pub(crate) fn set_send_timeout(&self, period: Period) -> Result<(), Error> {
        self.ctx.check_alive()?;
        check_period_ms(period)?;
        self.send_timeout_ms.store(timeout_to_ms(period), SeqCst);
        Ok(())
    }

    pub(crate) fn recv_timeout(&self) -> Result<Period, Error> {
        self.ctx.check_alive()?;
        Ok(ms_to_timeout(self.recv_timeout_ms.load(SeqCst)))
    }

    pub(crate) fn set_recv_timeout(&self, period: Period) -> Result<(), Error> {
        self.ctx.check_alive()?;
        check_period_ms(period)?;
        self.recv_timeout_ms.store(timeout_to_ms(period), SeqCst);
        Ok(())
    }

    /// Radio: whether a matching peer at its HWM makes `send` wait instead of
    /// dropping its copy.
    pub(crate) fn set_no_drop(&self, value: bool) -> Result<(), Error> {
        self.ctx.check_alive()?;
        self.no_drop.store(value, SeqCst);
        Ok(())
    }

    pub(crate) fn no_drop(&self) -> Result<bool, Error> {
        self.ctx.check_alive()?;
        Ok(self.no_drop.load(SeqCst))
    }
}
