package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/store/storetest"
)

// violationKinds are the classifiers under test, by name.
var violationKinds = []struct {
	name string
	is   func(error) bool
}{
	{"unique", store.IsUniqueViolation},
	{"foreign key", store.IsForeignKeyViolation},
	{"check", store.IsCheckViolation},
	{"not null", store.IsNotNullViolation},
}

// errorsSchema is a small schema of its own, so that these tests do not
// depend on the shape of Khiên's tables. The same text runs on both engines.
var errorsSchema = []string{
	`CREATE TABLE errt_parent (
		id INTEGER PRIMARY KEY,
		name TEXT NOT NULL UNIQUE,
		code TEXT,
		qty INTEGER CHECK (qty >= 0)
	)`,
	`CREATE UNIQUE INDEX errt_parent_code ON errt_parent (code)`,
	`CREATE TABLE errt_child (
		id INTEGER PRIMARY KEY,
		parent_id INTEGER NOT NULL REFERENCES errt_parent (id)
	)`,
	`CREATE TABLE errt_late (
		id INTEGER PRIMARY KEY,
		parent_id INTEGER REFERENCES errt_parent (id) DEFERRABLE INITIALLY DEFERRED
	)`,
	`CREATE TABLE errt_keyed (k TEXT PRIMARY KEY)`,
	`INSERT INTO errt_parent (id, name, code, qty) VALUES (1, 'a', 'c1', 1)`,
	`INSERT INTO errt_child (id, parent_id) VALUES (1, 1)`,
	`INSERT INTO errt_keyed (k) VALUES ('k')`,
}

// noisySchema makes a statement fail with a message that reads like a
// unique violation but is not one: a trigger on SQLite, a function on
// PostgreSQL.
var noisySchema = map[store.Engine][]string{
	store.SQLite: {
		`CREATE TABLE errt_noisy (x INTEGER)`,
		`CREATE TRIGGER errt_noisy_insert BEFORE INSERT ON errt_noisy
		BEGIN SELECT RAISE(ABORT, 'UNIQUE constraint failed: errt_noisy.x'); END`,
	},
	store.Postgres: {
		`CREATE TABLE errt_noisy (x INTEGER)`,
		`CREATE FUNCTION errt_noisy_insert() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN RAISE EXCEPTION 'UNIQUE constraint failed: errt_noisy.x (SQLSTATE 23505)'; END $$`,
		`CREATE TRIGGER errt_noisy_insert BEFORE INSERT ON errt_noisy
		FOR EACH ROW EXECUTE FUNCTION errt_noisy_insert()`,
	},
}

func TestConstraintViolationsAreClassifiedByCode(t *testing.T) {
	cases := []struct {
		name       string
		stmt       string
		inTx       bool   // run in WithTx: deferred checks fail at COMMIT
		kind       string // "" for none of the kinds
		sqliteCode int
		pgCode     string
	}{
		{"unique column", `INSERT INTO errt_parent (id, name) VALUES (2, 'a')`, false, "unique", sqlite3.SQLITE_CONSTRAINT_UNIQUE, "23505"},
		{"unique index", `INSERT INTO errt_parent (id, name, code) VALUES (2, 'b', 'c1')`, false, "unique", sqlite3.SQLITE_CONSTRAINT_UNIQUE, "23505"},
		{"integer primary key", `INSERT INTO errt_parent (id, name) VALUES (1, 'b')`, false, "unique", sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY, "23505"},
		{"text primary key", `INSERT INTO errt_keyed (k) VALUES ('k')`, false, "unique", sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY, "23505"},
		{"unique in transaction", `INSERT INTO errt_keyed (k) VALUES ('k')`, true, "unique", sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY, "23505"},
		{"foreign key on insert", `INSERT INTO errt_child (id, parent_id) VALUES (2, 99)`, false, "foreign key", sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY, "23503"},
		{"foreign key on delete", `DELETE FROM errt_parent WHERE id = 1`, false, "foreign key", sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY, "23503"},
		{"deferred foreign key at commit", `INSERT INTO errt_late (id, parent_id) VALUES (1, 99)`, true, "foreign key", sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY, "23503"},
		{"check", `INSERT INTO errt_parent (id, name, qty) VALUES (2, 'b', -1)`, false, "check", sqlite3.SQLITE_CONSTRAINT_CHECK, "23514"},
		{"not null", `INSERT INTO errt_parent (id, name) VALUES (2, NULL)`, false, "not null", sqlite3.SQLITE_CONSTRAINT_NOTNULL, "23502"},
		{"unique text from a trigger", `INSERT INTO errt_noisy (x) VALUES (1)`, false, "", sqlite3.SQLITE_CONSTRAINT_TRIGGER, "P0001"},
		{"syntax error", `INSERT INTO errt_parent VALUES (`, false, "", sqlite3.SQLITE_ERROR, "42601"},
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		for _, stmt := range append(errorsSchema, noisySchema[db.Engine]...) {
			if _, err := db.Writer().ExecContext(ctx, stmt); err != nil {
				t.Fatalf("schema: %v\n%s", err, stmt)
			}
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				err := provoke(ctx, db, tc.stmt, tc.inTx)
				if err == nil {
					t.Fatalf("%s: no error", tc.stmt)
				}
				checkDriverCode(t, db.Engine, err, tc.sqliteCode, tc.pgCode)
				wrapped := fmt.Errorf("registry: create system %q: %w", "x", fmt.Errorf("store: %w", err))
				joined := errors.Join(errors.New("other"), err)
				for _, e := range []error{err, wrapped, joined} {
					for _, k := range violationKinds {
						if got, want := k.is(e), k.name == tc.kind; got != want {
							t.Errorf("Is %s violation = %v, want %v for %v", k.name, got, want, e)
						}
					}
				}
			})
		}
	})
}

// provoke runs stmt, in a write transaction when inTx, and returns its error.
func provoke(ctx context.Context, db *store.DB, stmt string, inTx bool) error {
	if !inTx {
		_, err := db.Writer().ExecContext(ctx, stmt)
		return err
	}
	return db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		_, err := tx.ExecContext(ctx, stmt)
		return err
	})
}

// checkDriverCode asserts the code the driver itself reports, so that a
// driver that stops giving SQLite's extended result codes fails here.
func checkDriverCode(t *testing.T, engine store.Engine, err error, sqliteCode int, pgCode string) {
	t.Helper()
	switch engine {
	case store.SQLite:
		liteErr, ok := errors.AsType[*sqlite.Error](err)
		if !ok {
			t.Fatalf("not a *sqlite.Error: %T %v", err, err)
		}
		if liteErr.Code() != sqliteCode {
			t.Errorf("sqlite code = %d, want %d (%v)", liteErr.Code(), sqliteCode, err)
		}
	case store.Postgres:
		pgErr, ok := errors.AsType[*pgconn.PgError](err)
		if !ok {
			t.Fatalf("not a *pgconn.PgError: %T %v", err, err)
		}
		if pgErr.Code != pgCode {
			t.Errorf("SQLSTATE = %s, want %s (%v)", pgErr.Code, pgCode, err)
		}
	}
}

func TestViolationsIgnoreMessageText(t *testing.T) {
	cases := []struct {
		name string
		err  error
	}{
		{"nil", nil},
		{"no rows", sql.ErrNoRows},
		{"sqlite unique text", errors.New("constraint failed: UNIQUE constraint failed: users.email (2067)")},
		{"sqlite foreign key text", errors.New("FOREIGN KEY constraint failed")},
		{"sqlite check text", errors.New("CHECK constraint failed: qty >= 0")},
		{"sqlite not null text", errors.New("NOT NULL constraint failed: users.email")},
		{"postgres unique text", errors.New(`ERROR: duplicate key value violates unique constraint "users_email_key" (SQLSTATE 23505)`)},
		{"postgres foreign key text", errors.New("ERROR: insert or update violates foreign key constraint (SQLSTATE 23503)")},
		{"wrapped unique text", fmt.Errorf("auth: create user: %w", errors.New("UNIQUE constraint failed: users.email"))},
		{"store kind", store.ErrConflict},
		{"postgres other class", &pgconn.PgError{Code: "40001", Message: "UNIQUE constraint failed"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, k := range violationKinds {
				if k.is(tc.err) {
					t.Errorf("Is %s violation = true for %v", k.name, tc.err)
				}
			}
		})
	}
}

func TestPostgresCodesAreClassifiedWhenWrapped(t *testing.T) {
	// Built by hand so that this runs without a server too; the real
	// errors are provoked above when KHIEN_TEST_POSTGRES is set.
	cases := []struct {
		code string
		kind string
	}{
		{"23505", "unique"},
		{"23503", "foreign key"},
		{"23514", "check"},
		{"23502", "not null"},
		{"23P01", ""}, // exclusion_violation: a constraint, but none of ours
	}
	for _, tc := range cases {
		t.Run(tc.code, func(t *testing.T) {
			err := fmt.Errorf("store: commit: %w", &pgconn.PgError{Code: tc.code})
			for _, k := range violationKinds {
				if got, want := k.is(err), k.name == tc.kind; got != want {
					t.Errorf("Is %s violation = %v, want %v", k.name, got, want)
				}
			}
		})
	}
}
