//! The server's own prober (location [`LOCAL_LOCATION`]): claims each due probe slot once
//! across all servers ([`Monitoring::claim_probe_slots`]), runs the probes concurrently and
//! stores their samples in batches.
//!
//! The claiming loop never waits for a probe: each runs in its own task (at most
//! [`ProbeConfig::concurrency`] at once), and a recorder task writes the samples a few hundred
//! per statement and wakes the evaluator. The loop sleeps until the earliest slot of any
//! monitor, or until a new monitor wakes it. How late each probe started after its slot is
//! kept in [`ProbeStats`] (the benchmark's "no probe later than 2 s past its slot").

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tenggat_availability::Outcome;
use tenggat_probe::{Check, Prober};
use tenggat_store::{Database, LOCAL_LOCATION, Monitoring, ProbeSample, ProbeSlot, SampleOutcome};
use tokio::sync::{Notify, Semaphore, mpsc};

use crate::Clock;
use crate::desk::DeskError;
use crate::monitoring::certificates;
use crate::scheduler::Jobs;

/// Slots claimed per statement.
const CLAIM: u32 = 500;
/// Samples written per batch at most.
const RECORD_BATCH: usize = 500;
/// How long the recorder gathers samples before it writes them.
const RECORD_EVERY: Duration = Duration::from_millis(200);
/// The longest sleep (a monitor created on another server cannot wake this one).
const MAX_SLEEP: Duration = Duration::from_secs(5);

/// How the local prober runs.
#[derive(Debug, Clone)]
pub struct ProbeConfig {
    /// Probes in flight at most.
    pub concurrency: usize,
}

impl Default for ProbeConfig {
    fn default() -> ProbeConfig {
        ProbeConfig { concurrency: 1024 }
    }
}

/// What the prober has done since it started.
#[derive(Debug, Default)]
pub struct ProbeStats {
    /// Probes run.
    pub probes: AtomicU64,
    /// Probes that started more than 2 s after their slot.
    pub late: AtomicU64,
    /// The longest delay between a slot and its probe's start, in milliseconds.
    pub max_delay_ms: AtomicU64,
    /// Samples written.
    pub recorded: AtomicU64,
    /// Checks that no longer parse (logged; their slots are skipped).
    pub invalid: AtomicU64,
}

/// A stored check as the probe engine reads it.
pub fn check_of(monitor: &tenggat_store::Monitor) -> Result<Check, String> {
    let check: Check =
        serde_json::from_value(monitor.check.clone()).map_err(|e| format!("check: {e}"))?;
    check.validate().map_err(|e| e.to_string())?;
    Ok(check)
}

/// A probe result as stored.
pub fn sample_of(
    monitor_id: i64,
    location: &str,
    result: tenggat_probe::ProbeResult,
) -> ProbeSample {
    let (outcome, kind, detail) = match &result.outcome {
        Outcome::Ok => (SampleOutcome::Ok, None, result.warnings.join("; ")),
        Outcome::Failed(f) => (
            SampleOutcome::Failed,
            Some(
                match f.kind {
                    tenggat_availability::FailureKind::Unreachable => "unreachable",
                    tenggat_availability::FailureKind::Unhealthy => "unhealthy",
                }
                .to_owned(),
            ),
            f.detail.clone(),
        ),
        Outcome::Inconclusive { reason } => (SampleOutcome::Inconclusive, None, reason.clone()),
    };
    ProbeSample {
        monitor_id,
        location: location.to_owned(),
        at: result.started_at,
        outcome,
        failure_kind: kind,
        detail,
        latency_ms: i64::try_from(result.latency.as_millis()).ok(),
        cert_expires_at: result.cert_expires_at,
    }
}

/// The prober's loop, forever.
#[allow(clippy::too_many_arguments)] // each is a separate shared handle of the server
pub async fn run(
    db: Database,
    prober: Arc<Prober>,
    config: ProbeConfig,
    clock: Arc<dyn Clock>,
    wake: Arc<Notify>,
    evaluator_wake: Arc<Notify>,
    stats: Arc<ProbeStats>,
    jobs: Jobs,
) {
    let (tx, rx) = mpsc::channel::<ProbeSample>(RECORD_BATCH * 8);
    tokio::spawn(record(
        db.clone(),
        rx,
        evaluator_wake,
        stats.clone(),
        jobs,
        clock.clone(),
    ));
    let permits = Arc::new(Semaphore::new(config.concurrency.max(1)));
    loop {
        let now = clock.now();
        let mut full = false;
        match db.claim_probe_slots(now, CLAIM).await {
            Ok(slots) => {
                full = slots.len() == CLAIM as usize;
                for slot in slots {
                    let Ok(permit) = permits.clone().acquire_owned().await else {
                        return;
                    };
                    let (prober, tx, stats, clock) =
                        (prober.clone(), tx.clone(), stats.clone(), clock.clone());
                    tokio::spawn(async move {
                        let _permit = permit;
                        if let Some(sample) = probe(&prober, &slot, clock.as_ref(), &stats).await {
                            // The recorder only stops when the server does.
                            let _ = tx.send(sample).await;
                        }
                    });
                }
            }
            Err(e) => eprintln!("tenggat-server: prober cannot claim slots: {e}"),
        }
        if full {
            continue;
        }
        let sleep = match db.earliest_probe_slot().await {
            Ok(Some(next)) => Duration::try_from(clock.now().duration_until(next))
                .unwrap_or(Duration::ZERO)
                .min(MAX_SLEEP),
            Ok(None) => MAX_SLEEP,
            Err(e) => {
                eprintln!("tenggat-server: prober cannot read the next slot: {e}");
                MAX_SLEEP
            }
        };
        if sleep > Duration::ZERO {
            tokio::select! {
                () = tokio::time::sleep(sleep) => {}
                () = wake.notified() => {}
            }
        }
    }
}

/// Claims every slot due by `now`, runs their probes (concurrently) and stores the samples:
/// one pass of the prober, for tests and tools that drive it with their own clock. Returns the
/// samples written. Certificates close to expiry are told as the recorder tells them.
pub async fn probe_due(
    db: &Database,
    prober: &Prober,
    clock: &dyn Clock,
    stats: &ProbeStats,
    jobs: &Jobs,
) -> Result<u64, DeskError> {
    let mut written = 0;
    loop {
        let slots = db.claim_probe_slots(clock.now(), CLAIM).await?;
        let samples: Vec<ProbeSample> = futures_util::future::join_all(
            slots.iter().map(|slot| probe(prober, slot, clock, stats)),
        )
        .await
        .into_iter()
        .flatten()
        .collect();
        for chunk in samples.chunks(RECORD_BATCH) {
            written += db.record_samples(chunk).await?;
            certificates::notify_expiring(db, jobs, chunk, clock.now()).await?;
        }
        if slots.len() < CLAIM as usize {
            return Ok(written);
        }
    }
}

/// Runs one claimed slot's probe.
async fn probe(
    prober: &Prober,
    slot: &ProbeSlot,
    clock: &dyn Clock,
    stats: &ProbeStats,
) -> Option<ProbeSample> {
    let check = match check_of(&slot.monitor) {
        Ok(c) => c,
        Err(e) => {
            stats.invalid.fetch_add(1, Ordering::Relaxed);
            eprintln!(
                "tenggat-server: monitor {} has a check that does not parse: {e}",
                slot.monitor.id
            );
            return None;
        }
    };
    let delay = clock.now().duration_since(slot.slot);
    let delay_ms = u64::try_from(delay.as_millis()).unwrap_or(0);
    stats.probes.fetch_add(1, Ordering::Relaxed);
    stats.max_delay_ms.fetch_max(delay_ms, Ordering::Relaxed);
    if delay_ms > 2000 {
        stats.late.fetch_add(1, Ordering::Relaxed);
    }
    let result = prober.run(&check).await;
    Some(sample_of(slot.monitor.id, LOCAL_LOCATION, result))
}

/// Writes samples in batches and wakes the evaluator after each; tells of certificates close
/// to expiry ([`certificates`]).
async fn record(
    db: Database,
    mut rx: mpsc::Receiver<ProbeSample>,
    evaluator_wake: Arc<Notify>,
    stats: Arc<ProbeStats>,
    jobs: Jobs,
    clock: Arc<dyn Clock>,
) {
    let mut batch = Vec::with_capacity(RECORD_BATCH);
    while let Some(first) = rx.recv().await {
        batch.push(first);
        let deadline = tokio::time::Instant::now() + RECORD_EVERY;
        while batch.len() < RECORD_BATCH {
            match tokio::time::timeout_at(deadline, rx.recv()).await {
                Ok(Some(s)) => batch.push(s),
                Ok(None) | Err(_) => break,
            }
        }
        match db.record_samples(&batch).await {
            Ok(n) => {
                stats.recorded.fetch_add(n, Ordering::Relaxed);
                evaluator_wake.notify_one();
                if let Err(e) = certificates::notify_expiring(&db, &jobs, &batch, clock.now()).await
                {
                    eprintln!("tenggat-server: certificate warnings not written: {e}");
                }
            }
            Err(e) => eprintln!(
                "tenggat-server: prober cannot store {} samples: {e}",
                batch.len()
            ),
        }
        batch.clear();
    }
}
