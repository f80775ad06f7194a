package vuln

import (
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync"
)

// Component is one piece of software of a system, as an inventory lists it.
type Component struct {
	System  string `json:"system"`
	Name    string `json:"name"`
	Version string `json:"version"`
	CPE     string `json:"cpe,omitempty"`
	PURL    string `json:"purl,omitempty"`
}

// Hit is one (component, record) match before priority is added.
type Hit struct {
	// Component is the index of the matched component in the slice given to Match.
	Component int
	// ID is the NVD CVE id or the OSV id.
	ID string
	// Record or Advisory is the matched entry.
	Record   *Record
	Advisory *Advisory
}

// Index holds feeds ready for matching. An Index is never changed once
// built (Update returns a new one, sharing what did not change), so it
// may be shared between goroutines.
type Index struct {
	byProduct *layered[string, []*Record]
	products  *layered[string, *productIndex]
	byPackage *layered[string, []*Advisory]
	aliases   map[string][]string
	// the indexed records by source and upper-cased id, the indexed
	// advisories by id: what Update replaces
	recs    *layered[recKey, *Record]
	advs    *layered[string, *Advisory]
	sources map[string]bool // the sources of recs
}

// indexBuild collects an index's maps before they are layered.
type indexBuild struct {
	byProduct map[string][]*Record
	entries   map[string][]*CPEMatch
	byPackage map[string][]*Advisory
	recs      map[recKey]*Record
	advs      map[string]*Advisory
	sources   map[string]bool
}

func newIndexBuild() *indexBuild {
	return &indexBuild{byProduct: map[string][]*Record{}, entries: map[string][]*CPEMatch{}, byPackage: map[string][]*Advisory{},
		recs: map[recKey]*Record{}, advs: map[string]*Advisory{}, sources: map[string]bool{}}
}

// index makes the Index of what b collected.
func (b *indexBuild) index(aliases map[string][]string) *Index {
	products := make(map[string]*productIndex, len(b.entries))
	keys := make([]string, 0, len(b.entries))
	for k := range b.entries {
		keys = append(keys, k)
	}
	// Each product's index is built on its own, on every CPU.
	built := make([]*productIndex, len(keys))
	var wg sync.WaitGroup
	workers := min(runtime.GOMAXPROCS(0), len(keys)/256+1)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(keys); i += workers {
				built[i] = newProductIndex(b.entries[keys[i]])
			}
		}()
	}
	wg.Wait()
	for i, k := range keys {
		products[k] = built[i]
	}
	return &Index{byProduct: layer(b.byProduct), products: layer(products), byPackage: layer(b.byPackage), aliases: aliases,
		recs: layer(b.recs), advs: layer(b.advs), sources: b.sources}
}

// NewIndex indexes records by the part:vendor:product of their criteria
// and OSV records by ecosystem and package. aliases is the name → CPE
// table (nil for Aliases). Withdrawn OSV records and rejected or
// unanalysed NVD records are left out: they match nothing.
func NewIndex(records []Record, advisories []Advisory, aliases map[string][]string) *Index {
	if aliases == nil {
		aliases = Aliases
	}
	b := newIndexBuild()
	for i := range records {
		r := &records[i]
		if !indexable(r) {
			continue
		}
		prepare(r)
		b.recs[keyOf(r)] = r
		b.sources[r.Source] = true
		b.addRecord(r)
	}
	for i := range advisories {
		a := &advisories[i]
		if a.Withdrawn != "" {
			continue
		}
		b.advs[a.ID] = a
		b.addAdvisory(a)
	}
	return b.index(aliases)
}

// addRecord files an indexed record under each product its criteria
// name, and its criteria in entries.
func (b *indexBuild) addRecord(r *Record) {
	keys := map[string]bool{}
	eachCriterion(r, func(k string, m *CPEMatch) {
		keys[k] = true
		b.entries[k] = append(b.entries[k], m)
	})
	for k := range keys {
		b.byProduct[k] = append(b.byProduct[k], r)
	}
}

func (b *indexBuild) addAdvisory(a *Advisory) {
	for k := range advisoryPackages(a) {
		b.byPackage[k] = append(b.byPackage[k], a)
	}
}

func advisoryPackages(a *Advisory) map[string]bool {
	keys := map[string]bool{}
	for _, af := range a.Affected {
		keys[packageKey(af.Package.Ecosystem, af.Package.Name)] = true
	}
	return keys
}

// indexable tells a record that can match: analysed and not rejected.
func indexable(r *Record) bool {
	return !strings.EqualFold(r.Status, "Rejected") && len(r.Configurations) > 0
}

// prepare notes the record's shape and links its criteria to it.
func prepare(r *Record) {
	c0 := r.Configurations[0]
	r.simple = len(r.Configurations) == 1 && !c0.Negate && len(c0.Nodes) == 1 && !c0.Nodes[0].Negate &&
		len(c0.Nodes[0].Children) == 0 && !strings.EqualFold(c0.Nodes[0].Operator, "AND")
	eachCriterion(r, func(_ string, m *CPEMatch) { m.rec = r })
}

// eachCriterion calls fn with every criterion of r and its product key.
func eachCriterion(r *Record, fn func(k string, m *CPEMatch)) {
	var walk func(nodes []Node)
	walk = func(nodes []Node) {
		for ni := range nodes {
			n := &nodes[ni]
			for mi := range n.Matches {
				fn(n.Matches[mi].name.key, &n.Matches[mi])
			}
			walk(n.Children)
		}
	}
	for ci := range r.Configurations {
		walk(r.Configurations[ci].Nodes)
	}
}

// named is one CPE name a component is matched as.
type named struct {
	comp    int
	cpe     CPE
	version string
	pv      parsedVersion
	canon   string // canonical(pv)
}

// Match returns every (component, record) match, each once, ordered by
// component then id. Components are grouped by System: a running-on
// platform is satisfied by another component of the same system. A
// component whose CPE or purl cannot be read is an error naming it.
func (ix *Index) Match(comps []Component) ([]Hit, error) {
	bySystem := map[string][]named{}
	var systems []string
	var hits []Hit
	for i, c := range comps {
		names, err := ix.namesOf(i, c)
		if err != nil {
			return nil, err
		}
		if _, ok := bySystem[c.System]; !ok {
			systems = append(systems, c.System)
		}
		bySystem[c.System] = append(bySystem[c.System], names...)
		if c.PURL != "" {
			h, err := ix.matchOSV(i, c)
			if err != nil {
				return nil, err
			}
			hits = append(hits, h...)
		}
	}
	for _, s := range systems {
		hits = append(hits, ix.matchSystem(bySystem[s])...)
	}
	// By component and id; of two records with one id (an NVD record and
	// its CVE JSON 5 copy), the one whose source sorts last first.
	sort.Slice(hits, func(a, b int) bool {
		if hits[a].Component != hits[b].Component {
			return hits[a].Component < hits[b].Component
		}
		if hits[a].ID != hits[b].ID {
			return hits[a].ID < hits[b].ID
		}
		return hitSource(hits[a]) > hitSource(hits[b])
	})
	return hits, nil
}

// hitSource is the source of a hit's record ("" for an OSV record).
func hitSource(h Hit) string {
	if h.Record != nil {
		return h.Record.Source
	}
	return ""
}

func (ix *Index) namesOf(i int, c Component) ([]named, error) {
	if c.CPE != "" {
		p, err := ParseCPE(c.CPE)
		if err != nil {
			return nil, fmt.Errorf("inventory entry %d (%s %s): %w", i+1, c.System, c.Name, err)
		}
		v := p[cpeVersion]
		if v == "*" || v == "" {
			v = c.Version
		}
		pv := parseVersion(v)
		return []named{{comp: i, cpe: p, version: v, pv: pv, canon: canonical(pv)}}, nil
	}
	var out []named
	pv := parseVersion(c.Version)
	canon := canonical(pv)
	for _, p := range aliasCPEs(ix.aliases, c.Name) {
		out = append(out, named{comp: i, cpe: p, version: c.Version, pv: pv, canon: canon})
	}
	return out, nil
}

func (ix *Index) matchOSV(i int, c Component) ([]Hit, error) {
	p, ok, err := parsePURL(c.PURL)
	if err != nil {
		return nil, fmt.Errorf("inventory entry %d (%s %s): %w", i+1, c.System, c.Name, err)
	}
	if !ok {
		return nil, nil
	}
	v := p.version
	if v == "" {
		v = c.Version
	}
	if v == "" {
		return nil, nil
	}
	var hits []Hit
	key := packageKey(p.ecosystem, p.name)
	for _, a := range ix.byPackage.at(key) {
		for _, af := range a.Affected {
			if packageKey(af.Package.Ecosystem, af.Package.Name) == key && osvAffects(af, v) {
				hits = append(hits, Hit{Component: i, ID: a.ID, Advisory: a})
				break
			}
		}
	}
	return hits, nil
}

// matched holds, for one system, the components each criterion matches.
type matched map[*CPEMatch][]int

// matchSystem finds the criteria the system's components match through
// the product indexes, then evaluates only the records owning one of them
// (a record with no matched criterion cannot report anything).
func (ix *Index) matchSystem(names []named) []Hit {
	hit := matched{}
	var recs []*Record
	seen := map[*Record]bool{}
	type pair struct {
		r    *Record
		comp int
	}
	simple := map[pair]bool{}
	var hits []Hit
	for _, n := range names {
		pi := ix.products.at(n.cpe.Key())
		if pi == nil {
			continue
		}
		pi.candidates(n.version, n.pv, n.canon, func(m *CPEMatch, versionOK bool) {
			if versionOK && !attrsMatch(m, n) || !versionOK && !entryMatches(m, n) {
				return
			}
			r := m.rec
			if r.simple {
				if k := (pair{r, n.comp}); m.Vulnerable && !simple[k] {
					simple[k] = true
					hits = append(hits, Hit{Component: n.comp, ID: r.ID, Record: r})
				}
				return
			}
			if l := hit[m]; len(l) == 0 || l[len(l)-1] != n.comp {
				hit[m] = append(l, n.comp)
			}
			if !seen[r] {
				seen[r] = true
				recs = append(recs, r)
			}
		})
	}
	for _, r := range recs {
		for _, comp := range recordHits(r, hit) {
			hits = append(hits, Hit{Component: comp, ID: r.ID, Record: r})
		}
	}
	return hits
}

// recordHits returns the components a record reports for a system (each
// once, in order): those matching a vulnerable entry of a true,
// non-negated node of a true configuration.
func recordHits(r *Record, hit matched) []int {
	report := map[int]bool{}
	for _, c := range r.Configurations {
		if !configTrue(c, hit) {
			continue
		}
		for _, n := range c.Nodes {
			collectVulnerable(n, hit, report)
		}
	}
	out := make([]int, 0, len(report))
	for c := range report {
		out = append(out, c)
	}
	sort.Ints(out)
	return out
}

func configTrue(c Configuration, hit matched) bool {
	and := strings.EqualFold(c.Operator, "AND")
	v := and
	for _, n := range c.Nodes {
		t := nodeTrue(n, hit)
		if and && !t {
			v = false
			break
		}
		if !and && t {
			v = true
			break
		}
	}
	if len(c.Nodes) == 0 {
		v = false
	}
	return v != c.Negate
}

func nodeTrue(n Node, hit matched) bool {
	and := strings.EqualFold(n.Operator, "AND")
	v := and
	operands := 0
	for i := range n.Matches {
		operands++
		t := len(hit[&n.Matches[i]]) > 0
		if and && !t {
			v = false
			break
		}
		if !and && t {
			v = true
			break
		}
	}
	for _, ch := range n.Children {
		operands++
		t := nodeTrue(ch, hit)
		if and && !t {
			v = false
			break
		}
		if !and && t {
			v = true
			break
		}
	}
	if operands == 0 {
		v = false
	}
	return v != n.Negate
}

func collectVulnerable(n Node, hit matched, report map[int]bool) {
	if n.Negate || !nodeTrue(n, hit) {
		return
	}
	for i := range n.Matches {
		if n.Matches[i].Vulnerable {
			for _, c := range hit[&n.Matches[i]] {
				report[c] = true
			}
		}
	}
	for _, ch := range n.Children {
		collectVulnerable(ch, hit, report)
	}
}

// entryMatches applies one criterion to one CPE name of a component.
func entryMatches(m *CPEMatch, nm named) bool {
	c := &m.name.cpe
	for _, f := range []int{cpePart, cpeVendor, cpeProduct} {
		if c[f] != nm.cpe[f] {
			return false
		}
	}
	return attrsMatch(m, nm) && versionMatches(m, nm)
}

// attrsMatch checks every attribute after the version.
func attrsMatch(m *CPEMatch, nm named) bool {
	for f := cpeUpdate; f < cpeFields; f++ {
		if !attrMatches(m.name.cpe[f], nm.cpe[f]) {
			return false
		}
	}
	return true
}

func versionMatches(m *CPEMatch, nm named) bool {
	cv := m.name.cpe[cpeVersion]
	comp := strings.TrimSpace(nm.version)
	bounded := m.VersionStartIncluding != "" || m.VersionStartExcluding != "" || m.VersionEndIncluding != "" || m.VersionEndExcluding != ""
	switch cv {
	case "-":
		return comp == "-"
	case "*":
		if !bounded {
			return true
		}
	}
	if comp == "" || comp == "-" || comp == "*" {
		return false
	}
	if cv != "*" && compareParsed(nm.pv, m.name.exact) != 0 {
		return false
	}
	return withinBounds(m, nm.pv)
}

func withinBounds(m *CPEMatch, v parsedVersion) bool {
	b := m.bounds // not nil when a bound is set, the only case it is read
	switch {
	case m.VersionStartIncluding != "" && compareParsed(v, b[0]) < 0,
		m.VersionStartExcluding != "" && compareParsed(v, b[1]) <= 0,
		m.VersionEndIncluding != "" && compareParsed(v, b[2]) > 0,
		m.VersionEndExcluding != "" && compareParsed(v, b[3]) >= 0:
		return false
	}
	return true
}
