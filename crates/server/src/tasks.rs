//! A ticket's tasks: the obligations the escalation ladder and the policy put on the provider,
//! each with its own due instant. There is no task table: the list is derived from the ticket's
//! log (and, for the post-incident review, from its policy), so it is recomputed on every read
//! exactly like the SLA clocks.
//!
//! | kind | opened by | done by |
//! |---|---|---|
//! | `action_plan` | `action_plan_published` (level 2 and up) | `task_completed`, or the next `action_plan_published` (supersedes) |
//! | `emergency_call` | `emergency_call_recorded` (level 3 and up) | the same event: recorded when it happened |
//! | `rca` | `rca_requested` (before the ticket is closed) | `rca_delivered` |
//! | `post_incident_review` | the first `resolved` or `closed` of a Sev 1 under add-on `uer` | `post_incident_review_completed` |
//!
//! A task's id is `<kind>-<seq>`, the sequence number of the event that opened it. The events
//! that open a task carry `task`, `kind`, `title` and `due` in their payload; those that
//! complete one carry `task`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tenggat_sla::Policy;
use tenggat_store::{StoredEvent, Ticket};
use tenggat_time::BusinessDuration;
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::{Principal, Scope, roles};
use crate::desk;
use crate::extract::{ApiJson, MaybeJson};
use crate::problem::Problem;
use crate::requests::{MAX_REASON_CHARS, current_level};
use crate::tickets::{self, Change, OBSERVED_SKEW, check_text, conflict, invalid, load};
use crate::views::{ProblemBody, ts};

/// A written action plan with its schedule (escalation level 2).
pub(crate) const ACTION_PLAN_PUBLISHED: &str = "action_plan_published";
/// The emergency call of escalation level 3.
pub(crate) const EMERGENCY_CALL_RECORDED: &str = "emergency_call_recorded";
/// A root-cause analysis asked for.
pub(crate) const RCA_REQUESTED: &str = "rca_requested";
/// The root-cause analysis delivered.
pub(crate) const RCA_DELIVERED: &str = "rca_delivered";
/// The post-incident review done.
pub(crate) const PIR_COMPLETED: &str = "post_incident_review_completed";
/// A task done through `POST /api/v1/tickets/{id}/tasks/{task}/complete`.
pub(crate) const TASK_COMPLETED: &str = "task_completed";

/// The add-on whose Sev 1 tickets owe a post-incident review (Unified Enhanced Response).
const PIR_ADD_ON: &str = "uer";
/// The priority that owes it (Severity 1).
const PIR_PRIORITY: &str = "1";
/// When it is due: business days after the resolution, on the policy's main calendar.
const PIR_BUSINESS_DAYS: i64 = 5;
/// Most steps of an action plan, participants of a call.
const MAX_ITEMS: usize = 50;
/// Longest step title or participant.
const MAX_TITLE_CHARS: usize = 200;

// ------------------------------------------------------------------------------ model

/// A task of a ticket.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Task {
    pub(crate) id: String,
    pub(crate) kind: &'static str,
    pub(crate) title: String,
    pub(crate) opened_at: Timestamp,
    pub(crate) due: Option<Timestamp>,
    pub(crate) completed_at: Option<Timestamp>,
    pub(crate) summary: Option<String>,
}

impl Task {
    fn is_done(&self) -> bool {
        self.completed_at.is_some()
    }

    pub(crate) fn state(&self, now: Timestamp) -> &'static str {
        match (self.completed_at, self.due) {
            (Some(_), _) => "done",
            (None, Some(due)) if due < now => "overdue",
            _ => "open",
        }
    }
}

/// A task as the API shows it.
#[derive(Serialize, ToSchema, Debug)]
pub struct TaskView {
    /// `<kind>-<seq>`: the kind and the sequence number of the event that opened it.
    pub id: String,
    /// `action_plan`, `emergency_call`, `rca` or `post_incident_review`.
    pub kind: String,
    /// What is owed.
    pub title: String,
    /// Opened (UTC).
    pub opened_at: String,
    /// Due (UTC), if it has a due instant.
    pub due: Option<String>,
    /// `open`, `overdue` (open after its due instant) or `done`.
    pub state: String,
    /// Done (UTC).
    pub completed_at: Option<String>,
    /// The summary it was completed with.
    pub summary: Option<String>,
}

impl TaskView {
    fn new(task: &Task, now: Timestamp) -> TaskView {
        TaskView {
            id: task.id.clone(),
            kind: task.kind.to_owned(),
            title: task.title.clone(),
            opened_at: ts(task.opened_at),
            due: task.due.map(ts),
            state: task.state(now).to_owned(),
            completed_at: task.completed_at.map(ts),
            summary: task.summary.clone(),
        }
    }
}

fn text(e: &StoredEvent, key: &str) -> Option<String> {
    e.payload
        .get(key)
        .and_then(Value::as_str)
        .map(str::to_owned)
}

fn instant(e: &StoredEvent, key: &str) -> Option<Timestamp> {
    e.payload
        .get(key)
        .and_then(Value::as_str)
        .and_then(|t| t.parse().ok())
}

fn task_id(kind: &str, seq: i64) -> String {
    format!("{kind}-{seq}")
}

fn complete(tasks: &mut [Task], id: &str, at: Timestamp, summary: Option<String>) {
    if let Some(task) = tasks.iter_mut().find(|t| t.id == id && !t.is_done()) {
        task.completed_at = Some(at);
        task.summary = summary;
    }
}

/// Whether the ticket owes a post-incident review once resolved: a Sev 1 under add-on `uer`.
fn owes_review(ticket: &Ticket, policy: &Policy) -> bool {
    ticket.priority == PIR_PRIORITY && policy.active_addons.iter().any(|a| a == PIR_ADD_ON)
}

/// The review's due instant: five business days on the policy's main calendar after `from`
/// (seven real days if that calendar cannot say).
fn review_due(policy: &Policy, from: Timestamp) -> Timestamp {
    let business = policy.calendar(&policy.default_calendar).and_then(|cal| {
        cal.due(
            from,
            BusinessDuration {
                business_days: PIR_BUSINESS_DAYS,
                nanos: 0,
            },
        )
        .ok()
    });
    business.unwrap_or_else(|| {
        from.checked_add(SignedDuration::from_hours(7 * 24))
            .unwrap_or(from)
    })
}

/// The ticket's tasks, in the order they were opened.
pub(crate) fn tasks_of(ticket: &Ticket, policy: &Policy, events: &[StoredEvent]) -> Vec<Task> {
    tasks_in(policy, events, owes_review(ticket, policy))
}

/// The tasks a log opens; `reviewed`: whether its first resolution opens a post-incident
/// review.
fn tasks_in(policy: &Policy, events: &[StoredEvent], reviewed: bool) -> Vec<Task> {
    let mut tasks: Vec<Task> = Vec::new();
    let mut review: Option<Task> = None;
    for e in events {
        match e.event_type.as_str() {
            ACTION_PLAN_PUBLISHED => {
                let id = text(e, "task").unwrap_or_else(|| task_id("action_plan", e.seq));
                for t in tasks
                    .iter_mut()
                    .filter(|t| t.kind == "action_plan" && !t.is_done())
                {
                    t.completed_at = Some(e.at);
                    t.summary = Some(format!("superseded by {id}"));
                }
                tasks.push(Task {
                    id,
                    kind: "action_plan",
                    title: text(e, "title").unwrap_or_else(|| "Action plan".to_owned()),
                    opened_at: e.at,
                    due: instant(e, "due"),
                    completed_at: None,
                    summary: None,
                });
            }
            EMERGENCY_CALL_RECORDED => tasks.push(Task {
                id: text(e, "task").unwrap_or_else(|| task_id("emergency_call", e.seq)),
                kind: "emergency_call",
                title: text(e, "title").unwrap_or_else(|| "Emergency call".to_owned()),
                opened_at: e.at,
                due: None,
                completed_at: Some(e.at),
                summary: text(e, "summary"),
            }),
            RCA_REQUESTED => tasks.push(Task {
                id: text(e, "task").unwrap_or_else(|| task_id("rca", e.seq)),
                kind: "rca",
                title: text(e, "title").unwrap_or_else(|| "Root-cause analysis".to_owned()),
                opened_at: e.at,
                due: instant(e, "due"),
                completed_at: None,
                summary: None,
            }),
            RCA_DELIVERED | TASK_COMPLETED => {
                if let Some(id) = text(e, "task") {
                    complete(&mut tasks, &id, e.at, text(e, "summary"));
                }
            }
            "resolved" | "closed" if reviewed && review.is_none() => {
                review = Some(Task {
                    id: task_id("post_incident_review", e.seq),
                    kind: "post_incident_review",
                    title: "Post-incident review".to_owned(),
                    opened_at: e.at,
                    due: Some(review_due(policy, e.at)),
                    completed_at: None,
                    summary: None,
                });
            }
            PIR_COMPLETED => {
                if let Some(task) = review.as_mut().filter(|t| !t.is_done()) {
                    task.completed_at = Some(e.at);
                    task.summary = text(e, "summary");
                }
            }
            _ => {}
        }
    }
    tasks.extend(review);
    tasks
}

/// How many of the ticket's tasks are not done.
pub(crate) fn open_count(ticket: &Ticket, policy: &Policy, events: &[StoredEvent]) -> usize {
    tasks_of(ticket, policy, events)
        .iter()
        .filter(|t| !t.is_done())
        .count()
}

// ------------------------------------------------------------------------------ bodies

/// One step of an action plan.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionPlanStep {
    /// What will be done, 1 to 200 characters.
    pub title: String,
    /// By when, RFC 3339 with offset, in the future.
    pub due: String,
}

/// Body of `POST /api/v1/tickets/{id}/action-plan`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionPlanBody {
    /// The plan in writing, 1 to 10,000 characters.
    pub summary: String,
    /// Its schedule: 1 to 50 steps.
    pub steps: Vec<ActionPlanStep>,
}

/// Body of `POST /api/v1/tickets/{id}/emergency-call`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmergencyCallBody {
    /// When the call started, RFC 3339 with offset.
    pub started_at: String,
    /// When it ended, if it has.
    pub ended_at: Option<String>,
    /// Who took part (names and sides), 1 to 50.
    pub participants: Vec<String>,
    /// What was said and agreed, 1 to 10,000 characters.
    pub summary: String,
}

/// Body of `POST /api/v1/tickets/{id}/rca-request`.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct RcaRequestBody {
    /// An optional comment.
    pub comment: Option<String>,
}

/// Body of `POST /api/v1/tickets/{id}/rca`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RcaBody {
    /// The finding in short, 1 to 10,000 characters.
    pub summary: String,
    /// The full analysis, as text (up to 100,000 characters).
    pub document: Option<String>,
}

/// Body of completing a task or the post-incident review.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SummaryBody {
    /// What was done, 1 to 10,000 characters.
    pub summary: String,
}

// ------------------------------------------------------------------------------ helpers

/// Which task an answer shows.
enum Which<'a> {
    /// By id.
    Id(&'a str),
    /// The first of a kind (a ticket has one analysis and one review at most).
    Kind(&'static str),
}

/// A task of ticket `ticket` after a change, for the answer.
async fn task_after(
    state: &AppState,
    principal: &Principal,
    ticket: i64,
    which: Which<'_>,
) -> Result<TaskView, Problem> {
    let loaded = load(state, ticket, principal.tenant()).await?;
    let now = state.clock.now();
    tasks_of(&loaded.ticket, &loaded.policy, &loaded.events)
        .iter()
        .find(|t| match which {
            Which::Id(id) => t.id == id,
            Which::Kind(kind) => t.kind == kind,
        })
        .map(|t| TaskView::new(t, now))
        .ok_or_else(|| Problem::internal(&"the task just written is not in the log"))
}

fn level_required(ticket: &Ticket, what: &str, need: u8, have: u8) -> Problem {
    conflict(
        "escalation.level_required",
        format!(
            "{what} belongs to escalation level {need}; ticket {} is at level {have}",
            ticket.display_number()
        ),
    )
    .with("level", have)
    .with("required", need)
}

fn parse_instant(field: &str, text: &str) -> Result<Timestamp, Problem> {
    desk::parse_zoned_instant(text)
        .map_err(|d| invalid("task.invalid_time", format!("{field}: {d}")).with("field", field))
}

fn not_closed(ticket: &Ticket, what: &str) -> Result<(), Problem> {
    if ticket.status == tenggat_store::TicketStatus::Closed {
        return Err(conflict(
            "ticket.invalid_transition",
            format!("ticket {} is closed: {what}", ticket.display_number()),
        ));
    }
    Ok(())
}

// ------------------------------------------------------------------------------ handlers

/// A ticket's tasks with their due instants and states, in the order they were opened.
#[utoipa::path(
    get, path = "/api/v1/tickets/{id}/tasks", tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id")),
    responses(
        (status = 200, description = "The tasks", body = Vec<TaskView>),
        (status = 404, description = "No such ticket for this user", body = ProblemBody, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn list_tasks(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
) -> Result<axum::Json<Vec<TaskView>>, Problem> {
    principal.require(roles::ANY, Scope::TicketsRead)?;
    let loaded = load(&state, id, principal.tenant()).await?;
    let now = state.clock.now();
    Ok(axum::Json(
        tasks_of(&loaded.ticket, &loaded.policy, &loaded.events)
            .iter()
            .map(|t| TaskView::new(t, now))
            .collect(),
    ))
}

/// Publish the written action plan with its schedule (escalation level 2 and up).
///
/// The plan is a task due at its latest step; publishing again supersedes the earlier plan.
#[utoipa::path(
    post, path = "/api/v1/tickets/{id}/action-plan", tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id")),
    request_body = ActionPlanBody,
    responses(
        (status = 201, description = "The plan's task", body = TaskView),
        (status = 403, description = "Role refuses", body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "No such ticket", body = ProblemBody, content_type = "application/problem+json"),
        (status = 409, description = "Below level 2, or not open", body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "Bad steps or instants", body = ProblemBody, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn publish_action_plan(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<ActionPlanBody>,
) -> Result<Response, Problem> {
    check_text("summary", &body.summary, 1, MAX_REASON_CHARS)?;
    if body.steps.is_empty() || body.steps.len() > MAX_ITEMS {
        return Err(invalid(
            "action_plan.invalid_steps",
            format!("an action plan has 1 to {MAX_ITEMS} steps"),
        )
        .with("field", "steps"));
    }
    let now = state.clock.now();
    let mut steps = Vec::with_capacity(body.steps.len());
    for (i, step) in body.steps.iter().enumerate() {
        check_text(
            &format!("steps[{i}].title"),
            &step.title,
            1,
            MAX_TITLE_CHARS,
        )?;
        let field = format!("steps[{i}].due");
        let due = parse_instant(&field, &step.due)?;
        if due <= now {
            return Err(invalid(
                "task.invalid_time",
                format!("{field}: {} is not in the future", step.due),
            )
            .with("field", field));
        }
        steps.push((step.title.clone(), due));
    }
    let latest = steps.iter().map(|(_, due)| *due).max().unwrap_or(now);
    let steps_json: Vec<Value> = steps
        .iter()
        .map(|(title, due)| json!({ "title": title, "due": ts(*due) }))
        .collect();
    let view = tickets::apply(
        &state,
        &principal,
        id,
        roles::WORKERS,
        |ticket, policy, events| {
            tickets::require_open(ticket, "publish an action plan for")?;
            let level = current_level(policy, events, state.clock.now())?;
            if level < 2 {
                return Err(level_required(ticket, "a written action plan", 2, level));
            }
            Ok(Change::new(
                ACTION_PLAN_PUBLISHED,
                json!({
                    "task": task_id("action_plan", ticket.last_seq + 1),
                    "kind": "action_plan",
                    "title": "Action plan",
                    "due": ts(latest),
                    "summary": body.summary,
                    "steps": steps_json,
                }),
            ))
        },
    )
    .await?;
    let task = task_id("action_plan", view.0.last_seq);
    let made = task_after(&state, &principal, id, Which::Id(&task)).await?;
    Ok((StatusCode::CREATED, axum::Json(made)).into_response())
}

/// Record the emergency call (escalation level 3 and up).
#[utoipa::path(
    post, path = "/api/v1/tickets/{id}/emergency-call", tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id")),
    request_body = EmergencyCallBody,
    responses(
        (status = 201, description = "The call, as a task done", body = TaskView),
        (status = 403, description = "Role refuses", body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "No such ticket", body = ProblemBody, content_type = "application/problem+json"),
        (status = 409, description = "Below level 3, or closed", body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "Bad instants, participants or summary", body = ProblemBody, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn record_emergency_call(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<EmergencyCallBody>,
) -> Result<Response, Problem> {
    check_text("summary", &body.summary, 1, MAX_REASON_CHARS)?;
    if body.participants.is_empty() || body.participants.len() > MAX_ITEMS {
        return Err(invalid(
            "emergency_call.invalid_participants",
            format!("name 1 to {MAX_ITEMS} participants"),
        )
        .with("field", "participants"));
    }
    for (i, p) in body.participants.iter().enumerate() {
        check_text(&format!("participants[{i}]"), p, 1, MAX_TITLE_CHARS)?;
    }
    let now = state.clock.now();
    let latest_allowed = now.checked_add(OBSERVED_SKEW).unwrap_or(now);
    let started = parse_instant("started_at", &body.started_at)?;
    if started > latest_allowed {
        return Err(
            invalid("task.invalid_time", "started_at lies in the future")
                .with("field", "started_at"),
        );
    }
    let ended = match &body.ended_at {
        None => None,
        Some(text) => {
            let ended = parse_instant("ended_at", text)?;
            if ended < started || ended > latest_allowed {
                return Err(invalid(
                    "task.invalid_time",
                    "ended_at must lie between started_at and now",
                )
                .with("field", "ended_at"));
            }
            Some(ended)
        }
    };
    let view = tickets::apply(
        &state,
        &principal,
        id,
        roles::WORKERS,
        |ticket, policy, events| {
            not_closed(ticket, "no call is recorded any more")?;
            let level = current_level(policy, events, state.clock.now())?;
            if level < 3 {
                return Err(level_required(ticket, "the emergency call", 3, level));
            }
            Ok(Change::new(
                EMERGENCY_CALL_RECORDED,
                json!({
                    "task": task_id("emergency_call", ticket.last_seq + 1),
                    "kind": "emergency_call",
                    "title": "Emergency call",
                    "due": null,
                    "started_at": ts(started),
                    "ended_at": ended.map(ts),
                    "participants": body.participants,
                    "summary": body.summary,
                }),
            ))
        },
    )
    .await?;
    let task = task_id("emergency_call", view.0.last_seq);
    let made = task_after(&state, &principal, id, Which::Id(&task)).await?;
    Ok((StatusCode::CREATED, axum::Json(made)).into_response())
}

/// Ask for a root-cause analysis (customer or provider), only before the ticket is closed.
#[utoipa::path(
    post, path = "/api/v1/tickets/{id}/rca-request", tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id")),
    request_body(content = Option<RcaRequestBody>, description = "Optional comment"),
    responses(
        (status = 201, description = "The analysis, as a task of the provider", body = TaskView),
        (status = 403, description = "Role refuses", body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "No such ticket for this user", body = ProblemBody, content_type = "application/problem+json"),
        (status = 409, description = "Closed, or asked for already", body = ProblemBody, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn request_rca(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
    MaybeJson(body): MaybeJson<RcaRequestBody>,
) -> Result<Response, Problem> {
    let comment = body.and_then(|b| b.comment);
    if let Some(comment) = &comment {
        check_text("comment", comment, 1, MAX_REASON_CHARS)?;
    }
    let view = tickets::apply(
        &state,
        &principal,
        id,
        roles::PARTICIPANTS,
        |ticket, _, events| {
            if ticket.status == tenggat_store::TicketStatus::Closed {
                return Err(conflict(
                    "rca.ticket_closed",
                    format!(
                        "ticket {} is closed: a root-cause analysis is asked for before the \
                         incident is closed",
                        ticket.display_number()
                    ),
                ));
            }
            if let Some(earlier) = events.iter().find(|e| e.event_type == RCA_REQUESTED) {
                return Err(conflict(
                    "rca.already_requested",
                    format!(
                        "a root-cause analysis of ticket {} was asked for already",
                        ticket.display_number()
                    ),
                )
                .with("task", task_id("rca", earlier.seq)));
            }
            let mut payload = json!({
                "task": task_id("rca", ticket.last_seq + 1),
                "kind": "rca",
                "title": "Root-cause analysis",
                "due": null,
            });
            if let Some(comment) = &comment {
                payload["comment"] = Value::String(comment.clone());
            }
            Ok(Change::new(RCA_REQUESTED, payload))
        },
    )
    .await?;
    let task = task_id("rca", view.0.last_seq);
    let made = task_after(&state, &principal, id, Which::Id(&task)).await?;
    Ok((StatusCode::CREATED, axum::Json(made)).into_response())
}

/// Deliver the root-cause analysis asked for (the provider's staff).
#[utoipa::path(
    post, path = "/api/v1/tickets/{id}/rca", tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id")),
    request_body = RcaBody,
    responses(
        (status = 200, description = "The analysis task, done", body = TaskView),
        (status = 403, description = "Role refuses", body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "No such ticket", body = ProblemBody, content_type = "application/problem+json"),
        (status = 409, description = "Not asked for, or delivered already", body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "Summary missing", body = ProblemBody, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn deliver_rca(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<RcaBody>,
) -> Result<axum::Json<TaskView>, Problem> {
    check_text("summary", &body.summary, 1, MAX_REASON_CHARS)?;
    if let Some(document) = &body.document {
        check_text("document", document, 1, tickets::MAX_TEXT_CHARS)?;
    }
    let _ticket = tickets::apply(
        &state,
        &principal,
        id,
        roles::WORKERS,
        |ticket, policy, events| {
            let open = tasks_of(ticket, policy, events)
                .into_iter()
                .find(|t| t.kind == "rca");
            let Some(rca) = open else {
                return Err(conflict(
                    "rca.not_requested",
                    format!(
                        "nobody asked for a root-cause analysis of ticket {}",
                        ticket.display_number()
                    ),
                ));
            };
            if rca.is_done() {
                return Err(conflict(
                    "task.completed",
                    format!("{} was delivered already", rca.id),
                ));
            }
            Ok(Change::new(
                RCA_DELIVERED,
                json!({ "task": rca.id, "summary": body.summary, "document": body.document }),
            ))
        },
    )
    .await?;
    Ok(axum::Json(
        task_after(&state, &principal, id, Which::Kind("rca")).await?,
    ))
}

/// Complete the post-incident review a Sev 1 under Unified Enhanced Response owes once
/// resolved (the provider's staff).
#[utoipa::path(
    post, path = "/api/v1/tickets/{id}/post-incident-review", tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id")),
    request_body = SummaryBody,
    responses(
        (status = 200, description = "The review task, done", body = TaskView),
        (status = 403, description = "Role refuses", body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "No such ticket", body = ProblemBody, content_type = "application/problem+json"),
        (status = 409, description = "No review owed, or done already", body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "Summary missing", body = ProblemBody, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn complete_review(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<SummaryBody>,
) -> Result<axum::Json<TaskView>, Problem> {
    check_text("summary", &body.summary, 1, MAX_REASON_CHARS)?;
    let _ticket = tickets::apply(
        &state,
        &principal,
        id,
        roles::WORKERS,
        |ticket, policy, events| {
            let review = tasks_of(ticket, policy, events)
                .into_iter()
                .find(|t| t.kind == "post_incident_review");
            let Some(review) = review else {
                return Err(conflict(
                    "task.not_owed",
                    format!(
                        "ticket {} owes no post-incident review (a resolved Severity 1 under \
                         Unified Enhanced Response does)",
                        ticket.display_number()
                    ),
                ));
            };
            if review.is_done() {
                return Err(conflict(
                    "task.completed",
                    format!("{} is done already", review.id),
                ));
            }
            Ok(Change::new(
                PIR_COMPLETED,
                json!({ "task": review.id, "summary": body.summary }),
            ))
        },
    )
    .await?;
    Ok(axum::Json(
        task_after(&state, &principal, id, Which::Kind("post_incident_review")).await?,
    ))
}

/// Complete an action plan (the provider's staff). The other kinds have their own endpoints:
/// `rca`, `post-incident-review`; an emergency call is done when recorded.
#[utoipa::path(
    post, path = "/api/v1/tickets/{id}/tasks/{task}/complete", tag = "tickets",
    params(
        ("id" = i64, Path, description = "Ticket id"),
        ("task" = String, Path, description = "Task id, `action_plan-12`"),
    ),
    request_body = SummaryBody,
    responses(
        (status = 200, description = "The task, done", body = TaskView),
        (status = 403, description = "Role refuses", body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "No such ticket or task", body = ProblemBody, content_type = "application/problem+json"),
        (status = 409, description = "Done already, or completed by another endpoint", body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "Summary missing", body = ProblemBody, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn complete_task(
    State(state): State<AppState>,
    principal: Principal,
    Path((id, task)): Path<(i64, String)>,
    ApiJson(body): ApiJson<SummaryBody>,
) -> Result<axum::Json<TaskView>, Problem> {
    check_text("summary", &body.summary, 1, MAX_REASON_CHARS)?;
    let _ticket = tickets::apply(
        &state,
        &principal,
        id,
        roles::WORKERS,
        |ticket, policy, events| {
            let found = tasks_of(ticket, policy, events)
                .into_iter()
                .find(|t| t.id == task)
                .ok_or_else(|| {
                    Problem::new(
                        StatusCode::NOT_FOUND,
                        "task.not_found",
                        format!("ticket {} has no task {task}", ticket.display_number()),
                    )
                })?;
            let endpoint = match found.kind {
                "rca" => Some("POST /api/v1/tickets/{id}/rca"),
                "post_incident_review" => Some("POST /api/v1/tickets/{id}/post-incident-review"),
                "emergency_call" => Some("POST /api/v1/tickets/{id}/emergency-call"),
                _ => None,
            };
            if found.is_done() {
                return Err(conflict(
                    "task.completed",
                    format!("{task} is done already"),
                ));
            }
            if let Some(endpoint) = endpoint {
                return Err(conflict(
                    "task.not_completable",
                    format!("{task} is completed with {endpoint}"),
                ));
            }
            Ok(Change::new(
                TASK_COMPLETED,
                json!({ "task": task, "summary": body.summary }),
            ))
        },
    )
    .await?;
    Ok(axum::Json(
        task_after(&state, &principal, id, Which::Id(&task)).await?,
    ))
}

#[cfg(test)]
mod tests {
    use tenggat_store::Visibility;

    use super::*;

    fn event(seq: i64, at: &str, event_type: &str, payload: Value) -> StoredEvent {
        StoredEvent {
            id: seq,
            ticket_id: 1,
            seq,
            at: at.parse().expect("instant"),
            event_type: event_type.to_owned(),
            payload,
            actor_id: None,
            visibility: Visibility::Public,
        }
    }

    #[test]
    fn a_new_plan_supersedes_the_old_and_the_review_is_due_in_business_days() {
        let policy = tenggat_sla::preset("microsoft-unified-uer")
            .expect("preset exists")
            .expect("preset compiles");
        let log = vec![
            event(
                1,
                "2026-03-13T10:00:00+07:00",
                "created",
                json!({"priority": "1"}),
            ),
            event(
                2,
                "2026-03-13T11:00:00+07:00",
                ACTION_PLAN_PUBLISHED,
                json!({"task": "action_plan-2", "due": "2026-03-14T03:00:00Z"}),
            ),
            event(
                3,
                "2026-03-13T12:00:00+07:00",
                ACTION_PLAN_PUBLISHED,
                json!({"task": "action_plan-3", "due": "2026-03-15T03:00:00Z"}),
            ),
            // Friday 16:00 WIB.
            event(4, "2026-03-13T16:00:00+07:00", "resolved", json!({})),
        ];
        let tasks = tasks_in(&policy, &log, true);
        assert_eq!(tasks.len(), 3, "{tasks:?}");
        assert!(tasks[0].is_done() && !tasks[1].is_done());
        assert_eq!(
            tasks[0].summary.as_deref(),
            Some("superseded by action_plan-3")
        );
        let review = &tasks[2];
        assert_eq!(review.id, "post_incident_review-4");
        // Five business days of 8.5 h (09:00–17:30) from Friday 16:00, Nyepi (Thursday 19
        // March) a holiday: 1.5 h on Friday, Monday to Wednesday, Friday, 7 h on Monday 23.
        assert_eq!(
            review.due,
            Some("2026-03-23T16:00:00+07:00".parse().expect("instant"))
        );
        let now: Timestamp = "2026-03-24T00:00:00Z".parse().expect("instant");
        assert_eq!(review.state(now), "overdue");
    }
}
