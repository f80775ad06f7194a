package web_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/khien-project/khien/internal/web"
)

// TestPublicLabelPages: the verification page and the badge need no
// login, carry the security headers (the badge may be embedded
// cross-origin), answer JSON on request, and are rate-limited per address.
func TestPublicLabelPages(t *testing.T) {
	w := newWorld(t, "sqlite")
	d := w.deps()
	d.PublicRate = 5
	srv, err := web.New(d)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	get := func(path, accept string) (*http.Response, string) {
		req, _ := http.NewRequest("GET", ts.URL+path, nil)
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	resp, page := get("/trust/"+w.labelA, "")
	if resp.StatusCode != 200 || !strings.Contains(page, w.siteA.URL) || !strings.Contains(page, "Trung tâm Alpha Một") || !strings.Contains(page, "Hợp lệ") ||
		resp.Header.Get("Content-Security-Policy") == "" || resp.Header.Get("X-Frame-Options") != "DENY" {
		t.Fatalf("page: %d %v\n%s", resp.StatusCode, resp.Header, page)
	}
	resp, js := get("/trust/"+w.labelA, "application/json")
	if resp.StatusCode != 200 || !strings.Contains(js, `"state":"granted"`) || !strings.Contains(js, `"grade":"A+"`) || strings.Contains(js, "privacy") {
		t.Fatalf("json: %d %s", resp.StatusCode, js)
	}
	resp, svg := get("/trust/"+w.labelA+"/badge.svg?lang=en", "")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/svg+xml" || resp.Header.Get("Cross-Origin-Resource-Policy") != "cross-origin" ||
		!strings.Contains(svg, "A+ · valid") || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("badge: %d %v %s", resp.StatusCode, resp.Header, svg)
	}
	if resp, _ := get("/trust/"+strings.Repeat("a", 32), ""); resp.StatusCode != 404 {
		t.Fatalf("unknown label: %d", resp.StatusCode)
	}
	// Five a minute: the next ones are refused (a minute boundary passed
	// during the test can allow five more, not more than that).
	for i := 0; ; i++ {
		resp, _ = get("/trust/"+w.labelA+"/badge.svg", "")
		if resp.StatusCode == http.StatusTooManyRequests {
			if resp.Header.Get("Retry-After") == "" {
				t.Fatal("429 without Retry-After")
			}
			break
		}
		if i >= 6 {
			t.Fatalf("%d more requests were served", i+1)
		}
	}
}
