package webscan

import (
	"strconv"
	"strings"
)

// Observatory test names.
const (
	TestHSTS        = "strict-transport-security"
	TestXCTO        = "x-content-type-options"
	TestXFO         = "x-frame-options"
	TestReferrer    = "referrer-policy"
	TestCOOP        = "cross-origin-opener-policy"
	TestCOEP        = "cross-origin-embedder-policy"
	TestCORP        = "cross-origin-resource-policy"
	TestCORS        = "cross-origin-resource-sharing"
	TestRedirection = "redirection"
)

// sixMonths is the HSTS max-age the Observatory's code requires (180 days).
const sixMonths = 15552000

// HSTS reads Strict-Transport-Security from the direct HTTPS answer.
func HSTS(ex *Exchange) HeaderResult {
	r := ex.HTTPS
	if r == nil {
		return result(TestHSTS, "hsts-not-implemented-no-https", false, nil)
	}
	if ex.Preloaded != nil && ex.Preloaded(HostOf(r.URL)) {
		return result(TestHSTS, "hsts-preloaded", true, map[string]any{"preloaded": true})
	}
	if !r.Verified {
		return result(TestHSTS, "hsts-invalid-cert", false, nil)
	}
	lines := values(r, "Strict-Transport-Security")
	if len(lines) == 0 {
		return result(TestHSTS, "hsts-not-implemented", false, nil)
	}
	maxAge, sub, preload, ok := parseHSTS(lines)
	data := map[string]any{"header": strings.Join(lines, ", "), "maxAge": maxAge, "includeSubDomains": sub, "preload": preload}
	switch {
	case !ok:
		return result(TestHSTS, "hsts-header-invalid", false, data)
	case maxAge >= sixMonths:
		return result(TestHSTS, "hsts-implemented-max-age-at-least-six-months", true, data)
	}
	return result(TestHSTS, "hsts-implemented-max-age-less-than-six-months", false, data)
}

// parseHSTS reads one HSTS header (RFC 6797): a repeated header, a comma
// (two values folded into one line) or a missing max-age is invalid.
func parseHSTS(lines []string) (maxAge int64, sub, preload, ok bool) {
	if len(lines) != 1 || strings.Contains(lines[0], ",") {
		return 0, false, false, false
	}
	seenMaxAge := false
	for _, d := range strings.Split(lines[0], ";") {
		name, value, _ := strings.Cut(strings.TrimSpace(d), "=")
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "max-age":
			n, err := strconv.ParseInt(strings.Trim(strings.TrimSpace(value), `"`), 10, 64)
			if err != nil || n < 0 || seenMaxAge {
				return 0, false, false, false
			}
			maxAge, seenMaxAge = n, true
		case "includesubdomains":
			sub = true
		case "preload":
			preload = true
		}
	}
	return maxAge, sub, preload, seenMaxAge
}

// XContentTypeOptions reads X-Content-Type-Options from the final answer.
func XContentTypeOptions(ex *Exchange) HeaderResult {
	lines := values(ex.Final, "X-Content-Type-Options")
	switch {
	case len(lines) == 0:
		return result(TestXCTO, "x-content-type-options-not-implemented", false, nil)
	case len(lines) == 1 && strings.EqualFold(strings.TrimSpace(lines[0]), "nosniff"):
		return result(TestXCTO, "x-content-type-options-nosniff", true, map[string]any{"data": lines[0]})
	}
	return result(TestXCTO, "x-content-type-options-header-invalid", false, map[string]any{"data": strings.Join(lines, ", ")})
}

// XFrameOptions reads X-Frame-Options from the final answer; a CSP
// frame-ancestors directive that restricts framing supersedes it. A meta tag does
// not count: browsers ignore X-Frame-Options there.
func XFrameOptions(ex *Exchange) HeaderResult {
	if _, f := csp(ex); f.AntiClickjacking {
		return result(TestXFO, "x-frame-options-implemented-via-csp", true, nil)
	}
	lines := values(ex.Final, "X-Frame-Options")
	if len(lines) == 0 {
		return result(TestXFO, "x-frame-options-not-implemented", false, nil)
	}
	v := strings.ToUpper(strings.TrimSpace(strings.Join(lines, ", ")))
	data := map[string]any{"data": strings.Join(lines, ", ")}
	switch {
	case v == "DENY" || v == "SAMEORIGIN":
		return result(TestXFO, "x-frame-options-sameorigin-or-deny", true, data)
	case strings.HasPrefix(v, "ALLOW-FROM "):
		return result(TestXFO, "x-frame-options-allow-from-origin", true, data)
	}
	return result(TestXFO, "x-frame-options-header-invalid", false, data)
}

var referrerPolicies = map[string]bool{ // token → private
	"no-referrer": true, "same-origin": true, "strict-origin": true, "strict-origin-when-cross-origin": true,
	"no-referrer-when-downgrade": false, "origin": false, "origin-when-cross-origin": false, "unsafe-url": false,
}

// ReferrerPolicy reads the Referrer-Policy header and <meta name=referrer>
// of the final answer; as in browsers, the last valid token wins, and the
// meta tag comes after the header.
func ReferrerPolicy(ex *Exchange) HeaderResult {
	var parts []string
	lines := values(ex.Final, "Referrer-Policy")
	parts = append(parts, lines...)
	meta := ""
	if ex.Final != nil {
		meta, _ = metaReferrer(ex.Final.Body)
	}
	if meta != "" {
		parts = append(parts, meta)
	}
	data := map[string]any{"http": len(lines) > 0, "meta": meta != ""}
	if len(parts) == 0 {
		return result(TestReferrer, "referrer-policy-not-implemented", true, data)
	}
	data["data"] = strings.Join(parts, ", ")
	last, found := "", false
	for _, p := range parts {
		for _, tok := range strings.Split(p, ",") {
			tok = strings.ToLower(strings.TrimSpace(tok))
			if _, valid := referrerPolicies[tok]; valid {
				last, found = tok, true
			}
		}
	}
	switch {
	case !found:
		return result(TestReferrer, "referrer-policy-header-invalid", false, data)
	case referrerPolicies[last]:
		return result(TestReferrer, "referrer-policy-private", true, data)
	}
	return result(TestReferrer, "referrer-policy-unsafe", false, data)
}

// structuredToken parses a Structured Field item (RFC 8941) whose bare
// item must be a token, with parameters; it returns the token, or false
// when the field is not such an item.
func structuredToken(v string) (string, bool) {
	v = strings.Trim(v, " ")
	tok, rest := sfToken(v)
	if tok == "" {
		return "", false
	}
	for rest != "" {
		if rest[0] != ';' {
			return "", false
		}
		rest = strings.TrimLeft(rest[1:], " ")
		key, after := sfKey(rest)
		if key == "" {
			return "", false
		}
		rest = after
		if rest != "" && rest[0] == '=' {
			var ok bool
			if rest, ok = sfBareItem(rest[1:]); !ok {
				return "", false
			}
		}
	}
	return tok, true
}

func sfToken(s string) (string, string) {
	if s == "" || !(isAlpha(s[0]) || s[0] == '*') {
		return "", s
	}
	i := 1
	for i < len(s) && (isTchar(s[i]) || s[i] == ':' || s[i] == '/') {
		i++
	}
	return s[:i], s[i:]
}

func sfKey(s string) (string, string) {
	if s == "" || !(s[0] >= 'a' && s[0] <= 'z' || s[0] == '*') {
		return "", s
	}
	i := 1
	for i < len(s) && (s[i] >= 'a' && s[i] <= 'z' || s[i] >= '0' && s[i] <= '9' || strings.IndexByte("_-.*", s[i]) >= 0) {
		i++
	}
	return s[:i], s[i:]
}

// sfBareItem consumes a parameter value: a string, a token, a number or a
// boolean; it returns the rest.
func sfBareItem(s string) (string, bool) {
	switch {
	case s == "":
		return "", false
	case s[0] == '"':
		for i := 1; i < len(s); i++ {
			switch s[i] {
			case '\\':
				i++
			case '"':
				return s[i+1:], true
			}
		}
		return "", false
	case s[0] == '?':
		if len(s) >= 2 && (s[1] == '0' || s[1] == '1') {
			return s[2:], true
		}
		return "", false
	case s[0] == '-' || s[0] >= '0' && s[0] <= '9':
		i := 1
		for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.') {
			i++
		}
		return s[i:], true
	}
	tok, rest := sfToken(s)
	return rest, tok != ""
}

func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func isTchar(c byte) bool {
	return isAlpha(c) || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// policyHeader scores COOP and COEP: one header, a Structured Field token
// that is exactly one of the known policies (parameters such as report-to
// allowed).
func policyHeader(ex *Exchange, test, header, prefix string, known []string) HeaderResult {
	lines := values(ex.Final, header)
	if len(lines) == 0 {
		return result(test, prefix+"-not-implemented", true, nil)
	}
	data := map[string]any{"data": strings.Join(lines, ", ")}
	if len(lines) == 1 {
		if tok, ok := structuredToken(lines[0]); ok {
			for _, k := range known {
				if tok == k {
					return result(test, prefix+"-implemented-with-"+k, true, data)
				}
			}
		}
	}
	return result(test, prefix+"-header-invalid", false, data)
}

// CrossOriginOpenerPolicy reads Cross-Origin-Opener-Policy.
func CrossOriginOpenerPolicy(ex *Exchange) HeaderResult {
	return policyHeader(ex, TestCOOP, "Cross-Origin-Opener-Policy", "coop", []string{"same-origin", "same-origin-allow-popups", "noopener-allow-popups", "unsafe-none"})
}

// CrossOriginEmbedderPolicy reads Cross-Origin-Embedder-Policy.
func CrossOriginEmbedderPolicy(ex *Exchange) HeaderResult {
	return policyHeader(ex, TestCOEP, "Cross-Origin-Embedder-Policy", "coep", []string{"require-corp", "credentialless", "unsafe-none"})
}

// CrossOriginResourcePolicy reads Cross-Origin-Resource-Policy.
func CrossOriginResourcePolicy(ex *Exchange) HeaderResult {
	lines := values(ex.Final, "Cross-Origin-Resource-Policy")
	if len(lines) == 0 {
		return result(TestCORP, "corp-not-implemented", true, nil)
	}
	data := map[string]any{"data": strings.Join(lines, ", ")}
	if len(lines) == 1 {
		switch v := strings.ToLower(strings.TrimSpace(lines[0])); v {
		case "same-site", "same-origin", "cross-origin":
			return result(TestCORP, "corp-implemented-with-"+v, true, data)
		}
	}
	return result(TestCORP, "corp-header-invalid", false, data)
}

// CrossOriginResourceSharing reads Access-Control-Allow-Origin from the
// answer to a cross-origin request: letting any origin read with
// credentials (a reflected Origin) is universal access.
func CrossOriginResourceSharing(ex *Exchange) HeaderResult {
	acao := strings.TrimSpace(strings.Join(values(ex.CORS, "Access-Control-Allow-Origin"), ", "))
	if acao == "" {
		return result(TestCORS, "cross-origin-resource-sharing-not-implemented", true, nil)
	}
	data := map[string]any{"data": acao}
	creds := strings.EqualFold(strings.TrimSpace(strings.Join(values(ex.CORS, "Access-Control-Allow-Credentials"), "")), "true")
	switch {
	case acao == "*":
		return result(TestCORS, "cross-origin-resource-sharing-implemented-with-public-access", true, data)
	case creds && ex.CORSOrigin != "" && strings.EqualFold(acao, ex.CORSOrigin):
		return result(TestCORS, "cross-origin-resource-sharing-implemented-with-universal-access", false, data)
	}
	return result(TestCORS, "cross-origin-resource-sharing-implemented-with-restricted-access", true, data)
}

// Redirection follows the chain from http://host/: the first redirect
// must go to HTTPS on the same host, and the chain must end on HTTPS.
func Redirection(ex *Exchange) HeaderResult {
	if ex.HTTP == nil || len(ex.HTTPChain) == 0 {
		if ex.HTTPS != nil {
			return result(TestRedirection, "redirection-not-needed-no-http", true, nil)
		}
		return result(TestRedirection, "redirection-missing", false, nil)
	}
	route := make([]string, len(ex.HTTPChain))
	for i, h := range ex.HTTPChain {
		route[i] = h.URL
	}
	data := map[string]any{"route": route}
	last := ex.HTTPChain[len(ex.HTTPChain)-1]
	switch {
	case len(ex.HTTPChain) == 1:
		return result(TestRedirection, "redirection-missing", false, data)
	case schemeOf(last.URL) != "https":
		return result(TestRedirection, "redirection-not-to-https", false, data)
	case schemeOf(ex.HTTPChain[1].URL) != "https":
		return result(TestRedirection, "redirection-not-to-https-on-initial-redirection", false, data)
	case HostOf(ex.HTTPChain[1].URL) != HostOf(ex.HTTPChain[0].URL):
		return result(TestRedirection, "redirection-off-host-from-http", false, data)
	case ex.HTTPS != nil && !ex.HTTPS.Verified:
		return result(TestRedirection, "redirection-invalid-cert", false, data)
	}
	return result(TestRedirection, "redirection-to-https", true, data)
}
