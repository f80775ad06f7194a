package detect

import (
	"math/rand"
	"strings"
	"testing"
)

// TestACAgainstNaive: the automaton reports exactly the needles that
// occur in the text (for ASCII text, where its byte classes are exact).
func TestACAgainstNaive(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	alpha := "abc\\.-x"
	word := func(n int) string {
		var b strings.Builder
		for i := 0; i < n; i++ {
			b.WriteByte(alpha[r.Intn(len(alpha))])
		}
		return b.String()
	}
	for round := 0; round < 200; round++ {
		var needles []string
		for i := 0; i < 1+r.Intn(30); i++ {
			needles = append(needles, word(1+r.Intn(6)))
		}
		m := newAC(needles)
		text := word(r.Intn(200))
		got := map[int32]bool{}
		m.scan(text, func(id int32, end int) {
			if !strings.HasSuffix(text[:end], needles[id]) {
				t.Fatalf("needle %q reported ending at %d of %q", needles[id], end, text)
			}
			got[id] = true
		})
		for i, n := range needles {
			if want := strings.Contains(text, n); got[int32(i)] != want {
				t.Fatalf("needle %q in %q: reported %v, want %v", n, text, got[int32(i)], want)
			}
		}
	}
}
