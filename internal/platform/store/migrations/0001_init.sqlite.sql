CREATE TABLE agencies (
	id INTEGER PRIMARY KEY,
	code TEXT NOT NULL UNIQUE,
	name TEXT NOT NULL,
	parent_id INTEGER REFERENCES agencies(id) ON DELETE RESTRICT,
	path TEXT NOT NULL,
	kind TEXT NOT NULL DEFAULT '',
	email TEXT NOT NULL DEFAULT '',
	phone TEXT NOT NULL DEFAULT '',
	security_officer TEXT NOT NULL DEFAULT '',
	search TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE INDEX agencies_parent ON agencies(parent_id);
CREATE INDEX agencies_path ON agencies(path);

CREATE TABLE systems (
	id INTEGER PRIMARY KEY,
	agency_id INTEGER NOT NULL REFERENCES agencies(id) ON DELETE RESTRICT,
	name TEXT NOT NULL,
	purpose TEXT NOT NULL DEFAULT '',
	info_kind TEXT NOT NULL DEFAULT '',
	audience TEXT NOT NULL DEFAULT '',
	hosting TEXT NOT NULL DEFAULT '',
	operator TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL DEFAULT 'active',
	agency_path TEXT NOT NULL DEFAULT '',
	url_count INTEGER NOT NULL DEFAULT 0,
	assets TEXT NOT NULL DEFAULT '',
	search TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE INDEX systems_agency ON systems(agency_id, url_count);
CREATE INDEX systems_agency_path ON systems(agency_path, agency_id, url_count);
CREATE INDEX systems_name ON systems(name);

CREATE TABLE system_assets (
	id INTEGER PRIMARY KEY,
	system_id INTEGER NOT NULL REFERENCES systems(id) ON DELETE CASCADE,
	kind TEXT NOT NULL,
	value TEXT NOT NULL,
	position INTEGER NOT NULL
);
CREATE INDEX system_assets_system ON system_assets(system_id, kind, position);
CREATE INDEX system_assets_value ON system_assets(kind, value);

CREATE TABLE system_software (
	id INTEGER PRIMARY KEY,
	system_id INTEGER NOT NULL REFERENCES systems(id) ON DELETE CASCADE,
	name TEXT NOT NULL,
	version TEXT NOT NULL DEFAULT '',
	cpe TEXT NOT NULL DEFAULT '',
	purl TEXT NOT NULL DEFAULT '',
	position INTEGER NOT NULL
);
CREATE INDEX system_software_system ON system_software(system_id, position);

CREATE TABLE users (
	id INTEGER PRIMARY KEY,
	username TEXT NOT NULL UNIQUE,
	display_name TEXT NOT NULL DEFAULT '',
	password_hash TEXT NOT NULL,
	role TEXT NOT NULL,
	agency_id INTEGER REFERENCES agencies(id) ON DELETE RESTRICT,
	disabled INTEGER NOT NULL DEFAULT 0,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	last_login_at TEXT NOT NULL DEFAULT ''
);

CREATE TABLE sessions (
	id_hash TEXT PRIMARY KEY,
	user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	csrf TEXT NOT NULL,
	created_at TEXT NOT NULL,
	expires_at TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_tokens (
	id INTEGER PRIMARY KEY,
	user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	label TEXT NOT NULL DEFAULT '',
	token_hash TEXT NOT NULL UNIQUE,
	prefix TEXT NOT NULL,
	created_at TEXT NOT NULL,
	last_used_at TEXT NOT NULL DEFAULT '',
	revoked_at TEXT NOT NULL DEFAULT ''
);
CREATE INDEX api_tokens_user ON api_tokens(user_id);

CREATE TABLE audit_log (
	id INTEGER PRIMARY KEY,
	at TEXT NOT NULL,
	actor_id INTEGER,
	actor TEXT NOT NULL,
	action TEXT NOT NULL,
	object_type TEXT NOT NULL,
	object_id TEXT NOT NULL,
	before_json TEXT NOT NULL DEFAULT '',
	after_json TEXT NOT NULL DEFAULT '',
	prev_hash TEXT NOT NULL,
	hash TEXT NOT NULL
);
CREATE INDEX audit_log_object ON audit_log(object_type, object_id);
CREATE INDEX audit_log_actor ON audit_log(actor);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
