//! `tenggat due` and `tenggat elapsed` for one computation.

use anyhow::Result;
use tenggat_time::{BusinessDuration, NANOS_PER_SECOND};

use crate::{calendar_arg, input};

/// `tenggat due --calendar C --from T --add D [--json]`.
pub fn due(calendar: &str, from: &str, add: &str, json: bool) -> Result<()> {
    let cal = calendar_arg::load(calendar)?;
    let start = input::instant(from)?;
    let d = input::duration(add)?;
    let due = cal.due(start, d)?;
    warn_coverage(&cal, start, due);
    let text = due.display_with_offset(cal.offset_at(due)).to_string();
    if json {
        println!("{}", serde_json::json!({ "due": text }));
    } else {
        println!("{text}");
    }
    Ok(())
}

/// `tenggat elapsed --calendar C --from T --to T [--json]`.
pub fn elapsed(calendar: &str, from: &str, to: &str, json: bool) -> Result<()> {
    let cal = calendar_arg::load(calendar)?;
    let a = input::instant(from)?;
    let b = input::instant(to)?;
    let nanos = cal.elapsed_nanos(tenggat_time_nanos(a)?, tenggat_time_nanos(b)?)?;
    if b > a {
        warn_coverage(&cal, a, b);
    }
    let seconds = nanos.div_euclid(NANOS_PER_SECOND);
    if json {
        println!("{}", serde_json::json!({ "business_seconds": seconds }));
    } else {
        let human = BusinessDuration::from_secs(seconds);
        println!("{human} ({seconds} business seconds)");
    }
    Ok(())
}

/// Nanoseconds since 1970 of an instant, refused outside the supported range.
fn tenggat_time_nanos(t: jiff::Timestamp) -> Result<i64> {
    let n = t.as_nanosecond();
    if n < i128::from(tenggat_time::MIN_INSTANT) || n > i128::from(tenggat_time::MAX_INSTANT) {
        return Err(tenggat_time::TimeError::OutOfRange(t.to_string()).into());
    }
    Ok(n as i64)
}

/// Says on stderr when a computation reached dates the holiday data does not cover.
pub fn warn_coverage(cal: &tenggat_time::Calendar, from: jiff::Timestamp, to: jiff::Timestamp) {
    if let Some(gap) = cal.coverage_gap(from, to) {
        eprintln!("tenggat: warning: {gap}");
    }
}
