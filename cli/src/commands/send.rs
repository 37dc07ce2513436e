//! `zmq send`: messages from the arguments or stdin to the network.

use crate::args::{groups, parse_duration, EndpointArgs};
use crate::error::{CliError, Result};
use crate::framing::{FramingArgs, MessageReader};
use crate::kind::SocketKind;
use crate::security::SecurityArgs;
use crate::session::Session;
use crate::socket::{check_sends, Options, Sender};
use clap::Args;
use libzmq::Msg;
use std::io::BufRead;
use std::time::Duration;

/// How long queued messages may still go out once `send` is done, unless
/// `--linger` says otherwise.
pub const DEFAULT_LINGER: Duration = Duration::from_secs(5);

/// The arguments of `zmq send`.
#[derive(Debug, Clone, Args)]
#[command(after_help = "\
Examples:
  echo hello | zmq send -t scatter -c tcp://127.0.0.1:5555
  zmq send -t client -c ipc:///tmp/svc 'one message'
  zmq send -t radio --group weather -c udp://127.0.0.1:5556 --count 0 --interval 1s 'sunny'
  zmq send -t scatter -b tcp://*:5555 --records < records.bin
  zmq send -t client -c tcp://host:5555 --curve-server-key @server.pub hello

With PART arguments the message is sent --count times (default 1, 0 = forever);
without, each line (or record) of stdin is one message, until its end or --count.
A radio drops what no dish has joined yet: --delay gives dishes time to join.
ZeroMQ does not acknowledge delivery; `zmq req` waits for an answer.")]
pub struct SendArgs {
    /// Socket type: client, radio, scatter, pub, push, pair, req, dealer,
    /// router (first part: the peer's routing id), xpub, xsub.
    #[arg(short = 't', long = "type", value_name = "TYPE")]
    pub kind: SocketKind,

    /// Where the socket binds and connects.
    #[command(flatten)]
    pub endpoints: EndpointArgs,

    /// The message to send: its parts (the thread-safe types take one).
    /// Without it, messages are read from stdin.
    #[arg(value_name = "PART")]
    pub parts: Vec<String>,

    /// How many messages: with PART the repetitions (0 = forever), from
    /// stdin the most read.
    #[arg(short = 'n', long)]
    pub count: Option<u64>,

    /// Give up when a message cannot be queued for this long (e.g. no peer
    /// to take it); default: wait.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub timeout: Option<Duration>,

    /// How long queued messages may still be delivered at the end.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = "5s")]
    pub linger: Duration,

    /// Wait this long after connecting, before the first message.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub delay: Option<Duration>,

    /// Wait this long between messages.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub interval: Option<Duration>,

    /// The group of a radio's messages (default: the empty group).
    #[arg(short, long)]
    pub group: Vec<String>,

    /// How messages are written on stdin and stdout.
    #[command(flatten)]
    pub framing: FramingArgs,

    /// The security mechanism.
    #[command(flatten)]
    pub security: SecurityArgs,
}

/// Runs `zmq send`.
pub fn run(args: &SendArgs) -> Result<()> {
    check_sends(args.kind, "it receives: use `zmq recv`")?;
    let framing = args.framing.framing();
    let message = framing.arguments("PART", &args.parts)?;
    let options = Options {
        send_timeout: args.timeout,
        linger: Some(args.linger),
        groups: groups(args.kind, &args.group)?,
        ..Options::default()
    };
    let session =
        Session::open(&args.endpoints, args.kind, &args.security, options)?;
    let socket = session.socket();
    let sender = socket.sender()?;
    if let Some(delay) = args.delay {
        std::thread::sleep(delay);
    }
    let pacer = Pacer::new(args.interval);
    if message.is_empty() {
        let stdin = std::io::stdin().lock();
        send_stdin(sender, stdin, framing, args.count, pacer)?;
    } else {
        send_repeated(sender, &message, args.count.unwrap_or(1), pacer)?;
    }
    // Dropping the socket, then the ctx, delivers what is queued, for up to
    // the linger.
    drop(session);
    Ok(())
}

/// Sends `message` `count` times (0: forever).
fn send_repeated(
    sender: Sender<'_>,
    message: &[Vec<u8>],
    count: u64,
    mut pacer: Pacer,
) -> Result<()> {
    let mut sent = 0u64;
    while count == 0 || sent < count {
        pacer.wait();
        let parts = message
            .iter()
            .map(|part| Msg::from(part.as_slice()))
            .collect();
        sender.send(parts).map_err(|err| after(sent, err))?;
        sent += 1;
    }
    Ok(())
}

/// Sends each message of `input`, at most `count`.
fn send_stdin(
    sender: Sender<'_>,
    input: impl BufRead,
    framing: crate::framing::Framing,
    count: Option<u64>,
    mut pacer: Pacer,
) -> Result<()> {
    let mut reader = MessageReader::new(input, framing);
    let mut sent = 0u64;
    while count.is_none_or(|count| sent < count) {
        let Some(body) = reader.next_message()? else {
            break;
        };
        pacer.wait();
        sender
            .send(body.into_iter().map(Msg::from).collect())
            .map_err(|err| after(sent, err))?;
        sent += 1;
    }
    Ok(())
}

/// Says how many messages went out before `err`.
fn after(sent: u64, err: CliError) -> CliError {
    if sent == 0 {
        err
    } else {
        let text = format!("{err} (after {sent} messages)");
        match err.failure() {
            crate::error::Failure::Timeout => CliError::timeout(text),
            _ => CliError::runtime(text),
        }
    }
}

/// Spaces messages by `--interval`: no wait before the first.
#[derive(Debug)]
struct Pacer {
    interval: Option<Duration>,
    first: bool,
}

impl Pacer {
    fn new(interval: Option<Duration>) -> Self {
        Self {
            interval,
            first: true,
        }
    }

    fn wait(&mut self) {
        if let (Some(interval), false) = (self.interval, self.first) {
            std::thread::sleep(interval);
        }
        self.first = false;
    }
}
