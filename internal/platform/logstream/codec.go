package logstream

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"
)

// The wire format of a published message: the magic "KLR1", then each
// record as a length (uvarint) and its bytes. A record is its strings and
// numbers in a fixed order, each string a uvarint length and its bytes,
// each integer a varint, and its fields as a count and (name, value)
// pairs, a value being a tag byte and what the tag says. It exists
// because encoding/json spent most of a receiver's and a consumer's time
// on the field maps (docs/benchmarks.md, "Log receivers"): this is a few
// times cheaper both ways and keeps every value's type.
//
// Lines of JSON (one Record each) are still read, so that messages from
// an older Khiên in the stream are not lost across an upgrade.

var magic = []byte("KLR1")

// Value tags.
const (
	tagNil byte = iota
	tagString
	tagInt
	tagFloat
	tagTrue
	tagFalse
	tagList
	tagMap
)

// maxDepth bounds nested lists and maps, both ways.
const maxDepth = 8

var errCorrupt = errors.New("logstream: corrupt record")

// appendRecord writes r to b.
func appendRecord(b []byte, r *Record) ([]byte, error) {
	b = appendString(b, r.ID)
	b = binary.AppendVarint(b, r.AgencyID)
	b = binary.AppendVarint(b, r.SystemID)
	b = appendString(b, r.Receiver)
	b = appendString(b, r.Sender)
	b = appendTime(b, r.Received)
	b = appendTime(b, r.Time)
	b = appendString(b, r.Source)
	b = appendString(b, r.Product)
	b = appendStrings(b, r.Categories)
	b = appendStrings(b, r.Services)
	b = binary.AppendUvarint(b, uint64(len(r.Fields)))
	var err error
	for k, v := range r.Fields {
		b = appendString(b, k)
		if b, err = appendValue(b, v, 0); err != nil {
			return b, fmt.Errorf("field %s: %w", k, err)
		}
	}
	return appendString(b, r.Original), nil
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendStrings(b []byte, list []string) []byte {
	b = binary.AppendUvarint(b, uint64(len(list)))
	for _, s := range list {
		b = appendString(b, s)
	}
	return b
}

// appendTime writes a time as Unix nanoseconds, 0 for the zero time.
func appendTime(b []byte, t time.Time) []byte {
	if t.IsZero() {
		return binary.AppendVarint(b, 0)
	}
	return binary.AppendVarint(b, t.UnixNano())
}

func appendValue(b []byte, v any, depth int) ([]byte, error) {
	if depth > maxDepth {
		return b, errors.New("nested too deep")
	}
	switch x := v.(type) {
	case nil:
		return append(b, tagNil), nil
	case string:
		return appendString(append(b, tagString), x), nil
	case int64:
		return binary.AppendVarint(append(b, tagInt), x), nil
	case int:
		return binary.AppendVarint(append(b, tagInt), int64(x)), nil
	case float64:
		return binary.LittleEndian.AppendUint64(append(b, tagFloat), math.Float64bits(x)), nil
	case bool:
		if x {
			return append(b, tagTrue), nil
		}
		return append(b, tagFalse), nil
	case []any:
		b = binary.AppendUvarint(append(b, tagList), uint64(len(x)))
		var err error
		for _, e := range x {
			if b, err = appendValue(b, e, depth+1); err != nil {
				return b, err
			}
		}
		return b, nil
	case map[string]any:
		b = binary.AppendUvarint(append(b, tagMap), uint64(len(x)))
		var err error
		for k, e := range x {
			b = appendString(b, k)
			if b, err = appendValue(b, e, depth+1); err != nil {
				return b, err
			}
		}
		return b, nil
	case []string:
		b = binary.AppendUvarint(append(b, tagList), uint64(len(x)))
		for _, e := range x {
			b = appendString(append(b, tagString), e)
		}
		return b, nil
	}
	return b, fmt.Errorf("a value of type %T", v)
}

// reader reads one record's bytes; any read past the end or length that
// does not fit marks it corrupt, and the rest of the reads return zeros.
type reader struct {
	b   []byte
	bad bool
}

func (r *reader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.bad, r.b = true, nil
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) varint() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.bad, r.b = true, nil
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) string() string {
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		r.bad, r.b = true, nil
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

// count reads a number of items, each taking at least one byte.
func (r *reader) count() int {
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		r.bad, r.b = true, nil
		return 0
	}
	return int(n)
}

func (r *reader) strings() []string {
	n := r.count()
	if n == 0 {
		return nil
	}
	out := make([]string, n)
	for i := range out {
		out[i] = r.string()
	}
	return out
}

func (r *reader) time() time.Time {
	v := r.varint()
	if v == 0 {
		return time.Time{}
	}
	return time.Unix(0, v).UTC()
}

func (r *reader) value(depth int) any {
	if len(r.b) == 0 || depth > maxDepth {
		r.bad, r.b = true, nil
		return nil
	}
	tag := r.b[0]
	r.b = r.b[1:]
	switch tag {
	case tagNil:
		return nil
	case tagString:
		return r.string()
	case tagInt:
		return r.varint()
	case tagFloat:
		if len(r.b) < 8 {
			r.bad, r.b = true, nil
			return nil
		}
		v := math.Float64frombits(binary.LittleEndian.Uint64(r.b))
		r.b = r.b[8:]
		return v
	case tagTrue:
		return true
	case tagFalse:
		return false
	case tagList:
		n := r.count()
		out := make([]any, n)
		for i := range out {
			out[i] = r.value(depth + 1)
		}
		return out
	case tagMap:
		n := r.count()
		out := make(map[string]any, n)
		for i := 0; i < n && !r.bad; i++ {
			k := r.string()
			out[k] = r.value(depth + 1)
		}
		return out
	}
	r.bad, r.b = true, nil
	return nil
}

// readRecord reads one record written by appendRecord.
func readRecord(b []byte) (Record, error) {
	r := reader{b: b}
	var rec Record
	rec.ID = r.string()
	rec.AgencyID = r.varint()
	rec.SystemID = r.varint()
	rec.Receiver = r.string()
	rec.Sender = r.string()
	rec.Received = r.time()
	rec.Time = r.time()
	rec.Source = r.string()
	rec.Product = r.string()
	rec.Categories = r.strings()
	rec.Services = r.strings()
	n := r.count()
	rec.Fields = make(map[string]any, n)
	for i := 0; i < n && !r.bad; i++ {
		k := r.string()
		rec.Fields[k] = r.value(0)
	}
	rec.Original = r.string()
	if r.bad || len(r.b) != 0 {
		return Record{}, errCorrupt
	}
	return rec, nil
}

// EncodeRecords writes recs as one message of the stream's binary form
// (what Publish sends and Decode reads), appended to dst: the event store
// keeps blocks of records in it.
func EncodeRecords(dst []byte, recs []Record) ([]byte, error) {
	dst = append(dst, magic...)
	var one []byte
	for i := range recs {
		var err error
		if one, err = appendRecord(one[:0], &recs[i]); err != nil {
			return dst, fmt.Errorf("logstream: record %s: %w", recs[i].ID, err)
		}
		dst = binary.AppendUvarint(dst, uint64(len(one)))
		dst = append(dst, one...)
	}
	return dst, nil
}
