//! The compare tool (`rs-perf compare --quick`, what CI runs) runs end to
//! end: every case of the quick set, in both modes, gets a figure > 0 from
//! ours, C libzmq and OMQ.rs, and the Markdown table and the SVG chart are
//! written. Not timed: the numbers of a debug build on a busy machine mean
//! nothing.

use std::process::Command;

use interop::perf::compare::{cases, parse_args};

/// The leading number of a table cell (`3.62 M/s`, `12.3 µs`, `0.93×`).
fn number(cell: &str) -> Option<f64> {
    let end = cell
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(cell.len());
    cell[..end].parse().ok()
}

#[test]
fn compare_quick_prints_every_case() {
    let dir = std::env::temp_dir()
        .join(format!("compare-quick-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (md, svg) = (dir.join("BENCHMARKS.md"), dir.join("throughput.svg"));
    let out = Command::new(env!("CARGO_BIN_EXE_rs-perf"))
        .args(["compare", "--quick", "--out"])
        .arg(&md)
        .arg("--svg")
        .arg(&svg)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "compare failed:\n{stderr}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    let written = std::fs::read_to_string(&md).unwrap();
    assert_eq!(stdout.trim(), written.trim(), "stdout is the table written");

    let settings = parse_args("rs-perf", &["--quick".to_string()]).unwrap();
    let expected = cases(&settings.sizes, &settings.idle);
    assert!(expected.len() >= 10);
    for mode in ["### pinned to 1 CPU", "### free"] {
        let start = written
            .find(mode)
            .unwrap_or_else(|| panic!("no {mode:?} table:\n{written}"));
        let section = &written[start..];
        for case in &expected {
            let row = section
                .lines()
                .find(|l| {
                    l.starts_with(&format!("| {} |", case.name))
                        || l.starts_with(&format!("| {} ¹ |", case.name))
                })
                .unwrap_or_else(|| {
                    panic!("{mode}: no row for {:?}:\n{written}", case.name)
                });
            let cells: Vec<&str> = row.split('|').map(str::trim).collect();
            // | name | ours | C | OMQ | ours/C | goal | ours/OMQ | CPU |
            for (i, who) in [(2, "ours"), (3, "C libzmq"), (4, "OMQ.rs")] {
                let v = number(cells[i]);
                assert!(
                    v.is_some_and(|v| v > 0.0),
                    "{mode}: {who} has no figure in {row}"
                );
            }
            assert!(
                number(cells[5]).is_some_and(|r| r > 0.0),
                "{mode}: no ratio in {row}"
            );
        }
    }
    let chart = std::fs::read_to_string(&svg).unwrap();
    assert!(
        chart.starts_with("<svg")
            && chart.contains("ours")
            && chart.contains("C libzmq")
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `--set async --quick` runs end to end: every async case gets a figure
/// from blocking and from each runtime, a cost ratio for each, and the
/// goal column; written as the async section of the `--out` file.
#[test]
fn compare_quick_async_prints_every_case() {
    use interop::perf::compare::{async_cases, ASYNC_SECTION};
    let dir = std::env::temp_dir()
        .join(format!("compare-quick-async-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let md = dir.join("BENCHMARKS-async.md");
    std::fs::write(&md, "# Kept\n\ntext above the section\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_rs-perf"))
        .args(["compare", "--quick", "--set", "async", "--out"])
        .arg(&md)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "compare failed:\n{stderr}");
    let written = std::fs::read_to_string(&md).unwrap();
    assert!(written.starts_with("# Kept\n\ntext above the section\n"));
    assert!(written.contains(&format!("## {ASYNC_SECTION}")));
    for mode in ["### pinned to 1 CPU", "### free"] {
        let start = written
            .find(mode)
            .unwrap_or_else(|| panic!("no {mode:?} table:\n{written}"));
        let section = &written[start..];
        for case in async_cases() {
            let row = section
                .lines()
                .find(|l| l.starts_with(&format!("| {} |", case.name)))
                .unwrap_or_else(|| {
                    panic!("{mode}: no row for {:?}:\n{written}", case.name)
                });
            let cells: Vec<&str> = row.split('|').map(str::trim).collect();
            // | name | blocking | CT | cost | goal | MT | cost | smol | cost | CPU |
            for i in [2, 3, 4, 6, 7, 8, 9] {
                assert!(
                    number(cells[i]).is_some_and(|v| v > 0.0),
                    "{mode}: cell {i} has no figure in {row}"
                );
            }
            assert!(cells[5].starts_with("≤ 1.1×"), "{mode}: goal in {row}");
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
