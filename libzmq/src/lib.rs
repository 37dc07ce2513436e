//! A pure-Rust implementation of ZeroMQ's thread-safe sockets (Client/Server,
//! Radio/Dish, Scatter/Gather), API-compatible with the `libzmq` 0.2 crate and
//! wire-compatible with C libzmq 4.3 (ZMTP 3.1).
//!
//! ```
//! use libzmq::{prelude::*, *};
//!
//! let addr: InprocAddr = InprocAddr::new_unique();
//! let server = ServerBuilder::new().bind(&addr).build()?;
//! let client = ClientBuilder::new().connect(&addr).build()?;
//!
//! client.send("ping")?;
//! let request = server.recv_msg()?;
//! server.route("pong", request.routing_id().unwrap())?;
//! assert_eq!(client.recv_msg()?.to_str()?, "pong");
//! # Ok::<(), anyhow::Error>(())
//! ```
#![warn(missing_docs)]
#![warn(clippy::undocumented_unsafe_blocks)]

pub mod addr;
pub mod auth;
mod counters;
mod ctx;
mod ctx_config;
mod error;
mod group;
mod heartbeat;
mod inbox;
mod inproc;
mod io;
pub mod monitor;
mod msg;
mod peer_info;
mod period;
mod pipe;
pub mod poll;
pub mod prelude;
mod serde_enum;
mod signal;
mod socket;
mod sync;
mod timer;
mod utils;
mod waker_list;

pub use addr::{
    EpgmAddr, InprocAddr, IpcAddr, PgmAddr, TcpAddr, UdpAddr, INPROC_MAX_SIZE,
};
pub use counters::Counters;
pub use ctx::{Ctx, CtxBuilder, CtxHandle};
pub use error::{Error, ErrorKind};
pub use group::{Group, GroupParseError, GroupSlice, MAX_GROUP_SIZE};
pub use heartbeat::Heartbeat;
pub use msg::{Msg, RoutingId};
pub use peer_info::PeerInfo;
pub use period::Period;
#[cfg(feature = "futures")]
pub use socket::asynch::{MsgSink, MsgStream, MultipartSink, MultipartStream};
pub use socket::asynch::{
    RecvFuture, RecvMsgFuture, RecvMultipartFuture, SendFuture,
    SendMultipartFuture,
};
pub use socket::client::{Client, ClientBuilder};
pub use socket::dish::{Dish, DishBuilder};
pub use socket::gather::{Gather, GatherBuilder};
pub use socket::pair::{Pair, PairBuilder};
pub use socket::pipeline::{Pull, PullBuilder, Push, PushBuilder};
pub use socket::publish::{
    Pub, PubBuilder, Sub, SubBuilder, XPub, XPubBuilder, XSub, XSubBuilder,
};
pub use socket::radio::{Radio, RadioBuilder};
pub use socket::request::{
    Dealer, DealerBuilder, Rep, RepBuilder, Req, ReqBuilder, Router,
    RouterBuilder,
};
pub use socket::scatter::{Scatter, ScatterBuilder};
pub use socket::server::{Server, ServerBuilder};
pub use socket::socket_type::SocketType;
pub use utils::{proxy, version};

/// Serializable configurations of the sockets (see the `Configure*` traits).
pub mod config {
    pub use crate::auth::config::AuthConfig;
    pub use crate::ctx_config::CtxConfig;
    pub use crate::socket::client::ClientConfig;
    pub use crate::socket::config_type::ConfigType;
    pub use crate::socket::dish::DishConfig;
    pub use crate::socket::gather::GatherConfig;
    pub use crate::socket::pair::PairConfig;
    pub use crate::socket::pipeline::{PullConfig, PushConfig};
    pub use crate::socket::publish::{
        PubConfig, SubConfig, XPubConfig, XSubConfig,
    };
    pub use crate::socket::radio::RadioConfig;
    pub use crate::socket::request::{
        DealerConfig, RepConfig, ReqConfig, RouterConfig,
    };
    pub use crate::socket::scatter::ScatterConfig;
    pub use crate::socket::server::ServerConfig;
}
