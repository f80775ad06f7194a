package logstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"

	"github.com/khien-project/khien/internal/platform/logstream"
	"github.com/khien-project/khien/internal/platform/store"
)

// Before blocks, each event was a row of log_events (a day file of version
// 1 on SQLite, a log_events_YYYYMMDD partition on PostgreSQL). Such days
// are read into blocks, a page of rows at a time, and the rows dropped, in
// one transaction per day: nothing is lost and nothing counted twice.

// oldColumns are the row-per-event columns an event is read back from.
const oldColumns = `id, agency_id, system_id, receiver, sender, source, received, event_time, product, categories, services, fields, original`

// upgradePage is how many old rows are read at a time.
const upgradePage = 5000

// upgradeDay turns a version 1 day file into version 2.
func upgradeDay(ctx context.Context, db *sql.DB) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	var v int
	if err := tx.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&v); err != nil {
		return err
	}
	if v != 1 { // another process did it meanwhile
		return nil
	}
	for _, q := range []string{
		blocksTable,
		blocksIndex,
		`DELETE FROM log_agency_stats`,
	} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	moved := 0
	for last := int64(0); ; {
		recs, seqs, err := readOldRows(ctx, tx, `SELECT seq, `+oldColumns+` FROM log_events WHERE seq > ? ORDER BY seq LIMIT ?`, last, upgradePage)
		if err != nil {
			return err
		}
		if len(recs) == 0 {
			break
		}
		last = seqs[len(seqs)-1]
		w := newDayWrite(recs)
		if err := w.makeBlocks(); err != nil {
			return err
		}
		if err := writeDaySQLite(ctx, tx, w); err != nil {
			return err
		}
		moved += len(w.recs)
	}
	for _, q := range []string{`DROP TRIGGER IF EXISTS log_events_added`, `DROP TABLE IF EXISTS log_events_fts`, `DROP TABLE log_events`, `PRAGMA user_version = 2`} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	slog.Info("log day file read into blocks", "events", moved)
	return nil
}

// upgradeDays reads PostgreSQL's row-per-event days into blocks.
func (s *Service) upgradeDays(ctx context.Context) error {
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT c.relname FROM pg_inherits i
		JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
		WHERE p.relname = 'log_events' ORDER BY c.relname`)
	if err != nil {
		return err
	}
	var days []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return err
		}
		if day, ok := dayOfPartition(name); ok {
			days = append(days, day)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, day := range days {
		if err := s.ensurePartition(ctx, day); err != nil {
			return err
		}
		moved := 0
		err := s.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
			// Several processes may start at once: one reads the day, the
			// others wait and then find it gone.
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext('khien-logstore-upgrade'))`); err != nil {
				return err
			}
			var still sql.NullString
			if err := tx.QueryRowContext(ctx, `SELECT to_regclass($1)::text`, oldPartition(day)).Scan(&still); err != nil {
				return err
			}
			if !still.Valid {
				return nil
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM log_day_stats WHERE day = $1::date`, day); err != nil {
				return err
			}
			for last := ""; ; {
				recs, _, err := readOldRows(ctx, tx, `SELECT 0, `+oldColumns+` FROM `+oldPartition(day)+` WHERE id > $1 ORDER BY id LIMIT $2`, last, upgradePage)
				if err != nil {
					return err
				}
				if len(recs) == 0 {
					break
				}
				last = recs[len(recs)-1].ID
				w := newDayWrite(recs)
				w.day = day
				if err := w.makeBlocks(); err != nil {
					return err
				}
				if err := writeDayPostgres(ctx, tx, w); err != nil {
					return err
				}
				moved += len(w.recs)
			}
			_, err := tx.ExecContext(ctx, `DROP TABLE `+oldPartition(day))
			return err
		})
		if err != nil {
			return fmt.Errorf("read day %s into blocks: %w", day, err)
		}
		slog.Info("log day read into blocks", "day", day, "events", moved)
	}
	return nil
}

// newDayWrite is a write of recs (all of one day).
func newDayWrite(recs []logstream.Record) *dayWrite {
	w := &dayWrite{}
	for i := range recs {
		w.add(&recs[i], idHash(recs[i].ID))
	}
	return w
}

// readOldRows reads row-per-event rows as records; the first column is
// the row's seq (SQLite), returned beside them.
func readOldRows(ctx context.Context, q store.Querier, query string, args ...any) ([]logstream.Record, []int64, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var recs []logstream.Record
	var seqs []int64
	for rows.Next() {
		var r logstream.Record
		var seq int64
		var received, evTime, cats, svcs, fields string
		if err := rows.Scan(&seq, &r.ID, &r.AgencyID, &r.SystemID, &r.Receiver, &r.Sender, &r.Source, &received, &evTime,
			&r.Product, &cats, &svcs, &fields, &r.Original); err != nil {
			return nil, nil, err
		}
		r.Received = store.ParseTime(received)
		if t := store.TimePtr(evTime); t != nil {
			r.Time = *t
		}
		if cats != "" {
			r.Categories = strings.Split(cats, ",")
		}
		if svcs != "" {
			r.Services = strings.Split(svcs, ",")
		}
		if err := json.Unmarshal([]byte(fields), &r.Fields); err != nil {
			return nil, nil, fmt.Errorf("event %s: fields: %w", r.ID, err)
		}
		recs = append(recs, r)
		seqs = append(seqs, seq)
	}
	return recs, seqs, rows.Err()
}
