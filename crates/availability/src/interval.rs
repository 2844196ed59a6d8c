//! Half-open intervals of time and UTC minutes, the unit of the time slices.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::error::AvailabilityError;

/// A half-open interval `[start, end)` of real time, never empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Interval {
    start: Timestamp,
    end: Timestamp,
}

impl Interval {
    /// `[start, end)`; refused unless `start < end`.
    pub fn new(start: Timestamp, end: Timestamp) -> Result<Interval, AvailabilityError> {
        if start < end {
            Ok(Interval { start, end })
        } else {
            Err(AvailabilityError::EmptyInterval { start, end })
        }
    }

    /// `[start, end)` when `start < end`, `None` otherwise (internal clipping helper).
    pub(crate) fn non_empty(start: Timestamp, end: Timestamp) -> Option<Interval> {
        (start < end).then_some(Interval { start, end })
    }

    /// The first instant inside.
    pub fn start(&self) -> Timestamp {
        self.start
    }

    /// The first instant after (not inside).
    pub fn end(&self) -> Timestamp {
        self.end
    }

    /// Whether `t` lies inside (`start <= t < end`).
    pub fn contains(&self, t: Timestamp) -> bool {
        self.start <= t && t < self.end
    }

    /// The common part, if it is not empty.
    pub fn intersection(&self, other: &Interval) -> Option<Interval> {
        Interval::non_empty(self.start.max(other.start), self.end.min(other.end))
    }

    /// The length.
    pub fn duration(&self) -> jiff::SignedDuration {
        self.end.duration_since(self.start)
    }
}

/// Seconds in a minute.
const MINUTE_SECONDS: i64 = 60;

/// A UTC minute: `[m × 60 s, (m + 1) × 60 s)` since 1970-01-01T00:00Z. Minutes never straddle a
/// leap second: jiff, like POSIX time, has none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Minute(i64);

impl Minute {
    /// The minute with this number (minutes since the Unix epoch).
    pub fn from_index(index: i64) -> Minute {
        Minute(index)
    }

    /// Minutes since the Unix epoch.
    pub fn index(self) -> i64 {
        self.0
    }

    /// The minute that contains `t` (floor, also before 1970).
    pub fn containing(t: Timestamp) -> Minute {
        // jiff truncates toward zero: -0.5 s is second 0 with -500 ms.
        let second = t.as_second() - i64::from(t.subsec_nanosecond() < 0);
        Minute(second.div_euclid(MINUTE_SECONDS))
    }

    /// The minute that starts exactly at `t`; refused when `t` is not on a minute boundary.
    pub fn starting_at(t: Timestamp) -> Result<Minute, AvailabilityError> {
        if t.subsec_nanosecond() == 0 && t.as_second().rem_euclid(MINUTE_SECONDS) == 0 {
            Ok(Minute(t.as_second() / MINUTE_SECONDS))
        } else {
            Err(AvailabilityError::NotMinuteAligned(t))
        }
    }

    /// The first instant of the minute.
    pub fn start(self) -> Result<Timestamp, AvailabilityError> {
        Ok(Timestamp::from_second(self.0 * MINUTE_SECONDS)?)
    }

    /// The minute as an interval.
    pub fn interval(self) -> Result<Interval, AvailabilityError> {
        Interval::new(self.start()?, Minute(self.0 + 1).start()?)
    }

    /// The next minute.
    pub fn next(self) -> Minute {
        Minute(self.0 + 1)
    }
}

/// The minutes an interval touches: the first is the minute of `start`, the last the minute
/// of the last nanosecond before `end` (a minute counts as touched when any part of it lies
/// inside).
pub(crate) fn touched_minutes(i: &Interval) -> (Minute, Minute) {
    let last = i.end - jiff::SignedDuration::from_nanos(1);
    (Minute::containing(i.start), Minute::containing(last))
}

/// The union of intervals as sorted, disjoint, non-adjacent intervals.
pub(crate) fn union(mut v: Vec<Interval>) -> Vec<Interval> {
    v.sort();
    let mut out: Vec<Interval> = Vec::with_capacity(v.len());
    for i in v {
        match out.last_mut() {
            Some(last) if i.start <= last.end => last.end = last.end.max(i.end),
            _ => out.push(i),
        }
    }
    out
}

/// `a` minus the union of `holes` (`holes` sorted and disjoint, as [`union`] returns them).
pub(crate) fn subtract(a: &Interval, holes: &[Interval]) -> Vec<Interval> {
    let mut out = Vec::new();
    let mut from = a.start;
    // The first hole that ends after `a` starts.
    let first = holes.partition_point(|h| h.end <= a.start);
    for h in &holes[first..] {
        if h.start >= a.end {
            break;
        }
        if let Some(piece) = Interval::non_empty(from, h.start.min(a.end)) {
            out.push(piece);
        }
        from = from.max(h.end);
    }
    if let Some(piece) = Interval::non_empty(from, a.end) {
        out.push(piece);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn iv(a: &str, b: &str) -> Interval {
        Interval::new(ts(a), ts(b)).unwrap()
    }

    #[test]
    fn empty_intervals_are_refused() {
        let t = ts("2026-03-01T00:00:00Z");
        let e = Interval::new(t, t).unwrap_err();
        assert_eq!(e.code(), "availability.empty_interval");
    }

    #[test]
    fn minutes_floor_also_before_1970() {
        assert_eq!(Minute::containing(ts("1970-01-01T00:00:59Z")).index(), 0);
        assert_eq!(Minute::containing(ts("1970-01-01T00:01:00Z")).index(), 1);
        assert_eq!(Minute::containing(ts("1969-12-31T23:59:59.5Z")).index(), -1);
        assert!(Minute::starting_at(ts("2026-03-01T00:00:30Z")).is_err());
        assert!(Minute::starting_at(ts("2026-03-01T00:00:00.000000001Z")).is_err());
        let m = Minute::starting_at(ts("2026-02-28T17:00:00Z")).unwrap();
        assert_eq!(m.start().unwrap(), ts("2026-02-28T17:00:00Z"));
    }

    #[test]
    fn an_interval_touches_the_minutes_it_overlaps() {
        let (a, b) = touched_minutes(&iv("2026-03-01T00:00:30Z", "2026-03-01T00:02:00Z"));
        assert_eq!(b.index() - a.index(), 1, "00:00 and 00:01, not 00:02");
        let (a, b) = touched_minutes(&iv("2026-03-01T00:00:00Z", "2026-03-01T00:00:00.5Z"));
        assert_eq!(a, b);
    }

    #[test]
    fn union_and_subtract() {
        let u = union(vec![
            iv("2026-03-01T00:10:00Z", "2026-03-01T00:20:00Z"),
            iv("2026-03-01T00:00:00Z", "2026-03-01T00:05:00Z"),
            iv("2026-03-01T00:05:00Z", "2026-03-01T00:07:00Z"),
        ]);
        assert_eq!(
            u,
            vec![
                iv("2026-03-01T00:00:00Z", "2026-03-01T00:07:00Z"),
                iv("2026-03-01T00:10:00Z", "2026-03-01T00:20:00Z"),
            ]
        );
        let rest = subtract(&iv("2026-03-01T00:03:00Z", "2026-03-01T00:30:00Z"), &u);
        assert_eq!(
            rest,
            vec![
                iv("2026-03-01T00:07:00Z", "2026-03-01T00:10:00Z"),
                iv("2026-03-01T00:20:00Z", "2026-03-01T00:30:00Z"),
            ]
        );
        assert!(subtract(&iv("2026-03-01T00:01:00Z", "2026-03-01T00:02:00Z"), &u).is_empty());
    }
}
