package webscan

import (
	"fmt"
	"strings"
)

// The twelve checks scored by the MDN HTTP Observatory tests, one per
// test; each quotes the header it read as evidence.
var (
	headersCSPDef = CheckDef{ID: HeadersCSP, Observatory: TestCSP, Severity: "high", input: fromAnswers,
		run:   observatoryCheck("Content-Security-Policy", fromFinal),
		Title: "Chính sách bảo mật nội dung (CSP)", TitleEN: "Content Security Policy (CSP)",
		Remediation:   "Gửi header Content-Security-Policy bắt đầu bằng default-src 'none', chỉ cho phép script và style từ chính trang ('self'), không dùng 'unsafe-inline' hay 'unsafe-eval'; thêm frame-ancestors 'none' và form-action 'self'.",
		RemediationEN: "Send a Content-Security-Policy that starts from default-src 'none', allows scripts and styles only from 'self', without 'unsafe-inline' or 'unsafe-eval'; add frame-ancestors 'none' and form-action 'self'."}
	headersCookiesDef = CheckDef{ID: HeadersCookies, Observatory: TestCookies, Severity: "critical", input: fromAnswers,
		run:   observatoryCheck("Set-Cookie", fromFinal),
		Title: "Thuộc tính bảo mật của cookie", TitleEN: "Cookie security attributes",
		Remediation:   "Đặt Secure cho mọi cookie, HttpOnly cho cookie phiên đăng nhập và SameSite=Lax hoặc Strict; cookie chống CSRF phải có SameSite.",
		RemediationEN: "Mark every cookie Secure, session cookies HttpOnly, and all cookies SameSite=Lax or Strict; anti-CSRF cookies need SameSite."}
	headersCORSDef = CheckDef{ID: HeadersCORS, Observatory: TestCORS, Severity: "critical", input: fromAnswers,
		run:   observatoryCheck("Access-Control-Allow-Origin", fromCORS),
		Title: "Chia sẻ tài nguyên khác nguồn (CORS)", TitleEN: "Cross-origin resource sharing (CORS)",
		Remediation:   "Không phản hồi lại Origin tùy ý kèm Access-Control-Allow-Credentials: true; chỉ liệt kê các nguồn tin cậy.",
		RemediationEN: "Never reflect an arbitrary Origin together with Access-Control-Allow-Credentials: true; list trusted origins only."}
	headersRedirectionDef = CheckDef{ID: HeadersRedirection, Observatory: TestRedirection, Severity: "high", input: fromAnswers,
		run:   observatoryCheck("Location", fromChain),
		Title: "Chuyển hướng HTTP sang HTTPS", TitleEN: "Redirection from HTTP to HTTPS",
		Remediation:   "Cho http:// chuyển hướng ngay (301) sang https:// trên cùng tên miền, trước mọi chuyển hướng khác.",
		RemediationEN: "Make http:// redirect at once (301) to https:// on the same host, before any other redirect."}
	headersReferrerPolicyDef = CheckDef{ID: HeadersReferrerPolicy, Observatory: TestReferrer, Severity: "low", input: fromAnswers,
		run:   observatoryCheck("Referrer-Policy", fromFinal),
		Title: "Chính sách Referrer", TitleEN: "Referrer policy",
		Remediation:   "Gửi Referrer-Policy: no-referrer, same-origin hoặc strict-origin-when-cross-origin.",
		RemediationEN: "Send Referrer-Policy: no-referrer, same-origin or strict-origin-when-cross-origin."}
	headersHSTSDef = CheckDef{ID: HeadersHSTS, Observatory: TestHSTS, Severity: "high", input: fromAnswers,
		run:   observatoryCheck("Strict-Transport-Security", fromHTTPS),
		Title: "HTTP Strict Transport Security (HSTS)", TitleEN: "HTTP Strict Transport Security (HSTS)",
		Remediation:   "Trên HTTPS, gửi Strict-Transport-Security: max-age=63072000; includeSubDomains (ít nhất 6 tháng), với chứng thư hợp lệ.",
		RemediationEN: "Over HTTPS, send Strict-Transport-Security: max-age=63072000; includeSubDomains (at least six months), with a valid certificate."}
	headersSRIDef = CheckDef{ID: HeadersSRI, Observatory: TestSRI, Severity: "critical", input: fromAnswers,
		run:   observatoryCheck("", fromFinal),
		Title: "Kiểm tra toàn vẹn tài nguyên (SRI)", TitleEN: "Subresource Integrity (SRI)",
		Remediation:   "Tải mọi script qua HTTPS; script từ trang khác phải có thuộc tính integrity (và crossorigin), hoặc tự lưu trữ trên chính trang.",
		RemediationEN: "Load every script over HTTPS; scripts from other sites need an integrity attribute (with crossorigin), or host them yourself."}
	headersXContentTypeDef = CheckDef{ID: HeadersXContentType, Observatory: TestXCTO, Severity: "low", input: fromAnswers,
		run:   observatoryCheck("X-Content-Type-Options", fromFinal),
		Title: "Chống đoán kiểu nội dung (X-Content-Type-Options)", TitleEN: "X-Content-Type-Options",
		Remediation: "Gửi X-Content-Type-Options: nosniff.", RemediationEN: "Send X-Content-Type-Options: nosniff."}
	headersXFrameOptionsDef = CheckDef{ID: HeadersXFrameOptions, Observatory: TestXFO, Severity: "high", input: fromAnswers,
		run:   observatoryCheck("X-Frame-Options", fromFinal),
		Title: "Chống nhúng trang (clickjacking)", TitleEN: "Framing protection (clickjacking)",
		Remediation: "Gửi Content-Security-Policy với frame-ancestors 'none' (hoặc X-Frame-Options: DENY).", RemediationEN: "Send a Content-Security-Policy with frame-ancestors 'none' (or X-Frame-Options: DENY)."}
	headersCOOPDef = CheckDef{ID: HeadersCOOP, Observatory: TestCOOP, Severity: "low", input: fromAnswers,
		run:   observatoryCheck("Cross-Origin-Opener-Policy", fromFinal),
		Title: "Cross-Origin-Opener-Policy (COOP)", TitleEN: "Cross-Origin-Opener-Policy (COOP)",
		Remediation: "Gửi Cross-Origin-Opener-Policy: same-origin.", RemediationEN: "Send Cross-Origin-Opener-Policy: same-origin."}
	headersCOEPDef = CheckDef{ID: HeadersCOEP, Observatory: TestCOEP, Severity: "low", input: fromAnswers,
		run:   observatoryCheck("Cross-Origin-Embedder-Policy", fromFinal),
		Title: "Cross-Origin-Embedder-Policy (COEP)", TitleEN: "Cross-Origin-Embedder-Policy (COEP)",
		Remediation: "Khi mọi tài nguyên nhúng đều hỗ trợ, gửi Cross-Origin-Embedder-Policy: require-corp.", RemediationEN: "Once every embedded resource allows it, send Cross-Origin-Embedder-Policy: require-corp."}
	headersCORPDef = CheckDef{ID: HeadersCORP, Observatory: TestCORP, Severity: "low", input: fromAnswers,
		run:   observatoryCheck("Cross-Origin-Resource-Policy", fromFinal),
		Title: "Cross-Origin-Resource-Policy (CORP)", TitleEN: "Cross-Origin-Resource-Policy (CORP)",
		Remediation: "Gửi Cross-Origin-Resource-Policy: same-origin (hoặc same-site).", RemediationEN: "Send Cross-Origin-Resource-Policy: same-origin (or same-site)."}
)

// answer says which answer of an Exchange a header check quotes.
type answer int

const (
	fromFinal answer = iota // the final page
	fromHTTPS               // the direct HTTPS answer
	fromCORS                // the answer to the cross-origin request
	fromChain               // the http:// redirect chain, not a header
)

// observatoryCheck is the run function of the check scored by the
// Observatory test def.Observatory; header is the header quoted as
// evidence ("" for none).
func observatoryCheck(header string, from answer) checkFunc {
	return func(def CheckDef, a *assessment) (Check, []GradeCap, bool) {
		for _, r := range a.headerResults() {
			if r.Test == def.Observatory {
				return headerCheck(def.New(), a.ex, r, header, from), nil, true
			}
		}
		return Check{}, nil, false
	}
}

// headerCheck turns an Observatory result into a check.
func headerCheck(c Check, ex *Exchange, r HeaderResult, header string, from answer) Check {
	mod := r.Modifier
	c.Result, c.Severity = outcome(r)
	c.Detail = fmt.Sprintf("Kết quả theo thang điểm MDN HTTP Observatory: %s (%+d điểm).", r.Result, mod)
	c.DetailEN = fmt.Sprintf("MDN HTTP Observatory result: %s (%+d points).", r.Result, mod)
	c.Evidence = headerEvidence(ex, header, from)
	c.ObservatoryResult, c.ScoreModifier = r.Result, &mod
	return c
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
func headerEvidence(ex *Exchange, header string, from answer) string {
	if header == "" {
		return ""
	}
	r := ex.Final
	switch from {
	case fromHTTPS:
		r = ex.HTTPS
	case fromCORS:
		r = ex.CORS
	case fromChain:
		urls := make([]string, len(ex.HTTPChain))
		for i, h := range ex.HTTPChain {
			urls[i] = fmt.Sprintf("%s (%d)", h.URL, h.Status)
		}
		return strings.Join(urls, " → ")
	}
	lines := values(r, header)
	if len(lines) == 0 {
		return header + ": (absent)"
	}
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = header + ": " + l
	}
	return strings.Join(out, "\n")
}

// HeaderChecks turns the Observatory results of ex into checks.
func HeaderChecks(ex *Exchange, results []HeaderResult) []Check {
	a := &assessment{ex: ex, results: results}
	out := make([]Check, 0, len(results))
	for _, r := range results {
		for _, d := range registry {
			if d.Observatory == r.Test {
				c, _, _ := d.run(d, a)
				out = append(out, c)
			}
		}
	}
	return out
}
