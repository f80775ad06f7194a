-- compat: expand
-- Vulnerabilities, follow-up (issue 13), owned by internal/feature/vuln.
-- vuln_reminders: each reminder before a finding's deadline and each
-- overdue notice, claimed once per (finding, kind, deadline) so that
-- several processes and restarts never send one twice.
CREATE TABLE vuln_reminders (
	finding_id BIGINT NOT NULL REFERENCES vuln_findings(id) ON DELETE CASCADE,
	kind TEXT NOT NULL CHECK (kind IN ('reminder', 'overdue')),
	due_at TEXT NOT NULL,
	sent_at TEXT NOT NULL,
	error TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (finding_id, kind, due_at)
);
