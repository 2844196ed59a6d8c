//! `Idempotency-Key` on `POST`: a retried request (same credential, same key, same method,
//! path and body) gets the first answer again instead of doing the work twice; the same key
//! with a different request is refused.
//!
//! Keys are per credential (the hash of the `Authorization` header or session cookie), so two
//! clients can never collide or read each other's answers. Answers are kept for
//! [`KEY_LIFETIME`]; 5xx answers and refusals that do not depend on the request (401, 403,
//! 429) are not kept, so a retry after them is a fresh attempt.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use jiff::SignedDuration;
use sha2::{Digest, Sha256};
use tenggat_store::{IdempotencyClaim, Store, StoreError};

use crate::AppState;
use crate::auth::SESSION_COOKIE;
use crate::extract::MAX_UPLOAD_JSON_BYTES;
use crate::problem::{PROBLEM_JSON, Problem};

/// The request header.
pub const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");

/// Set on a replayed answer.
pub const IDEMPOTENT_REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

/// How long answers are kept for replay.
pub const KEY_LIFETIME: SignedDuration = SignedDuration::from_hours(24);

/// Longest key accepted.
const MAX_KEY_CHARS: usize = 255;

fn bad_key(detail: &str) -> Response {
    Problem::new(StatusCode::BAD_REQUEST, "idempotency.invalid_key", detail).into_response()
}

fn credential(request: &Request) -> Option<String> {
    if let Some(auth) = request.headers().get(header::AUTHORIZATION) {
        return Some(tenggat_store::token_hash(&String::from_utf8_lossy(
            auth.as_bytes(),
        )));
    }
    request
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == SESSION_COOKIE)
        .map(|(_, v)| tenggat_store::token_hash(v))
}

fn keeps(status: StatusCode) -> bool {
    !(status.is_server_error()
        || matches!(
            status,
            StatusCode::UNAUTHORIZED
                | StatusCode::FORBIDDEN
                | StatusCode::TOO_MANY_REQUESTS
                | StatusCode::CONFLICT
        ))
}

/// Middleware: honours `Idempotency-Key` on `POST` requests that carry a credential.
pub async fn idempotency(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if request.method() != Method::POST {
        return next.run(request).await;
    }
    let Some(key) = request.headers().get(&IDEMPOTENCY_KEY) else {
        return next.run(request).await;
    };
    let Ok(key) = key.to_str().map(str::to_owned) else {
        return bad_key("the Idempotency-Key must be visible ASCII");
    };
    if key.is_empty() || key.chars().count() > MAX_KEY_CHARS {
        return bad_key("the Idempotency-Key must have 1 to 255 characters");
    }
    let Some(principal) = credential(&request) else {
        // Without a credential the request is refused anyway; nothing to remember.
        return next.run(request).await;
    };
    let (parts, body) = request.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_UPLOAD_JSON_BYTES).await {
        Ok(bytes) => bytes,
        Err(_) => {
            return Problem::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "request.too_large",
                format!("the request body is larger than {MAX_UPLOAD_JSON_BYTES} bytes"),
            )
            .into_response();
        }
    };
    let mut hasher = Sha256::new();
    hasher.update(parts.method.as_str().as_bytes());
    hasher.update([0]);
    hasher.update(parts.uri.to_string().as_bytes());
    hasher.update([0]);
    hasher.update(&bytes);
    let request_hash: String = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let now = state.clock.now();
    match state
        .db
        .claim_idempotency(&principal, &key, &request_hash, now)
        .await
    {
        Ok(IdempotencyClaim::New) => {}
        Ok(IdempotencyClaim::InProgress) => {
            return Problem::new(
                StatusCode::CONFLICT,
                "idempotency.in_progress",
                "a request with this Idempotency-Key is still being processed; retry later",
            )
            .into_response();
        }
        Ok(IdempotencyClaim::Replay { status, body }) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            let content_type = if status.is_success() {
                "application/json"
            } else {
                PROBLEM_JSON
            };
            let mut response = (status, body).into_response();
            response
                .headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
            response
                .headers_mut()
                .insert(IDEMPOTENT_REPLAYED, HeaderValue::from_static("true"));
            return response;
        }
        Err(StoreError::Conflict(_)) => {
            return Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency.key_reused",
                "this Idempotency-Key was used for a different request; use a new key",
            )
            .into_response();
        }
        Err(e) => return Problem::from(e).into_response(),
    }
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    let status = response.status();
    if !keeps(status) {
        if let Err(e) = state.db.release_idempotency(&principal, &key).await {
            eprintln!("tenggat-server: cannot release an idempotency key: {e}");
        }
        return response;
    }
    let (parts, body) = response.into_parts();
    let bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(bytes) => bytes,
        Err(e) => {
            let _ = state.db.release_idempotency(&principal, &key).await;
            return Problem::internal(&e).into_response();
        }
    };
    let text = String::from_utf8_lossy(&bytes).into_owned();
    if let Err(e) = state
        .db
        .complete_idempotency(&principal, &key, status.as_u16(), &text)
        .await
    {
        eprintln!("tenggat-server: cannot record an idempotent answer: {e}");
    }
    Response::from_parts(parts, Body::from(bytes))
}
