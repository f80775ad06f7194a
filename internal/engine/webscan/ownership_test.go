package webscan

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestProveOwnership: the token is found in a TXT record at
// _khien-verify.<host> or at the host, or in the file on the host; a wrong
// token, another agency's token, a file on a refused address or behind a
// redirect to another host proves nothing, and the reason says what was
// looked for without dial details.
func TestProveOwnership(t *testing.T) {
	const token = "Zt8kQ2mV9xL4pR7w"
	dns := dnsServer(t, map[string][]string{
		"TXT _khien-verify.a.example.": {`"khien-verify=` + token + `"`},
		"TXT b.example.":               {`"v=spf1 -all"`, `"khien-verify=` + token + `"`},
		"TXT c.example.":               {`"khien-verify=someoneelse"`},
	})
	var hits atomic.Int32
	file := func(body string) *httptest.Server {
		s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hits.Add(1)
			switch r.URL.Path {
			case OwnershipPath:
				_, _ = w.Write([]byte(body))
			case "/moved":
				http.Redirect(w, r, OwnershipPath, http.StatusFound)
			case "/away":
				http.Redirect(w, r, "http://evil.example"+OwnershipPath, http.StatusFound)
			default:
				http.NotFound(w, r)
			}
		}))
		t.Cleanup(s.Close)
		return s
	}
	good, bad := file("# Khiên\nkhien-verify="+token+"\n"), file("khien-verify=nope")
	bare := file(token + "\n")
	private := Options{Timeout: 5 * time.Second, AllowPrivate: true, DNSServer: dns}
	public := Options{Timeout: 5 * time.Second, DNSServer: dns}
	origin := func(s *httptest.Server) []string { return []string{s.URL} }
	for _, c := range []struct {
		name, host, token string
		origins           []string
		opts              Options
		method, why       string
	}{
		{"TXT at the label", "a.example", token, []string{"http://127.0.0.1:9"}, public, "dns", ""},
		{"TXT at the host", "b.example", token, nil, public, "dns", ""},
		{"another token in DNS", "c.example", token, []string{"http://c.example:1"}, public, "", `no TXT record "khien-verify=` + token + `"`},
		{"file", "127.0.0.1", token, origin(good), private, "http", ""},
		{"bare token in the file", "127.0.0.1", token, origin(bare), private, "http", ""},
		{"wrong file", "127.0.0.1", token, origin(bad), private, "", "does not hold the token"},
		{"loopback refused", "127.0.0.1", token, origin(good), public, "", "address not allowed"},
		{"origin of another host ignored", "a.example", "other", origin(good), private, "", "DNS: no TXT"},
		{"empty token", "a.example", "", nil, public, "", "no host or token"},
	} {
		t.Run(c.name, func(t *testing.T) {
			method, err := ProveOwnership(context.Background(), c.host, c.token, c.origins, c.opts)
			if method != c.method {
				t.Fatalf("method %q (%v), want %q", method, err, c.method)
			}
			if c.why == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, ErrNotProven) || !strings.Contains(err.Error(), c.why) {
				t.Fatalf("error %v, want %q", err, c.why)
			}
			if strings.Contains(err.Error(), "dial") || strings.Contains(err.Error(), "connect:") {
				t.Errorf("dial details shown: %v", err)
			}
		})
	}
	// Redirects: followed on the host, refused to another host.
	before := hits.Load()
	got := redirectProof(t, good, "/moved", private)
	if got != "" || hits.Load()-before != 2 {
		t.Errorf("same-host redirect: %q after %d requests", got, hits.Load()-before)
	}
	if got := redirectProof(t, good, "/away", private); !strings.Contains(got, "redirected away") {
		t.Errorf("redirect to another host: %q", got)
	}
}

// redirectProof fetches the proof through path (a redirect) by pointing
// the check at it.
func redirectProof(t *testing.T, s *httptest.Server, path string, opts Options) string {
	t.Helper()
	opts.defaults()
	ok, why := ownershipInFile(context.Background(), "127.0.0.1", s.URL+path, "Zt8kQ2mV9xL4pR7w", opts)
	if ok {
		return ""
	}
	return why
}
