package app_test

import (
	"context"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/khien-project/khien/internal/app"
	"github.com/khien-project/khien/internal/feature/registry"
	"github.com/khien-project/khien/internal/feature/sitescan"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/audit"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/store/storetest"
	"github.com/khien-project/khien/internal/testkit/sitetest"
)

// resolver is a DNS server on loopback that records every name asked
// and answers A records from a table; the process's resolver is pointed
// at it for the test.
type resolver struct {
	mu    sync.Mutex
	asked []string
	a     map[string]net.IP
	addr  string
}

func newResolver(t *testing.T, a map[string]net.IP) *resolver {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &resolver{a: a, addr: pc.LocalAddr().String()}
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, req *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(req)
		for _, q := range req.Question {
			name := strings.ToLower(q.Name)
			r.mu.Lock()
			r.asked = append(r.asked, name)
			r.mu.Unlock()
			if ip, ok := r.a[name]; ok && q.Qtype == dns.TypeA {
				m.Answer = append(m.Answer, &dns.A{Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 60}, A: ip})
			} else if !ok {
				m.Rcode = dns.RcodeNameError
			}
		}
		_ = w.WriteMsg(m)
	})}
	go func() { _ = srv.ActivateAndServe() }()
	t.Cleanup(func() { _ = srv.Shutdown() })
	saved := net.DefaultResolver
	net.DefaultResolver = &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "udp", r.addr)
	}}
	t.Cleanup(func() { net.DefaultResolver = saved })
	return r
}

func (r *resolver) names() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.asked...)
}

// TestDemoNamesAreNeverCheckedLive: after a fresh demo, two passes of the
// scan and probe schedules ask no DNS server about *.songlam.example,
// send it no request and record no error for it, while an ordinary site
// registered beside them is looked up, probed and scanned.
func TestDemoNamesAreNeverCheckedLive(t *testing.T) {
	ctx := context.Background()
	portal := sitetest.NewPortal(t)
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(portal.URL, "https://"))
	dnsSrv := newResolver(t, map[string]net.IP{"cong.khien-thu.vn.": net.IPv4(127, 0, 0, 1)})
	dsn := storetest.DSN(t, store.SQLite)
	if err := app.Demo(ctx, t.TempDir(), dsn, audit.KeySource{}, "mật-khẩu-thử-nghiệm", io.Discard); err != nil {
		t.Fatal(err)
	}
	opts := sitetest.Options(portal)
	opts.DNSServer = dnsSrv.addr
	svc, err := app.OpenPlatform(ctx, dsn, app.PlatformConfig{Scan: opts, HostsFile: "testdata/no-hosts"})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.DB.Close()
	agencies, _, err := svc.Registry.Agencies(ctx, access.System, registry.AgencyFilter{Page: registry.Page{Limit: 1}})
	if err != nil {
		t.Fatal(err)
	}
	name, ordinary := "Cổng thử nghiệm", []string{"https://cong.khien-thu.vn:" + port + "/"}
	if _, err := svc.Registry.CreateSystem(ctx, access.System, registry.SystemInput{AgencyID: &agencies[0].ID, Name: &name, URLs: &ordinary}); err != nil {
		t.Fatal(err)
	}
	filled := time.Now()
	for tick := range 2 {
		now := time.Now().Add(time.Duration(tick+1) * 25 * time.Hour) // every site is due
		scans, err := svc.Sites.DueScans(ctx, now, 500)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range scans {
			if _, err := svc.Sites.Run(ctx, id, opts); err != nil {
				t.Fatal(err)
			}
		}
		probes, err := svc.Sites.DueProbes(ctx, now, 2000)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range probes {
			if _, err := svc.Monitor.Check(ctx, id); err != nil {
				t.Fatal(err)
			}
		}
		if len(scans) != 1 || len(probes) != 1 {
			t.Errorf("tick %d queued %d scans and %d probes; only the ordinary site's were due to run", tick, len(scans), len(probes))
		}
	}
	asked := dnsSrv.names()
	for _, n := range asked {
		if strings.HasSuffix(n, "songlam.example.") {
			t.Errorf("the DNS was asked about %s", n)
		}
	}
	if !strings.Contains(strings.Join(asked, " "), "cong.khien-thu.vn.") {
		t.Errorf("the ordinary site was not looked up: %v", asked)
	}
	sites, _, _ := svc.Sites.Sites(ctx, access.System, sitescan.SiteFilter{Limit: 1000})
	for _, s := range sites {
		live := strings.Contains(s.URL, "khien-thu.vn")
		switch {
		case live && (s.LastCheckedAt == nil || s.LastCheckedAt.Before(filled) || s.State != "up" || s.Grade == "" || s.NoLiveChecks != nil):
			t.Errorf("the ordinary site was not probed and scanned: %+v", s)
		case !live && (s.LastCheckedAt != nil && s.LastCheckedAt.After(filled) || s.NoLiveChecks == nil):
			t.Errorf("demo site %s checked live at %v (%+v)", s.URL, s.LastCheckedAt, s.NoLiveChecks)
		}
	}
	if _, n, _ := svc.Sites.Scans(ctx, access.System, sitescan.ScanFilter{Status: sitescan.Failed}); n != 0 {
		t.Errorf("%d failed scans recorded", n)
	}
	// A manual scan or probe of a demo site is refused with the reason.
	if _, err := svc.Monitor.CheckNow(ctx, access.System, sites[0].ID); sites[0].NoLiveChecks != nil && (err == nil || !strings.Contains(err.Error(), "does not exist")) {
		t.Errorf("probe now of a demo site: %v", err)
	}
}
