package vuln_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/khien-project/khien/internal/engine/webscan"
	"github.com/khien-project/khien/internal/feature/registry"
	"github.com/khien-project/khien/internal/feature/sitescan"
	"github.com/khien-project/khien/internal/feature/vuln"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/audit"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/store/storetest"
)

// healthSystem is the sample system registered under agency B.
const healthSystem = "Trang thông tin điện tử Sở Y tế"

// registerSample registers the sample inventory's systems (the health
// department's under B, the rest under A), each with a public URL but the
// data centre, and returns their ids by name.
func registerSample(t *testing.T, w *world) map[string]int64 {
	t.Helper()
	ctx := context.Background()
	b, err := os.ReadFile(filepath.Join(sample, "inventory.json"))
	if err != nil {
		t.Fatal(err)
	}
	var inv []struct{ System, Name, Version, CPE, PURL string }
	if err := json.Unmarshal(b, &inv); err != nil {
		t.Fatal(err)
	}
	soft := map[string][]registry.Software{}
	var order []string
	for _, c := range inv {
		if _, ok := soft[c.System]; !ok {
			order = append(order, c.System)
		}
		soft[c.System] = append(soft[c.System], registry.Software{Name: c.Name, Version: c.Version, CPE: c.CPE, PURL: c.PURL})
	}
	ids := map[string]int64{}
	for i, name := range order {
		agency := w.A.ID
		if name == healthSystem {
			agency = w.B.ID
		}
		sw := soft[name]
		in := registry.SystemInput{AgencyID: &agency, Name: &name, Software: &sw}
		if !strings.Contains(name, "Trung tâm") {
			urls := []string{"https://he-thong-" + string(rune('a'+i)) + ".example/"}
			in.URLs = &urls
		}
		sys, err := w.Registry.CreateSystem(ctx, access.System, in)
		if err != nil {
			t.Fatal(err)
		}
		ids[name] = sys.ID
	}
	return ids
}

func lines(fs []vuln.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.SystemName+"\t"+f.Component+"@"+f.Version+"\t"+f.VulnID)
	}
	sort.Strings(out)
	return out
}

func findings(t *testing.T, w *world, actor access.Actor, f vuln.FindingFilter) []vuln.Finding {
	t.Helper()
	f.Page.Limit = 1000
	list, total, err := w.Vuln.Findings(context.Background(), actor, f)
	if err != nil || total != len(list) {
		t.Fatalf("findings: %d of %d, %v", len(list), total, err)
	}
	return list
}

// TestFindingsEndToEnd is the proof: the sample feeds imported,
// the sample systems registered, the findings are exactly the sample's
// expected matches, with priorities and deadlines; an agency officer sees
// only theirs (404 otherwise); updating a component's version closes its
// finding and a regression reopens it; a scan disclosing PHP/5.6.40
// proposes a discovered component.
func TestFindingsEndToEnd(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		// Systems first, feeds after: the import matches every system.
		ids := registerSample(t, w)
		if n := len(findings(t, w, access.System, vuln.FindingFilter{})); n != 0 {
			t.Fatalf("%d findings before any feed", n)
		}
		for _, f := range sampleFiles(t) {
			importFile(t, w.Vuln, f)
		}
		want, err := os.ReadFile(filepath.Join(sample, "expected.tsv"))
		if err != nil {
			t.Fatal(err)
		}
		all := findings(t, w, access.System, vuln.FindingFilter{})
		if got := strings.Join(lines(all), "\n") + "\n"; got != string(want) {
			t.Fatalf("findings:\n%s\nwant (expected.tsv):\n%s", got, want)
		}

		// Priorities and deadlines.
		byKey := map[string]vuln.Finding{}
		for _, f := range all {
			byKey[f.Component+" "+f.VulnID] = f
			if f.Status != vuln.Open || len(f.Reasons) == 0 || f.Reasons[0].VI == "" || f.Reasons[0].EN == "" || f.DueAt.IsZero() {
				t.Errorf("finding %+v", f)
			}
		}
		confluence := byKey["confluence CVE-2023-22515"] // KEV, internet-facing
		if confluence.Priority != "P1" || !confluence.KEV || confluence.KEVDue != "2023-10-13" {
			t.Errorf("KEV on a public system: %+v", confluence)
		}
		if d := time.Until(confluence.DueAt); d < 14*24*time.Hour || d > 15*24*time.Hour {
			t.Errorf("KEV due date in the past: deadline in 15 days, got %s", confluence.DueAt)
		}
		netscaler := byKey["netscaler-adc CVE-2025-5777"] // KEV, no public URL
		if netscaler.Priority != "P2" || !strings.Contains(reasonsEN(netscaler), "no public URL") {
			t.Errorf("KEV on an internal system: %+v", netscaler)
		}
		httpd := byKey["apache-httpd CVE-2023-25690"] // CVSS 9.8, not in KEV
		if httpd.Priority != "P2" || httpd.KEV || httpd.CVSSScore != 9.8 {
			t.Errorf("critical CVSS: %+v", httpd)
		}
		if d := time.Until(httpd.DueAt); d < 29*24*time.Hour || d > 30*24*time.Hour {
			t.Errorf("P2 deadline: %s", httpd.DueAt)
		}
		if p1 := findings(t, w, access.System, vuln.FindingFilter{Priority: "P1"}); len(p1) == 0 || len(p1) == len(all) {
			t.Errorf("priority filter: %d of %d", len(p1), len(all))
		}

		// Agency scope: B's officer sees B's two findings only; A's are 404.
		mine := findings(t, w, w.OfficerB, vuln.FindingFilter{})
		if len(mine) != 2 || mine[0].SystemName != healthSystem || mine[1].SystemName != healthSystem {
			t.Fatalf("officer B sees %v", lines(mine))
		}
		if _, err := w.Vuln.Finding(ctx, w.OfficerB, confluence.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("officer B reads A's finding: %v", err)
		}
		if _, err := w.Vuln.SetStatus(ctx, w.OfficerB, confluence.ID, vuln.StatusInput{Status: vuln.InProgress}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("officer B works on A's finding: %v", err)
		}
		if n := len(findings(t, w, w.OfficerB, vuln.FindingFilter{SystemID: ids["Cổng dịch vụ công tỉnh"]})); n != 0 {
			t.Errorf("officer B filters on A's system: %d findings", n)
		}
		if _, err := w.Vuln.SetStatus(ctx, w.OfficerB, mine[0].ID, vuln.StatusInput{Status: vuln.InProgress}); err != nil {
			t.Errorf("officer B works on their own finding: %v", err)
		}

		// Updating nginx to a version that is not affected closes its
		// finding; going back reopens it.
		portal := ids["Cổng thông tin điện tử tỉnh"]
		nginx := byKey["nginx CVE-2021-23017"]
		setVersion(t, w, portal, "nginx", "1.25.3")
		if f, _ := w.Vuln.Finding(ctx, access.System, nginx.ID); f.Status != vuln.Fixed || f.ClosedAt == nil || f.Version != "1.20.0" {
			t.Errorf("after the update: %+v", f)
		}
		if n := len(findings(t, w, access.System, vuln.FindingFilter{Status: vuln.Open})); n != len(all)-2 {
			t.Errorf("open findings after the update: %d, want %d", n, len(all)-2)
		}
		setVersion(t, w, portal, "nginx", "1.20.0")
		if f, _ := w.Vuln.Finding(ctx, access.System, nginx.ID); f.Status != vuln.Open || f.ClosedAt != nil {
			t.Errorf("after the regression: %+v", f)
		}
		entries, _, err := w.Audit.List(ctx, access.System, audit.Filter{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		changes := 0
		for _, e := range entries {
			if e.ObjectType == "vuln-finding" && e.ObjectID == itoa(nginx.ID) {
				changes++
			}
		}
		if changes < 3 { // opened, fixed, reopened
			t.Errorf("%d audit entries for the nginx finding", changes)
		}

		// A scan of the health department's portal discloses PHP/5.6.40
		// and nginx/1.20.0: both are proposed, neither is matched until
		// confirmed.
		sites, _, err := w.Sites.Sites(ctx, access.System, sitescan.SiteFilter{SystemID: ids[healthSystem]})
		if err != nil || len(sites) != 1 {
			t.Fatalf("sites: %v %v", sites, err)
		}
		rep := webscan.Report{URL: sites[0].URL, Grade: "B", Score: 80, Checks: []webscan.Check{{ID: string(webscan.LeakServerVersion), Result: webscan.Warn, Severity: "low",
			Evidence: "Server: nginx/1.20.0\nX-Powered-By: PHP/5.6.40"}}}
		if _, err := w.Sites.Record(ctx, access.System, sites[0].ID, rep); err != nil {
			t.Fatal(err)
		}
		disc, err := w.Vuln.DiscoveredComponents(ctx, w.OfficerB, 0, vuln.Proposed)
		if err != nil || len(disc) != 2 || disc[0].Name != "nginx" || disc[1].Name != "php" || disc[1].Version != "5.6.40" {
			t.Fatalf("discovered: %+v %v", disc, err)
		}
		if list, _ := w.Vuln.DiscoveredComponents(ctx, w.OfficerA, 0, ""); len(list) != 0 {
			t.Errorf("officer A sees B's discovered components: %+v", list)
		}
		if _, err := w.Vuln.DecideDiscovered(ctx, w.OfficerA, disc[0].ID, vuln.Confirmed); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("officer A decides B's component: %v", err)
		}
		if n := len(findings(t, w, w.OfficerB, vuln.FindingFilter{})); n != 2 {
			t.Errorf("a proposal was matched: %d findings", n)
		}
		if d, err := w.Vuln.DecideDiscovered(ctx, w.OfficerB, disc[0].ID, vuln.Confirmed); err != nil || d.Status != vuln.Confirmed {
			t.Fatalf("confirm: %+v %v", d, err)
		}
		if _, err := w.Vuln.DecideDiscovered(ctx, w.OfficerB, disc[1].ID, vuln.Rejected); err != nil {
			t.Fatal(err)
		}
		got := findings(t, w, w.OfficerB, vuln.FindingFilter{})
		if len(got) != 3 || !strings.Contains(strings.Join(lines(got), "\n"), "nginx@1.20.0\tCVE-2021-23017") {
			t.Errorf("after confirming nginx: %v", lines(got))
		}

		// A rescan that no longer discloses nginx closes its finding; the
		// rejected PHP stays rejected.
		rep.Checks[0].Evidence = "X-Powered-By: PHP/5.6.40"
		if _, err := w.Sites.Record(ctx, access.System, sites[0].ID, rep); err != nil {
			t.Fatal(err)
		}
		if d, _ := w.Vuln.DiscoveredComponents(ctx, w.OfficerB, 0, ""); len(d) != 2 || d[0].Status != vuln.Gone || d[1].Status != vuln.Rejected {
			t.Errorf("after the rescan: %+v", d)
		}
		if open := findings(t, w, w.OfficerB, vuln.FindingFilter{Status: vuln.Fixed}); len(open) != 1 || open[0].Component != "nginx" || open[0].Origin != "discovered" {
			t.Errorf("fixed after the rescan: %v", lines(open))
		}
		// A scan that does not run the leak check changes nothing.
		rep.Checks = nil
		if _, err := w.Sites.Record(ctx, access.System, sites[0].ID, rep); err != nil {
			t.Fatal(err)
		}
		if d, _ := w.Vuln.DiscoveredComponents(ctx, w.OfficerB, 0, vuln.Rejected); len(d) != 1 {
			t.Errorf("after a scan without the check: %+v", d)
		}
	})
}

func reasonsEN(f vuln.Finding) string {
	var out []string
	for _, r := range f.Reasons {
		out = append(out, r.EN)
	}
	return strings.Join(out, "; ")
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

// setVersion changes one component's version through the registry (which
// publishes SystemsChanged).
func setVersion(t *testing.T, w *world, systemID int64, name, version string) {
	t.Helper()
	ctx := context.Background()
	sys, err := w.Registry.System(ctx, access.System, systemID)
	if err != nil {
		t.Fatal(err)
	}
	sw := append([]registry.Software{}, sys.Software...)
	for i := range sw {
		if sw[i].Name == name {
			sw[i].Version = version
		}
	}
	if _, err := w.Registry.UpdateSystem(ctx, access.System, systemID, registry.SystemInput{Software: &sw}); err != nil {
		t.Fatal(err)
	}
}
