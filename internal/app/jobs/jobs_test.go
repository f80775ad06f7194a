package jobs_test

import (
	"context"
	"testing"
	"time"

	"github.com/khien-project/khien/internal/app/jobs"
	"github.com/khien-project/khien/internal/feature/auth"
	"github.com/khien-project/khien/internal/feature/monitor"
	"github.com/khien-project/khien/internal/feature/sitescan"
	"github.com/khien-project/khien/internal/feature/trust"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/bus"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/store/storetest"
	"github.com/khien-project/khien/internal/testkit/sitetest"
)

// TestScheduledScansAndProbesGoThroughTheBus runs the schedule's jobs on
// an embedded NATS JetStream: scan-due queues a scan of every due site and
// puts it on the bus, site-scan assesses and stores it, and a scan that
// fails a critical check suspends the site's label; monitor-due probes
// every due site.
func TestScheduledScansAndProbesGoThroughTheBus(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db := storetest.Open(t, store.SQLite)
	p := sitetest.NewPortal(t)
	w := sitetest.NewWorld(t, db, monitor.Config{Probe: sitetest.Options(p)})
	b, err := bus.Open(ctx, bus.Options{DataDir: t.TempDir(), Name: "jobs-test"})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	// Durable event subscribers (trust after a scan, alert notifications)
	// run through this bus too, as in serve.
	w.Events.SetQueue(b)
	deps := jobs.Deps{Bus: b, Auth: auth.New(db, w.Audit), Sites: w.Sites, Trust: w.Trust, Monitor: w.Monitor, Events: w.Events, Scan: sitetest.Options(p), ScanConcurrency: 2}
	done := make(chan error, 1)
	go func() { done <- jobs.RunWorkers(ctx, b, jobs.Kinds(deps), 4) }()

	var sites []sitescan.Site
	for _, path := range []string{"/", "/?v=2"} {
		sites = append(sites, w.AddSite(t, w.A, p.URL+path))
	}
	wait := func(what string, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for !ok() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	if err := b.Enqueue(ctx, jobs.KindScanDue, "slot-1", nil); err != nil {
		t.Fatal(err)
	}
	wait("two finished scans", func() bool {
		_, n, _ := w.Sites.Scans(ctx, access.System, sitescan.ScanFilter{Status: sitescan.Done})
		return n == 2
	})
	for _, s := range sites {
		got, _ := w.Sites.Site(ctx, access.System, s.ID)
		if got.Grade != "A+" || got.NextScanAt.Before(time.Now().Add(23*time.Hour)) {
			t.Fatalf("site after its scheduled scan: %+v", got)
		}
	}

	// A label on the first site; the site is then defaced and scanned now.
	l, err := w.Trust.Grant(ctx, access.System, trust.GrantInput{SiteID: sites[0].ID, PrivacyURL: "https://a.example/p", Contact: "attt"})
	if err != nil {
		t.Fatal(err)
	}
	p.Set(sitetest.DefacedPage, 200, true)
	scan, _, err := w.Sites.RequestScan(ctx, access.System, sites[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := jobs.EnqueueScan(ctx, b, scan.ID); err != nil {
		t.Fatal(err)
	}
	wait("the label suspended", func() bool {
		got, _ := w.Trust.Label(ctx, access.System, l.ID)
		return got.State == trust.Suspended
	})
	if got, _ := w.Sites.Scan(ctx, access.System, scan.ID); got.Grade != "F" {
		t.Fatalf("defaced scan: %+v", got)
	}

	// monitor-due probes both sites once.
	if err := b.Enqueue(ctx, jobs.KindMonitorDue, "slot-1", nil); err != nil {
		t.Fatal(err)
	}
	wait("both sites probed", func() bool {
		list, _, _ := w.Sites.Sites(ctx, access.System, sitescan.SiteFilter{})
		for _, s := range list {
			if s.LastCheckedAt == nil {
				return false
			}
		}
		return true
	})
	alerts, _, _ := w.Monitor.Alerts(ctx, access.System, monitor.AlertFilter{Kind: monitor.KindDefacement})
	if len(alerts) != 2 {
		t.Errorf("defacement alerts: %+v", alerts) // both URLs serve the defaced page
	}
	// Each durable event is put on the bus right after its probe commits.
	wait("the outbox emptied", func() bool { n, err := w.Events.Backlog(ctx); return err == nil && n == 0 })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
