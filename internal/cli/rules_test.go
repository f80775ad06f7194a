package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/khien-project/khien/internal/testkit/need"
)

func runCLI(args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := Run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// TestRulesTest: one NDJSON line per match with the event's position,
// logsource routing when the event says where it came from (the Security
// 4624 event with a whoami Image is not a process creation), every rule
// for an event that does not, correlations on the events' times, a
// malformed line counted and skipped, and a summary on stderr.
func TestRulesTest(t *testing.T) {
	code, out, errOut := runCLI("rules", "test", "--rules", "testdata/rules", "--events", "testdata/events.ndjson", "--lang", "en")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var got []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var m matchLine
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("not JSON: %q", line)
		}
		var raw map[string]any
		_ = json.Unmarshal([]byte(line), &raw)
		if len(raw) != 3 {
			t.Errorf("line %s: want exactly rule_id, rule_title, event", line)
		}
		got = append(got, m.RuleTitle+"@"+itoa(m.Event))
	}
	want := []string{"Whoami execution@0", "Brute force on one account@4", "Whoami execution@5", "Whoami execution@6", "Linux shadow read@8"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("matches %v, want %v", got, want)
	}
	for _, w := range []string{"Rules: 4 loaded, 0 failed", "Events: 8 (1 unreadable)", "Matches: 5", "unreadable event: event 3"} {
		if !strings.Contains(errOut, w) {
			t.Errorf("stderr lacks %q:\n%s", w, errOut)
		}
	}
	code, _, errOut = runCLI("rules", "test", "--rules", "testdata/rules", "--events", "testdata/events.ndjson", "--json")
	var sum testSummary
	if code != 0 || json.Unmarshal([]byte(errOut), &sum) != nil || sum.Matches != 5 || sum.Events != 8 || sum.EventsMalformed != 1 || sum.RulesLoaded != 4 {
		t.Errorf("--json summary: exit %d, %q", code, errOut)
	}
	_, _, errOut = runCLI("rules", "test", "--rules", "testdata/rules", "--events", "testdata/events.ndjson")
	if !strings.Contains(errOut, "Quy tắc: 4 đã nạp") {
		t.Errorf("Vietnamese summary by default: %q", errOut)
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// TestRulesTestEVTX: a Windows event log file (EVTX, built by the evtx
// package's writer: testdata/windows.evtx) is read record by record and
// routed by channel and event id: SigmaHQ's process-creation rules match
// the certutil download (Sysmon 1, event 1) and whoami (Security 4688,
// event 3), not the notepad start nor the logon; a file cut short is read
// as far as it goes; a file that only looks like EVTX is a clear error.
func TestRulesTestEVTX(t *testing.T) {
	rules := filepath.Join("..", "..", "..", "shared", "reference", "sigma", "rules", "windows", "process_creation")
	if _, err := os.Stat(rules); err != nil {
		need.Skip(t, "the SigmaHQ rules are not at %s", rules)
	}
	code, out, errOut := runCLI("rules", "test", "--rules", rules, "--events", "testdata/windows.evtx", "--lang", "en")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	hit := map[int][]string{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var m matchLine
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("not NDJSON: %q", line)
		}
		hit[m.Event] = append(hit[m.Event], m.RuleTitle)
	}
	if len(hit[1]) == 0 || len(hit[3]) == 0 || len(hit[0]) != 0 || len(hit[2]) != 0 {
		t.Errorf("matches by event: %v", hit)
	}
	if !strings.Contains(errOut, "Events: 4 (0 unreadable)") {
		t.Errorf("summary: %q", errOut)
	}
	data, err := os.ReadFile("testdata/windows.evtx")
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(t.TempDir(), "cut.evtx")
	if err := os.WriteFile(cut, data[:len(data)-40000], 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := runCLI("rules", "test", "--rules", rules, "--events", cut, "--lang", "en"); code != 0 || !strings.Contains(errOut, "Events:") {
		t.Errorf("a file cut short: exit %d, %q", code, errOut)
	}
	fake := filepath.Join(t.TempDir(), "Security.evtx")
	if err := os.WriteFile(fake, append([]byte("ElfFile\x00"), make([]byte, 120)...), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = runCLI("rules", "test", "--rules", "testdata/rules", "--events", fake)
	if code == 0 || !strings.Contains(errOut, "EVTX") {
		t.Errorf("a damaged EVTX header: exit %d, %q", code, errOut)
	}
}

// TestRulesLint: failing rules are listed with file and line, and only
// they make the exit status non-zero.
func TestRulesLint(t *testing.T) {
	code, out, _ := runCLI("rules", "lint", "--lang", "en", "testdata/rules")
	if code != 0 || !strings.Contains(out, "Checked 4 rules: 4 valid, 0 failed.") {
		t.Fatalf("good rules: exit %d, %q", code, out)
	}
	code, out, errOut := runCLI("rules", "lint", "--lang", "en", "testdata/bad_rules.yml")
	if code != 1 {
		t.Fatalf("bad rules: exit %d", code)
	}
	for _, w := range []string{
		`testdata/bad_rules.yml:11: Broken modifier: sel.Image|endswidth: unknown modifier "endswidth"`,
		`testdata/bad_rules.yml:18: Broken condition: condition names "filter", which is not a search identifier`,
		"Checked 3 rules: 1 valid, 2 failed.",
	} {
		if !strings.Contains(out, w) {
			t.Errorf("lint output lacks %q:\n%s", w, out)
		}
	}
	if !strings.Contains(errOut, "2 rule(s) failed") {
		t.Errorf("stderr: %q", errOut)
	}
	if code, out, _ := runCLI("rules", "lint", "testdata/bad_rules.yml"); code != 1 || !strings.Contains(out, "Đã kiểm tra 3 quy tắc: 1 hợp lệ, 2 lỗi.") {
		t.Errorf("Vietnamese: %d %q", code, out)
	}
}
