package detect

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/khien-project/khien/internal/testkit/need"
)

// sigmaHQ is the public SigmaHQ rule set beside the repository
// (../shared/reference/sigma from the repository root).
const sigmaHQ = "../../../../shared/reference/sigma"

func needSigmaHQ(t testing.TB) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(sigmaHQ, "rules")); err != nil {
		need.Skip(t, "the SigmaHQ rule set is not at %s (../shared/reference/sigma): %v", sigmaHQ, err)
	}
}

// placeholdersOf gives every %name% placeholder found under dir a value,
// as an operator's configuration would.
func placeholdersOf(t testing.TB, dir string) map[string][]string {
	t.Helper()
	re := regexp.MustCompile(`%([A-Za-z0-9_-]+)%`)
	out := map[string][]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".yml") {
			return err
		}
		b, err := os.ReadFile(p)
		for _, m := range re.FindAllSubmatch(b, -1) {
			out[string(m[1])] = []string{"value-of-" + strings.ToLower(string(m[1])), "*other*"}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestSigmaHQLoads: at least 99% of rules/ load and compile, and so do
// the other folders; every failure is listed with its reason.
func TestSigmaHQLoads(t *testing.T) {
	needSigmaHQ(t)
	for _, c := range []struct {
		dir     string
		minRate float64
	}{
		{"rules", 0.99}, {"rules-emerging-threats", 0.99}, {"rules-threat-hunting", 0.99},
		{"rules-compliance", 0.99}, {"rules-placeholder", 0.99}, {"rules-dfir", 0.99},
	} {
		t.Run(c.dir, func(t *testing.T) {
			dir := filepath.Join(sigmaHQ, c.dir)
			if _, err := os.Stat(dir); err != nil {
				t.Skipf("%s is absent", dir)
			}
			files := countFiles(t, dir)
			rules, errs := LoadPaths(dir)
			e, cerrs := Compile(rules, Config{Placeholders: placeholdersOf(t, dir)})
			errs = append(errs, cerrs...)
			msgs := make([]string, 0, len(errs))
			for _, err := range errs {
				msgs = append(msgs, strings.TrimPrefix(err.Error(), sigmaHQ+"/"))
			}
			sort.Strings(msgs)
			for _, m := range msgs {
				t.Logf("does not load: %s", m)
			}
			st := e.Stats()
			ok := st.Rules + st.Correlations + st.Filters
			if files == 0 {
				return
			}
			rate := float64(ok) / float64(files)
			t.Logf("%s: %d files, %d compiled (%.2f%%), %d failed; %d needles, %d rules without needle, prefilter %d KiB",
				c.dir, files, ok, 100*rate, len(errs), st.Needles, st.AlwaysEvaluate, st.PrefilterBytes>>10)
			if rate < c.minRate {
				t.Errorf("%s: only %.2f%% of the rules compiled, want ≥ %.0f%%", c.dir, 100*rate, 100*c.minRate)
			}
		})
	}
}

func countFiles(t testing.TB, dir string) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && (strings.HasSuffix(p, ".yml") || strings.HasSuffix(p, ".yaml")) {
			n++
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestPrefilterSound: over all SigmaHQ Windows rules and the benchmark's
// event mix (plus variants in upper case and with the malicious command
// lines in other fields), the prefilter never drops a match: Match
// answers exactly the rules whose condition holds for the event's
// logsource.
func TestPrefilterSound(t *testing.T) {
	needSigmaHQ(t)
	e, _ := Compile(loadWindowsRules(t), Config{})
	events := eventMix(3000, 2)
	for i, m := range events {
		if i%3 == 0 { // the same text in upper case must match alike
			up := map[string]any{}
			for k, v := range m {
				if s, ok := v.(string); ok && k != "Channel" {
					v = strings.ToUpper(s)
				}
				up[k] = v
			}
			events = append(events, up)
		}
	}
	total := 0
	for _, m := range events {
		ev := NewEvent(m)
		ev.Logsource = Classify(ev)
		got := map[*Rule]bool{}
		for _, mt := range e.Match(ev) {
			got[mt.Rule] = true
		}
		for _, cr := range e.rules {
			want := applies(cr.rule.Logsource, ev.Logsource) && cr.cond.eval(ev)
			if want != got[cr.rule] {
				t.Fatalf("rule %s on %v: Match says %v, the condition %v", cr.rule.File, m, got[cr.rule], want)
			}
			if want {
				total++
			}
		}
	}
	if total == 0 {
		t.Fatal("no match at all: the check proves nothing")
	}
	t.Logf("%d events, %d matches, all found through the prefilter", len(events), total)
}

// TestBenchmarkMatchesDirect: on the events of BenchmarkWindowsRules,
// built as the benchmark builds them (one Event reused through Reset and
// Fill), Match answers exactly what evaluating every rule of the event's
// logsource without the prefilter answers, event by event: the guard that
// the engine's speed costs no match.
func TestBenchmarkMatchesDirect(t *testing.T) {
	needSigmaHQ(t)
	e, _ := Compile(loadWindowsRules(t), Config{})
	events := eventMix(20000, 1)
	if testing.Short() {
		events = events[:2000]
	}
	ev := NewEvent(nil)
	total := 0
	for i, m := range events {
		ev.Reset()
		ev.Fill(m)
		ev.Logsource = Classify(ev)
		got := e.Match(ev)
		fresh := NewEvent(m) // evaluated apart, so no state of the reused event can help
		fresh.Logsource = Classify(fresh)
		var want []*Rule
		for _, cr := range e.rules {
			if applies(cr.rule.Logsource, fresh.Logsource) && cr.cond.eval(fresh) {
				want = append(want, cr.rule)
			}
		}
		if len(got) != len(want) {
			t.Fatalf("event %d %v: %d matches, %d by direct evaluation", i, m, len(got), len(want))
		}
		for k := range got {
			if got[k].Rule != want[k] {
				t.Fatalf("event %d %v: match %d is %s, direct evaluation %s", i, m, k, got[k].Rule.File, want[k].File)
			}
		}
		total += len(got)
	}
	if total == 0 {
		t.Fatal("no match at all: the check proves nothing")
	}
	t.Logf("%d events, %d matches (%.4f per event), equal to direct evaluation", len(events), total, float64(total)/float64(len(events)))
}
