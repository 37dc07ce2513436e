//! The traits needed to use the sockets, configs and builders:
//! `use libzmq::prelude::*;`.

pub use crate::socket::asynch::{
    AsyncRecvMsg, AsyncRecvMultipart, AsyncSendMsg, AsyncSendMultipart,
};
pub use crate::socket::config::{
    BuildHeartbeating, BuildRecv, BuildSend, BuildSocket,
    ConfigureHeartbeating, ConfigureRecv, ConfigureSend, ConfigureSocket,
};
pub use crate::socket::multipart::{RecvMultipart, SendMultipart};
pub use crate::socket::traits::{Heartbeating, RecvMsg, SendMsg, Socket};
pub use std::convert::{TryFrom, TryInto};
