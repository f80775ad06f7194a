package chart

import (
	"fmt"
	"html/template"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Assessment is one point of a site's history: when it was assessed, its
// score (NaN when the assessment gave none: the line breaks there) and
// its grade.
type Assessment struct {
	At    time.Time
	Score float64
	Grade string
}

// MaxScore is the highest score drawn; higher scores are drawn at it.
const MaxScore = 1000

// History draws a site's score over time as a line with a point per
// assessment; the grade is written where it changes and at the end.
type History struct {
	ID     string
	Title  string // defaults to Labels.HistoryTitle
	Points []Assessment
	// Gap, when set, breaks the line between assessments further apart
	// than it (a site that was not assessed for a while).
	Gap time.Duration
}

func (h History) title(l Labels) string {
	if h.Title != "" {
		return h.Title
	}
	return l.HistoryTitle
}

// points returns the assessments with a time, oldest first, scores made
// sane: negative ones are 0, those above MaxScore are MaxScore, NaN and
// infinities are "no score".
func (h History) points() []Assessment {
	out := make([]Assessment, 0, len(h.Points))
	for _, p := range h.Points {
		if p.At.IsZero() {
			continue
		}
		if math.IsInf(p.Score, 0) {
			p.Score = math.NaN()
		}
		if !math.IsNaN(p.Score) {
			p.Score = min(max(p.Score, 0), MaxScore)
		}
		out = append(out, p)
	}
	slices.SortStableFunc(out, func(a, b Assessment) int { return a.At.Compare(b.At) })
	return out
}

// scored returns the assessments that have a score.
func scored(ps []Assessment) []Assessment {
	var out []Assessment
	for _, p := range ps {
		if !math.IsNaN(p.Score) {
			out = append(out, p)
		}
	}
	return out
}

func (l Labels) score(v float64) string {
	if v == math.Trunc(v) {
		return l.number(v, 0)
	}
	return l.number(v, 1)
}

func (l Labels) grade(g string) string {
	if strings.TrimSpace(g) == "" {
		return "–"
	}
	return g
}

// scoreTop is the top of the y axis: 100, or the highest score rounded up
// to a multiple of 25.
func scoreTop(ps []Assessment) float64 {
	top := 100.0
	for _, p := range ps {
		top = max(top, math.Ceil(p.Score/25)*25)
	}
	return top
}

// SVG draws the score axis, the line, a point per assessment (beyond 120,
// only the latest), the latest grade and score, and the grades as a band
// under the axis; with no score at all it is the empty state.
func (h History) SVG(l Labels) template.HTML {
	ps := h.points()
	valid := scored(ps)
	if len(valid) == 0 {
		return empty("history", h.ID, h.title(l), l)
	}
	const top, base, band = 34.0, 214.0, 24.0
	ymax := scoreTop(valid)
	y := func(v float64) float64 { return base - (base-top)*v/ymax }
	first, last := ps[0].At, ps[len(ps)-1].At
	var c canvas
	c.printf(`<text class="chart-tick" x="%s" y="16" text-anchor="end" fill="#4b5563">%s</text>`, num(left-8), esc(clip(l.Score, 12)))
	step := 25.0
	if ymax > 200 {
		step = math.Ceil(ymax/4/50) * 50
	}
	for v := 0.0; v <= ymax+0.5; v += step {
		c.printf(`<line class="chart-grid" x1="%s" x2="%s" y1="%s" y2="%s" stroke="#d8dee6"/>`, num(left), num(right), num(y(v)), num(y(v)))
		c.printf(`<text class="chart-tick" x="%s" y="%s" text-anchor="end" fill="#4b5563">%s</text>`, num(left-8), num(y(v)+5), esc(l.number(v, 0)))
	}
	var line []pt
	brk := true
	for i, p := range ps {
		if math.IsNaN(p.Score) {
			brk = true
			continue
		}
		if i > 0 && h.Gap > 0 && p.At.Sub(ps[i-1].At) > h.Gap {
			brk = true
		}
		line = append(line, pt{pointAt(p.At, first, last), y(p.Score), brk})
		brk = false
	}
	if d := path(thin(line)); d != "" {
		c.printf(`<path class="chart-line" d="%s" fill="none" stroke="#0b5394" stroke-width="2"/>`, d)
	}
	h.marks(&c, l, valid, first, last, y)
	c.printf(`<line class="chart-axis" x1="%s" x2="%s" y1="%s" y2="%s" stroke="#4b5563"/>`, num(left), num(right), num(base), num(base))
	if textWidth(l.Grade, phoneFont) <= left-8 {
		c.printf(`<text class="chart-tick" x="%s" y="%s" text-anchor="end" fill="#4b5563">%s</text>`, num(left-8), num(base+6+band-6), esc(l.Grade))
	}
	h.strip(&c, valid, first, last, base+6, band)
	dateTicks(&c, l, base+6+band+26, first, last, true, first.Add(last.Sub(first)/2))
	return document("history", "img", h.ID, h.title(l), h.Summary(l), base+6+band+38, c.String())
}

// marks draws the points, grouped by grade, and the latest score and
// grade as text by the last point.
func (h History) marks(c *canvas, l Labels, valid []Assessment, first, last time.Time, y func(float64) float64) {
	groups := map[string]*strings.Builder{}
	for i, p := range valid {
		if len(valid) > 120 && i < len(valid)-1 {
			continue // the line and the band say enough; the latest is marked
		}
		cls := gradeClass(p.Grade)
		if groups[cls] == nil {
			groups[cls] = &strings.Builder{}
		}
		fmt.Fprintf(groups[cls], `<circle cx="%s" cy="%s" r="4"/>`, num(pointAt(p.At, first, last)), num(y(p.Score)))
	}
	for _, cls := range []string{"ap", "a", "b", "c", "d", "f", "none"} {
		if g := groups[cls]; g != nil {
			c.printf(`<g class="chart-point chart-g-%s" fill="%s" stroke="#fff">%s</g>`, cls, gradeFill[cls], g.String())
		}
	}
	z := valid[len(valid)-1]
	text := l.grade(clip(z.Grade, 4)) + " · " + l.score(z.Score)
	x, anchor := pointAt(z.At, first, last), "middle"
	if x+textWidth(text, fontSize)/2 > right {
		x, anchor = right, "end"
	}
	ty := y(z.Score) - 10 // above the point, unless the line comes down to it
	if len(valid) > 1 && y(valid[len(valid)-2].Score) < y(z.Score) || ty < 30 {
		ty = y(z.Score) + 24
	}
	c.printf(`<text class="chart-grade" x="%s" y="%s" text-anchor="%s" fill="#1b2430"%s>%s</text>`, num(x), num(ty), anchor, halo, esc(text))
}

// stripColumns bounds the segments of the grade band: beyond it, each
// column of the band shows the worst grade assessed in it, so that a drop
// is never hidden by its neighbours.
const stripColumns = 120

// gradeWorse orders grades for the band: F is the worst; "no grade" counts
// as better than any, since it says nothing.
func gradeWorse(a, b string) bool {
	rank := map[string]int{"none": -1, "ap": 0, "a": 1, "b": 2, "c": 3, "d": 4, "f": 5}
	return rank[gradeClass(a)] > rank[gradeClass(b)]
}

// strip draws the grades as a band under the plot: one segment per run of
// assessments with the same grade, from halfway to the assessment before
// to halfway to the one after, with its letter when it has room. Segments
// are one path per colour.
func (h History) strip(c *canvas, valid []Assessment, first, last time.Time, y0, height float64) {
	type item struct {
		x     float64
		grade string
	}
	items := make([]item, 0, len(valid))
	for _, p := range valid {
		x := pointAt(p.At, first, last)
		if len(valid) > stripColumns {
			col := math.Floor((x - left) / (right - left) * (stripColumns - 1))
			x = left + (col+0.5)*(right-left)/stripColumns
			if n := len(items); n > 0 && items[n-1].x == x {
				if gradeWorse(p.Grade, items[n-1].grade) {
					items[n-1].grade = p.Grade
				}
				continue
			}
		}
		items = append(items, item{x, p.Grade})
	}
	paths := map[string]*strings.Builder{}
	var texts canvas
	for i := 0; i < len(items); {
		j := i + 1
		for j < len(items) && items[j].grade == items[i].grade {
			j++
		}
		x0, x1 := left, right
		if i > 0 {
			x0 = (items[i-1].x + items[i].x) / 2
		}
		if j < len(items) {
			x1 = (items[j-1].x + items[j].x) / 2
		}
		cls := gradeClass(items[i].grade)
		if paths[cls] == nil {
			paths[cls] = &strings.Builder{}
		}
		w := max(x1-x0-1, 0.5)
		fmt.Fprintf(paths[cls], "M%s %sh%sv%sh-%sz", num(x0+0.5), num(y0), num(w), num(height), num(w))
		g := clip(strings.TrimSpace(items[i].grade), 4)
		if g == "" {
			g = "–"
		}
		if x1-x0 > textWidth(g, phoneFont)+6 {
			texts.printf(`<text class="chart-strip-text" x="%s" y="%s" text-anchor="middle" fill="#fff">%s</text>`, num((x0+x1)/2), num(y0+height-6), esc(g))
		}
		i = j
	}
	for _, cls := range []string{"ap", "a", "b", "c", "d", "f", "none"} {
		if p := paths[cls]; p != nil {
			c.printf(`<path class="chart-strip chart-g-%s" d="%s" fill="%s"/>`, cls, p.String(), gradeFill[cls])
		}
	}
	c.WriteString(texts.String())
}

// Summary says how many assessments there were, over which dates, and
// the latest score and grade.
func (h History) Summary(l Labels) string {
	valid := scored(h.points())
	if len(valid) == 0 {
		return l.NoData
	}
	a, z := valid[0], valid[len(valid)-1]
	return fmt.Sprintf(l.HistorySummary, len(valid), date(a.At, l.DateLong), date(z.At, l.DateLong), l.score(z.Score), l.grade(z.Grade))
}

// Table lists the assessments where the score or the grade changed (and
// the latest), so that 90 days of the same grade read as one line.
func (h History) Table(l Labels) Table {
	t := Table{Caption: h.title(l), Head: []string{l.Date, l.Score, l.Grade}, Empty: l.NoData}
	ps := h.points()
	if len(scored(ps)) == 0 {
		return t
	}
	key := func(p Assessment) string {
		if math.IsNaN(p.Score) {
			return "-"
		}
		return strconv.FormatFloat(p.Score, 'f', 1, 64) + gradeKey(p.Grade) + p.Grade
	}
	for i, p := range ps {
		if i > 0 && i < len(ps)-1 && key(p) == key(ps[i-1]) {
			continue
		}
		s := l.NoData
		if !math.IsNaN(p.Score) {
			s = l.score(p.Score)
		}
		t.Rows = append(t.Rows, []string{date(p.At, l.DateLong), s, l.grade(p.Grade)})
	}
	return t
}
