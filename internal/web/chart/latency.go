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

// MaxLatencyMS is the highest latency drawn (an hour); longer ones are
// drawn at it.
const MaxLatencyMS = 3_600_000

// Latency draws the response time of the probes that got an answer as a
// line over time, the 95th percentile as a dashed line with its value,
// and a mark under the axis for every probe that got none.
type Latency struct {
	ID     string
	Title  string // defaults to Labels.LatencyTitle
	Probes []Probe
}

// Percentile returns the p-th percentile (0 < p ≤ 100) of values by the
// nearest-rank method: the smallest value that at least p % of the values
// do not exceed. NaN, infinities and negative values are left out; with
// nothing left it returns NaN.
func Percentile(values []float64, p float64) float64 {
	var v []float64
	for _, x := range values {
		if !math.IsNaN(x) && !math.IsInf(x, 0) && x >= 0 {
			v = append(v, x)
		}
	}
	slices.Sort(v)
	return ranked(v, p)
}

// ranked is Percentile of values already sorted and valid.
func ranked(sorted []float64, p float64) float64 {
	if len(sorted) == 0 || math.IsNaN(p) || p <= 0 || p > 100 {
		return math.NaN()
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[min(max(rank, 1), len(sorted))-1]
}

// P95 is Percentile(values, 95).
func P95(values []float64) float64 { return Percentile(values, 95) }

func (c Latency) title(l Labels) string {
	if c.Title != "" {
		return c.Title
	}
	return l.LatencyTitle
}

// latencySeries is the probes sorted by time and split: the answered
// ones with a sane latency, and the times of those that got no answer;
// sorted holds the latencies in increasing order.
type latencySeries struct {
	answered []Probe
	failed   []time.Time
	first    time.Time
	last     time.Time
	sorted   []float64
}

func (c Latency) series() latencySeries {
	var s latencySeries
	ps := make([]Probe, 0, len(c.Probes))
	for _, p := range c.Probes {
		if !p.At.IsZero() {
			ps = append(ps, p)
		}
	}
	byTime := func(a, b Probe) int { return a.At.Compare(b.At) }
	if !slices.IsSortedFunc(ps, byTime) {
		slices.Reverse(ps) // the monitor lists the latest first
		if !slices.IsSortedFunc(ps, byTime) {
			slices.SortStableFunc(ps, byTime)
		}
	}
	for _, p := range ps {
		switch {
		case !p.OK:
			s.failed = append(s.failed, p.At)
		case math.IsNaN(p.LatencyMS) || p.LatencyMS < 0:
			continue // not a measurement
		default:
			p.LatencyMS = min(p.LatencyMS, MaxLatencyMS)
			s.answered = append(s.answered, p)
		}
	}
	if len(ps) > 0 {
		s.first, s.last = ps[0].At, ps[len(ps)-1].At
	}
	s.sorted = make([]float64, len(s.answered))
	for i, p := range s.answered {
		s.sorted[i] = p.LatencyMS
	}
	slices.Sort(s.sorted)
	return s
}

// niceCeil rounds v up to 1, 2, 2.5 or 5 times a power of ten (100 for
// nothing to show).
func niceCeil(v float64) float64 {
	if v <= 0 || math.IsNaN(v) {
		return 100
	}
	exp := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*exp >= v {
			return m * exp
		}
	}
	return 10 * exp
}

// SVG draws the axes (ms and dates), the latency line (points too when
// there are few), the p95 line with its value, and the probes without an
// answer; with no probe at all it is the empty state.
func (c Latency) SVG(l Labels) template.HTML {
	s := c.series()
	if len(s.answered)+len(s.failed) == 0 {
		return empty("latency", c.ID, c.title(l), l)
	}
	const top, base = 34.0, 214.0
	p95 := ranked(s.sorted, 95)
	ymax := 100.0
	if len(s.sorted) > 0 {
		ymax = niceCeil(s.sorted[len(s.sorted)-1])
	}
	y := func(ms float64) float64 { return base - (base-top)*ms/ymax }
	x := func(t time.Time) float64 { return pointAt(t, s.first, s.last) }
	var cv canvas
	cv.printf(`<text class="chart-tick" x="%s" y="16" text-anchor="end" fill="#4b5563">%s</text>`, num(left-8), esc(clip(l.Millis, 6)))
	for _, t := range []float64{0, ymax / 2, ymax} {
		cv.printf(`<line class="chart-grid" x1="%s" x2="%s" y1="%s" y2="%s" stroke="#d8dee6"/>`, num(left), num(right), num(y(t)), num(y(t)))
		cv.printf(`<text class="chart-tick" x="%s" y="%s" text-anchor="end" fill="#4b5563">%s</text>`, num(left-8), num(y(t)+5), esc(compact(l, t)))
	}
	line := make([]pt, len(s.answered))
	for i, p := range s.answered {
		line[i] = pt{x(p.At), y(p.LatencyMS), i == 0}
	}
	if d := path(thin(line)); d != "" {
		cv.printf(`<path class="chart-line" d="%s" fill="none" stroke="#0b5394" stroke-width="2"/>`, d)
	}
	if len(line) <= 60 {
		var dots strings.Builder
		for _, p := range line {
			fmt.Fprintf(&dots, `<circle cx="%s" cy="%s" r="3.5"/>`, num(p.x), num(p.y))
		}
		cv.printf(`<g class="chart-point" fill="#0b5394">%s</g>`, dots.String())
	}
	items := []legendItem{{l.Latency, `<path class="chart-line" d="M%s %sh14" transform="translate(0 8)" fill="none" stroke="#0b5394" stroke-width="2"/>`}}
	if !math.IsNaN(p95) {
		py := y(p95)
		cv.printf(`<line class="chart-p95" x1="%s" x2="%s" y1="%s" y2="%s" stroke="#8a4600" stroke-width="1.5" stroke-dasharray="6 4"/>`, num(left), num(right), num(py), num(py))
		ty := py - 6
		if ty < top-8 {
			ty = py + 18
		}
		cv.printf(`<text class="chart-p95-label" x="%s" y="%s" text-anchor="end" fill="#8a4600"%s>%s: %s</text>`, num(right), num(ty), halo, esc(clip(l.P95, 12)), esc(l.millis(p95)))
		items = append(items, legendItem{l.P95, `<path class="chart-p95" d="M%s %sh14" transform="translate(0 8)" fill="none" stroke="#8a4600" stroke-width="2" stroke-dasharray="4 2"/>`})
	}
	if len(s.failed) > 0 {
		cv.printf(`<path class="chart-fail" d="%s" fill="none" stroke="#b42318" stroke-width="2"/>`, failMarks(s.failed, x, base+14))
		items = append(items, legendItem{l.Failed, `<path class="chart-fail" d="M%s %sm0 4l8 8m0-8l-8 8" fill="none" stroke="#b42318" stroke-width="2"/>`})
	}
	cv.printf(`<line class="chart-axis" x1="%s" x2="%s" y1="%s" y2="%s" stroke="#4b5563"/>`, num(left), num(right), num(base), num(base))
	dateTicks(&cv, l, base+44, s.first, s.last, true, s.first.Add(s.last.Sub(s.first)/2))
	legend(&cv, base+58, items)
	return document("latency", "img", c.ID, c.title(l), s.summary(l), cv.height, cv.String())
}

// compact writes an axis value: thousands of ms as "k" would be a word
// in no language, so large values are simply grouped (1.500).
func compact(l Labels, v float64) string {
	if v != math.Trunc(v) {
		return l.number(v, 1)
	}
	return l.number(v, 0)
}

// failMarks draws a cross under the axis per probe without an answer,
// one per two units of width at most.
func failMarks(at []time.Time, x func(time.Time) float64, y float64) string {
	var b strings.Builder
	last := math.Inf(-1)
	for _, t := range at {
		px := x(t)
		if px-last < 2 {
			continue
		}
		last = px
		fmt.Fprintf(&b, "M%s %sl8 8m0-8l-8 8", num(px-4), num(y-4))
	}
	return b.String()
}

// Summary says how many probes got an answer, the median, p95 and highest
// latency, and how many got none.
func (c Latency) Summary(l Labels) string { return c.series().summary(l) }

func (s latencySeries) summary(l Labels) string {
	v := s.sorted
	var parts []string
	if len(v) > 0 {
		parts = append(parts, fmt.Sprintf(l.LatencySummary, len(v), l.millis(ranked(v, 50)), l.millis(ranked(v, 95)), l.millis(v[len(v)-1])))
	}
	if len(s.failed) > 0 {
		parts = append(parts, fmt.Sprintf(l.FailedSummary, len(s.failed)))
	}
	if len(parts) == 0 {
		return l.NoData
	}
	return strings.Join(parts, "; ")
}

// Table gives the figures: probes answered and not, lowest, median, p95
// and highest latency.
func (c Latency) Table(l Labels) Table {
	t := Table{Caption: c.title(l), Head: []string{l.Latency, l.Value}, Empty: l.NoData}
	s := c.series()
	v := s.sorted
	if len(v)+len(s.failed) == 0 {
		return t
	}
	t.Rows = append(t.Rows, []string{l.Probes, strconv.Itoa(len(v))})
	if len(v) > 0 {
		t.Rows = append(t.Rows,
			[]string{l.Lowest, l.millis(v[0])},
			[]string{l.Median, l.millis(ranked(v, 50))},
			[]string{l.P95, l.millis(ranked(v, 95))},
			[]string{l.Highest, l.millis(v[len(v)-1])})
	}
	t.Rows = append(t.Rows, []string{l.Failed, strconv.Itoa(len(s.failed))})
	return t
}
