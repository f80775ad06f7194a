package vuln

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func osvRecord(t *testing.T, id, extra, affected string) Advisory {
	t.Helper()
	a, err := ReadOSV(strings.NewReader(fmt.Sprintf(`{"schema_version":"1.4.0","id":%q,"modified":"2024-01-01T00:00:00Z"%s,"affected":[%s]}`, id, extra, affected)))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func pkgAffected(eco, name, ranges, versions string) string {
	return fmt.Sprintf(`{"package":{"ecosystem":%q,"name":%q},"ranges":[%s],"versions":[%s]}`, eco, name, ranges, versions)
}

func rng(typ string, events ...string) string {
	var evs []string
	for i := 0; i+1 < len(events); i += 2 {
		evs = append(evs, fmt.Sprintf(`{%q:%q}`, events[i], events[i+1]))
	}
	return fmt.Sprintf(`{"type":%q,"events":[%s]}`, typ, strings.Join(evs, ","))
}

func purlComp(system, purl string) Component {
	return Component{System: system, Name: "p", Version: "v", PURL: purl}
}

// TestOSVRanges: SEMVER and ECOSYSTEM ranges with introduced 0, fixed,
// last_affected and limit; versions lists; GIT ignored; withdrawn records;
// package identity through purls.
func TestOSVRanges(t *testing.T) {
	for _, tc := range []struct {
		name     string
		extra    string
		affected string
		in, out  []string
	}{
		{"SEMVER introduced 0, fixed", "", pkgAffected("npm", "jquery", rng("SEMVER", "introduced", "0", "fixed", "3.5.0"), ""),
			[]string{"pkg:npm/jquery@1.2", "pkg:npm/jquery@3.4.1", "pkg:npm/jquery@0.0.1-alpha", "pkg:npm/jquery@3.5.0-rc.1", "pkg:npm/JQuery@3.4.1"},
			[]string{"pkg:npm/jquery@3.5.0", "pkg:npm/jquery@3.5.1", "pkg:pypi/jquery@3.4.1", "pkg:npm/jquery-ui@1.0"}},
		{"ECOSYSTEM last_affected", "", pkgAffected("Maven", "org.apache.logging.log4j:log4j-core", rng("ECOSYSTEM", "introduced", "2.0-beta9", "last_affected", "2.15.0"), ""),
			[]string{"pkg:maven/org.apache.logging.log4j/log4j-core@2.15.0", "pkg:maven/org.apache.logging.log4j/log4j-core@2.0-rc1", "pkg:maven/org.apache.logging.log4j/log4j-core@2.0"},
			[]string{"pkg:maven/org.apache.logging.log4j/log4j-core@2.15.1", "pkg:maven/org.apache.logging.log4j/log4j-core@2.16.0", "pkg:maven/org.apache.logging.log4j/log4j-core@2.0-beta8", "pkg:maven/org.apache.logging.log4j/log4j-api@2.14.0"}},
		{"two intervals and limit", "", pkgAffected("PyPI", "Django", rng("ECOSYSTEM", "introduced", "3.2", "fixed", "3.2.5", "introduced", "4.0", "limit", "4.1"), ""),
			[]string{"pkg:pypi/django@3.2.4", "pkg:pypi/Django@4.0.9"},
			[]string{"pkg:pypi/django@3.1", "pkg:pypi/django@3.2.5", "pkg:pypi/django@3.9", "pkg:pypi/django@4.1"}},
		{"versions list, GIT ignored", "", pkgAffected("Packagist", "drupal/core", rng("GIT", "introduced", "0"), `"9.5.1","9.5.2"`),
			[]string{"pkg:composer/drupal/core@9.5.1", "pkg:composer/drupal/core@9.5.2.0"},
			[]string{"pkg:composer/drupal/core@9.5.3", "pkg:composer/drupal/core@9.5.0"}},
		{"withdrawn", `,"withdrawn":"2024-02-01T00:00:00Z"`, pkgAffected("npm", "lodash", rng("SEMVER", "introduced", "0"), ""),
			nil, []string{"pkg:npm/lodash@4.17.20"}},
		{"scoped npm and Go", "", pkgAffected("npm", "@angular/core", rng("SEMVER", "introduced", "0", "fixed", "11.0.5"), "") + "," + pkgAffected("Go", "golang.org/x/net", rng("SEMVER", "introduced", "0", "fixed", "0.7.0"), ""),
			[]string{"pkg:npm/%40angular/core@11.0.4", "pkg:golang/golang.org/x/net@v0.6.0"},
			[]string{"pkg:npm/angular/core@11.0.4", "pkg:golang/golang.org/x/net@v0.7.0"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			adv := osvRecord(t, "GHSA-test", tc.extra, tc.affected)
			for _, p := range tc.in {
				if got := matchLines(t, nil, []Advisory{adv}, []Component{purlComp("S", p)}); len(got) != 1 {
					t.Errorf("%s: no match, want one", p)
				}
			}
			for _, p := range tc.out {
				if got := matchLines(t, nil, []Advisory{adv}, []Component{purlComp("S", p)}); len(got) != 0 {
					t.Errorf("%s: matched %v, want none", p, got)
				}
			}
		})
	}
}

// TestOSVAndNVDBothReported: an OSV record aliasing a CVE that also
// matched through NVD is reported under both ids (records are not merged
// through aliases, as expected.tsv assumes), and the purl version wins
// over the inventory version.
func TestOSVAndNVDBothReported(t *testing.T) {
	rec := nvdRecord(t, "CVE-2021-45046", "Analyzed", configs(config("", node("OR", false, entry(true, "cpe:2.3:a:apache:log4j:*:*:*:*:*:*:*:*", "si", "2.0.1", "ee", "2.16.0")))))
	adv := osvRecord(t, "GHSA-7rjr-3q55-vv33", `,"aliases":["CVE-2021-45046"]`, pkgAffected("Maven", "org.apache.logging.log4j:log4j-core", rng("ECOSYSTEM", "introduced", "2.0-beta9", "fixed", "2.16.0"), ""))
	comps := []Component{{System: "S", Name: "log4j-core", Version: "2.15.0", PURL: "pkg:maven/org.apache.logging.log4j/log4j-core@2.15.0"},
		{System: "T", Name: "log4j-core", Version: "2.15.0", PURL: "pkg:maven/org.apache.logging.log4j/log4j-core@2.16.0"}}
	got := matchLines(t, []Record{rec}, []Advisory{adv}, comps)
	want := []string{"S log4j-core@2.15.0 CVE-2021-45046", "S log4j-core@2.15.0 GHSA-7rjr-3q55-vv33", "T log4j-core@2.15.0 CVE-2021-45046"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

// TestOSVZip: a zip of an ecosystem is read whole, or not at all.
func TestOSVZip(t *testing.T) {
	mk := func(files map[string]string) []byte {
		var b bytes.Buffer
		zw := zip.NewWriter(&b)
		for n, c := range files {
			w, _ := zw.Create(n)
			w.Write([]byte(c))
		}
		zw.Close()
		return b.Bytes()
	}
	good := `{"id":"GHSA-a","modified":"2024-01-01T00:00:00Z","affected":[]}`
	z := mk(map[string]string{"GHSA-a.json": good, "GHSA-b.json": strings.Replace(good, "GHSA-a", "GHSA-b", 1), "README.txt": "x"})
	as, err := ReadOSVZip(bytes.NewReader(z), int64(len(z)))
	if err != nil || len(as) != 2 {
		t.Fatalf("got %d records, %v; want 2", len(as), err)
	}
	z = mk(map[string]string{"GHSA-a.json": good, "GHSA-b.json": good[:30]})
	if as, err := ReadOSVZip(bytes.NewReader(z), int64(len(z))); err == nil || as != nil || !strings.Contains(err.Error(), "GHSA-b.json") {
		t.Errorf("truncated member: %d records, %v; want none and an error naming GHSA-b.json", len(as), err)
	}
}

// TestLoadDirKinds: a feed directory with an OSV zip, an NVD page, KEV
// as CSV and a gzipped EPSS file; a newer copy of a record wins.
func TestLoadDirKinds(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var zb bytes.Buffer
	zw := zip.NewWriter(&zb)
	w, _ := zw.Create("npm/GHSA-z.json")
	w.Write([]byte(`{"id":"GHSA-z","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"npm","name":"z"},"versions":["1.0.0"]}]}`))
	zw.Close()
	write("osv/npm.zip", zb.Bytes())
	older := strings.Replace(strings.Replace(oneCVE, "2024-02-01", "2023-01-01", 1), `"versionEndExcluding":"8.1.29"`, `"versionEndExcluding":"1.0"`, 1)
	write("nvd/page.json", []byte(`{"format":"NVD_CVE","vulnerabilities":[{"cve":`+oneCVE+`}]}`))
	write("nvd/old.json", []byte(older))
	write("kev.csv", []byte("cveID,dateAdded,dueDate,knownRansomwareCampaignUse\nCVE-2024-0001,2024-01-02,2024-01-23,Unknown\n"))
	var gz bytes.Buffer
	gw := gzip.NewWriter(&gz)
	gw.Write([]byte("#model_version:v1,score_date:x\ncve,epss,percentile\nCVE-2024-0001,0.7,0.99\n"))
	gw.Close()
	write("epss.csv.gz", gz.Bytes())
	f, err := LoadDir(os.DirFS(dir))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Records) != 1 || f.Records[0].Modified != "2024-02-01T00:00:00.000" || len(f.Advisories) != 1 || f.KEV["CVE-2024-0001"].DueDate != "2024-01-23" || f.EPSS["CVE-2024-0001"].Probability != 0.7 {
		t.Errorf("loaded %+v", f)
	}
}
