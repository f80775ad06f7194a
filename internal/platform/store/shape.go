package store

import (
	"context"
	"fmt"
)

// ShapeError is a database that says it is at a schema version but lacks
// what a released migration gained after its release (0001 and 0002 were
// edited in place before checksums were kept). Migration 0004 repairs what
// SQL can repair idempotently; what it cannot is refused here, by name.
type ShapeError struct {
	Table, Column string
	Migration     string // the migration that was edited
	Problem       string
}

func (e *ShapeError) Error() string {
	return fmt.Sprintf("the database %s %s.%s, which migration %s gained after its release: it was created by a development build from before that change, "+
		"and this cannot be repaired automatically; export its registry as CSV (khien's API or UI) with the build that created it and import it into a new database",
		e.Problem, e.Table, e.Column, e.Migration)
}

// editedColumns are the columns added to released migrations in place.
// Those with a decl hold a constant default and are added where missing
// (PostgreSQL's migration 0004 already does; SQLite cannot say "ADD
// COLUMN IF NOT EXISTS"); the others are derived from other tables and
// are refused.
var editedColumns = []struct{ table, column, migration, decl string }{
	{"systems", "agency_path", "0001_init", ""},
	{"systems", "url_count", "0001_init", ""},
	{"systems", "assets", "0001_init", ""},
	{"findings", "detail_en", "0002_sites", "TEXT NOT NULL DEFAULT ''"},
	{"labels", "reason_en", "0002_sites", "TEXT NOT NULL DEFAULT ''"},
	{"label_events", "reason_en", "0002_sites", "TEXT NOT NULL DEFAULT ''"},
}

// checkShape brings a database to the columns that released migrations
// gained after their release where a constant default allows it, and
// refuses it otherwise (see ShapeError). It runs once the database is at
// this binary's schema or newer.
func (db *DB) checkShape(ctx context.Context) error {
	for _, c := range editedColumns {
		ok, _, err := db.columnInfo(ctx, db.write, c.table, c.column)
		if err != nil {
			return err
		}
		if ok {
			continue
		}
		if c.decl == "" {
			return &ShapeError{Table: c.table, Column: c.column, Migration: c.migration, Problem: "lacks the column"}
		}
		err = db.WithTx(ctx, func(ctx context.Context, tx *Tx) error { return db.addColumn(ctx, tx, c.table, c.column, c.decl) })
		if err != nil {
			return fmt.Errorf("store: add %s.%s (missing from an edited migration %s): %w", c.table, c.column, c.migration, err)
		}
	}
	_, notNull, err := db.columnInfo(ctx, db.write, "scans", "site_id")
	if err != nil {
		return err
	}
	if notNull {
		return &ShapeError{Table: "scans", Column: "site_id", Migration: "0002_sites", Problem: "still has NOT NULL on"}
	}
	return nil
}
