-- compat: expand
-- Stored log events (issue 11 item 6). On SQLite they live outside this
-- database, in one file per UTC day beside it (events/YYYY-MM-DD.db, with
-- its own small schema that the logstore feature creates and versions),
-- so that retention deletes whole files and a search opens only the days
-- it asks for. Nothing is kept here; this step only holds the number so
-- that both engines share one sequence of migrations.
SELECT 1;
