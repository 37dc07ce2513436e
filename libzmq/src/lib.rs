//! A pure-Rust implementation of ZeroMQ's thread-safe sockets, API-compatible
//! with the `libzmq` 0.2 crate.
#![warn(missing_docs)]

pub mod addr;
mod error;
mod group;
mod heartbeat;
mod msg;
mod period;
mod serde_enum;

pub use addr::{EpgmAddr, InprocAddr, PgmAddr, TcpAddr, UdpAddr, INPROC_MAX_SIZE};
pub use error::{Error, ErrorKind};
pub use group::{Group, GroupParseError, GroupSlice, MAX_GROUP_SIZE};
pub use heartbeat::Heartbeat;
pub use msg::{Msg, RoutingId};
pub use period::Period;
