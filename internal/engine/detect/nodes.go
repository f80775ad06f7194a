package detect

import (
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// node is a compiled piece of a condition, evaluated against one event.
type node interface {
	eval(ev *Event) bool
}

type andNode []node
type orNode []node
type notNode struct{ x node }
type constNode bool

func (n andNode) eval(ev *Event) bool {
	for _, c := range n {
		if !c.eval(ev) {
			return false
		}
	}
	return true
}

func (n orNode) eval(ev *Event) bool {
	for _, c := range n {
		if c.eval(ev) {
			return true
		}
	}
	return false
}

func (n notNode) eval(ev *Event) bool { return !n.x.eval(ev) }
func (n constNode) eval(*Event) bool  { return bool(n) }

// valueTest checks one value of a field.
type valueTest interface {
	test(ev *Event, v *Value) bool
}

// fieldNode is "field|modifiers: values": the values are OR-ed, or
// AND-ed with the all modifier; a field with several values (an array)
// matches a value test when any of them does.
type fieldNode struct {
	key         string // lower-cased field name
	kid         int32  // fieldKeyID(key)
	tests       []valueTest
	all         bool
	nullMissing bool // some test is null, which a missing field satisfies
	allNull     bool // every test is null
}

func (n *fieldNode) eval(ev *Event) bool {
	vals, ok := ev.getKey(n.kid, n.key)
	if !ok {
		if n.all {
			return n.allNull
		}
		return n.nullMissing
	}
	if n.all {
		for _, t := range n.tests {
			if !anyValue(ev, t, vals) {
				return false
			}
		}
		return true
	}
	for _, t := range n.tests {
		if anyValue(ev, t, vals) {
			return true
		}
	}
	return false
}

func anyValue(ev *Event, t valueTest, vals []Value) bool {
	for i := range vals {
		if t.test(ev, &vals[i]) {
			return true
		}
	}
	return false
}

// existsNode is "field|exists: true/false": presence only, whatever the
// value (empty and null included).
type existsNode struct {
	key  string
	kid  int32
	want bool
}

func (n existsNode) eval(ev *Event) bool {
	_, ok := ev.getKey(n.kid, n.key)
	return ok == n.want
}

// keywordNode is a field-less search: a value test matches when any
// value of any field matches it.
type keywordNode struct {
	tests []valueTest
	all   bool
}

func (n *keywordNode) eval(ev *Event) bool {
	if n.all {
		for _, t := range n.tests {
			if !anyField(ev, t) {
				return false
			}
		}
		return true
	}
	for _, t := range n.tests {
		if anyField(ev, t) {
			return true
		}
	}
	return false
}

func anyField(ev *Event, t valueTest) bool {
	for i := range ev.fields {
		if anyValue(ev, t, ev.fields[i].vals) {
			return true
		}
	}
	return false
}

// patTest is a string pattern (wildcards, contains, startswith,
// endswith, encodings, windash, expand); alternatives are OR-ed
// (base64offset's three shifts, a placeholder's values).
type patTest struct {
	pats []pattern
	fold bool
}

func (t *patTest) test(_ *Event, v *Value) bool {
	if v.Null {
		return false
	}
	s := v.Text
	if t.fold {
		s = v.lower()
	}
	for i := range t.pats {
		if t.pats[i].match(s) {
			return true
		}
	}
	return false
}

// nullTest is the null value: a JSON null (or a missing field, which
// fieldNode handles).
type nullTest struct{}

func (nullTest) test(_ *Event, v *Value) bool { return v.Null }

// reTest is the re modifier (RE2 syntax, case-sensitive unless i).
type reTest struct {
	re     *regexp.Regexp
	need   []string // folded literals one of which any match holds (nil: none known)
	minLen int      // no match is shorter (bytes)
	run    *byteRun // a run of bytes any match holds, or nil
}

func (t reTest) test(_ *Event, v *Value) bool {
	if v.Null || len(v.Text) < t.minLen {
		return false
	}
	if t.need != nil {
		low, found := v.lower(), false
		for _, n := range t.need {
			if strings.Contains(low, n) {
				found = true
				break
			}
		}
		if !found {
			return false // cheaper than running the expression
		}
	}
	if t.run != nil && !t.run.in(v.Text) {
		return false
	}
	return t.re.MatchString(v.Text)
}

// cidrTest is the cidr modifier, IPv4 or IPv6.
type cidrTest struct{ prefixes []netip.Prefix }

func (t cidrTest) test(_ *Event, v *Value) bool {
	if v.Null {
		return false
	}
	ip, ok := parseIP(v.Text)
	if !ok {
		return false
	}
	for _, p := range t.prefixes {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// parseIP reads an address as logs write it: plain, in brackets, with a
// zone, or IPv4-mapped IPv6 (which is compared as IPv4).
func parseIP(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	s = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	if i := strings.IndexByte(s, '%'); i >= 0 {
		s = s[:i]
	}
	ip, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, false
	}
	return ip.Unmap(), true
}

// cmpOp is a numeric comparison.
type cmpOp uint8

const (
	opEq cmpOp = iota
	opNeq
	opGt
	opGte
	opLt
	opLte
)

func (o cmpOp) holds(a, b float64) bool {
	switch o {
	case opEq:
		return a == b
	case opNeq:
		return a != b
	case opGt:
		return a > b
	case opGte:
		return a >= b
	case opLt:
		return a < b
	}
	return a <= b
}

// numTest is gt/gte/lt/lte (and neq on a number): the field's value is
// read as a number, string numbers included; a value that is not a
// number does not match.
type numTest struct {
	op cmpOp
	x  float64
}

func (t numTest) test(_ *Event, v *Value) bool {
	if v.Null {
		return false
	}
	f, ok := parseNumber(v.Text)
	return ok && t.op.holds(f, t.x)
}

// parseNumber reads decimal numbers, and hexadecimal ones written 0x….
func parseNumber(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return f, true
	}
	if len(s) > 2 && (s[:2] == "0x" || s[:2] == "0X") {
		if n, err := strconv.ParseUint(s[2:], 16, 64); err == nil {
			return float64(n), true
		}
	}
	return 0, false
}

// neqTest is the neq modifier on a string: the field exists, is not
// null, and differs from the value.
type neqTest struct{ inner valueTest }

func (t neqTest) test(ev *Event, v *Value) bool { return !v.Null && !t.inner.test(ev, v) }

// anyTest matches when one of its tests does.
type anyTest []valueTest

func (t anyTest) test(ev *Event, v *Value) bool {
	for _, x := range t {
		if x.test(ev, v) {
			return true
		}
	}
	return false
}

// fieldrefTest is the fieldref modifier: the field's value compared with
// another field's value of the same event (equal, or contains,
// startswith, endswith), negated with neq.
type fieldrefTest struct {
	other string // lower-cased
	sh    shape
	fold  bool
	neg   bool
}

func (t fieldrefTest) test(ev *Event, v *Value) bool {
	if v.Null {
		return false
	}
	others, ok := ev.getLower(t.other)
	if !ok {
		return false
	}
	s := v.Text
	if t.fold {
		s = v.lower()
	}
	hit := false
	for i := range others {
		o := &others[i]
		if o.Null {
			continue
		}
		ref := o.Text
		if t.fold {
			ref = o.lower()
		}
		p := pattern{shape: t.sh, lit: ref}
		if p.match(s) {
			hit = true
			break
		}
	}
	return hit != t.neg
}

// timeTest is a time modifier (minute, hour, day, week, month, year): it
// reads the field as a date and compares one part of it.
type timeTest struct {
	unit string
	cmp  numTest
}

func (t timeTest) test(_ *Event, v *Value) bool {
	if v.Null {
		return false
	}
	ts, ok := parseTime(v.Text)
	if !ok {
		return false
	}
	var n int
	switch t.unit {
	case "minute":
		n = ts.Minute()
	case "hour":
		n = ts.Hour()
	case "day":
		n = ts.Day()
	case "week":
		_, n = ts.ISOWeek()
	case "month":
		n = int(ts.Month())
	default:
		n = ts.Year()
	}
	return t.cmp.op.holds(float64(n), t.cmp.x)
}

// timeLayouts are the date forms parseTime reads (as written, no zone
// conversion: the time modifiers are defined without one).
var timeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999", "2006-01-02", time.RFC1123Z, time.RFC1123, "Jan _2 15:04:05", "02/Jan/2006:15:04:05 -0700"}

func parseTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
