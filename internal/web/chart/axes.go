package chart

import "time"

// phoneFont is the text size (in drawing units) chart.css sets on narrow
// screens; layouts leave room for text that large.
const phoneFont = 22.0

// halo draws a white outline under a text, so that it stays readable
// over the lines it crosses.
const halo = ` stroke="#fff" stroke-width="4" stroke-linejoin="round" paint-order="stroke"`

// dateTicks writes the first and last dates under a plot (and the middle
// one when there is room): the time alone within a day, the date and time
// within three days, the date (with its year when the years differ)
// beyond.
func dateTicks(c *canvas, l Labels, y float64, first, last time.Time, middle bool, mid time.Time) {
	layout := l.DateShort
	fy, fm, fd := first.Date()
	ly, lm, ld := last.In(first.Location()).Date()
	switch {
	case fy == ly && fm == lm && fd == ld && first.Before(last):
		layout = l.Time
	case last.Sub(first) < 72*time.Hour && first.Before(last):
		layout = l.DateShort + " " + l.Time
	case first.Year() != last.Year():
		layout = l.DateLong
	}
	tick := func(x float64, anchor string, t time.Time) {
		c.printf(`<text class="chart-tick" x="%s" y="%s" text-anchor="%s" fill="#4b5563">%s</text>`, num(x), num(y), anchor, esc(date(t, layout)))
	}
	if !first.Before(last) {
		tick((left+right)/2, "middle", last)
		return
	}
	tick(left, "start", first)
	tick(right, "end", last)
	if middle && 3*textWidth(date(mid, layout), phoneFont)+24 < right-left {
		tick((left+right)/2, "middle", mid)
	}
}

// legendItem is a legend's text and its swatch: an SVG element whose
// format takes its x and y.
type legendItem struct {
	text   string
	swatch string
}

// legend writes items from y down, wrapping them as text at the phone
// size would need, and sets the canvas' height below the last line.
func legend(c *canvas, y float64, items []legendItem) {
	const line = 28.0
	x := 8.0
	for _, it := range items {
		text := clip(it.text, 40)
		w := 16 + textWidth(text, phoneFont)
		if x > 8 && x+w > width-8 {
			x, y = 8, y+line
		}
		c.printf(it.swatch, num(x), num(y))
		c.printf(`<text class="chart-legend" x="%s" y="%s" fill="#1b2430">%s</text>`, num(x+16), num(y+14), esc(text))
		x += w + 20
	}
	c.height = y + line
}

// pointAt says where a time falls between first and last on the x axis
// (the middle when the span is nil).
func pointAt(t, first, last time.Time) float64 {
	span := last.Sub(first)
	if span <= 0 {
		return (left + right) / 2
	}
	return left + (right-left)*float64(t.Sub(first))/float64(span)
}
