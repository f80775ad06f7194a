package detect

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// FuzzParseRules: any bytes as a rule file never panic, and what loads
// compiles or fails cleanly and can be run on an event.
func FuzzParseRules(f *testing.F) {
	f.Add([]byte("title: t\nlogsource: {product: windows}\ndetection:\n  sel: {CommandLine|contains|all|windash: ['-a', '/b']}\n  condition: sel\n"))
	f.Add([]byte("title: t\nlogsource: {category: x}\ndetection:\n  k: [a, 'b*c\\\\*']\n  s: {F|re|i|m|s: '^a.b$', G|cidr: '::1/128', H|base64offset|contains: x}\n  condition: 1 of them and not all of s*\n"))
	f.Add([]byte(baseRules + "---\ntitle: c\ncorrelation: {type: temporal_ordered, rules: [failed_logon, successful_logon], group-by: [U], timespan: 1m}\n"))
	f.Add([]byte("a: &a [*a, *a]\nb: &b [*a, *a, *a]\nc: [*b, *b, *b]\n"))
	f.Add([]byte("title: f\nlogsource: {product: windows}\nfilter: {rules: any, selection: {U: x}, condition: not selection}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rules, _ := ParseRules("fuzz.yml", data)
		e, _ := Compile(rules, Config{Placeholders: map[string][]string{"p": {"x", "y*"}}})
		ev := NewEvent(map[string]any{"CommandLine": "a -b /c", "F": "ab", "U": "x", "EventID": 4625, "n": []any{1, nil, "z"}})
		e.Match(ev)
		c := e.NewCorrelator(Limits{MaxGroups: 8, MaxEntries: 8})
		c.Process(ev, time.Unix(1, 0))
		c.Flush()
	})
}

// FuzzCondition: any condition text parses or fails without panicking,
// and a parsed one resolves against identifiers.
func FuzzCondition(f *testing.F) {
	for _, s := range []string{"a and not (b or c)", "1 of sel_* and all of them", "not not a", "((a)", "a | count() > 5", "all of", "3 of x* or any of them"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := parseCondition(s)
		if err != nil {
			return
		}
		items := map[string]node{"a": constNode(true), "b": constNode(false), "sel_1": constNode(true), "x1": constNode(false)}
		if n, err := resolveCond(c, []string{"a", "b", "sel_1", "x1"}, items); err == nil {
			n.eval(NewEvent(nil))
		}
	})
}

// TestHostileRules: deeply nested conditions, huge regular expressions,
// alias bombs and oversized files are refused, quickly.
func TestHostileRules(t *testing.T) {
	deep := strings.Repeat("(", 1000) + "a" + strings.Repeat(")", 1000)
	nots := strings.Repeat("not ", 1000) + "a"
	// a small file whose aliases expand to more nodes than a rule may have
	bomb := "title: b\nlogsource: {product: x}\nx: &big [" + strings.Repeat("v, ", 2000) + "v]\ndetection:\n  sel:\n"
	for i := 0; i < 200; i++ {
		bomb += fmt.Sprintf("    F%d: *big\n", i)
	}
	bomb += "  condition: sel\n"
	for name, c := range map[string]struct{ doc, want string }{
		"nested parentheses": {"title: d\nlogsource: {product: x}\ndetection: {a: {F: x}, condition: '" + deep + "'}\n", "nested deeper"},
		"nested not":         {"title: d\nlogsource: {product: x}\ndetection: {a: {F: x}, condition: '" + nots + "'}\n", "nested deeper"},
		"huge regex":         {"title: r\nlogsource: {product: x}\ndetection: {a: {F|re: '" + strings.Repeat("a", MaxRegexLen+1) + "'}, condition: a}\n", "longer than"},
		"regex repetition":   {"title: r\nlogsource: {product: x}\ndetection: {a: {F|re: '((a{1000}){1000}){1000}'}, condition: a}\n", "regular expression"},
		"alias bomb":         {bomb, "too large"},
	} {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			rules, errs := ParseRules("h.yml", []byte(c.doc))
			if len(errs) == 0 {
				_, errs = Compile(rules, Config{})
			}
			if len(errs) == 0 || !strings.Contains(errs[0].Error(), c.want) {
				t.Fatalf("errors %v, want one with %q", errs, c.want)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
	if _, errs := ParseRules("big.yml", make([]byte, MaxRuleFileBytes+1)); len(errs) == 0 {
		t.Error("an oversized file was parsed")
	}
}
