package hostrate

import (
	"fmt"
	"testing"
	"time"
)

// TestRecentIsBounded: the process's table of busy hosts never holds more
// than its size, however many hosts pass through it, and forgets a host
// whose time has passed.
func TestRecentIsBounded(t *testing.T) {
	r := newRecent(100)
	later := time.Now().Add(time.Hour)
	for i := range 50_000 {
		r.put(fmt.Sprintf("req:h%d.example", i), later)
		if n := r.len(); n > 100 {
			t.Fatalf("%d keys kept after %d puts; size is 100", n, i+1)
		}
	}
	// The most recent are kept, the oldest forgotten.
	if _, ok := r.get("req:h49999.example", time.Now()); !ok {
		t.Error("the newest key was forgotten")
	}
	if _, ok := r.get("req:h0.example", time.Now()); ok {
		t.Error("the oldest key is still kept")
	}
	// A passed time is dropped when read.
	r.put("req:old.example", time.Now().Add(-time.Second))
	if _, ok := r.get("req:old.example", time.Now()); ok || r.len() > 100 {
		t.Errorf("a passed key was answered (%d kept)", r.len())
	}
}
