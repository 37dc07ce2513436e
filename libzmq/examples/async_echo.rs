//! An async echo service on tokio: the Server spawns one task per request,
//! and one Client issues many requests at once, matching the replies to
//! their requests by an id carried in the message.
//!
//!     cargo run -p libzmq --example async_echo

use libzmq::{prelude::*, *};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

/// How many requests the client has in flight at once.
const REQUESTS: usize = 2000;

/// The server: receives requests, and answers each in its own task.
async fn serve(server: Server) -> Result<(), Error> {
    loop {
        let request = server.recv_msg_async().await?;
        let server = server.clone();
        tokio::spawn(async move {
            let id = request.routing_id().expect("a Server's message has one");
            // The echo: the same bytes back to the same client.
            let reply = Msg::from(request.as_bytes().to_vec());
            if let Err(err) = server.route_async(reply, id).await {
                eprintln!("reply lost: {err}");
            }
        });
    }
}

/// Replies waited for, by request id.
type Waiting = Arc<Mutex<HashMap<u64, oneshot::Sender<Msg>>>>;

/// The client's reader: hands each reply to the task that asked.
async fn dispatch(client: Client, waiting: Waiting) -> Result<(), Error> {
    loop {
        let reply = client.recv_msg_async().await?;
        let id = request_id(&reply);
        if let Some(asker) =
            id.and_then(|id| waiting.lock().unwrap().remove(&id))
        {
            let _ = asker.send(reply);
        }
    }
}

fn request_id(msg: &Msg) -> Option<u64> {
    let text = msg.to_str().ok()?;
    text.split_once(':')?.0.parse().ok()
}

/// One request: registers for its reply, sends, awaits the reply.
async fn request(
    client: Client,
    waiting: Waiting,
    id: u64,
) -> Result<String, anyhow::Error> {
    let (tx, rx) = oneshot::channel();
    waiting.lock().unwrap().insert(id, tx);
    client.send_async(format!("{id}:hello")).await?;
    let reply = rx.await?;
    Ok(reply.to_str()?.to_owned())
}

async fn run() -> Result<(), anyhow::Error> {
    let ctx = Ctx::new();
    let addr: TcpAddr = "127.0.0.1:*".try_into()?;
    // Timeouts bound every await of this demo.
    let server = ServerBuilder::new()
        .bind(addr)
        .send_timeout(Duration::from_secs(10))
        .with_ctx(ctx.handle())?;
    let client = ClientBuilder::new()
        .connect(server.last_endpoint()?)
        .send_timeout(Duration::from_secs(10))
        .recv_timeout(Duration::from_secs(10))
        .with_ctx(ctx.handle())?;

    let server_task = tokio::spawn(serve(server));
    let waiting = Waiting::default();
    let reader = tokio::spawn(dispatch(client.clone(), waiting.clone()));

    let start = Instant::now();
    let requests: Vec<_> = (0..REQUESTS as u64)
        .map(|id| tokio::spawn(request(client.clone(), waiting.clone(), id)))
        .collect();
    for (id, handle) in requests.into_iter().enumerate() {
        assert_eq!(handle.await??, format!("{id}:hello"));
    }
    println!(
        "{REQUESTS} concurrent requests answered in {:?}",
        start.elapsed()
    );

    // Shutting the ctx down ends both loops with `InvalidCtx`.
    ctx.shutdown();
    let served = server_task.await?.unwrap_err();
    assert_eq!(served.kind(), ErrorKind::InvalidCtx);
    let read = reader.await?.unwrap_err();
    assert_eq!(read.kind(), ErrorKind::InvalidCtx);
    Ok(())
}

fn main() -> Result<(), anyhow::Error> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(run())
}

#[cfg(test)]
mod tests {
    #[test]
    fn main_runs() {
        super::main().unwrap();
    }
}
