package webscan

import "testing"

func TestObservatoryScoreExtraCredit(t *testing.T) {
	r := func(name string) HeaderResult { return result("t", name, true, nil) }
	cases := []struct {
		name    string
		results []HeaderResult
		score   int
		grade   string
	}{
		{"nothing", nil, 100, "A+"},
		{"bonuses count at 90 or more", []HeaderResult{r("x-content-type-options-not-implemented"), r("csp-implemented-with-no-unsafe-default-src-none"), r("coop-implemented-with-same-origin")}, 115, "A+"},
		{"bonuses ignored below 90", []HeaderResult{r("hsts-not-implemented"), r("csp-implemented-with-no-unsafe-default-src-none")}, 80, "B+"},
		{"exactly 90 keeps bonuses", []HeaderResult{r("hsts-implemented-max-age-less-than-six-months"), r("referrer-policy-private")}, 95, "A"},
		{"floor at zero", []HeaderResult{r("csp-not-implemented"), r("cookies-session-without-secure-flag"), r("cross-origin-resource-sharing-implemented-with-universal-access")}, 0, "F"},
		{"unknown results are ignored", []HeaderResult{{Test: "t"}}, 100, "A+"},
	}
	for _, c := range cases {
		score := ObservatoryScore(c.results)
		if score != c.score || ObservatoryGrade(score) != c.grade {
			t.Errorf("%s: %d %s, want %d %s", c.name, score, ObservatoryGrade(score), c.score, c.grade)
		}
	}
}

func TestObservatoryGradeBands(t *testing.T) {
	for score, want := range map[int]string{
		150: "A+", 100: "A+", 99: "A", 90: "A", 89: "A-", 85: "A-", 84: "B+", 80: "B+", 79: "B", 70: "B", 69: "B-", 65: "B-",
		64: "C+", 60: "C+", 59: "C", 50: "C", 49: "C-", 45: "C-", 44: "D+", 40: "D+", 39: "D", 30: "D", 29: "D-", 25: "D-", 24: "F", 0: "F", -5: "F",
	} {
		if got := ObservatoryGrade(score); got != want {
			t.Errorf("grade(%d) = %s, want %s", score, got, want)
		}
	}
}

func TestStructuredToken(t *testing.T) {
	for in, want := range map[string]string{
		"same-origin": "same-origin", ` same-origin `: "same-origin", `same-origin; report-to="x"`: "same-origin",
		"same-origin; report-to": "same-origin", `same-origin;report-to=?1`: "same-origin",
		`"same-origin"`: "", "same-origin; report-to=coop endpoint": "", "": "", "same origin": "", "same-origin;": "",
	} {
		got, ok := structuredToken(in)
		if (want == "") == ok || got != want {
			t.Errorf("structuredToken(%q) = %q %v, want %q", in, got, ok, want)
		}
	}
}

func FuzzHeaders(f *testing.F) {
	f.Add("max-age=31536000; includeSubDomains", "same-origin; report-to=\"a\"", "<meta name=referrer content=no-referrer>")
	f.Fuzz(func(t *testing.T, hsts, coop, body string) {
		resp := &Response{URL: "https://a.example/", Status: 200, Verified: true, Header: map[string][]string{
			"Strict-Transport-Security": {hsts}, "Cross-Origin-Opener-Policy": {coop}, "Referrer-Policy": {coop}, "X-Frame-Options": {coop},
		}, Body: body}
		resp.Header["Content-Security-Policy"] = []string{coop}
		resp.Header["Set-Cookie"] = []string{hsts}
		ex := &Exchange{Final: resp, HTTPS: resp, CORS: resp, HTTP: resp, HTTPChain: []Hop{{URL: hsts}, {URL: coop}}}
		for name, analyze := range analyzers {
			r := analyze(ex)
			if _, known := ScoreModifier(r.Result); !known || r.Test != name {
				t.Fatalf("%s gave unknown result %q", name, r.Result)
			}
		}
	})
}

func TestRedirectCheck(t *testing.T) {
	for result, want := range map[string]string{
		"redirection-to-https": Pass, "redirection-all-redirects-preloaded": Pass, "redirection-invalid-cert": Pass, "redirection-not-needed-no-http": Pass,
		"redirection-off-host-from-http": Fail, "redirection-not-to-https-on-initial-redirection": Warn, "redirection-missing": Fail, "redirection-not-to-https": Fail,
	} {
		c := redirectCheck(&Exchange{HTTPChain: []Hop{{URL: "http://a.example/", Status: 301}}}, []HeaderResult{{Test: TestRedirection, Result: result}})
		if c.ID != "https.redirect" || c.Result != want || c.Detail == "" || c.DetailEN == "" || c.Evidence != "http://a.example/ (301)" {
			t.Errorf("%s: %+v, want %s", result, c, want)
		}
	}
}
