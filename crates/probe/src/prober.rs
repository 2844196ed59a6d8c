//! Running checks: [`Prober::run`] turns a [`Check`] into a [`ProbeResult`].
//!
//! ```no_run
//! use tenggat_probe::{Prober, SelfCheck, check::{Check, HttpCheck}};
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let prober = Prober::builder()
//!     .self_check(SelfCheck::new(["1.1.1.1:53", "9.9.9.9:53"])?)
//!     .build()?;
//! let result = prober.run(&Check::Http(HttpCheck::get("https://example.com/"))).await;
//! let sample = result.into_sample("example-home", "jakarta");
//! println!("{sample:?}");
//! # Ok(()) }
//! ```

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiff::Timestamp;
use reqwest::header::{AUTHORIZATION, COOKIE, HeaderMap, HeaderName, HeaderValue, LOCATION};
use reqwest::{Client, StatusCode, Url};
use tenggat_availability::{Failure, FailureKind, Outcome, Sample};
use thiserror::Error;
use tokio::time::{Instant, timeout_at};

use crate::check::{
    Check, Expect, Extract, HttpCheck, JsonExpect, Method, Transaction, check_url, parse_ca_pem,
    step_label,
};
use crate::selfcheck::{Connectivity, SelfCheck};
use crate::template;

/// The most of a response body the prober reads unless told otherwise: 1 MiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1 << 20;

/// What one run of a check saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeResult {
    /// When the run started (the prober's clock).
    pub started_at: Timestamp,
    /// Ok, failed (unreachable or unhealthy, with a detail), or inconclusive when the
    /// prober's own connectivity self-check failed.
    pub outcome: Outcome,
    /// Time from the start of the run to its verdict: DNS, connect, TLS, every redirect and
    /// step, and reading the bodies. The self-check's time is not included.
    pub latency: Duration,
    /// When the earliest-expiring TLS certificate seen during the run expires.
    pub cert_expires_at: Option<Timestamp>,
    /// Things worth knowing that did not fail the check (a certificate expiring soon).
    pub warnings: Vec<String>,
}

impl ProbeResult {
    /// Whether the outcome is ok.
    pub fn is_ok(&self) -> bool {
        self.outcome == Outcome::Ok
    }

    /// The failure, if the check failed.
    pub fn failure(&self) -> Option<&Failure> {
        match &self.outcome {
            Outcome::Failed(f) => Some(f),
            _ => None,
        }
    }

    /// The [`Sample`] of this run for the availability arithmetic, at `started_at`.
    pub fn into_sample(self, check: impl Into<String>, location: impl Into<String>) -> Sample {
        Sample {
            at: self.started_at,
            check: check.into(),
            location: location.into(),
            outcome: self.outcome,
        }
    }
}

/// The prober could not be built.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ProberError {
    /// The HTTP client (its TLS backend) could not be set up.
    #[error("cannot set up the HTTP client: {0}")]
    Client(String),
}

type ClockFn = dyn Fn() -> Timestamp + Send + Sync;

/// How a [`Prober`] is set up; [`ProberBuilder::build`] makes it.
pub struct ProberBuilder {
    self_check: Option<SelfCheck>,
    max_body_bytes: usize,
    user_agent: String,
    clock: Option<Arc<ClockFn>>,
}

impl fmt::Debug for ProberBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProberBuilder")
            .field("self_check", &self.self_check)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("user_agent", &self.user_agent)
            .field("clock", &self.clock.as_ref().map(|_| "custom"))
            .finish()
    }
}

impl Default for ProberBuilder {
    fn default() -> ProberBuilder {
        ProberBuilder {
            self_check: None,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            user_agent: concat!("tenggat-probe/", env!("CARGO_PKG_VERSION")).to_string(),
            clock: None,
        }
    }
}

impl ProberBuilder {
    /// Check the prober's own connectivity before reporting a check unreachable (see
    /// [`SelfCheck`]). Without it (or with no references) an unreachable check is reported
    /// as it is.
    pub fn self_check(mut self, self_check: SelfCheck) -> ProberBuilder {
        self.self_check = Some(self_check);
        self
    }

    /// The most of a response body read (default [`DEFAULT_MAX_BODY_BYTES`], 1 MiB). The rest
    /// is not read: the keyword is looked for in what was read, and a JSON check of a longer
    /// body fails.
    pub fn max_body_bytes(mut self, bytes: usize) -> ProberBuilder {
        self.max_body_bytes = bytes;
        self
    }

    /// The `User-Agent` sent (default `tenggat-probe/<version>`); a check's own `user-agent`
    /// header wins.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> ProberBuilder {
        self.user_agent = user_agent.into();
        self
    }

    /// Where [`ProbeResult::started_at`] and the certificate-expiry warning read the time
    /// (default: the system clock). Pass the server's clock so samples line up with it.
    pub fn clock(mut self, clock: impl Fn() -> Timestamp + Send + Sync + 'static) -> ProberBuilder {
        self.clock = Some(Arc::new(clock));
        self
    }

    /// The prober.
    pub fn build(self) -> Result<Prober, ProberError> {
        let client =
            build_client(&self.user_agent, &[]).map_err(|e| ProberError::Client(describe(&e)))?;
        let clock = self.clock.unwrap_or_else(|| Arc::new(system_now));
        Ok(Prober {
            inner: Arc::new(Inner {
                client,
                with_ca: Mutex::new(HashMap::new()),
                self_check: self.self_check,
                max_body_bytes: self.max_body_bytes,
                user_agent: self.user_agent,
                clock,
            }),
        })
    }
}

#[allow(clippy::disallowed_methods)] // the edge: a probe is stamped with the wall clock unless told otherwise
fn system_now() -> Timestamp {
    Timestamp::now()
}

/// Runs checks. Cheap to clone (the clones share the HTTP client and the self-check cache);
/// one prober serves any number of concurrent runs.
///
/// Every HTTP request goes out on a fresh connection (no keep-alive pool), so each run
/// measures DNS, connect and TLS as a first visit would and sees the certificate served
/// now. Proxies from the environment are not used: a probe measures the direct path.
/// HTTP/1.1 only.
#[derive(Clone)]
pub struct Prober {
    inner: Arc<Inner>,
}

struct Inner {
    client: Client,
    /// Clients trusting a check's `ca_pem` as well, by PEM.
    with_ca: Mutex<HashMap<String, Client>>,
    self_check: Option<SelfCheck>,
    max_body_bytes: usize,
    user_agent: String,
    clock: Arc<ClockFn>,
}

impl fmt::Debug for Prober {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Prober")
            .field("self_check", &self.inner.self_check)
            .field("max_body_bytes", &self.inner.max_body_bytes)
            .field("user_agent", &self.inner.user_agent)
            .finish_non_exhaustive()
    }
}

/// Clients with extra roots kept at most; beyond, the cache starts over.
const MAX_CA_CLIENTS: usize = 256;

fn build_client(user_agent: &str, roots: &[Vec<u8>]) -> reqwest::Result<Client> {
    let mut builder = Client::builder()
        .use_rustls_tls()
        .tls_info(true)
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(0)
        .no_proxy()
        .user_agent(user_agent);
    for der in roots {
        builder = builder.add_root_certificate(reqwest::Certificate::from_der(der)?);
    }
    builder.build()
}

impl Prober {
    /// A prober with the defaults: no self-check, 1 MiB bodies, the system clock.
    pub fn new() -> Result<Prober, ProberError> {
        ProberBuilder::default().build()
    }

    /// A builder to set the self-check, body cap, user agent or clock.
    pub fn builder() -> ProberBuilder {
        ProberBuilder::default()
    }

    /// The self-check, if one is set.
    pub fn self_check(&self) -> Option<&SelfCheck> {
        self.inner.self_check.as_ref()
    }

    /// Runs `check` once.
    ///
    /// Never fails: a check that does not [validate](Check::validate) gives an
    /// inconclusive outcome (we cannot tell anything about the service), and an unreachable
    /// outcome becomes inconclusive when the [`SelfCheck`] finds the prober itself cut off.
    ///
    /// ```
    /// use tenggat_availability::{FailureKind, Outcome};
    /// use tenggat_probe::{Prober, check::Check};
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    /// let port = listener.local_addr()?.port();
    /// let check = Check::Tcp { host: "127.0.0.1".into(), port, timeout: "2s".parse()? };
    /// let prober = Prober::new()?;
    ///
    /// let result = prober.run(&check).await;
    /// assert!(result.is_ok());
    /// let sample = result.into_sample("database", "jakarta");
    /// assert_eq!(sample.outcome, Outcome::Ok);
    ///
    /// drop(listener);
    /// let result = prober.run(&check).await;
    /// assert_eq!(result.failure().map(|f| f.kind), Some(FailureKind::Unreachable));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # }).unwrap();
    /// ```
    pub async fn run(&self, check: &Check) -> ProbeResult {
        let started_at = (self.inner.clock)();
        let start = Instant::now();
        let mut seen = Seen::default();
        let (outcome, warn_days) = match check.validate() {
            Err(e) => (
                Outcome::Inconclusive {
                    reason: format!("invalid check: {e}"),
                },
                0,
            ),
            Ok(()) => match check {
                Check::Http(h) => (
                    self.run_http(h, start, &mut seen).await,
                    h.cert_expiry_warning_days,
                ),
                Check::Tcp {
                    host,
                    port,
                    timeout,
                } => (run_tcp(host, *port, timeout.get(), start).await, 0),
                Check::Transaction(t) => (
                    self.run_transaction(t, start, &mut seen).await,
                    t.cert_expiry_warning_days,
                ),
            },
        };
        let latency = start.elapsed();
        let outcome = self.confirm_unreachable(outcome).await;
        let mut warnings = Vec::new();
        if let Some((expires_at, host)) = &seen.cert
            && warn_days > 0
        {
            let now = (self.inner.clock)();
            let left = expires_at.duration_since(now);
            if left < jiff::SignedDuration::from_hours(24 * i64::from(warn_days)) {
                let days = left.as_secs().div_euclid(86_400);
                warnings.push(format!(
                    "TLS certificate of {host} expires at {expires_at} (in {days} day{}; warning from {warn_days} days)",
                    if days == 1 { "" } else { "s" }
                ));
            }
        }
        ProbeResult {
            started_at,
            outcome,
            latency,
            cert_expires_at: seen.cert.map(|(at, _)| at),
            warnings,
        }
    }

    /// An unreachable outcome stands only if the self-check finds the prober online.
    async fn confirm_unreachable(&self, outcome: Outcome) -> Outcome {
        let unreachable =
            matches!(&outcome, Outcome::Failed(f) if f.kind == FailureKind::Unreachable);
        if !unreachable {
            return outcome;
        }
        match &self.inner.self_check {
            Some(sc) => match sc.connectivity().await {
                Connectivity::Online => outcome,
                Connectivity::Offline { reason } => Outcome::Inconclusive {
                    reason: match &outcome {
                        Outcome::Failed(f) => format!("{reason}; the check saw: {}", f.detail),
                        _ => reason,
                    },
                },
            },
            None => outcome,
        }
    }

    fn client(&self, ca_pem: Option<&str>) -> Result<Client, String> {
        let Some(pem) = ca_pem else {
            return Ok(self.inner.client.clone());
        };
        let mut cache = self
            .inner
            .with_ca
            .lock()
            .map_err(|_| "the client cache is poisoned".to_string())?;
        if let Some(c) = cache.get(pem) {
            return Ok(c.clone());
        }
        let roots = parse_ca_pem(pem)?;
        let client = build_client(&self.inner.user_agent, &roots).map_err(|e| describe(&e))?;
        if cache.len() >= MAX_CA_CLIENTS {
            cache.clear();
        }
        cache.insert(pem.to_string(), client.clone());
        Ok(client)
    }

    async fn run_http(&self, h: &HttpCheck, start: Instant, seen: &mut Seen) -> Outcome {
        let client = match self.client(h.ca_pem.as_deref()) {
            Ok(c) => c,
            Err(e) => {
                return Outcome::Inconclusive {
                    reason: format!("invalid check: ca_pem: {e}"),
                };
            }
        };
        let limits = Limits {
            deadline: start + h.timeout.get(),
            timeout: h.timeout.get(),
            follow_redirects: h.follow_redirects,
            max_body_bytes: self.inner.max_body_bytes,
        };
        let request = match Request::new(h.method, &h.url, &h.headers, h.body.clone()) {
            Ok(r) => r,
            Err(e) => {
                return Outcome::Inconclusive {
                    reason: format!("invalid check: {e}"),
                };
            }
        };
        let answer = match exchange(&client, request, &limits, seen).await {
            Ok(a) => a,
            Err(f) => return Outcome::Failed(f),
        };
        match judge(&answer, &h.expect, limits.max_body_bytes) {
            Ok(_) => Outcome::Ok,
            Err(detail) => Outcome::Failed(Failure::new(FailureKind::Unhealthy, detail)),
        }
    }

    async fn run_transaction(&self, t: &Transaction, start: Instant, seen: &mut Seen) -> Outcome {
        let client = match self.client(t.ca_pem.as_deref()) {
            Ok(c) => c,
            Err(e) => {
                return Outcome::Inconclusive {
                    reason: format!("invalid check: ca_pem: {e}"),
                };
            }
        };
        let limits = Limits {
            deadline: start + t.timeout.get(),
            timeout: t.timeout.get(),
            follow_redirects: t.follow_redirects,
            max_body_bytes: self.inner.max_body_bytes,
        };
        let mut vars: BTreeMap<String, String> = BTreeMap::new();
        for (i, step) in t.steps.iter().enumerate() {
            let failed = |kind: FailureKind, detail: String| {
                Outcome::Failed(Failure::new(
                    kind,
                    format!("{}: {detail}", step_label(i, &step.name)),
                ))
            };
            // A value extracted from an answer may not fit where it is used: the service's
            // answer is wrong for the transaction.
            let request = match render_step(step, &vars) {
                Ok(r) => r,
                Err(e) => return failed(FailureKind::Unhealthy, e),
            };
            let answer = match exchange(&client, request, &limits, seen).await {
                Ok(a) => a,
                Err(f) => return failed(f.kind, f.detail),
            };
            let json = match judge(&answer, &step.expect, limits.max_body_bytes) {
                Ok(json) => json,
                Err(detail) => return failed(FailureKind::Unhealthy, detail),
            };
            match extract(&answer, json, &step.extract, limits.max_body_bytes) {
                Ok(values) => vars.extend(values),
                Err(detail) => return failed(FailureKind::Unhealthy, detail),
            }
        }
        Outcome::Ok
    }
}

/// The earliest-expiring certificate seen in a run, with its host.
#[derive(Debug, Default)]
struct Seen {
    cert: Option<(Timestamp, String)>,
}

impl Seen {
    fn certificate(&mut self, der: &[u8], host: &str) {
        let Ok((_, cert)) = x509_parser::parse_x509_certificate(der) else {
            return;
        };
        let Ok(not_after) = Timestamp::from_second(cert.validity().not_after.timestamp()) else {
            return;
        };
        if self.cert.as_ref().is_none_or(|(at, _)| not_after < *at) {
            self.cert = Some((not_after, host.to_string()));
        }
    }
}

struct Limits {
    deadline: Instant,
    timeout: Duration,
    follow_redirects: u32,
    max_body_bytes: usize,
}

struct Request {
    method: reqwest::Method,
    url: Url,
    headers: HeaderMap,
    body: Option<String>,
}

impl Request {
    fn new(
        method: Method,
        url: &str,
        headers: &BTreeMap<String, String>,
        body: Option<String>,
    ) -> Result<Request, String> {
        let url = check_url(url).map_err(|e| format!("bad URL {url:?}: {e}"))?;
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            let n = HeaderName::from_bytes(name.as_bytes())
                .map_err(|e| format!("header {name:?}: {e}"))?;
            let v = HeaderValue::from_str(value).map_err(|e| format!("header {name:?}: {e}"))?;
            map.append(n, v);
        }
        Ok(Request {
            method: method.to_reqwest(),
            url,
            headers: map,
            body,
        })
    }
}

fn render_step(
    step: &crate::check::Step,
    vars: &BTreeMap<String, String>,
) -> Result<Request, String> {
    let url = template::render(&step.url, vars)?;
    let mut headers = BTreeMap::new();
    for (name, value) in &step.headers {
        headers.insert(name.clone(), template::render(value, vars)?);
    }
    let body = match &step.body {
        Some(b) => Some(template::render(b, vars)?),
        None => None,
    };
    Request::new(step.method, &url, &headers, body)
}

/// A response, its body read up to the cap.
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
    /// The body was longer than the cap.
    truncated: bool,
}

/// Sends `request`, following redirects, and reads the final body. A failure before any
/// response is unreachable; after one, unhealthy.
async fn exchange(
    client: &Client,
    mut request: Request,
    limits: &Limits,
    seen: &mut Seen,
) -> Result<Answer, Failure> {
    let timeout = crate::check::HumanDuration::from(limits.timeout);
    let mut redirects = 0;
    let mut response = loop {
        let mut builder = client
            .request(request.method.clone(), request.url.clone())
            .headers(request.headers.clone());
        if let Some(body) = &request.body {
            builder = builder.body(body.clone());
        }
        let response = match timeout_at(limits.deadline, builder.send()).await {
            Err(_) => {
                return Err(Failure::new(
                    FailureKind::Unreachable,
                    format!("timeout after {timeout} (no response)"),
                ));
            }
            Ok(Err(e)) => return Err(Failure::new(FailureKind::Unreachable, describe(&e))),
            Ok(Ok(r)) => r,
        };
        if let Some(der) = response
            .extensions()
            .get::<reqwest::tls::TlsInfo>()
            .and_then(|info| info.peer_certificate())
        {
            seen.certificate(der, request.url.host_str().unwrap_or_default());
        }
        let status = response.status();
        let is_redirect = matches!(status.as_u16(), 301 | 302 | 303 | 307 | 308);
        if !is_redirect || limits.follow_redirects == 0 {
            break response;
        }
        if redirects == limits.follow_redirects {
            return Err(Failure::new(
                FailureKind::Unhealthy,
                format!(
                    "more than {} redirects (the last to {})",
                    limits.follow_redirects,
                    location_text(&response)
                ),
            ));
        }
        let Some(next) = response
            .headers()
            .get(LOCATION)
            .and_then(|l| l.to_str().ok())
            .and_then(|l| request.url.join(l).ok())
        else {
            return Err(Failure::new(
                FailureKind::Unhealthy,
                format!("HTTP {} without a usable Location", status.as_u16()),
            ));
        };
        if !matches!(next.scheme(), "http" | "https") {
            return Err(Failure::new(
                FailureKind::Unhealthy,
                format!("redirect to an unsupported scheme: {next}"),
            ));
        }
        redirects += 1;
        request = redirected(request, status, next);
    };
    let status = response.status();
    let headers = response.headers().clone();
    let mut body = Vec::new();
    let mut truncated = false;
    if request.method != reqwest::Method::HEAD {
        loop {
            match timeout_at(limits.deadline, response.chunk()).await {
                Err(_) => {
                    return Err(Failure::new(
                        FailureKind::Unhealthy,
                        format!(
                            "HTTP {}: timeout after {timeout} reading the body",
                            status.as_u16()
                        ),
                    ));
                }
                Ok(Err(e)) => {
                    return Err(Failure::new(
                        FailureKind::Unhealthy,
                        format!(
                            "HTTP {}: reading the body: {}",
                            status.as_u16(),
                            describe(&e)
                        ),
                    ));
                }
                Ok(Ok(None)) => break,
                Ok(Ok(Some(chunk))) => {
                    let room = limits.max_body_bytes - body.len();
                    if chunk.len() > room {
                        body.extend_from_slice(&chunk[..room]);
                        truncated = true;
                        break;
                    }
                    body.extend_from_slice(&chunk);
                }
            }
        }
    }
    Ok(Answer {
        status,
        headers,
        body,
        truncated,
    })
}

fn location_text(response: &reqwest::Response) -> String {
    response
        .headers()
        .get(LOCATION)
        .and_then(|l| l.to_str().ok())
        .unwrap_or("nowhere")
        .to_string()
}

/// The request a redirect asks for: 303 (and 301/302 after a POST) turns into a body-less
/// GET; 307/308 repeat the request. Credentials are not sent to another origin.
fn redirected(mut request: Request, status: StatusCode, next: Url) -> Request {
    let to_get = (status == StatusCode::SEE_OTHER && request.method != reqwest::Method::HEAD)
        || (matches!(status.as_u16(), 301 | 302) && request.method == reqwest::Method::POST);
    if to_get {
        request.method = reqwest::Method::GET;
        request.body = None;
        request.headers.remove(reqwest::header::CONTENT_TYPE);
        request.headers.remove(reqwest::header::CONTENT_LENGTH);
    }
    if next.origin() != request.url.origin() {
        request.headers.remove(AUTHORIZATION);
        request.headers.remove(COOKIE);
        request.headers.remove(reqwest::header::PROXY_AUTHORIZATION);
    }
    request.url = next;
    request
}

fn size(bytes: usize) -> String {
    if bytes >= 1 << 20 && bytes.is_multiple_of(1 << 20) {
        format!("{} MiB", bytes >> 20)
    } else if bytes >= 1 << 10 && bytes.is_multiple_of(1 << 10) {
        format!("{} KiB", bytes >> 10)
    } else {
        format!("{bytes} bytes")
    }
}

/// Checks `answer` against `expect`; the parsed JSON body when it was needed.
fn judge(
    answer: &Answer,
    expect: &Expect,
    max_body_bytes: usize,
) -> Result<Option<serde_json::Value>, String> {
    let code = answer.status.as_u16();
    if !expect.status.iter().any(|r| r.contains(code)) {
        return Err(format!("HTTP {code}"));
    }
    if let Some(keyword) = &expect.body_contains
        && !contains(&answer.body, keyword.as_bytes())
    {
        return Err(if answer.truncated {
            format!(
                "keyword {keyword:?} missing from the first {} of the body",
                size(max_body_bytes)
            )
        } else {
            format!("keyword {keyword:?} missing from the body")
        });
    }
    let Some(JsonExpect { pointer, value }) = &expect.json else {
        return Ok(None);
    };
    let json = parse_json(answer, max_body_bytes)?;
    match json.pointer(pointer) {
        None => Err(format!("JSON {} missing", show_pointer(pointer))),
        Some(found) if !json_eq(found, value) => Err(format!(
            "JSON {} is {found}, expected {value}",
            show_pointer(pointer)
        )),
        Some(_) => Ok(Some(json)),
    }
}

fn show_pointer(pointer: &str) -> String {
    if pointer.is_empty() {
        "body".to_string()
    } else {
        pointer.to_string()
    }
}

fn parse_json(answer: &Answer, max_body_bytes: usize) -> Result<serde_json::Value, String> {
    if answer.truncated {
        return Err(format!(
            "body larger than {}: not read as JSON",
            size(max_body_bytes)
        ));
    }
    serde_json::from_slice(&answer.body).map_err(|e| format!("body is not JSON: {e}"))
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || haystack.windows(needle.len()).any(|w| w == needle)
}

/// Equality of JSON values with numbers compared by value.
fn json_eq(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    use serde_json::Value;
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            if let (Some(x), Some(y)) = (x.as_i64(), y.as_i64()) {
                x == y
            } else if let (Some(x), Some(y)) = (x.as_u64(), y.as_u64()) {
                x == y
            } else {
                x.as_f64() == y.as_f64()
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_eq(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}

/// The variables a step extracts from its answer.
fn extract(
    answer: &Answer,
    json: Option<serde_json::Value>,
    wanted: &BTreeMap<String, Extract>,
    max_body_bytes: usize,
) -> Result<Vec<(String, String)>, String> {
    let mut json = json;
    let mut out = Vec::with_capacity(wanted.len());
    for (var, source) in wanted {
        let value = match source {
            Extract::Json(pointer) => {
                if json.is_none() {
                    json = Some(
                        parse_json(answer, max_body_bytes)
                            .map_err(|e| format!("extract {var}: {e}"))?,
                    );
                }
                let found = json
                    .as_ref()
                    .and_then(|j| j.pointer(pointer))
                    .filter(|v| !v.is_null())
                    .ok_or_else(|| {
                        format!(
                            "extract {var}: JSON {} missing from the body",
                            show_pointer(pointer)
                        )
                    })?;
                match found {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                }
            }
            Extract::Header(name) => answer
                .headers
                .get(name.as_str())
                .and_then(|v| v.to_str().ok())
                .ok_or_else(|| format!("extract {var}: no header {name:?} in the response"))?
                .to_string(),
        };
        out.push((var.clone(), value));
    }
    Ok(out)
}

async fn run_tcp(host: &str, port: u16, timeout: Duration, start: Instant) -> Outcome {
    let deadline = start + timeout;
    let shown = crate::check::HumanDuration::from(timeout);
    let unreachable =
        |detail: String| Outcome::Failed(Failure::new(FailureKind::Unreachable, detail));
    let addrs: Vec<_> = match timeout_at(deadline, tokio::net::lookup_host((host, port))).await {
        Err(_) => return unreachable(format!("timeout after {shown} (DNS)")),
        Ok(Err(e)) => return unreachable(format!("dns: {host}: {e}")),
        Ok(Ok(addrs)) => addrs.collect(),
    };
    if addrs.is_empty() {
        return unreachable(format!("dns: no address for {host}"));
    }
    let mut last = String::new();
    for addr in addrs {
        match timeout_at(deadline, tokio::net::TcpStream::connect(addr)).await {
            Err(_) => return unreachable(format!("timeout after {shown} (connect to {addr})")),
            Ok(Ok(_stream)) => return Outcome::Ok,
            Ok(Err(e)) => last = format!("connect {addr}: {e}"),
        }
    }
    unreachable(last)
}

/// One line for a client error: what failed (dns, connect, tls) and the innermost cause,
/// without the URL (the check shows it).
fn describe(e: &reqwest::Error) -> String {
    let mut innermost = e.to_string();
    let mut dns = false;
    let mut tls: Option<String> = None;
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = source {
        let text = err.to_string();
        if text.starts_with("dns error") {
            dns = true;
        }
        if tls.is_none() {
            tls = tls_error(err);
        }
        innermost = text;
        source = err.source();
    }
    if let Some(tls) = tls {
        return format!("tls: {tls}");
    }
    if dns {
        return format!("dns: {innermost}");
    }
    if e.is_connect() {
        return format!("connect: {innermost}");
    }
    if e.is_builder() {
        return format!("request: {innermost}");
    }
    innermost
}

/// The rustls error inside `err`, if it is one (I/O errors can carry it, even nested).
fn tls_error(err: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut current = err;
    loop {
        if let Some(r) = current.downcast_ref::<rustls::Error>() {
            return Some(r.to_string());
        }
        current = current.downcast_ref::<std::io::Error>()?.get_ref()?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_numbers_compare_by_value() {
        use serde_json::json;
        assert!(json_eq(&json!(1), &json!(1.0)));
        assert!(json_eq(&json!({"a": [1, 2.0]}), &json!({"a": [1.0, 2]})));
        assert!(!json_eq(&json!("1"), &json!(1)));
        assert!(!json_eq(&json!({"a": 1}), &json!({"a": 1, "b": 2})));
    }

    #[test]
    fn sizes_read_well() {
        assert_eq!(size(1 << 20), "1 MiB");
        assert_eq!(size(64 << 10), "64 KiB");
        assert_eq!(size(1000), "1000 bytes");
    }

    #[test]
    fn keyword_search() {
        assert!(contains(b"status: up", b"up"));
        assert!(!contains(b"status: down", b"up!"));
        assert!(!contains(b"u", b"up"));
    }
}
