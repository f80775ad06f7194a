package vuln

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/khien-project/khien/internal/testkit/need"
)

const sampleDir = "../../../../shared/reference/vuln"

const oneCVE = `{"id":"CVE-2024-0001","vulnStatus":"Analyzed","lastModified":"2024-02-01T00:00:00.000","metrics":{"cvssMetricV31":[{"type":"Secondary","cvssData":{"version":"3.1","vectorString":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H","baseScore":9.8,"baseSeverity":"CRITICAL"}}],"cvssMetricV40":[{"type":"Secondary","cvssData":{"version":"4.0","vectorString":"CVSS:4.0/AV:N","baseScore":9.3,"baseSeverity":"CRITICAL"}}]},"configurations":[{"nodes":[{"operator":"OR","negate":false,"cpeMatch":[{"vulnerable":true,"criteria":"cpe:2.3:a:php:php:*:*:*:*:*:*:*:*","versionEndExcluding":"8.1.29"}]}]}]}`

// TestReadNVDShapes: a bare record, an API item, a feed file or API page,
// and a CVE JSON 5 record are all read; CVSS v4.0 is preferred.
func TestReadNVDShapes(t *testing.T) {
	page := `{"resultsPerPage":2,"startIndex":0,"totalResults":2,"format":"NVD_CVE","version":"2.0","vulnerabilities":[{"cve":` + oneCVE + `},{"cve":` + strings.Replace(oneCVE, "0001", "0002", 1) + `}]}`
	cve5 := `{"dataType":"CVE_RECORD","dataVersion":"5.1","cveMetadata":{"cveId":"CVE-2024-0003","state":"PUBLISHED","dateUpdated":"2024-03-01T00:00:00Z"},"containers":{"cna":{"descriptions":[{"lang":"en","value":"d"}],"metrics":[{"cvssV3_1":{"version":"3.1","baseScore":7.5,"vectorString":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"}}]}}}`
	for _, tc := range []struct {
		name, doc string
		ids       []string
	}{
		{"bare", oneCVE, []string{"CVE-2024-0001"}},
		{"api item", `{"cve":` + oneCVE + `}`, []string{"CVE-2024-0001"}},
		{"page", page, []string{"CVE-2024-0001", "CVE-2024-0002"}},
		{"cve5", cve5, []string{"CVE-2024-0003"}},
	} {
		recs, err := ReadNVD(strings.NewReader(tc.doc))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		var ids []string
		for _, r := range recs {
			ids = append(ids, r.ID)
		}
		if strings.Join(ids, ",") != strings.Join(tc.ids, ",") {
			t.Errorf("%s: ids %v, want %v", tc.name, ids, tc.ids)
		}
		if tc.name == "bare" && (recs[0].CVSS == nil || recs[0].CVSS.Version != "4.0" || recs[0].CVSS.Score != 9.3) {
			t.Errorf("bare: CVSS %+v, want v4.0 9.3", recs[0].CVSS)
		}
		if tc.name == "cve5" && (recs[0].CVSS == nil || recs[0].CVSS.Score != 7.5 || len(recs[0].Configurations) != 0) {
			t.Errorf("cve5: %+v", recs[0])
		}
	}
}

// TestMalformedFeeds: truncated, malformed and wrong-kind input is
// refused with its position, and nothing is returned.
func TestMalformedFeeds(t *testing.T) {
	page := `{"format":"NVD_CVE","vulnerabilities":[{"cve":` + oneCVE + `},{"cve":` + strings.Replace(oneCVE, "0001", "0002", 1) + `}]}`
	for _, tc := range []struct {
		name, doc, want string
	}{
		{"truncated page", page[:len(page)-200], "truncated"},
		{"syntax error", strings.Replace(page, `"vulnStatus":"Analyzed",`, `"vulnStatus":"Analyzed",,`, 1), "malformed JSON at byte"},
		{"wrong type", strings.Replace(oneCVE, `"negate":false`, `"negate":"no"`, 1), "at byte"},
		{"bad CPE", strings.Replace(oneCVE, "cpe:2.3:a:php:php:*:*:*:*:*:*:*:*", "cpe:2.3:a:php", 1), "CPE"},
		{"not a CVE", `{"id":"GHSA-xxxx","configurations":[]}`, "not a CVE id"},
		{"element without cve", `{"vulnerabilities":[{"x":1}]}`, "no \"cve\""},
		{"trailing data", oneCVE + `{}`, "after the end"},
		{"empty", ``, "truncated"},
	} {
		recs, err := ReadNVD(strings.NewReader(tc.doc))
		if err == nil || recs != nil {
			t.Errorf("%s: %d records, err %v; want none and an error", tc.name, len(recs), err)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %q does not say %q", tc.name, err, tc.want)
		}
	}
	if _, err := ReadOSV(strings.NewReader(`{"id":"GHSA-1","affected":[{"ranges":[{"type":"SEMVER","events":[{"introduced":"0","fixed":"1"}]}]}]}`)); err == nil {
		t.Error("OSV event with two fields accepted")
	}
	if _, err := ReadKEV(strings.NewReader(oneCVE)); err == nil {
		t.Error("an NVD record read as KEV")
	}
	if _, _, err := ReadEPSS(strings.NewReader("cve,epss,percentile\nCVE-2024-1,1.5,0.2\n")); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("EPSS probability 1.5: %v, want an error on line 2", err)
	}
}

// TestRecordBound: one record larger than MaxRecordBytes is refused
// without reading the rest, so memory stays bounded.
func TestRecordBound(t *testing.T) {
	huge := io.MultiReader(strings.NewReader(`{"vulnerabilities":[{"cve":{"id":"CVE-2024-1","descriptions":[{"lang":"en","value":"`),
		io.LimitReader(repeatReader('a'), MaxRecordBytes+1<<20), strings.NewReader(`"}]}}]}`))
	if _, err := ReadNVD(huge); !errors.Is(err, ErrRecordTooLarge) {
		t.Errorf("got %v, want ErrRecordTooLarge", err)
	}
}

type repeatReader byte

func (r repeatReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(r)
	}
	return len(p), nil
}

// TestKEVAndEPSS: KEV as JSON and CSV, EPSS plain and gzipped with its
// model line.
func TestKEVAndEPSS(t *testing.T) {
	kev, err := ReadKEVCSV(strings.NewReader("cveID,vendorProject,product,vulnerabilityName,dateAdded,shortDescription,requiredAction,dueDate,knownRansomwareCampaignUse,notes,cwes\ncve-2021-26855,Microsoft,Exchange,\"ProxyLogon, SSRF\",2021-11-03,d,a,2021-04-16,Known,,CWE-918\n"))
	if err != nil || !kev["CVE-2021-26855"].Ransomware || kev["CVE-2021-26855"].DueDate != "2021-04-16" {
		t.Errorf("KEV CSV: %v %+v", err, kev)
	}
	csv := "#model_version:v2025.03.14,score_date:2025-08-25T12:55:00Z\ncve,epss,percentile\nCVE-2024-4577,0.94358,0.99961\n"
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(csv))
	zw.Close()
	for name, r := range map[string]io.Reader{"plain": strings.NewReader(csv), "gzip": &gz} {
		scores, model, err := ReadEPSS(r)
		if err != nil || model != "v2025.03.14" || scores["CVE-2024-4577"].Percentile != 0.99961 {
			t.Errorf("%s: %v %q %+v", name, err, model, scores)
		}
	}
}

// TestSampleFeeds: the public sample reads, each file detected as its kind.
func TestSampleFeeds(t *testing.T) {
	if _, err := os.Stat(sampleDir); err != nil {
		need.Skip(t, "the sample feeds %s are absent", sampleDir)
	}
	f, err := LoadDir(os.DirFS(sampleDir))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Records) != 14 || len(f.Advisories) != 2 || len(f.KEV) != 1404 {
		t.Errorf("read %d NVD, %d OSV, %d KEV; want 14, 2, 1404", len(f.Records), len(f.Advisories), len(f.KEV))
	}
	for pattern, kind := range map[string]Kind{"nvd/*.json": KindNVD, "osv/*.json": KindOSV, "kev.json": KindKEV} {
		files, _ := filepath.Glob(filepath.Join(sampleDir, pattern))
		for _, p := range files {
			b, _ := os.ReadFile(p)
			if got := Detect(b[:min(len(b), 64<<10)]); got != kind {
				t.Errorf("%s detected as %q, want %q", p, got, kind)
			}
		}
	}
}

// TestParseCPE: escapes, 2.2 URIs, and refusals.
func TestParseCPE(t *testing.T) {
	c, err := ParseCPE(`cpe:2.3:a:joomla:joomla\!:4.2.7:*:*:*:*:*:*:*`)
	if err != nil || c[cpeProduct] != "joomla!" || c.Key() != "a:joomla:joomla!" {
		t.Errorf("escape: %q %v", c, err)
	}
	c, err = ParseCPE(`cpe:2.3:a:vendor:prod\:uct:1.0:*:*:*:*:*:*:*`)
	if err != nil || c[cpeProduct] != "prod:uct" || c[cpeVersion] != "1.0" {
		t.Errorf("escaped colon: %q %v", c, err)
	}
	c, err = ParseCPE(`cpe:/a:apache:http_server:2.4.55`)
	if err != nil || c.Key() != "a:apache:http_server" || c[cpeVersion] != "2.4.55" || c[cpeUpdate] != "*" {
		t.Errorf("2.2 URI: %q %v", c, err)
	}
	for _, bad := range []string{"", "nginx", "cpe:2.3:a:php:php", "cpe:2.3:x:php:php:1:*:*:*:*:*:*:*", `cpe:2.3:a:php:php:1:*:*:*:*:*:*:*\`, "cpe:2.3:a::php:1:*:*:*:*:*:*:*", "cpe:2.3:a:php:php:1:*:*:*:*:*:*:*:*"} {
		if _, err := ParseCPE(bad); !errors.Is(err, ErrCPESyntax) {
			t.Errorf("ParseCPE(%q) = %v, want ErrCPESyntax", bad, err)
		}
	}
}
