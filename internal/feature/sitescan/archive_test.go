package sitescan_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/khien-project/khien/internal/engine/webscan"
	"github.com/khien-project/khien/internal/feature/monitor"
	"github.com/khien-project/khien/internal/feature/registry"
	"github.com/khien-project/khien/internal/feature/sitescan"
	"github.com/khien-project/khien/internal/feature/trust"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/audit"
	"github.com/khien-project/khien/internal/platform/notify"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/store/storetest"
	"github.com/khien-project/khien/internal/testkit/sitetest"
)

// history counts what is recorded about one site, as actor reads it.
type history struct{ scans, findings, alerts int }

func readHistory(t *testing.T, w *sitetest.World, actor access.Actor, site int64) history {
	t.Helper()
	ctx := context.Background()
	_, scans, err := w.Sites.Scans(ctx, actor, sitescan.ScanFilter{SiteID: site})
	if err != nil {
		t.Fatal(err)
	}
	_, findings, err := w.Sites.Findings(ctx, actor, sitescan.FindingFilter{SiteID: site})
	if err != nil {
		t.Fatal(err)
	}
	_, alerts, err := w.Monitor.Alerts(ctx, actor, monitor.AlertFilter{SiteID: site})
	if err != nil {
		t.Fatal(err)
	}
	return history{scans, findings, alerts}
}

// TestArchiveKeepsHistoryAndPurgeCountsIt: an agency officer's delete of
// a system archives it; its site stops being scanned and probed, its label
// is suspended, and every scan, finding, alert and label stays readable by
// the officer, analysts and auditors. Only an admin purges it, and the
// purge removes each feature's rows and counts them in the audit log.
func TestArchiveKeepsHistoryAndPurgeCountsIt(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		p := sitetest.NewPortal(t)
		w := sitetest.NewWorld(t, db, monitor.Config{FailThreshold: 1, Probe: sitetest.Options(p)})
		reg := registry.New(db, w.Audit, w.Events) // publishing, as the platform wires it
		site := w.AddSite(t, w.A, p.URL+"/")
		bad := sitetest.PassingReport(site.URL, "C")
		bad.Checks = append(bad.Checks, webscan.Check{ID: string(webscan.DNSCAA), Result: webscan.Fail, Severity: "high", Title: "CAA", TitleEN: "CAA"})
		if _, err := w.Sites.Record(ctx, access.System, site.ID, bad); err != nil {
			t.Fatal(err)
		}
		p.Set(sitetest.CleanPage, 500, true)
		if _, err := w.Monitor.Check(ctx, site.ID); err != nil {
			t.Fatal(err)
		}
		p.Set(sitetest.CleanPage, 200, true)
		label := w.GrantLabel(t, site) // the latest scan passes: a granted label
		if _, err := w.Notify.AddWindow(ctx, access.System, notify.WindowInput{SiteID: &site.ID, StartsAt: time.Now().Add(time.Hour), EndsAt: time.Now().Add(2 * time.Hour), Reason: "nâng cấp"}); err != nil {
			t.Fatal(err)
		}
		analyst := access.Actor{UserID: 7, Username: "phantich", Role: access.Analyst}
		auditor := access.Actor{UserID: 8, Username: "kiemtoan", Role: access.Auditor}
		before := readHistory(t, w, auditor, site.ID)
		if before.scans < 2 || before.findings < 1 || before.alerts < 1 {
			t.Fatalf("fixture: %+v", before)
		}

		if err := reg.DeleteSystem(ctx, w.OfficerA, site.SystemID); err != nil {
			t.Fatal(err)
		}
		for _, who := range []access.Actor{w.OfficerA, analyst, auditor} {
			if got := readHistory(t, w, who, site.ID); got != before {
				t.Errorf("%s after the archive reads %+v, want %+v", who.Username, got, before)
			}
			sys, err := reg.System(ctx, who, site.SystemID)
			if err != nil || !sys.Archived() || sys.ArchivedBy != w.OfficerA.Username {
				t.Errorf("%s reads the archived system: %+v %v", who.Username, sys, err)
			}
			l, err := w.Trust.Label(ctx, who, label.ID)
			if err != nil || l.State != trust.Suspended || !strings.Contains(l.Reason, "lưu trữ") || !strings.Contains(l.ReasonEN, "archived") {
				t.Errorf("%s reads the label: %+v %v", who.Username, l, err)
			}
		}
		x, err := w.Sites.Site(ctx, auditor, site.ID)
		if err != nil || x.Active || x.ArchivedAt == nil || x.ArchivedBy != w.OfficerA.Username {
			t.Fatalf("archived site: %+v %v", x, err)
		}
		// Not live: not listed, not counted, not scanned, not probed, read-only.
		if list, n, _ := reg.Systems(ctx, w.OfficerA, registry.SystemFilter{}); n != 0 {
			t.Errorf("live systems list the archived one: %+v", list)
		}
		if _, n, _ := reg.Systems(ctx, w.OfficerA, registry.SystemFilter{Archived: "true"}); n != 1 {
			t.Errorf("archived systems: %d", n)
		}
		if sum, _ := reg.Summary(ctx, w.OfficerA); sum.Systems != 0 || sum.URLs != 0 {
			t.Errorf("summary counts the archived system: %+v", sum)
		}
		later := time.Now().Add(365 * 24 * time.Hour)
		if ids, err := w.Sites.DueScans(ctx, later, 100); err != nil || len(ids) != 0 {
			t.Errorf("archived site scanned: %v %v", ids, err)
		}
		if ids, err := w.Sites.DueProbes(ctx, later, 100); err != nil || slices.Contains(ids, site.ID) {
			t.Errorf("archived site probed: %v %v", ids, err)
		}
		for name, err := range map[string]error{
			"officer edits":    second(reg.UpdateSystem(ctx, w.OfficerA, site.SystemID, registry.SystemInput{Name: sp("x")})),
			"officer archives": second(reg.ArchiveSystem(ctx, w.OfficerA, site.SystemID)),
			"officer scans":    third(w.Sites.RequestScan(ctx, w.OfficerA, site.ID)),
			"admin probes":     second(w.Monitor.CheckNow(ctx, access.System, site.ID)),
			"admin grants":     second(w.Trust.Grant(ctx, access.System, trust.GrantInput{SiteID: site.ID, PrivacyURL: "https://a.example/p", Contact: "x"})),
			"admin settings":   second(w.Sites.UpdateSettings(ctx, access.System, site.ID, sitescan.SiteSettings{})),
		} {
			if !errors.Is(err, store.ErrConflict) {
				t.Errorf("%s on an archived system: %v, want a conflict", name, err)
			}
		}
		for _, who := range []access.Actor{w.OfficerA, analyst, auditor} {
			if _, err := reg.RestoreSystem(ctx, who, site.SystemID); !errors.Is(err, store.ErrForbidden) {
				t.Errorf("%s restores: %v", who.Username, err)
			}
			if _, err := reg.PurgeSystem(ctx, who, site.SystemID); !errors.Is(err, store.ErrForbidden) {
				t.Errorf("%s purges: %v", who.Username, err)
			}
		}
		// Registering it again starts a new system beside the archived one.
		again := w.AddSite(t, w.A, p.URL+"/")
		if again.ID == site.ID || again.SystemID == site.SystemID || readHistory(t, w, auditor, site.ID) != before {
			t.Fatalf("re-created system: %+v", again)
		}
		// A live system cannot be purged, and the database refuses to
		// delete any system or site but through a purge.
		if _, err := reg.PurgeSystem(ctx, access.System, again.SystemID); !errors.Is(err, store.ErrConflict) {
			t.Errorf("purge of a live system: %v", err)
		}
		for _, q := range []string{`DELETE FROM systems WHERE id = $1`, `DELETE FROM sites WHERE system_id = $1`} {
			for _, id := range []int64{again.SystemID, site.SystemID} {
				if _, err := db.Writer().ExecContext(ctx, q, id); err == nil {
					t.Errorf("%s (%d) was allowed", q, id)
				}
			}
		}

		got, err := reg.PurgeSystem(ctx, access.System, site.SystemID)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]int64{"systems": 1, "sites": 1, "scans": int64(before.scans), "findings": int64(before.findings), "alerts": int64(before.alerts),
			"labels": 1, "maintenance_windows": 1}
		for k, n := range want {
			if got.Removed[k] != n {
				t.Errorf("purge removed %d %s, want %d (%v)", got.Removed[k], k, n, got.Removed)
			}
		}
		if got.Removed["label_events"] < 2 || got.Removed["monitor_samples"] < 1 || got.Removed["system_assets"] < 1 {
			t.Errorf("purge counts: %v", got.Removed)
		}
		if h := readHistory(t, w, access.System, site.ID); h != (history{}) {
			t.Errorf("history left after the purge: %+v", h)
		}
		if _, err := reg.System(ctx, access.System, site.SystemID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("purged system: %v", err)
		}
		entries, _, err := w.Audit.List(ctx, access.System, audit.Filter{ObjectType: "system", ObjectID: itoa(site.SystemID)})
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range entries {
			actions = append(actions, e.Action)
			if e.Action == "purge" && (!strings.Contains(string(e.After), `"scans":`+itoa(int64(before.scans))) || !strings.Contains(string(e.Before), site.URL)) {
				t.Errorf("purge entry: before %s after %s", e.Before, e.After)
			}
			if e.Action == "archive" && (!strings.Contains(string(e.After), `"archived_by":"`+w.OfficerA.Username) || strings.Contains(string(e.Before), `"archived_by":"canbo`)) {
				t.Errorf("archive entry: before %s after %s", e.Before, e.After)
			}
		}
		if !slices.Contains(actions, "archive") || !slices.Contains(actions, "purge") {
			t.Errorf("audit of the system: %v", actions)
		}
		// The live system beside it is untouched.
		if h := readHistory(t, w, access.System, again.ID); h.scans != 0 {
			t.Errorf("new system: %+v", h)
		}
	})
}

// TestRemovedURLArchivesItsSite: a URL removed from a live system archives
// its site the same way (who, when, label suspended); putting the URL back
// brings the same site back with its history, its label still suspended.
func TestRemovedURLArchivesItsSite(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := sitetest.NewWorld(t, db, monitor.Config{})
		reg := registry.New(db, w.Audit, w.Events)
		site := w.AddSite(t, w.A, "https://cong.a.example/")
		label := w.GrantLabel(t, site)
		other := []string{"https://moi.a.example/"}
		if _, err := reg.UpdateSystem(ctx, w.OfficerA, site.SystemID, registry.SystemInput{URLs: &other}); err != nil {
			t.Fatal(err)
		}
		x, err := w.Sites.Site(ctx, w.OfficerA, site.ID)
		if err != nil || x.Active || x.ArchivedAt == nil || x.ArchivedBy != w.OfficerA.Username {
			t.Fatalf("site of the removed URL: %+v %v", x, err)
		}
		l, err := w.Trust.Label(ctx, w.OfficerA, label.ID)
		if err != nil || l.State != trust.Suspended || !strings.Contains(l.ReasonEN, "removed") {
			t.Fatalf("label of the removed URL: %+v %v", l, err)
		}
		if _, n, _ := w.Sites.Sites(ctx, w.OfficerA, sitescan.SiteFilter{Archived: "true"}); n != 1 {
			t.Errorf("archived sites: %d", n)
		}
		back := []string{site.URL, other[0]}
		if _, err := reg.UpdateSystem(ctx, w.OfficerA, site.SystemID, registry.SystemInput{URLs: &back}); err != nil {
			t.Fatal(err)
		}
		x, err = w.Sites.Site(ctx, w.OfficerA, site.ID)
		if err != nil || !x.Active || x.ArchivedAt != nil || x.LastScanID == nil {
			t.Fatalf("site of the URL put back: %+v %v", x, err)
		}
		if l, _ := w.Trust.Label(ctx, w.OfficerA, label.ID); l.State != trust.Suspended {
			t.Errorf("label after the URL came back: %s (an admin grants it again)", l.State)
		}
		entries, _, _ := w.Audit.List(ctx, access.System, audit.Filter{ObjectType: "site", ObjectID: itoa(site.ID)})
		var actions []string
		for _, e := range entries {
			actions = append(actions, e.Action+"/"+e.Actor)
		}
		if !slices.Contains(actions, "site.archive/canbo.a") || !slices.Contains(actions, "site.restore/canbo.a") {
			t.Errorf("audit of the site: %v", actions)
		}
	})
}

func second[T any](_ T, err error) error        { return err }
func third[T, U any](_ T, _ U, err error) error { return err }
func sp(s string) *string                       { return &s }
func itoa(n int64) string                       { return strconv.FormatInt(n, 10) }
