package alert_test

import (
	"context"
	"slices"
	"testing"

	"github.com/khien-project/khien/internal/feature/alert"
	"github.com/khien-project/khien/internal/feature/registry"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/audit"
	"github.com/khien-project/khien/internal/platform/logstream"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/store/storetest"
)

// An exception made for an agency covers its whole subtree: its child
// and grandchild agencies, also one created while the detector runs, but
// not a sibling, and an exception for a child covers neither its parent
// nor its sibling.
func TestExceptionsCoverTheSubtree(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db, alert.Config{})
		reg := registry.New(db, audit.New(db), nil)
		child := func(parent registry.Agency, code string) registry.Agency {
			name := "Đơn vị " + code
			a, err := reg.CreateAgency(ctx, access.System, registry.AgencyInput{Code: &code, Name: &name, ParentID: registry.OptionalID{Set: true, ID: &parent.ID}})
			if err != nil {
				t.Fatal(err)
			}
			return a
		}
		a1, a2 := child(w.a, "SKHCN-1"), child(w.a, "SKHCN-2")
		det := w.svc.NewDetector(nil)
		fire := func(agencies ...int64) map[int64]bool {
			t.Helper()
			var recs []logstream.Record
			for _, id := range agencies {
				recs = append(recs, sysmon(id, 0, attackCmd))
			}
			if err := det.Handle(ctx, logstream.Batch{Records: recs}); err != nil {
				t.Fatal(err)
			}
			got := map[int64]bool{}
			for _, d := range list(t, w, access.System, alert.Filter{}) {
				got[d.AgencyID] = true
			}
			return got
		}
		x, err := w.svc.AddException(ctx, w.analyst, alert.ExceptionInput{RuleUID: encodedUID, AgencyID: a1.ID, Reason: "máy quản trị của đơn vị 1"})
		if err != nil {
			t.Fatal(err)
		}
		got := fire(w.a.ID, a1.ID, a2.ID, w.b.ID)
		if got[a1.ID] || !got[w.a.ID] || !got[a2.ID] || !got[w.b.ID] {
			t.Fatalf("exception for the child A1: alerts for agencies %v; want A, A2 and B, not A1", got)
		}
		if err := w.svc.DeleteException(ctx, w.analyst, x.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.AddException(ctx, w.analyst, alert.ExceptionInput{RuleUID: encodedUID, AgencyID: w.a.ID, Reason: "cả sở"}); err != nil {
			t.Fatal(err)
		}
		a11 := child(a1, "SKHCN-1-1") // made after the detector loaded the rules
		got = fire(a1.ID, a11.ID, w.b.ID)
		if got[a1.ID] || got[a11.ID] || !got[w.b.ID] {
			t.Fatalf("exception for the parent A: alerts for agencies %v; want none for A1 and A1.1, B's", got)
		}
	})
}

// An agency officer lists the exceptions that apply to their agencies:
// made for them, below them, or above them; not a sibling's.
func TestExceptionsListedInScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db, alert.Config{})
		reg := registry.New(db, audit.New(db), nil)
		code, name := "SKHCN-1", "Trung tâm 1"
		a1, err := reg.CreateAgency(ctx, access.System, registry.AgencyInput{Code: &code, Name: &name, ParentID: registry.OptionalID{Set: true, ID: &w.a.ID}})
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range []int64{w.a.ID, a1.ID, w.b.ID} {
			if _, err := w.svc.AddException(ctx, w.analyst, alert.ExceptionInput{RuleUID: encodedUID, AgencyID: id, Reason: "r"}); err != nil {
				t.Fatal(err)
			}
		}
		officerA1 := access.Actor{UserID: 93, Username: "canbo.a1", Role: access.Agency, AgencyID: a1.ID, AgencyPath: a1.Path}
		for _, c := range []struct {
			who   access.Actor
			wants []int64
		}{{w.officerA, []int64{w.a.ID, a1.ID}}, {officerA1, []int64{w.a.ID, a1.ID}}, {w.officerB, []int64{w.b.ID}}, {w.analyst, []int64{w.a.ID, a1.ID, w.b.ID}}} {
			xs, err := w.svc.Exceptions(ctx, c.who, "")
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			for _, x := range xs {
				got = append(got, x.AgencyID)
			}
			if !slices.Equal(got, c.wants) {
				t.Errorf("%s lists exceptions of agencies %v, want %v", c.who.Username, got, c.wants)
			}
		}
	})
}
