//! Attachments of a ticket: upload (multipart), list and download. The bytes live on disk
//! under the data directory ([`crate::attachment_files`]); each upload is also an
//! `attachment` event in the ticket's log.

use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use tenggat_store::{NewAttachment, NewEvent, Store, TicketUpdate, Visibility};
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::{Principal, Scope, roles};
use crate::problem::Problem;
use crate::views::{AttachmentView, ProblemBody};

/// Most files in one upload.
const MAX_FILES_PER_UPLOAD: usize = 10;

/// The multipart form of an upload (for the OpenAPI document).
#[derive(ToSchema)]
#[allow(dead_code)] // read by utoipa only
pub struct UploadForm {
    /// One or more files (part name `file`).
    #[schema(format = Binary, content_media_type = "application/octet-stream")]
    file: Vec<u8>,
}

fn bad_upload(detail: impl Into<String>) -> Problem {
    Problem::new(StatusCode::BAD_REQUEST, "attachment.invalid_upload", detail)
}

/// Upload files to a ticket (`multipart/form-data`, parts named `file`). Each file's type is
/// detected from its content and checked against the declared one; screenshots, videos, PDF,
/// text, CSV, JSON and zip are accepted.
#[utoipa::path(
    post, path = "/api/v1/tickets/{id}/attachments", tag = "attachments",
    params(("id" = i64, Path, description = "Ticket id")),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "Stored", body = Vec<AttachmentView>),
        (status = 400, description = "Not a multipart upload with files", body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "No such ticket for this user", body = ProblemBody, content_type = "application/problem+json"),
        (status = 413, description = "A file is too large", body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "A file type is refused", body = ProblemBody, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn upload(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
    mut multipart: Multipart,
) -> Result<Response, Problem> {
    principal.require(roles::PARTICIPANTS, Scope::TicketsWrite)?;
    let ticket = state.db.get_ticket(id, principal.tenant()).await?;
    let mut saved = Vec::new();
    loop {
        let field = multipart
            .next_field()
            .await
            .map_err(|e| bad_upload(format!("the multipart body cannot be read: {e}")))?;
        let Some(field) = field else { break };
        if field.name() != Some("file") {
            return Err(bad_upload(format!(
                "unexpected part {:?}: send files in parts named \"file\"",
                field.name().unwrap_or("")
            )));
        }
        if saved.len() == MAX_FILES_PER_UPLOAD {
            return Err(bad_upload(format!(
                "at most {MAX_FILES_PER_UPLOAD} files per upload"
            )));
        }
        let file_name = field.file_name().unwrap_or("attachment").to_owned();
        let declared = field.content_type().map(str::to_owned);
        let bytes = field.bytes().await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                Problem::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "attachment.too_large",
                    format!("a file is larger than {} bytes", state.max_attachment_bytes),
                )
            } else {
                bad_upload(format!("a file cannot be read: {e}"))
            }
        })?;
        let file = state
            .files
            .save(
                &bytes,
                declared.as_deref(),
                &file_name,
                state.max_attachment_bytes,
            )
            .await?;
        saved.push(file);
    }
    if saved.is_empty() {
        return Err(bad_upload("the upload has no file part"));
    }
    let now = state.clock.now();
    let mut views = Vec::with_capacity(saved.len());
    for file in saved {
        let stored = state
            .db
            .add_attachment(&NewAttachment {
                ticket_id: ticket.id,
                field: None,
                file_name: file.file_name.clone(),
                content_type: file.content_type.clone(),
                size: file.size,
                sha256: file.sha256.clone(),
                storage_path: file.storage_path.clone(),
                uploaded_by: Some(principal.user.id),
                created_at: now,
            })
            .await?;
        // The log records the upload; attachments do not move clocks, so the cache stays.
        let event = NewEvent {
            at: now,
            event_type: "attachment".into(),
            payload: json!({
                "attachment_id": stored.id,
                "file_name": stored.file_name,
                "content_type": stored.content_type,
                "size": stored.size,
            }),
            actor_id: Some(principal.user.id),
            visibility: Visibility::Public,
        };
        state
            .db
            .append_event(
                ticket.id,
                principal.tenant(),
                &event,
                &TicketUpdate::default(),
            )
            .await?;
        views.push(AttachmentView::new(&stored));
    }
    Ok((StatusCode::CREATED, axum::Json(views)).into_response())
}

/// A ticket's attachments.
#[utoipa::path(
    get, path = "/api/v1/tickets/{id}/attachments", tag = "attachments",
    params(("id" = i64, Path, description = "Ticket id")),
    responses(
        (status = 200, description = "Attachments", body = Vec<AttachmentView>),
        (status = 404, description = "No such ticket for this user", body = ProblemBody, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn list(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
) -> Result<axum::Json<Vec<AttachmentView>>, Problem> {
    principal.require(roles::ANY, Scope::TicketsRead)?;
    state.db.get_ticket(id, principal.tenant()).await?;
    let all = state
        .db
        .attachments_of_ticket(id, principal.tenant())
        .await?;
    Ok(axum::Json(all.iter().map(AttachmentView::new).collect()))
}

/// Download an attachment (always as a download, never rendered inline).
#[utoipa::path(
    get, path = "/api/v1/attachments/{id}", tag = "attachments",
    params(("id" = i64, Path, description = "Attachment id")),
    responses(
        (status = 200, description = "The file", content_type = "application/octet-stream"),
        (status = 404, description = "No such attachment for this user", body = ProblemBody, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn download(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
) -> Result<Response, Problem> {
    principal.require(roles::ANY, Scope::TicketsRead)?;
    let attachment = state.db.get_attachment(id, principal.tenant()).await?;
    let bytes = state.files.read(&attachment.storage_path).await?;
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&attachment.content_type) {
        headers.insert(header::CONTENT_TYPE, v);
    }
    let ascii_name: String = attachment
        .file_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ' ') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{ascii_name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    Ok(response)
}
