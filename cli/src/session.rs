//! What the one-socket commands (`send`, `recv`, `req`, `serve`, `monitor`)
//! share: their socket with the ctx it lives in, and the error a wait that
//! ends without anything gives.

use crate::args::EndpointArgs;
use crate::error::{CliError, Result};
use crate::kind::SocketKind;
use crate::security::SecurityArgs;
use crate::socket::{AnySocket, Options, Parts, Receiver};
use libzmq::monitor::Monitor;
use libzmq::{Ctx, ErrorKind};
use std::fmt::Display;
use std::time::Duration;

/// A command's socket and its ctx. Dropping it closes the socket first,
/// then the ctx, which delivers what is queued for up to the linger.
#[derive(Debug)]
pub struct Session {
    // Field order is drop order: the socket goes before its ctx.
    socket: AnySocket,
    _ctx: Ctx,
}

impl Session {
    /// Opens a socket of `kind` in a ctx of its own, secured, bound and
    /// connected as `endpoints` say.
    pub fn open(
        endpoints: &EndpointArgs,
        kind: SocketKind,
        security: &SecurityArgs,
        options: Options,
    ) -> Result<Self> {
        let ctx = Ctx::new();
        let socket = endpoints.open(ctx.handle(), kind, security, options)?;
        Ok(Self { socket, _ctx: ctx })
    }

    /// [`open`](Self::open), with a monitor that sees every event from
    /// the first bind or connect on.
    pub fn open_monitored(
        endpoints: &EndpointArgs,
        kind: SocketKind,
        security: &SecurityArgs,
        options: Options,
    ) -> Result<(Self, Monitor)> {
        let ctx = Ctx::new();
        let (socket, monitor) =
            endpoints.open_monitored(ctx.handle(), kind, security, options)?;
        Ok((Self { socket, _ctx: ctx }, monitor))
    }

    /// The socket.
    pub fn socket(&self) -> &AnySocket {
        &self.socket
    }
}

/// The error of a wait for `what` that ended after `timeout` (none: zero)
/// without it, e.g. `no reply within 1s from tcp://host:5555`.
///
/// ```
/// # use libzmq_cli::session::nothing_within;
/// # use std::time::Duration;
/// let err = nothing_within("message", Some(Duration::from_secs(2)), "(0 received)");
/// assert_eq!(err.to_string(), "no message within 2s (0 received)");
/// ```
pub fn nothing_within(
    what: &str,
    timeout: Option<Duration>,
    tail: impl Display,
) -> CliError {
    CliError::timeout(format!(
        "no {what} within {} {tail}",
        humantime::format_duration(timeout.unwrap_or_default())
    ))
}

/// Receives a message (`expected` names it). When the receive timeout
/// passes the error is [`nothing_within`]`(expected, timeout, tail)`;
/// another failure gives a runtime error that says what was `doing`.
pub fn receive(
    receiver: Receiver<'_>,
    expected: &str,
    timeout: Option<Duration>,
    tail: impl Display,
    doing: impl Display,
) -> Result<Parts> {
    receiver.recv().map_err(|err| match err.kind() {
        ErrorKind::WouldBlock => nothing_within(expected, timeout, tail),
        kind => CliError::runtime(format!("{doing}: {kind}")),
    })
}
