-- compat: expand
-- Vulnerabilities (issue 13), owned by internal/feature/vuln: each live
-- system's components under the names they are looked up by in the feeds
-- (the engine's ComponentKeys: "cpe:part:vendor:product", "name:<name>",
-- "purl:<ecosystem>/<package>"), kept by every match of the system, so
-- that a feed import reads, through an index, only the components its
-- records may concern instead of every component of the province.
-- Filled for all systems the first time an import needs it when the
-- database already held systems (vuln_settings 'component_keys' = 1 once
-- complete).
CREATE TABLE vuln_component_keys (
	key TEXT NOT NULL,
	system_id INTEGER NOT NULL REFERENCES systems(id) ON DELETE CASCADE,
	name TEXT NOT NULL,
	version TEXT NOT NULL,
	cpe TEXT NOT NULL,
	purl TEXT NOT NULL
);
CREATE INDEX vuln_component_keys_key ON vuln_component_keys(key);
CREATE INDEX vuln_component_keys_system ON vuln_component_keys(system_id);
-- A database without systems yet is complete as it is: every system
-- created from now on is matched, and so keyed, when it is saved.
INSERT INTO vuln_settings (name, value) VALUES ('component_keys', CASE WHEN EXISTS (SELECT 1 FROM systems) THEN 0 ELSE 1 END);
-- A process brings its cached feeds up to date with another process's
-- imports by reading what they wrote (import_id above the last it saw).
CREATE INDEX vuln_records_import ON vuln_records(import_id);
CREATE INDEX vuln_kev_import ON vuln_kev(import_id);
CREATE INDEX vuln_epss_import ON vuln_epss(import_id);
