package webscan

import (
	"strconv"
	"strings"
)

// The CSS values that hide an element or its text (see visibility.go).

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
