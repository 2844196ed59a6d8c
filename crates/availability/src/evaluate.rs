//! Evaluating a policy's downtime rules over probe samples: downtime intervals with their
//! cause, and the spans with no data.

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use tenggat_sla::DowntimeRule;

use crate::consecutive::{self, StreamFindings};
use crate::downtime::Downtime;
use crate::error::AvailabilityError;
use crate::interval::{Interval, subtract, union};
use crate::percent::millionths;
use crate::sample::{Sample, Stream};
use crate::snapshot::{self, SnapshotRule};

/// What is monitored for one service: the streams (check × location) that make up the
/// denominator of share and quorum rules, and how long a sample's verdict holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Monitored {
    /// The monitored streams. Samples of other streams are ignored.
    pub streams: Vec<Stream>,
    /// How long a sample's verdict holds when no further sample arrives: beyond it the
    /// stream has no data (our prober or scheduler stopped), which is never downtime. Set it
    /// to a little more than the probe interval (e.g. 2 × interval).
    pub stale_after: SignedDuration,
}

/// The outcome of the downtime rules over a range of time.
///
/// At every instant of `range` the service is **down** (inside one of `downtime`), **without
/// data** (inside one of `no_data`, which never overlaps downtime) or **up** (neither).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    /// The evaluated range.
    pub range: Interval,
    /// Downtime intervals, clipped to `range`, sorted by start. Intervals found by different
    /// rules or streams may overlap; each keeps its own cause.
    pub downtime: Vec<Downtime>,
    /// Spans with no data and no downtime, sorted and disjoint.
    pub no_data: Vec<Interval>,
}

impl Evaluation {
    /// Whether `t` lies in a downtime interval.
    pub fn is_down(&self, t: Timestamp) -> bool {
        self.downtime.iter().any(|d| d.interval.contains(t))
    }

    /// Whether `t` lies in a span without data.
    pub fn is_no_data(&self, t: Timestamp) -> bool {
        let i = self.no_data.partition_point(|n| n.end() <= t);
        self.no_data.get(i).is_some_and(|n| n.contains(t))
    }
}

/// Evaluates `rules` over `samples` for `range`.
///
/// Samples may come in any order and may reach outside `range`: those before it set the
/// state at its start, those after it can confirm a run of failures that began inside it
/// (the downtime then starts inside `range`). With several rules the service is down while
/// **any** rule finds it down, and without data while no rule finds it down and at least
/// one has no data.
pub fn evaluate(
    rules: &[DowntimeRule],
    monitored: &Monitored,
    samples: &[Sample],
    range: Interval,
) -> Result<Evaluation, AvailabilityError> {
    if rules.is_empty() {
        return Err(AvailabilityError::Nothing(
            "the policy has no downtime rule".into(),
        ));
    }
    if monitored.streams.is_empty() {
        return Err(AvailabilityError::Nothing("no monitored stream".into()));
    }
    if monitored.stale_after <= SignedDuration::ZERO {
        return Err(AvailabilityError::Rule(
            "stale_after must be positive".into(),
        ));
    }
    // Streams in a stable order, duplicates removed; each with its samples in time order
    // (a stable sort: samples of one stream at the same instant keep their order).
    let mut by_stream: BTreeMap<&Stream, Vec<&Sample>> = BTreeMap::new();
    for s in &monitored.streams {
        by_stream.entry(s).or_default();
    }
    for s in samples {
        if let Some(v) = by_stream.get_mut(&s.stream()) {
            v.push(s);
        }
    }
    for v in by_stream.values_mut() {
        v.sort_by_key(|s| s.at);
    }
    let mut location_index: BTreeMap<&str, usize> = BTreeMap::new();
    for s in by_stream.keys() {
        let n = location_index.len();
        location_index.entry(s.location.as_str()).or_insert(n);
    }
    let locations = location_index.len();
    let streams: Vec<(usize, Vec<&Sample>)> = by_stream
        .iter()
        .map(|(k, v)| (location_index[k.location.as_str()], v.clone()))
        .collect();

    let mut findings = StreamFindings::default();
    for rule in rules {
        let f = match rule {
            DowntimeRule::ConsecutiveFailures { count, within } => {
                if *count == 0 {
                    return Err(AvailabilityError::Rule(
                        "consecutive_failures must be at least 1".into(),
                    ));
                }
                if within.is_negative() {
                    return Err(AvailabilityError::Rule(
                        "the window of consecutive failures cannot be negative".into(),
                    ));
                }
                let mut all = StreamFindings::default();
                for (stream, samples) in &by_stream {
                    let f = consecutive::evaluate(
                        stream,
                        samples,
                        *count,
                        *within,
                        monitored.stale_after,
                    );
                    all.downtime.extend(f.downtime);
                    all.no_data.extend(f.no_data);
                }
                all
            }
            DowntimeRule::FailingShareOver(p) => snapshot::evaluate(
                SnapshotRule::Share {
                    millionths: millionths(*p)?,
                    percent: *p,
                },
                &streams,
                locations,
                monitored.stale_after,
            ),
            DowntimeRule::UnreachableQuorum(n) => {
                if *n == 0 || *n as usize > locations {
                    return Err(AvailabilityError::Rule(format!(
                        "a quorum of {n} probe locations cannot be reached with {locations} \
                         monitored location(s)"
                    )));
                }
                snapshot::evaluate(
                    SnapshotRule::Quorum(*n),
                    &streams,
                    locations,
                    monitored.stale_after,
                )
            }
        };
        findings.downtime.extend(f.downtime);
        findings.no_data.extend(f.no_data);
    }

    let mut downtime: Vec<Downtime> = findings
        .downtime
        .into_iter()
        .filter_map(|d| {
            d.interval.intersection(&range).map(|interval| Downtime {
                interval,
                cause: d.cause,
            })
        })
        .collect();
    downtime.sort_by_key(|d| (d.interval.start(), d.interval.end()));
    let down = union(downtime.iter().map(|d| d.interval).collect());
    let no_data = union(
        findings
            .no_data
            .iter()
            .filter_map(|n| n.intersection(&range))
            .collect(),
    )
    .iter()
    .flat_map(|n| subtract(n, &down))
    .collect();
    Ok(Evaluation {
        range,
        downtime,
        no_data,
    })
}
