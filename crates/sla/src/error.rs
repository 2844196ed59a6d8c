//! Errors of the policy crate, each with a stable code.

use tenggat_time::Location;
use thiserror::Error;

/// A policy file that cannot be used, with the place it was found.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{location}: {message}")]
pub struct PolicyError {
    /// Stable code, e.g. `policy.unknown_calendar`.
    pub code: &'static str,
    /// Line, column and field.
    pub location: Location,
    /// What is wrong.
    pub message: String,
}

/// Ticket events that cannot be folded.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EventError {
    /// A line of the event stream is not a valid event.
    #[error("line {line}: {message}")]
    Syntax {
        /// 1-based line.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// The events do not describe a ticket the policy knows.
    #[error("{0}")]
    Invalid(String),
}

impl EventError {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            EventError::Syntax { .. } => "events.syntax",
            EventError::Invalid(_) => "events.invalid",
        }
    }
}
