//! Property tests: the engine against the brute-force reference of `common/mod.rs`, and the
//! algebraic invariants of `due` and `elapsed`, on random calendars.
//!
//! Random calendars have 1–3 working intervals on each open day (some days closed, at least
//! one open; boundaries on whole minutes, biased towards midnight, 24:00 and the hours DST
//! moves; a few weeks open around the clock), a zone among Asia/Jakarta, UTC, America/New_York, Europe/London and
//! Australia/Lord_Howe (a 30-minute DST shift), a few extra holidays near the start and
//! sometimes the `id-national` set. Starts lie in 2025–2027 and are biased towards the zone's
//! DST transitions and towards interval boundaries. Durations run from zero to 60 business
//! days, mostly small so that the minute-by-minute reference stays fast.

// Test helpers unwrap freely: a failure is a test failure.
#![allow(clippy::unwrap_used)]

mod common;

use common::{CalSpec, MINUTE, Reference, add_minutes, on_minute};
use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, ToSpan};
use proptest::prelude::*;
use tenggat_time::{BusinessDuration, Calendar, HolidaySet};

const ZONES: [&str; 5] = [
    "Asia/Jakarta",
    "UTC",
    "America/New_York",
    "Europe/London",
    "Australia/Lord_Howe",
];

/// Three times the cases where the code is optimised; the debug profile (what CI runs)
/// still runs 1,500–8,000 cases per property (about 30 s on two cores).
/// `TENGGAT_PROPTEST_SCALE=<n>` multiplies the counts for a longer hunt.
const SCALE: u32 = if cfg!(debug_assertions) { 1 } else { 3 };

fn config(cases: u32) -> ProptestConfig {
    let extra = std::env::var("TENGGAT_PROPTEST_SCALE")
        .ok()
        .and_then(|s| s.parse::<u32>().ok())
        .unwrap_or(1);
    ProptestConfig {
        cases: cases * SCALE * extra,
        max_shrink_iters: 2_000,
        ..ProptestConfig::default()
    }
}

/// 2025-01-01T00:00:00Z, the start of the range random starts are drawn from.
fn base() -> Timestamp {
    "2025-01-01T00:00:00Z".parse().unwrap()
}

/// Minutes in the three years 2025–2027.
const RANGE_MINUTES: i64 = 3 * 365 * 1440;

// ---------------------------------------------------------------------------------------
// Strategies
// ---------------------------------------------------------------------------------------

/// A boundary of a working interval, minutes after local midnight.
fn boundary() -> impl Strategy<Value = i64> {
    prop_oneof![
        3 => 0..=1440i64,
        2 => (0..=48i64).prop_map(|h| h * 30),
        2 => prop::sample::select(vec![0i64, 60, 90, 120, 150, 180, 240, 540, 720, 780, 1020, 1440]),
    ]
}

/// One day's intervals: closed, or 1–3 sorted intervals that may touch.
fn day() -> impl Strategy<Value = Vec<(i64, i64)>> {
    prop_oneof![
        1 => Just(Vec::new()),
        3 => (1..=3usize).prop_flat_map(|k| prop::collection::vec(boundary(), 2 * k))
        .prop_map(|mut points| {
            points.sort_unstable();
            points
                .chunks(2)
                .filter(|c| c[0] < c[1])
                .map(|c| (c[0], c[1]))
                .collect()
        }),
    ]
}

/// A random calendar, holidays given as day offsets from the start's local date.
#[derive(Debug, Clone)]
struct CalShape {
    zone: &'static str,
    week: [Vec<(i64, i64)>; 7],
    holiday_offsets: Vec<i64>,
    national: bool,
    /// An explicit `business_day`, in eighths of the longest day (so that 60bd stays within
    /// about 90 weeks for the reference to walk).
    business_day_eighths: Option<i64>,
}

fn cal_shape() -> impl Strategy<Value = CalShape> {
    // A third of the weeks repeat one day's pattern on every open day, so that the
    // (Sunday) DST transition days are working days with the same hours as the rest.
    // A few are open around the clock (stretches that end only at holidays).
    let week = prop_oneof![
        16 => prop::array::uniform7(day()),
        8 => (day(), prop::array::uniform7(prop::bool::weighted(0.85)))
            .prop_map(|(pattern, open)| std::array::from_fn(|d| if open[d] { pattern.clone() } else { Vec::new() })),
        1 => Just(std::array::from_fn(|_| vec![(0, 1440)])),
    ];
    (
        prop::sample::select(ZONES.to_vec()),
        week,
        prop::collection::vec(-3..60i64, 0..=5usize),
        prop::bool::weighted(0.25),
        prop::option::weighted(0.2, 1..=12i64),
    )
        .prop_map(
            |(zone, mut week, holiday_offsets, national, business_day_eighths)| {
                if week.iter().all(Vec::is_empty) {
                    week[0] = vec![(540, 1020)];
                }
                CalShape {
                    zone,
                    week,
                    holiday_offsets,
                    national,
                    business_day_eighths,
                }
            },
        )
}

/// Where a start lies; resolved against the calendar in [`resolve_start`].
#[derive(Debug, Clone)]
enum StartSpec {
    /// Minutes after 2025-01-01T00:00Z.
    Uniform(i64),
    /// Minutes from one of the zone's transitions in 2025–2027 (uniform if it has none).
    NearTransition(usize, i64),
    /// Minutes from the start or end of an interval on the local date `day` days after
    /// 2025-01-01 (or the next day with intervals).
    NearBoundary {
        day: i64,
        pick: usize,
        end: bool,
        delta: i64,
    },
}

fn start_spec() -> impl Strategy<Value = StartSpec> {
    prop_oneof![
        2 => (0..RANGE_MINUTES).prop_map(StartSpec::Uniform),
        2 => (any::<usize>(), prop_oneof![2 => -240..=0i64, 1 => 0..=240i64, 1 => -2880..=2880i64])
            .prop_map(|(i, d)| StartSpec::NearTransition(i, d)),
        2 => (0..3 * 365i64, any::<usize>(), any::<bool>(), prop_oneof![3 => Just(0i64), 1 => -3..=3i64])
            .prop_map(|(day, pick, end, delta)| StartSpec::NearBoundary { day, pick, end, delta }),
    ]
}

/// A duration as (business days, minutes), mostly small.
fn duration_spec() -> impl Strategy<Value = (i64, i64)> {
    prop_oneof![
        1 => Just((0i64, 0i64)),
        8 => (Just(0i64), 1..=600i64),
        3 => (0..=3i64, 0..=720i64),
        1 => (4..=60i64, 0..=1440i64),
    ]
}

/// The transitions of `tz` in 2025–2027.
fn transitions(tz: &TimeZone) -> Vec<Timestamp> {
    let end = add_minutes(base(), RANGE_MINUTES);
    tz.following(base())
        .map(|t| t.timestamp())
        .take_while(|&t| t < end)
        .collect()
}

fn resolve_start(spec: &StartSpec, week: &[Vec<(i64, i64)>; 7], tz: &TimeZone) -> Timestamp {
    match *spec {
        StartSpec::Uniform(m) => add_minutes(base(), m),
        StartSpec::NearTransition(i, delta) => {
            let all = transitions(tz);
            if all.is_empty() {
                add_minutes(base(), (i % RANGE_MINUTES as usize) as i64)
            } else {
                add_minutes(all[i % all.len()], delta)
            }
        }
        StartSpec::NearBoundary {
            day,
            pick,
            end,
            delta,
        } => {
            let mut date: Date = jiff::civil::date(2025, 1, 1)
                .checked_add(day.days())
                .unwrap();
            let mut intervals = &week[date.weekday().to_monday_zero_offset() as usize];
            while intervals.is_empty() {
                date = date.tomorrow().unwrap();
                intervals = &week[date.weekday().to_monday_zero_offset() as usize];
            }
            let (s, e) = intervals[pick % intervals.len()];
            let minutes = if end { e } else { s };
            let local: DateTime = date
                .to_datetime(jiff::civil::Time::midnight())
                .checked_add(minutes.minutes())
                .unwrap();
            // In a gap this is the instant the clocks jump at (jiff's "compatible" choice).
            let at = tz.to_ambiguous_timestamp(local).compatible().unwrap();
            add_minutes(at, delta)
        }
    }
}

/// A random calendar resolved around a start: the spec (for the reference), the engine's
/// calendar, the reference and the start (on a whole minute).
struct Case {
    spec: CalSpec,
    cal: Calendar,
    reference: Reference,
    start: Timestamp,
}

fn build(shape: &CalShape, start: &StartSpec) -> Case {
    let tz = TimeZone::get(shape.zone).unwrap();
    let start = resolve_start(start, &shape.week, &tz);
    let start_date = start.to_zoned(tz).date();
    let longest = shape
        .week
        .iter()
        .map(|d| d.iter().map(|&(s, e)| e - s).sum::<i64>())
        .max()
        .unwrap_or(0);
    let spec = CalSpec {
        zone: shape.zone.to_string(),
        week: shape.week.clone(),
        extra_holidays: shape
            .holiday_offsets
            .iter()
            .map(|&o| start_date.checked_add(o.days()).unwrap())
            .collect(),
        national: shape.national,
        business_day_minutes: shape
            .business_day_eighths
            .map(|f| (longest * f / 8).clamp(1, 1440)),
    };
    Case {
        cal: spec.calendar(),
        reference: spec.reference(),
        spec,
        start,
    }
}

/// Working minutes in one week without holidays.
fn weekly_minutes(spec: &CalSpec) -> i64 {
    spec.week.iter().flatten().map(|&(s, e)| e - s).sum()
}

fn nanos(t: Timestamp) -> i64 {
    i64::try_from(t.as_nanosecond()).unwrap()
}

fn minutes(n: i64) -> SignedDuration {
    SignedDuration::from_nanos(n * MINUTE)
}

/// The start of the UTC minute holding `t`.
fn floor_minute(t: Timestamp) -> Timestamp {
    let n = t.as_nanosecond();
    Timestamp::from_nanosecond(n - n.rem_euclid(i128::from(MINUTE))).unwrap()
}

// ---------------------------------------------------------------------------------------
// The engine against the reference
// ---------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config(3_000))]

    /// `due` is exactly the reference's earliest instant, for durations written both in
    /// business days and in minutes.
    #[test]
    fn due_matches_reference(shape in cal_shape(), start in start_spec(), (bd, m) in duration_spec()) {
        let case = build(&shape, &start);
        // At most four weeks' worth of minutes on top of the business days.
        let m = m.min(4 * weekly_minutes(&case.spec));
        let total = bd * case.reference.business_day_minutes + m;
        let expected = case.reference.due(case.start, total);
        let d = BusinessDuration { business_days: bd, nanos: m * MINUTE };
        let due = case.cal.due(case.start, d).unwrap();
        prop_assert_eq!(due, expected, "due({}, {}bd{}m = {}m) on {:?}", case.start, bd, m, total, case.spec);
        prop_assert_eq!(case.cal.resolve(d).unwrap(), total * MINUTE);
        prop_assert_eq!(case.cal.due_nanos(nanos(case.start), total * MINUTE).unwrap(), nanos(expected));
    }
}

proptest! {
    #![proptest_config(config(1_500))]

    /// A target that is exactly the business time up to some instant — often the zone's next
    /// change of offset, or just before it — is due at the reference's earliest instant, which
    /// is never after that instant (the last closing before it, when closed there).
    #[test]
    fn due_of_the_business_time_up_to_an_instant(
        shape in cal_shape(),
        start in start_spec(),
        to_transition in prop::bool::weighted(0.6),
        back in prop_oneof![2 => Just(0i64), 1 => 0..=180i64],
        span in 0..=7 * 1440i64,
    ) {
        let case = build(&shape, &start);
        let r = &case.reference;
        let next_change = transitions(r.tz())
            .into_iter()
            .find(|&t| t > case.start && t <= add_minutes(case.start, 10 * 1440));
        let target = match next_change {
            Some(t) if to_transition => add_minutes(t, -back).max(case.start),
            _ => add_minutes(case.start, span),
        };
        let d = r.elapsed_minutes(case.start, target);
        let expected = r.due(case.start, d);
        prop_assert!(expected <= target);
        let due = case.cal.due(case.start, BusinessDuration::from_secs(d * 60)).unwrap();
        prop_assert_eq!(due, expected, "due({}, {}m) (business time up to {}) on {:?}", case.start, d, target, case.spec);
        prop_assert_eq!(case.cal.elapsed(case.start, target).unwrap(), minutes(d));
    }
}

proptest! {
    #![proptest_config(config(6_000))]

    /// `next_open` is open (or `t` itself when open) and nothing before it is; `next_close`
    /// ends the open stretch that `next_open` starts.
    #[test]
    fn next_open_and_next_close_match_reference(
        shape in cal_shape(),
        start in start_spec(),
        jitter in prop_oneof![2 => Just(0i64), 1 => 0..MINUTE],
    ) {
        let case = build(&shape, &start);
        let r = &case.reference;
        let t = Timestamp::from_nanosecond(case.start.as_nanosecond() + i128::from(jitter)).unwrap();
        let open = case.cal.next_open(t).unwrap();
        prop_assert!(open >= t);
        prop_assert!(r.is_business(open), "next_open({}) = {} is closed", t, open);
        prop_assert!(case.cal.is_open(open).unwrap());
        if r.is_business(t) {
            prop_assert_eq!(open, t);
        } else {
            prop_assert!(on_minute(open), "next_open({}) = {} is not a boundary", t, open);
            let mut m = floor_minute(t);
            while m < open {
                prop_assert!(!r.is_business(m), "next_open({}) = {} but {} is open", t, open, m);
                m = add_minutes(m, 1);
            }
            prop_assert_eq!(case.cal.elapsed(t, open).unwrap(), SignedDuration::ZERO);
        }
        match case.cal.next_close(t).unwrap() {
            Some(close) => {
                prop_assert!(close > open, "next_close({}) = {} ≤ next_open {}", t, close, open);
                prop_assert!(on_minute(close));
                prop_assert!(!r.is_business(close), "next_close({}) = {} is open", t, close);
                prop_assert!(!case.cal.is_open(close).unwrap());
                let mut m = floor_minute(open);
                while m < close {
                    prop_assert!(r.is_business(m), "next_close({}) = {} but {} is closed", t, close, m);
                    m = add_minutes(m, 1);
                }
                prop_assert_eq!(case.cal.elapsed(open, close).unwrap(), close.duration_since(open));
            }
            None => {
                // Only a week that is open around the clock with no holiday ahead never closes.
                let full = case.spec.week.iter().all(|d| d.iter().map(|&(s, e)| e - s).sum::<i64>() == 1440);
                prop_assert!(full, "next_close({}) = None on {:?}", t, case.spec);
                let date = open.to_zoned(r.tz().clone()).date();
                prop_assert!(case.spec.extra_holidays.iter().all(|&h| h < date));
                // … and no national holiday after the open stretch's date (the data ends
                // with 2027-12-26).
                let national = HolidaySet::builtin("id-national").unwrap();
                prop_assert!(!case.spec.national || national.holidays.iter().all(|h| h.date <= date));
            }
        }
    }
}

proptest! {
    #![proptest_config(config(1_500))]

    /// `elapsed` counts exactly the reference's business minutes, and never more than the
    /// real time.
    #[test]
    fn elapsed_matches_reference(
        shape in cal_shape(),
        start in start_spec(),
        span in prop_oneof![1 => -1440..=0i64, 6 => 0..=1440i64, 3 => 0..=14 * 1440i64, 1 => 0..=45 * 1440i64],
    ) {
        let case = build(&shape, &start);
        let end = add_minutes(case.start, span);
        let expected = case.reference.elapsed_minutes(case.start, end);
        let got = case.cal.elapsed(case.start, end).unwrap();
        prop_assert_eq!(got, minutes(expected), "elapsed({}, {}) on {:?}", case.start, end, case.spec);
        prop_assert!(got <= minutes(span.max(0)));
        prop_assert_eq!(case.cal.elapsed_nanos(nanos(case.start), nanos(end)).unwrap(), expected * MINUTE);
    }

    /// `is_open` agrees with the reference's membership at instants anywhere in the next
    /// two weeks, on and off whole minutes.
    #[test]
    fn is_open_matches_reference(
        shape in cal_shape(),
        start in start_spec(),
        offsets in prop::collection::vec(prop_oneof![
            2 => (-1440..=20_160i64).prop_map(|m| m * MINUTE),
            1 => -1440 * MINUTE..=20_160 * MINUTE,
            1 => (-1440..=20_160i64).prop_map(|m| m * MINUTE - 1),
        ], 64),
    ) {
        let case = build(&shape, &start);
        for off in offsets {
            let t = Timestamp::from_nanosecond(case.start.as_nanosecond() + i128::from(off)).unwrap();
            prop_assert_eq!(
                case.cal.is_open(t).unwrap(),
                case.reference.is_business(t),
                "is_open({}) on {:?}", t, case.spec
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// Invariants (engine only, to the nanosecond)
// ---------------------------------------------------------------------------------------

/// A business duration in nanoseconds: zero, a few hours, or up to 60 business days, and
/// not on whole seconds.
fn nanos_duration() -> impl Strategy<Value = BusinessDuration> {
    prop_oneof![
        1 => Just(BusinessDuration::default()),
        4 => (0..=12 * 3600 * 1_000_000_000i64).prop_map(BusinessDuration::from_nanos),
        2 => (0..=60i64, 0..=86_400 * 1_000_000_000i64)
            .prop_map(|(business_days, nanos)| BusinessDuration { business_days, nanos }),
    ]
}

fn jitter() -> impl Strategy<Value = i64> {
    prop_oneof![2 => Just(0i64), 1 => -MINUTE..MINUTE, 1 => -1i64..=1]
}

proptest! {
    #![proptest_config(config(8_000))]

    /// `elapsed(a, due(a, d)) == d`; `due` is monotone in `d` and in the start and
    /// additive: `due(a, d1 + d2) == due(due(a, d1), d2)`.
    #[test]
    fn due_invariants(
        shape in cal_shape(),
        start in start_spec(),
        ja in jitter(),
        later in 0..=7 * 1440 * MINUTE,
        d1 in nanos_duration(),
        d2 in nanos_duration(),
    ) {
        let case = build(&shape, &start);
        let cal = &case.cal;
        let a = nanos(case.start) + ja;
        let (d1, d2) = (cal.resolve(d1).unwrap(), cal.resolve(d2).unwrap());
        let t1 = cal.due_nanos(a, d1).unwrap();
        let t2 = cal.due_nanos(a, d2).unwrap();
        let t12 = cal.due_nanos(a, d1 + d2).unwrap();
        for (d, t) in [(d1, t1), (d2, t2), (d1 + d2, t12)] {
            prop_assert!(t >= a && t - a >= d, "due({}, {}) = {} runs faster than real time", a, d, t);
            prop_assert_eq!(cal.elapsed_nanos(a, t).unwrap(), d, "elapsed(a, due(a, {})) on {:?}", d, case.spec);
            // Earliest: one nanosecond earlier is not enough.
            if d > 0 {
                prop_assert_eq!(cal.elapsed_nanos(a, t - 1).unwrap(), d - 1);
            }
        }
        // Strictly more business time is strictly later (and equal is equal).
        prop_assert_eq!(d1.cmp(&d2), t1.cmp(&t2), "due not monotone in d on {:?}", case.spec);
        prop_assert_eq!(cal.due_nanos(t1, d2).unwrap(), t12, "due(due(a, d1), d2) != due(a, d1 + d2) on {:?}", case.spec);
        // A later start is never due earlier.
        let b = a + later;
        prop_assert!(cal.due_nanos(b, d1).unwrap() >= t1);
        // elapsed is additive over any split point.
        let (x, y) = (t1.min(t2), t1.max(t2));
        prop_assert_eq!(
            cal.elapsed_nanos(a, y).unwrap(),
            cal.elapsed_nanos(a, x).unwrap() + cal.elapsed_nanos(x, y).unwrap()
        );
        prop_assert_eq!(cal.elapsed_nanos(y, a).unwrap(), 0);
    }
}
