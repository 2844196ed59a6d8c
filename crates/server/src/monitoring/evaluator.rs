//! The availability evaluator: extends each monitored service's timeline from the samples
//! that arrived ([`tenggat_availability::advance`]), keeps its live state, and opens and
//! updates the incident ticket of an outage.
//!
//! One pass ([`run_due`]) visits every `(contract, service)` with a monitor. Per service it
//! reads the stored state, the samples from [`tenggat_availability::read_from`] on, advances
//! the timeline, and writes the new final runs, `evaluated_until` and the live state in one
//! transaction guarded by the `evaluated_until` it read: with several servers exactly one
//! writes each stretch, the others find their write refused and move on.
//!
//! **Incidents.** When the live state turns down and the policy names an
//! `availability.incident_priority`, the server that wrote the state opens a ticket of that
//! priority for the contract (no reporter; its clocks start at the outage's start), links it
//! to the downtime and appends `outage_detected`; on recovery it appends `outage_recovered`
//! with the outage's length. Both events are notified like SLA transitions (the outbox). The
//! ticket stays with the service's state after recovery, so the outage's downtime, which
//! becomes final only once it has settled, is linked to it.
//! A server that died between writing the state and opening the ticket leaves a service that
//! is down with no ticket: the next pass opens it.
//!
//! When the policy names no incident priority, the outage and the recovery are told as
//! notices ([`crate::notify::notices`]) to the same people, keyed by the outage's start.

use std::sync::Arc;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use serde_json::json;
use tenggat_availability::{
    Horizons, Live, Monitored, Outcome, Run, RunKind, Sample, Stream, advance, read_from,
};
use tenggat_sla::{EventKind, Policy, TicketEvent};
use tenggat_store::{
    Contract, Database, LiveState, Monitor, Monitoring, NewEvent, NewRun, NewTicket, PolicyBinding,
    ProbeSample, SampleOutcome, Store, StoreError, TicketStatus, TicketUpdate, Visibility,
};
use tokio::sync::Notify;

use crate::Clock;
use crate::desk::{self, DeskError};
use crate::notify::notices::Notice;
use crate::scheduler::Jobs;

/// Event type appended to an incident ticket when its outage is detected.
pub const OUTAGE_DETECTED: &str = "outage_detected";
/// Event type appended to an incident ticket when its service is back.
pub const OUTAGE_RECOVERED: &str = "outage_recovered";

/// How late a probe agent's samples may arrive and still be counted (they report in batches).
pub const REPORT_DELAY: SignedDuration = SignedDuration::from_secs(60);
/// How often a pass runs when nothing wakes it.
const PERIOD: Duration = Duration::from_secs(10);
/// The shortest time between two passes: an outage is seen within this much of the sample
/// that confirms it (its instants come from the samples, not from when it is seen).
pub const MIN_GAP: Duration = Duration::from_secs(2);

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pass {
    /// Services whose timeline this server advanced.
    pub advanced: usize,
    /// Outages that began (live state turned down).
    pub went_down: usize,
    /// Outages that ended.
    pub recovered: usize,
    /// Incident tickets opened.
    pub incidents: usize,
    /// Services that could not be evaluated (logged).
    pub failed: usize,
}

/// Advances every monitored service to `now`.
pub async fn run_due(db: &Database, jobs: &Jobs, now: Timestamp) -> Result<Pass, DeskError> {
    let mut pass = Pass::default();
    for (contract_id, service_id) in db.monitored_services().await? {
        match advance_service(db, jobs, contract_id, &service_id, now).await {
            Ok(step) => {
                pass.advanced += usize::from(step.advanced);
                pass.went_down += usize::from(step.went_down);
                pass.recovered += usize::from(step.recovered);
                pass.incidents += usize::from(step.incident.is_some());
            }
            Err(DeskError::Store(e)) if !matches!(e, StoreError::NotFound(_)) => {
                return Err(DeskError::Store(e));
            }
            Err(e) => {
                pass.failed += 1;
                eprintln!(
                    "tenggat-server: availability: contract {contract_id} service {service_id}: {e}"
                );
            }
        }
    }
    Ok(pass)
}

/// What advancing one service did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Step {
    /// This server wrote the new stretch.
    pub advanced: bool,
    /// The service went down.
    pub went_down: bool,
    /// The service came back.
    pub recovered: bool,
    /// The incident ticket opened, if one was.
    pub incident: Option<i64>,
}

/// How long a sample of a monitor probed every `interval_ms` holds: two and a half intervals,
/// so one late probe does not make a gap. Older than that, the stream has no data.
pub fn stale_after(interval_ms: i64) -> SignedDuration {
    SignedDuration::from_millis(interval_ms.saturating_mul(5) / 2)
}

/// The monitored streams of a service's monitors (paused ones left out); their samples hold
/// for [`stale_after`] the slowest monitor's interval.
pub fn monitored(monitors: &[Monitor]) -> Option<Monitored> {
    let live: Vec<&Monitor> = monitors.iter().filter(|m| m.paused_at.is_none()).collect();
    let longest = live.iter().map(|m| m.interval_ms).max()?;
    let streams = live
        .iter()
        .flat_map(|m| {
            m.locations
                .iter()
                .map(move |l| Stream::new(m.id.to_string(), l.clone()))
        })
        .collect();
    Some(Monitored {
        streams,
        stale_after: stale_after(longest),
    })
}

/// A stored sample as the arithmetic reads it (the check is the monitor id).
pub fn to_sample(s: &ProbeSample) -> Sample {
    let outcome = match s.outcome {
        SampleOutcome::Ok => Outcome::Ok,
        SampleOutcome::Inconclusive => Outcome::Inconclusive {
            reason: s.detail.clone(),
        },
        SampleOutcome::Failed => Outcome::Failed(tenggat_availability::Failure::new(
            if s.failure_kind.as_deref() == Some("unreachable") {
                tenggat_availability::FailureKind::Unreachable
            } else {
                tenggat_availability::FailureKind::Unhealthy
            },
            s.detail.clone(),
        )),
    };
    Sample {
        at: s.at,
        check: s.monitor_id.to_string(),
        location: s.location.clone(),
        outcome,
    }
}

fn new_run(r: &Run) -> NewRun {
    NewRun {
        kind: match r.kind {
            RunKind::Down => tenggat_store::RunKind::Down,
            RunKind::NoData => tenggat_store::RunKind::NoData,
        },
        start: r.interval.start(),
        end: r.interval.end(),
        cause: r
            .cause
            .as_ref()
            .and_then(|c| serde_json::to_value(c).ok())
            .unwrap_or(serde_json::Value::Null),
    }
}

/// Advances one service's timeline to `now`; see the module documentation.
pub async fn advance_service(
    db: &Database,
    jobs: &Jobs,
    contract_id: i64,
    service_id: &str,
    now: Timestamp,
) -> Result<Step, DeskError> {
    let contract = db.get_contract(contract_id, None).await?;
    let policy = jobs.policies.for_contract(db, &contract).await?;
    let Some(rules) = policy
        .availability
        .as_ref()
        .map(|a| a.downtime.clone())
        .filter(|d| !d.is_empty())
    else {
        return Ok(Step::default());
    };
    let monitors = db
        .monitors_of_contract(contract_id, Some(service_id))
        .await?;
    let Some(watched) = monitored(&monitors) else {
        return Ok(Step::default());
    };
    let h = Horizons::new(&rules, watched.stale_after, REPORT_DELAY);
    let state = db.availability_state(contract_id, service_id).await?;
    let Some(first) = monitors.iter().map(|m| m.created_at).min() else {
        return Ok(Step::default());
    };
    let from = state.as_ref().map_or(first, |s| s.evaluated_until);
    if now <= from {
        return Ok(Step::default());
    }
    // The downtime still running where the final timeline ends is read from its start.
    let ongoing = db
        .runs_between(
            contract_id,
            service_id,
            from - SignedDuration::from_nanos(1),
            from,
        )
        .await?
        .into_iter()
        .find(|r| r.kind == tenggat_store::RunKind::Down && r.end == from)
        .map(|r| r.start);
    let ids: Vec<i64> = monitors.iter().map(|m| m.id).collect();
    let samples: Vec<Sample> = db
        .samples_between(&ids, read_from(&h, from, ongoing), now)
        .await?
        .iter()
        .map(to_sample)
        .collect();
    let step = advance(&rules, &watched, &samples, from, now, &h)
        .map_err(|e| DeskError::Availability(e.to_string()))?;
    let was = state.as_ref().and_then(|s| s.down_since);
    let ticket = state.as_ref().and_then(|s| s.incident_ticket_id);
    // The ticket stays with the state after recovery (the outage's downtime settles later and
    // is linked to it then); a new outage starts without one until its ticket is opened.
    let live = match &step.live {
        Live::Down { since, .. } => LiveState {
            down_since: Some(was.unwrap_or(*since)),
            incident_ticket_id: if was.is_some() { ticket } else { None },
        },
        Live::Up | Live::NoData => LiveState {
            down_since: None,
            incident_ticket_id: ticket,
        },
    };
    let runs: Vec<NewRun> = step.runs.iter().map(new_run).collect();
    let expected = state.as_ref().map(|s| s.evaluated_until);
    // An outage that opens no ticket is told as a notice, written before the state so that a
    // server dying in between tells it on the next pass (its keys make it once).
    let opens_tickets = policy
        .availability
        .as_ref()
        .is_some_and(|a| a.incident_priority.is_some());
    let went_down = was.is_none() && live.down_since.is_some();
    let recovered = was.is_some() && live.down_since.is_none();
    if let Some(since) = live.down_since.filter(|_| went_down && !opens_tickets) {
        let cause = match &step.live {
            Live::Down { cause, .. } => serde_json::to_value(cause).unwrap_or_default(),
            _ => serde_json::Value::Null,
        };
        let event = json!({ "since": since.to_string(), "cause": cause });
        notify_outage(
            db,
            jobs,
            &contract,
            &policy,
            service_id,
            OUTAGE_DETECTED,
            since,
            now,
            event,
        )
        .await?;
    }
    if let Some(since) = was.filter(|_| recovered && ticket.is_none()) {
        let minutes = now.duration_since(since).as_secs() / 60;
        let event = json!({ "since": since.to_string(), "minutes": minutes });
        notify_outage(
            db,
            jobs,
            &contract,
            &policy,
            service_id,
            OUTAGE_RECOVERED,
            since,
            now,
            event,
        )
        .await?;
    }
    if !db
        .advance_availability(
            contract_id,
            service_id,
            expected,
            step.until,
            &runs,
            &live,
            now,
        )
        .await?
    {
        return Ok(Step::default());
    }
    let mut out = Step {
        advanced: true,
        went_down,
        recovered,
        incident: None,
    };
    if let (Some(since), Live::Down { cause, .. }) = (live.down_since, &step.live)
        && live.incident_ticket_id.is_none()
    {
        let cause = serde_json::to_value(cause).unwrap_or(serde_json::Value::Null);
        out.incident =
            open_incident(db, jobs, &contract, &policy, service_id, since, cause, now).await?;
    }
    if let (Some(since), Some(ticket_id), true) = (was, ticket, out.recovered) {
        record_recovery(db, jobs, &policy, ticket_id, since, now).await?;
    }
    Ok(out)
}

/// Opens the incident ticket of an outage of `service_id` that began at `since`, if the
/// policy names a priority for it; returns its id.
#[allow(clippy::too_many_arguments)]
async fn open_incident(
    db: &Database,
    jobs: &Jobs,
    contract: &Contract,
    policy: &Policy,
    service_id: &str,
    since: Timestamp,
    cause: serde_json::Value,
    now: Timestamp,
) -> Result<Option<i64>, DeskError> {
    let Some(priority) = policy
        .availability
        .as_ref()
        .and_then(|a| a.incident_priority.clone())
    else {
        return Ok(None);
    };
    let service = policy
        .availability
        .as_ref()
        .and_then(|a| a.services.iter().find(|s| s.id == service_id));
    let (name_id, name_en) = match service {
        Some(s) => (s.name.id.clone(), s.name.en.clone()),
        None => (service_id.to_owned(), service_id.to_owned()),
    };
    let kind = policy
        .kinds
        .first()
        .map_or_else(|| "incident".to_owned(), |k| k.id.clone());
    // The clocks start when the outage began: that is when the service stopped.
    let created = TicketEvent {
        at: since,
        kind: EventKind::Created {
            priority: priority.clone(),
            kind: Some(kind.clone()),
            channel: None,
            attributes: Default::default(),
        },
    };
    let sla = desk::sla_of(policy, std::slice::from_ref(&created), now)?;
    let new = NewTicket {
        contract_id: contract.id,
        customer_org_id: contract.customer_org_id,
        kind,
        priority,
        attributes: json!({}),
        channel: None,
        reporter_id: None,
        title: format!("Gangguan / Outage: {name_id} ({name_en})"),
        description: format!(
            "Pemantauan mendeteksi gangguan sejak {since}. / Monitoring detected an outage since {since}."
        ),
        fields: json!({}),
        observed_at: Some(since),
        observed_tz: None,
        status: TicketStatus::New,
        assignee_id: None,
        created_at: since,
        sla: Some(sla.cache()),
        policy: Some(PolicyBinding {
            policy: contract.policy.clone(),
            add_ons: contract.add_ons.clone(),
        }),
        attachments: Vec::new(),
    };
    let event = NewEvent::from_sla(&created, None, Visibility::Public);
    let written = db.create_ticket(&new, &event).await?;
    let ticket = written.ticket;
    if !db
        .set_incident_ticket(contract.id, service_id, ticket.id)
        .await?
    {
        // Another server linked its own ticket first; this one stays as a plain report.
        return Ok(None);
    }
    let detected = NewEvent {
        at: now,
        event_type: OUTAGE_DETECTED.to_owned(),
        payload: json!({ "service": service_id, "since": since.to_string(), "cause": cause }),
        actor_id: None,
        visibility: Visibility::Public,
    };
    append_notified(db, jobs, policy, ticket.id, detected).await?;
    Ok(Some(ticket.id))
}

/// Writes the notices of an outage of a service whose policy opens no ticket: `kind` is
/// `outage_detected` or `outage_recovered`, `since` the outage's start.
#[allow(clippy::too_many_arguments)]
async fn notify_outage(
    db: &Database,
    jobs: &Jobs,
    contract: &Contract,
    policy: &Policy,
    service_id: &str,
    kind: &str,
    since: Timestamp,
    now: Timestamp,
    event: serde_json::Value,
) -> Result<(), DeskError> {
    let notice = Notice {
        kind,
        provider_id: contract.provider_id,
        customer_org_id: contract.customer_org_id,
        policy,
        contract_id: contract.id,
        service_id: Some(service_id),
        key: format!(
            "outage:{}:{service_id}:{since}:{}",
            contract.id,
            kind.trim_start_matches("outage_")
        ),
        at: now,
        event,
        url: format!(
            "{}/api/v1/contracts/{}/availability",
            jobs.planner.public_url(),
            contract.id
        ),
    };
    let rows = jobs.planner.notices(db, &notice).await?;
    if db.enqueue_notices(now, &rows).await? > 0 {
        jobs.dispatcher_wake.notify_one();
    }
    Ok(())
}

/// Appends `outage_recovered` to the incident ticket.
async fn record_recovery(
    db: &Database,
    jobs: &Jobs,
    policy: &Policy,
    ticket_id: i64,
    since: Timestamp,
    now: Timestamp,
) -> Result<(), DeskError> {
    let minutes = now.duration_since(since).as_secs() / 60;
    let event = NewEvent {
        at: now,
        event_type: OUTAGE_RECOVERED.to_owned(),
        payload: json!({ "since": since.to_string(), "minutes": minutes }),
        actor_id: None,
        visibility: Visibility::Public,
    };
    append_notified(db, jobs, policy, ticket_id, event).await
}

/// Appends one event with the notifications it causes.
async fn append_notified(
    db: &Database,
    jobs: &Jobs,
    policy: &Policy,
    ticket_id: i64,
    event: NewEvent,
) -> Result<(), DeskError> {
    let ticket = db.get_ticket(ticket_id, None).await?;
    let log = db.ticket_events(ticket_id, None, true).await?;
    let events = [event];
    let notifications = jobs
        .planner
        .plan(db, policy, &ticket, &log, &events)
        .await?;
    let notified = !notifications.is_empty();
    db.append_events(
        ticket_id,
        None,
        &events,
        &TicketUpdate {
            notifications,
            ..TicketUpdate::default()
        },
    )
    .await?;
    if notified {
        jobs.dispatcher_wake.notify_one();
    }
    Ok(())
}

/// The evaluator's loop: a pass every 10 s, or sooner when `wake` is notified (new samples),
/// but at most one pass per [`MIN_GAP`] however often samples arrive.
pub async fn run(db: Database, jobs: Jobs, clock: Arc<dyn Clock>, wake: Arc<Notify>) {
    loop {
        if let Err(e) = run_due(&db, &jobs, clock.now()).await {
            eprintln!("tenggat-server: availability pass failed: {e}");
        }
        tokio::time::sleep(MIN_GAP).await;
        tokio::select! {
            () = tokio::time::sleep(PERIOD) => {}
            () = wake.notified() => {}
        }
    }
}
