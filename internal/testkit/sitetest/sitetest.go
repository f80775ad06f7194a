// Package sitetest holds what the web-assessment tests share: a TLS portal
// on loopback whose answers a test can change while it runs, and a small
// province with the sitescan, trust and monitor services over a real
// database.
package sitetest

import (
	"context"
	"crypto/x509"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/khien-project/khien/internal/engine/webscan"
	"github.com/khien-project/khien/internal/feature/monitor"
	"github.com/khien-project/khien/internal/feature/registry"
	"github.com/khien-project/khien/internal/feature/sitescan"
	"github.com/khien-project/khien/internal/feature/trust"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/audit"
	"github.com/khien-project/khien/internal/platform/events"
	"github.com/khien-project/khien/internal/platform/notify"
	"github.com/khien-project/khien/internal/platform/store"
)

// CleanPage is a portal's ordinary home page.
const CleanPage = `<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Cổng thông tin điện tử Sở Khoa học và Công nghệ</title></head>
<body><div id="clock">08:00</div><h1>Sở Khoa học và Công nghệ tỉnh Sông Lam</h1>
<p>Thông tin chỉ đạo, điều hành; thủ tục hành chính; dịch vụ công trực tuyến; lịch tiếp công dân; văn bản quy phạm pháp luật của tỉnh.</p>
<p>Chuyển đổi số, khoa học công nghệ, sở hữu trí tuệ, tiêu chuẩn đo lường chất lượng, an toàn bức xạ và hạt nhân.</p>
<p>Liên hệ: 0238 3844 123 · sokhcn@songlam.gov.vn</p><a href="/chinh-sach-bao-mat">Chính sách bảo vệ dữ liệu cá nhân</a></body></html>`

// DefacedPage is what a defacer leaves.
const DefacedPage = `<!doctype html><html><head><title>Hacked by Ghost Cyber Army</title></head><body><h1>HACKED BY GHOST</h1><p>Your security is low.</p></body></html>`

// Portal is a TLS site on loopback whose answers a test can change.
type Portal struct {
	*httptest.Server
	Pool *x509.CertPool

	mu      sync.Mutex
	page    string
	status  int
	strict  bool
	hits    int
	times   []time.Time
	current int // requests in flight
	peak    int // most requests in flight at once
	delay   time.Duration
	files   map[string]string
}

// SetFile makes the portal serve body at path (with status 200).
func (p *Portal) SetFile(path, body string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.files == nil {
		p.files = map[string]string{}
	}
	p.files[path] = body
}

// NewPortal starts a portal serving CleanPage with strict headers.
func NewPortal(t testing.TB) *Portal {
	t.Helper()
	p := &Portal{page: CleanPage, status: 200, strict: true}
	p.Server = httptest.NewUnstartedServer(http.HandlerFunc(p.serve))
	p.Server.Config.ErrorLog = log.New(io.Discard, "", 0) // the TLS probes' refused handshakes are expected
	p.StartTLS()
	t.Cleanup(p.Close)
	p.Pool = x509.NewCertPool()
	p.Pool.AddCert(p.Certificate())
	return p
}

// Set changes what the portal answers.
func (p *Portal) Set(page string, status int, strict bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.page, p.status, p.strict = page, status, strict
}

// SetDelay makes every answer wait d.
func (p *Portal) SetDelay(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.delay = d
}

// Hits is how many requests the portal answered.
func (p *Portal) Hits() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.hits
}

// Times are when the portal's requests arrived, in order.
func (p *Portal) Times() []time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]time.Time(nil), p.times...)
}

// Peak is the most requests the portal had in flight at once.
func (p *Portal) Peak() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.peak
}

func (p *Portal) serve(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	page, status, strict, delay := p.page, p.status, p.strict, p.delay
	file, isFile := p.files[r.URL.Path]
	p.hits++
	p.times = append(p.times, time.Now())
	p.current++
	p.peak = max(p.peak, p.current)
	p.mu.Unlock()
	defer func() { p.mu.Lock(); p.current--; p.mu.Unlock() }()
	if delay > 0 {
		time.Sleep(delay)
	}
	h := w.Header()
	if strict {
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
	}
	if isFile {
		h.Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, file)
		return
	}
	if r.URL.Path != "/" {
		http.NotFound(w, r)
		return
	}
	h.Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, page)
}

// World is a small province with the web-assessment services.
type World struct {
	DB       *store.DB
	Audit    *audit.Log
	Registry *registry.Registry
	Sites    *sitescan.Service
	Trust    *trust.Service
	Monitor  *monitor.Service
	Notify   *notify.Service
	// Events connect the features, without a job queue: durable
	// subscribers run in the test's process after each commit.
	Events *events.Bus
	A, B   registry.Agency
	// OfficerA is an agency officer of A.
	OfficerA access.Actor
	n        int
}

// NewWorld builds the services over db; cfg configures the monitor (its
// probe options are filled in per portal by Options).
func NewWorld(t testing.TB, db *store.DB, cfg monitor.Config) *World {
	t.Helper()
	ctx := context.Background()
	log := audit.New(db)
	w := &World{DB: db, Audit: log, Events: events.New(db, nil)}
	// The registry publishes nothing here: the tests sync sites by hand, to
	// see each sync's effect (the platform wires it to sitescan).
	w.Registry = registry.New(db, log, nil)
	w.Sites = sitescan.New(db, log, w.Events, sitescan.Config{Rates: cfg.Rates, Target: cfg.Probe})
	w.Trust = trust.New(db, log, w.Events)
	w.Notify = notify.New(db, log, notify.Config{})
	w.Notify.Subscribe(w.Events)
	if cfg.Notify == nil {
		cfg.Notify = w.Notify
	}
	w.Monitor = monitor.New(db, log, w.Events, w.Trust, cfg)
	mk := func(code, name string) registry.Agency {
		a, err := w.Registry.CreateAgency(ctx, access.System, registry.AgencyInput{Code: &code, Name: &name})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	w.A, w.B = mk("SKHCN", "Sở Khoa học và Công nghệ"), mk("SYT", "Sở Y tế")
	w.OfficerA = access.Actor{UserID: 99, Username: "canbo.a", Role: access.Agency, AgencyID: w.A.ID, AgencyPath: w.A.Path}
	return w
}

// AddSite registers a system of agency with one URL and returns its site.
func (w *World) AddSite(t testing.TB, agency registry.Agency, url string) sitescan.Site {
	t.Helper()
	ctx := context.Background()
	w.n++
	name := fmt.Sprintf("Cổng thông tin %d", w.n)
	urls := []string{url}
	sys, err := w.Registry.CreateSystem(ctx, access.System, registry.SystemInput{AgencyID: &agency.ID, Name: &name, URLs: &urls})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Sites.SyncAs(ctx, access.Admin); err != nil { // registered by an admin: approved
		t.Fatal(err)
	}
	list, _, err := w.Sites.Sites(ctx, access.System, sitescan.SiteFilter{SystemID: sys.ID})
	if err != nil || len(list) != 1 {
		t.Fatalf("site of system %d: %v %v", sys.ID, list, err)
	}
	return list[0]
}

// Options are scan options that trust p's certificate and reach loopback.
func Options(p *Portal) webscan.Options {
	return webscan.Options{AllowPrivate: true, RootCAs: p.Pool, Timeout: 15 * time.Second}
}

// PassingReport is a finished assessment of url with the given grade in
// which every check the default label policy requires or deems critical
// passes.
func PassingReport(url, grade string) webscan.Report {
	rep := webscan.Report{URL: url, Score: 105, Grade: grade, StartedAt: time.Now().UTC()}
	for _, id := range []webscan.CheckID{webscan.HTTPSAvailable, webscan.TLSCertificate, webscan.TLSCertificateExpiry, webscan.ContentInjectedLinks, webscan.ContentDefacement, webscan.ExposedFiles} {
		rep.Checks = append(rep.Checks, webscan.Check{ID: string(id), Result: webscan.Pass, Severity: webscan.Info, Title: string(id), TitleEN: string(id)})
	}
	return rep
}

// GrantLabel records a passing assessment of site and grants it a label.
func (w *World) GrantLabel(t testing.TB, site sitescan.Site) trust.Label {
	t.Helper()
	ctx := context.Background()
	if _, err := w.Sites.Record(ctx, access.System, site.ID, PassingReport(site.URL, "A+")); err != nil {
		t.Fatal(err)
	}
	l, err := w.Trust.Grant(ctx, access.System, trust.GrantInput{SiteID: site.ID, PrivacyURL: "https://a.example/chinh-sach", Contact: "attt@a.example"})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// DNS is a DNS server on loopback (UDP) answering TXT questions from a
// table a test can change while it runs; other questions get no answer.
type DNS struct {
	Addr string // host:port, for webscan.Options.DNSServer
	mu   sync.Mutex
	txt  map[string][]string
}

// NewDNS starts a DNS server, stopped when the test ends.
func NewDNS(t testing.TB) *DNS {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	d := &DNS{Addr: pc.LocalAddr().String(), txt: map[string][]string{}}
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(d.serve)}
	go func() { _ = srv.ActivateAndServe() }()
	t.Cleanup(func() { _ = srv.Shutdown() })
	return d
}

// SetTXT makes name answer the TXT values (none: no record).
func (d *DNS) SetTXT(name string, values ...string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.txt[dns.Fqdn(strings.ToLower(name))] = values
}

func (d *DNS) serve(w dns.ResponseWriter, req *dns.Msg) {
	m := new(dns.Msg)
	m.SetReply(req)
	if len(req.Question) == 1 && req.Question[0].Qtype == dns.TypeTXT {
		q := req.Question[0]
		d.mu.Lock()
		values := d.txt[strings.ToLower(q.Name)]
		d.mu.Unlock()
		for _, v := range values {
			m.Answer = append(m.Answer, &dns.TXT{Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeTXT, Class: dns.ClassINET, Ttl: 60}, Txt: []string{v}})
		}
	}
	_ = w.WriteMsg(m)
}
