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

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::Deserialize;
use tenggat_availability::Month;
use tenggat_sla::{Policy, Text};
use tenggat_store::{Contract, Language, OrgKind, Role, Store};

pub use actions::act;

use super::view::{Choice, policy_zone, when, when_text};
use super::{PortalError, Ui, Viewer, i18n, render};
use crate::AppState;
use crate::availability_api::{
    self, ClaimView, ExclusionView, MaintenanceView, RangeQuery, ReportQuery,
};
use crate::extract::ApiQuery;
use crate::monitoring::report::ServiceMonth;
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

/// A service's month as the page shows it.
#[derive(Debug, Clone)]
pub struct ServiceRow {
    /// The policy's service id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// The state now: `up`, `down`, `no_data` (a CSS class too); empty without a monitor.
    pub state: String,
    /// The state in words.
    pub state_text: String,
    /// Uptime, percent, rounded down.
    pub uptime: String,
    /// The target, percent.
    pub target: String,
    /// Whether the target is met.
    pub met: bool,
    /// Minutes of downtime.
    pub downtime: u64,
    /// Minutes excluded.
    pub excluded: u64,
    /// Minutes without data.
    pub no_data: u64,
    /// The credit earned in words, empty for none.
    pub credit: String,
    /// Whether the figures are final.
    pub complete: bool,
    /// Until when a credit may be claimed, empty without a claim window.
    pub deadline: String,
    /// Whether the customer may claim this month's credit from here.
    pub claimable: bool,
}

/// A maintenance window in a list.
#[derive(Debug, Clone)]
pub struct WindowRow {
    /// Id.
    pub id: i64,
    /// The service's name, or "every service".
    pub service: String,
    /// Start.
    pub start: String,
    /// End.
    pub end: String,
    /// What is done.
    pub note: String,
    /// `excluded`, `not-excluded` or `cancelled` (a CSS class too).
    pub state: &'static str,
    /// The state in words.
    pub state_text: String,
    /// Why, as the API says it.
    pub reason: String,
    /// Whether the viewer may cancel it (it has not started).
    pub cancellable: bool,
}

/// An exclusion in a list.
#[derive(Debug, Clone)]
pub struct ExclusionRow {
    /// Id.
    pub id: i64,
    /// The service's name, or "every service".
    pub service: String,
    /// Start.
    pub start: String,
    /// End.
    pub end: String,
    /// The policy's name of the reason.
    pub reason: String,
    /// The evidence.
    pub note: String,
    /// `recorded`, `disputed`, `upheld`, `withdrawn` (a CSS class too).
    pub state: String,
    /// The state in words.
    pub state_text: String,
    /// The customer's dispute.
    pub dispute: String,
    /// The provider's answer.
    pub resolution: String,
    /// Whether the viewer may dispute it.
    pub disputable: bool,
    /// Whether the viewer may resolve its dispute.
    pub resolvable: bool,
}

/// A credit claim in a list.
#[derive(Debug, Clone)]
pub struct ClaimRow {
    /// Id.
    pub id: i64,
    /// The service's name.
    pub service: String,
    /// The month claimed, in words.
    pub month: String,
    /// When it was filed.
    pub claimed_at: String,
    /// The customer's note.
    pub note: String,
    /// The credit claimed.
    pub amount: String,
    /// `pending`, `approved`, `rejected` (a CSS class too).
    pub state: String,
    /// The state in words.
    pub state_text: String,
    /// The provider's reason.
    pub decision: String,
    /// The invoice period an approved credit applies to.
    pub credit_period: String,
    /// Whether the viewer may decide it.
    pub decidable: bool,
}

/// What the viewer may do on the page (the API still decides).
#[derive(Debug, Clone, Copy, Default)]
pub struct AvailCan {
    /// Schedule and cancel maintenance (the provider's administrators and agents).
    pub maintain: bool,
    /// Resolve disputes and decide claims (the provider's administrators).
    pub decide: bool,
    /// Dispute exclusions and claim credits (the customer's people).
    pub claim: bool,
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

/// A text of the policy in the viewer's language.
fn text(lang: Language, t: &Text) -> String {
    match lang {
        Language::Id => t.id.clone(),
        Language::En => t.en.clone(),
    }
}

/// A percentage as the language writes it (`94,99` in Bahasa Indonesia).
pub fn percent(lang: Language, value: &str) -> String {
    match lang {
        Language::Id => value.replace('.', ","),
        Language::En => value.to_owned(),
    }
}

/// An amount in minor units as the language writes it: `IDR 1.234.567,89`, `IDR 1,234,567.89`.
pub fn money(lang: Language, minor: i64, currency: &str) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    let digits = (abs / 100).to_string();
    let (group, decimal) = match lang {
        Language::Id => ('.', ','),
        Language::En => (',', '.'),
    };
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(group);
        }
        grouped.push(c);
    }
    format!("{currency} {sign}{grouped}{decimal}{:02}", abs % 100)
}

/// A month in words: `April 2026`, `Mei 2026`.
pub fn month_label(lang: Language, month: Month) -> String {
    format!(
        "{} {}",
        i18n::tr(lang, &format!("avail-month-{}", month.month())),
        month.year()
    )
}

/// `2026-04` in words, or the text itself when it is not a month.
fn month_text_label(lang: Language, text: &str) -> String {
    text.parse::<Month>()
        .map_or_else(|_| text.to_owned(), |m| month_label(lang, m))
}

/// The month before `month`.
pub fn previous(month: Month) -> Option<Month> {
    month.first_day().yesterday().ok().map(Month::of)
}

/// The name of a policy's service (the id itself when the policy does not name it; "every
/// service" for none).
fn service_name(lang: Language, policy: &Policy, service: Option<&str>) -> String {
    let Some(id) = service else {
        return i18n::tr(lang, "avail-every-service");
    };
    policy
        .availability
        .as_ref()
        .and_then(|a| a.services.iter().find(|s| s.id == id))
        .map_or_else(|| id.to_owned(), |s| text(lang, &s.name))
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

fn window_row(
    lang: Language,
    policy: &Policy,
    zone: &TimeZone,
    w: &MaintenanceView,
    can: AvailCan,
    now: Timestamp,
) -> WindowRow {
    let state = if w.cancelled_at.is_some() {
        "cancelled"
    } else if w.decision.excluded {
        "excluded"
    } else {
        "not-excluded"
    };
    let started = !w.start.parse::<Timestamp>().is_ok_and(|s| s > now);
    WindowRow {
        id: w.id,
        service: service_name(lang, policy, w.service_id.as_deref()),
        start: when_text(&w.start, zone),
        end: when_text(&w.end, zone),
        note: w.note.clone(),
        state,
        state_text: i18n::tr(lang, &format!("avail-window-{state}")),
        reason: match lang {
            Language::Id => w.decision.reason.id.clone(),
            Language::En => w.decision.reason.en.clone(),
        },
        cancellable: can.maintain && w.cancelled_at.is_none() && !started,
    }
}

fn exclusion_row(
    lang: Language,
    policy: &Policy,
    zone: &TimeZone,
    e: &ExclusionView,
    can: AvailCan,
) -> ExclusionRow {
    ExclusionRow {
        id: e.id,
        service: service_name(lang, policy, e.service_id.as_deref()),
        start: when_text(&e.start, zone),
        end: when_text(&e.end, zone),
        reason: e.reason_name.as_ref().map_or_else(
            || e.reason.clone(),
            |r| match lang {
                Language::Id => r.id.clone(),
                Language::En => r.en.clone(),
            },
        ),
        note: e.note.clone(),
        state: e.state.clone(),
        state_text: i18n::tr(lang, &format!("avail-exclusion-{}", e.state)),
        dispute: e.dispute_note.clone().unwrap_or_default(),
        resolution: e.resolution_note.clone().unwrap_or_default(),
        disputable: can.claim && e.state == "recorded",
        resolvable: can.decide && e.state == "disputed",
    }
}

fn claim_row(
    lang: Language,
    policy: &Policy,
    zone: &TimeZone,
    c: &ClaimView,
    can: AvailCan,
) -> ClaimRow {
    ClaimRow {
        id: c.id,
        service: service_name(lang, policy, Some(&c.service_id)),
        month: month_text_label(lang, &c.month),
        claimed_at: when_text(&c.claimed_at, zone),
        note: c.note.clone(),
        amount: money(lang, c.amount_minor, &c.currency),
        state: c.state.clone(),
        state_text: i18n::tr(lang, &format!("avail-claim-{}", c.state)),
        decision: c.decision_note.clone().unwrap_or_default(),
        credit_period: c
            .credit_period
            .as_deref()
            .map(|p| month_text_label(lang, p))
            .unwrap_or_default(),
        decidable: can.decide && c.state == "pending",
    }
}

/// A service's month; `states` are the services' states now (`status_page::mine`).
fn service_row(
    lang: Language,
    zone: &TimeZone,
    m: &ServiceMonth,
    states: &[status_page::ServiceStatus],
    claims: &[ClaimView],
    can: AvailCan,
    now: Timestamp,
) -> ServiceRow {
    let state = states
        .iter()
        .find(|s| s.service == m.service)
        .map(|s| s.state.clone())
        .unwrap_or_default();
    let state_text = if state.is_empty() {
        i18n::tr(lang, "avail-state-unmonitored")
    } else {
        i18n::tr(lang, &format!("avail-state-{}", state.replace('_', "-")))
    };
    let credit = m.credit.as_ref().map_or_else(String::new, |c| {
        i18n::tr_args(
            lang,
            "avail-credit-earned",
            &[
                ("percent", percent(lang, &c.credit_percent.to_string())),
                (
                    "amount",
                    money(
                        lang,
                        i64::try_from(c.amount_minor).unwrap_or(i64::MAX),
                        &m.currency,
                    ),
                ),
            ],
        )
    });
    let month = m.month.to_string();
    let claimed = claims
        .iter()
        .any(|c| c.service_id == m.service && c.month == month && c.state != "rejected");
    let claimable = can.claim
        && m.credit.is_some()
        && !claimed
        && m.bounds.end() <= now
        && m.claim_deadline.is_some_and(|d| now < d);
    ServiceRow {
        id: m.service.clone(),
        name: text(lang, &m.service_name),
        state,
        state_text,
        uptime: percent(lang, &m.availability),
        target: percent(lang, &m.target_percent.to_string()),
        met: m.target_met,
        downtime: m.downtime_minutes,
        excluded: m.excluded_minutes,
        no_data: m.no_data_minutes,
        credit,
        complete: m.complete,
        deadline: m.claim_deadline.map(|d| when(d, zone)).unwrap_or_default(),
        claimable,
    }
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
    use super::*;

    #[test]
    fn money_and_percentages_in_both_languages() {
        assert_eq!(money(Language::Id, 123_456_789, "IDR"), "IDR 1.234.567,89");
        assert_eq!(money(Language::En, 123_456_789, "IDR"), "IDR 1,234,567.89");
        assert_eq!(money(Language::En, 5, "USD"), "USD 0.05");
        assert_eq!(money(Language::En, 100_000, "IDR"), "IDR 1,000.00");
        assert_eq!(money(Language::Id, -12_345, "IDR"), "IDR -123,45");
        assert_eq!(percent(Language::Id, "94.99"), "94,99");
        assert_eq!(percent(Language::En, "94.99"), "94.99");
    }

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

    #[test]
    fn months_in_words_and_the_month_before() {
        let may: Month = "2026-05".parse().expect("month");
        assert_eq!(month_label(Language::Id, may), "Mei 2026");
        assert_eq!(month_label(Language::En, may), "May 2026");
        let jan: Month = "2027-01".parse().expect("month");
        assert_eq!(
            previous(jan).map(|m| m.to_string()).as_deref(),
            Some("2026-12")
        );
        assert_eq!(month_text_label(Language::En, "2026-06"), "June 2026");
        assert_eq!(month_text_label(Language::En, "soon"), "soon");
    }
}
