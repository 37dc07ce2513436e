//! The authenticator of a ctx: shared state read by every handshake (the
//! role of libzmq's ZAP handler) and written by [`AuthClient`].
//!
//! [`AuthClient`]: super::AuthClient

use super::{CurvePublicKey, PlainClientCreds, StatusCode};

use bytes::Bytes;
use parking_lot::RwLock;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, Ipv6Addr};

/// One of the two IP address lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IpList {
    Blacklist,
    Whitelist,
}

/// The settings of the authenticator.
struct AuthState {
    /// IPv4 addresses are stored v4-mapped.
    whitelist: HashSet<Ipv6Addr>,
    blacklist: HashSet<Ipv6Addr>,
    /// User name → password.
    plain: HashMap<String, Zeroizing<String>>,
    /// Raw client public keys.
    curve: HashSet<[u8; 32]>,
    /// Whether CURVE clients must be in `curve`.
    curve_auth: bool,
}

impl Default for AuthState {
    fn default() -> Self {
        AuthState {
            whitelist: HashSet::new(),
            blacklist: HashSet::new(),
            plain: HashMap::new(),
            curve: HashSet::new(),
            curve_auth: true,
        }
    }
}

impl AuthState {
    fn ips_mut(&mut self, list: IpList) -> &mut HashSet<Ipv6Addr> {
        match list {
            IpList::Blacklist => &mut self.blacklist,
            IpList::Whitelist => &mut self.whitelist,
        }
    }
}

/// An authentication request of a handshake. `Debug` does not show the
/// credentials.
#[derive(Clone, Copy)]
pub(crate) struct AuthRequest<'a> {
    /// The peer's IP address, `None` for transports without one (IPC), to
    /// which the IP lists do not apply.
    pub(crate) peer: Option<IpAddr>,
    /// The mechanism name: `"NULL"`, `"PLAIN"` or `"CURVE"`.
    pub(crate) mechanism: &'a str,
    /// The mechanism's credentials: nothing for NULL, `[username,
    /// password]` for PLAIN, `[client public key (32 bytes)]` for CURVE.
    pub(crate) credentials: &'a [Bytes],
}

impl<'a> AuthRequest<'a> {
    /// A request, as built from a `zmtp::Event::AuthRequest`.
    #[allow(dead_code)] // Used by the socket engine.
    pub(crate) fn new(
        peer: Option<IpAddr>,
        mechanism: &'a str,
        credentials: &'a [Bytes],
    ) -> Self {
        AuthRequest {
            peer,
            mechanism,
            credentials,
        }
    }
}

impl std::fmt::Debug for AuthRequest<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthRequest")
            .field("peer", &self.peer)
            .field("mechanism", &self.mechanism)
            .field(
                "credentials",
                &format_args!("<{} redacted>", self.credentials.len()),
            )
            .finish()
    }
}

/// The authentication settings of one ctx, shared by its sockets.
///
/// Changes apply to the handshakes that ask after them.
#[derive(Default)]
pub(crate) struct AuthRegistry {
    state: RwLock<AuthState>,
}

impl std::fmt::Debug for AuthRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.state.read();
        f.debug_struct("AuthRegistry")
            .field("whitelist", &state.whitelist)
            .field("blacklist", &state.blacklist)
            .field("plain_users", &state.plain.keys().collect::<Vec<_>>())
            .field("curve_keys", &state.curve.len())
            .field("curve_auth", &state.curve_auth)
            .finish()
    }
}

/// The form in which addresses are stored and compared.
fn to_ipv6(ip: IpAddr) -> Ipv6Addr {
    match ip {
        IpAddr::V4(ip) => ip.to_ipv6_mapped(),
        IpAddr::V6(ip) => ip,
    }
}

impl AuthRegistry {
    /// Adds addresses to a list.
    pub(crate) fn add_ips(
        &self,
        list: IpList,
        ips: impl IntoIterator<Item = IpAddr>,
    ) {
        let ips: Vec<Ipv6Addr> = ips.into_iter().map(to_ipv6).collect();
        self.state.write().ips_mut(list).extend(ips);
    }

    /// Removes addresses from a list (absent ones are ignored).
    pub(crate) fn remove_ips(
        &self,
        list: IpList,
        ips: impl IntoIterator<Item = IpAddr>,
    ) {
        let ips: Vec<Ipv6Addr> = ips.into_iter().map(to_ipv6).collect();
        let mut state = self.state.write();
        let set = state.ips_mut(list);
        for ip in ips {
            set.remove(&ip);
        }
    }

    /// Replaces a list.
    pub(crate) fn set_ips(
        &self,
        list: IpList,
        ips: impl IntoIterator<Item = IpAddr>,
    ) {
        let ips: HashSet<Ipv6Addr> = ips.into_iter().map(to_ipv6).collect();
        *self.state.write().ips_mut(list) = ips;
    }

    /// Registers PLAIN users (a known user's password is replaced).
    pub(crate) fn add_plain(
        &self,
        creds: impl IntoIterator<Item = PlainClientCreds>,
    ) {
        let users = plain_users(creds);
        self.state.write().plain.extend(users);
    }

    /// Unregisters PLAIN users (unknown ones are ignored).
    pub(crate) fn remove_plain(
        &self,
        usernames: impl IntoIterator<Item = String>,
    ) {
        let usernames: Vec<String> = usernames.into_iter().collect();
        let mut state = self.state.write();
        for username in usernames {
            state.plain.remove(&username);
        }
    }

    /// Replaces the PLAIN users.
    pub(crate) fn set_plain(
        &self,
        creds: impl IntoIterator<Item = PlainClientCreds>,
    ) {
        let users = plain_users(creds).collect();
        self.state.write().plain = users;
    }

    /// Registers CURVE client public keys.
    pub(crate) fn add_curve(
        &self,
        keys: impl IntoIterator<Item = CurvePublicKey>,
    ) {
        let keys: Vec<[u8; 32]> =
            keys.into_iter().map(|key| key.as_bytes()).collect();
        self.state.write().curve.extend(keys);
    }

    /// Unregisters CURVE client public keys (unknown ones are ignored).
    pub(crate) fn remove_curve(
        &self,
        keys: impl IntoIterator<Item = CurvePublicKey>,
    ) {
        let keys: Vec<[u8; 32]> =
            keys.into_iter().map(|key| key.as_bytes()).collect();
        let mut state = self.state.write();
        for key in keys {
            state.curve.remove(&key);
        }
    }

    /// Replaces the CURVE client public keys.
    pub(crate) fn set_curve(
        &self,
        keys: impl IntoIterator<Item = CurvePublicKey>,
    ) {
        let keys: HashSet<[u8; 32]> =
            keys.into_iter().map(|key| key.as_bytes()).collect();
        self.state.write().curve = keys;
    }

    /// Whether CURVE clients must have a registered public key (default
    /// true). When false, every CURVE client is allowed.
    pub(crate) fn set_curve_auth(&self, enabled: bool) {
        self.state.write().curve_auth = enabled;
    }

    /// Decides on an authentication request.
    ///
    /// Returns the user id of an allowed peer (`None` when it is empty: NULL,
    /// or CURVE with curve auth disabled; the user name for PLAIN; the Z85
    /// public key for CURVE), or [`StatusCode::Denied`]:
    /// 1. if the whitelist is not empty and the peer is not in it;
    /// 2. else if the whitelist is empty and the peer is in the blacklist;
    /// 3. else, by mechanism: NULL is allowed; PLAIN if the user name is
    ///    registered with that password; CURVE if curve auth is disabled or
    ///    the public key is registered; any other mechanism is denied.
    ///
    /// The IP rules only apply to peers with an address.
    #[allow(dead_code)] // Used by the socket engine.
    pub(crate) fn authorize(
        &self,
        request: AuthRequest<'_>,
    ) -> Result<Option<String>, StatusCode> {
        let state = self.state.read();
        if let Some(peer) = request.peer.map(to_ipv6) {
            if state.whitelist.is_empty() {
                if state.blacklist.contains(&peer) {
                    return Err(StatusCode::Denied);
                }
            } else if !state.whitelist.contains(&peer) {
                return Err(StatusCode::Denied);
            }
        }
        match (request.mechanism, request.credentials) {
            ("NULL", _) => Ok(None),
            ("PLAIN", [username, password, ..]) => {
                let username = std::str::from_utf8(username)
                    .map_err(|_| StatusCode::Denied)?;
                match state.plain.get(username) {
                    Some(expected)
                        if bool::from(expected.as_bytes().ct_eq(password)) =>
                    {
                        Ok(Some(username.to_owned()))
                    }
                    _ => Err(StatusCode::Denied),
                }
            }
            ("CURVE", [key, ..]) => {
                if !state.curve_auth {
                    return Ok(None);
                }
                let key: [u8; 32] =
                    key[..].try_into().map_err(|_| StatusCode::Denied)?;
                if state.curve.contains(&key) {
                    Ok(Some(
                        CurvePublicKey::from_bytes(&key).as_str().to_owned(),
                    ))
                } else {
                    Err(StatusCode::Denied)
                }
            }
            _ => Err(StatusCode::Denied),
        }
    }
}

/// The registry entries of PLAIN credentials.
fn plain_users(
    creds: impl IntoIterator<Item = PlainClientCreds>,
) -> impl Iterator<Item = (String, Zeroizing<String>)> {
    creds.into_iter().map(|creds| {
        (
            creds.username.clone(),
            Zeroizing::new(creds.password.clone()),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::CurveCert;
    use std::net::Ipv4Addr;

    const LOCALHOST: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);
    const OTHER: IpAddr = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 7));

    fn null(peer: Option<IpAddr>) -> Result<Option<String>, StatusCode> {
        null_with(&AuthRegistry::default(), peer)
    }

    fn null_with(
        registry: &AuthRegistry,
        peer: Option<IpAddr>,
    ) -> Result<Option<String>, StatusCode> {
        registry.authorize(AuthRequest::new(peer, "NULL", &[]))
    }

    fn plain(
        registry: &AuthRegistry,
        peer: Option<IpAddr>,
        username: &str,
        password: &str,
    ) -> Result<Option<String>, StatusCode> {
        let creds = [
            Bytes::copy_from_slice(username.as_bytes()),
            Bytes::copy_from_slice(password.as_bytes()),
        ];
        registry.authorize(AuthRequest::new(peer, "PLAIN", &creds))
    }

    fn curve(
        registry: &AuthRegistry,
        key: &CurvePublicKey,
    ) -> Result<Option<String>, StatusCode> {
        let creds = [Bytes::copy_from_slice(&key.as_bytes())];
        registry.authorize(AuthRequest::new(Some(LOCALHOST), "CURVE", &creds))
    }

    #[test]
    fn defaults() {
        let registry = AuthRegistry::default();
        assert_eq!(null(Some(LOCALHOST)), Ok(None));
        assert_eq!(null(None), Ok(None));
        // PLAIN is denied until users are registered.
        assert_eq!(
            plain(&registry, Some(LOCALHOST), "user", "pwd"),
            Err(StatusCode::Denied)
        );
        // CURVE is denied until the key is registered.
        let cert = CurveCert::new_unique();
        assert_eq!(curve(&registry, cert.public()), Err(StatusCode::Denied));
    }

    #[test]
    fn blacklist_denies() {
        let registry = AuthRegistry::default();
        registry.add_ips(IpList::Blacklist, [LOCALHOST]);
        assert_eq!(
            null_with(&registry, Some(LOCALHOST)),
            Err(StatusCode::Denied)
        );
        assert_eq!(null_with(&registry, Some(OTHER)), Ok(None));
        // The IP rules do not apply to peers without an address (IPC).
        assert_eq!(null_with(&registry, None), Ok(None));
        // Also for the other mechanisms, before the credentials are checked.
        registry.add_plain([PlainClientCreds::new("user", "pwd")]);
        assert_eq!(
            plain(&registry, Some(LOCALHOST), "user", "pwd"),
            Err(StatusCode::Denied)
        );
        assert_eq!(
            plain(&registry, Some(OTHER), "user", "pwd"),
            Ok(Some("user".into()))
        );
        registry.remove_ips(IpList::Blacklist, [LOCALHOST]);
        assert_eq!(null_with(&registry, Some(LOCALHOST)), Ok(None));
    }

    #[test]
    fn whitelist_only_allows_listed() {
        let registry = AuthRegistry::default();
        registry.add_ips(IpList::Whitelist, [LOCALHOST]);
        assert_eq!(null_with(&registry, Some(LOCALHOST)), Ok(None));
        assert_eq!(null_with(&registry, Some(OTHER)), Err(StatusCode::Denied));
        assert_eq!(null_with(&registry, None), Ok(None));
        registry.set_ips(IpList::Whitelist, [OTHER]);
        assert_eq!(
            null_with(&registry, Some(LOCALHOST)),
            Err(StatusCode::Denied)
        );
        assert_eq!(null_with(&registry, Some(OTHER)), Ok(None));
        registry.set_ips(IpList::Whitelist, []);
        assert_eq!(null_with(&registry, Some(LOCALHOST)), Ok(None));
    }

    #[test]
    fn whitelist_wins_over_blacklist() {
        let registry = AuthRegistry::default();
        registry.add_ips(IpList::Blacklist, [LOCALHOST, OTHER]);
        registry.add_ips(IpList::Whitelist, [LOCALHOST]);
        // Whitelisted: the blacklist is not consulted.
        assert_eq!(null_with(&registry, Some(LOCALHOST)), Ok(None));
        // Not whitelisted: denied (by the whitelist).
        assert_eq!(null_with(&registry, Some(OTHER)), Err(StatusCode::Denied));
        let third = IpAddr::V4(Ipv4Addr::new(192, 168, 0, 1));
        assert_eq!(null_with(&registry, Some(third)), Err(StatusCode::Denied));
    }

    #[test]
    fn ipv4_matches_v4_mapped() {
        let mapped = IpAddr::V6(Ipv4Addr::LOCALHOST.to_ipv6_mapped());
        let registry = AuthRegistry::default();
        registry.add_ips(IpList::Blacklist, [LOCALHOST]);
        assert_eq!(null_with(&registry, Some(mapped)), Err(StatusCode::Denied));

        let registry = AuthRegistry::default();
        registry.add_ips(IpList::Blacklist, [mapped]);
        assert_eq!(
            null_with(&registry, Some(LOCALHOST)),
            Err(StatusCode::Denied)
        );
        registry.remove_ips(IpList::Blacklist, [LOCALHOST]);
        assert_eq!(null_with(&registry, Some(mapped)), Ok(None));

        // IPv6 loopback is a different address.
        let registry = AuthRegistry::default();
        registry.add_ips(IpList::Whitelist, [IpAddr::V6(Ipv6Addr::LOCALHOST)]);
        assert_eq!(
            null_with(&registry, Some(LOCALHOST)),
            Err(StatusCode::Denied)
        );
        assert_eq!(
            null_with(&registry, Some(IpAddr::V6(Ipv6Addr::LOCALHOST))),
            Ok(None)
        );
    }

    #[test]
    fn plain_checks_user_and_password() {
        let registry = AuthRegistry::default();
        registry.add_plain([
            PlainClientCreds::new("user", "pwd"),
            PlainClientCreds::new("admin", "secret"),
        ]);
        assert_eq!(
            plain(&registry, None, "user", "pwd"),
            Ok(Some("user".into()))
        );
        assert_eq!(
            plain(&registry, None, "admin", "secret"),
            Ok(Some("admin".into()))
        );
        // Wrong password, a prefix of it, another user's password.
        for password in ["wrong", "pw", "pwdd", "", "secret"] {
            assert_eq!(
                plain(&registry, None, "user", password),
                Err(StatusCode::Denied),
                "{}",
                password
            );
        }
        assert_eq!(
            plain(&registry, None, "nobody", "pwd"),
            Err(StatusCode::Denied)
        );
        // Not UTF-8 user names cannot be registered.
        let creds = [Bytes::from_static(b"\xFF"), Bytes::from_static(b"pwd")];
        assert_eq!(
            registry.authorize(AuthRequest::new(None, "PLAIN", &creds)),
            Err(StatusCode::Denied)
        );
        // Malformed requests are denied.
        let creds = [Bytes::from_static(b"user")];
        assert_eq!(
            registry.authorize(AuthRequest::new(None, "PLAIN", &creds)),
            Err(StatusCode::Denied)
        );

        // A password can be changed, and users removed.
        registry.add_plain([PlainClientCreds::new("user", "new")]);
        assert_eq!(
            plain(&registry, None, "user", "pwd"),
            Err(StatusCode::Denied)
        );
        assert_eq!(
            plain(&registry, None, "user", "new"),
            Ok(Some("user".into()))
        );
        registry.remove_plain(["user".to_owned()]);
        assert_eq!(
            plain(&registry, None, "user", "new"),
            Err(StatusCode::Denied)
        );
        assert_eq!(
            plain(&registry, None, "admin", "secret"),
            Ok(Some("admin".into()))
        );
        registry.set_plain([PlainClientCreds::new("solo", "x")]);
        assert_eq!(
            plain(&registry, None, "admin", "secret"),
            Err(StatusCode::Denied)
        );
        assert_eq!(
            plain(&registry, None, "solo", "x"),
            Ok(Some("solo".into()))
        );
    }

    #[test]
    fn curve_checks_registered_keys() {
        let registry = AuthRegistry::default();
        let known = CurveCert::new_unique();
        let unknown = CurveCert::new_unique();
        registry.add_curve([known.public().clone()]);
        assert_eq!(
            curve(&registry, known.public()),
            Ok(Some(known.public().as_str().to_owned()))
        );
        assert_eq!(curve(&registry, unknown.public()), Err(StatusCode::Denied));
        // Malformed requests are denied.
        for creds in [&[][..], &[Bytes::from_static(&[0; 31])][..]] {
            assert_eq!(
                registry.authorize(AuthRequest::new(None, "CURVE", creds)),
                Err(StatusCode::Denied)
            );
        }
        registry.remove_curve([known.public().clone()]);
        assert_eq!(curve(&registry, known.public()), Err(StatusCode::Denied));
        registry.set_curve([unknown.public().clone()]);
        assert_eq!(
            curve(&registry, unknown.public()),
            Ok(Some(unknown.public().as_str().to_owned()))
        );
    }

    #[test]
    fn curve_auth_off_allows_any_key() {
        let registry = AuthRegistry::default();
        let cert = CurveCert::new_unique();
        registry.set_curve_auth(false);
        assert_eq!(curve(&registry, cert.public()), Ok(None));
        // The IP rules still apply.
        registry.add_ips(IpList::Blacklist, [LOCALHOST]);
        assert_eq!(curve(&registry, cert.public()), Err(StatusCode::Denied));
        registry.set_ips(IpList::Blacklist, []);
        registry.set_curve_auth(true);
        assert_eq!(curve(&registry, cert.public()), Err(StatusCode::Denied));
    }

    #[test]
    fn unknown_mechanism_is_denied() {
        let registry = AuthRegistry::default();
        for mechanism in ["GSSAPI", "", "null", "plain"] {
            assert_eq!(
                registry.authorize(AuthRequest::new(None, mechanism, &[])),
                Err(StatusCode::Denied)
            );
        }
    }

    #[test]
    fn debug_hides_passwords() {
        let creds =
            [Bytes::from_static(b"user"), Bytes::from_static(b"hunter2")];
        let request = AuthRequest::new(Some(LOCALHOST), "PLAIN", &creds);
        assert_eq!(
            format!("{:?}", request),
            "AuthRequest { peer: Some(127.0.0.1), mechanism: \"PLAIN\", credentials: <2 redacted> }"
        );
        let registry = AuthRegistry::default();
        registry.add_plain([PlainClientCreds::new("user", "hunter2")]);
        let debug = format!("{:?}", registry);
        assert!(debug.contains("user"), "{}", debug);
        assert!(!debug.contains("hunter2"), "{}", debug);
    }
}
