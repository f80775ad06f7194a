package audit_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/audit"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/store/storetest"
	"github.com/khien-project/khien/internal/testkit/tamper"
)

func newKey(t *testing.T) audit.Key {
	t.Helper()
	k, err := audit.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// keyedLog binds a keyed log to db.
func keyedLog(t *testing.T, db *store.DB, k audit.Key) *audit.Log {
	t.Helper()
	log := audit.NewKeyed(db, k)
	if err := log.Bind(context.Background()); err != nil {
		t.Fatal(err)
	}
	return log
}

// An unkeyed log (written before the key) goes on keyed from the first
// new entry; both parts verify; nothing unkeyed is appended afterwards.
func TestKeyedChainFollowsUnkeyedEntries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		record(t, audit.New(db), 3)
		log := keyedLog(t, db, newKey(t))
		record(t, log, 4)
		r, err := log.Check(ctx, nil)
		if err != nil || r.Broken != nil || r.Entries != 7 || r.Keyed != 4 || r.LastInDB == nil || r.LastInDB.EntryID != 7 {
			t.Fatalf("mixed log: %+v %v", r, err)
		}
		// A process without the key neither appends nor verifies.
		if err := audit.New(db).Record(ctx, access.System, audit.Create, "agency", 9, nil, nil); !errors.Is(err, audit.ErrNoKey) {
			t.Fatalf("unkeyed append to a keyed log: %v", err)
		}
		if _, _, err := audit.New(db).Verify(ctx); !errors.Is(err, audit.ErrNoKey) {
			t.Fatalf("unkeyed verify of a keyed log: %v", err)
		}
		// Nor does a khien built before the key (it writes no scheme).
		_, err = db.Writer().Exec(`INSERT INTO audit_log (at, actor, action, object_type, object_id, prev_hash, hash) VALUES ('x', 'old', 'create', 'agency', '1', 'p', 'h')`)
		if err == nil || !strings.Contains(err.Error(), "too old") {
			t.Fatalf("unkeyed insert after keyed entries: %v", err)
		}
	})
}

// Each way someone with write access to the database but without the
// key can tamper with the log is caught, naming the entry.
func TestKeyedChainCatchesTampering(t *testing.T) {
	for _, c := range []struct {
		name     string
		exported bool // check against an anchor exported before the attack
		attack   func(t *testing.T, db *store.DB)
		id       int64
		want     string
	}{
		{"newest rows deleted", false, func(t *testing.T, db *store.DB) {
			tamper.DeleteAfter(t, db.Writer(), 4, false)
		}, 6, "the log holds 4 entries, but its latest anchor records 6 up to entry 6"},
		{"newest rows and their anchors deleted", true, func(t *testing.T, db *store.DB) {
			tamper.DeleteAfter(t, db.Writer(), 4, true)
		}, 6, "the log holds 4 entries, but its latest anchor records 6 up to entry 6"},
		{"row rewritten, later hashes and anchors recomputed unkeyed", false, func(t *testing.T, db *store.DB) {
			tamper.RewriteUnkeyed(t, db.Writer(), 3, "mallory")
		}, 3, "unkeyed but follows keyed entries"},
		{"row rewritten and marked keyed with an unkeyed hash", false, func(t *testing.T, db *store.DB) {
			tamper.RewriteUnkeyed(t, db.Writer(), 3, "mallory")
			execAll(t, db, `UPDATE audit_log SET scheme = 'hmac-sha256' WHERE id >= 3`)
		}, 3, "recomputed without the audit key"},
		{"anchored entry replaced", true, func(t *testing.T, db *store.DB) {
			tamper.DeleteAfter(t, db.Writer(), 4, true)
			execAll(t, db, `INSERT INTO audit_log (id, at, actor, action, object_type, object_id, prev_hash, hash, scheme)
				SELECT 5, at, actor, action, object_type, object_id, hash, hash, scheme FROM audit_log WHERE id = 4`,
				`INSERT INTO audit_log (id, at, actor, action, object_type, object_id, prev_hash, hash, scheme)
				SELECT 6, at, actor, action, object_type, object_id, hash, hash, scheme FROM audit_log WHERE id = 4`)
		}, 5, "stored hash does not match"},
	} {
		t.Run(c.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				ctx := context.Background()
				record(t, audit.New(db), 1) // one unkeyed entry from before the key
				log := keyedLog(t, db, newKey(t))
				record(t, log, 5)
				var given []audit.Anchor
				if c.exported {
					a, ok, err := log.Head(ctx)
					if err != nil || !ok || a.EntryID != 6 || a.Entries != 6 {
						t.Fatalf("head: %+v %v %v", a, ok, err)
					}
					given = append(given, a)
				}
				if r, err := log.Check(ctx, given); err != nil || r.Broken != nil {
					t.Fatalf("intact: %+v %v", r, err)
				}
				tamper.DropGuards(t, db.Writer(), db.Engine == store.Postgres)
				c.attack(t, db)
				r, err := log.Check(ctx, given)
				if err != nil || r.Broken == nil || r.Broken.ID != c.id || !strings.Contains(r.Broken.Reason, c.want) {
					t.Fatalf("want entry %d %q, got %+v %v", c.id, c.want, r.Broken, err)
				}
			})
		})
	}
}

// Deleting rows and their anchors in the database passes when nothing
// exported says otherwise: that is what exported anchors are for.
func TestDeletionAfterTheLastExportedAnchorIsNotCaught(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		log := keyedLog(t, db, newKey(t))
		record(t, log, 4)
		a, _, err := log.Head(ctx)
		if err != nil {
			t.Fatal(err)
		}
		record(t, log, 2)
		tamper.DropGuards(t, db.Writer(), db.Engine == store.Postgres)
		tamper.DeleteAfter(t, db.Writer(), 4, true)
		r, err := log.Check(ctx, []audit.Anchor{a})
		if err != nil || r.Broken != nil || r.LastExported == nil || r.LastExported.EntryID != 4 {
			t.Fatalf("%+v %v", r, err)
		}
	})
}

func TestWrongKeyIsRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		record(t, keyedLog(t, db, newKey(t)), 2)
		other := audit.NewKeyed(db, newKey(t))
		var ke *audit.KeyError
		if err := other.Bind(ctx); !errors.As(err, &ke) || !strings.Contains(err.Error(), "is not the key the audit log is keyed with") {
			t.Fatalf("bind with another key: %v", err)
		}
		if _, err := other.Check(ctx, nil); !errors.As(err, &ke) {
			t.Fatalf("verify with another key: %v", err)
		}
		// With the key id row removed too, the links themselves refuse it.
		tamper.DropGuards(t, db.Writer(), db.Engine == store.Postgres)
		if db.Engine == store.Postgres {
			execAll(t, db, `DROP TRIGGER audit_key_no_change ON audit_key`)
		} else {
			execAll(t, db, `DROP TRIGGER audit_key_no_delete`)
		}
		execAll(t, db, `DELETE FROM audit_key`)
		r, err := other.Check(ctx, nil)
		if err != nil || r.Broken == nil || r.Broken.ID != 1 {
			t.Fatalf("verify with another key, key id removed: %+v %v", r, err)
		}
	})
}

func TestKeyFile(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		file := filepath.Join(t.TempDir(), "data", "audit.key")
		// Not created unless asked.
		if _, err := audit.LoadKey(ctx, db, audit.KeySource{File: file}); err == nil {
			t.Fatal("a missing key file was accepted")
		}
		// First start: created 0600, and the same key read back.
		k, err := audit.LoadKey(ctx, db, audit.KeySource{File: file, Create: true})
		if err != nil {
			t.Fatal(err)
		}
		if st, err := os.Stat(file); err != nil || st.Mode().Perm() != 0o600 {
			t.Fatalf("key file mode: %v %v", st, err)
		}
		if again, err := audit.LoadKey(ctx, db, audit.KeySource{File: file, Create: true}); err != nil || again.ID() != k.ID() {
			t.Fatalf("key read back: %v", err)
		}
		// The key given as text (KHIEN_AUDIT_KEY) wins over the file.
		if fromEnv, err := audit.LoadKey(ctx, db, audit.KeySource{Text: k.Text(), File: "/nonexistent"}); err != nil || fromEnv.ID() != k.ID() {
			t.Fatalf("key as text: %v", err)
		}
		if _, err := audit.LoadKey(ctx, db, audit.KeySource{Text: "abc"}); err == nil {
			t.Fatal("a short key was accepted")
		}
		record(t, keyedLog(t, db, k), 1)
		// The key file lost once the log is keyed: a clear error, and no
		// new key, whatever the options.
		os.Remove(file)
		for _, src := range []audit.KeySource{{File: file, Create: true}, {File: file, Optional: true}} {
			_, err := audit.LoadKey(ctx, db, src)
			if err == nil || !strings.Contains(err.Error(), "the audit log is keyed") || !strings.Contains(err.Error(), "does not create a new key") {
				t.Fatalf("missing key file on a keyed log: %v", err)
			}
			if _, err := os.Stat(file); !os.IsNotExist(err) {
				t.Fatal("a new key file was created for a keyed log")
			}
		}
	})
}

func TestAnchorsFile(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "anchors.jsonl")
	a := audit.Anchor{EntryID: 5, Entries: 5, Hash: "ab", At: "2026-01-01T00:00:00.000000Z", KeyID: "k"}
	for i := 0; i < 2; i++ {
		if err := audit.AppendAnchor(file, a); err != nil {
			t.Fatal(err)
		}
	}
	if st, _ := os.Stat(file); st.Mode().Perm() != 0o600 {
		t.Fatalf("anchors file mode %v", st.Mode())
	}
	got, err := audit.ReadAnchors(file)
	if err != nil || len(got) != 2 || got[1].EntryID != 5 || got[1].Source != file+" line 2" {
		t.Fatalf("read back: %+v %v", got, err)
	}
	// A JSON log: its anchor lines are taken, its other lines left.
	log := filepath.Join(dir, "khien.log")
	os.WriteFile(log, []byte(`{"time":"t","level":"INFO","msg":"khien serving"}`+"\n"+
		`{"time":"t","level":"INFO","msg":"audit anchor","entry_id":7,"entries":6,"hash":"cd","at":"x","key_id":"k"}`+"\n"), 0o600)
	if got, err := audit.ReadAnchors(log); err != nil || len(got) != 1 || got[0].EntryID != 7 || got[0].Entries != 6 {
		t.Fatalf("from a JSON log: %+v %v", got, err)
	}
	// A damaged file is an error, not a shorter list.
	os.WriteFile(log, []byte("{\"entry_id\":7,\"entries\":6,\"hash\":\"cd\"}\nnot json\n"), 0o600)
	if _, err := audit.ReadAnchors(log); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Fatalf("damaged file: %v", err)
	}
}
