//! The routing of the classic socket types (PAIR, PUB/SUB, XPUB/XSUB,
//! PUSH/PULL, REQ/REP, DEALER/ROUTER) over the socket's peers: one
//! non-blocking attempt to send or receive a whole message, per type. The
//! blocking loops around them are in [`blocking`](super::blocking).
//!
//! * round-robin out, fair-queue in: PAIR, PUSH, PULL, DEALER
//!   ([`PeerSet`](super::peers::PeerSet));
//! * [`pubsub`]: topic subscriptions in a prefix [`Trie`](super::trie::Trie);
//! * [`reqrep`]: REQ's and REP's envelopes and alternation;
//! * [`router`]: ROUTER's routing id frames.

pub(crate) mod pubsub;
pub(crate) mod reqrep;
pub(crate) mod router;

use super::core::State;
use super::parts::Parts;
use super::peers::SendFail;
use crate::error::ErrorKind;
use crate::msg::Msg;
use zmtp::SocketType;

/// The per-type state and options of a classic socket (unused parts stay
/// empty for the other types).
#[derive(Debug, Default)]
pub(crate) struct Classic {
    /// A received multi-frame message that `recv_msg` could not return:
    /// the next `recv_multipart` gets it.
    pub(crate) stash: Option<Parts>,
    pub(crate) publisher: pubsub::Publisher,
    pub(crate) subscriber: pubsub::Subscriber,
    pub(crate) req: reqrep::Req,
    pub(crate) rep: reqrep::Rep,
    pub(crate) options: ClassicOptions,
}

/// Options of the classic types that are read on every send or attach.
#[derive(Debug, Default, Clone)]
pub(crate) struct ClassicOptions {
    /// ROUTER: an unroutable message is an error instead of a silent drop.
    pub(crate) mandatory: bool,
    /// ROUTER: a new connection with a routing id in use takes it over.
    pub(crate) handover: bool,
    /// ROUTER, DEALER: send an empty message to each new peer.
    pub(crate) probe_router: bool,
    /// XPUB: report every subscription, not only new ones.
    pub(crate) verbose: bool,
    /// XPUB: report every unsubscription too.
    pub(crate) verboser: bool,
    /// XPUB: a subscriber at its HWM makes `send` wait instead of missing
    /// the message.
    pub(crate) no_drop: bool,
    /// XPUB: sent to every new subscriber.
    pub(crate) welcome: Option<Msg>,
    /// REQ: a request id frame before the delimiter; replies must echo it.
    pub(crate) correlate: bool,
    /// REQ: a new request may be sent before the reply came.
    pub(crate) relaxed: bool,
}

/// Whether `kind` is one of the eleven classic types.
pub(crate) fn is_classic(kind: SocketType) -> bool {
    use SocketType::*;
    matches!(
        kind,
        Pair | Pub
            | Sub
            | XPub
            | XSub
            | Push
            | Pull
            | Req
            | Rep
            | Dealer
            | Router
    )
}

/// One attempt to send the whole message `parts` on a socket of type `kind`.
pub(crate) fn try_send(
    kind: SocketType,
    state: &mut State,
    parts: Parts,
) -> Result<(), SendFail<Parts>> {
    use SocketType::*;
    match kind {
        Pair | Push | Dealer => state.peers.send_round_robin(parts).map(drop),
        Req => reqrep::req_send(state, parts),
        Rep => reqrep::rep_send(state, parts),
        Router => router::send(state, parts),
        Pub | XPub => pubsub::publish(kind, state, parts),
        XSub => pubsub::xsub_send(state, parts),
        _ => Err(SendFail::Fatal(
            ErrorKind::InvalidInput("this socket type cannot send"),
            parts,
        )),
    }
}

/// One attempt to receive a whole message on a socket of type `kind`:
/// `Ok(None)` when there is none yet.
pub(crate) fn try_recv(
    kind: SocketType,
    state: &mut State,
) -> Result<Option<Parts>, ErrorKind> {
    use SocketType::*;
    if let Some(parts) = state.classic.stash.take() {
        return Ok(Some(parts));
    }
    match kind {
        Pair | Pull | Dealer => {
            Ok(state.peers.pop_active().map(|(_, parts)| parts))
        }
        Req => reqrep::req_recv(state),
        Rep => reqrep::rep_recv(state),
        Router => Ok(router::recv(state)),
        Sub | XSub => Ok(pubsub::subscriber_recv(state)),
        XPub => Ok(pubsub::xpub_recv(state)),
        _ => Err(ErrorKind::InvalidInput("this socket type cannot receive")),
    }
}

/// What a classic socket does when a peer attaches. `false`: refuse it
/// (a second PAIR peer, a ROUTER routing id in use).
pub(crate) fn on_attach(
    kind: SocketType,
    state: &mut State,
    peer_id: u64,
    identity: Option<bytes::Bytes>,
) -> bool {
    use SocketType::*;
    let options = &state.classic.options;
    match kind {
        // One peer at a time; one that left (a dropped connection of an
        // `immediate` connect, an accepted one) makes room for the next.
        Pair => return state.peers.live_len() <= 1,
        Router => {
            let handover = options.handover;
            if !state.peers.assign_identity(peer_id, identity, handover) {
                return false;
            }
        }
        Sub | XSub => {
            if let Some(peer) = state.peers.get(peer_id) {
                pubsub::send_all_subscriptions(kind, state, &peer.out);
            }
        }
        XPub => {
            if let Some(welcome) = options.welcome.clone() {
                if let Some(peer) = state.peers.get(peer_id) {
                    let _ = peer.out.push(welcome);
                }
            }
        }
        _ => {}
    }
    if matches!(kind, Router | Dealer) && state.classic.options.probe_router {
        if let Some(peer) = state.peers.get(peer_id) {
            let _ = peer.out.push(Msg::new());
        }
    }
    true
}
