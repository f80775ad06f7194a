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
