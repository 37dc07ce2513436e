//! This crate has no code of its own; it holds compatibility checks.
//!
//! * `tests/export_map.rs` names every public item of the `libzmq` 0.2 API
//!   (the crate root, `config`, `addr`, `prelude`, `poll`: types, traits and
//!   their methods, functions, constants) with the signatures that code
//!   written for the original crate relies on, so that removing or renaming
//!   one of them fails the build.
//! * `tests/auth_paths.rs` does the same for `auth`, `config::AuthConfig` and
//!   the `mechanism` methods, and runs the seed guide's secure configuration.
//! * The modules below include the chapters of the guide (`docs/guide`), so
//!   that `cargo test -p compat --doc` compiles and runs their Rust snippets.

#![allow(rustdoc::broken_intra_doc_links)]

#[doc = include_str!("../../docs/guide/README.md")]
pub mod guide {}

#[doc = include_str!("../../docs/guide/01-about.md")]
pub mod guide_about {}

#[doc = include_str!("../../docs/guide/02-basics.md")]
pub mod guide_basics {}

#[doc = include_str!("../../docs/guide/03-patterns.md")]
pub mod guide_patterns {}

#[doc = include_str!("../../docs/guide/04-advanced.md")]
pub mod guide_advanced {}

#[doc = include_str!("../../docs/guide/05-examples.md")]
pub mod guide_examples {}

#[doc = include_str!("../../docs/guide/06-differences.md")]
pub mod guide_differences {}

#[doc = include_str!("../../docs/guide/07-glossary.md")]
pub mod guide_glossary {}

#[doc = include_str!("../../docs/guide/08-async.md")]
pub mod guide_async {}

#[doc = include_str!("../../docs/guide/09-observing.md")]
pub mod guide_observing {}

#[doc = include_str!("../../docs/guide/10-classic-sockets.md")]
pub mod guide_classic_sockets {}

#[doc = include_str!("../../docs/guide/11-publish-subscribe.md")]
pub mod guide_publish_subscribe {}

#[doc = include_str!("../../docs/guide/12-pipeline.md")]
pub mod guide_pipeline {}

#[doc = include_str!("../../docs/guide/13-request-reply.md")]
pub mod guide_request_reply {}

#[doc = include_str!("../../docs/guide/14-exclusive-pair.md")]
pub mod guide_exclusive_pair {}
