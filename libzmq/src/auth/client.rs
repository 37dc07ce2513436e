//! `AuthClient` and `AuthBuilder`: configuring the authenticator of a ctx.

use super::config::AuthConfig;
use super::registry::IpList;
use super::{CurvePublicKey, PlainClientCreds};
use crate::{
    addr::IntoIpAddrs, ctx::CtxInner, Ctx, CtxHandle, Error, ErrorKind,
};

use serde::{Deserialize, Serialize};

use std::sync::Arc;

/// Configures the authenticator of a ctx.
///
/// Every ctx authenticates the TCP and IPC handshakes of its sockets (the
/// role of libzmq's ZAP handler; inproc connections are never checked).
/// For a peer with address `A`:
/// 1. if the whitelist is not empty and `A` is not in it, the peer is
///    denied;
/// 2. otherwise, if the whitelist is empty and `A` is in the blacklist, the
///    peer is denied (the whitelist takes precedence);
/// 3. otherwise the mechanism decides: NULL is allowed; PLAIN is allowed if
///    the user name is in the plain registry with that password; CURVE is
///    allowed if curve authentication is disabled or the client's public
///    key is in the curve registry.
///
/// So by default NULL peers are allowed, PLAIN peers are denied until
/// their credentials are registered, and CURVE peers are denied until their
/// public keys are registered or curve authentication is disabled.
///
/// IPv4 addresses match their IPv4-mapped IPv6 form. IPC peers have no
/// address: the IP lists do not apply to them. A TCP peer whose address
/// cannot be read is denied while either list is set (fail closed). PLAIN
/// passwords are compared in constant time, also for unknown user names.
///
/// The settings belong to the ctx: they apply to every later handshake, and
/// stay in force after the `AuthClient` is dropped. Each call changes them
/// at once, as do [`AuthBuilder`] and
/// [`AuthConfig::apply`](crate::config::AuthConfig::apply) for all the
/// settings they carry: a handshake never sees a mix of old and new ones.
///
/// ```
/// use libzmq::{auth::*, *};
/// use std::net::Ipv4Addr;
///
/// let ctx = Ctx::new();
/// let client = AuthClient::with_ctx(ctx.handle())?;
/// client.add_whitelist(Ipv4Addr::LOCALHOST)?;
/// client.add_plain_registry(PlainClientCreds::new("user", "pass"))?;
/// let cert = CurveCert::new_unique();
/// client.add_curve_registry(cert.public())?;
///
/// // Once the ctx is gone, so are its settings.
/// drop(ctx);
/// let err = client.add_whitelist(Ipv4Addr::LOCALHOST).unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::InvalidCtx);
/// assert_eq!(err.get(), Some(&0)); // No item was applied.
/// # Ok::<(), anyhow::Error>(())
/// ```
#[derive(Debug)]
pub struct AuthClient {
    ctx: CtxHandle,
}

impl AuthClient {
    /// A client of the global ctx's authenticator.
    pub fn new() -> Result<Self, Error> {
        Self::with_ctx(Ctx::global())
    }

    /// A client of the authenticator of the given ctx.
    ///
    /// Fails with `InvalidCtx` if the ctx was dropped or shut down.
    pub fn with_ctx(handle: CtxHandle) -> Result<Self, Error> {
        handle.upgrade()?.check_alive()?;
        Ok(Self { ctx: handle })
    }

    /// The ctx if still alive, else an `InvalidCtx` error with `content`.
    fn ctx<T>(&self, content: Option<T>) -> Result<Arc<CtxInner>, Error<T>> {
        match self.ctx.upgrade() {
            Ok(ctx) if !ctx.is_terminated() => Ok(ctx),
            _ => Err(match content {
                Some(content) => {
                    Error::with_content(ErrorKind::InvalidCtx, content)
                }
                None => Error::new(ErrorKind::InvalidCtx),
            }),
        }
    }

    /// The ctx, or an error holding the number of applied items (0).
    fn ctx_counted(&self) -> Result<Arc<CtxInner>, Error<usize>> {
        self.ctx(Some(0))
    }

    /// The ctx, or an error.
    fn ctx_plain(&self) -> Result<Arc<CtxInner>, Error> {
        self.ctx(None)
    }

    /// Adds addresses to the blacklist.
    ///
    /// On failure, the error holds the number of addresses already added.
    pub fn add_blacklist<I: IntoIpAddrs>(
        &self,
        ips: I,
    ) -> Result<(), Error<usize>> {
        self.ctx_counted()?
            .auth
            .add_ips(IpList::Blacklist, ips.into_ip_addrs());
        Ok(())
    }

    /// Removes addresses from the blacklist (absent ones are ignored).
    ///
    /// On failure, the error holds the number of addresses already removed.
    pub fn remove_blacklist<I: IntoIpAddrs>(
        &self,
        ips: I,
    ) -> Result<(), Error<usize>> {
        self.ctx_counted()?
            .auth
            .remove_ips(IpList::Blacklist, ips.into_ip_addrs());
        Ok(())
    }

    /// Replaces the blacklist.
    pub fn set_blacklist<I: IntoIpAddrs>(&self, ips: I) -> Result<(), Error> {
        self.ctx_plain()?
            .auth
            .set_ips(IpList::Blacklist, ips.into_ip_addrs());
        Ok(())
    }

    /// Adds addresses to the whitelist.
    ///
    /// On failure, the error holds the number of addresses already added.
    pub fn add_whitelist<I: IntoIpAddrs>(
        &self,
        ips: I,
    ) -> Result<(), Error<usize>> {
        self.ctx_counted()?
            .auth
            .add_ips(IpList::Whitelist, ips.into_ip_addrs());
        Ok(())
    }

    /// Removes addresses from the whitelist (absent ones are ignored).
    ///
    /// On failure, the error holds the number of addresses already removed.
    pub fn remove_whitelist<I: IntoIpAddrs>(
        &self,
        ips: I,
    ) -> Result<(), Error<usize>> {
        self.ctx_counted()?
            .auth
            .remove_ips(IpList::Whitelist, ips.into_ip_addrs());
        Ok(())
    }

    /// Replaces the whitelist.
    pub fn set_whitelist<I: IntoIpAddrs>(&self, ips: I) -> Result<(), Error> {
        self.ctx_plain()?
            .auth
            .set_ips(IpList::Whitelist, ips.into_ip_addrs());
        Ok(())
    }

    /// Registers PLAIN credentials (the password of a known user name is
    /// replaced).
    ///
    /// On failure, the error holds the number of credentials already added.
    pub fn add_plain_registry<I, E>(&self, creds: I) -> Result<(), Error<usize>>
    where
        I: IntoIterator<Item = E>,
        E: Into<PlainClientCreds>,
    {
        self.ctx_counted()?
            .auth
            .add_plain(creds.into_iter().map(Into::into));
        Ok(())
    }

    /// Unregisters PLAIN users by user name (unknown ones are ignored).
    ///
    /// On failure, the error holds the number of users already removed.
    pub fn remove_plain_registry<I, E>(
        &self,
        usernames: I,
    ) -> Result<(), Error<usize>>
    where
        I: IntoIterator<Item = E>,
        E: Into<String>,
    {
        self.ctx_counted()?
            .auth
            .remove_plain(usernames.into_iter().map(Into::into));
        Ok(())
    }

    /// Replaces the PLAIN credentials.
    pub fn set_plain_registry<I, E>(&self, creds: I) -> Result<(), Error>
    where
        I: IntoIterator<Item = E>,
        E: Into<PlainClientCreds>,
    {
        self.ctx_plain()?
            .auth
            .set_plain(creds.into_iter().map(Into::into));
        Ok(())
    }

    /// Registers CURVE client public keys.
    ///
    /// On failure, the error holds the number of keys already added.
    pub fn add_curve_registry<I, E>(&self, keys: I) -> Result<(), Error<usize>>
    where
        I: IntoIterator<Item = E>,
        E: Into<CurvePublicKey>,
    {
        self.ctx_counted()?
            .auth
            .add_curve(keys.into_iter().map(Into::into));
        Ok(())
    }

    /// Unregisters CURVE client public keys (unknown ones are ignored).
    ///
    /// On failure, the error holds the number of keys already removed.
    pub fn remove_curve_registry<I, E>(
        &self,
        keys: I,
    ) -> Result<(), Error<usize>>
    where
        I: IntoIterator<Item = E>,
        E: Into<CurvePublicKey>,
    {
        self.ctx_counted()?
            .auth
            .remove_curve(keys.into_iter().map(Into::into));
        Ok(())
    }

    /// Replaces the CURVE client public keys.
    pub fn set_curve_registry<I, E>(&self, keys: I) -> Result<(), Error>
    where
        I: IntoIterator<Item = E>,
        E: Into<CurvePublicKey>,
    {
        self.ctx_plain()?
            .auth
            .set_curve(keys.into_iter().map(Into::into));
        Ok(())
    }

    /// Replaces the settings that `config` sets, under one lock.
    pub(crate) fn apply(&self, config: &AuthConfig) -> Result<(), Error> {
        self.ctx_plain()?.auth.apply(config);
        Ok(())
    }

    /// Whether CURVE clients must have a registered public key (the
    /// default). When disabled, every CURVE client is allowed (still
    /// subject to the IP lists), and the connection is still encrypted.
    pub fn set_curve_auth(&self, enabled: bool) -> Result<(), Error> {
        self.ctx_plain()?.auth.set_curve_auth(enabled);
        Ok(())
    }
}

/// Builds an [`AuthClient`] and configures the authenticator with it.
///
/// Each option that is set replaces the corresponding setting of the ctx.
/// The usual idiom drops the returned client: the settings stay in force.
/// Its serde form is the one of [`AuthConfig`](crate::config::AuthConfig).
///
/// ```
/// use libzmq::{auth::*, *};
/// use std::net::Ipv4Addr;
///
/// let ctx = Ctx::new();
/// let creds = PlainClientCreds::new("user", "pass");
/// let cert = CurveCert::new_unique();
/// let _ = AuthBuilder::new()
///     .whitelist(Ipv4Addr::LOCALHOST)
///     .plain_registry(&creds)
///     .curve_registry(cert.public())
///     .with_ctx(ctx.handle())?;
///
/// let _ = AuthBuilder::new().no_curve_auth().with_ctx(ctx.handle())?;
/// # Ok::<(), anyhow::Error>(())
/// ```
#[derive(
    Debug, Default, Clone, PartialEq, Eq, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct AuthBuilder {
    inner: AuthConfig,
}

impl AuthBuilder {
    /// A builder with every option unset.
    pub fn new() -> Self {
        Self::default()
    }

    /// Configures the global ctx's authenticator.
    pub fn build(&self) -> Result<AuthClient, Error> {
        self.inner.build()
    }

    /// Configures the authenticator of the given ctx.
    pub fn with_ctx(&self, handle: CtxHandle) -> Result<AuthClient, Error> {
        self.inner.with_ctx(handle)
    }

    /// Adds addresses to the blacklist to set (calls append).
    pub fn blacklist<I: IntoIpAddrs>(&mut self, ips: I) -> &mut Self {
        self.inner
            .blacklist
            .get_or_insert_with(Vec::new)
            .extend(ips.into_ip_addrs());
        self
    }

    /// Adds addresses to the whitelist to set (calls append).
    pub fn whitelist<I: IntoIpAddrs>(&mut self, ips: I) -> &mut Self {
        self.inner
            .whitelist
            .get_or_insert_with(Vec::new)
            .extend(ips.into_ip_addrs());
        self
    }

    /// Adds PLAIN credentials to the plain registry to set (calls append).
    pub fn plain_registry<I, E>(&mut self, creds: I) -> &mut Self
    where
        I: IntoIterator<Item = E>,
        E: Into<PlainClientCreds>,
    {
        self.inner
            .plain_registry
            .get_or_insert_with(Vec::new)
            .extend(creds.into_iter().map(Into::into));
        self
    }

    /// Adds CURVE public keys to the curve registry to set (calls append).
    pub fn curve_registry<I, E>(&mut self, keys: I) -> &mut Self
    where
        I: IntoIterator<Item = E>,
        E: Into<CurvePublicKey>,
    {
        self.inner
            .curve_registry
            .get_or_insert_with(Vec::new)
            .extend(keys.into_iter().map(Into::into));
        self
    }

    /// Disables curve authentication: every CURVE client is allowed.
    pub fn no_curve_auth(&mut self) -> &mut Self {
        self.inner.curve_auth = Some(false);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::registry::{AuthPeer, AuthRequest};
    use crate::auth::{CurveCert, StatusCode};
    use bytes::Bytes;
    use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

    const LOCALHOST: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);
    const OTHER: IpAddr = IpAddr::V4(Ipv4Addr::new(10, 1, 2, 3));

    fn null(ctx: &Ctx, peer: IpAddr) -> Result<Option<String>, StatusCode> {
        ctx.handle()
            .upgrade()
            .unwrap()
            .auth
            .authorize(AuthRequest::new(AuthPeer::Tcp(peer), "NULL", &[]))
    }

    fn plain(
        ctx: &Ctx,
        username: &str,
        password: &str,
    ) -> Result<Option<String>, StatusCode> {
        let creds = [
            Bytes::copy_from_slice(username.as_bytes()),
            Bytes::copy_from_slice(password.as_bytes()),
        ];
        ctx.handle()
            .upgrade()
            .unwrap()
            .auth
            .authorize(AuthRequest::new(AuthPeer::Ipc, "PLAIN", &creds))
    }

    fn curve(
        ctx: &Ctx,
        key: &CurvePublicKey,
    ) -> Result<Option<String>, StatusCode> {
        let creds = [Bytes::copy_from_slice(&key.as_bytes())];
        ctx.handle()
            .upgrade()
            .unwrap()
            .auth
            .authorize(AuthRequest::new(AuthPeer::Ipc, "CURVE", &creds))
    }

    #[test]
    fn ip_lists() {
        let ctx = Ctx::new();
        let client = AuthClient::with_ctx(ctx.handle()).unwrap();
        client.add_blacklist(LOCALHOST).unwrap();
        assert_eq!(null(&ctx, LOCALHOST), Err(StatusCode::Denied));
        client.remove_blacklist(LOCALHOST).unwrap();
        assert_eq!(null(&ctx, LOCALHOST), Ok(None));
        client.set_blacklist(vec![LOCALHOST, OTHER]).unwrap();
        assert_eq!(null(&ctx, OTHER), Err(StatusCode::Denied));
        client.set_blacklist(Vec::<IpAddr>::new()).unwrap();
        assert_eq!(null(&ctx, OTHER), Ok(None));

        client.add_whitelist(Ipv4Addr::LOCALHOST).unwrap();
        assert_eq!(null(&ctx, OTHER), Err(StatusCode::Denied));
        assert_eq!(null(&ctx, LOCALHOST), Ok(None));
        client.remove_whitelist(Ipv4Addr::LOCALHOST).unwrap();
        assert_eq!(null(&ctx, OTHER), Ok(None));
        client
            .set_whitelist(&[IpAddr::V6(Ipv6Addr::LOCALHOST)][..])
            .unwrap();
        assert_eq!(null(&ctx, LOCALHOST), Err(StatusCode::Denied));
    }

    #[test]
    fn registries() {
        let ctx = Ctx::new();
        let client = AuthClient::with_ctx(ctx.handle()).unwrap();
        let creds = PlainClientCreds::new("user", "pwd");
        client.add_plain_registry(&creds).unwrap();
        assert_eq!(plain(&ctx, "user", "pwd"), Ok(Some("user".into())));
        client.remove_plain_registry(Some("user")).unwrap();
        assert_eq!(plain(&ctx, "user", "pwd"), Err(StatusCode::Denied));
        client
            .set_plain_registry(vec![
                creds.clone(),
                PlainClientCreds::new("b", "c"),
            ])
            .unwrap();
        assert_eq!(plain(&ctx, "b", "c"), Ok(Some("b".into())));
        client
            .set_plain_registry(Vec::<PlainClientCreds>::new())
            .unwrap();
        assert_eq!(plain(&ctx, "b", "c"), Err(StatusCode::Denied));

        let cert = CurveCert::new_unique();
        client.add_curve_registry(cert.public()).unwrap();
        assert_eq!(
            curve(&ctx, cert.public()),
            Ok(Some(cert.public().to_string()))
        );
        client.remove_curve_registry(cert.public().clone()).unwrap();
        assert_eq!(curve(&ctx, cert.public()), Err(StatusCode::Denied));
        // A secret key converts into its public key.
        client.set_curve_registry(vec![cert.secret()]).unwrap();
        assert!(curve(&ctx, cert.public()).is_ok());

        let other = CurveCert::new_unique();
        assert_eq!(curve(&ctx, other.public()), Err(StatusCode::Denied));
        client.set_curve_auth(false).unwrap();
        assert_eq!(curve(&ctx, other.public()), Ok(None));
        client.set_curve_auth(true).unwrap();
        assert_eq!(curve(&ctx, other.public()), Err(StatusCode::Denied));
    }

    #[test]
    fn settings_outlive_the_client_and_are_per_ctx() {
        let ctx = Ctx::new();
        let other_ctx = Ctx::new();
        AuthBuilder::new()
            .blacklist(LOCALHOST)
            .with_ctx(ctx.handle())
            .unwrap();
        assert_eq!(null(&ctx, LOCALHOST), Err(StatusCode::Denied));
        assert_eq!(null(&other_ctx, LOCALHOST), Ok(None));
    }

    #[test]
    fn invalid_ctx() {
        let ctx = Ctx::new();
        let handle = ctx.handle();
        let client = AuthClient::with_ctx(handle).unwrap();
        ctx.shutdown();
        assert_eq!(
            AuthClient::with_ctx(handle).unwrap_err().kind(),
            ErrorKind::InvalidCtx
        );
        let mut err = client.add_blacklist(LOCALHOST).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidCtx);
        assert_eq!(err.take(), Some(0));
        drop(ctx);
        let err = client
            .remove_curve_registry(None::<CurvePublicKey>)
            .unwrap_err();
        assert_eq!((err.kind(), err.get()), (ErrorKind::InvalidCtx, Some(&0)));
        let err = client.set_curve_auth(false).unwrap_err();
        assert_eq!((err.kind(), err.get()), (ErrorKind::InvalidCtx, None));
        assert_eq!(
            AuthBuilder::new().with_ctx(handle).unwrap_err().kind(),
            ErrorKind::InvalidCtx
        );
    }

    #[test]
    fn builder_replaces_ctx_settings() {
        let ctx = Ctx::new();
        let client = AuthClient::with_ctx(ctx.handle()).unwrap();
        client.add_blacklist(OTHER).unwrap();
        client
            .add_plain_registry(PlainClientCreds::new("old", "x"))
            .unwrap();
        let cert = CurveCert::new_unique();
        AuthBuilder::new()
            .blacklist(LOCALHOST)
            .plain_registry(PlainClientCreds::new("new", "y"))
            .curve_registry(cert.public())
            .with_ctx(ctx.handle())
            .unwrap();
        assert_eq!(null(&ctx, OTHER), Ok(None));
        assert_eq!(null(&ctx, LOCALHOST), Err(StatusCode::Denied));
        assert_eq!(plain(&ctx, "old", "x"), Err(StatusCode::Denied));
        assert_eq!(plain(&ctx, "new", "y"), Ok(Some("new".into())));
        assert!(curve(&ctx, cert.public()).is_ok());

        // Unset options leave the settings alone.
        AuthBuilder::new()
            .no_curve_auth()
            .with_ctx(ctx.handle())
            .unwrap();
        assert_eq!(null(&ctx, LOCALHOST), Err(StatusCode::Denied));
        assert_eq!(plain(&ctx, "new", "y"), Ok(Some("new".into())));
        assert_eq!(curve(&ctx, CurveCert::new_unique().public()), Ok(None));
    }

    #[test]
    fn builder_calls_append() {
        let mut builder = AuthBuilder::new();
        builder
            .whitelist(LOCALHOST)
            .whitelist(vec![OTHER])
            .plain_registry(PlainClientCreds::new("a", "1"))
            .plain_registry(vec![PlainClientCreds::new("b", "2")]);
        let ctx = Ctx::new();
        builder.with_ctx(ctx.handle()).unwrap();
        assert_eq!(null(&ctx, LOCALHOST), Ok(None));
        assert_eq!(null(&ctx, OTHER), Ok(None));
        assert_eq!(
            null(&ctx, IpAddr::V4(Ipv4Addr::new(1, 1, 1, 1))),
            Err(StatusCode::Denied)
        );
        assert!(plain(&ctx, "a", "1").is_ok());
        assert!(plain(&ctx, "b", "2").is_ok());
    }

    #[test]
    fn global_ctx_client() {
        // Only reads: other tests share the global ctx.
        let client = AuthClient::new().unwrap();
        client.add_curve_registry(None::<CurvePublicKey>).unwrap();
        assert!(AuthBuilder::new().build().is_ok());
    }

    #[test]
    fn builder_serde() {
        let mut builder = AuthBuilder::new();
        builder
            .blacklist(LOCALHOST)
            .plain_registry(PlainClientCreds::new("user", "pwd"))
            .no_curve_auth();
        let yaml = serde_yaml::to_string(&builder).unwrap();
        assert_eq!(
            yaml,
            "blacklist:\n- 127.0.0.1\nplain_registry:\n- username: user\n  password: pwd\ncurve_auth: false\n"
        );
        assert_eq!(
            serde_yaml::from_str::<AuthBuilder>(&yaml).unwrap(),
            builder
        );
        let err = serde_yaml::from_str::<AuthBuilder>("curve_auht: false")
            .unwrap_err();
        assert!(
            err.to_string().contains("unknown field `curve_auht`"),
            "{}",
            err
        );
        assert!(!format!("{:?}", builder).contains("pwd"));
    }
}
