package vuln

import (
	"fmt"
	"maps"
	"sort"
	"strings"
	"unicode/utf8"
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
	nx := &Index{byProduct: ix.byProduct, products: ix.products, byPackage: ix.byPackage,
		aliases: ix.aliases, recs: ix.recs, advs: ix.advs, sources: ix.sources}
	if len(records) > 0 {
		nx.byProduct, nx.products, nx.recs = ix.byProduct.next(), ix.products.next(), ix.recs.next()
		nx.sources = maps.Clone(ix.sources)
		removed := map[*Record]bool{}
		touched := map[string]bool{}
		added := map[string][]*Record{}
		for i := range records {
			r := &records[i]
			k := keyOf(r)
			if old := nx.recs.at(k); old != nil {
				removed[old] = true
				eachCriterion(old, func(p string, _ *CPEMatch) { touched[p] = true })
				nx.recs.del(k)
			}
			if !indexable(r) {
				continue
			}
			prepare(r)
			nx.recs.set(k, r)
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
			for _, r := range ix.byProduct.at(p) {
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
				nx.byProduct.del(p)
				nx.products.del(p)
				continue
			}
			nx.byProduct.set(p, list)
			var es []*CPEMatch
			for _, r := range list {
				eachCriterion(r, func(k string, m *CPEMatch) {
					if k == p {
						es = append(es, m)
					}
				})
			}
			nx.products.set(p, newProductIndex(es))
		}
		nx.byProduct.settle()
		nx.products.settle()
		nx.recs.settle()
	}
	if len(advisories) > 0 {
		nx.byPackage, nx.advs = ix.byPackage.next(), ix.advs.next()
		removed := map[*Advisory]bool{}
		touched := map[string]bool{}
		added := map[string][]*Advisory{}
		for i := range advisories {
			a := &advisories[i]
			if old := nx.advs.at(a.ID); old != nil {
				removed[old] = true
				for p := range advisoryPackages(old) {
					touched[p] = true
				}
				nx.advs.del(a.ID)
			}
			if a.Withdrawn != "" {
				continue
			}
			nx.advs.set(a.ID, a)
			for p := range advisoryPackages(a) {
				touched[p] = true
				added[p] = append(added[p], a)
			}
		}
		for p := range touched {
			var list []*Advisory
			for _, a := range ix.byPackage.at(p) {
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
				nx.byPackage.del(p)
			} else {
				nx.byPackage.set(p, list)
			}
		}
		nx.byPackage.settle()
		nx.advs.settle()
	}
	return nx
}

// WithAliases returns an index of ix's records that reads component
// names through table (nil: Aliases) instead of ix's alias table; the
// records and their indexes are shared, as the table is only read when a
// component is matched.
func (ix *Index) WithAliases(table map[string][]string) *Index {
	if table == nil {
		table = Aliases
	}
	nx := *ix
	nx.aliases = table
	return &nx
}

// Subset returns an index of the records of ix whose id, upper-cased,
// and the advisories whose id, as it is, is in ids (sharing them with
// ix): matching against it gives exactly the hits of ix on those ids.
func (ix *Index) Subset(ids map[string]bool) *Index {
	b := newIndexBuild()
	b.sources = ix.sources
	for id := range ids {
		for src := range ix.sources {
			k := recKey{src, strings.ToUpper(id)}
			if r := ix.recs.at(k); r != nil && b.recs[k] == nil {
				b.recs[k] = r
				b.addRecord(r)
			}
		}
		if a := ix.advs.at(id); a != nil && b.advs[id] == nil {
			b.advs[id] = a
			b.addAdvisory(a)
		}
	}
	return b.index(ix.aliases)
}

// Names reports whether component c may match something in ix: a CPE
// name it is matched as names a product of ix's criteria, or its purl a
// package of ix's advisories. A component that cannot be read names
// nothing. It is true exactly when c shares one of ComponentKeys(c) with
// ix.Keys().
func (ix *Index) Names(c Component) bool {
	for _, k := range componentNames(c) {
		if ix.hasName(k) {
			return true
		}
	}
	return false
}

// componentName is one name a component is looked up by: its kind
// ("cpe", "name" or "purl") and the index's own form of it.
type componentName struct{ kind, value string }

// componentNames are the names Match looks a component up by: the
// part:vendor:product of its CPE name, or, without one, its name as the
// alias table is read (trimmed, lower-cased); and its purl's package.
// What cannot be read gives nothing.
func componentNames(c Component) []componentName {
	var out []componentName
	if c.CPE != "" {
		if p, err := ParseCPE(c.CPE); err == nil {
			out = append(out, componentName{"cpe", p.Key()})
		}
	} else if n := strings.ToLower(strings.TrimSpace(c.Name)); n != "" {
		out = append(out, componentName{"name", n})
	}
	if c.PURL != "" {
		if p, ok, err := parsePURL(c.PURL); err == nil && ok {
			out = append(out, componentName{"purl", packageKey(p.ecosystem, p.name)})
		}
	}
	return out
}

// ComponentKeys are the names a component is looked up by, as text to
// store: "cpe:" and the part:vendor:product of its CPE name, or, without
// one, "name:" and its name as the alias table is read (trimmed,
// lower-cased); and "purl:", the package's ecosystem, "/" and its name.
// '%', NUL and bytes that are not UTF-8 are written %XX, so a key is
// valid text for any database. What cannot be read gives no key. A store
// of these keys by system finds the systems an index's records may
// concern (see Keys) without reading every component.
func ComponentKeys(c Component) []string {
	var out []string
	for _, n := range componentNames(c) {
		out = append(out, n.key())
	}
	return out
}

// key is the name as ComponentKeys writes it.
func (n componentName) key() string {
	v := n.value
	if n.kind == "purl" {
		v = strings.Replace(v, "\x00", "/", 1) // packageKey's separator
	}
	return n.kind + ":" + keyText(v)
}

// keyText writes '%', NUL and bytes that are not UTF-8 as %XX.
func keyText(s string) string {
	if utf8.ValidString(s) && !strings.ContainsAny(s, "%\x00") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == '%' || r == 0 || (r == utf8.RuneError && size == 1) {
			fmt.Fprintf(&b, "%%%02X", s[i])
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// Keys are the component keys (see ComponentKeys) that name something of
// ix: its criteria's products, the alias names that lead to one of them,
// and its advisories' packages; sorted.
func (ix *Index) Keys() []string {
	var out []string
	ix.products.each(func(p string, _ *productIndex) {
		out = append(out, componentName{"cpe", p}.key())
	})
	for name := range ix.aliases {
		if n := (componentName{"name", name}); ix.hasName(n) {
			out = append(out, n.key())
		}
	}
	ix.byPackage.each(func(p string, list []*Advisory) {
		if len(list) > 0 {
			out = append(out, componentName{"purl", p}.key())
		}
	})
	sort.Strings(out)
	return out
}

// hasName reports whether a component's name n names something of ix.
func (ix *Index) hasName(n componentName) bool {
	switch n.kind {
	case "cpe":
		return ix.products.at(n.value) != nil
	case "name":
		// as aliasCPEs names it: the table's part:vendor:product, lower-cased
		for _, t := range ix.aliases[n.value] {
			if strings.Count(t, ":") >= 2 && ix.products.at(strings.ToLower(t)) != nil {
				return true
			}
		}
	case "purl":
		return len(ix.byPackage.at(n.value)) > 0
	}
	return false
}

// AdvisoriesNaming returns the ids of the indexed advisories assessed
// through one of the CVEs given (upper-cased): their own id or an alias.
func (ix *Index) AdvisoriesNaming(cves map[string]bool) []string {
	var out []string
	ix.advs.each(func(id string, a *Advisory) {
		for _, c := range advisoryCVEs(a) {
			if cves[c] {
				out = append(out, id)
				break
			}
		}
	})
	sort.Strings(out)
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
		na.byID = a.byID.next()
		for i := range records {
			r := &records[i]
			id := strings.ToUpper(r.ID)
			if cur := na.byID.at(id); cur == nil || cur.Source <= r.Source {
				na.byID.set(id, r)
			}
		}
		na.byID.settle()
	}
	if len(kev) > 0 {
		na.kev = a.kev.next()
		for k, v := range kev {
			na.kev.set(k, v)
		}
		na.kev.settle()
	}
	if len(epss) > 0 {
		na.epss = a.epss.next()
		for k, v := range epss {
			na.epss.set(k, v)
		}
		na.epss.settle()
	}
	return na
}
