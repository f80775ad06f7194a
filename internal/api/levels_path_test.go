package api_test

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/audit"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/store/storetest"
	"github.com/khien-project/khien/internal/testkit/need"
)

// raw sends a request and returns the recorder (for non-JSON answers).
func (w *levelWorld) raw(t *testing.T, actor, method, path string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, path, nil)
	req.Header.Set("X-Test-Actor", actor)
	rec := httptest.NewRecorder()
	w.mux.ServeHTTP(rec, req)
	return rec
}

// pdfText extracts a PDF's text with pdftotext (Debian's poppler-utils)
// and counts its pages.
func pdfText(t *testing.T, pdf []byte) (string, int) {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		need.Skip(t, "pdftotext is not installed (scripts/test.sh installs poppler-utils)")
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %q", pdf[:min(len(pdf), 40)])
	}
	in := filepath.Join(t.TempDir(), "r.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-enc", "UTF-8", in, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	// Words are compared across the lines a table cell wraps.
	return strings.Join(strings.Fields(string(out)), " "), strings.Count(string(out), "\f")
}

// TestSecurityByLevelPath follows the path of issue 12's "Done when": an
// agency officer registers a system, answers the questionnaire and gets
// level 3 with its reasons, drafts and submits the dossier with an
// attachment; the province office appraises and the admin approves it;
// the officer fills the assessment; the scores (the dashboard's figures),
// the annual report (JSON, PDF with Vietnamese text, CSV) and the
// compliance report show it; each step is in the audit log.
func TestSecurityByLevelPath(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newLevelWorld(t, db)
		agencyA := strconv.FormatInt(w.sysA.AgencyID, 10)
		code, sys := w.call(t, "officerA", "POST", "/api/v1/systems", `{"agency_id": `+agencyA+`, "name": "Cổng thông tin điện tử Sở Khoa học", "purpose": "Dịch vụ công trực tuyến"}`)
		if code != 201 && code != 200 {
			t.Fatalf("register: %d %v", code, sys)
		}
		sp := func(rest string) string { return "/api/v1/systems/" + strconv.Itoa(int(sys["id"].(float64))) + rest }
		code, p := w.call(t, "officerA", "POST", sp("/level-proposal"), level3)
		if code != 200 || p["level"] != 3.0 || len(asList(p["reasons"])) == 0 {
			t.Fatalf("proposal: %d %v", code, p)
		}
		code, d := w.call(t, "officerA", "POST", sp("/dossiers"), nil)
		if code != 201 {
			t.Fatalf("draft: %d %v", code, d)
		}
		id := d["id"]
		w.call(t, "officerA", "PATCH", dossierPath(id, ""), `{"sections": {"security-plan": "Phương án bảo đảm an toàn theo TCVN 14423:2026."}}`)
		if code, rec := w.upload(t, "officerA", dossierPath(id, "/attachments"), "thuyết-minh.docx", docxDoc(t)); code != 201 {
			t.Fatalf("attach: %d %s", code, rec.Body)
		}
		for _, s := range []struct{ actor, body string }{
			{"officerA", `{"to": "submitted"}`},
			{"analyst", `{"to": "under_appraisal", "note": "Hồ sơ đầy đủ"}`},
			{"admin", `{"to": "approved", "decision_number": "25/QĐ-UBND", "decision_date": "` + time.Now().Format(time.DateOnly) + `", "signer": "Phó Chủ tịch UBND tỉnh"}`},
		} {
			if code, out := w.call(t, s.actor, "POST", dossierPath(id, "/transitions"), s.body); code != 200 {
				t.Fatalf("%s %s: %d %v", s.actor, s.body, code, out)
			}
		}
		_, a := w.call(t, "officerA", "GET", sp("/assessment"), nil)
		var items []string
		for i, r := range asList(a["requirements"]) {
			status := "implemented"
			if i%3 == 2 {
				status = "partial"
			}
			items = append(items, `{"requirement": "`+r.(map[string]any)["id"].(string)+`", "status": "`+status+`", "evidence": "Biên bản kiểm tra"}`)
		}
		if code, out := w.call(t, "officerA", "PUT", sp("/assessment"), `{"items": [`+strings.Join(items, ",")+`]}`); code != 200 || out["score"] != 83.3 {
			t.Fatalf("assessment: %d %v", code, out["score"])
		}
		w.call(t, "officerA", "PUT", sp("/layers/3"), `{"organisation": "Trung tâm Kiểm định", "last_date": "`+time.Now().Format(time.DateOnly)+`", "next_due": "2099-01-01"}`)

		// The dashboard's figures: one approved system of three live ones.
		_, sc := w.call(t, "admin", "GET", "/api/v1/assessments/scores", nil)
		if sc["systems"] != 3.0 || sc["approved"] != 1.0 || sc["total"].(map[string]any)["score"] != 83.3 {
			t.Errorf("scores %v", sc)
		}
		_, dash := w.call(t, "officerA", "GET", "/api/v1/levels/dashboard", nil)
		if an := dash["annual"].(map[string]any); an["approved"] != 1.0 || an["plan_partial"] != 1.0 || dash["coverage"].(map[string]any)["systems"] != 2.0 {
			t.Errorf("dashboard %v", dash)
		}
		if gaps := asList(dash["top_gaps"]); len(gaps) != 6 || gaps[0].(map[string]any)["systems"] != 1.0 {
			t.Errorf("top gaps %v", gaps)
		}
		if _, dashB := w.call(t, "officerB", "GET", "/api/v1/levels/dashboard", nil); dashB["annual"].(map[string]any)["approved"] != 0.0 {
			t.Errorf("other agency's dashboard %v", dashB)
		}
		year := time.Now().Year()
		if time.Now().Format("01-02") > "12-14" {
			year++
		}
		q := "/api/v1/reports/annual?year=" + strconv.Itoa(year) + "&agency_id=" + agencyA
		_, rep := w.call(t, "officerA", "GET", q, nil)
		if rep["approved"] != 1.0 || rep["plan_partial"] != 1.0 || rep["approved_in_period"] != 1.0 || rep["inspections"] != 1.0 || rep["agency_name"] != "Cơ quan SKHCN" {
			t.Errorf("annual report %v", rep)
		}
		rec := w.raw(t, "officerA", "GET", q+"&format=pdf")
		if rec.Code != 200 || rec.Header().Get("Content-Type") != "application/pdf" {
			t.Fatalf("pdf: %d %s", rec.Code, rec.Header())
		}
		text, pages := pdfText(t, rec.Body.Bytes())
		for _, want := range []string{"BÁO CÁO CÔNG TÁC BẢO ĐẢM AN TOÀN HỆ THỐNG THÔNG TIN", "THEO CẤP ĐỘ NĂM", "Cổng thông tin điện tử Sở Khoa học Cơ quan SKHCN 3 83.3 % Một phần", "Trang 1/1"} {
			if !strings.Contains(text, want) {
				t.Errorf("the PDF lacks %q:\n%s", want, text)
			}
		}
		if pages != 1 {
			t.Errorf("%d pages, want 1", pages)
		}
		if text, _ := pdfText(t, w.raw(t, "officerA", "GET", q+"&format=pdf&lang=en").Body.Bytes()); !strings.Contains(text, "ANNUAL REPORT") || !strings.Contains(text, "Cổng thông tin điện tử Sở Khoa học") {
			t.Errorf("English PDF:\n%s", text)
		}
		csv := w.raw(t, "officerA", "GET", q+"&format=csv").Body.String()
		if !strings.HasPrefix(csv, "\ufeff") || !strings.Contains(csv, "Cổng thông tin điện tử Sở Khoa học") || !strings.Contains(csv, ",3,83.3,partial,") {
			t.Errorf("csv %q", csv)
		}
		rec = w.raw(t, "auditor", "GET", sp("/compliance-report?format=pdf"))
		text, _ = pdfText(t, rec.Body.Bytes())
		for _, want := range []string{"BÁO CÁO TUÂN THỦ", "25/QĐ-UBND", "Phó Chủ tịch UBND tỉnh", "Quản lý nhật ký", "Kiểm tra, đánh giá độc lập"} {
			if !strings.Contains(text, want) {
				t.Errorf("the compliance PDF lacks %q:\n%s", want, text)
			}
		}
		if rec := w.raw(t, "officerB", "GET", sp("/compliance-report?format=pdf")); rec.Code != 404 {
			t.Errorf("other agency's compliance report: %d", rec.Code)
		}
		entries, _, err := w.log.List(context.Background(), access.System, audit.Filter{Actor: "", Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		var trail []string
		for i := len(entries) - 1; i >= 0; i-- {
			e := entries[i]
			if e.ObjectType == "system" && e.ObjectID != strconv.Itoa(int(sys["id"].(float64))) {
				continue
			}
			trail = append(trail, e.Actor+":"+e.Action)
		}
		got := strings.Join(trail, " ")
		for _, want := range []string{"canbo.a:level.propose", "canbo.a:dossier.create", "canbo.a:dossier.edit", "canbo.a:dossier.attach", "canbo.a:dossier.submit",
			"analyst:dossier.appraise", "admin:dossier.approve", "canbo.a:assessment.set", "canbo.a:layer.set"} {
			if !strings.Contains(got, want) {
				t.Errorf("the audit log lacks %s: %s", want, got)
			}
		}
		if !strings.Contains(got, "canbo.a:create canbo.a:level.propose canbo.a:dossier.create") {
			t.Errorf("the officer's registration, proposal and draft are not the first steps: %s", got)
		}
	})
}
