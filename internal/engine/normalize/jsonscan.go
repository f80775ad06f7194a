package normalize

import (
	"bytes"
	"encoding/json"
	"errors"
	"unicode/utf16"
	"unicode/utf8"
)

// The JSON reader below flattens as it reads, without building the
// nested maps encoding/json would (about four times faster on Winlogbeat's
// documents). It accepts exactly the JSON that encoding/json accepts and
// gives the same values (FuzzJSONScanner checks both against each other);
// invalid UTF-8 in strings becomes U+FFFD byte by byte, as there.

var errJSON = errors.New("normalize: not a JSON object")

// jsonScanner reads one JSON text held in b.
type jsonScanner struct {
	b    []byte
	i    int
	lim  Limits
	n    int // fields kept
	cut  bool
	out  map[string]any
	buf  []byte // scratch for strings with escapes
	nest int    // objects and arrays open
}

// maxNesting is encoding/json's limit on nesting, beyond which a text is
// refused (and the reader's recursion stops).
const maxNesting = 10000

func (s *jsonScanner) enter() error {
	s.nest++
	if s.nest > maxNesting {
		return errJSON
	}
	return nil
}

func (s *jsonScanner) space() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// object reads an object whose '{' is at s.i into out, its names after
// prefix ("" at the top, "name." below).
func (s *jsonScanner) object(out map[string]any, prefix string, depth int) error {
	s.i++ // '{'
	if err := s.enter(); err != nil {
		return err
	}
	defer func() { s.nest-- }()
	s.space()
	if s.i < len(s.b) && s.b[s.i] == '}' {
		s.i++
		return nil
	}
	for {
		s.space()
		if s.i >= len(s.b) || s.b[s.i] != '"' {
			return errJSON
		}
		key, err := s.str()
		if err != nil {
			return err
		}
		key = prefix + key
		s.space()
		if s.i >= len(s.b) || s.b[s.i] != ':' {
			return errJSON
		}
		s.i++
		s.space()
		if err := s.member(out, key, depth); err != nil {
			return err
		}
		s.space()
		if s.i >= len(s.b) {
			return errJSON
		}
		if s.b[s.i] == '}' {
			s.i++
			return nil
		}
		if s.b[s.i] != ',' {
			return errJSON
		}
		s.i++
	}
}

// member reads the value of key: an object is flattened into out (or kept
// as text past the depth limit), anything else is one field.
func (s *jsonScanner) member(out map[string]any, key string, depth int) error {
	if s.i < len(s.b) && s.b[s.i] == '{' {
		if depth >= s.lim.MaxDepth {
			start := s.i
			if err := s.skip(); err != nil {
				return err
			}
			s.put(out, key, compactJSON(s.b[start:s.i]))
			return nil
		}
		return s.object(out, key+".", depth+1)
	}
	v, err := s.value(depth)
	if err != nil {
		return err
	}
	s.put(out, key, v)
	return nil
}

func (s *jsonScanner) put(out map[string]any, key string, v any) {
	if s.n >= s.lim.MaxFields {
		s.cut = true
		return
	}
	out[key] = v
	s.n++
}

// value reads a value other than an object member: a string, number,
// literal, array, or (inside an array) an object flattened on its own.
func (s *jsonScanner) value(depth int) (any, error) {
	if s.i >= len(s.b) {
		return nil, errJSON
	}
	switch c := s.b[s.i]; {
	case c == '"':
		return s.str()
	case c == '{':
		if depth >= s.lim.MaxDepth {
			start := s.i
			err := s.skip()
			return compactJSON(s.b[start:min(s.i, len(s.b))]), err
		}
		m := map[string]any{}
		return m, s.object(m, "", depth+1)
	case c == '[':
		if depth >= s.lim.MaxDepth {
			start := s.i
			err := s.skip()
			return compactJSON(s.b[start:min(s.i, len(s.b))]), err
		}
		return s.array(depth)
	case c == 't':
		return true, s.literal("true")
	case c == 'f':
		return false, s.literal("false")
	case c == 'n':
		return nil, s.literal("null")
	case c == '-' || (c >= '0' && c <= '9'):
		return s.number()
	}
	return nil, errJSON
}

func (s *jsonScanner) array(depth int) (any, error) {
	s.i++ // '['
	if err := s.enter(); err != nil {
		return nil, err
	}
	defer func() { s.nest-- }()
	out := []any{}
	s.space()
	if s.i < len(s.b) && s.b[s.i] == ']' {
		s.i++
		return out, nil
	}
	for {
		s.space()
		var v any
		var err error
		if s.i < len(s.b) && s.b[s.i] == '{' { // flattened on its own
			m := map[string]any{}
			v, err = m, s.object(m, "", depth+1)
		} else {
			v, err = s.value(depth + 1)
		}
		if err != nil {
			return nil, err
		}
		if s.n < s.lim.MaxFields {
			out = append(out, v)
			s.n++
		} else {
			s.cut = true
		}
		s.space()
		if s.i >= len(s.b) {
			return nil, errJSON
		}
		if s.b[s.i] == ']' {
			s.i++
			return out, nil
		}
		if s.b[s.i] != ',' {
			return nil, errJSON
		}
		s.i++
	}
}

func (s *jsonScanner) literal(word string) error {
	if !bytes.HasPrefix(s.b[s.i:], []byte(word)) {
		return errJSON
	}
	s.i += len(word)
	return nil
}

// number reads a JSON number: an int64 when it is an integer that fits,
// else a float64 (as number does for encoding/json's json.Number).
func (s *jsonScanner) number() (any, error) {
	start := s.i
	if s.b[s.i] == '-' {
		s.i++
	}
	switch {
	case s.i < len(s.b) && s.b[s.i] == '0':
		s.i++
	case s.i < len(s.b) && s.b[s.i] >= '1' && s.b[s.i] <= '9':
		s.digits()
	default:
		return nil, errJSON
	}
	if s.i < len(s.b) && s.b[s.i] == '.' {
		s.i++
		if !s.digits() {
			return nil, errJSON
		}
	}
	if s.i < len(s.b) && (s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		s.i++
		if s.i < len(s.b) && (s.b[s.i] == '+' || s.b[s.i] == '-') {
			s.i++
		}
		if !s.digits() {
			return nil, errJSON
		}
	}
	return number(json.Number(s.b[start:s.i])), nil
}

func (s *jsonScanner) digits() bool {
	start := s.i
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
		s.i++
	}
	return s.i > start
}

// str reads a string whose '"' is at s.i.
func (s *jsonScanner) str() (string, error) {
	s.i++
	start := s.i
	for s.i < len(s.b) { // the common case: no escapes, valid ASCII
		c := s.b[s.i]
		if c == '"' {
			v := string(s.b[start:s.i])
			s.i++
			return v, nil
		}
		if c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
			break
		}
		s.i++
	}
	s.buf = append(s.buf[:0], s.b[start:s.i]...)
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			return string(s.buf), nil
		case c < 0x20:
			return "", errJSON
		case c == '\\':
			if err := s.escape(); err != nil {
				return "", err
			}
		case c < utf8.RuneSelf:
			s.buf = append(s.buf, c)
			s.i++
		default:
			r, size := utf8.DecodeRune(s.b[s.i:])
			s.buf = utf8.AppendRune(s.buf, r) // U+FFFD for an invalid byte
			s.i += size
		}
	}
	return "", errJSON
}

func (s *jsonScanner) escape() error {
	if s.i+1 >= len(s.b) {
		return errJSON
	}
	c := s.b[s.i+1]
	s.i += 2
	switch c {
	case '"', '\\', '/':
		s.buf = append(s.buf, c)
	case 'b':
		s.buf = append(s.buf, '\b')
	case 'f':
		s.buf = append(s.buf, '\f')
	case 'n':
		s.buf = append(s.buf, '\n')
	case 'r':
		s.buf = append(s.buf, '\r')
	case 't':
		s.buf = append(s.buf, '\t')
	case 'u':
		r, ok := s.hex4()
		if !ok {
			return errJSON
		}
		if utf16.IsSurrogate(r) {
			// a pair "\uD83D\uDE00", or a lone half (U+FFFD)
			save := s.i
			if s.i+1 < len(s.b) && s.b[s.i] == '\\' && s.b[s.i+1] == 'u' {
				s.i += 2
				if r2, ok := s.hex4(); ok {
					if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
						s.buf = utf8.AppendRune(s.buf, dec)
						return nil
					}
				}
			}
			s.i = save
			r = utf8.RuneError
		}
		s.buf = utf8.AppendRune(s.buf, r)
	default:
		return errJSON
	}
	return nil
}

func (s *jsonScanner) hex4() (rune, bool) {
	if s.i+4 > len(s.b) {
		return 0, false
	}
	var r rune
	for _, c := range s.b[s.i : s.i+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r*16 + rune(c)
	}
	s.i += 4
	return r, true
}

// skip passes over one value (kept as text past the depth limit),
// checking it.
func (s *jsonScanner) skip() error {
	saved, savedN := s.lim, s.n
	s.lim.MaxDepth, s.lim.MaxFields = 1<<30, 1<<30 // read it whole, keep nothing
	_, err := s.value(0)
	s.lim, s.n = saved, savedN
	return err
}

// compactJSON is a checked JSON text without its spaces.
func compactJSON(b []byte) string {
	var out bytes.Buffer
	if err := json.Compact(&out, b); err != nil {
		return ""
	}
	return out.String()
}

// scanJSON reads one JSON object into flat fields.
func scanJSON(b []byte, lim Limits) (map[string]any, bool) {
	s := jsonScanner{b: b, lim: lim, out: make(map[string]any, 16)}
	s.space()
	if s.i >= len(b) || b[s.i] != '{' {
		return nil, false
	}
	if err := s.object(s.out, "", 1); err != nil {
		return nil, false
	}
	s.space()
	if s.i != len(b) {
		return nil, false
	}
	if s.cut {
		s.out["log.fields_truncated"] = true
	}
	return s.out, true
}
