package e2e

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestDemoVersionMigrateAndAuditVerify(t *testing.T) {
	data := t.TempDir()
	out, err := run(t, []string{"KHIEN_ADMIN_PASSWORD=" + adminPassword}, "demo", "--data", data)
	if err != nil || !strings.Contains(out, "Demo: created 20 agencies") || !strings.Contains(out, "canbo.stc") {
		t.Fatalf("demo: %v\n%s", err, out)
	}
	if out, err = run(t, nil, "demo", "--data", data); err == nil || !strings.Contains(out, "already holds agencies") {
		t.Fatalf("second demo: %v %s", err, out)
	}
	if out, err = run(t, nil, "version"); err != nil || !strings.HasPrefix(out, "khien ") {
		t.Fatalf("version: %v %s", err, out)
	}
	if out, err = run(t, nil, "migrate", "--data", data); err != nil || !strings.Contains(out, "applied 0 migration") {
		t.Fatalf("migrate: %v %s", err, out)
	}
	if out, err = run(t, nil, "audit", "verify", "--data", data); err != nil || !strings.Contains(out, "intact") {
		t.Fatalf("audit verify: %v %s", err, out)
	}
	// Alter one row behind Khiên's back: verify names it and fails.
	db, err := sql.Open("sqlite", filepath.Join(data, "khien.db"))
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`DROP TRIGGER audit_log_no_update`, `UPDATE audit_log SET actor = 'mallory' WHERE id = 7`} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	if out, err = run(t, nil, "audit", "verify", "--data", data); err == nil || !strings.Contains(out, "BROKEN: entry 7") {
		t.Fatalf("tampered audit verify: %v %s", err, out)
	}
	// The operator who lost the admin's password sets another.
	if out, err = run(t, []string{"KHIEN_NEW_PASSWORD=operator chosen password"}, "user", "reset-password", "--user", "ADMIN", "--data", data); err != nil ||
		!strings.Contains(out, "set from KHIEN_NEW_PASSWORD") || strings.Contains(out, "operator chosen") {
		t.Fatalf("reset-password from the environment: %v %s", err, out)
	}
	if out, err = run(t, nil, "user", "reset-password", "--user", "admin", "--data", data); err != nil || !strings.Contains(out, "shown once") {
		t.Fatalf("reset-password: %v %s", err, out)
	}
}

func TestServeDemoAndConfigFile(t *testing.T) {
	data := t.TempDir()
	cfg := filepath.Join(t.TempDir(), "khien.yaml")
	if err := os.WriteFile(cfg, []byte("log-format: json\nshutdown-timeout: 5s\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := startServe(t, data, "--demo", "--config", cfg)
	// With JSON logs the demo banner is a record too (TestJSONLogsOnly checks every line).
	if !strings.Contains(s.output(), `"msg":"demo: created the fictional province Sông Lam"`) || !strings.Contains(s.output(), `"msg":"khien serving"`) {
		t.Fatalf("serve --demo with a JSON log config:\n%s", s.output())
	}
	tok := token(t, data, "canbo.stc")
	code, body := s.request("GET", "/api/v1/systems?limit=1000", tok, "", nil)
	if code != 200 || strings.Contains(body, "Sở Y tế") || !strings.Contains(body, "Sở Tài chính") {
		t.Fatalf("agency officer's view of the demo: %d", code)
	}
	// The demo shows every feature from its recorded history: granted and
	// suspended labels, grade histories, uptime bars, the overview.
	an := token(t, data, "analyst")
	code, body = s.request("GET", "/api/v1/labels?limit=200", an, "", nil)
	if code != 200 || !strings.Contains(body, `"state":"granted"`) || !strings.Contains(body, `"state":"suspended"`) {
		t.Errorf("demo labels: %d, want granted and suspended ones", code)
	}
	code, body = s.request("GET", "/monitoring/overview", an, "", nil)
	if code != 200 || !strings.Contains(body, `class="state s-down"`) || !strings.Contains(body, `class="bad"`) || strings.Contains(body, `class="state s-unknown"`) {
		t.Errorf("demo overview page: %d (a site down, a certificate ending soon, every site probed)", code)
	}
	code, body = s.request("GET", "/api/v1/monitoring/overview?limit=1", an, "", nil)
	var ov struct {
		Items []struct {
			SiteID int64 `json:"site_id"`
		} `json:"items"`
	}
	if code != 200 || json.Unmarshal([]byte(body), &ov) != nil || len(ov.Items) != 1 {
		t.Fatalf("demo overview API: %d %s", code, body)
	}
	code, body = s.request("GET", fmt.Sprintf("/sites/%d", ov.Items[0].SiteID), an, "", nil)
	if code != 200 || strings.Count(body, `<circle`) < 30 || !strings.Contains(body, "chart-day-ok") || strings.Contains(body, "chart-empty") || strings.Contains(body, `/scan" class="inline"`) || !strings.Contains(body, "dữ liệu đã ghi sẵn") || !strings.Contains(body, "chart-p95") {
		t.Errorf("demo site page (no scan button, says its data is recorded): %d, %d history points, uptime bars %v, an empty chart %v, p95 line %v", code, strings.Count(body, `<circle`),
			strings.Contains(body, "chart-day-ok"), strings.Contains(body, "chart-empty"), strings.Contains(body, "chart-p95"))
	}
	code, body = s.request("GET", "/status/SL-YT", "", "", nil)
	if code != 200 || !strings.Contains(body, "syt.songlam.example") || strings.Contains(body, "stc.songlam.example") {
		t.Errorf("the demo health department's public status page: %d", code)
	}
	if code, _ := s.request("GET", "/status/SL-TC", "", "", nil); code != 404 {
		t.Errorf("an agency that did not publish a status page: %d, want 404", code)
	}
	code, body = s.request("GET", "/", an, "", nil)
	if code != 200 || strings.Count(body, "chart-link") < 7 {
		t.Errorf("demo dashboard: %d, want the grade chart's seven bars", code)
	}
	s.cmd.Process.Signal(syscall.SIGINT)
	if err := s.wait(20 * time.Second); err != nil {
		t.Fatalf("SIGINT: %v", err)
	}
	// A bad option is a clear error, not a panic.
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, []byte("adress: 1\n"), 0o600)
	if out, err := run(t, nil, "serve", "--data", data, "--config", bad); err == nil || !strings.Contains(out, `unknown option "adress"`) {
		t.Fatalf("bad config: %v %s", err, out)
	}
	if out, err := run(t, []string{"KHIEN_LOG_FORMAT=xml"}, "serve", "--data", data); err == nil || !strings.Contains(out, "log-format") {
		t.Fatalf("bad env option: %v %s", err, out)
	}
}

func TestWorkerNeedsExternalNATS(t *testing.T) {
	out, err := run(t, nil, "worker", "--data", t.TempDir())
	if err == nil || !strings.Contains(out, "needs --nats") {
		t.Fatalf("worker without --nats: %v %s", err, out)
	}
}
