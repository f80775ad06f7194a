package webscan

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/khien-project/khien/internal/testkit/need"
)

// TestTestsslAgreement runs testssl.sh (the Debian package) and Khiên's TLS
// probe side by side on the same nginx configurations: both must find the
// same protocols and the same cipher categories, and on the servers with
// DHE the same DH group size (testssl.sh -E prints it per suite). Where
// sslscan (the Debian package) is installed, its protocols and DH group
// size must agree too. It also logs how long each took
// (docs/benchmarks.md quotes the figures; scripts/bench/testssl.sh runs it
// verbosely).
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
		case "modern", "legacy", "weak", "dhe-legacy", "dhe1024-tls13", "intermediate":
			sites = append(sites, c.site)
		}
	}
	startNginx(t, sites)
	sslscan, err := exec.LookPath("sslscan")
	if err != nil {
		if need.Required() {
			t.Fatalf("required by %s=all: sslscan is not installed (scripts/test.sh installs the Debian package)", need.Env)
		}
		t.Log("sslscan is not installed: its findings are not compared")
		sslscan = ""
	}
	var khienTotal, testsslTotal time.Duration
	for _, s := range sites {
		var extra []string
		if len(s.dhparam) > 0 {
			extra = append(extra, "-E") // every suite per protocol, with its DH group size
		}
		theirs, took := runTestssl(t, bin, s.ip, extra...)
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
		if len(s.dhparam) > 0 {
			if bits := testsslDHBits(theirs); bits == 0 || bits != facts.DHBits || !facts.DHE {
				t.Errorf("%s: testssl.sh finds a %d-bit DH group, Khiên %d bits (DHE %v)", s.name, bits, facts.DHBits, facts.DHE)
			}
		}
		if sslscan != "" {
			compareSslscan(t, sslscan, s, facts)
		}
		t.Logf("%-13s testssl.sh %-9s %6.2f s   Khiên ProbeTLS %6.1f ms   %5.0f× faster", s.name, strings.Join(append([]string{"-p", "-s"}, extra...), " "), took.Seconds(), float64(mine.Microseconds())/1000, took.Seconds()/mine.Seconds())
	}
	t.Logf("total   testssl.sh %.2f s   Khiên %.1f ms   %.0f× faster", testsslTotal.Seconds(), float64(khienTotal.Microseconds())/1000, testsslTotal.Seconds()/khienTotal.Seconds())
}

// testsslFinding is one entry of testssl.sh's --jsonfile output.
type testsslFinding struct {
	ID       string `json:"id"`
	Severity string `json:"severity"`
	Finding  string `json:"finding"`
}

func runTestssl(t *testing.T, bin, ip string, extra ...string) ([]testsslFinding, time.Duration) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "out.json")
	start := time.Now()
	args := append([]string{"--quiet", "--color", "0", "--warnings", "off", "-p", "-s"}, extra...)
	cmd := exec.Command(bin, append(args, "--jsonfile", out, ip+":443")...)
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

// testsslDHRe finds the DH group size in one line of testssl.sh -E
// ("TLS 1.2 x9f DHE-RSA-AES256-GCM-SHA384 DH 2048 AESGCM 256 …"); "ECDH
// 253" is a curve, not a DH group.
var testsslDHRe = regexp.MustCompile(`\bDH (\d+)\b`)

// testsslDHBits is the largest DH group testssl.sh saw on a TLS 1.0–1.2
// suite (0: none).
func testsslDHBits(findings []testsslFinding) int {
	bits := 0
	for _, f := range findings {
		if !strings.HasPrefix(f.ID, "cipher-tls1") || strings.HasPrefix(f.ID, "cipher-tls1_3") {
			continue
		}
		if m := testsslDHRe.FindStringSubmatch(f.Finding); m != nil {
			n, _ := strconv.Atoi(m[1])
			bits = max(bits, n)
		}
	}
	return bits
}

// sslscanReport is the part of sslscan's --xml output compared.
type sslscanReport struct {
	Test struct {
		Protocols []struct {
			Type    string `xml:"type,attr"`
			Version string `xml:"version,attr"`
			Enabled string `xml:"enabled,attr"`
		} `xml:"protocol"`
		Ciphers []struct {
			SSLVersion string `xml:"sslversion,attr"`
			Cipher     string `xml:"cipher,attr"`
			DHEBits    int    `xml:"dhebits,attr"`
		} `xml:"cipher"`
	} `xml:"ssltest"`
}

// compareSslscan runs sslscan on s and requires the same protocols and,
// when it accepts DHE, the same DH group size as facts.
func compareSslscan(t *testing.T, bin string, s nginxSite, facts *TLSFacts) {
	t.Helper()
	start := time.Now()
	out, err := exec.Command(bin, "--no-colour", "--xml=-", s.ip+":443").Output()
	if err != nil {
		t.Fatalf("%s: sslscan: %v\n%s", s.name, err, out)
	}
	var rep sslscanReport
	if err := xml.Unmarshal(out, &rep); err != nil {
		t.Fatalf("%s: sslscan XML: %v", s.name, err)
	}
	names := map[string]string{"ssl 3": "SSLv3", "tls 1.0": "TLSv1.0", "tls 1.1": "TLSv1.1", "tls 1.2": "TLSv1.2", "tls 1.3": "TLSv1.3"}
	compared := 0
	for _, p := range rep.Test.Protocols {
		name, ok := names[p.Type+" "+p.Version]
		if !ok {
			continue
		}
		compared++
		if (p.Enabled == "1") != facts.Versions[name] {
			t.Errorf("%s: %s: sslscan says enabled=%s, Khiên says %v", s.name, name, p.Enabled, facts.Versions[name])
		}
	}
	if compared != len(names) {
		t.Errorf("%s: compared %d of %d sslscan protocols (sslscan output changed?)", s.name, compared, len(names))
	}
	bits := 0
	for _, c := range rep.Test.Ciphers {
		if c.SSLVersion != "TLSv1.3" {
			bits = max(bits, c.DHEBits)
		}
	}
	if bits != facts.DHBits {
		t.Errorf("%s: sslscan finds a %d-bit DH group, Khiên %d bits", s.name, bits, facts.DHBits)
	}
	t.Logf("%-13s sslscan %6.2f s", s.name, time.Since(start).Seconds())
}
