-- compat: expand
-- Security by level (issue 12): one summary row per system, owned by
-- internal/feature/levels, so that the dashboard and the annual report
-- of a province (10,000 systems, ~600,000 requirement statuses) read one
-- row per system instead of every status. A row is rewritten from the
-- system's own rows in the same transaction as every change to them
-- (assessment saved, level approved, layer recorded) and deleted with
-- the system's purge. The agency, its path and whether the system is
-- archived are read from systems at query time, never copied here.
CREATE TABLE level_summaries (
	system_id BIGINT PRIMARY KEY REFERENCES systems(id),
	-- the approved regime and level ('' and 0: none yet)
	regime TEXT NOT NULL DEFAULT '',
	level INTEGER NOT NULL DEFAULT 0,
	-- statuses of the requirements that apply at the approved level
	implemented INTEGER NOT NULL DEFAULT 0,
	partial INTEGER NOT NULL DEFAULT 0,
	not_implemented INTEGER NOT NULL DEFAULT 0,
	not_applicable INTEGER NOT NULL DEFAULT 0,
	-- those partly or not implemented: requirement ids, space-separated
	gaps TEXT NOT NULL DEFAULT '',
	-- layer 1: a named person with a phone or e-mail (1) or not (0)
	team INTEGER NOT NULL DEFAULT 0,
	-- layer 2 recorded with provider, contract end and connection: the
	-- contract's end ('' otherwise)
	contract_end TEXT NOT NULL DEFAULT '',
	-- layer 3 recorded with organisation, last date and next due: the
	-- next inspection ('' otherwise)
	next_due TEXT NOT NULL DEFAULT '',
	-- layer 3's last inspection as recorded
	last_inspection TEXT NOT NULL DEFAULT '',
	-- layer 4: connected to the national monitoring system (1) or not
	connected INTEGER NOT NULL DEFAULT 0,
	updated_at TEXT NOT NULL
);

-- backfill: every existing system, from its rows (the same rules as
-- levels.refreshSummary).
INSERT INTO level_summaries (system_id, regime, level, implemented, partial, not_implemented, not_applicable, gaps,
	team, contract_end, next_due, last_inspection, connected, updated_at)
SELECT s.id,
	CASE WHEN l.approved_level IS NULL THEN '' ELSE l.approved_regime END,
	COALESCE(l.approved_level, 0),
	COALESCE(c.implemented, 0), COALESCE(c.partial, 0), COALESCE(c.not_implemented, 0), COALESCE(c.not_applicable, 0), COALESCE(c.gaps, ''),
	CASE WHEN EXISTS (SELECT 1 FROM system_layers y,
			jsonb_array_elements(CASE WHEN jsonb_typeof(y.details_json::jsonb -> 'people') = 'array' THEN y.details_json::jsonb -> 'people' ELSE '[]'::jsonb END) p
		WHERE y.system_id = s.id AND y.layer = 1 AND COALESCE(p ->> 'name', '') <> ''
		AND (COALESCE(p ->> 'phone', '') <> '' OR COALESCE(p ->> 'email', '') <> '')) THEN 1 ELSE 0 END,
	COALESCE((SELECT y.details_json::jsonb ->> 'contract_end' FROM system_layers y WHERE y.system_id = s.id AND y.layer = 2
		AND COALESCE(y.details_json::jsonb ->> 'provider', '') <> '' AND COALESCE(y.details_json::jsonb ->> 'contract_end', '') <> ''
		AND COALESCE(y.details_json::jsonb ->> 'connection', '') <> ''), ''),
	COALESCE((SELECT y.details_json::jsonb ->> 'next_due' FROM system_layers y WHERE y.system_id = s.id AND y.layer = 3
		AND COALESCE(y.details_json::jsonb ->> 'organisation', '') <> '' AND COALESCE(y.details_json::jsonb ->> 'last_date', '') <> ''
		AND COALESCE(y.details_json::jsonb ->> 'next_due', '') <> ''), ''),
	COALESCE((SELECT y.details_json::jsonb ->> 'last_date' FROM system_layers y WHERE y.system_id = s.id AND y.layer = 3), ''),
	CASE WHEN EXISTS (SELECT 1 FROM system_layers y WHERE y.system_id = s.id AND y.layer = 4 AND y.details_json::jsonb ->> 'connected' = 'true') THEN 1 ELSE 0 END,
	to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
FROM systems s LEFT JOIN system_levels l ON l.system_id = s.id
LEFT JOIN (
	-- the statuses that apply at each system's approved level, in one pass
	SELECT r.system_id,
		SUM(CASE WHEN r.status = 'implemented' THEN 1 ELSE 0 END) AS implemented,
		SUM(CASE WHEN r.status = 'partial' THEN 1 ELSE 0 END) AS partial,
		SUM(CASE WHEN r.status = 'not_implemented' THEN 1 ELSE 0 END) AS not_implemented,
		SUM(CASE WHEN r.status = 'not_applicable' THEN 1 ELSE 0 END) AS not_applicable,
		string_agg(CASE WHEN r.status IN ('partial', 'not_implemented') THEN r.requirement END, ' ' ORDER BY r.requirement) AS gaps
	FROM requirement_statuses r JOIN system_levels x ON x.system_id = r.system_id AND x.approved_regime = r.regime AND r.from_level <= x.approved_level
	GROUP BY r.system_id
) c ON c.system_id = s.id;
