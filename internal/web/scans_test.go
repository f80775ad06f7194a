package web_test

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/khien-project/khien/internal/platform/store/storetest"
)

// TestScansListFilters: the list of assessments filters by grade, state,
// address, agency and date through its URL, sorts by score, keeps each
// officer to their own agency, and refuses values it does not know.
func TestScansListFilters(t *testing.T) {
	w := newWorld(t, storetest.Engines()[0])
	an := w.browser("analyst")
	link := `href="/scans/` + strconv.FormatInt(w.scanA, 10) + `"`
	for path, want := range map[string]bool{
		"/scans":                     true,
		"/scans?grade=A%2B":          true,
		"/scans?grade=C":             false,
		"/scans?status=done&q=ALPHA": true,
		"/scans?status=queued":       false,
		"/scans?q=beta":              false,
		"/scans?from=2000-01-01":     true,
		"/scans?to=2000-01-01":       false,
		"/scans?agency_id=" + strconv.FormatInt(w.a.ID, 10): true,
		"/scans?agency_id=" + strconv.FormatInt(w.b.ID, 10): false,
	} {
		code, body := an.get(path)
		if listed := strings.Contains(string(body), link); code != 200 || listed != want {
			t.Errorf("%s: %d, scan listed %v, want %v", path, code, listed, want)
		}
	}
	// Lowest score first: the C scan before the A+ one.
	_, body := an.get("/scans?sort=score&q=alpha")
	if c, ap := strings.Index(string(body), `g-c"`), strings.Index(string(body), `g-ap"`); c < 0 || ap < 0 || c > ap {
		t.Errorf("sort=score: grade C at %d, A+ at %d", c, ap)
	}
	if _, body := w.browser("agencyB").get("/scans"); strings.Contains(string(body), link) {
		t.Error("an officer of B sees A's scan")
	}
	for _, bad := range []string{"/scans?status=finished", "/scans?grade=Z", "/scans?sort=url", "/scans?from=31/12/2026", "/scans?agency_id=x", "/scans?q=" + strings.Repeat("a", 201)} {
		if code, _ := an.get(bad); code != 400 {
			t.Errorf("%s: %d, want 400", bad, code)
		}
	}
	code, raw := w.api("analyst", "GET", "/api/v1/scans?grade=C&sort=oldest&from=2000-01-01", nil)
	var got struct {
		Items []struct{ Grade string } `json:"items"`
	}
	if code != 200 || json.Unmarshal(raw, &got) != nil || len(got.Items) != 1 || got.Items[0].Grade != "C" {
		t.Errorf("API grade=C: %d %s", code, raw)
	}
	if code, _ := w.api("analyst", "GET", "/api/v1/scans?grade=Z", nil); code != 400 {
		t.Errorf("API grade=Z: %d", code)
	}
}
