package events_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/bus"
	"github.com/khien-project/khien/internal/platform/events"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/store/storetest"
)

type pinged struct {
	N int `json:"n"`
}

func (pinged) EventKind() events.Kind { return "test.pinged" }

func count(t *testing.T, db *store.DB) int {
	t.Helper()
	var n int
	if err := db.Reader().QueryRow(`SELECT COUNT(*) FROM event_test`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestInlineAndDurableDelivery: an inline subscriber runs inside the
// publisher's transaction (rolled back with it, and its error aborts the
// publisher); a durable one runs only once that transaction has committed.
func TestInlineAndDurableDelivery(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if _, err := db.Writer().ExecContext(ctx, `CREATE TABLE event_test (n INTEGER NOT NULL)`); err != nil {
			t.Fatal(err)
		}
		b := events.New(db, nil)
		var durable []int
		var seenDuring int
		events.Subscribe(b, "test-inline", events.Inline, func(ctx context.Context, e pinged) error {
			if e.N < 0 {
				return errors.New("refused")
			}
			return db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
				_, err := tx.ExecContext(ctx, `INSERT INTO event_test (n) VALUES ($1)`, e.N)
				return err
			})
		})
		events.Subscribe(b, "test-durable", events.Durable, func(ctx context.Context, e pinged) error {
			durable = append(durable, e.N)
			seenDuring = count(t, db) // committed rows only: the reader pool
			return nil
		})

		// Committed: both ran, the durable one after the commit.
		err := db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
			if err := b.Publish(ctx, pinged{N: 1}); err != nil {
				return err
			}
			if len(durable) != 0 {
				t.Error("durable subscriber ran before the commit")
			}
			return nil
		})
		if err != nil || count(t, db) != 1 || len(durable) != 1 || seenDuring != 1 {
			t.Fatalf("committed: err %v, rows %d, durable %v (saw %d rows)", err, count(t, db), durable, seenDuring)
		}
		// Rolled back by the publisher: the inline write is undone, the
		// durable subscriber never hears of it.
		err = db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
			if err := b.Publish(ctx, pinged{N: 2}); err != nil {
				return err
			}
			return errors.New("publisher fails afterwards")
		})
		if err == nil || count(t, db) != 1 || len(durable) != 1 {
			t.Fatalf("rolled back: err %v, rows %d, durable %v", err, count(t, db), durable)
		}
		// An inline subscriber's error aborts the publisher.
		err = db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error { return b.Publish(ctx, pinged{N: -1}) })
		if err == nil || len(durable) != 1 {
			t.Fatalf("inline error: err %v, durable %v", err, durable)
		}
		// Outside a transaction the durable subscriber runs at once.
		if err := b.Publish(ctx, pinged{N: 3}); err != nil || len(durable) != 2 || durable[1] != 3 {
			t.Fatalf("no transaction: err %v, durable %v", err, durable)
		}
	})
}

// TestDurableSubscriberSurvivesARestart publishes through the job queue
// of an embedded JetStream while no worker runs, restarts the bus on the
// same folder, and only then starts the subscriber's worker: the event
// arrives, once.
func TestDurableSubscriberSurvivesARestart(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir := t.TempDir()
	b1, err := bus.Open(ctx, bus.Options{DataDir: dir, Name: "events-test-1"})
	if err != nil {
		t.Fatal(err)
	}
	db := storetest.Open(t, store.SQLite)
	ev := events.New(db, b1)
	events.Subscribe(ev, "test-restart", events.Durable, func(context.Context, pinged) error { return nil })
	for i := 1; i <= 3; i++ {
		if err := ev.Publish(ctx, pinged{N: i}); err != nil {
			t.Fatal(err)
		}
	}
	b1.Close()

	b2, err := bus.Open(ctx, bus.Options{DataDir: dir, Name: "events-test-2"})
	if err != nil {
		t.Fatal(err)
	}
	defer b2.Close()
	ev2 := events.New(db, b2)
	var mu sync.Mutex
	got := map[int]int{}
	events.Subscribe(ev2, "test-restart", events.Durable, func(_ context.Context, e pinged) error {
		mu.Lock()
		defer mu.Unlock()
		got[e.N]++
		return nil
	})
	jobs := ev2.Jobs()
	if len(jobs) != 1 || jobs[0].Kind != "event-test-restart" {
		t.Fatalf("jobs: %+v", jobs)
	}
	go b2.Work(ctx, jobs[0].Kind, func(ctx context.Context, j bus.Job) error { return jobs[0].Handle(ctx, j.Payload) }, bus.WorkerOptions{Concurrency: 2})
	deadline := time.Now().Add(15 * time.Second)
	for {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the restart got %v", got)
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	for n, times := range got {
		if times != 1 {
			t.Errorf("event %d delivered %d times", n, times)
		}
	}
}

func TestSubscribeNamesAndReplacement(t *testing.T) {
	b := events.New(nil, nil)
	calls := ""
	events.Subscribe(b, "test-a", events.Inline, func(context.Context, pinged) error { calls += "old"; return nil })
	events.Subscribe(b, "test-a", events.Inline, func(context.Context, pinged) error { calls += "new"; return nil })
	if err := b.Publish(context.Background(), pinged{}); err != nil || calls != "new" {
		t.Fatalf("calls %q, err %v", calls, err)
	}
	for _, bad := range []string{"", "Bad", "has space", "x/y", "-lead"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("name %q accepted", bad)
				}
			}()
			events.Subscribe(b, bad, events.Inline, func(context.Context, pinged) error { return nil })
		}()
	}
}

func TestRefs(t *testing.T) {
	for _, s := range []string{"site-finding/12", "monitor-alert/7", "x/1"} {
		r, err := events.ParseRef(s)
		if err != nil || r.String() != s {
			t.Errorf("%q: %+v %v", s, r, err)
		}
	}
	for _, s := range []string{"", "site-finding", "site-finding/", "/12", "site-finding/0", "site-finding/-3", "Site/1", "a/b", "site-finding/12/3", "site finding/1"} {
		if _, err := events.ParseRef(s); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("%q accepted: %v", s, err)
		}
	}
	d := events.NewDirectory()
	d.Register("site-finding", func(_ context.Context, actor access.Actor, id int64) (events.Linked, error) {
		if actor.Scoped() {
			return events.Linked{}, store.ErrNotFound
		}
		return events.Linked{Title: "Phát hiện", TitleEN: "Finding", Path: "/findings"}, nil
	})
	ctx := context.Background()
	l, err := d.Resolve(ctx, access.System, events.Ref{Kind: "site-finding", ID: 12})
	if err != nil || l.Ref.String() != "site-finding/12" || l.TitleEN != "Finding" {
		t.Fatalf("resolve: %+v %v", l, err)
	}
	if _, err := d.Resolve(ctx, access.Actor{Role: access.Agency, AgencyPath: "/9/"}, events.Ref{Kind: "site-finding", ID: 12}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("out of scope: %v", err)
	}
	if _, err := d.Resolve(ctx, access.System, events.Ref{Kind: "nothing", ID: 1}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown kind: %v", err)
	}
}

// TestOutboxSurvivesABusOutage: events published while the bus refuses
// (here: closed) stay in the outbox, with what caused them committed; once
// a bus is back, the relay puts each on it once, and a second relay sends
// nothing more.
func TestOutboxSurvivesABusOutage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		dir := t.TempDir()
		down, err := bus.Open(ctx, bus.Options{DataDir: dir, Name: "events-outage-1"})
		if err != nil {
			t.Fatal(err)
		}
		ev := events.New(db, down)
		events.Subscribe(ev, "test-outage", events.Durable, func(context.Context, pinged) error { return nil })
		down.Close() // the bus is gone
		for i := 1; i <= 4; i++ {
			err := db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error { return ev.Publish(ctx, pinged{N: i}) })
			if err != nil {
				t.Fatalf("publish %d with the bus down: %v", i, err)
			}
		}
		if n, err := ev.Backlog(ctx); err != nil || n != 4 {
			t.Fatalf("backlog %d, %v; want 4", n, err)
		}

		up, err := bus.Open(ctx, bus.Options{DataDir: dir, Name: "events-outage-2"})
		if err != nil {
			t.Fatal(err)
		}
		defer up.Close()
		ev.SetQueue(up)
		var mu sync.Mutex
		got := map[int]int{}
		events.Subscribe(ev, "test-outage", events.Durable, func(_ context.Context, e pinged) error {
			mu.Lock()
			defer mu.Unlock()
			got[e.N]++
			return nil
		})
		if n, err := ev.Relay(ctx, 0); err != nil || n != 4 {
			t.Fatalf("relay sent %d, %v; want 4", n, err)
		}
		if n, err := ev.Relay(ctx, 0); err != nil || n != 0 {
			t.Fatalf("second relay sent %d, %v", n, err)
		}
		job := ev.Jobs()[0]
		go up.Work(ctx, job.Kind, func(ctx context.Context, j bus.Job) error { return job.Handle(ctx, j.Payload) }, bus.WorkerOptions{Concurrency: 2})
		deadline := time.Now().Add(15 * time.Second)
		for {
			mu.Lock()
			n := len(got)
			mu.Unlock()
			if n == 4 || time.Now().After(deadline) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		time.Sleep(200 * time.Millisecond)
		mu.Lock()
		defer mu.Unlock()
		if len(got) != 4 {
			t.Fatalf("delivered %v", got)
		}
		for n, times := range got {
			if times != 1 {
				t.Errorf("event %d delivered %d times", n, times)
			}
		}
		if n, _ := ev.Backlog(ctx); n != 0 {
			t.Errorf("backlog after the relay: %d", n)
		}
	})
}

// TestPublishRacesSubscribe: subscriptions may change while events flow
// (go test -race watches).
func TestPublishRacesSubscribe(t *testing.T) {
	b := events.New(nil, nil)
	events.Subscribe(b, "test-race-a", events.Inline, func(context.Context, pinged) error { return nil })
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for i := 0; i < 200; i++ {
			if err := b.Publish(context.Background(), pinged{N: i}); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	go func() {
		defer wg.Done()
		for i := 0; i < 200; i++ {
			events.Subscribe(b, "test-race-a", events.Inline, func(context.Context, pinged) error { return nil })
		}
	}()
	wg.Wait()
}
