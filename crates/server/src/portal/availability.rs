//! The availability pages (issue 7, item 4): for one contract and one month, the state of its
//! services now, the month's figures per service (uptime, target, downtime and excluded
//! minutes, the credit earned), the maintenance windows (upcoming and past), the exclusions
//! and the service-credit claims, with the forms each side may use — the customer disputes an
//! exclusion and claims a credit; the provider's team schedules and cancels maintenance,
//! resolves disputes and decides claims.
//!
//! Every figure and list comes from the REST API's own handlers called with the viewer's
//! `Principal` (`availability_api`, `status_page::mine`), so the page shows exactly what the
//! API would and a customer asking for another organisation's contract gets "not found". The
//! forms post to `/availability/do/{action}` ([`actions`]).

mod actions;
mod rows;

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use jiff::Timestamp;
use serde::Deserialize;
use tenggat_availability::Month;
use tenggat_sla::Policy;
use tenggat_store::{Contract, OrgKind, Role, Store};

pub use actions::act;
use rows::{
    AvailCan, ClaimRow, ExclusionRow, ServiceRow, WindowRow, claim_row, exclusion_row, month_label,
    previous, service_row, text, window_row,
};

use super::view::{Choice, policy_zone};
use super::{PortalError, Ui, Viewer, i18n, render};
use crate::AppState;
use crate::availability_api::{self, MaintenanceView, RangeQuery, ReportQuery};
use crate::extract::ApiQuery;
use crate::problem::Problem;
use crate::status_page;

/// How far ahead the page lists upcoming maintenance, days.
const UPCOMING_DAYS: i64 = 180;

/// Query of the page: which contract, which month, what was just done.
#[derive(Debug, Default, Deserialize)]
pub struct AvailabilityQuery {
    #[serde(default)]
    contract: String,
    #[serde(default)]
    month: String,
    #[serde(default)]
    done: String,
}

#[derive(Template)]
#[template(path = "portal/availability.html")]
struct AvailabilityPage {
    ui: Ui,
    contracts: Vec<Choice>,
    contract_id: i64,
    month: String,
    month_label: String,
    prev: String,
    next: String,
    zone: String,
    status_url: String,
    promised: bool,
    services: Vec<ServiceRow>,
    upcoming: Vec<WindowRow>,
    past: Vec<WindowRow>,
    exclusions: Vec<ExclusionRow>,
    claims: Vec<ClaimRow>,
    service_choices: Vec<Choice>,
    can: AvailCan,
    flash: String,
}

#[derive(Template)]
#[template(path = "portal/availability_none.html")]
struct NoContractPage {
    ui: Ui,
}

/// The contracts the viewer may pick from: the customer's own, or every contract of the
/// provider's customers for its team; each labelled with the customer and the policy.
async fn contract_choices(
    state: &AppState,
    viewer: &Viewer,
) -> Result<Vec<(Contract, String)>, Problem> {
    let orgs = match viewer.principal.tenant() {
        Some(own) => vec![(own, viewer.org.name.clone())],
        None => state
            .db
            .list_organisations(Some(OrgKind::Customer))
            .await?
            .into_iter()
            .map(|o| (o.id, o.name))
            .collect(),
    };
    let mut out = Vec::new();
    for (org, name) in orgs {
        for c in state.db.contracts_of_organisation(org).await? {
            if viewer.principal.is_staff() && c.provider_id != viewer.org.id {
                continue;
            }
            let policy = match &c.policy {
                tenggat_store::PolicyRef::Preset(p) => p.clone(),
                tenggat_store::PolicyRef::Uploaded(id) => format!("#{id}"),
            };
            let label = format!("{name} — {policy} (#{})", c.id);
            out.push((c, label));
        }
    }
    Ok(out)
}

/// The contract's maintenance windows overlapping `[from, to)`, through the API.
async fn windows(
    state: &AppState,
    viewer: &Viewer,
    contract: i64,
    from: Timestamp,
    to: Timestamp,
) -> Result<Vec<MaintenanceView>, Problem> {
    let range = RangeQuery {
        from: Some(from.to_string()),
        to: Some(to.to_string()),
    };
    Ok(availability_api::list_maintenance(
        State(state.clone()),
        viewer.principal.clone(),
        Path(contract),
        ApiQuery(range),
    )
    .await?
    .0)
}

/// `GET /availability`: a contract's month — its services now, the month's figures, the
/// maintenance windows, exclusions and credit claims, with the forms the viewer may use.
pub async fn page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<AvailabilityQuery>,
) -> Result<Response, PortalError> {
    let lang = viewer.lang();
    let fail = |p: Problem| PortalError::from_problem(lang, p);
    let not_found = || PortalError::new(lang, StatusCode::NOT_FOUND, "error-not-found");
    let choices = contract_choices(&state, &viewer).await.map_err(fail)?;
    let contract_id = if query.contract.trim().is_empty() {
        match choices.first() {
            Some((c, _)) => c.id,
            None => {
                return Ok(render(
                    lang,
                    &NoContractPage {
                        ui: viewer.ui("availability"),
                    },
                ));
            }
        }
    } else {
        query
            .contract
            .trim()
            .parse::<i64>()
            .map_err(|_| not_found())?
    };
    // The API's own scoping: another organisation's contract is "not found".
    let contract = availability_api::reachable(&state, &viewer.principal, contract_id, "contract")
        .await
        .map_err(fail)?;
    let claims = availability_api::list_claims(
        State(state.clone()),
        viewer.principal.clone(),
        Path(contract.id),
    )
    .await
    .map_err(fail)?
    .0;
    let policy: Arc<Policy> = state
        .policies
        .for_contract(&state.db, &contract)
        .await
        .map_err(|e| fail(e.into()))?;
    let zone = policy_zone(&policy);
    let now = state.clock.now();
    let month = if query.month.trim().is_empty() {
        Month::of(now.to_zoned(zone.clone()).date())
    } else {
        query.month.trim().parse::<Month>().map_err(|e| {
            fail(Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "availability.bad_month",
                format!("month must be written YYYY-MM, like 2026-03: {e}"),
            ))
        })?
    };
    let role = viewer.principal.user.role;
    let can = AvailCan {
        maintain: matches!(role, Role::Admin | Role::Agent),
        decide: role == Role::Admin,
        claim: matches!(role, Role::CustomerAdmin | Role::CustomerUser),
    };
    let provider = state
        .db
        .get_organisation(contract.provider_id)
        .await
        .map_err(|e| fail(e.into()))?;
    let status_url = format!("/status/{}?lang={}", provider.slug, lang.as_str());
    let current = Month::of(now.to_zoned(zone.clone()).date());
    let next = month
        .next()
        .ok()
        .filter(|n| *n <= current)
        .map(|n| n.to_string())
        .unwrap_or_default();
    let prev = previous(month).map(|m| m.to_string()).unwrap_or_default();
    let flash = if actions::ACTIONS.contains(&query.done.as_str()) {
        i18n::tr(lang, &format!("avail-done-{}", query.done))
    } else {
        String::new()
    };
    let contracts = choices
        .into_iter()
        .map(|(c, label)| Choice {
            selected: c.id == contract.id,
            value: c.id.to_string(),
            label,
            ..Choice::default()
        })
        .collect();
    let mut page = AvailabilityPage {
        ui: viewer.ui("availability"),
        contracts,
        contract_id: contract.id,
        month: month.to_string(),
        month_label: month_label(lang, month),
        prev,
        next,
        zone: zone.iana_name().unwrap_or("UTC").to_owned(),
        status_url,
        promised: policy.availability.is_some(),
        services: Vec::new(),
        upcoming: Vec::new(),
        past: Vec::new(),
        exclusions: Vec::new(),
        claims: claims
            .iter()
            .map(|c| claim_row(lang, &policy, &zone, c, can))
            .collect(),
        service_choices: Vec::new(),
        can,
        flash,
    };
    if let Some(avail) = &policy.availability {
        let report = availability_api::monthly_report(
            State(state.clone()),
            viewer.principal.clone(),
            Path(contract.id),
            ApiQuery(ReportQuery {
                month: Some(month.to_string()),
                service: None,
            }),
        )
        .await
        .map_err(fail)?
        .0;
        let states: Vec<status_page::ServiceStatus> =
            status_page::mine(State(state.clone()), viewer.principal.clone())
                .await
                .map_err(fail)?
                .0
                .services
                .into_iter()
                .filter(|s| s.contract_id == Some(contract.id))
                .collect();
        page.services = report
            .iter()
            .map(|r| service_row(lang, &zone, &r.0, &states, &claims, can, now))
            .collect();
        let bounds = month
            .bounds(&zone)
            .map_err(|e| fail(Problem::internal(&e)))?;
        let ahead = now + jiff::SignedDuration::from_hours(24 * UPCOMING_DAYS);
        page.upcoming = windows(&state, &viewer, contract.id, now, ahead)
            .await
            .map_err(fail)?
            .iter()
            .filter(|w| w.end.parse::<Timestamp>().is_ok_and(|e| e > now))
            .map(|w| window_row(lang, &policy, &zone, w, can, now))
            .collect();
        let past_to = bounds.end().min(now);
        if bounds.start() < past_to {
            page.past = windows(&state, &viewer, contract.id, bounds.start(), past_to)
                .await
                .map_err(fail)?
                .iter()
                .filter(|w| w.end.parse::<Timestamp>().is_ok_and(|e| e <= now))
                .map(|w| window_row(lang, &policy, &zone, w, can, now))
                .collect();
        }
        page.exclusions = availability_api::list_exclusions(
            State(state.clone()),
            viewer.principal.clone(),
            Path(contract.id),
            ApiQuery(RangeQuery {
                from: Some(bounds.start().to_string()),
                to: Some(bounds.end().to_string()),
            }),
        )
        .await
        .map_err(fail)?
        .0
        .iter()
        .map(|e| exclusion_row(lang, &policy, &zone, e, can))
        .collect();
        page.service_choices = avail
            .services
            .iter()
            .map(|s| Choice {
                value: s.id.clone(),
                label: text(lang, &s.name),
                ..Choice::default()
            })
            .collect();
    }
    Ok(render(lang, &page))
}

#[cfg(test)]
mod tests {
    use tenggat_store::Language;

    use super::*;

    #[test]
    fn every_word_made_from_data_exists_in_both_languages() {
        let mut keys: Vec<String> = (1..=12).map(|m| format!("avail-month-{m}")).collect();
        for s in ["excluded", "not-excluded", "cancelled"] {
            keys.push(format!("avail-window-{s}"));
        }
        for s in tenggat_store::ExclusionState::ALL {
            keys.push(format!("avail-exclusion-{}", s.as_str()));
        }
        for s in tenggat_store::ClaimState::ALL {
            keys.push(format!("avail-claim-{}", s.as_str()));
        }
        for s in ["up", "down", "no-data", "unmonitored"] {
            keys.push(format!("avail-state-{s}"));
        }
        for a in actions::ACTIONS {
            keys.push(format!("avail-done-{a}"));
        }
        for lang in [Language::Id, Language::En] {
            for key in &keys {
                assert!(
                    i18n::has(lang, key),
                    "{key} is missing in {}",
                    lang.as_str()
                );
            }
        }
    }
}
