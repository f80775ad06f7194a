package webscan

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/khien-project/khien/internal/testkit/need"
)

// TestTestsslAgreement runs testssl.sh (the Debian package) and Khiên's TLS
// probe side by side on the same nginx configurations: both must find the
// same protocols and the same cipher categories. It also logs how long
// each took (docs/benchmarks.md quotes the figures; scripts/bench/testssl.sh
// runs it verbosely).
func TestTestsslAgreement(t *testing.T) {
	bin := os.Getenv("KHIEN_TEST_TESTSSL")
	if bin == "" {
		var err error
		if bin, err = exec.LookPath("testssl"); err != nil {
			need.Skip(t, "testssl.sh is not installed (scripts/test.sh installs the Debian package)")
		}
	}
	if testing.Short() {
		t.Skip("-short: testssl.sh takes about 15 s per site")
	}
	ca := newTestCA(t)
	var sites []nginxSite
	for _, c := range nginxCases(t, ca) {
		switch c.site.name {
		case "modern", "legacy", "weak":
			sites = append(sites, c.site)
		}
	}
	startNginx(t, sites)
	var khienTotal, testsslTotal time.Duration
	for _, s := range sites {
		theirs, took := runTestssl(t, bin, s.ip)
		testsslTotal += took
		start := time.Now()
		facts, err := ProbeTLS(context.Background(), "https://"+s.ip+"/", Options{AllowPrivate: true, RootCAs: ca.pool})
		mine := time.Since(start)
		khienTotal += mine
		if err != nil {
			t.Fatal(err)
		}
		ours := map[string]bool{
			"SSLv3": facts.Versions["SSLv3"], "TLS1": facts.Versions["TLSv1.0"], "TLS1_1": facts.Versions["TLSv1.1"],
			"TLS1_2": facts.Versions["TLSv1.2"], "TLS1_3": facts.Versions["TLSv1.3"],
			"cipherlist_NULL": facts.Weak["NULL"], "cipherlist_aNULL": facts.Weak["anon"], "cipherlist_EXPORT": facts.Weak["EXPORT"],
			"cipherlist_LOW": facts.Weak["RC4"], "cipherlist_3DES_IDEA": facts.Weak["3DES"],
			"cipherlist_AVERAGE": facts.Weak["CBC"], "cipherlist_STRONG": facts.AEAD,
		}
		seen := 0
		for _, f := range theirs {
			want, ok := ours[f.ID]
			if !ok {
				continue
			}
			seen++
			offered := strings.HasPrefix(f.Finding, "offered")
			if offered != want {
				t.Errorf("%s: %s: testssl.sh says %q, Khiên says offered=%v", s.name, f.ID, f.Finding, want)
			}
		}
		if seen != len(ours) {
			t.Errorf("%s: compared %d of %d findings (testssl.sh output changed?)", s.name, seen, len(ours))
		}
		t.Logf("%-7s testssl.sh -p -s %6.2f s   Khiên ProbeTLS %6.1f ms   %5.0f× faster", s.name, took.Seconds(), float64(mine.Microseconds())/1000, took.Seconds()/mine.Seconds())
	}
	t.Logf("total   testssl.sh %.2f s   Khiên %.1f ms   %.0f× faster", testsslTotal.Seconds(), float64(khienTotal.Microseconds())/1000, testsslTotal.Seconds()/khienTotal.Seconds())
}

// testsslFinding is one entry of testssl.sh's --jsonfile output.
type testsslFinding struct {
	ID       string `json:"id"`
	Severity string `json:"severity"`
	Finding  string `json:"finding"`
}

func runTestssl(t *testing.T, bin, ip string) ([]testsslFinding, time.Duration) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "out.json")
	start := time.Now()
	cmd := exec.Command(bin, "--quiet", "--color", "0", "--warnings", "off", "-p", "-s", "--jsonfile", out, ip+":443")
	b, err := cmd.CombinedOutput()
	took := time.Since(start)
	data, rerr := os.ReadFile(out)
	if rerr != nil {
		t.Fatalf("testssl.sh wrote nothing (%v): %s", err, b)
	}
	var list []testsslFinding
	if err := json.Unmarshal(data, &list); err != nil {
		t.Fatal(fmt.Errorf("testssl.sh JSON: %w", err))
	}
	return list, took
}
