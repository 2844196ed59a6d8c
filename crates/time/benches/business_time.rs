//! Criterion benchmarks of the business-time engine, side by side with the `workclock` crate
//! on the same calendar (Mon–Fri 09:00–17:00 Asia/Jakarta with the Indonesian national
//! holidays) and the same starts.
//!
//! Run: `cargo bench -p tenggat-time --bench business_time`.
#![allow(missing_docs, clippy::unwrap_used)]

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use jiff::civil::time;
use jiff::{SignedDuration, Timestamp};
use tenggat_time::{BusinessDuration, Calendar, HolidaySet, builtin};
use workclock::{Holidays, Schedule, Weekdays, WorkDay};

/// 1024 starts spread over 2025–2027 (a simple LCG: no dependency, same every run).
fn starts() -> Vec<Timestamp> {
    let first: Timestamp = "2025-01-01T00:00:00+07:00".parse().unwrap();
    let span = 3 * 365 * 86_400i64;
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..1024)
        .map(|_| {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let secs = ((x >> 33) as i64) % span;
            first + SignedDuration::from_secs(secs)
        })
        .collect()
}

fn workclock_innovasia() -> Schedule {
    let national = HolidaySet::builtin("id-national").unwrap();
    Schedule::builder()
        .time_zone("Asia/Jakarta")
        .rule(WorkDay::new(
            time(9, 0, 0, 0),
            time(17, 0, 0, 0),
            Weekdays::MON_TO_FRI,
        ))
        .rule(Holidays::new(national.holidays.iter().map(|h| h.date)))
        .build()
        .unwrap()
}

const TARGETS: [(&str, &str); 4] = [
    ("15m", "15m"),
    ("8h", "8h"),
    ("5bd", "5bd"),
    ("60bd", "60bd"),
];

fn bench_due(c: &mut Criterion) {
    let cal: Calendar = builtin("innovasia").unwrap();
    let wc = workclock_innovasia();
    let starts = starts();
    let mut group = c.benchmark_group("due_innovasia");
    for (label, text) in TARGETS {
        let d = BusinessDuration::parse(text).unwrap();
        let exact = SignedDuration::from_nanos(cal.resolve(d).unwrap());
        // Same answers on every bench case, or the comparison means nothing.
        for &s in &starts {
            assert_eq!(
                cal.due(s, d).unwrap(),
                wc.add(s, exact).unwrap(),
                "{s} + {label}"
            );
        }
        let mut i = 0usize;
        group.bench_function(BenchmarkId::new("tenggat", label), |b| {
            b.iter(|| {
                i = (i + 1) & 1023;
                black_box(cal.due(black_box(starts[i]), d).unwrap())
            })
        });
        let mut i = 0usize;
        group.bench_function(BenchmarkId::new("workclock", label), |b| {
            b.iter(|| {
                i = (i + 1) & 1023;
                black_box(wc.add(black_box(starts[i]), exact).unwrap())
            })
        });
    }
    group.finish();
}

fn bench_elapsed(c: &mut Criterion) {
    let cal = builtin("innovasia").unwrap();
    let wc = workclock_innovasia();
    let starts = starts();
    let month = SignedDuration::from_hours(24 * 30);
    for &s in &starts {
        assert_eq!(
            cal.elapsed(s, s + month).unwrap(),
            wc.between(s, s + month),
            "{s}"
        );
    }
    let mut group = c.benchmark_group("elapsed_innovasia_one_month");
    let mut i = 0usize;
    group.bench_function("tenggat", |b| {
        b.iter(|| {
            i = (i + 1) & 1023;
            let a = black_box(starts[i]);
            black_box(cal.elapsed(a, a + month).unwrap())
        })
    });
    let mut i = 0usize;
    group.bench_function("workclock", |b| {
        b.iter(|| {
            i = (i + 1) & 1023;
            let a = black_box(starts[i]);
            black_box(wc.between(a, a + month))
        })
    });
    group.finish();
}

fn bench_dst(c: &mut Criterion) {
    // A calendar in a DST zone: computations cross offset changes.
    let toml = "timezone = \"America/New_York\"\n[week]\nmon=[\"09:00-17:00\"]\ntue=[\"09:00-17:00\"]\nwed=[\"09:00-17:00\"]\nthu=[\"09:00-17:00\"]\nfri=[\"09:00-17:00\"]\n";
    let cal = Calendar::from_toml(toml, |_| Err(String::new())).unwrap();
    let starts = starts();
    let d = BusinessDuration::parse("60bd").unwrap();
    c.bench_function("due_new_york_60bd/tenggat", |b| {
        let mut i = 0usize;
        b.iter(|| {
            i = (i + 1) & 1023;
            black_box(cal.due(black_box(starts[i]), d).unwrap())
        })
    });
}

criterion_group!(benches, bench_due, bench_elapsed, bench_dst);
criterion_main!(benches);
