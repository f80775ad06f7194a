package detect

import (
	"encoding/binary"
	"strings"
)

// gramMatcher finds which of many needles occur in a text. Each needle is
// represented by one of its grams (up to 4 bytes, chosen away from common
// log text); the scan reads every 4-, 3-, 2- and 1-byte gram of the text,
// tests a small bitmap (kept in the processor's cache, unlike the
// transition table of an Aho-Corasick automaton over thousands of needles,
// which measured slower here for that reason), and only on a set bit
// looks the gram up and checks the whole needle where it would be.
type gramMatcher struct {
	levels [5]gramLevel // by gram length 1..4
	texts  []string     // needle index → text
}

// gramLevel holds the needles represented by grams of one length.
type gramLevel struct {
	bits    []uint64    // bitmap of hashed grams
	head    []int32     // hashed gram → first entry + 1 (0: none)
	entries []gramEntry // chained by next
}

// gramEntry is a needle, its gram and where the gram starts in it.
type gramEntry struct {
	key  uint32
	id   int32
	off  int32
	next int32 // next entry + 1 with the same hash, 0: none
}

const gramBits = 18 // bitmap of 2^18 bits (32 KiB) per gram length

func gramHash(k uint32) uint32 { return (k * 0x9E3779B1) >> (32 - gramBits) }

// newGramMatcher indexes needles (non-empty).
func newGramMatcher(needles []string) *gramMatcher {
	m := &gramMatcher{texts: needles}
	load := map[uint32]int{} // how many needles a 4-gram already stands for
	for id, n := range needles {
		off, g := pickGram(n, load)
		key := gramKey(n[off : off+g])
		if g == 4 {
			load[key]++
		}
		lv := &m.levels[g]
		if lv.bits == nil {
			lv.bits = make([]uint64, (1<<gramBits)/64)
			lv.head = make([]int32, 1<<gramBits)
		}
		h := gramHash(key)
		lv.entries = append(lv.entries, gramEntry{key: key, id: int32(id), off: int32(off), next: lv.head[h]})
		lv.head[h] = int32(len(lv.entries))
		lv.bits[h/64] |= 1 << (h % 64)
	}
	return m
}

// gramKey packs up to 4 bytes into a key (lengths differ by level, so
// keys of different lengths never meet).
func gramKey(s string) uint32 {
	var b [4]byte
	copy(b[:], s)
	return binary.LittleEndian.Uint32(b[:])
}

// pickGram chooses the gram of needle n: 4 bytes (or all of a shorter
// needle), overlapping common text least, then standing for the fewest
// needles already, then the last.
func pickGram(n string, load map[uint32]int) (off, g int) {
	if len(n) <= 4 {
		return 0, len(n)
	}
	common := commonMask(n)
	best, bestScore := 0, 1<<30
	for o := 0; o+4 <= len(n); o++ {
		score := 0
		for _, c := range common[o : o+4] {
			if c {
				score += 1000
			}
		}
		score += load[gramKey(n[o:o+4])]
		if score <= bestScore {
			best, bestScore = o, score
		}
	}
	return best, 4
}

// commonMask marks the bytes of n inside common log text.
func commonMask(n string) []bool {
	common := make([]bool, len(n))
	for _, c := range commonText {
		for i := 0; ; {
			k := strings.Index(n[i:], c)
			if k < 0 {
				break
			}
			for j := i + k; j < i+k+len(c); j++ {
				common[j] = true
			}
			i += k + 1
		}
	}
	return common
}

// gramSink receives the needles a scan finds.
type gramSink interface{ hit(id int32) }

// scan calls sink.hit for every needle index whose needle occurs in text
// (again for later occurrences: sinks dedupe). One pass reads the 1- to
// 4-byte grams starting at each position.
func (m *gramMatcher) scan(text string, sink gramSink) {
	var active [5]bool
	for g := 1; g <= 4; g++ {
		active[g] = m.levels[g].bits != nil
	}
	n := len(text)
	for i := 0; i < n; i++ {
		key := uint32(0)
		for g := 1; g <= 4 && i+g <= n; g++ {
			key |= uint32(text[i+g-1]) << (8 * (g - 1))
			if !active[g] {
				continue
			}
			lv := &m.levels[g]
			h := gramHash(key)
			if lv.bits[h/64]&(1<<(h%64)) == 0 {
				continue
			}
			m.probe(lv, h, key, text, i, sink)
		}
	}
}

// probe checks the needles whose gram hashed to h at position i.
func (m *gramMatcher) probe(lv *gramLevel, h, key uint32, text string, i int, sink gramSink) {
	for k := lv.head[h]; k != 0; {
		en := &lv.entries[k-1]
		k = en.next
		if en.key != key {
			continue
		}
		start := i - int(en.off)
		n := m.texts[en.id]
		if start >= 0 && start+len(n) <= len(text) && text[start:start+len(n)] == n {
			sink.hit(en.id)
		}
	}
}

// sizeBytes estimates the matcher's memory.
func (m *gramMatcher) sizeBytes() int {
	n := 0
	for _, lv := range m.levels {
		n += 8*len(lv.bits) + 4*len(lv.head) + 16*len(lv.entries)
	}
	return n
}
