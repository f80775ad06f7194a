package normalize

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
)

// decodeFlat is the reference: encoding/json, then FlattenJSON.
func decodeFlat(text []byte, lim Limits) (map[string]any, bool) {
	d := json.NewDecoder(bytes.NewReader(text))
	d.UseNumber()
	var doc map[string]any
	if err := d.Decode(&doc); err != nil || doc == nil {
		return nil, false
	}
	if _, err := d.Token(); !errors.Is(err, io.EOF) {
		return nil, false
	}
	return FlattenJSON(doc, lim), true
}

// plainKeys says whether no object in text repeats a key and no key holds
// a dot: only then do both readers name every field alike.
func plainKeys(text []byte) bool {
	d := json.NewDecoder(bytes.NewReader(text))
	type level struct {
		obj  bool
		keys map[string]bool
		key  bool // the next string token is a key
	}
	var stack []*level
	for {
		tok, err := d.Token()
		if err != nil {
			return true
		}
		var top *level
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if top != nil && top.obj && top.key {
			if k, ok := tok.(string); ok {
				if top.keys[k] || strings.Contains(k, ".") {
					return false
				}
				top.keys[k] = true
				top.key = false
				continue
			}
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &level{obj: true, keys: map[string]bool{}, key: true})
			continue
		case json.Delim('['):
			stack = append(stack, &level{})
			continue
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
		}
		if len(stack) > 0 && stack[len(stack)-1].obj {
			stack[len(stack)-1].key = true
		}
	}
}

// sameFields compares two flat maps; strings that are JSON texts (values
// kept past the depth limit) compare by their meaning.
func sameFields(a, b map[string]any) bool {
	if len(a) != len(b) {
		return false
	}
	for k, va := range a {
		vb, ok := b[k]
		if !ok || !sameValue(va, vb) {
			return false
		}
	}
	return true
}

func sameValue(a, b any) bool {
	if reflect.DeepEqual(a, b) {
		return true
	}
	switch x := a.(type) {
	case string:
		y, ok := b.(string)
		if !ok {
			return false
		}
		var va, vb any
		return json.Unmarshal([]byte(x), &va) == nil && json.Unmarshal([]byte(y), &vb) == nil && reflect.DeepEqual(va, vb)
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !sameValue(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		return ok && sameFields(x, y)
	}
	return false
}

var jsonSeeds = []string{
	winlogbeatDoc,
	`{"a":"\u00e9\ud83d\ude00\ud800x\udc00\\\/\b\f\n\r\t","b":-0.5e+3,"c":[1,"x",{"d":null},[true,false]],"e":{}}`,
	`{"a":{"b":{"c":{"d":{"e":[[[[1]]]]}}}}}`,
	"{\"a\":\"\xff\xfe ok\"}",
	`{"n":12345678901234567890,"m":1e400,"z":-0,"f":1.5}`,
	` { "spaced" : [ 1 , 2 ] } `,
	`{"a":1,}`, `{"a":01}`, `{"a":"\x"}`, `{"a":tru}`, `["x"]`, `{"a":1}}`,
}

func TestJSONScannerAgrees(t *testing.T) {
	lim := Limits{MaxDepth: 4}
	for _, text := range jsonSeeds {
		got, gotOK := scanJSON([]byte(text), lim.orDefault())
		want, wantOK := decodeFlat([]byte(text), lim)
		if gotOK != wantOK || (gotOK && !sameFields(got, want)) {
			t.Errorf("%q:\n got %v %#v\nwant %v %#v", text, gotOK, got, wantOK, want)
		}
	}
}

// FuzzJSONScanner checks the reader against encoding/json: the same texts
// accepted, the same fields.
func FuzzJSONScanner(f *testing.F) {
	for _, s := range jsonSeeds {
		f.Add(s)
	}
	lim := Limits{MaxDepth: 4, MaxFields: 1 << 20}
	f.Fuzz(func(t *testing.T, text string) {
		got, gotOK := scanJSON([]byte(text), lim.orDefault())
		want, wantOK := decodeFlat([]byte(text), lim)
		if gotOK != wantOK {
			t.Fatalf("accepted %v, encoding/json %v", gotOK, wantOK)
		}
		if gotOK && plainKeys([]byte(text)) && !sameFields(got, want) {
			t.Fatalf("got %#v\nwant %#v", got, want)
		}
	})
}
