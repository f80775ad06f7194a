package vuln

import (
	"maps"
	"math/rand/v2"
	"testing"
)

// TestLayeredIsAMapAndKeepsOldGenerations: random sets and deletes over
// many generations (enough for the changes to be folded into new bases
// several times) read exactly as a plain map, and every earlier
// generation still reads as it did when it was made.
func TestLayeredIsAMapAndKeepsOldGenerations(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	ref := map[int]int{}
	for k := 0; k < 500; k++ {
		ref[k] = k
	}
	l := layer(maps.Clone(ref))
	type gen struct {
		l   *layered[int, int]
		ref map[int]int
	}
	var gens []gen
	check := func(l *layered[int, int], ref map[int]int) {
		t.Helper()
		if l.len() != len(ref) {
			t.Fatalf("len %d, want %d", l.len(), len(ref))
		}
		seen := map[int]int{}
		l.each(func(k, v int) {
			if _, dup := seen[k]; dup {
				t.Fatalf("key %d listed twice", k)
			}
			seen[k] = v
		})
		if !maps.Equal(seen, ref) {
			t.Fatalf("each gives %d entries, want %d", len(seen), len(ref))
		}
		for k := -5; k < 900; k++ {
			v, ok := l.get(k)
			if w, wok := ref[k]; ok != wok || v != w {
				t.Fatalf("get(%d) = %d %v, want %d %v", k, v, ok, w, wok)
			}
		}
	}
	settled := 0
	for g := 0; g < 60; g++ {
		nl := l.next()
		for op := 0; op < 1+r.IntN(40); op++ {
			k := r.IntN(800)
			if r.IntN(3) == 0 {
				nl.del(k)
				delete(ref, k)
			} else {
				nl.set(k, g*1000+op)
				ref[k] = g*1000 + op
			}
		}
		before := len(nl.top)
		nl.settle()
		if before > 0 && nl.top == nil {
			settled++
		}
		check(nl, ref)
		gens = append(gens, gen{nl, maps.Clone(ref)})
		l = nl
	}
	if settled < 2 {
		t.Fatalf("the changes were folded into a new base %d times; the test should see it happen", settled)
	}
	for _, g := range gens {
		check(g.l, g.ref)
	}
}
