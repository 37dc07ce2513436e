//! `zmq proxy`: forwards messages from a frontend socket to a backend one.

use crate::args::{groups, subscriptions, EndpointArgs};
use crate::error::{CliError, Result};
use crate::kind::SocketKind;
use crate::security::SecurityArgs;
use crate::socket::Options;
use clap::Args;
use libzmq::{Ctx, ErrorKind};

/// The arguments of `zmq proxy`.
#[derive(Debug, Clone, Args)]
#[command(after_help = "\
Examples:
  # a pipeline hub: scatters connect to :5555, gathers to :5556
  zmq proxy --frontend-type gather --frontend-bind tcp://*:5555 \\
            --backend-type scatter --backend-bind tcp://*:5556
  # extend a radio-dish network, group `weather`, to another port
  zmq proxy --frontend-type dish --frontend-connect tcp://radio:5555 --group weather \\
            --backend-type radio --backend-bind tcp://*:5557

Pairs: gather -> scatter, dish -> radio (groups kept), pull -> push, sub -> pub
(forwarders), xsub <-> xpub (subscriptions go upstream), router <-> dealer
(replies come back). The proxy runs until it is stopped (Ctrl-C).")]
pub struct ProxyArgs {
    /// The frontend's socket type (where messages come in).
    #[arg(long, value_name = "TYPE")]
    pub frontend_type: SocketKind,

    /// Bind the frontend to ENDPOINT (repeat for more).
    #[arg(long, value_name = "ENDPOINT")]
    pub frontend_bind: Vec<String>,

    /// Connect the frontend to ENDPOINT (repeat for more).
    #[arg(long, value_name = "ENDPOINT")]
    pub frontend_connect: Vec<String>,

    /// The backend's socket type (where messages go out).
    #[arg(long, value_name = "TYPE")]
    pub backend_type: SocketKind,

    /// Bind the backend to ENDPOINT (repeat for more).
    #[arg(long, value_name = "ENDPOINT")]
    pub backend_bind: Vec<String>,

    /// Connect the backend to ENDPOINT (repeat for more).
    #[arg(long, value_name = "ENDPOINT")]
    pub backend_connect: Vec<String>,

    /// A group a dish frontend joins (repeat for more).
    #[arg(short, long)]
    pub group: Vec<String>,

    /// Print each endpoint bound (frontend first) on stderr.
    #[arg(long)]
    pub print_endpoint: bool,
}

/// The pairs `libzmq::proxy` forwards usefully: one-way forwarders, and
/// the brokers whose backend answers back (XSUB <-> XPUB carries the
/// subscriptions upstream, ROUTER <-> DEALER the replies).
const PAIRS: [(SocketKind, SocketKind); 6] = [
    (SocketKind::Gather, SocketKind::Scatter),
    (SocketKind::Dish, SocketKind::Radio),
    (SocketKind::Pull, SocketKind::Push),
    (SocketKind::Sub, SocketKind::Pub),
    (SocketKind::Xsub, SocketKind::Xpub),
    (SocketKind::Router, SocketKind::Dealer),
];

/// Checks that the proxy can forward from `front` to `back`.
pub fn check_pair(front: SocketKind, back: SocketKind) -> Result<()> {
    if PAIRS.contains(&(front, back)) {
        return Ok(());
    }
    Err(CliError::conflict(format!(
        "a proxy from {front} to {back} forwards nothing useful; the pairs \
         are gather -> scatter, dish -> radio, pull -> push, sub -> pub, \
         xsub <-> xpub, router <-> dealer"
    )))
}

/// Runs `zmq proxy` until the process is stopped.
pub fn run(args: &ProxyArgs) -> Result<()> {
    check_pair(args.frontend_type, args.backend_type)?;
    let ctx = Ctx::new();
    let no_security = SecurityArgs::default();
    let side = |bind: &[String], connect: &[String]| EndpointArgs {
        bind: bind.to_vec(),
        connect: connect.to_vec(),
        print_endpoint: args.print_endpoint,
        immediate: false,
    };
    let frontend = side(&args.frontend_bind, &args.frontend_connect)
        .open_named(
            ctx.handle(),
            args.frontend_type,
            &no_security,
            Options {
                groups: groups(args.frontend_type, &args.group)?,
                // A sub frontend takes everything; an xsub's subscriptions
                // come from the xpub's subscribers.
                subscriptions: match args.frontend_type {
                    SocketKind::Sub => subscriptions(SocketKind::Sub, &[])?,
                    _ => Vec::new(),
                },
                ..Options::default()
            },
            "frontend-",
        )?;
    let backend = side(&args.backend_bind, &args.backend_connect).open_named(
        ctx.handle(),
        args.backend_type,
        &no_security,
        Options::default(),
        "backend-",
    )?;
    match libzmq::proxy(frontend.into_proxy_end(), backend.into_proxy_end()) {
        Ok(()) => Ok(()),
        Err(err) if err.kind() == ErrorKind::InvalidCtx => Ok(()),
        Err(err) => Err(CliError::runtime(format!("proxy: {}", err.kind()))),
    }
}
