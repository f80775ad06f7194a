package e2e

import (
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// portalHandler answers like a well-configured agency portal.
func portalHandler(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("Strict-Transport-Security", "max-age=63072000")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Type", "text/html; charset=utf-8")
	io.WriteString(w, `<!doctype html><html lang="vi"><head><title>Cổng thông tin</title></head><body><h1>Sở Tư pháp</h1><p>Thủ tục hành chính.</p></body></html>`)
}

// TestScanThroughThePlatform registers a system whose URL is a TLS portal
// on loopback, asks the running platform to scan it now, and checks that
// the report the API stores is the one `khien scan --json` prints for the
// same site (apart from its start time and duration); then grants a trust
// label and reads the public verification page and badge without logging in.
func TestScanThroughThePlatform(t *testing.T) {
	dir := t.TempDir()
	cert, key := selfSigned(t, dir)
	pair, err := tls.LoadX509KeyPair(cert, key)
	if err != nil {
		t.Fatal(err)
	}
	portal := httptest.NewUnstartedServer(http.HandlerFunc(portalHandler))
	portal.Config.ErrorLog = log.New(io.Discard, "", 0)
	portal.TLS = &tls.Config{Certificates: []tls.Certificate{pair}}
	portal.StartTLS()
	defer portal.Close()
	siteURL := portal.URL + "/"

	data := filepath.Join(dir, "data")
	srv := startServe(t, data, "--scan.allow_private", "--scan.ca_file", cert)
	tok := token(t, data, "admin")
	api := func(method, path string, body any) (int, map[string]any) {
		t.Helper()
		var rd io.Reader
		if body != nil {
			raw, _ := json.Marshal(body)
			rd = strings.NewReader(string(raw))
		}
		code, out := srv.request(method, path, tok, "application/json", rd)
		var m map[string]any
		json.Unmarshal([]byte(out), &m)
		if code >= 300 {
			t.Logf("%s %s: %d %s", method, path, code, out)
		}
		return code, m
	}
	code, ag := api("POST", "/api/v1/agencies", map[string]any{"code": "STP", "name": "Sở Tư pháp"})
	if code != 201 {
		t.Fatalf("agency: %d", code)
	}
	code, _ = api("POST", "/api/v1/systems", map[string]any{"agency_id": ag["id"], "name": "Cổng thông tin Sở Tư pháp", "urls": []string{siteURL}})
	if code != 201 {
		t.Fatalf("system: %d", code)
	}
	// The new URL is a site at once; scan it now.
	code, scan := api("POST", "/api/v1/scans", map[string]any{"url": siteURL})
	if code != http.StatusAccepted || scan["status"] != "queued" {
		t.Fatalf("scan now: %d %v", code, scan)
	}
	id := int64(scan["id"].(float64))
	deadline := time.Now().Add(60 * time.Second)
	for {
		_, got := api("GET", fmt.Sprintf("/api/v1/scans/%d", id), nil)
		if got["status"] == "done" {
			break
		}
		if got["status"] == "error" || time.Now().After(deadline) {
			t.Fatalf("scan %d: %v\n%s", id, got, srv.output())
		}
		time.Sleep(200 * time.Millisecond)
	}
	_, fromAPI := srv.request("GET", fmt.Sprintf("/api/v1/scans/%d/report", id), tok, "", nil)
	fromCLI, err := exec.Command(khien, "scan", siteURL, "--json", "--allow-private", "--ca-file", cert).Output()
	if err != nil {
		t.Fatalf("khien scan: %v", err)
	}
	norm := func(raw string) string {
		var m map[string]any
		if err := json.Unmarshal([]byte(raw), &m); err != nil {
			t.Fatalf("report: %v\n%s", err, raw)
		}
		delete(m, "started_at")
		delete(m, "duration_ms")
		out, _ := json.MarshalIndent(m, "", " ")
		return string(out)
	}
	a, c := norm(fromAPI), norm(string(fromCLI))
	if a != c {
		t.Fatalf("the API's report differs from the CLI's:\nAPI: %s\nCLI: %s", a, c)
	}
	var rep struct{ Grade string }
	json.Unmarshal([]byte(fromAPI), &rep)

	// A label, verified in public.
	_, site := api("GET", "/api/v1/sites?q=127.0.0.1", nil)
	items := site["items"].([]any)
	siteID := items[0].(map[string]any)["id"]
	code, label := api("POST", "/api/v1/labels", map[string]any{"site_id": siteID, "privacy_url": siteURL + "chinh-sach", "contact": "attt@stp.example"})
	if code != 201 {
		t.Fatalf("grant (grade %s): %d %v", rep.Grade, code, label)
	}
	lid := label["id"].(string)
	code, page := srv.request("GET", "/trust/"+lid, "", "", nil)
	if code != 200 || !strings.Contains(page, "Sở Tư pháp") || !strings.Contains(page, "Hợp lệ") {
		t.Fatalf("public page: %d\n%s", code, page)
	}
	resp, err := http.Get(srv.url + "/trust/" + lid + "/badge.svg")
	if err != nil {
		t.Fatal(err)
	}
	badge, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.Header.Get("Content-Type") != "image/svg+xml" || resp.Header.Get("Cross-Origin-Resource-Policy") != "cross-origin" || !strings.Contains(string(badge), rep.Grade) {
		t.Fatalf("badge: %v %s", resp.Header, badge)
	}
	t.Logf("platform scan grade %s, label %s", rep.Grade, lid)
}
