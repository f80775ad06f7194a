package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

var offsite = regexp.MustCompile(`(?i)(src|href|action)="(https?:)?//`)

func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	w := newWorld(t, "sqlite")
	for _, path := range []string{"/login", "/", "/healthz", "/api/v1/systems", "/api/v1/nothing", "/static/khien.css", "/no-such-page"} {
		resp, err := http.Get(w.ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		h := resp.Header
		csp := h.Get("Content-Security-Policy")
		if csp == "" || strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") || !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "default-src 'none'") {
			t.Errorf("%s: CSP %q", path, csp)
		}
		for name, want := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer", "Cross-Origin-Opener-Policy": "same-origin"} {
			if got := h.Get(name); got != want {
				t.Errorf("%s: %s = %q, want %q", path, name, got, want)
			}
		}
		if h.Get("Strict-Transport-Security") != "" {
			t.Errorf("%s: HSTS sent over plain HTTP", path)
		}
	}
	// No page refers to anything off-site.
	br := w.browser("admin")
	for _, path := range []string{"/", "/systems", "/agencies", "/users", "/audit", "/import", "/tokens"} {
		_, page := br.get(path)
		if m := offsite.Find(page); m != nil {
			t.Errorf("%s refers off-site: %s", path, m)
		}
		for _, bad := range []string{"style=\"", "onclick", "<script>", "<style"} {
			if strings.Contains(string(page), bad) {
				t.Errorf("%s contains inline code %q", path, bad)
			}
		}
	}
}

func TestLoginSessionAndThrottle(t *testing.T) {
	w := newWorld(t, "sqlite")
	br := w.browser("anonymous")
	// Wrong password: 401 with a message, no cookie.
	code, page := br.post("/login", url.Values{"username": {"admin"}, "password": {"wrong"}})
	if code != http.StatusUnauthorized || !strings.Contains(string(page), "Sai tên đăng nhập") {
		t.Fatalf("wrong password: %d", code)
	}
	// The session cookie is HttpOnly and SameSite=Lax.
	req, _ := http.NewRequest("POST", w.ts.URL+"/login", strings.NewReader(url.Values{"username": {"analyst"}, "password": {testPassword}, "next": {"//evil.example/"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := br.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); loc != "/" {
		t.Errorf("open redirect after login: Location %q", loc)
	}
	var cookie *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "khien_session" {
			cookie = c
		}
	}
	if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode {
		t.Fatalf("session cookie %+v", cookie)
	}
	// Five failures lock the account: even the right password is refused.
	for i := 0; i < 5; i++ {
		br.post("/login", url.Values{"username": {"auditor"}, "password": {"nope"}})
	}
	code, _ = br.post("/login", url.Values{"username": {"auditor"}, "password": {testPassword}})
	if code != http.StatusTooManyRequests {
		t.Errorf("after 5 failures the login answered %d, want 429", code)
	}
	// Another account from the same address still works.
	if code, _ = w.browser("anonymous").post("/login", url.Values{"username": {"agencyA"}, "password": {testPassword}}); code != http.StatusSeeOther {
		t.Errorf("other account: %d", code)
	}
}

func TestCSRFProtection(t *testing.T) {
	w := newWorld(t, "sqlite")
	br := w.browser("agencyA")
	form := url.Values{"agency_id": {fmt.Sprint(w.a1.ID)}, "name": {"Hệ thống qua biểu mẫu"}, "urls": {"https://form.example/\nhttps://form2.example/"}, "status": {"active"}}
	before := counts(t, w)
	// Missing token: refused, nothing written.
	if code, _ := br.post("/systems", form); code != http.StatusForbidden {
		t.Errorf("form without CSRF token: %d, want 403", code)
	}
	// Cross-origin browser request: refused even with the token.
	req, _ := http.NewRequest("POST", w.ts.URL+"/systems", strings.NewReader(br.withCSRF(url.Values{}).Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Header.Set("Origin", "https://evil.example")
	resp, err := br.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site POST: %d, want 403", resp.StatusCode)
	}
	if after := counts(t, w); after != before {
		t.Fatalf("refused forms wrote data: %v → %v", before, after)
	}
	// With the token: created, and the form's lines became the URL list.
	code, _ := br.post("/systems", br.withCSRF(form))
	if code != http.StatusSeeOther {
		t.Fatalf("form with token: %d", code)
	}
	_, body := w.api("agencyA", "GET", "/api/v1/systems?q=qua+bieu+mau", nil)
	if !strings.Contains(string(body), `"urls":["https://form.example/","https://form2.example/"]`) {
		t.Errorf("created system: %s", body)
	}
	// A bad form is shown again with the field errors, in Vietnamese.
	bad := br.withCSRF(url.Values{"agency_id": {fmt.Sprint(w.a1.ID)}, "name": {"x"}, "domains": {"not a domain"}})
	code, page := br.post("/systems", bad)
	if code != http.StatusBadRequest || !strings.Contains(string(page), "không phải tên miền hợp lệ") {
		t.Errorf("bad form: %d", code)
	}
}

func TestLanguageSwitch(t *testing.T) {
	w := newWorld(t, "sqlite")
	br := w.browser("admin")
	_, page := br.get("/")
	if !strings.Contains(string(page), "Tổng quan") {
		t.Fatal("default language is not Vietnamese")
	}
	if code, _ := br.get("/lang/en?next=%2Fsystems"); code != http.StatusSeeOther {
		t.Fatalf("switch: %d", code)
	}
	_, page = br.get("/")
	if !strings.Contains(string(page), "Dashboard") || !strings.Contains(string(page), `lang="en"`) {
		t.Error("English not applied after switching")
	}
}

func TestAuditPageFilters(t *testing.T) {
	w := newWorld(t, "sqlite")
	if code, _ := w.api("admin", "PATCH", fmt.Sprintf("/api/v1/systems/%d", w.sysA.ID), map[string]any{"operator": "Đơn vị mới"}); code != 200 {
		t.Fatal(code)
	}
	br := w.browser("auditor")
	_, page := br.get(fmt.Sprintf("/audit?action=update&object_type=system&object_id=%d&since=2020-01-01", w.sysA.ID))
	if !strings.Contains(string(page), "Đơn vị mới") || !strings.Contains(string(page), `value="2020-01-01"`) || !strings.Contains(string(page), "Chuỗi băm toàn vẹn") {
		t.Errorf("filtered audit page lacks the change or the chain status")
	}
	_, page = br.get("/audit?action=update&until=2020-01-01")
	if strings.Contains(string(page), "Đơn vị mới") {
		t.Error("until filter ignored")
	}
	if code, _ := br.get("/audit?since=yesterday"); code != 400 {
		t.Errorf("bad date: %d", code)
	}
}
