-- compat: expand
-- Stored log events (issue 11 item 6), written only by the logstore
-- feature. One row per accepted event, in a partition per UTC day of its
-- received time: the feature creates each day's partition when the first
-- event of that day arrives (log_events_YYYYMMDD) and drops whole
-- partitions past the retention. The key (day, id) makes a redelivered
-- batch store nothing twice. Timestamps are text in store.TimeLayout under
-- the "C" collation, so that text order is time order and the indexes
-- serve ranges. log_day_stats counts events and bytes (original plus
-- normalized fields) per day and agency, written in the same statement as
-- the events.
CREATE TABLE log_events (
	day DATE NOT NULL,
	id TEXT NOT NULL,
	agency_id BIGINT NOT NULL,
	system_id BIGINT NOT NULL DEFAULT 0,
	receiver TEXT NOT NULL DEFAULT '',
	sender TEXT NOT NULL DEFAULT '',
	source TEXT NOT NULL DEFAULT '',
	received TEXT COLLATE "C" NOT NULL,
	event_time TEXT COLLATE "C" NOT NULL DEFAULT '',
	host_name TEXT NOT NULL DEFAULT '',
	user_name TEXT NOT NULL DEFAULT '',
	source_ip TEXT NOT NULL DEFAULT '',
	event_code TEXT NOT NULL DEFAULT '',
	product TEXT NOT NULL DEFAULT '',
	categories TEXT NOT NULL DEFAULT '',
	services TEXT NOT NULL DEFAULT '',
	fields JSONB NOT NULL,
	original TEXT NOT NULL,
	size INTEGER NOT NULL,
	PRIMARY KEY (day, id)
) PARTITION BY RANGE (day);
CREATE INDEX log_events_received ON log_events (received, id);
CREATE INDEX log_events_agency ON log_events (agency_id, received, id);
CREATE TABLE log_day_stats (
	day DATE NOT NULL,
	agency_id BIGINT NOT NULL,
	events BIGINT NOT NULL,
	bytes BIGINT NOT NULL,
	PRIMARY KEY (day, agency_id)
);
