//! `zmq proxy` between two pairs of `zmq send` / `zmq recv`.

mod common;

use common::{assert_clean_error, Running, STEP};

/// Starts a proxy with both sides bound; returns it and the frontend and
/// backend endpoints.
fn proxy(front: &str, back: &str, extra: &[&str]) -> (Running, String, String) {
    let mut args = vec![
        "proxy",
        "--frontend-type",
        front,
        "--frontend-bind",
        "tcp://127.0.0.1:*",
        "--backend-type",
        back,
        "--backend-bind",
        "ipc://*",
        "--print-endpoint",
    ];
    args.extend_from_slice(extra);
    let mut proxy = Running::spawn(&args);
    let frontend = proxy.endpoint();
    let backend = proxy.endpoint();
    (proxy, frontend, backend)
}

#[test]
fn gather_to_scatter_between_two_pairs() {
    let (proxy, frontend, backend) = proxy("gather", "scatter", &[]);
    let recv = Running::spawn(&[
        "recv",
        "-t",
        "gather",
        "-c",
        &backend,
        "-n",
        "3",
        "--timeout",
        "15s",
    ]);
    let send = Running::spawn_with_input(
        &["send", "-t", "scatter", "-c", &frontend],
        Some(b"a\nb\nc\n".to_vec()),
    );
    send.finish(STEP).success();
    assert_eq!(recv.finish(STEP).success().stdout_text(), "a\nb\nc\n");
    proxy.stop();
}

#[test]
fn dish_to_radio_keeps_the_group() {
    let (proxy, frontend, backend) =
        proxy("dish", "radio", &["--group", "news"]);
    let recv = Running::spawn(&[
        "recv",
        "-t",
        "dish",
        "-g",
        "news",
        "-c",
        &backend,
        "-n",
        "1",
        "--timeout",
        "15s",
    ]);
    // The radio connects to the proxy's dish and repeats its message: a
    // radio drops what no dish has joined yet, and the joins travel two
    // hops (dish -> proxy's radio, proxy's dish -> radio).
    let radio = Running::spawn(&[
        "send",
        "-t",
        "radio",
        "-g",
        "news",
        "-c",
        &frontend,
        "-n",
        "0",
        "--interval",
        "10ms",
        "extra!",
    ]);
    assert_eq!(recv.finish(STEP).success().stdout_text(), "extra!\n");
    radio.stop();
    proxy.stop();
}

#[test]
fn pull_to_push_keeps_multipart_messages() {
    let (proxy, frontend, backend) = proxy("pull", "push", &[]);
    let recv = Running::spawn(&[
        "recv",
        "-t",
        "pull",
        "-c",
        &backend,
        "-n",
        "1",
        "--timeout",
        "15s",
    ]);
    let send = Running::spawn(&[
        "send", "-t", "push", "-c", &frontend, "key", "value",
    ]);
    send.finish(STEP).success();
    assert_eq!(recv.finish(STEP).success().stdout_text(), "key\tvalue\n");
    proxy.stop();
}

#[test]
fn xsub_to_xpub_carries_subscriptions_upstream() {
    let (proxy, frontend, backend) = proxy("xsub", "xpub", &[]);
    let recv = Running::spawn(&[
        "recv",
        "-t",
        "sub",
        "-c",
        &backend,
        "--subscribe",
        "news",
        "-n",
        "1",
        "--timeout",
        "15s",
    ]);
    // The publisher repeats: its messages reach the subscriber once the
    // subscription has travelled sub -> proxy's xpub -> proxy's xsub -> pub.
    let publisher = Running::spawn(&[
        "send",
        "-t",
        "pub",
        "-c",
        &frontend,
        "-n",
        "0",
        "--interval",
        "10ms",
        "news",
        "flash",
    ]);
    assert_eq!(recv.finish(STEP).success().stdout_text(), "news\tflash\n");
    publisher.stop();
    proxy.stop();
}

#[test]
fn pairs_that_forward_nothing_are_refused() {
    let out = common::zmq()
        .args([
            "proxy",
            "--frontend-type",
            "server",
            "--frontend-bind",
            "tcp://127.0.0.1:*",
        ])
        .args([
            "--backend-type",
            "client",
            "--backend-connect",
            "tcp://127.0.0.1:1",
        ])
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert_clean_error(&stderr, "gather -> scatter, dish -> radio");

    let out = common::zmq()
        .args([
            "proxy",
            "--frontend-type",
            "push",
            "--frontend-bind",
            "tcp://127.0.0.1:*",
        ])
        .args([
            "--backend-type",
            "pull",
            "--backend-bind",
            "tcp://127.0.0.1:*",
        ])
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert_clean_error(&stderr, "from push to pull forwards nothing useful");
}

#[test]
fn a_side_without_endpoint_is_named() {
    let out = common::zmq()
        .args([
            "proxy",
            "--frontend-type",
            "gather",
            "--frontend-bind",
            "tcp://127.0.0.1:*",
        ])
        .args(["--backend-type", "scatter"])
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert_clean_error(
        &stderr,
        "--backend-bind ENDPOINT or --backend-connect ENDPOINT",
    );
}
