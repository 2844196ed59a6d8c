//! Request extractors whose rejections are problem+json: JSON bodies with a size limit per
//! route, and query strings.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;

use crate::problem::Problem;

/// Largest JSON body accepted by most routes.
pub const MAX_JSON_BYTES: usize = 1024 * 1024;

/// Largest JSON body of the routes that carry files inline (base64): a report with its
/// screenshots.
pub const MAX_UPLOAD_JSON_BYTES: usize = 36 * 1024 * 1024;

/// A JSON body of at most `LIMIT` bytes. Rejections: 415 without a JSON content type, 413
/// when too large, 400 `request.malformed_json` for broken JSON, 422 `request.invalid_body`
/// for JSON of the wrong shape (naming the field).
pub struct ApiJson<T, const LIMIT: usize = MAX_JSON_BYTES>(pub T);

fn too_large(limit: usize) -> Problem {
    Problem::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "request.too_large",
        format!("the request body is larger than {limit} bytes"),
    )
    .with("limit_bytes", limit)
}

impl<S, T, const LIMIT: usize> FromRequest<S> for ApiJson<T, LIMIT>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Problem;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Problem> {
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let essence = content_type
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if essence != "application/json" && !essence.ends_with("+json") {
            return Err(Problem::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "request.unsupported_media_type",
                "send the body as JSON with Content-Type: application/json",
            ));
        }
        if let Some(length) = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok())
            && length > LIMIT
        {
            return Err(too_large(LIMIT));
        }
        let bytes = axum::body::to_bytes(req.into_body(), LIMIT)
            .await
            .map_err(|_| too_large(LIMIT))?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// Parses JSON into `T` with problem+json errors (400 for syntax, 422 for shape).
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Problem> {
    let malformed = |e: &dyn std::fmt::Display| {
        Problem::new(
            StatusCode::BAD_REQUEST,
            "request.malformed_json",
            format!("the body is not valid JSON: {e}"),
        )
    };
    // Syntax first, so that broken JSON is always a 400 whatever its shape.
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| malformed(&e))?;
    if let Some(path) = nul_path(&value) {
        let at = if path == "." {
            String::new()
        } else {
            format!(" at {path}")
        };
        return Err(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "request.invalid_body",
            format!("the body holds a NUL character (\\u0000){at}: text cannot contain it"),
        )
        .with("field", path));
    }
    serde_path_to_error::deserialize::<_, T>(value).map_err(|err| {
        let path = err.path().to_string();
        let at = if path == "." || path.is_empty() {
            String::new()
        } else {
            format!(" at {path}")
        };
        Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "request.invalid_body",
            format!(
                "the body does not have the expected shape{at}: {}",
                err.inner()
            ),
        )
        .with("field", path)
    })
}

/// Where `value` holds a NUL character (U+0000) in a string or an object key: `.` for the
/// value itself, else a path like `fields.contact[0].name`. No text in Tenggat may contain one
/// (PostgreSQL cannot store it in `text` or `jsonb`), so requests with one are refused up front
/// on every backend alike.
fn nul_path(value: &serde_json::Value) -> Option<String> {
    use serde_json::Value;
    fn join(head: String, rest: String) -> String {
        match rest.as_str() {
            "." => head,
            r if r.starts_with('[') => head + r,
            r => format!("{head}.{r}"),
        }
    }
    match value {
        Value::String(text) => text.contains('\0').then(|| ".".to_owned()),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| nul_path(item).map(|rest| join(format!("[{i}]"), rest))),
        Value::Object(map) => map.iter().find_map(|(key, item)| {
            if key.contains('\0') {
                Some(key.replace('\0', "\\u0000"))
            } else {
                nul_path(item).map(|rest| join(key.clone(), rest))
            }
        }),
        _ => None,
    }
}

/// An optional JSON body: none (no body at all) is `None`; a body must be valid JSON of `T`.
pub struct MaybeJson<T>(pub Option<T>);

impl<S, T> FromRequest<S> for MaybeJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Problem;

    async fn from_request(req: Request, state: &S) -> Result<Self, Problem> {
        let has_body = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .is_none_or(|v| v.trim() != "0")
            && (req.headers().contains_key(header::CONTENT_TYPE)
                || req.headers().contains_key(header::CONTENT_LENGTH)
                || req.headers().contains_key(header::TRANSFER_ENCODING));
        if !has_body {
            return Ok(MaybeJson(None));
        }
        let ApiJson(value) = ApiJson::<T>::from_request(req, state).await?;
        Ok(MaybeJson(Some(value)))
    }
}

/// A query string parsed into `T`; a bad one is 400 `request.invalid_query`.
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Problem> {
        let query = parts.uri.query().unwrap_or("");
        // `%00`: no text in Tenggat may contain NUL (see `nul_path`).
        let has_nul =
            serde_urlencoded::from_str::<Vec<(String, String)>>(query).is_ok_and(|pairs| {
                pairs
                    .iter()
                    .any(|(k, v)| k.contains('\0') || v.contains('\0'))
            });
        if has_nul {
            return Err(Problem::new(
                StatusCode::BAD_REQUEST,
                "request.invalid_query",
                "the query string holds a NUL character (%00): text cannot contain it",
            ));
        }
        serde_urlencoded::from_str(query)
            .map(ApiQuery)
            .map_err(|e| {
                Problem::new(
                    StatusCode::BAD_REQUEST,
                    "request.invalid_query",
                    format!("the query string is invalid: {e}"),
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use axum::extract::FromRequestParts;
    use axum::http::StatusCode;
    use serde_json::Value;

    use super::{ApiQuery, parse_json};

    // PostgreSQL refuses U+0000 in text and jsonb: such input used to reach the database and
    // come back as a 500 (found by scripts/api_fuzz.sh). It is a 422/400 on every backend.
    #[test]
    fn nul_characters_in_json_are_refused_with_their_path() {
        for (body, field) in [
            (r#""a\u0000b""#, "."),
            (r#"{"title":"t\u0000"}"#, "title"),
            (
                r#"{"fields":{"contact":[{"name":"\u0000"}]}}"#,
                "fields.contact[0].name",
            ),
            (r#"[1, ["x", "\u0000"]]"#, "[1][1]"),
            (r#"{"a\u0000":1}"#, "a\\u0000"),
        ] {
            let problem = parse_json::<Value>(body.as_bytes()).unwrap_err();
            assert_eq!(StatusCode::UNPROCESSABLE_ENTITY, problem.status, "{body}");
            assert_eq!("request.invalid_body", problem.code, "{body}");
            assert_eq!(
                Some(&Value::from(field)),
                problem.extensions.get("field"),
                "{body}"
            );
        }
        // An escaped backslash followed by `u0000` is six ordinary characters.
        let text: String = parse_json(br#""\\u0000""#).unwrap();
        assert_eq!("\\u0000", text);
    }

    #[tokio::test]
    async fn nul_characters_in_queries_are_refused() {
        let query = |uri: &'static str| async move {
            let mut parts = axum::http::Request::builder()
                .uri(uri)
                .body(())
                .unwrap()
                .into_parts()
                .0;
            ApiQuery::<BTreeMap<String, String>>::from_request_parts(&mut parts, &()).await
        };
        let problem = query("/x?priority=S%00").await.err().unwrap();
        assert_eq!(StatusCode::BAD_REQUEST, problem.status);
        assert_eq!("request.invalid_query", problem.code);
        assert!(query("/x?a%00=1").await.is_err());
        let ApiQuery(ok) = query("/x?priority=S%2500").await.unwrap();
        assert_eq!("S%00", ok["priority"]);
    }
}
