//! Benchmark results: a table for people, JSON for machines.

use crate::style::{paint, Style};
use serde::Serialize;
use std::fmt::Write;

/// One throughput measurement.
#[derive(Debug, Clone, Serialize)]
pub struct Throughput {
    /// Message size in bytes.
    pub size: usize,
    /// Messages counted.
    pub messages: u64,
    /// From the first message received to the last.
    pub seconds: f64,
    /// Messages per second (0 when the run was too short to measure).
    pub msgs_per_sec: f64,
    /// Payload megabytes (10^6 bytes) per second.
    pub megabytes_per_sec: f64,
}

/// One round-trip measurement, in microseconds.
#[derive(Debug, Clone, Serialize)]
pub struct Latency {
    /// Message size in bytes.
    pub size: usize,
    /// Round trips measured.
    pub round_trips: u64,
    /// Mean round trip.
    pub mean_us: f64,
    /// Median round trip.
    pub p50_us: f64,
    /// 99th percentile.
    pub p99_us: f64,
    /// Slowest round trip.
    pub max_us: f64,
}

/// Everything one `zmq bench` run measured, and under which conditions.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// `client-server`, `scatter-gather` or `radio-dish`.
    pub pattern: String,
    /// `inproc`, `tcp`, `ipc`, or the endpoint of a remote run.
    pub transport: String,
    /// `null` or `curve`.
    pub mechanism: String,
    /// The library's version.
    pub libzmq_version: String,
    /// Throughput rows, one per size.
    pub throughput: Vec<Throughput>,
    /// Round-trip rows, one per size.
    pub latency: Vec<Latency>,
}

impl Report {
    /// The report as a JSON document.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a report always serializes")
    }

    /// The report as text tables (`colour`: bold headers).
    pub fn to_table(&self, colour: bool) -> String {
        let mut out = String::new();
        let header = |text: String| paint(&text, Style::Header, colour);
        let _ = writeln!(
            out,
            "{} over {} ({}), libzmq {}",
            self.pattern, self.transport, self.mechanism, self.libzmq_version
        );
        if !self.throughput.is_empty() {
            let _ = writeln!(
                out,
                "{}",
                header(format!(
                    "{:>10} {:>10} {:>9} {:>14} {:>10}",
                    "size", "messages", "seconds", "msgs/s", "MB/s"
                ))
            );
            for row in &self.throughput {
                let _ = writeln!(
                    out,
                    "{:>10} {:>10} {:>9.3} {:>14.0} {:>10.1}",
                    row.size,
                    row.messages,
                    row.seconds,
                    row.msgs_per_sec,
                    row.megabytes_per_sec
                );
            }
        }
        if !self.latency.is_empty() {
            let _ = writeln!(
                out,
                "{}",
                header(format!(
                    "{:>10} {:>11} {:>9} {:>9} {:>9} {:>9}",
                    "size",
                    "round trips",
                    "mean µs",
                    "p50 µs",
                    "p99 µs",
                    "max µs"
                ))
            );
            for row in &self.latency {
                let _ = writeln!(
                    out,
                    "{:>10} {:>11} {:>9.1} {:>9.1} {:>9.1} {:>9.1}",
                    row.size,
                    row.round_trips,
                    row.mean_us,
                    row.p50_us,
                    row.p99_us,
                    row.max_us
                );
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_and_json_hold_every_row() {
        let report = Report {
            pattern: "client-server".into(),
            transport: "tcp".into(),
            mechanism: "null".into(),
            libzmq_version: "0.2.5".into(),
            throughput: vec![super::super::measure::throughput(
                64,
                1000,
                std::time::Duration::from_millis(1),
            )],
            latency: vec![super::super::measure::latency(
                64,
                vec![std::time::Duration::from_micros(20)],
            )],
        };
        let table = report.to_table(false);
        assert!(
            table.contains("msgs/s") && table.contains("p99 µs"),
            "{table}"
        );
        assert!(table.contains("1000000"), "{table}");
        let json: serde_json::Value =
            serde_json::from_str(&report.to_json()).unwrap();
        assert_eq!(json["throughput"][0]["size"], 64);
        assert_eq!(json["latency"][0]["round_trips"], 1);
    }
}
