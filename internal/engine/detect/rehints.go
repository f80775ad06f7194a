package detect

import (
	"regexp/syntax"
	"unicode/utf8"
)

// byteRun is a necessary condition of a regular expression that holds
// no literal worth searching: every match has at least n consecutive
// bytes of set (a SHA-256 argument is 64 hexadecimal digits in a row).
// Testing it reads the value once, far cheaper than the expression.
type byteRun struct {
	set [256]bool
	n   int
}

// minByteRun is the shortest run worth checking before an expression.
const minByteRun = 8

// in says whether s holds a run of r.n bytes of r.set.
func (r *byteRun) in(s string) bool {
	k := 0
	for i := 0; i < len(s); i++ {
		if !r.set[s[i]] {
			k = 0
			continue
		}
		if k++; k >= r.n {
			return true
		}
	}
	return false
}

// reByteRun answers the longest run of one character class that every
// match of re holds, or nil when none is as long as minByteRun.
func reByteRun(re *syntax.Regexp) *byteRun {
	r := longestRun(re, 0)
	if r == nil || r.n < minByteRun {
		return nil
	}
	return r
}

func longestRun(re *syntax.Regexp, depth int) *byteRun {
	if depth > 50 {
		return nil
	}
	switch re.Op {
	case syntax.OpRepeat:
		if re.Min >= 1 && re.Sub[0].Op == syntax.OpCharClass {
			return &byteRun{set: classBytes(re.Sub[0].Rune), n: min(re.Min, 1<<16)}
		}
		if re.Min >= 1 {
			return longestRun(re.Sub[0], depth+1)
		}
	case syntax.OpCapture, syntax.OpPlus:
		return longestRun(re.Sub[0], depth+1)
	case syntax.OpConcat:
		var best *byteRun
		for _, sub := range re.Sub {
			if r := longestRun(sub, depth+1); r != nil && (best == nil || r.n > best.n) {
				best = r
			}
		}
		return best
	}
	return nil
}

// classBytes answers the bytes that may appear in the UTF-8 text of a
// character of the class (ranges lo, hi, …): its ASCII characters, and
// every byte from 0x80 when it holds any other character (whose encoding
// is made of such bytes; an invalid byte reads as U+FFFD, also ≥ 0x80).
func classBytes(ranges []rune) [256]bool {
	var set [256]bool
	for i := 0; i+1 < len(ranges); i += 2 {
		lo, hi := ranges[i], ranges[i+1]
		for c := lo; c <= hi && c < utf8.RuneSelf; c++ {
			set[c] = true
		}
		if hi >= utf8.RuneSelf {
			for b := 0x80; b < 0x100; b++ {
				set[b] = true
			}
		}
	}
	return set
}

// maxClassNeedle bounds the characters of a class taken as alternative
// literals, and maxNeedleSet the literals one concatenation yields.
const (
	maxClassNeedle = 4
	maxNeedleSet   = 16
)

// fixedTexts answers the texts (folded) that re matches when it matches
// one of a few fixed texts: a literal, or a class of a few characters.
func fixedTexts(re *syntax.Regexp) ([]string, bool) {
	switch re.Op {
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase != 0 && !foldSafe(re.Rune) {
			return nil, false
		}
		s := foldLower(string(re.Rune))
		return []string{s}, s != "" && utf8.ValidString(s)
	case syntax.OpCharClass:
		var out []string
		seen := map[string]bool{}
		for i := 0; i+1 < len(re.Rune); i += 2 {
			if re.Rune[i+1]-re.Rune[i] >= maxClassNeedle {
				return nil, false
			}
			for c := re.Rune[i]; c <= re.Rune[i+1]; c++ {
				s := foldLower(string(c))
				if !seen[s] {
					seen[s] = true
					out = append(out, s)
				}
			}
			if len(out) > maxClassNeedle {
				return nil, false
			}
		}
		return out, len(out) > 0
	}
	return nil, false
}

// concatNeedles answers, for each run of consecutive fixed pieces of a
// concatenation, the texts the run may match (every combination), the
// best of them by betterTexts.
func concatNeedles(subs []*syntax.Regexp) ([]string, bool) {
	var best, cur []string
	found := false
	for _, sub := range subs {
		texts, ok := fixedTexts(sub)
		if !ok || (cur != nil && len(cur)*len(texts) > maxNeedleSet) {
			cur = nil
			if !ok {
				continue
			}
		}
		if cur == nil {
			cur = texts
		} else {
			next := make([]string, 0, len(cur)*len(texts))
			for _, a := range cur {
				for _, b := range texts {
					next = append(next, a+b)
				}
			}
			cur = next
		}
		if !found || betterTexts(cur, best) {
			best, found = cur, true
		}
	}
	return best, found
}
