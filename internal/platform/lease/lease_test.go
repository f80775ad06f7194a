package lease_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/khien-project/khien/internal/platform/lease"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/store/storetest"
)

// TestOneHolderAtATime: many goroutines (standing for processes) want the
// same key; at no moment do two hold it, and each gets its turn.
func TestOneHolderAtATime(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		l := lease.New(db)
		var holding, most, done atomic.Int32
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				x, err := l.Acquire(ctx, "scan-host:portal.example", 10*time.Second, 5*time.Millisecond)
				if err != nil {
					t.Error(err)
					return
				}
				n := holding.Add(1)
				for {
					m := most.Load()
					if n <= m || most.CompareAndSwap(m, n) {
						break
					}
				}
				time.Sleep(3 * time.Millisecond)
				holding.Add(-1)
				if err := x.Release(ctx); err != nil {
					t.Error(err)
				}
				done.Add(1)
			}()
		}
		wg.Wait()
		if most.Load() != 1 || done.Load() != 8 {
			t.Fatalf("at most %d holders at once, %d done; want 1 and 8", most.Load(), done.Load())
		}
		// Another key is independent.
		a, ok, err := l.TryAcquire(ctx, "scan-host:a.example", time.Minute)
		b, ok2, err2 := l.TryAcquire(ctx, "scan-host:b.example", time.Minute)
		if !ok || !ok2 || err != nil || err2 != nil {
			t.Fatalf("two keys: %v %v %v %v", ok, ok2, err, err2)
		}
		if _, ok, _ := l.TryAcquire(ctx, "scan-host:a.example", time.Minute); ok {
			t.Fatal("a held key was taken")
		}
		a.Release(ctx)
		b.Release(ctx)
	})
}

// TestLeaseRunsOut: a holder that stops renewing (it died) loses the key
// once its lease runs out; its late renewal then fails.
func TestLeaseRunsOut(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		l := lease.New(db)
		dead, ok, err := l.TryAcquire(ctx, "probe-host:x.example", 50*time.Millisecond)
		if !ok || err != nil {
			t.Fatal(ok, err)
		}
		if err := dead.Renew(ctx); err != nil {
			t.Fatalf("renew while held: %v", err)
		}
		if _, ok, _ := l.TryAcquire(ctx, "probe-host:x.example", time.Minute); ok {
			t.Fatal("taken before the lease ran out")
		}
		next, err := l.Acquire(ctx, "probe-host:x.example", time.Minute, 10*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		if err := dead.Renew(ctx); !errors.Is(err, store.ErrConflict) {
			t.Errorf("the dead holder renewed: %v", err)
		}
		dead.Release(ctx) // must not free the new holder's lease
		if _, ok, _ := l.TryAcquire(ctx, "probe-host:x.example", time.Minute); ok {
			t.Error("the dead holder's release freed the new holder's key")
		}
		next.Release(ctx)
		wait, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
		defer cancel()
		other, _, _ := l.TryAcquire(ctx, "probe-host:y.example", time.Minute)
		if _, err := l.Acquire(wait, "probe-host:y.example", time.Minute, 5*time.Millisecond); err == nil {
			t.Error("acquired a held key")
		}
		other.Release(ctx)
	})
}
