//! Business durations: `90m`, `4h`, `1h30m`, `3bd`, `45s`, combinations such as `2bd4h`, and
//! ISO 8601 time durations (`PT4H`, `PT1H30M`, `PT0.5S`).

use crate::NANOS_PER_SECOND;
use crate::error::DurationError;

/// A target length as written in a policy or on the command line.
///
/// Business days stay symbolic until a calendar resolves them with its `business_day`
/// length ([`crate::Calendar::resolve`]); everything else is an exact count of nanoseconds
/// of business time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct BusinessDuration {
    /// Whole business days (`bd`).
    pub business_days: i64,
    /// Exact business time in nanoseconds (hours, minutes, seconds).
    pub nanos: i64,
}

/// Durations longer than this (in nanoseconds of business time, about 100 years) are refused:
/// no SLA target is that long and it keeps the arithmetic far from overflow.
pub const MAX_DURATION_NANOS: i64 = 100 * 366 * 86_400 * NANOS_PER_SECOND;

impl BusinessDuration {
    /// An exact duration of `nanos` nanoseconds of business time.
    pub const fn from_nanos(nanos: i64) -> Self {
        Self {
            business_days: 0,
            nanos,
        }
    }

    /// An exact duration of `secs` seconds of business time.
    pub const fn from_secs(secs: i64) -> Self {
        Self::from_nanos(secs * NANOS_PER_SECOND)
    }

    /// `n` business days.
    pub const fn from_business_days(n: i64) -> Self {
        Self {
            business_days: n,
            nanos: 0,
        }
    }

    /// Parses `90m`, `4h`, `1h30m`, `3bd`, `2bd4h`, `45s`, `0`, or ISO 8601 `PT4H`.
    pub fn parse(input: &str) -> Result<Self, DurationError> {
        let err = |reason: &str| DurationError {
            input: input.to_string(),
            reason: reason.to_string(),
        };
        let s = input.trim();
        if s.is_empty() {
            return Err(err("empty"));
        }
        if s == "0" {
            return Ok(Self::default());
        }
        let out = if s.starts_with(['P', 'p']) {
            parse_iso(s).map_err(|r| err(&r))?
        } else {
            parse_compact(s).map_err(|r| err(&r))?
        };
        if out.nanos > MAX_DURATION_NANOS
            || out.business_days > MAX_DURATION_NANOS / (86_400 * NANOS_PER_SECOND)
        {
            return Err(err("longer than 100 years"));
        }
        Ok(out)
    }
}

impl std::str::FromStr for BusinessDuration {
    type Err = DurationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl std::fmt::Display for BusinessDuration {
    /// Writes the compact form (`1bd2h30m`, `45s`, `0`) that [`BusinessDuration::parse`] reads back.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.business_days == 0 && self.nanos == 0 {
            return f.write_str("0");
        }
        if self.business_days != 0 {
            write!(f, "{}bd", self.business_days)?;
        }
        let secs = self.nanos / NANOS_PER_SECOND;
        let frac = self.nanos % NANOS_PER_SECOND;
        let (h, m, s) = (secs / 3600, secs % 3600 / 60, secs % 60);
        if h != 0 {
            write!(f, "{h}h")?;
        }
        if m != 0 {
            write!(f, "{m}m")?;
        }
        if s != 0 || frac != 0 {
            if frac != 0 {
                let digits = format!("{frac:09}");
                write!(f, "{s}.{}s", digits.trim_end_matches('0'))?;
            } else {
                write!(f, "{s}s")?;
            }
        }
        Ok(())
    }
}

/// Reads a run of ASCII digits with an optional fraction, returning (value in units of
/// 10^-9, rest).
fn number(s: &str) -> Result<(i128, bool, &str), String> {
    let end = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))
        .unwrap_or(s.len());
    let (num, rest) = s.split_at(end);
    if num.is_empty() {
        return Err(format!("expected a number at {s:?}"));
    }
    let (int, frac) = match num.find(['.', ',']) {
        Some(i) => (&num[..i], &num[i + 1..]),
        None => (num, ""),
    };
    if int.is_empty() || frac.contains(['.', ',']) || frac.len() > 9 {
        return Err(format!("bad number {num:?}"));
    }
    let int: i128 = int.parse().map_err(|_| format!("bad number {num:?}"))?;
    if int > 1_000_000_000 {
        return Err("number too large".into());
    }
    let mut frac_nanos: i128 = 0;
    for (i, c) in frac.chars().enumerate() {
        frac_nanos += i128::from(c as u8 - b'0') * 10i128.pow(8 - i as u32);
    }
    Ok((int * 1_000_000_000 + frac_nanos, !frac.is_empty(), rest))
}

fn parse_compact(s: &str) -> Result<BusinessDuration, String> {
    let mut rest = s;
    let mut out = BusinessDuration::default();
    let mut last_rank = 0u8;
    while !rest.is_empty() {
        let (value, fractional, after) = number(rest)?;
        let (unit, after_unit): (&str, &str) = if let Some(r) = after.strip_prefix("bd") {
            ("bd", r)
        } else if let Some(r) = after.strip_prefix(['h', 'm', 's']) {
            (&after[..1], r)
        } else if after.starts_with('d') || after.starts_with('w') {
            return Err("calendar days and weeks are ambiguous for business time: write business days as `bd` (e.g. 3bd) or exact hours (e.g. 72h)".into());
        } else if after.is_empty() {
            return Err("missing unit after number (use bd, h, m or s)".into());
        } else {
            return Err(format!("unknown unit at {after:?} (use bd, h, m or s)"));
        };
        let rank = match unit {
            "bd" => 1,
            "h" => 2,
            "m" => 3,
            _ => 4,
        };
        if rank <= last_rank {
            return Err("units must appear once each, largest first (e.g. 1bd2h30m)".into());
        }
        last_rank = rank;
        if unit == "bd" {
            if fractional {
                return Err("business days must be whole (write 1bd4h, not 1.5bd)".into());
            }
            out.business_days = (value / 1_000_000_000) as i64;
        } else {
            let mul: i128 = match unit {
                "h" => 3600,
                "m" => 60,
                _ => 1,
            };
            let nanos = value * mul;
            if nanos > i128::from(MAX_DURATION_NANOS) {
                return Err("longer than 100 years".into());
            }
            out.nanos += nanos as i64;
        }
        rest = after_unit;
    }
    Ok(out)
}

fn parse_iso(s: &str) -> Result<BusinessDuration, String> {
    let body = &s[1..];
    if body.starts_with('-') {
        return Err("negative durations are not allowed".into());
    }
    let Some(time) = body.strip_prefix(['T', 't']) else {
        return Err("only ISO 8601 time durations (PT…H…M…S) are accepted: days (P1D) are ambiguous for business time; write 1bd for one business day".into());
    };
    if time.is_empty() {
        return Err("no time components after `PT`".into());
    }
    let mut rest = time;
    let mut nanos: i128 = 0;
    let mut last_rank = 0u8;
    let mut seen_fraction = false;
    while !rest.is_empty() {
        if seen_fraction {
            return Err("only the last component may have a fraction".into());
        }
        let (value, fractional, after) = number(rest)?;
        seen_fraction = fractional;
        let mut chars = after.chars();
        let (mul, rank) = match chars.next().map(|c| c.to_ascii_uppercase()) {
            Some('H') => (3600, 1),
            Some('M') => (60, 2),
            Some('S') => (1, 3),
            _ => return Err(format!("expected H, M or S at {after:?}")),
        };
        if rank <= last_rank {
            return Err("components must appear once each in the order H, M, S".into());
        }
        last_rank = rank;
        nanos += value * mul;
        if nanos > i128::from(MAX_DURATION_NANOS) {
            return Err("longer than 100 years".into());
        }
        rest = chars.as_str();
    }
    Ok(BusinessDuration::from_nanos(nanos as i64))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: &str) -> i64 {
        let d = BusinessDuration::parse(s).unwrap();
        assert_eq!(d.business_days, 0);
        d.nanos / NANOS_PER_SECOND
    }

    #[test]
    fn compact_forms() {
        assert_eq!(secs("90m"), 5400);
        assert_eq!(secs("4h"), 14400);
        assert_eq!(secs("1h30m"), 5400);
        assert_eq!(secs("45s"), 45);
        assert_eq!(secs("0"), 0);
        assert_eq!(secs("0m"), 0);
        assert_eq!(secs("1.5h"), 5400);
        assert_eq!(
            BusinessDuration::parse("3bd").unwrap(),
            BusinessDuration::from_business_days(3)
        );
        let d = BusinessDuration::parse("2bd4h").unwrap();
        assert_eq!((d.business_days, d.nanos), (2, 4 * 3600 * NANOS_PER_SECOND));
    }

    #[test]
    fn iso_forms() {
        assert_eq!(secs("PT4H"), 14400);
        assert_eq!(secs("PT1H30M"), 5400);
        assert_eq!(secs("pt15m"), 900);
        assert_eq!(
            BusinessDuration::parse("PT0.5S").unwrap().nanos,
            500_000_000
        );
    }

    #[test]
    fn refusals() {
        for bad in [
            "",
            "h",
            "4",
            "4x",
            "1d",
            "2w",
            "P1D",
            "PT",
            "PT4X",
            "1m1h",
            "4h4h",
            "1.5bd",
            "-4h",
            "PT-1H",
            "P-1D",
            "PT1.5H30M",
            "1..5h",
            "99999999999h",
        ] {
            assert!(
                BusinessDuration::parse(bad).is_err(),
                "{bad:?} should be refused"
            );
        }
    }

    #[test]
    fn display_round_trips() {
        for s in ["0", "1bd", "2bd4h", "1h30m", "45s", "1.25s", "3h0m5s"] {
            let d = BusinessDuration::parse(s).unwrap();
            assert_eq!(BusinessDuration::parse(&d.to_string()).unwrap(), d, "{s}");
        }
    }
}
