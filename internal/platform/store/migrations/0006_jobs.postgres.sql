-- compat: expand
-- Jobs that run once across processes (issue 14). A scan records which job
-- delivery runs it (claim_token: the job's stream sequence and attempt) and when it
-- last showed signs of life (heartbeat_at), so that another delivery takes
-- over a scan whose worker died within seconds, not minutes.
ALTER TABLE scans ADD COLUMN claim_token TEXT NOT NULL DEFAULT '';
ALTER TABLE scans ADD COLUMN heartbeat_at TEXT NOT NULL DEFAULT '';
-- When a delivery found the scan silent and means to take it over if it
-- stays so (a heartbeat clears it).
ALTER TABLE scans ADD COLUMN takeover_at TEXT NOT NULL DEFAULT '';

-- Leases limit work across processes (one scan of a host at a time, one
-- probe of a host at a time): a key is held by one holder until it is
-- released or its lease runs out.
CREATE TABLE leases (
	key TEXT PRIMARY KEY,
	holder TEXT NOT NULL,
	expires_at TEXT NOT NULL
);
