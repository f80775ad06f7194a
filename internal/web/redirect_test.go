package web

import "testing"

// TestLocalPath holds the redirect rule: a target is kept only when a
// browser, after stripping tab, newline and carriage return and reading
// '\' as '/', would still resolve it to a path on this site.
func TestLocalPath(t *testing.T) {
	for _, c := range []struct{ name, in, want string }{
		// Ordinary paths are kept as given.
		{"root", "/", "/"},
		{"list with query", "/systems?q=a+b&page=2", "/systems?q=a+b&page=2"},
		{"page with fragment", "/sites/12#x", "/sites/12#x"},
		{"Vietnamese segment", "/hệ-thống/cổng-thông-tin", "/hệ-thống/cổng-thông-tin"},
		{"escaped Vietnamese", "/h%E1%BB%87-th%E1%BB%91ng", "/h%E1%BB%87-th%E1%BB%91ng"},
		{"double slash in query", "/systems?next=//evil.example", "/systems?next=//evil.example"},
		{"double slash later in path", "/a//b", "/a//b"},
		{"fullwidth solidus stays a path", "/／evil.example", "/／evil.example"},
		// Browsers strip these and then read a protocol-relative URL.
		{"tab", "/\t/evil.example", "/"},
		{"newline", "/\n/evil.example", "/"},
		{"carriage return", "/\r/evil.example", "/"},
		{"CR LF", "/\r\n//evil.example", "/"},
		{"tab inside slashes", "/\t\t/evil.example", "/"},
		{"NUL", "/\x00/evil.example", "/"},
		{"DEL", "/\x7f/evil.example", "/"},
		{"C1 control", "/\u0085/evil.example", "/"},
		{"bidi override", "/\u202e/evil.example", "/"},
		{"leading space", " //evil.example", "/"},
		{"leading tab", "\t//evil.example", "/"},
		// Backslashes are slashes to a browser.
		{"slash backslash", `/\evil.example`, "/"},
		{"two backslashes", `\\evil.example`, "/"},
		{"slash two backslashes", `/\\evil.example`, "/"},
		{"backslash tab", "/\\\t/evil.example", "/"},
		// Protocol-relative, absolute and scripted URLs.
		{"protocol-relative", "//evil.example", "/"},
		{"three slashes", "///evil.example", "/"},
		{"https", "https://evil.example/", "/"},
		{"scheme without slashes", "https:evil.example", "/"},
		{"javascript", "javascript:alert(1)", "/"},
		{"javascript upper case", "JavaScript:alert(1)", "/"},
		{"data", "data:text/html,x", "/"},
		{"user info", "//user@evil.example", "/"},
		{"relative", "evil.example", "/"},
		{"empty", "", "/"},
		// Encoded forms: refused when their decoded path leaves the site.
		{"encoded tab", "/%09/evil.example", "/"},
		{"encoded CR LF", "/%0d%0a//evil.example", "/"},
		{"encoded backslash", "/%5Cevil.example", "/"},
		{"encoded double slash", "/%2F%2Fevil.example", "/"},
		{"encoded slash", "/%2Fevil.example", "/"},
		{"bad escape", "/%zz", "/"},
		{"invalid UTF-8", "/\xff", "/"},
	} {
		if got := localPath(c.in); got != c.want {
			t.Errorf("%s: localPath(%q) = %q, want %q", c.name, c.in, got, c.want)
		}
	}
}
