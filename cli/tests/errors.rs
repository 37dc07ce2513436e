//! Bad input: every error names what is wrong, exits non-zero, and never
//! shows a panic or a backtrace.

mod common;

use common::{assert_clean_error, fails, zmq};
use std::time::{Duration, Instant};

#[test]
fn bad_endpoints_name_the_argument() {
    fails(
        &["recv", "-t", "gather", "-b", "tcp://127.0.0.1:http"],
        2,
        "invalid value for --bind: `tcp://127.0.0.1:http`: invalid port number",
    );
    fails(&["send", "-t", "scatter", "-c", "127.0.0.1:5555", "x"], 2, "invalid value for --connect: `127.0.0.1:5555`: an endpoint starts with tcp://");
    fails(
        &["send", "-t", "scatter", "-c", "http://example.com", "x"],
        2,
        "unknown transport `http`",
    );
    fails(
        &[
            "send",
            "-t",
            "scatter",
            "-c",
            "pgm://eth0;239.1.1.1:5555",
            "x",
        ],
        2,
        "the pgm transport is not supported",
    );
    fails(
        &["recv", "-t", "gather", "-b", "udp://127.0.0.1:5555"],
        1,
        "binding udp://127.0.0.1:5555: invalid input",
    );
    fails(
        &["recv", "-t", "gather", "-b", "tcp://256.0.0.1:5555"],
        1,
        "binding tcp://256.0.0.1:5555",
    );
    fails(
        &["req", "-c", "ipc://"],
        2,
        "invalid value for --connect: `ipc://`",
    );
}

#[test]
fn an_address_in_use_is_reported() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("tcp://{}", taken.local_addr().unwrap());
    fails(
        &["serve", "-b", &endpoint],
        1,
        &format!("binding {endpoint}: addr in use"),
    );
}

#[test]
fn bad_keys_name_the_argument() {
    fails(&["req", "-c", "tcp://127.0.0.1:1", "--curve-server-key", "short", "x"], 2, "invalid value for --curve-server-key: not a CURVE public key: input string must have len of 40 char");
    let bad = "~".repeat(40);
    fails(&["serve", "-b", "tcp://127.0.0.1:*", "--curve-secret-key", &bad], 2, "invalid value for --curve-secret-key: not a CURVE secret key: input string contains invalid byte 0x7E at offset 0");
    fails(&["recv", "-t", "gather", "-b", "tcp://127.0.0.1:*", "--curve-secret-key", "@/nonexistent/server.key"], 2, "invalid value for --curve-secret-key: cannot read `/nonexistent/server.key`");
    fails(
        &[
            "send",
            "-t",
            "scatter",
            "-c",
            "tcp://127.0.0.1:1",
            "--plain",
            "nocolon",
            "x",
        ],
        2,
        "invalid value for --plain: expected USER:PASS",
    );
}

#[test]
fn bad_combinations_are_explained() {
    let cases: [(&[&str], &str); 10] = [
        (
            &["send", "-t", "scatter", "x"],
            "give the scatter socket an endpoint",
        ),
        (
            &["send", "-t", "gather", "-c", "tcp://127.0.0.1:1", "x"],
            "a gather socket cannot send",
        ),
        (
            &["send", "-t", "server", "-c", "tcp://127.0.0.1:1", "x"],
            "use `zmq serve`",
        ),
        (
            &["recv", "-t", "scatter", "-c", "tcp://127.0.0.1:1"],
            "a scatter socket cannot receive",
        ),
        (
            &["recv", "-t", "dish", "-c", "tcp://127.0.0.1:1"],
            "give --group GROUP",
        ),
        (
            &[
                "recv",
                "-t",
                "gather",
                "-g",
                "news",
                "-c",
                "tcp://127.0.0.1:1",
            ],
            "--group is for radio and dish sockets",
        ),
        (
            &["send", "-t", "scatter", "-c", "tcp://127.0.0.1:1", "a", "b"],
            "a scatter socket sends single-part messages, this one has 2 parts",
        ),
        (
            &[
                "send",
                "-t",
                "scatter",
                "-c",
                "tcp://127.0.0.1:1",
                "--hex",
                "zz",
            ],
            "invalid value for PART: `zz`",
        ),
        (
            &[
                "send",
                "-t",
                "client",
                "-c",
                "tcp://127.0.0.1:1",
                "-b",
                "tcp://127.0.0.1:*",
                "--plain",
                "u:p",
                "x",
            ],
            "not both",
        ),
        (
            &[
                "recv",
                "-t",
                "gather",
                "-b",
                "tcp://127.0.0.1:*",
                "--curve-server-key",
                &"0".repeat(40),
            ],
            "--curve-server-key is for a socket that connects",
        ),
    ];
    for (args, message) in cases {
        fails(args, 2, message);
    }
}

#[test]
fn classic_types_in_the_wrong_direction_are_explained() {
    let cases: [(&[&str], &str); 5] = [
        (
            &["send", "-t", "sub", "-c", "tcp://127.0.0.1:1", "x"],
            "a sub socket cannot send",
        ),
        (
            &["send", "-t", "rep", "-c", "tcp://127.0.0.1:1", "x"],
            "use `zmq serve`",
        ),
        (
            &["recv", "-t", "push", "-c", "tcp://127.0.0.1:1"],
            "a push socket cannot receive",
        ),
        (
            &[
                "recv",
                "-t",
                "gather",
                "--subscribe",
                "a",
                "-c",
                "tcp://127.0.0.1:1",
            ],
            "--subscribe is for sub and xsub sockets",
        ),
        (
            &["serve", "-t", "dealer", "-b", "tcp://127.0.0.1:*"],
            "a server, rep or router socket",
        ),
    ];
    for (args, message) in cases {
        fails(args, 2, message);
    }
}

#[test]
fn clap_usage_errors_exit_2() {
    let out = zmq()
        .args(["recv", "-t", "nonsense", "-b", "tcp://127.0.0.1:*"])
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        stderr.contains("invalid value 'nonsense' for '--type <TYPE>'"),
        "{stderr}"
    );
    let out = zmq()
        .args([
            "recv",
            "-t",
            "gather",
            "-b",
            "tcp://127.0.0.1:*",
            "--timeout",
            "soon",
        ])
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(stderr.contains("'--timeout <DURATION>'"), "{stderr}");
    zmq().args(["bench", "--size", "huge"]).assert().code(2);
    zmq().arg("frobnicate").assert().code(2);
}

#[test]
fn recv_with_nothing_coming_times_out_on_time() {
    let start = Instant::now();
    fails(
        &[
            "recv",
            "-t",
            "gather",
            "-b",
            "tcp://127.0.0.1:*",
            "--timeout",
            "400ms",
        ],
        3,
        "no message within 400ms (0 received)",
    );
    let elapsed = start.elapsed();
    assert!(
        elapsed >= Duration::from_millis(400)
            && elapsed < Duration::from_secs(10),
        "{elapsed:?}"
    );
}

#[test]
fn send_with_no_peer_times_out() {
    fails(
        &[
            "send",
            "-t",
            "scatter",
            "-b",
            "tcp://127.0.0.1:*",
            "--timeout",
            "300ms",
            "x",
        ],
        3,
        "sending on the scatter socket: timed out",
    );
}

#[test]
fn bad_stdin_records_are_reported() {
    let out = zmq()
        .args([
            "send",
            "-t",
            "scatter",
            "-c",
            "tcp://127.0.0.1:1",
            "--records",
            "--linger",
            "0s",
        ])
        .write_stdin(vec![0, 0, 0, 9, b'x'])
        .assert()
        .code(1);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert_clean_error(
        &stderr,
        "stdin, record 1: the input ends after 1 of its 9 bytes",
    );
}

#[test]
fn every_subcommand_has_help_with_examples() {
    for command in [
        "keygen", "send", "recv", "req", "serve", "proxy", "bench", "monitor",
    ] {
        let out = zmq().args([command, "--help"]).assert().success();
        let help =
            String::from_utf8_lossy(&out.get_output().stdout).into_owned();
        assert!(help.contains("Examples:"), "{command}: {help}");
        assert!(
            help.contains(&format!("zmq {command}")),
            "{command}: {help}"
        );
    }
}
