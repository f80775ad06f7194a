package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/khien-project/khien/internal/platform/store/storetest"
)

// total reads the "total" of the list at path, as role.
func total(t *testing.T, w *world, role, path string) int {
	t.Helper()
	code, body := w.api(role, "GET", path, nil)
	var l struct{ Total int }
	if code != http.StatusOK || json.Unmarshal(body, &l) != nil {
		t.Fatalf("list: %d %s", code, body)
	}
	return l.Total
}

// TestDeletedSystemKeepsItsHistory: an agency officer deletes a system
// through the API; its scans, findings and label stay readable by the
// officer, analysts and auditors (today's cascade erased them), the label
// is suspended, the agency cannot be deleted under it, and only an admin
// purges it, with the counts in the audit log.
func TestDeletedSystemKeepsItsHistory(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			w := newWorld(t, engine)
			sys := fmt.Sprintf("/api/v1/systems/%d", w.sysA.ID)
			lists := []string{fmt.Sprintf("/api/v1/scans?site_id=%d", w.siteA.ID), fmt.Sprintf("/api/v1/findings?site_id=%d", w.siteA.ID), fmt.Sprintf("/api/v1/labels?site_id=%d", w.siteA.ID)}
			before := map[string]int{}
			for _, p := range lists {
				before[p] = total(t, w, "auditor", p)
			}
			if code, body := w.api("agencyA", "DELETE", sys, nil); code != http.StatusNoContent {
				t.Fatalf("delete: %d %s", code, body)
			}
			for _, role := range []string{"agencyA", "analyst", "auditor", "admin"} {
				for _, p := range lists {
					if n := total(t, w, role, p); n != before[p] || n == 0 {
						t.Errorf("%s GET %s after the delete: %d, want %d", role, p, n, before[p])
					}
				}
				for _, p := range []string{fmt.Sprintf("/api/v1/scans/%d", w.scanA), fmt.Sprintf("/api/v1/scans/%d/report", w.scanA), "/api/v1/labels/" + w.labelA, sys, fmt.Sprintf("/api/v1/sites/%d", w.siteA.ID)} {
					if code, body := w.api(role, "GET", p, nil); code != http.StatusOK {
						t.Errorf("%s GET %s after the delete: %d %s", role, p, code, body)
					}
				}
			}
			_, body := w.api("auditor", "GET", sys, nil)
			if !strings.Contains(string(body), `"archived_by":"agencyA"`) || strings.Contains(string(body), `"archived_at":null`) {
				t.Errorf("archived system: %s", body)
			}
			_, body = w.api("auditor", "GET", "/api/v1/labels/"+w.labelA, nil)
			if !strings.Contains(string(body), `"state":"suspended"`) || !strings.Contains(string(body), "archived") {
				t.Errorf("label of the archived system: %s", body)
			}
			if code, _ := w.api("agencyB", "GET", sys, nil); code != http.StatusNotFound {
				t.Errorf("agency B reads A's archived system: %d", code)
			}
			if _, body := w.api("agencyA", "GET", "/api/v1/systems", nil); strings.Contains(string(body), "secretalpha") {
				t.Errorf("the live list shows the archived system: %s", body)
			}
			if _, body := w.api("agencyA", "GET", "/api/v1/systems?archived=true", nil); !strings.Contains(string(body), "secretalpha") {
				t.Errorf("the archived list misses it: %s", body)
			}
			// Re-creating it gives a new system: the old history stays where it was.
			code, body := w.api("agencyA", "POST", "/api/v1/systems", map[string]any{"agency_id": w.a1.ID, "name": w.sysA.Name, "urls": w.sysA.URLs})
			if code != http.StatusCreated {
				t.Fatalf("re-create: %d %s", code, body)
			}
			if n := total(t, w, "auditor", lists[0]); n != before[lists[0]] {
				t.Errorf("scans of the archived site after re-creating: %d", n)
			}
			// The agency cannot be deleted from under its archived system.
			if code, body := w.api("agencyA", "DELETE", fmt.Sprintf("/api/v1/agencies/%d", w.a1.ID), nil); code != http.StatusConflict || !strings.Contains(string(body), "archived") {
				t.Errorf("delete of the agency of an archived system: %d %s", code, body)
			}
			// Read-only for the officer; only an admin restores or purges.
			for _, c := range []struct {
				role, method, path string
				body               any
				want               int
			}{
				{"agencyA", "PATCH", sys, map[string]any{"name": "đổi"}, http.StatusConflict},
				{"agencyA", "POST", "/api/v1/scans", map[string]any{"site_id": w.siteA.ID}, http.StatusConflict},
				{"agencyA", "POST", sys + "/purge", nil, http.StatusForbidden},
				{"analyst", "POST", sys + "/purge", nil, http.StatusForbidden},
				{"auditor", "POST", sys + "/purge", nil, http.StatusForbidden},
				{"agencyA", "POST", sys + "/restore", nil, http.StatusForbidden},
			} {
				if code, body := w.api(c.role, c.method, c.path, c.body); code != c.want {
					t.Errorf("%s %s %s: %d, want %d (%s)", c.role, c.method, c.path, code, c.want, body)
				}
			}
			code, body = w.api("admin", "POST", sys+"/purge", nil)
			var p struct{ Removed map[string]int }
			if code != http.StatusOK || json.Unmarshal(body, &p) != nil {
				t.Fatalf("purge: %d %s", code, body)
			}
			if p.Removed["scans"] != before[lists[0]] || p.Removed["findings"] != before[lists[1]] || p.Removed["labels"] != 1 || p.Removed["sites"] != 1 || p.Removed["systems"] != 1 {
				t.Errorf("purge removed %v, want the counts read before %v", p.Removed, before)
			}
			if code, _ := w.api("auditor", "GET", fmt.Sprintf("/api/v1/scans/%d", w.scanA), nil); code != http.StatusNotFound {
				t.Errorf("scan after the purge: %d", code)
			}
			_, body = w.api("auditor", "GET", fmt.Sprintf("/api/v1/audit?object_type=system&object_id=%d", w.sysA.ID), nil)
			for _, want := range []string{`"action":"archive"`, `"action":"purge"`, `"removed":{`, `"actor":"agencyA"`} {
				if !strings.Contains(string(body), want) {
					t.Errorf("audit of the system lacks %s: %s", want, body)
				}
			}
		})
	}
}

// TestArchiveInTheUI: the system page says "archived" and offers restore
// and purge (with a confirmation) to admins only.
func TestArchiveInTheUI(t *testing.T) {
	w := newWorld(t, "sqlite")
	officer := w.browser("agencyA")
	page := fmt.Sprintf("/systems/%d", w.sysA.ID)
	if code, _ := officer.post(page+"/delete", officer.withCSRF(url.Values{})); code != http.StatusSeeOther {
		t.Fatalf("archive from the UI: %d", code)
	}
	_, body := officer.get(page)
	if !strings.Contains(string(body), "Đã lưu trữ") || strings.Contains(string(body), "/purge") || strings.Contains(string(body), page+"/edit") {
		t.Errorf("officer's page of the archived system:\n%s", body)
	}
	if code, _ := officer.get(page + "/edit"); code != http.StatusConflict {
		t.Errorf("edit page of an archived system: %d", code)
	}
	admin := w.browser("admin")
	_, body = admin.get(page)
	if !regexp.MustCompile(`action="`+page+`/purge" class="inline confirm" data-confirm="[^"]+"`).Match(body) || !strings.Contains(string(body), page+"/restore") {
		t.Errorf("admin's page lacks restore and a confirmed purge:\n%s", body)
	}
	if _, body := admin.get("/systems?archived=true"); !strings.Contains(string(body), "secretalpha") {
		t.Errorf("archived systems page")
	}
	if code, _ := admin.post(page+"/restore", admin.withCSRF(url.Values{})); code != http.StatusSeeOther {
		t.Errorf("restore: %d", code)
	}
	if _, body := admin.get("/systems"); !strings.Contains(string(body), "secretalpha") {
		t.Errorf("restored system not live")
	}
	if code, _ := officer.post(page+"/delete", officer.withCSRF(url.Values{})); code != http.StatusSeeOther {
		t.Fatalf("archive again: %d", code)
	}
	if code, _ := officer.post(page+"/purge", officer.withCSRF(url.Values{})); code != http.StatusForbidden {
		t.Errorf("officer purge: %d", code)
	}
	if code, _ := admin.post(page+"/purge", admin.withCSRF(url.Values{})); code != http.StatusSeeOther {
		t.Errorf("admin purge: %d", code)
	}
	if code, _ := admin.get(page); code != http.StatusNotFound {
		t.Errorf("purged system page: %d", code)
	}
}
