//! The desk's domain rules between the HTTP edge and the store: which policy a contract
//! follows, what a valid report is, and the SLA of a ticket computed by the pure fold from its
//! event log.
//!
//! Nothing here reads the wall clock: `now` is a parameter.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};

use jiff::Timestamp;
use serde_json::{Map, Value};
use tenggat_sla::{Evaluation, EventKind, FieldType, Policy, State, TicketEvent};
use tenggat_store::{
    Contract, Database, PolicyRef, SlaCache, Store, StoreError, StoredEvent, sla_events,
};

/// Why a policy or an SLA could not be computed.
#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A stored policy no longer compiles (it was validated on upload, so this is a bug or
    /// tampering) or names an add-on it does not have.
    #[error("policy {0}: {1}")]
    Policy(String, String),
    /// The event log does not fold.
    #[error("ticket events: {0}")]
    Events(String),
    /// The availability arithmetic refused its input (a stored policy's rules, say).
    #[error("availability: {0}")]
    Availability(String),
}

/// Compiled policies by contract binding. Presets and uploaded policy versions never change,
/// so an entry never goes stale; the cache only saves compiling TOML on every request.
#[derive(Default)]
pub struct PolicyCache {
    compiled: RwLock<HashMap<String, Arc<Policy>>>,
}

impl std::fmt::Debug for PolicyCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PolicyCache").finish_non_exhaustive()
    }
}

impl PolicyCache {
    /// The policy a contract follows, with its add-ons applied.
    pub async fn for_contract(
        &self,
        db: &Database,
        contract: &Contract,
    ) -> Result<Arc<Policy>, DeskError> {
        self.resolve(db, &contract.policy, &contract.add_ons).await
    }

    /// A policy binding, compiled (and cached).
    pub async fn resolve(
        &self,
        db: &Database,
        policy: &PolicyRef,
        add_ons: &[String],
    ) -> Result<Arc<Policy>, DeskError> {
        let key = format!("{policy:?} {add_ons:?}");
        if let Ok(map) = self.compiled.read()
            && let Some(found) = map.get(&key)
        {
            return Ok(found.clone());
        }
        let (label, compiled) = match policy {
            PolicyRef::Preset(name) => (
                name.clone(),
                tenggat_sla::preset(name)
                    .ok_or_else(|| DeskError::Policy(name.clone(), "no such preset".into()))?,
            ),
            PolicyRef::Uploaded(id) => {
                let stored = db.get_policy(*id).await?;
                (
                    format!("{} v{}", stored.name, stored.version),
                    Policy::from_toml(&stored.source),
                )
            }
        };
        let mut compiled = compiled.map_err(|e| DeskError::Policy(label.clone(), e.to_string()))?;
        for addon in add_ons {
            compiled = compiled
                .with_addon(addon)
                .ok_or_else(|| DeskError::Policy(label.clone(), format!("no add-on {addon:?}")))?;
        }
        let compiled = Arc::new(compiled);
        if let Ok(mut map) = self.compiled.write() {
            map.insert(key, compiled.clone());
        }
        Ok(compiled)
    }
}

/// The SLA of a ticket at one instant: the fold's evaluation and its JSON.
#[derive(Debug, Clone)]
pub struct TicketSla {
    /// The fold's result.
    pub evaluation: Evaluation,
    /// `tenggat_sla::evaluation_json` of it (the API's `sla` field).
    pub json: Value,
    /// The earliest transition (warning, breach, escalation) the fold has reached but the log
    /// does not record yet: the scheduler still has to write it, so the cache must keep the
    /// ticket due from then on, whoever writes the cache (a note, a policy change, a
    /// recompute). `None` when the log records every one.
    pub unrecorded: Option<Timestamp>,
}

impl TicketSla {
    /// What the store caches for queues and the scheduler.
    pub fn cache(&self) -> SlaCache {
        SlaCache {
            sla: self.json.clone(),
            // The scheduler wakes for warnings as well as for breaches and escalations.
            next_change: [
                self.evaluation.next_change,
                self.evaluation.next_warning,
                self.unrecorded,
            ]
            .into_iter()
            .flatten()
            .min(),
            next_due: next_due(&self.evaluation),
        }
    }
}

/// The earliest instant the queue should sort a ticket by: a breached clock not yet met
/// (its breach instant, so breached tickets come first), else the earliest due instant of a
/// running clock. Paused and met clocks have none.
pub fn next_due(eval: &Evaluation) -> Option<Timestamp> {
    eval.metrics
        .iter()
        .filter_map(|m| match m.state {
            State::Running => m.due,
            State::Breached if m.met_at.is_none() => m.breached_at,
            _ => None,
        })
        .min()
}

/// Folds a ticket's stored events at `now`.
pub fn sla_of_events(
    policy: &Policy,
    events: &[StoredEvent],
    now: Timestamp,
) -> Result<TicketSla, DeskError> {
    let parsed = sla_events(events)?;
    let mut sla = sla_of(policy, &parsed, now)?;
    sla.unrecorded = crate::scheduler::first_unrecorded(&sla.evaluation, events);
    Ok(sla)
}

/// Folds parsed events at `now`.
pub fn sla_of(
    policy: &Policy,
    events: &[TicketEvent],
    now: Timestamp,
) -> Result<TicketSla, DeskError> {
    let evaluation =
        tenggat_sla::evaluate(policy, events, now).map_err(|e| DeskError::Events(e.to_string()))?;
    let json = tenggat_sla::evaluation_json(policy, &evaluation);
    Ok(TicketSla {
        evaluation,
        json,
        unrecorded: None,
    })
}

/// A report as the customer (or an agent on their behalf) filed it, before validation.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Kind id; the policy's first kind when absent.
    pub kind: Option<String>,
    /// Priority id.
    pub priority: String,
    /// Channel id.
    pub channel: Option<String>,
    /// Attribute values (`product`).
    pub attributes: BTreeMap<String, String>,
    /// Mandatory-field values by field id.
    pub fields: Map<String, Value>,
    /// Ids of attachment-type fields that have files with the report.
    pub attachment_fields: Vec<String>,
}

/// A report that does not satisfy the contract's policy.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReportError {
    /// The priority is not one of the policy's.
    #[error("priority {given:?} is not in policy {policy}; use one of {allowed:?}")]
    UnknownPriority {
        /// As given.
        given: String,
        /// Policy id.
        policy: String,
        /// The policy's priorities.
        allowed: Vec<String>,
    },
    /// The kind is not one of the policy's.
    #[error("kind {given:?} is not in policy {policy}; use one of {allowed:?}")]
    UnknownKind {
        /// As given.
        given: String,
        /// Policy id.
        policy: String,
        /// The policy's kinds.
        allowed: Vec<String>,
    },
    /// The channel is not one of the policy's.
    #[error("channel {given:?} is not in policy {policy}; use one of {allowed:?}")]
    UnknownChannel {
        /// As given.
        given: String,
        /// Policy id.
        policy: String,
        /// The policy's channels.
        allowed: Vec<String>,
    },
    /// An attribute or its value is not the policy's.
    #[error("attribute {attribute:?}: {detail}")]
    BadAttribute {
        /// Attribute id.
        attribute: String,
        /// What is wrong.
        detail: String,
    },
    /// Mandatory fields are missing or empty.
    #[error("the report lacks mandatory fields: {}", missing.join(", "))]
    MissingFields {
        /// Field ids.
        missing: Vec<String>,
    },
    /// A field's value has the wrong form.
    #[error("field {field:?}: {detail}")]
    BadField {
        /// Field id.
        field: String,
        /// What is wrong.
        detail: String,
    },
}

impl ReportError {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            ReportError::UnknownPriority { .. } => "ticket.unknown_priority",
            ReportError::UnknownKind { .. } => "ticket.unknown_kind",
            ReportError::UnknownChannel { .. } => "ticket.unknown_channel",
            ReportError::BadAttribute { .. } => "ticket.invalid_attribute",
            ReportError::MissingFields { .. } => "ticket.missing_fields",
            ReportError::BadField { .. } => "ticket.invalid_field",
        }
    }
}

/// Checks a report against a policy and returns the `created` event's kind (the policy's
/// first when none was given). Unknown fields are refused too, so a typo in a field id is not
/// silently dropped.
pub fn validate_report(policy: &Policy, report: &Report) -> Result<String, ReportError> {
    if policy.priority(&report.priority).is_none() {
        return Err(ReportError::UnknownPriority {
            given: report.priority.clone(),
            policy: policy.id.clone(),
            allowed: policy.priorities.iter().map(|p| p.id.clone()).collect(),
        });
    }
    let kind = match &report.kind {
        Some(k) if policy.kind(k).is_none() => {
            return Err(ReportError::UnknownKind {
                given: k.clone(),
                policy: policy.id.clone(),
                allowed: policy.kinds.iter().map(|k| k.id.clone()).collect(),
            });
        }
        Some(k) => k.clone(),
        None => policy
            .kinds
            .first()
            .map(|k| k.id.clone())
            .unwrap_or_else(|| "incident".into()),
    };
    if let Some(channel) = &report.channel
        && policy.channel(channel).is_none()
    {
        return Err(ReportError::UnknownChannel {
            given: channel.clone(),
            policy: policy.id.clone(),
            allowed: policy.channels.iter().map(|c| c.id.clone()).collect(),
        });
    }
    for (attribute, value) in &report.attributes {
        let Some(def) = policy.attributes.iter().find(|a| &a.id == attribute) else {
            return Err(ReportError::BadAttribute {
                attribute: attribute.clone(),
                detail: format!(
                    "policy {} has no such attribute (it has: {})",
                    policy.id,
                    names(policy.attributes.iter().map(|a| a.id.as_str()))
                ),
            });
        };
        if !def.values.is_empty() && !def.values.contains(value) {
            return Err(ReportError::BadAttribute {
                attribute: attribute.clone(),
                detail: format!(
                    "{value:?} is not allowed (use {})",
                    names(def.values.iter().map(String::as_str))
                ),
            });
        }
    }
    for id in report.fields.keys() {
        if !policy.fields.iter().any(|f| &f.id == id) {
            return Err(ReportError::BadField {
                field: id.clone(),
                detail: format!(
                    "policy {} has no such field (it has: {})",
                    policy.id,
                    names(policy.fields.iter().map(|f| f.id.as_str()))
                ),
            });
        }
    }
    let mut missing = Vec::new();
    for field in &policy.fields {
        if field.field_type == FieldType::Attachment {
            if field.required && !report.attachment_fields.contains(&field.id) {
                missing.push(field.id.clone());
            }
            continue;
        }
        match report.fields.get(&field.id) {
            None | Some(Value::Null) => {
                if field.required {
                    missing.push(field.id.clone());
                }
            }
            Some(value) => {
                if is_blank(value) {
                    if field.required {
                        missing.push(field.id.clone());
                    }
                } else {
                    check_field(field.field_type, value).map_err(|detail| {
                        ReportError::BadField {
                            field: field.id.clone(),
                            detail,
                        }
                    })?;
                }
            }
        }
    }
    if !missing.is_empty() {
        return Err(ReportError::MissingFields { missing });
    }
    Ok(kind)
}

fn names<'a>(items: impl Iterator<Item = &'a str>) -> String {
    let list: Vec<&str> = items.collect();
    if list.is_empty() {
        "none".into()
    } else {
        list.join(", ")
    }
}

fn is_blank(value: &Value) -> bool {
    match value {
        Value::String(s) => s.trim().is_empty(),
        Value::Object(o) => o.values().all(is_blank),
        Value::Array(a) => a.is_empty(),
        Value::Null => true,
        _ => false,
    }
}

fn check_field(field_type: FieldType, value: &Value) -> Result<(), String> {
    let text = || {
        value
            .as_str()
            .map(str::trim)
            .ok_or_else(|| "must be a string".to_string())
    };
    match field_type {
        FieldType::Text | FieldType::Attachment => {
            text()?;
        }
        FieldType::Email => check_email(text()?)?,
        FieldType::Phone => check_phone(text()?)?,
        FieldType::Datetime => {
            let t = text()?;
            parse_zoned_instant(t)?;
        }
        FieldType::Person => {
            let Value::Object(person) = value else {
                return Err("must be an object with name, email and phone".into());
            };
            for key in person.keys() {
                if !matches!(key.as_str(), "name" | "email" | "phone") {
                    return Err(format!("unknown key {key:?} (use name, email, phone)"));
                }
            }
            let name = person.get("name").and_then(Value::as_str).unwrap_or("");
            if name.trim().is_empty() {
                return Err("the person's name is missing".into());
            }
            if let Some(email) = person.get("email").and_then(Value::as_str) {
                check_email(email.trim())?;
            }
            if let Some(phone) = person.get("phone").and_then(Value::as_str) {
                check_phone(phone.trim())?;
            }
        }
    }
    Ok(())
}

fn check_email(text: &str) -> Result<(), String> {
    let ok = text.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !text.chars().any(char::is_whitespace)
    });
    if ok {
        Ok(())
    } else {
        Err(format!("{text:?} is not an e-mail address"))
    }
}

fn check_phone(text: &str) -> Result<(), String> {
    let digits = text.chars().filter(char::is_ascii_digit).count();
    let allowed = text
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '(' | ')' | '.'));
    if allowed && (6..=16).contains(&digits) {
        Ok(())
    } else {
        Err(format!(
            "{text:?} is not a phone number (digits, spaces, + - ( ) only)"
        ))
    }
}

/// Parses an instant written with its offset or zone: RFC 3339 (`2026-03-16T09:05:00+07:00`)
/// or RFC 9557 (`2026-03-16T09:05:00+07:00[Asia/Jakarta]`). A local time without an offset is
/// refused: it is ambiguous.
pub fn parse_zoned_instant(text: &str) -> Result<Timestamp, String> {
    if let Ok(zoned) = text.parse::<jiff::Zoned>() {
        return Ok(zoned.timestamp());
    }
    text.parse::<Timestamp>().map_err(|_| {
        format!("{text:?} is not an instant with an offset, e.g. 2026-03-16T09:05:00+07:00")
    })
}

/// Checks an IANA time-zone name against the bundled tz database.
pub fn check_time_zone(name: &str) -> Result<(), String> {
    jiff::tz::TimeZone::get(name)
        .map(|_| ())
        .map_err(|_| format!("{name:?} is not an IANA time zone (e.g. Asia/Jakarta)"))
}

/// The `created` event of a validated report.
pub fn created_event(at: Timestamp, priority: &str, kind: &str, report: &Report) -> TicketEvent {
    TicketEvent {
        at,
        kind: EventKind::Created {
            priority: priority.to_owned(),
            kind: Some(kind.to_owned()),
            channel: report.channel.clone(),
            attributes: report.attributes.clone(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn innovasia() -> Policy {
        tenggat_sla::preset("innovasia")
            .expect("preset")
            .expect("compiles")
    }

    fn full_report() -> Report {
        let fields = serde_json::json!({
            "reporter_name": "Sari",
            "reporter_email": "sari@example.co.id",
            "reporter_phone": "+62 812 555 0101",
            "description": "Expected login, got 500",
            "steps_to_reproduce": "1. open 2. click",
            "error_messages": "HTTP 500",
            "environment": "Chrome 140, Windows 11",
            "first_observed": "2026-03-16T09:05:00+07:00[Asia/Jakarta]",
            "frequency": "always",
            "business_impact": "No partner can log in",
        });
        Report {
            priority: "P1".into(),
            fields: fields.as_object().cloned().unwrap_or_default(),
            attachment_fields: vec!["visual_evidence".into()],
            ..Report::default()
        }
    }

    #[test]
    fn a_full_innovasia_report_passes() {
        let policy = innovasia();
        let missing: Vec<_> = policy
            .fields
            .iter()
            .filter(|f| f.required && f.field_type != FieldType::Attachment)
            .filter(|f| !full_report().fields.contains_key(&f.id))
            .map(|f| f.id.clone())
            .collect();
        assert!(missing.is_empty(), "test report lacks {missing:?}");
        assert_eq!(
            validate_report(&policy, &full_report()),
            Ok("incident".into())
        );
    }

    #[test]
    fn missing_fields_are_listed_all_at_once() {
        let mut report = full_report();
        report.fields.remove("reporter_email");
        report
            .fields
            .insert("environment".into(), Value::String("  ".into()));
        report.attachment_fields.clear();
        match validate_report(&innovasia(), &report) {
            Err(ReportError::MissingFields { missing }) => assert_eq!(
                missing,
                vec!["reporter_email", "visual_evidence", "environment"]
            ),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn unknown_priority_names_the_allowed_ones() {
        let mut report = full_report();
        report.priority = "critical".into();
        let err = validate_report(&innovasia(), &report).expect_err("refused");
        assert_eq!(err.code(), "ticket.unknown_priority");
        assert!(err.to_string().contains("\"P1\", \"P2\", \"P3\""), "{err}");
    }

    #[test]
    fn malformed_values_are_refused() {
        for (field, value) in [
            ("reporter_email", "sari-at-example"),
            ("reporter_phone", "call me"),
            ("first_observed", "2026-03-16 09:05"),
            ("nonsense", "x"),
        ] {
            let mut report = full_report();
            report
                .fields
                .insert(field.into(), Value::String(value.into()));
            let err = validate_report(&innovasia(), &report).expect_err(field);
            assert_eq!(err.code(), "ticket.invalid_field", "{field}");
        }
    }

    #[test]
    fn zoned_instants_need_an_offset() {
        assert!(parse_zoned_instant("2026-03-16T09:05:00+07:00").is_ok());
        assert!(parse_zoned_instant("2026-03-16T09:05:00+07:00[Asia/Jakarta]").is_ok());
        assert!(parse_zoned_instant("2026-03-16T09:05:00").is_err());
        assert!(parse_zoned_instant("2026-02-30T09:05:00+07:00").is_err());
        assert!(check_time_zone("Asia/Jakarta").is_ok());
        assert!(check_time_zone("Asia/Bandung").is_err());
    }
}
