//! The provider's status page: public HTML (`/status/{provider}`) and JSON
//! (`/status/{provider}/json`) with the current state of each service that has a public
//! monitor, 90 days of daily uptime bars, the outages open now and the maintenance announced
//! for the next 30 days; and each customer's private view of its own contracts
//! (`GET /api/v1/status`), with the month's availability so far.
//!
//! Nothing on the public page names a customer: a service is shown by the policy's service
//! name and its public monitors. Days are counted in the zone of the contract's policy; a day's
//! figure is `(1440 − minutes touched by downtime) / 1440`, rounded down like the monthly
//! figure, and a day before monitoring began has no figure ("no data", never downtime).

use std::collections::HashMap;
use std::sync::Mutex;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, ToSpan};
use serde::{Deserialize, Serialize};
use tenggat_availability::{Month, Ratio};
use tenggat_store::{
    AvailabilityState, Contract, Database, Monitor, Monitoring, OrgKind, RunKind, Store, StoreError,
};
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::{Principal, Scope, roles};
use crate::desk::PolicyCache;
use crate::monitoring::report;
use crate::problem::Problem;
use crate::views::{ProblemBody, ts};

/// Days of uptime bars.
pub const DAYS: i64 = 90;
/// How long a public page is reused before it is computed again.
const CACHE_FOR: SignedDuration = SignedDuration::from_secs(30);

/// One day's bar.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DayBar {
    /// The local date.
    pub date: String,
    /// The day's availability rounded down to two decimals; `null`: no data (not monitored).
    pub percent: Option<String>,
    /// Minutes touched by downtime.
    pub downtime_minutes: u64,
}

/// A service on the status page.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ServiceStatus {
    /// The contract (private view only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contract_id: Option<i64>,
    /// The policy's service id.
    pub service: String,
    /// Its name in Bahasa Indonesia.
    pub name_id: String,
    /// Its name in English.
    pub name_en: String,
    /// The monitors watching it (public ones on the public page).
    pub monitors: Vec<String>,
    /// `up`, `down` or `no_data` (no fresh sample: the probes stopped or are cut off).
    pub state: String,
    /// Since when it is down.
    pub down_since: Option<String>,
    /// The incident ticket of the outage open now (`T-12`).
    pub incident: Option<String>,
    /// The days, oldest first.
    pub days: Vec<DayBar>,
    /// Availability over the days with data, rounded down.
    pub uptime: Option<String>,
    /// The month so far (private view only): availability rounded down.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub month_to_date: Option<String>,
}

/// Announced maintenance.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MaintenanceItem {
    /// The service (`null`: every service of the contract).
    pub service: Option<String>,
    /// Start.
    pub start: String,
    /// End.
    pub end: String,
    /// What is done.
    pub note: String,
}

/// A status page.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StatusView {
    /// The provider's name.
    pub provider: String,
    /// When it was computed.
    pub generated_at: String,
    /// `up` when every service is up, `down` when one is down, `no_data` otherwise.
    pub overall: String,
    /// The services.
    pub services: Vec<ServiceStatus>,
    /// Maintenance in the next 30 days.
    pub maintenance: Vec<MaintenanceItem>,
}

/// Public pages computed lately, by provider slug.
#[derive(Debug, Default)]
pub struct StatusCache {
    pages: Mutex<HashMap<String, (Timestamp, StatusView)>>,
}

/// Minutes of `[from, to)` touched by the intervals (a minute counts when any part of it is).
fn touched(intervals: &[(Timestamp, Timestamp)], from: Timestamp, to: Timestamp) -> u64 {
    let minute = |t: Timestamp, up: bool| {
        let s = t.as_second();
        let m = s.div_euclid(60);
        if up && (s.rem_euclid(60) != 0 || t.subsec_nanosecond() != 0) {
            m + 1
        } else {
            m
        }
    };
    let mut spans: Vec<(i64, i64)> = intervals
        .iter()
        .filter_map(|(a, b)| {
            let (a, b) = ((*a).max(from), (*b).min(to));
            (a < b).then(|| (minute(a, false), minute(b, true)))
        })
        .collect();
    spans.sort_unstable();
    let mut total = 0;
    let mut end = i64::MIN;
    for (a, b) in spans {
        let a = a.max(end);
        if b > a {
            total += b - a;
        }
        end = end.max(b);
    }
    u64::try_from(total).unwrap_or(0)
}

/// The zone a contract's days and months are counted in.
fn zone_of(policy: &tenggat_sla::Policy) -> TimeZone {
    policy
        .calendars
        .get(&policy.default_calendar)
        .map(|c| c.timezone().clone())
        .unwrap_or(TimeZone::UTC)
}

/// One contract's service on the page.
async fn service_status(
    db: &Database,
    policies: &PolicyCache,
    contract: &Contract,
    service: &str,
    monitors: &[&Monitor],
    now: Timestamp,
    private: bool,
) -> Result<ServiceStatus, Problem> {
    let policy = policies.for_contract(db, contract).await?;
    let tz = zone_of(&policy);
    let (name_id, name_en) = policy
        .availability
        .as_ref()
        .and_then(|a| a.services.iter().find(|s| s.id == service))
        .map_or_else(
            || (service.to_owned(), service.to_owned()),
            |s| (s.name.id.clone(), s.name.en.clone()),
        );
    let state: Option<AvailabilityState> = db.availability_state(contract.id, service).await?;
    let today = now.to_zoned(tz.clone()).date();
    let first_day = today
        .checked_sub((DAYS - 1).days())
        .map_err(|e| Problem::internal(&e))?;
    let from = first_day
        .to_zoned(tz.clone())
        .map_err(|e| Problem::internal(&e))?
        .timestamp();
    let runs = db.runs_between(contract.id, service, from, now).await?;
    let mut down: Vec<(Timestamp, Timestamp)> = runs
        .iter()
        .filter(|r| r.kind == RunKind::Down)
        .map(|r| (r.start, r.end))
        .collect();
    // The outage open now is not final yet: it counts from its start.
    if let Some(since) = state.as_ref().and_then(|s| s.down_since) {
        down.push((since, now));
    }
    let monitored_from = monitors.iter().map(|m| m.created_at).min().unwrap_or(now);
    let mut days = Vec::with_capacity(usize::try_from(DAYS).unwrap_or(90));
    let (mut minutes_seen, mut minutes_down) = (0u64, 0u64);
    let mut day = first_day;
    while day <= today {
        let start = day
            .to_zoned(tz.clone())
            .map_err(|e| Problem::internal(&e))?
            .timestamp();
        let next = day.tomorrow().map_err(|e| Problem::internal(&e))?;
        let end = next
            .to_zoned(tz.clone())
            .map_err(|e| Problem::internal(&e))?
            .timestamp();
        let seen_from = start.max(monitored_from);
        let seen_to = end.min(now);
        let (percent, d) = if seen_from >= seen_to {
            (None, 0)
        } else {
            let d = touched(&down, seen_from, seen_to);
            let seen = touched(&[(seen_from, seen_to)], seen_from, seen_to);
            minutes_seen += seen;
            minutes_down += d.min(seen);
            (
                Some(
                    Ratio::from_downtime(seen, d.min(seen))
                        .percent()
                        .to_string(),
                ),
                d,
            )
        };
        days.push(DayBar {
            date: day.to_string(),
            percent,
            downtime_minutes: d,
        });
        day = next;
    }
    let fresh = db
        .latest_samples(&monitors.iter().map(|m| m.id).collect::<Vec<_>>())
        .await?
        .iter()
        .any(|s| {
            let interval = monitors
                .iter()
                .find(|m| m.id == s.monitor_id)
                .map_or(0, |m| m.interval_ms);
            now.duration_since(s.at) <= crate::monitoring::evaluator::stale_after(interval)
        });
    let down_since = state.as_ref().and_then(|s| s.down_since);
    let state_name = match (down_since, fresh) {
        (Some(_), _) => "down",
        (None, true) => "up",
        (None, false) => "no_data",
    };
    let incident = match (
        down_since,
        state.as_ref().and_then(|s| s.incident_ticket_id),
    ) {
        (Some(_), Some(id)) => db
            .get_ticket(id, None)
            .await
            .ok()
            .map(|t| t.display_number()),
        _ => None,
    };
    let month_to_date = if private {
        let month = Month::of(today);
        report::monthly(db, policies, contract.id, service, month, now)
            .await
            .ok()
            .map(|r| r.availability)
    } else {
        None
    };
    Ok(ServiceStatus {
        contract_id: private.then_some(contract.id),
        service: service.to_owned(),
        name_id,
        name_en,
        monitors: monitors.iter().map(|m| m.name.clone()).collect(),
        state: state_name.to_owned(),
        down_since: down_since.map(ts),
        incident,
        days,
        uptime: (minutes_seen > 0).then(|| {
            Ratio::from_downtime(minutes_seen, minutes_down)
                .percent()
                .to_string()
        }),
        month_to_date,
    })
}

/// The page of `monitors` (grouped by contract and service) of `contracts`.
async fn build(
    db: &Database,
    policies: &PolicyCache,
    provider: &str,
    contracts: &[Contract],
    monitors: &[Monitor],
    now: Timestamp,
    private: bool,
) -> Result<StatusView, Problem> {
    let mut services = Vec::new();
    let mut maintenance = Vec::new();
    for contract in contracts {
        let mut ids: Vec<&str> = monitors
            .iter()
            .filter(|m| m.contract_id == contract.id)
            .map(|m| m.service_id.as_str())
            .collect();
        ids.sort_unstable();
        ids.dedup();
        if ids.is_empty() {
            continue;
        }
        for service in ids {
            let watching: Vec<&Monitor> = monitors
                .iter()
                .filter(|m| m.contract_id == contract.id && m.service_id == service)
                .collect();
            services.push(
                service_status(db, policies, contract, service, &watching, now, private).await?,
            );
        }
        for w in db
            .maintenance_between(contract.id, now, now + SignedDuration::from_hours(24 * 30))
            .await?
            .into_iter()
            .filter(|w| w.cancelled_at.is_none())
        {
            maintenance.push(MaintenanceItem {
                service: w.service_id,
                start: ts(w.start),
                end: ts(w.end),
                note: w.note,
            });
        }
    }
    maintenance.sort_by(|a, b| a.start.cmp(&b.start));
    let overall = if services.iter().any(|s| s.state == "down") {
        "down"
    } else if services.iter().all(|s| s.state == "up") {
        "up"
    } else {
        "no_data"
    };
    Ok(StatusView {
        provider: provider.to_owned(),
        generated_at: ts(now),
        overall: overall.to_owned(),
        services,
        maintenance,
    })
}

/// The public page of a provider, from the cache when it is fresh.
async fn public(state: &AppState, slug: &str) -> Result<StatusView, Problem> {
    let now = state.clock.now();
    if let Ok(pages) = state.status_cache.pages.lock()
        && let Some((at, view)) = pages.get(slug)
        && now.duration_since(*at) < CACHE_FOR
    {
        return Ok(view.clone());
    }
    let org = state
        .db
        .organisation_by_slug(slug)
        .await?
        .filter(|o| o.kind == OrgKind::Provider)
        .ok_or(StoreError::NotFound("status page"))?;
    let monitors: Vec<Monitor> = state
        .db
        .monitors_of_provider(org.id)
        .await?
        .into_iter()
        .filter(|m| m.public && m.paused_at.is_none())
        .collect();
    let mut contract_ids: Vec<i64> = monitors.iter().map(|m| m.contract_id).collect();
    contract_ids.sort_unstable();
    contract_ids.dedup();
    let mut contracts = Vec::with_capacity(contract_ids.len());
    for id in contract_ids {
        contracts.push(state.db.get_contract(id, None).await?);
    }
    let view = build(
        &state.db,
        &state.policies,
        &org.name,
        &contracts,
        &monitors,
        now,
        false,
    )
    .await?;
    if let Ok(mut pages) = state.status_cache.pages.lock() {
        pages.insert(slug.to_owned(), (now, view.clone()));
    }
    Ok(view)
}

/// `?lang=id|en` of the HTML page.
#[derive(Debug, Deserialize)]
pub struct LangQuery {
    lang: Option<String>,
}

/// The words of the page in one language.
struct Words {
    lang: &'static str,
    title: &'static str,
    all_up: &'static str,
    some_down: &'static str,
    no_data: &'static str,
    up: &'static str,
    down: &'static str,
    since: &'static str,
    incident: &'static str,
    days: &'static str,
    uptime: &'static str,
    maintenance: &'static str,
    none_planned: &'static str,
    no_services: &'static str,
    other_lang: &'static str,
    other_lang_code: &'static str,
    updated: &'static str,
    legend: &'static str,
}

const ID: Words = Words {
    lang: "id",
    title: "Status layanan",
    all_up: "Semua layanan berjalan normal",
    some_down: "Ada layanan yang sedang terganggu",
    no_data: "Sebagian layanan tanpa data pemantauan",
    up: "Normal",
    down: "Terganggu",
    since: "sejak",
    incident: "tiket",
    days: "90 hari terakhir",
    uptime: "ketersediaan",
    maintenance: "Pemeliharaan terjadwal (30 hari ke depan)",
    none_planned: "Tidak ada pemeliharaan terjadwal.",
    no_services: "Belum ada layanan yang dipantau secara publik.",
    other_lang: "English",
    other_lang_code: "en",
    updated: "Diperbarui",
    legend: "Batang abu-abu: tanpa data (bukan waktu henti).",
};

const EN: Words = Words {
    lang: "en",
    title: "Service status",
    all_up: "All services are operating normally",
    some_down: "A service is disrupted",
    no_data: "Some services have no monitoring data",
    up: "Operational",
    down: "Disrupted",
    since: "since",
    incident: "ticket",
    days: "last 90 days",
    uptime: "availability",
    maintenance: "Scheduled maintenance (next 30 days)",
    none_planned: "No maintenance scheduled.",
    no_services: "No service is monitored publicly yet.",
    other_lang: "Bahasa Indonesia",
    other_lang_code: "id",
    updated: "Updated",
    legend: "Grey bars: no data (not downtime).",
};

#[derive(Template)]
#[template(path = "status.html")]
struct Page<'a> {
    w: &'a Words,
    v: &'a StatusView,
    slug: &'a str,
}

impl Page<'_> {
    fn name<'s>(&self, s: &'s ServiceStatus) -> &'s str {
        if self.w.lang == "id" {
            &s.name_id
        } else {
            &s.name_en
        }
    }

    /// The bar's colour class: `good` at 100 %, `warn` above 99 %, `bad` below, `none` without
    /// data.
    fn class(d: &DayBar) -> &'static str {
        match d.percent.as_deref().and_then(|p| p.parse::<f64>().ok()) {
            None => "none",
            Some(p) if p >= 100.0 => "good",
            Some(p) if p >= 99.0 => "warn",
            Some(_) => "bad",
        }
    }
}

/// `GET /status/{provider}`: the public status page (HTML, Bahasa Indonesia by default).
pub async fn page(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(q): Query<LangQuery>,
) -> Result<Response, Problem> {
    let view = public(&state, &slug).await?;
    let words = match q.lang.as_deref() {
        Some("en") => &EN,
        _ => &ID,
    };
    let html = Page {
        w: words,
        v: &view,
        slug: &slug,
    }
    .render()
    .map_err(|e| Problem::internal(&e))?;
    let mut response = Html(html).into_response();
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        ),
    );
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=30"),
    );
    Ok(response)
}

/// `GET /status/{provider}/json`: the public status page as JSON.
pub async fn page_json(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Response, Problem> {
    let view = public(&state, &slug).await?;
    Ok((
        StatusCode::OK,
        [(header::CACHE_CONTROL, "public, max-age=30")],
        axum::Json(view),
    )
        .into_response())
}

/// The status of your organisation's services: a customer sees its contracts' monitored
/// services (public or not) with the month's availability so far; staff see every service of
/// their provider.
#[utoipa::path(
    get, path = "/api/v1/status", tag = "availability",
    responses(
        (status = 200, description = "The status", body = StatusView),
        (status = 401, description = "Not signed in", body = ProblemBody, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn mine(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<axum::Json<StatusView>, Problem> {
    principal.require(roles::ANY, Scope::TicketsRead)?;
    let now = state.clock.now();
    let org = state
        .db
        .get_organisation(principal.user.organisation_id)
        .await?;
    let (contracts, monitors) = if principal.is_staff() {
        let monitors = state.db.monitors_of_provider(org.id).await?;
        let mut ids: Vec<i64> = monitors.iter().map(|m| m.contract_id).collect();
        ids.sort_unstable();
        ids.dedup();
        let mut contracts = Vec::with_capacity(ids.len());
        for id in ids {
            contracts.push(state.db.get_contract(id, None).await?);
        }
        (contracts, monitors)
    } else {
        let contracts = state.db.contracts_of_organisation(org.id).await?;
        let mut monitors = Vec::new();
        for c in &contracts {
            monitors.extend(state.db.monitors_of_contract(c.id, None).await?);
        }
        (contracts, monitors)
    };
    let monitors: Vec<Monitor> = monitors
        .into_iter()
        .filter(|m| m.paused_at.is_none())
        .collect();
    Ok(axum::Json(
        build(
            &state.db,
            &state.policies,
            &org.name,
            &contracts,
            &monitors,
            now,
            true,
        )
        .await?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        s.parse().expect("instant")
    }

    #[test]
    fn touched_minutes_count_partial_minutes_once() {
        let day = (t("2026-04-01T00:00:00Z"), t("2026-04-02T00:00:00Z"));
        assert_eq!(touched(&[], day.0, day.1), 0);
        // 10:00:30–10:02:00 touches 10:00 and 10:01.
        let one = [(t("2026-04-01T10:00:30Z"), t("2026-04-01T10:02:00Z"))];
        assert_eq!(touched(&one, day.0, day.1), 2);
        // Overlapping intervals are counted once; the part outside the day is not counted.
        let many = [
            (t("2026-04-01T10:00:00Z"), t("2026-04-01T10:05:00Z")),
            (t("2026-04-01T10:03:00Z"), t("2026-04-01T10:06:00Z")),
            (t("2026-04-01T23:58:00Z"), t("2026-04-02T00:10:00Z")),
        ];
        assert_eq!(touched(&many, day.0, day.1), 6 + 2);
        assert_eq!(touched(&[day], day.0, day.1), 1440);
    }
}
