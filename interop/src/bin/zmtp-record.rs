//! `zmtp-record`: records ZMTP traffic on loopback.
//!
//! ```text
//! zmtp-record seeds [CORPUS_DIR] [--raw DIR]
//!     Runs real sessions between our crate and C libzmq 4.3.5 through a
//!     recording relay (NULL, PLAIN, CURVE; CLIENT/SERVER, DEALER/ROUTER,
//!     PUB/SUB, RADIO/DISH; either side binding) and writes libzmq's streams
//!     as `rec-*` seeds in the shape of each fuzz target under CORPUS_DIR
//!     (default `fuzz/corpus`). With --raw, also every recorded direction as
//!     it was, as `DIR/<session>.to-server` and `DIR/<session>.to-client`.
//!
//! zmtp-record relay tcp://127.0.0.1:PORT [--out DIR] [--seconds N]
//!     Listens on an ephemeral loopback port (printed), forwards every
//!     connection to the given server and, when stdin ends or a line is
//!     entered (or after N seconds, default 60), writes each connection's
//!     bytes as `DIR/conn-<n>.to-server` and `.to-client` (default DIR `.`).
//! ```

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::mpsc;
use std::time::Duration;

use interop::record::{seeds, sessions, Recorder, Recording};

const USAGE: &str = "usage: zmtp-record seeds [CORPUS_DIR] [--raw DIR]\n       \
                     zmtp-record relay tcp://127.0.0.1:PORT [--out DIR] [--seconds N]";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("seeds") => run_seeds(&args[1..]),
        Some("relay") => run_relay(&args[1..]),
        Some("-h" | "--help") => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => Err(USAGE.to_owned()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("zmtp-record: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Positional arguments and `--flag value` pairs.
type Args<'a> = (Vec<&'a str>, Vec<(&'a str, &'a str)>);

/// Splits `args` into positional arguments and `--flag value` pairs.
fn parse<'a>(
    args: &'a [String],
    flags: &[&'static str],
) -> Result<Args<'a>, String> {
    let mut positional = Vec::new();
    let mut named = Vec::new();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        if let Some(flag) = flags.iter().find(|f| **f == arg) {
            let value =
                it.next().ok_or_else(|| format!("{flag} needs a value"))?;
            named.push((*flag, value.as_str()));
        } else if arg.starts_with("--") {
            return Err(format!("unknown option {arg}\n{USAGE}"));
        } else {
            positional.push(arg.as_str());
        }
    }
    Ok((positional, named))
}

fn named<'a>(named: &[(&str, &'a str)], flag: &str) -> Option<&'a str> {
    named
        .iter()
        .rev()
        .find(|(f, _)| *f == flag)
        .map(|(_, v)| *v)
}

fn write(path: &Path, data: &[u8]) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    std::fs::write(path, data).map_err(|e| format!("{}: {e}", path.display()))
}

fn write_recording(
    dir: &Path,
    name: &str,
    rec: &Recording,
) -> Result<(), String> {
    write(&dir.join(format!("{name}.to-server")), &rec.to_server)?;
    write(&dir.join(format!("{name}.to-client")), &rec.to_client)
}

fn run_seeds(args: &[String]) -> Result<(), String> {
    let (positional, flags) = parse(args, &["--raw"])?;
    let corpus =
        PathBuf::from(positional.first().copied().unwrap_or("fuzz/corpus"));
    let raw = named(&flags, "--raw").map(PathBuf::from);
    let mut all = Vec::new();
    for case in sessions::all_cases() {
        let rec = sessions::record(case)?;
        println!(
            "{}: {} bytes to the server, {} to the client",
            case.name(),
            rec.to_server.len(),
            rec.to_client.len()
        );
        if let Some(dir) = &raw {
            write_recording(dir, &case.name(), &rec)?;
        }
        all.extend(seeds::seeds(&case, &rec));
    }
    let kept = seeds::dedup(all);
    for seed in &kept {
        write(&corpus.join(seed.target).join(&seed.name), &seed.data)?;
    }
    println!("{} seeds written under {}", kept.len(), corpus.display());
    Ok(())
}

fn run_relay(args: &[String]) -> Result<(), String> {
    let (positional, flags) = parse(args, &["--out", "--seconds"])?;
    let [target] = positional[..] else {
        return Err(USAGE.to_owned());
    };
    let out = PathBuf::from(named(&flags, "--out").unwrap_or("."));
    let seconds: u64 = named(&flags, "--seconds")
        .unwrap_or("60")
        .parse()
        .map_err(|e| format!("--seconds: {e}"))?;
    let recorder = Recorder::start_to(target, 16 << 20)
        .map_err(|e| format!("relay: {e}"))?;
    println!("relaying {} -> {target}", recorder.endpoint());
    let (done, wait) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = std::io::stdin().read_line(&mut line);
        let _ = done.send(());
    });
    let _ = wait.recv_timeout(Duration::from_secs(seconds));
    for (n, rec) in recorder.finish().iter().enumerate() {
        write_recording(&out, &format!("conn-{n}"), rec)?;
        println!(
            "conn-{n}: {} bytes to the server, {} to the client",
            rec.to_server.len(),
            rec.to_client.len()
        );
    }
    Ok(())
}
