//! The Dish socket.

use super::core::RawSocket;
use super::define_socket;
use super::options::socket_config;
use super::traits::{GetRawSocket, RecvMsg, Socket};
use crate::error::Error;
use crate::group::{Group, GroupSlice};
use std::sync::Arc;
use zmtp::SocketType;

/// The subscribing end of the radio-dish pattern: it talks to
/// [`Radio`](crate::Radio)s.
///
/// A Dish receives only the messages of the groups it joined (exact match),
/// fair-queued from its radios; each received message carries its group.
/// Joins and leaves go to every connected Radio at once, and again after each
/// reconnect.
///
/// ```
/// use libzmq::{prelude::*, *};
///
/// let dish = Dish::new()?;
/// assert!(dish.joined().is_empty());
/// let group: Group = "some group".try_into()?;
/// dish.join(&group)?;
/// assert_eq!(dish.joined(), vec![group.clone()]);
/// assert!(dish.join(&group).is_err()); // twice
/// dish.leave(&group)?;
/// assert!(dish.joined().is_empty());
/// # Ok::<(), anyhow::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dish {
    inner: Arc<RawSocket>,
}

define_socket!(Dish, SocketType::Dish);
impl Socket for Dish {}
impl RecvMsg for Dish {}

impl Dish {
    /// Joins a group. Joining a group twice is `InvalidInput`.
    pub fn join<G>(&self, group: G) -> Result<(), Error>
    where
        G: Into<Group>,
    {
        self.raw_socket().core.join(group.into())
    }

    /// Leaves a group. Leaving a group that was not joined is `InvalidInput`.
    pub fn leave<G>(&self, group: G) -> Result<(), Error>
    where
        G: AsRef<GroupSlice>,
    {
        self.raw_socket().core.leave(group.as_ref())
    }

    /// A snapshot of the joined groups, in join order.
    pub fn joined(&self) -> Vec<Group> {
        self.raw_socket().core.joined()
    }
}

socket_config!(Dish, DishConfig, DishBuilder, SocketType::Dish, [recv]);

impl DishConfig {
    /// The groups to join.
    pub fn groups(&self) -> Option<&[Group]> {
        self.inner.groups.as_deref()
    }

    /// Sets (replaces) the groups to join.
    pub fn set_groups<I>(&mut self, maybe: Option<I>)
    where
        I: IntoIterator<Item = Group>,
    {
        self.inner.groups = maybe.map(|groups| groups.into_iter().collect());
    }
}

impl DishBuilder {
    /// Adds groups to join (appends).
    pub fn join<I, G>(&mut self, groups: I) -> &mut Self
    where
        I: IntoIterator<Item = G>,
        G: Into<Group>,
    {
        let list = self.inner.inner.groups.get_or_insert_with(Vec::new);
        list.extend(groups.into_iter().map(Into::into));
        self
    }
}
