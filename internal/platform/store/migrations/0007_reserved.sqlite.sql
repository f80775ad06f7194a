-- compat: expand
-- Placeholder for migration 0007, which another branch of issue 8 adds;
-- it lets this branch's 0008 be numbered as assigned. Drop this file when
-- the branch that owns 0007 is merged.
SELECT 1;
