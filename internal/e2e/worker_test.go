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

	"github.com/khien-project/khien/internal/platform/bus"
)

// TestWorkerJoinsQueue runs khien worker against a real nats-server: it
// joins the work queue, does a job enqueued by another process, and stops
// cleanly on SIGTERM.
func TestWorkerJoinsQueue(t *testing.T) {
	bin := os.Getenv("KHIEN_TEST_NATS_SERVER")
	if bin == "" {
		var err error
		if bin, err = exec.LookPath("nats-server"); err != nil {
			t.Skip("no nats-server (scripts/test.sh provides one)")
		}
	}
	addr := freePort(t)
	_, port, _ := net.SplitHostPort(addr)
	ns := exec.Command(bin, "-a", "127.0.0.1", "-p", port, "-js", "-sd", t.TempDir())
	if err := ns.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { ns.Process.Kill(); ns.Wait() }()
	url := "nats://" + addr
	ctx := context.Background()
	var producer *bus.Bus
	var err error
	for i := 0; i < 100; i++ {
		if producer, err = bus.Open(ctx, bus.Options{URL: url}); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
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
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, err := producer.JetStream().Consumer(ctx, bus.JobsStream, "worker-purge-sessions"); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("worker did not join the queue:\n%s", log.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err := producer.Enqueue(ctx, "purge-sessions", "", nil); err != nil {
		t.Fatal(err)
	}
	for {
		c, err := producer.JetStream().Consumer(ctx, bus.JobsStream, "worker-purge-sessions")
		if err != nil {
			t.Fatal(err)
		}
		info, err := c.Info(ctx)
		if err == nil && info.AckFloor.Consumer >= 1 && info.NumPending == 0 && info.NumAckPending == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("job not done: %+v %v\n%s", info, err, log.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
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
