//! Business time for Tenggat: calendars, holiday sets and exact arithmetic.
//!
//! This crate is pure: no I/O, no wall clock. Everything that needs the current time takes
//! it as an argument, and files are read by the caller ([`Calendar::from_toml`] takes the
//! text and a resolver for holiday-set names).
//!
//! ```
//! use tenggat_time::{builtin, BusinessDuration};
//! let cal = builtin("innovasia").unwrap();
//! let start: jiff::Timestamp = "2026-03-16T16:30:00+07:00".parse().unwrap();
//! let due = cal.due(start, BusinessDuration::parse("1h").unwrap()).unwrap();
//! // 30 minutes on Monday, 30 minutes on Tuesday morning.
//! assert_eq!(due, "2026-03-17T09:30:00+07:00".parse().unwrap());
//! ```
//!
//! Semantics (see `DESIGN.md`): business time elapses only while local wall-clock time lies
//! inside a working interval of a non-holiday date, counted in real seconds;
//! `due(start, d)` is the *earliest* instant `t ≥ start` with `d` of business time in
//! `[start, t]`, so a target used up at closing time is due at closing time.

mod builtin;
mod calendar;
mod duration;
mod error;
mod holiday;
mod schedule;
mod spec;
mod zone;

pub use builtin::{BUILTIN_CALENDARS, builtin, builtin_source};
pub use calendar::{
    Calendar, CalendarHoliday, CalendarParts, CoverageGap, DAY_KEYS, DayPlan, SetCoverage,
    WEEKDAYS, WorkingInterval, WorkingStretches,
};
pub use duration::{BusinessDuration, MAX_DURATION_NANOS};
pub use error::{CalendarError, DurationError, Location, TimeError};
pub use holiday::{BUILTIN_SETS, Coverage, Holiday, HolidaySet, ID_HOLIDAYS_CSV};
pub use spec::parse_interval;

/// Nanoseconds in a second.
pub const NANOS_PER_SECOND: i64 = 1_000_000_000;
/// Nanoseconds in a 24-hour day.
pub const DAY: i64 = 86_400 * NANOS_PER_SECOND;
/// Nanoseconds in a 7-day week.
pub const WEEK: i64 = 7 * DAY;
/// The earliest supported instant, 1900-01-01T00:00:00Z, in nanoseconds since 1970.
pub const MIN_INSTANT: i64 = -2_208_988_800 * NANOS_PER_SECOND;
/// The latest supported instant, 2200-01-01T00:00:00Z, in nanoseconds since 1970.
pub const MAX_INSTANT: i64 = 7_258_118_400 * NANOS_PER_SECOND;
