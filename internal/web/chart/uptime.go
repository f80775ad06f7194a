package chart

import (
	"fmt"
	"html/template"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Probe is one availability check of a site: when, whether it answered,
// and how long the answer took (ignored when it did not answer).
type Probe struct {
	At        time.Time
	OK        bool
	LatencyMS float64
}

// Day is one calendar day of probes; a day with Total 0 has no data (it
// is shown as such, never as 0 %).
type Day struct {
	Date      time.Time // the day's midnight
	Up, Total int
}

// MaxDays bounds the days one uptime chart draws (the oldest are left out).
const MaxDays = 400

// DailyUptime counts probes per calendar day for the n days ending with
// the day of last, oldest first, in last's time zone. Days without a
// probe are in the list with Total 0; probes outside the days are
// ignored.
func DailyUptime(probes []Probe, last time.Time, n int) []Day {
	n = min(n, MaxDays)
	if n <= 0 {
		return nil
	}
	y, m, d := last.Date()
	days := make([]Day, n)
	for i := range days {
		days[i].Date = time.Date(y, m, d-(n-1-i), 0, 0, 0, 0, last.Location())
	}
	end := time.Date(y, m, d+1, 0, 0, 0, 0, last.Location())
	for _, p := range probes {
		if p.At.Before(days[0].Date) || !p.At.Before(end) {
			continue
		}
		// The last day that starts at or before the probe (midnights, not
		// 24-hour steps: a day may be 23 or 25 hours long).
		i := sort.Search(n, func(i int) bool { return days[i].Date.After(p.At) }) - 1
		days[i].Total++
		if p.OK {
			days[i].Up++
		}
	}
	return days
}

// Uptime draws one bar per day: its height and colour say the day's
// uptime, a day below Threshold also gets a mark under its bar, and a
// day without data is an empty outline.
type Uptime struct {
	ID        string
	Title     string // defaults to Labels.UptimeTitle
	Days      []Day  // oldest first (see DailyUptime); at most MaxDays are drawn
	Threshold float64
}

// threshold is the percentage under which a day counts as bad (99 unless
// the caller set a sensible one).
func (u Uptime) threshold() float64 {
	if math.IsNaN(u.Threshold) || u.Threshold <= 0 || u.Threshold > 100 {
		return 99
	}
	return u.Threshold
}

func (u Uptime) title(l Labels) string {
	if u.Title != "" {
		return u.Title
	}
	return l.UptimeTitle
}

// days returns the days to draw, counts made sane (0 ≤ Up ≤ Total).
func (u Uptime) days() []Day {
	ds := u.Days
	if len(ds) > MaxDays {
		ds = ds[len(ds)-MaxDays:]
	}
	out := make([]Day, len(ds))
	for i, d := range ds {
		d.Total = max(d.Total, 0)
		d.Up = min(max(d.Up, 0), d.Total)
		out[i] = d
	}
	return out
}

func (d Day) percent() float64 { return 100 * float64(d.Up) / float64(d.Total) }

// uptimeTotals sums a window of days.
type uptimeTotals struct{ up, total, bad, noData int }

func (u Uptime) totals() uptimeTotals {
	var t uptimeTotals
	for _, d := range u.days() {
		t.up += d.Up
		t.total += d.Total
		switch {
		case d.Total == 0:
			t.noData++
		case d.percent() < u.threshold():
			t.bad++
		}
	}
	return t
}

// uptimeHeight maps an uptime to the share of the plot's height its bar
// fills, on a scale of "nines": 100 %, 99.9 %, 99 %, 90 % and 0 % are a
// quarter of the height apart, so that a day at 99 % is half as tall as
// a good one rather than a hair shorter.
func uptimeHeight(p float64) float64 {
	down := 100 - p
	if down <= 0.01 {
		return 1
	}
	return min(1, max(0, 1-math.Log10(down/0.01)/4))
}

// SVG draws the bars with a percentage axis, the first, middle and last
// dates, and a legend; with no day of data it is the empty state.
func (u Uptime) SVG(l Labels) template.HTML {
	days, th := u.days(), u.threshold()
	if u.totals().total == 0 {
		return empty("uptime", u.ID, u.title(l), l)
	}
	const top, base = 30.0, 200.0
	y := func(p float64) float64 { return base - (base-top)*uptimeHeight(p) }
	var c canvas
	c.printf(`<text class="chart-tick" x="%s" y="14" text-anchor="end" fill="#4b5563">%%</text>`, num(left-8))
	ticks := []float64{100, 99.9, 99, 90, 0}
	if !slices.Contains(ticks, th) {
		ticks = append(ticks, th)
	}
	for _, t := range ticks {
		c.printf(`<line class="chart-grid" x1="%s" x2="%s" y1="%s" y2="%s" stroke="#d8dee6"/>`, num(left), num(right), num(y(t)), num(y(t)))
		c.printf(`<text class="chart-tick" x="%s" y="%s" text-anchor="end" fill="#4b5563">%s</text>`, num(left-8), num(y(t)+5), esc(strings.TrimSuffix(l.number(t, 1), l.Decimal+"0")))
	}
	slot := (right - left) / float64(len(days))
	bw := max(1, slot*0.7)
	var ok, marks strings.Builder
	var bad canvas
	for i, d := range days {
		x := left + float64(i)*slot + (slot-bw)/2
		switch {
		case d.Total == 0:
		case d.percent() < th:
			h := max(3, base-y(d.percent()))
			bad.printf(`<rect x="%s" y="%s" width="%s" height="%s"><title>%s: %s</title></rect>`, num(x), num(base-h), num(bw), num(h),
				esc(date(d.Date, l.DateLong)), esc(l.percent(d.percent())))
			fmt.Fprintf(&marks, "M%s %sl4 8h-8z", num(x+bw/2), num(base+3))
		default:
			fmt.Fprintf(&ok, "M%s %sh%sv%sh-%sz", num(x), num(base), num(bw), num(-(base - y(d.percent()))), num(bw))
		}
	}
	if ok.Len() > 0 {
		c.printf(`<path class="chart-day-ok" d="%s" fill="#1a7f37"/>`, ok.String())
	}
	if bad.Len() > 0 {
		c.printf(`<g class="chart-day-bad" fill="#cf222e">%s</g><path class="chart-day-mark" d="%s" fill="#1b2430"/>`, bad.String(), marks.String())
	}
	noDataRuns(&c, l, days, slot, top, base)
	c.printf(`<line class="chart-axis" x1="%s" x2="%s" y1="%s" y2="%s" stroke="#4b5563"/>`, num(left), num(right), num(base), num(base))
	dateTicks(&c, l, base+36, days[0].Date, days[len(days)-1].Date, len(days) >= 7, days[len(days)/2].Date)
	legend(&c, base+50, []legendItem{
		{fmt.Sprintf(l.AtLeast, l.percent(th)), `<rect class="chart-day-ok" x="%s" y="%s" width="10" height="16" fill="#1a7f37"/>`},
		{fmt.Sprintf(l.Below, l.percent(th)), `<path class="chart-day-mark" d="M%s %sl5 16h-10z" fill="#1b2430"/>`},
		{l.NoData, `<rect class="chart-day-nodata" x="%s" y="%s" width="10" height="16" fill="#f6f8fa" stroke="#6e7781" stroke-dasharray="3 2"/>`},
	})
	return document("uptime", "img", u.ID, u.title(l), u.Summary(l), c.height, c.String())
}

// noDataRuns draws each run of days without data as one dashed box the
// height of a good day, saying "no data" inside when it has room.
func noDataRuns(c *canvas, l Labels, days []Day, slot, top, base float64) {
	for i := 0; i < len(days); {
		if days[i].Total > 0 {
			i++
			continue
		}
		j := i
		for j < len(days) && days[j].Total == 0 {
			j++
		}
		x0, x1 := left+float64(i)*slot+1, left+float64(j)*slot-1
		c.printf(`<rect class="chart-day-nodata" x="%s" y="%s" width="%s" height="%s" fill="#f6f8fa" stroke="#6e7781" stroke-dasharray="3 2"/>`,
			num(x0), num(top+0.5), num(max(x1-x0, 1)), num(base-top-1))
		if text := clip(l.NoData, 40); x1-x0 > textWidth(text, phoneFont)+8 {
			c.printf(`<text class="chart-empty-text" x="%s" y="%s" text-anchor="middle" fill="#4b5563">%s</text>`, num((x0+x1)/2), num((top+base)/2+5), esc(text))
		}
		i = j
	}
}

// Summary says the uptime over the window, how many days fell below the
// threshold and how many have no data.
func (u Uptime) Summary(l Labels) string {
	t := u.totals()
	if t.total == 0 {
		return l.NoData
	}
	s := fmt.Sprintf(l.UptimeSummary, l.percent(100*float64(t.up)/float64(t.total)), l.days(len(u.days())), l.days(t.bad), l.percent(u.threshold()))
	if t.noData > 0 {
		s += "; " + fmt.Sprintf(l.NoDataDays, l.days(t.noData))
	}
	return s
}

// Table lists the days in runs: each day below the threshold on its own
// row, consecutive good days and consecutive days without data as one
// row each.
func (u Uptime) Table(l Labels) Table {
	t := Table{Caption: u.title(l), Head: []string{l.Date, l.Uptime, l.Samples}, Empty: l.NoData}
	if u.totals().total == 0 {
		return t
	}
	days, th := u.days(), u.threshold()
	kind := func(d Day) int {
		switch {
		case d.Total == 0:
			return 0
		case d.percent() < th:
			return 1
		}
		return 2
	}
	for i := 0; i < len(days); {
		j, k := i+1, kind(days[i])
		for k != 1 && j < len(days) && kind(days[j]) == k {
			j++
		}
		run := days[i:j]
		when := date(run[0].Date, l.DateLong)
		if len(run) > 1 {
			when = fmt.Sprintf(l.Range, when, date(run[len(run)-1].Date, l.DateLong))
		}
		up, total, lo, hi := 0, 0, 100.0, 0.0
		for _, d := range run {
			up, total = up+d.Up, total+d.Total
			if d.Total > 0 {
				lo, hi = min(lo, d.percent()), max(hi, d.percent())
			}
		}
		value := l.NoData
		if total > 0 {
			value = l.percent(100 * float64(up) / float64(total))
			if l.percent(lo) != l.percent(hi) {
				value = fmt.Sprintf(l.Range, l.percent(lo), l.percent(hi))
			}
		}
		t.Rows = append(t.Rows, []string{when, value, strconv.Itoa(total)})
		i = j
	}
	return t
}
