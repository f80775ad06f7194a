-- compat: expand
-- Log events in blocks (issue 11, the store's speed). On SQLite the day
-- files hold them and carry their own schema version (2); a day file of
-- version 1 is read into blocks when it is opened. Nothing is kept here;
-- this step only holds the number so that both engines share one sequence.
SELECT 1;
