package webscan

// HeaderResult is the outcome of one Observatory-scored test.
type HeaderResult struct {
	// Test is the Observatory test name, e.g. "strict-transport-security".
	Test string
	// Result is the Observatory result name, e.g. "hsts-not-implemented".
	Result string
	// Pass follows the Observatory's own pass flag for the result.
	Pass bool
	// Modifier is the result's score modifier.
	Modifier int
	// Data holds the parsed details (max-age, the policy text, the route).
	Data map[string]any
}

// scoreModifiers are the Observatory v2 score modifiers of every result.
var scoreModifiers = map[string]int{
	"csp-implemented-with-no-unsafe-default-src-none": 10, "csp-implemented-with-no-unsafe": 5,
	"csp-implemented-with-unsafe-inline-in-style-src-only": 0, "csp-implemented-with-insecure-scheme-in-passive-content-only": -10,
	"csp-implemented-with-unsafe-eval": -10, "csp-implemented-with-unsafe-inline": -20, "csp-implemented-with-insecure-scheme": -20,
	"csp-header-invalid": -25, "csp-not-implemented": -25, "csp-not-implemented-but-reporting-enabled": -25, "csp-implemented-but-duplicate-directives": 0,
	"cookies-secure-with-httponly-sessions-and-samesite": 5, "cookies-secure-with-httponly-sessions": 0, "cookies-not-found": 0,
	"cookies-without-secure-flag-but-protected-by-hsts": -5, "cookies-session-without-secure-flag-but-protected-by-hsts": -10,
	"cookies-without-secure-flag": -20, "cookies-samesite-flag-invalid": -20, "cookies-anticsrf-without-samesite-flag": -20,
	"cookies-session-without-httponly-flag": -30, "cookies-session-without-secure-flag": -40,
	"cross-origin-resource-sharing-not-implemented": 0, "cross-origin-resource-sharing-implemented-with-public-access": 0,
	"cross-origin-resource-sharing-implemented-with-restricted-access": 0, "cross-origin-resource-sharing-implemented-with-universal-access": -50,
	"redirection-all-redirects-preloaded": 0, "redirection-to-https": 0, "redirection-not-needed-no-http": 0, "redirection-off-host-from-http": -5,
	"redirection-not-to-https-on-initial-redirection": -10, "redirection-not-to-https": -20, "redirection-missing": -20, "redirection-invalid-cert": -20,
	"referrer-policy-private": 5, "referrer-policy-not-implemented": 0, "referrer-policy-unsafe": -5, "referrer-policy-header-invalid": -5,
	"hsts-preloaded": 5, "hsts-implemented-max-age-at-least-six-months": 0, "hsts-implemented-max-age-less-than-six-months": -10,
	"hsts-not-implemented": -20, "hsts-header-invalid": -20, "hsts-not-implemented-no-https": -20, "hsts-invalid-cert": -20,
	"sri-implemented-and-all-scripts-loaded-securely": 5, "sri-implemented-and-external-scripts-loaded-securely": 5,
	"sri-not-implemented-response-not-html": 0, "sri-not-implemented-but-no-scripts-loaded": 0, "sri-not-implemented-but-all-scripts-loaded-from-secure-origin": 0,
	"sri-not-implemented-but-external-scripts-loaded-securely": -5, "sri-implemented-but-external-scripts-not-loaded-securely": -20,
	"sri-not-implemented-and-external-scripts-not-loaded-securely": -50,
	"x-content-type-options-nosniff":                               0, "x-content-type-options-not-implemented": -5, "x-content-type-options-header-invalid": -5,
	"x-frame-options-implemented-via-csp": 5, "x-frame-options-sameorigin-or-deny": 5, "x-frame-options-allow-from-origin": 0,
	"x-frame-options-not-implemented": -20, "x-frame-options-header-invalid": -20,
	"corp-header-invalid": -5, "corp-implemented-with-cross-origin": 0, "corp-implemented-with-same-origin": 10, "corp-implemented-with-same-site": 10, "corp-not-implemented": 0,
	"coep-implemented-with-require-corp": 10, "coep-implemented-with-credentialless": 10, "coep-implemented-with-unsafe-none": 0, "coep-not-implemented": 0, "coep-header-invalid": -5,
	"coop-implemented-with-same-origin": 10, "coop-implemented-with-same-origin-allow-popups": 10, "coop-implemented-with-noopener-allow-popups": 10,
	"coop-implemented-with-unsafe-none": 0, "coop-not-implemented": 0, "coop-header-invalid": -5,
	"html-not-parseable": -20,
}

// ScoreModifier returns the Observatory score modifier of a result name
// and whether the name is known.
func ScoreModifier(result string) (int, bool) {
	m, ok := scoreModifiers[result]
	return m, ok
}

func result(test, name string, pass bool, data map[string]any) HeaderResult {
	return HeaderResult{Test: test, Result: name, Pass: pass, Modifier: scoreModifiers[name], Data: data}
}

// extraCreditThreshold is the Observatory's minimum score (from the
// negative modifiers alone) for bonuses to count.
const extraCreditThreshold = 90

// ObservatoryScore adds up results the Observatory's way: start at 100 and
// apply the negative modifiers; only when that is at least 90 do the
// bonuses count too. The score is never below 0.
func ObservatoryScore(results []HeaderResult) int {
	uncurved, withExtra := 100, 100
	for _, r := range results {
		if r.Result == "" {
			continue
		}
		if r.Modifier < 0 {
			uncurved += r.Modifier
		}
		withExtra += r.Modifier
	}
	score := uncurved
	if uncurved >= extraCreditThreshold {
		score = withExtra
	}
	return max(score, 0)
}

// gradeBands maps the score, rounded down to a multiple of 5 and capped
// at 100, to the Observatory's letter grades.
var gradeBands = []struct {
	min   int
	grade string
}{
	{100, "A+"}, {90, "A"}, {85, "A-"}, {80, "B+"}, {70, "B"}, {65, "B-"}, {60, "C+"}, {50, "C"}, {45, "C-"},
	{40, "D+"}, {30, "D"}, {25, "D-"}, {0, "F"},
}

// ObservatoryGrade returns the letter grade of a score.
func ObservatoryGrade(score int) string {
	s := max(score, 0)
	s = min(s-s%5, 100)
	for _, b := range gradeBands {
		if s >= b.min {
			return b.grade
		}
	}
	return "F"
}

// ObservatoryHeaders runs the twelve Observatory v2 tests on a site.
func ObservatoryHeaders(ex *Exchange) []HeaderResult {
	return []HeaderResult{
		ContentSecurityPolicy(ex), Cookies(ex), CrossOriginResourceSharing(ex), Redirection(ex), ReferrerPolicy(ex), HSTS(ex),
		SubresourceIntegrity(ex), XContentTypeOptions(ex), XFrameOptions(ex), CrossOriginOpenerPolicy(ex), CrossOriginEmbedderPolicy(ex),
		CrossOriginResourcePolicy(ex),
	}
}
