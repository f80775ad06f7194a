package e2e

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

var khien string // path of the binary under test

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "khien-e2e-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	khien = filepath.Join(dir, "khien")
	_, here, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(here), "..", "..")
	build := exec.Command("go", "build", "-o", khien, "./cmd/khien")
	build.Dir = root
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build khien:", err)
		os.Exit(2)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

const adminPassword = "e2e admin password"

// sharedAuditKey is the audit key every khien process of a test cluster
// is given (KHIEN_AUDIT_KEY): machines sharing one database share one key,
// or all but the first refuse to start.
const sharedAuditKey = "KHIEN_AUDIT_KEY=6b6869656e2d6532652d636c75737465722d61756469742d6b65792d30303031"

// run executes a khien command to completion.
func run(t *testing.T, env []string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(khien, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// server is a running khien serve process.
type server struct {
	t    *testing.T
	cmd  *exec.Cmd
	url  string
	data string
	mu   sync.Mutex
	log  bytes.Buffer
	done chan error
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func startServe(t *testing.T, data string, extra ...string) *server {
	t.Helper()
	addr := freePort(t)
	args := append([]string{"serve", "--data", data, "--addr", addr}, extra...)
	cmd := exec.Command(khien, args...)
	cmd.Env = append(os.Environ(), "KHIEN_ADMIN_PASSWORD="+adminPassword)
	s := &server{t: t, cmd: cmd, url: "http://" + addr, data: data, done: make(chan error, 1)}
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			s.mu.Lock()
			s.log.WriteString(sc.Text() + "\n")
			s.mu.Unlock()
		}
	}()
	go func() { err := cmd.Wait(); pw.Close(); s.done <- err }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			<-s.done
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(s.url + "/healthz")
		if err == nil {
			resp.Body.Close()
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not start: %v\n%s", err, s.output())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (s *server) output() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.log.String()
}

// wait waits for the process to end and returns its error.
func (s *server) wait(d time.Duration) error {
	s.t.Helper()
	select {
	case err := <-s.done:
		return err
	case <-time.After(d):
		s.t.Fatalf("serve did not exit within %s\n%s", d, s.output())
		return nil
	}
}

func (s *server) request(method, path, token, contentType string, body io.Reader) (int, string) {
	s.t.Helper()
	req, err := http.NewRequest(method, s.url+path, body)
	if err != nil {
		s.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func token(t *testing.T, data, user string) string {
	t.Helper()
	out, err := run(t, nil, "token", "create", "--user", user, "--label", "e2e", "--data", data)
	if err != nil {
		t.Fatalf("token create: %v\n%s", err, out)
	}
	tok := strings.TrimSpace(out)
	if !strings.HasPrefix(tok, "khien_") {
		t.Fatalf("token create printed %q", out)
	}
	return tok
}
