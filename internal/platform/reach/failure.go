package reach

import (
	"crypto/tls"
	"errors"
	"net"
	"regexp"
	"strings"

	"github.com/khien-project/khien/internal/engine/webscan"
)

// Failure is why a site could not be reached: VI and EN are the sentence
// people read, Detail the technical text for an analyst's details, with
// internal addresses (the resolver's, the local socket's, a proxy's)
// removed. The raw error belongs in the log.
type Failure struct {
	Detail string
	VI, EN string
}

// Explain tells why a scan could not reach a site.
func Explain(err error) Failure {
	if err == nil {
		return Failure{}
	}
	vi, en := webscan.Explain(err)
	return Failure{Detail: Redact(err), VI: vi, EN: en}
}

// ExplainProbe tells why a monitoring probe could not fetch a page. A
// probe uses Go's TLS client, which offers what current browsers offer:
// when the server answered but no TLS handshake could be agreed, the
// sentence says that browsers likely fail too and that the full
// assessment (whose hand-built handshakes see every version and suite)
// tells what the server supports.
func ExplainProbe(err error) Failure {
	f := Explain(err)
	if err == nil || !handshakeRefused(err) {
		return f
	}
	host := hostOf(err)
	f.VI = "Máy chủ " + host + " nhận kết nối nhưng không thỏa thuận được TLS với máy giám sát, vốn dùng các phiên bản và bộ mã như trình duyệt hiện nay: trình duyệt của người dân nhiều khả năng cũng không mở được trang. Lần đánh giá đầy đủ cho biết máy chủ hỗ trợ những gì."
	f.EN = "The server " + host + " accepts connections but agreed on no TLS handshake with the monitor, which offers what current browsers offer: visitors' browsers most likely cannot open the site either. The full assessment tells what the server supports."
	return f
}

// handshakeRefused reports whether err is the server refusing every
// version or suite offered (a TLS alert during the handshake), not a
// certificate problem, a plain-HTTP port or a network failure.
func handshakeRefused(err error) bool {
	var alert tls.AlertError
	if errors.As(err, &alert) {
		return true
	}
	s := err.Error()
	for _, m := range []string{"handshake failure", "protocol version not supported", "no cipher suite supported", "insufficient security", "unsupported versions"} {
		if strings.Contains(s, m) {
			return true
		}
	}
	return false
}

// hostOf is the host an error was about ("" when it names none).
func hostOf(err error) string {
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) && dnsErr.Name != "" {
		return dnsErr.Name
	}
	s := err.Error()
	if m := urlInError.FindStringSubmatch(s); m != nil {
		return m[1]
	}
	return ""
}

var (
	urlInError = regexp.MustCompile(`"https?://([^/:"\]]+|\[[^\]]+\])`)
	// A socket's local side ("udp 10.0.0.5:41234->"), any address on
	// the DNS port, and a proxy's address.
	localSide  = regexp.MustCompile(`(?:\d{1,3}(?:\.\d{1,3}){3}|\[[0-9A-Fa-f:.%a-z]+\]):\d+->`)
	dnsAddress = regexp.MustCompile(`(?:\d{1,3}(?:\.\d{1,3}){3}|\[[0-9A-Fa-f:.%a-z]+\]):53\b`)
	proxyDial  = regexp.MustCompile(`(proxyconnect \w+: dial \w+ )\S+`)
)

// Redact is err's text without internal addresses: a DNS error's
// resolver (" on 10.0.0.1:53"), a socket's local side, any address on the
// DNS port and a proxy's address.
func Redact(err error) string {
	if err == nil {
		return ""
	}
	s := err.Error()
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) && dnsErr.Server != "" {
		s = strings.ReplaceAll(s, " on "+dnsErr.Server, "")
	}
	s = localSide.ReplaceAllString(s, "")
	s = dnsAddress.ReplaceAllString(s, "DNS server")
	s = proxyDial.ReplaceAllString(s, "${1}(proxy)")
	return s
}
