package vuln

import (
	"maps"
	"strings"
)

// recKey identifies a record: its source and upper-cased id.
type recKey struct{ source, id string }

func keyOf(r *Record) recKey { return recKey{r.Source, strings.ToUpper(r.ID)} }

// Update returns an index of ix's feeds with records and advisories
// changed: each replaces the indexed record of the same source and id
// (the advisory of the same id), or is added; one that cannot match
// (rejected, unanalysed, withdrawn) only removes the one it replaces.
// Only the products and packages the old and new versions name are
// indexed again; ix is not changed and stays usable. The index keeps
// pointers into records and advisories: the caller must not change them
// afterwards.
func (ix *Index) Update(records []Record, advisories []Advisory) *Index {
	nx := &Index{byProduct: maps.Clone(ix.byProduct), products: maps.Clone(ix.products), byPackage: maps.Clone(ix.byPackage),
		aliases: ix.aliases, recs: ix.recs, advs: ix.advs, sources: ix.sources}
	if len(records) > 0 {
		nx.recs = maps.Clone(ix.recs)
		nx.sources = maps.Clone(ix.sources)
		removed := map[*Record]bool{}
		touched := map[string]bool{}
		added := map[string][]*Record{}
		for i := range records {
			r := &records[i]
			k := keyOf(r)
			if old := nx.recs[k]; old != nil {
				removed[old] = true
				eachCriterion(old, func(p string, _ *CPEMatch) { touched[p] = true })
				delete(nx.recs, k)
			}
			if !indexable(r) {
				continue
			}
			prepare(r)
			nx.recs[k] = r
			nx.sources[r.Source] = true
			seen := map[string]bool{}
			eachCriterion(r, func(p string, _ *CPEMatch) {
				touched[p] = true
				if !seen[p] {
					seen[p] = true
					added[p] = append(added[p], r)
				}
			})
		}
		for p := range touched {
			var list []*Record
			for _, r := range ix.byProduct[p] {
				if !removed[r] {
					list = append(list, r)
				}
			}
			for _, r := range added[p] { // a record given twice: the later one
				if !removed[r] {
					list = append(list, r)
				}
			}
			if len(list) == 0 {
				delete(nx.byProduct, p)
				delete(nx.products, p)
				continue
			}
			nx.byProduct[p] = list
			var es []*CPEMatch
			for _, r := range list {
				eachCriterion(r, func(k string, m *CPEMatch) {
					if k == p {
						es = append(es, m)
					}
				})
			}
			nx.products[p] = newProductIndex(es)
		}
	}
	if len(advisories) > 0 {
		nx.advs = maps.Clone(ix.advs)
		removed := map[*Advisory]bool{}
		touched := map[string]bool{}
		added := map[string][]*Advisory{}
		for i := range advisories {
			a := &advisories[i]
			if old := nx.advs[a.ID]; old != nil {
				removed[old] = true
				for p := range advisoryPackages(old) {
					touched[p] = true
				}
				delete(nx.advs, a.ID)
			}
			if a.Withdrawn != "" {
				continue
			}
			nx.advs[a.ID] = a
			for p := range advisoryPackages(a) {
				touched[p] = true
				added[p] = append(added[p], a)
			}
		}
		for p := range touched {
			var list []*Advisory
			for _, a := range ix.byPackage[p] {
				if !removed[a] {
					list = append(list, a)
				}
			}
			for _, a := range added[p] {
				if !removed[a] {
					list = append(list, a)
				}
			}
			if len(list) == 0 {
				delete(nx.byPackage, p)
			} else {
				nx.byPackage[p] = list
			}
		}
	}
	return nx
}

// Subset returns an index of the records of ix whose id, upper-cased,
// and the advisories whose id, as it is, is in ids (sharing them with
// ix): matching against it gives exactly the hits of ix on those ids.
func (ix *Index) Subset(ids map[string]bool) *Index {
	nx := &Index{byProduct: map[string][]*Record{}, byPackage: map[string][]*Advisory{}, aliases: ix.aliases,
		products: map[string]*productIndex{}, recs: map[recKey]*Record{}, advs: map[string]*Advisory{}, sources: ix.sources}
	entries := map[string][]*CPEMatch{}
	for id := range ids {
		for src := range ix.sources {
			k := recKey{src, strings.ToUpper(id)}
			if r := ix.recs[k]; r != nil && nx.recs[k] == nil {
				nx.recs[k] = r
				nx.addRecord(r, entries)
			}
		}
		if a := ix.advs[id]; a != nil && nx.advs[id] == nil {
			nx.advs[id] = a
			nx.addAdvisory(a)
		}
	}
	for k, es := range entries {
		nx.products[k] = newProductIndex(es)
	}
	return nx
}

// Names reports whether component c may match something in ix: a CPE
// name it is matched as names a product of ix's criteria, or its purl a
// package of ix's advisories. A component that cannot be read names
// nothing.
func (ix *Index) Names(c Component) bool {
	if c.CPE != "" {
		p, err := ParseCPE(c.CPE)
		if err != nil {
			return false
		}
		if ix.products[p.Key()] != nil {
			return true
		}
	} else {
		// as aliasCPEs names it: the table's part:vendor:product, lower-cased
		for _, t := range ix.aliases[strings.ToLower(strings.TrimSpace(c.Name))] {
			if strings.Count(t, ":") >= 2 && ix.products[strings.ToLower(t)] != nil {
				return true
			}
		}
	}
	if c.PURL == "" {
		return false
	}
	p, ok, err := parsePURL(c.PURL)
	return err == nil && ok && len(ix.byPackage[packageKey(p.ecosystem, p.name)]) > 0
}

// AdvisoriesNaming returns the ids of the indexed advisories assessed
// through one of the CVEs given (upper-cased): their own id or an alias.
func (ix *Index) AdvisoriesNaming(cves map[string]bool) []string {
	var out []string
	for id, a := range ix.advs {
		for _, c := range advisoryCVEs(a) {
			if cves[c] {
				out = append(out, id)
				break
			}
		}
	}
	return out
}

// advisoryCVEs are the CVE ids an OSV record is assessed through.
func advisoryCVEs(a *Advisory) []string {
	var out []string
	if strings.HasPrefix(strings.ToUpper(a.ID), "CVE-") {
		out = append(out, strings.ToUpper(a.ID))
	}
	for _, al := range a.Aliases {
		if strings.HasPrefix(strings.ToUpper(al), "CVE-") {
			out = append(out, strings.ToUpper(al))
		}
	}
	return out
}

// With returns an Assessor over a's feeds with records, KEV entries and
// EPSS scores changed (a is not changed). A record stands for its id
// unless the one already there comes from a source sorting after its own
// (so "nvd" before "cve5"), as in NewAssessor.
func (a *Assessor) With(records []Record, kev map[string]KEVEntry, epss map[string]EPSSScore) *Assessor {
	na := &Assessor{rules: a.rules, kev: a.kev, epss: a.epss, byID: a.byID}
	if len(records) > 0 {
		na.byID = maps.Clone(a.byID)
		for i := range records {
			na.put(&records[i])
		}
	}
	if len(kev) > 0 {
		na.kev = maps.Clone(a.kev)
		if na.kev == nil {
			na.kev = map[string]KEVEntry{}
		}
		maps.Copy(na.kev, kev)
	}
	if len(epss) > 0 {
		na.epss = maps.Clone(a.epss)
		if na.epss == nil {
			na.epss = map[string]EPSSScore{}
		}
		maps.Copy(na.epss, epss)
	}
	return na
}

func (a *Assessor) put(r *Record) {
	id := strings.ToUpper(r.ID)
	if cur := a.byID[id]; cur == nil || cur.Source <= r.Source {
		a.byID[id] = r
	}
}
