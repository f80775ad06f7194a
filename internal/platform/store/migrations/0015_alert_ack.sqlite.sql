-- compat: expand
-- A monitoring alert can be acknowledged (issue 10 item 5): who said "we
-- have seen it" and when; empty while it waits. The alert list filters by
-- that state and by time, so the time gets an index.
ALTER TABLE alerts ADD COLUMN acknowledged_at TEXT NOT NULL DEFAULT '';
ALTER TABLE alerts ADD COLUMN acknowledged_by TEXT NOT NULL DEFAULT '';
CREATE INDEX alerts_created ON alerts(created_at, id);
