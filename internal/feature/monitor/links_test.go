package monitor_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/khien-project/khien/internal/engine/webscan"
	"github.com/khien-project/khien/internal/feature/monitor"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/events"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/store/storetest"
	"github.com/khien-project/khien/internal/testkit/sitetest"
)

// TestEventsCarryReferences: a probe's alert and a scan's findings reach
// subscribers as references, which the directory resolves in the caller's
// scope without the caller importing monitor or sitescan.
func TestEventsCarryReferences(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		p := sitetest.NewPortal(t)
		w := sitetest.NewWorld(t, db, monitor.Config{FailThreshold: 1, Probe: sitetest.Options(p)})
		var alerts, findings []events.Ref
		events.Subscribe(w.Events, "test-alerts", events.Durable, func(_ context.Context, e events.AlertRaised) error {
			alerts = append(alerts, e.Alert)
			return nil
		})
		events.Subscribe(w.Events, "test-scans", events.Inline, func(_ context.Context, e events.ScanFinished) error {
			findings = append(findings, e.Findings...)
			return nil
		})
		links := events.NewDirectory()
		w.Sites.RegisterLinks(links)
		w.Monitor.RegisterLinks(links)
		site := w.AddSite(t, w.A, p.URL+"/")

		p.Set(sitetest.CleanPage, http.StatusServiceUnavailable, true)
		out, err := w.Monitor.Check(ctx, site.ID)
		if err != nil || len(out.Alerts) != 1 || len(alerts) != 1 || alerts[0] != (events.Ref{Kind: "monitor-alert", ID: out.Alerts[0].ID}) {
			t.Fatalf("down: %+v %v, refs %v", out, err, alerts)
		}
		l, err := links.Resolve(ctx, w.OfficerA, alerts[0])
		if err != nil || l.Severity != "critical" || !strings.Contains(l.TitleEN, "is down") || l.Path == "" {
			t.Fatalf("alert link: %+v %v", l, err)
		}
		officerB := access.Actor{Role: access.Agency, AgencyID: w.B.ID, AgencyPath: w.B.Path, Username: "b"}
		if _, err := links.Resolve(ctx, officerB, alerts[0]); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("agency B resolves A's alert: %v", err)
		}

		// Two scans, the second failing a critical check: one finding.
		if _, err := w.Sites.Record(ctx, access.System, site.ID, sitetest.PassingReport(site.URL, "A+")); err != nil {
			t.Fatal(err)
		}
		bad := sitetest.PassingReport(site.URL, "F")
		bad.Checks[0].Result, bad.Checks[0].Severity = webscan.Fail, "critical"
		if _, err := w.Sites.Record(ctx, access.System, site.ID, bad); err != nil {
			t.Fatal(err)
		}
		if len(findings) != 2 { // the grade drop and the failing check
			t.Fatalf("finding refs: %v", findings)
		}
		for _, ref := range findings {
			if ref.Kind != "site-finding" {
				t.Errorf("ref %v", ref)
			}
			if l, err := links.Resolve(ctx, w.OfficerA, ref); err != nil || l.TitleEN == "" {
				t.Errorf("finding link %v: %+v %v", ref, l, err)
			}
			if _, err := links.Resolve(ctx, officerB, ref); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("agency B resolves A's finding %v: %v", ref, err)
			}
		}
	})
}
