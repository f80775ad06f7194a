package webscan

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strings"
	"syscall"
)

// Explain turns an error met while reaching a site into one sentence a
// person can act on, in Vietnamese and English. It names the host and
// port the scan was aimed at, never the resolver's or a proxy's address,
// and never Go's wrapped error chain; the raw error belongs in logs.
func Explain(err error) (vi, en string) {
	if err == nil {
		return "", ""
	}
	var un *UnreachableError
	if errors.As(err, &un) {
		return un.Message("vi"), un.Message("en")
	}
	host, port := target(err)
	at := host
	if port != "" {
		at = net.JoinHostPort(host, port)
	}
	var (
		dnsErr  *net.DNSError
		hostErr x509.HostnameError
		unknown x509.UnknownAuthorityError
		invalid x509.CertificateInvalidError
		record  tls.RecordHeaderError
		alert   tls.AlertError
	)
	switch {
	case errors.Is(err, ErrForbiddenAddress):
		return fmt.Sprintf("%s trỏ tới một địa chỉ nội bộ hoặc dành riêng mà máy quét không được phép truy cập", orSite(host, "Trang")),
			fmt.Sprintf("%s points to a private or reserved address the scanner may not reach", orSite(host, "The site"))
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		name := dnsErr.Name
		if name == "" {
			name = host
		}
		return fmt.Sprintf("Không phân giải được tên miền %s", name), fmt.Sprintf("The domain name %s does not resolve", name)
	case errors.As(err, &dnsErr):
		name := dnsErr.Name
		if name == "" {
			name = host
		}
		return fmt.Sprintf("Máy chủ DNS không trả lời được cho tên miền %s", name), fmt.Sprintf("DNS gave no answer for the domain name %s", name)
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Sprintf("%s từ chối kết nối (không có dịch vụ nào lắng nghe)", orSite(at, "Máy chủ")), fmt.Sprintf("%s refused the connection (nothing listens there)", orSite(at, "The server"))
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return fmt.Sprintf("Không có đường mạng tới %s", orSite(at, "máy chủ")), fmt.Sprintf("There is no network route to %s", orSite(at, "the server"))
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Sprintf("%s đóng kết nối giữa chừng", orSite(at, "Máy chủ")), fmt.Sprintf("%s closed the connection before answering", orSite(at, "The server"))
	case errors.As(err, &record), strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		return fmt.Sprintf("%s không trả lời bằng TLS (có thể cổng này chỉ dùng HTTP)", orSite(at, "Máy chủ")), fmt.Sprintf("%s does not answer with TLS (the port may serve plain HTTP only)", orSite(at, "The server"))
	case errors.As(err, &alert), strings.Contains(err.Error(), "handshake failure"), strings.Contains(err.Error(), "protocol version not supported"), strings.Contains(err.Error(), "no cipher suite supported"):
		return fmt.Sprintf("Không thỏa thuận được TLS với %s (máy chủ không hỗ trợ phiên bản hay bộ mã nào mà máy quét dùng)", orSite(at, "máy chủ")),
			fmt.Sprintf("No TLS handshake could be agreed with %s (it supports no version or cipher the client offered)", orSite(at, "the server"))
	case errors.As(err, &hostErr):
		return "Chứng chỉ không cấp cho tên miền này", "The certificate is not issued for this domain name"
	case errors.As(err, &unknown):
		return "Chứng chỉ không do một tổ chức cấp chứng chỉ tin cậy cấp", "The certificate is not issued by a trusted certificate authority"
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		return "Chứng chỉ đã hết hạn hoặc chưa có hiệu lực", "The certificate has expired or is not yet valid"
	case errors.As(err, &invalid):
		return "Chứng chỉ không hợp lệ", "The certificate is not valid"
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded), isTimeout(err):
		return fmt.Sprintf("%s không trả lời trong thời hạn", orSite(at, "Máy chủ")), fmt.Sprintf("%s did not answer in time", orSite(at, "The server"))
	case errors.Is(err, context.Canceled):
		return "Lần đánh giá đã bị dừng", "The assessment was stopped"
	case strings.Contains(err.Error(), "stopped after") && strings.Contains(err.Error(), "redirects"):
		return "Trang chuyển hướng quá nhiều lần", "The site redirects too many times"
	case strings.Contains(err.Error(), "malformed HTTP"):
		return fmt.Sprintf("%s trả lời không đúng giao thức HTTP", orSite(at, "Máy chủ")), fmt.Sprintf("%s answered with something that is not valid HTTP", orSite(at, "The server"))
	}
	return fmt.Sprintf("Không kết nối được tới %s", orSite(at, "máy chủ")), fmt.Sprintf("Could not connect to %s", orSite(at, "the server"))
}

// orSite is s, or def when s is empty.
func orSite(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

// target is the host and port an error was about, from the URL of an
// HTTP client error, else from the dial's address; a resolver's address
// (a DNS error's Server) is never used.
func target(err error) (host, port string) {
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil {
			host, port = u.Hostname(), u.Port()
			if port == "" {
				port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
			}
			return host, port
		}
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return dnsErr.Name, ""
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Addr != nil {
		if h, p, serr := net.SplitHostPort(op.Addr.String()); serr == nil {
			return h, p
		}
	}
	return "", ""
}

// UnreachableError is a scan that got no answer over either scheme. Its
// Error is the English sentence; Message gives either language.
type UnreachableError struct {
	HTTP, HTTPS error
}

func (e *UnreachableError) Error() string { return e.Message("en") }

// Unwrap lets errors.Is find what stopped each scheme (an address refused
// by the guard, a timeout).
func (e *UnreachableError) Unwrap() []error { return []error{e.HTTPS, e.HTTP} }

// Message says why the site gave no answer, in lang ("vi" or "en").
func (e *UnreachableError) Message(lang string) string {
	pick := func(err error) string {
		vi, en := Explain(err)
		if lang == "en" {
			return en
		}
		return vi
	}
	if errors.Is(e.HTTPS, ErrForbiddenAddress) || errors.Is(e.HTTP, ErrForbiddenAddress) {
		err := e.HTTPS
		if !errors.Is(err, ErrForbiddenAddress) {
			err = e.HTTP
		}
		if lang == "en" {
			return pick(err) + " (internal sites need --allow-private)"
		}
		return pick(err) + " (trang nội bộ cần tùy chọn --allow-private)"
	}
	https, http := pick(e.HTTPS), pick(e.HTTP)
	if lang == "en" {
		if https == http {
			return "The site did not answer: " + https
		}
		return fmt.Sprintf("The site answered neither over HTTPS (%s) nor over HTTP (%s)", https, http)
	}
	if https == http {
		return "Trang không trả lời: " + https
	}
	return fmt.Sprintf("Trang không trả lời qua HTTPS (%s) lẫn HTTP (%s)", https, http)
}
