//! The address parsers: `TcpAddr`, `UdpAddr`, `PgmAddr`, `EpgmAddr`, `IpcAddr`, `InprocAddr`
//! and their parts (`Hostname`, `Port`, `Interface`, `SocketAddr`, `SrcAddr`) from strings;
//! `Endpoint` (no `FromStr`: it is a serde map) from `{"<scheme>": "<address>"}`.
//!
//! Asserts: no panic; the Display output of a parsed address parses back to an equal value
//! and displays the same; `TryFrom<&str>` agrees with `FromStr`; the serde form (a string)
//! round-trips; an endpoint built from the address equals the one read through serde.
#![no_main]

use std::fmt::{Debug, Display};
use std::str::FromStr;

use libfuzzer_sys::fuzz_target;
use libzmq::addr::{
    Endpoint, EpgmAddr, Hostname, InprocAddr, Interface, IpcAddr, PgmAddr,
    Port, SocketAddr, SrcAddr, TcpAddr, UdpAddr,
};

fn round_trip<T>(text: &str) -> Option<T>
where
    T: FromStr
        + Display
        + Debug
        + PartialEq
        + serde::Serialize
        + serde::de::DeserializeOwned,
    T: for<'a> TryFrom<&'a str>,
{
    let parsed = text.parse::<T>().ok();
    assert_eq!(T::try_from(text).ok(), parsed);
    let value = parsed?;
    let shown = value.to_string();
    let back = shown
        .parse::<T>()
        .unwrap_or_else(|_| panic!("{value:?} (from {text:?}) displays as {shown:?}, which does not parse"));
    assert_eq!(back, value, "{text:?} -> {shown:?}");
    assert_eq!(back.to_string(), shown);
    let json = serde_json::to_string(&value).expect("serialises");
    assert_eq!(json, serde_json::to_string(&shown).unwrap());
    let from_json: T = serde_json::from_str(&json).expect("parses back");
    assert_eq!(from_json, value);
    Some(value)
}

fn endpoint<T>(scheme: &str, text: &str, addr: Option<T>)
where
    T: Into<Endpoint>,
{
    let json =
        format!("{{{:?}: {}}}", scheme, serde_json::to_string(text).unwrap());
    let read = serde_json::from_str::<Endpoint>(&json).ok();
    assert_eq!(read, addr.map(Into::into), "{json}");
    if let Some(endpoint) = read {
        let written = serde_json::to_string(&endpoint).expect("serialises");
        let back: Endpoint =
            serde_json::from_str(&written).expect("parses back");
        assert_eq!(back, endpoint);
        let yaml = serde_yaml::to_string(&endpoint).expect("serialises");
        let back: Endpoint = serde_yaml::from_str(&yaml).expect("parses back");
        assert_eq!(back, endpoint);
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    match selector % 11 {
        0 => endpoint("tcp", text, round_trip::<TcpAddr>(text)),
        1 => endpoint("udp", text, round_trip::<UdpAddr>(text)),
        2 => endpoint("pgm", text, round_trip::<PgmAddr>(text)),
        3 => endpoint("epgm", text, round_trip::<EpgmAddr>(text)),
        4 => endpoint("ipc", text, round_trip::<IpcAddr>(text)),
        5 => endpoint("inproc", text, round_trip::<InprocAddr>(text)),
        6 => drop(round_trip::<Hostname>(text)),
        7 => drop(round_trip::<Port>(text)),
        8 => drop(round_trip::<Interface>(text)),
        9 => drop(round_trip::<SocketAddr>(text)),
        _ => drop(round_trip::<SrcAddr>(text)),
    }
});
