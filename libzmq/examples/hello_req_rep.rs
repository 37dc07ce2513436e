//! Request-reply hello world: a REP server answers "World" to each
//! "Hello" from a REQ client, over TCP on an ephemeral port.

use libzmq::{prelude::*, *};
use std::thread;
use std::time::Duration;

fn main() -> Result<(), anyhow::Error> {
    let ctx = Ctx::new();
    let addr: TcpAddr = "127.0.0.1:*".try_into()?;
    let server = RepBuilder::new()
        .bind(addr)
        .recv_timeout(Duration::from_secs(5))
        .with_ctx(ctx.handle())?;
    let endpoint = server.last_endpoint()?;

    let replier = thread::spawn(move || -> Result<usize, Error> {
        let mut answered = 0;
        loop {
            let request = match server.recv_msg() {
                Ok(request) => request,
                // The client is done: the ctx was shut down.
                Err(err) if err.kind() == ErrorKind::InvalidCtx => {
                    return Ok(answered)
                }
                Err(err) => return Err(err),
            };
            assert_eq!(request.to_str(), Ok("Hello"));
            server.send("World").map_err(Error::cast)?;
            answered += 1;
        }
    });

    let client = ReqBuilder::new()
        .connect(endpoint)
        .recv_timeout(Duration::from_secs(5))
        .with_ctx(ctx.handle())?;
    for n in 0..10 {
        client.send("Hello")?;
        let reply = client.recv_msg()?;
        println!("request {n}: {}", reply.to_str()?);
    }

    ctx.shutdown();
    assert_eq!(replier.join().unwrap()?, 10);
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn main_runs() {
        super::main().unwrap();
    }
}
