package web

import (
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// localPath keeps a redirect target taken from a request (the `next` of
// the language switch and of the login form) on this site: it returns p
// when p is a same-origin path both to Go's URL parser and to a browser,
// else "/".
//
// A browser removes tab, newline and carriage return anywhere in a URL,
// trims control characters and spaces at its ends, and reads '\' as '/',
// so "/\t/evil.example" and "/\evil.example" both mean "//evil.example",
// another site. Go's parser refuses control characters, and http.Redirect
// then sends such a target unchanged. The percent-decoded path is held to
// the same rule, so that nothing decoding it later (a proxy, a handler)
// can turn "/%2F%2Fevil.example" into "//evil.example".
func localPath(p string) string {
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return "/"
	}
	if !sameOriginPath(p) || !sameOriginPath(u.Path) {
		return "/"
	}
	return p
}

// sameOriginPath reports whether s holds only printable characters and,
// once '\' is read as '/', starts with exactly one '/'.
func sameOriginPath(s string) bool {
	if !utf8.ValidString(s) || strings.IndexFunc(s, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0 {
		return false
	}
	s = strings.ReplaceAll(s, `\`, "/")
	return strings.HasPrefix(s, "/") && !strings.HasPrefix(s, "//")
}
