package detect

import (
	"encoding/binary"
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"
)

// Value is one value of an event's field, as text. Numbers keep the text
// they were written with (JSON is decoded with UseNumber), booleans are
// "true" and "false", and a JSON null is a Value with Null set.
type Value struct {
	Text  string
	Null  bool
	low   string // Text folded (foldLower), computed when first needed
	lowOK bool
}

// lower answers the value folded for case-insensitive matching.
func (v *Value) lower() string {
	if !v.lowOK {
		v.low, v.lowOK = foldLower(v.Text), true
	}
	return v.low
}

// Event is one log event as a flat map of fields. Nested objects are
// flattened with dots ("winlog.event_data.Image"); an array gives its
// field several values, any of which may match. Field names are looked
// up case-insensitively, as Sigma tools commonly do: "commandline" finds
// "CommandLine". Logsource, when set, routes the event to the rules of
// that log source; its zero value sends the event to every rule.
type Event struct {
	Logsource Logsource
	fields    []eventField
	slab      []Value        // backing store of single values, one allocation
	fold      []byte         // backing store of folded values; fold[:len] is in use until Reset
	index     map[string]int // lower-cased name → position in fields
	unkeyed   bool           // some field has no key id: look it up by name
}

type eventField struct {
	name string
	key  string // name lower-cased
	kid  int32  // fieldKeyID(key), or -1
	vals []Value
}

// NewEvent flattens m into an Event.
func NewEvent(m map[string]any) *Event {
	e := &Event{index: make(map[string]int, len(m)+4), fields: make([]eventField, 0, len(m)+4), slab: make([]Value, 0, len(m)+4)}
	e.addMap("", m)
	return e
}

func (e *Event) addMap(prefix string, m map[string]any) {
	for k, v := range m {
		if prefix == "" {
			e.Add(k, v)
		} else {
			e.Add(prefix+k, v)
		}
	}
}

// Reset empties the event for reuse (keeping its memory), so that a
// reader filling one Event per record allocates little.
func (e *Event) Reset() {
	clear(e.index)
	clear(e.fields)
	e.fields = e.fields[:0]
	clear(e.slab)
	e.slab = e.slab[:0]
	e.fold = e.fold[:0] // no value refers to it any more: the folded values were cleared above
	e.unkeyed = false
	e.Logsource = Logsource{}
}

// Fill adds the fields of m (flattened as NewEvent does) to the event.
func (e *Event) Fill(m map[string]any) {
	if e.index == nil {
		e.index = make(map[string]int, len(m)+4)
	}
	e.addMap("", m)
}

// Add appends v to the field name: a map adds its leaves under
// "name.key", a slice adds each element.
func (e *Event) Add(name string, v any) {
	switch x := v.(type) {
	case map[string]any:
		e.addMap(name+".", x)
	case []any:
		if len(x) == 0 {
			e.addValue(name, Value{Null: true})
		}
		for _, el := range x {
			e.Add(name, el)
		}
	case []string:
		for _, el := range x {
			e.Add(name, el)
		}
	default:
		e.addValue(name, scalarValue(v))
	}
}

// Set replaces the values of the field name with v.
func (e *Event) Set(name string, v any) {
	if i, ok := e.index[strings.ToLower(name)]; ok {
		e.fields[i].vals = nil
	}
	e.Add(name, v)
}

func (e *Event) addValue(name string, v Value) {
	key, kid := lowerName(name)
	if i, ok := e.index[key]; ok {
		e.fields[i].vals = append(e.fields[i].vals, v)
		return
	}
	e.index[key] = len(e.fields)
	e.slab = append(e.slab, v)
	n := len(e.slab)
	e.fields = append(e.fields, eventField{name: name, key: key, kid: kid, vals: e.slab[n-1 : n : n]})
	e.unkeyed = e.unkeyed || kid < 0
}

// scalarValue turns a decoded JSON or Go scalar into a Value.
func scalarValue(v any) Value {
	switch x := v.(type) {
	case nil:
		return Value{Null: true}
	case string:
		return Value{Text: x}
	case json.Number:
		return Value{Text: x.String()}
	case bool:
		return Value{Text: strconv.FormatBool(x)}
	case float64:
		return Value{Text: strconv.FormatFloat(x, 'f', -1, 64)}
	case float32:
		return Value{Text: strconv.FormatFloat(float64(x), 'f', -1, 32)}
	case int:
		return Value{Text: strconv.Itoa(x)}
	case int64:
		return Value{Text: strconv.FormatInt(x, 10)}
	case int32:
		return Value{Text: strconv.FormatInt(int64(x), 10)}
	case uint64:
		return Value{Text: strconv.FormatUint(x, 10)}
	case uint32:
		return Value{Text: strconv.FormatUint(uint64(x), 10)}
	case uint16:
		return Value{Text: strconv.FormatUint(uint64(x), 10)}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return Value{Null: true}
	}
	return Value{Text: string(b)}
}

// Get answers the values of the field name (case-insensitive) and whether
// the event has it.
func (e *Event) Get(name string) ([]Value, bool) {
	i, ok := e.index[strings.ToLower(name)]
	if !ok {
		return nil, false
	}
	return e.fields[i].vals, true
}

// getKey is getLower for a key whose id (fieldKeyID) is kid: a few
// comparisons of small integers rather than hashing the name.
func (e *Event) getKey(kid int32, key string) ([]Value, bool) {
	if kid < 0 || e.unkeyed {
		return e.getLower(key)
	}
	for i := range e.fields {
		if e.fields[i].kid == kid {
			return e.fields[i].vals, true
		}
	}
	return nil, false
}

// getLower is Get for a name already lower-cased.
func (e *Event) getLower(key string) ([]Value, bool) {
	i, ok := e.index[key]
	if !ok {
		return nil, false
	}
	return e.fields[i].vals, true
}

// String answers the first value of a field as text, "" when missing.
func (e *Event) String(name string) string {
	vals, _ := e.Get(name)
	for _, v := range vals {
		if !v.Null {
			return v.Text
		}
	}
	return ""
}

// Names lists the event's field names in the order they were added.
func (e *Event) Names() []string {
	out := make([]string, len(e.fields))
	for i, f := range e.fields {
		out[i] = f.name
	}
	return out
}

// lowerText is every value lower-cased, joined by NUL.
func (e *Event) lowerText() string {
	e.foldValues(nil)
	var b strings.Builder
	for i := range e.fields {
		for j := range e.fields[i].vals {
			b.WriteString(e.fields[i].vals[j].lower())
			b.WriteByte(0)
		}
	}
	return b.String()
}

// foldValues computes the folded form of the values of the fields keep
// accepts (by position; nil: all), ASCII ones into the event's fold
// buffer, which Reset keeps: no allocation once it has grown. Folded
// values are only ever read through the event, and Reset clears them
// before the buffer is written again.
func (e *Event) foldValues(keep func(i int) bool) {
	n := 0
	for i := range e.fields {
		if keep != nil && !keep(i) {
			continue
		}
		for j := range e.fields[i].vals {
			if v := &e.fields[i].vals[j]; !v.lowOK {
				n += len(v.Text)
			}
		}
	}
	if n == 0 {
		return
	}
	if cap(e.fold)-len(e.fold) < n {
		e.fold = make([]byte, 0, max(n, 2*cap(e.fold))) // the old buffer stays with the values folded into it
	}
	at := len(e.fold)
	buf := e.fold[:at+n]
	text := unsafe.String(unsafe.SliceData(buf), len(buf)) // each part is written before a value refers to it
	for i := range e.fields {
		if keep != nil && !keep(i) {
			continue
		}
		vals := e.fields[i].vals
		for j := range vals {
			v := &vals[j]
			if v.lowOK {
				continue
			}
			if k, ok := lowerASCII(buf[at:], v.Text); ok {
				v.low, v.lowOK = text[at:at+k], true
				at += k
			} else {
				v.lower()
			}
		}
	}
	e.fold = buf[:at]
}

// lowerASCII writes s lower-cased into dst (long enough) when s is ASCII,
// answering its length; false (dst unspecified) otherwise. Eight bytes at
// a time: a byte from 'A' to 'Z' gets 0x20 added.
func lowerASCII(dst []byte, s string) (int, bool) {
	const high = 0x8080808080808080
	n := len(s)
	dst = dst[:n]
	i := 0
	for ; i+8 <= n; i += 8 {
		w := load64(s, i)
		if w&high != 0 {
			return 0, false
		}
		ge := w + 0x3f3f3f3f3f3f3f3f // bit 7 set where the byte is at least 'A' (no carry: bytes are < 0x80)
		gt := w + 0x2525252525252525 // bit 7 set where the byte is above 'Z'
		binary.LittleEndian.PutUint64(dst[i:], w|(ge&^gt&high)>>2)
	}
	for ; i < n; i++ {
		c := s[i]
		if c >= 0x80 {
			return 0, false
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst[i] = c
	}
	return n, true
}

// foldLower is the case folding of case-insensitive matching: Unicode
// lower case, with the two letters whose lower case differs from the rest
// of their case class written as the others (long s as s, final sigma as
// sigma), so that a regular expression with i and the prefilter agree.
func foldLower(s string) string {
	l := strings.ToLower(s)
	for i := 0; i < len(l); i++ {
		if l[i] >= 0x80 {
			if strings.ContainsRune(l, 'ſ') || strings.ContainsRune(l, 'ς') {
				l = strings.NewReplacer("ſ", "s", "ς", "σ").Replace(l)
			}
			break
		}
	}
	return l
}

// lowerNames caches the lower-cased field names seen, with their key ids
// (bounded): event field names repeat, and lower-casing each anew costs
// an allocation.
var lowerNames sync.Map

var lowerNamesLen atomic.Int32

type lowered struct {
	key string
	kid int32
}

func lowerName(name string) (string, int32) {
	if v, ok := lowerNames.Load(name); ok {
		l := v.(lowered)
		return l.key, l.kid
	}
	l := lowered{key: strings.ToLower(name)}
	l.kid = fieldKeyID(l.key)
	if lowerNamesLen.Load() < 10_000 {
		lowerNamesLen.Add(1)
		lowerNames.Store(strings.Clone(name), l)
	}
	return l.key, l.kid
}

// fieldKeys numbers the lower-cased field names that rules test and
// events carry, process-wide (bounded): nodes and event fields compare
// these numbers instead of hashing names.
var fieldKeys struct {
	mu  sync.Mutex
	ids sync.Map // key → int32
	n   int32
}

const maxFieldKeys = 1 << 16

// fieldKeyID answers the number of a lower-cased field name, giving it
// one if it has none, or -1 once maxFieldKeys names are numbered.
func fieldKeyID(key string) int32 {
	if v, ok := fieldKeys.ids.Load(key); ok {
		return v.(int32)
	}
	fieldKeys.mu.Lock()
	defer fieldKeys.mu.Unlock()
	if v, ok := fieldKeys.ids.Load(key); ok {
		return v.(int32)
	}
	if fieldKeys.n >= maxFieldKeys {
		return -1
	}
	id := fieldKeys.n
	fieldKeys.n++
	fieldKeys.ids.Store(strings.Clone(key), id)
	return id
}
