package audit_test

import (
	"context"
	"strings"
	"testing"

	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/audit"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/store/storetest"
)

func record(t *testing.T, log *audit.Log, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		if err := log.Record(context.Background(), access.System, audit.Create, "agency", i, nil, map[string]int{"i": i}); err != nil {
			t.Fatal(err)
		}
	}
}

func TestAnchorsCatchAnEmptiedOrShortenedLog(t *testing.T) {
	for _, c := range []struct {
		name   string
		remove func(t *testing.T, db *store.DB)
		want   string
	}{
		{"emptied", func(t *testing.T, db *store.DB) {
			if db.Engine == store.Postgres {
				// TRUNCATE is refused by its own trigger; an owner who drops it can.
				if _, err := db.Writer().Exec(`TRUNCATE audit_log`); err == nil || !strings.Contains(err.Error(), "append-only") {
					t.Fatalf("TRUNCATE audit_log: %v", err)
				}
				execAll(t, db, `DROP TRIGGER audit_log_no_truncate ON audit_log`, `TRUNCATE audit_log`)
				return
			}
			disableGuard(t, db)
			execAll(t, db, `DELETE FROM audit_log`)
		}, "the log holds 0 entries, but its latest anchor records 4 up to entry 4"},
		{"last entries removed", func(t *testing.T, db *store.DB) {
			disableGuard(t, db)
			execAll(t, db, `DELETE FROM audit_log WHERE id > 2`)
		}, "the log holds 2 entries, but its latest anchor records 4 up to entry 4"},
		{"last entry replaced by a valid-looking one", func(t *testing.T, db *store.DB) {
			disableGuard(t, db)
			execAll(t, db, `UPDATE audit_log SET hash = (SELECT hash FROM audit_log WHERE id = 3) WHERE id = 4`)
		}, "stored hash does not match"},
	} {
		// One subtest name per case and engine: Each's names repeat ("sqlite#01"), and a '#' cuts a SQLite file: URI short.
		t.Run(c.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				ctx := context.Background()
				log := audit.New(db)
				record(t, log, 4)
				if n, broken, err := log.Verify(ctx); err != nil || broken != nil || n != 4 {
					t.Fatalf("intact log: %d %+v %v", n, broken, err)
				}
				c.remove(t, db)
				_, broken, err := log.Verify(ctx)
				if err != nil || broken == nil || !strings.Contains(broken.Reason, c.want) {
					t.Fatalf("want %q, got %+v %v", c.want, broken, err)
				}
			})
		})
	}
}

func TestAnchorsAreAppendOnly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		record(t, audit.New(db), 2)
		stmts := []string{`UPDATE audit_anchors SET entries = 0`, `DELETE FROM audit_anchors`}
		if db.Engine == store.Postgres {
			stmts = append(stmts, `TRUNCATE audit_anchors`)
		}
		for _, s := range stmts {
			if _, err := db.Writer().Exec(s); err == nil {
				t.Errorf("%s was accepted", s)
			}
		}
	})
}

func execAll(t *testing.T, db *store.DB, stmts ...string) {
	t.Helper()
	for _, s := range stmts {
		if _, err := db.Writer().Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}
