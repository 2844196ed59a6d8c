//! Probe agents over HTTP: `tenggat probe-agent` runs the provider's monitors from another
//! place and reports the samples back.
//!
//! The provider's administrators register an agent for a location and get its token once
//! (`pat_<64 hex>`, stored as its SHA-256), list the agents and revoke them. The agent itself
//! authenticates with that token — never a user's — through [`AgentAuth`]: it fetches the
//! monitors that run at its location, with their slots, and posts its samples.

use std::time::Duration;

use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tenggat_probe::slot::Slots;
use tenggat_store::{
    LOCAL_LOCATION, Monitor, Monitoring, OrgKind, ProbeAgent, ProbeSample, SampleOutcome, Store,
    StoreError,
};
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::{Principal, Scope, forbidden, roles};
use crate::extract::ApiJson;
use crate::problem::Problem;
use crate::secrets;
use crate::views::{ProblemBody, ts};

/// The prefix of probe-agent tokens (`pat_<64 hex>`), so that a leaked one is recognisable
/// and never mistaken for a user's API token (`tgt_…`).
pub const AGENT_TOKEN_PREFIX: &str = "pat_";

/// Most samples one request may carry.
pub const MAX_SAMPLES: usize = 1_000;

/// Largest body of `POST /api/v1/agent/samples` (1,000 samples with long details).
const MAX_SAMPLES_BYTES: usize = 4 * 1024 * 1024;

/// How far past the server's clock a sample's instant may lie (clock skew of the agent).
const MAX_FUTURE: SignedDuration = SignedDuration::from_mins(5);

/// Longest failure detail accepted, in characters.
const MAX_DETAIL_CHARS: usize = 4_096;

/// Longest location name.
const MAX_LOCATION_CHARS: usize = 64;

/// Most agents (live or revoked) a provider may register.
const MAX_AGENTS: usize = 1_000;

const BEARER_CHALLENGE: &str = "Bearer realm=\"tenggat-probe-agent\"";

// ------------------------------------------------------------------ administration

/// A probe agent as the API shows it (never its token).
#[derive(Serialize, ToSchema)]
pub struct ProbeAgentView {
    /// Id.
    pub id: i64,
    /// Its location: the name monitors list in `locations`.
    pub location: String,
    /// When it was registered.
    pub created_at: String,
    /// When it last reported samples.
    pub last_seen_at: Option<String>,
    /// When it was revoked, if it was (its token no longer works).
    pub revoked_at: Option<String>,
}

impl ProbeAgentView {
    fn new(a: &ProbeAgent) -> ProbeAgentView {
        ProbeAgentView {
            id: a.id,
            location: a.location.clone(),
            created_at: ts(a.created_at),
            last_seen_at: a.last_seen_at.map(ts),
            revoked_at: a.revoked_at.map(ts),
        }
    }
}

/// Answer of `POST /api/v1/probe-agents`: the token is shown this once.
#[derive(Serialize, ToSchema)]
pub struct NewProbeAgentResponse {
    /// The agent.
    pub agent: ProbeAgentView,
    /// The agent's secret (`pat_…`): give it to `tenggat probe-agent --token`. It is not
    /// stored and cannot be shown again.
    pub token: String,
}

/// A probe agent to register.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProbeAgentBody {
    /// The location it probes from: 1–64 letters, digits, `-`, `_`, `.`; not `local` (the
    /// server's own prober).
    pub location: String,
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
            "only the provider's administrators manage probe agents",
        ));
    }
    Ok(org.id)
}

/// Whether `location` may name an agent's location.
fn location_ok(location: &str) -> bool {
    !location.is_empty()
        && location.len() <= MAX_LOCATION_CHARS
        && location != LOCAL_LOCATION
        && location
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// Register a probe agent for a location (provider administrators). The answer holds its
/// token, shown this once.
#[utoipa::path(
    post, path = "/api/v1/probe-agents", tag = "availability",
    request_body = NewProbeAgentBody,
    responses(
        (status = 201, description = "Registered; the token is shown this once", body = NewProbeAgentResponse),
        (status = 403, description = "Not a provider administrator", body = ProblemBody, content_type = "application/problem+json"),
        (status = 409, description = "A live agent has this location", body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "Invalid location name", body = ProblemBody, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn create_agent(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(body): ApiJson<NewProbeAgentBody>,
) -> Result<Response, Problem> {
    let provider = provider_admin(&state, &principal).await?;
    let location = body.location.as_str();
    if !location_ok(location) {
        return Err(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "probe_agent.invalid_location",
            format!(
                "location {location:?} must have 1 to {MAX_LOCATION_CHARS} letters, digits, \
                 - _ . and may not be {LOCAL_LOCATION:?} (the server's own prober)"
            ),
        )
        .with("field", "location"));
    }
    let agents = state.db.probe_agents_of_provider(provider).await?;
    if agents
        .iter()
        .any(|a| a.revoked_at.is_none() && a.location == location)
    {
        return Err(Problem::new(
            StatusCode::CONFLICT,
            "probe_agent.location_taken",
            format!("a live probe agent has location {location:?}: revoke it first"),
        ));
    }
    if agents.len() >= MAX_AGENTS {
        return Err(Problem::new(
            StatusCode::CONFLICT,
            "probe_agent.too_many",
            format!("a provider has at most {MAX_AGENTS} probe agents"),
        ));
    }
    let secret = secrets::random_hex().map_err(|e| Problem::internal(&e))?;
    let token = format!("{AGENT_TOKEN_PREFIX}{secret}");
    let agent = state
        .db
        .create_probe_agent(
            provider,
            location,
            &tenggat_store::token_hash(&token),
            state.clock.now(),
        )
        .await
        .map_err(|e| match e {
            // Registered by another request meanwhile.
            StoreError::Conflict(_) => Problem::new(
                StatusCode::CONFLICT,
                "probe_agent.location_taken",
                format!("a live probe agent has location {location:?}: revoke it first"),
            ),
            e => e.into(),
        })?;
    let body = NewProbeAgentResponse {
        agent: ProbeAgentView::new(&agent),
        token,
    };
    Ok((StatusCode::CREATED, axum::Json(body)).into_response())
}

/// The provider's probe agents, revoked ones included (provider administrators).
#[utoipa::path(
    get, path = "/api/v1/probe-agents", tag = "availability",
    responses(
        (status = 200, description = "The agents", body = Vec<ProbeAgentView>),
        (status = 403, description = "Not a provider administrator", body = ProblemBody, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn list_agents(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<axum::Json<Vec<ProbeAgentView>>, Problem> {
    let provider = provider_admin(&state, &principal).await?;
    let agents = state.db.probe_agents_of_provider(provider).await?;
    Ok(axum::Json(agents.iter().map(ProbeAgentView::new).collect()))
}

/// Revoke a probe agent: its token stops working at once (revoking again changes nothing).
#[utoipa::path(
    post, path = "/api/v1/probe-agents/{id}/revoke", tag = "availability",
    params(("id" = i64, Path, description = "Probe agent id")),
    responses(
        (status = 200, description = "Revoked", body = ProbeAgentView),
        (status = 403, description = "Not a provider administrator", body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "No such agent of this provider", body = ProblemBody, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn revoke_agent(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
) -> Result<axum::Json<ProbeAgentView>, Problem> {
    let provider = provider_admin(&state, &principal).await?;
    let own = state
        .db
        .probe_agents_of_provider(provider)
        .await?
        .iter()
        .any(|a| a.id == id);
    if !own {
        return Err(StoreError::NotFound("probe agent").into());
    }
    let revoked = state.db.revoke_probe_agent(id, state.clock.now()).await?;
    Ok(axum::Json(ProbeAgentView::new(&revoked)))
}

// ------------------------------------------------------------------ the agent's own API

/// The probe agent of a request, authenticated by `Authorization: Bearer pat_…`. User
/// credentials (API tokens, sessions) are refused, and an agent token is refused everywhere
/// else (the user [`Principal`] only takes `tgt_…` tokens).
pub struct AgentAuth(pub ProbeAgent);

fn bad_agent_token() -> Problem {
    Problem::new(
        StatusCode::UNAUTHORIZED,
        "auth.invalid_token",
        "send a probe agent's token as Authorization: Bearer pat_…: the token is missing, \
         unknown or revoked",
    )
    .with_challenge(BEARER_CHALLENGE)
}

impl FromRequestParts<AppState> for AgentAuth {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Problem> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim())
            .filter(|token| token.starts_with(AGENT_TOKEN_PREFIX))
            .ok_or_else(bad_agent_token)?;
        let agent = state
            .db
            .probe_agent_by_token_hash(&tenggat_store::token_hash(token))
            .await?
            .filter(|a| a.revoked_at.is_none())
            .ok_or_else(bad_agent_token)?;
        Ok(AgentAuth(agent))
    }
}

/// A monitor as its agent runs it.
#[derive(Serialize, ToSchema)]
pub struct AgentMonitor {
    /// Id (to report its samples).
    pub id: i64,
    /// Name.
    pub name: String,
    /// The check (`tenggat-probe` format, see `docs/availability.md`).
    #[schema(value_type = Object)]
    pub check: Value,
    /// Time between probes, milliseconds.
    pub interval_ms: i64,
    /// The monitor's slots are `epoch + slot_offset_ms + k × interval_ms`: the same instants
    /// at every location (`tenggat_probe::slot::Slots::new(interval, offset)`).
    pub slot_offset_ms: i64,
    /// The next slot after the server's clock at the time of this answer.
    pub next_slot_at: String,
}

/// The monitors an agent runs.
#[derive(Serialize, ToSchema)]
pub struct AgentMonitors {
    /// The agent's location.
    pub location: String,
    /// The server's clock when it answered (an agent may compare its own).
    pub server_time: String,
    /// The provider's unpaused monitors that run at the agent's location.
    pub monitors: Vec<AgentMonitor>,
}

/// The slots of a monitor: keyed by its identity like the server's own (see `monitors.rs`).
fn slots_of(monitor: &Monitor) -> Option<Slots> {
    let interval = Duration::from_millis(u64::try_from(monitor.interval_ms).ok()?);
    let key = format!(
        "{}:{}:{}",
        monitor.contract_id, monitor.service_id, monitor.name
    );
    Slots::for_monitor(&key, interval).ok()
}

/// The monitors to run at the calling agent's location, with their slots (probe agents).
#[utoipa::path(
    get, path = "/api/v1/agent/monitors", tag = "availability",
    responses(
        (status = 200, description = "The monitors of the agent's location", body = AgentMonitors),
        (status = 401, description = "Not a live probe agent's token", body = ProblemBody, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn agent_monitors(
    State(state): State<AppState>,
    AgentAuth(agent): AgentAuth,
) -> Result<axum::Json<AgentMonitors>, Problem> {
    let now = state.clock.now();
    let monitors = state
        .db
        .monitors_at_location(agent.provider_id, &agent.location)
        .await?;
    let mut out = Vec::with_capacity(monitors.len());
    for m in &monitors {
        let Some(slots) = slots_of(m) else {
            continue;
        };
        let offset = i64::try_from(slots.offset().as_millis()).unwrap_or(0);
        out.push(AgentMonitor {
            id: m.id,
            name: m.name.clone(),
            check: m.check.clone(),
            interval_ms: m.interval_ms,
            slot_offset_ms: offset,
            next_slot_at: ts(slots.next_slot(now).unwrap_or(now)),
        });
    }
    Ok(axum::Json(AgentMonitors {
        location: agent.location,
        server_time: ts(now),
        monitors: out,
    }))
}

/// One probe result of an agent.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgentSample {
    /// The monitor (one that runs at the agent's location).
    pub monitor_id: i64,
    /// When the probe started, RFC 3339 (at most 5 minutes past the server's clock).
    pub at: String,
    /// `ok`, `failed` or `inconclusive` (the agent itself was cut off).
    pub outcome: String,
    /// For `failed` only: `unreachable` or `unhealthy`.
    pub failure_kind: Option<String>,
    /// What was seen (`HTTP 503`); warnings for `ok`.
    #[serde(default)]
    pub detail: String,
    /// Round trip, milliseconds.
    pub latency_ms: Option<i64>,
    /// The TLS certificate's expiry, RFC 3339.
    pub cert_expires_at: Option<String>,
}

/// Samples an agent reports.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgentSamplesBody {
    /// At most 1,000 per request.
    pub samples: Vec<AgentSample>,
}

/// How many samples were new.
#[derive(Serialize, ToSchema)]
pub struct AgentSamplesStored {
    /// New samples (one sent again — same monitor and instant — is not counted).
    pub stored: u64,
}

fn bad_sample(i: usize, field: &str, detail: String) -> Problem {
    Problem::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "probe_agent.invalid_sample",
        format!("samples[{i}]: {detail}"),
    )
    .with("field", format!("samples[{i}].{field}"))
}

fn instant(i: usize, field: &str, text: &str) -> Result<Timestamp, Problem> {
    text.parse::<Timestamp>().map_err(|_| {
        bad_sample(
            i,
            field,
            format!("{field} {text:?} is not an RFC 3339 instant with an offset"),
        )
    })
}

/// One sample as stored, checked.
fn sample_of(
    i: usize,
    s: &AgentSample,
    location: &str,
    latest: Timestamp,
) -> Result<ProbeSample, Problem> {
    let at = instant(i, "at", &s.at)?;
    if at > latest {
        return Err(bad_sample(
            i,
            "at",
            format!("at {at} is more than 5 minutes past the server's clock"),
        ));
    }
    let outcome = SampleOutcome::parse(&s.outcome).ok_or_else(|| {
        bad_sample(
            i,
            "outcome",
            format!("outcome {:?} must be ok, failed or inconclusive", s.outcome),
        )
    })?;
    match (outcome, s.failure_kind.as_deref()) {
        (SampleOutcome::Failed, Some("unreachable" | "unhealthy")) => {}
        (SampleOutcome::Failed, _) => {
            return Err(bad_sample(
                i,
                "failure_kind",
                "a failed sample needs failure_kind unreachable or unhealthy".to_owned(),
            ));
        }
        (_, Some(_)) => {
            return Err(bad_sample(
                i,
                "failure_kind",
                "only a failed sample has a failure_kind".to_owned(),
            ));
        }
        (_, None) => {}
    }
    if s.detail.chars().count() > MAX_DETAIL_CHARS {
        return Err(bad_sample(
            i,
            "detail",
            format!("detail has more than {MAX_DETAIL_CHARS} characters"),
        ));
    }
    if s.latency_ms.is_some_and(|l| l < 0) {
        return Err(bad_sample(
            i,
            "latency_ms",
            "latency_ms cannot be negative".to_owned(),
        ));
    }
    let cert_expires_at = match &s.cert_expires_at {
        Some(text) => Some(instant(i, "cert_expires_at", text)?),
        None => None,
    };
    Ok(ProbeSample {
        monitor_id: s.monitor_id,
        location: location.to_owned(),
        at,
        outcome,
        failure_kind: s.failure_kind.clone(),
        detail: s.detail.clone(),
        latency_ms: s.latency_ms,
        cert_expires_at,
    })
}

/// Report probe samples (probe agents). Every sample is checked first; one bad sample
/// refuses the request and nothing is stored. A sample already stored (same monitor and
/// instant) is skipped, so an agent may send a batch again after an error.
#[utoipa::path(
    post, path = "/api/v1/agent/samples", tag = "availability",
    request_body = AgentSamplesBody,
    responses(
        (status = 200, description = "Stored", body = AgentSamplesStored),
        (status = 401, description = "Not a live probe agent's token", body = ProblemBody, content_type = "application/problem+json"),
        (status = 413, description = "More than 1,000 samples", body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "A sample is invalid or of a monitor that does not run at the agent's location", body = ProblemBody, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn agent_samples(
    State(state): State<AppState>,
    AgentAuth(agent): AgentAuth,
    ApiJson(body): ApiJson<AgentSamplesBody, MAX_SAMPLES_BYTES>,
) -> Result<axum::Json<AgentSamplesStored>, Problem> {
    if body.samples.len() > MAX_SAMPLES {
        return Err(Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "probe_agent.too_many_samples",
            format!(
                "{} samples in one request; send at most {MAX_SAMPLES}",
                body.samples.len()
            ),
        )
        .with("limit", MAX_SAMPLES));
    }
    let now = state.clock.now();
    let latest = now.checked_add(MAX_FUTURE).unwrap_or(now);
    let monitors: Vec<i64> = state
        .db
        .monitors_at_location(agent.provider_id, &agent.location)
        .await?
        .iter()
        .map(|m| m.id)
        .collect();
    let mut samples = Vec::with_capacity(body.samples.len());
    for (i, s) in body.samples.iter().enumerate() {
        if !monitors.contains(&s.monitor_id) {
            return Err(Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "probe_agent.unknown_monitor",
                format!(
                    "samples[{i}]: monitor {} does not run at location {:?} (or is paused)",
                    s.monitor_id, agent.location
                ),
            )
            .with("field", format!("samples[{i}].monitor_id"))
            .with("monitor_id", s.monitor_id));
        }
        samples.push(sample_of(i, s, &agent.location, latest)?);
    }
    let stored = if samples.is_empty() {
        0
    } else {
        state.db.record_samples(&samples).await?
    };
    state.db.touch_probe_agent(agent.id, now).await?;
    if stored > 0 {
        state.evaluator_wake.notify_one();
        // The samples are stored: a warning that cannot be written is logged, not refused.
        if let Err(e) = crate::monitoring::certificates::notify_expiring(
            &state.db,
            &state.jobs(),
            &samples,
            now,
        )
        .await
        {
            eprintln!("tenggat-server: certificate warnings not written: {e}");
        }
    }
    Ok(axum::Json(AgentSamplesStored { stored }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn location_names() {
        for ok in ["jakarta", "sg-1", "eu_west.2", "A"] {
            assert!(location_ok(ok), "{ok}");
        }
        let long = "x".repeat(65);
        for bad in [
            "",
            "local",
            "two words",
            "jakarta/1",
            "ürümqi",
            long.as_str(),
        ] {
            assert!(!location_ok(bad), "{bad}");
        }
        assert!(location_ok(&"x".repeat(64)));
    }

    #[test]
    fn a_sample_is_checked_field_by_field() {
        let now: Timestamp = "2026-03-16T02:00:00Z".parse().unwrap();
        let latest = now + MAX_FUTURE;
        let sample = |outcome: &str, kind: Option<&str>, at: &str| AgentSample {
            monitor_id: 7,
            at: at.to_owned(),
            outcome: outcome.to_owned(),
            failure_kind: kind.map(str::to_owned),
            detail: String::new(),
            latency_ms: Some(12),
            cert_expires_at: None,
        };
        let ok = sample_of(
            0,
            &sample("ok", None, "2026-03-16T02:04:59Z"),
            "jakarta",
            latest,
        )
        .unwrap();
        assert_eq!(ok.location, "jakarta");
        assert_eq!(ok.outcome, SampleOutcome::Ok);
        let failed = sample_of(
            1,
            &sample("failed", Some("unhealthy"), "2026-03-16T01:00:00Z"),
            "jakarta",
            latest,
        )
        .unwrap();
        assert_eq!(failed.failure_kind.as_deref(), Some("unhealthy"));
        for (s, field) in [
            (sample("ok", None, "2026-03-16T02:05:01Z"), "samples[2].at"),
            (sample("ok", None, "yesterday"), "samples[2].at"),
            (
                sample("down", None, "2026-03-16T01:00:00Z"),
                "samples[2].outcome",
            ),
            (
                sample("failed", None, "2026-03-16T01:00:00Z"),
                "samples[2].failure_kind",
            ),
            (
                sample("ok", Some("unhealthy"), "2026-03-16T01:00:00Z"),
                "samples[2].failure_kind",
            ),
        ] {
            let problem = sample_of(2, &s, "jakarta", latest).unwrap_err();
            assert_eq!(problem.status, StatusCode::UNPROCESSABLE_ENTITY);
            assert_eq!(problem.extensions["field"], field);
        }
    }
}
