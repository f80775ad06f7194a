-- compat: expand
-- Migrations 0001 and 0002 were edited after their release (indexes
-- changed or added, columns added, scans.site_id made nullable, the C
-- collation on agency paths), so a database created before those edits
-- says "version 2" without them. This brings such a database to the
-- current shape; every statement is a no-op on a database that already
-- has it. The systems columns derived from other tables (agency_path,
-- url_count, assets) are checked by khien at start (store.checkShape).
ALTER TABLE agencies ALTER COLUMN path TYPE TEXT COLLATE "C";
ALTER TABLE findings ADD COLUMN IF NOT EXISTS detail_en TEXT NOT NULL DEFAULT '';
ALTER TABLE labels ADD COLUMN IF NOT EXISTS reason_en TEXT NOT NULL DEFAULT '';
ALTER TABLE label_events ADD COLUMN IF NOT EXISTS reason_en TEXT NOT NULL DEFAULT '';
ALTER TABLE scans ALTER COLUMN site_id DROP NOT NULL;
DROP INDEX IF EXISTS systems_agency;
CREATE INDEX systems_agency ON systems(agency_id, url_count);
DROP INDEX IF EXISTS systems_agency_path;
CREATE INDEX systems_agency_path ON systems(agency_path, agency_id, url_count);
CREATE INDEX IF NOT EXISTS scans_url ON scans(url, id);
CREATE INDEX IF NOT EXISTS sites_grades ON sites(active, last_grade, state);
