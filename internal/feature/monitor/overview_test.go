package monitor_test

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/khien-project/khien/internal/feature/monitor"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/store/storetest"
	"github.com/khien-project/khien/internal/testkit/sitetest"
)

// probesEvery is one probe per step from since to now, failing where down
// says so.
func probesEvery(since, now time.Time, step time.Duration, down func(time.Time) bool) []monitor.PastProbe {
	var out []monitor.PastProbe
	for at := since; !at.After(now); at = at.Add(step) {
		ok := !down(at)
		p := monitor.PastProbe{At: at, OK: ok, Status: 200, LatencyMS: 100}
		if !ok {
			p.Status, p.LatencyMS, p.Error, p.ErrorVI, p.ErrorEN = 0, 0, "refused", "từ chối kết nối", "refused the connection"
		}
		out = append(out, p)
	}
	return out
}

// TestMonitoringOverview: the overview's figures come from the probes
// recorded (24 hours and 30 days apart), a site without probes says "no
// data" rather than 0 %, the worst come first, filters and scope apply.
func TestMonitoringOverview(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := sitetest.NewWorld(t, db, monitor.Config{FailThreshold: 2})
		now := time.Now().UTC().Truncate(time.Minute)
		steady := w.AddSite(t, w.A, "https://on-dinh.example.vn/")
		shaky := w.AddSite(t, w.A, "https://chap-chon.example.vn/")
		quiet := w.AddSite(t, w.A, "https://chua-do.example.vn/")
		other := w.AddSite(t, w.B, "https://so-khac.example.vn/")
		hour := time.Hour
		// steady: up for 40 days, one probe an hour.
		if _, err := w.Monitor.RecordHistory(ctx, access.System, steady.ID, probesEvery(now.Add(-40*24*hour), now, hour, func(time.Time) bool { return false })); err != nil {
			t.Fatal(err)
		}
		// shaky: down the 6 hours before now and 2 days ten days ago.
		down := func(at time.Time) bool {
			return at.After(now.Add(-6*hour)) || (at.After(now.Add(-12*24*hour)) && !at.After(now.Add(-10*24*hour)))
		}
		if _, err := w.Monitor.RecordHistory(ctx, access.System, shaky.ID, probesEvery(now.Add(-29*24*hour), now, hour, down)); err != nil {
			t.Fatal(err)
		}
		rows, total, err := w.Monitor.Overview(ctx, access.System, monitor.OverviewFilter{}, now)
		if err != nil {
			t.Fatal(err)
		}
		if total != 4 || len(rows) != 4 {
			t.Fatalf("overview: %d rows of %d, want 4", len(rows), total)
		}
		by := map[int64]monitor.OverviewRow{}
		for _, r := range rows {
			by[r.SiteID] = r
		}
		near := func(p *float64, want float64) bool { return p != nil && math.Abs(*p-want) < 0.01 }
		s := by[steady.ID]
		// 24 probes in the 24 hours before now (at now-23h … now), 30 days: 720.
		if !near(s.Uptime24h, 100) || !near(s.Uptime30d, 100) || s.Samples24h != 24 || s.Samples30d != 720 || s.AvgLatency24hMS != 100 || s.State != "up" {
			t.Errorf("steady site: %+v", s)
		}
		k := by[shaky.ID]
		// Down at now-5h … now: 6 of 24; ten days ago: 48 more of 697 (29 days).
		if !near(k.Uptime24h, 100*18.0/24) || !near(k.Uptime30d, 100*(697.0-54)/697) || k.State != "down" {
			t.Errorf("shaky site: 24h %v 30d %v samples %d/%d state %s", deref(k.Uptime24h), deref(k.Uptime30d), k.Samples24h, k.Samples30d, k.State)
		}
		q := by[quiet.ID]
		if q.Uptime24h != nil || q.Uptime30d != nil || q.Samples30d != 0 || q.CertDaysLeft != nil {
			t.Errorf("a site without probes must say no data: %+v", q)
		}
		if rows[0].SiteID != shaky.ID {
			t.Errorf("worst first: the down site leads, got %s", rows[0].URL)
		}
		if last := rows[len(rows)-1]; last.Uptime24h != nil && last.SiteID != other.ID {
			t.Errorf("sites without data come last: %s", last.URL)
		}
		// Scope: an officer of A sees A's three sites only.
		rows, total, err = w.Monitor.Overview(ctx, w.OfficerA, monitor.OverviewFilter{Sort: "url"}, now)
		if err != nil || total != 3 {
			t.Fatalf("officer of A: %d sites, %v", total, err)
		}
		for _, r := range rows {
			if r.SiteID == other.ID {
				t.Errorf("an officer of A sees a site of B")
			}
		}
		// Filters and sorts.
		rows, total, err = w.Monitor.Overview(ctx, access.System, monitor.OverviewFilter{State: "down"}, now)
		if err != nil || total != 1 || len(rows) != 1 || rows[0].SiteID != shaky.ID {
			t.Fatalf("state=down: %d rows, %v", total, err)
		}
		rows, _, err = w.Monitor.Overview(ctx, access.System, monitor.OverviewFilter{Sort: "-uptime_30d"}, now)
		if err != nil || len(rows) != 4 {
			t.Fatalf("-uptime_30d: %d rows, %v", len(rows), err)
		}
		if rows[0].SiteID != steady.ID || rows[len(rows)-1].Uptime30d != nil {
			t.Errorf("-uptime_30d: best first, no data last: %s … %s", rows[0].URL, rows[len(rows)-1].URL)
		}
		rows, total, _ = w.Monitor.Overview(ctx, access.System, monitor.OverviewFilter{Q: "CHAP-chon"}, now)
		if total != 1 || len(rows) != 1 || rows[0].SiteID != shaky.ID {
			t.Errorf("q: %d rows", total)
		}
		rows, total, _ = w.Monitor.Overview(ctx, access.System, monitor.OverviewFilter{AgencyPath: w.B.Path}, now)
		if total != 1 || len(rows) != 1 || rows[0].SiteID != other.ID {
			t.Errorf("agency subtree of B: %d rows", total)
		}
		for _, f := range []monitor.OverviewFilter{{Sort: "grade; DROP TABLE sites"}, {State: "broken"}} {
			if _, _, err := w.Monitor.Overview(ctx, access.System, f, now); !errors.Is(err, store.ErrInvalid) {
				t.Errorf("%+v: %v, want invalid input", f, err)
			}
		}
		// A day later with no new probe, the refresh slides the 24-hour window.
		if _, err := w.Monitor.RefreshSummaries(ctx, now.Add(25*hour)); err != nil {
			t.Fatal(err)
		}
		rows, _, _ = w.Monitor.Overview(ctx, access.System, monitor.OverviewFilter{Sort: "url"}, now)
		for _, r := range rows {
			if r.SiteID == steady.ID && (r.Uptime24h != nil || !near(r.Uptime30d, 100)) {
				t.Errorf("a day without probes: 24h %v 30d %v", deref(r.Uptime24h), deref(r.Uptime30d))
			}
		}
	})
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}
