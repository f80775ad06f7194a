package webscan

import (
	"math"
	"strconv"
	"strings"
)

// cssViewport is the screen the scanner judges a page on: a common
// desktop (1366×768, landscape, light colour scheme, a mouse). An @media
// block applies when its query holds for it; a media feature the scanner
// does not know makes its query false.
var cssViewport = struct{ width, height float64 }{1366, 768}

// basePx is the font size em and rem are counted from (browsers' default).
const basePx = 16

// mediaHolds evaluates a media query list for cssViewport: true when one
// of its queries holds (an empty list holds).
func mediaHolds(list string) bool {
	list = strings.ToLower(strings.TrimSpace(list))
	if list == "" {
		return true
	}
	for _, q := range splitTopLevel(list, ',') {
		if mediaQueryHolds(strings.TrimSpace(q)) {
			return true
		}
	}
	return false
}

// mediaQueryHolds evaluates one query: [not|only] [type] [and (feature)]…
func mediaQueryHolds(q string) bool {
	not := false
	if rest, ok := strings.CutPrefix(q, "not "); ok {
		not, q = true, strings.TrimSpace(rest)
	}
	q = strings.TrimSpace(strings.TrimPrefix(q, "only "))
	holds := true
	for i, part := range splitAnd(q) {
		switch {
		case strings.HasPrefix(part, "("):
			if !strings.HasSuffix(part, ")") || !mediaFeatureHolds(strings.TrimSpace(part[1:len(part)-1])) {
				holds = false
			}
		case i == 0 && (part == "all" || part == "screen"):
		default:
			holds = false // print, speech, other types, anything unread
		}
	}
	return holds != not
}

// splitAnd splits a media query at its top-level "and".
func splitAnd(q string) []string {
	var out []string
	for _, f := range splitTopLevel(q, ' ') {
		if f = strings.TrimSpace(f); f != "" && f != "and" {
			out = append(out, f)
		}
	}
	return out
}

// mediaFeatureHolds evaluates "min-width: 768px", "orientation:
// landscape" or "width >= 600px" for cssViewport.
func mediaFeatureHolds(f string) bool {
	if name, value, ok := strings.Cut(f, ":"); ok {
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		switch name {
		case "min-width", "max-width", "width", "min-height", "max-height", "height":
			px, ok := mediaLength(value)
			if !ok {
				return false
			}
			have := cssViewport.width
			if strings.HasSuffix(name, "height") {
				have = cssViewport.height
			}
			switch {
			case strings.HasPrefix(name, "min-"):
				return have >= px
			case strings.HasPrefix(name, "max-"):
				return have <= px
			}
			return have == px
		case "orientation":
			return value == "landscape"
		case "prefers-color-scheme":
			return value == "light"
		case "prefers-reduced-motion":
			return value == "no-preference"
		case "hover", "any-hover":
			return value == "hover"
		case "pointer", "any-pointer":
			return value == "fine"
		case "color":
			return true
		}
		return false
	}
	for _, op := range []string{">=", "<=", ">", "<", "="} {
		if name, value, ok := strings.Cut(f, op); ok {
			name, value = strings.TrimSpace(name), strings.TrimSpace(value)
			px, ok := mediaLength(value)
			if !ok || (name != "width" && name != "height") {
				return false
			}
			have := cssViewport.width
			if name == "height" {
				have = cssViewport.height
			}
			switch op {
			case ">=":
				return have >= px
			case "<=":
				return have <= px
			case ">":
				return have > px
			case "<":
				return have < px
			}
			return have == px
		}
	}
	return f == "color" || f == "hover"
}

func mediaLength(v string) (float64, bool) {
	l, ok := parseLength(v)
	if !ok || l.unit == "%" || l.unit == "vw" || l.unit == "vh" {
		return 0, false
	}
	return l.px(basePx), true
}

// cssLength is a length or percentage as written.
type cssLength struct {
	n    float64
	unit string // "px", "em", "%", … ("" for a bare 0 or number)
}

// px converts a length to pixels, em counted from fontPx; percentages
// and viewport units are counted against cssViewport's width.
func (l cssLength) px(fontPx float64) float64 {
	switch l.unit {
	case "", "px":
		return l.n
	case "em":
		return l.n * fontPx
	case "rem":
		return l.n * basePx
	case "pt":
		return l.n * 4 / 3
	case "pc":
		return l.n * 16
	case "in":
		return l.n * 96
	case "cm":
		return l.n * 96 / 2.54
	case "mm":
		return l.n * 96 / 25.4
	case "ex", "ch":
		return l.n * fontPx / 2
	case "%", "vw":
		return l.n * cssViewport.width / 100
	case "vh":
		return l.n * cssViewport.height / 100
	}
	return l.n
}

var lengthUnits = []string{"px", "em", "rem", "pt", "pc", "in", "cm", "mm", "ex", "ch", "%", "vw", "vh"}

// parseLength reads "-9999px", "0", "1.5em", "50%".
func parseLength(v string) (cssLength, bool) {
	v = strings.TrimSpace(v)
	unit := ""
	for _, u := range lengthUnits {
		if strings.HasSuffix(v, u) && len(v) > len(u) {
			c := v[len(v)-len(u)-1]
			if c == '.' || ('0' <= c && c <= '9') {
				unit, v = u, v[:len(v)-len(u)]
				break
			}
		}
	}
	n, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(n) || math.IsInf(n, 0) || (unit == "" && n != 0) {
		return cssLength{}, false
	}
	return cssLength{n: n, unit: unit}, true
}

// rgba is a colour; a is 0 (transparent) to 1 (opaque).
type rgba struct {
	r, g, b uint8
	a       float64
}

func (c rgba) String() string {
	s := "#" + hex2(c.r) + hex2(c.g) + hex2(c.b)
	if c.a < 1 {
		s += " (alpha " + strconv.FormatFloat(c.a, 'f', 2, 64) + ")"
	}
	return s
}

func hex2(v uint8) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[v>>4], digits[v&15]})
}

// near tells whether two opaque colours are the same or too close to
// tell apart: every channel within nearColour of the other.
func (c rgba) near(o rgba) bool {
	d := func(a, b uint8) int { return int(a) - int(b) }
	abs := func(x int) int { return max(x, -x) }
	return abs(d(c.r, o.r)) <= nearColour && abs(d(c.g, o.g)) <= nearColour && abs(d(c.b, o.b)) <= nearColour
}

// nearColour is how far apart (0–255 on each channel) two colours may be
// and still count as the same to a reader.
const nearColour = 12

// namedColours are the CSS colour keywords a page is likely to use to
// match its background (white and its near-whites, black, the greys)
// and the common ones; a colour not listed is unknown, never a finding.
var namedColours = map[string]rgba{
	"white": {255, 255, 255, 1}, "black": {0, 0, 0, 1}, "snow": {255, 250, 250, 1}, "ivory": {255, 255, 240, 1},
	"whitesmoke": {245, 245, 245, 1}, "ghostwhite": {248, 248, 255, 1}, "floralwhite": {255, 250, 240, 1}, "seashell": {255, 245, 238, 1},
	"mintcream": {245, 255, 250, 1}, "azure": {240, 255, 255, 1}, "aliceblue": {240, 248, 255, 1}, "honeydew": {240, 255, 240, 1},
	"linen": {250, 240, 230, 1}, "oldlace": {253, 245, 230, 1}, "lavenderblush": {255, 240, 245, 1}, "beige": {245, 245, 220, 1},
	"gainsboro": {220, 220, 220, 1}, "lightgray": {211, 211, 211, 1}, "lightgrey": {211, 211, 211, 1}, "silver": {192, 192, 192, 1},
	"darkgray": {169, 169, 169, 1}, "darkgrey": {169, 169, 169, 1}, "gray": {128, 128, 128, 1}, "grey": {128, 128, 128, 1},
	"dimgray": {105, 105, 105, 1}, "dimgrey": {105, 105, 105, 1}, "red": {255, 0, 0, 1}, "green": {0, 128, 0, 1}, "blue": {0, 0, 255, 1},
	"yellow": {255, 255, 0, 1}, "orange": {255, 165, 0, 1}, "navy": {0, 0, 128, 1}, "maroon": {128, 0, 0, 1}, "purple": {128, 0, 128, 1},
	"teal": {0, 128, 128, 1}, "olive": {128, 128, 0, 1}, "lime": {0, 255, 0, 1}, "aqua": {0, 255, 255, 1}, "cyan": {0, 255, 255, 1},
	"fuchsia": {255, 0, 255, 1}, "magenta": {255, 0, 255, 1}, "transparent": {0, 0, 0, 0},
}

// parseColor reads #rgb, #rgba, #rrggbb, #rrggbbaa, rgb()/rgba() and
// hsl()/hsla() in either syntax, and the named colours above.
func parseColor(v string) (rgba, bool) {
	v = strings.TrimSpace(strings.ToLower(v))
	if c, ok := namedColours[v]; ok {
		return c, true
	}
	if h, ok := strings.CutPrefix(v, "#"); ok {
		return hexColour(h)
	}
	open := strings.IndexByte(v, '(')
	if open < 0 || !strings.HasSuffix(v, ")") {
		return rgba{}, false
	}
	fn, args := v[:open], strings.NewReplacer(",", " ", "/", " ").Replace(v[open+1:len(v)-1])
	f := strings.Fields(args)
	if len(f) != 3 && len(f) != 4 {
		return rgba{}, false
	}
	alpha := 1.0
	if len(f) == 4 {
		a, ok := fraction(f[3], 1)
		if !ok {
			return rgba{}, false
		}
		alpha = a
	}
	switch fn {
	case "rgb", "rgba":
		var ch [3]uint8
		for i := range 3 {
			x, ok := fraction(f[i], 255)
			if !ok {
				return rgba{}, false
			}
			ch[i] = uint8(math.Round(x * 255))
		}
		return rgba{ch[0], ch[1], ch[2], alpha}, true
	case "hsl", "hsla":
		h, err := strconv.ParseFloat(strings.TrimSuffix(f[0], "deg"), 64)
		s, ok1 := fraction(f[1], 100)
		l, ok2 := fraction(f[2], 100)
		if err != nil || !ok1 || !ok2 || math.IsNaN(h) || math.IsInf(h, 0) {
			return rgba{}, false
		}
		r, g, b := hslToRGB(h, s, l)
		return rgba{r, g, b, alpha}, true
	}
	return rgba{}, false
}

// fraction reads "50%" as 0.5, or a number over scale, clamped to 0–1.
func fraction(s string, scale float64) (float64, bool) {
	pct := strings.HasSuffix(s, "%")
	x, err := strconv.ParseFloat(strings.TrimSuffix(s, "%"), 64)
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
		return 0, false
	}
	if pct {
		x /= 100
	} else {
		x /= scale
	}
	return math.Max(0, math.Min(1, x)), true
}

func hexColour(h string) (rgba, bool) {
	var n []uint8
	for i := 0; i < len(h); i++ {
		d := strings.IndexByte("0123456789abcdef", h[i])
		if d < 0 {
			return rgba{}, false
		}
		n = append(n, uint8(d))
	}
	switch len(n) {
	case 3, 4:
		c := rgba{n[0] * 17, n[1] * 17, n[2] * 17, 1}
		if len(n) == 4 {
			c.a = float64(n[3]*17) / 255
		}
		return c, true
	case 6, 8:
		c := rgba{n[0]<<4 | n[1], n[2]<<4 | n[3], n[4]<<4 | n[5], 1}
		if len(n) == 8 {
			c.a = float64(n[6]<<4|n[7]) / 255
		}
		return c, true
	}
	return rgba{}, false
}

func hslToRGB(h, s, l float64) (r, g, b uint8) {
	h = math.Mod(math.Mod(h, 360)+360, 360) / 360
	q := l * (1 + s)
	if l >= 0.5 {
		q = l + s - l*s
	}
	p := 2*l - q
	conv := func(t float64) uint8 {
		t = math.Mod(t+1, 1)
		var v float64
		switch {
		case t < 1.0/6:
			v = p + (q-p)*6*t
		case t < 0.5:
			v = q
		case t < 2.0/3:
			v = p + (q-p)*(2.0/3-t)*6
		default:
			v = p
		}
		return uint8(math.Round(math.Max(0, math.Min(1, v)) * 255))
	}
	return conv(h + 1.0/3), conv(h), conv(h - 1.0/3)
}
