//! The SQL of [`Monitoring`](crate::Monitoring), shared by both backends like `sql.rs`: the
//! rows and checks here, the statements in [`impl_monitoring!`], expanded once per backend
//! with its pool type and the fragments that differ (a monitor's locations as rows, row
//! locks).
//!
//! **Exactly once.** A probe slot is claimed by moving the monitor's `next_run_at` past `now`
//! in the claiming transaction (PostgreSQL: rows locked `FOR NO KEY UPDATE SKIP LOCKED`, so
//! concurrent claimers take different monitors; SQLite: one writer at a time). A stretch of a
//! service's timeline is written by the one transaction that finds `evaluated_until` where
//! its caller read it (the state row is locked on PostgreSQL; an absent row is inserted with
//! `ON CONFLICT DO NOTHING`, so of two first evaluations one inserts).

use serde_json::Value;
use sqlx::types::Json;

use crate::error::StoreError;
use crate::monitoring::*;
use crate::rows::{required, stored, ts, ts_opt};

/// The longest probe interval a monitor takes: 366 days (its slots' arithmetic in
/// nanoseconds stays far inside 64 bits).
pub(crate) const MAX_INTERVAL_MS: i64 = 366 * 86_400 * 1000;

/// The shortest probe interval: 10 s.
pub(crate) const MIN_INTERVAL_MS: i64 = 10_000;

/// Checks a new monitor; `Ok(true)` when it runs at [`LOCAL_LOCATION`].
pub(crate) fn check_new_monitor(new: &NewMonitor) -> Result<bool, StoreError> {
    required(&new.service_id, "service id")?;
    required(&new.name, "monitor name")?;
    if !new.check.is_object() {
        return Err(StoreError::Invalid(
            "a monitor's check must be a JSON object".into(),
        ));
    }
    if new.interval_ms < MIN_INTERVAL_MS {
        return Err(StoreError::Invalid(format!(
            "interval {} ms is shorter than the minimum of 10 s",
            new.interval_ms
        )));
    }
    if new.interval_ms > MAX_INTERVAL_MS {
        return Err(StoreError::Invalid(format!(
            "interval {} ms is longer than the maximum of 366 days",
            new.interval_ms
        )));
    }
    if new.locations.is_empty() {
        return Err(StoreError::Invalid(
            "a monitor runs at one location at least".into(),
        ));
    }
    let mut seen = std::collections::HashSet::with_capacity(new.locations.len());
    for location in &new.locations {
        required(location, "location")?;
        if location.trim() != location {
            return Err(StoreError::Invalid(format!(
                "location {location:?} has blanks around it"
            )));
        }
        if !seen.insert(location.as_str()) {
            return Err(StoreError::Invalid(format!(
                "location {location:?} is listed twice"
            )));
        }
    }
    Ok(seen.contains(LOCAL_LOCATION))
}

/// A claim of a monitor's slot at `now` (`next` ≤ `now`): the latest slot at or before `now`
/// and the first one strictly after it, `next + k × interval` for the smallest `k` ≥ 1 that
/// passes `now` (the slots in between were missed), in nanoseconds.
pub(crate) fn claim_slot(next: i64, interval_ms: i64, now: i64) -> Result<(i64, i64), StoreError> {
    let interval = i128::from(interval_ms) * 1_000_000;
    if interval <= 0 {
        return Err(StoreError::Database(format!(
            "stored interval {interval_ms} ms is invalid"
        )));
    }
    let behind = (i128::from(now) - i128::from(next)).max(0);
    let after = i128::from(next) + interval * (behind / interval + 1);
    let fits = |n: i128| {
        i64::try_from(n)
            .map_err(|_| StoreError::Invalid(format!("the next probe slot ({n} ns) is after 2262")))
    };
    Ok((fits(after - interval)?, fits(after)?))
}

/// A run to write, in nanoseconds.
pub(crate) struct RunCols<'a> {
    pub(crate) kind: RunKind,
    pub(crate) start: i64,
    pub(crate) end: i64,
    pub(crate) cause: &'a Value,
}

/// Checks the runs of an advance: each `start < end`, inside `[expected, until)`, in order
/// and not overlapping; `until` not before `expected`.
pub(crate) fn check_runs(
    expected: Option<i64>,
    until: i64,
    runs: &[NewRun],
) -> Result<Vec<RunCols<'_>>, StoreError> {
    if let Some(expected) = expected
        && until < expected
    {
        return Err(StoreError::Invalid(
            "the timeline cannot move back (until is before expected_until)".into(),
        ));
    }
    let mut out = Vec::with_capacity(runs.len());
    let mut floor = expected;
    for run in runs {
        let start = crate::rows::ns(run.start)?;
        let end = crate::rows::ns(run.end)?;
        if start >= end {
            return Err(StoreError::Invalid(format!(
                "a run must end after it starts ({} – {})",
                run.start, run.end
            )));
        }
        if let Some(floor) = floor
            && start < floor
        {
            return Err(StoreError::Invalid(format!(
                "the run {} – {} starts before the timeline's end or overlaps the run before it",
                run.start, run.end
            )));
        }
        if end > until {
            return Err(StoreError::Invalid(format!(
                "the run {} – {} ends after until",
                run.start, run.end
            )));
        }
        floor = Some(end);
        out.push(RunCols {
            kind: run.kind,
            start,
            end,
            cause: &run.cause,
        });
    }
    Ok(out)
}

/// Refuses a month that is not `YYYY-MM`.
pub(crate) fn check_month(text: &str, what: &str) -> Result<(), StoreError> {
    let bytes = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| bytes[range].iter().all(u8::is_ascii_digit);
    let valid = bytes.len() == 7
        && digits(0..4)
        && bytes[4] == b'-'
        && digits(5..7)
        && matches!(text[5..7].parse::<u8>(), Ok(1..=12));
    if valid {
        Ok(())
    } else {
        Err(StoreError::Invalid(format!(
            "{what} {text:?} is not a month (YYYY-MM)"
        )))
    }
}

/// `Some(text)` unless it is blank.
pub(crate) fn non_blank(text: &str) -> Option<&str> {
    if text.trim().is_empty() {
        None
    } else {
        Some(text)
    }
}

macro_rules! monitor_cols {
    () => {
        "id, provider_id, contract_id, service_id, name, probe_check, interval_ms, locations, \
         public, created_at, paused_at, next_run_at"
    };
}
pub(crate) use monitor_cols;

#[derive(sqlx::FromRow)]
pub(crate) struct MonitorRow {
    pub(crate) id: i64,
    provider_id: i64,
    contract_id: i64,
    service_id: String,
    name: String,
    probe_check: Json<Value>,
    pub(crate) interval_ms: i64,
    locations: Json<Vec<String>>,
    public: bool,
    created_at: i64,
    paused_at: Option<i64>,
    pub(crate) next_run_at: i64,
}

impl TryFrom<MonitorRow> for Monitor {
    type Error = StoreError;
    fn try_from(r: MonitorRow) -> Result<Monitor, StoreError> {
        Ok(Monitor {
            id: r.id,
            provider_id: r.provider_id,
            contract_id: r.contract_id,
            service_id: r.service_id,
            name: r.name,
            check: r.probe_check.0,
            interval_ms: r.interval_ms,
            locations: r.locations.0,
            public: r.public,
            created_at: ts(r.created_at)?,
            paused_at: ts_opt(r.paused_at)?,
            next_run_at: ts(r.next_run_at)?,
        })
    }
}

macro_rules! sample_cols {
    () => {
        "monitor_id, location, at, outcome, failure_kind, detail, latency_ms, cert_expires_at"
    };
}
pub(crate) use sample_cols;

#[derive(sqlx::FromRow)]
pub(crate) struct SampleRow {
    monitor_id: i64,
    location: String,
    at: i64,
    outcome: String,
    failure_kind: Option<String>,
    detail: String,
    latency_ms: Option<i64>,
    cert_expires_at: Option<i64>,
}

impl TryFrom<SampleRow> for ProbeSample {
    type Error = StoreError;
    fn try_from(r: SampleRow) -> Result<ProbeSample, StoreError> {
        Ok(ProbeSample {
            monitor_id: r.monitor_id,
            location: r.location,
            at: ts(r.at)?,
            outcome: stored(&r.outcome)?,
            failure_kind: r.failure_kind,
            detail: r.detail,
            latency_ms: r.latency_ms,
            cert_expires_at: ts_opt(r.cert_expires_at)?,
        })
    }
}

macro_rules! state_cols {
    () => {
        "contract_id, service_id, evaluated_until, down_since, incident_ticket_id, updated_at"
    };
}
pub(crate) use state_cols;

#[derive(sqlx::FromRow)]
pub(crate) struct StateRow {
    contract_id: i64,
    service_id: String,
    evaluated_until: i64,
    down_since: Option<i64>,
    incident_ticket_id: Option<i64>,
    updated_at: i64,
}

impl TryFrom<StateRow> for AvailabilityState {
    type Error = StoreError;
    fn try_from(r: StateRow) -> Result<AvailabilityState, StoreError> {
        Ok(AvailabilityState {
            contract_id: r.contract_id,
            service_id: r.service_id,
            evaluated_until: ts(r.evaluated_until)?,
            down_since: ts_opt(r.down_since)?,
            incident_ticket_id: r.incident_ticket_id,
            updated_at: ts(r.updated_at)?,
        })
    }
}

macro_rules! run_cols {
    () => {
        "id, contract_id, service_id, kind, start_at, end_at, cause, ticket_id"
    };
}
pub(crate) use run_cols;

#[derive(sqlx::FromRow)]
pub(crate) struct RunRow {
    id: i64,
    contract_id: i64,
    service_id: String,
    kind: String,
    start_at: i64,
    end_at: i64,
    cause: Json<Value>,
    ticket_id: Option<i64>,
}

impl TryFrom<RunRow> for AvailabilityRun {
    type Error = StoreError;
    fn try_from(r: RunRow) -> Result<AvailabilityRun, StoreError> {
        Ok(AvailabilityRun {
            id: r.id,
            contract_id: r.contract_id,
            service_id: r.service_id,
            kind: stored(&r.kind)?,
            start: ts(r.start_at)?,
            end: ts(r.end_at)?,
            cause: r.cause.0,
            ticket_id: r.ticket_id,
        })
    }
}

macro_rules! maintenance_cols {
    () => {
        "id, contract_id, service_id, start_at, end_at, announced_at, note, created_by, \
         cancelled_at"
    };
}
pub(crate) use maintenance_cols;

#[derive(sqlx::FromRow)]
pub(crate) struct MaintenanceRow {
    id: i64,
    contract_id: i64,
    service_id: Option<String>,
    start_at: i64,
    end_at: i64,
    announced_at: i64,
    note: String,
    created_by: Option<i64>,
    cancelled_at: Option<i64>,
}

impl TryFrom<MaintenanceRow> for Maintenance {
    type Error = StoreError;
    fn try_from(r: MaintenanceRow) -> Result<Maintenance, StoreError> {
        Ok(Maintenance {
            id: r.id,
            contract_id: r.contract_id,
            service_id: r.service_id,
            start: ts(r.start_at)?,
            end: ts(r.end_at)?,
            announced_at: ts(r.announced_at)?,
            note: r.note,
            created_by: r.created_by,
            cancelled_at: ts_opt(r.cancelled_at)?,
        })
    }
}

macro_rules! exclusion_cols {
    () => {
        "id, contract_id, service_id, start_at, end_at, reason, note, created_by, created_at, \
         state, dispute_note, disputed_by, disputed_at, resolution_note, resolved_at"
    };
}
pub(crate) use exclusion_cols;

#[derive(sqlx::FromRow)]
pub(crate) struct ExclusionRow {
    id: i64,
    contract_id: i64,
    service_id: Option<String>,
    start_at: i64,
    end_at: i64,
    reason: String,
    note: String,
    created_by: Option<i64>,
    created_at: i64,
    state: String,
    dispute_note: Option<String>,
    disputed_by: Option<i64>,
    disputed_at: Option<i64>,
    resolution_note: Option<String>,
    resolved_at: Option<i64>,
}

impl TryFrom<ExclusionRow> for ExclusionRecord {
    type Error = StoreError;
    fn try_from(r: ExclusionRow) -> Result<ExclusionRecord, StoreError> {
        Ok(ExclusionRecord {
            id: r.id,
            contract_id: r.contract_id,
            service_id: r.service_id,
            start: ts(r.start_at)?,
            end: ts(r.end_at)?,
            reason: r.reason,
            note: r.note,
            created_by: r.created_by,
            created_at: ts(r.created_at)?,
            state: stored(&r.state)?,
            dispute_note: r.dispute_note,
            disputed_by: r.disputed_by,
            disputed_at: ts_opt(r.disputed_at)?,
            resolution_note: r.resolution_note,
            resolved_at: ts_opt(r.resolved_at)?,
        })
    }
}

macro_rules! claim_cols {
    () => {
        "id, contract_id, service_id, month, claimed_by, claimed_at, note, figures, \
         amount_minor, currency, state, decided_by, decided_at, decision_note, credit_period"
    };
}
pub(crate) use claim_cols;

#[derive(sqlx::FromRow)]
pub(crate) struct ClaimRow {
    id: i64,
    contract_id: i64,
    service_id: String,
    month: String,
    claimed_by: Option<i64>,
    claimed_at: i64,
    note: String,
    figures: Json<Value>,
    amount_minor: i64,
    currency: String,
    state: String,
    decided_by: Option<i64>,
    decided_at: Option<i64>,
    decision_note: Option<String>,
    credit_period: Option<String>,
}

impl TryFrom<ClaimRow> for CreditClaim {
    type Error = StoreError;
    fn try_from(r: ClaimRow) -> Result<CreditClaim, StoreError> {
        Ok(CreditClaim {
            id: r.id,
            contract_id: r.contract_id,
            service_id: r.service_id,
            month: r.month,
            claimed_by: r.claimed_by,
            claimed_at: ts(r.claimed_at)?,
            note: r.note,
            figures: r.figures.0,
            amount_minor: r.amount_minor,
            currency: r.currency,
            state: stored(&r.state)?,
            decided_by: r.decided_by,
            decided_at: ts_opt(r.decided_at)?,
            decision_note: r.decision_note,
            credit_period: r.credit_period,
        })
    }
}

macro_rules! agent_cols {
    () => {
        "id, provider_id, location, token_hash, created_at, last_seen_at, revoked_at"
    };
}
pub(crate) use agent_cols;

#[derive(sqlx::FromRow)]
pub(crate) struct AgentRow {
    id: i64,
    provider_id: i64,
    location: String,
    token_hash: String,
    created_at: i64,
    last_seen_at: Option<i64>,
    revoked_at: Option<i64>,
}

impl TryFrom<AgentRow> for ProbeAgent {
    type Error = StoreError;
    fn try_from(r: AgentRow) -> Result<ProbeAgent, StoreError> {
        Ok(ProbeAgent {
            id: r.id,
            provider_id: r.provider_id,
            location: r.location,
            token_hash: r.token_hash,
            created_at: ts(r.created_at)?,
            last_seen_at: ts_opt(r.last_seen_at)?,
            revoked_at: ts_opt(r.revoked_at)?,
        })
    }
}

/// The statements of [`Monitoring`](crate::Monitoring) for one backend. `locations` names a
/// monitor `m`'s locations as rows `l(value)`; `skip_locked` and `for_update` are the row
/// locks of slot claims and of the availability state (empty on SQLite, where the write
/// transaction is exclusive); `max_params` bounds a statement's parameters (see `sql.rs`).
macro_rules! impl_monitoring {
    ($store:ty, locations = $locations:literal, skip_locked = $skip_locked:literal,
     for_update = $for_update:literal, max_params = $max_params:literal) => {
        const _: () = {
            use std::collections::HashMap;

            use jiff::Timestamp;
            use sqlx::types::Json;

            use $crate::error::{StoreError, db_error};
            use $crate::monitoring::*;
            use $crate::rows::{ns, ns_opt, required, unique_ids};
            use $crate::sql::{placeholders, values_list};
            use $crate::sql_monitoring::*;
            use $crate::store::StoreResult;

            /// Ids per `IN (…)` list, leaving room for `extra` other parameters.
            fn per_list(extra: usize) -> usize {
                ($max_params - extra).max(1)
            }

            impl $store {
                /// Ids of rows that do exist, for telling `not_found` from `conflict`.
                async fn monitoring_row_exists(&self, table: &'static str, id: i64) -> StoreResult<bool> {
                    let sql = format!("SELECT COUNT(*) FROM {table} WHERE id = $1");
                    let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                        .bind(id)
                        .fetch_one(&self.pool)
                        .await
                        .map_err(db_error)?;
                    Ok(n > 0)
                }

                /// `conflict` when the row exists (in another state), else `not_found`.
                async fn wrong_state(
                    &self,
                    table: &'static str,
                    what: &'static str,
                    id: i64,
                    message: String,
                ) -> StoreError {
                    match self.monitoring_row_exists(table, id).await {
                        Ok(true) => StoreError::Conflict(message),
                        Ok(false) => StoreError::NotFound(what),
                        Err(e) => e,
                    }
                }
            }

            impl $crate::monitoring::Monitoring for $store {
                // ---- monitors

                async fn create_monitor(&self, new: &NewMonitor) -> StoreResult<Monitor> {
                    let runs_local = check_new_monitor(new)?;
                    let row: Option<MonitorRow> = sqlx::query_as(concat!(
                        "INSERT INTO monitors (provider_id, contract_id, service_id, name, \
                         probe_check, interval_ms, locations, runs_local, public, created_at, \
                         next_run_at) SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11 \
                         FROM contracts WHERE id = $2 AND provider_id = $1 RETURNING ",
                        monitor_cols!()
                    ))
                    .bind(new.provider_id)
                    .bind(new.contract_id)
                    .bind(&new.service_id)
                    .bind(&new.name)
                    .bind(Json(&new.check))
                    .bind(new.interval_ms)
                    .bind(Json(&new.locations))
                    .bind(runs_local)
                    .bind(new.public)
                    .bind(ns(new.created_at)?)
                    .bind(ns(new.first_run_at)?)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db_error)?;
                    row.ok_or(StoreError::NotFound("contract"))?.try_into()
                }

                async fn get_monitor(&self, id: i64, provider_id: Option<i64>) -> StoreResult<Monitor> {
                    let row: Option<MonitorRow> = sqlx::query_as(concat!(
                        "SELECT ",
                        monitor_cols!(),
                        " FROM monitors WHERE id = $1 AND ($2 IS NULL OR provider_id = $2)"
                    ))
                    .bind(id)
                    .bind(provider_id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db_error)?;
                    row.ok_or(StoreError::NotFound("monitor"))?.try_into()
                }

                async fn monitors_of_provider(&self, provider_id: i64) -> StoreResult<Vec<Monitor>> {
                    let rows: Vec<MonitorRow> = sqlx::query_as(concat!(
                        "SELECT ",
                        monitor_cols!(),
                        " FROM monitors WHERE provider_id = $1 ORDER BY id"
                    ))
                    .bind(provider_id)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db_error)?;
                    rows.into_iter().map(Monitor::try_from).collect()
                }

                async fn monitors_of_contract(
                    &self,
                    contract_id: i64,
                    service_id: Option<&str>,
                ) -> StoreResult<Vec<Monitor>> {
                    let rows: Vec<MonitorRow> = sqlx::query_as(concat!(
                        "SELECT ",
                        monitor_cols!(),
                        " FROM monitors WHERE contract_id = $1 \
                         AND ($2 IS NULL OR service_id = $2) ORDER BY id"
                    ))
                    .bind(contract_id)
                    .bind(service_id)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db_error)?;
                    rows.into_iter().map(Monitor::try_from).collect()
                }

                async fn monitors_at_location(
                    &self,
                    provider_id: i64,
                    location: &str,
                ) -> StoreResult<Vec<Monitor>> {
                    let rows: Vec<MonitorRow> = sqlx::query_as(concat!(
                        "SELECT ",
                        monitor_cols!(),
                        " FROM monitors m WHERE provider_id = $1 AND paused_at IS NULL \
                         AND EXISTS (SELECT 1 FROM ",
                        $locations,
                        " WHERE l.value = $2) ORDER BY id"
                    ))
                    .bind(provider_id)
                    .bind(location)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db_error)?;
                    rows.into_iter().map(Monitor::try_from).collect()
                }

                async fn set_monitor_paused(
                    &self,
                    id: i64,
                    paused_at: Option<Timestamp>,
                    next_run_at: Timestamp,
                ) -> StoreResult<Monitor> {
                    // Pausing again keeps the first instant.
                    let row: Option<MonitorRow> = sqlx::query_as(concat!(
                        "UPDATE monitors SET paused_at = CASE WHEN $2 IS NULL THEN NULL \
                         ELSE COALESCE(paused_at, $2) END, next_run_at = $3 WHERE id = $1 \
                         RETURNING ",
                        monitor_cols!()
                    ))
                    .bind(id)
                    .bind(ns_opt(paused_at)?)
                    .bind(ns(next_run_at)?)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db_error)?;
                    row.ok_or(StoreError::NotFound("monitor"))?.try_into()
                }

                async fn delete_monitor(&self, id: i64) -> StoreResult<()> {
                    // Its samples go with it (ON DELETE CASCADE).
                    let done = sqlx::query("DELETE FROM monitors WHERE id = $1")
                        .bind(id)
                        .execute(&self.pool)
                        .await
                        .map_err(db_error)?;
                    if done.rows_affected() == 0 {
                        return Err(StoreError::NotFound("monitor"));
                    }
                    Ok(())
                }

                async fn monitored_services(&self) -> StoreResult<Vec<(i64, String)>> {
                    sqlx::query_as(
                        "SELECT DISTINCT contract_id, service_id FROM monitors \
                         ORDER BY contract_id, service_id",
                    )
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db_error)
                }

                // ---- the local prober's slots

                async fn claim_probe_slots(
                    &self,
                    now: Timestamp,
                    limit: u32,
                ) -> StoreResult<Vec<ProbeSlot>> {
                    if limit == 0 {
                        return Ok(Vec::new());
                    }
                    let now = ns(now)?;
                    let mut tx = self.begin_write().await?;
                    let mut rows: Vec<MonitorRow> = sqlx::query_as(concat!(
                        "SELECT ",
                        monitor_cols!(),
                        " FROM monitors WHERE runs_local AND paused_at IS NULL \
                         AND next_run_at <= $1 ORDER BY next_run_at, id LIMIT $2",
                        $skip_locked
                    ))
                    .bind(now)
                    .bind(i64::from(limit))
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(db_error)?;
                    if rows.is_empty() {
                        return Ok(Vec::new());
                    }
                    // Row locks give no order on PostgreSQL: earliest first again.
                    rows.sort_by_key(|r| (r.next_run_at, r.id));
                    let mut slots = Vec::with_capacity(rows.len());
                    for row in &mut rows {
                        let (slot, next) = claim_slot(row.next_run_at, row.interval_ms, now)?;
                        slots.push(slot);
                        row.next_run_at = next;
                    }
                    for chunk in rows.chunks(per_list(0) / 2) {
                        let sql = format!(
                            "WITH v (v_id, v_next) AS (VALUES {}) \
                             UPDATE monitors SET next_run_at = v_next FROM v WHERE id = v_id",
                            values_list(chunk.len(), 2)
                        );
                        let mut update = sqlx::query(sqlx::AssertSqlSafe(sql));
                        for row in chunk {
                            update = update.bind(row.id).bind(row.next_run_at);
                        }
                        update.execute(&mut *tx).await.map_err(db_error)?;
                    }
                    tx.commit().await.map_err(db_error)?;
                    rows.into_iter()
                        .zip(slots)
                        .map(|(row, slot)| {
                            Ok(ProbeSlot {
                                monitor: row.try_into()?,
                                slot: $crate::rows::ts(slot)?,
                            })
                        })
                        .collect()
                }

                async fn earliest_probe_slot(&self) -> StoreResult<Option<Timestamp>> {
                    let at: Option<i64> = sqlx::query_scalar(
                        "SELECT MIN(next_run_at) FROM monitors \
                         WHERE runs_local AND paused_at IS NULL",
                    )
                    .fetch_one(&self.pool)
                    .await
                    .map_err(db_error)?;
                    at.map($crate::rows::ts).transpose()
                }

                // ---- samples

                async fn record_samples(&self, samples: &[ProbeSample]) -> StoreResult<u64> {
                    if samples.is_empty() {
                        return Ok(0);
                    }
                    let mut cols = Vec::with_capacity(samples.len());
                    for s in samples {
                        required(&s.location, "sample location")?;
                        if let Some(kind) = &s.failure_kind {
                            required(kind, "failure kind")?;
                        }
                        cols.push((ns(s.at)?, ns_opt(s.cert_expires_at)?));
                    }
                    let ids = unique_ids(&samples.iter().map(|s| s.monitor_id).collect::<Vec<_>>());
                    let mut tx = self.begin_write().await?;
                    // The monitors' locations: a sample of a monitor deleted meanwhile is
                    // dropped (its samples went with it); one from a location the monitor
                    // does not run at is refused.
                    let mut locations: HashMap<i64, Vec<String>> = HashMap::with_capacity(ids.len());
                    for chunk in ids.chunks(per_list(0)) {
                        let sql = format!(
                            "SELECT id, locations FROM monitors WHERE id IN ({})",
                            placeholders(chunk.len())
                        );
                        let mut query =
                            sqlx::query_as::<_, (i64, Json<Vec<String>>)>(sqlx::AssertSqlSafe(sql));
                        for id in chunk {
                            query = query.bind(*id);
                        }
                        for (id, list) in query.fetch_all(&mut *tx).await.map_err(db_error)? {
                            locations.insert(id, list.0);
                        }
                    }
                    let mut rows = Vec::with_capacity(samples.len());
                    for (s, (at, cert)) in samples.iter().zip(cols) {
                        let Some(list) = locations.get(&s.monitor_id) else {
                            continue;
                        };
                        if !list.contains(&s.location) {
                            return Err(StoreError::Invalid(format!(
                                "monitor {} does not run at location {:?}",
                                s.monitor_id, s.location
                            )));
                        }
                        rows.push((s, at, cert));
                    }
                    let mut inserted = 0;
                    for chunk in rows.chunks(per_list(0) / 8) {
                        let sql = format!(
                            concat!(
                                "INSERT INTO probe_samples (",
                                $crate::sql_monitoring::sample_cols!(),
                                ") VALUES {} ON CONFLICT (monitor_id, location, at) DO NOTHING"
                            ),
                            values_list(chunk.len(), 8)
                        );
                        let mut insert = sqlx::query(sqlx::AssertSqlSafe(sql));
                        for (s, at, cert) in chunk {
                            insert = insert
                                .bind(s.monitor_id)
                                .bind(&s.location)
                                .bind(*at)
                                .bind(s.outcome.as_str())
                                .bind(s.failure_kind.as_deref())
                                .bind(&s.detail)
                                .bind(s.latency_ms)
                                .bind(*cert);
                        }
                        inserted += insert.execute(&mut *tx).await.map_err(db_error)?.rows_affected();
                    }
                    tx.commit().await.map_err(db_error)?;
                    Ok(inserted)
                }

                async fn samples_between(
                    &self,
                    monitor_ids: &[i64],
                    from: Timestamp,
                    to: Timestamp,
                ) -> StoreResult<Vec<ProbeSample>> {
                    let (from, to) = (ns(from)?, ns(to)?);
                    let ids = unique_ids(monitor_ids);
                    let mut out = Vec::new();
                    for chunk in ids.chunks(per_list(2)) {
                        let n = chunk.len();
                        let sql = format!(
                            concat!(
                                "SELECT ",
                                $crate::sql_monitoring::sample_cols!(),
                                " FROM probe_samples WHERE monitor_id IN ({}) \
                                 AND at >= ${} AND at < ${} ORDER BY at, monitor_id, location"
                            ),
                            placeholders(n),
                            n + 1,
                            n + 2
                        );
                        let mut query = sqlx::query_as::<_, SampleRow>(sqlx::AssertSqlSafe(sql));
                        for id in chunk {
                            query = query.bind(*id);
                        }
                        let rows = query.bind(from).bind(to).fetch_all(&self.pool).await.map_err(db_error)?;
                        for row in rows {
                            out.push(ProbeSample::try_from(row)?);
                        }
                    }
                    if ids.len() > per_list(2) {
                        out.sort_by(|a, b| {
                            (a.at, a.monitor_id, &a.location).cmp(&(b.at, b.monitor_id, &b.location))
                        });
                    }
                    Ok(out)
                }

                async fn latest_samples(&self, monitor_ids: &[i64]) -> StoreResult<Vec<ProbeSample>> {
                    // Two statements of index probes, however many samples are kept: per
                    // location of each monitor (`record_samples` keeps samples to those) the
                    // latest instant, by the primary key; then those rows, by the primary key.
                    // (One statement joining the two let PostgreSQL's planner scan every
                    // sample.)
                    let ids = unique_ids(monitor_ids);
                    let mut keys: Vec<(i64, String, i64)> = Vec::new();
                    for chunk in ids.chunks(per_list(0)) {
                        let sql = format!(
                            concat!(
                                "SELECT m.id, l.value, (SELECT MAX(q.at) FROM probe_samples q \
                                 WHERE q.monitor_id = m.id AND q.location = l.value) \
                                 FROM monitors m, ",
                                $locations,
                                " WHERE m.id IN ({})"
                            ),
                            placeholders(chunk.len())
                        );
                        let mut query = sqlx::query_as::<_, (i64, String, Option<i64>)>(
                            sqlx::AssertSqlSafe(sql),
                        );
                        for id in chunk {
                            query = query.bind(*id);
                        }
                        for (id, location, at) in query.fetch_all(&self.pool).await.map_err(db_error)? {
                            if let Some(at) = at {
                                keys.push((id, location, at));
                            }
                        }
                    }
                    let mut out = Vec::with_capacity(keys.len());
                    for chunk in keys.chunks(per_list(0) / 3) {
                        let sql = format!(
                            "WITH k (k_monitor, k_location, k_at) AS (VALUES {}) \
                             SELECT s.monitor_id, s.location, s.at, s.outcome, s.failure_kind, \
                             s.detail, s.latency_ms, s.cert_expires_at FROM k \
                             JOIN probe_samples s ON s.monitor_id = k_monitor \
                             AND s.location = k_location AND s.at = k_at",
                            values_list(chunk.len(), 3)
                        );
                        let mut query = sqlx::query_as::<_, SampleRow>(sqlx::AssertSqlSafe(sql));
                        for (id, location, at) in chunk {
                            query = query.bind(*id).bind(location).bind(*at);
                        }
                        for row in query.fetch_all(&self.pool).await.map_err(db_error)? {
                            out.push(ProbeSample::try_from(row)?);
                        }
                    }
                    out.sort_by(|a, b| (a.monitor_id, &a.location).cmp(&(b.monitor_id, &b.location)));
                    Ok(out)
                }

                async fn prune_samples(&self, before: Timestamp) -> StoreResult<u64> {
                    let done = sqlx::query("DELETE FROM probe_samples WHERE at < $1")
                        .bind(ns(before)?)
                        .execute(&self.pool)
                        .await
                        .map_err(db_error)?;
                    Ok(done.rows_affected())
                }

                // ---- the availability timeline

                async fn availability_state(
                    &self,
                    contract_id: i64,
                    service_id: &str,
                ) -> StoreResult<Option<AvailabilityState>> {
                    let row: Option<StateRow> = sqlx::query_as(concat!(
                        "SELECT ",
                        state_cols!(),
                        " FROM availability_state WHERE contract_id = $1 AND service_id = $2"
                    ))
                    .bind(contract_id)
                    .bind(service_id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db_error)?;
                    row.map(AvailabilityState::try_from).transpose()
                }

                async fn availability_states_of_provider(
                    &self,
                    provider_id: i64,
                ) -> StoreResult<Vec<AvailabilityState>> {
                    let rows: Vec<StateRow> = sqlx::query_as(concat!(
                        "SELECT ",
                        state_cols!(),
                        " FROM availability_state WHERE contract_id IN \
                         (SELECT id FROM contracts WHERE provider_id = $1) \
                         ORDER BY contract_id, service_id"
                    ))
                    .bind(provider_id)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db_error)?;
                    rows.into_iter().map(AvailabilityState::try_from).collect()
                }

                async fn advance_availability(
                    &self,
                    contract_id: i64,
                    service_id: &str,
                    expected_until: Option<Timestamp>,
                    until: Timestamp,
                    runs: &[NewRun],
                    live: &LiveState,
                    now: Timestamp,
                ) -> StoreResult<bool> {
                    required(service_id, "service id")?;
                    let expected = ns_opt(expected_until)?;
                    let until = ns(until)?;
                    let runs = check_runs(expected, until, runs)?;
                    let down_since = ns_opt(live.down_since)?;
                    let now = ns(now)?;
                    let mut tx = self.begin_write().await?;
                    // The state as it is (locked on PostgreSQL until commit): the stretch is
                    // this caller's only if the timeline still ends where it read it.
                    let old: Option<(i64, Option<i64>, Option<i64>)> = sqlx::query_as(concat!(
                        "SELECT evaluated_until, down_since, incident_ticket_id \
                         FROM availability_state WHERE contract_id = $1 AND service_id = $2",
                        $for_update
                    ))
                    .bind(contract_id)
                    .bind(service_id)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(db_error)?;
                    match (old, expected) {
                        (None, None) => {
                            let done = sqlx::query(
                                "INSERT INTO availability_state (contract_id, service_id, \
                                 evaluated_until, down_since, incident_ticket_id, updated_at) \
                                 VALUES ($1, $2, $3, $4, $5, $6) \
                                 ON CONFLICT (contract_id, service_id) DO NOTHING",
                            )
                            .bind(contract_id)
                            .bind(service_id)
                            .bind(until)
                            .bind(down_since)
                            .bind(live.incident_ticket_id)
                            .bind(now)
                            .execute(&mut *tx)
                            .await
                            .map_err(db_error)?;
                            if done.rows_affected() == 0 {
                                // Another server evaluated it first.
                                return Ok(false);
                            }
                        }
                        (Some((stored_until, _, _)), Some(expected)) if stored_until == expected => {
                            sqlx::query(
                                "UPDATE availability_state SET evaluated_until = $3, \
                                 down_since = $4, incident_ticket_id = $5, updated_at = $6 \
                                 WHERE contract_id = $1 AND service_id = $2",
                            )
                            .bind(contract_id)
                            .bind(service_id)
                            .bind(until)
                            .bind(down_since)
                            .bind(live.incident_ticket_id)
                            .bind(now)
                            .execute(&mut *tx)
                            .await
                            .map_err(db_error)?;
                        }
                        _ => return Ok(false),
                    }
                    // A down run is linked to the incident ticket of the downtime it reaches:
                    // the one open before this stretch (its first down run ending after that
                    // downtime began), or the one that recovered and kept its ticket while
                    // its downtime settles, else the live one.
                    let mut before = match old {
                        Some((_, Some(since), Some(ticket))) => Some((since, ticket)),
                        Some((_, None, Some(ticket))) => Some((i64::MIN, ticket)),
                        _ => None,
                    };
                    let after = match (down_since, live.incident_ticket_id) {
                        (Some(since), Some(ticket)) => Some((since, ticket)),
                        _ => None,
                    };
                    for run in runs {
                        let ticket = if run.kind != RunKind::Down {
                            None
                        } else if let Some((since, ticket)) = before
                            && run.end > since
                        {
                            before = None;
                            Some(ticket)
                        } else {
                            after.filter(|(since, _)| run.end > *since).map(|(_, t)| t)
                        };
                        // The service's latest run of this kind before the new one: extended
                        // when it ends exactly where the new one starts.
                        let extended: Option<i64> = sqlx::query_scalar(
                            "UPDATE availability_runs SET end_at = $5, \
                             ticket_id = COALESCE(ticket_id, $6) \
                             WHERE id = (SELECT id FROM availability_runs WHERE contract_id = $1 \
                             AND service_id = $2 AND kind = $3 AND start_at < $4 \
                             ORDER BY start_at DESC, id DESC LIMIT 1) AND end_at = $4 RETURNING id",
                        )
                        .bind(contract_id)
                        .bind(service_id)
                        .bind(run.kind.as_str())
                        .bind(run.start)
                        .bind(run.end)
                        .bind(ticket)
                        .fetch_optional(&mut *tx)
                        .await
                        .map_err(db_error)?;
                        if extended.is_none() {
                            sqlx::query(
                                "INSERT INTO availability_runs (contract_id, service_id, kind, \
                                 start_at, end_at, cause, ticket_id) \
                                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
                            )
                            .bind(contract_id)
                            .bind(service_id)
                            .bind(run.kind.as_str())
                            .bind(run.start)
                            .bind(run.end)
                            .bind(Json(run.cause))
                            .bind(ticket)
                            .execute(&mut *tx)
                            .await
                            .map_err(db_error)?;
                        }
                    }
                    tx.commit().await.map_err(db_error)?;
                    Ok(true)
                }

                async fn set_incident_ticket(
                    &self,
                    contract_id: i64,
                    service_id: &str,
                    ticket_id: i64,
                ) -> StoreResult<bool> {
                    let mut tx = self.begin_write().await?;
                    let set: Option<Option<i64>> = sqlx::query_scalar(
                        "UPDATE availability_state SET incident_ticket_id = $3 \
                         WHERE contract_id = $1 AND service_id = $2 \
                         AND incident_ticket_id IS NULL RETURNING down_since",
                    )
                    .bind(contract_id)
                    .bind(service_id)
                    .bind(ticket_id)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(db_error)?;
                    let Some(down_since) = set else {
                        return Ok(false);
                    };
                    // The latest down run, if it is part of the current downtime (an earlier
                    // downtime's run keeps its own ticket, or none); one appended later is
                    // linked by `advance_availability`.
                    sqlx::query(
                        "UPDATE availability_runs SET ticket_id = $3 \
                         WHERE id = (SELECT id FROM availability_runs WHERE contract_id = $1 \
                         AND service_id = $2 AND kind = 'down' \
                         ORDER BY start_at DESC, id DESC LIMIT 1) \
                         AND ticket_id IS NULL AND end_at > $4",
                    )
                    .bind(contract_id)
                    .bind(service_id)
                    .bind(ticket_id)
                    .bind(down_since.unwrap_or(i64::MIN))
                    .execute(&mut *tx)
                    .await
                    .map_err(db_error)?;
                    tx.commit().await.map_err(db_error)?;
                    Ok(true)
                }

                async fn runs_between(
                    &self,
                    contract_id: i64,
                    service_id: &str,
                    from: Timestamp,
                    to: Timestamp,
                ) -> StoreResult<Vec<AvailabilityRun>> {
                    let rows: Vec<RunRow> = sqlx::query_as(concat!(
                        "SELECT ",
                        run_cols!(),
                        " FROM availability_runs WHERE contract_id = $1 AND service_id = $2 \
                         AND start_at < $4 AND end_at > $3 ORDER BY start_at, id"
                    ))
                    .bind(contract_id)
                    .bind(service_id)
                    .bind(ns(from)?)
                    .bind(ns(to)?)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db_error)?;
                    rows.into_iter().map(AvailabilityRun::try_from).collect()
                }

                // ---- maintenance and exclusions

                async fn create_maintenance(
                    &self,
                    new: &NewMaintenance,
                    notices: &[$crate::NewNotice],
                ) -> StoreResult<Maintenance> {
                    if let Some(service) = &new.service_id {
                        required(service, "service id")?;
                    }
                    if new.start >= new.end {
                        return Err(StoreError::Invalid(format!(
                            "a maintenance window must end after it starts ({} – {})",
                            new.start, new.end
                        )));
                    }
                    let mut tx = self.begin_write().await?;
                    let row: MaintenanceRow = sqlx::query_as(concat!(
                        "INSERT INTO maintenance_windows (contract_id, service_id, start_at, \
                         end_at, announced_at, note, created_by) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ",
                        maintenance_cols!()
                    ))
                    .bind(new.contract_id)
                    .bind(new.service_id.as_deref())
                    .bind(ns(new.start)?)
                    .bind(ns(new.end)?)
                    .bind(ns(new.announced_at)?)
                    .bind(&new.note)
                    .bind(new.created_by)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(db_error)?;
                    let window: Maintenance = row.try_into()?;
                    let prefix = format!("maintenance:{}:", window.id);
                    $crate::sql::insert_notices!(tx, new.announced_at, prefix, notices, $max_params)
                        .await?;
                    tx.commit().await.map_err(db_error)?;
                    Ok(window)
                }

                async fn cancel_maintenance(
                    &self,
                    id: i64,
                    at: Timestamp,
                    notices: &[$crate::NewNotice],
                ) -> StoreResult<Maintenance> {
                    let mut tx = self.begin_write().await?;
                    let row: Option<MaintenanceRow> = sqlx::query_as(concat!(
                        "UPDATE maintenance_windows SET cancelled_at = COALESCE(cancelled_at, $2) \
                         WHERE id = $1 RETURNING ",
                        maintenance_cols!()
                    ))
                    .bind(id)
                    .bind(ns(at)?)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(db_error)?;
                    let window: Maintenance =
                        row.ok_or(StoreError::NotFound("maintenance window"))?.try_into()?;
                    let prefix = format!("maintenance:{id}:");
                    $crate::sql::insert_notices!(tx, at, prefix, notices, $max_params).await?;
                    tx.commit().await.map_err(db_error)?;
                    Ok(window)
                }

                async fn maintenance_between(
                    &self,
                    contract_id: i64,
                    from: Timestamp,
                    to: Timestamp,
                ) -> StoreResult<Vec<Maintenance>> {
                    let rows: Vec<MaintenanceRow> = sqlx::query_as(concat!(
                        "SELECT ",
                        maintenance_cols!(),
                        " FROM maintenance_windows WHERE contract_id = $1 AND start_at < $3 \
                         AND end_at > $2 ORDER BY start_at, id"
                    ))
                    .bind(contract_id)
                    .bind(ns(from)?)
                    .bind(ns(to)?)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db_error)?;
                    rows.into_iter().map(Maintenance::try_from).collect()
                }

                async fn get_maintenance(&self, id: i64) -> StoreResult<Maintenance> {
                    let row: Option<MaintenanceRow> = sqlx::query_as(concat!(
                        "SELECT ",
                        maintenance_cols!(),
                        " FROM maintenance_windows WHERE id = $1"
                    ))
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db_error)?;
                    row.ok_or(StoreError::NotFound("maintenance window"))?.try_into()
                }

                async fn create_exclusion(&self, new: &NewExclusion) -> StoreResult<ExclusionRecord> {
                    if let Some(service) = &new.service_id {
                        required(service, "service id")?;
                    }
                    required(&new.reason, "exclusion reason")?;
                    required(&new.note, "exclusion note")?;
                    if new.start >= new.end {
                        return Err(StoreError::Invalid(format!(
                            "an exclusion must end after it starts ({} – {})",
                            new.start, new.end
                        )));
                    }
                    let row: ExclusionRow = sqlx::query_as(concat!(
                        "INSERT INTO exclusions (contract_id, service_id, start_at, end_at, \
                         reason, note, created_by, created_at, state) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'recorded') RETURNING ",
                        exclusion_cols!()
                    ))
                    .bind(new.contract_id)
                    .bind(new.service_id.as_deref())
                    .bind(ns(new.start)?)
                    .bind(ns(new.end)?)
                    .bind(&new.reason)
                    .bind(&new.note)
                    .bind(new.created_by)
                    .bind(ns(new.created_at)?)
                    .fetch_one(&self.pool)
                    .await
                    .map_err(db_error)?;
                    row.try_into()
                }

                async fn get_exclusion(&self, id: i64) -> StoreResult<ExclusionRecord> {
                    let row: Option<ExclusionRow> = sqlx::query_as(concat!(
                        "SELECT ",
                        exclusion_cols!(),
                        " FROM exclusions WHERE id = $1"
                    ))
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db_error)?;
                    row.ok_or(StoreError::NotFound("exclusion"))?.try_into()
                }

                async fn exclusions_between(
                    &self,
                    contract_id: i64,
                    from: Timestamp,
                    to: Timestamp,
                ) -> StoreResult<Vec<ExclusionRecord>> {
                    let rows: Vec<ExclusionRow> = sqlx::query_as(concat!(
                        "SELECT ",
                        exclusion_cols!(),
                        " FROM exclusions WHERE contract_id = $1 AND start_at < $3 \
                         AND end_at > $2 ORDER BY start_at, id"
                    ))
                    .bind(contract_id)
                    .bind(ns(from)?)
                    .bind(ns(to)?)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db_error)?;
                    rows.into_iter().map(ExclusionRecord::try_from).collect()
                }

                async fn dispute_exclusion(
                    &self,
                    id: i64,
                    by: i64,
                    note: &str,
                    at: Timestamp,
                ) -> StoreResult<ExclusionRecord> {
                    let row: Option<ExclusionRow> = sqlx::query_as(concat!(
                        "UPDATE exclusions SET state = 'disputed', dispute_note = $3, \
                         disputed_by = $2, disputed_at = $4 \
                         WHERE id = $1 AND state = 'recorded' RETURNING ",
                        exclusion_cols!()
                    ))
                    .bind(id)
                    .bind(by)
                    .bind(note)
                    .bind(ns(at)?)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db_error)?;
                    match row {
                        Some(row) => row.try_into(),
                        None => Err(self
                            .wrong_state(
                                "exclusions",
                                "exclusion",
                                id,
                                format!("exclusion {id} can be disputed only while recorded"),
                            )
                            .await),
                    }
                }

                async fn resolve_exclusion(
                    &self,
                    id: i64,
                    state: ExclusionState,
                    note: &str,
                    at: Timestamp,
                ) -> StoreResult<ExclusionRecord> {
                    if !matches!(state, ExclusionState::Upheld | ExclusionState::Withdrawn) {
                        return Err(StoreError::Invalid(format!(
                            "a dispute is resolved as upheld or withdrawn, not {state}"
                        )));
                    }
                    let row: Option<ExclusionRow> = sqlx::query_as(concat!(
                        "UPDATE exclusions SET state = $2, resolution_note = $3, resolved_at = $4 \
                         WHERE id = $1 AND state = 'disputed' RETURNING ",
                        exclusion_cols!()
                    ))
                    .bind(id)
                    .bind(state.as_str())
                    .bind(note)
                    .bind(ns(at)?)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db_error)?;
                    match row {
                        Some(row) => row.try_into(),
                        None => Err(self
                            .wrong_state(
                                "exclusions",
                                "exclusion",
                                id,
                                format!("exclusion {id} is not disputed: nothing to resolve"),
                            )
                            .await),
                    }
                }

                // ---- credit claims

                async fn create_claim(&self, new: &NewCreditClaim) -> StoreResult<CreditClaim> {
                    required(&new.service_id, "service id")?;
                    check_month(&new.month, "claim month")?;
                    required(&new.currency, "currency")?;
                    if new.amount_minor < 0 {
                        return Err(StoreError::Invalid("a credit cannot be negative".into()));
                    }
                    let row: ClaimRow = sqlx::query_as(concat!(
                        "INSERT INTO credit_claims (contract_id, service_id, month, claimed_by, \
                         claimed_at, note, figures, amount_minor, currency, state) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'pending') RETURNING ",
                        claim_cols!()
                    ))
                    .bind(new.contract_id)
                    .bind(&new.service_id)
                    .bind(&new.month)
                    .bind(new.claimed_by)
                    .bind(ns(new.claimed_at)?)
                    .bind(&new.note)
                    .bind(Json(&new.figures))
                    .bind(new.amount_minor)
                    .bind(&new.currency)
                    .fetch_one(&self.pool)
                    .await
                    .map_err(|e| match db_error(e) {
                        StoreError::Conflict(_) => StoreError::Conflict(format!(
                            "contract {} already has a claim for {} in {} that is not rejected",
                            new.contract_id, new.service_id, new.month
                        )),
                        other => other,
                    })?;
                    row.try_into()
                }

                async fn get_claim(&self, id: i64, scope: Option<i64>) -> StoreResult<CreditClaim> {
                    let row: Option<ClaimRow> = sqlx::query_as(concat!(
                        "SELECT ",
                        claim_cols!(),
                        " FROM credit_claims WHERE id = $1 AND ($2 IS NULL OR contract_id IN \
                         (SELECT id FROM contracts WHERE customer_org_id = $2))"
                    ))
                    .bind(id)
                    .bind(scope)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db_error)?;
                    row.ok_or(StoreError::NotFound("credit claim"))?.try_into()
                }

                async fn claims_of_contract(&self, contract_id: i64) -> StoreResult<Vec<CreditClaim>> {
                    let rows: Vec<ClaimRow> = sqlx::query_as(concat!(
                        "SELECT ",
                        claim_cols!(),
                        " FROM credit_claims WHERE contract_id = $1 \
                         ORDER BY claimed_at DESC, id DESC"
                    ))
                    .bind(contract_id)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db_error)?;
                    rows.into_iter().map(CreditClaim::try_from).collect()
                }

                async fn decide_claim(
                    &self,
                    id: i64,
                    state: ClaimState,
                    by: i64,
                    note: &str,
                    credit_period: Option<&str>,
                    at: Timestamp,
                ) -> StoreResult<CreditClaim> {
                    match (state, credit_period) {
                        (ClaimState::Pending, _) => {
                            return Err(StoreError::Invalid(
                                "a claim is decided as approved or rejected".into(),
                            ));
                        }
                        (ClaimState::Approved, None) => {
                            return Err(StoreError::Invalid(
                                "an approved claim needs the invoice period of its credit note"
                                    .into(),
                            ));
                        }
                        (ClaimState::Approved, Some(period)) => check_month(period, "credit period")?,
                        (ClaimState::Rejected, Some(_)) => {
                            return Err(StoreError::Invalid(
                                "a rejected claim has no credit period".into(),
                            ));
                        }
                        (ClaimState::Rejected, None) => required(note, "the reason for rejecting")?,
                    }
                    let row: Option<ClaimRow> = sqlx::query_as(concat!(
                        "UPDATE credit_claims SET state = $2, decided_by = $3, decided_at = $4, \
                         decision_note = $5, credit_period = $6 \
                         WHERE id = $1 AND state = 'pending' RETURNING ",
                        claim_cols!()
                    ))
                    .bind(id)
                    .bind(state.as_str())
                    .bind(by)
                    .bind(ns(at)?)
                    .bind(non_blank(note))
                    .bind(credit_period)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db_error)?;
                    match row {
                        Some(row) => row.try_into(),
                        None => Err(self
                            .wrong_state(
                                "credit_claims",
                                "credit claim",
                                id,
                                format!("credit claim {id} was decided already"),
                            )
                            .await),
                    }
                }

                // ---- probe agents

                async fn create_probe_agent(
                    &self,
                    provider_id: i64,
                    location: &str,
                    token_hash: &str,
                    at: Timestamp,
                ) -> StoreResult<ProbeAgent> {
                    required(location, "location")?;
                    required(token_hash, "token hash")?;
                    if location == LOCAL_LOCATION || location.trim() != location {
                        return Err(StoreError::Invalid(format!(
                            "{location:?} cannot name an agent's location"
                        )));
                    }
                    let row: Option<AgentRow> = sqlx::query_as(concat!(
                        "INSERT INTO probe_agents (provider_id, location, token_hash, created_at) \
                         SELECT $1, $2, $3, $4 FROM organisations \
                         WHERE id = $1 AND kind = 'provider' RETURNING ",
                        agent_cols!()
                    ))
                    .bind(provider_id)
                    .bind(location)
                    .bind(token_hash)
                    .bind(ns(at)?)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(|e| match db_error(e) {
                        StoreError::Conflict(_) => StoreError::Conflict(format!(
                            "a live probe agent at {location:?} exists already, or the token \
                             is taken"
                        )),
                        other => other,
                    })?;
                    row.ok_or_else(|| {
                        StoreError::Invalid(format!("organisation {provider_id} is not a provider"))
                    })?
                    .try_into()
                }

                async fn probe_agent_by_token_hash(
                    &self,
                    token_hash: &str,
                ) -> StoreResult<Option<ProbeAgent>> {
                    let row: Option<AgentRow> = sqlx::query_as(concat!(
                        "SELECT ",
                        agent_cols!(),
                        " FROM probe_agents WHERE token_hash = $1 AND revoked_at IS NULL"
                    ))
                    .bind(token_hash)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db_error)?;
                    row.map(ProbeAgent::try_from).transpose()
                }

                async fn probe_agents_of_provider(&self, provider_id: i64) -> StoreResult<Vec<ProbeAgent>> {
                    let rows: Vec<AgentRow> = sqlx::query_as(concat!(
                        "SELECT ",
                        agent_cols!(),
                        " FROM probe_agents WHERE provider_id = $1 ORDER BY id"
                    ))
                    .bind(provider_id)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db_error)?;
                    rows.into_iter().map(ProbeAgent::try_from).collect()
                }

                async fn touch_probe_agent(&self, id: i64, at: Timestamp) -> StoreResult<()> {
                    // Reports arriving out of order never move it back.
                    let done = sqlx::query(
                        "UPDATE probe_agents SET last_seen_at = CASE WHEN last_seen_at IS NOT NULL \
                         AND last_seen_at > $2 THEN last_seen_at ELSE $2 END WHERE id = $1",
                    )
                    .bind(id)
                    .bind(ns(at)?)
                    .execute(&self.pool)
                    .await
                    .map_err(db_error)?;
                    if done.rows_affected() == 0 {
                        return Err(StoreError::NotFound("probe agent"));
                    }
                    Ok(())
                }

                async fn revoke_probe_agent(&self, id: i64, at: Timestamp) -> StoreResult<ProbeAgent> {
                    let row: Option<AgentRow> = sqlx::query_as(concat!(
                        "UPDATE probe_agents SET revoked_at = COALESCE(revoked_at, $2) \
                         WHERE id = $1 RETURNING ",
                        agent_cols!()
                    ))
                    .bind(id)
                    .bind(ns(at)?)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db_error)?;
                    row.ok_or(StoreError::NotFound("probe agent"))?.try_into()
                }
            }
        };
    };
}

pub(crate) use impl_monitoring;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_claim_skips_missed_slots() {
        let s = 1_000_000_000_i64;
        // Due exactly now: this slot, the next one interval on.
        assert_eq!(
            claim_slot(100 * s, 30_000, 100 * s).expect("slot"),
            (100 * s, 130 * s)
        );
        // Just before the next slot.
        assert_eq!(
            claim_slot(100 * s, 30_000, 129 * s).expect("slot"),
            (100 * s, 130 * s)
        );
        // Exactly at the next slot: that one, and the one after.
        assert_eq!(
            claim_slot(100 * s, 30_000, 130 * s).expect("slot"),
            (130 * s, 160 * s)
        );
        // Three slots missed: the latest at or before now is probed, the others skipped.
        assert_eq!(
            claim_slot(100 * s, 30_000, 205 * s).expect("slot"),
            (190 * s, 220 * s)
        );
        // Beyond 2262.
        assert_eq!(
            claim_slot(i64::MAX - 10, MAX_INTERVAL_MS, i64::MAX - 5)
                .expect_err("overflow")
                .code(),
            "store.invalid"
        );
    }

    #[test]
    fn months_are_checked() {
        assert!(check_month("2026-03", "m").is_ok());
        assert!(check_month("2026-12", "m").is_ok());
        for bad in [
            "2026-13",
            "2026-00",
            "2026-3",
            "26-03",
            "2026/03",
            "2026-03-01",
            "２０２６-03",
        ] {
            assert_eq!(
                check_month(bad, "m").expect_err(bad).code(),
                "store.invalid"
            );
        }
    }
}
