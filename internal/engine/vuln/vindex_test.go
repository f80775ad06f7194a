package vuln

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestProductIndexAgreesWithScan: the product index finds exactly the
// criteria a full scan finds, for random ranges, exact versions, "*" and
// "-", at and between the bounds.
func TestProductIndexAgreesWithScan(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	ver := func() string {
		return []string{"1.0", "1.0.0", "1.2", "1.2.3", "1.2.3-rc1", "1.10", "2.0", "2.0a", "2.0-beta", "0.9", "3"}[r.IntN(11)]
	}
	for round := 0; round < 200; round++ {
		var es []string
		for i := 0; i < 1+r.IntN(12); i++ {
			switch r.IntN(4) {
			case 0:
				es = append(es, entry(true, "cpe:2.3:a:v:p:"+ver()+":*:*:*:*:*:*:*"))
			case 1:
				es = append(es, entry(true, "cpe:2.3:a:v:p:"+[]string{"*", "-"}[r.IntN(2)]+":*:*:*:*:*:*:*"))
			default:
				var b []string
				for _, k := range []string{"si", "se", "ei", "ee"} {
					if r.IntN(3) == 0 {
						b = append(b, k, ver())
					}
				}
				if len(b) == 0 {
					b = []string{"ee", ver()}
				}
				es = append(es, entry(true, "cpe:2.3:a:v:p:*:*:*:*:*:*:*:*", b...))
			}
		}
		rec := nvdRecord(t, "CVE-1999-0001", "Analyzed", configs(config("", node("OR", false, es...))))
		ix := NewIndex([]Record{rec}, nil, nil)
		pi := ix.products.at("a:v:p")
		for _, v := range []string{"1.0", "1.2", "1.2.3", "1.2.3-rc1", "1.2.4", "1.10", "2.0", "2.0a", "0.1", "5", "-", ""} {
			c := parseVersion(v)
			n := named{cpe: CPE{"a", "v", "p", "*", "*", "*", "*", "*", "*", "*", "*"}, version: v, pv: c}
			want, got := map[*CPEMatch]bool{}, map[*CPEMatch]bool{}
			for i := range ix.byProduct.at("a:v:p")[0].Configurations[0].Nodes[0].Matches {
				m := &ix.byProduct.at("a:v:p")[0].Configurations[0].Nodes[0].Matches[i]
				if entryMatches(m, n) {
					want[m] = true
				}
			}
			pi.candidates(v, c, canonical(c), func(m *CPEMatch, versionOK bool) {
				if entryMatches(m, n) {
					got[m] = true
				} else if versionOK {
					t.Fatalf("version %q: the tree gave %+v, which does not admit it", v, m)
				}
			})
			if fmt.Sprint(len(got)) != fmt.Sprint(len(want)) {
				t.Fatalf("version %q: index found %d criteria, scan %d (%v)", v, len(got), len(want), es)
			}
		}
	}
}
