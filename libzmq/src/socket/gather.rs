//! The Gather socket.

use super::core::RawSocket;
use super::define_socket;
use super::options::socket_config;
use super::traits::{Heartbeating, RecvMsg, Socket};
use std::sync::Arc;
use zmtp::SocketType;

/// The receiving end of the pipeline pattern: it talks to
/// [`Scatter`](crate::Scatter)s, and fair-queues their messages with strict
/// per-message rotation.
///
/// ```
/// use libzmq::{prelude::*, *};
///
/// let addr = InprocAddr::new_unique();
/// let gather = GatherBuilder::new().bind(&addr).build()?;
/// let a = ScatterBuilder::new().connect(&addr).build()?;
/// let b = ScatterBuilder::new().connect(&addr).build()?;
///
/// for _ in 0..100 {
///     a.try_send("a")?;
///     b.try_send("b")?;
/// }
/// for _ in 0..100 {
///     assert_eq!(gather.try_recv_msg()?.to_str()?, "a");
///     assert_eq!(gather.try_recv_msg()?.to_str()?, "b");
/// }
/// # Ok::<(), anyhow::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gather {
    inner: Arc<RawSocket>,
}

define_socket!(Gather, SocketType::Gather);
impl Socket for Gather {}
impl RecvMsg for Gather {}
impl Heartbeating for Gather {}

socket_config!(
    Gather,
    GatherConfig,
    GatherBuilder,
    SocketType::Gather,
    [recv, heartbeat]
);
