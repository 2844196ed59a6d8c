//! Per-minute time slices: each UTC minute of a range is good, bad, excluded or without data.
//!
//! A minute's verdict, in this order of precedence:
//!
//! 1. **Bad** when any part of it is downtime outside every exclusion: the seed counts
//!    "minutes in the month in which the Service was unavailable", so a minute touched by
//!    downtime is a downtime minute. It points at the first such downtime interval.
//! 2. **Excluded** when any part of it lies in an exclusion (and no downtime outside the
//!    exclusions touches it). It points at the first such exclusion.
//! 3. **No data** when any part of it has no data (our prober was cut off or stopped): we
//!    cannot say it was good, and no-data is never downtime.
//! 4. **Good** otherwise: the whole minute was observed up.

use serde::{Deserialize, Serialize};

use crate::downtime::Downtime;
use crate::error::AvailabilityError;
use crate::evaluate::Evaluation;
use crate::exclusion::Exclusion;
use crate::interval::{Interval, Minute, subtract, touched_minutes, union};

/// The verdict of one minute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "verdict")]
pub enum Verdict {
    /// Observed up for the whole minute.
    Good,
    /// Downtime: index into [`Slices::downtime`] (the cause).
    Bad {
        /// Index of the downtime interval.
        downtime: u32,
    },
    /// Excluded: index into [`Slices::exclusions`] (the reason).
    Excluded {
        /// Index of the exclusion.
        exclusion: u32,
    },
    /// Inconclusive: our prober could not tell. Not downtime.
    NoData,
}

/// Minute verdicts over a range that starts and ends on UTC minute boundaries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Slices {
    first: Minute,
    verdicts: Vec<Verdict>,
    downtime: Vec<Downtime>,
    exclusions: Vec<Exclusion>,
}

impl Slices {
    /// Slices the evaluated range minute by minute, taking `exclusions` out of downtime.
    /// The range must start and end on UTC minute boundaries.
    pub fn new(
        evaluation: &Evaluation,
        exclusions: &[Exclusion],
    ) -> Result<Slices, AvailabilityError> {
        let first = Minute::starting_at(evaluation.range.start())?;
        let end = Minute::starting_at(evaluation.range.end())?;
        let n = usize::try_from(end.index() - first.index())
            .map_err(|_| AvailabilityError::Calendar("range too long".into()))?;
        let mut verdicts = vec![Verdict::Good; n];
        let range = evaluation.range;
        // Minute offsets touched by `i` (clipped to the range).
        let offsets = |i: &Interval| -> std::ops::Range<usize> {
            let Some(i) = i.intersection(&range) else {
                return 0..0;
            };
            let (a, b) = touched_minutes(&i);
            // Inside the range, so both offsets are in 0..n.
            let a = (a.index() - first.index()) as usize;
            let b = (b.index() - first.index()) as usize;
            a..b + 1
        };
        for nd in &evaluation.no_data {
            for v in &mut verdicts[offsets(nd)] {
                *v = Verdict::NoData;
            }
        }
        for (k, e) in exclusions.iter().enumerate() {
            let k = u32::try_from(k).unwrap_or(u32::MAX);
            for v in &mut verdicts[offsets(&e.interval)] {
                if !matches!(v, Verdict::Excluded { .. }) {
                    *v = Verdict::Excluded { exclusion: k };
                }
            }
        }
        let holes = union(exclusions.iter().map(|e| e.interval).collect());
        for (k, d) in evaluation.downtime.iter().enumerate() {
            let k = u32::try_from(k).unwrap_or(u32::MAX);
            for piece in subtract(&d.interval, &holes) {
                for v in &mut verdicts[offsets(&piece)] {
                    if !matches!(v, Verdict::Bad { .. }) {
                        *v = Verdict::Bad { downtime: k };
                    }
                }
            }
        }
        Ok(Slices {
            first,
            verdicts,
            downtime: evaluation.downtime.clone(),
            exclusions: exclusions.to_vec(),
        })
    }

    /// The first minute.
    pub fn first(&self) -> Minute {
        self.first
    }

    /// The verdicts, one per minute from [`Slices::first`].
    pub fn verdicts(&self) -> &[Verdict] {
        &self.verdicts
    }

    /// The verdict of `m`, `None` outside the range.
    pub fn get(&self, m: Minute) -> Option<Verdict> {
        let i = usize::try_from(m.index().checked_sub(self.first.index())?).ok()?;
        self.verdicts.get(i).copied()
    }

    /// The downtime intervals [`Verdict::Bad`] points into.
    pub fn downtime(&self) -> &[Downtime] {
        &self.downtime
    }

    /// The exclusions [`Verdict::Excluded`] points into.
    pub fn exclusions(&self) -> &[Exclusion] {
        &self.exclusions
    }

    /// Counts the verdicts of the minutes in `within` (on minute boundaries); minutes
    /// outside the sliced range count as no data.
    pub fn count(&self, within: Interval) -> Result<Counts, AvailabilityError> {
        let a = Minute::starting_at(within.start())?;
        let b = Minute::starting_at(within.end())?;
        let mut c = Counts::default();
        let mut m = a;
        while m < b {
            match self.get(m) {
                Some(Verdict::Good) => c.good += 1,
                Some(Verdict::Bad { .. }) => c.downtime += 1,
                Some(Verdict::Excluded { .. }) => c.excluded += 1,
                Some(Verdict::NoData) | None => c.no_data += 1,
            }
            m = m.next();
        }
        Ok(c)
    }
}

/// Minutes by verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Counts {
    /// Good minutes.
    pub good: u64,
    /// Downtime (bad) minutes.
    pub downtime: u64,
    /// Excluded minutes.
    pub excluded: u64,
    /// Minutes without data.
    pub no_data: u64,
}

impl Counts {
    /// All minutes counted.
    pub fn total(&self) -> u64 {
        self.good + self.downtime + self.excluded + self.no_data
    }
}
