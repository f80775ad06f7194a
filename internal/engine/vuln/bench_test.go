package vuln

import (
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The benchmark generator: NVD-shaped records with the configuration
// shapes of the sample (ranges with each bound, exact version lists,
// application-on-platform AND configurations, records not yet analysed),
// over the alias table's products plus a long tail of others.

func benchProducts() []string {
	var ps []string
	for _, ts := range Aliases {
		ps = append(ps, ts...)
	}
	sort.Strings(ps)
	for i := 0; i < 3000; i++ {
		ps = append(ps, fmt.Sprintf("a:vendor%d:product%d", i%700, i))
	}
	return ps
}

func benchVersion(r *rand.Rand) string {
	return fmt.Sprintf("%d.%d.%d", r.IntN(12), r.IntN(20), r.IntN(60))
}

func benchCPE(triple, version string) string {
	return "cpe:2.3:" + triple + ":" + version + ":*:*:*:*:*:*:*"
}

// writeBenchFeed writes n records as one NVD feed file.
func writeBenchFeed(w io.Writer, n int, seed uint64) error {
	r := rand.New(rand.NewPCG(seed, 1))
	ps := benchProducts()
	if _, err := io.WriteString(w, `{"resultsPerPage":`+fmt.Sprint(n)+`,"format":"NVD_CVE","version":"2.0","vulnerabilities":[`); err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		if i > 0 {
			io.WriteString(w, ",")
		}
		// the alias table's products get one record in 30 (about 250 each at
		// 300,000, as PHP, Tomcat or httpd have in NVD)
		p := ps[r.IntN(len(ps))]
		if r.IntN(30) == 0 {
			p = ps[r.IntN(40)]
		}
		var cfg string
		switch k := r.IntN(20); {
		case k < 2: // not analysed yet
			cfg = `[]`
		case k < 12: // ranges
			var es []string
			for j := 0; j <= r.IntN(3); j++ {
				// a branch from its .0 to a fix, as NVD writes them; a
				// quarter with only an end bound
				branch := fmt.Sprintf("%d.%d", r.IntN(12), r.IntN(20))
				lo, hi := branch+".0", fmt.Sprintf("%s.%d", branch, 1+r.IntN(60))
				if r.IntN(4) == 0 {
					es = append(es, fmt.Sprintf(`{"vulnerable":true,"criteria":%q,"versionEndExcluding":%q}`, benchCPE(p, "*"), hi))
					continue
				}
				bounds := [][2]string{{"versionStartIncluding", "versionEndExcluding"}, {"versionStartExcluding", "versionEndIncluding"}}[r.IntN(2)]
				es = append(es, fmt.Sprintf(`{"vulnerable":true,"criteria":%q,%q:%q,%q:%q}`, benchCPE(p, "*"), bounds[0], lo, bounds[1], hi))
			}
			cfg = `[{"nodes":[{"operator":"OR","negate":false,"cpeMatch":[` + strings.Join(es, ",") + `]}]}]`
		case k < 17: // exact versions
			var es []string
			for j := 0; j < 3+r.IntN(8); j++ {
				es = append(es, fmt.Sprintf(`{"vulnerable":true,"criteria":%q}`, benchCPE(p, benchVersion(r))))
			}
			cfg = `[{"nodes":[{"operator":"OR","negate":false,"cpeMatch":[` + strings.Join(es, ",") + `]}]}]`
		default: // running on a platform
			cfg = fmt.Sprintf(`[{"operator":"AND","nodes":[{"operator":"OR","negate":false,"cpeMatch":[{"vulnerable":true,"criteria":%q,"versionEndExcluding":%q}]},{"operator":"OR","negate":false,"cpeMatch":[{"vulnerable":false,"criteria":%q}]}]}]`,
				benchCPE(p, "*"), benchVersion(r), benchCPE("o:microsoft:windows_server_2003", "-"))
		}
		if _, err := fmt.Fprintf(w, `{"cve":{"id":"CVE-2099-%07d","sourceIdentifier":"nvd@nist.gov","published":"2024-01-01T00:00:00.000","lastModified":"2024-06-01T00:00:00.000","vulnStatus":"Analyzed","descriptions":[{"lang":"en","value":"Generated record %d for the benchmark."}],"metrics":{"cvssMetricV31":[{"source":"nvd@nist.gov","type":"Primary","cvssData":{"version":"3.1","vectorString":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H","baseScore":9.8,"baseSeverity":"CRITICAL"}}]},"configurations":%s}}`, i, i, cfg); err != nil {
			return err
		}
	}
	_, err := io.WriteString(w, "]}")
	return err
}

// benchInventory gives systems × perSystem components, mostly named
// through the alias table, some by CPE of the long tail.
func benchInventory(systems, perSystem int, seed uint64) []Component {
	r := rand.New(rand.NewPCG(seed, 2))
	names := sortedKeys(Aliases)
	ps := benchProducts()
	var out []Component
	for s := 0; s < systems; s++ {
		for c := 0; c < perSystem; c++ {
			comp := Component{System: fmt.Sprintf("system-%05d", s), Name: names[r.IntN(len(names))], Version: benchVersion(r)}
			if r.IntN(4) == 0 {
				p := ps[r.IntN(len(ps))]
				comp.Name, comp.CPE = p, benchCPE(p, comp.Version)
			}
			out = append(out, comp)
		}
	}
	return out
}

// TestMatchBenchmark measures NVD-scale parsing and matching with
// KHIEN_VULN_BENCH=1 (300,000 records, 10,000 systems; see
// docs/benchmarks.md); without it, the same path runs at a small scale
// (3,000 records, 500 systems) and checks that it matches.
//
//	KHIEN_VULN_BENCH=1 go test -run TestMatchBenchmark -v ./internal/engine/vuln/
func TestMatchBenchmark(t *testing.T) {
	full := os.Getenv("KHIEN_VULN_BENCH") == "1"
	records, systems := 3_000, 500
	if full {
		records, systems = 300_000, 10_000
	}
	if n, err := strconv.Atoi(os.Getenv("KHIEN_VULN_BENCH_RECORDS")); err == nil {
		records = n
	}
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(writeBenchFeed(pw, records, 1)) }()
	var peak uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()
	start := time.Now()
	counted := 0
	counting := &countingReader{r: pr}
	recs, err := ReadNVD(counting)
	if err != nil {
		t.Fatal(err)
	}
	counted = len(recs)
	parse := time.Since(start)
	start = time.Now()
	ix := NewIndex(recs, nil, nil)
	index := time.Since(start)
	comps := benchInventory(systems, 5, 1)
	start = time.Now()
	hits, err := ix.Match(comps)
	if err != nil {
		t.Fatal(err)
	}
	match := time.Since(start)
	// an inventory change re-matches one system
	start = time.Now()
	if _, err := ix.Match(comps[:5]); err != nil {
		t.Fatal(err)
	}
	one := time.Since(start)
	close(stop)
	<-done
	t.Logf("parsed %d records (%.0f MB of JSON) in %v: %.0f records/s; peak heap in use %d MiB", counted, float64(counting.n)/1e6, parse.Round(time.Millisecond), float64(counted)/parse.Seconds(), peak>>20)
	t.Logf("index built in %v; matched %d components of %d systems in %v: %d matches; one system re-matched in %v",
		index.Round(time.Millisecond), len(comps), systems, match.Round(time.Millisecond), len(hits), one.Round(time.Microsecond))
	if counted != records || len(hits) == 0 {
		t.Errorf("read %d of %d records, %d matches: the generated feed and inventory must meet", counted, records, len(hits))
	}
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
