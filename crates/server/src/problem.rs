//! Errors at the HTTP edge: `application/problem+json` (RFC 9457) with a stable `code`.

use axum::extract::rejection::JsonRejection;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use tenggat_store::StoreError;

/// The media type of every API error.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An API error. Its `code` is stable (clients and translations key on it); `detail` is for
/// people.
#[derive(Debug, Clone)]
pub struct Problem {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable code, e.g. `auth.invalid_token`.
    pub code: &'static str,
    /// One sentence for people.
    pub detail: String,
    /// A `WWW-Authenticate` challenge to send with a 401.
    pub challenge: Option<&'static str>,
    /// Extension members (RFC 9457 §3.2), e.g. `missing` for `ticket.missing_fields`.
    pub extensions: serde_json::Map<String, serde_json::Value>,
}

#[derive(Serialize)]
struct Body<'a> {
    #[serde(rename = "type")]
    kind: String,
    title: &'a str,
    status: u16,
    detail: &'a str,
    code: &'a str,
    #[serde(flatten)]
    extensions: &'a serde_json::Map<String, serde_json::Value>,
}

impl Problem {
    /// A problem with this status, code and detail.
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Problem {
        Problem {
            status,
            code,
            detail: detail.into(),
            challenge: None,
            extensions: serde_json::Map::new(),
        }
    }

    /// Adds an extension member to the body.
    pub fn with(mut self, key: &str, value: impl Into<serde_json::Value>) -> Problem {
        self.extensions.insert(key.to_owned(), value.into());
        self
    }

    /// Adds a `WWW-Authenticate` challenge.
    pub fn with_challenge(mut self, challenge: &'static str) -> Problem {
        self.challenge = Some(challenge);
        self
    }

    /// A 500 that says nothing about the cause to the client; the cause goes to stderr.
    pub fn internal(cause: &dyn std::fmt::Display) -> Problem {
        eprintln!("tenggat-server: internal error: {cause}");
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server.internal",
            "the server failed to answer this request",
        )
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let body = Body {
            kind: format!("urn:tenggat:problem:{}", self.code),
            title: self.status.canonical_reason().unwrap_or("Error"),
            status: self.status.as_u16(),
            detail: &self.detail,
            code: self.code,
            extensions: &self.extensions,
        };
        let json = serde_json::to_string(&body).unwrap_or_else(|_| String::from("{}"));
        let mut response = (self.status, json).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if let Some(challenge) = self.challenge {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(challenge),
            );
        }
        response
    }
}

impl From<StoreError> for Problem {
    fn from(e: StoreError) -> Problem {
        match e {
            StoreError::NotFound(what) => {
                Problem::new(StatusCode::NOT_FOUND, e.code(), format!("{what} not found"))
            }
            StoreError::Conflict(_) => Problem::new(StatusCode::CONFLICT, e.code(), e.to_string()),
            StoreError::Invalid(_) => {
                Problem::new(StatusCode::UNPROCESSABLE_ENTITY, e.code(), e.to_string())
            }
            _ => Problem::internal(&e),
        }
    }
}

impl From<JsonRejection> for Problem {
    fn from(rejection: JsonRejection) -> Problem {
        let status = rejection.status();
        let code = match &rejection {
            JsonRejection::JsonSyntaxError(_) => "request.malformed_json",
            JsonRejection::JsonDataError(_) => "request.invalid_body",
            JsonRejection::MissingJsonContentType(_) => "request.unsupported_media_type",
            _ if status == StatusCode::PAYLOAD_TOO_LARGE => "request.too_large",
            _ => "request.unreadable_body",
        };
        // A syntax error is a 400 whatever the framework's default.
        let status = if code == "request.malformed_json" {
            StatusCode::BAD_REQUEST
        } else {
            status
        };
        Problem::new(status, code, rejection.body_text())
    }
}

/// Middleware: an error response that is neither problem+json nor an HTML page (a 405 from
/// the router, a 413 from the body limit, a form rejection) becomes problem+json, so every
/// API error has the same shape.
pub async fn problem_for_bare_errors(response: Response) -> Response {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if content_type.starts_with(PROBLEM_JSON) || content_type.starts_with("text/html") {
        return response;
    }
    let (code, detail) = match status {
        StatusCode::NOT_FOUND => ("http.not_found", "no such resource"),
        StatusCode::METHOD_NOT_ALLOWED => (
            "http.method_not_allowed",
            "this resource does not accept this method",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => ("request.too_large", "the request body is too large"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            "request.unsupported_media_type",
            "the request body has an unsupported content type",
        ),
        s if s.is_server_error() => ("server.internal", "the server failed to answer"),
        _ => ("request.invalid", "the request could not be read"),
    };
    let mut problem = Problem::new(status, code, detail).into_response();
    // Keep a challenge the original response carried.
    if let Some(challenge) = response.headers().get(header::WWW_AUTHENTICATE) {
        problem
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, challenge.clone());
    }
    problem
}
