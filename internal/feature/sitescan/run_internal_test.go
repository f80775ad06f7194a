package sitescan

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/khien-project/khien/internal/platform/store"
)

// TestStoreWhenBack: a finished assessment whose report cannot be stored
// because the database is unavailable is stored once it is back, not
// thrown away (its retry would assess the site a second time); any other
// failure, or an outage longer than the bound, is answered at once.
func TestStoreWhenBack(t *testing.T) {
	every, limit := storeRetryEvery, storeRetryFor
	storeRetryEvery, storeRetryFor = time.Millisecond, 50*time.Millisecond
	t.Cleanup(func() { storeRetryEvery, storeRetryFor = every, limit })
	down := fmt.Errorf("sitescan: store scan 1: %w", store.ErrUnavailable)
	cases := []struct {
		name      string
		failures  int // calls failing before one succeeds (-1: all)
		failWith  error
		wantCalls int
		wantErr   error
	}{
		{"stored at once", 0, nil, 1, nil},
		{"database back after three tries", 3, down, 4, nil},
		{"a failure that is not an outage", 3, errors.New("constraint"), 1, nil},
		{"the outage outlasts the bound", -1, down, 0, store.ErrUnavailable},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			calls := 0
			res, err := storeWhenBack(context.Background(), func() (*Result, error) {
				calls++
				if c.failures < 0 || calls <= c.failures {
					return nil, c.failWith
				}
				return &Result{}, nil
			})
			switch {
			case c.wantErr != nil:
				if !errors.Is(err, c.wantErr) || calls < 2 {
					t.Fatalf("err %v after %d calls, want %v after retries", err, calls, c.wantErr)
				}
			case c.failWith != nil && !store.IsUnavailable(c.failWith):
				if err == nil || calls != c.wantCalls {
					t.Fatalf("err %v after %d calls, want the failure after %d", err, calls, c.wantCalls)
				}
			default:
				if err != nil || res == nil || calls != c.wantCalls {
					t.Fatalf("err %v, result %v after %d calls, want stored after %d", err, res, calls, c.wantCalls)
				}
			}
		})
	}
}
