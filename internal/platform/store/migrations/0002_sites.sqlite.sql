-- Web portal assessment, trust labels and monitoring (issue 3).
-- A site is one URL of one registered system; the agency scope of every
-- row below comes from the system's agency path (joined, never copied).
CREATE TABLE sites (
	id INTEGER PRIMARY KEY,
	system_id INTEGER NOT NULL REFERENCES systems(id) ON DELETE CASCADE,
	url TEXT NOT NULL,
	active INTEGER NOT NULL DEFAULT 1,
	scan_every_hours INTEGER NOT NULL DEFAULT 0,
	next_scan_at TEXT NOT NULL,
	last_scan_id INTEGER,
	last_grade TEXT NOT NULL DEFAULT '',
	last_score INTEGER NOT NULL DEFAULT 0,
	last_scanned_at TEXT NOT NULL DEFAULT '',
	monitor_enabled INTEGER NOT NULL DEFAULT 1,
	check_every_minutes INTEGER NOT NULL DEFAULT 0,
	next_check_at TEXT NOT NULL,
	state TEXT NOT NULL DEFAULT 'unknown',
	failures INTEGER NOT NULL DEFAULT 0,
	last_checked_at TEXT NOT NULL DEFAULT '',
	last_status INTEGER NOT NULL DEFAULT 0,
	last_latency_ms INTEGER NOT NULL DEFAULT 0,
	last_error TEXT NOT NULL DEFAULT '',
	cert_expires_at TEXT NOT NULL DEFAULT '',
	baseline TEXT NOT NULL DEFAULT '',
	baseline_at TEXT NOT NULL DEFAULT '',
	ignore_rule TEXT NOT NULL DEFAULT '',
	change_threshold REAL NOT NULL DEFAULT 0.3,
	last_change REAL NOT NULL DEFAULT 0,
	raised TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL,
	UNIQUE (system_id, url)
);
CREATE INDEX sites_next_scan ON sites(active, next_scan_at);
CREATE INDEX sites_next_check ON sites(active, monitor_enabled, next_check_at);
CREATE INDEX sites_grades ON sites(active, last_grade, state);

CREATE TABLE scans (
	id INTEGER PRIMARY KEY,
	-- NULL for an ad-hoc scan of a URL outside the registry (admins and analysts only)
	site_id INTEGER REFERENCES sites(id) ON DELETE CASCADE,
	url TEXT NOT NULL,
	status TEXT NOT NULL,
	origin TEXT NOT NULL,
	requested_by TEXT NOT NULL,
	created_at TEXT NOT NULL,
	started_at TEXT NOT NULL DEFAULT '',
	finished_at TEXT NOT NULL DEFAULT '',
	score INTEGER NOT NULL DEFAULT 0,
	grade TEXT NOT NULL DEFAULT '',
	failed INTEGER NOT NULL DEFAULT 0,
	report TEXT NOT NULL DEFAULT '',
	error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX scans_site ON scans(site_id, id);
CREATE INDEX scans_status ON scans(status, id);
CREATE INDEX scans_url ON scans(url, id);

CREATE TABLE findings (
	id INTEGER PRIMARY KEY,
	site_id INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
	scan_id INTEGER REFERENCES scans(id) ON DELETE SET NULL,
	kind TEXT NOT NULL,
	check_id TEXT NOT NULL DEFAULT '',
	severity TEXT NOT NULL,
	title TEXT NOT NULL,
	title_en TEXT NOT NULL,
	detail TEXT NOT NULL DEFAULT '',
	detail_en TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL DEFAULT 'open',
	created_at TEXT NOT NULL,
	resolved_at TEXT NOT NULL DEFAULT ''
);
CREATE INDEX findings_site ON findings(site_id, status);
CREATE INDEX findings_status ON findings(status, id);

CREATE TABLE label_policies (
	id INTEGER PRIMARY KEY,
	name TEXT NOT NULL UNIQUE,
	min_grade TEXT NOT NULL,
	required_checks TEXT NOT NULL,
	critical_checks TEXT NOT NULL,
	require_privacy_policy INTEGER NOT NULL,
	require_contact INTEGER NOT NULL,
	valid_days INTEGER NOT NULL,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);

CREATE TABLE labels (
	id INTEGER PRIMARY KEY,
	public_id TEXT NOT NULL UNIQUE,
	site_id INTEGER NOT NULL UNIQUE REFERENCES sites(id) ON DELETE CASCADE,
	policy_id INTEGER NOT NULL REFERENCES label_policies(id) ON DELETE RESTRICT,
	state TEXT NOT NULL,
	reason TEXT NOT NULL DEFAULT '',
	reason_en TEXT NOT NULL DEFAULT '',
	privacy_url TEXT NOT NULL DEFAULT '',
	contact TEXT NOT NULL DEFAULT '',
	granted_by TEXT NOT NULL DEFAULT '',
	granted_at TEXT NOT NULL DEFAULT '',
	expires_at TEXT NOT NULL DEFAULT '',
	verified_at TEXT NOT NULL DEFAULT '',
	updated_at TEXT NOT NULL
);

CREATE TABLE label_events (
	id INTEGER PRIMARY KEY,
	label_id INTEGER NOT NULL REFERENCES labels(id) ON DELETE CASCADE,
	state TEXT NOT NULL,
	reason TEXT NOT NULL,
	reason_en TEXT NOT NULL DEFAULT '',
	actor TEXT NOT NULL,
	at TEXT NOT NULL
);
CREATE INDEX label_events_label ON label_events(label_id, id);

CREATE TABLE monitor_samples (
	id INTEGER PRIMARY KEY,
	site_id INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
	at TEXT NOT NULL,
	ok INTEGER NOT NULL,
	status INTEGER NOT NULL,
	latency_ms INTEGER NOT NULL,
	change REAL NOT NULL DEFAULT 0,
	error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX monitor_samples_site ON monitor_samples(site_id, at);

CREATE TABLE alerts (
	id INTEGER PRIMARY KEY,
	site_id INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
	kind TEXT NOT NULL,
	severity TEXT NOT NULL,
	message TEXT NOT NULL,
	message_en TEXT NOT NULL,
	muted INTEGER NOT NULL DEFAULT 0,
	created_at TEXT NOT NULL,
	notified_at TEXT NOT NULL DEFAULT '',
	notify_error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX alerts_site ON alerts(site_id, id);

CREATE TABLE maintenance_windows (
	id INTEGER PRIMARY KEY,
	site_id INTEGER REFERENCES sites(id) ON DELETE CASCADE,
	starts_at TEXT NOT NULL,
	ends_at TEXT NOT NULL,
	reason TEXT NOT NULL DEFAULT '',
	created_by TEXT NOT NULL,
	created_at TEXT NOT NULL
);
CREATE INDEX maintenance_windows_time ON maintenance_windows(ends_at);

CREATE TABLE notify_targets (
	id INTEGER PRIMARY KEY,
	kind TEXT NOT NULL,
	address TEXT NOT NULL,
	secret TEXT NOT NULL DEFAULT '',
	enabled INTEGER NOT NULL DEFAULT 1,
	created_at TEXT NOT NULL
);

INSERT INTO label_policies (name, min_grade, required_checks, critical_checks, require_privacy_policy, require_contact, valid_days, created_at, updated_at)
VALUES ('website', 'B', 'https.available
tls.certificate
content.injected-links
content.defacement
exposed.files', 'https.available
tls.certificate
tls.certificate.expiry
content.injected-links
content.defacement
exposed.files', 1, 1, 365, '2026-11-27T00:00:00.000000Z', '2026-11-27T00:00:00.000000Z');
