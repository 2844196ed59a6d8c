//! Availability monitors over HTTP: a provider's administrators add, pause, resume and delete
//! the monitors of their contracts' services; staff see all of the provider's, a customer
//! sees those of its own contracts, with each service's live state.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tenggat_probe::slot::Slots;
use tenggat_store::{LOCAL_LOCATION, Monitor, Monitoring, NewMonitor, OrgKind, Store, StoreError};
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::{Principal, Scope, forbidden, roles};
use crate::extract::ApiJson;
use crate::problem::Problem;
use crate::views::{ProblemBody, ts};

/// Most monitors a provider may have.
const MAX_MONITORS: usize = 10_000;
/// Most locations of one monitor.
const MAX_LOCATIONS: usize = 16;

/// A monitor as the API shows it.
#[derive(Serialize, ToSchema)]
pub struct MonitorView {
    /// Id.
    pub id: i64,
    /// The contract whose service it measures.
    pub contract_id: i64,
    /// The policy's service id.
    pub service_id: String,
    /// Name.
    pub name: String,
    /// Time between probes, milliseconds.
    pub interval_ms: i64,
    /// The check (`tenggat-probe` format, see `docs/availability.md`).
    #[schema(value_type = Object)]
    pub check: Value,
    /// Where it runs (`local`: the server itself; other names: probe agents).
    pub locations: Vec<String>,
    /// Shown on the public status page.
    pub public: bool,
    /// When it was created.
    pub created_at: String,
    /// When it was paused, if it is.
    pub paused_at: Option<String>,
    /// The next slot of the server's own prober.
    pub next_run_at: String,
}

impl MonitorView {
    fn new(m: &Monitor) -> MonitorView {
        MonitorView {
            id: m.id,
            contract_id: m.contract_id,
            service_id: m.service_id.clone(),
            name: m.name.clone(),
            interval_ms: m.interval_ms,
            check: m.check.clone(),
            locations: m.locations.clone(),
            public: m.public,
            created_at: ts(m.created_at),
            paused_at: m.paused_at.map(ts),
            next_run_at: ts(m.next_run_at),
        }
    }
}

/// A monitor to add.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMonitorBody {
    /// The contract (one of the provider's).
    pub contract_id: i64,
    /// A service of the contract's policy (`[[availability.services]]`).
    pub service_id: String,
    /// Name (1–100 characters).
    pub name: String,
    /// Time between probes: `30s`, `1m` (at least 10 s).
    pub interval: String,
    /// What to probe: `{"type": "http", "url": …}`, `{"type": "tcp", …}` or
    /// `{"type": "transaction", "steps": […]}` (see `docs/availability.md`).
    #[schema(value_type = Object)]
    pub check: Value,
    /// Where it runs (default `["local"]`).
    pub locations: Option<Vec<String>>,
    /// Shown on the public status page (default false).
    pub public: Option<bool>,
}

fn invalid(code: &'static str, detail: impl Into<String>, field: &str) -> Problem {
    Problem::new(StatusCode::UNPROCESSABLE_ENTITY, code, detail).with("field", field)
}

/// The provider organisation of an administrator.
async fn provider_admin(state: &AppState, principal: &Principal) -> Result<i64, Problem> {
    principal.require(roles::ADMINS, Scope::Admin)?;
    let org = state
        .db
        .get_organisation(principal.user.organisation_id)
        .await?;
    if org.kind != OrgKind::Provider {
        return Err(forbidden(
            "only the provider's administrators manage monitors",
        ));
    }
    Ok(org.id)
}

/// A monitor the caller may see: the provider's staff see their provider's, a customer those
/// of its contracts; anything else is not found.
async fn visible(state: &AppState, principal: &Principal, id: i64) -> Result<Monitor, Problem> {
    let monitor = state.db.get_monitor(id, None).await?;
    let allowed = if principal.is_staff() {
        monitor.provider_id == principal.user.organisation_id
    } else {
        state
            .db
            .get_contract(monitor.contract_id, principal.tenant())
            .await
            .is_ok()
    };
    if !allowed {
        return Err(StoreError::NotFound("monitor").into());
    }
    Ok(monitor)
}

/// Add a monitor (provider administrators). Its first probe runs at its first slot.
#[utoipa::path(
    post, path = "/api/v1/monitors", tag = "availability",
    request_body = NewMonitorBody,
    responses(
        (status = 201, description = "Created", body = MonitorView),
        (status = 403, description = "Not a provider administrator", body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "No such contract of this provider", body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "Invalid monitor", body = ProblemBody, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn create_monitor(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(body): ApiJson<NewMonitorBody>,
) -> Result<Response, Problem> {
    let provider = provider_admin(&state, &principal).await?;
    let name = body.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(invalid(
            "monitor.invalid",
            "name must have 1 to 100 characters",
            "name",
        ));
    }
    let contract = state.db.get_contract(body.contract_id, None).await?;
    if contract.provider_id != provider {
        return Err(StoreError::NotFound("contract").into());
    }
    let policy = state.policies.for_contract(&state.db, &contract).await?;
    let services: Vec<&str> = policy
        .availability
        .as_ref()
        .map(|a| a.services.iter().map(|s| s.id.as_str()).collect())
        .unwrap_or_default();
    if !services.contains(&body.service_id.as_str()) {
        return Err(invalid(
            "monitor.unknown_service",
            format!(
                "policy {} has no service {:?} (it has: {})",
                policy.id,
                body.service_id,
                if services.is_empty() {
                    "none".to_owned()
                } else {
                    services.join(", ")
                }
            ),
            "service_id",
        ));
    }
    // The probe engine's own parser and validation: interval ≥ 10 s, timeout within it, URLs,
    // status ranges, JSON pointers, transaction variables.
    let definition = serde_json::json!({ "interval": body.interval, "check": body.check });
    let parsed = tenggat_probe::Monitor::from_json(&definition.to_string())
        .map_err(|e| invalid(e.code(), e.to_string(), "check"))?;
    let locations = body
        .locations
        .unwrap_or_else(|| vec![LOCAL_LOCATION.to_owned()]);
    if locations.is_empty() || locations.len() > MAX_LOCATIONS {
        return Err(invalid(
            "monitor.invalid",
            format!("locations must name 1 to {MAX_LOCATIONS} places"),
            "locations",
        ));
    }
    for (i, l) in locations.iter().enumerate() {
        let ok = !l.is_empty()
            && l.len() <= 64
            && l.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !ok || locations[..i].contains(l) {
            return Err(invalid(
                "monitor.invalid",
                format!("location {l:?} must be a unique name of letters, digits, - _ ."),
                "locations",
            ));
        }
    }
    if state.db.monitors_of_provider(provider).await?.len() >= MAX_MONITORS {
        return Err(Problem::new(
            StatusCode::CONFLICT,
            "monitor.too_many",
            format!("a provider has at most {MAX_MONITORS} monitors"),
        ));
    }
    let now = state.clock.now();
    let interval = parsed.interval.get();
    // Slots spread over the interval by the monitor's identity (contract, service, name).
    let key = format!("{}:{}:{name}", contract.id, body.service_id);
    let first_run_at = Slots::for_monitor(&key, interval)
        .ok()
        .and_then(|s| s.next_slot(now))
        .unwrap_or(now);
    let interval_ms = i64::try_from(interval.as_millis()).unwrap_or(i64::MAX);
    let check = serde_json::to_value(&parsed.check).map_err(|e| Problem::internal(&e))?;
    let monitor = state
        .db
        .create_monitor(&NewMonitor {
            provider_id: provider,
            contract_id: contract.id,
            service_id: body.service_id.clone(),
            name: name.to_owned(),
            check,
            interval_ms,
            locations,
            public: body.public.unwrap_or(false),
            created_at: now,
            first_run_at,
        })
        .await?;
    state.prober_wake.notify_one();
    Ok((StatusCode::CREATED, axum::Json(MonitorView::new(&monitor))).into_response())
}

/// Monitors: the provider's (staff) or those of the caller's contracts (customers).
#[utoipa::path(
    get, path = "/api/v1/monitors", tag = "availability",
    responses(
        (status = 200, description = "The monitors", body = Vec<MonitorView>),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn list_monitors(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<axum::Json<Vec<MonitorView>>, Problem> {
    principal.require(roles::ANY, Scope::TicketsRead)?;
    let monitors = if principal.is_staff() {
        state
            .db
            .monitors_of_provider(principal.user.organisation_id)
            .await?
    } else {
        let mut all = Vec::new();
        for c in state
            .db
            .contracts_of_organisation(principal.user.organisation_id)
            .await?
        {
            all.extend(state.db.monitors_of_contract(c.id, None).await?);
        }
        all
    };
    Ok(axum::Json(monitors.iter().map(MonitorView::new).collect()))
}

/// A monitor, with its latest sample per location.
#[derive(Serialize, ToSchema)]
pub struct MonitorDetail {
    /// The monitor.
    pub monitor: MonitorView,
    /// The latest sample of each location.
    pub latest: Vec<SampleView>,
}

/// A probe result.
#[derive(Serialize, ToSchema)]
pub struct SampleView {
    /// Location.
    pub location: String,
    /// When the probe started.
    pub at: String,
    /// `ok`, `failed` or `inconclusive`.
    pub outcome: String,
    /// `unreachable` or `unhealthy` for a failure.
    pub failure_kind: Option<String>,
    /// What was seen.
    pub detail: String,
    /// Round trip, milliseconds.
    pub latency_ms: Option<i64>,
    /// The TLS certificate's expiry.
    pub cert_expires_at: Option<String>,
}

/// A monitor and its latest samples.
#[utoipa::path(
    get, path = "/api/v1/monitors/{id}", tag = "availability",
    params(("id" = i64, Path, description = "Monitor id")),
    responses(
        (status = 200, description = "The monitor", body = MonitorDetail),
        (status = 404, description = "No such monitor for this user", body = ProblemBody, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn get_monitor(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
) -> Result<axum::Json<MonitorDetail>, Problem> {
    principal.require(roles::ANY, Scope::TicketsRead)?;
    let monitor = visible(&state, &principal, id).await?;
    let latest = state
        .db
        .latest_samples(&[monitor.id])
        .await?
        .into_iter()
        .map(|s| SampleView {
            location: s.location,
            at: ts(s.at),
            outcome: s.outcome.as_str().to_owned(),
            failure_kind: s.failure_kind,
            detail: s.detail,
            latency_ms: s.latency_ms,
            cert_expires_at: s.cert_expires_at.map(ts),
        })
        .collect();
    Ok(axum::Json(MonitorDetail {
        monitor: MonitorView::new(&monitor),
        latest,
    }))
}

/// The provider's own monitor, for a change by its administrator.
async fn own(state: &AppState, principal: &Principal, id: i64) -> Result<Monitor, Problem> {
    let provider = provider_admin(state, principal).await?;
    let monitor = state.db.get_monitor(id, Some(provider)).await?;
    Ok(monitor)
}

/// Pause a monitor (no probes; its minutes have no data, which is never downtime).
#[utoipa::path(
    post, path = "/api/v1/monitors/{id}/pause", tag = "availability",
    params(("id" = i64, Path, description = "Monitor id")),
    responses(
        (status = 200, description = "Paused", body = MonitorView),
        (status = 403, description = "Not a provider administrator", body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "No such monitor of this provider", body = ProblemBody, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn pause_monitor(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
) -> Result<axum::Json<MonitorView>, Problem> {
    let monitor = own(&state, &principal, id).await?;
    let now = state.clock.now();
    let paused = state
        .db
        .set_monitor_paused(monitor.id, Some(now), monitor.next_run_at)
        .await?;
    Ok(axum::Json(MonitorView::new(&paused)))
}

/// Resume a paused monitor at its next slot.
#[utoipa::path(
    post, path = "/api/v1/monitors/{id}/resume", tag = "availability",
    params(("id" = i64, Path, description = "Monitor id")),
    responses(
        (status = 200, description = "Resumed", body = MonitorView),
        (status = 403, description = "Not a provider administrator", body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "No such monitor of this provider", body = ProblemBody, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn resume_monitor(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
) -> Result<axum::Json<MonitorView>, Problem> {
    let monitor = own(&state, &principal, id).await?;
    let now = state.clock.now();
    let interval =
        std::time::Duration::from_millis(u64::try_from(monitor.interval_ms).unwrap_or(0));
    let key = format!(
        "{}:{}:{}",
        monitor.contract_id, monitor.service_id, monitor.name
    );
    let next = Slots::for_monitor(&key, interval)
        .ok()
        .and_then(|s| s.next_slot(now))
        .unwrap_or(now);
    let resumed = state.db.set_monitor_paused(monitor.id, None, next).await?;
    state.prober_wake.notify_one();
    Ok(axum::Json(MonitorView::new(&resumed)))
}

/// Delete a monitor and its samples (its service's timeline stays).
#[utoipa::path(
    delete, path = "/api/v1/monitors/{id}", tag = "availability",
    params(("id" = i64, Path, description = "Monitor id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "Not a provider administrator", body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "No such monitor of this provider", body = ProblemBody, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn delete_monitor(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
) -> Result<StatusCode, Problem> {
    let monitor = own(&state, &principal, id).await?;
    state.db.delete_monitor(monitor.id).await?;
    Ok(StatusCode::NO_CONTENT)
}
