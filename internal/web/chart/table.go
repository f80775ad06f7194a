package chart

import (
	"html/template"
	"strings"
)

// Chart is what every chart in this package offers: the picture, one
// sentence that says what it shows, and the figures as a table.
type Chart interface {
	SVG(l Labels) template.HTML
	Summary(l Labels) string
	Table(l Labels) Table
}

// Table is a chart's text equivalent: plain rows a screen reader reads
// and a person can copy. The first cell of each row names it.
type Table struct {
	Caption string
	Head    []string
	Rows    [][]string
	Empty   string // shown instead of the table when there are no rows
}

// HTML writes the table (or its Empty text) as escaped HTML.
func (t Table) HTML() template.HTML {
	var b strings.Builder
	if len(t.Rows) == 0 {
		b.WriteString(`<p class="chart-empty-text">` + esc(t.Empty) + `</p>`)
		return template.HTML(b.String()) // #nosec G203 -- escaped above
	}
	b.WriteString(`<table class="chart-table">`)
	if t.Caption != "" {
		b.WriteString(`<caption>` + esc(t.Caption) + `</caption>`)
	}
	b.WriteString(`<thead><tr>`)
	for _, h := range t.Head {
		b.WriteString(`<th scope="col">` + esc(h) + `</th>`)
	}
	b.WriteString(`</tr></thead><tbody>`)
	for _, row := range t.Rows {
		b.WriteString(`<tr>`)
		for i, cell := range row {
			if i == 0 {
				b.WriteString(`<th scope="row">` + esc(cell) + `</th>`)
			} else {
				b.WriteString(`<td>` + esc(cell) + `</td>`)
			}
		}
		b.WriteString(`</tr>`)
	}
	b.WriteString(`</tbody></table>`)
	return template.HTML(b.String()) // #nosec G203 -- every cell escaped
}

// Figure puts a chart in a <figure>: the picture, its summary as the
// caption, and its table folded in a <details> (closed; for screen
// readers and for anyone who wants the numbers).
//
// A chart without data is its empty state alone: no caption or table that
// would repeat "no data yet".
func Figure(c Chart, l Labels) template.HTML {
	var b strings.Builder
	b.WriteString(`<figure class="chart-figure">`)
	b.WriteString(string(c.SVG(l)))
	t := c.Table(l)
	if len(t.Rows) == 0 {
		b.WriteString(`</figure>`)
		return template.HTML(b.String()) // #nosec G203 -- the SVG is escaped
	}
	b.WriteString(`<figcaption class="chart-caption">` + esc(c.Summary(l)) + `</figcaption>`)
	b.WriteString(`<details class="chart-details"><summary>` + esc(l.ShowTable) + `</summary>`)
	b.WriteString(string(t.HTML()))
	b.WriteString(`</details></figure>`)
	return template.HTML(b.String()) // #nosec G203 -- parts are escaped
}
