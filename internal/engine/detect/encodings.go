package detect

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"regexp/syntax"
	"strings"
	"unicode/utf16"
)

// transform applies one transformation modifier to every alternative.
func transform(name string, alts [][]token) ([][]token, error) {
	if name == "windash" {
		out := make([][]token, len(alts))
		for i, a := range alts {
			out[i] = windash(a)
		}
		return out, nil
	}
	var out [][]token
	for _, a := range alts {
		if hasWildcard(a) {
			return nil, fmt.Errorf("%s cannot encode a value with wildcards or windash", name)
		}
		s := plainText(a)
		switch name {
		case "base64":
			out = append(out, literalTokens(base64.StdEncoding.EncodeToString([]byte(s))))
		case "base64offset":
			for _, e := range base64Offsets(s) {
				out = append(out, literalTokens(e))
			}
		case "utf16le", "wide":
			out = append(out, literalTokens(utf16Bytes(s, binary.LittleEndian, false)))
		case "utf16be":
			out = append(out, literalTokens(utf16Bytes(s, binary.BigEndian, false)))
		case "utf16":
			out = append(out, literalTokens(utf16Bytes(s, binary.LittleEndian, true)))
		}
	}
	return out, nil
}

// base64Offsets answers the stable middle of s's Base64 encoding at the
// three alignments it can have inside a longer encoded text: the first
// characters, which depend on the bytes before s, and the last, which
// depend on the bytes after, are cut.
func base64Offsets(s string) []string {
	start := [3]int{0, 2, 3}
	endCut := [3]int{0, 3, 2}
	var out []string
	for shift := 0; shift < 3; shift++ {
		enc := base64.StdEncoding.EncodeToString(append(make([]byte, shift), s...))
		end := len(enc) - endCut[(len(s)+shift)%3]
		if start[shift] < end {
			out = append(out, enc[start[shift]:end])
		}
	}
	return out
}

func utf16Bytes(s string, order binary.AppendByteOrder, bom bool) string {
	u := utf16.Encode([]rune(s))
	b := make([]byte, 0, 2*len(u)+2)
	if bom {
		b = order.AppendUint16(b, 0xFEFF)
	}
	for _, x := range u {
		b = order.AppendUint16(b, x)
	}
	return string(b)
}

// expand replaces %name% placeholders (not "\%") by their configured
// values; several values give alternatives, several placeholders their
// combinations. A placeholder with no configured value refuses the rule,
// as the specification asks.
func (c *compiler) expand(s string) ([]string, error) {
	outs := []string{""}
	for i := 0; i < len(s); {
		switch {
		case s[i] == '\\' && i+1 < len(s) && s[i+1] == '\\':
			outs = appendAll(outs, s[i:i+2]) // an escaped backslash, for the wildcard parser
			i += 2
		case s[i] == '\\' && i+1 < len(s) && s[i+1] == '%':
			outs = appendAll(outs, "%")
			i += 2
		case s[i] == '%':
			j := strings.IndexByte(s[i+1:], '%')
			if j < 0 {
				outs = appendAll(outs, s[i:])
				i = len(s)
				continue
			}
			name := s[i+1 : i+1+j]
			vals, ok := c.placeholders[name]
			if !ok {
				for k, v := range c.placeholders { // names are matched case-insensitively
					if strings.EqualFold(k, name) {
						vals, ok = v, true
						break
					}
				}
			}
			if !ok || len(vals) == 0 {
				return nil, fmt.Errorf("placeholder %%%s%% has no configured value", name)
			}
			var next []string
			for _, o := range outs {
				for _, v := range vals {
					next = append(next, o+v)
				}
			}
			if len(next) > maxPlaceholderValues {
				return nil, fmt.Errorf("placeholders expand to more than %d values", maxPlaceholderValues)
			}
			outs = next
			i += j + 2
		default:
			k := i + 1
			for k < len(s) && s[k] != '%' && s[k] != '\\' {
				k++
			}
			outs = appendAll(outs, s[i:k])
			i = k
		}
	}
	return outs, nil
}

func appendAll(outs []string, s string) []string {
	for i := range outs {
		outs[i] += s
	}
	return outs
}

// reMinLen is a lower bound of the length in bytes of any text a regular
// expression matches.
func reMinLen(re *syntax.Regexp, depth int) int {
	if depth > 50 {
		return 0
	}
	switch re.Op {
	case syntax.OpLiteral:
		return len(string(re.Rune))
	case syntax.OpCharClass, syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return 1
	case syntax.OpCapture, syntax.OpPlus:
		return reMinLen(re.Sub[0], depth+1)
	case syntax.OpRepeat:
		return min(re.Min, 1<<16) * reMinLen(re.Sub[0], depth+1)
	case syntax.OpConcat:
		n := 0
		for _, s := range re.Sub {
			n += reMinLen(s, depth+1)
		}
		return n
	case syntax.OpAlternate:
		n := -1
		for _, s := range re.Sub {
			if m := reMinLen(s, depth+1); n < 0 || m < n {
				n = m
			}
		}
		return max(n, 0)
	}
	return 0
}
