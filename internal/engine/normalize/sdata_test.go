package normalize

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseStructuredData(t *testing.T) {
	cases := []struct {
		name, in string
		want     []SDParam
		msg      string
		ok       bool
	}{
		{"nil value", "- hello", nil, "hello", true},
		{"nil value, no message", "-", nil, "", true},
		{"one element", `[exampleSDID@32473 iut="3" eventSource="Application"] an app event`,
			[]SDParam{{"exampleSDID@32473", "iut", "3"}, {"exampleSDID@32473", "eventSource", "Application"}}, "an app event", true},
		{"two elements, no message", `[a@1 x="1"][origin ip="192.0.2.1"]`,
			[]SDParam{{"a@1", "x", "1"}, {"origin", "ip", "192.0.2.1"}}, "", true},
		{"element without parameters", `[timeQuality] m`, nil, "m", true},
		{"escapes", `[a@1 v="q\"u\\o\]te"] m`, []SDParam{{"a@1", "v", `q"u\o]te`}}, "m", true},
		{"escape first", `[a@1 v="\"x"] m`, []SDParam{{"a@1", "v", `"x`}}, "m", true},
		{"backslash before an ordinary character is itself", `[a@1 path="C:\Windows\System32"] m`,
			[]SDParam{{"a@1", "path", `C:\Windows\System32`}}, "m", true},
		{"unescaped bracket inside quotes", `[a@1 v="x]y"] m`, []SDParam{{"a@1", "v", "x]y"}}, "m", true},
		{"empty value", `[a@1 v=""] m`, []SDParam{{"a@1", "v", ""}}, "m", true},
		{"repeated name", `[origin ip="192.0.2.1" ip="192.0.2.2"]`,
			[]SDParam{{"origin", "ip", "192.0.2.1"}, {"origin", "ip", "192.0.2.2"}}, "", true},
		{"UTF-8 value", `[a@1 user="nguyễn"] m`, []SDParam{{"a@1", "user", "nguyễn"}}, "m", true},
		{"message right after", `[a@1 x="1"]m`, nil, "", false},
		{"unquoted value", `[a@1 x=1] m`, nil, "", false},
		{"unterminated value", `[a@1 x="1] m`, nil, "", false},
		{"unclosed element", `[a@1 x="1" m`, nil, "", false},
		{"empty id", `[ x="1"] m`, nil, "", false},
		{"no structured data", `hello`, nil, "", false},
		{"escaped quote does not end the value", `[a@1 x="1\"] m`, nil, "", false},
	}
	for _, c := range cases {
		got, msg, ok := ParseStructuredData(c.in)
		if ok != c.ok || msg != c.msg || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: got %q %q %v, want %q %q %v", c.name, got, msg, ok, c.want, c.msg, c.ok)
		}
	}
}

func TestStructuredDataFields(t *testing.T) {
	h := SyslogHeader{Hostname: "web01", AppName: "app", StructuredData: []SDParam{
		{"meta@32473", "user", "alice"}, {"origin", "ip", "192.0.2.1"}, {"origin", "ip", "192.0.2.2"},
		{"x:y", "a/b", "odd"}, {"bad", "v", "\xff"},
	}}
	e := ParseSyslog(h, "hello")
	checkFields(t, e.Fields, F{
		"host.hostname": "web01", "log.syslog.hostname": "web01", "log.syslog.appname": "app", "process.name": "app", "message": "hello",
		"log.syslog.structured_data.meta@32473.user": "alice",
		"log.syslog.structured_data.origin.ip":       []any{"192.0.2.1", "192.0.2.2"},
		"log.syslog.structured_data.x_y.a_b":         "odd",
		"log.syslog.structured_data.bad.v":           "\uFFFD",
	})
	many := SyslogHeader{AppName: "app"}
	for i := 0; i < maxSDParams+5; i++ {
		many.StructuredData = append(many.StructuredData, SDParam{"a", "p" + strings.Repeat("x", i), "v"})
	}
	e = ParseSyslog(many, "m")
	n := 0
	for k := range e.Fields {
		if strings.HasPrefix(k, SDPrefix) {
			n++
		}
	}
	if n != maxSDParams || e.Fields["log.truncated"] != true {
		t.Errorf("%d parameters kept (truncated %v), want %d and truncated", n, e.Fields["log.truncated"], maxSDParams)
	}
}

// escapeSD writes v as a PARAM-VALUE.
func escapeSD(v string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, `]`, `\]`).Replace(v)
}

// FuzzStructuredData: any text reads without a panic, the message is a
// suffix of it and names are SD-NAMEs; a value escaped as RFC 5424 says
// reads back unchanged.
func FuzzStructuredData(f *testing.F) {
	for _, s := range []string{`[a@1 x="1"] m`, `-`, `[a b="\\\"\]"][c]`, `[a b="C:\x"]`, "[a b=\"\xff\"] \xfe"} {
		f.Add(s, "value")
	}
	f.Fuzz(func(t *testing.T, s, value string) {
		params, msg, ok := ParseStructuredData(s)
		if ok && !strings.HasSuffix(s, msg) {
			t.Fatalf("message %q is not the end of %q", msg, s)
		}
		for _, p := range params {
			if p.ID == "" || p.Name == "" || strings.ContainsAny(p.ID+p.Name, `= ]"`) {
				t.Fatalf("bad name in %+v", p)
			}
			if f := SDField(p.ID, p.Name); !utf8.ValidString(f) || strings.ContainsAny(f, " =\"]") {
				t.Fatalf("field name %q", f)
			}
		}
		in := `[id@1 k="` + escapeSD(value) + `" k2="x"] rest`
		params, msg, ok = ParseStructuredData(in)
		if !ok || msg != "rest" || len(params) != 2 || params[0].Value != value {
			t.Fatalf("%q: read %q %q %v, want value %q", in, params, msg, ok, value)
		}
	})
}
