package store_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/store/storetest"
)

func TestMigrationsAreIdempotentAndGuarded(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			ctx := context.Background()
			db, err := store.Open(ctx, storetest.DSN(t, engine))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			n, err := db.Migrate(ctx)
			if err != nil || n != store.LatestVersion(engine) {
				t.Fatalf("first migrate: %d %v", n, err)
			}
			if n, err = db.Migrate(ctx); err != nil || n != 0 {
				t.Fatalf("second migrate: %d %v", n, err)
			}
			// A database from a newer Khiên is refused.
			if _, err := db.Writer().Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 'x')`); err != nil {
				t.Fatal(err)
			}
			if _, err := db.Migrate(ctx); err == nil || !strings.Contains(err.Error(), "newer") {
				t.Fatalf("newer schema: %v", err)
			}
		})
	}
}

func TestWithTxRollsBackAndNests(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		boom := errors.New("boom")
		err := db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
			if _, err := tx.Exec(`INSERT INTO agencies (code, name, path, created_at, updated_at) VALUES ('T1', 't', '/x/', 'a', 'a')`); err != nil {
				return err
			}
			// A nested call joins the outer transaction.
			return db.WithTx(ctx, func(ctx context.Context, inner *store.Tx) error {
				if inner != tx {
					t.Error("nested WithTx opened a second transaction")
				}
				return boom
			})
		})
		if !errors.Is(err, boom) {
			t.Fatalf("err = %v", err)
		}
		var n int
		if err := db.Reader().QueryRow(`SELECT COUNT(*) FROM agencies`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("rolled-back insert is visible: %d %v", n, err)
		}
	})
}

func TestBackupAndRestore(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := storetest.Open(t, store.SQLite)
	if _, err := db.Writer().Exec(`INSERT INTO agencies (code, name, path, created_at, updated_at) VALUES ('B1', 'Sở', '/1/', 'a', 'a')`); err != nil {
		t.Fatal(err)
	}
	snap := filepath.Join(dir, "snap.db")
	if err := db.Backup(ctx, snap); err != nil {
		t.Fatal(err)
	}
	if err := db.Backup(ctx, snap); err == nil {
		t.Fatal("backup overwrote an existing file")
	}
	if v, err := store.CheckSQLiteFile(ctx, snap); err != nil || v != store.LatestVersion(store.SQLite) {
		t.Fatalf("check snapshot: %d %v", v, err)
	}
	target := filepath.Join(dir, "restored", "khien.db")
	if err := store.RestoreSQLiteFile(ctx, snap, target); err != nil {
		t.Fatal(err)
	}
	r, err := store.Open(ctx, target)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var code string
	if err := r.Reader().QueryRow(`SELECT code FROM agencies`).Scan(&code); err != nil || code != "B1" {
		t.Fatalf("restored data: %q %v", code, err)
	}
	// A file that is not a Khiên database is refused.
	if err := store.RestoreSQLiteFile(ctx, filepath.Join(dir, "nope.db"), target); err == nil {
		t.Fatal("restored a missing file")
	}
}

func TestParseTimeMatchesTimeParse(t *testing.T) {
	for _, s := range []string{"2026-11-26T23:16:50.123456Z", "2024-02-29T00:00:00.000000Z", "1999-12-31T23:59:60.999999Z", "2026-02-31T10:00:00.000000Z", "2026-11-26T23:16:5x.000000Z", "2026-13-01T00:00:00.000000Z", "2026-11-26T23:16:50Z", "", "garbage-garbage-garbage-xx"} {
		want, err := time.Parse(store.TimeLayout, s)
		if err != nil {
			want = time.Time{}
		}
		if got := store.ParseTime(s); !got.Equal(want) {
			t.Errorf("ParseTime(%q) = %v, want %v", s, got, want)
		}
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	if got := store.ParseTime(store.FormatTime(now)); !got.Equal(now) {
		t.Errorf("round trip: %v != %v", got, now)
	}
}

// TestSQLitePathsWithURICharacters: a data folder whose name holds '#',
// '?' or '%' opens the database inside it, not a file cut at that sign.
func TestSQLitePathsWithURICharacters(t *testing.T) {
	ctx := context.Background()
	for _, name := range []string{"a#1", "b?x=1", "c%20d", "Sở KH&CN"} {
		dir := filepath.Join(t.TempDir(), name)
		if err := os.MkdirAll(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, "khien.db")
		db, err := store.Open(ctx, path)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if _, err := db.Migrate(ctx); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		db.Close()
		if _, err := os.Stat(path); err != nil {
			t.Errorf("%s: the database is not where it was asked for: %v", name, err)
		}
	}
}
