package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestJSONLogsOnly runs serve with --log-format json on a first start with
// the demo province (so every banner is written: the first admin's random
// password, the demo users, where to log in), makes a few requests and
// stops it with SIGTERM: every line of its standard output and error is a
// JSON record, the banners are records, and each request's line carries
// the X-Request-Id its client got back, the user and the route pattern.
// Its /metrics has the queue, NATS, stream and outbox gauges.
func TestJSONLogsOnly(t *testing.T) {
	data, logs := t.TempDir(), t.TempDir()
	addr := freePort(t)
	cmd := exec.Command(khien, "serve", "--demo", "--data", data, "--addr", addr, "--log-format", "json")
	cmd.Env = append(os.Environ(), "KHIEN_ADMIN_PASSWORD=") // a random first password, printed once
	stdout, stderr := createFile(t, filepath.Join(logs, "stdout")), createFile(t, filepath.Join(logs, "stderr"))
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			<-done
		}
	})
	url := "http://" + addr
	waitHealthy(t, url, done)
	tok := token(t, data, "admin")

	sent := map[string]string{} // request id → the route its line must name
	get := func(path, tok, id, route string, want int) {
		t.Helper()
		req, _ := newRequest("GET", url+path, tok, "", nil)
		if id != "" {
			req.Header.Set("X-Request-Id", id)
		}
		resp, err := httpClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		got := resp.Header.Get("X-Request-Id")
		if resp.StatusCode != want || got == "" || (id != "" && got != id) {
			t.Fatalf("GET %s: %d, X-Request-Id %q (sent %q)", path, resp.StatusCode, got, id)
		}
		sent[got] = route
	}
	get("/api/v1/agencies/1", tok, "e2e-agency-1", "GET /api/v1/agencies/{id}", http.StatusOK)
	get("/api/v1/agencies/1", "", "", "GET /api/v1/agencies/{id}", http.StatusUnauthorized)
	get("/readyz", "", "", "GET /readyz", http.StatusOK)
	code, metrics := getBody(t, url+"/metrics")
	for _, want := range []string{"khien_nats_connected 1", `khien_stream_healthy{stream="KHIEN_JOBS"} 1`, `khien_stream_healthy{stream="KHIEN_DEAD"} 1`,
		`khien_job_queue_depth{kind="site-scan"}`, `khien_job_pending_acks{kind="site-scan"}`, "khien_outbox_backlog "} {
		if code != 200 || !strings.Contains(metrics, want) {
			t.Errorf("/metrics (%d) lacks %s", code, want)
		}
	}

	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve exited with %v", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("serve did not stop on SIGTERM")
	}
	var records []map[string]any
	for _, f := range []string{"stdout", "stderr"} {
		records = append(records, jsonLines(t, filepath.Join(logs, f))...)
	}
	byMsg := map[string][]map[string]any{}
	for _, r := range records {
		msg, _ := r["msg"].(string)
		byMsg[msg] = append(byMsg[msg], r)
	}
	for id, route := range sent {
		found := false
		for _, r := range byMsg["request"] {
			if r["request_id"] == id {
				found = true
				if r["route"] != route || r["method"] != "GET" || r["status"] == nil || r["bytes"] == nil || r["duration_ms"] == nil || r["user"] == nil {
					t.Errorf("request line %v, want route %q", r, route)
				}
				if id == "e2e-agency-1" && r["user"] != "admin" {
					t.Errorf("request line %v names user %v, want admin", r, r["user"])
				}
			}
		}
		if !found {
			t.Errorf("no request line with the request id %q the client got back", id)
		}
	}
	admin := byMsg["first start: created the first admin (password shown once; change it after logging in)"]
	if len(admin) != 1 || admin[0]["password"] == "" || admin[0]["password"] == nil {
		t.Errorf("first admin record: %v", admin)
	}
	if len(byMsg["demo user"]) < 4 || len(byMsg["open the web UI and log in"]) != 1 || len(byMsg["stopped cleanly"]) != 1 {
		t.Errorf("banner and stop records missing: %d demo users, %v, %v", len(byMsg["demo user"]), byMsg["open the web UI and log in"], byMsg["stopped cleanly"])
	}
}

func getBody(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := httpClient.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

func createFile(t *testing.T, path string) *os.File {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// waitHealthy waits until url answers /healthz, or the process ends.
func waitHealthy(t *testing.T, url string, exited <-chan error) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(url + "/healthz")
		if err == nil {
			resp.Body.Close()
			return
		}
		select {
		case err := <-exited:
			t.Fatalf("the process ended before answering: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not answer: %v", url, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// jsonLines reads a log file whose every line must be a JSON object.
func jsonLines(t *testing.T, path string) []map[string]any {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []map[string]any
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		var r map[string]any
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Errorf("%s: not a JSON line: %q", filepath.Base(path), sc.Text())
			continue
		}
		out = append(out, r)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestWorkerHealthListener runs khien worker against a real nats-server
// with --health-addr: /healthz and /readyz answer, /metrics has the
// queue's gauges once the worker joined the queue; when NATS goes away,
// readiness says the bus is unavailable and the connection gauge falls to
// 0; SIGTERM still stops the worker, and its log is JSON only.
func TestWorkerHealthListener(t *testing.T) {
	ns, url := startNATS(t)
	producer := openBus(t, url)
	defer producer.Close()
	logs := t.TempDir()
	health := "http://" + freePort(t)
	w := exec.Command(khien, "worker", "--data", t.TempDir(), "--nats", url, "--log-format", "json", "--health-addr", strings.TrimPrefix(health, "http://"))
	w.Stdout, w.Stderr = createFile(t, filepath.Join(logs, "stdout")), createFile(t, filepath.Join(logs, "stderr"))
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- w.Wait() }()
	t.Cleanup(func() {
		if w.ProcessState == nil {
			w.Process.Kill()
			<-done
		}
	})
	waitHealthy(t, health, done)
	if code, body := getBody(t, health+"/readyz"); code != 200 || body != "ready\n" {
		t.Fatalf("readyz: %d %q", code, body)
	}
	waitConsumer(t, producer, "worker-purge-sessions")
	if err := producer.Enqueue(context.Background(), "purge-sessions", "", nil); err != nil {
		t.Fatal(err)
	}
	waitAcked(t, producer, "worker-purge-sessions")
	code, metrics := getBody(t, health+"/metrics")
	for _, want := range []string{"khien_nats_connected 1", `khien_stream_healthy{stream="KHIEN_JOBS"} 1`, `khien_job_queue_depth{kind="purge-sessions"} 0`,
		`khien_job_pending_acks{kind="purge-sessions"}`, "khien_outbox_backlog 0",
		`khien_job_duration_seconds_count{kind="purge-sessions",outcome="ok"} 1`, "go_sql_"} {
		if code != 200 || !strings.Contains(metrics, want) {
			t.Errorf("worker /metrics (%d) lacks %s", code, want)
		}
	}

	ns.Process.Kill()
	ns.Wait()
	deadline := time.Now().Add(30 * time.Second)
	for {
		code, body := getBody(t, health+"/readyz")
		if code == http.StatusServiceUnavailable && strings.Contains(body, "bus: unavailable") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("readyz with NATS gone: %d %q", code, body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if _, metrics := getBody(t, health+"/metrics"); !strings.Contains(metrics, "khien_nats_connected 0") || !strings.Contains(metrics, `khien_stream_healthy{stream="KHIEN_JOBS"} 0`) {
		t.Errorf("metrics with NATS gone:\n%s", grepLines(metrics, "khien_nats_connected", "khien_stream_healthy"))
	}
	w.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("worker exit: %v", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("worker did not stop on SIGTERM")
	}
	var stopped bool
	for _, f := range []string{"stdout", "stderr"} {
		for _, r := range jsonLines(t, filepath.Join(logs, f)) {
			stopped = stopped || r["msg"] == "khien worker stopped"
		}
	}
	if !stopped {
		t.Error("no \"khien worker stopped\" record")
	}
}

// grepLines keeps the lines of s that start with one of prefixes.
func grepLines(s string, prefixes ...string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		for _, p := range prefixes {
			if strings.HasPrefix(l, p) {
				out = append(out, l)
			}
		}
	}
	return strings.Join(out, "\n")
}

// TestJSONLogsOnFailure: a command that fails after its options were read
// reports the error as a JSON record when the log is JSON.
func TestJSONLogsOnFailure(t *testing.T) {
	out, err := run(t, nil, "serve", "--data", t.TempDir(), "--addr", "256.1.1.1:80", "--log-format", "json")
	if err == nil {
		t.Fatal("serve on an impossible address succeeded")
	}
	path := filepath.Join(t.TempDir(), "out")
	if err := os.WriteFile(path, []byte(out), 0o600); err != nil {
		t.Fatal(err)
	}
	recs := jsonLines(t, path)
	if len(recs) == 0 || recs[len(recs)-1]["msg"] != "khien stopped with an error" || !strings.Contains(fmt.Sprint(recs[len(recs)-1]["err"]), "256.1.1.1") {
		t.Fatalf("failure in a JSON log:\n%s", out)
	}
}
