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
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/khien-project/khien/internal/testkit/need"
)

// The helpers here run the scale-out deployment with real processes on
// loopback: a throwaway PostgreSQL cluster, a NATS JetStream cluster and
// khien serve and worker processes.

// postgres is a throwaway PostgreSQL cluster owned by the postgres user,
// which the test may stop and start again.
type postgres struct {
	t    *testing.T
	bin  string
	dir  string
	log  string
	port string
	sock string
	uid  string
}

// startPostgres initdbs a cluster in a temporary folder and starts it on a
// loopback port, as scripts/test.sh does; it skips unless run as root with
// the PostgreSQL binaries and the postgres account present.
func startPostgres(t *testing.T) *postgres {
	t.Helper()
	if os.Getuid() != 0 {
		need.Skip(t, "not root: PostgreSQL must be started as the postgres user (scripts/test.sh runs as root)")
	}
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(bins) == 0 {
		need.Skip(t, "no PostgreSQL binaries in /usr/lib/postgresql (scripts/test.sh installs them)")
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		need.Skip(t, "no postgres account (scripts/test.sh creates it)")
	}
	base, err := os.MkdirTemp("", "khien-pg")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	p := &postgres{t: t, bin: filepath.Dir(bins[len(bins)-1]), dir: filepath.Join(base, "data"), sock: filepath.Join(base, "sock"), uid: u.Username}
	p.log = filepath.Join(p.sock, "pg.log")
	_, p.port, _ = net.SplitHostPort(freePort(t))
	os.Chmod(base, 0o755)
	for _, d := range []string{p.dir, p.sock} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(d, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := p.asPostgres("initdb", "-D", p.dir, "-U", "khien", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	p.start()
	t.Cleanup(func() { p.asPostgres("pg_ctl", "-D", p.dir, "-m", "immediate", "stop") })
	return p
}

func (p *postgres) asPostgres(prog string, args ...string) (string, error) {
	cmd := exec.Command("runuser", append([]string{"-u", p.uid, "--", filepath.Join(p.bin, prog)}, args...)...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// dsn is the URL of the cluster's default database.
func (p *postgres) dsn() string {
	return "postgres://khien@127.0.0.1:" + p.port + "/postgres?sslmode=disable"
}

func (p *postgres) start() {
	p.t.Helper()
	opts := fmt.Sprintf("-c listen_addresses=127.0.0.1 -c port=%s -c unix_socket_directories=%s -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300", p.port, p.sock)
	if out, err := p.asPostgres("pg_ctl", "-D", p.dir, "-l", p.log, "-w", "-o", opts, "start"); err != nil {
		logs, _ := os.ReadFile(p.log)
		p.t.Fatalf("pg_ctl start: %v\n%s\n%s", err, out, logs)
	}
}

// stop shuts the server down as an operator's restart does (-m fast:
// sessions are cut, no new connection is accepted).
func (p *postgres) stop() {
	p.t.Helper()
	if out, err := p.asPostgres("pg_ctl", "-D", p.dir, "-m", "fast", "-w", "stop"); err != nil {
		p.t.Fatalf("pg_ctl stop: %v\n%s", err, out)
	}
}

// natsServerBinary finds nats-server ($KHIEN_TEST_NATS_SERVER or $PATH)
// or skips.
func natsServerBinary(t *testing.T) string {
	t.Helper()
	if bin := os.Getenv("KHIEN_TEST_NATS_SERVER"); bin != "" {
		return bin
	}
	bin, err := exec.LookPath("nats-server")
	if err != nil {
		need.Skip(t, "no nats-server (scripts/test.sh provides one)")
	}
	return bin
}

// natsNode is one nats-server of a cluster.
type natsNode struct {
	name string
	url  string
	proc *process
}

// startNATSCluster starts n nats-server nodes forming one JetStream
// cluster on loopback (n = 1: a single server), each storing in its own
// temporary folder.
func startNATSCluster(t *testing.T, n int) []*natsNode {
	t.Helper()
	bin := natsServerBinary(t)
	clients, routes := make([]string, n), make([]string, n)
	for i := range n {
		clients[i], routes[i] = freePort(t), freePort(t)
	}
	var nodes []*natsNode
	for i := range n {
		dir := t.TempDir()
		var rs []string
		for j, r := range routes {
			if j != i {
				rs = append(rs, "nats-route://"+r)
			}
		}
		name := fmt.Sprintf("n%d", i+1)
		conf := fmt.Sprintf("server_name: %s\nlisten: %s\njetstream { store_dir: %q }\n", name, clients[i], filepath.Join(dir, "js"))
		if n > 1 {
			conf += fmt.Sprintf("cluster {\n  name: khien-e2e\n  listen: %s\n  routes: [%s]\n}\n", routes[i], strings.Join(rs, ", "))
		}
		path := filepath.Join(dir, "nats.conf")
		if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
			t.Fatal(err)
		}
		nodes = append(nodes, &natsNode{name: name, url: "nats://" + clients[i], proc: startProcess(t, name, bin, nil, "-c", path)})
	}
	for _, nd := range nodes {
		waitTCP(t, strings.TrimPrefix(nd.url, "nats://"), nd.proc)
	}
	return nodes
}

// natsURLs lists every node's URL, as --nats takes it.
func natsURLs(nodes []*natsNode) string {
	var urls []string
	for _, nd := range nodes {
		urls = append(urls, nd.url)
	}
	return strings.Join(urls, ",")
}

// process is a running child process whose output is kept.
type process struct {
	t    *testing.T
	name string
	cmd  *exec.Cmd
	mu   sync.Mutex
	log  bytes.Buffer
	done chan struct{}
	err  error
}

// startProcess starts bin with args; the test's end kills it.
func startProcess(t *testing.T, name, bin string, env []string, args ...string) *process {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	p := &process{t: t, name: name, cmd: cmd, done: make(chan struct{})}
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			p.mu.Lock()
			p.log.WriteString(sc.Text() + "\n")
			p.mu.Unlock()
		}
		io.Copy(io.Discard, pr)
	}()
	go func() { p.err = cmd.Wait(); pw.Close(); close(p.done) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-p.done
	})
	return p
}

func (p *process) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.log.String()
}

func (p *process) pid() int { return p.cmd.Process.Pid }

func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// kill9 kills the process without warning and waits for it.
func (p *process) kill9() {
	p.cmd.Process.Kill()
	<-p.done
}

// waitTCP waits until addr accepts connections.
func waitTCP(t *testing.T, addr string, p *process) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return
		}
		if p.exited() || time.Now().After(deadline) {
			t.Fatalf("%s did not listen on %s: %v\n%s", p.name, addr, err, p.output())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// khienProc is a khien serve or worker process.
type khienProc struct {
	*process
	label string
	url   string   // serve's base URL ("" for a worker)
	args  []string // what it was started with, to start it again
}

// startKhien starts `khien serve` (with an address) or `khien worker`,
// each with its own data folder, and for serve waits until it is ready.
func startKhien(t *testing.T, name, command string, args ...string) *khienProc {
	t.Helper()
	args = append([]string{command, "--data", t.TempDir(), "--log-format", "json"}, args...)
	k := &khienProc{label: name}
	if command == "serve" {
		addr := freePort(t)
		args = append(args, "--addr", addr)
		k.url = "http://" + addr
	}
	k.args = args
	k.start(t)
	return k
}

func (k *khienProc) start(t *testing.T) {
	t.Helper()
	k.process = startProcess(t, k.label, khien, []string{"KHIEN_ADMIN_PASSWORD=" + adminPassword, sharedAuditKey}, k.args...)
	if k.url != "" {
		k.waitReady(60 * time.Second)
	}
}

// restart starts the process again, with the same options, address and
// data folder, once the previous one has exited.
func (k *khienProc) restart(t *testing.T) {
	t.Helper()
	if !k.exited() {
		t.Fatalf("%s is still running", k.name)
	}
	k.start(t)
}

// waitReady waits until /readyz answers 200.
func (k *khienProc) waitReady(d time.Duration) {
	k.t.Helper()
	deadline := time.Now().Add(d)
	for {
		resp, err := http.Get(k.url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		if k.exited() || time.Now().After(deadline) {
			k.t.Fatalf("%s not ready: %v\n%s", k.name, err, k.output())
		}
		time.Sleep(100 * time.Millisecond)
	}
}
