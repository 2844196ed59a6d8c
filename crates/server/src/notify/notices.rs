//! Notifications caused by no ticket event: maintenance announced or cancelled, an outage of a
//! service whose policy opens no incident ticket, a TLS certificate close to expiry.
//!
//! They go through the same outbox as ticket notifications ([`tenggat_store::NewNotice`]),
//! each row with a dedupe key built from what it is about, so planning the same notice twice
//! (a retry, two servers seeing the same outage) writes it once.
//!
//! | notice | users | webhooks |
//! |---|---|---|
//! | `maintenance_announced`, `maintenance_cancelled` | every user of the customer | yes |
//! | `outage_detected`, `outage_recovered` (no ticket) | agents, escalation managers, the customer's administrators | yes |
//! | `certificate_expiring` | the provider's agents and administrators | yes |

use serde_json::{Value, json};
use tenggat_sla::Policy;
use tenggat_store::{Database, NewNotice, NotifyChannel, Role, Store, StoreError, User};

use super::Planner;

/// Event type of a maintenance window announced to the customer.
pub const MAINTENANCE_ANNOUNCED: &str = "maintenance_announced";
/// Event type of a maintenance window called off.
pub const MAINTENANCE_CANCELLED: &str = "maintenance_cancelled";
/// Event type of a monitored TLS certificate within its warning period.
pub const CERTIFICATE_EXPIRING: &str = "certificate_expiring";

/// What a notice is about: who hears of it follows from its type.
#[derive(Debug, Clone)]
pub struct Notice<'a> {
    /// Its type (`maintenance_announced`, `outage_detected`, …).
    pub kind: &'a str,
    /// The provider whose staff and webhooks may hear of it.
    pub provider_id: i64,
    /// The customer it concerns.
    pub customer_org_id: i64,
    /// The policy of the contract (service names, calendar zone).
    pub policy: &'a Policy,
    /// The contract.
    pub contract_id: i64,
    /// The service, if one.
    pub service_id: Option<&'a str>,
    /// What makes it unique (`outage:7:api:<since>:detected`); each row's key adds its
    /// channel and recipient.
    pub key: String,
    /// When it happened (RFC 3339).
    pub at: jiff::Timestamp,
    /// The details its text shows (`start`, `end`, `note`, `since`, `minutes`, `expires_at`,
    /// `monitor`, `days`).
    pub event: Value,
    /// Where the reader can see more.
    pub url: String,
}

impl Planner {
    /// The outbox rows of a notice, one per recipient and channel.
    pub async fn notices(
        &self,
        db: &Database,
        notice: &Notice<'_>,
    ) -> Result<Vec<NewNotice>, StoreError> {
        let dir = self.directory(db, notice.provider_id).await?;
        let staff = |roles: &[Role]| -> Vec<User> {
            dir.staff
                .iter()
                .filter(|u| roles.contains(&u.role))
                .cloned()
                .collect()
        };
        let customers = || async {
            Ok::<_, StoreError>(
                db.users_of_organisation(notice.customer_org_id)
                    .await?
                    .into_iter()
                    .filter(|u| !u.disabled),
            )
        };
        let users: Vec<User> = match notice.kind {
            MAINTENANCE_ANNOUNCED | MAINTENANCE_CANCELLED => customers().await?.collect(),
            CERTIFICATE_EXPIRING => staff(&[Role::Agent, Role::Admin]),
            _ => {
                let mut people = staff(&[Role::Agent, Role::EscalationManager]);
                people.extend(customers().await?.filter(|u| u.role == Role::CustomerAdmin));
                people
            }
        };
        let base = self.notice_payload(notice);
        let mut out = Vec::new();
        for user in &users {
            let mut payload = base.clone();
            payload["lang"] = json!(user.language.as_str());
            payload["name"] = json!(user.name);
            out.push(NewNotice {
                channel: NotifyChannel::InApp,
                recipient: user.id.to_string(),
                user_id: Some(user.id),
                dedupe_key: format!("{}:in_app:{}", notice.key, user.id),
                payload: payload.clone(),
            });
            if self.email {
                out.push(NewNotice {
                    channel: NotifyChannel::Email,
                    recipient: user.email.clone(),
                    user_id: Some(user.id),
                    dedupe_key: format!("{}:email:{}", notice.key, user.email),
                    payload,
                });
            }
        }
        for hook in &dir.webhooks {
            if hook.events.is_empty() || hook.events.iter().any(|e| e == notice.kind) {
                let mut payload = base.clone();
                payload["lang"] = json!(hook.language.as_str());
                out.push(NewNotice {
                    channel: NotifyChannel::Webhook,
                    recipient: hook.id.to_string(),
                    user_id: None,
                    dedupe_key: format!("{}:webhook:{}", notice.key, hook.id),
                    payload,
                });
            }
        }
        Ok(out)
    }

    /// What every row of a notice carries (the dispatcher renders it per language).
    fn notice_payload(&self, notice: &Notice<'_>) -> Value {
        let policy = notice.policy;
        let service_name = notice.service_id.map(|id| {
            policy
                .availability
                .as_ref()
                .and_then(|a| a.services.iter().find(|s| s.id == id))
                .map_or_else(
                    || json!({ "id": id, "en": id }),
                    |s| json!({ "id": s.name.id, "en": s.name.en }),
                )
        });
        let zone = policy
            .calendars
            .get(&policy.default_calendar)
            .map(|c| c.timezone_name().to_owned());
        json!({
            "type": notice.kind,
            "at": notice.at.to_string(),
            "zone": zone,
            "contract": notice.contract_id,
            "service": notice.service_id,
            "service_name": service_name,
            "event": notice.event,
            "url": notice.url,
        })
    }

    /// Where links in messages point (no trailing slash).
    pub fn public_url(&self) -> &str {
        &self.public_url
    }
}
