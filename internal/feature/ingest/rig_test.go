package ingest_test

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/khien-project/khien/internal/feature/ingest"
	"github.com/khien-project/khien/internal/feature/registry"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/audit"
	"github.com/khien-project/khien/internal/platform/bus"
	"github.com/khien-project/khien/internal/platform/events"
	"github.com/khien-project/khien/internal/platform/logstream"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/store/storetest"
)

// rig is a province of two agencies, A with a system listing 127.0.0.1
// and B with a system listing the CIDR 127.0.1.0/24, the receivers on
// loopback ports, and the log stream on an embedded JetStream.
type rig struct {
	t        testing.TB
	db       *store.DB
	audit    *audit.Log
	reg      *registry.Registry
	svc      *ingest.Service
	js       jetstream.JetStream
	recv     *ingest.Receivers
	metrics  *prometheus.Registry
	a, b     registry.Agency
	sysA     registry.System
	sysB     registry.System
	consumed map[string]logstream.Record
	mu       sync.Mutex
}

type rigOptions struct {
	cfg        ingest.Config
	queueBytes int64
	engine     store.Engine
	db         *store.DB
}

func newRig(t testing.TB, o rigOptions) *rig {
	t.Helper()
	ctx := context.Background()
	db := o.db
	if db == nil {
		db = storetest.Open(t, store.SQLite)
	}
	log := audit.New(db)
	ev := events.New(db, nil)
	r := &rig{t: t, db: db, audit: log, reg: registry.New(db, log, ev), svc: ingest.New(db, log, ev), consumed: map[string]logstream.Record{}}
	mkAgency := func(code string) registry.Agency {
		name := "Cơ quan " + code
		a, err := r.reg.CreateAgency(ctx, access.System, registry.AgencyInput{Code: &code, Name: &name})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	r.a, r.b = mkAgency("SOA"), mkAgency("SOB")
	r.sysA = r.system(r.a, "Máy chủ A", []string{"127.0.0.1"}, nil)
	r.sysB = r.system(r.b, "Mạng B", nil, []string{"127.0.1.0/24"})
	b, err := bus.Open(ctx, bus.Options{DataDir: t.TempDir(), Name: "ingest-test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	r.js = b.JetStream()
	if err := logstream.Setup(ctx, r.js, logstream.Options{MaxBytes: o.queueBytes, AckWait: 5 * time.Second}); err != nil {
		t.Fatal(err)
	}
	cfg := o.cfg
	if cfg.SyslogUDP == "" {
		cfg.SyslogUDP = "127.0.0.1:0"
	}
	if cfg.SyslogTCP == "" {
		cfg.SyslogTCP = "127.0.0.1:0"
	}
	if cfg.HTTP == "" {
		cfg.HTTP = "127.0.0.1:0"
	}
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	r.recv, err = r.svc.Start(ctx, r.js, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.recv.Stop)
	r.metrics = prometheus.NewRegistry()
	r.metrics.MustRegister(r.svc.Collectors()...)
	return r
}

func (r *rig) system(a registry.Agency, name string, ips, cidrs []string) registry.System {
	r.t.Helper()
	in := registry.SystemInput{AgencyID: &a.ID, Name: &name}
	if ips != nil {
		in.IPs = &ips
	}
	if cidrs != nil {
		in.CIDRs = &cidrs
	}
	s, err := r.reg.CreateSystem(context.Background(), access.System, in)
	if err != nil {
		r.t.Fatal(err)
	}
	return s
}

// addr is a receiver's bound address.
func (r *rig) addr(receiver string) string { return r.recv.Addrs[receiver] }

// detectDrains acknowledges everything for the detection consumer, so
// that the stream (interest retention) frees what storage consumed.
func (r *rig) detectDrains() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = logstream.Consume(ctx, r.js, logstream.ConsumerDetect, func(context.Context, logstream.Batch) error { return nil },
			logstream.ConsumeOptions{Wait: 100 * time.Millisecond, Retry: 100 * time.Millisecond})
	}()
	r.t.Cleanup(func() { cancel(); <-done })
}

// collect consumes the stream (as storage would) until want distinct
// records arrived or the time is up, and returns every record seen.
func (r *rig) collect(want int, within time.Duration) map[string]logstream.Record {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = logstream.Consume(ctx, r.js, logstream.ConsumerStore, func(_ context.Context, b logstream.Batch) error {
			r.mu.Lock()
			defer r.mu.Unlock()
			for _, rec := range b.Records {
				r.consumed[rec.ID] = rec
			}
			if len(r.consumed) >= want {
				cancel()
			}
			return nil
		}, logstream.ConsumeOptions{Wait: 100 * time.Millisecond, Retry: 100 * time.Millisecond})
	}()
	<-done
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]logstream.Record, len(r.consumed))
	for k, v := range r.consumed {
		out[k] = v
	}
	return out
}

// withMessage returns the records whose original holds marker.
func withMessage(recs map[string]logstream.Record, marker string) []logstream.Record {
	var out []logstream.Record
	for _, r := range recs {
		if strings.Contains(r.Original, marker) {
			out = append(out, r)
		}
	}
	return out
}

// count reads a counter of the receivers' metrics by its labels.
func (r *rig) count(name string, labels map[string]string) float64 {
	r.t.Helper()
	mfs, err := r.metrics.Gather()
	if err != nil {
		r.t.Fatal(err)
	}
	total := 0.0
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	metric:
		for _, m := range mf.GetMetric() {
			got := map[string]string{}
			for _, lp := range m.GetLabel() {
				got[lp.GetName()] = lp.GetValue()
			}
			for k, v := range labels {
				if got[k] != v {
					continue metric
				}
			}
			total += m.GetCounter().GetValue()
		}
	}
	return total
}

// waitCount waits until a counter reaches at least want.
func (r *rig) waitCount(name string, labels map[string]string, want float64) float64 {
	r.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := r.count(name, labels)
		if got >= want || time.Now().After(deadline) {
			return got
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func marker(t testing.TB, tag string) string {
	return fmt.Sprintf("mk-%s-%d", tag, time.Now().UnixNano())
}

func netDial(addr string) (net.Conn, error)    { return net.Dial("tcp", addr) }
func netDialUDP(addr string) (net.Conn, error) { return net.Dial("udp", addr) }

// lockedBuffer collects a child process's output.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
