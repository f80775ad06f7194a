-- compat: expand
-- Systems and sites are archived, not deleted (issue 8): an archived
-- system and its sites keep every scan, finding, label and alert, are no
-- longer scanned or probed, and only an admin may purge them. The columns
-- say when and by whom; '' means live. Sites already inactive (their URL
-- left the system) count as archived from now on, by nobody known.
ALTER TABLE systems ADD COLUMN archived_at TEXT NOT NULL DEFAULT '';
ALTER TABLE systems ADD COLUMN archived_by TEXT NOT NULL DEFAULT '';
ALTER TABLE sites ADD COLUMN archived_at TEXT NOT NULL DEFAULT '';
ALTER TABLE sites ADD COLUMN archived_by TEXT NOT NULL DEFAULT '';
UPDATE sites SET archived_at = created_at WHERE active = 0;

-- The database itself refuses what would erase history by cascade: a
-- system is deleted only once archived and once its sites are gone, and a
-- site only once its system is archived and its scans, findings, label and
-- alerts are gone (each feature deletes its own rows first: a purge).
CREATE TRIGGER systems_purge_only_archived BEFORE DELETE ON systems
WHEN OLD.archived_at = '' OR EXISTS (SELECT 1 FROM sites WHERE system_id = OLD.id)
BEGIN SELECT RAISE(ABORT, 'systems: only an archived system without sites can be deleted (purge)'); END;
CREATE TRIGGER sites_purge_only_archived BEFORE DELETE ON sites
WHEN NOT EXISTS (SELECT 1 FROM systems WHERE id = OLD.system_id AND archived_at <> '')
	OR EXISTS (SELECT 1 FROM scans WHERE site_id = OLD.id)
	OR EXISTS (SELECT 1 FROM findings WHERE site_id = OLD.id)
	OR EXISTS (SELECT 1 FROM labels WHERE site_id = OLD.id)
	OR EXISTS (SELECT 1 FROM alerts WHERE site_id = OLD.id)
BEGIN SELECT RAISE(ABORT, 'sites: only a site of an archived system without history can be deleted (purge)'); END;
