// Package valid checks user input at Khiên's boundaries (URLs, IDN domain
// names, IP addresses and ranges, e-mail, phone numbers, codes and names)
// and reports, per field, why a value was refused, in Vietnamese and English.
package valid

import (
	"fmt"
	"net/mail"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"

	"github.com/khien-project/khien/internal/platform/store"
)

// FieldError says which field was refused and why, in both languages.
type FieldError struct {
	Field string `json:"field"`
	EN    string `json:"message"`
	VI    string `json:"message_vi"`
}

// Errors collects every refused field of one input. It unwraps to
// store.ErrInvalid.
type Errors []FieldError

// Add records that field was refused.
func (e *Errors) Add(field, en, vi string) { *e = append(*e, FieldError{Field: field, EN: en, VI: vi}) }

// Err returns nil when nothing was refused, else the collection.
func (e Errors) Err() error {
	if len(e) == 0 {
		return nil
	}
	return e
}

// Error lists the refused fields in English.
func (e Errors) Error() string {
	parts := make([]string, len(e))
	for i, f := range e {
		parts[i] = f.Field + ": " + f.EN
	}
	return strings.Join(parts, "; ")
}

// Vietnamese lists the refused fields in Vietnamese.
func (e Errors) Vietnamese() string {
	parts := make([]string, len(e))
	for i, f := range e {
		parts[i] = f.Field + ": " + f.VI
	}
	return strings.Join(parts, "; ")
}

// Unwrap makes errors.Is(err, store.ErrInvalid) true.
func (e Errors) Unwrap() error { return store.ErrInvalid }

// Text checks a free-text field: at most max characters of valid UTF-8 and
// no control characters (other than tab and newline when multiline).
func (e *Errors) Text(field, v string, required bool, max int, multiline bool) {
	if required && strings.TrimSpace(v) == "" {
		e.Add(field, "is required", "bắt buộc phải nhập")
		return
	}
	if !utf8.ValidString(v) {
		e.Add(field, "is not valid UTF-8 text", "không phải văn bản UTF-8 hợp lệ")
		return
	}
	if n := utf8.RuneCountInString(v); n > max {
		e.Add(field, fmt.Sprintf("is too long (%d characters, at most %d)", n, max), fmt.Sprintf("quá dài (%d ký tự, tối đa %d)", n, max))
		return
	}
	for _, r := range v {
		if unicode.IsControl(r) && !(multiline && (r == '\n' || r == '\t' || r == '\r')) {
			e.Add(field, "contains a control character", "chứa ký tự điều khiển")
			return
		}
	}
}

// Code checks a short identifier such as an agency code: 1–32 letters,
// digits, dot, dash or underscore, starting with a letter or digit.
func (e *Errors) Code(field, v string) {
	if v == "" {
		e.Add(field, "is required", "bắt buộc phải nhập")
		return
	}
	if len(v) > 32 {
		e.Add(field, "is too long (at most 32 characters)", "quá dài (tối đa 32 ký tự)")
		return
	}
	for i, r := range v {
		ok := r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r) || (i > 0 && strings.ContainsRune("._-", r)))
		if !ok {
			e.Add(field, "may hold only ASCII letters, digits, '.', '-' and '_' and must start with a letter or digit", "chỉ gồm chữ cái không dấu, chữ số, '.', '-', '_' và phải bắt đầu bằng chữ hoặc số")
			return
		}
	}
}

// Email checks a bare e-mail address (empty allowed unless required).
func (e *Errors) Email(field, v string, required bool) {
	if v == "" {
		if required {
			e.Add(field, "is required", "bắt buộc phải nhập")
		}
		return
	}
	a, err := mail.ParseAddress(v)
	if err != nil || a.Address != v || a.Name != "" || len(v) > 254 {
		e.Add(field, fmt.Sprintf("%q is not an e-mail address such as name@example.gov.vn", v), fmt.Sprintf("%q không phải địa chỉ thư điện tử dạng ten@example.gov.vn", v))
		return
	}
	_, domain, _ := strings.Cut(v, "@")
	if _, err := Domain(domain); err != nil {
		e.Add(field, fmt.Sprintf("%q has an invalid domain part", v), fmt.Sprintf("%q có phần tên miền không hợp lệ", v))
	}
}

// Phone checks a telephone number: digits with optional spaces, dots,
// dashes and parentheses, an optional leading +, 8 to 15 digits in all.
func (e *Errors) Phone(field, v string) {
	if v == "" {
		return
	}
	digits := 0
	for i, r := range v {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '+' && i == 0:
		case strings.ContainsRune(" .-()", r):
		default:
			e.Add(field, fmt.Sprintf("%q is not a phone number (digits, spaces, '.', '-', '(', ')', optional leading '+')", v), fmt.Sprintf("%q không phải số điện thoại (chữ số, dấu cách, '.', '-', '(', ')', có thể bắt đầu bằng '+')", v))
			return
		}
	}
	if digits < 8 || digits > 15 {
		e.Add(field, fmt.Sprintf("%q must have 8 to 15 digits", v), fmt.Sprintf("%q phải có từ 8 đến 15 chữ số", v))
	}
}

var domainProfile = idna.New(idna.MapForLookup(), idna.Transitional(false), idna.StrictDomainName(true), idna.VerifyDNSLength(true), idna.BidiRule())

// Domain checks an (internationalised) domain name, in Unicode or
// punycode form, and returns it lower-cased without a trailing dot; it
// keeps the form it was given. It needs at least two labels and a
// non-numeric top-level label.
func Domain(v string) (string, error) {
	v = strings.ToLower(strings.TrimSuffix(v, "."))
	if v == "" {
		return "", fmt.Errorf("empty domain name")
	}
	ascii, err := domainProfile.ToASCII(v)
	if err != nil {
		return "", fmt.Errorf("not a valid domain name: %v", err)
	}
	labels := strings.Split(ascii, ".")
	if len(labels) < 2 {
		return "", fmt.Errorf("needs at least two labels, such as example.gov.vn")
	}
	tld := labels[len(labels)-1]
	if _, err := strconv.Atoi(tld); err == nil {
		return "", fmt.Errorf("the last label may not be numeric")
	}
	if _, err := domainProfile.ToUnicode(ascii); err != nil {
		return "", fmt.Errorf("not a valid domain name: %v", err)
	}
	return v, nil
}

// intranetName checks a one-label host name (localhost, intranet) with the
// rules of a domain's labels.
func intranetName(v string) (string, error) {
	v = strings.ToLower(strings.TrimSuffix(v, "."))
	if v == "" || strings.Contains(v, ".") {
		return "", fmt.Errorf("not a valid host name")
	}
	if _, err := strconv.Atoi(v); err == nil {
		return "", fmt.Errorf("a host name may not be only digits")
	}
	if _, err := domainProfile.ToASCII(v); err != nil {
		return "", fmt.Errorf("not a valid host name: %v", err)
	}
	return v, nil
}

// DomainField checks v with Domain and records a refusal under field.
func (e *Errors) DomainField(field, v string) string {
	d, err := Domain(v)
	if err != nil {
		e.Add(field, fmt.Sprintf("%q: %v", v, err), fmt.Sprintf("%q không phải tên miền hợp lệ", v))
		return v
	}
	return d
}

// URL checks an absolute http(s) URL with a host (domain or IP literal),
// no user information and at most 2048 bytes. It returns it as given but
// for the scheme and host, in lower case.
func (e *Errors) URL(field, v string) string { return e.url(field, v, false) }

// IntranetURL is URL that also accepts a one-label host name (localhost,
// intranet): for scans allowed to reach private networks.
func (e *Errors) IntranetURL(field, v string) string { return e.url(field, v, true) }

// WithScheme puts https:// before a target typed without a scheme
// (portal.example.gov.vn, localhost:8443/x), as a browser's address bar
// does; the scanner then tries plain HTTP beside it anyway.
func WithScheme(v string) string {
	v = strings.TrimSpace(v)
	if v == "" || strings.Contains(v, "://") {
		return v
	}
	return "https://" + strings.TrimPrefix(v, "//")
}

func (e *Errors) url(field, v string, intranet bool) string {
	bad := func(en, vi string) string {
		e.Add(field, fmt.Sprintf("%q %s", v, en), fmt.Sprintf("%q %s", v, vi))
		return v
	}
	if len(v) > 2048 {
		return bad("is longer than 2048 bytes", "dài quá 2048 byte")
	}
	u, err := url.Parse(v)
	if err != nil || !u.IsAbs() || u.Opaque != "" {
		return bad("is not an absolute URL such as https://example.gov.vn/", "không phải URL đầy đủ dạng https://example.gov.vn/")
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if u.Scheme != "http" && u.Scheme != "https" {
		return bad("must use http or https", "phải dùng http hoặc https")
	}
	if u.User != nil {
		return bad("must not contain a user name or password", "không được chứa tên đăng nhập hay mật khẩu")
	}
	host := u.Hostname()
	if host == "" {
		return bad("has no host", "không có tên máy chủ")
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return bad("has an invalid port", "có cổng không hợp lệ")
		}
	}
	if _, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		return u.String()
	}
	d, err := Domain(host)
	if err != nil && intranet {
		d, err = intranetName(host)
	}
	if err != nil {
		return bad("has an invalid host name: "+err.Error(), "có tên máy chủ không hợp lệ")
	}
	// Keep the URL as given, with the scheme and host in lower case.
	rest := v[len(u.Scheme)+3:]
	hostEnd := strings.IndexAny(rest, "/?#")
	if hostEnd < 0 {
		hostEnd = len(rest)
	}
	port := ""
	if u.Port() != "" {
		port = ":" + u.Port()
	}
	return u.Scheme + "://" + d + port + rest[hostEnd:]
}

// IP checks an IPv4 or IPv6 address and returns its canonical form.
func (e *Errors) IP(field, v string) string {
	a, err := netip.ParseAddr(v)
	if err != nil || a.Zone() != "" {
		e.Add(field, fmt.Sprintf("%q is not an IPv4 or IPv6 address", v), fmt.Sprintf("%q không phải địa chỉ IPv4 hay IPv6", v))
		return v
	}
	return a.String()
}

// CIDR checks an address range such as 203.0.113.0/24 with no host bits set.
func (e *Errors) CIDR(field, v string) string {
	p, err := netip.ParsePrefix(v)
	if err != nil {
		e.Add(field, fmt.Sprintf("%q is not a CIDR range such as 203.0.113.0/24", v), fmt.Sprintf("%q không phải dải địa chỉ CIDR dạng 203.0.113.0/24", v))
		return v
	}
	if m := p.Masked(); m != p {
		e.Add(field, fmt.Sprintf("%q has host bits set; did you mean %s?", v, m), fmt.Sprintf("%q có bit phần máy được đặt; có phải là %s?", v, m))
		return v
	}
	return p.String()
}

// OneOf checks v is one of the allowed values (empty allowed unless required).
func (e *Errors) OneOf(field, v string, required bool, allowed ...string) {
	if v == "" && !required {
		return
	}
	for _, a := range allowed {
		if v == a {
			return
		}
	}
	e.Add(field, fmt.Sprintf("%q is not one of: %s", v, strings.Join(allowed, ", ")), fmt.Sprintf("%q không thuộc các giá trị: %s", v, strings.Join(allowed, ", ")))
}
