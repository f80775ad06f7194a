-- compat: expand
-- Durable events waiting to be put on the job queue (issue 7): one row per
-- durable subscriber, written in the publisher's transaction, marked sent
-- once the bus has it. A relay re-sends what a crash or an outage left.
CREATE TABLE event_outbox (
	id INTEGER PRIMARY KEY,
	job_kind TEXT NOT NULL,
	payload TEXT NOT NULL,
	created_at TEXT NOT NULL,
	sent_at TEXT NOT NULL DEFAULT ''
);
CREATE INDEX event_outbox_unsent ON event_outbox(sent_at, id);
