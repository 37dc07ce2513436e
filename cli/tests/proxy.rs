//! `zmq proxy` between two pairs of `zmq send` / `zmq recv`.

mod common;

use common::{fails, recv_from, repeat_to, spawn_bound, Running, STEP};

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
    let (mut proxy, frontend) = spawn_bound(&args);
    let backend = proxy.endpoint();
    (proxy, frontend, backend)
}

#[test]
fn gather_to_scatter_between_two_pairs() {
    let (proxy, frontend, backend) = proxy("gather", "scatter", &[]);
    let recv = recv_from("gather", &backend, &["-n", "3"]);
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
    let recv = recv_from("dish", &backend, &["-g", "news", "-n", "1"]);
    // The radio connects to the proxy's dish and repeats its message: a
    // radio drops what no dish has joined yet, and the joins travel two
    // hops (dish -> proxy's radio, proxy's dish -> radio).
    let radio = repeat_to("radio", &frontend, &["-g", "news", "extra!"]);
    assert_eq!(recv.finish(STEP).success().stdout_text(), "extra!\n");
    radio.stop();
    proxy.stop();
}

#[test]
fn pull_to_push_keeps_multipart_messages() {
    let (proxy, frontend, backend) = proxy("pull", "push", &[]);
    let recv = recv_from("pull", &backend, &["-n", "1"]);
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
    let recv = recv_from("sub", &backend, &["--subscribe", "news", "-n", "1"]);
    // The publisher repeats: its messages reach the subscriber once the
    // subscription has travelled sub -> proxy's xpub -> proxy's xsub -> pub.
    let publisher = repeat_to("pub", &frontend, &["news", "flash"]);
    assert_eq!(recv.finish(STEP).success().stdout_text(), "news\tflash\n");
    publisher.stop();
    proxy.stop();
}

#[test]
fn pairs_that_forward_nothing_are_refused() {
    fails(
        &[
            "proxy",
            "--frontend-type",
            "server",
            "--frontend-bind",
            "tcp://127.0.0.1:*",
            "--backend-type",
            "client",
            "--backend-connect",
            "tcp://127.0.0.1:1",
        ],
        2,
        "gather -> scatter, dish -> radio",
    );
    fails(
        &[
            "proxy",
            "--frontend-type",
            "push",
            "--frontend-bind",
            "tcp://127.0.0.1:*",
            "--backend-type",
            "pull",
            "--backend-bind",
            "tcp://127.0.0.1:*",
        ],
        2,
        "from push to pull forwards nothing useful",
    );
}

#[test]
fn a_side_without_endpoint_is_named() {
    fails(
        &[
            "proxy",
            "--frontend-type",
            "gather",
            "--frontend-bind",
            "tcp://127.0.0.1:*",
            "--backend-type",
            "scatter",
        ],
        2,
        "--backend-bind ENDPOINT or --backend-connect ENDPOINT",
    );
}
