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
	skipped int // selectors that could not be read
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
			p.out.skipped++
			continue
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
			p.pos += 2
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

// parseDeclarations keeps the declarations of the properties the
// visibility rules read, expanding the shorthands they need (margin,
// background, font, overflow).
func parseDeclarations(body string) []cssDecl {
	if len(body) > maxDeclarationsBytes {
		body = body[:maxDeclarationsBytes]
	}
	if strings.IndexByte(body, '{') >= 0 {
		body = dropNestedRules(body)
	}
	var out []cssDecl
	for _, d := range splitTopLevel(body, ';') {
		name, value, ok := strings.Cut(d, ":")
		if !ok {
			continue
		}
		name = strings.ToLower(strings.TrimSpace(name))
		value = strings.ToLower(strings.TrimSpace(value))
		important := false
		if i := strings.LastIndexByte(value, '!'); i >= 0 && strings.TrimSpace(value[i+1:]) == "important" {
			value, important = strings.TrimSpace(value[:i]), true
		}
		out = appendDecl(out, name, value, important)
	}
	return out
}

// appendDecl adds the declaration name: value, expanded, when it is one
// the visibility rules read.
func appendDecl(out []cssDecl, name, value string, important bool) []cssDecl {
	add := func(p cssProp, v string) { out = append(out, cssDecl{prop: p, value: v, important: important}) }
	switch name {
	case "margin":
		f := strings.Fields(value)
		switch len(f) {
		case 1:
			add(propMarginTop, f[0])
			add(propMarginLeft, f[0])
		case 2, 3:
			add(propMarginTop, f[0])
			add(propMarginLeft, f[1])
		case 4:
			add(propMarginTop, f[0])
			add(propMarginLeft, f[3])
		}
	case "background":
		if strings.Contains(value, "url(") || strings.Contains(value, "gradient(") || strings.Contains(value, "image(") {
			add(propBackgroundImage, value)
		} else {
			add(propBackgroundImage, "none")
		}
		add(propBackgroundColor, backgroundColorOf(value))
	case "font":
		if size := fontSizeOf(value); size != "" {
			add(propFontSize, size)
		}
	case "inset":
		f := strings.Fields(value)
		switch len(f) {
		case 1:
			add(propTop, f[0])
			add(propLeft, f[0])
		case 2, 3:
			add(propTop, f[0])
			add(propLeft, f[1])
		case 4:
			add(propTop, f[0])
			add(propLeft, f[3])
		}
	default:
		if p, ok := propByName[name]; ok {
			add(p, value)
		}
	}
	return out
}

// dropNestedRules removes nested blocks ("a { … }") from a declaration
// block, keeping the declarations around them.
func dropNestedRules(body string) string {
	var b strings.Builder
	depth, start := 0, 0
	for i := 0; i < len(body); i++ {
		switch body[i] {
		case '{':
			if depth == 0 {
				// the nested rule's selector runs back to the last ';'
				seg := body[start:i]
				if j := strings.LastIndexByte(seg, ';'); j >= 0 {
					b.WriteString(seg[:j+1])
				}
			}
			depth++
		case '}':
			if depth > 0 {
				depth--
				if depth == 0 {
					start = i + 1
				}
			}
		}
	}
	if depth == 0 {
		b.WriteString(body[start:])
	}
	return b.String()
}

// backgroundColorOf is the colour of a background shorthand ("transparent"
// when it names none).
func backgroundColorOf(v string) string {
	for _, f := range splitTopLevel(v, ' ') {
		f = strings.TrimSpace(f)
		if _, ok := parseColor(f); ok {
			return f
		}
	}
	return "transparent"
}

// fontSizeOf is the size of a font shorthand ("12px/1.5 Arial", "0/0 a"),
// "" when it has none.
func fontSizeOf(v string) string {
	for _, f := range strings.Fields(v) {
		f, _, _ = strings.Cut(f, "/")
		if _, ok := parseLength(f); ok {
			return f
		}
	}
	return ""
}

// splitTopLevel splits s at sep outside strings, parentheses and
// brackets.
func splitTopLevel(s string, sep byte) []string {
	var out []string
	nest, start := 0, 0
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == '\\' {
				i++
			} else if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '(' || c == '[':
			nest++
		case (c == ')' || c == ']') && nest > 0:
			nest--
		case c == sep && nest == 0:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// parseSelector reads one complex selector of the supported kinds; ok is
// false for anything else.
func parseSelector(s string) (sel []compound, specificity int, ok bool) {
	if s == "" {
		return nil, 0, false
	}
	ids, classes, types := 0, 0, 0
	var cur compound
	have := false // cur has something
	var comb byte
	push := func() bool {
		if !have || len(sel) >= maxCompounds {
			return false
		}
		cur.comb = comb
		if len(sel) == 0 {
			cur.comb = 0
		}
		sel = append(sel, cur)
		cur, have, comb = compound{}, false, 0
		return true
	}
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
			if have && !push() {
				return nil, 0, false
			}
			if comb == 0 && len(sel) > 0 {
				comb = ' '
			}
			i++
		case c == '>':
			if have && !push() {
				return nil, 0, false
			}
			if len(sel) == 0 || comb == '>' {
				return nil, 0, false
			}
			comb = '>'
			i++
		case c == '*':
			if have {
				return nil, 0, false
			}
			cur.tag, have = "*", true
			i++
		case c == '.' || c == '#':
			j := i + 1
			for j < len(s) && isIdentByte(s[j]) {
				j++
			}
			if j == i+1 {
				return nil, 0, false
			}
			if c == '.' {
				cur.classes = append(cur.classes, s[i+1:j])
				classes++
			} else {
				if cur.id != "" && cur.id != s[i+1:j] {
					return nil, 0, false // matches nothing
				}
				cur.id = s[i+1 : j]
				ids++
			}
			have = true
			i = j
		case isIdentByte(c) && !have:
			j := i
			for j < len(s) && isIdentByte(s[j]) {
				j++
			}
			cur.tag, have = strings.ToLower(s[i:j]), true
			types++
			i = j
		default:
			return nil, 0, false // attribute selectors, pseudo-classes, sibling combinators, escapes
		}
	}
	if !have {
		return nil, 0, false // ends with a combinator
	}
	if !push() {
		return nil, 0, false
	}
	return sel, min(ids, 99)*10000 + min(classes, 99)*100 + min(types, 99), true
}
