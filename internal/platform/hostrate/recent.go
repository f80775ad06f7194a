package hostrate

import (
	"container/list"
	"sync"
	"time"
)

// recent is the process's bounded memory of busy hosts: key → the time
// its next slot begins, for at most size keys. A key whose time has
// passed is dropped when read; the least recently used key is dropped
// when a new one would exceed size. It only saves database round trips:
// forgetting a key costs one query, never a wrong answer.
type recent struct {
	mu    sync.Mutex
	size  int
	order *list.List // front: most recently used
	byKey map[string]*list.Element
}

type recentEntry struct {
	key   string
	until time.Time
}

func newRecent(size int) *recent {
	return &recent{size: size, order: list.New(), byKey: map[string]*list.Element{}}
}

// get returns the time kept for key, if it is still ahead of now.
func (r *recent) get(key string, now time.Time) (time.Time, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	el, ok := r.byKey[key]
	if !ok {
		return time.Time{}, false
	}
	e := el.Value.(*recentEntry)
	if !e.until.After(now) {
		r.order.Remove(el)
		delete(r.byKey, key)
		return time.Time{}, false
	}
	r.order.MoveToFront(el)
	return e.until, true
}

// put keeps until for key, forgetting the least recently used keys (and
// first any that have passed) beyond size.
func (r *recent) put(key string, until time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if el, ok := r.byKey[key]; ok {
		el.Value.(*recentEntry).until = until
		r.order.MoveToFront(el)
		return
	}
	r.byKey[key] = r.order.PushFront(&recentEntry{key: key, until: until})
	now := time.Now()
	for r.order.Len() > r.size {
		victim := r.order.Back()
		// Prefer a passed entry among the oldest few, else the oldest.
		for el, i := r.order.Back(), 0; el != nil && i < 8; el, i = el.Prev(), i+1 {
			if !el.Value.(*recentEntry).until.After(now) {
				victim = el
				break
			}
		}
		r.order.Remove(victim)
		delete(r.byKey, victim.Value.(*recentEntry).key)
	}
}

// len is how many keys are kept.
func (r *recent) len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.order.Len()
}
