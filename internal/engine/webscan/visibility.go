package webscan

import (
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/net/html"
)

// Which parts of a page a visitor cannot see, from the page's own
// stylesheets (css.go) and style attributes. The cascade is kept simple:
// for each property the declaration that wins is the one of the highest
// tier — the browser's defaults (a link's colour, the hidden attribute's
// display:none), then presentational attributes (<font color>, bgcolor),
// then stylesheet rules, then the style attribute, then stylesheet rules
// marked !important, then !important in the style attribute — then of
// the highest specificity, then the last written.
//
// An element hides itself and everything in it by display:none,
// content-visibility:hidden, opacity 0, an off-screen position (left, top,
// margin-left or margin-top of -999px or less, or a translate that far),
// text-indent of -999px or less, a width or height of 1px or less with
// overflow other than visible, a clip or clip-path that leaves nothing,
// or scale(0). Three inherited properties hide text until a descendant
// sets them back: visibility:hidden, a font size of 1px or less, and a
// colour equal (or nearly: nearColour) to the background, or transparent.
// Hiding on <html> or <body>, and a colour inherited from them, are not
// counted: a page hidden as a whole is a loading or anti-framing trick,
// and a page whose whole text matches its background has a background the
// scanner cannot see (an image).

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

// hideReason is how an element or its text is hidden: the declaration(s)
// and where they come from.
type hideReason struct {
	decl      string // "display:none", "width:1px; overflow:hidden"
	origin    originKind
	rule      *cssRule
	tag       string
	bg        string // for a colour: the background it matches
	bgDefault bool   // that background is the page's default white
}

func reasonOf(d *declared, decl string) *hideReason {
	return &hideReason{decl: decl, origin: d.origin, rule: d.rule, tag: d.tag}
}

// selectorVI and selectorEN name a rule's selector: a class, an id, a tag
// or the whole selector.
func (h *hideReason) selectorNames() (vi, en string) {
	s := h.rule.sel
	if len(s) == 1 {
		c := s[0]
		switch {
		case c.tag == "" && c.id == "" && len(c.classes) == 1:
			return "lớp ." + c.classes[0], "class ." + c.classes[0]
		case c.tag == "" && c.id != "" && len(c.classes) == 0:
			return "định danh #" + c.id, "id #" + c.id
		case c.tag != "" && c.tag != "*" && c.id == "" && len(c.classes) == 0:
			return "thẻ <" + c.tag + ">", "tag <" + c.tag + ">"
		}
	}
	t := shorten(h.rule.text, 80)
	return fmt.Sprintf("bộ chọn %q", t), fmt.Sprintf("selector %q", t)
}

// texts say how the element is hidden, in Vietnamese and English:
// "ẩn bằng lớp .x trong <style>: display:none" / "hidden by class .x in
// <style>: display:none".
func (h *hideReason) texts() (vi, en string) {
	switch h.origin {
	case originHiddenAttr:
		vi, en = "ẩn bằng thuộc tính hidden", "hidden by the hidden attribute"
	case originPresentational:
		vi = fmt.Sprintf("ẩn bằng thuộc tính của thẻ <%s>: %s", h.tag, h.decl)
		en = fmt.Sprintf("hidden by an attribute of <%s>: %s", h.tag, h.decl)
	case originRule:
		sv, se := h.selectorNames()
		vi = fmt.Sprintf("ẩn bằng %s trong %s: %s", sv, h.rule.source, h.decl)
		en = fmt.Sprintf("hidden by %s in %s: %s", se, h.rule.source, h.decl)
	case originBrowser:
		vi, en = "ẩn theo mặc định của trình duyệt: "+h.decl, "hidden by the browser's default: "+h.decl
	default:
		vi, en = "ẩn bằng thuộc tính style: "+h.decl, "hidden by its style attribute: "+h.decl
	}
	if h.bg != "" {
		vi += " trên nền " + h.bg
		en += " on a " + h.bg + " background"
		if h.bgDefault {
			vi += " (nền trắng mặc định)"
			en += " (the default white)"
		}
	}
	return vi, en
}

// visState is what an element passes on to its children.
type visState struct {
	box   *hideReason // the outermost element hiding it with all it holds (nil: none)
	text  *hideReason // its text is hidden by an inherited property (nil: not)
	block int         // the hidden block it is in (0: visible)

	visibilityHidden bool
	visReason        *hideReason
	fontPx           float64
	fontReason       *hideReason
	color            rgba
	colorKnown       bool
	colorFromRoot    bool // inherited from <html> or <body>, or the default
	colorDecl        *declared
	bg               rgba
	bgKnown          bool
	bgDefault        bool
}

// rootState is the state above <html>: black text on the default white.
func rootState() visState {
	return visState{fontPx: basePx, color: rgba{0, 0, 0, 1}, colorKnown: true, colorFromRoot: true,
		bg: rgba{255, 255, 255, 1}, bgKnown: true, bgDefault: true}
}

// styler computes each element's state during a walk of the page.
type styler struct {
	ss     *styleSet // nil: style attributes only
	stack  []elemInfo
	blocks []*hideReason // by block number − 1
	cands  []int32
	tally  linkTally // the text of the link being walked
}

// linkTally counts a link's visible and hidden text.
type linkTally struct{ shown, hidden, block int }

// linkText counts one text node of the current link, in state st.
func (s *styler) linkText(st visState) {
	if st.block == 0 {
		s.tally.shown++
		return
	}
	s.tally.hidden++
	if s.tally.block == 0 {
		s.tally.block = st.block
	}
}

// settleLink decides whether a link (whose element is in state st) is
// hidden: with its element when that hides all it holds, else when all
// its text is hidden, else (a link without text) by its element's state.
func (s *styler) settleLink(l *pageLink, st visState) {
	t := s.tally
	s.tally = linkTally{}
	switch {
	case st.box != nil:
	case t.shown > 0:
		l.hidden, l.block = false, 0
	case t.hidden > 0:
		l.hidden, l.block = true, t.block
	}
}

// enter computes n's state from its parent's and pushes n on the
// ancestor stack (leave pops it).
func (s *styler) enter(n *html.Node, parent visState) visState {
	var info elemInfo
	if s.ss != nil {
		info = infoOf(n)
	}
	s.stack = append(s.stack, info)
	if parent.box != nil {
		return parent // all it holds is hidden with it
	}
	s.candidates()
	if len(s.cands) == 0 && !styled(n) {
		return parent // nothing declared: it inherits all, and hides nothing more
	}
	var c cascade
	s.declare(n, &c)
	st := parent
	root := n.Data == "html" || n.Data == "body"
	s.inherit(&c, &st, root)
	if root {
		st.text, st.block = nil, 0
		return st
	}
	if r := boxHidden(&c); r != nil {
		st.box, st.text = r, nil
		st.block = s.newBlock(r)
		return st
	}
	r := s.textHidden(&st)
	switch {
	case r == nil:
		st.text, st.block = nil, 0
	case parent.text == nil:
		st.text, st.block = r, s.newBlock(r)
	}
	return st
}

func (s *styler) leave() { s.stack = s.stack[:len(s.stack)-1] }

func (s *styler) newBlock(r *hideReason) int {
	s.blocks = append(s.blocks, r)
	return len(s.blocks)
}

// declare gathers the declarations that apply to n.
func (s *styler) declare(n *html.Node, c *cascade) {
	if n.Data == "a" && hasAttr(n, "href") {
		c[propColor].offer("#0000ee", tierBrowser, 0, 0, originBrowser, nil, "")
	}
	for _, a := range n.Attr {
		switch strings.ToLower(a.Key) {
		case "hidden":
			c[propDisplay].offer("none", tierBrowser, 0, 0, originHiddenAttr, nil, "")
		case "color":
			if n.Data == "font" {
				c[propColor].offer(strings.ToLower(strings.TrimSpace(a.Val)), tierAttribute, 0, 0, originPresentational, nil, n.Data)
			}
		case "bgcolor":
			c[propBackgroundColor].offer(strings.ToLower(strings.TrimSpace(a.Val)), tierAttribute, 0, 0, originPresentational, nil, n.Data)
		}
	}
	s.matchRules(c)
	if style := attr(n, "style"); style != "" {
		c.offerAll(parseDeclarations(style), tierStyleAttr, 0, 0, originStyleAttr, nil, "")
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

// inherit computes the inherited properties (visibility, font size,
// colour) and the background.
func (s *styler) inherit(c *cascade, st *visState, root bool) {
	if d := &c[propVisibility]; d.set {
		switch d.value {
		case "hidden", "collapse":
			st.visibilityHidden, st.visReason = !root, reasonOf(d, "visibility:"+d.value)
		case "visible":
			st.visibilityHidden = false
		}
	}
	if d := &c[propFontSize]; d.set {
		if px, ok := fontSizePx(d.value, st.fontPx); ok {
			st.fontPx, st.fontReason = px, reasonOf(d, "font-size:"+d.value)
			if root && px <= 1 {
				st.fontPx = basePx
			}
		}
	}
	if d := &c[propColor]; d.set {
		switch d.value {
		case "inherit", "currentcolor", "unset":
		case "initial":
			kept := *d
			st.color, st.colorKnown, st.colorFromRoot, st.colorDecl = rgba{0, 0, 0, 1}, true, root, &kept
		default:
			col, ok := parseColor(d.value)
			kept := *d // a copy: the cascade itself stays on the stack
			st.color, st.colorKnown, st.colorFromRoot, st.colorDecl = col, ok, root, &kept
		}
	}
	image := c[propBackgroundImage].set && c[propBackgroundImage].value != "none" && c[propBackgroundImage].value != "initial"
	if d := &c[propBackgroundColor]; d.set || image {
		col, ok := parseColor(d.value)
		switch {
		case image || (d.set && !ok && d.value != "inherit"):
			st.bgKnown = false
		case ok && col.a == 0:
			// transparent: the parent's background shows through
		case ok && col.a < 1:
			st.bgKnown = false
		case ok:
			st.bg, st.bgKnown, st.bgDefault = col, true, false
		}
	}
}

// fontSizePx computes a font-size value against the parent's size.
func fontSizePx(v string, parentPx float64) (float64, bool) {
	switch v {
	case "xx-small":
		return 9, true
	case "x-small":
		return 10, true
	case "small":
		return 13, true
	case "medium":
		return 16, true
	case "large":
		return 18, true
	case "x-large":
		return 24, true
	case "xx-large":
		return 32, true
	case "smaller":
		return parentPx / 1.2, true
	case "larger":
		return parentPx * 1.2, true
	}
	l, ok := parseLength(v)
	if !ok || l.n < 0 {
		return 0, false
	}
	if l.unit == "%" {
		return l.n * parentPx / 100, true
	}
	return l.px(parentPx), true
}

// textHidden is the inherited property that hides an element's text, if
// any.
func (s *styler) textHidden(st *visState) *hideReason {
	switch {
	case st.visibilityHidden:
		return st.visReason
	case st.fontPx <= 1 && st.fontReason != nil:
		return st.fontReason
	case !st.colorKnown || st.colorFromRoot || st.colorDecl == nil:
		return nil
	case st.color.a == 0:
		return reasonOf(st.colorDecl, "color:"+st.colorDecl.value)
	case st.bgKnown && st.color.a >= 1 && st.color.near(st.bg):
		r := reasonOf(st.colorDecl, "color:"+st.colorDecl.value)
		r.bg, r.bgDefault = st.bg.String(), st.bgDefault
		return r
	}
	return nil
}

// boxHidden is the reason an element hides itself and all it holds, if
// any.
func boxHidden(c *cascade) *hideReason {
	decl := func(p cssProp) (*declared, string) {
		d := &c[p]
		if !d.set {
			return nil, ""
		}
		return d, propNames[p] + ":" + d.value
	}
	if d, s := decl(propDisplay); d != nil && d.value == "none" {
		return reasonOf(d, s)
	}
	if d, s := decl(propContentVisibility); d != nil && d.value == "hidden" {
		return reasonOf(d, s)
	}
	if d, s := decl(propOpacity); d != nil {
		if x, ok := fraction(d.value, 1); ok && x <= 0.01 {
			return reasonOf(d, s)
		}
	}
	if r := offScreen(c); r != nil {
		return r
	}
	if r := zeroBox(c); r != nil {
		return r
	}
	if d, s := decl(propClip); d != nil && clipsAll(d.value) {
		return reasonOf(d, s)
	}
	if d, s := decl(propClipPath); d != nil && clipPathHidesAll(d.value) {
		return reasonOf(d, s)
	}
	return nil
}

// farOff is how far to the left or top (in pixels) a box must be moved to
// count as off-screen.
const farOff = -999

// offScreen: left or top far off (unless the position is declared
// static: the position may come from a rule the scanner cannot read),
// margin-left or margin-top, text-indent, or a translate that far, or
// scale(0).
func offScreen(c *cascade) *hideReason {
	static := c[propPosition].set && c[propPosition].value == "static"
	for _, p := range []cssProp{propLeft, propTop, propMarginLeft, propMarginTop, propTextIndent} {
		d := &c[p]
		if !d.set || (static && (p == propLeft || p == propTop)) {
			continue
		}
		if l, ok := parseLength(d.value); ok && l.px(basePx) <= farOff {
			s := propNames[p] + ":" + d.value
			if (p == propLeft || p == propTop) && c[propPosition].set {
				s = "position:" + c[propPosition].value + "; " + s
			}
			return reasonOf(d, s)
		}
	}
	if d := &c[propTransform]; d.set && transformHides(d.value) {
		return reasonOf(d, "transform:"+d.value)
	}
	return nil
}

// transformHides: a translate of farOff or more to the left or top, or a
// scale to nothing.
func transformHides(v string) bool {
	for _, fn := range []string{"translatex(", "translatey(", "translate(", "translate3d(", "scale(", "scalex(", "scaley(", "scale3d("} {
		i := strings.Index(v, fn)
		if i < 0 {
			continue
		}
		args := v[i+len(fn):]
		if j := strings.IndexByte(args, ')'); j >= 0 {
			args = args[:j]
		}
		for _, a := range strings.FieldsFunc(args, func(r rune) bool { return r == ',' || r == ' ' }) {
			if strings.HasPrefix(fn, "scale") {
				if x, err := strconv.ParseFloat(a, 64); err == nil && x == 0 {
					return true
				}
				continue
			}
			if l, ok := parseLength(a); ok && l.unit != "%" && l.px(basePx) <= farOff {
				return true
			}
		}
	}
	return false
}

// zeroBox: a width or height of 1px or less whose overflow is not shown.
func zeroBox(c *cascade) *hideReason {
	overflow := ""
	for _, p := range []cssProp{propOverflow, propOverflowX, propOverflowY} {
		if d := &c[p]; d.set && d.value != "visible" && d.value != "initial" && d.value != "unset" && d.value != "inherit" {
			overflow = propNames[p] + ":" + d.value
		}
	}
	if overflow == "" {
		return nil
	}
	for _, p := range []cssProp{propWidth, propHeight, propMaxWidth, propMaxHeight} {
		d := &c[p]
		if !d.set {
			continue
		}
		if l, ok := parseLength(d.value); ok && l.unit != "%" && l.px(basePx) <= 1 {
			return reasonOf(d, propNames[p]+":"+d.value+"; "+overflow)
		}
	}
	return nil
}

// clipsAll: rect() of at most 1px each way.
func clipsAll(v string) bool {
	inner, ok := strings.CutPrefix(v, "rect(")
	if !ok {
		return false
	}
	inner = strings.TrimSuffix(inner, ")")
	f := strings.FieldsFunc(inner, func(r rune) bool { return r == ',' || r == ' ' })
	if len(f) != 4 {
		return false
	}
	for _, x := range f {
		l, ok := parseLength(x)
		if !ok || l.px(basePx) > 1 || l.px(basePx) < 0 {
			return false
		}
	}
	return true
}

// clipPathHidesAll: inset(50%) or more, circle(0) or ellipse(0).
func clipPathHidesAll(v string) bool {
	for _, fn := range []string{"circle(", "ellipse("} {
		if a, ok := strings.CutPrefix(v, fn); ok {
			f := strings.Fields(strings.TrimSuffix(a, ")"))
			if len(f) > 0 {
				l, ok := parseLength(f[0])
				return ok && l.n == 0
			}
		}
	}
	if a, ok := strings.CutPrefix(v, "inset("); ok {
		f := strings.Fields(strings.TrimSuffix(a, ")"))
		if len(f) > 0 {
			l, ok := parseLength(f[0])
			return ok && l.unit == "%" && l.n >= 50
		}
	}
	return false
}
