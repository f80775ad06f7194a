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
)

// TestFigures: open findings by priority, overdue, patch compliance and
// mean time to remediate, per agency and for the whole scope; an officer
// sees their agency's only.
func TestFigures(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		for _, f := range sampleFiles(t) {
			importFile(t, w.Vuln, f)
		}
		registerSample(t, w)
		all := findings(t, w, access.System, vuln.FindingFilter{})
		mine := findings(t, w, w.OfficerB, vuln.FindingFilter{})
		if len(mine) != 2 {
			t.Fatalf("B's findings: %v", lines(mine))
		}
		now := time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)
		set := func(id int64, status string, created, due, closed time.Time) {
			t.Helper()
			c := ""
			if !closed.IsZero() {
				c = store.FormatTime(closed)
			}
			if _, err := db.Writer().Exec(`UPDATE vuln_findings SET status = $1, created_at = $2, due_at = $3, closed_at = $4 WHERE id = $5`,
				status, store.FormatTime(created), store.FormatTime(due), c, id); err != nil {
				t.Fatal(err)
			}
		}
		day := func(d int) time.Time { return time.Date(2027, 1, d, 0, 0, 0, 0, time.UTC) }
		// B: one fixed in 4 days within its deadline, one fixed in 20 days
		// after it.
		set(mine[0].ID, vuln.Fixed, day(1), day(10), day(5))
		set(mine[1].ID, vuln.Fixed, day(1), day(10), day(21))
		// Every other finding open, and one of them overdue.
		var overdueID int64
		for _, f := range all {
			if f.AgencyID == w.A.ID {
				due := now.AddDate(0, 0, 30)
				if overdueID == 0 {
					overdueID, due = f.ID, now.AddDate(0, 0, -1)
				}
				set(f.ID, vuln.Open, day(1), due, time.Time{})
			}
		}
		fig, err := w.Vuln.Figures(ctx, access.System, 0, now)
		if err != nil {
			t.Fatal(err)
		}
		if fig.Total.OpenTotal != len(all)-2 || fig.Total.Overdue != 1 || fig.Total.Fixed != 2 || fig.Total.FixedInTime != 1 {
			t.Errorf("total: %+v", fig.Total)
		}
		if fig.Total.Compliance == nil || *fig.Total.Compliance != 50 || fig.Total.MTTRDays == nil || *fig.Total.MTTRDays != 12 {
			t.Errorf("compliance, MTTR: %v %v", fig.Total.Compliance, fig.Total.MTTRDays)
		}
		if len(fig.Agencies) != 2 || fig.Agencies[0].AgencyID != w.A.ID || fig.Agencies[1].AgencyID != w.B.ID {
			t.Fatalf("agencies: %+v", fig.Agencies)
		}
		sum := 0
		for _, p := range vuln.Priorities {
			sum += fig.Agencies[0].Open[p]
		}
		if sum != fig.Agencies[0].OpenTotal || fig.Agencies[1].OpenTotal != 0 || fig.Agencies[0].Compliance != nil {
			t.Errorf("per agency: %+v", fig.Agencies)
		}
		b, err := w.Vuln.Figures(ctx, w.OfficerB, 0, now)
		if err != nil || len(b.Agencies) != 1 || b.Total.Fixed != 2 || b.Total.OpenTotal != 0 {
			t.Errorf("officer B: %+v %v", b, err)
		}
		if one, _ := w.Vuln.Figures(ctx, access.System, w.B.ID, now); len(one.Agencies) != 1 || one.Total.Fixed != 2 {
			t.Errorf("agency filter: %+v", one)
		}
		if _, err := w.Vuln.Figures(ctx, w.OfficerA, w.B.ID, now); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("officer A asks for B's figures: %v", err)
		}
	})
}

// TestRunningSystems: "which systems run X" by component name, by alias
// product or vendor:product and by a CPE's product, within a version
// range; scoped to the actor.
func TestRunningSystems(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		registerSample(t, w)
		names := func(list []vuln.Running) string {
			var out []string
			for _, x := range list {
				out = append(out, x.Component+"@"+x.Version)
			}
			return strings.Join(out, ",")
		}
		cases := []struct {
			name string
			q    vuln.Product
			want string
		}{
			{"every nginx", vuln.Product{Name: "NGINX"}, "nginx@1.20.0,nginx@1.25.3"},
			{"nginx below 1.21", vuln.Product{Name: "nginx", VersionEndExcluding: "1.21"}, "nginx@1.20.0"},
			{"by alias vendor:product", vuln.Product{Name: "f5:nginx", VersionStartIncluding: "1.25"}, "nginx@1.25.3"},
			{"by alias product", vuln.Product{Name: "http_server"}, "apache-httpd@2.4.55"},
			{"exact version", vuln.Product{Name: "tomcat", Version: "9.0.98"}, "tomcat@9.0.98"},
			{"by CPE product (two systems)", vuln.Product{Name: "microsoft:exchange_server"}, "exchange-server@2016,exchange-server@2016"},
			{"nothing", vuln.Product{Name: "caddy"}, ""},
		}
		for _, c := range cases {
			got, err := w.Vuln.RunningSystems(ctx, access.System, c.q)
			if err != nil || names(got) != c.want {
				t.Errorf("%s: %q, want %q (%v)", c.name, names(got), c.want, err)
			}
		}
		if got, _ := w.Vuln.RunningSystems(ctx, w.OfficerB, vuln.Product{Name: "nginx"}); len(got) != 0 {
			t.Errorf("officer B sees A's nginx: %v", names(got))
		}
		if _, err := w.Vuln.RunningSystems(ctx, access.System, vuln.Product{}); !isField(err, "product") {
			t.Errorf("no product: %v", err)
		}
	})
}
