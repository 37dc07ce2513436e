//! `SocketType`: any of the six sockets, for code that handles them alike
//! (e.g. [`proxy`](crate::proxy)).

use super::core::RawSocket;
use super::traits::{private::Sealed, GetRawSocket};
use crate::{Client, Dish, Gather, Radio, Scatter, Server};

/// One socket of any of the six types.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SocketType {
    /// A [`Client`].
    Client(Client),
    /// A [`Server`].
    Server(Server),
    /// A [`Radio`].
    Radio(Radio),
    /// A [`Dish`].
    Dish(Dish),
    /// A [`Gather`].
    Gather(Gather),
    /// A [`Scatter`].
    Scatter(Scatter),
}

impl Sealed for SocketType {}

impl GetRawSocket for SocketType {
    fn raw_socket(&self) -> &RawSocket {
        match self {
            SocketType::Client(s) => s.raw_socket(),
            SocketType::Server(s) => s.raw_socket(),
            SocketType::Radio(s) => s.raw_socket(),
            SocketType::Dish(s) => s.raw_socket(),
            SocketType::Gather(s) => s.raw_socket(),
            SocketType::Scatter(s) => s.raw_socket(),
        }
    }
}

macro_rules! from_socket {
    ($($name:ident),*) => {
        $(impl From<$name> for SocketType {
            fn from(socket: $name) -> Self {
                SocketType::$name(socket)
            }
        })*
    };
}
from_socket!(Client, Server, Radio, Dish, Gather, Scatter);
