package webscan

import "strings"

// Declarations and selectors of the CSS reader (css.go).

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

// topLeft reads the top and left values of a one-to-four value box
// shorthand (margin, inset): top is the first; left is the first of one,
// the second of two or three, the fourth of four.
func topLeft(value string) (top, left string, ok bool) {
	f := strings.Fields(value)
	switch len(f) {
	case 1:
		return f[0], f[0], true
	case 2, 3:
		return f[0], f[1], true
	case 4:
		return f[0], f[3], true
	}
	return "", "", false
}

// appendDecl adds the declaration name: value, expanded, when it is one
// the visibility rules read.
func appendDecl(out []cssDecl, name, value string, important bool) []cssDecl {
	add := func(p cssProp, v string) { out = append(out, cssDecl{prop: p, value: v, important: important}) }
	switch name {
	case "margin":
		if top, left, ok := topLeft(value); ok {
			add(propMarginTop, top)
			add(propMarginLeft, left)
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
		if top, left, ok := topLeft(value); ok {
			add(propTop, top)
			add(propLeft, left)
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
