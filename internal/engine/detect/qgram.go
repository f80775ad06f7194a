package detect

import (
	"encoding/binary"
	"math/bits"
	"strings"
)

// gramMatcher finds which of many needles occur in a text. Each needle is
// represented by one of its grams: all of it when it has at most 4 bytes,
// else a 4-byte gram (needles under 8 bytes) or an 8-byte gram, chosen
// away from common log text. The scan slides an 8-byte window over the
// text; at each position it hashes the window's 8- and 4-byte prefixes
// and tests a bitmap sized to the needles of that length (kept in the
// processor's cache, unlike the transition table of an Aho-Corasick
// automaton over thousands of needles, which measured slower here for
// that reason), and looks at the 1- to 3-byte grams only where a table
// of their first bytes says one may start; only on a set bit does it
// compare the gram and then the whole needle where it would be.
type gramMatcher struct {
	l8, l4     gramLevel
	short      [3]gramLevel // grams of 1, 2 and 3 bytes
	shortFirst [256]uint8   // byte → the short levels (bit g-1) with a gram starting with it
	texts      []string     // needle index → text
}

// gramLevel holds the needles represented by grams of one length.
type gramLevel struct {
	g       int         // gram length in bytes
	mask    uint64      // keeps the gram's bytes of the window
	shift   uint        // 64 - bits of the bitmap's hash
	hshift  uint        // from a bitmap hash to a head index
	bits    []uint64    // bitmap of hashed grams
	head    []int32     // hash>>hshift → first entry + 1 (0: none)
	entries []gramEntry // chained by next
}

// gramEntry is a needle, its gram and where the gram starts in it.
type gramEntry struct {
	key  uint64
	id   int32
	off  int32
	next int32 // next entry + 1 with the same head, 0: none
}

func gramHash(k uint64, shift uint) uint64 { return (k * 0x9E3779B97F4A7C15) >> (shift & 63) }

// level answers the level of grams of g bytes.
func (m *gramMatcher) level(g int) *gramLevel {
	switch g {
	case 8:
		return &m.l8
	case 4:
		return &m.l4
	}
	return &m.short[g-1]
}

// newGramMatcher indexes the needles ids of texts (non-empty); the scan
// reports needles by their index in texts.
func newGramMatcher(texts []string, ids []int32) *gramMatcher {
	m := &gramMatcher{texts: texts}
	type pick struct {
		id     int32
		off, g int
	}
	picks := make([]pick, len(ids))
	count := map[int]int{}
	load := map[uint64]int{} // how many needles a gram already stands for
	for i, id := range ids {
		n := texts[id]
		off, g := pickGram(n, load)
		load[gramKey(n[off:off+g])]++
		picks[i] = pick{id, off, g}
		count[g]++
	}
	for _, g := range []int{1, 2, 3, 4, 8} {
		if count[g] == 0 {
			// a level with no needle: one empty word that every hash
			// (6 bits) falls in, so the scan tests it without a branch
			*m.level(g) = gramLevel{g: g, shift: 64 - 6, bits: make([]uint64, 1)}
			continue
		}
		// a bitmap of about 32 bits per needle: a text position tests a
		// set bit for nothing about once in 32 (bounded at 128 KiB)
		b := min(max(bits.Len(uint(count[g]))+5, 10), 20)
		hb := max(b-3, 6)
		lv := m.level(g)
		*lv = gramLevel{g: g, mask: ^uint64(0) >> (64 - 8*g), shift: uint(64 - b), hshift: uint(b - hb),
			bits: make([]uint64, (1<<b)/64), head: make([]int32, 1<<hb)}
		for _, p := range picks {
			if p.g != g {
				continue
			}
			gram := texts[p.id][p.off : p.off+g]
			key := gramKey(gram)
			h := gramHash(key, lv.shift)
			lv.bits[h/64] |= 1 << (h % 64)
			lv.entries = append(lv.entries, gramEntry{key: key, id: p.id, off: int32(p.off), next: lv.head[h>>lv.hshift]})
			lv.head[h>>lv.hshift] = int32(len(lv.entries))
			if g < 4 {
				m.shortFirst[gram[0]] |= 1 << (g - 1)
			}
		}
	}
	return m
}

// gramKey packs up to 8 bytes into a key, first byte lowest, as the
// scan's window holds them.
func gramKey(s string) uint64 {
	var b [8]byte
	copy(b[:], s)
	return binary.LittleEndian.Uint64(b[:])
}

// pickGram chooses the gram of needle n: all of a needle of up to 4
// bytes; else 4 bytes (under 8) or 8, overlapping common log text least,
// then standing for the fewest needles already, then the last.
func pickGram(n string, load map[uint64]int) (off, g int) {
	if len(n) <= 4 {
		return 0, len(n)
	}
	g = 4
	if len(n) >= 8 {
		g = 8
	}
	best, bestScore := 0, 1<<30
	for o := 0; o+g <= len(n); o++ {
		gram := n[o : o+g]
		score := load[gramKey(gram)]
		for k := 0; k+4 <= g; k++ { // every 4 bytes seen in common text
			if commonGrams[gram[k:k+4]] {
				score += 1000
			}
		}
		if score <= bestScore {
			best, bestScore = o, score
		}
	}
	return best, g
}

// gramCorpus is text frequent in Windows logs (lower-cased): a gram found
// in it would make the scan compare needles for nothing.
var gramCorpus = append([]string{commonCorpus, "application", "operational", "security", "system", "service", "services",
	"session", "process", "explorer", "version", "windows", "window", "powershell", "svchost", "conhost", "runtime",
	"roaming", "packages", "local", "update", "google", "chrome", "office", "kerberos", "authority", "network",
	"corporation", "control", "registry", "machine", "software", "classes", "policies", "user", "users", "host",
	"localhost", "file", "files", "temp", "tmp", "cmd", "exe", "dll", "sys", "http://", "https://", "://www.", ".com", "-embedding"},
	commonText...)

// commonGrams are the 4-byte grams of gramCorpus.
var commonGrams = func() map[string]bool {
	out := map[string]bool{}
	for _, s := range gramCorpus {
		for i := 0; i+4 <= len(s); i++ {
			out[s[i:i+4]] = true
		}
	}
	return out
}()

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
// (again for later occurrences: sinks dedupe). One pass reads the 8 bytes
// at each position and notes where a bitmap says a gram may start; the
// needles there are checked after the pass (a loop without calls keeps
// its state in registers). The last 7 positions, where no 8-byte gram
// fits, are read from a padded copy.
func (m *gramMatcher) scan(text string, sink gramSink) {
	n := len(text)
	b8, s8 := m.l8.bits, m.l8.shift
	b4, s4 := m.l4.bits, m.l4.shift
	first := &m.shortFirst
	var marks [32]uint64 // position<<8 | levels that may hit (bits 0-2 short, 3: 4 bytes, 4: 8 bytes)
	i := 0
	for i+8 <= n {
		nm := 0
		for ; i+8 <= n && nm < len(marks); i++ {
			w := load64(text, i)
			f := uint64(first[byte(w)])
			h4 := gramHash(w&0xFFFFFFFF, s4)
			f |= (b4[h4/64] >> (h4 % 64) & 1) << 3
			h8 := gramHash(w, s8)
			f |= (b8[h8/64] >> (h8 % 64) & 1) << 4
			if f != 0 {
				marks[nm] = uint64(i)<<8 | f
				nm++
			}
		}
		for _, mk := range marks[:nm] {
			m.probeMark(int(mk>>8), uint8(mk), load64(text, int(mk>>8)), text, sink)
		}
	}
	if i < n { // the last positions, read from a copy padded with zeros
		var pad [16]byte
		copy(pad[:], text[i:])
		for p := 0; i+p < n; p++ {
			w := binary.LittleEndian.Uint64(pad[p:])
			f := first[byte(w)]
			if i+p+4 <= n {
				h4 := gramHash(w&0xFFFFFFFF, s4)
				f |= uint8(b4[h4/64]>>(h4%64)&1) << 3
			}
			if f != 0 {
				m.probeMark(i+p, f, w, text, sink)
			}
		}
	}
}

// probeMark checks the needles of the levels f whose gram may start at
// position i, where the text reads w.
func (m *gramMatcher) probeMark(i int, f uint8, w uint64, text string, sink gramSink) {
	for g := 1; g <= 3 && i+g <= len(text); g++ {
		if f&(1<<(g-1)) != 0 {
			lv := &m.short[g-1]
			k := w & lv.mask
			if h := gramHash(k, lv.shift); lv.bits[h/64]&(1<<(h%64)) != 0 {
				m.probe(lv, h, k, text, i, sink)
			}
		}
	}
	if f&(1<<3) != 0 {
		k := w & 0xFFFFFFFF
		if h := gramHash(k, m.l4.shift); m.l4.bits[h/64]&(1<<(h%64)) != 0 {
			m.probe(&m.l4, h, k, text, i, sink)
		}
	}
	if f&(1<<4) != 0 {
		m.probe(&m.l8, gramHash(w, m.l8.shift), w, text, i, sink)
	}
}

// load64 reads the 8 bytes of s at i, first byte lowest (the compiler
// makes it one load).
func load64(s string, i int) uint64 {
	s = s[i : i+8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// probe checks the needles whose gram hashed to h at position i.
func (m *gramMatcher) probe(lv *gramLevel, h, key uint64, text string, i int, sink gramSink) {
	for k := lv.head[h>>lv.hshift]; k != 0; {
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
	n := 256
	for _, lv := range []*gramLevel{&m.l8, &m.l4, &m.short[0], &m.short[1], &m.short[2]} {
		n += 8*len(lv.bits) + 4*len(lv.head) + 24*len(lv.entries)
	}
	return n
}
