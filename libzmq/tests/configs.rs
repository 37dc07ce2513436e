//! Socket configs in YAML (serde_yaml 0.9), JSON and TOML: both enum forms,
//! defaults, round trips, and errors that name the field.

use libzmq::{auth::*, config::*, prelude::*, *};

#[test]
fn default_client_config_reads_like_libzmq_0_2() {
    let yaml = serde_yaml::to_string(&ClientConfig::new()).unwrap();
    let fields: Vec<&str> =
        yaml.lines().map(|l| l.split(':').next().unwrap()).collect();
    assert_eq!(
        fields,
        [
            "connect",
            "bind",
            "heartbeat",
            "send_hwm",
            "send_timeout",
            "recv_hwm",
            "recv_timeout",
            "mechanism"
        ]
    );
    assert!(yaml.contains("send_hwm: 1000"));
}

#[test]
fn every_config_round_trips_in_yaml_json_and_toml() {
    let yaml = r#"
connect:
  - tcp: "127.0.0.1:5555"
  - inproc: "x"
bind:
  - ipc: "@name"
heartbeat:
  interval: 1s
  timeout: 3s
send_hwm: 10
send_timeout: 300ms
recv_hwm: 0
recv_timeout: 2s
mechanism:
  plain_client:
    username: user
    password: pwd
"#;
    let config: ClientConfig = serde_yaml::from_str(yaml).unwrap();
    assert_eq!(config.send_hwm(), 10);
    assert_eq!(config.recv_hwm(), 0);
    assert_eq!(config.connect().unwrap().len(), 2);
    let json = serde_json::to_string(&config).unwrap();
    assert_eq!(serde_json::from_str::<ClientConfig>(&json).unwrap(), config);
    let toml_text = toml::to_string(&config).unwrap();
    assert_eq!(toml::from_str::<ClientConfig>(&toml_text).unwrap(), config);
    let again: ClientConfig =
        serde_yaml::from_str(&serde_yaml::to_string(&config).unwrap()).unwrap();
    assert_eq!(again, config);

    let scatter: ScatterConfig = serde_json::from_str(
        r#"{"bind": [{"tcp": "127.0.0.1:*"}], "send_hwm": 5}"#,
    )
    .unwrap();
    assert_eq!(scatter.send_hwm(), 5);
    let gather: GatherConfig =
        toml::from_str("recv_hwm = 7\n[[connect]]\ninproc = \"a\"\n").unwrap();
    assert_eq!(gather.recv_hwm(), 7);
    let server: ServerConfig =
        serde_yaml::from_str("mechanism: plain_server\n").unwrap();
    assert_eq!(server.mechanism(), Some(&Mechanism::PlainServer));
    let tagged: ServerConfig =
        serde_yaml::from_str("bind:\n  - !tcp 127.0.0.1:*\nmechanism: !null\n")
            .unwrap();
    assert!(tagged.bind().unwrap()[0].is_tcp());
}

#[test]
fn config_type_and_ctx_config() {
    let config: ConfigType =
        serde_yaml::from_str("dish:\n  groups: [\"a\"]\n").unwrap();
    let ctx = Ctx::new();
    match config.with_ctx(ctx.handle()).unwrap() {
        SocketType::Dish(dish) => assert_eq!(dish.joined().len(), 1),
        other => panic!("{other:?}"),
    }
    let ctx_config: CtxConfig =
        serde_json::from_str(r#"{"max_sockets": 7}"#).unwrap();
    ctx_config.apply(ctx.handle()).unwrap();
    assert_eq!(ctx.max_sockets(), 7);
}

fn yaml_error<T: serde::de::DeserializeOwned + std::fmt::Debug>(
    text: &str,
) -> String {
    serde_yaml::from_str::<T>(text).unwrap_err().to_string()
}

#[test]
fn errors_name_the_field_and_the_reason() {
    let err = yaml_error::<ClientConfig>("sendhwm: 5\n");
    assert!(err.contains("unknown field `sendhwm`"), "{err}");
    let err = yaml_error::<ClientConfig>("send_hwm: -1\n");
    assert!(
        err.contains("send_hwm") && err.contains("negative"),
        "{err}"
    );
    let err = yaml_error::<ClientConfig>("send_timeout: soon\n");
    assert!(err.contains("send_timeout"), "{err}");
    let err = yaml_error::<ClientConfig>("connect:\n  - tcp: \"nowhere\"\n");
    assert!(err.contains("connect") && err.contains("address"), "{err}");
    let err = yaml_error::<ClientConfig>("connect:\n  - smtp: \"x\"\n");
    assert!(err.contains("smtp"), "{err}");
    let err = yaml_error::<ClientConfig>(
        "mechanism:\n  curve_server:\n    secret: \"too short\"\n",
    );
    assert!(err.contains("mechanism") && err.contains("40"), "{err}");
    let err = yaml_error::<RadioConfig>("recv_hwm: 3\n");
    assert!(err.contains("recv_hwm"), "{err}");
    let err =
        serde_json::from_str::<DishConfig>(r#"{"groups": ["a"], "x": 1}"#)
            .unwrap_err()
            .to_string();
    assert!(err.contains("unknown field `x`"), "{err}");
    let err = toml::from_str::<GatherConfig>("recv_hwm = -3\n")
        .unwrap_err()
        .to_string();
    assert!(err.contains("recv_hwm"), "{err}");
}

#[test]
fn guide_aliases_set_the_hwms() {
    let config: ClientConfig = serde_yaml::from_str(
        "send_high_water_mark: 10\nrecv_high_water_mark: 100\n",
    )
    .unwrap();
    assert_eq!(config.send_hwm(), 10);
    assert_eq!(config.recv_hwm(), 100);
}

#[test]
fn classic_options_in_configs() {
    use libzmq::config::{RouterConfig, SubConfig, XPubConfig};
    let ctx = Ctx::new();
    let addr = InprocAddr::new_unique();
    let xpub: XPubConfig = serde_yaml::from_str(&format!(
        "bind: [{{inproc: \"{}\"}}]\nverbose: true\nno_drop: true\nrecv_timeout: 5s\n",
        addr.as_str()
    ))
    .unwrap();
    let xpub = xpub.with_ctx(ctx.handle()).unwrap();
    assert!(xpub.no_drop().unwrap());
    let sub: SubConfig = serde_yaml::from_str(&format!(
        "connect: [{{inproc: \"{}\"}}]\nsubscribe: [\"a\", \"a\"]\nconflate: false\n",
        addr.as_str()
    ))
    .unwrap();
    assert_eq!(sub.subscriptions().unwrap(), ["a", "a"]);
    let again: SubConfig =
        serde_yaml::from_str(&serde_yaml::to_string(&sub).unwrap()).unwrap();
    assert_eq!(again, sub);
    let sub = sub.with_ctx(ctx.handle()).unwrap();
    // Subscribed before connecting: a new peer gets each prefix once.
    assert_eq!(xpub.recv_msg().unwrap().as_bytes(), b"\x01a");
    // verbose: a repeated subscription made now is reported again.
    sub.subscribe("a").unwrap();
    assert_eq!(xpub.recv_msg().unwrap().as_bytes(), b"\x01a");

    let router: RouterConfig = serde_json::from_str(
        r#"{"mandatory": true, "routing_id": "me", "probe_router": false}"#,
    )
    .unwrap();
    let router = router.with_ctx(ctx.handle()).unwrap();
    let err = router.send_multipart(["nobody", "x"]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::HostUnreachable);
    let built = SubBuilder::new().subscribe("x").with_ctx(ctx.handle());
    assert!(built.is_ok());

    // Options of other types are refused, naming the field.
    for (yaml, field) in [
        ("mandatory: true", "mandatory"),
        ("subscribe: [a]", "subscribe"),
        ("verbose: true", "verbose"),
        ("routing_id: x", "routing_id"),
    ] {
        let err = serde_yaml::from_str::<libzmq::config::PushConfig>(yaml)
            .unwrap_err();
        assert!(err.to_string().contains(field), "{err}");
    }
    let err =
        serde_yaml::from_str::<RouterConfig>("routing_id: \"\"").unwrap_err();
    assert!(err.to_string().contains("routing_id"), "{err}");
}
