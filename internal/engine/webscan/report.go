package webscan

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Check results and severities.
const (
	Pass  = "pass"
	Fail  = "fail"
	Warn  = "warn"
	Info  = "info"
	Error = "error"
)

// Check is one finding of an assessment, explained in Vietnamese (the
// default) and English.
type Check struct {
	ID                string `json:"id"`
	Result            string `json:"result"`
	Severity          string `json:"severity"`
	Title             string `json:"title"`
	Detail            string `json:"detail"`
	Evidence          string `json:"evidence"`
	Remediation       string `json:"remediation"`
	TitleEN           string `json:"title_en"`
	DetailEN          string `json:"detail_en"`
	RemediationEN     string `json:"remediation_en"`
	ObservatoryResult string `json:"observatory_result,omitempty"`
	ScoreModifier     *int   `json:"score_modifier,omitempty"`
}

// Report is one assessment of one site.
type Report struct {
	URL        string    `json:"url"`
	Score      int       `json:"score"`
	Grade      string    `json:"grade"`
	StartedAt  time.Time `json:"started_at"`
	DurationMS int64     `json:"duration_ms"`
	Checks     []Check   `json:"checks"`
	// Fingerprint is the page's text fingerprint, to keep as a baseline
	// (not part of the JSON report).
	Fingerprint Fingerprint `json:"-"`
}

// text is a sentence in both languages.
type text struct{ vi, en string }

// headerCheck describes how one Observatory test becomes a Khiên check.
type headerCheck struct {
	id          string
	header      string // the header shown as evidence
	fromHTTPS   bool   // evidence from the direct HTTPS answer
	title       text
	remediation text
}

var headerChecks = map[string]headerCheck{
	TestCSP: {"headers.csp", "Content-Security-Policy", false,
		text{"Chính sách bảo mật nội dung (CSP)", "Content Security Policy (CSP)"},
		text{"Gửi header Content-Security-Policy bắt đầu bằng default-src 'none', chỉ cho phép script và style từ chính trang ('self'), không dùng 'unsafe-inline' hay 'unsafe-eval'; thêm frame-ancestors 'none' và form-action 'self'.",
			"Send a Content-Security-Policy that starts from default-src 'none', allows scripts and styles only from 'self', without 'unsafe-inline' or 'unsafe-eval'; add frame-ancestors 'none' and form-action 'self'."}},
	TestCookies: {"headers.cookies", "Set-Cookie", false,
		text{"Thuộc tính bảo mật của cookie", "Cookie security attributes"},
		text{"Đặt Secure cho mọi cookie, HttpOnly cho cookie phiên đăng nhập và SameSite=Lax hoặc Strict; cookie chống CSRF phải có SameSite.",
			"Mark every cookie Secure, session cookies HttpOnly, and all cookies SameSite=Lax or Strict; anti-CSRF cookies need SameSite."}},
	TestCORS: {"headers.cors", "Access-Control-Allow-Origin", false,
		text{"Chia sẻ tài nguyên khác nguồn (CORS)", "Cross-origin resource sharing (CORS)"},
		text{"Không phản hồi lại Origin tùy ý kèm Access-Control-Allow-Credentials: true; chỉ liệt kê các nguồn tin cậy.",
			"Never reflect an arbitrary Origin together with Access-Control-Allow-Credentials: true; list trusted origins only."}},
	TestRedirection: {"headers.redirection", "Location", false,
		text{"Chuyển hướng HTTP sang HTTPS", "Redirection from HTTP to HTTPS"},
		text{"Cho http:// chuyển hướng ngay (301) sang https:// trên cùng tên miền, trước mọi chuyển hướng khác.",
			"Make http:// redirect at once (301) to https:// on the same host, before any other redirect."}},
	TestReferrer: {"headers.referrer-policy", "Referrer-Policy", false,
		text{"Chính sách Referrer", "Referrer policy"},
		text{"Gửi Referrer-Policy: no-referrer, same-origin hoặc strict-origin-when-cross-origin.",
			"Send Referrer-Policy: no-referrer, same-origin or strict-origin-when-cross-origin."}},
	TestHSTS: {"headers.hsts", "Strict-Transport-Security", true,
		text{"HTTP Strict Transport Security (HSTS)", "HTTP Strict Transport Security (HSTS)"},
		text{"Trên HTTPS, gửi Strict-Transport-Security: max-age=63072000; includeSubDomains (ít nhất 6 tháng), với chứng thư hợp lệ.",
			"Over HTTPS, send Strict-Transport-Security: max-age=63072000; includeSubDomains (at least six months), with a valid certificate."}},
	TestSRI: {"headers.sri", "", false,
		text{"Kiểm tra toàn vẹn tài nguyên (SRI)", "Subresource Integrity (SRI)"},
		text{"Tải mọi script qua HTTPS; script từ trang khác phải có thuộc tính integrity (và crossorigin), hoặc tự lưu trữ trên chính trang.",
			"Load every script over HTTPS; scripts from other sites need an integrity attribute (with crossorigin), or host them yourself."}},
	TestXCTO: {"headers.x-content-type-options", "X-Content-Type-Options", false,
		text{"Chống đoán kiểu nội dung (X-Content-Type-Options)", "X-Content-Type-Options"},
		text{"Gửi X-Content-Type-Options: nosniff.", "Send X-Content-Type-Options: nosniff."}},
	TestXFO: {"headers.x-frame-options", "X-Frame-Options", false,
		text{"Chống nhúng trang (clickjacking)", "Framing protection (clickjacking)"},
		text{"Gửi Content-Security-Policy với frame-ancestors 'none' (hoặc X-Frame-Options: DENY).", "Send a Content-Security-Policy with frame-ancestors 'none' (or X-Frame-Options: DENY)."}},
	TestCOOP: {"headers.coop", "Cross-Origin-Opener-Policy", false,
		text{"Cross-Origin-Opener-Policy (COOP)", "Cross-Origin-Opener-Policy (COOP)"},
		text{"Gửi Cross-Origin-Opener-Policy: same-origin.", "Send Cross-Origin-Opener-Policy: same-origin."}},
	TestCOEP: {"headers.coep", "Cross-Origin-Embedder-Policy", false,
		text{"Cross-Origin-Embedder-Policy (COEP)", "Cross-Origin-Embedder-Policy (COEP)"},
		text{"Khi mọi tài nguyên nhúng đều hỗ trợ, gửi Cross-Origin-Embedder-Policy: require-corp.", "Once every embedded resource allows it, send Cross-Origin-Embedder-Policy: require-corp."}},
	TestCORP: {"headers.corp", "Cross-Origin-Resource-Policy", false,
		text{"Cross-Origin-Resource-Policy (CORP)", "Cross-Origin-Resource-Policy (CORP)"},
		text{"Gửi Cross-Origin-Resource-Policy: same-origin (hoặc same-site).", "Send Cross-Origin-Resource-Policy: same-origin (or same-site)."}},
}

// outcome maps an Observatory result to a check result and severity.
func outcome(r HeaderResult) (string, string) {
	severity := Info
	switch m := r.Modifier; {
	case m <= -40:
		severity = "critical"
	case m <= -20:
		severity = "high"
	case m <= -10:
		severity = "medium"
	case m < 0:
		severity = "low"
	}
	switch {
	case r.Modifier < 0 && !r.Pass && r.Modifier <= -20:
		return Fail, severity
	case r.Modifier < 0:
		return Warn, severity
	case r.Pass:
		return Pass, severity
	}
	return Info, severity
}

// headerEvidence quotes the header lines the check read.
func headerEvidence(ex *Exchange, hc headerCheck) string {
	if hc.header == "" {
		return ""
	}
	r := ex.Final
	if hc.fromHTTPS {
		r = ex.HTTPS
	}
	if hc.id == "headers.cors" {
		r = ex.CORS
	}
	if hc.id == "headers.redirection" {
		urls := make([]string, len(ex.HTTPChain))
		for i, h := range ex.HTTPChain {
			urls[i] = fmt.Sprintf("%s (%d)", h.URL, h.Status)
		}
		return strings.Join(urls, " → ")
	}
	lines := values(r, hc.header)
	if len(lines) == 0 {
		return hc.header + ": (absent)"
	}
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = hc.header + ": " + l
	}
	return strings.Join(out, "\n")
}

// HeaderChecks turns the Observatory results of ex into checks.
func HeaderChecks(ex *Exchange, results []HeaderResult) []Check {
	out := make([]Check, 0, len(results))
	for _, r := range results {
		hc := headerChecks[r.Test]
		res, sev := outcome(r)
		mod := r.Modifier
		out = append(out, Check{
			ID: hc.id, Result: res, Severity: sev,
			Title: hc.title.vi, TitleEN: hc.title.en,
			Detail:   fmt.Sprintf("Kết quả theo thang điểm MDN HTTP Observatory: %s (%+d điểm).", r.Result, mod),
			DetailEN: fmt.Sprintf("MDN HTTP Observatory result: %s (%+d points).", r.Result, mod),
			Evidence: headerEvidence(ex, hc), Remediation: hc.remediation.vi, RemediationEN: hc.remediation.en,
			ObservatoryResult: r.Result, ScoreModifier: &mod,
		})
	}
	return out
}

// AssessExchange assesses what a site answered (offline: from a HAR file):
// the header, cookie, redirect and content checks, scored and graded like
// the Observatory, with content findings capping the grade.
func AssessExchange(ex *Exchange, started time.Time) Report {
	rep, caps := assessPage(ex, nil, nil)
	rep.Grade = applyCaps(rep.Grade, caps)
	rep.StartedAt, rep.DurationMS = started.UTC(), time.Since(started).Milliseconds()
	return rep
}

// assessPage runs the checks that read the answers already fetched;
// crawler, when given, is the page as a search-engine crawler got it.
func assessPage(ex *Exchange, crawler *Response, baseline *Baseline) (Report, []gradeCap) {
	results := ObservatoryHeaders(ex)
	checks := append(HeaderChecks(ex, results), redirectCheck(ex, results))
	checks = append(checks, LeakChecks(ex)...)
	content, caps := ContentChecks(ex, crawler, baseline)
	checks = append(checks, content...)
	score := ObservatoryScore(results)
	url := ex.Final.URL
	if len(ex.HTTPChain) > 0 {
		url = ex.HTTPChain[0].URL
	}
	var rule IgnoreRule
	if baseline != nil {
		rule = baseline.Ignore
	}
	return Report{URL: url, Score: score, Grade: ObservatoryGrade(score), Checks: checks, Fingerprint: PageFingerprint(ex.Final.Body, rule)}, caps
}

// crawlerUserAgent is how the scanner asks for the page search engines see.
const crawlerUserAgent = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"

// Assess scans a live site: it fetches the answers (within opts' limits,
// refusing internal addresses unless allowed) and checks them. It fails
// only when the site could not be reached at all.
func Assess(ctx context.Context, target string, opts Options) (Report, error) {
	started := time.Now()
	opts.defaults()
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	f := newFetcher(opts)
	ex, err := f.fetch(ctx, target)
	if err != nil {
		return Report{}, err
	}
	crawler, err := f.get(ctx, ex.Final.URL, http.Header{"User-Agent": {crawlerUserAgent}})
	if err != nil {
		crawler = nil // cloaking is then not checked; the rest goes on
	}
	rep, caps := assessPage(ex, crawler, opts.Baseline)
	rep.URL, rep.StartedAt = target, started.UTC()
	checks := httpsChecks(ex)
	if ex.HTTPS != nil {
		facts, err := ProbeTLS(ctx, ex.HTTPS.URL, opts)
		if err != nil {
			checks = append(checks, Check{ID: "tls.protocols", Result: Error, Severity: Info, Title: "Phiên bản giao thức TLS", TitleEN: "TLS protocol versions",
				Detail: "Không dò được TLS: " + err.Error(), DetailEN: "TLS could not be probed: " + err.Error()})
		} else {
			tlsChecks, tlsCaps := TLSChecks(facts)
			checks, caps = append(checks, tlsChecks...), append(caps, tlsCaps...)
		}
	} else {
		caps = append(caps, gradeCap{"F", "no HTTPS"})
	}
	probeOpts := opts
	probeOpts.MaxBody = 64 << 10 // enough to recognise a file, not to download it
	probe := newProbeFetcher(probeOpts)
	exposure, exposureCaps := probe.exposureChecks(ctx, ex)
	probe.close()
	checks, caps = append(checks, exposure...), append(caps, exposureCaps...)
	if u, err := url.Parse(target); err == nil {
		checks = append(checks, DNSChecks(ctx, u.Hostname(), opts.DNSServer)...)
	}
	rep.Checks = append(checks, rep.Checks...)
	rep.Grade = applyCaps(rep.Grade, caps)
	rep.DurationMS = time.Since(started).Milliseconds()
	return rep, nil
}

// httpsChecks say whether the site answers over HTTPS with a trusted
// certificate. (The redirect itself is scored by headers.redirection.)
func httpsChecks(ex *Exchange) []Check {
	c := Check{ID: "https.available", Title: "Trang có chạy HTTPS", TitleEN: "HTTPS is available",
		Remediation:   "Cấp chứng thư số hợp lệ (ví dụ của một tổ chức chứng thực được tin cậy) và phục vụ trang qua HTTPS.",
		RemediationEN: "Install a valid certificate from a trusted authority and serve the site over HTTPS."}
	switch {
	case ex.HTTPS == nil:
		c.Result, c.Severity = Fail, "critical"
		c.Detail, c.DetailEN = "Trang không trả lời qua HTTPS.", "The site does not answer over HTTPS."
	case !ex.HTTPS.Verified:
		c.Result, c.Severity = Fail, "high"
		c.Detail, c.DetailEN = "Trang trả lời qua HTTPS nhưng chứng thư số không được tin cậy hoặc không khớp tên miền.", "The site answers over HTTPS but its certificate is not trusted or does not match the name."
		c.Evidence = ex.HTTPS.URL
	default:
		c.Result, c.Severity = Pass, Info
		c.Detail, c.DetailEN = "Trang trả lời qua HTTPS với chứng thư được tin cậy.", "The site answers over HTTPS with a trusted certificate."
		c.Evidence = ex.HTTPS.URL
	}
	return []Check{c}
}

// redirectCheck says whether plain HTTP sends visitors to HTTPS on the same
// host first (https.redirect), read from the Observatory's redirection
// result; its score stays with headers.redirection.
func redirectCheck(ex *Exchange, results []HeaderResult) Check {
	c := Check{ID: "https.redirect", Title: "Chuyển HTTP sang HTTPS", TitleEN: "HTTP redirects to HTTPS",
		Remediation:   "Cho http:// chuyển hướng ngay (301) sang https:// cùng tên miền, rồi mới sang nơi khác nếu cần.",
		RemediationEN: "Make http:// redirect at once (301) to https:// on the same host, and only then elsewhere if needed."}
	var hops []string
	for _, h := range ex.HTTPChain {
		hops = append(hops, fmt.Sprintf("%s (%d)", h.URL, h.Status))
	}
	c.Evidence = strings.Join(hops, " → ")
	result := ""
	for _, r := range results {
		if r.Test == TestRedirection {
			result = r.Result
		}
	}
	switch result {
	case "redirection-to-https", "redirection-all-redirects-preloaded":
		c.Result, c.Severity = Pass, Info
		c.Detail, c.DetailEN = "HTTP chuyển ngay sang HTTPS trên cùng tên miền.", "HTTP redirects at once to HTTPS on the same host."
	case "redirection-invalid-cert":
		c.Result, c.Severity = Pass, Info
		c.Detail, c.DetailEN = "HTTP chuyển sang HTTPS trên cùng tên miền (lỗi chứng thư số được báo ở https.available).", "HTTP redirects to HTTPS on the same host (the certificate problem is reported under https.available)."
	case "redirection-not-needed-no-http":
		c.Result, c.Severity = Pass, Info
		c.Detail, c.DetailEN = "Trang không phục vụ HTTP, chỉ HTTPS.", "The site does not serve plain HTTP, only HTTPS."
	case "redirection-off-host-from-http":
		c.Result, c.Severity = Fail, "medium"
		c.Detail, c.DetailEN = "HTTP chuyển sang tên miền khác trước khi sang HTTPS của chính nó.", "HTTP first redirects to another host instead of HTTPS on the same host."
	case "redirection-not-to-https-on-initial-redirection":
		c.Result, c.Severity = Warn, "low"
		c.Detail, c.DetailEN = "Lần chuyển hướng đầu tiên vẫn ở HTTP; chỉ sau đó mới sang HTTPS.", "The first redirect stays on HTTP; HTTPS comes only later."
	default: // missing, not to https
		c.Result, c.Severity = Fail, "high"
		c.Detail, c.DetailEN = "HTTP không chuyển sang HTTPS: khách truy cập có thể dùng kết nối không mã hóa.", "HTTP does not redirect to HTTPS: visitors may stay on an unencrypted connection."
	}
	return c
}
