// Package storetest opens fresh, migrated Khiên databases for tests: a
// SQLite file in the test's temporary folder always, and a new PostgreSQL
// database when KHIEN_TEST_POSTGRES holds a server URL.
package storetest

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/khien-project/khien/internal/platform/store"
)

// EnvPostgres names the variable holding the PostgreSQL test server URL.
const EnvPostgres = "KHIEN_TEST_POSTGRES"

// Engines lists the engines to test on here.
func Engines() []store.Engine {
	if os.Getenv(EnvPostgres) != "" {
		return []store.Engine{store.SQLite, store.Postgres}
	}
	return []store.Engine{store.SQLite}
}

// Each runs fn as a subtest on every available engine with a fresh,
// migrated database.
func Each(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	if os.Getenv(EnvPostgres) == "" && os.Getenv("KHIEN_TEST_REQUIRE") == "all" {
		t.Fatalf("required by KHIEN_TEST_REQUIRE=all: %s is not set, so this test would run on SQLite only (scripts/test.sh starts a PostgreSQL)", EnvPostgres)
	}
	for _, e := range Engines() {
		t.Run(string(e), func(t *testing.T) { fn(t, Open(t, e)) })
	}
}

// Open returns a fresh migrated database on engine, closed and removed
// when the test ends.
func Open(t testing.TB, engine store.Engine) *store.DB {
	t.Helper()
	dsn := DSN(t, engine)
	ctx := context.Background()
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatalf("open %s: %v", engine, err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatalf("migrate %s: %v", engine, err)
	}
	return db
}

var seq atomic.Int64

// DSN returns the location of a fresh, empty database on engine: a file
// path for SQLite, or the URL of a new PostgreSQL database dropped when the
// test ends.
func DSN(t testing.TB, engine store.Engine) string {
	t.Helper()
	if engine == store.SQLite {
		return filepath.Join(t.TempDir(), "khien.db")
	}
	base := os.Getenv(EnvPostgres)
	if base == "" {
		t.Skip(EnvPostgres + " is not set")
	}
	name := fmt.Sprintf("khien_t%d_%d", os.Getpid(), seq.Add(1))
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("postgres: %v", err)
	}
	defer admin.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("postgres: create database: %v", err)
	}
	t.Cleanup(func() {
		admin, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer admin.Close()
		if _, err := admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Logf("drop %s: %v", name, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("postgres url: %v", err)
	}
	u.Path = "/" + name
	return strings.Replace(u.String(), "postgres://", "postgres://", 1)
}
