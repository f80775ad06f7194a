package logstream_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/khien-project/khien/internal/engine/normalize"
	"github.com/khien-project/khien/internal/platform/bus"
	"github.com/khien-project/khien/internal/platform/logstream"
)

func openBus(t *testing.T) *bus.Bus {
	t.Helper()
	ctx := context.Background()
	b, err := bus.Open(ctx, bus.Options{DataDir: t.TempDir(), Name: "logstream-test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b
}

func records(n int, agency int64, size int) []logstream.Record {
	out := make([]logstream.Record, n)
	for i := range out {
		ev := normalize.Normalize(normalize.Input{Kind: normalize.KindLine, Body: fmt.Sprintf("line %d %s", i, strings.Repeat("x", size))})
		r := logstream.FromEvent(ev)
		r.ID = fmt.Sprintf("r%d-%d", agency, i)
		r.AgencyID = agency
		r.Receiver = logstream.ReceiverHTTP
		r.Received = time.Unix(1700000000, 0).UTC()
		out[i] = r
	}
	return out
}

// Every consumer gets every record once, whatever the batch split; a
// failed batch comes back; a second publish of the same batch is stored
// once.
func TestEveryConsumerGetsEveryRecord(t *testing.T) {
	b := openBus(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	js := b.JetStream()
	if err := logstream.Setup(ctx, js, logstream.Options{AckWait: 5 * time.Second}); err != nil {
		t.Fatal(err)
	}
	recs := append(records(3000, 7, 600), records(5, 9, 10)...) // > 1 MiB: several messages, two agencies
	if err := logstream.Publish(ctx, js, recs); err != nil {
		t.Fatal(err)
	}
	if err := logstream.Publish(ctx, js, recs[3000:]); err != nil { // the same last batch again
		t.Fatal(err)
	}
	var mu sync.Mutex
	seen := map[string]map[string]int{}
	failedOnce := false
	cctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for _, name := range logstream.Consumers {
		seen[name] = map[string]int{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := logstream.Consume(cctx, js, name, func(_ context.Context, bt logstream.Batch) error {
				mu.Lock()
				defer mu.Unlock()
				if name == logstream.ConsumerDetect && !failedOnce {
					failedOnce = true
					return errors.New("a database hiccup")
				}
				for _, r := range bt.Records {
					if r.Original == "" || r.Source != normalize.SourceLine {
						t.Errorf("record %s lost its content: %+v", r.ID, r)
					}
					seen[name][r.ID]++
				}
				return nil
			}, logstream.ConsumeOptions{Wait: 200 * time.Millisecond, Retry: 100 * time.Millisecond})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	deadline := time.Now().Add(40 * time.Second)
	for {
		mu.Lock()
		done := len(seen[logstream.ConsumerStore]) == len(recs) && len(seen[logstream.ConsumerDetect]) == len(recs)
		mu.Unlock()
		if done || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	// The handler sees a batch before it is acknowledged: wait for the
	// acknowledgements before stopping (a batch stopped unacknowledged is
	// delivered again, as it should be).
	for _, name := range logstream.Consumers {
		for end := time.Now().Add(20 * time.Second); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
			if p, err := logstream.Pending(ctx, js, name); err == nil && p == 0 {
				break
			}
		}
	}
	stop()
	wg.Wait()
	for _, name := range logstream.Consumers {
		if len(seen[name]) != len(recs) {
			t.Fatalf("%s got %d distinct records of %d", name, len(seen[name]), len(recs))
		}
		for id, n := range seen[name] {
			if n != 1 {
				t.Errorf("%s got %s %d times", name, id, n)
			}
		}
	}
	for _, name := range logstream.Consumers {
		if p, err := logstream.Pending(ctx, js, name); err != nil || p != 0 {
			t.Errorf("%s pending %d, %v", name, p, err)
		}
	}
}

// Past the quota, Publish says ErrFull and what was accepted stays.
func TestFullQueueSaysSo(t *testing.T) {
	b := openBus(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	js := b.JetStream()
	if err := logstream.Setup(ctx, js, logstream.Options{MaxBytes: 2 << 20}); err != nil {
		t.Fatal(err)
	}
	var err error
	published := 0
	for i := 0; i < 100 && err == nil; i++ {
		batch := records(500, int64(i+1), 400)
		if err = logstream.Publish(ctx, js, batch); err == nil {
			published += len(batch)
		}
	}
	if !errors.Is(err, logstream.ErrFull) {
		t.Fatalf("publishing past a 2 MiB quota: %v, want ErrFull", err)
	}
	if published == 0 {
		t.Fatal("nothing was accepted before the quota")
	}
	s, _ := js.Stream(ctx, logstream.Stream)
	info, _ := s.Info(ctx)
	if info.State.Bytes > 2<<20 || info.State.Msgs == 0 {
		t.Fatalf("stream holds %d bytes in %d messages", info.State.Bytes, info.State.Msgs)
	}
}

func TestDecodeSkipsBadLines(t *testing.T) {
	recs, bad := logstream.Decode([]byte("{\"id\":\"a\",\"agency_id\":1}\nnot json\n\n{\"id\":\"b\"}"))
	if len(recs) != 2 || bad != 1 || recs[0].ID != "a" || recs[0].AgencyID != 1 || recs[1].ID != "b" {
		t.Fatalf("got %+v bad %d", recs, bad)
	}
}

// A process that sets the stream up without a quota (a worker) keeps the
// quota serve gave it.
func TestSetupKeepsTheQuota(t *testing.T) {
	b := openBus(t)
	ctx := context.Background()
	js := b.JetStream()
	if err := logstream.Setup(ctx, js, logstream.Options{MaxBytes: 5 << 20}); err != nil {
		t.Fatal(err)
	}
	if err := logstream.Setup(ctx, js, logstream.Options{}); err != nil {
		t.Fatal(err)
	}
	s, _ := js.Stream(ctx, logstream.Stream)
	info, err := s.Info(ctx)
	if err != nil || info.Config.MaxBytes != 5<<20 {
		t.Fatalf("quota after a second setup without one: %d, %v", info.Config.MaxBytes, err)
	}
}
