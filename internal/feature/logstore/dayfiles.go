package logstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
)

// On SQLite, each UTC day is a database file of its own, made when its
// first event arrives; retention deletes the file.

// dayVersion is the version of daySchema, kept in the file's user_version:
// a file from a newer khien is refused, an older one is brought up to date
// here (none yet).
const dayVersion = 1

// daySchema is one day file's schema. seq orders events as stored; id is
// the record's id (unique: a redelivered batch stores nothing twice). The
// trigger keeps the full-text index of the originals and the per-agency
// counts in step with what was actually inserted (an ignored duplicate
// fires nothing).
const daySchema = `
CREATE TABLE log_events (
	seq INTEGER PRIMARY KEY,
	id TEXT NOT NULL UNIQUE,
	agency_id INTEGER NOT NULL,
	system_id INTEGER NOT NULL DEFAULT 0,
	receiver TEXT NOT NULL DEFAULT '',
	sender TEXT NOT NULL DEFAULT '',
	source TEXT NOT NULL DEFAULT '',
	received TEXT NOT NULL,
	event_time TEXT NOT NULL DEFAULT '',
	host_name TEXT NOT NULL DEFAULT '',
	user_name TEXT NOT NULL DEFAULT '',
	source_ip TEXT NOT NULL DEFAULT '',
	event_code TEXT NOT NULL DEFAULT '',
	product TEXT NOT NULL DEFAULT '',
	categories TEXT NOT NULL DEFAULT '',
	services TEXT NOT NULL DEFAULT '',
	fields TEXT NOT NULL,
	original TEXT NOT NULL,
	size INTEGER NOT NULL
);
CREATE INDEX log_events_received ON log_events (received);
CREATE INDEX log_events_agency ON log_events (agency_id, received);
CREATE VIRTUAL TABLE log_events_fts USING fts5(original, content='log_events', content_rowid='seq');
CREATE TABLE log_agency_stats (
	agency_id INTEGER PRIMARY KEY,
	events INTEGER NOT NULL,
	bytes INTEGER NOT NULL
);
CREATE TRIGGER log_events_added AFTER INSERT ON log_events BEGIN
	INSERT INTO log_events_fts (rowid, original) VALUES (new.seq, new.original);
	INSERT INTO log_agency_stats (agency_id, events, bytes) VALUES (new.agency_id, 1, new.size)
		ON CONFLICT (agency_id) DO UPDATE SET events = events + 1, bytes = bytes + excluded.bytes;
END;
PRAGMA user_version = 1;
`

// dayDB is one open day file: one writer connection and a few readers.
type dayDB struct {
	write, read *sql.DB
}

func (d *dayDB) close() error {
	return errors.Join(d.write.Close(), d.read.Close())
}

// dayFiles keeps the open day files of one folder.
type dayFiles struct {
	dir  string
	mu   sync.Mutex
	open map[string]*dayDB
}

func newDayFiles(dir string) *dayFiles { return &dayFiles{dir: dir, open: map[string]*dayDB{}} }

func (f *dayFiles) path(day string) string { return filepath.Join(f.dir, day+".db") }

func dayDSN(path string, readOnly bool) string {
	q := "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=cache_size(-32000)&_pragma=temp_store(MEMORY)&_txlock=immediate"
	if readOnly {
		q = "_pragma=busy_timeout(10000)&_pragma=query_only(1)"
	}
	return "file:" + strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path) + "?" + q
}

// get returns the open day file, opening it; create says a missing file
// is made (writes) rather than reported absent (reads: ok false).
func (f *dayFiles) get(ctx context.Context, day string, create bool) (*dayDB, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if d, ok := f.open[day]; ok {
		return d, true, nil
	}
	path := f.path(day)
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		if !create {
			return nil, false, nil
		}
		if err := os.MkdirAll(f.dir, 0o700); err != nil {
			return nil, false, fmt.Errorf("create %s: %w", f.dir, err)
		}
	}
	d, err := openDay(ctx, path)
	if err != nil {
		return nil, false, err
	}
	f.open[day] = d
	return d, true, nil
}

func openDay(ctx context.Context, path string) (*dayDB, error) {
	w, err := sql.Open("sqlite", dayDSN(path, false))
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxIdleTime(0)
	var v int
	if err := w.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&v); err != nil {
		w.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	switch {
	case v > dayVersion:
		w.Close()
		return nil, fmt.Errorf("%s has day schema %d, newer than this khien's %d", path, v, dayVersion)
	case v == 0:
		if _, err := w.ExecContext(ctx, daySchema); err != nil {
			w.Close()
			return nil, fmt.Errorf("create schema of %s: %w", path, err)
		}
	}
	r, err := sql.Open("sqlite", dayDSN(path, true))
	if err != nil {
		w.Close()
		return nil, err
	}
	r.SetMaxOpenConns(4)
	r.SetMaxIdleConns(4)
	return &dayDB{write: w, read: r}, nil
}

// days lists the days that have a file, oldest first.
func (f *dayFiles) days() ([]string, error) {
	entries, err := os.ReadDir(f.dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".db")
		if _, valid := parseDay(name); ok && valid && !e.IsDir() {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out, nil
}

// size is the bytes a day's files take on disk (the database and its
// write-ahead log).
func (f *dayFiles) size(day string) int64 {
	var n int64
	for _, suffix := range []string{"", "-wal"} {
		if st, err := os.Stat(f.path(day) + suffix); err == nil {
			n += st.Size()
		}
	}
	return n
}

// remove closes and deletes a day's files.
func (f *dayFiles) remove(day string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if d, ok := f.open[day]; ok {
		delete(f.open, day)
		if err := d.close(); err != nil {
			return err
		}
	}
	for _, suffix := range []string{"-wal", "-shm", ""} {
		if err := os.Remove(f.path(day) + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return nil
}

func (f *dayFiles) closeAll() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	var errs []error
	for day, d := range f.open {
		errs = append(errs, d.close())
		delete(f.open, day)
	}
	return errors.Join(errs...)
}
