-- compat: expand
-- Audit anchors (issue 14): outside the log's rows, each records how many
-- entries the log held and the hash of its last one, written in the same
-- transaction as the entry. audit verify compares the log with the latest
-- anchor, so a log emptied or shortened behind khien's back is caught.
-- Append-only like the log. SQLite has no TRUNCATE: its DELETE trigger on
-- audit_log already refuses every way of removing rows.
CREATE TABLE audit_anchors (
	id INTEGER PRIMARY KEY,
	entry_id INTEGER NOT NULL,
	entries INTEGER NOT NULL,
	hash TEXT NOT NULL,
	at TEXT NOT NULL
);
CREATE TRIGGER audit_anchors_no_update BEFORE UPDATE ON audit_anchors
BEGIN SELECT RAISE(ABORT, 'audit_anchors is append-only'); END;
CREATE TRIGGER audit_anchors_no_delete BEFORE DELETE ON audit_anchors
BEGIN SELECT RAISE(ABORT, 'audit_anchors is append-only'); END;
-- Anchor the log as it stands.
INSERT INTO audit_anchors (entry_id, entries, hash, at)
SELECT id, (SELECT COUNT(*) FROM audit_log), hash, strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')
FROM audit_log ORDER BY id DESC LIMIT 1;
