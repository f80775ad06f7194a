package app_test

import (
	"context"
	"encoding/json"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/khien-project/khien/internal/app"
	"github.com/khien-project/khien/internal/engine/webscan"
	"github.com/khien-project/khien/internal/feature/alert"
	"github.com/khien-project/khien/internal/feature/logstore"
	"github.com/khien-project/khien/internal/feature/monitor"
	"github.com/khien-project/khien/internal/feature/sitescan"
	"github.com/khien-project/khien/internal/feature/trust"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/audit"
	"github.com/khien-project/khien/internal/platform/store/storetest"
)

// TestDemoShowsEveryFeature: a fresh demo has recorded what every page
// shows: granted and suspended labels (with its reason), 90 days of grade
// and probe history, open and resolved findings, alerts, a maintenance
// window, and assessments with the TLS, exposure, DNS and mail checks.
func TestDemoShowsEveryFeature(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			ctx := context.Background()
			dsn := storetest.DSN(t, engine)
			start := time.Now()
			if err := app.Demo(ctx, t.TempDir(), dsn, audit.KeySource{}, "mật-khẩu-thử-nghiệm", io.Discard); err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: demo filled in %v", engine, time.Since(start).Round(time.Millisecond))
			svc, err := app.OpenServices(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer svc.DB.Close()
			sys := access.System

			granted, _, _ := svc.Trust.Labels(ctx, sys, trust.LabelFilter{State: trust.Granted})
			suspended, _, _ := svc.Trust.Labels(ctx, sys, trust.LabelFilter{State: trust.Suspended})
			if len(granted) < 3 || len(suspended) != 1 || !strings.Contains(suspended[0].ReasonEN, "content.injected-links") || suspended[0].Reason == "" {
				t.Fatalf("labels: %d granted, suspended %+v", len(granted), suspended)
			}

			sites, _, _ := svc.Sites.Sites(ctx, sys, sitescan.SiteFilter{Limit: 1000})
			site := granted[0].SiteID
			history, err := svc.Sites.GradeHistory(ctx, sys, site, time.Now().AddDate(0, 0, -91))
			if err != nil || len(history) < 30 || time.Since(history[0].At) < 85*24*time.Hour {
				t.Fatalf("grade history: %d points (%v)", len(history), err)
			}
			days, err := svc.Monitor.DailyUptime(ctx, sys, site, 90, time.Now())
			if err != nil || len(days) != 90 {
				t.Fatalf("daily uptime: %d days (%v)", len(days), err)
			}
			for _, d := range days {
				if d.Samples == 0 || d.UptimePercent == nil {
					t.Fatalf("day %s has no probes", d.Date)
				}
			}
			grades, expiring, down, offline := map[string]int{}, 0, 0, 0
			for _, s := range sites {
				grades[s.Grade]++
				if s.CertExpiresAt != nil && time.Until(*s.CertExpiresAt) < 14*24*time.Hour {
					expiring++
				}
				if s.State == "down" {
					down++
					if s.LastErrorVI == "" || s.LastErrorEN == "" {
						t.Errorf("down site %s without its error sentence: %+v", s.URL, s)
					}
				}
				if s.NoLiveChecks != nil {
					offline++
				}
			}
			t.Logf("grades %v", grades)
			if expiring != 1 || down < 1 || offline != len(sites) || len(grades) < 4 {
				t.Errorf("sites: %d expiring certificates, %d down, %d of %d without live checks, grades %v", expiring, down, offline, len(sites), grades)
			}

			_, open, _ := svc.Sites.Findings(ctx, sys, sitescan.FindingFilter{Status: "open"})
			_, resolved, _ := svc.Sites.Findings(ctx, sys, sitescan.FindingFilter{Status: "resolved"})
			alerts, nAlerts, _ := svc.Monitor.Alerts(ctx, sys, monitor.AlertFilter{Limit: 200})
			windows, _ := svc.Notify.Windows(ctx, sys)
			kinds, muted := map[string]int{}, 0
			for _, a := range alerts {
				kinds[a.Kind]++
				if a.Muted {
					muted++
				}
			}
			if open == 0 || resolved == 0 || nAlerts == 0 || kinds[monitor.KindDown] == 0 || kinds[monitor.KindCertExpiring] != 1 || muted == 0 || len(windows) == 0 {
				t.Errorf("%d open and %d resolved findings, alerts %v (%d muted), %d windows", open, resolved, kinds, muted, len(windows))
			}

			checkDemoDetections(t, svc)

			scans, _, _ := svc.Sites.Scans(ctx, sys, sitescan.ScanFilter{SiteID: site, Limit: 1})
			full, err := svc.Sites.Scan(ctx, sys, scans[0].ID)
			if err != nil {
				t.Fatal(err)
			}
			var rep webscan.Report
			if err := json.Unmarshal(full.Report, &rep); err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, c := range rep.Checks {
				ids = append(ids, c.ID)
			}
			for _, id := range []string{"https.available", "tls.protocols", "tls.ciphers", "tls.certificate", "tls.certificate.expiry", "exposed.files",
				"dns.caa", "dns.dnssec", "email.spf", "email.dmarc", "headers.csp", "content.injected-links"} {
				if !slices.Contains(ids, id) {
					t.Errorf("the demo's assessment lacks %s: %v", id, ids)
				}
			}
		})
	}
}

// checkDemoDetections: the demo's rule pack is imported, its log events
// are stored (searchable, and the field search finds the brute force),
// and they raised alerts of every level the pack has, some triaged, in
// the agencies that sent them (an officer sees only their own).
func checkDemoDetections(t *testing.T, svc *app.Services) {
	t.Helper()
	ctx, sys := context.Background(), access.System
	rules, _, err := svc.Alert.Rules(ctx, sys, alert.RuleFilter{})
	if err != nil || len(rules) != 7 {
		t.Fatalf("demo rules: %d (%v)", len(rules), err)
	}
	ds, n, err := svc.Alert.Detections(ctx, sys, alert.Filter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	levels, statuses, assigned := map[string]int{}, map[string]int{}, 0
	for _, d := range ds {
		levels[d.Level]++
		statuses[d.Status]++
		if d.Assignee == "analyst" {
			assigned++
		}
	}
	t.Logf("%d demo alerts: levels %v, statuses %v", n, levels, statuses)
	if n < 7 || levels["high"] < 2 || levels["medium"] < 3 || levels["low"] < 2 || statuses[alert.StatusAcknowledged] != 1 || statuses["false_positive"] != 1 || assigned != 1 {
		t.Errorf("demo alerts: %d, levels %v, statuses %v, %d assigned", n, levels, statuses, assigned)
	}
	q := logstore.Query{From: time.Now().Add(-24 * time.Hour), To: time.Now().Add(time.Minute), Limit: 500,
		Fields: []logstore.FieldCondition{{Name: "source.ip", Value: "185.220.101.47"}}}
	res, err := svc.Logs.Search(ctx, sys, q)
	if err != nil || len(res.Events) != 30 {
		t.Errorf("stored brute-force events: %d (%v)", len(res.Events), err)
	}
	officer := demoOfficer(t, svc, "canbo.syt")
	mine, _, err := svc.Alert.Detections(ctx, officer, alert.Filter{Limit: 100})
	if err != nil || len(mine) != 2 {
		t.Errorf("the health department's officer sees %d alerts (%v), want the hospital's 2", len(mine), err)
	}
}

func demoOfficer(t *testing.T, svc *app.Services, name string) access.Actor {
	t.Helper()
	u, err := svc.Auth.UserByName(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return u.Actor()
}
