//! `zmq serve`: answers requests, by echoing them or with a command.

use crate::args::{parse_duration, EndpointArgs};
use crate::error::{CliError, Result};
use crate::kind::SocketKind;
use crate::security::SecurityArgs;
use crate::session::{receive, Session};
use crate::socket::{check_receives, split_envelope, Options, Parts};
use clap::Args;
use libzmq::Msg;
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

/// The arguments of `zmq serve`.
#[derive(Debug, Clone, Args)]
#[command(after_help = "\
Examples:
  zmq serve -b tcp://*:5555                              # echoes every request
  zmq serve -b tcp://*:5555 --exec 'tr a-z A-Z'          # replies with the command's output
  zmq serve -b 'tcp://127.0.0.1:*' --print-endpoint -n 1 # answers once, then exits
  zmq serve -b tcp://*:5555 --curve-secret-key @server.key --curve-allow @client.pub

With --exec, CMD runs with `sh -c` for each request: the request is its stdin,
its stdout (less one trailing newline) is the reply. A command that fails
(non-zero status) gets no reply sent, and a warning on stderr.")]
pub struct ServeArgs {
    /// Socket type: server, rep or router.
    #[arg(
        short = 't',
        long = "type",
        value_name = "TYPE",
        default_value = "server"
    )]
    pub kind: SocketKind,

    /// Where the socket binds and connects.
    #[command(flatten)]
    pub endpoints: EndpointArgs,

    /// Reply with the output of this shell command instead of echoing.
    #[arg(short = 'e', long, value_name = "CMD")]
    pub exec: Option<String>,

    /// Stop after answering this many requests (default: never).
    #[arg(short = 'n', long)]
    pub count: Option<u64>,

    /// Fail when no request comes for this long (default: wait).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub timeout: Option<Duration>,

    /// The security mechanism.
    #[command(flatten)]
    pub security: SecurityArgs,
}

/// Runs `zmq serve`.
pub fn run(args: &ServeArgs) -> Result<()> {
    check_receives(args.kind, "it cannot hear requests")?;
    if !matches!(
        args.kind,
        SocketKind::Server | SocketKind::Rep | SocketKind::Router
    ) {
        return Err(CliError::conflict(format!(
            "`zmq serve` answers with a server, rep or router socket, not {}",
            args.kind
        )));
    }
    let options = Options {
        recv_timeout: args.timeout,
        send_timeout: Some(Duration::from_secs(5)),
        linger: Some(Duration::from_secs(5)),
        ..Options::default()
    };
    let session =
        Session::open(&args.endpoints, args.kind, &args.security, options)?;
    let socket = session.socket();
    let (receiver, sender) = (socket.receiver()?, socket.sender()?);
    let mut answered = 0u64;
    while args.count.is_none_or(|count| answered < count) {
        let request = receive(
            receiver,
            "request",
            args.timeout,
            format_args!("({answered} answered)"),
            "receiving a request",
        )?;
        let (mut envelope, body) = split_envelope(args.kind, request.clone());
        let answer = match &args.exec {
            Some(command) => match run_command(command, &body)? {
                Some(answer) => answer,
                None => continue,
            },
            None => body,
        };
        envelope.extend(answer);
        if let Err(err) = sender.reply(&request, envelope) {
            // The client may be gone: that is its problem, not the server's.
            eprintln!("zmq serve: {err}");
        }
        answered += 1;
    }
    drop(session);
    Ok(())
}

/// Runs `command` with the request on its stdin; its stdout is the reply.
/// `None` (and a warning) if it fails.
fn run_command(command: &str, request: &Parts) -> Result<Option<Parts>> {
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(command)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|err| {
            CliError::runtime(format!(
                "--exec: cannot start `sh -c {command}`: {err}"
            ))
        })?;
    let input: Vec<u8> = request
        .iter()
        .flat_map(|part| part.as_bytes().to_vec())
        .collect();
    let mut stdin = child.stdin.take();
    // Written from a thread, so that a command that writes before it has
    // read everything cannot deadlock with us.
    let writer = std::thread::spawn(move || {
        if let Some(stdin) = stdin.as_mut() {
            // A command that does not read its stdin closes the pipe: fine.
            let _ = stdin.write_all(&input);
        }
    });
    let output = child.wait_with_output().map_err(|err| {
        CliError::runtime(format!("--exec: waiting for `{command}`: {err}"))
    })?;
    let _ = writer.join();
    if !output.status.success() {
        eprintln!(
            "zmq serve: `{command}` failed ({}); no reply sent",
            output.status
        );
        return Ok(None);
    }
    let mut reply = output.stdout;
    if reply.last() == Some(&b'\n') {
        reply.pop();
    }
    Ok(Some(vec![Msg::from(reply)]))
}
