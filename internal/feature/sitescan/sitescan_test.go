package sitescan_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/khien-project/khien/internal/engine/webscan"
	"github.com/khien-project/khien/internal/feature/monitor"
	"github.com/khien-project/khien/internal/feature/registry"
	"github.com/khien-project/khien/internal/feature/sitescan"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/audit"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/store/storetest"
	"github.com/khien-project/khien/internal/testkit/sitetest"
)

func TestSyncFollowsTheRegistry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := sitetest.NewWorld(t, db, monitor.Config{})
		site := w.AddSite(t, w.A, "https://cong.skhcn.example/")
		if !site.Active || site.State != "unknown" || site.Grade != "" || site.AgencyName != w.A.Name {
			t.Fatalf("new site: %+v", site)
		}
		// A second URL makes a second site; removing the first leaves it inactive.
		urls := []string{"https://dichvucong.skhcn.example/"}
		if _, err := w.Registry.UpdateSystem(ctx, access.System, site.SystemID, registry.SystemInput{URLs: &urls}); err != nil {
			t.Fatal(err)
		}
		if n, err := w.Sites.Sync(ctx); err != nil || n != 1 {
			t.Fatalf("sync added %d, %v", n, err)
		}
		active, total, _ := w.Sites.Sites(ctx, access.System, sitescan.SiteFilter{})
		all, totalAll, _ := w.Sites.Sites(ctx, access.System, sitescan.SiteFilter{Inactive: true})
		if total != 1 || totalAll != 2 || active[0].URL != urls[0] || len(all) != 2 {
			t.Fatalf("after removing a URL: %d active %v, %d in all", total, active, totalAll)
		}
		if n, err := w.Sites.Sync(ctx); err != nil || n != 0 {
			t.Fatalf("second sync added %d, %v", n, err)
		}
		// Syncing some systems leaves the others alone.
		name, other := "Khác", []string{"https://khac.example/"}
		sys, err := w.Registry.CreateSystem(ctx, access.System, registry.SystemInput{AgencyID: &w.B.ID, Name: &name, URLs: &other})
		if err != nil {
			t.Fatal(err)
		}
		if n, err := w.Sites.SyncSystems(ctx, site.SystemID); err != nil || n != 0 {
			t.Fatalf("sync of another system added %d, %v", n, err)
		}
		if n, err := w.Sites.SyncSystems(ctx, site.SystemID, sys.ID); err != nil || n != 1 {
			t.Fatalf("sync of the new system added %d, %v", n, err)
		}
	})
}

func TestDueScansFollowTheSchedule(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := sitetest.NewWorld(t, db, monitor.Config{})
		a := w.AddSite(t, w.A, "https://a.example/")
		b := w.AddSite(t, w.B, "https://b.example/")
		every := 6
		if _, err := w.Sites.UpdateSettings(ctx, access.System, b.ID, sitescan.SiteSettings{ScanEveryHours: &every}); err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		ids, err := w.Sites.DueScans(ctx, now, 100)
		if err != nil || len(ids) != 2 {
			t.Fatalf("due: %v %v", ids, err)
		}
		// Queued scans are not queued again, and the next times moved on
		// by the interval plus at most a tenth of jitter.
		if again, _ := w.Sites.DueScans(ctx, now.Add(time.Minute), 100); len(again) != 0 {
			t.Fatalf("queued twice: %v", again)
		}
		a, _ = w.Sites.Site(ctx, access.System, a.ID)
		b, _ = w.Sites.Site(ctx, access.System, b.ID)
		if d := a.NextScanAt.Sub(now); d < 24*time.Hour-time.Second || d > 24*time.Hour+24*time.Hour/10+time.Second {
			t.Errorf("default next scan in %v", d)
		}
		if d := b.NextScanAt.Sub(now); d < 6*time.Hour-time.Second || d > 6*time.Hour+6*time.Hour/10+time.Second {
			t.Errorf("overridden next scan in %v", d)
		}
		scans, total, _ := w.Sites.Scans(ctx, access.System, sitescan.ScanFilter{Status: sitescan.Queued})
		if total != 2 || scans[0].Origin != "schedule" {
			t.Fatalf("queued scans: %+v", scans)
		}
		// An officer of A sees A's scan only.
		mine, total, _ := w.Sites.Scans(ctx, w.OfficerA, sitescan.ScanFilter{})
		if total != 1 || mine[0].SiteID == nil || *mine[0].SiteID != a.ID {
			t.Fatalf("officer A sees %+v", mine)
		}
		if _, err := w.Sites.Scan(ctx, w.OfficerA, scans[0].ID+scans[1].ID-mine[0].ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("officer A reads B's scan: %v", err)
		}
	})
}

func TestRunStoresTheReportAndRaisesFindings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		p := sitetest.NewPortal(t)
		w := sitetest.NewWorld(t, db, monitor.Config{})
		site := w.AddSite(t, w.A, p.URL+"/")

		run := func() *sitescan.Result {
			t.Helper()
			scan, created, err := w.Sites.RequestScan(ctx, access.System, site.ID)
			if err != nil || !created || scan.Status != sitescan.Queued {
				t.Fatalf("request: %+v %v %v", scan, created, err)
			}
			res, err := w.Sites.Run(ctx, scan.ID, sitetest.Options(p))
			if err != nil || res == nil || res.Report == nil {
				t.Fatalf("run: %+v %v", res, err)
			}
			// A job delivered twice runs once.
			if again, err := w.Sites.Run(ctx, scan.ID, sitetest.Options(p)); again != nil || err != nil {
				t.Fatalf("second run of scan %d: %+v %v", scan.ID, again, err)
			}
			return res
		}
		first := run()
		if first.Report.Grade != "A+" || first.Scan.Status != sitescan.Done || first.Scan.Grade != "A+" {
			t.Fatalf("first scan: %s %+v", first.Report.Grade, first.Scan)
		}
		// The stored report is the engine's JSON, as `khien scan --json` prints it.
		stored, _ := w.Sites.Scan(ctx, access.System, first.Scan.ID)
		var back webscan.Report
		if err := json.Unmarshal(stored.Report, &back); err != nil || back.Grade != "A+" || len(back.Checks) != len(first.Report.Checks) {
			t.Fatalf("stored report: %v %s", err, stored.Report)
		}
		s1, _ := w.Sites.Site(ctx, access.System, site.ID)
		if s1.Grade != "A+" || s1.BaselineAt == nil || s1.LastScanID == nil || *s1.LastScanID != first.Scan.ID {
			t.Fatalf("site after scan: %+v", s1)
		}

		// The site is defaced and loses its headers: the grade drops and a
		// critical check fails; both raise findings visible to the agency.
		p.Set(sitetest.DefacedPage, 200, false)
		second := run()
		if second.Report.Grade != "F" || second.Previous == nil || second.Previous.Grade != "A+" {
			t.Fatalf("second scan: %s prev %v", second.Report.Grade, second.Previous)
		}
		findings, total, err := w.Sites.Findings(ctx, w.OfficerA, sitescan.FindingFilter{SiteID: site.ID, Status: "open"})
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[string]bool{}
		for _, f := range findings {
			kinds[f.Kind+":"+f.CheckID] = true
		}
		if !kinds["grade-drop:"] || !kinds["check-failed:content.defacement"] || total < 2 {
			t.Fatalf("findings: %+v", findings)
		}
		if _, n, _ := w.Sites.Findings(ctx, access.Actor{Role: access.Agency, AgencyID: w.B.ID, AgencyPath: w.B.Path, Username: "b"}, sitescan.FindingFilter{}); n != 0 {
			t.Errorf("agency B sees %d of A's findings", n)
		}
		diff, err := w.Sites.Diff(ctx, w.OfficerA, second.Scan.ID)
		if err != nil || diff.PreviousID == nil || *diff.PreviousID != first.Scan.ID || diff.GradeBefore != "A+" || diff.GradeAfter != "F" {
			t.Fatalf("diff: %+v %v", diff, err)
		}
		worse := map[string]bool{}
		for _, c := range diff.Changes {
			if c.Change == "worse" {
				worse[c.ID] = true
			}
		}
		if !worse["content.defacement"] || !worse["headers.csp"] {
			t.Errorf("diff does not show what got worse: %+v", diff.Changes)
		}
		// The defaced page differs from the stored baseline too.
		for _, c := range second.Report.Checks {
			if c.ID == "content.defacement" && c.Result != webscan.Fail {
				t.Errorf("defacement: %+v", c)
			}
		}

		// Fixed: the grade comes back, the findings on it are resolved.
		p.Set(sitetest.CleanPage, 200, true)
		third := run()
		if third.Report.Grade != "A+" {
			t.Fatalf("third scan: %s", third.Report.Grade)
		}
		if _, open, _ := w.Sites.Findings(ctx, access.System, sitescan.FindingFilter{SiteID: site.ID, Status: "open"}); open != 0 {
			t.Errorf("%d findings still open after the fix", open)
		}
		sum, err := w.Sites.Summarize(ctx, w.OfficerA)
		if err != nil || sum.Sites != 1 || sum.ByGrade["A"] != 1 || sum.Findings != 0 || sum.Down != 0 {
			t.Errorf("summary for officer A: %+v %v", sum, err)
		}
		if sum, _ := w.Sites.Summarize(ctx, access.Actor{Role: access.Agency, AgencyID: w.B.ID, AgencyPath: w.B.Path, Username: "b"}); sum.Sites != 0 {
			t.Errorf("summary for agency B: %+v", sum)
		}
		list, _, _ := w.Sites.Sites(ctx, access.System, sitescan.SiteFilter{})
		if got := list[0].Trend; len(got) != 3 || got[0] != "A+" || got[1] != "F" || got[2] != "A+" {
			t.Errorf("trend %v", got)
		}
	})
}

func TestUnreachableSiteIsAnErrorScan(t *testing.T) {
	ctx := context.Background()
	w := sitetest.NewWorld(t, storetest.Open(t, store.SQLite), monitor.Config{})
	site := w.AddSite(t, w.A, "https://127.0.0.1:1/")
	scan, _, err := w.Sites.RequestScan(ctx, access.System, site.ID)
	if err != nil {
		t.Fatal(err)
	}
	res, err := w.Sites.Run(ctx, scan.ID, webscan.Options{AllowPrivate: true, Timeout: 5 * time.Second})
	if err != nil || res.Report != nil {
		t.Fatalf("run: %+v %v", res, err)
	}
	got, _ := w.Sites.Scan(ctx, access.System, scan.ID)
	if got.Status != sitescan.Failed || got.Error == "" || got.FinishedAt == nil {
		t.Fatalf("scan of an unreachable site: %+v", got)
	}
	// Without private addresses allowed, the guard refuses it.
	scan2, _, _ := w.Sites.RequestScan(ctx, access.System, site.ID)
	w.Sites.Run(ctx, scan2.ID, webscan.Options{Timeout: 5 * time.Second})
	if got, _ := w.Sites.Scan(ctx, access.System, scan2.ID); got.Status != sitescan.Failed {
		t.Fatalf("guarded scan: %+v", got)
	}
}

// TestOneScanPerHostAtATime: scans of several sites on one host run one
// after another even when the workers could run them together.
func TestOneScanPerHostAtATime(t *testing.T) {
	ctx := context.Background()
	p := sitetest.NewPortal(t)
	w := sitetest.NewWorld(t, storetest.Open(t, store.SQLite), monitor.Config{})
	p.SetDelay(30 * time.Millisecond)
	var ids []int64
	for _, path := range []string{"/", "/?a", "/?b"} {
		s := w.AddSite(t, w.A, p.URL+path)
		scan, _, err := w.Sites.RequestScan(ctx, access.System, s.ID)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, scan.ID)
	}
	var wg sync.WaitGroup
	for _, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := w.Sites.Run(ctx, id, sitetest.Options(p)); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	// One assessment keeps at most a few probes in flight (the exposure
	// probes run four at a time); three at once would show three times that.
	if peak := p.Peak(); peak > 4 {
		t.Errorf("peak %d requests in flight on one host", peak)
	}
}

func TestSettingsAreValidatedAndAudited(t *testing.T) {
	ctx := context.Background()
	w := sitetest.NewWorld(t, storetest.Open(t, store.SQLite), monitor.Config{})
	site := w.AddSite(t, w.A, "https://a.example/")
	bad := -1
	rule := "re:("
	th := 1.5
	_, err := w.Sites.UpdateSettings(ctx, access.System, site.ID, sitescan.SiteSettings{ScanEveryHours: &bad, IgnoreRule: &rule, ChangeThreshold: &th})
	var fe interface{ Error() string }
	if !errors.Is(err, store.ErrInvalid) || !errors.As(err, &fe) {
		t.Fatalf("bad settings: %v", err)
	}
	if _, err := w.Sites.UpdateSettings(ctx, w.OfficerA, site.ID, sitescan.SiteSettings{}); !errors.Is(err, store.ErrForbidden) {
		t.Fatalf("officer changes settings: %v", err)
	}
	good := "#clock\n.ticker"
	s, err := w.Sites.UpdateSettings(ctx, access.System, site.ID, sitescan.SiteSettings{IgnoreRule: &good})
	if err != nil || s.IgnoreRule != good {
		t.Fatalf("good settings: %+v %v", s, err)
	}
	entries, _, _ := w.Audit.List(ctx, access.System, auditFilter("site.update"))
	if len(entries) != 1 {
		t.Errorf("audit entries %d", len(entries))
	}
}

func auditFilter(action string) audit.Filter { return audit.Filter{Action: action} }

// TestAdhocScan: admins and analysts may scan a URL outside the registry;
// the scan keeps no site and agency officers never see it.
func TestAdhocScan(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		p := sitetest.NewPortal(t)
		w := sitetest.NewWorld(t, db, monitor.Config{})
		if _, _, err := w.Sites.RequestURL(ctx, w.OfficerA, p.URL+"/"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("officer's ad-hoc scan: %v", err)
		}
		if _, _, err := w.Sites.RequestURL(ctx, access.System, "ftp://x.example/"); !errors.Is(err, store.ErrInvalid) {
			t.Fatalf("ftp URL: %v", err)
		}
		scan, created, err := w.Sites.RequestURL(ctx, access.System, p.URL+"/")
		if err != nil || !created || scan.SiteID != nil {
			t.Fatalf("ad-hoc: %+v %v %v", scan, created, err)
		}
		if again, created, _ := w.Sites.RequestURL(ctx, access.System, p.URL+"/"); created || again.ID != scan.ID {
			t.Fatalf("second request queued another scan: %+v", again)
		}
		res, err := w.Sites.Run(ctx, scan.ID, sitetest.Options(p))
		if err != nil || res.Report == nil || res.Report.Grade != "A+" || res.Site.ID != 0 {
			t.Fatalf("run: %+v %v", res, err)
		}
		if _, n, _ := w.Sites.Scans(ctx, w.OfficerA, sitescan.ScanFilter{}); n != 0 {
			t.Errorf("officer sees %d ad-hoc scans", n)
		}
		if _, err := w.Sites.Scan(ctx, w.OfficerA, scan.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("officer reads the ad-hoc scan: %v", err)
		}
		got, err := w.Sites.Scan(ctx, access.System, scan.ID)
		if err != nil || got.Status != sitescan.Done || got.Report == nil {
			t.Fatalf("stored: %+v %v", got, err)
		}
		// A registered URL goes to its site instead.
		site := w.AddSite(t, w.A, p.URL+"/")
		reg, _, err := w.Sites.RequestURL(ctx, w.OfficerA, p.URL+"/")
		if err != nil || reg.SiteID == nil || *reg.SiteID != site.ID {
			t.Fatalf("registered URL: %+v %v", reg, err)
		}
	})
}

// TestClaimAndSweep: a scan another worker is running is not run again
// until that worker has been silent too long; the sweep turns abandoned
// scans into errors and hands back the queued ones whose job was lost.
func TestClaimAndSweep(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		p := sitetest.NewPortal(t)
		w := sitetest.NewWorld(t, db, monitor.Config{})
		site := w.AddSite(t, w.A, p.URL+"/")
		scan, _, _ := w.Sites.RequestScan(ctx, access.System, site.ID)
		set := func(q string, args ...any) {
			t.Helper()
			if _, err := db.Writer().ExecContext(ctx, q, args...); err != nil {
				t.Fatal(err)
			}
		}
		set(`UPDATE scans SET status = 'running', started_at = $1 WHERE id = $2`, store.Now(), scan.ID)
		if res, err := w.Sites.Run(ctx, scan.ID, sitetest.Options(p)); res != nil || err != nil {
			t.Fatalf("ran a scan another worker holds: %+v %v", res, err)
		}
		set(`UPDATE scans SET started_at = $1 WHERE id = $2`, store.FormatTime(time.Now().Add(-20*time.Minute)), scan.ID)
		if res, err := w.Sites.Run(ctx, scan.ID, sitetest.Options(p)); err != nil || res == nil || res.Scan.Status != sitescan.Done {
			t.Fatalf("did not take over a silent worker's scan: %+v %v", res, err)
		}

		old := store.FormatTime(time.Now().Add(-2 * time.Hour))
		abandoned, _, _ := w.Sites.RequestScan(ctx, access.System, site.ID)
		set(`UPDATE scans SET status = 'running', started_at = $1, created_at = $1 WHERE id = $2`, old, abandoned.ID)
		other := w.AddSite(t, w.B, "https://b.example/")
		lost, _, _ := w.Sites.RequestScan(ctx, access.System, other.ID)
		set(`UPDATE scans SET created_at = $1 WHERE id = $2`, old, lost.ID)
		fresh := w.AddSite(t, w.B, "https://c.example/")
		w.Sites.RequestScan(ctx, access.System, fresh.ID)
		ids, err := w.Sites.Sweep(ctx, time.Now())
		if err != nil || len(ids) != 1 || ids[0] != lost.ID {
			t.Fatalf("sweep handed back %v, %v; want [%d]", ids, err, lost.ID)
		}
		if got, _ := w.Sites.Scan(ctx, access.System, abandoned.ID); got.Status != sitescan.Failed || !strings.Contains(got.Error, "abandoned") {
			t.Fatalf("abandoned scan: %+v", got)
		}
	})
}

// TestScanJobsRunOnce: a scan and its job are written together (the job
// waits in the outbox); another job does not take a live scan, the same
// job's retry waits for its earlier attempt, and a silent scan is taken
// over only if it stays silent after being marked (a worker that was only
// cut off from the database keeps it); a request re-queues a silent scan.
func TestScanJobsRunOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		p := sitetest.NewPortal(t)
		w := sitetest.NewWorld(t, db, monitor.Config{})
		site := w.AddSite(t, w.A, p.URL+"/")
		jobsFor := func(id int64) int {
			t.Helper()
			var n int
			if err := db.Reader().QueryRow(`SELECT COUNT(*) FROM event_outbox WHERE job_kind = $1 AND payload = $2`, sitescan.JobKind, fmt.Sprintf(`{"scan_id":%d}`, id)).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		scan, created, err := w.Sites.RequestScan(ctx, access.System, site.ID)
		if err != nil || !created || jobsFor(scan.ID) != 1 {
			t.Fatalf("request: %+v %v, %d jobs", scan, err, jobsFor(scan.ID))
		}
		if again, created, _ := w.Sites.RequestScan(ctx, access.System, site.ID); created || again.ID != scan.ID || jobsFor(scan.ID) != 1 {
			t.Fatalf("a second request queued another job: %+v, %d jobs", again, jobsFor(scan.ID))
		}
		set := func(q string, args ...any) {
			t.Helper()
			if _, err := db.Writer().ExecContext(ctx, q, args...); err != nil {
				t.Fatal(err)
			}
		}
		// Job 7's first attempt holds the scan and is alive.
		set(`UPDATE scans SET status = 'running', started_at = $1, heartbeat_at = $1, claim_token = '7/1' WHERE id = $2`, store.Now(), scan.ID)
		if res, err := w.Sites.RunJob(ctx, scan.ID, "8/1", sitetest.Options(p)); res != nil || err != nil {
			t.Fatalf("another job ran a live scan: %+v %v", res, err)
		}
		if _, err := w.Sites.RunJob(ctx, scan.ID, "7/2", sitetest.Options(p)); !errors.Is(err, sitescan.ErrHeld) || !store.IsUnavailable(err) {
			t.Fatalf("the same job's retry while its earlier attempt may live: %v", err)
		}
		// It falls silent: the first delivery to see it so only marks it...
		silent := store.FormatTime(time.Now().Add(-time.Minute))
		set(`UPDATE scans SET started_at = $1, heartbeat_at = $1 WHERE id = $2`, silent, scan.ID)
		if _, err := w.Sites.RunJob(ctx, scan.ID, "7/3", sitetest.Options(p)); !errors.Is(err, sitescan.ErrHeld) {
			t.Fatalf("a silent scan was taken over at first sight: %v", err)
		}
		// ...and a heartbeat (the worker was only cut off) clears the mark.
		set(`UPDATE scans SET heartbeat_at = $1, takeover_at = '' WHERE id = $2`, store.Now(), scan.ID)
		if _, err := w.Sites.RunJob(ctx, scan.ID, "7/4", sitetest.Options(p)); !errors.Is(err, sitescan.ErrHeld) {
			t.Fatalf("a worker that came back lost its scan: %v", err)
		}
		// Silent again, and still silent when the mark is old: its worker died.
		set(`UPDATE scans SET started_at = $1, heartbeat_at = $1 WHERE id = $2`, silent, scan.ID)
		if again, _, _ := w.Sites.RequestScan(ctx, access.System, site.ID); again.ID != scan.ID || jobsFor(scan.ID) != 2 {
			t.Fatalf("a request for a silent scan did not queue its job again: %+v, %d jobs", again, jobsFor(scan.ID))
		}
		if _, err := w.Sites.RunJob(ctx, scan.ID, "9/1", sitetest.Options(p)); !errors.Is(err, sitescan.ErrHeld) {
			t.Fatalf("first sight of the silent scan: %v", err)
		}
		set(`UPDATE scans SET takeover_at = $1 WHERE id = $2`, store.FormatTime(time.Now().Add(-30*time.Second)), scan.ID)
		res, err := w.Sites.RunJob(ctx, scan.ID, "9/2", sitetest.Options(p))
		if err != nil || res == nil || res.Scan.Status != sitescan.Done {
			t.Fatalf("a silent worker's scan was not taken over: %+v %v", res, err)
		}
		if res, err := w.Sites.RunJob(ctx, scan.ID, "9/3", sitetest.Options(p)); res != nil || err != nil {
			t.Fatalf("a finished scan ran again: %+v %v", res, err)
		}
		// A due scan gets its job with its row too.
		set(`UPDATE sites SET next_scan_at = $1 WHERE id = $2`, silent, site.ID)
		ids, err := w.Sites.DueScans(ctx, time.Now(), 10)
		if err != nil || len(ids) != 1 || jobsFor(ids[0]) != 1 {
			t.Fatalf("due scans %v %v", ids, err)
		}
	})
}

// TestTakenOverScanWritesNothing: a delivery whose scan was taken over
// while it assessed (it was believed dead) stores nothing when it ends:
// the scan keeps the outcome of the delivery that holds it.
func TestTakenOverScanWritesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		p := sitetest.NewPortal(t)
		p.SetDelay(200 * time.Millisecond)
		w := sitetest.NewWorld(t, db, monitor.Config{})
		site := w.AddSite(t, w.A, p.URL+"/")
		scan, _, _ := w.Sites.RequestScan(ctx, access.System, site.ID)
		go func() {
			// Once the scan is claimed, another delivery takes it over.
			for range 500 {
				var token string
				db.Reader().QueryRow(`SELECT claim_token FROM scans WHERE id = $1`, scan.ID).Scan(&token)
				if token == "5/1" {
					db.Writer().Exec(`UPDATE scans SET claim_token = '6/1' WHERE id = $1`, scan.ID)
					return
				}
				time.Sleep(5 * time.Millisecond)
			}
		}()
		res, err := w.Sites.RunJob(ctx, scan.ID, "5/1", sitetest.Options(p))
		if res != nil || err != nil {
			t.Fatalf("a taken-over delivery answered %+v %v", res, err)
		}
		got, _ := w.Sites.Scan(ctx, access.System, scan.ID)
		if got.Status != sitescan.Running || got.Grade != "" {
			t.Fatalf("the taken-over delivery wrote its outcome: %+v", got)
		}
	})
}
