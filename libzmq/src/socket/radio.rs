//! The Radio socket.

use super::core::RawSocket;
use super::define_socket;
use super::options::socket_config;
use super::traits::{GetRawSocket, SendMsg, Socket};
use crate::error::Error;
use crate::group::GroupSlice;
use crate::msg::Msg;
use std::sync::Arc;
use zmtp::SocketType;

/// The publishing end of the radio-dish pattern: it talks to
/// [`Dish`](crate::Dish)es.
///
/// Every message has a [`Group`](crate::Group); it is delivered to every Dish
/// that joined exactly that group (over TCP and IPC the Radio filters, so
/// other groups never cross the wire). A message sent without a group goes
/// to the empty group `""`, as in libzmq.
///
/// Radio is lossy: a Dish whose queue is at its high water mark misses the
/// message and `send` still succeeds, unless [`set_no_drop`](Radio::set_no_drop)
/// is on, in which case `send` blocks (or `try_send` gives `WouldBlock`) until
/// every matching Dish has room. A message nobody joined is dropped.
///
/// ```
/// use libzmq::{prelude::*, *};
/// use std::time::Duration;
///
/// let addr = InprocAddr::new_unique();
/// let radio = RadioBuilder::new().bind(&addr).build()?;
/// let a: Group = "A".try_into()?;
/// let b: Group = "B".try_into()?;
/// let dish_a = DishBuilder::new().connect(&addr).join(&a).build()?;
/// let dish_b = DishBuilder::new().connect(&addr).join(&b).build()?;
///
/// radio.transmit("for a", &a)?;
/// radio.transmit("for b", &b)?;
/// let msg = dish_a.recv_msg()?;
/// assert_eq!(msg.to_str()?, "for a");
/// assert_eq!(msg.group().unwrap(), "A");
/// assert_eq!(dish_b.recv_msg()?.to_str()?, "for b");
/// # Ok::<(), anyhow::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Radio {
    inner: Arc<RawSocket>,
}

define_socket!(Radio, SocketType::Radio);
impl Socket for Radio {}
impl SendMsg for Radio {}

impl Radio {
    /// Sets the group of `msg` and sends it.
    pub fn transmit<M, G>(&self, msg: M, group: G) -> Result<(), Error<Msg>>
    where
        M: Into<Msg>,
        G: AsRef<GroupSlice>,
    {
        let mut msg = msg.into();
        msg.set_group(group);
        self.send(msg)
    }

    /// Like [`transmit`](Radio::transmit) but never blocks.
    pub fn try_transmit<M, G>(&self, msg: M, group: G) -> Result<(), Error<Msg>>
    where
        M: Into<Msg>,
        G: AsRef<GroupSlice>,
    {
        let mut msg = msg.into();
        msg.set_group(group);
        self.try_send(msg)
    }

    /// Whether a Dish at its high water mark makes `send` wait instead of
    /// missing the message (default `false`).
    pub fn no_drop(&self) -> Result<bool, Error> {
        self.raw_socket().core.no_drop()
    }

    /// See [`no_drop`](Radio::no_drop).
    pub fn set_no_drop(&self, enabled: bool) -> Result<(), Error> {
        self.raw_socket().core.set_no_drop(enabled)
    }
}

socket_config!(Radio, RadioConfig, RadioBuilder, SocketType::Radio, [send]);

impl RadioConfig {
    /// Whether `no_drop` is set (unset counts as `false`).
    pub fn no_drop(&self) -> bool {
        self.inner.no_drop.unwrap_or(false)
    }

    /// Sets `no_drop`.
    pub fn set_no_drop(&mut self, enabled: bool) {
        self.inner.no_drop = Some(enabled);
    }
}

impl RadioBuilder {
    /// Turns `no_drop` on.
    pub fn no_drop(&mut self) -> &mut Self {
        self.inner.set_no_drop(true);
        self
    }
}
