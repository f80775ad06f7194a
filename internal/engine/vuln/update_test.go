package vuln

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestUpdateAgreesWithNewIndex: an index updated in rounds (records
// added, replaced with other ranges, rejected, one given twice in a
// round) matches exactly as an index built from the final records, and
// its subsets give exactly its hits on their ids; the index it was
// updated from still matches as before.
func TestUpdateAgreesWithNewIndex(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	products := []string{"a:v:p", "a:v:q", "a:w:r"}
	ver := func() string { return fmt.Sprintf("%d.%d", 1+r.IntN(4), r.IntN(5)) }
	record := func(id int) Record {
		if r.IntN(8) == 0 {
			return nvdRecord(t, fmt.Sprintf("CVE-2000-%04d", id), "Rejected", "[]")
		}
		p := products[r.IntN(len(products))]
		cpe := "cpe:2.3:" + p + ":*:*:*:*:*:*:*:*"
		es := []string{entry(true, cpe, "si", ver(), "ee", ver())}
		if r.IntN(3) == 0 {
			es = append(es, entry(true, "cpe:2.3:"+p+":"+ver()+":*:*:*:*:*:*:*"))
		}
		cs := config("", node("OR", false, es...))
		if r.IntN(4) == 0 { // running on another product
			cs = config("AND", node("OR", false, es...), node("OR", false, entry(false, "cpe:2.3:"+products[r.IntN(len(products))]+":*:*:*:*:*:*:*:*")))
		}
		return nvdRecord(t, fmt.Sprintf("CVE-2000-%04d", id), "Analyzed", configs(cs))
	}
	var comps []Component
	for s := 0; s < 30; s++ {
		for j := 0; j < 2; j++ {
			p := products[r.IntN(len(products))]
			comps = append(comps, Component{System: fmt.Sprint(s), Name: p, Version: "x", CPE: "cpe:2.3:" + p + ":" + ver() + ":*:*:*:*:*:*:*"})
		}
	}
	lines := func(ix *Index, ids map[string]bool) []string {
		hits, err := ix.Match(comps)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, h := range hits {
			if ids == nil || ids[h.ID] {
				out = append(out, fmt.Sprintf("%d %s", h.Component, h.ID))
			}
		}
		slices.Sort(out)
		return out
	}
	final := map[int]Record{}
	var recs []Record
	for id := 0; id < 40; id++ {
		final[id] = record(id)
		recs = append(recs, final[id])
	}
	ix := NewIndex(recs, nil, nil)
	for round := 0; round < 5; round++ {
		before := lines(ix, nil)
		var batch []Record
		ids := map[string]bool{}
		for k := 0; k < 8; k++ {
			id := r.IntN(50)
			rec := record(id)
			batch = append(batch, rec)
			final[id] = rec
			ids[rec.ID] = true
		}
		dup := record(7)
		batch = append(batch, dup)
		final[7] = dup
		ids[dup.ID] = true
		nx := ix.Update(batch, nil)
		var all []Record
		for id := 0; id < 50; id++ {
			if rec, ok := final[id]; ok { // a copy: NewIndex links its criteria to it
				b, _ := json.Marshal(rec)
				var c Record
				if err := json.Unmarshal(b, &c); err != nil || c.Compile() != nil {
					t.Fatal(err)
				}
				all = append(all, c)
			}
		}
		want := lines(NewIndex(all, nil, nil), nil)
		if got := lines(nx, nil); !slices.Equal(got, want) {
			t.Fatalf("round %d: updated index\n%v\nbuilt from scratch\n%v", round, got, want)
		}
		if got, want := lines(nx.Subset(ids), nil), lines(nx, ids); !slices.Equal(got, want) {
			t.Fatalf("round %d: subset\n%v\nindex on those ids\n%v", round, got, want)
		}
		if got := lines(ix, nil); !slices.Equal(got, before) {
			t.Fatalf("round %d: the index updated from changed", round)
		}
		ix = nx
	}
}

// TestComponentKeysFindWhatMayMatch: a component is named by an index
// exactly when it shares a key with the index's keys, and every
// component with a hit is named, over components given by CPE (in any
// case, the 2.2 URI form, unreadable), by alias name (padded, upper-case,
// unknown) and by purl, against records "running on" a platform and OSV
// advisories, under the built-in and a custom alias table.
func TestComponentKeysFindWhatMayMatch(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	products := []string{"a:nginx:nginx", "a:php:php", "a:v:p", "o:microsoft:windows"}
	var recs []Record
	for id := 0; id < 12; id++ {
		p := products[r.IntN(3)]
		es := []string{entry(true, "cpe:2.3:"+p+":*:*:*:*:*:*:*:*", "ee", "5.0")}
		cs := config("", node("OR", false, es...))
		if r.IntN(3) == 0 {
			cs = config("AND", node("OR", false, es...), node("OR", false, entry(false, "cpe:2.3:o:microsoft:windows:*:*:*:*:*:*:*:*")))
		}
		recs = append(recs, nvdRecord(t, fmt.Sprintf("CVE-2001-%04d", id), "Analyzed", configs(cs)))
	}
	advs := []Advisory{osvRecord(t, "GHSA-aaaa-bbbb-cccc", "", pkgAffected("npm", "left-pad", rng("SEMVER", "introduced", "0", "fixed", "2.0.0"), ""))}
	names := []string{"nginx", " NGINX ", "php", "PHP", "apache", "unknown", "", "wordpress"}
	cpes := []string{"cpe:2.3:a:nginx:nginx:1.0:*:*:*:*:*:*:*", "CPE:2.3:A:PHP:PHP:4.0:*:*:*:*:*:*:*", "cpe:/a:v:p:1.0",
		"cpe:2.3:o:microsoft:windows:-:*:*:*:*:*:*:*", "cpe:2.3:a:other:thing:1:*:*:*:*:*:*:*", "not a cpe", "cpe:2.3:a:v"}
	purls := []string{"pkg:npm/left-pad@1.0.0", "pkg:npm/right-pad@1.0.0", "pkg:pypi/left-pad@1.0", "pkg:", "npm/left-pad"}
	for _, table := range []map[string][]string{nil, {"nginx": {"a:nginx:nginx"}, "my portal": {"a:v:p", "x"}, "PHP": {"a:php:php"}}} {
		ix := NewIndex(recs, advs, table)
		keys := map[string]bool{}
		for _, k := range ix.Keys() {
			keys[k] = true
		}
		for n := 0; n < 2000; n++ {
			c := Component{System: "s", Name: names[r.IntN(len(names))], Version: fmt.Sprintf("%d.0", r.IntN(7))}
			switch r.IntN(4) {
			case 0:
				c.CPE = cpes[r.IntN(len(cpes))]
			case 1:
				c.PURL = purls[r.IntN(len(purls))]
			case 2:
				c.CPE, c.PURL = cpes[r.IntN(len(cpes))], purls[r.IntN(len(purls))]
			}
			shared := false
			for _, k := range ComponentKeys(c) {
				shared = shared || keys[k]
			}
			if got := ix.Names(c); got != shared {
				t.Fatalf("%+v: Names %v, shares a key %v (component keys %v)", c, got, shared, ComponentKeys(c))
			}
			platform := Component{System: "s", Name: "windows", Version: "-", CPE: "cpe:2.3:o:microsoft:windows:-:*:*:*:*:*:*:*"}
			hits, err := ix.Match([]Component{c, platform})
			if err != nil {
				continue // an unreadable component: the feature matches without it
			}
			for _, h := range hits {
				if h.Component == 0 && !shared {
					t.Fatalf("%+v has hit %s but shares no key with the index", c, h.ID)
				}
			}
		}
	}
	// A few keys spelled out: the contract the feature's table stores.
	for _, tc := range []struct {
		c    Component
		want []string
	}{
		{Component{Name: " Nginx ", Version: "1"}, []string{"name:nginx"}},
		{Component{Name: "x", CPE: "cpe:2.3:A:Nginx:Nginx:1:*:*:*:*:*:*:*"}, []string{"cpe:a:nginx:nginx"}},
		{Component{Name: "x", PURL: "pkg:npm/left-pad@1.0.0"}, []string{"name:x", "purl:npm/left-pad"}},
		{Component{Name: "x", CPE: "garbage"}, nil},
		{Component{CPE: "cpe:2.3:a:v:p:1:*:*:*:*:*:*:*", PURL: "pkg:npm/a%25b%00c%FF@1"}, []string{"cpe:a:v:p", "purl:npm/a%25b%00c\uFFFD"}}, // ToLower writes U+FFFD for the byte that is not UTF-8
		{Component{}, nil},
	} {
		if got := ComponentKeys(tc.c); !slices.Equal(got, tc.want) {
			t.Errorf("ComponentKeys(%+v) = %q, want %q", tc.c, got, tc.want)
		}
	}
}
