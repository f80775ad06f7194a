package alert_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/khien-project/khien/internal/feature/alert"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/logstream"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/store/storetest"
)

// A known attack (a Sysmon process creation with an encoded PowerShell
// command) raises one alert for the right agency and system, repeats are
// grouped into it, ordinary events raise nothing, a redelivered batch
// counts nothing twice (even in a fresh process), and only high and
// critical alerts are sent, once.
func TestEncodedPowerShellRaisesOneGroupedAlert(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db, alert.Config{})
		batch := logstream.Batch{Records: []logstream.Record{
			sysmon(w.a.ID, w.sysA.ID, attackCmd), sysmon(w.a.ID, w.sysA.ID, attackCmd),
			sysmon(w.a.ID, w.sysA.ID, ordinaryCmd), sysmon(w.b.ID, w.sysB.ID, ordinaryCmd),
		}}
		if err := w.svc.NewDetector(nil).Handle(ctx, batch); err != nil {
			t.Fatal(err)
		}
		got := list(t, w, access.System, alert.Filter{})
		if len(got) != 1 {
			t.Fatalf("%d alerts, want 1: %+v", len(got), got)
		}
		d := got[0]
		if d.RuleUID != encodedUID || d.AgencyID != w.a.ID || d.SystemID != w.sysA.ID || d.Count != 2 || d.Level != "high" || d.Status != alert.StatusNew ||
			!slices.Contains(d.Tags, "attack.t1059.001") || d.SystemName != w.sysA.Name {
			t.Fatalf("alert %+v", d)
		}
		// The same batch again, in a process that has not seen it.
		batch.Redelivered = true
		if err := w.svc.NewDetector(nil).Handle(ctx, batch); err != nil {
			t.Fatal(err)
		}
		full, err := w.svc.Detection(ctx, access.System, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if full.Count != 2 || len(full.Events) != 2 || full.Events[0].Fields["CommandLine"] != attackCmd || full.Events[0].Original == "" || full.Events[0].Day == "" {
			t.Fatalf("after redelivery: count %d, events %+v", full.Count, full.Events)
		}
		if n := w.sent.count(); n != 1 {
			t.Fatalf("%d notifications, want 1", n)
		}
		if len(list(t, w, w.officerB, alert.Filter{})) != 0 {
			t.Fatal("an officer of another agency sees the alert")
		}
		if _, err := w.svc.Detection(ctx, w.officerB, d.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("officer of another agency: %v, want not found", err)
		}
		if _, err := w.svc.Detection(ctx, w.officerA, d.ID); err != nil {
			t.Fatalf("officer of the agency: %v", err)
		}
	})
}

// Statuses: an analyst acknowledges (repeats still group), an officer may
// not change anything, an invalid transition is refused, a closed alert
// takes no more repeats, and every change is in the history.
func TestStatusesAndGrouping(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db, alert.Config{})
		det := w.svc.NewDetector(nil)
		fire := func() {
			if err := det.Handle(ctx, logstream.Batch{Records: []logstream.Record{sysmon(w.a.ID, w.sysA.ID, attackCmd)}}); err != nil {
				t.Fatal(err)
			}
		}
		fire()
		id := list(t, w, access.System, alert.Filter{})[0].ID
		if _, err := w.svc.SetStatus(ctx, w.officerA, id, alert.StatusAcknowledged, ""); !errors.Is(err, store.ErrForbidden) {
			t.Fatalf("officer acknowledges: %v", err)
		}
		if _, err := w.svc.SetStatus(ctx, w.analyst, id, alert.StatusAcknowledged, "looking"); err != nil {
			t.Fatal(err)
		}
		fire()
		if got := list(t, w, access.System, alert.Filter{}); len(got) != 1 || got[0].Count != 2 || got[0].Status != alert.StatusAcknowledged {
			t.Fatalf("after a repeat of an acknowledged alert: %+v", got)
		}
		if _, err := w.svc.SetStatus(ctx, w.analyst, id, alert.StatusNew, ""); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("acknowledged → new: %v, want a conflict", err)
		}
		if _, err := w.svc.SetStatus(ctx, w.analyst, id, alert.StatusClosed, "done"); err != nil {
			t.Fatal(err)
		}
		fire()
		got := list(t, w, access.System, alert.Filter{Sort: "oldest"})
		if len(got) != 2 || got[0].Count != 2 || got[1].Count != 1 || got[1].Status != alert.StatusNew {
			t.Fatalf("after a repeat of a closed alert: %+v", got)
		}
		full, err := w.svc.Detection(ctx, w.officerA, id)
		if err != nil {
			t.Fatal(err)
		}
		var trail []string
		for _, c := range full.History {
			trail = append(trail, c.Action+":"+c.To)
		}
		if strings.Join(trail, ",") != "raised:new,status:acknowledged,status:closed" {
			t.Fatalf("history %v", trail)
		}
		var audited int
		if err := db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'detection.status'`).Scan(&audited); err != nil || audited != 2 {
			t.Fatalf("audited %d, %v", audited, err)
		}
	})
}

// Bulk: all or nothing within the actor's scope; assign to an analyst.
func TestBulkActions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db, alert.Config{})
		det := w.svc.NewDetector(nil)
		if err := det.Handle(ctx, logstream.Batch{Records: []logstream.Record{sysmon(w.a.ID, w.sysA.ID, attackCmd), sysmon(w.b.ID, w.sysB.ID, attackCmd)}}); err != nil {
			t.Fatal(err)
		}
		all := list(t, w, access.System, alert.Filter{})
		if len(all) != 2 {
			t.Fatalf("%d alerts", len(all))
		}
		ids := []int64{all[0].ID, all[1].ID}
		if _, err := w.svc.Bulk(ctx, w.analyst, alert.BulkInput{IDs: append(ids, 9999), Action: "acknowledge"}); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown id: %v", err)
		}
		if got := list(t, w, access.System, alert.Filter{Status: alert.StatusNew}); len(got) != 2 {
			t.Fatal("a refused bulk request changed something")
		}
		if _, err := w.svc.Bulk(ctx, w.analyst, alert.BulkInput{IDs: ids, Action: "assign", Assignee: "nobody"}); err == nil {
			t.Fatal("assigned to an unknown user")
		}
		if n, err := w.svc.Bulk(ctx, w.analyst, alert.BulkInput{IDs: ids, Action: "assign", Assignee: "phantich"}); err != nil || n != 2 {
			t.Fatalf("assign: %d, %v", n, err)
		}
		if n, err := w.svc.Bulk(ctx, w.analyst, alert.BulkInput{IDs: ids, Action: "false_positive"}); err != nil || n != 2 {
			t.Fatalf("false positive: %d, %v", n, err)
		}
		got := list(t, w, access.System, alert.Filter{Assignee: "phantich", Status: alert.StatusFalsePositive})
		if len(got) != 2 {
			t.Fatalf("after bulk: %+v", got)
		}
		if _, err := w.svc.Bulk(ctx, w.analyst, alert.BulkInput{IDs: ids, Action: "escalate"}); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("false positive → escalated: %v", err)
		}
	})
}

// An exception silences a rule for one agency (optionally on a field's
// value) and a disabled rule fires for nobody; both take effect in a
// running detector (the rules' version moves).
func TestExceptionsAndDisabledRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db, alert.Config{})
		det := w.svc.NewDetector(nil)
		fire := func() {
			t.Helper()
			if err := det.Handle(ctx, logstream.Batch{Records: []logstream.Record{sysmon(w.a.ID, w.sysA.ID, attackCmd), sysmon(w.b.ID, w.sysB.ID, attackCmd)}}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := w.svc.AddException(ctx, w.officerA, alert.ExceptionInput{RuleUID: encodedUID, AgencyID: w.a.ID, Reason: "x"}); !errors.Is(err, store.ErrForbidden) {
			t.Fatalf("officer adds an exception: %v", err)
		}
		if _, err := w.svc.AddException(ctx, w.analyst, alert.ExceptionInput{RuleUID: encodedUID, AgencyID: w.a.ID, Field: "parentimage", Value: `C:\WINDOWS\explorer.exe`, Reason: "admin scripts"}); err != nil {
			t.Fatal(err)
		}
		fire()
		got := list(t, w, access.System, alert.Filter{})
		if len(got) != 1 || got[0].AgencyID != w.b.ID {
			t.Fatalf("with an exception for agency A: %+v", got)
		}
		rules, _, err := w.svc.Rules(ctx, w.analyst, alert.RuleFilter{Search: "encoded powershell"})
		if err != nil || len(rules) != 1 {
			t.Fatalf("rules %+v %v", rules, err)
		}
		if _, err := w.svc.SetRuleEnabled(ctx, w.analyst, rules[0].ID, false); err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.SetStatus(ctx, w.analyst, got[0].ID, alert.StatusClosed, ""); err != nil {
			t.Fatal(err)
		}
		fire()
		if got := list(t, w, access.System, alert.Filter{}); len(got) != 1 {
			t.Fatalf("a disabled rule fired: %+v", got)
		}
	})
}

// Lint errors are kept and shown; re-importing a pack keeps what was
// disabled.
func TestImportKeepsErrorsAndChoices(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db, alert.Config{})
		bad, _, err := w.svc.Rules(ctx, w.analyst, alert.RuleFilter{Errors: true})
		if err != nil || len(bad) != 1 || bad[0].File != "broken.yml" || !strings.Contains(bad[0].LintError, "nosuchmodifier") {
			t.Fatalf("rules with errors: %+v %v", bad, err)
		}
		rules, total, _ := w.svc.Rules(ctx, w.analyst, alert.RuleFilter{})
		if total != 4 {
			t.Fatalf("%d rules: %+v", total, rules)
		}
		if _, err := w.svc.SetRuleEnabled(ctx, w.analyst, rules[0].ID, false); err != nil {
			t.Fatal(err)
		}
		res := w.importPack(t)
		if res.Pack.Rules != 4 || res.Pack.Errors != 1 || len(res.Errors) != 1 {
			t.Fatalf("re-import: %+v", res)
		}
		off, _, _ := w.svc.Rules(ctx, w.analyst, alert.RuleFilter{Enabled: "no"})
		if len(off) != 1 || off[0].UID != rules[0].UID {
			t.Fatalf("disabled after re-import: %+v", off)
		}
	})
}

// When the rules change, the detection consumer and the correlation
// partitions ask for them at once: they are compiled once.
func TestRulesCompiledOnceForManyAskers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db, alert.Config{})
		if _, err := w.svc.LoadAtOnce(ctx, 1); err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.ImportPack(ctx, access.System, "more", "more.yml", []alert.File{{Name: "more.yml", Data: []byte(sshdRuleForTest)}}); err != nil {
			t.Fatal(err)
		}
		n, err := w.svc.LoadAtOnce(ctx, 8)
		if err != nil || n != 1 {
			t.Fatalf("8 askers after a change compiled the rules %d times (%v), want once", n, err)
		}
		if n, _ := w.svc.LoadAtOnce(ctx, 8); n != 0 {
			t.Fatalf("unchanged rules compiled again %d times", n)
		}
	})
}

const sshdRuleForTest = `title: Test sshd failure
id: 7f0b5c1e-3a7d-4c1e-9d0b-2b6f2f0c9a11
status: test
logsource:
  product: linux
  service: sshd
detection:
  selection:
    - 'Failed password'
  condition: selection
level: medium
`
