package logstore

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/audit"
	"github.com/khien-project/khien/internal/platform/bus"
	"github.com/khien-project/khien/internal/platform/logstream"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/store/storetest"
)

// A consumer that dies after committing a batch but before acknowledging
// it, and one whose batch fails after a partial commit, lose nothing and
// store nothing twice once the stream delivers again: count = N.
func TestRedeliveryStoresEveryRecordOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		b, err := bus.Open(ctx, bus.Options{DataDir: t.TempDir(), Name: "logstore-test"})
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		js := b.JetStream()
		if err := logstream.Setup(ctx, js, logstream.Options{AckWait: 2 * time.Second}); err != nil {
			t.Fatal(err)
		}
		midnight := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
		var recs []logstream.Record
		recs = append(recs, records("a", 1500, w.a1, midnight.Add(-time.Second))...) // both sides of midnight
		recs = append(recs, records("b", 1500, w.b, midnight.Add(time.Hour))...)
		for i := 0; i < len(recs); i += 100 { // many small messages
			if err := logstream.Publish(ctx, js, recs[i:i+100]); err != nil {
				t.Fatal(err)
			}
		}

		// First life: the third batch is committed, then the process
		// "dies" before acknowledging it; the fifth fails after a
		// partial commit and comes back.
		life, die := context.WithCancel(ctx)
		var batches atomic.Int32
		s1 := w.s
		err = logstream.Consume(life, js, logstream.ConsumerStore, func(ctx context.Context, bt logstream.Batch) error {
			switch batches.Add(1) {
			case 3:
				if err := s1.Handle(ctx, bt); err != nil {
					return err
				}
				die()
				return nil
			case 1:
				if _, err := s1.Store(ctx, bt.Records[:len(bt.Records)/2]); err != nil {
					return err
				}
				return errors.New("the database went away")
			}
			return s1.Handle(ctx, bt)
		}, logstream.ConsumeOptions{MaxMessages: 4, Wait: 200 * time.Millisecond, Retry: 100 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		if n := w.count(); n == 0 || n >= len(recs) {
			t.Fatalf("after the crash %d of %d stored: the test did not crash mid-way", n, len(recs))
		}

		// Second life: a new service over the same database and files.
		s2 := w.open()
		life2, stop := context.WithCancel(ctx)
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := logstream.Consume(life2, js, logstream.ConsumerStore, s2.Handle, logstream.ConsumeOptions{Wait: 200 * time.Millisecond}); err != nil {
				t.Error(err)
			}
		}()
		deadline := time.Now().Add(60 * time.Second)
		for time.Now().Before(deadline) {
			if p, err := logstream.Pending(ctx, js, logstream.ConsumerStore); err == nil && p == 0 {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		stop()
		wg.Wait()
		if n := w.count(); n != len(recs) {
			t.Fatalf("stored %d events, want %d", n, len(recs))
		}
		if s2.Stats().Duplicates.Load() == 0 {
			t.Error("no redelivered record was seen as a duplicate: the crash did not redeliver")
		}
		u, err := s2.Storage(ctx, access.System)
		if err != nil {
			t.Fatal(err)
		}
		if u.Events != int64(len(recs)) || len(u.Days) != 2 || len(u.Agencies) != 2 {
			t.Fatalf("storage counts %d events, %d days, %d agencies; want %d, 2, 2", u.Events, len(u.Days), len(u.Agencies), len(recs))
		}
	})
}

// Days are UTC days of the received time: events a moment either side of
// midnight land in two days, a search of one day reads only it, and the
// event's own time does not decide the day.
func TestDaysSplitAtUTCMidnight(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		midnight := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
		before := rec("before", w.a, midnight.Add(-time.Millisecond), map[string]any{"k": "v"}, "before midnight")
		after := rec("after", w.a, midnight, map[string]any{"k": "v"}, "after midnight")
		after.Time = midnight.Add(-48 * time.Hour) // a sender's wrong clock
		if n, err := w.s.Store(ctx, []logstream.Record{before, after}); err != nil || n != 2 {
			t.Fatalf("stored %d, %v", n, err)
		}
		days, err := w.s.days(ctx)
		if err != nil || len(days) != 2 || days[0] != "2026-11-30" || days[1] != "2026-12-01" {
			t.Fatalf("days %v, %v", days, err)
		}
		res := w.search(access.System, Query{From: midnight.Add(-time.Hour), To: midnight})
		if len(res.Events) != 1 || res.Events[0].ID != "before" || len(res.Days) != 1 || res.Days[0] != "2026-11-30" {
			t.Fatalf("the day before midnight: %+v", res)
		}
		res = w.search(access.System, Query{From: midnight, To: midnight.Add(time.Hour)})
		if len(res.Events) != 1 || res.Events[0].ID != "after" || res.Events[0].Day != "2026-12-01" {
			t.Fatalf("the day after midnight: %+v", res)
		}
		if _, err := w.s.Event(ctx, access.System, "2026-12-01", "before"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("an event asked for in the wrong day: %v", err)
		}
		e, err := w.s.Event(ctx, access.System, "2026-11-30", "before")
		if err != nil || e.Original != "before midnight" || e.Fields["k"] != "v" {
			t.Fatalf("event: %+v, %v", e, err)
		}
		// The same records again store nothing.
		if n, err := w.s.Store(ctx, []logstream.Record{before, after}); err != nil || n != 0 {
			t.Fatalf("stored again %d, %v", n, err)
		}
	})
}

// Retention drops whole days older than the retention, keeps the others,
// audits the run, and does not bring a dropped day back.
func TestRetentionDropsOldDaysOnly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		w.s.cfg.RetentionDays = 3
		// Days 1 to 5 December, stored while it was each day.
		for d := 1; d <= 5; d++ {
			day := time.Date(2026, 12, d, 10, 0, 0, 0, time.UTC)
			w.now = day
			if _, err := w.s.Store(ctx, records(day.Format("0102"), 10, w.a, day)); err != nil {
				t.Fatal(err)
			}
		}
		w.now = time.Date(2026, 12, 5, 23, 0, 0, 0, time.UTC) // keeps 3, 4, 5
		if dropped, err := w.s.PurgeDays(ctx, w.now); err != nil || len(dropped) != 2 || dropped[0] != "2026-12-01" || dropped[1] != "2026-12-02" {
			t.Fatalf("dropped %v, %v", dropped, err)
		}
		if days, _ := w.s.days(ctx); len(days) != 3 || days[0] != "2026-12-03" {
			t.Fatalf("days left %v", days)
		}
		if n := w.count(); n != 30 {
			t.Fatalf("%d events left, want 30", n)
		}
		if dropped, err := w.s.PurgeDays(ctx, w.now); err != nil || len(dropped) != 0 {
			t.Fatalf("second run dropped %v, %v", dropped, err)
		}
		var action, after string
		if err := db.Reader().QueryRowContext(ctx, `SELECT action, after_json FROM audit_log WHERE action = $1`, ActionPurgeDays).Scan(&action, &after); err != nil {
			t.Fatalf("retention run not audited: %v", err)
		}
		if after != `{"days":["2026-12-01","2026-12-02"],"retention_days":3}` {
			t.Fatalf("audit says %s", after)
		}
		// A late redelivery of a dropped day is not stored.
		if n, err := w.s.Store(ctx, records("late", 5, w.a, time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC))); err != nil || n != 0 {
			t.Fatalf("late records stored %d, %v", n, err)
		}
		if days, _ := w.s.days(ctx); len(days) != 3 {
			t.Fatalf("a dropped day came back: %v", days)
		}
		u, err := w.s.Storage(ctx, access.System)
		if err != nil || u.Events != 30 || len(u.Days) != 3 || u.DiskBytes <= 0 {
			t.Fatalf("storage %+v, %v", u, err)
		}
	})
}

// Two writers of the same records at once (a batch delivered again while
// its first delivery is still being written) store them once.
func TestConcurrentWritersOfOneBatchStoreItOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		recs := records("same", 3000, w.a, time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
		// Another process: its own connections to the same database.
		db2, err := store.Open(ctx, db.Location())
		if err != nil {
			t.Fatal(err)
		}
		defer db2.Close()
		other := New(db2, audit.New(db2), w.s.cfg)
		defer other.Close()
		var wg sync.WaitGroup
		var stored atomic.Int64
		for _, s := range []*Service{w.s, other, w.s, other} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				n, err := s.Store(ctx, recs)
				if err != nil {
					t.Error(err)
				}
				stored.Add(int64(n))
			}()
		}
		wg.Wait()
		if n := w.count(); n != len(recs) || stored.Load() != int64(len(recs)) {
			t.Fatalf("%d events stored (writers said %d), want %d", n, stored.Load(), len(recs))
		}
	})
}
