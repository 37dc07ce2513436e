//! The async cases under smol (async-executor + async-io).
// The runtimes are not dependencies of the `--cfg loom` build.
#![cfg(not(loom))]

mod async_common;

use async_common::{Case, Spawn};
use futures::future::BoxFuture;

fn smol_spawn(task: BoxFuture<'static, ()>) -> BoxFuture<'static, ()> {
    Box::pin(smol::spawn(task))
}

fn runner(case: Case) {
    let spawn: Spawn = smol_spawn;
    smol::block_on(case(spawn));
}

all_cases!(runner);
