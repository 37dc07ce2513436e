//! `SocketType`: any of the seventeen sockets, for code that handles them
//! alike (e.g. [`proxy`](crate::proxy), [`ConfigType`](crate::config::ConfigType)).

use super::core::RawSocket;
use super::traits::{private::Sealed, GetRawSocket};
use crate::{
    Client, Dealer, Dish, Gather, Pair, Pub, Pull, Push, Radio, Rep, Req,
    Router, Scatter, Server, Sub, XPub, XSub,
};

/// One socket of any type.
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
    /// A [`Pair`].
    Pair(Pair),
    /// A [`Pub`].
    Pub(Pub),
    /// A [`Sub`].
    Sub(Sub),
    /// An [`XPub`].
    XPub(XPub),
    /// An [`XSub`].
    XSub(XSub),
    /// A [`Push`].
    Push(Push),
    /// A [`Pull`].
    Pull(Pull),
    /// A [`Req`].
    Req(Req),
    /// A [`Rep`].
    Rep(Rep),
    /// A [`Dealer`].
    Dealer(Dealer),
    /// A [`Router`].
    Router(Router),
}

impl Sealed for SocketType {}

macro_rules! any_socket {
    ($($name:ident),*) => {
        impl GetRawSocket for SocketType {
            fn raw_socket(&self) -> &RawSocket {
                match self {
                    $(SocketType::$name(s) => s.raw_socket(),)*
                }
            }
        }

        $(impl From<$name> for SocketType {
            fn from(socket: $name) -> Self {
                SocketType::$name(socket)
            }
        })*
    };
}
any_socket!(
    Client, Server, Radio, Dish, Gather, Scatter, Pair, Pub, Sub, XPub, XSub,
    Push, Pull, Req, Rep, Dealer, Router
);
