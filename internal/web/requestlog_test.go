package web_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/khien-project/khien/internal/web"
)

// lockedBuffer is a log destination the server and the test share.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// records are the JSON log records written so far.
func (b *lockedBuffer) records(t *testing.T) []map[string]any {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(b.buf.Bytes()))
	for sc.Scan() {
		var rec map[string]any
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("log line is not JSON: %q", sc.Text())
		}
		out = append(out, rec)
	}
	return out
}

// TestRequestLog: every answer carries X-Request-Id (a sane incoming one
// kept, anything else replaced), and the request log names the id, the
// caller, the route pattern (not the path), the status, the bytes written
// and the duration; with the log off, nothing is written.
func TestRequestLog(t *testing.T) {
	w := newWorld(t, "sqlite")
	var logs lockedBuffer
	deps := w.deps()
	deps.LogRequests = true
	deps.Log = slog.New(web.LogHandler(slog.NewJSONHandler(&logs, nil)))
	srv, err := web.New(deps)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	agency := fmt.Sprintf("/api/v1/agencies/%d", w.a.ID)
	cases := []struct {
		name, role, path, sentID string
		keepID                   bool
		route, user              string
		status                   int
	}{
		{"sane id kept, pattern logged", "admin", agency, "client-42.retry_1", true, "GET /api/v1/agencies/{id}", "admin", 200},
		{"agency officer", "agencyA", agency, "", false, "GET /api/v1/agencies/{id}", "agencyA", 200},
		{"anonymous gets 401", "anonymous", agency, "has space", false, "GET /api/v1/agencies/{id}", "-", 401},
		{"unknown path", "anonymous", "/no/such/page", strings.Repeat("a", 65), false, "unmatched", "-", 404},
		{"header injection refused", "anonymous", "/healthz", `x"},{"forged":1`, false, "GET /healthz", "-", 200},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", ts.URL+c.path, nil)
			if tok := w.tokens[c.role]; tok != "" {
				req.Header.Set("Authorization", "Bearer "+tok)
			}
			if c.sentID != "" {
				req.Header["X-Request-Id"] = []string{c.sentID}
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			id := resp.Header.Get("X-Request-Id")
			switch {
			case c.keepID && id != c.sentID:
				t.Fatalf("request id %q, want the client's %q", id, c.sentID)
			case !c.keepID && (id == c.sentID || len(id) < 16 || len(id) > 64 || strings.ContainsAny(id, " \"\n")):
				t.Fatalf("request id %q for a client's %q", id, c.sentID)
			}
			var line map[string]any
			for _, rec := range logs.records(t) {
				if rec["msg"] == "request" && rec["request_id"] == id {
					line = rec
				}
			}
			if line == nil {
				t.Fatalf("no request line with id %q in\n%s", id, logs.buf.String())
			}
			want := map[string]any{"level": "INFO", "method": "GET", "route": c.route, "user": c.user, "status": float64(c.status), "bytes": float64(len(body))}
			for k, v := range want {
				if line[k] != v {
					t.Errorf("%s = %v, want %v (line %v)", k, line[k], v, line)
				}
			}
			if d, ok := line["duration_ms"].(float64); !ok || d < 0 {
				t.Errorf("duration_ms = %v", line["duration_ms"])
			}
			for k, v := range line {
				if v == c.path && c.path != c.route {
					t.Errorf("the raw path is logged as %s: %v", k, line)
				}
			}
		})
	}

	t.Run("switched off", func(t *testing.T) {
		var quiet lockedBuffer
		deps := w.deps()
		deps.Log = slog.New(slog.NewJSONHandler(&quiet, nil))
		srv, err := web.New(deps)
		if err != nil {
			t.Fatal(err)
		}
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
		if rec.Header().Get("X-Request-Id") == "" {
			t.Error("no X-Request-Id with the request log off")
		}
		if n := len(quiet.records(t)); n != 0 {
			t.Errorf("%d log lines with the request log off", n)
		}
	})
}
