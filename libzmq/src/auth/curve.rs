//! CURVE keys, certificates and credentials.
//!
//! Keys are written as 40-character Z85 strings (ZeroMQ RFC 32), the form
//! used by libzmq and by configuration files. The Z85 codec and the
//! Curve25519 arithmetic come from the `zmtp` crate.

use serde::{de, Deserialize, Deserializer, Serialize, Serializer};
use subtle::ConstantTimeEq;
use zeroize::Zeroize;

use std::{
    convert::TryFrom,
    fmt,
    hash::{Hash, Hasher},
    option,
};

/// What both key types share: their accessors, conversions from strings,
/// one-item iteration, serde as a Z85 string.
macro_rules! key_impls {
    ($ty:ident) => {
        impl $ty {
            /// The key as 40 Z85 characters.
            pub fn as_str(&self) -> &str {
                &self.key
            }

            /// The raw 32 bytes of the key (for a secret key, the caller
            /// should zero them once done).
            pub(crate) fn as_bytes(&self) -> [u8; KEY_LEN] {
                decode_key(&self.key).expect("validated at construction")
            }

            /// The key of the given raw 32 bytes.
            pub(crate) fn from_bytes(key: &[u8; KEY_LEN]) -> Self {
                Self {
                    key: encode_key(key),
                }
            }
        }

        impl TryFrom<String> for $ty {
            type Error = CurveError;
            fn try_from(text: String) -> Result<Self, CurveError> {
                Self::new(text)
            }
        }

        impl TryFrom<&String> for $ty {
            type Error = CurveError;
            fn try_from(text: &String) -> Result<Self, CurveError> {
                Self::new(text.as_str())
            }
        }

        impl TryFrom<&str> for $ty {
            type Error = CurveError;
            fn try_from(text: &str) -> Result<Self, CurveError> {
                Self::new(text)
            }
        }

        impl IntoIterator for $ty {
            type Item = $ty;
            type IntoIter = option::IntoIter<$ty>;
            fn into_iter(self) -> Self::IntoIter {
                Some(self).into_iter()
            }
        }

        impl<'a> IntoIterator for &'a $ty {
            type Item = &'a $ty;
            type IntoIter = option::IntoIter<&'a $ty>;
            fn into_iter(self) -> Self::IntoIter {
                Some(self).into_iter()
            }
        }

        impl Serialize for $ty {
            fn serialize<S: Serializer>(
                &self,
                serializer: S,
            ) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.key)
            }
        }

        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(
                deserializer: D,
            ) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                Self::new(text).map_err(de::Error::custom)
            }
        }
    };
}

/// Length of a key in Z85 characters.
const KEY_Z85_LEN: usize = 40;

/// Length of a raw key in bytes.
pub(crate) const KEY_LEN: usize = 32;

/// Why a string is not a valid CURVE key.
///
/// ```
/// use libzmq::auth::{CurveError, CurvePublicKey};
///
/// let err = CurvePublicKey::new("too short").unwrap_err();
/// assert_eq!(err, CurveError::InvalidSize);
/// assert_eq!(err.to_string(), "input string must have len of 40 char");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CurveError {
    /// The string is not exactly 40 characters (bytes) long.
    #[error("input string must have len of 40 char")]
    InvalidSize,
    /// The byte at offset `pos` is not a Z85 character (or, in the rare
    /// case of a group of 5 characters that encodes a value above
    /// `0xFFFFFFFF`, the first digit that makes the group too large).
    #[error("input string contains invalid byte 0x{byte:2X} at offset {pos}")]
    InvalidByte {
        /// Offset of the byte in the string.
        pos: usize,
        /// The offending byte.
        byte: u8,
    },
}

/// Validates and decodes a 40-character Z85 key.
fn decode_key(text: &str) -> Result<[u8; KEY_LEN], CurveError> {
    if text.len() != KEY_Z85_LEN {
        return Err(CurveError::InvalidSize);
    }
    match zmtp::z85::decode(text) {
        Ok(mut bytes) => {
            let mut key = [0u8; KEY_LEN];
            key.copy_from_slice(&bytes);
            bytes.zeroize();
            Ok(key)
        }
        Err(
            zmtp::Z85Error::InvalidByte { pos, byte }
            | zmtp::Z85Error::Overflow {
                byte_pos: pos,
                byte,
                ..
            },
        ) => Err(CurveError::InvalidByte { pos, byte }),
        Err(zmtp::Z85Error::InvalidLength { .. }) => {
            Err(CurveError::InvalidSize)
        }
    }
}

/// Encodes a raw key as 40 Z85 characters.
fn encode_key(key: &[u8; KEY_LEN]) -> String {
    zmtp::z85::encode(key).expect("32 is a multiple of 4")
}

/// A CURVE public key, held as a 40-character Z85 string.
///
/// Its serde form is the Z85 string itself.
///
/// ```
/// use libzmq::auth::*;
/// use std::convert::TryFrom;
///
/// let text = "hb=GN9.(K*)]:{q*)XjsMgwfDTPJYh!w*n/xlIl+";
/// let public = CurvePublicKey::new(text)?;
/// assert_eq!(public.as_str(), text);
/// assert_eq!(public, CurvePublicKey::try_from(text)?);
/// assert_eq!(public.to_string(), text);
///
/// // The public key of a secret key.
/// let secret = CurveSecretKey::new("sqe2ZQ%<<?*(MV2Shf%9=CtldI@T^^pgrML1S.F/")?;
/// assert_eq!(CurvePublicKey::from(&secret), public);
///
/// // Keys are validated.
/// assert_eq!(CurvePublicKey::new("abc"), Err(CurveError::InvalidSize));
/// # Ok::<(), anyhow::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CurvePublicKey {
    key: String,
}

impl CurvePublicKey {
    /// Parses a public key from its 40-character Z85 form.
    ///
    /// Fails with [`CurveError::InvalidSize`] if the text is not 40 bytes
    /// long and with [`CurveError::InvalidByte`] if it is not valid Z85.
    pub fn new<S: Into<String>>(text: S) -> Result<Self, CurveError> {
        let key = text.into();
        decode_key(&key)?;
        Ok(Self { key })
    }
}

impl fmt::Display for CurvePublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.key)
    }
}

impl From<&CurvePublicKey> for CurvePublicKey {
    fn from(key: &CurvePublicKey) -> Self {
        key.clone()
    }
}

impl From<&CurveSecretKey> for CurvePublicKey {
    /// Derives the public key of a secret key (Curve25519 scalar
    /// multiplication of the base point, as libzmq's `zmq_curve_public`).
    fn from(secret: &CurveSecretKey) -> Self {
        let mut raw = secret.as_bytes();
        let public = zmtp::curve_public_key(&raw);
        raw.zeroize();
        Self::from_bytes(&public)
    }
}

impl From<CurveSecretKey> for CurvePublicKey {
    /// Derives the public key of a secret key.
    fn from(secret: CurveSecretKey) -> Self {
        Self::from(&secret)
    }
}

key_impls!(CurvePublicKey);

/// A CURVE secret key, held as a 40-character Z85 string.
///
/// Its serde form is the Z85 string itself. `Debug` never shows the key
/// (it prints `CurveSecretKey(<redacted>)`), equality is checked in
/// constant time, and the string is zeroed when the key is dropped.
///
/// ```
/// use libzmq::auth::*;
///
/// let secret = CurveSecretKey::new("sqe2ZQ%<<?*(MV2Shf%9=CtldI@T^^pgrML1S.F/")?;
/// assert_eq!(format!("{:?}", secret), "CurveSecretKey(<redacted>)");
/// assert_eq!(secret.as_str(), "sqe2ZQ%<<?*(MV2Shf%9=CtldI@T^^pgrML1S.F/");
/// # Ok::<(), anyhow::Error>(())
/// ```
#[derive(Clone)]
pub struct CurveSecretKey {
    key: String,
}

impl CurveSecretKey {
    /// Parses a secret key from its 40-character Z85 form.
    ///
    /// Fails with [`CurveError::InvalidSize`] if the text is not 40 bytes
    /// long and with [`CurveError::InvalidByte`] if it is not valid Z85.
    pub fn new<S: Into<String>>(text: S) -> Result<Self, CurveError> {
        let mut key = text.into();
        match decode_key(&key) {
            Ok(mut raw) => {
                raw.zeroize();
                Ok(Self { key })
            }
            Err(err) => {
                key.zeroize();
                Err(err)
            }
        }
    }
}

impl Drop for CurveSecretKey {
    fn drop(&mut self) {
        self.key.zeroize();
    }
}

impl fmt::Debug for CurveSecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CurveSecretKey(<redacted>)")
    }
}

impl PartialEq for CurveSecretKey {
    /// Compares the keys in constant time.
    fn eq(&self, other: &Self) -> bool {
        self.key.as_bytes().ct_eq(other.key.as_bytes()).into()
    }
}

impl Eq for CurveSecretKey {}

impl Hash for CurveSecretKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.key.hash(state);
    }
}

impl From<&CurveSecretKey> for CurveSecretKey {
    fn from(key: &CurveSecretKey) -> Self {
        key.clone()
    }
}

key_impls!(CurveSecretKey);

/// A CURVE certificate: a public key and its secret key.
///
/// Its serde form is a map with the fields `public` and `secret`.
///
/// ```
/// use libzmq::auth::*;
///
/// let cert = CurveCert::new_unique();
/// // The public key is the one of the secret key.
/// let public = CurvePublicKey::from(cert.secret());
/// assert_eq!(&public, cert.public());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CurveCert {
    public: CurvePublicKey,
    secret: CurveSecretKey,
}

impl CurveCert {
    /// Generates a new random key pair.
    ///
    /// # Panics
    /// Only if the operating system's random number generator is
    /// unavailable.
    pub fn new_unique() -> Self {
        let (public, mut secret) = zmtp::curve_keypair();
        let cert = Self {
            public: CurvePublicKey::from_bytes(&public),
            secret: CurveSecretKey::from_bytes(&secret),
        };
        secret.zeroize();
        cert
    }

    /// The public key.
    pub fn public(&self) -> &CurvePublicKey {
        &self.public
    }

    /// The secret key.
    pub fn secret(&self) -> &CurveSecretKey {
        &self.secret
    }
}

impl From<&CurveCert> for CurveCert {
    fn from(cert: &CurveCert) -> Self {
        cert.clone()
    }
}

/// The credentials of a CURVE client: the server's public key and,
/// optionally, the client's own certificate.
///
/// When a socket is given credentials without a certificate, it generates
/// a new one (which the server's authenticator does not know, unless curve
/// authentication is disabled there).
///
/// Its serde form is `{client: {public, secret} | null, server: "<z85>"}`.
///
/// ```
/// use libzmq::auth::*;
///
/// let server_cert = CurveCert::new_unique();
/// let client_cert = CurveCert::new_unique();
///
/// let creds = CurveClientCreds::new(server_cert.public()).add_cert(client_cert.clone());
/// assert_eq!(creds.server(), server_cert.public());
/// assert_eq!(creds.cert(), Some(&client_cert));
///
/// let mechanism: Mechanism = creds.into();
/// assert!(matches!(mechanism, Mechanism::CurveClient(_)));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CurveClientCreds {
    #[serde(default)]
    pub(crate) client: Option<CurveCert>,
    pub(crate) server: CurvePublicKey,
}

impl CurveClientCreds {
    /// Credentials for a server with the given public key, without a
    /// client certificate.
    pub fn new<S: Into<CurvePublicKey>>(server: S) -> Self {
        Self {
            client: None,
            server: server.into(),
        }
    }

    /// Sets the client certificate.
    pub fn add_cert<C: Into<CurveCert>>(mut self, client: C) -> Self {
        self.client = Some(client.into());
        self
    }

    /// The client certificate, if any.
    pub fn cert(&self) -> Option<&CurveCert> {
        self.client.as_ref()
    }

    /// The server's public key.
    pub fn server(&self) -> &CurvePublicKey {
        &self.server
    }

    /// These credentials with a newly generated client certificate if they
    /// have none.
    pub(crate) fn with_cert(mut self) -> Self {
        if self.client.is_none() {
            self.client = Some(CurveCert::new_unique());
        }
        self
    }
}

impl From<&CurveClientCreds> for CurveClientCreds {
    fn from(creds: &CurveClientCreds) -> Self {
        creds.clone()
    }
}

/// The credentials of a CURVE server: its secret key.
///
/// Its serde form is `{secret: "<z85>"}`.
///
/// ```
/// use libzmq::auth::*;
///
/// let cert = CurveCert::new_unique();
/// let creds = CurveServerCreds::new(cert.secret());
/// assert_eq!(creds.secret(), cert.secret());
///
/// let mechanism = Mechanism::from(&creds);
/// assert_eq!(mechanism, Mechanism::CurveServer(creds));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CurveServerCreds {
    pub(crate) secret: CurveSecretKey,
}

impl CurveServerCreds {
    /// Credentials made of the server's secret key.
    pub fn new<S: Into<CurveSecretKey>>(secret: S) -> Self {
        Self {
            secret: secret.into(),
        }
    }

    /// The server's secret key.
    pub fn secret(&self) -> &CurveSecretKey {
        &self.secret
    }
}

impl From<&CurveServerCreds> for CurveServerCreds {
    fn from(creds: &CurveServerCreds) -> Self {
        creds.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "sqe2ZQ%<<?*(MV2Shf%9=CtldI@T^^pgrML1S.F/";
    const PUBLIC: &str = "hb=GN9.(K*)]:{q*)XjsMgwfDTPJYh!w*n/xlIl+";

    // The key pairs of the guide's "Secure Request Reply" configuration.
    const GUIDE_CLIENT_PUBLIC: &str =
        "n%3)5@(3pzp)v8yt6RW3eQVq5OQYb#TEodD^6oA^";
    const GUIDE_CLIENT_SECRET: &str =
        "JiUDa>>owH1+mPTWs=>Jcyt%h.C1E4Js>)(g{geY";
    const GUIDE_SERVER_PUBLIC: &str =
        "et189NB9uJC7?J+XU8JRhCbF?gOP9+o%kli=y2b8";
    const GUIDE_SERVER_SECRET: &str =
        "iaoRiIVA^VgV:f4a<@{8K{cP62cE:dh=4:oY+^l(";

    #[test]
    fn invalid_size() {
        assert_eq!(
            CurvePublicKey::new("0123456789"),
            Err(CurveError::InvalidSize)
        );
        assert_eq!(
            CurveSecretKey::new("0123456789").unwrap_err(),
            CurveError::InvalidSize
        );
        assert_eq!(CurvePublicKey::new(""), Err(CurveError::InvalidSize));
        assert_eq!(
            CurvePublicKey::new(format!("{}0", PUBLIC)),
            Err(CurveError::InvalidSize)
        );
        assert_eq!(
            CurveError::InvalidSize.to_string(),
            "input string must have len of 40 char"
        );
    }

    #[test]
    fn invalid_byte() {
        let mut text = String::from(SECRET);
        text.replace_range(20..21, "~");
        let err = CurveSecretKey::new(text.as_str()).unwrap_err();
        assert_eq!(
            err,
            CurveError::InvalidByte {
                pos: 20,
                byte: 0x7E
            }
        );
        assert_eq!(
            err.to_string(),
            "input string contains invalid byte 0x7E at offset 20"
        );
        assert_eq!(CurvePublicKey::new(text), Err(err));

        // The first invalid byte is reported.
        let text =
            format!("{}\"{}", &PUBLIC[..3], &PUBLIC[4..]).replace('K', ",");
        assert_eq!(
            CurvePublicKey::new(text),
            Err(CurveError::InvalidByte { pos: 3, byte: b'"' })
        );
    }

    #[test]
    fn every_non_ascii_byte_is_invalid() {
        // All 85 letters are below 0x80: a non-ASCII character is rejected
        // at its first byte.
        let text = format!("{}é{}", &PUBLIC[..10], &PUBLIC[12..]);
        assert_eq!(text.len(), 40);
        assert_eq!(
            CurvePublicKey::new(text),
            Err(CurveError::InvalidByte {
                pos: 10,
                byte: 0xC3
            })
        );
        // 85 ASCII bytes are digits: there are no others.
        let letters = (0..=0x7Fu8)
            .filter(|&byte| {
                let text = format!("{}0000{}", &PUBLIC[..35], char::from(byte));
                CurvePublicKey::new(text).is_ok()
            })
            .count();
        assert_eq!(letters, 85);
    }

    #[test]
    fn overflowing_group_is_invalid() {
        // "%nSc0" is 0xFFFFFFFF; "%nSd0" is too large, because of the 'd'.
        let text = format!("{}%nSd0", &PUBLIC[..35]);
        assert_eq!(
            CurvePublicKey::new(text),
            Err(CurveError::InvalidByte {
                pos: 38,
                byte: b'd'
            })
        );
        let text = format!("#####{}", &PUBLIC[5..]);
        assert_eq!(
            CurvePublicKey::new(text),
            Err(CurveError::InvalidByte { pos: 0, byte: b'#' })
        );
        let text = format!("{}%nSc0", &PUBLIC[..35]);
        assert!(CurvePublicKey::new(text).is_ok());
    }

    #[test]
    fn valid_keys_parse() {
        let secret = CurveSecretKey::new(SECRET).unwrap();
        assert_eq!(secret.as_str(), SECRET);
        assert_eq!(CurveSecretKey::try_from(SECRET).unwrap(), secret);
        assert_eq!(
            CurveSecretKey::try_from(SECRET.to_owned()).unwrap(),
            secret
        );
        assert_eq!(
            CurveSecretKey::try_from(&SECRET.to_owned()).unwrap(),
            secret
        );
        let public = CurvePublicKey::new(PUBLIC).unwrap();
        assert_eq!(public.as_str(), PUBLIC);
        assert_eq!(CurvePublicKey::try_from(PUBLIC).unwrap(), public);
        assert_eq!(
            CurvePublicKey::try_from(PUBLIC.to_owned()).unwrap(),
            public
        );
        assert_eq!(
            CurvePublicKey::try_from(&PUBLIC.to_owned()).unwrap(),
            public
        );
        assert_eq!(public.to_string(), PUBLIC);
        assert_eq!(CurvePublicKey::from(&public), public);
        assert_eq!(CurveSecretKey::from(&secret), secret);
    }

    #[test]
    fn public_from_secret() {
        let secret = CurveSecretKey::new(SECRET).unwrap();
        assert_eq!(CurvePublicKey::from(&secret).as_str(), PUBLIC);
        assert_eq!(CurvePublicKey::from(secret).as_str(), PUBLIC);
    }

    #[test]
    fn guide_key_pairs_match() {
        for (public, secret) in [
            (GUIDE_CLIENT_PUBLIC, GUIDE_CLIENT_SECRET),
            (GUIDE_SERVER_PUBLIC, GUIDE_SERVER_SECRET),
        ] {
            let secret = CurveSecretKey::new(secret).unwrap();
            assert_eq!(CurvePublicKey::from(&secret).as_str(), public);
        }
    }

    #[test]
    fn raw_bytes_round_trip() {
        let secret = CurveSecretKey::new(SECRET).unwrap();
        assert_eq!(CurveSecretKey::from_bytes(&secret.as_bytes()), secret);
        let public = CurvePublicKey::new(PUBLIC).unwrap();
        assert_eq!(CurvePublicKey::from_bytes(&public.as_bytes()), public);
        assert_eq!(
            zmtp::curve_public_key(&secret.as_bytes()),
            public.as_bytes()
        );
    }

    #[test]
    fn random_keys_round_trip() {
        use rand::RngCore;
        let mut rng = rand::thread_rng();
        let mut raws = vec![[0u8; KEY_LEN], [0xFF; KEY_LEN]];
        for _ in 0..1000 {
            let mut raw = [0u8; KEY_LEN];
            rng.fill_bytes(&mut raw);
            raws.push(raw);
        }
        for raw in raws {
            let public = CurvePublicKey::from_bytes(&raw);
            let parsed = CurvePublicKey::new(public.as_str()).unwrap();
            assert_eq!(parsed.as_bytes(), raw);
            let secret = CurveSecretKey::new(public.as_str()).unwrap();
            assert_eq!(secret.as_bytes(), raw);
        }
    }

    #[test]
    fn z85_rfc_vectors() {
        // ZeroMQ RFC 32: 86 4F D2 6F B5 59 F7 5B <-> "HelloWorld".
        let bytes = [0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B];
        assert_eq!(zmtp::z85::encode(&bytes).unwrap(), "HelloWorld");
        assert_eq!(zmtp::z85::decode("HelloWorld").unwrap(), bytes);
        // A 32-byte key made of that vector four times.
        let raw: Vec<u8> = bytes.iter().cycle().take(32).copied().collect();
        let raw: [u8; 32] = raw.try_into().unwrap();
        let key = CurvePublicKey::from_bytes(&raw);
        assert_eq!(key.as_str(), "HelloWorld".repeat(4));
        assert_eq!(key.as_bytes(), raw);
    }

    #[test]
    fn new_unique() {
        let cert = CurveCert::new_unique();
        assert_eq!(&CurvePublicKey::from(cert.secret()), cert.public());
        let other = CurveCert::new_unique();
        assert_ne!(cert, other);
        assert_ne!(cert.secret(), other.secret());
    }

    #[test]
    fn secret_debug_is_redacted() {
        let secret = CurveSecretKey::new(SECRET).unwrap();
        assert_eq!(format!("{:?}", secret), "CurveSecretKey(<redacted>)");
        assert_eq!(format!("{:#?}", secret), "CurveSecretKey(<redacted>)");

        let cert = CurveCert {
            public: CurvePublicKey::new(PUBLIC).unwrap(),
            secret,
        };
        let debug = format!("{:?}", cert);
        assert!(!debug.contains(SECRET), "{}", debug);
        assert_eq!(
            debug,
            format!(
                "CurveCert {{ public: CurvePublicKey {{ key: {:?} }}, secret: CurveSecretKey(<redacted>) }}",
                PUBLIC
            )
        );

        let creds = CurveClientCreds::new(cert.public()).add_cert(&cert);
        assert!(!format!("{:?}", creds).contains(SECRET));
        assert!(!format!("{:#?}", creds).contains(SECRET));
        let creds = CurveServerCreds::new(cert.secret());
        assert!(!format!("{:?}", creds).contains(SECRET));
        assert!(!format!("{:#?}", creds).contains(SECRET));
    }

    #[test]
    fn into_iter_yields_one() {
        let public = CurvePublicKey::new(PUBLIC).unwrap();
        assert_eq!((&public).into_iter().count(), 1);
        assert_eq!(public.into_iter().collect::<Vec<_>>().len(), 1);
        let secret = CurveSecretKey::new(SECRET).unwrap();
        assert_eq!((&secret).into_iter().count(), 1);
        assert_eq!(secret.into_iter().count(), 1);
    }

    #[test]
    fn creds() {
        let server = CurveCert::new_unique();
        let creds = CurveClientCreds::new(server.public());
        assert_eq!(creds.cert(), None);
        assert_eq!(creds.server(), server.public());
        // The server's public key can also be derived from its secret.
        assert_eq!(CurveClientCreds::new(server.secret()), creds);
        let filled = creds.clone().with_cert();
        let cert = filled.cert().unwrap().clone();
        assert_eq!(&CurvePublicKey::from(cert.secret()), cert.public());
        assert_eq!(filled.server(), server.public());
        // An existing cert is kept.
        assert_eq!(filled.clone().with_cert(), filled);
        assert_eq!(CurveClientCreds::from(&filled), filled);

        let creds = CurveServerCreds::new(server.secret());
        assert_eq!(creds.secret(), server.secret());
        assert_eq!(CurveServerCreds::from(&creds), creds);
    }

    #[test]
    fn cert_serde() {
        let yaml = format!("public: \"{}\"\nsecret: \"{}\"\n", PUBLIC, SECRET);
        let cert: CurveCert = serde_yaml::from_str(&yaml).unwrap();
        assert_eq!(cert.public().as_str(), PUBLIC);
        assert_eq!(cert.secret().as_str(), SECRET);
        let back: CurveCert =
            serde_yaml::from_str(&serde_yaml::to_string(&cert).unwrap())
                .unwrap();
        assert_eq!(back, cert);

        let json = serde_json::to_string(&cert).unwrap();
        assert_eq!(
            json,
            format!(
                r#"{{"public":{},"secret":{}}}"#,
                serde_json::to_string(PUBLIC).unwrap(),
                serde_json::to_string(SECRET).unwrap()
            )
        );
        assert_eq!(serde_json::from_str::<CurveCert>(&json).unwrap(), cert);

        let text = toml::to_string(&cert).unwrap();
        assert_eq!(toml::from_str::<CurveCert>(&text).unwrap(), cert);

        // Invalid keys and unknown fields are rejected.
        let err = serde_json::from_str::<CurveCert>(
            r#"{"public":"abc","secret":"abc"}"#,
        )
        .unwrap_err();
        assert!(err.to_string().contains("len of 40 char"), "{}", err);
        let err =
            serde_yaml::from_str::<CurveCert>(&format!("{}extra: 1\n", yaml))
                .unwrap_err();
        assert!(err.to_string().contains("unknown field `extra`"), "{}", err);
        let json = format!("\"{}~{}\"", "0".repeat(19), "0".repeat(20));
        let err = serde_json::from_str::<CurvePublicKey>(&json).unwrap_err();
        assert!(
            err.to_string().contains("invalid byte 0x7E at offset 19"),
            "{}",
            err
        );
    }

    #[test]
    fn keys_serde_as_strings() {
        let public = CurvePublicKey::new(PUBLIC).unwrap();
        assert_eq!(
            serde_json::to_string(&public).unwrap(),
            serde_json::to_string(PUBLIC).unwrap()
        );
        let secret = CurveSecretKey::new(SECRET).unwrap();
        let json = serde_json::to_string(&secret).unwrap();
        assert_eq!(json, serde_json::to_string(SECRET).unwrap());
        assert_eq!(
            serde_json::from_str::<CurveSecretKey>(&json).unwrap(),
            secret
        );
    }

    #[test]
    fn creds_serde() {
        let yaml = format!(
            "client:\n  public: \"{}\"\n  secret: \"{}\"\nserver: \"{}\"\n",
            GUIDE_CLIENT_PUBLIC, GUIDE_CLIENT_SECRET, GUIDE_SERVER_PUBLIC
        );
        let creds: CurveClientCreds = serde_yaml::from_str(&yaml).unwrap();
        assert_eq!(creds.server().as_str(), GUIDE_SERVER_PUBLIC);
        assert_eq!(
            creds.cert().unwrap().public().as_str(),
            GUIDE_CLIENT_PUBLIC
        );

        let yaml =
            format!("client: null\nserver: \"{}\"\n", GUIDE_SERVER_PUBLIC);
        let creds: CurveClientCreds = serde_yaml::from_str(&yaml).unwrap();
        assert_eq!(creds.cert(), None);
        let yaml = format!("server: \"{}\"\n", GUIDE_SERVER_PUBLIC);
        assert_eq!(
            serde_yaml::from_str::<CurveClientCreds>(&yaml).unwrap(),
            creds
        );
        let err = serde_yaml::from_str::<CurveClientCreds>(&format!(
            "{}bogus: 1\n",
            yaml
        ))
        .unwrap_err();
        assert!(err.to_string().contains("unknown field `bogus`"), "{}", err);

        let creds: CurveServerCreds = serde_yaml::from_str(&format!(
            "secret: \"{}\"\n",
            GUIDE_SERVER_SECRET
        ))
        .unwrap();
        assert_eq!(creds.secret().as_str(), GUIDE_SERVER_SECRET);
    }
}
