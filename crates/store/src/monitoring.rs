//! Availability monitoring: what the store keeps for issue 6 — monitors and their probe
//! slots, probe samples (pruned after a retention), the evaluated availability timeline of
//! each contract's service (downtime and no-data runs: the per-minute verdicts, run-length
//! encoded), maintenance windows, other exclusions and their disputes, credit claims and probe
//! agents — and the [`Monitoring`] trait both backends implement.
//!
//! The arithmetic (rules, slices, percentages, credits, claim windows) is
//! `tenggat-availability`'s; the probe definitions are `tenggat-probe`'s and are stored here as
//! the JSON the API received (validated by the server before they are written).

use std::future::Future;

use jiff::Timestamp;
use serde_json::Value;

use crate::model::{NewNotice, string_enum};
use crate::store::StoreResult;

/// The location name of the server's own prober (probes run by `tenggat serve` itself).
pub const LOCAL_LOCATION: &str = "local";

/// A monitor: one check of one contract's service, run every `interval` at each of its
/// locations.
#[derive(Debug, Clone, PartialEq)]
pub struct Monitor {
    /// Id.
    pub id: i64,
    /// The provider organisation.
    pub provider_id: i64,
    /// The contract whose service it measures.
    pub contract_id: i64,
    /// The policy's service id (`backend_api`, `service`).
    pub service_id: String,
    /// Name shown on the status page ("Login transaction").
    pub name: String,
    /// The check, as `tenggat_probe::Check` JSON.
    pub check: Value,
    /// Probe interval in milliseconds (≥ 10,000).
    pub interval_ms: i64,
    /// Where it runs: [`LOCAL_LOCATION`] and/or probe agents' locations.
    pub locations: Vec<String>,
    /// Shown on the provider's public status page.
    pub public: bool,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it was paused, if it is (a paused monitor is not probed).
    pub paused_at: Option<Timestamp>,
    /// The next slot of the local prober.
    pub next_run_at: Timestamp,
}

/// A new monitor.
#[derive(Debug, Clone)]
pub struct NewMonitor {
    /// The provider organisation.
    pub provider_id: i64,
    /// The contract (must belong to the provider).
    pub contract_id: i64,
    /// The policy's service id.
    pub service_id: String,
    /// Name.
    pub name: String,
    /// The check JSON.
    pub check: Value,
    /// Interval in milliseconds.
    pub interval_ms: i64,
    /// Locations (at least one).
    pub locations: Vec<String>,
    /// Public.
    pub public: bool,
    /// Creation instant.
    pub created_at: Timestamp,
    /// The first slot of the local prober.
    pub first_run_at: Timestamp,
}

/// A local probe slot claimed by one server (see [`Monitoring::claim_probe_slots`]).
#[derive(Debug, Clone, PartialEq)]
pub struct ProbeSlot {
    /// The monitor.
    pub monitor: Monitor,
    /// The slot to probe for (the latest slot at or before the claim's `now`).
    pub slot: Timestamp,
}

string_enum! {
    /// What a probe saw.
    SampleOutcome, "sample outcome" {
        /// As expected.
        Ok = "ok",
        /// The check failed.
        Failed = "failed",
        /// The prober itself was cut off: says nothing about the service.
        Inconclusive = "inconclusive",
    }
}

/// One probe result as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct ProbeSample {
    /// The monitor.
    pub monitor_id: i64,
    /// The location that probed.
    pub location: String,
    /// The instant the probe started.
    pub at: Timestamp,
    /// Outcome.
    pub outcome: SampleOutcome,
    /// For a failure: `unreachable` or `unhealthy`.
    pub failure_kind: Option<String>,
    /// What was seen ("HTTP 503", "connect: connection refused"); empty when ok.
    pub detail: String,
    /// Round-trip time in milliseconds, if measured.
    pub latency_ms: Option<i64>,
    /// The TLS certificate's expiry, if seen.
    pub cert_expires_at: Option<Timestamp>,
}

string_enum! {
    /// The kind of a run of the availability timeline.
    RunKind, "run kind" {
        /// Downtime by the policy's rules.
        Down = "down",
        /// No data: no sample, a stale one or the prober cut off. Never downtime.
        NoData = "no_data",
    }
}

/// A run of the availability timeline `[start, end)`: the minutes it touches have this
/// verdict before exclusions. Everything evaluated and in no run was up.
#[derive(Debug, Clone, PartialEq)]
pub struct AvailabilityRun {
    /// Id.
    pub id: i64,
    /// The contract.
    pub contract_id: i64,
    /// The service.
    pub service_id: String,
    /// Down or no data.
    pub kind: RunKind,
    /// Start (inclusive).
    pub start: Timestamp,
    /// End (exclusive).
    pub end: Timestamp,
    /// For downtime: the cause (`tenggat_availability::Cause` JSON); `null` otherwise.
    pub cause: Value,
    /// The incident ticket opened for it, if any.
    pub ticket_id: Option<i64>,
}

/// A run to append (see [`Monitoring::advance_availability`]).
#[derive(Debug, Clone, PartialEq)]
pub struct NewRun {
    /// Down or no data.
    pub kind: RunKind,
    /// Start.
    pub start: Timestamp,
    /// End.
    pub end: Timestamp,
    /// Cause JSON (`null` for no data).
    pub cause: Value,
}

/// Where a contract's service stands: how far its timeline is final and what it is now.
#[derive(Debug, Clone, PartialEq)]
pub struct AvailabilityState {
    /// The contract.
    pub contract_id: i64,
    /// The service.
    pub service_id: String,
    /// The timeline is final before this instant (runs after it may still change).
    pub evaluated_until: Timestamp,
    /// Since when the service is down now (the live evaluation), if it is.
    pub down_since: Option<Timestamp>,
    /// The open incident ticket of the current downtime, if one was opened.
    pub incident_ticket_id: Option<i64>,
    /// When the state last changed.
    pub updated_at: Timestamp,
}

/// The live part of a state written with [`Monitoring::advance_availability`].
#[derive(Debug, Clone, PartialEq)]
pub struct LiveState {
    /// Down since, if down now.
    pub down_since: Option<Timestamp>,
    /// The incident ticket of the current outage, or of the latest one after it recovered
    /// (its downtime runs settle later and are linked to it then); `None` when a new outage
    /// begins, until its ticket is set with [`Monitoring::set_incident_ticket`].
    pub incident_ticket_id: Option<i64>,
}

/// A scheduled maintenance window announced to a contract's customer.
#[derive(Debug, Clone, PartialEq)]
pub struct Maintenance {
    /// Id.
    pub id: i64,
    /// The contract.
    pub contract_id: i64,
    /// The service, or every service of the contract when `None`.
    pub service_id: Option<String>,
    /// Start (inclusive).
    pub start: Timestamp,
    /// End (exclusive).
    pub end: Timestamp,
    /// When it was announced (recorded when created; the notice is measured from it).
    pub announced_at: Timestamp,
    /// What is done and why.
    pub note: String,
    /// Who announced it.
    pub created_by: Option<i64>,
    /// When it was cancelled, if it was.
    pub cancelled_at: Option<Timestamp>,
}

/// A new maintenance window.
#[derive(Debug, Clone)]
pub struct NewMaintenance {
    /// The contract.
    pub contract_id: i64,
    /// The service, or all.
    pub service_id: Option<String>,
    /// Start.
    pub start: Timestamp,
    /// End (after start).
    pub end: Timestamp,
    /// Announcement instant.
    pub announced_at: Timestamp,
    /// Note.
    pub note: String,
    /// Who.
    pub created_by: Option<i64>,
}

string_enum! {
    /// Where a recorded exclusion stands.
    ExclusionState, "exclusion state" {
        /// Recorded by the provider; counts as excluded.
        Recorded = "recorded",
        /// The customer disputes it; still counts until resolved.
        Disputed = "disputed",
        /// The provider upheld it after a dispute.
        Upheld = "upheld",
        /// Withdrawn by the provider: the span is not excluded.
        Withdrawn = "withdrawn",
    }
}

/// An exclusion other than maintenance (force majeure, partner side, third party, attack),
/// recorded by the provider with its evidence.
#[derive(Debug, Clone, PartialEq)]
pub struct ExclusionRecord {
    /// Id.
    pub id: i64,
    /// The contract.
    pub contract_id: i64,
    /// The service, or all.
    pub service_id: Option<String>,
    /// Start (inclusive).
    pub start: Timestamp,
    /// End (exclusive).
    pub end: Timestamp,
    /// One of the policy's exclusion ids.
    pub reason: String,
    /// The evidence.
    pub note: String,
    /// Who recorded it.
    pub created_by: Option<i64>,
    /// When.
    pub created_at: Timestamp,
    /// State.
    pub state: ExclusionState,
    /// The customer's dispute, if any.
    pub dispute_note: Option<String>,
    /// Who disputed.
    pub disputed_by: Option<i64>,
    /// When.
    pub disputed_at: Option<Timestamp>,
    /// The provider's answer to the dispute.
    pub resolution_note: Option<String>,
    /// When it was resolved (upheld or withdrawn).
    pub resolved_at: Option<Timestamp>,
}

impl ExclusionRecord {
    /// Whether the span counts as excluded (recorded, disputed or upheld; not withdrawn).
    pub fn excludes(&self) -> bool {
        self.state != ExclusionState::Withdrawn
    }
}

/// A new exclusion.
#[derive(Debug, Clone)]
pub struct NewExclusion {
    /// The contract.
    pub contract_id: i64,
    /// The service, or all.
    pub service_id: Option<String>,
    /// Start.
    pub start: Timestamp,
    /// End.
    pub end: Timestamp,
    /// The policy's exclusion id.
    pub reason: String,
    /// Evidence.
    pub note: String,
    /// Who.
    pub created_by: Option<i64>,
    /// When.
    pub created_at: Timestamp,
}

string_enum! {
    /// Where a credit claim stands.
    ClaimState, "claim state" {
        /// Filed, waiting for the provider.
        Pending = "pending",
        /// Approved: a credit note for the next invoice period.
        Approved = "approved",
        /// Rejected with a reason.
        Rejected = "rejected",
    }
}

/// A service-credit claim for one month of one contract's service.
#[derive(Debug, Clone, PartialEq)]
pub struct CreditClaim {
    /// Id.
    pub id: i64,
    /// The contract.
    pub contract_id: i64,
    /// The service.
    pub service_id: String,
    /// The month claimed for, `YYYY-MM`.
    pub month: String,
    /// Who claimed.
    pub claimed_by: Option<i64>,
    /// When.
    pub claimed_at: Timestamp,
    /// The customer's note.
    pub note: String,
    /// The figures when claimed (the monthly report JSON).
    pub figures: Value,
    /// The credit in minor units computed when claimed.
    pub amount_minor: i64,
    /// Currency.
    pub currency: String,
    /// State.
    pub state: ClaimState,
    /// Who decided.
    pub decided_by: Option<i64>,
    /// When.
    pub decided_at: Option<Timestamp>,
    /// The provider's reason.
    pub decision_note: Option<String>,
    /// For an approved claim: the invoice period (`YYYY-MM`) the credit note applies to.
    pub credit_period: Option<String>,
}

/// A new credit claim.
#[derive(Debug, Clone)]
pub struct NewCreditClaim {
    /// The contract.
    pub contract_id: i64,
    /// The service.
    pub service_id: String,
    /// `YYYY-MM`.
    pub month: String,
    /// Who.
    pub claimed_by: Option<i64>,
    /// When.
    pub claimed_at: Timestamp,
    /// Note.
    pub note: String,
    /// Figures.
    pub figures: Value,
    /// Amount.
    pub amount_minor: i64,
    /// Currency.
    pub currency: String,
}

/// A probe agent: a `tenggat probe-agent` process at one location, known by its token.
#[derive(Debug, Clone, PartialEq)]
pub struct ProbeAgent {
    /// Id.
    pub id: i64,
    /// The provider whose monitors it runs.
    pub provider_id: i64,
    /// Its location name (unique per provider among agents not revoked).
    pub location: String,
    /// SHA-256 of its token (hex); the token itself is shown once.
    pub token_hash: String,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it last reported.
    pub last_seen_at: Option<Timestamp>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<Timestamp>,
}

/// Availability monitoring storage; see the module documentation. Implemented by both
/// backends and by [`Database`](crate::Database).
pub trait Monitoring {
    // ---- monitors

    /// Creates a monitor. `store.invalid` for an interval below 10 s (or above 366 days), no
    /// location, an empty or repeated location, an empty name or service, a check that is not
    /// a JSON object; `store.not_found` when the contract is not the provider's.
    fn create_monitor(&self, new: &NewMonitor)
    -> impl Future<Output = StoreResult<Monitor>> + Send;
    /// A monitor, if it belongs to `provider_id` (when given).
    fn get_monitor(
        &self,
        id: i64,
        provider_id: Option<i64>,
    ) -> impl Future<Output = StoreResult<Monitor>> + Send;
    /// A provider's monitors by id.
    fn monitors_of_provider(
        &self,
        provider_id: i64,
    ) -> impl Future<Output = StoreResult<Vec<Monitor>>> + Send;
    /// A contract's monitors of one service (all services when `None`), by id.
    fn monitors_of_contract(
        &self,
        contract_id: i64,
        service_id: Option<&str>,
    ) -> impl Future<Output = StoreResult<Vec<Monitor>>> + Send;
    /// The monitors that run at `location` for a provider (what a probe agent fetches),
    /// paused ones left out.
    fn monitors_at_location(
        &self,
        provider_id: i64,
        location: &str,
    ) -> impl Future<Output = StoreResult<Vec<Monitor>>> + Send;
    /// Pauses (`Some(at)`) or resumes (`None`) a monitor; a resumed monitor's next slot is
    /// `next_run_at`.
    fn set_monitor_paused(
        &self,
        id: i64,
        paused_at: Option<Timestamp>,
        next_run_at: Timestamp,
    ) -> impl Future<Output = StoreResult<Monitor>> + Send;
    /// Deletes a monitor and its samples (its service's timeline stays).
    fn delete_monitor(&self, id: i64) -> impl Future<Output = StoreResult<()>> + Send;
    /// Every `(contract_id, service_id)` with at least one monitor, sorted.
    fn monitored_services(&self) -> impl Future<Output = StoreResult<Vec<(i64, String)>>> + Send;

    // ---- the local prober's slots

    /// Claims up to `limit` local probe slots that are due by `now`: each monitor at
    /// [`LOCAL_LOCATION`], not paused, whose `next_run_at` ≤ `now`, earliest first. The
    /// monitor's `next_run_at` moves to its first slot after `now` in the same statement
    /// (slots are `next_run_at + k × interval`), so each slot is claimed by one server only
    /// (PostgreSQL: `FOR UPDATE SKIP LOCKED`); slots missed while no server ran are skipped
    /// (their minutes have no data, which is never downtime). The returned slot is the latest
    /// one at or before `now`.
    fn claim_probe_slots(
        &self,
        now: Timestamp,
        limit: u32,
    ) -> impl Future<Output = StoreResult<Vec<ProbeSlot>>> + Send;
    /// The earliest `next_run_at` of any local, unpaused monitor.
    fn earliest_probe_slot(&self) -> impl Future<Output = StoreResult<Option<Timestamp>>> + Send;

    // ---- samples

    /// Stores samples in one statement per few hundred, in one transaction; a sample already
    /// stored (same monitor, location and instant: an agent sending again) is skipped, and so
    /// is one of a monitor deleted meanwhile. Returns how many were new. A sample from a
    /// location the monitor does not run at is `store.invalid` (nothing is written).
    fn record_samples(
        &self,
        samples: &[ProbeSample],
    ) -> impl Future<Output = StoreResult<u64>> + Send;
    /// The samples of `monitor_ids` with `from` ≤ `at` < `to`, by instant.
    fn samples_between(
        &self,
        monitor_ids: &[i64],
        from: Timestamp,
        to: Timestamp,
    ) -> impl Future<Output = StoreResult<Vec<ProbeSample>>> + Send;
    /// The latest sample of each monitor and location among `monitor_ids`.
    fn latest_samples(
        &self,
        monitor_ids: &[i64],
    ) -> impl Future<Output = StoreResult<Vec<ProbeSample>>> + Send;
    /// Deletes samples older than `before`; returns how many.
    fn prune_samples(&self, before: Timestamp) -> impl Future<Output = StoreResult<u64>> + Send;

    // ---- the availability timeline

    /// A service's state, if it was ever evaluated.
    fn availability_state(
        &self,
        contract_id: i64,
        service_id: &str,
    ) -> impl Future<Output = StoreResult<Option<AvailabilityState>>> + Send;
    /// Every evaluated service's state of a provider's contracts (the status page).
    fn availability_states_of_provider(
        &self,
        provider_id: i64,
    ) -> impl Future<Output = StoreResult<Vec<AvailabilityState>>> + Send;
    /// Appends final runs and moves `evaluated_until` from `expected_until` (`None`: never
    /// evaluated) to `until`, with the live state, in one transaction. A run whose start is the
    /// end of the service's last run of the same kind extends that run. Returns `false` and
    /// writes nothing when the state's `evaluated_until` is no longer `expected_until` (another
    /// server advanced it: exactly one of them writes each stretch). Runs must lie within
    /// `[expected_until, until)`, be ordered and not overlap (`store.invalid`). A down run
    /// appended while the service has an incident ticket (the state's before this call, else
    /// `live`'s) is linked to it when it reaches that downtime (ends after its `down_since`).
    #[allow(clippy::too_many_arguments)] // one stretch of one service, as the evaluator has it
    fn advance_availability(
        &self,
        contract_id: i64,
        service_id: &str,
        expected_until: Option<Timestamp>,
        until: Timestamp,
        runs: &[NewRun],
        live: &LiveState,
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<bool>> + Send;
    /// Sets the incident ticket of the current downtime, only if none is set; also links the
    /// service's latest down run when it is part of that downtime (ends after `down_since`;
    /// one appended later is linked by [`Monitoring::advance_availability`]). Returns whether
    /// it was set (`false` too for a service never evaluated).
    fn set_incident_ticket(
        &self,
        contract_id: i64,
        service_id: &str,
        ticket_id: i64,
    ) -> impl Future<Output = StoreResult<bool>> + Send;
    /// Runs overlapping `[from, to)` of a service, by start.
    fn runs_between(
        &self,
        contract_id: i64,
        service_id: &str,
        from: Timestamp,
        to: Timestamp,
    ) -> impl Future<Output = StoreResult<Vec<AvailabilityRun>>> + Send;

    // ---- maintenance and exclusions

    /// Announces a maintenance window (`store.invalid` unless start < end) and writes its
    /// announcement `notices` to the outbox in the same transaction, each dedupe key prefixed
    /// with `maintenance:<id>:`.
    fn create_maintenance(
        &self,
        new: &NewMaintenance,
        notices: &[NewNotice],
    ) -> impl Future<Output = StoreResult<Maintenance>> + Send;
    /// Cancels a window (a cancelled window excludes nothing; cancelling again keeps the first
    /// instant) and writes `notices` with it, keys prefixed as by
    /// [`create_maintenance`](Monitoring::create_maintenance) (a key written before is not
    /// written again).
    fn cancel_maintenance(
        &self,
        id: i64,
        at: Timestamp,
        notices: &[NewNotice],
    ) -> impl Future<Output = StoreResult<Maintenance>> + Send;
    /// A contract's windows overlapping `[from, to)` (cancelled ones included), by start.
    fn maintenance_between(
        &self,
        contract_id: i64,
        from: Timestamp,
        to: Timestamp,
    ) -> impl Future<Output = StoreResult<Vec<Maintenance>>> + Send;
    /// A maintenance window by id.
    fn get_maintenance(&self, id: i64) -> impl Future<Output = StoreResult<Maintenance>> + Send;
    /// Records an exclusion (`store.invalid` unless start < end and reason and note are
    /// given).
    fn create_exclusion(
        &self,
        new: &NewExclusion,
    ) -> impl Future<Output = StoreResult<ExclusionRecord>> + Send;
    /// An exclusion by id.
    fn get_exclusion(&self, id: i64) -> impl Future<Output = StoreResult<ExclusionRecord>> + Send;
    /// A contract's exclusions overlapping `[from, to)`, by start.
    fn exclusions_between(
        &self,
        contract_id: i64,
        from: Timestamp,
        to: Timestamp,
    ) -> impl Future<Output = StoreResult<Vec<ExclusionRecord>>> + Send;
    /// The customer disputes an exclusion: only a `recorded` one (`store.conflict`
    /// otherwise).
    fn dispute_exclusion(
        &self,
        id: i64,
        by: i64,
        note: &str,
        at: Timestamp,
    ) -> impl Future<Output = StoreResult<ExclusionRecord>> + Send;
    /// The provider resolves a dispute: `upheld` or `withdrawn`, only from `disputed`
    /// (`store.conflict` otherwise).
    fn resolve_exclusion(
        &self,
        id: i64,
        state: ExclusionState,
        note: &str,
        at: Timestamp,
    ) -> impl Future<Output = StoreResult<ExclusionRecord>> + Send;

    // ---- credit claims

    /// Files a claim; `store.conflict` when the contract's service already has a claim for
    /// the month that is not rejected; `store.invalid` for a month that is not `YYYY-MM`.
    fn create_claim(
        &self,
        new: &NewCreditClaim,
    ) -> impl Future<Output = StoreResult<CreditClaim>> + Send;
    /// A claim, if it is the customer organisation's (when `scope` is given).
    fn get_claim(
        &self,
        id: i64,
        scope: Option<i64>,
    ) -> impl Future<Output = StoreResult<CreditClaim>> + Send;
    /// A contract's claims, newest first.
    fn claims_of_contract(
        &self,
        contract_id: i64,
    ) -> impl Future<Output = StoreResult<Vec<CreditClaim>>> + Send;
    /// Decides a pending claim (`store.conflict` when it is not pending): approved with the
    /// invoice period (`YYYY-MM`) its credit note applies to, or rejected with a reason and no
    /// period (`store.invalid` otherwise).
    fn decide_claim(
        &self,
        id: i64,
        state: ClaimState,
        by: i64,
        note: &str,
        credit_period: Option<&str>,
        at: Timestamp,
    ) -> impl Future<Output = StoreResult<CreditClaim>> + Send;

    // ---- probe agents

    /// Registers an agent (`store.conflict` when the provider has a live agent at that
    /// location or the token hash is taken; `store.invalid` for the location
    /// [`LOCAL_LOCATION`] or an organisation that is not a provider).
    fn create_probe_agent(
        &self,
        provider_id: i64,
        location: &str,
        token_hash: &str,
        at: Timestamp,
    ) -> impl Future<Output = StoreResult<ProbeAgent>> + Send;
    /// The live (not revoked) agent with this token hash.
    fn probe_agent_by_token_hash(
        &self,
        token_hash: &str,
    ) -> impl Future<Output = StoreResult<Option<ProbeAgent>>> + Send;
    /// A provider's agents.
    fn probe_agents_of_provider(
        &self,
        provider_id: i64,
    ) -> impl Future<Output = StoreResult<Vec<ProbeAgent>>> + Send;
    /// Records that an agent reported.
    fn touch_probe_agent(
        &self,
        id: i64,
        at: Timestamp,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Revokes an agent.
    fn revoke_probe_agent(
        &self,
        id: i64,
        at: Timestamp,
    ) -> impl Future<Output = StoreResult<ProbeAgent>> + Send;
}
