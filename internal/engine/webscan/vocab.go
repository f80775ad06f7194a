package webscan

import (
	_ "embed"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"
)

// vocabText is the gambling and scam vocabulary: see its header for the
// format and docs/scoring.md §4 for how it is scored.
//
//go:embed vocab.txt
var vocabText string

// termClass is how much a term says about a block of text.
type termClass uint8

const (
	classNone    termClass = iota
	classNeutral           // claims its syllables so that no shorter term matches inside it
	classWeak              // ambiguous or promotional: counts only beside a strong signal
	classMedium            // a betting word that news and rules use too
	classStrong            // betting or scam words, which news uses too
	classAdvert            // phrases that only betting advertising uses
	classLawful            // the words of news, law and prevention: lowers the score
)

var classNames = map[string]termClass{"A": classAdvert, "S": classStrong, "M": classMedium, "W": classWeak, "L": classLawful, "N": classNeutral, "-": classNone}

func (c termClass) String() string {
	for k, v := range classNames {
		if v == c {
			return k
		}
	}
	return "?"
}

// vocabTerm is one phrase of the vocabulary.
type vocabTerm struct {
	phrase         string
	marked, folded termClass // class when the page writes it with marks, and without
	brand          bool      // a betting site's name: also looked for in addresses
	keysM, keysF   []uint64
	compact        string // folded, without spaces: how an address writes it
}

// vocabulary is the parsed vocabulary with its indexes by first syllable.
type vocabulary struct {
	terms              []*vocabTerm
	byMarked, byFolded map[uint64][]*vocabTerm // longest phrase first
	patterns           []*regexp.Regexp        // brand names by shape (fb88, 188bet)
	exclusions         []*regexp.Regexp        // shapes that look like brands but are not (km88)
	hostTerms          []*vocabTerm            // terms looked for inside host names
	first              [firstBits / 64]uint64  // the first syllables of all phrases, as a Bloom-like filter
	patternTerm        *vocabTerm              // stands for any pattern match
}

// firstBits sizes the filter that spares most syllables a map look-up.
const firstBits = 1 << 13

func (v *vocabulary) mayStart(key uint64) bool {
	b := key % firstBits
	return v.first[b/64]&(1<<(b%64)) != 0
}

func (v *vocabulary) addFirst(key uint64) {
	b := key % firstBits
	v.first[b/64] |= 1 << (b % 64)
}

// vocab is the embedded vocabulary, parsed once; a test proves it parses.
var vocab = mustParseVocabulary(vocabText)

func mustParseVocabulary(text string) *vocabulary {
	v, err := parseVocabulary(text)
	if err != nil {
		panic("webscan: embedded vocabulary: " + err.Error())
	}
	return v
}

// parseVocabulary reads the vocabulary format: one entry a line, "#"
// comments. "S/W phrase" is a phrase of class S when written with its
// marks and W when the text has none; "S phrase" is S both ways; "-"
// after the slash matches only with the marks. "B name" is a betting
// brand (strong, also in addresses), "P regexp" a brand by its shape and
// "X regexp" a shape that is never a brand.
func parseVocabulary(text string) (*vocabulary, error) {
	v := &vocabulary{byMarked: map[uint64][]*vocabTerm{}, byFolded: map[uint64][]*vocabTerm{}}
	v.patternTerm = &vocabTerm{phrase: "(brand name)", marked: classAdvert, folded: classAdvert, brand: true}
	var tok tokenizer
	seenM, seenF := map[string]string{}, map[string]string{}
	for n, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		kind, rest, ok := strings.Cut(line, " ")
		rest = strings.TrimSpace(rest)
		if !ok || rest == "" {
			return nil, fmt.Errorf("line %d: want CLASS PHRASE: %q", n+1, line)
		}
		if kind == "P" || kind == "X" {
			re, err := regexp.Compile(rest)
			if err != nil {
				return nil, fmt.Errorf("line %d: %w", n+1, err)
			}
			if kind == "P" {
				v.patterns = append(v.patterns, re)
			} else {
				v.exclusions = append(v.exclusions, re)
			}
			continue
		}
		t, err := parseTerm(kind, rest)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n+1, err)
		}
		sy := tok.syllables(rest)
		if len(sy) == 0 || slices.ContainsFunc(sy[1:], func(s syllable) bool { return s.brk }) {
			return nil, fmt.Errorf("line %d: %q is not a phrase", n+1, rest)
		}
		for _, s := range sy {
			t.keysM, t.keysF = append(t.keysM, s.marked), append(t.keysF, s.folded)
		}
		if prev, dup := seenM[fmt.Sprint(t.keysM)]; dup {
			return nil, fmt.Errorf("line %d: %q repeats %q", n+1, rest, prev)
		}
		seenM[fmt.Sprint(t.keysM)] = rest
		v.byMarked[t.keysM[0]] = append(v.byMarked[t.keysM[0]], t)
		v.addFirst(t.keysM[0])
		if t.folded != classNone {
			if prev, dup := seenF[fmt.Sprint(t.keysF)]; dup {
				return nil, fmt.Errorf("line %d: %q is %q without its marks: mark one of them \"/-\"", n+1, rest, prev)
			}
			seenF[fmt.Sprint(t.keysF)] = rest
			v.byFolded[t.keysF[0]] = append(v.byFolded[t.keysF[0]], t)
			v.addFirst(t.keysF[0])
		}
		if t.brand || ((t.marked == classStrong || t.marked == classAdvert) && t.folded == t.marked) {
			v.hostTerms = append(v.hostTerms, t)
		}
		v.terms = append(v.terms, t)
	}
	for _, idx := range []map[uint64][]*vocabTerm{v.byMarked, v.byFolded} {
		for _, list := range idx {
			slices.SortStableFunc(list, func(a, b *vocabTerm) int { return len(b.keysM) - len(a.keysM) })
		}
	}
	return v, nil
}

func parseTerm(kind, phrase string) (*vocabTerm, error) {
	t := &vocabTerm{phrase: phrase, compact: strings.ReplaceAll(fold(phrase), " ", "")}
	if kind == "B" {
		t.marked, t.folded, t.brand = classAdvert, classAdvert, true
		return t, nil
	}
	m, f, slash := strings.Cut(kind, "/")
	var ok1, ok2 bool
	t.marked, ok1 = classNames[m]
	t.folded, ok2 = t.marked, true
	if slash {
		t.folded, ok2 = classNames[f]
	}
	if !ok1 || !ok2 || t.marked == classNone {
		return nil, fmt.Errorf("unknown class %q", kind)
	}
	return t, nil
}

// termHit is one vocabulary term found in a text.
type termHit struct {
	term  *vocabTerm
	class termClass
}

// matchText finds the vocabulary's terms in one piece of text (a text
// node, a link's text), syllable by syllable, longest phrase first. A
// text that carries Vietnamese marks anywhere is matched with its marks
// ("bàn cách" is not "bắn cá"); a text written without any is matched
// folded, where ambiguous phrases take their weaker folded class.
func (v *vocabulary) matchText(tok *tokenizer, text string, emit func(termHit)) {
	sy := tok.syllables(text)
	folded := !slices.ContainsFunc(sy, func(s syllable) bool { return s.hasMarks })
	v.matchSyllables(sy, folded, emit)
}

// matchSyllables matches syllables, folded or with their marks.
func (v *vocabulary) matchSyllables(sy []syllable, folded bool, emit func(termHit)) {
	idx := v.byMarked
	if folded {
		idx = v.byFolded
	}
	for i := 0; i < len(sy); {
		key := sy[i].marked
		if folded {
			key = sy[i].folded
		}
		n := 0
		var cands []*vocabTerm
		if v.mayStart(key) {
			cands = idx[key]
		}
		for _, t := range cands {
			if matchesAt(sy, i, t, folded) && !v.overlapsNeutral(sy, i, len(t.keysM), folded) {
				c := t.marked
				if folded {
					c = t.folded
				}
				emit(termHit{term: t, class: c})
				n = len(t.keysM)
				break
			}
		}
		if n == 0 {
			if sy[i].digits && v.isBrandShape(sy[i].word) {
				emit(termHit{term: v.patternTerm, class: classAdvert})
			}
			n = 1
		}
		i += n
	}
}

// overlapsNeutral tells whether a neutral phrase starts inside the n
// syllables at i and runs past them: "số đề" is not found in "số đề
// nghị", nor "cá độ" in "cá độ mặn cao", nor "đánh lô" in "đánh lô cốt".
func (v *vocabulary) overlapsNeutral(sy []syllable, i, n int, folded bool) bool {
	idx := v.byMarked
	if folded {
		idx = v.byFolded
	}
	for k := 1; k < n; k++ {
		key := sy[i+k].marked
		if folded {
			key = sy[i+k].folded
		}
		for _, t := range idx[key] {
			if len(t.keysM) > n-k && t.marked == classNeutral && matchesAt(sy, i+k, t, folded) {
				return true
			}
		}
	}
	return false
}

func matchesAt(sy []syllable, i int, t *vocabTerm, folded bool) bool {
	keys := t.keysM
	if folded {
		keys = t.keysF
	}
	if i+len(keys) > len(sy) {
		return false
	}
	for k := 1; k < len(keys); k++ {
		s := sy[i+k]
		key := s.marked
		if folded {
			key = s.folded
		}
		if s.brk || key != keys[k] {
			return false
		}
	}
	return true
}

// isBrandShape tells whether a word of letters and digits has the shape
// of a betting brand (and not of an excluded shape).
func (v *vocabulary) isBrandShape(word string) bool {
	for _, re := range v.exclusions {
		if re.MatchString(word) {
			return false
		}
	}
	for _, re := range v.patterns {
		if re.MatchString(word) {
			return true
		}
	}
	return false
}

// hostHits finds betting brands and strong terms in a host name, label
// by label ("nhacai-uytin.example", "fb88vn.example"): a brand or a
// phrase of five letters or more may sit inside a label, a shorter one
// must be the whole label.
func (v *vocabulary) hostHits(host string, emit func(t *vocabTerm, label string)) {
	labels := strings.FieldsFunc(strings.ToLower(host), func(r rune) bool { return r == '.' || r == '-' || r == '_' })
	for _, l := range labels {
		found := false
		for _, t := range v.hostTerms {
			if l == t.compact || (len(t.compact) >= 5 && strings.Contains(l, t.compact)) {
				emit(t, l)
				found = true
				break
			}
		}
		if found {
			continue
		}
		trimmed := strings.TrimRightFunc(l, unicode.IsLetter) // "w88vn" → "w88"
		if v.isBrandShape(l) || (trimmed != "" && trimmed != l && v.isBrandShape(trimmed)) {
			emit(v.patternTerm, l)
		}
	}
}
