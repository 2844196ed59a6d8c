//! TLS certificates close to expiry: a probe that saw a certificate expiring within its
//! check's `cert_expiry_warning_days` leaves its sample ok with a warning; this module turns
//! such samples, from the local prober or a probe agent, into a `certificate_expiring` notice
//! to the provider's agents and administrators and its webhooks.
//!
//! Each certificate is told twice at most: when it enters the warning period and on its last
//! day. The notice's key names the monitor, the certificate's expiry and the stage, so every
//! probe that sees it again writes nothing; the planner's short memory of keys told
//! ([`Planner::first_time`](crate::notify::Planner::first_time)) saves even the statement.

use std::collections::HashSet;

use jiff::{SignedDuration, Timestamp};
use serde_json::json;
use tenggat_probe::Check;
use tenggat_store::{Database, Monitor, Monitoring, ProbeSample, SampleOutcome, Store};

use crate::desk::DeskError;
use crate::monitoring::probes::check_of;
use crate::notify::notices::{CERTIFICATE_EXPIRING, Notice};
use crate::scheduler::Jobs;

/// A certificate close to expiry, as one sample saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expiring {
    /// When it expires.
    pub expires_at: Timestamp,
    /// Whole days left at the sample.
    pub days: i64,
    /// `warning` (within the warning period) or `last_day` (under 24 hours left).
    pub stage: &'static str,
}

/// Whether a sample may carry a certificate warning: ok, with a certificate and a detail (the
/// prober writes warnings there). Cheap: no monitor needed.
pub fn may_warn(sample: &ProbeSample) -> bool {
    sample.outcome == SampleOutcome::Ok
        && sample.cert_expires_at.is_some()
        && !sample.detail.is_empty()
}

/// The warning period of a monitor's check, `None` when it has no TLS or never warns.
fn warning_days(check: &Check) -> Option<u32> {
    let days = match check {
        Check::Http(h) => h.cert_expiry_warning_days,
        Check::Transaction(t) => t.cert_expiry_warning_days,
        _ => 0,
    };
    (days > 0).then_some(days)
}

/// The hosts whose certificates a check reads.
fn hosts(check: &Check) -> String {
    let host = |url: &str| {
        reqwest::Url::parse(url)
            .ok()
            .filter(|u| u.scheme() == "https")
            .and_then(|u| u.host_str().map(str::to_owned))
    };
    let mut out: Vec<String> = match check {
        Check::Http(h) => host(&h.url).into_iter().collect(),
        Check::Transaction(t) => t.steps.iter().filter_map(|s| host(&s.url)).collect(),
        _ => Vec::new(),
    };
    out.dedup();
    out.join(", ")
}

/// What a sample of `monitor` says of its certificate under the monitor's warning period.
pub fn expiring(monitor: &Monitor, sample: &ProbeSample) -> Option<Expiring> {
    let expires_at = sample.cert_expires_at?;
    let days = warning_days(&check_of(monitor).ok()?)?;
    let left = expires_at.duration_since(sample.at);
    if left >= SignedDuration::from_hours(24 * i64::from(days)) {
        return None;
    }
    Some(Expiring {
        expires_at,
        days: left.as_secs().div_euclid(86_400).max(0),
        stage: if left < SignedDuration::from_hours(24) {
            "last_day"
        } else {
            "warning"
        },
    })
}

/// Tells of the certificates close to expiry among freshly stored samples (see the module
/// documentation). Returns the notices written.
pub async fn notify_expiring(
    db: &Database,
    jobs: &Jobs,
    samples: &[ProbeSample],
    now: Timestamp,
) -> Result<u64, DeskError> {
    let mut written = 0;
    let mut seen = HashSet::new();
    for sample in samples.iter().filter(|s| may_warn(s)) {
        if !seen.insert((sample.monitor_id, sample.cert_expires_at)) {
            continue;
        }
        let monitor = db.get_monitor(sample.monitor_id, None).await?;
        let Some(soon) = expiring(&monitor, sample) else {
            continue;
        };
        let key = format!(
            "certificate:{}:{}:{}",
            monitor.id, soon.expires_at, soon.stage
        );
        if !jobs.planner.first_time(&key) {
            continue;
        }
        let contract = db.get_contract(monitor.contract_id, None).await?;
        let policy = jobs.policies.for_contract(db, &contract).await?;
        let check = check_of(&monitor).map_err(DeskError::Availability)?;
        let notice = Notice {
            kind: CERTIFICATE_EXPIRING,
            provider_id: monitor.provider_id,
            customer_org_id: contract.customer_org_id,
            policy: &policy,
            contract_id: contract.id,
            service_id: Some(&monitor.service_id),
            key,
            at: sample.at,
            event: json!({
                "monitor": monitor.name,
                "monitor_id": monitor.id,
                "host": hosts(&check),
                "expires_at": soon.expires_at.to_string(),
                "days": soon.days,
                "stage": soon.stage,
            }),
            url: format!(
                "{}/api/v1/monitors/{}",
                jobs.planner.public_url(),
                monitor.id
            ),
        };
        let rows = jobs.planner.notices(db, &notice).await?;
        written += db.enqueue_notices(now, &rows).await?;
    }
    if written > 0 {
        jobs.dispatcher_wake.notify_one();
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn monitor(check: serde_json::Value) -> Monitor {
        Monitor {
            id: 3,
            provider_id: 1,
            contract_id: 2,
            service_id: "api".into(),
            name: "API".into(),
            check,
            interval_ms: 30_000,
            locations: vec!["local".into()],
            public: false,
            created_at: Timestamp::UNIX_EPOCH,
            paused_at: None,
            next_run_at: Timestamp::UNIX_EPOCH,
        }
    }

    fn sample(at: &str, expires: &str) -> ProbeSample {
        ProbeSample {
            monitor_id: 3,
            location: "local".into(),
            at: at.parse().expect("at"),
            outcome: SampleOutcome::Ok,
            failure_kind: None,
            detail: "TLS certificate expires soon".into(),
            latency_ms: Some(5),
            cert_expires_at: Some(expires.parse().expect("expires")),
        }
    }

    #[test]
    fn the_warning_period_is_the_checks() {
        let m = monitor(json!({"type": "http", "url": "https://api.example.id/health"}));
        // Default 14 days: 14 days left is outside, a second less is inside.
        assert_eq!(
            expiring(&m, &sample("2026-03-01T00:00:00Z", "2026-03-15T00:00:00Z")),
            None
        );
        let soon =
            expiring(&m, &sample("2026-03-01T00:00:01Z", "2026-03-15T00:00:00Z")).expect("inside");
        assert_eq!((soon.days, soon.stage), (13, "warning"));
        let last = expiring(&m, &sample("2026-03-14T00:00:01Z", "2026-03-15T00:00:00Z"))
            .expect("last day");
        assert_eq!((last.days, last.stage), (0, "last_day"));
        let never = monitor(json!({
            "type": "http", "url": "https://api.example.id/health", "cert_expiry_warning_days": 0
        }));
        assert_eq!(
            expiring(
                &never,
                &sample("2026-03-14T00:00:01Z", "2026-03-15T00:00:00Z")
            ),
            None,
            "0 never warns"
        );
    }

    #[test]
    fn hosts_are_the_https_ones() {
        let check = check_of(&monitor(
            json!({"type": "transaction", "name": "login", "steps": [
                {"name": "a", "url": "https://id.example.id/login"},
                {"name": "b", "url": "http://plain.example.id/x"},
                {"name": "c", "url": "https://api.example.id/me"}
            ]}),
        ))
        .expect("check");
        assert_eq!(hosts(&check), "id.example.id, api.example.id");
    }
}
