-- compat: expand
-- Keyed audit chain (issue 8): each entry says how its hash was made,
-- 'sha256' (the entries written before this migration, and by a khien
-- that predates it) or 'hmac-sha256' (keyed with a secret kept outside
-- the database). audit_key holds one row: an identifier of the key the
-- chain is keyed with (an HMAC of a fixed label, never the key), so that
-- a process with another key refuses to append instead of forking it.
ALTER TABLE audit_log ADD COLUMN scheme TEXT NOT NULL DEFAULT 'sha256';
CREATE TABLE audit_key (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	key_id TEXT NOT NULL,
	at TEXT NOT NULL
);
CREATE TRIGGER audit_key_no_update BEFORE UPDATE ON audit_key
BEGIN SELECT RAISE(ABORT, 'audit_key is append-only'); END;
CREATE TRIGGER audit_key_no_delete BEFORE DELETE ON audit_key
BEGIN SELECT RAISE(ABORT, 'audit_key is append-only'); END;
-- Once the chain is keyed, an unkeyed entry (from a khien built before
-- this migration) would be a link nobody can tell from a forgery: refused.
CREATE TRIGGER audit_log_stays_keyed BEFORE INSERT ON audit_log
WHEN NEW.scheme <> 'hmac-sha256'
 AND (SELECT scheme FROM audit_log ORDER BY id DESC LIMIT 1) = 'hmac-sha256'
BEGIN SELECT RAISE(ABORT, 'audit_log is keyed: this khien is too old to append to it, upgrade it'); END;
