//! Authentication and encryption: security mechanisms, credentials, CURVE
//! keys, and the configuration of each ctx's authenticator.
//!
//! A socket's [`Mechanism`] decides how its connections are secured:
//! * [`Mechanism::Null`] (the default): no security;
//! * [`Mechanism::PlainClient`] / [`Mechanism::PlainServer`]: a user name
//!   and a password, sent in clear text;
//! * [`Mechanism::CurveClient`] / [`Mechanism::CurveServer`]: CurveZMQ,
//!   authentication by public key and encryption of every message.
//!
//! The server side of each TCP or IPC handshake (both sides for NULL) asks
//! the authenticator of its ctx, configured with an [`AuthClient`], an
//! [`AuthBuilder`] or a [`AuthConfig`](crate::config::AuthConfig),
//! whether the peer is allowed.
//!
//! ```
//! use libzmq::auth::*;
//!
//! // A server's key pair, known to its clients by its public key.
//! let server_cert = CurveCert::new_unique();
//! let server = Mechanism::from(CurveServerCreds::new(server_cert.secret()));
//!
//! // A client with its own key pair, registered with the server's ctx.
//! let client_cert = CurveCert::new_unique();
//! let creds = CurveClientCreds::new(server_cert.public()).add_cert(client_cert.clone());
//! let client = Mechanism::from(creds);
//! let _ = AuthBuilder::new().curve_registry(client_cert.public()).build()?;
//! # let _ = (server, client);
//! # Ok::<(), anyhow::Error>(())
//! ```

mod client;
pub(crate) mod config;
mod curve;
mod mechanism;
pub(crate) mod registry;
mod status;

pub use client::{AuthBuilder, AuthClient};
pub use curve::{
    CurveCert, CurveClientCreds, CurveError, CurvePublicKey, CurveSecretKey,
    CurveServerCreds,
};
pub use mechanism::{Mechanism, PlainClientCreds};
pub use status::StatusCode;
#[doc(hidden)]
pub use status::StatusCodeParseError;

#[allow(unused_imports)] // Used by the socket engine.
pub(crate) use registry::{AuthPeer, AuthRegistry, AuthRequest};
