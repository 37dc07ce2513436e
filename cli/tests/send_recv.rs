//! `zmq send` → `zmq recv` between two processes, for each socket family
//! over TCP and IPC, with each framing and with security.

mod common;

use common::{Running, REFUSED, STEP};

/// Where a receiver binds: a free TCP port or a fresh IPC path.
const TRANSPORTS: [&str; 2] = ["tcp://127.0.0.1:*", "ipc://*"];

/// Starts `zmq recv` bound on `bind` (plus `extra`), returns it and the
/// endpoint it bound.
fn receiver(kind: &str, bind: &str, extra: &[&str]) -> (Running, String) {
    let mut args = vec![
        "recv",
        "-t",
        kind,
        "-b",
        bind,
        "--print-endpoint",
        "--timeout",
        "15s",
    ];
    args.extend_from_slice(extra);
    let mut recv = Running::spawn(&args);
    let endpoint = recv.endpoint();
    (recv, endpoint)
}

/// Runs `zmq send` to completion with `input` on stdin.
fn send(args: &[&str], input: &[u8]) {
    let sender = Running::spawn_with_input(args, Some(input.to_vec()));
    sender.finish(STEP).success();
}

#[test]
fn scatter_to_gather_over_tcp_and_ipc() {
    for transport in TRANSPORTS {
        let (recv, endpoint) = receiver("gather", transport, &["-n", "3"]);
        send(
            &["send", "-t", "scatter", "-c", &endpoint],
            b"one\ntwo\nthree\n",
        );
        let out = recv.finish(STEP).success();
        assert_eq!(out.stdout_text(), "one\ntwo\nthree\n", "{transport}");
    }
}

#[test]
fn client_to_server_over_tcp_and_ipc() {
    for transport in TRANSPORTS {
        let (recv, endpoint) = receiver("server", transport, &["-n", "2"]);
        send(
            &[
                "send", "-t", "client", "-c", &endpoint, "--count", "2",
                "hello",
            ],
            b"",
        );
        let out = recv.finish(STEP).success();
        assert_eq!(out.stdout_text(), "hello\nhello\n", "{transport}");
    }
}

#[test]
fn radio_to_dish_over_tcp_and_ipc() {
    for transport in TRANSPORTS {
        let (recv, endpoint) = receiver(
            "dish",
            transport,
            &["-n", "2", "--group", "weather", "--group", "news"],
        );
        // A radio drops what no dish has joined yet: it repeats until the
        // dish has its messages, and another group's are not received.
        let other = Running::spawn(&[
            "send",
            "-t",
            "radio",
            "-g",
            "sport",
            "-c",
            &endpoint,
            "-n",
            "0",
            "--interval",
            "10ms",
            "goal",
        ]);
        let radio = Running::spawn(&[
            "send",
            "-t",
            "radio",
            "-g",
            "weather",
            "-c",
            &endpoint,
            "-n",
            "0",
            "--interval",
            "10ms",
            "sunny",
        ]);
        let out = recv.finish(STEP).success();
        radio.stop();
        other.stop();
        assert_eq!(out.stdout_text(), "sunny\nsunny\n", "{transport}");
    }
}

#[test]
fn push_to_pull_and_pair_to_pair_over_tcp_and_ipc_with_multipart() {
    for transport in TRANSPORTS {
        let (recv, endpoint) = receiver("pull", transport, &["-n", "2"]);
        send(
            &[
                "send", "-t", "push", "-c", &endpoint, "-n", "2", "key",
                "value",
            ],
            b"",
        );
        assert_eq!(
            recv.finish(STEP).success().stdout_text(),
            "key\tvalue\nkey\tvalue\n"
        );

        let (recv, endpoint) =
            receiver("pair", transport, &["-n", "1", "--hex"]);
        send(
            &["send", "-t", "pair", "-c", &endpoint, "--hex"],
            b"00 ff\n",
        );
        assert_eq!(
            recv.finish(STEP).success().stdout_text(),
            "00 ff\n",
            "{transport}"
        );
    }
}

#[test]
fn pub_to_sub_with_a_subscription() {
    for transport in TRANSPORTS {
        let (recv, endpoint) =
            receiver("sub", transport, &["-n", "2", "--subscribe", "weather"]);
        // A pub drops what no subscriber wants yet: it repeats; the other
        // topic is filtered out.
        let other = Running::spawn(&[
            "send",
            "-t",
            "pub",
            "-c",
            &endpoint,
            "-n",
            "0",
            "--interval",
            "10ms",
            "sport",
        ]);
        let publisher = Running::spawn(&[
            "send",
            "-t",
            "pub",
            "-c",
            &endpoint,
            "-n",
            "0",
            "--interval",
            "10ms",
            "weather sunny",
        ]);
        let out = recv.finish(STEP).success();
        publisher.stop();
        other.stop();
        assert_eq!(
            out.stdout_text(),
            "weather sunny\nweather sunny\n",
            "{transport}"
        );
    }
}

#[test]
fn multipart_records_round_trip() {
    // Two messages: ["a", "bc"] (the first record has the "more" bit) and [""].
    let input: Vec<u8> = [
        &[0x80, 0, 0, 1, b'a'][..],
        &[0, 0, 0, 2, b'b', b'c'],
        &[0, 0, 0, 0],
    ]
    .concat();
    let (recv, endpoint) =
        receiver("pull", "tcp://127.0.0.1:*", &["-n", "2", "--records"]);
    send(
        &["send", "-t", "push", "-c", &endpoint, "--records"],
        &input,
    );
    assert_eq!(recv.finish(STEP).success().stdout, input);
}

#[test]
fn records_carry_any_bytes() {
    let messages: [&[u8]; 3] = [b"line\nbreak", b"", &[0, 255, 10, 13]];
    let mut input = Vec::new();
    for msg in messages {
        input.extend_from_slice(&(msg.len() as u32).to_be_bytes());
        input.extend_from_slice(msg);
    }
    let (recv, endpoint) =
        receiver("gather", "tcp://127.0.0.1:*", &["-n", "3", "--records"]);
    send(
        &["send", "-t", "scatter", "-c", &endpoint, "--records"],
        &input,
    );
    assert_eq!(recv.finish(STEP).success().stdout, input);
}

#[test]
fn hex_in_and_out() {
    let (recv, endpoint) = receiver("gather", "ipc://*", &["-n", "2", "--hex"]);
    send(
        &["send", "-t", "scatter", "-c", &endpoint, "--hex"],
        b"00ff0a\nCAFE\n",
    );
    assert_eq!(recv.finish(STEP).success().stdout_text(), "00ff0a\ncafe\n");
}

#[test]
fn the_sender_may_bind_and_the_receiver_connect() {
    let mut sender = Running::spawn(&[
        "send",
        "-t",
        "scatter",
        "-b",
        "tcp://127.0.0.1:*",
        "--print-endpoint",
        "--timeout",
        "15s",
        "bound",
    ]);
    let endpoint = sender.endpoint();
    let recv = Running::spawn(&[
        "recv",
        "-t",
        "gather",
        "-c",
        &endpoint,
        "-n",
        "1",
        "--timeout",
        "15s",
    ]);
    assert_eq!(recv.finish(STEP).success().stdout_text(), "bound\n");
    sender.finish(STEP).success();
}

#[test]
fn curve_with_the_right_key_and_not_with_a_wrong_one() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("server");
    common::zmq()
        .args(["keygen", "--out"])
        .arg(&prefix)
        .assert()
        .success();
    let secret = format!("@{}.key", prefix.display());
    let public = format!("@{}.pub", prefix.display());

    let (recv, endpoint) = receiver(
        "gather",
        "tcp://127.0.0.1:*",
        &["-n", "1", "--curve-secret-key", &secret],
    );
    send(
        &[
            "send",
            "-t",
            "scatter",
            "-c",
            &endpoint,
            "--curve-server-key",
            &public,
        ],
        b"secret\n",
    );
    assert_eq!(recv.finish(STEP).success().stdout_text(), "secret\n");

    // A client that trusts another server key never gets through.
    let wrong = common::zmq().arg("keygen").output().unwrap().stdout;
    let wrong = String::from_utf8(wrong).unwrap();
    let wrong_public = wrong
        .lines()
        .next()
        .unwrap()
        .trim_start_matches("public: ")
        .trim_matches('"');
    let mut recv = Running::spawn(&[
        "recv",
        "-t",
        "gather",
        "-b",
        "tcp://127.0.0.1:*",
        "--print-endpoint",
        "-n",
        "1",
        "--timeout",
        "1s",
        "--curve-secret-key",
        &secret,
    ]);
    let endpoint = recv.endpoint();
    let sender = Running::spawn_with_input(
        &[
            "send",
            "-t",
            "scatter",
            "-c",
            &endpoint,
            "--curve-server-key",
            wrong_public,
            "--linger",
            "1s",
            "--timeout",
            "1s",
        ],
        Some(b"lost\n".to_vec()),
    );
    let out = recv.finish(STEP);
    assert_eq!(out.status.code(), Some(3), "{}", out.stderr);
    assert!(out.stdout.is_empty());
    // Refused, the sender lost its message or timed out.
    assert!(matches!(sender.finish(REFUSED).status.code(), Some(0 | 3)));
}

#[test]
fn curve_allow_lists_the_client_keys() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["server", "client", "stranger"] {
        common::zmq()
            .args(["keygen", "--out"])
            .arg(dir.path().join(name))
            .assert()
            .success();
    }
    let file = |name: &str, ext: &str| {
        format!("@{}", dir.path().join(format!("{name}.{ext}")).display())
    };
    let mut recv = Running::spawn(&[
        "recv",
        "-t",
        "server",
        "-b",
        "ipc://*",
        "--print-endpoint",
        "-n",
        "1",
        "--timeout",
        "15s",
        "--curve-secret-key",
        &file("server", "key"),
        "--curve-allow",
        &file("client", "pub"),
    ]);
    let endpoint = recv.endpoint();
    // The stranger is refused, the client accepted.
    let stranger = Running::spawn(&[
        "send",
        "-t",
        "client",
        "-c",
        &endpoint,
        "--curve-server-key",
        &file("server", "pub"),
        "--curve-secret-key",
        &file("stranger", "key"),
        "--linger",
        "1s",
        "--timeout",
        "1s",
        "from the stranger",
    ]);
    send(
        &[
            "send",
            "-t",
            "client",
            "-c",
            &endpoint,
            "--curve-server-key",
            &file("server", "pub"),
            "--curve-secret-key",
            &file("client", "key"),
            "from the client",
        ],
        b"",
    );
    assert_eq!(
        recv.finish(STEP).success().stdout_text(),
        "from the client\n"
    );
    assert!(matches!(
        stranger.finish(REFUSED).status.code(),
        Some(0 | 3)
    ));
}

#[test]
fn plain_with_the_right_password_only() {
    let mut recv = Running::spawn(&[
        "recv",
        "-t",
        "gather",
        "-b",
        "tcp://127.0.0.1:*",
        "--print-endpoint",
        "-n",
        "1",
        "--timeout",
        "15s",
        "--plain",
        "admin:secret",
    ]);
    let endpoint = recv.endpoint();
    // The intruder's handshake is refused: its message is lost with the
    // connection, or, if the refusal came first, its send times out.
    let intruder = Running::spawn(&[
        "send",
        "-t",
        "scatter",
        "-c",
        &endpoint,
        "--plain",
        "admin:guess",
        "--linger",
        "1s",
        "--timeout",
        "1s",
        "intruder",
    ]);
    let out = intruder.finish(REFUSED);
    assert!(matches!(out.status.code(), Some(0 | 3)), "{}", out.stderr);
    send(
        &[
            "send",
            "-t",
            "scatter",
            "-c",
            &endpoint,
            "--plain",
            "admin:secret",
            "welcome",
        ],
        b"",
    );
    assert_eq!(recv.finish(STEP).success().stdout_text(), "welcome\n");
}

#[test]
fn recv_stops_quietly_when_its_reader_goes_away() {
    use assert_cmd::cargo::CommandCargoExt;
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    // `zmq recv | head -1`: stdout closes after the first message.
    let mut recv = Command::cargo_bin("zmq")
        .unwrap()
        .args([
            "recv",
            "-t",
            "gather",
            "-b",
            "tcp://127.0.0.1:*",
            "--print-endpoint",
        ])
        .args(["--timeout", "15s"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(recv.stderr.take().unwrap());
    let mut endpoint = String::new();
    stderr.read_line(&mut endpoint).unwrap();
    let sender = Running::spawn(&[
        "send",
        "-t",
        "scatter",
        "-c",
        endpoint.trim(),
        "-n",
        "0",
        "--interval",
        "20ms",
        "again",
    ]);
    let mut stdout = BufReader::new(recv.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    assert_eq!(first, "again\n");
    drop(stdout);
    // The next message finds the pipe closed: recv ends, successfully.
    let (done, waited) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let status = recv.wait();
        let mut rest = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr, &mut rest);
        let _ = done.send((status, rest));
    });
    let (status, rest) = waited
        .recv_timeout(STEP)
        .expect("recv ends when its reader is gone");
    assert!(status.unwrap().success(), "{rest}");
    assert!(rest.is_empty(), "{rest}");
    sender.stop();
}
