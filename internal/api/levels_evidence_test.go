package api_test

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/khien-project/khien/internal/feature/levels"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/audit"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/store/storetest"
)

// TestEvidenceFiles: evidence files of one requirement of a system's
// assessment are uploaded by whoever may assess, listed, downloaded as
// attachments only with their exact bytes, and deleted (audited);
// another agency's officer sees none of it (404), the auditor reads but
// changes nothing (403); oversized and disguised files, requirements
// outside the level and a system without an approved level are refused
// with nothing written; a purge deletes them.
func TestEvidenceFiles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newLevelWorld(t, db)
		ev := func(req, rest string) string { return sysPath(w.sysA, "/requirements/"+req+"/evidence"+rest) }
		if code, _ := w.upload(t, "officerA", ev("g.risk", ""), "a.pdf", pdfDoc); code != 409 {
			t.Errorf("evidence before an approved level: %d, want 409", code)
		}
		w.approveLevel3(t)
		refused := []struct {
			actor, req, name string
			data             []byte
			want             int
		}{
			{"officerA", "g.risk", "virus.pdf", exeDoc, 400},
			{"officerA", "g.risk", "bien-ban.docx", pdfDoc, 400},
			{"officerA", "g.risk", "page.pdf", []byte("<html><script>alert(1)</script>"), 400},
			{"officerA", "g.risk", "empty.pdf", nil, 400},
			{"officerA", "g.risk", "big.pdf", append(append([]byte{}, pdfDoc...), make([]byte, levels.MaxAttachment)...), 400},
			{"officerA", "g.risk", "huge.pdf", append(append([]byte{}, pdfDoc...), make([]byte, levels.MaxAttachment+2<<20)...), 400},
			{"officerA", "mgmt.policy", "a.pdf", pdfDoc, 404}, // not a requirement at level 3 of Decree 331
			{"officerA", "g.nope", "a.pdf", pdfDoc, 404},
			{"auditor", "g.risk", "a.pdf", pdfDoc, 403},
			{"officerB", "g.risk", "a.pdf", pdfDoc, 404},
		}
		for _, c := range refused {
			if code, rec := w.upload(t, c.actor, ev(c.req, ""), c.name, c.data); code != c.want {
				t.Errorf("%s uploads %s to %s: %d %s, want %d", c.actor, c.name, c.req, code, rec.Body, c.want)
			}
		}
		if n := w.count(t, "level_evidence_files"); n != 0 {
			t.Fatalf("refused uploads wrote %d rows", n)
		}
		if code, rec := w.upload(t, "officerA", ev("g.risk", ""), "Biên bản đánh giá rủi ro.pdf", pdfDoc); code != 201 {
			t.Fatalf("officer upload: %d %s", code, rec.Body)
		}
		docx := docxDoc(t)
		if code, rec := w.upload(t, "analyst", ev("g.risk", ""), "ket-qua.docx", docx); code != 201 {
			t.Fatalf("analyst upload: %d %s", code, rec.Body)
		}
		if code, rec := w.upload(t, "admin", ev("g.logs", ""), "nhat-ky.odt", odtDoc(t)); code != 201 {
			t.Fatalf("admin upload: %d %s", code, rec.Body)
		}
		code, list := w.call(t, "auditor", "GET", ev("g.risk", ""), nil)
		files := asList(list["items"])
		if code != 200 || len(files) != 2 {
			t.Fatalf("list: %d %v", code, list)
		}
		first, second := files[0].(map[string]any), files[1].(map[string]any)
		if first["name"] != "Biên bản đánh giá rủi ro.pdf" || first["kind"] != "pdf" || first["uploaded_by"] != "canbo.a" || len(first["sha256"].(string)) != 64 ||
			second["kind"] != "docx" || second["size"] != float64(len(docx)) || second["uploaded_by"] != "analyst" {
			t.Errorf("files %v", files)
		}
		if code, out := w.call(t, "officerB", "GET", ev("g.risk", ""), nil); code != 404 {
			t.Errorf("other agency list: %d %v", code, out)
		}
		fid := strconv.Itoa(int(first["id"].(float64)))
		rec := w.raw(t, "auditor", "GET", ev("g.risk", "/"+fid))
		h := rec.Header()
		if rec.Code != 200 || !bytes.Equal(rec.Body.Bytes(), pdfDoc) || h.Get("Content-Type") != "application/octet-stream" ||
			!strings.HasPrefix(h.Get("Content-Disposition"), "attachment;") || h.Get("X-Content-Type-Options") != "nosniff" ||
			h.Get("X-Checksum-SHA256") != first["sha256"] {
			t.Errorf("download: %d %v", rec.Code, h)
		}
		for _, c := range []struct {
			actor, path string
			want        int
		}{
			{"officerB", ev("g.risk", "/"+fid), 404},
			{"officerA", ev("g.logs", "/"+fid), 404}, // the file belongs to another requirement
			{"officerA", ev("g.risk", "/999999"), 404},
			{"officerA", ev("g.risk", "/x"), 404},
		} {
			if rec := w.raw(t, c.actor, "GET", c.path); rec.Code != c.want {
				t.Errorf("%s GET %s: %d, want %d", c.actor, c.path, rec.Code, c.want)
			}
		}
		for _, c := range []struct {
			actor, path string
			want        int
		}{
			{"auditor", ev("g.risk", "/"+fid), 403},
			{"officerB", ev("g.risk", "/"+fid), 404},
			{"officerA", ev("g.logs", "/"+fid), 404},
		} {
			if rec := w.raw(t, c.actor, "DELETE", c.path); rec.Code != c.want {
				t.Errorf("%s DELETE %s: %d, want %d", c.actor, c.path, rec.Code, c.want)
			}
		}
		if n := w.count(t, "level_evidence_files"); n != 3 {
			t.Fatalf("%d files after refused deletes, want 3", n)
		}
		if rec := w.raw(t, "officerA", "DELETE", ev("g.risk", "/"+fid)); rec.Code != 204 {
			t.Fatalf("delete: %d %s", rec.Code, rec.Body)
		}
		if rec := w.raw(t, "officerA", "GET", ev("g.risk", "/"+fid)); rec.Code != 404 {
			t.Errorf("download after delete: %d", rec.Code)
		}
		if _, list := w.call(t, "officerA", "GET", ev("g.risk", ""), nil); len(asList(list["items"])) != 1 {
			t.Errorf("list after delete: %v", list)
		}
		for action, want := range map[string]int{"evidence.attach": 3, "evidence.delete": 1} {
			entries, _, err := w.log.List(context.Background(), access.System, audit.Filter{Action: action})
			if err != nil || len(entries) != want {
				t.Errorf("audit %s: %d entries (%v), want %d", action, len(entries), err, want)
			}
		}
		// An archived system's evidence is read-only.
		if _, err := w.reg.ArchiveSystem(context.Background(), access.System, w.sysA.ID); err != nil {
			t.Fatal(err)
		}
		if code, _ := w.upload(t, "officerA", ev("g.risk", ""), "a.pdf", pdfDoc); code != 409 {
			t.Errorf("upload to an archived system: %d, want 409", code)
		}
		if code, _ := w.call(t, "auditor", "GET", ev("g.risk", ""), nil); code != 200 {
			t.Errorf("list of an archived system: %d", code)
		}
		// Purging the system deletes its evidence files with it.
		if code, out := w.call(t, "admin", "POST", sysPath(w.sysA, "/purge"), nil); code != 200 {
			t.Fatalf("purge: %d %v", code, out)
		}
		if n := w.count(t, "level_evidence_files"); n != 0 {
			t.Errorf("%d evidence files left after the purge", n)
		}
	})
}
