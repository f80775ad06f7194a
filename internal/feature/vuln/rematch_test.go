package vuln_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/khien-project/khien/internal/feature/registry"
	"github.com/khien-project/khien/internal/feature/vuln"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/events"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/store/storetest"
)

// nvdFile is an NVD feed file of the records given as {"cve": …} objects.
func nvdFile(t *testing.T, cves ...map[string]any) string {
	t.Helper()
	var items []any
	for _, c := range cves {
		items = append(items, map[string]any{"cve": c})
	}
	b, err := json.Marshal(map[string]any{"format": "NVD_CVE", "vulnerabilities": items})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// nvdCVE is one NVD record: its configurations are OR nodes of criteria
// (each criterion a map), joined by operator.
func nvdCVE(id, status, modified string, score float64, operator string, nodes ...[]map[string]any) map[string]any {
	var ns []any
	for _, n := range nodes {
		ns = append(ns, map[string]any{"operator": "OR", "negate": false, "cpeMatch": n})
	}
	c := map[string]any{"id": id, "vulnStatus": status, "lastModified": modified, "published": "2026-01-01T00:00:00.000",
		"descriptions": []any{map[string]any{"lang": "en", "value": id}}}
	if score > 0 {
		c["metrics"] = map[string]any{"cvssMetricV31": []any{map[string]any{"type": "Primary", "cvssData": map[string]any{
			"version": "3.1", "vectorString": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "baseScore": score}}}}
	}
	if len(ns) > 0 {
		conf := map[string]any{"nodes": ns}
		if operator != "" {
			conf["operator"] = operator
		}
		c["configurations"] = []any{conf}
	}
	return c
}

func crit(vulnerable bool, cpe string, bounds ...string) map[string]any {
	m := map[string]any{"vulnerable": vulnerable, "criteria": cpe}
	for i := 0; i+1 < len(bounds); i += 2 {
		m[bounds[i]] = bounds[i+1]
	}
	return m
}

// findingRows is every finding as the matcher leaves it (what it writes,
// not when).
func findingRows(t *testing.T, db *store.DB) []string {
	t.Helper()
	ctx := context.Background()
	rows, err := db.Q(ctx).QueryContext(ctx, `SELECT system_id, component, vuln_id, version, origin, source, cves, priority, reasons, cvss_score, cvss_vector,
		COALESCE(epss, -1), kev, kev_due, due_at, status FROM vuln_findings ORDER BY system_id, component, vuln_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var sys, kev int64
		var comp, id, version, origin, source, cves, prio, reasons, vector, kevDue, due, status string
		var score, epss float64
		if err := rows.Scan(&sys, &comp, &id, &version, &origin, &source, &cves, &prio, &reasons, &score, &vector, &epss, &kev, &kevDue, &due, &status); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%d %s %s %s %s %s [%s] %s %s %.1f %s %.3f %d %s %s %s", sys, comp, id, version, origin, source, cves, prio, reasons, score, vector, epss, kev, kevDue, due, status))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestIncrementalRematchEqualsFull imports feeds in steps — new records,
// records replaced by a newer modified date (one whose range moves, one
// rejected), an OSV record and then its withdrawal, KEV and EPSS scores,
// a CVE score an OSV record is assessed through, a record of a product a
// system has just changed to, an import after the component keys were
// lost — and after each checks
// that the import matched incrementally (the feeds were not read again)
// and that a full match from scratch (feeds read again from the
// database) changes nothing.
func TestIncrementalRematchEqualsFull(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		mk := func(name string, url bool, sw ...registry.Software) int64 {
			in := registry.SystemInput{AgencyID: &w.A.ID, Name: &name, Software: &sw}
			if url {
				u := []string{"https://" + strings.ToLower(strings.ReplaceAll(name, " ", "-")) + ".example/"}
				in.URLs = &u
			}
			sys, err := w.Registry.CreateSystem(ctx, access.System, in)
			if err != nil {
				t.Fatal(err)
			}
			return sys.ID
		}
		var s1, s2, s3, s4 int64
		s1 = mk("Cong 1", true, registry.Software{Name: "nginx", Version: "1.20.0"}, registry.Software{Name: "php", Version: "5.6.40"})
		s2 = mk("Cong 2", true, registry.Software{Name: "nginx", Version: "1.25.3"}, registry.Software{Name: "iis", Version: "6.0"}, registry.Software{Name: "windows-server-2003", Version: "-"})
		s3 = mk("Cong 3", false, registry.Software{Name: "portal", Version: "2.1", CPE: "cpe:2.3:a:acme:portal:2.1:*:*:*:*:*:*:*"},
			registry.Software{Name: "lodash", Version: "4.17.20", PURL: "pkg:npm/lodash@4.17.20"})
		s4 = mk("Cong 4", false, registry.Software{Name: "nginx", Version: "1.18.0"})
		// A first match loads the (empty) feeds into the cache.
		all := []int64{s1, s2, s3, s4}
		if err := w.Vuln.MatchSystems(ctx, all); err != nil {
			t.Fatal(err)
		}
		loads := w.Vuln.Loads()

		step := func(name, file string) {
			t.Helper()
			imp, err := w.Vuln.ImportFeed(ctx, access.System, name, strings.NewReader(file))
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if imp.Added+imp.Replaced == 0 {
				t.Fatalf("%s changed nothing: %+v", name, imp)
			}
			if got := w.Vuln.Loads(); got != loads {
				t.Fatalf("%s: the feeds were read again from the database (%d times, was %d): not an incremental re-match", name, got, loads)
			}
			inc := findingRows(t, db)
			// Every system matched against the cached, updated index.
			if err := w.Vuln.MatchSystems(ctx, all); err != nil {
				t.Fatal(err)
			}
			if cached := findingRows(t, db); !slices.Equal(inc, cached) || w.Vuln.Loads() != loads {
				t.Fatalf("%s: matching every system against the updated index changed the findings\nincremental:\n%s\nupdated index:\n%s", name, strings.Join(inc, "\n"), strings.Join(cached, "\n"))
			}
			sum, err := w.Vuln.RematchFromScratch(ctx)
			if err != nil {
				t.Fatal(err)
			}
			full := findingRows(t, db)
			loads = w.Vuln.Loads()
			if sum.Opened+sum.Reopened+sum.Fixed != 0 || !slices.Equal(inc, full) {
				t.Fatalf("%s: a full re-match changed the findings (%+v)\nincremental:\n%s\nfull:\n%s", name, sum, strings.Join(inc, "\n"), strings.Join(full, "\n"))
			}
		}
		status := func(sys int64, id string) string {
			t.Helper()
			var st, prio string
			err := db.Q(ctx).QueryRowContext(ctx, `SELECT status, priority FROM vuln_findings WHERE system_id = $1 AND vuln_id = $2`, sys, id).Scan(&st, &prio)
			if err != nil {
				return "none"
			}
			return st + " " + prio
		}

		nginx := "cpe:2.3:a:f5:nginx:*:*:*:*:*:*:*:*"
		step("nvd-1.json", nvdFile(t,
			nvdCVE("CVE-2090-0001", "Analyzed", "2026-01-01T00:00:00.000", 7.5, "", []map[string]any{crit(true, nginx, "versionEndExcluding", "1.22.0")}),
			nvdCVE("CVE-2090-0002", "Analyzed", "2026-01-01T00:00:00.000", 9.8, "AND",
				[]map[string]any{crit(true, "cpe:2.3:a:microsoft:internet_information_services:6.0:*:*:*:*:*:*:*")},
				[]map[string]any{crit(false, "cpe:2.3:o:microsoft:windows_server_2003:-:*:*:*:*:*:*:*")}),
			nvdCVE("CVE-2090-0004", "Analyzed", "2026-01-01T00:00:00.000", 5.0, "", []map[string]any{crit(true, "cpe:2.3:a:acme:portal:*:*:*:*:*:*:*:*", "versionEndIncluding", "2.1")}),
		))
		var scored int
		if err := db.Q(ctx).QueryRowContext(ctx, `SELECT COUNT(*) FROM vuln_findings WHERE epss IS NOT NULL`).Scan(&scored); err != nil || scored != 0 {
			t.Fatalf("findings opened before any EPSS import hold a score: %d %v", scored, err)
		}
		if status(s1, "CVE-2090-0001") != "open P3" || status(s4, "CVE-2090-0001") != "open P3" || status(s2, "CVE-2090-0002") != "open P2" || status(s3, "CVE-2090-0004") != "open P4" {
			t.Fatalf("first import: %s %s %s %s", status(s1, "CVE-2090-0001"), status(s4, "CVE-2090-0001"), status(s2, "CVE-2090-0002"), status(s3, "CVE-2090-0004"))
		}
		step("osv-1.json", `{"id": "GHSA-0000-1111-2222", "modified": "2026-01-01T00:00:00Z", "aliases": ["CVE-2090-0003"],
			"affected": [{"package": {"ecosystem": "npm", "name": "lodash"}, "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "4.17.21"}]}]}]}`)
		if status(s3, "GHSA-0000-1111-2222") != "open P4" {
			t.Fatalf("OSV import: %s", status(s3, "GHSA-0000-1111-2222"))
		}
		// An inventory change: s4 runs Tomcat now (its nginx finding is
		// fixed by the change); a Tomcat record then reaches it.
		tomcat := []registry.Software{{Name: " Tomcat ", Version: "9.0.1"}}
		if _, err := w.Registry.UpdateSystem(ctx, access.System, s4, registry.SystemInput{Software: &tomcat}); err != nil {
			t.Fatal(err)
		}
		if err := w.Vuln.MatchSystems(ctx, []int64{s4}); err != nil { // as the event does
			t.Fatal(err)
		}
		step("nvd-tomcat.json", nvdFile(t,
			nvdCVE("CVE-2090-0006", "Analyzed", "2026-01-15T00:00:00.000", 7.5, "", []map[string]any{crit(true, "cpe:2.3:a:apache:tomcat:*:*:*:*:*:*:*:*", "versionEndExcluding", "9.0.2")})))
		if status(s4, "CVE-2090-0006") != "open P3" || status(s4, "CVE-2090-0001") != "fixed P3" {
			t.Fatalf("Tomcat import after the inventory change: %s %s", status(s4, "CVE-2090-0006"), status(s4, "CVE-2090-0001"))
		}
		back := []registry.Software{{Name: "nginx", Version: "1.18.0"}}
		if _, err := w.Registry.UpdateSystem(ctx, access.System, s4, registry.SystemInput{Software: &back}); err != nil {
			t.Fatal(err)
		}
		if err := w.Vuln.MatchSystems(ctx, []int64{s4}); err != nil {
			t.Fatal(err)
		}
		// A system whose only way to be found is its components' keys (it
		// holds no finding), then the keys lost (a database from before
		// them): the next import fills them again and still finds it.
		s5 := mk("Cong 5", true, registry.Software{Name: "PHP", Version: "5.6.40"})
		all = append(all, s5)
		if _, err := db.Writer().ExecContext(ctx, `DELETE FROM vuln_component_keys`); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Writer().ExecContext(ctx, `UPDATE vuln_settings SET value = 0 WHERE name = 'component_keys'`); err != nil {
			t.Fatal(err)
		}
		// Replaced: CVE-2090-0001's range moves (1.20.0 no longer
		// affected, 1.25.3 now is), CVE-2090-0002 is rejected; new: the
		// CVE the OSV record aliases (its score changes the OSV finding's
		// priority) and a PHP record; CVE-2090-0004 again with an older
		// date (kept as it was).
		step("nvd-2.json", nvdFile(t,
			nvdCVE("CVE-2090-0001", "Modified", "2026-02-01T00:00:00.000", 7.5, "", []map[string]any{
				crit(true, nginx, "versionEndExcluding", "1.19.0"),
				crit(true, "cpe:2.3:a:nginx:nginx:*:*:*:*:*:*:*:*", "versionStartIncluding", "1.25.0", "versionEndExcluding", "1.26.0")}),
			nvdCVE("CVE-2090-0002", "Rejected", "2026-02-01T00:00:00.000", 0, ""),
			nvdCVE("CVE-2090-0003", "Analyzed", "2026-02-01T00:00:00.000", 9.8, "", []map[string]any{crit(true, "cpe:2.3:a:lodash:lodash:*:*:*:*:*:node.js:*:*", "versionEndExcluding", "4.17.21")}),
			nvdCVE("CVE-2090-0004", "Analyzed", "2025-06-01T00:00:00.000", 5.0, "", []map[string]any{crit(true, "cpe:2.3:a:acme:portal:*:*:*:*:*:*:*:*", "versionEndIncluding", "9.0")}),
			nvdCVE("CVE-2090-0005", "Analyzed", "2026-02-01T00:00:00.000", 6.1, "", []map[string]any{crit(true, "cpe:2.3:a:php:php:*:*:*:*:*:*:*:*", "versionEndIncluding", "5.6.40")}),
		))
		if status(s1, "CVE-2090-0001") != "fixed P3" || status(s4, "CVE-2090-0001") != "open P3" || status(s2, "CVE-2090-0001") != "open P3" ||
			status(s2, "CVE-2090-0002") != "fixed P2" || status(s3, "GHSA-0000-1111-2222") != "open P2" || status(s1, "CVE-2090-0005") != "open P4" ||
			status(s5, "CVE-2090-0005") != "open P4" {
			t.Fatalf("second NVD import: %s %s %s %s %s %s", status(s1, "CVE-2090-0001"), status(s4, "CVE-2090-0001"), status(s2, "CVE-2090-0001"),
				status(s2, "CVE-2090-0002"), status(s3, "GHSA-0000-1111-2222"), status(s1, "CVE-2090-0005"))
		}
		step("kev.json", `{"title": "KEV", "catalogVersion": "2026.02.02", "vulnerabilities": [
			{"cveID": "CVE-2090-0005", "vendorProject": "PHP", "product": "PHP", "vulnerabilityName": "PHP flaw", "dateAdded": "2026-02-02", "dueDate": "2099-02-23", "knownRansomwareCampaignUse": "Unknown"},
			{"cveID": "CVE-2090-0003", "vendorProject": "lodash", "product": "lodash", "vulnerabilityName": "lodash flaw", "dateAdded": "2026-02-02", "dueDate": "2099-02-23", "knownRansomwareCampaignUse": "Known"}]}`)
		if status(s1, "CVE-2090-0005") != "open P1" || status(s3, "GHSA-0000-1111-2222") != "open P2" {
			t.Fatalf("KEV import: %s %s", status(s1, "CVE-2090-0005"), status(s3, "GHSA-0000-1111-2222"))
		}
		step("epss.csv", "#model_version:v2025.03.14,score_date:2026-02-03T00:00:00+0000\ncve,epss,percentile\nCVE-2090-0001,0.61000,0.99000\nCVE-2090-0004,0.00100,0.10000\n")
		if status(s2, "CVE-2090-0001") != "open P1" || status(s4, "CVE-2090-0001") != "open P2" {
			t.Fatalf("EPSS import: %s %s", status(s2, "CVE-2090-0001"), status(s4, "CVE-2090-0001"))
		}
		step("osv-2.json", `{"id": "GHSA-0000-1111-2222", "modified": "2026-03-01T00:00:00Z", "withdrawn": "2026-03-01T00:00:00Z", "aliases": ["CVE-2090-0003"],
			"affected": [{"package": {"ecosystem": "npm", "name": "lodash"}, "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "4.17.21"}]}]}]}`)
		if status(s3, "GHSA-0000-1111-2222") != "fixed P2" {
			t.Fatalf("withdrawn OSV record: %s", status(s3, "GHSA-0000-1111-2222"))
		}
		_ = vuln.MatchSummary{}
	})
}

// TestAnotherProcesssImportsAreCaughtUp: two processes on one database,
// each with its cached feeds. What one imports the other reads at its
// next match as those imports' rows only (not every record again), and an
// import in a process whose cache is behind stays incremental; the
// findings are always a full match's. An alias change is caught up the
// same way (only the alias table is read again).
func TestAnotherProcesssImportsAreCaughtUp(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		a := w.Vuln
		b := vuln.New(db, w.Audit, events.New(db, nil)) // the other process: its own cache, no events
		mk := func(name string, sw ...registry.Software) int64 {
			sys, err := w.Registry.CreateSystem(ctx, access.System, registry.SystemInput{AgencyID: &w.A.ID, Name: &name, Software: &sw})
			if err != nil {
				t.Fatal(err)
			}
			return sys.ID
		}
		all := []int64{mk("Cong 1", registry.Software{Name: "nginx", Version: "1.20.0"}), mk("Cong 2", registry.Software{Name: "php", Version: "5.6.40"}),
			mk("Cong 3", registry.Software{Name: "tomcat", Version: "9.0.1"})}
		imp := func(s *vuln.Service, name, file string) {
			t.Helper()
			if _, err := s.ImportFeed(ctx, access.System, name, strings.NewReader(file)); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		}
		full := func(step string) {
			t.Helper()
			before := findingRows(t, db)
			if sum, err := a.RematchFromScratch(ctx); err != nil || sum.Opened+sum.Reopened+sum.Fixed != 0 || !slices.Equal(before, findingRows(t, db)) {
				t.Fatalf("%s: a full match changed the findings (%+v, %v)", step, sum, err)
			}
		}
		imp(a, "nvd-1.json", nvdFile(t, nvdCVE("CVE-2092-0001", "Analyzed", "2026-01-01T00:00:00.000", 7.5, "", []map[string]any{crit(true, "cpe:2.3:a:f5:nginx:*:*:*:*:*:*:*:*", "versionEndExcluding", "1.22.0")})))
		if err := b.MatchSystems(ctx, all); err != nil {
			t.Fatal(err)
		}
		loadsA, loadsB := a.Loads(), b.Loads()

		// A imports; B's next match catches up.
		imp(a, "nvd-2.json", nvdFile(t,
			nvdCVE("CVE-2092-0002", "Analyzed", "2026-01-01T00:00:00.000", 9.8, "", []map[string]any{crit(true, "cpe:2.3:a:php:php:*:*:*:*:*:*:*:*", "versionEndIncluding", "5.6.40")}),
			nvdCVE("CVE-2092-0001", "Modified", "2026-02-01T00:00:00.000", 5.0, "", []map[string]any{crit(true, "cpe:2.3:a:f5:nginx:*:*:*:*:*:*:*:*", "versionEndExcluding", "1.21.0")})))
		imp(a, "kev.json", `{"title": "KEV", "catalogVersion": "1", "vulnerabilities": [{"cveID": "CVE-2092-0002", "vendorProject": "PHP", "product": "PHP", "vulnerabilityName": "x", "dateAdded": "2026-02-02", "dueDate": "2099-02-23", "knownRansomwareCampaignUse": "Unknown"}]}`)
		before := findingRows(t, db)
		if err := b.MatchSystems(ctx, all); err != nil {
			t.Fatal(err)
		}
		if got := findingRows(t, db); !slices.Equal(before, got) {
			t.Fatalf("the other process's match disagrees with the importing one:\n%s\n---\n%s", strings.Join(before, "\n"), strings.Join(got, "\n"))
		}
		if b.Loads() != loadsB {
			t.Fatal("the other process read every record again after two imports")
		}
		full("after A's imports")

		// B imports while A's cache is behind B's: A's next import, and
		// its match, stay incremental.
		loadsA = a.Loads() // the full match above read them once
		imp(b, "nvd-3.json", nvdFile(t, nvdCVE("CVE-2092-0003", "Analyzed", "2026-03-01T00:00:00.000", 6.0, "", []map[string]any{crit(true, "cpe:2.3:a:apache:tomcat:*:*:*:*:*:*:*:*", "versionEndExcluding", "9.0.2")})))
		imp(a, "epss.csv", "#model_version:v2025.03.14,score_date:2026-02-03T00:00:00+0000\ncve,epss,percentile\nCVE-2092-0003,0.71000,0.99000\n")
		if a.Loads() != loadsA {
			t.Fatal("the importing process read every record again because another one had imported")
		}
		full("after B's import and A's")
		var prio string
		if err := db.Q(ctx).QueryRowContext(ctx, `SELECT priority FROM vuln_findings WHERE system_id = $1 AND vuln_id = 'CVE-2092-0003'`, all[2]).Scan(&prio); err != nil || prio != "P2" { // EPSS ≥ 0.5 is P1, lowered to P2 without a public URL
			t.Fatalf("the Tomcat finding with B's record and A's EPSS score: %q %v", prio, err)
		}

		// An alias change makes a component named "cong-php" PHP: A
		// matches the system running it; B's next match agrees, with its
		// records kept (only the alias table is read again).
		all = append(all, mk("Cong 4", registry.Software{Name: "Cong-PHP", Version: "5.6.40"}))
		loadsA, loadsB = a.Loads(), b.Loads()
		if _, err := a.AddAlias(ctx, access.System, vuln.Alias{Name: "cong-php", CPE: "a:php:php"}); err != nil {
			t.Fatal(err)
		}
		var status string
		if err := db.Q(ctx).QueryRowContext(ctx, `SELECT status FROM vuln_findings WHERE system_id = $1 AND vuln_id = 'CVE-2092-0002'`, all[3]).Scan(&status); err != nil || status != "open" {
			t.Fatalf("the system named through the new alias: %q %v", status, err)
		}
		before = findingRows(t, db)
		if err := b.MatchSystems(ctx, all); err != nil {
			t.Fatal(err)
		}
		if got := findingRows(t, db); !slices.Equal(before, got) {
			t.Fatalf("after the alias change the other process disagrees:\n%s\n---\n%s", strings.Join(before, "\n"), strings.Join(got, "\n"))
		}
		if a.Loads() != loadsA || b.Loads() != loadsB {
			t.Fatalf("an alias change read every record again (%d, %d times)", a.Loads()-loadsA, b.Loads()-loadsB)
		}
		full("after the alias change")
	})
}
