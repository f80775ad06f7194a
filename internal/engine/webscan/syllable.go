package webscan

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// A syllable is one word of a text as the vocabulary matcher compares it.
// Vietnamese writes one syllable per space-separated word, so the
// matcher works on these and never on substrings.
//
// Two keys are kept. The marked key keeps every letter's quality mark
// (ă â ê ô ơ ư đ) and the tone as a separate value, so that "hoà" and
// "hòa" (old and new tone placement), composed and decomposed Unicode,
// and upper and lower case give one key, while "bắn" and "bàn" stay
// apart. The folded key drops every mark (đ → d): "ban".
type syllable struct {
	marked, folded uint64 // FNV-1a hashes of the two keys
	hasMarks       bool   // carries a tone, a quality mark or đ
	digits         bool   // has both letters and digits (a brand like fb88)
	// brk is set when a clause break (full stop, comma, bracket, …)
	// stands before this syllable: a phrase never spans one.
	brk bool
	// word is the syllable's text in lower case, kept only when it
	// mixes letters and digits (for the brand patterns).
	word string
}

// letterInfo is what the normaliser knows of one letter.
type letterInfo struct {
	base, fold rune  // lower case with quality marks; without any mark
	tone       uint8 // 0 none, 1 grave, 2 acute, 3 hook, 4 tilde, 5 dot below
	marked     bool
	kind       runeKind
}

// runeKind sorts the runes of a text for the tokenizer.
type runeKind uint8

const (
	kindOther runeKind = iota
	kindLetter
	kindDigit
	kindMark // a combining mark (decomposed text)
)

// kindOf sorts a rune, from the table when it is Latin.
func kindOf(r rune) runeKind {
	if r >= 0 && r < latinTableSize {
		return latinTable[r].kind
	}
	switch {
	case unicode.IsLetter(r):
		return kindLetter
	case unicode.IsDigit(r):
		return kindDigit
	case unicode.Is(unicode.Mn, r):
		return kindMark
	}
	return kindOther
}

// latinTable covers Latin letters up to U+1EFF (Latin Extended Additional,
// where the precomposed Vietnamese letters live).
var latinTable = buildLatinTable()

const latinTableSize = 0x1F00

func toneOf(m rune) uint8 {
	switch m {
	case 0x300, 0x340:
		return 1
	case 0x301, 0x341:
		return 2
	case 0x309:
		return 3
	case 0x303:
		return 4
	case 0x323:
		return 5
	}
	return 0
}

func buildLatinTable() []letterInfo {
	t := make([]letterInfo, latinTableSize)
	for r := rune(0); r < latinTableSize; r++ {
		switch {
		case unicode.IsDigit(r):
			t[r] = letterInfo{base: r, fold: r, kind: kindDigit}
			continue
		case unicode.Is(unicode.Mn, r):
			t[r].kind = kindMark
			continue
		case !unicode.IsLetter(r):
			continue
		}
		lower := unicode.ToLower(r)
		info := letterInfo{base: lower, fold: lower, kind: kindLetter}
		if lower == 'đ' {
			info.fold, info.marked = 'd', true
		}
		d := []rune(norm.NFD.String(string(lower)))
		if len(d) > 1 && d[0] < 0x80 {
			kept := []rune{d[0]}
			for _, m := range d[1:] {
				if tn := toneOf(m); tn != 0 {
					info.tone = tn
				} else {
					kept = append(kept, m)
				}
			}
			info.fold, info.marked = d[0], true
			if c := []rune(norm.NFC.String(string(kept))); len(c) == 1 {
				info.base = c[0]
			}
		}
		t[r] = info
	}
	return t
}

// letter describes one letter or digit rune.
func letter(r rune) letterInfo {
	if r >= 0 && r < latinTableSize {
		if info := latinTable[r]; info.base != 0 {
			return info
		}
	}
	l := unicode.ToLower(r)
	return letterInfo{base: l, fold: l, kind: kindOf(r)}
}

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func fnvRune(h uint64, r rune) uint64 {
	for r > 0 {
		h ^= uint64(r & 0xff)
		h *= fnvPrime
		r >>= 8
	}
	h ^= 0xff // separates runes, so that keys of different lengths differ
	return h * fnvPrime
}

// syllableKeys hashes one word (its runes, in wordBuf) into a syllable.
// Combining marks of decomposed text apply to the letter before them.
func syllableKeys(word []rune) syllable {
	var s syllable
	m, f := uint64(fnvOffset), uint64(fnvOffset)
	var tone uint8
	var letters, digits bool
	for i := 0; i < len(word); i++ {
		r := word[i]
		if r < 0x80 && (i+1 == len(word) || word[i+1] < 0x300) { // plain ASCII
			if 'A' <= r && r <= 'Z' {
				r += 'a' - 'A'
			}
			if '0' <= r && r <= '9' {
				digits = true
			} else {
				letters = true
			}
			m, f = fnvRune(m, r), fnvRune(f, r)
			continue
		}
		info := letter(r)
		if info.kind == kindMark {
			continue // folded into the letter before it, below
		}
		// Decomposed input: gather the marks that follow this letter.
		for i+1 < len(word) && word[i+1] >= 0x300 && kindOf(word[i+1]) == kindMark {
			i++
			mk := word[i]
			if tn := toneOf(mk); tn != 0 {
				if tone == 0 {
					tone = tn
				}
				s.hasMarks = true
				continue
			}
			if c := []rune(norm.NFC.String(string([]rune{info.base, mk}))); len(c) == 1 {
				info.base = c[0]
				s.hasMarks = true
			}
		}
		if info.tone != 0 && tone == 0 {
			tone = info.tone
		}
		s.hasMarks = s.hasMarks || info.marked
		if info.kind == kindDigit {
			digits = true
		} else {
			letters = true
		}
		m, f = fnvRune(m, info.base), fnvRune(f, info.fold)
	}
	if tone != 0 {
		m = fnvRune(m, 0x10+rune(tone)) // the tone, wherever it was written
	}
	s.marked, s.folded, s.digits = m, f, letters && digits
	return s
}

// isWordRune is a rune that belongs to a syllable.
func isWordRune(r rune) bool {
	return kindOf(r) != kindOther
}

// isJoiner is a rune that spam writes inside a word to dodge filters
// ("c.á đ.ộ", "n*à c*ái"): see splitWord.
func isJoiner(r rune) bool {
	switch r {
	case '.', '*', '_', '·', '\'', '’', '`':
		return true
	}
	return false
}

// isSoftBreak separates syllables without ending a phrase: spaces and the
// hyphens and slashes of addresses ("nha-cai-uy-tin").
func isSoftBreak(r rune) bool {
	return unicode.IsSpace(r) || r == '-' || r == '/' || r == '+' || r == '~' || r == '=' || r == '&' || r == '#' || r == '@'
}

// tokenizer turns text into syllables, reusing its buffers.
type tokenizer struct {
	word, frag []rune
	out        []syllable
}

// syllables splits text into syllables. The result is valid until the
// next call.
func (t *tokenizer) syllables(text string) []syllable {
	t.out = t.out[:0]
	brk := false
	for i := 0; i < len(text); {
		r, n := utf8.DecodeRuneInString(text[i:])
		if !isWordRune(r) {
			if !isSoftBreak(r) {
				brk = true
			}
			i += n
			continue
		}
		// A word: word runes and joiners between word runes.
		t.word = t.word[:0]
		joined := false
		j := i
		for j < len(text) {
			r, n := utf8.DecodeRuneInString(text[j:])
			if isWordRune(r) {
				t.word = append(t.word, r)
				j += n
				continue
			}
			if isJoiner(r) && j+n < len(text) {
				if next, _ := utf8.DecodeRuneInString(text[j+n:]); isWordRune(next) {
					t.word = append(t.word, '.')
					joined = true
					j += n
					continue
				}
			}
			break
		}
		if joined {
			brk = t.splitWord(brk)
		} else {
			t.emit(t.word, brk)
			brk = false
		}
		i = j
	}
	return t.out
}

// splitWord cuts the word in t.word at its joiners. Fragments of a single
// letter are glued to their neighbours ("c.á" → "cá", "n.h.à" → "nhà");
// two longer fragments are two syllables ("fb88.com", "cá.độ"), with a
// clause break between them when the second starts with a capital
// ("bán cá.Độ mặn"). brk is the break flag of the word's first syllable;
// it returns the flag for the next word.
func (t *tokenizer) splitWord(brk bool) bool {
	w := t.word
	t.frag = t.frag[:0]
	fragLetters := 0 // letterCount(t.frag), kept as it grows
	for start := 0; start <= len(w); {
		end := start
		for end < len(w) && w[end] != '.' {
			end++
		}
		frag := w[start:end]
		n := letterCount(frag)
		if fragLetters > 1 && n > 1 {
			t.emit(t.frag, brk)
			brk = unicode.IsUpper(frag[0])
			t.frag, fragLetters = t.frag[:0], 0
		}
		t.frag, fragLetters = append(t.frag, frag...), fragLetters+n
		start = end + 1
	}
	if len(t.frag) > 0 {
		t.emit(t.frag, brk)
	}
	return false
}

// emit appends the syllable of one word.
func (t *tokenizer) emit(word []rune, brk bool) {
	s := syllableKeys(word)
	s.brk = brk
	if s.digits {
		s.word = strings.ToLower(string(word))
	}
	t.out = append(t.out, s)
}

// letterCount counts the runes of a fragment that are not combining marks.
func letterCount(frag []rune) int {
	n := 0
	for _, r := range frag {
		if kindOf(r) != kindMark {
			n++
		}
	}
	return n
}
