package vuln_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/khien-project/khien/internal/feature/vuln"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/store/storetest"
	"github.com/khien-project/khien/internal/platform/valid"
)

// sample is the public sample feeds directory.
const sample = "../../../../shared/reference/vuln"

// sampleFiles lists every feed file of the sample.
func sampleFiles(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, pat := range []string{"nvd/*.json", "osv/*.json", "kev.json"} {
		m, err := filepath.Glob(filepath.Join(sample, pat))
		if err != nil || len(m) == 0 {
			t.Fatalf("sample %s: %v", pat, err)
		}
		out = append(out, m...)
	}
	return out
}

func importFile(t *testing.T, s *vuln.Service, path string) vuln.Import {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	imp, err := s.ImportFeed(context.Background(), access.System, filepath.Base(path), f)
	if err != nil {
		t.Fatalf("import %s: %v", path, err)
	}
	return imp
}

func count(t *testing.T, db *store.DB, table string) int {
	t.Helper()
	var n int
	if err := db.Reader().QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestImportIsIdempotentAndIncremental: importing the sample twice adds
// nothing the second time; a record is replaced only by a newer one.
func TestImportIsIdempotentAndIncremental(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		added := 0
		for _, f := range sampleFiles(t) {
			imp := importFile(t, w.Vuln, f)
			added += imp.Added
		}
		if added != 14+2+1404 || count(t, db, "vuln_records") != 16 || count(t, db, "vuln_kev") != 1404 {
			t.Fatalf("added %d, records %d, kev %d", added, count(t, db, "vuln_records"), count(t, db, "vuln_kev"))
		}
		for _, f := range sampleFiles(t) {
			if imp := importFile(t, w.Vuln, f); imp.Added+imp.Replaced != 0 || imp.Unchanged == 0 {
				t.Errorf("re-import of %s changed something: %+v", f, imp)
			}
		}
		body, err := os.ReadFile(filepath.Join(sample, "nvd", "CVE-2021-23017.json"))
		if err != nil {
			t.Fatal(err)
		}
		older := bytes.Replace(body, []byte(`"lastModified": "2024-11-21`), []byte(`"lastModified": "2020-01-01`), 1)
		newer := bytes.Replace(body, []byte(`"lastModified": "2024-11-21`), []byte(`"lastModified": "2030-01-01`), 1)
		if bytes.Equal(older, body) {
			t.Fatal("the sample's lastModified changed; adapt the test")
		}
		if imp, err := w.Vuln.ImportFeed(ctx, access.System, "older.json", bytes.NewReader(older)); err != nil || imp.Unchanged != 1 || imp.Replaced != 0 {
			t.Errorf("older copy: %+v %v", imp, err)
		}
		if imp, err := w.Vuln.ImportFeed(ctx, access.System, "newer.json", bytes.NewReader(newer)); err != nil || imp.Replaced != 1 || imp.NewestModified[:4] != "2030" {
			t.Errorf("newer copy: %+v %v", imp, err)
		}

		// EPSS, gzipped, with its model line.
		var gz bytes.Buffer
		zw := gzip.NewWriter(&gz)
		zw.Write([]byte("#model_version:v2025.03.14,score_date:2025-08-25T00:00:00+0000\ncve,epss,percentile\nCVE-2021-23017,0.61,0.98\nCVE-2023-25690,0.02,0.5\n"))
		zw.Close()
		if imp, err := w.Vuln.ImportFeed(ctx, access.System, "epss.csv.gz", &gz); err != nil || imp.Source != "epss" || imp.Added != 2 {
			t.Errorf("EPSS: %+v %v", imp, err)
		}

		feeds, err := w.Vuln.Feeds(ctx, w.OfficerA)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]vuln.FeedStatus{}
		for _, f := range feeds {
			got[f.Source] = f
		}
		if f := got["nvd"]; f.Records != 14 || f.LastImportAt == nil || f.Stale || !strings.HasPrefix(f.NewestModified, "2030") {
			t.Errorf("nvd freshness: %+v", f)
		}
		if f := got["kev"]; f.Records != 1404 || f.Stale {
			t.Errorf("kev freshness: %+v", f)
		}
		if f := got["cve5"]; f.Records != 0 || !f.Stale || f.LastImportAt != nil {
			t.Errorf("cve5 freshness: %+v", f)
		}
		if f := got["epss"]; f.Records != 2 || f.NewestModified != "v2025.03.14" {
			t.Errorf("epss freshness: %+v", f)
		}
	})
}

// TestBadFeedsImportNothing: truncated, malformed and unknown files are
// refused with a clear error, and nothing of them is stored.
func TestBadFeedsImportNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		one, err := os.ReadFile(filepath.Join(sample, "nvd", "CVE-2021-23017.json"))
		if err != nil {
			t.Fatal(err)
		}
		two, _ := os.ReadFile(filepath.Join(sample, "nvd", "CVE-2023-25690.json"))
		page := `{"resultsPerPage":2,"format":"NVD_CVE","vulnerabilities":[{"cve":` + string(one) + `},{"cve":` + string(two) + `}]}`
		cases := []struct {
			name, body, want string
		}{
			{"truncated page", page[:len(page)-len(two)/2], "truncated"},
			{"second record malformed", strings.Replace(page, `"vulnStatus": "Modified"`, `"vulnStatus": 12`, 2), "field"},
			{"bad CPE in the second record", strings.Replace(page, "cpe:2.3:a:apache:http_server", "cpe:9:apache", 1), "CPE"},
			{"not a feed", "hello, world", "not a feed file"},
			{"empty", "", "not a feed file"},
			{"EPSS with a bad line", "cve,epss,percentile\nCVE-2021-1,0.5,0.5\nCVE-2021-2,2,0.5\n", "line 3"},
			{"KEV without vulnerabilities", `{"catalogVersion":"x","count":0}`, "KEV"},
		}
		for _, c := range cases {
			_, err := w.Vuln.ImportFeed(ctx, access.System, c.name, strings.NewReader(c.body))
			var fe valid.Errors
			if !errors.As(err, &fe) || !strings.Contains(err.Error(), c.want) || fe[0].VI == "" {
				t.Errorf("%s: %v (want a refusal saying %q)", c.name, err, c.want)
			}
		}
		if n := count(t, db, "vuln_records") + count(t, db, "vuln_imports") + count(t, db, "vuln_epss") + count(t, db, "vuln_kev"); n != 0 {
			t.Errorf("%d rows stored from refused files", n)
		}
		// The whole page, intact, is imported: both records.
		if imp, err := w.Vuln.ImportFeed(ctx, access.System, "page.json", strings.NewReader(page)); err != nil || imp.Added != 2 {
			t.Errorf("intact page: %+v %v", imp, err)
		}
		if _, err := w.Vuln.ImportFeed(ctx, w.OfficerA, "page.json", strings.NewReader(page)); !errors.Is(err, store.ErrForbidden) {
			t.Errorf("officer imports: %v", err)
		}
	})
}

// TestLongDescriptionsAreClippedWhole: a record whose description runs
// past the stored summary's length, in Vietnamese, is stored with whole
// characters (PostgreSQL refuses a cut one).
func TestLongDescriptionsAreClippedWhole(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		body, err := os.ReadFile(filepath.Join(sample, "nvd", "CVE-2023-25690.json"))
		if err != nil {
			t.Fatal(err)
		}
		long := "ab" + strings.Repeat("ổ", 3000)
		rec := strings.Replace(string(body), `"descriptions": [`, `"descriptions": [{"lang": "en", "value": "`+long+`"},`, 1)
		if _, err := w.Vuln.ImportFeed(context.Background(), access.System, "long.json", strings.NewReader(rec)); err != nil {
			t.Fatal(err)
		}
		var summary string
		if err := db.Reader().QueryRow(`SELECT summary FROM vuln_records`).Scan(&summary); err != nil || !utf8.ValidString(summary) || len(summary) > 4000 || len(summary) < 3990 {
			t.Errorf("summary of %d bytes, valid %v: %v", len(summary), utf8.ValidString(summary), err)
		}
	})
}
