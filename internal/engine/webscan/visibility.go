package webscan

import (
	"fmt"
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
