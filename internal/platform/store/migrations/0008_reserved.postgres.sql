-- compat: expand
-- Placeholder for migration 0008, which another branch of issue 8 adds;
-- it lets this branch's 0009 be numbered as assigned. Drop this file when
-- the branch that owns 0008 is merged.
SELECT 1;
