//! The rules that judge the state of all monitored streams at once: `FailingShareOver`
//! (Innovasia: more than 50 % of the synthetic transactions failing) and
//! `UnreachableQuorum` (at least n probe locations failing).
//!
//! Each stream has a state at every instant: that of its latest sample — ok, failed, or
//! unknown after an inconclusive sample — held until the next sample, but no longer than
//! `stale_after` (then unknown). Unknown streams are neither counted as failing nor as
//! healthy. A rule's verdict at an instant is:
//!
//! - **bad** when the streams known to fail already satisfy it (whatever the unknown ones
//!   are doing);
//! - **good** when it would not hold even if every unknown stream were failing (and failing
//!   to reach the service at all);
//! - **no data** otherwise: the answer depends on what we could not see.
//!
//! With no unknown streams this is the plain rule. It never turns missing data into
//! downtime.

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};

use crate::consecutive::{StreamFindings, plus};
use crate::downtime::{Cause, Downtime};
use crate::interval::Interval;
use crate::sample::{FailureKind, Outcome, Sample};

/// The state of one stream from an instant on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Unknown,
    Ok,
    Failed(FailureKind),
}

/// A stream's state changes: `(from, state)`, in time order, the first at `Timestamp::MIN`.
fn changes(samples: &[&Sample], stale_after: SignedDuration) -> Vec<(Timestamp, State)> {
    let mut out = vec![(Timestamp::MIN, State::Unknown)];
    let mut last: Option<Timestamp> = None;
    for s in samples {
        if let Some(l) = last {
            let cutoff = plus(l, stale_after);
            if s.at > cutoff {
                out.push((cutoff, State::Unknown));
            }
        }
        let state = match &s.outcome {
            Outcome::Ok => State::Ok,
            Outcome::Failed(f) => State::Failed(f.kind),
            Outcome::Inconclusive { .. } => State::Unknown,
        };
        last = (state != State::Unknown).then_some(s.at);
        out.push((s.at, state));
    }
    if let Some(l) = last {
        out.push((plus(l, stale_after), State::Unknown));
    }
    out
}

/// The verdict of a rule at one instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tri {
    Good,
    /// Bad, with the size of the failure (failing streams or locations, and the unreachable
    /// part of them) for the cause.
    Bad(u32, u32),
    NoData,
}

/// Which of the two rules, with its parameters.
#[derive(Debug, Clone, Copy)]
pub(crate) enum SnapshotRule {
    /// Downtime while failing × 100 > percent × monitored (percent in millionths, exact),
    /// or while every stream fails to reach the service at all.
    Share { millionths: u64, percent: f64 },
    /// Downtime while at least this many locations fail (all their streams failing).
    Quorum(u32),
}

/// Runs `rule` over `streams` (each: its location's index and its samples in time order).
pub(crate) fn evaluate(
    rule: SnapshotRule,
    streams: &[(usize, Vec<&Sample>)],
    locations: usize,
    stale_after: SignedDuration,
) -> StreamFindings {
    let timelines: Vec<Vec<(Timestamp, State)>> = streams
        .iter()
        .map(|(_, s)| changes(s, stale_after))
        .collect();
    let mut instants: Vec<Timestamp> = timelines.iter().flatten().map(|(t, _)| *t).collect();
    instants.sort();
    instants.dedup();

    let mut cursor = vec![0usize; timelines.len()];
    let mut states = vec![State::Unknown; timelines.len()];
    let monitored = u32::try_from(streams.len()).unwrap_or(u32::MAX);
    let verdict = |states: &[State]| -> Tri {
        match rule {
            SnapshotRule::Share { millionths, .. } => {
                let (mut failing, mut unreachable, mut unknown) = (0u64, 0u64, 0u64);
                for s in states {
                    match s {
                        State::Failed(k) => {
                            failing += 1;
                            if *k == FailureKind::Unreachable {
                                unreachable += 1;
                            }
                        }
                        State::Unknown => unknown += 1,
                        State::Ok => {}
                    }
                }
                let total = u64::from(monitored);
                let holds = |failing: u64, unreachable: u64| {
                    u128::from(failing) * 100 * 1_000_000
                        > u128::from(millionths) * u128::from(total)
                        || (total > 0 && unreachable == total)
                };
                if holds(failing, unreachable) {
                    Tri::Bad(narrow(failing), narrow(unreachable))
                } else if holds(failing + unknown, unreachable + unknown) {
                    Tri::NoData
                } else {
                    Tri::Good
                }
            }
            SnapshotRule::Quorum(required) => {
                // Per location: failing when all its streams fail, up when one is ok.
                let mut per: BTreeMap<usize, (bool, bool)> = BTreeMap::new();
                for ((loc, _), s) in streams.iter().zip(states) {
                    let e = per.entry(*loc).or_insert((false, false));
                    match s {
                        State::Ok => e.0 = true,
                        State::Unknown => e.1 = true,
                        State::Failed(_) => {}
                    }
                }
                let (mut failing, mut unknown) = (0u32, 0u32);
                for (any_ok, any_unknown) in per.values() {
                    if !any_ok {
                        if *any_unknown {
                            unknown += 1;
                        } else {
                            failing += 1;
                        }
                    }
                }
                if failing >= required {
                    Tri::Bad(failing, 0)
                } else if failing + unknown >= required {
                    Tri::NoData
                } else {
                    Tri::Good
                }
            }
        }
    };

    let mut out = StreamFindings::default();
    // The open segment: its start, its verdict and the peak failure in it.
    let mut open: Option<(Timestamp, Tri)> = None;
    let flush = |open: &mut Option<(Timestamp, Tri)>, at: Timestamp, out: &mut StreamFindings| {
        let Some((from, tri)) = open.take() else {
            return;
        };
        let Some(interval) = Interval::non_empty(from, at) else {
            return;
        };
        match tri {
            Tri::Good => {}
            Tri::NoData => out.no_data.push(interval),
            Tri::Bad(failing, unreachable) => out.downtime.push(Downtime {
                interval,
                cause: match rule {
                    SnapshotRule::Share { percent, .. } => Cause::FailingShare {
                        failing,
                        unreachable,
                        monitored,
                        over_percent: percent,
                    },
                    SnapshotRule::Quorum(required) => Cause::Quorum {
                        failing_locations: failing,
                        required,
                        locations: u32::try_from(locations).unwrap_or(u32::MAX),
                    },
                },
            }),
        }
    };
    for t in instants {
        for (i, tl) in timelines.iter().enumerate() {
            while cursor[i] < tl.len() && tl[cursor[i]].0 <= t {
                states[i] = tl[cursor[i]].1;
                cursor[i] += 1;
            }
        }
        let v = verdict(&states);
        match (&mut open, v) {
            // A bad segment continues while bad; it keeps its peak.
            (Some((_, Tri::Bad(f, u))), Tri::Bad(f2, u2)) => {
                if (f2, u2) > (*f, *u) {
                    *f = f2;
                    *u = u2;
                }
            }
            (Some((_, Tri::Good)), Tri::Good) | (Some((_, Tri::NoData)), Tri::NoData) => {}
            _ => {
                flush(&mut open, t, &mut out);
                open = Some((t, v));
            }
        }
    }
    flush(&mut open, Timestamp::MAX, &mut out);
    out
}

fn narrow(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}
