package sitescan_test

import (
	"context"
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
	"github.com/khien-project/khien/internal/platform/hostrate"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/store/storetest"
	"github.com/khien-project/khien/internal/testkit/sitetest"
)

// TestHostRateAfterImport: an officer imports 300 URLs on one host. Until
// the host is verified the host gets no request at all; once it is, scans
// requested for all 300 sites (four workers) and their probes (eight
// workers) together never make more requests to the host in any window
// than the limit, counted by the host itself. (The limit here is 20
// requests a second, so that the test is short; the platform's is per
// minute. Before pacing, the same load made hundreds of requests a
// second.)
func TestHostRateAfterImport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		p := sitetest.NewPortal(t)
		const limit, window = 20, time.Second
		rates := hostrate.New(db, hostrate.Config{PerMinute: limit, Window: window, Spacing: 50 * time.Millisecond})
		opts := sitetest.Options(p)
		opts.Timeout = 10 * time.Second
		w := sitetest.NewWorld(t, db, monitor.Config{Probe: opts, Rates: rates})
		var csv strings.Builder
		csv.WriteString("Mã đơn vị,Tên hệ thống,Địa chỉ web\n")
		for i := range 300 {
			fmt.Fprintf(&csv, "%s,Hệ thống %d,%s/?trang=%d\n", w.A.Code, i, p.URL, i)
		}
		rep, err := wired(w).Import(ctx, w.OfficerA, registry.KindSystems, strings.NewReader(csv.String()), registry.ImportOptions{})
		if err != nil || !rep.Committed || rep.Created != 300 {
			t.Fatalf("import: %+v %v", rep, err)
		}
		now := time.Now().Add(time.Second)
		if scans, _ := w.Sites.DueScans(ctx, now, 1000); len(scans) != 0 {
			t.Fatalf("%d scans queued for unverified sites", len(scans))
		}
		if probes, _ := w.Sites.DueProbes(ctx, now, 1000); len(probes) != 0 {
			t.Fatalf("%d probes due for unverified sites", len(probes))
		}
		if p.Hits() != 0 {
			t.Fatalf("%d requests to an unverified host", p.Hits())
		}
		// The officer publishes the token and verifies once: all 300 follow.
		sites, total, _ := w.Sites.Sites(ctx, w.OfficerA, sitescan.SiteFilter{Limit: 1})
		p.SetFile(webscan.OwnershipPath, sites[0].Proof.DNSValue)
		if x, err := w.Sites.VerifyNow(ctx, w.OfficerA, sites[0].ID); err != nil || x.Verification != sitescan.Verified {
			t.Fatalf("verify: %+v %v", x, err)
		}
		if _, n, _ := w.Sites.Sites(ctx, w.OfficerA, sitescan.SiteFilter{Verification: sitescan.Verified}); n != 300 || total != 300 {
			t.Fatalf("%d of %d sites verified", n, total)
		}
		// Every site's scan requested, and every probe due, at once.
		var scanIDs []int64
		for off := 0; off < 300; off += 100 {
			page, _, _ := w.Sites.Sites(ctx, access.System, sitescan.SiteFilter{Limit: 100, Offset: off})
			for _, x := range page {
				c, _, err := w.Sites.RequestScan(ctx, w.OfficerA, x.ID)
				if err != nil {
					t.Fatal(err)
				}
				scanIDs = append(scanIDs, c.ID)
			}
		}
		probes, err := w.Sites.DueProbes(ctx, time.Now().Add(time.Second), 1000)
		if err != nil || len(probes) != 300 {
			t.Fatalf("due probes: %d %v", len(probes), err)
		}
		run, stop := context.WithTimeout(ctx, 4*time.Second)
		defer stop()
		var wg sync.WaitGroup
		work := func(n int, ids []int64, do func(int64)) {
			ch := make(chan int64, len(ids))
			for _, id := range ids {
				ch <- id
			}
			close(ch)
			for range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for id := range ch {
						if run.Err() != nil {
							return
						}
						do(id)
					}
				}()
			}
		}
		work(4, scanIDs, func(id int64) { _, _ = w.Sites.RunJob(run, id, fmt.Sprintf("%d/1", id), sitetest.Options(p)) })
		work(8, probes, func(id int64) { _, _ = w.Monitor.Check(run, id) })
		wg.Wait()
		times := p.Times()
		if len(times) < limit {
			t.Fatalf("only %d requests in 4 s: the load did not run", len(times))
		}
		// Requests leave a twentieth of a second apart at the earliest; they
		// arrive after their connection's set-up (a TLS handshake, some tens
		// of milliseconds here), so the window is measured 100 ms short.
		most := 0
		for i := range times {
			n := 0
			for j := i; j < len(times) && times[j].Sub(times[i]) < window-100*time.Millisecond; j++ {
				n++
			}
			most = max(most, n)
		}
		t.Logf("%d requests to the host in %v; at most %d in one window (limit %d)", len(times), times[len(times)-1].Sub(times[0]).Round(time.Millisecond), most, limit)
		if most > limit {
			t.Errorf("%d requests to one host within %v; the limit is %d", most, window, limit)
		}
	})
}

// TestScheduleQueuesAFewScansPerHost: of 10 due sites on one host the
// schedule queues four; the others wait a minute, without holding up a
// site on another host.
func TestScheduleQueuesAFewScansPerHost(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := sitetest.NewWorld(t, db, monitor.Config{})
		for i := range 10 {
			w.AddSite(t, w.A, fmt.Sprintf("https://busy.example/?p=%d", i))
		}
		w.AddSite(t, w.B, "https://quiet.example/")
		now := time.Now().Add(time.Second)
		ids, err := w.Sites.DueScans(ctx, now, 100)
		if err != nil || len(ids) != 5 {
			t.Fatalf("first pass queued %d (%v), want 4 of busy.example and quiet.example", len(ids), err)
		}
		if again, _ := w.Sites.DueScans(ctx, now.Add(30*time.Second), 100); len(again) != 0 {
			t.Fatalf("%d queued before the minute passed", len(again))
		}
		if again, _ := w.Sites.DueScans(ctx, now.Add(2*time.Minute), 100); len(again) != 0 {
			t.Fatalf("%d more queued while four of the host are queued", len(again))
		}
	})
}
