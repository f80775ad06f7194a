package chart

import (
	"fmt"
	"html/template"
	"strconv"
	"strings"
)

// GradeBar is one bar of the grade distribution: how many sites have the
// grade, and where the list of those sites is (a path on this site; any
// other address is dropped and the bar is drawn without a link).
type GradeBar struct {
	Grade string // "A+", "A", …, "F"; "" for sites not yet assessed
	Count int
	Href  string
}

// Grades is the dashboard's distribution of sites by grade, one bar per
// grade, zero counts included.
type Grades struct {
	ID    string // the id prefix of the SVG's elements (optional)
	Title string // defaults to Labels.GradesTitle
	Bars  []GradeBar
}

// gradeOrder is the order of the bars GradeCounts makes.
var gradeOrder = []string{"A+", "A", "B", "C", "D", "F", ""}

// GradeCounts builds the standard distribution from counts by grade: bars
// for A+, A, B, C, D, F and "not yet assessed", in that order, each with
// the link href(grade) (href may be nil). Grades with a sign fold into
// their letter (A- into A, B+ into B); "" and unknown grades count as not
// yet assessed.
func GradeCounts(counts map[string]int, href func(grade string) string) Grades {
	byKey := map[string]int{}
	for g, n := range counts {
		byKey[gradeKey(g)] += max(n, 0)
	}
	var out Grades
	for _, g := range gradeOrder {
		b := GradeBar{Grade: g, Count: byKey[g]}
		if href != nil {
			b.Href = href(g)
		}
		out.Bars = append(out.Bars, b)
	}
	return out
}

// gradeKey folds a grade into its bar: "A+", "A".."F", or "" when it is
// no grade at all.
func gradeKey(g string) string {
	g = strings.ToUpper(strings.TrimSpace(g))
	if g == "A+" {
		return g
	}
	if len(g) >= 1 && len(g) <= 2 && strings.Contains("ABCDF", g[:1]) && (len(g) == 1 || g[1] == '+' || g[1] == '-') {
		return g[:1]
	}
	return ""
}

// gradeClass is the CSS class suffix of a grade's colour.
func gradeClass(g string) string {
	switch k := gradeKey(g); k {
	case "A+":
		return "ap"
	case "":
		return "none"
	default:
		return strings.ToLower(k)
	}
}

// gradeFill is the colour a grade has when the site's stylesheet is
// missing (the same as chart.css).
var gradeFill = map[string]string{"ap": "#116329", "a": "#1a7f37", "b": "#4d7c0f", "c": "#9a6700", "d": "#bc4c00", "f": "#cf222e", "none": "#6e7781"}

func (g Grades) title(l Labels) string {
	if g.Title != "" {
		return g.Title
	}
	return l.GradesTitle
}

func (b GradeBar) label(l Labels) string {
	if b.Grade == "" {
		return l.NotAssessed
	}
	return b.Grade
}

// SVG draws one row per grade: its name and count as text, a bar below;
// each row is a link to its list. A distribution without a single site
// is the empty state.
func (g Grades) SVG(l Labels) template.HTML {
	total, most := 0, 0
	for _, b := range g.Bars {
		total += max(b.Count, 0)
		most = max(most, b.Count)
	}
	if total == 0 {
		return empty("grades", g.ID, g.title(l), l)
	}
	const row, bar = 46.0, 14.0
	var c canvas
	for i, b := range g.Bars {
		y := 4 + float64(i)*row
		n := max(b.Count, 0)
		if h := safeHref(b.Href); h != "" {
			// The link's name is its text ("F 5"): an aria-label would
			// differ from what is seen (WCAG 2.5.3).
			c.printf(`<a class="chart-link" href="%s">`, esc(h))
		} else {
			c.WriteString(`<g>`)
		}
		c.printf(`<rect class="chart-track" x="8" y="%s" width="%s" height="%s" rx="3" fill="#eef2f6"/>`, num(y+24), num(width-16), num(bar))
		if n > 0 {
			w := max(3, (width-16)*float64(n)/float64(most))
			cls := gradeClass(b.Grade)
			c.printf(`<rect class="chart-bar chart-g-%s" x="8" y="%s" width="%s" height="%s" rx="3" fill="%s"/>`, cls, num(y+24), num(w), num(bar), gradeFill[cls])
		}
		c.printf(`<text class="chart-label" x="8" y="%s" fill="#1b2430">%s</text>`, num(y+18), esc(clip(b.label(l), 30)))
		c.printf(`<text class="chart-value" x="%s" y="%s" text-anchor="end" fill="#1b2430">%d</text>`, num(width-8), num(y+18), n)
		if safeHref(b.Href) != "" {
			c.WriteString(`</a>`)
		} else {
			c.WriteString(`</g>`)
		}
	}
	return document("grades", "group", g.ID, g.title(l), g.Summary(l), 8+float64(len(g.Bars))*row, c.String())
}

// Summary says the total and the count of every grade.
func (g Grades) Summary(l Labels) string {
	total := 0
	parts := make([]string, 0, len(g.Bars))
	for _, b := range g.Bars {
		total += max(b.Count, 0)
		parts = append(parts, fmt.Sprintf("%s: %d", b.label(l), max(b.Count, 0)))
	}
	if total == 0 {
		return l.NoData
	}
	return fmt.Sprintf(l.Total, strconv.Itoa(total)) + ". " + strings.Join(parts, ", ")
}

// Table lists the grades and their counts.
func (g Grades) Table(l Labels) Table {
	t := Table{Caption: g.title(l), Head: []string{l.Grade, l.Count}, Empty: l.NoData}
	total := 0
	for _, b := range g.Bars {
		total += max(b.Count, 0)
		t.Rows = append(t.Rows, []string{b.label(l), strconv.Itoa(max(b.Count, 0))})
	}
	if total == 0 {
		t.Rows = nil
	}
	return t
}
