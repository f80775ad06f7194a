package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/khien-project/khien/internal/app"
	"github.com/khien-project/khien/internal/testkit/need"
)

// TestVulnImport: khien vuln import stores the sample feeds, imports them
// again without changing anything, and refuses a truncated file (exit 1)
// storing nothing of it while the good files beside it are imported.
func TestVulnImport(t *testing.T) {
	nvd, err := filepath.Glob(filepath.Join(vulnSample, "nvd", "*.json"))
	if err != nil || len(nvd) == 0 {
		need.Skip(t, "the sample feeds %s are absent", vulnSample)
	}
	data := t.TempDir()
	files := append(nvd, filepath.Join(vulnSample, "kev.json"))
	runImport := func(args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		code := Run(append([]string{"vuln", "import", "--lang", "en", "--data", data}, args...), &out, &errOut)
		return code, out.String(), errOut.String()
	}
	code, out, errOut := runImport(files...)
	if code != 0 || strings.Count(out, "1 added") != len(nvd) || !strings.Contains(out, "1404 added") {
		t.Fatalf("first import: %d\n%s\n%s", code, out, errOut)
	}
	code, out, _ = runImport(files...)
	if code != 0 || strings.Contains(out, "1 added") || strings.Count(out, "0 added, 0 replaced") != len(files) {
		t.Errorf("second import changed something: %d\n%s", code, out)
	}
	body, _ := os.ReadFile(filepath.Join(vulnSample, "osv", "GHSA-7rjr-3q55-vv33.json"))
	cut := filepath.Join(t.TempDir(), "cut.json")
	if err := os.WriteFile(cut, body[:len(body)/2], 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = runImport(cut, filepath.Join(vulnSample, "osv", "GHSA-gxr4-xjj5-5px2.json"))
	if code != 1 || !strings.Contains(errOut, "cut.json: not imported") || !strings.Contains(errOut, "truncated") || !strings.Contains(out, "GHSA-gxr4-xjj5-5px2.json: source osv (osv): 1 added") {
		t.Errorf("truncated file: %d\n%s\n%s", code, out, errOut)
	}
	svc, err := app.OpenServices(context.Background(), filepath.Join(data, "khien.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer svc.DB.Close()
	var n int
	if err := svc.DB.Reader().QueryRow(`SELECT COUNT(*) FROM vuln_records WHERE source = 'osv'`).Scan(&n); err != nil || n != 1 {
		t.Errorf("OSV records: %d %v", n, err)
	}
}
