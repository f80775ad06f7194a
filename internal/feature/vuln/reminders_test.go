package vuln_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/khien-project/khien/internal/feature/vuln"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/events"
	"github.com/khien-project/khien/internal/platform/notify"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/store/storetest"
)

// hookReceiver is a webhook target on loopback that keeps what it got.
type hookReceiver struct {
	*httptest.Server
	mu     sync.Mutex
	bodies []map[string]json.RawMessage
}

func newHookReceiver(t *testing.T) *hookReceiver {
	h := &hookReceiver{}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var m map[string]json.RawMessage
		if err := json.Unmarshal(b, &m); err != nil {
			t.Errorf("webhook body: %v: %s", err, b)
		}
		h.mu.Lock()
		h.bodies = append(h.bodies, m)
		h.mu.Unlock()
	}))
	t.Cleanup(h.Close)
	return h
}

// take returns the notices received since the last call, as "event
// agency: vuln ids".
func (h *hookReceiver) take(t *testing.T) []string {
	t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, b := range h.bodies {
		var event string
		_ = json.Unmarshal(b["event"], &event)
		var d vuln.DueNotice
		if err := json.Unmarshal(b[event], &d); err != nil {
			t.Fatalf("payload of %s: %v", event, err)
		}
		var ids []string
		for _, f := range d.Findings {
			ids = append(ids, f.VulnID)
		}
		sort.Strings(ids)
		out = append(out, event+" "+d.AgencyName+": "+strings.Join(ids, ","))
	}
	h.bodies = nil
	sort.Strings(out)
	return out
}

// TestRemindersAndOverdueNotices: a finding whose deadline is near is
// recalled once, one past it is announced overdue once, across runs and
// across two processes sharing the database; a new deadline is recalled
// again; closed findings are not; a maintenance window holds them back
// until it is over; a failed delivery is recorded and not repeated.
func TestRemindersAndOverdueNotices(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		hook := newHookReceiver(t)
		dispatcher := notify.New(db, w.Audit, notify.Config{AllowLoopback: true}) // the receiver is on 127.0.0.1
		if _, err := dispatcher.AddTarget(ctx, access.System, notify.TargetInput{Kind: "webhook", Address: hook.URL + "/vuln"}); err != nil {
			t.Fatal(err)
		}
		w.Vuln.SetNotifier(dispatcher)
		for _, f := range sampleFiles(t) {
			importFile(t, w.Vuln, f)
		}
		registerSample(t, w)
		mine := findings(t, w, w.OfficerB, vuln.FindingFilter{})
		if len(mine) != 2 {
			t.Fatalf("officer B's findings: %v", lines(mine))
		}
		now := time.Now()
		setDue := func(id int64, due time.Time) {
			t.Helper()
			if _, err := db.Writer().Exec(`UPDATE vuln_findings SET due_at = $1 WHERE id = $2`, store.FormatTime(due), id); err != nil {
				t.Fatal(err)
			}
		}
		// Every finding far from its deadline but B's two: one due in two
		// days, one two days late.
		if _, err := db.Writer().Exec(`UPDATE vuln_findings SET due_at = $1`, store.FormatTime(now.AddDate(0, 0, 60))); err != nil {
			t.Fatal(err)
		}
		near, late := mine[0], mine[1]
		setDue(near.ID, now.AddDate(0, 0, 2))
		setDue(late.ID, now.AddDate(0, 0, -2))

		run := func(s *vuln.Service, at time.Time) vuln.ReminderSummary {
			t.Helper()
			sum, err := s.SendReminders(ctx, at)
			if err != nil {
				t.Fatal(err)
			}
			return sum
		}
		sum := run(w.Vuln, now)
		if sum.Reminders != 1 || sum.Overdue != 1 || sum.Notices != 2 || sum.Failed != 0 {
			t.Errorf("first run: %+v", sum)
		}
		want := []string{"vuln-overdue " + w.B.Name + ": " + late.VulnID, "vuln-reminder " + w.B.Name + ": " + near.VulnID}
		if got := hook.take(t); strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("notices:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}

		// Again, and from a second process over the same database: nothing.
		other := vuln.New(db, w.Audit, events.New(db, nil))
		other.SetNotifier(dispatcher)
		if sum := run(w.Vuln, now.Add(time.Hour)); sum.Notices != 0 {
			t.Errorf("second run: %+v", sum)
		}
		if sum := run(other, now.Add(time.Hour)); sum.Notices != 0 {
			t.Errorf("other process: %+v", sum)
		}
		if got := hook.take(t); len(got) != 0 {
			t.Errorf("sent twice: %v", got)
		}

		// The near deadline passes: the overdue notice follows, once.
		sum = run(other, now.AddDate(0, 0, 3))
		if got := hook.take(t); sum.Overdue != 1 || len(got) != 1 || got[0] != "vuln-overdue "+w.B.Name+": "+near.VulnID {
			t.Errorf("deadline passed: %+v %v", sum, got)
		}

		// A new deadline (the priority changed) is recalled again; a fixed
		// finding is not.
		setDue(late.ID, now.AddDate(0, 0, 1))
		if _, err := w.Vuln.SetStatus(ctx, w.OfficerB, near.ID, vuln.StatusInput{Status: vuln.Fixed}); err != nil {
			t.Fatal(err)
		}
		// Under a maintenance window for every site, nothing goes out and
		// nothing is claimed; after it, the reminder goes.
		win, err := dispatcher.AddWindow(ctx, access.System, notify.WindowInput{StartsAt: now.Add(-time.Minute), EndsAt: now.Add(time.Hour), Reason: "nâng cấp"})
		if err != nil {
			t.Fatal(err)
		}
		if sum := run(w.Vuln, now); sum.Notices != 0 || sum.Muted != 1 {
			t.Errorf("muted: %+v", sum)
		}
		if got := hook.take(t); len(got) != 0 {
			t.Errorf("sent during maintenance: %v", got)
		}
		if err := dispatcher.DeleteWindow(ctx, access.System, win.ID); err != nil {
			t.Fatal(err)
		}
		sum = run(w.Vuln, now)
		if got := hook.take(t); sum.Reminders != 1 || len(got) != 1 || got[0] != "vuln-reminder "+w.B.Name+": "+late.VulnID {
			t.Errorf("new deadline: %+v %v", sum, got)
		}

		// A failing target: the claim records the failure, the notice is
		// not sent again.
		hook.Close()
		setDue(late.ID, now.AddDate(0, 0, -1))
		if sum := run(w.Vuln, now); sum.Overdue != 1 || sum.Failed != 1 {
			t.Errorf("failing target: %+v", sum)
		}
		var errText string
		if err := db.Q(ctx).QueryRowContext(ctx, `SELECT error FROM vuln_reminders WHERE finding_id = $1 AND kind = 'overdue' AND due_at = $2`,
			late.ID, store.FormatTime(now.AddDate(0, 0, -1))).Scan(&errText); err != nil || !strings.Contains(errText, "delivery failed") {
			t.Errorf("recorded failure: %q %v", errText, err)
		}
		if sum := run(w.Vuln, now); sum.Notices != 0 {
			t.Errorf("retried: %+v", sum)
		}
	})
}

// TestRemindersWithoutNotifier: with no notifier nothing is claimed, so
// setting one later still sends.
func TestRemindersWithoutNotifier(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		for _, f := range sampleFiles(t) {
			importFile(t, w.Vuln, f)
		}
		registerSample(t, w)
		if _, err := db.Writer().Exec(`UPDATE vuln_findings SET due_at = $1`, store.FormatTime(time.Now().Add(-time.Hour))); err != nil {
			t.Fatal(err)
		}
		if sum, err := w.Vuln.SendReminders(ctx, time.Now()); err != nil || sum != (vuln.ReminderSummary{}) {
			t.Fatalf("no notifier: %+v %v", sum, err)
		}
		var n int
		if err := db.Q(ctx).QueryRowContext(ctx, `SELECT COUNT(*) FROM vuln_reminders`).Scan(&n); err != nil || n != 0 {
			t.Errorf("claimed without a notifier: %d %v", n, err)
		}
	})
}
