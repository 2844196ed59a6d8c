//! Property tests against brute-force references that decide every second on its own.

#![allow(clippy::unwrap_used)]

use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;
use tenggat_availability::*;
use tenggat_sla::DowntimeRule;

fn base() -> Timestamp {
    "2026-04-10T00:00:00Z".parse().unwrap()
}

fn t(sec: i64) -> Timestamp {
    base() + SignedDuration::from_secs(sec)
}

fn iv(a: i64, b: i64) -> Interval {
    Interval::new(t(a), t(b)).unwrap()
}

/// Random intervals inside `0..len` seconds.
fn intervals(len: i64, max: usize) -> impl Strategy<Value = Vec<(i64, i64)>> {
    prop::collection::vec((0..len, 1..len / 2), 0..max).prop_map(move |v| {
        v.into_iter()
            .map(|(a, l)| (a, (a + l).min(len)))
            .filter(|(a, b)| a < b)
            .collect()
    })
}

/// An outcome: 0 ok, 1 failed, 2 unreachable, 3 inconclusive.
fn outcome(k: u8) -> Outcome {
    match k {
        0 => Outcome::Ok,
        1 => Outcome::Failed(Failure::new(FailureKind::Unhealthy, "HTTP 500")),
        2 => Outcome::Failed(Failure::new(FailureKind::Unreachable, "timeout")),
        _ => Outcome::Inconclusive {
            reason: "prober offline".into(),
        },
    }
}

/// Samples at strictly increasing seconds within `0..len`.
fn stream_samples(check: &str, gaps: &[(i64, u8)]) -> Vec<Sample> {
    let mut at = 0;
    gaps.iter()
        .map(|(g, k)| {
            at += g;
            Sample {
                at: t(at),
                check: check.into(),
                location: "here".into(),
                outcome: outcome(*k),
            }
        })
        .collect()
}

/// The state of a stream at `s` seconds, the naive way: its last sample at or before, if it
/// is conclusive and younger than `stale`. `None`: unknown.
fn state_at(samples: &[Sample], s: i64, stale: i64) -> Option<&Outcome> {
    let last = samples.iter().rev().find(|x| x.at <= t(s))?;
    let age = t(s).duration_since(last.at).as_secs();
    match &last.outcome {
        Outcome::Inconclusive { .. } => None,
        _ if age >= stale => None,
        o => Some(o),
    }
}

fn is_failed(o: &Outcome) -> bool {
    matches!(o, Outcome::Failed(_))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Rounded down, never up: h/100 ≤ exact < (h + 1)/100.
    #[test]
    fn percent_is_the_floor(total in 1u64..5_000_000, down in 0u64..5_000_000) {
        let r = Ratio::from_downtime(total, down);
        let h = u128::from(r.percent().hundredths());
        let a = u128::from(total.saturating_sub(down));
        let m = u128::from(total);
        prop_assert!(h * m <= a * 10_000, "rounded up");
        prop_assert!(a * 10_000 < (h + 1) * m, "rounded down too far");
    }

    /// The tier from the exact ratio is the tier a customer reads off the figure shown
    /// (thresholds with two decimals): rounding down never changes the tier.
    #[test]
    fn tier_from_the_figure_shown(total in 1u64..100_000, down in 0u64..100_000) {
        let tiers = tenggat_sla::preset("innovasia").unwrap().unwrap().availability.unwrap().credits;
        let r = Ratio::from_downtime(total, down);
        let shown = r.percent().hundredths();
        let naive = tiers.iter().position(|t| {
            let below = (t.below * 100.0).round() as u32;
            let floor = t.at_least.map_or(0, |l| (l * 100.0).round() as u32);
            floor <= shown && shown < below
        });
        prop_assert_eq!(tier(&tiers, r).unwrap(), naive);
    }

    /// Minute verdicts against a second-by-second reference.
    #[test]
    fn slices_match_a_second_by_second_count(
        down in intervals(1_800, 6),
        excl in intervals(1_800, 3),
        nodata in intervals(1_800, 3),
    ) {
        let range = iv(0, 1_800);
        let eval = Evaluation {
            range,
            downtime: down.iter().map(|(a, b)| Downtime {
                interval: iv(*a, *b),
                cause: Cause::Quorum { failing_locations: 1, required: 1, locations: 1 },
            }).collect(),
            no_data: nodata.iter().map(|(a, b)| iv(*a, *b)).collect(),
        };
        let exclusions: Vec<Exclusion> = excl.iter().map(|(a, b)| Exclusion {
            interval: iv(*a, *b),
            reason: "force_majeure".into(),
            note: String::new(),
        }).collect();
        let slices = Slices::new(&eval, &exclusions).unwrap();
        let inside = |v: &[(i64, i64)], s: i64| v.iter().any(|(a, b)| *a <= s && s < *b);
        let mut counts = Counts::default();
        for minute in 0..30 {
            let secs = minute * 60..minute * 60 + 60;
            let bad = secs.clone().any(|s| inside(&down, s) && !inside(&excl, s));
            let ex = secs.clone().any(|s| inside(&excl, s));
            let nd = secs.clone().any(|s| inside(&nodata, s));
            let got = slices.get(Minute::containing(t(minute * 60))).unwrap();
            let want = if bad { "bad" } else if ex { "excluded" } else if nd { "no_data" } else { "good" };
            let kind = match got {
                Verdict::Bad { .. } => { counts.downtime += 1; "bad" }
                Verdict::Excluded { .. } => { counts.excluded += 1; "excluded" }
                Verdict::NoData => { counts.no_data += 1; "no_data" }
                Verdict::Good => { counts.good += 1; "good" }
            };
            prop_assert_eq!(kind, want, "minute {}", minute);
        }
        prop_assert_eq!(slices.count(range).unwrap(), counts);
    }

    /// `ConsecutiveFailures` against a naive scan of each second.
    #[test]
    fn consecutive_failures_match_a_naive_scan(
        gaps in prop::collection::vec((1i64..200, 0u8..4), 0..40),
        count in 1u32..4,
        within in 0i64..400,
        stale in 30i64..300,
    ) {
        let samples = stream_samples("api", &gaps);
        let rules = [DowntimeRule::ConsecutiveFailures { count, within: SignedDuration::from_secs(within) }];
        let monitored = Monitored {
            streams: vec![Stream::new("api", "here")],
            stale_after: SignedDuration::from_secs(stale),
        };
        let len: i64 = gaps.iter().map(|g| g.0).sum::<i64>() + stale + 10;
        let eval = evaluate(&rules, &monitored, &samples, iv(0, len)).unwrap();
        let n = count as usize;
        for s in 0..len {
            // The last sample at or before s, and whether it still holds.
            let k = samples.iter().rposition(|x| x.at <= t(s));
            let fresh = k.is_some_and(|k| {
                t(s).duration_since(samples[k].at).as_secs() < stale
                    && !matches!(samples[k].outcome, Outcome::Inconclusive { .. })
            });
            let down = match k {
                Some(k) if fresh && is_failed(&samples[k].outcome) => {
                    let linked = |j: usize| is_failed(&samples[j].outcome)
                        && samples[j].at.duration_since(samples[j - 1].at).as_secs() <= stale;
                    let mut b = k;
                    while b > 0 && is_failed(&samples[b - 1].outcome) && linked(b) { b -= 1; }
                    let mut e = k;
                    while e + 1 < samples.len() && linked(e + 1) { e += 1; }
                    (b..=e).filter(|i| i + n - 1 <= e).any(|i| {
                        samples[i + n - 1].at.duration_since(samples[i].at).as_secs() <= within
                            && samples[i].at <= t(s)
                    })
                }
                _ => false,
            };
            prop_assert_eq!(eval.is_down(t(s)), down, "second {}", s);
            prop_assert_eq!(eval.is_no_data(t(s)), !fresh, "second {} (no data)", s);
        }
    }

    /// `FailingShareOver` and `UnreachableQuorum` against a naive count at each second.
    #[test]
    fn snapshot_rules_match_a_naive_count(
        streams in prop::collection::vec(prop::collection::vec((1i64..120, 0u8..4), 0..12), 1..5),
        pct in 0u32..=100,
        stale in 30i64..200,
    ) {
        let samples: Vec<Vec<Sample>> = streams
            .iter()
            .enumerate()
            .map(|(i, g)| {
                let mut v = stream_samples(&format!("tx{i}"), g);
                for x in &mut v { x.location = format!("loc{i}"); }
                v
            })
            .collect();
        let all: Vec<Sample> = samples.iter().flatten().cloned().collect();
        let monitored = Monitored {
            streams: (0..streams.len()).map(|i| Stream::new(format!("tx{i}"), format!("loc{i}"))).collect(),
            stale_after: SignedDuration::from_secs(stale),
        };
        let len = 12 * 120 + stale + 10;
        let total = streams.len() as u32;
        let quorum = 1 + pct % total;
        let share = evaluate(&[DowntimeRule::FailingShareOver(f64::from(pct))], &monitored, &all, iv(0, len)).unwrap();
        let q = evaluate(&[DowntimeRule::UnreachableQuorum(quorum)], &monitored, &all, iv(0, len)).unwrap();
        for s in 0..len {
            let states: Vec<Option<&Outcome>> = samples.iter().map(|v| state_at(v, s, stale)).collect();
            let failing = states.iter().filter(|o| o.is_some_and(is_failed)).count() as u32;
            let unreachable = states.iter().filter(|o| matches!(o, Some(Outcome::Failed(f)) if f.kind == FailureKind::Unreachable)).count() as u32;
            let unknown = states.iter().filter(|o| o.is_none()).count() as u32;
            let holds = |f: u32, u: u32| f * 100 > pct * total || u == total;
            let (down, nd) = (holds(failing, unreachable), holds(failing + unknown, unreachable + unknown));
            prop_assert_eq!(share.is_down(t(s)), down, "share, second {}", s);
            prop_assert_eq!(share.is_no_data(t(s)), nd && !down, "share no data, second {}", s);
            // One stream per location: a location fails when its stream does.
            let qd = failing >= quorum;
            prop_assert_eq!(q.is_down(t(s)), qd, "quorum, second {}", s);
            prop_assert_eq!(q.is_no_data(t(s)), !qd && failing + unknown >= quorum, "quorum no data, second {}", s);
        }
    }
}

/// Runs as `(kind, start, end)` seconds, adjacent runs of one kind merged, clipped to
/// `[0, until)`.
fn normalised(runs: &[Run], until: Timestamp) -> Vec<(RunKind, i64, i64)> {
    let secs = |x: Timestamp| x.duration_since(base()).as_secs();
    let mut out: Vec<(RunKind, i64, i64)> = Vec::new();
    for r in runs {
        let end = r.interval.end().min(until);
        if r.interval.start() >= end {
            continue;
        }
        let (a, b) = (secs(r.interval.start()), secs(end));
        match out.last_mut() {
            Some(last) if last.0 == r.kind && last.2 == a => last.2 = b,
            _ => out.push((r.kind, a, b)),
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// The timeline built step by step — each step reading only the samples that had
    /// arrived, from `read_from` on, and making final only what has settled — is the timeline
    /// of one evaluation over every sample.
    #[test]
    fn stepwise_equals_one_evaluation(
        rule in 0u8..3,
        // Mostly failures (long runs, sparse ones too), some successes and inconclusive.
        streams in prop::collection::vec(
            prop::collection::vec((1i64..200, prop_oneof![1 => Just(0u8), 4 => 1u8..3, 1 => Just(3u8)]), 1..60),
            1..4,
        ),
        steps in prop::collection::vec(1i64..900, 1..40),
        count in 1u32..4,
        within in 0i64..400,
    ) {
        let rules = vec![match rule {
            0 => DowntimeRule::ConsecutiveFailures { count, within: SignedDuration::from_secs(within) },
            1 => DowntimeRule::FailingShareOver(50.0),
            _ => DowntimeRule::UnreachableQuorum(1),
        }];
        let stale = SignedDuration::from_secs(120);
        let monitored = Monitored {
            streams: (0..streams.len()).map(|i| Stream::new(format!("tx{i}"), "here")).collect(),
            stale_after: stale,
        };
        let samples: Vec<Sample> = streams
            .iter()
            .enumerate()
            .flat_map(|(i, g)| stream_samples(&format!("tx{i}"), g))
            .collect();
        let h = Horizons::new(&rules, stale, SignedDuration::ZERO);

        // Step by step.
        let mut stored: Vec<Run> = Vec::new();
        let mut from = t(0);
        let mut now = t(0);
        for step in &steps {
            now += SignedDuration::from_secs(*step);
            let down_start = stored
                .last()
                .filter(|r| r.kind == RunKind::Down && r.interval.end() == from)
                .map(|r| r.interval.start());
            let first = read_from(&h, from, down_start);
            let arrived: Vec<Sample> = samples
                .iter()
                .filter(|s| s.at >= first && s.at < now)
                .cloned()
                .collect();
            let step = advance(&rules, &monitored, &arrived, from, now, &h).unwrap();
            prop_assert!(step.until >= from);
            for r in step.runs {
                prop_assert!(r.interval.start() >= from && r.interval.end() <= step.until);
                match stored.last_mut() {
                    Some(last) if last.kind == r.kind && last.interval.end() == r.interval.start() => {
                        last.interval = Interval::new(last.interval.start(), r.interval.end()).unwrap();
                    }
                    _ => stored.push(r),
                }
            }
            from = step.until;
        }

        // At once.
        let whole = evaluate(&rules, &monitored, &samples, Interval::new(t(0), now).unwrap()).unwrap();
        let reference = runs_of(&whole);
        prop_assert_eq!(normalised(&stored, from), normalised(&reference, from));
    }
}
