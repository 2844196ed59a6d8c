//! The window for claiming service credits (Innovasia §5.2: "within 30 days after the end of
//! the month in which the downtime occurred").
//!
//! In the contract's time zone, the month ends at local midnight starting the next month's
//! first day. **Day 1** after the month's end is that first day, day N the N-th calendar day
//! from it. A claim made at instant C is within a window of N days when C is at or after the
//! month's end and **before the end of day N** (local midnight starting day N + 1). For
//! April 2026 in Asia/Jakarta and 30 days: May 1 is day 1, a claim at any time on May 30 WIB
//! (day 30) is accepted, one at 00:00 WIB on May 31 (day 31) is refused. A claim before the
//! month has ended is refused as early: the month's figure is not final.

use std::fmt;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
use tenggat_sla::Availability;

use crate::error::AvailabilityError;
use crate::month::Month;

/// Whether a credit claim is within the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "decision")]
pub enum ClaimDecision {
    /// Within the window.
    Accepted {
        /// The day after the month's end it was made on (1..=window).
        day: u32,
        /// The first instant no longer accepted.
        deadline: Timestamp,
    },
    /// Refused.
    Refused(ClaimRefusal),
}

/// Why a claim is refused; its `Display` is the sentence shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "why")]
pub enum ClaimRefusal {
    /// Made before the month ended.
    Early {
        /// The month.
        month: Month,
        /// When the month ends (claims are accepted from then on).
        month_end: Timestamp,
    },
    /// Made after the window.
    Late {
        /// The month.
        month: Month,
        /// The day after the month's end it was made on (more than `allowed`).
        day: u32,
        /// The policy's window, days.
        allowed: u32,
        /// The first instant no longer accepted.
        deadline: Timestamp,
    },
}

impl fmt::Display for ClaimRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClaimRefusal::Early { month, .. } => {
                write!(f, "{month} has not ended yet; claim after it ends")
            }
            ClaimRefusal::Late {
                month,
                day,
                allowed,
                ..
            } => write!(
                f,
                "claimed on day {day} after the end of {month}; the policy allows {allowed} days"
            ),
        }
    }
}

/// The first instant after the window: local midnight starting day `days + 1` after the
/// month's end.
pub fn deadline(month: Month, tz: &TimeZone, days: u32) -> Result<Timestamp, AvailabilityError> {
    let next = month.next()?.first_day();
    let day = next.checked_add(jiff::Span::new().try_days(i64::from(days))?)?;
    Ok(day.to_zoned(tz.clone())?.start_of_day()?.timestamp())
}

/// Decides a claim for `month` made at `at`, with a window of `days` in `tz`.
pub fn decide(
    month: Month,
    tz: &TimeZone,
    days: u32,
    at: Timestamp,
) -> Result<ClaimDecision, AvailabilityError> {
    let month_end = month.next()?.start(tz)?;
    if at < month_end {
        return Ok(ClaimDecision::Refused(ClaimRefusal::Early {
            month,
            month_end,
        }));
    }
    let first = month.next()?.first_day();
    let local = at.to_zoned(tz.clone()).date();
    let since = first.until((jiff::Unit::Day, local))?.get_days();
    let day = u32::try_from(since).unwrap_or(0).saturating_add(1);
    let deadline = deadline(month, tz, days)?;
    if at < deadline {
        Ok(ClaimDecision::Accepted { day, deadline })
    } else {
        Ok(ClaimDecision::Refused(ClaimRefusal::Late {
            month,
            day,
            allowed: days,
            deadline,
        }))
    }
}

/// Decides a claim with the policy's window ([`AvailabilityError::NoClaimWindow`] when it
/// has none).
pub fn decide_for(
    policy: &Availability,
    month: Month,
    tz: &TimeZone,
    at: Timestamp,
) -> Result<ClaimDecision, AvailabilityError> {
    let days = policy
        .claim_window_days
        .ok_or(AvailabilityError::NoClaimWindow)?;
    decide(month, tz, days, at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jakarta() -> TimeZone {
        TimeZone::get("Asia/Jakarta").unwrap()
    }

    fn claim(at: &str) -> ClaimDecision {
        let p = tenggat_sla::preset("innovasia")
            .unwrap()
            .unwrap()
            .availability
            .unwrap();
        decide_for(
            &p,
            "2026-04".parse().unwrap(),
            &jakarta(),
            at.parse().unwrap(),
        )
        .unwrap()
    }

    #[test]
    fn day_30_is_accepted_day_31_refused() {
        let deadline: Timestamp = "2026-05-31T00:00:00+07:00".parse().unwrap();
        assert_eq!(
            claim("2026-05-30T23:59:59.999999999+07:00"),
            ClaimDecision::Accepted { day: 30, deadline }
        );
        let ClaimDecision::Refused(r) = claim("2026-05-31T00:00:00+07:00") else {
            panic!()
        };
        assert_eq!(
            r.to_string(),
            "claimed on day 31 after the end of 2026-04; the policy allows 30 days"
        );
        assert_eq!(
            claim("2026-05-01T00:00:00+07:00"),
            ClaimDecision::Accepted { day: 1, deadline }
        );
        // 23:00 UTC on May 30 is already May 31 in Jakarta.
        assert!(matches!(
            claim("2026-05-30T17:00:00Z"),
            ClaimDecision::Refused(ClaimRefusal::Late { day: 31, .. })
        ));
        let ClaimDecision::Refused(r) = claim("2026-04-30T23:59:59+07:00") else {
            panic!()
        };
        assert_eq!(
            r.to_string(),
            "2026-04 has not ended yet; claim after it ends"
        );
    }

    #[test]
    fn a_policy_without_window_says_so() {
        let p = tenggat_sla::preset("ampocloud")
            .unwrap()
            .unwrap()
            .availability
            .unwrap();
        let e = decide_for(
            &p,
            "2026-04".parse().unwrap(),
            &jakarta(),
            "2026-05-02T00:00:00Z".parse().unwrap(),
        )
        .unwrap_err();
        assert_eq!(e.code(), "availability.no_claim_window");
    }
}
