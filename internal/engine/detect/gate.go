package detect

import "strings"

// gate is a rule's necessary condition over needle hits: it is checked
// after the prefilter scan and before the rule's condition, and costs a
// few array reads. A needle index hit in this scan reads nmark[i]==epoch.
type gate struct {
	op     uint8 // gateNeedle, gateAnd, gateOr
	needle int32
	kids   []gate
}

const (
	gateNeedle uint8 = iota
	gateAnd
	gateOr
)

func (g *gate) holds(nmark []uint32, epoch uint32) bool {
	switch g.op {
	case gateNeedle:
		return nmark[g.needle] == epoch
	case gateAnd:
		for i := range g.kids {
			if !g.kids[i].holds(nmark, epoch) {
				return false
			}
		}
		return true
	}
	for i := range g.kids {
		if g.kids[i].holds(nmark, epoch) {
			return true
		}
	}
	return false
}

// gateBuilder interns needles while building gates.
type gateBuilder struct {
	index map[needleRef]int32
	refs  []needleRef
}

func (b *gateBuilder) needle(n needleRef) int32 {
	id, ok := b.index[n]
	if !ok {
		id = int32(len(b.refs))
		b.index[n] = id
		b.refs = append(b.refs, n)
	}
	return id
}

// build answers the gate of a node; ok false means no constraint.
func (b *gateBuilder) build(n node) (gate, bool) {
	switch x := n.(type) {
	case andNode:
		var kids []gate
		for _, k := range x {
			if g, ok := b.build(k); ok {
				kids = append(kids, g)
			}
		}
		return collapse(gateAnd, kids)
	case orNode:
		var kids []gate
		for _, k := range x {
			g, ok := b.build(k)
			if !ok {
				return gate{}, false
			}
			kids = append(kids, g)
		}
		return collapse(gateOr, kids)
	case *fieldNode:
		if x.nullMissing {
			return gate{}, false
		}
		return b.tests(x.key, x.tests, x.all)
	case *keywordNode:
		return b.tests("", x.tests, x.all)
	}
	return gate{}, false
}

func (b *gateBuilder) tests(field string, tests []valueTest, all bool) (gate, bool) {
	var kids []gate
	for _, t := range tests {
		ns, ok := testNeedles(t)
		if !ok {
			if all {
				continue
			}
			return gate{}, false
		}
		var alts []gate
		for _, n := range ns {
			alts = append(alts, gate{op: gateNeedle, needle: b.needle(needleRef{field, strings.ToLower(n)})})
		}
		g, _ := collapse(gateOr, alts)
		kids = append(kids, g)
	}
	if all {
		return collapse(gateAnd, kids)
	}
	return collapse(gateOr, kids)
}

func collapse(op uint8, kids []gate) (gate, bool) {
	switch len(kids) {
	case 0:
		return gate{}, false
	case 1:
		return kids[0], true
	}
	return gate{op: op, kids: kids}, true
}
