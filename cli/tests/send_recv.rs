//! `zmq send` → `zmq recv` between two processes, for each socket family
//! over TCP and IPC, with each framing and with security.

mod common;

use common::{
    keygen, recv_from, repeat_to, spawn_bound, Running, REFUSED, STEP,
};

/// Where a receiver binds: a free TCP port or a fresh IPC path.
const TRANSPORTS: [&str; 2] = ["tcp://127.0.0.1:*", "ipc://*"];

/// Starts `zmq recv` bound on `bind` (plus `extra`), returns it and the
/// endpoint it bound.
fn receiver(kind: &str, bind: &str, extra: &[&str]) -> (Running, String) {
    receiver_within(kind, bind, "15s", extra)
}

/// [`receiver`] that gives up after `timeout`.
fn receiver_within(
    kind: &str,
    bind: &str,
    timeout: &str,
    extra: &[&str],
) -> (Running, String) {
    let mut args = vec![
        "recv",
        "-t",
        kind,
        "-b",
        bind,
        "--print-endpoint",
        "--timeout",
        timeout,
    ];
    args.extend_from_slice(extra);
    spawn_bound(&args)
}

/// Runs `zmq send -t kind -c endpoint extra…` to completion with `input`
/// on stdin.
fn send(kind: &str, endpoint: &str, extra: &[&str], input: &[u8]) {
    let args = [&["send", "-t", kind, "-c", endpoint], extra].concat();
    let sender = Running::spawn_with_input(&args, Some(input.to_vec()));
    sender.finish(STEP).success();
}

/// Sends `input` (stdin) with `zmq send -t to` to `zmq recv -t from -n
/// count` bound on `bind`, both with the framing `flags`; returns what
/// recv wrote.
fn relay(
    (from, to): (&str, &str),
    bind: &str,
    count: &str,
    flags: &[&str],
    input: &[u8],
) -> Vec<u8> {
    let (recv, endpoint) =
        receiver(from, bind, &[&["-n", count], flags].concat());
    send(to, &endpoint, flags, input);
    recv.finish(STEP).success().stdout
}

#[test]
fn scatter_to_gather_over_tcp_and_ipc() {
    for transport in TRANSPORTS {
        let out = relay(
            ("gather", "scatter"),
            transport,
            "3",
            &[],
            b"one\ntwo\nthree\n",
        );
        assert_eq!(out, b"one\ntwo\nthree\n", "{transport}");
    }
}

#[test]
fn client_to_server_over_tcp_and_ipc() {
    for transport in TRANSPORTS {
        let (recv, endpoint) = receiver("server", transport, &["-n", "2"]);
        send("client", &endpoint, &["--count", "2", "hello"], b"");
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
        let other = repeat_to("radio", &endpoint, &["-g", "sport", "goal"]);
        let radio = repeat_to("radio", &endpoint, &["-g", "weather", "sunny"]);
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
        send("push", &endpoint, &["-n", "2", "key", "value"], b"");
        assert_eq!(
            recv.finish(STEP).success().stdout_text(),
            "key\tvalue\nkey\tvalue\n"
        );

        let out =
            relay(("pair", "pair"), transport, "1", &["--hex"], b"00 ff\n");
        assert_eq!(out, b"00 ff\n", "{transport}");
    }
}

#[test]
fn immediate_push_skips_an_endpoint_that_is_down() {
    for transport in TRANSPORTS {
        let (recv, endpoint) = receiver("pull", transport, &["-n", "4"]);
        let down = common::unused_tcp_endpoint();
        // Without --immediate two of the four would wait in the queue of
        // the endpoint nobody listens on, and recv would time out.
        send(
            "push",
            &down,
            &["-c", &endpoint, "--immediate", "-n", "4", "task"],
            b"",
        );
        let out = recv.finish(STEP).success();
        assert_eq!(out.stdout_text(), "task\n".repeat(4), "{transport}");
    }
}

#[test]
fn pub_to_sub_with_a_subscription() {
    for transport in TRANSPORTS {
        let (recv, endpoint) =
            receiver("sub", transport, &["-n", "2", "--subscribe", "weather"]);
        // A pub drops what no subscriber wants yet: it repeats; the other
        // topic is filtered out.
        let other = repeat_to("pub", &endpoint, &["sport"]);
        let publisher = repeat_to("pub", &endpoint, &["weather sunny"]);
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
    let out = relay(
        ("pull", "push"),
        "tcp://127.0.0.1:*",
        "2",
        &["--records"],
        &input,
    );
    assert_eq!(out, input);
}

#[test]
fn records_carry_any_bytes() {
    let messages: [&[u8]; 3] = [b"line\nbreak", b"", &[0, 255, 10, 13]];
    let mut input = Vec::new();
    for msg in messages {
        input.extend_from_slice(&(msg.len() as u32).to_be_bytes());
        input.extend_from_slice(msg);
    }
    let out = relay(
        ("gather", "scatter"),
        "tcp://127.0.0.1:*",
        "3",
        &["--records"],
        &input,
    );
    assert_eq!(out, input);
}

#[test]
fn hex_in_and_out() {
    let out = relay(
        ("gather", "scatter"),
        "ipc://*",
        "2",
        &["--hex"],
        b"00ff0a\nCAFE\n",
    );
    assert_eq!(out, b"00ff0a\ncafe\n");
}

#[test]
fn the_sender_may_bind_and_the_receiver_connect() {
    let (sender, endpoint) = spawn_bound(&[
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
    let recv = recv_from("gather", &endpoint, &["-n", "1"]);
    assert_eq!(recv.finish(STEP).success().stdout_text(), "bound\n");
    sender.finish(STEP).success();
}

#[test]
fn curve_with_the_right_key_and_not_with_a_wrong_one() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("server");
    keygen(&prefix);
    let secret = format!("@{}.key", prefix.display());
    let public = format!("@{}.pub", prefix.display());

    let (recv, endpoint) = receiver(
        "gather",
        "tcp://127.0.0.1:*",
        &["-n", "1", "--curve-secret-key", &secret],
    );
    send(
        "scatter",
        &endpoint,
        &["--curve-server-key", &public],
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
    let (recv, endpoint) = receiver_within(
        "gather",
        "tcp://127.0.0.1:*",
        "1s",
        &["-n", "1", "--curve-secret-key", &secret],
    );
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
        keygen(&dir.path().join(name));
    }
    let file = |name: &str, ext: &str| {
        format!("@{}", dir.path().join(format!("{name}.{ext}")).display())
    };
    let (recv, endpoint) = receiver(
        "server",
        "ipc://*",
        &[
            "-n",
            "1",
            "--curve-secret-key",
            &file("server", "key"),
            "--curve-allow",
            &file("client", "pub"),
        ],
    );
    // `zmq send` as a CURVE client with the key pair `name`.
    let client_send = |name: &str, extra: &[&str]| {
        let (server_key, own_key) = (file("server", "pub"), file(name, "key"));
        let mut args = vec!["send", "-t", "client", "-c", &endpoint];
        args.extend(["--curve-server-key", &server_key]);
        args.extend(["--curve-secret-key", &own_key]);
        args.extend_from_slice(extra);
        Running::spawn(&args)
    };
    // The stranger is refused, the client accepted.
    let stranger = client_send(
        "stranger",
        &["--linger", "1s", "--timeout", "1s", "from the stranger"],
    );
    client_send("client", &["from the client"])
        .finish(STEP)
        .success();
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
    let (recv, endpoint) = receiver(
        "gather",
        "tcp://127.0.0.1:*",
        &["-n", "1", "--plain", "admin:secret"],
    );
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
        "scatter",
        &endpoint,
        &["--plain", "admin:secret", "welcome"],
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
