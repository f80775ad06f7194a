package web_test

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestVulnPages: the findings list, a system's vulnerabilities and the
// feeds page show the data in both languages; an officer moves a finding
// from the list; an admin uploads a feed from the page, a truncated one
// is refused.
func TestVulnPages(t *testing.T) {
	w := newWorld(t, "sqlite")
	path := vulnFindingA("")(w, "admin")
	admin := w.browser("admin")
	for _, c := range []struct{ lang, path, want string }{
		{"vi", "/vuln", "Lỗ hổng phần mềm"},
		{"vi", "/vuln", "CVE-2021-23017"},
		{"vi", "/vuln", "nginx@1.20.0"},
		{"vi", "/vuln", "Đang mở"},
		{"vi", "/vuln?priority=P3", "/api/v1/vuln/findings.csv?priority=P3"},
		{"en", "/vuln?status=open", "Software vulnerabilities"},
		{"en", fmt.Sprintf("/systems/%d/vulnerabilities", w.sysA.ID), "CVE-2021-23017"},
		{"en", "/vuln/feeds", "Import a feed file"},
		{"vi", "/vuln/feeds", "Nguồn cảnh báo lỗ hổng"},
		{"vi", fmt.Sprintf("/systems/%d", w.sysA.ID), fmt.Sprintf("/systems/%d/vulnerabilities", w.sysA.ID)},
	} {
		admin.setLang(c.lang)
		code, body := admin.get(c.path)
		if code != 200 || !bytes.Contains(body, []byte(c.want)) {
			t.Errorf("%s %s: %d, no %q", c.lang, c.path, code, c.want)
		}
	}
	if _, body := admin.get("/vuln?priority=P4"); bytes.Contains(body, []byte("CVE-2021-23017")) {
		t.Error("the priority filter shows a P3 finding under P4")
	}

	officer := w.browser("agencyA")
	id := strings.TrimPrefix(path, "/api/v1/vuln/findings/")
	code, _ := officer.post("/vuln/findings/"+id+"/status", officer.withCSRF(url.Values{"status": {"in_progress"}, "back": {"/vuln?status=open"}}))
	if code != http.StatusSeeOther {
		t.Fatalf("officer moves the finding: %d", code)
	}
	if _, body := w.api("admin", "GET", path, nil); !bytes.Contains(body, []byte(`"status":"in_progress"`)) {
		t.Errorf("after the move: %s", body)
	}
	if code, _ := w.browser("agencyB").post("/vuln/findings/"+id+"/status", url.Values{"status": {"fixed"}}); code != http.StatusForbidden {
		t.Errorf("without CSRF: %d", code)
	}

	nvd := readSample(t)
	if code, body := upload(t, admin, nvd[:len(nvd)/3]); code != 400 || !bytes.Contains(body, []byte("truncated")) {
		t.Errorf("truncated upload: %d %s", code, body)
	}
	if code, body := upload(t, admin, nvd); code != 200 || !bytes.Contains(body, []byte("giữ nguyên 1")) {
		t.Errorf("upload: %d %s", code, body)
	}
	if code, _ := upload(t, w.browser("analyst"), nvd); code != http.StatusForbidden {
		t.Errorf("analyst uploads: %d", code)
	}
}

func upload(t *testing.T, b *browser, content string) (int, []byte) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("csrf", b.csrf)
	fw, _ := mw.CreateFormFile("file", "feed.json")
	fw.Write([]byte(content))
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, b.w.ts.URL+"/vuln/feeds", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := b.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, body
}

// TestVulnAuditSentences: the matcher's and officers' changes read as
// sentences on the audit page.
func TestVulnAuditSentences(t *testing.T) {
	w := newWorld(t, "sqlite")
	vulnFindingA("")(w, "admin")
	b := w.browser("admin")
	for lang, want := range map[string][]string{"vi": {"nhập tệp nguồn cảnh báo lỗ hổng", "ghi nhận lỗ hổng"}, "en": {"imported a vulnerability feed file", "recorded the vulnerability finding"}} {
		b.setLang(lang)
		_, page := b.get("/audit")
		for _, s := range want {
			if !bytes.Contains(page, []byte(s)) {
				t.Errorf("%s: %q missing from the audit page", lang, s)
			}
		}
		if bytes.Contains(page, []byte(">create vuln-")) {
			t.Errorf("%s: a raw action is shown", lang)
		}
	}
}

// TestVulnDiscoveredAndAdvisoryPages: a component a scan discovered on
// system A shows on A's vulnerabilities page and A's officer confirms it
// there; the advisories page shows an advisory with the agencies it
// reached, in both languages.
func TestVulnDiscoveredAndAdvisoryPages(t *testing.T) {
	w := newWorld(t, "sqlite")
	vulnFindingA("")(w, "admin")
	// What the durable vuln-scan subscriber writes after a scan that
	// discloses PHP/5.6.40.
	if _, err := w.svc.DB.Writer().Exec(`INSERT INTO vuln_discovered (system_id, site_id, name, version, evidence, seen_at) VALUES ($1, $2, 'php', '5.6.40', 'X-Powered-By: PHP/5.6.40', '2026-12-01T00:00:00.000000Z')`, w.sysA.ID, w.siteA.ID); err != nil {
		t.Fatal(err)
	}
	officer := w.browser("agencyA")
	page := fmt.Sprintf("/systems/%d/vulnerabilities", w.sysA.ID)
	if _, body := officer.get(page); !bytes.Contains(body, []byte("php@5.6.40")) || !bytes.Contains(body, []byte("Chờ xác nhận")) {
		t.Fatalf("discovered component missing from %s", page)
	}
	var id int64
	if err := w.svc.DB.Reader().QueryRow(`SELECT id FROM vuln_discovered`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if code, _ := w.browser("agencyB").get(page); code != http.StatusNotFound {
		t.Errorf("officer B on A's page: %d", code)
	}
	code, _ := officer.post(fmt.Sprintf("/vuln/discovered/%d", id), officer.withCSRF(url.Values{"status": {"confirmed"}}))
	if code != http.StatusSeeOther {
		t.Fatalf("confirm: %d", code)
	}
	if _, body := officer.get(page); !bytes.Contains(body, []byte("Đã xác nhận")) {
		t.Error("the component is not confirmed on the page")
	}

	if code, body := w.api("admin", "POST", "/api/v1/vuln/advisories", map[string]any{"title": "Cảnh báo nginx", "title_en": "nginx advisory", "action": "Nâng cấp nginx", "action_en": "Upgrade nginx",
		"cves": []string{"CVE-2021-23017"}, "deadline": "2027-01-31"}); code != 201 {
		t.Fatalf("advisory: %d %s", code, body)
	}
	for lang, want := range map[string][]string{"vi": {"Cảnh báo nginx", "Nâng cấp nginx", "Đã gửi", "CVE-2021-23017"}, "en": {"nginx advisory", "Upgrade nginx", "Notified"}} {
		officer.setLang(lang)
		_, body := officer.get("/vuln/advisories")
		for _, s := range want {
			if !bytes.Contains(body, []byte(s)) {
				t.Errorf("%s advisories page: %q missing", lang, s)
			}
		}
	}
	if _, body := w.browser("agencyB").get("/vuln/advisories"); bytes.Contains(body, []byte("Cảnh báo nginx")) {
		t.Error("officer B sees an advisory that did not reach B")
	}
}

// TestVulnNoticePage: the printable notice of an advisory to agency A
// names the agency, its affected system with the component and CVE, the
// action and the deadline, in Vietnamese and in English; the advisories
// page links to it; an agency it did not reach is 404, a bad lang 400.
func TestVulnNoticePage(t *testing.T) {
	w := newWorld(t, "sqlite")
	api := advisoryA("/agencies/A/notice")(w, "admin")
	page := strings.TrimPrefix(api, "/api/v1")
	admin := w.browser("admin")
	code, body := admin.get(page)
	for _, want := range []string{"THÔNG BÁO", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Kính gửi", w.a1.Name, w.sysA.Name, "nginx@1.20.0: CVE-2021-23017", "Nâng cấp nginx", "2027-01-31", "class=\"notice\""} {
		if code != 200 || !bytes.Contains(body, []byte(want)) {
			t.Errorf("notice (vi): %d, no %q", code, want)
		}
	}
	code, body = admin.get(page + "?lang=en")
	for _, want := range []string{"NOTICE", "SOCIALIST REPUBLIC OF VIETNAM", "On remediating the vulnerability", "Affected components", "nginx@1.20.0: CVE-2021-23017"} {
		if code != 200 || !bytes.Contains(body, []byte(want)) {
			t.Errorf("notice (en): %d, no %q", code, want)
		}
	}
	if _, body := admin.get("/vuln/advisories"); !bytes.Contains(body, []byte(page)) {
		t.Error("the advisories page does not link to the notice")
	}
	if code, _ := admin.get(page + "?lang=fr"); code != 400 {
		t.Errorf("lang=fr: %d", code)
	}
	other := strings.Replace(page, fmt.Sprintf("/agencies/%d/", w.a1.ID), fmt.Sprintf("/agencies/%d/", w.b.ID), 1)
	if code, _ := admin.get(other); code != 404 {
		t.Errorf("agency not reached: %d", code)
	}
	if code, body := w.api("agencyA", "GET", api, nil); code != 200 || !bytes.Contains(body, []byte(`"why":["nginx@1.20.0: CVE-2021-23017"]`)) {
		t.Errorf("API notice: %d %s", code, body)
	}
}

// TestVulnAliasesPage: every reader sees the alias table and the rule;
// an admin adds and removes a line and sets the rule from the page.
func TestVulnAliasesPage(t *testing.T) {
	w := newWorld(t, "sqlite")
	officer := w.browser("agencyA")
	if code, body := officer.get("/vuln/aliases"); code != 200 || !bytes.Contains(body, []byte("a:f5:nginx")) || bytes.Contains(body, []byte(`action="/vuln/aliases/delete"`)) {
		t.Errorf("officer's page: %d", code)
	}
	admin := w.browser("admin")
	admin.setLang("en")
	if code, body := admin.get("/vuln/aliases"); code != 200 || !bytes.Contains(body, []byte("Component aliases and priority rules")) || !bytes.Contains(body, []byte(`action="/vuln/aliases/delete"`)) {
		t.Errorf("admin's page: %d", code)
	}
	if code, _ := admin.post("/vuln/aliases", admin.withCSRF(url.Values{"name": {"Caddy"}, "cpe": {"a:caddyserver:caddy"}})); code != http.StatusSeeOther {
		t.Fatalf("add: %d", code)
	}
	if _, body := w.api("admin", "GET", "/api/v1/vuln/aliases", nil); !bytes.Contains(body, []byte(`"name":"caddy","cpe":"a:caddyserver:caddy"`)) {
		t.Errorf("after adding: %s", body)
	}
	if code, _ := admin.post("/vuln/aliases/delete", admin.withCSRF(url.Values{"name": {"caddy"}, "cpe": {"a:caddyserver:caddy"}})); code != http.StatusSeeOther {
		t.Fatalf("remove: %d", code)
	}
	if _, body := w.api("admin", "GET", "/api/v1/vuln/aliases", nil); bytes.Contains(body, []byte("caddy")) {
		t.Errorf("after removing: %s", body)
	}
	if code, _ := admin.post("/vuln/rules", admin.withCSRF(url.Values{"level_raise": {"4"}})); code != http.StatusSeeOther {
		t.Fatalf("rules: %d", code)
	}
	if _, body := w.api("agencyA", "GET", "/api/v1/vuln/rules", nil); !bytes.Contains(body, []byte(`"level_raise":4`)) {
		t.Errorf("rules after saving: %s", body)
	}
	if code, _ := officer.post("/vuln/aliases", officer.withCSRF(url.Values{"name": {"x"}, "cpe": {"a:x:x"}})); code != http.StatusForbidden {
		t.Errorf("officer adds: %d", code)
	}
}

// TestVulnFiguresAndRunning: the figures page counts agency A's open
// finding; "which systems run nginx" below 1.21 finds system A for A's
// officer and not for B's; every list's CSV answers with its header and
// A's data in A's scope only.
func TestVulnFiguresAndRunning(t *testing.T) {
	w := newWorld(t, "sqlite")
	vulnFindingA("")(w, "admin")
	officer := w.browser("agencyA")
	for _, lang := range []string{"vi", "en"} {
		officer.setLang(lang)
		code, body := officer.get("/vuln/figures")
		if code != 200 || !bytes.Contains(body, []byte(w.a1.Name)) || !bytes.Contains(body, []byte("/api/v1/vuln/figures.csv")) {
			t.Errorf("%s figures: %d", lang, code)
		}
		code, body = officer.get("/vuln/running?product=nginx&version_end_excluding=1.21")
		if code != 200 || !bytes.Contains(body, []byte(w.sysA.Name)) || !bytes.Contains(body, []byte("nginx@1.20.0")) {
			t.Errorf("%s running: %d", lang, code)
		}
	}
	if _, body := w.browser("agencyB").get("/vuln/running?product=nginx"); bytes.Contains(body, []byte(w.sysA.Name)) {
		t.Error("officer B finds A's system")
	}
	if code, _ := officer.get("/vuln/running?product=nginx&version=" + strings.Repeat("1", 101)); code != 400 {
		t.Errorf("version too long: %d", code)
	}
	for _, c := range []struct{ path, header, want string }{
		{"/api/v1/vuln/figures.csv", "agency_id,agency,open_p1", w.a1.Name},
		{"/api/v1/vuln/running.csv?product=nginx", "system_id,system,agency,component", "nginx,1.20.0"},
		{"/api/v1/vuln/discovered.csv", "id,system_id,system,name", ""},
		{"/api/v1/vuln/feeds.csv", "source,records,imports", "nvd"},
		{"/api/v1/vuln/aliases.csv", "name,cpe,created_by", "nginx,a:f5:nginx"},
		{"/api/v1/vuln/advisories.csv", "advisory_id,title", ""},
	} {
		code, body := w.api("agencyA", "GET", c.path, nil)
		if code != 200 || !bytes.HasPrefix(body, []byte("\ufeff"+c.header)) || !bytes.Contains(body, []byte(c.want)) {
			t.Errorf("%s: %d %s", c.path, code, body)
		}
		if c.want == w.a1.Name || strings.Contains(c.path, "running") {
			if _, body := w.api("agencyB", "GET", c.path, nil); bytes.Contains(body, []byte(c.want)) {
				t.Errorf("%s: officer B sees %q", c.path, c.want)
			}
		}
	}
}

// TestVulnFeedURLForm: the feeds page offers admins the URL form; a URL
// into loopback is refused with the reason on the page.
func TestVulnFeedURLForm(t *testing.T) {
	w := newWorld(t, "sqlite")
	admin := w.browser("admin")
	if _, body := admin.get("/vuln/feeds"); !bytes.Contains(body, []byte(`action="/vuln/feeds/url"`)) {
		t.Error("no URL form for the admin")
	}
	if _, body := w.browser("agencyA").get("/vuln/feeds"); bytes.Contains(body, []byte(`action="/vuln/feeds/url"`)) {
		t.Error("URL form shown to an officer")
	}
	code, body := admin.post("/vuln/feeds/url", admin.withCSRF(url.Values{"url": {"http://127.0.0.1:9/kev.json"}}))
	if code != 400 || !bytes.Contains(body, []byte("loopback")) {
		t.Errorf("loopback URL: %d", code)
	}
}
