package monitor_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/khien-project/khien/internal/feature/monitor"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/audit"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/store/storetest"
	"github.com/khien-project/khien/internal/testkit/sitetest"
)

// TestAlertListAndAcknowledge: the alert list filters by state,
// severity, kind, agency subtree and time, sorts, and refuses values it
// does not know; acknowledging is all or nothing within the actor's
// scope, keeps the first acknowledgement, and is audited.
func TestAlertListAndAcknowledge(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := sitetest.NewWorld(t, db, monitor.Config{FailThreshold: 2})
		now := time.Now().UTC().Truncate(time.Minute)
		siteA := w.AddSite(t, w.A, "https://canh-bao-a.example.vn/")
		siteB := w.AddSite(t, w.B, "https://canh-bao-b.example.vn/")
		// Each site goes down 10 days ago and comes back: a critical
		// "down" and an informational "recovered" alert each; A's also
		// goes down again 2 hours ago.
		for _, x := range []struct {
			id    int64
			again bool
		}{{siteA.ID, true}, {siteB.ID, false}} {
			down := func(at time.Time) bool {
				return (at.After(now.Add(-240*time.Hour)) && at.Before(now.Add(-236*time.Hour))) || (x.again && at.After(now.Add(-3*time.Hour)))
			}
			if _, err := w.Monitor.RecordHistory(ctx, access.System, x.id, probesEvery(now.Add(-300*time.Hour), now, time.Hour, down)); err != nil {
				t.Fatal(err)
			}
		}
		list := func(actor access.Actor, f monitor.AlertFilter) []monitor.Alert {
			t.Helper()
			items, total, err := w.Monitor.Alerts(ctx, actor, f)
			if err != nil {
				t.Fatalf("%+v: %v", f, err)
			}
			if total != len(items) {
				t.Fatalf("%+v: total %d, %d items", f, total, len(items))
			}
			return items
		}
		all := list(access.System, monitor.AlertFilter{})
		if len(all) != 5 {
			t.Fatalf("alerts recorded: %d, want 5 (A: down, recovered, down; B: down, recovered)", len(all))
		}
		if got := list(access.System, monitor.AlertFilter{Severity: "critical"}); len(got) != 3 {
			t.Errorf("critical: %d, want 3", len(got))
		}
		if got := list(access.System, monitor.AlertFilter{Kind: monitor.KindRecovered}); len(got) != 2 {
			t.Errorf("recovered: %d, want 2", len(got))
		}
		if got := list(access.System, monitor.AlertFilter{AgencyPath: w.B.Path}); len(got) != 2 || got[0].SiteID != siteB.ID {
			t.Errorf("agency B: %d", len(got))
		}
		recent := list(access.System, monitor.AlertFilter{From: now.Add(-24 * time.Hour)})
		if len(recent) != 1 || recent[0].SiteID != siteA.ID || recent[0].Kind != monitor.KindDown {
			t.Errorf("from a day ago: %+v", recent)
		}
		if got := list(access.System, monitor.AlertFilter{To: now.Add(-24 * time.Hour)}); len(got) != 4 {
			t.Errorf("to a day ago: %d, want 4", len(got))
		}
		if got := list(access.System, monitor.AlertFilter{Sort: "oldest"}); got[0].CreatedAt.After(got[len(got)-1].CreatedAt) {
			t.Errorf("oldest first: %v … %v", got[0].CreatedAt, got[len(got)-1].CreatedAt)
		}
		if got := list(access.System, monitor.AlertFilter{Sort: "severity"}); got[0].Severity != "critical" || got[len(got)-1].Severity != "info" {
			t.Errorf("most severe first: %s … %s", got[0].Severity, got[len(got)-1].Severity)
		}
		for _, f := range []monitor.AlertFilter{{State: "open; --"}, {Severity: "urgent"}, {Sort: "id DESC"}, {From: now, To: now.Add(-time.Hour)}, {AgencyPath: "/1"}} {
			if _, _, err := w.Monitor.Alerts(ctx, access.System, f); !errors.Is(err, store.ErrInvalid) {
				t.Errorf("%+v: %v, want invalid input", f, err)
			}
		}

		officerB := access.Actor{Role: access.Agency, AgencyID: w.B.ID, AgencyPath: w.B.Path, Username: "can-bo-b"}
		auditor := access.Actor{Role: access.Auditor, Username: "kiem-toan"}
		ofA := list(access.System, monitor.AlertFilter{AgencyPath: w.A.Path})
		idsA := []int64{ofA[0].ID, ofA[1].ID}
		// B's officer cannot acknowledge A's alerts; one of A's among B's
		// own refuses the lot, and nothing changes.
		mixed := []int64{list(officerB, monitor.AlertFilter{})[0].ID, idsA[0]}
		if _, err := w.Monitor.AcknowledgeAlerts(ctx, officerB, mixed); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("officer of B acknowledging one of A's: %v, want not found", err)
		}
		if got := list(access.System, monitor.AlertFilter{State: "acknowledged"}); len(got) != 0 {
			t.Errorf("a refused request acknowledged %d alerts", len(got))
		}
		if _, err := w.Monitor.AcknowledgeAlerts(ctx, auditor, idsA); !errors.Is(err, store.ErrForbidden) {
			t.Errorf("auditor: %v, want forbidden", err)
		}
		if _, err := w.Monitor.AcknowledgeAlerts(ctx, w.OfficerA, nil); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("no ids: %v, want invalid", err)
		}
		n, err := w.Monitor.AcknowledgeAlerts(ctx, w.OfficerA, append(idsA, idsA[0]))
		if err != nil || n != 2 {
			t.Fatalf("officer of A acknowledging two of A's: %d, %v", n, err)
		}
		acked := list(access.System, monitor.AlertFilter{State: "acknowledged"})
		if len(acked) != 2 || acked[0].AcknowledgedBy != w.OfficerA.Username || acked[0].AcknowledgedAt == nil {
			t.Fatalf("acknowledged: %+v", acked)
		}
		first := *acked[0].AcknowledgedAt
		// Again, by someone else: nothing changes, the first stays.
		if n, err := w.Monitor.AcknowledgeAlerts(ctx, access.Actor{Role: access.Analyst, Username: "chuyen-vien"}, idsA); err != nil || n != 0 {
			t.Errorf("acknowledging again: %d, %v", n, err)
		}
		if again := list(access.System, monitor.AlertFilter{State: "acknowledged"}); again[0].AcknowledgedBy != w.OfficerA.Username || !again[0].AcknowledgedAt.Equal(first) {
			t.Errorf("the first acknowledgement must stay: %+v", again[0])
		}
		if got := list(access.System, monitor.AlertFilter{State: "new"}); len(got) != 3 {
			t.Errorf("new after acknowledging 2 of 5: %d", len(got))
		}
		entries, _, err := w.Audit.List(ctx, access.System, audit.Filter{Action: "alert.acknowledge"})
		if err != nil || len(entries) != 2 {
			t.Errorf("audit entries for acknowledgements: %d, %v", len(entries), err)
		}
	})
}
