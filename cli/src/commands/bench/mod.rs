//! `zmq bench`: throughput and round-trip latency, in one process or
//! between two (`--remote`).

mod measure;
mod report;

use crate::args::{parse_duration, parse_size, EndpointArgs};
use crate::error::{CliError, Result};
use crate::kind::SocketKind;
use crate::security::SecurityArgs;
use crate::socket::{AnySocket, Options, Receiver, Sender};
use crate::style::stdout_colour;
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use libzmq::auth::CurveCert;
use libzmq::{Ctx, CtxHandle, Group, Msg};
use report::Report;
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// The arguments of `zmq bench`.
#[derive(Debug, Clone, Args)]
#[command(after_help = "\
Examples:
  zmq bench                                       # client-server over tcp, 64 B and 1 KiB
  zmq bench --transport inproc --size 32,1KiB,64KiB --count 200000
  zmq bench --pattern scatter-gather --test throughput --json
  zmq bench --pattern pub-sub --transport inproc     # SUB subscribed to everything
  zmq bench --pattern req-rep --transport ipc        # round trips only
  zmq bench --pattern dealer-router --test throughput
  zmq bench --transport ipc --curve --test latency

  # two processes (or machines), like libzmq's local_thr / remote_thr:
  zmq bench --remote sink   -b tcp://*:5555 --size 1KiB --count 1000000
  zmq bench --remote source -c tcp://host:5555 --size 1KiB --count 1000000
  # and like local_lat / remote_lat:
  zmq bench --remote echo -b tcp://*:5555 --size 64 --round-trips 10000
  zmq bench --remote ping -c tcp://host:5555 --size 64 --round-trips 10000
  zmq bench --remote echo --pattern req-rep -b ipc://bench   # and ping -c ipc://bench

Patterns: client-server, dealer-router, pair (throughput and round trips),
req-rep (round trips), push-pull, scatter-gather, pub-sub, radio-dish
(throughput; pub-sub and radio-dish in one process only).

The measuring end (sink, ping, or the one process) prints a table, or JSON with
--json. A progress bar shows on a terminal (stderr) only. Both ends of a remote
run need the same --pattern, --size, --count / --round-trips.")]
pub struct BenchArgs {
    /// What to measure (default: all the pattern can: both for
    /// client-server, dealer-router and pair, latency for req-rep,
    /// throughput for the one-way patterns; a --remote role implies its
    /// own).
    #[arg(long, value_enum)]
    pub test: Option<Test>,

    /// The socket pattern (round trips need client-server, dealer-router,
    /// req-rep or pair).
    #[arg(long, value_enum, default_value = "client-server")]
    pub pattern: Pattern,

    /// The transport of a one-process run.
    #[arg(long, value_enum, default_value = "tcp")]
    pub transport: Transport,

    /// Message sizes, comma-separated (B, KiB, MiB).
    #[arg(long, value_delimiter = ',', value_parser = parse_size, default_value = "64,1KiB")]
    pub size: Vec<usize>,

    /// Messages per size for throughput.
    #[arg(short = 'n', long, default_value = "100000", value_parser = clap::value_parser!(u64).range(1..))]
    pub count: u64,

    /// Round trips per size for latency.
    #[arg(long, default_value = "10000", value_parser = clap::value_parser!(u64).range(1..))]
    pub round_trips: u64,

    /// Encrypt with CURVE (a fresh key pair) in a one-process run; a
    /// remote run takes the --curve-* options instead.
    #[arg(long, conflicts_with = "remote")]
    pub curve: bool,

    /// Print the results as JSON on stdout instead of a table.
    #[arg(long)]
    pub json: bool,

    /// Run one end of a two-process benchmark: sink (receives and measures
    /// throughput), source (sends), echo (answers), ping (measures round
    /// trips). Needs --bind or --connect.
    #[arg(long, value_enum, value_name = "ROLE")]
    pub remote: Option<Role>,

    /// Where the socket binds and connects.
    #[command(flatten)]
    pub endpoints: EndpointArgs,

    /// Give up when the other end is silent for this long.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = "30s")]
    pub timeout: Duration,

    /// The security mechanism.
    #[command(flatten)]
    pub security: SecurityArgs,
}

/// What `zmq bench` measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Test {
    /// Messages per second, one way.
    Throughput,
    /// Round-trip times.
    Latency,
    /// Both.
    Both,
}

/// The socket pattern of a benchmark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Pattern {
    /// Client sends, server receives (and echoes for round trips).
    ClientServer,
    /// Scatter sends, gather receives.
    ScatterGather,
    /// Radio sends to a group, dish receives (one process only).
    RadioDish,
    /// Push sends, pull receives.
    PushPull,
    /// Pub sends, sub (subscribed to everything) receives (one process
    /// only).
    PubSub,
    /// Dealer sends, router receives (and echoes for round trips).
    DealerRouter,
    /// Req asks, rep answers (round trips only).
    ReqRep,
    /// One pair sends, the other receives (and echoes for round trips).
    Pair,
}

impl Pattern {
    /// The sending and the receiving socket types of a throughput run, if
    /// the pattern has one.
    fn one_way(self) -> Option<(SocketKind, SocketKind)> {
        use SocketKind as K;
        Some(match self {
            Pattern::ClientServer => (K::Client, K::Server),
            Pattern::ScatterGather => (K::Scatter, K::Gather),
            Pattern::RadioDish => (K::Radio, K::Dish),
            Pattern::PushPull => (K::Push, K::Pull),
            Pattern::PubSub => (K::Pub, K::Sub),
            Pattern::DealerRouter => (K::Dealer, K::Router),
            Pattern::Pair => (K::Pair, K::Pair),
            Pattern::ReqRep => return None,
        })
    }

    /// The pinging and the echoing socket types of a round-trip run, if
    /// the pattern has one.
    fn round_trip(self) -> Option<(SocketKind, SocketKind)> {
        use SocketKind as K;
        Some(match self {
            Pattern::ClientServer => (K::Client, K::Server),
            Pattern::DealerRouter => (K::Dealer, K::Router),
            Pattern::ReqRep => (K::Req, K::Rep),
            Pattern::Pair => (K::Pair, K::Pair),
            Pattern::ScatterGather
            | Pattern::RadioDish
            | Pattern::PushPull
            | Pattern::PubSub => return None,
        })
    }

    /// What the pattern measures when `--test` is not given.
    fn default_test(self) -> Test {
        match (self.one_way(), self.round_trip()) {
            (Some(_), Some(_)) => Test::Both,
            (None, _) => Test::Latency,
            (_, None) => Test::Throughput,
        }
    }

    /// Whether the sender must send warm-up messages until the receiver
    /// gets one: the sender drops what nobody asked for, so it cannot
    /// know otherwise that the receiver's JOIN or subscription arrived.
    fn warms_up(self) -> bool {
        matches!(self, Pattern::RadioDish | Pattern::PubSub)
    }

    /// Checks that the pattern can measure `test`.
    fn check(self, test: Test) -> Result<()> {
        if test != Test::Latency {
            self.kinds(Test::Throughput)?;
        }
        if test != Test::Throughput {
            self.kinds(Test::Latency)?;
        }
        Ok(())
    }

    /// The sending (or pinging) and the receiving (or echoing) socket
    /// types for `test` (throughput or latency), or why there are none.
    fn kinds(self, test: Test) -> Result<(SocketKind, SocketKind)> {
        if test == Test::Throughput {
            self.one_way().ok_or_else(|| {
                CliError::conflict(format!(
                    "{} measures round trips only: add --test latency",
                    self.name()
                ))
            })
        } else {
            self.round_trip().ok_or_else(|| {
                CliError::conflict(format!(
                    "round trips need --pattern client-server, dealer-router, \
                     req-rep or pair ({} is one-way): add --test throughput",
                    self.name()
                ))
            })
        }
    }

    fn name(self) -> &'static str {
        match self {
            Pattern::ClientServer => "client-server",
            Pattern::ScatterGather => "scatter-gather",
            Pattern::RadioDish => "radio-dish",
            Pattern::PushPull => "push-pull",
            Pattern::PubSub => "pub-sub",
            Pattern::DealerRouter => "dealer-router",
            Pattern::ReqRep => "req-rep",
            Pattern::Pair => "pair",
        }
    }
}

/// The transport of a one-process benchmark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Transport {
    /// Between threads, no I/O thread.
    Inproc,
    /// TCP on the loopback interface.
    Tcp,
    /// A Unix domain socket.
    Ipc,
}

impl Transport {
    fn name(self) -> &'static str {
        match self {
            Transport::Inproc => "inproc",
            Transport::Tcp => "tcp",
            Transport::Ipc => "ipc",
        }
    }

    /// Where the receiving end binds.
    fn bind_endpoint(self) -> String {
        match self {
            Transport::Inproc => {
                format!("inproc://{}", libzmq::InprocAddr::new_unique())
            }
            Transport::Tcp => "tcp://127.0.0.1:*".to_owned(),
            Transport::Ipc => "ipc://*".to_owned(),
        }
    }
}

/// One end of a two-process benchmark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Role {
    /// Receives and measures throughput (libzmq's local_thr).
    Sink,
    /// Sends for throughput (remote_thr).
    Source,
    /// Answers round trips (local_lat).
    Echo,
    /// Measures round trips (remote_lat).
    Ping,
}

/// The group of a radio's measured messages.
const GROUP: &str = "bench";
/// The group of a radio's warm-up messages, sent until the dish has joined.
const WARMUP: &str = "bench-warmup";
/// A pub's warm-up message, sent until the sub's subscription has arrived
/// (the measured messages are all `0x5a` bytes).
const PROBE: &[u8] = b"\0bench-probe";

/// Runs `zmq bench`.
pub fn run(args: &BenchArgs) -> Result<()> {
    if args.remote.is_none() {
        if let Some(test) = args.test {
            args.pattern.check(test)?;
        }
    }
    let report = match args.remote {
        Some(role) => run_remote(args, role)?,
        None => Some(run_local(args)?),
    };
    if let Some(report) = report {
        if args.json {
            println!("{}", report.to_json());
        } else {
            print!("{}", report.to_table(stdout_colour()));
        }
    }
    Ok(())
}

/// A fresh report of `args`' conditions.
fn empty_report(args: &BenchArgs, transport: String, curve: bool) -> Report {
    let (major, minor, patch) = libzmq::version();
    Report {
        pattern: args.pattern.name().to_owned(),
        transport,
        mechanism: if curve { "curve" } else { "null" }.to_owned(),
        libzmq_version: format!("{major}.{minor}.{patch}"),
        throughput: Vec::new(),
        latency: Vec::new(),
    }
}

/// The options of a benchmark socket; the sending end of a throughput run
/// `lingers` to deliver its last messages.
fn options(args: &BenchArgs, kind: SocketKind, lingers: bool) -> Options {
    Options {
        send_timeout: Some(args.timeout),
        recv_timeout: Some(args.timeout),
        // The other ends close at once, also when they stop on an error.
        linger: Some(if lingers {
            args.timeout
        } else {
            Duration::ZERO
        }),
        groups: match kind {
            // Joined in this order, so that the warm-up group's JOIN
            // reaching the radio means the measured group's did.
            SocketKind::Dish => vec![group(GROUP), group(WARMUP)],
            SocketKind::Radio => vec![group(GROUP)],
            _ => Vec::new(),
        },
        no_drop: true,
        subscriptions: match kind {
            SocketKind::Sub => vec![Vec::new()],
            _ => Vec::new(),
        },
        // A pub drops what does not fit: nothing may be dropped.
        unlimited_hwm: matches!(kind, SocketKind::Pub | SocketKind::Sub),
        ..Options::default()
    }
}

fn group(name: &str) -> Group {
    Group::new(name).expect("a constant group name is valid")
}

/// Whether a message is a radio's or a pub's warm-up.
fn is_warmup(msg: &Msg) -> bool {
    msg.as_bytes() == PROBE
        || msg
            .group()
            .is_some_and(|g| g.to_bytes() == WARMUP.as_bytes())
}

/// Never skips a message.
fn skip_none(_: &Msg) -> bool {
    false
}

/// A progress bar on stderr if it is a terminal, else a hidden one.
fn progress(total: u64, what: String) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    let template = "{msg} [{bar:30}] {human_pos}/{human_len} eta {eta}";
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(what);
    bar
}

/// Both ends in this process, over `args.transport`.
fn run_local(args: &BenchArgs) -> Result<Report> {
    if args.curve && args.transport == Transport::Inproc {
        return Err(CliError::conflict(
            "--curve secures tcp and ipc connections; inproc has no handshake",
        ));
    }
    if args.security.is_set() {
        return Err(CliError::conflict(
            "the --curve-* and --plain options are for --remote runs; use --curve here",
        ));
    }
    if !args.endpoints.bind.is_empty() || !args.endpoints.connect.is_empty() {
        return Err(CliError::conflict(
            "--bind and --connect are for --remote runs; use --transport here",
        ));
    }
    let (receiving, sending) = local_security(args.curve);
    let ctx = Ctx::new();
    let mut report =
        empty_report(args, args.transport.name().to_owned(), args.curve);
    let test = args.test.unwrap_or(args.pattern.default_test());
    for &size in &args.size {
        if let Some((send_kind, recv_kind)) =
            args.pattern.one_way().filter(|_| test != Test::Latency)
        {
            let (receiver_end, sender_end) = local_pair(
                args,
                ctx.handle(),
                (recv_kind, &receiving),
                (send_kind, &sending),
            )?;
            let joined = AtomicBool::new(!args.pattern.warms_up());
            let skip = |msg: &Msg| {
                let warmup = is_warmup(msg);
                if warmup {
                    joined.store(true, Ordering::Release);
                }
                warmup
            };
            let throughput = alongside(
                &ctx,
                "sending",
                || {
                    let sender = sender_end.sender()?;
                    warm_up(sender, args.pattern, &joined)?;
                    measure::source(sender, size, args.count)
                },
                || sink(receiver_end.receiver()?, size, args.count, &skip),
            )?;
            report.throughput.push(throughput);
        }
        if let Some((ping_kind, echo_kind)) = args
            .pattern
            .round_trip()
            .filter(|_| test != Test::Throughput)
        {
            let (server, client) = local_pair(
                args,
                ctx.handle(),
                (echo_kind, &receiving),
                (ping_kind, &sending),
            )?;
            let latency = alongside(
                &ctx,
                "echo",
                || {
                    measure::echo(
                        server.receiver()?,
                        server.sender()?,
                        args.round_trips + 1,
                    )
                },
                || {
                    ping(
                        client.sender()?,
                        client.receiver()?,
                        size,
                        args.round_trips,
                    )
                },
            )?;
            report.latency.push(latency);
        }
    }
    Ok(report)
}

/// [`measure::sink`] of `count` messages of `size` bytes, with a progress
/// bar: the throughput row.
fn sink(
    receiver: Receiver<'_>,
    size: usize,
    count: u64,
    skip: measure::Skip<'_>,
) -> Result<report::Throughput> {
    let bar = progress(count, format!("throughput {size} B"));
    let elapsed = measure::sink(receiver, size, count, skip, &bar)?;
    bar.finish_and_clear();
    Ok(measure::throughput(size, count, elapsed))
}

/// [`measure::ping`] of `round_trips` round trips of `size` bytes, with a
/// progress bar: the latency row.
fn ping(
    sender: Sender<'_>,
    receiver: Receiver<'_>,
    size: usize,
    round_trips: u64,
) -> Result<report::Latency> {
    let bar = progress(round_trips, format!("round trips {size} B"));
    let times = measure::ping(sender, receiver, size, round_trips, &bar)?;
    bar.finish_and_clear();
    Ok(measure::latency(size, times))
}

/// Runs `peer` on a thread of its own while `measure` runs on this one,
/// and returns what `measure` gives once both succeeded. A failed
/// measurement shuts `ctx` down, which unblocks a peer that waits on a full
/// queue or for a message; `name` names the peer's thread in errors.
fn alongside<T>(
    ctx: &Ctx,
    name: &str,
    peer: impl FnOnce() -> Result<()> + Send,
    measure: impl FnOnce() -> Result<T>,
) -> Result<T> {
    std::thread::scope(|scope| {
        let peer = scope.spawn(peer);
        let measured = measure();
        if measured.is_err() {
            ctx.shutdown();
        }
        let done = peer.join().unwrap_or_else(|_| {
            Err(CliError::runtime(format!("the {name} thread failed")))
        });
        measured.and_then(|value| done.map(|()| value))
    })
}
/// The security options of the receiving and the sending end of a
/// one-process run.
fn local_security(curve: bool) -> (SecurityArgs, SecurityArgs) {
    if !curve {
        return (SecurityArgs::default(), SecurityArgs::default());
    }
    let cert = CurveCert::new_unique();
    let receiving = SecurityArgs {
        curve_secret_key: Some(cert.secret().as_str().to_owned()),
        ..SecurityArgs::default()
    };
    let sending = SecurityArgs {
        curve_server_key: Some(cert.public().as_str().to_owned()),
        ..SecurityArgs::default()
    };
    (receiving, sending)
}

/// A receiving socket bound on the transport and a sending one connected
/// to it.
fn local_pair(
    args: &BenchArgs,
    ctx: CtxHandle,
    (recv_kind, recv_security): (SocketKind, &SecurityArgs),
    (send_kind, send_security): (SocketKind, &SecurityArgs),
) -> Result<(AnySocket, AnySocket)> {
    let bind = EndpointArgs {
        bind: vec![args.transport.bind_endpoint()],
        ..EndpointArgs::default()
    };
    let receiver = bind.open(
        ctx,
        recv_kind,
        recv_security,
        options(args, recv_kind, false),
    )?;
    let bound = receiver.last_endpoint()?;
    let connect = EndpointArgs {
        connect: vec![crate::endpoint::to_string(&bound)],
        ..EndpointArgs::default()
    };
    let sender = connect.open(
        ctx,
        send_kind,
        send_security,
        options(args, send_kind, true),
    )?;
    Ok((receiver, sender))
}

/// Sends warm-up messages until the receiver has seen one (`joined`). A
/// radio drops what nobody joined and a pub what nobody subscribed to, so
/// there is no other way to know that the JOIN or subscription arrived.
fn warm_up(
    sender: crate::socket::Sender<'_>,
    pattern: Pattern,
    joined: &AtomicBool,
) -> Result<()> {
    let warmup = group(WARMUP);
    while !joined.load(Ordering::Acquire) {
        let msg = if pattern == Pattern::RadioDish {
            let mut msg = Msg::new();
            msg.set_group(&warmup);
            msg
        } else {
            Msg::from(PROBE)
        };
        sender.send(vec![msg])?;
        std::thread::sleep(Duration::from_millis(1));
    }
    Ok(())
}

/// One end of a two-process run; the measuring ends return their report.
fn run_remote(args: &BenchArgs, role: Role) -> Result<Option<Report>> {
    if args.pattern.warms_up() {
        return Err(CliError::conflict(format!(
            "{} cannot be benchmarked across processes: the sender cannot \
             learn that the receiver joined or subscribed; run it in one \
             process (without --remote)",
            args.pattern.name()
        )));
    }
    let implied = match role {
        Role::Sink | Role::Source => Test::Throughput,
        Role::Echo | Role::Ping => Test::Latency,
    };
    if let Some(test) = args.test.filter(|&test| test != implied) {
        return Err(CliError::conflict(format!(
            "--remote {} measures {}, not --test {}",
            role_name(role),
            test_name(implied),
            test_name(test)
        )));
    }
    let (sending, receiving) = args.pattern.kinds(implied)?;
    let kind = match role {
        Role::Sink | Role::Echo => receiving,
        Role::Source | Role::Ping => sending,
    };
    let ctx = Ctx::new();
    let socket = args.endpoints.open(
        ctx.handle(),
        kind,
        &args.security,
        options(args, kind, role == Role::Source),
    )?;
    let transport = crate::endpoint::to_string(&socket.last_endpoint()?);
    let mut report = empty_report(args, transport, args.security.is_set());
    for &size in &args.size {
        match role {
            Role::Sink => report.throughput.push(sink(
                socket.receiver()?,
                size,
                args.count,
                &skip_none,
            )?),
            Role::Source => {
                measure::source(socket.sender()?, size, args.count)?
            }
            Role::Echo => measure::echo(
                socket.receiver()?,
                socket.sender()?,
                args.round_trips + 1,
            )?,
            Role::Ping => report.latency.push(ping(
                socket.sender()?,
                socket.receiver()?,
                size,
                args.round_trips,
            )?),
        }
    }
    // The source's last messages go out while the ctx lingers.
    drop(socket);
    drop(ctx);
    Ok(matches!(role, Role::Sink | Role::Ping).then_some(report))
}

fn test_name(test: Test) -> &'static str {
    match test {
        Test::Throughput => "throughput",
        Test::Latency => "latency",
        Test::Both => "both",
    }
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Sink => "sink",
        Role::Source => "source",
        Role::Echo => "echo",
        Role::Ping => "ping",
    }
}
