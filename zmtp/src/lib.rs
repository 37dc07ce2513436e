//! Sans-I/O implementation of the ZeroMQ Message Transport Protocol (ZMTP 3.1, RFC 23/37).
//!
//! Bytes in, events out: no sockets, no threads, no clocks (time is passed in). The engine of the `libzmq` crate
//! reads from the network into a buffer, feeds it to a [`Session`] and writes what the session
//! wants to transmit.
//!
//! Security mechanisms ([`MechanismConfig`]): NULL, PLAIN (RFC 24) and CURVE (RFC 25/26,
//! pure Rust crypto: X25519, XSalsa20-Poly1305). Keys are 32 raw bytes; [`z85`] converts them
//! to and from the usual 40-character text form, [`curve_keypair`] and [`curve_public_key`]
//! make and derive them.
//!
//! ```
//! use std::time::Instant;
//!
//! use bytes::BytesMut;
//! use zmtp::{Event, Session, SessionConfig, SocketType};
//!
//! let now = Instant::now();
//! let mut client = Session::new(SessionConfig::new(SocketType::Client), now);
//! let mut server = Session::new(SessionConfig::new(SocketType::Server), now);
//! let (mut to_server, mut to_client) = (BytesMut::new(), BytesMut::new());
//! let mut ready = 0;
//! while ready < 2 {
//!     client.poll_transmit(&mut to_server);
//!     server.poll_transmit(&mut to_client);
//!     while let Some(event) = server.decode(&mut to_server).unwrap() {
//!         assert_eq!(event, Event::Ready);
//!         ready += 1;
//!     }
//!     while let Some(event) = client.decode(&mut to_client).unwrap() {
//!         assert_eq!(event, Event::Ready);
//!         ready += 1;
//!     }
//! }
//! client.encode_message(b"hello", None, &mut to_server);
//! let event = server.decode_at(&mut to_server, now).unwrap();
//! assert_eq!(event, Some(Event::Message { data: "hello".into(), group: None }));
//! assert_eq!(server.peer().unwrap().socket_type, Some(SocketType::Client));
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod command;
pub mod error;
pub mod event;
pub mod frame;
pub mod framing;
pub mod greeting;
pub mod mechanism;
pub mod metadata;
pub mod session;
pub mod socket_type;
pub mod z85;

pub use command::Command;
pub use error::ProtocolError;
pub use event::{Event, PeerInfo};
pub use frame::{Frame, FrameDecoder, FrameHeader, FrameMut};
pub use framing::Framing;
pub use greeting::{Greeting, GREETING_LEN};
pub use mechanism::{
    curve_keypair, curve_public_key, MechanismConfig, CURVE_KEY_LEN,
};
pub use metadata::Metadata;
pub use session::{
    Heartbeat, Session, SessionConfig, DEFAULT_HANDSHAKE_TIMEOUT,
    DEFAULT_MAX_HANDSHAKE_METADATA,
};
pub use socket_type::SocketType;
pub use z85::Z85Error;
