package store

import (
	"context"
	"errors"
	"fmt"
)

// The rule for upgrades (docs/operations.md, "Upgrades"): a khien built
// for schema B may use a database at schema V whose compatible_from is C
// when V == B, or when V > B and C <= B (every migration after B was
// expand-only). A database behind the binary (0 < V < B) is migrated only
// by `khien migrate` or a start with --migrate; an empty one (V == 0) is
// created at first start.

// Verdict is what a binary may do with a database's schema.
type Verdict int

// The verdicts of Judge.
const (
	Empty   Verdict = iota // no schema yet: create it
	Current                // the binary's own schema
	Behind                 // older than the binary: needs khien migrate
	Ahead                  // newer, but expand-only since the binary's schema: may run
	TooOld                 // newer, and this binary is older than compatible_from: refuse
)

// Judge applies the rule to a binary of schema binary and a database at
// version whose compatible_from is from.
func Judge(binary, version, from int) Verdict {
	switch {
	case version == 0:
		return Empty
	case version == binary:
		return Current
	case version < binary:
		return Behind
	case from <= binary:
		return Ahead
	}
	return TooOld
}

// String names v in messages and `khien version`.
func (v Verdict) String() string {
	return [...]string{"empty", "current", "behind", "newer, compatible", "newer, incompatible"}[v]
}

// SchemaError is a database this binary may not use as it stands.
type SchemaError struct {
	Verdict        Verdict
	Database       int // the database's schema
	Binary         int // this binary's schema
	CompatibleFrom int // lowest binary schema the database allows
}

func (e *SchemaError) Error() string {
	if e.Verdict == Behind {
		return fmt.Sprintf("the database is at schema %d, this khien needs %d: run `khien migrate` (or start with --migrate)", e.Database, e.Binary)
	}
	return fmt.Sprintf("the database is at schema %d, newer than this khien (schema %d), and needs a khien of schema %d or later: upgrade khien", e.Database, e.Binary, e.CompatibleFrom)
}

// ChecksumError is an applied migration whose file in this binary differs
// from what was applied: a released migration was edited.
type ChecksumError struct {
	Version        int
	File           string
	Stored, Binary string
}

func (e *ChecksumError) Error() string {
	return fmt.Sprintf("migration %d (%s) in this khien differs from the one applied to this database (checksum %.12s…, applied %.12s…): "+
		"a released migration was edited, so the schema may not be what this khien expects; refusing to start (see docs/operations.md, Upgrades)",
		e.Version, e.File, e.Binary, e.Stored)
}

// AppliedMigration is one row of schema_migrations.
type AppliedMigration struct {
	Version        int
	Name           string
	Checksum       string // "" when applied before checksums were kept
	CompatibleFrom int    // 0 when applied before it was kept
}

// Schema is the state of a database's schema.
type Schema struct {
	Version        int // highest applied migration; 0 for an empty database
	CompatibleFrom int // lowest binary schema that may use the database
	Applied        []AppliedMigration
}

// ReadSchema reads the database's schema state without changing anything.
func (db *DB) ReadSchema(ctx context.Context) (Schema, error) {
	var s Schema
	exists, err := db.hasTable(ctx, "schema_migrations")
	if err != nil || !exists {
		return s, err
	}
	cols := `version, name, '', 0`
	if ok, err := db.hasColumn(ctx, "schema_migrations", "compatible_from"); err != nil {
		return s, err
	} else if ok {
		cols = `version, name, checksum, compatible_from`
	}
	rows, err := db.write.QueryContext(ctx, `SELECT `+cols+` FROM schema_migrations ORDER BY version`)
	if err != nil {
		return s, fmt.Errorf("store: read schema_migrations: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var a AppliedMigration
		if err := rows.Scan(&a.Version, &a.Name, &a.Checksum, &a.CompatibleFrom); err != nil {
			return s, fmt.Errorf("store: read schema_migrations: %w", err)
		}
		s.Applied = append(s.Applied, a)
		s.Version = a.Version
		// Unknown (recorded before it was kept): only this version is safe.
		s.CompatibleFrom = a.CompatibleFrom
		if s.CompatibleFrom == 0 {
			s.CompatibleFrom = a.Version
		}
	}
	return s, rows.Err()
}

// SchemaVersion returns the highest applied migration (0 for a new database).
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	s, err := db.ReadSchema(ctx)
	return s.Version, err
}

// verifyChecksums refuses an applied migration whose stored checksum
// differs from this binary's file. Migrations newer than the binary and
// rows without a checksum are not compared.
func verifyChecksums(ms []Migration, applied []AppliedMigration) error {
	for _, a := range applied {
		if a.Version < 1 || a.Version > len(ms) || a.Checksum == "" {
			continue
		}
		if m := ms[a.Version-1]; m.Checksum != a.Checksum {
			return &ChecksumError{Version: m.Version, File: m.File, Stored: a.Checksum, Binary: m.Checksum}
		}
	}
	return nil
}

// CheckSchema reports whether this binary may use the database as it
// stands: the verdict, and an error (*SchemaError, *ChecksumError) when it
// may not. An empty database is Empty with no error.
func (db *DB) CheckSchema(ctx context.Context) (Schema, Verdict, error) {
	ms, err := Migrations(db.Engine)
	if err != nil {
		return Schema{}, 0, err
	}
	s, err := db.ReadSchema(ctx)
	if err != nil {
		return s, 0, err
	}
	if err := verifyChecksums(ms, s.Applied); err != nil {
		return s, 0, err
	}
	v := Judge(len(ms), s.Version, s.CompatibleFrom)
	if v == Behind || v == TooOld {
		return s, v, &SchemaError{Verdict: v, Database: s.Version, Binary: len(ms), CompatibleFrom: s.CompatibleFrom}
	}
	return s, v, nil
}

// EnsureSchema is the start-up check of serve and worker: an empty
// database is created; one behind the binary is migrated only when
// migrate is set, refused otherwise; a newer one is used only if the rule
// allows it; an edited migration is refused. Checksums and
// compatible_from missing from rows applied by an older khien are
// recorded. It returns how many migrations ran.
func (db *DB) EnsureSchema(ctx context.Context, migrate bool) (int, error) {
	_, v, err := db.CheckSchema(ctx)
	var se *SchemaError
	switch {
	case v == Empty && err == nil, errors.As(err, &se) && se.Verdict == Behind && migrate:
		return db.Migrate(ctx)
	case err != nil:
		return 0, err
	}
	ms, err := Migrations(db.Engine)
	if err != nil {
		return 0, err
	}
	if err := db.recordBookkeeping(ctx, ms); err != nil {
		return 0, err
	}
	return 0, db.checkShape(ctx)
}

// recordBookkeeping creates schema_migrations, adds the checksum and
// compatible_from columns to one made by an older khien, and fills them
// in for rows applied before they were kept (from this binary's files:
// the first start of a khien that keeps checksums records them).
func (db *DB) recordBookkeeping(ctx context.Context, ms []Migration) error {
	err := db.WithTx(ctx, func(ctx context.Context, tx *Tx) error {
		if db.Engine == Postgres {
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(7291001)`); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`); err != nil {
			return err
		}
		for _, col := range []struct{ name, decl string }{{"checksum", "TEXT NOT NULL DEFAULT ''"}, {"compatible_from", "INTEGER NOT NULL DEFAULT 0"}} {
			if err := db.addColumn(ctx, tx, "schema_migrations", col.name, col.decl); err != nil {
				return err
			}
		}
		for _, m := range ms {
			if _, err := tx.ExecContext(ctx, `UPDATE schema_migrations SET checksum = $1 WHERE version = $2 AND checksum = ''`, m.Checksum, m.Version); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE schema_migrations SET compatible_from = $1 WHERE version = $2 AND compatible_from = 0`, compatibleFrom(ms, m.Version), m.Version); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: schema_migrations: %w", err)
	}
	return nil
}
