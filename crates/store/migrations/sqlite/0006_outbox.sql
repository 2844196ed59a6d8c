-- Notifications go through a transactional outbox: each row is written in the transaction of
-- the event that caused it and delivered at least once by the dispatcher. Keep in step with
-- ../postgres/0006_outbox.sql.

CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY,
    ticket_id        INTEGER REFERENCES tickets (id),
    event_seq        INTEGER,
    channel          TEXT    NOT NULL CHECK (channel IN ('email', 'webhook', 'in_app')),
    -- An e-mail address, a webhook id, or a user id (in_app).
    recipient        TEXT    NOT NULL,
    user_id          INTEGER REFERENCES users (id),
    -- What a receiver drops duplicates by: unique, stable across retries.
    dedupe_key       TEXT    NOT NULL UNIQUE,
    payload          TEXT    NOT NULL,
    created_at       INTEGER NOT NULL,
    state            TEXT    NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    -- The next attempt; while an attempt runs, the end of its lease.
    next_attempt_at  INTEGER NOT NULL,
    last_error       TEXT,
    delivered_at     INTEGER,
    read_at          INTEGER
);
CREATE INDEX outbox_due ON outbox (next_attempt_at, id) WHERE state = 'pending';
CREATE INDEX outbox_ticket ON outbox (ticket_id, id);
CREATE INDEX outbox_user ON outbox (user_id, id) WHERE channel = 'in_app';

-- Outgoing webhooks of a provider (Slack, Teams or any JSON receiver), signed with HMAC.
CREATE TABLE webhooks (
    id           INTEGER PRIMARY KEY,
    provider_id  INTEGER NOT NULL REFERENCES organisations (id),
    name         TEXT    NOT NULL,
    url          TEXT    NOT NULL,
    -- The signing key: needed in clear to sign, so it is kept, never shown again.
    secret       TEXT    NOT NULL,
    -- The language of its messages' text.
    language     TEXT    NOT NULL CHECK (language IN ('id', 'en')),
    -- Event types it receives (a JSON array; empty: all).
    events       TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    disabled_at  INTEGER
);
CREATE INDEX webhooks_provider ON webhooks (provider_id);
