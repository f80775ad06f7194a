package audit_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/audit"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/store/storetest"
)

func TestChainDetectsTampering(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		log := audit.New(db)
		actor := access.Actor{UserID: 7, Username: "alice", Role: access.Admin}
		for i := 0; i < 5; i++ {
			if err := log.Record(ctx, actor, audit.Update, "system", i, map[string]int{"v": i}, map[string]int{"v": i + 1}); err != nil {
				t.Fatal(err)
			}
		}
		n, broken, err := log.Verify(ctx)
		if err != nil || broken != nil || n != 5 {
			t.Fatalf("intact chain: n=%d broken=%v err=%v", n, broken, err)
		}
		// The log refuses updates and deletes.
		if _, err := db.Writer().Exec(`UPDATE audit_log SET actor = 'mallory' WHERE id = 3`); err == nil {
			t.Fatal("audit_log accepted an UPDATE")
		}
		if _, err := db.Writer().Exec(`DELETE FROM audit_log WHERE id = 3`); err == nil {
			t.Fatal("audit_log accepted a DELETE")
		}
		// Someone with database access drops the guard and alters row 3.
		disableGuard(t, db)
		if _, err := db.Writer().Exec(`UPDATE audit_log SET after_json = '{"v":99}' WHERE id = 3`); err != nil {
			t.Fatal(err)
		}
		_, broken, err = log.Verify(ctx)
		if err != nil || broken == nil || broken.ID != 3 {
			t.Fatalf("altered row 3: broken=%+v err=%v", broken, err)
		}
		// Deleting a row breaks the link of the next one.
		if _, err := db.Writer().Exec(`UPDATE audit_log SET after_json = '{"v":3}' WHERE id = 3`); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Writer().Exec(`DELETE FROM audit_log WHERE id = 2`); err != nil {
			t.Fatal(err)
		}
		_, broken, _ = log.Verify(ctx)
		if broken == nil || broken.ID != 3 {
			t.Fatalf("deleted row 2: broken=%+v", broken)
		}
	})
}

func disableGuard(t *testing.T, db *store.DB) {
	t.Helper()
	stmts := []string{`DROP TRIGGER audit_log_no_update`, `DROP TRIGGER audit_log_no_delete`}
	if db.Engine == store.Postgres {
		stmts = []string{`DROP TRIGGER audit_log_no_change ON audit_log`}
	}
	for _, s := range stmts {
		if _, err := db.Writer().Exec(s); err != nil {
			t.Fatal(err)
		}
	}
}

func TestListNeedsAuditRole(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		log := audit.New(db)
		if err := log.Record(ctx, access.System, audit.Create, "agency", 1, nil, map[string]string{"code": "A"}); err != nil {
			t.Fatal(err)
		}
		for _, role := range []access.Role{access.Analyst, access.Agency, ""} {
			if _, _, err := log.List(ctx, access.Actor{Role: role}, audit.Filter{}); !errors.Is(err, store.ErrForbidden) {
				t.Errorf("%q reads the audit log: %v", role, err)
			}
		}
		list, total, err := log.List(ctx, access.Actor{Role: access.Auditor}, audit.Filter{ObjectType: "agency"})
		if err != nil || total != 1 || list[0].Actor != "system" || string(list[0].After) != `{"code":"A"}` {
			t.Fatalf("auditor list: %+v %d %v", list, total, err)
		}
	})
}

// TestRecordAllExtendsTheChainInOrder: entries written many at a time
// (more than one statement's worth), between single ones and inside a
// caller's transaction, form one intact chain in the changes' order, are
// counted by the anchors, and roll back with their transaction.
func TestRecordAllExtendsTheChainInOrder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		log := audit.New(db)
		actor := access.Actor{UserID: 7, Username: "alice", Role: access.Admin}
		if err := log.Record(ctx, actor, audit.Create, "system", "first", nil, map[string]int{"v": 0}); err != nil {
			t.Fatal(err)
		}
		var changes []audit.Change
		for i := 0; i < 450; i++ {
			changes = append(changes, audit.Change{ObjectID: i, Before: map[string]int{"v": i}, After: map[string]int{"v": i + 1}})
		}
		if err := db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
			return log.RecordAll(ctx, actor, audit.Update, "finding", changes)
		}); err != nil {
			t.Fatal(err)
		}
		// A transaction that fails takes its entries with it.
		failed := errors.New("rolled back")
		if err := db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
			if err := log.RecordAll(ctx, actor, audit.Update, "finding", changes[:250]); err != nil {
				return err
			}
			return failed
		}); !errors.Is(err, failed) {
			t.Fatal(err)
		}
		if err := log.Record(ctx, actor, audit.Delete, "system", "last", map[string]int{"v": 0}, nil); err != nil {
			t.Fatal(err)
		}
		n, broken, err := log.Verify(ctx)
		if err != nil || broken != nil || n != 452 {
			t.Fatalf("chain: n=%d broken=%+v err=%v", n, broken, err)
		}
		head, ok, err := log.Head(ctx)
		if err != nil || !ok || head.Entries != 452 {
			t.Fatalf("latest anchor: %+v %v %v", head, ok, err)
		}
		rows, err := db.Q(ctx).QueryContext(ctx, `SELECT object_id, after_json FROM audit_log WHERE object_type = 'finding' ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		i := 0
		for ; rows.Next(); i++ {
			var obj, after string
			if err := rows.Scan(&obj, &after); err != nil {
				t.Fatal(err)
			}
			if obj != fmt.Sprint(i) || after != fmt.Sprintf(`{"v":%d}`, i+1) {
				t.Fatalf("entry %d: object %s after %s", i, obj, after)
			}
		}
		if i != 450 {
			t.Fatalf("%d entries of the changes, want 450", i)
		}
	})
}
