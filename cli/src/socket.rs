//! Opens a socket of any [`SocketKind`] and sends and receives on it, so
//! that the commands are written once for every type.
//!
//! Adding a socket type is one variant of the private `Inner` enum and of
//! [`Sender`] / [`Receiver`], and one line in each `match` below (the
//! `each!` macros cover the calls all types share).

use crate::endpoint;
use crate::error::{CliError, Context, Result};
use crate::kind::SocketKind;
use libzmq::addr::Endpoint;
use libzmq::auth::Mechanism;
use libzmq::monitor::Monitor;
use libzmq::prelude::*;
use libzmq::{
    Client, CtxHandle, Dealer, Dish, Gather, Group, Msg, Pair, Pub, Pull, Push,
    Radio, Rep, Req, Router, Scatter, Server, Sub, XPub, XSub,
};
use std::time::Duration;

/// How to open a socket: everything set before its first bind or connect.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// How long `send` may block (`None`: forever).
    pub send_timeout: Option<Duration>,
    /// How long `recv` may block (`None`: forever).
    pub recv_timeout: Option<Duration>,
    /// How long queued messages may still be delivered once the socket is
    /// closed, before its ctx is dropped.
    pub linger: Option<Duration>,
    /// The groups a Dish joins; the first is the group a Radio sends to.
    pub groups: Vec<Group>,
    /// The security mechanism.
    pub mechanism: Mechanism,
    /// A Radio waits for a Dish with a full queue instead of dropping.
    pub no_drop: bool,
    /// The topic prefixes a Sub or XSub subscribes to.
    pub subscriptions: Vec<Vec<u8>>,
    /// No high water marks: queue without limit instead of blocking or
    /// dropping.
    pub unlimited_hwm: bool,
    /// TCP and IPC connects queue only to peers whose connection is up.
    pub immediate: bool,
}

/// A socket of any available type.
#[derive(Debug, Clone)]
enum Inner {
    Client(Client),
    Server(Server),
    Radio(Radio, Option<Group>),
    Dish(Dish),
    Scatter(Scatter),
    Gather(Gather),
    Pair(Pair),
    Pub(Pub),
    Sub(Sub),
    XPub(XPub),
    XSub(XSub),
    Push(Push),
    Pull(Pull),
    Req(Req),
    Rep(Rep),
    Dealer(Dealer),
    Router(Router),
}

/// Runs `$body` with `$s` bound to the socket, whatever its type.
macro_rules! each {
    ($inner:expr, $s:ident => $body:expr) => {
        match $inner {
            Inner::Client($s) => $body,
            Inner::Server($s) => $body,
            Inner::Radio($s, _) => $body,
            Inner::Dish($s) => $body,
            Inner::Scatter($s) => $body,
            Inner::Gather($s) => $body,
            Inner::Pair($s) => $body,
            Inner::Pub($s) => $body,
            Inner::Sub($s) => $body,
            Inner::XPub($s) => $body,
            Inner::XSub($s) => $body,
            Inner::Push($s) => $body,
            Inner::Pull($s) => $body,
            Inner::Req($s) => $body,
            Inner::Rep($s) => $body,
            Inner::Dealer($s) => $body,
            Inner::Router($s) => $body,
        }
    };
}

/// Runs `$body` with `$s` bound to the socket of a [`Sender`].
macro_rules! each_sender {
    ($sender:expr, $s:ident => $body:expr) => {
        match $sender {
            Sender::Client($s) => $body,
            Sender::Server($s) => $body,
            Sender::Radio($s, _) => $body,
            Sender::Scatter($s) => $body,
            Sender::Pair($s) => $body,
            Sender::Pub($s) => $body,
            Sender::XPub($s) => $body,
            Sender::XSub($s) => $body,
            Sender::Push($s) => $body,
            Sender::Req($s) => $body,
            Sender::Rep($s) => $body,
            Sender::Dealer($s) => $body,
            Sender::Router($s) => $body,
        }
    };
}

/// Runs `$body` with `$s` bound to the socket of a [`Receiver`].
macro_rules! each_receiver {
    ($receiver:expr, $s:ident => $body:expr) => {
        match $receiver {
            Receiver::Client($s) => $body,
            Receiver::Server($s) => $body,
            Receiver::Dish($s) => $body,
            Receiver::Gather($s) => $body,
            Receiver::Pair($s) => $body,
            Receiver::Sub($s) => $body,
            Receiver::XPub($s) => $body,
            Receiver::XSub($s) => $body,
            Receiver::Pull($s) => $body,
            Receiver::Req($s) => $body,
            Receiver::Rep($s) => $body,
            Receiver::Dealer($s) => $body,
            Receiver::Router($s) => $body,
        }
    };
}

/// A message and where it came from or goes to.
///
/// The thread-safe types carry one part; the classic types one or more. A
/// Server's messages carry the routing id of their client, a Radio's and a
/// Dish's their group.
pub type Parts = Vec<Msg>;

/// An open socket of some [`SocketKind`].
#[derive(Debug, Clone)]
pub struct AnySocket {
    kind: SocketKind,
    inner: Inner,
}

impl AnySocket {
    /// Opens a socket of `kind` in `ctx` with `options` (not bound nor
    /// connected yet).
    pub fn open(
        ctx: CtxHandle,
        kind: SocketKind,
        options: &Options,
    ) -> Result<Self> {
        let what = || format!("opening a {kind} socket");
        let inner = match kind {
            SocketKind::Client => {
                Inner::Client(Client::with_ctx(ctx).context(what)?)
            }
            SocketKind::Server => {
                Inner::Server(Server::with_ctx(ctx).context(what)?)
            }
            SocketKind::Radio => {
                let radio = Radio::with_ctx(ctx).context(what)?;
                radio.set_no_drop(options.no_drop).context(what)?;
                Inner::Radio(radio, options.groups.first().cloned())
            }
            SocketKind::Dish => {
                let dish = Dish::with_ctx(ctx).context(what)?;
                for group in &options.groups {
                    dish.join(group)
                        .context(|| format!("joining group `{group}`"))?;
                }
                Inner::Dish(dish)
            }
            SocketKind::Scatter => {
                Inner::Scatter(Scatter::with_ctx(ctx).context(what)?)
            }
            SocketKind::Gather => {
                Inner::Gather(Gather::with_ctx(ctx).context(what)?)
            }
            SocketKind::Pair => Inner::Pair(Pair::with_ctx(ctx).context(what)?),
            SocketKind::Pub => Inner::Pub(Pub::with_ctx(ctx).context(what)?),
            SocketKind::Sub => {
                let sub = Sub::with_ctx(ctx).context(what)?;
                for prefix in &options.subscriptions {
                    sub.subscribe(prefix).context(what)?;
                }
                Inner::Sub(sub)
            }
            SocketKind::Xpub => Inner::XPub(XPub::with_ctx(ctx).context(what)?),
            SocketKind::Xsub => {
                let xsub = XSub::with_ctx(ctx).context(what)?;
                for prefix in &options.subscriptions {
                    xsub.subscribe(prefix).context(what)?;
                }
                Inner::XSub(xsub)
            }
            SocketKind::Push => Inner::Push(Push::with_ctx(ctx).context(what)?),
            SocketKind::Pull => Inner::Pull(Pull::with_ctx(ctx).context(what)?),
            SocketKind::Req => Inner::Req(Req::with_ctx(ctx).context(what)?),
            SocketKind::Rep => Inner::Rep(Rep::with_ctx(ctx).context(what)?),
            SocketKind::Dealer => {
                Inner::Dealer(Dealer::with_ctx(ctx).context(what)?)
            }
            SocketKind::Router => {
                Inner::Router(Router::with_ctx(ctx).context(what)?)
            }
        };
        let socket = Self { kind, inner };
        socket.configure(options).context(what)?;
        Ok(socket)
    }

    fn configure(
        &self,
        options: &Options,
    ) -> std::result::Result<(), libzmq::Error> {
        each!(&self.inner, s => {
            s.set_mechanism(options.mechanism.clone())?;
            s.set_linger(options.linger)?;
            s.set_immediate(options.immediate)?;
        });
        if let Ok(sender) = self.sender() {
            each_sender!(sender, s => s.set_send_timeout(options.send_timeout)?);
            if options.unlimited_hwm {
                each_sender!(sender, s => s.set_send_hwm(0)?);
            }
        }
        if let Ok(receiver) = self.receiver() {
            each_receiver!(receiver, s => s.set_recv_timeout(options.recv_timeout)?);
            if options.unlimited_hwm {
                each_receiver!(receiver, s => s.set_recv_hwm(0)?);
            }
        }
        Ok(())
    }

    /// The sending side of the socket, or an error naming its type if it
    /// cannot send.
    pub fn sender(&self) -> Result<Sender<'_>> {
        match &self.inner {
            Inner::Client(s) => Ok(Sender::Client(s)),
            Inner::Server(s) => Ok(Sender::Server(s)),
            Inner::Radio(s, group) => Ok(Sender::Radio(s, group.as_ref())),
            Inner::Scatter(s) => Ok(Sender::Scatter(s)),
            Inner::Pair(s) => Ok(Sender::Pair(s)),
            Inner::Pub(s) => Ok(Sender::Pub(s)),
            Inner::XPub(s) => Ok(Sender::XPub(s)),
            Inner::XSub(s) => Ok(Sender::XSub(s)),
            Inner::Push(s) => Ok(Sender::Push(s)),
            Inner::Req(s) => Ok(Sender::Req(s)),
            Inner::Rep(s) => Ok(Sender::Rep(s)),
            Inner::Dealer(s) => Ok(Sender::Dealer(s)),
            Inner::Router(s) => Ok(Sender::Router(s)),
            Inner::Dish(_)
            | Inner::Gather(_)
            | Inner::Sub(_)
            | Inner::Pull(_) => Err(CliError::conflict(format!(
                "a {} socket cannot send",
                self.kind
            ))),
        }
    }

    /// The receiving side of the socket, or an error naming its type if it
    /// cannot receive.
    pub fn receiver(&self) -> Result<Receiver<'_>> {
        match &self.inner {
            Inner::Client(s) => Ok(Receiver::Client(s)),
            Inner::Server(s) => Ok(Receiver::Server(s)),
            Inner::Dish(s) => Ok(Receiver::Dish(s)),
            Inner::Gather(s) => Ok(Receiver::Gather(s)),
            Inner::Pair(s) => Ok(Receiver::Pair(s)),
            Inner::Sub(s) => Ok(Receiver::Sub(s)),
            Inner::XPub(s) => Ok(Receiver::XPub(s)),
            Inner::XSub(s) => Ok(Receiver::XSub(s)),
            Inner::Pull(s) => Ok(Receiver::Pull(s)),
            Inner::Req(s) => Ok(Receiver::Req(s)),
            Inner::Rep(s) => Ok(Receiver::Rep(s)),
            Inner::Dealer(s) => Ok(Receiver::Dealer(s)),
            Inner::Router(s) => Ok(Receiver::Router(s)),
            Inner::Radio(..)
            | Inner::Scatter(_)
            | Inner::Pub(_)
            | Inner::Push(_) => Err(CliError::conflict(format!(
                "a {} socket cannot receive",
                self.kind
            ))),
        }
    }

    /// The type of the socket.
    pub fn kind(&self) -> SocketKind {
        self.kind
    }

    /// Binds `endpoint` and returns the endpoint really bound (the port or
    /// path a `*` stood for).
    pub fn bind(&self, endpoint: &Endpoint) -> Result<Endpoint> {
        let text = || format!("binding {}", endpoint::to_string(endpoint));
        each!(&self.inner, s => {
            s.bind(endpoint).context(text)?;
            s.last_endpoint().context(text)
        })
    }

    /// The endpoint last bound (with the real port or path of a `*`) or
    /// connected.
    pub fn last_endpoint(&self) -> Result<Endpoint> {
        each!(&self.inner, s => s.last_endpoint().context(|| "reading the last endpoint"))
    }

    /// A monitor of the socket's events from now on.
    pub fn monitor(&self) -> Monitor {
        each!(&self.inner, s => s.monitor())
    }

    /// Connects to `endpoint` (asynchronous: nothing needs to listen yet).
    pub fn connect(&self, endpoint: &Endpoint) -> Result<()> {
        let text =
            || format!("connecting to {}", endpoint::to_string(endpoint));
        each!(&self.inner, s => s.connect(endpoint).context(text))
    }

    /// The socket as the library's `SocketType`, for `libzmq::proxy`.
    pub fn into_proxy_end(self) -> libzmq::SocketType {
        match self.inner {
            Inner::Client(s) => s.into(),
            Inner::Server(s) => s.into(),
            Inner::Radio(s, _) => s.into(),
            Inner::Dish(s) => s.into(),
            Inner::Scatter(s) => s.into(),
            Inner::Gather(s) => s.into(),
            Inner::Pair(s) => s.into(),
            Inner::Pub(s) => s.into(),
            Inner::Sub(s) => s.into(),
            Inner::XPub(s) => s.into(),
            Inner::XSub(s) => s.into(),
            Inner::Push(s) => s.into(),
            Inner::Pull(s) => s.into(),
            Inner::Req(s) => s.into(),
            Inner::Rep(s) => s.into(),
            Inner::Dealer(s) => s.into(),
            Inner::Router(s) => s.into(),
        }
    }
}

/// Runs `$multi` with `$s` bound to a classic socket (multipart messages),
/// `$single` for the others.
macro_rules! by_parts {
    ($enum:ident, $value:expr, $s:ident => $multi:expr, _ => $single:expr) => {
        match $value {
            $enum::Pair($s) => $multi,
            $enum::XPub($s) => $multi,
            $enum::XSub($s) => $multi,
            $enum::Req($s) => $multi,
            $enum::Rep($s) => $multi,
            $enum::Dealer($s) => $multi,
            $enum::Router($s) => $multi,
            #[allow(unreachable_patterns)]
            _ => by_parts!(@only $enum, $value, $s => $multi, _ => $single),
        }
    };
    (@only Sender, $value:expr, $s:ident => $multi:expr, _ => $single:expr) => {
        match $value {
            Sender::Pub($s) => $multi,
            Sender::Push($s) => $multi,
            _ => $single,
        }
    };
    (@only Receiver, $value:expr, $s:ident => $multi:expr, _ => $single:expr) => {
        match $value {
            Receiver::Sub($s) => $multi,
            Receiver::Pull($s) => $multi,
            _ => $single,
        }
    };
}

/// The sending side of an [`AnySocket`] that can send.
#[derive(Debug, Clone, Copy)]
pub enum Sender<'a> {
    /// A Client.
    Client(&'a Client),
    /// A Server: messages go to their routing id.
    Server(&'a Server),
    /// A Radio and the group of messages that have none.
    Radio(&'a Radio, Option<&'a Group>),
    /// A Scatter.
    Scatter(&'a Scatter),
    /// A Pair.
    Pair(&'a Pair),
    /// A Pub.
    Pub(&'a Pub),
    /// An XPub (sends messages, receives subscriptions).
    XPub(&'a XPub),
    /// An XSub (sends subscriptions, receives messages).
    XSub(&'a XSub),
    /// A Push.
    Push(&'a Push),
    /// A Req.
    Req(&'a Req),
    /// A Rep.
    Rep(&'a Rep),
    /// A Dealer.
    Dealer(&'a Dealer),
    /// A Router: the first part is the peer's routing id.
    Router(&'a Router),
}

impl Sender<'_> {
    /// Sends a single-part message, blocking up to the send timeout; the
    /// fast path of `bench`. A Radio gives a message without a group its
    /// own group.
    pub fn send_msg(
        self,
        mut msg: Msg,
    ) -> std::result::Result<(), libzmq::Error<Msg>> {
        if let Sender::Radio(_, Some(group)) = self {
            if msg.group().is_none() {
                msg.set_group(group);
            }
        }
        each_sender!(self, s => s.send(msg))
    }

    /// Sends one message (several parts on the classic types); a timeout
    /// is a [`Failure::Timeout`](crate::error::Failure::Timeout).
    pub fn send(self, parts: Parts) -> Result<()> {
        let what = "sending";
        by_parts!(Sender, self, s => s.send_multipart(parts).context(|| self.doing(what)),
        _ => {
            let msg = single(self.kind(), parts)?;
            self.send_msg(msg).context(|| self.doing(what))
        })
    }

    /// Sends `reply` back to where `request` came from: a Server routes it
    /// to the client that asked, the other types just send it (a Router's
    /// reply starts with the request's envelope: see [`split_envelope`]).
    pub fn reply(self, request: &[Msg], reply: Parts) -> Result<()> {
        if let Sender::Server(_) = self {
            let mut msg = single(self.kind(), reply)?;
            if let Some(id) = request.first().and_then(Msg::routing_id) {
                msg.set_routing_id(id);
            }
            return self.send_msg(msg).context(|| self.doing("replying"));
        }
        self.send(reply)
    }

    fn doing(self, what: &str) -> String {
        format!("{what} on the {} socket", self.kind())
    }

    fn kind(self) -> SocketKind {
        match self {
            Sender::Client(_) => SocketKind::Client,
            Sender::Server(_) => SocketKind::Server,
            Sender::Radio(..) => SocketKind::Radio,
            Sender::Scatter(_) => SocketKind::Scatter,
            Sender::Pair(_) => SocketKind::Pair,
            Sender::Pub(_) => SocketKind::Pub,
            Sender::XPub(_) => SocketKind::Xpub,
            Sender::XSub(_) => SocketKind::Xsub,
            Sender::Push(_) => SocketKind::Push,
            Sender::Req(_) => SocketKind::Req,
            Sender::Rep(_) => SocketKind::Rep,
            Sender::Dealer(_) => SocketKind::Dealer,
            Sender::Router(_) => SocketKind::Router,
        }
    }
}

/// The receiving side of an [`AnySocket`] that can receive.
#[derive(Debug, Clone, Copy)]
pub enum Receiver<'a> {
    /// A Client.
    Client(&'a Client),
    /// A Server: messages carry their client's routing id.
    Server(&'a Server),
    /// A Dish: messages carry their group.
    Dish(&'a Dish),
    /// A Gather.
    Gather(&'a Gather),
    /// A Pair.
    Pair(&'a Pair),
    /// A Sub.
    Sub(&'a Sub),
    /// An XPub: receives the subscriptions.
    XPub(&'a XPub),
    /// An XSub.
    XSub(&'a XSub),
    /// A Pull.
    Pull(&'a Pull),
    /// A Req: receives replies.
    Req(&'a Req),
    /// A Rep: receives requests.
    Rep(&'a Rep),
    /// A Dealer.
    Dealer(&'a Dealer),
    /// A Router: the first part is the peer's routing id.
    Router(&'a Router),
}

impl Receiver<'_> {
    /// Receives a single-part message, blocking up to the receive timeout;
    /// the fast path of `bench`.
    pub fn recv_msg(self) -> std::result::Result<Msg, libzmq::Error> {
        each_receiver!(self, s => s.recv_msg())
    }

    /// Receives one message (all its parts), blocking up to the receive
    /// timeout.
    pub fn recv(self) -> std::result::Result<Parts, libzmq::Error> {
        by_parts!(Receiver, self, s => s.recv_multipart(),
            _ => self.recv_msg().map(|msg| vec![msg]))
    }
}

/// The one part of a message for a single-part socket type.
fn single(kind: SocketKind, parts: Parts) -> Result<Msg> {
    let count = parts.len();
    let mut parts = parts.into_iter();
    match (parts.next(), count) {
        (Some(msg), 1) => Ok(msg),
        _ => Err(CliError::conflict(format!(
            "a {kind} socket sends single-part messages, this one has {count} parts"
        ))),
    }
}

/// Splits a request into its envelope and its body: a Router's envelope is
/// the routing id and, if present, the empty delimiter after it (from a
/// REQ); the other types have none.
///
/// ```
/// # use libzmq_cli::{kind::SocketKind, socket::split_envelope};
/// use libzmq::Msg;
/// let parts = vec![Msg::from("id"), Msg::new(), Msg::from("body")];
/// let (envelope, body) = split_envelope(SocketKind::Router, parts);
/// assert_eq!((envelope.len(), body), (2, vec![Msg::from("body")]));
/// ```
pub fn split_envelope(kind: SocketKind, mut parts: Parts) -> (Parts, Parts) {
    if kind != SocketKind::Router || parts.is_empty() {
        return (Vec::new(), parts);
    }
    let end = if parts.get(1).is_some_and(Msg::is_empty) {
        2
    } else {
        1
    };
    let body = parts.split_off(end.min(parts.len()));
    (parts, body)
}

/// Checks that `kind` can start a conversation by
/// sending (`zmq send`, `zmq req`).
pub fn check_sends(kind: SocketKind, instead: &str) -> Result<()> {
    if !kind.can_send() {
        return Err(CliError::conflict(format!(
            "a {kind} socket cannot send: {instead}"
        )));
    }
    if kind.replies_only() {
        return Err(CliError::conflict(format!(
            "a {kind} socket only replies to a peer that spoke first: use `zmq serve`"
        )));
    }
    Ok(())
}

/// Checks that `kind` can receive (`zmq recv`,
/// `zmq serve`).
pub fn check_receives(kind: SocketKind, instead: &str) -> Result<()> {
    if !kind.can_recv() {
        return Err(CliError::conflict(format!(
            "a {kind} socket cannot receive: {instead}"
        )));
    }
    Ok(())
}
