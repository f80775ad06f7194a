package webscan

import (
	"context"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestEvaluateProbe(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	const (
		news = `<html><head><title>Cổng thông tin điện tử tỉnh</title></head><body><h1>Tin tức</h1>
<p>Hội nghị chuyển đổi số được tổ chức sáng nay tại trụ sở ủy ban nhân dân tỉnh.</p><a href="/tin-tuc/123">Xem thêm</a></body></html>`
		lottery = `<html><head><title>Cổng thông tin tỉnh</title></head><body>
<a href="https://xosokienthiet.example/ket-qua">Kết quả xổ số kiến thiết Sông Lam</a>
<p>Công ty xổ số kiến thiết tỉnh công bố kết quả mở thưởng.</p></body></html>`
		owned    = `<html><body><p>This website is owned by the Provincial People's Committee. Visitors were here 1,204 times today.</p></body></html>`
		casino   = `<html><body><p>Sở Văn hóa cảnh báo về casino trực tuyến trái phép và tác hại của cờ bạc.</p></body></html>`
		defaced  = `<html><head><title>Hacked by Anonymous</title></head><body><h1>Your security is low</h1></body></html>`
		hidden   = `<html><body><p>Tin tức</p><div style="display:none"><a href="https://nhacai.example/">Nhà cái uy tín</a></div></body></html>`
		hiddenXS = `<html><body><div style="display:none"><a href="https://x.example/">xổ số online uy tín</a></div></body></html>`
		seoSpam  = `<html><body><div style="position:absolute;left:-5000px"><a href="https://x.example/">slot gacor maxwin</a></div></body></html>`
		visible  = `<html><body><a href="https://kubet.example/">Nhà cái KUBET</a></body></html>`
	)
	https := func(body string, days float64) Observation {
		return Observation{ProbeResult: ProbeResult{URL: "https://portal.example.gov.vn/", Status: 200, Body: body, Verified: true,
			CertNotAfter: now.Add(time.Duration(days * 24 * float64(time.Hour)))}}
	}
	with := func(o Observation, edit func(*Observation)) Observation { edit(&o); return o }
	rule := "#clock\n.ticker\nre:\\d{2}:\\d{2}"
	base := PageFingerprint(portalPage("Tin mới: hội nghị chuyển đổi số", "08:00"), mustRule(t, rule)).String()
	pageAt := func(clock string) Observation {
		return https(portalPage("Tin mới: hội nghị chuyển đổi số", clock), 90)
	}
	cases := []struct {
		name           string
		obs            Observation
		baseline, rule string
		want           map[CheckID]string // results; ids not listed must be absent
		failing        []CheckID
		newBaseline    bool
		check          func(t *testing.T, v ProbeVerdict)
	}{
		{name: "ordinary news page", obs: https(news, 90), newBaseline: true,
			want: map[CheckID]string{HTTPSAvailable: Pass, TLSCertificateExpiry: Pass, ExposedFiles: Pass, ContentInjectedLinks: Pass, ContentDefacement: Pass}},
		{name: "state lottery results (xổ số kiến thiết)", obs: https(lottery, 90), newBaseline: true,
			want: map[CheckID]string{HTTPSAvailable: Pass, TLSCertificateExpiry: Pass, ExposedFiles: Pass, ContentInjectedLinks: Pass, ContentDefacement: Pass}},
		{name: "an 'owned by' notice and a visitor counter", obs: https(owned, 90), newBaseline: true,
			want: map[CheckID]string{HTTPSAvailable: Pass, TLSCertificateExpiry: Pass, ExposedFiles: Pass, ContentInjectedLinks: Pass, ContentDefacement: Pass}},
		{name: "a warning against online casinos, in the text", obs: https(casino, 90), newBaseline: true,
			want: map[CheckID]string{HTTPSAvailable: Pass, TLSCertificateExpiry: Pass, ExposedFiles: Pass, ContentInjectedLinks: Pass, ContentDefacement: Pass}},
		{name: "expired certificate", obs: https(news, -3.5), failing: []CheckID{TLSCertificateExpiry}, newBaseline: true,
			want: map[CheckID]string{HTTPSAvailable: Pass, TLSCertificateExpiry: Fail, ExposedFiles: Pass, ContentInjectedLinks: Pass, ContentDefacement: Pass},
			check: func(t *testing.T, v ProbeVerdict) {
				if v.CertDaysLeft != -3 || !strings.Contains(v.Failing()[string(TLSCertificateExpiry)], "expired 3 days ago") {
					t.Errorf("days left %d, reason %q", v.CertDaysLeft, v.Failing()[string(TLSCertificateExpiry)])
				}
			}},
		{name: "expiring in 3 days: a warning, not a failure", obs: https(news, 3.5), newBaseline: true,
			want: map[CheckID]string{HTTPSAvailable: Pass, TLSCertificateExpiry: Warn, ExposedFiles: Pass, ContentInjectedLinks: Pass, ContentDefacement: Pass},
			check: func(t *testing.T, v ProbeVerdict) {
				if v.CertDaysLeft != 3 || !v.CertNotAfter.Equal(now.Add(84*time.Hour)) {
					t.Errorf("days left %d, not after %v", v.CertDaysLeft, v.CertNotAfter)
				}
			}},
		{name: "expiring in 20 days", obs: https(news, 20.5), newBaseline: true,
			want: map[CheckID]string{HTTPSAvailable: Pass, TLSCertificateExpiry: Warn, ExposedFiles: Pass, ContentInjectedLinks: Pass, ContentDefacement: Pass}},
		{name: "untrusted or mismatched certificate", obs: with(https(news, 90), func(o *Observation) { o.Verified = false }), failing: []CheckID{HTTPSAvailable}, newBaseline: true,
			want: map[CheckID]string{HTTPSAvailable: Fail, TLSCertificateExpiry: Pass, ExposedFiles: Pass, ContentInjectedLinks: Pass, ContentDefacement: Pass}},
		{name: "expired and untrusted", obs: with(https(news, -1), func(o *Observation) { o.Verified = false }), failing: []CheckID{HTTPSAvailable, TLSCertificateExpiry}, newBaseline: true,
			want: map[CheckID]string{HTTPSAvailable: Fail, TLSCertificateExpiry: Fail, ExposedFiles: Pass, ContentInjectedLinks: Pass, ContentDefacement: Pass}},
		{name: "plain HTTP: nothing said about HTTPS", obs: Observation{ProbeResult: ProbeResult{URL: "http://portal.example.gov.vn/", Status: 200, Body: news}}, newBaseline: true,
			want: map[CheckID]string{ExposedFiles: Pass, ContentInjectedLinks: Pass, ContentDefacement: Pass}},
		{name: "server error: the certificate only", obs: with(https(defaced, 90), func(o *Observation) { o.Status = 503 }),
			want: map[CheckID]string{HTTPSAvailable: Pass, TLSCertificateExpiry: Pass},
			check: func(t *testing.T, v ProbeVerdict) {
				if v.Defacement != "" || v.Change != 0 {
					t.Errorf("an error page was judged: %+v", v)
				}
			}},
		{name: "not found with an expired certificate", obs: with(https(news, -10), func(o *Observation) { o.Status = 404 }), failing: []CheckID{TLSCertificateExpiry},
			want: map[CheckID]string{HTTPSAvailable: Pass, TLSCertificateExpiry: Fail}},
		{name: "defaced", obs: https(defaced, 90), failing: []CheckID{ContentDefacement},
			want: map[CheckID]string{HTTPSAvailable: Pass, TLSCertificateExpiry: Pass, ExposedFiles: Pass, ContentInjectedLinks: Pass, ContentDefacement: Fail},
			check: func(t *testing.T, v ProbeVerdict) {
				if v.Defacement != "hacked by" || !strings.Contains(v.Failing()[string(ContentDefacement)], "hacked by") {
					t.Errorf("signature %q, reason %q", v.Defacement, v.Failing()[string(ContentDefacement)])
				}
			}},
		{name: "hidden gambling links", obs: https(hidden, 90), failing: []CheckID{ContentInjectedLinks},
			want: map[CheckID]string{HTTPSAvailable: Pass, TLSCertificateExpiry: Pass, ExposedFiles: Pass, ContentInjectedLinks: Fail, ContentDefacement: Pass},
			check: func(t *testing.T, v ProbeVerdict) {
				if len(v.HiddenLinks) == 0 || !strings.Contains(v.HiddenLinks[0], "nhacai.example") {
					t.Errorf("hidden links %q", v.HiddenLinks)
				}
			}},
		{name: "lottery words hidden still count", obs: https(hiddenXS, 90), failing: []CheckID{ContentInjectedLinks},
			want: map[CheckID]string{HTTPSAvailable: Pass, TLSCertificateExpiry: Pass, ExposedFiles: Pass, ContentInjectedLinks: Fail, ContentDefacement: Pass}},
		{name: "English SEO spam off-screen", obs: https(seoSpam, 90), failing: []CheckID{ContentInjectedLinks},
			want: map[CheckID]string{HTTPSAvailable: Pass, TLSCertificateExpiry: Pass, ExposedFiles: Pass, ContentInjectedLinks: Fail, ContentDefacement: Pass}},
		{name: "a visible betting link warns (the scan fails it), but is no hidden link", obs: https(visible, 90), newBaseline: true,
			want: map[CheckID]string{HTTPSAvailable: Pass, TLSCertificateExpiry: Pass, ExposedFiles: Pass, ContentInjectedLinks: Warn, ContentDefacement: Pass},
			check: func(t *testing.T, v ProbeVerdict) {
				if len(v.HiddenLinks) != 0 {
					t.Errorf("hidden links %q", v.HiddenLinks)
				}
			}},
		{name: "exposed .git and .env", obs: with(https(news, 90), func(o *Observation) {
			o.Secrets = []string{"https://portal.example.gov.vn/.git/HEAD", "https://portal.example.gov.vn/.env"}
		}), failing: []CheckID{ExposedFiles}, newBaseline: true,
			want: map[CheckID]string{HTTPSAvailable: Pass, TLSCertificateExpiry: Pass, ExposedFiles: Fail, ContentInjectedLinks: Pass, ContentDefacement: Pass},
			check: func(t *testing.T, v ProbeVerdict) {
				if why := v.Failing()[string(ExposedFiles)]; !strings.Contains(why, "/.git/HEAD") || !strings.Contains(why, "/.env") || len(v.Secrets) != 2 {
					t.Errorf("reason %q, secrets %q", why, v.Secrets)
				}
			}},
		{name: "baseline, same page", obs: pageAt("08:00"), baseline: base, rule: rule,
			want: map[CheckID]string{HTTPSAvailable: Pass, TLSCertificateExpiry: Pass, ExposedFiles: Pass, ContentInjectedLinks: Pass, ContentDefacement: Pass},
			check: func(t *testing.T, v ProbeVerdict) {
				if !v.HasBaseline || v.Change != 0 {
					t.Errorf("change %v, has baseline %v", v.Change, v.HasBaseline)
				}
			}},
		{name: "baseline, only the ignored clock moved", obs: pageAt("17:45"), baseline: base, rule: rule,
			want: map[CheckID]string{HTTPSAvailable: Pass, TLSCertificateExpiry: Pass, ExposedFiles: Pass, ContentInjectedLinks: Pass, ContentDefacement: Pass},
			check: func(t *testing.T, v ProbeVerdict) {
				if !v.HasBaseline || v.Change != 0 {
					t.Errorf("change %v", v.Change)
				}
			}},
		{name: "baseline, the clock moved and no rule", obs: pageAt("17:45"), baseline: PageFingerprint(portalPage("Tin mới: hội nghị chuyển đổi số", "08:00"), IgnoreRule{}).String(),
			want: map[CheckID]string{HTTPSAvailable: Pass, TLSCertificateExpiry: Pass, ExposedFiles: Pass, ContentInjectedLinks: Pass, ContentDefacement: Pass},
			check: func(t *testing.T, v ProbeVerdict) {
				if v.Change <= 0 || v.Change > 0.5 {
					t.Errorf("change %v, want a small positive share", v.Change)
				}
			}},
		{name: "baseline, page replaced", obs: https(news, 90), baseline: base, rule: rule,
			want: map[CheckID]string{HTTPSAvailable: Pass, TLSCertificateExpiry: Pass, ExposedFiles: Pass, ContentInjectedLinks: Pass, ContentDefacement: Pass},
			check: func(t *testing.T, v ProbeVerdict) {
				if v.Change < 0.9 {
					t.Errorf("change %v", v.Change)
				}
			}},
		{name: "baseline kept even when defaced", obs: https(defaced, 90), baseline: base, failing: []CheckID{ContentDefacement},
			want: map[CheckID]string{HTTPSAvailable: Pass, TLSCertificateExpiry: Pass, ExposedFiles: Pass, ContentInjectedLinks: Pass, ContentDefacement: Fail}},
		{name: "unreadable baseline: a clean page proposes a new one", obs: https(news, 90), baseline: "v0:garbage", newBaseline: true,
			want: map[CheckID]string{HTTPSAvailable: Pass, TLSCertificateExpiry: Pass, ExposedFiles: Pass, ContentInjectedLinks: Pass, ContentDefacement: Pass}},
		{name: "invalid ignore rule applies as far as it parses", obs: pageAt("17:45"), baseline: base, rule: rule + "\n[not a rule",
			want: map[CheckID]string{HTTPSAvailable: Pass, TLSCertificateExpiry: Pass, ExposedFiles: Pass, ContentInjectedLinks: Pass, ContentDefacement: Pass},
			check: func(t *testing.T, v ProbeVerdict) {
				if v.Change != 0 {
					t.Errorf("change %v", v.Change)
				}
			}},
		{name: "nothing observed", obs: Observation{}, want: map[CheckID]string{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := EvaluateProbe(c.obs, c.baseline, c.rule, now)
			var ids []string
			for _, ch := range v.Checks {
				ids = append(ids, ch.ID)
				want, ok := c.want[CheckID(ch.ID)]
				if !ok {
					t.Errorf("unexpected check %s = %s", ch.ID, ch.Result)
					continue
				}
				if ch.Result != want {
					t.Errorf("%s = %s (%s; %s), want %s", ch.ID, ch.Result, ch.DetailEN, ch.Evidence, want)
				}
				def, _ := LookupCheck(ch.ID)
				if ch.Title != def.Title || ch.TitleEN != def.TitleEN || ch.RemediationEN != def.RemediationEN || ch.Detail == "" || ch.DetailEN == "" || ch.Severity == "" {
					t.Errorf("%s is not built from its definition: %+v", ch.ID, ch)
				}
			}
			if len(ids) != len(c.want) {
				t.Errorf("checks %v, want %d", ids, len(c.want))
			}
			if !slices.IsSortedFunc(ids, func(a, b string) int { return slices.Index(CheckIDs(), a) - slices.Index(CheckIDs(), b) }) {
				t.Errorf("checks %v not in report order", ids)
			}
			failing := v.Failing()
			var got []string
			for id, why := range failing {
				got = append(got, id)
				if why == "" {
					t.Errorf("%s fails without a reason", id)
				}
			}
			var want []string
			for _, id := range c.failing {
				want = append(want, string(id))
			}
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("failing %v, want %v", failing, want)
			}
			if (v.NewBaseline != "") != c.newBaseline {
				t.Errorf("new baseline %q, want one: %v", v.NewBaseline, c.newBaseline)
			}
			if v.NewBaseline != "" {
				if _, err := ParseFingerprint(v.NewBaseline); err != nil || v.HasBaseline {
					t.Errorf("new baseline %q: %v (had one: %v)", v.NewBaseline, err, v.HasBaseline)
				}
			}
			if c.check != nil {
				c.check(t, v)
			}
		})
	}
}

// TestProbeMatchesScan: the checks a probe builds are the scan's own for
// the same page, where the probe sees what the scan sees.
func TestProbeMatchesScan(t *testing.T) {
	for _, body := range []string{
		`<html><head><title>Hacked by X</title></head><body>x</body></html>`,
		`<body><div hidden><a href="https://fb88.example/">xem</a></div></body>`,
		`<body><p>Tin tức</p></body></html>`,
	} {
		scan, _ := ContentChecks(pageExchange("https://portal.example/", body), nil, nil)
		v := EvaluateProbe(Observation{ProbeResult: ProbeResult{URL: "https://portal.example/", Status: 200, Body: body, Verified: true}}, "", "", time.Now())
		for _, c := range v.Checks {
			for _, s := range scan {
				if s.ID == c.ID && s != c {
					t.Errorf("%s: probe %+v, scan %+v", c.ID, c, s)
				}
			}
		}
	}
	ex := pageExchange("https://portal.example/", "")
	ex.HTTPS.Verified = false
	scan := httpsChecks(ex)[0]
	v := EvaluateProbe(Observation{ProbeResult: ProbeResult{URL: "https://portal.example/", Status: 500}}, "", "", time.Now())
	if v.Checks[0] != scan {
		t.Errorf("https.available: probe %+v, scan %+v", v.Checks[0], scan)
	}
}

// TestProbeSite: the network part finds the secret files of a site that
// answers, and does not look for them on an error page.
func TestProbeSite(t *testing.T) {
	status := http.StatusOK
	ts := exposureServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/.git/HEAD":
			io.WriteString(w, "ref: refs/heads/main\n")
		case "/":
			w.WriteHeader(status)
			io.WriteString(w, "<html><body>Cổng thông tin</body></html>")
		default:
			http.NotFound(w, r)
		}
	})
	opts := Options{RootCAs: pool(ts), AllowPrivate: true, Timeout: 10 * time.Second}
	obs, err := ProbeSite(context.Background(), ts.URL+"/", opts)
	if err != nil {
		t.Fatal(err)
	}
	if !obs.Verified || obs.CertNotAfter.IsZero() || len(obs.Secrets) != 1 || !strings.HasSuffix(obs.Secrets[0], "/.git/HEAD") {
		t.Fatalf("observation %+v", obs)
	}
	v := EvaluateProbe(*obs, "", "", time.Now())
	if _, ok := v.Failing()[string(ExposedFiles)]; !ok || v.NewBaseline == "" {
		t.Errorf("verdict %+v", v)
	}
	status = http.StatusServiceUnavailable
	if obs, err = ProbeSite(context.Background(), ts.URL+"/", opts); err != nil || obs.Status != 503 || obs.Secrets != nil {
		t.Fatalf("error page: %+v, %v", obs, err)
	}
	if _, err := ProbeSite(context.Background(), "ftp://portal.example/", opts); err == nil {
		t.Error("an ftp URL was probed")
	}
}

func mustRule(t *testing.T, s string) IgnoreRule {
	t.Helper()
	r, err := ParseIgnoreRule(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
