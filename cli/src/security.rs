//! `--curve-*` and `--plain`: the security mechanism of a socket and the
//! authenticator of its ctx.
//!
//! The role follows the direction: a socket that binds is the security
//! server, one that connects is the client (the usual ØMQ setup).

use crate::error::{CliError, Result};
use clap::Args;
use libzmq::auth::{
    AuthBuilder, CurveCert, CurveClientCreds, CurvePublicKey, CurveSecretKey,
    CurveServerCreds, Mechanism, PlainClientCreds,
};
use libzmq::CtxHandle;
use std::path::Path;

/// The security options shared by every command that opens a socket.
#[derive(Debug, Clone, Default, Args)]
pub struct SecurityArgs {
    /// The server's CURVE public key (Z85, or @FILE): connect as a CURVE
    /// client.
    #[arg(
        long,
        value_name = "KEY",
        allow_hyphen_values = true,
        help_heading = "Security"
    )]
    pub curve_server_key: Option<String>,

    /// A CURVE secret key (Z85, or @FILE). Binding: the server's key, which
    /// makes it a CURVE server. Connecting: the client's own key (default: a
    /// fresh one).
    #[arg(
        long,
        value_name = "KEY",
        allow_hyphen_values = true,
        help_heading = "Security"
    )]
    pub curve_secret_key: Option<String>,

    /// A client public key that a CURVE server accepts (Z85, or @FILE;
    /// repeat for more). Without any, every client key is accepted (the
    /// traffic is still encrypted).
    #[arg(
        long,
        value_name = "KEY",
        allow_hyphen_values = true,
        help_heading = "Security"
    )]
    pub curve_allow: Vec<String>,

    /// PLAIN credentials (clear text). Connecting: the user and password
    /// sent. Binding: the one user accepted.
    #[arg(long, value_name = "USER:PASS", help_heading = "Security")]
    pub plain: Option<String>,
}

/// Which end of the security handshake a socket is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The socket binds: it authenticates its peers.
    Server,
    /// The socket connects: it presents credentials.
    Client,
}

impl Role {
    /// The role of a socket that binds `binds` endpoints and connects
    /// `connects`; `None` when it does both (only valid without security).
    pub fn of(binds: usize, connects: usize) -> Option<Role> {
        match (binds, connects) {
            (_, 0) => Some(Role::Server),
            (0, _) => Some(Role::Client),
            _ => None,
        }
    }
}

impl SecurityArgs {
    /// Whether any security option is given.
    pub fn is_set(&self) -> bool {
        self.curve_server_key.is_some()
            || self.curve_secret_key.is_some()
            || !self.curve_allow.is_empty()
            || self.plain.is_some()
    }

    /// The mechanism of a socket in `role`; a server's accepted users and
    /// keys are registered with the authenticator of `ctx`.
    pub fn mechanism(
        &self,
        role: Option<Role>,
        ctx: CtxHandle,
    ) -> Result<Mechanism> {
        if !self.is_set() {
            return Ok(Mechanism::Null);
        }
        if self.plain.is_some()
            && (self.curve_server_key.is_some()
                || self.curve_secret_key.is_some())
        {
            return Err(CliError::conflict(
                "--plain and --curve-* exclude each other: choose one mechanism",
            ));
        }
        let role = role.ok_or_else(|| {
            CliError::conflict(
                "a socket with --plain or --curve-* either binds (security server) \
                 or connects (security client), not both",
            )
        })?;
        match role {
            Role::Server => self.server_mechanism(ctx),
            Role::Client => self.client_mechanism(),
        }
    }

    fn server_mechanism(&self, ctx: CtxHandle) -> Result<Mechanism> {
        if self.curve_server_key.is_some() {
            return Err(CliError::conflict(
                "--curve-server-key is for a socket that connects; a socket that \
                 binds is the CURVE server: give it --curve-secret-key",
            ));
        }
        let mut auth = AuthBuilder::new();
        let mechanism = if let Some(plain) = &self.plain {
            auth.plain_registry(parse_plain(plain)?);
            Mechanism::PlainServer
        } else if let Some(secret) = &self.curve_secret_key {
            let secret = secret_key("--curve-secret-key", secret)?;
            let allowed = self
                .curve_allow
                .iter()
                .map(|key| public_key("--curve-allow", key))
                .collect::<Result<Vec<_>>>()?;
            if allowed.is_empty() {
                auth.no_curve_auth();
            } else {
                auth.curve_registry(allowed);
            }
            Mechanism::CurveServer(CurveServerCreds::new(secret))
        } else {
            return Err(CliError::conflict(
                "--curve-allow needs --curve-secret-key (the server's own key)",
            ));
        };
        auth.with_ctx(ctx).map_err(|err| {
            CliError::runtime(format!("configuring authentication: {err}"))
        })?;
        Ok(mechanism)
    }

    fn client_mechanism(&self) -> Result<Mechanism> {
        if !self.curve_allow.is_empty() {
            return Err(CliError::conflict(
                "--curve-allow is for a socket that binds (the CURVE server)",
            ));
        }
        if let Some(plain) = &self.plain {
            return Ok(Mechanism::PlainClient(parse_plain(plain)?));
        }
        let server = self.curve_server_key.as_deref().ok_or_else(|| {
            CliError::conflict(
                "a socket that connects with CURVE needs --curve-server-key \
                 (the server's public key)",
            )
        })?;
        let mut creds =
            CurveClientCreds::new(public_key("--curve-server-key", server)?);
        if let Some(secret) = &self.curve_secret_key {
            creds = creds
                .add_cert(cert_of(secret_key("--curve-secret-key", secret)?)?);
        }
        Ok(Mechanism::CurveClient(creds))
    }
}

/// Parses `USER:PASS`.
///
/// ```
/// # use libzmq_cli::security::parse_plain;
/// let creds = parse_plain("admin:s3cr:et")?;
/// assert_eq!((creds.username(), creds.password()), ("admin", "s3cr:et"));
/// assert!(parse_plain("admin").is_err());
/// # Ok::<(), libzmq_cli::error::CliError>(())
/// ```
pub fn parse_plain(text: &str) -> Result<PlainClientCreds> {
    match text.split_once(':') {
        Some((user, pass)) if !user.is_empty() => {
            Ok(PlainClientCreds::new(user, pass))
        }
        _ => Err(CliError::usage(
            "--plain",
            "expected USER:PASS with a non-empty USER",
        )),
    }
}

/// The text of a key argument: the value itself, or the trimmed contents
/// of a file for `@FILE`. A value that is a valid key is a key, even if it
/// starts with `@` (a Z85 character): `valid` tells.
pub fn key_text(
    arg: &str,
    value: &str,
    valid: impl Fn(&str) -> bool,
) -> Result<String> {
    let value = value.trim();
    match value.strip_prefix('@') {
        Some(path) if !valid(value) => std::fs::read_to_string(Path::new(path))
            .map(|text| text.trim().to_owned())
            .map_err(|err| {
                CliError::usage(arg, format!("cannot read `{path}`: {err}"))
            }),
        _ => Ok(value.to_owned()),
    }
}

/// A public key from its argument (`KEY` or `@FILE`).
pub fn public_key(arg: &str, value: &str) -> Result<CurvePublicKey> {
    let valid = |text: &str| CurvePublicKey::new(text).is_ok();
    CurvePublicKey::new(key_text(arg, value, valid)?).map_err(|err| {
        CliError::usage(arg, format!("not a CURVE public key: {err}"))
    })
}

/// A secret key from its argument (`KEY` or `@FILE`). The error never
/// repeats the key.
pub fn secret_key(arg: &str, value: &str) -> Result<CurveSecretKey> {
    let valid = |text: &str| CurveSecretKey::new(text).is_ok();
    CurveSecretKey::new(key_text(arg, value, valid)?).map_err(|err| {
        CliError::usage(arg, format!("not a CURVE secret key: {err}"))
    })
}

/// The certificate of a secret key (its public key derived from it).
pub fn cert_of(secret: CurveSecretKey) -> Result<CurveCert> {
    let public = CurvePublicKey::from(&secret);
    // `CurveCert` is built from its two keys through its serde form, the
    // library's only public way to assemble one from given keys.
    let pair = serde_json::json!({ "public": public.as_str(), "secret": secret.as_str() });
    serde_json::from_value(pair).map_err(|err| {
        CliError::runtime(format!("building the CURVE certificate: {err}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use libzmq::Ctx;

    fn curve_server(secret: &CurveSecretKey) -> SecurityArgs {
        SecurityArgs {
            curve_secret_key: Some(secret.as_str().to_owned()),
            ..Default::default()
        }
    }

    #[test]
    fn the_role_follows_bind_or_connect() {
        let ctx = Ctx::new();
        let cert = CurveCert::new_unique();
        let server = curve_server(cert.secret());
        let mechanism =
            server.mechanism(Some(Role::Server), ctx.handle()).unwrap();
        assert_eq!(
            mechanism,
            Mechanism::CurveServer(CurveServerCreds::new(cert.secret()))
        );
        let client = SecurityArgs {
            curve_server_key: Some(cert.public().as_str().to_owned()),
            curve_secret_key: Some(cert.secret().as_str().to_owned()),
            ..Default::default()
        };
        match client.mechanism(Some(Role::Client), ctx.handle()).unwrap() {
            Mechanism::CurveClient(creds) => {
                assert_eq!(creds.server(), cert.public());
                assert_eq!(creds.cert(), Some(&cert));
            }
            other => panic!("{other:?}"),
        }
        let err = server.mechanism(None, ctx.handle()).unwrap_err();
        assert!(err.to_string().contains("not both"), "{err}");
        let err = client
            .mechanism(Some(Role::Server), ctx.handle())
            .unwrap_err();
        assert!(
            err.to_string().contains("--curve-server-key is for"),
            "{err}"
        );
    }

    #[test]
    fn bad_keys_name_the_argument() {
        let err = public_key("--curve-server-key", "short").unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid value for --curve-server-key: not a CURVE public key: \
             input string must have len of 40 char"
        );
        let err =
            secret_key("--curve-secret-key", "@/nonexistent/key").unwrap_err();
        assert!(
            err.to_string().contains("cannot read `/nonexistent/key`"),
            "{err}"
        );
    }

    #[test]
    fn keys_come_from_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server.pub");
        let cert = CurveCert::new_unique();
        std::fs::write(&path, format!("{}\n", cert.public())).unwrap();
        let arg = format!("@{}", path.display());
        assert_eq!(&public_key("--curve-allow", &arg).unwrap(), cert.public());
    }

    #[test]
    fn a_key_that_starts_with_an_at_sign_is_a_key() {
        let key = "@".to_owned() + &"0".repeat(39);
        assert_eq!(public_key("--curve-allow", &key).unwrap().as_str(), key);
    }

    #[test]
    fn plain_needs_a_user() {
        assert!(parse_plain(":pass").is_err());
        assert!(parse_plain("user:").is_ok());
    }

    #[test]
    fn null_without_options() {
        let ctx = Ctx::new();
        let none = SecurityArgs::default();
        assert_eq!(
            none.mechanism(None, ctx.handle()).unwrap(),
            Mechanism::Null
        );
    }
}
