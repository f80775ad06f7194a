package chart

import (
	"html/template"
	"math"
)

// Sparkline is a small line for a table cell (a site's latency in the
// monitoring overview): no axes, the latest value marked. Label is its
// accessible name and should carry the figures ("Độ trễ 24 giờ: 80–340
// ms"), since the line alone has none.
type Sparkline struct {
	Label  string
	Values []float64 // oldest first; NaN is a gap; negative values count as 0
}

// SVG draws the line in a 120 × 28 box, or says there is no data yet.
func (s Sparkline) SVG(l Labels) template.HTML {
	const w, h, pad = 120.0, 28.0, 4.0
	lo, hi, n := math.Inf(1), math.Inf(-1), 0
	for _, v := range s.Values {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			v = max(v, 0)
			lo, hi, n = min(lo, v), max(hi, v), n+1
		}
	}
	if n == 0 {
		return template.HTML(`<span class="chart-spark-empty">` + esc(l.NoData) + `</span>`) // #nosec G203 -- escaped
	}
	if hi == lo {
		lo, hi = lo-1, hi+1
	}
	var line []pt
	brk, lastX, lastY := true, 0.0, 0.0
	for i, v := range s.Values {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			brk = true
			continue
		}
		x := w / 2
		if len(s.Values) > 1 {
			x = pad + (w-2*pad)*float64(i)/float64(len(s.Values)-1)
		}
		lastX, lastY = x, h-pad-(h-2*pad)*(max(v, 0)-lo)/(hi-lo)
		line = append(line, pt{lastX, lastY, brk})
		brk = false
	}
	var c canvas
	c.printf(`<svg class="chart-spark" viewBox="0 0 %s %s" width="100%%" role="img" aria-label="%s"><title>%s</title>`, num(w), num(h), esc(s.Label), esc(s.Label))
	if d := sparkPath(line); d != "" {
		c.printf(`<path class="chart-line" d="%s" fill="none" stroke="#0b5394" stroke-width="1.5"/>`, d)
	}
	c.printf(`<circle class="chart-point" cx="%s" cy="%s" r="2.5" fill="#0b5394"/></svg>`, num(lastX), num(lastY))
	return template.HTML(c.String()) // #nosec G203 -- escaped text and numbers
}

// sparkPath is path without the thinning by plot columns (a sparkline's
// box is its own); values beyond 480 are thinned to every k-th.
func sparkPath(pts []pt) string {
	if k := len(pts) / 240; k > 1 {
		var out []pt
		for i, p := range pts {
			if p.brk || i%k == 0 || i == len(pts)-1 {
				out = append(out, p)
			}
		}
		pts = out
	}
	return path(pts)
}
