-- Signed-in browser sessions of people. The cookie's secret is never stored, only its hex
-- SHA-256. Instants are INTEGER nanoseconds since 1970 UTC. Keep in step with
-- ../postgres/0002_sessions.sql.

CREATE TABLE sessions (
    id            INTEGER PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash    TEXT    NOT NULL UNIQUE,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    last_seen_at  INTEGER NOT NULL,
    revoked_at    INTEGER,
    user_agent    TEXT
);
CREATE INDEX sessions_user ON sessions (user_id);
