//! Outgoing webhooks: a JSON POST signed with HMAC-SHA256.
//!
//! The body is the outbox payload plus `id` (the dedupe key) and `text` (the rendered
//! message), so the same request works for a generic receiver and for a Slack or Microsoft
//! Teams incoming webhook, which show `text`. Headers:
//!
//! - `X-Tenggat-Delivery`: the dedupe key (also `id` in the body); the same on every retry.
//! - `X-Tenggat-Event`: the event type.
//! - `X-Tenggat-Timestamp`: seconds since 1970 when this attempt was signed.
//! - `X-Tenggat-Signature`: `v1=` and the hex HMAC-SHA256, keyed with the webhook's secret,
//!   of `<timestamp>.<body>`. A receiver recomputes it, compares in constant time, and
//!   refuses a timestamp more than five minutes old.

use std::time::Duration;

use hmac::{Hmac, KeyInit, Mac};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::render::Rendered;

/// How long one delivery attempt may take.
const HTTP_TIMEOUT: Duration = Duration::from_secs(10);
/// How much of a failed response's body is kept as the error.
const ERROR_BODY_CHARS: usize = 200;

/// Hex SHA-256 of a text.
pub fn hex_sha256(text: &str) -> String {
    hex(&Sha256::digest(text.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(char::from(b"0123456789abcdef"[usize::from(byte >> 4)]));
        out.push(char::from(b"0123456789abcdef"[usize::from(byte & 15)]));
    }
    out
}

/// The `X-Tenggat-Signature` value of a body signed at `timestamp`.
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    // HMAC takes keys of any length: `new_from_slice` cannot fail for it.
    let mut mac = match <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()) {
        Ok(mac) => mac,
        Err(_) => return String::new(),
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("v1={}", hex(&mac.finalize().into_bytes()))
}

/// Posts webhooks.
#[derive(Debug, Clone)]
pub struct Poster {
    client: reqwest::Client,
}

impl Poster {
    /// A poster with its own connection pool.
    pub fn new() -> Result<Poster, String> {
        let client = reqwest::Client::builder()
            .timeout(HTTP_TIMEOUT)
            .user_agent(concat!("tenggat/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| format!("cannot make an HTTP client: {e}"))?;
        Ok(Poster { client })
    }

    /// Posts one notification; any 2xx answer is a delivery.
    pub async fn post(
        &self,
        url: &str,
        secret: &str,
        dedupe_key: &str,
        payload: &Value,
        text: &Rendered,
        now_seconds: i64,
    ) -> Result<(), String> {
        let mut body = payload.clone();
        body["id"] = Value::String(dedupe_key.to_owned());
        body["text"] = Value::String(format!("{}\n{}", text.subject, text.body));
        let bytes = serde_json::to_vec(&body).map_err(|e| format!("cannot encode: {e}"))?;
        let event = payload
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("unknown");
        let response = self
            .client
            .post(url)
            .header("content-type", "application/json")
            .header("x-tenggat-delivery", dedupe_key)
            .header("x-tenggat-event", event)
            .header("x-tenggat-timestamp", now_seconds.to_string())
            .header(
                "x-tenggat-signature",
                signature(secret, now_seconds, &bytes),
            )
            .body(bytes)
            .send()
            .await
            // reqwest's message names the URL, which may hold a token (Slack's do): without it.
            .map_err(|e| format!("HTTP: {}", e.without_url()))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let text = response.text().await.unwrap_or_default();
        let text: String = text.chars().take(ERROR_BODY_CHARS).collect();
        Err(format!("HTTP {}: {}", status.as_u16(), text.trim()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_hmac_sha256_of_timestamp_dot_body() {
        // Computed independently with OpenSSL:
        // printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac key
        assert_eq!(
            signature("key", 1_700_000_000, br#"{"a":1}"#),
            "v1=a438e398bfafc57e4396bb7fc2304422f0f768e965d073ca313cb52e22e6ad03"
        );
    }
}
