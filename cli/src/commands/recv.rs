//! `zmq recv`: messages from the network to stdout.

use crate::args::{groups, parse_duration, subscriptions, EndpointArgs};
use crate::error::Result;
use crate::framing::{FramingArgs, MessageWriter};
use crate::kind::SocketKind;
use crate::security::SecurityArgs;
use crate::session::{receive, Session};
use crate::socket::{check_receives, Options};
use clap::Args;
use libzmq::Msg;
use std::time::Duration;

/// The arguments of `zmq recv`.
#[derive(Debug, Clone, Args)]
#[command(after_help = "\
Examples:
  zmq recv -t gather -b tcp://*:5555                       # one line per message
  zmq recv -t dish --group weather -b udp://*:5556 -n 10
  zmq recv -t server -b 'tcp://127.0.0.1:*' --print-endpoint --timeout 10s
  zmq recv -t gather -c ipc:///tmp/feed --records > messages.bin
  zmq recv -t sub -c tcp://127.0.0.1:5556 --subscribe weather.
  zmq recv -t gather -b tcp://*:5555 --curve-secret-key @server.key

Messages go to stdout, flushed one by one, so the output pipes well (e.g. into
grep --line-buffered). A message that holds newlines needs --records or --hex.
Exit status: 0 when --count messages arrived (or the reader of stdout went
away), 3 when --timeout passed without a message, 1 on other errors.")]
pub struct RecvArgs {
    /// Socket type: gather, dish, server, client, sub, pull, pair, rep,
    /// req, dealer, router, xpub (subscriptions), xsub.
    #[arg(short = 't', long = "type", value_name = "TYPE")]
    pub kind: SocketKind,

    /// Where the socket binds and connects.
    #[command(flatten)]
    pub endpoints: EndpointArgs,

    /// Stop after this many messages (default: never).
    #[arg(short = 'n', long)]
    pub count: Option<u64>,

    /// Fail when no message comes for this long (default: wait).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub timeout: Option<Duration>,

    /// A group a dish joins (repeat for more).
    #[arg(short, long)]
    pub group: Vec<String>,

    /// A topic prefix a sub subscribes to (repeat for more; default: every
    /// message).
    #[arg(short, long, value_name = "PREFIX")]
    pub subscribe: Vec<String>,

    /// How messages are written on stdin and stdout.
    #[command(flatten)]
    pub framing: FramingArgs,

    /// The security mechanism.
    #[command(flatten)]
    pub security: SecurityArgs,
}

/// Runs `zmq recv`.
pub fn run(args: &RecvArgs) -> Result<()> {
    check_receives(args.kind, "it sends: use `zmq send`")?;
    let options = Options {
        recv_timeout: args.timeout,
        groups: groups(args.kind, &args.group)?,
        subscriptions: subscriptions(args.kind, &args.subscribe)?,
        ..Options::default()
    };
    let session =
        Session::open(&args.endpoints, args.kind, &args.security, options)?;
    let socket = session.socket();
    let receiver = socket.receiver()?;
    let mut output =
        MessageWriter::new(std::io::stdout().lock(), args.framing.framing());
    let mut received = 0u64;
    while args.count.is_none_or(|count| received < count) {
        let parts = receive(
            receiver,
            "message",
            args.timeout,
            format_args!("({received} received)"),
            format_args!("receiving on the {} socket", args.kind),
        )?;
        let bodies: Vec<&[u8]> = parts.iter().map(Msg::as_bytes).collect();
        if !output.write_message(&bodies)? {
            return Ok(());
        }
        received += 1;
    }
    Ok(())
}
