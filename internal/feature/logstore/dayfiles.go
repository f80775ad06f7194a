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
// a file from a newer khien is refused; one of version 1 (a row per
// event) is read into blocks when opened (upgradeDay).
const dayVersion = 2

// daySchema is one day file's schema (see block.go for what a block is):
// each block keeps its records' id hashes, so that a redelivered batch
// stores nothing twice; log_agency_stats counts the events and bytes per
// agency, written with the blocks.
const daySchema = blocksTable + ";\n" + blocksIndex + `;
CREATE TABLE log_agency_stats (
	agency_id INTEGER PRIMARY KEY,
	events INTEGER NOT NULL,
	bytes INTEGER NOT NULL
);
PRAGMA user_version = 2;
`

const blocksTable = `CREATE TABLE log_blocks (
	seq INTEGER PRIMARY KEY,
	agency_id INTEGER NOT NULL,
	min_received INTEGER NOT NULL,
	max_received INTEGER NOT NULL,
	events INTEGER NOT NULL,
	bytes INTEGER NOT NULL,
	bloom BLOB NOT NULL,
	ids BLOB NOT NULL,
	data BLOB NOT NULL
)`

const blocksIndex = `CREATE INDEX log_blocks_received ON log_blocks (max_received)`

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
	// Pages of 16 KiB: a block spans a few pages rather than dozens (a
	// new file only; the page size of an existing one stays).
	q := "_pragma=page_size(16384)&_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=cache_size(-32000)&_pragma=temp_store(MEMORY)&_txlock=immediate"
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
		if err := createDay(ctx, w); err != nil {
			w.Close()
			return nil, fmt.Errorf("create schema of %s: %w", path, err)
		}
	case v == 1:
		if err := upgradeDay(ctx, w); err != nil {
			w.Close()
			return nil, fmt.Errorf("upgrade %s: %w", path, err)
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

// createDay writes the schema into a new day file, unless another process
// did it first (the check is under the file's write lock).
func createDay(ctx context.Context, w *sql.DB) error {
	tx, err := w.BeginTx(ctx, nil) // immediate: the write lock
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	var v int
	if err := tx.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&v); err != nil {
		return err
	}
	if v != 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, daySchema); err != nil {
		return err
	}
	return tx.Commit()
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
