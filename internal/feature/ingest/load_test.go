package ingest_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/khien-project/khien/internal/platform/logstream"
)

// TestSyslogLoad is the receivers' load test (docs/benchmarks.md, "Log
// receivers"): for KHIEN_INGEST_LOAD (a duration, e.g. 60s) a generator
// sends sshd and nginx syslog lines over TCP from several connections
// as fast as the receiver takes them, while storage and detection
// consume the stream; at the end every message sent must be in the
// stream once. Without the variable it runs for 1 s as a smoke test.
func TestSyslogLoad(t *testing.T) {
	d := time.Second
	if v := os.Getenv("KHIEN_INGEST_LOAD"); v != "" {
		var err error
		if d, err = time.ParseDuration(v); err != nil {
			t.Fatal(err)
		}
	}
	conns := 4
	r := newRig(t, rigOptions{})
	var stored, detected atomic.Int64
	ctx, stop := context.WithCancel(context.Background())
	var consumers sync.WaitGroup
	seen := make(map[string]struct{}, 1<<20)
	var seenMu sync.Mutex
	dups := atomic.Int64{}
	for _, c := range []struct {
		name  string
		count *atomic.Int64
	}{{logstream.ConsumerStore, &stored}, {logstream.ConsumerDetect, &detected}} {
		consumers.Add(1)
		go func() {
			defer consumers.Done()
			_ = logstream.Consume(ctx, r.js, c.name, func(_ context.Context, b logstream.Batch) error {
				if c.name == logstream.ConsumerStore {
					seenMu.Lock()
					for _, rec := range b.Records {
						if _, ok := seen[rec.ID]; ok {
							dups.Add(1)
						}
						seen[rec.ID] = struct{}{}
					}
					seenMu.Unlock()
				}
				c.count.Add(int64(len(b.Records)))
				return nil
			}, logstream.ConsumeOptions{MaxMessages: 256, Wait: 200 * time.Millisecond})
		}()
	}
	lines := []string{
		"<38>Dec  1 10:00:00 web1 sshd[4242]: Failed password for invalid user oracle from 203.0.113.%d port 51234 ssh2\n",
		"<190>1 2026-12-01T10:00:00.000Z web1 nginx 77 - - 198.51.100.%d - - [01/Dec/2026:10:00:00 +0700] \"GET /index.php?id=1 HTTP/1.1\" 200 512 \"-\" \"Mozilla/5.0\"\n",
		"<86>Dec  1 10:00:00 db1 sudo:    alice : TTY=pts/%d ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/systemctl restart nginx\n",
	}
	var sent atomic.Int64
	start := time.Now()
	deadline := start.Add(d)
	var senders sync.WaitGroup
	for c := 0; c < conns; c++ {
		senders.Add(1)
		go func() {
			defer senders.Done()
			conn, err := net.Dial("tcp", r.addr(logstream.ReceiverSyslogTCP))
			if err != nil {
				t.Error(err)
				return
			}
			w := bufio.NewWriterSize(conn, 64<<10)
			n := int64(0)
			for i := 0; ; i++ {
				if i%256 == 0 && time.Now().After(deadline) {
					break
				}
				fmt.Fprintf(w, lines[i%len(lines)], i%250)
				n++
			}
			if err := w.Flush(); err != nil {
				t.Error(err)
			}
			conn.Close()
			sent.Add(n)
		}()
	}
	senders.Wait()
	sendTime := time.Since(start)
	total := sent.Load()
	for time.Since(start) < d+2*time.Minute && (stored.Load() < total || detected.Load() < total) {
		time.Sleep(100 * time.Millisecond)
		if testing.Verbose() && time.Since(start)%time.Second < 100*time.Millisecond {
			t.Logf("%.0fs: published %.0f, stored %d, detected %d of %d", time.Since(start).Seconds(), r.count("khien_ingest_received_total", nil), stored.Load(), detected.Load(), total)
		}
	}
	all := time.Since(start)
	stop()
	consumers.Wait()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	t.Logf("sent %d events in %.1fs over %d TCP connections: %.0f events/s accepted; stored %d, detected %d, duplicates %d; all in the stream after %.1fs: %.0f events/s end to end; heap in use %d MiB, total from the OS %d MiB; GOMAXPROCS %d",
		total, sendTime.Seconds(), conns, float64(total)/sendTime.Seconds(), stored.Load(), detected.Load(), dups.Load(), all.Seconds(), float64(total)/all.Seconds(), ms.HeapInuse>>20, ms.Sys>>20, runtime.GOMAXPROCS(0))
	if stored.Load() != total || detected.Load() != total || int64(len(seen)) != total {
		t.Fatalf("sent %d, stored %d (%d distinct), detected %d", total, stored.Load(), len(seen), detected.Load())
	}
}
