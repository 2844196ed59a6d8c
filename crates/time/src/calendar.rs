//! A compiled business calendar and its arithmetic: `due`, `elapsed`, `is_open`,
//! `next_open`, `next_close`.
//!
//! The semantics are those of `DESIGN.md`: business time elapses while the *local wall-clock
//! time* lies inside a working interval of a non-holiday date, counted in real elapsed
//! seconds. The time zone is flattened into constant-offset segments ([`crate::zone`]); inside
//! one segment local time is a shift of UTC and the closed forms of [`crate::schedule`]
//! apply. A computation crosses at most a few segments (two DST changes a year).

use jiff::civil::{Date, Time, Weekday};
use jiff::tz::{Offset, TimeZone};
use jiff::{SignedDuration, Timestamp};

use crate::duration::BusinessDuration;
use crate::error::{CalendarError, Location, TimeError};
use crate::holiday::{Coverage, HolidaySet};
use crate::schedule::Schedule;
use crate::zone::ZoneTable;
use crate::{DAY, MAX_INSTANT, MIN_INSTANT, NANOS_PER_SECOND};

/// Monday first, as in calendar files.
pub const WEEKDAYS: [Weekday; 7] = [
    Weekday::Monday,
    Weekday::Tuesday,
    Weekday::Wednesday,
    Weekday::Thursday,
    Weekday::Friday,
    Weekday::Saturday,
    Weekday::Sunday,
];

/// One working interval of a weekday, in local wall-clock time since midnight
/// (nanoseconds; the end may be `24:00`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkingInterval {
    /// Start, nanoseconds after local midnight.
    pub start: i64,
    /// End (exclusive), nanoseconds after local midnight, at most 24 hours.
    pub end: i64,
}

impl std::fmt::Display for WorkingInterval {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{}", clock(self.start), clock(self.end))
    }
}

/// `HH:MM` (or `HH:MM:SS`) for nanoseconds after midnight.
fn clock(nanos: i64) -> String {
    let secs = nanos / NANOS_PER_SECOND;
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    if s == 0 {
        format!("{h:02}:{m:02}")
    } else {
        format!("{h:02}:{m:02}:{s:02}")
    }
}

/// A holiday as a calendar sees it: the date, which set it came from, names and source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarHoliday {
    /// The local date.
    pub date: Date,
    /// The set (`id-national`, a file, `extra_holidays`).
    pub set: String,
    /// Name in Bahasa Indonesia.
    pub name_id: String,
    /// Name in English.
    pub name_en: String,
    /// Where the date comes from.
    pub source: String,
}

/// A holiday set used by a calendar and the dates it is complete for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetCoverage {
    /// The set's name.
    pub set: String,
    /// Its coverage; `None` for sets that claim none (extra holidays).
    pub coverage: Option<Coverage>,
}

/// A computation that reached dates a holiday set does not cover.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoverageGap {
    /// The set.
    pub set: String,
    /// What the set covers.
    pub coverage: Coverage,
    /// A local date of the computation outside the coverage.
    pub date: Date,
}

impl std::fmt::Display for CoverageGap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "holiday set `{}` covers {} to {} only; {} is outside it and is computed as if it had no holidays",
            self.set, self.coverage.first, self.coverage.last, self.date
        )
    }
}

/// What a calendar is made of, before validation.
#[derive(Debug, Clone, Default)]
pub struct CalendarParts {
    /// Display name.
    pub name: String,
    /// IANA time-zone name.
    pub timezone: String,
    /// Working intervals per weekday, Monday first; sorted, not overlapping.
    pub week: [Vec<WorkingInterval>; 7],
    /// Holiday sets, already resolved.
    pub holiday_sets: Vec<HolidaySet>,
    /// Extra holiday dates.
    pub extra_holidays: Vec<Date>,
    /// Length of one business day in nanoseconds; `None` = the longest day of the week.
    pub business_day: Option<i64>,
}

/// A validated business calendar, ready for arithmetic.
#[derive(Debug, Clone)]
pub struct Calendar {
    name: String,
    tz_name: String,
    tz: TimeZone,
    zone: ZoneTable,
    schedule: Schedule,
    week: [Vec<WorkingInterval>; 7],
    business_day: i64,
    holidays: Vec<CalendarHoliday>,
    sets: Vec<SetCoverage>,
    /// Tightest coverage over all sets, as local day numbers (first, last).
    covered_days: Option<(i64, i64)>,
}

/// Looks a zone up in the tz database bundled into the binary, so that results do not
/// depend on the host's `/usr/share/zoneinfo`.
pub(crate) fn lookup_zone(name: &str) -> Option<TimeZone> {
    static DB: std::sync::OnceLock<jiff::tz::TimeZoneDatabase> = std::sync::OnceLock::new();
    DB.get_or_init(jiff::tz::TimeZoneDatabase::bundled)
        .get(name)
        .ok()
}

fn day_number(date: Date) -> i64 {
    i64::from(
        date.since(Date::new(1970, 1, 1).unwrap_or(Date::MIN))
            .map_or(0, |s| s.get_days()),
    )
}

fn to_nanos(t: Timestamp) -> Result<i64, TimeError> {
    let n = t.as_nanosecond();
    if n < i128::from(MIN_INSTANT) || n > i128::from(MAX_INSTANT) {
        return Err(TimeError::OutOfRange(t.to_string()));
    }
    Ok(n as i64)
}

fn from_nanos(n: i64) -> Result<Timestamp, TimeError> {
    if !(MIN_INSTANT..=MAX_INSTANT).contains(&n) {
        return Err(TimeError::OutOfRange(format!("{n}ns since 1970")));
    }
    Timestamp::from_nanosecond(i128::from(n)).map_err(|e| TimeError::OutOfRange(e.to_string()))
}

impl Calendar {
    /// Validates `parts` and compiles the calendar. Errors name the field at fault.
    pub fn from_parts(parts: CalendarParts) -> Result<Calendar, CalendarError> {
        let field = |f: &str| Location {
            field: Some(f.to_string()),
            ..Location::default()
        };
        let tz = lookup_zone(&parts.timezone).ok_or_else(|| {
            CalendarError::new(
                "calendar.timezone",
                field("timezone"),
                format!(
                    "unknown time zone {:?} (use an IANA name such as \"Asia/Jakarta\")",
                    parts.timezone
                ),
            )
        })?;
        let mut longest = 0;
        for (d, intervals) in parts.week.iter().enumerate() {
            let mut total = 0;
            for (i, iv) in intervals.iter().enumerate() {
                let name = format!("week.{}[{i}]", DAY_KEYS[d]);
                if iv.start < 0 || iv.end > DAY || iv.start >= iv.end {
                    return Err(CalendarError::new(
                        "calendar.interval_inverted",
                        field(&name),
                        format!("interval {iv} is empty or inverted"),
                    ));
                }
                if i > 0 && intervals[i - 1].end > iv.start {
                    return Err(CalendarError::new(
                        "calendar.overlap",
                        field(&name),
                        format!(
                            "intervals {} and {iv} overlap (or are out of order)",
                            intervals[i - 1]
                        ),
                    ));
                }
                total += iv.end - iv.start;
            }
            longest = longest.max(total);
        }
        if longest == 0 {
            return Err(CalendarError::new(
                "calendar.empty_week",
                field("week"),
                "the week has no working intervals: list at least one, e.g. mon = [\"09:00-17:00\"]",
            ));
        }
        let business_day = parts.business_day.unwrap_or(longest);
        if business_day <= 0 || business_day > DAY {
            return Err(CalendarError::new(
                "calendar.business_day",
                field("business_day"),
                "business_day must be longer than zero and at most 24h",
            ));
        }
        let mut holidays = Vec::new();
        let mut sets = Vec::new();
        for set in &parts.holiday_sets {
            sets.push(SetCoverage {
                set: set.name.clone(),
                coverage: set.coverage,
            });
            holidays.extend(set.holidays.iter().map(|h| CalendarHoliday {
                date: h.date,
                set: set.name.clone(),
                name_id: h.name_id.clone(),
                name_en: h.name_en.clone(),
                source: h.source.clone(),
            }));
        }
        if !parts.extra_holidays.is_empty() {
            sets.push(SetCoverage {
                set: "extra_holidays".into(),
                coverage: None,
            });
        }
        holidays.extend(parts.extra_holidays.iter().map(|&date| CalendarHoliday {
            date,
            set: "extra_holidays".into(),
            name_id: "Libur tambahan".into(),
            name_en: "Extra holiday".into(),
            source: "calendar file".into(),
        }));
        holidays.sort_by(|a, b| a.date.cmp(&b.date).then_with(|| a.set.cmp(&b.set)));
        let week_ns: [Vec<(i64, i64)>; 7] =
            std::array::from_fn(|d| parts.week[d].iter().map(|iv| (iv.start, iv.end)).collect());
        let hol_days: Vec<i64> = holidays.iter().map(|h| day_number(h.date)).collect();
        let covered_days = sets
            .iter()
            .filter_map(|s| {
                s.coverage
                    .map(|c| (day_number(c.first), day_number(c.last)))
            })
            .reduce(|a, b| (a.0.max(b.0), a.1.min(b.1)));
        Ok(Calendar {
            name: parts.name,
            zone: ZoneTable::new(&tz),
            tz,
            tz_name: parts.timezone,
            schedule: Schedule::new(&week_ns, &hol_days),
            week: parts.week,
            business_day,
            holidays,
            sets,
            covered_days,
        })
    }

    /// The calendar's display name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The IANA time-zone name.
    pub fn timezone_name(&self) -> &str {
        &self.tz_name
    }

    /// The time zone.
    pub fn timezone(&self) -> &TimeZone {
        &self.tz
    }

    /// Length of one business day (`1bd`) in nanoseconds.
    pub fn business_day_nanos(&self) -> i64 {
        self.business_day
    }

    /// Working intervals per weekday, Monday first.
    pub fn week(&self) -> &[Vec<WorkingInterval>; 7] {
        &self.week
    }

    /// Business time in one week without holidays, in nanoseconds.
    pub fn week_nanos(&self) -> i64 {
        self.schedule.week_total()
    }

    /// Every holiday of the calendar, sorted by date.
    pub fn holidays(&self) -> &[CalendarHoliday] {
        &self.holidays
    }

    /// The holiday sets and what each covers.
    pub fn holiday_sets(&self) -> &[SetCoverage] {
        &self.sets
    }

    /// Turns a duration into exact business nanoseconds (`Nbd` = N × `business_day`).
    pub fn resolve(&self, d: BusinessDuration) -> Result<i64, TimeError> {
        if d.nanos < 0 || d.business_days < 0 {
            return Err(TimeError::NegativeDuration);
        }
        d.business_days
            .checked_mul(self.business_day)
            .and_then(|bd| bd.checked_add(d.nanos))
            .ok_or_else(|| TimeError::OutOfRange(format!("duration {d}")))
    }

    /// The UTC offset in force at `t` (for printing instants in the calendar's offset).
    pub fn offset_at(&self, t: Timestamp) -> Offset {
        let n = t
            .as_nanosecond()
            .clamp(i128::from(MIN_INSTANT), i128::from(MAX_INSTANT)) as i64;
        let secs = self.zone.offset_at(n) / NANOS_PER_SECOND;
        Offset::from_seconds(secs as i32).unwrap_or(Offset::UTC)
    }

    /// `due(start, d)`: the earliest instant `t ≥ start` such that the business time in
    /// `[start, t]` equals `d`. A target used up exactly at closing time is due at closing
    /// time; `due(start, 0) = start`.
    pub fn due(&self, start: Timestamp, d: BusinessDuration) -> Result<Timestamp, TimeError> {
        let d = self.resolve(d)?;
        from_nanos(self.due_nanos(to_nanos(start)?, d)?)
    }

    /// [`Calendar::due`] on nanoseconds since the Unix epoch (UTC) and nanoseconds of
    /// business time.
    pub fn due_nanos(&self, start: i64, d: i64) -> Result<i64, TimeError> {
        if !(MIN_INSTANT..=MAX_INSTANT).contains(&start) {
            return Err(TimeError::OutOfRange(format!("{start}ns since 1970")));
        }
        if d < 0 {
            return Err(TimeError::NegativeDuration);
        }
        if d == 0 {
            return Ok(start);
        }
        // Business time never runs faster than real time, so this is a lower bound.
        if d > MAX_INSTANT - start {
            return Err(TimeError::OutOfRange("the due instant".into()));
        }
        let mut seg = self.zone.find(start);
        let mut t = start;
        let mut rem = d;
        loop {
            let offset = self.zone.get(seg).offset;
            let local = t + offset;
            if let Some(end) = self.zone.end(seg) {
                let available = self.schedule.g(end + offset) - self.schedule.g(local);
                if rem > available {
                    rem -= available;
                    t = end;
                    seg += 1;
                    continue;
                }
            }
            let due = self.schedule.due(local, rem) - offset;
            if due > MAX_INSTANT {
                return Err(TimeError::OutOfRange("the due instant".into()));
            }
            return Ok(due);
        }
    }

    /// `elapsed(a, b)`: the business time in `[a, b]`; zero when `b ≤ a`.
    pub fn elapsed(&self, a: Timestamp, b: Timestamp) -> Result<SignedDuration, TimeError> {
        let n = self.elapsed_nanos(to_nanos(a)?, to_nanos(b)?)?;
        Ok(SignedDuration::from_nanos(n))
    }

    /// [`Calendar::elapsed`] on nanoseconds since the Unix epoch (UTC).
    pub fn elapsed_nanos(&self, a: i64, b: i64) -> Result<i64, TimeError> {
        for t in [a, b] {
            if !(MIN_INSTANT..=MAX_INSTANT).contains(&t) {
                return Err(TimeError::OutOfRange(format!("{t}ns since 1970")));
            }
        }
        if b <= a {
            return Ok(0);
        }
        let mut seg = self.zone.find(a);
        let mut t = a;
        let mut sum = 0;
        loop {
            let offset = self.zone.get(seg).offset;
            let stop = match self.zone.end(seg) {
                Some(end) if end < b => end,
                _ => b,
            };
            sum += self.schedule.g(stop + offset) - self.schedule.g(t + offset);
            if stop == b {
                return Ok(sum);
            }
            t = stop;
            seg += 1;
        }
    }

    /// Is business time running at instant `t`?
    pub fn is_open(&self, t: Timestamp) -> Result<bool, TimeError> {
        let n = to_nanos(t)?;
        Ok(self.schedule.is_open(n + self.zone.offset_at(n)))
    }

    /// The earliest instant `≥ t` at which business time runs (`t` itself when open).
    pub fn next_open(&self, t: Timestamp) -> Result<Timestamp, TimeError> {
        from_nanos(self.next_open_nanos(to_nanos(t)?)?)
    }

    fn next_open_nanos(&self, t: i64) -> Result<i64, TimeError> {
        // The start of the next working stretch is one nanosecond before one nanosecond of
        // business time is used up.
        Ok(self.due_nanos(t, 1)? - 1)
    }

    /// The working stretches within `[from, to)`, in order, each cut to that range: where
    /// business time runs (for drawing a clock, or showing where its time went). An error
    /// (an instant out of range) ends the list.
    pub fn working_stretches(&self, from: Timestamp, to: Timestamp) -> WorkingStretches<'_> {
        WorkingStretches {
            calendar: self,
            at: from,
            to,
        }
    }

    /// The instant at which the working stretch that holds `t` (or, when the calendar is
    /// closed at `t`, the next one) ends; `None` if it never ends (`24x7`).
    pub fn next_close(&self, t: Timestamp) -> Result<Option<Timestamp>, TimeError> {
        let mut cur = self.next_open_nanos(to_nanos(t)?)?;
        loop {
            let seg = self.zone.find(cur);
            let offset = self.zone.get(seg).offset;
            let end = self.schedule.span_end(cur + offset).map(|l| l - offset);
            match self.zone.end(seg) {
                // The stretch runs into a change of offset: it goes on only if the new local
                // time is working time too.
                Some(seg_end) if end.is_none_or(|e| e >= seg_end) => {
                    if seg_end > MAX_INSTANT {
                        return Ok(None);
                    }
                    if self
                        .schedule
                        .is_open(seg_end + self.zone.get(seg + 1).offset)
                    {
                        cur = seg_end;
                        continue;
                    }
                    return from_nanos(seg_end).map(Some);
                }
                _ => {
                    return match end {
                        Some(e) if e <= MAX_INSTANT => from_nanos(e).map(Some),
                        _ => Ok(None),
                    };
                }
            }
        }
    }

    /// The first local date in `[from, to]` (instants) outside some holiday set's coverage,
    /// if any. Computations that reach such dates should say so.
    pub fn coverage_gap(&self, from: Timestamp, to: Timestamp) -> Option<CoverageGap> {
        let local_date = |t: Timestamp| t.to_zoned(self.tz.clone()).date();
        let (a, b) = (local_date(from), local_date(to));
        self.sets.iter().find_map(|set| {
            let coverage = set.coverage?;
            let date = if a < coverage.first {
                a
            } else if b > coverage.last {
                b
            } else {
                return None;
            };
            Some(CoverageGap {
                set: set.set.clone(),
                coverage,
                date,
            })
        })
    }

    /// [`Calendar::coverage_gap`] on nanoseconds, cheap enough for every line of a batch.
    pub fn covers_nanos(&self, from: i64, to: i64) -> bool {
        let Some((first, last)) = self.covered_days else {
            return true;
        };
        let a = (from + self.zone.offset_at(from)).div_euclid(DAY);
        let b = (to + self.zone.offset_at(to)).div_euclid(DAY);
        a >= first && b <= last
    }

    /// What a person checking the calendar by eye needs for one local date.
    pub fn day_plan(&self, date: Date) -> Result<DayPlan, TimeError> {
        let weekday = date.weekday();
        let index = weekday.to_monday_zero_offset() as usize;
        let holidays: Vec<CalendarHoliday> = self
            .holidays
            .iter()
            .filter(|h| h.date == date)
            .cloned()
            .collect();
        let start = self.start_of_day(date)?;
        let end = self.start_of_day(
            date.tomorrow()
                .map_err(|e| TimeError::OutOfRange(e.to_string()))?,
        )?;
        let working = self.elapsed(start, end)?;
        let offsets_differ = self.offset_at(start) != self.offset_at(end);
        Ok(DayPlan {
            date,
            weekday,
            intervals: if holidays.is_empty() {
                self.week[index].clone()
            } else {
                Vec::new()
            },
            holidays,
            working,
            offset_change: offsets_differ,
        })
    }

    fn start_of_day(&self, date: Date) -> Result<Timestamp, TimeError> {
        let dt = date.to_datetime(Time::midnight());
        self.tz
            .to_ambiguous_timestamp(dt)
            .compatible()
            .map_err(|e| TimeError::OutOfRange(e.to_string()))
    }
}

/// One local date of a calendar, for `tenggat calendar show`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayPlan {
    /// The date.
    pub date: Date,
    /// Its weekday.
    pub weekday: Weekday,
    /// Working intervals (empty on holidays and closed days).
    pub intervals: Vec<WorkingInterval>,
    /// The holidays on this date.
    pub holidays: Vec<CalendarHoliday>,
    /// Real business time on this date (differs from the intervals' sum on DST days).
    pub working: SignedDuration,
    /// Whether the UTC offset changes during this date.
    pub offset_change: bool,
}

/// Keys of the weekdays in calendar files, Monday first.
pub const DAY_KEYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// The working stretches of a range, from [`Calendar::working_stretches`].
#[derive(Debug, Clone)]
pub struct WorkingStretches<'c> {
    calendar: &'c Calendar,
    at: Timestamp,
    to: Timestamp,
}

impl Iterator for WorkingStretches<'_> {
    type Item = (Timestamp, Timestamp);

    fn next(&mut self) -> Option<(Timestamp, Timestamp)> {
        if self.at >= self.to {
            return None;
        }
        let open = self.calendar.next_open(self.at).ok()?;
        if open >= self.to {
            self.at = self.to;
            return None;
        }
        let close = match self.calendar.next_close(open).ok()? {
            Some(c) if c < self.to => c,
            _ => self.to,
        };
        if close <= open {
            self.at = self.to;
            return None;
        }
        self.at = close;
        Some((open, close))
    }
}
