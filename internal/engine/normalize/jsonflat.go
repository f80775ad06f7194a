package normalize

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ParseJSON reads one JSON object (a line of NDJSON, a document of a bulk
// request) into flat fields: nested objects become dotted names
// ({"source":{"ip":"…"}} is source.ip), arrays are kept as []any (objects
// inside them flattened on their own), integers are int64 and other
// numbers float64. Past lim.MaxDepth a value is kept as its JSON text;
// past lim.MaxFields the rest is left out and log.fields_truncated set.
// ok is false when the text is not a JSON object.
func ParseJSON(text []byte, lim Limits) (fields map[string]any, ok bool) {
	lim = lim.orDefault()
	if len(text) > lim.MaxInput {
		return nil, false
	}
	return scanJSON(text, lim)
}

// FlattenJSON flattens a decoded JSON object (as encoding/json gives it,
// with or without UseNumber) the way ParseJSON does.
func FlattenJSON(doc map[string]any, lim Limits) map[string]any {
	lim = lim.orDefault()
	fl := flattener{lim: lim, out: make(map[string]any, len(doc)+8)}
	fl.object("", doc, 1)
	if fl.dropped {
		fl.out["log.fields_truncated"] = true
	}
	return fl.out
}

type flattener struct {
	lim     Limits
	out     map[string]any
	n       int
	dropped bool
}

func (fl *flattener) object(prefix string, m map[string]any, depth int) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys) // the same fields are kept whatever the map's order
	for _, k := range keys {
		fl.value(prefix+k, m[k], depth) // prefix is "" or "name."
	}
}

func (fl *flattener) value(name string, v any, depth int) {
	if fl.n >= fl.lim.MaxFields {
		fl.dropped = true
		return
	}
	if sub, ok := v.(map[string]any); ok {
		if depth >= fl.lim.MaxDepth {
			fl.put(name, jsonText(sub))
			return
		}
		fl.object(name+".", sub, depth+1)
		return
	}
	fl.put(name, fl.convert(v, depth))
}

func (fl *flattener) put(name string, v any) {
	fl.out[name] = v
	fl.n++
}

// convert turns a JSON value other than an object into a field value.
func (fl *flattener) convert(v any, depth int) any {
	switch x := v.(type) {
	case json.Number:
		return number(x)
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return int64(x)
		}
		return x
	case []any:
		if depth >= fl.lim.MaxDepth {
			return jsonText(x)
		}
		out := make([]any, 0, len(x))
		for _, item := range x {
			if fl.n >= fl.lim.MaxFields {
				fl.dropped = true
				break
			}
			fl.n++
			if sub, ok := item.(map[string]any); ok {
				inner := flattener{lim: fl.lim, out: make(map[string]any, len(sub)), n: fl.n}
				inner.object("", sub, depth+1)
				fl.n, fl.dropped = inner.n, fl.dropped || inner.dropped
				out = append(out, inner.out)
				continue
			}
			out = append(out, fl.convert(item, depth+1))
		}
		return out
	}
	return v // string, bool, nil
}

// number is an integer as int64 when it is one, else a float64, else the
// text.
func number(n json.Number) any {
	if i, err := strconv.ParseInt(string(n), 10, 64); err == nil {
		return i
	}
	if f, err := strconv.ParseFloat(string(n), 64); err == nil {
		return f
	}
	return string(n)
}

// jsonText is v as compact JSON, without HTML escapes (so that it is no
// longer than the text it came from, but for replaced invalid UTF-8).
func jsonText(v any) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return ""
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// jsonTimestamp reads the event's time from the usual fields of a JSON
// event (@timestamp, timestamp, time, ts), as RFC 3339 text or Unix
// seconds.
func jsonTimestamp(f map[string]any) time.Time {
	for _, k := range []string{"@timestamp", "timestamp", "time", "ts", "event.created"} {
		switch v := f[k].(type) {
		case string:
			if t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(v)); err == nil {
				return t
			}
		case int64:
			if v > 0 && v < 1e11 {
				return time.Unix(v, 0).UTC()
			}
		case float64:
			if v > 0 && v < 1e11 {
				sec, frac := math.Modf(v)
				return time.Unix(int64(sec), int64(frac*1e9)).UTC()
			}
		}
	}
	return time.Time{}
}
