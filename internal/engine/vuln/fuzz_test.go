package vuln

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// seedFiles adds the sample files matching pattern to the corpus.
func seedFiles(f *testing.F, pattern string) {
	files, _ := filepath.Glob(filepath.Join(sampleDir, pattern))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil && len(b) < 64<<10 {
			f.Add(b)
		}
	}
}

// FuzzReadNVD: any input gives all records or an error and none; every
// record read has a CVE id and can be matched without panicking.
func FuzzReadNVD(f *testing.F) {
	seedFiles(f, "nvd/*.json")
	f.Add([]byte(`{"vulnerabilities":[{"cve":` + oneCVE + `}]}`))
	f.Add([]byte(`{"cveMetadata":{"cveId":"CVE-1-1"},"containers":{}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		recs, err := ReadNVD(bytes.NewReader(b))
		if err != nil {
			if recs != nil {
				t.Fatal("records returned with an error")
			}
			return
		}
		for _, r := range recs {
			if !strings.HasPrefix(strings.ToUpper(r.ID), "CVE-") {
				t.Fatalf("record id %q", r.ID)
			}
		}
		comps := []Component{comp("S", "php", "8.1.28"), comp("S", "nginx", "-"), comp("S", "windows-server-2003", "r2")}
		if _, err := NewIndex(recs, nil, nil).Match(comps); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzReadOSV: no panic; a record read can be matched.
func FuzzReadOSV(f *testing.F) {
	seedFiles(f, "osv/*.json")
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := ReadOSV(bytes.NewReader(b))
		if err != nil {
			return
		}
		var comps []Component
		for _, af := range a.Affected {
			comps = append(comps, Component{System: "S", Name: "x", Version: "1.0", PURL: "pkg:npm/" + strings.ReplaceAll(af.Package.Name, "%", "%25") + "@1.0"})
		}
		NewIndex(nil, []Advisory{a}, nil).Match(comps)
	})
}

// FuzzReadKEV: JSON or CSV, all entries or an error and none.
func FuzzReadKEV(f *testing.F) {
	f.Add([]byte(`{"catalogVersion":"1","vulnerabilities":[{"cveID":"CVE-2021-1","dateAdded":"2021-11-03","dueDate":"2021-11-17","knownRansomwareCampaignUse":"Known"}]}`))
	f.Add([]byte("cveID,dateAdded,dueDate\nCVE-2021-1,2021-11-03,2021-11-17\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if m, err := ReadKEV(bytes.NewReader(b)); err != nil && m != nil {
			t.Fatal("entries returned with an error")
		}
		if m, err := ReadKEVCSV(bytes.NewReader(b)); err != nil && m != nil {
			t.Fatal("entries returned with an error")
		}
	})
}

// FuzzReadEPSS: every score read is a probability.
func FuzzReadEPSS(f *testing.F) {
	f.Add([]byte("#model_version:v2025.03.14,score_date:2025-08-25T12:55:00Z\ncve,epss,percentile\nCVE-2024-4577,0.94358,0.99961\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, _, err := ReadEPSS(bytes.NewReader(b))
		if err != nil {
			if m != nil {
				t.Fatal("scores returned with an error")
			}
			return
		}
		for id, s := range m {
			if s.Probability < 0 || s.Probability > 1 || s.Percentile < 0 || s.Percentile > 1 {
				t.Fatalf("%s: %+v", id, s)
			}
		}
	})
}

// FuzzParseCPE: a parsed name has 11 attributes, a valid part and a
// vendor and product.
func FuzzParseCPE(f *testing.F) {
	f.Add(`cpe:2.3:a:joomla:joomla\!:4.2.7:*:*:*:*:*:*:*`)
	f.Add(`cpe:/a:apache:http_server:2.4.55`)
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCPE(s)
		if err != nil {
			return
		}
		if c[cpeVendor] == "" || c[cpeProduct] == "" || !strings.Contains("aoh*", c[cpePart]) || c[cpePart] == "" {
			t.Fatalf("%q parsed as %q", s, c)
		}
	})
}

// FuzzParsePURL: no panic, and a known type gives a named package.
func FuzzParsePURL(f *testing.F) {
	f.Add("pkg:maven/org.apache.logging.log4j/log4j-core@2.15.0")
	f.Add("pkg:npm/%40angular/core@11.0.4?x=y#z")
	f.Fuzz(func(t *testing.T, s string) {
		p, ok, err := parsePURL(s)
		if err == nil && ok && p.name == "" {
			t.Fatalf("%q: empty name", s)
		}
	})
}
