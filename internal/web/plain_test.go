package web

import (
	"strings"
	"testing"

	"github.com/khien-project/khien/internal/platform/valid"
)

// TestExplainText: stored technical errors become sentences in the
// reader's language, and the analysts' raw text never names the resolver
// or a UDP exchange's addresses.
func TestExplainText(t *testing.T) {
	for _, c := range []struct {
		raw, vi, en, notRaw string
	}{
		{"the site answered neither over HTTPS (Get \"https://x.example/\": dial tcp: lookup x.example on 10.0.0.2:53: no such host) nor over HTTP (same)",
			"Tên miền x.example không tồn tại", "The domain name x.example does not exist", "10.0.0.2"},
		{"Get \"https://y.example/\": dial tcp: lookup y.example: read udp 10.1.2.3:40000->10.0.0.2:53: i/o timeout",
			"không trả lời kịp thời", "did not answer in time", "10.0.0.2"},
		{"dial tcp 203.0.113.5:443: connect: connection refused", "từ chối kết nối", "refused the connection", ""},
		{"tls: failed to verify certificate: x509: certificate has expired", "Chứng thư số", "certificate is invalid", ""},
		{"something odd happened", "Không kết nối được", "could not be reached", ""},
	} {
		vi, en := explainText("vi", c.raw), explainText("en", c.raw)
		if !strings.Contains(vi.Text, c.vi) || !strings.Contains(en.Text, c.en) {
			t.Errorf("%q: vi %q, en %q", c.raw, vi.Text, en.Text)
		}
		if c.notRaw != "" && (strings.Contains(vi.Raw, c.notRaw) || strings.Contains(vi.Text, c.notRaw)) {
			t.Errorf("%q: the resolver's address is shown: %q", c.raw, vi.Raw)
		}
		if vi.Raw == "" || vi.Fold == "" {
			t.Errorf("%q: no fold for analysts", c.raw)
		}
	}
	// Words already in the reader's language are kept as they are.
	if got := explainText("vi", "Không phân giải được tên miền a.example"); got.Text != "Không phân giải được tên miền a.example" || got.Raw != "" {
		t.Errorf("Vietnamese kept: %+v", got)
	}
	if got := explainText("vi", ""); got.Text != "" {
		t.Errorf("empty: %+v", got)
	}
}

// TestFieldMessages: refused fields are named by the labels on the form,
// list items by their line, and IDNA's refusal is a sentence.
func TestFieldMessages(t *testing.T) {
	for _, c := range []struct {
		fe     valid.FieldError
		vi, en string
	}{
		{valid.FieldError{Field: "name", EN: "is required", VI: "bắt buộc phải nhập"}, "Tên: bắt buộc phải nhập", "Name: is required"},
		{valid.FieldError{Field: "urls[0]", EN: "must use http or https", VI: "phải dùng http hoặc https"}, "Địa chỉ web, dòng 1: phải dùng", "URLs, line 1: must use"},
		{valid.FieldError{Field: "agency_code", EN: "is unknown", VI: "không tồn tại"}, "Mã cơ quan, đơn vị: không tồn tại", "Agency code: is unknown"},
		{valid.FieldError{Field: "domains[2]", EN: "idna: disallowed rune U+0021", VI: "idna: disallowed rune U+0021"}, "Tên miền, dòng 3: tên miền không được chứa ký tự “!”", "Domain names, line 3: a domain name may not contain “!”"},
		{valid.FieldError{Field: "starts_at", EN: "needs a date and a time", VI: "cần nhập ngày và giờ"}, "Từ: cần nhập", "From: needs"},
	} {
		if vi := fieldMessage("vi", c.fe); !strings.HasPrefix(vi, c.vi) {
			t.Errorf("%s in Vietnamese: %q", c.fe.Field, vi)
		}
		if en := fieldMessage("en", c.fe); !strings.HasPrefix(en, c.en) {
			t.Errorf("%s in English: %q", c.fe.Field, en)
		}
	}
	// Ordinary messages pass through untouched.
	if got := explainValidation("vi", "quá dài (300 ký tự, tối đa 200)"); got != "quá dài (300 ký tự, tối đa 200)" {
		t.Errorf("ordinary message changed: %q", got)
	}
}

// TestPlainResults: the Vietnamese reasons of the label policy name check
// results in Vietnamese.
func TestPlainResults(t *testing.T) {
	got := plainResults("kiểm tra tls.certificate phải đạt (kết quả: not run); kiểm tra dns.caa phải đạt (kết quả: fail)")
	if strings.Contains(got, "not run") || strings.Contains(got, ": fail") || !strings.Contains(got, "chưa chạy") || !strings.Contains(got, "không đạt") {
		t.Errorf("mixed languages: %q", got)
	}
}
