package vuln_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/khien-project/khien/internal/feature/vuln"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/store/storetest"
	"github.com/khien-project/khien/internal/platform/valid"
)

// TestStatusRules: who may move a finding, which moves are allowed and
// what each needs; a risk acceptance past its expiry reopens at the next
// match, and a false positive stays closed.
func TestStatusRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		for _, f := range sampleFiles(t) {
			importFile(t, w.Vuln, f)
		}
		ids := registerSample(t, w)
		list := findings(t, w, w.OfficerB, vuln.FindingFilter{})
		if len(list) != 2 {
			t.Fatalf("officer B: %v", lines(list))
		}
		f := list[0]
		auditor := access.Actor{UserID: 5, Username: "kiemtra", Role: access.Auditor}
		if _, err := w.Vuln.SetStatus(ctx, auditor, f.ID, vuln.StatusInput{Status: vuln.InProgress}); !errors.Is(err, store.ErrForbidden) {
			t.Errorf("auditor: %v", err)
		}
		tomorrow := time.Now().AddDate(0, 0, 2).Format("2006-01-02")
		refused := []struct {
			name  string
			in    vuln.StatusInput
			field string
		}{
			{"unknown status", vuln.StatusInput{Status: "done"}, "status"},
			{"risk without reason", vuln.StatusInput{Status: vuln.RiskAccepted, Approver: "Giám đốc", Until: tomorrow}, "reason"},
			{"risk without approver", vuln.StatusInput{Status: vuln.RiskAccepted, Reason: "hệ thống nội bộ", Until: tomorrow}, "approver"},
			{"risk without expiry", vuln.StatusInput{Status: vuln.RiskAccepted, Reason: "x", Approver: "y"}, "until"},
			{"risk expiring in the past", vuln.StatusInput{Status: vuln.RiskAccepted, Reason: "x", Approver: "y", Until: "2020-01-01"}, "until"},
			{"risk for two years", vuln.StatusInput{Status: vuln.RiskAccepted, Reason: "x", Approver: "y", Until: time.Now().AddDate(2, 0, 0).Format("2006-01-02")}, "until"},
			{"false positive without reason", vuln.StatusInput{Status: vuln.FalsePositive}, "reason"},
		}
		for _, c := range refused {
			_, err := w.Vuln.SetStatus(ctx, w.OfficerB, f.ID, c.in)
			var fe valid.Errors
			if !errors.As(err, &fe) || fe[0].Field != c.field || fe[0].VI == "" {
				t.Errorf("%s: %v", c.name, err)
			}
		}
		got, err := w.Vuln.SetStatus(ctx, w.OfficerB, f.ID, vuln.StatusInput{Status: vuln.RiskAccepted, Reason: "chỉ truy cập nội bộ", Approver: "Giám đốc Sở", Until: tomorrow})
		if err != nil || got.Status != vuln.RiskAccepted || got.Approver != "Giám đốc Sở" || got.AcceptedUntil != tomorrow {
			t.Fatalf("accept risk: %+v %v", got, err)
		}
		fp, err := w.Vuln.SetStatus(ctx, w.OfficerB, list[1].ID, vuln.StatusInput{Status: vuln.FalsePositive, Reason: "bản vá đã được áp dụng thủ công"})
		if err != nil || fp.Status != vuln.FalsePositive || fp.ClosedAt == nil {
			t.Fatalf("false positive: %+v %v", fp, err)
		}
		if _, err := w.Vuln.SetStatus(ctx, w.OfficerB, fp.ID, vuln.StatusInput{Status: vuln.InProgress}); err == nil || !strings.Contains(err.Error(), "can move to open") {
			t.Errorf("false positive to in progress: %v", err)
		}

		// Matching again changes neither while the acceptance holds.
		if err := w.Vuln.MatchSystems(ctx, []int64{ids[healthSystem]}); err != nil {
			t.Fatal(err)
		}
		if x, _ := w.Vuln.Finding(ctx, access.System, f.ID); x.Status != vuln.RiskAccepted {
			t.Errorf("acceptance lost at a match: %+v", x)
		}
		// Once it has expired, the hourly job reopens it.
		if n, err := w.Vuln.ReopenExpired(ctx, time.Now()); err != nil || n != 0 {
			t.Fatalf("nothing expired yet: %d %v", n, err)
		}
		if _, err := db.Writer().Exec(`UPDATE vuln_findings SET accepted_until = '2020-01-01' WHERE id = $1`, f.ID); err != nil {
			t.Fatal(err)
		}
		if n, err := w.Vuln.ReopenExpired(ctx, time.Now()); err != nil || n != 1 {
			t.Fatalf("expired: %d systems matched, %v", n, err)
		}
		if x, _ := w.Vuln.Finding(ctx, access.System, f.ID); x.Status != vuln.Open {
			t.Errorf("expired acceptance: %+v", x)
		}
		if x, _ := w.Vuln.Finding(ctx, access.System, fp.ID); x.Status != vuln.FalsePositive {
			t.Errorf("false positive reopened: %+v", x)
		}
		// Overdue: a finding past its deadline.
		if _, err := db.Writer().Exec(`UPDATE vuln_findings SET due_at = '2020-01-01T00:00:00.000000Z' WHERE id = $1`, f.ID); err != nil {
			t.Fatal(err)
		}
		if od := findings(t, w, w.OfficerB, vuln.FindingFilter{Overdue: true}); len(od) != 1 || od[0].ID != f.ID || !od[0].Overdue {
			t.Errorf("overdue: %v", lines(od))
		}
	})
}
