package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/khien-project/khien/internal/app"
	"github.com/khien-project/khien/internal/engine/webscan"
	"github.com/khien-project/khien/internal/feature/auth"
	"github.com/khien-project/khien/internal/feature/registry"
	"github.com/khien-project/khien/internal/feature/sitescan"
	"github.com/khien-project/khien/internal/feature/trust"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/store/storetest"
	"github.com/khien-project/khien/internal/testkit/sitetest"
	"github.com/khien-project/khien/internal/web"
)

const testPassword = "correct horse battery"

// world is a running server with a small province and one user per role.
type world struct {
	t        *testing.T
	svc      *app.Services
	srv      *web.Server
	ts       *httptest.Server
	root     registry.Agency
	a, a1, b registry.Agency
	sysA     registry.System // belongs to A1 (inside A's scope)
	sysB     registry.System
	tokens   map[string]string // role label → bearer token
	users    map[string]auth.User
	// Web assessment: one site per system, a recorded scan of A (whose
	// first report fails a check, its second meets the label policy),
	// A's trust label, and the scans queued through the API.
	siteA, siteB sitescan.Site
	scanA        int64
	labelA       string
	queued       []int64
}

// Role labels used by the tests.
var roleLabels = []string{"admin", "analyst", "agencyA", "agencyB", "auditor", "anonymous"}

func sp(s string) *string { return &s }

func newWorld(t *testing.T, engine store.Engine) *world {
	t.Helper()
	ctx := context.Background()
	// The test's portals are named under .example, which Khiên never
	// checks live unless the hosts file lists them: this one does.
	hosts := filepath.Join(t.TempDir(), "hosts")
	if err := os.WriteFile(hosts, []byte("127.0.0.1 alpha.example beta.example\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	svc, err := app.OpenPlatform(ctx, storetest.DSN(t, engine), app.PlatformConfig{HostsFile: hosts})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.DB.Close() })
	w := &world{t: t, svc: svc, tokens: map[string]string{}, users: map[string]auth.User{}}
	mkAgency := func(code, name string, parent *registry.Agency) registry.Agency {
		in := registry.AgencyInput{Code: sp(code), Name: sp(name)}
		if parent != nil {
			id := parent.ID
			in.ParentID = registry.OptionalID{Set: true, ID: &id}
		}
		a, err := svc.Registry.CreateAgency(ctx, access.System, in)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	w.root = mkAgency("P", "UBND tỉnh", nil)
	w.a = mkAgency("A", "Sở Alpha", &w.root)
	w.a1 = mkAgency("A1", "Trung tâm Alpha Một", &w.a)
	w.b = mkAgency("B", "Sở Beta", &w.root)
	mkSystem := func(agency registry.Agency, name, host string) registry.System {
		urls, doms := []string{"https://" + host + "/"}, []string{host}
		s, err := svc.Registry.CreateSystem(ctx, access.System, registry.SystemInput{AgencyID: &agency.ID, Name: sp(name), URLs: &urls, Domains: &doms})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	w.sysA = mkSystem(w.a1, "Cổng Alpha secretalpha", "alpha.example")
	w.sysB = mkSystem(w.b, "Cổng Beta secretbeta", "beta.example")
	for _, u := range []struct {
		label, role string
		agency      *registry.Agency
	}{{"admin", "admin", nil}, {"analyst", "analyst", nil}, {"agencyA", "agency", &w.a}, {"agencyB", "agency", &w.b}, {"auditor", "auditor", nil}} {
		in := auth.UserInput{Username: sp(u.label), Password: sp(testPassword), Role: sp(u.role)}
		if u.agency != nil {
			in.AgencyID = &u.agency.ID
		}
		user, err := svc.Auth.CreateUser(ctx, access.System, in)
		if err != nil {
			t.Fatal(err)
		}
		tok, err := svc.Auth.CreateToken(ctx, access.System, user.ID, "test")
		if err != nil {
			t.Fatal(err)
		}
		w.users[u.label] = user
		w.tokens[u.label] = tok.Secret
	}
	w.addSites(ctx)
	w.srv, err = web.New(w.deps())
	if err != nil {
		t.Fatal(err)
	}
	w.ts = httptest.NewServer(w.srv)
	t.Cleanup(w.ts.Close)
	return w
}

// deps wires every service into the server, as serve does; queued scans
// are recorded instead of run (the services' job queue is a recorder).
func (w *world) deps() web.Deps {
	svc := w.svc
	svc.Events.SetQueue(scanRecorder{w})
	return web.Deps{DB: svc.DB, Registry: svc.Registry, Auth: svc.Auth, Audit: svc.Audit, Metrics: prometheus.NewRegistry(), Version: "test",
		Sites: svc.Sites, Trust: svc.Trust, Monitor: svc.Monitor, Notify: svc.Notify, Levels: svc.Levels, Alert: svc.Alert, Vuln: svc.Vuln, Ingest: svc.Ingest, Logs: svc.Logs, PublicRate: 1000}
}

// scanRecorder stands for the job bus: it keeps the ids of the scans whose
// jobs were queued, and runs durable event subscribers at once.
type scanRecorder struct{ w *world }

func (r scanRecorder) Enqueue(ctx context.Context, kind, _ string, payload []byte) error {
	if kind == sitescan.JobKind {
		var j sitescan.ScanJob
		if err := json.Unmarshal(payload, &j); err != nil {
			return err
		}
		r.w.queued = append(r.w.queued, j.ScanID)
	}
	for _, job := range r.w.svc.Events.Jobs() {
		if job.Kind == kind {
			return job.Handle(ctx, payload)
		}
	}
	return nil
}

func (w *world) addSites(ctx context.Context) {
	t, svc := w.t, w.svc
	if _, err := svc.Sites.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	sites, _, err := svc.Sites.Sites(ctx, access.System, sitescan.SiteFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range sites {
		switch x.SystemID {
		case w.sysA.ID:
			w.siteA = x
		case w.sysB.ID:
			w.siteB = x
		}
	}
	if w.siteA.ID == 0 || w.siteB.ID == 0 {
		t.Fatalf("sites not made from the systems' URLs: %+v", sites)
	}
	bad := sitetest.PassingReport(w.siteA.URL, "A+")
	bad.Grade, bad.Score = "C", 55
	bad.Checks = append(bad.Checks, webscan.Check{ID: string(webscan.DNSCAA), Result: webscan.Fail, Severity: "high", Title: "CAA", TitleEN: "CAA"})
	if _, err := svc.Sites.Record(ctx, access.System, w.siteA.ID, bad); err != nil {
		t.Fatal(err)
	}
	res, err := svc.Sites.Record(ctx, access.System, w.siteA.ID, sitetest.PassingReport(w.siteA.URL, "A+"))
	if err != nil {
		t.Fatal(err)
	}
	w.scanA = res.Scan.ID
	l, err := svc.Trust.Grant(ctx, access.System, trust.GrantInput{SiteID: w.siteA.ID, PrivacyURL: "https://alpha.example/privacy", Contact: "attt@alpha.example"})
	if err != nil {
		t.Fatal(err)
	}
	w.labelA = l.ID
}

// api sends a request as role (a bearer token; "anonymous" sends none).
func (w *world) api(role, method, path string, body any) (int, []byte) {
	w.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			w.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, w.ts.URL+path, rd)
	if err != nil {
		w.t.Fatal(err)
	}
	if tok := w.tokens[role]; tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

// browser is a logged-in (or anonymous) cookie-carrying client.
type browser struct {
	w      *world
	client *http.Client
	csrf   string
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (w *world) browser(role string) *browser {
	w.t.Helper()
	jar, _ := cookiejar.New(nil)
	b := &browser{w: w, client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	if role == "anonymous" {
		return b
	}
	status, _ := b.post("/login", url.Values{"username": {role}, "password": {testPassword}})
	if status != http.StatusSeeOther {
		w.t.Fatalf("login as %s: status %d", role, status)
	}
	_, page := b.get("/tokens")
	m := csrfField.FindSubmatch(page)
	if m == nil {
		w.t.Fatalf("no CSRF token on the page for %s", role)
	}
	b.csrf = string(m[1])
	return b
}

func (b *browser) get(path string) (int, []byte) {
	b.w.t.Helper()
	resp, err := b.client.Get(b.w.ts.URL + path)
	if err != nil {
		b.w.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, body
}

func (b *browser) post(path string, form url.Values) (int, []byte) {
	b.w.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.w.ts.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := b.client.Do(req)
	if err != nil {
		b.w.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, body
}

// withCSRF adds the browser's CSRF token to form.
func (b *browser) withCSRF(form url.Values) url.Values {
	form.Set("csrf", b.csrf)
	return form
}
