package logstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/khien-project/khien/internal/platform/store"
)

// On PostgreSQL every day is a partition of log_events, named
// log_events_YYYYMMDD, created when the day's first event arrives.

// partitionName is the table holding a day (a valid day name only).
func partitionName(day string) string { return "log_events_" + strings.ReplaceAll(day, "-", "") }

// dayOfPartition reads the day back from a partition's name.
func dayOfPartition(name string) (string, bool) {
	s, ok := strings.CutPrefix(name, "log_events_")
	if !ok || len(s) != 8 {
		return "", false
	}
	day := s[:4] + "-" + s[4:6] + "-" + s[6:]
	_, valid := parseDay(day)
	return day, valid
}

// ensurePartition creates the day's partition unless known to exist.
func (s *Service) ensurePartition(ctx context.Context, day string) error {
	if _, ok := s.parts.Load(day); ok {
		return nil
	}
	t, ok := parseDay(day)
	if !ok {
		return fmt.Errorf("bad day %q", day)
	}
	next := t.Add(24 * time.Hour).Format(dayLayout)
	// The name and bounds come from a parsed day: nothing of the input's.
	q := fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s PARTITION OF log_events FOR VALUES FROM ('%s') TO ('%s')`, partitionName(day), day, next)
	if _, err := s.db.Writer().ExecContext(ctx, q); err != nil {
		// Another process made it at the same instant.
		if !strings.Contains(err.Error(), "already exists") {
			return fmt.Errorf("create partition %s: %w", partitionName(day), err)
		}
	}
	s.parts.Store(day, true)
	return nil
}

// pgInsert stores a day's rows and counts them per agency in one
// statement: only the rows actually inserted (not the duplicates) are
// counted.
const pgInsert = `WITH ins AS (
	INSERT INTO log_events (day, id, agency_id, system_id, receiver, sender, source, received, event_time,
		host_name, user_name, source_ip, event_code, product, categories, services, fields, original, size)
	SELECT $1::date, u.id, u.agency_id, u.system_id, u.receiver, u.sender, u.source, u.received, u.event_time,
		u.host_name, u.user_name, u.source_ip, u.event_code, u.product, u.categories, u.services, u.fields::jsonb, u.original, u.size
	FROM unnest($2::text[], $3::bigint[], $4::bigint[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
		$10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16::text[], $17::text[], $18::text[], $19::int[])
		AS u(id, agency_id, system_id, receiver, sender, source, received, event_time,
		host_name, user_name, source_ip, event_code, product, categories, services, fields, original, size)
	ON CONFLICT (day, id) DO NOTHING
	RETURNING agency_id, size
), counted AS (
	INSERT INTO log_day_stats (day, agency_id, events, bytes)
	SELECT $1::date, agency_id, count(*), sum(size) FROM ins GROUP BY agency_id ORDER BY agency_id
	ON CONFLICT (day, agency_id) DO UPDATE SET events = log_day_stats.events + excluded.events, bytes = log_day_stats.bytes + excluded.bytes
	RETURNING events
)
SELECT count(*) FROM ins`

// pgChunk bounds the rows of one statement.
const pgChunk = 5000

func (s *Service) storePostgres(ctx context.Context, day string, rows []row) (int, error) {
	if err := s.ensurePartition(ctx, day); err != nil {
		return 0, err
	}
	stored := 0
	err := s.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		for len(rows) > 0 {
			n := min(len(rows), pgChunk)
			cols := make([]any, len(columns))
			for c := range columns {
				switch c {
				case 1, 2:
					v := make([]int64, n)
					for i := range v {
						v[i] = rows[i].vals[c].(int64)
					}
					cols[c] = v
				case 17:
					v := make([]int32, n)
					for i := range v {
						v[i] = int32(rows[i].vals[c].(int))
					}
					cols[c] = v
				default:
					v := make([]string, n)
					for i := range v {
						v[i] = rows[i].vals[c].(string)
					}
					cols[c] = v
				}
			}
			var k int
			if err := tx.QueryRowContext(ctx, pgInsert, append([]any{day}, cols...)...).Scan(&k); err != nil {
				return err
			}
			stored += k
			rows = rows[n:]
		}
		return nil
	})
	if err != nil {
		// A partition dropped behind our back (retention in another
		// process) is made again on the next try.
		s.parts.Delete(day)
		return 0, err
	}
	return stored, nil
}
