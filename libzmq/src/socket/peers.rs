//! The set of peers a socket talks to, and the routing strategies over it:
//! round-robin out (Client, Scatter), routing id out (Server), fan-out by
//! group (Radio), fair-queue in.
//!
//! The cost of a send or a receive depends on the peers that have work, not
//! on how many are connected: each peer's incoming pipe wakes a small
//! [`PeerWaker`] that records the peer as ready, and receiving fair-queues
//! over the *active* peers only (those that may hold a message), as C
//! libzmq's fair queue does. A Radio keeps an index from group to the peers
//! that joined it. A Server finds a peer by routing id in a hash map.

use super::parts::{Deliverable, Parts};
use crate::group::{Group, GroupSlice};
use crate::msg::{Msg, PipeCommand};
use crate::peer_info::PeerInfo;
use crate::pipe::{Notify, Pipe, PopError, PushError};
use crate::signal::Signal;
use bytes::Bytes;
use parking_lot::Mutex;
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// One peer: the two pipes between the socket and it.
pub(crate) struct Peer {
    /// Unique within the socket.
    pub(crate) id: u64,
    /// Nonzero id stamped on messages from this peer (Server).
    pub(crate) routing_id: u32,
    /// Socket → peer.
    pub(crate) out: Arc<Pipe>,
    /// Peer → socket.
    pub(crate) inp: Arc<Pipe>,
    /// The bind or connect of this socket the peer came through.
    pub(crate) endpoint_id: u64,
    /// Groups the peer joined (Radio side).
    groups: HashSet<Group>,
    /// The peer takes every group (a UDP destination of a Radio).
    all_groups: bool,
    /// Whether the peer is in the active list.
    active: bool,
    /// ROUTER: the routing id frame that names this peer.
    pub(crate) identity: Bytes,
    /// What the handshake of its current connection said about it (none
    /// for inproc and UDP peers, and before a connecter's first handshake);
    /// received messages point to it.
    pub(crate) info: Option<Arc<PeerInfo>>,
    /// Whole messages taken from `inp` in one batch and not read yet
    /// (read by this socket's thread under the state lock, without
    /// locking the pipe again).
    batch: VecDeque<Msg>,
    /// Messages of the current batch already read but not yet given back
    /// to `inp`'s capacity (see [`Pipe::take_batch`]).
    unreported: usize,
}

impl Peer {
    /// A peer with no subscriptions.
    pub(crate) fn new(
        id: u64,
        out: Arc<Pipe>,
        inp: Arc<Pipe>,
        endpoint_id: u64,
    ) -> Peer {
        Peer {
            id,
            routing_id: 0,
            out,
            inp,
            endpoint_id,
            groups: HashSet::new(),
            all_groups: false,
            active: false,
            identity: Bytes::new(),
            info: None,
            batch: VecDeque::new(),
            unreported: 0,
        }
    }

    /// Takes the next whole message from the peer: from the current batch,
    /// or a new batch of up to [`RECV_BATCH`] messages from `inp` (one lock
    /// for all of them).
    fn pop(&mut self) -> Result<Parts, PopError> {
        self.take_with(Parts::take_front)
    }

    /// Takes the next message as [`Peer::pop`] does: a one-frame message
    /// is moved into `out`, a message of several frames goes whole into
    /// `longer` (`out` untouched), and a message whose first frame
    /// `wanted` refuses is dropped whole. The single-frame receive moves
    /// the message once, straight from the batch to the caller (the
    /// caller's previous message is dropped here).
    #[inline]
    fn pop_into(
        &mut self,
        out: &mut Msg,
        longer: &mut Option<Parts>,
        wanted: impl Fn(&Msg) -> bool,
    ) -> Result<Took, PopError> {
        self.take_with(|batch| {
            let front = batch.front()?;
            if !wanted(front) {
                Parts::take_front(batch)?;
                return Some(Took::Dropped);
            }
            if front.more() {
                *longer = Some(Parts::take_front(batch)?);
                return Some(Took::Longer);
            }
            // Not a swap: its narrow stores into the slot, read back wide
            // by the pop, would stall the store forwarding.
            *out = batch.pop_front()?;
            Some(Took::One)
        })
    }

    /// Takes the next whole message from the batch with `take` (which
    /// must take exactly one whole message when the batch is not empty),
    /// fetching a new batch first when the current one is used up.
    #[inline]
    fn take_with<T>(
        &mut self,
        take: impl FnOnce(&mut VecDeque<Msg>) -> Option<T>,
    ) -> Result<T, PopError> {
        if self.batch.is_empty() {
            // The first message of a batch counts as read at once.
            self.inp.take_batch(&mut self.batch, RECV_BATCH)?;
        } else {
            self.unreported += 1;
        }
        let taken = take(&mut self.batch).ok_or(PopError::Empty)?;
        if self.batch.is_empty() && self.unreported > 0 {
            // All of the batch was read: its room goes back to the writer.
            self.inp.report_read(std::mem::take(&mut self.unreported));
        }
        Ok(taken)
    }

    /// Whether a message can be read from the peer now (arms the pipe's
    /// notification when not).
    fn is_readable(&self) -> bool {
        !self.batch.is_empty() || self.inp.is_readable()
    }

    /// Whether the peer's writer is gone and all it sent was read.
    fn is_drained_and_closed(&self) -> bool {
        self.batch.is_empty() && self.inp.is_drained_and_closed()
    }
}

/// What a receive into the caller's message took (see
/// [`PeerSet::pop_active_into`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Took {
    /// A one-frame message, now in the caller's `Msg`.
    One,
    /// A message of several frames, handed back whole.
    Longer,
    /// A message the caller did not want, dropped whole.
    Dropped,
}

/// How many messages a receive takes from a peer's pipe at once.
const RECV_BATCH: usize = 256;

/// The peers whose incoming pipe has news (a message, or its closing) since
/// the socket last looked.
struct ReadyPeers {
    ids: Mutex<Vec<u64>>,
    /// Whether `ids` may be non-empty (lets the socket skip the lock).
    any: AtomicBool,
    signal: Arc<Signal>,
}

/// The reader side of one peer's incoming pipe: records the peer as ready
/// and wakes the socket.
struct PeerWaker {
    id: u64,
    ready: Arc<ReadyPeers>,
}

impl Notify for PeerWaker {
    fn notify(&self) {
        self.ready.ids.lock().push(self.id);
        self.ready.any.store(true, Ordering::Release);
        self.ready.signal.notify();
    }
}

/// Hashes the ids this module looks up on every message (peer ids, routing
/// ids): a multiplication instead of SipHash. The ids are ours (sequential
/// peer ids, routing ids we hand out), not a peer's choice, so there is no
/// collision attack to defend against.
#[derive(Default, Clone, Copy)]
struct IdHasher(u64);

impl std::hash::Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.write_u64(u64::from(byte));
        }
    }

    fn write_u32(&mut self, id: u32) {
        self.write_u64(u64::from(id));
    }

    fn write_u64(&mut self, id: u64) {
        // Fibonacci hashing: spreads sequential ids over all the bits.
        self.0 = (self.0 ^ id).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

type IdMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<IdHasher>>;
type IdSet = HashSet<u64, std::hash::BuildHasherDefault<IdHasher>>;

/// Outcome of one non-blocking send attempt.
pub(crate) enum SendFail<T = Msg> {
    /// Try again later (mute state or HWM).
    Again(T),
    /// Give up with this error.
    Fatal(crate::error::ErrorKind, T),
}

impl SendFail<()> {
    /// The same failure, handing `back` back.
    pub(crate) fn with<T>(self, back: T) -> SendFail<T> {
        match self {
            SendFail::Again(()) => SendFail::Again(back),
            SendFail::Fatal(kind, ()) => SendFail::Fatal(kind, back),
        }
    }
}

/// The peers of one socket and the cursors of its strategies.
pub(crate) struct PeerSet {
    peers: Vec<Peer>,
    /// Peer id → index in `peers`.
    index: IdMap<u64, usize>,
    /// Peers whose incoming pipe may hold something, in fair-queue order.
    active: VecDeque<u64>,
    ready: Arc<ReadyPeers>,
    next_out: usize,
    by_routing_id: IdMap<u32, Arc<Pipe>>,
    next_routing_id: u32,
    /// Radio: group → the peers that joined it.
    subscribers: HashMap<Group, IdSet>,
    /// Radio: peers that take every group.
    everything: IdSet,
    /// ROUTER: routing id frame → peer id.
    by_identity: HashMap<Bytes, u64>,
    /// ROUTER: the next generated routing id (`0x00` + 4 bytes).
    next_identity: u32,
    /// Ids of the peers removed since [`PeerSet::take_removed`], when tracked
    /// (a PUB forgets their subscriptions).
    removed: Option<Vec<u64>>,
}

impl PeerSet {
    /// An empty set whose peers wake `signal`.
    pub(crate) fn new(signal: Arc<Signal>) -> PeerSet {
        PeerSet {
            peers: Vec::new(),
            index: IdMap::default(),
            active: VecDeque::new(),
            ready: Arc::new(ReadyPeers {
                ids: Mutex::new(Vec::new()),
                any: AtomicBool::new(false),
                signal,
            }),
            next_out: 0,
            by_routing_id: IdMap::default(),
            // Random start, as libzmq: ids are not guessable across runs.
            next_routing_id: rand::random::<u32>(),
            subscribers: HashMap::new(),
            everything: IdSet::default(),
            by_identity: HashMap::new(),
            next_identity: rand::random::<u32>(),
            removed: None,
        }
    }

    /// Records the ids of removed peers from now on.
    pub(crate) fn track_removed(&mut self) {
        self.removed.get_or_insert_with(Vec::new);
    }

    /// The ids of the peers removed since the last call (when tracked).
    pub(crate) fn take_removed(&mut self) -> Vec<u64> {
        self.removed
            .as_mut()
            .map(std::mem::take)
            .unwrap_or_default()
    }

    /// Whether a waiting caller may spin for a while before it sleeps:
    /// a few peers, all of them sockets of this process (inproc), whose
    /// threads answer within microseconds. A peer behind an engine is
    /// served by an I/O thread, which a spinning caller would keep off
    /// the CPU it needs.
    pub(crate) fn only_local(&self) -> bool {
        const FEW: usize = 8;
        !self.peers.is_empty()
            && self.peers.len() <= FEW
            && self.peers.iter().all(|peer| peer.inp.is_local())
    }

    /// Number of peers, gone ones not forgotten yet included.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.peers.len()
    }

    /// Number of peers whose connection is up (or, for a connecter without
    /// `immediate`, may come up): not counting those gone and left only to
    /// be read.
    pub(crate) fn live_len(&self) -> usize {
        self.peers
            .iter()
            .filter(|peer| !peer.out.is_reader_closed())
            .count()
    }

    /// The peer with id `id`.
    pub(crate) fn get(&self, id: u64) -> Option<&Peer> {
        self.index.get(&id).map(|&index| &self.peers[index])
    }

    /// The routing id frame of the peer at `index` (ROUTER).
    pub(crate) fn identity_at(&self, index: usize) -> Bytes {
        self.peers[index].identity.clone()
    }

    /// Forgets the peers that are gone (see `prune_gone`).
    pub(crate) fn prune(&mut self) {
        self.prune_gone();
    }

    /// The id of the peer at `index` (as returned by the receive calls).
    pub(crate) fn id_at(&self, index: usize) -> u64 {
        self.peers[index].id
    }

    /// The pipe to the peer at `index`.
    pub(crate) fn out_at(&self, index: usize) -> &Arc<Pipe> {
        &self.peers[index].out
    }

    /// ROUTER: gives the peer `id` its routing id frame — `wanted` (the
    /// peer's own `Identity`) when set and free, else a generated one
    /// (`0x00` + 4 bytes, like libzmq). A wanted id in use is taken over
    /// with `handover` (the old peer gets a generated id), else refused:
    /// `false`, and the caller drops the peer.
    pub(crate) fn assign_identity(
        &mut self,
        id: u64,
        wanted: Option<Bytes>,
        handover: bool,
    ) -> bool {
        let identity = match wanted.filter(|w| !w.is_empty()) {
            Some(wanted) => {
                let holder = self.by_identity.get(&wanted).copied();
                if let Some(holder) = holder.filter(|&holder| holder != id) {
                    // A holder whose connection is gone (its pipes closed,
                    // left only to be read) gives the id up.
                    let gone = self
                        .get(holder)
                        .is_some_and(|peer| peer.out.is_reader_closed());
                    if !handover && !gone {
                        return false;
                    }
                    let fresh = self.generate_identity();
                    if let Some(&index) = self.index.get(&holder) {
                        self.peers[index].identity = fresh.clone();
                    }
                    self.by_identity.insert(fresh, holder);
                }
                wanted
            }
            None => self.generate_identity(),
        };
        if let Some(&index) = self.index.get(&id) {
            let old = std::mem::replace(
                &mut self.peers[index].identity,
                identity.clone(),
            );
            if self.by_identity.get(&old) == Some(&id) {
                self.by_identity.remove(&old);
            }
            self.by_identity.insert(identity, id);
        }
        true
    }

    fn generate_identity(&mut self) -> Bytes {
        loop {
            self.next_identity = self.next_identity.wrapping_add(1);
            let mut id = vec![0u8];
            id.extend_from_slice(&self.next_identity.to_be_bytes());
            let id = Bytes::from(id);
            if !self.by_identity.contains_key(&id) {
                return id;
            }
        }
    }

    /// ROUTER: the peer named by routing id frame `identity`.
    pub(crate) fn by_identity(&self, identity: &[u8]) -> Option<&Peer> {
        let id = self.by_identity.get(identity)?;
        self.get(*id)
    }

    /// Adds a peer; gives it a fresh nonzero routing id and wakes the socket
    /// when its pipes change (it may already hold messages: it starts active).
    pub(crate) fn attach(&mut self, mut peer: Peer) {
        if self.next_routing_id == 0 {
            self.next_routing_id = 1;
        }
        // Skip ids still in use after a wrap-around.
        while self.by_routing_id.contains_key(&self.next_routing_id)
            || self.next_routing_id == 0
        {
            self.next_routing_id = self.next_routing_id.wrapping_add(1);
        }
        peer.routing_id = self.next_routing_id;
        self.next_routing_id = self.next_routing_id.wrapping_add(1);
        self.by_routing_id.insert(peer.routing_id, peer.out.clone());
        let signal: Arc<dyn Notify> = self.ready.signal.clone();
        peer.out.set_writer(Some(signal));
        peer.inp.set_reader(Some(Arc::new(PeerWaker {
            id: peer.id,
            ready: self.ready.clone(),
        })));
        peer.active = true;
        self.active.push_back(peer.id);
        self.index.insert(peer.id, self.peers.len());
        self.peers.push(peer);
    }

    /// Makes peer `peer_id` take every group (a Radio's UDP destination).
    pub(crate) fn set_all_groups(&mut self, peer_id: u64) {
        if let Some(&index) = self.index.get(&peer_id) {
            self.peers[index].all_groups = true;
            self.everything.insert(peer_id);
        }
    }

    /// The peer whose outgoing pipe is `out` has a new connection,
    /// described by `info`.
    /// Returns the peer's id.
    pub(crate) fn set_info(
        &mut self,
        out: &Arc<Pipe>,
        info: Arc<PeerInfo>,
    ) -> Option<u64> {
        let peer = self.peers.iter_mut().find(|p| Arc::ptr_eq(&p.out, out))?;
        peer.info = Some(info);
        Some(peer.id)
    }

    /// Moves the peers that woke us into the active list.
    fn collect_ready(&mut self) {
        if !self.ready.any.load(Ordering::Acquire) {
            return;
        }
        let ids = {
            let mut ids = self.ready.ids.lock();
            self.ready.any.store(false, Ordering::Relaxed);
            std::mem::take(&mut *ids)
        };
        for id in ids {
            if let Some(&index) = self.index.get(&id) {
                let peer = &mut self.peers[index];
                if !peer.active {
                    peer.active = true;
                    self.active.push_back(id);
                }
            }
        }
    }

    /// Forgets the peers that are gone: the other end closed both pipes and
    /// what it sent has been read. (A peer leaves by closing its pipe ends;
    /// the strategies notice when they meet a closed pipe.)
    fn prune_gone(&mut self) {
        let mut index = 0;
        while index < self.peers.len() {
            let peer = &self.peers[index];
            if peer.out.is_reader_closed() && peer.is_drained_and_closed() {
                self.remove_at(index);
            } else {
                index += 1;
            }
        }
    }

    /// Removes and returns the peers that came through `endpoint_id`.
    pub(crate) fn take_endpoint(&mut self, endpoint_id: u64) -> Vec<Peer> {
        let mut taken = Vec::new();
        let mut index = 0;
        while index < self.peers.len() {
            if self.peers[index].endpoint_id == endpoint_id {
                taken.push(self.remove_at(index));
            } else {
                index += 1;
            }
        }
        taken
    }

    /// Removes and returns the peer `id` (none if unknown).
    pub(crate) fn take_peer(&mut self, id: u64) -> Option<Peer> {
        let index = *self.index.get(&id)?;
        Some(self.remove_at(index))
    }

    /// Removes and returns every peer.
    pub(crate) fn take_all(&mut self) -> Vec<Peer> {
        self.by_routing_id.clear();
        self.index.clear();
        self.active.clear();
        self.subscribers.clear();
        self.everything.clear();
        self.by_identity.clear();
        self.next_out = 0;
        if let Some(removed) = &mut self.removed {
            removed.extend(self.peers.iter().map(|p| p.id));
        }
        std::mem::take(&mut self.peers)
    }

    /// Every peer (for option changes that apply to existing pipes).
    pub(crate) fn iter(&self) -> impl Iterator<Item = &Peer> {
        self.peers.iter()
    }

    /// Removes the peer at `index` (the last peer takes its place).
    fn remove_at(&mut self, index: usize) -> Peer {
        let peer = self.peers.swap_remove(index);
        self.index.remove(&peer.id);
        if let Some(moved) = self.peers.get(index) {
            self.index.insert(moved.id, index);
        }
        if self
            .by_routing_id
            .get(&peer.routing_id)
            .is_some_and(|p| Arc::ptr_eq(p, &peer.out))
        {
            self.by_routing_id.remove(&peer.routing_id);
        }
        for group in &peer.groups {
            self.unsubscribe(group, peer.id);
        }
        self.everything.remove(&peer.id);
        if self.by_identity.get(&peer.identity) == Some(&peer.id) {
            self.by_identity.remove(&peer.identity);
        }
        if let Some(removed) = &mut self.removed {
            removed.push(peer.id);
        }
        // Its id may stay in `active`; it is skipped when met.
        if self.next_out >= self.peers.len() {
            self.next_out = 0;
        }
        peer
    }

    /// Round-robin over the peers that have room (Client, Scatter, PUSH,
    /// DEALER, REQ, PAIR). Returns the id of the peer that took it.
    pub(crate) fn send_round_robin<T: Deliverable>(
        &mut self,
        msg: T,
    ) -> Result<u64, SendFail<T>> {
        let count = self.peers.len();
        let mut msg = msg;
        let mut gone = false;
        for step in 0..count {
            let index = (self.next_out + step) % count;
            match msg.push_to(&self.peers[index].out) {
                Ok(()) => {
                    let id = self.peers[index].id;
                    self.next_out = (index + 1) % count;
                    if gone {
                        self.prune_gone();
                    }
                    return Ok(id);
                }
                Err(PushError::Full(back)) => msg = back,
                Err(PushError::Closed(back)) => {
                    gone = true;
                    msg = back
                }
            }
        }
        if gone {
            self.prune_gone();
        }
        Err(SendFail::Again(msg))
    }

    /// Sends to the peer named by the message's routing id (Server).
    pub(crate) fn send_routed(&mut self, mut msg: Msg) -> Result<(), SendFail> {
        self.send_routed_from(&mut msg)
            .map_err(|fail| fail.with(msg))
    }

    /// [`PeerSet::send_routed`] from where the message lies: moved into the
    /// peer's pipe on success, untouched on failure.
    pub(crate) fn send_routed_from(
        &mut self,
        msg: &mut Msg,
    ) -> Result<(), SendFail<()>> {
        use crate::error::ErrorKind::HostUnreachable;
        let routing_id = msg.routing_id_raw();
        let Some(pipe) = self
            .by_routing_id
            .get(&routing_id)
            .filter(|_| routing_id != 0)
        else {
            return Err(SendFail::Fatal(HostUnreachable, ()));
        };
        msg.set_routing_id_raw(0);
        match pipe.push_from(msg) {
            Ok(()) => Ok(()),
            Err(PushError::Full(back)) => {
                back.set_routing_id_raw(routing_id);
                Err(SendFail::Again(()))
            }
            Err(PushError::Closed(back)) => {
                back.set_routing_id_raw(routing_id);
                self.by_routing_id.remove(&routing_id);
                self.prune_gone();
                Err(SendFail::Fatal(HostUnreachable, ()))
            }
        }
    }

    /// Takes the next whole message of the next active peer (the peer stays
    /// active, at the back of the line). `None`: no active peer has one.
    /// Returns the peer's index.
    pub(crate) fn pop_active(&mut self) -> Option<(usize, Parts)> {
        self.pop_active_with(|peer| {
            let mut parts = peer.pop()?;
            parts.set_peer(peer.info.as_ref());
            Ok(parts)
        })
    }

    /// Takes the next message of the next active peer with `take` (the
    /// peer stays active, at the back of the line); a peer found empty
    /// leaves the line, a closed one the set. Returns the peer's index.
    #[inline]
    fn pop_active_with<T>(
        &mut self,
        mut take: impl FnMut(&mut Peer) -> Result<T, PopError>,
    ) -> Option<(usize, T)> {
        self.collect_ready();
        while let Some(&id) = self.active.front() {
            let Some(&index) = self.index.get(&id) else {
                self.active.pop_front();
                continue; // removed meanwhile
            };
            let peer = &mut self.peers[index];
            match take(peer) {
                Ok(taken) => {
                    if self.active.len() > 1 {
                        // To the back of the line (alone, it stays put).
                        self.active.rotate_left(1);
                    }
                    return Some((index, taken));
                }
                Err(err) => {
                    // Empty: the pipe wakes the peer's waker on its next
                    // message. Closed: gone once the other side is too.
                    self.active.pop_front();
                    peer.active = false;
                    if err == PopError::Closed && peer.out.is_reader_closed() {
                        self.remove_at(index);
                    }
                }
            }
        }
        None
    }

    /// Fair-queue for the single-frame socket types: strict per-message
    /// rotation over the peers that have something. With `stamp`, the
    /// message gets the routing id of the peer it came from. A multipart
    /// message (from an inproc peer of a classic type) is dropped whole, as
    /// the engines do for TCP.
    pub(crate) fn recv_fair(&mut self, stamp: bool) -> Option<Msg> {
        let mut msg = Msg::new();
        self.recv_fair_into(stamp, &mut msg).then_some(msg)
    }

    /// [`PeerSet::recv_fair`] into `out` (replaced only when it returns
    /// `true`).
    pub(crate) fn recv_fair_into(
        &mut self,
        stamp: bool,
        out: &mut Msg,
    ) -> bool {
        let mut longer = None;
        loop {
            match self.pop_active_into(out, &mut longer, stamp, |_| true) {
                None => return false,
                Some(Took::One) => return true,
                // Several frames: dropped.
                Some(Took::Longer | Took::Dropped) => longer = None,
            }
        }
    }

    /// [`PeerSet::pop_active`] for a receive into `out`: a one-frame
    /// message goes into `out` (with the peer's routing id if `stamp`), a
    /// longer one whole into `longer` (`out` untouched), one whose first
    /// frame `wanted` refuses is dropped. `None`: nothing to take.
    #[inline]
    pub(crate) fn pop_active_into(
        &mut self,
        out: &mut Msg,
        longer: &mut Option<Parts>,
        stamp: bool,
        wanted: impl Fn(&Msg) -> bool,
    ) -> Option<Took> {
        let (_, took) = self.pop_active_with(|peer| {
            let took = peer.pop_into(out, longer, &wanted)?;
            match took {
                Took::One => {
                    out.set_peer(peer.info.as_ref());
                    if stamp {
                        out.set_routing_id_raw(peer.routing_id);
                    }
                }
                Took::Longer => {
                    if let Some(parts) = longer {
                        parts.set_peer(peer.info.as_ref());
                    }
                }
                Took::Dropped => {}
            }
            Ok(took)
        })?;
        Some(took)
    }

    fn unsubscribe(&mut self, group: &GroupSlice, id: u64) {
        if let Some(ids) = self.subscribers.get_mut(group) {
            ids.remove(&id);
            if ids.is_empty() {
                self.subscribers.remove(group);
            }
        }
    }

    /// Applies the JOIN/LEAVE commands the peers sent (Radio). Data a peer
    /// sends to a Radio is dropped. Only the peers that woke us are visited.
    pub(crate) fn apply_subscriptions(&mut self) {
        while let Some((index, msg)) = self.pop_active() {
            let msg = msg.first();
            let (Some(command), Some(group)) = (msg.as_command(), msg.group())
            else {
                continue;
            };
            let peer = &mut self.peers[index];
            let id = peer.id;
            match command {
                PipeCommand::Join => {
                    if peer.groups.insert(group.to_owned()) {
                        self.subscribers
                            .entry(group.to_owned())
                            .or_default()
                            .insert(id);
                    }
                }
                PipeCommand::Leave => {
                    if peer.groups.remove(group) {
                        self.unsubscribe(group, id);
                    }
                }
                // A Radio has no topic subscriptions.
                PipeCommand::Subscribe | PipeCommand::Cancel => {}
            }
        }
    }

    /// Radio: a copy to every peer that joined the message's group. A peer at
    /// its HWM misses the message, unless `no_drop`, where the send waits until
    /// every matching peer has room. Returns how many peers missed it.
    pub(crate) fn send_fan_out(
        &mut self,
        mut msg: Msg,
        no_drop: bool,
    ) -> Result<usize, SendFail> {
        self.apply_subscriptions();
        // A message without a group goes to the empty group, as in libzmq.
        let group = match msg.group() {
            Some(group) => group.to_owned(),
            None => {
                msg.set_group_raw(Some(Group::empty()));
                Group::empty()
            }
        };
        let none = IdSet::default();
        let joined = self.subscribers.get(&group).unwrap_or(&none);
        let targets = || {
            joined
                .iter()
                .chain(self.everything.iter().filter(|id| !joined.contains(id)))
                .filter_map(|id| self.index.get(id).map(|&i| &self.peers[i]))
        };
        if no_drop && targets().any(|p| !p.out.is_writable()) {
            return Err(SendFail::Again(msg));
        }
        msg.share();
        let mut gone = false;
        let mut missed = 0;
        for peer in targets() {
            // Full: this peer misses it (lossy Radio). Closed: it is leaving.
            match peer.out.push(msg.clone()) {
                Ok(()) => {}
                Err(PushError::Full(_)) => missed += 1,
                Err(PushError::Closed(_)) => gone = true,
            }
        }
        if gone {
            self.prune_gone();
        }
        Ok(missed)
    }

    /// Dish: fair-queue, keeping only messages of a joined group.
    pub(crate) fn recv_joined(&mut self, joined: &[Group]) -> Option<Msg> {
        loop {
            let msg = self.recv_fair(false)?;
            if msg
                .group()
                .is_some_and(|g| joined.iter().any(|j| **j == *g))
            {
                return Some(msg);
            }
        }
    }

    /// Dish: sends a JOIN or LEAVE to every peer.
    pub(crate) fn broadcast_command(
        &self,
        command: PipeCommand,
        group: &Group,
    ) {
        for peer in &self.peers {
            let _ = peer.out.push_command(Msg::command(command, group.clone()));
        }
    }

    /// Whether some peer has a message ready (only active peers are looked
    /// at; those found empty leave the active list).
    pub(crate) fn any_readable(&mut self) -> bool {
        self.collect_ready();
        while let Some(&id) = self.active.front() {
            if let Some(&index) = self.index.get(&id) {
                let peer = &mut self.peers[index];
                if peer.is_readable() {
                    return true;
                }
                peer.active = false;
                if peer.out.is_reader_closed() && peer.is_drained_and_closed() {
                    self.remove_at(index);
                }
            }
            self.active.pop_front();
        }
        false
    }

    /// Whether some peer can take a message now.
    pub(crate) fn any_writable(&self) -> bool {
        self.peers.iter().any(|p| p.out.is_writable())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peer(id: u64) -> Peer {
        Peer::new(id, Pipe::new(Some(2), None), Pipe::new(None, Some(2)), id)
    }

    fn set() -> PeerSet {
        PeerSet::new(Signal::new())
    }

    fn group(name: &str) -> Group {
        Group::new(name).unwrap()
    }

    #[test]
    fn routing_ids_are_nonzero_and_unique() {
        let mut set = PeerSet {
            next_routing_id: u32::MAX,
            ..set()
        };
        for id in 0..3 {
            set.attach(peer(id));
        }
        let ids: Vec<u32> = set.iter().map(|p| p.routing_id).collect();
        assert_eq!(ids, vec![u32::MAX, 1, 2]);
    }

    #[test]
    fn round_robin_skips_full_peers() {
        let mut set = set();
        set.attach(peer(1));
        set.attach(peer(2));
        for i in 0..4u8 {
            assert!(set
                .send_round_robin(Parts::One(Msg::from(vec![i])))
                .is_ok());
        }
        assert!(matches!(
            set.send_round_robin(Parts::One(Msg::new())),
            Err(SendFail::Again(_))
        ));
        let first: Vec<u8> = std::iter::from_fn(|| set.peers[0].out.pop().ok())
            .map(|m| m.as_bytes()[0])
            .collect();
        assert_eq!(first, vec![0, 2]);
    }

    #[test]
    fn fair_queue_rotates_per_message_and_stamps() {
        let mut set = set();
        set.attach(peer(1));
        set.attach(peer(2));
        for p in set.iter() {
            p.inp.push(Msg::from(vec![p.id as u8])).unwrap();
            p.inp.push(Msg::from(vec![p.id as u8])).unwrap();
        }
        let got: Vec<u8> = (0..4)
            .map(|_| set.recv_fair(false).unwrap().as_bytes()[0])
            .collect();
        assert_eq!(got, vec![1, 2, 1, 2]);
        assert!(set.recv_fair(false).is_none());
        let routing_id = set.peers[1].routing_id;
        set.peers[1].inp.push(Msg::from("late")).unwrap();
        let msg = set.recv_fair(true).unwrap();
        assert_eq!(msg.routing_id_raw(), routing_id);
    }

    #[test]
    fn receiving_into_a_message_replaces_it_whole_or_not_at_all() {
        let mut set = set();
        set.attach(peer(1));
        let routing_id = set.peers[0].routing_id;
        let inp = set.peers[0].inp.clone();
        let mut out = Msg::from("previous");
        out.set_routing_id_raw(7);
        assert!(!set.recv_fair_into(true, &mut out));
        assert_eq!(out.as_bytes(), b"previous", "untouched when nothing came");
        assert_eq!(out.routing_id_raw(), 7);
        // A message of several frames is dropped whole, the next one taken.
        let two = Parts::from_vec(vec![Msg::from("a"), Msg::from("b")]);
        assert!(two.push_to(&inp).is_ok());
        inp.push(Msg::from("next")).unwrap();
        assert!(set.recv_fair_into(true, &mut out));
        assert_eq!(out.as_bytes(), b"next");
        assert_eq!(out.routing_id_raw(), routing_id);
        assert!(!out.more());
        assert!(!set.recv_fair_into(false, &mut out));
        assert_eq!(out.as_bytes(), b"next");
    }

    #[test]
    fn idle_peers_are_not_visited() {
        let mut set = set();
        for id in 0..1000 {
            set.attach(peer(id));
        }
        assert!(set.recv_fair(false).is_none());
        assert!(set.active.is_empty(), "every empty peer left the line");
        set.peers[500].inp.push(Msg::from("x")).unwrap();
        assert_eq!(set.active.len(), 0);
        assert_eq!(set.ready.ids.lock().as_slice(), &[500]);
        assert!(set.any_readable());
        assert_eq!(set.active.len(), 1);
        assert_eq!(set.recv_fair(false).unwrap().as_bytes(), b"x");
    }

    #[test]
    fn a_batch_keeps_its_room_until_read() {
        let mut set = set();
        set.attach(peer(1)); // incoming capacity: 2 messages
        let inp = set.peers[0].inp.clone();
        inp.push(Msg::from("a")).unwrap();
        inp.push(Msg::from("b")).unwrap();
        assert_eq!(set.recv_fair(false).unwrap().as_bytes(), b"a");
        // "b" waits in the socket's batch: it still takes room.
        inp.push(Msg::from("c")).unwrap();
        assert!(matches!(inp.push(Msg::from("d")), Err(PushError::Full(_))));
        // Reading the last of the batch gives its room back at once.
        assert_eq!(set.recv_fair(false).unwrap().as_bytes(), b"b");
        inp.push(Msg::from("d")).unwrap();
        let rest: Vec<_> =
            std::iter::from_fn(|| set.recv_fair(false)).collect();
        let rest: Vec<&[u8]> = rest.iter().map(Msg::as_bytes).collect();
        assert_eq!(rest, [&b"c"[..], b"d"]);
        assert!(set.recv_fair(false).is_none());
        // A batch still being read keeps a closed peer until it is read.
        inp.push(Msg::from("e")).unwrap();
        inp.push(Msg::from("f")).unwrap();
        assert_eq!(set.recv_fair(false).unwrap().as_bytes(), b"e");
        inp.close_writer();
        set.peers[0].out.close_reader();
        set.prune_gone();
        assert_eq!(set.len(), 1);
        assert_eq!(set.recv_fair(false).unwrap().as_bytes(), b"f");
        assert!(set.recv_fair(false).is_none());
        assert_eq!(set.len(), 0);
    }

    #[test]
    fn routed_send_to_unknown_or_zero_id_is_unreachable() {
        let mut set = set();
        set.attach(peer(1));
        let id = set.peers[0].routing_id;
        let mut msg = Msg::from("x");
        assert!(matches!(
            set.send_routed(msg.clone()),
            Err(SendFail::Fatal(_, _))
        ));
        msg.set_routing_id_raw(id.wrapping_add(12345));
        assert!(matches!(
            set.send_routed(msg.clone()),
            Err(SendFail::Fatal(_, _))
        ));
        msg.set_routing_id_raw(id);
        assert!(set.send_routed(msg).is_ok());
        assert_eq!(set.peers[0].out.pop().unwrap().routing_id_raw(), 0);
    }

    #[test]
    fn a_routing_id_is_refused_while_held_and_taken_from_a_gone_peer() {
        let mut set = set();
        let wanted = || Some(Bytes::from_static(b"w"));
        set.attach(peer(1));
        assert!(set.assign_identity(1, wanted(), false));
        set.attach(peer(2));
        assert!(!set.assign_identity(2, wanted(), false));
        // Peer 1's connection ends, its last message still unread.
        set.peers[0].inp.push(Msg::from("last")).unwrap();
        set.peers[0].out.close_reader();
        set.peers[0].inp.close_writer();
        assert!(set.assign_identity(2, wanted(), false));
        assert_eq!(set.by_identity(b"w").unwrap().id, 2);
        let old = set.get(1).unwrap().identity.clone();
        assert_eq!(old[0], 0, "the old peer gets a generated id");
        assert_eq!(set.by_identity(&old).unwrap().id, 1);
    }

    #[test]
    fn gone_peer_stays_until_drained() {
        let mut set = set();
        set.attach(peer(1));
        set.attach(peer(2));
        set.peers[0].inp.push(Msg::from("last")).unwrap();
        // The other end of peer 1 leaves: it closes its pipe ends.
        set.peers[0].out.close_reader();
        set.peers[0].inp.close_writer();
        assert_eq!(set.live_len(), 1);
        assert!(set.send_round_robin(Parts::One(Msg::from("x"))).is_ok());
        assert_eq!(set.len(), 2, "what it sent is still to be read");
        assert_eq!(set.recv_fair(false).unwrap().as_bytes(), b"last");
        assert!(set.recv_fair(false).is_none());
        assert_eq!(set.len(), 1);
        assert_eq!(set.peers[0].id, 2);
    }

    #[test]
    fn radio_fans_out_by_group_index() {
        let mut set = set();
        for id in 0..3 {
            set.attach(peer(id));
        }
        let join = |set: &PeerSet, i: usize, name: &str| {
            let command = Msg::command(PipeCommand::Join, group(name));
            set.peers[i].inp.push_command(command).unwrap();
        };
        join(&set, 0, "a");
        join(&set, 1, "b");
        join(&set, 2, "a");
        set.set_all_groups(1);
        let mut msg = Msg::from("to a");
        msg.set_group_raw(Some(group("a")));
        assert!(set.send_fan_out(msg, false).is_ok());
        let got: Vec<usize> =
            (0..3).filter(|&i| set.peers[i].out.pop().is_ok()).collect();
        assert_eq!(got, vec![0, 1, 2], "1 takes every group");
        let leave = Msg::command(PipeCommand::Leave, group("a"));
        set.peers[0].inp.push_command(leave).unwrap();
        let mut msg = Msg::from("to a again");
        msg.set_group_raw(Some(group("a")));
        assert!(set.send_fan_out(msg, false).is_ok());
        assert!(set.peers[0].out.pop().is_err());
        assert!(set.peers[1].out.pop().is_ok());
        assert!(set.peers[2].out.pop().is_ok());
        // Without a group: the empty group, which nobody here joined.
        assert!(set.send_fan_out(Msg::from("none"), false).is_ok());
        let empty = set.peers[1].out.pop().unwrap();
        assert_eq!(empty.group().unwrap(), "");
        assert!(set.peers[2].out.pop().is_err());
    }
}
