//! Shared test support: a brute-force reference for business time.
//!
//! The reference knows nothing about the engine's closed forms or zone tables. It walks the
//! time line one minute at a time and decides, for each minute, whether it is business time
//! by converting the instant to local civil time with jiff and looking at the weekday's
//! intervals and the holiday dates. That is the membership semantics of `DESIGN.md` read
//! literally: an instant is business time iff its local wall-clock time lies in a working
//! interval `[start, end)` of that local date's weekday and the date is not a holiday.
//!
//! It is exact as long as every boundary falls on a whole minute of UTC: calendar boundaries
//! are whole minutes of local time, and every zone used here has whole-minute offsets, so
//! membership is constant over each UTC minute `[m, m + 1min)`.

#![allow(dead_code)]

use std::collections::HashSet;

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use tenggat_time::{Calendar, CalendarParts, HolidaySet, NANOS_PER_SECOND, WorkingInterval};

/// One minute in nanoseconds.
pub const MINUTE: i64 = 60 * NANOS_PER_SECOND;

/// Refuse to walk further than this many minutes (about four years): a reference that runs
/// away is a bug in the test, not a slow case.
const MAX_STEPS: i64 = 4 * 366 * 1440;

/// A calendar as plain data, buildable both as an engine [`Calendar`] and as a [`Reference`].
#[derive(Debug, Clone)]
pub struct CalSpec {
    /// IANA zone name.
    pub zone: String,
    /// Working intervals per weekday (Monday first) in minutes after local midnight,
    /// sorted, non-overlapping (they may touch); the end may be 1440 (24:00).
    pub week: [Vec<(i64, i64)>; 7],
    /// Extra holiday dates.
    pub extra_holidays: Vec<Date>,
    /// Whether the built-in `id-national` set is used too.
    pub national: bool,
    /// `business_day` in minutes; `None` = the longest day of the week.
    pub business_day_minutes: Option<i64>,
}

impl CalSpec {
    /// A calendar with the same weekly pattern every listed day and nothing else.
    pub fn simple(zone: &str, week: [Vec<(i64, i64)>; 7]) -> Self {
        CalSpec {
            zone: zone.to_string(),
            week,
            extra_holidays: Vec::new(),
            national: false,
            business_day_minutes: None,
        }
    }

    /// The engine's calendar.
    pub fn calendar(&self) -> Calendar {
        let week = std::array::from_fn(|d| {
            self.week[d]
                .iter()
                .map(|&(s, e)| WorkingInterval {
                    start: s * MINUTE,
                    end: e * MINUTE,
                })
                .collect()
        });
        let holiday_sets = if self.national {
            vec![HolidaySet::builtin("id-national").unwrap()]
        } else {
            Vec::new()
        };
        Calendar::from_parts(CalendarParts {
            name: "test".into(),
            timezone: self.zone.clone(),
            week,
            holiday_sets,
            extra_holidays: self.extra_holidays.clone(),
            business_day: self.business_day_minutes.map(|m| m * MINUTE),
        })
        .unwrap_or_else(|e| panic!("calendar {self:?} refused: {e}"))
    }

    /// The brute-force reference for the same calendar.
    pub fn reference(&self) -> Reference {
        let mut holidays: HashSet<Date> = self.extra_holidays.iter().copied().collect();
        if self.national {
            holidays.extend(
                HolidaySet::builtin("id-national")
                    .unwrap()
                    .holidays
                    .iter()
                    .map(|h| h.date),
            );
        }
        let longest = self
            .week
            .iter()
            .map(|day| day.iter().map(|&(s, e)| e - s).sum::<i64>())
            .max()
            .unwrap_or(0);
        Reference {
            tz: TimeZone::get(&self.zone).unwrap(),
            week: self.week.clone(),
            holidays,
            business_day_minutes: self.business_day_minutes.unwrap_or(longest),
        }
    }
}

/// The brute-force reference.
#[derive(Debug, Clone)]
pub struct Reference {
    tz: TimeZone,
    week: [Vec<(i64, i64)>; 7],
    holidays: HashSet<Date>,
    /// Length of `1bd` in minutes.
    pub business_day_minutes: i64,
}

/// `t` plus `minutes` minutes.
pub fn add_minutes(t: Timestamp, minutes: i64) -> Timestamp {
    Timestamp::from_nanosecond(t.as_nanosecond() + i128::from(minutes) * i128::from(MINUTE))
        .unwrap()
}

/// Is `t` on a whole minute of UTC?
pub fn on_minute(t: Timestamp) -> bool {
    t.as_nanosecond().rem_euclid(i128::from(MINUTE)) == 0
}

impl Reference {
    /// The time zone.
    pub fn tz(&self) -> &TimeZone {
        &self.tz
    }

    /// Is instant `t` business time? Decided from the local civil time alone.
    pub fn is_business(&self, t: Timestamp) -> bool {
        let local = t.to_zoned(self.tz.clone());
        let date = local.date();
        if self.holidays.contains(&date) {
            return false;
        }
        let day = date.weekday().to_monday_zero_offset() as usize;
        let time = local.time();
        let since_midnight = (i64::from(time.hour()) * 3600
            + i64::from(time.minute()) * 60
            + i64::from(time.second()))
            * NANOS_PER_SECOND
            + i64::from(time.subsec_nanosecond());
        self.week[day]
            .iter()
            .any(|&(s, e)| s * MINUTE <= since_midnight && since_midnight < e * MINUTE)
    }

    /// The earliest instant `t ≥ start` with `minutes` minutes of business time in
    /// `[start, t]`: walk minute by minute and stop at the end of the last business minute
    /// needed. `start` must be on a whole minute.
    pub fn due(&self, start: Timestamp, minutes: i64) -> Timestamp {
        assert!(
            on_minute(start),
            "reference works on whole minutes: {start}"
        );
        let mut t = start;
        let mut left = minutes;
        let mut steps = 0;
        while left > 0 {
            if self.is_business(t) {
                left -= 1;
            }
            t = add_minutes(t, 1);
            steps += 1;
            assert!(steps < MAX_STEPS, "reference due runs away from {start}");
        }
        t
    }

    /// Business minutes in `[a, b]` (zero when `b ≤ a`); both on whole minutes.
    pub fn elapsed_minutes(&self, a: Timestamp, b: Timestamp) -> i64 {
        assert!(
            on_minute(a) && on_minute(b),
            "reference works on whole minutes: {a} {b}"
        );
        let mut t = a;
        let mut n = 0;
        while t < b {
            if self.is_business(t) {
                n += 1;
            }
            t = add_minutes(t, 1);
        }
        n
    }

    /// The first whole minute `≥ t` (on a whole minute) that is business time, searching at
    /// most `limit` minutes.
    pub fn next_open(&self, t: Timestamp, limit: i64) -> Option<Timestamp> {
        (0..limit)
            .map(|i| add_minutes(t, i))
            .find(|&m| self.is_business(m))
    }
}
