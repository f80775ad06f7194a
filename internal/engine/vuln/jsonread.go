package vuln

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// MaxRecordBytes bounds one record (one JSON value decoded at a time): a
// larger one is refused rather than held in memory.
const MaxRecordBytes = 32 << 20

// ErrRecordTooLarge is returned for a record above MaxRecordBytes.
var ErrRecordTooLarge = errors.New("a single record is larger than 32 MiB")

// boundedReader fails once more than limit bytes are read since the last
// mark, so a decoder never buffers more than about one record.
type boundedReader struct {
	r     io.Reader
	since int64
	limit int64
}

func (b *boundedReader) Read(p []byte) (int, error) {
	if b.since >= b.limit {
		return 0, ErrRecordTooLarge
	}
	if int64(len(p)) > b.limit-b.since {
		p = p[:b.limit-b.since]
	}
	n, err := b.r.Read(p)
	b.since += int64(n)
	return n, err
}

func (b *boundedReader) mark() { b.since = 0 }

// jsonStream decodes a JSON document one value at a time.
type jsonStream struct {
	kind string
	br   *boundedReader
	dec  *json.Decoder
}

func newJSONStream(kind string, r io.Reader) *jsonStream {
	br := &boundedReader{r: r, limit: MaxRecordBytes}
	return &jsonStream{kind: kind, br: br, dec: json.NewDecoder(br)}
}

// fail wraps err with the kind of feed and the byte position.
func (s *jsonStream) fail(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Errorf("%s: malformed JSON at byte %d: %v", s.kind, syn.Offset, syn)
	case errors.As(err, &typ):
		return fmt.Errorf("%s: at byte %d: field %q holds a JSON %s, not a %s", s.kind, typ.Offset, typ.Field, typ.Value, typ.Type)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%s: the file ends early (truncated) at byte %d", s.kind, s.dec.InputOffset())
	}
	return fmt.Errorf("%s: at byte %d: %w", s.kind, s.dec.InputOffset(), err)
}

// decode reads the next value into v, marking a record boundary first.
func (s *jsonStream) decode(v any) error {
	s.br.mark()
	if err := s.dec.Decode(v); err != nil {
		return s.fail(err)
	}
	return nil
}

// delim reads the next token and requires it to be d.
func (s *jsonStream) delim(d json.Delim) error {
	s.br.mark()
	tok, err := s.dec.Token()
	if err != nil {
		return s.fail(err)
	}
	if tok != d {
		return fmt.Errorf("%s: at byte %d: expected %q, found %v", s.kind, s.dec.InputOffset(), d, tok)
	}
	return nil
}

// object walks the members of the object that starts at the next token,
// calling member for each key; member must consume the value.
func (s *jsonStream) object(member func(key string) error) error {
	if err := s.delim('{'); err != nil {
		return err
	}
	for s.dec.More() {
		s.br.mark()
		tok, err := s.dec.Token()
		if err != nil {
			return s.fail(err)
		}
		key, _ := tok.(string)
		if err := member(key); err != nil {
			return err
		}
	}
	return s.delim('}')
}

// array calls elem for each element of the array at the next token.
func (s *jsonStream) array(elem func() error) error {
	if err := s.delim('['); err != nil {
		return err
	}
	for s.dec.More() {
		if err := elem(); err != nil {
			return err
		}
	}
	return s.delim(']')
}

// skip consumes one value.
func (s *jsonStream) skip() error {
	var raw json.RawMessage
	return s.decode(&raw)
}

// end requires nothing but white space after the document.
func (s *jsonStream) end() error {
	if _, err := s.dec.Token(); err != io.EOF {
		if err == nil {
			return fmt.Errorf("%s: at byte %d: data after the end of the document", s.kind, s.dec.InputOffset())
		}
		return s.fail(err)
	}
	return nil
}
