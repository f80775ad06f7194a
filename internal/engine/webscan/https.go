package webscan

import (
	"fmt"
	"strings"
)

var httpsAvailableDef = CheckDef{ID: HTTPSAvailable, Severity: "critical", input: fromConnection, run: httpsAvailable,
	Title: "Trang có chạy HTTPS", TitleEN: "HTTPS is available",
	Remediation:   "Cấp chứng thư số hợp lệ (ví dụ của một tổ chức chứng thực được tin cậy) và phục vụ trang qua HTTPS.",
	RemediationEN: "Install a valid certificate from a trusted authority and serve the site over HTTPS.",
	Caps:          []GradeCap{{Grade: "F", Reason: "no HTTPS"}, {Grade: "F", Reason: capBrowsersRefuse}, {Grade: "F", Reason: capNotFetched}}}

func httpsAvailable(def CheckDef, a *assessment) (Check, []GradeCap, bool) {
	if a.unfetched != nil {
		c, caps := a.unfetched.httpsCheck(def.New())
		return c, caps, true
	}
	c, caps := httpsAvailableCheck(def.New(), a.ex.HTTPS)
	return c, caps, true
}

// httpsAvailableCheck says whether the site answers over HTTPS (https is
// its direct HTTPS answer, nil for none) with a trusted certificate. (The
// redirect itself is scored by headers.redirection.)
func httpsAvailableCheck(c Check, https *Response) (Check, []GradeCap) {
	switch {
	case https == nil:
		c.Result, c.Severity = Fail, "critical"
		c.Detail, c.DetailEN = "Trang không trả lời qua HTTPS.", "The site does not answer over HTTPS."
		return c, []GradeCap{{Grade: "F", Reason: "no HTTPS"}}
	case !https.Verified:
		c.Result, c.Severity = Fail, "high"
		c.Detail, c.DetailEN = "Trang trả lời qua HTTPS nhưng chứng thư số không được tin cậy hoặc không khớp tên miền.", "The site answers over HTTPS but its certificate is not trusted or does not match the name."
		c.Evidence = https.URL
	default:
		c.Result, c.Severity = Pass, Info
		c.Detail, c.DetailEN = "Trang trả lời qua HTTPS với chứng thư được tin cậy.", "The site answers over HTTPS with a trusted certificate."
		c.Evidence = https.URL
	}
	return c, nil
}

// httpsChecks say whether the site answers over HTTPS with a trusted
// certificate.
func httpsChecks(ex *Exchange) []Check {
	checks, _ := (&assessment{ex: ex}).runIDs(HTTPSAvailable)
	return checks
}

var httpsRedirectDef = CheckDef{ID: HTTPSRedirect, Severity: "high", input: fromAnswers,
	run: func(def CheckDef, a *assessment) (Check, []GradeCap, bool) {
		return redirectResult(def.New(), a.ex, a.headerResults()), nil, true
	},
	Title: "Chuyển HTTP sang HTTPS", TitleEN: "HTTP redirects to HTTPS",
	Remediation:   "Cho http:// chuyển hướng ngay (301) sang https:// cùng tên miền, rồi mới sang nơi khác nếu cần.",
	RemediationEN: "Make http:// redirect at once (301) to https:// on the same host, and only then elsewhere if needed."}

// redirectCheck says whether plain HTTP sends visitors to HTTPS on the same
// host first (https.redirect), read from the Observatory's redirection
// result; its score stays with headers.redirection.
func redirectCheck(ex *Exchange, results []HeaderResult) Check {
	checks, _ := (&assessment{ex: ex, results: results}).runIDs(HTTPSRedirect)
	return checks[0]
}

func redirectResult(c Check, ex *Exchange, results []HeaderResult) Check {
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
