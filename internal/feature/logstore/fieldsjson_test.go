package logstore

import (
	"encoding/json"
	"math"
	"reflect"
	"testing"
)

// The fields' encoding reads back as json.Marshal's does, for every kind
// of value a field holds, awkward strings included.
func TestEncodeFieldsReadsBackAsMarshal(t *testing.T) {
	fields := map[string]any{
		"plain": "web01", "quote\"key": `a "quoted" \ back\slash`, "ctl": "tab\there\nnew\x01\x1f\x7f", "bad utf8": "a\xffb\xc3",
		"vi": "Sở Khoa học và Công nghệ", "html": "<script>&</script>", "line sep": "a\u2028b",
		"int": 4625, "int64": int64(-9007199254740993), "float": 1.5, "whole": float64(4625), "big": 1e21, "tiny": 1e-7,
		"bool": true, "null": nil, "list": []any{"a", 1.0, false, nil, []any{"x"}}, "map": map[string]any{"k": "v"}, "empty": "",
	}
	got, err := encodeFields(nil, fields)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(fields)
	var a, b map[string]any
	if err := json.Unmarshal(got, &a); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, got)
	}
	if err := json.Unmarshal(want, &b); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("reads back as\n%v\nwant\n%v", a, b)
	}
	if _, err := encodeFields(nil, map[string]any{"nan": math.NaN()}); err == nil {
		t.Error("NaN encoded without an error")
	}
	if got, _ := encodeFields(nil, map[string]any{}); string(got) != "{}" {
		t.Errorf("no fields: %s", got)
	}
}
