//! What people do to a ticket from its page: one form per action, each posted to
//! `/tickets/{id}/do/{action}` and carried out by the REST API's own handler with the viewer as
//! the principal (so the roles, transitions and validation are the API's). The page is shown
//! again with what was done, or the error page says why not.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{PortalError, Viewer};
use crate::AppState;
use crate::extract::{ApiJson, MaybeJson};
use crate::problem::Problem;
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
    Ok(Redirect::to(&format!("/tickets/{id}?done={action}")).into_response())
}
