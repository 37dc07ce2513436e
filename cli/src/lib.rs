//! `zmq`, a command-line tool for ØMQ: CURVE keys, sending and receiving,
//! request-reply smoke tests, proxies and benchmarks, built on the public
//! API of the pure-Rust `libzmq` crate.
//!
//! The binary (`src/main.rs`) only calls [`app::main`]; everything lives
//! in this library so that it is unit-tested and documented.
#![warn(missing_docs)]

pub mod app;
pub mod args;
pub mod commands;
pub mod endpoint;
pub mod error;
pub mod framing;
pub mod kind;
pub mod security;
pub mod session;
pub mod socket;
pub mod style;
