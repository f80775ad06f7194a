package web_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// levelAnswers is the questionnaire of a level-3 public-service portal
// (Decree 331).
const levelAnswers = `{"regime": "nd331-2026", "info_class": "personal", "system_type": "public_service", "data_subjects": 20000,
	"sensitive_personal_data": false, "handles_administrative_procedures": true, "online_public_service_level": 2,
	"conditional_business": false, "infrastructure_scope": "none", "needs_24_7": false, "national_security_harm": "none"}`

// proposedSystem makes a new system in A1 with a level-3 proposal and
// answers its id.
func proposedSystem(w *world, name string) int64 {
	path := freshSystem(w, name)
	if code, body := w.api("admin", "POST", path+"/level-proposal", levelAnswers); code != http.StatusOK {
		w.t.Fatalf("proposal: %d %s", code, body)
	}
	var id int64
	fmt.Sscanf(path, "/api/v1/systems/%d", &id)
	return id
}

// levelSystemPage is the level page of a fresh proposed system in A1.
func levelSystemPage(w *world, role string) string {
	return fmt.Sprintf("/levels/systems/%d", proposedSystem(w, "levels "+role))
}

// levelDossierPage is the page of a draft dossier of a fresh system in A1.
func levelDossierPage(w *world, role string) string {
	id := proposedSystem(w, "dossier "+role)
	code, body := w.api("admin", "POST", fmt.Sprintf("/api/v1/systems/%d/dossiers", id), nil)
	if code != http.StatusCreated {
		w.t.Fatalf("dossier: %d %s", code, body)
	}
	return fmt.Sprintf("/levels/dossiers/%d", idOf(w.t, body))
}

// upload posts a file with the browser's CSRF token as a multipart form.
func (b *browser) upload(path, name string, data []byte) int {
	b.w.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("csrf", b.csrf)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, b.w.ts.URL+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := b.client.Do(req)
	if err != nil {
		b.w.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

var dossierLocation = regexp.MustCompile(`^/levels/dossiers/(\d+)`)

// TestLevelsUIFlow: the officer opens, writes, documents and submits a
// dossier through the pages; the analyst appraises; the officer may not
// approve; the admin approves; the officer assesses and records a risk;
// the dashboard, the system page and the printable annual report show
// it, in Vietnamese and English; another agency's officer gets 404.
func TestLevelsUIFlow(t *testing.T) {
	w := newWorld(t, "sqlite")
	officer, analyst, admin, other := w.browser("agencyA"), w.browser("analyst"), w.browser("admin"), w.browser("agencyB")
	sys := proposedSystem(w, "Cổng dịch vụ công Alpha")
	sysPage := fmt.Sprintf("/levels/systems/%d", sys)
	req, _ := http.NewRequest(http.MethodPost, w.ts.URL+sysPage+"/dossiers", strings.NewReader(officer.withCSRF(url.Values{}).Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := officer.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	m := dossierLocation.FindStringSubmatch(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther || m == nil {
		t.Fatalf("create: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	page := "/levels/dossiers/" + m[1]
	if code, body := officer.get(page); code != 200 || !strings.Contains(string(body), "Cổng dịch vụ công Alpha") || !strings.Contains(string(body), "Thuyết minh tổng quan") {
		t.Fatalf("dossier page: %d", code)
	}
	if code, _ := officer.post(page+"/sections", officer.withCSRF(url.Values{"section.security-plan": {"Phương án bảo đảm an toàn."}})); code != http.StatusSeeOther {
		t.Errorf("sections: %d", code)
	}
	if code := officer.upload(page+"/attachments", "phuong-an.pdf", []byte("%PDF-1.4\n%%EOF\n")); code != http.StatusSeeOther {
		t.Errorf("upload: %d", code)
	}
	if code := officer.upload(page+"/attachments", "virus.pdf", []byte("MZ\x90\x00 not a pdf")); code != http.StatusBadRequest {
		t.Errorf("disguised upload: %d, want 400", code)
	}
	steps := []struct {
		b    *browser
		form url.Values
		want int
	}{
		{officer, url.Values{"to": {"submitted"}}, http.StatusSeeOther},
		{analyst, url.Values{"to": {"under_appraisal"}}, http.StatusSeeOther},
		{officer, url.Values{"to": {"approved"}, "decision_number": {"1"}, "decision_date": {"2026-01-01"}, "signer": {"x"}}, http.StatusForbidden},
		{admin, url.Values{"to": {"approved"}, "decision_number": {"30/QĐ-UBND"}, "decision_date": {time.Now().Format(time.DateOnly)}, "signer": {"Chủ tịch"}}, http.StatusSeeOther},
	}
	for i, s := range steps {
		if code, _ := s.b.post(page+"/move", s.b.withCSRF(s.form)); code != s.want {
			t.Errorf("step %d: %d, want %d", i, code, s.want)
		}
	}
	if code, _ := other.get(page); code != http.StatusNotFound {
		t.Errorf("other agency sees the dossier: %d", code)
	}
	if code, _ := officer.post(sysPage+"/assessment", officer.withCSRF(url.Values{"status.g.risk": {"implemented"}, "status.g.logs": {"partial"}, "evidence.g.risk": {"Biên bản"}})); code != http.StatusSeeOther {
		t.Errorf("assessment: %d", code)
	}
	if code, _ := officer.post(sysPage+"/risks", officer.withCSRF(url.Values{"title": {"Lộ dữ liệu"}, "threat": {"SQL injection"}, "vulnerability": {"Thiếu kiểm tra đầu vào"},
		"likelihood": {"4"}, "impact": {"5"}, "treatment": {"mitigate"}})); code != http.StatusSeeOther {
		t.Errorf("risk: %d", code)
	}
	code, body := officer.get(sysPage)
	for _, want := range []string{"Đánh giá đáp ứng yêu cầu", "chart-heatmap", "Lộ dữ liệu", "30/QĐ-UBND", `value="implemented" selected`,
		"Mức đáp ứng yêu cầu theo thời gian", `class="chart chart-history"`, "1 lần cập nhật đánh giá"} {
		if code != 200 || !strings.Contains(string(body), want) {
			t.Errorf("system page lacks %q (%d)", want, code)
		}
	}
	if code, body := officer.get("/levels"); code != 200 || !strings.Contains(string(body), "Cổng dịch vụ công Alpha") || !strings.Contains(string(body), "Bản đồ nhiệt rủi ro") {
		t.Errorf("dashboard: %d", code)
	}
	if code, body := other.get("/levels"); code != 200 || strings.Contains(string(body), "Cổng dịch vụ công Alpha") {
		t.Errorf("other agency's dashboard shows A's system (%d)", code)
	}
	if code, body := admin.get("/levels/reports/annual"); code != 200 || !strings.Contains(string(body), "Cổng dịch vụ công Alpha") || !strings.Contains(string(body), "format=pdf") {
		t.Errorf("annual page: %d", code)
	}
	officer.setLang("en")
	if code, body := officer.get("/levels"); code != 200 || !strings.Contains(string(body), "Security by level") || !strings.Contains(string(body), "Risk heat map") {
		t.Errorf("English dashboard: %d", code)
	}
	if code, _ := admin.get("/levels/reports/annual?year=abc"); code != http.StatusBadRequest {
		t.Errorf("bad year: %d", code)
	}
}
