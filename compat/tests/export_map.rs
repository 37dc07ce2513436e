//! Every public path of the libzmq 0.2 export map (except `auth`, see
//! `auth_paths.rs`), named with the signature that code written for the
//! original crate relies on.
//!
//! Most checks are compile-time: a function item coerced to a function
//! pointer type pins its parameters and its return type. A few cheap calls
//! check the values the original documents (defaults, constants).

// The borrowed forms (`&addr`, `&creds`) are part of the API under test.
#![allow(clippy::type_complexity, clippy::needless_borrows_for_generic_args)]

use libzmq::{
    addr::{
        AddrParseError, Endpoint, Hostname, Interface, IntoIpAddrs, Port,
        SocketAddr, SrcAddr,
    },
    config::{
        ClientConfig, ConfigType, CtxConfig, DishConfig, GatherConfig,
        RadioConfig, ScatterConfig, ServerConfig,
    },
    poll::{
        Event, Events, IntoIter, Iter, PollId, Pollable, Poller, Trigger,
        EMPTY, READABLE, WRITABLE,
    },
    prelude::{
        BuildHeartbeating, BuildRecv, BuildSend, BuildSocket,
        ConfigureHeartbeating, ConfigureRecv, ConfigureSend, ConfigureSocket,
        Heartbeating, RecvMsg, SendMsg, Socket, TryFrom, TryInto,
    },
    Client, ClientBuilder, Ctx, CtxBuilder, CtxHandle, Dish, DishBuilder,
    EpgmAddr, Error, ErrorKind, Gather, GatherBuilder, Group, GroupParseError,
    GroupSlice, Heartbeat, InprocAddr, Msg, Period, PgmAddr, Radio,
    RadioBuilder, RoutingId, Scatter, ScatterBuilder, Server, ServerBuilder,
    SocketType, TcpAddr, UdpAddr, INPROC_MAX_SIZE, MAX_GROUP_SIZE,
};
use serde::{de::DeserializeOwned, Serialize};
use std::borrow::Cow;
use std::ffi::{CStr, CString};
use std::hash::Hash;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::Utf8Error;
use std::time::Duration;

fn is_send_sync<T: Send + Sync + 'static>() {}
fn is_clone_eq_debug<T: Clone + PartialEq + Eq + std::fmt::Debug>() {}
fn is_config<
    T: std::fmt::Debug
        + Default
        + Clone
        + PartialEq
        + Eq
        + Hash
        + Serialize
        + DeserializeOwned,
>() {
}
fn is_builder<T: std::fmt::Debug + Default + Clone + PartialEq + Eq + Hash>() {}

// ---- crate root: functions ---------------------------------------------------------

#[test]
fn version_and_proxy() {
    let _: fn() -> (i32, i32, i32) = libzmq::version;
    let (major, minor, patch) = libzmq::version();
    assert!(major >= 0 && minor >= 0 && patch >= 0);

    // `proxy` takes both sockets by value; any of the six types, or `SocketType`.
    let _: fn(Dish, Radio) -> Result<(), Error> = libzmq::proxy::<Dish, Radio>;
    let _: fn(Gather, Scatter) -> Result<(), Error> =
        libzmq::proxy::<Gather, Scatter>;
    let _: fn(Server, Client) -> Result<(), Error> =
        libzmq::proxy::<Server, Client>;
    let _: fn(SocketType, SocketType) -> Result<(), Error> =
        libzmq::proxy::<SocketType, SocketType>;
}

// ---- crate root: Period, Heartbeat ----------------------------------------------------

#[test]
fn period_and_heartbeat() {
    let d = Duration::from_millis(300);
    let infinite = Period::Infinite;
    let finite = Period::Finite(d);
    assert_eq!(Period::default(), infinite);
    let from_none: Period = None.into();
    assert_eq!(from_none, Period::Infinite);
    let from_some: Period = Some(d).into();
    assert_eq!(from_some, finite);
    let back: Option<Duration> = finite.into();
    assert_eq!(back, Some(d));
    let _ = finite; // Copy

    let _: fn(Duration) -> Heartbeat = Heartbeat::new::<Duration>;
    let _: fn(Heartbeat, Duration) -> Heartbeat =
        Heartbeat::add_timeout::<Duration>;
    let _: fn(Heartbeat, Duration) -> Heartbeat =
        Heartbeat::add_ttl::<Duration>;
    let _: fn(&Heartbeat) -> Duration = Heartbeat::interval;
    let _: fn(&Heartbeat) -> Period = Heartbeat::timeout;
    let _: fn(&Heartbeat) -> Period = Heartbeat::ttl;
    is_clone_eq_debug::<Heartbeat>();

    let hb = Heartbeat::new(d).add_timeout(3 * d).add_ttl(3 * d);
    assert_eq!(hb.interval(), d);
    assert_eq!(hb.timeout(), Period::Finite(3 * d));
    assert_eq!(hb.ttl(), Period::Finite(3 * d));
    let copy: Heartbeat = (&hb).into();
    assert_eq!(copy, hb);
    let hb: Heartbeat =
        serde_yaml::from_str("interval: 1s\ntimeout: 3s\nttl: 3s").unwrap();
    assert_eq!(hb.interval(), Duration::from_secs(1));
}

// ---- crate root: Ctx, CtxHandle, CtxBuilder, config::CtxConfig ----------------------------

#[test]
fn ctx() -> Result<(), anyhow::Error> {
    let _: fn() -> Ctx = Ctx::new;
    let _: fn(&Ctx) -> CtxHandle = Ctx::handle;
    let _: fn() -> CtxHandle = Ctx::global;
    let _: fn(&Ctx) -> i32 = Ctx::io_threads;
    let _: fn(&Ctx, i32) -> Result<(), Error> = Ctx::set_io_threads;
    let _: fn(&Ctx) -> i32 = Ctx::max_sockets;
    let _: fn(&Ctx, i32) -> Result<(), Error> = Ctx::set_max_sockets;
    let _: fn(&Ctx) -> i32 = Ctx::socket_limit;
    let _: fn(&Ctx) = Ctx::shutdown;

    let _: fn(CtxHandle) -> i32 = CtxHandle::io_threads;
    let _: fn(CtxHandle, i32) -> Result<(), Error> = CtxHandle::set_io_threads;
    let _: fn(CtxHandle) -> i32 = CtxHandle::max_sockets;
    let _: fn(CtxHandle, i32) -> Result<(), Error> = CtxHandle::set_max_sockets;
    let _: fn(CtxHandle) = CtxHandle::shutdown;

    let _: fn() -> CtxBuilder = CtxBuilder::new;
    let _: fn(&CtxBuilder) -> Result<Ctx, Error> = CtxBuilder::build;
    let _: fn(&CtxBuilder, CtxHandle) -> Result<(), Error> = CtxBuilder::apply;
    let _: fn(&mut CtxBuilder, i32) -> &mut CtxBuilder = CtxBuilder::io_threads;
    let _: fn(&mut CtxBuilder, i32) -> &mut CtxBuilder =
        CtxBuilder::max_sockets;

    let _: fn() -> CtxConfig = CtxConfig::new;
    let _: fn(&CtxConfig) -> Result<Ctx, Error> = CtxConfig::build;
    let _: fn(&CtxConfig, CtxHandle) -> Result<(), Error> = CtxConfig::apply;
    let _: fn(&CtxConfig) -> Option<i32> = CtxConfig::io_threads;
    let _: fn(&mut CtxConfig, Option<i32>) = CtxConfig::set_io_threads;
    let _: fn(&CtxConfig) -> Option<i32> = CtxConfig::max_sockets;
    let _: fn(&mut CtxConfig, Option<i32>) = CtxConfig::set_max_sockets;

    is_config::<CtxConfig>();
    is_config::<CtxBuilder>();
    fn handle_traits<T: Copy + Clone + Eq + PartialEq + std::fmt::Debug>() {}
    handle_traits::<CtxHandle>();
    fn ctx_traits<T: std::fmt::Debug + PartialEq + Eq + Default>() {}
    ctx_traits::<Ctx>();

    // The doc examples.
    let ctx = Ctx::new();
    assert_eq!(ctx.io_threads(), 1);
    assert_eq!(ctx.max_sockets(), 1023);
    let server = Server::with_ctx(ctx.handle())?;
    assert_eq!(server.ctx(), ctx.handle());
    assert_eq!(Client::new()?.ctx(), Ctx::global());

    let built = CtxBuilder::new().io_threads(2).build()?;
    assert_eq!(built.io_threads(), 2);

    let mut config = CtxConfig::new();
    config.set_max_sockets(Some(420));
    let configured = config.build()?;
    assert_eq!(configured.max_sockets(), 420);

    let handle = {
        let dropped = Ctx::new();
        dropped.handle()
    };
    let err = Dish::with_ctx(handle).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidCtx);
    Ok(())
}

// ---- crate root: Error, ErrorKind -------------------------------------------------------

#[test]
#[allow(deprecated)]
fn error() -> Result<(), anyhow::Error> {
    let _: fn(&Error<Msg>) -> ErrorKind = Error::<Msg>::kind;
    let _: fn(&Error<Msg>) -> Option<&Msg> = Error::<Msg>::get;
    let _: fn(&mut Error<Msg>) -> Option<Msg> = Error::<Msg>::take;
    let _: fn(&Error<Msg>) -> Option<&Msg> = Error::<Msg>::content;
    let _: fn(&mut Error<Msg>) -> Option<Msg> = Error::<Msg>::take_content;
    let _: fn(Error<Msg>) -> Error<()> = Error::<Msg>::cast::<()>;
    let _: fn(Error<usize>) -> std::io::Error = std::io::Error::from;
    let _: fn(GroupParseError) -> Error = Error::from;
    let _: fn(AddrParseError) -> Error = Error::from;
    let _: fn(std::convert::Infallible) -> Error = Error::from;
    // `?` into anyhow works for both error types.
    fn anyhow_ok<E: std::error::Error + Send + Sync + 'static>() {}
    anyhow_ok::<Error>();
    anyhow_ok::<Error<Msg>>();

    let kinds = [
        ErrorKind::WouldBlock,
        ErrorKind::HostUnreachable,
        ErrorKind::InvalidCtx,
        ErrorKind::Interrupted,
        ErrorKind::AddrInUse,
        ErrorKind::AddrNotAvailable,
        ErrorKind::NotFound("x"),
        ErrorKind::SocketLimit,
        ErrorKind::InvalidInput("x"),
    ];
    for kind in kinds {
        match kind {
            ErrorKind::WouldBlock
            | ErrorKind::HostUnreachable
            | ErrorKind::InvalidCtx
            | ErrorKind::Interrupted
            | ErrorKind::AddrInUse
            | ErrorKind::AddrNotAvailable
            | ErrorKind::NotFound(_)
            | ErrorKind::SocketLimit
            | ErrorKind::InvalidInput(_) => (),
            _ => unreachable!(),
        }
    }

    // The `Error` doc example: a mute Client hands the message back.
    let client = Client::new()?;
    let mut err = client.try_send("msg").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::WouldBlock);
    assert_eq!(err.get().unwrap().to_str()?, "msg");
    let msg: Msg = err.take().unwrap();
    assert_eq!(msg.to_str()?, "msg");
    let io: std::io::Error = client.try_send("again").unwrap_err().into();
    assert_eq!(io.kind(), std::io::ErrorKind::WouldBlock);
    Ok(())
}

// ---- crate root: Msg, RoutingId, Group, GroupSlice ----------------------------------------

#[test]
fn msg_and_routing_id() -> Result<(), anyhow::Error> {
    let _: fn() -> Msg = Msg::new;
    let _: fn(usize) -> Msg = Msg::with_size;
    let _: fn(&Msg) -> usize = Msg::len;
    let _: fn(&Msg) -> bool = Msg::is_empty;
    let _: fn(&Msg) -> Result<&str, Utf8Error> = Msg::to_str;
    let _: fn(&Msg) -> &[u8] = Msg::as_bytes;
    let _: fn(&mut Msg) -> &mut [u8] = Msg::as_bytes_mut;
    let _: fn(&Msg) -> Option<RoutingId> = Msg::routing_id;
    let _: fn(&mut Msg, RoutingId) = Msg::set_routing_id;
    let _: fn(&Msg) -> Option<&GroupSlice> = Msg::group;
    let _: fn(&mut Msg, &'static Group) = Msg::set_group::<&'static Group>;
    is_send_sync::<Msg>();
    fn msg_traits<T: Clone + Default + std::fmt::Debug + PartialEq + Eq>() {}
    msg_traits::<Msg>();

    let _: Msg = Box::<[u8]>::from(&b"a"[..]).into();
    let _: Msg = vec![1u8, 2].into();
    let _: Msg = String::from("s").into();
    let _: Msg = [0u8; 32].into();
    let _: Msg = (&b"bytes"[..]).into();
    let _: Msg = "str".into();
    let _: Msg = (&Msg::new()).into();
    let _: Msg = (&String::from("s")).into();
    let _: Msg = (&vec![0u8]).into();
    let _: Msg = b"literal".into();

    assert!(Msg::new().is_empty());
    assert_eq!(Msg::with_size(420).len(), 420);
    assert_eq!(Msg::from("blzit").to_str()?, "blzit");
    assert_eq!(Msg::from(b"blzit").as_bytes(), b"blzit");
    let mut msg = Msg::new();
    let group: Group = "A".try_into()?;
    msg.set_group(&group);
    assert_eq!(msg.group().unwrap(), group);

    let id = RoutingId(7);
    let raw: u32 = id.into();
    assert_eq!(RoutingId::from(raw), id);
    assert_eq!(id.0, 7);
    fn id_traits<
        T: Copy
            + Clone
            + std::fmt::Debug
            + PartialEq
            + Eq
            + Hash
            + Serialize
            + DeserializeOwned,
    >() {
    }
    id_traits::<RoutingId>();
    Ok(())
}

#[test]
fn group() -> Result<(), anyhow::Error> {
    let _: usize = MAX_GROUP_SIZE;
    let _: fn(Vec<u8>) -> Result<Group, GroupParseError> =
        Group::new::<Vec<u8>>;
    let _: fn(&Group) -> &CStr = Group::as_c_str;
    let _: fn(&Group) -> Result<&str, Utf8Error> = Group::to_str;
    let _: fn(&Group) -> Cow<'_, str> = Group::to_string_lossy;
    let _: fn(&Group) -> &[u8] = Group::as_bytes;
    let _: fn(&GroupSlice) -> &CStr = GroupSlice::as_c_str;
    let _: fn(&GroupSlice) -> Result<&str, Utf8Error> = GroupSlice::to_str;
    let _: fn(&GroupSlice) -> Cow<'_, str> = GroupSlice::to_string_lossy;
    let _: fn(&GroupSlice) -> &[u8] = GroupSlice::to_bytes;
    let _: fn(Group) -> CString = CString::from;
    is_clone_eq_debug::<Group>();
    is_clone_eq_debug::<GroupParseError>();

    let group: Group = "abc".to_owned().try_into()?;
    assert_eq!(group, "abc");
    let same: Group = "abc".parse()?;
    let slice: &GroupSlice = &same;
    assert_eq!(Group::from(slice), group);
    assert_eq!(slice.to_owned(), group);
    assert!(Group::try_from("a\0b").is_err());
    assert!(Group::new(vec![b'x'; MAX_GROUP_SIZE + 1]).is_err());
    let err: GroupParseError = Group::try_from("a\0b").unwrap_err();
    let _: Error = err.into();
    Ok(())
}

// ---- crate root and `addr`: addresses ---------------------------------------------------------

#[test]
fn addresses() -> Result<(), anyhow::Error> {
    assert_eq!(INPROC_MAX_SIZE, 256);

    let hostname = Hostname::new("server-name")?;
    assert_eq!(hostname.as_str(), "server-name");
    let _: Hostname = "eth0".try_into()?;
    let _: Hostname = "localhost".parse()?;

    let port: Port = "*".parse()?;
    assert!(port.is_unspecified());
    assert!(Port::Specified(3000).is_specified());
    assert!(matches!(port, Port::Unspecified));

    let interface: Interface = "0.0.0.0".parse()?;
    assert!(matches!(interface, Interface::Ip(_)));
    let interface: Interface = "eth0".parse()?;
    assert!(matches!(interface, Interface::Hostname(_)));

    let socket_addr: SocketAddr = "127.0.0.1:3000".try_into()?;
    let _: &Interface = socket_addr.interface();
    let _: Port = socket_addr.port();
    let _ = SocketAddr::new(
        Interface::Ip(Ipv4Addr::LOCALHOST.into()),
        Port::Unspecified,
    );
    let std_addr: std::net::SocketAddr = "127.0.0.1:5555".parse()?;
    let _: SocketAddr = std_addr.into();
    let _: SocketAddr = (&std_addr).into();

    let src: SrcAddr = "192.168.1.17:*".try_into()?;
    assert!(matches!(src, SrcAddr::Socket(_)));
    let src: SrcAddr = "eth0".try_into()?;
    assert!(matches!(src, SrcAddr::Interface(_)));

    let tcp: TcpAddr = "eth0;192.168.1.1:5555".try_into()?;
    let _: &SocketAddr = tcp.host();
    let _: Option<&SrcAddr> = tcp.src();
    let _: TcpAddr = "[2001:db8::1]:8080".try_into()?;
    let host: SocketAddr = "localhost:5555".try_into()?;
    let udp = UdpAddr::new(&host).add_src(&host);
    let _ = UdpAddr::new(host.clone()).add_src(&src);
    let _: UdpAddr = "239.0.0.1:5555".try_into()?;
    let _: UdpAddr = "eth0;[ff02::1]:5555".try_into()?;
    let pgm: PgmAddr = "192.168.1.1;239.192.1.1:5555".try_into()?;
    let epgm: EpgmAddr = "eth0;239.192.1.1:5555".try_into()?;
    let inproc: InprocAddr = "test".try_into()?;
    let _ = InprocAddr::new("LKH*O&_[::O2134KG")?;
    let unique = InprocAddr::new_unique();
    assert!(!unique.as_str().is_empty());
    let _ = TcpAddr::new(host.clone());
    let _ = PgmAddr::new(host.clone());
    let _ = EpgmAddr::new(host);

    let endpoints: Vec<Endpoint> = vec![
        tcp.clone().into(),
        (&udp).into(),
        inproc.into(),
        pgm.into(),
        epgm.into(),
    ];
    assert!(endpoints[0].is_tcp());
    assert!(endpoints[1].is_udp());
    assert!(endpoints[2].is_inproc());
    assert!(endpoints[3].is_pgm());
    #[allow(deprecated)]
    let _: fn(&Endpoint) -> bool = Endpoint::is_edpgm;
    for endpoint in &endpoints {
        match endpoint {
            Endpoint::Tcp(_)
            | Endpoint::Udp(_)
            | Endpoint::Inproc(_)
            | Endpoint::Pgm(_)
            | Endpoint::Epgm(_) => (),
            _ => (),
        }
    }
    let _: &Endpoint = endpoints[0].as_ref();
    let _: Endpoint = (&endpoints[0]).into();
    let yaml = serde_yaml::to_string(&endpoints)?;
    assert_eq!(serde_yaml::from_str::<Vec<Endpoint>>(&yaml)?, endpoints);

    let err: AddrParseError = "no port".parse::<SocketAddr>().unwrap_err();
    let _: &'static str = err.msg();
    let _: Error = err.into();

    fn count<I: IntoIpAddrs>(ips: I) -> usize {
        ips.into_ip_addrs().count()
    }
    let v4 = Ipv4Addr::LOCALHOST;
    assert_eq!(count(v4), 1);
    assert_eq!(count(&v4), 1);
    assert_eq!(count(Ipv6Addr::LOCALHOST), 1);
    assert_eq!(count(IpAddr::V4(v4)), 1);
    assert_eq!(count(vec![v4, v4]), 2);
    let ips: &[IpAddr] = &[IpAddr::V4(v4)];
    assert_eq!(count(ips), 1);
    Ok(())
}

// ---- sockets, SocketType, and the socket traits of the prelude -----------------------------

/// The `Socket` trait, for one socket type.
fn socket_trait<S: Socket>() {
    let _: fn(&S, TcpAddr) -> Result<(), Error> = S::connect::<TcpAddr>;
    let _: fn(&S, &'static InprocAddr) -> Result<(), Error> =
        S::bind::<&'static InprocAddr>;
    let _: fn(&S, Endpoint) -> Result<(), Error> = S::disconnect::<Endpoint>;
    let _: fn(&S, Endpoint) -> Result<(), Error> = S::unbind::<Endpoint>;
    let _: fn(&S) -> Result<Endpoint, Error> = S::last_endpoint;
}

fn send_trait<S: SendMsg>() {
    let _: fn(&S, Msg) -> Result<(), Error<Msg>> = S::send::<Msg>;
    let _: fn(&S, &'static str) -> Result<(), Error<Msg>> =
        S::try_send::<&'static str>;
    let _: fn(&S) -> Result<i32, Error> = S::send_hwm;
    let _: fn(&S, i32) -> Result<(), Error> = S::set_send_hwm;
    let _: fn(&S) -> Result<Period, Error> = S::send_timeout;
    let _: fn(&S, Option<Duration>) -> Result<(), Error> =
        S::set_send_timeout::<Option<Duration>>;
    let _: fn(&S, Period) -> Result<(), Error> = S::set_send_timeout::<Period>;
}

fn recv_trait<S: RecvMsg>() {
    let _: fn(&S, &mut Msg) -> Result<(), Error> = S::recv;
    let _: fn(&S, &mut Msg) -> Result<(), Error> = S::try_recv;
    let _: fn(&S) -> Result<Msg, Error> = S::recv_msg;
    let _: fn(&S) -> Result<Msg, Error> = S::try_recv_msg;
    let _: fn(&S) -> Result<i32, Error> = S::recv_hwm;
    let _: fn(&S, i32) -> Result<(), Error> = S::set_recv_hwm;
    let _: fn(&S) -> Result<Period, Error> = S::recv_timeout;
    let _: fn(&S, Option<Duration>) -> Result<(), Error> =
        S::set_recv_timeout::<Option<Duration>>;
    let _: fn(&S, Period) -> Result<(), Error> = S::set_recv_timeout::<Period>;
}

fn heartbeating_trait<S: Heartbeating>() {
    let _: fn(&S) -> Option<Heartbeat> = S::heartbeat;
    let _: fn(&S, Option<Heartbeat>) -> Result<(), Error> = S::set_heartbeat;
}

/// What every socket type has: constructors, `ctx`, the derives, Send + Sync.
macro_rules! socket_type {
    ($socket:ty) => {{
        let _: fn() -> Result<$socket, Error> = <$socket>::new;
        let _: fn(CtxHandle) -> Result<$socket, Error> = <$socket>::with_ctx;
        let _: fn(&$socket) -> CtxHandle = <$socket>::ctx;
        is_send_sync::<$socket>();
        is_clone_eq_debug::<$socket>();
        let _: SocketType = <$socket>::new().unwrap().into();
        socket_trait::<$socket>();
    }};
}

#[test]
fn sockets() -> Result<(), anyhow::Error> {
    socket_type!(Client);
    socket_type!(Server);
    socket_type!(Radio);
    socket_type!(Dish);
    socket_type!(Scatter);
    socket_type!(Gather);

    send_trait::<Client>();
    send_trait::<Server>();
    send_trait::<Radio>();
    send_trait::<Scatter>();
    recv_trait::<Client>();
    recv_trait::<Server>();
    recv_trait::<Dish>();
    recv_trait::<Gather>();
    heartbeating_trait::<Client>();
    heartbeating_trait::<Server>();
    heartbeating_trait::<Scatter>();
    heartbeating_trait::<Gather>();

    let _: fn(&Server, &'static str, RoutingId) -> Result<(), Error<Msg>> =
        Server::route::<&'static str>;
    let _: fn(&Server, Msg, RoutingId) -> Result<(), Error<Msg>> =
        Server::try_route::<Msg>;
    let _: fn(&Radio, &'static str, &'static Group) -> Result<(), Error<Msg>> =
        Radio::transmit::<&'static str, &'static Group>;
    let _: fn(&Radio, Msg, Group) -> Result<(), Error<Msg>> =
        Radio::try_transmit::<Msg, Group>;
    let _: fn(&Radio) -> Result<bool, Error> = Radio::no_drop;
    let _: fn(&Radio, bool) -> Result<(), Error> = Radio::set_no_drop;
    let _: fn(&Dish, &'static Group) -> Result<(), Error> =
        Dish::join::<&'static Group>;
    let _: fn(&Dish, &'static Group) -> Result<(), Error> =
        Dish::leave::<&'static Group>;
    let _: fn(&Dish) -> Vec<Group> = Dish::joined;

    is_clone_eq_debug::<SocketType>();
    let sockets = [
        SocketType::Client(Client::new()?),
        SocketType::Server(Server::new()?),
        SocketType::Radio(Radio::new()?),
        SocketType::Dish(Dish::new()?),
        SocketType::Gather(Gather::new()?),
        SocketType::Scatter(Scatter::new()?),
    ];
    for socket in &sockets {
        #[allow(unreachable_patterns)]
        match socket {
            SocketType::Client(_)
            | SocketType::Server(_)
            | SocketType::Radio(_)
            | SocketType::Dish(_)
            | SocketType::Gather(_)
            | SocketType::Scatter(_) => (),
            _ => unreachable!(),
        }
    }

    // The README / `Client` / `Server` doc example.
    let addr: TcpAddr = "127.0.0.1:*".try_into()?;
    let server = ServerBuilder::new().bind(addr).build()?;
    let bound = server.last_endpoint()?;
    let client = ClientBuilder::new().connect(bound).build()?;
    client.send("tell me something")?;
    let msg = server.recv_msg()?;
    let id = msg.routing_id().unwrap();
    server.route("it takes time to become young", id)?;
    server.route("and now you know", id)?;
    let reply = client.recv_msg()?;
    assert_eq!(reply.routing_id(), None);
    assert_eq!(reply.to_str()?, "it takes time to become young");
    assert_eq!(client.recv_msg()?.to_str()?, "and now you know");

    // Defaults the docs show.
    assert_eq!(client.send_hwm()?, 1000);
    assert_eq!(client.recv_hwm()?, 1000);
    assert_eq!(client.send_timeout()?, Period::Infinite);
    assert_eq!(client.heartbeat(), None);
    let hb = Heartbeat::new(Duration::from_millis(300))
        .add_timeout(Duration::from_millis(600));
    client.set_heartbeat(Some(hb.clone()))?;
    assert_eq!(client.heartbeat(), Some(hb));
    Ok(())
}

// ---- configs and builders, and the config/builder traits of the prelude --------------------

fn configure_socket<C: ConfigureSocket>() {
    let _: fn(&C) -> Option<&[Endpoint]> = <C as ConfigureSocket>::connect;
    let _: fn(&mut C, Option<Vec<TcpAddr>>) =
        <C as ConfigureSocket>::set_connect::<Vec<TcpAddr>, TcpAddr>;
    let _: fn(&C) -> Option<&[Endpoint]> = <C as ConfigureSocket>::bind;
    let _: fn(&mut C, Option<&'static InprocAddr>) =
        <C as ConfigureSocket>::set_bind::<
            &'static InprocAddr,
            &'static InprocAddr,
        >;
}

fn configure_send<C: ConfigureSend>() {
    let _: fn(&C) -> i32 = <C as ConfigureSend>::send_hwm;
    let _: fn(&mut C, i32) = <C as ConfigureSend>::set_send_hwm;
    let _: fn(&C) -> Period = <C as ConfigureSend>::send_timeout;
    let _: fn(&mut C, Period) = <C as ConfigureSend>::set_send_timeout;
}

fn configure_recv<C: ConfigureRecv>() {
    let _: fn(&C) -> i32 = <C as ConfigureRecv>::recv_hwm;
    let _: fn(&mut C, i32) = <C as ConfigureRecv>::set_recv_hwm;
    let _: fn(&C) -> Period = <C as ConfigureRecv>::recv_timeout;
    let _: fn(&mut C, Period) = <C as ConfigureRecv>::set_recv_timeout;
}

fn configure_heartbeating<C: ConfigureHeartbeating>() {
    let _: fn(&C) -> Option<&Heartbeat> =
        <C as ConfigureHeartbeating>::heartbeat;
    let _: fn(&mut C, Option<Heartbeat>) =
        <C as ConfigureHeartbeating>::set_heartbeat;
}

fn build_socket<B: BuildSocket>() {
    let _: for<'a> fn(&'a mut B, &'static [TcpAddr; 2]) -> &'a mut B =
        <B as BuildSocket>::connect::<&'static [TcpAddr; 2], &'static TcpAddr>;
    let _: fn(&mut B, Vec<Endpoint>) -> &mut B =
        <B as BuildSocket>::bind::<Vec<Endpoint>, Endpoint>;
}

fn build_send<B: BuildSend>() {
    let _: fn(&mut B, i32) -> &mut B = <B as BuildSend>::send_hwm;
    let _: fn(&mut B, Duration) -> &mut B = <B as BuildSend>::send_timeout;
}

fn build_recv<B: BuildRecv>() {
    let _: fn(&mut B, i32) -> &mut B = <B as BuildRecv>::recv_hwm;
    let _: fn(&mut B, Duration) -> &mut B = <B as BuildRecv>::recv_timeout;
}

fn build_heartbeating<B: BuildHeartbeating>() {
    let _: fn(&mut B, Heartbeat) -> &mut B =
        <B as BuildHeartbeating>::heartbeat::<Heartbeat>;
    let _: for<'a> fn(&'a mut B, &'static Heartbeat) -> &'a mut B =
        <B as BuildHeartbeating>::heartbeat::<&'static Heartbeat>;
}

/// What every config and builder has.
macro_rules! config_and_builder {
    ($socket:ty, $config:ty, $builder:ty) => {{
        let _: fn() -> $config = <$config>::new;
        let _: fn(&$config) -> Result<$socket, Error> = <$config>::build;
        let _: fn(&$config, CtxHandle) -> Result<$socket, Error> =
            <$config>::with_ctx;
        let _: fn(&$config, &$socket) -> Result<(), Error> = <$config>::apply;
        let _: fn() -> $builder = <$builder>::new;
        let _: fn(&$builder) -> Result<$socket, Error> = <$builder>::build;
        let _: fn(&$builder, CtxHandle) -> Result<$socket, Error> =
            <$builder>::with_ctx;
        is_config::<$config>();
        is_builder::<$builder>();
        configure_socket::<$config>();
        build_socket::<$builder>();
        let _: ConfigType = <$config>::new().into();
        let socket: $socket = <$config>::new().build()?;
        <$config>::new().apply(&socket)?;
        let _: $socket = <$builder>::new().build()?;
        // A default config survives a YAML round trip.
        let yaml = serde_yaml::to_string(&<$config>::new())?;
        assert_eq!(serde_yaml::from_str::<$config>(&yaml)?, <$config>::new());
    }};
}

#[test]
fn configs_and_builders() -> Result<(), anyhow::Error> {
    config_and_builder!(Client, ClientConfig, ClientBuilder);
    config_and_builder!(Server, ServerConfig, ServerBuilder);
    config_and_builder!(Radio, RadioConfig, RadioBuilder);
    config_and_builder!(Dish, DishConfig, DishBuilder);
    config_and_builder!(Scatter, ScatterConfig, ScatterBuilder);
    config_and_builder!(Gather, GatherConfig, GatherBuilder);

    configure_send::<ClientConfig>();
    configure_send::<ServerConfig>();
    configure_send::<RadioConfig>();
    configure_send::<ScatterConfig>();
    configure_recv::<ClientConfig>();
    configure_recv::<ServerConfig>();
    configure_recv::<DishConfig>();
    configure_recv::<GatherConfig>();
    configure_heartbeating::<ClientConfig>();
    configure_heartbeating::<ServerConfig>();
    configure_heartbeating::<ScatterConfig>();
    configure_heartbeating::<GatherConfig>();

    build_send::<ClientBuilder>();
    build_send::<ServerBuilder>();
    build_send::<RadioBuilder>();
    build_send::<ScatterBuilder>();
    build_recv::<ClientBuilder>();
    build_recv::<ServerBuilder>();
    build_recv::<DishBuilder>();
    build_recv::<GatherBuilder>();
    build_heartbeating::<ClientBuilder>();
    build_heartbeating::<ServerBuilder>();
    build_heartbeating::<ScatterBuilder>();
    build_heartbeating::<GatherBuilder>();

    let _: fn(&RadioConfig) -> bool = RadioConfig::no_drop;
    let _: fn(&mut RadioConfig, bool) = RadioConfig::set_no_drop;
    let _: fn(&mut RadioBuilder) -> &mut RadioBuilder = RadioBuilder::no_drop;
    let _: fn(&DishConfig) -> Option<&[Group]> = DishConfig::groups;
    let _: fn(&mut DishConfig, Option<Vec<Group>>) =
        DishConfig::set_groups::<Vec<Group>>;
    let _: for<'a> fn(
        &'a mut DishBuilder,
        &'static Group,
    ) -> &'a mut DishBuilder =
        DishBuilder::join::<&'static Group, &'static Group>;

    // The `ClientBuilder` / `ClientConfig` shapes of the docs.
    let hb = Heartbeat::new(Duration::from_millis(300));
    let addr: InprocAddr = InprocAddr::new_unique();
    let server = ServerBuilder::new()
        .bind(&addr)
        .send_timeout(Duration::from_millis(300))
        .heartbeat(&hb)
        .build()?;
    let client = ClientBuilder::new()
        .connect(&addr)
        .recv_timeout(Duration::from_millis(300))
        .send_timeout(Duration::from_millis(300))
        .heartbeat(hb)
        .build()?;
    client.send("ping")?;
    assert_eq!(server.recv_msg()?.to_str()?, "ping");

    let mut config = ClientConfig::new();
    config.set_connect(Some(&addr));
    config.set_send_hwm(10);
    config.set_recv_timeout(Period::Finite(Duration::from_millis(300)));
    assert_eq!(config.connect().unwrap().len(), 1);
    assert_eq!(config.send_hwm(), 10);

    let mut dish = DishConfig::new();
    dish.set_groups(Some(vec![Group::try_from("g")?]));
    assert_eq!(dish.groups().unwrap().len(), 1);
    let mut radio = RadioConfig::new();
    radio.set_no_drop(true);
    assert!(radio.no_drop());
    assert!(RadioBuilder::new().no_drop().build()?.no_drop()?);

    // The seed guide's client section (without its mechanism, see
    // auth_paths.rs): the old HWM names are accepted aliases.
    let client: ClientConfig = serde_yaml::from_str(
        "
heartbeat:
    interval: 1s
    timeout: 3s
    ttl: 3s
send_high_water_mark: 10
send_timeout: 300ms
recv_high_water_mark: 100
recv_timeout: 300ms
",
    )?;
    assert_eq!(client.send_hwm(), 10);
    assert_eq!(client.recv_hwm(), 100);
    assert_eq!(
        client.send_timeout(),
        Period::Finite(Duration::from_millis(300))
    );
    let server: ServerConfig =
        serde_yaml::from_str("bind:\n  - tcp: \"127.0.0.1:*\"\n")?;
    assert!(server.bind().unwrap()[0].is_tcp());
    Ok(())
}

#[test]
fn config_type() -> Result<(), anyhow::Error> {
    let _: fn(&ConfigType) -> Result<SocketType, Error> = ConfigType::build;
    let _: fn(&ConfigType, CtxHandle) -> Result<SocketType, Error> =
        ConfigType::with_ctx;
    is_config_type::<ConfigType>();
    fn is_config_type<
        T: std::fmt::Debug
            + Clone
            + PartialEq
            + Eq
            + Hash
            + Serialize
            + DeserializeOwned,
    >() {
    }

    let configs = vec![
        ConfigType::Client(ClientConfig::new()),
        ConfigType::Server(ServerConfig::new()),
        ConfigType::Radio(RadioConfig::new()),
        ConfigType::Dish(DishConfig::new()),
        ConfigType::Gather(GatherConfig::new()),
        ConfigType::Scatter(ScatterConfig::new()),
    ];
    let yaml = serde_yaml::to_string(&configs)?;
    assert_eq!(serde_yaml::from_str::<Vec<ConfigType>>(&yaml)?, configs);
    let parsed: ConfigType = serde_yaml::from_str("client:\n  send_hwm: 5\n")?;
    match parsed.build()? {
        SocketType::Client(client) => assert_eq!(client.send_hwm()?, 5),
        other => panic!("unexpected {other:?}"),
    }
    Ok(())
}

// ---- poll ---------------------------------------------------------------------------------

#[test]
fn poll() -> Result<(), anyhow::Error> {
    let _: Trigger = EMPTY;
    let both: Trigger = READABLE | WRITABLE;
    assert!(both.contains(READABLE));
    assert_eq!(READABLE.bits(), 1);
    assert_eq!(WRITABLE.bits(), 2);
    let _ = Trigger::EMPTY;

    let id: PollId = 3.into();
    let raw: usize = id.into();
    assert_eq!(PollId(raw), id);

    let _: fn() -> Poller = Poller::new;
    let _: fn(
        &mut Poller,
        &'static Server,
        PollId,
        Trigger,
    ) -> Result<(), Error> = Poller::add::<&'static Server>;
    let _: fn(&mut Poller, &'static Client) -> Result<(), Error> =
        Poller::remove::<&'static Client>;
    let _: fn(&mut Poller, &'static Dish, Trigger) -> Result<(), Error> =
        Poller::modify::<&'static Dish>;
    let _: fn(&mut Poller, &mut Events) -> Result<(), Error> = Poller::try_poll;
    let _: fn(&mut Poller, &mut Events, Period) -> Result<(), Error> =
        Poller::poll;
    let _: fn() -> Events = Events::new;
    let _: fn(usize) -> Events = Events::with_capacity;
    let _: fn(&Events) -> usize = Events::capacity;
    let _: fn(&Events) -> bool = Events::is_empty;
    let _: fn(&Events) -> Iter<'_> = Events::iter;
    let _: fn(&mut Events) = Events::clear;
    let _: fn(Events) -> IntoIter = <Events as IntoIterator>::into_iter;
    let _: fn(&Event) -> bool = Event::is_readable;
    let _: fn(&Event) -> bool = Event::is_writable;
    let _: fn(&Event) -> bool = Event::is_error;
    let _: fn(&Event) -> bool = Event::is_priority;
    let _: fn(&Event) -> PollId = Event::id;
    fn poller_traits<T: std::fmt::Debug + PartialEq + Eq + Default>() {}
    poller_traits::<Poller>();

    // Every socket type is pollable, and so is anything `AsRawFd`.
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let pollable: Pollable<'_> = (&listener).into();
    assert!(matches!(pollable, Pollable::Fd(_)));
    let client = Client::new()?;
    let pollable: Pollable<'_> = (&client).into();
    assert!(matches!(pollable, Pollable::Socket(_)));
    let server = Server::new()?;
    let radio = Radio::new()?;
    let dish = Dish::new()?;
    let scatter = Scatter::new()?;
    let gather = Gather::new()?;
    let mut poller = Poller::new();
    poller.add(&client, PollId(0), READABLE)?;
    poller.add(&server, PollId(1), READABLE)?;
    poller.add(&radio, PollId(2), EMPTY)?;
    poller.add(&dish, PollId(3), READABLE)?;
    poller.add(&scatter, PollId(4), EMPTY)?;
    poller.add(&gather, PollId(5), READABLE)?;
    poller.add(&listener, PollId(6), READABLE)?;
    let mut events = Events::with_capacity(8);
    let err = poller.try_poll(&mut events).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::WouldBlock);
    assert!(events.is_empty());
    for event in &events {
        let _: Event = event;
    }
    poller.modify(&server, WRITABLE)?;
    poller.try_poll(&mut events)?;
    let ids: Vec<PollId> = events.iter().map(|event| event.id()).collect();
    assert_eq!(ids, vec![PollId(1)]);
    for event in events {
        assert!(event.is_writable());
    }
    poller.remove(&server)?;
    Ok(())
}

// ---- prelude: the std conversion traits ------------------------------------------------------

#[test]
fn prelude_reexports_std_conversions() -> Result<(), anyhow::Error> {
    // `TryFrom` and `TryInto` come with `use libzmq::prelude::*`.
    let addr = <TcpAddr as TryFrom<&str>>::try_from("127.0.0.1:*")?;
    let same: TcpAddr = "127.0.0.1:*".try_into()?;
    assert_eq!(addr, same);
    Ok(())
}
