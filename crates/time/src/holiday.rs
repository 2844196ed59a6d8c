//! Holiday sets: the built-in Indonesian sets (from the joint decrees, `presets/holidays/`)
//! and any iCalendar (`.ics`) file. Each set knows which years it covers, so a computation
//! that reaches beyond them can warn instead of silently treating those years as holiday-free.

use jiff::civil::Date;

use crate::error::{CalendarError, Location};

/// The Indonesian national holidays and cuti bersama, with the decree each comes from.
/// The built-in Indonesian holiday data (`presets/holidays/id-holidays.csv`), as compiled in.
pub const ID_HOLIDAYS_CSV: &str = include_str!("../../../presets/holidays/id-holidays.csv");

/// Names of the built-in holiday sets.
pub const BUILTIN_SETS: [&str; 2] = ["id-national", "id-cuti-bersama"];

/// One holiday date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holiday {
    /// The local date that is not worked.
    pub date: Date,
    /// Name in Bahasa Indonesia (or as given by the source).
    pub name_id: String,
    /// Name in English (or as given by the source).
    pub name_en: String,
    /// Where the date comes from (decree, file).
    pub source: String,
}

/// The span of dates for which a set claims to be complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Coverage {
    /// First covered date.
    pub first: Date,
    /// Last covered date.
    pub last: Date,
}

impl Coverage {
    /// Does the coverage include `date`?
    pub fn contains(&self, date: Date) -> bool {
        self.first <= date && date <= self.last
    }
}

/// A named list of holidays with its coverage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HolidaySet {
    /// The name the set is referred to by (`id-national`, a file path).
    pub name: String,
    /// The holidays, sorted by date.
    pub holidays: Vec<Holiday>,
    /// The dates the set is complete for; `None` when it claims nothing (extra holidays).
    pub coverage: Option<Coverage>,
}

impl HolidaySet {
    /// A built-in set by name (`id-national`, `id-cuti-bersama`).
    pub fn builtin(name: &str) -> Option<HolidaySet> {
        let kind = match name {
            "id-national" => "national",
            "id-cuti-bersama" => "cuti_bersama",
            _ => return None,
        };
        // The embedded file is checked by a unit test; a malformed build cannot pass CI.
        let rows = parse_id_csv(ID_HOLIDAYS_CSV).ok()?;
        let first = rows.iter().map(|r| r.0.date.year()).min()?;
        let last = rows.iter().map(|r| r.0.date.year()).max()?;
        let holidays = rows
            .into_iter()
            .filter(|(_, k)| k == kind)
            .map(|(h, _)| h)
            .collect();
        Some(HolidaySet {
            name: name.to_string(),
            holidays,
            coverage: Some(Coverage {
                first: Date::new(first, 1, 1).ok()?,
                last: Date::new(last, 12, 31).ok()?,
            }),
        })
    }

    /// Reads an iCalendar file as a holiday set: every `VEVENT` is a holiday on its
    /// `DTSTART` date through the day before its `DTEND` (all-day events) or on its start date
    /// (timed events). Yearly recurrences (`RRULE:FREQ=YEARLY`, with `COUNT`, `UNTIL` or
    /// `INTERVAL`) are expanded. The set covers the whole years from its first to its last
    /// dated event; a yearly rule without an end is expanded over those years (or to 2199 when
    /// the file has nothing else).
    pub fn from_ics(name: &str, text: &str) -> Result<HolidaySet, CalendarError> {
        let unfolded = icalendar::parser::unfold(text);
        let cal = icalendar::parser::read_calendar(&unfolded).map_err(|e| {
            let first = e
                .lines()
                .find(|l| !l.trim().is_empty() && l.trim() != "error:");
            CalendarError::new(
                "holidays.ics_syntax",
                Location::default(),
                format!(
                    "{name}: not a valid iCalendar file ({})",
                    first.unwrap_or("parse error").trim()
                ),
            )
        })?;
        let mut fixed: Vec<Holiday> = Vec::new();
        let mut yearly: Vec<(Holiday, i16, Option<Date>, Option<u32>)> = Vec::new();
        for (index, ev) in cal
            .components
            .iter()
            .filter(|c| c.name == "VEVENT")
            .enumerate()
        {
            let at = |msg: String| {
                CalendarError::new(
                    "holidays.ics_event",
                    Location {
                        field: Some(format!("VEVENT #{}", index + 1)),
                        ..Location::default()
                    },
                    format!("{name}: {msg}"),
                )
            };
            let summary = ev
                .find_prop("SUMMARY")
                .map(|p| p.val.as_str().replace("\\,", ",").replace("\\;", ";"))
                .unwrap_or_else(|| "(holiday)".to_string());
            let start = ev
                .find_prop("DTSTART")
                .ok_or_else(|| at("event has no DTSTART".into()))?;
            let start = ics_date(start.val.as_str()).map_err(at)?;
            let end = match ev.find_prop("DTEND") {
                Some(p) if p.val.as_str().len() == 8 => {
                    let end = ics_date(p.val.as_str()).map_err(at)?;
                    if end <= start {
                        return Err(at(format!("DTEND {end} is not after DTSTART {start}")));
                    }
                    end
                }
                _ => start.tomorrow().map_err(|e| at(e.to_string()))?,
            };
            let holiday = |date: Date| Holiday {
                date,
                name_id: summary.clone(),
                name_en: summary.clone(),
                source: name.to_string(),
            };
            match ev.find_prop("RRULE") {
                None => {
                    let mut d = start;
                    while d < end {
                        fixed.push(holiday(d));
                        d = d.tomorrow().map_err(|e| at(e.to_string()))?;
                    }
                }
                Some(rule) => {
                    let (interval, until, count) = yearly_rule(rule.val.as_str()).map_err(at)?;
                    if end != start.tomorrow().map_err(|e| at(e.to_string()))? {
                        return Err(at("recurring multi-day events are not supported".into()));
                    }
                    let mut h = holiday(start);
                    h.source = format!("{name} (yearly)");
                    yearly.push((h, interval, until, count));
                }
            }
        }
        let (first_year, last_year) = if fixed.is_empty() {
            let first = yearly.iter().map(|y| y.0.date.year()).min();
            (first, first.map(|_| 2199))
        } else {
            (
                fixed.iter().map(|h| h.date.year()).min(),
                fixed.iter().map(|h| h.date.year()).max(),
            )
        };
        let (Some(first_year), Some(last_year)) = (first_year, last_year) else {
            return Err(CalendarError::new(
                "holidays.ics_empty",
                Location::default(),
                format!("{name}: the file holds no events"),
            ));
        };
        for (h, interval, until, count) in yearly {
            let mut n = 0u32;
            let mut year = h.date.year();
            while year <= last_year && count.is_none_or(|c| n < c) {
                // A 29 February rule only occurs in leap years.
                if let Ok(date) = Date::new(year, h.date.month(), h.date.day()) {
                    if until.is_some_and(|u| date > u) {
                        break;
                    }
                    if year >= first_year {
                        fixed.push(Holiday { date, ..h.clone() });
                    }
                    n += 1;
                }
                year += interval;
            }
        }
        fixed.sort_by_key(|h| h.date);
        let coverage = Coverage {
            first: Date::new(first_year, 1, 1).map_err(|e| bad_year(name, e))?,
            last: Date::new(last_year, 12, 31).map_err(|e| bad_year(name, e))?,
        };
        Ok(HolidaySet {
            name: name.to_string(),
            holidays: fixed,
            coverage: Some(coverage),
        })
    }
}

fn bad_year(name: &str, e: jiff::Error) -> CalendarError {
    CalendarError::new(
        "holidays.ics_date",
        Location::default(),
        format!("{name}: {e}"),
    )
}

/// Reads the date part of an iCalendar `DATE` or `DATE-TIME` value.
fn ics_date(value: &str) -> Result<Date, String> {
    let digits = value
        .get(..8)
        .filter(|d| d.bytes().all(|b| b.is_ascii_digit()));
    let Some(digits) = digits else {
        return Err(format!("bad date {value:?}"));
    };
    let num = |r: std::ops::Range<usize>| digits[r].parse::<i16>().unwrap_or(0);
    Date::new(num(0..4), num(4..6) as i8, num(6..8) as i8)
        .map_err(|e| format!("bad date {value:?}: {e}"))
}

/// Reads a yearly `RRULE`; anything else is refused with a clear message.
fn yearly_rule(rule: &str) -> Result<(i16, Option<Date>, Option<u32>), String> {
    let mut freq = None;
    let (mut interval, mut until, mut count) = (1i16, None, None);
    for part in rule.split(';').filter(|p| !p.is_empty()) {
        let (k, v) = part
            .split_once('=')
            .ok_or_else(|| format!("bad RRULE part {part:?}"))?;
        match k.to_ascii_uppercase().as_str() {
            "FREQ" => freq = Some(v.to_ascii_uppercase()),
            "INTERVAL" => {
                interval = v
                    .parse()
                    .ok()
                    .filter(|i| *i >= 1)
                    .ok_or_else(|| format!("bad RRULE INTERVAL {v:?}"))?
            }
            "UNTIL" => until = Some(ics_date(v)?),
            "COUNT" => count = Some(v.parse().map_err(|_| format!("bad RRULE COUNT {v:?}"))?),
            // Restating the start date's month and day is harmless.
            "BYMONTH" | "BYMONTHDAY" | "WKST" => {}
            other => {
                return Err(format!(
                    "RRULE part {other} is not supported for holidays (only yearly repeats on a fixed date)"
                ));
            }
        }
    }
    match freq.as_deref() {
        Some("YEARLY") => Ok((interval, until, count)),
        Some(f) => Err(format!(
            "RRULE FREQ={f} is not supported for holidays (only FREQ=YEARLY)"
        )),
        None => Err("RRULE without FREQ".into()),
    }
}

/// Parses the built-in CSV: `date,kind,name_id,name_en,source`, `#` comments.
fn parse_id_csv(text: &str) -> Result<Vec<(Holiday, String)>, String> {
    let mut out = Vec::new();
    let mut seen_header = false;
    for (i, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        if !seen_header {
            if line != "date,kind,name_id,name_en,source" {
                return Err(format!("line {}: unexpected header {line:?}", i + 1));
            }
            seen_header = true;
            continue;
        }
        let f: Vec<&str> = line.split(',').collect();
        if f.len() != 5 {
            return Err(format!(
                "line {}: expected 5 fields, found {}",
                i + 1,
                f.len()
            ));
        }
        let date: Date = f[0].parse().map_err(|e| format!("line {}: {e}", i + 1))?;
        if f[1] != "national" && f[1] != "cuti_bersama" {
            return Err(format!("line {}: unknown kind {:?}", i + 1, f[1]));
        }
        out.push((
            Holiday {
                date,
                name_id: f[2].to_string(),
                name_en: f[3].to_string(),
                source: f[4].to_string(),
            },
            f[1].to_string(),
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn builtin_data_parses_and_is_sorted() {
        let rows = parse_id_csv(ID_HOLIDAYS_CSV).unwrap();
        assert!(rows.len() > 90);
        assert!(rows.windows(2).all(|w| w[0].0.date <= w[1].0.date));
        assert!(rows.iter().all(|(h, _)| !h.source.is_empty()));
    }

    #[test]
    fn builtin_sets_cover_2024_to_2027() {
        let national = HolidaySet::builtin("id-national").unwrap();
        let cov = national.coverage.unwrap();
        assert_eq!(cov.first, date(2024, 1, 1));
        assert_eq!(cov.last, date(2027, 12, 31));
        let dates: Vec<Date> = national.holidays.iter().map(|h| h.date).collect();
        assert!(dates.contains(&date(2026, 3, 21)), "Idul Fitri 1447");
        assert!(dates.contains(&date(2024, 4, 10)), "Idul Fitri 1445");
        assert!(
            !dates.contains(&date(2026, 3, 23)),
            "cuti bersama is its own set"
        );
        let cuti = HolidaySet::builtin("id-cuti-bersama").unwrap();
        assert!(cuti.holidays.iter().any(|h| h.date == date(2026, 3, 23)));
        assert!(HolidaySet::builtin("id-everything").is_none());
    }

    #[test]
    fn ics_all_day_multi_day_and_yearly() {
        let ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:test\r\n\
BEGIN:VEVENT\r\nUID:1\r\nDTSTART;VALUE=DATE:20260101\r\nDTEND;VALUE=DATE:20260103\r\nSUMMARY:New Year\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:2\r\nDTSTART;VALUE=DATE:20270704\r\nSUMMARY:Picnic\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:3\r\nDTSTART;VALUE=DATE:20201225\r\nRRULE:FREQ=YEARLY\r\nSUMMARY:Christmas\r\nEND:VEVENT\r\n\
END:VCALENDAR\r\n";
        let set = HolidaySet::from_ics("test.ics", ics).unwrap();
        let dates: Vec<Date> = set.holidays.iter().map(|h| h.date).collect();
        assert_eq!(
            dates,
            vec![
                date(2026, 1, 1),
                date(2026, 1, 2),
                date(2026, 12, 25),
                date(2027, 7, 4),
                date(2027, 12, 25)
            ]
        );
        let cov = set.coverage.unwrap();
        assert_eq!(
            (cov.first, cov.last),
            (date(2026, 1, 1), date(2027, 12, 31))
        );
    }

    #[test]
    fn ics_refusals() {
        assert!(HolidaySet::from_ics("x.ics", "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n").is_err());
        let weekly = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20260101\r\nRRULE:FREQ=WEEKLY\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        let err = HolidaySet::from_ics("x.ics", weekly).unwrap_err();
        assert!(err.message.contains("FREQ=WEEKLY"), "{err}");
        let empty = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n";
        assert!(HolidaySet::from_ics("x.ics", empty).is_err());
        let bad_date = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20261332\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        assert!(HolidaySet::from_ics("x.ics", bad_date).is_err());
    }
}
