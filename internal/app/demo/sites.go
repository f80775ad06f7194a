package demo

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/khien-project/khien/internal/engine/webscan"
)

// profile is one way a demo portal answers, assessed by the real engine
// (offline, as for a HAR file) so that the demo shows real reports.
type profile struct {
	headers map[string]string
	page    string
}

const demoPage = `<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Cổng thông tin điện tử</title></head><body><h1>%s</h1>
<p>Thông tin chỉ đạo, điều hành; thủ tục hành chính; dịch vụ công trực tuyến.</p>%s</body></html>`

var profiles = []profile{
	{headers: map[string]string{ // well configured: A+
		"Content-Security-Policy":   "default-src 'none'; img-src 'self'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
		"Strict-Transport-Security": "max-age=63072000; includeSubDomains", "X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
		"Referrer-Policy": "no-referrer", "Cross-Origin-Opener-Policy": "same-origin"}},
	{headers: map[string]string{ // typical CMS: no CSP, version leaked
		"Strict-Transport-Security": "max-age=31536000", "X-Frame-Options": "SAMEORIGIN", "X-Powered-By": "PHP/7.4.33", "Server": "Apache/2.4.41 (Ubuntu)"}},
	{headers: map[string]string{"Server": "Microsoft-IIS/8.5", "X-AspNet-Version": "4.0.30319"}}, // nothing set
	{headers: map[string]string{ // hardened, but compromised: hidden gambling links
		"Content-Security-Policy": "default-src 'self'; frame-ancestors 'self'", "Strict-Transport-Security": "max-age=63072000",
		"X-Content-Type-Options": "nosniff", "Referrer-Policy": "strict-origin-when-cross-origin"},
		page: `<div style="position:absolute;left:-9999px"><a href="https://nhacai-uytin.example/">nhà cái uy tín</a> <a href="https://soikeo.example/">soi kèo bóng đá</a></div>`},
}

// demoReport assesses a demo portal answering with profile p.
func demoReport(url, agency string, p profile) webscan.Report {
	h := http.Header{"Content-Type": {"text/html; charset=utf-8"}}
	for k, v := range p.headers {
		h.Set(k, v)
	}
	body := fmt.Sprintf(demoPage, agency, p.page)
	final := &webscan.Response{URL: url, Status: 200, Header: h, Body: body, Verified: true}
	httpURL := "http://" + strings.TrimPrefix(url, "https://")
	redirect := &webscan.Response{URL: httpURL, Status: 301, Header: http.Header{"Location": {url}}}
	ex := &webscan.Exchange{Final: final, HTTPS: final, HTTP: redirect, CORS: final, CORSOrigin: webscan.CORSProbeOrigin,
		HTTPChain: []webscan.Hop{{URL: httpURL, Status: 301}, {URL: url, Status: 200}}}
	rep := webscan.AssessExchange(ex, time.Now())
	rep.URL = url
	return rep
}
