//! The `ConsecutiveFailures { count, within }` rule over one stream (AmpoCloud: 2 within 5
//! minutes).
//!
//! Over the samples of one stream (one check from one location) in time order:
//!
//! - a **run** is a sequence of failed samples with nothing between them: no success, no
//!   inconclusive sample and no gap longer than `stale_after`;
//! - the stream becomes unavailable when a run contains `count` consecutive failures whose
//!   first and last lie at most `within` apart (inclusive: two failures exactly 5 minutes
//!   apart are "within a 5-minute period"). A single failure is never downtime;
//! - downtime **starts at the first failing sample of those `count`**: that request already
//!   found the service unavailable, the rule only confirms it was not a blip, so the outage is
//!   dated from its first evidence (the later samples add no new information about when it
//!   began). Failures of the same run before that window (too far apart to qualify) stay up;
//! - downtime **ends at the first success** (the first evidence the service is back), or at an
//!   inconclusive sample, or `stale_after` after the last sample when samples stop: from there
//!   on we know nothing, and no-data is never downtime.
//!
//! Spans with no data: before the first sample, from an inconclusive sample to the next
//! sample, and from `stale_after` after a sample to the next one.

use std::collections::VecDeque;

use jiff::{SignedDuration, Timestamp};

use crate::downtime::{Cause, Downtime};
use crate::interval::Interval;
use crate::sample::{Failure, Outcome, Sample, Stream};

/// What one stream contributes: its downtime and the spans it has no data for (unclipped).
#[derive(Debug, Default)]
pub(crate) struct StreamFindings {
    pub(crate) downtime: Vec<Downtime>,
    pub(crate) no_data: Vec<Interval>,
}

/// `t + d`, saturating at the ends of the representable range.
pub(crate) fn plus(t: Timestamp, d: SignedDuration) -> Timestamp {
    t.checked_add(d).unwrap_or(if d.is_negative() {
        Timestamp::MIN
    } else {
        Timestamp::MAX
    })
}

struct Open {
    start: Timestamp,
    first: Failure,
    failures: u32,
}

/// Runs the rule over the samples of `stream`, already in time order.
pub(crate) fn evaluate(
    stream: &Stream,
    samples: &[&Sample],
    count: u32,
    within: SignedDuration,
    stale_after: SignedDuration,
) -> StreamFindings {
    let mut out = StreamFindings::default();
    let count = count.max(1) as usize;
    // The last `count` failures of the current run.
    let mut run: VecDeque<(Timestamp, &Failure)> = VecDeque::with_capacity(count);
    let mut down: Option<Open> = None;
    // Start of the current span without data (None while the stream has data).
    let mut no_data: Option<Timestamp> = Some(Timestamp::MIN);
    // The last conclusive sample, while its verdict still holds.
    let mut last: Option<Timestamp> = None;

    let close = |down: &mut Option<Open>, at: Timestamp, out: &mut StreamFindings| {
        if let Some(o) = down.take()
            && let Some(interval) = Interval::non_empty(o.start, at)
        {
            out.downtime.push(Downtime {
                interval,
                cause: Cause::ConsecutiveFailures {
                    stream: stream.clone(),
                    failures: o.failures,
                    first: o.first,
                },
            });
        }
    };
    let end_no_data = |no_data: &mut Option<Timestamp>, at: Timestamp, out: &mut StreamFindings| {
        if let Some(from) = no_data.take()
            && let Some(i) = Interval::non_empty(from, at)
        {
            out.no_data.push(i);
        }
    };

    for s in samples {
        if let Some(l) = last {
            let cutoff = plus(l, stale_after);
            if s.at > cutoff {
                // The samples stopped: the last verdict holds until `cutoff`, then no data.
                close(&mut down, cutoff, &mut out);
                run.clear();
                no_data = Some(cutoff);
            }
        }
        match &s.outcome {
            Outcome::Ok => {
                close(&mut down, s.at, &mut out);
                run.clear();
                end_no_data(&mut no_data, s.at, &mut out);
                last = Some(s.at);
            }
            Outcome::Failed(f) => {
                end_no_data(&mut no_data, s.at, &mut out);
                last = Some(s.at);
                if let Some(o) = &mut down {
                    o.failures = o.failures.saturating_add(1);
                    continue;
                }
                if run.len() == count {
                    run.pop_front();
                }
                run.push_back((s.at, f));
                if run.len() == count
                    && let Some(&(first_at, first)) = run.front()
                    && s.at.duration_since(first_at) <= within
                {
                    down = Some(Open {
                        start: first_at,
                        first: first.clone(),
                        failures: u32::try_from(count).unwrap_or(u32::MAX),
                    });
                    run.clear();
                }
            }
            Outcome::Inconclusive { .. } => {
                close(&mut down, s.at, &mut out);
                run.clear();
                if no_data.is_none() {
                    no_data = Some(s.at);
                }
                last = None;
            }
        }
    }
    if let Some(l) = last {
        let cutoff = plus(l, stale_after);
        close(&mut down, cutoff, &mut out);
        no_data = Some(cutoff);
    }
    end_no_data(&mut no_data, Timestamp::MAX, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample::FailureKind;

    const STALE: SignedDuration = SignedDuration::from_mins(3);

    fn at(hms: &str) -> Timestamp {
        format!("2026-03-10T{hms}Z").parse().unwrap()
    }

    fn sample(hms: &str, ok: bool) -> Sample {
        Sample {
            at: at(hms),
            check: "api".into(),
            location: "jakarta".into(),
            outcome: if ok {
                Outcome::Ok
            } else {
                Outcome::Failed(Failure::new(FailureKind::Unhealthy, "HTTP 503"))
            },
        }
    }

    fn run(samples: &[Sample]) -> StreamFindings {
        let refs: Vec<&Sample> = samples.iter().collect();
        evaluate(
            &Stream::new("api", "jakarta"),
            &refs,
            2,
            SignedDuration::from_mins(5),
            STALE,
        )
    }

    fn spans(f: &StreamFindings) -> Vec<(Timestamp, Timestamp)> {
        f.downtime
            .iter()
            .map(|d| (d.interval.start(), d.interval.end()))
            .collect()
    }

    #[test]
    fn two_failures_open_at_the_first_and_close_at_the_first_success() {
        let f = run(&[
            sample("10:00:00", true),
            sample("10:01:00", false),
            sample("10:02:00", false),
            sample("10:03:00", false),
            sample("10:04:00", true),
        ]);
        assert_eq!(spans(&f), vec![(at("10:01:00"), at("10:04:00"))]);
        match &f.downtime[0].cause {
            Cause::ConsecutiveFailures { failures, .. } => assert_eq!(*failures, 3),
            c => panic!("{c:?}"),
        }
    }

    #[test]
    fn a_single_failure_is_not_downtime() {
        let f = run(&[
            sample("10:00:00", true),
            sample("10:01:00", false),
            sample("10:02:00", true),
            sample("10:03:00", false),
            sample("10:04:00", true),
        ]);
        assert!(f.downtime.is_empty());
    }

    #[test]
    fn the_window_is_inclusive_at_exactly_within() {
        // 5 minutes apart: within a 5-minute period (stale_after must allow the gap).
        let samples = [sample("10:00:00", false), sample("10:05:00", false)];
        let refs: Vec<&Sample> = samples.iter().collect();
        let stream = Stream::new("api", "jakarta");
        let mins = SignedDuration::from_mins;
        let f = evaluate(&stream, &refs, 2, mins(5), mins(10));
        assert_eq!(f.downtime[0].interval.start(), at("10:00:00"));
        // 5 minutes and 1 second apart: not.
        let samples = [sample("10:00:00", false), sample("10:05:01", false)];
        let refs: Vec<&Sample> = samples.iter().collect();
        assert!(
            evaluate(&stream, &refs, 2, mins(5), mins(10))
                .downtime
                .is_empty()
        );
    }

    #[test]
    fn an_inconclusive_sample_breaks_a_run_and_ends_downtime() {
        let cut = Sample {
            outcome: Outcome::Inconclusive {
                reason: "prober offline".into(),
            },
            ..sample("10:02:00", true)
        };
        let f = run(&[
            sample("10:01:00", false),
            cut.clone(),
            sample("10:03:00", false),
        ]);
        assert!(f.downtime.is_empty(), "F ? F is not two in a row");
        let f = run(&[
            sample("10:00:00", false),
            sample("10:01:00", false),
            cut,
            sample("10:03:00", true),
        ]);
        assert_eq!(spans(&f), vec![(at("10:00:00"), at("10:02:00"))]);
        assert!(
            f.no_data
                .contains(&Interval::new(at("10:02:00"), at("10:03:00")).unwrap())
        );
    }

    #[test]
    fn downtime_stops_where_the_samples_stop() {
        let f = run(&[
            sample("10:00:00", false),
            sample("10:01:00", false),
            sample("10:30:00", true),
        ]);
        assert_eq!(spans(&f), vec![(at("10:00:00"), at("10:04:00"))]);
        assert!(
            f.no_data
                .contains(&Interval::new(at("10:04:00"), at("10:30:00")).unwrap())
        );
    }
}
