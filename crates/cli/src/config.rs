//! Configuration: defaults → `tenggat.toml` → `TENGGAT_*` environment variables.
//!
//! A misspelt key in the file is an error, not a silently ignored setting.

use std::path::Path;

use anyhow::{Result, anyhow};
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

/// Where the configuration file is looked for when `--config` is not given.
pub const DEFAULT_FILE: &str = "tenggat.toml";

/// The database used when nothing else is configured: an SQLite file next to the process.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://./tenggat.db";

/// The address `tenggat serve` listens on by default: loopback only.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

/// The URL people reach the server at by default.
pub const DEFAULT_PUBLIC_URL: &str = "http://127.0.0.1:8080";

/// Where attachments (and later backups) are kept by default.
pub const DEFAULT_DATA_DIR: &str = "./tenggat-data";

/// Request budgets (`[rate_limit]`); a `*_per_second` of 0 switches that limit off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimits {
    /// Sustained requests per second per API token or session.
    pub per_credential_per_second: u32,
    /// Burst per API token or session.
    pub per_credential_burst: u32,
    /// Sustained requests per second per client IP.
    pub per_ip_per_second: u32,
    /// Burst per client IP.
    pub per_ip_burst: u32,
}

impl Default for RateLimits {
    fn default() -> Self {
        let d = tenggat_server::RateLimitConfig::default();
        RateLimits {
            per_credential_per_second: d.per_credential_per_second,
            per_credential_burst: d.per_credential_burst,
            per_ip_per_second: d.per_ip_per_second,
            per_ip_burst: d.per_ip_burst,
        }
    }
}

impl From<RateLimits> for tenggat_server::RateLimitConfig {
    fn from(r: RateLimits) -> Self {
        tenggat_server::RateLimitConfig {
            per_credential_per_second: r.per_credential_per_second,
            per_credential_burst: r.per_credential_burst,
            per_ip_per_second: r.per_ip_per_second,
            per_ip_burst: r.per_ip_burst,
        }
    }
}

/// The settings of a Tenggat deployment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// `sqlite://PATH` (the embedded default) or `postgres://USER@HOST/DB`.
    pub database_url: String,
    /// `HOST:PORT` that `tenggat serve` listens on.
    pub listen: String,
    /// The URL people reach the server at; links the server prints or sends start with it.
    pub public_url: String,
    /// Directory for attachments.
    pub data_dir: String,
    /// Largest attachment accepted, in bytes.
    pub max_attachment_bytes: usize,
    /// Request budgets.
    pub rate_limit: RateLimits,
    /// How notifications leave the server.
    pub notify: Notify,
    /// Availability monitoring.
    pub monitoring: Monitoring,
}

/// `[monitoring]`: the server's own prober and the availability evaluator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Monitoring {
    /// Whether this server probes monitors and evaluates availability.
    pub enabled: bool,
    /// `host:port` targets the prober checks its own connectivity against before it reports
    /// a service unreachable (none: no self-check).
    pub self_check: Vec<String>,
    /// Days raw probe samples are kept (at least 1); the availability timeline is kept.
    pub sample_retention_days: u32,
}

impl Default for Monitoring {
    fn default() -> Self {
        Monitoring {
            enabled: true,
            self_check: Vec::new(),
            sample_retention_days: 35,
        }
    }
}

/// `[notify]`: how notifications leave the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Notify {
    /// The SMTP server; empty: no e-mail (in-app and webhooks still work).
    pub smtp_url: String,
    /// The sender of e-mail.
    pub from: String,
    /// Seconds before the first retry of a failed delivery (each further one waits 3× longer).
    pub retry_seconds: u64,
    /// Seconds a delivery attempt may hold its notification before another replica retries it.
    pub lease_seconds: u64,
}

impl Default for Notify {
    fn default() -> Self {
        let d = tenggat_server::notify::dispatch::NotifyConfig::default();
        Notify {
            smtp_url: String::new(),
            from: d.from,
            retry_seconds: d.retry_base.as_secs(),
            lease_seconds: d.lease.as_secs(),
        }
    }
}

impl From<Notify> for tenggat_server::notify::dispatch::NotifyConfig {
    fn from(n: Notify) -> Self {
        tenggat_server::notify::dispatch::NotifyConfig {
            smtp_url: (!n.smtp_url.trim().is_empty()).then_some(n.smtp_url),
            from: n.from,
            retry_base: std::time::Duration::from_secs(n.retry_seconds.max(1)),
            lease: std::time::Duration::from_secs(n.lease_seconds.max(1)),
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            database_url: DEFAULT_DATABASE_URL.into(),
            listen: DEFAULT_LISTEN.into(),
            public_url: DEFAULT_PUBLIC_URL.into(),
            data_dir: DEFAULT_DATA_DIR.into(),
            max_attachment_bytes: tenggat_server::DEFAULT_MAX_ATTACHMENT_BYTES,
            rate_limit: RateLimits::default(),
            notify: Notify::default(),
            monitoring: Monitoring::default(),
        }
    }
}

/// The settings environment variables may set (`TENGGAT_<KEY>`; `__` separates a table
/// from its key: `TENGGAT_RATE_LIMIT__PER_IP_PER_SECOND`).
const ENV_KEYS: &[&str] = &[
    "database_url",
    "listen",
    "public_url",
    "data_dir",
    "max_attachment_bytes",
    "rate_limit__per_credential_per_second",
    "rate_limit__per_credential_burst",
    "rate_limit__per_ip_per_second",
    "rate_limit__per_ip_burst",
    "notify__smtp_url",
    "notify__from",
    "notify__retry_seconds",
    "notify__lease_seconds",
    "monitoring__enabled",
    "monitoring__sample_retention_days",
];

impl Config {
    /// Loads the configuration. `file` is `--config`; without it `tenggat.toml` is read when
    /// it exists. An explicitly named file that does not exist is an error.
    pub fn load(file: Option<&Path>) -> Result<Config> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        match file {
            Some(path) => {
                if !path.is_file() {
                    return Err(anyhow!(
                        "configuration file {} does not exist",
                        path.display()
                    ));
                }
                figment = figment.merge(Toml::file_exact(path));
            }
            None => {
                if Path::new(DEFAULT_FILE).is_file() {
                    figment = figment.merge(Toml::file_exact(DEFAULT_FILE));
                }
            }
        }
        figment = figment.merge(
            Env::prefixed("TENGGAT_")
                .filter(|key| ENV_KEYS.contains(&key.as_str().to_ascii_lowercase().as_str()))
                .split("__"),
        );
        figment.extract().map_err(|e| {
            anyhow!(
                "invalid configuration: {}",
                e.to_string().replace('\n', " ")
            )
        })
    }

    /// True when the database is the built-in default (the only case in which a missing
    /// SQLite file is created without asking).
    pub fn uses_default_database(&self) -> bool {
        self.database_url == DEFAULT_DATABASE_URL
    }
}

/// The annotated example printed by `tenggat default-config`.
pub fn annotated_default() -> String {
    format!(
        r#"# Tenggat configuration (tenggat.toml). Every setting can also be given as an environment
# variable: TENGGAT_<NAME IN CAPITALS>, e.g. TENGGAT_DATABASE_URL. The environment wins over
# this file, and this file over the defaults shown here.

# The database.
#   sqlite://./tenggat.db          the embedded default: one file (WAL), nothing to install
#   postgres://tenggat@db.example/tenggat   PostgreSQL, for several replicas
# Only the default SQLite file is created when it is missing; any other URL must point at an
# existing database (create it with `tenggat migrate --create`), so a mistyped URL is an error
# and never a new, empty database.
database_url = "{DEFAULT_DATABASE_URL}"

# The address `tenggat serve` listens on (HOST:PORT). The default answers on this machine
# only; put a reverse proxy with TLS in front, or use 0.0.0.0:8080 to listen everywhere.
listen = "{DEFAULT_LISTEN}"

# The URL people reach the server at (behind a proxy: the proxy's URL). Links the server
# prints, such as the first-run password-setup link, start with it.
public_url = "{DEFAULT_PUBLIC_URL}"

# Where attachments are kept (created when missing). Back it up with the database.
data_dir = "{DEFAULT_DATA_DIR}"

# Largest attachment accepted, in bytes (screenshots, short videos).
max_attachment_bytes = {max_attachment}

# Request budgets; over budget, the answer is 429 with Retry-After. 0 per second = no limit.
# Environment: TENGGAT_RATE_LIMIT__PER_IP_PER_SECOND=…
[rate_limit]
per_credential_per_second = {rl_cps}
per_credential_burst = {rl_cb}
per_ip_per_second = {rl_ips}
per_ip_burst = {rl_ib}

# Notifications (SLA warnings, breaches, escalations, requests) go to the people concerned in
# the app, by e-mail when an SMTP server is set, and to the provider's webhooks. Delivery is
# at least once: a failed one is retried after retry_seconds, then 3× longer each time (at
# most an hour), 12 attempts in all. Environment: TENGGAT_NOTIFY__SMTP_URL=…
#   smtp_url = "smtp://127.0.0.1:2525"                     plain SMTP (a local relay or sink)
#   smtp_url = "smtp://mail.example.com:587?tls=required"  STARTTLS
#   smtp_url = "smtps://user:password@mail.example.com"    TLS, with a login
[notify]
smtp_url = ""
from = "{notify_from}"
retry_seconds = {notify_retry}
# How long one delivery attempt may take before another replica may retry it (a replica that
# died mid-delivery delays that notification this long).
lease_seconds = {notify_lease}

# Availability monitoring: this server runs the probes of the monitors due at location
# "local" (each slot once across replicas) and evaluates each service's downtime.
# Environment: TENGGAT_MONITORING__ENABLED=false
[monitoring]
enabled = true
# Before a probe reports a service unreachable, the prober checks that it can reach at least
# one of these itself (host:port over TCP); if none answers the sample is "no data", never
# downtime. Empty: no self-check. Example: ["1.1.1.1:53", "8.8.8.8:53"]
self_check = []
# Days raw probe samples are kept. The per-minute verdicts (downtime and no-data runs) are
# kept for good; samples still needed by a service whose evaluation lags are kept too.
sample_retention_days = 35
"#,
        max_attachment = tenggat_server::DEFAULT_MAX_ATTACHMENT_BYTES,
        rl_cps = RateLimits::default().per_credential_per_second,
        rl_cb = RateLimits::default().per_credential_burst,
        rl_ips = RateLimits::default().per_ip_per_second,
        rl_ib = RateLimits::default().per_ip_burst,
        notify_from = Notify::default().from,
        notify_retry = Notify::default().retry_seconds,
        notify_lease = Notify::default().lease_seconds,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_annotated_default_is_the_default() {
        let parsed: Config = toml::from_str(&annotated_default()).unwrap();
        assert_eq!(parsed, Config::default());
    }
}
