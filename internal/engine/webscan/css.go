package webscan

import (
	"strings"
)

// A small CSS reader: enough of a page's own stylesheets to tell which
// blocks they hide (see visibility.go), and nothing more. It keeps only
// the declarations that can hide content, and only the selectors it can
// match (type, .class, #id, *, compounds of those, descendant and child
// combinators); a selector with anything else (attribute selectors,
// pseudo-classes and pseudo-elements, sibling combinators, escapes) is
// skipped. @media blocks apply when their query holds for a desktop
// screen (cssViewport); @supports and @layer blocks apply; every other
// block at-rule is skipped. Nested rules inside a declaration block (CSS
// nesting) are skipped. Everything it cannot parse is skipped, never an
// error.
//
// A hostile sheet cannot make it slow or large: each sheet is cut at
// maxSheetBytes, the reader is one pass over the text, and the number of
// rules, selectors per rule, compounds per selector and nested blocks are
// bounded (the limits below).

// The reader's limits.
const (
	maxSheetBytes        = 256 << 10 // of one sheet or <style> block
	maxSheets            = 8         // same-site sheets fetched per page (links and @import)
	maxStyleBlocksBytes  = 1 << 20   // of all the <style> blocks of a page together
	maxSelectors         = 20000     // complex selectors kept per page
	maxSelectorsPerRule  = 256       // selectors read from one selector list
	maxCompounds         = 16        // compound selectors in one complex selector
	maxBlockNesting      = 4         // @media / @supports blocks inside each other
	maxDeclarationsBytes = 16 << 10  // of one declaration block that is read
)

// cssProp is a property the visibility rules read.
type cssProp uint8

const (
	propNone cssProp = iota
	propDisplay
	propVisibility
	propContentVisibility
	propPosition
	propLeft
	propTop
	propMarginLeft
	propMarginTop
	propTextIndent
	propWidth
	propHeight
	propMaxWidth
	propMaxHeight
	propOverflow
	propOverflowX
	propOverflowY
	propClip
	propClipPath
	propOpacity
	propFontSize
	propColor
	propBackgroundColor
	propBackgroundImage
	propTransform
	numProps
)

var propNames = [numProps]string{"", "display", "visibility", "content-visibility", "position", "left", "top", "margin-left", "margin-top",
	"text-indent", "width", "height", "max-width", "max-height", "overflow", "overflow-x", "overflow-y", "clip", "clip-path", "opacity",
	"font-size", "color", "background-color", "background-image", "transform"}

var propByName = func() map[string]cssProp {
	m := map[string]cssProp{}
	for i, n := range propNames {
		if n != "" {
			m[n] = cssProp(i)
		}
	}
	return m
}()

// cssDecl is one declaration of a property the visibility rules read.
type cssDecl struct {
	prop      cssProp
	value     string // lower case, trimmed, without !important
	important bool
}

// compound is one compound selector (p.note#top) and the combinator that
// joins it to the compound on its left (' ' descendant, '>' child; 0 for
// the leftmost).
type compound struct {
	tag     string // "" or "*" for any
	id      string
	classes []string
	comb    byte
}

// cssRule is one complex selector with its rule's declarations.
type cssRule struct {
	sel         []compound // left to right
	text        string     // the selector as written (trimmed)
	specificity int        // ids·10⁴ + classes·10² + types
	decls       []cssDecl
	source      string // "<style>" or the sheet's URL
	order       int    // position in the cascade, set when the page's sheets are put together
}

// parsedSheet is one sheet read: its rules in order, the @import URLs
// (as written) and whether it was cut at maxSheetBytes.
type parsedSheet struct {
	rules   []cssRule
	imports []string
	cut     bool
}

// cssParser reads one sheet in a single pass.
type cssParser struct {
	src    string
	pos    int
	source string
	out    *parsedSheet
	room   int // selectors that may still be kept
}

// parseStylesheet reads a sheet's text; source names it in evidence.
// At most room selectors are kept (the page's remaining allowance).
func parseStylesheet(text, source string, room int) *parsedSheet {
	sh := &parsedSheet{}
	if len(text) > maxSheetBytes {
		text, sh.cut = text[:maxSheetBytes], true
	}
	p := &cssParser{src: text, source: source, out: sh, room: room}
	p.rules(0)
	return sh
}

// rules reads rules until the end of the text or, inside a block (depth
// > 0), its closing brace.
func (p *cssParser) rules(depth int) {
	for {
		p.skipSpace()
		if p.pos >= len(p.src) {
			return
		}
		switch c := p.src[p.pos]; c {
		case '}':
			p.pos++
			if depth > 0 {
				return
			}
		case ';':
			p.pos++ // stray
		case '@':
			p.atRule(depth)
		default:
			p.qualifiedRule()
		}
	}
}

// atRule reads an at-rule: @import is noted, @media (when its query holds
// for cssViewport), @supports and @layer blocks are read, any other block
// is skipped.
func (p *cssParser) atRule(depth int) {
	p.pos++ // '@'
	start := p.pos
	for p.pos < len(p.src) && isIdentByte(p.src[p.pos]) {
		p.pos++
	}
	name := strings.ToLower(p.src[start:p.pos])
	prelude, stop := p.readUntil("{;}")
	switch stop {
	case ';', 0:
		if name == "import" && depth == 0 {
			if u := importURL(prelude); u != "" {
				p.out.imports = append(p.out.imports, u)
			}
		}
		return
	case '}':
		p.pos-- // closes the enclosing block: leave it to rules
		return
	}
	apply := false
	switch name {
	case "media":
		apply = mediaHolds(prelude)
	case "supports", "layer":
		apply = true
	}
	if apply && depth < maxBlockNesting {
		p.rules(depth + 1)
		return
	}
	p.skipBlock()
}

// qualifiedRule reads "selectors { declarations }".
func (p *cssParser) qualifiedRule() {
	prelude, stop := p.readUntil("{;}")
	switch stop {
	case 0, ';':
		return
	case '}':
		p.pos-- // a stray closing brace: leave it to rules
		return
	}
	body, complete := p.readBlock()
	if !complete {
		return
	}
	decls := parseDeclarations(body)
	if len(decls) == 0 {
		return
	}
	n := 0
	for _, s := range splitTopLevel(prelude, ',') {
		if n >= maxSelectorsPerRule {
			break
		}
		n++
		s = strings.TrimSpace(s)
		sel, spec, ok := parseSelector(s)
		if !ok {
			continue // a kind of selector the reader does not match
		}
		if p.room <= 0 {
			return
		}
		p.room--
		p.out.rules = append(p.out.rules, cssRule{sel: sel, text: s, specificity: spec, decls: decls, source: p.source})
	}
}

// skipSpace skips white space and comments.
func (p *cssParser) skipSpace() {
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
			p.pos++
		case c == '/' && strings.HasPrefix(p.src[p.pos:], "/*"):
			p.skipComment()
		case c == '<' && strings.HasPrefix(p.src[p.pos:], "<!--"):
			p.pos += 4
		case c == '-' && strings.HasPrefix(p.src[p.pos:], "-->"):
			p.pos += 3
		default:
			return
		}
	}
}

func (p *cssParser) skipComment() {
	end := strings.Index(p.src[p.pos+2:], "*/")
	if end < 0 {
		p.pos = len(p.src)
		return
	}
	p.pos += 2 + end + 2
}

// skipString moves past a quoted string starting at pos.
func (p *cssParser) skipString() {
	q := p.src[p.pos]
	p.pos++
	for p.pos < len(p.src) {
		switch p.src[p.pos] {
		case '\\':
			p.pos = min(p.pos+2, len(p.src)) // an escape may end the text
			continue
		case q, '\n':
			p.pos++
			return
		}
		p.pos++
	}
}

// readUntil reads up to the first of stops outside strings, comments,
// brackets and parentheses, and moves past it; it returns the text read
// (comments dropped) and the stop found (0 at the end of the text).
func (p *cssParser) readUntil(stops string) (string, byte) {
	var b strings.Builder
	nest := 0
	mark := p.pos
	flush := func() { b.WriteString(p.src[mark:p.pos]) }
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch {
		case c == '"' || c == '\'':
			p.skipString()
			continue
		case c == '/' && strings.HasPrefix(p.src[p.pos:], "/*"):
			flush()
			p.skipComment()
			b.WriteByte(' ')
			mark = p.pos
			continue
		case c == '(' || c == '[':
			nest++
		case (c == ')' || c == ']') && nest > 0:
			nest--
		case nest == 0 && strings.IndexByte(stops, c) >= 0:
			flush()
			p.pos++
			return b.String(), c
		}
		p.pos++
	}
	flush()
	return b.String(), 0
}

// readBlock reads the inside of a block whose '{' was just read, up to
// its matching '}'; complete is false when the text ends first.
func (p *cssParser) readBlock() (string, bool) {
	start := p.pos
	depth := 1
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch {
		case c == '"' || c == '\'':
			p.skipString()
			continue
		case c == '/' && strings.HasPrefix(p.src[p.pos:], "/*"):
			p.skipComment()
			continue
		case c == '{':
			depth++
		case c == '}':
			depth--
			if depth == 0 {
				body := p.src[start:p.pos]
				p.pos++
				return body, true
			}
		}
		p.pos++
	}
	return "", false
}

// skipBlock moves past a block whose '{' was just read.
func (p *cssParser) skipBlock() { p.readBlock() }

func isIdentByte(c byte) bool {
	return c == '-' || c == '_' || c >= 0x80 || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9')
}

// importURL is the URL of an @import prelude (url(x), url("x") or "x"),
// "" when it has a media query that does not hold for cssViewport.
func importURL(prelude string) string {
	s := strings.TrimSpace(prelude)
	var u string
	switch {
	case strings.HasPrefix(strings.ToLower(s), "url("):
		end := strings.IndexByte(s, ')')
		if end < 0 {
			return ""
		}
		u, s = strings.Trim(strings.TrimSpace(s[4:end]), `"'`), s[end+1:]
	case strings.HasPrefix(s, `"`) || strings.HasPrefix(s, `'`):
		end := strings.IndexByte(s[1:], s[0])
		if end < 0 {
			return ""
		}
		u, s = s[1:1+end], s[2+end:]
	default:
		return ""
	}
	if q := strings.TrimSpace(s); q != "" && !mediaHolds(q) {
		return ""
	}
	return u
}
