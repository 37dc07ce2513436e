//! Interop with the real C libzmq 4.3.5 over IPC and UDP.
//!
//! * IPC, with a filesystem path and with a Linux abstract name (`@name`):
//!   CLIENT/SERVER (request/reply with routing ids, up to 1 MiB) and
//!   SCATTER/GATHER (200 messages in order), each with our socket and
//!   libzmq's in either role, and either of them binding.
//! * UDP unicast, RADIO → DISH both ways (our Radio connects to a libzmq
//!   DISH, a libzmq RADIO connects to our Dish): group filtering, the empty
//!   group, groups past libzmq's 14-byte inline limit, the largest datagram
//!   (8192 bytes), and our Radio dropping an oversized one.
//! * UDP datagram layout: both RADIOs send the same messages to a plain UDP
//!   socket, which sees identical bytes (`group_len ‖ group ‖ body`).
//!
//! libzmq 4.3.5 cannot bind UDP on port `*` in a way LAST_ENDPOINT reports,
//! so its DISH binds a port found free by binding and dropping a std UDP
//! socket. UDP has no handshake: a probe loop waits until the path is up.
//! libzmq 4.3.5's UDP sender has no size check (it overruns its 8 KiB
//! buffer), and its receiver reads the group length as a signed char, so
//! the libzmq side never sends more than 8192 bytes and all UDP groups are
//! shorter than 128 bytes.

mod common;

use common::*;
use std::net::UdpSocket;

// ---------------------------------------------------------------------------
// IPC
// ---------------------------------------------------------------------------

/// The two forms of IPC address.
#[derive(Clone, Copy, Debug)]
enum Ipc {
    /// A socket file in the temporary directory.
    Path,
    /// A name in the Linux abstract namespace.
    Abstract,
}

impl Ipc {
    /// A fresh address (without the `ipc://` scheme).
    fn fresh(self) -> String {
        match self {
            Ipc::Path => ipc_path(),
            Ipc::Abstract => ipc_abstract(),
        }
    }
}

/// The two ways a pair can be set up.
#[derive(Clone, Copy, Debug)]
enum Binds {
    /// Our socket binds, libzmq's connects.
    Ours,
    /// libzmq's socket binds, ours connects.
    Theirs,
}

/// Binds our socket on `addr` and checks what it reports.
fn rs_bind_ipc(socket: &impl libzmq::prelude::Socket, addr: &str) -> String {
    let ep = rs_bind_to(socket, IpcAddr::new(addr).unwrap());
    assert_eq!(ep, format!("ipc://{addr}"));
    if !addr.starts_with('@') {
        assert!(std::path::Path::new(addr).exists(), "{addr}");
    }
    ep
}

/// Binds a libzmq socket on `addr` and checks what it reports.
fn lz_bind_ipc(socket: &LzSocket, addr: &str) -> Endpoint {
    let ep = lz_bind_to(socket, &format!("ipc://{addr}"));
    assert_eq!(ep, Endpoint::from(IpcAddr::new(addr).unwrap()));
    ep
}

/// Request/reply between a CLIENT and a SERVER, whichever is whose.
trait Bounce {
    /// The client sends `data`, the server replies with it reversed; returns
    /// the routing id the server saw.
    fn bounce(&self, data: &[u8]) -> u32;
}

struct RsClientLzServer(Client, LzSocket);
struct LzClientRsServer(LzSocket, Server);

impl Bounce for RsClientLzServer {
    fn bounce(&self, data: &[u8]) -> u32 {
        let (client, server) = (&self.0, &self.1);
        client.send(data).unwrap();
        let m = server.recv().unwrap();
        assert!(m.data == data, "request of {} bytes", data.len());
        let reply: Vec<u8> = data.iter().rev().copied().collect();
        server.send_routed(&reply, m.routing_id).unwrap();
        let back = client.recv_msg().unwrap();
        assert!(back.as_bytes() == reply, "reply of {} bytes", data.len());
        assert_eq!(back.routing_id(), None);
        m.routing_id
    }
}

impl Bounce for LzClientRsServer {
    fn bounce(&self, data: &[u8]) -> u32 {
        let (client, server) = (&self.0, &self.1);
        client.send(data).unwrap();
        let m = server.recv_msg().unwrap();
        assert!(m.as_bytes() == data, "request of {} bytes", data.len());
        let id = m.routing_id().unwrap();
        let reply: Vec<u8> = data.iter().rev().copied().collect();
        server.route(reply.as_slice(), id).unwrap();
        let back = client.recv().unwrap();
        assert!(back.data == reply, "reply of {} bytes", data.len());
        assert_eq!(back.routing_id, 0);
        id.0
    }
}

/// Our Client and a libzmq SERVER over IPC.
fn rs_client_lz_server(ipc: Ipc, binds: Binds) {
    let ctx = Ctx::new();
    let lz_ctx = lz::Ctx::new();
    let addr = ipc.fresh();
    let client = rs_client(&ctx);
    let server = lz_socket(&lz_ctx, lz::SERVER);
    match binds {
        Binds::Ours => server.connect(&rs_bind_ipc(&client, &addr)).unwrap(),
        Binds::Theirs => client.connect(lz_bind_ipc(&server, &addr)).unwrap(),
    }
    client_server_exchange(&RsClientLzServer(client, server));
}

/// A libzmq CLIENT and our Server over IPC.
fn lz_client_rs_server(ipc: Ipc, binds: Binds) {
    let ctx = Ctx::new();
    let lz_ctx = lz::Ctx::new();
    let addr = ipc.fresh();
    let client = lz_socket(&lz_ctx, lz::CLIENT);
    let server = rs_server(&ctx);
    match binds {
        Binds::Ours => client.connect(&rs_bind_ipc(&server, &addr)).unwrap(),
        Binds::Theirs => server.connect(lz_bind_ipc(&client, &addr)).unwrap(),
    }
    client_server_exchange(&LzClientRsServer(client, server));
}

/// Sizes across the short/long frame boundary, and a large one; the routing
/// id stays the same on the connection.
fn client_server_exchange(pair: &dyn Bounce) {
    let id = pair.bounce(b"hello");
    for (i, len) in [0, 1, 255, 256, 70_000, 1 << 20].into_iter().enumerate() {
        assert_eq!(pair.bounce(&payload(i, len)), id);
    }
}

/// Our Scatter and a libzmq GATHER over IPC.
fn rs_scatter_lz_gather(ipc: Ipc, binds: Binds) {
    let ctx = Ctx::new();
    let lz_ctx = lz::Ctx::new();
    let addr = ipc.fresh();
    let scatter = rs_scatter(&ctx);
    let gather = lz_socket(&lz_ctx, lz::GATHER);
    match binds {
        Binds::Ours => gather.connect(&rs_bind_ipc(&scatter, &addr)).unwrap(),
        Binds::Theirs => scatter.connect(lz_bind_ipc(&gather, &addr)).unwrap(),
    }
    for i in 0..200 {
        scatter.send(numbered(i, i)).unwrap();
    }
    for i in 0..200 {
        assert_eq!(gather.recv().unwrap().data, numbered(i, i));
    }
}

/// A libzmq SCATTER and our Gather over IPC.
fn lz_scatter_rs_gather(ipc: Ipc, binds: Binds) {
    let ctx = Ctx::new();
    let lz_ctx = lz::Ctx::new();
    let addr = ipc.fresh();
    let scatter = lz_socket(&lz_ctx, lz::SCATTER);
    let gather = rs_gather(&ctx);
    match binds {
        Binds::Ours => scatter.connect(&rs_bind_ipc(&gather, &addr)).unwrap(),
        Binds::Theirs => gather.connect(lz_bind_ipc(&scatter, &addr)).unwrap(),
    }
    for i in 0..200 {
        scatter.send(&numbered(i, i)).unwrap();
    }
    for i in 0..200 {
        assert_eq!(gather.recv_msg().unwrap().as_bytes(), numbered(i, i));
    }
}

macro_rules! ipc_tests {
    ($($name:ident: $run:ident($ipc:ident, $binds:ident);)*) => {$(
        #[test]
        fn $name() {
            $run(Ipc::$ipc, Binds::$binds);
        }
    )*};
}

ipc_tests! {
    ipc_path_rs_client_binds_lz_server_connects: rs_client_lz_server(Path, Ours);
    ipc_path_lz_server_binds_rs_client_connects: rs_client_lz_server(Path, Theirs);
    ipc_path_rs_server_binds_lz_client_connects: lz_client_rs_server(Path, Ours);
    ipc_path_lz_client_binds_rs_server_connects: lz_client_rs_server(Path, Theirs);
    ipc_abstract_rs_client_binds_lz_server_connects: rs_client_lz_server(Abstract, Ours);
    ipc_abstract_lz_server_binds_rs_client_connects: rs_client_lz_server(Abstract, Theirs);
    ipc_abstract_rs_server_binds_lz_client_connects: lz_client_rs_server(Abstract, Ours);
    ipc_abstract_lz_client_binds_rs_server_connects: lz_client_rs_server(Abstract, Theirs);
    ipc_path_rs_scatter_binds_lz_gather_connects: rs_scatter_lz_gather(Path, Ours);
    ipc_path_lz_gather_binds_rs_scatter_connects: rs_scatter_lz_gather(Path, Theirs);
    ipc_path_rs_gather_binds_lz_scatter_connects: lz_scatter_rs_gather(Path, Ours);
    ipc_path_lz_scatter_binds_rs_gather_connects: lz_scatter_rs_gather(Path, Theirs);
    ipc_abstract_rs_scatter_binds_lz_gather_connects: rs_scatter_lz_gather(Abstract, Ours);
    ipc_abstract_lz_gather_binds_rs_scatter_connects: rs_scatter_lz_gather(Abstract, Theirs);
    ipc_abstract_rs_gather_binds_lz_scatter_connects: lz_scatter_rs_gather(Abstract, Ours);
    ipc_abstract_lz_scatter_binds_rs_gather_connects: lz_scatter_rs_gather(Abstract, Theirs);
}

/// An IPC socket file goes away with its (bound) owner, ours or libzmq's,
/// and the path can then be bound by the other implementation.
#[test]
fn ipc_path_is_released_for_the_other_implementation() {
    let ctx = Ctx::new();
    let lz_ctx = lz::Ctx::new();
    let addr = ipc_path();
    let server = rs_server(&ctx);
    rs_bind_ipc(&server, &addr);
    drop(server);
    assert!(!std::path::Path::new(&addr).exists(), "{addr} left behind");

    let server = lz_socket(&lz_ctx, lz::SERVER);
    lz_bind_ipc(&server, &addr);
    let client = rs_client(&ctx);
    client
        .connect(IpcAddr::new(addr.as_str()).unwrap())
        .unwrap();
    RsClientLzServer(client, server).bounce(b"after rebind");
}

// ---------------------------------------------------------------------------
// UDP
// ---------------------------------------------------------------------------

/// A group past libzmq's inline limit (14 bytes), well under 128.
const GROUP_18: &str = "0123456789ABCDEFGH";
/// The largest datagram both implementations send and receive.
const MAX_DATAGRAM: usize = 8192;

/// The messages every UDP test sends after the probe, as `(group, body)`,
/// and whether a DISH joined to "TV", "" and [`GROUP_18`] gets them.
fn udp_script() -> Vec<(&'static str, Vec<u8>, bool)> {
    vec![
        ("Movies", b"not joined".to_vec(), false),
        ("TV", b"Friends".to_vec(), true),
        ("T", b"prefix".to_vec(), false),
        ("TV2", b"longer".to_vec(), false),
        ("", b"empty group".to_vec(), true),
        ("", Vec::new(), true),
        (GROUP_18, b"eighteen".to_vec(), true),
        (&GROUP_18[..17], b"seventeen".to_vec(), false),
        // Exactly MAX_DATAGRAM: 1 length byte + 2 group bytes + body.
        ("TV", payload(3, MAX_DATAGRAM - 3), true),
        ("TV", b"Seinfeld".to_vec(), true),
    ]
}

fn udp_dish_joins(dish: &dyn DishEnd) {
    for g in ["TV", "", GROUP_18] {
        dish.join(g);
    }
}

/// Runs [`udp_script`] from `radio` to `dish` and checks what arrives.
fn udp_exchange(label: &str, radio: &dyn RadioEnd, dish: &dyn DishEnd) {
    // No handshake: probe until the path is up (the receiver may not be
    // registered yet), then drain the probes.
    wait_joined(radio, dish, "TV");
    let script = udp_script();
    for (g, body, _) in &script {
        radio.transmit(body, g);
    }
    for (g, body, _) in script.iter().filter(|(_, _, joined)| *joined) {
        let (got_group, got) = dish.recv();
        assert_eq!(&got_group, g, "{label}");
        assert!(
            &got == body,
            "{label}: group {g:?}: got {} bytes, want {}",
            got.len(),
            body.len()
        );
    }
    assert_eq!(dish.recv_within(NOTHING_WAIT), None, "{label}");
}

#[test]
fn udp_rs_radio_to_lz_dish() {
    let ctx = Ctx::new();
    let lz_ctx = lz::Ctx::new();
    let port = free_udp_port();
    let dish = lz_socket(&lz_ctx, lz::DISH);
    udp_dish_joins(&dish);
    dish.bind(&format!("udp://127.0.0.1:{port}")).unwrap();
    let radio = rs_radio(&ctx);
    radio
        .connect(UdpAddr::try_from(format!("127.0.0.1:{port}")).unwrap())
        .unwrap();
    udp_exchange("our Radio → libzmq DISH over UDP", &radio, &dish);

    // Over MAX_DATAGRAM: our Radio does not send it, and says so only in
    // that nothing arrives (as libzmq after 4.3.5).
    RadioEnd::transmit(&radio, &payload(4, MAX_DATAGRAM - 2), "TV");
    RadioEnd::transmit(&radio, b"after", "TV");
    assert_eq!(DishEnd::recv(&dish), ("TV".into(), b"after".to_vec()));
}

#[test]
fn udp_lz_radio_to_rs_dish() {
    let ctx = Ctx::new();
    let lz_ctx = lz::Ctx::new();
    let dish = rs_dish(&ctx);
    udp_dish_joins(&dish);
    let bound = rs_bind_to(&dish, UdpAddr::try_from("127.0.0.1:*").unwrap());
    let radio = lz_socket(&lz_ctx, lz::RADIO);
    radio.connect(&bound).unwrap();
    udp_exchange("libzmq RADIO → our Dish over UDP", &radio, &dish);

    // A libzmq message whose group was never set travels as group "".
    radio.send(b"no group set").unwrap();
    assert_eq!(DishEnd::recv(&dish), ("".into(), b"no group set".to_vec()));
}

/// Receives one datagram on a plain UDP socket.
fn recv_datagram(socket: &UdpSocket) -> Vec<u8> {
    let mut buf = vec![0u8; 65_536];
    let n = socket.recv(&mut buf).expect("no datagram within TIMEOUT");
    buf.truncate(n);
    buf
}

/// Both RADIOs put the same bytes on the wire: `group_len:u8 ‖ group ‖ body`,
/// one message per datagram.
#[test]
fn udp_datagram_layout_is_identical() {
    let ctx = Ctx::new();
    let lz_ctx = lz::Ctx::new();
    let ours_rx = UdpSocket::bind("127.0.0.1:0").unwrap();
    let theirs_rx = UdpSocket::bind("127.0.0.1:0").unwrap();
    for rx in [&ours_rx, &theirs_rx] {
        rx.set_read_timeout(Some(TIMEOUT)).unwrap();
    }
    let radio = rs_radio(&ctx);
    radio
        .connect(UdpAddr::new(ours_rx.local_addr().unwrap()))
        .unwrap();
    let lz_radio = lz_socket(&lz_ctx, lz::RADIO);
    lz_radio
        .connect(&format!("udp://{}", theirs_rx.local_addr().unwrap()))
        .unwrap();

    let group_127 = "x".repeat(127);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("TV", b"Friends".to_vec()),
        ("", Vec::new()),
        ("", b"emptygroup".to_vec()),
        (GROUP_18, payload(5, 1000)),
        (
            &group_127,
            b"longest group libzmq 4.3.5 reads back".to_vec(),
        ),
        ("TV", payload(6, MAX_DATAGRAM - 3)),
    ];
    // Both RADIOs queue until their UDP socket is up, so nothing is lost.
    for (g, body) in &cases {
        RadioEnd::transmit(&radio, body, g);
        RadioEnd::transmit(&lz_radio, body, g);
    }
    let mut received = Vec::new();
    for (g, body) in &cases {
        let mut want = vec![g.len() as u8];
        want.extend_from_slice(g.as_bytes());
        want.extend_from_slice(body);
        let theirs = recv_datagram(&theirs_rx);
        assert!(theirs == want, "libzmq: group {g:?}: {:02x?}", &theirs[..1]);
        let ours = recv_datagram(&ours_rx);
        assert!(ours == want, "ours: group {g:?}: {:02x?}", &ours[..1]);
        received.push(ours);
    }
    // The captured golden bytes (spec zmtp.md §3.7).
    assert_eq!(received[0], b"\x02TVFriends");
    assert_eq!(received[1], [0x00]);
}
