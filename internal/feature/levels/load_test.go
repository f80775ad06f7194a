package levels_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/khien-project/khien/internal/feature/levels"
	"github.com/khien-project/khien/internal/platform/store"
)

// TestBuiltinRegimes: the embedded regimes load and count their
// requirements as the reference's table does (Circular 12: 31, 41, 59,
// 60, 62 line items; TCVN 14423: 15 groups at levels 1-2, 18 at 3-5).
func TestBuiltinRegimes(t *testing.T) {
	lib, err := levels.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(lib.RegimeIDs(), ","); got != "nd331-2026,nd85-2016" {
		t.Fatalf("regimes %s", got)
	}
	nd85, _ := lib.Regime("nd85-2016")
	if got := nd85.RequirementsPerLevel(); got != [5]int{31, 41, 59, 60, 62} {
		t.Errorf("nd85 requirements %v", got)
	}
	if _, ok := nd85.GroupsPerLevel(); ok {
		t.Error("nd85 is not organised in groups")
	}
	// Circular 12's rows: the catalogue's items add up to them by kind.
	perKind := map[string][5]int{}
	for l := 1; l <= 5; l++ {
		for _, it := range nd85.Requirements(l) {
			k := perKind[it.Kind]
			k[l-1]++
			perKind[it.Kind] = k
		}
	}
	want := map[string][5]int{"management": {13, 16, 20, 20, 20}, "zone": {3, 5, 7, 8, 8}, "design": {3, 6, 16, 17, 19}, "config": {13, 17, 21, 21, 21}, "plan": {2, 2, 2, 2, 2}}
	for k, w := range want {
		if perKind[k] != w {
			t.Errorf("nd85 %s: %v, want %v", k, perKind[k], w)
		}
	}
	nd331, _ := lib.Regime("nd331-2026")
	if g, ok := nd331.GroupsPerLevel(); !ok || g != [5]int{15, 15, 18, 18, 18} {
		t.Errorf("nd331 groups %v %v", g, ok)
	}
	for _, r := range lib.Regimes() {
		for l := 1; l <= 5; l++ {
			if a, ok := r.ApprovalOf(l); !ok || a.Approver.VI == "" || a.Appraiser.EN == "" {
				t.Errorf("%s: level %d has no approval rule", r.ID, l)
			}
		}
		if len(r.Sections) != 3 || r.AnnualReport.UnitToOwner != "12-20" || r.AnnualReport.OwnerOnward != "12-25" {
			t.Errorf("%s: sections %d, calendar %+v", r.ID, len(r.Sections), r.AnnualReport)
		}
	}
	if a, _ := nd331.ApprovalOf(3); a.AppraisalDays != 15 || a.AppraisalDaysKind != "working" {
		t.Errorf("nd331 level 3 appraisal %+v", a)
	}
	if a, _ := nd331.ApprovalOf(4); a.AppraisalDays != 25 || !strings.Contains(a.Appraiser.EN, "MPS") {
		t.Errorf("nd331 level 4 appraisal %+v", a)
	}
	if a, _ := nd85.ApprovalOf(4); a.AppraisalDays != 30 || a.ApprovalDays != 7 {
		t.Errorf("nd85 level 4 %+v", a)
	}
}

// problemsOf returns the "line: message" problems of a load error.
func problemsOf(t *testing.T, err error, file string) []levels.Problem {
	t.Helper()
	var le *levels.LoadError
	if !errors.As(err, &le) || le.File != file || !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("not a load error of %s: %v", file, err)
	}
	return le.Problems
}

// hasProblem reports whether ps holds a problem at line whose message
// contains part.
func hasProblem(ps []levels.Problem, line int, part string) bool {
	for _, p := range ps {
		if p.Line == line && strings.Contains(p.Msg, part) {
			return true
		}
	}
	return false
}

// TestMalformedRegime: every problem of a regime file is reported with
// file and line, and nothing is loaded.
func TestMalformedRegime(t *testing.T) {
	good, err := os.ReadFile(filepath.Join("regimes", "nd85-2016.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	lineOf := func(data, s string) int { return strings.Count(data[:strings.Index(data, s)], "\n") + 1 }
	g := string(good)
	cases := []struct {
		name string
		edit func(string) string
		at   string // the line (located in the edited file by this text) and message part
		msg  string
	}{
		{"unknown key", func(s string) string { return strings.Replace(s, "in_force:", "in_forse:", 1) }, "in_forse:", `unknown field "in_forse"`},
		{"level out of range", func(s string) string {
			return strings.Replace(s, "- id: l2.internal-private\n    level: 2", "- id: l2.internal-private\n    level: 7", 1)
		}, "- id: l2.internal-private", "level 7 is not 1 to 5"},
		{"unknown answer", func(s string) string {
			return strings.Replace(s, "when: {field: info_class, is: state_secret}", "when: {field: info_klass, is: state_secret}", 1)
		}, "when: {field: info_klass", `unknown answer "info_klass"`},
		{"value not an answer", func(s string) string {
			return strings.Replace(s, "{field: system_type, is: industrial_control}", "{field: system_type, is: spaceship}", 1)
		}, "is: spaceship}", `"spaceship" is not one of`},
		{"number test on text", func(s string) string {
			return strings.Replace(s, "when: {field: conditional_business, is: true}", "when: {field: conditional_business, at_least: 1}", 1)
		}, "conditional_business, at_least: 1}", "is not a number"},
		{"two tests", func(s string) string {
			return strings.Replace(s, "when: {field: conditional_business, is: true}", "when: {field: conditional_business, is: true, in: [false]}", 1)
		}, "conditional_business, is: true, in", "exactly one of is, in"},
		{"wrong type", func(s string) string {
			return strings.Replace(s, "- {field: data_subjects, below: 10000}", "- {field: data_subjects, below: many}", 1)
		}, "below: many}", "cannot unmarshal"},
		{"duplicate criterion", func(s string) string {
			return strings.Replace(s, "- id: l3.conditional-business", "- id: l3.state-secret", 1)
		}, "- id: l3.state-secret\n    level: 3\n    confidence: M\n    text_vi: \"Cung cấp", "used twice"},
		{"rows do not add up", func(s string) string {
			return strings.Replace(s, "per_level: [3, 5, 7, 8, 8]", "per_level: [3, 5, 7, 8, 9]", 1)
		}, "- id: zone\n", "per_level says [3 5 7 8 9]"},
		{"unknown group", func(s string) string {
			return strings.Replace(s, "{id: zone.wifi, kind: zone, group: zones,", "{id: zone.wifi, kind: zone, group: zone,", 1)
		}, "{id: zone.wifi", `unknown group "zone"`},
		{"manual with no note", func(s string) string {
			return strings.Replace(s, "    note: \"Not asked by the questionnaire: state it with proposed_level.\"\n  - id: l5.international-link", "  - id: l5.international-link", 1)
		}, "- id: l5.key-national-data", "needs a note"},
		{"bad calendar", func(s string) string {
			return strings.Replace(s, `unit_to_owner: "12-20"`, `unit_to_owner: "12-32"`, 1)
		}, "period_start:", `"12-32" is not a date`},
		{"broken YAML", func(s string) string { return strings.Replace(s, "criteria:\n", "criteria:\n  - id: [\n", 1) }, "", "did not find"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			data := c.edit(g)
			if data == g {
				t.Fatal("the edit changed nothing")
			}
			r, err := levels.LoadRegime("regimes/nd85-2016.yaml", []byte(data))
			if r != nil {
				t.Fatal("a malformed file loaded")
			}
			ps := problemsOf(t, err, "regimes/nd85-2016.yaml")
			line := 0
			if c.at != "" {
				line = lineOf(data, c.at)
			}
			if c.at == "" && len(ps) > 0 && ps[0].Line > 0 && strings.Contains(ps[0].Msg, c.msg) {
				return // a syntax error: some line, reported
			}
			if !hasProblem(ps, line, c.msg) {
				t.Errorf("want %q at line %d; got %v", c.msg, line, err)
			}
			if !strings.Contains(err.Error(), "regimes/nd85-2016.yaml:") {
				t.Errorf("no file:line in %q", err)
			}
		})
	}
	// Several problems of one file are all reported.
	bad, _ := os.ReadFile(filepath.Join("testdata", "bad", "nd85-2016.yaml"))
	_, err = levels.LoadRegime("bad.yaml", bad)
	if ps := problemsOf(t, err, "bad.yaml"); !hasProblem(ps, 5, `unknown field "colour"`) || !hasProblem(ps, 24, "cannot unmarshal") {
		t.Errorf("problems %v", ps)
	}
}

// TestRegimeFolderAllOrNothing: one bad file in a folder loads no regime
// of the folder.
func TestRegimeFolderAllOrNothing(t *testing.T) {
	good, _ := os.ReadFile(filepath.Join("regimes", "nd331-2026.yaml"))
	bad, _ := os.ReadFile(filepath.Join("testdata", "bad", "nd85-2016.yaml"))
	lib := levels.NewLibrary()
	err := lib.AddRegimes(fstest.MapFS{"r/nd331-2026.yaml": {Data: good}, "r/nd85-2016.yaml": {Data: bad}}, "r")
	if err == nil || !strings.Contains(err.Error(), "r/nd85-2016.yaml:5:") || len(lib.RegimeIDs()) != 0 {
		t.Fatalf("err %v, loaded %v", err, lib.RegimeIDs())
	}
	err = lib.AddRegimes(fstest.MapFS{"r/other.yaml": {Data: good}}, "r")
	if err == nil || !strings.Contains(err.Error(), "does not match the file name") {
		t.Errorf("file named after another id: %v", err)
	}
}

// TestFrameworksAndMappings: frameworks and mappings load from files,
// are checked the same way, and map requirements both ways.
func TestFrameworksAndMappings(t *testing.T) {
	lib, _ := levels.Builtin()
	for _, f := range []string{"iso27001-2022.yaml", "nist-csf-2.0.yaml"} {
		data, _ := os.ReadFile(filepath.Join("testdata", f))
		if _, err := lib.AddFramework(f, data); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"nd85-to-frameworks.yaml", "nd85-to-iso.yaml"} {
		data, _ := os.ReadFile(filepath.Join("testdata", f))
		if _, err := lib.AddMapping(f, data); err != nil {
			t.Fatal(err)
		}
	}
	got := lib.Mapped("nd85-2016", "mgmt.policy")
	if strings.Join(got["nist-csf-2.0"], ",") != "GV.PO" || strings.Join(got["iso27001-2022"], ",") != "A.5.1" {
		t.Errorf("mapped %v", got)
	}
	if back := lib.Mapped("nist-csf-2.0", "RC.RP"); strings.Join(back["nd85-2016"], ",") != "mgmt.ops-incidents" {
		t.Errorf("reverse %v", back)
	}
	bad := "format: 1\nfrom: nd85-2016\nto: nist-csf-2.0\npairs:\n  - {from: mgmt.policy, to: [GV.PO], relation: equal}\n  - {from: mgmt.nothing, to: [GV.XX], relation: same}\n"
	_, err := lib.AddMapping("bad-map.yaml", []byte(bad))
	ps := problemsOf(t, err, "bad-map.yaml")
	if !hasProblem(ps, 6, `no requirement "mgmt.nothing"`) || !hasProblem(ps, 6, `no requirement "GV.XX"`) || !hasProblem(ps, 6, `relation "same"`) {
		t.Errorf("problems %v", ps)
	}
	_, err = lib.AddFramework("dup.yaml", []byte("format: 1\nid: x\nname: {vi: a, en: b}\ngroups: [{id: G, vi: g, en: g}]\ncontrols:\n  - {id: C1, group: G}\n  - {id: C1, group: H}\n"))
	ps = problemsOf(t, err, "dup.yaml")
	if !hasProblem(ps, 7, "used twice") || !hasProblem(ps, 7, `unknown group "H"`) {
		t.Errorf("problems %v", ps)
	}
	_, err = lib.AddFramework("title.yaml", []byte("format: 1\nid: x\nname: {vi: a, en: b}\ngroups: [{id: G, vi: g, en: g}]\ncontrols:\n  - {id: C2, group: G, title: t}\n"))
	if ps = problemsOf(t, err, "title.yaml"); !hasProblem(ps, 6, `unknown field "title"`) {
		t.Errorf("problems %v", ps)
	}
}
