package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/khien-project/khien/internal/testkit/need"
)

const vulnSample = "../../../shared/reference/vuln"

// TestVulnMatchSample: khien vuln match on the public sample prints
// expected.tsv byte for byte.
func TestVulnMatchSample(t *testing.T) {
	want, err := os.ReadFile(filepath.Join(vulnSample, "expected.tsv"))
	if err != nil {
		need.Skip(t, "the sample feeds %s are absent: %v", vulnSample, err)
	}
	var out, errOut bytes.Buffer
	code := Run([]string{"vuln", "match", "--inventory", filepath.Join(vulnSample, "inventory.json"), "--feeds", vulnSample, "--lang", "en"}, &out, &errOut)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if out.String() != string(want) {
		t.Errorf("output differs from expected.tsv:\n%s\nwant:\n%s", out.String(), want)
	}
	if !strings.Contains(errOut.String(), "Matched 21 components against 14 NVD and 2 OSV records: 14 matches.") {
		t.Errorf("summary: %q", errOut.String())
	}
}

// TestVulnMatchJSON: --json gives one object per match with the priority,
// its reasons in both languages, CVSS, EPSS and KEV.
func TestVulnMatchJSON(t *testing.T) {
	if _, err := os.Stat(vulnSample); err != nil {
		need.Skip(t, "the sample feeds %s are absent", vulnSample)
	}
	dir := t.TempDir()
	for _, sub := range []string{"nvd", "osv"} {
		if err := os.CopyFS(filepath.Join(dir, sub), os.DirFS(filepath.Join(vulnSample, sub))); err != nil {
			t.Fatal(err)
		}
	}
	kev, _ := os.ReadFile(filepath.Join(vulnSample, "kev.json"))
	os.WriteFile(filepath.Join(dir, "kev.json"), kev, 0o644)
	os.WriteFile(filepath.Join(dir, "epss_scores-2025-08-25.csv"), []byte("#model_version:v2025.03.14,score_date:2025-08-25T12:55:00Z\ncve,epss,percentile\nCVE-2021-23017,0.61,0.98\nCVE-2020-11022,0.2,0.9\n"), 0o644)
	var out, errOut bytes.Buffer
	if code := Run([]string{"vuln", "match", "--inventory", filepath.Join(vulnSample, "inventory.json"), "--feeds", dir, "--json"}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	got := map[string]map[string]any{}
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		got[m["name"].(string)+"@"+m["version"].(string)+" "+m["id"].(string)] = m
	}
	if len(got) != 14 {
		t.Errorf("%d objects, want 14", len(got))
	}
	for key, want := range map[string]string{"nginx@1.20.0 CVE-2021-23017": "P1", "tomcat@9.0.98 CVE-2025-24813": "P1", "jquery@3.4.1 GHSA-gxr4-xjj5-5px2": "P2", "confluence@8.5.1 CVE-2023-22515": "P1"} {
		m := got[key]
		if m == nil || m["priority"] != want {
			t.Errorf("%s: %v, want priority %s", key, m, want)
			continue
		}
		if rs, _ := m["reasons"].([]any); len(rs) == 0 || rs[0].(map[string]any)["vi"] == "" || rs[0].(map[string]any)["en"] == "" {
			t.Errorf("%s: reasons %v", key, m["reasons"])
		}
	}
	if m := got["nginx@1.20.0 CVE-2021-23017"]; m != nil && (m["epss"] == nil || m["cvss"] == nil) {
		t.Errorf("nginx: no EPSS or CVSS: %v", m)
	}
	if m := got["confluence@8.5.1 CVE-2023-22515"]; m != nil && m["kev"] == nil {
		t.Errorf("confluence: no KEV entry: %v", m)
	}
}

// TestVulnMatchErrors: bad input gives a clear message in the chosen
// language and exit 1.
func TestVulnMatchErrors(t *testing.T) {
	dir := t.TempDir()
	inv := filepath.Join(dir, "inv.json")
	os.MkdirAll(filepath.Join(dir, "feeds", "nvd"), 0o755)
	for _, tc := range []struct {
		name, inv, nvd, lang, want string
	}{
		{"no flags", "", "", "en", "--inventory FILE and --feeds DIR are required"},
		{"not an array", `{"system":"a"}`, "", "vi", "phải là một mảng JSON"},
		{"no system", `[{"name":"php","version":"1"}]`, "", "en", `inventory entry 1 has no "system"`},
		{"bad cpe", `[{"system":"a","name":"php","version":"1","cpe":"php"}]`, "", "en", "not a CPE 2.3"},
		{"truncated feed", `[]`, `{"id":"CVE-2024-1","configurations":[`, "en", "nvd/x.json: NVD/CVE JSON: the file ends early"},
	} {
		os.WriteFile(inv, []byte(tc.inv), 0o644)
		os.Remove(filepath.Join(dir, "feeds", "nvd", "x.json"))
		if tc.nvd != "" {
			os.WriteFile(filepath.Join(dir, "feeds", "nvd", "x.json"), []byte(tc.nvd), 0o644)
		}
		args := []string{"vuln", "match", "--lang", tc.lang}
		if tc.name != "no flags" {
			args = append(args, "--inventory", inv, "--feeds", filepath.Join(dir, "feeds"))
		}
		var out, errOut bytes.Buffer
		if code := Run(args, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), tc.want) || out.Len() != 0 {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want 1 and %q", tc.name, code, out.String(), errOut.String(), tc.want)
		}
	}
}
