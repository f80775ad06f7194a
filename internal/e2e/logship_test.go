package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/khien-project/khien/internal/testkit/need"
)

// TestAgencyShipsLogs follows issue 11's path as an agency ships its logs:
// a Windows event log file (EVTX) posted with the agency's ingest token
// and a Linux host's syslog sent by the real `logger` over TCP reach
// serve; SigmaHQ rules imported as a pack find the certutil download in
// the first and the sshd attack in the second, each raised for the right
// agency and system (the EVTX by its token, the syslog by its sender's
// address in the registry); ordinary lines raise nothing; an officer of
// another agency sees none of it (404 by id); an analyst acknowledges.
func TestAgencyShipsLogs(t *testing.T) {
	loggerBin, err := exec.LookPath("logger")
	if err != nil {
		need.Skip(t, "logger (util-linux/bsdutils) is not installed")
	}
	sigma := filepath.Join("..", "..", "..", "shared", "reference", "sigma", "rules")
	var pack bytes.Buffer
	for _, f := range []string{"windows/process_creation/proc_creation_win_certutil_download.yml", "linux/builtin/sshd/lnx_sshd_susp_ssh.yml"} {
		b, err := os.ReadFile(filepath.Join(sigma, f))
		if err != nil {
			need.Skip(t, "the SigmaHQ rules are not at %s: %v", sigma, err)
		}
		pack.WriteString("---\n")
		pack.Write(b)
	}
	evtxFile, err := os.ReadFile(filepath.Join("..", "cli", "testdata", "windows.evtx"))
	if err != nil {
		t.Fatal(err)
	}
	data := t.TempDir()
	syslogAddr := freePort(t)
	s := startServe(t, data, "--ingest.syslog_tcp", syslogAddr)
	admin := token(t, data, "admin")

	call := func(tok, method, path string, body any) (int, map[string]any) {
		t.Helper()
		var rd *bytes.Reader
		ct := ""
		switch b := body.(type) {
		case nil:
			rd = bytes.NewReader(nil)
		case []byte:
			rd, ct = bytes.NewReader(b), "application/octet-stream"
		default:
			j, _ := json.Marshal(b)
			rd, ct = bytes.NewReader(j), "application/json"
		}
		code, out := s.request(method, path, tok, ct, rd)
		var m map[string]any
		_ = json.Unmarshal([]byte(out), &m)
		if m == nil {
			m = map[string]any{"raw": out}
		}
		return code, m
	}
	id := func(m map[string]any) int64 { f, _ := m["id"].(float64); return int64(f) }
	mustCreate := func(path string, body any) int64 {
		t.Helper()
		code, m := call(admin, "POST", path, body)
		if code != 201 && code != 200 {
			t.Fatalf("POST %s: %d %v", path, code, m)
		}
		return id(m)
	}
	agencyA := mustCreate("/api/v1/agencies", map[string]any{"code": "SOYT", "name": "Sở Y tế"})
	agencyB := mustCreate("/api/v1/agencies", map[string]any{"code": "SOTC", "name": "Sở Tài chính"})
	winSys := mustCreate("/api/v1/systems", map[string]any{"agency_id": agencyA, "name": "Máy chủ miền Windows Sở Y tế"})
	linuxSys := mustCreate("/api/v1/systems", map[string]any{"agency_id": agencyA, "name": "Cổng thông tin Sở Y tế (Linux)", "ips": []string{"127.0.0.1"}})
	mustCreate("/api/v1/systems", map[string]any{"agency_id": agencyB, "name": "Hệ thống Sở Tài chính", "ips": []string{"10.20.30.40"}})
	if code, m := call(admin, "POST", "/api/v1/rules/packs?name=e2e&filename=rules.yml", pack.Bytes()); code != 200 {
		t.Fatalf("rule pack: %d %v", code, m)
	}
	code, m := call(admin, "POST", "/api/v1/ingest/tokens", map[string]any{"agency_id": agencyA, "system_id": winSys, "label": "windows"})
	ingestTok, _ := m["token"].(string)
	if code != 201 && code != 200 || ingestTok == "" {
		t.Fatalf("ingest token: %d %v", code, m)
	}
	for _, u := range []struct {
		name, role string
		agency     int64
	}{{"canbo-soyt", "agency", agencyA}, {"canbo-sotc", "agency", agencyB}, {"chuyenvien", "analyst", 0}} {
		body := map[string]any{"username": u.name, "password": "một mật khẩu đủ dài 2026", "role": u.role}
		if u.agency != 0 {
			body["agency_id"] = u.agency
		}
		mustCreate("/api/v1/users", body)
	}
	officerA, officerB, analyst := token(t, data, "canbo-soyt"), token(t, data, "canbo-sotc"), token(t, data, "chuyenvien")

	// The Windows log file, with the agency's ingest token.
	if code, m := call(ingestTok, "POST", "/api/v1/ingest", evtxFile); code != 200 || m["accepted"] != float64(4) {
		t.Fatalf("EVTX upload: %d %v", code, m)
	}
	if code, m := call(ingestTok, "POST", "/api/v1/ingest", append([]byte("ElfFile\x00"), make([]byte, 120)...)); code != 400 {
		t.Errorf("a damaged EVTX header: %d %v, want 400", code, m)
	}
	if code, _ := call("not-a-token", "POST", "/api/v1/ingest", evtxFile); code != 401 {
		t.Errorf("EVTX without a valid token: %d, want 401", code)
	}
	// The Linux host's syslog, by the real logger over TCP (RFC 5424).
	host, port, _ := net.SplitHostPort(syslogAddr)
	for _, line := range []string{
		"Accepted publickey for deploy from 198.51.100.4 port 50122 ssh2",
		"fatal: buffer_get_string: bad string",
		"Connection closed by 198.51.100.4 port 50122",
	} {
		if out, err := exec.Command(loggerBin, "--tcp", "--rfc5424", "-n", host, "-P", port, "-t", "sshd", "--", line).CombinedOutput(); err != nil {
			t.Fatalf("logger: %v %s", err, out)
		}
	}

	type detection struct {
		ID       int64  `json:"id"`
		RuleUID  string `json:"rule_uid"`
		Title    string `json:"rule_title"`
		AgencyID int64  `json:"agency_id"`
		SystemID int64  `json:"system_id"`
		Status   string `json:"status"`
		Count    int    `json:"count"`
	}
	list := func(tok string) []detection {
		t.Helper()
		code, out := s.request("GET", "/api/v1/detections", tok, "", nil)
		var l struct{ Items []detection }
		if code != 200 || json.Unmarshal([]byte(out), &l) != nil {
			t.Fatalf("detections: %d %s", code, out)
		}
		return l.Items
	}
	var got []detection
	deadline := time.Now().Add(90 * time.Second)
	for len(got) < 2 && time.Now().Before(deadline) {
		time.Sleep(300 * time.Millisecond)
		got = list(admin)
	}
	by := map[string]detection{}
	for _, d := range got {
		by[d.RuleUID] = d
	}
	win, lin := by["19b08b1c-861d-4e75-a1ef-ea0c1baf202b"], by["e76b413a-83d0-4b94-8e4c-85db4a5b8bdc"]
	if len(got) != 2 || win.AgencyID != agencyA || win.SystemID != winSys || lin.AgencyID != agencyA || lin.SystemID != linuxSys || win.Count != 1 || lin.Count != 1 {
		t.Fatalf("detections (want the certutil download on the Windows system and the sshd error on the Linux one, once each): %+v\n%s", got, s.output())
	}

	// Scope: the officer of A sees both, the officer of B none.
	if n := len(list(officerA)); n != 2 {
		t.Errorf("officer of A sees %d detections, want 2", n)
	}
	if n := len(list(officerB)); n != 0 {
		t.Errorf("officer of B sees %d detections, want 0", n)
	}
	if code, _ := call(officerB, "GET", fmt.Sprintf("/api/v1/detections/%d", win.ID), nil); code != 404 {
		t.Errorf("officer of B reading A's detection: %d, want 404", code)
	}
	if code, _ := call(officerA, "POST", fmt.Sprintf("/api/v1/detections/%d/status", win.ID), map[string]any{"status": "acknowledged"}); code != 403 {
		t.Errorf("officer acknowledging: %d, want 403", code)
	}
	// The analyst acknowledges; the officer sees it so.
	if code, m := call(analyst, "POST", fmt.Sprintf("/api/v1/detections/%d/status", win.ID), map[string]any{"status": "acknowledged", "note": "đã cô lập máy"}); code != 200 {
		t.Fatalf("analyst acknowledging: %d %v", code, m)
	}
	code, m = call(officerA, "GET", fmt.Sprintf("/api/v1/detections/%d", win.ID), nil)
	if code != 200 || m["status"] != "acknowledged" {
		t.Errorf("after the acknowledgement: %d %v", code, m["status"])
	}
	// Both logs are stored and searchable by the agency.
	code, out := s.request("GET", "/api/v1/logs/events?q=buffer_get_string", officerA, "", nil)
	if code != 200 || !strings.Contains(out, "buffer_get_string") {
		t.Errorf("the syslog line in the officer's search: %d %.300s", code, out)
	}
	if code, out := s.request("GET", "/api/v1/logs/events?q=buffer_get_string", officerB, "", nil); code != 200 || strings.Contains(out, "buffer_get_string") {
		t.Errorf("officer of B finds A's log line: %d", code)
	}
	// "Test this rule" over the last hour of stored events, in scope.
	sshdRule, _ := os.ReadFile(filepath.Join(sigma, "linux/builtin/sshd/lnx_sshd_susp_ssh.yml"))
	for _, c := range []struct {
		tok  string
		want int
	}{{officerA, 1}, {officerB, 0}} {
		code, m := call(c.tok, "POST", "/api/v1/rules/test", map[string]any{"rule": string(sshdRule), "stored": true})
		matches, _ := m["matches"].([]any)
		if code != 200 || len(matches) != c.want || m["events"].(float64) < float64(c.want) {
			t.Errorf("rule test over stored events: %d, %d matches of %v events, want %d", code, len(matches), m["events"], c.want)
		}
	}
}
