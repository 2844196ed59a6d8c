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

impl PolicyError {
    /// The error as `tenggat policy check` writes it after the file's name: `line L, column
    /// C, field F: message`, or the message alone when there is no place to name.
    pub fn check_text(&self) -> String {
        if self.location.to_string().is_empty() {
            self.message.clone()
        } else {
            self.to_string()
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_check_text_names_the_place_only_when_there_is_one() {
        let placed = PolicyError {
            code: "policy.syntax",
            location: Location {
                line: Some(3),
                column: Some(1),
                field: Some("id".into()),
            },
            message: "expected a string".into(),
        };
        assert_eq!(
            placed.check_text(),
            "line 3, column 1, field `id`: expected a string"
        );
        let nowhere = PolicyError {
            code: "policy.empty",
            location: Location::default(),
            message: "the file is empty".into(),
        };
        assert_eq!(nowhere.check_text(), "the file is empty");
    }
}
