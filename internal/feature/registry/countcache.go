package registry

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/khien-project/khien/internal/platform/store"
)

// countTTL bounds how stale a cached count can be when another process
// (a second server on the same PostgreSQL) changes the registry; changes
// made through this process invalidate the cache at once.
const countTTL = 2 * time.Second

// countCache remembers list totals by query and arguments. Counting every
// matching row was the largest single cost of a list request.
type countCache struct {
	gen atomic.Uint64
	mu  sync.Mutex
	m   map[string]countEntry
}

type countEntry struct {
	n   int
	gen uint64
	at  time.Time
}

// changed invalidates every cached count.
func (c *countCache) changed() { c.gen.Add(1) }

// count returns the cached total for query and args, or runs load.
func (c *countCache) count(ctx context.Context, query string, args []any, load func() (int, error)) (int, error) {
	if store.InTx(ctx) {
		return load() // may see the transaction's own uncommitted rows
	}
	key := query + "\x00" + argKey(args)
	gen := c.gen.Load()
	c.mu.Lock()
	e, ok := c.m[key]
	c.mu.Unlock()
	if ok && e.gen == gen && time.Since(e.at) < countTTL {
		return e.n, nil
	}
	n, err := load()
	if err != nil {
		return 0, err
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= 1000 {
		c.m = map[string]countEntry{}
	}
	c.m[key] = countEntry{n: n, gen: gen, at: time.Now()}
	c.mu.Unlock()
	return n, nil
}

func argKey(args []any) string {
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = fmt.Sprintf("%T:%v", a, a)
	}
	return strings.Join(parts, "\x1f")
}
