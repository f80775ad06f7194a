package e2e

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/khien-project/khien/internal/testkit/need"
)

// lbConfig is the load balancer in front of the serve processes, as
// docs/operations.md recommends for open-source nginx (no active health
// checks): a request that cannot connect, times out or gets a 503 is
// passed to the other server, and a failed server is left alone for a
// while. %[1]s is nginx's folder, %[2]s its address, %[3]s the servers.
const lbConfig = `daemon off;
master_process off;
error_log %[1]s/error.log warn;
pid %[1]s/nginx.pid;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path %[1]s/tmp; proxy_temp_path %[1]s/tmp; fastcgi_temp_path %[1]s/tmp; uwsgi_temp_path %[1]s/tmp; scgi_temp_path %[1]s/tmp;
  upstream khien {
%[3]s    keepalive 16;
  }
  server {
    listen %[2]s;
    location / {
      proxy_pass http://khien;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_connect_timeout 2s;
      proxy_read_timeout 60s;
      proxy_next_upstream error timeout http_502 http_503;
      proxy_next_upstream_tries 2;
      proxy_next_upstream_timeout 10s;
    }
  }
}
`

// startNginxLB runs nginx on loopback balancing over the given servers
// (host:port), until the test ends; it answers nginx's base URL.
func startNginxLB(t *testing.T, servers ...string) string {
	t.Helper()
	bin := os.Getenv("KHIEN_TEST_NGINX")
	if bin == "" {
		bin = "/usr/sbin/nginx"
	}
	if _, err := os.Stat(bin); err != nil {
		if bin, err = exec.LookPath("nginx"); err != nil {
			need.Skip(t, "nginx is not installed (scripts/test.sh installs the Debian package)")
		}
	}
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "tmp"), 0o755)
	var up strings.Builder
	for _, s := range servers {
		fmt.Fprintf(&up, "    server %s max_fails=1 fail_timeout=2s;\n", s)
	}
	addr := freePort(t)
	conf := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf(lbConfig, dir, addr, up.String())), 0o644); err != nil {
		t.Fatal(err)
	}
	p := startProcess(t, "nginx", bin, nil, "-p", dir, "-c", conf)
	waitTCP(t, addr, p)
	return "http://" + addr
}

// TestRollingRestartBehindNginx restarts each of two serve processes in
// turn (SIGTERM, exit, start, ready) behind a loopback nginx while a
// loop of authenticated API reads goes through nginx: not one request
// may fail.
func TestRollingRestartBehindNginx(t *testing.T) {
	if testing.Short() {
		t.Skip("rolling restart: real processes")
	}
	pg := startPostgres(t)
	ns := startNATSCluster(t, 1)
	common := []string{"--db", pg.dsn(), "--nats", natsURLs(ns), "--drain", "3s"}
	serves := []*khienProc{startKhien(t, "serve-a", "serve", common...), startKhien(t, "serve-b", "serve", common...)}
	dumpOnFailure(t, serves[0].process, serves[1].process)
	var addrs []string
	for _, s := range serves {
		addrs = append(addrs, strings.TrimPrefix(s.url, "http://"))
	}
	lb := startNginxLB(t, addrs...)
	tok := pgToken(t, pg)

	stop := make(chan struct{})
	var made, failed atomic.Int64
	var lastFail atomic.Value
	done := make(chan struct{})
	for range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			client := &http.Client{Timeout: 30 * time.Second}
			for {
				select {
				case <-stop:
					return
				default:
				}
				req, _ := http.NewRequest("GET", lb+"/api/v1/systems?limit=5", nil)
				req.Header.Set("Authorization", "Bearer "+tok)
				made.Add(1)
				resp, err := client.Do(req)
				if err != nil {
					failed.Add(1)
					lastFail.Store(err.Error())
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					failed.Add(1)
					lastFail.Store(resp.Status)
				}
			}
		}()
	}
	time.Sleep(time.Second)
	for _, s := range serves {
		start := time.Now()
		s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.done:
		case <-time.After(60 * time.Second):
			t.Fatalf("%s did not exit after SIGTERM", s.label)
		}
		s.restart(t)
		t.Logf("%s restarted in %s", s.label, time.Since(start).Round(100*time.Millisecond))
		time.Sleep(time.Second) // the restarted one takes requests again
	}
	close(stop)
	for range 4 {
		<-done
	}
	t.Logf("%d requests through nginx during the rolling restart, %d failed", made.Load(), failed.Load())
	if made.Load() == 0 || failed.Load() > 0 {
		t.Fatalf("%d of %d requests failed (last: %v)", failed.Load(), made.Load(), lastFail.Load())
	}
}
