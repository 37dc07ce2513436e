//! The `libzmq::auth` paths of the libzmq 0.2 export map, `config::AuthConfig`,
//! and the `mechanism` methods of the `Socket`, `ConfigureSocket` and
//! `BuildSocket` traits, named with the signatures that code written for the
//! original crate relies on; plus the seed guide's secure request-reply
//! configuration, read with serde_yaml 0.9.

// The borrowed forms (`&addr`, `&creds`) are part of the API under test.
#![allow(clippy::type_complexity, clippy::needless_borrows_for_generic_args)]

use libzmq::{
    auth::{
        AuthBuilder, AuthClient, CurveCert, CurveClientCreds, CurveError,
        CurvePublicKey, CurveSecretKey, CurveServerCreds, Mechanism,
        PlainClientCreds, StatusCode, StatusCodeParseError,
    },
    config::{AuthConfig, ClientConfig, ServerConfig},
    prelude::*,
    Client, ClientBuilder, Ctx, CtxHandle, Dish, Error, ErrorKind, Gather,
    Radio, Scatter, Server, ServerBuilder, TcpAddr,
};
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use std::hash::Hash;
use std::net::{IpAddr, Ipv4Addr};
use std::os::raw::c_long;
use std::time::Duration;

fn is_value<
    T: std::fmt::Debug
        + Clone
        + PartialEq
        + Eq
        + Hash
        + Serialize
        + DeserializeOwned,
>() {
}

// ---- mechanisms and credentials -----------------------------------------------------------

#[test]
fn mechanism_and_creds() -> Result<(), anyhow::Error> {
    is_value::<Mechanism>();
    is_value::<PlainClientCreds>();
    is_value::<CurveClientCreds>();
    is_value::<CurveServerCreds>();
    is_value::<CurveCert>();
    assert_eq!(Mechanism::default(), Mechanism::Null);

    let _: fn(&'static str, String) -> PlainClientCreds =
        PlainClientCreds::new::<&'static str, String>;
    let _: fn(&PlainClientCreds) -> &str = PlainClientCreds::username;
    let _: fn(&PlainClientCreds) -> &str = PlainClientCreds::password;
    let creds = PlainClientCreds::new("user", "pass");
    assert_eq!(creds.username(), "user");
    assert_eq!(creds.password(), "pass");
    let _: PlainClientCreds = (&creds).into();
    for item in &creds {
        let _: &PlainClientCreds = item;
    }

    let mechanisms = [
        Mechanism::Null,
        Mechanism::PlainClient(creds.clone()),
        Mechanism::PlainServer,
        Mechanism::CurveClient(CurveClientCreds::new(
            CurveCert::new_unique().public(),
        )),
        Mechanism::CurveServer(CurveServerCreds::new(
            CurveCert::new_unique().secret(),
        )),
    ];
    for mechanism in &mechanisms {
        match mechanism {
            Mechanism::Null
            | Mechanism::PlainClient(_)
            | Mechanism::PlainServer
            | Mechanism::CurveClient(_)
            | Mechanism::CurveServer(_) => (),
            #[allow(unreachable_patterns)]
            _ => unreachable!(),
        }
        let copy: Mechanism = mechanism.into();
        assert_eq!(&copy, mechanism);
    }
    let _: Mechanism = creds.clone().into();
    let _: Mechanism = (&creds).into();
    Ok(())
}

// ---- CURVE keys ---------------------------------------------------------------------------

#[test]
fn curve() -> Result<(), anyhow::Error> {
    let _: fn(String) -> Result<CurvePublicKey, CurveError> =
        CurvePublicKey::new::<String>;
    let _: fn(&'static str) -> Result<CurveSecretKey, CurveError> =
        CurveSecretKey::new::<&'static str>;
    let _: fn(&CurvePublicKey) -> &str = CurvePublicKey::as_str;
    let _: fn(&CurveSecretKey) -> &str = CurveSecretKey::as_str;
    let _: fn() -> CurveCert = CurveCert::new_unique;
    let _: fn(&CurveCert) -> &CurvePublicKey = CurveCert::public;
    let _: fn(&CurveCert) -> &CurveSecretKey = CurveCert::secret;
    let _: fn(CurvePublicKey) -> CurveClientCreds =
        CurveClientCreds::new::<CurvePublicKey>;
    let _: fn(CurveClientCreds, CurveCert) -> CurveClientCreds =
        CurveClientCreds::add_cert::<CurveCert>;
    let _: fn(&CurveClientCreds) -> Option<&CurveCert> = CurveClientCreds::cert;
    let _: fn(&CurveClientCreds) -> &CurvePublicKey = CurveClientCreds::server;
    let _: fn(CurveSecretKey) -> CurveServerCreds =
        CurveServerCreds::new::<CurveSecretKey>;
    let _: fn(&CurveServerCreds) -> &CurveSecretKey = CurveServerCreds::secret;
    fn key_traits<
        T: Clone + PartialEq + Eq + Hash + Serialize + DeserializeOwned,
    >() {
    }
    key_traits::<CurvePublicKey>();
    key_traits::<CurveSecretKey>();
    fn error_traits<T: std::error::Error + PartialEq + Eq>() {}
    error_traits::<CurveError>();

    // The known pair of the spec.
    let secret: CurveSecretKey =
        "sqe2ZQ%<<?*(MV2Shf%9=CtldI@T^^pgrML1S.F/".try_into()?;
    let public = CurvePublicKey::from(&secret);
    assert_eq!(public.as_str(), "hb=GN9.(K*)]:{q*)XjsMgwfDTPJYh!w*n/xlIl+");
    assert_eq!(public.to_string(), public.as_str());
    assert_eq!(CurvePublicKey::from(secret.clone()), public);
    let _: CurvePublicKey = "hb=GN9.(K*)]:{q*)XjsMgwfDTPJYh!w*n/xlIl+"
        .to_owned()
        .try_into()?;
    let _: CurvePublicKey =
        (&"hb=GN9.(K*)]:{q*)XjsMgwfDTPJYh!w*n/xlIl+".to_owned()).try_into()?;

    assert_eq!(
        CurvePublicKey::new("0123456789").unwrap_err(),
        CurveError::InvalidSize
    );
    let mut text = String::from("hb=GN9.(K*)]:{q*)XjsMgwfDTPJYh!w*n/xlIl+");
    text.replace_range(20..21, "~");
    match CurvePublicKey::new(text).unwrap_err() {
        CurveError::InvalidByte { pos, byte } => {
            assert_eq!((pos, byte), (20, 0x7E))
        }
        other => panic!("unexpected {other:?}"),
    }

    let cert = CurveCert::new_unique();
    assert_eq!(&CurvePublicKey::from(cert.secret()), cert.public());
    let creds = CurveClientCreds::new(&public).add_cert(&cert);
    assert_eq!(creds.server(), &public);
    assert_eq!(creds.cert(), Some(&cert));
    let server_creds = CurveServerCreds::new(&secret);
    assert_eq!(server_creds.secret(), &secret);
    let _: Mechanism = (&creds).into();
    let _: Mechanism = creds.into();
    let _: Mechanism = (&server_creds).into();
    let _: Mechanism = server_creds.into();
    // A secret is never printed.
    assert!(!format!("{secret:?}").contains(secret.as_str()));
    Ok(())
}

// ---- StatusCode -----------------------------------------------------------------------------

#[test]
fn status_code() {
    let codes = [
        StatusCode::Allowed,
        StatusCode::TemporaryError,
        StatusCode::Denied,
        StatusCode::InternalError,
    ];
    let numbers = ["200", "300", "400", "500"];
    for (code, number) in codes.iter().zip(numbers) {
        assert_eq!(code.to_string(), number);
    }
    let _: Result<StatusCode, StatusCodeParseError> =
        StatusCode::try_from(200 as c_long);
    assert_eq!(StatusCode::try_from(400 as c_long), Ok(StatusCode::Denied));
    let bytes = (500 as c_long).to_ne_bytes();
    let _: Result<StatusCode, StatusCodeParseError> =
        StatusCode::try_from(&bytes[..]);
    assert!(StatusCode::try_from(201 as c_long).is_err());
}

// ---- AuthClient, AuthBuilder, config::AuthConfig ----------------------------------------------

#[test]
fn auth_client_builder_config() -> Result<(), anyhow::Error> {
    let _: fn() -> Result<AuthClient, Error> = AuthClient::new;
    let _: fn(CtxHandle) -> Result<AuthClient, Error> = AuthClient::with_ctx;
    let _: fn(&AuthClient, Ipv4Addr) -> Result<(), Error<usize>> =
        AuthClient::add_blacklist::<Ipv4Addr>;
    let _: fn(&AuthClient, IpAddr) -> Result<(), Error<usize>> =
        AuthClient::remove_blacklist::<IpAddr>;
    let _: fn(&AuthClient, Vec<Ipv4Addr>) -> Result<(), Error> =
        AuthClient::set_blacklist::<Vec<Ipv4Addr>>;
    let _: fn(&AuthClient, Ipv4Addr) -> Result<(), Error<usize>> =
        AuthClient::add_whitelist::<Ipv4Addr>;
    let _: fn(&AuthClient, IpAddr) -> Result<(), Error<usize>> =
        AuthClient::remove_whitelist::<IpAddr>;
    let _: fn(&AuthClient, Vec<IpAddr>) -> Result<(), Error> =
        AuthClient::set_whitelist::<Vec<IpAddr>>;
    let _: fn(
        &AuthClient,
        &'static PlainClientCreds,
    ) -> Result<(), Error<usize>> = AuthClient::add_plain_registry::<
        &'static PlainClientCreds,
        &'static PlainClientCreds,
    >;
    let _: fn(&AuthClient, Vec<&'static str>) -> Result<(), Error<usize>> =
        AuthClient::remove_plain_registry::<Vec<&'static str>, &'static str>;
    let _: fn(&AuthClient, Vec<PlainClientCreds>) -> Result<(), Error> =
        AuthClient::set_plain_registry::<Vec<PlainClientCreds>, PlainClientCreds>;
    let _: fn(
        &AuthClient,
        &'static CurvePublicKey,
    ) -> Result<(), Error<usize>> = AuthClient::add_curve_registry::<
        &'static CurvePublicKey,
        &'static CurvePublicKey,
    >;
    let _: fn(&AuthClient, CurvePublicKey) -> Result<(), Error<usize>> =
        AuthClient::remove_curve_registry::<CurvePublicKey, CurvePublicKey>;
    let _: fn(&AuthClient, Vec<CurvePublicKey>) -> Result<(), Error> =
        AuthClient::set_curve_registry::<Vec<CurvePublicKey>, CurvePublicKey>;
    let _: fn(&AuthClient, bool) -> Result<(), Error> =
        AuthClient::set_curve_auth;

    let _: fn() -> AuthBuilder = AuthBuilder::new;
    let _: fn(&AuthBuilder) -> Result<AuthClient, Error> = AuthBuilder::build;
    let _: fn(&AuthBuilder, CtxHandle) -> Result<AuthClient, Error> =
        AuthBuilder::with_ctx;
    let _: fn(&mut AuthBuilder, Ipv4Addr) -> &mut AuthBuilder =
        AuthBuilder::blacklist::<Ipv4Addr>;
    let _: fn(&mut AuthBuilder, Ipv4Addr) -> &mut AuthBuilder =
        AuthBuilder::whitelist::<Ipv4Addr>;
    let _: for<'a> fn(
        &'a mut AuthBuilder,
        &'static PlainClientCreds,
    ) -> &'a mut AuthBuilder = AuthBuilder::plain_registry::<
        &'static PlainClientCreds,
        &'static PlainClientCreds,
    >;
    let _: for<'a> fn(
        &'a mut AuthBuilder,
        &'static CurvePublicKey,
    ) -> &'a mut AuthBuilder = AuthBuilder::curve_registry::<
        &'static CurvePublicKey,
        &'static CurvePublicKey,
    >;
    let _: fn(&mut AuthBuilder) -> &mut AuthBuilder =
        AuthBuilder::no_curve_auth;
    is_value::<AuthBuilder>();

    let _: fn() -> AuthConfig = AuthConfig::new;
    let _: fn(&AuthConfig) -> Result<AuthClient, Error> = AuthConfig::build;
    let _: fn(&AuthConfig, CtxHandle) -> Result<AuthClient, Error> =
        AuthConfig::with_ctx;
    let _: fn(&AuthConfig, &AuthClient) -> Result<(), Error> =
        AuthConfig::apply;
    let _: fn(&mut AuthConfig, Option<Ipv4Addr>) =
        AuthConfig::set_blacklist::<Ipv4Addr>;
    let _: fn(&mut AuthConfig, Option<Vec<IpAddr>>) =
        AuthConfig::set_whitelist::<Vec<IpAddr>>;
    let _: fn(&mut AuthConfig, Option<Vec<PlainClientCreds>>) =
        AuthConfig::set_plain_registry::<Vec<PlainClientCreds>, PlainClientCreds>;
    let _: fn(&mut AuthConfig, Option<Vec<CurvePublicKey>>) =
        AuthConfig::set_curve_registry::<Vec<CurvePublicKey>, CurvePublicKey>;
    let _: fn(&mut AuthConfig, Option<bool>) = AuthConfig::set_curve_auth;
    is_value::<AuthConfig>();
    let _ = AuthConfig::default();

    // The usual idioms.
    let ctx = Ctx::new();
    let creds = PlainClientCreds::new("user", "pwd");
    let _ = AuthBuilder::new()
        .plain_registry(&creds)
        .with_ctx(ctx.handle())?;
    let client = AuthClient::with_ctx(ctx.handle())?;
    client.add_blacklist(Ipv4Addr::new(10, 0, 0, 1))?;
    client.remove_blacklist(Ipv4Addr::new(10, 0, 0, 1))?;
    client.set_whitelist(Vec::<IpAddr>::new())?;
    client.add_plain_registry(&creds)?;
    client.remove_plain_registry(vec!["user"])?;
    client.set_curve_auth(true)?;
    let mut config = AuthConfig::new();
    config.set_curve_auth(Some(false));
    config.set_blacklist(Some(Ipv4Addr::new(10, 0, 0, 2)));
    config.apply(&client)?;
    let _ = config.with_ctx(ctx.handle())?;
    let _ = AuthBuilder::new().no_curve_auth().with_ctx(ctx.handle())?;
    Ok(())
}

// ---- the mechanism methods of the socket, config and builder traits -------------------------

fn socket_mechanism<S: Socket>() {
    let _: fn(&S) -> Mechanism = S::mechanism;
    let _: fn(&S, Mechanism) -> Result<(), Error> =
        S::set_mechanism::<Mechanism>;
    let _: fn(&S, &'static PlainClientCreds) -> Result<(), Error> =
        S::set_mechanism::<&'static PlainClientCreds>;
    let _: fn(&S, CurveClientCreds) -> Result<(), Error> =
        S::set_mechanism::<CurveClientCreds>;
}

fn config_mechanism<C: ConfigureSocket>() {
    let _: fn(&C) -> Option<&Mechanism> = <C as ConfigureSocket>::mechanism;
    let _: fn(&mut C, Option<Mechanism>) =
        <C as ConfigureSocket>::set_mechanism;
}

fn builder_mechanism<B: BuildSocket>() {
    let _: fn(&mut B, Mechanism) -> &mut B =
        <B as BuildSocket>::mechanism::<Mechanism>;
    let _: for<'a> fn(&'a mut B, &'static CurveServerCreds) -> &'a mut B =
        <B as BuildSocket>::mechanism::<&'static CurveServerCreds>;
}

#[test]
fn mechanism_methods() -> Result<(), anyhow::Error> {
    socket_mechanism::<Client>();
    socket_mechanism::<Server>();
    socket_mechanism::<Radio>();
    socket_mechanism::<Dish>();
    socket_mechanism::<Scatter>();
    socket_mechanism::<Gather>();
    config_mechanism::<libzmq::config::ClientConfig>();
    config_mechanism::<libzmq::config::ServerConfig>();
    config_mechanism::<libzmq::config::RadioConfig>();
    config_mechanism::<libzmq::config::DishConfig>();
    config_mechanism::<libzmq::config::ScatterConfig>();
    config_mechanism::<libzmq::config::GatherConfig>();
    builder_mechanism::<ClientBuilder>();
    builder_mechanism::<ServerBuilder>();
    builder_mechanism::<libzmq::RadioBuilder>();
    builder_mechanism::<libzmq::DishBuilder>();
    builder_mechanism::<libzmq::ScatterBuilder>();
    builder_mechanism::<libzmq::GatherBuilder>();

    // `Socket::mechanism`: the default is `Null`.
    let server = Server::new()?;
    assert_eq!(server.mechanism(), Mechanism::Null);

    // `Socket::set_mechanism`: a CURVE client without a cert gets one, and
    // keeps the server key it was given.
    let server_cert = CurveCert::new_unique();
    let client = Client::new()?;
    client.set_mechanism(CurveClientCreds::new(server_cert.public()))?;
    match client.mechanism() {
        Mechanism::CurveClient(creds) => {
            assert!(creds.cert().is_some());
            assert_eq!(creds.server(), server_cert.public());
        }
        other => panic!("unexpected {other:?}"),
    }

    let mut config = ClientConfig::new();
    assert_eq!(config.mechanism(), None);
    config.set_mechanism(Some(Mechanism::PlainServer));
    assert_eq!(config.mechanism(), Some(&Mechanism::PlainServer));
    let _ = ServerBuilder::new()
        .mechanism(Mechanism::PlainServer)
        .build()?;
    Ok(())
}

// ---- the seed guide's secure request-reply ------------------------------------------------------

const SECURE_YAML: &str = r#"
# The curve keys where generated by running:
# `$ cargo run --example gen_curve_cert`

auth:
  # The public keys allowed to authenticate. Note that this is
  # the client's public key.
  curve_registry:
    - "n%3)5@(3pzp)v8yt6RW3eQVq5OQYb#TEodD^6oA^"

client:
  # In a real life scenario the server would have a known addr.
  #connect:
  #  - tcp: "127.0.0.1:3000"
  heartbeat:
      interval: 1s
      timeout: 3s
      ttl: 3s
  send_high_water_mark: 10
  send_timeout: 300ms
  recv_high_water_mark: 100
  recv_timeout: 300ms
  mechanism:
    curve_client:
      client:
        public: "n%3)5@(3pzp)v8yt6RW3eQVq5OQYb#TEodD^6oA^"
        secret: "JiUDa>>owH1+mPTWs=>Jcyt%h.C1E4Js>)(g{geY"
      # This is the server's public key.
      server: "et189NB9uJC7?J+XU8JRhCbF?gOP9+o%kli=y2b8"

server:
  # Here we use a system defined port so as to not conflict with the host
  # machine. In a real life scenario we would have a port available.
  bind:
    - tcp: "127.0.0.1:*"
  heartbeat:
      interval: 1s
      timeout: 3s
      ttl: 3s
  mechanism:
    curve_server:
      secret: "iaoRiIVA^VgV:f4a<@{8K{cP62cE:dh=4:oY+^l("
"#;

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Config {
    auth: AuthConfig,
    client: ClientConfig,
    server: ServerConfig,
}

#[test]
fn secure_req_rep_config() -> Result<(), anyhow::Error> {
    let config: Config = serde_yaml::from_str(SECURE_YAML)?;
    assert_eq!(config.client.send_hwm(), 10);
    assert_eq!(config.client.recv_hwm(), 100);
    assert!(matches!(
        config.client.mechanism(),
        Some(Mechanism::CurveClient(_))
    ));
    assert!(matches!(
        config.server.mechanism(),
        Some(Mechanism::CurveServer(_))
    ));
    // The key pairs match.
    let server_secret =
        CurveSecretKey::new("iaoRiIVA^VgV:f4a<@{8K{cP62cE:dh=4:oY+^l(")?;
    assert_eq!(
        CurvePublicKey::from(&server_secret).as_str(),
        "et189NB9uJC7?J+XU8JRhCbF?gOP9+o%kli=y2b8"
    );
    let client_secret =
        CurveSecretKey::new("JiUDa>>owH1+mPTWs=>Jcyt%h.C1E4Js>)(g{geY")?;
    assert_eq!(
        CurvePublicKey::from(&client_secret).as_str(),
        "n%3)5@(3pzp)v8yt6RW3eQVq5OQYb#TEodD^6oA^"
    );

    // The guide's flow, on a ctx of its own.
    let ctx = Ctx::new();
    let _ = config.auth.with_ctx(ctx.handle())?;
    let server = config.server.with_ctx(ctx.handle())?;
    let client = config.client.with_ctx(ctx.handle())?;
    client.connect(server.last_endpoint()?)?;
    server.set_recv_timeout(Some(Duration::from_secs(5)))?;
    client.set_recv_timeout(Some(Duration::from_secs(5)))?;

    client.send("ping")?;
    let request = server.recv_msg()?;
    assert_eq!(request.to_str()?, "ping");
    server.route("pong", request.routing_id().unwrap())?;
    assert_eq!(client.recv_msg()?.to_str()?, "pong");

    ctx.shutdown();
    assert_eq!(server.recv_msg().unwrap_err().kind(), ErrorKind::InvalidCtx);
    let _: TcpAddr = "127.0.0.1:*".try_into()?;
    Ok(())
}
