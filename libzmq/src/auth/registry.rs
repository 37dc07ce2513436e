//! The authenticator of a ctx: shared state read by every handshake (the
//! role of libzmq's ZAP handler) and written by [`AuthClient`].
//!
//! [`AuthClient`]: super::AuthClient

use super::config::AuthConfig;
use super::{CurvePublicKey, PlainClientCreds, StatusCode};

use bytes::Bytes;
use parking_lot::RwLock;
use subtle::{Choice, ConstantTimeEq};
use zeroize::Zeroize;

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
    plain: HashMap<String, Password>,
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

    /// Whether the IP lists let `peer` through.
    fn ip_allowed(&self, peer: AuthPeer) -> bool {
        if self.whitelist.is_empty() && self.blacklist.is_empty() {
            return true;
        }
        match peer {
            // The IP lists do not apply to transports without addresses.
            AuthPeer::Ipc => true,
            // Fail closed: a list is set and the address is unknown.
            AuthPeer::TcpUnknown => false,
            AuthPeer::Tcp(ip) => {
                let ip = to_ipv6(ip);
                if self.whitelist.is_empty() {
                    !self.blacklist.contains(&ip)
                } else {
                    self.whitelist.contains(&ip)
                }
            }
        }
    }
}

/// The longest password PLAIN can carry (its length is one byte on the
/// wire).
const PASSWORD_MAX: usize = 255;

/// A password in the form in which it is compared: zero-padded to
/// [`PASSWORD_MAX`] bytes, with its length, so that a comparison reads the
/// same bytes whatever the lengths of the two passwords. Zeroed on drop.
struct Password {
    bytes: [u8; PASSWORD_MAX],
    /// The length, or [`Password::NEVER`] for a password that no PLAIN
    /// client can send (longer than [`PASSWORD_MAX`]).
    len: u16,
}

impl Password {
    /// The length of a password that matches no other.
    const NEVER: u16 = u16::MAX;

    /// A password for comparisons. A longer password than PLAIN can carry
    /// gets a length that matches no other one.
    fn new(password: &[u8]) -> Self {
        let mut bytes = [0; PASSWORD_MAX];
        let len = match bytes.get_mut(..password.len()) {
            Some(prefix) => {
                prefix.copy_from_slice(password);
                password.len() as u16
            }
            None => Self::NEVER,
        };
        Password { bytes, len }
    }

    /// Whether both passwords are equal, in a time that depends on neither
    /// (a password that matches no other never equals anything).
    fn ct_eq(&self, other: &Password) -> Choice {
        self.bytes[..].ct_eq(&other.bytes[..])
            & self.len.ct_eq(&other.len)
            & !self.len.ct_eq(&Self::NEVER)
    }
}

impl Drop for Password {
    fn drop(&mut self) {
        self.bytes.zeroize();
        self.len.zeroize();
    }
}

/// What an unknown user's password is compared with, so that unknown users
/// and wrong passwords take the same time.
static UNKNOWN_USER: Password = Password {
    bytes: [0; PASSWORD_MAX],
    len: Password::NEVER,
};

/// Who a handshake's peer is, for the IP rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AuthPeer {
    /// A TCP peer and its address.
    Tcp(IpAddr),
    /// A TCP peer whose address could not be read: denied whenever an IP
    /// list is set (fail closed).
    TcpUnknown,
    /// A peer over a transport without IP addresses (IPC), to which the IP
    /// lists do not apply.
    Ipc,
}

/// An authentication request of a handshake. `Debug` does not show the
/// credentials.
#[derive(Clone, Copy)]
pub(crate) struct AuthRequest<'a> {
    /// The peer, for the IP rules.
    pub(crate) peer: AuthPeer,
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
        peer: AuthPeer,
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
/// Changes apply to the handshakes that ask after them. Each change, also
/// one of several settings at once ([`AuthRegistry::apply`]), is made under
/// one lock: a handshake sees the settings either before or after it.
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

/// The stored form of an IP list.
fn ip_set(ips: impl IntoIterator<Item = IpAddr>) -> HashSet<Ipv6Addr> {
    ips.into_iter().map(to_ipv6).collect()
}

/// The stored form of the CURVE registry.
fn key_set(
    keys: impl IntoIterator<Item = CurvePublicKey>,
) -> HashSet<[u8; 32]> {
    keys.into_iter().map(|key| key.as_bytes()).collect()
}

impl AuthRegistry {
    /// Adds addresses to a list.
    pub(crate) fn add_ips(
        &self,
        list: IpList,
        ips: impl IntoIterator<Item = IpAddr>,
    ) {
        let ips = ip_set(ips);
        self.state.write().ips_mut(list).extend(ips);
    }

    /// Removes addresses from a list (absent ones are ignored).
    pub(crate) fn remove_ips(
        &self,
        list: IpList,
        ips: impl IntoIterator<Item = IpAddr>,
    ) {
        let ips = ip_set(ips);
        self.state
            .write()
            .ips_mut(list)
            .retain(|ip| !ips.contains(ip));
    }

    /// Replaces a list.
    pub(crate) fn set_ips(
        &self,
        list: IpList,
        ips: impl IntoIterator<Item = IpAddr>,
    ) {
        let ips = ip_set(ips);
        *self.state.write().ips_mut(list) = ips;
    }

    /// Registers PLAIN users (a known user's password is replaced).
    pub(crate) fn add_plain(
        &self,
        creds: impl IntoIterator<Item = PlainClientCreds>,
    ) {
        let users: Vec<_> = plain_users(creds).collect();
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
        let keys = key_set(keys);
        self.state.write().curve.extend(keys);
    }

    /// Unregisters CURVE client public keys (unknown ones are ignored).
    pub(crate) fn remove_curve(
        &self,
        keys: impl IntoIterator<Item = CurvePublicKey>,
    ) {
        let keys = key_set(keys);
        self.state.write().curve.retain(|key| !keys.contains(key));
    }

    /// Replaces the CURVE client public keys.
    pub(crate) fn set_curve(
        &self,
        keys: impl IntoIterator<Item = CurvePublicKey>,
    ) {
        let keys = key_set(keys);
        self.state.write().curve = keys;
    }

    /// Whether CURVE clients must have a registered public key (default
    /// true). When false, every CURVE client is allowed.
    pub(crate) fn set_curve_auth(&self, enabled: bool) {
        self.state.write().curve_auth = enabled;
    }

    /// Replaces each setting that `config` sets, all at once: the new
    /// settings are built first, then swapped in under one lock, so no
    /// handshake sees some of them without the others.
    pub(crate) fn apply(&self, config: &AuthConfig) {
        let ips = |ips: &Vec<IpAddr>| ip_set(ips.iter().copied());
        let blacklist = config.blacklist.as_ref().map(ips);
        let whitelist = config.whitelist.as_ref().map(ips);
        let plain: Option<HashMap<_, _>> = config
            .plain_registry
            .as_ref()
            .map(|creds| creds.iter().map(plain_entry).collect());
        let curve: Option<HashSet<_>> = config
            .curve_registry
            .as_ref()
            .map(|keys| keys.iter().map(CurvePublicKey::as_bytes).collect());
        let mut state = self.state.write();
        if let Some(blacklist) = blacklist {
            state.blacklist = blacklist;
        }
        if let Some(whitelist) = whitelist {
            state.whitelist = whitelist;
        }
        if let Some(plain) = plain {
            state.plain = plain;
        }
        if let Some(curve) = curve {
            state.curve = curve;
        }
        if let Some(enabled) = config.curve_auth {
            state.curve_auth = enabled;
        }
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
    /// The IP rules do not apply to IPC peers. A TCP peer whose address is
    /// unknown is denied when either list is set (fail closed).
    ///
    /// The PLAIN password is compared in a time that depends neither on its
    /// length, nor on the registered one's, nor on whether the user is
    /// known: both are zero-padded to the longest password PLAIN can carry
    /// and compared in constant time, an unknown user's against a password
    /// that matches none.
    #[allow(dead_code)] // Used by the socket engine.
    pub(crate) fn authorize(
        &self,
        request: AuthRequest<'_>,
    ) -> Result<Option<String>, StatusCode> {
        let state = self.state.read();
        if !state.ip_allowed(request.peer) {
            return Err(StatusCode::Denied);
        }
        match (request.mechanism, request.credentials) {
            ("NULL", _) => Ok(None),
            ("PLAIN", [username, password, ..]) => {
                let username = std::str::from_utf8(username)
                    .map_err(|_| StatusCode::Denied)?;
                let expected =
                    state.plain.get(username).unwrap_or(&UNKNOWN_USER);
                if bool::from(expected.ct_eq(&Password::new(password))) {
                    Ok(Some(username.to_owned()))
                } else {
                    Err(StatusCode::Denied)
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
) -> impl Iterator<Item = (String, Password)> {
    creds.into_iter().map(|creds| plain_entry(&creds))
}

/// The registry entry of one user.
fn plain_entry(creds: &PlainClientCreds) -> (String, Password) {
    (
        creds.username.clone(),
        Password::new(creds.password.as_bytes()),
    )
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::auth::CurveCert;
    use std::net::Ipv4Addr;

    const LOCALHOST: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);
    const OTHER: IpAddr = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 7));

    fn null(peer: AuthPeer) -> Result<Option<String>, StatusCode> {
        null_with(&AuthRegistry::default(), peer)
    }

    fn null_with(
        registry: &AuthRegistry,
        peer: AuthPeer,
    ) -> Result<Option<String>, StatusCode> {
        registry.authorize(AuthRequest::new(peer, "NULL", &[]))
    }

    fn plain(
        registry: &AuthRegistry,
        peer: AuthPeer,
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
        registry.authorize(AuthRequest::new(
            AuthPeer::Tcp(LOCALHOST),
            "CURVE",
            &creds,
        ))
    }

    #[test]
    fn defaults() {
        let registry = AuthRegistry::default();
        assert_eq!(null(AuthPeer::Tcp(LOCALHOST)), Ok(None));
        assert_eq!(null(AuthPeer::Ipc), Ok(None));
        // PLAIN is denied until users are registered.
        assert_eq!(
            plain(&registry, AuthPeer::Tcp(LOCALHOST), "user", "pwd"),
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
            null_with(&registry, AuthPeer::Tcp(LOCALHOST)),
            Err(StatusCode::Denied)
        );
        assert_eq!(null_with(&registry, AuthPeer::Tcp(OTHER)), Ok(None));
        // The IP rules do not apply to peers without an address (IPC).
        assert_eq!(null_with(&registry, AuthPeer::Ipc), Ok(None));
        // Also for the other mechanisms, before the credentials are checked.
        registry.add_plain([PlainClientCreds::new("user", "pwd")]);
        assert_eq!(
            plain(&registry, AuthPeer::Tcp(LOCALHOST), "user", "pwd"),
            Err(StatusCode::Denied)
        );
        assert_eq!(
            plain(&registry, AuthPeer::Tcp(OTHER), "user", "pwd"),
            Ok(Some("user".into()))
        );
        registry.remove_ips(IpList::Blacklist, [LOCALHOST]);
        assert_eq!(null_with(&registry, AuthPeer::Tcp(LOCALHOST)), Ok(None));
    }

    #[test]
    fn whitelist_only_allows_listed() {
        let registry = AuthRegistry::default();
        registry.add_ips(IpList::Whitelist, [LOCALHOST]);
        assert_eq!(null_with(&registry, AuthPeer::Tcp(LOCALHOST)), Ok(None));
        assert_eq!(
            null_with(&registry, AuthPeer::Tcp(OTHER)),
            Err(StatusCode::Denied)
        );
        assert_eq!(null_with(&registry, AuthPeer::Ipc), Ok(None));
        registry.set_ips(IpList::Whitelist, [OTHER]);
        assert_eq!(
            null_with(&registry, AuthPeer::Tcp(LOCALHOST)),
            Err(StatusCode::Denied)
        );
        assert_eq!(null_with(&registry, AuthPeer::Tcp(OTHER)), Ok(None));
        registry.set_ips(IpList::Whitelist, []);
        assert_eq!(null_with(&registry, AuthPeer::Tcp(LOCALHOST)), Ok(None));
    }

    #[test]
    fn whitelist_wins_over_blacklist() {
        let registry = AuthRegistry::default();
        registry.add_ips(IpList::Blacklist, [LOCALHOST, OTHER]);
        registry.add_ips(IpList::Whitelist, [LOCALHOST]);
        // Whitelisted: the blacklist is not consulted.
        assert_eq!(null_with(&registry, AuthPeer::Tcp(LOCALHOST)), Ok(None));
        // Not whitelisted: denied (by the whitelist).
        assert_eq!(
            null_with(&registry, AuthPeer::Tcp(OTHER)),
            Err(StatusCode::Denied)
        );
        let third = IpAddr::V4(Ipv4Addr::new(192, 168, 0, 1));
        assert_eq!(
            null_with(&registry, AuthPeer::Tcp(third)),
            Err(StatusCode::Denied)
        );
    }

    #[test]
    fn ipv4_matches_v4_mapped() {
        let mapped = IpAddr::V6(Ipv4Addr::LOCALHOST.to_ipv6_mapped());
        let registry = AuthRegistry::default();
        registry.add_ips(IpList::Blacklist, [LOCALHOST]);
        assert_eq!(
            null_with(&registry, AuthPeer::Tcp(mapped)),
            Err(StatusCode::Denied)
        );

        let registry = AuthRegistry::default();
        registry.add_ips(IpList::Blacklist, [mapped]);
        assert_eq!(
            null_with(&registry, AuthPeer::Tcp(LOCALHOST)),
            Err(StatusCode::Denied)
        );
        registry.remove_ips(IpList::Blacklist, [LOCALHOST]);
        assert_eq!(null_with(&registry, AuthPeer::Tcp(mapped)), Ok(None));

        // IPv6 loopback is a different address.
        let registry = AuthRegistry::default();
        registry.add_ips(IpList::Whitelist, [IpAddr::V6(Ipv6Addr::LOCALHOST)]);
        assert_eq!(
            null_with(&registry, AuthPeer::Tcp(LOCALHOST)),
            Err(StatusCode::Denied)
        );
        assert_eq!(
            null_with(
                &registry,
                AuthPeer::Tcp(IpAddr::V6(Ipv6Addr::LOCALHOST))
            ),
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
            plain(&registry, AuthPeer::Ipc, "user", "pwd"),
            Ok(Some("user".into()))
        );
        assert_eq!(
            plain(&registry, AuthPeer::Ipc, "admin", "secret"),
            Ok(Some("admin".into()))
        );
        // Wrong password, a prefix of it, another user's password.
        for password in ["wrong", "pw", "pwdd", "", "secret"] {
            assert_eq!(
                plain(&registry, AuthPeer::Ipc, "user", password),
                Err(StatusCode::Denied),
                "{}",
                password
            );
        }
        assert_eq!(
            plain(&registry, AuthPeer::Ipc, "nobody", "pwd"),
            Err(StatusCode::Denied)
        );
        // Not UTF-8 user names cannot be registered.
        let creds = [Bytes::from_static(b"\xFF"), Bytes::from_static(b"pwd")];
        assert_eq!(
            registry.authorize(AuthRequest::new(
                AuthPeer::Ipc,
                "PLAIN",
                &creds
            )),
            Err(StatusCode::Denied)
        );
        // Malformed requests are denied.
        let creds = [Bytes::from_static(b"user")];
        assert_eq!(
            registry.authorize(AuthRequest::new(
                AuthPeer::Ipc,
                "PLAIN",
                &creds
            )),
            Err(StatusCode::Denied)
        );

        // A password can be changed, and users removed.
        registry.add_plain([PlainClientCreds::new("user", "new")]);
        assert_eq!(
            plain(&registry, AuthPeer::Ipc, "user", "pwd"),
            Err(StatusCode::Denied)
        );
        assert_eq!(
            plain(&registry, AuthPeer::Ipc, "user", "new"),
            Ok(Some("user".into()))
        );
        registry.remove_plain(["user".to_owned()]);
        assert_eq!(
            plain(&registry, AuthPeer::Ipc, "user", "new"),
            Err(StatusCode::Denied)
        );
        assert_eq!(
            plain(&registry, AuthPeer::Ipc, "admin", "secret"),
            Ok(Some("admin".into()))
        );
        registry.set_plain([PlainClientCreds::new("solo", "x")]);
        assert_eq!(
            plain(&registry, AuthPeer::Ipc, "admin", "secret"),
            Err(StatusCode::Denied)
        );
        assert_eq!(
            plain(&registry, AuthPeer::Ipc, "solo", "x"),
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
                registry.authorize(AuthRequest::new(
                    AuthPeer::Ipc,
                    "CURVE",
                    creds
                )),
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
                registry.authorize(AuthRequest::new(
                    AuthPeer::Ipc,
                    mechanism,
                    &[]
                )),
                Err(StatusCode::Denied)
            );
        }
    }

    #[test]
    fn debug_hides_passwords() {
        let creds =
            [Bytes::from_static(b"user"), Bytes::from_static(b"hunter2")];
        let request =
            AuthRequest::new(AuthPeer::Tcp(LOCALHOST), "PLAIN", &creds);
        assert_eq!(
            format!("{:?}", request),
            "AuthRequest { peer: Tcp(127.0.0.1), mechanism: \"PLAIN\", credentials: <2 redacted> }"
        );
        let registry = AuthRegistry::default();
        registry.add_plain([PlainClientCreds::new("user", "hunter2")]);
        let debug = format!("{:?}", registry);
        assert!(debug.contains("user"), "{}", debug);
        assert!(!debug.contains("hunter2"), "{}", debug);
    }

    #[test]
    fn unknown_tcp_address_fails_closed() {
        let registry = AuthRegistry::default();
        // No list: nothing to check the address against.
        assert_eq!(null_with(&registry, AuthPeer::TcpUnknown), Ok(None));
        registry.add_ips(IpList::Blacklist, [OTHER]);
        assert_eq!(
            null_with(&registry, AuthPeer::TcpUnknown),
            Err(StatusCode::Denied)
        );
        assert_eq!(null_with(&registry, AuthPeer::Tcp(LOCALHOST)), Ok(None));
        assert_eq!(null_with(&registry, AuthPeer::Ipc), Ok(None));
        registry.set_ips(IpList::Blacklist, []);
        registry.add_ips(IpList::Whitelist, [LOCALHOST]);
        assert_eq!(
            null_with(&registry, AuthPeer::TcpUnknown),
            Err(StatusCode::Denied)
        );
        assert_eq!(null_with(&registry, AuthPeer::Tcp(LOCALHOST)), Ok(None));
        assert_eq!(null_with(&registry, AuthPeer::Ipc), Ok(None));
        // Before the credentials are looked at, for every mechanism.
        registry.add_plain([PlainClientCreds::new("user", "pwd")]);
        assert_eq!(
            plain(&registry, AuthPeer::TcpUnknown, "user", "pwd"),
            Err(StatusCode::Denied)
        );
        registry.set_curve_auth(false);
        let key = [Bytes::copy_from_slice(
            &CurveCert::new_unique().public().as_bytes(),
        )];
        let request = AuthRequest::new(AuthPeer::TcpUnknown, "CURVE", &key);
        assert_eq!(registry.authorize(request), Err(StatusCode::Denied));
        registry.set_ips(IpList::Whitelist, []);
        assert_eq!(registry.authorize(request), Ok(None));
    }

    #[test]
    fn plain_passwords_of_every_length() {
        let longest = "p".repeat(PASSWORD_MAX);
        let too_long = "p".repeat(PASSWORD_MAX + 1);
        let registry = AuthRegistry::default();
        registry.add_plain([
            PlainClientCreds::new("longest", longest.as_str()),
            PlainClientCreds::new("too_long", too_long.as_str()),
            PlainClientCreds::new("empty", ""),
            PlainClientCreds::new("user", "pwd"),
        ]);
        let peer = AuthPeer::Ipc;
        assert_eq!(
            plain(&registry, peer, "longest", &longest),
            Ok(Some("longest".into()))
        );
        assert_eq!(
            plain(&registry, peer, "empty", ""),
            Ok(Some("empty".into()))
        );
        let denied = [
            ("longest", &longest[1..]),
            ("longest", &too_long),
            // No PLAIN client can send it: it matches nothing, not even
            // itself.
            ("too_long", &too_long),
            ("too_long", &longest),
            ("too_long", ""),
            ("empty", "\0"),
            ("empty", "x"),
            // The padding is not part of the password.
            ("user", "pwd\0"),
            ("user", "pw"),
            ("user", ""),
            // Unknown users, with passwords of any length.
            ("nobody", ""),
            ("nobody", "\0"),
            ("nobody", "pwd"),
            ("nobody", &longest),
            ("nobody", &too_long),
        ];
        for (username, password) in denied {
            assert_eq!(
                plain(&registry, peer, username, password),
                Err(StatusCode::Denied),
                "{} {}",
                username,
                password.len()
            );
        }
    }

    #[test]
    fn password_comparison() {
        let pwd = Password::new(b"pwd");
        assert!(bool::from(pwd.ct_eq(&Password::new(b"pwd"))));
        assert!(!bool::from(pwd.ct_eq(&Password::new(b"pwe"))));
        assert!(!bool::from(pwd.ct_eq(&Password::new(b"pwd\0"))));
        assert!(!bool::from(pwd.ct_eq(&UNKNOWN_USER)));
        assert!(!bool::from(UNKNOWN_USER.ct_eq(&UNKNOWN_USER)));
        let too_long = Password::new(&[0; PASSWORD_MAX + 1]);
        assert_eq!(too_long.len, Password::NEVER);
        assert!(!bool::from(too_long.ct_eq(&UNKNOWN_USER)));
        assert!(!bool::from(too_long.ct_eq(&too_long)));
        let empty = Password::new(b"");
        assert!(bool::from(empty.ct_eq(&Password::new(b""))));
        assert!(!bool::from(empty.ct_eq(&UNKNOWN_USER)));
    }

    /// Two configurations, and requests that a mix of them would allow
    /// although each of them denies them.
    struct TwoStates {
        configs: [AuthConfig; 2],
        keys: [CurveCert; 2],
    }

    const PEERS: [IpAddr; 2] = [LOCALHOST, OTHER];

    impl TwoStates {
        fn new() -> Self {
            let keys = [CurveCert::new_unique(), CurveCert::new_unique()];
            let configs = [0, 1].map(|i| {
                let mut config = AuthConfig::new();
                config.set_whitelist(Some(PEERS[i]));
                config.set_blacklist(Some(PEERS[1 - i]));
                config.set_plain_registry(Some(PlainClientCreds::new(
                    format!("user{}", i),
                    format!("pwd{}", i),
                )));
                config.set_curve_registry(Some(keys[i].public()));
                config.set_curve_auth(Some(i == 0));
                config
            });
            TwoStates { configs, keys }
        }

        /// The decisions on every request from every peer.
        fn decisions(
            &self,
            registry: &AuthRegistry,
        ) -> Vec<Result<Option<String>, StatusCode>> {
            let mut decisions = Vec::new();
            for peer in PEERS {
                let peer = AuthPeer::Tcp(peer);
                decisions.push(null_with(registry, peer));
                for i in 0..2 {
                    let user = format!("user{}", i);
                    let pwd = format!("pwd{}", i);
                    decisions.push(plain(registry, peer, &user, &pwd));
                    let key = self.keys[i].public().as_bytes();
                    let creds = [Bytes::copy_from_slice(&key)];
                    let request = AuthRequest::new(peer, "CURVE", &creds);
                    decisions.push(registry.authorize(request));
                }
            }
            decisions
        }
    }

    #[test]
    fn apply_swaps_all_settings_at_once() {
        let registry = AuthRegistry::default();
        check_updates_are_atomic(&registry, |config| registry.apply(config));
    }

    /// Alternates, with `apply`, between two configurations of `registry`
    /// while asking it for decisions that a mix of the two would change:
    /// each decision must be that of one of the two configurations.
    pub(crate) fn check_updates_are_atomic(
        registry: &AuthRegistry,
        apply: impl Fn(&AuthConfig) + Sync,
    ) {
        let states = TwoStates::new();
        let expected = states.configs.clone().map(|config| {
            let registry = AuthRegistry::default();
            registry.apply(&config);
            states.decisions(&registry)
        });
        // A mix of the settings would allow user0 from OTHER.
        let mixed = AuthRegistry::default();
        mixed.apply(&states.configs[1]);
        mixed.set_plain(states.configs[0].plain_registry.clone().unwrap());
        let mixed = states.decisions(&mixed);
        assert!(mixed
            .iter()
            .zip(&expected[0])
            .zip(&expected[1])
            .any(|((mixed, a), b)| mixed.is_ok() && a.is_err() && b.is_err()));

        apply(&states.configs[0]);
        let done = std::sync::atomic::AtomicBool::new(false);
        std::thread::scope(|scope| {
            scope.spawn(|| {
                for i in 0..2000 {
                    apply(&states.configs[i % 2]);
                }
                done.store(true, std::sync::atomic::Ordering::Release);
            });
            let mut rounds = 0;
            while rounds == 0
                || !done.load(std::sync::atomic::Ordering::Acquire)
            {
                let decisions = states.decisions(registry);
                for (i, decision) in decisions.iter().enumerate() {
                    assert!(
                        *decision == expected[0][i]
                            || *decision == expected[1][i],
                        "request {}: {:?}",
                        i,
                        decision
                    );
                }
                rounds += 1;
            }
        });
    }

    #[test]
    fn apply_leaves_unset_settings_alone() {
        let registry = AuthRegistry::default();
        registry.add_ips(IpList::Blacklist, [OTHER]);
        registry.add_plain([PlainClientCreds::new("user", "pwd")]);
        let mut config = AuthConfig::new();
        config.set_whitelist(Some(LOCALHOST));
        registry.apply(&config);
        assert_eq!(
            null_with(&registry, AuthPeer::Tcp(OTHER)),
            Err(StatusCode::Denied)
        );
        assert_eq!(
            plain(&registry, AuthPeer::Tcp(LOCALHOST), "user", "pwd"),
            Ok(Some("user".into()))
        );
        registry.apply(&AuthConfig::new());
        assert_eq!(null_with(&registry, AuthPeer::Tcp(LOCALHOST)), Ok(None));
        config.set_whitelist(Some(Vec::<IpAddr>::new()));
        config.set_blacklist(Some(Vec::<IpAddr>::new()));
        config.set_curve_auth(Some(false));
        registry.apply(&config);
        assert_eq!(null_with(&registry, AuthPeer::Tcp(OTHER)), Ok(None));
        let key = CurveCert::new_unique();
        assert_eq!(curve(&registry, key.public()), Ok(None));
    }
}
