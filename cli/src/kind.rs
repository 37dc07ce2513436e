//! The socket types the tool knows by name, and what each can do.

use clap::ValueEnum;
use std::fmt;

/// A ØMQ socket type, as given to `--type`.
///
/// The six thread-safe types (single-part messages) and the eleven classic
/// ones (PAIR, PUB/SUB, XPUB/XSUB, PUSH/PULL, REQ/REP, DEALER/ROUTER:
/// multipart messages).
///
/// ```
/// # use libzmq_cli::kind::SocketKind;
/// use clap::ValueEnum;
/// let kind = SocketKind::from_str("gather", true).unwrap();
/// assert_eq!(kind, SocketKind::Gather);
/// assert!(kind.can_recv() && !kind.can_send() && !kind.is_multipart());
/// assert!(SocketKind::Pub.is_multipart());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, ValueEnum)]
pub enum SocketKind {
    /// Thread-safe request side: talks to servers.
    Client,
    /// Thread-safe reply side: replies go to the client that asked.
    Server,
    /// Thread-safe publisher: messages carry a group.
    Radio,
    /// Thread-safe subscriber: receives the groups it joined.
    Dish,
    /// Thread-safe pipeline source: round-robin to gathers.
    Scatter,
    /// Thread-safe pipeline sink: fair-queued from scatters.
    Gather,
    /// Classic exclusive pair.
    Pair,
    /// Classic publisher.
    Pub,
    /// Classic subscriber.
    Sub,
    /// Classic publisher that sees subscriptions.
    Xpub,
    /// Classic subscriber that sends subscriptions.
    Xsub,
    /// Classic pipeline source.
    Push,
    /// Classic pipeline sink.
    Pull,
    /// Classic strict request side.
    Req,
    /// Classic strict reply side.
    Rep,
    /// Classic asynchronous request side.
    Dealer,
    /// Classic asynchronous reply side, with identities.
    Router,
}

impl SocketKind {
    /// The name on the command line, e.g. `"scatter"`.
    pub fn name(self) -> &'static str {
        match self {
            SocketKind::Client => "client",
            SocketKind::Server => "server",
            SocketKind::Radio => "radio",
            SocketKind::Dish => "dish",
            SocketKind::Scatter => "scatter",
            SocketKind::Gather => "gather",
            SocketKind::Pair => "pair",
            SocketKind::Pub => "pub",
            SocketKind::Sub => "sub",
            SocketKind::Xpub => "xpub",
            SocketKind::Xsub => "xsub",
            SocketKind::Push => "push",
            SocketKind::Pull => "pull",
            SocketKind::Req => "req",
            SocketKind::Rep => "rep",
            SocketKind::Dealer => "dealer",
            SocketKind::Router => "router",
        }
    }

    /// Whether this is one of the six thread-safe types.
    pub fn is_thread_safe(self) -> bool {
        matches!(
            self,
            SocketKind::Client
                | SocketKind::Server
                | SocketKind::Radio
                | SocketKind::Dish
                | SocketKind::Scatter
                | SocketKind::Gather
        )
    }

    /// Whether a socket of this type sends messages.
    pub fn can_send(self) -> bool {
        !matches!(
            self,
            SocketKind::Dish
                | SocketKind::Gather
                | SocketKind::Sub
                | SocketKind::Pull
        )
    }

    /// Whether a socket of this type receives messages.
    pub fn can_recv(self) -> bool {
        !matches!(
            self,
            SocketKind::Radio
                | SocketKind::Scatter
                | SocketKind::Pub
                | SocketKind::Push
        )
    }

    /// Whether its messages may have several parts (the classic types); the
    /// thread-safe types send single-part messages only.
    pub fn is_multipart(self) -> bool {
        !self.is_thread_safe()
    }

    /// Whether it sends only replies to a peer that spoke first, so that it
    /// cannot start a conversation (`send`) itself.
    pub fn replies_only(self) -> bool {
        matches!(self, SocketKind::Server | SocketKind::Rep)
    }
}

impl fmt::Display for SocketKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_the_clap_values() {
        for kind in SocketKind::value_variants() {
            let value = kind.to_possible_value().unwrap();
            assert_eq!(value.get_name(), kind.name());
        }
    }

    #[test]
    fn every_type_sends_or_receives() {
        for kind in SocketKind::value_variants() {
            assert!(kind.can_send() || kind.can_recv(), "{kind}");
        }
        let thread_safe = SocketKind::value_variants()
            .iter()
            .filter(|k| k.is_thread_safe())
            .count();
        assert_eq!(thread_safe, 6);
    }
}
