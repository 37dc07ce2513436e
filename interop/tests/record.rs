//! The traffic recorder (`interop::record`, binary `zmtp-record`): the relay
//! forwards and records both directions; one run of `zmtp-record seeds`
//! records every session (ours ↔ C libzmq, NULL/PLAIN/CURVE, four patterns,
//! either side binding) and writes seeds of every fuzz target's shape.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use interop::record::seeds::{self, units};
use interop::record::sessions::{self, LARGE};
use interop::record::Recorder;

/// Upper bound of one run of the binary (12 sessions, each bounded by
/// seconds; a run takes about one).
const RUN_LIMIT: Duration = Duration::from_secs(120);
const IO_TIMEOUT: Duration = Duration::from_secs(10);

#[test]
fn relay_forwards_and_records_both_directions() {
    let server = TcpListener::bind("127.0.0.1:0").unwrap();
    let target = server.local_addr().unwrap();
    let echo = std::thread::spawn(move || {
        let (mut s, _) = server.accept().unwrap();
        s.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
        let mut buf = [0u8; 5];
        s.read_exact(&mut buf).unwrap();
        s.write_all(b"pong!").unwrap();
        s.write_all(&buf).unwrap();
    });
    let recorder = Recorder::start(target, 8).unwrap();
    let mut client =
        TcpStream::connect(recorder.endpoint().strip_prefix("tcp://").unwrap())
            .unwrap();
    client.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
    client.write_all(b"ping!").unwrap();
    let mut back = [0u8; 10];
    client.read_exact(&mut back).unwrap();
    assert_eq!(&back, b"pong!ping!");
    echo.join().unwrap();
    assert_eq!(recorder.connections(), 1);
    let recs = recorder.finish();
    assert_eq!(recs.len(), 1);
    assert_eq!(recs[0].to_server, b"ping!");
    // Capped at 8 bytes, while all 10 were forwarded.
    assert_eq!(recs[0].to_client, b"pong!pin");
}

fn temp_dir(label: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    std::env::temp_dir().join(format!(
        "zmtp-record-{label}-{}-{nanos:x}",
        std::process::id()
    ))
}

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().into_string().unwrap(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn zmtp_record_seeds_writes_every_target_shape() {
    let dir = temp_dir("seeds");
    let (corpus, raw) = (dir.join("corpus"), dir.join("raw"));
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_zmtp-record"))
        .arg("seeds")
        .arg(&corpus)
        .arg("--raw")
        .arg(&raw)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let output = rx
        .recv_timeout(RUN_LIMIT)
        .unwrap_or_else(|_| {
            panic!("zmtp-record (pid {pid}) still running after {RUN_LIMIT:?}")
        })
        .unwrap();
    assert!(
        output.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );

    // Every session recorded both ways: a greeting each way, frames after it,
    // and the large message in the NULL CLIENT/SERVER sessions.
    let raw_files = files(&raw);
    for case in sessions::all_cases() {
        for dir in ["to-server", "to-client"] {
            let name = format!("{}.{dir}", case.name());
            let (_, stream) = raw_files
                .iter()
                .find(|(n, _)| *n == name)
                .unwrap_or_else(|| panic!("no {name}"));
            let u = units(stream);
            assert!(u.greeting.is_some(), "{name}: no greeting");
            assert!(
                u.frames.iter().any(|(command, _)| *command),
                "{name}: no command"
            );
            if case.mech == sessions::Mech::Null
                && case.pattern == sessions::Pattern::ClientServer
            {
                assert!(
                    u.frames.iter().any(|(c, body)| !c && body.len() == LARGE),
                    "{name}: no large message"
                );
            }
        }
    }

    // Seeds of every target, small, named rec-*, in the targets' shapes.
    for target in [
        "greeting",
        "frame",
        "command",
        "metadata",
        "session_null",
        "session_plain",
        "session_curve",
    ] {
        let seeds_of = files(&corpus.join(target));
        assert!(!seeds_of.is_empty(), "no {target} seed");
        for (name, data) in &seeds_of {
            assert!(name.starts_with("rec-"), "{target}/{name}");
            assert!(
                data.len() <= 2 * seeds::MAX_STREAM + 16,
                "{target}/{name}: {} bytes",
                data.len()
            );
            match target {
                "greeting" => assert_eq!(data.len(), zmtp::GREETING_LEN),
                "command" => {
                    assert!(seeds::command_name(&data[1..]).is_some(), "{name}")
                }
                "metadata" => assert!(
                    zmtp::Metadata::decode(&data[1..]).is_ok(),
                    "{name}"
                ),
                "frame" => {
                    assert_eq!(&data[..9], &[0, 0, 0, 0, 1, 0, 0, 0, 0xC0])
                }
                _ => assert_eq!(data[2], 5, "{target}/{name}: op 5 first"),
            }
        }
    }
    // The READYs libzmq sent name its socket types.
    let readys: Vec<Vec<u8>> = files(&corpus.join("command"))
        .into_iter()
        .filter(|(_, d)| seeds::command_name(&d[1..]) == Some(b"READY"))
        .map(|(_, d)| d)
        .collect();
    assert!(readys.iter().any(|d| d.windows(6).any(|w| w == b"SERVER")));
    let _ = std::fs::remove_dir_all(&dir);
}
