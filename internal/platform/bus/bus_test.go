package bus_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/khien-project/khien/internal/testkit/need"

	"github.com/khien-project/khien/internal/platform/bus"
	"github.com/nats-io/nats.go"
)

// The test binary doubles as a worker process when this variable is set.
const helperEnv = "KHIEN_BUS_TEST_WORKER"

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) != "" {
		os.Exit(runHelperWorker())
	}
	os.Exit(m.Run())
}

// runHelperWorker consumes "test" jobs: it records each start and finish
// as files in the marker folder. A job named "hang" never finishes on its
// first attempt (the test kills that worker); "fail" always fails.
func runHelperWorker() int {
	dir, url := os.Getenv("MARKERS"), os.Getenv("NATS_URL")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b, err := bus.Open(ctx, bus.Options{URL: url, Name: "test-worker"})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	defer b.Close()
	go func() {
		// Stop cleanly when the test closes our stdin.
		buf := make([]byte, 1)
		os.Stdin.Read(buf)
		cancel()
	}()
	pid := strconv.Itoa(os.Getpid())
	err = b.Work(ctx, "test", func(ctx context.Context, job bus.Job) error {
		name := string(job.Payload)
		touch(filepath.Join(dir, "start-"+name+"-"+pid))
		switch {
		case name == "hang" && job.Attempt == 1:
			select {} // the test kills this process
		case name == "fail":
			return errors.New("always fails")
		}
		f, err := os.OpenFile(filepath.Join(dir, "done-"+name), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err != nil {
			touch(filepath.Join(dir, "DUPLICATE-"+name))
			return nil
		}
		fmt.Fprintf(f, "%s attempt %d", pid, job.Attempt)
		return f.Close()
	}, bus.WorkerOptions{Concurrency: 4, AckWait: 2 * time.Second, Attempts: 3, Backoff: []time.Duration{100 * time.Millisecond}})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	return 0
}

func touch(path string) { os.WriteFile(path, nil, 0o600) }

func natsServer(t *testing.T) string {
	t.Helper()
	bin := os.Getenv("KHIEN_TEST_NATS_SERVER")
	if bin == "" {
		var err error
		if bin, err = exec.LookPath("nats-server"); err != nil {
			need.Skip(t, "no nats-server: install the Debian package or set KHIEN_TEST_NATS_SERVER (scripts/test.sh does)")
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
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	url := fmt.Sprintf("nats://127.0.0.1:%d", port)
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err == nil {
			c.Close()
			return url
		}
		if time.Now().After(deadline) {
			t.Fatalf("nats-server did not start: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

type worker struct {
	cmd   *exec.Cmd
	stdin interface{ Close() error }
}

func startWorker(t *testing.T, url, dir string) *worker {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"=1", "NATS_URL="+url, "MARKERS="+dir)
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w := &worker{cmd: cmd, stdin: in}
	t.Cleanup(func() { w.cmd.Process.Kill(); w.cmd.Wait() })
	return w
}

func waitFor(t *testing.T, what string, d time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func markers(dir, prefix string) []string {
	entries, _ := os.ReadDir(dir)
	var out []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), prefix) {
			out = append(out, e.Name())
		}
	}
	return out
}

// TestJobsAcrossWorkerProcesses runs two worker processes against a real
// nats-server: every job runs exactly once, a job whose worker is killed
// mid-way is redelivered to the other, and a job that always fails ends in
// the dead-letter stream after its attempts.
func TestJobsAcrossWorkerProcesses(t *testing.T) {
	url := natsServer(t)
	dir := t.TempDir()
	ctx := context.Background()
	producer, err := bus.Open(ctx, bus.Options{URL: url, Name: "test-producer"})
	if err != nil {
		t.Fatal(err)
	}
	defer producer.Close()
	w1, w2 := startWorker(t, url, dir), startWorker(t, url, dir)

	const n = 40
	for i := 0; i < n; i++ {
		if err := producer.Enqueue(ctx, "test", "", []byte(fmt.Sprintf("job%02d", i))); err != nil {
			t.Fatal(err)
		}
	}
	// The same id twice is stored once.
	for i := 0; i < 2; i++ {
		if err := producer.Enqueue(ctx, "test", "same-id", []byte("dedup")); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "all jobs done", 30*time.Second, func() bool { return len(markers(dir, "done-")) == n+1 })
	time.Sleep(500 * time.Millisecond) // a duplicate delivery would show up now
	if d := markers(dir, "DUPLICATE-"); len(d) > 0 {
		t.Fatalf("jobs ran twice: %v", d)
	}
	if s := markers(dir, "start-dedup-"); len(s) != 1 {
		t.Fatalf("de-duplicated job started %d times", len(s))
	}

	// Kill the worker that takes the hanging job; the other finishes it.
	if err := producer.Enqueue(ctx, "test", "", []byte("hang")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "hang to start", 10*time.Second, func() bool { return len(markers(dir, "start-hang-")) == 1 })
	victim := strings.TrimPrefix(markers(dir, "start-hang-")[0], "start-hang-")
	for _, w := range []*worker{w1, w2} {
		if strconv.Itoa(w.cmd.Process.Pid) == victim {
			w.cmd.Process.Signal(syscall.SIGKILL)
		}
	}
	waitFor(t, "hang to be redelivered and done", 20*time.Second, func() bool { return len(markers(dir, "done-hang")) == 1 })
	raw, _ := os.ReadFile(filepath.Join(dir, "done-hang"))
	if strings.HasPrefix(string(raw), victim+" ") || !strings.HasSuffix(string(raw), "attempt 2") {
		t.Fatalf("redelivery: %q (killed worker %s)", raw, victim)
	}

	// Dead letter after three attempts.
	if err := producer.Enqueue(ctx, "test", "", []byte("fail")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the failing job to be dead-lettered", 20*time.Second, func() bool {
		n, err := producer.DeadLetters(ctx, "test")
		return err == nil && n == 1
	})
	if s := markers(dir, "start-fail-"); len(s) == 0 {
		t.Fatal("failing job never ran")
	}

	// A clean stop: closing stdin ends the surviving worker with status 0.
	for _, w := range []*worker{w1, w2} {
		if strconv.Itoa(w.cmd.Process.Pid) == victim {
			continue
		}
		w.stdin.Close()
		done := make(chan error, 1)
		go func() { done <- w.cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("worker did not stop cleanly: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("worker did not stop within 10s")
		}
	}
}

func TestEmbeddedBus(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b, err := bus.Open(ctx, bus.Options{DataDir: t.TempDir(), Name: "embedded-test"})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.Ready(); err != nil {
		t.Fatal(err)
	}
	if err := b.Enqueue(ctx, "Bad Kind!", "", nil); err == nil {
		t.Fatal("invalid kind accepted")
	}
	got := make(chan string, 10)
	go b.Work(ctx, "embedded", func(_ context.Context, j bus.Job) error {
		got <- string(j.Payload)
		return nil
	}, bus.WorkerOptions{Concurrency: 2})
	for _, p := range []string{"a", "b", "c"} {
		if err := b.Enqueue(ctx, "embedded", "", []byte(p)); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]bool{}
	for len(seen) < 3 {
		select {
		case p := <-got:
			seen[p] = true
		case <-time.After(10 * time.Second):
			t.Fatalf("embedded jobs: got %v", seen)
		}
	}
}

// TestTransientFailuresWaitForTheHorizon: a job failing because a
// dependency is unreachable is retried past its attempts until it works;
// one that keeps failing so is dead-lettered once the horizon passes; an
// ordinary failure is dead-lettered after its attempts.
func TestTransientFailuresWaitForTheHorizon(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b, err := bus.Open(ctx, bus.Options{DataDir: t.TempDir(), Name: "horizon-test"})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var mu sync.Mutex
	tries := map[string]int{}
	done := map[string]bool{}
	opts := bus.WorkerOptions{Concurrency: 3, Attempts: 2, Backoff: []time.Duration{20 * time.Millisecond}, Horizon: 1500 * time.Millisecond}
	go b.Work(ctx, "flaky", func(_ context.Context, j bus.Job) error {
		mu.Lock()
		defer mu.Unlock()
		id := string(j.Payload)
		tries[id]++
		switch {
		case id == "outage" && tries[id] < 6:
			return fmt.Errorf("database: %w", nats.ErrNoServers) // passes
		case id == "down":
			return fmt.Errorf("bus: %w", nats.ErrNoServers) // never comes back
		case id == "broken":
			return errors.New("a bug")
		}
		done[id] = true
		return nil
	}, opts)
	for _, id := range []string{"outage", "down", "broken"} {
		if err := b.Enqueue(ctx, "flaky", id, []byte(id)); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "the outage job done and two dead letters", 20*time.Second, func() bool {
		mu.Lock()
		ok := done["outage"]
		mu.Unlock()
		n, _ := b.DeadLetters(ctx, "flaky")
		return ok && n == 2
	})
	mu.Lock()
	defer mu.Unlock()
	if tries["outage"] != 6 || tries["broken"] != 2 || tries["down"] < 4 {
		t.Errorf("tries %v: the outage job should run 6 times (past its 2 attempts), the broken one 2, the down one until the horizon", tries)
	}
}

// TestDeadLettersListInspectReplay: a job that failed every attempt is
// listed with its reason, found by its number, and replayed: it runs
// again and leaves the dead-letter stream.
func TestDeadLettersListInspectReplay(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b, err := bus.Open(ctx, bus.Options{DataDir: t.TempDir(), Name: "dead-test"})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var mu sync.Mutex
	fixed := false
	ran := 0
	go b.Work(ctx, "fragile", func(context.Context, bus.Job) error {
		mu.Lock()
		defer mu.Unlock()
		ran++
		if !fixed {
			return errors.New("the target refused")
		}
		return nil
	}, bus.WorkerOptions{Attempts: 2, Backoff: []time.Duration{10 * time.Millisecond}})
	if err := b.Enqueue(ctx, "fragile", "one", []byte(`{"scan_id":42}`)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a dead letter", 10*time.Second, func() bool { n, _ := b.DeadLetters(ctx, "fragile"); return n == 1 })
	list, err := b.DeadJobs(ctx, "", 10)
	if err != nil || len(list) != 1 || list[0].Kind != "fragile" || list[0].Reason != "the target refused" || list[0].Attempts != "2" || string(list[0].Payload) != `{"scan_id":42}` {
		t.Fatalf("dead letters: %+v %v", list, err)
	}
	if other, err := b.DeadJobs(ctx, "other-kind", 10); err != nil || len(other) != 0 {
		t.Fatalf("filtered by kind: %+v %v", other, err)
	}
	if j, err := b.DeadJob(ctx, list[0].Seq); err != nil || j.Reason != list[0].Reason {
		t.Fatalf("inspect: %+v %v", j, err)
	}
	if _, err := b.DeadJob(ctx, list[0].Seq+100); err == nil {
		t.Error("a missing dead letter was found")
	}
	mu.Lock()
	fixed = true
	mu.Unlock()
	if _, err := b.Replay(ctx, list[0].Seq); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the replayed job to run", 10*time.Second, func() bool { mu.Lock(); defer mu.Unlock(); return ran == 3 })
	if n, _ := b.DeadLetters(ctx, "fragile"); n != 0 {
		t.Errorf("%d dead letters left after the replay", n)
	}
}
