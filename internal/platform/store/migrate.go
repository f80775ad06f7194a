package store

import (
	"bufio"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migration is one numbered schema step, with its SQL for the open engine.
// Released migrations are never edited: a change is a new migration.
type Migration struct {
	Version int
	Name    string // "0004_repair_edited"
	File    string // "0004_repair_edited.sqlite.sql"
	SQL     string
	// Checksum is the SHA-256 of SQL, stored with the applied migration.
	Checksum string
	// Expand reports that the migration only adds (tables, columns with
	// defaults, indexes, triggers), so a khien built for the schema before
	// it still runs on the schema after it. Declared by the file's header
	// line "-- compat: expand" ("-- compat: breaking", or no header, means
	// it does not).
	Expand bool
}

// Migrations lists the steps for engine in order.
func Migrations(engine Engine) ([]Migration, error) {
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	var out []Migration
	suffix := "." + string(engine) + ".sql"
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, suffix) {
			continue
		}
		m, err := readMigration(name, suffix)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	for i, m := range out {
		if m.Version != i+1 {
			return nil, fmt.Errorf("store: migrations are not numbered 1..n (found %d at position %d)", m.Version, i+1)
		}
	}
	return out, nil
}

func readMigration(file, suffix string) (Migration, error) {
	num, _, ok := strings.Cut(file, "_")
	if !ok {
		return Migration{}, fmt.Errorf("store: migration %s has no number", file)
	}
	v, err := strconv.Atoi(num)
	if err != nil {
		return Migration{}, fmt.Errorf("store: migration %s: %w", file, err)
	}
	body, err := migrationFiles.ReadFile("migrations/" + file)
	if err != nil {
		return Migration{}, err
	}
	expand, err := compatHeader(string(body))
	if err != nil {
		return Migration{}, fmt.Errorf("store: migration %s: %w", file, err)
	}
	sum := sha256.Sum256(body)
	return Migration{Version: v, Name: strings.TrimSuffix(file, suffix), File: file, SQL: string(body),
		Checksum: hex.EncodeToString(sum[:]), Expand: expand}, nil
}

// HasCompatHeader reports whether the migration declares its
// compatibility (every migration from 0004 on must).
func HasCompatHeader(sql string) bool {
	_, found := findCompat(sql)
	return found
}

func compatHeader(sql string) (expand bool, err error) {
	v, found := findCompat(sql)
	switch {
	case !found || v == "breaking":
		return false, nil
	case v == "expand":
		return true, nil
	}
	return false, fmt.Errorf("compat header %q is neither expand nor breaking", v)
}

// findCompat reads "-- compat: VALUE" among the leading comment lines.
func findCompat(sql string) (string, bool) {
	sc := bufio.NewScanner(strings.NewReader(sql))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(line, "--") {
			return "", false
		}
		if v, ok := strings.CutPrefix(strings.TrimSpace(strings.TrimPrefix(line, "--")), "compat:"); ok {
			return strings.TrimSpace(v), true
		}
	}
	return "", false
}

// compatibleFrom is the lowest binary schema that may use a database at
// version, as far as ms (this binary's migrations) know: the last breaking
// migration at or below version.
func compatibleFrom(ms []Migration, version int) int {
	from := min(version, 1)
	for _, m := range ms {
		if m.Version > version {
			break
		}
		if !m.Expand {
			from = m.Version
		}
	}
	return from
}

// Migrate applies every pending migration, each in its own transaction.
// It refuses a database that this binary may not use (see CheckSchema) or
// whose applied migrations differ from this binary's files. It returns
// how many ran.
func (db *DB) Migrate(ctx context.Context) (int, error) {
	ms, err := Migrations(db.Engine)
	if err != nil {
		return 0, err
	}
	return db.MigrateTo(ctx, len(ms))
}

// MigrateTo applies the pending migrations up to target (tests build
// databases of an older schema with it).
func (db *DB) MigrateTo(ctx context.Context, target int) (int, error) {
	ms, err := Migrations(db.Engine)
	if err != nil {
		return 0, err
	}
	if err := db.recordBookkeeping(ctx, ms); err != nil {
		return 0, err
	}
	s, err := db.ReadSchema(ctx)
	if err != nil {
		return 0, err
	}
	if err := verifyChecksums(ms, s.Applied); err != nil {
		return 0, err
	}
	if v := Judge(len(ms), s.Version, s.CompatibleFrom); v == TooOld {
		return 0, &SchemaError{Verdict: v, Database: s.Version, Binary: len(ms), CompatibleFrom: s.CompatibleFrom}
	}
	applied := 0
	for _, m := range ms[min(s.Version, target):min(target, len(ms))] {
		if err := db.apply(ctx, ms, m); err != nil {
			return applied, fmt.Errorf("store: migration %d (%s): %w", m.Version, m.File, err)
		}
		applied++
	}
	if target >= len(ms) {
		return applied, db.checkShape(ctx)
	}
	return applied, nil
}

// apply runs one migration and records it with its checksum and the
// lowest binary schema that may use the result.
func (db *DB) apply(ctx context.Context, ms []Migration, m Migration) error {
	return db.WithTx(ctx, func(ctx context.Context, tx *Tx) error {
		if db.Engine == Postgres {
			// Serialise concurrent starters on the same database.
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(7291001)`); err != nil {
				return err
			}
		}
		var done int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = $1`, m.Version).Scan(&done); err != nil {
			return err
		}
		if done > 0 {
			return nil
		}
		if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at, checksum, compatible_from) VALUES ($1, $2, $3, $4, $5)`,
			m.Version, m.Name, Now(), m.Checksum, compatibleFrom(ms, m.Version))
		return err
	})
}

// LatestVersion is the schema version this binary writes.
func LatestVersion(engine Engine) int {
	ms, err := Migrations(engine)
	if err != nil {
		return 0
	}
	return len(ms)
}
