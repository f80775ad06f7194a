package vuln

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// DecodeRecord reads a record stored as the JSON of a Record (what
// encoding/json writes for it) into r, with exactly encoding/json's
// result, and compiles it (see Compile). Reading 300,000 stored records
// is most of a first match, so the usual shape (the keys Record writes,
// once each, in any order) is read by a small reader of its own, several
// times faster than reflection; anything else (other or repeated keys,
// null, a malformed document) is left to encoding/json.
func DecodeRecord(b []byte, r *Record) error {
	var d RecordDecoder
	return d.Decode(string(b), r)
}

// RecordDecoder decodes stored records as DecodeRecord does, keeping its
// scratch space from one record to the next (one per goroutine).
type RecordDecoder struct {
	ms    []CPEMatch
	names map[string]*criterion // criteria parsed so far, shared between the records
}

// Decode is DecodeRecord of a body read as a string: the record's
// strings are parts of it, not copies.
func (rd *RecordDecoder) Decode(b string, r *Record) error {
	d := recordReader{b: b, ms: rd.ms}
	defer func() { rd.ms = d.ms[:0] }()
	var fast Record
	if d.record(&fast) && d.end() {
		*r = fast
	} else {
		*r = Record{}
		if err := json.Unmarshal([]byte(b), r); err != nil {
			return err
		}
	}
	if rd.names == nil {
		rd.names = map[string]*criterion{}
	}
	return compileRecord(r, rd.names)
}

// recordReader reads one Record's JSON; each method reports false when
// the input is not of the shape it reads (the caller then falls back).
type recordReader struct {
	b  string
	i  int
	ms []CPEMatch // scratch for one node's criteria
}

func (d *recordReader) space() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// end reports whether only white space is left.
func (d *recordReader) end() bool {
	d.space()
	return d.i == len(d.b)
}

// byte consumes c, after white space.
func (d *recordReader) byte(c byte) bool {
	d.space()
	if d.i < len(d.b) && d.b[d.i] == c {
		d.i++
		return true
	}
	return false
}

// peek is the next byte after white space (0 at the end).
func (d *recordReader) peek() byte {
	d.space()
	if d.i < len(d.b) {
		return d.b[d.i]
	}
	return 0
}

// object reads an object whose values field reads by key; seen guards
// against a key given twice (encoding/json would merge or replace).
func (d *recordReader) object(field func(key string) bool) bool {
	if !d.byte('{') {
		return false
	}
	if d.byte('}') {
		return true
	}
	var seen [8]string
	n := 0
	for {
		key, ok := d.rawKey()
		if !ok || n == len(seen) || slices.Contains(seen[:n], key) || !d.byte(':') || !field(key) {
			return false
		}
		seen[n] = key
		n++
		if d.byte(',') {
			continue
		}
		return d.byte('}')
	}
}

// rawKey reads a key without escapes (keys with escapes fall back).
func (d *recordReader) rawKey() (string, bool) {
	if !d.byte('"') {
		return "", false
	}
	start := d.i
	for d.i < len(d.b) {
		c := d.b[d.i]
		if c == '"' {
			d.i++
			return d.b[start : d.i-1], true
		}
		if c == '\\' || c < 0x20 || c >= 0x80 {
			return "", false
		}
		d.i++
	}
	return "", false
}

// str reads a string as encoding/json does: escapes resolved, a lone
// surrogate or a byte that is not UTF-8 read as U+FFFD.
func (d *recordReader) str(out *string) bool {
	if d.null() { // encoding/json leaves the field as it is
		return true
	}
	if !d.byte('"') {
		return false
	}
	start := d.i
	plain := true
	for d.i < len(d.b) {
		c := d.b[d.i]
		switch {
		case c == '"':
			d.i++
			raw := d.b[start : d.i-1]
			if plain || utf8.ValidString(raw) && !strings.Contains(raw, "\\") {
				*out = raw
				return true
			}
			s, ok := unquote(raw)
			*out = s
			return ok
		case c == '\\':
			plain = false
			d.i += 2
			continue
		case c < 0x20:
			return false
		case c >= 0x80:
			plain = false
		}
		d.i++
	}
	return false
}

// unquote resolves a JSON string's escapes (s is between its quotes).
func unquote(s string) (string, bool) {
	b := make([]byte, 0, len(s)+8)
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\\':
			if i+1 >= len(s) {
				return "", false
			}
			switch s[i+1] {
			case '"', '\\', '/':
				b = append(b, s[i+1])
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				r := hex4(s, i+2)
				if r < 0 {
					return "", false
				}
				i += 6
				if utf16.IsSurrogate(r) {
					if i+1 < len(s) && s[i] == '\\' && s[i+1] == 'u' {
						if r2 := hex4(s, i+2); r2 >= 0 {
							if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
								b = utf8.AppendRune(b, dec)
								i += 6
								continue
							}
						}
					}
					r = utf8.RuneError
				}
				b = utf8.AppendRune(b, r)
				continue
			default:
				return "", false
			}
			i += 2
		case c < 0x20:
			return "", false
		case c < utf8.RuneSelf:
			b = append(b, c)
			i++
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			b = utf8.AppendRune(b, r) // U+FFFD for a byte that is not UTF-8
			i += size
		}
	}
	return string(b), true
}

// hex4 reads the four hex digits at s[i:], or -1.
func hex4(s string, i int) rune {
	if i+4 > len(s) {
		return -1
	}
	var r rune
	for _, c := range []byte(s[i : i+4]) {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r*16 + rune(c)
	}
	return r
}

func (d *recordReader) boolean(out *bool) bool {
	d.space()
	switch {
	case hasPrefixAt(d.b, d.i, "true"):
		*out, d.i = true, d.i+4
	case hasPrefixAt(d.b, d.i, "false"):
		*out, d.i = false, d.i+5
	default:
		return false
	}
	return d.delimited()
}

// null consumes a null literal.
func (d *recordReader) null() bool {
	d.space()
	if hasPrefixAt(d.b, d.i, "null") {
		d.i += 4
		if d.delimited() {
			return true
		}
		d.i -= 4
	}
	return false
}

// delimited reports whether a literal ends where a value may end.
func (d *recordReader) delimited() bool {
	if d.i == len(d.b) {
		return true
	}
	switch d.b[d.i] {
	case ' ', '\t', '\n', '\r', ',', '}', ']':
		return true
	}
	return false
}

func hasPrefixAt(b string, i int, p string) bool {
	return len(b)-i >= len(p) && b[i:i+len(p)] == p
}

// number reads a JSON number (its exact grammar) as a float64.
func (d *recordReader) number(out *float64) bool {
	d.space()
	start := d.i
	digits := func() bool {
		n := d.i
		for d.i < len(d.b) && d.b[d.i] >= '0' && d.b[d.i] <= '9' {
			d.i++
		}
		return d.i > n
	}
	if d.i < len(d.b) && d.b[d.i] == '-' {
		d.i++
	}
	if d.i < len(d.b) && d.b[d.i] == '0' {
		d.i++
	} else if !digits() {
		return false
	}
	if d.i < len(d.b) && d.b[d.i] == '.' {
		d.i++
		if !digits() {
			return false
		}
	}
	if d.i < len(d.b) && (d.b[d.i] == 'e' || d.b[d.i] == 'E') {
		d.i++
		if d.i < len(d.b) && (d.b[d.i] == '+' || d.b[d.i] == '-') {
			d.i++
		}
		if !digits() {
			return false
		}
	}
	if !d.delimited() {
		return false
	}
	f, err := strconv.ParseFloat(d.b[start:d.i], 64)
	if err != nil {
		return false
	}
	*out = f
	return true
}

// array reads an array, each element by elem; an empty array leaves the
// slice as encoding/json does: empty, not nil; null leaves it nil.
func (d *recordReader) array(elem func() bool, empty func()) bool {
	if d.null() { // a nil slice, as the field already is
		return true
	}
	if !d.byte('[') {
		return false
	}
	if d.byte(']') {
		empty()
		return true
	}
	for {
		if !elem() {
			return false
		}
		if d.byte(',') {
			continue
		}
		return d.byte(']')
	}
}

func (d *recordReader) record(r *Record) bool {
	return d.object(func(key string) bool {
		switch key {
		case "id":
			return d.str(&r.ID)
		case "source":
			return d.str(&r.Source)
		case "status":
			return d.str(&r.Status)
		case "published":
			return d.str(&r.Published)
		case "modified":
			return d.str(&r.Modified)
		case "description":
			return d.str(&r.Description)
		case "cvss":
			if d.null() {
				return true
			}
			if d.peek() != '{' {
				return false
			}
			r.CVSS = &CVSS{}
			return d.object(func(key string) bool {
				switch key {
				case "version":
					return d.str(&r.CVSS.Version)
				case "score":
					return d.number(&r.CVSS.Score)
				case "severity":
					return d.str(&r.CVSS.Severity)
				case "vector":
					return d.str(&r.CVSS.Vector)
				}
				return false
			})
		case "configurations":
			return d.array(func() bool {
				r.Configurations = append(r.Configurations, Configuration{})
				c := &r.Configurations[len(r.Configurations)-1]
				return d.object(func(key string) bool {
					switch key {
					case "operator":
						return d.str(&c.Operator)
					case "negate":
						return d.boolean(&c.Negate)
					case "nodes":
						return d.nodes(&c.Nodes, 0)
					}
					return false
				})
			}, func() { r.Configurations = []Configuration{} })
		}
		return false
	})
}

func (d *recordReader) nodes(out *[]Node, depth int) bool {
	if depth > 16 {
		return false
	}
	return d.array(func() bool {
		*out = append(*out, Node{})
		n := &(*out)[len(*out)-1]
		return d.object(func(key string) bool {
			switch key {
			case "operator":
				return d.str(&n.Operator)
			case "negate":
				return d.boolean(&n.Negate)
			case "cpeMatch":
				// Read into the reader's scratch list, then copied once at
				// its size: a criterion is large, and growing the node's
				// own list one at a time copies it again and again.
				d.ms = d.ms[:0]
				ok := d.array(func() bool {
					d.ms = append(d.ms, CPEMatch{})
					return d.match(&d.ms[len(d.ms)-1])
				}, func() { n.Matches = []CPEMatch{} })
				if ok && len(d.ms) > 0 {
					n.Matches = slices.Clone(d.ms)
				}
				return ok
			case "children":
				return d.nodes(&n.Children, depth+1)
			}
			return false
		})
	}, func() { *out = []Node{} })
}

func (d *recordReader) match(m *CPEMatch) bool {
	return d.object(func(key string) bool {
		switch key {
		case "vulnerable":
			return d.boolean(&m.Vulnerable)
		case "criteria":
			return d.str(&m.Criteria)
		case "versionStartIncluding":
			return d.str(&m.VersionStartIncluding)
		case "versionStartExcluding":
			return d.str(&m.VersionStartExcluding)
		case "versionEndIncluding":
			return d.str(&m.VersionEndIncluding)
		case "versionEndExcluding":
			return d.str(&m.VersionEndExcluding)
		}
		return false
	})
}
