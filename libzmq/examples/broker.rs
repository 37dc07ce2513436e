//! A request-reply broker: REQ clients talk to a ROUTER frontend, REP
//! workers to a DEALER backend, and `proxy` moves whole messages (with
//! their envelopes) between the two, so each reply finds its client.

use libzmq::{prelude::*, *};
use std::thread;
use std::time::Duration;

const CLIENTS: usize = 4;
const WORKERS: usize = 3;
const REQUESTS: usize = 25;

fn main() -> Result<(), anyhow::Error> {
    let ctx = Ctx::new();
    let timeout = Duration::from_secs(5);
    let any: TcpAddr = "127.0.0.1:*".try_into()?;
    let frontend = RouterBuilder::new().bind(&any).with_ctx(ctx.handle())?;
    let backend = DealerBuilder::new()
        .bind(InprocAddr::new_unique())
        .with_ctx(ctx.handle())?;
    let clients_at = frontend.last_endpoint()?;
    let workers_at = backend.last_endpoint()?;
    let broker = thread::spawn(move || proxy(frontend, backend));

    let workers: Vec<_> = (0..WORKERS)
        .map(|w| -> Result<_, Error> {
            let rep = RepBuilder::new()
                .connect(&workers_at)
                .with_ctx(ctx.handle())?;
            Ok(thread::spawn(move || -> Result<usize, Error> {
                let mut served = 0;
                loop {
                    let request = match rep.recv_msg() {
                        Ok(request) => request,
                        Err(e) if e.kind() == ErrorKind::InvalidCtx => {
                            return Ok(served)
                        }
                        Err(e) => return Err(e),
                    };
                    let reply =
                        format!("{} (worker {w})", request.to_str().unwrap());
                    rep.send(reply).map_err(Error::cast)?;
                    served += 1;
                }
            }))
        })
        .collect::<Result<_, _>>()?;

    let clients: Vec<_> = (0..CLIENTS)
        .map(|c| -> Result<_, Error> {
            let req = ReqBuilder::new()
                .connect(&clients_at)
                .recv_timeout(timeout)
                .with_ctx(ctx.handle())?;
            Ok(thread::spawn(move || -> Result<(), Error> {
                for i in 0..REQUESTS {
                    let question = format!("client {c} request {i}");
                    req.send(question.as_str()).map_err(Error::cast)?;
                    let answer = req.recv_msg()?;
                    assert!(answer.to_str().unwrap().starts_with(&question));
                }
                Ok(())
            }))
        })
        .collect::<Result<_, _>>()?;
    for client in clients {
        client.join().unwrap()?;
    }

    ctx.shutdown();
    let served: Vec<usize> = workers
        .into_iter()
        .map(|w| w.join().unwrap())
        .collect::<Result<_, _>>()?;
    println!("requests per worker: {served:?}");
    assert_eq!(served.iter().sum::<usize>(), CLIENTS * REQUESTS);
    assert_eq!(
        broker.join().unwrap().unwrap_err().kind(),
        ErrorKind::InvalidCtx
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn main_runs() {
        super::main().unwrap();
    }
}
