package web_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/khien-project/khien/internal/web"
)

// TestUnderTLS: HSTS on every answer and a __Host- session cookie marked
// Secure.
func TestUnderTLS(t *testing.T) {
	w := newWorld(t, "sqlite")
	srv, err := web.New(web.Deps{DB: w.svc.DB, Registry: w.svc.Registry, Auth: w.svc.Auth, Audit: w.svc.Audit, Metrics: prometheus.NewRegistry(), TLS: true})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewTLSServer(srv)
	defer ts.Close()
	client := ts.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := client.PostForm(ts.URL+"/login", url.Values{"username": {"admin"}, "password": {testPassword}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if hsts := resp.Header.Get("Strict-Transport-Security"); !strings.HasPrefix(hsts, "max-age=") {
		t.Errorf("HSTS %q", hsts)
	}
	var session *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "__Host-khien_session" {
			session = c
		}
	}
	if session == nil || !session.Secure || !session.HttpOnly || session.Path != "/" {
		t.Fatalf("session cookie under TLS: %+v", resp.Cookies())
	}
	var device *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "__Host-khien_device" {
			device = c
		}
	}
	if device == nil || !device.Secure || !device.HttpOnly || device.Path != "/" || device.SameSite != http.SameSiteStrictMode {
		t.Fatalf("device cookie under TLS: %+v", resp.Cookies())
	}
	req, _ := http.NewRequest("GET", ts.URL+"/", nil)
	req.AddCookie(session)
	if resp, err = client.Do(req); err != nil || resp.StatusCode != 200 {
		t.Fatalf("dashboard with the secure cookie: %v %v", resp.StatusCode, err)
	}
	resp.Body.Close()
}

func TestReadinessReportsTheBus(t *testing.T) {
	w := newWorld(t, "sqlite")
	srv, err := web.New(web.Deps{DB: w.svc.DB, Registry: w.svc.Registry, Auth: w.svc.Auth, Audit: w.svc.Audit, Metrics: prometheus.NewRegistry(),
		BusReady: func() error { return errors.New("bus: connection is RECONNECTING") }})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "RECONNECTING") {
		t.Fatalf("readyz with the bus down: %d %s", rec.Code, rec.Body)
	}
	rec = httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
	if rec.Code != 200 {
		t.Fatalf("healthz: %d", rec.Code)
	}
}

// TestReadinessWhileDraining: after Drain (SIGTERM with --drain), /readyz
// answers 503 so that a load balancer stops sending requests, while the
// server still answers them; a database failure is named without details.
func TestReadinessWhileDraining(t *testing.T) {
	w := newWorld(t, "sqlite")
	srv, err := web.New(web.Deps{DB: w.svc.DB, Registry: w.svc.Registry, Auth: w.svc.Auth, Audit: w.svc.Audit, Metrics: prometheus.NewRegistry(),
		BusReady: func() error { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	get := func(path string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		return rec
	}
	if rec := get("/readyz"); rec.Code != 200 {
		t.Fatalf("readyz: %d %s", rec.Code, rec.Body)
	}
	srv.Drain()
	if rec := get("/readyz"); rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "draining") || rec.Header().Get("Retry-After") == "" {
		t.Fatalf("readyz while draining: %d %s", rec.Code, rec.Body)
	}
	if rec := get("/healthz"); rec.Code != 200 {
		t.Fatalf("healthz while draining: %d", rec.Code)
	}
	w.svc.DB.Close()
	if rec := get("/readyz"); rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "database: unavailable") || strings.Contains(rec.Body.String(), "sql") {
		t.Fatalf("readyz with the database closed: %d %s", rec.Code, rec.Body)
	}
}
