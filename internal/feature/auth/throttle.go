package auth

import (
	"sync"
	"time"
)

// Throttle counts failed logins per key (an account or an address) over a
// window and refuses further attempts once a key reaches its limit, until
// the oldest failure leaves the window.
type Throttle struct {
	mu     sync.Mutex
	limit  int
	window time.Duration
	fails  map[string][]time.Time
	now    func() time.Time
}

// NewThrottle allows limit failures per key within window.
func NewThrottle(limit int, window time.Duration) *Throttle {
	return &Throttle{limit: limit, window: window, fails: map[string][]time.Time{}, now: time.Now}
}

// Blocked reports whether key is blocked now and for how long.
func (t *Throttle) Blocked(key string) (bool, time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	list := t.prune(key)
	if len(list) < t.limit {
		return false, 0
	}
	return true, list[0].Add(t.window).Sub(t.now())
}

// Fail records a failed attempt for key.
func (t *Throttle) Fail(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	list := t.prune(key)
	t.fails[key] = append(list, t.now())
	if len(t.fails) > 100000 { // bound memory under a spray of names
		for k := range t.fails {
			if len(t.prune(k)) == 0 {
				delete(t.fails, k)
			}
		}
	}
}

// Reset forgets the failures of key (after a successful login).
func (t *Throttle) Reset(key string) {
	t.mu.Lock()
	delete(t.fails, key)
	t.mu.Unlock()
}

func (t *Throttle) prune(key string) []time.Time {
	list := t.fails[key]
	cut := t.now().Add(-t.window)
	i := 0
	for i < len(list) && !list[i].After(cut) {
		i++
	}
	list = list[i:]
	if len(list) == 0 {
		delete(t.fails, key)
		return nil
	}
	t.fails[key] = list
	return list
}
