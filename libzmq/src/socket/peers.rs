//! The set of peers a socket talks to, and the routing strategies over it:
//! round-robin out (Client, Scatter), routing id out (Server), fair-queue in.

use crate::group::{Group, GroupSlice};
use crate::msg::{Msg, PipeCommand};
use crate::pipe::{Pipe, PopError, PushError};
use std::collections::{HashMap, HashSet};
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
    pub(crate) groups: HashSet<Group>,
    /// The peer takes every group (a UDP destination of a Radio).
    pub(crate) all_groups: bool,
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
        }
    }

    fn wants(&self, group: &GroupSlice) -> bool {
        self.all_groups || self.groups.contains(group)
    }
}

/// Outcome of one non-blocking send attempt.
pub(crate) enum SendFail {
    /// Try again later (mute state or HWM).
    Again(Msg),
    /// Give up with this error.
    Fatal(crate::error::ErrorKind, Msg),
}

/// The peers of one socket and the cursors of its strategies.
pub(crate) struct PeerSet {
    peers: Vec<Peer>,
    next_out: usize,
    next_in: usize,
    by_routing_id: HashMap<u32, Arc<Pipe>>,
    next_routing_id: u32,
}

impl Default for PeerSet {
    fn default() -> Self {
        PeerSet {
            peers: Vec::new(),
            next_out: 0,
            next_in: 0,
            by_routing_id: HashMap::new(),
            // Random start, as libzmq: ids are not guessable across runs.
            next_routing_id: rand::random::<u32>(),
        }
    }
}

impl PeerSet {
    /// Adds a peer; gives it a fresh nonzero routing id.
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
        self.peers.push(peer);
    }

    /// Makes peer `peer_id` take every group (a Radio's UDP destination).
    pub(crate) fn set_all_groups(&mut self, peer_id: u64) {
        if let Some(peer) = self.peers.iter_mut().find(|p| p.id == peer_id) {
            peer.all_groups = true;
        }
    }

    /// Forgets the peers that are gone: the other end closed both pipes and
    /// what it sent has been read. (A peer leaves by closing its pipe ends;
    /// the strategies notice when they meet a closed pipe.)
    fn prune_gone(&mut self) {
        let mut index = 0;
        while index < self.peers.len() {
            let peer = &self.peers[index];
            if peer.out.is_reader_closed() && peer.inp.is_drained_and_closed() {
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

    /// Removes and returns every peer.
    pub(crate) fn take_all(&mut self) -> Vec<Peer> {
        self.by_routing_id.clear();
        self.next_in = 0;
        self.next_out = 0;
        std::mem::take(&mut self.peers)
    }

    /// Every peer (for option changes that apply to existing pipes).
    pub(crate) fn iter(&self) -> impl Iterator<Item = &Peer> {
        self.peers.iter()
    }

    fn remove_at(&mut self, index: usize) -> Peer {
        let peer = self.peers.remove(index);
        if self
            .by_routing_id
            .get(&peer.routing_id)
            .is_some_and(|p| Arc::ptr_eq(p, &peer.out))
        {
            self.by_routing_id.remove(&peer.routing_id);
        }
        if self.next_out > index {
            self.next_out -= 1;
        }
        if self.next_in > index {
            self.next_in -= 1;
        }
        peer
    }

    /// Round-robin over the peers that have room (Client, Scatter).
    pub(crate) fn send_round_robin(
        &mut self,
        msg: Msg,
    ) -> Result<(), SendFail> {
        let count = self.peers.len();
        let mut msg = msg;
        let mut gone = false;
        for step in 0..count {
            let index = (self.next_out + step) % count;
            match self.peers[index].out.push(msg) {
                Ok(()) => {
                    self.next_out = (index + 1) % count;
                    if gone {
                        self.prune_gone();
                    }
                    return Ok(());
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
        use crate::error::ErrorKind::HostUnreachable;
        let routing_id = msg.routing_id_raw();
        let Some(pipe) = self
            .by_routing_id
            .get(&routing_id)
            .filter(|_| routing_id != 0)
        else {
            return Err(SendFail::Fatal(HostUnreachable, msg));
        };
        msg.set_routing_id_raw(0);
        match pipe.push(msg) {
            Ok(()) => Ok(()),
            Err(PushError::Full(mut back)) => {
                back.set_routing_id_raw(routing_id);
                Err(SendFail::Again(back))
            }
            Err(PushError::Closed(mut back)) => {
                back.set_routing_id_raw(routing_id);
                self.by_routing_id.remove(&routing_id);
                self.prune_gone();
                Err(SendFail::Fatal(HostUnreachable, back))
            }
        }
    }

    /// Fair-queue: strict per-message rotation over the readable peers. With
    /// `stamp`, the message gets the routing id of the peer it came from.
    pub(crate) fn recv_fair(&mut self, stamp: bool) -> Option<Msg> {
        let mut step = 0;
        while step < self.peers.len() {
            let count = self.peers.len();
            let index = (self.next_in + step) % count;
            match self.peers[index].inp.pop() {
                Ok(mut msg) => {
                    if stamp {
                        msg.set_routing_id_raw(self.peers[index].routing_id);
                    }
                    self.next_in = (index + 1) % count;
                    return Some(msg);
                }
                Err(PopError::Empty) => step += 1,
                Err(PopError::Closed) => {
                    // Drained and gone: forget it, and look at the same slot again.
                    self.remove_at(index);
                    if self.next_in >= self.peers.len() {
                        self.next_in = 0;
                    }
                }
            }
        }
        None
    }

    /// Applies the JOIN/LEAVE commands the peers sent (Radio). Data a peer
    /// sends to a Radio is dropped. Peers that are gone are forgotten.
    pub(crate) fn apply_subscriptions(&mut self) {
        let mut index = 0;
        while index < self.peers.len() {
            let peer = &mut self.peers[index];
            let closed = loop {
                match peer.inp.pop() {
                    Ok(msg) => match (msg.as_command(), msg.group()) {
                        (Some(PipeCommand::Join), Some(group)) => {
                            peer.groups.insert(group.to_owned());
                        }
                        (Some(PipeCommand::Leave), Some(group)) => {
                            peer.groups.remove(group);
                        }
                        _ => {}
                    },
                    Err(PopError::Empty) => break false,
                    Err(PopError::Closed) => break !peer.out.is_writable(),
                }
            };
            if closed {
                self.remove_at(index);
            } else {
                index += 1;
            }
        }
    }

    /// Radio: a copy to every peer that joined the message's group. A peer at
    /// its HWM misses the message, unless `no_drop`, where the send waits until
    /// every matching peer has room.
    pub(crate) fn send_fan_out(
        &mut self,
        mut msg: Msg,
        no_drop: bool,
    ) -> Result<(), SendFail> {
        self.apply_subscriptions();
        // A message without a group goes to the empty group, as in libzmq.
        if msg.group().is_none() {
            msg.set_group_raw(Some(Group::empty()));
        }
        let group = msg.group().map_or_else(Group::empty, GroupSlice::to_owned);
        if no_drop
            && self
                .peers
                .iter()
                .any(|p| p.wants(&group) && !p.out.is_writable())
        {
            return Err(SendFail::Again(msg));
        }
        msg.share();
        for peer in self.peers.iter().filter(|p| p.wants(&group)) {
            // Full: this peer misses it (lossy Radio). Closed: it is leaving.
            let _ = peer.out.push(msg.clone());
        }
        Ok(())
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

    /// Whether some peer has a message ready.
    pub(crate) fn any_readable(&self) -> bool {
        self.peers.iter().any(|p| p.inp.is_readable())
    }

    /// Whether some peer can take a message now.
    pub(crate) fn any_writable(&self) -> bool {
        self.peers.iter().any(|p| p.out.is_writable())
    }

    /// Number of peers.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.peers.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peer(id: u64) -> Peer {
        Peer::new(id, Pipe::new(Some(2), None), Pipe::new(None, Some(2)), id)
    }

    #[test]
    fn routing_ids_are_nonzero_and_unique() {
        let mut set = PeerSet {
            next_routing_id: u32::MAX,
            ..PeerSet::default()
        };
        for id in 0..3 {
            set.attach(peer(id));
        }
        let ids: Vec<u32> = set.iter().map(|p| p.routing_id).collect();
        assert_eq!(ids, vec![u32::MAX, 1, 2]);
    }

    #[test]
    fn round_robin_skips_full_peers() {
        let mut set = PeerSet::default();
        set.attach(peer(1));
        set.attach(peer(2));
        for i in 0..4u8 {
            assert!(set.send_round_robin(Msg::from(vec![i])).is_ok());
        }
        assert!(matches!(
            set.send_round_robin(Msg::new()),
            Err(SendFail::Again(_))
        ));
        let first: Vec<u8> = std::iter::from_fn(|| set.peers[0].out.pop().ok())
            .map(|m| m.as_bytes()[0])
            .collect();
        assert_eq!(first, vec![0, 2]);
    }

    #[test]
    fn fair_queue_rotates_per_message_and_stamps() {
        let mut set = PeerSet::default();
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
    }

    #[test]
    fn routed_send_to_unknown_or_zero_id_is_unreachable() {
        let mut set = PeerSet::default();
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
    fn gone_peer_stays_until_drained() {
        let mut set = PeerSet::default();
        set.attach(peer(1));
        set.attach(peer(2));
        set.peers[0].inp.push(Msg::from("last")).unwrap();
        // The other end of peer 1 leaves: it closes its pipe ends.
        set.peers[0].out.close_reader();
        set.peers[0].inp.close_writer();
        assert!(set.send_round_robin(Msg::from("x")).is_ok());
        assert_eq!(set.len(), 2, "what it sent is still to be read");
        assert_eq!(set.recv_fair(false).unwrap().as_bytes(), b"last");
        assert!(set.send_round_robin(Msg::from("y")).is_ok());
        assert_eq!(set.len(), 1);
        assert_eq!(set.peers[0].id, 2);
    }
}
