//! One module per subcommand: its arguments and its `run`.

pub mod bench;
pub mod keygen;
pub mod monitor;
pub mod proxy;
pub mod recv;
pub mod req;
pub mod send;
pub mod serve;
