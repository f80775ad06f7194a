package auth

import (
	"sync"
	"time"

	"github.com/khien-project/khien/internal/platform/access"
)

// tokenTTL bounds how long a token revoked by another process (a second
// server on the same PostgreSQL) may still be accepted here. Revoking a
// token, or changing or deleting its user, through this process takes
// effect at once.
const tokenTTL = 5 * time.Second

// tokenCache remembers recently resolved API tokens by hash: looking the
// token up was half the database work of a typical API read.
type tokenCache struct {
	mu sync.Mutex
	m  map[string]cachedToken
}

type cachedToken struct {
	actor access.Actor
	id    int64
	at    time.Time
}

func (c *tokenCache) get(hash string) (cachedToken, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[hash]
	if !ok || time.Since(e.at) >= tokenTTL {
		return cachedToken{}, false
	}
	return e, true
}

func (c *tokenCache) put(hash string, e cachedToken) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= 10000 {
		c.m = map[string]cachedToken{}
	}
	c.m[hash] = e
}

// clear forgets every token (after a revocation or an account change).
func (c *tokenCache) clear() {
	c.mu.Lock()
	c.m = nil
	c.mu.Unlock()
}
