//! Live clocks: the scheduler that writes each SLA transition (a pre-breach warning, a
//! breach, an automatic escalation) as an event with its exact instant, once.
//!
//! Every open ticket's SLA cache holds `next_change`, the earliest instant its SLA result can
//! change without a new event (the fold's `next_change` and `next_warning`). The scheduler
//! sleeps until the earliest one of all tickets, or until a write wakes it, then folds only the
//! tickets whose instant has come ([`run_due`]): never a scan of all open tickets. For each it
//! lists the transitions the fold has reached by now ([`transitions`]), leaves out those the
//! log already records (matched by a stable key), and appends the rest in time order with
//! their original instants, in one transaction with the ticket's new cache (and with those of
//! the other tickets of its batch, see [`run_due`]). A scheduler
//! that was down catches up the same way on its next pass: every missed transition is written
//! once, in order, with its own instant.
//!
//! Exactly once, also with several replicas: each transition is appended with
//! `expected_seq`, the sequence number of the log it was computed from. A replica that lost
//! the race finds its write refused for that ticket, reads the log again, finds the
//! transition recorded and moves on. A replica that dies mid-pass leaves each ticket either done or untouched (a
//! batch commits whole or not at all), and the untouched ones still due for the next pass.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use futures_util::stream::{self, StreamExt};
use jiff::Timestamp;
use serde_json::{Value, json};
use tenggat_sla::{Evaluation, Policy};
use tenggat_store::{
    Database, NewEvent, Store, StoreError, StoredEvent, Ticket, TicketLog, TransitionAppend,
    Visibility,
};
use tokio::sync::Notify;

use crate::Clock;
use crate::desk::{self, DeskError, PolicyCache};
use crate::notify::Planner;

/// What the scheduler works with besides the store.
#[derive(Debug, Clone)]
pub struct Jobs {
    /// Compiled policies.
    pub policies: Arc<PolicyCache>,
    /// Who hears of each transition (its notifications commit with it).
    pub planner: Arc<Planner>,
    /// Woken when a pass committed notifications.
    pub dispatcher_wake: Arc<Notify>,
}

impl Jobs {
    /// Jobs with fresh caches, e-mail on or off, links to `public_url`.
    pub fn new(email: bool, public_url: &str) -> Jobs {
        Jobs {
            policies: Arc::new(PolicyCache::default()),
            planner: Arc::new(Planner::new(email, public_url)),
            dispatcher_wake: Arc::new(Notify::new()),
        }
    }
}

/// Event type of a pre-breach warning.
pub const WARNING: &str = "sla_warning";
/// Event type of a breach.
pub const BREACH: &str = "sla_breached";
/// Event type of an automatic escalation.
pub const ESCALATION: &str = "escalated";

/// Tickets read, folded and written together.
const BATCH: usize = 100;
/// Batches in flight at once.
const CONCURRENCY: usize = 4;
/// Tickets folded per store query of a pass.
const PAGE: u32 = 500;
/// How often a ticket whose log keeps changing under the scheduler is read again in one pass.
const RETRIES: usize = 8;
/// The longest sleep, so that a clock set forward or a ticket written by another replica
/// (which cannot wake this one) is noticed within this time.
const MAX_SLEEP: Duration = Duration::from_secs(30);
/// The shortest sleep: a ticket still due right after a pass failed or kept changing, and is
/// retried after this rather than in a busy loop. (A ticket that comes due is woken for
/// within this much of its instant; its events carry the exact instant regardless.)
const RETRY_AFTER: Duration = Duration::from_millis(200);

/// A transition of a ticket's SLA, as the fold sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Transition {
    /// The exact instant.
    pub at: Timestamp,
    /// [`WARNING`], [`BREACH`] or [`ESCALATION`].
    pub event_type: &'static str,
    /// What identifies it in the log: a clock's warning or breach is keyed by its metric and
    /// start (a clock restarted by a priority change or a reopening warns and breaches anew),
    /// an escalation by its rule (a rule fires once per ticket).
    pub key: String,
    /// The event's payload (with `key`).
    pub payload: Value,
}

/// The transitions an evaluation has reached by its `now`, in time order (at one instant:
/// warnings, then breaches, then escalations).
pub fn transitions(eval: &Evaluation) -> Vec<Transition> {
    let mut out = Vec::new();
    for m in &eval.metrics {
        let start = m.start.as_nanosecond();
        for w in &m.warnings {
            let key = format!("warning:{}:{start}:{}", m.metric.as_str(), w.percent);
            out.push(Transition {
                at: w.at,
                event_type: WARNING,
                payload: json!({
                    "key": key,
                    "metric": m.metric.as_str(),
                    "percent": w.percent,
                    "due": m.due.map(|d| d.to_string()),
                }),
                key,
            });
        }
        if let Some(b) = m.breached_at {
            let key = format!("breach:{}:{start}", m.metric.as_str());
            out.push(Transition {
                at: b,
                event_type: BREACH,
                payload: json!({ "key": key, "metric": m.metric.as_str() }),
                key,
            });
        }
    }
    for f in &eval.escalation.fired {
        let key = format!("escalation:{}", f.rule);
        out.push(Transition {
            at: f.at,
            event_type: ESCALATION,
            payload: json!({ "key": key, "level": f.level, "rule": f.rule, "by": "rule" }),
            key,
        });
    }
    let rank = |t: &Transition| match t.event_type {
        WARNING => 0,
        BREACH => 1,
        _ => 2,
    };
    out.sort_by(|a, b| a.at.cmp(&b.at).then(rank(a).cmp(&rank(b))));
    out
}

/// The keys of the transitions a log records.
fn recorded(events: &[StoredEvent]) -> HashSet<String> {
    events
        .iter()
        .filter(|e| matches!(e.event_type.as_str(), WARNING | BREACH | ESCALATION))
        .filter_map(|e| {
            e.payload
                .get("key")
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .collect()
}

/// The instant of the earliest transition `eval` has reached that `log` does not record.
pub fn first_unrecorded(eval: &Evaluation, log: &[StoredEvent]) -> Option<Timestamp> {
    let all = transitions(eval);
    if all.is_empty() {
        return None;
    }
    let done = recorded(log);
    all.into_iter()
        .find(|t| !done.contains(&t.key))
        .map(|t| t.at)
}

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pass {
    /// Tickets folded.
    pub tickets: usize,
    /// Transitions written.
    pub written: usize,
    /// Tickets that could not be folded or written (logged; retried on the next pass).
    pub failed: usize,
}

/// Folds every ticket whose `next_change` has come by `now` and writes its missing
/// transitions. Returns when no ticket is due any more.
///
/// Due tickets are taken `BATCH` (100) at a time: one read of their rows and logs, a fold each,
/// then one transaction that writes every ticket's transitions, cache and notifications
/// ([`Store::append_transitions`]), so a batch costs a handful of round trips rather than a
/// handful per ticket. A ticket whose log moved on under the fold is folded again alone.
pub async fn run_due(db: &Database, jobs: &Jobs, now: Timestamp) -> Result<Pass, DeskError> {
    let mut pass = Pass::default();
    loop {
        let due = db.tickets_changing_by(now, PAGE).await?;
        if due.is_empty() {
            return Ok(pass);
        }
        let mut progressed = false;
        // Batches are independent: several at once keep the database busy while one folds
        // or waits for its round trips.
        let batches: Vec<Vec<i64>> = due.chunks(BATCH).map(<[i64]>::to_vec).collect();
        let mut results = stream::iter(batches)
            .map(|ids| async move { fire_batch(db, jobs, &ids, now).await })
            .buffer_unordered(CONCURRENCY);
        while let Some(result) = results.next().await {
            let done = result?;
            pass.tickets += done.tickets;
            pass.written += done.written;
            pass.failed += done.failed;
            progressed |= done.moved > 0;
        }
        // Every ticket of the page had its cache moved past `now` unless another writer
        // kept changing it; such a ticket is left to the next pass.
        if !progressed || due.len() < PAGE as usize {
            return Ok(pass);
        }
    }
}

/// What one batch did.
#[derive(Debug, Default)]
struct Batch {
    tickets: usize,
    written: usize,
    failed: usize,
    /// Tickets whose cache moved on (they left the due set).
    moved: usize,
}

/// Folds the tickets `ids` and writes their transitions in one transaction; those another
/// writer changed meanwhile are done again one by one. Only the store failing is an error; a
/// ticket that does not fold (a stored policy that no longer compiles) is counted and logged
/// and must not stop the others.
async fn fire_batch(
    db: &Database,
    jobs: &Jobs,
    ids: &[i64],
    now: Timestamp,
) -> Result<Batch, StoreError> {
    let mut done = Batch::default();
    let mut alone = Vec::new();
    let mut appends = Vec::with_capacity(ids.len());
    for log in db.ticket_logs(ids).await? {
        // Read one after the other, row and log may straddle a write: fold it alone.
        if !log.consistent() {
            alone.push(log.ticket.id);
            continue;
        }
        done.tickets += 1;
        match prepare(db, jobs, &log, now).await {
            Ok(append) => appends.push(append),
            Err(e) => fold_failed(&mut done, log.ticket.id, e)?,
        }
    }
    let written = db.append_transitions(&appends).await?;
    let written: HashSet<i64> = written.into_iter().collect();
    let mut notified = false;
    for append in &appends {
        if written.contains(&append.ticket_id) {
            done.written += append.events.len();
            done.moved += 1;
            notified |= !append.notifications.is_empty();
        } else {
            alone.push(append.ticket_id);
        }
    }
    if notified {
        jobs.dispatcher_wake.notify_one();
    }
    for id in alone {
        match fire_ticket(db, jobs, id, now).await {
            Ok((written, moved)) => {
                done.written += written;
                done.moved += usize::from(moved);
            }
            Err(e) => fold_failed(&mut done, id, e)?,
        }
    }
    Ok(done)
}

/// Counts a ticket that could not be folded, or passes on the store's own failure.
fn fold_failed(done: &mut Batch, id: i64, e: DeskError) -> Result<(), StoreError> {
    match e {
        DeskError::Store(e) if !matches!(e, StoreError::NotFound(_)) => Err(e),
        e => {
            done.failed += 1;
            eprintln!("tenggat-server: scheduler: ticket {id}: {e}");
            Ok(())
        }
    }
}

/// What to write for one ticket read at `now`: the transitions its fold has reached that its
/// log does not record, in time order, its cache moved on (every transition reached is written
/// with it, or already was) and the notifications they cause.
async fn prepare(
    db: &Database,
    jobs: &Jobs,
    log: &TicketLog,
    now: Timestamp,
) -> Result<TransitionAppend, DeskError> {
    let ticket = &log.ticket;
    let policy = policy_of(db, &jobs.policies, ticket).await?;
    let mut sla = desk::sla_of_events(&policy, &log.events, now)?;
    sla.unrecorded = None;
    let done = recorded(&log.events);
    let events: Vec<NewEvent> = transitions(&sla.evaluation)
        .into_iter()
        .filter(|t| !done.contains(&t.key))
        .map(|t| NewEvent {
            at: t.at,
            event_type: t.event_type.to_owned(),
            payload: t.payload,
            actor_id: None,
            visibility: Visibility::Public,
        })
        .collect();
    // Who hears of them: the outbox rows commit in the same transaction.
    let notifications = jobs
        .planner
        .plan(db, &policy, ticket, &log.events, &events)
        .await?;
    Ok(TransitionAppend {
        ticket_id: ticket.id,
        expected_seq: ticket.last_seq,
        events,
        sla: sla.cache(),
        notifications,
    })
}

/// Writes the missing transitions of one ticket reached by `now` and moves its cache on.
/// Returns how many were written and whether the ticket left the due set.
pub async fn fire_ticket(
    db: &Database,
    jobs: &Jobs,
    id: i64,
    now: Timestamp,
) -> Result<(usize, bool), DeskError> {
    for _ in 0..RETRIES {
        let Some(log) = db.ticket_logs(&[id]).await?.pop() else {
            return Err(StoreError::NotFound("ticket").into());
        };
        if log.events.is_empty() {
            return Ok((0, false));
        }
        // Read one after the other, the two may straddle a write: read again.
        if !log.consistent() {
            continue;
        }
        let append = prepare(db, jobs, &log, now).await?;
        // All of them in one transaction with the cache: either the ticket is done or nothing
        // was written (another writer, a replica or a person, changed the log: read again).
        if db
            .append_transitions(std::slice::from_ref(&append))
            .await?
            .contains(&id)
        {
            if !append.notifications.is_empty() {
                jobs.dispatcher_wake.notify_one();
            }
            return Ok((append.events.len(), true));
        }
    }
    Ok((0, false))
}

async fn policy_of(
    db: &Database,
    policies: &PolicyCache,
    ticket: &Ticket,
) -> Result<Arc<Policy>, DeskError> {
    match &ticket.policy {
        Some(b) => policies.resolve(db, &b.policy, &b.add_ons).await,
        None => {
            let contract = db.get_contract(ticket.contract_id, None).await?;
            policies.for_contract(db, &contract).await
        }
    }
}

/// The scheduler's loop: a pass, then sleep until the earliest `next_change` of any ticket
/// (at most 30 s; at least 200 ms when a ticket is still due after the
/// pass, one that failed or kept changing) or until `wake` is notified (a ticket was
/// written), forever.
pub async fn run(db: Database, jobs: Jobs, clock: Arc<dyn Clock>, wake: Arc<Notify>) {
    loop {
        let now = clock.now();
        if let Err(e) = run_due(&db, &jobs, now).await {
            eprintln!("tenggat-server: scheduler pass failed: {e}");
        }
        let sleep = match db.earliest_next_change().await {
            Ok(Some(next)) => {
                let now = clock.now();
                let wait = now.duration_until(next);
                Duration::try_from(wait)
                    .unwrap_or(Duration::ZERO)
                    .clamp(RETRY_AFTER, MAX_SLEEP)
            }
            Ok(None) => MAX_SLEEP,
            Err(e) => {
                eprintln!("tenggat-server: scheduler cannot read the next instant: {e}");
                MAX_SLEEP
            }
        };
        tokio::select! {
            () = tokio::time::sleep(sleep) => {}
            () = wake.notified() => {}
        }
    }
}
