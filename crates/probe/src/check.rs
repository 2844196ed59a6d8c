//! Check definitions: what a monitor probes and what it expects, as written in JSON (the API)
//! or TOML (files).
//!
//! A [`Monitor`] is an interval and a [`Check`]; a check is an HTTP(S) request
//! ([`HttpCheck`]), a TCP connect ([`Check::Tcp`]) or a synthetic transaction
//! ([`Transaction`]). Every type refuses unknown fields, so a misspelt option is an error,
//! never silently ignored. Deserializing checks the syntax; [`Monitor::validate`] (called by
//! [`Monitor::from_json`] and [`Monitor::from_toml`]) checks everything else and names the
//! offending field in a [`CheckError`].
//!
//! ```
//! use tenggat_probe::check::{Check, Monitor};
//!
//! let monitor = Monitor::from_json(r#"{
//!     "interval": "30s",
//!     "check": {
//!         "type": "http",
//!         "url": "https://api.example.com/health",
//!         "expect": { "status": ["200-299"], "body_contains": "ok" },
//!         "timeout": "5s"
//!     }
//! }"#)?;
//! assert_eq!(monitor.interval.to_string(), "30s");
//! let Check::Http(http) = &monitor.check else { unreachable!() };
//! assert_eq!(http.cert_expiry_warning_days, 14);
//! assert_eq!(http.follow_redirects, 5);
//!
//! // The same monitor in TOML.
//! let same = Monitor::from_toml(r#"
//!     interval = "30s"
//!     [check]
//!     type = "http"
//!     url = "https://api.example.com/health"
//!     timeout = "5s"
//!     [check.expect]
//!     status = ["200-299"]
//!     body_contains = "ok"
//! "#)?;
//! assert_eq!(same, monitor);
//! # Ok::<(), tenggat_probe::check::CheckError>(())
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::time::Duration;

use reqwest::Url;
use reqwest::header::{HeaderName, HeaderValue};
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use thiserror::Error;

use crate::template;

/// The shortest interval a monitor may have.
pub const MIN_INTERVAL: Duration = Duration::from_secs(10);
/// The timeout of a check that does not set one.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// How many days before its certificate expires an HTTPS check starts warning, unless set.
pub const DEFAULT_CERT_EXPIRY_WARNING_DAYS: u32 = 14;
/// How many redirects an HTTP check follows unless set.
pub const DEFAULT_FOLLOW_REDIRECTS: u32 = 5;
/// The most redirects a check may be told to follow.
pub const MAX_FOLLOW_REDIRECTS: u32 = 20;

// ---------------------------------------------------------------------------------------
// Durations

/// A duration written the way Tenggat writes durations elsewhere: `30s`, `5m`, `1h30m`,
/// `2.5s`, or ISO 8601 `PT30S` (parsed by [`tenggat_time::BusinessDuration`]; business days
/// `bd` mean nothing here and are refused). Displays in the compact form it reads back.
///
/// ```
/// use tenggat_probe::check::HumanDuration;
///
/// let d: HumanDuration = "1m30s".parse()?;
/// assert_eq!(d.get(), std::time::Duration::from_secs(90));
/// assert_eq!(d.to_string(), "1m30s");
/// assert!("3bd".parse::<HumanDuration>().is_err());
/// # Ok::<(), String>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct HumanDuration(Duration);

impl HumanDuration {
    /// `secs` seconds.
    pub const fn from_secs(secs: u64) -> HumanDuration {
        HumanDuration(Duration::from_secs(secs))
    }

    /// The duration.
    pub const fn get(self) -> Duration {
        self.0
    }
}

impl From<Duration> for HumanDuration {
    fn from(d: Duration) -> HumanDuration {
        HumanDuration(d)
    }
}

impl From<HumanDuration> for Duration {
    fn from(d: HumanDuration) -> Duration {
        d.0
    }
}

impl std::str::FromStr for HumanDuration {
    type Err = String;
    fn from_str(s: &str) -> Result<HumanDuration, String> {
        let parsed = tenggat_time::BusinessDuration::parse(s).map_err(|e| e.to_string())?;
        if parsed.business_days != 0 {
            return Err(format!(
                "bad duration {s:?}: business days (bd) are not a probe duration; write hours, minutes or seconds"
            ));
        }
        let nanos = u64::try_from(parsed.nanos)
            .map_err(|_| format!("bad duration {s:?}: must not be negative"))?;
        Ok(HumanDuration(Duration::from_nanos(nanos)))
    }
}

impl fmt::Display for HumanDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let nanos = i64::try_from(self.0.as_nanos()).unwrap_or(i64::MAX);
        tenggat_time::BusinessDuration::from_nanos(nanos).fmt(f)
    }
}

impl Serialize for HumanDuration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for HumanDuration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<HumanDuration, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = HumanDuration;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a duration such as \"30s\", \"5m\" or \"1h30m\"")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<HumanDuration, E> {
                v.parse().map_err(E::custom)
            }
        }
        d.deserialize_str(V)
    }
}

// ---------------------------------------------------------------------------------------
// HTTP pieces

/// An HTTP method, written in capitals (`"GET"`; lower case is accepted too).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    /// `GET` (the default).
    #[default]
    #[serde(alias = "get")]
    Get,
    /// `HEAD`: no body is read.
    #[serde(alias = "head")]
    Head,
    /// `POST`.
    #[serde(alias = "post")]
    Post,
    /// `PUT`.
    #[serde(alias = "put")]
    Put,
    /// `PATCH`.
    #[serde(alias = "patch")]
    Patch,
    /// `DELETE`.
    #[serde(alias = "delete")]
    Delete,
    /// `OPTIONS`.
    #[serde(alias = "options")]
    Options,
}

impl Method {
    /// The method for reqwest.
    pub fn to_reqwest(self) -> reqwest::Method {
        match self {
            Method::Get => reqwest::Method::GET,
            Method::Head => reqwest::Method::HEAD,
            Method::Post => reqwest::Method::POST,
            Method::Put => reqwest::Method::PUT,
            Method::Patch => reqwest::Method::PATCH,
            Method::Delete => reqwest::Method::DELETE,
            Method::Options => reqwest::Method::OPTIONS,
        }
    }
}

/// Accepted status codes: one code (`200`, or `"200"`), an inclusive range (`"200-299"`) or a
/// class (`"2xx"`). In JSON and TOML a single code may be a number.
///
/// ```
/// use tenggat_probe::check::StatusRange;
///
/// let ok: StatusRange = "200-299".parse()?;
/// assert!(ok.contains(204) && !ok.contains(301));
/// assert_eq!("3xx".parse::<StatusRange>()?, StatusRange::new(300, 399));
/// # Ok::<(), String>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StatusRange {
    /// The lowest accepted code.
    pub lo: u16,
    /// The highest accepted code (inclusive).
    pub hi: u16,
}

impl StatusRange {
    /// Codes `lo` to `hi`, both included.
    pub const fn new(lo: u16, hi: u16) -> StatusRange {
        StatusRange { lo, hi }
    }

    /// Whether `code` is accepted.
    pub fn contains(&self, code: u16) -> bool {
        (self.lo..=self.hi).contains(&code)
    }

    fn check(&self) -> Result<(), String> {
        if !(100..=599).contains(&self.lo) || !(100..=599).contains(&self.hi) {
            return Err("status codes run from 100 to 599".into());
        }
        if self.lo > self.hi {
            return Err(format!("{} is above {}", self.lo, self.hi));
        }
        Ok(())
    }
}

impl std::str::FromStr for StatusRange {
    type Err = String;
    fn from_str(s: &str) -> Result<StatusRange, String> {
        let bad = || {
            format!(
                "bad status range {s:?}: expected a code (200), a range (200-299) or a class (2xx)"
            )
        };
        let t = s.trim();
        let code = |x: &str| x.trim().parse::<u16>().map_err(|_| bad());
        if let Some((lo, hi)) = t.split_once('-') {
            return Ok(StatusRange::new(code(lo)?, code(hi)?));
        }
        if let Some(class) = t.strip_suffix("xx").or_else(|| t.strip_suffix("XX")) {
            let digit = class
                .parse::<u16>()
                .ok()
                .filter(|d| (1..=5).contains(d) && class.len() == 1)
                .ok_or_else(bad)?;
            return Ok(StatusRange::new(digit * 100, digit * 100 + 99));
        }
        let c = code(t)?;
        Ok(StatusRange::new(c, c))
    }
}

impl fmt::Display for StatusRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.lo == self.hi {
            write!(f, "{}", self.lo)
        } else {
            write!(f, "{}-{}", self.lo, self.hi)
        }
    }
}

impl Serialize for StatusRange {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.lo == self.hi {
            s.serialize_u16(self.lo)
        } else {
            s.collect_str(self)
        }
    }
}

impl<'de> Deserialize<'de> for StatusRange {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<StatusRange, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = StatusRange;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a status code (200), a range (\"200-299\") or a class (\"2xx\")")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<StatusRange, E> {
                let c = u16::try_from(v)
                    .map_err(|_| E::custom(format!("bad status code {v}: too large")))?;
                Ok(StatusRange::new(c, c))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<StatusRange, E> {
                let v = u64::try_from(v)
                    .map_err(|_| E::custom(format!("bad status code {v}: negative")))?;
                self.visit_u64(v)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<StatusRange, E> {
                v.parse().map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

fn default_status() -> Vec<StatusRange> {
    vec![StatusRange::new(200, 399)]
}

/// What a response must look like. Every part must hold; omitted parts are not checked
/// (the status defaults to 200–399).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// Accepted status codes (any one of them); default `["200-399"]`.
    #[serde(default = "default_status")]
    pub status: Vec<StatusRange>,
    /// Text the body must contain (case-sensitive, in the first
    /// [`max_body_bytes`](crate::ProberBuilder::max_body_bytes) of it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_contains: Option<String>,
    /// A value the JSON body must hold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub json: Option<JsonExpect>,
}

impl Default for Expect {
    fn default() -> Expect {
        Expect {
            status: default_status(),
            body_contains: None,
            json: None,
        }
    }
}

impl Expect {
    fn is_default(&self) -> bool {
        *self == Expect::default()
    }
}

/// The JSON body must hold `value` at `pointer` (RFC 6901: `/data/0/status`; `""` is the
/// whole body). Numbers compare by value (`1` equals `1.0`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JsonExpect {
    /// Where the value is.
    pub pointer: String,
    /// What it must be.
    pub value: serde_json::Value,
}

fn default_timeout() -> HumanDuration {
    HumanDuration(DEFAULT_TIMEOUT)
}
fn default_cert_warning() -> u32 {
    DEFAULT_CERT_EXPIRY_WARNING_DAYS
}
fn default_redirects() -> u32 {
    DEFAULT_FOLLOW_REDIRECTS
}
fn is_default_timeout(d: &HumanDuration) -> bool {
    d.0 == DEFAULT_TIMEOUT
}
fn is_default_cert_warning(d: &u32) -> bool {
    *d == DEFAULT_CERT_EXPIRY_WARNING_DAYS
}
fn is_default_redirects(d: &u32) -> bool {
    *d == DEFAULT_FOLLOW_REDIRECTS
}

/// An HTTP(S) check: one request, judged by [`Expect`].
///
/// - The check fails as *unreachable* when no response comes (DNS, connect, TLS handshake —
///   an expired or untrusted certificate included — or `timeout` before the response), and
///   as *unhealthy* when the response is wrong (status, keyword, JSON value, a body that
///   stalls past `timeout`, more redirects than `follow_redirects`).
/// - `timeout` covers the whole exchange: redirects and reading the body included.
/// - A certificate expiring within `cert_expiry_warning_days` leaves the outcome ok but adds
///   a warning; `0` turns the warning off.
/// - `ca_pem`: PEM certificates trusted as roots for this check in addition to the usual
///   public roots — a private CA, or a test's self-signed one.
///
/// `Debug` shows header names but not their values, and the body's length only: they may
/// hold credentials.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpCheck {
    /// The method; default `GET`.
    #[serde(default)]
    pub method: Method,
    /// The URL; `http` or `https` only.
    pub url: String,
    /// Request headers.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// Request body, sent as it is (set `content-type` in `headers`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// What the response must look like.
    #[serde(default, skip_serializing_if = "Expect::is_default")]
    pub expect: Expect,
    /// Time allowed for the whole exchange; default 10 s.
    #[serde(
        default = "default_timeout",
        skip_serializing_if = "is_default_timeout"
    )]
    pub timeout: HumanDuration,
    /// Warn when the certificate expires within this many days; default 14, `0` = never.
    #[serde(
        default = "default_cert_warning",
        skip_serializing_if = "is_default_cert_warning"
    )]
    pub cert_expiry_warning_days: u32,
    /// How many redirects to follow; default 5, `0` = none (a 3xx is then judged by
    /// `expect.status`).
    #[serde(
        default = "default_redirects",
        skip_serializing_if = "is_default_redirects"
    )]
    pub follow_redirects: u32,
    /// Extra trusted root certificates, PEM.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_pem: Option<String>,
}

impl HttpCheck {
    /// A `GET` of `url` with every default: status 200–399, 10 s, warn 14 days before the
    /// certificate expires, up to 5 redirects.
    pub fn get(url: impl Into<String>) -> HttpCheck {
        HttpCheck {
            method: Method::Get,
            url: url.into(),
            headers: BTreeMap::new(),
            body: None,
            expect: Expect::default(),
            timeout: default_timeout(),
            cert_expiry_warning_days: DEFAULT_CERT_EXPIRY_WARNING_DAYS,
            follow_redirects: DEFAULT_FOLLOW_REDIRECTS,
            ca_pem: None,
        }
    }
}

/// Header names with their values redacted, for `Debug`.
struct RedactedHeaders<'a>(&'a BTreeMap<String, String>);

impl fmt::Debug for RedactedHeaders<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.0.keys().map(|k| (k, "<redacted>")))
            .finish()
    }
}

/// A body's length, for `Debug`.
fn redacted_body(body: &Option<String>) -> Option<String> {
    body.as_ref().map(|b| format!("<{} bytes>", b.len()))
}

impl fmt::Debug for HttpCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpCheck")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &RedactedHeaders(&self.headers))
            .field("body", &redacted_body(&self.body))
            .field("expect", &self.expect)
            .field("timeout", &self.timeout)
            .field("cert_expiry_warning_days", &self.cert_expiry_warning_days)
            .field("follow_redirects", &self.follow_redirects)
            .field(
                "ca_pem",
                &self.ca_pem.as_ref().map(|p| format!("<{} bytes>", p.len())),
            )
            .finish()
    }
}

// ---------------------------------------------------------------------------------------
// Transactions

/// Where a step takes a variable's value from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Extract {
    /// The JSON body's value at this pointer (`{"json": "/token"}`): a string as it is, any
    /// other value as compact JSON. A missing or `null` value fails the step.
    Json(String),
    /// A response header (`{"header": "x-session"}`); a missing header fails the step.
    Header(String),
}

/// One request of a [`Transaction`]. Its `url`, header values and `body` may use the
/// variables extracted by earlier steps as `{{name}}` (inserted as they are, without
/// escaping). `Debug` redacts header values and the body, like [`HttpCheck`]'s.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// The step's name, shown in failures: `step 2 "login": HTTP 401`.
    pub name: String,
    /// The method; default `GET`.
    #[serde(default)]
    pub method: Method,
    /// The URL (`http` or `https`), may use variables.
    pub url: String,
    /// Request headers; values may use variables.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// Request body; may use variables.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// What the response must look like.
    #[serde(default, skip_serializing_if = "Expect::is_default")]
    pub expect: Expect,
    /// Variables taken from the response for the steps after this one.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extract: BTreeMap<String, Extract>,
}

impl fmt::Debug for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Step")
            .field("name", &self.name)
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &RedactedHeaders(&self.headers))
            .field("body", &redacted_body(&self.body))
            .field("expect", &self.expect)
            .field("extract", &self.extract)
            .finish()
    }
}

/// A synthetic transaction: HTTP steps run in order, each judged like an [`HttpCheck`]. It
/// fails at the first failing step, and the failure names it (`step 2 "login": HTTP 401`);
/// its kind is the step's (unreachable or unhealthy).
///
/// `timeout` covers the whole transaction; `follow_redirects`, `cert_expiry_warning_days`
/// and `ca_pem` apply to every step as in [`HttpCheck`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Transaction {
    /// The transaction's name.
    pub name: String,
    /// The steps, at least one.
    pub steps: Vec<Step>,
    /// Time allowed for all the steps together; default 10 s.
    #[serde(
        default = "default_timeout",
        skip_serializing_if = "is_default_timeout"
    )]
    pub timeout: HumanDuration,
    /// Warn when a certificate expires within this many days; default 14, `0` = never.
    #[serde(
        default = "default_cert_warning",
        skip_serializing_if = "is_default_cert_warning"
    )]
    pub cert_expiry_warning_days: u32,
    /// How many redirects each step follows; default 5.
    #[serde(
        default = "default_redirects",
        skip_serializing_if = "is_default_redirects"
    )]
    pub follow_redirects: u32,
    /// Extra trusted root certificates, PEM.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_pem: Option<String>,
}

// ---------------------------------------------------------------------------------------
// Checks and monitors

/// What a monitor probes. Tagged by `type`: `"http"`, `"tcp"` or `"transaction"`.
///
/// ```
/// use tenggat_probe::check::Check;
///
/// let tcp: Check = serde_json::from_str(r#"{"type": "tcp", "host": "db.example.com", "port": 5432}"#)?;
/// assert!(matches!(&tcp, Check::Tcp { port: 5432, .. }));
/// assert_eq!(tcp.timeout(), std::time::Duration::from_secs(10));
///
/// // Unknown fields are refused.
/// assert!(serde_json::from_str::<Check>(r#"{"type": "tcp", "host": "h", "port": 1, "tls": true}"#).is_err());
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Check {
    /// An HTTP(S) request.
    Http(HttpCheck),
    /// A TCP connect: ok once the connection is established (nothing is sent).
    Tcp {
        /// Host name or IP address.
        host: String,
        /// Port.
        port: u16,
        /// Time allowed for DNS and connect; default 10 s.
        #[serde(
            default = "default_timeout",
            skip_serializing_if = "is_default_timeout"
        )]
        timeout: HumanDuration,
    },
    /// A synthetic transaction.
    Transaction(Transaction),
}

impl Check {
    /// The longest one run of the check may take.
    pub fn timeout(&self) -> Duration {
        match self {
            Check::Http(h) => h.timeout.get(),
            Check::Tcp { timeout, .. } => timeout.get(),
            Check::Transaction(t) => t.timeout.get(),
        }
    }

    /// Checks everything deserializing does not: URLs, headers, status ranges, JSON
    /// pointers, variables, the CA certificates, the timeout.
    pub fn validate(&self) -> Result<(), CheckError> {
        if self.timeout().is_zero() {
            return Err(CheckError::ZeroTimeout);
        }
        match self {
            Check::Http(h) => {
                let at = "check";
                validate_url(at, &h.url, false)?;
                validate_headers(at, &h.headers, false)?;
                validate_expect(at, &h.expect)?;
                validate_redirects(h.follow_redirects)?;
                validate_ca(h.ca_pem.as_deref())
            }
            Check::Tcp { host, port, .. } => validate_tcp(host, *port),
            Check::Transaction(t) => validate_transaction(t),
        }
    }
}

/// A monitor's probe definition: how often, and what. The interval is at least
/// [`MIN_INTERVAL`] (10 s), and the check's timeout at most the interval, so one run
/// always ends before the next slot.
///
/// ```
/// use tenggat_probe::check::{CheckError, Monitor};
///
/// let err = Monitor::from_json(r#"{"interval": "5s", "check": {"type": "tcp", "host": "h", "port": 22}}"#)
///     .unwrap_err();
/// assert!(matches!(err, CheckError::IntervalTooShort { .. }));
/// assert_eq!(err.to_string(), "interval 5s is shorter than the minimum of 10s");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Monitor {
    /// Time between two probes (≥ 10 s).
    pub interval: HumanDuration,
    /// What is probed.
    pub check: Check,
}

impl Monitor {
    /// Parses a monitor from JSON and validates it.
    pub fn from_json(text: &str) -> Result<Monitor, CheckError> {
        let m: Monitor = serde_json::from_str(text).map_err(|e| CheckError::Parse {
            format: "JSON",
            message: e.to_string(),
        })?;
        m.validate()?;
        Ok(m)
    }

    /// Parses a monitor from TOML and validates it.
    pub fn from_toml(text: &str) -> Result<Monitor, CheckError> {
        let m: Monitor = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|span| text[..span.start.min(text.len())].matches('\n').count() + 1);
            CheckError::Parse {
                format: "TOML",
                message: match line {
                    Some(line) => format!("line {line}: {}", e.message()),
                    None => e.message().to_string(),
                },
            }
        })?;
        m.validate()?;
        Ok(m)
    }

    /// Checks the interval, the timeout against it, and the check ([`Check::validate`]).
    pub fn validate(&self) -> Result<(), CheckError> {
        if self.interval.get() < MIN_INTERVAL {
            return Err(CheckError::IntervalTooShort {
                interval: self.interval,
            });
        }
        let timeout = self.check.timeout();
        if timeout > self.interval.get() {
            return Err(CheckError::TimeoutExceedsInterval {
                timeout: timeout.into(),
                interval: self.interval,
            });
        }
        self.check.validate()
    }
}

// ---------------------------------------------------------------------------------------
// Errors

/// A check definition that cannot be run as written, with a stable code
/// ([`CheckError::code`]). `at` says where: `check`, or `step 2 "login"`.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CheckError {
    /// The text is not a monitor.
    #[error("not a valid monitor ({format}): {message}")]
    Parse {
        /// `JSON` or `TOML`.
        format: &'static str,
        /// The parser's message.
        message: String,
    },
    /// The interval is below [`MIN_INTERVAL`].
    #[error("interval {interval} is shorter than the minimum of 10s")]
    IntervalTooShort {
        /// The interval given.
        interval: HumanDuration,
    },
    /// The timeout is longer than the interval.
    #[error("timeout {timeout} is longer than the interval {interval}")]
    TimeoutExceedsInterval {
        /// The check's timeout.
        timeout: HumanDuration,
        /// The monitor's interval.
        interval: HumanDuration,
    },
    /// A zero timeout.
    #[error("timeout must be longer than zero")]
    ZeroTimeout,
    /// A URL that does not parse, or is not `http`/`https` with a host.
    #[error("{at}: bad URL {url:?}: {reason}")]
    BadUrl {
        /// Where.
        at: String,
        /// The URL.
        url: String,
        /// Why.
        reason: String,
    },
    /// A header name or value HTTP does not allow.
    #[error("{at}: bad header {name:?}: {reason}")]
    BadHeader {
        /// Where.
        at: String,
        /// The header's name.
        name: String,
        /// Why.
        reason: String,
    },
    /// A status range outside 100–599 or upside down, or an empty list.
    #[error("{at}: bad status range {range}: {reason}")]
    BadStatusRange {
        /// Where.
        at: String,
        /// The range as written.
        range: String,
        /// Why.
        reason: String,
    },
    /// A JSON pointer that is neither empty nor starts with `/`, or has a bad `~` escape.
    #[error("{at}: bad JSON pointer {pointer:?}: {reason}")]
    BadJsonPointer {
        /// Where.
        at: String,
        /// The pointer.
        pointer: String,
        /// Why.
        reason: String,
    },
    /// A `{{var}}` used before any earlier step extracts it.
    #[error("{at}: unknown variable {{{{{name}}}}} (not extracted by an earlier step)")]
    UnknownVariable {
        /// Where.
        at: String,
        /// The variable.
        name: String,
    },
    /// A malformed `{{…}}` placeholder or variable name.
    #[error("{at}: {reason}")]
    BadTemplate {
        /// Where.
        at: String,
        /// Why.
        reason: String,
    },
    /// An empty `body_contains` (it would match every body).
    #[error("{at}: body_contains is empty")]
    EmptyKeyword {
        /// Where.
        at: String,
    },
    /// A transaction without steps.
    #[error("transaction {name:?} has no steps")]
    EmptyTransaction {
        /// The transaction's name.
        name: String,
    },
    /// An empty or repeated name.
    #[error("{0}")]
    BadName(String),
    /// A TCP target without a host or with port 0.
    #[error("bad TCP target {host:?} port {port}: {reason}")]
    BadTcpTarget {
        /// The host.
        host: String,
        /// The port.
        port: u16,
        /// Why.
        reason: String,
    },
    /// More redirects than [`MAX_FOLLOW_REDIRECTS`].
    #[error("follow_redirects is {0}; at most 20")]
    TooManyRedirects(u32),
    /// `ca_pem` holds no certificate, or one that does not parse.
    #[error("bad ca_pem: {0}")]
    BadCaPem(String),
    /// A self-check reference that is not `host:port`.
    #[error("bad self-check reference {0:?}: expected host:port")]
    BadReference(String),
}

impl CheckError {
    /// The stable code (doubles as the translation key at the edge).
    pub fn code(&self) -> &'static str {
        match self {
            CheckError::Parse { .. } => "probe.parse",
            CheckError::IntervalTooShort { .. } => "probe.interval_too_short",
            CheckError::TimeoutExceedsInterval { .. } => "probe.timeout_exceeds_interval",
            CheckError::ZeroTimeout => "probe.zero_timeout",
            CheckError::BadUrl { .. } => "probe.bad_url",
            CheckError::BadHeader { .. } => "probe.bad_header",
            CheckError::BadStatusRange { .. } => "probe.bad_status_range",
            CheckError::BadJsonPointer { .. } => "probe.bad_json_pointer",
            CheckError::UnknownVariable { .. } => "probe.unknown_variable",
            CheckError::BadTemplate { .. } => "probe.bad_template",
            CheckError::EmptyKeyword { .. } => "probe.empty_keyword",
            CheckError::EmptyTransaction { .. } => "probe.empty_transaction",
            CheckError::BadName(_) => "probe.bad_name",
            CheckError::BadTcpTarget { .. } => "probe.bad_tcp_target",
            CheckError::TooManyRedirects(_) => "probe.too_many_redirects",
            CheckError::BadCaPem(_) => "probe.bad_ca_pem",
            CheckError::BadReference(_) => "probe.bad_reference",
        }
    }
}

// ---------------------------------------------------------------------------------------
// Validation

fn template_error(at: &str, reason: String) -> CheckError {
    CheckError::BadTemplate {
        at: at.to_string(),
        reason,
    }
}

/// Parses `url` (after filling its placeholders with a stand-in, when `templated`).
fn validate_url(at: &str, url: &str, templated: bool) -> Result<(), CheckError> {
    let bad = |reason: String| CheckError::BadUrl {
        at: at.to_string(),
        url: url.to_string(),
        reason,
    };
    let text = if templated {
        let filled = template::fill(url, "x").map_err(|r| template_error(at, r))?;
        if url.trim_start().starts_with("{{") {
            // The scheme and host come from a variable: checked when the step runs.
            return Ok(());
        }
        filled
    } else {
        url.to_string()
    };
    check_url(&text).map(|_| ()).map_err(bad)
}

/// `text` as an `http`/`https` URL with a host.
pub(crate) fn check_url(text: &str) -> Result<Url, String> {
    let parsed = Url::parse(text.trim()).map_err(|e| e.to_string())?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(format!(
            "scheme {:?} is not supported (http or https)",
            parsed.scheme()
        ));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err("no host".into());
    }
    Ok(parsed)
}

fn validate_headers(
    at: &str,
    headers: &BTreeMap<String, String>,
    templated: bool,
) -> Result<(), CheckError> {
    for (name, value) in headers {
        let bad = |reason: String| CheckError::BadHeader {
            at: at.to_string(),
            name: name.clone(),
            reason,
        };
        HeaderName::from_bytes(name.as_bytes()).map_err(|e| bad(e.to_string()))?;
        let value = if templated {
            template::fill(value, "x").map_err(|r| template_error(at, r))?
        } else {
            value.clone()
        };
        HeaderValue::from_str(&value).map_err(|e| bad(format!("bad value: {e}")))?;
    }
    Ok(())
}

fn validate_expect(at: &str, expect: &Expect) -> Result<(), CheckError> {
    if expect.status.is_empty() {
        return Err(CheckError::BadStatusRange {
            at: at.to_string(),
            range: "[]".into(),
            reason: "the list of accepted codes is empty".into(),
        });
    }
    for range in &expect.status {
        range.check().map_err(|reason| CheckError::BadStatusRange {
            at: at.to_string(),
            range: range.to_string(),
            reason,
        })?;
    }
    if let Some(k) = &expect.body_contains
        && k.is_empty()
    {
        return Err(CheckError::EmptyKeyword { at: at.to_string() });
    }
    if let Some(j) = &expect.json {
        validate_pointer(at, &j.pointer)?;
    }
    Ok(())
}

fn validate_pointer(at: &str, pointer: &str) -> Result<(), CheckError> {
    let bad = |reason: &str| CheckError::BadJsonPointer {
        at: at.to_string(),
        pointer: pointer.to_string(),
        reason: reason.to_string(),
    };
    if !pointer.is_empty() && !pointer.starts_with('/') {
        return Err(bad("must be empty or start with '/' (e.g. /data/token)"));
    }
    let mut chars = pointer.chars();
    while let Some(c) = chars.next() {
        if c == '~' && !matches!(chars.next(), Some('0' | '1')) {
            return Err(bad("'~' must be followed by 0 or 1 (~0 is '~', ~1 is '/')"));
        }
    }
    Ok(())
}

fn validate_redirects(n: u32) -> Result<(), CheckError> {
    if n > MAX_FOLLOW_REDIRECTS {
        return Err(CheckError::TooManyRedirects(n));
    }
    Ok(())
}

/// Parses the certificates of a PEM bundle: at least one, each X.509.
pub(crate) fn parse_ca_pem(pem: &str) -> Result<Vec<Vec<u8>>, String> {
    let mut ders = Vec::new();
    for block in x509_parser::pem::Pem::iter_from_buffer(pem.as_bytes()) {
        let block = block.map_err(|e| format!("not PEM: {e}"))?;
        if block.label != "CERTIFICATE" {
            continue;
        }
        block
            .parse_x509()
            .map_err(|e| format!("a certificate does not parse: {e}"))?;
        ders.push(block.contents);
    }
    if ders.is_empty() {
        return Err("no CERTIFICATE block".into());
    }
    Ok(ders)
}

fn validate_ca(pem: Option<&str>) -> Result<(), CheckError> {
    match pem {
        Some(pem) => parse_ca_pem(pem).map(|_| ()).map_err(CheckError::BadCaPem),
        None => Ok(()),
    }
}

fn validate_tcp(host: &str, port: u16) -> Result<(), CheckError> {
    let bad = |reason: &str| CheckError::BadTcpTarget {
        host: host.to_string(),
        port,
        reason: reason.to_string(),
    };
    if host.trim().is_empty() {
        return Err(bad("no host"));
    }
    if host.contains("://") || host.contains('/') || host.chars().any(char::is_whitespace) {
        return Err(bad(
            "host must be a name or an IP address, without scheme or path",
        ));
    }
    if port == 0 {
        return Err(bad("port 0"));
    }
    Ok(())
}

fn validate_transaction(t: &Transaction) -> Result<(), CheckError> {
    if t.name.trim().is_empty() {
        return Err(CheckError::BadName("a transaction needs a name".into()));
    }
    if t.steps.is_empty() {
        return Err(CheckError::EmptyTransaction {
            name: t.name.clone(),
        });
    }
    validate_redirects(t.follow_redirects)?;
    validate_ca(t.ca_pem.as_deref())?;
    let mut names = BTreeSet::new();
    let mut defined: BTreeSet<&str> = BTreeSet::new();
    for (i, step) in t.steps.iter().enumerate() {
        let at = step_label(i, &step.name);
        if step.name.trim().is_empty() {
            return Err(CheckError::BadName(format!("step {} needs a name", i + 1)));
        }
        if !names.insert(step.name.as_str()) {
            return Err(CheckError::BadName(format!(
                "{at}: another step has the same name"
            )));
        }
        let mut used = template::variables(&step.url).map_err(|r| template_error(&at, r))?;
        for value in step.headers.values() {
            used.extend(template::variables(value).map_err(|r| template_error(&at, r))?);
        }
        if let Some(body) = &step.body {
            used.extend(template::variables(body).map_err(|r| template_error(&at, r))?);
        }
        if let Some(unknown) = used.into_iter().find(|v| !defined.contains(v)) {
            return Err(CheckError::UnknownVariable {
                at,
                name: unknown.to_string(),
            });
        }
        validate_url(&at, &step.url, true)?;
        validate_headers(&at, &step.headers, true)?;
        validate_expect(&at, &step.expect)?;
        for (var, source) in &step.extract {
            if !template::is_variable_name(var) {
                return Err(template_error(
                    &at,
                    format!("bad variable name {var:?} (letters, digits, `_` and `-`)"),
                ));
            }
            match source {
                Extract::Json(pointer) => validate_pointer(&at, pointer)?,
                Extract::Header(name) => {
                    HeaderName::from_bytes(name.as_bytes()).map_err(|e| CheckError::BadHeader {
                        at: at.clone(),
                        name: name.clone(),
                        reason: e.to_string(),
                    })?;
                }
            }
        }
        defined.extend(step.extract.keys().map(String::as_str));
    }
    Ok(())
}

/// `step 2 "login"` (numbered from 1).
pub(crate) fn step_label(index: usize, name: &str) -> String {
    format!("step {} {name:?}", index + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_and_write_the_compact_form() {
        for (text, secs) in [("30s", 30), ("5m", 300), ("1h30m", 5400), ("PT10S", 10)] {
            let d: HumanDuration = text.parse().unwrap();
            assert_eq!(d.get(), Duration::from_secs(secs), "{text}");
        }
        let half: HumanDuration = "2.5s".parse().unwrap();
        assert_eq!(half.get(), Duration::from_millis(2500));
        assert_eq!(half.to_string(), "2.5s");
        assert_eq!(HumanDuration::from_secs(90).to_string(), "1m30s");
        assert!(
            "1bd"
                .parse::<HumanDuration>()
                .unwrap_err()
                .contains("business days")
        );
        assert!("10".parse::<HumanDuration>().is_err());
    }

    #[test]
    fn status_ranges_parse_and_print() {
        assert_eq!(
            "204".parse::<StatusRange>().unwrap(),
            StatusRange::new(204, 204)
        );
        assert_eq!(
            " 200 - 299 ".parse::<StatusRange>().unwrap(),
            StatusRange::new(200, 299)
        );
        assert_eq!(
            "5xx".parse::<StatusRange>().unwrap(),
            StatusRange::new(500, 599)
        );
        assert!("6xx".parse::<StatusRange>().is_err());
        assert!("abc".parse::<StatusRange>().is_err());
        let json: Vec<StatusRange> = serde_json::from_str(r#"[200, "300-302", "4xx"]"#).unwrap();
        assert_eq!(
            serde_json::to_string(&json).unwrap(),
            r#"[200,"300-302","400-499"]"#
        );
    }

    #[test]
    fn pointers() {
        assert!(validate_pointer("check", "").is_ok());
        assert!(validate_pointer("check", "/a~0b/c~1d/0").is_ok());
        assert!(validate_pointer("check", "a/b").is_err());
        assert!(validate_pointer("check", "/a~2").is_err());
        assert!(validate_pointer("check", "/a~").is_err());
    }
}
