package e2e

import (
	"context"
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/khien-project/khien/internal/testkit/need"

	"github.com/khien-project/khien/internal/platform/bus"
)

// TestWorkerJoinsQueue runs khien worker against a real nats-server: it
// joins the work queue, does a job enqueued by another process, and stops
// cleanly on SIGTERM.
func TestWorkerJoinsQueue(t *testing.T) {
	_, url := startNATS(t)
	ctx := context.Background()
	producer := openBus(t, url)
	defer producer.Close()

	data := t.TempDir()
	w := exec.Command(khien, "worker", "--data", data, "--nats", url, "--log-format", "json")
	var log strings.Builder
	w.Stdout, w.Stderr = &log, &log
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	defer w.Process.Kill()
	// The worker's durable consumer appears, and takes a job.
	waitConsumer(t, producer, "worker-purge-sessions")
	if err := producer.Enqueue(ctx, "purge-sessions", "", nil); err != nil {
		t.Fatal(err)
	}
	waitAcked(t, producer, "worker-purge-sessions")
	w.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- w.Wait() }()
	select {
	case err := <-done:
		if err != nil || !strings.Contains(log.String(), "khien worker stopped") {
			t.Fatalf("worker exit: %v\n%s", err, log.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("worker did not stop on SIGTERM")
	}
}

// startNATS starts a JetStream nats-server on a loopback port
// (KHIEN_TEST_NATS_SERVER, or nats-server from PATH; the test is skipped
// without one) and returns it with its URL.
func startNATS(t *testing.T) (*exec.Cmd, string) {
	t.Helper()
	bin := os.Getenv("KHIEN_TEST_NATS_SERVER")
	if bin == "" {
		var err error
		if bin, err = exec.LookPath("nats-server"); err != nil {
			need.Skip(t, "no nats-server (scripts/test.sh provides one)")
		}
	}
	addr := freePort(t)
	_, port, _ := net.SplitHostPort(addr)
	ns := exec.Command(bin, "-a", "127.0.0.1", "-p", port, "-js", "-sd", t.TempDir())
	if err := ns.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if ns.ProcessState == nil {
			ns.Process.Kill()
			ns.Wait()
		}
	})
	return ns, "nats://" + addr
}

// openBus connects to the NATS at url once it answers.
func openBus(t *testing.T, url string) *bus.Bus {
	t.Helper()
	var b *bus.Bus
	var err error
	for i := 0; i < 100; i++ {
		if b, err = bus.Open(context.Background(), bus.Options{URL: url}); err == nil {
			return b
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal(err)
	return nil
}

// waitConsumer waits until a worker created the durable consumer name.
func waitConsumer(t *testing.T, b *bus.Bus, name string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, err := b.JetStream().Consumer(context.Background(), bus.JobsStream, name); err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no worker created the consumer %s", name)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitAcked waits until the consumer name has acknowledged a job and has
// none left, pending or in hand.
func waitAcked(t *testing.T, b *bus.Bus, name string) {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := b.JetStream().Consumer(ctx, bus.JobsStream, name)
		if err != nil {
			t.Fatal(err)
		}
		info, err := c.Info(ctx)
		if err == nil && info.AckFloor.Consumer >= 1 && info.NumPending == 0 && info.NumAckPending == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("job not done: %+v %v", info, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
