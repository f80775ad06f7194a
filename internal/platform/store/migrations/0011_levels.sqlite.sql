-- compat: expand
-- Security by level (issue 12, first slice), owned by internal/feature/levels.
-- Every level proposal is kept (its answers, the regime and its data
-- version, the reasons); system_levels holds each system's current level
-- and the regime it was proposed, and later approved, under. The four
-- protection layers of a system are one row per recorded layer. No
-- cascade: a system's purge deletes these rows first (levels reacts to
-- registry's SystemPurge), and the foreign keys refuse anything else.
CREATE TABLE level_proposals (
	id INTEGER PRIMARY KEY,
	system_id INTEGER NOT NULL REFERENCES systems(id),
	regime TEXT NOT NULL,
	regime_version TEXT NOT NULL,
	level INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),
	implied_level INTEGER NOT NULL CHECK (implied_level BETWEEN 1 AND 5),
	answers_json TEXT NOT NULL,
	reasons_json TEXT NOT NULL,
	proposed_by TEXT NOT NULL,
	created_at TEXT NOT NULL
);
CREATE INDEX level_proposals_system ON level_proposals(system_id, id);

CREATE TABLE system_levels (
	system_id INTEGER PRIMARY KEY REFERENCES systems(id),
	regime TEXT NOT NULL,
	proposed_level INTEGER NOT NULL CHECK (proposed_level BETWEEN 1 AND 5),
	proposal_id INTEGER NOT NULL REFERENCES level_proposals(id),
	approved_level INTEGER CHECK (approved_level BETWEEN 1 AND 5),
	approved_regime TEXT NOT NULL DEFAULT '',
	approved_at TEXT NOT NULL DEFAULT '',
	updated_at TEXT NOT NULL
);
CREATE INDEX system_levels_regime ON system_levels(regime, proposed_level);

CREATE TABLE system_layers (
	system_id INTEGER NOT NULL REFERENCES systems(id),
	layer INTEGER NOT NULL CHECK (layer BETWEEN 1 AND 4),
	details_json TEXT NOT NULL,
	updated_by TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	PRIMARY KEY (system_id, layer)
);
