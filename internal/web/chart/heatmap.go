package chart

import (
	"fmt"
	"html/template"
	"strconv"
)

// RiskHeatMap is the risk register's heat map: open risks counted by
// likelihood (rows, 5 at the top) and impact (columns), each cell shaded
// by the rating of its score (likelihood × impact) and showing its count
// as text, so that it reads without colour.
type RiskHeatMap struct {
	ID    string
	Title string
	// Cells[l-1][i-1] counts the risks of likelihood l and impact i.
	Cells [5][5]int
	// Likelihood and Impact name the axes; LikelihoodSteps and
	// ImpactSteps name the values 1 to 5, in the reader's language.
	Likelihood, Impact           string
	LikelihoodSteps, ImpactSteps [5]string
	// Band names the rating of a score and returns its id (low, medium,
	// high, critical), which picks the cell's shade.
	Band func(score int) (id, name string)
}

// heatFill is each rating's shade when the site's stylesheet is missing.
var heatFill = map[string]string{"low": "#dafbe1", "medium": "#fff8c5", "high": "#ffd8b5", "critical": "#ffcecb"}

func (h RiskHeatMap) total() int {
	n := 0
	for _, row := range h.Cells {
		for _, c := range row {
			n += max(c, 0)
		}
	}
	return n
}

func (h RiskHeatMap) band(score int) (string, string) {
	if h.Band == nil {
		return "low", ""
	}
	return h.Band(score)
}

// SVG draws the 5 × 5 grid with the axes' names and values; no risk at
// all is the empty state.
func (h RiskHeatMap) SVG(l Labels) template.HTML {
	if h.total() == 0 {
		return empty("heatmap", h.ID, h.Title, l)
	}
	const x0, y0, cell = 170.0, 8.0, 76.0
	var c canvas
	for li := 5; li >= 1; li-- {
		y := y0 + float64(5-li)*cell
		c.printf(`<text class="chart-label" x="%s" y="%s" text-anchor="end" fill="#1b2430">%s</text>`, num(x0-8), num(y+cell/2+5), esc(clip(strconv.Itoa(li)+" · "+h.LikelihoodSteps[li-1], 22)))
		for ii := 1; ii <= 5; ii++ {
			x := x0 + float64(ii-1)*cell
			id, _ := h.band(li * ii)
			c.printf(`<rect class="chart-risk-%s" x="%s" y="%s" width="%s" height="%s" fill="%s" stroke="#fff" stroke-width="2"/>`,
				esc(id), num(x), num(y), num(cell), num(cell), heatFill[id])
			if n := h.Cells[li-1][ii-1]; n > 0 {
				c.printf(`<text class="chart-value" x="%s" y="%s" text-anchor="middle" font-weight="bold" fill="#1b2430">%d</text>`, num(x+cell/2), num(y+cell/2+6), n)
			}
		}
	}
	yAxis := y0 + 5*cell
	for ii := 1; ii <= 5; ii++ {
		x := x0 + float64(ii-1)*cell + cell/2
		c.printf(`<text class="chart-tick" x="%s" y="%s" text-anchor="middle" fill="#4b5563">%d</text>`, num(x), num(yAxis+18), ii)
	}
	c.printf(`<text class="chart-legend" x="%s" y="%s" text-anchor="middle" fill="#1b2430">%s</text>`, num(x0+2.5*cell), num(yAxis+42), esc(h.Impact+" →"))
	c.printf(`<text class="chart-legend" x="8" y="%s" fill="#1b2430">%s</text>`, num(yAxis+42), esc(h.Likelihood+" ↑"))
	return document("heatmap", "img", h.ID, h.Title, h.Summary(l), yAxis+56, c.String())
}

// Summary says how many open risks there are and how many of them have
// the highest score present.
func (h RiskHeatMap) Summary(l Labels) string {
	top, n := 0, 0
	for li := 1; li <= 5; li++ {
		for ii := 1; ii <= 5; ii++ {
			c := h.Cells[li-1][ii-1]
			switch {
			case c <= 0:
			case li*ii > top:
				top, n = li*ii, c
			case li*ii == top:
				n += c
			}
		}
	}
	if top == 0 {
		return l.NoData
	}
	_, name := h.band(top)
	return fmt.Sprintf("%s: %d · %d × %s (%d)", h.Title, h.total(), n, name, top)
}

// Table lists the cells that hold risks: likelihood, impact, score,
// rating and count.
func (h RiskHeatMap) Table(l Labels) Table {
	t := Table{Caption: h.Title, Head: []string{h.Likelihood, h.Impact, "L × I", "", "#"}, Empty: l.NoData}
	for li := 5; li >= 1; li-- {
		for ii := 5; ii >= 1; ii-- {
			if n := h.Cells[li-1][ii-1]; n > 0 {
				_, name := h.band(li * ii)
				t.Rows = append(t.Rows, []string{strconv.Itoa(li) + " · " + h.LikelihoodSteps[li-1], strconv.Itoa(ii) + " · " + h.ImpactSteps[ii-1],
					strconv.Itoa(li * ii), name, strconv.Itoa(n)})
			}
		}
	}
	return t
}
