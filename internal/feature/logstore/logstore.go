// Package logstore keeps the log events the receivers accepted (issue 11
// item 6): it consumes the log stream (logstream.ConsumerStore), stores
// each event's original and normalized fields partitioned by UTC day of
// its received time, drops whole days past the retention, answers
// searches in the caller's agency scope and reports the storage used.
//
// Days are by received time, not by the event's own time: a sender with a
// wrong clock (or an old file imported today) cannot put events into a day
// that retention already dropped or is about to drop, and a day's file or
// partition only grows while that day lasts.
//
// On SQLite each day is its own database file beside the main one
// (events/YYYY-MM-DD.db, WAL, with the schema in daySchema); on PostgreSQL
// each day is a partition of log_events (migration 0017) created on demand.
package logstore

import (
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"github.com/khien-project/khien/internal/platform/audit"
	"github.com/khien-project/khien/internal/platform/store"
)

// DefaultRetentionDays is how many days of events are kept unless
// configured (--logs.retention_days).
const DefaultRetentionDays = 30

// Config tunes the store.
type Config struct {
	// Dir holds the SQLite day files (default: "events" beside the main
	// database file). Unused on PostgreSQL.
	Dir string
	// RetentionDays is how many UTC days are kept, today included
	// (default DefaultRetentionDays).
	RetentionDays int
}

// Service stores and searches log events.
type Service struct {
	db    *store.DB
	audit *audit.Log
	cfg   Config
	files *dayFiles // SQLite
	// parts remembers the PostgreSQL partitions known to exist.
	parts    sync.Map
	now      func() time.Time
	counters Counters
}

// New returns the store over db (the main database, for scope and, on
// PostgreSQL, the events themselves).
func New(db *store.DB, log *audit.Log, cfg Config) *Service {
	if cfg.RetentionDays <= 0 {
		cfg.RetentionDays = DefaultRetentionDays
	}
	s := &Service{db: db, audit: log, cfg: cfg, now: time.Now}
	if db.Engine == store.SQLite {
		if cfg.Dir == "" {
			s.cfg.Dir = filepath.Join(filepath.Dir(db.Location()), "events")
		}
		s.files = newDayFiles(s.cfg.Dir)
	}
	return s
}

// Close closes the open day files.
func (s *Service) Close() error {
	if s.files != nil {
		return s.files.closeAll()
	}
	return nil
}

// RetentionDays is the retention in force.
func (s *Service) RetentionDays() int { return s.cfg.RetentionDays }

// Day is a UTC calendar day, "2006-01-02".
const dayLayout = "2006-01-02"

// DayOf is the storage day of a received time.
func DayOf(received time.Time) string { return received.UTC().Format(dayLayout) }

// parseDay reads a day name; ok is false for anything else.
func parseDay(s string) (time.Time, bool) {
	t, err := time.Parse(dayLayout, s)
	if err != nil || t.Format(dayLayout) != s {
		return time.Time{}, false
	}
	return t, true
}

// oldestKept is the first day retention keeps at now.
func (s *Service) oldestKept(now time.Time) string {
	return now.UTC().AddDate(0, 0, -(s.cfg.RetentionDays - 1)).Format(dayLayout)
}

func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("logstore: %s: %w", op, err)
}
