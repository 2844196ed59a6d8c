//! What people do to a ticket from its page: one form per action, each posted to
//! `/tickets/{id}/do/{action}` and carried out by the REST API's own handler with the viewer as
//! the principal (so the roles, transitions and validation are the API's). The page is shown
//! again with what was done, or the error page says why not.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jiff::civil::DateTime;
use serde::Deserialize;
use tenggat_store::Store;

use super::view::policy_zone;
use super::{PortalError, Viewer};
use crate::AppState;
use crate::extract::{ApiJson, MaybeJson};
use crate::feedback::{self, SurveyBody, WorkaroundFeedbackBody};
use crate::problem::Problem;
use crate::requests::{self, DecisionBody, EscalationRequestBody};
use crate::tasks::{self, ActionPlanBody, ActionPlanStep, RcaRequestBody};
use crate::tickets;
use crate::views::{ActionBody, AssignBody, MessageBody, PriorityChangeBody, StatusChange};

/// The actions a ticket page offers, by the name in their path.
pub const ACTIONS: &[&str] = &[
    "acknowledge",
    "assign-me",
    "status",
    "workaround",
    "resolve",
    "close",
    "reopen",
    "priority",
    "note",
    "reply",
    "assign",
    "escalate",
    "decide-escalation",
    "rca",
    "action-plan",
    "workaround-feedback",
    "survey",
];

/// An action's form: its CSRF token and whatever fields the action reads.
#[derive(Debug, Deserialize)]
pub struct ActionForm {
    csrf: String,
    /// A reply, a note, or a comment recorded with the action.
    #[serde(default)]
    body: String,
    /// The status to set (`status`).
    #[serde(default)]
    status: String,
    /// The new priority (`priority`).
    #[serde(default)]
    to: String,
    /// Why the priority changes (`priority`).
    #[serde(default)]
    reason: String,
    /// The basis of a priority change (`priority`).
    #[serde(default)]
    basis: String,
    /// The person to assign (`assign`), a user id.
    #[serde(default)]
    assignee: String,
    /// The escalation request decided (`decide-escalation`).
    #[serde(default)]
    request: i64,
    /// `accept` or `decline` (`decide-escalation`).
    #[serde(default)]
    decision: String,
    /// A survey's rating, 1 to 5 (`survey`).
    #[serde(default)]
    rating: String,
    /// The plan in writing (`action-plan`).
    #[serde(default)]
    summary: String,
    /// Its steps and their due dates in the ticket's zone (`action-plan`).
    #[serde(default)]
    step1: String,
    #[serde(default)]
    due1: String,
    #[serde(default)]
    step2: String,
    #[serde(default)]
    due2: String,
    #[serde(default)]
    step3: String,
    #[serde(default)]
    due3: String,
    /// `escalations` to come back to the escalation board rather than the ticket.
    #[serde(default)]
    back: String,
}

impl ActionForm {
    /// The plan's steps that were filled in, as (title, local date and time).
    fn steps(&self) -> Vec<(&str, &str)> {
        [
            (&self.step1, &self.due1),
            (&self.step2, &self.due2),
            (&self.step3, &self.due3),
        ]
        .into_iter()
        .map(|(s, d)| (s.trim(), d.trim()))
        .filter(|(s, d)| !(s.is_empty() && d.is_empty()))
        .collect()
    }
}

/// The steps of an action plan with their due instants, read in the ticket's zone; a step
/// without a valid date and time keeps the text so that the API names it.
async fn plan_steps(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    form: &ActionForm,
) -> Result<Vec<ActionPlanStep>, Problem> {
    let ticket = state.db.get_ticket(id, viewer.principal.tenant()).await?;
    let contract = state.db.get_contract(ticket.contract_id, None).await?;
    let policy = state.policies.for_contract(&state.db, &contract).await?;
    let zone = policy_zone(&policy);
    Ok(form
        .steps()
        .into_iter()
        .map(|(title, due)| {
            let instant = due
                .parse::<DateTime>()
                .ok()
                .and_then(|civil| civil.to_zoned(zone.clone()).ok())
                .map_or_else(|| due.to_owned(), |z| z.timestamp().to_string());
            ActionPlanStep {
                title: title.to_owned(),
                due: instant,
            }
        })
        .collect())
}

fn comment(text: &str) -> Option<ActionBody> {
    let text = text.trim();
    (!text.is_empty()).then(|| ActionBody {
        comment: Some(text.to_owned()),
    })
}

/// `POST /tickets/{id}/do/{action}`.
pub async fn act(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, action)): Path<(i64, String)>,
    Form(form): Form<ActionForm>,
) -> Result<Response, PortalError> {
    viewer.check_csrf(&form.csrf)?;
    let lang = viewer.lang();
    let me = viewer.principal.user.id;
    let steps = if action == "action-plan" {
        plan_steps(&state, &viewer, id, &form)
            .await
            .map_err(|p| PortalError::from_problem(lang, p))?
    } else {
        Vec::new()
    };
    let principal = viewer.principal;
    let s = State(state);
    let result: Result<(), Problem> = match action.as_str() {
        "acknowledge" => {
            tickets::acknowledge(s, principal, Path(id), MaybeJson(comment(&form.body)))
                .await
                .map(drop)
        }
        "workaround" => tickets::workaround(s, principal, Path(id), MaybeJson(comment(&form.body)))
            .await
            .map(drop),
        "resolve" => tickets::resolve(s, principal, Path(id), MaybeJson(comment(&form.body)))
            .await
            .map(drop),
        "close" => tickets::close(s, principal, Path(id), MaybeJson(comment(&form.body)))
            .await
            .map(drop),
        "reopen" => tickets::reopen(s, principal, Path(id), MaybeJson(comment(&form.body)))
            .await
            .map(drop),
        "assign-me" => tickets::assign(
            s,
            principal,
            Path(id),
            ApiJson(AssignBody {
                assignee_id: Some(me),
                team: None,
            }),
        )
        .await
        .map(drop),
        "status" => tickets::set_status(
            s,
            principal,
            Path(id),
            ApiJson(StatusChange {
                status: form.status.clone(),
                comment: comment(&form.body).and_then(|c| c.comment),
            }),
        )
        .await
        .map(drop),
        "priority" => tickets::set_priority(
            s,
            principal,
            Path(id),
            ApiJson(PriorityChangeBody {
                to: form.to.clone(),
                reason: form.reason.clone(),
                basis: Some(form.basis.clone()).filter(|b| !b.is_empty()),
            }),
        )
        .await
        .map(drop),
        "assign" => {
            let Ok(assignee) = form.assignee.parse::<i64>() else {
                return Err(PortalError::new(
                    lang,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "error-choose-person",
                ));
            };
            tickets::assign(
                s,
                principal,
                Path(id),
                ApiJson(AssignBody {
                    assignee_id: Some(assignee),
                    team: None,
                }),
            )
            .await
            .map(drop)
        }
        "escalate" => requests::request_escalation(
            s,
            principal,
            Path(id),
            ApiJson(EscalationRequestBody {
                reason: form.reason.clone(),
                justification: form.body.trim().to_owned(),
                level: None,
            }),
        )
        .await
        .map(drop),
        "decide-escalation" => requests::decide_escalation(
            s,
            principal,
            Path((id, form.request)),
            ApiJson(DecisionBody {
                accept: form.decision == "accept",
                reason: form.reason.trim().to_owned(),
            }),
        )
        .await
        .map(drop),
        "rca" => tasks::request_rca(
            s,
            principal,
            Path(id),
            MaybeJson(Some(RcaRequestBody {
                comment: comment(&form.body).and_then(|c| c.comment),
            })),
        )
        .await
        .map(drop),
        "action-plan" => tasks::publish_action_plan(
            s,
            principal,
            Path(id),
            ApiJson(ActionPlanBody {
                summary: form.summary.trim().to_owned(),
                steps,
            }),
        )
        .await
        .map(drop),
        "workaround-feedback" => feedback::workaround_feedback(
            s,
            principal,
            Path(id),
            ApiJson(WorkaroundFeedbackBody {
                accepted: form.decision == "accept",
                comment: comment(&form.body).and_then(|c| c.comment),
            }),
        )
        .await
        .map(drop),
        "survey" => {
            let Ok(rating) = form.rating.parse::<u8>() else {
                return Err(PortalError::new(
                    lang,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "error-choose-rating",
                ));
            };
            feedback::answer_survey(
                s,
                principal,
                Path(id),
                ApiJson(SurveyBody {
                    rating,
                    comment: comment(&form.body).and_then(|c| c.comment),
                }),
            )
            .await
            .map(drop)
        }
        "note" | "reply" => {
            if form.body.trim().is_empty() {
                return Err(PortalError::new(
                    lang,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "error-empty-text",
                ));
            }
            let body = ApiJson(MessageBody {
                body: form.body.clone(),
            });
            if action == "note" {
                tickets::note(s, principal, Path(id), body).await.map(drop)
            } else {
                tickets::reply(s, principal, Path(id), body).await.map(drop)
            }
        }
        _ => {
            return Err(PortalError::new(
                lang,
                StatusCode::NOT_FOUND,
                "error-not-found",
            ));
        }
    };
    result.map_err(|p| PortalError::from_problem(lang, p))?;
    if form.back == "escalations" {
        return Ok(Redirect::to(&format!("/escalations?done={action}")).into_response());
    }
    Ok(Redirect::to(&format!("/tickets/{id}?done={action}")).into_response())
}
