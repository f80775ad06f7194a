package e2e

import (
	"strings"
	"testing"
)

// TestJobsCommand: `khien jobs` reads the embedded bus of a data folder
// that no serve holds, and says clearly when a dead letter does not exist
// or the folder is in use.
func TestJobsCommand(t *testing.T) {
	data := t.TempDir()
	out, err := run(t, nil, "jobs", "dead", "--data", data)
	if err != nil || !strings.Contains(out, "SEQ") || !strings.Contains(out, "0 dead-lettered job(s)") {
		t.Fatalf("jobs dead: %v\n%s", err, out)
	}
	if out, err := run(t, nil, "jobs", "show", "7", "--data", data); err == nil || !strings.Contains(out, "no dead letter 7") {
		t.Fatalf("jobs show of a missing one: %v\n%s", err, out)
	}
	if out, err := run(t, nil, "jobs", "replay", "x", "--data", data); err == nil || !strings.Contains(out, "not a dead letter's number") {
		t.Fatalf("jobs replay x: %v\n%s", err, out)
	}
	startServe(t, data) // stopped when the test ends
	if out, err := run(t, nil, "jobs", "dead", "--data", data); err == nil || !strings.Contains(out, "stop `khien serve` first") {
		t.Fatalf("jobs dead while serve holds the folder: %v\n%s", err, out)
	}
}
