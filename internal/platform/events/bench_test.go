package events_test

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/khien-project/khien/internal/platform/bus"
	"github.com/khien-project/khien/internal/platform/events"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/store/storetest"
)

// BenchmarkJobsThroughOutbox measures jobs per second from a transaction
// that enqueues a job (EnqueueJob: an outbox row, sent to JetStream after
// the commit) to a worker that handled it: b.N jobs, each in its own
// transaction, from 8 producers at once, run by a worker pool of 8; on
// every available database engine, through the embedded server and
// through a 3-node JetStream cluster on loopback (replicated streams).
func BenchmarkJobsThroughOutbox(b *testing.B) {
	for _, engine := range storetest.Engines() {
		for _, nodes := range []int{1, 3} {
			name := fmt.Sprintf("%s/embedded", engine)
			if nodes == 3 {
				name = fmt.Sprintf("%s/cluster-3", engine)
			}
			b.Run(name, func(b *testing.B) {
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				opts := bus.Options{DataDir: b.TempDir(), Name: "bench"}
				if nodes == 3 {
					opts = bus.Options{URL: benchCluster(b), Name: "bench"}
				}
				q, err := bus.Open(ctx, opts)
				if err != nil {
					b.Fatal(err)
				}
				defer q.Close()
				db := storetest.Open(b, engine)
				runJobs(ctx, b, db, events.New(db, q), q)
			})
		}
	}
}

func runJobs(ctx context.Context, b *testing.B, db *store.DB, ev *events.Bus, q *bus.Bus) {
	const kind = "bench-job"
	var handled atomic.Int64
	all := make(chan struct{})
	n := int64(b.N)
	go q.Work(ctx, kind, func(context.Context, bus.Job) error {
		if handled.Add(1) == n {
			close(all)
		}
		return nil
	}, bus.WorkerOptions{Concurrency: 8})
	b.ResetTimer()
	start := time.Now()
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for i := next.Add(1); i <= n; i = next.Add(1) {
				err := db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
					return ev.EnqueueJob(ctx, kind, []byte(fmt.Sprintf(`{"n":%d}`, i)))
				})
				if err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	select {
	case <-all:
	case <-time.After(2 * time.Minute):
		b.Fatalf("%d of %d jobs handled", handled.Load(), n)
	}
	b.ReportMetric(float64(n)/time.Since(start).Seconds(), "jobs/s")
}

// benchCluster starts three NATS servers (the nats-server code, in this
// process) forming a JetStream cluster on loopback, and returns their URLs.
func benchCluster(b *testing.B) string {
	b.Helper()
	routes := make([]int, 3)
	for i := range routes {
		routes[i] = freeTCPPort(b)
	}
	var urls []string
	var servers []*server.Server
	for i := range 3 {
		var rs []*url.URL
		for j, p := range routes {
			if j != i {
				rs = append(rs, &url.URL{Scheme: "nats-route", Host: fmt.Sprintf("127.0.0.1:%d", p)})
			}
		}
		s, err := server.NewServer(&server.Options{
			ServerName: fmt.Sprintf("n%d", i+1), Host: "127.0.0.1", Port: -1, JetStream: true,
			StoreDir: filepath.Join(b.TempDir(), "js"),
			Cluster:  server.ClusterOpts{Name: "bench", Host: "127.0.0.1", Port: routes[i]},
			Routes:   rs, NoSigs: true,
		})
		if err != nil {
			b.Fatal(err)
		}
		go s.Start()
		servers = append(servers, s)
	}
	b.Cleanup(func() {
		for _, s := range servers {
			s.Shutdown()
		}
	})
	for _, s := range servers {
		if !s.ReadyForConnections(10 * time.Second) {
			b.Fatal("a NATS node did not start")
		}
		urls = append(urls, s.ClientURL())
	}
	deadline := time.Now().Add(30 * time.Second)
	for !servers[0].JetStreamIsLeader() && !servers[1].JetStreamIsLeader() && !servers[2].JetStreamIsLeader() {
		if time.Now().After(deadline) {
			b.Fatal("the JetStream cluster elected no leader")
		}
		time.Sleep(50 * time.Millisecond)
	}
	return strings.Join(urls, ",")
}

func freeTCPPort(b *testing.B) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
