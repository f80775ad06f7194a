package detect

import (
	"os"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// conformanceCase is one case of testdata/conformance.yml.
type conformanceCase struct {
	Name         string              `yaml:"name"`
	Logsource    map[string]string   `yaml:"logsource"`
	Placeholders map[string][]string `yaml:"placeholders"`
	Detection    yaml.Node           `yaml:"detection"`
	Match        []map[string]any    `yaml:"match"`
	NoMatch      []map[string]any    `yaml:"nomatch"`
	Error        string              `yaml:"error"`
}

// ruleYAML writes a case's detection as a whole rule document.
func (c conformanceCase) ruleYAML(t *testing.T) []byte {
	t.Helper()
	ls := c.Logsource
	if ls == nil {
		ls = map[string]string{"product": "test"}
	}
	b, err := yaml.Marshal(map[string]any{"title": c.Name, "id": "00000000-0000-0000-0000-000000000001", "logsource": ls, "detection": &c.Detection})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestConformance runs every modifier and condition form of the Sigma
// specification against events that must and must not match. Each match
// is also checked without the prefilter, so a needle that would drop a
// true match fails here.
func TestConformance(t *testing.T) {
	data, err := os.ReadFile("testdata/conformance.yml")
	if err != nil {
		t.Fatal(err)
	}
	var cases []conformanceCase
	if err := yaml.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) < 50 {
		t.Fatalf("only %d cases", len(cases))
	}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			rules, errs := ParseRules(c.Name+".yml", c.ruleYAML(t))
			var e *Engine
			if len(errs) == 0 {
				e, errs = Compile(rules, Config{Placeholders: c.Placeholders})
			}
			if c.Error != "" {
				if len(errs) == 0 {
					t.Fatalf("compiled, want an error with %q", c.Error)
				}
				if !strings.Contains(errs[0].Error(), c.Error) {
					t.Fatalf("error %q, want one with %q", errs[0], c.Error)
				}
				return
			}
			if len(errs) > 0 {
				t.Fatalf("does not compile: %v", errs)
			}
			check := func(ev map[string]any, want bool) {
				got := len(e.Match(NewEvent(ev))) == 1
				direct := e.rules[0].cond.eval(NewEvent(ev))
				if got != want || direct != want {
					t.Errorf("event %v: matched %v (without prefilter %v), want %v", ev, got, direct, want)
				}
			}
			for _, ev := range c.Match {
				check(ev, true)
			}
			for _, ev := range c.NoMatch {
				check(ev, false)
			}
		})
	}
}
