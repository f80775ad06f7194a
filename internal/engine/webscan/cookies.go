package webscan

import (
	"strings"
)

// TestCookies is the Observatory's cookie test.
const TestCookies = "cookies"

// cookie is one Set-Cookie line, as far as the checks need it.
type cookie struct {
	name             string
	secure, httpOnly bool
	sameSite         string
	hasSameSite      bool
}

func parseSetCookie(line string) (cookie, bool) {
	parts := strings.Split(line, ";")
	name, _, ok := strings.Cut(parts[0], "=")
	name = strings.TrimSpace(name)
	if !ok || name == "" {
		return cookie{}, false
	}
	c := cookie{name: name}
	for _, attr := range parts[1:] {
		key, value, _ := strings.Cut(strings.TrimSpace(attr), "=")
		switch strings.ToLower(strings.TrimSpace(key)) {
		case "secure":
			c.secure = true
		case "httponly":
			c.httpOnly = true
		case "samesite":
			c.sameSite, c.hasSameSite = strings.TrimSpace(value), true
		}
	}
	return c, true
}

// ignoredCookies carry no security weight (load-balancer affinity).
var ignoredCookies = map[string]bool{"heroku-session-affinity": true}

func isSessionCookie(name string) bool {
	n := strings.ToLower(name)
	return strings.Contains(n, "login") || strings.Contains(n, "sess")
}

func isAntiCSRFCookie(name string) bool {
	n := strings.ToLower(name)
	return strings.Contains(n, "csrf") || strings.Contains(n, "xsrf")
}

// Cookies checks every cookie the final answer sets: Secure everywhere
// (HSTS softens a missing flag), HttpOnly on session cookies, a valid
// SameSite (and one on anti-CSRF cookies). The worst finding decides.
func Cookies(ex *Exchange) HeaderResult {
	var list []cookie
	for _, line := range values(ex.Final, "Set-Cookie") {
		if c, ok := parseSetCookie(line); ok && !ignoredCookies[strings.ToLower(c.name)] {
			list = append(list, c)
		}
	}
	if len(list) == 0 {
		return result(TestCookies, "cookies-not-found", true, nil)
	}
	hsts := HSTS(ex).Pass
	worst := "cookies-secure-with-httponly-sessions"
	consider := func(name string) {
		if scoreModifiers[name] < scoreModifiers[worst] {
			worst = name
		}
	}
	allSameSite := true
	data := map[string]any{}
	for _, c := range list {
		entry := map[string]any{"secure": c.secure, "httponly": c.httpOnly}
		switch v := strings.ToLower(c.sameSite); {
		case !c.hasSameSite:
			allSameSite = false
			if isAntiCSRFCookie(c.name) {
				consider("cookies-anticsrf-without-samesite-flag")
			}
		case v == "strict" || v == "lax" || v == "none":
			entry["samesite"] = v
		default:
			allSameSite = false
			consider("cookies-samesite-flag-invalid")
		}
		data[c.name] = entry
		session := isSessionCookie(c.name)
		switch {
		case !c.secure && session && hsts:
			consider("cookies-session-without-secure-flag-but-protected-by-hsts")
		case !c.secure && session:
			consider("cookies-session-without-secure-flag")
		case session && !c.httpOnly:
			consider("cookies-session-without-httponly-flag")
		case !c.secure && hsts:
			consider("cookies-without-secure-flag-but-protected-by-hsts")
		case !c.secure:
			consider("cookies-without-secure-flag")
		}
	}
	if worst == "cookies-secure-with-httponly-sessions" && allSameSite {
		worst = "cookies-secure-with-httponly-sessions-and-samesite"
	}
	return result(TestCookies, worst, scoreModifiers[worst] >= 0, map[string]any{"data": data, "sameSite": allSameSite})
}
