package alert_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/khien-project/khien/internal/feature/alert"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/audit"
	"github.com/khien-project/khien/internal/platform/bus"
	"github.com/khien-project/khien/internal/platform/events"
	"github.com/khien-project/khien/internal/platform/logstream"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/store/storetest"
)

var fastRun = alert.RunOptions{Consume: logstream.ConsumeOptions{Wait: 200 * time.Millisecond, Retry: 200 * time.Millisecond},
	Partitions: alert.PartitionOptions{LeaseTTL: 3 * time.Second, Wait: 200 * time.Millisecond}}

// running is a detection process of the test.
type running struct {
	stop func()
}

func start(svc *alert.Service, js jetstream.JetStream) running {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); svc.Run(ctx, js, fastRun) }()
	return running{stop: func() { cancel(); wg.Wait() }}
}

// drained waits until detection has taken every record and every
// partition has committed what was forwarded to it.
func drained(t *testing.T, js jetstream.JetStream) {
	t.Helper()
	ctx := context.Background()
	eventually(t, "detection to drain", func() bool {
		p, err := logstream.Pending(ctx, js, logstream.ConsumerDetect)
		if err != nil || p != 0 {
			return false
		}
		s, err := js.Stream(ctx, alert.CorrStream)
		if err != nil {
			return false
		}
		info, err := s.Info(ctx)
		return err == nil && info.State.Msgs == 0
	})
}

// sshd brute force, an event_count correlation: five failures from one
// address within five minutes raise one alert for that group (not one
// per failure, and none for an address with fewer), and the count
// survives a restart of the process between the fourth and the fifth.
func TestBruteForceCorrelationSurvivesRestart(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db, alert.Config{Partitions: 3})
		b, err := bus.Open(ctx, bus.Options{DataDir: t.TempDir(), Name: "alert-test"})
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		js := b.JetStream()
		if err := logstream.Setup(ctx, js, logstream.Options{AckWait: 5 * time.Second}); err != nil {
			t.Fatal(err)
		}
		t0 := time.Now().UTC().Add(-time.Minute).Truncate(time.Second)
		var first []logstream.Record
		for i := range 4 {
			first = append(first, failedLogin(t, w.a.ID, w.sysA.ID, t0.Add(time.Duration(i)*time.Second), "203.0.113.5"))
		}
		for i := range 3 {
			first = append(first, failedLogin(t, w.a.ID, w.sysA.ID, t0.Add(time.Duration(i)*time.Second), "198.51.100.7"))
		}
		first = append(first, sshd(t, w.a.ID, w.sysA.ID, t0, t0.Format(time.Stamp)+" mail sshd[812]: Accepted password for admin from 203.0.113.5 port 50122 ssh2"))
		p1 := start(w.svc, js)
		if err := logstream.Publish(ctx, js, first); err != nil {
			t.Fatal(err)
		}
		drained(t, js)
		p1.stop()
		if got := list(t, w, access.System, alert.Filter{}); len(got) != 0 {
			t.Fatalf("alerts before the fifth failure: %+v", got)
		}
		// A new process over the same database and bus.
		svc2 := alert.New(db, audit.New(db), events.New(db, nil), alert.Config{Partitions: 3})
		p2 := start(svc2, js)
		defer p2.stop()
		second := []logstream.Record{failedLogin(t, w.a.ID, w.sysA.ID, t0.Add(10*time.Second), "203.0.113.5")}
		if err := logstream.Publish(ctx, js, second); err != nil {
			t.Fatal(err)
		}
		drained(t, js)
		got := list(t, w, access.System, alert.Filter{})
		if len(got) != 1 {
			t.Fatalf("%d alerts, want the brute force only: %+v", len(got), got)
		}
		if d := got[0]; d.RuleUID != bruteUID || d.Group != "203.0.113.5" || d.AgencyID != w.a.ID || d.SystemID != w.sysA.ID || d.Level != "high" {
			t.Fatalf("alert %+v", d)
		}
	})
}
