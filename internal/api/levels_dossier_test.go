package api_test

import (
	"archive/zip"
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/khien-project/khien/internal/feature/levels"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/audit"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/store/storetest"
)

// Documents for the attachment tests, built here (no binary fixtures).
var (
	pdfDoc = []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
	exeDoc = append([]byte("MZ\x90\x00"), bytes.Repeat([]byte{0}, 60)...)
)

func zipDoc(t *testing.T, files map[string]string, order ...string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, name := range order {
		f, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		f.Write([]byte(files[name]))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func docxDoc(t *testing.T) []byte {
	return zipDoc(t, map[string]string{"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document/>"}, "[Content_Types].xml", "word/document.xml")
}

func odtDoc(t *testing.T) []byte {
	return zipDoc(t, map[string]string{"mimetype": "application/vnd.oasis.opendocument.text", "content.xml": "<office:document-content/>"}, "mimetype", "content.xml")
}

// upload posts data as the "file" field of a multipart form.
func (w *levelWorld) upload(t *testing.T, actor, path, name string, data []byte) (int, *httptest.ResponseRecorder) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	fw, err := mw.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(data)
	mw.Close()
	req := httptest.NewRequest("POST", path, &b)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("X-Test-Actor", actor)
	rec := httptest.NewRecorder()
	w.mux.ServeHTTP(rec, req)
	return rec.Code, rec
}

func dossierPath(id any, rest string) string {
	return "/api/v1/dossiers/" + strconv.Itoa(int(id.(float64))) + rest
}

// proposeAndDraft proposes level 3 for system A as its officer and opens
// its dossier; it answers the dossier's id.
func (w *levelWorld) proposeAndDraft(t *testing.T) any {
	t.Helper()
	if code, body := w.call(t, "officerA", "POST", sysPath(w.sysA, "/level-proposal"), level3); code != 200 {
		t.Fatalf("propose: %d %v", code, body)
	}
	code, d := w.call(t, "officerA", "POST", sysPath(w.sysA, "/dossiers"), nil)
	if code != 201 {
		t.Fatalf("draft: %d %v", code, d)
	}
	return d["id"]
}

// TestDossierWorkflow: the officer drafts (overview pre-filled from the
// registry, rationale from the proposal), completes and submits with an
// attachment; the office appraises; only an admin approves, with the
// decision; the system's approved level and regime are recorded; every
// step is in the steps and the audit log.
func TestDossierWorkflow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newLevelWorld(t, db)
		id := w.proposeAndDraft(t)
		code, d := w.call(t, "officerA", "GET", dossierPath(id, ""), nil)
		if code != 200 || d["state"] != "draft" || d["level"] != 3.0 || d["regime"] != "nd331-2026" {
			t.Fatalf("%d %v", code, d)
		}
		sections := map[string]string{}
		for _, s := range asList(d["sections"]) {
			m := s.(map[string]any)
			sections[m["id"].(string)] = m["text"].(string)
		}
		if !strings.Contains(sections["overview"], "Cổng dịch vụ công") || !strings.Contains(sections["overview"], "Cơ quan SKHCN") ||
			!strings.Contains(sections["level-rationale"], "thủ tục hành chính") || sections["security-plan"] != "" {
			t.Errorf("pre-filled sections %q", sections)
		}
		if a := d["approver"].(map[string]any); a["en"] != "The system's owner" {
			t.Errorf("approver from the matrix: %v", a)
		}
		if got := asList(d["next"]); len(got) != 1 || got[0] != "submitted" {
			t.Errorf("officer's moves from draft: %v", got)
		}
		// An empty section blocks the submission (400, nothing moved).
		if code, body := w.call(t, "officerA", "POST", dossierPath(id, "/transitions"), `{"to": "submitted"}`); code != 400 || !strings.Contains(body["error"].(map[string]any)["message"].(string), "sections.security-plan") {
			t.Errorf("submit with an empty section: %d %v", code, body)
		}
		if code, body := w.call(t, "officerA", "PATCH", dossierPath(id, ""), `{"sections": {"security-plan": "Tường lửa, sao lưu hằng ngày, giám sát 24/7."}}`); code != 200 {
			t.Fatalf("edit: %d %v", code, body)
		}
		if code, rec := w.upload(t, "officerA", dossierPath(id, "/attachments"), "phương-án.pdf", pdfDoc); code != 201 {
			t.Fatalf("attach: %d %s", code, rec.Body)
		}
		code, d = w.call(t, "officerA", "POST", dossierPath(id, "/transitions"), `{"to": "submitted", "note": "Đề nghị thẩm định"}`)
		if code != 200 || d["state"] != "submitted" || d["due_on"] == "" || d["overdue"] != false {
			t.Fatalf("submit: %d %v", code, d)
		}
		// Once submitted the agency can no longer edit it.
		if code, _ := w.call(t, "officerA", "PATCH", dossierPath(id, ""), `{"sections": {"security-plan": "x"}}`); code != 409 {
			t.Errorf("edit after submission: %d, want 409", code)
		}
		steps := []struct {
			actor, body string
			want        int
			state       string
		}{
			{"officerA", `{"to": "under_appraisal"}`, 403, ""}, // the agency does not appraise
			{"analyst", `{"to": "approved"}`, 403, ""},         // the office does not approve
			{"admin", `{"to": "approved", "decision_number": "12/QĐ-UBND", "decision_date": "2026-01-05", "signer": "A"}`, 409, ""}, // not yet appraised
			{"analyst", `{"to": "draft"}`, 400, ""},
			{"analyst", `{"to": "under_appraisal"}`, 200, "under_appraisal"},
			{"officerA", `{"to": "approved", "decision_number": "1", "decision_date": "2026-01-05", "signer": "A"}`, 403, ""},       // an officer cannot approve
			{"admin", `{"to": "approved"}`, 400, ""},                                                                                // no decision
			{"admin", `{"to": "approved", "decision_number": "12/QĐ-UBND", "decision_date": "2999-01-01", "signer": "A"}`, 400, ""}, // future date
			{"admin", `{"to": "approved", "decision_number": "12/QĐ-UBND", "decision_date": "2026-01-05", "signer": "Nguyễn Văn Bình"}`, 200, "approved"},
			{"admin", `{"to": "returned", "note": "x"}`, 409, ""}, // approved is final
		}
		for i, s := range steps {
			code, out := w.call(t, s.actor, "POST", dossierPath(id, "/transitions"), s.body)
			if code != s.want || (s.state != "" && out["state"] != s.state) {
				t.Errorf("step %d (%s %s): %d %v, want %d", i, s.actor, s.body, code, out, s.want)
			}
		}
		code, lv := w.call(t, "officerA", "GET", sysPath(w.sysA, "/level"), nil)
		if code != 200 || lv["approved_level"] != 3.0 || lv["approved_regime"] != "nd331-2026" || lv["approved_at"] == "" {
			t.Errorf("approved level: %d %v", code, lv)
		}
		_, d = w.call(t, "auditor", "GET", dossierPath(id, ""), nil)
		var moves []string
		for _, s := range asList(d["steps"]) {
			moves = append(moves, s.(map[string]any)["to"].(string))
		}
		if strings.Join(moves, ",") != "draft,submitted,under_appraisal,approved" || d["decision_number"] != "12/QĐ-UBND" || d["signer"] != "Nguyễn Văn Bình" {
			t.Errorf("steps %v, decision %v %v", moves, d["decision_number"], d["signer"])
		}
		for _, action := range []string{"dossier.create", "dossier.edit", "dossier.attach", "dossier.submit", "dossier.appraise", "dossier.approve"} {
			entries, _, err := w.log.List(context.Background(), access.System, audit.Filter{Action: action})
			if err != nil || len(entries) != 1 {
				t.Errorf("audit %s: %d entries (%v)", action, len(entries), err)
			}
		}
		// A new dossier may be opened once the last one is approved.
		if code, _ := w.call(t, "officerA", "POST", sysPath(w.sysA, "/dossiers"), nil); code != 201 {
			t.Errorf("second dossier after approval: %d", code)
		}
		if code, _ := w.call(t, "officerA", "POST", sysPath(w.sysA, "/dossiers"), nil); code != 409 {
			t.Errorf("two open dossiers: %d, want 409", code)
		}
	})
}

// TestDossierReturnAndOverdue: the office returns a dossier with a
// reason (required), the agency resubmits; a dossier past its deadline is
// flagged overdue and listed by ?overdue=true.
func TestDossierReturnAndOverdue(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newLevelWorld(t, db)
		id := w.proposeAndDraft(t)
		w.call(t, "officerA", "PATCH", dossierPath(id, ""), `{"sections": {"security-plan": "Kế hoạch"}}`)
		if code, _ := w.call(t, "officerA", "POST", dossierPath(id, "/transitions"), `{"to": "submitted"}`); code != 200 {
			t.Fatal(code)
		}
		if code, _ := w.call(t, "analyst", "POST", dossierPath(id, "/transitions"), `{"to": "returned"}`); code != 400 {
			t.Errorf("return without a reason: %d, want 400", code)
		}
		if code, d := w.call(t, "analyst", "POST", dossierPath(id, "/transitions"), `{"to": "returned", "note": "Thiếu sơ đồ mạng"}`); code != 200 || d["due_on"] != "" {
			t.Errorf("return: %d %v", code, d)
		}
		if code, _ := w.call(t, "officerA", "POST", dossierPath(id, "/comments"), `{"body": "Đã bổ sung sơ đồ."}`); code != 201 {
			t.Errorf("comment: %d", code)
		}
		if code, _ := w.call(t, "auditor", "POST", dossierPath(id, "/comments"), `{"body": "x"}`); code != 403 {
			t.Errorf("auditor comment: %d", code)
		}
		if code, _ := w.call(t, "officerA", "POST", dossierPath(id, "/transitions"), `{"to": "submitted"}`); code != 200 {
			t.Errorf("resubmit: %d", code)
		}
		if _, err := db.Writer().ExecContext(context.Background(), `UPDATE level_dossiers SET due_on = '2020-01-01'`); err != nil {
			t.Fatal(err)
		}
		if _, d := w.call(t, "officerA", "GET", dossierPath(id, ""), nil); d["overdue"] != true {
			t.Errorf("past due: %v", d["overdue"])
		}
		_, list := w.call(t, "admin", "GET", "/api/v1/dossiers?overdue=true", nil)
		_, listB := w.call(t, "officerB", "GET", "/api/v1/dossiers?overdue=true", nil)
		if len(asList(list["items"])) != 1 || len(asList(listB["items"])) != 0 {
			t.Errorf("overdue lists: admin %v, other agency %v", list, listB)
		}
	})
}

// TestDossierAttachments: only PDF, DOCX and ODT by content, matching
// their names, within the size limit; stored with SHA-256 and served as a
// download only; refusals write nothing.
func TestDossierAttachments(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newLevelWorld(t, db)
		id := w.proposeAndDraft(t)
		cases := []struct {
			name string
			data []byte
			want int
		}{
			{"ke-hoach.pdf", pdfDoc, 201},
			{"Thuyết minh.DOCX", docxDoc(t), 201},
			{"quy-che.odt", odtDoc(t), 201},
			{"virus.pdf", exeDoc, 400},                                              // disguised executable
			{"ke-hoach.docx", pdfDoc, 400},                                          // a PDF named .docx
			{"data.docx", zipDoc(t, map[string]string{"a.txt": "x"}, "a.txt"), 400}, // a ZIP that is no document
			{"page.pdf", []byte("<html><script>alert(1)</script>"), 400},
			{"empty.pdf", nil, 400},
			{"big.pdf", append(append([]byte{}, pdfDoc...), make([]byte, levels.MaxAttachment)...), 400},
			{"huge.pdf", append(append([]byte{}, pdfDoc...), make([]byte, levels.MaxAttachment+2<<20)...), 400},
		}
		for _, c := range cases {
			if code, rec := w.upload(t, "officerA", dossierPath(id, "/attachments"), c.name, c.data); code != c.want {
				t.Errorf("%s: %d %s, want %d", c.name, code, rec.Body, c.want)
			}
		}
		if code, _ := w.upload(t, "auditor", dossierPath(id, "/attachments"), "a.pdf", pdfDoc); code != 403 {
			t.Errorf("auditor attach: %d", code)
		}
		if code, _ := w.upload(t, "analyst", dossierPath(id, "/attachments"), "a.pdf", pdfDoc); code != 403 {
			t.Errorf("analyst attach to a draft: %d", code)
		}
		if code, _ := w.upload(t, "officerB", dossierPath(id, "/attachments"), "a.pdf", pdfDoc); code != 404 {
			t.Errorf("other agency attach: %d", code)
		}
		if n := w.count(t, "dossier_attachments"); n != 3 {
			t.Errorf("%d attachments stored, want 3", n)
		}
		_, d := w.call(t, "officerA", "GET", dossierPath(id, ""), nil)
		first := asList(d["attachments"])[0].(map[string]any)
		if first["sha256"] != "" && len(first["sha256"].(string)) != 64 || first["kind"] != "pdf" {
			t.Errorf("attachment %v", first)
		}
		path := dossierPath(id, "/attachments/"+strconv.Itoa(int(first["id"].(float64))))
		req := httptest.NewRequest("GET", path, nil)
		req.Header.Set("X-Test-Actor", "auditor")
		rec := httptest.NewRecorder()
		w.mux.ServeHTTP(rec, req)
		h := rec.Header()
		if rec.Code != 200 || !bytes.Equal(rec.Body.Bytes(), pdfDoc) || h.Get("Content-Type") != "application/octet-stream" ||
			!strings.HasPrefix(h.Get("Content-Disposition"), "attachment;") || h.Get("X-Content-Type-Options") != "nosniff" ||
			!strings.Contains(h.Get("Content-Security-Policy"), "sandbox") || h.Get("X-Checksum-SHA256") != first["sha256"] {
			t.Errorf("download: %d %v", rec.Code, h)
		}
		req = httptest.NewRequest("GET", path, nil)
		req.Header.Set("X-Test-Actor", "officerB")
		rec = httptest.NewRecorder()
		w.mux.ServeHTTP(rec, req)
		if rec.Code != http.StatusNotFound {
			t.Errorf("other agency download: %d", rec.Code)
		}
	})
}

// TestDossierRoles: other agencies' officers see none of it (404), the
// auditor changes nothing (403), an archived system's dossier is
// read-only; refusals write nothing.
func TestDossierRoles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newLevelWorld(t, db)
		id := w.proposeAndDraft(t)
		cases := []struct {
			actor, method, path, body string
			want                      int
		}{
			{"officerB", "GET", dossierPath(id, ""), "", 404},
			{"officerB", "PATCH", dossierPath(id, ""), `{"sections": {"overview": "x"}}`, 404},
			{"officerB", "POST", dossierPath(id, "/transitions"), `{"to": "submitted"}`, 404},
			{"officerB", "POST", dossierPath(id, "/comments"), `{"body": "x"}`, 404},
			{"officerB", "POST", sysPath(w.sysA, "/dossiers"), "", 404},
			{"auditor", "GET", dossierPath(id, ""), "", 200},
			{"auditor", "PATCH", dossierPath(id, ""), `{"sections": {"overview": "x"}}`, 403},
			{"auditor", "POST", dossierPath(id, "/transitions"), `{"to": "submitted"}`, 403},
			{"auditor", "POST", sysPath(w.sysA, "/dossiers"), "", 403},
			{"analyst", "PATCH", dossierPath(id, ""), `{"sections": {"overview": "x"}}`, 403},
			{"officerA", "PATCH", dossierPath(id, ""), `{"sections": {"budget": "x"}}`, 400},
			{"officerA", "PATCH", dossierPath(id, ""), `{"sections": {}}`, 400},
			{"officerA", "POST", dossierPath(id, "/transitions"), `{"to": "approved"}`, 403},
			{"admin", "POST", dossierPath(id, "/transitions"), `{"to": "approved", "decision_number": "1", "decision_date": "2026-01-01", "signer": "A"}`, 409},
			{"officerB", "POST", sysPath(w.sysB, "/dossiers"), "", 409}, // no proposal yet
			{"admin", "GET", "/api/v1/dossiers/999999", "", 404},
		}
		for _, c := range cases {
			var body any
			if c.body != "" {
				body = c.body
			}
			if code, out := w.call(t, c.actor, c.method, c.path, body); code != c.want {
				t.Errorf("%s %s %s: %d, want %d (%v)", c.actor, c.method, c.path, code, c.want, out)
			}
		}
		_, d := w.call(t, "officerA", "GET", dossierPath(id, ""), nil)
		if d["state"] != "draft" || len(asList(d["steps"])) != 1 || len(asList(d["comments"])) != 0 {
			t.Errorf("a refused request changed the dossier: %v", d)
		}
		if _, l := w.call(t, "officerB", "GET", "/api/v1/dossiers", nil); len(asList(l["items"])) != 0 {
			t.Errorf("other agency lists %v", l)
		}
		if _, err := w.reg.ArchiveSystem(context.Background(), access.System, w.sysA.ID); err != nil {
			t.Fatal(err)
		}
		if code, _ := w.call(t, "officerA", "PATCH", dossierPath(id, ""), `{"sections": {"overview": "x"}}`); code != 409 {
			t.Errorf("edit of an archived system's dossier: %d", code)
		}
		if code, _ := w.call(t, "admin", "POST", dossierPath(id, "/transitions"), `{"to": "submitted"}`); code != 409 {
			t.Errorf("move of an archived system's dossier: %d", code)
		}
	})
}
