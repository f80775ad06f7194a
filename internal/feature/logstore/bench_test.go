package logstore

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/bus"
	"github.com/khien-project/khien/internal/platform/logstream"
	"github.com/khien-project/khien/internal/platform/store/storetest"
)

// The figures of docs/benchmarks.md, "Event storage (issue 11)":
//
//	KHIEN_BENCH_EVENTS=200000 KHIEN_TEST_POSTGRES=… go test -run XXX -bench 'Consume|Search' -benchtime 1x ./internal/feature/logstore/
//
// KHIEN_BENCH_DAY (default 1000000) sets the events of the searched day.

// benchRecords makes n sshd-like records of 4 agencies, received across
// the hour before at, with realistic fields and originals (~110 bytes).
func benchRecords(prefix string, n int, at time.Time) []logstream.Record {
	return benchRecordsOver(prefix, n, at, time.Hour)
}

// benchRecordsOver is benchRecords received across span before at.
func benchRecordsOver(prefix string, n int, at time.Time, span time.Duration) []logstream.Record {
	rng := rand.New(rand.NewPCG(1, 2))
	out := make([]logstream.Record, n)
	for i := range out {
		host := "web" + strconv.Itoa(rng.IntN(200))
		user := "user" + strconv.Itoa(rng.IntN(5000))
		ip := fmt.Sprintf("203.0.%d.%d", rng.IntN(256), rng.IntN(256))
		orig := fmt.Sprintf("<38>Dec  1 10:%02d:%02d %s sshd[%d]: Failed password for %s from %s port %d ssh2", i/60%60, i%60, host, 1000+i%9000, user, ip, 1024+rng.IntN(60000))
		out[i] = logstream.Record{ID: prefix + strconv.Itoa(i), AgencyID: int64(1 + i%4), SystemID: int64(100 + i%16), Receiver: logstream.ReceiverSyslogTCP,
			Sender: "10.0.0." + strconv.Itoa(i%250), Received: at.Add(-span + time.Duration(i)*span/time.Duration(n)), Time: at.Add(-time.Hour),
			Source: "sshd", Product: "linux", Services: []string{"sshd"}, Original: orig,
			Fields: map[string]any{"host.name": host, "user.name": user, "source.ip": ip, "source.port": 1024 + i%60000, "process.name": "sshd",
				"process.pid": 1000 + i%9000, "event.outcome": "failure", "event.action": "ssh_login", "event.category": "authentication", "log.syslog.priority": 38}}
	}
	return out
}

func benchEvents(def int) int {
	if n, err := strconv.Atoi(os.Getenv("KHIEN_BENCH_EVENTS")); err == nil && n > 0 {
		return n
	}
	return def
}

// BenchmarkConsume measures events stored per second from the stream:
// the records are published first, then one consumer drains them.
func BenchmarkConsume(b *testing.B) {
	for _, engine := range storetest.Engines() {
		b.Run(string(engine), func(b *testing.B) {
			n := benchEvents(50000)
			ctx := context.Background()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				w := newWorld(b, storetest.Open(b, engine))
				bs, err := bus.Open(ctx, bus.Options{DataDir: b.TempDir(), Name: "logstore-bench"})
				if err != nil {
					b.Fatal(err)
				}
				js := bs.JetStream()
				if err := logstream.Setup(ctx, js, logstream.Options{}); err != nil {
					b.Fatal(err)
				}
				recs := benchRecords("c", n, testNow)
				for j := 0; j < n; j += 500 { // as receivers publish: batches of 500
					if err := logstream.Publish(ctx, js, recs[j:min(j+500, n)]); err != nil {
						b.Fatal(err)
					}
				}
				b.StartTimer()
				start, cpu0 := time.Now(), cpuTime()
				life, stop := context.WithCancel(ctx)
				var wg sync.WaitGroup
				wg.Add(1)
				go func() {
					defer wg.Done()
					_ = w.s.Run(life, js)
				}()
				for w.s.Stats().Stored.Load() < int64(n) {
					time.Sleep(5 * time.Millisecond)
				}
				elapsed, cpu := time.Since(start), cpuTime()-cpu0
				stop()
				wg.Wait()
				b.StopTimer()
				b.ReportMetric(float64(n)/elapsed.Seconds(), "events/s")
				// This process's CPU (consumer and embedded NATS; not a
				// PostgreSQL server's): the rate one free core would give.
				b.ReportMetric(float64(n)/cpu.Seconds(), "events/cpu-s")
				w.s.Close()
				bs.Close()
			}
		})
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkSearch measures search latency over one day of a million
// events (KHIEN_BENCH_DAY), per kind of search.
func BenchmarkSearch(b *testing.B) {
	for _, engine := range storetest.Engines() {
		b.Run(string(engine), func(b *testing.B) {
			ctx := context.Background()
			w := newWorld(b, storetest.Open(b, engine))
			n := 1000000
			if v, err := strconv.Atoi(os.Getenv("KHIEN_BENCH_DAY")); err == nil && v > 0 {
				n = v
			}
			start := time.Now()
			// As the stream delivers them: each write a slice of the hour,
			// in time order.
			for j := 0; j < n; j += 20000 {
				k := min(20000, n-j)
				end := testNow.Add(-time.Hour + time.Duration(j+k)*time.Hour/time.Duration(n))
				if _, err := w.s.Store(ctx, benchRecordsOver("s"+strconv.Itoa(j)+"-", k, end, time.Duration(k)*time.Hour/time.Duration(n))); err != nil {
					b.Fatal(err)
				}
			}
			b.Logf("%s: stored %d events directly in %v (%.0f events/s)", engine, n, time.Since(start), float64(n)/time.Since(start).Seconds())
			if u, err := w.s.Storage(ctx, access.System); err == nil && u.Events > 0 {
				b.Logf("%s: %d events, %.0f bytes each as records, %.0f on disk", engine, u.Events, float64(u.Bytes)/float64(u.Events), float64(u.DiskBytes)/float64(u.Events))
			}
			if engine == "postgres" { // as autovacuum would after the day's first hours
				if _, err := w.db.Writer().ExecContext(ctx, `ANALYZE log_events`); err != nil {
					b.Fatal(err)
				}
			}
			officer := access.Actor{Username: "o", Role: access.Agency, AgencyID: 4, AgencyPath: "/1/4/"}
			for _, c := range []struct {
				name  string
				actor access.Actor
				query string
			}{
				{"latest page", access.System, ""},
				{"page 20", access.System, "page=20"},
				{"agency officer", officer, ""},
				{"host.name (column)", access.System, "field.host.name=web7"},
				{"user.name rare (column)", access.System, "field.user.name=user4242"},
				{"event.outcome (JSON)", access.System, "field.event.outcome=failure"},
				{"process.pid rare (JSON)", access.System, "field.process.pid=1234"},
				{"wildcard host", access.System, "field.host.name=web19*"},
				{"full text rare", access.System, "q=user4242"},
				{"full text common", access.System, "q=failed+password"},
				{"no match", access.System, "field.user.name=nobody"},
			} {
				v, _ := url.ParseQuery(c.query)
				v.Set("from", testNow.Add(-2*time.Hour).Format(time.RFC3339))
				v.Set("to", testNow.Format(time.RFC3339))
				q, err := ParseQuery(v, testNow)
				if err != nil {
					b.Fatal(err)
				}
				b.Run(c.name, func(b *testing.B) {
					for i := 0; i < b.N; i++ {
						if _, err := w.s.Search(ctx, c.actor, q); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		})
	}
}
