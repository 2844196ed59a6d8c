//! The dispatcher: delivers the outbox at least once, with retries and backoff.
//!
//! A pass claims the notifications that are due ([`tenggat_store::Store::claim_notifications`]:
//! the claim counts the attempt and leases the row for [`LEASE`]), sends them a few at a time,
//! and records each outcome. A failed attempt is retried after a backoff that triples from
//! [`NotifyConfig::retry_base`] up to an hour; after [`MAX_ATTEMPTS`] it is given up and shown
//! as `failed` on the ticket. A process killed after the commit of the event but before the
//! delivery (or during it) loses nothing: the row stays pending, or its lease runs out, and
//! the next pass of any replica sends it. A receiver may therefore see a message twice; the
//! dedupe key (`X-Tenggat-Delivery`, the e-mail's Message-ID) tells it so.

use std::sync::Arc;
use std::time::Duration;

use futures_util::stream::{self, StreamExt};
use jiff::{SignedDuration, Timestamp};
use tenggat_store::{Database, Notification, NotifyChannel, Store, StoreError};
use tokio::sync::Notify;

use super::email::{MailConfigError, Mailer};
use super::render::render;
use super::webhook::Poster;
use crate::Clock;

/// Attempts before a notification is given up.
pub const MAX_ATTEMPTS: i64 = 12;
/// How long a claimed notification is left to its dispatcher before others may retry it, by
/// default (longer than an SMTP conversation or an HTTP call may take).
pub const LEASE: Duration = Duration::from_secs(120);
/// The longest backoff.
const MAX_BACKOFF: Duration = Duration::from_secs(3600);
/// Notifications claimed per store query.
const BATCH: u32 = 64;
/// Deliveries under way at once.
const CONCURRENCY: usize = 16;
/// The longest sleep (a row written by another replica cannot wake this one).
const MAX_SLEEP: Duration = Duration::from_secs(30);
/// The shortest sleep between passes.
const MIN_SLEEP: Duration = Duration::from_millis(50);

/// How notifications leave the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotifyConfig {
    /// The SMTP server (`smtp://127.0.0.1:2525`, `smtp://host?tls=required`,
    /// `smtps://user:password@host`); none: no e-mail.
    pub smtp_url: Option<String>,
    /// The sender of e-mail.
    pub from: String,
    /// The first retry's delay; each further one is three times longer (at most an hour).
    pub retry_base: Duration,
    /// How long a claimed notification belongs to its dispatcher (see [`LEASE`]); a
    /// dispatcher that died mid-delivery holds it this long.
    pub lease: Duration,
}

impl Default for NotifyConfig {
    fn default() -> NotifyConfig {
        NotifyConfig {
            smtp_url: None,
            from: "Tenggat <tenggat@localhost>".to_owned(),
            retry_base: Duration::from_secs(10),
            lease: LEASE,
        }
    }
}

/// The channels' senders.
#[derive(Debug, Clone)]
pub struct Senders {
    mailer: Option<Mailer>,
    poster: Poster,
    retry_base: Duration,
    lease: SignedDuration,
}

/// Why the notification settings are unusable.
#[derive(Debug, thiserror::Error)]
pub enum SendersError {
    /// SMTP settings.
    #[error(transparent)]
    Mail(#[from] MailConfigError),
    /// The HTTP client.
    #[error("{0}")]
    Http(String),
}

impl Senders {
    /// Senders for a configuration.
    pub fn new(config: &NotifyConfig) -> Result<Senders, SendersError> {
        let mailer = match &config.smtp_url {
            Some(url) => Some(Mailer::new(url, &config.from)?),
            None => None,
        };
        Ok(Senders {
            mailer,
            poster: Poster::new().map_err(SendersError::Http)?,
            retry_base: config.retry_base,
            lease: SignedDuration::try_from(config.lease).unwrap_or(SignedDuration::from_mins(2)),
        })
    }

    /// Whether e-mail can be sent.
    pub fn has_email(&self) -> bool {
        self.mailer.is_some()
    }
}

/// The delay before attempt `attempts + 1`: `base`, then three times longer each time, at
/// most an hour.
pub fn backoff(base: Duration, attempts: i64) -> Duration {
    let exponent = u32::try_from(attempts.saturating_sub(1).clamp(0, 20)).unwrap_or(20);
    base.saturating_mul(3u32.saturating_pow(exponent))
        .min(MAX_BACKOFF)
}

/// An attempt's failure: worth retrying, or not.
#[derive(Debug)]
enum Failure {
    Retry(String),
    GiveUp(String),
}

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryPass {
    /// Delivered.
    pub delivered: usize,
    /// Failed and left for a retry.
    pub retried: usize,
    /// Failed for good.
    pub failed: usize,
}

/// Delivers every notification due now (by `clock`), then returns.
pub async fn deliver_due(
    db: &Database,
    senders: &Senders,
    clock: &dyn Clock,
) -> Result<DeliveryPass, StoreError> {
    let mut pass = DeliveryPass::default();
    loop {
        let now = clock.now();
        let lease_until = now.checked_add(senders.lease).unwrap_or(now);
        let claimed = db.claim_notifications(now, lease_until, BATCH).await?;
        let count = claimed.len();
        let mut results = stream::iter(claimed)
            .map(|n| async move {
                let outcome = deliver_one(db, senders, &n, now).await;
                (n, outcome)
            })
            .buffer_unordered(CONCURRENCY);
        while let Some((n, outcome)) = results.next().await {
            let at = clock.now();
            match outcome {
                Ok(()) => {
                    db.notification_delivered(n.id, at).await?;
                    pass.delivered += 1;
                }
                Err(Failure::Retry(e)) if n.attempts < MAX_ATTEMPTS => {
                    let wait = SignedDuration::try_from(backoff(senders.retry_base, n.attempts))
                        .unwrap_or(SignedDuration::from_hours(1));
                    let retry_at = at.checked_add(wait).unwrap_or(at);
                    db.notification_failed(n.id, &e, Some(retry_at)).await?;
                    pass.retried += 1;
                }
                Err(Failure::Retry(e) | Failure::GiveUp(e)) => {
                    eprintln!(
                        "tenggat-server: notification {} ({}) given up after {} attempts: {e}",
                        n.id, n.channel, n.attempts
                    );
                    db.notification_failed(n.id, &e, None).await?;
                    pass.failed += 1;
                }
            }
        }
        if count < BATCH as usize {
            return Ok(pass);
        }
    }
}

async fn deliver_one(
    db: &Database,
    senders: &Senders,
    n: &Notification,
    now: Timestamp,
) -> Result<(), Failure> {
    let text = render(&n.payload);
    match n.channel {
        NotifyChannel::InApp => Ok(()),
        NotifyChannel::Email => {
            let mailer = senders.mailer.as_ref().ok_or_else(|| {
                Failure::Retry("e-mail is not configured (notify.smtp_url)".to_owned())
            })?;
            mailer
                .send(&n.recipient, &n.dedupe_key, &text)
                .await
                .map_err(Failure::Retry)
        }
        NotifyChannel::Webhook => {
            let id: i64 = n
                .recipient
                .parse()
                .map_err(|_| Failure::GiveUp(format!("bad webhook id {:?}", n.recipient)))?;
            let hook = match db.get_webhook(id).await {
                Ok(hook) => hook,
                Err(StoreError::NotFound(_)) => {
                    return Err(Failure::GiveUp(format!("webhook {id} no longer exists")));
                }
                Err(e) => return Err(Failure::Retry(e.to_string())),
            };
            if hook.disabled_at.is_some() {
                return Err(Failure::GiveUp(format!("webhook {id} is disabled")));
            }
            let seconds = now.as_second();
            senders
                .poster
                .post(
                    &hook.url,
                    &hook.secret,
                    &n.dedupe_key,
                    &n.payload,
                    &text,
                    seconds,
                )
                .await
                .map_err(Failure::Retry)
        }
    }
}

/// The dispatcher's loop: a pass, then sleep until the earliest pending attempt (at most
/// 30 s) or until `wake` is notified (new rows were committed), forever.
pub async fn run(db: Database, senders: Arc<Senders>, clock: Arc<dyn Clock>, wake: Arc<Notify>) {
    loop {
        if let Err(e) = deliver_due(&db, &senders, clock.as_ref()).await {
            eprintln!("tenggat-server: notification pass failed: {e}");
        }
        let sleep = match db.earliest_notification_attempt().await {
            Ok(Some(next)) => Duration::try_from(clock.now().duration_until(next))
                .unwrap_or(Duration::ZERO)
                .clamp(MIN_SLEEP, MAX_SLEEP),
            Ok(None) => MAX_SLEEP,
            Err(e) => {
                eprintln!("tenggat-server: cannot read the next notification attempt: {e}");
                MAX_SLEEP
            }
        };
        tokio::select! {
            () = tokio::time::sleep(sleep) => {}
            () = wake.notified() => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_triples_up_to_an_hour() {
        let base = Duration::from_secs(10);
        let waits: Vec<u64> = (1..=9).map(|a| backoff(base, a).as_secs()).collect();
        assert_eq!(waits, [10, 30, 90, 270, 810, 2430, 3600, 3600, 3600]);
        assert_eq!(backoff(base, 0).as_secs(), 10);
    }
}
