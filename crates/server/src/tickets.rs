//! `/api/v1/tickets`: report, read, list and work tickets. Every change is one event appended
//! to the ticket's log together with the SLA cache the fold computes from the log including
//! it; what a single-ticket answer shows is folded from the log at the moment of the request.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;
use serde_json::{Value, json};
use tenggat_sla::{FieldType, PauseReason, Policy};
use tenggat_store::{
    Contract, NewAttachment, NewEvent, NewTicket, PolicyBinding, Store, StoreError, StoredEvent,
    Ticket, TicketCursor, TicketFilter, TicketStatus, TicketUpdate, Visibility,
};
use utoipa::IntoParams;

use crate::AppState;
use crate::auth::{Principal, Scope, forbidden, roles};
use crate::desk::{self, DeskError, Report, ReportError};
use crate::extract::{ApiJson, ApiQuery, MAX_UPLOAD_JSON_BYTES, MaybeJson};
use crate::problem::Problem;
use crate::views::{
    ActionBody, AssignBody, AttachmentView, CreateTicket, EventView, MessageBody,
    PriorityChangeBody, ProblemBody, StatusChange, TicketPageView, TicketView,
};

/// Longest title accepted.
const MAX_TITLE_CHARS: usize = 200;
/// Longest description, reply or note accepted.
pub(crate) const MAX_TEXT_CHARS: usize = 100_000;
/// How far in the future a first-observed instant may lie (clock skew).
pub(crate) const OBSERVED_SKEW: SignedDuration = SignedDuration::from_mins(5);
/// How often an append is retried when another change to the ticket came first.
const APPEND_ATTEMPTS: usize = 5;

impl From<DeskError> for Problem {
    fn from(e: DeskError) -> Problem {
        match e {
            DeskError::Store(e) => e.into(),
            DeskError::Events(detail) => Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "ticket.invalid_event",
                format!("the change does not fit the ticket's history: {detail}"),
            ),
            other => Problem::internal(&other),
        }
    }
}

impl From<ReportError> for Problem {
    fn from(e: ReportError) -> Problem {
        let problem = Problem::new(StatusCode::UNPROCESSABLE_ENTITY, e.code(), e.to_string());
        match &e {
            ReportError::MissingFields { missing } => problem.with("missing", missing.clone()),
            ReportError::UnknownPriority { allowed, .. }
            | ReportError::UnknownKind { allowed, .. }
            | ReportError::UnknownChannel { allowed, .. } => {
                problem.with("allowed", allowed.clone())
            }
            ReportError::BadAttribute { attribute, .. } => problem.with("field", attribute.clone()),
            ReportError::BadField { field, .. } => problem.with("field", field.clone()),
        }
    }
}

pub(crate) fn invalid(code: &'static str, detail: impl Into<String>) -> Problem {
    Problem::new(StatusCode::UNPROCESSABLE_ENTITY, code, detail)
}

pub(crate) fn conflict(code: &'static str, detail: impl Into<String>) -> Problem {
    Problem::new(StatusCode::CONFLICT, code, detail)
}

pub(crate) fn check_text(what: &str, text: &str, min: usize, max: usize) -> Result<(), Problem> {
    let n = text.trim().chars().count();
    if n < min || text.chars().count() > max {
        return Err(invalid(
            "request.invalid_text",
            format!("{what} must have {min} to {max} characters"),
        )
        .with("field", what));
    }
    Ok(())
}

/// The ticket, its contract's policy and its full log.
pub(crate) struct Loaded {
    pub(crate) ticket: Ticket,
    pub(crate) policy: Arc<Policy>,
    pub(crate) events: Vec<StoredEvent>,
}

pub(crate) async fn load(
    state: &AppState,
    id: i64,
    tenant: Option<i64>,
) -> Result<Loaded, Problem> {
    let ticket = state.db.get_ticket(id, tenant).await?;
    let policy = policy_of(state, &ticket).await?;
    let events = state.db.ticket_events(id, None, true).await?;
    Ok(Loaded {
        ticket,
        policy,
        events,
    })
}

/// The policy a ticket is measured by: its own binding, or (for tickets stored before
/// bindings were recorded) its contract's.
pub(crate) async fn policy_of(state: &AppState, ticket: &Ticket) -> Result<Arc<Policy>, Problem> {
    Ok(match &ticket.policy {
        Some(binding) => {
            state
                .policies
                .resolve(&state.db, &binding.policy, &binding.add_ons)
                .await?
        }
        None => {
            let contract = state.db.get_contract(ticket.contract_id, None).await?;
            state.policies.for_contract(&state.db, &contract).await?
        }
    })
}

fn view_of(loaded: &Loaded, now: Timestamp) -> Result<TicketView, Problem> {
    let sla = desk::sla_of_events(&loaded.policy, &loaded.events, now)?;
    let next_due = desk::next_due(&sla.evaluation);
    let mut view = TicketView::new(&loaded.ticket, sla.json, next_due, now);
    view.team = team_of(&loaded.events);
    Ok(view)
}

/// The team named by the last assignment, if any.
fn team_of(events: &[StoredEvent]) -> Option<String> {
    events
        .iter()
        .rev()
        .find(|e| e.event_type == "assigned")
        .and_then(|e| e.payload.get("team"))
        .and_then(Value::as_str)
        .map(str::to_owned)
}

// ------------------------------------------------------------------------------ create

/// Report a ticket.
///
/// The contract's policy decides which priorities, kinds, channels and attributes exist and
/// which fields a report must carry; a report missing any gets 422 `ticket.missing_fields`
/// with the list. Files go inline (base64) in `attachments`; a file for an `attachment` field
/// names it in `field`. With an `Idempotency-Key` header a retried request returns the first
/// answer instead of making a second ticket.
#[utoipa::path(
    post, path = "/api/v1/tickets", tag = "tickets",
    request_body = CreateTicket,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses(
        (status = 201, description = "Created", body = TicketView),
        (status = 400, description = "Malformed JSON", body = ProblemBody, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = ProblemBody, content_type = "application/problem+json"),
        (status = 403, description = "Role, scope or designated-contact rule refuses", body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "No such contract for this user", body = ProblemBody, content_type = "application/problem+json"),
        (status = 413, description = "Too large", body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "Invalid report", body = ProblemBody, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn create_ticket(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(request): ApiJson<CreateTicket, MAX_UPLOAD_JSON_BYTES>,
) -> Result<Response, Problem> {
    principal.require(roles::REPORTERS, Scope::TicketsWrite)?;
    let now = state.clock.now();
    let contract = find_contract(&state, &principal, request.contract_id).await?;
    check_term(&contract, now)?;
    let reporter_id = reporter(&state, &principal, &contract, request.reporter_id).await?;
    check_text("title", &request.title, 1, MAX_TITLE_CHARS)?;
    check_text("description", &request.description, 0, MAX_TEXT_CHARS)?;
    let observed_at = match &request.observed_at {
        None => None,
        Some(text) => {
            let at = desk::parse_zoned_instant(text)
                .map_err(|d| invalid("ticket.invalid_observed_at", d))?;
            if at > now.checked_add(OBSERVED_SKEW).unwrap_or(now) {
                return Err(invalid(
                    "ticket.invalid_observed_at",
                    "observed_at lies in the future",
                ));
            }
            Some(at)
        }
    };
    if let Some(tz) = &request.observed_tz {
        desk::check_time_zone(tz).map_err(|d| invalid("ticket.invalid_time_zone", d))?;
    }
    let policy = state.policies.for_contract(&state.db, &contract).await?;

    // Files: decode and check them all before anything is written.
    let mut files = Vec::with_capacity(request.attachments.len());
    let mut attachment_fields = Vec::new();
    for (i, file) in request.attachments.iter().enumerate() {
        if let Some(field) = &file.field {
            let is_attachment_field = policy
                .fields
                .iter()
                .any(|f| &f.id == field && f.field_type == FieldType::Attachment);
            if !is_attachment_field {
                return Err(invalid(
                    "ticket.invalid_field",
                    format!(
                        "attachments[{i}].field {field:?} is not an attachment field of policy {}",
                        policy.id
                    ),
                )
                .with("field", format!("attachments[{i}].field")));
            }
            attachment_fields.push(field.clone());
        }
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(file.content_base64.as_bytes())
            .map_err(|e| {
                invalid(
                    "attachment.invalid_base64",
                    format!("attachments[{i}].content_base64 is not base64: {e}"),
                )
            })?;
        let saved = state
            .files
            .save(
                &bytes,
                file.content_type.as_deref(),
                &file.file_name,
                state.max_attachment_bytes,
            )
            .await?;
        files.push((file.field.clone(), saved));
    }

    let report = Report {
        kind: request.kind.clone(),
        priority: request.priority.clone(),
        channel: request.channel.clone(),
        attributes: request.attributes.clone(),
        fields: request.fields.clone(),
        attachment_fields,
    };
    let kind = desk::validate_report(&policy, &report)?;
    let created = desk::created_event(now, &request.priority, &kind, &report);
    let sla = desk::sla_of(&policy, std::slice::from_ref(&created), now)?;
    let new = NewTicket {
        contract_id: contract.id,
        customer_org_id: contract.customer_org_id,
        kind,
        priority: request.priority.clone(),
        attributes: serde_json::to_value(&request.attributes).unwrap_or(Value::Null),
        channel: request.channel.clone(),
        reporter_id,
        title: request.title.trim().to_owned(),
        description: request.description.clone(),
        fields: Value::Object(request.fields.clone()),
        observed_at,
        observed_tz: request.observed_tz.clone(),
        status: TicketStatus::New,
        assignee_id: None,
        created_at: now,
        sla: Some(sla.cache()),
        policy: Some(PolicyBinding {
            policy: contract.policy.clone(),
            add_ons: contract.add_ons.clone(),
        }),
        attachments: files
            .into_iter()
            .map(|(field, saved)| NewAttachment {
                ticket_id: 0,
                field,
                file_name: saved.file_name,
                content_type: saved.content_type,
                size: saved.size,
                sha256: saved.sha256,
                storage_path: saved.storage_path,
                uploaded_by: Some(principal.user.id),
                created_at: now,
            })
            .collect(),
    };
    let event = NewEvent::from_sla(&created, Some(principal.user.id), Visibility::Public);
    let written = state.db.create_ticket(&new, &event).await?;
    state.wake_scheduler();
    // A report without files has none to read back (they are written in the same transaction).
    let attachments = if new.attachments.is_empty() {
        Vec::new()
    } else {
        state
            .db
            .attachments_of_ticket(written.ticket.id, None)
            .await?
    };
    let mut view = TicketView::new(
        &written.ticket,
        sla.json.clone(),
        desk::next_due(&sla.evaluation),
        now,
    );
    view.attachments = Some(attachments.iter().map(AttachmentView::new).collect());
    let mut response = (StatusCode::CREATED, axum::Json(view)).into_response();
    if let Ok(location) = HeaderValue::from_str(&format!("/api/v1/tickets/{}", written.ticket.id)) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// The contract a report is filed under, within what the principal may see.
async fn find_contract(
    state: &AppState,
    principal: &Principal,
    contract_id: Option<i64>,
) -> Result<Contract, Problem> {
    match (contract_id, principal.tenant()) {
        (Some(id), tenant) => Ok(state.db.get_contract(id, tenant).await?),
        (None, Some(org)) => {
            let mut contracts = state.db.contracts_of_organisation(org).await?;
            if contracts.len() == 1 {
                Ok(contracts.remove(0))
            } else {
                Err(invalid(
                    "ticket.contract_required",
                    format!(
                        "your organisation has {} contracts: name one in contract_id ({})",
                        contracts.len(),
                        contracts
                            .iter()
                            .map(|c| c.id.to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
                .with("field", "contract_id"))
            }
        }
        (None, None) => Err(invalid(
            "ticket.contract_required",
            "staff filing a ticket must name the contract in contract_id",
        )
        .with("field", "contract_id")),
    }
}

fn check_term(contract: &Contract, now: Timestamp) -> Result<(), Problem> {
    let today = now.to_zoned(jiff::tz::TimeZone::UTC).date();
    let before = today < contract.term_start;
    let after = contract.term_end.is_some_and(|end| today > end);
    if before || after {
        return Err(invalid(
            "contract.not_in_term",
            format!(
                "contract {} runs from {} to {}; it does not cover today",
                contract.id,
                contract.term_start,
                contract
                    .term_end
                    .map_or_else(|| "open end".to_owned(), |d| d.to_string())
            ),
        ));
    }
    Ok(())
}

/// The reporter: the customer user themself, or the user staff name; checked against the
/// contract's designated contacts where the contract says only they may report.
async fn reporter(
    state: &AppState,
    principal: &Principal,
    contract: &Contract,
    given: Option<i64>,
) -> Result<Option<i64>, Problem> {
    let reporter = if principal.tenant().is_some() {
        if given.is_some_and(|id| id != principal.user.id) {
            return Err(forbidden("customers report tickets as themselves"));
        }
        Some(principal.user.id)
    } else {
        match given {
            None => None,
            Some(id) => {
                let user = state.db.get_user(id).await.map_err(|_| {
                    invalid(
                        "ticket.invalid_reporter",
                        format!("reporter {id} is not a user"),
                    )
                })?;
                if user.organisation_id != contract.customer_org_id {
                    return Err(invalid(
                        "ticket.invalid_reporter",
                        format!("reporter {id} is not a user of the contract's customer"),
                    ));
                }
                Some(id)
            }
        }
    };
    if contract.designated_contacts_only
        && let Some(id) = reporter
        && !contract.designated_contacts.contains(&id)
    {
        let mut names = Vec::new();
        for contact in &contract.designated_contacts {
            if let Ok(user) = state.db.get_user(*contact).await {
                names.push(format!("{} <{}>", user.name, user.email));
            }
        }
        return Err(Problem::new(
            StatusCode::FORBIDDEN,
            "ticket.not_designated_contact",
            format!(
                "under contract {} only its designated contacts may open tickets: {}",
                contract.id,
                if names.is_empty() {
                    "none are named yet".to_owned()
                } else {
                    names.join(", ")
                }
            ),
        )
        .with("designated_contacts", contract.designated_contacts.clone()));
    }
    Ok(reporter)
}

// ------------------------------------------------------------------------------ read

/// One ticket with its SLA folded from the event log now.
#[utoipa::path(
    get, path = "/api/v1/tickets/{id}", tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id")),
    responses(
        (status = 200, description = "The ticket", body = TicketView),
        (status = 401, description = "Not signed in", body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "No such ticket for this user", body = ProblemBody, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn get_ticket(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
) -> Result<axum::Json<TicketView>, Problem> {
    principal.require(roles::ANY, Scope::TicketsRead)?;
    let loaded = load(&state, id, principal.tenant()).await?;
    let now = state.clock.now();
    let mut view = view_of(&loaded, now)?;
    view.escalation_level = Some(crate::requests::current_level(
        &loaded.policy,
        &loaded.events,
        now,
    )?);
    view.open_tasks = Some(crate::tasks::open_count(
        &loaded.ticket,
        &loaded.policy,
        &loaded.events,
    ));
    let attachments = state.db.attachments_of_ticket(id, None).await?;
    view.attachments = Some(attachments.iter().map(AttachmentView::new).collect());
    Ok(axum::Json(view))
}

/// Query of `GET /api/v1/tickets`.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// `open` (default), `closed` (resolved or closed) or `all`.
    pub state: Option<String>,
    /// Only this status.
    pub status: Option<String>,
    /// Only this priority id.
    pub priority: Option<String>,
    /// Only this customer organisation (staff only; customers always see their own).
    pub customer: Option<i64>,
    /// Only tickets assigned to this user.
    pub assignee: Option<i64>,
    /// Only tickets whose next due instant is within this many minutes (breached ones
    /// included).
    pub breaching_within: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1–1000 (default 50).
    pub limit: Option<u32>,
}

/// The queue: tickets sorted by next due instant, soonest first (breached first), with
/// filters and cursor pagination.
#[utoipa::path(
    get, path = "/api/v1/tickets", tag = "tickets",
    params(ListQuery),
    responses(
        (status = 200, description = "A page", body = TicketPageView),
        (status = 400, description = "Bad query", body = ProblemBody, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = ProblemBody, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn list_tickets(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<axum::Json<TicketPageView>, Problem> {
    principal.require(roles::ANY, Scope::TicketsRead)?;
    let bad =
        |detail: String| Problem::new(StatusCode::BAD_REQUEST, "request.invalid_query", detail);
    let now = state.clock.now();
    let mut filter = TicketFilter::default();
    match query.state.as_deref().unwrap_or("open") {
        "open" => filter.open_only = true,
        "closed" => filter.statuses = vec![TicketStatus::Resolved, TicketStatus::Closed],
        "all" => {}
        other => return Err(bad(format!("state {other:?}: use open, closed or all"))),
    }
    if let Some(status) = &query.status {
        let status: TicketStatus = status.parse().map_err(|e: StoreError| bad(e.to_string()))?;
        filter.statuses = vec![status];
        filter.open_only = false;
    }
    filter.priority = query.priority.clone();
    filter.assignee_id = query.assignee;
    filter.customer_org_id = match (principal.tenant(), query.customer) {
        (Some(own), Some(asked)) if asked != own => {
            // Another organisation's queue is simply empty for a customer.
            return Ok(axum::Json(TicketPageView {
                tickets: Vec::new(),
                next_cursor: None,
            }));
        }
        (Some(own), _) => Some(own),
        (None, asked) => asked,
    };
    if let Some(minutes) = query.breaching_within {
        let horizon = SignedDuration::from_mins(i64::from(minutes.min(10_000_000)));
        filter.due_before = Some(now.checked_add(horizon).unwrap_or(Timestamp::MAX));
    }
    if let Some(cursor) = &query.cursor {
        filter.after = Some(
            cursor
                .parse::<TicketCursor>()
                .map_err(|_| bad(format!("cursor {cursor:?} is not one this API gave")))?,
        );
    }
    filter.limit = match query.limit {
        None => 50,
        Some(n @ 1..=1000) => n,
        Some(n) => return Err(bad(format!("limit {n}: use 1 to 1000"))),
    };
    let page = state.db.list_tickets(&filter).await?;
    let mut tickets = Vec::with_capacity(page.tickets.len());
    for ticket in &page.tickets {
        tickets.push(listed_view(&state, ticket, now).await?);
    }
    Ok(axum::Json(TicketPageView {
        tickets,
        next_cursor: page.next.map(|c| c.to_string()),
    }))
}

/// A list entry: the cached SLA while it is current (nothing can have changed before its
/// `next_change`), else folded again from the log and written back.
async fn listed_view(
    state: &AppState,
    ticket: &Ticket,
    now: Timestamp,
) -> Result<TicketView, Problem> {
    if let Some(cache) = &ticket.sla
        && ticket.sla_seq == ticket.last_seq
        && cache.next_change.is_none_or(|t| t > now)
    {
        return Ok(TicketView::new(
            ticket,
            cache.sla.clone(),
            cache.next_due,
            now,
        ));
    }
    let loaded = load(state, ticket.id, None).await?;
    let sla = desk::sla_of_events(&loaded.policy, &loaded.events, now)?;
    let seq = loaded.events.last().map_or(ticket.last_seq, |e| e.seq);
    state
        .db
        .update_sla_cache(ticket.id, seq, &sla.cache())
        .await?;
    let next_due = desk::next_due(&sla.evaluation);
    Ok(TicketView::new(&loaded.ticket, sla.json, next_due, now))
}

/// Query of `GET /api/v1/tickets/{id}/events`.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EventsQuery {
    /// Include internal notes (staff only; default true for staff).
    pub internal: Option<bool>,
}

/// A ticket's event log, oldest first. Customers see public events only.
#[utoipa::path(
    get, path = "/api/v1/tickets/{id}/events", tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id"), EventsQuery),
    responses(
        (status = 200, description = "The events", body = Vec<EventView>),
        (status = 401, description = "Not signed in", body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "No such ticket for this user", body = ProblemBody, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn ticket_events(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
    ApiQuery(query): ApiQuery<EventsQuery>,
) -> Result<axum::Json<Vec<EventView>>, Problem> {
    principal.require(roles::ANY, Scope::TicketsRead)?;
    let internal = principal.is_staff() && query.internal.unwrap_or(true);
    let events = state
        .db
        .ticket_events(id, principal.tenant(), internal)
        .await?;
    Ok(axum::Json(events.iter().map(EventView::from).collect()))
}

// ------------------------------------------------------------------------------ changes

/// What an action appends: the event and the ticket fields it changes.
pub(crate) struct Change {
    pub(crate) event_type: &'static str,
    pub(crate) payload: Value,
    pub(crate) visibility: Visibility,
    pub(crate) update: TicketUpdate,
    /// A second event the first one brings about, appended with it in the same transaction
    /// (a customer's reply resumes the clocks paused while waiting for it).
    pub(crate) follow_up: Option<(&'static str, Value)>,
}

impl Change {
    pub(crate) fn new(event_type: &'static str, payload: Value) -> Change {
        Change {
            event_type,
            payload,
            visibility: Visibility::Public,
            update: TicketUpdate::default(),
            follow_up: None,
        }
    }

    pub(crate) fn status(mut self, status: TicketStatus) -> Change {
        self.update.status = Some(status);
        self
    }
}

/// Appends the change `decide` makes of the current ticket (given its policy and its log so
/// far), with the SLA cache folded from the log including it. When another change lands
/// first, decides again on the new state.
pub(crate) async fn apply<F>(
    state: &AppState,
    principal: &Principal,
    id: i64,
    allowed: &[tenggat_store::Role],
    decide: F,
) -> Result<axum::Json<TicketView>, Problem>
where
    F: Fn(&Ticket, &Policy, &[StoredEvent]) -> Result<Change, Problem>,
{
    principal.require(allowed, Scope::TicketsWrite)?;
    let mut attempt = 0;
    loop {
        attempt += 1;
        let mut loaded = load(state, id, principal.tenant()).await?;
        let change = decide(&loaded.ticket, &loaded.policy, &loaded.events)?;
        let now = state.clock.now();
        // An event never lies before the one it follows (clocks of replicas may differ).
        let at = loaded
            .events
            .last()
            .map_or(now, |last| if last.at > now { last.at } else { now });
        let mut events = vec![NewEvent {
            at,
            event_type: change.event_type.to_owned(),
            payload: change.payload,
            actor_id: Some(principal.user.id),
            visibility: change.visibility,
        }];
        if let Some((event_type, payload)) = change.follow_up {
            events.push(NewEvent {
                at,
                event_type: event_type.to_owned(),
                payload,
                actor_id: Some(principal.user.id),
                visibility: Visibility::Public,
            });
        }
        // Who hears of it: written to the outbox in the same transaction as the events.
        let notifications = state
            .planner
            .plan(
                &state.db,
                &loaded.policy,
                &loaded.ticket,
                &loaded.events,
                &events,
            )
            .await?;
        for (seq, event) in (loaded.ticket.last_seq + 1..).zip(&events) {
            loaded.events.push(StoredEvent {
                id: 0,
                ticket_id: id,
                seq,
                at: event.at,
                event_type: event.event_type.clone(),
                payload: event.payload.clone(),
                actor_id: event.actor_id,
                visibility: event.visibility,
            });
        }
        let sla = desk::sla_of_events(&loaded.policy, &loaded.events, now)?;
        let mut update = change.update;
        update.sla = Some(sla.cache());
        update.expected_seq = Some(loaded.ticket.last_seq);
        let notified = !notifications.is_empty();
        update.notifications = notifications;
        match state
            .db
            .append_events(id, principal.tenant(), &events, &update)
            .await
        {
            Ok((ticket, _)) => {
                state.wake_scheduler();
                if notified {
                    state.wake_dispatcher();
                }
                let next_due = desk::next_due(&sla.evaluation);
                let mut view = TicketView::new(&ticket, sla.json, next_due, now);
                view.team = team_of(&loaded.events);
                return Ok(axum::Json(view));
            }
            Err(StoreError::Conflict(_)) if attempt < APPEND_ATTEMPTS => continue,
            Err(e) => return Err(e.into()),
        }
    }
}

pub(crate) fn require_open(ticket: &Ticket, action: &str) -> Result<(), Problem> {
    if ticket.is_open() {
        Ok(())
    } else {
        Err(conflict(
            "ticket.invalid_transition",
            format!(
                "cannot {action} ticket {}: it is {}",
                ticket.display_number(),
                ticket.status
            ),
        ))
    }
}

fn comment_payload(body: Option<ActionBody>) -> Result<Value, Problem> {
    match body.and_then(|b| b.comment) {
        Some(comment) => {
            check_text("comment", &comment, 1, MAX_TEXT_CHARS)?;
            Ok(json!({ "comment": comment }))
        }
        None => Ok(json!({})),
    }
}

fn pause_reason(status: TicketStatus) -> Option<PauseReason> {
    PauseReason::parse(status.as_str())
}

/// The actions that take an optional comment and change one thing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Simple {
    Acknowledge,
    Workaround,
    Onsite,
    Resolve,
    Reopen,
    Close,
}

impl Simple {
    /// Who may do it.
    fn roles(self) -> &'static [tenggat_store::Role] {
        match self {
            Simple::Reopen | Simple::Close => roles::PARTICIPANTS,
            _ => roles::WORKERS,
        }
    }

    /// The change it makes of `ticket`, or why it cannot.
    fn decide(self, ticket: &Ticket, payload: Value) -> Result<Change, Problem> {
        let refuse = |why: &str| {
            Err(conflict(
                "ticket.invalid_transition",
                format!(
                    "ticket {} is {}: {why}",
                    ticket.display_number(),
                    ticket.status
                ),
            ))
        };
        let status = ticket.status;
        match self {
            Simple::Acknowledge if status != TicketStatus::New => {
                refuse("only a new ticket is acknowledged")
            }
            Simple::Acknowledge => {
                Ok(Change::new("acknowledged", payload).status(TicketStatus::Acknowledged))
            }
            Simple::Workaround | Simple::Onsite | Simple::Resolve if !status.is_open() => {
                refuse("only an open ticket is worked on")
            }
            Simple::Workaround => {
                let change = Change::new("workaround", payload);
                Ok(
                    if matches!(status, TicketStatus::New | TicketStatus::Acknowledged) {
                        change.status(TicketStatus::InProgress)
                    } else {
                        change
                    },
                )
            }
            Simple::Onsite => Ok(Change::new("onsite", payload)),
            Simple::Resolve => Ok(Change::new("resolved", payload).status(TicketStatus::Resolved)),
            Simple::Reopen if status != TicketStatus::Resolved => {
                refuse("only a resolved ticket is reopened")
            }
            Simple::Reopen => Ok(Change::new("reopened", payload).status(TicketStatus::InProgress)),
            Simple::Close if status == TicketStatus::Closed => refuse("it is closed already"),
            Simple::Close => Ok(Change::new("closed", payload).status(TicketStatus::Closed)),
        }
    }
}

/// Runs a [`Simple`] action with its optional comment.
async fn simple(
    state: &AppState,
    principal: &Principal,
    id: i64,
    body: Option<ActionBody>,
    action: Simple,
) -> Result<axum::Json<TicketView>, Problem> {
    let payload = comment_payload(body)?;
    apply(state, principal, id, action.roles(), |ticket, _, _| {
        action.decide(ticket, payload.clone())
    })
    .await
}

/// Add a public reply (customer or provider). A customer's reply to a ticket waiting on the
/// customer resumes its clocks (status `in_progress`) in the same transaction.
#[utoipa::path(
    post, path = "/api/v1/tickets/{id}/replies", tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id")),
    request_body = MessageBody,
    responses(
        (status = 200, description = "The ticket after the change", body = TicketView),
        (status = 404, description = "No such ticket for this user", body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "Invalid body", body = ProblemBody, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn reply(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<MessageBody>,
) -> Result<axum::Json<TicketView>, Problem> {
    check_text("body", &body.body, 1, MAX_TEXT_CHARS)?;
    let from_customer = !principal.is_staff();
    apply(&state, &principal, id, roles::PARTICIPANTS, |ticket, _, _| {
        if ticket.status == TicketStatus::Closed {
            return Err(conflict(
                "ticket.invalid_transition",
                format!("ticket {} is closed", ticket.display_number()),
            ));
        }
        let mut change = Change::new(
            "reply",
            json!({ "body": body.body, "from": if from_customer { "customer" } else { "provider" } }),
        );
        if from_customer && ticket.status == TicketStatus::WaitingOnCustomer {
            change.follow_up = Some((
                "resumed",
                json!({
                    "from": TicketStatus::WaitingOnCustomer.as_str(),
                    "to": TicketStatus::InProgress.as_str(),
                    "reason": "waiting_on_customer",
                    "by": "customer_reply",
                }),
            ));
            change = change.status(TicketStatus::InProgress);
        }
        Ok(change)
    })
    .await
}

/// Add an internal note (provider staff only; customers never see it).
#[utoipa::path(
    post, path = "/api/v1/tickets/{id}/notes", tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id")),
    request_body = MessageBody,
    responses(
        (status = 200, description = "The ticket after the change", body = TicketView),
        (status = 403, description = "Customers and executives cannot", body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "No such ticket", body = ProblemBody, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn note(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<MessageBody>,
) -> Result<axum::Json<TicketView>, Problem> {
    check_text("body", &body.body, 1, MAX_TEXT_CHARS)?;
    apply(&state, &principal, id, roles::WORKERS, |_, _, _| {
        let mut change = Change::new("note", json!({ "body": body.body }));
        change.visibility = Visibility::Internal;
        Ok(change)
    })
    .await
}

/// Acknowledge a new ticket (meets the response clock where the policy says so).
#[utoipa::path(
    post, path = "/api/v1/tickets/{id}/acknowledge", tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id")),
    request_body(content = Option<ActionBody>, description = "Optional comment"),
    responses(
        (status = 200, description = "The ticket after the change", body = TicketView),
        (status = 403, description = "Role refuses", body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "No such ticket", body = ProblemBody, content_type = "application/problem+json"),
        (status = 409, description = "Not new", body = ProblemBody, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn acknowledge(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
    MaybeJson(body): MaybeJson<ActionBody>,
) -> Result<axum::Json<TicketView>, Problem> {
    simple(&state, &principal, id, body, Simple::Acknowledge).await
}

/// Record a workaround (service restored; meets the workaround clock).
#[utoipa::path(
    post, path = "/api/v1/tickets/{id}/workaround", tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id")),
    request_body(content = Option<ActionBody>, description = "Optional comment"),
    responses(
        (status = 200, description = "The ticket after the change", body = TicketView),
        (status = 404, description = "No such ticket", body = ProblemBody, content_type = "application/problem+json"),
        (status = 409, description = "Not open", body = ProblemBody, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn workaround(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
    MaybeJson(body): MaybeJson<ActionBody>,
) -> Result<axum::Json<TicketView>, Problem> {
    simple(&state, &principal, id, body, Simple::Workaround).await
}

/// Record arrival on site (meets the on-site clock).
#[utoipa::path(
    post, path = "/api/v1/tickets/{id}/onsite", tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id")),
    request_body(content = Option<ActionBody>, description = "Optional comment"),
    responses(
        (status = 200, description = "The ticket after the change", body = TicketView),
        (status = 404, description = "No such ticket", body = ProblemBody, content_type = "application/problem+json"),
        (status = 409, description = "Not open", body = ProblemBody, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn onsite(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
    MaybeJson(body): MaybeJson<ActionBody>,
) -> Result<axum::Json<TicketView>, Problem> {
    simple(&state, &principal, id, body, Simple::Onsite).await
}

/// Resolve (meets the resolution clock); the customer may reopen.
#[utoipa::path(
    post, path = "/api/v1/tickets/{id}/resolve", tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id")),
    request_body(content = Option<ActionBody>, description = "Optional comment"),
    responses(
        (status = 200, description = "The ticket after the change", body = TicketView),
        (status = 404, description = "No such ticket", body = ProblemBody, content_type = "application/problem+json"),
        (status = 409, description = "Not open", body = ProblemBody, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn resolve(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
    MaybeJson(body): MaybeJson<ActionBody>,
) -> Result<axum::Json<TicketView>, Problem> {
    simple(&state, &principal, id, body, Simple::Resolve).await
}

/// Reopen a resolved ticket (customer or provider).
#[utoipa::path(
    post, path = "/api/v1/tickets/{id}/reopen", tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id")),
    request_body(content = Option<ActionBody>, description = "Optional comment"),
    responses(
        (status = 200, description = "The ticket after the change", body = TicketView),
        (status = 404, description = "No such ticket for this user", body = ProblemBody, content_type = "application/problem+json"),
        (status = 409, description = "Not resolved", body = ProblemBody, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn reopen(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
    MaybeJson(body): MaybeJson<ActionBody>,
) -> Result<axum::Json<TicketView>, Problem> {
    simple(&state, &principal, id, body, Simple::Reopen).await
}

/// Close (customer confirms, or the provider closes); final.
#[utoipa::path(
    post, path = "/api/v1/tickets/{id}/close", tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id")),
    request_body(content = Option<ActionBody>, description = "Optional comment"),
    responses(
        (status = 200, description = "The ticket after the change", body = TicketView),
        (status = 404, description = "No such ticket for this user", body = ProblemBody, content_type = "application/problem+json"),
        (status = 409, description = "Already closed", body = ProblemBody, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn close(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
    MaybeJson(body): MaybeJson<ActionBody>,
) -> Result<axum::Json<TicketView>, Problem> {
    simple(&state, &principal, id, body, Simple::Close).await
}

/// Change the status. Moving into `waiting_on_customer`, `awaiting_permit` or `maintenance`
/// pauses the clocks whose policy honours that reason; moving out resumes them.
#[utoipa::path(
    post, path = "/api/v1/tickets/{id}/status", tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id")),
    request_body = StatusChange,
    responses(
        (status = 200, description = "The ticket after the change", body = TicketView),
        (status = 404, description = "No such ticket", body = ProblemBody, content_type = "application/problem+json"),
        (status = 409, description = "Not allowed from the current status", body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "Unknown status", body = ProblemBody, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn set_status(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<StatusChange>,
) -> Result<axum::Json<TicketView>, Problem> {
    let to: TicketStatus = body.status.parse().map_err(|e: StoreError| {
        invalid("ticket.invalid_status", e.to_string()).with("field", "status")
    })?;
    if matches!(
        to,
        TicketStatus::New | TicketStatus::Resolved | TicketStatus::Closed
    ) {
        return Err(invalid(
            "ticket.invalid_status",
            format!("set {to} with its own action (acknowledge, resolve, close)"),
        )
        .with("field", "status"));
    }
    if let Some(comment) = &body.comment {
        check_text("comment", comment, 1, MAX_TEXT_CHARS)?;
    }
    apply(&state, &principal, id, roles::WORKERS, |ticket, _, _| {
        require_open(ticket, "change the status of")?;
        let from = ticket.status;
        if from == to {
            return Err(conflict(
                "ticket.invalid_transition",
                format!("ticket {} is already {to}", ticket.display_number()),
            ));
        }
        let mut payload = json!({ "from": from.as_str(), "to": to.as_str() });
        if let Some(comment) = &body.comment {
            payload["comment"] = Value::String(comment.clone());
        }
        let change = match (pause_reason(from), pause_reason(to)) {
            (Some(_), Some(_)) => {
                return Err(conflict(
                    "ticket.invalid_transition",
                    format!(
                        "ticket {} is paused ({from}): resume it (in_progress) before pausing for \
                         another reason",
                        ticket.display_number()
                    ),
                ));
            }
            (None, Some(reason)) => {
                payload["reason"] = Value::String(reason.as_str().into());
                Change::new("paused", payload)
            }
            (Some(reason), None) => {
                payload["reason"] = Value::String(reason.as_str().into());
                Change::new("resumed", payload)
            }
            (None, None) => Change::new("status", payload),
        };
        Ok(change.status(to))
    })
    .await
}

/// Change the priority, with a reason. What happens to the clocks is the policy's
/// `on_priority_change` rule. An optional `basis` records why in a word (`misclassified`,
/// `customer_request`, `customer_resources_unavailable`, `other`); a downgrade because the
/// customer cannot provide the resources it must (`customer_resources_unavailable`) is only
/// valid to a less severe priority.
#[utoipa::path(
    post, path = "/api/v1/tickets/{id}/priority", tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id")),
    request_body = PriorityChangeBody,
    responses(
        (status = 200, description = "The ticket after the change", body = TicketView),
        (status = 404, description = "No such ticket", body = ProblemBody, content_type = "application/problem+json"),
        (status = 409, description = "Same priority or not open", body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "Unknown priority", body = ProblemBody, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn set_priority(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<PriorityChangeBody>,
) -> Result<axum::Json<TicketView>, Problem> {
    check_text("reason", &body.reason, 1, MAX_TEXT_CHARS)?;
    if let Some(basis) = &body.basis {
        crate::requests::check_priority_basis(basis)?;
    }
    apply(
        &state,
        &principal,
        id,
        roles::WORKERS,
        |ticket, policy, _| {
            require_open(ticket, "change the priority of")?;
            if policy.priority(&body.to).is_none() {
                return Err(ReportError::UnknownPriority {
                    given: body.to.clone(),
                    policy: policy.id.clone(),
                    allowed: policy.priorities.iter().map(|p| p.id.clone()).collect(),
                }
                .into());
            }
            if ticket.priority == body.to {
                return Err(conflict(
                    "ticket.invalid_transition",
                    format!("ticket {} is already {}", ticket.display_number(), body.to),
                ));
            }
            let (from, to) = (&ticket.priority, &body.to);
            let mut payload = json!({ "from": from, "to": to, "reason": body.reason });
            if let Some(basis) = &body.basis {
                crate::requests::check_downgrade_basis(policy, from, to, basis)?;
                payload["basis"] = Value::String(basis.clone());
            }
            let mut change = Change::new("priority", payload);
            change.update.priority = Some(body.to.clone());
            Ok(change)
        },
    )
    .await
}

/// Assign to an agent (and/or a team), or unassign.
#[utoipa::path(
    post, path = "/api/v1/tickets/{id}/assign", tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id")),
    request_body = AssignBody,
    responses(
        (status = 200, description = "The ticket after the change", body = TicketView),
        (status = 404, description = "No such ticket", body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "Not an agent", body = ProblemBody, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn assign(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<AssignBody>,
) -> Result<axum::Json<TicketView>, Problem> {
    principal.require(roles::WORKERS, Scope::TicketsWrite)?;
    if let Some(assignee) = body.assignee_id {
        let user = state.db.get_user(assignee).await.map_err(|_| {
            invalid(
                "ticket.invalid_assignee",
                format!("user {assignee} does not exist"),
            )
        })?;
        if !roles::WORKERS.contains(&user.role) || user.disabled {
            return Err(invalid(
                "ticket.invalid_assignee",
                format!(
                    "user {assignee} is not an active agent, escalation manager or admin of the provider"
                ),
            )
            .with("field", "assignee_id"));
        }
    }
    if let Some(team) = &body.team {
        check_text("team", team, 1, 100)?;
    }
    apply(&state, &principal, id, roles::WORKERS, |ticket, _, _| {
        require_open(ticket, "assign")?;
        let mut change = Change::new(
            "assigned",
            json!({ "from": ticket.assignee_id, "to": body.assignee_id, "team": body.team }),
        );
        change.update.assignee_id = Some(body.assignee_id);
        Ok(change)
    })
    .await
}
