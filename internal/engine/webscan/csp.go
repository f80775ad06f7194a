package webscan

import (
	"errors"
	"slices"
	"strings"

	"golang.org/x/net/html"
)

// TestCSP is the Observatory's Content-Security-Policy test.
const TestCSP = "content-security-policy"

// dangerouslyBroad sources allow almost any origin.
var dangerouslyBroad = []string{"ftp:", "http:", "https:", "*", "http://*", "http://*.*", "https://*", "https://*.*"}

// knownDirectives are the CSP directives; one written without a value
// means 'none' (or nothing, for the flag directives).
var knownDirectives = map[string]bool{
	"default-src": true, "script-src": true, "script-src-elem": true, "script-src-attr": true, "style-src": true, "style-src-elem": true,
	"style-src-attr": true, "img-src": true, "media-src": true, "font-src": true, "connect-src": true, "object-src": true, "frame-src": true,
	"child-src": true, "worker-src": true, "manifest-src": true, "prefetch-src": true, "base-uri": true, "form-action": true,
	"frame-ancestors": true, "navigate-to": true, "report-uri": true, "report-to": true, "require-trusted-types-for": true, "trusted-types": true,
}

var flagDirectives = map[string]bool{"upgrade-insecure-requests": true, "block-all-mixed-content": true, "sandbox": true}

// notInMeta may not appear in a <meta http-equiv> policy; browsers ignore
// such a policy.
var notInMeta = []string{"frame-ancestors", "report-uri", "sandbox"}

var errInvalidPolicy = errors.New("invalid policy")

// cspPolicy maps directive names to their sources.
type cspPolicy map[string][]string

// parsePolicy reads one serialised policy (RFC: directives separated by
// ';'). A repeated directive, an empty policy, an unknown directive
// without a value, or 'strict-dynamic' without a nonce or hash is invalid.
func parsePolicy(s string) (cspPolicy, error) {
	p := cspPolicy{}
	for _, d := range strings.Split(s, ";") {
		fields := strings.Fields(d)
		if len(fields) == 0 {
			continue
		}
		name := strings.ToLower(fields[0])
		if _, dup := p[name]; dup {
			return nil, errInvalidPolicy
		}
		sources := fields[1:]
		if len(sources) == 0 {
			switch {
			case flagDirectives[name]:
			case knownDirectives[name]:
				sources = []string{"'none'"}
			default:
				return nil, errInvalidPolicy
			}
		}
		p[name] = sources
	}
	if len(p) == 0 {
		return nil, errInvalidPolicy
	}
	if hasSource(p["script-src"], "'strict-dynamic'") && !hasNonceOrHash(p["script-src"]) {
		return nil, errInvalidPolicy
	}
	return p, nil
}

func hasSource(sources []string, want string) bool {
	for _, s := range sources {
		if strings.EqualFold(s, want) {
			return true
		}
	}
	return false
}

func hasAnySource(sources, wants []string) bool {
	for _, w := range wants {
		if hasSource(sources, w) {
			return true
		}
	}
	return false
}

func hasNonceOrHash(sources []string) bool {
	for _, s := range sources {
		l := strings.ToLower(s)
		if strings.HasPrefix(l, "'nonce-") || strings.HasPrefix(l, "'sha") {
			return true
		}
	}
	return false
}

// mergePolicies combines several enforced policies into the effective
// one: a directive set by several policies allows only what all allow.
func mergePolicies(list []cspPolicy) cspPolicy {
	out := cspPolicy{}
	for _, p := range list {
		for name, sources := range p {
			prev, seen := out[name]
			if !seen {
				out[name] = slices.Clone(sources)
				continue
			}
			var both []string
			for _, s := range prev {
				if hasSource(sources, s) {
					both = append(both, s)
				}
			}
			if len(both) == 0 {
				both = []string{"'none'"}
			}
			out[name] = both
		}
	}
	return out
}

// metaPolicies returns the policies of <meta http-equiv=Content-Security-
// Policy> tags; a tag using a directive not allowed there is ignored.
func metaPolicies(body string) []string {
	var out []string
	z := html.NewTokenizer(strings.NewReader(body))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return out
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			if string(name) != "meta" {
				continue
			}
			var equiv, content string
			for hasAttr {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				switch string(k) {
				case "http-equiv":
					equiv = string(v)
				case "content":
					content = string(v)
				}
			}
			if !strings.EqualFold(strings.TrimSpace(equiv), "content-security-policy") {
				continue
			}
			if p, err := parsePolicy(content); err == nil {
				allowed := true
				for _, d := range notInMeta {
					if _, ok := p[d]; ok {
						allowed = false
					}
				}
				if allowed {
					out = append(out, content)
				}
			}
		}
	}
}

// splitPolicies splits header lines into policies (a comma separates
// policies within one line).
func splitPolicies(lines []string) []string {
	var out []string
	for _, l := range lines {
		out = append(out, strings.Split(l, ",")...)
	}
	return out
}

// cspFlags are the Observatory's findings about the effective policy.
type cspFlags struct {
	AntiClickjacking, DefaultNone, InsecureBaseURI, InsecureFormAction, InsecureSchemeActive         bool
	InsecureSchemePassive, StrictDynamic, UnsafeEval, UnsafeInline, UnsafeInlineStyle, UnsafeObjects bool
}

func (f cspFlags) data() map[string]any {
	return map[string]any{
		"antiClickjacking": f.AntiClickjacking, "defaultNone": f.DefaultNone, "insecureBaseUri": f.InsecureBaseURI,
		"insecureFormAction": f.InsecureFormAction, "insecureSchemeActive": f.InsecureSchemeActive, "insecureSchemePassive": f.InsecureSchemePassive,
		"strictDynamic": f.StrictDynamic, "unsafeEval": f.UnsafeEval, "unsafeInline": f.UnsafeInline, "unsafeInlineStyle": f.UnsafeInlineStyle,
		"unsafeObjects": f.UnsafeObjects,
	}
}

// fallback returns the sources of name, else of default-src, else "*".
func (p cspPolicy) fallback(name string) []string {
	if s, ok := p[name]; ok {
		return s
	}
	if s, ok := p["default-src"]; ok {
		return s
	}
	return []string{"*"}
}

func (p cspPolicy) own(name string) []string {
	if s, ok := p[name]; ok {
		return s
	}
	return []string{"*"}
}

// withoutIgnoredInline drops 'unsafe-inline' where a nonce or hash makes
// browsers ignore it.
func withoutIgnoredInline(sources []string) []string {
	if !hasNonceOrHash(sources) {
		return sources
	}
	var out []string
	for _, s := range sources {
		if !strings.EqualFold(s, "'unsafe-inline'") {
			out = append(out, s)
		}
	}
	return out
}

func insecureScheme(sources []string) bool {
	for _, s := range sources {
		l := strings.ToLower(s)
		if strings.HasPrefix(l, "http:") || strings.HasPrefix(l, "ftp:") {
			return true
		}
	}
	return false
}

func flagsOf(p cspPolicy) cspFlags {
	script := withoutIgnoredInline(p.fallback("script-src"))
	style := withoutIgnoredInline(p.fallback("style-src"))
	object := p.fallback("object-src")
	var f cspFlags
	if hasSource(script, "'strict-dynamic'") {
		f.StrictDynamic = true
		var kept []string // hosts, 'self' and 'unsafe-inline' are ignored
		for _, s := range script {
			if hasNonceOrHash([]string{s}) || strings.EqualFold(s, "'strict-dynamic'") || strings.EqualFold(s, "'unsafe-eval'") {
				kept = append(kept, s)
			}
		}
		script = kept
	}
	unsafeInline := append([]string{"'unsafe-inline'", "data:"}, dangerouslyBroad...)
	f.UnsafeInline = hasAnySource(script, unsafeInline) || hasAnySource(object, dangerouslyBroad)
	f.UnsafeEval = hasSource(script, "'unsafe-eval'")
	f.InsecureSchemeActive = insecureScheme(script) || insecureScheme(object) || insecureScheme(style)
	for _, sources := range p {
		f.InsecureSchemePassive = f.InsecureSchemePassive || insecureScheme(sources)
	}
	f.UnsafeInlineStyle = hasAnySource(style, unsafeInline)
	def, ok := p["default-src"]
	f.DefaultNone = ok && len(def) == 1 && strings.EqualFold(def[0], "'none'")
	fa, ok := p["frame-ancestors"]
	f.AntiClickjacking = ok && !hasAnySource(fa, dangerouslyBroad)
	f.InsecureBaseURI = hasAnySource(p.own("base-uri"), dangerouslyBroad)
	f.InsecureFormAction = hasAnySource(p.own("form-action"), dangerouslyBroad)
	f.UnsafeObjects = hasAnySource(object, dangerouslyBroad)
	return f
}

// ContentSecurityPolicy scores the policies of the final answer's headers
// and <meta http-equiv> tags the Observatory's way.
func ContentSecurityPolicy(ex *Exchange) HeaderResult {
	r, _ := csp(ex)
	return r
}

// csp returns the result and the effective policy's flags.
func csp(ex *Exchange) (HeaderResult, cspFlags) {
	header := splitPolicies(values(ex.Final, "Content-Security-Policy"))
	var meta []string
	if ex.Final != nil {
		meta = metaPolicies(ex.Final.Body)
	}
	data := map[string]any{"numPolicies": len(header) + len(meta), "http": len(header) > 0, "meta": len(meta) > 0}
	if len(header)+len(meta) == 0 {
		if len(values(ex.Final, "Content-Security-Policy-Report-Only")) > 0 {
			return result(TestCSP, "csp-not-implemented-but-reporting-enabled", false, data), cspFlags{}
		}
		return result(TestCSP, "csp-not-implemented", false, data), cspFlags{}
	}
	var policies []cspPolicy
	for _, s := range append(header, meta...) {
		p, err := parsePolicy(s)
		if err != nil {
			return result(TestCSP, "csp-header-invalid", false, data), cspFlags{}
		}
		policies = append(policies, p)
	}
	effective := mergePolicies(policies)
	f := flagsOf(effective)
	pol := map[string]any{}
	for k, v := range effective {
		pol[k] = v
	}
	data["data"], data["policy"] = pol, f.data()
	switch {
	case f.UnsafeInline:
		return result(TestCSP, "csp-implemented-with-unsafe-inline", false, data), f
	case f.UnsafeEval:
		return result(TestCSP, "csp-implemented-with-unsafe-eval", false, data), f
	case f.InsecureSchemeActive:
		return result(TestCSP, "csp-implemented-with-insecure-scheme", false, data), f
	case f.InsecureSchemePassive:
		return result(TestCSP, "csp-implemented-with-insecure-scheme-in-passive-content-only", true, data), f
	case f.UnsafeInlineStyle:
		return result(TestCSP, "csp-implemented-with-unsafe-inline-in-style-src-only", true, data), f
	case f.DefaultNone:
		return result(TestCSP, "csp-implemented-with-no-unsafe-default-src-none", true, data), f
	}
	return result(TestCSP, "csp-implemented-with-no-unsafe", true, data), f
}
