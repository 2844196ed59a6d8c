-- The policy a ticket is measured by: the contract's when it was reported, replaced when the
-- contract's policy changes while the ticket is open. NULL (rows from before) means "the
-- contract's current policy".
ALTER TABLE tickets ADD COLUMN policy_preset TEXT;
ALTER TABLE tickets ADD COLUMN policy_id BIGINT REFERENCES policies (id);
ALTER TABLE tickets ADD COLUMN policy_add_ons JSONB;
