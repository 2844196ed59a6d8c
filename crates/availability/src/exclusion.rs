//! Maintenance windows and other exclusions: time taken out of downtime.
//!
//! A scheduled maintenance window `[start, end)` announced at instant `A` is excluded only if
//! the policy excludes scheduled maintenance and `start − A` is at least the policy's notice
//! (Innovasia §5.3: 48 hours; announced 48 h ahead → excluded, 47 h → not). A window that is
//! not excluded is kept with the reason ("announced 47h before, the policy needs 48h"), and
//! downtime inside it stays downtime.
//!
//! Other exclusions (force majeure, partner-side problems, third-party failures, attacks)
//! are recorded by the provider with one of the policy's exclusion ids and a note; an id the
//! policy does not list is refused.

use std::fmt;

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use tenggat_sla::Availability;

use crate::error::AvailabilityError;
use crate::interval::Interval;

/// The policy exclusion id of scheduled maintenance (as in the Innovasia preset).
pub const SCHEDULED_MAINTENANCE: &str = "scheduled_maintenance";

/// Time excluded from downtime, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exclusion {
    /// When.
    pub interval: Interval,
    /// The policy's exclusion id (`scheduled_maintenance`, `force_majeure`, `third_party` …).
    pub reason: String,
    /// What happened, the evidence, shown to the customer.
    pub note: String,
}

/// A scheduled maintenance window as announced to the customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaintenanceWindow {
    /// The window.
    pub interval: Interval,
    /// When the customer was told.
    pub announced_at: Timestamp,
    /// What the announcement said.
    pub note: String,
}

impl MaintenanceWindow {
    /// The notice given: from the announcement to the start (negative when announced after
    /// the window started).
    pub fn notice(&self) -> SignedDuration {
        self.interval.start().duration_since(self.announced_at)
    }
}

/// Whether a maintenance window is excluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "decision")]
pub enum MaintenanceDecision {
    /// Excluded: announced with enough notice.
    Excluded {
        /// The notice given.
        notice: SignedDuration,
    },
    /// Not excluded: downtime inside the window stays downtime.
    NotExcluded(NotExcluded),
}

/// Why a maintenance window is not excluded; its `Display` is the sentence shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "why")]
pub enum NotExcluded {
    /// Announced with less notice than the policy requires.
    ShortNotice {
        /// The notice given (negative: announced after the start).
        given: SignedDuration,
        /// The policy's notice.
        required: SignedDuration,
    },
    /// The policy does not exclude scheduled maintenance at all.
    NotAnExclusion,
}

impl fmt::Display for NotExcluded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NotExcluded::ShortNotice { given, required } if given.is_negative() => write!(
                f,
                "announced {} after it started, the policy needs {}",
                hours(given.abs()),
                hours(*required)
            ),
            NotExcluded::ShortNotice { given, required } => write!(
                f,
                "announced {} before, the policy needs {}",
                hours(*given),
                hours(*required)
            ),
            NotExcluded::NotAnExclusion => {
                write!(f, "the policy does not exclude scheduled maintenance")
            }
        }
    }
}

/// `47h`, `47h30m`, `47h59m59s`, `0s`: hours, minutes and whole seconds (sub-second parts
/// are cut off, so a notice 1 ns short of 48 h reads `47h59m59s`).
fn hours(d: SignedDuration) -> String {
    let s = d.as_secs().unsigned_abs();
    let (h, m, sec) = (s / 3600, s / 60 % 60, s % 60);
    let mut out = String::new();
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if m > 0 {
        out.push_str(&format!("{m}m"));
    }
    if sec > 0 || out.is_empty() {
        out.push_str(&format!("{sec}s"));
    }
    out
}

/// Whether `policy` excludes scheduled maintenance: it names a notice, or lists
/// [`SCHEDULED_MAINTENANCE`] among its exclusions (then with no notice required).
pub fn excludes_maintenance(policy: &Availability) -> bool {
    policy.maintenance_notice.is_some()
        || policy
            .exclusions
            .iter()
            .any(|e| e.id == SCHEDULED_MAINTENANCE)
}

/// Decides one window: excluded iff the policy excludes maintenance and
/// `start − announced_at ≥ notice` (inclusive: exactly the notice is enough).
pub fn decide(policy: &Availability, window: &MaintenanceWindow) -> MaintenanceDecision {
    if !excludes_maintenance(policy) {
        return MaintenanceDecision::NotExcluded(NotExcluded::NotAnExclusion);
    }
    let required = policy.maintenance_notice.unwrap_or(SignedDuration::ZERO);
    let given = window.notice();
    if given >= required {
        MaintenanceDecision::Excluded { notice: given }
    } else {
        MaintenanceDecision::NotExcluded(NotExcluded::ShortNotice { given, required })
    }
}

/// A maintenance window that is not excluded, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refused {
    /// The window.
    pub window: MaintenanceWindow,
    /// Why it stays downtime.
    pub why: NotExcluded,
}

/// The exclusions that apply, and the maintenance windows that do not.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Exclusions {
    /// Excluded time: qualifying maintenance windows first, then the other exclusions, in
    /// the order given.
    pub excluded: Vec<Exclusion>,
    /// Maintenance windows that stay downtime, with the reason.
    pub refused: Vec<Refused>,
}

impl Exclusions {
    /// Decides `windows` and checks `others` against `policy`.
    ///
    /// `others` must carry one of the policy's exclusion ids, and not
    /// [`SCHEDULED_MAINTENANCE`]: maintenance goes through the notice check as a window.
    pub fn build(
        policy: &Availability,
        windows: &[MaintenanceWindow],
        others: &[Exclusion],
    ) -> Result<Exclusions, AvailabilityError> {
        let mut out = Exclusions::default();
        for w in windows {
            match decide(policy, w) {
                MaintenanceDecision::Excluded { .. } => out.excluded.push(Exclusion {
                    interval: w.interval,
                    reason: SCHEDULED_MAINTENANCE.to_owned(),
                    note: w.note.clone(),
                }),
                MaintenanceDecision::NotExcluded(why) => out.refused.push(Refused {
                    window: w.clone(),
                    why,
                }),
            }
        }
        for e in others {
            if e.reason == SCHEDULED_MAINTENANCE
                || !policy.exclusions.iter().any(|p| p.id == e.reason)
            {
                return Err(AvailabilityError::UnknownExclusion(e.reason.clone()));
            }
            out.excluded.push(e.clone());
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn innovasia() -> Availability {
        tenggat_sla::preset("innovasia")
            .unwrap()
            .unwrap()
            .availability
            .unwrap()
    }

    fn window(hours_ahead: i64) -> MaintenanceWindow {
        let start: Timestamp = "2026-03-14T22:00:00+07:00".parse().unwrap();
        MaintenanceWindow {
            interval: Interval::new(start, start + SignedDuration::from_hours(2)).unwrap(),
            announced_at: start - SignedDuration::from_hours(hours_ahead),
            note: "database upgrade".into(),
        }
    }

    #[test]
    fn notice_of_47h_is_not_enough_48h_is() {
        let p = innovasia();
        let d = decide(&p, &window(47));
        let MaintenanceDecision::NotExcluded(why) = d else {
            panic!("{d:?}")
        };
        assert_eq!(
            why.to_string(),
            "announced 47h before, the policy needs 48h"
        );
        assert_eq!(
            decide(&p, &window(48)),
            MaintenanceDecision::Excluded {
                notice: SignedDuration::from_hours(48)
            }
        );
        let mut w = window(48);
        w.announced_at += SignedDuration::from_nanos(1);
        let MaintenanceDecision::NotExcluded(why) = decide(&p, &w) else {
            panic!()
        };
        assert_eq!(
            why.to_string(),
            "announced 47h59m59s before, the policy needs 48h"
        );
        let MaintenanceDecision::NotExcluded(why) = decide(&p, &window(-1)) else {
            panic!()
        };
        assert_eq!(
            why.to_string(),
            "announced 1h after it started, the policy needs 48h"
        );
    }

    #[test]
    fn a_policy_without_maintenance_exclusion_keeps_windows_as_downtime() {
        let ampo = tenggat_sla::preset("ampocloud")
            .unwrap()
            .unwrap()
            .availability
            .unwrap();
        assert!(!excludes_maintenance(&ampo));
        let e = Exclusions::build(&ampo, &[window(100)], &[]).unwrap();
        assert!(e.excluded.is_empty());
        assert_eq!(
            e.refused[0].why.to_string(),
            "the policy does not exclude scheduled maintenance"
        );
    }

    #[test]
    fn other_exclusions_need_a_reason_the_policy_lists() {
        let p = innovasia();
        let w = window(48);
        let other = |reason: &str| Exclusion {
            interval: w.interval,
            reason: reason.into(),
            note: "DNS provider outage, ticket #123".into(),
        };
        let e = Exclusions::build(&p, &[w.clone(), window(47)], &[other("third_party")]).unwrap();
        assert_eq!(e.excluded.len(), 2);
        assert_eq!(e.excluded[0].reason, SCHEDULED_MAINTENANCE);
        assert_eq!(e.refused.len(), 1);
        let err = Exclusions::build(&p, &[], &[other("solar_flare")]).unwrap_err();
        assert_eq!(err.code(), "availability.unknown_exclusion");
        assert!(Exclusions::build(&p, &[], &[other(SCHEDULED_MAINTENANCE)]).is_err());
    }
}
