//! `zmq monitor`: a live log of a socket's monitor events.

use crate::args::{groups, parse_duration, subscriptions, EndpointArgs};
use crate::error::{Context, Result};
use crate::kind::SocketKind;
use crate::security::SecurityArgs;
use crate::session::{nothing_within, Session};
use crate::socket::Options;
use clap::Args;
use std::io::Write;
use std::time::Duration;

/// The arguments of `zmq monitor`.
#[derive(Debug, Clone, Args)]
#[command(after_help = "\
Examples:
  zmq monitor -t server -b tcp://*:5555          # who connects, handshakes, leaves
  zmq monitor -t client -c tcp://host:5555       # connect retries, handshake failures
  zmq monitor -t gather -b tcp://*:5555 --curve-secret-key @server.key -n 10

Each event is one line on stdout: its time (UTC, RFC 3339), the endpoint and
what happened, e.g.
  2026-12-02T14:55:01.123Z tcp://127.0.0.1:5555 listening
The socket only watches: messages it could receive stay queued. Exit status:
0 after --count events or when the socket is gone, 3 when --timeout passes
without an event.")]
pub struct MonitorArgs {
    /// Socket type of the watching socket (any type).
    #[arg(short = 't', long = "type", value_name = "TYPE")]
    pub kind: SocketKind,

    /// Where the socket binds and connects.
    #[command(flatten)]
    pub endpoints: EndpointArgs,

    /// Stop after this many events (default: never).
    #[arg(short = 'n', long)]
    pub count: Option<u64>,

    /// Fail when no event comes for this long (default: wait).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub timeout: Option<Duration>,

    /// A group a dish joins (repeat for more).
    #[arg(short, long)]
    pub group: Vec<String>,

    /// A topic prefix a sub subscribes to (repeat for more).
    #[arg(short, long, value_name = "PREFIX")]
    pub subscribe: Vec<String>,

    /// The security mechanism.
    #[command(flatten)]
    pub security: SecurityArgs,
}

/// Runs `zmq monitor`.
pub fn run(args: &MonitorArgs) -> Result<()> {
    let options = Options {
        groups: if args.group.is_empty() {
            Vec::new()
        } else {
            groups(args.kind, &args.group)?
        },
        subscriptions: subscriptions(args.kind, &args.subscribe)?,
        ..Options::default()
    };
    let (_session, monitor) = Session::open_monitored(
        &args.endpoints,
        args.kind,
        &args.security,
        options,
    )?;
    let mut stdout = std::io::stdout().lock();
    let mut seen = 0u64;
    while args.count.is_none_or(|count| seen < count) {
        let event = match args.timeout {
            Some(timeout) => monitor.recv_timeout(timeout),
            None => monitor.recv(),
        };
        let Some(event) = event else {
            if monitor.is_closed() {
                return Ok(());
            }
            return Err(nothing_within(
                "event",
                args.timeout,
                format_args!("({seen} seen)"),
            ));
        };
        let line =
            format!("{} {event}", humantime::format_rfc3339_millis(event.time));
        match writeln!(stdout, "{line}").and_then(|()| stdout.flush()) {
            Ok(()) => (),
            Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => {
                return Ok(())
            }
            Err(err) => return Err(err).context(|| "writing to stdout"),
        }
        seen += 1;
    }
    Ok(())
}
