//! The command line: `zmq <command> [options]`.

use crate::commands::{bench, keygen, monitor, proxy, recv, req, send, serve};
use crate::error::Result;
use crate::style::{paint, stderr_colour, Style};
use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// The `zmq` command line.
#[derive(Debug, Parser)]
#[command(
    name = "zmq",
    version,
    about = "Talk to ØMQ peers: CURVE keys, send and receive, request-reply smoke tests, proxies, monitor logs, benchmarks",
    long_about = None,
    after_help = "\
Socket types: client, server, radio, dish, scatter, gather (single-part
messages) and pair, pub, sub, xpub, xsub, push, pull, req, rep, dealer, router
(multipart: one PART argument per frame; on stdout the parts of a message are
separated by a tab, a space with --hex).

Exit status: 0 success, 1 error, 2 invalid arguments, 3 timeout.

Examples:
  zmq keygen --out server
  zmq recv -t gather -b tcp://*:5555 &
  seq 3 | zmq send -t scatter -c tcp://127.0.0.1:5555
  zmq serve -b tcp://*:5556 --exec 'tr a-z A-Z' &
  zmq req -c tcp://127.0.0.1:5556 hello
  zmq monitor -t server -b tcp://*:5557
  zmq bench --transport tcp --size 64,1024"
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Make a CURVE key pair (Z85), or derive a public key.
    Keygen(keygen::KeygenArgs),
    /// Send messages from the arguments or stdin.
    Send(send::SendArgs),
    /// Receive messages to stdout.
    Recv(recv::RecvArgs),
    /// Send a request and print the reply.
    Req(req::ReqArgs),
    /// Answer requests: echo, or the output of a command.
    Serve(serve::ServeArgs),
    /// Forward messages from a frontend socket to a backend socket.
    Proxy(proxy::ProxyArgs),
    /// Measure throughput and round-trip latency.
    Bench(bench::BenchArgs),
    /// Print a socket's monitor events as a live log.
    Monitor(monitor::MonitorArgs),
}

/// Runs a parsed command line.
pub fn run(cli: &Cli) -> Result<()> {
    match &cli.command {
        Command::Keygen(args) => keygen::run(args),
        Command::Send(args) => send::run(args),
        Command::Recv(args) => recv::run(args),
        Command::Req(args) => req::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Proxy(args) => proxy::run(args),
        Command::Bench(args) => bench::run(args),
        Command::Monitor(args) => monitor::run(args),
    }
}

/// The whole program: parses the arguments, runs the command, reports an
/// error on stderr in one line and turns it into the exit status.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!(
                "{} {err}",
                paint("error:", Style::Error, stderr_colour())
            );
            err.exit_code()
        }
    }
}
