package vuln

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// CPE attribute positions in a CPE 2.3 name.
const (
	cpePart = iota
	cpeVendor
	cpeProduct
	cpeVersion
	cpeUpdate
	cpeEdition
	cpeLanguage
	cpeSWEdition
	cpeTargetSW
	cpeTargetHW
	cpeOther
	cpeFields
)

// CPE is a parsed CPE 2.3 name: each attribute unescaped and lower-cased;
// "*" stands for ANY and "-" for NA.
type CPE [cpeFields]string

// Key is the part:vendor:product the matcher indexes records by.
func (c CPE) Key() string { return c[cpePart] + ":" + c[cpeVendor] + ":" + c[cpeProduct] }

// ErrCPESyntax is returned for a string that is not a CPE name.
var ErrCPESyntax = errors.New("not a CPE 2.3 formatted string (cpe:2.3:part:vendor:product:version:…) or CPE 2.2 URI (cpe:/part:vendor:product…)")

// ParseCPE reads a CPE 2.3 formatted string (with backslash escapes) or a
// CPE 2.2 URI (with percent escapes). Attributes left out are ANY.
func ParseCPE(s string) (CPE, error) {
	var c CPE
	for i := range c {
		c[i] = "*"
	}
	lower := strings.ToLower(strings.TrimSpace(s))
	switch {
	case strings.HasPrefix(lower, "cpe:2.3:") && !strings.Contains(lower, "\\"):
		// No escapes: the attributes are the parts between colons.
		rest := lower[len("cpe:2.3:"):]
		if n := strings.Count(rest, ":") + 1; n != cpeFields {
			return c, fmt.Errorf("CPE %q: %d attributes, want 11: %w", s, n, ErrCPESyntax)
		}
		for i := 0; i < cpeFields-1; i++ {
			j := strings.IndexByte(rest, ':')
			c[i], rest = rest[:j], rest[j+1:]
		}
		c[cpeFields-1] = rest
	case strings.HasPrefix(lower, "cpe:2.3:"):
		parts, err := splitEscaped(lower[len("cpe:2.3:"):])
		if err != nil {
			return c, fmt.Errorf("CPE %q: %w", s, err)
		}
		if len(parts) != cpeFields {
			return c, fmt.Errorf("CPE %q: %d attributes, want 11: %w", s, len(parts), ErrCPESyntax)
		}
		copy(c[:], parts)
	case strings.HasPrefix(lower, "cpe:/"):
		parts := strings.Split(lower[len("cpe:/"):], ":")
		if len(parts) > 7 {
			return c, fmt.Errorf("CPE %q: too many attributes: %w", s, ErrCPESyntax)
		}
		for i, p := range parts {
			v, err := url.PathUnescape(p)
			if err != nil {
				return c, fmt.Errorf("CPE %q: %w", s, ErrCPESyntax)
			}
			if v == "" {
				v = "*"
			}
			c[i] = v
		}
	default:
		return c, fmt.Errorf("CPE %q: %w", s, ErrCPESyntax)
	}
	switch c[cpePart] {
	case "a", "o", "h", "*":
	default:
		return c, fmt.Errorf("CPE %q: part %q is not a, o or h: %w", s, c[cpePart], ErrCPESyntax)
	}
	if c[cpeVendor] == "" || c[cpeProduct] == "" {
		return c, fmt.Errorf("CPE %q: empty vendor or product: %w", s, ErrCPESyntax)
	}
	return c, nil
}

// splitEscaped splits on unescaped ':' and resolves "\x" to "x".
func splitEscaped(s string) ([]string, error) {
	parts := make([]string, 0, cpeFields)
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if i+1 >= len(s) {
				return nil, fmt.Errorf("a backslash ends the name: %w", ErrCPESyntax)
			}
			i++
			b.WriteByte(s[i])
		case ':':
			parts = append(parts, b.String())
			b.Reset()
		default:
			b.WriteByte(s[i])
		}
	}
	return append(parts, b.String()), nil
}

// attrMatches reports whether a criterion's attribute admits the
// component's, for every attribute but part, vendor, product and version.
func attrMatches(crit, comp string) bool {
	switch {
	case crit == "*" || comp == "*":
		return true
	case crit == "-":
		return comp == "-"
	}
	return crit == comp
}
