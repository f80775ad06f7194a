-- compat: expand
-- Sigma detection and its alerts (issue 11 items 5, 6, 7), owned by the
-- alert feature. Rules come in packs (imported from a folder or an
-- upload, never read from disk at run time); each keeps its YAML, whether
-- it is enabled and the error it failed to compile with. Exceptions
-- silence a rule for one agency (and its subtree), optionally only when a
-- field has a value. A detection is one alert: repeats of the same rule
-- for the same agency, system and group within a window add to its count
-- (open_key is set while it groups, NULL afterwards); its matched events
-- are kept with a unique (rule, record) key so that a redelivered record
-- is never counted twice. detection_state keeps the rules' version (every
-- worker rebuilds its engine when it changes) and the correlation state
-- of each partition.
CREATE TABLE detection_packs (
	id INTEGER PRIMARY KEY,
	name TEXT NOT NULL UNIQUE,
	source TEXT NOT NULL DEFAULT '',
	rules INTEGER NOT NULL DEFAULT 0,
	errors INTEGER NOT NULL DEFAULT 0,
	imported_by TEXT NOT NULL DEFAULT '',
	imported_at TEXT NOT NULL
);

CREATE TABLE detection_rules (
	id INTEGER PRIMARY KEY,
	pack_id INTEGER NOT NULL REFERENCES detection_packs(id) ON DELETE CASCADE,
	uid TEXT NOT NULL,
	kind TEXT NOT NULL DEFAULT 'detection',
	title TEXT NOT NULL DEFAULT '',
	level TEXT NOT NULL DEFAULT '',
	tags TEXT NOT NULL DEFAULT '',
	logsource TEXT NOT NULL DEFAULT '',
	file TEXT NOT NULL DEFAULT '',
	line INTEGER NOT NULL DEFAULT 0,
	yaml TEXT NOT NULL,
	enabled INTEGER NOT NULL DEFAULT 1,
	lint_error TEXT NOT NULL DEFAULT '',
	updated_at TEXT NOT NULL
);
CREATE INDEX detection_rules_pack ON detection_rules(pack_id);
CREATE INDEX detection_rules_uid ON detection_rules(uid);

CREATE TABLE detection_exceptions (
	id INTEGER PRIMARY KEY,
	rule_uid TEXT NOT NULL,
	agency_id INTEGER NOT NULL,
	field TEXT NOT NULL DEFAULT '',
	value TEXT NOT NULL DEFAULT '',
	reason TEXT NOT NULL,
	created_by TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL
);
CREATE INDEX detection_exceptions_rule ON detection_exceptions(rule_uid);

CREATE TABLE detection_state (
	key TEXT PRIMARY KEY,
	version INTEGER NOT NULL DEFAULT 0,
	data TEXT NOT NULL DEFAULT '',
	updated_at TEXT NOT NULL
);

CREATE TABLE detections (
	id INTEGER PRIMARY KEY,
	rule_uid TEXT NOT NULL,
	rule_title TEXT NOT NULL DEFAULT '',
	level TEXT NOT NULL DEFAULT '',
	tags TEXT NOT NULL DEFAULT '',
	agency_id INTEGER NOT NULL,
	system_id INTEGER NOT NULL DEFAULT 0,
	group_key TEXT NOT NULL DEFAULT '',
	open_key TEXT UNIQUE,
	status TEXT NOT NULL DEFAULT 'new',
	assignee TEXT NOT NULL DEFAULT '',
	count INTEGER NOT NULL DEFAULT 1,
	first_seen TEXT NOT NULL,
	last_seen TEXT NOT NULL,
	muted INTEGER NOT NULL DEFAULT 0,
	notified_at TEXT NOT NULL DEFAULT '',
	notify_error TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE INDEX detections_agency ON detections(agency_id, id);
CREATE INDEX detections_status ON detections(status, id);
CREATE INDEX detections_last ON detections(last_seen, id);

CREATE TABLE detection_events (
	id INTEGER PRIMARY KEY,
	detection_id INTEGER NOT NULL REFERENCES detections(id) ON DELETE CASCADE,
	rule_uid TEXT NOT NULL,
	record_id TEXT NOT NULL,
	day TEXT NOT NULL,
	at TEXT NOT NULL,
	fields TEXT NOT NULL DEFAULT '',
	original TEXT NOT NULL DEFAULT '',
	UNIQUE (rule_uid, record_id)
);
CREATE INDEX detection_events_detection ON detection_events(detection_id, id);

CREATE TABLE detection_history (
	id INTEGER PRIMARY KEY,
	detection_id INTEGER NOT NULL REFERENCES detections(id) ON DELETE CASCADE,
	at TEXT NOT NULL,
	actor TEXT NOT NULL,
	action TEXT NOT NULL,
	from_status TEXT NOT NULL DEFAULT '',
	to_status TEXT NOT NULL DEFAULT '',
	assignee TEXT NOT NULL DEFAULT '',
	note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX detection_history_detection ON detection_history(detection_id, id);
