package detect

// acMatcher is an Aho-Corasick automaton over bytes, compiled to a full
// transition table over byte classes (bytes that occur in no needle share
// one class), so scanning costs one table lookup per byte of text.
type acMatcher struct {
	class   [256]uint8
	nclass  int
	delta   []int32 // state*nclass + class → next state
	out     [][]int32
	outLink []int32 // nearest proper suffix state with output, or -1
	first   []int32 // the state itself when it has output, else outLink
}

// newAC builds the automaton of needles (non-empty; duplicates allowed,
// each reported under its own index).
func newAC(needles []string) *acMatcher {
	m := &acMatcher{}
	// byte classes: bytes of no needle share class 0, and every byte from
	// 0x80 up shares one class, which keeps the table small; that makes
	// the automaton report a superset of the true hits for needles with
	// non-ASCII text, which only costs a rule evaluation
	var seen [256]bool
	for _, n := range needles {
		for i := 0; i < len(n); i++ {
			seen[n[i]] = true
		}
	}
	m.nclass = 1
	high := uint8(0)
	for b := 0; b < 256; b++ {
		switch {
		case !seen[b] && b < 0x80:
		case b >= 0x80:
			if high == 0 {
				high = uint8(m.nclass)
				m.nclass++
			}
			m.class[b] = high
		default:
			m.class[b] = uint8(m.nclass)
			m.nclass++
		}
	}
	// trie
	nc := m.nclass
	m.delta = make([]int32, nc, 64*nc)
	for i := range m.delta {
		m.delta[i] = -1
	}
	m.out = [][]int32{nil}
	for id, n := range needles {
		s := int32(0)
		for i := 0; i < len(n); i++ {
			c := int(m.class[n[i]])
			next := m.delta[int(s)*nc+c]
			if next < 0 {
				next = int32(len(m.out))
				m.out = append(m.out, nil)
				for j := 0; j < nc; j++ {
					m.delta = append(m.delta, -1)
				}
				m.delta[int(s)*nc+c] = next
			}
			s = next
		}
		m.out[s] = append(m.out[s], int32(id))
	}
	// failure links, breadth first, turning the trie into a DFA
	states := len(m.out)
	fail := make([]int32, states)
	m.outLink = make([]int32, states)
	m.outLink[0] = -1
	queue := make([]int32, 0, states)
	for c := 0; c < nc; c++ {
		if t := m.delta[c]; t < 0 {
			m.delta[c] = 0
		} else {
			fail[t] = 0
			m.outLink[t] = -1
			queue = append(queue, t)
		}
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		for c := 0; c < nc; c++ {
			t := m.delta[int(s)*nc+c]
			f := m.delta[int(fail[s])*nc+c]
			if t < 0 {
				m.delta[int(s)*nc+c] = f
				continue
			}
			fail[t] = f
			if len(m.out[f]) > 0 {
				m.outLink[t] = f
			} else {
				m.outLink[t] = m.outLink[f]
			}
			queue = append(queue, t)
		}
	}
	m.renumber()
	return m
}

// renumber puts states in breadth-first order, so that the shallow
// states, where a scan spends most of its time, share a few cache lines
// of the table; and it flags, in the sign bit of each transition, the
// states that have output.
func (m *acMatcher) renumber() {
	nc := m.nclass
	n := len(m.out)
	order := make([]int32, 0, n) // new → old
	newID := make([]int32, n)    // old → new
	seen := make([]bool, n)
	order = append(order, 0)
	seen[0] = true
	for i := 0; i < len(order); i++ {
		s := order[i]
		for c := 0; c < nc; c++ {
			t := m.delta[int(s)*nc+c]
			if !seen[t] {
				seen[t] = true
				order = append(order, t)
			}
		}
	}
	for i, old := range order {
		newID[old] = int32(i)
	}
	delta := make([]int32, len(m.delta))
	out := make([][]int32, n)
	outLink := make([]int32, n)
	first := make([]int32, n)
	for i, old := range order {
		out[i] = m.out[old]
		if l := m.outLink[old]; l >= 0 {
			outLink[i] = newID[l]
		} else {
			outLink[i] = -1
		}
	}
	for i := range first {
		if len(out[i]) > 0 {
			first[i] = int32(i)
		} else {
			first[i] = outLink[i]
		}
	}
	for i, old := range order {
		for c := 0; c < nc; c++ {
			t := newID[m.delta[int(old)*nc+c]]
			if first[t] > 0 {
				t |= -1 << 31 // the flag: reaching t reports needles
			}
			delta[i*nc+c] = t
		}
	}
	m.delta, m.out, m.outLink, m.first = delta, out, outLink, first
}

// scan calls hit with the index of every needle occurring in text and
// where the occurrence ends (as often as it occurs).
func (m *acMatcher) scan(text string, hit func(id int32, end int)) {
	s := int32(0)
	nc := int32(m.nclass)
	for i := 0; i < len(text); i++ {
		d := m.delta[s*nc+int32(m.class[text[i]])]
		s = d & 0x7fffffff
		if d >= 0 {
			continue
		}
		for o := m.first[s]; o > 0; o = m.outLink[o] {
			for _, id := range m.out[o] {
				hit(id, i+1)
			}
		}
	}
}

// sizeBytes estimates the automaton's memory.
func (m *acMatcher) sizeBytes() int {
	n := 4*len(m.delta) + 8*len(m.outLink) + 24*len(m.out)
	for _, o := range m.out {
		n += 4 * len(o)
	}
	return n
}
