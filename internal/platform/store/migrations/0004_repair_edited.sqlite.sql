-- compat: expand
-- Migrations 0001 and 0002 were edited after their release (indexes
-- changed or added, columns added, scans.site_id made nullable), so a
-- database created before those edits says "version 2" without them.
-- This brings such a database to the current shape where SQLite allows it
-- idempotently (indexes). Columns SQLite cannot add conditionally are
-- checked by khien at start (store.checkShape) and refused by name.
DROP INDEX IF EXISTS systems_agency;
CREATE INDEX systems_agency ON systems(agency_id, url_count);
DROP INDEX IF EXISTS systems_agency_path;
CREATE INDEX systems_agency_path ON systems(agency_path, agency_id, url_count);
CREATE INDEX IF NOT EXISTS scans_url ON scans(url, id);
CREATE INDEX IF NOT EXISTS sites_grades ON sites(active, last_grade, state);
