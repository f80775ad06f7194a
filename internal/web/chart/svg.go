package chart

import (
	"fmt"
	"hash/fnv"
	"html/template"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The drawing area every chart shares: 600 units wide, scaled to the
// width of its container. Text is sized in the same units, so the site's
// stylesheet enlarges it on phones (see chart.css).
const (
	width    = 600.0
	fontSize = 14
	left     = 76.0  // room for the y axis' tick labels at the phone size
	right    = 584.0 // the plot's right edge
)

// canvas accumulates one SVG document. Every string that did not come
// from this package goes through esc; numbers through num.
type canvas struct {
	strings.Builder
	height float64 // the drawing's height, once known
}

func (c *canvas) printf(format string, args ...any) { fmt.Fprintf(c, format, args...) }

// num writes a coordinate with at most one decimal.
func num(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "0"
	}
	v = math.Round(v*10) / 10
	if v == 0 {
		return "0"
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// esc makes s safe as XML text and as a quoted attribute value: markup
// characters become references; control characters, characters XML
// forbids and bidirectional overrides (which can disguise text) are
// dropped; invalid UTF-8 becomes U+FFFD; line breaks become spaces.
func esc(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '"':
			b.WriteString("&#34;")
		case r == '\'':
			b.WriteString("&#39;")
		case r == '\t' || r == '\n' || r == '\r':
			b.WriteByte(' ')
		case r < 0x20 || (r >= 0x7f && r <= 0x9f) || r == 0xfffe || r == 0xffff,
			r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// clip shortens s to at most n characters, ending with "…" when cut.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-1])) + "…"
}

// textWidth estimates the width of s at size units (a generous average
// glyph width, so that estimates made for the phone size leave room).
func textWidth(s string, size float64) float64 {
	return float64(utf8.RuneCountInString(s)) * size * 0.6
}

// chartID returns the caller's id reduced to characters safe in an id and
// a URL fragment, or one derived from the chart's content.
func chartID(given, content string) string {
	var b strings.Builder
	for _, r := range given {
		if r < 0x80 && (r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			b.WriteRune(r)
		}
	}
	if b.Len() > 0 && b.Len() <= 64 {
		return "chart-" + b.String()
	}
	h := fnv.New64a()
	h.Write([]byte(given))
	h.Write([]byte(content))
	return fmt.Sprintf("chart-%016x", h.Sum64())
}

// document wraps a chart's body in its <svg> element with a title and a
// description that name it for screen readers. role is "img" for a
// picture and "group" for a chart whose parts are links (an image's
// children are hidden from assistive technology, links included).
func document(kind, role, id, title, desc string, height float64, body string) template.HTML {
	id = chartID(id, kind+title+desc+body)
	var c canvas
	c.printf(`<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-%s" viewBox="0 0 %s %s" width="100%%" role="%s" aria-labelledby="%s-t %s-d" font-family="system-ui,sans-serif" font-size="%d">`,
		kind, num(width), num(height), role, id, id, fontSize)
	c.printf(`<title id="%s-t">%s</title><desc id="%s-d">%s</desc>`, id, esc(title), id, esc(desc))
	c.WriteString(body)
	c.WriteString(`</svg>`)
	return template.HTML(c.String()) // #nosec G203 -- built from escaped text and numbers only
}

// empty is the chart of nothing: a box that says there is no data yet.
func empty(kind, id, title string, l Labels) template.HTML {
	var c canvas
	c.printf(`<rect class="chart-empty-box" x="1" y="1" width="%s" height="78" rx="6" fill="#f6f8fa" stroke="#8c959f" stroke-dasharray="6 4"/>`, num(width-2))
	c.printf(`<text class="chart-empty-text" x="%s" y="46" text-anchor="middle" fill="#4b5563">%s</text>`, num(width/2), esc(l.NoData))
	return document(kind+" chart-empty", "img", id, title, l.NoData, 80, c.String())
}

// safeHref returns href if it is a path on this site (no scheme, no
// other host), else "": a bar whose link is refused is drawn without one.
func safeHref(href string) string {
	h := strings.TrimSpace(href)
	if h == "" || strings.ContainsAny(h, "\\\x00\t\n\r") || strings.HasPrefix(h, "//") || !utf8.ValidString(h) {
		return ""
	}
	if i := strings.IndexAny(h, ":/?#"); i >= 0 && h[i] == ':' {
		return "" // a scheme: javascript:, http:, data:, …
	}
	return h
}
