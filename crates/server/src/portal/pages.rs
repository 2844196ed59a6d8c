//! The ticket pages: a customer's tickets, the provider's queue, one ticket with its clocks and
//! timeline, and the actions on it (each through the API's own handler).

use std::collections::HashMap;
use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;
use serde_json::Value;
use tenggat_sla::Policy;
use tenggat_store::{
    Language, OrgKind, Store, StoredEvent, Ticket, TicketFilter, TicketStatus, Visibility,
};

use super::view::{Choice, duration, policy_zone, when, when_text};
use super::{PortalError, Ui, Viewer, i18n, render};
use crate::AppState;
use crate::problem::Problem;

/// Most tickets one list page shows.
const PAGE: u32 = 200;

/// One SLA clock as a page shows it.
#[derive(Debug, Clone)]
pub struct ClockView {
    /// The metric's name.
    pub name: String,
    /// `running`, `paused`, `met`, `breached`, `not_applicable` (a CSS class too).
    pub state: String,
    /// Its state in words.
    pub state_text: String,
    /// What to know: due and time left, met at, breached at, paused by.
    pub detail: String,
    /// Its target in words (`4h`, `2 business days`).
    pub target: String,
    /// Its bar (the ticket page only).
    pub bar: Option<super::clock_bar::ClockBar>,
}

/// A ticket in a list.
#[derive(Debug, Clone)]
pub struct Row {
    /// Id (for links).
    pub id: i64,
    /// `T-12`.
    pub number: String,
    /// Title.
    pub title: String,
    /// Priority.
    pub priority: String,
    /// Status in words.
    pub status: String,
    /// The customer's name.
    pub customer: String,
    /// The clocks.
    pub clocks: Vec<ClockView>,
}

fn status_text(lang: Language, status: TicketStatus) -> String {
    i18n::tr(
        lang,
        &format!("status-{}", status.as_str().replace('_', "-")),
    )
}

fn metric_name(lang: Language, metric: &str) -> String {
    i18n::tr(lang, &format!("metric-{metric}"))
}

/// The clocks of an SLA JSON (`tenggat_sla::evaluation_json`) at `now`; with their bars when
/// `policy` is given.
pub fn clocks(
    lang: Language,
    sla: &Value,
    zone: &TimeZone,
    now: Timestamp,
    policy: Option<&tenggat_sla::Policy>,
) -> Vec<ClockView> {
    let Some(metrics) = sla.get("metrics").and_then(Value::as_array) else {
        return Vec::new();
    };
    metrics
        .iter()
        .filter_map(|m| {
            let metric = m.get("metric")?.as_str()?;
            let state = m.get("state")?.as_str()?.to_owned();
            let text = |k: &str| m.get(k).and_then(Value::as_str);
            let detail = match state.as_str() {
                "running" => text("due").map(|due| {
                    let at = when_text(due, zone);
                    let left = due.parse::<Timestamp>().ok().map(|d| d.duration_since(now));
                    let rest = match left {
                        Some(l) if l >= SignedDuration::ZERO => {
                            i18n::tr_args(lang, "clock-left", &[("left", duration(lang, l))])
                        }
                        Some(l) => {
                            i18n::tr_args(lang, "clock-overdue", &[("over", duration(lang, l))])
                        }
                        None => String::new(),
                    };
                    format!(
                        "{} · {rest}",
                        i18n::tr_args(lang, "clock-due", &[("due", at)])
                    )
                }),
                "met" => text("met_at")
                    .map(|at| i18n::tr_args(lang, "clock-met-at", &[("at", when_text(at, zone))])),
                "breached" => text("breached_at").map(|at| {
                    i18n::tr_args(lang, "clock-breached-at", &[("at", when_text(at, zone))])
                }),
                "paused" => {
                    let reasons: Vec<String> = m
                        .get("paused_by")
                        .and_then(Value::as_array)
                        .map(|r| {
                            r.iter()
                                .filter_map(Value::as_str)
                                .map(|r| i18n::tr(lang, &format!("pause-{}", r.replace('_', "-"))))
                                .collect()
                        })
                        .unwrap_or_default();
                    Some(i18n::tr_args(
                        lang,
                        "clock-paused-by",
                        &[("reasons", reasons.join(", "))],
                    ))
                }
                _ => None,
            };
            Some(ClockView {
                name: metric_name(lang, metric),
                state_text: i18n::tr(lang, &format!("clock-{}", state.replace('_', "-"))),
                state,
                detail: detail.unwrap_or_default(),
                target: text("target").unwrap_or_default().to_owned(),
                bar: policy.and_then(|p| super::clock_bar::bar(lang, p, m, zone, now)),
            })
        })
        .collect()
}

/// The time zones of the contracts' policies' main calendars, by contract. The contracts are
/// read concurrently (a page of 200 tickets can name 20 contracts: one round trip each would
/// add up on a busy database); the policies come from the cache.
async fn zones_of(state: &AppState, tickets: &[Ticket]) -> Result<HashMap<i64, TimeZone>, Problem> {
    Ok(policies_of(state, tickets)
        .await?
        .into_iter()
        .map(|(id, policy)| (id, policy_zone(&policy)))
        .collect())
}

/// The policies of the tickets' contracts, by contract id, loaded concurrently (the policy
/// cache makes a repeated contract cheap).
pub(super) async fn policies_of(
    state: &AppState,
    tickets: &[Ticket],
) -> Result<HashMap<i64, Arc<Policy>>, Problem> {
    let mut ids: Vec<i64> = tickets.iter().map(|t| t.contract_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let policies = futures_util::future::try_join_all(ids.into_iter().map(|id| async move {
        let contract = state.db.get_contract(id, None).await?;
        let policy = state.policies.for_contract(&state.db, &contract).await?;
        Ok::<_, Problem>((id, policy))
    }))
    .await?;
    Ok(policies.into_iter().collect())
}

/// The customers' names, by organisation.
pub(super) async fn customer_names(state: &AppState) -> Result<HashMap<i64, String>, Problem> {
    Ok(state
        .db
        .list_organisations(Some(OrgKind::Customer))
        .await?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect())
}

/// The rows of a ticket list; `names` are the customers' (`customer_names`).
async fn rows(
    state: &AppState,
    lang: Language,
    tickets: &[Ticket],
    names: &HashMap<i64, String>,
    now: Timestamp,
) -> Result<Vec<Row>, Problem> {
    let zones = zones_of(state, tickets).await?;
    let mut out = Vec::with_capacity(tickets.len());
    for t in tickets {
        let zone = zones.get(&t.contract_id).cloned().unwrap_or(TimeZone::UTC);
        let clocks = match &t.sla {
            Some(cache) => clocks(lang, &cache.sla, &zone, now, None),
            None => clocks(lang, &Value::Null, &zone, now, None),
        };
        out.push(Row {
            id: t.id,
            number: t.display_number(),
            title: t.title.clone(),
            priority: t.priority.clone(),
            status: status_text(lang, t.status),
            customer: names.get(&t.customer_org_id).cloned().unwrap_or_default(),
            clocks,
        });
    }
    Ok(out)
}

#[derive(Template)]
#[template(path = "portal/tickets.html")]
struct TicketsPage {
    ui: Ui,
    rows: Vec<Row>,
}

/// `GET /tickets`: the customer's tickets, open first and closest to due first (the provider's
/// team goes to the queue).
pub async fn my_tickets(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Response, PortalError> {
    if viewer.principal.is_staff() {
        return Ok(Redirect::to("/queue").into_response());
    }
    let lang = viewer.lang();
    let fail = |p: Problem| PortalError::from_problem(lang, p);
    let now = state.clock.now();
    let mut tickets = Vec::new();
    for open_only in [true, false] {
        let page = state
            .db
            .list_tickets(&TicketFilter {
                customer_org_id: viewer.principal.tenant(),
                open_only,
                limit: PAGE,
                ..TicketFilter::default()
            })
            .await
            .map_err(|e| fail(e.into()))?;
        for t in page.tickets {
            if !tickets.iter().any(|x: &Ticket| x.id == t.id) {
                tickets.push(t);
            }
        }
    }
    let names = customer_names(&state).await.map_err(fail)?;
    let rows = rows(&state, lang, &tickets, &names, now)
        .await
        .map_err(fail)?;
    Ok(render(
        lang,
        &TicketsPage {
            ui: viewer.ui("tickets"),
            rows,
        },
    ))
}

/// Filters of the queue.
#[derive(Debug, Default, Deserialize)]
pub struct QueueQuery {
    #[serde(default)]
    priority: String,
    #[serde(default)]
    customer: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    breaching: String,
}

#[derive(Template)]
#[template(path = "portal/queue.html")]
struct QueuePage {
    ui: Ui,
    rows: Vec<Row>,
    customers: Vec<Choice>,
    statuses: Vec<Choice>,
    priority: String,
    breaching: bool,
}

/// `GET /queue`: the provider's open tickets, closest to breaching first (breached ones at the
/// top), with filters.
pub async fn queue(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<QueueQuery>,
) -> Result<Response, PortalError> {
    let lang = viewer.lang();
    if !viewer.principal.is_staff() {
        return Ok(Redirect::to("/tickets").into_response());
    }
    let fail = |p: Problem| PortalError::from_problem(lang, p);
    let now = state.clock.now();
    let customer = query.customer.parse::<i64>().ok();
    let status = TicketStatus::parse(&query.status);
    let breaching = query.breaching == "1";
    let filter = TicketFilter {
        customer_org_id: customer,
        statuses: status.into_iter().collect(),
        priority: Some(query.priority.trim().to_owned()).filter(|p| !p.is_empty()),
        due_before: breaching.then(|| now + SignedDuration::from_hours(1)),
        open_only: true,
        limit: PAGE,
        ..TicketFilter::default()
    };
    // The page of tickets and the customers (the filter's choices and the rows' names) at once.
    let (page, organisations) = tokio::try_join!(
        state.db.list_tickets(&filter),
        state.db.list_organisations(Some(OrgKind::Customer)),
    )
    .map_err(|e| fail(e.into()))?;
    let names = organisations
        .iter()
        .map(|o| (o.id, o.name.clone()))
        .collect();
    let rows = rows(&state, lang, &page.tickets, &names, now)
        .await
        .map_err(fail)?;
    let customers = organisations
        .into_iter()
        .map(|o| Choice {
            selected: Some(o.id) == customer,
            value: o.id.to_string(),
            label: o.name,
            ..Choice::default()
        })
        .collect();
    let statuses = TicketStatus::ALL
        .iter()
        .filter(|s| s.is_open())
        .map(|s| Choice {
            value: s.as_str().to_owned(),
            label: status_text(lang, *s),
            selected: Some(*s) == status,
            ..Choice::default()
        })
        .collect();
    Ok(render(
        lang,
        &QueuePage {
            ui: viewer.ui("queue"),
            rows,
            customers,
            statuses,
            priority: query.priority,
            breaching,
        },
    ))
}

/// An event in a ticket's timeline.
#[derive(Debug, Clone)]
pub struct EventView {
    /// When.
    pub at: String,
    /// What, in words.
    pub what: String,
    /// Its text (a reply, a note, a comment), if any.
    pub text: String,
    /// Seen only by the provider's team.
    pub internal: bool,
}

fn event_view(lang: Language, e: &StoredEvent, zone: &TimeZone) -> EventView {
    let key = format!("event-{}", e.event_type.replace('_', "-"));
    let what = if i18n::has(lang, &key) {
        i18n::tr(lang, &key)
    } else {
        i18n::tr_args(lang, "event-other", &[("type", e.event_type.clone())])
    };
    // A request's justification before its reason (an id of the policy's list).
    let text = ["body", "justification", "comment", "summary", "reason"]
        .iter()
        .find_map(|k| e.payload.get(*k).and_then(Value::as_str))
        .unwrap_or_default()
        .to_owned();
    EventView {
        at: when(e.at, zone),
        what,
        text,
        internal: e.visibility == Visibility::Internal,
    }
}

#[derive(Template)]
#[template(path = "portal/ticket.html")]
struct TicketPage {
    ui: Ui,
    id: i64,
    number: String,
    title: String,
    priority: String,
    status: String,
    customer: String,
    reported: String,
    zone: String,
    description: String,
    clocks: Vec<ClockView>,
    events: Vec<EventView>,
    /// What the viewer may do here.
    can: Can,
    /// The policy's priorities (for a priority change).
    priorities: Vec<Choice>,
    /// The statuses an agent may set.
    statuses: Vec<Choice>,
    flash: String,
    /// Who works it, if anyone.
    assignee: String,
    /// Whom it may be assigned to (the team only).
    agents: Vec<Choice>,
    escalation: super::escalation::EscalationPanel,
    tasks: Vec<super::escalation::TaskRow>,
    /// The contract, for the link to its SLA explained.
    contract_id: i64,
    /// Today in the ticket's zone, the earliest date of an action plan step.
    today: String,
    /// The customer's answer to the latest workaround.
    workaround: WorkaroundAnswer,
    /// The satisfaction survey since the last closing.
    survey: SurveyView,
}

/// The latest workaround and the customer's answer to it.
#[derive(Debug, Clone, Default)]
pub struct WorkaroundAnswer {
    /// The ticket has a workaround.
    pub given: bool,
    /// When it was given.
    pub at: String,
    /// `confirmed`, `rejected`, or empty while unanswered (a CSS class too).
    pub state: String,
    /// The answer in words.
    pub state_text: String,
    /// The customer's comment.
    pub comment: String,
    /// Whether the viewer may answer now (the customer, not closed, unanswered).
    pub can_answer: bool,
    /// Whether the answer may be a rejection (the ticket is open; a resolved one is reopened).
    pub can_reject: bool,
}

/// The satisfaction survey of a closed ticket.
#[derive(Debug, Clone, Default)]
pub struct SurveyView {
    /// The rating given, 1 to 5 (0: none yet).
    pub rating: u8,
    /// The same, as text.
    pub rating_text: String,
    /// The comment given.
    pub comment: String,
    /// Whether the viewer may answer now (the customer, closed, unanswered).
    pub can_answer: bool,
    /// The five choices, 5 first.
    pub choices: Vec<Choice>,
}

fn workaround_answer(
    lang: Language,
    customer: bool,
    ticket: &Ticket,
    events: &[StoredEvent],
    zone: &TimeZone,
) -> WorkaroundAnswer {
    let Some((w, answer)) = crate::feedback::latest_workaround(events) else {
        return WorkaroundAnswer::default();
    };
    let state = match answer {
        Some(true) => "confirmed",
        Some(false) => "rejected",
        None => "",
    };
    let comment = events
        .iter()
        .rev()
        .find(|e| e.payload.get("workaround").and_then(Value::as_i64) == Some(w.seq))
        .and_then(|e| e.payload.get("comment").and_then(Value::as_str))
        .unwrap_or_default()
        .to_owned();
    WorkaroundAnswer {
        given: true,
        at: when(w.at, zone),
        state: state.to_owned(),
        state_text: if state.is_empty() {
            i18n::tr(lang, "workaround-unanswered")
        } else {
            i18n::tr(lang, &format!("workaround-{state}"))
        },
        comment,
        can_answer: customer && answer.is_none() && ticket.status != TicketStatus::Closed,
        can_reject: customer && answer.is_none() && ticket.is_open(),
    }
}

fn survey_view(
    lang: Language,
    customer: bool,
    ticket: &Ticket,
    events: &[StoredEvent],
) -> SurveyView {
    let answered = crate::feedback::survey_since_close(events);
    let rating = answered
        .and_then(|e| e.payload.get("rating").and_then(Value::as_u64))
        .and_then(|r| u8::try_from(r).ok())
        .unwrap_or(0);
    SurveyView {
        rating,
        rating_text: rating.to_string(),
        comment: answered
            .and_then(|e| e.payload.get("comment").and_then(Value::as_str))
            .unwrap_or_default()
            .to_owned(),
        can_answer: customer && ticket.status == TicketStatus::Closed && answered.is_none(),
        choices: (1..=5)
            .rev()
            .map(|r| Choice {
                value: r.to_string(),
                label: i18n::tr(lang, &format!("survey-rating-{r}")),
                ..Choice::default()
            })
            .collect(),
    }
}

/// The actions a ticket page offers its viewer (the API still decides).
#[derive(Debug, Clone, Copy, Default)]
pub struct Can {
    /// Acknowledge a new ticket.
    pub acknowledge: bool,
    /// Take it (assign to oneself).
    pub assign_me: bool,
    /// Change status, record a workaround, resolve, change priority, add internal notes.
    pub work: bool,
    /// Reply.
    pub reply: bool,
    /// Close a resolved ticket.
    pub close: bool,
    /// Reopen a resolved or closed ticket.
    pub reopen: bool,
    /// Ask for a root-cause analysis (before closing, once).
    pub rca: bool,
    /// Publish an action plan (the team, at escalation level 2 and up).
    pub plan: bool,
}

#[derive(Template)]
#[template(path = "portal/clocks.html")]
struct ClocksFragment {
    ui: Ui,
    id: i64,
    clocks: Vec<ClockView>,
}

/// A ticket as its viewer may see it, with its clocks and escalation level now.
struct Loaded {
    ticket: Ticket,
    /// The events the viewer may see.
    events: Vec<StoredEvent>,
    clocks: Vec<ClockView>,
    zone: TimeZone,
    policy: std::sync::Arc<tenggat_sla::Policy>,
    /// The escalation level now.
    level: u8,
    /// Contract id, for the SLA explained.
    contract_id: i64,
}

/// A ticket the viewer may see, its events and its clocks now.
async fn load(state: &AppState, viewer: &Viewer, id: i64) -> Result<Loaded, Problem> {
    let scope = viewer.principal.tenant();
    let ticket = state.db.get_ticket(id, scope).await?;
    let events = state
        .db
        .ticket_events(id, scope, viewer.principal.is_staff())
        .await?;
    let contract = state.db.get_contract(ticket.contract_id, None).await?;
    let policy = state.policies.for_contract(&state.db, &contract).await?;
    let zone = policy_zone(&policy);
    let now = state.clock.now();
    // The fold needs every event, internal ones included.
    let all = if viewer.principal.is_staff() {
        events.clone()
    } else {
        state.db.ticket_events(id, None, true).await?
    };
    let sla = crate::desk::sla_of_events(&policy, &all, now)?;
    let clocks = clocks(viewer.lang(), &sla.json, &zone, now, Some(&policy));
    let level = crate::requests::level_in_log(sla.evaluation.escalation.level, &all);
    Ok(Loaded {
        contract_id: contract.id,
        ticket,
        events,
        clocks,
        zone,
        policy,
        level,
    })
}

/// Query of the ticket page: what was just done.
#[derive(Debug, Default, Deserialize)]
pub struct TicketQuery {
    #[serde(default)]
    done: String,
}

/// `GET /tickets/{id}`: the ticket, its clocks and its timeline.
pub async fn ticket(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Query(query): Query<TicketQuery>,
) -> Result<Response, PortalError> {
    let lang = viewer.lang();
    let Loaded {
        ticket,
        events,
        clocks,
        zone,
        policy,
        level,
        contract_id,
    } = load(&state, &viewer, id)
        .await
        .map_err(|p| PortalError::from_problem(lang, p))?;
    let now = state.clock.now();
    let escalation = super::escalation::panel(&viewer, &ticket, &policy, &events, level, &zone);
    let tasks = super::escalation::task_rows(lang, &ticket, &policy, &events, now, &zone);
    let agents = if viewer.principal.is_staff() {
        super::escalation::agents(&state, &viewer, ticket.assignee_id)
            .await
            .map_err(|p| PortalError::from_problem(lang, p))?
    } else {
        Vec::new()
    };
    let assignee = match ticket.assignee_id {
        Some(a) => state
            .db
            .get_user(a)
            .await
            .map(|u| u.name)
            .unwrap_or_default(),
        None => String::new(),
    };
    let customer = state
        .db
        .get_organisation(ticket.customer_org_id)
        .await
        .map(|o| o.name)
        .unwrap_or_default();
    let flash = if query.done == "reported" {
        i18n::tr(lang, "ticket-reported-ok")
    } else if super::actions::ACTIONS.contains(&query.done.as_str()) {
        i18n::tr(lang, &format!("done-{}", query.done))
    } else {
        String::new()
    };
    let staff = viewer.principal.is_staff();
    let open = ticket.status.is_open();
    let can = Can {
        acknowledge: staff && ticket.status == TicketStatus::New,
        assign_me: staff && open && ticket.assignee_id != Some(viewer.principal.user.id),
        work: staff && open,
        reply: ticket.status != TicketStatus::Closed,
        close: ticket.status == TicketStatus::Resolved,
        reopen: !open,
        rca: ticket.status != TicketStatus::Closed
            && !events
                .iter()
                .any(|e| e.event_type == crate::tasks::RCA_REQUESTED),
        plan: staff && open && level >= 2,
    };
    let priorities = policy
        .priorities
        .iter()
        .map(|p| Choice {
            value: p.id.clone(),
            label: match lang {
                Language::Id => format!("{} — {}", p.id, p.name.id),
                Language::En => format!("{} — {}", p.id, p.name.en),
            },
            selected: p.id == ticket.priority,
            ..Choice::default()
        })
        .collect();
    let statuses = [
        TicketStatus::InProgress,
        TicketStatus::WaitingOnCustomer,
        TicketStatus::AwaitingPermit,
        TicketStatus::Maintenance,
    ]
    .iter()
    .map(|s| Choice {
        value: s.as_str().to_owned(),
        label: status_text(lang, *s),
        selected: *s == ticket.status,
        ..Choice::default()
    })
    .collect();
    let page = TicketPage {
        ui: viewer.ui(if viewer.principal.is_staff() {
            "queue"
        } else {
            "tickets"
        }),
        id: ticket.id,
        number: ticket.display_number(),
        title: ticket.title.clone(),
        priority: ticket.priority.clone(),
        status: status_text(lang, ticket.status),
        customer,
        reported: when(ticket.created_at, &zone),
        zone: zone.iana_name().unwrap_or("UTC").to_owned(),
        description: ticket.description.clone(),
        clocks,
        events: events.iter().map(|e| event_view(lang, e, &zone)).collect(),
        can,
        priorities,
        statuses,
        flash,
        assignee,
        agents,
        escalation,
        tasks,
        contract_id,
        today: now
            .to_zoned(zone.clone())
            .strftime("%Y-%m-%dT%H:%M")
            .to_string(),
        workaround: workaround_answer(lang, !staff, &ticket, &events, &zone),
        survey: survey_view(lang, !staff, &ticket, &events),
    };
    Ok(render(lang, &page))
}

/// `GET /tickets/{id}/clocks`: the clocks alone (htmx refreshes them every 30 s).
pub async fn ticket_clocks(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, PortalError> {
    let lang = viewer.lang();
    let loaded = load(&state, &viewer, id)
        .await
        .map_err(|p| PortalError::from_problem(lang, p))?;
    Ok(render(
        lang,
        &ClocksFragment {
            ui: viewer.ui(""),
            id: loaded.ticket.id,
            clocks: loaded.clocks,
        },
    ))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn clocks_in_words() {
        let tz = TimeZone::get("Asia/Jakarta").expect("zone");
        let now: Timestamp = "2026-03-14T02:00:00Z".parse().expect("now");
        let sla = json!({"metrics": [
            {"metric": "response", "state": "met", "target": "1h", "met_at": "2026-03-14T01:30:00Z"},
            {"metric": "resolution", "state": "running", "target": "2 business days",
             "due": "2026-03-14T04:30:00Z"},
            {"metric": "workaround", "state": "paused", "target": "4h",
             "paused_by": ["waiting_on_customer"]},
            {"metric": "onsite", "state": "breached", "target": "8h",
             "breached_at": "2026-03-14T01:00:00Z"}
        ]});
        let en = clocks(Language::En, &sla, &tz, now, None);
        assert_eq!(en[0].detail, "met at 2026-03-14 08:30 WIB");
        assert_eq!(en[1].detail, "due 2026-03-14 11:30 WIB · 2 h 30 min left");
        assert_eq!(en[1].name, "Resolution");
        assert_eq!(en[2].detail, "paused: waiting on the customer");
        assert_eq!(en[3].state_text, "breached");
        let id = clocks(Language::Id, &sla, &tz, now, None);
        assert_eq!(
            id[1].detail,
            "batas 2026-03-14 11:30 WIB · sisa 2 jam 30 menit"
        );
        assert_eq!(id[2].state_text, "dijeda");
        let late: Timestamp = "2026-03-14T05:00:00Z".parse().expect("late");
        assert!(
            clocks(Language::En, &sla, &tz, late, None)[1]
                .detail
                .ends_with("30 min overdue")
        );
    }
}
