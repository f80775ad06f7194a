package logstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/khien-project/khien/internal/platform/store"
)

// On PostgreSQL every day is a partition of log_blocks
// (log_blocks_YYYYMMDD), created when the day's first event arrives. Days of the row-per-event log_events (log_events_YYYYMMDD,
// before blocks) are read into blocks by upgradeDays.

// partitionName is the log_blocks partition holding a day (a valid day
// name only); oldPartition is its log_events partition (before blocks).
func partitionName(day string) string { return "log_blocks_" + strings.ReplaceAll(day, "-", "") }
func oldPartition(day string) string  { return "log_events_" + strings.ReplaceAll(day, "-", "") }

// dayOfPartition reads the day back from a partition's name.
func dayOfPartition(name string) (string, bool) {
	i := strings.LastIndexByte(name, '_')
	if i < 0 || len(name)-i-1 != 8 {
		return "", false
	}
	s := name[i+1:]
	day := s[:4] + "-" + s[4:6] + "-" + s[6:]
	_, valid := parseDay(day)
	return day, valid
}

// ensurePartition creates the day's partitions unless known to exist.
func (s *Service) ensurePartition(ctx context.Context, day string) error {
	if _, ok := s.parts.Load(day); ok {
		return nil
	}
	t, ok := parseDay(day)
	if !ok {
		return fmt.Errorf("bad day %q", day)
	}
	next := t.Add(24 * time.Hour).Format(dayLayout)
	// The names and bounds come from a parsed day: nothing of the input's.
	for _, q := range []string{
		fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s PARTITION OF log_blocks FOR VALUES FROM ('%s') TO ('%s')`, partitionName(day), day, next),
		// The blocks are stored as they are: compressing them again costs
		// the server more than it saves.
		fmt.Sprintf(`ALTER TABLE %s ALTER COLUMN data SET STORAGE EXTERNAL, ALTER COLUMN ids SET STORAGE EXTERNAL, ALTER COLUMN bloom SET STORAGE EXTERNAL`, partitionName(day)),
	} {
		if _, err := s.db.Writer().ExecContext(ctx, q); err != nil {
			// Another process made it at the same instant.
			if !strings.Contains(err.Error(), "already exists") {
				return fmt.Errorf("create partitions of %s: %w", day, err)
			}
		}
	}
	s.parts.Store(day, true)
	return nil
}

// storePostgres writes one day: the records already there are dropped
// from the write, then the blocks and the per-agency counts are written,
// in one transaction.
func (s *Service) storePostgres(ctx context.Context, w *dayWrite) error {
	if err := s.ensurePartition(ctx, w.day); err != nil {
		return err
	}
	err := s.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		return writeDayPostgres(ctx, tx, w)
	})
	if err != nil {
		// A partition dropped behind our back (retention in another
		// process) is made again on the next try.
		s.parts.Delete(w.day)
	}
	return err
}

func writeDayPostgres(ctx context.Context, tx *store.Tx, w *dayWrite) error {
	// Writers of a day take turns (as SQLite's one writer does): a batch
	// delivered again while its first delivery is still being written
	// must see that write before it checks for its records.
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext('khien-logstore-day-' || $1))`, w.day); err != nil {
		return err
	}
	if err := w.dropStored(ctx, tx, `SELECT ids FROM log_blocks WHERE day = $1::date AND max_received >= $2 AND min_received <= $3 AND agency_id IN (`+w.agencyList()+`)`,
		w.day, w.minRecv, w.maxRecv); err != nil {
		return err
	}
	if len(w.blocks) == 0 {
		return nil
	}
	n := len(w.blocks)
	agency, minR, maxR := make([]int64, n), make([]int64, n), make([]int64, n)
	events, size := make([]int32, n), make([]int32, n)
	bloom, idl, data := make([][]byte, n), make([][]byte, n), make([][]byte, n)
	for i, b := range w.blocks {
		agency[i], minR[i], maxR[i], events[i], size[i], bloom[i], idl[i], data[i] = b.agency, b.minRecv, b.maxRecv, int32(b.events), int32(b.bytes), b.bloom, b.ids, b.data
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO log_blocks (day, agency_id, min_received, max_received, events, bytes, bloom, ids, data)
		SELECT $1::date, a, mn, mx, e, sz, bl, i, d FROM unnest($2::bigint[], $3::bigint[], $4::bigint[], $5::int[], $6::int[], $7::bytea[], $8::bytea[], $9::bytea[]) AS u(a, mn, mx, e, sz, bl, i, d)`,
		w.day, agency, minR, maxR, events, size, bloom, idl, data); err != nil {
		return err
	}
	agencies, ev, by := agencyTotals(w.blocks)
	for _, a := range agencies {
		if _, err := tx.ExecContext(ctx, `INSERT INTO log_day_stats (day, agency_id, events, bytes) VALUES ($1::date, $2, $3, $4)
			ON CONFLICT (day, agency_id) DO UPDATE SET events = log_day_stats.events + excluded.events, bytes = log_day_stats.bytes + excluded.bytes`,
			w.day, a, ev[a], by[a]); err != nil {
			return err
		}
	}
	return nil
}
