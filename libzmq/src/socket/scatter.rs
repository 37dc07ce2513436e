//! The Scatter socket.

use super::core::RawSocket;
use super::define_socket;
use super::options::socket_config;
use super::traits::{Heartbeating, SendMsg, Socket};
use std::sync::Arc;
use zmtp::SocketType;

/// The sending end of the pipeline pattern: it talks to
/// [`Gather`](crate::Gather)s.
///
/// Messages are round-robined over the connected gathers whose queue has
/// room. With no peer, or every peer at its high water mark, `send` blocks
/// (`try_send` gives `WouldBlock`); nothing is dropped.
///
/// ```
/// use libzmq::{prelude::*, *};
/// use std::time::Duration;
///
/// let addr = InprocAddr::new_unique();
/// let scatter = ScatterBuilder::new().bind(&addr).build()?;
/// let builder = GatherBuilder::new()
///     .connect(&addr)
///     .recv_hwm(1)
///     .recv_timeout(Duration::from_millis(100))
///     .clone();
/// let first = builder.build()?;
/// let second = builder.build()?;
///
/// scatter.send("")?;
/// scatter.send("")?;
/// first.recv_msg()?;
/// second.recv_msg()?;
/// # Ok::<(), anyhow::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scatter {
    inner: Arc<RawSocket>,
}

define_socket!(Scatter, SocketType::Scatter);
impl Socket for Scatter {}
impl SendMsg for Scatter {}
impl Heartbeating for Scatter {}

socket_config!(
    Scatter,
    ScatterConfig,
    ScatterBuilder,
    SocketType::Scatter,
    [send, heartbeat]
);
