//! Storage for Tenggat: SQLite (embedded default) and PostgreSQL (scale-out) behind one
//! [`Store`] trait, each with its own embedded migrations.
//!
//! ```no_run
//! # async fn demo() -> Result<(), tenggat_store::StoreError> {
//! use tenggat_store::{Store, open};
//! let db = open("sqlite://tenggat.db", true).await?;
//! let applied = db.migrate().await?;
//! println!("{}: applied {applied:?}", db.backend_name());
//! let open_tickets = db
//!     .count_tickets(&tenggat_store::TicketFilter { open_only: true, ..Default::default() })
//!     .await?;
//! # let _ = open_tickets; Ok(()) }
//! ```
//!
//! Instants are stored as nanoseconds since 1970 UTC in 64-bit integers on both backends (see
//! `docs/architecture.md`, "Storage"); the event log is append-only and every change to a
//! ticket is written in one transaction with its event.

mod create_batch;
mod error;
pub mod model;
mod monitoring;
mod postgres;
mod rows;
mod sql;
mod sql_monitoring;
mod sqlite;
mod store;
pub mod testing;
mod url;

use std::collections::HashSet;

use jiff::Timestamp;
use sha2::{Digest, Sha256};

pub use create_batch::TicketWriterStats;
pub use error::StoreError;
pub use model::*;
pub use monitoring::*;
pub use postgres::PgStore;
pub use sqlite::SqliteStore;
pub use store::{BATCH_LIMIT, Store, StoreResult};
pub use url::redact_url;

/// A store on either backend; implements [`Store`] and [`Monitoring`] by delegation so callers
/// need no generics.
#[derive(Debug, Clone)]
pub enum Database {
    /// SQLite.
    Sqlite(SqliteStore),
    /// PostgreSQL.
    Postgres(PgStore),
}

/// Opens the database a URL names: `sqlite://PATH` or `sqlite:PATH` (relative paths are
/// relative to the working directory), `postgres://…` or `postgresql://…`.
///
/// A SQLite file that does not exist is created only when `create` is true; a PostgreSQL
/// database that does not exist is an error naming it. Any other scheme is `store.config`.
/// Errors never contain the URL's password.
pub async fn open(url: &str, create: bool) -> Result<Database, StoreError> {
    match url::parse(url)? {
        url::DbUrl::Sqlite(path) => Ok(Database::Sqlite(SqliteStore::open(&path, create).await?)),
        url::DbUrl::Postgres(url) => Ok(Database::Postgres(PgStore::open(&url).await?)),
    }
}

impl Database {
    /// Applies pending migrations; returns the names of those applied (`0001_initial`).
    pub async fn migrate(&self) -> StoreResult<Vec<String>> {
        <Database as Store>::migrate(self).await
    }

    /// `sqlite` or `postgres`.
    pub fn backend_name(&self) -> &'static str {
        <Database as Store>::backend_name(self)
    }

    /// What the ticket writer (group commit of new tickets) has done since the store was
    /// opened.
    pub fn ticket_writer_stats(&self) -> TicketWriterStats {
        match self {
            Database::Sqlite(s) => s.ticket_writer_stats(),
            Database::Postgres(p) => p.ticket_writer_stats(),
        }
    }

    /// Closes every connection.
    pub async fn close(&self) {
        match self {
            Database::Sqlite(s) => s.close().await,
            Database::Postgres(p) => p.close().await,
        }
    }
}

/// Hex SHA-256 of a secret token: what the store keeps of API, session and password-setup
/// tokens.
pub fn token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    let mut out = String::with_capacity(64);
    for byte in digest.iter() {
        out.push(char::from(b"0123456789abcdef"[usize::from(byte >> 4)]));
        out.push(char::from(b"0123456789abcdef"[usize::from(byte & 15)]));
    }
    out
}

/// Names (`0001_initial`) of the migrations that were not applied before.
fn applied_names(migrator: &sqlx::migrate::Migrator, before: &HashSet<i64>) -> Vec<String> {
    migrator
        .iter()
        .filter(|m| m.migration_type.is_up_migration() && !before.contains(&m.version))
        .map(|m| format!("{:04}_{}", m.version, m.description.replace(' ', "_")))
        .collect()
}

macro_rules! delegate {
    ($(fn $name:ident(&self $(, $arg:ident : $ty:ty)*) -> $ret:ty;)*) => {
        impl Store for Database {
            fn backend_name(&self) -> &'static str {
                match self {
                    Database::Sqlite(s) => s.backend_name(),
                    Database::Postgres(p) => p.backend_name(),
                }
            }
            $(
                async fn $name(&self $(, $arg: $ty)*) -> $ret {
                    match self {
                        Database::Sqlite(s) => s.$name($($arg),*).await,
                        Database::Postgres(p) => p.$name($($arg),*).await,
                    }
                }
            )*
        }
    };
}

delegate! {
    fn migrate(&self) -> StoreResult<Vec<String>>;
    fn create_organisation(&self, new: &NewOrganisation) -> StoreResult<Organisation>;
    fn get_organisation(&self, id: i64) -> StoreResult<Organisation>;
    fn organisation_by_slug(&self, slug: &str) -> StoreResult<Option<Organisation>>;
    fn list_organisations(&self, kind: Option<OrgKind>) -> StoreResult<Vec<Organisation>>;
    fn create_user(&self, new: &NewUser) -> StoreResult<User>;
    fn get_user(&self, id: i64) -> StoreResult<User>;
    fn user_by_email(&self, email: &str) -> StoreResult<Option<User>>;
    fn users_of_organisation(&self, organisation_id: i64) -> StoreResult<Vec<User>>;
    fn update_user(&self, id: i64, update: &UserUpdate) -> StoreResult<User>;
    fn set_password_hash(&self, user_id: i64, password_hash: &str) -> StoreResult<()>;
    fn set_password_setup_token(&self, user_id: i64, token_hash: &str, expires_at: Timestamp) -> StoreResult<()>;
    fn use_password_setup_token(&self, token_hash: &str, now: Timestamp, password_hash: &str) -> StoreResult<User>;
    fn create_api_token(&self, new: &NewApiToken) -> StoreResult<ApiToken>;
    fn api_token_by_hash(&self, token_hash: &str) -> StoreResult<Option<ApiToken>>;
    fn api_token_with_user(&self, token_hash: &str) -> StoreResult<Option<(ApiToken, User)>>;
    fn api_tokens_of_user(&self, user_id: i64) -> StoreResult<Vec<ApiToken>>;
    fn revoke_api_token(&self, id: i64, at: Timestamp) -> StoreResult<()>;
    fn create_session(&self, new: &NewSession) -> StoreResult<Session>;
    fn session_by_hash(&self, token_hash: &str, now: Timestamp) -> StoreResult<Option<Session>>;
    fn touch_session(&self, id: i64, now: Timestamp, new_expires_at: Timestamp) -> StoreResult<()>;
    fn revoke_session(&self, id: i64, at: Timestamp) -> StoreResult<()>;
    fn revoke_sessions_of_user(&self, user_id: i64, at: Timestamp) -> StoreResult<u64>;
    fn purge_sessions(&self, before: Timestamp) -> StoreResult<u64>;
    fn create_policy(&self, new: &NewPolicy) -> StoreResult<StoredPolicy>;
    fn get_policy(&self, id: i64) -> StoreResult<StoredPolicy>;
    fn list_policies(&self) -> StoreResult<Vec<StoredPolicy>>;
    fn create_contract(&self, new: &NewContract) -> StoreResult<Contract>;
    fn get_contract(&self, id: i64, scope: Option<i64>) -> StoreResult<Contract>;
    fn contracts_of_organisation(&self, customer_org_id: i64) -> StoreResult<Vec<Contract>>;
    fn set_contract_policy(&self, id: i64, policy: &PolicyRef, add_ons: &[String]) -> StoreResult<Contract>;
    fn set_designated_contacts(&self, id: i64, only: bool, user_ids: &[i64]) -> StoreResult<Contract>;
    fn create_ticket(&self, new: &NewTicket, created: &NewEvent) -> StoreResult<TicketWithEvent>;
    fn get_ticket(&self, id: i64, scope: Option<i64>) -> StoreResult<Ticket>;
    fn ticket_by_number(&self, provider_id: i64, number: i64, scope: Option<i64>) -> StoreResult<Ticket>;
    fn list_tickets(&self, filter: &TicketFilter) -> StoreResult<TicketPage>;
    fn count_tickets(&self, filter: &TicketFilter) -> StoreResult<i64>;
    fn append_event(&self, ticket_id: i64, scope: Option<i64>, event: &NewEvent, update: &TicketUpdate) -> StoreResult<TicketWithEvent>;
    fn append_events(&self, ticket_id: i64, scope: Option<i64>, events: &[NewEvent], update: &TicketUpdate) -> StoreResult<(Ticket, Vec<StoredEvent>)>;
    fn ticket_events(&self, ticket_id: i64, scope: Option<i64>, include_internal: bool) -> StoreResult<Vec<StoredEvent>>;
    fn update_sla_cache(&self, ticket_id: i64, seq: i64, cache: &SlaCache) -> StoreResult<bool>;
    fn ticket_logs(&self, ids: &[i64]) -> StoreResult<Vec<TicketLog>>;
    fn append_transitions(&self, batch: &[TransitionAppend]) -> StoreResult<Vec<i64>>;
    fn open_tickets_of_contract(&self, contract_id: i64) -> StoreResult<Vec<i64>>;
    fn open_tickets_with_events(&self, provider_id: i64, types: &[&str], limit: u32) -> StoreResult<Vec<i64>>;
    fn tickets_changing_by(&self, now: Timestamp, limit: u32) -> StoreResult<Vec<i64>>;
    fn earliest_next_change(&self) -> StoreResult<Option<Timestamp>>;
    fn add_attachment(&self, new: &NewAttachment) -> StoreResult<Attachment>;
    fn get_attachment(&self, id: i64, scope: Option<i64>) -> StoreResult<Attachment>;
    fn attachments_of_ticket(&self, ticket_id: i64, scope: Option<i64>) -> StoreResult<Vec<Attachment>>;
    fn claim_idempotency(&self, principal: &str, key: &str, request_hash: &str, now: Timestamp) -> StoreResult<IdempotencyClaim>;
    fn complete_idempotency(&self, principal: &str, key: &str, status: u16, body: &str) -> StoreResult<()>;
    fn release_idempotency(&self, principal: &str, key: &str) -> StoreResult<()>;
    fn purge_idempotency(&self, before: Timestamp) -> StoreResult<u64>;
    fn setting(&self, key: &str) -> StoreResult<Option<String>>;
    fn put_setting(&self, key: &str, value: &str) -> StoreResult<()>;
    fn claim_notifications(&self, now: Timestamp, lease_until: Timestamp, limit: u32) -> StoreResult<Vec<Notification>>;
    fn notification_delivered(&self, id: i64, at: Timestamp) -> StoreResult<bool>;
    fn notification_failed(&self, id: i64, error: &str, retry_at: Option<Timestamp>) -> StoreResult<bool>;
    fn earliest_notification_attempt(&self) -> StoreResult<Option<Timestamp>>;
    fn enqueue_notices(&self, at: Timestamp, notices: &[NewNotice]) -> StoreResult<u64>;
    fn notifications_of_ticket(&self, ticket_id: i64, scope: Option<i64>) -> StoreResult<Vec<Notification>>;
    fn inbox(&self, user_id: i64, unread_only: bool, limit: u32) -> StoreResult<Vec<Notification>>;
    fn mark_read(&self, id: i64, user_id: i64, at: Timestamp) -> StoreResult<()>;
    fn outbox_counts(&self) -> StoreResult<OutboxCounts>;
    fn create_webhook(&self, new: &NewWebhook) -> StoreResult<Webhook>;
    fn get_webhook(&self, id: i64) -> StoreResult<Webhook>;
    fn webhooks_of_provider(&self, provider_id: i64) -> StoreResult<Vec<Webhook>>;
    fn disable_webhook(&self, id: i64, at: Timestamp) -> StoreResult<Webhook>;
}

/// Implements [`Monitoring`] for [`Database`] by delegation (as `delegate!` does [`Store`]).
macro_rules! delegate_monitoring {
    ($(fn $name:ident(&self $(, $arg:ident : $ty:ty)*) -> $ret:ty;)*) => {
        impl Monitoring for Database {
            $(
                async fn $name(&self $(, $arg: $ty)*) -> $ret {
                    match self {
                        Database::Sqlite(s) => s.$name($($arg),*).await,
                        Database::Postgres(p) => p.$name($($arg),*).await,
                    }
                }
            )*
        }
    };
}

delegate_monitoring! {
    fn create_monitor(&self, new: &NewMonitor) -> StoreResult<Monitor>;
    fn get_monitor(&self, id: i64, provider_id: Option<i64>) -> StoreResult<Monitor>;
    fn monitors_of_provider(&self, provider_id: i64) -> StoreResult<Vec<Monitor>>;
    fn monitors_of_contract(&self, contract_id: i64, service_id: Option<&str>) -> StoreResult<Vec<Monitor>>;
    fn monitors_at_location(&self, provider_id: i64, location: &str) -> StoreResult<Vec<Monitor>>;
    fn set_monitor_paused(&self, id: i64, paused_at: Option<Timestamp>, next_run_at: Timestamp) -> StoreResult<Monitor>;
    fn delete_monitor(&self, id: i64) -> StoreResult<()>;
    fn monitored_services(&self) -> StoreResult<Vec<(i64, String)>>;
    fn claim_probe_slots(&self, now: Timestamp, limit: u32) -> StoreResult<Vec<ProbeSlot>>;
    fn earliest_probe_slot(&self) -> StoreResult<Option<Timestamp>>;
    fn record_samples(&self, samples: &[ProbeSample]) -> StoreResult<u64>;
    fn samples_between(&self, monitor_ids: &[i64], from: Timestamp, to: Timestamp) -> StoreResult<Vec<ProbeSample>>;
    fn latest_samples(&self, monitor_ids: &[i64]) -> StoreResult<Vec<ProbeSample>>;
    fn prune_samples(&self, before: Timestamp) -> StoreResult<u64>;
    fn availability_state(&self, contract_id: i64, service_id: &str) -> StoreResult<Option<AvailabilityState>>;
    fn availability_states_of_provider(&self, provider_id: i64) -> StoreResult<Vec<AvailabilityState>>;
    fn advance_availability(&self, contract_id: i64, service_id: &str, expected_until: Option<Timestamp>, until: Timestamp, runs: &[NewRun], live: &LiveState, now: Timestamp) -> StoreResult<bool>;
    fn set_incident_ticket(&self, contract_id: i64, service_id: &str, ticket_id: i64) -> StoreResult<bool>;
    fn runs_between(&self, contract_id: i64, service_id: &str, from: Timestamp, to: Timestamp) -> StoreResult<Vec<AvailabilityRun>>;
    fn create_maintenance(&self, new: &NewMaintenance, notices: &[NewNotice]) -> StoreResult<Maintenance>;
    fn cancel_maintenance(&self, id: i64, at: Timestamp, notices: &[NewNotice]) -> StoreResult<Maintenance>;
    fn maintenance_between(&self, contract_id: i64, from: Timestamp, to: Timestamp) -> StoreResult<Vec<Maintenance>>;
    fn get_maintenance(&self, id: i64) -> StoreResult<Maintenance>;
    fn create_exclusion(&self, new: &NewExclusion) -> StoreResult<ExclusionRecord>;
    fn get_exclusion(&self, id: i64) -> StoreResult<ExclusionRecord>;
    fn exclusions_between(&self, contract_id: i64, from: Timestamp, to: Timestamp) -> StoreResult<Vec<ExclusionRecord>>;
    fn dispute_exclusion(&self, id: i64, by: i64, note: &str, at: Timestamp) -> StoreResult<ExclusionRecord>;
    fn resolve_exclusion(&self, id: i64, state: ExclusionState, note: &str, at: Timestamp) -> StoreResult<ExclusionRecord>;
    fn create_claim(&self, new: &NewCreditClaim) -> StoreResult<CreditClaim>;
    fn get_claim(&self, id: i64, scope: Option<i64>) -> StoreResult<CreditClaim>;
    fn claims_of_contract(&self, contract_id: i64) -> StoreResult<Vec<CreditClaim>>;
    fn decide_claim(&self, id: i64, state: ClaimState, by: i64, note: &str, credit_period: Option<&str>, at: Timestamp) -> StoreResult<CreditClaim>;
    fn create_probe_agent(&self, provider_id: i64, location: &str, token_hash: &str, at: Timestamp) -> StoreResult<ProbeAgent>;
    fn probe_agent_by_token_hash(&self, token_hash: &str) -> StoreResult<Option<ProbeAgent>>;
    fn probe_agents_of_provider(&self, provider_id: i64) -> StoreResult<Vec<ProbeAgent>>;
    fn touch_probe_agent(&self, id: i64, at: Timestamp) -> StoreResult<()>;
    fn revoke_probe_agent(&self, id: i64, at: Timestamp) -> StoreResult<ProbeAgent>;
}

#[cfg(test)]
mod tests {
    #[test]
    fn token_hash_is_hex_sha256() {
        assert_eq!(
            super::token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
