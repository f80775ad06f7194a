package detect

import (
	"strings"
	"unicode/utf8"
)

// tokKind is what one piece of a Sigma string pattern matches.
type tokKind uint8

const (
	tokLit   tokKind = iota // a literal run of bytes
	tokOne                  // '?': exactly one character
	tokStar                 // '*': any run of characters, empty included
	tokClass                // one character out of a set (windash)
)

// token is one piece of a pattern.
type token struct {
	kind tokKind
	lit  string // tokLit: the bytes; tokClass: the characters of the set
}

// windashChars are the characters the windash modifier makes
// interchangeable: hyphen, slash, en dash, em dash, horizontal bar.
const windashChars = "-/\u2013\u2014\u2015"

// parseWildcards splits a Sigma string into tokens following the
// specification's escaping: a backslash escapes '*', '?' and itself; a
// backslash before anything else is a plain backslash.
func parseWildcards(s string) []token {
	var toks []token
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			toks = append(toks, token{kind: tokLit, lit: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s) && (s[i+1] == '*' || s[i+1] == '?' || s[i+1] == '\\'):
			lit.WriteByte(s[i+1])
			i++
		case c == '*':
			flush()
			if len(toks) == 0 || toks[len(toks)-1].kind != tokStar {
				toks = append(toks, token{kind: tokStar})
			}
		case c == '?':
			flush()
			toks = append(toks, token{kind: tokOne})
		default:
			lit.WriteByte(c)
		}
	}
	flush()
	return toks
}

// literalTokens is a pattern of one literal (no wildcard), as encodings
// and placeholders produce.
func literalTokens(s string) []token {
	if s == "" {
		return nil
	}
	return []token{{kind: tokLit, lit: s}}
}

// hasWildcard says whether toks contain anything but literals.
func hasWildcard(toks []token) bool {
	for _, t := range toks {
		if t.kind != tokLit {
			return true
		}
	}
	return false
}

// plainText joins the literal tokens (for encodings, which refuse
// wildcards before they are called).
func plainText(toks []token) string {
	var b strings.Builder
	for _, t := range toks {
		b.WriteString(t.lit)
	}
	return b.String()
}

// windash turns every windash character of the literals into a class of
// all five, which matches every permutation without listing them.
func windash(toks []token) []token {
	var out []token
	for _, t := range toks {
		if t.kind != tokLit {
			out = append(out, t)
			continue
		}
		start := 0
		for i, r := range t.lit {
			if strings.ContainsRune(windashChars, r) {
				if i > start {
					out = append(out, token{kind: tokLit, lit: t.lit[start:i]})
				}
				out = append(out, token{kind: tokClass, lit: windashChars})
				start = i + utf8.RuneLen(r)
			}
		}
		if start < len(t.lit) {
			out = append(out, token{kind: tokLit, lit: t.lit[start:]})
		}
	}
	return out
}

// shape names the fast paths of pattern matching.
type shape uint8

const (
	shapeEqual    shape = iota // lit
	shapePrefix                // lit*
	shapeSuffix                // *lit
	shapeContains              // *lit*
	shapeAny                   // *
	shapeGlob                  // anything else
)

// pattern is a compiled Sigma string pattern.
type pattern struct {
	shape shape
	lit   string // the literal of the fast paths
	toks  []token
}

// newPattern compiles tokens, lower-casing literals when fold is set.
func newPattern(toks []token, fold bool) pattern {
	if fold {
		cp := make([]token, len(toks))
		for i, t := range toks {
			if t.kind == tokLit {
				t.lit = foldLower(t.lit)
			}
			cp[i] = t
		}
		toks = cp
	}
	p := pattern{shape: shapeGlob, toks: toks}
	n := len(toks)
	switch {
	case n == 0:
		p.shape = shapeEqual
	case n == 1 && toks[0].kind == tokLit:
		p.shape, p.lit = shapeEqual, toks[0].lit
	case n == 1 && toks[0].kind == tokStar:
		p.shape = shapeAny
	case n == 2 && toks[0].kind == tokLit && toks[1].kind == tokStar:
		p.shape, p.lit = shapePrefix, toks[0].lit
	case n == 2 && toks[0].kind == tokStar && toks[1].kind == tokLit:
		p.shape, p.lit = shapeSuffix, toks[1].lit
	case n == 3 && toks[0].kind == tokStar && toks[1].kind == tokLit && toks[2].kind == tokStar:
		p.shape, p.lit = shapeContains, toks[1].lit
	}
	return p
}

// match reports whether s matches the whole pattern.
func (p *pattern) match(s string) bool {
	switch p.shape {
	case shapeEqual:
		return s == p.lit
	case shapePrefix:
		return strings.HasPrefix(s, p.lit)
	case shapeSuffix:
		return strings.HasSuffix(s, p.lit)
	case shapeContains:
		return strings.Contains(s, p.lit)
	case shapeAny:
		return true
	}
	return globMatch(p.toks, s)
}

// step tries token t at s[i:]; it answers the length consumed.
func step(t token, s string, i int) (int, bool) {
	switch t.kind {
	case tokLit:
		if strings.HasPrefix(s[i:], t.lit) {
			return len(t.lit), true
		}
	case tokOne:
		if i < len(s) {
			_, n := utf8.DecodeRuneInString(s[i:])
			return n, true
		}
	case tokClass:
		if i < len(s) {
			r, n := utf8.DecodeRuneInString(s[i:])
			if strings.ContainsRune(t.lit, r) {
				return n, true
			}
		}
	}
	return 0, false
}

// globMatch is the classic wildcard match with one backtracking point:
// every token but '*' consumes a fixed text at a given position, so
// retrying from the last star is enough. It runs in O(len(toks)·len(s)).
func globMatch(toks []token, s string) bool {
	ti, si := 0, 0
	starT, starS := -1, 0
	for {
		if ti < len(toks) && toks[ti].kind == tokStar {
			starT, starS = ti, si
			ti++
			if ti == len(toks) {
				return true // a trailing star takes the rest
			}
			// jump to the next occurrence of a literal that follows the star
			if ti < len(toks) && toks[ti].kind == tokLit {
				k := strings.Index(s[si:], toks[ti].lit)
				if k < 0 {
					return false
				}
				si += k
				starS = si
			}
			continue
		}
		if ti == len(toks) && si == len(s) {
			return true
		}
		if ti < len(toks) {
			if n, ok := step(toks[ti], s, si); ok {
				ti++
				si += n
				continue
			}
		}
		if starT < 0 || starS >= len(s) {
			return false
		}
		_, n := utf8.DecodeRuneInString(s[starS:])
		starS += n
		ti, si = starT+1, starS
		if ti < len(toks) && toks[ti].kind == tokLit {
			k := strings.Index(s[si:], toks[ti].lit)
			if k < 0 {
				return false
			}
			si += k
			starS = si
		}
	}
}

// needle is the longest literal run of a pattern: text that must appear
// in any value the pattern matches.
func (p *pattern) needle() string {
	best := ""
	for _, t := range p.toks {
		if t.kind == tokLit && len(t.lit) > len(best) {
			best = t.lit
		}
	}
	return best
}
