package vuln_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/khien-project/khien/internal/feature/registry"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/store/storetest"
)

// feedPage streams an NVD API page of n records made from the sample's
// records (each copy with its own CVE id), without holding it in memory.
func feedPage(t testing.TB, n int) io.Reader {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(sample, "nvd", "*.json"))
	var bodies []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		bodies = append(bodies, string(b))
	}
	pr, pw := io.Pipe()
	go func() {
		fmt.Fprint(pw, `{"format":"NVD_CVE","vulnerabilities":[`)
		for i := 0; i < n; i++ {
			body := bodies[i%len(bodies)]
			id := body[strings.Index(body, `"id": "`)+7:]
			id = id[:strings.Index(id, `"`)]
			if i > 0 {
				fmt.Fprint(pw, ",")
			}
			fmt.Fprintf(pw, `{"cve":%s}`, strings.Replace(body, `"id": "`+id+`"`, fmt.Sprintf(`"id": "CVE-2099-%07d"`, i), 1))
		}
		fmt.Fprint(pw, `]}`)
		pw.Close()
	}()
	return pr
}

// TestImportScale measures a feed import at scale (KHIEN_VULN_SCALE
// records, e.g. 50000) and the matching of systems of 5 components after
// it; without the variable it runs the same path small (300 records, 20
// systems).
func TestImportScale(t *testing.T) {
	n, systems := 300, 20
	if _, err := fmt.Sscan(os.Getenv("KHIEN_VULN_SCALE"), &n); err != nil || n <= 0 {
		n = 300
	} else {
		systems = 200
	}
	if v := os.Getenv("KHIEN_VULN_SYSTEMS"); v != "" {
		fmt.Sscan(v, &systems)
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		start := time.Now()
		imp, err := w.Vuln.ImportFeed(ctx, access.System, "page.json", feedPage(t, n))
		if err != nil || imp.Added != n {
			t.Fatalf("import: %+v %v", imp, err)
		}
		took := time.Since(start)
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		t.Logf("imported %d records in %s: %.0f records/s; heap in use after: %d MiB", n, took.Round(time.Millisecond), float64(n)/took.Seconds(), after.HeapInuse>>20)

		names := []string{"nginx", "php", "wordpress", "tomcat", "joomla"}
		// Versions the sample's records do not affect: every copy of a
		// record is a candidate, none a finding (a generated copy of the
		// sample would otherwise match hundreds of times per system).
		versions := []string{"1.25.3", "8.3.9", "6.5.2", "11.0.5", "5.1.0"}
		var ids []int64
		start = time.Now()
		for i := 0; i < systems; i++ {
			sw := make([]registry.Software, 5)
			for j := range sw {
				sw[j] = registry.Software{Name: names[j], Version: versions[j]}
			}
			name := fmt.Sprintf("Hệ thống %d", i)
			sys, err := w.Registry.CreateSystem(ctx, access.System, registry.SystemInput{AgencyID: &w.A.ID, Name: &name, Software: &sw})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, sys.ID)
		}
		t.Logf("registered %d systems, each matched as it was saved: %s", systems, time.Since(start).Round(time.Millisecond))
		start = time.Now()
		if err := w.Vuln.MatchSystems(ctx, ids); err != nil {
			t.Fatal(err)
		}
		t.Logf("matched %d systems × 5 components again: %s", systems, time.Since(start).Round(time.Millisecond))
		if len(ids) == 0 {
			return
		}
		start = time.Now()
		if err := w.Vuln.MatchSystems(ctx, ids[:1]); err != nil {
			t.Fatal(err)
		}
		t.Logf("one system again: %s", time.Since(start).Round(time.Millisecond))
	})
}
