package evtx

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// sigmaRules is the public SigmaHQ rule set, beside the repository.
const sigmaRules = "../../../../shared/reference/sigma/rules/windows"

// fieldKey matches a field name in a detection block: a capitalised key,
// maybe with modifiers, then a colon.
var fieldKey = regexp.MustCompile(`^\s+-?\s*([A-Z][A-Za-z_0-9]*)(\|[a-z0-9|]+)?:`)

// ruleFields returns the field names the detection blocks of a folder's
// rules use, with how many times.
func ruleFields(t *testing.T, dir string) map[string]int {
	t.Helper()
	fields := map[string]int{}
	files, err := filepath.Glob(filepath.Join(dir, "*.yml"))
	if err != nil || len(files) == 0 {
		t.Skipf("SigmaHQ rules not found at %s (see ../shared/reference/sigma/README.md)", dir)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		inDetection := false
		for _, line := range strings.Split(string(b), "\n") {
			switch {
			case strings.HasPrefix(line, "detection:"):
				inDetection = true
			case line != "" && line[0] != ' ' && line[0] != '#':
				inDetection = false
			case inDetection:
				if m := fieldKey.FindStringSubmatch(line); m != nil {
					fields[m[1]]++
				}
			}
		}
	}
	return fields
}

// TestSigmaProcessCreationFields checks that every field SigmaHQ's
// process_creation rules name is a field of a flattened Sysmon event 1.
func TestSigmaProcessCreationFields(t *testing.T) {
	fields := ruleFields(t, filepath.Join(sigmaRules, "process_creation"))
	tm, vals := sysmon1(1, "cmd.exe /c whoami")
	flat := Flatten(oneEvent(t, tm, vals))
	if len(fields) < 10 {
		t.Fatalf("only %d fields found: %v", len(fields), fields)
	}
	for name, n := range fields {
		if _, ok := flat[name]; !ok {
			t.Errorf("the rules use %s (%d times); a flattened Sysmon event 1 has no such field", name, n)
		}
	}
}
