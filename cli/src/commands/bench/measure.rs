//! The four ends of a benchmark: a source and a sink for throughput, a
//! pinger and an echo for round trips. Each runs on one socket, so the
//! same code serves the in-process runs (two threads) and the two-process
//! `--remote` runs.

use super::report::{Latency, Throughput};
use crate::error::{CliError, Result};
use crate::socket::{Receiver, Sender};
use indicatif::ProgressBar;
use libzmq::{ErrorKind, Msg};
use std::time::{Duration, Instant};

/// Tells the messages to count from the ones to skip (warm-up messages:
/// a radio's go to a group of their own, a pub's are probes).
pub type Skip<'a> = &'a dyn Fn(&Msg) -> bool;

/// How often the progress bar moves, in messages: about a hundred times
/// per run, never per message.
fn step(total: u64) -> u64 {
    (total / 100).max(1)
}

/// Sends `count` messages of `size` bytes.
pub fn source(sender: Sender<'_>, size: usize, count: u64) -> Result<()> {
    let payload = vec![0x5a; size];
    for sent in 0..count {
        sender
            .send_msg(Msg::from(payload.as_slice()))
            .map_err(|err| failed("sending", sent, count, err.kind()))?;
    }
    Ok(())
}

/// Receives `count` messages of `size` bytes and measures the rate from
/// the first to the last (as libzmq's `local_thr`).
pub fn sink(
    receiver: Receiver<'_>,
    size: usize,
    count: u64,
    skip: Skip<'_>,
    progress: &ProgressBar,
) -> Result<Duration> {
    let step = step(count);
    let mut start = None;
    let mut received = 0u64;
    while received < count {
        let msg = recv_payload(receiver)
            .map_err(|err| failed("receiving", received, count, err.kind()))?;
        if skip(&msg) {
            continue;
        }
        check_size(&msg, size)?;
        start.get_or_insert_with(Instant::now);
        received += 1;
        if received % step == 0 {
            progress.set_position(received);
        }
    }
    Ok(start.map_or(Duration::ZERO, |start| start.elapsed()))
}

/// Receives one message's payload: a Router's messages start with the
/// routing id of the peer that sent them.
fn recv_payload(
    receiver: Receiver<'_>,
) -> std::result::Result<Msg, libzmq::Error> {
    match receiver {
        Receiver::Router(_) => receiver
            .recv()
            .map(|mut parts| parts.pop().unwrap_or_default()),
        _ => receiver.recv_msg(),
    }
}

/// Answers `count` requests with the request itself (with its envelope,
/// for a Router).
pub fn echo(
    receiver: Receiver<'_>,
    sender: Sender<'_>,
    count: u64,
) -> Result<()> {
    for answered in 0..count {
        let request = receiver.recv().map_err(|err| {
            failed("waiting for a ping", answered, count, err.kind())
        })?;
        sender.send(request)?;
    }
    Ok(())
}

/// Makes one round trip that is not measured (the connection is set up
/// on the way), then `count` measured ones of `size` bytes.
pub fn ping(
    sender: Sender<'_>,
    receiver: Receiver<'_>,
    size: usize,
    count: u64,
    progress: &ProgressBar,
) -> Result<Vec<Duration>> {
    let payload = vec![0xa5; size];
    let step = step(count);
    let mut times = Vec::with_capacity(count as usize);
    for done in 0..=count {
        let start = Instant::now();
        sender
            .send_msg(Msg::from(payload.as_slice()))
            .map_err(|err| failed("sending a ping", done, count, err.kind()))?;
        let reply = receiver.recv_msg().map_err(|err| {
            failed("waiting for the echo", done, count, err.kind())
        })?;
        let elapsed = start.elapsed();
        check_size(&reply, size)?;
        if done > 0 {
            times.push(elapsed);
            if done % step == 0 {
                progress.set_position(done);
            }
        }
    }
    Ok(times)
}

/// The throughput of `count` messages of `size` bytes in `elapsed`.
pub fn throughput(size: usize, count: u64, elapsed: Duration) -> Throughput {
    let seconds = elapsed.as_secs_f64();
    let msgs_per_sec = if seconds > 0.0 {
        count as f64 / seconds
    } else {
        0.0
    };
    Throughput {
        size,
        messages: count,
        seconds,
        msgs_per_sec,
        megabytes_per_sec: msgs_per_sec * size as f64 / 1e6,
    }
}

/// The statistics of round-trip `times`, in microseconds.
pub fn latency(size: usize, mut times: Vec<Duration>) -> Latency {
    times.sort_unstable();
    let micros = |d: Duration| d.as_secs_f64() * 1e6;
    let percentile = |p: f64| {
        if times.is_empty() {
            0.0
        } else {
            let rank = ((times.len() - 1) as f64 * p).round() as usize;
            micros(times[rank])
        }
    };
    let total: Duration = times.iter().sum();
    Latency {
        size,
        round_trips: times.len() as u64,
        mean_us: if times.is_empty() {
            0.0
        } else {
            micros(total) / times.len() as f64
        },
        p50_us: percentile(0.50),
        p99_us: percentile(0.99),
        max_us: times.last().copied().map_or(0.0, micros),
    }
}

fn check_size(msg: &Msg, size: usize) -> Result<()> {
    if msg.len() == size {
        Ok(())
    } else {
        Err(CliError::runtime(format!(
            "got a message of {} bytes instead of {size}: run both ends with the same --size",
            msg.len()
        )))
    }
}

fn failed(what: &str, done: u64, count: u64, kind: ErrorKind) -> CliError {
    let text = format!("{what} after {done} of {count} messages: {kind}");
    match kind {
        ErrorKind::WouldBlock => CliError::timeout(format!(
            "{what} after {done} of {count} messages: timed out"
        )),
        _ => CliError::runtime(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latency_statistics() {
        let times = (1..=100).map(Duration::from_micros).rev().collect();
        let stats = latency(32, times);
        assert_eq!(stats.round_trips, 100);
        assert!((stats.mean_us - 50.5).abs() < 1e-6);
        assert!(
            (stats.p50_us - 51.0).abs() < 1e-6
                || (stats.p50_us - 50.0).abs() < 1e-6
        );
        assert!((stats.p99_us - 99.0).abs() < 1e-6);
        assert!((stats.max_us - 100.0).abs() < 1e-6);
        assert_eq!(latency(32, Vec::new()).round_trips, 0);
    }

    #[test]
    fn throughput_rates() {
        let row = throughput(1000, 500, Duration::from_millis(250));
        assert!((row.msgs_per_sec - 2000.0).abs() < 1e-6);
        assert!((row.megabytes_per_sec - 2.0).abs() < 1e-6);
    }
}
