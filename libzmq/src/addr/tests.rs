use super::*;
use crate::{Error, ErrorKind};

use rand::{rngs::StdRng, Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use std::{convert::TryInto, fmt::Debug};

fn err<T: Debug>(result: Result<T, AddrParseError>) -> &'static str {
    result.unwrap_err().msg()
}

fn v4(a: u8, b: u8, c: u8, d: u8) -> Interface {
    Interface::Ip(IpAddr::V4(Ipv4Addr::new(a, b, c, d)))
}

fn host(name: &str) -> Interface {
    Interface::Hostname(Hostname::new(name).unwrap())
}

#[test]
fn parse_error_display() {
    let e = AddrParseError::new("empty port");
    assert_eq!(e.msg(), "empty port");
    assert_eq!(e.to_string(), "cannot parse address : empty port");
    let e: Error = e.into();
    assert_eq!(e.kind(), ErrorKind::InvalidInput("empty port"));
}

#[test]
fn hostname() {
    for ok in [
        "localhost",
        "eth0",
        "server-name",
        "example.com",
        "my-host.local",
        "a.b.c.d.e",
        "fqdn.example.com.",
        "UPPER-case.Example.ORG",
        "1.2.3.4.5",
        "x",
    ] {
        let name = Hostname::new(ok).unwrap();
        assert_eq!(name.as_str(), ok);
        assert_eq!(name.to_string(), ok);
        assert_eq!(ok.parse::<Hostname>().unwrap(), name);
        let from_string: Hostname = ok.to_owned().try_into().unwrap();
        assert_eq!(from_string, name);
    }
    assert_eq!(err(Hostname::new("")), "empty hostname");
    for bad in [
        "no space",
        "a/b",
        "under_score",
        "colon:",
        "semi;colon",
        "*",
        "é",
        "tab\t",
        "nul\0",
        "[::1]",
    ] {
        assert_eq!(
            err(Hostname::new(bad)),
            "hostname contains illegal char",
            "{:?}",
            bad
        );
    }
    for bad in [".", "..", ".a", "a..b", "a.b..", "a.."] {
        assert_eq!(
            err(Hostname::new(bad)),
            "hostname contains empty label",
            "{:?}",
            bad
        );
    }
    assert!(Hostname::new("a".repeat(253)).is_ok());
    assert_eq!(
        err(Hostname::new("a".repeat(254))),
        "hostname cannot exceed 253 chars"
    );
}

#[test]
fn port() {
    assert_eq!("*".parse::<Port>().unwrap(), Port::Unspecified);
    assert_eq!("0".parse::<Port>().unwrap(), Port::Specified(0));
    assert_eq!("5555".parse::<Port>().unwrap(), Port::Specified(5555));
    assert_eq!("65535".parse::<Port>().unwrap(), Port::Specified(65535));
    assert_eq!("00080".parse::<Port>().unwrap(), Port::Specified(80));
    assert_eq!(err("".parse::<Port>()), "empty port");
    for bad in [
        "65536",
        "-1",
        "+5",
        " 80",
        "80 ",
        "http",
        "**",
        "1e3",
        "99999999999999999999",
    ] {
        assert_eq!(
            err(bad.parse::<Port>()),
            "invalid port number",
            "{:?}",
            bad
        );
    }
    assert!(Port::Specified(1).is_specified());
    assert!(!Port::Specified(1).is_unspecified());
    assert!(Port::Unspecified.is_unspecified());
    assert!(!Port::Unspecified.is_specified());
    assert_eq!(Port::Unspecified.to_string(), "*");
    assert_eq!(Port::Specified(42).to_string(), "42");
}

#[test]
fn interface() {
    assert_eq!("0.0.0.0".parse::<Interface>().unwrap(), v4(0, 0, 0, 0));
    assert_eq!("*".parse::<Interface>().unwrap(), v4(0, 0, 0, 0));
    assert_eq!(
        "::1".parse::<Interface>().unwrap(),
        Interface::Ip(IpAddr::V6(Ipv6Addr::LOCALHOST))
    );
    assert_eq!(
        "[::1]".parse::<Interface>().unwrap(),
        Interface::Ip(IpAddr::V6(Ipv6Addr::LOCALHOST))
    );
    assert_eq!("eth0".parse::<Interface>().unwrap(), host("eth0"));
    assert_eq!(
        "example.com".parse::<Interface>().unwrap(),
        host("example.com")
    );
    // Brackets are stripped, as libzmq does.
    assert_eq!("[eth0]".parse::<Interface>().unwrap(), host("eth0"));
    assert_eq!(err("".parse::<Interface>()), "empty interface");
    assert_eq!(err("[]".parse::<Interface>()), "empty interface");
    assert_eq!(
        err("a b".parse::<Interface>()),
        "hostname contains illegal char"
    );
    assert_eq!(
        err("[[::1]]".parse::<Interface>()),
        "hostname contains illegal char"
    );
    assert_eq!(
        Interface::Ip(IpAddr::V6(Ipv6Addr::LOCALHOST)).to_string(),
        "::1"
    );
    assert_eq!(host("eth0").to_string(), "eth0");
    assert_eq!(
        Interface::from(IpAddr::V4(Ipv4Addr::LOCALHOST)),
        v4(127, 0, 0, 1)
    );
    assert_eq!(Interface::from(Hostname::new("h").unwrap()), host("h"));
}

#[test]
fn socket_addr() {
    let addr: SocketAddr = "127.0.0.1:3000".parse().unwrap();
    assert_eq!(addr.interface(), &v4(127, 0, 0, 1));
    assert_eq!(addr.port(), Port::Specified(3000));
    assert_eq!(addr.to_string(), "127.0.0.1:3000");
    assert_eq!(
        addr,
        SocketAddr::new(v4(127, 0, 0, 1), Port::Specified(3000))
    );

    let addr: SocketAddr = "[2001:db8::1]:8080".parse().unwrap();
    assert_eq!(addr.to_string(), "[2001:db8::1]:8080");
    // The unbracketed IPv6 form is accepted, and printed with brackets.
    let legacy: SocketAddr = "::1:5555".parse().unwrap();
    assert_eq!(
        legacy.interface(),
        &Interface::Ip(IpAddr::V6(Ipv6Addr::LOCALHOST))
    );
    assert_eq!(legacy.to_string(), "[::1]:5555");

    let addr: SocketAddr = "*:5555".parse().unwrap();
    assert_eq!(addr.interface(), &v4(0, 0, 0, 0));
    assert_eq!(addr.to_string(), "0.0.0.0:5555");

    let addr: SocketAddr = "example.com:*".parse().unwrap();
    assert_eq!(addr.interface(), &host("example.com"));
    assert!(addr.port().is_unspecified());

    assert_eq!(
        err("localhost".parse::<SocketAddr>()),
        "invalid addr format"
    );
    assert_eq!(err("".parse::<SocketAddr>()), "invalid addr format");
    assert_eq!(err(":80".parse::<SocketAddr>()), "empty interface");
    assert_eq!(err("host:".parse::<SocketAddr>()), "empty port");
    assert_eq!(err("host:x".parse::<SocketAddr>()), "invalid port number");
    assert_eq!(
        err("[::1]".parse::<SocketAddr>()),
        "hostname contains illegal char"
    );
    assert_eq!(
        err("a b:80".parse::<SocketAddr>()),
        "hostname contains illegal char"
    );

    let std_addr: net::SocketAddr = "[::1]:42".parse().unwrap();
    let addr = SocketAddr::from(std_addr);
    assert_eq!(addr.to_string(), "[::1]:42");
    assert_eq!(SocketAddr::from(&std_addr), addr);
    assert_eq!(SocketAddr::from(&addr), addr);
    let std_addr: net::SocketAddr = "10.0.0.1:7".parse().unwrap();
    assert_eq!(SocketAddr::from(std_addr).to_string(), "10.0.0.1:7");
}

#[test]
fn src_addr() {
    let src: SrcAddr = "192.168.1.17:*".parse().unwrap();
    assert_eq!(
        src,
        SrcAddr::Socket(SocketAddr::new(
            v4(192, 168, 1, 17),
            Port::Unspecified
        ))
    );
    let src: SrcAddr = "eth0".parse().unwrap();
    assert_eq!(src, SrcAddr::Interface(host("eth0")));
    let src: SrcAddr = "::1".parse().unwrap();
    assert_eq!(
        src,
        SrcAddr::Interface(Interface::Ip(IpAddr::V6(Ipv6Addr::LOCALHOST)))
    );
    assert_eq!(src.to_string(), "[::1]");
    assert_eq!("[::1]".parse::<SrcAddr>().unwrap(), src);
    // An interface that could be read as a socket address is printed with
    // brackets, so that it parses back to an interface.
    let tricky = SrcAddr::Interface("::1:5".parse().unwrap());
    assert_eq!(tricky.to_string(), "[::1:5]");
    assert_eq!(tricky.to_string().parse::<SrcAddr>().unwrap(), tricky);

    assert_eq!(err("".parse::<SrcAddr>()), "empty interface");
    assert_eq!(err("eth0:x".parse::<SrcAddr>()), "invalid port number");
    assert_eq!(
        err("a b".parse::<SrcAddr>()),
        "hostname contains illegal char"
    );

    let addr: SocketAddr = "1.2.3.4:5".parse().unwrap();
    assert_eq!(SrcAddr::from(&addr), SrcAddr::Socket(addr.clone()));
    assert_eq!(SrcAddr::from(addr.clone()), SrcAddr::Socket(addr.clone()));
    let src = SrcAddr::from(addr);
    assert_eq!(SrcAddr::from(&src), src);
}

#[test]
fn network_addrs_parse_examples() {
    let tcp: TcpAddr = "eth0;192.168.1.1:5555".try_into().unwrap();
    assert_eq!(tcp.src(), Some(&SrcAddr::Interface(host("eth0"))));
    assert_eq!(tcp.host().to_string(), "192.168.1.1:5555");
    assert_eq!(tcp.to_string(), "eth0;192.168.1.1:5555");

    let tcp: TcpAddr = "[2001:db8::1]:8080".try_into().unwrap();
    assert!(tcp.src().is_none());
    let tcp: TcpAddr = "127.0.0.1:*".try_into().unwrap();
    assert!(tcp.host().port().is_unspecified());
    let tcp: TcpAddr = "192.168.1.17:*;192.168.1.1:555".parse().unwrap();
    assert_eq!(tcp.to_string(), "192.168.1.17:*;192.168.1.1:555");

    let udp: UdpAddr = "239.0.0.1:5555".try_into().unwrap();
    assert!(udp.src().is_none());
    let udp: UdpAddr = "eth0;[ff02::1]:5555".try_into().unwrap();
    assert_eq!(udp.to_string(), "eth0;[ff02::1]:5555");

    let host_addr: SocketAddr = "localhost:5555".try_into().unwrap();
    let a = UdpAddr::new(&host_addr);
    let b = UdpAddr::new(host_addr.clone());
    assert_eq!(a, b);
    let src: SrcAddr = "eth0".try_into().unwrap();
    let a = a.add_src(&src);
    let b = b.add_src(&host_addr);
    assert_eq!(a.src(), Some(&src));
    assert_eq!(b.src(), Some(&SrcAddr::Socket(host_addr.clone())));
    // add_src replaces.
    assert_eq!(b.add_src(src.clone()).src(), Some(&src));

    let pgm: PgmAddr = "192.168.1.1;239.192.1.1:5555".try_into().unwrap();
    assert_eq!(pgm.to_string(), "192.168.1.1;239.192.1.1:5555");
    let epgm: EpgmAddr = "eth0;239.192.1.1:5555".try_into().unwrap();
    assert_eq!(epgm.to_string(), "eth0;239.192.1.1:5555");

    let s = String::from("127.0.0.1:1");
    let _: TcpAddr = (&s).try_into().unwrap();
    let _: TcpAddr = s.try_into().unwrap();
    assert_eq!(
        TcpAddr::from("1.1.1.1:1".parse::<SocketAddr>().unwrap()),
        "1.1.1.1:1".parse::<TcpAddr>().unwrap()
    );
}

#[test]
fn network_addrs_errors() {
    assert_eq!(err("".parse::<TcpAddr>()), "invalid addr format");
    assert_eq!(err("127.0.0.1".parse::<TcpAddr>()), "invalid addr format");
    assert_eq!(err(";127.0.0.1:1".parse::<TcpAddr>()), "empty interface");
    assert_eq!(err("eth0;".parse::<UdpAddr>()), "invalid addr format");
    assert_eq!(
        err("a;b;127.0.0.1:1".parse::<TcpAddr>()),
        "hostname contains illegal char"
    );
    assert_eq!(
        err("a b;127.0.0.1:1".parse::<PgmAddr>()),
        "hostname contains illegal char"
    );
    assert_eq!(
        err("eth0;1.1.1.1:-1".parse::<EpgmAddr>()),
        "invalid port number"
    );
    let result: Result<TcpAddr, _> = "tcp://127.0.0.1:1".try_into();
    assert!(result.is_err());
}

#[test]
fn inproc() {
    let addr: InprocAddr = "test".try_into().unwrap();
    assert_eq!(addr.as_str(), "test");
    assert_eq!(addr.to_string(), "test");
    let addr: InprocAddr = "LKH*O&_[::O2134KG".try_into().unwrap();
    assert_eq!(addr.as_str(), "LKH*O&_[::O2134KG");
    assert_eq!(err(InprocAddr::new("")), "empty host");
    assert!(InprocAddr::new("a".repeat(INPROC_MAX_SIZE)).is_ok());
    assert_eq!(
        err(InprocAddr::new("a".repeat(INPROC_MAX_SIZE + 1))),
        "host cannot exceed `INPROC_MAX_SIZE` chars"
    );
    // Counted in bytes.
    assert!(InprocAddr::new("é".repeat(128)).is_ok());
    assert!(InprocAddr::new("é".repeat(129)).is_err());
    assert_eq!(INPROC_MAX_SIZE, 256);

    let unique = InprocAddr::new_unique();
    let uuid = uuid::Uuid::parse_str(unique.as_str()).unwrap();
    assert_eq!(uuid.get_version_num(), 4);
    assert_ne!(unique, InprocAddr::new_unique());
    assert_eq!(unique.to_string().parse::<InprocAddr>().unwrap(), unique);

    let s = String::from("x");
    let _: InprocAddr = (&s).try_into().unwrap();
    let _: InprocAddr = s.try_into().unwrap();
}

#[test]
fn endpoint_kinds() {
    let tcp = Endpoint::from("1.1.1.1:1".parse::<TcpAddr>().unwrap());
    let udp = Endpoint::from(&"1.1.1.1:1".parse::<UdpAddr>().unwrap());
    let inproc = Endpoint::from(InprocAddr::new("x").unwrap());
    let pgm = Endpoint::from("1.1.1.1:1".parse::<PgmAddr>().unwrap());
    let epgm = Endpoint::from(&"1.1.1.1:1".parse::<EpgmAddr>().unwrap());
    let all = [&tcp, &udp, &inproc, &pgm, &epgm];
    let checks: [fn(&Endpoint) -> bool; 5] = [
        Endpoint::is_tcp,
        Endpoint::is_udp,
        Endpoint::is_inproc,
        Endpoint::is_pgm,
        Endpoint::is_epgm,
    ];
    for (i, endpoint) in all.iter().enumerate() {
        for (j, check) in checks.iter().enumerate() {
            assert_eq!(check(endpoint), i == j, "{:?} check {}", endpoint, j);
        }
    }
    #[allow(deprecated)]
    {
        assert!(epgm.is_edpgm());
        assert!(!pgm.is_edpgm());
    }
    assert_eq!(Endpoint::from(&tcp), tcp);
    let as_ref: &Endpoint = tcp.as_ref();
    assert_eq!(as_ref, &tcp);
}

/// Mimics the signature of `Socket::connect`/`bind`.
fn endpoints<I, E>(endpoints: I) -> Vec<Endpoint>
where
    I: IntoIterator<Item = E>,
    E: Into<Endpoint>,
{
    endpoints.into_iter().map(E::into).collect()
}

#[test]
fn into_endpoints() {
    let a: TcpAddr = "1.1.1.1:1".parse().unwrap();
    let b: TcpAddr = "2.2.2.2:2".parse().unwrap();
    assert_eq!(endpoints(&a).len(), 1);
    assert_eq!(endpoints(a.clone()).len(), 1);
    assert_eq!(endpoints(&[a.clone(), b.clone()]).len(), 2);
    assert_eq!(endpoints(vec![a.clone(), b.clone()]).len(), 2);
    let ep = Endpoint::from(&a);
    assert_eq!(endpoints(&ep), vec![ep.clone()]);
    assert_eq!(endpoints(ep.clone()), vec![ep.clone()]);
    let inproc = InprocAddr::new_unique();
    assert_eq!(endpoints(&inproc), vec![Endpoint::Inproc(inproc.clone())]);
    assert_eq!(endpoints(inproc.clone()).len(), 1);
    let udp: UdpAddr = "1.1.1.1:1".parse().unwrap();
    assert_eq!(endpoints(&udp).len(), 1);
    assert_eq!(endpoints(udp).len(), 1);
    let pgm: PgmAddr = "1.1.1.1:1".parse().unwrap();
    assert_eq!(endpoints(&pgm).len(), 1);
    let epgm: EpgmAddr = "1.1.1.1:1".parse().unwrap();
    assert_eq!(endpoints(epgm).len(), 1);
}

#[test]
fn zmq_strings() {
    let cases = [
        "tcp://127.0.0.1:5555",
        "tcp://eth0;192.168.1.1:5555",
        "tcp://[::ffff:127.0.0.1]:40000",
        "tcp://example.com:80",
        "tcp://0.0.0.0:*",
        "udp://239.0.0.1:5555",
        "udp://eth0;[ff02::1]:5555",
        "inproc://test",
        "inproc://a;b://c",
        "pgm://192.168.1.1;239.192.1.1:5555",
        "epgm://eth0;239.192.1.1:5555",
    ];
    for case in cases {
        let endpoint = Endpoint::from_zmq_str(case).unwrap();
        assert_eq!(endpoint.to_zmq_string(), case);
    }
    assert!(Endpoint::from_zmq_str("pgm://1.1.1.1:1").unwrap().is_pgm());
    assert!(Endpoint::from_zmq_str("epgm://1.1.1.1:1")
        .unwrap()
        .is_epgm());
    let ep = Endpoint::from_zmq_str("tcp://[::ffff:127.0.0.1]:40000").unwrap();
    match ep {
        Endpoint::Tcp(addr) => assert!(addr.host().port().is_specified()),
        _ => panic!("not tcp"),
    }

    assert_eq!(
        err(Endpoint::from_zmq_str("127.0.0.1:1")),
        "missing transport scheme"
    );
    assert_eq!(err(Endpoint::from_zmq_str("")), "missing transport scheme");
    for bad in ["vmci://1:2", "TCP://1.1.1.1:1", "://x"] {
        assert_eq!(
            err(Endpoint::from_zmq_str(bad)),
            "unsupported transport scheme",
            "{}",
            bad
        );
    }
    assert_eq!(err(Endpoint::from_zmq_str("tcp://")), "invalid addr format");
    assert_eq!(err(Endpoint::from_zmq_str("inproc://")), "empty host");
}

/// A random interface: IPv4, IPv6, `*`-equivalent or hostname.
fn random_interface(rng: &mut StdRng) -> Interface {
    match rng.gen_range(0..4) {
        0 => Interface::Ip(IpAddr::V4(Ipv4Addr::from(rng.gen::<u32>()))),
        1 => {
            let mut segments = [0u16; 8];
            for s in segments.iter_mut() {
                // Plenty of zeros to exercise the `::` compression.
                *s = if rng.gen_bool(0.5) { 0 } else { rng.gen() };
            }
            Interface::Ip(IpAddr::V6(Ipv6Addr::from(segments)))
        }
        2 => Interface::Ip(IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
        _ => {
            const CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCXYZ0123456789-";
            let labels = rng.gen_range(1..4);
            let mut name = String::new();
            for i in 0..labels {
                if i > 0 {
                    name.push('.');
                }
                for _ in 0..rng.gen_range(1..10) {
                    name.push(CHARS[rng.gen_range(0..CHARS.len())] as char);
                }
            }
            match Interface::parse_bare(&name) {
                Ok(interface) => interface,
                Err(_) => host("fallback"),
            }
        }
    }
}

fn random_socket_addr(rng: &mut StdRng) -> SocketAddr {
    let port = if rng.gen_bool(0.2) {
        Port::Unspecified
    } else {
        Port::Specified(rng.gen())
    };
    SocketAddr::new(random_interface(rng), port)
}

fn random_src(rng: &mut StdRng) -> Option<SrcAddr> {
    match rng.gen_range(0..3) {
        0 => None,
        1 => Some(SrcAddr::Socket(random_socket_addr(rng))),
        _ => Some(SrcAddr::Interface(random_interface(rng))),
    }
}

fn random_tcp(rng: &mut StdRng) -> TcpAddr {
    let addr = TcpAddr::new(random_socket_addr(rng));
    match random_src(rng) {
        Some(src) => addr.add_src(src),
        None => addr,
    }
}

#[test]
fn display_from_str_round_trips() {
    let mut rng = StdRng::seed_from_u64(0x5eed);
    for _ in 0..2000 {
        let tcp = random_tcp(&mut rng);
        let text = tcp.to_string();
        let parsed: TcpAddr =
            text.parse().unwrap_or_else(|e| panic!("{}: {}", text, e));
        assert_eq!(parsed, tcp, "{}", text);
        // Display of a parsed value is canonical.
        assert_eq!(parsed.to_string(), text);

        for ep in [
            Endpoint::Tcp(tcp.clone()),
            Endpoint::Udp(text.parse().unwrap()),
            Endpoint::Pgm(text.parse().unwrap()),
            Endpoint::Epgm(text.parse().unwrap()),
        ] {
            let zmq = ep.to_zmq_string();
            assert_eq!(Endpoint::from_zmq_str(&zmq).unwrap(), ep, "{}", zmq);
        }

        let addr = random_socket_addr(&mut rng);
        assert_eq!(addr.to_string().parse::<SocketAddr>().unwrap(), addr);
        if let Some(src) = random_src(&mut rng) {
            assert_eq!(src.to_string().parse::<SrcAddr>().unwrap(), src);
        }
        let interface = random_interface(&mut rng);
        assert_eq!(
            interface.to_string().parse::<Interface>().unwrap(),
            interface
        );
        let port = addr.port();
        assert_eq!(port.to_string().parse::<Port>().unwrap(), port);
    }
}

#[test]
fn no_panic_on_garbage() {
    const ALPHABET: &[char] = &[
        'a', 'z', '0', '9', '.', ':', ';', '[', ']', '*', '-', '/', ' ', '\0',
        'é', '%', '_',
    ];
    let mut rng = StdRng::seed_from_u64(42);
    for _ in 0..20_000 {
        let len = rng.gen_range(0..24);
        let s: String = (0..len)
            .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())])
            .collect();
        let _ = s.parse::<Hostname>();
        let _ = s.parse::<Port>();
        let _ = s.parse::<Interface>();
        let _ = s.parse::<SocketAddr>();
        let _ = s.parse::<SrcAddr>();
        let _ = s.parse::<InprocAddr>();
        if let Ok(tcp) = s.parse::<TcpAddr>() {
            // Anything accepted prints back to something that parses to
            // the same value.
            assert_eq!(
                tcp.to_string().parse::<TcpAddr>().unwrap(),
                tcp,
                "{:?}",
                s
            );
        }
        for scheme in [
            "tcp://",
            "udp://",
            "inproc://",
            "pgm://",
            "epgm://",
            "x://",
            "",
        ] {
            if let Ok(ep) = Endpoint::from_zmq_str(&format!("{}{}", scheme, s))
            {
                assert_eq!(
                    Endpoint::from_zmq_str(&ep.to_zmq_string()).unwrap(),
                    ep
                );
            }
        }
    }
}

#[test]
fn into_ip_addrs() {
    let v4 = Ipv4Addr::new(1, 2, 3, 4);
    let v6 = Ipv6Addr::LOCALHOST;
    let ip = IpAddr::V4(v4);
    assert_eq!(ip.into_ip_addrs().collect::<Vec<_>>(), vec![ip]);
    assert_eq!((&ip).into_ip_addrs().collect::<Vec<_>>(), vec![ip]);
    assert_eq!(v4.into_ip_addrs().collect::<Vec<_>>(), vec![ip]);
    assert_eq!(v6.into_ip_addrs().collect::<Vec<_>>(), vec![IpAddr::V6(v6)]);
    let slice: &[IpAddr] = &[ip, IpAddr::V6(v6)];
    assert_eq!(slice.into_ip_addrs().count(), 2);
    assert_eq!(vec![v4, v4].into_ip_addrs().count(), 2);
    assert_eq!((&vec![v6]).into_ip_addrs().count(), 1);
    assert_eq!(Vec::<IpAddr>::new().into_ip_addrs().count(), 0);
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Config {
    connect: Option<Vec<Endpoint>>,
    bind: Option<Vec<Endpoint>>,
}

#[test]
fn test_ser_de() {
    // The original crate's endpoint test, in YAML.
    let addrs = [
        Endpoint::Tcp("0.0.0.0:3000".parse().unwrap()),
        Endpoint::Udp("0.0.0.0:3000".parse().unwrap()),
        Endpoint::Pgm("0.0.0.0:3000".parse().unwrap()),
        Endpoint::Epgm("0.0.0.0:3000".parse().unwrap()),
        Endpoint::Inproc("test".parse().unwrap()),
    ];
    for addr in addrs {
        let yaml = serde_yaml::to_string(&addr).unwrap();
        let de: Endpoint = serde_yaml::from_str(&yaml).unwrap();
        assert_eq!(de, addr);
    }
}

#[test]
fn endpoint_yaml() {
    let tcp = Endpoint::Tcp("127.0.0.1:*".parse().unwrap());
    assert_eq!(serde_yaml::to_string(&tcp).unwrap(), "tcp: 127.0.0.1:*\n");
    let with_src = Endpoint::Tcp("eth0;[::1]:5555".parse().unwrap());
    let yaml = serde_yaml::to_string(&with_src).unwrap();
    assert_eq!(serde_yaml::from_str::<Endpoint>(&yaml).unwrap(), with_src);

    // The seed guide's config file form (serde_yaml 0.8 style).
    let guide = r#"
bind:
  - tcp: "127.0.0.1:*"
connect:
  - inproc: "test"
  - udp: "eth0;239.0.0.1:5555"
  - pgm: 192.168.1.1;239.192.1.1:5555
  - epgm: eth0;239.192.1.1:5555
"#;
    let config: Config = serde_yaml::from_str(guide).unwrap();
    assert_eq!(config.bind, Some(vec![tcp.clone()]));
    let connect = config.connect.unwrap();
    assert!(connect[0].is_inproc());
    assert!(connect[1].is_udp());
    assert!(connect[2].is_pgm());
    assert!(connect[3].is_epgm());

    // serde_yaml 0.9's tagged form.
    let tagged = "
bind:
  - !tcp 127.0.0.1:*
connect:
  - !inproc test
  - !udp eth0;239.0.0.1:5555
  - !pgm 192.168.1.1;239.192.1.1:5555
  - !epgm eth0;239.192.1.1:5555
";
    let tagged: Config = serde_yaml::from_str(tagged).unwrap();
    assert_eq!(tagged.bind, Some(vec![tcp.clone()]));
    assert_eq!(tagged.connect, Some(connect.clone()));

    // Round trip of the whole thing.
    let config = Config {
        connect: Some(connect),
        bind: None,
    };
    let yaml = serde_yaml::to_string(&config).unwrap();
    assert!(yaml.contains("- inproc: test"), "{}", yaml);
    assert!(yaml.contains("bind: null"), "{}", yaml);
    assert_eq!(serde_yaml::from_str::<Config>(&yaml).unwrap(), config);

    // The singleton_map_recursive helper keeps working.
    let mut out = Vec::new();
    let mut ser = serde_yaml::Serializer::new(&mut out);
    serde_yaml::with::singleton_map_recursive::serialize(&config, &mut ser)
        .unwrap();
    let yaml = String::from_utf8(out).unwrap();
    let de = serde_yaml::Deserializer::from_str(&yaml);
    let back: Config =
        serde_yaml::with::singleton_map_recursive::deserialize(de).unwrap();
    assert_eq!(back, config);
}

#[test]
fn endpoint_yaml_errors() {
    let err = serde_yaml::from_str::<Endpoint>("vmci: /tmp/sock").unwrap_err();
    let text = err.to_string();
    assert!(text.contains("unknown variant `vmci`"), "{}", text);
    assert!(text.contains("`tcp`"), "{}", text);
    let err = serde_yaml::from_str::<Endpoint>("!vmci /tmp/sock").unwrap_err();
    assert!(
        err.to_string().contains("unknown variant `vmci`"),
        "{}",
        err
    );
    let err = serde_yaml::from_str::<Endpoint>("tcp: 127.0.0.1").unwrap_err();
    assert!(
        err.to_string()
            .contains("cannot parse address : invalid addr format"),
        "{}",
        err
    );
    let err = serde_yaml::from_str::<Endpoint>("tcp").unwrap_err();
    assert!(err.to_string().contains("needs a value"), "{}", err);
    let err = serde_yaml::from_str::<Endpoint>(
        "{tcp: '1.1.1.1:1', udp: '1.1.1.1:1'}",
    )
    .unwrap_err();
    assert!(err.to_string().contains("exactly one entry"), "{}", err);
    assert!(serde_yaml::from_str::<Endpoint>("{}").is_err());
    assert!(serde_yaml::from_str::<Endpoint>("[]").is_err());
    assert!(serde_yaml::from_str::<Endpoint>("tcp: [1]").is_err());
}

#[test]
fn endpoint_json() {
    let tcp = Endpoint::Tcp("127.0.0.1:*".parse().unwrap());
    let json = serde_json::to_string(&tcp).unwrap();
    assert_eq!(json, r#"{"tcp":"127.0.0.1:*"}"#);
    assert_eq!(serde_json::from_str::<Endpoint>(&json).unwrap(), tcp);
    let config = Config {
        connect: Some(vec![
            Endpoint::Inproc("x".parse().unwrap()),
            Endpoint::Udp("eth0;[ff02::1]:5555".parse().unwrap()),
        ]),
        bind: Some(vec![tcp]),
    };
    let json = serde_json::to_string(&config).unwrap();
    assert_eq!(
        json,
        r#"{"connect":[{"inproc":"x"},{"udp":"eth0;[ff02::1]:5555"}],"bind":[{"tcp":"127.0.0.1:*"}]}"#
    );
    assert_eq!(serde_json::from_str::<Config>(&json).unwrap(), config);
    let err = serde_json::from_str::<Endpoint>(r#"{"vmci":"x"}"#).unwrap_err();
    assert!(
        err.to_string().contains("unknown variant `vmci`"),
        "{}",
        err
    );
}

#[test]
fn endpoint_toml() {
    let config = Config {
        connect: Some(vec![
            Endpoint::Inproc("x".parse().unwrap()),
            Endpoint::Tcp("eth0;127.0.0.1:5555".parse().unwrap()),
        ]),
        bind: Some(vec![Endpoint::Epgm("1.1.1.1:1".parse().unwrap())]),
    };
    let text = toml::to_string(&config).unwrap();
    assert_eq!(toml::from_str::<Config>(&text).unwrap(), config);
    let parsed: Config = toml::from_str(
        r#"
connect = [{ tcp = "127.0.0.1:*" }, { inproc = "test" }]
"#,
    )
    .unwrap();
    assert_eq!(parsed.bind, None);
    assert_eq!(parsed.connect.unwrap().len(), 2);
    let parsed: Config = toml::from_str(
        r#"
[[bind]]
tcp = "127.0.0.1:*"
"#,
    )
    .unwrap();
    assert!(parsed.bind.unwrap()[0].is_tcp());
    assert!(toml::from_str::<Config>(r#"connect = [{ vmci = "x" }]"#).is_err());
}

#[test]
fn addr_types_serde() {
    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct All {
        tcp: TcpAddr,
        udp: UdpAddr,
        pgm: PgmAddr,
        epgm: EpgmAddr,
        inproc: InprocAddr,
        hostname: Hostname,
        port: Port,
        interface: Interface,
        socket: SocketAddr,
        src: SrcAddr,
    }
    let all = All {
        tcp: "eth0;[::1]:1".parse().unwrap(),
        udp: "1.1.1.1:2".parse().unwrap(),
        pgm: "eth0;239.1.1.1:3".parse().unwrap(),
        epgm: "eth0;239.1.1.1:4".parse().unwrap(),
        inproc: "in proc".parse().unwrap(),
        hostname: "example.com".parse().unwrap(),
        port: "*".parse().unwrap(),
        interface: "::1".parse().unwrap(),
        socket: "[::1]:5".parse().unwrap(),
        src: "::2".parse().unwrap(),
    };
    let yaml = serde_yaml::to_string(&all).unwrap();
    assert_eq!(serde_yaml::from_str::<All>(&yaml).unwrap(), all, "{}", yaml);
    let json = serde_json::to_string(&all).unwrap();
    assert_eq!(serde_json::from_str::<All>(&json).unwrap(), all, "{}", json);
    let text = toml::to_string(&all).unwrap();
    assert_eq!(toml::from_str::<All>(&text).unwrap(), all, "{}", text);

    assert_eq!(
        serde_json::to_string(&all.tcp).unwrap(),
        r#""eth0;[::1]:1""#
    );
    // Numbers are accepted where a port or name is expected.
    assert_eq!(
        serde_yaml::from_str::<Port>("80").unwrap(),
        Port::Specified(80)
    );
    assert_eq!(
        serde_yaml::from_str::<InprocAddr>("1234").unwrap().as_str(),
        "1234"
    );
    let err = serde_json::from_str::<TcpAddr>(r#""1.1.1.1""#).unwrap_err();
    assert!(err.to_string().contains("invalid addr format"), "{}", err);
    assert!(serde_json::from_str::<InprocAddr>(r#""""#).is_err());
}
