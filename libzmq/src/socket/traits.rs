//! The socket traits of the prelude: `Socket`, `SendMsg`, `RecvMsg`,
//! `Heartbeating`. They are sealed: only this crate's sockets implement them.

use super::core::RawSocket;
use crate::addr::Endpoint;
use crate::error::{Error, ErrorKind};
use crate::msg::Msg;
use crate::{Heartbeat, Period};
use std::time::Duration;

pub(crate) mod private {
    /// Seals the socket and config traits.
    pub trait Sealed {}
}

/// Gives access to the socket behind a public socket type.
#[doc(hidden)]
pub trait GetRawSocket: private::Sealed {
    #[doc(hidden)]
    fn raw_socket(&self) -> &RawSocket;
}

/// Connection management, common to every socket type.
pub trait Socket: GetRawSocket {
    /// Connects to a peer's endpoint.
    ///
    /// This is asynchronous: it succeeds even if nothing listens yet, and the
    /// socket queues messages for that peer until the connection is up. Lost
    /// connections are re-established automatically.
    ///
    /// ```
    /// use libzmq::{prelude::*, *};
    ///
    /// let client = Client::new()?;
    /// // Nothing listens there, and that is fine.
    /// let addr: TcpAddr = "127.0.0.1:420".try_into()?;
    /// client.connect(addr)?;
    /// # Ok::<(), anyhow::Error>(())
    /// ```
    fn connect<E>(&self, endpoint: E) -> Result<(), Error>
    where
        E: Into<Endpoint>,
    {
        self.raw_socket().core.connect(endpoint.into())
    }

    /// Binds to a local endpoint, at once. A TCP port `*` asks the OS for a
    /// free port; [`last_endpoint`](Socket::last_endpoint) tells which.
    ///
    /// ```
    /// use libzmq::{prelude::*, *};
    ///
    /// let server = Server::new()?;
    /// let addr: TcpAddr = "127.0.0.1:*".try_into()?;
    /// server.bind(addr)?;
    /// # Ok::<(), anyhow::Error>(())
    /// ```
    fn bind<E>(&self, endpoint: E) -> Result<(), Error>
    where
        E: Into<Endpoint>,
    {
        self.raw_socket().core.bind(endpoint.into())
    }

    /// Disconnects from a connected endpoint: both queues for that peer are
    /// discarded. On a bound endpoint it acts as [`unbind`](Socket::unbind).
    /// Fails with `NotFound` for an unknown endpoint.
    fn disconnect<E>(&self, endpoint: E) -> Result<(), Error>
    where
        E: Into<Endpoint>,
    {
        self.raw_socket().core.disconnect(endpoint.into())
    }

    /// Stops listening on a bound endpoint and drops the connections accepted
    /// through it (messages already received stay readable). Use the resolved
    /// endpoint (see [`last_endpoint`](Socket::last_endpoint)), not a `*`
    /// wildcard. Fails with `NotFound` for an endpoint that is not bound.
    fn unbind<E>(&self, endpoint: E) -> Result<(), Error>
    where
        E: Into<Endpoint>,
    {
        self.raw_socket().core.unbind(endpoint.into())
    }

    /// The endpoint last bound or connected to, with the real port after
    /// binding port `*`.
    ///
    /// ```
    /// use libzmq::{prelude::*, *, addr::Endpoint};
    ///
    /// let server = Server::new()?;
    /// assert!(server.last_endpoint().is_err());
    /// let addr: TcpAddr = "127.0.0.1:*".try_into()?;
    /// assert!(addr.host().port().is_unspecified());
    /// server.bind(addr)?;
    /// match server.last_endpoint()? {
    ///     Endpoint::Tcp(tcp) => assert!(tcp.host().port().is_specified()),
    ///     _ => unreachable!(),
    /// }
    /// # Ok::<(), anyhow::Error>(())
    /// ```
    fn last_endpoint(&self) -> Result<Endpoint, Error> {
        self.raw_socket().core.last_endpoint()
    }

    /// A new [`Monitor`](crate::monitor::Monitor) of this socket: it
    /// receives every event from now on (see [`monitor`](crate::monitor)),
    /// keeping the last [`DEFAULT_CAPACITY`](crate::monitor::DEFAULT_CAPACITY)
    /// when nobody reads. A socket may have several monitors; one that is
    /// dropped costs nothing.
    ///
    /// ```
    /// use libzmq::{monitor::EventKind, prelude::*, *};
    /// use std::time::Duration;
    ///
    /// let server = Server::new()?;
    /// let events = server.monitor();
    /// let addr: TcpAddr = "127.0.0.1:*".try_into()?;
    /// server.bind(addr)?;
    /// let event = events.recv_timeout(Duration::from_secs(10)).unwrap();
    /// assert!(matches!(event.kind, EventKind::Listening));
    /// assert_eq!(event.endpoint, server.last_endpoint()?);
    /// # Ok::<(), anyhow::Error>(())
    /// ```
    fn monitor(&self) -> crate::monitor::Monitor {
        self.monitor_with_capacity(crate::monitor::DEFAULT_CAPACITY)
    }

    /// Like [`monitor`](Socket::monitor), keeping at most `capacity` unread
    /// events (at least one): beyond that the oldest are dropped and
    /// counted in [`Monitor::dropped`](crate::monitor::Monitor::dropped).
    fn monitor_with_capacity(
        &self,
        capacity: usize,
    ) -> crate::monitor::Monitor {
        let queue = self.raw_socket().core.monitor.subscribe(capacity);
        crate::monitor::Monitor::new(queue)
    }

    /// A snapshot of the socket's [`Counters`](crate::Counters): connected
    /// peers, messages and bytes in and out, messages dropped at the HWM.
    /// Always on, and cheap to read at any time.
    fn counters(&self) -> crate::Counters {
        self.raw_socket().core.counters.snapshot()
    }

    /// The security mechanism of the connections this socket makes from now
    /// on (default [`Mechanism::Null`](crate::auth::Mechanism::Null)).
    ///
    /// ```
    /// use libzmq::{prelude::*, *, auth::Mechanism};
    ///
    /// let server = Server::new()?;
    /// assert_eq!(server.mechanism(), Mechanism::Null);
    /// # Ok::<(), anyhow::Error>(())
    /// ```
    fn mechanism(&self) -> crate::auth::Mechanism {
        self.raw_socket().core.options().mechanism
    }

    /// Sets the security mechanism for the connections made (binds and
    /// connects) from now on. A `CurveClient` without a client certificate
    /// gets a fresh one, which [`mechanism`](Socket::mechanism) then shows.
    ///
    /// ```
    /// use libzmq::{prelude::*, *, auth::*};
    ///
    /// let server_cert = CurveCert::new_unique();
    /// let client = Client::new()?;
    /// client.set_mechanism(CurveClientCreds::new(server_cert.public()))?;
    /// match client.mechanism() {
    ///     Mechanism::CurveClient(creds) => {
    ///         assert!(creds.cert().is_some());
    ///         assert_eq!(creds.server(), server_cert.public());
    ///     }
    ///     _ => unreachable!(),
    /// }
    /// # Ok::<(), anyhow::Error>(())
    /// ```
    fn set_mechanism<M>(&self, mechanism: M) -> Result<(), Error>
    where
        M: Into<crate::auth::Mechanism>,
    {
        self.raw_socket().core.set_mechanism(mechanism.into())
    }

    /// How long dropping the socket keeps trying to deliver its queued
    /// outgoing messages. With the default `Period::Finite(0)`, what a live
    /// connection can take at once is still written out (a reply routed
    /// just before the drop arrives, as with C libzmq and the libzmq 0.2
    /// crate); only what would have to wait — a peer not connected yet, or
    /// not reading — is discarded. Messages already handed to an inproc
    /// peer are never lost. Dropping the socket never blocks; dropping the
    /// ctx waits for what lingers. Not in the libzmq 0.2 crate.
    fn linger(&self) -> Result<Period, Error> {
        Ok(self.raw_socket().core.options().linger)
    }

    /// Sets [`linger`](Socket::linger). With `Period::Infinite`, dropping the
    /// ctx waits until everything queued is delivered.
    fn set_linger<P>(&self, period: P) -> Result<(), Error>
    where
        P: Into<Period>,
    {
        let period = period.into();
        check_ms(period)?;
        self.raw_socket().core.update_options(|o| o.linger = period)
    }

    /// The largest message a peer may send, in bytes; a peer that announces a
    /// larger frame is disconnected before anything is allocated for it.
    /// Default 256 MiB; `None` is no limit (libzmq's default). Applies to
    /// connections made afterwards. Not in the libzmq 0.2 crate.
    fn max_msg_size(&self) -> Result<Option<u64>, Error> {
        Ok(self.raw_socket().core.options().max_msg_size)
    }

    /// Sets [`max_msg_size`](Socket::max_msg_size).
    fn set_max_msg_size(&self, max: Option<u64>) -> Result<(), Error> {
        self.raw_socket()
            .core
            .update_options(|o| o.max_msg_size = max)
    }

    /// How long to wait before reconnecting after a connection failed or was
    /// lost (default 100 ms, plus a random jitter of up to the same amount
    /// unless a maximum is set). `Period::Infinite` disables reconnection.
    /// Applies to endpoints connected afterwards. Not in the libzmq 0.2 crate.
    fn reconnect_interval(&self) -> Result<Period, Error> {
        Ok(self.raw_socket().core.options().reconnect_interval.into())
    }

    /// Sets [`reconnect_interval`](Socket::reconnect_interval).
    fn set_reconnect_interval<P>(&self, period: P) -> Result<(), Error>
    where
        P: Into<Period>,
    {
        let period = period.into();
        check_ms(period)?;
        self.raw_socket()
            .core
            .update_options(|o| o.reconnect_interval = period.into())
    }

    /// With a maximum, each failed attempt doubles the reconnect interval up to
    /// it (no jitter); `None` (default) keeps the interval constant.
    fn reconnect_interval_max(
        &self,
    ) -> Result<Option<std::time::Duration>, Error> {
        Ok(self.raw_socket().core.options().reconnect_interval_max)
    }

    /// Sets [`reconnect_interval_max`](Socket::reconnect_interval_max).
    fn set_reconnect_interval_max(
        &self,
        max: Option<std::time::Duration>,
    ) -> Result<(), Error> {
        self.raw_socket()
            .core
            .update_options(|o| o.reconnect_interval_max = max)
    }

    /// How long a new connection may take to complete its ZMTP handshake
    /// before it is closed (default 30 s, as libzmq; `Period::Infinite`: no
    /// limit). Not in the libzmq 0.2 crate.
    fn handshake_interval(&self) -> Result<Period, Error> {
        Ok(self.raw_socket().core.options().handshake_interval.into())
    }

    /// Sets [`handshake_interval`](Socket::handshake_interval).
    fn set_handshake_interval<P>(&self, period: P) -> Result<(), Error>
    where
        P: Into<Period>,
    {
        let period = period.into();
        check_ms(period)?;
        self.raw_socket()
            .core
            .update_options(|o| o.handshake_interval = period.into())
    }

    /// How long a TCP connect may take before it is abandoned and retried
    /// after the reconnect interval (default `Period::Infinite`: the
    /// system's own timeout, as libzmq). Not in the libzmq 0.2 crate.
    fn connect_timeout(&self) -> Result<Period, Error> {
        Ok(self.raw_socket().core.options().connect_timeout.into())
    }

    /// Sets [`connect_timeout`](Socket::connect_timeout).
    fn set_connect_timeout<P>(&self, period: P) -> Result<(), Error>
    where
        P: Into<Period>,
    {
        let period = period.into();
        check_ms(period)?;
        self.raw_socket()
            .core
            .update_options(|o| o.connect_timeout = period.into())
    }

    /// Whether a TCP or IPC `connect` queues messages only to a peer whose
    /// connection is up (`ZMQ_IMMEDIATE`; default `false`, as libzmq).
    ///
    /// By default a `connect` makes the peer's queue at once: round-robin,
    /// fan-out and routing count it before it is connected, so messages can
    /// wait in the queue of a peer that is not there (and are lost with it).
    /// With `immediate`, the peer joins the socket only once its handshake
    /// completed, and leaves it when the connection drops — what was queued
    /// for it is dropped, what it sent stays readable — while the socket
    /// keeps reconnecting in the background. A socket whose connects are all
    /// down then has no peer: `send` blocks (or `try_send` returns
    /// `WouldBlock`) as in the mute state. Applies to the endpoints
    /// connected afterwards. Inproc and UDP have no connection to wait for
    /// and ignore it, as in libzmq (an inproc connect before the bind still
    /// queues). Not in the libzmq 0.2 crate.
    ///
    /// ```
    /// use libzmq::{prelude::*, *};
    ///
    /// let addr: TcpAddr = "127.0.0.1:*".try_into()?;
    /// let gather = GatherBuilder::new().bind(addr).build()?;
    /// let scatter = ScatterBuilder::new().immediate(true).build()?;
    /// assert!(scatter.immediate()?);
    /// // Nothing is connected yet: no queue to put the message in.
    /// assert!(scatter.try_send("early").unwrap_err().kind() == ErrorKind::WouldBlock);
    /// scatter.connect(gather.last_endpoint()?)?;
    /// scatter.send("hello")?; // waits until the connection is up
    /// assert_eq!(gather.recv_msg()?.to_str()?, "hello");
    /// # Ok::<(), anyhow::Error>(())
    /// ```
    fn immediate(&self) -> Result<bool, Error> {
        Ok(self.raw_socket().core.options().immediate)
    }

    /// Sets [`immediate`](Socket::immediate).
    fn set_immediate(&self, immediate: bool) -> Result<(), Error> {
        self.raw_socket()
            .core
            .update_options(|o| o.immediate = immediate)
    }
}

fn check_ms(period: Period) -> Result<(), Error> {
    match period {
        Period::Finite(d) if d.as_millis() > i32::MAX as u128 => {
            Err(Error::new(ErrorKind::InvalidInput(
                "ms in duration cannot be greater than i32::MAX",
            )))
        }
        _ => Ok(()),
    }
}

/// Sending messages.
pub trait SendMsg: GetRawSocket {
    /// Queues a message, blocking while the socket is mute or every peer's
    /// queue is at its high water mark, up to the send timeout (then
    /// `WouldBlock`). On any error the message is handed back inside the error.
    ///
    /// ```
    /// use libzmq::{prelude::*, *};
    /// use std::time::Duration;
    ///
    /// let client = Client::new()?;
    /// client.set_send_timeout(Some(Duration::from_millis(1)))?;
    /// // No peer: the client is mute.
    /// let err = client.send("msg").unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::WouldBlock);
    /// # Ok::<(), anyhow::Error>(())
    /// ```
    fn send<M>(&self, msg: M) -> Result<(), Error<Msg>>
    where
        M: Into<Msg>,
    {
        self.raw_socket().core.send(msg.into(), true)
    }

    /// Like [`send`](SendMsg::send) but never blocks.
    ///
    /// ```
    /// use libzmq::{prelude::*, *};
    ///
    /// let client = Client::new()?;
    /// let mut err = client.try_send("msg").unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::WouldBlock);
    /// assert_eq!(err.take().unwrap().to_str(), Ok("msg"));
    /// # Ok::<(), anyhow::Error>(())
    /// ```
    fn try_send<M>(&self, msg: M) -> Result<(), Error<Msg>>
    where
        M: Into<Msg>,
    {
        self.raw_socket().core.send(msg.into(), false)
    }

    /// The send high water mark, in messages per peer (default 1000).
    ///
    /// ```
    /// use libzmq::{prelude::*, *};
    ///
    /// let client = ClientBuilder::new().build()?;
    /// assert_eq!(client.send_hwm()?, 1000);
    /// # Ok::<(), anyhow::Error>(())
    /// ```
    fn send_hwm(&self) -> Result<i32, Error> {
        self.raw_socket().core.send_hwm()
    }

    /// Sets the send high water mark (0 = no limit; negative is `InvalidInput`).
    /// It also applies to the existing peers.
    fn set_send_hwm(&self, hwm: i32) -> Result<(), Error> {
        self.raw_socket().core.set_send_hwm(hwm)
    }

    /// The send timeout (default `Period::Infinite`).
    fn send_timeout(&self) -> Result<Period, Error> {
        self.raw_socket().core.send_timeout()
    }

    /// Sets the send timeout. `Some(d)`/`Period::Finite(d)` or `None`/`Period::Infinite`.
    fn set_send_timeout<P>(&self, period: P) -> Result<(), Error>
    where
        P: Into<Period>,
    {
        self.raw_socket().core.set_send_timeout(period.into())
    }
}

/// Receiving messages.
pub trait RecvMsg: GetRawSocket {
    /// Receives a message into `msg` (replacing its contents and properties),
    /// blocking up to the receive timeout (then `WouldBlock`). Nothing is lost
    /// on error: `msg` is left unchanged.
    ///
    /// The fastest way to receive in a loop: the message is moved once,
    /// from the socket's queue straight into `msg`.
    fn recv(&self, msg: &mut Msg) -> Result<(), Error> {
        self.raw_socket().core.recv_into(true, msg)
    }

    /// Like [`recv`](RecvMsg::recv) but never blocks.
    fn try_recv(&self, msg: &mut Msg) -> Result<(), Error> {
        self.raw_socket().core.recv_into(false, msg)
    }

    /// Receives a new message, blocking up to the receive timeout.
    fn recv_msg(&self) -> Result<Msg, Error> {
        self.raw_socket().core.recv(true)
    }

    /// Receives a new message without blocking.
    fn try_recv_msg(&self) -> Result<Msg, Error> {
        self.raw_socket().core.recv(false)
    }

    /// The receive high water mark, in messages per peer (default 1000).
    ///
    /// ```
    /// use libzmq::{prelude::*, *};
    ///
    /// let client = ClientBuilder::new().build()?;
    /// assert_eq!(client.recv_hwm()?, 1000);
    /// # Ok::<(), anyhow::Error>(())
    /// ```
    fn recv_hwm(&self) -> Result<i32, Error> {
        self.raw_socket().core.recv_hwm()
    }

    /// Sets the receive high water mark (0 = no limit; negative is `InvalidInput`).
    fn set_recv_hwm(&self, hwm: i32) -> Result<(), Error> {
        self.raw_socket().core.set_recv_hwm(hwm)
    }

    /// The receive timeout (default `Period::Infinite`).
    fn recv_timeout(&self) -> Result<Period, Error> {
        self.raw_socket().core.recv_timeout()
    }

    /// Sets the receive timeout.
    fn set_recv_timeout<P>(&self, period: P) -> Result<(), Error>
    where
        P: Into<Period>,
    {
        self.raw_socket().core.set_recv_timeout(period.into())
    }
}

/// Checks a heartbeat's durations against the ZMTP and libzmq limits.
pub(crate) fn check_heartbeat(heartbeat: &Heartbeat) -> Result<(), Error> {
    let too_long = |d: Duration| d.as_millis() > i32::MAX as u128;
    let finite = |p: Period| match p {
        Period::Finite(d) => Some(d),
        Period::Infinite => None,
    };
    if too_long(heartbeat.interval())
        || finite(heartbeat.timeout()).is_some_and(too_long)
    {
        return Err(Error::new(ErrorKind::InvalidInput(
            "ms in duration cannot be greater than i32::MAX",
        )));
    }
    if finite(heartbeat.ttl()).is_some_and(|d| d.as_millis() > 6_553_599) {
        return Err(Error::new(ErrorKind::InvalidInput(
            "duration ms cannot exceed 6553599",
        )));
    }
    Ok(())
}

/// ZMTP heartbeats (PING/PONG) on connection-oriented transports.
///
/// ```
/// use libzmq::{prelude::*, *};
/// use std::time::Duration;
///
/// let client = Client::new()?;
/// assert_eq!(client.heartbeat(), None);
/// let hb = Heartbeat::new(Duration::from_millis(300)).add_timeout(Duration::from_millis(600));
/// client.set_heartbeat(Some(hb.clone()))?;
/// assert_eq!(client.heartbeat(), Some(hb));
/// # Ok::<(), anyhow::Error>(())
/// ```
pub trait Heartbeating: GetRawSocket {
    /// The heartbeat settings (default `None`).
    fn heartbeat(&self) -> Option<Heartbeat> {
        self.raw_socket().core.options().heartbeat
    }

    /// Sets the heartbeat for connections made from now on.
    fn set_heartbeat(&self, maybe: Option<Heartbeat>) -> Result<(), Error> {
        if let Some(heartbeat) = &maybe {
            check_heartbeat(heartbeat)?;
        }
        self.raw_socket()
            .core
            .update_options(|o| o.heartbeat = maybe)
    }
}
