package normalize

import (
	"strings"
	"testing"
)

func TestParseJSON(t *testing.T) {
	cases := []struct {
		name, text string
		lim        Limits
		want       F
	}{
		{"nested", `{"source":{"ip":"203.0.113.5","port":443},"url":{"original":"/a?b=1"},"ok":true,"none":null,"ratio":0.5,"big":12345678901234567890}`, Limits{},
			F{"source.ip": "203.0.113.5", "source.port": int64(443), "url.original": "/a?b=1", "ok": true, "none": nil, "ratio": 0.5, "big": 1.2345678901234567e19}},
		{"arrays kept, objects in them flattened", `{"tags":["a","b"],"hits":[{"x":{"y":1}},2,[3]]}`, Limits{},
			F{"tags": []any{"a", "b"}, "hits": []any{map[string]any{"x.y": int64(1)}, int64(2), []any{int64(3)}}}},
		{"unicode keys and values", `{"người dùng":{"tên":"Nguyễn Thị Ánh"},"đường dẫn":"C:\\Tài liệu\\báo cáo.docx"}`, Limits{},
			F{"người dùng.tên": "Nguyễn Thị Ánh", "đường dẫn": `C:\Tài liệu\báo cáo.docx`}},
		{"depth limit", `{"a":{"b":{"c":{"d":1}}},"e":[[[1]]]}`, Limits{MaxDepth: 2},
			F{"a.b": `{"c":{"d":1}}`, "e": []any{`[[1]]`}}},
		{"field limit", `{"a":1,"b":2,"c":3,"d":{"e":4}}`, Limits{MaxFields: 2},
			F{"a": int64(1), "b": int64(2), "log.fields_truncated": true}},
		{"empty", `{}`, Limits{}, F{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := ParseJSON([]byte(c.text), c.lim)
			if !ok {
				t.Fatal("not read")
			}
			checkFields(t, got, c.want)
		})
	}
	for _, text := range []string{``, `[]`, `"x"`, `{"a":`, `{"a":1} {"b":2}`, `{"a":1}x`, strings.Repeat(`{"a":`, 20000) + "1" + strings.Repeat("}", 20000)} {
		if got, ok := ParseJSON([]byte(text), Limits{}); ok {
			t.Errorf("%.40q read as %v", text, got)
		}
	}
	if _, ok := ParseJSON([]byte(`{"a":"`+strings.Repeat("x", 100)+`"}`), Limits{MaxInput: 50}); ok {
		t.Error("input over the limit read")
	}
}

// Deep nesting within encoding/json's own limit is kept as text past ours.
func TestParseJSONDeep(t *testing.T) {
	text := strings.Repeat(`{"a":`, 500) + "1" + strings.Repeat("}", 500)
	got, ok := ParseJSON([]byte(text), Limits{})
	if !ok || len(got) != 1 {
		t.Fatalf("ok %v, %d fields", ok, len(got))
	}
	key := strings.Repeat("a.", 15) + "a"
	if s, _ := got[key].(string); !strings.HasPrefix(s, `{"a":{"a":`) {
		t.Errorf("%v", got)
	}
}

func TestJSONEvent(t *testing.T) {
	body := `{"@timestamp":"2026-11-30T01:02:03Z","user":{"name":"an"},"message":"hello"}`
	e := Normalize(Input{Kind: KindJSON, Body: body})
	checkFields(t, e.Fields, F{"@timestamp": "2026-11-30T01:02:03Z", "user.name": "an", "message": "hello"})
	if e.Source != SourceJSON || e.Original != body || e.Timestamp.IsZero() {
		t.Errorf("%+v", e)
	}
	checkLogsource(t, e.Logsource, Logsource{})
}
