//! Notifications over HTTP: a user's in-app inbox, a ticket's delivery log, and the
//! provider's outgoing webhooks.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tenggat_store::{Language, NewWebhook, Notification, OrgKind, Store, Webhook};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::auth::{Principal, Scope, forbidden, roles};
use crate::extract::{ApiJson, ApiQuery};
use crate::notify::render::render;
use crate::problem::Problem;
use crate::secrets;
use crate::views::{ProblemBody, ts};

/// Most inbox entries one request returns.
const MAX_INBOX: u32 = 200;
/// Most webhooks a provider may register.
const MAX_WEBHOOKS: usize = 20;

/// An in-app notification, rendered in its recipient's language.
#[derive(Serialize, ToSchema)]
pub struct InboxItem {
    /// Id.
    pub id: i64,
    /// The ticket it is about; `null` for a notice about no ticket (maintenance, an outage
    /// that opened no ticket, a certificate close to expiry).
    pub ticket_id: Option<i64>,
    /// The event type that caused it (`sla_warning`, `escalated`, `maintenance_announced`,
    /// `certificate_expiring`, …).
    #[serde(rename = "type")]
    pub kind: String,
    /// One line.
    pub subject: String,
    /// The message.
    pub body: String,
    /// When its event happened.
    pub at: String,
    /// When it was read, if it was.
    pub read_at: Option<String>,
}

impl InboxItem {
    fn new(n: &Notification) -> InboxItem {
        let text = render(&n.payload);
        InboxItem {
            id: n.id,
            ticket_id: n.ticket_id,
            kind: event_type(&n.payload),
            subject: text.subject,
            body: text.body,
            at: ts(n.created_at),
            read_at: n.read_at.map(ts),
        }
    }
}

fn event_type(payload: &Value) -> String {
    payload
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// Query of the inbox.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct InboxQuery {
    /// Only unread ones (default false).
    pub unread: Option<bool>,
    /// How many, newest first (default 50, at most 200).
    pub limit: Option<u32>,
}

/// Your in-app notifications, newest first.
#[utoipa::path(
    get, path = "/api/v1/notifications", tag = "notifications",
    params(InboxQuery),
    responses(
        (status = 200, description = "The inbox", body = Vec<InboxItem>),
        (status = 401, description = "Not signed in", body = ProblemBody, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn inbox(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(query): ApiQuery<InboxQuery>,
) -> Result<axum::Json<Vec<InboxItem>>, Problem> {
    principal.require(roles::ANY, Scope::TicketsRead)?;
    let limit = query.limit.unwrap_or(50).clamp(1, MAX_INBOX);
    let rows = state
        .db
        .inbox(principal.user.id, query.unread.unwrap_or(false), limit)
        .await?;
    Ok(axum::Json(rows.iter().map(InboxItem::new).collect()))
}

/// Mark one of your notifications read.
#[utoipa::path(
    post, path = "/api/v1/notifications/{id}/read", tag = "notifications",
    params(("id" = i64, Path, description = "Notification id")),
    responses(
        (status = 204, description = "Read"),
        (status = 404, description = "Not one of yours", body = ProblemBody, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn mark_read(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
) -> Result<StatusCode, Problem> {
    principal.require(roles::ANY, Scope::TicketsRead)?;
    state
        .db
        .mark_read(id, principal.user.id, state.clock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// One notification of a ticket and where its delivery stands.
#[derive(Serialize, ToSchema)]
pub struct DeliveryView {
    /// Id.
    pub id: i64,
    /// The event (sequence number) that caused it.
    pub event_seq: Option<i64>,
    /// The event type.
    #[serde(rename = "type")]
    pub kind: String,
    /// `email`, `webhook` or `in_app`.
    pub channel: String,
    /// The e-mail address, webhook id or user id.
    pub recipient: String,
    /// The user it is for, if a user.
    pub user_id: Option<i64>,
    /// What a receiver drops duplicates by.
    pub dedupe_key: String,
    /// `pending`, `delivered` or `failed`.
    pub state: String,
    /// Attempts so far.
    pub attempts: i64,
    /// The next attempt, while pending.
    pub next_attempt_at: Option<String>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// When it was delivered.
    pub delivered_at: Option<String>,
}

impl DeliveryView {
    fn new(n: &Notification) -> DeliveryView {
        DeliveryView {
            id: n.id,
            event_seq: n.event_seq,
            kind: event_type(&n.payload),
            channel: n.channel.as_str().to_owned(),
            recipient: n.recipient.clone(),
            user_id: n.user_id,
            dedupe_key: n.dedupe_key.clone(),
            state: n.state.as_str().to_owned(),
            attempts: n.attempts,
            next_attempt_at: (n.state == tenggat_store::DeliveryState::Pending)
                .then(|| ts(n.next_attempt_at)),
            last_error: n.last_error.clone(),
            delivered_at: n.delivered_at.map(ts),
        }
    }
}

/// A ticket's notifications and their delivery state. Staff see every one; a customer sees
/// those addressed to them.
#[utoipa::path(
    get, path = "/api/v1/tickets/{id}/notifications", tag = "notifications",
    params(("id" = i64, Path, description = "Ticket id")),
    responses(
        (status = 200, description = "The deliveries", body = Vec<DeliveryView>),
        (status = 404, description = "No such ticket for this user", body = ProblemBody, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn ticket_notifications(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
) -> Result<axum::Json<Vec<DeliveryView>>, Problem> {
    principal.require(roles::ANY, Scope::TicketsRead)?;
    let rows = state
        .db
        .notifications_of_ticket(id, principal.tenant())
        .await?;
    let staff = principal.is_staff();
    Ok(axum::Json(
        rows.iter()
            .filter(|n| staff || n.user_id == Some(principal.user.id))
            .map(DeliveryView::new)
            .collect(),
    ))
}

/// An outgoing webhook (its secret is shown only when it is created).
#[derive(Serialize, ToSchema)]
pub struct WebhookView {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Where it posts.
    pub url: String,
    /// `id` or `en`: the language of the `text` it receives.
    pub language: String,
    /// Event types it receives (empty: all).
    pub events: Vec<String>,
    /// When it was created.
    pub created_at: String,
    /// When it was disabled.
    pub disabled_at: Option<String>,
    /// The HMAC-SHA256 signing key: in the answer to its creation only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

impl WebhookView {
    fn new(w: &Webhook) -> WebhookView {
        WebhookView {
            id: w.id,
            name: w.name.clone(),
            url: w.url.clone(),
            language: w.language.as_str().to_owned(),
            events: w.events.clone(),
            created_at: ts(w.created_at),
            disabled_at: w.disabled_at.map(ts),
            secret: None,
        }
    }
}

/// A webhook to register.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhookBody {
    /// Name.
    pub name: String,
    /// `https://…` (or `http://` for a receiver on a private network).
    pub url: String,
    /// `id` or `en` (default `en`).
    pub language: Option<String>,
    /// Event types to receive (default: all).
    #[serde(default)]
    pub events: Vec<String>,
}

/// The provider organisation of an admin.
async fn provider_of(state: &AppState, principal: &Principal) -> Result<i64, Problem> {
    principal.require(roles::ADMINS, Scope::Admin)?;
    let org = state
        .db
        .get_organisation(principal.user.organisation_id)
        .await?;
    if org.kind != OrgKind::Provider {
        return Err(forbidden(
            "only the provider's administrators manage webhooks",
        ));
    }
    Ok(org.id)
}

fn invalid(detail: impl Into<String>, field: &str) -> Problem {
    Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "webhook.invalid", detail).with("field", field)
}

/// Register an outgoing webhook (provider administrators). The answer holds the signing
/// secret, shown this once.
#[utoipa::path(
    post, path = "/api/v1/webhooks", tag = "notifications",
    request_body = NewWebhookBody,
    responses(
        (status = 201, description = "Created; `secret` is shown only now", body = WebhookView),
        (status = 403, description = "Not a provider administrator", body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "Invalid", body = ProblemBody, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn create_webhook(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(body): ApiJson<NewWebhookBody>,
) -> Result<Response, Problem> {
    let provider = provider_of(&state, &principal).await?;
    let name = body.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(invalid("name must have 1 to 100 characters", "name"));
    }
    let url = reqwest::Url::parse(body.url.trim())
        .map_err(|e| invalid(format!("url is not a URL: {e}"), "url"))?;
    if !matches!(url.scheme(), "https" | "http") || url.host_str().is_none() {
        return Err(invalid("url must be an http(s) URL with a host", "url"));
    }
    let language = match body.language.as_deref() {
        None => Language::En,
        Some(l) => Language::parse(l)
            .ok_or_else(|| invalid(format!("language {l:?} is not id or en"), "language"))?,
    };
    for event in &body.events {
        if !crate::notify::is_notified(event) {
            return Err(invalid(
                format!("event type {event:?} sends no notifications"),
                "events",
            ));
        }
    }
    if state.db.webhooks_of_provider(provider).await?.len() >= MAX_WEBHOOKS {
        return Err(Problem::new(
            StatusCode::CONFLICT,
            "webhook.too_many",
            format!("a provider has at most {MAX_WEBHOOKS} webhooks"),
        ));
    }
    let secret = format!(
        "whsec_{}",
        secrets::random_hex().map_err(|e| Problem::internal(&e))?
    );
    let hook = state
        .db
        .create_webhook(&NewWebhook {
            provider_id: provider,
            name: name.to_owned(),
            url: url.to_string(),
            secret: secret.clone(),
            language,
            events: body.events.clone(),
            created_at: state.clock.now(),
        })
        .await?;
    state.planner.forget(provider);
    let mut view = WebhookView::new(&hook);
    view.secret = Some(secret);
    Ok((StatusCode::CREATED, axum::Json(view)).into_response())
}

/// The provider's webhooks (provider administrators).
#[utoipa::path(
    get, path = "/api/v1/webhooks", tag = "notifications",
    responses(
        (status = 200, description = "The webhooks", body = Vec<WebhookView>),
        (status = 403, description = "Not a provider administrator", body = ProblemBody, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn list_webhooks(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<axum::Json<Vec<WebhookView>>, Problem> {
    let provider = provider_of(&state, &principal).await?;
    let hooks = state.db.webhooks_of_provider(provider).await?;
    Ok(axum::Json(hooks.iter().map(WebhookView::new).collect()))
}

/// Disable a webhook: it receives nothing more, and its pending deliveries are given up.
#[utoipa::path(
    post, path = "/api/v1/webhooks/{id}/disable", tag = "notifications",
    params(("id" = i64, Path, description = "Webhook id")),
    responses(
        (status = 200, description = "Disabled", body = WebhookView),
        (status = 403, description = "Not a provider administrator", body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "No such webhook", body = ProblemBody, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn disable_webhook(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
) -> Result<axum::Json<WebhookView>, Problem> {
    let provider = provider_of(&state, &principal).await?;
    let hook = state.db.get_webhook(id).await?;
    if hook.provider_id != provider {
        return Err(tenggat_store::StoreError::NotFound("webhook").into());
    }
    let hook = state.db.disable_webhook(id, state.clock.now()).await?;
    state.planner.forget(provider);
    Ok(axum::Json(WebhookView::new(&hook)))
}
