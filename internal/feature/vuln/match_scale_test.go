package vuln_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/khien-project/khien/internal/engine/vuln"
	"github.com/khien-project/khien/internal/feature/registry"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/store/storetest"
)

// scaleProducts are the products records are generated over: the alias
// table's (matched through component names) and others (matched by CPE).
func scaleProducts(others int) (aliasNames []string, aliasCPE map[string]string, otherCPE []string) {
	aliasCPE = map[string]string{}
	for name, cpes := range vuln.Aliases {
		aliasNames = append(aliasNames, name)
		aliasCPE[name] = cpes[0]
	}
	sort.Strings(aliasNames)
	for i := 0; i < others; i++ {
		otherCPE = append(otherCPE, fmt.Sprintf("a:vendor%d:product%d", i%700, i))
	}
	return aliasNames, aliasCPE, otherCPE
}

func ver(r *rand.Rand, major int) string {
	return fmt.Sprintf("%d.%d.%d", major, r.IntN(20), r.IntN(30))
}

// scaleRecord makes one NVD record over product triple t with the
// shapes of the sample: one to three ranges (10 % not analysed, 25 %
// lists of exact versions, 15 % "running on Windows Server 2003" AND
// configurations). Every affected version is below 9: inventories on 9.x
// are patched.
func scaleRecord(r *rand.Rand, i int, t string) vuln.Record {
	rec := vuln.Record{ID: fmt.Sprintf("CVE-2090-%07d", i), Source: "nvd", Status: "Analyzed", Modified: "2026-01-01T00:00:00.000",
		CVSS: &vuln.CVSS{Version: "3.1", Score: float64(40+r.IntN(60)) / 10, Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}}
	p := r.IntN(100)
	if p < 10 {
		rec.Status = "Awaiting Analysis"
		return rec
	}
	cpe := "cpe:2.3:" + t + ":*:*:*:*:*:*:*:*"
	var node vuln.Node
	node.Operator = "OR"
	switch {
	case p < 35:
		for k := 0; k < 3+r.IntN(8); k++ {
			node.Matches = append(node.Matches, vuln.CPEMatch{Vulnerable: true, Criteria: "cpe:2.3:" + t + ":" + ver(r, 1+r.IntN(8)) + ":*:*:*:*:*:*:*"})
		}
	default:
		for k := 0; k < 1+r.IntN(3); k++ {
			major := 1 + r.IntN(7)
			m := vuln.CPEMatch{Vulnerable: true, Criteria: cpe, VersionEndExcluding: ver(r, major+1)}
			if r.IntN(4) > 0 {
				m.VersionStartIncluding = ver(r, major)
			}
			node.Matches = append(node.Matches, m)
		}
	}
	conf := vuln.Configuration{Nodes: []vuln.Node{node}}
	if p >= 85 {
		conf.Operator = "AND"
		conf.Nodes = append(conf.Nodes, vuln.Node{Operator: "OR", Matches: []vuln.CPEMatch{{Criteria: "cpe:2.3:o:microsoft:windows_server_2003:-:*:*:*:*:*:*:*"}}})
	}
	rec.Configurations = []vuln.Configuration{conf}
	return rec
}

// seedRecords stores n generated records as one import (the import itself
// is measured by TestImportScale).
func seedRecords(t testing.TB, db *store.DB, n int, products []string) {
	t.Helper()
	ctx := context.Background()
	r := rand.New(rand.NewPCG(1, 2))
	err := db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		var imp int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO vuln_imports (source, kind, file_name, added, at) VALUES ('nvd', 'nvd', 'generated', $1, $2) RETURNING id`, n, store.Now()).Scan(&imp); err != nil {
			return err
		}
		st, err := tx.PrepareContext(ctx, `INSERT INTO vuln_records (source, vuln_id, status, modified, cvss_version, cvss_score, cvss_vector, body, import_id) VALUES ('nvd', $1, $2, $3, $4, $5, $6, $7, $8)`)
		if err != nil {
			return err
		}
		defer st.Close()
		for i := 0; i < n; i++ {
			rec := scaleRecord(r, i, products[r.IntN(len(products))])
			b, _ := json.Marshal(rec)
			if _, err := st.ExecContext(ctx, rec.ID, rec.Status, rec.Modified, rec.CVSS.Version, rec.CVSS.Score, rec.CVSS.Vector, string(b), imp); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestMatchAtScale matches 10,000 systems × 5 components against 300,000
// records through the feature (KHIEN_VULN_BENCH=1; otherwise the same
// path small: 3,000 records, 100 systems). The systems come in through the
// registry's CSV import; three quarters of their components are named
// through the alias table, a quarter by CPE; 2 % run an old version (a
// few findings each), the rest a patched 9.x. It logs: the first match of
// every system (the records loaded from the database and indexed), the
// same match again (feeds in memory), one system after an inventory
// change, and a one-record feed import.
func TestMatchAtScale(t *testing.T) {
	records, systems, others := 3000, 100, 300
	if os.Getenv("KHIEN_VULN_BENCH") != "" {
		records, systems, others = 300_000, 10_000, 3000
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newKeyedWorld(t, db) // as khien serve runs: the audit chain keyed
		aliasNames, aliasCPE, otherCPE := scaleProducts(others)
		var products []string
		for _, n := range aliasNames {
			products = append(products, aliasCPE[n], aliasCPE[n]) // alias products have more records, as in NVD
		}
		products = append(products, otherCPE...)

		r := rand.New(rand.NewPCG(3, 4))
		var csv bytes.Buffer
		csv.WriteString("agency_code,name,software\n")
		for i := 0; i < systems; i++ {
			var sw []string
			for j := 0; j < 5; j++ {
				v := ver(r, 9)
				if r.IntN(100) < 2 {
					v = ver(r, 1+r.IntN(7))
				}
				if j < 4 && r.IntN(4) > 0 || j == 0 {
					sw = append(sw, aliasNames[r.IntN(len(aliasNames))]+"@"+v)
				} else {
					p := otherCPE[r.IntN(len(otherCPE))]
					sw = append(sw, fmt.Sprintf("%s@%s (cpe:2.3:%s:%s:*:*:*:*:*:*:*)", strings.Split(p, ":")[2], v, p, v))
				}
			}
			fmt.Fprintf(&csv, "STTTT,Hệ thống %05d,\"%s\"\n", i, strings.Join(sw, "; "))
		}
		start := time.Now()
		rep, err := w.Registry.Import(ctx, access.System, registry.KindSystems, &csv, registry.ImportOptions{})
		if err != nil || rep.Created != systems {
			t.Fatalf("registry import: %+v %v", rep, err)
		}
		t.Logf("%d systems imported through the registry (matched against no feeds yet): %s", systems, time.Since(start).Round(time.Millisecond))

		start = time.Now()
		seedRecords(t, db, records, products)
		t.Logf("%d records stored: %s", records, time.Since(start).Round(time.Millisecond))

		var ids []int64
		rows, err := db.Q(ctx).QueryContext(ctx, `SELECT id FROM systems ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id int64
			_ = rows.Scan(&id)
			ids = append(ids, id)
		}
		rows.Close()

		if db.Engine == store.Postgres {
			// The seeding's own tail (hint bits, statistics, a checkpoint
			// of 300 MB of rows) is not the match's: settle it first.
			for _, q := range []string{`VACUUM ANALYZE`, `CHECKPOINT`} {
				if _, err := db.Writer().ExecContext(ctx, q); err != nil {
					t.Fatal(err)
				}
			}
		}
		start = time.Now()
		var bodies int64
		if err := db.Q(ctx).QueryRowContext(ctx, `SELECT SUM(LENGTH(body)) FROM vuln_records`).Scan(&bodies); err != nil {
			t.Fatal(err)
		}
		t.Logf("the records' bodies: %d MiB, summed by the database in %s", bodies>>20, time.Since(start).Round(time.Millisecond))

		runtime.GC()
		stopCold := profile(t, "cold")
		start = time.Now()
		if err := w.Vuln.MatchSystems(ctx, ids); err != nil {
			t.Fatal(err)
		}
		cold := time.Since(start)
		stopCold()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		var opened int
		if err := db.Q(ctx).QueryRowContext(ctx, `SELECT COUNT(*) FROM vuln_findings`).Scan(&opened); err != nil || opened == 0 {
			t.Fatalf("findings: %d %v", opened, err)
		}
		t.Logf("first match of %d systems × 5 components against %d records (loaded from the database and indexed): %s, %d findings opened; heap in use %d MiB",
			systems, records, cold.Round(time.Millisecond), opened, ms.HeapInuse>>20)

		stopAgain := profile(t, "again")
		start = time.Now()
		if err := w.Vuln.MatchSystems(ctx, ids); err != nil {
			t.Fatal(err)
		}
		t.Logf("the same match again (feeds in memory): %s", time.Since(start).Round(time.Millisecond))
		stopAgain()

		// One inventory change: the registry saves the system, the
		// feature matches that system only (SystemsChanged).
		sys, err := w.Registry.System(ctx, access.System, ids[len(ids)/2])
		if err != nil {
			t.Fatal(err)
		}
		sw := append([]registry.Software(nil), sys.Software...)
		sw[0].Version = "1.0.0"
		start = time.Now()
		if _, err := w.Registry.UpdateSystem(ctx, access.System, sys.ID, registry.SystemInput{Software: &sw}); err != nil {
			t.Fatal(err)
		}
		t.Logf("one inventory change, saved by the registry and matched by the feature: %s", time.Since(start).Round(time.Millisecond))
		start = time.Now()
		if err := w.Vuln.MatchSystems(ctx, []int64{sys.ID}); err != nil {
			t.Fatal(err)
		}
		t.Logf("one system matched again: %s", time.Since(start).Round(time.Microsecond))

		// One feed update: a one-record file.
		rec := scaleRecord(rand.New(rand.NewPCG(9, 9)), records+1, aliasCPE["nginx"])
		rec.Status, rec.Configurations = "Analyzed", []vuln.Configuration{{Nodes: []vuln.Node{{Operator: "OR", Matches: []vuln.CPEMatch{{Vulnerable: true, Criteria: "cpe:2.3:a:f5:nginx:*:*:*:*:*:*:*:*", VersionEndExcluding: "2.0"}}}}}}
		body, _ := json.Marshal(map[string]any{"cve": map[string]any{"id": rec.ID, "vulnStatus": "Analyzed", "lastModified": "2026-02-01T00:00:00.000",
			"configurations": []any{map[string]any{"nodes": []any{map[string]any{"operator": "OR", "negate": false, "cpeMatch": []any{map[string]any{
				"vulnerable": true, "criteria": "cpe:2.3:a:f5:nginx:*:*:*:*:*:*:*:*", "versionEndExcluding": "2.0"}}}}}}}})
		defer profile(t, "import")()
		gcs := gcCount()
		start = time.Now()
		imp, err := w.Vuln.ImportFeed(ctx, access.System, "one.json", bytes.NewReader(body))
		if err != nil || imp.Added != 1 {
			t.Fatalf("one-record import: %+v %v", imp, err)
		}
		t.Logf("one-record feed import and the re-match it causes: %s (%+v; %d garbage collections meanwhile)", time.Since(start).Round(time.Millisecond), imp.Findings, gcCount()-gcs)
	})
}

// profile writes a CPU profile of what follows until the returned func
// is called, to $KHIEN_VULN_CPUPROFILE.<test>.<step> when that is set.
func profile(t *testing.T, step string) func() {
	path := os.Getenv("KHIEN_VULN_CPUPROFILE")
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path + "." + strings.ReplaceAll(t.Name(), "/", "-") + "." + step)
	if err != nil {
		t.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		t.Fatal(err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}

func gcCount() uint32 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.NumGC
}

// nvdItem is record r as an NVD CVE API 2.0 "cve" object.
func nvdItem(r vuln.Record) map[string]any {
	c := map[string]any{"id": r.ID, "vulnStatus": r.Status, "lastModified": r.Modified, "published": "2026-01-01T00:00:00.000",
		"descriptions": []any{map[string]any{"lang": "en", "value": "generated " + r.ID}}}
	if r.CVSS != nil {
		c["metrics"] = map[string]any{"cvssMetricV31": []any{map[string]any{"type": "Primary", "cvssData": map[string]any{
			"version": r.CVSS.Version, "vectorString": r.CVSS.Vector, "baseScore": r.CVSS.Score}}}}
	}
	if len(r.Configurations) > 0 {
		c["configurations"] = r.Configurations // the engine's types carry NVD's field names
	}
	return map[string]any{"cve": c}
}

// TestImportAtScale imports 300,000 generated NVD records (the shapes of
// TestMatchAtScale's) through ImportFeed from one API page file, as an
// operator's `khien vuln import` does (KHIEN_VULN_BENCH=1; otherwise
// 3,000), and logs records/s and the peak heap in use during the import,
// sampled every 20 ms. The file is written first, so that generating it
// is not measured.
func TestImportAtScale(t *testing.T) {
	records := 3000
	if os.Getenv("KHIEN_VULN_BENCH") != "" {
		records = 300_000
	}
	aliasNames, aliasCPE, otherCPE := scaleProducts(3000)
	var products []string
	for _, n := range aliasNames {
		products = append(products, aliasCPE[n], aliasCPE[n])
	}
	products = append(products, otherCPE...)
	path := filepath.Join(t.TempDir(), "nvd.json")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	r := rand.New(rand.NewPCG(1, 2))
	bw.WriteString(`{"format":"NVD_CVE","version":"2.0","totalResults":` + fmt.Sprint(records) + `,"vulnerabilities":[`)
	for i := 0; i < records; i++ {
		if i > 0 {
			bw.WriteString(",")
		}
		b, err := json.Marshal(nvdItem(scaleRecord(r, i, products[r.IntN(len(products))])))
		if err != nil {
			t.Fatal(err)
		}
		bw.Write(b)
	}
	bw.WriteString("]}")
	if err := bw.Flush(); err != nil || f.Close() != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(path)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newKeyedWorld(t, db)
		in, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer in.Close()
		runtime.GC()
		var peak atomic.Uint64
		done := make(chan struct{})
		go func() {
			tick := time.NewTicker(20 * time.Millisecond)
			defer tick.Stop()
			for {
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				if ms.HeapInuse > peak.Load() {
					peak.Store(ms.HeapInuse)
				}
				select {
				case <-done:
					return
				case <-tick.C:
				}
			}
		}()
		start := time.Now()
		imp, err := w.Vuln.ImportFeed(ctx, access.System, "nvd.json", in)
		took := time.Since(start)
		close(done)
		if err != nil || imp.Added != records {
			t.Fatalf("import: %+v %v", imp, err)
		}
		t.Logf("imported %d records (%d MiB of JSON) in %s: %.0f records/s; peak heap in use %d MiB", records, st.Size()>>20, took.Round(time.Millisecond),
			float64(records)/took.Seconds(), peak.Load()>>20)
	})
}
