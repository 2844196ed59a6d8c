//! Notifications: who hears of a ticket event, and how it reaches them.
//!
//! Every notification goes through the transactional outbox: [`Planner::plan`] turns the
//! events about to be appended into outbox rows (one per recipient and channel), which the
//! store writes in the same transaction as the events ([`tenggat_store::TicketUpdate`]'s
//! `notifications`). The dispatcher ([`dispatch`]) then delivers each row at least once, with
//! retries and backoff; every row carries a stable dedupe key so that a receiver can drop the
//! duplicates at-least-once delivery allows.
//!
//! Who hears of what (the provider's staff by role: level 1 is held by agents, level 2 by
//! escalation managers, level 3 and above by executives):
//!
//! | event | users | webhooks |
//! |---|---|---|
//! | `sla_warning` | the assignee, or every agent when unassigned | yes |
//! | `sla_breached` | the assignee or agents, and the escalation managers | yes |
//! | `escalated` | the holders of the new level, and the assignee | yes |
//! | `escalation_requested`, `severity_change_requested` | escalation managers (and the assignee) | yes |
//! | `escalation_accepted` | who asked, the reporter, the holders of the new level, the assignee | yes |
//! | `escalation_declined`, `severity_change_declined`, `priority` after a request | who asked, and the reporter | yes |
//! | `rca_requested`, `workaround_rejected` | the assignee or agents | yes |
//! | `survey_answered` | rated 1 or 2: the assignee or agents, and the escalation managers | yes |
//! | `action_plan_published`, `emergency_call_recorded`, `rca_delivered`, `post_incident_review_completed` | the reporter | yes |
//!
//! Users get an in-app notification and, when SMTP is configured, an e-mail in their own
//! language. Webhooks get every event type they subscribed to (all when they named none).
//! What is about no ticket event (maintenance, an outage without a ticket, a certificate) is
//! planned by [`notices`].

pub mod dispatch;
pub mod email;
pub mod notices;
pub mod render;
pub mod webhook;

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tenggat_sla::Policy;
use tenggat_store::{
    Database, Language, NewEvent, NewNotification, NotifyChannel, Role, Store, StoreError,
    StoredEvent, Ticket, User, Webhook,
};

/// How long a provider's staff and webhooks are cached between lookups.
const DIRECTORY_TTL: Duration = Duration::from_secs(30);

/// Who works for a provider, as the planner needs it.
#[derive(Debug, Default)]
struct Directory {
    staff: Vec<User>,
    webhooks: Vec<Webhook>,
}

/// Turns ticket events into outbox rows.
#[derive(Debug)]
pub struct Planner {
    /// Whether e-mail is configured (no SMTP: no e-mail rows).
    email: bool,
    /// Where links in messages point.
    public_url: String,
    directories: Mutex<HashMap<i64, (Instant, std::sync::Arc<Directory>)>>,
    /// Keys of notices planned lately ([`Planner::first_time`]).
    told: Mutex<std::collections::HashSet<String>>,
}

/// How many notice keys [`Planner::first_time`] remembers before it starts over.
const REMEMBERED: usize = 10_000;

/// Which staff role holds an escalation level.
pub fn level_role(level: u8) -> Role {
    match level {
        0 | 1 => Role::Agent,
        2 => Role::EscalationManager,
        _ => Role::Executive,
    }
}

impl Planner {
    /// A planner; `email` says whether e-mail rows are written.
    pub fn new(email: bool, public_url: &str) -> Planner {
        Planner {
            email,
            public_url: public_url.trim_end_matches('/').to_owned(),
            directories: Mutex::new(HashMap::new()),
            told: Mutex::new(std::collections::HashSet::new()),
        }
    }

    /// Whether this server meets a notice's key for the first time lately (remembering it):
    /// what sees the same thing over and over (every probe of an expiring certificate) asks
    /// this before writing a notice the outbox would refuse as a duplicate anyway.
    pub fn first_time(&self, key: &str) -> bool {
        let Ok(mut keys) = self.told.lock() else {
            return true;
        };
        if keys.contains(key) {
            return false;
        }
        if keys.len() >= REMEMBERED {
            keys.clear();
        }
        keys.insert(key.to_owned());
        true
    }

    /// Forgets cached staff and webhooks (after an admin changed them).
    pub fn forget(&self, provider_id: i64) {
        if let Ok(mut map) = self.directories.lock() {
            map.remove(&provider_id);
        }
    }

    async fn directory(
        &self,
        db: &Database,
        provider_id: i64,
    ) -> Result<std::sync::Arc<Directory>, StoreError> {
        if let Ok(map) = self.directories.lock()
            && let Some((at, dir)) = map.get(&provider_id)
            && at.elapsed() < DIRECTORY_TTL
        {
            return Ok(dir.clone());
        }
        let (staff, webhooks) = tokio::join!(
            db.users_of_organisation(provider_id),
            db.webhooks_of_provider(provider_id)
        );
        let dir = std::sync::Arc::new(Directory {
            staff: staff?.into_iter().filter(|u| !u.disabled).collect(),
            webhooks: webhooks?
                .into_iter()
                .filter(|w| w.disabled_at.is_none())
                .collect(),
        });
        if let Ok(mut map) = self.directories.lock() {
            map.insert(provider_id, (Instant::now(), dir.clone()));
        }
        Ok(dir)
    }

    /// The outbox rows for `new`, the events about to be appended to `ticket` whose log so
    /// far is `log`.
    pub async fn plan(
        &self,
        db: &Database,
        policy: &Policy,
        ticket: &Ticket,
        log: &[StoredEvent],
        new: &[NewEvent],
    ) -> Result<Vec<NewNotification>, StoreError> {
        if !new.iter().any(|e| is_notified(&e.event_type)) {
            return Ok(Vec::new());
        }
        let dir = self.directory(db, ticket.provider_id).await?;
        let mut out = Vec::new();
        for (index, event) in new.iter().enumerate() {
            if !is_notified(&event.event_type) || superseded(event, &new[index + 1..]) {
                continue;
            }
            let users = self.audience(db, &dir, ticket, log, event).await?;
            let base = self.payload(policy, ticket, event);
            for user in &users {
                let mut payload = base.clone();
                payload["lang"] = json!(user.language.as_str());
                payload["name"] = json!(user.name);
                out.push(NewNotification {
                    event_index: index,
                    channel: NotifyChannel::InApp,
                    recipient: user.id.to_string(),
                    user_id: Some(user.id),
                    payload: payload.clone(),
                });
                if self.email {
                    out.push(NewNotification {
                        event_index: index,
                        channel: NotifyChannel::Email,
                        recipient: user.email.clone(),
                        user_id: Some(user.id),
                        payload,
                    });
                }
            }
            for hook in &dir.webhooks {
                if hook.events.is_empty() || hook.events.contains(&event.event_type) {
                    let mut payload = base.clone();
                    payload["lang"] = json!(hook.language.as_str());
                    out.push(NewNotification {
                        event_index: index,
                        channel: NotifyChannel::Webhook,
                        recipient: hook.id.to_string(),
                        user_id: None,
                        payload,
                    });
                }
            }
        }
        Ok(out)
    }

    /// What every row of an event carries (the dispatcher renders it per language).
    fn payload(&self, policy: &Policy, ticket: &Ticket, event: &NewEvent) -> Value {
        let level = event.payload.get("level").and_then(Value::as_u64);
        let level_name = level.and_then(|l| {
            policy
                .escalation
                .levels
                .iter()
                .find(|x| u64::from(x.level) == l)
                .map(|x| json!({ "id": x.name.id, "en": x.name.en }))
        });
        // Times are shown in the zone of the policy's business calendar (a 24×7 clock has no
        // zone of its own worth showing).
        let zone = policy
            .calendars
            .get(&policy.default_calendar)
            .map(|c| c.timezone_name().to_owned());
        let reason_name = event
            .payload
            .get("reason")
            .and_then(Value::as_str)
            .and_then(|r| policy.escalation.manual_reasons.iter().find(|m| m.id == r))
            .map(|m| json!({ "id": m.name.id, "en": m.name.en }));
        json!({
            "type": event.event_type,
            "reason_name": reason_name,
            "at": event.at.to_string(),
            "zone": zone,
            "ticket": {
                "id": ticket.id,
                "number": ticket.display_number(),
                "title": ticket.title,
                "priority": ticket.priority,
                "status": ticket.status.as_str(),
            },
            "event": event.payload,
            "level_name": level_name,
            "url": format!("{}/api/v1/tickets/{}", self.public_url, ticket.id),
        })
    }

    /// The users who hear of `event`.
    async fn audience(
        &self,
        db: &Database,
        dir: &Directory,
        ticket: &Ticket,
        log: &[StoredEvent],
        event: &NewEvent,
    ) -> Result<Vec<User>, StoreError> {
        let with_role = |role: Role| dir.staff.iter().filter(move |u| u.role == role);
        let assignee = ticket
            .assignee_id
            .and_then(|id| dir.staff.iter().find(|u| u.id == id));
        let workers: Vec<&User> = match assignee {
            Some(a) => vec![a],
            None => with_role(Role::Agent).collect(),
        };
        let mut people: Vec<User> = Vec::new();
        let mut add = |u: &User| {
            if !people.iter().any(|p| p.id == u.id) {
                people.push(u.clone());
            }
        };
        match event.event_type.as_str() {
            "sla_warning" | "rca_requested" | "workaround_rejected" => {
                workers.into_iter().for_each(&mut add);
            }
            "survey_answered" => {
                let rating = event.payload.get("rating").and_then(Value::as_u64);
                if rating.is_some_and(|r| r <= 2) {
                    workers.into_iter().for_each(&mut add);
                    with_role(Role::EscalationManager).for_each(&mut add);
                }
            }
            "sla_breached" => {
                workers.into_iter().for_each(&mut add);
                with_role(Role::EscalationManager).for_each(&mut add);
            }
            "escalated" => {
                with_role(level_role(level_of(event))).for_each(&mut add);
                assignee.into_iter().for_each(&mut add);
            }
            "escalation_requested" | "severity_change_requested" => {
                with_role(Role::EscalationManager).for_each(&mut add);
                assignee.into_iter().for_each(&mut add);
            }
            "escalation_accepted"
            | "escalation_declined"
            | "severity_change_declined"
            | "priority" => {
                let requester = event
                    .payload
                    .get("request")
                    .and_then(Value::as_i64)
                    .and_then(|seq| log.iter().find(|e| e.seq == seq))
                    .and_then(|e| e.actor_id);
                if event.event_type == "priority" && requester.is_none() {
                    // A priority change the provider made on its own tells nobody here.
                    return Ok(people);
                }
                if event.event_type == "escalation_accepted" {
                    // An accepted request is an escalation: the new level's holders take it.
                    with_role(level_role(level_of(event))).for_each(&mut add);
                    assignee.into_iter().for_each(&mut add);
                }
                for id in requester.into_iter().chain(ticket.reporter_id) {
                    if let Some(user) = user_by_id(db, dir, id).await? {
                        add(&user);
                    }
                }
            }
            // An outage found by monitoring: the team, its escalation managers and the
            // customer's administrators (the incident ticket has no reporter).
            "outage_detected" | "outage_recovered" => {
                workers.into_iter().for_each(&mut add);
                with_role(Role::EscalationManager).for_each(&mut add);
                for user in db.users_of_organisation(ticket.customer_org_id).await? {
                    if user.role == Role::CustomerAdmin && !user.disabled {
                        add(&user);
                    }
                }
            }
            "action_plan_published"
            | "emergency_call_recorded"
            | "rca_delivered"
            | "post_incident_review_completed" => {
                if let Some(id) = ticket.reporter_id
                    && let Some(user) = user_by_id(db, dir, id).await?
                {
                    add(&user);
                }
            }
            _ => {}
        }
        Ok(people)
    }
}

/// The clock (`metric:start`) a warning or breach is about, from its key.
fn clock_of(event: &NewEvent) -> Option<&str> {
    let key = event.payload.get("key")?.as_str()?;
    let rest = key
        .strip_prefix("warning:")
        .or_else(|| key.strip_prefix("breach:"))?;
    let mut parts = rest.splitn(3, ':');
    let (metric, start) = (parts.next()?, parts.next()?);
    Some(&rest[..metric.len() + 1 + start.len()])
}

/// Whether a warning is followed, in the same batch, by a later warning or the breach of the
/// same clock: a scheduler catching up after downtime tells people where a clock stands now,
/// not every step it passed while nobody listened. (Every event is still written.)
fn superseded(event: &NewEvent, later: &[NewEvent]) -> bool {
    if event.event_type != "sla_warning" {
        return false;
    }
    let Some(clock) = clock_of(event) else {
        return false;
    };
    later.iter().any(|e| clock_of(e) == Some(clock))
}

/// Whether events of this type notify anyone.
pub fn is_notified(event_type: &str) -> bool {
    matches!(
        event_type,
        "sla_warning"
            | "sla_breached"
            | "escalated"
            | "escalation_requested"
            | "escalation_accepted"
            | "escalation_declined"
            | "severity_change_requested"
            | "severity_change_declined"
            | "priority"
            | "rca_requested"
            | "workaround_rejected"
            | "survey_answered"
            | "rca_delivered"
            | "action_plan_published"
            | "emergency_call_recorded"
            | "post_incident_review_completed"
            | "outage_detected"
            | "outage_recovered"
    )
}

/// The level an event names (`level` in its payload), 1 when none.
fn level_of(event: &NewEvent) -> u8 {
    event
        .payload
        .get("level")
        .and_then(Value::as_u64)
        .and_then(|l| u8::try_from(l).ok())
        .unwrap_or(1)
}

/// A user by id: from the provider's staff when there, else from the store (a customer);
/// disabled users hear nothing.
async fn user_by_id(db: &Database, dir: &Directory, id: i64) -> Result<Option<User>, StoreError> {
    if let Some(u) = dir.staff.iter().find(|u| u.id == id) {
        return Ok(Some(u.clone()));
    }
    match db.get_user(id).await {
        Ok(u) if !u.disabled => Ok(Some(u)),
        Ok(_) | Err(StoreError::NotFound(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The language of a payload (`lang`), English when missing.
pub(crate) fn payload_language(payload: &Value) -> Language {
    payload
        .get("lang")
        .and_then(Value::as_str)
        .and_then(Language::parse)
        .unwrap_or(Language::En)
}
