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
	system_id INTEGER PRIMARY KEY REFERENCES systems(id),
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
	-- the last time each periodic duty was recorded done:
	-- "duty=YYYY-MM-DD" pairs, space-separated (level_duty_records)
	duties_done TEXT NOT NULL DEFAULT '',
	updated_at TEXT NOT NULL
);

-- The periodic duties of the regime (vulnerability scans, penetration
-- tests, inspections) recorded as done for a system; their due dates
-- are computed from the last one (or the level's approval) and the
-- regime's frequency when read.
CREATE TABLE level_duty_records (
	id INTEGER PRIMARY KEY,
	system_id INTEGER NOT NULL REFERENCES systems(id),
	duty TEXT NOT NULL,
	done_on TEXT NOT NULL,
	note TEXT NOT NULL DEFAULT '',
	recorded_by TEXT NOT NULL,
	created_at TEXT NOT NULL
);
CREATE INDEX level_duty_records_system ON level_duty_records(system_id, duty, done_on);

-- backfill: every existing system, from its rows (the same rules as
-- levels.refreshSummary).
INSERT INTO level_summaries (system_id, regime, level, implemented, partial, not_implemented, not_applicable, gaps,
	team, contract_end, next_due, last_inspection, connected, duties_done, updated_at)
SELECT s.id,
	CASE WHEN l.approved_level IS NULL THEN '' ELSE l.approved_regime END,
	COALESCE(l.approved_level, 0),
	COALESCE(c.implemented, 0), COALESCE(c.partial, 0), COALESCE(c.not_implemented, 0), COALESCE(c.not_applicable, 0), COALESCE(c.gaps, ''),
	CASE WHEN EXISTS (SELECT 1 FROM system_layers y, json_each(y.details_json, '$.people') p WHERE y.system_id = s.id AND y.layer = 1
		AND COALESCE(json_extract(p.value, '$.name'), '') <> ''
		AND (COALESCE(json_extract(p.value, '$.phone'), '') <> '' OR COALESCE(json_extract(p.value, '$.email'), '') <> '')) THEN 1 ELSE 0 END,
	COALESCE((SELECT json_extract(y.details_json, '$.contract_end') FROM system_layers y WHERE y.system_id = s.id AND y.layer = 2
		AND COALESCE(json_extract(y.details_json, '$.provider'), '') <> '' AND COALESCE(json_extract(y.details_json, '$.contract_end'), '') <> ''
		AND COALESCE(json_extract(y.details_json, '$.connection'), '') <> ''), ''),
	COALESCE((SELECT json_extract(y.details_json, '$.next_due') FROM system_layers y WHERE y.system_id = s.id AND y.layer = 3
		AND COALESCE(json_extract(y.details_json, '$.organisation'), '') <> '' AND COALESCE(json_extract(y.details_json, '$.last_date'), '') <> ''
		AND COALESCE(json_extract(y.details_json, '$.next_due'), '') <> ''), ''),
	COALESCE((SELECT json_extract(y.details_json, '$.last_date') FROM system_layers y WHERE y.system_id = s.id AND y.layer = 3), ''),
	CASE WHEN EXISTS (SELECT 1 FROM system_layers y WHERE y.system_id = s.id AND y.layer = 4 AND json_extract(y.details_json, '$.connected') = 1) THEN 1 ELSE 0 END,
	COALESCE(dd.done, ''),
	strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')
FROM systems s LEFT JOIN system_levels l ON l.system_id = s.id
LEFT JOIN (
	-- the statuses that apply at each system's approved level, in one pass
	SELECT r.system_id,
		SUM(CASE WHEN r.status = 'implemented' THEN 1 ELSE 0 END) AS implemented,
		SUM(CASE WHEN r.status = 'partial' THEN 1 ELSE 0 END) AS partial,
		SUM(CASE WHEN r.status = 'not_implemented' THEN 1 ELSE 0 END) AS not_implemented,
		SUM(CASE WHEN r.status = 'not_applicable' THEN 1 ELSE 0 END) AS not_applicable,
		group_concat(CASE WHEN r.status IN ('partial', 'not_implemented') THEN r.requirement END, ' ') AS gaps
	FROM requirement_statuses r JOIN system_levels x ON x.system_id = r.system_id AND x.approved_regime = r.regime AND r.from_level <= x.approved_level
	GROUP BY r.system_id
) c ON c.system_id = s.id
LEFT JOIN (
	-- the last time each duty was done
	SELECT system_id, group_concat(duty || '=' || last, ' ') AS done
	FROM (SELECT system_id, duty, MAX(done_on) AS last FROM level_duty_records GROUP BY system_id, duty) last_done
	GROUP BY system_id
) dd ON dd.system_id = s.id;
