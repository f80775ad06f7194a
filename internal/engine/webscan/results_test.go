package webscan

import (
	"net/http"
	"testing"
)

// site is a small, well-configured HTTPS site to vary in table tests.
func site() *Exchange {
	h := http.Header{}
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
	final := &Response{URL: "https://portal.example.gov.vn/", Status: 200, Header: h, Verified: true, Body: "<html><head></head><body></body></html>"}
	return &Exchange{
		Final: final, HTTPS: final, CORS: final,
		HTTP:      &Response{URL: "http://portal.example.gov.vn/", Status: 301, Header: http.Header{}},
		HTTPChain: []Hop{{URL: "http://portal.example.gov.vn/", Status: 301}, {URL: "https://portal.example.gov.vn/", Status: 200}},
	}
}

// TestEveryResultName produces every Observatory result name the engine
// can give, beyond the Observatory's own vectors, and lists the ones it
// cannot, with the reason.
func TestEveryResultName(t *testing.T) {
	cannot := map[string]string{
		"redirection-all-redirects-preloaded":      "needs the HSTS preload list for every host of the chain; Khiên ships no preload list (offline-first), so Exchange.Preloaded is the only source and it covers HSTS alone",
		"csp-implemented-but-duplicate-directives": "the Observatory's parser gives this for a directive repeated across policies; Khiên, like its own vectors (csp-004, csp-005), treats a repeat inside one policy as invalid and merges across policies",
		"html-not-parseable":                       "golang.org/x/net/html follows the HTML5 parsing algorithm, which accepts every input",
	}
	produced := map[string]bool{}
	note := func(r HeaderResult) {
		if _, ok := ScoreModifier(r.Result); !ok {
			t.Errorf("%s: unknown result %q", r.Test, r.Result)
		}
		produced[r.Result] = true
	}
	vf := loadVectors(t)
	for _, c := range vf.Cases {
		archive, why := harFor(vf, c)
		if why != "" {
			continue
		}
		ex, err := ExchangeFromHAR(archive)
		if err != nil {
			t.Fatal(err)
		}
		note(analyzers[c.Test](ex))
	}
	// Results no vector case produces.
	ex := site()
	ex.Preloaded = func(host string) bool { return host == "portal.example.gov.vn" }
	note(HSTS(ex))
	ex = site()
	ex.HTTPS = &Response{URL: ex.Final.URL, Header: ex.Final.Header, Verified: false}
	note(Redirection(ex))
	note(HSTS(ex))
	for _, r := range ObservatoryHeaders(site()) {
		note(r)
	}
	for name := range scoreModifiers {
		if !produced[name] && cannot[name] == "" {
			t.Errorf("no case produces %q", name)
		}
		if produced[name] && cannot[name] != "" {
			t.Errorf("%q is listed as impossible but was produced", name)
		}
	}
}

func TestWellConfiguredSiteScoresAPlus(t *testing.T) {
	ex := site()
	h := ex.Final.Header
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	h.Add("Set-Cookie", "__Host-khien_session=x; Path=/; Secure; HttpOnly; SameSite=Lax")
	results := ObservatoryHeaders(ex)
	for _, r := range results {
		if r.Modifier < 0 {
			t.Errorf("%s: %s (%d)", r.Test, r.Result, r.Modifier)
		}
	}
	if score := ObservatoryScore(results); ObservatoryGrade(score) != "A+" {
		t.Fatalf("score %d grade %s", score, ObservatoryGrade(score))
	}
	// The same site with no security headers: 100 − 25 (CSP) − 20 (HSTS)
	// − 5 (nosniff) − 20 (framing) = 30, a D, as the Observatory grades it.
	bare := site()
	bare.Final.Header = http.Header{"Content-Type": {"text/html"}}
	bare.HTTPS = bare.Final
	if score := ObservatoryScore(ObservatoryHeaders(bare)); score != 30 || ObservatoryGrade(score) != "D" {
		t.Fatalf("bare site: %d %s", score, ObservatoryGrade(score))
	}
}
