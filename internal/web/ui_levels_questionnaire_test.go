package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// questionnaireForm is levelAnswers as the questionnaire page posts them.
func questionnaireForm(action string, extra url.Values) url.Values {
	f := url.Values{"action": {action}, "regime": {"nd331-2026"}, "info_class": {"personal"}, "system_type": {"public_service"},
		"data_subjects": {"20000"}, "sensitive_personal_data": {"false"}, "handles_administrative_procedures": {"true"},
		"online_public_service_level": {"2"}, "conditional_business": {"false"}, "infrastructure_scope": {"none"},
		"needs_24_7": {"false"}, "national_security_harm": {"none"}}
	for k, v := range extra {
		f[k] = v
	}
	return f
}

// TestQuestionnairePage: the officer answers the questionnaire on the
// page, sees level 3 with its reasons (nothing recorded yet), saves it
// as the proposal; a level below what the answers imply is refused with
// the reason, missing answers are named under their fields (in a part
// too); the auditor may see the level but not save; another agency's
// officer gets 404; the form starts from the last proposal's answers.
func TestQuestionnairePage(t *testing.T) {
	w := newWorld(t, "sqlite")
	officer, auditor, other := w.browser("agencyA"), w.browser("auditor"), w.browser("agencyB")
	sysPath := freshSystem(w, "Cổng một cửa Beta")
	page := "/levels" + strings.TrimPrefix(sysPath, "/api/v1") + "/questionnaire"
	// count is 0 while the system has no proposal, else 1
	count := func() int {
		code, _ := w.api("admin", "GET", sysPath+"/level", nil)
		if code == http.StatusNotFound {
			return 0
		}
		return 1
	}
	code, body := officer.get(page)
	if code != 200 || !strings.Contains(string(body), "Phiếu xác định cấp độ") || !strings.Contains(string(body), `name="parts.0.info_class"`) || !strings.Contains(string(body), `value="save"`) {
		t.Fatalf("empty questionnaire: %d", code)
	}
	code, body = officer.post(page, officer.withCSRF(questionnaireForm("preview", nil)))
	if code != 200 || !strings.Contains(string(body), "Cấp độ 3") || !strings.Contains(string(body), "Căn cứ đề xuất") || count() != 0 {
		t.Fatalf("preview: %d, %d proposals", code, count())
	}
	missing := questionnaireForm("save", url.Values{"data_subjects": {""}, "needs_24_7": {""}, "parts.0.info_class": {"public"}})
	code, body = officer.post(page, officer.withCSRF(missing))
	if code != http.StatusBadRequest || count() != 0 {
		t.Fatalf("missing answers: %d, %d proposals", code, count())
	}
	for _, field := range []string{"data_subjects", "needs_24_7", "parts[0].system_type"} {
		re := fmt.Sprintf(`<code translate="no">%s</code>`, field)
		_, after, found := strings.Cut(string(body), re)
		label, _, _ := strings.Cut(after, "</label>")
		if !found || !strings.Contains(label, `class="field-error"`) {
			t.Errorf("no error under %s", field)
		}
	}
	if _, after, _ := strings.Cut(string(body), `<code translate="no">info_class</code>`); strings.Contains(strings.SplitN(after, "</label>", 2)[0], "field-error") {
		t.Error("an answered question has an error")
	}
	code, body = officer.post(page, officer.withCSRF(questionnaireForm("save", url.Values{"proposed_level": {"2"}})))
	if code != http.StatusBadRequest || !strings.Contains(string(body), "proposed_level") || count() != 0 {
		t.Errorf("a level below the answers: %d, %d proposals", code, count())
	}
	code, _ = officer.post(page, officer.withCSRF(questionnaireForm("save", url.Values{"data_subjects": {"nhiều"}})))
	if code != http.StatusBadRequest || count() != 0 {
		t.Errorf("a number that is not one: %d", code)
	}
	code, _ = auditor.post(page, auditor.withCSRF(questionnaireForm("save", nil)))
	if code != http.StatusForbidden || count() != 0 {
		t.Errorf("auditor saves: %d", code)
	}
	if code, body := auditor.post(page, auditor.withCSRF(questionnaireForm("preview", nil))); code != 200 || strings.Contains(string(body), `value="save"`) {
		t.Errorf("auditor preview: %d", code)
	}
	if code, _ := other.get(page); code != http.StatusNotFound {
		t.Errorf("other agency: %d", code)
	}
	if code, _ := other.post(page, other.withCSRF(questionnaireForm("preview", nil))); code != http.StatusNotFound {
		t.Errorf("other agency preview: %d", code)
	}
	code, _ = officer.post(page, officer.withCSRF(questionnaireForm("save", url.Values{"proposed_level": {"4"}})))
	if code != http.StatusSeeOther || count() != 1 {
		t.Fatalf("save: %d, %d proposals", code, count())
	}
	code, body = officer.get(strings.TrimSuffix(page, "/questionnaire"))
	if code != 200 || !strings.Contains(string(body), "Cấp độ đề xuất") || !strings.Contains(string(body), "4 <code") {
		t.Errorf("system page after the proposal: %d", code)
	}
	if code, body := officer.get(page); code != 200 || !strings.Contains(string(body), `<option value="public_service" selected>`) {
		t.Errorf("the form does not start from the last answers (%d)", code)
	}
	officer.setLang("en")
	if code, body := officer.post(page, officer.withCSRF(questionnaireForm("preview", nil))); code != 200 || !strings.Contains(string(body), "Level questionnaire") || !strings.Contains(string(body), "Why this level") {
		t.Errorf("English: %d", code)
	}
}

// assessedSystemPage is the level page of a fresh system in A1 approved at
// level 3 and assessed twice (its trend has two points), with one
// evidence file for g.logs.
func assessedSystemPage(w *world, role string) string {
	id := proposedSystem(w, "assessed "+role)
	code, body := w.api("admin", "POST", fmt.Sprintf("/api/v1/systems/%d/dossiers", id), nil)
	if code != http.StatusCreated {
		w.t.Fatalf("dossier: %d %s", code, body)
	}
	d := fmt.Sprintf("/api/v1/dossiers/%d", idOf(w.t, body))
	for _, s := range []struct{ method, path, body string }{
		{"PATCH", d, `{"sections": {"security-plan": "Phương án."}}`},
		{"POST", d + "/transitions", `{"to": "submitted"}`},
		{"POST", d + "/transitions", `{"to": "under_appraisal"}`},
		{"POST", d + "/transitions", `{"to": "approved", "decision_number": "12/QĐ-UBND", "decision_date": "2026-06-01", "signer": "Chủ tịch"}`},
		{"PUT", fmt.Sprintf("/api/v1/systems/%d/assessment", id), `{"items": [{"requirement": "g.risk", "status": "partial"}]}`},
		{"PUT", fmt.Sprintf("/api/v1/systems/%d/assessment", id), `{"items": [{"requirement": "g.risk", "status": "implemented"}, {"requirement": "g.logs", "status": "implemented"}]}`},
	} {
		if code, body := w.api("admin", s.method, s.path, s.body); code != http.StatusOK {
			w.t.Fatalf("%s %s: %d %s", s.method, s.path, code, body)
		}
	}
	// one evidence file, for its requirement's list on the page
	if code, body := w.api("admin", "POST", fmt.Sprintf("/api/v1/systems/%d/requirements/g.logs/evidence?name=", id)+url.QueryEscape("Nhật ký truy cập tháng 5.pdf"), "%PDF-1.4\n%%EOF\n"); code != http.StatusCreated {
		w.t.Fatalf("evidence file: %d %s", code, body)
	}
	return fmt.Sprintf("/levels/systems/%d", id)
}

// TestDutiesOnPages: the system page lists its level's periodic duties
// with due dates; the officer records a vulnerability scan done long ago,
// which makes it overdue on the system page and on the dashboard; a
// future date or a duty the level does not have is refused; the auditor
// may not record; another agency's officer gets 404.
func TestDutiesOnPages(t *testing.T) {
	w := newWorld(t, "sqlite")
	officer, auditor, other := w.browser("agencyA"), w.browser("auditor"), w.browser("agencyB")
	page := assessedSystemPage(w, "duties")
	code, body := officer.get(page)
	if code != 200 || !strings.Contains(string(body), "Nghĩa vụ định kỳ") || !strings.Contains(string(body), "Rà quét lỗ hổng") || !strings.Contains(string(body), "6 tháng một lần") {
		t.Fatalf("system page duties: %d", code)
	}
	if strings.Contains(string(body), `<b class="bad">Quá hạn</b>`) {
		t.Error("a just-approved system has an overdue duty")
	}
	bad := []url.Values{
		{"duty": {"vulnerability-scan"}, "done_on": {"2999-01-01"}},
		{"duty": {"pentest"}, "done_on": {"2025-01-01"}}, // no pentest frequency at level 3
		{"duty": {"vulnerability-scan"}, "done_on": {"hôm qua"}},
	}
	for _, f := range bad {
		if code, _ := officer.post(page+"/duties", officer.withCSRF(f)); code != http.StatusBadRequest {
			t.Errorf("%v: %d, want 400", f, code)
		}
	}
	good := url.Values{"duty": {"vulnerability-scan"}, "done_on": {"2025-01-01"}, "note": {"Quét bằng OpenVAS"}}
	if code, _ := auditor.post(page+"/duties", auditor.withCSRF(good)); code != http.StatusForbidden {
		t.Errorf("auditor records: %d", code)
	}
	if code, _ := other.post(page+"/duties", other.withCSRF(good)); code != http.StatusNotFound {
		t.Errorf("other agency records: %d", code)
	}
	if code, _ := officer.post(page+"/duties", officer.withCSRF(good)); code != http.StatusSeeOther {
		t.Fatalf("record: %d", code)
	}
	code, body = officer.get(page)
	if code != 200 || !strings.Contains(string(body), "2025-07-01") || !strings.Contains(string(body), `<b class="bad">Quá hạn</b>`) {
		t.Errorf("after the record: %d", code)
	}
	code, body = officer.get("/levels")
	if code != 200 || !strings.Contains(string(body), "Nghĩa vụ định kỳ quá hạn") || !strings.Contains(string(body), page+`#duties" class="bad">1</a>`) {
		t.Errorf("dashboard: %d", code)
	}
	if _, body := other.get("/levels"); strings.Contains(string(body), page) {
		t.Error("the other agency's dashboard shows the system")
	}
}

// TestCoverageTree: the dashboard's agency tree adds each agency's
// systems up over its units and colours it by four-layer coverage; the
// CSV exports are linked; an agency's officer sees only their subtree.
func TestCoverageTree(t *testing.T) {
	w := newWorld(t, "sqlite")
	admin, officer := w.browser("admin"), w.browser("agencyA")
	sys := freshSystem(w, "đủ bốn lớp")
	for n, body := range []string{`{"people": [{"name": "Lê Chi", "phone": "0912345678"}]}`,
		`{"provider": "VNPT", "contract_end": "2099-01-01", "connection": "VPN"}`,
		`{"organisation": "Cục An toàn thông tin", "last_date": "2026-01-01", "next_due": "2099-01-01"}`,
		`{"connected": true}`} {
		if code, out := w.api("admin", "PUT", fmt.Sprintf("%s/layers/%d", sys, n+1), body); code != http.StatusOK {
			t.Fatalf("layer %d: %d %s", n+1, code, out)
		}
	}
	code, body := admin.get("/levels")
	page := string(body)
	// A1 holds the covered system and agency A's own: one of two (or
	// more) covered; B has systems, none covered
	if code != 200 || !strings.Contains(page, "Bốn lớp bảo vệ theo cơ quan") || !strings.Contains(page, `<span class="badge r-fail">0/`) ||
		!strings.Contains(page, "/api/v1/risks?format=csv") || !strings.Contains(page, "/api/v1/assessments/gaps?format=csv") {
		t.Fatalf("tree: %d", code)
	}
	row := func(page, agency string) string {
		_, after, _ := strings.Cut(page, fmt.Sprintf(`<tr id="tree-%s">`, agency))
		r, _, _ := strings.Cut(after, "</tr>")
		return r
	}
	a1 := row(page, fmt.Sprint(w.a1.ID))
	if !strings.Contains(a1, `1/`) || strings.Contains(a1, `r-pass`) {
		t.Errorf("A1's row: %q", a1)
	}
	root := row(page, fmt.Sprint(w.root.ID))
	if !strings.Contains(root, `<span class="badge r-fail">1/`) {
		t.Errorf("the province's row does not add up its units: %q", root)
	}
	_, body = officer.get("/levels")
	if strings.Contains(string(body), fmt.Sprintf(`<tr id="tree-%d">`, w.b.ID)) || !strings.Contains(string(body), fmt.Sprintf(`<tr id="tree-%d">`, w.a1.ID)) {
		t.Error("agency A's officer's tree is not their subtree")
	}
	_, body = admin.get(fmt.Sprintf("/levels?agency_id=%d", w.a1.ID))
	if strings.Contains(string(body), fmt.Sprintf(`<tr id="tree-%d">`, w.b.ID)) || strings.Contains(string(body), fmt.Sprintf(`<tr id="tree-%d">`, w.root.ID)) || !strings.Contains(string(body), fmt.Sprintf(`<tr id="tree-%d">`, w.a1.ID)) {
		t.Error("the tree of A1's subtree shows other agencies")
	}
}
