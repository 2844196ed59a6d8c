//! Database rows as both drivers decode them, and their conversion to the model.
//!
//! Every column type here decodes the same on SQLite and PostgreSQL: `i64` (INTEGER/BIGINT),
//! `String` (TEXT), `bool` (0/1 / BOOLEAN), `Json<…>` (TEXT / JSONB).

use jiff::Timestamp;
use jiff::civil::Date;
use serde_json::Value;
use sqlx::types::Json;

use crate::error::StoreError;
use crate::model::*;

/// The `next_due` stored for "no pending due instant" (sorts last).
pub(crate) const NO_DUE: i64 = i64::MAX;

/// An instant as nanoseconds since 1970 UTC (1677-09-21 to 2262-04-11).
pub(crate) fn ns(t: Timestamp) -> Result<i64, StoreError> {
    i64::try_from(t.as_nanosecond())
        .map_err(|_| StoreError::Invalid(format!("instant {t} is outside 1677–2262")))
}

/// An optional instant as nanoseconds.
pub(crate) fn ns_opt(t: Option<Timestamp>) -> Result<Option<i64>, StoreError> {
    t.map(ns).transpose()
}

/// Nanoseconds back to an instant.
pub(crate) fn ts(n: i64) -> Result<Timestamp, StoreError> {
    Timestamp::from_nanosecond(i128::from(n))
        .map_err(|e| StoreError::Database(format!("stored instant {n} is invalid: {e}")))
}

pub(crate) fn ts_opt(n: Option<i64>) -> Result<Option<Timestamp>, StoreError> {
    n.map(ts).transpose()
}

fn date(text: &str) -> Result<Date, StoreError> {
    text.parse()
        .map_err(|e| StoreError::Database(format!("stored date {text:?} is invalid: {e}")))
}

pub(crate) fn stored<T: std::str::FromStr<Err = StoreError>>(text: &str) -> Result<T, StoreError> {
    text.parse()
        .map_err(|e: StoreError| StoreError::Database(format!("stored value: {e}")))
}

/// Refuses an empty (or all-blank) required text.
pub(crate) fn required(text: &str, what: &str) -> Result<(), StoreError> {
    if text.trim().is_empty() {
        Err(StoreError::Invalid(format!("{what} must not be empty")))
    } else {
        Ok(())
    }
}

/// Refuses a JSON value that is not an object.
pub(crate) fn object(value: &Value, what: &str) -> Result<(), StoreError> {
    if value.is_object() {
        Ok(())
    } else {
        Err(StoreError::Invalid(format!("{what} must be a JSON object")))
    }
}

/// The SLA cache as the three stored columns.
pub(crate) type CacheCols<'a> = (Option<Json<&'a Value>>, Option<i64>, i64);

pub(crate) fn cache_cols(cache: Option<&SlaCache>) -> Result<CacheCols<'_>, StoreError> {
    Ok(match cache {
        None => (None, None, NO_DUE),
        Some(c) => (
            Some(Json(&c.sla)),
            ns_opt(c.next_change)?,
            ns_opt(c.next_due)?.unwrap_or(NO_DUE),
        ),
    })
}

macro_rules! org_cols {
    () => {
        "id, kind, name, slug, created_at"
    };
}
pub(crate) use org_cols;

#[derive(sqlx::FromRow)]
pub(crate) struct OrgRow {
    id: i64,
    kind: String,
    name: String,
    slug: String,
    created_at: i64,
}

impl TryFrom<OrgRow> for Organisation {
    type Error = StoreError;
    fn try_from(r: OrgRow) -> Result<Organisation, StoreError> {
        Ok(Organisation {
            id: r.id,
            kind: stored(&r.kind)?,
            name: r.name,
            slug: r.slug,
            created_at: ts(r.created_at)?,
        })
    }
}

macro_rules! user_cols {
    () => {
        "id, organisation_id, email, name, role, password_hash, language, disabled, created_at"
    };
}
pub(crate) use user_cols;

#[derive(sqlx::FromRow)]
pub(crate) struct UserRow {
    id: i64,
    organisation_id: i64,
    email: String,
    name: String,
    role: String,
    password_hash: Option<String>,
    language: String,
    disabled: bool,
    created_at: i64,
}

impl TryFrom<UserRow> for User {
    type Error = StoreError;
    fn try_from(r: UserRow) -> Result<User, StoreError> {
        Ok(User {
            id: r.id,
            organisation_id: r.organisation_id,
            email: r.email,
            name: r.name,
            role: stored(&r.role)?,
            password_hash: r.password_hash,
            language: stored(&r.language)?,
            disabled: r.disabled,
            created_at: ts(r.created_at)?,
        })
    }
}

/// E-mail addresses are compared and stored lower-cased and trimmed.
pub(crate) fn normalise_email(email: &str) -> String {
    email.trim().to_lowercase()
}

macro_rules! token_cols {
    () => {
        "id, user_id, name, scopes, token_hash, created_at, revoked_at"
    };
}
pub(crate) use token_cols;

#[derive(sqlx::FromRow)]
pub(crate) struct TokenRow {
    id: i64,
    user_id: i64,
    name: String,
    scopes: Json<Vec<String>>,
    token_hash: String,
    created_at: i64,
    revoked_at: Option<i64>,
}

impl TryFrom<TokenRow> for ApiToken {
    type Error = StoreError;
    fn try_from(r: TokenRow) -> Result<ApiToken, StoreError> {
        Ok(ApiToken {
            id: r.id,
            user_id: r.user_id,
            name: r.name,
            scopes: r.scopes.0,
            token_hash: r.token_hash,
            created_at: ts(r.created_at)?,
            revoked_at: ts_opt(r.revoked_at)?,
        })
    }
}

/// An unrevoked token joined with its user (`api_token_with_user`); the user's columns keep
/// their names, the token's are prefixed.
#[derive(sqlx::FromRow)]
pub(crate) struct TokenUserRow {
    token_id: i64,
    token_name: String,
    token_scopes: Json<Vec<String>>,
    token_hash: String,
    token_created_at: i64,
    #[sqlx(flatten)]
    user: UserRow,
}

impl TokenUserRow {
    pub(crate) fn split(self) -> Result<(ApiToken, User), StoreError> {
        let user = User::try_from(self.user)?;
        let token = ApiToken {
            id: self.token_id,
            user_id: user.id,
            name: self.token_name,
            scopes: self.token_scopes.0,
            token_hash: self.token_hash,
            created_at: ts(self.token_created_at)?,
            revoked_at: None,
        };
        Ok((token, user))
    }
}

macro_rules! session_cols {
    () => {
        "id, user_id, token_hash, created_at, expires_at, last_seen_at, revoked_at, user_agent"
    };
}
pub(crate) use session_cols;

#[derive(sqlx::FromRow)]
pub(crate) struct SessionRow {
    id: i64,
    user_id: i64,
    token_hash: String,
    created_at: i64,
    expires_at: i64,
    last_seen_at: i64,
    revoked_at: Option<i64>,
    user_agent: Option<String>,
}

impl TryFrom<SessionRow> for Session {
    type Error = StoreError;
    fn try_from(r: SessionRow) -> Result<Session, StoreError> {
        Ok(Session {
            id: r.id,
            user_id: r.user_id,
            token_hash: r.token_hash,
            created_at: ts(r.created_at)?,
            expires_at: ts(r.expires_at)?,
            last_seen_at: ts(r.last_seen_at)?,
            revoked_at: ts_opt(r.revoked_at)?,
            user_agent: r.user_agent,
        })
    }
}

macro_rules! policy_cols {
    () => {
        "id, name, version, source, created_by, created_at"
    };
}
pub(crate) use policy_cols;

#[derive(sqlx::FromRow)]
pub(crate) struct PolicyRow {
    id: i64,
    name: String,
    version: i64,
    source: String,
    created_by: Option<i64>,
    created_at: i64,
}

impl TryFrom<PolicyRow> for StoredPolicy {
    type Error = StoreError;
    fn try_from(r: PolicyRow) -> Result<StoredPolicy, StoreError> {
        Ok(StoredPolicy {
            id: r.id,
            name: r.name,
            version: r.version,
            source: r.source,
            created_by: r.created_by,
            created_at: ts(r.created_at)?,
        })
    }
}

macro_rules! contract_cols {
    () => {
        "id, provider_id, customer_org_id, policy_preset, policy_id, add_ons, monthly_fee_minor, \
         currency, term_start, term_end, designated_contacts_only, created_at"
    };
}
pub(crate) use contract_cols;

#[derive(sqlx::FromRow)]
pub(crate) struct ContractRow {
    pub(crate) id: i64,
    provider_id: i64,
    pub(crate) customer_org_id: i64,
    policy_preset: Option<String>,
    policy_id: Option<i64>,
    add_ons: Json<Vec<String>>,
    monthly_fee_minor: i64,
    currency: String,
    term_start: String,
    term_end: Option<String>,
    designated_contacts_only: bool,
    created_at: i64,
}

/// A contract with its designated contacts (a JSON array of user ids, aggregated in SQL).
#[derive(sqlx::FromRow)]
pub(crate) struct ContractContactsRow {
    #[sqlx(flatten)]
    contract: ContractRow,
    contacts: Json<Vec<i64>>,
}

impl TryFrom<ContractContactsRow> for Contract {
    type Error = StoreError;
    fn try_from(row: ContractContactsRow) -> Result<Contract, StoreError> {
        row.contract.into_contract(row.contacts.0)
    }
}

impl ContractRow {
    pub(crate) fn into_contract(self, contacts: Vec<i64>) -> Result<Contract, StoreError> {
        let policy = match (self.policy_preset, self.policy_id) {
            (Some(name), None) => PolicyRef::Preset(name),
            (None, Some(id)) => PolicyRef::Uploaded(id),
            _ => {
                return Err(StoreError::Database(format!(
                    "contract {} has no single policy",
                    self.id
                )));
            }
        };
        Ok(Contract {
            id: self.id,
            provider_id: self.provider_id,
            customer_org_id: self.customer_org_id,
            policy,
            add_ons: self.add_ons.0,
            monthly_fee_minor: self.monthly_fee_minor,
            currency: self.currency,
            term_start: date(&self.term_start)?,
            term_end: self.term_end.as_deref().map(date).transpose()?,
            designated_contacts_only: self.designated_contacts_only,
            designated_contacts: contacts,
            created_at: ts(self.created_at)?,
        })
    }
}

/// A policy reference as the two stored columns.
pub(crate) fn policy_ref_cols(
    policy: &PolicyRef,
) -> Result<(Option<&str>, Option<i64>), StoreError> {
    Ok(match policy {
        PolicyRef::Preset(name) => {
            required(name, "policy preset name")?;
            (Some(name.as_str()), None)
        }
        PolicyRef::Uploaded(id) => (None, Some(*id)),
    })
}

/// Sorted, without duplicates.
pub(crate) fn unique_ids(ids: &[i64]) -> Vec<i64> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    ids
}

macro_rules! ticket_cols {
    () => {
        "id, provider_id, number, contract_id, customer_org_id, kind, priority, attributes, \
         channel, reporter_id, title, description, fields, observed_at, observed_tz, status, \
         assignee_id, created_at, updated_at, last_seq, sla, sla_seq, next_change, next_due, \
         policy_preset, policy_id, policy_add_ons"
    };
}
pub(crate) use ticket_cols;

#[derive(sqlx::FromRow)]
pub(crate) struct TicketRow {
    id: i64,
    provider_id: i64,
    number: i64,
    contract_id: i64,
    customer_org_id: i64,
    kind: String,
    priority: String,
    attributes: Json<Value>,
    channel: Option<String>,
    reporter_id: Option<i64>,
    title: String,
    description: String,
    fields: Json<Value>,
    observed_at: Option<i64>,
    observed_tz: Option<String>,
    status: String,
    assignee_id: Option<i64>,
    created_at: i64,
    updated_at: i64,
    last_seq: i64,
    sla: Option<Json<Value>>,
    sla_seq: i64,
    next_change: Option<i64>,
    pub(crate) next_due: i64,
    policy_preset: Option<String>,
    policy_id: Option<i64>,
    policy_add_ons: Option<Json<Vec<String>>>,
}

impl TicketRow {
    pub(crate) fn cursor(&self) -> TicketCursor {
        TicketCursor {
            next_due: self.next_due,
            id: self.id,
        }
    }
}

impl TryFrom<TicketRow> for Ticket {
    type Error = StoreError;
    fn try_from(r: TicketRow) -> Result<Ticket, StoreError> {
        let sla = match r.sla {
            None => None,
            Some(Json(sla)) => Some(SlaCache {
                sla,
                next_change: ts_opt(r.next_change)?,
                next_due: if r.next_due == NO_DUE {
                    None
                } else {
                    Some(ts(r.next_due)?)
                },
            }),
        };
        Ok(Ticket {
            id: r.id,
            provider_id: r.provider_id,
            number: r.number,
            contract_id: r.contract_id,
            customer_org_id: r.customer_org_id,
            kind: r.kind,
            priority: r.priority,
            attributes: r.attributes.0,
            channel: r.channel,
            reporter_id: r.reporter_id,
            title: r.title,
            description: r.description,
            fields: r.fields.0,
            observed_at: ts_opt(r.observed_at)?,
            observed_tz: r.observed_tz,
            status: stored(&r.status)?,
            assignee_id: r.assignee_id,
            created_at: ts(r.created_at)?,
            updated_at: ts(r.updated_at)?,
            last_seq: r.last_seq,
            sla,
            sla_seq: r.sla_seq,
            policy: match (r.policy_preset, r.policy_id) {
                (Some(name), _) => Some(PolicyBinding {
                    policy: PolicyRef::Preset(name),
                    add_ons: r.policy_add_ons.map(|a| a.0).unwrap_or_default(),
                }),
                (None, Some(id)) => Some(PolicyBinding {
                    policy: PolicyRef::Uploaded(id),
                    add_ons: r.policy_add_ons.map(|a| a.0).unwrap_or_default(),
                }),
                (None, None) => None,
            },
        })
    }
}

/// The three columns of a policy binding: preset name, uploaded policy id, add-ons (JSON).
pub(crate) type BindingCols<'a> = (Option<&'a str>, Option<i64>, Option<Json<&'a Vec<String>>>);

/// The columns of a policy binding (all `NULL` for none).
pub(crate) fn binding_cols(binding: Option<&PolicyBinding>) -> BindingCols<'_> {
    match binding {
        None => (None, None, None),
        Some(b) => match &b.policy {
            PolicyRef::Preset(name) => (Some(name.as_str()), None, Some(Json(&b.add_ons))),
            PolicyRef::Uploaded(id) => (None, Some(*id), Some(Json(&b.add_ons))),
        },
    }
}

macro_rules! event_cols {
    () => {
        "id, ticket_id, seq, at, event_type, payload, actor_id, visibility"
    };
}
pub(crate) use event_cols;

#[derive(sqlx::FromRow)]
pub(crate) struct EventRow {
    id: i64,
    ticket_id: i64,
    seq: i64,
    at: i64,
    event_type: String,
    payload: Json<Value>,
    actor_id: Option<i64>,
    visibility: String,
}

impl TryFrom<EventRow> for StoredEvent {
    type Error = StoreError;
    fn try_from(r: EventRow) -> Result<StoredEvent, StoreError> {
        Ok(StoredEvent {
            id: r.id,
            ticket_id: r.ticket_id,
            seq: r.seq,
            at: ts(r.at)?,
            event_type: r.event_type,
            payload: r.payload.0,
            actor_id: r.actor_id,
            visibility: stored(&r.visibility)?,
        })
    }
}

/// Checks an event before it is written.
pub(crate) fn check_event(event: &NewEvent) -> Result<(), StoreError> {
    required(&event.event_type, "event type")?;
    object(&event.payload, "event payload")
}

/// Checks the text fields of new attachment metadata.
pub(crate) fn check_attachment(new: &NewAttachment) -> Result<(), StoreError> {
    required(&new.file_name, "file name")?;
    required(&new.content_type, "content type")?;
    required(&new.sha256, "sha256")?;
    required(&new.storage_path, "storage path")?;
    if let Some(field) = &new.field {
        required(field, "attachment field")?;
    }
    if new.size < 0 {
        return Err(StoreError::Invalid("attachment size must be ≥ 0".into()));
    }
    Ok(())
}

macro_rules! attachment_cols {
    () => {
        "id, ticket_id, field, file_name, content_type, size, sha256, storage_path, uploaded_by, created_at"
    };
}
pub(crate) use attachment_cols;

/// The `INSERT` of one attachment row for ticket `$ticket` (a query to run on a pool or in a
/// transaction).
macro_rules! insert_attachment {
    ($new:expr, $ticket:expr) => {
        sqlx::query_as::<_, AttachmentRow>(concat!(
            "INSERT INTO attachments (ticket_id, field, file_name, content_type, size, sha256, \
             storage_path, uploaded_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ",
            attachment_cols!()
        ))
        .bind($ticket)
        .bind(&$new.field)
        .bind(&$new.file_name)
        .bind(&$new.content_type)
        .bind($new.size)
        .bind(&$new.sha256)
        .bind(&$new.storage_path)
        .bind($new.uploaded_by)
        .bind(ns($new.created_at)?)
    };
}
pub(crate) use insert_attachment;

#[derive(sqlx::FromRow)]
pub(crate) struct AttachmentRow {
    id: i64,
    ticket_id: i64,
    field: Option<String>,
    file_name: String,
    content_type: String,
    size: i64,
    sha256: String,
    storage_path: String,
    uploaded_by: Option<i64>,
    created_at: i64,
}

impl TryFrom<AttachmentRow> for Attachment {
    type Error = StoreError;
    fn try_from(r: AttachmentRow) -> Result<Attachment, StoreError> {
        Ok(Attachment {
            id: r.id,
            ticket_id: r.ticket_id,
            field: r.field,
            file_name: r.file_name,
            content_type: r.content_type,
            size: r.size,
            sha256: r.sha256,
            storage_path: r.storage_path,
            uploaded_by: r.uploaded_by,
            created_at: ts(r.created_at)?,
        })
    }
}

/// A value bound into a query built at run time.
pub(crate) enum Bind {
    I64(i64),
    Text(String),
    Bool(bool),
}

/// The `WHERE` clause of a ticket list (placeholders `$1…`, the same on both backends) and
/// its values.
pub(crate) fn ticket_where(
    filter: &TicketFilter,
    with_cursor: bool,
) -> Result<(String, Vec<Bind>), StoreError> {
    let mut clauses: Vec<String> = Vec::new();
    let mut binds: Vec<Bind> = Vec::new();
    let next = |b: Bind, binds: &mut Vec<Bind>| {
        binds.push(b);
        format!("${}", binds.len())
    };
    if let Some(org) = filter.customer_org_id {
        let p = next(Bind::I64(org), &mut binds);
        clauses.push(format!("customer_org_id = {p}"));
    }
    if !filter.statuses.is_empty() {
        let ps: Vec<String> = filter
            .statuses
            .iter()
            .map(|s| next(Bind::Text(s.as_str().to_string()), &mut binds))
            .collect();
        clauses.push(format!("status IN ({})", ps.join(", ")));
    }
    if let Some(priority) = &filter.priority {
        let p = next(Bind::Text(priority.clone()), &mut binds);
        clauses.push(format!("priority = {p}"));
    }
    if let Some(assignee) = filter.assignee_id {
        let p = next(Bind::I64(assignee), &mut binds);
        clauses.push(format!("assignee_id = {p}"));
    }
    if let Some(before) = filter.due_before {
        let p = next(Bind::I64(ns(before)?), &mut binds);
        clauses.push(format!("next_due < {p}"));
    }
    if filter.open_only {
        let p = next(Bind::Bool(true), &mut binds);
        clauses.push(format!("is_open = {p}"));
    }
    if with_cursor && let Some(after) = filter.after {
        let a = next(Bind::I64(after.next_due), &mut binds);
        let b = next(Bind::I64(after.id), &mut binds);
        clauses.push(format!("(next_due, id) > ({a}, {b})"));
    }
    let sql = if clauses.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", clauses.join(" AND "))
    };
    Ok((sql, binds))
}

/// The page size a filter asks for.
pub(crate) fn page_size(filter: &TicketFilter) -> u32 {
    match filter.limit {
        0 => 50,
        n => n.min(MAX_PAGE),
    }
}

macro_rules! outbox_cols {
    () => {
        "id, ticket_id, event_seq, channel, recipient, user_id, dedupe_key, payload, created_at, \
         state, attempts, next_attempt_at, last_error, delivered_at, read_at"
    };
}
pub(crate) use outbox_cols;

#[derive(sqlx::FromRow)]
pub(crate) struct OutboxRow {
    id: i64,
    ticket_id: Option<i64>,
    event_seq: Option<i64>,
    channel: String,
    recipient: String,
    user_id: Option<i64>,
    dedupe_key: String,
    payload: Json<Value>,
    created_at: i64,
    state: String,
    attempts: i64,
    next_attempt_at: i64,
    last_error: Option<String>,
    delivered_at: Option<i64>,
    read_at: Option<i64>,
}

impl TryFrom<OutboxRow> for Notification {
    type Error = StoreError;
    fn try_from(r: OutboxRow) -> Result<Notification, StoreError> {
        Ok(Notification {
            id: r.id,
            ticket_id: r.ticket_id,
            event_seq: r.event_seq,
            channel: stored(&r.channel)?,
            recipient: r.recipient,
            user_id: r.user_id,
            dedupe_key: r.dedupe_key,
            payload: r.payload.0,
            created_at: ts(r.created_at)?,
            state: stored(&r.state)?,
            attempts: r.attempts,
            next_attempt_at: ts(r.next_attempt_at)?,
            last_error: r.last_error,
            delivered_at: ts_opt(r.delivered_at)?,
            read_at: ts_opt(r.read_at)?,
        })
    }
}

/// The dedupe key of a ticket event's notification.
pub(crate) fn dedupe_key(ticket_id: i64, seq: i64, n: &NewNotification) -> String {
    format!(
        "tenggat:{ticket_id}:{seq}:{}:{}",
        n.channel.as_str(),
        n.recipient
    )
}

/// Checks a notification before it is written.
pub(crate) fn check_notification(n: &NewNotification, events: usize) -> Result<(), StoreError> {
    required(&n.recipient, "notification recipient")?;
    object(&n.payload, "notification payload")?;
    if n.event_index >= events {
        return Err(StoreError::Invalid(format!(
            "notification for event {} of {events}",
            n.event_index
        )));
    }
    Ok(())
}

macro_rules! webhook_cols {
    () => {
        "id, provider_id, name, url, secret, language, events, created_at, disabled_at"
    };
}
pub(crate) use webhook_cols;

#[derive(sqlx::FromRow)]
pub(crate) struct WebhookRow {
    id: i64,
    provider_id: i64,
    name: String,
    url: String,
    secret: String,
    language: String,
    events: Json<Vec<String>>,
    created_at: i64,
    disabled_at: Option<i64>,
}

impl TryFrom<WebhookRow> for Webhook {
    type Error = StoreError;
    fn try_from(r: WebhookRow) -> Result<Webhook, StoreError> {
        Ok(Webhook {
            id: r.id,
            provider_id: r.provider_id,
            name: r.name,
            url: r.url,
            secret: r.secret,
            language: stored(&r.language)?,
            events: r.events.0,
            created_at: ts(r.created_at)?,
            disabled_at: ts_opt(r.disabled_at)?,
        })
    }
}
