-- compat: expand
-- The monitoring overview (issue 10 item 4): each site's uptime over 24
-- hours and 30 days, latency and last content change, kept up to date by
-- the monitor when it records probes, so that the overview of thousands
-- of sites reads one row per site instead of every probe sample.
CREATE TABLE monitor_summary (
	site_id BIGINT PRIMARY KEY REFERENCES sites(id) ON DELETE CASCADE,
	samples_24h INTEGER NOT NULL DEFAULT 0,
	up_24h INTEGER NOT NULL DEFAULT 0,
	samples_30d INTEGER NOT NULL DEFAULT 0,
	up_30d INTEGER NOT NULL DEFAULT 0,
	-- the percentages, NULL without probes in the window (no data)
	uptime_24h DOUBLE PRECISION,
	uptime_30d DOUBLE PRECISION,
	avg_latency_24h INTEGER NOT NULL DEFAULT 0,
	last_change_at TEXT NOT NULL DEFAULT '',
	updated_at TEXT NOT NULL
);
