-- compat: expand
-- Stored scan and probe errors in the reader's language (issue 9 item 9,
-- issue 10 item 2). error keeps the technical text (internal addresses,
-- such as the resolver's, removed) for the analyst's details; error_vi and
-- error_en are the sentence shown to people. Rows written before this
-- migration have no sentence: readers fall back to the technical text.
ALTER TABLE scans ADD COLUMN error_vi TEXT NOT NULL DEFAULT '';
ALTER TABLE scans ADD COLUMN error_en TEXT NOT NULL DEFAULT '';
ALTER TABLE monitor_samples ADD COLUMN error_vi TEXT NOT NULL DEFAULT '';
ALTER TABLE monitor_samples ADD COLUMN error_en TEXT NOT NULL DEFAULT '';
ALTER TABLE sites ADD COLUMN last_error_vi TEXT NOT NULL DEFAULT '';
ALTER TABLE sites ADD COLUMN last_error_en TEXT NOT NULL DEFAULT '';
