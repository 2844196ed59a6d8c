//! Maintenance windows, exclusions, the monthly availability report and service-credit claims
//! over HTTP (issue 6).
//!
//! - **Maintenance**: the provider's administrators and agents announce a window for a
//!   contract (one service or all); the notice is measured from the server's clock when the
//!   window is recorded, and every answer says whether the window is excluded under the
//!   policy's notice and, if not, why. A window can be cancelled before it starts.
//! - **Exclusions** (force majeure, partner side, third party, attacks): recorded by the
//!   provider's administrators with one of the policy's exclusion ids and the evidence; the
//!   customer disputes, the provider upholds or withdraws.
//! - **Report**: the contract's monthly figures per service
//!   ([`report::monthly_for_contract`]).
//! - **Claims**: the customer claims a month's service credit within the policy's window; the
//!   figures are computed at the claim and stored with it; the provider's administrators
//!   approve (the credit note applies to the invoice period after the decision's month) or
//!   reject with a reason.
//!
//! Everybody reaches only the contracts they may see: a customer its own organisation's, the
//! provider's staff their provider's; anything else is 404.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tenggat_availability::claim::{self, ClaimDecision, ClaimRefusal};
use tenggat_availability::{
    AvailabilityError, Interval, MaintenanceDecision, MaintenanceWindow, Month, NotExcluded,
    SCHEDULED_MAINTENANCE, decide_maintenance,
};
use tenggat_sla::{Availability, Policy};
use tenggat_store::{
    ClaimState, Contract, CreditClaim, ExclusionRecord, ExclusionState, Maintenance, Monitoring,
    NewCreditClaim, NewExclusion, NewMaintenance, Role, Store, StoreError,
};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::auth::{Principal, Scope, roles};
use crate::extract::{ApiJson, ApiQuery};
use crate::monitoring::report::{self, ReportError, ServiceMonth};
use crate::notify::notices::{MAINTENANCE_ANNOUNCED, MAINTENANCE_CANCELLED, Notice};
use crate::problem::Problem;
use crate::tickets::check_text;
use crate::views::{ProblemBody, ts};

/// Who announces and cancels maintenance: the provider's administrators and agents.
const MAINTAINERS: &[Role] = &[Role::Admin, Role::Agent];
/// Who disputes exclusions and claims credits: the customer's people.
const CUSTOMERS: &[Role] = &[Role::CustomerAdmin, Role::CustomerUser];
/// Longest note (announcement, evidence, dispute, decision).
const MAX_NOTE: usize = 10_000;
/// Default listing range: from 30 days before now …
const DEFAULT_BACK: SignedDuration = SignedDuration::from_hours(30 * 24);
/// … to 90 days after now.
const DEFAULT_AHEAD: SignedDuration = SignedDuration::from_hours(90 * 24);
/// Longest listing range.
const MAX_RANGE: SignedDuration = SignedDuration::from_hours(2 * 366 * 24);

// ------------------------------------------------------------------------ common

fn invalid(code: &'static str, detail: impl Into<String>) -> Problem {
    Problem::new(StatusCode::UNPROCESSABLE_ENTITY, code, detail)
}

fn conflict(code: &'static str, detail: impl Into<String>) -> Problem {
    Problem::new(StatusCode::CONFLICT, code, detail)
}

/// A contract the caller may reach: a customer only its own organisation's (the store's
/// tenant scope), staff only their provider's. Anything else is 404 naming `what` (the
/// contract, or the window, exclusion or claim asked for through it).
pub(crate) async fn reachable(
    state: &AppState,
    principal: &Principal,
    contract_id: i64,
    what: &'static str,
) -> Result<Contract, Problem> {
    let contract = match state.db.get_contract(contract_id, principal.tenant()).await {
        Ok(c) => c,
        Err(StoreError::NotFound(_)) => return Err(StoreError::NotFound(what).into()),
        Err(e) => return Err(e.into()),
    };
    if principal.is_staff() && contract.provider_id != principal.user.organisation_id {
        return Err(StoreError::NotFound(what).into());
    }
    Ok(contract)
}

/// The contract's policy.
async fn policy_of(state: &AppState, contract: &Contract) -> Result<Arc<Policy>, Problem> {
    Ok(state.policies.for_contract(&state.db, contract).await?)
}

/// The policy's availability section; 422 `availability.not_promised` without one.
fn promised<'a>(policy: &'a Policy, contract: &Contract) -> Result<&'a Availability, Problem> {
    policy.availability.as_ref().ok_or_else(|| {
        invalid(
            "availability.not_promised",
            format!(
                "contract {}: policy {} promises no availability (it has no availability \
                 section)",
                contract.id, policy.id
            ),
        )
    })
}

/// 422 `availability.unknown_service` (with `allowed`) unless the policy names `service`.
fn check_service(policy: &Policy, avail: &Availability, service: &str) -> Result<(), Problem> {
    if avail.services.iter().any(|s| s.id == service) {
        return Ok(());
    }
    let allowed: Vec<&str> = avail.services.iter().map(|s| s.id.as_str()).collect();
    Err(invalid(
        "availability.unknown_service",
        format!(
            "policy {} names no service {service:?} (its services: {})",
            policy.id,
            allowed.join(", ")
        ),
    )
    .with("field", "service_id")
    .with("allowed", allowed))
}

/// The zone of the policy's default calendar: months and claim windows are counted in it.
fn zone_of(policy: &Policy) -> Result<TimeZone, Problem> {
    policy
        .calendars
        .get(&policy.default_calendar)
        .map(|c| c.timezone().clone())
        .ok_or_else(|| {
            invalid(
                "availability.no_zone",
                format!(
                    "policy {}: no default calendar {:?} to take the contract's zone from",
                    policy.id, policy.default_calendar
                ),
            )
        })
}

/// An RFC 3339 instant of the body or query; 422 `availability.bad_instant` naming `field`.
fn instant(field: &str, text: &str) -> Result<Timestamp, Problem> {
    text.trim().parse::<Timestamp>().map_err(|e| {
        invalid(
            "availability.bad_instant",
            format!(
                "{field} must be an RFC 3339 instant with an offset, like \
                 2026-03-18T22:00:00+07:00 ({e})"
            ),
        )
        .with("field", field)
    })
}

/// A `YYYY-MM` month; 422 `availability.bad_month`.
fn month(field: &str, text: Option<&str>) -> Result<Month, Problem> {
    let bad = |why: String| {
        invalid(
            "availability.bad_month",
            format!("{field} must be a month written YYYY-MM, like 2026-03: {why}"),
        )
        .with("field", field)
    };
    let text = text.ok_or_else(|| bad("it is missing".to_owned()))?;
    text.trim().parse::<Month>().map_err(|e| bad(e.to_string()))
}

/// `[start, end)` of a body: both instants, end after start (422 `availability.bad_interval`).
fn interval(start: &str, end: &str) -> Result<(Timestamp, Timestamp), Problem> {
    let (start, end) = (instant("start", start)?, instant("end", end)?);
    if end <= start {
        return Err(invalid(
            "availability.bad_interval",
            format!("end ({end}) must be after start ({start})"),
        )
        .with("field", "end"));
    }
    Ok((start, end))
}

/// A listing range `?from=&to=` (RFC 3339).
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct RangeQuery {
    /// From this instant (default: 30 days ago).
    pub from: Option<String>,
    /// To this instant (default: 90 days ahead); at most two years after `from`.
    pub to: Option<String>,
}

impl RangeQuery {
    fn bounds(&self, now: Timestamp) -> Result<(Timestamp, Timestamp), Problem> {
        let from = match &self.from {
            Some(f) => instant("from", f)?,
            None => now.checked_sub(DEFAULT_BACK).unwrap_or(now),
        };
        let to = match &self.to {
            Some(t) => instant("to", t)?,
            None => now.checked_add(DEFAULT_AHEAD).unwrap_or(now),
        };
        if to <= from || to.duration_since(from) > MAX_RANGE {
            return Err(invalid(
                "availability.bad_range",
                format!("to ({to}) must be after from ({from}) and at most two years later"),
            )
            .with("field", "to"));
        }
        Ok((from, to))
    }
}

/// A sentence in both languages.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Sentence {
    /// Bahasa Indonesia.
    pub id: String,
    /// English.
    pub en: String,
}

/// `47h`, `47h59m59s`, `0s`, as the availability arithmetic writes durations.
fn hours_en(d: SignedDuration) -> String {
    let s = d.as_secs().unsigned_abs();
    let (h, m, sec) = (s / 3600, s / 60 % 60, s % 60);
    let mut out = String::new();
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if m > 0 {
        out.push_str(&format!("{m}m"));
    }
    if sec > 0 || out.is_empty() {
        out.push_str(&format!("{sec}s"));
    }
    out
}

/// `47 jam`, `47 jam 59 menit 59 detik`, `0 detik`.
fn hours_id(d: SignedDuration) -> String {
    let s = d.as_secs().unsigned_abs();
    let (h, m, sec) = (s / 3600, s / 60 % 60, s % 60);
    let mut parts = Vec::new();
    if h > 0 {
        parts.push(format!("{h} jam"));
    }
    if m > 0 {
        parts.push(format!("{m} menit"));
    }
    if sec > 0 || parts.is_empty() {
        parts.push(format!("{sec} detik"));
    }
    parts.join(" ")
}

// ------------------------------------------------------------------------ maintenance

/// Whether a maintenance window is taken out of downtime, and why.
#[derive(Serialize, ToSchema)]
pub struct MaintenanceDecisionView {
    /// Whether downtime inside the window is excluded.
    pub excluded: bool,
    /// Stable code: `maintenance.excluded`, `maintenance.short_notice` (announced with less
    /// notice than the policy needs, or after the window started),
    /// `maintenance.not_an_exclusion` (the policy does not exclude maintenance) or
    /// `maintenance.cancelled`.
    pub code: String,
    /// The notice given, seconds from the announcement to the start (negative: announced
    /// after the window started).
    pub notice_seconds: i64,
    /// The notice the policy needs, seconds (`null`: the policy does not exclude maintenance).
    pub required_seconds: Option<i64>,
    /// The decision as a sentence: "announced 47h before, the policy needs 48h".
    pub reason: Sentence,
}

/// The decision on a window under the policy's notice.
fn maintenance_decision(
    avail: &Availability,
    m: &Maintenance,
) -> Result<MaintenanceDecisionView, Problem> {
    let window = MaintenanceWindow {
        interval: Interval::new(m.start, m.end).map_err(|e| Problem::internal(&e))?,
        announced_at: m.announced_at,
        note: m.note.clone(),
    };
    let given = window.notice();
    let required = tenggat_availability::excludes_maintenance(avail)
        .then(|| avail.maintenance_notice.unwrap_or(SignedDuration::ZERO));
    let (excluded, code, reason) = match (m.cancelled_at, decide_maintenance(avail, &window)) {
        (Some(at), _) => (
            false,
            "maintenance.cancelled",
            Sentence {
                id: format!("dibatalkan pada {}: tidak mengecualikan apa pun", ts(at)),
                en: format!("cancelled at {}: excludes nothing", ts(at)),
            },
        ),
        (None, MaintenanceDecision::Excluded { notice }) => {
            let needed = required.unwrap_or(SignedDuration::ZERO);
            (
                true,
                "maintenance.excluded",
                Sentence {
                    id: format!(
                        "diumumkan {} sebelumnya, kebijakan mensyaratkan {}: dikecualikan",
                        hours_id(notice),
                        hours_id(needed)
                    ),
                    en: format!(
                        "announced {} before, the policy needs {}: excluded",
                        hours_en(notice),
                        hours_en(needed)
                    ),
                },
            )
        }
        (None, MaintenanceDecision::NotExcluded(why)) => {
            let id = match why {
                NotExcluded::ShortNotice { given, required } if given.is_negative() => format!(
                    "diumumkan {} setelah dimulai, kebijakan mensyaratkan {}",
                    hours_id(given.abs()),
                    hours_id(required)
                ),
                NotExcluded::ShortNotice { given, required } => format!(
                    "diumumkan {} sebelumnya, kebijakan mensyaratkan {}",
                    hours_id(given),
                    hours_id(required)
                ),
                NotExcluded::NotAnExclusion => {
                    "kebijakan tidak mengecualikan pemeliharaan terjadwal".to_owned()
                }
            };
            let code = match why {
                NotExcluded::ShortNotice { .. } => "maintenance.short_notice",
                NotExcluded::NotAnExclusion => "maintenance.not_an_exclusion",
            };
            (
                false,
                code,
                Sentence {
                    id,
                    en: why.to_string(),
                },
            )
        }
    };
    Ok(MaintenanceDecisionView {
        excluded,
        code: code.to_owned(),
        notice_seconds: given.as_secs(),
        required_seconds: required.map(|r| r.as_secs()),
        reason,
    })
}

/// A maintenance window with its exclusion decision.
#[derive(Serialize, ToSchema)]
pub struct MaintenanceView {
    /// Id.
    pub id: i64,
    /// The contract.
    pub contract_id: i64,
    /// The service, or `null` for every service of the contract.
    pub service_id: Option<String>,
    /// Start (inclusive).
    pub start: String,
    /// End (exclusive).
    pub end: String,
    /// When it was announced (the server's clock when it was recorded).
    pub announced_at: String,
    /// What is done and why.
    pub note: String,
    /// Who announced it.
    pub created_by: Option<i64>,
    /// When it was cancelled, if it was.
    pub cancelled_at: Option<String>,
    /// Whether it is excluded under the policy's notice, and why.
    pub decision: MaintenanceDecisionView,
}

impl MaintenanceView {
    fn new(avail: &Availability, m: &Maintenance) -> Result<MaintenanceView, Problem> {
        Ok(MaintenanceView {
            id: m.id,
            contract_id: m.contract_id,
            service_id: m.service_id.clone(),
            start: ts(m.start),
            end: ts(m.end),
            announced_at: ts(m.announced_at),
            note: m.note.clone(),
            created_by: m.created_by,
            cancelled_at: m.cancelled_at.map(ts),
            decision: maintenance_decision(avail, m)?,
        })
    }
}

/// A maintenance window to announce.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMaintenanceBody {
    /// A service of the contract's policy; leave out for every service.
    pub service_id: Option<String>,
    /// Start, RFC 3339 with an offset. A start in the past is accepted (a window recorded
    /// afterwards) but is never excluded: no notice was given.
    pub start: String,
    /// End, after the start.
    pub end: String,
    /// What is done and why (1–10,000 characters), shown to the customer.
    pub note: String,
}

/// Announce a maintenance window (the provider's administrators and agents). The notice runs
/// from now; the answer says whether the window is excluded under the policy's notice.
#[utoipa::path(
    post, path = "/api/v1/contracts/{id}/maintenance", tag = "availability",
    params(("id" = i64, Path, description = "Contract id")),
    request_body = NewMaintenanceBody,
    responses(
        (status = 201, description = "Announced, with its exclusion decision", body = MaintenanceView),
        (status = 403, description = "Not the provider's administrator or agent", body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "No such contract of this provider", body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "Bad window, unknown service, or no availability promised", body = ProblemBody, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn create_maintenance(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<NewMaintenanceBody>,
) -> Result<Response, Problem> {
    principal.require(MAINTAINERS, Scope::TicketsWrite)?;
    let contract = reachable(&state, &principal, id, "contract").await?;
    let policy = policy_of(&state, &contract).await?;
    let avail = promised(&policy, &contract)?;
    if let Some(service) = &body.service_id {
        check_service(&policy, avail, service)?;
    }
    let (start, end) = interval(&body.start, &body.end)?;
    check_text("note", &body.note, 1, MAX_NOTE)?;
    let new = NewMaintenance {
        contract_id: contract.id,
        service_id: body.service_id.clone(),
        start,
        end,
        announced_at: state.clock.now(),
        note: body.note.trim().to_owned(),
        created_by: Some(principal.user.id),
    };
    // The announcement is written with the window, or not at all.
    let provisional = Maintenance {
        id: 0,
        contract_id: new.contract_id,
        service_id: new.service_id.clone(),
        start: new.start,
        end: new.end,
        announced_at: new.announced_at,
        note: new.note.clone(),
        created_by: new.created_by,
        cancelled_at: None,
    };
    let decision = maintenance_decision(avail, &provisional)?;
    let notices = maintenance_notices(
        &state,
        &contract,
        &policy,
        MAINTENANCE_ANNOUNCED,
        &new,
        &decision.code,
        new.announced_at,
    )
    .await?;
    let window = state.db.create_maintenance(&new, &notices).await?;
    if !notices.is_empty() {
        state.wake_dispatcher();
    }
    let view = MaintenanceView::new(avail, &window)?;
    Ok((StatusCode::CREATED, axum::Json(view)).into_response())
}

/// A contract's maintenance windows overlapping the range (cancelled ones included), each
/// with its exclusion decision.
#[utoipa::path(
    get, path = "/api/v1/contracts/{id}/maintenance", tag = "availability",
    params(("id" = i64, Path, description = "Contract id"), RangeQuery),
    responses(
        (status = 200, description = "The windows, by start", body = Vec<MaintenanceView>),
        (status = 404, description = "No such contract for this user", body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "Bad range, or no availability promised", body = ProblemBody, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn list_maintenance(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
    ApiQuery(query): ApiQuery<RangeQuery>,
) -> Result<axum::Json<Vec<MaintenanceView>>, Problem> {
    principal.require(roles::ANY, Scope::TicketsRead)?;
    let contract = reachable(&state, &principal, id, "contract").await?;
    let (from, to) = query.bounds(state.clock.now())?;
    let policy = policy_of(&state, &contract).await?;
    let avail = promised(&policy, &contract)?;
    let windows = state.db.maintenance_between(contract.id, from, to).await?;
    let views = windows
        .iter()
        .map(|m| MaintenanceView::new(avail, m))
        .collect::<Result<_, _>>()?;
    Ok(axum::Json(views))
}

/// Cancel a maintenance window before it starts (the provider's administrators and agents).
/// A cancelled window excludes nothing.
#[utoipa::path(
    post, path = "/api/v1/maintenance/{id}/cancel", tag = "availability",
    params(("id" = i64, Path, description = "Maintenance window id")),
    responses(
        (status = 200, description = "Cancelled", body = MaintenanceView),
        (status = 403, description = "Not the provider's administrator or agent", body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "No such window of this provider", body = ProblemBody, content_type = "application/problem+json"),
        (status = 409, description = "Cancelled already, or already started", body = ProblemBody, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn cancel_maintenance(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
) -> Result<axum::Json<MaintenanceView>, Problem> {
    principal.require(MAINTAINERS, Scope::TicketsWrite)?;
    let window = state.db.get_maintenance(id).await?;
    let contract = reachable(&state, &principal, window.contract_id, "maintenance window").await?;
    if let Some(at) = window.cancelled_at {
        return Err(conflict(
            "maintenance.already_cancelled",
            format!("maintenance window {id} was cancelled at {}", ts(at)),
        ));
    }
    let now = state.clock.now();
    if now >= window.start {
        return Err(conflict(
            "maintenance.started",
            format!(
                "maintenance window {id} started at {}; a window that has started is part of \
                 the record and cannot be cancelled",
                ts(window.start)
            ),
        ));
    }
    let policy = policy_of(&state, &contract).await?;
    let avail = promised(&policy, &contract)?;
    let announced = NewMaintenance {
        contract_id: window.contract_id,
        service_id: window.service_id.clone(),
        start: window.start,
        end: window.end,
        announced_at: window.announced_at,
        note: window.note.clone(),
        created_by: window.created_by,
    };
    let notices = maintenance_notices(
        &state,
        &contract,
        &policy,
        MAINTENANCE_CANCELLED,
        &announced,
        "maintenance.cancelled",
        now,
    )
    .await?;
    let cancelled = state.db.cancel_maintenance(id, now, &notices).await?;
    if !notices.is_empty() {
        state.wake_dispatcher();
    }
    Ok(axum::Json(MaintenanceView::new(avail, &cancelled)?))
}

/// The customer's notices of a window announced or cancelled (`kind`); `decision` is the
/// decision's code (`maintenance.excluded`, …). Their keys are the kind, prefixed by the store
/// with the window's id.
async fn maintenance_notices(
    state: &AppState,
    contract: &Contract,
    policy: &Policy,
    kind: &str,
    window: &NewMaintenance,
    decision: &str,
    at: Timestamp,
) -> Result<Vec<tenggat_store::NewNotice>, Problem> {
    let notice = Notice {
        kind,
        provider_id: contract.provider_id,
        customer_org_id: contract.customer_org_id,
        policy,
        contract_id: contract.id,
        service_id: window.service_id.as_deref(),
        key: kind.trim_start_matches("maintenance_").to_owned(),
        at,
        event: serde_json::json!({
            "start": window.start.to_string(),
            "end": window.end.to_string(),
            "note": window.note,
            "decision": decision.trim_start_matches("maintenance."),
        }),
        url: format!(
            "{}/api/v1/contracts/{}/maintenance",
            state.planner.public_url(),
            contract.id
        ),
    };
    Ok(state.planner.notices(&state.db, &notice).await?)
}

// ------------------------------------------------------------------------ exclusions

/// An exclusion recorded by the provider, with its dispute.
#[derive(Serialize, ToSchema)]
pub struct ExclusionView {
    /// Id.
    pub id: i64,
    /// The contract.
    pub contract_id: i64,
    /// The service, or `null` for every service.
    pub service_id: Option<String>,
    /// Start (inclusive).
    pub start: String,
    /// End (exclusive).
    pub end: String,
    /// The policy's exclusion id (`force_majeure`, `third_party`, …).
    pub reason: String,
    /// The policy's name of the reason.
    pub reason_name: Option<Sentence>,
    /// The evidence.
    pub note: String,
    /// Who recorded it.
    pub created_by: Option<i64>,
    /// When.
    pub created_at: String,
    /// `recorded`, `disputed`, `upheld` or `withdrawn`.
    pub state: String,
    /// Whether the span is excluded (every state but `withdrawn`).
    pub excludes: bool,
    /// The customer's dispute.
    pub dispute_note: Option<String>,
    /// Who disputed.
    pub disputed_by: Option<i64>,
    /// When.
    pub disputed_at: Option<String>,
    /// The provider's answer to the dispute.
    pub resolution_note: Option<String>,
    /// When it was upheld or withdrawn.
    pub resolved_at: Option<String>,
}

impl ExclusionView {
    fn new(avail: Option<&Availability>, e: &ExclusionRecord) -> ExclusionView {
        ExclusionView {
            id: e.id,
            contract_id: e.contract_id,
            service_id: e.service_id.clone(),
            start: ts(e.start),
            end: ts(e.end),
            reason: e.reason.clone(),
            reason_name: avail
                .and_then(|a| a.exclusions.iter().find(|x| x.id == e.reason))
                .map(|x| Sentence {
                    id: x.name.id.clone(),
                    en: x.name.en.clone(),
                }),
            note: e.note.clone(),
            created_by: e.created_by,
            created_at: ts(e.created_at),
            state: e.state.as_str().to_owned(),
            excludes: e.excludes(),
            dispute_note: e.dispute_note.clone(),
            disputed_by: e.disputed_by,
            disputed_at: e.disputed_at.map(ts),
            resolution_note: e.resolution_note.clone(),
            resolved_at: e.resolved_at.map(ts),
        }
    }
}

/// An exclusion to record.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewExclusionBody {
    /// A service of the contract's policy; leave out for every service.
    pub service_id: Option<String>,
    /// Start, RFC 3339 with an offset.
    pub start: String,
    /// End, after the start.
    pub end: String,
    /// One of the policy's exclusion ids other than `scheduled_maintenance` (announce
    /// maintenance as a window: its notice is checked).
    pub reason: String,
    /// The evidence (1–10,000 characters), shown to the customer.
    pub note: String,
}

/// Record an exclusion (the provider's administrators).
#[utoipa::path(
    post, path = "/api/v1/contracts/{id}/exclusions", tag = "availability",
    params(("id" = i64, Path, description = "Contract id")),
    request_body = NewExclusionBody,
    responses(
        (status = 201, description = "Recorded", body = ExclusionView),
        (status = 403, description = "Not the provider's administrator", body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "No such contract of this provider", body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "A reason the policy does not list (`allowed` lists those it does), a bad interval or service", body = ProblemBody, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn create_exclusion(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<NewExclusionBody>,
) -> Result<Response, Problem> {
    principal.require(roles::ADMINS, Scope::Admin)?;
    let contract = reachable(&state, &principal, id, "contract").await?;
    let policy = policy_of(&state, &contract).await?;
    let avail = promised(&policy, &contract)?;
    if let Some(service) = &body.service_id {
        check_service(&policy, avail, service)?;
    }
    let allowed: Vec<&str> = avail
        .exclusions
        .iter()
        .map(|x| x.id.as_str())
        .filter(|x| *x != SCHEDULED_MAINTENANCE)
        .collect();
    let reason = body.reason.trim();
    if !allowed.contains(&reason) {
        let listed = if allowed.is_empty() {
            "it lists none".to_owned()
        } else {
            format!("record one of: {}", allowed.join(", "))
        };
        let detail = if reason == SCHEDULED_MAINTENANCE {
            format!(
                "scheduled maintenance is announced as a maintenance window \
                 (POST /api/v1/contracts/{}/maintenance) so that its notice is checked; {listed}",
                contract.id
            )
        } else {
            format!("policy {} does not exclude {reason:?}; {listed}", policy.id)
        };
        return Err(invalid("availability.unknown_exclusion", detail)
            .with("field", "reason")
            .with("allowed", allowed));
    }
    let (start, end) = interval(&body.start, &body.end)?;
    check_text("note", &body.note, 1, MAX_NOTE)?;
    let record = state
        .db
        .create_exclusion(&NewExclusion {
            contract_id: contract.id,
            service_id: body.service_id.clone(),
            start,
            end,
            reason: reason.to_owned(),
            note: body.note.trim().to_owned(),
            created_by: Some(principal.user.id),
            created_at: state.clock.now(),
        })
        .await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(ExclusionView::new(Some(avail), &record)),
    )
        .into_response())
}

/// A contract's exclusions overlapping the range, withdrawn ones included.
#[utoipa::path(
    get, path = "/api/v1/contracts/{id}/exclusions", tag = "availability",
    params(("id" = i64, Path, description = "Contract id"), RangeQuery),
    responses(
        (status = 200, description = "The exclusions, by start", body = Vec<ExclusionView>),
        (status = 404, description = "No such contract for this user", body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "Bad range", body = ProblemBody, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn list_exclusions(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
    ApiQuery(query): ApiQuery<RangeQuery>,
) -> Result<axum::Json<Vec<ExclusionView>>, Problem> {
    principal.require(roles::ANY, Scope::TicketsRead)?;
    let contract = reachable(&state, &principal, id, "contract").await?;
    let (from, to) = query.bounds(state.clock.now())?;
    let policy = policy_of(&state, &contract).await?;
    let records = state.db.exclusions_between(contract.id, from, to).await?;
    Ok(axum::Json(
        records
            .iter()
            .map(|e| ExclusionView::new(policy.availability.as_ref(), e))
            .collect(),
    ))
}

/// A note: a dispute, or the provider's resolution.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DisputeBody {
    /// Why the customer disputes the exclusion (1–10,000 characters).
    pub note: String,
}

/// An exclusion the caller may reach, with its contract.
async fn reachable_exclusion(
    state: &AppState,
    principal: &Principal,
    id: i64,
) -> Result<(ExclusionRecord, Contract), Problem> {
    let record = state.db.get_exclusion(id).await?;
    let contract = reachable(state, principal, record.contract_id, "exclusion").await?;
    Ok((record, contract))
}

/// Dispute an exclusion (the contract's customer). It keeps excluding until the provider
/// resolves the dispute.
#[utoipa::path(
    post, path = "/api/v1/exclusions/{id}/dispute", tag = "availability",
    params(("id" = i64, Path, description = "Exclusion id")),
    request_body = DisputeBody,
    responses(
        (status = 200, description = "Disputed", body = ExclusionView),
        (status = 403, description = "Not the customer", body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "No such exclusion for this user", body = ProblemBody, content_type = "application/problem+json"),
        (status = 409, description = "Not in the `recorded` state", body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "No note", body = ProblemBody, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn dispute_exclusion(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<DisputeBody>,
) -> Result<axum::Json<ExclusionView>, Problem> {
    principal.require(CUSTOMERS, Scope::TicketsWrite)?;
    let (record, contract) = reachable_exclusion(&state, &principal, id).await?;
    if record.state != ExclusionState::Recorded {
        return Err(conflict(
            "exclusion.invalid_state",
            format!(
                "exclusion {id} is {}; only a recorded exclusion can be disputed",
                record.state.as_str()
            ),
        )
        .with("state", record.state.as_str()));
    }
    check_text("note", &body.note, 1, MAX_NOTE)?;
    let disputed = state
        .db
        .dispute_exclusion(id, principal.user.id, body.note.trim(), state.clock.now())
        .await?;
    let policy = policy_of(&state, &contract).await?;
    Ok(axum::Json(ExclusionView::new(
        policy.availability.as_ref(),
        &disputed,
    )))
}

/// How the provider resolves a dispute.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExclusionOutcome {
    /// The exclusion stands.
    Upheld,
    /// The exclusion is withdrawn: its span counts as it was measured.
    Withdrawn,
}

/// The provider's resolution of a dispute.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolveBody {
    /// `upheld` or `withdrawn`.
    pub outcome: ExclusionOutcome,
    /// The answer to the customer (1–10,000 characters).
    pub note: String,
}

/// Resolve a disputed exclusion (the provider's administrators): upheld, or withdrawn.
#[utoipa::path(
    post, path = "/api/v1/exclusions/{id}/resolve", tag = "availability",
    params(("id" = i64, Path, description = "Exclusion id")),
    request_body = ResolveBody,
    responses(
        (status = 200, description = "Resolved", body = ExclusionView),
        (status = 403, description = "Not the provider's administrator", body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "No such exclusion of this provider", body = ProblemBody, content_type = "application/problem+json"),
        (status = 409, description = "Not disputed", body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "Bad outcome, or no note", body = ProblemBody, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn resolve_exclusion(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<ResolveBody>,
) -> Result<axum::Json<ExclusionView>, Problem> {
    principal.require(roles::ADMINS, Scope::Admin)?;
    let (record, contract) = reachable_exclusion(&state, &principal, id).await?;
    if record.state != ExclusionState::Disputed {
        return Err(conflict(
            "exclusion.invalid_state",
            format!(
                "exclusion {id} is {}; only a disputed exclusion can be upheld or withdrawn",
                record.state.as_str()
            ),
        )
        .with("state", record.state.as_str()));
    }
    check_text("note", &body.note, 1, MAX_NOTE)?;
    let outcome = match body.outcome {
        ExclusionOutcome::Upheld => ExclusionState::Upheld,
        ExclusionOutcome::Withdrawn => ExclusionState::Withdrawn,
    };
    let resolved = state
        .db
        .resolve_exclusion(id, outcome, body.note.trim(), state.clock.now())
        .await?;
    let policy = policy_of(&state, &contract).await?;
    Ok(axum::Json(ExclusionView::new(
        policy.availability.as_ref(),
        &resolved,
    )))
}

// ------------------------------------------------------------------------ the report

/// One service's month: the fields of `docs/availability.md`, "Monthly report".
#[derive(Serialize, ToSchema)]
#[serde(transparent)]
#[schema(value_type = Object)]
pub struct ServiceMonthView(pub(crate) ServiceMonth);

/// Query of the monthly report.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    /// The month, `YYYY-MM`, counted in the contract's zone.
    pub month: Option<String>,
    /// One service of the policy (default: every service, in the policy's order).
    pub service: Option<String>,
}

/// The report's errors at the edge: 404 for a contract that is gone, 422 with the report's
/// code for what the contract's policy does not allow, 500 for what is broken in storage.
fn report_problem(e: ReportError) -> Problem {
    match e {
        ReportError::UnknownContract(_) => StoreError::NotFound("contract").into(),
        ReportError::Store(s) => s.into(),
        ReportError::UnknownService { ref known, .. } => {
            let allowed: Vec<String> = known.split(", ").map(str::to_owned).collect();
            invalid(e.code(), e.to_string())
                .with("field", "service")
                .with("allowed", allowed)
        }
        ReportError::NotPromised { .. }
        | ReportError::NoZone { .. }
        | ReportError::Arithmetic(_) => invalid(e.code(), e.to_string()),
        ReportError::StoredCause { .. } | ReportError::Policy(_) => Problem::internal(&e),
    }
}

/// A contract's monthly availability per service: minutes, downtime, exclusions, the
/// percentage rounded down, target, credit and claim deadline, computed now.
#[utoipa::path(
    get, path = "/api/v1/contracts/{id}/availability", tag = "availability",
    params(("id" = i64, Path, description = "Contract id"), ReportQuery),
    responses(
        (status = 200, description = "One report per service", body = Vec<ServiceMonthView>),
        (status = 404, description = "No such contract for this user", body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "Bad month (`availability.bad_month`), unknown service, or no availability promised (`availability.not_promised`)", body = ProblemBody, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn monthly_report(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
    ApiQuery(query): ApiQuery<ReportQuery>,
) -> Result<axum::Json<Vec<ServiceMonthView>>, Problem> {
    principal.require(roles::ANY, Scope::TicketsRead)?;
    let contract = reachable(&state, &principal, id, "contract").await?;
    let month = month("month", query.month.as_deref())?;
    let now = state.clock.now();
    let months = match &query.service {
        Some(service) => {
            vec![
                report::monthly(&state.db, &state.policies, contract.id, service, month, now)
                    .await
                    .map_err(report_problem)?,
            ]
        }
        None => report::monthly_for_contract(&state.db, &state.policies, contract.id, month, now)
            .await
            .map_err(report_problem)?,
    };
    Ok(axum::Json(
        months.into_iter().map(ServiceMonthView).collect(),
    ))
}

// ------------------------------------------------------------------------ claims

/// A service-credit claim.
#[derive(Serialize, ToSchema)]
pub struct ClaimView {
    /// Id.
    pub id: i64,
    /// The contract.
    pub contract_id: i64,
    /// The service.
    pub service_id: String,
    /// The month claimed for, `YYYY-MM`.
    pub month: String,
    /// Who claimed.
    pub claimed_by: Option<i64>,
    /// When.
    pub claimed_at: String,
    /// The customer's note.
    pub note: String,
    /// The credit computed when claimed, minor currency units.
    pub amount_minor: i64,
    /// Currency (ISO 4217).
    pub currency: String,
    /// `pending`, `approved` or `rejected`.
    pub state: String,
    /// Who decided.
    pub decided_by: Option<i64>,
    /// When.
    pub decided_at: Option<String>,
    /// The provider's reason.
    pub decision_note: Option<String>,
    /// For an approved claim: the invoice period (`YYYY-MM`) its credit note applies to.
    pub credit_period: Option<String>,
    /// The month's report as computed when claimed (the fields of `GET …/availability`).
    #[schema(value_type = Object)]
    pub figures: Value,
}

impl ClaimView {
    fn new(c: &CreditClaim) -> ClaimView {
        ClaimView {
            id: c.id,
            contract_id: c.contract_id,
            service_id: c.service_id.clone(),
            month: c.month.clone(),
            claimed_by: c.claimed_by,
            claimed_at: ts(c.claimed_at),
            note: c.note.clone(),
            amount_minor: c.amount_minor,
            currency: c.currency.clone(),
            state: c.state.as_str().to_owned(),
            decided_by: c.decided_by,
            decided_at: c.decided_at.map(ts),
            decision_note: c.decision_note.clone(),
            credit_period: c.credit_period.clone(),
            figures: c.figures.clone(),
        }
    }
}

/// A claim to file.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewClaimBody {
    /// A service of the contract's policy.
    pub service_id: String,
    /// The month, `YYYY-MM`: it must have ended, and the policy's claim window must not have.
    pub month: String,
    /// The customer's note (up to 10,000 characters).
    #[serde(default)]
    pub note: String,
}

/// The 422 for a claim outside the window, with the reason.
fn refused(r: ClaimRefusal) -> Problem {
    let code = match r {
        ClaimRefusal::Early { .. } => "claim.early",
        ClaimRefusal::Late { .. } => "claim.late",
    };
    let problem = invalid(code, r.to_string());
    let problem = match serde_json::to_value(r) {
        Ok(why) => problem.with("why", why),
        Err(_) => problem,
    };
    match r {
        ClaimRefusal::Early { month_end, .. } => problem.with("month_end", ts(month_end)),
        ClaimRefusal::Late {
            day,
            allowed,
            deadline,
            ..
        } => problem
            .with("day", day)
            .with("allowed_days", allowed)
            .with("deadline", ts(deadline)),
    }
}

/// Claim a month's service credit (the contract's customer). The month's figures are
/// computed now and stored with the claim.
#[utoipa::path(
    post, path = "/api/v1/contracts/{id}/claims", tag = "availability",
    params(("id" = i64, Path, description = "Contract id")),
    request_body = NewClaimBody,
    responses(
        (status = 201, description = "Filed, pending the provider's decision", body = ClaimView),
        (status = 403, description = "Not the customer", body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "No such contract for this user", body = ProblemBody, content_type = "application/problem+json"),
        (status = 409, description = "A claim for this month and service is pending or approved", body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "Early (`claim.early`), late (`claim.late`), no claim window (`availability.no_claim_window`), no credit earned (`claim.no_credit`), a bad month or service", body = ProblemBody, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn create_claim(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<NewClaimBody>,
) -> Result<Response, Problem> {
    principal.require(CUSTOMERS, Scope::TicketsWrite)?;
    let contract = reachable(&state, &principal, id, "contract").await?;
    let month = month("month", Some(&body.month))?;
    check_text("note", &body.note, 0, MAX_NOTE)?;
    let policy = policy_of(&state, &contract).await?;
    let avail = promised(&policy, &contract)?;
    check_service(&policy, avail, &body.service_id)?;
    let tz = zone_of(&policy)?;
    let now = state.clock.now();
    match claim::decide_for(avail, month, &tz, now) {
        Ok(ClaimDecision::Accepted { .. }) => {}
        Ok(ClaimDecision::Refused(r)) => return Err(refused(r)),
        Err(AvailabilityError::NoClaimWindow) => {
            return Err(invalid(
                "availability.no_claim_window",
                format!(
                    "policy {} has no claim window: its service credits cannot be claimed",
                    policy.id
                ),
            ));
        }
        Err(e) => return Err(invalid(e.code(), e.to_string())),
    }
    let month_text = month.to_string();
    if let Some(existing) = state
        .db
        .claims_of_contract(contract.id)
        .await?
        .iter()
        .find(|c| {
            c.service_id == body.service_id
                && c.month == month_text
                && c.state != ClaimState::Rejected
        })
    {
        return Err(conflict(
            "claim.duplicate",
            format!(
                "{} already has a {} claim for {month_text} (claim {}); a month is claimed once \
                 unless that claim is rejected",
                body.service_id,
                existing.state.as_str(),
                existing.id
            ),
        )
        .with("claim_id", existing.id));
    }
    let figures = report::monthly(
        &state.db,
        &state.policies,
        contract.id,
        &body.service_id,
        month,
        now,
    )
    .await
    .map_err(report_problem)?;
    let Some(credit) = &figures.credit else {
        return Err(invalid(
            "claim.no_credit",
            format!(
                "{} in {month_text}: availability {} % against a target of {} % earns no \
                 service credit",
                body.service_id, figures.availability, figures.target_percent
            ),
        )
        .with("availability", figures.availability.clone()));
    };
    let amount_minor = i64::try_from(credit.amount_minor).map_err(|e| Problem::internal(&e))?;
    let figures_json = serde_json::to_value(&figures).map_err(|e| Problem::internal(&e))?;
    let filed = state
        .db
        .create_claim(&NewCreditClaim {
            contract_id: contract.id,
            service_id: body.service_id.clone(),
            month: month_text.clone(),
            claimed_by: Some(principal.user.id),
            claimed_at: now,
            note: body.note.trim().to_owned(),
            figures: figures_json,
            amount_minor,
            currency: contract.currency.clone(),
        })
        .await
        .map_err(|e| match e {
            StoreError::Conflict(_) => conflict(
                "claim.duplicate",
                format!(
                    "{} already has a claim for {month_text} that is not rejected",
                    body.service_id
                ),
            ),
            other => other.into(),
        })?;
    Ok((StatusCode::CREATED, axum::Json(ClaimView::new(&filed))).into_response())
}

/// A contract's credit claims, newest first.
#[utoipa::path(
    get, path = "/api/v1/contracts/{id}/claims", tag = "availability",
    params(("id" = i64, Path, description = "Contract id")),
    responses(
        (status = 200, description = "The claims", body = Vec<ClaimView>),
        (status = 404, description = "No such contract for this user", body = ProblemBody, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn list_claims(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
) -> Result<axum::Json<Vec<ClaimView>>, Problem> {
    principal.require(roles::ANY, Scope::TicketsRead)?;
    let contract = reachable(&state, &principal, id, "contract").await?;
    let claims = state.db.claims_of_contract(contract.id).await?;
    Ok(axum::Json(claims.iter().map(ClaimView::new).collect()))
}

/// A claim the caller may reach, with its contract (a customer only its own organisation's).
async fn reachable_claim(
    state: &AppState,
    principal: &Principal,
    id: i64,
) -> Result<(CreditClaim, Contract), Problem> {
    let claim = state.db.get_claim(id, principal.tenant()).await?;
    let contract = reachable(state, principal, claim.contract_id, "credit claim").await?;
    Ok((claim, contract))
}

/// A credit claim with the figures it was filed with.
#[utoipa::path(
    get, path = "/api/v1/claims/{id}", tag = "availability",
    params(("id" = i64, Path, description = "Claim id")),
    responses(
        (status = 200, description = "The claim", body = ClaimView),
        (status = 404, description = "No such claim for this user", body = ProblemBody, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn get_claim(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
) -> Result<axum::Json<ClaimView>, Problem> {
    principal.require(roles::ANY, Scope::TicketsRead)?;
    let (claim, _) = reachable_claim(&state, &principal, id).await?;
    Ok(axum::Json(ClaimView::new(&claim)))
}

/// How the provider decides a claim.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClaimOutcome {
    /// A credit note for the next invoice period.
    Approved,
    /// Refused, with a reason.
    Rejected,
}

/// The provider's decision on a claim.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecideClaimBody {
    /// `approved` or `rejected`.
    pub outcome: ClaimOutcome,
    /// The reason: required to reject (1–10,000 characters), optional to approve.
    #[serde(default)]
    pub note: String,
}

/// Decide a pending claim (the provider's administrators). An approved claim's credit note
/// applies to the invoice period after the month of the decision, in the contract's zone
/// (approved on 2026-05-20 WIB → `credit_period` 2026-06).
#[utoipa::path(
    post, path = "/api/v1/claims/{id}/decide", tag = "availability",
    params(("id" = i64, Path, description = "Claim id")),
    request_body = DecideClaimBody,
    responses(
        (status = 200, description = "Decided", body = ClaimView),
        (status = 403, description = "Not the provider's administrator", body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "No such claim of this provider", body = ProblemBody, content_type = "application/problem+json"),
        (status = 409, description = "Decided already (`claim.decided`)", body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "A rejection without a reason (`claim.reason_required`)", body = ProblemBody, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn decide_claim(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<DecideClaimBody>,
) -> Result<axum::Json<ClaimView>, Problem> {
    principal.require(roles::ADMINS, Scope::Admin)?;
    let (claim, contract) = reachable_claim(&state, &principal, id).await?;
    let decided = |c: &CreditClaim| {
        conflict(
            "claim.decided",
            format!(
                "claim {id} was {} already{}",
                c.state.as_str(),
                c.decided_at
                    .map(|at| format!(" at {}", ts(at)))
                    .unwrap_or_default()
            ),
        )
        .with("state", c.state.as_str())
    };
    if claim.state != ClaimState::Pending {
        return Err(decided(&claim));
    }
    let note = body.note.trim();
    let now = state.clock.now();
    let (outcome, credit_period) = match body.outcome {
        ClaimOutcome::Rejected => {
            if note.is_empty() {
                return Err(invalid(
                    "claim.reason_required",
                    "a rejected claim needs the reason in note",
                )
                .with("field", "note"));
            }
            (ClaimState::Rejected, None)
        }
        ClaimOutcome::Approved => {
            let policy = policy_of(&state, &contract).await?;
            let tz = zone_of(&policy)?;
            let period = Month::of(now.to_zoned(tz).date())
                .next()
                .map_err(|e| Problem::internal(&e))?;
            (ClaimState::Approved, Some(period.to_string()))
        }
    };
    check_text("note", note, 0, MAX_NOTE)?;
    let result = state
        .db
        .decide_claim(
            id,
            outcome,
            principal.user.id,
            note,
            credit_period.as_deref(),
            now,
        )
        .await;
    match result {
        Ok(c) => Ok(axum::Json(ClaimView::new(&c))),
        Err(StoreError::Conflict(_)) => {
            let current = state.db.get_claim(id, None).await?;
            Err(decided(&current))
        }
        Err(e) => Err(e.into()),
    }
}
