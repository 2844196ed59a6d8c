//! The availability timeline of a service, evaluated step by step as samples arrive.
//!
//! A server cannot evaluate a whole month of samples every minute, and must not keep raw
//! samples for ever. It keeps, per service, the **runs** of its timeline — downtime and
//! no-data stretches; everything evaluated and in no run was up — final up to an instant
//! `until`, and extends them with [`advance`] from the samples that arrived since.
//!
//! Two horizons ([`Horizons`]) make each step give exactly what one evaluation over all the
//! samples would give:
//!
//! - **lookback**: the state at `from` depends on samples before it (the failures that opened
//!   a run, the last sample of each stream while it is not stale). A step reads samples from
//!   [`read_from`]: `from − lookback`, or the start of the downtime still running at `from`,
//!   so a long run of failures is seen whole;
//! - **settle**: a verdict can change after its instant — a failure is confirmed as downtime by
//!   a later one up to the rule's window after it, and an agent's samples arrive late. A step
//!   only makes final what lies at least `settle` before `now`; the rest is the **live** state
//!   (down since when, up, or no data), which the status page shows and incidents are opened
//!   from.
//!
//! The property test `stepwise_equals_one_evaluation` checks the equivalence on random sample
//! streams and random step instants.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use tenggat_sla::DowntimeRule;

use crate::downtime::{Cause, Downtime};
use crate::error::AvailabilityError;
use crate::evaluate::{Evaluation, Monitored, evaluate};
use crate::interval::{Interval, subtract, union};
use crate::sample::Sample;

/// What a run of the timeline is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunKind {
    /// Downtime by the policy's rules.
    Down,
    /// No data (never downtime).
    NoData,
}

/// A stretch `[start, end)` of the timeline that was not up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Run {
    /// Down or no data.
    pub kind: RunKind,
    /// When.
    pub interval: Interval,
    /// For downtime, the cause found first (overlapping findings of several rules or streams
    /// make one run); `None` for no data.
    pub cause: Option<Cause>,
}

/// How far a step looks back and how long verdicts take to settle; see the module
/// documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Horizons {
    /// Samples this long before `from` are read.
    pub lookback: SignedDuration,
    /// Verdicts this long before `now` are final.
    pub settle: SignedDuration,
    /// The stale limit of the monitored streams (as in [`Monitored::stale_after`]).
    pub stale_after: SignedDuration,
}

impl Horizons {
    /// The horizons of `rules` with samples that go stale after `stale_after` and may
    /// arrive up to `report_delay` after their instant (probe agents report in batches).
    pub fn new(
        rules: &[DowntimeRule],
        stale_after: SignedDuration,
        report_delay: SignedDuration,
    ) -> Horizons {
        let window = rules
            .iter()
            .filter_map(|r| match r {
                DowntimeRule::ConsecutiveFailures { within, .. } => Some(*within),
                _ => None,
            })
            .max()
            .unwrap_or(SignedDuration::ZERO)
            .max(SignedDuration::ZERO);
        let report_delay = report_delay.max(SignedDuration::ZERO);
        Horizons {
            lookback: window + stale_after,
            settle: window + stale_after + report_delay,
            stale_after,
        }
    }
}

/// Where a step from `from` starts reading samples: `from − lookback`, or earlier when the
/// service was down at `from` (`down_run_start`: the start of the stored downtime run that
/// ends at `from`), so that the failures that made it down are seen.
pub fn read_from(h: &Horizons, from: Timestamp, down_run_start: Option<Timestamp>) -> Timestamp {
    let base = from - h.lookback;
    match down_run_start {
        Some(start) => base.min(start - h.lookback),
        None => base,
    }
}

/// The state at the latest instant evaluated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum Live {
    /// Up.
    Up,
    /// Down since `since` (the start of the downtime as far as this step saw it: a caller that
    /// knew it down before keeps its earlier instant).
    Down {
        /// Since when.
        since: Timestamp,
        /// Why.
        cause: Cause,
    },
    /// No data: the samples stopped, went stale or the prober was cut off.
    NoData,
}

/// One step of the timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct Advance {
    /// The timeline is final before this instant (`from` when nothing settled yet).
    pub until: Timestamp,
    /// The new final runs within `[from, until)`, in order, disjoint. A first run that starts
    /// at `from` continues the stored run of its kind that ends there, if any.
    pub runs: Vec<Run>,
    /// The state at `now`.
    pub live: Live,
}

/// Extends a timeline that is final before `from` to `now`, from `samples` (every sample of
/// the monitored streams from [`read_from`] on that has arrived by `now`).
pub fn advance(
    rules: &[DowntimeRule],
    monitored: &Monitored,
    samples: &[Sample],
    from: Timestamp,
    now: Timestamp,
    h: &Horizons,
) -> Result<Advance, AvailabilityError> {
    let range = Interval::new(from, now)?;
    let eval = evaluate(rules, monitored, samples, range)?;
    let until = (now - h.settle).max(from);
    let runs = runs_of(&eval)
        .into_iter()
        .filter_map(|r| {
            let interval = Interval::non_empty(r.interval.start(), r.interval.end().min(until))?;
            Some(Run { interval, ..r })
        })
        .collect();
    Ok(Advance {
        until,
        runs,
        live: live_at_end(&eval),
    })
}

/// The runs of an evaluation: overlapping downtime merged (keeping the earliest finding's
/// cause), then the no-data spans, in order.
pub fn runs_of(eval: &Evaluation) -> Vec<Run> {
    let mut downs: Vec<&Downtime> = eval.downtime.iter().collect();
    downs.sort_by_key(|d| (d.interval.start(), d.interval.end()));
    let mut runs: Vec<Run> = Vec::new();
    for d in downs {
        match runs.last_mut() {
            Some(last) if d.interval.start() <= last.interval.end() => {
                if d.interval.end() > last.interval.end() {
                    last.interval = Interval::new(last.interval.start(), d.interval.end())
                        .unwrap_or(last.interval);
                }
            }
            _ => runs.push(Run {
                kind: RunKind::Down,
                interval: d.interval,
                cause: Some(d.cause.clone()),
            }),
        }
    }
    runs.extend(eval.no_data.iter().map(|n| Run {
        kind: RunKind::NoData,
        interval: *n,
        cause: None,
    }));
    runs.sort_by_key(|r| r.interval.start());
    runs
}

/// The state at the end of an evaluation's range.
fn live_at_end(eval: &Evaluation) -> Live {
    let end = eval.range.end();
    let runs = runs_of(eval);
    match runs.iter().find(|r| r.interval.end() == end) {
        Some(Run {
            kind: RunKind::Down,
            interval,
            cause: Some(cause),
        }) => Live::Down {
            since: interval.start(),
            cause: cause.clone(),
        },
        Some(Run {
            kind: RunKind::NoData,
            ..
        }) => Live::NoData,
        _ => Live::Up,
    }
}

/// The evaluation of `range` from stored runs, for slices and monthly reports: the runs'
/// downtime and no-data, and no data wherever the timeline was not evaluated (`evaluated`:
/// the stretches it covers — from the first monitor to `until`).
pub fn evaluation_from_runs(range: Interval, runs: &[Run], evaluated: &[Interval]) -> Evaluation {
    let mut downtime = Vec::new();
    let mut no_data = Vec::new();
    for r in runs {
        let Some(i) = r.interval.intersection(&range) else {
            continue;
        };
        match (&r.kind, &r.cause) {
            (RunKind::Down, Some(cause)) => downtime.push(Downtime {
                interval: i,
                cause: cause.clone(),
            }),
            // Downtime stored without its cause still counts as downtime, and says so.
            (RunKind::Down, None) => downtime.push(Downtime {
                interval: i,
                cause: Cause::Unrecorded,
            }),
            (RunKind::NoData, _) => no_data.push(i),
        }
    }
    let covered = union(evaluated.to_vec());
    no_data.extend(subtract(&range, &covered));
    // No data never overlaps downtime.
    let down = union(downtime.iter().map(|d| d.interval).collect());
    let no_data = union(no_data)
        .iter()
        .flat_map(|n| subtract(n, &down))
        .collect();
    downtime.sort_by_key(|d| d.interval.start());
    Evaluation {
        range,
        downtime,
        no_data,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample::{Failure, FailureKind, Outcome, Stream};

    fn t(sec: i64) -> Timestamp {
        "2026-04-10T00:00:00Z".parse::<Timestamp>().unwrap() + SignedDuration::from_secs(sec)
    }

    fn sample(sec: i64, ok: bool) -> Sample {
        Sample {
            at: t(sec),
            check: "api".into(),
            location: "local".into(),
            outcome: if ok {
                Outcome::Ok
            } else {
                Outcome::Failed(Failure::new(FailureKind::Unhealthy, "HTTP 503"))
            },
        }
    }

    fn ampo() -> Vec<DowntimeRule> {
        vec![DowntimeRule::ConsecutiveFailures {
            count: 2,
            within: SignedDuration::from_mins(5),
        }]
    }

    fn monitored() -> Monitored {
        Monitored {
            streams: vec![Stream::new("api", "local")],
            stale_after: SignedDuration::from_secs(120),
        }
    }

    #[test]
    fn horizons_cover_the_window_and_staleness() {
        let h = Horizons::new(
            &ampo(),
            SignedDuration::from_secs(120),
            SignedDuration::from_secs(60),
        );
        assert_eq!(h.lookback, SignedDuration::from_secs(420));
        assert_eq!(h.settle, SignedDuration::from_secs(480));
        let share = Horizons::new(
            &[DowntimeRule::FailingShareOver(50.0)],
            SignedDuration::from_secs(120),
            SignedDuration::ZERO,
        );
        assert_eq!(share.settle, SignedDuration::from_secs(120));
    }

    #[test]
    fn a_confirmed_outage_is_live_before_it_is_final() {
        let h = Horizons::new(
            &ampo(),
            SignedDuration::from_secs(120),
            SignedDuration::ZERO,
        );
        // Probes every 60 s; failing from 600 s on.
        let samples: Vec<Sample> = (0..15).map(|i| sample(i * 60, i < 10)).collect();
        let step = advance(&ampo(), &monitored(), &samples, t(0), t(900), &h).unwrap();
        assert_eq!(step.until, t(900 - 420));
        assert!(step.runs.is_empty(), "nothing final is down yet");
        match step.live {
            Live::Down { since, .. } => assert_eq!(since, t(600)),
            other => panic!("expected down, got {other:?}"),
        }
        // A single failure at the end is not downtime yet.
        let one: Vec<Sample> = (0..11).map(|i| sample(i * 60, i < 10)).collect();
        let step = advance(&ampo(), &monitored(), &one, t(0), t(630), &h).unwrap();
        assert_eq!(step.live, Live::Up);
    }

    #[test]
    fn a_long_outage_is_read_from_its_start() {
        // Two failures 30 s apart open the outage; then failures every 100 s: more than the
        // 60-s window apart, less than the 120-s staleness, so the run (and the outage) goes
        // on. A step long after its start must still see it down.
        let rules = vec![DowntimeRule::ConsecutiveFailures {
            count: 2,
            within: SignedDuration::from_secs(60),
        }];
        let h = Horizons::new(&rules, SignedDuration::from_secs(120), SignedDuration::ZERO);
        let mut samples = vec![sample(0, false), sample(30, false)];
        samples.extend((1..20).map(|i| sample(30 + i * 100, false)));
        let whole = evaluate(
            &rules,
            &monitored(),
            &samples,
            Interval::new(t(0), t(2000)).unwrap(),
        )
        .unwrap();
        assert!(whole.is_down(t(1500)), "one evaluation: down throughout");
        let from = t(1000);
        let down_since_start = read_from(&h, from, Some(t(0)));
        assert!(down_since_start <= t(0));
        let seen: Vec<Sample> = samples
            .iter()
            .filter(|s| s.at >= down_since_start)
            .cloned()
            .collect();
        let step = advance(&rules, &monitored(), &seen, from, t(2000), &h).unwrap();
        assert_eq!(step.runs.first().map(|r| r.kind), Some(RunKind::Down));
        assert_eq!(step.runs.first().map(|r| r.interval.start()), Some(from));
    }

    #[test]
    fn unevaluated_stretches_have_no_data() {
        let range = Interval::new(t(0), t(600)).unwrap();
        let runs = vec![Run {
            kind: RunKind::Down,
            interval: Interval::new(t(100), t(200)).unwrap(),
            cause: None,
        }];
        let eval = evaluation_from_runs(range, &runs, &[Interval::new(t(60), t(400)).unwrap()]);
        assert_eq!(eval.downtime.len(), 1);
        assert_eq!(
            eval.downtime[0].cause,
            Cause::Unrecorded,
            "a run stored without its cause says so"
        );
        assert_eq!(
            eval.no_data,
            vec![
                Interval::new(t(0), t(60)).unwrap(),
                Interval::new(t(400), t(600)).unwrap()
            ]
        );
    }
}
