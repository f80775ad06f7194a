package webscan

import (
	"strings"

	"golang.org/x/net/html"
)

// Matching a page's stylesheet rules to its elements, and the cascade
// (see visibility.go for what the result means).

// maxMatchSteps bounds the selector matching of one page; past it, the
// rest of the page is judged by its style attributes alone.
const maxMatchSteps = 5_000_000

// styleSet is a page's stylesheet rules, indexed by the key of their
// rightmost compound.
type styleSet struct {
	rules   []cssRule
	byID    map[string][]int32
	byClass map[string][]int32
	byTag   map[string][]int32
	any     []int32
	steps   int
	// read lists the sheets read, in order ("<style>" or a URL);
	// unread the same-site sheets that could not be, with why.
	read, unread []string
}

// newStyleSet puts sheets together in cascade order (each sheet's
// imports are already expanded before it by the caller).
func newStyleSet(sheets []*parsedSheet) *styleSet {
	ss := &styleSet{byID: map[string][]int32{}, byClass: map[string][]int32{}, byTag: map[string][]int32{}}
	for _, sh := range sheets {
		for _, r := range sh.rules {
			i := int32(len(ss.rules))
			r.order = len(ss.rules)
			ss.rules = append(ss.rules, r)
			last := r.sel[len(r.sel)-1]
			switch {
			case last.id != "":
				ss.byID[last.id] = append(ss.byID[last.id], i)
			case len(last.classes) > 0:
				ss.byClass[last.classes[0]] = append(ss.byClass[last.classes[0]], i)
			case last.tag != "" && last.tag != "*":
				ss.byTag[last.tag] = append(ss.byTag[last.tag], i)
			default:
				ss.any = append(ss.any, i)
			}
		}
	}
	return ss
}

// elemInfo is what selectors read of an element.
type elemInfo struct {
	tag, id string
	classes []string
}

func infoOf(n *html.Node) elemInfo {
	e := elemInfo{tag: n.Data}
	for _, a := range n.Attr {
		switch a.Key {
		case "id":
			e.id = a.Val
		case "class":
			e.classes = strings.Fields(a.Val)
		}
	}
	return e
}

func (c *compound) matches(e *elemInfo) bool {
	if c.tag != "" && c.tag != "*" && c.tag != e.tag {
		return false
	}
	if c.id != "" && c.id != e.id {
		return false
	}
	for _, want := range c.classes {
		found := false
		for _, have := range e.classes {
			if have == want {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// groupStart is the first compound of the child-combinator chain that
// ends at sel[hi].
func groupStart(sel []compound, hi int) int {
	lo := hi
	for lo > 0 && sel[lo].comb == '>' {
		lo--
	}
	return lo
}

// chainAt tells whether sel[lo..hi] (joined by child combinators) match
// the elements at stack[pos], stack[pos-1], …
func (ss *styleSet) chainAt(sel []compound, lo, hi int, stack []elemInfo, pos int) bool {
	for i := hi; i >= lo; i-- {
		ss.steps++
		if pos < 0 || !sel[i].matches(&stack[pos]) {
			return false
		}
		pos--
	}
	return true
}

// match tells whether sel matches the last element of stack (its
// ancestors before it). Each run of compounds joined by child combinators
// is matched at the nearest ancestor that fits, which is enough when the
// runs are joined by descendant combinators: a nearer match leaves more
// ancestors for the runs on its left.
func (ss *styleSet) match(sel []compound, stack []elemInfo) bool {
	hi := len(sel) - 1
	lo := groupStart(sel, hi)
	pos := len(stack) - 1
	if !ss.chainAt(sel, lo, hi, stack, pos) {
		return false
	}
	pos -= hi - lo + 1
	for lo > 0 {
		hi = lo - 1
		lo = groupStart(sel, hi)
		for ; ; pos-- {
			if pos-(hi-lo) < 0 || ss.steps > maxMatchSteps {
				return false
			}
			if ss.chainAt(sel, lo, hi, stack, pos) {
				break
			}
		}
		pos -= hi - lo + 1
	}
	return true
}

// The tiers of the cascade, lowest first.
const (
	tierBrowser = iota
	tierAttribute
	tierSheet
	tierStyleAttr
	tierSheetImportant
	tierStyleAttrImportant
)

// originKind says where a declaration came from.
type originKind uint8

const (
	originBrowser        originKind = iota // a default of the browser
	originHiddenAttr                       // the hidden attribute
	originPresentational                   // <font color>, bgcolor
	originRule                             // a stylesheet rule
	originStyleAttr                        // the style attribute
)

// declared is the winning declaration of one property of an element.
type declared struct {
	value       string
	set         bool
	tier        int
	specificity int
	order       int
	origin      originKind
	rule        *cssRule
	tag         string // the element, for presentational attributes
}

func (d *declared) offer(value string, tier, specificity, order int, origin originKind, rule *cssRule, tag string) {
	if d.set && (tier < d.tier || (tier == d.tier && (specificity < d.specificity || (specificity == d.specificity && order < d.order)))) {
		return
	}
	*d = declared{value: value, set: true, tier: tier, specificity: specificity, order: order, origin: origin, rule: rule, tag: tag}
}

// cascade gathers the winning declarations of one element.
type cascade [numProps]declared

func (c *cascade) offerAll(decls []cssDecl, tier, specificity, order int, origin originKind, rule *cssRule, tag string) {
	for _, d := range decls {
		t := tier
		if d.important {
			t += 2 // sheet → sheet !important, style attribute → style attribute !important
		}
		c[d.prop].offer(d.value, t, specificity, order, origin, rule, tag)
	}
}

// styled tells whether n declares anything itself: a style, the hidden
// attribute, a presentational colour, or a link's own colour.
func styled(n *html.Node) bool {
	if n.Data == "a" && hasAttr(n, "href") {
		return true
	}
	for _, a := range n.Attr {
		switch strings.ToLower(a.Key) {
		case "style", "hidden", "bgcolor":
			return true
		case "color":
			if n.Data == "font" {
				return true
			}
		}
	}
	return false
}

// candidates gathers the rules that may match the top of the stack (by
// the key of their rightmost compound) into s.cands.
func (s *styler) candidates() {
	s.cands = s.cands[:0]
	ss := s.ss
	if ss == nil || ss.steps > maxMatchSteps {
		return
	}
	e := &s.stack[len(s.stack)-1]
	cands := append(s.cands, ss.any...)
	if e.id != "" {
		cands = append(cands, ss.byID[e.id]...)
	}
	for i, cl := range e.classes {
		dup := false
		for _, prev := range e.classes[:i] {
			dup = dup || prev == cl
		}
		if !dup {
			cands = append(cands, ss.byClass[cl]...)
		}
	}
	cands = append(cands, ss.byTag[e.tag]...)
	s.cands = cands
}

// matchRules offers the declarations of the candidate rules that match
// the top of the stack.
func (s *styler) matchRules(c *cascade) {
	ss := s.ss
	for _, i := range s.cands {
		r := &ss.rules[i]
		ss.steps++
		if ss.steps > maxMatchSteps {
			return
		}
		if ss.match(r.sel, s.stack) {
			c.offerAll(r.decls, tierSheet, r.specificity, r.order, originRule, r, "")
		}
	}
}

func hasAttr(n *html.Node, key string) bool {
	for _, a := range n.Attr {
		if strings.EqualFold(a.Key, key) {
			return true
		}
	}
	return false
}
