package webscan

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
)

// unfetched says why the page could not be fetched over HTTPS although
// the server speaks TLS (its hand-built handshakes succeed where Go's
// client, which offers what current browsers offer, agrees on nothing).
// The checks that read the page or probe the site then give an error
// with that sentence instead of judging an answer that never came.
type unfetched struct {
	vi, en string
	// browsers is true when current browsers cannot connect either: every
	// suite the server chose is one they no longer offer.
	browsers bool
	evidence string
}

// Caps of https.available when the page could not be fetched over TLS.
const (
	capBrowsersRefuse = "HTTPS unusable by current browsers"
	capNotFetched     = "HTTPS page not fetched"
)

// tlsLevelFailure reports whether err (why https:// got no answer) came
// after a TCP connection was made: a failed handshake, not a refused or
// unreachable port, a name that does not resolve, an address the guard
// refuses or a timeout.
func tlsLevelFailure(err error) bool {
	if err == nil || errors.Is(err, ErrForbiddenAddress) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || isTimeout(err) {
		return false
	}
	var op *net.OpError
	var dnsErr *net.DNSError
	var after *afterHandshakeError
	return !(errors.As(err, &op) && op.Op == "dial") && !errors.As(err, &dnsErr) && !errors.As(err, &after)
}

// unfetchedFrom explains, from what the probes found, why Go's client
// could not fetch the page.
func unfetchedFrom(f *TLSFacts) *unfetched {
	var versions, chosen, names []string
	goSuites := allSuites()
	dheOnly, unsupported := true, true
	for _, v := range []string{"SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"} {
		if !f.Versions[v] {
			continue
		}
		versions = append(versions, v)
		name := f.Chosen[v]
		chosen = append(chosen, v+" "+name)
		if !slices.Contains(names, name) {
			names = append(names, name)
		}
		s, known := suiteByName(name)
		if v == "TLSv1.3" || !known || slices.Contains(goSuites, s.id) {
			unsupported = false
		}
		if !known || s.kx != kxDHE {
			dheOnly = false
		}
	}
	u := &unfetched{evidence: "server's choice: " + strings.Join(chosen, ", ")}
	vs, ss := strings.Join(versions, ", "), strings.Join(names, ", ")
	switch {
	case unsupported && dheOnly:
		u.browsers = true
		u.vi = fmt.Sprintf("Máy chủ có HTTPS (%s) nhưng chỉ cho trao đổi khóa DHE (%s), mà Chrome, Edge, Firefox hiện nay và máy quét đều không còn hỗ trợ, nên không tải được trang qua HTTPS", vs, ss)
		u.en = fmt.Sprintf("The server speaks HTTPS (%s) but only with DHE key exchange (%s), which current Chrome, Edge and Firefox and the scanner no longer support, so the page could not be fetched over HTTPS", vs, ss)
	case unsupported:
		u.browsers = true
		u.vi = fmt.Sprintf("Máy chủ có HTTPS (%s) nhưng chỉ với bộ mã (%s) mà trình duyệt hiện nay và máy quét không hỗ trợ, nên không tải được trang qua HTTPS", vs, ss)
		u.en = fmt.Sprintf("The server speaks HTTPS (%s) but only with cipher suites (%s) that current browsers and the scanner do not support, so the page could not be fetched over HTTPS", vs, ss)
	default:
		vi, en := Explain(f.ClientErr)
		u.vi = fmt.Sprintf("Máy chủ có HTTPS (%s) nhưng máy quét không hoàn tất được bắt tay TLS (%s), nên không tải được trang qua HTTPS", vs, strings.TrimSuffix(vi, "."))
		u.en = fmt.Sprintf("The server speaks HTTPS (%s) but the scanner could not complete a TLS handshake (%s), so the page could not be fetched over HTTPS", vs, strings.TrimSuffix(en, "."))
	}
	return u
}

// suiteByName finds a suite by its OpenSSL name.
func suiteByName(name string) (cipherSuite, bool) {
	for _, s := range cipherSuites {
		if s.name == name {
			return s, true
		}
	}
	return cipherSuite{}, false
}

// httpsCheck is https.available for a page that could not be fetched: a
// failure capped at F when no current browser can connect, else an error
// (the page, not the transport, is unknown), capped at F as well since
// nothing on it could be assessed.
func (u *unfetched) httpsCheck(c Check) (Check, []GradeCap) {
	c.Detail, c.DetailEN, c.Evidence = u.vi+".", u.en+".", u.evidence
	if u.browsers {
		c.Result, c.Severity = Fail, "critical"
		c.Remediation = "Bật bộ mã ECDHE với AES-GCM hoặc ChaCha20-Poly1305 (và TLS 1.3) bên cạnh các bộ mã hiện có để trình duyệt hiện nay kết nối được; giữ DHE chỉ khi còn máy khách cũ cần đến, với nhóm DH từ 2048 bit."
		c.RemediationEN = "Enable ECDHE suites with AES-GCM or ChaCha20-Poly1305 (and TLS 1.3) beside the current ones so that current browsers can connect; keep DHE only for old clients that need it, with a DH group of 2048 bits or more."
		return c, []GradeCap{{Grade: "F", Reason: capBrowsersRefuse}}
	}
	c.Result, c.Severity = Error, Info
	return c, []GradeCap{{Grade: "F", Reason: capNotFetched}}
}

// check is the error result of a check that reads the page or probes
// the site, which could not be fetched.
func (u *unfetched) check(c Check) Check {
	c.Result, c.Severity = Error, Info
	c.Remediation, c.RemediationEN = "", ""
	c.Detail, c.DetailEN = "Không đánh giá được: "+u.vi+".", "Not assessed: "+u.en+"."
	return c
}
