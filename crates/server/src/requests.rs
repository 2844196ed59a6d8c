//! What a customer may ask of the provider on a ticket, and the provider's answers: escalation
//! requests (with one of the policy's manual reasons and a written justification, decided by
//! an escalation manager) and severity change requests (decided by the provider's staff).
//!
//! Nothing here has a table of its own: every request and every decision is an event in the
//! ticket's append-only log, appended through the same path as every other change, so the
//! audit trail is the log. A request's id is the sequence number of the event that made it.
//!
//! | event | payload |
//! |---|---|
//! | `escalation_requested` | `reason`, `justification`, `level`, `from_level` |
//! | `escalation_accepted` | `request`, `level`, `reason` (raises the level) |
//! | `escalation_declined` | `request`, `reason` |
//! | `severity_change_requested` | `from`, `to`, `reason` |
//! | `priority` | `from`, `to`, `reason`, `request`, `decision: "accepted"` (an accepted request) |
//! | `severity_change_declined` | `request`, `reason` |

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tenggat_sla::Policy;
use tenggat_store::{Store, StoredEvent};
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::{Principal, Scope, roles};
use crate::desk::{self, ReportError};
use crate::extract::ApiJson;
use crate::problem::Problem;
use crate::tickets::{self, Change, check_text, conflict, invalid, require_open};
use crate::views::{ProblemBody, ts};

/// A customer asks for a higher escalation level.
pub(crate) const ESCALATION_REQUESTED: &str = "escalation_requested";
/// The escalation manager accepts a request: the ticket is at the requested level from then.
pub(crate) const ESCALATION_ACCEPTED: &str = "escalation_accepted";
/// The escalation manager declines a request.
pub(crate) const ESCALATION_DECLINED: &str = "escalation_declined";
/// The scheduler's escalation by a policy rule.
pub(crate) const ESCALATED: &str = "escalated";
/// A customer asks for another priority.
pub(crate) const SEVERITY_REQUESTED: &str = "severity_change_requested";
/// The provider declines a severity change request (an accepted one is a `priority` event).
pub(crate) const SEVERITY_DECLINED: &str = "severity_change_declined";
/// A priority change (the fold reads it).
pub(crate) const PRIORITY: &str = "priority";

/// Shortest written justification of an escalation request.
const MIN_JUSTIFICATION_CHARS: usize = 20;
/// Longest justification, reason or summary.
pub(crate) const MAX_REASON_CHARS: usize = 10_000;

/// The words a provider may give for a priority change (`basis`).
pub(crate) const PRIORITY_BASES: [&str; 4] = [
    "misclassified",
    "customer_request",
    "customer_resources_unavailable",
    "other",
];

// ------------------------------------------------------------------------------ level

/// The ticket's escalation level at `now`: the highest of the fold's (automatic rules), the
/// levels of the scheduler's `escalated` events and those of accepted escalation requests.
pub(crate) fn current_level(
    policy: &Policy,
    events: &[StoredEvent],
    now: Timestamp,
) -> Result<u8, Problem> {
    let sla = desk::sla_of_events(policy, events, now)?;
    Ok(level_in_log(sla.evaluation.escalation.level, events))
}

/// `fold_level` raised by the levels the log records.
pub(crate) fn level_in_log(fold_level: u8, events: &[StoredEvent]) -> u8 {
    events
        .iter()
        .filter(|e| e.event_type == ESCALATED || e.event_type == ESCALATION_ACCEPTED)
        .filter_map(|e| e.payload.get("level").and_then(Value::as_u64))
        .filter_map(|l| u8::try_from(l).ok())
        .fold(fold_level.max(1), u8::max)
}

// ------------------------------------------------------------------------------ bodies and views

/// Body of `POST /api/v1/tickets/{id}/escalation-requests`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EscalationRequestBody {
    /// One of the policy's manual escalation reasons (`escalation.manual_reasons`).
    pub reason: String,
    /// Why, in writing: 20 to 10,000 characters.
    pub justification: String,
    /// The level asked for (default: one above the current level).
    pub level: Option<u8>,
}

/// Body of a decision on a request.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionBody {
    /// Accept (true) or decline (false).
    pub accept: bool,
    /// Why: 1 to 10,000 characters, required either way (the customer sees it).
    pub reason: String,
}

/// Body of `POST /api/v1/tickets/{id}/severity-requests`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SeverityRequestBody {
    /// The priority id of the policy asked for.
    pub to: String,
    /// Why: 1 to 10,000 characters.
    pub reason: String,
}

/// The decision on a request, once made.
#[derive(Serialize, ToSchema, Clone, Debug, PartialEq)]
pub struct DecisionView {
    /// Accepted or not.
    pub accepted: bool,
    /// The reason given.
    pub reason: String,
    /// Who decided (user id).
    pub by: Option<i64>,
    /// When (UTC).
    pub at: String,
    /// Sequence number of the decision's event.
    pub seq: i64,
}

/// A customer's escalation request and its outcome.
#[derive(Serialize, ToSchema, Clone, Debug, PartialEq)]
pub struct EscalationRequestView {
    /// Id: the sequence number of its `escalation_requested` event.
    pub id: i64,
    /// `pending`, `accepted` or `declined`.
    pub state: String,
    /// The manual reason's id.
    pub reason: String,
    /// The written justification.
    pub justification: String,
    /// The level asked for.
    pub level: u8,
    /// The level when it was asked.
    pub from_level: u8,
    /// Who asked (user id).
    pub requested_by: Option<i64>,
    /// When (UTC).
    pub requested_at: String,
    /// The decision, once made.
    pub decision: Option<DecisionView>,
}

/// A severity change request and its outcome.
#[derive(Serialize, ToSchema, Clone, Debug, PartialEq)]
pub struct SeverityRequestView {
    /// Id: the sequence number of its `severity_change_requested` event.
    pub id: i64,
    /// `pending`, `accepted` or `declined`.
    pub state: String,
    /// The priority when it was asked.
    pub from: String,
    /// The priority asked for.
    pub to: String,
    /// Why.
    pub reason: String,
    /// Who asked (user id).
    pub requested_by: Option<i64>,
    /// When (UTC).
    pub requested_at: String,
    /// The decision, once made.
    pub decision: Option<DecisionView>,
}

fn text_of(e: &StoredEvent, key: &str) -> String {
    e.payload
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

fn level_of(e: &StoredEvent, key: &str) -> u8 {
    e.payload
        .get(key)
        .and_then(Value::as_u64)
        .and_then(|l| u8::try_from(l).ok())
        .unwrap_or(1)
}

fn request_of(e: &StoredEvent) -> Option<i64> {
    e.payload.get("request").and_then(Value::as_i64)
}

fn decision(e: &StoredEvent, accepted: bool) -> DecisionView {
    DecisionView {
        accepted,
        reason: text_of(e, "reason"),
        by: e.actor_id,
        at: ts(e.at),
        seq: e.seq,
    }
}

/// A request a later event decides.
trait Decided {
    fn id(&self) -> i64;
    fn decision_mut(&mut self) -> &mut Option<DecisionView>;
}

impl Decided for EscalationRequestView {
    fn id(&self) -> i64 {
        self.id
    }
    fn decision_mut(&mut self) -> &mut Option<DecisionView> {
        &mut self.decision
    }
}

impl Decided for SeverityRequestView {
    fn id(&self) -> i64 {
        self.id
    }
    fn decision_mut(&mut self) -> &mut Option<DecisionView> {
        &mut self.decision
    }
}

/// Records `e` as the decision of the request it names; only the first decision counts.
fn decide_in<T: Decided>(list: &mut [T], e: &StoredEvent, accepted: bool) {
    let Some(request) = request_of(e) else {
        return;
    };
    if let Some(found) = list.iter_mut().find(|r| r.id() == request) {
        let slot = found.decision_mut();
        if slot.is_none() {
            *slot = Some(decision(e, accepted));
        }
    }
}

fn state_of(decision: &Option<DecisionView>) -> String {
    match decision {
        None => "pending",
        Some(d) if d.accepted => "accepted",
        Some(_) => "declined",
    }
    .to_owned()
}

/// The escalation requests in a log, oldest first, with their outcomes.
pub(crate) fn escalation_requests(events: &[StoredEvent]) -> Vec<EscalationRequestView> {
    let mut list: Vec<EscalationRequestView> = Vec::new();
    for e in events {
        match e.event_type.as_str() {
            ESCALATION_REQUESTED => list.push(EscalationRequestView {
                id: e.seq,
                state: String::new(),
                reason: text_of(e, "reason"),
                justification: text_of(e, "justification"),
                level: level_of(e, "level"),
                from_level: level_of(e, "from_level"),
                requested_by: e.actor_id,
                requested_at: ts(e.at),
                decision: None,
            }),
            ESCALATION_ACCEPTED | ESCALATION_DECLINED => {
                decide_in(&mut list, e, e.event_type == ESCALATION_ACCEPTED);
            }
            _ => {}
        }
    }
    for r in &mut list {
        r.state = state_of(&r.decision);
    }
    list
}

/// The severity change requests in a log, oldest first, with their outcomes.
pub(crate) fn severity_requests(events: &[StoredEvent]) -> Vec<SeverityRequestView> {
    let mut list: Vec<SeverityRequestView> = Vec::new();
    for e in events {
        match e.event_type.as_str() {
            SEVERITY_REQUESTED => list.push(SeverityRequestView {
                id: e.seq,
                state: String::new(),
                from: text_of(e, "from"),
                to: text_of(e, "to"),
                reason: text_of(e, "reason"),
                requested_by: e.actor_id,
                requested_at: ts(e.at),
                decision: None,
            }),
            PRIORITY | SEVERITY_DECLINED => {
                decide_in(&mut list, e, e.event_type == PRIORITY);
            }
            _ => {}
        }
    }
    for r in &mut list {
        r.state = state_of(&r.decision);
    }
    list
}

// ------------------------------------------------------------------------------ priority basis

/// Checks a `basis` word of a priority change (422 `priority.invalid_basis` otherwise).
pub(crate) fn check_priority_basis(basis: &str) -> Result<(), Problem> {
    if PRIORITY_BASES.contains(&basis) {
        Ok(())
    } else {
        Err(invalid(
            "priority.invalid_basis",
            format!(
                "basis {basis:?} is not one of {}",
                PRIORITY_BASES.join(", ")
            ),
        )
        .with("field", "basis")
        .with("allowed", PRIORITY_BASES.to_vec()))
    }
}

/// `customer_resources_unavailable` is only a reason to lower the priority: the new one must
/// come later (less severe) in the policy's list than the current one.
pub(crate) fn check_downgrade_basis(
    policy: &Policy,
    from: &str,
    to: &str,
    basis: &str,
) -> Result<(), Problem> {
    if basis != "customer_resources_unavailable" {
        return Ok(());
    }
    let rank = |id: &str| policy.priorities.iter().position(|p| p.id == id);
    match (rank(from), rank(to)) {
        (Some(f), Some(t)) if t > f => Ok(()),
        _ => Err(invalid(
            "priority.invalid_basis",
            format!(
                "customer_resources_unavailable only justifies a downgrade: {to} is not less \
                 severe than {from}"
            ),
        )
        .with("field", "basis")),
    }
}

// ------------------------------------------------------------------------------ helpers

fn not_found(code: &'static str, detail: String) -> Problem {
    Problem::new(StatusCode::NOT_FOUND, code, detail)
}

/// The log as the principal may see it (customers: public events of their own tickets).
async fn visible_log(
    state: &AppState,
    principal: &Principal,
    id: i64,
) -> Result<Vec<StoredEvent>, Problem> {
    Ok(state
        .db
        .ticket_events(id, principal.tenant(), principal.is_staff())
        .await?)
}

// ------------------------------------------------------------------------------ escalation

/// Ask for escalation (customer, or staff on the customer's behalf).
///
/// `reason` must be one of the policy's manual reasons (422 `escalation.unknown_reason` lists
/// them in `allowed`) and `justification` 20 to 10,000 characters. The level asked for is
/// `level` or one above the current one. One request may be pending at a time. Answers the
/// request; its id is the sequence number of its event.
#[utoipa::path(
    post, path = "/api/v1/tickets/{id}/escalation-requests", tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id")),
    request_body = EscalationRequestBody,
    responses(
        (status = 201, description = "The request, pending", body = EscalationRequestView),
        (status = 403, description = "Role refuses", body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "No such ticket for this user", body = ProblemBody, content_type = "application/problem+json"),
        (status = 409, description = "Not open, not available under the policy, a request pending, or at the top level", body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "Unknown reason or level, justification missing", body = ProblemBody, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn request_escalation(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<EscalationRequestBody>,
) -> Result<Response, Problem> {
    check_text(
        "justification",
        &body.justification,
        MIN_JUSTIFICATION_CHARS,
        MAX_REASON_CHARS,
    )?;
    let view = tickets::apply(
        &state,
        &principal,
        id,
        roles::PARTICIPANTS,
        |ticket, policy, events| {
            require_open(ticket, "request escalation of")?;
            let ladder = &policy.escalation;
            if ladder.manual_reasons.is_empty() || ladder.levels.len() < 2 {
                return Err(conflict(
                    "escalation.not_available",
                    format!(
                        "policy {} has no manual escalation: ask the provider directly",
                        policy.id
                    ),
                ));
            }
            if !ladder.manual_reasons.iter().any(|r| r.id == body.reason) {
                let allowed: Vec<String> =
                    ladder.manual_reasons.iter().map(|r| r.id.clone()).collect();
                return Err(invalid(
                    "escalation.unknown_reason",
                    format!(
                        "reason {:?} is not one of policy {}'s escalation reasons: {}",
                        body.reason,
                        policy.id,
                        allowed.join(", ")
                    ),
                )
                .with("field", "reason")
                .with("allowed", allowed));
            }
            if let Some(pending) = escalation_requests(events)
                .into_iter()
                .find(|r| r.decision.is_none())
            {
                return Err(conflict(
                    "escalation.request_pending",
                    format!(
                        "escalation request {} of ticket {} awaits a decision",
                        pending.id,
                        ticket.display_number()
                    ),
                )
                .with("request", pending.id));
            }
            let current = current_level(policy, events, state.clock.now())?;
            let levels: Vec<u8> = ladder.levels.iter().map(|l| l.level).collect();
            let top = levels.iter().copied().max().unwrap_or(1);
            if current >= top {
                return Err(conflict(
                    "escalation.top_level",
                    format!(
                        "ticket {} is at level {current}, the top of the ladder",
                        ticket.display_number()
                    ),
                ));
            }
            let target = match body.level {
                Some(level) if !levels.contains(&level) => {
                    return Err(invalid(
                        "escalation.unknown_level",
                        format!("policy {} has no escalation level {level}", policy.id),
                    )
                    .with("field", "level")
                    .with("allowed", levels));
                }
                Some(level) if level <= current => {
                    return Err(conflict(
                        "escalation.level_reached",
                        format!(
                            "ticket {} is at level {current} already",
                            ticket.display_number()
                        ),
                    ));
                }
                Some(level) => level,
                None => levels
                    .iter()
                    .copied()
                    .filter(|l| *l > current)
                    .min()
                    .unwrap_or(top),
            };
            Ok(Change::new(
                ESCALATION_REQUESTED,
                json!({
                    "reason": body.reason,
                    "justification": body.justification,
                    "level": target,
                    "from_level": current,
                }),
            ))
        },
    )
    .await?;
    let seq = view.0.last_seq;
    let log = visible_log(&state, &principal, id).await?;
    let made = escalation_requests(&log)
        .into_iter()
        .find(|r| r.id == seq)
        .ok_or_else(|| Problem::internal(&"the request just written is not in the log"))?;
    Ok((StatusCode::CREATED, axum::Json(made)).into_response())
}

/// A ticket's escalation requests with their outcomes, oldest first. Customers see their own
/// organisation's tickets only.
#[utoipa::path(
    get, path = "/api/v1/tickets/{id}/escalation-requests", tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id")),
    responses(
        (status = 200, description = "The requests", body = Vec<EscalationRequestView>),
        (status = 404, description = "No such ticket for this user", body = ProblemBody, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn list_escalation_requests(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
) -> Result<axum::Json<Vec<EscalationRequestView>>, Problem> {
    principal.require(roles::ANY, Scope::TicketsRead)?;
    // The ticket first: another organisation's ticket is 404, not an empty list.
    state.db.get_ticket(id, principal.tenant()).await?;
    let log = visible_log(&state, &principal, id).await?;
    Ok(axum::Json(escalation_requests(&log)))
}

/// Accept or decline an escalation request (escalation managers and administrators).
///
/// Accepting raises the ticket to the level asked for (`escalation_accepted`); declining
/// records the reason (`escalation_declined`). Both sides see the outcome.
#[utoipa::path(
    post, path = "/api/v1/tickets/{id}/escalation-requests/{request}/decision", tag = "tickets",
    params(
        ("id" = i64, Path, description = "Ticket id"),
        ("request" = i64, Path, description = "Request id"),
    ),
    request_body = DecisionBody,
    responses(
        (status = 200, description = "The request, decided", body = EscalationRequestView),
        (status = 403, description = "Only escalation managers and administrators decide", body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "No such ticket or request", body = ProblemBody, content_type = "application/problem+json"),
        (status = 409, description = "Decided already, or the ticket is not open", body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "Reason missing", body = ProblemBody, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn decide_escalation(
    State(state): State<AppState>,
    principal: Principal,
    Path((id, request)): Path<(i64, i64)>,
    ApiJson(body): ApiJson<DecisionBody>,
) -> Result<axum::Json<EscalationRequestView>, Problem> {
    check_text("reason", &body.reason, 1, MAX_REASON_CHARS)?;
    let _ticket = tickets::apply(
        &state,
        &principal,
        id,
        roles::ESCALATION_DECIDERS,
        |ticket, _, events| {
            let found = escalation_requests(events)
                .into_iter()
                .find(|r| r.id == request)
                .ok_or_else(|| {
                    not_found(
                        "escalation.request_not_found",
                        format!(
                            "ticket {} has no escalation request {request}",
                            ticket.display_number()
                        ),
                    )
                })?;
            if let Some(d) = &found.decision {
                return Err(conflict(
                    "escalation.request_decided",
                    format!(
                        "escalation request {request} was {} already",
                        if d.accepted { "accepted" } else { "declined" }
                    ),
                ));
            }
            if body.accept {
                require_open(ticket, "escalate")?;
                Ok(Change::new(
                    ESCALATION_ACCEPTED,
                    json!({ "request": request, "level": found.level, "reason": body.reason }),
                ))
            } else {
                Ok(Change::new(
                    ESCALATION_DECLINED,
                    json!({ "request": request, "reason": body.reason }),
                ))
            }
        },
    )
    .await?;
    let log = visible_log(&state, &principal, id).await?;
    escalation_requests(&log)
        .into_iter()
        .find(|r| r.id == request)
        .map(axum::Json)
        .ok_or_else(|| Problem::internal(&"the request just decided is not in the log"))
}

// ------------------------------------------------------------------------------ severity

/// Ask for another priority (customer, or staff on the customer's behalf).
///
/// `to` must be a priority of the policy (422 `ticket.unknown_priority` lists them) other than
/// the current one. One request may be pending at a time.
#[utoipa::path(
    post, path = "/api/v1/tickets/{id}/severity-requests", tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id")),
    request_body = SeverityRequestBody,
    responses(
        (status = 201, description = "The request, pending", body = SeverityRequestView),
        (status = 403, description = "Role refuses", body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "No such ticket for this user", body = ProblemBody, content_type = "application/problem+json"),
        (status = 409, description = "Not open, the same priority, or a request pending", body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "Unknown priority, reason missing", body = ProblemBody, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn request_severity(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<SeverityRequestBody>,
) -> Result<Response, Problem> {
    check_text("reason", &body.reason, 1, MAX_REASON_CHARS)?;
    let view = tickets::apply(
        &state,
        &principal,
        id,
        roles::PARTICIPANTS,
        |ticket, policy, events| {
            require_open(ticket, "request a severity change of")?;
            known_priority(policy, &body.to)?;
            if ticket.priority == body.to {
                return Err(conflict(
                    "severity.unchanged",
                    format!("ticket {} is {} already", ticket.display_number(), body.to),
                ));
            }
            if let Some(pending) = severity_requests(events)
                .into_iter()
                .find(|r| r.decision.is_none())
            {
                return Err(conflict(
                    "severity.request_pending",
                    format!(
                        "severity change request {} of ticket {} awaits a decision",
                        pending.id,
                        ticket.display_number()
                    ),
                )
                .with("request", pending.id));
            }
            Ok(Change::new(
                SEVERITY_REQUESTED,
                json!({ "from": ticket.priority, "to": body.to, "reason": body.reason }),
            ))
        },
    )
    .await?;
    let seq = view.0.last_seq;
    let log = visible_log(&state, &principal, id).await?;
    let made = severity_requests(&log)
        .into_iter()
        .find(|r| r.id == seq)
        .ok_or_else(|| Problem::internal(&"the request just written is not in the log"))?;
    Ok((StatusCode::CREATED, axum::Json(made)).into_response())
}

fn known_priority(policy: &Policy, to: &str) -> Result<(), Problem> {
    if policy.priority(to).is_none() {
        return Err(ReportError::UnknownPriority {
            given: to.to_owned(),
            policy: policy.id.clone(),
            allowed: policy.priorities.iter().map(|p| p.id.clone()).collect(),
        }
        .into());
    }
    Ok(())
}

/// A ticket's severity change requests with their outcomes, oldest first.
#[utoipa::path(
    get, path = "/api/v1/tickets/{id}/severity-requests", tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id")),
    responses(
        (status = 200, description = "The requests", body = Vec<SeverityRequestView>),
        (status = 404, description = "No such ticket for this user", body = ProblemBody, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn list_severity_requests(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
) -> Result<axum::Json<Vec<SeverityRequestView>>, Problem> {
    principal.require(roles::ANY, Scope::TicketsRead)?;
    state.db.get_ticket(id, principal.tenant()).await?;
    let log = visible_log(&state, &principal, id).await?;
    Ok(axum::Json(severity_requests(&log)))
}

/// Accept or decline a severity change request (the provider's staff who work tickets).
///
/// Accepting changes the priority: a `priority` event carrying the request, so the clocks
/// follow the policy's `on_priority_change` rule exactly as for any priority change.
#[utoipa::path(
    post, path = "/api/v1/tickets/{id}/severity-requests/{request}/decision", tag = "tickets",
    params(
        ("id" = i64, Path, description = "Ticket id"),
        ("request" = i64, Path, description = "Request id"),
    ),
    request_body = DecisionBody,
    responses(
        (status = 200, description = "The request, decided", body = SeverityRequestView),
        (status = 403, description = "Role refuses", body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "No such ticket or request", body = ProblemBody, content_type = "application/problem+json"),
        (status = 409, description = "Decided already, the ticket is not open or has that priority already", body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "Reason missing", body = ProblemBody, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn decide_severity(
    State(state): State<AppState>,
    principal: Principal,
    Path((id, request)): Path<(i64, i64)>,
    ApiJson(body): ApiJson<DecisionBody>,
) -> Result<axum::Json<SeverityRequestView>, Problem> {
    check_text("reason", &body.reason, 1, MAX_REASON_CHARS)?;
    let _ticket = tickets::apply(
        &state,
        &principal,
        id,
        roles::WORKERS,
        |ticket, policy, events| {
            let found = severity_requests(events)
                .into_iter()
                .find(|r| r.id == request)
                .ok_or_else(|| {
                    not_found(
                        "severity.request_not_found",
                        format!(
                            "ticket {} has no severity change request {request}",
                            ticket.display_number()
                        ),
                    )
                })?;
            if let Some(d) = &found.decision {
                return Err(conflict(
                    "severity.request_decided",
                    format!(
                        "severity change request {request} was {} already",
                        if d.accepted { "accepted" } else { "declined" }
                    ),
                ));
            }
            if !body.accept {
                return Ok(Change::new(
                    SEVERITY_DECLINED,
                    json!({ "request": request, "reason": body.reason }),
                ));
            }
            require_open(ticket, "change the priority of")?;
            known_priority(policy, &found.to)?;
            if ticket.priority == found.to {
                return Err(conflict(
                    "severity.unchanged",
                    format!(
                        "ticket {} is {} already: decline the request instead",
                        ticket.display_number(),
                        found.to
                    ),
                ));
            }
            let mut change = Change::new(
                PRIORITY,
                json!({
                    "from": ticket.priority,
                    "to": found.to,
                    "reason": body.reason,
                    "basis": "customer_request",
                    "request": request,
                    "decision": "accepted",
                }),
            );
            change.update.priority = Some(found.to.clone());
            Ok(change)
        },
    )
    .await?;
    let log = visible_log(&state, &principal, id).await?;
    severity_requests(&log)
        .into_iter()
        .find(|r| r.id == request)
        .map(axum::Json)
        .ok_or_else(|| Problem::internal(&"the request just decided is not in the log"))
}

#[cfg(test)]
mod tests {
    use tenggat_store::Visibility;

    use super::*;

    fn event(seq: i64, event_type: &str, payload: Value) -> StoredEvent {
        StoredEvent {
            id: seq,
            ticket_id: 1,
            seq,
            at: Timestamp::from_second(1_800_000_000 + seq).expect("instant"),
            event_type: event_type.to_owned(),
            payload,
            actor_id: Some(seq),
            visibility: Visibility::Public,
        }
    }

    #[test]
    fn the_level_is_the_highest_recorded() {
        let log = vec![
            event(1, "created", json!({"priority": "P1"})),
            event(2, ESCALATED, json!({"key": "k", "level": 2, "rule": "r"})),
            event(3, ESCALATION_REQUESTED, json!({"reason": "x", "level": 3})),
        ];
        assert_eq!(level_in_log(1, &log), 2, "a request alone raises nothing");
        assert_eq!(level_in_log(3, &log), 3, "the fold's level counts");
        let mut log = log;
        log.push(event(
            4,
            ESCALATION_ACCEPTED,
            json!({"request": 3, "level": 3}),
        ));
        assert_eq!(level_in_log(1, &log), 3);
        assert_eq!(level_in_log(0, &[]), 1, "every ticket starts at 1");
    }

    #[test]
    fn requests_take_their_first_decision() {
        let log = vec![
            event(
                2,
                ESCALATION_REQUESTED,
                json!({"reason": "stalled_progress", "justification": "j", "level": 2, "from_level": 1}),
            ),
            event(
                3,
                ESCALATION_DECLINED,
                json!({"request": 2, "reason": "no"}),
            ),
            event(
                4,
                ESCALATION_ACCEPTED,
                json!({"request": 2, "reason": "late"}),
            ),
            event(
                5,
                ESCALATION_REQUESTED,
                json!({"reason": "stalled_progress", "justification": "j", "level": 2, "from_level": 1}),
            ),
            event(
                6,
                SEVERITY_REQUESTED,
                json!({"from": "P3", "to": "P1", "reason": "down"}),
            ),
            event(
                7,
                PRIORITY,
                json!({"from": "P3", "to": "P2", "reason": "staff"}),
            ),
            event(
                8,
                PRIORITY,
                json!({"from": "P2", "to": "P1", "request": 6, "decision": "accepted"}),
            ),
        ];
        let esc = escalation_requests(&log);
        assert_eq!(esc.len(), 2);
        assert_eq!(esc[0].state, "declined");
        assert_eq!(esc[0].decision.as_ref().map(|d| d.seq), Some(3));
        assert_eq!(esc[1].state, "pending");
        let sev = severity_requests(&log);
        assert_eq!(sev.len(), 1);
        assert_eq!(sev[0].state, "accepted");
        assert_eq!(sev[0].decision.as_ref().map(|d| d.by), Some(Some(8)));
    }

    #[test]
    fn bases_of_a_priority_change() {
        let policy = tenggat_sla::preset("microsoft-unified")
            .expect("preset exists")
            .expect("preset compiles");
        assert!(check_priority_basis("misclassified").is_ok());
        assert_eq!(
            check_priority_basis("because").map_err(|p| p.code),
            Err("priority.invalid_basis")
        );
        let basis = "customer_resources_unavailable";
        assert!(check_downgrade_basis(&policy, "1", "A", basis).is_ok());
        assert!(check_downgrade_basis(&policy, "A", "1", basis).is_err());
        assert!(check_downgrade_basis(&policy, "A", "1", "customer_request").is_ok());
    }
}
