//! The socket core shared by the six socket types, split by concept: this
//! module holds the state (peers, endpoints, a Dish's groups) and takes the
//! commands of the socket's [`Inbox`]; [`blocking`](super::blocking) has the
//! send/recv loops, [`endpoints`](super::endpoints) bind, connect, unbind
//! and close, [`settings`](super::settings) the options.
//!
//! Other threads never call into a socket: I/O threads and inproc peers post
//! new peers to its inbox, and a peer that leaves closes its pipe ends. Every
//! access to the state goes through [`SocketCore::state`], which first takes
//! what the inbox holds.

use super::classic::pubsub::send_all_subscriptions;
use super::classic::{is_classic, on_attach};
use super::endpoints::EndpointRecord;
use super::peers::{Peer, PeerSet};
use super::settings::{Settings, NO_TIMEOUT};
use crate::addr::Endpoint;
use crate::counters::CounterCells;
use crate::ctx::{CtxHandle, CtxInner};
use crate::error::{Error, ErrorKind};
use crate::group::{Group, GroupSlice};
use crate::inbox::{Inbox, SocketCommand};
use crate::monitor::hub::MonitorHub;
use crate::msg::{Msg, PipeCommand};
use crate::peer_info::PeerInfo;
use crate::pipe::{Hwms, Pipe};
use crate::signal::Signal;
use parking_lot::{Mutex, MutexGuard};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::SeqCst};
use std::sync::Arc;
use zmtp::SocketType;

static NEXT_SOCKET_ID: AtomicU64 = AtomicU64::new(1);

pub(crate) struct State {
    pub(super) peers: PeerSet,
    pub(super) endpoints: Vec<EndpointRecord>,
    pub(super) last_endpoint: Option<Endpoint>,
    next_peer_id: u64,
    pub(super) closed: bool,
    /// The groups a Dish joined, in join order.
    pub(super) groups: Vec<Group>,
    /// The classic types' routing state and options.
    pub(crate) classic: super::classic::Classic,
    /// The socket's counters, for the routing strategies that drop
    /// (PUB/XPUB at a subscriber's HWM).
    pub(crate) counters: Arc<CounterCells>,
}

/// The shared core of a socket. See the module docs.
pub(crate) struct SocketCore {
    pub(crate) id: u64,
    pub(crate) kind: SocketType,
    pub(crate) ctx: Arc<CtxInner>,
    ctx_handle: CtxHandle,
    pub(crate) signal: Arc<Signal>,
    pub(super) inbox: Arc<Inbox>,
    pub(super) hwms: Arc<Hwms>,
    state: Mutex<State>,
    pub(super) settings: Mutex<Settings>,
    pub(super) send_timeout_ms: AtomicU64,
    pub(super) recv_timeout_ms: AtomicU64,
    pub(super) no_drop: AtomicBool,
    /// Where the monitors' events go (shared with the endpoints' I/O).
    pub(crate) monitor: Arc<MonitorHub>,
    pub(crate) counters: Arc<CounterCells>,
}

impl std::fmt::Debug for SocketCore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Socket")
            .field("type", &self.kind)
            .field("id", &self.id)
            .finish()
    }
}

impl SocketCore {
    pub(crate) fn new(
        handle: CtxHandle,
        kind: SocketType,
    ) -> Result<Arc<SocketCore>, Error> {
        let ctx = handle.upgrade()?;
        let id = NEXT_SOCKET_ID.fetch_add(1, SeqCst);
        let signal = Signal::new();
        ctx.register_socket(id, &signal)?;
        let counters = CounterCells::new();
        Ok(Arc::new(SocketCore {
            id,
            kind,
            ctx,
            ctx_handle: handle,
            inbox: Inbox::new(signal.clone()),
            signal: signal.clone(),
            hwms: Hwms::new(),
            state: Mutex::new(State {
                peers: PeerSet::new(signal.clone()),
                endpoints: Vec::new(),
                last_endpoint: None,
                next_peer_id: 0,
                closed: false,
                groups: Vec::new(),
                classic: Default::default(),
                counters: counters.clone(),
            }),
            settings: Mutex::new(Settings::default()),
            send_timeout_ms: AtomicU64::new(NO_TIMEOUT),
            recv_timeout_ms: AtomicU64::new(NO_TIMEOUT),
            no_drop: AtomicBool::new(false),
            monitor: MonitorHub::new(),
            counters,
        }))
    }

    pub(crate) fn ctx_handle(&self) -> CtxHandle {
        self.ctx_handle
    }

    /// The state, after taking the commands of the inbox.
    pub(super) fn state(&self) -> MutexGuard<'_, State> {
        let mut state = self.state.lock();
        if self.inbox.has_pending() {
            for command in self.inbox.take() {
                self.apply(&mut state, command);
            }
        }
        state
    }

    /// The state as it is, for closing (the inbox is closed first).
    pub(super) fn state_for_close(&self) -> MutexGuard<'_, State> {
        self.state.lock()
    }

    fn apply(&self, state: &mut State, command: SocketCommand) {
        if state.closed {
            command.abandon();
            return;
        }
        match command {
            SocketCommand::Attach {
                endpoint_id,
                out,
                inp,
                peer,
            } => {
                self.attach_locked(state, out, inp, endpoint_id, peer);
            }
            SocketCommand::Reconnected { out, peer } => {
                let identity = peer.routing_id().cloned();
                let id = state.peers.set_info(&out, peer);
                if let (SocketType::Router, Some(id)) = (self.kind, id) {
                    // A connected ROUTER learns its peer's routing id from
                    // each new handshake (refused: it keeps a generated one).
                    let handover = state.classic.options.handover;
                    if identity.is_some() {
                        state.peers.assign_identity(id, identity, handover);
                    }
                }
                if !matches!(
                    self.kind,
                    SocketType::Dish | SocketType::Sub | SocketType::XSub
                ) {
                    return;
                }
                // What was queued was for the old connection; the new one
                // gets every group joined (subscription made) now.
                out.discard();
                for group in &state.groups {
                    let join = Msg::command(PipeCommand::Join, group.clone());
                    let _ = out.push_command(join);
                }
                if matches!(self.kind, SocketType::Sub | SocketType::XSub) {
                    send_all_subscriptions(self.kind, state, &out);
                }
            }
        }
    }

    fn attach_locked(
        &self,
        state: &mut State,
        out: Arc<Pipe>,
        inp: Arc<Pipe>,
        endpoint_id: u64,
        info: Option<Arc<PeerInfo>>,
    ) -> u64 {
        state.next_peer_id += 1;
        let id = state.next_peer_id;
        if self.kind == SocketType::Dish {
            for group in &state.groups {
                let join = Msg::command(PipeCommand::Join, group.clone());
                let _ = out.push_command(join);
            }
        }
        let mut peer = Peer::new(id, out, inp, endpoint_id);
        let identity = info.as_ref().and_then(|i| i.routing_id().cloned());
        peer.info = info;
        state.peers.attach(peer);
        if is_classic(self.kind) && !on_attach(self.kind, state, id, identity) {
            // Refused (a second PAIR peer, a ROUTER routing id in use):
            // closing its pipes ends the connection.
            if let Some(peer) = state.peers.take_peer(id) {
                peer.out.close_writer();
                peer.inp.close_reader();
            }
        }
        id
    }

    /// Adds a peer whose pipes this socket made (a connect, an inproc bind
    /// or connect, a UDP endpoint). Returns its id, or `None` when closed.
    pub(super) fn attach_pipes(
        &self,
        out: Arc<Pipe>,
        inp: Arc<Pipe>,
        endpoint_id: u64,
        peer: Option<Arc<PeerInfo>>,
    ) -> Option<u64> {
        let mut state = self.state();
        if state.closed {
            return None;
        }
        let id = self.attach_locked(&mut state, out, inp, endpoint_id, peer);
        drop(state);
        self.signal.notify();
        Some(id)
    }

    // ---- groups (Dish) -------------------------------------------------------------

    /// Joins `group` and tells every peer.
    pub(crate) fn join(&self, group: Group) -> Result<(), Error> {
        self.ctx.check_alive()?;
        let mut state = self.state();
        if state.groups.contains(&group) {
            return Err(Error::new(ErrorKind::InvalidInput(
                "cannot join group twice",
            )));
        }
        state.peers.broadcast_command(PipeCommand::Join, &group);
        state.groups.push(group);
        Ok(())
    }

    /// Leaves `group` and tells every peer.
    pub(crate) fn leave(&self, group: &GroupSlice) -> Result<(), Error> {
        self.ctx.check_alive()?;
        let mut state = self.state();
        let Some(index) = state.groups.iter().position(|g| **g == *group)
        else {
            return Err(Error::new(ErrorKind::InvalidInput(
                "cannot leave a group that wasn't joined",
            )));
        };
        let group = state.groups.remove(index);
        state.peers.broadcast_command(PipeCommand::Leave, &group);
        Ok(())
    }

    /// The groups joined, in join order.
    pub(crate) fn joined(&self) -> Vec<Group> {
        self.state().groups.clone()
    }

    // ---- classic types -------------------------------------------------------------

    /// Reads or changes the classic options.
    pub(crate) fn classic_options<R>(
        &self,
        f: impl FnOnce(&mut super::classic::ClassicOptions) -> R,
    ) -> Result<R, Error> {
        self.ctx.check_alive()?;
        Ok(f(&mut self.state().classic.options))
    }

    /// SUB: subscribes to messages starting with `prefix`.
    pub(crate) fn subscribe(&self, prefix: &[u8]) -> Result<(), Error> {
        self.ctx.check_alive()?;
        super::classic::pubsub::subscribe(self.kind, &mut self.state(), prefix);
        Ok(())
    }

    /// SUB: removes one subscription to `prefix`.
    pub(crate) fn unsubscribe(&self, prefix: &[u8]) -> Result<(), Error> {
        self.ctx.check_alive()?;
        super::classic::pubsub::unsubscribe(
            self.kind,
            &mut self.state(),
            prefix,
        );
        Ok(())
    }
}

/// The socket as the public types hold it: closing happens when the last
/// clone of the public socket is dropped.
#[doc(hidden)]
pub struct RawSocket {
    pub(crate) core: Arc<SocketCore>,
}

impl RawSocket {
    pub(crate) fn new(
        handle: CtxHandle,
        kind: SocketType,
    ) -> Result<RawSocket, Error> {
        Ok(RawSocket {
            core: SocketCore::new(handle, kind)?,
        })
    }
}

impl std::fmt::Debug for RawSocket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.core.fmt(f)
    }
}

impl PartialEq for RawSocket {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.core, &other.core)
    }
}
impl Eq for RawSocket {}

impl Drop for RawSocket {
    fn drop(&mut self) {
        self.core.close();
    }
}
