//! Probe samples: what one check saw from one location at one instant.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// One probe result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sample {
    /// When the probe ran (the instant its request was sent).
    pub at: Timestamp,
    /// The check: a monitor, or one synthetic transaction.
    pub check: String,
    /// The probe location that ran it.
    pub location: String,
    /// What it saw.
    pub outcome: Outcome,
}

impl Sample {
    /// The stream the sample belongs to.
    pub fn stream(&self) -> Stream {
        Stream::new(&self.check, &self.location)
    }
}

/// The outcome of one probe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "outcome")]
pub enum Outcome {
    /// The service answered as expected.
    Ok,
    /// The service failed the check.
    Failed(Failure),
    /// Our own prober was cut off (its connectivity self-check failed): the sample says
    /// nothing about the service. Never counted as downtime.
    Inconclusive {
        /// Why the prober could not tell (e.g. "prober offline: reference hosts unreachable").
        reason: String,
    },
}

/// Why a check failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    /// The class of failure.
    pub kind: FailureKind,
    /// What was seen ("HTTP 503", "connect: connection refused", "step 2: keyword missing").
    pub detail: String,
}

impl Failure {
    /// A failure of `kind` with `detail`.
    pub fn new(kind: FailureKind, detail: impl Into<String>) -> Failure {
        Failure {
            kind,
            detail: detail.into(),
        }
    }
}

/// The class of a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// The service could not be reached at all: DNS, connect, TLS handshake or timeout
    /// before any response.
    Unreachable,
    /// The service answered, wrongly: status, body keyword, JSON value, a failed step.
    Unhealthy,
}

/// A stream of samples: one check run from one location. Downtime rules read samples stream
/// by stream, in time order.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Stream {
    /// The check (monitor or synthetic transaction).
    pub check: String,
    /// The probe location.
    pub location: String,
}

impl Stream {
    /// The stream of `check` at `location`.
    pub fn new(check: impl Into<String>, location: impl Into<String>) -> Stream {
        Stream {
            check: check.into(),
            location: location.into(),
        }
    }
}
