-- compat: expand
-- Security by level (issue 12 item 4): evidence files of a system's
-- assessment, per requirement, owned by internal/feature/levels. The
-- same documents as a dossier's attachments (PDF, DOCX, ODT, checked by
-- content, with their SHA-256), kept under the regime the system's level
-- was approved at, like requirement_statuses; deleted with the system's
-- purge.
CREATE TABLE level_evidence_files (
	id INTEGER PRIMARY KEY,
	system_id INTEGER NOT NULL REFERENCES systems(id),
	regime TEXT NOT NULL,
	requirement TEXT NOT NULL,
	name TEXT NOT NULL,
	kind TEXT NOT NULL CHECK (kind IN ('pdf', 'docx', 'odt')),
	size BIGINT NOT NULL,
	sha256 TEXT NOT NULL,
	content BLOB NOT NULL,
	uploaded_by TEXT NOT NULL,
	created_at TEXT NOT NULL
);
CREATE INDEX level_evidence_files_requirement ON level_evidence_files(system_id, regime, requirement, id);
