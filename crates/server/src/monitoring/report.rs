//! The monthly availability report of a contract's service, computed from storage: the
//! evaluated timeline's runs, the maintenance windows and recorded exclusions, the contract's
//! policy, zone and fee (rules and fields in `docs/availability.md`, "Monthly report").
//!
//! It reads no samples: the timeline's runs are the record (downtime and no-data stretches;
//! everything evaluated and in no run was up). Per service it makes three queries (the
//! service's monitors for where evaluation began, its state for how far it is final, the runs
//! overlapping the month), per contract three more (the contract, its maintenance windows and
//! its exclusions overlapping the month).
//!
//! The arithmetic is `tenggat-availability`'s: [`evaluation_from_runs`] (minutes outside the
//! evaluated stretch have no data), [`Exclusions::build`] (which maintenance windows were
//! announced early enough), [`Slices::new`] and [`monthly_report`].

use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::Serialize;
use tenggat_availability::{
    AvailabilityError, Exclusion, Exclusions, Interval, MaintenanceDecision, MaintenanceWindow,
    Minute, NotExcluded, Ratio, Run, RunKind, SCHEDULED_MAINTENANCE, Slices, Verdict, claim,
    decide_maintenance, evaluation_from_runs, monthly_report,
};
pub use tenggat_availability::{Cause, Month};
use tenggat_sla::{Availability, Policy, Text};
use tenggat_store::{
    AvailabilityRun, Contract, Database, ExclusionRecord, Maintenance, Monitoring, PolicyRef,
    Store, StoreError,
};

use crate::desk::{DeskError, PolicyCache};

/// Why a monthly report cannot be made; each has a stable code ([`ReportError::code`]).
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// No contract with this id.
    #[error("no contract {0}")]
    UnknownContract(i64),
    /// The contract's policy promises no availability.
    #[error("contract {contract}: policy {policy} has no availability section")]
    NotPromised {
        /// The contract.
        contract: i64,
        /// The policy id.
        policy: String,
    },
    /// The policy's availability section does not name the service.
    #[error(
        "contract {contract}: policy {policy} names no service {service:?} (its services: {known})"
    )]
    UnknownService {
        /// The contract.
        contract: i64,
        /// The policy id.
        policy: String,
        /// The service asked for.
        service: String,
        /// The services it names, comma-separated.
        known: String,
    },
    /// The policy's default calendar, whose zone the month is counted in, is missing.
    #[error("policy {policy}: no default calendar {calendar:?} to take the contract's zone from")]
    NoZone {
        /// The policy id.
        policy: String,
        /// The default calendar's name.
        calendar: String,
    },
    /// A stored downtime run's cause is neither null nor a cause.
    #[error("availability run {run}: the stored cause is unreadable: {message}")]
    StoredCause {
        /// The run's id.
        run: i64,
        /// What is wrong with it.
        message: String,
    },
    /// The contract's policy could not be compiled.
    #[error(transparent)]
    Policy(DeskError),
    /// The store failed.
    #[error(transparent)]
    Store(StoreError),
    /// The arithmetic refused its input.
    #[error("availability: {0}")]
    Arithmetic(#[from] AvailabilityError),
}

impl ReportError {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            ReportError::UnknownContract(_) => "availability.unknown_contract",
            ReportError::NotPromised { .. } => "availability.not_promised",
            ReportError::UnknownService { .. } => "availability.unknown_service",
            ReportError::NoZone { .. } => "availability.no_zone",
            ReportError::StoredCause { .. } => "availability.stored_cause",
            ReportError::Policy(_) => "availability.policy",
            ReportError::Store(e) => e.code(),
            ReportError::Arithmetic(e) => e.code(),
        }
    }
}

impl From<StoreError> for ReportError {
    fn from(e: StoreError) -> ReportError {
        ReportError::Store(e)
    }
}

impl From<DeskError> for ReportError {
    fn from(e: DeskError) -> ReportError {
        match e {
            DeskError::Store(s) => ReportError::Store(s),
            other => ReportError::Policy(other),
        }
    }
}

/// Where the contract's policy comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PolicySource {
    /// A built-in preset, by name.
    Preset(String),
    /// An uploaded policy, by id.
    Uploaded(i64),
}

/// The policy a report was computed with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyUsed {
    /// The policy's id (`innovasia`).
    pub id: String,
    /// The policy's version (`2025-04-28`).
    pub version: String,
    /// The preset or uploaded policy the contract is bound to.
    pub source: PolicySource,
    /// The contract's active add-ons.
    pub add_ons: Vec<String>,
}

/// The credit a month earns.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CreditEarned {
    /// Index of the tier in the policy's credit table.
    pub tier: usize,
    /// The tier applies below this availability, percent.
    pub below: f64,
    /// … and at or above this one (`None`: the last tier).
    pub at_least: Option<f64>,
    /// Percent of the monthly fee.
    pub credit_percent: f64,
    /// The amount in minor currency units, rounded up.
    pub amount_minor: u64,
}

/// A downtime run of the timeline, clipped to the month.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DowntimeInMonth {
    /// The run's id.
    pub run_id: i64,
    /// The part of the run inside the month.
    pub interval: Interval,
    /// The whole run (it may begin before or end after the month).
    pub run: Interval,
    /// Which rule found it, on what evidence (`None` when stored without a cause).
    pub cause: Option<Cause>,
    /// The incident ticket linked to it.
    pub ticket_id: Option<i64>,
    /// Minutes of the month counted as downtime because of it (a minute touched by two runs
    /// counts once, for the first); the sum over all runs is the month's downtime minutes.
    pub downtime_minutes: u64,
    /// Minutes it touches that are excluded instead (maintenance announced in time, a
    /// recorded exclusion).
    pub excluded_minutes: u64,
}

/// Where an excluded stretch comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExclusionSource {
    /// A maintenance window announced with the policy's notice, by id.
    Maintenance(i64),
    /// An exclusion recorded by the provider, by id.
    Exclusion(i64),
}

/// Time taken out of downtime.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExcludedStretch {
    /// The maintenance window or recorded exclusion.
    pub source: ExclusionSource,
    /// The stretch as announced or recorded (it may reach outside the month).
    pub interval: Interval,
    /// The policy's exclusion id (`scheduled_maintenance`, `force_majeure`, …).
    pub reason: String,
    /// The policy's name of the reason, when it lists one.
    pub reason_name: Option<Text>,
    /// What happened, the evidence.
    pub note: String,
    /// For a recorded exclusion: `recorded`, `disputed` or `upheld`.
    pub state: Option<String>,
    /// The month's minutes counted as excluded because of it (a minute in two exclusions
    /// counts once, for the first).
    pub excluded_minutes: u64,
}

/// A maintenance window that is not excluded: downtime inside it stays downtime.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RefusedMaintenance {
    /// The window's id.
    pub id: i64,
    /// The window.
    pub interval: Interval,
    /// When the customer was told.
    pub announced_at: Timestamp,
    /// What the announcement said.
    pub note: String,
    /// Why it is not excluded.
    pub why: NotExcluded,
    /// The same as a sentence: "announced 47h before, the policy needs 48h".
    pub reason: String,
    /// Downtime minutes of the month inside the window.
    pub downtime_minutes: u64,
}

/// A recorded exclusion that is not applied: the policy does not list its reason (the
/// contract's policy changed since it was recorded, say).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RefusedExclusion {
    /// The exclusion's id.
    pub id: i64,
    /// The stretch recorded.
    pub interval: Interval,
    /// The reason recorded.
    pub reason: String,
    /// The evidence.
    pub note: String,
    /// Why it is not applied.
    pub why: String,
}

/// One service's availability for one month of a contract.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServiceMonth {
    /// The contract.
    pub contract_id: i64,
    /// The policy's service id.
    pub service: String,
    /// The service's name.
    pub service_name: Text,
    /// The month.
    pub month: Month,
    /// The contract's zone (of the policy's default calendar), in which the month is counted.
    pub zone: String,
    /// The month's real span: local midnight to local midnight.
    pub bounds: Interval,
    /// The fixed denominator: days × 1440.
    pub minutes_in_month: u64,
    /// Minutes observed up.
    pub good_minutes: u64,
    /// Minutes counted as downtime.
    pub downtime_minutes: u64,
    /// Minutes excluded (maintenance announced in time, recorded exclusions).
    pub excluded_minutes: u64,
    /// Minutes without data: never downtime.
    pub no_data_minutes: u64,
    /// The exact availability: (minutes in month − downtime) / minutes in month.
    pub ratio: Ratio,
    /// The availability, percent, rounded down to two decimals (`99.49`).
    pub availability: String,
    /// The service's target, percent.
    pub target_percent: f64,
    /// Whether the exact availability is at least the target.
    pub target_met: bool,
    /// The credit earned, if the policy has tiers and one applies.
    pub credit: Option<CreditEarned>,
    /// The contract's monthly fee, minor currency units.
    pub monthly_fee_minor: i64,
    /// The contract's currency (ISO 4217).
    pub currency: String,
    /// The first instant a credit claim for this month is refused, when the policy has a
    /// claim window.
    pub claim_deadline: Option<Timestamp>,
    /// The downtime runs in the month.
    pub downtime: Vec<DowntimeInMonth>,
    /// The stretches taken out of downtime.
    pub excluded: Vec<ExcludedStretch>,
    /// Maintenance windows that stay downtime, with the reason.
    pub refused_maintenance: Vec<RefusedMaintenance>,
    /// Recorded exclusions not applied, with the reason.
    pub refused_exclusions: Vec<RefusedExclusion>,
    /// The stretches of the month without data (not evaluated, or no data in the timeline).
    pub no_data: Vec<Interval>,
    /// The service's monitors (paused ones included).
    pub monitors: usize,
    /// Evaluation began here: the creation of the service's earliest monitor.
    pub evaluated_from: Option<Timestamp>,
    /// The timeline is final before this instant.
    pub evaluated_until: Option<Timestamp>,
    /// The month has ended and its timeline is final: the figures will not change.
    pub complete: bool,
    /// The policy the figures were computed with.
    pub policy: PolicyUsed,
    /// When the report was computed.
    pub computed_at: Timestamp,
}

/// What a contract's reports share: read once per contract.
struct ContractMonth {
    contract: Contract,
    policy: std::sync::Arc<Policy>,
    tz: TimeZone,
    zone: String,
    month: Month,
    bounds: Interval,
    maintenance: Vec<Maintenance>,
    exclusions: Vec<ExclusionRecord>,
}

impl ContractMonth {
    async fn load(
        db: &Database,
        policies: &PolicyCache,
        contract_id: i64,
        month: Month,
    ) -> Result<ContractMonth, ReportError> {
        let contract = match db.get_contract(contract_id, None).await {
            Ok(c) => c,
            Err(StoreError::NotFound(_)) => return Err(ReportError::UnknownContract(contract_id)),
            Err(e) => return Err(e.into()),
        };
        let policy = policies.for_contract(db, &contract).await?;
        if policy.availability.is_none() {
            return Err(ReportError::NotPromised {
                contract: contract.id,
                policy: policy.id.clone(),
            });
        }
        let calendar = policy
            .calendars
            .get(&policy.default_calendar)
            .ok_or_else(|| ReportError::NoZone {
                policy: policy.id.clone(),
                calendar: policy.default_calendar.clone(),
            })?;
        let tz = calendar.timezone().clone();
        let zone = calendar.timezone_name().to_owned();
        let bounds = month.bounds(&tz)?;
        let (maintenance, exclusions) = tokio::try_join!(
            db.maintenance_between(contract.id, bounds.start(), bounds.end()),
            db.exclusions_between(contract.id, bounds.start(), bounds.end()),
        )?;
        Ok(ContractMonth {
            contract,
            policy,
            tz,
            zone,
            month,
            bounds,
            maintenance,
            exclusions,
        })
    }

    fn availability(&self) -> Result<&Availability, ReportError> {
        self.policy
            .availability
            .as_ref()
            .ok_or_else(|| ReportError::NotPromised {
                contract: self.contract.id,
                policy: self.policy.id.clone(),
            })
    }

    async fn service(
        &self,
        db: &Database,
        service_id: &str,
        now: Timestamp,
    ) -> Result<ServiceMonth, ReportError> {
        let avail = self.availability()?;
        let Some(service) = avail.services.iter().find(|s| s.id == service_id) else {
            return Err(ReportError::UnknownService {
                contract: self.contract.id,
                policy: self.policy.id.clone(),
                service: service_id.to_owned(),
                known: avail
                    .services
                    .iter()
                    .map(|s| s.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        };
        let bounds = self.bounds;
        let (monitors, state, stored) = tokio::try_join!(
            db.monitors_of_contract(self.contract.id, Some(service_id)),
            db.availability_state(self.contract.id, service_id),
            db.runs_between(self.contract.id, service_id, bounds.start(), bounds.end()),
        )?;

        // The evaluated stretch: from the earliest monitor to `evaluated_until`.
        let evaluated_from = monitors.iter().map(|m| m.created_at).min();
        let evaluated_until = state.as_ref().map(|s| s.evaluated_until);
        let evaluated: Vec<Interval> = match (evaluated_from, evaluated_until) {
            (Some(from), Some(until)) if from < until => Interval::new(from, until)?
                .intersection(&bounds)
                .into_iter()
                .collect(),
            _ => Vec::new(),
        };
        let runs = stored
            .iter()
            .map(to_run)
            .collect::<Result<Vec<Run>, ReportError>>()?;
        let evaluation = evaluation_from_runs(bounds, &runs, &evaluated);

        // Exclusions: maintenance windows (cancelled ones and other services' left out) and
        // recorded exclusions that still exclude.
        let applies = |s: &Option<String>| s.as_deref().is_none_or(|s| s == service_id);
        let windows: Vec<(i64, MaintenanceWindow)> = self
            .maintenance
            .iter()
            .filter(|m| m.cancelled_at.is_none() && applies(&m.service_id))
            .map(|m| {
                Ok((
                    m.id,
                    MaintenanceWindow {
                        interval: Interval::new(m.start, m.end)?,
                        announced_at: m.announced_at,
                        note: m.note.clone(),
                    },
                ))
            })
            .collect::<Result<_, AvailabilityError>>()?;
        let mut refused_exclusions = Vec::new();
        let mut others: Vec<(&ExclusionRecord, Exclusion)> = Vec::new();
        for e in self
            .exclusions
            .iter()
            .filter(|e| e.excludes() && applies(&e.service_id))
        {
            let interval = Interval::new(e.start, e.end)?;
            if e.reason == SCHEDULED_MAINTENANCE
                || !avail.exclusions.iter().any(|x| x.id == e.reason)
            {
                refused_exclusions.push(RefusedExclusion {
                    id: e.id,
                    interval,
                    reason: e.reason.clone(),
                    note: e.note.clone(),
                    why: if e.reason == SCHEDULED_MAINTENANCE {
                        "scheduled maintenance counts only as an announced maintenance window"
                            .to_owned()
                    } else {
                        format!("the policy does not list the exclusion {:?}", e.reason)
                    },
                });
                continue;
            }
            others.push((
                e,
                Exclusion {
                    interval,
                    reason: e.reason.clone(),
                    note: e.note.clone(),
                },
            ));
        }
        let plain_windows: Vec<MaintenanceWindow> =
            windows.iter().map(|(_, w)| w.clone()).collect();
        let plain_others: Vec<Exclusion> = others.iter().map(|(_, x)| x.clone()).collect();
        let built = Exclusions::build(avail, &plain_windows, &plain_others)?;
        // `build` keeps the order: excluded windows, then the others; refused windows.
        let (excluded_windows, refused_windows): (Vec<_>, Vec<_>) =
            windows.iter().partition(|(_, w)| {
                matches!(
                    decide_maintenance(avail, w),
                    MaintenanceDecision::Excluded { .. }
                )
            });
        let mut sources: Vec<(ExclusionSource, Option<String>)> = excluded_windows
            .iter()
            .map(|(id, _)| (ExclusionSource::Maintenance(*id), None))
            .collect();
        sources.extend(
            others
                .iter()
                .map(|(e, _)| (ExclusionSource::Exclusion(e.id), Some(e.state.to_string()))),
        );

        let slices = Slices::new(&evaluation, &built.excluded)?;
        let fee = u64::try_from(self.contract.monthly_fee_minor).unwrap_or(0);
        let report = monthly_report(avail, service_id, self.month, &self.tz, &slices, fee)?;

        // Minutes per downtime interval and per exclusion, as the slices attribute them.
        let mut bad_of = vec![0u64; slices.downtime().len()];
        let mut excluded_of = vec![0u64; slices.exclusions().len()];
        for v in slices.verdicts() {
            match v {
                Verdict::Bad { downtime } => {
                    if let Some(n) = bad_of.get_mut(*downtime as usize) {
                        *n += 1;
                    }
                }
                Verdict::Excluded { exclusion } => {
                    if let Some(n) = excluded_of.get_mut(*exclusion as usize) {
                        *n += 1;
                    }
                }
                Verdict::Good | Verdict::NoData => {}
            }
        }
        let count_in = |i: &Interval, want: fn(&Verdict) -> bool| -> u64 {
            let Some(i) = i.intersection(&bounds) else {
                return 0;
            };
            let first = Minute::containing(i.start());
            let last = Minute::containing(i.end() - jiff::SignedDuration::from_nanos(1));
            let mut n = 0;
            let mut m = first;
            while m <= last {
                if slices.get(m).is_some_and(|v| want(&v)) {
                    n += 1;
                }
                m = m.next();
            }
            n
        };

        let downtime = stored
            .iter()
            .zip(&runs)
            .filter(|(_, run)| run.kind == RunKind::Down)
            .filter_map(|(r, run)| {
                let interval = run.interval.intersection(&bounds)?;
                let k = slices
                    .downtime()
                    .iter()
                    .position(|d| d.interval == interval);
                Some(DowntimeInMonth {
                    run_id: r.id,
                    interval,
                    run: run.interval,
                    cause: run.cause.clone(),
                    ticket_id: r.ticket_id,
                    downtime_minutes: k.and_then(|k| bad_of.get(k).copied()).unwrap_or(0),
                    excluded_minutes: count_in(&interval, |v| {
                        matches!(v, Verdict::Excluded { .. })
                    }),
                })
            })
            .collect();

        let excluded = built
            .excluded
            .iter()
            .zip(sources)
            .enumerate()
            .map(|(k, (x, (source, state)))| ExcludedStretch {
                source,
                interval: x.interval,
                reason: x.reason.clone(),
                reason_name: avail
                    .exclusions
                    .iter()
                    .find(|p| p.id == x.reason)
                    .map(|p| p.name.clone()),
                note: x.note.clone(),
                state,
                excluded_minutes: excluded_of.get(k).copied().unwrap_or(0),
            })
            .collect();

        let refused_maintenance = built
            .refused
            .iter()
            .zip(refused_windows)
            .map(|(r, (id, _))| RefusedMaintenance {
                id: *id,
                interval: r.window.interval,
                announced_at: r.window.announced_at,
                note: r.window.note.clone(),
                why: r.why,
                reason: r.why.to_string(),
                downtime_minutes: count_in(&r.window.interval, |v| {
                    matches!(v, Verdict::Bad { .. })
                }),
            })
            .collect();

        let credit = report.credit.as_ref().map(|c| {
            let tier = avail.credits.get(c.tier);
            CreditEarned {
                tier: c.tier,
                below: tier.map_or(0.0, |t| t.below),
                at_least: tier.and_then(|t| t.at_least),
                credit_percent: c.credit_percent,
                amount_minor: c.amount_minor,
            }
        });
        let claim_deadline = avail
            .claim_window_days
            .map(|days| claim::deadline(self.month, &self.tz, days))
            .transpose()?;
        let complete =
            now >= bounds.end() && evaluated_until.is_some_and(|until| until >= bounds.end());

        Ok(ServiceMonth {
            contract_id: self.contract.id,
            service: service.id.clone(),
            service_name: service.name.clone(),
            month: self.month,
            zone: self.zone.clone(),
            bounds,
            minutes_in_month: report.minutes_in_month,
            good_minutes: report.counts.good,
            downtime_minutes: report.counts.downtime,
            excluded_minutes: report.counts.excluded,
            no_data_minutes: report.counts.no_data,
            ratio: report.ratio,
            availability: report.availability.to_string(),
            target_percent: report.target_percent,
            target_met: report.target_met,
            credit,
            monthly_fee_minor: self.contract.monthly_fee_minor,
            currency: self.contract.currency.clone(),
            claim_deadline,
            downtime,
            excluded,
            refused_maintenance,
            refused_exclusions,
            no_data: evaluation.no_data.clone(),
            monitors: monitors.len(),
            evaluated_from,
            evaluated_until,
            complete,
            policy: PolicyUsed {
                id: self.policy.id.clone(),
                version: self.policy.version.clone(),
                source: match &self.contract.policy {
                    PolicyRef::Preset(name) => PolicySource::Preset(name.clone()),
                    PolicyRef::Uploaded(id) => PolicySource::Uploaded(*id),
                },
                add_ons: self.contract.add_ons.clone(),
            },
            computed_at: now,
        })
    }
}

/// A stored run as the arithmetic reads it: its cause JSON back to a [`Cause`] (`null` is
/// tolerated: downtime without a cause still counts).
fn to_run(r: &AvailabilityRun) -> Result<Run, ReportError> {
    let cause = if r.cause.is_null() {
        None
    } else {
        Some(
            serde_json::from_value::<Cause>(r.cause.clone()).map_err(|e| {
                ReportError::StoredCause {
                    run: r.id,
                    message: e.to_string(),
                }
            })?,
        )
    };
    Ok(Run {
        kind: match r.kind {
            tenggat_store::RunKind::Down => RunKind::Down,
            tenggat_store::RunKind::NoData => RunKind::NoData,
        },
        interval: Interval::new(r.start, r.end)?,
        cause,
    })
}

/// The availability of `service_id` of contract `contract_id` in `month` (counted in the zone
/// of the policy's default calendar), as computed at `now`.
pub async fn monthly(
    db: &Database,
    policies: &PolicyCache,
    contract_id: i64,
    service_id: &str,
    month: Month,
    now: Timestamp,
) -> Result<ServiceMonth, ReportError> {
    let ctx = ContractMonth::load(db, policies, contract_id, month).await?;
    ctx.service(db, service_id, now).await
}

/// The availability of every service of the contract's policy in `month`, in the policy's
/// order.
pub async fn monthly_for_contract(
    db: &Database,
    policies: &PolicyCache,
    contract_id: i64,
    month: Month,
    now: Timestamp,
) -> Result<Vec<ServiceMonth>, ReportError> {
    let ctx = ContractMonth::load(db, policies, contract_id, month).await?;
    let services: Vec<String> = ctx
        .availability()?
        .services
        .iter()
        .map(|s| s.id.clone())
        .collect();
    let mut out = Vec::with_capacity(services.len());
    for s in &services {
        out.push(ctx.service(db, s, now).await?);
    }
    Ok(out)
}
