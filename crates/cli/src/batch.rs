//! `tenggat due --batch`: streams `<RFC3339>,<duration>` lines to one due instant per line,
//! in order, in constant memory. The first bad line stops the run with its line number, so
//! output lines always match input lines.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};

use anyhow::{Context, Result, anyhow};
use jiff::Timestamp;
use jiff::fmt::temporal::DateTimePrinter;
use tenggat_time::{BusinessDuration, Calendar};

use crate::calendar_arg;

const BUFFER: usize = 1 << 16;

/// Runs the batch over `source` (`-` for stdin).
pub fn run(calendar: &str, source: &str) -> Result<()> {
    let cal = calendar_arg::load(calendar)?;
    let stdout = std::io::stdout();
    let out = BufWriter::with_capacity(BUFFER, stdout.lock());
    if source == "-" {
        let stdin = std::io::stdin();
        process(&cal, stdin.lock(), out)
    } else {
        let file = File::open(source).with_context(|| format!("cannot read {source}"))?;
        process(&cal, BufReader::with_capacity(BUFFER, file), out)
    }
}

/// Reads every line of `input`, writes one due per line to `out`.
fn process(cal: &Calendar, mut input: impl BufRead, mut out: impl Write) -> Result<()> {
    let printer = DateTimePrinter::new();
    let mut line = String::new();
    let mut text = String::with_capacity(40);
    let mut number = 0u64;
    let mut uncovered = 0u64;
    let mut first_uncovered = 0u64;
    loop {
        line.clear();
        number += 1;
        let read = input
            .read_line(&mut line)
            .with_context(|| format!("line {number}: cannot read input"))?;
        if read == 0 {
            break;
        }
        let (start, due) = compute(cal, line.trim_end_matches(['\n', '\r']))
            .map_err(|e| anyhow!("line {number}: {e}"))?;
        if !cal.covers_nanos(start, due) {
            uncovered += 1;
            if first_uncovered == 0 {
                first_uncovered = number;
            }
        }
        let due_ts = Timestamp::from_nanosecond(i128::from(due))?;
        text.clear();
        printer.print_timestamp_with_offset(&due_ts, cal.offset_at(due_ts), &mut text)?;
        text.push('\n');
        out.write_all(text.as_bytes())?;
    }
    out.flush()?;
    if uncovered > 0 {
        let sets: Vec<String> = cal
            .holiday_sets()
            .iter()
            .filter_map(|s| {
                s.coverage
                    .map(|c| format!("{} covers {} to {}", s.set, c.first, c.last))
            })
            .collect();
        eprintln!(
            "tenggat: warning: {uncovered} line(s), the first at line {first_uncovered}, reached dates outside the holiday data ({}) and were computed as if those dates had no holidays",
            sets.join("; ")
        );
    }
    Ok(())
}

/// One line: returns (start, due) in nanoseconds since 1970.
fn compute(cal: &Calendar, line: &str) -> Result<(i64, i64)> {
    let (t, d) = line
        .split_once(',')
        .ok_or_else(|| anyhow!("expected <RFC3339>,<duration>, found {line:?}"))?;
    let start = crate::input::instant(t)?;
    let d = BusinessDuration::parse(d.trim()).map_err(|e| anyhow!("{e}"))?;
    let start = start.as_nanosecond();
    if start < i128::from(tenggat_time::MIN_INSTANT)
        || start > i128::from(tenggat_time::MAX_INSTANT)
    {
        return Err(anyhow!("instant {t:?} is outside 1900 to 2199"));
    }
    let start = start as i64;
    let due = cal.due_nanos(start, cal.resolve(d)?)?;
    Ok((start, due))
}
