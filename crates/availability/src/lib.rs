//! The availability arithmetic of Tenggat: from probe samples to the monthly percentage, the
//! service credit and the claim window. Pure: no I/O, no wall clock; every instant is a
//! parameter.
//!
//! The pipeline (semantics and every boundary choice in `docs/availability.md`):
//!
//! 1. [`Sample`]s — what one check saw from one location at one instant;
//! 2. [`evaluate`] — the policy's [`DowntimeRule`](tenggat_sla::DowntimeRule)s over the
//!    samples: [`Downtime`] intervals `[start, end)` with their [`Cause`], and spans with no
//!    data (never downtime);
//! 3. [`Exclusions::build`] — maintenance windows checked against the policy's notice, and
//!    other exclusions with a reason the policy lists;
//! 4. [`Slices::new`] — one [`Verdict`] per UTC minute: good, bad, excluded or no data;
//! 5. [`monthly_report`] — a calendar [`Month`] in the contract's zone: minutes, downtime,
//!    availability rounded down to two decimals, target, credit tier and amount;
//! 6. [`claim::decide`] — whether a credit claim is within the policy's window.
//!
//! A server keeps the outcome of step 2 as a timeline of runs it extends step by step as
//! samples arrive ([`advance`]), and rebuilds an [`Evaluation`] for any month from the stored
//! runs ([`evaluation_from_runs`]).
//!
//! ```
//! use jiff::{SignedDuration, Timestamp, tz::TimeZone};
//! use tenggat_availability::*;
//!
//! let policy = tenggat_sla::preset("ampocloud").unwrap().unwrap().availability.unwrap();
//! let jakarta = TimeZone::get("Asia/Jakarta").unwrap();
//! let month: Month = "2026-04".parse().unwrap();
//! let range = month.bounds(&jakarta).unwrap();
//! let monitored = Monitored {
//!     streams: vec![Stream::new("backend_api", "jakarta")],
//!     stale_after: SignedDuration::from_mins(2),
//! };
//! // A probe every minute; the API fails from 10:00 to 13:39 WIB on April 10 (220 minutes).
//! let start: Timestamp = "2026-04-10T10:00:00+07:00".parse().unwrap();
//! let samples: Vec<Sample> = (-5..230)
//!     .map(|i| Sample {
//!         at: start + SignedDuration::from_mins(i),
//!         check: "backend_api".into(),
//!         location: "jakarta".into(),
//!         outcome: if (0..220).contains(&i) {
//!             Outcome::Failed(Failure::new(FailureKind::Unhealthy, "HTTP 503"))
//!         } else {
//!             Outcome::Ok
//!         },
//!     })
//!     .collect();
//! let eval = evaluate(&policy.downtime, &monitored, &samples, range).unwrap();
//! let slices = Slices::new(&eval, &[]).unwrap();
//! let report = monthly_report(&policy, "backend_api", month, &jakarta, &slices, 0).unwrap();
//! assert_eq!(report.counts.downtime, 220);
//! // (43 200 − 220) / 43 200 × 100 = 99.4907…: shown as 99.49, below the 99.5 target.
//! assert_eq!(report.availability.to_string(), "99.49");
//! assert!(!report.target_met);
//! ```

pub mod claim;
mod consecutive;
mod credit;
mod downtime;
mod error;
mod evaluate;
mod exclusion;
mod interval;
mod month;
mod percent;
mod sample;
mod slice;
mod snapshot;
mod timeline;

pub use credit::{Credit, amount, credit, tier};
pub use downtime::{Cause, Downtime};
pub use error::AvailabilityError;
pub use evaluate::{Evaluation, Monitored, evaluate};
pub use exclusion::{
    Exclusion, Exclusions, MaintenanceDecision, MaintenanceWindow, NotExcluded, Refused,
    SCHEDULED_MAINTENANCE, decide as decide_maintenance, excludes_maintenance,
};
pub use interval::{Interval, Minute};
pub use month::{MINUTES_PER_DAY, Month, MonthlyReport, monthly_report};
pub use percent::{Percent, Ratio, millionths};
pub use sample::{Failure, FailureKind, Outcome, Sample, Stream};
pub use slice::{Counts, Slices, Verdict};
pub use timeline::{
    Advance, Horizons, Live, Run, RunKind, advance, evaluation_from_runs, read_from, runs_of,
};
