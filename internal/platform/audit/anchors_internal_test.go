package audit

import (
	"context"
	"strconv"
	"testing"

	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/store/storetest"
)

// appendWithoutAnchor writes the next entry as a khien without anchors did.
func appendWithoutAnchor(t *testing.T, db *store.DB, objectID int) {
	t.Helper()
	e := Entry{Actor: "old", Action: Create, ObjectType: "agency", ObjectID: strconv.Itoa(objectID), PrevHash: genesis, at: store.Now()}
	if err := db.Reader().QueryRow(`SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1`).Scan(&e.PrevHash); err != nil && !isNoRows(err) {
		t.Fatal(err)
	}
	e.Hash = e.computeHash()
	if _, err := db.Writer().Exec(`INSERT INTO audit_log (at, actor, action, object_type, object_id, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		e.at, e.Actor, e.Action, e.ObjectType, e.ObjectID, e.PrevHash, e.Hash); err != nil {
		t.Fatal(err)
	}
}

func latestEntries(t *testing.T, db *store.DB) int64 {
	t.Helper()
	a, err := latestAnchor(context.Background(), db.Reader())
	if err != nil || a == nil {
		t.Fatalf("latest anchor: %+v %v", a, err)
	}
	return a.Entries
}

// Entries written without anchors (by an older khien during a rolling
// upgrade) are counted by the next anchor; a log that existed before
// anchors is anchored by the migration that adds them.
func TestAnchorsCountEntriesWrittenWithoutThem(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			ctx := context.Background()
			db, err := store.Open(ctx, storetest.DSN(t, engine))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.MigrateTo(ctx, 4); err != nil { // before audit_anchors
				t.Fatal(err)
			}
			for i := 0; i < 3; i++ {
				appendWithoutAnchor(t, db, i)
			}
			if _, err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			if got := latestEntries(t, db); got != 3 {
				t.Fatalf("the migration anchored %d entries, want 3", got)
			}
			log := New(db)
			appendWithoutAnchor(t, db, 3)
			if err := log.Record(ctx, access.System, Create, "agency", 5, nil, nil); err != nil {
				t.Fatal(err)
			}
			if got := latestEntries(t, db); got != 5 {
				t.Fatalf("latest anchor counts %d entries, want 5", got)
			}
			if n, broken, err := log.Verify(ctx); err != nil || broken != nil || n != 5 {
				t.Fatalf("verify: %d %+v %v", n, broken, err)
			}
		})
	}
}
