-- compat: expand
-- Vulnerabilities (issue 13): advisory records imported from offline
-- feeds (NVD, CVE JSON 5, OSV, with the CISA KEV catalogue and FIRST EPSS
-- scores), the imports themselves (feed freshness), the findings that
-- match them to each system's software, components the web scanner
-- discovered, and the deadlines by priority (data). Owned by
-- internal/feature/vuln.
CREATE TABLE vuln_records (
	id INTEGER PRIMARY KEY,
	source TEXT NOT NULL,
	vuln_id TEXT NOT NULL,
	status TEXT NOT NULL DEFAULT '',
	published TEXT NOT NULL DEFAULT '',
	modified TEXT NOT NULL DEFAULT '',
	summary TEXT NOT NULL DEFAULT '',
	cvss_version TEXT NOT NULL DEFAULT '',
	cvss_score REAL NOT NULL DEFAULT 0,
	cvss_vector TEXT NOT NULL DEFAULT '',
	body TEXT NOT NULL,
	import_id INTEGER NOT NULL,
	UNIQUE (source, vuln_id)
);
CREATE INDEX vuln_records_id ON vuln_records(vuln_id);

CREATE TABLE vuln_kev (
	cve TEXT PRIMARY KEY,
	date_added TEXT NOT NULL DEFAULT '',
	due_date TEXT NOT NULL DEFAULT '',
	ransomware INTEGER NOT NULL DEFAULT 0,
	name TEXT NOT NULL DEFAULT '',
	import_id INTEGER NOT NULL
);

CREATE TABLE vuln_epss (
	cve TEXT PRIMARY KEY,
	probability REAL NOT NULL,
	percentile REAL NOT NULL,
	model TEXT NOT NULL DEFAULT '',
	import_id INTEGER NOT NULL
);

CREATE TABLE vuln_imports (
	id INTEGER PRIMARY KEY,
	source TEXT NOT NULL,
	kind TEXT NOT NULL,
	file_name TEXT NOT NULL DEFAULT '',
	added INTEGER NOT NULL DEFAULT 0,
	replaced INTEGER NOT NULL DEFAULT 0,
	unchanged INTEGER NOT NULL DEFAULT 0,
	newest_modified TEXT NOT NULL DEFAULT '',
	by_user TEXT NOT NULL DEFAULT '',
	at TEXT NOT NULL
);
CREATE INDEX vuln_imports_source ON vuln_imports(source, id);

CREATE TABLE vuln_deadlines (
	priority TEXT PRIMARY KEY,
	days INTEGER NOT NULL
);
INSERT INTO vuln_deadlines (priority, days) VALUES ('KEV', 15), ('P1', 15), ('P2', 30), ('P3', 90), ('P4', 180);

CREATE TABLE vuln_findings (
	id INTEGER PRIMARY KEY,
	system_id INTEGER NOT NULL REFERENCES systems(id) ON DELETE CASCADE,
	component TEXT NOT NULL,
	version TEXT NOT NULL DEFAULT '',
	origin TEXT NOT NULL DEFAULT 'registry',
	vuln_id TEXT NOT NULL,
	source TEXT NOT NULL,
	cves TEXT NOT NULL DEFAULT '',
	priority TEXT NOT NULL,
	reasons TEXT NOT NULL DEFAULT '[]',
	cvss_score REAL NOT NULL DEFAULT 0,
	cvss_vector TEXT NOT NULL DEFAULT '',
	epss REAL,
	kev INTEGER NOT NULL DEFAULT 0,
	kev_due TEXT NOT NULL DEFAULT '',
	due_at TEXT NOT NULL,
	status TEXT NOT NULL DEFAULT 'open',
	status_reason TEXT NOT NULL DEFAULT '',
	approver TEXT NOT NULL DEFAULT '',
	accepted_until TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	closed_at TEXT NOT NULL DEFAULT '',
	UNIQUE (system_id, component, vuln_id)
);
CREATE INDEX vuln_findings_status ON vuln_findings(status, priority, due_at);

CREATE TABLE vuln_discovered (
	id INTEGER PRIMARY KEY,
	system_id INTEGER NOT NULL REFERENCES systems(id) ON DELETE CASCADE,
	site_id INTEGER NOT NULL,
	name TEXT NOT NULL,
	version TEXT NOT NULL DEFAULT '',
	evidence TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL DEFAULT 'proposed',
	decided_by TEXT NOT NULL DEFAULT '',
	seen_at TEXT NOT NULL,
	decided_at TEXT NOT NULL DEFAULT '',
	UNIQUE (system_id, name, version)
);

-- Advisories the security office sends to agencies, and each affected
-- agency's progress: notified → acknowledged → patched → verified.
CREATE TABLE vuln_advisories (
	id INTEGER PRIMARY KEY,
	title TEXT NOT NULL,
	title_en TEXT NOT NULL DEFAULT '',
	cves TEXT NOT NULL DEFAULT '',
	products TEXT NOT NULL DEFAULT '[]',
	action TEXT NOT NULL,
	action_en TEXT NOT NULL DEFAULT '',
	deadline TEXT NOT NULL,
	created_by TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL
);

CREATE TABLE vuln_advisory_agencies (
	advisory_id INTEGER NOT NULL REFERENCES vuln_advisories(id) ON DELETE CASCADE,
	agency_id INTEGER NOT NULL REFERENCES agencies(id) ON DELETE CASCADE,
	status TEXT NOT NULL DEFAULT 'notified',
	evidence TEXT NOT NULL DEFAULT '',
	updated_by TEXT NOT NULL DEFAULT '',
	notified_at TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	PRIMARY KEY (advisory_id, agency_id)
);
CREATE INDEX vuln_advisory_agencies_agency ON vuln_advisory_agencies(agency_id);
