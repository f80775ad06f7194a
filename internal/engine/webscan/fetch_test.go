package webscan

import (
	"context"
	"crypto/x509"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func strictHandler(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Content-Type", "text/html; charset=utf-8")
	w.Write([]byte("<!doctype html><html><head><script src=\"/app.js\"></script></head><body>Cổng thông tin</body></html>"))
}

func pool(ts *httptest.Server) *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ts.Certificate())
	return p
}

func TestCheckAddress(t *testing.T) {
	for addr, allowed := range map[string]bool{
		"127.0.0.1": false, "::1": false, "10.1.2.3": false, "172.16.0.1": false, "192.168.1.1": false, "169.254.169.254": false,
		"fe80::1": false, "fd00::1": false, "100.64.0.1": false, "0.0.0.0": false, "::ffff:127.0.0.1": false, "224.0.0.1": false,
		"8.8.8.8": true, "203.113.131.1": true, "2606:4700::1111": true,
		// IPv6 forms that carry an IPv4 address are judged by it.
		"::127.0.0.1": false, "::10.0.0.1": false, "::169.254.169.254": false, "::8.8.8.8": true,
		"64:ff9b::127.0.0.1": false, "64:ff9b::a9fe:a9fe": false, "64:ff9b::c0a8:101": false, "64:ff9b::808:808": true,
		"64:ff9b:1::808:808": false, // local-use NAT64, refused as a whole
		"2002:7f00:1::1":     false, "2002:a9fe:a9fe::": false, "2002:808:808::1": true,
		"2001:0:4136:e378:8000:63bf:80ff:fffe": false, // Teredo client 127.0.0.1
		"2001:0:4136:e378:8000:63bf:f7f7:f7f7": true,  // Teredo client 8.8.8.8
		"2001:4860:4860::8888":                 true, "::": false,
	} {
		err := checkAddress(netip.MustParseAddr(addr))
		if (err == nil) != allowed || (err != nil && !errors.Is(err, ErrForbiddenAddress)) {
			t.Errorf("%s: %v, want allowed=%v", addr, err, allowed)
		}
	}
}

func TestFetchRefusesInternalAddresses(t *testing.T) {
	ts := httptest.NewTLSServer(http.HandlerFunc(strictHandler))
	defer ts.Close()
	for _, target := range []string{ts.URL, strings.Replace(ts.URL, "127.0.0.1", "localhost", 1)} {
		_, err := Assess(context.Background(), target, Options{RootCAs: pool(ts), Timeout: 5 * time.Second})
		if !errors.Is(err, ErrForbiddenAddress) {
			t.Errorf("%s: %v, want a refusal", target, err)
		}
	}
	// A public-looking name is refused too once it resolves to loopback:
	// the check runs on the connected address, not on the name.
	rebind := &net.Dialer{}
	d := guardedDialer(false, rebind)
	if _, err := d.Dial("tcp", ts.Listener.Addr().String()); !errors.Is(err, ErrForbiddenAddress) {
		t.Errorf("dial to loopback: %v", err)
	}
}

func TestAssessLiveSite(t *testing.T) {
	ts := httptest.NewTLSServer(http.HandlerFunc(strictHandler))
	defer ts.Close()
	rep, err := Assess(context.Background(), ts.URL+"/", Options{RootCAs: pool(ts), AllowPrivate: true, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Grade != "A+" || rep.Checks[0].ID != "https.available" || rep.Checks[0].Result != Pass {
		t.Fatalf("grade %s score %d, first check %+v", rep.Grade, rep.Score, rep.Checks[0])
	}
	// Without the test CA the certificate is untrusted: still assessed.
	rep, err = Assess(context.Background(), ts.URL+"/", Options{AllowPrivate: true, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]Check{}
	for _, c := range rep.Checks {
		byID[c.ID] = c
	}
	if byID["https.available"].Result != Fail || byID["headers.hsts"].ObservatoryResult != "hsts-invalid-cert" {
		t.Fatalf("untrusted certificate: %+v / %+v", byID["https.available"], byID["headers.hsts"])
	}
}

// TestOtherSchemePort: a target naming its port has the other scheme tried
// on the port the options give (the standard one by default), IPv6 literals
// included.
func TestOtherSchemePort(t *testing.T) {
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "https://example.invalid/", http.StatusMovedPermanently)
	}))
	defer plain.Close()
	secure := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("<p>ok</p>"))
	}))
	defer secure.Close()
	port := plain.Listener.Addr().(*net.TCPAddr).Port
	ex, err := Fetch(context.Background(), secure.URL+"/", Options{RootCAs: pool(secure), AllowPrivate: true, Timeout: 5 * time.Second, HTTPPort: port})
	if err != nil {
		t.Fatal(err)
	}
	if ex.HTTP == nil || ex.HTTP.Status != http.StatusMovedPermanently {
		t.Fatalf("plain HTTP was not fetched from port %d: %+v", port, ex.HTTP)
	}
	for _, c := range []struct {
		host string
		port int
		want string
	}{
		{"example.org", 0, "example.org"},
		{"example.org", 8080, "example.org:8080"},
		{"::1", 0, "[::1]"},
		{"::1", 8080, "[::1]:8080"},
		{"127.0.0.1", 80, "127.0.0.1:80"},
	} {
		if got := hostPort(c.host, c.port); got != c.want {
			t.Errorf("hostPort(%q, %d) = %q, want %q", c.host, c.port, got, c.want)
		}
	}
}

// TestBadTargets: each ends in a clear error or a report, within the
// timeout, never a hang.
func TestBadTargets(t *testing.T) {
	loop := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/a"+r.URL.Path, http.StatusFound) // an endless chain of new URLs
	}))
	defer loop.Close()
	huge := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		chunk := []byte(strings.Repeat("<p>xxxxxxxx</p>", 4096))
		for i := 0; i < 1<<16 && r.Context().Err() == nil; i++ { // up to 1 GB
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	defer huge.Close()
	slow := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select { // never answers
		case <-r.Context().Done():
		case <-time.After(time.Minute):
		}
	}))
	defer slow.Close()
	// Hangs up once Go's handshake succeeded: the two agree on TLS, so
	// this is no "HTTPS page not fetched" report but an unreachable site.
	hangup := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c, _, err := http.NewResponseController(w).Hijack(); err == nil {
			c.Close()
		}
	}))
	defer hangup.Close()
	garbage, _ := net.Listen("tcp", "127.0.0.1:0")
	defer garbage.Close()
	go func() {
		for {
			c, err := garbage.Accept()
			if err != nil {
				return
			}
			c.Write([]byte("this is not TLS\r\n\r\n"))
			c.Close()
		}
	}()
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	unreachable := "https://" + closed.Addr().String() + "/"
	closedPort := closed.Addr().(*net.TCPAddr).Port
	closed.Close()
	cases := []struct {
		name, url string
		ca        *x509.CertPool
		wantErr   bool
	}{
		{"redirect loop", loop.URL + "/", pool(loop), false},
		{"1 GB body", huge.URL + "/", pool(huge), false},
		{"server that never answers", slow.URL + "/", pool(slow), true},
		{"server that hangs up after the handshake", hangup.URL + "/", pool(hangup), true},
		{"TLS handshake garbage", "https://" + garbage.Addr().String() + "/", nil, true},
		{"unreachable host", unreachable, nil, true},
	}
	for _, c := range cases {
		start := time.Now()
		// Plain HTTP is tried on a closed port, not on 127.0.0.1:80, where
		// whatever the machine runs would answer for these targets.
		rep, err := Assess(context.Background(), c.url, Options{RootCAs: c.ca, AllowPrivate: true, Timeout: 3 * time.Second, HTTPPort: closedPort})
		if took := time.Since(start); took > 20*time.Second { // a hang, not a slow scan
			t.Errorf("%s: still running after %s with a 3s timeout", c.name, took)
		}
		if c.wantErr && (err == nil || err.Error() == "") {
			t.Errorf("%s: no error", c.name)
		}
		if !c.wantErr && (err != nil || rep.Grade == "") {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}
