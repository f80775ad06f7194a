package vuln

import (
	"strings"
)

// Token kinds, in the order they sort against each other at the same
// position: a pre-release word < the end of the version < a letter suffix
// < a number.
const (
	tokPre = iota
	tokEnd
	tokSuffix
	tokNum
)

// preRank orders the pre-release words; "m" counts only before a number.
var preRank = map[string]int{"dev": 0, "snapshot": 0, "alpha": 1, "beta": 2, "milestone": 3, "m": 3, "rc": 4, "cr": 4, "pre": 4, "preview": 4}

type vtoken struct {
	kind int
	text string // digits without leading zeros, or the lower-cased letters
	rank int    // for pre-release words
}

// parsedVersion is a version cut into tokens, with its Debian-style epoch.
type parsedVersion struct {
	epoch string
	toks  []vtoken
}

// parseVersion cuts v into runs of digits and runs of letters, as
// docs/vulnerabilities.md describes.
func parseVersion(v string) parsedVersion {
	v = strings.ToLower(strings.TrimSpace(v))
	if i := strings.IndexByte(v, '+'); i >= 0 {
		v = v[:i]
	}
	var pv parsedVersion
	if i := strings.IndexByte(v, ':'); i > 0 && allDigits(v[:i]) {
		pv.epoch = trimZeros(v[:i])
		v = v[i+1:]
	}
	if len(v) > 1 && v[0] == 'v' && isDigit(v[1]) {
		v = v[1:]
	}
	pv.toks = make([]vtoken, 0, countTokens(v))
	for i := 0; i < len(v); {
		c := v[i]
		j := i + 1
		switch {
		case isDigit(c):
			for j < len(v) && isDigit(v[j]) {
				j++
			}
			pv.toks = append(pv.toks, vtoken{kind: tokNum, text: trimZeros(v[i:j])})
		case isLetter(c):
			for j < len(v) && isLetter(v[j]) {
				j++
			}
			word := v[i:j]
			r, pre := preRank[word]
			if word == "m" && (j >= len(v) || !isDigit(v[j])) {
				pre = false
			}
			if pre {
				pv.toks = append(pv.toks, vtoken{kind: tokPre, text: word, rank: r})
			} else {
				pv.toks = append(pv.toks, vtoken{kind: tokSuffix, text: word})
			}
		}
		i = j
	}
	pv.toks = dropZeros(pv.toks)
	return pv
}

// countTokens is how many tokens parseVersion reads from v: runs of
// digits and runs of letters.
func countTokens(v string) int {
	n, prev := 0, 0
	for i := 0; i < len(v); i++ {
		k := 0
		switch {
		case isDigit(v[i]):
			k = 1
		case isLetter(v[i]):
			k = 2
		}
		if k != 0 && k != prev {
			n++
		}
		prev = k
	}
	return n
}

// dropZeros removes the zeros that stand before a word or the end
// ("1.0" is "1", "2.0-rc1" is "2-rc1"), so that a missing number counts as
// 0 and the ordering stays transitive.
func dropZeros(toks []vtoken) []vtoken {
	out := toks[:0]
	for i := 0; i < len(toks); {
		if toks[i].kind != tokNum || toks[i].text != "" {
			out = append(out, toks[i])
			i++
			continue
		}
		j := i
		for j < len(toks) && toks[j].kind == tokNum && toks[j].text == "" {
			j++
		}
		if j < len(toks) && toks[j].kind == tokNum {
			out = append(out, toks[i:j]...)
		}
		i = j
	}
	return out
}

// CompareVersions orders two version strings: -1 when a < b, 0 when they
// are equal under the ordering (1.0 = 1.0.0), +1 when a > b.
func CompareVersions(a, b string) int {
	return compareParsed(parseVersion(a), parseVersion(b))
}

func compareParsed(a, b parsedVersion) int {
	if c := compareNum(a.epoch, b.epoch); c != 0 {
		return c
	}
	n := max(len(a.toks), len(b.toks))
	for i := 0; i < n; i++ {
		var c int
		switch {
		case i >= len(a.toks):
			c = -compareMissing(b.toks[i])
		case i >= len(b.toks):
			c = compareMissing(a.toks[i])
		default:
			c = compareTok(a.toks[i], b.toks[i])
		}
		if c != 0 {
			return c
		}
	}
	return 0
}

// compareMissing compares a token against the end of the other version:
// the end is greater than a pre-release and smaller than a letter suffix
// or a number (trailing zeros are already dropped).
func compareMissing(t vtoken) int {
	return cmpInt(t.kind, tokEnd)
}

func compareTok(a, b vtoken) int {
	if a.kind != b.kind {
		return cmpInt(a.kind, b.kind)
	}
	switch a.kind {
	case tokNum:
		return compareNum(a.text, b.text)
	case tokPre:
		return cmpInt(a.rank, b.rank)
	default:
		return strings.Compare(a.text, b.text)
	}
}

// compareNum compares two digit strings without leading zeros ("" is 0)
// of any length.
func compareNum(a, b string) int {
	if len(a) != len(b) {
		return cmpInt(len(a), len(b))
	}
	return strings.Compare(a, b)
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func trimZeros(s string) string { return strings.TrimLeft(s, "0") }

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}

func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isLetter(c byte) bool { return c >= 'a' && c <= 'z' }
