//! `config::ConfigType`: the configuration of a socket of any type, for
//! configuration files that describe sockets of several types.

use crate::config::{
    ClientConfig, DealerConfig, DishConfig, GatherConfig, PairConfig,
    PubConfig, PullConfig, PushConfig, RadioConfig, RepConfig, ReqConfig,
    RouterConfig, ScatterConfig, ServerConfig, SubConfig, XPubConfig,
    XSubConfig,
};
use crate::serde_enum::serde_enum;
use crate::socket::socket_type::SocketType;
use crate::{Ctx, CtxHandle, Error};

/// Declares `ConfigType` with one variant per socket type, how each
/// builds its socket, the `From` conversions and the serde form, from one
/// list.
macro_rules! config_variants {
    (
        $(#[$doc:meta])*
        $($index:literal => $variant:ident($config:ident) = $name:literal),* $(,)?
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum ConfigType {
            $(
                #[doc = concat!(
                    "The configuration of a [`", stringify!($variant),
                    "`](crate::", stringify!($variant), ")."
                )]
                $variant($config),
            )*
        }

        /// Builds the socket a config of any type describes.
        fn build_any(
            config: &ConfigType,
            handle: CtxHandle,
        ) -> Result<SocketType, Error> {
            Ok(match config {
                $(ConfigType::$variant(config) => {
                    SocketType::$variant(config.with_ctx(handle)?)
                })*
            })
        }

        $(impl From<$config> for ConfigType {
            fn from(config: $config) -> Self {
                ConfigType::$variant(config)
            }
        })*

        serde_enum!(ConfigType {
            $($index => $variant($config) = $name),*
        });
    };
}

config_variants!(
/// The configuration of one socket of any type; it builds a [`SocketType`].
///
/// # Serde
/// A `ConfigType` is written as a single-key map whose key is the socket
/// type in snake case (`client`, `server`, `radio`, `dish`, `gather`,
/// `scatter`, `pair`, `pub`, `sub`, `xpub`, `xsub`, `push`, `pull`, `req`,
/// `rep`, `dealer`, `router`) and whose value is that socket's config, such as
/// `client: {connect: [...]}` in YAML or `{"client": {...}}` in JSON. When
/// reading, the tagged form of serde_yaml 0.9 (`!client {...}`) is accepted
/// too.
///
/// # Example
/// ```
/// use libzmq::{config::ConfigType, prelude::*, SocketType};
///
/// // A server and its client, described in one file.
/// let configs: Vec<ConfigType> = serde_yaml::from_str(r#"
/// - server:
///     bind:
///       - inproc: "config-type-example"
/// - client:
///     connect:
///       - inproc: "config-type-example"
///     send_timeout: 1s
/// "#)?;
///
/// let mut sockets = Vec::new();
/// for config in &configs {
///     sockets.push(config.build()?);
/// }
///
/// match (&sockets[0], &sockets[1]) {
///     (SocketType::Server(server), SocketType::Client(client)) => {
///         client.send("hello")?;
///         let msg = server.recv_msg()?;
///         assert_eq!(msg.to_str()?, "hello");
///     }
///     _ => unreachable!(),
/// }
/// # Ok::<(), anyhow::Error>(())
/// ```
    0 => Client(ClientConfig) = "client",
    1 => Server(ServerConfig) = "server",
    2 => Radio(RadioConfig) = "radio",
    3 => Dish(DishConfig) = "dish",
    4 => Gather(GatherConfig) = "gather",
    5 => Scatter(ScatterConfig) = "scatter",
    6 => Pair(PairConfig) = "pair",
    7 => Pub(PubConfig) = "pub",
    8 => Sub(SubConfig) = "sub",
    9 => XPub(XPubConfig) = "xpub",
    10 => XSub(XSubConfig) = "xsub",
    11 => Push(PushConfig) = "push",
    12 => Pull(PullConfig) = "pull",
    13 => Req(ReqConfig) = "req",
    14 => Rep(RepConfig) = "rep",
    15 => Dealer(DealerConfig) = "dealer",
    16 => Router(RouterConfig) = "router",
);

impl ConfigType {
    /// Builds the socket in the global ctx ([`Ctx::global`]).
    ///
    /// # Returned Errors
    /// The errors of the config's own `build`: for instance
    /// [`InvalidCtx`](crate::ErrorKind::InvalidCtx),
    /// [`SocketLimit`](crate::ErrorKind::SocketLimit), or an error of one of
    /// its binds.
    pub fn build(&self) -> Result<SocketType, Error> {
        self.with_ctx(Ctx::global())
    }

    /// Builds the socket in the ctx of `handle`.
    ///
    /// # Returned Errors
    /// The same as [`build`](ConfigType::build).
    pub fn with_ctx(&self, handle: CtxHandle) -> Result<SocketType, Error> {
        build_any(self, handle)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prelude::*;
    use crate::{Ctx, ErrorKind, Group, InprocAddr};

    fn all() -> Vec<ConfigType> {
        let mut client = ClientConfig::new();
        client.set_connect(Some(&InprocAddr::new("test").unwrap()));
        let mut dish = DishConfig::new();
        dish.set_groups(Some(vec![Group::try_from("a").unwrap()]));
        let mut radio = RadioConfig::new();
        radio.set_no_drop(true);
        vec![
            client.into(),
            ServerConfig::new().into(),
            radio.into(),
            dish.into(),
            GatherConfig::new().into(),
            ScatterConfig::new().into(),
        ]
    }

    #[test]
    fn yaml_round_trip_map_form() {
        let configs = all();
        let yaml = serde_yaml::to_string(&configs).unwrap();
        assert!(yaml.starts_with("- client:\n"), "{yaml}");
        assert!(yaml.contains("\n- scatter:\n"), "{yaml}");
        assert_eq!(
            serde_yaml::from_str::<Vec<ConfigType>>(&yaml).unwrap(),
            configs
        );
    }

    #[test]
    fn json_round_trip() {
        let configs = all();
        let json = serde_json::to_string(&configs).unwrap();
        assert!(
            json.starts_with(r#"[{"client":{"connect":[{"inproc":"test"}]"#),
            "{json}"
        );
        assert_eq!(
            serde_json::from_str::<Vec<ConfigType>>(&json).unwrap(),
            configs
        );
    }

    #[test]
    fn yaml_tagged_form() {
        let yaml = r#"
- !dish
  groups: ["a", "b"]
  recv_hwm: 5
- !scatter
  send_hwm: 7
"#;
        let configs: Vec<ConfigType> = serde_yaml::from_str(yaml).unwrap();
        match &configs[..] {
            [ConfigType::Dish(dish), ConfigType::Scatter(scatter)] => {
                assert_eq!(dish.groups().unwrap().len(), 2);
                assert_eq!(dish.recv_hwm(), 5);
                assert_eq!(scatter.send_hwm(), 7);
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn errors() {
        let err = serde_yaml::from_str::<ConfigType>("socket: {}").unwrap_err();
        assert!(
            err.to_string().contains("unknown variant `socket`"),
            "{err}"
        );
        // An option of another socket type is refused.
        let err = serde_yaml::from_str::<ConfigType>("radio:\n  recv_hwm: 3")
            .unwrap_err();
        assert!(err.to_string().contains("recv_hwm"), "{err}");
        // A bare name is not enough: every variant holds a config.
        let err = serde_yaml::from_str::<ConfigType>("client").unwrap_err();
        assert!(err.to_string().contains("needs a value"), "{err}");
    }

    #[test]
    fn builds_each_type() {
        let ctx = Ctx::new();
        for config in all() {
            let socket = config.with_ctx(ctx.handle()).unwrap();
            let matches = matches!(
                (&config, &socket),
                (ConfigType::Client(_), SocketType::Client(_))
                    | (ConfigType::Server(_), SocketType::Server(_))
                    | (ConfigType::Radio(_), SocketType::Radio(_))
                    | (ConfigType::Dish(_), SocketType::Dish(_))
                    | (ConfigType::Gather(_), SocketType::Gather(_))
                    | (ConfigType::Scatter(_), SocketType::Scatter(_))
            );
            assert!(matches, "{config:?} built {socket:?}");
            if let SocketType::Radio(radio) = &socket {
                assert!(radio.no_drop().unwrap());
            }
            if let SocketType::Dish(dish) = &socket {
                assert_eq!(dish.joined().len(), 1);
            }
        }
        ctx.shutdown();
        assert_eq!(
            ConfigType::from(ClientConfig::new())
                .with_ctx(ctx.handle())
                .unwrap_err()
                .kind(),
            ErrorKind::InvalidCtx
        );
    }

    #[test]
    fn classic_types_read_build_and_round_trip() {
        let yaml = r#"
- pub:
    bind: [{inproc: "config-classic"}]
    send_hwm: 10
- sub:
    connect: [{inproc: "config-classic"}]
    recv_timeout: 1s
- router: {}
- dealer: {heartbeat: {interval: 1s}}
- req: {}
- rep: {}
- push: {}
- pull: {}
- pair: {}
- xpub: {}
- xsub: {}
"#;
        let configs: Vec<ConfigType> = serde_yaml::from_str(yaml).unwrap();
        assert_eq!(configs.len(), 11);
        let again = serde_yaml::to_string(&configs).unwrap();
        assert_eq!(
            serde_yaml::from_str::<Vec<ConfigType>>(&again).unwrap(),
            configs
        );
        let ctx = Ctx::new();
        let sockets: Vec<SocketType> = configs
            .iter()
            .map(|c| c.with_ctx(ctx.handle()).unwrap())
            .collect();
        let (SocketType::Pub(publisher), SocketType::Sub(sub)) =
            (&sockets[0], &sockets[1])
        else {
            panic!("{sockets:?}")
        };
        sub.subscribe("").unwrap();
        publisher.send("hi").unwrap();
        assert_eq!(sub.recv_msg().unwrap().to_str().unwrap(), "hi");
        // Options of the type only: a SUB cannot send.
        let err = serde_yaml::from_str::<ConfigType>("sub:\n  send_hwm: 3")
            .unwrap_err();
        assert!(err.to_string().contains("send_hwm"), "{err}");
    }
}
