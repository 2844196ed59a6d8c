//! SLA policies as code and the clock fold of Tenggat.
//!
//! Every SLA decision is a pure function of (policy, calendars, the ticket's events, now):
//! [`evaluate`]. This crate does no I/O and never reads the wall clock.
//!
//! ```
//! use tenggat_sla::{evaluate, preset, TicketEvent};
//! let policy = preset("innovasia").unwrap().unwrap();
//! let events = TicketEvent::parse_jsonl(
//!     r#"{"at":"2026-03-13T16:30:00+07:00","type":"created","priority":"P2"}"#,
//! ).unwrap();
//! let now = "2026-03-16T09:00:00+07:00".parse().unwrap();
//! let result = evaluate(&policy, &events, now).unwrap();
//! // 30 minutes on Friday, 3.5 hours on Monday: response due Monday 12:30 WIB.
//! let response = &result.metrics[0];
//! assert_eq!(response.due.unwrap(), "2026-03-16T12:30:00+07:00".parse().unwrap());
//! ```

mod error;
mod event;
mod explain;
mod file;
mod fold;
mod json;
mod model;
mod policy;
mod presets;

pub use error::{EventError, PolicyError};
pub use event::{EventKind, MAX_EVENTS, TicketEvent};
pub use explain::explain;
pub use fold::{EscalationResult, Evaluation, FiredRule, MetricResult, State, Warning, evaluate};
pub use json::{evaluation_json, target_text};
pub use model::*;
pub use policy::Policy;
pub use presets::{PRESETS, preset, preset_source};
