//! Escalation in the portal: on the ticket page, the level, the customer's requests (reason and
//! written justification) with their outcomes, the escalation manager's decision and the
//! ticket's tasks (action plan, root-cause analysis); for the provider's team, the escalation
//! board: pending requests first, then the escalated open tickets by level, and the action
//! plans the viewer owes. Every change goes through the API's handlers (see `actions.rs`).

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::Deserialize;
use tenggat_sla::Policy;
use tenggat_store::{Language, Role, Store, StoredEvent, Ticket};

use super::pages::{customer_names, policies_of};
use super::view::{Choice, policy_zone, text_in, when};
use super::{PortalError, Ui, Viewer, i18n, render};
use crate::AppState;
use crate::auth::roles;
use crate::problem::Problem;
use crate::requests::{
    ESCALATED, ESCALATION_ACCEPTED, ESCALATION_REQUESTED, EscalationRequestView,
    escalation_requests, level_in_log,
};
use crate::tasks::tasks_of;

/// Most tickets the board shows.
const BOARD_LIMIT: u32 = 1000;

/// An escalation request as a page shows it.
#[derive(Debug, Clone)]
pub struct RequestRow {
    /// Its id (the sequence number of its event).
    pub id: i64,
    /// `pending`, `accepted` or `declined` (a CSS class too).
    pub state: String,
    /// Its state in words.
    pub state_text: String,
    /// The reason in words.
    pub reason: String,
    /// The written justification.
    pub justification: String,
    /// The level asked for, in words.
    pub level: String,
    /// When it was asked.
    pub asked: String,
    /// The decision's reason, once decided.
    pub decision: String,
}

/// The escalation part of a ticket page.
#[derive(Debug, Clone, Default)]
pub struct EscalationPanel {
    /// The level now, in words (`2 — Escalation Manager`).
    pub level: String,
    /// Whether the policy lets customers ask for escalation at all.
    pub available: bool,
    /// The policy's manual reasons.
    pub reasons: Vec<Choice>,
    /// The requests, newest first.
    pub requests: Vec<RequestRow>,
    /// Whether the viewer may ask now (open, none pending, below the top level).
    pub can_request: bool,
    /// Whether the viewer decides requests (escalation managers and administrators).
    pub can_decide: bool,
}

/// A task of a ticket as a page shows it.
#[derive(Debug, Clone)]
pub struct TaskRow {
    /// What is owed, in words.
    pub title: String,
    /// `open`, `overdue` or `done` (a CSS class too).
    pub state: String,
    /// Its state in words.
    pub state_text: String,
    /// Due, if it has a due instant.
    pub due: String,
    /// The summary it was completed with.
    pub summary: String,
}

fn level_name(lang: Language, policy: &Policy, level: u8) -> String {
    match policy.escalation.levels.iter().find(|l| l.level == level) {
        Some(l) => format!("{level} — {}", text_in(lang, &l.name)),
        None => level.to_string(),
    }
}

fn reason_name(lang: Language, policy: &Policy, id: &str) -> String {
    policy
        .escalation
        .manual_reasons
        .iter()
        .find(|r| r.id == id)
        .map_or_else(|| id.to_owned(), |r| text_in(lang, &r.name))
}

fn request_row(
    lang: Language,
    policy: &Policy,
    zone: &TimeZone,
    r: &EscalationRequestView,
) -> RequestRow {
    RequestRow {
        id: r.id,
        state_text: i18n::tr(lang, &format!("request-{}", r.state)),
        state: r.state.clone(),
        reason: reason_name(lang, policy, &r.reason),
        justification: r.justification.clone(),
        level: level_name(lang, policy, r.level),
        asked: r
            .requested_at
            .parse::<Timestamp>()
            .map_or_else(|_| r.requested_at.clone(), |t| when(t, zone)),
        decision: r
            .decision
            .as_ref()
            .map(|d| d.reason.clone())
            .unwrap_or_default(),
    }
}

/// Whether a viewer decides escalation requests.
fn decides(viewer: &Viewer) -> bool {
    roles::ESCALATION_DECIDERS.contains(&viewer.principal.user.role)
}

/// The level of a ticket from its cached SLA (the fold's automatic rules) raised by its log.
fn level_of(ticket: &Ticket, events: &[StoredEvent]) -> u8 {
    let fold = ticket
        .sla
        .as_ref()
        .and_then(|c| c.sla.pointer("/escalation/level"))
        .and_then(serde_json::Value::as_u64)
        .and_then(|l| u8::try_from(l).ok())
        .unwrap_or(1);
    level_in_log(fold, events)
}

/// The escalation part of a ticket page; `level` is the ticket's level now.
pub fn panel(
    viewer: &Viewer,
    ticket: &Ticket,
    policy: &Policy,
    events: &[StoredEvent],
    level: u8,
    zone: &TimeZone,
) -> EscalationPanel {
    let lang = viewer.lang();
    let ladder = &policy.escalation;
    let available = !ladder.manual_reasons.is_empty() && ladder.levels.len() >= 2;
    let requests = escalation_requests(events);
    let pending = requests.iter().any(|r| r.decision.is_none());
    let top = ladder.levels.iter().map(|l| l.level).max().unwrap_or(1);
    EscalationPanel {
        level: level_name(lang, policy, level),
        available,
        reasons: ladder
            .manual_reasons
            .iter()
            .map(|r| Choice {
                value: r.id.clone(),
                label: text_in(lang, &r.name),
                ..Choice::default()
            })
            .collect(),
        requests: requests
            .iter()
            .rev()
            .map(|r| request_row(lang, policy, zone, r))
            .collect(),
        can_request: available && ticket.status.is_open() && !pending && level < top,
        can_decide: decides(viewer) && ticket.status.is_open(),
    }
}

/// The ticket's tasks as a page shows them.
pub fn task_rows(
    lang: Language,
    ticket: &Ticket,
    policy: &Policy,
    events: &[StoredEvent],
    now: Timestamp,
    zone: &TimeZone,
) -> Vec<TaskRow> {
    tasks_of(ticket, policy, events)
        .iter()
        .map(|t| {
            let state = t.state(now);
            TaskRow {
                title: i18n::tr(lang, &format!("task-{}", t.kind.replace('_', "-"))),
                state: state.to_owned(),
                state_text: i18n::tr(lang, &format!("task-state-{state}")),
                due: t.due.map(|d| when(d, zone)).unwrap_or_default(),
                summary: t.summary.clone().unwrap_or_default(),
            }
        })
        .collect()
}

/// A ticket on the board.
#[derive(Debug, Clone)]
pub struct BoardItem {
    /// Id (for links).
    pub id: i64,
    /// `T-12`.
    pub number: String,
    /// Title.
    pub title: String,
    /// Priority.
    pub priority: String,
    /// The customer's name.
    pub customer: String,
    /// Its level in words.
    pub level: String,
    /// Since when it is at that level, if the log says.
    pub since: String,
    /// Its pending request, if any.
    pub request: Option<RequestRow>,
    /// Its action plan in words (none yet, open and due, done).
    pub plan: String,
    /// Whether the plan is late or missing at level 2 and up (a CSS class).
    pub plan_owed: bool,
}

/// A level of the board with its tickets.
#[derive(Debug, Clone)]
pub struct LevelColumn {
    /// The level in words.
    pub name: String,
    /// Its tickets, lowest id first.
    pub items: Vec<BoardItem>,
}

#[derive(Template)]
#[template(path = "portal/escalations.html")]
struct BoardPage {
    ui: Ui,
    pending: Vec<BoardItem>,
    levels: Vec<LevelColumn>,
    mine: Vec<BoardItem>,
    can_decide: bool,
    flash: String,
}

/// Query of the board: what was just done.
#[derive(Debug, Default, Deserialize)]
pub struct BoardQuery {
    #[serde(default)]
    done: String,
}

/// The action plan of a ticket at `level`, in words, and whether one is owed and missing or
/// late.
fn plan_state(
    lang: Language,
    ticket: &Ticket,
    policy: &Policy,
    events: &[StoredEvent],
    level: u8,
    now: Timestamp,
    zone: &TimeZone,
) -> (String, bool) {
    let plan = tasks_of(ticket, policy, events)
        .into_iter()
        .rev()
        .find(|t| t.kind == "action_plan");
    match plan {
        None if level >= 2 => (i18n::tr(lang, "plan-missing"), true),
        None => (String::new(), false),
        Some(t) => match (t.state(now), t.due) {
            ("done", _) => (i18n::tr(lang, "plan-done"), false),
            ("overdue", Some(due)) => (
                i18n::tr_args(lang, "plan-overdue", &[("due", when(due, zone))]),
                true,
            ),
            (_, Some(due)) => (
                i18n::tr_args(lang, "plan-due", &[("due", when(due, zone))]),
                false,
            ),
            (_, None) => (i18n::tr(lang, "task-state-open"), false),
        },
    }
}

/// `GET /escalations`: the escalation board of the provider's team.
pub async fn board(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<BoardQuery>,
) -> Result<Response, PortalError> {
    let lang = viewer.lang();
    if !viewer.principal.is_staff() {
        return Ok(Redirect::to("/tickets").into_response());
    }
    let fail = |p: Problem| PortalError::from_problem(lang, p);
    let now = state.clock.now();
    let ids = state
        .db
        .open_tickets_with_events(
            viewer.org.id,
            &[ESCALATED, ESCALATION_REQUESTED, ESCALATION_ACCEPTED],
            BOARD_LIMIT,
        )
        .await
        .map_err(|e| fail(e.into()))?;
    let logs = state
        .db
        .ticket_logs(&ids)
        .await
        .map_err(|e| fail(e.into()))?;
    let names = customer_names(&state).await.map_err(fail)?;
    let tickets: Vec<Ticket> = logs.iter().map(|log| log.ticket.clone()).collect();
    let policies = policies_of(&state, &tickets).await.map_err(fail)?;
    let mut pending = Vec::new();
    let mut by_level: std::collections::BTreeMap<u8, LevelColumn> = Default::default();
    let mut mine = Vec::new();
    for log in &logs {
        let ticket = &log.ticket;
        let Some(policy) = policies.get(&ticket.contract_id) else {
            continue;
        };
        let zone = policy_zone(policy);
        let level = level_of(ticket, &log.events);
        let request = escalation_requests(&log.events)
            .into_iter()
            .find(|r| r.decision.is_none())
            .map(|r| request_row(lang, policy, &zone, &r));
        if level < 2 && request.is_none() {
            continue;
        }
        let since = log
            .events
            .iter()
            .rev()
            .find(|e| {
                (e.event_type == ESCALATED || e.event_type == ESCALATION_ACCEPTED)
                    && e.payload.get("level").and_then(serde_json::Value::as_u64)
                        == Some(u64::from(level))
            })
            .map(|e| when(e.at, &zone))
            .unwrap_or_default();
        let (plan, plan_owed) = plan_state(lang, ticket, policy, &log.events, level, now, &zone);
        let item = BoardItem {
            id: ticket.id,
            number: ticket.display_number(),
            title: ticket.title.clone(),
            priority: ticket.priority.clone(),
            customer: names
                .get(&ticket.customer_org_id)
                .cloned()
                .unwrap_or_default(),
            level: level_name(lang, policy, level),
            since,
            request,
            plan,
            plan_owed,
        };
        if item.request.is_some() {
            pending.push(item.clone());
        }
        if level >= 2 {
            if ticket.assignee_id == Some(viewer.principal.user.id) {
                mine.push(item.clone());
            }
            by_level
                .entry(level)
                .or_insert_with(|| LevelColumn {
                    name: level_name(lang, policy, level),
                    items: Vec::new(),
                })
                .items
                .push(item);
        }
    }
    let flash = match query.done.as_str() {
        "decide-escalation" => i18n::tr(lang, "done-decide-escalation"),
        _ => String::new(),
    };
    Ok(render(
        lang,
        &BoardPage {
            ui: viewer.ui("escalations"),
            pending,
            // Highest level first: the most urgent attention.
            levels: by_level.into_values().rev().collect(),
            mine,
            can_decide: decides(&viewer),
            flash,
        },
    ))
}

/// The provider's people who may be assigned tickets, for the assign form.
pub async fn agents(
    state: &AppState,
    viewer: &Viewer,
    current: Option<i64>,
) -> Result<Vec<Choice>, Problem> {
    let users = state.db.users_of_organisation(viewer.org.id).await?;
    Ok(users
        .into_iter()
        .filter(|u| {
            matches!(u.role, Role::Agent | Role::EscalationManager | Role::Admin) && !u.disabled
        })
        .map(|u| Choice {
            selected: Some(u.id) == current,
            value: u.id.to_string(),
            label: u.name,
            ..Choice::default()
        })
        .collect())
}
