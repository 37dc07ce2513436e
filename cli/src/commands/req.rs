//! `zmq req`: a request and its reply, to see whether a service answers.

use crate::args::{parse_duration, EndpointArgs};
use crate::error::Result;
use crate::framing::{FramingArgs, MessageReader, MessageWriter};
use crate::kind::SocketKind;
use crate::security::SecurityArgs;
use crate::session::{receive, Session};
use crate::socket::{check_receives, check_sends, Options, Receiver, Sender};
use clap::Args;
use libzmq::Msg;
use std::io::Write;
use std::time::Duration;

/// The arguments of `zmq req`.
#[derive(Debug, Clone, Args)]
#[command(after_help = "\
Examples:
  zmq req -c tcp://127.0.0.1:5555 ping               # prints the reply
  printf 'a\\nb\\n' | zmq req -c ipc:///tmp/svc          # one request per line
  zmq req -c tcp://host:5555 --timeout 1s --curve-server-key @server.pub ping

Exit status: 0 when every request got its reply, 3 when one did not come
within --timeout, 1 on other errors.")]
pub struct ReqArgs {
    /// Socket type: client, req or dealer.
    #[arg(
        short = 't',
        long = "type",
        value_name = "TYPE",
        default_value = "client"
    )]
    pub kind: SocketKind,

    /// Where the socket binds and connects.
    #[command(flatten)]
    pub endpoints: EndpointArgs,

    /// The request: its parts (the thread-safe types take one). Without
    /// it, each message of stdin is a request, answered in turn.
    #[arg(value_name = "PART")]
    pub parts: Vec<String>,

    /// How long to wait for each reply (and to queue each request).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = "5s")]
    pub timeout: Duration,

    /// How messages are written on stdin and stdout.
    #[command(flatten)]
    pub framing: FramingArgs,

    /// The security mechanism.
    #[command(flatten)]
    pub security: SecurityArgs,
}

/// Runs `zmq req`.
pub fn run(args: &ReqArgs) -> Result<()> {
    check_sends(args.kind, "it cannot ask")?;
    check_receives(args.kind, "it cannot hear the reply")?;
    let framing = args.framing.framing();
    let request = framing.arguments("PART", &args.parts)?;
    let options = Options {
        send_timeout: Some(args.timeout),
        recv_timeout: Some(args.timeout),
        linger: Some(Duration::ZERO),
        ..Options::default()
    };
    let session =
        Session::open(&args.endpoints, args.kind, &args.security, options)?;
    let socket = session.socket();
    let (sender, receiver) = (socket.sender()?, socket.receiver()?);
    let mut output = MessageWriter::new(std::io::stdout().lock(), framing);
    if request.is_empty() {
        let mut input = MessageReader::new(std::io::stdin().lock(), framing);
        while let Some(body) = input.next_message()? {
            if !ask(args, sender, receiver, body, &mut output)? {
                break;
            }
        }
        Ok(())
    } else {
        ask(args, sender, receiver, request, &mut output).map(drop)
    }
}

/// Sends one request and writes its reply; `false` if stdout is closed.
fn ask(
    args: &ReqArgs,
    sender: Sender<'_>,
    receiver: Receiver<'_>,
    request: Vec<Vec<u8>>,
    output: &mut MessageWriter<impl Write>,
) -> Result<bool> {
    sender.send(request.into_iter().map(Msg::from).collect())?;
    let reply = receive(
        receiver,
        "reply",
        Some(args.timeout),
        format_args!("from {}", peers(&args.endpoints)),
        "waiting for the reply",
    )?;
    let bodies: Vec<&[u8]> = reply.iter().map(Msg::as_bytes).collect();
    output.write_message(&bodies)
}

/// The endpoints asked, for the timeout message.
fn peers(endpoints: &EndpointArgs) -> String {
    let all: Vec<&str> = endpoints
        .connect
        .iter()
        .chain(&endpoints.bind)
        .map(String::as_str)
        .collect();
    all.join(", ")
}
