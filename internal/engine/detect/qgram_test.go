package detect

import (
	"math/rand"
	"strings"
	"testing"
)

type hitSet map[int32]bool

func (h hitSet) hit(id int32) { h[id] = true }

// TestGramsAgainstNaive: the gram matcher reports exactly the needles
// that occur in the text, needles of every length included.
func TestGramsAgainstNaive(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	alpha := "abc\\.-x`"
	word := func(n int) string {
		var b strings.Builder
		for i := 0; i < n; i++ {
			b.WriteByte(alpha[r.Intn(len(alpha))])
		}
		return b.String()
	}
	for round := 0; round < 300; round++ {
		var needles []string
		for i := 0; i < 1+r.Intn(30); i++ {
			needles = append(needles, word(1+r.Intn(9)))
		}
		ids := make([]int32, len(needles))
		for i := range ids {
			ids[i] = int32(i)
		}
		m := newGramMatcher(needles, ids)
		text := word(r.Intn(200))
		got := hitSet{}
		m.scan(text, got)
		for i, n := range needles {
			if want := strings.Contains(text, n); got[int32(i)] != want {
				t.Fatalf("needle %q in %q: reported %v, want %v", n, text, got[int32(i)], want)
			}
		}
	}
}
