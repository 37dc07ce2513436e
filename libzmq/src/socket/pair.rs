//! The PAIR socket (RFC 31).

use super::classic_socket;
use super::multipart::{RecvMultipart, SendMultipart};
use super::traits::{RecvMsg, SendMsg};
use zmtp::SocketType;

classic_socket!(
    /// One end of an exclusive pair: it talks to exactly one other
    /// [`Pair`]. A second peer that connects is refused (its connection is
    /// closed). Sending blocks while there is no peer or its queue is full.
    ///
    /// ```
    /// use libzmq::{prelude::*, *};
    /// use std::time::Duration;
    ///
    /// let addr = InprocAddr::new_unique();
    /// let left = PairBuilder::new().bind(&addr).build()?;
    /// let right = PairBuilder::new()
    ///     .connect(&addr)
    ///     .recv_timeout(Duration::from_secs(1))
    ///     .build()?;
    ///
    /// left.send_multipart(["step", "1"])?;
    /// assert_eq!(right.recv_multipart()?.len(), 2);
    /// # Ok::<(), anyhow::Error>(())
    /// ```
    Pair, PairConfig, PairBuilder, SocketType::Pair,
    groups: [send, recv, heartbeat],
    traits: [SendMsg, RecvMsg, SendMultipart, RecvMultipart]
);
