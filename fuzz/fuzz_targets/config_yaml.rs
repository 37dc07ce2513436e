//! The public socket configs (`libzmq::config::*Config`, `ConfigType`, `AuthConfig`,
//! `CtxConfig`, the builders, `Endpoint`, `Heartbeat`) read from yaml text; the first byte
//! picks the type.
//!
//! Asserts: no panic; a value that parses serialises, parses back to an equal value, and
//! serialises to the same text again.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| fuzz_util::config_target(
    fuzz_util::Format::Yaml,
    data
));
