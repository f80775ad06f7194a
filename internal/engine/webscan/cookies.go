package webscan

import (
	"slices"
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

// isAntiCSRFCookie follows the Observatory, which looks for "csrf" only
// (XSRF-TOKEN is not taken as an anti-CSRF cookie there).
func isAntiCSRFCookie(name string) bool {
	return strings.Contains(strings.ToLower(name), "csrf")
}

// cookieBadness orders the failing cookie results from least to most bad,
// as the Observatory does; the worst one met is the test's result. The
// order is the Observatory's, not its score modifiers' (a cookie without
// Secure on a site without HSTS, -20, ranks before a session cookie
// without Secure under HSTS, -10).
var cookieBadness = []string{
	"cookies-without-secure-flag-but-protected-by-hsts",
	"cookies-without-secure-flag",
	"cookies-session-without-secure-flag-but-protected-by-hsts",
	"cookies-samesite-flag-invalid",
	"cookies-anticsrf-without-samesite-flag",
	"cookies-session-without-httponly-flag",
	"cookies-session-without-secure-flag",
}

// Cookies checks every cookie the final answer sets. Each rule applies on
// its own, and the worst finding decides: Secure everywhere (HSTS softens
// a missing flag), Secure and HttpOnly on session and login cookies, a
// valid SameSite (None only with Secure), SameSite on anti-CSRF cookies.
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
	worst := -1
	consider := func(name string) {
		worst = max(worst, slices.Index(cookieBadness, name))
	}
	allSameSite := true
	data := map[string]any{}
	for _, c := range list {
		entry := map[string]any{"secure": c.secure, "httponly": c.httpOnly}
		sameSite := strings.ToLower(c.sameSite)
		valid := c.hasSameSite && (sameSite == "strict" || sameSite == "lax" || sameSite == "none")
		switch {
		case valid:
			entry["samesite"] = sameSite
		case c.hasSameSite:
			consider("cookies-samesite-flag-invalid")
		}
		if !valid {
			allSameSite = false
		}
		data[c.name] = entry
		session := isSessionCookie(c.name)
		if sameSite == "none" && !c.secure {
			consider("cookies-samesite-flag-invalid") // browsers drop SameSite=None without Secure
		}
		switch {
		case !c.secure && hsts:
			consider("cookies-without-secure-flag-but-protected-by-hsts")
		case !c.secure:
			consider("cookies-without-secure-flag")
		}
		if isAntiCSRFCookie(c.name) && !valid {
			consider("cookies-anticsrf-without-samesite-flag")
		}
		switch {
		case session && !c.secure && hsts:
			consider("cookies-session-without-secure-flag-but-protected-by-hsts")
		case session && !c.secure:
			consider("cookies-session-without-secure-flag")
		}
		if session && !c.httpOnly {
			consider("cookies-session-without-httponly-flag")
		}
	}
	name := "cookies-secure-with-httponly-sessions"
	switch {
	case worst >= 0:
		name = cookieBadness[worst]
	case allSameSite:
		name = "cookies-secure-with-httponly-sessions-and-samesite"
	}
	return result(TestCookies, name, scoreModifiers[name] >= 0, map[string]any{"data": data, "sameSite": allSameSite})
}
