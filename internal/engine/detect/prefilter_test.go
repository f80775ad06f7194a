package detect

import "testing"

// candidates answers the rules (by title) that the prefilter leaves for
// evaluation on ev.
func candidates(e *Engine, ev *Event) map[string]bool {
	s := e.getScratch()
	defer e.pool.Put(s)
	e.matchIndexes(ev, s)
	out := map[string]bool{}
	for _, i := range s.cands {
		out[e.rules[i].rule.Title] = true
	}
	return out
}

// TestPrefilterPerField: a needle of a field's test is searched in that
// field's values only (a keyword search's in every field), so text that
// merely appears elsewhere in the event does not make a rule a candidate;
// where it must, it still does.
func TestPrefilterPerField(t *testing.T) {
	e := mustEngine(t, `
title: Field
logsource: {product: windows, category: process_creation}
detection:
  sel: {CommandLine|contains: mimikatz}
  condition: sel
---
title: Keyword
logsource: {product: windows, category: process_creation}
detection:
  kw: [sekurlsa]
  condition: kw
`)
	ls := Logsource{Product: "windows", Category: "process_creation"}
	cases := []struct {
		name   string
		fields map[string]any
		want   map[string]bool
	}{
		{"needle in its field", map[string]any{"CommandLine": "x MimiKatz y"}, map[string]bool{"Field": true}},
		{"needle in another field", map[string]any{"CommandLine": "notepad", "Image": `C:\mimikatz.exe`}, map[string]bool{}},
		{"keyword needle in any field", map[string]any{"ParentImage": `C:\sekurlsa.exe`}, map[string]bool{"Keyword": true}},
		{"nothing", map[string]any{"CommandLine": "notepad"}, map[string]bool{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ev := NewEvent(c.fields)
			ev.Logsource = ls
			got := candidates(e, ev)
			if len(got) != len(c.want) {
				t.Fatalf("candidates %v, want %v", got, c.want)
			}
			for k := range c.want {
				if !got[k] {
					t.Fatalf("candidates %v, want %v", got, c.want)
				}
			}
		})
	}
}
