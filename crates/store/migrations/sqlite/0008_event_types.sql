-- The escalation board (issue 7) finds open tickets by the type of an event in their log
-- (escalated, escalation requested or accepted). Keep in step with ../postgres/0008_event_types.sql.
CREATE INDEX ticket_events_type ON ticket_events (event_type, ticket_id);
