package bus_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/khien-project/khien/internal/platform/bus"
)

// scrape gathers reg and returns the value of the gauge (or the sample
// count of the histogram) name with the given labels, and whether it is
// there at all.
func scrape(t *testing.T, reg *prometheus.Registry, name string, labels map[string]string) (float64, bool) {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			if hasLabels(m, labels) {
				if h := m.GetHistogram(); h != nil {
					return float64(h.GetSampleCount()), true
				}
				return m.GetGauge().GetValue(), true
			}
		}
	}
	return 0, false
}

func hasLabels(m *dto.Metric, want map[string]string) bool {
	n := 0
	for _, l := range m.GetLabel() {
		if v, ok := want[l.GetName()]; ok && v == l.GetValue() {
			n++
		}
	}
	return n == len(want)
}

// TestQueueMetricsMove: jobs enqueued while no worker runs show as the
// kind's queue depth; once a worker has taken them the depth falls to
// zero, the one it holds is a pending ack, the one that failed its only
// attempt is a dead letter (0 before), and each run is in the duration
// histogram.
func TestQueueMetricsMove(t *testing.T) {
	ctx := context.Background()
	b, err := bus.Open(ctx, bus.Options{DataDir: t.TempDir(), Name: "metrics-test"})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(b.Collector(5 * time.Second))
	reg.MustRegister(bus.Collectors()...)
	const kind = "depth-test"
	kindLabel := map[string]string{"kind": kind}
	for _, p := range []string{"a", "b", "c", "d", "fail", "hold"} {
		if err := b.Enqueue(ctx, kind, "", []byte(p)); err != nil {
			t.Fatal(err)
		}
	}
	expect := func(name string, labels map[string]string, want float64) {
		t.Helper()
		if got, ok := scrape(t, reg, name, labels); !ok || got != want {
			t.Errorf("%s%v = %v (present %v), want %v", name, labels, got, ok, want)
		}
	}
	expect("khien_nats_connected", nil, 1)
	expect("khien_stream_healthy", map[string]string{"stream": bus.JobsStream}, 1)
	expect("khien_stream_healthy", map[string]string{"stream": bus.DeadStream}, 1)
	expect("khien_job_queue_depth", kindLabel, 6)
	expect("khien_job_dead_letters", kindLabel, 0)

	// The duration histogram is the process's: count from here.
	okLabels, deadLabels := map[string]string{"kind": kind, "outcome": "ok"}, map[string]string{"kind": kind, "outcome": "dead"}
	okBefore, _ := scrape(t, reg, "khien_job_duration_seconds", okLabels)
	deadBefore, _ := scrape(t, reg, "khien_job_duration_seconds", deadLabels)
	workCtx, stop := context.WithCancel(ctx)
	started, release := make(chan string, 10), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- b.Work(workCtx, kind, func(_ context.Context, j bus.Job) error {
			started <- string(j.Payload)
			switch string(j.Payload) {
			case "hold":
				<-release
			case "fail":
				return errors.New("fails on purpose")
			}
			return nil
		}, bus.WorkerOptions{Concurrency: 6, Attempts: 1})
	}()
	for range 6 {
		<-started
	}
	expect("khien_job_queue_depth", kindLabel, 0)
	if got, ok := scrape(t, reg, "khien_job_pending_acks", kindLabel); !ok || got < 1 {
		t.Errorf("pending acks %v (present %v) while a job is held", got, ok)
	}
	close(release)
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	expect("khien_job_queue_depth", kindLabel, 0)
	expect("khien_job_dead_letters", kindLabel, 1)
	expect("khien_job_duration_seconds", okLabels, okBefore+5)
	expect("khien_job_duration_seconds", deadLabels, deadBefore+1)
}
