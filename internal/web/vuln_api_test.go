package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/khien-project/khien/internal/platform/store/storetest"
)

// sampleNVD is one NVD record of the public sample (nginx, CVE-2021-23017).
const sampleNVD = "../../../shared/reference/vuln/nvd/CVE-2021-23017.json"

func readSample(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(sampleNVD)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// vulnFindingA gives system A nginx 1.20.0, imports the nginx record and
// matches A (again: the match is idempotent), and returns the path of A's
// finding plus suffix.
func vulnFindingA(suffix string) func(*world, string) string {
	return func(w *world, _ string) string {
		if code, body := w.api("admin", "PATCH", fmt.Sprintf("/api/v1/systems/%d", w.sysA.ID), map[string]any{"software": []map[string]string{{"name": "nginx", "version": "1.20.0"}}}); code != 200 {
			w.t.Fatalf("software of A: %d %s", code, body)
		}
		if code, body := w.api("admin", "POST", "/api/v1/vuln/feeds?name=CVE-2021-23017.json", readSample(w.t)); code != 200 {
			w.t.Fatalf("import: %d %s", code, body)
		}
		if err := w.svc.Vuln.MatchSystems(context.Background(), []int64{w.sysA.ID}); err != nil {
			w.t.Fatal(err)
		}
		code, body := w.api("admin", "GET", fmt.Sprintf("/api/v1/vuln/findings?system_id=%d", w.sysA.ID), nil)
		var l struct{ Items []struct{ ID int64 } }
		if err := json.Unmarshal(body, &l); code != 200 || err != nil || len(l.Items) != 1 {
			w.t.Fatalf("vuln findings of A: %d %s", code, body)
		}
		return fmt.Sprintf("/api/v1/vuln/findings/%d%s", l.Items[0].ID, suffix)
	}
}

// alternateStatus moves A's finding back and forth, so that each role's
// request is a move the finding allows.
func alternateStatus(_ *world, role string) any {
	if role == "analyst" {
		return map[string]any{"status": "open"}
	}
	return map[string]any{"status": "in_progress"}
}

// TestVulnBadInput: malformed feeds, filters and status changes are
// refused with a clear error, and nothing is written.
func TestVulnBadInput(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			w := newWorld(t, engine)
			finding := vulnFindingA("/status")(w, "admin")
			nvd := readSample(t)
			before := vulnCounts(t, w)
			cases := []struct {
				name, method, path string
				body               any
				status             int
				code, field, says  string
			}{
				{"truncated feed", "POST", "/api/v1/vuln/feeds", nvd[:len(nvd)/2], 400, "validation_failed", "file", "truncated"},
				{"not a feed", "POST", "/api/v1/vuln/feeds", "id,name\n1,x\n", 400, "validation_failed", "file", "not a feed file"},
				{"empty feed", "POST", "/api/v1/vuln/feeds", "", 400, "validation_failed", "file", "not a feed file"},
				{"unknown CPE syntax", "POST", "/api/v1/vuln/feeds", strings.Replace(nvd, "cpe:2.3:a:f5:nginx", "cpe:7:f5", 1), 400, "validation_failed", "file", "CPE"},
				{"unknown priority", "GET", "/api/v1/vuln/findings?priority=P9", nil, 400, "validation_failed", "priority", ""},
				{"unknown status filter", "GET", "/api/v1/vuln/findings?status=closed", nil, 400, "validation_failed", "status", ""},
				{"bad overdue", "GET", "/api/v1/vuln/findings?overdue=soon", nil, 400, "bad_request", "", ""},
				{"bad system id", "GET", "/api/v1/vuln/findings?system_id=x", nil, 400, "bad_request", "", ""},
				{"CSV with an unknown priority", "GET", "/api/v1/vuln/findings.csv?priority=P0", nil, 400, "validation_failed", "priority", ""},
				{"unknown status", "POST", finding, map[string]any{"status": "done"}, 400, "validation_failed", "status", ""},
				{"risk without approver", "POST", finding, map[string]any{"status": "risk_accepted", "reason": "x", "until": "2099-01-01"}, 400, "validation_failed", "approver", ""},
				{"status with an unknown field", "POST", finding, `{"status": "in_progress", "why": "x"}`, 400, "bad_request", "", ""},
				{"no such finding", "POST", "/api/v1/vuln/findings/999999/status", map[string]any{"status": "in_progress"}, 404, "not_found", "", ""},
				{"bad discovered decision", "POST", "/api/v1/vuln/discovered/1", map[string]any{"status": "maybe"}, 400, "validation_failed", "status", ""},
			}
			for _, c := range cases {
				code, body := w.api("admin", c.method, c.path, c.body)
				var eb errorBody
				if err := json.Unmarshal(body, &eb); err != nil {
					t.Errorf("%s: answer is not JSON: %s", c.name, body)
					continue
				}
				if code != c.status || eb.Error.Code != c.code || !strings.Contains(eb.Error.Message, c.says) {
					t.Errorf("%s: %d %s, want %d %s saying %q", c.name, code, body, c.status, c.code, c.says)
				}
				if c.field != "" && (len(eb.Error.Fields) == 0 || eb.Error.Fields[0].Field != c.field || eb.Error.Fields[0].VI == "") {
					t.Errorf("%s: fields %+v, want %s with a Vietnamese message", c.name, eb.Error.Fields, c.field)
				}
			}
			if after := vulnCounts(t, w); after != before {
				t.Errorf("bad input changed the database: %v → %v", before, after)
			}
		})
	}
}

func vulnCounts(t *testing.T, w *world) [4]int {
	t.Helper()
	var c [4]int
	for i, q := range []string{"SELECT COUNT(*) FROM vuln_records", "SELECT COUNT(*) FROM vuln_imports", "SELECT COUNT(*) FROM vuln_findings WHERE status = 'open'", "SELECT COUNT(*) FROM audit_log"} {
		if err := w.svc.DB.Reader().QueryRow(q).Scan(&c[i]); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

// advisoryA issues a fresh advisory on A's nginx finding (so that it
// reaches A and A's progress is "notified") and returns its path plus
// suffix, with "/agencies/A" standing for the progress of A1 (system A's agency).
func advisoryA(suffix string) func(*world, string) string {
	return func(w *world, role string) string {
		vulnFindingA("")(w, role)
		code, body := w.api("admin", "POST", "/api/v1/vuln/advisories", map[string]any{"title": "nginx " + role, "action": "Nâng cấp nginx", "action_en": "Upgrade nginx", "cves": []string{"CVE-2021-23017"}, "deadline": "2027-01-31"})
		if code != 201 {
			w.t.Fatalf("advisory: %d %s", code, body)
		}
		suffix = strings.Replace(suffix, "/agencies/A", fmt.Sprintf("/agencies/%d", w.a1.ID), 1)
		return fmt.Sprintf("/api/v1/vuln/advisories/%d%s", idOf(w.t, body), suffix)
	}
}

// TestVulnCSV: the CSV export lists the findings in the caller's scope.
func TestVulnCSV(t *testing.T) {
	w := newWorld(t, "sqlite")
	vulnFindingA("")(w, "admin")
	code, body := w.api("agencyA", "GET", "/api/v1/vuln/findings.csv", nil)
	if code != 200 || !strings.HasPrefix(string(body), "\ufeffid,priority,vuln_id") || !strings.Contains(string(body), "CVE-2021-23017") || strings.Count(string(body), "\n") != 2 {
		t.Errorf("officer A: %d %s", code, body)
	}
	if code, body := w.api("agencyB", "GET", "/api/v1/vuln/findings.csv", nil); code != 200 || strings.Contains(string(body), "CVE-2021-23017") {
		t.Errorf("officer B: %d %s", code, body)
	}
}

// uiPath turns an API path maker into the UI page's path.
func uiPath(api func(*world, string) string) func(*world, string) string {
	return func(w *world, role string) string { return strings.TrimPrefix(api(w, role), "/api/v1") }
}
