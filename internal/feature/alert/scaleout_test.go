package alert_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/khien-project/khien/internal/feature/alert"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/audit"
	"github.com/khien-project/khien/internal/platform/bus"
	"github.com/khien-project/khien/internal/platform/events"
	"github.com/khien-project/khien/internal/platform/logstream"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/store/storetest"
	"github.com/khien-project/khien/internal/testkit/need"
)

// workerEnv makes the test binary a detection worker (as khien worker
// runs it) over KHIEN_DSN and NATS_URL, until it is killed.
const workerEnv = "KHIEN_ALERT_WORKER"

func TestMain(m *testing.M) {
	if os.Getenv(workerEnv) == "1" {
		os.Exit(runWorker())
	}
	os.Exit(m.Run())
}

func runWorker() int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	db, err := store.Open(ctx, os.Getenv("KHIEN_DSN"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer db.Close()
	b, err := bus.Open(ctx, bus.Options{URL: os.Getenv("NATS_URL"), Name: "alert-worker"})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer b.Close()
	svc := alert.New(db, audit.New(db), events.New(db, nil), alert.Config{Partitions: 4})
	svc.Run(ctx, b.JetStream(), fastRun)
	return 0
}

func natsServer(t *testing.T) string {
	t.Helper()
	bin := os.Getenv("KHIEN_TEST_NATS_SERVER")
	if bin == "" {
		var err error
		if bin, err = exec.LookPath("nats-server"); err != nil {
			need.Skip(t, "no nats-server: install the Debian package or set KHIEN_TEST_NATS_SERVER")
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command(bin, "-a", "127.0.0.1", "-p", strconv.Itoa(port), "-js", "-sd", t.TempDir())
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err == nil {
			c.Close()
			return fmt.Sprintf("nats://127.0.0.1:%d", port)
		}
		if time.Now().After(deadline) {
			t.Fatalf("nats-server did not start: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func startWorkerProcess(t *testing.T, dsn, url string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), workerEnv+"=1", "KHIEN_DSN="+dsn, "NATS_URL="+url)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return cmd
}

// Two worker processes against a real nats-server share detection: every
// event is evaluated once (the encoded PowerShell alerts count exactly the
// events sent), brute-force groups whose events are detected on different
// workers still reach their count (one alert per address), and killing a
// worker mid-stream loses nothing.
func TestTwoWorkersOneKilled(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			url := natsServer(t)
			dsn := storetest.DSN(t, engine)
			ctx := context.Background()
			db, err := store.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			w := newWorld(t, db, alert.Config{Partitions: 4})
			b, err := bus.Open(ctx, bus.Options{URL: url, Name: "alert-test"})
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			js := b.JetStream()
			if err := logstream.Setup(ctx, js, logstream.Options{AckWait: 3 * time.Second}); err != nil {
				t.Fatal(err)
			}
			if err := alert.SetupCorrelation(ctx, js, 1); err != nil {
				t.Fatal(err)
			}
			// The first worker alone takes the first third (it holds every
			// correlation partition and commits their state), then both
			// share the rest, and the first is killed while it works.
			w1 := startWorkerProcess(t, dsn, url)

			const ips, fails, attacks = 12, 6, 60
			t0 := time.Now().UTC().Add(-2 * time.Minute).Truncate(time.Second)
			var stream []logstream.Record
			for i := range fails {
				for ip := range ips {
					stream = append(stream, failedLogin(t, w.a.ID, w.sysA.ID, t0.Add(time.Duration(i)*time.Second), fmt.Sprintf("203.0.113.%d", ip+1)))
				}
				for range attacks / fails {
					stream = append(stream, sysmon(w.b.ID, w.sysB.ID, attackCmd), sysmon(w.b.ID, w.sysB.ID, ordinaryCmd))
				}
			}
			publish := func(part []logstream.Record) {
				for i := 0; i < len(part); i += 8 { // small batches: spread over the workers
					if err := logstream.Publish(ctx, js, part[i:min(i+8, len(part))]); err != nil {
						t.Fatal(err)
					}
				}
			}
			third := len(stream) / 3
			publish(stream[:third])
			drained(t, js)
			startWorkerProcess(t, dsn, url)
			publish(stream[third : 2*third])
			if err := w1.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			publish(stream[2*third:])
			drained(t, js)
			var brute, encoded int
			var encodedCount int64
			groups := map[string]bool{}
			for _, d := range list(t, w, access.System, alert.Filter{Limit: 500}) {
				switch d.RuleUID {
				case bruteUID:
					brute++
					groups[d.Group] = true
				case encodedUID:
					encoded++
					encodedCount += d.Count
				default:
					t.Errorf("unexpected alert %+v", d)
				}
			}
			if brute != ips || len(groups) != ips {
				t.Errorf("%d brute-force alerts over %d addresses, want %d", brute, len(groups), ips)
			}
			if encoded != 1 || encodedCount != attacks {
				t.Errorf("%d encoded PowerShell alerts counting %d events, want 1 counting %d", encoded, encodedCount, attacks)
			}
		})
	}
}
