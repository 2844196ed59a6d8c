//! Downtime intervals and their causes, as the downtime rules find them.

use serde::{Deserialize, Serialize};

use crate::interval::Interval;
use crate::sample::{Failure, Stream};

/// An interval `[start, end)` in which a downtime rule held the service unavailable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Downtime {
    /// When: from the first evidence of the outage to the first evidence it is over (or to
    /// the end of the evaluated range, or to where the data stops).
    pub interval: Interval,
    /// Which rule found it, and on what evidence.
    pub cause: Cause,
}

/// Why an interval is downtime.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "rule")]
pub enum Cause {
    /// `ConsecutiveFailures`: a run of failures of one stream.
    ConsecutiveFailures {
        /// The check and location whose samples failed.
        stream: Stream,
        /// Failed samples in the interval (at least the rule's count).
        failures: u32,
        /// The first failure of the run, where the interval starts.
        first: Failure,
    },
    /// `FailingShareOver`: too many monitored streams failing at once.
    FailingShare {
        /// The most streams failing at one time in the interval.
        failing: u32,
        /// Of those, failing because the service could not be reached at all.
        unreachable: u32,
        /// Monitored streams (the denominator).
        monitored: u32,
        /// The rule's threshold, percent (downtime while the share is *more* than this).
        over_percent: f64,
    },
    /// `UnreachableQuorum`: enough probe locations failing at once.
    Quorum {
        /// The most locations failing at one time in the interval.
        failing_locations: u32,
        /// The rule's quorum.
        required: u32,
        /// Monitored locations.
        locations: u32,
    },
    /// Downtime read back from storage without its cause (a run recorded by hand or by a
    /// version that kept none): it still counts, and says that its evidence is not on record.
    Unrecorded,
}
