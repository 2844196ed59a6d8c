-- Small named values the server keeps about itself (e.g. the fingerprint of the SLA engine's
-- built-in data, to recompute open tickets when an upgrade changes holidays or presets).
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
