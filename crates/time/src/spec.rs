//! The calendar file format (TOML), exactly as `DESIGN.md` gives it, with errors that name
//! the line and the field at fault.
//!
//! ```toml
//! name = "Innovasia business hours"
//! timezone = "Asia/Jakarta"
//! business_day = "8h"              # optional
//! holidays = ["id-national"]       # built-in sets, or .ics files
//! extra_holidays = ["2026-12-24"]  # optional; "2026-12-24..2026-12-31" for a range
//! [week]                           # days not listed are closed
//! mon = ["09:00-17:00"]
//! tue = ["09:00-12:00", "13:00-17:00"]
//! ```

use std::ops::Range;

use jiff::civil::Date;
use serde::Deserialize;
use toml::Spanned;

use crate::NANOS_PER_SECOND;
use crate::calendar::{Calendar, CalendarParts, DAY_KEYS, WorkingInterval};
use crate::duration::BusinessDuration;
use crate::error::{CalendarError, Location};
use crate::holiday::HolidaySet;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCalendar {
    name: Option<String>,
    #[allow(dead_code)]
    description: Option<String>,
    timezone: Spanned<String>,
    business_day: Option<Spanned<String>>,
    #[serde(default)]
    holidays: Vec<Spanned<String>>,
    #[serde(default)]
    extra_holidays: Vec<Spanned<String>>,
    week: Option<Spanned<RawWeek>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWeek {
    #[serde(default)]
    mon: Vec<Spanned<String>>,
    #[serde(default)]
    tue: Vec<Spanned<String>>,
    #[serde(default)]
    wed: Vec<Spanned<String>>,
    #[serde(default)]
    thu: Vec<Spanned<String>>,
    #[serde(default)]
    fri: Vec<Spanned<String>>,
    #[serde(default)]
    sat: Vec<Spanned<String>>,
    #[serde(default)]
    sun: Vec<Spanned<String>>,
}

/// Line and column (1-based) of byte offset `at` in `text`.
fn line_col(text: &str, at: usize) -> (usize, usize) {
    let before = &text[..at.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before
        .rfind('\n')
        .map_or(before.len(), |nl| before.len() - nl - 1)
        + 1;
    (line, col)
}

fn loc(text: &str, span: Range<usize>, field: impl Into<String>) -> Location {
    let (line, column) = line_col(text, span.start);
    Location {
        line: Some(line),
        column: Some(column),
        field: Some(field.into()),
    }
}

/// Parses `HH:MM` or `HH:MM:SS` into nanoseconds after midnight; `24:00` only when `end`.
fn parse_clock(s: &str, end: bool) -> Result<i64, String> {
    let parts: Vec<&str> = s.trim().split(':').collect();
    let ok_part = |p: &&str| p.len() == 2 && p.bytes().all(|b| b.is_ascii_digit());
    if !(parts.len() == 2 || parts.len() == 3) || !parts.iter().all(ok_part) {
        return Err(format!("{s:?} is not a time of day (HH:MM or HH:MM:SS)"));
    }
    let n: Vec<i64> = parts.iter().map(|p| p.parse().unwrap_or(99)).collect();
    let (h, m, sec) = (n[0], n[1], n.get(2).copied().unwrap_or(0));
    if h == 24 && m == 0 && sec == 0 {
        return if end {
            Ok(86_400 * NANOS_PER_SECOND)
        } else {
            Err("24:00 can only end an interval".into())
        };
    }
    if h > 23 || m > 59 || sec > 59 {
        return Err(format!("{s:?} is not a time of day (00:00 to 24:00)"));
    }
    Ok((h * 3600 + m * 60 + sec) * NANOS_PER_SECOND)
}

/// Parses `"09:00-17:00"`.
pub fn parse_interval(s: &str) -> Result<WorkingInterval, String> {
    let Some((a, b)) = s.split_once('-') else {
        return Err(format!("{s:?} is not an interval like \"09:00-17:00\""));
    };
    let interval = WorkingInterval {
        start: parse_clock(a, false)?,
        end: parse_clock(b, true)?,
    };
    if interval.start >= interval.end {
        return Err(format!(
            "interval {s:?} ends before it starts (write overnight shifts as two intervals: \"22:00-24:00\" and \"00:00-06:00\" on the next day)"
        ));
    }
    Ok(interval)
}

/// Parses `"2026-12-24"` or `"2026-12-24..2026-12-31"` (inclusive).
fn parse_dates(s: &str) -> Result<Vec<Date>, String> {
    let date = |d: &str| -> Result<Date, String> {
        d.trim()
            .parse::<Date>()
            .map_err(|_| format!("{d:?} is not a valid date (YYYY-MM-DD)"))
    };
    let (first, last) = match s.split_once("..") {
        Some((a, b)) => (date(a)?, date(b)?),
        None => (date(s)?, date(s)?),
    };
    if last < first {
        return Err(format!("range {s:?} ends before it starts"));
    }
    if (last - first).get_days() > 366 {
        return Err(format!("range {s:?} is longer than a year"));
    }
    let mut out = vec![first];
    while let Some(&d) = out.last().filter(|d| **d < last) {
        out.push(d.tomorrow().map_err(|e| e.to_string())?);
    }
    Ok(out)
}

impl Calendar {
    /// Reads a calendar file. `resolve` turns a name in `holidays = [...]` into a set: the
    /// built-in ones with [`HolidaySet::builtin`], files with whatever I/O the caller allows;
    /// it answers `Err(reason)` for a name it does not know.
    pub fn from_toml(
        text: &str,
        mut resolve: impl FnMut(&str) -> Result<HolidaySet, String>,
    ) -> Result<Calendar, CalendarError> {
        let raw: RawCalendar = toml::from_str(text).map_err(|e| {
            let (line, column) = e.span().map(|s| line_col(text, s.start)).unzip();
            CalendarError::new(
                "calendar.syntax",
                Location {
                    line,
                    column,
                    field: None,
                },
                e.message().trim().replace('\n', " "),
            )
        })?;
        let mut parts = CalendarParts {
            name: raw.name.unwrap_or_else(|| "calendar".into()),
            timezone: raw.timezone.get_ref().clone(),
            ..CalendarParts::default()
        };
        if super::calendar::lookup_zone(&parts.timezone).is_none() {
            return Err(CalendarError::new(
                "calendar.timezone",
                loc(text, raw.timezone.span(), "timezone"),
                format!(
                    "unknown time zone {:?} (use an IANA name such as \"Asia/Jakarta\")",
                    parts.timezone
                ),
            ));
        }
        if let Some(bd) = &raw.business_day {
            let field = loc(text, bd.span(), "business_day");
            let d = BusinessDuration::parse(bd.get_ref()).map_err(|e| {
                CalendarError::new("calendar.business_day", field.clone(), e.to_string())
            })?;
            if d.business_days != 0 || d.nanos <= 0 || d.nanos > 86_400 * NANOS_PER_SECOND {
                return Err(CalendarError::new(
                    "calendar.business_day",
                    field,
                    format!(
                        "business_day {:?} must be more than 0 and at most 24h",
                        bd.get_ref()
                    ),
                ));
            }
            parts.business_day = Some(d.nanos);
        }
        for (i, h) in raw.holidays.iter().enumerate() {
            let set = resolve(h.get_ref()).map_err(|reason| {
                CalendarError::new(
                    "calendar.holiday_set",
                    loc(text, h.span(), format!("holidays[{i}]")),
                    reason,
                )
            })?;
            parts.holiday_sets.push(set);
        }
        for (i, d) in raw.extra_holidays.iter().enumerate() {
            let dates = parse_dates(d.get_ref()).map_err(|m| {
                CalendarError::new(
                    "calendar.date",
                    loc(text, d.span(), format!("extra_holidays[{i}]")),
                    m,
                )
            })?;
            parts.extra_holidays.extend(dates);
        }
        let Some(week) = raw.week else {
            return Err(CalendarError::new(
                "calendar.empty_week",
                Location {
                    line: None,
                    column: None,
                    field: Some("week".into()),
                },
                "no [week] table: list the working intervals, e.g. mon = [\"09:00-17:00\"]",
            ));
        };
        let week_span = week.span();
        let w = week.into_inner();
        let days = [w.mon, w.tue, w.wed, w.thu, w.fri, w.sat, w.sun];
        for (d, entries) in days.iter().enumerate() {
            let mut parsed: Vec<(WorkingInterval, &Spanned<String>, usize)> = Vec::new();
            for (i, e) in entries.iter().enumerate() {
                let field = format!("week.{}[{i}]", DAY_KEYS[d]);
                let iv = parse_interval(e.get_ref()).map_err(|m| {
                    let code = if m.contains("ends before") {
                        "calendar.interval_inverted"
                    } else {
                        "calendar.interval_syntax"
                    };
                    CalendarError::new(code, loc(text, e.span(), field), m)
                })?;
                parsed.push((iv, e, i));
            }
            parsed.sort_by_key(|p| p.0.start);
            for pair in parsed.windows(2) {
                if pair[1].0.start < pair[0].0.end {
                    let (later, earlier) = if pair[1].2 > pair[0].2 {
                        (pair[1], pair[0])
                    } else {
                        (pair[0], pair[1])
                    };
                    return Err(CalendarError::new(
                        "calendar.overlap",
                        loc(
                            text,
                            later.1.span(),
                            format!("week.{}[{}]", DAY_KEYS[d], later.2),
                        ),
                        format!(
                            "interval {:?} overlaps {:?}",
                            later.1.get_ref(),
                            earlier.1.get_ref()
                        ),
                    ));
                }
            }
            parts.week[d] = parsed.into_iter().map(|p| p.0).collect();
        }
        if parts.week.iter().all(Vec::is_empty) {
            return Err(CalendarError::new(
                "calendar.empty_week",
                loc(text, week_span, "week"),
                "the week has no working intervals: list at least one, e.g. mon = [\"09:00-17:00\"]",
            ));
        }
        Calendar::from_parts(parts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Calendar, CalendarError> {
        Calendar::from_toml(text, |n| {
            HolidaySet::builtin(n).ok_or_else(|| format!("unknown holiday set {n:?}"))
        })
    }

    const GOOD: &str = r#"name = "Innovasia business hours"
timezone = "Asia/Jakarta"
business_day = "8h"
holidays = ["id-national"]
extra_holidays = ["2026-12-24", "2026-12-28..2026-12-30"]
[week]
mon = ["09:00-17:00"]
tue = ["09:00-12:00", "13:00-17:00"]
wed = ["09:00-17:00"]
thu = ["09:00-17:00"]
fri = ["09:00-17:00"]
"#;

    #[test]
    fn design_example_parses() {
        let cal = parse(GOOD).unwrap();
        assert_eq!(cal.name(), "Innovasia business hours");
        assert_eq!(cal.business_day_nanos(), 8 * 3600 * NANOS_PER_SECOND);
        assert_eq!(cal.week()[1].len(), 2);
        assert!(
            cal.holidays()
                .iter()
                .any(|h| h.set == "extra_holidays" && h.date == jiff::civil::date(2026, 12, 29))
        );
    }

    fn err(text: &str) -> CalendarError {
        parse(text).expect_err("should be refused")
    }

    #[test]
    fn errors_name_line_and_field() {
        let e = err(&GOOD.replace(
            "tue = [\"09:00-12:00\", \"13:00-17:00\"]",
            "tue = [\"09:00-12:00\", \"11:00-17:00\"]",
        ));
        assert_eq!(e.code, "calendar.overlap");
        assert_eq!(e.location.line, Some(8));
        assert_eq!(e.location.field.as_deref(), Some("week.tue[1]"));

        let e = err(&GOOD.replace("wed = [\"09:00-17:00\"]", "wed = [\"17:00-09:00\"]"));
        assert_eq!(
            (e.code, e.location.line),
            ("calendar.interval_inverted", Some(9))
        );

        let e = err(&GOOD.replace("Asia/Jakarta", "Asia/Jakartaa"));
        assert_eq!((e.code, e.location.line), ("calendar.timezone", Some(2)));

        let e = err(&GOOD.replace("2026-12-24\"", "2026-02-30\""));
        assert_eq!((e.code, e.location.line), ("calendar.date", Some(5)));
        assert_eq!(e.location.field.as_deref(), Some("extra_holidays[0]"));

        let e = err(&GOOD.replace("id-national", "id-nasional"));
        assert_eq!((e.code, e.location.line), ("calendar.holiday_set", Some(4)));

        let e = err(&GOOD.replace("business_day = \"8h\"", "business_day = \"25h\""));
        assert_eq!(
            (e.code, e.location.line),
            ("calendar.business_day", Some(3))
        );

        let e = err(&GOOD.replace("thu = [\"09:00-17:00\"]", "thu = [\"9-17\"]"));
        assert_eq!(
            (e.code, e.location.line),
            ("calendar.interval_syntax", Some(10))
        );

        let e = err(&GOOD.replace("fri = [\"09:00-17:00\"]", "fri = [\"24:00-24:00\"]"));
        assert_eq!(e.code, "calendar.interval_syntax");

        let e = err("timezone = \"Asia/Jakarta\"\n[week]\n");
        assert_eq!(e.code, "calendar.empty_week");
        let e = err("timezone = \"Asia/Jakarta\"\n");
        assert_eq!(e.code, "calendar.empty_week");

        let e = err("timezone = \"Asia/Jakarta\"\nweekdays = 5\n[week]\nmon=[\"09:00-17:00\"]\n");
        assert_eq!((e.code, e.location.line), ("calendar.syntax", Some(2)));
        let e = err("timezone = \"Asia/Jakarta\"\n[week]\nfunday = [\"09:00-17:00\"]\n");
        assert_eq!((e.code, e.location.line), ("calendar.syntax", Some(3)));
        let e = err("timezone = \"Asia/Jakarta\n");
        assert_eq!((e.code, e.location.line), ("calendar.syntax", Some(1)));
    }

    #[test]
    fn end_of_day_and_touching_intervals() {
        let cal = parse("timezone = \"UTC\"\n[week]\nmon = [\"00:00-12:00\", \"12:00-24:00\"]\n")
            .unwrap();
        assert_eq!(cal.business_day_nanos(), 86_400 * NANOS_PER_SECOND);
    }
}
