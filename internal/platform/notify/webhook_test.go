package notify

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/audit"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/store/storetest"
	"github.com/khien-project/khien/internal/platform/valid"
)

// fakeNames resolves the test's host names without DNS.
var fakeNames = map[string][]netip.Addr{
	"hooks.intranet.example": {netip.MustParseAddr("10.20.0.5")},
	"rebind.example":         {netip.MustParseAddr("93.184.216.34"), netip.MustParseAddr("127.0.0.1")},
	"meta.example":           {netip.MustParseAddr("169.254.169.254")},
	"chat.example":           {netip.MustParseAddr("93.184.216.34")},
}

func newTestService(t *testing.T, db *store.DB, cfg Config) *Service {
	d := New(db, audit.New(db), cfg)
	d.lookup = func(_ context.Context, host string) ([]netip.Addr, error) {
		if a, ok := fakeNames[host]; ok {
			return a, nil
		}
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	return d
}

// TestSaveWebhookTarget: a webhook whose host is, or resolves to, an
// address webhooks may not reach is refused on field address with the
// reason in both languages; public ones are kept.
func TestSaveWebhookTarget(t *testing.T) {
	cases := []struct {
		name, address string
		allow         string
		refused       string // part of the English reason; "" when accepted
	}{
		{"metadata IPv4", "http://169.254.169.254/latest/meta-data/", "", "cloud metadata"},
		{"metadata IPv6", "http://[fd00:ec2::254]/latest/", "", "cloud metadata"},
		{"link-local", "http://169.254.10.1:8080/", "", "link-local"},
		{"link-local IPv6", "http://[fe80::1]/", "", "link-local"},
		{"loopback", "http://127.0.0.1:6379/", "", "loopback"},
		{"loopback elsewhere in 127/8", "https://127.9.9.9/hook", "", "loopback"},
		{"loopback IPv6", "http://[::1]:8080/", "", "loopback"},
		{"loopback mapped into IPv6", "http://[::ffff:127.0.0.1]/", "", "loopback"},
		{"unspecified", "http://0.0.0.0:8080/", "", "unspecified"},
		{"unspecified IPv6", "http://[::]/", "", "unspecified"},
		{"this network (0.0.0.0/8)", "http://0.1.2.3/", "", "unspecified"},
		{"private 10/8", "http://10.0.0.1/hook", "", "private"},
		{"private 172.16/12", "http://172.16.5.4/hook", "", "private"},
		{"private 192.168/16", "https://192.168.1.1/hook", "", "private"},
		{"carrier-grade NAT", "http://100.64.0.1/", "", "private or reserved"},
		{"unique local IPv6", "http://[fd12:3456::1]/", "", "private"},
		{"name resolving to a private address", "https://hooks.intranet.example/alerts", "", "private"},
		{"name with one private answer among public ones", "https://rebind.example/", "", "loopback"},
		{"name resolving to metadata", "http://meta.example/", "", "cloud metadata"},
		{"localhost", "http://localhost:8080/", "", "host name"},
		{"decimal IPv4", "http://2130706433/", "", "host name"},
		{"hexadecimal IPv4", "http://0x7f.1/", "", "host name"},
		{"public address", "https://93.184.216.34/hook", "", ""},
		{"public IPv6 address", "https://[2606:4700::1111]/hook", "", ""},
		{"public name", "https://chat.example/hooks/T0/B0", "", ""},
		{"name that does not resolve yet", "https://hooks.example.gov.vn/x", "", ""},
		{"private range allowed", "http://10.20.0.7:9000/hook", "10.20.0.0/16", ""},
		{"private host allowed by name", "https://hooks.intranet.example/alerts", "hooks.intranet.example", ""},
		{"private address outside the allowed range", "http://10.30.0.7/", "10.20.0.0/16", "private"},
		{"metadata even when listed", "http://169.254.169.254/", "169.254.169.254, 169.254.0.0/16", "cloud metadata"},
		{"metadata IPv6 even when listed", "http://[fd00:ec2::254]/", "fd00:ec2::/32", "cloud metadata"},
		{"metadata name even when listed", "http://meta.example/", "meta.example", "cloud metadata"},
		{"loopback even when listed", "http://127.0.0.1:8080/", "127.0.0.0/8", "loopback"},
		{"loopback even under everything", "http://[::1]/", "::/0, 0.0.0.0/0", "loopback"},
		{"link-local even when listed", "http://169.254.10.1/", "169.254.0.0/16", "link-local"},
		{"metadata through NAT64 even when listed", "http://[64:ff9b::a9fe:a9fe]/", "64:ff9b::/96", "cloud metadata"},
		{"loopback as IPv4-compatible IPv6 under everything", "http://[::127.0.0.1]/", "::/0, 0.0.0.0/0", "loopback"},
		{"loopback through 6to4 even when listed", "http://[2002:7f00:1::1]/", "2002::/16", "loopback"},
		{"private through NAT64", "http://[64:ff9b::a14:7]/", "", "private"},
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				allow, err := ParseAllowList(c.allow)
				if err != nil {
					t.Fatal(err)
				}
				d := newTestService(t, db, Config{Allow: allow})
				_, err = d.AddTarget(context.Background(), access.System, TargetInput{Kind: "webhook", Address: c.address})
				if c.refused == "" {
					if err != nil {
						t.Fatalf("refused: %v", err)
					}
					return
				}
				var fe valid.Errors
				if !errors.As(err, &fe) || !errors.Is(err, store.ErrInvalid) || len(fe) != 1 || fe[0].Field != "address" {
					t.Fatalf("got %v, want a validation error on address", err)
				}
				if !strings.Contains(fe[0].EN, c.refused) || fe[0].VI == "" || fe[0].VI == fe[0].EN {
					t.Errorf("reason %q / %q, want it to say %q in both languages", fe[0].EN, fe[0].VI, c.refused)
				}
			})
		}
	})
}

func TestParseAllowList(t *testing.T) {
	for _, bad := range []string{"10.0.0.0/33", "hooks intranet", "http://x/", "10.0.0.0/8,;"} {
		if _, err := ParseAllowList(bad); err == nil {
			t.Errorf("%q was accepted", bad)
		}
	}
	if _, err := ParseAllowList(" 10.0.0.0/8 , hooks.intranet,192.168.1.5,fd12::/16,"); err != nil {
		t.Error(err)
	}
}

// receiver counts the webhooks it gets and answers status.
func receiver(t *testing.T, status int) (*httptest.Server, *atomic.Int32) {
	var n atomic.Int32
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		n.Add(1)
		w.WriteHeader(status)
	}))
	t.Cleanup(ts.Close)
	return ts, &n
}

// TestDeliveryGuard: a target already stored (or whose name now resolves
// elsewhere) is checked again on the address each delivery connects to;
// the error users see says "delivery failed" and the HTTP status, never
// dial details.
func TestDeliveryGuard(t *testing.T) {
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	closedURL := "http://" + closed.Addr().String() + "/hook"
	closed.Close()
	ok, okHits := receiver(t, http.StatusNoContent)
	failing, _ := receiver(t, http.StatusInternalServerError)
	moved, _ := receiver(t, http.StatusFound)
	cases := []struct {
		name      string
		url       string
		cfg       Config
		hits      *atomic.Int32
		wantErr   string
		wantCount int32
	}{
		{"loopback refused without the test switch", ok.URL + "/hook", Config{}, okHits, "delivery failed (refused address)", 0},
		{"loopback refused even when listed", ok.URL + "/hook", Config{Allow: mustAllow(t, "127.0.0.0/8,::1/128")}, okHits, "delivery failed (refused address)", 0},
		{"loopback delivered under the test switch", ok.URL + "/hook", Config{AllowLoopback: true}, okHits, "", 1},
		{"receiver error", failing.URL + "/hook", Config{AllowLoopback: true}, nil, "delivery failed (HTTP 500)", 0},
		{"redirect not followed", moved.URL + "/hook", Config{AllowLoopback: true}, nil, "delivery failed (HTTP 302)", 0},
		{"nothing listening", closedURL, Config{AllowLoopback: true}, nil, "delivery failed (no answer)", 0},
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				ctx := context.Background()
				if _, err := db.Writer().ExecContext(ctx, `DELETE FROM notify_targets`); err != nil {
					t.Fatal(err)
				}
				// Stored directly: as a target saved before the guard, or
				// whose name resolved elsewhere when it was saved.
				if _, err := db.Writer().ExecContext(ctx, `INSERT INTO notify_targets (kind, address, secret, created_at) VALUES ('webhook', $1, '', $2)`, c.url, store.Now()); err != nil {
					t.Fatal(err)
				}
				var before int32
				if c.hits != nil {
					before = c.hits.Load()
				}
				err := newTestService(t, db, c.cfg).Send(ctx, Notice{Event: "alert", Payload: map[string]string{"kind": "down"}})
				if c.wantErr == "" && err != nil || c.wantErr != "" && (err == nil || err.Error() != "webhook "+c.url+": "+c.wantErr) {
					t.Fatalf("error %v, want %q", err, c.wantErr)
				}
				if c.hits != nil && c.hits.Load()-before != c.wantCount {
					t.Errorf("receiver got %d webhooks, want %d", c.hits.Load()-before, c.wantCount)
				}
			})
		}
	})
}

func mustAllow(t *testing.T, s string) AllowList {
	a, err := ParseAllowList(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
