//! ZMTP 3.1 heartbeats between OUR Client/Server and the real C libzmq
//! 4.3.5 over TCP, with either side binding:
//!
//! * a libzmq SERVER with HEARTBEAT_IVL 100 ms (timeout 300 ms, TTL 500 ms)
//!   keeps an idle connection to our Client for a second: our Client
//!   answers its PINGs and honours their TTL; a request/reply then works on
//!   the same routing id;
//! * our Server with the same heartbeat toward a libzmq CLIENT: likewise;
//! * a libzmq CLIENT with HEARTBEAT_TTL 100 ms and IVL 250 ms, whose
//!   PINGs are 250 ms apart, is dropped by our Server (which has no
//!   heartbeat of its own): its routing id becomes unreachable;
//! * heartbeats inside CURVE, with libzmq as the SERVER or as the CLIENT and
//!   both sides heartbeating, keep the connection.
//!
//! "The same routing id" is the proof that the connection survived: a SERVER
//! gives a reconnecting CLIENT a new one (libzmq and ours alike). The idle
//! second is the subject of the tests, not synchronisation.

mod common;

use common::*;
use libzmq::auth::*;
use std::time::Duration;

/// How long the connections stay idle.
const IDLE: Duration = Duration::from_millis(1000);

const IVL_MS: i32 = 100;
const TIMEOUT_MS_HB: i32 = 300;
const TTL_MS: i32 = 500;

/// The two ways a pair can be set up.
#[derive(Clone, Copy, Debug)]
enum Binds {
    /// Our socket binds, libzmq's connects.
    Ours,
    /// libzmq's socket binds, ours connects.
    Theirs,
}

const BOTH: [Binds; 2] = [Binds::Ours, Binds::Theirs];

fn link(binds: Binds, ours: &impl libzmq::prelude::Socket, theirs: &LzSocket) {
    match binds {
        Binds::Ours => theirs.connect(&rs_bind(ours)).unwrap(),
        Binds::Theirs => ours.connect(lz_bind(theirs)).unwrap(),
    }
}

/// Our heartbeat, the same as the libzmq sockets'.
fn rs_heartbeat() -> Heartbeat {
    Heartbeat::new(Duration::from_millis(IVL_MS as u64))
        .add_timeout(Duration::from_millis(TIMEOUT_MS_HB as u64))
        .add_ttl(Duration::from_millis(TTL_MS as u64))
}

fn lz_heartbeat(socket: &LzSocket) {
    socket.set_heartbeat_ivl(IVL_MS).unwrap();
    socket.set_heartbeat_timeout(TIMEOUT_MS_HB).unwrap();
    socket.set_heartbeat_ttl(TTL_MS).unwrap();
}

/// A pair of our Client and a libzmq SERVER, or the other way round, that
/// can prove its connection is still the first one.
enum Pair {
    RsClient {
        label: String,
        client: Client,
        server: LzSocket,
        id: u32,
    },
    LzClient {
        label: String,
        client: LzSocket,
        server: Server,
        id: RoutingId,
    },
}

impl Pair {
    /// First request/reply: learns the routing id.
    fn rs_client(label: String, client: Client, server: LzSocket) -> Self {
        let id = bounce_rs_client_lz_server(&label, &client, &server, b"1st");
        Pair::RsClient {
            label,
            client,
            server,
            id,
        }
    }

    fn lz_client(label: String, client: LzSocket, server: Server) -> Self {
        let id = bounce_lz_client_rs_server(&label, &client, &server, b"1st");
        Pair::LzClient {
            label,
            client,
            server,
            id,
        }
    }

    /// After the idle time: the server reaches the client on the routing id
    /// it learnt first, and the client's next request comes with that id.
    fn still_connected(&self) {
        match self {
            Pair::RsClient {
                label,
                client,
                server,
                id,
            } => {
                if let Err(e) = server.send_routed(b"still there?", *id) {
                    panic!(
                        "{label}: the connection was lost: {}",
                        lz::strerror(e)
                    );
                }
                assert_eq!(
                    client.recv_msg().unwrap().as_bytes(),
                    b"still there?"
                );
                let again =
                    bounce_rs_client_lz_server(label, client, server, b"2nd");
                assert_eq!(again, *id, "{label}: reconnected");
            }
            Pair::LzClient {
                label,
                client,
                server,
                id,
            } => {
                if let Err(e) = server.route("still there?", *id) {
                    panic!("{label}: the connection was lost: {}", e.kind());
                }
                assert_eq!(client.recv().unwrap().data, b"still there?");
                let again =
                    bounce_lz_client_rs_server(label, client, server, b"2nd");
                assert_eq!(again, *id, "{label}: reconnected");
            }
        }
    }
}

/// Lets every pair idle for [`IDLE`], then checks each is still connected.
fn idle_then_check(pairs: &[Pair]) {
    std::thread::sleep(IDLE);
    for pair in pairs {
        pair.still_connected();
    }
}

#[test]
fn lz_server_heartbeats_keep_rs_client() {
    let ctx = Ctx::new();
    let lz_ctx = lz::Ctx::new();
    let pairs: Vec<Pair> = BOTH
        .into_iter()
        .map(|binds| {
            let client = rs_client(&ctx);
            let server = lz_socket(&lz_ctx, lz::SERVER);
            lz_heartbeat(&server);
            link(binds, &client, &server);
            let label = format!("libzmq SERVER heartbeating, {binds:?} bind");
            Pair::rs_client(label, client, server)
        })
        .collect();
    idle_then_check(&pairs);
}

#[test]
fn rs_server_heartbeats_keep_lz_client() {
    let ctx = Ctx::new();
    let lz_ctx = lz::Ctx::new();
    let pairs: Vec<Pair> = BOTH
        .into_iter()
        .map(|binds| {
            let server = rs_server(&ctx);
            server.set_heartbeat(Some(rs_heartbeat())).unwrap();
            let client = lz_socket(&lz_ctx, lz::CLIENT);
            link(binds, &server, &client);
            let label = format!("our Server heartbeating, {binds:?} bind");
            Pair::lz_client(label, client, server)
        })
        .collect();
    idle_then_check(&pairs);
}

/// The libzmq CLIENT's PINGs say "drop me if nothing comes for 100 ms" and
/// come 250 ms apart: our Server, which sends nothing, drops the connection.
///
/// When our Server bound, the routing id it learnt becomes unreachable (the
/// CLIENT reconnects as a new peer). When our Server connected, the routing
/// id lives on (as in libzmq, the pipe of a connected endpoint survives
/// reconnections), so the drop shows as a second connection through a
/// counting proxy.
#[test]
fn lz_client_ttl_makes_rs_server_drop_it() {
    let ctx = Ctx::new();
    let lz_ctx = lz::Ctx::new();
    let lz_client = || {
        let client = lz_socket(&lz_ctx, lz::CLIENT);
        client.set_heartbeat_ttl(100).unwrap();
        client.set_heartbeat_ivl(250).unwrap();
        client
    };

    // Our Server binds.
    let server = rs_server(&ctx);
    let client = lz_client();
    client.connect(&rs_bind(&server)).unwrap();
    let id = bounce_lz_client_rs_server(
        "our Server binds",
        &client,
        &server,
        b"1st",
    );

    // Our Server connects, through the proxy.
    let server_b = rs_server(&ctx);
    let client_b = lz_client();
    let proxy = Proxy::new(&to_lz_endpoint(&lz_bind(&client_b)));
    server_b.connect(to_rs_endpoint(proxy.endpoint())).unwrap();
    let label = "our Server connects";
    bounce_lz_client_rs_server(label, &client_b, &server_b, b"1st");

    eventually("our Server binds: the routing id", || {
        match server.try_route("x", id) {
            Err(e) if e.kind() == ErrorKind::HostUnreachable => Some(()),
            Ok(()) => None,
            Err(e) => {
                assert_eq!(e.kind(), ErrorKind::WouldBlock);
                None
            }
        }
    });
    eventually("our Server connects: a second connection", || {
        (proxy.connections() >= 2).then_some(())
    });
    // (No exchange afterwards: every new connection is dropped again after
    // the CLIENT's next PING, so any message may meet a drop.)
}

/// Heartbeats inside CURVE (PING/PONG as encrypted MESSAGE commands), both
/// sides heartbeating, with libzmq as the SERVER or as the CLIENT.
#[test]
fn curve_heartbeats_keep_connections() {
    let ctx = Ctx::new();
    let lz_ctx = lz::Ctx::new();
    let (server_public, server_secret) = lz::curve_keypair();
    let server_public_key =
        CurvePublicKey::new(server_public.as_str()).unwrap();
    let (client_public, client_secret) = lz::curve_keypair();
    let _ = AuthBuilder::new()
        .curve_registry(CurvePublicKey::new(client_public.as_str()).unwrap())
        .with_ctx(ctx.handle())
        .unwrap();
    let mut pairs = Vec::new();
    for binds in BOTH {
        // libzmq SERVER, our Client.
        let server = lz_socket(&lz_ctx, lz::SERVER);
        server.set_curve_server(true).unwrap();
        server.set_curve_secretkey(&server_secret).unwrap();
        lz_heartbeat(&server);
        let client = rs_client(&ctx);
        client
            .set_mechanism(CurveClientCreds::new(&server_public_key))
            .unwrap();
        client.set_heartbeat(Some(rs_heartbeat())).unwrap();
        link(binds, &client, &server);
        let label = format!("CURVE, libzmq SERVER, {binds:?} bind");
        pairs.push(Pair::rs_client(label, client, server));

        // Our Server, libzmq CLIENT.
        let server = rs_server(&ctx);
        server
            .set_mechanism(CurveServerCreds::new(
                CurveSecretKey::new(server_secret.as_str()).unwrap(),
            ))
            .unwrap();
        server.set_heartbeat(Some(rs_heartbeat())).unwrap();
        let client = lz_socket(&lz_ctx, lz::CLIENT);
        client.set_curve_serverkey(&server_public).unwrap();
        client.set_curve_publickey(&client_public).unwrap();
        client.set_curve_secretkey(&client_secret).unwrap();
        lz_heartbeat(&client);
        link(binds, &server, &client);
        let label = format!("CURVE, our Server, {binds:?} bind");
        pairs.push(Pair::lz_client(label, client, server));
    }
    idle_then_check(&pairs);
}
