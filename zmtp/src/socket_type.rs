//! Socket types as announced in the `Socket-Type` metadata property (RFC 37).

/// A ZeroMQ socket type.
///
/// The thread-safe draft types (`Server`, `Client`, `Radio`, `Dish`, `Gather`, `Scatter`) come
/// first in this implementation, but all names are known so that peers can be validated.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum SocketType {
    /// `PAIR`
    Pair,
    /// `PUB`
    Pub,
    /// `SUB`
    Sub,
    /// `REQ`
    Req,
    /// `REP`
    Rep,
    /// `DEALER`
    Dealer,
    /// `ROUTER`
    Router,
    /// `PULL`
    Pull,
    /// `PUSH`
    Push,
    /// `XPUB`
    XPub,
    /// `XSUB`
    XSub,
    /// `STREAM` (raw TCP; never does a ZMTP handshake)
    Stream,
    /// `SERVER` (RFC 41)
    Server,
    /// `CLIENT` (RFC 41)
    Client,
    /// `RADIO` (RFC 48)
    Radio,
    /// `DISH` (RFC 48)
    Dish,
    /// `GATHER` (RFC 49)
    Gather,
    /// `SCATTER` (RFC 49)
    Scatter,
    /// `PEER`
    Peer,
    /// `CHANNEL`
    Channel,
}

/// Every socket type, in `zmq.h` order.
const ALL: [SocketType; 20] = [
    SocketType::Pair,
    SocketType::Pub,
    SocketType::Sub,
    SocketType::Req,
    SocketType::Rep,
    SocketType::Dealer,
    SocketType::Router,
    SocketType::Pull,
    SocketType::Push,
    SocketType::XPub,
    SocketType::XSub,
    SocketType::Stream,
    SocketType::Server,
    SocketType::Client,
    SocketType::Radio,
    SocketType::Dish,
    SocketType::Gather,
    SocketType::Scatter,
    SocketType::Peer,
    SocketType::Channel,
];

impl SocketType {
    /// The name sent in the `Socket-Type` property, e.g. `"SERVER"`.
    pub fn as_str(self) -> &'static str {
        match self {
            SocketType::Pair => "PAIR",
            SocketType::Pub => "PUB",
            SocketType::Sub => "SUB",
            SocketType::Req => "REQ",
            SocketType::Rep => "REP",
            SocketType::Dealer => "DEALER",
            SocketType::Router => "ROUTER",
            SocketType::Pull => "PULL",
            SocketType::Push => "PUSH",
            SocketType::XPub => "XPUB",
            SocketType::XSub => "XSUB",
            SocketType::Stream => "STREAM",
            SocketType::Server => "SERVER",
            SocketType::Client => "CLIENT",
            SocketType::Radio => "RADIO",
            SocketType::Dish => "DISH",
            SocketType::Gather => "GATHER",
            SocketType::Scatter => "SCATTER",
            SocketType::Peer => "PEER",
            SocketType::Channel => "CHANNEL",
        }
    }

    /// The `ZMQ_TYPE` number from `zmq.h` (e.g. `SERVER` = 12, `CLIENT` = 13).
    pub fn number(self) -> u8 {
        match self {
            SocketType::Pair => 0,
            SocketType::Pub => 1,
            SocketType::Sub => 2,
            SocketType::Req => 3,
            SocketType::Rep => 4,
            SocketType::Dealer => 5,
            SocketType::Router => 6,
            SocketType::Pull => 7,
            SocketType::Push => 8,
            SocketType::XPub => 9,
            SocketType::XSub => 10,
            SocketType::Stream => 11,
            SocketType::Server => 12,
            SocketType::Client => 13,
            SocketType::Radio => 14,
            SocketType::Dish => 15,
            SocketType::Gather => 16,
            SocketType::Scatter => 17,
            // 18 is ZMQ_DGRAM, which has no ZMTP handshake.
            SocketType::Peer => 19,
            SocketType::Channel => 20,
        }
    }

    /// Looks a socket type up by its `Socket-Type` name, ignoring ASCII case.
    pub fn from_name(name: &[u8]) -> Option<SocketType> {
        ALL.iter()
            .copied()
            .find(|t| t.as_str().as_bytes().eq_ignore_ascii_case(name))
    }

    /// Whether a socket of this type may talk to a peer of type `peer` (RFC 37 table; the
    /// same pairs as libzmq's `check_socket_type`).
    pub fn is_compatible(self, peer: SocketType) -> bool {
        use SocketType::*;
        match self {
            Pair => peer == Pair,
            Pub | XPub => matches!(peer, Sub | XSub),
            Sub | XSub => matches!(peer, Pub | XPub),
            Req => matches!(peer, Rep | Router),
            Rep => matches!(peer, Req | Dealer),
            Dealer => matches!(peer, Rep | Dealer | Router),
            Router => matches!(peer, Req | Dealer | Router),
            Pull => peer == Push,
            Push => peer == Pull,
            Stream => false,
            Server => peer == Client,
            Client => peer == Server,
            Radio => peer == Dish,
            Dish => peer == Radio,
            Gather => peer == Scatter,
            Scatter => peer == Gather,
            Peer => peer == Peer,
            Channel => peer == Channel,
        }
    }
}

impl std::fmt::Display for SocketType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for t in ALL {
            assert_eq!(SocketType::from_name(t.as_str().as_bytes()), Some(t));
            assert_eq!(
                SocketType::from_name(
                    t.as_str().to_ascii_lowercase().as_bytes()
                ),
                Some(t)
            );
            assert_eq!(t.to_string(), t.as_str());
        }
        assert_eq!(SocketType::from_name(b"Server"), Some(SocketType::Server));
        assert_eq!(SocketType::from_name(b""), None);
        assert_eq!(SocketType::from_name(b"SERVERX"), None);
        assert_eq!(SocketType::from_name(b"DGRAM"), None);
        assert_eq!(SocketType::from_name(&[0xff, 0x00]), None);
    }

    #[test]
    fn numbers_match_zmq_h() {
        assert_eq!(SocketType::Pair.number(), 0);
        assert_eq!(SocketType::Server.number(), 12);
        assert_eq!(SocketType::Client.number(), 13);
        assert_eq!(SocketType::Radio.number(), 14);
        assert_eq!(SocketType::Dish.number(), 15);
        assert_eq!(SocketType::Gather.number(), 16);
        assert_eq!(SocketType::Scatter.number(), 17);
        assert_eq!(SocketType::Channel.number(), 20);
    }

    #[test]
    fn draft_pairs() {
        use SocketType::*;
        for (a, b) in [(Client, Server), (Radio, Dish), (Scatter, Gather)] {
            assert!(a.is_compatible(b));
            assert!(b.is_compatible(a));
            assert!(!a.is_compatible(a));
            assert!(!b.is_compatible(b));
        }
        assert!(!Server.is_compatible(Dealer));
        assert!(!Client.is_compatible(Gather));
        assert!(!Dish.is_compatible(Pub));
    }

    #[test]
    fn compatibility_is_symmetric() {
        for a in ALL {
            for b in ALL {
                assert_eq!(a.is_compatible(b), b.is_compatible(a), "{a} / {b}");
            }
        }
        use SocketType::*;
        assert!(Req.is_compatible(Router));
        assert!(Dealer.is_compatible(Dealer));
        assert!(XPub.is_compatible(XSub));
        assert!(Push.is_compatible(Pull));
        assert!(Pair.is_compatible(Pair));
        assert!(Peer.is_compatible(Peer));
        assert!(!Stream.is_compatible(Stream));
    }
}
