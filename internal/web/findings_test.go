package web_test

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/khien-project/khien/internal/feature/sitescan"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/store/storetest"
)

// TestFindingsFiltersAndBulkResolve: the findings list filters by
// severity and text and pages; ticked findings are resolved together, in
// one transaction: a finding outside the officer's scope among them
// resolves none.
func TestFindingsFiltersAndBulkResolve(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			w := newWorld(t, engine)
			ctx := context.Background()
			open, _, err := w.svc.Sites.Findings(ctx, access.System, sitescan.FindingFilter{Status: "open"})
			if err != nil || len(open) == 0 {
				t.Fatalf("the world has no open finding: %v", err)
			}
			mine := open[0].ID
			an := w.browser("analyst")
			for path, want := range map[string]bool{
				"/findings?severity=high":                              true,
				"/findings?severity=low":                               false,
				"/findings?q=ALPHA":                                    true,
				"/findings?q=beta":                                     false,
				"/findings?status=resolved":                            false,
				"/findings?status=all&severity=high":                   true,
				"/findings?kind=check-failed&sort=severity":            true,
				"/findings?kind=grade-drop":                            false,
				"/findings?from=2000-01-01&to=2100-01-01":              true,
				"/findings?to=2000-01-01":                              false,
				"/findings?agency_id=" + strconv.FormatInt(w.a.ID, 10): true,
				"/findings?agency_id=" + strconv.FormatInt(w.b.ID, 10): false,
			} {
				code, body := an.get(path)
				if listed := strings.Contains(string(body), "/findings/"+strconv.FormatInt(mine, 10)+"/resolve"); code != 200 || listed != want {
					t.Errorf("%s: %d, finding listed %v, want %v", path, code, listed, want)
				}
			}
			for _, bad := range []string{"/findings?severity=urgent", "/findings?status=closed", "/findings?page=0", "/findings?kind=x", "/findings?sort=id", "/findings?from=hôm-nay", "/findings?agency_id=-1"} {
				if code, _ := an.get(bad); code != 400 {
					t.Errorf("%s: %d, want 400", bad, code)
				}
			}
			// An officer of B ticks A's finding: refused as unknown, nothing resolved.
			ob := w.browser("agencyB")
			ob.get("/findings")
			if code, _ := ob.post("/findings/resolve", ob.withCSRF(url.Values{"id": {strconv.FormatInt(mine, 10)}})); code != 404 && code != 403 {
				t.Errorf("another agency's finding: %d", code)
			}
			// The analyst ticks it with an unknown one: all or nothing.
			an.get("/findings")
			if code, _ := an.post("/findings/resolve", an.withCSRF(url.Values{"id": {strconv.FormatInt(mine, 10), "999999"}})); code != 404 {
				t.Errorf("with an unknown finding: %d, want 404", code)
			}
			if still, _, _ := w.svc.Sites.Findings(ctx, access.System, sitescan.FindingFilter{Status: "open"}); len(still) != len(open) {
				t.Fatalf("a refused bulk resolve resolved %d findings", len(open)-len(still))
			}
			code, _ := an.post("/findings/resolve", an.withCSRF(url.Values{"id": {strconv.FormatInt(mine, 10)}, "back": {"/findings?severity=high"}}))
			if code != 303 {
				t.Fatalf("bulk resolve: %d", code)
			}
			if still, _, _ := w.svc.Sites.Findings(ctx, access.System, sitescan.FindingFilter{Status: "open"}); len(still) != len(open)-1 {
				t.Errorf("bulk resolve left %d open of %d", len(still), len(open))
			}
			if code, _ := an.post("/findings/resolve", an.withCSRF(url.Values{})); code != 400 {
				t.Errorf("nothing ticked: %d, want 400", code)
			}
		})
	}
}

// TestSitesListPages: the sites list pages through its filter (a page past
// the end is empty with a link back, keeping the filter) and refuses a
// page that is not a number.
func TestSitesListPages(t *testing.T) {
	w := newWorld(t, storetest.Engines()[0])
	an := w.browser("analyst")
	code, body := an.get("/sites?q=alpha")
	if code != 200 || strings.Contains(string(body), `class="pager"><a`) || !strings.Contains(string(body), "alpha.example") {
		t.Errorf("first page: %d", code)
	}
	code, body = an.get("/sites?q=alpha&page=2")
	if code != 200 || strings.Contains(string(body), `href="/sites/`) || !strings.Contains(string(body), `href="/sites?page=1&amp;q=alpha"`) {
		t.Errorf("page 2: %d, want no site and a link back to page 1 of the same filter", code)
	}
	for _, bad := range []string{"/sites?page=0", "/sites?page=x"} {
		if code, _ := an.get(bad); code != 400 {
			t.Errorf("%s: %d, want 400", bad, code)
		}
	}
}
