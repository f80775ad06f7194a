package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/khien-project/khien/internal/engine/webscan"
)

// TestPrintReport: a failed check reads "not met", not "error"; an
// address target shows no DNS or mail rows; columns line up.
func TestPrintReport(t *testing.T) {
	rep := webscan.Report{URL: "https://203.0.113.7/", Grade: "C", Checks: []webscan.Check{
		{ID: "headers.csp", Result: webscan.Fail, Title: "CSP", TitleEN: "CSP", Remediation: "sửa", RemediationEN: "fix"},
		{ID: "dns.caa", Result: webscan.Info, Title: "CAA", TitleEN: "CAA"},
		{ID: "email.spf", Result: webscan.Info, Title: "SPF", TitleEN: "SPF"},
		{ID: "tls.protocols", Result: webscan.Error, Title: "TLS", TitleEN: "TLS"},
		{ID: "https.available", Result: webscan.Pass, Title: "HTTPS", TitleEN: "HTTPS"},
	}}
	for lang, want := range map[string][]string{
		"vi": {"[KHÔNG ĐẠT] headers.csp", "[LỖI]       tls.protocols", "[ĐẠT]       https.available", "            → sửa"},
		"en": {"[FAIL]  headers.csp", "[ERROR] tls.protocols", "[PASS]  https.available", "        → fix"},
	} {
		var b bytes.Buffer
		printReport(&b, rep, lang)
		out := b.String()
		for _, w := range want {
			if !strings.Contains(out, w) {
				t.Errorf("%s: no %q in\n%s", lang, w, out)
			}
		}
		if strings.Contains(out, "dns.caa") || strings.Contains(out, "email.spf") {
			t.Errorf("%s: DNS/mail rows for an address target:\n%s", lang, out)
		}
	}
	rep.URL = "https://portal.example.gov.vn/"
	var b bytes.Buffer
	printReport(&b, rep, "en")
	if !strings.Contains(b.String(), "dns.caa") {
		t.Errorf("a domain target lost its DNS rows:\n%s", b.String())
	}
}
