package api_test

import (
	"context"
	"strings"
	"testing"

	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/audit"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/store/storetest"
)

// TestDuties: before approval a system has no duties (409); at level 3
// under Decree 331 it has its scans, log retention and more; a scan done
// long ago is overdue six months later, in the duties and the annual
// report; bad duties and dates are 400 naming the field; the auditor
// may not record (403), another agency's officer sees nothing (404).
func TestDuties(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newLevelWorld(t, db)
		if code, _ := w.call(t, "officerA", "GET", sysPath(w.sysA, "/duties"), nil); code != 409 {
			t.Errorf("duties before approval: %d, want 409", code)
		}
		w.approveLevel3(t)
		code, d := w.call(t, "officerA", "GET", sysPath(w.sysA, "/duties"), nil)
		byID := func(d map[string]any) map[string]map[string]any {
			out := map[string]map[string]any{}
			for _, it := range asList(d["items"]) {
				m := it.(map[string]any)
				out[m["id"].(string)] = m
			}
			return out
		}
		duties := byID(d)
		if code != 200 || duties["vulnerability-scan"]["every_months"] != 6.0 || duties["log-retention"]["keep_months"] != 3.0 || duties["vulnerability-scan"]["overdue"] != false {
			t.Fatalf("duties: %d %v", code, d)
		}
		for _, c := range []struct{ body, field string }{
			{`{"duty": "pentest", "done_on": "2025-01-01"}`, "duty"},
			{`{"duty": "vulnerability-scan", "done_on": "2999-01-01"}`, "done_on"},
			{`{"duty": "vulnerability-scan"}`, "done_on"},
		} {
			code, out := w.call(t, "officerA", "POST", sysPath(w.sysA, "/duties"), c.body)
			fields, _ := out["error"].(map[string]any)["fields"].([]any)
			if code != 400 || len(fields) == 0 || fields[0].(map[string]any)["field"] != c.field {
				t.Errorf("%s: %d %v", c.body, code, out)
			}
		}
		scan := `{"duty": "vulnerability-scan", "done_on": "2025-01-01", "note": "OpenVAS"}`
		for _, c := range []struct {
			actor string
			want  int
		}{{"officerB", 404}, {"auditor", 403}} {
			if code, _ := w.call(t, c.actor, "POST", sysPath(w.sysA, "/duties"), scan); code != c.want {
				t.Errorf("%s records: %d, want %d", c.actor, code, c.want)
			}
		}
		code, d = w.call(t, "officerA", "POST", sysPath(w.sysA, "/duties"), scan)
		if s := byID(d)["vulnerability-scan"]; code != 200 || s["last_done"] != "2025-01-01" || s["due_on"] != "2025-07-01" || s["overdue"] != true {
			t.Errorf("after the record: %d %v", code, d)
		}
		_, rep := w.call(t, "admin", "GET", "/api/v1/reports/annual", nil)
		if rep["duties_overdue"] != 1.0 {
			t.Errorf("annual report: %v duties overdue", rep["duties_overdue"])
		}
		entries, _, _ := w.log.List(context.Background(), access.System, audit.Filter{Action: "duty.record"})
		if len(entries) != 1 {
			t.Errorf("%d duty.record entries, want 1", len(entries))
		}
	})
}

// TestRiskAndGapCSV: the risk register and the gap list as CSV files
// (UTF-8 with a BOM, formulas guarded, English headings with ?lang=en),
// scoped like the lists; an unknown format is a 400.
func TestRiskAndGapCSV(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newLevelWorld(t, db)
		w.approveLevel3(t)
		if code, out := w.call(t, "officerA", "PUT", sysPath(w.sysA, "/assessment"), `{"items": [{"requirement": "g.logs", "status": "partial"}]}`); code != 200 {
			t.Fatalf("assess: %d %v", code, out)
		}
		if code, out := w.call(t, "officerA", "POST", sysPath(w.sysA, "/risks"), `{"title": "=HYPERLINK(\"x\")", "threat": "Dò mật khẩu", "vulnerability": "Mật khẩu yếu",
			"likelihood": 4, "impact": 5, "treatment": "mitigate", "status": "open"}`); code != 201 && code != 200 {
			t.Fatalf("risk: %d %v", code, out)
		}
		risks := w.raw(t, "officerA", "GET", "/api/v1/risks?format=csv")
		body := risks.Body.String()
		if risks.Code != 200 || !strings.HasPrefix(body, "\ufeffid,system_id,hệ thống,rủi ro") || !strings.Contains(body, `'=HYPERLINK`) || !strings.Contains(body, "Dò mật khẩu,Mật khẩu yếu,4,5,20,") ||
			risks.Header().Get("Content-Type") != "text/csv; charset=utf-8" || !strings.Contains(risks.Header().Get("Content-Disposition"), "risks.csv") {
			t.Errorf("risks csv: %d %q", risks.Code, body)
		}
		gaps := w.raw(t, "officerA", "GET", "/api/v1/assessments/gaps?format=csv&lang=en").Body.String()
		if !strings.HasPrefix(gaps, "\ufeffsystem_id,system,agency,level,regime,requirement") || !strings.Contains(gaps, ",3,nd331-2026,g.logs,") || !strings.Contains(gaps, ",partial") {
			t.Errorf("gaps csv %q", gaps)
		}
		for _, path := range []string{"/api/v1/risks?format=csv", "/api/v1/assessments/gaps?format=csv"} {
			if body := w.raw(t, "officerB", "GET", path).Body.String(); strings.Count(body, "\n") != 1 {
				t.Errorf("%s as another agency's officer: %q", path, body)
			}
		}
		if code := w.raw(t, "officerA", "GET", "/api/v1/risks?format=xml").Code; code != 400 {
			t.Errorf("unknown format: %d", code)
		}
	})
}
