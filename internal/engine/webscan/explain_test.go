package webscan

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestExplain: errors met reaching a site become one sentence per
// language that names the site's host and port, never the resolver's
// address nor Go's wrapped chain.
func TestExplain(t *testing.T) {
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	closedAddr := closed.Addr().String()
	closed.Close()
	client := &http.Client{Timeout: 3 * time.Second}
	_, refused := client.Get("http://" + closedAddr + "/")

	plain, _ := net.Listen("tcp", "127.0.0.1:0")
	defer plain.Close()
	go func() {
		for {
			c, err := plain.Accept()
			if err != nil {
				return
			}
			c.Write([]byte("HTTP/1.1 400 Bad Request\r\n\r\n"))
			c.Close()
		}
	}()
	tlsClient := &http.Client{Timeout: 3 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	_, notTLS := tlsClient.Get("https://" + plain.Addr().String() + "/")

	silent, _ := net.Listen("tcp", "127.0.0.1:0")
	defer silent.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+silent.Addr().String()+"/", nil)
	_, slow := http.DefaultClient.Do(req)

	nx := &url.Error{Op: "Get", URL: "https://nosuch.example.gov.vn/", Err: &net.OpError{Op: "dial", Net: "tcp",
		Err: &net.DNSError{Err: "no such host", Name: "nosuch.example.gov.vn", Server: "10.9.8.7:53", IsNotFound: true}}}
	servfail := &url.Error{Op: "Get", URL: "https://broken.example.gov.vn/", Err: &net.OpError{Op: "dial", Net: "tcp",
		Err: &net.DNSError{Err: "server misbehaving", Name: "broken.example.gov.vn", Server: "10.9.8.7:53"}}}
	forbidden := &url.Error{Op: "Get", URL: "https://intranet.example.gov.vn/", Err: &net.OpError{Op: "dial", Net: "tcp",
		Err: fmt.Errorf("%w: 10.1.2.3 is a private address", ErrForbiddenAddress)}}

	cases := []struct {
		name   string
		err    error
		vi, en string // fragments each sentence must hold
	}{
		{"connection refused", refused, "từ chối kết nối", "refused the connection"},
		{"plain HTTP on a TLS port", notTLS, "không trả lời bằng TLS", "does not answer with TLS"},
		{"no answer in time", slow, "không trả lời trong thời hạn", "did not answer in time"},
		{"name does not resolve", nx, "Không phân giải được tên miền nosuch.example.gov.vn", "The domain name nosuch.example.gov.vn does not resolve"},
		{"resolver fails", servfail, "DNS", "DNS gave no answer for the domain name broken.example.gov.vn"},
		{"address refused", forbidden, "không được phép", "may not reach"},
		{"both schemes", &UnreachableError{HTTP: refused, HTTPS: nx}, "Trang không trả lời qua HTTPS", "answered neither over HTTPS"},
		{"both schemes, same reason", &UnreachableError{HTTP: nx, HTTPS: nx}, "Trang không trả lời: Không phân giải", "The site did not answer: The domain name"},
		{"both schemes, one refused by the guard", &UnreachableError{HTTP: refused, HTTPS: forbidden}, "--allow-private", "--allow-private"},
	}
	for _, c := range cases {
		if c.err == nil {
			t.Fatalf("%s: the operation did not fail", c.name)
		}
		vi, en := Explain(c.err)
		if !strings.Contains(vi, c.vi) || !strings.Contains(en, c.en) {
			t.Errorf("%s (%v):\n vi %q\n en %q", c.name, c.err, vi, c.en+" ≠ "+en)
		}
		for _, s := range []string{vi, en} {
			for _, raw := range []string{"10.9.8.7", ":53", "dial tcp", "Get \"", "lookup ", "read tcp", "context deadline"} {
				if strings.Contains(s, raw) {
					t.Errorf("%s: %q shows %q", c.name, s, raw)
				}
			}
		}
	}
	if !strings.Contains(fmt.Sprint(Explain(refused)), closedAddr) {
		t.Errorf("the refused address %s is not named", closedAddr)
	}
	if vi, en := Explain(nil); vi != "" || en != "" {
		t.Errorf("nil: %q %q", vi, en)
	}
	// The unreachable error still says what stopped it to errors.Is.
	if !errors.Is(&UnreachableError{HTTP: refused, HTTPS: forbidden}, ErrForbiddenAddress) {
		t.Error("errors.Is does not see the guard's refusal")
	}
}
