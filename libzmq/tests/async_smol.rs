//! The async cases under smol (async-executor + async-io).

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
