package reach

import (
	"crypto/tls"
	"errors"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestOffline: a name under .example, .invalid or .test is not checked
// live unless the hosts file lists it; ordinary names, IP addresses and
// a nil Names always are.
func TestOffline(t *testing.T) {
	hosts := filepath.Join(t.TempDir(), "hosts")
	if err := os.WriteFile(hosts, []byte("127.0.0.1 localhost\n10.0.0.8 lab.portal.test # a lab\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	n := NewNames(hosts)
	for host, offline := range map[string]bool{
		"vpubnd.songlam.example": true, "SONGLAM.EXAMPLE.": true, "x.invalid": true, "portal.test": true, "example": true,
		"lab.portal.test": false, "songlam.gov.vn": false, "example.com": false, "test.gov.vn": false, "exampletest.vn": false,
		"203.0.113.5": false, "::1": false, "localhost": false,
	} {
		r, got := n.Offline(host)
		if got != offline {
			t.Errorf("Offline(%q) = %v, want %v", host, got, offline)
		}
		if got && (!strings.Contains(r.VI, "không tồn tại") || !strings.Contains(r.EN, "does not exist")) {
			t.Errorf("reason for %q: %+v", host, r)
		}
	}
	// A name added to the hosts file later is checked live from then on.
	if err := os.WriteFile(hosts, []byte("10.0.0.9 new.songlam.example\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, off := n.Offline("new.songlam.example"); off {
		t.Error("a name listed in the hosts file is still offline")
	}
	var none *Names
	if _, off := none.Offline("a.example"); off {
		t.Error("a nil Names skipped a host")
	}
}

// TestExplainRemovesInternalAddresses: the stored detail never names the
// resolver, the local socket or a proxy; the sentences are in both
// languages and name the site's host.
func TestExplainRemovesInternalAddresses(t *testing.T) {
	nx := &url.Error{Op: "Get", URL: "https://cong.songlam.example/", Err: &net.OpError{Op: "dial", Net: "tcp",
		Err: &net.DNSError{Err: "no such host", Name: "cong.songlam.example", Server: "10.9.8.7:53", IsNotFound: true}}}
	timeout := &url.Error{Op: "Get", URL: "https://cong.gov.vn/", Err: &net.OpError{Op: "dial", Net: "tcp",
		Err: &net.DNSError{Err: "read udp 10.0.0.5:41234->[fd00::1]:53: i/o timeout", Name: "cong.gov.vn", Server: "[fd00::1]:53", IsTimeout: true}}}
	proxy := &url.Error{Op: "Get", URL: "https://cong.gov.vn/", Err: &net.OpError{Op: "proxyconnect", Net: "tcp",
		Err: &net.OpError{Op: "dial", Net: "tcp", Addr: &net.TCPAddr{IP: net.IPv4(10, 1, 1, 1), Port: 3128}, Err: syscall.ECONNREFUSED}}}
	for _, tc := range []struct {
		err     error
		vi, en  string
		private []string
	}{
		{nx, "Không phân giải được tên miền cong.songlam.example", "The domain name cong.songlam.example does not resolve", []string{"10.9.8.7"}},
		{timeout, "cong.gov.vn", "cong.gov.vn", []string{"10.0.0.5", "fd00::1", "41234"}},
		{proxy, "cong.gov.vn", "cong.gov.vn", []string{"10.1.1.1", "3128"}},
	} {
		f := Explain(tc.err)
		if !strings.Contains(f.VI, tc.vi) || !strings.Contains(f.EN, tc.en) {
			t.Errorf("%v: sentences %q / %q", tc.err, f.VI, f.EN)
		}
		for _, p := range tc.private {
			for _, s := range []string{f.Detail, f.VI, f.EN} {
				if strings.Contains(s, p) {
					t.Errorf("%q shows the internal %q", s, p)
				}
			}
		}
		if f.Detail == "" {
			t.Errorf("%v: no detail", tc.err)
		}
	}
	if f := Explain(nil); f != (Failure{}) {
		t.Errorf("nil error: %+v", f)
	}
}

// TestExplainProbeSaysWhenTLSIsRefused: a server that refuses every suite
// Go's client (and current browsers) offer is told apart from a site that
// is down; a refused connection keeps its own sentence.
func TestExplainProbeSaysWhenTLSIsRefused(t *testing.T) {
	dhe := &url.Error{Op: "Get", URL: "https://legacy.gov.vn/", Err: tls.AlertError(40)}
	f := ExplainProbe(dhe)
	if !strings.Contains(f.EN, "legacy.gov.vn") || !strings.Contains(f.EN, "browsers") || !strings.Contains(f.VI, "trình duyệt") {
		t.Errorf("TLS refused: %+v", f)
	}
	refused := &url.Error{Op: "Get", URL: "https://down.gov.vn/", Err: &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connect: connection refused")}}
	if f := ExplainProbe(refused); strings.Contains(f.EN, "browsers") {
		t.Errorf("a refused connection told as a TLS refusal: %+v", f)
	}
}
