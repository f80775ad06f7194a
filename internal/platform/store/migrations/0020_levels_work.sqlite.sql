-- compat: expand
-- Security by level (issue 12, second slice), owned by
-- internal/feature/levels: level dossiers and their workflow (draft →
-- submitted → under_appraisal → approved | returned), comments and
-- attachments (the file's bytes, checked by content, with its SHA-256);
-- requirement assessments (the current status of each requirement of a
-- system, and a snapshot of the scores at each change); the risk
-- register. No cascade: a system's purge deletes these rows first.
CREATE TABLE level_dossiers (
	id INTEGER PRIMARY KEY,
	system_id INTEGER NOT NULL REFERENCES systems(id),
	regime TEXT NOT NULL,
	level INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),
	proposal_id INTEGER NOT NULL REFERENCES level_proposals(id),
	state TEXT NOT NULL CHECK (state IN ('draft', 'submitted', 'under_appraisal', 'approved', 'returned')),
	sections_json TEXT NOT NULL,
	due_on TEXT NOT NULL DEFAULT '',
	submitted_at TEXT NOT NULL DEFAULT '',
	decision_number TEXT NOT NULL DEFAULT '',
	decision_date TEXT NOT NULL DEFAULT '',
	signer TEXT NOT NULL DEFAULT '',
	created_by TEXT NOT NULL,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE INDEX level_dossiers_system ON level_dossiers(system_id, id);
CREATE INDEX level_dossiers_state ON level_dossiers(state, due_on);
-- One open dossier per system at a time.
CREATE UNIQUE INDEX level_dossiers_open ON level_dossiers(system_id) WHERE state <> 'approved';

CREATE TABLE dossier_steps (
	id INTEGER PRIMARY KEY,
	dossier_id INTEGER NOT NULL REFERENCES level_dossiers(id),
	from_state TEXT NOT NULL,
	to_state TEXT NOT NULL,
	actor TEXT NOT NULL,
	note TEXT NOT NULL DEFAULT '',
	due_on TEXT NOT NULL DEFAULT '',
	at TEXT NOT NULL
);
CREATE INDEX dossier_steps_dossier ON dossier_steps(dossier_id, id);

CREATE TABLE dossier_comments (
	id INTEGER PRIMARY KEY,
	dossier_id INTEGER NOT NULL REFERENCES level_dossiers(id),
	author TEXT NOT NULL,
	body TEXT NOT NULL,
	created_at TEXT NOT NULL
);
CREATE INDEX dossier_comments_dossier ON dossier_comments(dossier_id, id);

CREATE TABLE dossier_attachments (
	id INTEGER PRIMARY KEY,
	dossier_id INTEGER NOT NULL REFERENCES level_dossiers(id),
	name TEXT NOT NULL,
	kind TEXT NOT NULL CHECK (kind IN ('pdf', 'docx', 'odt')),
	size BIGINT NOT NULL,
	sha256 TEXT NOT NULL,
	content BLOB NOT NULL,
	uploaded_by TEXT NOT NULL,
	created_at TEXT NOT NULL
);
CREATE INDEX dossier_attachments_dossier ON dossier_attachments(dossier_id, id);

-- The current status of each requirement of a system, under the regime
-- and level the system was approved at.
CREATE TABLE requirement_statuses (
	system_id INTEGER NOT NULL REFERENCES systems(id),
	regime TEXT NOT NULL,
	requirement TEXT NOT NULL,
	-- the level the requirement applies from (the catalogue's), so that
	-- scores count only what applies at the approved level in SQL
	from_level INTEGER NOT NULL CHECK (from_level BETWEEN 1 AND 5),
	status TEXT NOT NULL CHECK (status IN ('implemented', 'partial', 'not_implemented', 'not_applicable')),
	justification TEXT NOT NULL DEFAULT '',
	evidence TEXT NOT NULL DEFAULT '',
	assessor TEXT NOT NULL,
	assessed_on TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	PRIMARY KEY (system_id, regime, requirement)
);
CREATE INDEX requirement_statuses_gaps ON requirement_statuses(status, regime, requirement);

-- A snapshot of a system's scores after each change of its assessment:
-- the history and its trend.
CREATE TABLE assessment_snapshots (
	id INTEGER PRIMARY KEY,
	system_id INTEGER NOT NULL REFERENCES systems(id),
	regime TEXT NOT NULL,
	level INTEGER NOT NULL,
	applicable INTEGER NOT NULL,
	implemented INTEGER NOT NULL,
	partial INTEGER NOT NULL,
	not_implemented INTEGER NOT NULL,
	not_applicable INTEGER NOT NULL,
	score REAL NOT NULL,
	assessor TEXT NOT NULL,
	at TEXT NOT NULL
);
CREATE INDEX assessment_snapshots_system ON assessment_snapshots(system_id, id);

CREATE TABLE risks (
	id INTEGER PRIMARY KEY,
	system_id INTEGER NOT NULL REFERENCES systems(id),
	title TEXT NOT NULL,
	threat TEXT NOT NULL,
	vulnerability TEXT NOT NULL,
	likelihood INTEGER NOT NULL CHECK (likelihood BETWEEN 1 AND 5),
	impact INTEGER NOT NULL CHECK (impact BETWEEN 1 AND 5),
	treatment TEXT NOT NULL CHECK (treatment IN ('accept', 'mitigate', 'transfer', 'avoid')),
	owner TEXT NOT NULL DEFAULT '',
	due_on TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL CHECK (status IN ('open', 'in_progress', 'closed')),
	accepted_by TEXT NOT NULL DEFAULT '',
	accepted_until TEXT NOT NULL DEFAULT '',
	created_by TEXT NOT NULL,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE INDEX risks_system ON risks(system_id, id);
