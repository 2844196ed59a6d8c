//! What the customer says of the provider's work: whether a workaround removed the business
//! impact (confirmed or rejected, with a reason), and the satisfaction survey after closing.
//!
//! Like requests, these are events in the ticket's append-only log and nothing else:
//!
//! | event | payload | who |
//! |---|---|---|
//! | `workaround_confirmed` | `workaround` (its event's sequence number), `comment`? | the customer |
//! | `workaround_rejected` | `workaround`, `comment` (why it does not help) | the customer |
//! | `survey_answered` | `rating` (1 to 5), `comment`?, `closed` (the closing it answers) | the customer |
//!
//! A rejection is one of the events the SLA fold reads: a clock the workaround met (a
//! workaround clock, or Innovasia's resolution clock) runs again from the rejection, unless a
//! permanent fix has met it since; the time the customer took to try the workaround is not
//! counted. So a rejection is only taken while the ticket is open (a resolved ticket is
//! reopened instead). A rejection is told to the team working the ticket; so is a survey rated
//! 1 or 2, and to the escalation managers.

use axum::extract::{Path, State};
use serde::Deserialize;
use serde_json::{Value, json};
use tenggat_store::{StoredEvent, TicketStatus};
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::{Principal, roles};
use crate::extract::ApiJson;
use crate::problem::Problem;
use crate::tickets::{self, Change, check_text, conflict, invalid};
use crate::views::{ProblemBody, TicketView};

/// The customer confirms a workaround.
pub(crate) const WORKAROUND_CONFIRMED: &str = "workaround_confirmed";
/// The customer rejects a workaround.
pub(crate) const WORKAROUND_REJECTED: &str = "workaround_rejected";
/// The customer answered the satisfaction survey.
pub(crate) const SURVEY_ANSWERED: &str = "survey_answered";
/// Longest comment.
const MAX_COMMENT_CHARS: usize = 10_000;

/// Body of `POST /api/v1/tickets/{id}/workaround-feedback`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkaroundFeedbackBody {
    /// Whether the workaround removes the business impact.
    pub accepted: bool,
    /// Why not (required when rejecting), or a remark; up to 10,000 characters.
    pub comment: Option<String>,
}

/// Body of `POST /api/v1/tickets/{id}/survey`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SurveyBody {
    /// 1 (very dissatisfied) to 5 (very satisfied).
    pub rating: u8,
    /// A remark, up to 10,000 characters.
    pub comment: Option<String>,
}

/// The latest workaround of a log, and whether the customer has answered it (and how).
pub(crate) fn latest_workaround(events: &[StoredEvent]) -> Option<(&StoredEvent, Option<bool>)> {
    let workaround = events.iter().rev().find(|e| e.event_type == "workaround")?;
    let answer = events
        .iter()
        .filter(|e| e.payload.get("workaround").and_then(Value::as_i64) == Some(workaround.seq))
        .find_map(|e| match e.event_type.as_str() {
            WORKAROUND_CONFIRMED => Some(true),
            WORKAROUND_REJECTED => Some(false),
            _ => None,
        });
    Some((workaround, answer))
}

/// The survey answer given since the ticket was last closed, if any.
pub(crate) fn survey_since_close(events: &[StoredEvent]) -> Option<&StoredEvent> {
    let closed = events.iter().rev().find(|e| e.event_type == "closed")?;
    events
        .iter()
        .find(|e| e.event_type == SURVEY_ANSWERED && e.seq > closed.seq)
}

fn comment_of(comment: &Option<String>) -> Result<Option<String>, Problem> {
    match comment.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => {
            check_text("comment", text, 1, MAX_COMMENT_CHARS)?;
            Ok(Some(text.to_owned()))
        }
    }
}

/// Confirm or reject the latest workaround (the customer).
///
/// A rejection needs a comment saying why the workaround does not remove the business
/// impact; the clocks the workaround met run again from it, and the team working the ticket
/// is told. A ticket is rejected only while open (a resolved one is reopened instead). Each
/// workaround is answered once.
#[utoipa::path(
    post, path = "/api/v1/tickets/{id}/workaround-feedback", tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id")),
    request_body = WorkaroundFeedbackBody,
    responses(
        (status = 200, description = "The ticket after the answer", body = TicketView),
        (status = 403, description = "Only the customer answers", body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "No such ticket for this user", body = ProblemBody, content_type = "application/problem+json"),
        (status = 409, description = "Closed (or, to reject, not open), no workaround, or answered already", body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "A rejection without a comment", body = ProblemBody, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn workaround_feedback(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<WorkaroundFeedbackBody>,
) -> Result<axum::Json<TicketView>, Problem> {
    let comment = comment_of(&body.comment)?;
    if !body.accepted && comment.is_none() {
        return Err(invalid(
            "workaround.comment_required",
            "say why the workaround does not remove the business impact (comment)",
        )
        .with("field", "comment"));
    }
    tickets::apply(
        &state,
        &principal,
        id,
        roles::CUSTOMERS,
        |ticket, _, events| {
            if ticket.status == TicketStatus::Closed {
                return Err(conflict(
                    "workaround.ticket_closed",
                    format!("ticket {} is closed", ticket.display_number()),
                ));
            }
            if !body.accepted && !ticket.is_open() {
                return Err(conflict(
                    "workaround.ticket_resolved",
                    format!(
                        "ticket {} is resolved: reopen it if the problem is still there",
                        ticket.display_number()
                    ),
                ));
            }
            let Some((workaround, answer)) = latest_workaround(events) else {
                return Err(conflict(
                    "workaround.none",
                    format!(
                        "ticket {} has no workaround to answer",
                        ticket.display_number()
                    ),
                ));
            };
            if let Some(accepted) = answer {
                return Err(conflict(
                    "workaround.answered",
                    format!(
                        "the workaround of ticket {} was {} already",
                        ticket.display_number(),
                        if accepted { "confirmed" } else { "rejected" }
                    ),
                ));
            }
            let mut payload = json!({ "workaround": workaround.seq });
            if let Some(c) = &comment {
                payload["comment"] = Value::String(c.clone());
            }
            Ok(Change::new(
                if body.accepted {
                    WORKAROUND_CONFIRMED
                } else {
                    WORKAROUND_REJECTED
                },
                payload,
            ))
        },
    )
    .await
}

/// Answer the satisfaction survey of a closed ticket (the customer), once per closing.
#[utoipa::path(
    post, path = "/api/v1/tickets/{id}/survey", tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id")),
    request_body = SurveyBody,
    responses(
        (status = 200, description = "The ticket after the answer", body = TicketView),
        (status = 403, description = "Only the customer answers", body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "No such ticket for this user", body = ProblemBody, content_type = "application/problem+json"),
        (status = 409, description = "Not closed, or answered already", body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "Rating outside 1 to 5", body = ProblemBody, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn answer_survey(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<SurveyBody>,
) -> Result<axum::Json<TicketView>, Problem> {
    if !(1..=5).contains(&body.rating) {
        return Err(invalid(
            "survey.invalid_rating",
            format!(
                "rating {}: use 1 (very dissatisfied) to 5 (very satisfied)",
                body.rating
            ),
        )
        .with("field", "rating"));
    }
    let comment = comment_of(&body.comment)?;
    tickets::apply(
        &state,
        &principal,
        id,
        roles::CUSTOMERS,
        |ticket, _, events| {
            if ticket.status != TicketStatus::Closed {
                return Err(conflict(
                    "survey.not_closed",
                    format!(
                        "ticket {} is not closed: the survey comes after closing",
                        ticket.display_number()
                    ),
                ));
            }
            if survey_since_close(events).is_some() {
                return Err(conflict(
                    "survey.answered",
                    format!(
                        "the survey of ticket {} was answered already",
                        ticket.display_number()
                    ),
                ));
            }
            let closed = events
                .iter()
                .rev()
                .find(|e| e.event_type == "closed")
                .map(|e| e.seq);
            let mut payload = json!({ "rating": body.rating, "closed": closed });
            if let Some(c) = &comment {
                payload["comment"] = Value::String(c.clone());
            }
            Ok(Change::new(SURVEY_ANSWERED, payload))
        },
    )
    .await
}

#[cfg(test)]
mod tests {
    use jiff::Timestamp;
    use tenggat_store::Visibility;

    use super::*;

    fn event(seq: i64, ty: &str, payload: Value) -> StoredEvent {
        StoredEvent {
            id: seq,
            ticket_id: 1,
            seq,
            at: Timestamp::UNIX_EPOCH,
            event_type: ty.to_owned(),
            payload,
            actor_id: None,
            visibility: Visibility::Public,
        }
    }

    #[test]
    fn the_latest_workaround_and_its_answer() {
        let mut log = vec![event(1, "created", json!({"priority": "P2"}))];
        assert!(latest_workaround(&log).is_none());
        log.push(event(2, "workaround", json!({})));
        assert_eq!(
            latest_workaround(&log).map(|(w, a)| (w.seq, a)),
            Some((2, None))
        );
        log.push(event(3, WORKAROUND_REJECTED, json!({"workaround": 2})));
        assert_eq!(
            latest_workaround(&log).map(|(w, a)| (w.seq, a)),
            Some((2, Some(false)))
        );
        // A new workaround awaits its own answer.
        log.push(event(4, "workaround", json!({})));
        assert_eq!(
            latest_workaround(&log).map(|(w, a)| (w.seq, a)),
            Some((4, None))
        );
        log.push(event(5, WORKAROUND_CONFIRMED, json!({"workaround": 4})));
        assert_eq!(
            latest_workaround(&log).map(|(w, a)| (w.seq, a)),
            Some((4, Some(true)))
        );
    }

    #[test]
    fn one_survey_per_closing() {
        let mut log = vec![
            event(1, "created", json!({"priority": "P2"})),
            event(2, "closed", json!({})),
        ];
        assert!(survey_since_close(&log).is_none());
        log.push(event(3, SURVEY_ANSWERED, json!({"rating": 4})));
        assert_eq!(survey_since_close(&log).map(|e| e.seq), Some(3));
        log.push(event(4, "reopened", json!({})));
        log.push(event(5, "closed", json!({})));
        assert!(
            survey_since_close(&log).is_none(),
            "a new closing, a new survey"
        );
    }
}
