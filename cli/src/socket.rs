//! Opens a socket of any [`SocketKind`] and sends and receives on it, so
//! that the commands are written once for every type.
//!
//! Adding a socket type is one variant of the private `Inner` enum, one
//! line in each `match` below (the `each!` macro covers the calls all types
//! share) and [`SocketKind::is_available`].

use crate::endpoint;
use crate::error::{CliError, Context, Result};
use crate::kind::SocketKind;
use libzmq::addr::Endpoint;
use libzmq::auth::Mechanism;
use libzmq::prelude::*;
use libzmq::{
    Client, CtxHandle, Dish, Gather, Group, Msg, Radio, Scatter, Server,
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
        }
    };
}

/// A message and where it came from or goes to.
///
/// The thread-safe types carry one part; the classic types will carry
/// several. A Server's messages carry the routing id of their client, a
/// Radio's and a Dish's their group.
pub type Parts = Vec<Msg>;

/// An open socket of some [`SocketKind`].
#[derive(Debug, Clone)]
pub struct AnySocket {
    kind: SocketKind,
    inner: Inner,
}

impl AnySocket {
    /// Opens a socket of `kind` in `ctx` with `options` (not bound nor
    /// connected yet). The classic types fail with a "not supported yet"
    /// error.
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
            _ => return Err(not_supported_yet(kind)),
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
        });
        if let Ok(sender) = self.sender() {
            each_sender!(sender, s => s.set_send_timeout(options.send_timeout)?);
        }
        if let Ok(receiver) = self.receiver() {
            each_receiver!(receiver, s => s.set_recv_timeout(options.recv_timeout)?);
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
            Inner::Dish(_) | Inner::Gather(_) => Err(CliError::conflict(
                format!("a {} socket cannot send", self.kind),
            )),
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
            Inner::Radio(..) | Inner::Scatter(_) => Err(CliError::conflict(
                format!("a {} socket cannot receive", self.kind),
            )),
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
        }
    }
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
}

impl Sender<'_> {
    fn kind(self) -> SocketKind {
        match self {
            Sender::Client(_) => SocketKind::Client,
            Sender::Server(_) => SocketKind::Server,
            Sender::Radio(..) => SocketKind::Radio,
            Sender::Scatter(_) => SocketKind::Scatter,
        }
    }

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

    /// Sends one message; `WouldBlock` is a timeout error.
    pub fn send(self, parts: Parts) -> Result<()> {
        let msg = single(self.kind(), parts)?;
        self.send_msg(msg)
            .context(|| format!("sending on the {} socket", self.kind()))
    }

    /// Sends `reply` back to where `request` came from: a Server routes it
    /// to the client that asked, the other types just send it.
    pub fn reply(self, request: &[Msg], reply: Parts) -> Result<()> {
        let mut msg = single(self.kind(), reply)?;
        if let Some(id) = request.first().and_then(Msg::routing_id) {
            msg.set_routing_id(id);
        }
        self.send_msg(msg)
            .context(|| format!("replying on the {} socket", self.kind()))
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
}

impl Receiver<'_> {
    /// Receives a single-part message, blocking up to the receive timeout;
    /// the fast path of `bench`.
    pub fn recv_msg(self) -> std::result::Result<Msg, libzmq::Error> {
        each_receiver!(self, s => s.recv_msg())
    }

    /// Receives one message, blocking up to the receive timeout.
    pub fn recv(self) -> std::result::Result<Parts, libzmq::Error> {
        self.recv_msg().map(|msg| vec![msg])
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

/// Checks that `kind` exists today and can start a conversation by
/// sending (`zmq send`, `zmq req`).
pub fn check_sends(kind: SocketKind, instead: &str) -> Result<()> {
    if !kind.is_available() {
        return Err(not_supported_yet(kind));
    }
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

/// Checks that `kind` exists today and can receive (`zmq recv`,
/// `zmq serve`).
pub fn check_receives(kind: SocketKind, instead: &str) -> Result<()> {
    if !kind.is_available() {
        return Err(not_supported_yet(kind));
    }
    if !kind.can_recv() {
        return Err(CliError::conflict(format!(
            "a {kind} socket cannot receive: {instead}"
        )));
    }
    Ok(())
}

/// The error for a classic type: listed on the command line, not in the
/// library yet.
pub fn not_supported_yet(kind: SocketKind) -> CliError {
    CliError::conflict(format!(
        "the {kind} socket type is not supported yet: the library has the \
         thread-safe types (client, server, radio, dish, scatter, gather); \
         the classic ones come with the library's issue 12"
    ))
}
