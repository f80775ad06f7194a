package vuln

import (
	"sort"
	"strconv"
	"strings"
)

// productIndex finds, for one part:vendor:product, the criteria that may
// match a version without trying them all: exact versions by their
// canonical form, ranges by a segment tree over the bounds' positions.
// Every candidate is still checked by entryMatches.
type productIndex struct {
	exact  map[string][]*CPEMatch
	other  []*CPEMatch // "*" without bounds
	dash   []*CPEMatch // "-" (not applicable): only a "-" component matches
	points []parsedVersion
	tree   [][]*CPEMatch // segment tree over coordinates 0..2*len(points)
	size   int
}

// canonical is a string equal for two versions exactly when they compare equal.
func canonical(v parsedVersion) string {
	var b strings.Builder
	b.WriteString(v.epoch)
	for _, t := range v.toks {
		b.WriteByte(byte('0' + t.kind))
		if t.kind == tokPre {
			b.WriteString(strconv.Itoa(t.rank))
		} else {
			b.WriteString(t.text)
		}
		b.WriteByte('.')
	}
	return b.String()
}

func hasBounds(m *CPEMatch) bool {
	return m.VersionStartIncluding != "" || m.VersionStartExcluding != "" || m.VersionEndIncluding != "" || m.VersionEndExcluding != ""
}

func newProductIndex(entries []*CPEMatch) *productIndex {
	pi := &productIndex{exact: map[string][]*CPEMatch{}}
	var ranged []*CPEMatch
	for _, m := range entries {
		switch v := m.name.cpe[cpeVersion]; {
		case v != "*" && v != "-":
			k := canonical(m.name.exact)
			pi.exact[k] = append(pi.exact[k], m)
		case v == "*" && hasBounds(m):
			ranged = append(ranged, m)
		case v == "-":
			pi.dash = append(pi.dash, m)
		default:
			pi.other = append(pi.other, m)
		}
	}
	if len(ranged) == 0 {
		return pi
	}
	for _, m := range ranged {
		for i, b := range []string{m.VersionStartIncluding, m.VersionStartExcluding, m.VersionEndIncluding, m.VersionEndExcluding} {
			if b != "" {
				pi.points = append(pi.points, m.bounds[i])
			}
		}
	}
	sort.Slice(pi.points, func(i, j int) bool { return compareParsed(pi.points[i], pi.points[j]) < 0 })
	uniq := pi.points[:1]
	for _, p := range pi.points[1:] {
		if compareParsed(uniq[len(uniq)-1], p) != 0 {
			uniq = append(uniq, p)
		}
	}
	pi.points = uniq
	pi.size = 2*len(pi.points) + 1
	pi.tree = make([][]*CPEMatch, 4*pi.size)
	for _, m := range ranged {
		lo, hi := 0, pi.size-1
		if m.VersionStartIncluding != "" {
			lo = 2*pi.pos(m.bounds[0]) + 1
		}
		if m.VersionStartExcluding != "" {
			lo = max(lo, 2*pi.pos(m.bounds[1])+2)
		}
		if m.VersionEndIncluding != "" {
			hi = 2*pi.pos(m.bounds[2]) + 1
		}
		if m.VersionEndExcluding != "" {
			hi = min(hi, 2*pi.pos(m.bounds[3]))
		}
		if lo <= hi {
			pi.insert(1, 0, pi.size-1, lo, hi, m)
		}
	}
	return pi
}

// pos is the index of a bound among the points (it is one of them).
func (pi *productIndex) pos(v parsedVersion) int {
	return sort.Search(len(pi.points), func(i int) bool { return compareParsed(pi.points[i], v) >= 0 })
}

// coord places a version: 2i+1 on point i, 2i in the gap before it.
func (pi *productIndex) coord(v parsedVersion) int {
	i := pi.pos(v)
	if i < len(pi.points) && compareParsed(pi.points[i], v) == 0 {
		return 2*i + 1
	}
	return 2 * i
}

func (pi *productIndex) insert(node, l, r, lo, hi int, m *CPEMatch) {
	if lo <= l && r <= hi {
		pi.tree[node] = append(pi.tree[node], m)
		return
	}
	mid := (l + r) / 2
	if lo <= mid {
		pi.insert(2*node, l, mid, lo, hi, m)
	}
	if hi > mid {
		pi.insert(2*node+1, mid+1, r, lo, hi, m)
	}
}

// candidates calls fn with every criterion that may match version v
// (raw is the version as given, canon its canonical form); versionOK
// tells that the criterion's version and bounds are known to admit v, so
// only its other attributes remain to check.
func (pi *productIndex) candidates(raw string, v parsedVersion, canon string, fn func(m *CPEMatch, versionOK bool)) {
	for _, m := range pi.other {
		fn(m, false)
	}
	if strings.TrimSpace(raw) == "-" {
		for _, m := range pi.dash {
			fn(m, false)
		}
		return
	}
	for _, m := range pi.exact[canon] {
		fn(m, false)
	}
	if t := strings.TrimSpace(raw); t == "" || t == "*" {
		return // a bounded range needs a version
	}
	if pi.size == 0 {
		return
	}
	c := pi.coord(v)
	node, l, r := 1, 0, pi.size-1
	for {
		for _, m := range pi.tree[node] {
			fn(m, true)
		}
		if l == r {
			return
		}
		mid := (l + r) / 2
		if c <= mid {
			node, r = 2*node, mid
		} else {
			node, l = 2*node+1, mid+1
		}
	}
}
