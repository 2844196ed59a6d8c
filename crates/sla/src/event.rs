//! Ticket events, as the fold reads them: JSON Lines with `"at"` (RFC 3339) and `"type"`.
//!
//! ```text
//! {"at":"2026-03-13T16:30:00+07:00","type":"created","priority":"P2","kind":"incident","product":"azure","channel":"phone"}
//! {"at":"2026-03-16T10:00:00+07:00","type":"paused","reason":"waiting_on_customer"}
//! {"at":"2026-03-16T11:00:00+07:00","type":"resumed"}
//! {"at":"2026-03-16T12:00:00+07:00","type":"priority","to":"P1"}
//! ```

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde_json::Value;

use crate::error::EventError;
use crate::model::{PauseReason, Satisfier};

/// One thing that happened to a ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketEvent {
    /// When it happened.
    pub at: Timestamp,
    /// What happened.
    pub kind: EventKind,
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventKind {
    /// The report arrived.
    Created {
        /// Priority id.
        priority: String,
        /// Kind id (default: the policy's first kind).
        kind: Option<String>,
        /// Channel id, if the policy has channels.
        channel: Option<String>,
        /// Other attributes (`product`).
        attributes: BTreeMap<String, String>,
    },
    /// An event that can satisfy metrics (`acknowledged`, `workaround`, `resolved`, `onsite`,
    /// `information`).
    Progress(Satisfier),
    /// A pause for a reason began.
    Paused(PauseReason),
    /// A pause ended: one reason, or every reason when `None`.
    Resumed(Option<PauseReason>),
    /// The priority changed.
    Priority(String),
    /// The customer rejected the latest workaround (`workaround_rejected`): it does not remove
    /// the business impact. A clock that workaround met runs again from here, unless something
    /// else meets it since (a permanent fix).
    WorkaroundRejected,
    /// The ticket was reopened.
    Reopened,
    /// The ticket was closed.
    Closed,
}

impl EventKind {
    /// The event's `type` id.
    pub fn type_id(&self) -> &'static str {
        match self {
            EventKind::Created { .. } => "created",
            EventKind::Progress(s) => s.as_str(),
            EventKind::Paused(_) => "paused",
            EventKind::Resumed(_) => "resumed",
            EventKind::Priority(_) => "priority",
            EventKind::WorkaroundRejected => "workaround_rejected",
            EventKind::Reopened => "reopened",
            EventKind::Closed => "closed",
        }
    }
}

/// Event streams larger than this many lines are refused.
pub const MAX_EVENTS: usize = 100_000;

impl TicketEvent {
    /// Parses one JSON object.
    pub fn from_json(value: &Value) -> Result<TicketEvent, String> {
        let obj = value.as_object().ok_or("an event is a JSON object")?;
        let text = |key: &str| -> Result<Option<&str>, String> {
            match obj.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.as_str())),
                Some(_) => Err(format!("\"{key}\" must be a string")),
            }
        };
        let at = text("at")?.ok_or("missing \"at\"")?;
        let at: Timestamp = at
            .parse()
            .map_err(|_| format!("\"at\": {at:?} is not RFC 3339 with an offset"))?;
        let ty = text("type")?.ok_or("missing \"type\"")?;
        let reason = |r: &str| {
            PauseReason::parse(r).ok_or_else(|| {
                format!("unknown pause reason {r:?} (use waiting_on_customer, awaiting_permit, maintenance)")
            })
        };
        let kind = match ty {
            "created" => {
                let priority = text("priority")?
                    .ok_or("\"created\" needs \"priority\"")?
                    .to_string();
                let mut attributes = BTreeMap::new();
                for (k, v) in obj {
                    if matches!(k.as_str(), "at" | "type" | "priority" | "kind" | "channel") {
                        continue;
                    }
                    match v {
                        Value::String(s) => {
                            attributes.insert(k.clone(), s.clone());
                        }
                        Value::Null => {}
                        _ => return Err(format!("attribute \"{k}\" must be a string")),
                    }
                }
                EventKind::Created {
                    priority,
                    kind: text("kind")?.map(str::to_string),
                    channel: text("channel")?.map(str::to_string),
                    attributes,
                }
            }
            "paused" => EventKind::Paused(reason(
                text("reason")?.ok_or("\"paused\" needs \"reason\"")?,
            )?),
            "resumed" => EventKind::Resumed(text("reason")?.map(reason).transpose()?),
            "priority" => {
                EventKind::Priority(text("to")?.ok_or("\"priority\" needs \"to\"")?.to_string())
            }
            "workaround_rejected" => EventKind::WorkaroundRejected,
            "reopened" => EventKind::Reopened,
            "closed" => EventKind::Closed,
            other => match Satisfier::parse(other) {
                Some(s) => EventKind::Progress(s),
                None => {
                    return Err(format!(
                        "unknown event type {other:?} (created, acknowledged, workaround, workaround_rejected, resolved, onsite, information, paused, resumed, priority, reopened, closed)"
                    ));
                }
            },
        };
        Ok(TicketEvent { at, kind })
    }

    /// Parses JSON Lines; blank lines are skipped; errors carry the line number.
    pub fn parse_jsonl(text: &str) -> Result<Vec<TicketEvent>, EventError> {
        let mut out = Vec::new();
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            if out.len() >= MAX_EVENTS {
                return Err(EventError::Syntax {
                    line: i + 1,
                    message: format!("more than {MAX_EVENTS} events"),
                });
            }
            let value: Value = serde_json::from_str(line).map_err(|e| {
                // serde counts lines within this one line; only its column means anything.
                let what = e.to_string();
                let what = what
                    .split(" at line ")
                    .next()
                    .unwrap_or("invalid")
                    .to_string();
                EventError::Syntax {
                    line: i + 1,
                    message: format!("not JSON: {what} (column {})", e.column()),
                }
            })?;
            let event = TicketEvent::from_json(&value).map_err(|message| EventError::Syntax {
                line: i + 1,
                message,
            })?;
            out.push(event);
        }
        Ok(out)
    }

    /// The event as one JSON object (the inverse of [`TicketEvent::from_json`]).
    pub fn to_json(&self) -> Value {
        let mut obj = serde_json::Map::new();
        obj.insert("at".into(), Value::String(self.at.to_string()));
        obj.insert("type".into(), Value::String(self.kind.type_id().into()));
        match &self.kind {
            EventKind::Created {
                priority,
                kind,
                channel,
                attributes,
            } => {
                obj.insert("priority".into(), Value::String(priority.clone()));
                if let Some(k) = kind {
                    obj.insert("kind".into(), Value::String(k.clone()));
                }
                if let Some(c) = channel {
                    obj.insert("channel".into(), Value::String(c.clone()));
                }
                for (k, v) in attributes {
                    obj.insert(k.clone(), Value::String(v.clone()));
                }
            }
            EventKind::Paused(r) => {
                obj.insert("reason".into(), Value::String(r.as_str().into()));
            }
            EventKind::Resumed(Some(r)) => {
                obj.insert("reason".into(), Value::String(r.as_str().into()));
            }
            EventKind::Priority(to) => {
                obj.insert("to".into(), Value::String(to.clone()));
            }
            _ => {}
        }
        Value::Object(obj)
    }
}
