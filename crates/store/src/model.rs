//! Domain rows: what the store reads and writes, as plain structs.
//!
//! Ids are `i64` on both backends (SQLite `INTEGER PRIMARY KEY`, PostgreSQL `BIGINT` identity).
//! Instants are [`jiff::Timestamp`]s here and nanoseconds since 1970 (UTC) in the database;
//! civil dates (contract terms) are [`jiff::civil::Date`]s here and `YYYY-MM-DD` text there.

use std::fmt;
use std::str::FromStr;

use jiff::Timestamp;
use jiff::civil::Date;
use serde_json::Value;

use crate::error::StoreError;

/// Declares a closed set of string ids with `as_str`, `parse` and `FromStr`.
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident, $what:literal { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable id stored in the database and used in the API.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            /// Parses the stable id.
            pub fn parse(text: &str) -> Option<$name> {
                match text {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::error::StoreError;
            fn from_str(text: &str) -> Result<$name, $crate::error::StoreError> {
                $name::parse(text).ok_or_else(|| $crate::error::StoreError::Invalid(format!(
                    concat!("unknown ", $what, " {:?} (use {})"),
                    text,
                    [$($text),+].join(", ")
                )))
            }
        }
    };
}
pub(crate) use string_enum;

string_enum!(
    /// Whether an organisation provides the service or receives it.
    OrgKind, "organisation kind" {
        /// The service provider (the desk's owner).
        Provider = "provider",
        /// A customer with contracts.
        Customer = "customer",
    }
);

string_enum!(
    /// What a user may do.
    Role, "role" {
        /// Provider administrator.
        Admin = "admin",
        /// Provider agent working tickets.
        Agent = "agent",
        /// Provider escalation manager.
        EscalationManager = "escalation_manager",
        /// Provider executive (reports).
        Executive = "executive",
        /// Administrator of a customer organisation.
        CustomerAdmin = "customer_admin",
        /// User of a customer organisation.
        CustomerUser = "customer_user",
    }
);

impl Role {
    /// Whether the role belongs to a customer organisation.
    pub fn is_customer(self) -> bool {
        matches!(self, Role::CustomerAdmin | Role::CustomerUser)
    }
}

string_enum!(
    /// The language a user reads.
    Language, "language" {
        /// Bahasa Indonesia.
        Id = "id",
        /// English.
        En = "en",
    }
);

string_enum!(
    /// Who may see an event.
    Visibility, "visibility" {
        /// The customer sees it (public replies, status changes).
        Public = "public",
        /// Only the provider sees it (internal notes).
        Internal = "internal",
    }
);

string_enum!(
    /// Where a ticket stands. Statuses named after a pause reason are how the desk pauses clocks;
    /// `resolved` and `closed` are not open.
    TicketStatus, "ticket status" {
        /// Reported, nobody has answered yet.
        New = "new",
        /// Acknowledged by the provider.
        Acknowledged = "acknowledged",
        /// Being worked on.
        InProgress = "in_progress",
        /// Waiting for the customer.
        WaitingOnCustomer = "waiting_on_customer",
        /// Waiting for a permit.
        AwaitingPermit = "awaiting_permit",
        /// Waiting for a maintenance window.
        Maintenance = "maintenance",
        /// Resolved; may be reopened.
        Resolved = "resolved",
        /// Closed.
        Closed = "closed",
    }
);

impl TicketStatus {
    /// Whether a ticket in this status is open (in the queue).
    pub fn is_open(self) -> bool {
        !matches!(self, TicketStatus::Resolved | TicketStatus::Closed)
    }
}

/// An organisation: the provider or a customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organisation {
    /// Id.
    pub id: i64,
    /// Provider or customer.
    pub kind: OrgKind,
    /// Display name.
    pub name: String,
    /// Unique short name used in URLs.
    pub slug: String,
    /// When it was created.
    pub created_at: Timestamp,
}

/// A new organisation.
#[derive(Debug, Clone)]
pub struct NewOrganisation {
    /// Provider or customer.
    pub kind: OrgKind,
    /// Display name.
    pub name: String,
    /// Unique short name.
    pub slug: String,
    /// Creation instant.
    pub created_at: Timestamp,
}

/// A person who signs in (or will, once the password is set).
#[derive(Clone, PartialEq, Eq)]
pub struct User {
    /// Id.
    pub id: i64,
    /// The organisation the user belongs to.
    pub organisation_id: i64,
    /// Unique e-mail address, stored lower-cased.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// Argon2 PHC string; `None` until the user sets a password.
    pub password_hash: Option<String>,
    /// Language of the portal and e-mails.
    pub language: Language,
    /// A disabled user cannot sign in.
    pub disabled: bool,
    /// When it was created.
    pub created_at: Timestamp,
}

impl fmt::Debug for User {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("organisation_id", &self.organisation_id)
            .field("email", &self.email)
            .field("name", &self.name)
            .field("role", &self.role)
            .field(
                "password_hash",
                &self.password_hash.as_ref().map(|_| "<redacted>"),
            )
            .field("language", &self.language)
            .field("disabled", &self.disabled)
            .field("created_at", &self.created_at)
            .finish()
    }
}

/// A new user (without a password: set one with a setup token or `set_password_hash`).
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Organisation.
    pub organisation_id: i64,
    /// E-mail (lower-cased by the store).
    pub email: String,
    /// Display name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// Language.
    pub language: Language,
    /// Creation instant.
    pub created_at: Timestamp,
}

/// Changes to a user; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct UserUpdate {
    /// New display name.
    pub name: Option<String>,
    /// New role.
    pub role: Option<Role>,
    /// New language.
    pub language: Option<Language>,
    /// Disable or enable.
    pub disabled: Option<bool>,
}

/// An API token. The token itself is never stored: only its SHA-256 ([`crate::token_hash`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    /// Id.
    pub id: i64,
    /// Owner.
    pub user_id: i64,
    /// A name the owner chose.
    pub name: String,
    /// Scopes, e.g. `tickets:read`.
    pub scopes: Vec<String>,
    /// Hex SHA-256 of the token.
    pub token_hash: String,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it was revoked, if it was.
    pub revoked_at: Option<Timestamp>,
}

/// A new API token.
#[derive(Debug, Clone)]
pub struct NewApiToken {
    /// Owner.
    pub user_id: i64,
    /// Name.
    pub name: String,
    /// Scopes.
    pub scopes: Vec<String>,
    /// Hex SHA-256 of the token ([`crate::token_hash`]).
    pub token_hash: String,
    /// Creation instant.
    pub created_at: Timestamp,
}

/// A person's signed-in session (the portal's cookie). The cookie's secret is never stored:
/// only its SHA-256 ([`crate::token_hash`]). `Debug` does not show the hash.
#[derive(Clone, PartialEq, Eq)]
pub struct Session {
    /// Id.
    pub id: i64,
    /// The person signed in.
    pub user_id: i64,
    /// Hex SHA-256 of the session secret (the look-up key).
    pub token_hash: String,
    /// When the person signed in.
    pub created_at: Timestamp,
    /// The instant from which the session no longer counts (moved on by `touch_session`).
    pub expires_at: Timestamp,
    /// When the session was last used.
    pub last_seen_at: Timestamp,
    /// When it was revoked (signed out), if it was.
    pub revoked_at: Option<Timestamp>,
    /// The browser's `User-Agent` at sign-in, to show the person their sessions.
    pub user_agent: Option<String>,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("id", &self.id)
            .field("user_id", &self.user_id)
            .field("token_hash", &"<redacted>")
            .field("created_at", &self.created_at)
            .field("expires_at", &self.expires_at)
            .field("last_seen_at", &self.last_seen_at)
            .field("revoked_at", &self.revoked_at)
            .field("user_agent", &self.user_agent)
            .finish()
    }
}

/// A new session; it is last seen when it is created. `Debug` does not show the hash.
#[derive(Clone)]
pub struct NewSession {
    /// The person signed in.
    pub user_id: i64,
    /// Hex SHA-256 of the session secret ([`crate::token_hash`]); unique.
    pub token_hash: String,
    /// Sign-in instant.
    pub created_at: Timestamp,
    /// Expiry; must be after `created_at`.
    pub expires_at: Timestamp,
    /// The browser's `User-Agent`, if it sent one.
    pub user_agent: Option<String>,
}

impl fmt::Debug for NewSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewSession")
            .field("user_id", &self.user_id)
            .field("token_hash", &"<redacted>")
            .field("created_at", &self.created_at)
            .field("expires_at", &self.expires_at)
            .field("user_agent", &self.user_agent)
            .finish()
    }
}

/// An uploaded policy: TOML text, validated by the caller with `tenggat_sla` before it is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPolicy {
    /// Id (contracts refer to it).
    pub id: i64,
    /// Name; versions count up per name.
    pub name: String,
    /// Version, 1, 2, … per name.
    pub version: i64,
    /// The policy file.
    pub source: String,
    /// Who uploaded it.
    pub created_by: Option<i64>,
    /// When it was uploaded.
    pub created_at: Timestamp,
}

/// A new policy version.
#[derive(Debug, Clone)]
pub struct NewPolicy {
    /// Name; the store assigns the next version for it.
    pub name: String,
    /// The validated TOML text.
    pub source: String,
    /// Uploader.
    pub created_by: Option<i64>,
    /// Upload instant.
    pub created_at: Timestamp,
}

/// Which policy a contract follows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyRef {
    /// A built-in preset by name (`tenggat_sla::preset`).
    Preset(String),
    /// An uploaded policy by id.
    Uploaded(i64),
}

/// A policy with its active add-ons: what a ticket is measured by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyBinding {
    /// The policy.
    pub policy: PolicyRef,
    /// Its active add-ons.
    pub add_ons: Vec<String>,
}

/// A contract binding a customer to a policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contract {
    /// Id.
    pub id: i64,
    /// The provider organisation.
    pub provider_id: i64,
    /// The customer organisation.
    pub customer_org_id: i64,
    /// The policy.
    pub policy: PolicyRef,
    /// Active add-ons of the policy.
    pub add_ons: Vec<String>,
    /// Monthly fee in minor units of the currency (sen, cents).
    pub monthly_fee_minor: i64,
    /// ISO 4217 currency code.
    pub currency: String,
    /// First day of the term.
    pub term_start: Date,
    /// Last day of the term, if it ends.
    pub term_end: Option<Date>,
    /// Only designated contacts may open tickets.
    pub designated_contacts_only: bool,
    /// The designated contacts (user ids of the customer organisation), sorted.
    pub designated_contacts: Vec<i64>,
    /// When it was created.
    pub created_at: Timestamp,
}

/// A new contract.
#[derive(Debug, Clone)]
pub struct NewContract {
    /// Provider organisation.
    pub provider_id: i64,
    /// Customer organisation.
    pub customer_org_id: i64,
    /// Policy.
    pub policy: PolicyRef,
    /// Add-ons.
    pub add_ons: Vec<String>,
    /// Monthly fee in minor units.
    pub monthly_fee_minor: i64,
    /// Currency code.
    pub currency: String,
    /// Term start.
    pub term_start: Date,
    /// Term end.
    pub term_end: Option<Date>,
    /// Only designated contacts may open tickets.
    pub designated_contacts_only: bool,
    /// Designated contacts: users of the customer organisation.
    pub designated_contacts: Vec<i64>,
    /// Creation instant.
    pub created_at: Timestamp,
}

/// The cached result of the SLA fold for a ticket. The event log is the truth; this is what
/// lists sort by and what the scheduler wakes up for.
#[derive(Debug, Clone, PartialEq)]
pub struct SlaCache {
    /// The fold's JSON result (`tenggat_sla::evaluation_json`).
    pub sla: Value,
    /// The next instant at which the result changes without a new event.
    pub next_change: Option<Timestamp>,
    /// The earliest pending due instant (queue order).
    pub next_due: Option<Timestamp>,
}

/// A ticket.
#[derive(Debug, Clone, PartialEq)]
pub struct Ticket {
    /// Id.
    pub id: i64,
    /// The provider organisation (numbers count per provider).
    pub provider_id: i64,
    /// Sequential number per provider, shown as `T-<number>`.
    pub number: i64,
    /// Contract.
    pub contract_id: i64,
    /// Customer organisation (the tenant).
    pub customer_org_id: i64,
    /// Kind id of the policy (`incident`, …).
    pub kind: String,
    /// Priority id of the policy.
    pub priority: String,
    /// Attributes (`product`, …) as a JSON object.
    pub attributes: Value,
    /// Channel id.
    pub channel: Option<String>,
    /// Reporter.
    pub reporter_id: Option<i64>,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// The policy's mandatory fields, as a JSON object.
    pub fields: Value,
    /// When the customer first observed the problem.
    pub observed_at: Option<Timestamp>,
    /// The time zone the reporter gave with `observed_at` (IANA name).
    pub observed_tz: Option<String>,
    /// Status.
    pub status: TicketStatus,
    /// Assignee.
    pub assignee_id: Option<i64>,
    /// Creation instant.
    pub created_at: Timestamp,
    /// Instant of the last change.
    pub updated_at: Timestamp,
    /// Sequence number of the last event.
    pub last_seq: i64,
    /// The cached SLA result, if computed.
    pub sla: Option<SlaCache>,
    /// The event sequence number the cache was computed from.
    pub sla_seq: i64,
    /// The policy the ticket is measured by; `None` (tickets stored before it was recorded)
    /// means the contract's current policy.
    pub policy: Option<PolicyBinding>,
}

impl Ticket {
    /// The number as shown to people: `T-42`.
    pub fn display_number(&self) -> String {
        format!("T-{}", self.number)
    }

    /// Whether the ticket is open.
    pub fn is_open(&self) -> bool {
        self.status.is_open()
    }
}

/// A new ticket (written together with its `created` event).
#[derive(Debug, Clone)]
pub struct NewTicket {
    /// Contract; must belong to `customer_org_id`.
    pub contract_id: i64,
    /// Customer organisation (the tenant that reports).
    pub customer_org_id: i64,
    /// Kind.
    pub kind: String,
    /// Priority.
    pub priority: String,
    /// Attributes (JSON object).
    pub attributes: Value,
    /// Channel.
    pub channel: Option<String>,
    /// Reporter.
    pub reporter_id: Option<i64>,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Mandatory-field values (JSON object).
    pub fields: Value,
    /// First observed.
    pub observed_at: Option<Timestamp>,
    /// Time zone of `observed_at`.
    pub observed_tz: Option<String>,
    /// Initial status.
    pub status: TicketStatus,
    /// Initial assignee.
    pub assignee_id: Option<i64>,
    /// Creation instant.
    pub created_at: Timestamp,
    /// SLA cache computed from the `created` event, if the caller has it.
    pub sla: Option<SlaCache>,
    /// Attachments filed with the report, written in the same transaction (their
    /// `ticket_id` is ignored).
    pub attachments: Vec<NewAttachment>,
    /// The policy the ticket is measured by (the contract's at the time of the report).
    pub policy: Option<PolicyBinding>,
}

/// Changes written with an event; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct TicketUpdate {
    /// New status.
    pub status: Option<TicketStatus>,
    /// New priority.
    pub priority: Option<String>,
    /// New assignee (`Some(None)` unassigns).
    pub assignee_id: Option<Option<i64>>,
    /// SLA cache computed with the new event included.
    pub sla: Option<SlaCache>,
    /// A new policy to measure the ticket by (a contract's policy changed).
    pub policy: Option<PolicyBinding>,
    /// When set, the append is refused with `store.conflict` unless the ticket's last event
    /// sequence number is this one: the caller computed the SLA cache from exactly that log.
    pub expected_seq: Option<i64>,
    /// Notifications the appended events cause, written to the outbox in the same
    /// transaction (so none is lost and none is sent for an event that was not written).
    pub notifications: Vec<NewNotification>,
}

/// The transitions the scheduler writes to one ticket (see [`Store::append_transitions`]):
/// events computed by folding the log up to `expected_seq`, the SLA cache after them and the
/// notifications they cause.
///
/// [`Store::append_transitions`]: crate::Store::append_transitions
#[derive(Debug, Clone)]
pub struct TransitionAppend {
    /// The ticket.
    pub ticket_id: i64,
    /// The sequence number of the last event of the log the transitions were computed from;
    /// a ticket whose log has moved on is left untouched.
    pub expected_seq: i64,
    /// The events, in the order they get their sequence numbers (may be empty: only the cache
    /// moves on).
    pub events: Vec<NewEvent>,
    /// The SLA cache with the events included.
    pub sla: SlaCache,
    /// The notifications the events cause (`event_index` into `events`).
    pub notifications: Vec<NewNotification>,
}

/// A ticket with its whole log (internal events included), read for the scheduler's fold.
#[derive(Debug, Clone, PartialEq)]
pub struct TicketLog {
    /// The ticket row.
    pub ticket: Ticket,
    /// Its events by sequence number.
    pub events: Vec<StoredEvent>,
}

impl TicketLog {
    /// Whether row and log were read at the same point: the row's `last_seq` is the log's
    /// last event. (Read one after the other, they may straddle a write.)
    pub fn consistent(&self) -> bool {
        self.events.last().map(|e| e.seq) == Some(self.ticket.last_seq)
    }
}

/// An event to append. `payload` holds the event's fields other than `at` and `type`, exactly
/// as in `tenggat_sla`'s event JSON (`{"priority":"P1"}` for `created`, `{"reason":…}`, …);
/// events the fold does not know (`reply`, `note`, `assigned`, …) carry what they need.
#[derive(Debug, Clone)]
pub struct NewEvent {
    /// When it happened.
    pub at: Timestamp,
    /// Event type (`created`, `paused`, `reply`, …).
    pub event_type: String,
    /// Other fields (a JSON object).
    pub payload: Value,
    /// Who did it.
    pub actor_id: Option<i64>,
    /// Who may see it.
    pub visibility: Visibility,
}

impl NewEvent {
    /// An event from the fold's model, split into type and payload.
    pub fn from_sla(
        event: &tenggat_sla::TicketEvent,
        actor_id: Option<i64>,
        visibility: Visibility,
    ) -> NewEvent {
        let mut payload = event.to_json();
        if let Some(obj) = payload.as_object_mut() {
            obj.remove("at");
            obj.remove("type");
        }
        NewEvent {
            at: event.at,
            event_type: event.kind.type_id().to_string(),
            payload,
            actor_id,
            visibility,
        }
    }
}

/// An event in a ticket's log.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    /// Id.
    pub id: i64,
    /// Ticket.
    pub ticket_id: i64,
    /// 1, 2, … per ticket; 1 is `created`.
    pub seq: i64,
    /// When it happened.
    pub at: Timestamp,
    /// Type.
    pub event_type: String,
    /// Other fields.
    pub payload: Value,
    /// Who did it.
    pub actor_id: Option<i64>,
    /// Who may see it.
    pub visibility: Visibility,
}

/// Event types the SLA fold reads; other types are recorded but not folded.
pub const SLA_EVENT_TYPES: &[&str] = &[
    "created",
    "acknowledged",
    "workaround",
    "workaround_rejected",
    "resolved",
    "onsite",
    "information",
    "paused",
    "resumed",
    "priority",
    "reopened",
    "closed",
];

impl StoredEvent {
    /// The event as one JSON object with `at` and `type`, as `tenggat_sla` reads it.
    pub fn to_json(&self) -> Value {
        let mut obj = serde_json::Map::new();
        obj.insert("at".into(), Value::String(self.at.to_string()));
        obj.insert("type".into(), Value::String(self.event_type.clone()));
        if let Value::Object(fields) = &self.payload {
            for (k, v) in fields {
                if k != "at" && k != "type" {
                    obj.insert(k.clone(), v.clone());
                }
            }
        }
        Value::Object(obj)
    }

    /// Whether the fold reads this event.
    pub fn is_sla_event(&self) -> bool {
        SLA_EVENT_TYPES.contains(&self.event_type.as_str())
    }
}

/// The events of a log that the fold reads, in order, parsed for `tenggat_sla::evaluate`.
pub fn sla_events(events: &[StoredEvent]) -> Result<Vec<tenggat_sla::TicketEvent>, StoreError> {
    events
        .iter()
        .filter(|e| e.is_sla_event())
        .map(|e| {
            tenggat_sla::TicketEvent::from_json(&e.to_json()).map_err(|m| {
                StoreError::Invalid(format!("event {} of ticket {}: {m}", e.seq, e.ticket_id))
            })
        })
        .collect()
}

/// A ticket with the event just written for it.
#[derive(Debug, Clone, PartialEq)]
pub struct TicketWithEvent {
    /// The ticket as it is after the write.
    pub ticket: Ticket,
    /// The event written.
    pub event: StoredEvent,
}

/// Where a page of the queue ends: the last row's sort key. Opaque to API clients
/// (`Display`/`FromStr` give a compact text form).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TicketCursor {
    /// The row's sort key (nanoseconds of `next_due`, `i64::MAX` for none).
    pub next_due: i64,
    /// The row's id.
    pub id: i64,
}

impl fmt::Display for TicketCursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.next_due, self.id)
    }
}

impl FromStr for TicketCursor {
    type Err = StoreError;
    fn from_str(text: &str) -> Result<TicketCursor, StoreError> {
        let bad = || StoreError::Invalid(format!("invalid cursor {text:?}"));
        let (due, id) = text.split_once('.').ok_or_else(bad)?;
        Ok(TicketCursor {
            next_due: due.parse().map_err(|_| bad())?,
            id: id.parse().map_err(|_| bad())?,
        })
    }
}

/// Filters for the ticket list. Empty means "all tickets".
#[derive(Debug, Clone, Default)]
pub struct TicketFilter {
    /// Only this customer organisation (tenant scope: set it for customer users).
    pub customer_org_id: Option<i64>,
    /// Only these statuses (empty: any).
    pub statuses: Vec<TicketStatus>,
    /// Only this priority.
    pub priority: Option<String>,
    /// Only this assignee.
    pub assignee_id: Option<i64>,
    /// Only tickets whose next due instant is before this one ("breaching within N minutes").
    pub due_before: Option<Timestamp>,
    /// Only open tickets.
    pub open_only: bool,
    /// Start after this row (the previous page's `next`).
    pub after: Option<TicketCursor>,
    /// Page size; 0 means the default (50); at most [`MAX_PAGE`].
    pub limit: u32,
}

/// The largest page `list_tickets` returns.
pub const MAX_PAGE: u32 = 1000;

/// One page of tickets, sorted by next due instant (tickets without one last), then id.
#[derive(Debug, Clone, PartialEq)]
pub struct TicketPage {
    /// The tickets.
    pub tickets: Vec<Ticket>,
    /// The cursor for the next page, if there may be one.
    pub next: Option<TicketCursor>,
}

/// Attachment metadata; the bytes live on disk under the data directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// Id.
    pub id: i64,
    /// Ticket.
    pub ticket_id: i64,
    /// The report field (an `attachment` field of the policy) it was filed for, if any.
    pub field: Option<String>,
    /// File name as uploaded.
    pub file_name: String,
    /// Content type.
    pub content_type: String,
    /// Size in bytes.
    pub size: i64,
    /// Hex SHA-256 of the content.
    pub sha256: String,
    /// Path relative to the data directory.
    pub storage_path: String,
    /// Uploader.
    pub uploaded_by: Option<i64>,
    /// Upload instant.
    pub created_at: Timestamp,
}

/// New attachment metadata.
#[derive(Debug, Clone)]
pub struct NewAttachment {
    /// Ticket.
    pub ticket_id: i64,
    /// The report field it was filed for, if any.
    pub field: Option<String>,
    /// File name.
    pub file_name: String,
    /// Content type.
    pub content_type: String,
    /// Size in bytes.
    pub size: i64,
    /// Hex SHA-256.
    pub sha256: String,
    /// Path relative to the data directory.
    pub storage_path: String,
    /// Uploader.
    pub uploaded_by: Option<i64>,
    /// Upload instant.
    pub created_at: Timestamp,
}

/// The outcome of claiming an idempotency key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdempotencyClaim {
    /// First use: go ahead, then `complete_idempotency` (or `release_idempotency` on failure).
    New,
    /// The same request is still being processed.
    InProgress,
    /// The same request was answered before: send this again.
    Replay {
        /// HTTP status.
        status: u16,
        /// Response body.
        body: String,
    },
}

string_enum!(
    /// How a notification reaches its recipient.
    NotifyChannel, "notification channel" {
        /// E-mail over SMTP.
        Email = "email",
        /// An HMAC-signed HTTP POST to a provider's webhook.
        Webhook = "webhook",
        /// The recipient's in-app inbox (delivered when written).
        InApp = "in_app",
    }
);

string_enum!(
    /// Where a notification's delivery stands.
    DeliveryState, "delivery state" {
        /// Not delivered yet; attempted at `next_attempt_at`.
        Pending = "pending",
        /// Delivered (the receiver accepted it).
        Delivered = "delivered",
        /// Given up after the last attempt.
        Failed = "failed",
    }
);

/// A notification to write to the outbox with the events of an append.
#[derive(Debug, Clone, PartialEq)]
pub struct NewNotification {
    /// Which of the appended events caused it (its index in the slice appended).
    pub event_index: usize,
    /// The channel.
    pub channel: NotifyChannel,
    /// An e-mail address, a webhook id or a user id, per channel.
    pub recipient: String,
    /// The user it is for, if a user.
    pub user_id: Option<i64>,
    /// What the dispatcher needs to render and send it (a JSON object).
    pub payload: Value,
}

/// A notification caused by no ticket event (a maintenance announcement, an outage of a
/// service that opens no ticket, a certificate close to expiry), written once per dedupe key.
#[derive(Debug, Clone, PartialEq)]
pub struct NewNotice {
    /// The channel.
    pub channel: NotifyChannel,
    /// An e-mail address, a webhook id or a user id, per channel.
    pub recipient: String,
    /// The user it is for, if a user.
    pub user_id: Option<i64>,
    /// What makes it unique (`outage:7:api:2026-03-01T00:00:00Z:detected:email:a@b.id`): a
    /// notice whose key is in the outbox already is not written again.
    pub dedupe_key: String,
    /// What the dispatcher needs to render and send it (a JSON object).
    pub payload: Value,
}

/// A notification in the outbox.
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    /// Id.
    pub id: i64,
    /// The ticket it is about, if any.
    pub ticket_id: Option<i64>,
    /// The event that caused it.
    pub event_seq: Option<i64>,
    /// The channel.
    pub channel: NotifyChannel,
    /// An e-mail address, a webhook id or a user id, per channel.
    pub recipient: String,
    /// The user it is for, if a user.
    pub user_id: Option<i64>,
    /// Stable and unique: what a receiver drops duplicates by
    /// (`tenggat:<ticket>:<seq>:<channel>:<recipient>`).
    pub dedupe_key: String,
    /// What to render and send.
    pub payload: Value,
    /// When it was written (the instant of its event).
    pub created_at: Timestamp,
    /// Delivery state.
    pub state: DeliveryState,
    /// Attempts started so far.
    pub attempts: i64,
    /// The next attempt (or the end of the running attempt's lease).
    pub next_attempt_at: Timestamp,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// When it was delivered.
    pub delivered_at: Option<Timestamp>,
    /// When its recipient read it (in-app).
    pub read_at: Option<Timestamp>,
}

/// How many notifications are in each delivery state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutboxCounts {
    /// Waiting for delivery.
    pub pending: i64,
    /// Delivered.
    pub delivered: i64,
    /// Given up.
    pub failed: i64,
}

/// An outgoing webhook of a provider.
#[derive(Clone, PartialEq, Eq)]
pub struct Webhook {
    /// Id.
    pub id: i64,
    /// The provider organisation whose tickets it reports.
    pub provider_id: i64,
    /// Name.
    pub name: String,
    /// Where it posts (`https://hooks.slack.com/…`, a Teams incoming webhook, any receiver).
    pub url: String,
    /// The HMAC-SHA256 signing key.
    pub secret: String,
    /// The language of its messages' text.
    pub language: Language,
    /// Event types it receives (empty: all).
    pub events: Vec<String>,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it was disabled, if it is.
    pub disabled_at: Option<Timestamp>,
}

impl fmt::Debug for Webhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Webhook")
            .field("id", &self.id)
            .field("provider_id", &self.provider_id)
            .field("name", &self.name)
            .field("url", &self.url)
            .field("secret", &"<redacted>")
            .field("language", &self.language)
            .field("events", &self.events)
            .field("created_at", &self.created_at)
            .field("disabled_at", &self.disabled_at)
            .finish()
    }
}

/// A new outgoing webhook.
#[derive(Clone)]
pub struct NewWebhook {
    /// The provider organisation.
    pub provider_id: i64,
    /// Name.
    pub name: String,
    /// Where it posts.
    pub url: String,
    /// The signing key.
    pub secret: String,
    /// The language of its messages' text.
    pub language: Language,
    /// Event types it receives (empty: all).
    pub events: Vec<String>,
    /// Creation instant.
    pub created_at: Timestamp,
}

impl fmt::Debug for NewWebhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewWebhook")
            .field("provider_id", &self.provider_id)
            .field("name", &self.name)
            .field("url", &self.url)
            .field("secret", &"<redacted>")
            .field("language", &self.language)
            .field("events", &self.events)
            .finish()
    }
}
