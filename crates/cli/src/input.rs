//! Parsing of instants and durations given on the command line, with messages that say
//! what was expected.

use anyhow::{Result, anyhow};
use jiff::Timestamp;
use tenggat_time::BusinessDuration;

/// Parses an RFC 3339 instant that carries an offset.
pub fn instant(text: &str) -> Result<Timestamp> {
    text.trim().parse::<Timestamp>().map_err(|e| {
        anyhow!(
            "invalid time {text:?}: expected RFC 3339 with an offset, e.g. 2026-03-16T10:00:00+07:00 ({e})"
        )
    })
}

/// Parses a business duration (`90m`, `4h`, `1h30m`, `3bd`, `PT4H`).
pub fn duration(text: &str) -> Result<BusinessDuration> {
    BusinessDuration::parse(text)
        .map_err(|e| anyhow!("{e} (expected e.g. 90m, 4h, 1h30m, 3bd or PT4H)"))
}

/// Parses a civil date `YYYY-MM-DD`.
pub fn date(text: &str) -> Result<jiff::civil::Date> {
    text.trim()
        .parse()
        .map_err(|_| anyhow!("invalid date {text:?}: expected YYYY-MM-DD (a real date)"))
}
