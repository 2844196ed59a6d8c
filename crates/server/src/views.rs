//! The JSON the API answers with, and the request bodies it reads, with their OpenAPI
//! schemas.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tenggat_store::{Attachment, StoredEvent, Ticket};
use utoipa::ToSchema;

/// An instant as the API writes it: RFC 3339 in UTC.
pub fn ts(t: Timestamp) -> String {
    t.to_string()
}

/// The problem+json body of every error (RFC 9457).
#[derive(Serialize, ToSchema)]
pub struct ProblemBody {
    /// `urn:tenggat:problem:<code>`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The HTTP status text.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// One sentence for people.
    pub detail: String,
    /// Stable code, e.g. `ticket.missing_fields`.
    pub code: String,
}

/// A ticket with its SLA.
#[derive(Serialize, ToSchema)]
pub struct TicketView {
    /// Id.
    pub id: i64,
    /// Number as shown to people, `T-42`.
    pub number: String,
    /// Contract.
    pub contract_id: i64,
    /// Customer organisation.
    pub customer_org_id: i64,
    /// Kind id of the policy.
    pub kind: String,
    /// Priority id of the policy.
    pub priority: String,
    /// Channel id.
    pub channel: Option<String>,
    /// Attributes that select targets (`product`).
    #[schema(value_type = Object)]
    pub attributes: Value,
    /// Reporter (user id).
    pub reporter_id: Option<i64>,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// The policy's mandatory fields.
    #[schema(value_type = Object)]
    pub fields: Value,
    /// When the customer first observed the problem (UTC).
    pub observed_at: Option<String>,
    /// The reporter's time zone for `observed_at`.
    pub observed_tz: Option<String>,
    /// Status.
    pub status: String,
    /// Open (in the queue) or not.
    pub open: bool,
    /// Assigned agent.
    pub assignee_id: Option<i64>,
    /// The team of the last assignment (single-ticket answers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    /// Created (UTC).
    pub created_at: String,
    /// Last change (UTC).
    pub updated_at: String,
    /// Sequence number of the last event.
    pub last_seq: i64,
    /// The earliest pending due instant (or breach instant of an unmet breached clock).
    pub next_due: Option<String>,
    /// The SLA clocks, computed by the fold from the event log at `sla_at`: the same object as
    /// `tenggat sla evaluate --json`.
    #[schema(value_type = Object)]
    pub sla: Value,
    /// The instant the SLA was computed for.
    pub sla_at: String,
    /// Attachments (only in single-ticket answers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attachments: Option<Vec<AttachmentView>>,
    /// The escalation level now: the highest of the fold's, the scheduler's `escalated`
    /// events and accepted escalation requests (single-ticket answers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub escalation_level: Option<u8>,
    /// How many of the ticket's tasks are open or overdue (single-ticket answers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub open_tasks: Option<usize>,
}

impl TicketView {
    /// A view of a ticket with an SLA computed at `sla_at`.
    pub fn new(
        ticket: &Ticket,
        sla: Value,
        next_due: Option<Timestamp>,
        sla_at: Timestamp,
    ) -> Self {
        TicketView {
            id: ticket.id,
            number: ticket.display_number(),
            contract_id: ticket.contract_id,
            customer_org_id: ticket.customer_org_id,
            kind: ticket.kind.clone(),
            priority: ticket.priority.clone(),
            channel: ticket.channel.clone(),
            attributes: ticket.attributes.clone(),
            reporter_id: ticket.reporter_id,
            title: ticket.title.clone(),
            description: ticket.description.clone(),
            fields: ticket.fields.clone(),
            observed_at: ticket.observed_at.map(ts),
            observed_tz: ticket.observed_tz.clone(),
            status: ticket.status.as_str().to_owned(),
            open: ticket.is_open(),
            assignee_id: ticket.assignee_id,
            team: None,
            created_at: ts(ticket.created_at),
            updated_at: ts(ticket.updated_at),
            last_seq: ticket.last_seq,
            next_due: next_due.map(ts),
            sla,
            sla_at: ts(sla_at),
            attachments: None,
            escalation_level: None,
            open_tasks: None,
        }
    }
}

/// A page of the queue.
#[derive(Serialize, ToSchema)]
pub struct TicketPageView {
    /// Tickets sorted by next due instant (none last), then id.
    pub tickets: Vec<TicketView>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// An event of a ticket's log.
#[derive(Serialize, ToSchema)]
pub struct EventView {
    /// Sequence number, 1 = `created`.
    pub seq: i64,
    /// When (UTC).
    pub at: String,
    /// Type (`created`, `acknowledged`, `paused`, `reply`, `note`, …).
    #[serde(rename = "type")]
    pub event_type: String,
    /// The event's fields.
    #[schema(value_type = Object)]
    pub payload: Value,
    /// Who (user id).
    pub actor_id: Option<i64>,
    /// `public` or `internal`.
    pub visibility: String,
}

impl From<&StoredEvent> for EventView {
    fn from(e: &StoredEvent) -> Self {
        EventView {
            seq: e.seq,
            at: ts(e.at),
            event_type: e.event_type.clone(),
            payload: e.payload.clone(),
            actor_id: e.actor_id,
            visibility: e.visibility.as_str().to_owned(),
        }
    }
}

/// Attachment metadata.
#[derive(Serialize, ToSchema)]
pub struct AttachmentView {
    /// Id (download at `/api/v1/attachments/{id}`).
    pub id: i64,
    /// Ticket.
    pub ticket_id: i64,
    /// File name.
    pub file_name: String,
    /// Content type (checked against the content).
    pub content_type: String,
    /// Size in bytes.
    pub size: i64,
    /// Hex SHA-256.
    pub sha256: String,
    /// The report field it belongs to, if any.
    pub field: Option<String>,
    /// Uploaded by.
    pub uploaded_by: Option<i64>,
    /// Uploaded (UTC).
    pub created_at: String,
}

impl AttachmentView {
    /// The view of a stored attachment.
    pub fn new(a: &Attachment) -> Self {
        AttachmentView {
            id: a.id,
            ticket_id: a.ticket_id,
            file_name: a.file_name.clone(),
            content_type: a.content_type.clone(),
            size: a.size,
            sha256: a.sha256.clone(),
            field: a.field.clone(),
            uploaded_by: a.uploaded_by,
            created_at: ts(a.created_at),
        }
    }
}

/// A file sent inline (base64) with a report.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InlineFile {
    /// The report field it satisfies (an `attachment` field of the policy), if any.
    pub field: Option<String>,
    /// File name.
    pub file_name: String,
    /// Declared content type; checked against the content.
    pub content_type: Option<String>,
    /// The bytes, base64 (standard alphabet, padded).
    pub content_base64: String,
}

/// Body of `POST /api/v1/tickets`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTicket {
    /// Contract; may be left out by a customer with exactly one contract.
    pub contract_id: Option<i64>,
    /// Kind id of the contract's policy (default: its first kind).
    pub kind: Option<String>,
    /// Priority id of the contract's policy.
    pub priority: String,
    /// Channel id of the policy (`portal`, `phone`, …).
    pub channel: Option<String>,
    /// Title, 1–200 characters.
    pub title: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// Attribute values (`{"product": "azure"}`).
    #[serde(default)]
    #[schema(value_type = Object)]
    pub attributes: std::collections::BTreeMap<String, String>,
    /// The policy's mandatory fields by id.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub fields: serde_json::Map<String, Value>,
    /// When the problem was first observed, with offset (RFC 3339 or RFC 9557).
    pub observed_at: Option<String>,
    /// The reporter's IANA time zone (`Asia/Jakarta`).
    pub observed_tz: Option<String>,
    /// Staff filing for a customer: the reporting user of the customer organisation.
    pub reporter_id: Option<i64>,
    /// Files (screenshots, videos), inline.
    #[serde(default)]
    pub attachments: Vec<InlineFile>,
}

/// Body of replies and notes.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MessageBody {
    /// The text, 1–100,000 characters.
    pub body: String,
}

/// Body of acknowledge, workaround, resolve, reopen, close, on-site: an optional comment.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct ActionBody {
    /// A comment recorded with the event (public).
    pub comment: Option<String>,
}

/// Body of `POST /api/v1/tickets/{id}/status`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusChange {
    /// `acknowledged`, `in_progress`, or a pause status: `waiting_on_customer`,
    /// `awaiting_permit`, `maintenance`.
    pub status: String,
    /// Why (shown to the customer).
    pub comment: Option<String>,
}

/// Body of `POST /api/v1/tickets/{id}/priority`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PriorityChangeBody {
    /// The new priority id of the policy.
    pub to: String,
    /// Why (required).
    pub reason: String,
    /// Why, in a word: `misclassified`, `customer_request`, `customer_resources_unavailable`
    /// (a downgrade only: the customer cannot provide the resources it must) or `other`.
    pub basis: Option<String>,
}

/// Body of `POST /api/v1/tickets/{id}/assign`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignBody {
    /// The agent (a user of the provider who works tickets); null unassigns.
    pub assignee_id: Option<i64>,
    /// A team name, recorded with the assignment.
    pub team: Option<String>,
}
