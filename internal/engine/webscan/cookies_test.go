package webscan

import (
	"net/http"
	"testing"
)

// TestCookieCombinations: every rule of the Observatory's cookie analyzer
// applies on its own and the worst finding, in its order, decides.
func TestCookieCombinations(t *testing.T) {
	site := func(hsts bool, cookies ...string) *Exchange {
		h := http.Header{}
		if hsts {
			h.Set("Strict-Transport-Security", "max-age=63072000")
		}
		for _, c := range cookies {
			h.Add("Set-Cookie", c)
		}
		r := &Response{URL: "https://portal.example.gov.vn/", Status: 200, Verified: true, Header: h}
		return &Exchange{Final: r, HTTPS: r, CORS: r}
	}
	cases := cookieCombinations
	for _, c := range cases {
		got := Cookies(site(c.hsts, c.cookies...))
		if got.Result != c.want {
			t.Errorf("%s: %s, want %s", c.name, got.Result, c.want)
		}
		if m, _ := ScoreModifier(c.want); got.Pass != (m >= 0) {
			t.Errorf("%s: pass %v with modifier %d", c.name, got.Pass, m)
		}
	}
}

// cookieCombinations are the Observatory cookie cases: the Go table test
// runs them all, and the nginx test serves them (TestNginxCookies).
var cookieCombinations = []struct {
	name    string
	hsts    bool
	cookies []string
	want    string
}{
	{"no cookie", true, nil, "cookies-not-found"},
	{"all flags and SameSite", true, []string{"SESSIONID=a; Secure; HttpOnly; SameSite=Lax", "lang=vi; Secure; SameSite=Strict"}, "cookies-secure-with-httponly-sessions-and-samesite"},
	{"one without SameSite", true, []string{"SESSIONID=a; Secure; HttpOnly; SameSite=Lax", "lang=vi; Secure"}, "cookies-secure-with-httponly-sessions"},
	{"session without Secure and HttpOnly, HSTS", true, []string{"PHPSESSID=a; Path=/"}, "cookies-session-without-httponly-flag"},
	{"session without Secure, HSTS", true, []string{"PHPSESSID=a; HttpOnly"}, "cookies-session-without-secure-flag-but-protected-by-hsts"},
	{"session without Secure and HttpOnly, no HSTS", false, []string{"PHPSESSID=a"}, "cookies-session-without-secure-flag"},
	{"session without HttpOnly", true, []string{"wp_login=a; Secure"}, "cookies-session-without-httponly-flag"},
	{"session without HttpOnly beside an ordinary cookie without Secure, no HSTS", false, []string{"JSESSIONID=a; Secure", "lang=vi"}, "cookies-session-without-httponly-flag"},
	{"ordinary cookie without Secure, HSTS", true, []string{"lang=vi; SameSite=Lax"}, "cookies-without-secure-flag-but-protected-by-hsts"},
	{"ordinary cookie without Secure, no HSTS", false, []string{"lang=vi; SameSite=Lax"}, "cookies-without-secure-flag"},
	{"anti-CSRF without SameSite", true, []string{"csrftoken=a; Secure"}, "cookies-anticsrf-without-samesite-flag"},
	{"XSRF-TOKEN is not an anti-CSRF name to the Observatory", true, []string{"XSRF-TOKEN=a; Secure"}, "cookies-secure-with-httponly-sessions"},
	{"anti-CSRF with an invalid SameSite", true, []string{"csrftoken=a; Secure; SameSite=Sometimes"}, "cookies-anticsrf-without-samesite-flag"},
	{"invalid SameSite", true, []string{"lang=vi; Secure; SameSite=Sometimes"}, "cookies-samesite-flag-invalid"},
	{"SameSite without a value", true, []string{"lang=vi; Secure; SameSite"}, "cookies-samesite-flag-invalid"},
	{"SameSite=None without Secure, HSTS", true, []string{"lang=vi; SameSite=None"}, "cookies-samesite-flag-invalid"},
	{"SameSite=None with Secure", true, []string{"lang=vi; Secure; SameSite=None"}, "cookies-secure-with-httponly-sessions-and-samesite"},
	{"invalid SameSite and no Secure, no HSTS: invalid ranks worse", false, []string{"lang=vi; SameSite=x"}, "cookies-samesite-flag-invalid"},
	{"session cookie without Secure under HSTS ranks worse than an ordinary one without it", true, []string{"lang=vi", "sess=a; HttpOnly"}, "cookies-session-without-secure-flag-but-protected-by-hsts"},
	{"login cookie name", true, []string{"LoginToken=a; Secure"}, "cookies-session-without-httponly-flag"},
	{"case-insensitive attributes", true, []string{"SESSID=a; secure; httponly; samesite=strict"}, "cookies-secure-with-httponly-sessions-and-samesite"},
	{"heroku affinity is ignored", false, []string{"heroku-session-affinity=a"}, "cookies-not-found"},
}
