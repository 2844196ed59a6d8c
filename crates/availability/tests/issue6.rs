//! The arithmetic "tests that must exist" of issue 6, through the public API from samples to
//! the monthly report.

#![allow(clippy::unwrap_used)]

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use tenggat_availability::claim::{self, ClaimDecision};
use tenggat_availability::*;
use tenggat_sla::Availability;

fn policy(name: &str) -> Availability {
    tenggat_sla::preset(name)
        .unwrap()
        .unwrap()
        .availability
        .unwrap()
}

fn jakarta() -> TimeZone {
    TimeZone::get("Asia/Jakarta").unwrap()
}

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn mins(m: i64) -> SignedDuration {
    SignedDuration::from_mins(m)
}

fn failed() -> Outcome {
    Outcome::Failed(Failure::new(FailureKind::Unhealthy, "HTTP 503"))
}

fn unreachable() -> Outcome {
    Outcome::Failed(Failure::new(FailureKind::Unreachable, "connect: refused"))
}

fn sample(check: &str, at: Timestamp, outcome: Outcome) -> Sample {
    Sample {
        at,
        check: check.into(),
        location: "jakarta".into(),
        outcome,
    }
}

/// AmpoCloud's backend API probed from one location every `every`, failing in `down`.
fn ampo_samples(
    from: Timestamp,
    to: Timestamp,
    every: SignedDuration,
    down: &[(Timestamp, Timestamp)],
) -> Vec<Sample> {
    let mut out = Vec::new();
    let mut t = from;
    while t < to {
        let bad = down.iter().any(|(a, b)| *a <= t && t < *b);
        out.push(sample(
            "backend_api",
            t,
            if bad { failed() } else { Outcome::Ok },
        ));
        t += every;
    }
    out
}

fn ampo_monitored() -> Monitored {
    Monitored {
        streams: vec![Stream::new("backend_api", "jakarta")],
        stale_after: mins(3),
    }
}

/// The AmpoCloud report of `month` with `minutes` of downtime starting on its 10th day.
fn ampo_month_with_downtime(month: &str, minutes: i64) -> MonthlyReport {
    let p = policy("ampocloud");
    let month: Month = month.parse().unwrap();
    let range = month.bounds(&jakarta()).unwrap();
    let start = range.start() + SignedDuration::from_hours(24 * 9 + 10);
    let samples = ampo_samples(
        range.start(),
        range.end(),
        mins(1),
        &[(start, start + mins(minutes))],
    );
    let eval = evaluate(&p.downtime, &ampo_monitored(), &samples, range).unwrap();
    let slices = Slices::new(&eval, &[]).unwrap();
    monthly_report(&p, "backend_api", month, &jakarta(), &slices, 0).unwrap()
}

#[test]
fn month_lengths_31_30_28_29() {
    for (m, days) in [
        ("2026-03", 31),
        ("2026-04", 30),
        ("2026-02", 28),
        ("2028-02", 29),
    ] {
        let r = ampo_month_with_downtime(m, 0);
        assert_eq!(r.minutes_in_month, days * 1440, "{m}");
        assert_eq!(
            r.counts.total(),
            days * 1440,
            "{m}: every minute has a verdict"
        );
        assert_eq!(r.availability.to_string(), "100.00");
    }
}

#[test]
fn two_hundred_twenty_minutes_of_downtime() {
    // 30 days: (43 200 − 220) / 43 200 × 100 = 99.490740… → 99.49, below 99.5.
    let r = ampo_month_with_downtime("2026-04", 220);
    assert_eq!(r.counts.downtime, 220);
    assert_eq!(r.availability.to_string(), "99.49");
    assert!(!r.target_met);
    assert_eq!(r.credit, None, "AmpoCloud has no credit table");
    // 31 days: (44 640 − 220) / 44 640 × 100 = 99.507168… → 99.50, the target is met.
    let r = ampo_month_with_downtime("2026-03", 220);
    assert_eq!(r.counts.downtime, 220);
    assert_eq!(r.availability.to_string(), "99.50");
    assert!(r.target_met);
    // 28 days: 99.454365… → 99.45; 29 days: 99.473180… → 99.47.
    assert_eq!(
        ampo_month_with_downtime("2026-02", 220)
            .availability
            .to_string(),
        "99.45"
    );
    assert_eq!(
        ampo_month_with_downtime("2028-02", 220)
            .availability
            .to_string(),
        "99.47"
    );
    // The most downtime a 31-day month allows at 99.5 %: 223 minutes (223.2 would be exact).
    assert!(ampo_month_with_downtime("2026-03", 223).target_met);
    assert!(!ampo_month_with_downtime("2026-03", 224).target_met);
}

/// Innovasia, four synthetic transactions probed every minute; `failing(t)` says how many
/// fail at `t` (the first ones).
fn innovasia_samples(
    from: Timestamp,
    to: Timestamp,
    failing: impl Fn(Timestamp) -> usize,
) -> Vec<Sample> {
    let mut out = Vec::new();
    let mut t = from;
    while t < to {
        let n = failing(t);
        for i in 0..4 {
            let o = if i < n { failed() } else { Outcome::Ok };
            out.push(sample(&format!("tx{i}"), t, o));
        }
        t += mins(1);
    }
    out
}

fn innovasia_monitored() -> Monitored {
    Monitored {
        streams: (0..4)
            .map(|i| Stream::new(format!("tx{i}"), "jakarta"))
            .collect(),
        stale_after: mins(3),
    }
}

/// The Innovasia report of April 2026 with `minutes` of downtime (3 of 4 transactions
/// failing) from April 10, 10:00 WIB, with `windows` of maintenance.
fn innovasia_april(
    minutes: i64,
    windows: &[MaintenanceWindow],
    fee: u64,
) -> (MonthlyReport, Exclusions) {
    let p = policy("innovasia");
    let month: Month = "2026-04".parse().unwrap();
    let range = month.bounds(&jakarta()).unwrap();
    let start = ts("2026-04-10T10:00:00+07:00");
    let end = start + mins(minutes);
    let samples = innovasia_samples(range.start(), range.end(), |t| {
        if start <= t && t < end { 3 } else { 0 }
    });
    let eval = evaluate(&p.downtime, &innovasia_monitored(), &samples, range).unwrap();
    let ex = Exclusions::build(&p, windows, &[]).unwrap();
    let slices = Slices::new(&eval, &ex.excluded).unwrap();
    let r = monthly_report(&p, "service", month, &jakarta(), &slices, fee).unwrap();
    (r, ex)
}

#[test]
fn credit_tier_boundaries_at_95_90_85() {
    let fee = 20_000_000; // Rp 20 000 000 a month
    let (r, _) = innovasia_april(2_160, &[], fee);
    assert_eq!(r.availability.to_string(), "95.00");
    assert!(r.target_met, "95.0 % meets a 95 % target");
    assert_eq!(r.credit, None, "95.0 % is not below 95.0 %");

    let (r, _) = innovasia_april(2_161, &[], fee);
    assert_eq!(r.availability.to_string(), "94.99");
    assert!(!r.target_met);
    assert_eq!(r.credit.unwrap().amount_minor, 2_000_000);

    let (r, _) = innovasia_april(4_320, &[], fee);
    assert_eq!(r.availability.to_string(), "90.00");
    let c = r.credit.unwrap();
    assert_eq!(
        (c.tier, c.credit_percent),
        (0, 10.0),
        "90.0 % is in 90.0 ≤ a < 95.0"
    );

    let (r, _) = innovasia_april(4_321, &[], fee);
    assert_eq!(r.credit.unwrap().credit_percent, 25.0);

    let (r, _) = innovasia_april(6_480, &[], fee);
    assert_eq!(r.availability.to_string(), "85.00");
    let c = r.credit.unwrap();
    assert_eq!(
        (c.tier, c.credit_percent),
        (1, 25.0),
        "85.0 % is in 85.0 ≤ a < 90.0"
    );
    assert_eq!(c.amount_minor, 5_000_000);

    let (r, _) = innovasia_april(6_481, &[], fee);
    assert_eq!(r.availability.to_string(), "84.99");
    let c = r.credit.unwrap();
    assert_eq!(
        (c.tier, c.credit_percent, c.amount_minor),
        (2, 50.0, 10_000_000)
    );
}

#[test]
fn maintenance_announced_47h_ahead_is_not_excluded_48h_is() {
    // Three of four transactions fail for two hours during the announced window.
    let start = ts("2026-04-10T10:00:00+07:00");
    let window = |hours: i64| MaintenanceWindow {
        interval: Interval::new(start, start + mins(120)).unwrap(),
        announced_at: start - SignedDuration::from_hours(hours),
        note: "database upgrade".into(),
    };
    let (r, ex) = innovasia_april(120, &[window(48)], 0);
    assert_eq!((r.counts.downtime, r.counts.excluded), (0, 120));
    assert_eq!(r.availability.to_string(), "100.00");
    assert!(ex.refused.is_empty());

    let (r, ex) = innovasia_april(120, &[window(47)], 0);
    assert_eq!((r.counts.downtime, r.counts.excluded), (120, 0));
    assert_eq!(r.availability.to_string(), "99.72"); // 43 080 / 43 200 = 99.7222…
    assert_eq!(
        ex.refused[0].why.to_string(),
        "announced 47h before, the policy needs 48h"
    );
}

#[test]
fn exclusions_do_not_shrink_the_denominator_and_do_not_cover_downtime_outside_them() {
    let p = policy("innovasia");
    let month: Month = "2026-04".parse().unwrap();
    let range = month.bounds(&jakarta()).unwrap();
    let start = ts("2026-04-10T10:00:00+07:00");
    // Down 10:00–11:00; the third-party exclusion covers 10:00–10:30:30.
    let samples = innovasia_samples(range.start(), range.end(), |t| {
        if start <= t && t < start + mins(60) {
            4
        } else {
            0
        }
    });
    let eval = evaluate(&p.downtime, &innovasia_monitored(), &samples, range).unwrap();
    let dns = Exclusion {
        interval: Interval::new(start, start + mins(30) + SignedDuration::from_secs(30)).unwrap(),
        reason: "third_party".into(),
        note: "DNS provider outage".into(),
    };
    let ex = Exclusions::build(&p, &[], &[dns]).unwrap();
    let slices = Slices::new(&eval, &ex.excluded).unwrap();
    let r = monthly_report(&p, "service", month, &jakarta(), &slices, 0).unwrap();
    // 10:30 is partly downtime outside the exclusion: bad.
    assert_eq!((r.counts.excluded, r.counts.downtime), (30, 30));
    assert_eq!(r.minutes_in_month, 43_200);
}

#[test]
fn claims_day_30_accepted_day_31_refused() {
    let tz = jakarta();
    // February 2028 (29 days) ends at March 1 00:00 WIB; day 30 is March 30.
    let feb: Month = "2028-02".parse().unwrap();
    let p = policy("innovasia");
    assert!(matches!(
        claim::decide_for(&p, feb, &tz, ts("2028-03-30T23:59:59+07:00")).unwrap(),
        ClaimDecision::Accepted { day: 30, .. }
    ));
    let ClaimDecision::Refused(why) =
        claim::decide_for(&p, feb, &tz, ts("2028-03-31T00:00:00+07:00")).unwrap()
    else {
        panic!("day 31 must be refused")
    };
    assert_eq!(
        why.to_string(),
        "claimed on day 31 after the end of 2028-02; the policy allows 30 days"
    );
    assert_eq!(
        claim::deadline(feb, &tz, 30).unwrap(),
        ts("2028-03-31T00:00:00+07:00")
    );
}

#[test]
fn downtime_across_a_month_boundary_is_split() {
    let p = policy("ampocloud");
    let tz = jakarta();
    let march: Month = "2026-03".parse().unwrap();
    let april = march.next().unwrap();
    let range = Interval::new(march.start(&tz).unwrap(), april.bounds(&tz).unwrap().end()).unwrap();
    // Down from March 31, 23:45 WIB to April 1, 00:20 WIB: 15 + 20 minutes.
    let a = ts("2026-03-31T23:45:00+07:00");
    let b = ts("2026-04-01T00:20:00+07:00");
    let samples = ampo_samples(range.start(), range.end(), mins(1), &[(a, b)]);
    let eval = evaluate(&p.downtime, &ampo_monitored(), &samples, range).unwrap();
    assert_eq!(eval.downtime.len(), 1);
    assert_eq!(eval.downtime[0].interval, Interval::new(a, b).unwrap());
    let slices = Slices::new(&eval, &[]).unwrap();
    let m = monthly_report(&p, "backend_api", march, &tz, &slices, 0).unwrap();
    let n = monthly_report(&p, "backend_api", april, &tz, &slices, 0).unwrap();
    assert_eq!((m.counts.downtime, n.counts.downtime), (15, 20));

    // A run confirmed only after the boundary still dates the downtime from its first failure:
    // March 31 23:58 WIB fails, April 1 00:00 fails (probes every 2 minutes), 00:02 is ok.
    let a = ts("2026-03-31T23:58:00+07:00");
    let samples = ampo_samples(range.start(), range.end(), mins(2), &[(a, a + mins(3))]);
    let monitored = Monitored {
        stale_after: mins(5),
        ..ampo_monitored()
    };
    let eval = evaluate(
        &p.downtime,
        &monitored,
        &samples,
        march.bounds(&tz).unwrap(),
    )
    .unwrap();
    assert_eq!(eval.downtime.len(), 1, "{eval:?}");
    assert_eq!(eval.downtime[0].interval.start(), a);
    assert_eq!(
        eval.downtime[0].interval.end(),
        march.bounds(&tz).unwrap().end()
    );
}

#[test]
fn ampocloud_two_consecutive_failures_within_five_minutes() {
    let p = policy("ampocloud");
    let range = Interval::new(ts("2026-04-10T09:00:00Z"), ts("2026-04-10T11:00:00Z")).unwrap();
    let at = |hm: &str| ts(&format!("2026-04-10T{hm}:00Z"));
    let s = |hm: &str, o: Outcome| sample("backend_api", at(hm), o);

    // Every minute: ok until 10:00, failing 10:00 and 10:01, ok again at 10:05.
    let mut samples = ampo_samples(range.start(), at("10:00"), mins(1), &[]);
    samples.extend([
        s("10:00", failed()),
        s("10:01", failed()),
        s("10:02", failed()),
        s("10:03", unreachable()),
        s("10:04", failed()),
        s("10:05", Outcome::Ok),
    ]);
    samples.extend(ampo_samples(at("10:06"), range.end(), mins(1), &[]));
    let eval = evaluate(&p.downtime, &ampo_monitored(), &samples, range).unwrap();
    assert_eq!(eval.downtime.len(), 1);
    assert_eq!(
        eval.downtime[0].interval,
        Interval::new(at("10:00"), at("10:05")).unwrap(),
        "opens at the first failure of the run, closes at the first success"
    );
    let slices = Slices::new(&eval, &[]).unwrap();
    let bad = slices
        .verdicts()
        .iter()
        .filter(|v| matches!(v, Verdict::Bad { .. }))
        .count();
    assert_eq!(bad, 5);

    // A single failure is not downtime.
    let samples = ampo_samples(
        range.start(),
        range.end(),
        mins(1),
        &[(at("10:00"), at("10:01"))],
    );
    let eval = evaluate(&p.downtime, &ampo_monitored(), &samples, range).unwrap();
    assert!(eval.downtime.is_empty());

    // A probe every 6 minutes: two failures in a row are 6 minutes apart, not within 5.
    let slow = Monitored {
        stale_after: mins(13),
        ..ampo_monitored()
    };
    let samples = ampo_samples(
        range.start(),
        range.end(),
        mins(6),
        &[(at("10:00"), at("10:13"))],
    );
    assert_eq!(
        samples.iter().filter(|s| s.outcome != Outcome::Ok).count(),
        3
    );
    let eval = evaluate(&p.downtime, &slow, &samples, range).unwrap();
    assert!(eval.downtime.is_empty(), "{:?}", eval.downtime);
    // Every 5 minutes, two failures are exactly 5 minutes apart: within the period.
    let samples = ampo_samples(
        range.start(),
        range.end(),
        mins(5),
        &[(at("10:00"), at("10:10"))],
    );
    let eval = evaluate(&p.downtime, &slow, &samples, range).unwrap();
    assert_eq!(
        eval.downtime[0].interval,
        Interval::new(at("10:00"), at("10:10")).unwrap()
    );
}

#[test]
fn innovasia_more_than_half_of_four_transactions() {
    let p = policy("innovasia");
    let range = Interval::new(ts("2026-04-10T09:00:00Z"), ts("2026-04-10T11:00:00Z")).unwrap();
    let at = |hm: &str| ts(&format!("2026-04-10T{hm}:00Z"));
    let eval_with = |n: usize| {
        let samples = innovasia_samples(range.start(), range.end(), |t| {
            if at("10:00") <= t && t < at("10:10") {
                n
            } else {
                0
            }
        });
        evaluate(&p.downtime, &innovasia_monitored(), &samples, range).unwrap()
    };
    assert!(
        eval_with(2).downtime.is_empty(),
        "2 of 4 failing is 50 %: up"
    );
    let e = eval_with(3);
    assert_eq!(e.downtime.len(), 1, "3 of 4 failing is 75 %: down");
    assert_eq!(
        e.downtime[0].interval,
        Interval::new(at("10:00"), at("10:10")).unwrap()
    );
    assert!(matches!(
        e.downtime[0].cause,
        Cause::FailingShare {
            failing: 3,
            monitored: 4,
            ..
        }
    ));

    // "cannot be reached at all": every transaction unreachable.
    let mut samples = innovasia_samples(range.start(), at("10:00"), |_| 0);
    for i in 0..4 {
        samples.push(sample(&format!("tx{i}"), at("10:00"), unreachable()));
    }
    samples.extend(innovasia_samples(at("10:01"), range.end(), |_| 0));
    let e = evaluate(&p.downtime, &innovasia_monitored(), &samples, range).unwrap();
    assert!(matches!(
        e.downtime[0].cause,
        Cause::FailingShare {
            failing: 4,
            unreachable: 4,
            ..
        }
    ));
}

#[test]
fn an_unreachable_service_is_down_even_with_a_share_of_100() {
    let rules = [tenggat_sla::DowntimeRule::FailingShareOver(100.0)];
    let range = Interval::new(ts("2026-04-10T09:00:00Z"), ts("2026-04-10T09:10:00Z")).unwrap();
    let at = ts("2026-04-10T09:05:00Z");
    let mut samples: Vec<Sample> = (0..4)
        .map(|i| sample(&format!("tx{i}"), at, unreachable()))
        .collect();
    let e = evaluate(&rules, &innovasia_monitored(), &samples, range).unwrap();
    assert_eq!(e.downtime[0].interval.start(), at);
    // All failing, but one answered: more than 100 % can never fail.
    samples[0].outcome = failed();
    let e = evaluate(&rules, &innovasia_monitored(), &samples, range).unwrap();
    assert!(e.downtime.is_empty());
}

#[test]
fn no_data_is_never_downtime() {
    let p = policy("innovasia");
    let range = Interval::new(ts("2026-04-10T09:00:00Z"), ts("2026-04-10T09:10:00Z")).unwrap();
    let at = ts("2026-04-10T09:05:00Z");
    let cut = Outcome::Inconclusive {
        reason: "prober offline".into(),
    };
    let snapshot = |outcomes: [Outcome; 4]| {
        let samples: Vec<Sample> = outcomes
            .into_iter()
            .enumerate()
            .map(|(i, o)| sample(&format!("tx{i}"), at, o))
            .collect();
        evaluate(&p.downtime, &innovasia_monitored(), &samples, range).unwrap()
    };
    // Two failing, one unknown: it could be 3 of 4 — no data, not downtime.
    let e = snapshot([failed(), failed(), cut.clone(), Outcome::Ok]);
    assert!(e.downtime.is_empty());
    assert!(e.is_no_data(at));
    // One failing, one unknown: at most 2 of 4 — up.
    let e = snapshot([failed(), cut.clone(), Outcome::Ok, Outcome::Ok]);
    assert!(!e.is_no_data(at) && !e.is_down(at));
    // Three failing, one unknown: down whatever the fourth does.
    let e = snapshot([failed(), failed(), failed(), cut]);
    assert!(e.is_down(at));

    // AmpoCloud: the prober is cut off in the middle of an outage.
    let p = policy("ampocloud");
    let range = Interval::new(ts("2026-04-10T10:00:00Z"), ts("2026-04-10T10:20:00Z")).unwrap();
    let m = |i: i64| ts("2026-04-10T10:00:00Z") + mins(i);
    let mut samples: Vec<Sample> = (0..5)
        .map(|i| sample("backend_api", m(i), failed()))
        .collect();
    samples.extend((5..10).map(|i| sample("backend_api", m(i), cut_off())));
    samples.extend((10..20).map(|i| sample("backend_api", m(i), failed())));
    let eval = evaluate(&p.downtime, &ampo_monitored(), &samples, range).unwrap();
    let slices = Slices::new(&eval, &[]).unwrap();
    let c = slices.count(range).unwrap();
    // 10:00–10:05 down, 10:05–10:10 no data, 10:10 onwards down again (a new run).
    assert_eq!((c.downtime, c.no_data, c.good), (15, 5, 0));
}

fn cut_off() -> Outcome {
    Outcome::Inconclusive {
        reason: "prober offline".into(),
    }
}

#[test]
fn quorum_of_probe_locations() {
    let rules = [tenggat_sla::DowntimeRule::UnreachableQuorum(2)];
    let locations = ["jakarta", "singapore", "tokyo"];
    let monitored = Monitored {
        streams: locations.iter().map(|l| Stream::new("web", *l)).collect(),
        stale_after: mins(3),
    };
    let range = Interval::new(ts("2026-04-10T09:00:00Z"), ts("2026-04-10T09:10:00Z")).unwrap();
    let at = ts("2026-04-10T09:05:00Z");
    let run = |failing: usize| {
        let samples: Vec<Sample> = locations
            .iter()
            .enumerate()
            .map(|(i, l)| Sample {
                at,
                check: "web".into(),
                location: (*l).into(),
                outcome: if i < failing {
                    unreachable()
                } else {
                    Outcome::Ok
                },
            })
            .collect();
        evaluate(&rules, &monitored, &samples, range).unwrap()
    };
    assert!(!run(1).is_down(at), "one location failing: its own network");
    assert!(run(2).is_down(at));
    assert!(matches!(
        run(3).downtime[0].cause,
        Cause::Quorum {
            failing_locations: 3,
            required: 2,
            locations: 3
        }
    ));
    let too_many = [tenggat_sla::DowntimeRule::UnreachableQuorum(4)];
    let e = evaluate(&too_many, &monitored, &[], range).unwrap_err();
    assert_eq!(e.code(), "availability.rule");
}
