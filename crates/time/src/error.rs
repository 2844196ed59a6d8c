//! Errors of the business-time crate, each with a stable code.

use thiserror::Error;

/// Why a duration string was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("invalid duration {input:?}: {reason}")]
pub struct DurationError {
    /// The text that was given.
    pub input: String,
    /// What is wrong with it, in words.
    pub reason: String,
}

/// Where in a source file (calendar TOML, holiday CSV or iCalendar) a problem was found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Location {
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// 1-based column, when known.
    pub column: Option<usize>,
    /// Dotted path of the field (`week.tue[1]`, `timezone`), when known.
    pub field: Option<String>,
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut sep = "";
        if let Some(line) = self.line {
            write!(f, "line {line}")?;
            if let Some(col) = self.column {
                write!(f, ", column {col}")?;
            }
            sep = ", ";
        }
        if let Some(field) = &self.field {
            write!(f, "{sep}field `{field}`")?;
        }
        Ok(())
    }
}

/// A calendar definition that cannot be used, with the place it was found.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{location}: {message}")]
pub struct CalendarError {
    /// Stable machine-readable code, e.g. `calendar.overlap`.
    pub code: &'static str,
    /// Where the problem is.
    pub location: Location,
    /// What is wrong, in words.
    pub message: String,
}

impl CalendarError {
    pub(crate) fn new(code: &'static str, location: Location, message: impl Into<String>) -> Self {
        Self {
            code,
            location,
            message: message.into(),
        }
    }
}

/// A computation that cannot be answered.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TimeError {
    /// An instant (given or computed) lies outside the years the engine supports.
    #[error("instant {0} is outside the supported range 1900-01-01 to 2199-12-31 (UTC)")]
    OutOfRange(String),
    /// A duration was negative where only non-negative ones make sense.
    #[error("duration must not be negative")]
    NegativeDuration,
}

impl TimeError {
    /// The stable code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            TimeError::OutOfRange(_) => "time.out_of_range",
            TimeError::NegativeDuration => "time.negative_duration",
        }
    }
}
