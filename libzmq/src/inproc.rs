//! The inproc transport: the two sockets' pipes are joined directly, with no
//! I/O thread, no encoding and no copy.
//!
//! A connect to a name nobody has bound yet creates the pipes at once (so the
//! connecting socket can queue messages, as libzmq) and parks them in the
//! ctx's table until a socket binds the name. Names are scoped per ctx.
//! As in libzmq there is no handshake, hence no socket-type check, over inproc.

use crate::addr::InprocAddr;
use crate::error::{Error, ErrorKind};
use crate::pipe::Pipe;
use crate::socket::core::{hwm, SocketCore};
use std::collections::HashMap;
use std::sync::{Arc, Weak};

struct Bound {
    socket: Weak<SocketCore>,
    socket_id: u64,
    endpoint_id: u64,
}

struct Pending {
    /// Connecting socket → binder.
    to_binder: Arc<Pipe>,
    /// Binder → connecting socket.
    from_binder: Arc<Pipe>,
    /// The connect's endpoint id (to cancel it).
    endpoint_id: u64,
}

/// The inproc names of one ctx.
#[derive(Default)]
pub(crate) struct InprocTable {
    bound: HashMap<String, Bound>,
    pending: HashMap<String, Vec<Pending>>,
}

impl InprocTable {
    /// Frees `name` if `socket_id` holds it.
    pub(crate) fn unbind(&mut self, name: &str, socket_id: u64) {
        if self
            .bound
            .get(name)
            .is_some_and(|b| b.socket_id == socket_id)
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

/// Binds `socket` to `addr`, and joins the connects that were waiting for it.
pub(crate) fn bind(
    socket: &Arc<SocketCore>,
    addr: &InprocAddr,
    endpoint_id: u64,
) -> Result<(), Error> {
    let mut table = socket.ctx.inproc.lock();
    let name = addr.as_str();
    if table
        .bound
        .get(name)
        .is_some_and(|b| b.socket.strong_count() > 0)
    {
        return Err(Error::new(ErrorKind::AddrInUse));
    }
    table.bound.insert(
        name.to_owned(),
        Bound {
            socket: Arc::downgrade(socket),
            socket_id: socket.id,
            endpoint_id,
        },
    );
    let options = socket.options();
    for pending in table.pending.remove(name).unwrap_or_default() {
        pending
            .to_binder
            .set_reader_hwm(Some(hwm(options.recv_hwm)));
        pending
            .from_binder
            .set_writer_hwm(Some(hwm(options.send_hwm)));
        socket.attach_pipes(
            pending.from_binder,
            pending.to_binder,
            endpoint_id,
            true,
        );
    }
    Ok(())
}

/// Connects `socket` to `addr`, now or when somebody binds it.
pub(crate) fn connect(
    socket: &Arc<SocketCore>,
    addr: &InprocAddr,
    endpoint_id: u64,
) -> Result<(), Error> {
    let mut table = socket.ctx.inproc.lock();
    let name = addr.as_str();
    let options = socket.options();
    let binder = table
        .bound
        .get(name)
        .and_then(|b| b.socket.upgrade().map(|s| (s, b.endpoint_id)));
    match binder {
        Some((binder, binder_endpoint_id)) => {
            let binder_options = binder.options();
            let to_binder = Pipe::new(
                Some(hwm(options.send_hwm)),
                Some(hwm(binder_options.recv_hwm)),
            );
            let from_binder = Pipe::new(
                Some(hwm(binder_options.send_hwm)),
                Some(hwm(options.recv_hwm)),
            );
            if socket
                .attach_pipes(
                    to_binder.clone(),
                    from_binder.clone(),
                    endpoint_id,
                    true,
                )
                .is_none()
            {
                return Err(Error::new(ErrorKind::InvalidCtx));
            }
            binder.attach_pipes(
                from_binder,
                to_binder,
                binder_endpoint_id,
                true,
            );
        }
        None => {
            // The binder's receive HWM joins the capacity when it binds.
            let to_binder = Pipe::new(Some(hwm(options.send_hwm)), None);
            let from_binder = Pipe::new(None, Some(hwm(options.recv_hwm)));
            if socket
                .attach_pipes(
                    to_binder.clone(),
                    from_binder.clone(),
                    endpoint_id,
                    true,
                )
                .is_none()
            {
                return Err(Error::new(ErrorKind::InvalidCtx));
            }
            table
                .pending
                .entry(name.to_owned())
                .or_default()
                .push(Pending {
                    to_binder,
                    from_binder,
                    endpoint_id,
                });
        }
    }
    Ok(())
}
