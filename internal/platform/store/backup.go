package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Backup writes a consistent snapshot of a live SQLite database to out
// (VACUUM INTO runs inside one read transaction, so writers may go on).
// PostgreSQL is backed up with pg_dump; see docs/operations.md.
func (db *DB) Backup(ctx context.Context, out string) error {
	if db.Engine != SQLite {
		return errors.New("store: backup of PostgreSQL is done with pg_dump (see docs/operations.md)")
	}
	abs, err := filepath.Abs(out)
	if err != nil {
		return err
	}
	if strings.ContainsRune(abs, 0) {
		return errors.New("store: invalid backup path")
	}
	// The snapshot holds password hashes and webhook secrets: create it
	// empty and owner-only first (VACUUM INTO accepts an empty file and
	// keeps its mode), refusing a file that already exists.
	f, err := os.OpenFile(abs, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return fmt.Errorf("store: backup target %s already exists", out)
	}
	if err != nil {
		return fmt.Errorf("store: backup to %s: %w", out, err)
	}
	if err := f.Close(); err != nil {
		os.Remove(abs)
		return fmt.Errorf("store: backup to %s: %w", out, err)
	}
	if _, err := db.write.ExecContext(ctx, `VACUUM INTO $1`, abs); err != nil {
		os.Remove(abs)
		return fmt.Errorf("store: backup to %s: %w", out, err)
	}
	return nil
}

// CheckSQLiteFile opens path read-only and checks that it is an intact
// Khiên database this binary can use; it returns the schema version.
func CheckSQLiteFile(ctx context.Context, path string) (int, error) {
	if _, err := os.Stat(path); err != nil {
		return 0, fmt.Errorf("store: %w", err)
	}
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=query_only(1)")
	if err != nil {
		return 0, err
	}
	defer db.Close()
	var res string
	if err := db.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&res); err != nil {
		return 0, fmt.Errorf("store: %s is not a SQLite database: %w", path, err)
	}
	if res != "ok" {
		return 0, fmt.Errorf("store: %s failed the integrity check: %s", path, res)
	}
	var v int
	if err := db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, fmt.Errorf("store: %s is not a Khiên database: %w", path, err)
	}
	if v > LatestVersion(SQLite) {
		return v, fmt.Errorf("store: %s has schema version %d, newer than this khien (%d)", path, v, LatestVersion(SQLite))
	}
	return v, nil
}

// RestoreSQLiteFile replaces the database at target with the snapshot src,
// after checking it. The replacement is atomic: a rename over the old file.
// Khiên must not be running on target.
func RestoreSQLiteFile(ctx context.Context, src, target string) error {
	if _, err := CheckSQLiteFile(ctx, src); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(target), 0o700); err != nil {
		return err
	}
	// CreateTemp makes the file owner-only; say so, as the database it
	// replaces may have been more open.
	tmp, err := os.CreateTemp(filepath.Dir(target), ".restore-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	in, err := os.Open(src)
	if err != nil {
		tmp.Close()
		return err
	}
	_, err = io.Copy(tmp, in)
	in.Close()
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("store: copy snapshot: %w", err)
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		if err := os.Remove(target + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	if err := os.Rename(tmp.Name(), target); err != nil {
		return fmt.Errorf("store: replace %s: %w", target, err)
	}
	return nil
}
