package cli

import (
	"strings"
	"testing"
)

// TestRulesImport: a folder becomes a pack in the platform's database;
// importing it again replaces it; a failing rule is listed and makes the
// exit status 1 while the others are stored.
func TestRulesImport(t *testing.T) {
	data := t.TempDir()
	code, out, errOut := runCLI("rules", "import", "--data", data, "--lang", "en", "--name", "local", "testdata/rules")
	if code != 0 || !strings.Contains(out, `Imported pack "local"`) {
		t.Fatalf("exit %d: %s %s", code, out, errOut)
	}
	code, out, _ = runCLI("rules", "import", "--data", data, "--lang", "en", "--name", "local", "testdata/rules")
	if code != 0 || !strings.Contains(out, `Imported pack "local"`) {
		t.Fatalf("again: exit %d: %s", code, out)
	}
	code, out, _ = runCLI("rules", "import", "--data", data, "--lang", "en", "testdata/broken_rule.yml")
	if code != 1 || !strings.Contains(out, "broken_rule.yml") || !strings.Contains(out, "1 failed") {
		t.Fatalf("a broken rule: exit %d: %s", code, out)
	}
}
