//! Sample retention: raw probe samples are deleted once they are older than the configured
//! retention **and** every monitored service's timeline has been evaluated well past them, so
//! pruning never takes a sample the evaluator still needs (an evaluator that was stopped for a
//! week catches up from its samples first). What stays is the timeline: its runs are the
//! per-minute verdicts, run-length encoded (see `docs/availability.md`, "Storage").

use jiff::{SignedDuration, Timestamp};
use tenggat_store::{Database, Monitoring, StoreError};

/// The default retention of raw samples: a month and a bit, so the month just ended can
/// still be recomputed from them while claims are made.
pub const DEFAULT_RETENTION: SignedDuration = SignedDuration::from_hours(24 * 35);
/// Samples this far before a service's `evaluated_until` may still be read (the longest
/// lookback of any rule is far shorter).
const EVALUATION_MARGIN: SignedDuration = SignedDuration::from_hours(24);

/// The instant before which samples may be deleted at `now`: `now − retention`, but never
/// later than a day before the least advanced service's `evaluated_until`.
pub async fn cutoff(
    db: &Database,
    now: Timestamp,
    retention: SignedDuration,
) -> Result<Timestamp, StoreError> {
    let mut before = now - retention.max(EVALUATION_MARGIN);
    for (contract_id, service_id) in db.monitored_services().await? {
        let until = db
            .availability_state(contract_id, &service_id)
            .await?
            .map(|s| s.evaluated_until);
        match until {
            Some(until) => before = before.min(until - EVALUATION_MARGIN),
            // Never evaluated yet: keep everything of it.
            None => return Ok(Timestamp::MIN),
        }
    }
    Ok(before)
}

/// Deletes the samples [`cutoff`] allows; returns how many went.
pub async fn prune(
    db: &Database,
    now: Timestamp,
    retention: SignedDuration,
) -> Result<u64, StoreError> {
    let before = cutoff(db, now, retention).await?;
    if before == Timestamp::MIN {
        return Ok(0);
    }
    db.prune_samples(before).await
}
