//! The async cases under tokio, on its multi-thread and its current-thread
//! runtime.
// The runtimes are not dependencies of the `--cfg loom` build.
#![cfg(not(loom))]

mod async_common;

use async_common::{Case, Spawn};
use futures::future::BoxFuture;
use futures::FutureExt;

fn tokio_spawn(task: BoxFuture<'static, ()>) -> BoxFuture<'static, ()> {
    let handle = tokio::spawn(task);
    Box::pin(handle.map(|joined| {
        if let Err(err) = joined {
            std::panic::resume_unwind(err.into_panic());
        }
    }))
}

fn run(runtime: tokio::runtime::Runtime, case: Case) {
    let spawn: Spawn = tokio_spawn;
    runtime.block_on(case(spawn));
}

mod multi_thread {
    use super::*;

    fn runner(case: Case) {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap();
        run(runtime, case);
    }

    all_cases!(runner);
}

mod current_thread {
    use super::*;

    fn runner(case: Case) {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        run(runtime, case);
    }

    all_cases!(runner);
}
