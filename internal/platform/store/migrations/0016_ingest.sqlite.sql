-- compat: expand
-- Ingest tokens (issue 11): what a log shipper (Beats, Fluent Bit, a
-- script posting to /api/v1/ingest) authenticates with. Each is bound to
-- an agency and optionally to one of its systems; only the SHA-256 of the
-- secret is kept, as for API tokens.
CREATE TABLE ingest_tokens (
	id INTEGER PRIMARY KEY,
	agency_id INTEGER NOT NULL REFERENCES agencies(id) ON DELETE CASCADE,
	system_id INTEGER REFERENCES systems(id) ON DELETE CASCADE,
	label TEXT NOT NULL DEFAULT '',
	token_hash TEXT NOT NULL UNIQUE,
	prefix TEXT NOT NULL,
	created_by TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL,
	last_used_at TEXT NOT NULL DEFAULT '',
	revoked_at TEXT NOT NULL DEFAULT ''
);
CREATE INDEX ingest_tokens_agency ON ingest_tokens(agency_id);
