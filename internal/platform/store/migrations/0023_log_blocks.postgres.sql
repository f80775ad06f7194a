-- compat: expand
-- Log events in blocks (issue 11, the store's speed): the records of one
-- agency and day that arrived together, in the log stream's binary form,
-- with a Bloom filter of their terms (internal/feature/logstore/block.go).
-- A partition per UTC day (log_blocks_YYYYMMDD), made by the logstore
-- feature when a day's first event arrives and dropped whole past the
-- retention. ids holds the 64-bit hashes of the block's event ids, so that
-- a redelivered batch stores nothing twice. Received times are Unix
-- nanoseconds. The row-per-event table of
-- migration 0017 stays until its days are read into blocks or pass the
-- retention.
CREATE TABLE log_blocks (
	day DATE NOT NULL,
	seq BIGSERIAL,
	agency_id BIGINT NOT NULL,
	min_received BIGINT NOT NULL,
	max_received BIGINT NOT NULL,
	events INTEGER NOT NULL,
	bytes INTEGER NOT NULL,
	bloom BYTEA NOT NULL,
	ids BYTEA NOT NULL,
	data BYTEA NOT NULL,
	PRIMARY KEY (day, seq)
) PARTITION BY RANGE (day);
CREATE INDEX log_blocks_received ON log_blocks (day, max_received);
