-- The report field (an attachment field of the policy) a file was filed for.
ALTER TABLE attachments ADD COLUMN field TEXT;
