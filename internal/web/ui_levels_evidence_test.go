package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

var evidenceDeleteForm = regexp.MustCompile(`action="(/levels/systems/\d+/requirements/g\.risk/evidence/\d+/delete)"`)

// TestEvidenceOnSystemPage: on an assessed system's page the officer
// attaches an evidence file to a requirement through its form; the file
// is listed under that requirement with its size, uploader and a
// download link, in Vietnamese and English; the auditor sees it without
// the forms and may not upload (403); another agency's officer gets 404;
// a disguised file is refused with nothing stored; the officer deletes
// it through its form.
func TestEvidenceOnSystemPage(t *testing.T) {
	w := newWorld(t, "sqlite")
	officer, auditor, other := w.browser("agencyA"), w.browser("auditor"), w.browser("agencyB")
	page := assessedSystemPage(w, "evidence page")
	upload := page + "/requirements/g.risk/evidence"
	// the files of g.risk (the page's system has one of g.logs)
	count := func() int {
		var n int
		if err := w.svc.DB.Reader().QueryRow(`SELECT COUNT(*) FROM level_evidence_files WHERE requirement = 'g.risk'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	code, body := officer.get(page)
	if !strings.Contains(string(body), "Nhật ký truy cập tháng 5.pdf") {
		t.Error("the g.logs file is not listed")
	}
	if code != 200 || !strings.Contains(string(body), `form="ev-g.risk"`) || !strings.Contains(string(body), `id="ev-g.risk"`) || !strings.Contains(string(body), "Tệp bằng chứng") {
		t.Fatalf("officer's page has no upload form (%d)", code)
	}
	pdf := []byte("%PDF-1.4\n% bằng chứng\n%%EOF\n")
	if code := officer.upload(upload, "virus.pdf", []byte("MZ\x90\x00 not a pdf")); code != http.StatusBadRequest || count() != 0 {
		t.Errorf("disguised file: %d, %d stored", code, count())
	}
	if code := auditor.upload(upload, "a.pdf", pdf); code != http.StatusForbidden || count() != 0 {
		t.Errorf("auditor upload: %d, %d stored", code, count())
	}
	if code := other.upload(upload, "a.pdf", pdf); code != http.StatusNotFound || count() != 0 {
		t.Errorf("other agency upload: %d, %d stored", code, count())
	}
	if code := officer.upload(upload, "Biên bản kiểm tra.pdf", pdf); code != http.StatusSeeOther || count() != 1 {
		t.Fatalf("officer upload: %d, %d stored", code, count())
	}
	id := strings.TrimPrefix(page, "/levels/systems/")
	_, body = officer.get(page)
	link := fmt.Sprintf(`href="/api/v1/systems/%s/requirements/g.risk/evidence/`, id)
	if !strings.Contains(string(body), link) || !strings.Contains(string(body), "Biên bản kiểm tra.pdf") || !strings.Contains(string(body), fmt.Sprintf("%d B", len(pdf))) {
		t.Errorf("the file is not listed under its requirement")
	}
	del := evidenceDeleteForm.FindStringSubmatch(string(body))
	if del == nil {
		t.Fatal("no delete form for the file")
	}
	code, body = auditor.get(page)
	if code != 200 || !strings.Contains(string(body), "Biên bản kiểm tra.pdf") || strings.Contains(string(body), `form="ev-g.risk"`) || evidenceDeleteForm.MatchString(string(body)) {
		t.Errorf("auditor's page: %d, file listed without forms expected", code)
	}
	if code, _ := other.get(page); code != http.StatusNotFound {
		t.Errorf("other agency page: %d", code)
	}
	officer.setLang("en")
	if _, body := officer.get(page); !strings.Contains(string(body), "Evidence files") || !strings.Contains(string(body), "Attach an evidence file") {
		t.Error("English texts missing")
	}
	if code, _ := auditor.post(del[1], auditor.withCSRF(url.Values{})); code != http.StatusForbidden || count() != 1 {
		t.Errorf("auditor delete: %d, %d stored", code, count())
	}
	if code, _ := officer.post(del[1], officer.withCSRF(url.Values{})); code != http.StatusSeeOther || count() != 0 {
		t.Errorf("officer delete: %d, %d stored", code, count())
	}
	// the audit page tells both changes in words
	if code, body := w.browser("admin").get("/audit"); code != 200 || !strings.Contains(string(body), "đính kèm tệp bằng chứng đánh giá cho") || !strings.Contains(string(body), "xóa tệp bằng chứng đánh giá của") {
		t.Errorf("audit page: %d, evidence changes not told", code)
	}
}
