//! PLAIN and CURVE, keys, and the per-ctx auth registry: allowed and denied
//! peers over TCP and IPC, IP black/whitelists, curve_auth.

mod common;

use common::*;
use libzmq::{addr::Endpoint, auth::*, prelude::*, *};
use std::time::Duration;

const QUIET: Duration = Duration::from_millis(300);

/// A server with `mechanism` on `transport`, in `ctx`.
fn server_on(
    ctx: &Ctx,
    transport: &str,
    mechanism: Mechanism,
) -> (Server, Endpoint) {
    let server = ServerBuilder::new()
        .mechanism(mechanism)
        .bind(endpoint(transport))
        .recv_timeout(TIMEOUT)
        .with_ctx(ctx.handle())
        .unwrap();
    let bound = server.last_endpoint().unwrap();
    (server, bound)
}

fn client(ctx: &Ctx, endpoint: &Endpoint, mechanism: Mechanism) -> Client {
    ClientBuilder::new()
        .mechanism(mechanism)
        .connect(endpoint)
        .recv_timeout(TIMEOUT)
        .with_ctx(ctx.handle())
        .unwrap()
}

/// The request arrives and the reply comes back.
fn assert_bounce(client: &Client, server: &Server) {
    client.send("ping").unwrap();
    let msg = server.recv_msg().unwrap();
    server.route("pong", msg.routing_id().unwrap()).unwrap();
    assert_eq!(client.recv_msg().unwrap().to_str(), Ok("pong"));
}

/// Nothing ever reaches the server. (The message may be queued, or refused
/// at once: a client that got the server's ERROR gives that peer up, as in
/// libzmq, and is mute again.)
fn assert_refused(client: &Client, server: &Server) {
    let _ = client.try_send("ping");
    server.set_recv_timeout(Some(QUIET)).unwrap();
    assert_eq!(server.recv_msg().unwrap_err().kind(), ErrorKind::WouldBlock);
}

#[test]
fn null_is_allowed_by_default() {
    let ctx = ctx();
    let (server, endpoint) = server_on(&ctx, "tcp", Mechanism::Null);
    assert_bounce(&client(&ctx, &endpoint, Mechanism::Null), &server);
}

#[test]
fn blacklist_and_whitelist_apply_to_null() {
    let ctx = ctx();
    let auth = AuthBuilder::new()
        .blacklist("127.0.0.1".parse::<std::net::IpAddr>().unwrap())
        .with_ctx(ctx.handle())
        .unwrap();
    let (server, endpoint) = server_on(&ctx, "tcp", Mechanism::Null);
    assert_refused(&client(&ctx, &endpoint, Mechanism::Null), &server);
    // The whitelist wins over the blacklist; changes apply to the next handshake.
    auth.set_whitelist("127.0.0.1".parse::<std::net::IpAddr>().unwrap())
        .unwrap();
    server.set_recv_timeout(Some(TIMEOUT)).unwrap();
    assert_bounce(&client(&ctx, &endpoint, Mechanism::Null), &server);
    // IPC peers have no IP address: the IP rules do not apply to them.
    auth.set_whitelist(Vec::<std::net::IpAddr>::new()).unwrap();
    let (ipc_server, ipc) = server_on(&ctx, "ipc", Mechanism::Null);
    assert_bounce(&client(&ctx, &ipc, Mechanism::Null), &ipc_server);
}

#[test]
fn plain_allowed_and_denied() {
    for transport in ["tcp", "ipc"] {
        let ctx = ctx();
        let creds = PlainClientCreds::new("user", "pwd");
        let _ = AuthBuilder::new()
            .plain_registry(&creds)
            .with_ctx(ctx.handle())
            .unwrap();
        let (server, endpoint) =
            server_on(&ctx, transport, Mechanism::PlainServer);
        assert_bounce(&client(&ctx, &endpoint, creds.into()), &server);
        let wrong = PlainClientCreds::new("user", "wrong");
        assert_refused(&client(&ctx, &endpoint, wrong.into()), &server);
        let unknown = PlainClientCreds::new("nobody", "pwd");
        assert_refused(&client(&ctx, &endpoint, unknown.into()), &server);
    }
}

#[test]
fn plain_without_registry_is_denied() {
    let ctx = ctx();
    let (server, endpoint) = server_on(&ctx, "tcp", Mechanism::PlainServer);
    assert_refused(
        &client(&ctx, &endpoint, PlainClientCreds::new("user", "pwd").into()),
        &server,
    );
}

#[test]
fn curve_allowed_denied_and_no_curve_auth() {
    for transport in ["tcp", "ipc"] {
        let ctx = ctx();
        let server_cert = CurveCert::new_unique();
        let client_cert = CurveCert::new_unique();
        let auth = AuthBuilder::new()
            .curve_registry(client_cert.public())
            .with_ctx(ctx.handle())
            .unwrap();
        let (server, endpoint) = server_on(
            &ctx,
            transport,
            CurveServerCreds::new(server_cert.secret()).into(),
        );
        let allowed = CurveClientCreds::new(server_cert.public())
            .add_cert(client_cert.clone());
        assert_bounce(&client(&ctx, &endpoint, allowed.into()), &server);
        // Not registered: denied.
        let stranger = CurveClientCreds::new(server_cert.public());
        assert_refused(
            &client(&ctx, &endpoint, stranger.clone().into()),
            &server,
        );
        // With curve_auth off every key is allowed.
        auth.set_curve_auth(false).unwrap();
        server.set_recv_timeout(Some(TIMEOUT)).unwrap();
        assert_bounce(&client(&ctx, &endpoint, stranger.into()), &server);
    }
}

#[test]
fn curve_with_wrong_server_key_delivers_nothing() {
    let ctx = ctx();
    let server_cert = CurveCert::new_unique();
    let _ = AuthBuilder::new()
        .no_curve_auth()
        .with_ctx(ctx.handle())
        .unwrap();
    let (server, endpoint) = server_on(
        &ctx,
        "tcp",
        CurveServerCreds::new(server_cert.secret()).into(),
    );
    let impostor = CurveCert::new_unique();
    assert_refused(
        &client(
            &ctx,
            &endpoint,
            CurveClientCreds::new(impostor.public()).into(),
        ),
        &server,
    );
}

#[test]
fn mechanism_mismatch_delivers_nothing() {
    let ctx = ctx();
    let server_cert = CurveCert::new_unique();
    let _ = AuthBuilder::new()
        .no_curve_auth()
        .with_ctx(ctx.handle())
        .unwrap();
    let (server, endpoint) = server_on(
        &ctx,
        "tcp",
        CurveServerCreds::new(server_cert.secret()).into(),
    );
    assert_refused(&client(&ctx, &endpoint, Mechanism::Null), &server);
    assert_refused(
        &client(&ctx, &endpoint, PlainClientCreds::new("a", "b").into()),
        &server,
    );
}

#[test]
fn curve_carries_large_messages_and_heartbeats() {
    let ctx = ctx();
    let server_cert = CurveCert::new_unique();
    let _ = AuthBuilder::new()
        .no_curve_auth()
        .with_ctx(ctx.handle())
        .unwrap();
    let hb = Heartbeat::new(Duration::from_millis(50));
    let server = ServerBuilder::new()
        .mechanism(CurveServerCreds::new(server_cert.secret()))
        .heartbeat(&hb)
        .bind(endpoint("tcp"))
        .recv_timeout(TIMEOUT)
        .with_ctx(ctx.handle())
        .unwrap();
    let client = ClientBuilder::new()
        .mechanism(CurveClientCreds::new(server_cert.public()))
        .heartbeat(&hb)
        .connect(server.last_endpoint().unwrap())
        .recv_timeout(TIMEOUT)
        .with_ctx(ctx.handle())
        .unwrap();
    for (i, size) in [0usize, 1, 255, 256, 70_000, 1 << 20]
        .into_iter()
        .enumerate()
    {
        client.send(payload(i, size)).unwrap();
        let msg = server.recv_msg().unwrap();
        assert_eq!(msg.as_bytes(), payload(i, size).as_slice());
        let id = msg_id(&msg);
        server.route(msg, id).unwrap();
        assert_eq!(
            client.recv_msg().unwrap().as_bytes(),
            payload(i, size).as_slice()
        );
    }
    std::thread::sleep(Duration::from_millis(300)); // heartbeats run inside CURVE meanwhile
    assert_bounce(&client, &server);
}

fn msg_id(msg: &Msg) -> RoutingId {
    msg.routing_id().unwrap()
}

#[test]
fn set_mechanism_generates_a_client_cert() {
    let ctx = ctx();
    let server_cert = CurveCert::new_unique();
    let client = Client::with_ctx(ctx.handle()).unwrap();
    assert_eq!(client.mechanism(), Mechanism::Null);
    client
        .set_mechanism(CurveClientCreds::new(server_cert.public()))
        .unwrap();
    match client.mechanism() {
        Mechanism::CurveClient(creds) => {
            assert!(creds.cert().is_some());
            assert_eq!(creds.server(), server_cert.public());
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn refused_client_gets_the_error_and_stops_retrying() {
    let ctx = ctx();
    let (server, endpoint) = server_on(&ctx, "tcp", Mechanism::PlainServer);
    let wrong = PlainClientCreds::new("nobody", "pwd");
    let client = client(&ctx, &endpoint, wrong.into());
    // The server's ERROR ends that endpoint for the client (as libzmq): its
    // peer goes away and the client is mute again.
    assert!(eventually(|| client.try_send("x").is_err()));
    server.set_recv_timeout(Some(QUIET)).unwrap();
    assert_eq!(server.recv_msg().unwrap_err().kind(), ErrorKind::WouldBlock);
}
