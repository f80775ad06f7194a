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

// redirectCases are `next` values as they arrive in a query string or a
// form body, with the Location the server must answer after /lang or a
// login: the target itself when it stays on this site, else "/".
var redirectCases = []struct{ name, next, want string }{
	{"path with a query", "%2Fsystems%3Fq%3Da%2Bb%26page%3D2", "/systems?q=a+b&page=2"},
	{"path with a fragment", "%2Fsites%2F12%23x", "/sites/12#x"},
	{"Vietnamese path", "/h%E1%BB%87-th%E1%BB%91ng/c%E1%BB%95ng", "/h%e1%bb%87-th%e1%bb%91ng/c%e1%bb%95ng"},
	{"tab", "/%09/evil.example", "/"},
	{"newline", "/%0A/evil.example", "/"},
	{"carriage return", "/%0D/evil.example", "/"},
	{"CR LF", "/%0d%0a//evil.example", "/"},
	{"slash backslash", "/%5Cevil.example", "/"},
	{"two backslashes", "/%5C%5Cevil.example", "/"},
	{"backslash tab", "/%5C%09/evil.example", "/"},
	{"encoded tab", "/%2509/evil.example", "/"},
	{"encoded backslash", "/%255Cevil.example", "/"},
	{"encoded double slash", "/%252F%252Fevil.example", "/"},
	{"protocol-relative", "//evil.example/", "/"},
	{"absolute", "https://evil.example/", "/"},
	{"javascript", "javascript:alert(1)", "/"},
	{"bidi override", "/%E2%80%AE/evil.example", "/"},
	{"leading space", "+//evil.example", "/"},
}

// TestRedirectTargetsStayOnSite sends each `next` to the language switch
// (anonymous and logged in), the login page and the login form.
func TestRedirectTargetsStayOnSite(t *testing.T) {
	w := newWorld(t, "sqlite")
	anon, admin := w.browser("anonymous"), w.browser("admin")
	// The transport, not the client: Go's client refuses to parse the
	// very Locations a browser follows.
	location := func(br *browser, req *http.Request) string {
		t.Helper()
		for _, ck := range br.client.Jar.Cookies(req.URL) {
			req.AddCookie(ck)
		}
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther {
			t.Errorf("%s %s: status %d", req.Method, req.URL, resp.StatusCode)
		}
		return resp.Header.Get("Location")
	}
	for _, c := range redirectCases {
		for role, br := range map[string]*browser{"anonymous": anon, "admin": admin} {
			req, _ := http.NewRequest("GET", w.ts.URL+"/lang/en?next="+c.next, nil)
			if got := location(br, req); got != c.want {
				t.Errorf("%s: /lang as %s answered Location %q, want %q", c.name, role, got, c.want)
			}
		}
		_, page := anon.get("/login?next=" + c.next)
		if m := regexp.MustCompile(`name="next" value="([^"]*)"`).FindSubmatch(page); m == nil || (c.want == "/" && string(m[1]) != "/") {
			t.Errorf("%s: login page carries next %q", c.name, m)
		}
		req, _ := http.NewRequest("POST", w.ts.URL+"/login", strings.NewReader("username=analyst&password="+url.QueryEscape(testPassword)+"&next="+c.next))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if got := location(w.browser("anonymous"), req); got != c.want {
			t.Errorf("%s: login answered Location %q, want %q", c.name, got, c.want)
		}
	}
}
