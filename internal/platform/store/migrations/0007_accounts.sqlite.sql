-- compat: expand
-- User names are unique whatever their case ("Admin" and "admin" were two
-- accounts sharing one lockout). A database that already holds names
-- differing only in case is refused with their list: an admin renames or
-- deletes all but one of each (with the khien that created them), then
-- migrates again.
CREATE TEMP TABLE migration_0007_check (msg TEXT);
CREATE TEMP TRIGGER migration_0007_refuse BEFORE INSERT ON migration_0007_check
BEGIN
	SELECT RAISE(ABORT, NEW.msg);
END;
INSERT INTO migration_0007_check
SELECT 'user names that differ only in case: ' || group_concat(username, ', ') ||
	'; rename or delete all but one of each, then migrate again'
FROM (SELECT username FROM users
	WHERE lower(username) IN (SELECT lower(username) FROM users GROUP BY lower(username) HAVING COUNT(*) > 1)
	ORDER BY lower(username), username)
HAVING COUNT(*) > 0;
DROP TRIGGER migration_0007_refuse;
DROP TABLE migration_0007_check;
CREATE UNIQUE INDEX users_username_lower ON users (lower(username));

-- Failed password entries, counted per key: an account and an address
-- ("p:"), an address ("a:"), an account ("u:"), a device cookie ("d:").
-- Rows are shared by every serve process on the database and purged once
-- their window has passed.
CREATE TABLE login_failures (
	key TEXT PRIMARY KEY,
	failures INTEGER NOT NULL,
	last_at TEXT NOT NULL
);
CREATE INDEX login_failures_last ON login_failures (last_at);

-- Device cookies: a browser that logged in as a user before. Only the
-- token's hash is kept.
CREATE TABLE login_devices (
	token_hash TEXT PRIMARY KEY,
	user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	created_at TEXT NOT NULL,
	last_used_at TEXT NOT NULL,
	expires_at TEXT NOT NULL
);
CREATE INDEX login_devices_user ON login_devices (user_id, last_used_at);
