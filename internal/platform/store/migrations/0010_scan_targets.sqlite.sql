-- compat: expand
-- Scan targets from agency input (issue 8 item 5). A site is scanned and
-- probed only once it is 'approved' (registered by an admin or analyst, or
-- approved by one), or 'verified' (its agency proved control of its host);
-- a site registered by an agency officer is 'pending' until then, and an
-- analyst may mark it 'rejected'. New rows are pending unless sitescan
-- says otherwise; every site that exists when this migration runs stays
-- approved.
ALTER TABLE sites ADD COLUMN verification TEXT NOT NULL DEFAULT 'pending';
UPDATE sites SET verification = 'approved';
CREATE INDEX sites_verification ON sites(verification);

-- The token an agency publishes to prove it controls a host (a DNS TXT
-- record or a file under /.well-known/), per agency and host. The token is
-- no secret (it is published), so it is kept as is to be shown again.
CREATE TABLE host_verifications (
	id INTEGER PRIMARY KEY,
	agency_id INTEGER NOT NULL REFERENCES agencies(id) ON DELETE CASCADE,
	host TEXT NOT NULL,
	token TEXT NOT NULL,
	verified_at TEXT NOT NULL DEFAULT '',
	method TEXT NOT NULL DEFAULT '',
	checked_at TEXT NOT NULL DEFAULT '',
	next_check_at TEXT NOT NULL,
	attempts INTEGER NOT NULL DEFAULT 0,
	last_error TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL,
	UNIQUE (agency_id, host)
);
CREATE INDEX host_verifications_due ON host_verifications(verified_at, next_check_at);

-- Per-host pacing shared by scans and probes across processes: the time
-- (Unix milliseconds) from which the next request (or assessment) of a
-- host may start.
CREATE TABLE host_rates (
	key TEXT PRIMARY KEY,
	next_ms INTEGER NOT NULL
);
