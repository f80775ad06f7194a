package web_test

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/store/storetest"
)

// TestSitePicker: sites are picked by address with search, never by
// number: /pick/sites suggests the sites in the caller's scope, and the
// maintenance form takes a whole or partial address, refusing one that
// names no site or several, next to the field and keeping what was typed.
func TestSitePicker(t *testing.T) {
	w := newWorld(t, storetest.Engines()[0])
	ctx := context.Background()
	an := w.browser("analyst")
	host := strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(w.siteA.URL, "https://"), "http://"), "/")
	suggest := func(b *browser, q string) []string {
		t.Helper()
		code, body := b.get("/pick/sites?q=" + url.QueryEscape(q))
		var items []struct{ Value, Label string }
		if code != 200 || json.Unmarshal(body, &items) != nil {
			t.Fatalf("/pick/sites?q=%s: %d %s", q, code, body)
		}
		var out []string
		for _, it := range items {
			out = append(out, it.Value)
		}
		return out
	}
	if got := suggest(an, host[:4]); len(got) == 0 || !strings.Contains(strings.Join(got, " "), w.siteA.URL) {
		t.Errorf("analyst typing %q: %v", host[:4], got)
	}
	if got := suggest(w.browser("agencyB"), host); len(got) != 0 {
		t.Errorf("an officer of B is offered A's site: %v", got)
	}
	if got := suggest(an, ""); len(got) != 0 {
		t.Errorf("nothing typed: %v", got)
	}
	if code, _ := an.get("/pick/sites?q=" + strings.Repeat("a", 201)); code != 400 {
		t.Errorf("a 201-character search: %d, want 400", code)
	}
	if code, _ := w.browser("anonymous").get("/pick/sites?q=a"); code != 303 {
		t.Errorf("without a login: %d, want 303", code)
	}

	form := func(site string) url.Values {
		return url.Values{"site": {site}, "starts_at": {"2030-01-02T08:00"}, "ends_at": {"2030-01-02T10:00"}, "reason": {"nâng cấp"}}
	}
	for _, typed := range []string{"không-có-trang-này.vn", "example"} {
		an.get("/monitoring")
		code, page := an.post("/monitoring/windows", an.withCSRF(form(typed)))
		if code != 400 || !strings.Contains(string(page), `value="`+typed+`"`) || !strings.Contains(string(page), "Trang: ") {
			t.Errorf("site %q: %d, want 400 with the field's error and the text kept", typed, code)
		}
	}
	for _, typed := range []string{w.siteA.URL, host, strings.ToUpper(host) + "/"} {
		an.get("/monitoring")
		if code, _ := an.post("/monitoring/windows", an.withCSRF(form(typed))); code != 303 {
			t.Errorf("site %q: %d, want 303", typed, code)
		}
	}
	wins, _ := w.svc.Notify.Windows(ctx, access.System)
	if len(wins) != 3 {
		t.Fatalf("windows: %d, want 3", len(wins))
	}
	for _, win := range wins {
		if win.SiteID == nil || *win.SiteID != w.siteA.ID {
			t.Errorf("window on %v, want site A", win.SiteID)
		}
	}
}
