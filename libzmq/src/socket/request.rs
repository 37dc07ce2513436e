//! REQ, REP (RFC 28), DEALER and ROUTER: request-reply with envelopes.

use super::classic_socket;
use super::multipart::{RecvMultipart, SendMultipart};
use super::traits::{GetRawSocket, RecvMsg, SendMsg};
use crate::error::Error;
use zmtp::SocketType;

classic_socket!(
    /// The requester: it sends a request, then must receive its reply
    /// before sending again (a second send, or a receive before any send,
    /// is [`ErrorKind::WrongState`](crate::ErrorKind::WrongState)). Requests are round-robined over the
    /// connected [`Rep`]s or [`Router`]s; only the reply from the peer
    /// that got the request is accepted. `set_relaxed` allows a new request
    /// before the reply (the old reply is then dropped when `set_correlate`
    /// is on).
    ///
    /// ```
    /// use libzmq::{prelude::*, *};
    /// use std::time::Duration;
    ///
    /// let addr: TcpAddr = "127.0.0.1:*".try_into()?;
    /// let rep = RepBuilder::new()
    ///     .bind(addr)
    ///     .recv_timeout(Duration::from_secs(5))
    ///     .build()?;
    /// let req = ReqBuilder::new()
    ///     .connect(rep.last_endpoint()?)
    ///     .recv_timeout(Duration::from_secs(5))
    ///     .build()?;
    ///
    /// req.send("hello")?;
    /// assert_eq!(rep.recv_msg()?.to_str()?, "hello");
    /// rep.send("world")?;
    /// assert_eq!(req.recv_msg()?.to_str()?, "world");
    ///
    /// // Strict alternation.
    /// assert!(matches!(req.recv_msg().unwrap_err().kind(), ErrorKind::WrongState(_)));
    /// # Ok::<(), anyhow::Error>(())
    /// ```
    Req, ReqConfig, ReqBuilder, SocketType::Req,
    groups: [send, recv, heartbeat],
    traits: [SendMsg, RecvMsg, SendMultipart, RecvMultipart]
);

classic_socket!(
    /// The replier: it receives a request, then must send its reply before
    /// receiving again ([`ErrorKind::WrongState`](crate::ErrorKind::WrongState) otherwise). The request's
    /// envelope (its routing frames up to the empty delimiter) is kept and
    /// put back on the reply, which goes to the peer the request came from
    /// — through any number of ROUTER/DEALER proxies.
    ///
    /// ```
    /// use libzmq::{prelude::*, *};
    /// use std::time::Duration;
    ///
    /// let addr = InprocAddr::new_unique();
    /// let rep = RepBuilder::new()
    ///     .bind(&addr)
    ///     .recv_timeout(Duration::from_secs(1))
    ///     .build()?;
    /// let req = ReqBuilder::new()
    ///     .connect(&addr)
    ///     .recv_timeout(Duration::from_secs(1))
    ///     .build()?;
    ///
    /// req.send_multipart(["two", "frames"])?;
    /// assert_eq!(rep.recv_multipart()?.len(), 2);
    /// rep.send("ok")?;
    /// assert_eq!(req.recv_msg()?.to_str()?, "ok");
    /// # Ok::<(), anyhow::Error>(())
    /// ```
    Rep, RepConfig, RepBuilder, SocketType::Rep,
    groups: [send, recv, heartbeat],
    traits: [SendMsg, RecvMsg, SendMultipart, RecvMultipart]
);

classic_socket!(
    /// An asynchronous requester: messages are round-robined over its
    /// peers ([`Rep`], [`Router`], other [`Dealer`]s) and fair-queued in,
    /// frames untouched, with no alternation. To talk to a [`Rep`], put the
    /// empty delimiter frame first yourself.
    ///
    /// ```
    /// use libzmq::{prelude::*, *};
    /// use std::time::Duration;
    ///
    /// let addr = InprocAddr::new_unique();
    /// let router = RouterBuilder::new()
    ///     .bind(&addr)
    ///     .recv_timeout(Duration::from_secs(1))
    ///     .build()?;
    /// let dealer = DealerBuilder::new()
    ///     .connect(&addr)
    ///     .recv_timeout(Duration::from_secs(1))
    ///     .build()?;
    ///
    /// dealer.send("job")?;
    /// let parts = router.recv_multipart()?; // [routing id, "job"]
    /// router.send_multipart([parts[0].clone(), "done".into()])?;
    /// assert_eq!(dealer.recv_msg()?.to_str()?, "done");
    /// # Ok::<(), anyhow::Error>(())
    /// ```
    Dealer, DealerConfig, DealerBuilder, SocketType::Dealer,
    groups: [send, recv, heartbeat],
    traits: [SendMsg, RecvMsg, SendMultipart, RecvMultipart]
);

classic_socket!(
    /// The router: each message received starts with a frame naming the
    /// peer it came from (the routing id the peer announced, or one made
    /// up: `0x00` and 4 bytes), and each message sent must start with such
    /// a frame, which picks the peer. An unknown routing id or a full peer
    /// drops the message silently unless `set_mandatory(true)`: then it is
    /// `HostUnreachable`, or a wait for room.
    ///
    /// ```
    /// use libzmq::{prelude::*, *};
    /// use std::time::Duration;
    ///
    /// let router = Router::new()?;
    /// router.set_mandatory(true)?;
    /// let err = router.send_multipart(["nobody", "hi"]).unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::HostUnreachable);
    /// # Ok::<(), anyhow::Error>(())
    /// ```
    Router, RouterConfig, RouterBuilder, SocketType::Router,
    groups: [send, recv, heartbeat],
    traits: [SendMsg, RecvMsg, SendMultipart, RecvMultipart]
);

impl Req {
    /// Puts a request id frame before the delimiter and accepts only the
    /// reply that echoes it (`ZMQ_REQ_CORRELATE`).
    pub fn set_correlate(&self, correlate: bool) -> Result<(), Error> {
        self.raw_socket()
            .core
            .classic_options(|o| o.correlate = correlate)
    }

    /// Allows a new request before the reply to the previous one
    /// (`ZMQ_REQ_RELAXED`); use with `set_correlate(true)` so that a late
    /// reply is not taken for the new one.
    pub fn set_relaxed(&self, relaxed: bool) -> Result<(), Error> {
        self.raw_socket()
            .core
            .classic_options(|o| o.relaxed = relaxed)
    }
}

impl Router {
    /// Unroutable messages are errors instead of silent drops
    /// (`ZMQ_ROUTER_MANDATORY`): an unknown routing id is
    /// `HostUnreachable`, a full peer makes `send` wait.
    pub fn set_mandatory(&self, mandatory: bool) -> Result<(), Error> {
        self.raw_socket()
            .core
            .classic_options(|o| o.mandatory = mandatory)
    }

    /// A new connection announcing a routing id in use takes it over
    /// (`ZMQ_ROUTER_HANDOVER`); without it the new connection is refused.
    pub fn set_handover(&self, handover: bool) -> Result<(), Error> {
        self.raw_socket()
            .core
            .classic_options(|o| o.handover = handover)
    }
}

macro_rules! probe_router {
    ($name:ident) => {
        impl $name {
            /// Sends an empty message to each new peer as soon as it is
            /// attached (`ZMQ_PROBE_ROUTER`), so a ROUTER learns of it.
            pub fn set_probe_router(&self, probe: bool) -> Result<(), Error> {
                self.raw_socket()
                    .core
                    .classic_options(|o| o.probe_router = probe)
            }
        }
    };
}
probe_router!(Dealer);
probe_router!(Router);

macro_rules! routing_id {
    ($name:ident) => {
        impl $name {
            /// The routing id announced to peers (the `Identity` property
            /// of the handshake, what a ROUTER peer then uses to route to
            /// this socket) by the connections made from now on: 1 to 255
            /// bytes, not starting with a zero byte (those are generated
            /// ids); `None` for none. Set it before `connect`.
            pub fn set_routing_id<I: AsRef<[u8]>>(
                &self,
                id: Option<I>,
            ) -> Result<(), Error> {
                let id =
                    id.map(|id| bytes::Bytes::copy_from_slice(id.as_ref()));
                self.raw_socket().core.set_routing_id(id)
            }
        }
    };
}
routing_id!(Req);
routing_id!(Dealer);
routing_id!(Router);

super::conflate_option!(Dealer);

macro_rules! routing_id_config {
    ($config:ident, $builder:ident) => {
        impl $config {
            /// The routing id announced to peers (see `set_routing_id` on the
            /// socket).
            pub fn routing_id(&self) -> Option<&str> {
                self.inner.classic.routing_id.as_deref()
            }

            /// Sets the routing id announced to peers.
            pub fn set_routing_id(&mut self, id: Option<String>) {
                self.inner.classic.routing_id = id;
            }
        }

        impl $builder {
            /// Announces `id` as the socket's routing id (set before it
            /// connects or binds).
            pub fn routing_id<I: Into<String>>(&mut self, id: I) -> &mut Self {
                self.inner.inner.classic.routing_id = Some(id.into());
                self
            }
        }
    };
}
routing_id_config!(ReqConfig, ReqBuilder);
routing_id_config!(DealerConfig, DealerBuilder);
routing_id_config!(RouterConfig, RouterBuilder);
