package e2e

import (
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/khien-project/khien/internal/testkit/need"
)

// corsProbeOrigin is the Origin the scanner sends once per assessment
// (webscan.CORSProbeOrigin; the monitor's probes never send it).
const corsProbeOrigin = "https://scanner.khien.invalid"

// assessment is one assessment a target received: when, and from which
// of the watched processes (0: none of them).
type assessment struct {
	at  time.Time
	pid int
}

// targets are local sites, each on its own loopback address (the scanner
// assesses one host at a time), counting the assessments they receive.
type targets struct {
	mu    sync.Mutex
	urls  []string
	seen  map[string][]assessment // by site URL
	pids  []int
	delay time.Duration
}

// startTargets starts n sites on 127.0.2.1 … 127.0.2.n; each holds the
// scanner's CORS probe for delay, so that assessments are in flight when
// a process is killed.
func startTargets(t *testing.T, n int, delay time.Duration) *targets {
	t.Helper()
	tg := &targets{seen: map[string][]assessment{}, delay: delay}
	for i := 1; i <= n; i++ {
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.2.%d:0", i))
		if err != nil {
			need.Skip(t, "cannot listen on a second loopback address: %v", err)
		}
		site := "http://" + ln.Addr().String() + "/"
		srv := &http.Server{Handler: tg.handler(site), ErrorLog: log.New(io.Discard, "", 0)}
		go srv.Serve(ln)
		t.Cleanup(func() { srv.Close() })
		tg.urls = append(tg.urls, site)
	}
	return tg
}

// watch names the processes assessments are attributed to.
func (tg *targets) watch(pids ...int) {
	tg.mu.Lock()
	tg.pids = append(tg.pids, pids...)
	tg.mu.Unlock()
}

func (tg *targets) handler(site string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Origin") == corsProbeOrigin {
			tg.mu.Lock()
			pids := tg.pids
			tg.mu.Unlock()
			server, _ := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
			a := assessment{at: time.Now(), pid: connOwner(r.RemoteAddr, server, pids)}
			tg.mu.Lock()
			tg.seen[site] = append(tg.seen[site], a)
			tg.mu.Unlock()
			time.Sleep(tg.delay)
		}
		portalHandler(w, r)
	})
}

// assessments returns what each site received.
func (tg *targets) assessments() map[string][]assessment {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	out := map[string][]assessment{}
	for k, v := range tg.seen {
		out[k] = append([]assessment(nil), v...)
	}
	return out
}

// connOwner finds which of pids holds the client end of a loopback TCP
// connection from remote to server (Linux: /proc/net/tcp gives the
// socket's inode, /proc/PID/fd the process holding it); 0 if none.
func connOwner(remote string, server net.Addr, pids []int) int {
	client, err := net.ResolveTCPAddr("tcp", remote)
	if err != nil || server == nil {
		return 0
	}
	srv, err := net.ResolveTCPAddr("tcp", server.String())
	if err != nil {
		return 0
	}
	raw, err := os.ReadFile("/proc/net/tcp")
	if err != nil {
		return 0
	}
	local, peer := procTCPAddr(client), procTCPAddr(srv)
	inode := ""
	for _, line := range strings.Split(string(raw), "\n") {
		f := strings.Fields(line)
		if len(f) > 9 && f[1] == local && f[2] == peer {
			inode = f[9]
			break
		}
	}
	if inode == "" {
		return 0
	}
	want := "socket:[" + inode + "]"
	for _, pid := range pids {
		dir := fmt.Sprintf("/proc/%d/fd", pid)
		fds, _ := os.ReadDir(dir)
		for _, fd := range fds {
			if l, err := os.Readlink(filepath.Join(dir, fd.Name())); err == nil && l == want {
				return pid
			}
		}
	}
	return 0
}

// procTCPAddr writes an IPv4 address as /proc/net/tcp does (the address
// as a little-endian word, the port big-endian, both in hex).
func procTCPAddr(a *net.TCPAddr) string {
	ip := a.IP.To4()
	if ip == nil {
		return ""
	}
	return fmt.Sprintf("%02X%02X%02X%02X:%04X", ip[3], ip[2], ip[1], ip[0], a.Port)
}
