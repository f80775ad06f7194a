package store

import (
	"context"
	"fmt"
)

// The catalogue queries differ by engine; everything else in the schema
// bookkeeping is shared.

func (db *DB) hasTable(ctx context.Context, table string) (bool, error) {
	q := `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = $1`
	if db.Engine == Postgres {
		q = `SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1`
	}
	var n int
	if err := db.write.QueryRowContext(ctx, q, table).Scan(&n); err != nil {
		return false, fmt.Errorf("store: look for table %s: %w", table, err)
	}
	return n > 0, nil
}

// columnInfo reports whether table has column, and whether it is NOT NULL.
func (db *DB) columnInfo(ctx context.Context, q Querier, table, column string) (exists, notNull bool, err error) {
	query := `SELECT COUNT(*), COALESCE(MAX("notnull"), 0) FROM pragma_table_info($1) WHERE name = $2`
	if db.Engine == Postgres {
		query = `SELECT COUNT(*), COALESCE(MAX(CASE is_nullable WHEN 'NO' THEN 1 ELSE 0 END), 0) FROM information_schema.columns
			WHERE table_schema = current_schema() AND table_name = $1 AND column_name = $2`
	}
	var n, nn int
	if err := q.QueryRowContext(ctx, query, table, column).Scan(&n, &nn); err != nil {
		return false, false, fmt.Errorf("store: look for column %s.%s: %w", table, column, err)
	}
	return n > 0, nn > 0, nil
}

func (db *DB) hasColumn(ctx context.Context, table, column string) (bool, error) {
	ok, _, err := db.columnInfo(ctx, db.write, table, column)
	return ok, err
}

// addColumn adds a column unless it exists: PostgreSQL says so in SQL,
// SQLite is asked first.
func (db *DB) addColumn(ctx context.Context, tx *Tx, table, column, decl string) error {
	if db.Engine == Postgres {
		_, err := tx.ExecContext(ctx, fmt.Sprintf(`ALTER TABLE %s ADD COLUMN IF NOT EXISTS %s %s`, table, column, decl))
		return err
	}
	ok, _, err := db.columnInfo(ctx, tx, table, column)
	if err != nil || ok {
		return err
	}
	_, err = tx.ExecContext(ctx, fmt.Sprintf(`ALTER TABLE %s ADD COLUMN %s %s`, table, column, decl))
	return err
}
