package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/khien-project/khien/internal/feature/registry"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/store/storetest"
)

// TestPublicStatusPage: an agency's status page is published only when the
// agency opts in; it shows its and its units' monitored sites, no one
// else's, without a login; unpublished and unknown codes look the same.
func TestPublicStatusPage(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			w := newWorld(t, engine)
			ctx := context.Background()
			anon := w.browser("anonymous")
			code, unpublished := anon.get("/status/A")
			_, unknown := anon.get("/status/NO-SUCH")
			if code != 404 || mainOf(unpublished) != mainOf(unknown) || mainOf(unknown) == "" {
				t.Fatalf("an unpublished agency: %d, and it must look like an unknown code", code)
			}
			on := true
			if _, err := w.svc.Registry.UpdateAgency(ctx, access.System, w.a.ID, registry.AgencyInput{PublicStatus: &on}); err != nil {
				t.Fatal(err)
			}
			code, body := anon.get("/status/A")
			page := string(body)
			if code != 200 || !strings.Contains(page, "alpha.example") || strings.Contains(page, "beta.example") || strings.Contains(page, "secretalpha") {
				t.Errorf("published page of A: %d; want A's unit's site, not B's, not the system's name", code)
			}
			a, _ := w.svc.Registry.Agency(ctx, access.System, w.a.ID)
			if !a.PublicStatus {
				t.Fatal("public_status not stored")
			}
			if code, _ := anon.get("/status/B"); code != 404 {
				t.Errorf("B did not publish: %d", code)
			}
		})
	}
}

// mainOf is the <main> element of a page (what differs between pages,
// without the per-request tokens around it).
func mainOf(page []byte) string {
	s := string(page)
	i, j := strings.Index(s, "<main"), strings.Index(s, "</main>")
	if i < 0 || j < i {
		return ""
	}
	return s[i:j]
}
