//! Hand-checked edge cases of the business-time engine.
//!
//! Every expected instant is written as an RFC 3339 literal and was worked out by hand from
//! the semantics of `DESIGN.md` ("Business-time semantics"): business time runs while the
//! local wall-clock time lies in a working interval `[start, end)` of a non-holiday date,
//! counted in real seconds; `due(start, d)` is the earliest `t ≥ start` with `d` of business
//! time in `[start, t]`; `elapsed(a, b)` is the business time in `[a, b]`.
//!
//! The DST cases are also run through the brute-force reference of `common/mod.rs`, which
//! checks the reference against the same hand-worked values.

// Test helpers unwrap freely: a failure is a test failure.
#![allow(clippy::unwrap_used)]

mod common;

use common::{CalSpec, MINUTE};
use jiff::{SignedDuration, Timestamp};
use tenggat_time::{
    BusinessDuration, Calendar, CoverageGap, DAY, HolidaySet, NANOS_PER_SECOND, builtin,
};

fn ts(s: &str) -> Timestamp {
    s.parse()
        .unwrap_or_else(|e| panic!("bad instant {s:?}: {e}"))
}

fn d(s: &str) -> BusinessDuration {
    BusinessDuration::parse(s).unwrap()
}

fn hours(h: i64) -> SignedDuration {
    SignedDuration::from_hours(h)
}

fn mins(m: i64) -> SignedDuration {
    SignedDuration::from_mins(m)
}

fn innovasia() -> Calendar {
    builtin("innovasia").unwrap()
}

fn from_toml(text: &str) -> Calendar {
    Calendar::from_toml(text, |n| {
        HolidaySet::builtin(n).ok_or_else(|| format!("unknown set {n:?}"))
    })
    .unwrap()
}

/// Innovasia's hours with a lunch break, no holidays.
fn lunch() -> Calendar {
    from_toml(
        r#"name = "lunch"
timezone = "Asia/Jakarta"
[week]
mon = ["09:00-12:00", "13:00-17:00"]
tue = ["09:00-12:00", "13:00-17:00"]
wed = ["09:00-12:00", "13:00-17:00"]
thu = ["09:00-12:00", "13:00-17:00"]
fri = ["09:00-12:00", "13:00-17:00"]
"#,
    )
}

/// Innovasia's hours, closed on national holidays *and* cuti bersama.
fn innovasia_cuti() -> Calendar {
    from_toml(
        r#"name = "Innovasia + cuti bersama"
timezone = "Asia/Jakarta"
holidays = ["id-national", "id-cuti-bersama"]
[week]
mon = ["09:00-17:00"]
tue = ["09:00-17:00"]
wed = ["09:00-17:00"]
thu = ["09:00-17:00"]
fri = ["09:00-17:00"]
"#,
    )
}

fn due(cal: &Calendar, start: &str, dur: &str) -> Timestamp {
    cal.due(ts(start), d(dur)).unwrap()
}

fn elapsed(cal: &Calendar, a: &str, b: &str) -> SignedDuration {
    cal.elapsed(ts(a), ts(b)).unwrap()
}

fn open(cal: &Calendar, t: &str) -> bool {
    cal.is_open(ts(t)).unwrap()
}

fn next_open(cal: &Calendar, t: &str) -> Timestamp {
    cal.next_open(ts(t)).unwrap()
}

fn next_close(cal: &Calendar, t: &str) -> Option<Timestamp> {
    cal.next_close(ts(t)).unwrap()
}

// ---------------------------------------------------------------------------------------
// Where the start falls
// ---------------------------------------------------------------------------------------

#[test]
fn start_before_opening() {
    let cal = innovasia();
    // Monday 2026-03-16: the clock starts at 09:00.
    assert_eq!(
        due(&cal, "2026-03-16T07:00:00+07:00", "2h"),
        ts("2026-03-16T11:00:00+07:00")
    );
    assert_eq!(
        due(&cal, "2026-03-16T00:00:00+07:00", "8h"),
        ts("2026-03-16T17:00:00+07:00")
    );
    assert_eq!(
        due(&cal, "2026-03-16T08:59:59+07:00", "1s"),
        ts("2026-03-16T09:00:01+07:00")
    );
    assert_eq!(
        elapsed(
            &cal,
            "2026-03-16T07:00:00+07:00",
            "2026-03-16T09:30:00+07:00"
        ),
        mins(30)
    );
}

#[test]
fn start_after_closing() {
    let cal = innovasia();
    assert_eq!(
        due(&cal, "2026-03-16T18:00:00+07:00", "2h"),
        ts("2026-03-17T11:00:00+07:00")
    );
    // Exactly at closing time is already closed.
    assert_eq!(
        due(&cal, "2026-03-16T17:00:00+07:00", "2h"),
        ts("2026-03-17T11:00:00+07:00")
    );
    // Friday evening runs into Monday.
    assert_eq!(
        due(&cal, "2026-03-13T19:30:00+07:00", "30m"),
        ts("2026-03-16T09:30:00+07:00")
    );
    // In UTC the start is still Monday, but 23:30 WIB is after closing.
    assert_eq!(
        due(&cal, "2026-03-16T16:30:00Z", "1h"),
        ts("2026-03-17T10:00:00+07:00")
    );
}

#[test]
fn start_on_weekend() {
    let cal = innovasia();
    // Saturday 2026-03-14 → Monday 2026-03-16.
    assert_eq!(
        due(&cal, "2026-03-14T10:00:00+07:00", "1h"),
        ts("2026-03-16T10:00:00+07:00")
    );
    assert_eq!(
        due(&cal, "2026-03-15T23:59:59+07:00", "1s"),
        ts("2026-03-16T09:00:01+07:00")
    );
    assert_eq!(
        elapsed(
            &cal,
            "2026-03-14T00:00:00+07:00",
            "2026-03-16T00:00:00+07:00"
        ),
        SignedDuration::ZERO
    );
}

#[test]
fn start_on_holiday() {
    let cal = innovasia();
    // Nyepi, Thursday 2026-03-19, is a national holiday; Friday 2026-03-20 is only cuti
    // bersama, which Innovasia works.
    assert!(!open(&cal, "2026-03-19T10:00:00+07:00"));
    assert_eq!(
        due(&cal, "2026-03-19T10:00:00+07:00", "1h"),
        ts("2026-03-20T10:00:00+07:00")
    );
    // With cuti bersama closed too: Fri 20 (cuti), Sat 21 + Sun 22 (Idul Fitri), Mon 23 and
    // Tue 24 (cuti) are all closed; Wednesday 2026-03-25 is the next working day.
    assert_eq!(
        due(&innovasia_cuti(), "2026-03-19T10:00:00+07:00", "1h"),
        ts("2026-03-25T10:00:00+07:00")
    );
    // New Year's Day 2026 (Thursday): 1h on Wed 31 Dec, then Friday 2 January.
    assert_eq!(
        due(&cal, "2025-12-31T16:00:00+07:00", "2h"),
        ts("2026-01-02T10:00:00+07:00")
    );
    // Good Friday 2026-04-03: 1h on Thursday, then Monday 6 April (Easter Sunday is a
    // weekend day anyway).
    assert_eq!(
        due(&cal, "2026-04-02T16:00:00+07:00", "2h"),
        ts("2026-04-06T10:00:00+07:00")
    );
    // A holiday starts and ends at *local* midnight: 2026-03-18T17:00Z is already Nyepi in
    // Jakarta (00:00 WIB on the 19th).
    assert_eq!(
        due(&cal, "2026-03-18T17:00:00Z", "1h"),
        ts("2026-03-20T10:00:00+07:00")
    );
}

#[test]
fn start_inside_lunch_break() {
    let cal = lunch();
    // Monday 2026-03-16 with 09:00-12:00 and 13:00-17:00.
    assert_eq!(
        due(&cal, "2026-03-16T12:30:00+07:00", "1h"),
        ts("2026-03-16T14:00:00+07:00")
    );
    assert_eq!(
        due(&cal, "2026-03-16T11:30:00+07:00", "1h"),
        ts("2026-03-16T13:30:00+07:00")
    );
    // Used up exactly when lunch starts: due at 12:00, not at 13:00.
    assert_eq!(
        due(&cal, "2026-03-16T11:00:00+07:00", "1h"),
        ts("2026-03-16T12:00:00+07:00")
    );
    assert_eq!(
        due(&cal, "2026-03-16T09:00:00+07:00", "7h"),
        ts("2026-03-16T17:00:00+07:00")
    );
    assert_eq!(
        due(&cal, "2026-03-16T12:00:00+07:00", "1s"),
        ts("2026-03-16T13:00:01+07:00")
    );
    assert_eq!(
        elapsed(
            &cal,
            "2026-03-16T11:00:00+07:00",
            "2026-03-16T14:00:00+07:00"
        ),
        hours(2)
    );
    assert_eq!(
        elapsed(
            &cal,
            "2026-03-16T12:00:00+07:00",
            "2026-03-16T13:00:00+07:00"
        ),
        SignedDuration::ZERO
    );
    assert!(open(&cal, "2026-03-16T11:59:59.999999999+07:00"));
    assert!(!open(&cal, "2026-03-16T12:00:00+07:00"));
    assert!(!open(&cal, "2026-03-16T12:59:59+07:00"));
    assert!(open(&cal, "2026-03-16T13:00:00+07:00"));
    assert_eq!(
        next_open(&cal, "2026-03-16T12:15:00+07:00"),
        ts("2026-03-16T13:00:00+07:00")
    );
    assert_eq!(
        next_close(&cal, "2026-03-16T10:00:00+07:00"),
        Some(ts("2026-03-16T12:00:00+07:00"))
    );
    assert_eq!(
        next_close(&cal, "2026-03-16T12:15:00+07:00"),
        Some(ts("2026-03-16T17:00:00+07:00"))
    );
    // One business day is the longest day: 7h.
    assert_eq!(cal.business_day_nanos(), 7 * 3600 * NANOS_PER_SECOND);
    assert_eq!(
        due(&cal, "2026-03-16T09:00:00+07:00", "1bd"),
        ts("2026-03-16T17:00:00+07:00")
    );
}

// ---------------------------------------------------------------------------------------
// The "earliest instant" rule
// ---------------------------------------------------------------------------------------

#[test]
fn target_used_up_exactly_at_closing_is_due_at_closing() {
    let cal = innovasia();
    assert_eq!(
        due(&cal, "2026-03-16T09:00:00+07:00", "8h"),
        ts("2026-03-16T17:00:00+07:00")
    );
    assert_eq!(
        due(&cal, "2026-03-16T16:00:00+07:00", "1h"),
        ts("2026-03-16T17:00:00+07:00")
    );
    // Friday: 17:00 on Friday, not 09:00 on Monday.
    assert_eq!(
        due(&cal, "2026-03-13T16:00:00+07:00", "1h"),
        ts("2026-03-13T17:00:00+07:00")
    );
    // Before a holiday (Nyepi on Thursday): 17:00 on Wednesday.
    assert_eq!(
        due(&cal, "2026-03-18T16:00:00+07:00", "1h"),
        ts("2026-03-18T17:00:00+07:00")
    );
    // One second more spills over the weekend.
    let start = ts("2026-03-13T16:00:00+07:00");
    let more = BusinessDuration::from_secs(3601);
    assert_eq!(
        cal.due(start, more).unwrap(),
        ts("2026-03-16T09:00:01+07:00")
    );
    // One nanosecond less is one nanosecond before closing.
    let less = BusinessDuration::from_nanos(3600 * NANOS_PER_SECOND - 1);
    assert_eq!(
        cal.due(start, less).unwrap(),
        ts("2026-03-13T16:59:59.999999999+07:00")
    );
    assert_eq!(
        cal.elapsed(start, ts("2026-03-13T17:00:00+07:00")).unwrap(),
        hours(1)
    );
    // Also across several days: Thu 4h + Fri 8h = 12h, due Friday at closing.
    assert_eq!(
        due(&cal, "2026-03-12T13:00:00+07:00", "12h"),
        ts("2026-03-13T17:00:00+07:00")
    );
}

#[test]
fn zero_duration_is_due_at_start() {
    let cal = innovasia();
    for start in [
        "2026-03-16T10:00:00+07:00",           // open
        "2026-03-16T07:00:00+07:00",           // before opening
        "2026-03-16T17:00:00+07:00",           // exactly at closing
        "2026-03-14T10:00:00+07:00",           // Saturday
        "2026-03-19T10:00:00+07:00",           // Nyepi
        "2026-03-16T10:00:00.123456789+07:00", // not on a whole second
    ] {
        for zero in ["0", "0m", "0bd", "PT0S"] {
            assert_eq!(due(&cal, start, zero), ts(start), "{start} + {zero}");
        }
        assert_eq!(
            cal.due_nanos(ts(start).as_nanosecond() as i64, 0).unwrap(),
            ts(start).as_nanosecond() as i64
        );
    }
}

// ---------------------------------------------------------------------------------------
// Holidays over several weeks
// ---------------------------------------------------------------------------------------

#[test]
fn multi_week_target_across_idul_fitri_2026_with_cuti_bersama() {
    let cal = innovasia_cuti();
    // Working days (8h each) from Monday 2026-03-09, counted by hand:
    //   week of  9 Mar: Mon 9, Tue 10, Wed 11, Thu 12, Fri 13            → days 1-5
    //   week of 16 Mar: Mon 16, Tue 17                                    → days 6-7
    //                   Wed 18 cuti (Nyepi), Thu 19 Nyepi (national),
    //                   Fri 20 cuti (Idul Fitri)                          → closed
    //                   Sat 21 + Sun 22 Idul Fitri (national; weekend)
    //   week of 23 Mar: Mon 23, Tue 24 cuti (Idul Fitri)                  → closed
    //                   Wed 25, Thu 26, Fri 27                            → days 8-10
    //   week of 30 Mar: Mon 30, Tue 31, Wed 1 Apr, Thu 2 Apr              → days 11-14
    //                   Fri 3 Apr Good Friday (national)                  → closed
    //   week of  6 Apr: Mon 6 Apr                                         → day 15
    let start = "2026-03-09T09:00:00+07:00";
    assert_eq!(due(&cal, start, "12bd"), ts("2026-03-31T17:00:00+07:00"));
    assert_eq!(due(&cal, start, "96h"), ts("2026-03-31T17:00:00+07:00"));
    assert_eq!(due(&cal, start, "14bd4h"), ts("2026-04-06T13:00:00+07:00"));
    assert_eq!(
        elapsed(
            &cal,
            "2026-03-09T00:00:00+07:00",
            "2026-04-06T00:00:00+07:00"
        ),
        hours(14 * 8)
    );
    // The 7th day ends on Tuesday 17 March; one second more is Wednesday 25 March.
    assert_eq!(due(&cal, start, "7bd"), ts("2026-03-17T17:00:00+07:00"));
    assert_eq!(
        cal.due(
            ts(start),
            BusinessDuration {
                business_days: 7,
                nanos: NANOS_PER_SECOND
            }
        )
        .unwrap(),
        ts("2026-03-25T09:00:01+07:00")
    );

    // Without cuti bersama (national holidays only) the same 12bd are:
    //   9-13 (5), 16, 17, 18 (8), [19 Nyepi], 20 (9), [21, 22 weekend], 23 (10), 24 (11), 25 (12).
    assert_eq!(
        due(&innovasia(), start, "12bd"),
        ts("2026-03-25T17:00:00+07:00")
    );

    // From Tuesday 17 March 13:00, 3bd = 24h:
    //   with cuti:    Tue 4h, Wed 25 8h, Thu 26 8h, Fri 27 4h → Fri 27 13:00
    //   without cuti: Tue 4h, Wed 18 8h, Fri 20 8h, Mon 23 4h → Mon 23 13:00
    assert_eq!(
        due(&cal, "2026-03-17T13:00:00+07:00", "3bd"),
        ts("2026-03-27T13:00:00+07:00")
    );
    assert_eq!(
        due(&innovasia(), "2026-03-17T13:00:00+07:00", "3bd"),
        ts("2026-03-23T13:00:00+07:00")
    );

    assert!(!open(&cal, "2026-03-23T10:00:00+07:00"));
    assert!(open(&innovasia(), "2026-03-23T10:00:00+07:00"));
    assert_eq!(
        next_open(&cal, "2026-03-17T17:00:00+07:00"),
        ts("2026-03-25T09:00:00+07:00")
    );
    assert_eq!(
        next_close(&cal, "2026-03-17T17:00:00+07:00"),
        Some(ts("2026-03-25T17:00:00+07:00"))
    );
}

#[test]
fn a_whole_year_of_innovasia() {
    // 2026 has 261 weekdays; 13 national holidays fall on weekdays (1 Jan, 16 Jan, 17 Feb,
    // 19 Mar, 3 Apr, 1 May, 14 May, 27 May, 1 Jun, 16 Jun, 17 Aug, 25 Aug, 25 Dec; 21-22 Mar,
    // 5 Apr and 31 May are Sundays/Saturdays): 248 working days of 8h.
    let cal = innovasia();
    assert_eq!(
        elapsed(
            &cal,
            "2026-01-01T00:00:00+07:00",
            "2027-01-01T00:00:00+07:00"
        ),
        hours(248 * 8)
    );
}

// ---------------------------------------------------------------------------------------
// 24:00 ends and stretches across midnight
// ---------------------------------------------------------------------------------------

const WEEKEND_NIGHTS: &str = r#"timezone = "Asia/Jakarta"
[week]
sat = ["18:00-24:00"]
sun = ["00:00-06:00"]
"#;

#[test]
fn end_of_day_is_continuous_across_midnight() {
    let cal = from_toml(WEEKEND_NIGHTS);
    assert_eq!(cal.business_day_nanos(), 6 * 3600 * NANOS_PER_SECOND);
    // Saturday 2026-03-14 18:00 to Sunday 2026-03-15 06:00 is one stretch.
    assert_eq!(
        due(&cal, "2026-03-14T20:00:00+07:00", "6h"),
        ts("2026-03-15T02:00:00+07:00")
    );
    assert_eq!(
        due(&cal, "2026-03-14T23:59:00+07:00", "2m"),
        ts("2026-03-15T00:01:00+07:00")
    );
    assert_eq!(
        due(&cal, "2026-03-14T18:00:00+07:00", "12h"),
        ts("2026-03-15T06:00:00+07:00")
    );
    assert_eq!(
        due(&cal, "2026-03-14T18:00:00+07:00", "12h1m"),
        ts("2026-03-21T18:01:00+07:00")
    );
    assert_eq!(
        due(&cal, "2026-03-14T18:00:00+07:00", "2bd"),
        ts("2026-03-15T06:00:00+07:00")
    );
    assert!(!open(&cal, "2026-03-14T17:59:59+07:00"));
    assert!(open(&cal, "2026-03-14T18:00:00+07:00"));
    assert!(open(&cal, "2026-03-14T23:59:59.999999999+07:00"));
    assert!(open(&cal, "2026-03-15T00:00:00+07:00"));
    assert!(!open(&cal, "2026-03-15T06:00:00+07:00"));
    let sunday_six = Some(ts("2026-03-15T06:00:00+07:00"));
    assert_eq!(next_close(&cal, "2026-03-14T18:00:00+07:00"), sunday_six);
    assert_eq!(next_close(&cal, "2026-03-14T12:00:00+07:00"), sunday_six);
    assert_eq!(next_close(&cal, "2026-03-14T23:00:00+07:00"), sunday_six);
    assert_eq!(next_close(&cal, "2026-03-15T03:00:00+07:00"), sunday_six);
    assert_eq!(
        next_open(&cal, "2026-03-15T00:00:00+07:00"),
        ts("2026-03-15T00:00:00+07:00")
    );
    assert_eq!(
        next_open(&cal, "2026-03-15T06:00:00+07:00"),
        ts("2026-03-21T18:00:00+07:00")
    );
    assert_eq!(
        elapsed(
            &cal,
            "2026-03-13T00:00:00+07:00",
            "2026-03-16T00:00:00+07:00"
        ),
        hours(12)
    );
}

#[test]
fn end_of_day_stretch_stops_at_a_holiday() {
    // Sunday 2026-03-15 is a holiday: the stretch ends at Saturday 24:00.
    let cal =
        from_toml(&WEEKEND_NIGHTS.replace("[week]", "extra_holidays = [\"2026-03-15\"]\n[week]"));
    assert_eq!(
        next_close(&cal, "2026-03-14T18:00:00+07:00"),
        Some(ts("2026-03-15T00:00:00+07:00"))
    );
    assert!(!open(&cal, "2026-03-15T00:00:00+07:00"));
    // 6h on Saturday 14, nothing on Sunday 15, 1h on Saturday 21.
    assert_eq!(
        due(&cal, "2026-03-14T18:00:00+07:00", "7h"),
        ts("2026-03-21T19:00:00+07:00")
    );
    // Saturday 2026-03-14 a holiday instead: the stretch is Sunday 00:00-06:00 only.
    let cal =
        from_toml(&WEEKEND_NIGHTS.replace("[week]", "extra_holidays = [\"2026-03-14\"]\n[week]"));
    assert_eq!(
        next_open(&cal, "2026-03-14T12:00:00+07:00"),
        ts("2026-03-15T00:00:00+07:00")
    );
    assert_eq!(
        next_close(&cal, "2026-03-14T12:00:00+07:00"),
        Some(ts("2026-03-15T06:00:00+07:00"))
    );
}

#[test]
fn end_of_day_stretch_across_the_week_boundary() {
    // Sunday night into Monday morning crosses the engine's week boundary (Monday 00:00).
    let cal = from_toml(
        r#"timezone = "Asia/Jakarta"
[week]
sun = ["18:00-24:00"]
mon = ["00:00-06:00"]
"#,
    );
    assert_eq!(
        next_close(&cal, "2026-03-15T20:00:00+07:00"),
        Some(ts("2026-03-16T06:00:00+07:00"))
    );
    assert_eq!(
        due(&cal, "2026-03-15T23:00:00+07:00", "3h"),
        ts("2026-03-16T02:00:00+07:00")
    );
    assert_eq!(
        elapsed(
            &cal,
            "2026-03-15T12:00:00+07:00",
            "2026-03-16T12:00:00+07:00"
        ),
        hours(12)
    );
}

// ---------------------------------------------------------------------------------------
// Daylight saving time
// ---------------------------------------------------------------------------------------

/// A calendar open on Sundays only, `from`–`to` (minutes), in `zone`; checked against both
/// the engine and the brute-force reference.
struct SundayOnly {
    cal: Calendar,
    reference: common::Reference,
}

impl SundayOnly {
    fn new(zone: &str, from: i64, to: i64) -> Self {
        Self::intervals(zone, vec![(from, to)])
    }

    fn intervals(zone: &str, sunday: Vec<(i64, i64)>) -> Self {
        let mut week: [Vec<(i64, i64)>; 7] = Default::default();
        week[6] = sunday;
        let spec = CalSpec::simple(zone, week);
        SundayOnly {
            cal: spec.calendar(),
            reference: spec.reference(),
        }
    }

    /// `next_open`, checked against the first business minute of the reference.
    fn next_open(&self, t: &str) -> Timestamp {
        let engine = next_open(&self.cal, t);
        assert_eq!(
            Some(engine),
            self.reference.next_open(ts(t), 8 * 1440),
            "engine vs reference: next_open({t})"
        );
        engine
    }

    /// `next_close`, checked against the first minute after `next_open` that the reference
    /// finds closed.
    fn next_close(&self, t: &str) -> Option<Timestamp> {
        let engine = next_close(&self.cal, t);
        let open = self.next_open(t);
        let reference = (1..8 * 1440)
            .map(|i| common::add_minutes(open, i))
            .find(|&m| !self.reference.is_business(m));
        assert_eq!(engine, reference, "engine vs reference: next_close({t})");
        engine
    }

    fn due(&self, start: &str, minutes: i64) -> Timestamp {
        let engine = self
            .cal
            .due(ts(start), BusinessDuration::from_secs(minutes * 60))
            .unwrap();
        assert_eq!(
            engine,
            self.reference.due(ts(start), minutes),
            "engine vs reference: due({start}, {minutes}m)"
        );
        engine
    }

    fn elapsed(&self, a: &str, b: &str) -> SignedDuration {
        let engine = self.cal.elapsed(ts(a), ts(b)).unwrap();
        let reference = self.reference.elapsed_minutes(ts(a), ts(b));
        assert_eq!(
            engine,
            mins(reference),
            "engine vs reference: elapsed({a}, {b})"
        );
        engine
    }

    fn open(&self, t: &str) -> bool {
        let engine = open(&self.cal, t);
        assert_eq!(
            engine,
            self.reference.is_business(ts(t)),
            "engine vs reference: is_open({t})"
        );
        engine
    }
}

#[test]
fn new_york_spring_forward_2026() {
    // Sunday 2026-03-08: at 02:00 EST (07:00Z) clocks jump to 03:00 EDT.
    let c = SundayOnly::new("America/New_York", 0, 4 * 60); // 00:00-04:00
    // 00:00 EST (05:00Z) to 04:00 EDT (08:00Z): 3 real hours.
    assert_eq!(
        c.elapsed("2026-03-08T00:00:00-05:00", "2026-03-09T00:00:00-04:00"),
        hours(3)
    );
    assert_eq!(
        c.due("2026-03-08T00:00:00-05:00", 180),
        ts("2026-03-08T04:00:00-04:00")
    );
    assert_eq!(
        c.due("2026-03-08T00:00:00-05:00", 120),
        ts("2026-03-08T03:00:00-04:00")
    );
    assert_eq!(
        c.due("2026-03-08T01:30:00-05:00", 60),
        ts("2026-03-08T03:30:00-04:00")
    );
    assert!(c.open("2026-03-08T07:00:00Z"));
    assert_eq!(
        c.next_close("2026-03-08T00:00:00-05:00"),
        Some(ts("2026-03-08T04:00:00-04:00"))
    );
    // The week after (no transition) is 4h again.
    assert_eq!(
        c.elapsed("2026-03-15T00:00:00-04:00", "2026-03-16T00:00:00-04:00"),
        hours(4)
    );

    // 01:30-03:00: only 01:30-02:00 EST exists, 30 minutes.
    let c = SundayOnly::new("America/New_York", 90, 180);
    assert_eq!(
        c.elapsed("2026-03-08T00:00:00-05:00", "2026-03-09T00:00:00-04:00"),
        mins(30)
    );
    assert_eq!(
        c.next_open("2026-03-08T00:00:00-05:00"),
        ts("2026-03-08T01:30:00-05:00")
    );
    assert_eq!(
        c.next_close("2026-03-08T01:30:00-05:00"),
        Some(ts("2026-03-08T03:00:00-04:00"))
    );
    assert!(c.open("2026-03-08T06:59:59Z"));
    assert!(!c.open("2026-03-08T07:00:00Z"));
    assert_eq!(
        c.due("2026-03-08T01:30:00-05:00", 30),
        ts("2026-03-08T03:00:00-04:00")
    );
    assert_eq!(
        c.due("2026-03-08T01:30:00-05:00", 31),
        ts("2026-03-15T01:31:00-04:00")
    );

    // 02:30-04:00 starts inside the gap: it opens when the clocks show 03:00 EDT, for 1h.
    let c = SundayOnly::new("America/New_York", 150, 240);
    assert_eq!(
        c.next_open("2026-03-08T00:00:00-05:00"),
        ts("2026-03-08T03:00:00-04:00")
    );
    assert_eq!(
        c.elapsed("2026-03-08T00:00:00-05:00", "2026-03-09T00:00:00-04:00"),
        hours(1)
    );
    assert_eq!(
        c.due("2026-03-08T00:00:00-05:00", 60),
        ts("2026-03-08T04:00:00-04:00")
    );
    assert!(!c.open("2026-03-08T06:59:59Z"));
    assert!(c.open("2026-03-08T07:00:00Z"));
}

#[test]
fn new_york_fall_back_2026() {
    // Sunday 2026-11-01: at 02:00 EDT (06:00Z) clocks go back to 01:00 EST.
    let c = SundayOnly::new("America/New_York", 0, 4 * 60); // 00:00-04:00
    // 00:00 EDT (04:00Z) to 04:00 EST (09:00Z): 5 real hours.
    assert_eq!(
        c.elapsed("2026-11-01T00:00:00-04:00", "2026-11-02T00:00:00-05:00"),
        hours(5)
    );
    assert_eq!(
        c.due("2026-11-01T00:00:00-04:00", 300),
        ts("2026-11-01T04:00:00-05:00")
    );
    assert_eq!(
        c.due("2026-11-01T00:00:00-04:00", 120),
        ts("2026-11-01T01:00:00-05:00")
    );
    assert_eq!(
        c.next_close("2026-11-01T00:00:00-04:00"),
        Some(ts("2026-11-01T04:00:00-05:00"))
    );

    // 01:30-03:00: 01:30-02:00 EDT (30m), then 01:00-01:30 EST closed, then 01:30-03:00 EST
    // (1h30m): 2h in all.
    let c = SundayOnly::new("America/New_York", 90, 180);
    assert_eq!(
        c.elapsed("2026-11-01T00:00:00-04:00", "2026-11-02T00:00:00-05:00"),
        hours(2)
    );
    assert_eq!(
        c.next_close("2026-11-01T01:30:00-04:00"),
        Some(ts("2026-11-01T01:00:00-05:00"))
    );
    assert!(c.open("2026-11-01T05:59:59Z"));
    assert!(!c.open("2026-11-01T06:00:00Z"));
    assert_eq!(
        c.next_open("2026-11-01T01:00:00-05:00"),
        ts("2026-11-01T01:30:00-05:00")
    );
    assert_eq!(
        c.next_close("2026-11-01T01:30:00-05:00"),
        Some(ts("2026-11-01T03:00:00-05:00"))
    );
    assert_eq!(
        c.due("2026-11-01T01:30:00-04:00", 30),
        ts("2026-11-01T01:00:00-05:00")
    );
    assert_eq!(
        c.due("2026-11-01T01:30:00-04:00", 31),
        ts("2026-11-01T01:31:00-05:00")
    );
    assert_eq!(
        c.due("2026-11-01T01:30:00-04:00", 120),
        ts("2026-11-01T03:00:00-05:00")
    );

    // 01:00-02:00 happens twice and counts twice, as one unbroken stretch 05:00Z-07:00Z.
    let c = SundayOnly::new("America/New_York", 60, 120);
    assert_eq!(
        c.elapsed("2026-11-01T00:00:00-04:00", "2026-11-02T00:00:00-05:00"),
        hours(2)
    );
    assert_eq!(
        c.next_close("2026-11-01T01:00:00-04:00"),
        Some(ts("2026-11-01T02:00:00-05:00"))
    );
    assert_eq!(
        c.due("2026-11-01T01:00:00-04:00", 90),
        ts("2026-11-01T01:30:00-05:00")
    );
    assert!(c.open("2026-11-01T06:00:00Z"));
}

#[test]
fn london_spring_forward_2026() {
    // Sunday 2026-03-29: at 01:00 GMT (01:00Z) clocks jump to 02:00 BST.
    let c = SundayOnly::new("Europe/London", 0, 4 * 60);
    assert_eq!(
        c.elapsed("2026-03-29T00:00:00Z", "2026-03-30T00:00:00+01:00"),
        hours(3)
    );
    assert_eq!(
        c.due("2026-03-29T00:00:00Z", 180),
        ts("2026-03-29T04:00:00+01:00")
    );
    assert_eq!(
        c.due("2026-03-29T00:30:00Z", 60),
        ts("2026-03-29T02:30:00+01:00")
    );

    // 01:30-03:00: 01:30 never shows; open from 02:00 BST (01:00Z) to 03:00 BST, 1h.
    let c = SundayOnly::new("Europe/London", 90, 180);
    assert_eq!(
        c.elapsed("2026-03-29T00:00:00Z", "2026-03-30T00:00:00+01:00"),
        hours(1)
    );
    assert_eq!(
        c.next_open("2026-03-29T00:00:00Z"),
        ts("2026-03-29T02:00:00+01:00")
    );
    assert_eq!(
        c.next_close("2026-03-29T00:00:00Z"),
        Some(ts("2026-03-29T03:00:00+01:00"))
    );
    assert!(!c.open("2026-03-29T00:59:59Z"));
    assert!(c.open("2026-03-29T01:00:00Z"));
    assert_eq!(
        c.due("2026-03-29T00:00:00Z", 60),
        ts("2026-03-29T03:00:00+01:00")
    );
}

#[test]
fn london_fall_back_2026() {
    // Sunday 2026-10-25: at 02:00 BST (01:00Z) clocks go back to 01:00 GMT.
    let c = SundayOnly::new("Europe/London", 0, 4 * 60);
    // 00:00 BST (Saturday 23:00Z) to 04:00 GMT (04:00Z): 5h.
    assert_eq!(
        c.elapsed("2026-10-25T00:00:00+01:00", "2026-10-26T00:00:00Z"),
        hours(5)
    );
    assert_eq!(
        c.due("2026-10-25T00:00:00+01:00", 300),
        ts("2026-10-25T04:00:00Z")
    );
    assert_eq!(
        c.next_close("2026-10-25T00:00:00+01:00"),
        Some(ts("2026-10-25T04:00:00Z"))
    );

    // 01:30-03:00: 01:30-02:00 BST (00:30Z-01:00Z), closed 01:00-01:30 GMT, 01:30-03:00 GMT.
    let c = SundayOnly::new("Europe/London", 90, 180);
    assert_eq!(
        c.elapsed("2026-10-25T00:00:00+01:00", "2026-10-26T00:00:00Z"),
        hours(2)
    );
    assert_eq!(
        c.next_close("2026-10-25T01:30:00+01:00"),
        Some(ts("2026-10-25T01:00:00Z"))
    );
    assert_eq!(
        c.next_open("2026-10-25T01:00:00Z"),
        ts("2026-10-25T01:30:00Z")
    );
    assert_eq!(
        c.next_close("2026-10-25T01:00:00Z"),
        Some(ts("2026-10-25T03:00:00Z"))
    );
    assert_eq!(
        c.due("2026-10-25T01:30:00+01:00", 31),
        ts("2026-10-25T01:31:00Z")
    );
    assert!(!c.open("2026-10-25T01:15:00Z"));
}

#[test]
fn weekday_calendars_across_dst_weekends() {
    let week = |zone: &str| {
        let day = vec![(9 * 60, 17 * 60)];
        CalSpec::simple(
            zone,
            [
                day.clone(),
                day.clone(),
                day.clone(),
                day.clone(),
                day,
                vec![],
                vec![],
            ],
        )
        .calendar()
    };
    let ny = week("America/New_York");
    // Friday 16:00 EST + 2h = Monday 10:00 EDT.
    assert_eq!(
        due(&ny, "2026-03-06T16:00:00-05:00", "2h"),
        ts("2026-03-09T10:00:00-04:00")
    );
    assert_eq!(
        elapsed(
            &ny,
            "2026-03-06T09:00:00-05:00",
            "2026-03-09T17:00:00-04:00"
        ),
        hours(16)
    );
    assert_eq!(
        elapsed(
            &ny,
            "2026-10-30T09:00:00-04:00",
            "2026-11-02T17:00:00-05:00"
        ),
        hours(16)
    );
    assert_eq!(
        due(&ny, "2026-10-30T16:00:00-04:00", "2h"),
        ts("2026-11-02T10:00:00-05:00")
    );
    // Used up at Friday's closing, the last one before the change of offset: due then,
    // not at the change (Sunday 02:00) nor on Monday.
    assert_eq!(
        due(&ny, "2026-03-06T16:00:00-05:00", "1h"),
        ts("2026-03-06T17:00:00-05:00")
    );
    assert_eq!(
        due(&ny, "2026-10-30T16:00:00-04:00", "1h"),
        ts("2026-10-30T17:00:00-04:00")
    );
    let london = week("Europe/London");
    assert_eq!(
        due(&london, "2026-03-27T16:00:00Z", "1h"),
        ts("2026-03-27T17:00:00Z")
    );
    assert_eq!(
        elapsed(&london, "2026-03-27T09:00:00Z", "2026-03-30T17:00:00+01:00"),
        hours(16)
    );
    assert_eq!(
        due(&london, "2026-10-23T16:00:00+01:00", "2h"),
        ts("2026-10-26T10:00:00Z")
    );
}

/// Regression: a working stretch whose local end falls exactly on a change of UTC offset,
/// where the new local time is working time too, went on; `next_close` answered the
/// instant of the change (an open instant) instead of the real end of the stretch. Found by
/// `next_open_and_next_close_match_reference` (New York, Sunday 00:00-02:00, 2025-11-02).
#[test]
fn regression_next_close_when_a_stretch_ends_exactly_at_an_offset_change() {
    // Fall back: 00:00-02:00 on 2025-11-02 runs 00:00-02:00 EDT and then again
    // 01:00-02:00 EST: one stretch from 04:00Z to 07:00Z.
    let c = SundayOnly::new("America/New_York", 0, 120);
    assert_eq!(
        c.next_close("2025-11-02T01:59:00-04:00"),
        Some(ts("2025-11-02T02:00:00-05:00"))
    );
    assert!(c.open("2025-11-02T06:00:00Z"));
    // 01:00-02:00 on 2026-11-01: 05:00Z-07:00Z without a break.
    let c = SundayOnly::new("America/New_York", 60, 120);
    assert_eq!(
        c.next_close("2026-11-01T01:00:00-04:00"),
        Some(ts("2026-11-01T02:00:00-05:00"))
    );
    // Spring forward: 00:00-02:00 and 03:00-04:00 on 2026-03-08 touch at 07:00Z (02:00 EST
    // is 03:00 EDT): one stretch 05:00Z-08:00Z.
    let c = SundayOnly::intervals("America/New_York", vec![(0, 120), (180, 240)]);
    assert_eq!(
        c.next_close("2026-03-08T00:00:00-05:00"),
        Some(ts("2026-03-08T04:00:00-04:00"))
    );
    assert_eq!(
        c.elapsed("2026-03-08T00:00:00-05:00", "2026-03-09T00:00:00-04:00"),
        hours(3)
    );
    // London, 2026-03-29: 00:00-01:00 GMT and 02:00-03:00 BST touch at 01:00Z.
    let c = SundayOnly::intervals("Europe/London", vec![(0, 60), (120, 180)]);
    assert_eq!(
        c.next_close("2026-03-29T00:00:00Z"),
        Some(ts("2026-03-29T03:00:00+01:00"))
    );
    // Lord Howe, 2026-04-05: 02:00 (+11:00) goes back to 01:30 (+10:30), so 01:30-02:00
    // happens twice, back to back: 14:30Z-15:30Z.
    let c = SundayOnly::new("Australia/Lord_Howe", 90, 120);
    assert_eq!(
        c.next_close("2026-04-05T01:30:00+11:00"),
        Some(ts("2026-04-05T02:00:00+10:30"))
    );
    assert_eq!(
        c.elapsed("2026-04-05T00:00:00+11:00", "2026-04-06T00:00:00+10:30"),
        hours(1)
    );
    // Where the new local time is closed, the stretch does end at the change.
    let c = SundayOnly::new("America/New_York", 90, 120);
    assert_eq!(
        c.next_close("2026-11-01T01:30:00-04:00"),
        Some(ts("2026-11-01T01:00:00-05:00"))
    );
}

// ---------------------------------------------------------------------------------------
// elapsed, is_open, next_open, next_close
// ---------------------------------------------------------------------------------------

#[test]
fn elapsed_basics() {
    let cal = innovasia();
    let a = "2026-03-16T10:00:00+07:00";
    assert_eq!(elapsed(&cal, a, a), SignedDuration::ZERO);
    // b before a: zero, never negative.
    assert_eq!(
        elapsed(&cal, a, "2026-03-16T09:00:00+07:00"),
        SignedDuration::ZERO
    );
    assert_eq!(
        elapsed(&cal, "2026-03-23T10:00:00+07:00", a),
        SignedDuration::ZERO
    );
    assert_eq!(
        elapsed(
            &cal,
            "2026-03-16T08:00:00+07:00",
            "2026-03-16T18:00:00+07:00"
        ),
        hours(8)
    );
    assert_eq!(elapsed(&cal, a, "2026-03-16T10:30:00+07:00"), mins(30));
    assert_eq!(
        elapsed(
            &cal,
            "2026-03-13T16:00:00+07:00",
            "2026-03-16T10:00:00+07:00"
        ),
        hours(2)
    );
    assert_eq!(
        elapsed(
            &cal,
            "2026-03-09T09:00:00+07:00",
            "2026-03-16T09:00:00+07:00"
        ),
        hours(40)
    );
    // Week of Nyepi (Thursday 19 March): four days.
    assert_eq!(
        elapsed(
            &cal,
            "2026-03-16T00:00:00+07:00",
            "2026-03-23T00:00:00+07:00"
        ),
        hours(32)
    );
    assert_eq!(
        elapsed(
            &cal,
            "2026-03-14T00:00:00+07:00",
            "2026-03-15T23:59:59+07:00"
        ),
        SignedDuration::ZERO
    );
    assert_eq!(
        elapsed(
            &cal,
            "2026-03-16T16:59:59.5+07:00",
            "2026-03-16T17:00:00.5+07:00"
        ),
        SignedDuration::from_millis(500)
    );
    // The same instant written in another offset is the same instant.
    assert_eq!(
        elapsed(&cal, "2026-03-16T02:00:00Z", "2026-03-16T10:00:00Z"),
        hours(8)
    );
    let (a, b) = (
        ts("2026-03-16T09:00:00+07:00"),
        ts("2026-03-16T17:00:00+07:00"),
    );
    assert_eq!(
        cal.elapsed_nanos(a.as_nanosecond() as i64, b.as_nanosecond() as i64)
            .unwrap(),
        8 * 3600 * NANOS_PER_SECOND
    );
}

#[test]
fn open_and_close_at_the_boundaries() {
    let cal = innovasia();
    // Exactly at opening is open; exactly at closing is closed.
    assert!(open(&cal, "2026-03-16T09:00:00+07:00"));
    assert!(!open(&cal, "2026-03-16T08:59:59.999999999+07:00"));
    assert!(open(&cal, "2026-03-16T16:59:59.999999999+07:00"));
    assert!(!open(&cal, "2026-03-16T17:00:00+07:00"));
    assert!(!open(&cal, "2026-03-14T10:00:00+07:00"));

    assert_eq!(
        next_open(&cal, "2026-03-16T09:00:00+07:00"),
        ts("2026-03-16T09:00:00+07:00")
    );
    assert_eq!(
        next_open(&cal, "2026-03-16T12:34:56.789+07:00"),
        ts("2026-03-16T12:34:56.789+07:00")
    );
    assert_eq!(
        next_open(&cal, "2026-03-16T08:00:00+07:00"),
        ts("2026-03-16T09:00:00+07:00")
    );
    assert_eq!(
        next_open(&cal, "2026-03-16T17:00:00+07:00"),
        ts("2026-03-17T09:00:00+07:00")
    );
    assert_eq!(
        next_open(&cal, "2026-03-13T17:00:00+07:00"),
        ts("2026-03-16T09:00:00+07:00")
    );
    assert_eq!(
        next_open(&cal, "2026-03-18T17:00:00+07:00"),
        ts("2026-03-20T09:00:00+07:00")
    );

    assert_eq!(
        next_close(&cal, "2026-03-16T09:00:00+07:00"),
        Some(ts("2026-03-16T17:00:00+07:00"))
    );
    assert_eq!(
        next_close(&cal, "2026-03-16T16:59:59+07:00"),
        Some(ts("2026-03-16T17:00:00+07:00"))
    );
    // Closed at 17:00: the next stretch is Tuesday's.
    assert_eq!(
        next_close(&cal, "2026-03-16T17:00:00+07:00"),
        Some(ts("2026-03-17T17:00:00+07:00"))
    );
    assert_eq!(
        next_close(&cal, "2026-03-14T10:00:00+07:00"),
        Some(ts("2026-03-16T17:00:00+07:00"))
    );
    assert_eq!(
        next_close(&cal, "2026-03-18T17:00:00+07:00"),
        Some(ts("2026-03-20T17:00:00+07:00"))
    );
}

#[test]
fn twenty_four_seven_counts_every_second() {
    let cal = builtin("24x7").unwrap();
    assert_eq!(cal.business_day_nanos(), DAY);
    let instants = [
        "2026-03-08T06:59:59Z",
        "2026-03-14T10:00:00+07:00",
        "2026-11-01T01:30:00-04:00",
        "2026-12-31T23:59:59.999999999Z",
        "2027-06-15T12:00:00.5Z",
    ];
    for s in instants {
        let t = ts(s);
        assert!(cal.is_open(t).unwrap(), "{s}");
        assert_eq!(cal.next_open(t).unwrap(), t);
        assert_eq!(cal.next_close(t).unwrap(), None);
        assert_eq!(cal.due(t, d("1h")).unwrap(), t + hours(1));
        assert_eq!(cal.due(t, d("3bd")).unwrap(), t + hours(72));
        assert_eq!(
            cal.due(t, d("1s")).unwrap(),
            t + SignedDuration::from_secs(1)
        );
        for u in instants {
            let u = ts(u);
            let expected = if u > t {
                u.duration_since(t)
            } else {
                SignedDuration::ZERO
            };
            assert_eq!(cal.elapsed(t, u).unwrap(), expected, "{t} → {u}");
        }
    }
    // A whole (leap-free) year in real seconds.
    assert_eq!(
        cal.elapsed(ts("2026-01-01T00:00:00Z"), ts("2027-01-01T00:00:00Z"))
            .unwrap(),
        hours(365 * 24)
    );
}

// ---------------------------------------------------------------------------------------
// Holiday coverage and business days
// ---------------------------------------------------------------------------------------

#[test]
fn coverage_gap_reports_computations_past_the_holiday_data() {
    let cal = innovasia();
    assert_eq!(
        cal.coverage_gap(
            ts("2026-01-05T09:00:00+07:00"),
            ts("2026-12-30T17:00:00+07:00")
        ),
        None
    );
    assert_eq!(
        cal.coverage_gap(
            ts("2026-03-16T09:00:00+07:00"),
            ts("2026-03-31T17:00:00+07:00")
        ),
        None
    );
    // From Thursday 30 December 2027, 10bd: Thu 30 and Fri 31 (2), then 2028 (no holiday
    // data): Mon 3 - Fri 7 January (7), Mon 10, Tue 11, Wed 12 (10).
    let start = ts("2027-12-30T09:00:00+07:00");
    let due = cal.due(start, d("10bd")).unwrap();
    assert_eq!(due, ts("2028-01-12T17:00:00+07:00"));
    let gap: CoverageGap = cal
        .coverage_gap(start, due)
        .expect("2028 is outside id-national");
    assert_eq!(gap.set, "id-national");
    assert_eq!(gap.date, jiff::civil::date(2028, 1, 12));
    assert_eq!(gap.coverage.first, jiff::civil::date(2024, 1, 1));
    assert_eq!(gap.coverage.last, jiff::civil::date(2027, 12, 31));
    // The boundary is the local date: 2027-12-31T17:00Z is already 2028 in Jakarta.
    assert_eq!(
        cal.coverage_gap(start, ts("2027-12-31T23:59:59+07:00")),
        None
    );
    assert!(
        cal.coverage_gap(start, ts("2027-12-31T17:00:00Z"))
            .is_some()
    );
    // Before the data starts.
    let gap = cal
        .coverage_gap(
            ts("2023-12-29T09:00:00+07:00"),
            ts("2024-01-02T09:00:00+07:00"),
        )
        .unwrap();
    assert_eq!(gap.date, jiff::civil::date(2023, 12, 29));
    // A calendar without holiday sets has no gaps.
    assert_eq!(builtin("24x7").unwrap().coverage_gap(start, due), None);
}

#[test]
fn business_days_are_the_longest_day() {
    let cal = innovasia();
    assert_eq!(cal.business_day_nanos(), 8 * 3600 * NANOS_PER_SECOND);
    // Monday 2026-03-09 09:00 + 3bd = 24h of business time = Wednesday 17:00.
    assert_eq!(
        due(&cal, "2026-03-09T09:00:00+07:00", "3bd"),
        ts("2026-03-11T17:00:00+07:00")
    );
    assert_eq!(
        due(&cal, "2026-03-09T13:00:00+07:00", "3bd"),
        ts("2026-03-12T13:00:00+07:00")
    );
    assert_eq!(
        due(&cal, "2026-03-09T13:00:00+07:00", "1bd4h"),
        ts("2026-03-10T17:00:00+07:00")
    );
    for start in [
        "2026-03-09T13:00:00+07:00",
        "2026-03-13T16:30:00+07:00",
        "2026-03-17T11:00:00+07:00",
        "2026-12-23T10:00:00+07:00",
    ] {
        assert_eq!(due(&cal, start, "3bd"), due(&cal, start, "24h"), "{start}");
        assert_eq!(
            elapsed(&cal, start, &due(&cal, start, "3bd").to_string()),
            hours(24)
        );
    }
    // The other presets.
    let cases = [
        (
            "ampocloud",
            9 * 60,
            "2026-03-09T09:30:00+07:00",
            "2026-03-09T18:30:00+07:00",
        ),
        (
            "kinobi",
            9 * 60,
            "2026-03-09T09:00:00+07:00",
            "2026-03-09T18:00:00+07:00",
        ),
        (
            "benemica",
            9 * 60,
            "2026-03-09T09:00:00+07:00",
            "2026-03-09T18:00:00+07:00",
        ),
        (
            "microsoft-unified",
            8 * 60 + 30,
            "2026-03-09T09:00:00+07:00",
            "2026-03-09T17:30:00+07:00",
        ),
    ];
    for (name, minutes, start, end) in cases {
        let cal = builtin(name).unwrap();
        assert_eq!(cal.business_day_nanos(), minutes * MINUTE, "{name}");
        assert_eq!(due(&cal, start, "1bd"), ts(end), "{name}");
        assert_eq!(next_close(&cal, start), Some(ts(end)), "{name}");
    }
    // An explicit business_day overrides the longest day.
    let cal = from_toml(
        r#"timezone = "Asia/Jakarta"
business_day = "4h"
[week]
mon = ["09:00-17:00"]
"#,
    );
    assert_eq!(
        due(&cal, "2026-03-09T09:00:00+07:00", "3bd"),
        ts("2026-03-16T13:00:00+07:00")
    );
}
