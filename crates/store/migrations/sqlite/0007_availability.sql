-- Availability monitoring (issue 6): monitors and their probe slots, probe samples (pruned after
-- a retention), each contract service's evaluated timeline (downtime and no-data runs, not
-- minutes), maintenance windows, other exclusions, credit claims and probe agents. Instants are
-- INTEGER nanoseconds; JSON is TEXT. Keep in step with ../postgres/0007_availability.sql.

-- One check of one contract's service, run every interval at each of its locations.
CREATE TABLE monitors (
    id           INTEGER PRIMARY KEY,
    provider_id  INTEGER NOT NULL REFERENCES organisations (id),
    contract_id  INTEGER NOT NULL REFERENCES contracts (id),
    service_id   TEXT    NOT NULL,
    name         TEXT    NOT NULL,
    -- The check as the API received it (tenggat_probe::Check JSON).
    probe_check  TEXT    NOT NULL,
    interval_ms  INTEGER NOT NULL CHECK (interval_ms >= 10000),
    -- A JSON array of location names: 'local' (the server's own prober) and/or agents'.
    locations    TEXT    NOT NULL,
    -- Whether 'local' is among the locations (what the local prober claims slots of).
    runs_local   INTEGER NOT NULL,
    public       INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    paused_at    INTEGER,
    -- The local prober's next slot; moved on by the server that claims the slot.
    next_run_at  INTEGER NOT NULL
);
CREATE INDEX monitors_provider ON monitors (provider_id, id);
CREATE INDEX monitors_contract ON monitors (contract_id, service_id, id);
-- The local prober's queue: due slots of unpaused local monitors.
CREATE INDEX monitors_due ON monitors (next_run_at, id) WHERE runs_local AND paused_at IS NULL;

-- One probe result. An agent that sends a sample again (same monitor, location and instant)
-- adds nothing. Deleted with the monitor; pruned after the retention.
-- Stored in its primary key's b-tree (WITHOUT ROWID): no rowid, no separate unique index.
CREATE TABLE probe_samples (
    monitor_id       INTEGER NOT NULL REFERENCES monitors (id) ON DELETE CASCADE,
    location         TEXT    NOT NULL,
    at               INTEGER NOT NULL,
    outcome          TEXT    NOT NULL CHECK (outcome IN ('ok', 'failed', 'inconclusive')),
    -- For a failure: 'unreachable' or 'unhealthy'.
    failure_kind     TEXT,
    detail           TEXT    NOT NULL,
    latency_ms       INTEGER,
    cert_expires_at  INTEGER,
    PRIMARY KEY (monitor_id, location, at)
) WITHOUT ROWID;
-- Range reads of a monitor's samples by instant (the evaluation).
CREATE INDEX probe_samples_monitor_at ON probe_samples (monitor_id, at);
-- Pruning by instant.
CREATE INDEX probe_samples_at ON probe_samples (at);

-- Where a contract's service stands: its timeline is final before evaluated_until (moved on
-- by exactly one server per stretch), and the live state.
CREATE TABLE availability_state (
    contract_id         INTEGER NOT NULL REFERENCES contracts (id),
    service_id          TEXT    NOT NULL,
    evaluated_until     INTEGER NOT NULL,
    down_since          INTEGER,
    incident_ticket_id  INTEGER REFERENCES tickets (id),
    updated_at          INTEGER NOT NULL,
    PRIMARY KEY (contract_id, service_id)
);

-- The evaluated timeline, run-length encoded: [start_at, end_at) was down or had no data;
-- everything evaluated and in no run was up. A run continued by the next evaluation is
-- extended, not repeated, so a service adds a row per downtime or gap, not per minute.
CREATE TABLE availability_runs (
    id           INTEGER PRIMARY KEY,
    contract_id  INTEGER NOT NULL REFERENCES contracts (id),
    service_id   TEXT    NOT NULL,
    kind         TEXT    NOT NULL CHECK (kind IN ('down', 'no_data')),
    start_at     INTEGER NOT NULL,
    end_at       INTEGER NOT NULL,
    -- For downtime: tenggat_availability::Cause JSON; the JSON null otherwise.
    cause        TEXT    NOT NULL,
    ticket_id    INTEGER REFERENCES tickets (id),
    CHECK (start_at < end_at)
);
CREATE INDEX availability_runs_service ON availability_runs (contract_id, service_id, start_at);

-- Scheduled maintenance announced to a contract's customer (service_id NULL: every service).
CREATE TABLE maintenance_windows (
    id            INTEGER PRIMARY KEY,
    contract_id   INTEGER NOT NULL REFERENCES contracts (id),
    service_id    TEXT,
    start_at      INTEGER NOT NULL,
    end_at        INTEGER NOT NULL,
    -- The notice is measured from here.
    announced_at  INTEGER NOT NULL,
    note          TEXT    NOT NULL,
    created_by    INTEGER REFERENCES users (id),
    cancelled_at  INTEGER,
    CHECK (start_at < end_at)
);
CREATE INDEX maintenance_windows_contract ON maintenance_windows (contract_id, start_at);

-- Other exclusions recorded by the provider with evidence: recorded → disputed (by the
-- customer) → upheld | withdrawn.
CREATE TABLE exclusions (
    id               INTEGER PRIMARY KEY,
    contract_id      INTEGER NOT NULL REFERENCES contracts (id),
    service_id       TEXT,
    start_at         INTEGER NOT NULL,
    end_at           INTEGER NOT NULL,
    -- One of the policy's exclusion ids.
    reason           TEXT    NOT NULL,
    note             TEXT    NOT NULL,
    created_by       INTEGER REFERENCES users (id),
    created_at       INTEGER NOT NULL,
    state            TEXT    NOT NULL CHECK (state IN ('recorded', 'disputed', 'upheld',
                         'withdrawn')),
    dispute_note     TEXT,
    disputed_by      INTEGER REFERENCES users (id),
    disputed_at      INTEGER,
    resolution_note  TEXT,
    resolved_at      INTEGER,
    CHECK (start_at < end_at)
);
CREATE INDEX exclusions_contract ON exclusions (contract_id, start_at);

-- Service-credit claims, one month of one contract's service each.
CREATE TABLE credit_claims (
    id              INTEGER PRIMARY KEY,
    contract_id     INTEGER NOT NULL REFERENCES contracts (id),
    service_id      TEXT    NOT NULL,
    -- YYYY-MM.
    month           TEXT    NOT NULL,
    claimed_by      INTEGER REFERENCES users (id),
    claimed_at      INTEGER NOT NULL,
    note            TEXT    NOT NULL,
    -- The monthly report when claimed (JSON).
    figures         TEXT    NOT NULL,
    amount_minor    INTEGER NOT NULL CHECK (amount_minor >= 0),
    currency        TEXT    NOT NULL,
    state           TEXT    NOT NULL CHECK (state IN ('pending', 'approved', 'rejected')),
    decided_by      INTEGER REFERENCES users (id),
    decided_at      INTEGER,
    decision_note   TEXT,
    -- For an approved claim: the invoice period (YYYY-MM) its credit note applies to.
    credit_period   TEXT,
    CHECK (state <> 'approved' OR credit_period IS NOT NULL)
);
-- One claim that is not rejected per contract, service and month (a rejected one may be
-- filed again).
CREATE UNIQUE INDEX credit_claims_live ON credit_claims (contract_id, service_id, month)
    WHERE state <> 'rejected';
CREATE INDEX credit_claims_contract ON credit_claims (contract_id, claimed_at);

-- Probe agents (tenggat probe-agent), known by the SHA-256 of their token.
CREATE TABLE probe_agents (
    id            INTEGER PRIMARY KEY,
    provider_id   INTEGER NOT NULL REFERENCES organisations (id),
    location      TEXT    NOT NULL,
    token_hash    TEXT    NOT NULL UNIQUE,
    created_at    INTEGER NOT NULL,
    last_seen_at  INTEGER,
    revoked_at    INTEGER
);
-- One live agent per provider and location; a revoked one frees its location.
CREATE UNIQUE INDEX probe_agents_location ON probe_agents (provider_id, location)
    WHERE revoked_at IS NULL;
