package hostrate_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/khien-project/khien/internal/platform/hostrate"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/store/storetest"
)

// TestRequestsArePacedAcrossProcesses: two limiters on one database (two
// processes) with 8 callers each never start more than PerMinute requests
// of a host in any Window, and another host is not slowed by it.
func TestRequestsArePacedAcrossProcesses(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		cfg := hostrate.Config{PerMinute: 10, Window: time.Second}
		a, b := hostrate.New(db, cfg), hostrate.New(db, cfg)
		var mu sync.Mutex
		var slots, starts []time.Time
		record := func(key string, start time.Time) {
			if key == "req:portal.example" {
				mu.Lock()
				slots = append(slots, start)
				mu.Unlock()
			}
		}
		a.Observe(record)
		b.Observe(record)
		var wg sync.WaitGroup
		for i := range 16 {
			l := a
			if i%2 == 1 {
				l = b
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 2 {
					if err := l.Request(ctx, "portal.example"); err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					starts = append(starts, time.Now())
					mu.Unlock()
				}
			}()
		}
		// Another host is served at once meanwhile, not after portal's
		// three seconds of slots.
		other := time.Now()
		if err := a.Request(ctx, "other.example"); err != nil || time.Since(other) > time.Second {
			t.Errorf("another host waited %v: %v", time.Since(other), err)
		}
		wg.Wait()
		if len(starts) != 32 || len(slots) != 32 {
			t.Fatalf("%d requests started, %d slots, want 32", len(starts), len(slots))
		}
		// The slots the two limiters were allotted through the database
		// never put more than 10 in one window (checked on the allotted
		// times: a request's own start can only come later, by however
		// long the machine takes to wake it).
		slices.SortFunc(slots, func(x, y time.Time) int { return x.Compare(y) })
		for i := range slots {
			n := 0
			for j := i; j < len(slots) && slots[j].Sub(slots[i]) < time.Second; j++ {
				n++
			}
			if n > 10 {
				t.Fatalf("%d slots allotted within one window from #%d; the limit is 10", n, i)
			}
		}
		// And the requests did wait for them.
		slices.SortFunc(starts, func(x, y time.Time) int { return x.Compare(y) })
		for i := range starts {
			if starts[i].Before(slots[i]) {
				t.Fatalf("request #%d started at %v, before the %d-th slot (%v)", i, starts[i], i, slots[i])
			}
		}
		if d := starts[31].Sub(starts[0]); d < 2*time.Second {
			t.Errorf("32 requests at 10 a second took %v", d)
		}
	})
}

// TestBusyHostIsNotTaken: a slot beyond what the caller will wait (its
// deadline, or the assessment's maxWait) is not taken, and the answer says
// when to come back.
func TestBusyHostIsNotTaken(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		l := hostrate.New(db, hostrate.Config{Spacing: time.Second})
		other := hostrate.New(db, hostrate.Config{Spacing: time.Second})
		if err := l.Assessment(ctx, "portal.example", 0); err != nil {
			t.Fatalf("first assessment: %v", err)
		}
		for _, x := range []*hostrate.Limiter{l, other} { // the second asks the database, the first its memory
			err := x.Assessment(ctx, "portal.example", 100*time.Millisecond)
			var busy *hostrate.BusyError
			if !errors.Is(err, hostrate.ErrBusy) || !errors.As(err, &busy) || busy.Wait() < 800*time.Millisecond || busy.Wait() > time.Second {
				t.Fatalf("second assessment within 100ms: %v", err)
			}
		}
		// Nothing was taken by the refusals: the next one waits one spacing.
		start := time.Now()
		if err := other.Assessment(ctx, "portal.example", 5*time.Second); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d < 800*time.Millisecond || d > 1500*time.Millisecond {
			t.Errorf("the next assessment waited %v, want about 1s", d)
		}
		// A request whose deadline comes before its slot is refused at once.
		slow := hostrate.New(db, hostrate.Config{PerMinute: 1, Window: time.Hour})
		if err := slow.Request(ctx, "slow.example"); err != nil {
			t.Fatal(err)
		}
		dl, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		defer cancel()
		start = time.Now()
		if err := slow.Request(dl, "slow.example"); !errors.Is(err, hostrate.ErrBusy) || time.Since(start) > 100*time.Millisecond {
			t.Fatalf("request past its deadline: %v after %v", err, time.Since(start))
		}
		if err := l.Purge(ctx, time.Now().Add(3*time.Hour)); err != nil {
			t.Fatal(err)
		}
	})
}
