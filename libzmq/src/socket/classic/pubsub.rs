//! PUB/XPUB and SUB/XSUB: topic subscriptions as prefixes of the first
//! frame.
//!
//! A subscriber tells its publishers what it wants: SUB with SUBSCRIBE /
//! CANCEL commands (sent as commands to ZMTP 3.1 peers, as the messages
//! `0x01 prefix` / `0x00 prefix` to ZMTP 3.0 ones), XSUB with those
//! messages, which its application sends. The publisher keeps, per prefix,
//! the set of peers subscribed to it in a [`Trie`], so matching a message
//! walks its first bytes once whatever the number of subscriptions. A SUB
//! also filters what it receives with its own counted trie (two
//! `subscribe("A")` need two `unsubscribe("A")`), like libzmq.

use super::super::core::State;
use super::super::parts::{Deliverable, Parts};
use super::super::peers::{SendFail, Took};
use super::super::trie::{Empty, Trie};
use crate::msg::{Msg, PipeCommand};
use crate::pipe::{Pipe, PushError};
use bytes::Bytes;
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use zmtp::SocketType;

/// The peers subscribed to one prefix, each with its pipe, so that a
/// message goes out without looking its peers up. A short vector: a
/// publish reads it whole, subscriptions change rarely.
#[derive(Debug, Default)]
struct PeerIds(Vec<(u64, Arc<Pipe>)>);

impl PeerIds {
    /// Adds `peer`; `false` if it was there.
    fn insert(&mut self, peer: u64, pipe: &Arc<Pipe>) -> bool {
        if self.0.iter().any(|(id, _)| *id == peer) {
            return false;
        }
        self.0.push((peer, pipe.clone()));
        true
    }

    /// Removes `peer`; `false` if it was not there.
    fn remove(&mut self, peer: u64) -> bool {
        match self.0.iter().position(|(id, _)| *id == peer) {
            Some(index) => {
                self.0.swap_remove(index);
                true
            }
            None => false,
        }
    }

    fn ids(&self) -> impl Iterator<Item = u64> + '_ {
        self.0.iter().map(|(id, _)| *id)
    }

    fn pipes(&self) -> impl ExactSizeIterator<Item = &Pipe> + Clone + '_ {
        self.0.iter().map(|(_, pipe)| &**pipe)
    }
}

impl Empty for PeerIds {
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A PUB's or XPUB's view of its subscribers.
#[derive(Debug, Default)]
pub(crate) struct Publisher {
    trie: Trie<PeerIds>,
    /// Each peer's prefixes, to forget them when it leaves.
    prefixes: HashMap<u64, HashSet<Bytes>>,
    /// XPUB: what the application will receive (subscription messages and
    /// the other messages subscribers sent).
    pending: VecDeque<Parts>,
    /// The peers a message goes to (kept to reuse its allocation).
    targets: Vec<u64>,
    tracking: bool,
}

/// A SUB's or XSUB's own subscriptions, counted.
#[derive(Debug, Default)]
pub(crate) struct Subscriber {
    trie: Trie<usize>,
}

/// A subscription as a message: `Some((subscribe, prefix))`.
fn subscription(msg: &Msg) -> Option<(bool, &[u8])> {
    match msg.as_command() {
        Some(PipeCommand::Subscribe) => return Some((true, msg.as_bytes())),
        Some(PipeCommand::Cancel) => return Some((false, msg.as_bytes())),
        Some(_) => return None,
        None => {}
    }
    match msg.as_bytes().split_first() {
        Some((1, prefix)) => Some((true, prefix)),
        Some((0, prefix)) => Some((false, prefix)),
        _ => None,
    }
}

/// A subscription in its message form, `flag` then the prefix.
fn flagged(flag: u8, prefix: &[u8]) -> Msg {
    let mut body = Vec::with_capacity(1 + prefix.len());
    body.push(flag);
    body.extend_from_slice(prefix);
    Msg::from(body)
}

/// What an XPUB reports to its application.
#[derive(Debug, Clone, Copy, Default)]
struct Reporting {
    /// An XPUB (a PUB reports nothing).
    xpub: bool,
    /// Every subscription, not only the first to a prefix.
    verbose: bool,
    /// Every unsubscription, not only the last from a prefix.
    verboser: bool,
}

impl Publisher {
    /// XPUB: whether the application has something to receive.
    pub(crate) fn has_pending(&self) -> bool {
        !self.pending.is_empty()
    }

    fn subscribe(
        &mut self,
        report: Reporting,
        (peer, pipe): (u64, &Arc<Pipe>),
        prefix: &[u8],
    ) {
        let peers = self.trie.entry(prefix);
        let first = peers.is_empty();
        if peers.insert(peer, pipe) {
            self.prefixes
                .entry(peer)
                .or_default()
                .insert(Bytes::copy_from_slice(prefix));
        }
        if report.xpub && (first || report.verbose) {
            self.pending.push_back(Parts::One(flagged(1, prefix)));
        }
    }

    fn cancel(&mut self, report: Reporting, peer: u64, prefix: &[u8]) {
        let outcome = self.trie.update(prefix, |peers| {
            peers.remove(peer).then_some(peers.is_empty())
        });
        let Some(Some(last)) = outcome else {
            return; // not subscribed
        };
        if let Some(prefixes) = self.prefixes.get_mut(&peer) {
            prefixes.remove(prefix);
        }
        if report.xpub && (last || report.verboser) {
            self.pending.push_back(Parts::One(flagged(0, prefix)));
        }
    }

    /// A peer left: its subscriptions go (an XPUB reports the prefixes
    /// nobody wants any more).
    fn forget(&mut self, report: Reporting, peer: u64) {
        let Some(prefixes) = self.prefixes.remove(&peer) else {
            return;
        };
        for prefix in prefixes {
            let last = self.trie.update(&prefix, |peers| {
                peers.remove(peer) && peers.is_empty()
            });
            if report.xpub && last == Some(true) {
                self.pending.push_back(Parts::One(flagged(0, &prefix)));
            }
        }
    }
}

/// Takes what the subscribers sent: subscriptions update the trie; an
/// XPUB queues them (as configured) and the other messages for its
/// application, a PUB drops the other messages.
fn take_inbound(kind: SocketType, state: &mut State) {
    let options = &state.classic.options;
    let report = Reporting {
        xpub: kind == SocketType::XPub,
        verbose: options.verbose,
        verboser: options.verboser,
    };
    let publisher = &mut state.classic.publisher;
    if !publisher.tracking {
        state.peers.track_removed();
        publisher.tracking = true;
    }
    for peer in state.peers.take_removed() {
        publisher.forget(report, peer);
    }
    while let Some((index, parts)) = state.peers.pop_active() {
        let peer = state.peers.id_at(index);
        match subscription(parts.first()) {
            Some((true, prefix)) => {
                let pipe = state.peers.out_at(index);
                publisher.subscribe(report, (peer, pipe), prefix)
            }
            Some((false, prefix)) => publisher.cancel(report, peer, prefix),
            None if report.xpub => publisher.pending.push_back(parts),
            None => {}
        }
    }
    // Peers that left while we read.
    for peer in state.peers.take_removed() {
        publisher.forget(report, peer);
    }
}

/// What [`publish`] sends: the [`Parts`] of a message, or a one-frame
/// message where it lies (`&mut Msg`, moved to the last subscriber).
pub(crate) trait Published: Deliverable {
    /// What goes to the other subscribers.
    type Copy: Deliverable;
    /// The bytes the subscriptions are matched against.
    fn topic(&self) -> &[u8];
    /// A copy sharing the bodies.
    fn copy(&mut self) -> Self::Copy;
}

impl Published for Parts {
    type Copy = Parts;
    fn topic(&self) -> &[u8] {
        self.first().as_bytes()
    }
    fn copy(&mut self) -> Parts {
        self.share_clone()
    }
}

impl Published for &mut Msg {
    type Copy = Msg;
    fn topic(&self) -> &[u8] {
        self.as_bytes()
    }
    #[inline]
    fn copy(&mut self) -> Msg {
        self.share();
        self.clone()
    }
}

/// PUB, XPUB: a copy to every subscriber with a matching prefix. One at its
/// HWM misses the message, unless an XPUB has `no_drop`: then the send
/// waits until every matching subscriber has room.
pub(crate) fn publish<T: Published>(
    kind: SocketType,
    state: &mut State,
    item: T,
) -> Result<(), SendFail<T>> {
    take_inbound(kind, state);
    let no_drop = kind == SocketType::XPub && state.classic.options.no_drop;
    let publisher = &mut state.classic.publisher;
    let mut sets = 0;
    let mut matched = None;
    publisher.trie.matches(item.topic(), |peers| {
        if !peers.is_empty() {
            sets += 1;
            matched = Some(peers);
        }
    });
    let (missed, gone) = match matched {
        None => return Ok(()),
        // The common case: the pipes straight from the trie.
        Some(peers) if sets == 1 => deliver(peers.pipes(), no_drop, item)?,
        Some(_) => {
            // A peer subscribed to several prefixes of the topic gets one
            // copy.
            let targets = &mut publisher.targets;
            targets.clear();
            publisher.trie.matches(item.topic(), |peers| {
                targets.extend(peers.ids());
            });
            targets.sort_unstable();
            targets.dedup();
            let peers = &state.peers;
            let pipes = targets
                .iter()
                .filter_map(|id| peers.get(*id).map(|peer| &*peer.out));
            deliver(pipes, no_drop, item)?
        }
    };
    state.counters.dropped(missed);
    if gone {
        state.peers.prune();
    }
    Ok(())
}

/// [`publish`]'s delivery to the matching `pipes` (a copy each, the item
/// itself to the last). Returns how many subscribers missed it at their
/// HWM and whether one is leaving; with `no_drop`, nothing is sent while
/// one of them is full.
fn deliver<'p, T: Published>(
    pipes: impl Iterator<Item = &'p Pipe> + Clone,
    no_drop: bool,
    mut item: T,
) -> Result<(usize, bool), SendFail<T>> {
    if no_drop && pipes.clone().any(|pipe| !pipe.is_writable()) {
        return Err(SendFail::Again(item));
    }
    let (mut missed, mut gone) = (0, false);
    let mut count = |result: Result<(), PushError<()>>| match result {
        Ok(()) => {}
        // Full: this subscriber misses it. Closed: it is leaving.
        Err(PushError::Full(())) => missed += 1,
        Err(PushError::Closed(())) => gone = true,
    };
    let mut pipes = pipes.peekable();
    while let Some(pipe) = pipes.next() {
        if pipes.peek().is_none() {
            count(item.push_to(pipe).map_err(PushError::forget));
            break;
        }
        count(item.copy().push_to(pipe).map_err(PushError::forget));
    }
    Ok((missed, gone))
}

/// XPUB: the next subscription message or message from a subscriber.
pub(crate) fn xpub_recv(state: &mut State) -> Option<Parts> {
    take_inbound(SocketType::XPub, state);
    state.classic.publisher.pending.pop_front()
}

/// The message a SUB (a command) or an XSUB (data) sends for a
/// subscription change.
fn subscription_msg(kind: SocketType, subscribe: bool, prefix: &[u8]) -> Msg {
    match (kind, subscribe) {
        (SocketType::XSub, true) => flagged(1, prefix),
        (SocketType::XSub, false) => flagged(0, prefix),
        (_, true) => Msg::subscription(PipeCommand::Subscribe, prefix),
        (_, false) => Msg::subscription(PipeCommand::Cancel, prefix),
    }
}

/// Sends `msg` to every peer; subscriptions are never dropped at the HWM.
fn to_every_peer(state: &State, msg: &Msg) {
    for peer in state.peers.iter() {
        let _ = peer.out.push_command(msg.clone());
    }
}

/// SUB, XSUB: adds a subscription and tells every publisher (each time:
/// an XPUB counts them in verbose mode).
pub(crate) fn subscribe(kind: SocketType, state: &mut State, prefix: &[u8]) {
    *state.classic.subscriber.trie.entry(prefix) += 1;
    to_every_peer(state, &subscription_msg(kind, true, prefix));
}

/// SUB, XSUB: removes one count of a subscription; the publishers hear of
/// it when none is left. Unknown prefixes are ignored, like libzmq.
pub(crate) fn unsubscribe(kind: SocketType, state: &mut State, prefix: &[u8]) {
    let last = state.classic.subscriber.trie.update(prefix, |count| {
        *count -= 1;
        *count == 0
    });
    if last == Some(true) {
        to_every_peer(state, &subscription_msg(kind, false, prefix));
    }
}

/// SUB, XSUB: every current subscription, once, to a new peer's pipe (on
/// attach and after a reconnection).
pub(crate) fn send_all_subscriptions(
    kind: SocketType,
    state: &State,
    out: &Pipe,
) {
    state.classic.subscriber.trie.for_each(|prefix, _| {
        let _ = out.push_command(subscription_msg(kind, true, prefix));
    });
}

/// SUB, XSUB: the next message matching a subscription (others are dropped).
pub(crate) fn subscriber_recv(state: &mut State) -> Option<Parts> {
    loop {
        let (_, parts) = state.peers.pop_active()?;
        if state
            .classic
            .subscriber
            .trie
            .has_match(parts.first().as_bytes())
        {
            return Some(parts);
        }
    }
}

/// [`subscriber_recv`] into `out` (a one-frame message) or `longer` (a
/// message of several frames): `false` when no matching message is there,
/// and then `out` is untouched.
pub(crate) fn subscriber_recv_into(
    state: &mut State,
    out: &mut Msg,
    longer: &mut Option<Parts>,
) -> bool {
    let trie = &state.classic.subscriber.trie;
    let wanted = |msg: &Msg| trie.has_match(msg.as_bytes());
    loop {
        match state.peers.pop_active_into(out, longer, false, wanted) {
            None => return false,
            Some(Took::Dropped) => continue,
            Some(Took::One | Took::Longer) => return true,
        }
    }
}

/// XSUB: `0x01 prefix` and `0x00 prefix` messages change the subscriptions
/// (and go to every publisher, a cancellation only when no count is left);
/// any other message goes to every publisher that has room.
pub(crate) fn xsub_send(
    state: &mut State,
    parts: Parts,
) -> Result<(), SendFail<Parts>> {
    match subscription(parts.first()) {
        Some((true, prefix)) => {
            let prefix = prefix.to_vec();
            subscribe(SocketType::XSub, state, &prefix);
        }
        Some((false, prefix)) => {
            let prefix = prefix.to_vec();
            unsubscribe(SocketType::XSub, state, &prefix);
        }
        None => {
            let mut parts = parts;
            for peer in state.peers.iter() {
                let _ = parts.share_clone().push_to(&peer.out);
            }
        }
    }
    Ok(())
}
