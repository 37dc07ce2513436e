//! Weather updates: a PUB publishes "<zip> <temperature> <humidity>" for
//! random zip codes; SUBs filter on their zip code prefix and average the
//! temperature they see.

use libzmq::{prelude::*, *};
use std::thread;
use std::time::Duration;

const ZIPS: [&str; 3] = ["10001", "75001", "94110"];

fn main() -> Result<(), anyhow::Error> {
    let ctx = Ctx::new();
    let addr: TcpAddr = "127.0.0.1:*".try_into()?;
    let publisher = PubBuilder::new().bind(addr).with_ctx(ctx.handle())?;
    let endpoint = publisher.last_endpoint()?;

    let subscribers: Vec<_> = ZIPS[..2]
        .iter()
        .map(|zip| -> Result<_, Error> {
            let sub = SubBuilder::new()
                .connect(&endpoint)
                .recv_timeout(Duration::from_secs(5))
                .with_ctx(ctx.handle())?;
            sub.subscribe(format!("{zip} "))?;
            Ok((zip.to_string(), sub))
        })
        .collect::<Result<_, _>>()?;

    let readers: Vec<_> = subscribers
        .into_iter()
        .map(|(zip, sub)| {
            thread::spawn(move || -> Result<(String, f64), Error> {
                let mut total = 0.0;
                for _ in 0..20 {
                    let update = sub.recv_msg()?;
                    let text = update.to_str().expect("text");
                    assert!(text.starts_with(&zip), "{text} is not for {zip}");
                    let temperature: f64 =
                        text.split(' ').nth(1).unwrap().parse().unwrap();
                    total += temperature;
                }
                Ok((zip, total / 20.0))
            })
        })
        .collect();

    // Publish until every reader has its 20 updates (subscriptions take a
    // moment to reach the publisher; a PUB drops what nobody wants).
    let mut n: u64 = 0;
    while readers.iter().any(|r| !r.is_finished()) {
        let zip = ZIPS[(n % 3) as usize];
        let temperature = 10 + (n * 7919 % 25);
        publisher.send(format!("{zip} {temperature} {}", n % 100))?;
        n += 1;
        if n % 100 == 0 {
            thread::sleep(Duration::from_millis(1)); // a weather station's pace
        }
    }
    for reader in readers {
        let (zip, average) = reader.join().unwrap()?;
        println!("average temperature for {zip}: {average:.1}");
        assert!((10.0..35.0).contains(&average));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn main_runs() {
        super::main().unwrap();
    }
}
