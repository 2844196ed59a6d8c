//! Per-credential and per-IP rate limiting (GCRA, the `governor` crate) as an axum
//! middleware.
//!
//! Every request spends one cell of its client IP's budget; a request that carries a
//! credential (an `Authorization` header, or else the `tenggat_session` cookie) also spends
//! one cell of that credential's budget. The IP budget is checked first and always, so a
//! client that rotates random tokens still runs out. Over either budget the answer is
//! `429 Too Many Requests` as problem+json (`request.rate_limited`) with `Retry-After` in
//! whole seconds.
//!
//! Credentials are keyed by their SHA-256 (never kept in clear). IPv6 clients are keyed by
//! their /64 network, since one host commonly holds a whole /64; IPv4-mapped IPv6
//! addresses count as the IPv4 address. The peer address is the TCP peer: forwarding
//! headers (`X-Forwarded-For`) are not trusted.
//!
//! The keyed state is pruned (`retain_recent`, `shrink_to_fit`) every
//! [`CLEANUP_EVERY_REQUESTS`] requests, so it cannot grow without bound; no timer is
//! involved.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::DashMapStateStore;
use governor::{Quota, RateLimiter as Gcra};
use serde::Deserialize;

use crate::auth::SESSION_COOKIE;
use crate::problem::Problem;

/// How many requests pass between two prunings of the keyed state.
pub(crate) const CLEANUP_EVERY_REQUESTS: u64 = 10_000;

/// Request budgets. A `*_per_second` of 0 switches that kind of limit off; a `*_burst` of 0
/// means "the same as the per-second rate".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimitConfig {
    /// Sustained requests per second allowed for one credential (0: unlimited).
    pub per_credential_per_second: u32,
    /// Requests one credential may make at once before the sustained rate applies.
    pub per_credential_burst: u32,
    /// Sustained requests per second allowed for one client IP (0: unlimited).
    pub per_ip_per_second: u32,
    /// Requests one client IP may make at once before the sustained rate applies.
    pub per_ip_burst: u32,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        RateLimitConfig {
            per_credential_per_second: 50,
            per_credential_burst: 100,
            per_ip_per_second: 100,
            per_ip_burst: 200,
        }
    }
}

/// One keyed GCRA limiter.
type Keyed<C> = Gcra<String, DashMapStateStore<String>, C, NoOpMiddleware<<C as Clock>::Instant>>;

/// The budget a request ran out of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Limited {
    /// How long until the request would be allowed.
    pub retry_after: Duration,
}

impl Limited {
    /// `Retry-After` in whole seconds: rounded up, at least 1.
    pub(crate) fn retry_after_secs(&self) -> u64 {
        let secs = self.retry_after.as_secs();
        let secs = if self.retry_after.subsec_nanos() > 0 {
            secs.saturating_add(1)
        } else {
            secs
        };
        secs.max(1)
    }
}

/// Per-credential and per-IP limiters built from a [`RateLimitConfig`]. The clock is
/// governor's (monotonic) clock unless a test passes its own.
pub(crate) struct RateLimiter<C: Clock = DefaultClock> {
    /// Keyed by the hex SHA-256 of the credential; `None` when switched off.
    credential: Option<Keyed<C>>,
    /// Keyed by the client IP (IPv6: its /64); `None` when switched off.
    ip: Option<Keyed<C>>,
    /// Requests seen, to prune the keyed state every [`CLEANUP_EVERY_REQUESTS`].
    requests: AtomicU64,
    /// How many requests pass between two prunings.
    cleanup_every: u64,
}

impl RateLimiter<DefaultClock> {
    /// Limiters for this configuration on governor's default clock.
    pub(crate) fn new(config: &RateLimitConfig) -> Self {
        RateLimiter::with_clock(config, &DefaultClock::default())
    }
}

impl<C: Clock + Clone> RateLimiter<C> {
    /// Limiters for this configuration on the given clock (tests pass a fake one).
    pub(crate) fn with_clock(config: &RateLimitConfig, clock: &C) -> Self {
        let keyed = |per_second: u32, burst: u32| {
            quota(per_second, burst).map(|q| Gcra::dashmap_with_clock(q, clock.clone()))
        };
        RateLimiter {
            credential: keyed(
                config.per_credential_per_second,
                config.per_credential_burst,
            ),
            ip: keyed(config.per_ip_per_second, config.per_ip_burst),
            requests: AtomicU64::new(0),
            cleanup_every: CLEANUP_EVERY_REQUESTS,
        }
    }

    /// Spends one cell of the IP's budget and, when the request carries a credential, one
    /// of the credential's. The IP is checked first; a request refused there spends nothing
    /// of the credential's budget.
    pub(crate) fn check(&self, peer: IpAddr, headers: &HeaderMap) -> Result<(), Limited> {
        self.housekeeping();
        if let Some(ip) = &self.ip {
            check_key(ip, &ip_key(peer))?;
        }
        if let Some(credential) = &self.credential
            && let Some(key) = credential_key(headers)
        {
            check_key(credential, &key)?;
        }
        Ok(())
    }

    /// Keys held for credentials and for IPs (estimates).
    #[cfg(test)]
    pub(crate) fn tracked_keys(&self) -> (usize, usize) {
        (
            self.credential.as_ref().map_or(0, |l| l.len()),
            self.ip.as_ref().map_or(0, |l| l.len()),
        )
    }

    /// Counts the request and, every `cleanup_every` requests, forgets keys whose budget is
    /// full again and gives the memory back.
    fn housekeeping(&self) {
        let seen = self
            .requests
            .fetch_add(1, Ordering::Relaxed)
            .wrapping_add(1);
        if !seen.is_multiple_of(self.cleanup_every.max(1)) {
            return;
        }
        for limiter in [&self.credential, &self.ip].into_iter().flatten() {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }
}

/// The quota for a rate and burst, or `None` when the rate is 0 (unlimited).
fn quota(per_second: u32, burst: u32) -> Option<Quota> {
    let rate = NonZeroU32::new(per_second)?;
    let burst = NonZeroU32::new(burst).unwrap_or(rate);
    Some(Quota::per_second(rate).allow_burst(burst))
}

/// Spends one cell of `key`'s budget.
fn check_key<C: Clock>(limiter: &Keyed<C>, key: &String) -> Result<(), Limited> {
    limiter.check_key(key).map_err(|not_until| Limited {
        retry_after: not_until.wait_time_from(limiter.clock().now()),
    })
}

/// The IP key: the address itself for IPv4 (also when IPv4-mapped), the /64 for IPv6.
fn ip_key(peer: IpAddr) -> String {
    match peer.to_canonical() {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
    }
}

/// The credential key: the hex SHA-256 of the `Authorization` header value, or else of the
/// session cookie's value; `None` when the request carries neither.
fn credential_key(headers: &HeaderMap) -> Option<String> {
    if let Some(value) = headers.get(header::AUTHORIZATION) {
        let value = String::from_utf8_lossy(value.as_bytes());
        return Some(tenggat_store::token_hash(&value));
    }
    session_cookie(headers).map(tenggat_store::token_hash)
}

/// The value of the session cookie, if any `Cookie` header carries a non-empty one.
fn session_cookie(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, value)| name.trim() == SESSION_COOKIE && !value.trim().is_empty())
        .map(|(_, value)| value.trim())
}

/// Middleware (`axum::middleware::from_fn_with_state`): passes the request on when both
/// budgets allow it, answers 429 problem+json with `Retry-After` otherwise. Needs the
/// router to be served with `into_make_service_with_connect_info::<SocketAddr>()`.
pub(crate) async fn limit(
    State(limiter): State<Arc<RateLimiter>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
    next: Next,
) -> Response {
    match limiter.check(peer.ip(), request.headers()) {
        Ok(()) => next.run(request).await,
        Err(limited) => too_many_requests(limited),
    }
}

/// The 429 answer for a request over its budget.
fn too_many_requests(limited: Limited) -> Response {
    let secs = limited.retry_after_secs();
    let mut response = Problem::new(
        StatusCode::TOO_MANY_REQUESTS,
        "request.rate_limited",
        format!("too many requests; try again in {secs} s"),
    )
    .into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::problem::PROBLEM_JSON;
    use axum::Router;
    use axum::body::Body;
    use axum::routing::get;
    use governor::clock::FakeRelativeClock;
    use tower::ServiceExt;

    fn config(credential: (u32, u32), ip: (u32, u32)) -> RateLimitConfig {
        RateLimitConfig {
            per_credential_per_second: credential.0,
            per_credential_burst: credential.1,
            per_ip_per_second: ip.0,
            per_ip_burst: ip.1,
        }
    }

    fn app(config: &RateLimitConfig) -> Router {
        let limiter = Arc::new(RateLimiter::new(config));
        Router::new()
            .route("/", get(|| async { "ok" }))
            .layer(axum::middleware::from_fn_with_state(limiter, limit))
    }

    async fn send(app: &Router, ip: [u8; 4], authorization: Option<&str>) -> Response {
        let mut builder = axum::http::Request::builder().uri("/");
        if let Some(a) = authorization {
            builder = builder.header(header::AUTHORIZATION, a);
        }
        let mut request = builder.body(Body::empty()).unwrap();
        let addr = SocketAddr::from((ip, 40_000));
        request.extensions_mut().insert(ConnectInfo(addr));
        app.clone().oneshot(request).await.unwrap()
    }

    #[test]
    fn default_config() {
        let c = RateLimitConfig::default();
        assert_eq!(config((50, 100), (100, 200)), c);
        let parsed: RateLimitConfig = serde_json::from_str(r#"{"per_ip_per_second":0}"#).unwrap();
        assert_eq!(0, parsed.per_ip_per_second);
        assert_eq!(50, parsed.per_credential_per_second);
        assert!(serde_json::from_str::<RateLimitConfig>(r#"{"per_ip":1}"#).is_err());
    }

    #[tokio::test]
    async fn burst_then_429_with_retry_after_and_problem_json() {
        let app = app(&config((1, 3), (0, 0)));
        for _ in 0..3 {
            let r = send(&app, [10, 0, 0, 1], Some("Bearer tgt_a")).await;
            assert_eq!(StatusCode::OK, r.status());
        }
        let r = send(&app, [10, 0, 0, 1], Some("Bearer tgt_a")).await;
        assert_eq!(StatusCode::TOO_MANY_REQUESTS, r.status());
        assert_eq!(PROBLEM_JSON, r.headers().get(header::CONTENT_TYPE).unwrap());
        let retry: u64 = r
            .headers()
            .get(header::RETRY_AFTER)
            .unwrap()
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=2).contains(&retry), "Retry-After {retry}");
        let body = axum::body::to_bytes(r.into_body(), 4096).await.unwrap();
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!("request.rate_limited", body["code"]);
        assert_eq!(429, body["status"]);
    }

    #[tokio::test]
    async fn different_tokens_have_separate_budgets() {
        let app = app(&config((1, 2), (0, 0)));
        for token in ["Bearer tgt_a", "Bearer tgt_b"] {
            for _ in 0..2 {
                let r = send(&app, [10, 0, 0, 1], Some(token)).await;
                assert_eq!(StatusCode::OK, r.status());
            }
        }
        for token in ["Bearer tgt_a", "Bearer tgt_b"] {
            let r = send(&app, [10, 0, 0, 1], Some(token)).await;
            assert_eq!(StatusCode::TOO_MANY_REQUESTS, r.status());
        }
        // A request without a credential is limited by IP only (off here).
        let r = send(&app, [10, 0, 0, 1], None).await;
        assert_eq!(StatusCode::OK, r.status());
    }

    #[tokio::test]
    async fn rotating_tokens_still_hit_the_ip_limit() {
        let app = app(&config((1, 1), (1, 5)));
        for i in 0..5 {
            let r = send(&app, [10, 0, 0, 1], Some(&format!("Bearer random-{i}"))).await;
            assert_eq!(StatusCode::OK, r.status());
        }
        let r = send(&app, [10, 0, 0, 1], Some("Bearer random-fresh")).await;
        assert_eq!(StatusCode::TOO_MANY_REQUESTS, r.status());
        assert!(r.headers().contains_key(header::RETRY_AFTER));
        // Another IP has its own budget.
        let r = send(&app, [10, 0, 0, 2], Some("Bearer random-other")).await;
        assert_eq!(StatusCode::OK, r.status());
    }

    #[tokio::test]
    async fn zero_disables() {
        let app = app(&config((0, 0), (0, 0)));
        for _ in 0..500 {
            let r = send(&app, [10, 0, 0, 1], Some("Bearer tgt_a")).await;
            assert_eq!(StatusCode::OK, r.status());
        }
        let limiter = RateLimiter::new(&config((0, 0), (0, 0)));
        assert_eq!((0, 0), limiter.tracked_keys());
    }

    #[test]
    fn session_cookie_is_a_credential_when_there_is_no_authorization() {
        let clock = FakeRelativeClock::default();
        let limiter = RateLimiter::with_clock(&config((1, 1), (0, 0)), &clock);
        let peer = IpAddr::from([10, 0, 0, 1]);
        let mut a = HeaderMap::new();
        a.insert(
            header::COOKIE,
            HeaderValue::from_static("theme=dark; tenggat_session=s1"),
        );
        let mut b = HeaderMap::new();
        b.insert(
            header::COOKIE,
            HeaderValue::from_static("tenggat_session=s2"),
        );
        assert!(limiter.check(peer, &a).is_ok());
        assert!(limiter.check(peer, &a).is_err());
        assert!(limiter.check(peer, &b).is_ok());
        // Authorization wins over the cookie.
        a.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer x"));
        assert!(limiter.check(peer, &a).is_ok());
        // No credential at all: the credential limit does not apply.
        for _ in 0..10 {
            assert!(limiter.check(peer, &HeaderMap::new()).is_ok());
        }
    }

    #[test]
    fn retry_after_and_refill_follow_the_clock() {
        let clock = FakeRelativeClock::default();
        let limiter = RateLimiter::with_clock(&config((0, 0), (2, 2)), &clock);
        let peer = IpAddr::from([192, 0, 2, 7]);
        let none = HeaderMap::new();
        assert!(limiter.check(peer, &none).is_ok());
        assert!(limiter.check(peer, &none).is_ok());
        let limited = limiter.check(peer, &none).unwrap_err();
        assert_eq!(Duration::from_millis(500), limited.retry_after);
        assert_eq!(1, limited.retry_after_secs());
        clock.advance(Duration::from_millis(500));
        assert!(limiter.check(peer, &none).is_ok());
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        let secs = |ms| {
            Limited {
                retry_after: Duration::from_millis(ms),
            }
            .retry_after_secs()
        };
        assert_eq!(1, secs(0));
        assert_eq!(1, secs(1));
        assert_eq!(1, secs(1000));
        assert_eq!(2, secs(1001));
        assert_eq!(20, secs(19_500));
    }

    #[test]
    fn ipv6_is_keyed_by_its_64_and_mapped_ipv4_as_ipv4() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(ip_key(a), ip_key(b));
        assert_ne!(ip_key(a), ip_key(c));
        let mapped: IpAddr = "::ffff:192.0.2.1".parse().unwrap();
        assert_eq!("192.0.2.1", ip_key(mapped));
    }

    #[test]
    fn keyed_state_is_pruned_every_n_requests() {
        let clock = FakeRelativeClock::default();
        let mut limiter = RateLimiter::with_clock(&config((1, 1), (1, 1)), &clock);
        limiter.cleanup_every = 10;
        for i in 0..9u8 {
            let mut h = HeaderMap::new();
            h.insert(
                header::AUTHORIZATION,
                HeaderValue::from_str(&format!("Bearer t{i}")).unwrap(),
            );
            let _ = limiter.check(IpAddr::from([10, 0, 1, i]), &h);
        }
        assert_eq!((9, 9), limiter.tracked_keys());
        // Every budget is full again after a second; the 10th request prunes.
        clock.advance(Duration::from_secs(2));
        assert!(
            limiter
                .check(IpAddr::from([10, 0, 2, 1]), &HeaderMap::new())
                .is_ok()
        );
        let (credentials, ips) = limiter.tracked_keys();
        assert_eq!(0, credentials);
        assert!(ips <= 1, "{ips} IP keys left");
    }
}
