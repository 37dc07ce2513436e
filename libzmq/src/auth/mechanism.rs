//! The security mechanism of a socket and the PLAIN credentials.

use super::curve::{CurveCert, CurveClientCreds, CurveServerCreds};
use crate::serde_enum::serde_enum;

use serde::{Deserialize, Serialize};
use zeroize::Zeroize;

use std::{fmt, option};

/// The credentials of a PLAIN client: a user name and a password, sent in
/// clear text.
///
/// `Debug` never shows the password, and the password is zeroed when the
/// credentials are dropped. Its serde form is `{username, password}`.
///
/// ```
/// use libzmq::auth::*;
///
/// let creds = PlainClientCreds::new("user", "pass");
/// assert_eq!(creds.username(), "user");
/// assert_eq!(creds.password(), "pass");
/// assert!(!format!("{:?}", creds).contains("pass\""));
///
/// let mechanism = Mechanism::from(&creds);
/// assert_eq!(mechanism, Mechanism::PlainClient(creds));
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlainClientCreds {
    pub(crate) username: String,
    pub(crate) password: String,
}

impl PlainClientCreds {
    /// Credentials made of a user name and a password.
    pub fn new<U, P>(username: U, password: P) -> Self
    where
        U: Into<String>,
        P: Into<String>,
    {
        Self {
            username: username.into(),
            password: password.into(),
        }
    }

    /// The user name.
    pub fn username(&self) -> &str {
        &self.username
    }

    /// The password.
    pub fn password(&self) -> &str {
        &self.password
    }
}

impl Drop for PlainClientCreds {
    fn drop(&mut self) {
        self.password.zeroize();
    }
}

impl fmt::Debug for PlainClientCreds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PlainClientCreds")
            .field("username", &self.username)
            .field("password", &format_args!("<redacted>"))
            .finish()
    }
}

impl From<&PlainClientCreds> for PlainClientCreds {
    fn from(creds: &PlainClientCreds) -> Self {
        creds.clone()
    }
}

impl IntoIterator for PlainClientCreds {
    type Item = PlainClientCreds;
    type IntoIter = option::IntoIter<PlainClientCreds>;
    fn into_iter(self) -> Self::IntoIter {
        Some(self).into_iter()
    }
}

impl<'a> IntoIterator for &'a PlainClientCreds {
    type Item = &'a PlainClientCreds;
    type IntoIter = option::IntoIter<&'a PlainClientCreds>;
    fn into_iter(self) -> Self::IntoIter {
        Some(self).into_iter()
    }
}

/// The security mechanism of a socket, with its role and credentials.
///
/// Compatible pairs are `Null`–`Null`, `PlainClient`–`PlainServer` and
/// `CurveClient`–`CurveServer` (authentication and encryption). The roles
/// are independent of the socket types: usually the connecting socket is
/// the client.
///
/// Its serde form is snake case: the strings `null` and `plain_server` for
/// the variants without credentials, and a single-key map for the others
/// (`plain_client: {username, password}`,
/// `curve_client: {client: {public, secret} | null, server}`,
/// `curve_server: {secret}`). The tagged form of serde_yaml 0.9
/// (`!curve_server {secret: ..}`) is accepted as well.
///
/// ```
/// use libzmq::auth::*;
///
/// let yaml = r#"
/// curve_server:
///   secret: "iaoRiIVA^VgV:f4a<@{8K{cP62cE:dh=4:oY+^l("
/// "#;
/// let mechanism: Mechanism = serde_yaml::from_str(yaml)?;
/// let secret = CurveSecretKey::new("iaoRiIVA^VgV:f4a<@{8K{cP62cE:dh=4:oY+^l(")?;
/// assert_eq!(mechanism, Mechanism::CurveServer(CurveServerCreds::new(secret)));
/// assert_eq!(Mechanism::default(), Mechanism::Null);
/// # Ok::<(), anyhow::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub enum Mechanism {
    /// No security (the default).
    #[default]
    Null,
    /// PLAIN client with its credentials.
    PlainClient(PlainClientCreds),
    /// PLAIN server: the ctx's authenticator checks the client's
    /// credentials against its plain registry.
    PlainServer,
    /// CURVE client with its credentials.
    CurveClient(CurveClientCreds),
    /// CURVE server with its credentials.
    CurveServer(CurveServerCreds),
}

impl Mechanism {
    /// This mechanism with a newly generated client certificate if it is a
    /// `CurveClient` without one (what `set_mechanism` stores).
    #[allow(dead_code)] // Used by the socket engine.
    pub(crate) fn with_client_cert(self) -> Self {
        match self {
            Mechanism::CurveClient(creds) => {
                Mechanism::CurveClient(creds.with_cert())
            }
            other => other,
        }
    }

    /// The configuration of the ZMTP session for this mechanism.
    ///
    /// A `CurveClient` without a certificate gets a newly generated one
    /// that is not stored: call [`with_client_cert`](Self::with_client_cert)
    /// first to keep it.
    #[allow(dead_code)] // Used by the socket engine.
    pub(crate) fn to_zmtp(&self) -> zmtp::MechanismConfig {
        use zmtp::MechanismConfig as Config;
        match self {
            Mechanism::Null => Config::Null,
            Mechanism::PlainClient(creds) => Config::PlainClient {
                username: creds.username.as_bytes().to_vec(),
                password: creds.password.as_bytes().to_vec(),
            },
            Mechanism::PlainServer => Config::PlainServer,
            Mechanism::CurveClient(creds) => {
                let generated;
                let cert = match creds.cert() {
                    Some(cert) => cert,
                    None => {
                        generated = CurveCert::new_unique();
                        &generated
                    }
                };
                Config::CurveClient {
                    server_public: creds.server().as_bytes(),
                    public: cert.public().as_bytes(),
                    secret: cert.secret().as_bytes(),
                }
            }
            Mechanism::CurveServer(creds) => Config::CurveServer {
                secret: creds.secret().as_bytes(),
            },
        }
    }
}

impl From<&Mechanism> for Mechanism {
    fn from(mechanism: &Mechanism) -> Self {
        mechanism.clone()
    }
}

impl From<PlainClientCreds> for Mechanism {
    fn from(creds: PlainClientCreds) -> Self {
        Mechanism::PlainClient(creds)
    }
}

impl From<&PlainClientCreds> for Mechanism {
    fn from(creds: &PlainClientCreds) -> Self {
        Mechanism::PlainClient(creds.clone())
    }
}

impl From<CurveClientCreds> for Mechanism {
    fn from(creds: CurveClientCreds) -> Self {
        Mechanism::CurveClient(creds)
    }
}

impl From<&CurveClientCreds> for Mechanism {
    fn from(creds: &CurveClientCreds) -> Self {
        Mechanism::CurveClient(creds.clone())
    }
}

impl From<CurveServerCreds> for Mechanism {
    fn from(creds: CurveServerCreds) -> Self {
        Mechanism::CurveServer(creds)
    }
}

impl From<&CurveServerCreds> for Mechanism {
    fn from(creds: &CurveServerCreds) -> Self {
        Mechanism::CurveServer(creds.clone())
    }
}

serde_enum!(Mechanism {
    0 => Null = "null",
    1 => PlainClient(PlainClientCreds) = "plain_client",
    2 => PlainServer = "plain_server",
    3 => CurveClient(CurveClientCreds) = "curve_client",
    4 => CurveServer(CurveServerCreds) = "curve_server",
});

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::{CurvePublicKey, CurveSecretKey};
    use serde::{Deserialize, Serialize};

    const CLIENT_PUBLIC: &str = "n%3)5@(3pzp)v8yt6RW3eQVq5OQYb#TEodD^6oA^";
    const CLIENT_SECRET: &str = "JiUDa>>owH1+mPTWs=>Jcyt%h.C1E4Js>)(g{geY";
    const SERVER_PUBLIC: &str = "et189NB9uJC7?J+XU8JRhCbF?gOP9+o%kli=y2b8";
    const SERVER_SECRET: &str = "iaoRiIVA^VgV:f4a<@{8K{cP62cE:dh=4:oY+^l(";

    /// The `mechanism:` parts of the guide's "Secure Request Reply" YAML.
    const GUIDE_CLIENT: &str = r#"
  mechanism:
    curve_client:
      client:
        public: "n%3)5@(3pzp)v8yt6RW3eQVq5OQYb#TEodD^6oA^"
        secret: "JiUDa>>owH1+mPTWs=>Jcyt%h.C1E4Js>)(g{geY"
      # This is the server's public key.
      server: "et189NB9uJC7?J+XU8JRhCbF?gOP9+o%kli=y2b8"
"#;
    const GUIDE_SERVER: &str = r#"
  mechanism:
    curve_server:
      secret: "iaoRiIVA^VgV:f4a<@{8K{cP62cE:dh=4:oY+^l("
"#;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Holder {
        mechanism: Mechanism,
    }

    fn client_cert() -> CurveCert {
        serde_yaml::from_str(&format!(
            "public: \"{}\"\nsecret: \"{}\"",
            CLIENT_PUBLIC, CLIENT_SECRET
        ))
        .unwrap()
    }

    fn all() -> Vec<Mechanism> {
        vec![
            Mechanism::Null,
            PlainClientCreds::new("user", "pwd").into(),
            Mechanism::PlainServer,
            CurveClientCreds::new(CurvePublicKey::new(SERVER_PUBLIC).unwrap())
                .add_cert(client_cert())
                .into(),
            CurveClientCreds::new(CurvePublicKey::new(SERVER_PUBLIC).unwrap())
                .into(),
            CurveServerCreds::new(CurveSecretKey::new(SERVER_SECRET).unwrap())
                .into(),
        ]
    }

    #[test]
    fn guide_yaml_parses_unchanged() {
        let client: Holder =
            serde_yaml::from_str(GUIDE_CLIENT.trim_start_matches('\n'))
                .unwrap_or_else(|err| panic!("{}", err));
        let expected = Mechanism::CurveClient(
            CurveClientCreds::new(CurvePublicKey::new(SERVER_PUBLIC).unwrap())
                .add_cert(client_cert()),
        );
        assert_eq!(client.mechanism, expected);

        let server: Holder =
            serde_yaml::from_str(GUIDE_SERVER.trim_start_matches('\n'))
                .unwrap();
        assert_eq!(
            server.mechanism,
            Mechanism::CurveServer(CurveServerCreds::new(
                CurveSecretKey::new(SERVER_SECRET).unwrap()
            ))
        );
    }

    #[test]
    fn yaml_map_form() {
        let yaml = "
- null
- 'null'
- null: ~
- plain_client:
    username: user
    password: pwd
- plain_server
- plain_server: ~
- curve_client:
    client: null
    server: \"et189NB9uJC7?J+XU8JRhCbF?gOP9+o%kli=y2b8\"
- curve_client:
    server: \"et189NB9uJC7?J+XU8JRhCbF?gOP9+o%kli=y2b8\"
";
        // A bare YAML `null` in a sequence of mechanisms is unit, which the
        // map form does not accept: only the string form counts.
        assert!(serde_yaml::from_str::<Vec<Mechanism>>(yaml).is_err());
        let yaml = yaml.replacen("- null\n", "", 1);
        let mechanisms: Vec<Mechanism> = serde_yaml::from_str(&yaml).unwrap();
        let creds =
            CurveClientCreds::new(CurvePublicKey::new(SERVER_PUBLIC).unwrap());
        assert_eq!(
            mechanisms,
            vec![
                Mechanism::Null,
                Mechanism::Null,
                PlainClientCreds::new("user", "pwd").into(),
                Mechanism::PlainServer,
                Mechanism::PlainServer,
                creds.clone().into(),
                creds.into(),
            ]
        );
    }

    #[test]
    fn yaml_tagged_form() {
        let yaml = format!(
            "
- !null
- !plain_client
  username: user
  password: pwd
- !plain_server
- !curve_client
  client:
    public: \"{}\"
    secret: \"{}\"
  server: \"{}\"
- !curve_client
  server: \"{}\"
- !curve_server
  secret: \"{}\"
",
            CLIENT_PUBLIC,
            CLIENT_SECRET,
            SERVER_PUBLIC,
            SERVER_PUBLIC,
            SERVER_SECRET
        );
        let mechanisms: Vec<Mechanism> = serde_yaml::from_str(&yaml).unwrap();
        assert_eq!(mechanisms, all());
    }

    #[test]
    fn yaml_round_trip() {
        for mechanism in all() {
            let holder = Holder { mechanism };
            let yaml = serde_yaml::to_string(&holder).unwrap();
            assert_eq!(serde_yaml::from_str::<Holder>(&yaml).unwrap(), holder);
        }
        let yaml = serde_yaml::to_string(&all()[..3]).unwrap();
        assert_eq!(
            yaml,
            "- 'null'\n- plain_client:\n    username: user\n    password: pwd\n- plain_server\n"
        );
        let yaml = serde_yaml::to_string(&all()[5]).unwrap();
        assert_eq!(
            yaml,
            format!("curve_server:\n  secret: {}\n", SERVER_SECRET)
        );
    }

    #[test]
    fn json_and_toml() {
        let json = serde_json::to_string(&all()).unwrap();
        assert!(json.starts_with(
            r#"["null",{"plain_client":{"username":"user","password":"pwd"}},"plain_server",{"curve_client":{"client":{"public":"#
        ), "{}", json);
        assert!(
            json.contains(r#"{"curve_client":{"client":null,"server":"#),
            "{}",
            json
        );
        assert_eq!(
            serde_json::from_str::<Vec<Mechanism>>(&json).unwrap(),
            all()
        );

        #[derive(Debug, PartialEq, Serialize, Deserialize)]
        struct Many {
            mechanisms: Vec<Mechanism>,
        }
        // TOML has no null: leave out the certless curve client.
        let many = Many {
            mechanisms: all()
                .into_iter()
                .filter(|m| !matches!(m, Mechanism::CurveClient(creds) if creds.cert().is_none()))
                .collect(),
        };
        let text = toml::to_string(&many).unwrap();
        assert_eq!(toml::from_str::<Many>(&text).unwrap(), many);
        let text = "mechanism = { plain_client = { username = \"u\", password = \"p\" } }";
        assert_eq!(
            toml::from_str::<Holder>(text).unwrap().mechanism,
            PlainClientCreds::new("u", "p").into()
        );
        let text = format!(
            "mechanism = {{ curve_client = {{ server = \"{}\" }} }}",
            SERVER_PUBLIC
        );
        assert_eq!(
            toml::from_str::<Holder>(&text).unwrap().mechanism,
            all()[4]
        );
    }

    #[test]
    fn serde_errors() {
        let err = serde_yaml::from_str::<Mechanism>(
            "plain_client:\n  username: u\n  password: p\n  extra: 1\n",
        )
        .unwrap_err();
        assert!(err.to_string().contains("unknown field `extra`"), "{}", err);
        let err =
            serde_yaml::from_str::<Mechanism>("curve_server:\n  secret: abc\n")
                .unwrap_err();
        assert!(err.to_string().contains("len of 40 char"), "{}", err);
        let err = serde_yaml::from_str::<Mechanism>("gssapi").unwrap_err();
        assert!(
            err.to_string().contains("unknown variant `gssapi`"),
            "{}",
            err
        );
        let err =
            serde_json::from_str::<Mechanism>(r#""plain_client""#).unwrap_err();
        assert!(err.to_string().contains("needs a value"), "{}", err);
    }

    #[test]
    fn debug_hides_secrets() {
        let creds = PlainClientCreds::new("user", "hunter2");
        assert_eq!(
            format!("{:?}", creds),
            r#"PlainClientCreds { username: "user", password: <redacted> }"#
        );
        for mechanism in all().into_iter().chain(Some(creds.into())) {
            for debug in
                [format!("{:?}", mechanism), format!("{:#?}", mechanism)]
            {
                assert!(!debug.contains("hunter2"), "{}", debug);
                assert!(!debug.contains("pwd"), "{}", debug);
                assert!(!debug.contains(CLIENT_SECRET), "{}", debug);
                assert!(!debug.contains(SERVER_SECRET), "{}", debug);
            }
        }
    }

    #[test]
    fn conversions() {
        let creds = PlainClientCreds::new("u", "p");
        assert_eq!(PlainClientCreds::from(&creds), creds);
        assert_eq!(Mechanism::from(&creds), Mechanism::from(creds.clone()));
        assert_eq!((&creds).into_iter().count(), 1);
        assert_eq!(creds.clone().into_iter().count(), 1);
        let mechanism = Mechanism::from(creds);
        assert_eq!(Mechanism::from(&mechanism), mechanism);
        let client =
            CurveClientCreds::new(CurvePublicKey::new(SERVER_PUBLIC).unwrap());
        assert_eq!(Mechanism::from(&client), Mechanism::from(client.clone()));
        let server =
            CurveServerCreds::new(CurveSecretKey::new(SERVER_SECRET).unwrap());
        assert_eq!(Mechanism::from(&server), Mechanism::from(server.clone()));
    }

    #[test]
    fn to_zmtp() {
        use zmtp::MechanismConfig as Config;
        assert_eq!(Mechanism::Null.to_zmtp(), Config::Null);
        assert_eq!(Mechanism::PlainServer.to_zmtp(), Config::PlainServer);
        assert_eq!(
            Mechanism::from(PlainClientCreds::new("user", "pwd")).to_zmtp(),
            Config::PlainClient {
                username: b"user".to_vec(),
                password: b"pwd".to_vec()
            }
        );
        let cert = client_cert();
        let server_public = CurvePublicKey::new(SERVER_PUBLIC).unwrap();
        let server_secret = CurveSecretKey::new(SERVER_SECRET).unwrap();
        assert_eq!(
            all()[3].to_zmtp(),
            Config::CurveClient {
                server_public: server_public.as_bytes(),
                public: cert.public().as_bytes(),
                secret: cert.secret().as_bytes(),
            }
        );
        assert_eq!(
            all()[5].to_zmtp(),
            Config::CurveServer {
                secret: server_secret.as_bytes()
            }
        );
        // A certless client gets a valid generated key pair.
        match all()[4].to_zmtp() {
            Config::CurveClient {
                server_public: server,
                public,
                secret,
            } => {
                assert_eq!(server, server_public.as_bytes());
                assert_eq!(zmtp::curve_public_key(&secret), public);
            }
            other => panic!("{:?}", other),
        }
        for mechanism in all() {
            assert!(mechanism.with_client_cert().to_zmtp().validate().is_ok());
        }
    }

    #[test]
    fn with_client_cert() {
        let generated = all()[4].clone().with_client_cert();
        match &generated {
            Mechanism::CurveClient(creds) => {
                let cert = creds.cert().unwrap();
                assert_eq!(&CurvePublicKey::from(cert.secret()), cert.public());
                assert_eq!(creds.server().as_str(), SERVER_PUBLIC);
            }
            other => panic!("{:?}", other),
        }
        // Stable once generated, and a no-op elsewhere.
        assert_eq!(generated.clone().with_client_cert(), generated);
        for mechanism in [&all()[..4], &all()[5..]].concat() {
            assert_eq!(mechanism.clone().with_client_cert(), mechanism);
        }
    }
}
