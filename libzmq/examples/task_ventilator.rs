//! Divide and conquer: a ventilator PUSHes tasks to workers (round-robin),
//! workers PUSH results to a sink that PULLs them (fair-queued).

use libzmq::{prelude::*, *};
use std::thread;
use std::time::Duration;

const TASKS: u64 = 100;
const WORKERS: usize = 4;

fn main() -> Result<(), anyhow::Error> {
    let ctx = Ctx::new();
    let timeout = Duration::from_secs(5);
    let any: TcpAddr = "127.0.0.1:*".try_into()?;
    let ventilator = PushBuilder::new().bind(&any).with_ctx(ctx.handle())?;
    let sink = PullBuilder::new()
        .bind(&any)
        .recv_timeout(timeout)
        .with_ctx(ctx.handle())?;
    let tasks_at = ventilator.last_endpoint()?;
    let results_at = sink.last_endpoint()?;

    let workers: Vec<_> = (0..WORKERS)
        .map(|w| -> Result<_, Error> {
            let tasks = PullBuilder::new()
                .connect(&tasks_at)
                .recv_timeout(timeout)
                .with_ctx(ctx.handle())?;
            let results = PushBuilder::new()
                .connect(&results_at)
                .with_ctx(ctx.handle())?;
            Ok(thread::spawn(move || -> Result<u64, Error> {
                let mut done = 0;
                loop {
                    let task = tasks.recv_multipart()?;
                    if task[0].as_bytes() == b"stop" {
                        return Ok(done);
                    }
                    let n: u64 = task[1].to_str().unwrap().parse().unwrap();
                    results
                        .send_multipart([
                            format!("worker {w}"),
                            (n * n).to_string(),
                        ])
                        .map_err(Error::cast)?;
                    done += 1;
                }
            }))
        })
        .collect::<Result<_, _>>()?;

    for n in 1..=TASKS {
        ventilator.send_multipart(["task".to_string(), n.to_string()])?;
    }
    let mut sum = 0;
    for _ in 0..TASKS {
        let result = sink.recv_multipart()?;
        sum += result[1].to_str()?.parse::<u64>()?;
    }
    assert_eq!(sum, (1..=TASKS).map(|n| n * n).sum::<u64>());
    println!("sum of squares 1..={TASKS}: {sum}");

    for _ in 0..WORKERS {
        ventilator.send_multipart(["stop", ""])?;
    }
    let per_worker: Vec<u64> = workers
        .into_iter()
        .map(|w| w.join().unwrap())
        .collect::<Result<_, _>>()?;
    println!("tasks per worker: {per_worker:?}");
    assert_eq!(per_worker.iter().sum::<u64>(), TASKS);
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn main_runs() {
        super::main().unwrap();
    }
}
