//! `zmq bench`: its table, its JSON, and the two-process mode.

mod common;

use common::{
    assert_clean_error, fails, spawn_bound, stdout_of, Running, STEP,
};
use serde_json::Value;

/// Runs `zmq bench args…` to success and parses its JSON report.
fn json_of(args: &[&str]) -> Value {
    serde_json::from_str(&stdout_of(&[&["bench", "--json"], args].concat()))
        .unwrap()
}

/// Starts `zmq bench --remote bound --print-endpoint bound_args…` (which
/// binds), then `zmq bench --remote connecting -c ENDPOINT
/// connecting_args…` to the endpoint it bound; returns both and the
/// endpoint.
fn remote_pair(
    bound: &str,
    bound_args: &[&str],
    connecting: &str,
    connecting_args: &[&str],
) -> (Running, Running, String) {
    let (bound, endpoint) = spawn_bound(
        &[
            &["bench", "--remote", bound, "--print-endpoint"],
            bound_args,
        ]
        .concat(),
    );
    let connecting = Running::spawn(
        &[
            &["bench", "--remote", connecting, "-c", &endpoint],
            connecting_args,
        ]
        .concat(),
    );
    (bound, connecting, endpoint)
}

#[test]
fn prints_a_table() {
    let table = stdout_of(&[
        "bench",
        "--transport",
        "inproc",
        "--size",
        "32,1KiB",
        "-n",
        "2000",
        "--round-trips",
        "200",
    ]);
    assert!(
        table.starts_with("client-server over inproc (null)"),
        "{table}"
    );
    for header in ["msgs/s", "MB/s", "round trips", "p99 µs"] {
        assert!(table.contains(header), "{header} in {table}");
    }
    // One row per size in each table; no colour codes into a pipe.
    assert_eq!(
        table
            .lines()
            .filter(|l| l.trim_start().starts_with("1024 "))
            .count(),
        2,
        "{table}"
    );
    assert!(!table.contains('\x1b'), "{table}");
}

#[test]
fn json_is_valid_and_complete() {
    for (pattern, transport) in [
        ("scatter-gather", "tcp"),
        ("radio-dish", "ipc"),
        ("client-server", "ipc"),
        ("push-pull", "inproc"),
        ("pub-sub", "tcp"),
        ("dealer-router", "ipc"),
        ("pair", "tcp"),
    ] {
        let json = json_of(&[
            "--pattern",
            pattern,
            "--transport",
            transport,
            "--size",
            "64",
            "-n",
            "2000",
            "--round-trips",
            "100",
        ]);
        assert_eq!(json["pattern"], pattern);
        assert_eq!(json["transport"], transport);
        let row = &json["throughput"][0];
        assert_eq!(row["size"], 64);
        assert_eq!(row["messages"], 2000);
        assert!(row["msgs_per_sec"].as_f64().unwrap() > 0.0, "{json}");
        let latency = json["latency"].as_array().unwrap();
        if ["client-server", "dealer-router", "pair"].contains(&pattern) {
            assert_eq!(latency[0]["round_trips"], 100);
            let (p50, p99) = (
                latency[0]["p50_us"].as_f64().unwrap(),
                latency[0]["p99_us"].as_f64().unwrap(),
            );
            assert!(0.0 < p50 && p50 <= p99, "{json}");
        } else {
            assert!(latency.is_empty());
        }
    }
}

#[test]
fn classic_patterns_print_a_table() {
    let table = stdout_of(&[
        "bench",
        "--pattern",
        "pub-sub",
        "--transport",
        "inproc",
        "--size",
        "32,1KiB",
        "-n",
        "2000",
    ]);
    assert!(table.starts_with("pub-sub over inproc (null)"), "{table}");
    assert!(
        table.contains("msgs/s") && !table.contains("p99"),
        "{table}"
    );
    assert!(table.contains(" 2000 "), "every message arrives: {table}");
}

#[test]
fn req_rep_measures_round_trips_only() {
    for transport in ["inproc", "tcp", "ipc"] {
        let json = json_of(&[
            "--pattern",
            "req-rep",
            "--transport",
            transport,
            "--size",
            "32",
            "--round-trips",
            "100",
        ]);
        assert_eq!(json["pattern"], "req-rep");
        assert!(json["throughput"].as_array().unwrap().is_empty(), "{json}");
        assert_eq!(json["latency"][0]["round_trips"], 100, "{json}");
    }
}

#[test]
fn curve_runs_over_tcp() {
    let json = json_of(&[
        "--curve",
        "--size",
        "256",
        "-n",
        "500",
        "--round-trips",
        "50",
    ]);
    assert_eq!(json["mechanism"], "curve");
    assert_eq!(json["latency"][0]["round_trips"], 50);
}

#[test]
fn two_processes_for_throughput_and_for_round_trips() {
    let (sink, source, endpoint) = remote_pair(
        "sink",
        &[
            "-b",
            "tcp://127.0.0.1:*",
            "--json",
            "--size",
            "100,200",
            "-n",
            "3000",
            "--timeout",
            "15s",
        ],
        "source",
        &["--size", "100,200", "-n", "3000"],
    );
    let source = source.finish(STEP).success();
    assert!(source.stdout.is_empty(), "the source measures nothing");
    let json: Value =
        serde_json::from_slice(&sink.finish(STEP).success().stdout).unwrap();
    assert_eq!(json["throughput"].as_array().unwrap().len(), 2);
    assert_eq!(json["throughput"][1]["size"], 200);
    assert_eq!(json["transport"], endpoint.as_str());

    let (echo, ping, _) = remote_pair(
        "echo",
        &["-b", "ipc://*", "--round-trips", "300", "--timeout", "15s"],
        "ping",
        &["--round-trips", "300"],
    );
    let table = ping.finish(STEP).success().stdout_text();
    assert!(
        table.contains("round trips") && table.contains("300"),
        "{table}"
    );
    echo.finish(STEP).success();
}

#[test]
fn two_processes_with_classic_patterns() {
    let (sink, source, _) = remote_pair(
        "sink",
        &[
            "-b",
            "tcp://127.0.0.1:*",
            "--pattern",
            "dealer-router",
            "--json",
            "--size",
            "100",
            "-n",
            "2000",
            "--timeout",
            "15s",
        ],
        "source",
        &["--pattern", "dealer-router", "--size", "100", "-n", "2000"],
    );
    source.finish(STEP).success();
    let json: Value =
        serde_json::from_slice(&sink.finish(STEP).success().stdout).unwrap();
    assert_eq!(json["pattern"], "dealer-router");
    assert_eq!(json["throughput"][0]["messages"], 2000);

    for pattern in ["req-rep", "pair", "dealer-router"] {
        let (echo, ping, _) = remote_pair(
            "echo",
            &[
                "-b",
                "ipc://*",
                "--pattern",
                pattern,
                "--round-trips",
                "100",
                "--timeout",
                "15s",
            ],
            "ping",
            &["--pattern", pattern, "--round-trips", "100", "--json"],
        );
        let json: Value =
            serde_json::from_slice(&ping.finish(STEP).success().stdout)
                .unwrap();
        assert_eq!(json["latency"][1]["round_trips"], 100, "{json}");
        echo.finish(STEP).success();
    }
}

#[test]
fn mismatched_sizes_are_reported() {
    let (sink, source, _) = remote_pair(
        "sink",
        &[
            "-b",
            "tcp://127.0.0.1:*",
            "--size",
            "100",
            "-n",
            "10",
            "--timeout",
            "15s",
        ],
        "source",
        &["--size", "99", "-n", "10", "--timeout", "2s"],
    );
    let out = sink.finish(STEP);
    assert_eq!(out.status.code(), Some(1));
    assert_clean_error(&out.stderr, "got a message of 99 bytes instead of 100");
    // The source loses its peer: it ends when its timeout or linger does.
    source.finish(STEP);
}

#[test]
fn a_silent_peer_ends_the_run_within_the_timeout() {
    fails(
        &[
            "bench",
            "--remote",
            "sink",
            "-b",
            "tcp://127.0.0.1:*",
            "--timeout",
            "300ms",
        ],
        3,
        "receiving after 0 of 100000 messages: timed out",
    );
}

#[test]
fn bad_combinations_are_explained() {
    let cases: [(&[&str], &str); 6] = [
        (
            &["--pattern", "req-rep", "--test", "throughput"],
            "req-rep measures round trips only",
        ),
        (
            &[
                "--remote",
                "source",
                "--pattern",
                "pub-sub",
                "-c",
                "tcp://127.0.0.1:1",
            ],
            "pub-sub cannot be benchmarked across processes",
        ),
        (
            &["--pattern", "radio-dish", "--test", "latency"],
            "round trips need --pattern client-server",
        ),
        (
            &[
                "--remote",
                "sink",
                "--pattern",
                "radio-dish",
                "-b",
                "tcp://127.0.0.1:*",
            ],
            "radio-dish cannot be benchmarked across processes",
        ),
        (
            &[
                "--remote",
                "ping",
                "--test",
                "throughput",
                "-c",
                "tcp://127.0.0.1:1",
            ],
            "--remote ping measures latency",
        ),
        (
            &["--curve", "--transport", "inproc"],
            "inproc has no handshake",
        ),
    ];
    for (args, message) in cases {
        fails(&[&["bench"], args].concat(), 2, message);
    }
}
