//! The inproc transport: the two sockets' pipes are joined directly, with no
//! I/O thread, no encoding and no copy.
//!
//! A connect to a name nobody has bound yet creates the pipes at once (so the
//! connecting socket can queue messages, as libzmq) and parks them in the
//! ctx's table until a socket binds the name. Names are scoped per ctx.
//! As in libzmq there is no handshake, hence no socket-type check, over inproc.
//!
//! The table never calls into a socket: the side that binds or connects gets
//! its own pipes back from these functions, and the other side receives its
//! pipes through its [`Inbox`].

use crate::error::{Error, ErrorKind};
use crate::inbox::{Inbox, SocketCommand};
use crate::peer_info::PeerInfo;
use crate::pipe::{Hwms, Pipe};
use bytes::Bytes;
use std::collections::HashMap;
use std::sync::Arc;

/// A socket as the inproc table knows it.
#[derive(Clone)]
pub(crate) struct InprocSocket {
    /// Where its new peers are posted.
    pub(crate) inbox: Arc<Inbox>,
    /// Its high water marks, for the capacity of the pipes.
    pub(crate) hwms: Arc<Hwms>,
    pub(crate) socket_id: u64,
    /// The routing id it announces (REQ, DEALER, ROUTER), as a handshake
    /// would.
    pub(crate) routing_id: Option<Bytes>,
}

/// The pipes of one inproc peer, as seen from one socket.
pub(crate) struct PeerPipes {
    /// This socket → the peer.
    pub(crate) out: Arc<Pipe>,
    /// The peer → this socket.
    pub(crate) inp: Arc<Pipe>,
    /// What the peer announced (its routing id), if anything.
    pub(crate) peer: Option<Arc<PeerInfo>>,
}

/// The description of an inproc peer that set a routing id.
fn announced(routing_id: &Option<Bytes>) -> Option<Arc<PeerInfo>> {
    let id = routing_id.as_ref()?;
    let property = (&b"Identity"[..], &id[..]);
    Some(Arc::new(PeerInfo::new(
        None,
        "NULL",
        None,
        std::iter::once(property),
    )))
}

struct Bound {
    socket: InprocSocket,
    endpoint_id: u64,
}

struct Pending {
    /// Connecting socket → binder.
    to_binder: Arc<Pipe>,
    /// Binder → connecting socket.
    from_binder: Arc<Pipe>,
    /// The connect's endpoint id (to cancel it).
    endpoint_id: u64,
    /// The connecting socket's routing id.
    routing_id: Option<Bytes>,
}

/// The inproc names of one ctx.
#[derive(Default)]
pub(crate) struct InprocTable {
    bound: HashMap<String, Bound>,
    pending: HashMap<String, Vec<Pending>>,
}

impl InprocTable {
    /// Binds `name` for `socket`; returns the pipes of the connects that were
    /// waiting for it (the binder attaches them itself).
    pub(crate) fn bind(
        &mut self,
        name: &str,
        socket: &InprocSocket,
        endpoint_id: u64,
    ) -> Result<Vec<PeerPipes>, Error> {
        if self
            .bound
            .get(name)
            .is_some_and(|b| !b.socket.inbox.is_closed())
        {
            return Err(Error::new(ErrorKind::AddrInUse));
        }
        self.bound.insert(
            name.to_owned(),
            Bound {
                socket: socket.clone(),
                endpoint_id,
            },
        );
        let pending = self.pending.remove(name).unwrap_or_default();
        Ok(pending
            .into_iter()
            .map(|pending| {
                // The binder's side joins the capacity now.
                if socket.hwms.conflate() {
                    pending.to_binder.set_conflate();
                    pending.from_binder.set_conflate();
                }
                pending.to_binder.set_reader_hwm(Some(socket.hwms.recv()));
                pending.from_binder.set_writer_hwm(Some(socket.hwms.send()));
                PeerPipes {
                    out: pending.from_binder,
                    inp: pending.to_binder,
                    peer: announced(&pending.routing_id),
                }
            })
            .collect())
    }

    /// Connects `socket` to `name`: now if it is bound (the binder gets its
    /// pipes through its inbox), or when somebody binds it. Returns the
    /// connecting socket's pipes.
    pub(crate) fn connect(
        &mut self,
        name: &str,
        socket: &InprocSocket,
        endpoint_id: u64,
    ) -> PeerPipes {
        let hwms = &socket.hwms;
        if let Some(bound) = self.bound.get(name) {
            let binder = &bound.socket.hwms;
            let to_binder =
                Pipe::new_local(Some(hwms.send()), Some(binder.recv()));
            let from_binder =
                Pipe::new_local(Some(binder.send()), Some(hwms.recv()));
            if hwms.conflate() || binder.conflate() {
                to_binder.set_conflate();
                from_binder.set_conflate();
            }
            let command = SocketCommand::Attach {
                endpoint_id: bound.endpoint_id,
                out: from_binder.clone(),
                inp: to_binder.clone(),
                peer: announced(&socket.routing_id),
            };
            if bound.socket.inbox.post(command).is_ok() {
                return PeerPipes {
                    out: to_binder,
                    inp: from_binder,
                    peer: announced(&bound.socket.routing_id),
                };
            }
            // The binder is closed: the name is free again.
            self.bound.remove(name);
        }
        // The binder's side joins the capacity when it binds.
        let to_binder = hwms.pipe(Some(hwms.send()), None, true);
        let from_binder = hwms.pipe(None, Some(hwms.recv()), true);
        self.pending
            .entry(name.to_owned())
            .or_default()
            .push(Pending {
                to_binder: to_binder.clone(),
                from_binder: from_binder.clone(),
                endpoint_id,
                routing_id: socket.routing_id.clone(),
            });
        // The binder is not known yet: no routing id of its own.
        PeerPipes {
            out: to_binder,
            inp: from_binder,
            peer: None,
        }
    }

    /// Frees `name` if `socket_id` holds it.
    pub(crate) fn unbind(&mut self, name: &str, socket_id: u64) {
        if self
            .bound
            .get(name)
            .is_some_and(|b| b.socket.socket_id == socket_id)
        {
            self.bound.remove(name);
        }
    }

    /// Forgets a connect that is still waiting for a binder.
    pub(crate) fn cancel_pending(&mut self, name: &str, endpoint_id: u64) {
        if let Some(list) = self.pending.get_mut(name) {
            list.retain(|p| p.endpoint_id != endpoint_id);
            if list.is_empty() {
                self.pending.remove(name);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::msg::Msg;
    use crate::signal::Signal;

    fn socket(id: u64) -> InprocSocket {
        InprocSocket {
            inbox: Inbox::new(Signal::new()),
            hwms: Hwms::new(),
            socket_id: id,
            routing_id: None,
        }
    }

    #[test]
    fn connect_before_bind_is_joined_at_bind() {
        let mut table = InprocTable::default();
        let (binder, connecter) = (socket(1), socket(2));
        let mine = table.connect("a", &connecter, 10);
        mine.out.push(Msg::from("early")).unwrap();
        let theirs = table.bind("a", &binder, 20).unwrap();
        assert_eq!(theirs.len(), 1);
        assert_eq!(theirs[0].inp.pop().unwrap().as_bytes(), b"early");
        assert!(binder.inbox.take().is_empty(), "the binder attaches itself");
        // Both ends are sockets (a waiter may spin); an engine's are not.
        assert!(mine.out.is_local() && mine.inp.is_local());
        assert!(theirs[0].out.is_local() && theirs[0].inp.is_local());
        let (out, inp) = Hwms::new().engine_pipes();
        assert!(!out.is_local() && !inp.is_local());
    }

    #[test]
    fn connect_after_bind_posts_to_the_binder() {
        let mut table = InprocTable::default();
        let (binder, connecter) = (socket(1), socket(2));
        assert!(table.bind("b", &binder, 20).unwrap().is_empty());
        let mine = table.connect("b", &connecter, 10);
        mine.out.push(Msg::from("hi")).unwrap();
        let commands = binder.inbox.take();
        let [SocketCommand::Attach {
            endpoint_id: 20,
            inp,
            ..
        }] = commands.as_slice()
        else {
            panic!("expected one attach");
        };
        assert_eq!(inp.pop().unwrap().as_bytes(), b"hi");
        assert!(inp.is_local() && mine.inp.is_local());
    }

    #[test]
    fn closed_binder_frees_the_name() {
        let mut table = InprocTable::default();
        let (binder, connecter, other) = (socket(1), socket(2), socket(3));
        table.bind("c", &binder, 20).unwrap();
        binder.inbox.close();
        table.connect("c", &connecter, 10);
        assert_eq!(table.bind("c", &other, 30).unwrap().len(), 1);
    }
}
