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
