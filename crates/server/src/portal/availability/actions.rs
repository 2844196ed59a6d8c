//! What people do from the availability page: one form per action, each posted to
//! `/availability/do/{action}` and carried out by the REST API's own handler with the viewer
//! as the principal (so the roles, states, notice and claim window are the API's). The page
//! is shown again with what was done, or the error page says why not.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use serde::Deserialize;
use tenggat_availability::Month;

use super::super::view::policy_zone;
use super::super::{PortalError, Viewer};
use crate::AppState;
use crate::availability_api::{
    self, ClaimOutcome, DecideClaimBody, DisputeBody, ExclusionOutcome, NewClaimBody,
    NewMaintenanceBody, ResolveBody,
};
use crate::extract::ApiJson;
use crate::problem::Problem;

/// The actions the availability page offers, by the name in their path.
pub const ACTIONS: &[&str] = &[
    "schedule", "cancel", "dispute", "resolve", "claim", "decide",
];

/// An action's form: its CSRF token, where to come back to, and the fields the action reads.
#[derive(Debug, Deserialize)]
pub struct AvailabilityForm {
    csrf: String,
    /// The contract of the page (and of a new window or claim).
    #[serde(default)]
    contract: String,
    /// The month of the page (and of a claim), `YYYY-MM`.
    #[serde(default)]
    month: String,
    /// The window, exclusion or claim acted on.
    #[serde(default)]
    id: String,
    /// A service of the policy; empty for every service (a window).
    #[serde(default)]
    service: String,
    /// A window's start and end, `YYYY-MM-DDTHH:MM` in the contract's zone.
    #[serde(default)]
    start: String,
    #[serde(default)]
    end: String,
    /// What is done, the dispute, the answer, the reason.
    #[serde(default)]
    note: String,
    /// `upheld` / `withdrawn` (a dispute), `approved` / `rejected` (a claim).
    #[serde(default)]
    outcome: String,
}

fn bad(field: &'static str, detail: impl Into<String>) -> Problem {
    Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "portal.bad_form", detail).with("field", field)
}

fn number(field: &'static str, text: &str) -> Result<i64, Problem> {
    text.trim()
        .parse::<i64>()
        .map_err(|_| bad(field, format!("{field} must be a number")))
}

/// A `datetime-local` value read in `zone`, as the RFC 3339 instant the API takes; anything
/// else is passed on for the API to refuse with its own reason.
fn instant_in(text: &str, zone: &TimeZone) -> String {
    text.trim()
        .parse::<DateTime>()
        .ok()
        .and_then(|dt| dt.to_zoned(zone.clone()).ok())
        .map_or_else(|| text.trim().to_owned(), |z| z.timestamp().to_string())
}

/// `POST /availability/do/{action}`.
pub async fn act(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(action): Path<String>,
    Form(form): Form<AvailabilityForm>,
) -> Result<Response, PortalError> {
    viewer.check_csrf(&form.csrf)?;
    let lang = viewer.lang();
    if !ACTIONS.contains(&action.as_str()) {
        return Err(PortalError::new(
            lang,
            StatusCode::NOT_FOUND,
            "error-not-found",
        ));
    }
    carry_out(&state, &viewer, &action, &form)
        .await
        .map_err(|p| PortalError::from_problem(lang, p))?;
    let mut back: Vec<(&str, String)> = Vec::new();
    if let Ok(c) = form.contract.trim().parse::<i64>() {
        back.push(("contract", c.to_string()));
    }
    if let Ok(m) = form.month.trim().parse::<Month>() {
        back.push(("month", m.to_string()));
    }
    back.push(("done", action));
    let query = serde_urlencoded::to_string(&back).unwrap_or_default();
    Ok(Redirect::to(&format!("/availability?{query}")).into_response())
}

/// Calls the API's handler for `action`.
async fn carry_out(
    state: &AppState,
    viewer: &Viewer,
    action: &str,
    form: &AvailabilityForm,
) -> Result<(), Problem> {
    let s = State(state.clone());
    let principal = viewer.principal.clone();
    let note = form.note.clone();
    match action {
        "schedule" => {
            let id = number("contract", &form.contract)?;
            // The API's scoping first: the zone of a contract one may not see is nobody's
            // business.
            let contract = availability_api::reachable(state, &principal, id, "contract").await?;
            let policy = state.policies.for_contract(&state.db, &contract).await?;
            let zone = policy_zone(&policy);
            availability_api::create_maintenance(
                s,
                principal,
                Path(id),
                ApiJson(NewMaintenanceBody {
                    service_id: Some(form.service.trim().to_owned()).filter(|s| !s.is_empty()),
                    start: instant_in(&form.start, &zone),
                    end: instant_in(&form.end, &zone),
                    note,
                }),
            )
            .await
            .map(drop)
        }
        "cancel" => {
            availability_api::cancel_maintenance(s, principal, Path(number("id", &form.id)?))
                .await
                .map(drop)
        }
        "dispute" => availability_api::dispute_exclusion(
            s,
            principal,
            Path(number("id", &form.id)?),
            ApiJson(DisputeBody { note }),
        )
        .await
        .map(drop),
        "resolve" => {
            let outcome = match form.outcome.as_str() {
                "upheld" => ExclusionOutcome::Upheld,
                "withdrawn" => ExclusionOutcome::Withdrawn,
                _ => return Err(bad("outcome", "outcome must be upheld or withdrawn")),
            };
            availability_api::resolve_exclusion(
                s,
                principal,
                Path(number("id", &form.id)?),
                ApiJson(ResolveBody { outcome, note }),
            )
            .await
            .map(drop)
        }
        "claim" => availability_api::create_claim(
            s,
            principal,
            Path(number("contract", &form.contract)?),
            ApiJson(NewClaimBody {
                service_id: form.service.trim().to_owned(),
                month: form.month.trim().to_owned(),
                note,
            }),
        )
        .await
        .map(drop),
        "decide" => {
            let outcome = match form.outcome.as_str() {
                "approved" => ClaimOutcome::Approved,
                "rejected" => ClaimOutcome::Rejected,
                _ => return Err(bad("outcome", "outcome must be approved or rejected")),
            };
            availability_api::decide_claim(
                s,
                principal,
                Path(number("id", &form.id)?),
                ApiJson(DecideClaimBody { outcome, note }),
            )
            .await
            .map(drop)
        }
        _ => Err(Problem::new(
            StatusCode::NOT_FOUND,
            "store.not_found",
            "no such action",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_times_are_read_in_the_contracts_zone() {
        let jakarta = TimeZone::get("Asia/Jakarta").expect("zone");
        assert_eq!(
            instant_in("2026-05-20T22:00", &jakarta),
            "2026-05-20T15:00:00Z"
        );
        assert_eq!(instant_in(" tomorrow ", &jakarta), "tomorrow");
    }
}
