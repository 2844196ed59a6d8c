//! Errors of the availability arithmetic, each with a stable code.

use thiserror::Error;

/// Inputs the availability arithmetic refuses, with a stable code ([`AvailabilityError::code`]).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AvailabilityError {
    /// An interval whose end is not after its start.
    #[error("an interval must end after it starts ({start} .. {end})")]
    EmptyInterval {
        /// Start.
        start: jiff::Timestamp,
        /// End.
        end: jiff::Timestamp,
    },
    /// Per-minute slices need a range that starts and ends on UTC minute boundaries.
    #[error("{0} is not on a minute boundary (UTC)")]
    NotMinuteAligned(jiff::Timestamp),
    /// A downtime rule that can never be evaluated as written.
    #[error("downtime rule: {0}")]
    Rule(String),
    /// Nothing to evaluate: no rule, or no monitored stream.
    #[error("{0}")]
    Nothing(String),
    /// A percentage outside 0..=100 or not a number.
    #[error("percent must be between 0 and 100, found {0}")]
    Percent(String),
    /// A month, date or instant outside what the calendar arithmetic supports.
    #[error("calendar arithmetic: {0}")]
    Calendar(String),
    /// An exclusion whose reason the policy does not list.
    #[error("the policy does not exclude {0:?}")]
    UnknownExclusion(String),
    /// A service the policy does not name.
    #[error("the policy names no service {0:?}")]
    UnknownService(String),
    /// The policy has no claim window.
    #[error("the policy has no claim window for service credits")]
    NoClaimWindow,
}

impl AvailabilityError {
    /// The stable code (doubles as the translation key at the edge).
    pub fn code(&self) -> &'static str {
        match self {
            AvailabilityError::EmptyInterval { .. } => "availability.empty_interval",
            AvailabilityError::NotMinuteAligned(_) => "availability.not_minute_aligned",
            AvailabilityError::Rule(_) => "availability.rule",
            AvailabilityError::Nothing(_) => "availability.nothing_to_evaluate",
            AvailabilityError::Percent(_) => "availability.percent",
            AvailabilityError::Calendar(_) => "availability.calendar",
            AvailabilityError::UnknownExclusion(_) => "availability.unknown_exclusion",
            AvailabilityError::UnknownService(_) => "availability.unknown_service",
            AvailabilityError::NoClaimWindow => "availability.no_claim_window",
        }
    }
}

impl From<jiff::Error> for AvailabilityError {
    fn from(e: jiff::Error) -> AvailabilityError {
        AvailabilityError::Calendar(e.to_string())
    }
}
