-- Tenggat schema, SQLite. Instants are INTEGER nanoseconds since 1970 UTC; JSON is TEXT;
-- booleans are 0/1. Keep in step with ../postgres/0001_initial.sql.

CREATE TABLE organisations (
    id          INTEGER PRIMARY KEY,
    kind        TEXT    NOT NULL CHECK (kind IN ('provider', 'customer')),
    name        TEXT    NOT NULL,
    slug        TEXT    NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL
);

CREATE TABLE users (
    id                      INTEGER PRIMARY KEY,
    organisation_id         INTEGER NOT NULL REFERENCES organisations (id),
    email                   TEXT    NOT NULL UNIQUE,
    name                    TEXT    NOT NULL,
    role                    TEXT    NOT NULL CHECK (role IN ('admin', 'agent', 'escalation_manager',
                                'executive', 'customer_admin', 'customer_user')),
    password_hash           TEXT,
    language                TEXT    NOT NULL CHECK (language IN ('id', 'en')),
    disabled                INTEGER NOT NULL DEFAULT 0,
    setup_token_hash        TEXT    UNIQUE,
    setup_token_expires_at  INTEGER,
    created_at              INTEGER NOT NULL
);
CREATE INDEX users_organisation ON users (organisation_id);

CREATE TABLE api_tokens (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    name        TEXT    NOT NULL,
    scopes      TEXT    NOT NULL,
    token_hash  TEXT    NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE policies (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL,
    version     INTEGER NOT NULL,
    source      TEXT    NOT NULL,
    created_by  INTEGER REFERENCES users (id),
    created_at  INTEGER NOT NULL,
    UNIQUE (name, version)
);

CREATE TABLE contracts (
    id                        INTEGER PRIMARY KEY,
    provider_id               INTEGER NOT NULL REFERENCES organisations (id),
    customer_org_id           INTEGER NOT NULL REFERENCES organisations (id),
    policy_preset             TEXT,
    policy_id                 INTEGER REFERENCES policies (id),
    add_ons                   TEXT    NOT NULL,
    monthly_fee_minor         INTEGER NOT NULL,
    currency                  TEXT    NOT NULL,
    term_start                TEXT    NOT NULL,
    term_end                  TEXT,
    designated_contacts_only  INTEGER NOT NULL DEFAULT 0,
    created_at                INTEGER NOT NULL,
    CHECK ((policy_preset IS NULL) <> (policy_id IS NULL))
);
CREATE INDEX contracts_customer ON contracts (customer_org_id);
CREATE INDEX contracts_policy ON contracts (policy_id);

CREATE TABLE contract_contacts (
    contract_id  INTEGER NOT NULL REFERENCES contracts (id) ON DELETE CASCADE,
    user_id      INTEGER NOT NULL REFERENCES users (id),
    PRIMARY KEY (contract_id, user_id)
);

CREATE TABLE ticket_counters (
    provider_id  INTEGER PRIMARY KEY REFERENCES organisations (id),
    last_number  INTEGER NOT NULL
);

-- next_due is never NULL: "no pending due instant" is stored as 9223372036854775807 so that
-- the queue sorts those tickets last and keyset pagination needs no NULL handling.
CREATE TABLE tickets (
    id               INTEGER PRIMARY KEY,
    provider_id      INTEGER NOT NULL REFERENCES organisations (id),
    number           INTEGER NOT NULL,
    contract_id      INTEGER NOT NULL REFERENCES contracts (id),
    customer_org_id  INTEGER NOT NULL REFERENCES organisations (id),
    kind             TEXT    NOT NULL,
    priority         TEXT    NOT NULL,
    attributes       TEXT    NOT NULL,
    channel          TEXT,
    reporter_id      INTEGER REFERENCES users (id),
    title            TEXT    NOT NULL,
    description      TEXT    NOT NULL,
    fields           TEXT    NOT NULL,
    observed_at      INTEGER,
    observed_tz      TEXT,
    status           TEXT    NOT NULL CHECK (status IN ('new', 'acknowledged', 'in_progress',
                         'waiting_on_customer', 'awaiting_permit', 'maintenance', 'resolved', 'closed')),
    is_open          INTEGER NOT NULL,
    assignee_id      INTEGER REFERENCES users (id),
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    last_seq         INTEGER NOT NULL DEFAULT 0,
    sla              TEXT,
    sla_seq          INTEGER NOT NULL DEFAULT 0,
    next_change      INTEGER,
    next_due         INTEGER NOT NULL DEFAULT 9223372036854775807,
    UNIQUE (provider_id, number)
);
-- The queue: open tickets by next due instant.
CREATE INDEX tickets_queue ON tickets (is_open, next_due, id);
-- Every ticket by next due instant (lists that include closed tickets).
CREATE INDEX tickets_due ON tickets (next_due, id);
-- Per-customer listing.
CREATE INDEX tickets_customer ON tickets (customer_org_id, next_due, id);
-- Recomputation after a policy change, and the scheduler's wake-ups.
CREATE INDEX tickets_contract ON tickets (contract_id, is_open);
CREATE INDEX tickets_next_change ON tickets (next_change) WHERE next_change IS NOT NULL;

CREATE TABLE ticket_events (
    id          INTEGER PRIMARY KEY,
    ticket_id   INTEGER NOT NULL REFERENCES tickets (id),
    seq         INTEGER NOT NULL,
    at          INTEGER NOT NULL,
    event_type  TEXT    NOT NULL,
    payload     TEXT    NOT NULL,
    actor_id    INTEGER REFERENCES users (id),
    visibility  TEXT    NOT NULL CHECK (visibility IN ('public', 'internal')),
    UNIQUE (ticket_id, seq)
);

-- The log is append-only.
CREATE TRIGGER ticket_events_no_update BEFORE UPDATE ON ticket_events
BEGIN
    SELECT RAISE(ABORT, 'ticket_events is append-only');
END;
CREATE TRIGGER ticket_events_no_delete BEFORE DELETE ON ticket_events
BEGIN
    SELECT RAISE(ABORT, 'ticket_events is append-only');
END;

CREATE TABLE attachments (
    id            INTEGER PRIMARY KEY,
    ticket_id     INTEGER NOT NULL REFERENCES tickets (id),
    file_name     TEXT    NOT NULL,
    content_type  TEXT    NOT NULL,
    size          INTEGER NOT NULL CHECK (size >= 0),
    sha256        TEXT    NOT NULL,
    storage_path  TEXT    NOT NULL,
    uploaded_by   INTEGER REFERENCES users (id),
    created_at    INTEGER NOT NULL
);
CREATE INDEX attachments_ticket ON attachments (ticket_id);

CREATE TABLE idempotency_keys (
    principal      TEXT    NOT NULL,
    idem_key       TEXT    NOT NULL,
    request_hash   TEXT    NOT NULL,
    status         INTEGER,
    response_body  TEXT,
    created_at     INTEGER NOT NULL,
    PRIMARY KEY (principal, idem_key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
